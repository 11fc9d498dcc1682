"""Every command finds the project the same way, from any file or directory inside it.

Each command (validate, test, run DIR, run FLOW --scenario --case, graph, export) is run from
every directory level of a copy of the example project and of a fresh `flowrt init` project,
and must give what it gives from the project root: same exit code, same output (paths in
diagnostics are relative to the working directory, so they are compared as the files they
name).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from flowrt.cli import main
from flowrt.project.driver import display_path, find_root, project_root, scope

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "flows"


def _levels(root: Path) -> list[Path]:
    """Every directory of the project, the root first."""
    found = [root]
    for dirpath, dirnames, _ in os.walk(root):
        dirnames.sort()
        found.extend(Path(dirpath) / d for d in dirnames)
    return found


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("example") / "flows"
    shutil.copytree(EXAMPLES, root)
    return root


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    parent = tmp_path_factory.mktemp("init")
    os.chdir(parent)
    try:
        assert main(["init", "proj"]) == 0
    finally:
        os.chdir(ROOT)
    return parent / "proj"


def _cli(capsys: pytest.CaptureFixture[str], where: Path, *argv: str) -> tuple[int, str, str]:
    old = Path.cwd()
    os.chdir(where)
    try:
        code = main(list(argv))
    finally:
        os.chdir(old)
    out, err = capsys.readouterr()
    return code, out, err


def _rel(where: Path, target: Path) -> str:
    return os.path.relpath(target, where)


def test_the_example_has_several_levels(example: Path) -> None:
    levels = [p.relative_to(example).as_posix() for p in _levels(example)]
    assert levels[:4] == [".", "scenarios", "scenarios/__goldens__", "scenarios/__goldens__/email"]
    assert len(levels) == 7


# ---------------------------------------------------------------------------------------------
# the example project: every command from every level gives what it gives from the root


def test_validate_from_every_level(example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expected = (0, "16 file(s) checked: 0 error(s), 0 warning(s)\n", "")
    for where in _levels(example):
        assert _cli(capsys, where, "validate") == expected, where
        assert _cli(capsys, where, "validate", ".") == expected, where


def test_test_from_every_level(example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, at_root, _ = _cli(capsys, example, "test")
    assert (code, at_root.splitlines()[-1]) == (0, "99 passed, 0 failed")
    for where in _levels(example)[1:]:
        assert _cli(capsys, where, "test") == (0, at_root, ""), where


def test_run_dir_from_every_level(example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, at_root, _ = _cli(capsys, example, "run", ".")
    assert (code, at_root.splitlines()[-1]) == (0, "99 case(s) run: 99 completed, 0 failed")
    for where in _levels(example):
        assert _cli(capsys, where, "run") == (0, at_root, ""), where
        assert _cli(capsys, where, "run", ".") == (0, at_root, ""), where
        assert _cli(capsys, where, "run", _rel(where, example)) == (0, at_root, ""), where


def test_run_flow_scenario_case_from_every_level(
    example: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = example / "scenarios" / "inbound-support.scenario.yaml"
    args = ("--scenario", str(scenario), "--case", "gold-caller")
    code, at_root, _ = _cli(capsys, example, "run", "inbound-support", *args)
    assert code == 0
    assert at_root.splitlines()[0] == "== inbound support :: gold-caller (inbound-support)"
    for where in _levels(example):
        rel = ("--scenario", _rel(where, scenario), "--case", "gold-caller")
        assert _cli(capsys, where, "run", "inbound-support", *rel) == (0, at_root, ""), where
        flow_file = _rel(where, example / "inbound-support.flow.yaml")
        assert _cli(capsys, where, "run", flow_file, *rel) == (0, at_root, ""), where


def test_graph_from_every_level(
    example: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    scenario = example / "scenarios" / "inbound-support.scenario.yaml"
    variants = {
        "plain": (),
        "path": ("--scenario", str(scenario), "--case", "gold-caller"),
        "coverage": ("--coverage",),
    }
    for name, extra in variants.items():
        at_root = tmp_path / f"{name}-root.mmd"
        assert _cli(capsys, example, "graph", "inbound-support", "-o", str(at_root), *extra)[0] == 0
        assert "click " in at_root.read_text()  # links to the other flows, as files
        for i, where in enumerate(_levels(example)):
            out = tmp_path / f"{name}-{i}.mmd"
            code, _, err = _cli(capsys, where, "graph", "inbound-support", "-o", str(out), *extra)
            assert (code, err) == (0, ""), (name, where)
            assert out.read_text() == at_root.read_text(), (name, where)


def test_export_from_every_level(
    example: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    flow = example / "inbound-support.flow.yaml"
    code, at_root, _ = _cli(capsys, example, "export", str(flow), "--stdout")
    assert code == 0 and json.loads(at_root)["StartAction"] == "enable-logging"
    whole = tmp_path / "root"
    # default-outbound holds a flowrt-only block (FR410): refused, exit 1, the others written
    code, _, err = _cli(capsys, example, "export", ".", "-o", str(whole))
    assert code == 1 and "default-outbound.flow.yaml:10:11: error[FR410]" in err
    names = sorted(p.name for p in whole.iterdir())
    assert len(names) == 10 and "default-outbound.json" not in names
    for i, where in enumerate(_levels(example)):
        assert _cli(capsys, where, "export", _rel(where, flow), "--stdout")[:2] == (0, at_root)
        out = tmp_path / f"level-{i}"
        assert _cli(capsys, where, "export", ".", "-o", str(out))[0] == 1, where
        assert sorted(p.name for p in out.iterdir()) == names, where
        for n in names:
            assert (out / n).read_text() == (whole / n).read_text(), (where, n)


# ---------------------------------------------------------------------------------------------
# a mistake is found the same from everywhere


def _json_diags(where: Path, out: str) -> list[tuple[str, str, int, int]]:
    return [
        (d["code"], str((where / d["file"]).resolve()), d["line"], d["column"])
        for d in json.loads(out)["diagnostics"]
    ]


def test_a_mistake_is_reported_the_same_from_every_level(
    example: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    root = tmp_path / "broken"
    shutil.copytree(example, root)
    flow = root / "inbound-support.flow.yaml"
    flow.write_text(flow.read_text().replace("queue: Premium", "queue: Premum", 1))
    expected = [("FR021", str(flow), 128, 12)]
    for where in _levels(root):
        code, out, _ = _cli(capsys, where, "validate", "--format", "json")
        assert (code, _json_diags(where, out)) == (1, expected), where
        code, out, _ = _cli(capsys, where, "validate", "--format", "json", _rel(where, flow))
        assert (code, _json_diags(where, out)) == (1, expected), where
        code, out, _ = _cli(capsys, where, "test", "-q")
        assert code == 1 and "error[FR021]" in out, where
        assert out.splitlines()[-1] == "0 passed, 0 failed, 1 error(s)", where
        code, out, _ = _cli(capsys, where, "run")
        assert code == 1 and "error[FR021]" in out, where


def test_paths_in_diagnostics_are_relative_to_the_working_directory(
    example: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    root = tmp_path / "shown"
    shutil.copytree(example, root)
    flow = root / "inbound-support.flow.yaml"
    flow.write_text(flow.read_text().replace("queue: Premium", "queue: Premum", 1))
    code, out, _ = _cli(capsys, root / "scenarios" / "__goldens__", "validate")
    assert code == 1
    assert out.startswith(
        "../../inbound-support.flow.yaml:128:12: error[FR021]: block `premium-queue` "
        "(set-working-queue): unknown queue `Premum` (did you mean `Premium`?)"
    ), out


# ---------------------------------------------------------------------------------------------
# a fresh `flowrt init` project


def test_init_project_from_every_level(fresh: Path, capsys: pytest.CaptureFixture[str]) -> None:
    levels = _levels(fresh)
    assert {p.relative_to(fresh).as_posix() for p in levels} >= {
        ".",
        "flows",
        "scenarios",
        "scenarios/__goldens__/main",
        "schemas",
        ".github/workflows",
    }
    code, validated, _ = _cli(capsys, fresh, "validate")
    assert (code, validated) == (0, "6 file(s) checked: 0 error(s), 0 warning(s)\n")
    _, tested, _ = _cli(capsys, fresh, "test")
    assert tested.splitlines()[-1].endswith(" passed, 0 failed")
    _, ran, _ = _cli(capsys, fresh, "run")
    graph = _cli(capsys, fresh, "graph", "after-hours")
    assert graph[0] == 0
    for where in levels:
        assert _cli(capsys, where, "validate") == (0, validated, ""), where
        assert _cli(capsys, where, "test") == (0, tested, ""), where
        assert _cli(capsys, where, "run") == (0, ran, ""), where
        assert _cli(capsys, where, "graph", "after-hours") == graph, where


def test_init_project_typo_found_from_its_flows_directory(
    fresh: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # The issue's own case: inside flows/ of an init project, `validate -q main.flow.yaml` with
    # `queue: Salse` reported 0 errors and exit 0 (the instance above was never found).
    root = tmp_path / "proj"
    shutil.copytree(fresh, root)
    main_flow = root / "flows" / "main.flow.yaml"
    text = main_flow.read_text()
    main_flow.write_text(text.replace("queue: Sales", "queue: Salse", 1))
    line = text.splitlines().index("    queue: Sales") + 1
    code, out, _ = _cli(capsys, root / "flows", "validate", "-q", "main.flow.yaml")
    assert code == 1
    assert out.splitlines()[0] == (
        f"main.flow.yaml:{line}:12: error[FR021]: block `sales` (set-working-queue): "
        "unknown queue `Salse` (did you mean `Sales`?)"
    )
    assert out.splitlines()[-1] == "1 file(s) checked: 1 error(s), 0 warning(s)"


# ---------------------------------------------------------------------------------------------
# the one function


def test_find_root_and_scope(
    example: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(example / "scenarios" / "__goldens__")
    assert find_root(Path(".")) == example
    assert find_root(Path("../inbound-support.scenario.yaml")) == example
    assert project_root(Path("email")) == example
    assert scope(Path(".")) == example  # a directory inside a project: the whole project
    assert scope(Path("../email.scenario.yaml")) == example / "scenarios" / "email.scenario.yaml"
    assert display_path(example / "instance.yaml") == "../../instance.yaml"
    # outside any project: the directory itself, and absolute paths are shown absolute
    lone = tmp_path / "lone" / "sub"
    lone.mkdir(parents=True)
    assert project_root(lone) is None
    assert find_root(lone) == lone
    assert scope(lone) == lone
    assert display_path(lone / "x.flow.yaml") == str(lone / "x.flow.yaml")


def test_the_walk_up_stops_at_the_repository(tmp_path: Path) -> None:
    (tmp_path / "instance.yaml").write_text("instance: outer\n")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "flows").mkdir()
    assert project_root(repo / "flows") is None
    assert find_root(repo / "flows") == repo / "flows"
    assert project_root(tmp_path / "other") == tmp_path


def test_annotations_point_at_the_case_from_every_level(
    example: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # A repository whose project is in flows/: from its top (a directory above the project) the
    # annotation of a failed case must still carry the case's file and line.
    repo = tmp_path / "repo"
    shutil.copytree(example, repo / "flows")
    golden = repo / "flows/scenarios/__goldens__/inbound-support/gold-caller.golden.yaml"
    golden.write_text(golden.read_text().replace("queued in Premium", "queued in Elsewhere"))
    scenario = repo / "flows" / "scenarios" / "inbound-support.scenario.yaml"
    for where in [repo, *_levels(repo / "flows")]:
        code, out, _ = _cli(capsys, where, "test", "--format", "github")
        assert code == 1, where
        [line] = [x for x in out.splitlines() if x.startswith("::error ")]
        props = dict(p.split("=", 1) for p in line.split("::")[1][len("error ") :].split(","))
        assert (where / props["file"]).resolve() == scenario, where
        assert (props["line"], props["col"]) == ("24", "3"), where


def test_a_directory_above_the_projects_stands_for_every_project_below(
    example: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    for name in ("support", "sales"):
        shutil.copytree(example, repo / name)
    code, out, _ = _cli(capsys, repo, "run")
    assert (code, out.splitlines()[-1]) == (0, "198 case(s) run: 198 completed, 0 failed")
    code, out, _ = _cli(capsys, repo, "test", "-q")
    assert (code, out) == (0, "198 passed, 0 failed\n")
    code, out, _ = _cli(capsys, repo, "validate")
    assert (code, out) == (0, "32 file(s) checked: 0 error(s), 0 warning(s)\n")
