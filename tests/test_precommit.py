"""`.pre-commit-hooks.yaml`: the hooks' file patterns and entries, run on a fixture repository.

pre-commit runs a hook as `entry` followed by the staged files that match `files` (a Python
regular expression searched in each path, relative to the repository root), unless
`pass_filenames: false`.  These tests do exactly that with the real `flowrt` executable.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from flowrt.core.files import kind_of

ROOT = Path(__file__).resolve().parent.parent
HOOKS_FILE = ROOT / ".pre-commit-hooks.yaml"


def hooks() -> dict[str, dict[str, Any]]:
    data = YAML(typ="safe").load(HOOKS_FILE.read_text(encoding="utf-8"))
    return {h["id"]: h for h in data}


def flowrt_argv(entry: str) -> list[str]:
    """The hook's entry with `flowrt` resolved to this environment's executable."""
    argv = shlex.split(entry)
    assert argv[0] == "flowrt"
    exe = Path(sys.executable).with_name("flowrt")
    head = [str(exe)] if exe.exists() else [sys.executable, "-m", "flowrt"]
    return head + argv[1:]


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    """A repository holding the example project under flows/, and files that are not flowrt's."""
    root = tmp_path / "repo"
    shutil.copytree(ROOT / "flows", root / "flows", ignore=shutil.ignore_patterns("__goldens__"))
    (root / "README.md").write_text("# flows\n")
    (root / "ci").mkdir()
    (root / "ci" / "deploy.yaml").write_text("steps: []\n")
    (root / "flows" / "notes.yaml").write_text("not: a flowrt file\n")
    (root / "flows" / "instance.yaml.bak").write_text("old\n")
    return root


def staged(root: Path, pattern: str) -> list[str]:
    """The files pre-commit would pass: every file whose relative path matches `files`."""
    rx = re.compile(pattern)
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    return [f for f in files if rx.search(f)]


def run_hook(
    root: Path, hook: dict[str, Any], files: list[str]
) -> subprocess.CompletedProcess[str]:
    argv = flowrt_argv(hook["entry"])
    if hook.get("pass_filenames", True):
        argv += files
    return subprocess.run(argv, cwd=root, capture_output=True, text=True, timeout=120)


def test_hooks_are_declared() -> None:
    found = hooks()
    assert set(found) == {"flowrt-validate", "flowrt-test"}
    for hook in found.values():
        assert hook["language"] == "python"
        assert hook["entry"].startswith("flowrt ")
        assert hook["name"] and hook["description"]
    assert found["flowrt-test"]["pass_filenames"] is False


def test_validate_hook_selects_flowrt_files_only(repo: Path) -> None:
    files = staged(repo, hooks()["flowrt-validate"]["files"])
    assert "flows/instance.yaml" in files
    assert "flows/inbound-support.flow.yaml" in files
    assert "flows/scenarios/inbound-support.scenario.yaml" in files
    assert not [
        f for f in files if not f.endswith((".flow.yaml", ".scenario.yaml", "instance.yaml"))
    ]
    assert "flows/notes.yaml" not in files and "ci/deploy.yaml" not in files
    assert "flows/instance.yaml.bak" not in files
    expected = sorted(
        p.relative_to(repo).as_posix() for p in repo.rglob("*.yaml") if kind_of(p) is not None
    )
    assert files == expected and len(files) >= 11


def test_validate_hook_passes_then_fails_on_a_broken_flow(repo: Path) -> None:
    hook = hooks()["flowrt-validate"]
    ok = run_hook(repo, hook, staged(repo, hook["files"]))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "0 error(s), 0 warning(s)" in ok.stdout
    flow = repo / "flows" / "after-hours.flow.yaml"
    flow.write_text(flow.read_text().replace("{success: hang-up", "{sucess: hang-up"))
    # As in a commit that touches only this file: the hook gets that one path.
    bad = run_hook(repo, hook, ["flows/after-hours.flow.yaml"])
    assert bad.returncode == 1
    assert "flows/after-hours.flow.yaml:" in bad.stdout
    assert "error[FR010]" in bad.stdout and "did you mean `success`?" in bad.stdout


def test_test_hook_runs_the_cases_against_their_goldens(repo: Path) -> None:
    from flowrt.cli import build_parser

    if "test" not in build_parser()._subparsers._group_actions[0].choices:  # type: ignore[union-attr]
        pytest.skip("`flowrt test` is not a command of this build")
    hook = hooks()["flowrt-test"]
    project = repo / "flows"
    # The goldens committed with the example project (reviewed), not ones this run writes.
    committed = sorted((ROOT / "flows").rglob("__goldens__/*/*.golden.yaml"))
    for golden in committed:
        target = project / golden.relative_to(ROOT / "flows")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(golden.read_bytes())
    ok = run_hook(project, hook, [])
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.splitlines()[-1] == f"{len(committed)} passed, 0 failed"
    # `--update` agrees byte for byte with the committed goldens: it rewrites none of them
    update = subprocess.run(
        [*flowrt_argv("flowrt test"), "--update", "."], cwd=project, capture_output=True, text=True
    )
    assert update.returncode == 0, update.stdout + update.stderr
    assert update.stdout.splitlines()[-1] == f"{len(committed)} passed, 0 failed"
    for golden in committed:
        assert (project / golden.relative_to(ROOT / "flows")).read_bytes() == golden.read_bytes()
    instance = project / "instance.yaml"
    instance.write_text(instance.read_text().replace("max-contacts: 10", "max-contacts: 1"))
    bad = run_hook(project, hook, [])
    assert bad.returncode == 1, bad.stdout + bad.stderr
    summary = re.fullmatch(r"(\d+) passed, (\d+) failed", bad.stdout.splitlines()[-1])
    assert summary is not None, bad.stdout
    passed, failed = int(summary[1]), int(summary[2])
    assert failed > 0 and passed + failed == len(committed)


def test_init_hooks_run_the_tests_when_a_golden_changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`flowrt init`'s local hooks select what the published ones do, goldens included."""
    from flowrt.cli import main

    project = tmp_path / "cc"
    assert main(["init", str(project)]) == 0
    capsys.readouterr()
    data = YAML(typ="safe").load((project / ".pre-commit-config.yaml").read_text())
    local = {h["id"]: h for h in data["repos"][0]["hooks"]}
    test = staged(project, local["flowrt-test"]["files"])
    goldens = [f for f in test if "__goldens__/" in f]
    assert goldens == sorted(
        f"scenarios/__goldens__/main/{case}.golden.yaml"
        for case in ("sales", "support", "no-input", "support-full", "after-hours")
    )
    assert sorted(set(test) - set(goldens)) == staged(project, local["flowrt-validate"]["files"])
    for hook_id, hook in hooks().items():
        assert staged(project, local[hook_id]["files"]) == staged(project, hook["files"])
    golden = project / "scenarios/__goldens__/main/sales.golden.yaml"
    golden.write_text(golden.read_text().replace("queued in Sales", "queued in Support"))
    bad = run_hook(project, local["flowrt-test"], [])
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert bad.stdout.splitlines()[-1] == "4 passed, 1 failed"
