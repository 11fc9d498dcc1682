"""`flowrt init` beyond a fresh directory, and `flowrt schema --write`.

- `--skip-existing` writes what is missing and lists what it kept; `--force` replaces the
  scaffold's files and never anything else (other scenarios' goldens, what a link points to);
  a refused write takes back what `--force` replaced.
- Inside a git repository the workflow and the pre-commit config go to the repository root (the
  only place GitHub and pre-commit read them) and run flowrt on the project from there.
- flowrt is not on the package index: the workflow installs what `FLOWRT_INSTALL` names and fails
  saying so while it is unset; `--install` writes a requirement into the workflow and pre-commit.
- `flowrt schema --write` refreshes the schema files the project's modelines point at.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

import flowrt.cli.init as init_module
from flowrt.cli import main
from flowrt.cli.init import FILES, SCHEMAS
from flowrt.cli.init_scaffold import repository_root
from flowrt.core.files import WriteError, kind_of
from flowrt.lang.schema import dumps, shipped_schema
from flowrt.testing.suite import run_suite

ROOT = Path(__file__).resolve().parent.parent
SCAFFOLD = sorted([*FILES.values(), *SCHEMAS.values()])
CASES = ["sales", "support", "no-input", "support-full", "after-hours"]
GOLDENS = [f"scenarios/__goldens__/main/{case}.golden.yaml" for case in CASES]
NEXT = "next: cd new && flowrt validate && flowrt test && flowrt graph main"


def outside_note(d: str) -> str:
    return (
        f"note: {d} is not in a git repository, so its workflow and pre-commit config are in {d} "
        "itself; GitHub and pre-commit read them only at the root of a repository: make "
        f"{d} that root (`git init`), or create the project inside your repository"
    )


@pytest.fixture()
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The working directory, outside any git repository."""
    if repository_root(tmp_path) is not None:
        pytest.skip("the temporary directory is inside a git repository")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def init(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], str]:
    code = main(["init", *argv])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def snapshot(directory: Path) -> dict[str, bytes]:
    return {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def yaml_file(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def workflow_steps(path: Path) -> dict[str, dict[str, Any]]:
    steps = yaml_file(path)["jobs"]["flows"]["steps"]
    return {s.get("name", s.get("uses")): s for s in steps}


def hooks(path: Path) -> dict[str, dict[str, Any]]:
    return {h["id"]: h for h in yaml_file(path)["repos"][0]["hooks"]}


def flowrt_exe() -> list[str]:
    exe = Path(sys.executable).with_name("flowrt")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "flowrt"]


def shell(command: str, cwd: Path, env: dict[str, str] | None = None) -> Any:
    """Run a workflow `run:` script as GitHub does (bash), with `flowrt` this environment's."""
    path = f"{Path(flowrt_exe()[0]).parent}{os.pathsep}{os.environ['PATH']}"
    full = {**os.environ, "PATH": path, **(env or {})}
    return subprocess.run(
        ["bash", "-e", "-c", command], cwd=cwd, env=full, capture_output=True, text=True
    )


# ---------------------------------------------------------------------------------------------
# existing files: refuse, --skip-existing, --force


def test_refusal_names_the_files_and_the_two_ways_out(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (here / "new").mkdir()
    (here / "new" / "README.md").write_text("my readme\n")
    code, out, err = init(["new"], capsys)
    assert (code, out) == (2, [])
    assert err == (
        "flowrt init: refusing to overwrite existing files (nothing was written): new/README.md; "
        "use --skip-existing to write only the missing files, or --force to replace these\n"
    )
    assert snapshot(here / "new") == {"README.md": b"my readme\n"}


def test_skip_existing_writes_what_is_missing_and_lists_what_it_kept(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (here / "new").mkdir()
    (here / "new" / "README.md").write_text("my readme\n")
    code, out, err = init(["new", "--skip-existing"], capsys)
    assert (code, err) == (0, "")
    assert out == [
        *(
            "kept new/README.md (it exists)" if rel == "README.md" else f"created new/{rel}"
            for rel in SCAFFOLD
        ),
        *(f"created new/{g}" for g in GOLDENS),
        outside_note("new"),
        "",
        NEXT,
    ]
    assert (here / "new" / "README.md").read_text() == "my readme\n"
    report = run_suite(["new"])
    assert report.ok and report.passed == 5


def test_init_writes_the_goldens_flowrt_test_update_would(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert init(["new"], capsys)[0] == 0
    before = snapshot(here / "new")
    report = run_suite(["new"], update=True)
    assert report.changes == [] and report.passed == 5
    assert snapshot(here / "new") == before


def test_skip_existing_keeps_a_scenario_and_never_touches_its_goldens(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert init(["new"], capsys)[0] == 0
    project = here / "new"
    (project / GOLDENS[0]).write_text("my golden\n")
    (project / "flows" / "main.flow.yaml").unlink()
    before = snapshot(project)
    code, out, err = init(["new", "--skip-existing"], capsys)
    assert (code, err) == (0, "")
    assert out == [
        *(
            f"created new/{rel}" if rel == "flows/main.flow.yaml" else f"kept new/{rel} (it exists)"
            for rel in SCAFFOLD
        ),
        outside_note("new"),
        "",
        NEXT,
    ]
    after = snapshot(project)
    assert after.pop("flows/main.flow.yaml") == init_module.scaffold()[
        "flows/main.flow.yaml"
    ].encode("utf-8")
    assert after == before


def test_skip_existing_writes_no_goldens_when_kept_files_have_errors(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (here / "new" / "flows").mkdir(parents=True)
    (here / "new" / "flows" / "main.flow.yaml").write_text("mine\n")
    code, out, err = init(["new", "--skip-existing"], capsys)
    assert code == 1
    assert err == (
        "flowrt init: the goldens of new/scenarios/main.scenario.yaml were not written: the "
        "project has errors (`flowrt validate` shows them; once fixed, `flowrt test --update` "
        "writes the goldens)\n"
    )
    assert "kept new/flows/main.flow.yaml (it exists)" in out
    assert out[-3:] == [outside_note("new"), "", NEXT]
    assert not (here / "new" / "scenarios" / "__goldens__").exists()
    assert (here / "new" / "flows" / "main.flow.yaml").read_text() == "mine\n"


def test_force_replaces_the_scaffold_and_nothing_else(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert init(["new"], capsys)[0] == 0
    project = here / "new"
    other = project / "scenarios" / "other.scenario.yaml"
    other.write_text(
        (project / "scenarios" / "main.scenario.yaml")
        .read_text()
        .replace("scenario: main line", "scenario: my line")
    )
    assert run_suite(["new"], update=True).passed == 10
    scaffold = snapshot(project)
    (project / "README.md").write_text("my readme\n")
    flow = project / "flows" / "main.flow.yaml"
    flow.write_text(flow.read_text().replace("Thanks for calling.", "Hello."))
    (project / GOLDENS[0]).write_text("stale\n")
    extra = project / "scenarios" / "__goldens__" / "main" / "extra.golden.yaml"
    extra.write_text("a golden of mine\n")
    users = {k: v for k, v in snapshot(project).items() if "/other/" in k or "extra" in k}
    assert len(users) == 6

    code, out, err = init(["new", "--force"], capsys)
    assert (code, err) == (0, "")
    replaced = {"README.md", "flows/main.flow.yaml"}
    assert out == [
        *(f"{'replaced' if r in replaced else 'unchanged'} new/{r}" for r in SCAFFOLD),
        f"replaced new/{GOLDENS[0]}",
        *(f"unchanged new/{g}" for g in GOLDENS[1:]),
        outside_note("new"),
        "",
        NEXT,
    ]
    after = snapshot(project)
    assert {k: after[k] for k in users} == users  # the user's goldens, byte for byte
    assert {k: v for k, v in after.items() if k not in users} == {
        k: v for k, v in scaffold.items() if k not in users
    }
    assert main(["test", "new"]) == 0


def test_force_replaces_a_link_never_what_it_points_to(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (here / "outside").mkdir()
    (here / "outside" / "planted").write_text("secret\n")
    (here / "new").mkdir()
    (here / "new" / "README.md").symlink_to(here / "outside" / "planted")
    code, out, err = init(["new", "--force"], capsys)
    assert (code, err) == (0, "")
    assert "replaced new/README.md" in out
    readme = here / "new" / "README.md"
    assert not readme.is_symlink()
    assert readme.read_text() == init_module.scaffold()["README.md"]
    assert (here / "outside" / "planted").read_text() == "secret\n"


@pytest.mark.parametrize(
    ("mode", "make", "problem", "code"),
    [
        ("", "schemas-file", "new/schemas is a file where a directory goes", 2),
        ("--force", "schemas-file", "new/schemas is a file where a directory goes", 2),
        ("--skip-existing", "schemas-file", "new/schemas is a file where a directory goes", 2),
        ("--force", "readme-dir", "new/README.md is a directory where a file goes", 2),
        ("--skip-existing", "readme-dir", None, 0),
    ],
)
def test_what_stands_in_the_way(
    here: Path,
    capsys: pytest.CaptureFixture[str],
    mode: str,
    make: str,
    problem: str | None,
    code: int,
) -> None:
    project = here / "new"
    project.mkdir()
    if make == "schemas-file":
        (project / "schemas").write_text("mine\n")
    else:
        (project / "README.md").mkdir()
    got, out, err = init(["new", mode] if mode else ["new"], capsys)
    assert got == code
    if problem is None:
        assert "kept new/README.md (it exists)" in out and err == ""
        return
    assert out == []
    assert err == (
        f"flowrt init: nothing was written: {problem} (move it away, or choose another directory)\n"
    )
    assert [p.name for p in project.iterdir()] == [
        "schemas" if make == "schemas-file" else "README.md"
    ]


def test_force_takes_back_what_it_replaced_when_a_write_is_refused(
    here: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert init(["new"], capsys)[0] == 0
    project = here / "new"
    (project / "README.md").write_text("my readme\n")
    flow = project / "flows" / "main.flow.yaml"
    flow.write_text("my flow\n")
    (project / "instance.yaml").unlink()
    before = snapshot(project)
    real = init_module.write_atomic
    calls: list[Path] = []

    def refusing(path: Path, data: str | bytes, *, overwrite: bool) -> None:
        calls.append(path)
        if len(calls) == 3:  # README.md and main.flow.yaml replaced, then instance.yaml
            raise WriteError(path, OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)))
        real(path, data, overwrite=overwrite)

    monkeypatch.setattr(init_module, "write_atomic", refusing)
    code, out, err = init(["new", "--force"], capsys)
    assert (code, out) == (1, [])
    assert err == (
        "flowrt init: cannot write new/instance.yaml: no space left on the device (free some "
        "space, then run again); nothing was written\n"
    )
    assert [p.as_posix() for p in calls[:3]] == [
        "new/README.md",
        "new/flows/main.flow.yaml",
        "new/instance.yaml",
    ]
    assert snapshot(project) == before


def test_skip_existing_and_force_exclude_each_other(capsys: pytest.CaptureFixture[str]) -> None:
    try:
        code = main(["init", "x", "--force", "--skip-existing"])
    except SystemExit as exc:  # argparse's own exit
        code = exc.code  # type: ignore[assignment]
    assert code == 2
    last = capsys.readouterr().err.splitlines()[-1]
    assert last.startswith("flowrt init: ")
    assert last.endswith("--skip-existing: not allowed with argument --force")
    assert not Path("x").exists()


# ---------------------------------------------------------------------------------------------
# the git repository root


@pytest.fixture()
def repo(here: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = here / "repo"
    (root / ".git").mkdir(parents=True)
    monkeypatch.chdir(root)
    return root


def test_in_a_repository_subdirectory_the_workflow_and_hooks_go_to_its_root(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = init(["teams/cc"], capsys)
    assert (code, err) == (0, "")
    assert out == [
        *(
            f"created {rel if rel in ('.github/workflows/flowrt.yml', '.pre-commit-config.yaml') else 'teams/cc/' + rel}"
            for rel in SCAFFOLD
        ),
        *(f"created teams/cc/{g}" for g in GOLDENS),
        "note: the workflow and the pre-commit config are at the root of the git repository "
        "(.), the only place GitHub and pre-commit read them; they run flowrt on teams/cc",
        "",
        "next: cd teams/cc && flowrt validate && flowrt test && flowrt graph main",
    ]
    project = repo / "teams" / "cc"
    assert not (project / ".github").exists() and not (project / ".pre-commit-config.yaml").exists()
    steps = workflow_steps(repo / ".github" / "workflows" / "flowrt.yml")
    assert steps["Validate flows, instance and scenarios (annotations)"]["run"] == (
        "flowrt validate --format github teams/cc"
    )
    assert steps["Test the scenarios against their goldens (annotations)"]["run"] == (
        "flowrt test --format github teams/cc"
    )
    assert steps["SARIF for code scanning"]["run"] == (
        "flowrt validate --format sarif teams/cc > flowrt.sarif || true"
    )
    readme = (project / "README.md").read_text()
    assert "| `../../.github/workflows/flowrt.yml` | CI:" in readme
    assert "| `../../.pre-commit-config.yaml` | pre-commit hooks" in readme

    # The workflow's commands, run from the repository root as GitHub runs them: annotations
    # name the file from the root, where GitHub can place them.
    for name in (
        "Validate flows, instance and scenarios (annotations)",
        "Test the scenarios against their goldens (annotations)",
    ):
        done = shell(steps[name]["run"], repo)
        assert done.returncode == 0, done.stdout + done.stderr
    flow = project / "flows" / "main.flow.yaml"
    good = flow.read_text()
    flow.write_text(good.replace("queue: Sales", "queue: Salse"))
    bad = shell(steps["Validate flows, instance and scenarios (annotations)"]["run"], repo)
    assert bad.returncode == 1
    assert bad.stdout.startswith(
        "::error file=teams/cc/flows/main.flow.yaml,line=38,col=12,endLine=38,endColumn=17,"
    )
    flow.write_text(good)

    # The hooks, as pre-commit runs them: from the root, on the files their patterns select.
    (repo / "other").mkdir()
    (repo / "other" / "x.flow.yaml").write_text("not: this project\n")
    (repo / "y.flow.yaml").write_text("not: this project\n")
    found = hooks(repo / ".pre-commit-config.yaml")
    files = sorted(
        p.relative_to(repo).as_posix()
        for p in repo.rglob("*")
        if p.is_file() and ".git" not in p.parts
    )
    validate = [f for f in files if re.search(found["flowrt-validate"]["files"], f)]
    assert validate == [f"teams/cc/{r}" for r in SCAFFOLD if kind_of(Path(r)) is not None]
    test = [f for f in files if re.search(found["flowrt-test"]["files"], f)]
    assert test == sorted([*validate, *(f"teams/cc/{g}" for g in GOLDENS)])
    entry = shlex.split(found["flowrt-validate"]["entry"])
    ok = subprocess.run(
        flowrt_exe() + entry[1:] + validate, cwd=repo, capture_output=True, text=True
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert shlex.split(found["flowrt-test"]["entry"]) == ["flowrt", "test", "teams/cc"]
    ok = subprocess.run(
        flowrt_exe() + ["test", "teams/cc"], cwd=repo, capture_output=True, text=True
    )
    assert ok.returncode == 0 and ok.stdout.endswith("5 passed, 0 failed\n"), ok.stdout


def test_a_directory_name_the_workflow_must_quote(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name = "my #dir: x"
    assert init([name], capsys)[0] == 0
    steps = workflow_steps(repo / ".github" / "workflows" / "flowrt.yml")
    run = steps["Validate flows, instance and scenarios (annotations)"]["run"]
    assert run == "flowrt validate --format github 'my #dir: x'"
    done = shell(run, repo)
    assert done.returncode == 0 and done.stdout == "6 file(s) checked: 0 error(s), 0 warning(s)\n"
    found = hooks(repo / ".pre-commit-config.yaml")
    assert shlex.split(found["flowrt-test"]["entry"]) == ["flowrt", "test", name]
    assert re.search(found["flowrt-validate"]["files"], f"{name}/flows/main.flow.yaml")
    assert not re.search(found["flowrt-validate"]["files"], "other/flows/main.flow.yaml")


def test_a_git_file_marks_a_repository_too(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A worktree or a submodule has a `.git` file, not a directory."""
    (here / "repo").mkdir()
    (here / "repo" / ".git").write_text("gitdir: /somewhere/else\n")
    code, out, err = init(["repo/sub/new"], capsys)
    assert (code, err) == (0, "")
    assert out[:2] == [
        "created repo/.github/workflows/flowrt.yml",
        "created repo/.pre-commit-config.yaml",
    ]
    assert out[-3] == (
        "note: the workflow and the pre-commit config are at the root of the git repository "
        "(repo), the only place GitHub and pre-commit read them; they run flowrt on sub/new"
    )
    assert sorted(p.name for p in (here / "repo").iterdir()) == [
        ".git",
        ".github",
        ".pre-commit-config.yaml",
        "sub",
    ]
    assert not (here / "repo" / "sub" / "new" / ".github").exists()


def test_at_the_repository_root_everything_stays_there(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = init(["."], capsys)
    assert (code, err) == (0, "")
    assert not any(line.startswith("note:") for line in out)
    assert out[-1] == "next: flowrt validate && flowrt test && flowrt graph main"
    assert (repo / ".github" / "workflows" / "flowrt.yml").is_file()
    steps = workflow_steps(repo / ".github" / "workflows" / "flowrt.yml")
    assert steps["Test the scenarios against their goldens (annotations)"]["run"] == (
        "flowrt test --format github ."
    )


def test_an_existing_pre_commit_config_at_the_root_is_the_users(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / ".pre-commit-config.yaml").write_text("repos: []\n")
    code, out, err = init(["cc"], capsys)
    assert (code, out) == (2, [])
    assert "(nothing was written): .pre-commit-config.yaml; use --skip-existing" in err
    code, out, err = init(["cc", "--skip-existing"], capsys)
    assert code == 0 and "kept .pre-commit-config.yaml (it exists)" in out
    assert (repo / ".pre-commit-config.yaml").read_text() == "repos: []\n"


# ---------------------------------------------------------------------------------------------
# installing flowrt


INSTALL_STEP = "Install flowrt"


def test_the_workflow_installs_what_flowrt_install_names_and_fails_clearly_without_it(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert init(["new"], capsys)[0] == 0
    step = workflow_steps(here / "new" / ".github" / "workflows" / "flowrt.yml")[INSTALL_STEP]
    assert step["env"] == {"FLOWRT_INSTALL": "${{ vars.FLOWRT_INSTALL }}"}
    unset = shell(step["run"], here, {"FLOWRT_INSTALL": ""})
    assert unset.returncode == 1
    assert unset.stdout == (
        "::error title=FLOWRT_INSTALL is not set::flowrt is not on the package index yet, so "
        "this workflow installs the pip requirement in the repository variable FLOWRT_INSTALL. "
        "Set it (Settings > Secrets and variables > Actions > Variables) to a git URL such as "
        "git+https://<host>/<owner>/flowrt@v0.1.0, or to a path in this repository.\n"
    )
    fake = here / "bin"
    fake.mkdir()
    (fake / "python").write_text('#!/bin/sh\necho "python $*"\n')
    (fake / "python").chmod(0o755)
    path = f"{fake}{os.pathsep}{os.environ['PATH']}"
    spec = "git+https://example.org/o/flowrt@v0.1.0"
    done = shell(step["run"], here, {"FLOWRT_INSTALL": spec, "PATH": path})
    assert (done.returncode, done.stdout) == (0, f"python -m pip install {spec}\n")
    hooks_file = (here / "new" / ".pre-commit-config.yaml").read_text()
    assert (
        "# The hooks run the flowrt installed in your environment.  flowrt is not on the\n"
        in hooks_file
    )
    assert {h["language"] for h in hooks(here / "new" / ".pre-commit-config.yaml").values()} == {
        "system"
    }
    assert "flowrt is not on the package index yet" in (here / "new" / "README.md").read_text()


def test_install_writes_a_requirement_into_the_workflow_and_pre_commit(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = "flowrt @ git+https://example.org/o/flowrt@v0.1.0"
    assert init(["new", "--install", spec], capsys)[0] == 0
    step = workflow_steps(here / "new" / ".github" / "workflows" / "flowrt.yml")[INSTALL_STEP]
    assert step["env"] == {"FLOWRT_INSTALL": spec}
    for hook in hooks(here / "new" / ".pre-commit-config.yaml").values():
        assert hook["language"] == "python"
        assert hook["additional_dependencies"] == [spec]
    readme = (here / "new" / "README.md").read_text()
    assert f"install it from `{spec}`" in readme


def test_install_of_a_relative_path_leaves_pre_commit_on_the_environment(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert init(["new", "--install", "./tools/flowrt"], capsys)[0] == 0
    step = workflow_steps(here / "new" / ".github" / "workflows" / "flowrt.yml")[INSTALL_STEP]
    assert step["env"] == {"FLOWRT_INSTALL": "./tools/flowrt"}
    config = here / "new" / ".pre-commit-config.yaml"
    for hook in hooks(config).values():
        assert hook["language"] == "system" and "additional_dependencies" not in hook
    assert "# a relative path itself): python -m pip install ./tools/flowrt\n" in config.read_text()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            "",
            "--install needs a pip requirement (e.g. git+https://HOST/OWNER/flowrt@TAG or ./tools/flowrt)",
        ),
        (
            "-e .",
            "--install takes one pip requirement, not pip options (e.g. git+https://HOST/OWNER/flowrt@TAG or ./tools/flowrt)",
        ),
        (
            "a\nb",
            "--install takes one pip requirement on one line (e.g. git+https://HOST/OWNER/flowrt@TAG or ./tools/flowrt)",
        ),
        (
            "${{ secrets.TOKEN }}",
            "--install cannot hold `${{`: GitHub would read it as an expression",
        ),
    ],
)
def test_install_takes_one_requirement(
    here: Path, capsys: pytest.CaptureFixture[str], spec: str, message: str
) -> None:
    assert init(["new", f"--install={spec}"], capsys) == (2, [], f"flowrt init: {message}\n")
    assert not (here / "new").exists()


# ---------------------------------------------------------------------------------------------
# flowrt schema --write


def schema_write(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["schema", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_schema_write_refreshes_the_copies_the_modelines_point_at(
    here: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert init(["new"], capsys)[0] == 0
    schemas = here / "new" / "schemas"
    (schemas / "flow.schema.json").write_text('{"title": "flowrt flow", "old": true}\n')
    (schemas / "scenario.schema.json").unlink()
    monkeypatch.chdir(here / "new" / "flows")  # from a subdirectory: the project's root is found
    assert schema_write(["--write"], capsys) == (
        0,
        "updated ../schemas/flow.schema.json\n"
        "unchanged ../schemas/instance.schema.json\n"
        "created ../schemas/scenario.schema.json\n",
        "",
    )
    for kind in ("flow", "instance", "scenario"):
        assert (schemas / f"{kind}.schema.json").read_text() == dumps(shipped_schema(kind))
    assert schema_write(["instance", "--write", ".."], capsys) == (
        0,
        "unchanged ../schemas/instance.schema.json\n",
        "",
    )


def test_schema_write_follows_modelines_out_of_the_project(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The tutorial's layout: the schemas beside the project, named by its modelines."""
    (here / "schemas").mkdir()
    project = here / "my-center"
    project.mkdir()
    (project / "instance.yaml").write_text(
        "# yaml-language-server: $schema=../schemas/instance.schema.json\ninstance: x\n"
    )
    (project / "main.flow.yaml").write_text(
        "# a comment first\n# yaml-language-server: $schema=../schemas/flow.schema.json\n"
        "flow: main\nstart: a\nblocks:\n  a: {type: disconnect}\n"
    )
    assert schema_write(["--write", "my-center"], capsys) == (
        0,
        "created schemas/flow.schema.json\n"
        "created schemas/instance.schema.json\n"
        "created schemas/scenario.schema.json\n",
        "",
    )
    assert not (project / "schemas").exists()


def test_schema_write_creates_no_directory_outside_the_project(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = here / "p"
    project.mkdir()
    (project / "instance.yaml").write_text(
        "# yaml-language-server: $schema=../shared/instance.schema.json\ninstance: x\n"
    )
    code, out, err = schema_write(["--write", "p"], capsys)
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        f"flowrt schema: shared/{kind}.schema.json: its directory does not exist and is outside "
        "the project; not written (create the directory, or fix the modelines that point there)"
        for kind in ("flow", "instance", "scenario")
    ]
    assert sorted(p.name for p in here.iterdir()) == ["p"]


def test_schema_write_never_replaces_a_file_that_is_not_a_flowrt_schema(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert init(["new"], capsys)[0] == 0
    mine = here / "new" / "schemas" / "flow.schema.json"
    mine.write_text('{"title": "my own schema"}\n')
    (here / "new" / "schemas" / "instance.schema.json").write_text("not json\n")
    code, out, err = schema_write(["--write", "new"], capsys)
    assert (code, out) == (1, "unchanged new/schemas/scenario.schema.json\n")
    assert err == (
        "flowrt schema: new/schemas/flow.schema.json is not flowrt's flow schema (its title is "
        "not `flowrt flow`); not overwritten (remove it to have it written, or point the "
        "modelines elsewhere)\n"
        "flowrt schema: new/schemas/instance.schema.json is not flowrt's instance schema (it is "
        "not JSON); not overwritten (remove it to have it written, or point the modelines "
        "elsewhere)\n"
    )
    assert mine.read_text() == '{"title": "my own schema"}\n'


def test_schema_write_reports_a_modeline_that_names_no_json_file(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = here / "p"
    project.mkdir()
    (project / "instance.yaml").write_text(
        "# yaml-language-server: $schema=schemas/instance.yaml\ninstance: x\n"
    )
    (project / "a.flow.yaml").write_text(
        "# yaml-language-server: $schema=https://example.org/flow.schema.json\nflow: a\n"
    )
    code, out, err = schema_write(["--write", "p"], capsys)
    assert code == 1
    assert out == (
        "created p/schemas/flow.schema.json\n"
        "created p/schemas/instance.schema.json\n"
        "created p/schemas/scenario.schema.json\n"
    )
    assert err == (
        "flowrt schema: p/instance.yaml: its modeline names schemas/instance.yaml, not a .json "
        "file; nothing written for it\n"
    )


def test_schema_write_needs_a_project(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (here / "empty").mkdir()
    assert schema_write(["--write", "empty"], capsys) == (
        2,
        "",
        "flowrt schema: no flowrt project in empty or above (no instance.yaml, *.flow.yaml or "
        "*.scenario.yaml); give a project directory, or print a schema with `flowrt schema "
        "KIND > FILE`\n",
    )
    assert schema_write(["--write", "nowhere"], capsys) == (
        2,
        "",
        "flowrt schema: no such directory: nowhere\n",
    )
    assert schema_write(["--write", "flow"], capsys) == (
        2,
        "",
        "flowrt schema: no such directory: flow (to write only one kind, name it first: "
        "`flowrt schema flow --write`)\n",
    )
    assert list((here / "empty").iterdir()) == []


def test_schema_write_leaves_the_examples_schemas_as_they_are(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(ROOT / "flows", here / "flows")
    shutil.copytree(ROOT / "schemas", here / "schemas")
    before = snapshot(here / "schemas")
    assert schema_write(["--write", "flows"], capsys) == (
        0,
        "unchanged schemas/flow.schema.json\n"
        "unchanged schemas/instance.schema.json\n"
        "unchanged schemas/scenario.schema.json\n",
        "",
    )
    assert snapshot(here / "schemas") == before


def test_schema_still_prints(capsys: pytest.CaptureFixture[str]) -> None:
    assert schema_write([], capsys) == (0, dumps(shipped_schema("flow")), "")
    assert schema_write(["scenario"], capsys) == (0, dumps(shipped_schema("scenario")), "")
    assert json.loads(schema_write(["instance"], capsys)[1])["title"] == "flowrt instance"
