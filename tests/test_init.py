"""`flowrt init`: a scaffold that validates and runs green at once, and never overwrites."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from flowrt.cli import build_parser, main
from flowrt.cli.init import FILES, SCHEMAS
from flowrt.cli.run import run_project
from flowrt.lang.schema import shipped_schema
from flowrt.project.driver import check_paths

ROOT = Path(__file__).resolve().parent.parent


def has_test_command() -> bool:
    sub = build_parser()._subparsers._group_actions[0]  # type: ignore[union-attr]
    return "test" in sub.choices  # type: ignore[operator]


@pytest.fixture()
def scaffold(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    target = tmp_path / "cc"
    assert main(["init", str(target)]) == 0
    capsys.readouterr()
    return target


def test_scaffold_has_every_file(scaffold: Path) -> None:
    files = sorted(p.relative_to(scaffold).as_posix() for p in scaffold.rglob("*") if p.is_file())
    expected = set(FILES.values()) | set(SCHEMAS.values())
    assert expected <= set(files)
    extra = [f for f in files if f not in expected]
    assert all("__goldens__/" in f and f.endswith(".golden.yaml") for f in extra), extra


def test_scaffold_validates_with_no_diagnostics(
    scaffold: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(scaffold)
    diags, files = check_paths(["."])
    assert diags == []
    assert files == 6
    report = run_project(".")
    assert [r.case for r in report.results] == [
        "sales",
        "support",
        "no-input",
        "support-full",
        "after-hours",
    ]
    assert not report.failed
    outcomes = [r.result.outcome.describe() for r in report.results]
    assert outcomes[:3] == ["queued in Sales", "queued in Support", "queued in Support"]
    assert outcomes[4] == "transferred to flow after-hours, then disconnected"


#: The scaffold's goldens as reviewed by hand (routing, facts and summary of each case), not as
#: the code under test writes them: a change of routing or of the golden format shows here.
REVIEWED_GOLDENS = ROOT / "tests" / "data" / "weak" / "init-goldens"
CASES = ["after-hours", "no-input", "sales", "support-full", "support"]  # by file name


def test_scaffold_goldens_are_the_reviewed_ones(scaffold: Path) -> None:
    written = scaffold / "scenarios" / "__goldens__" / "main"
    assert sorted(p.name for p in written.iterdir()) == [f"{c}.golden.yaml" for c in CASES]
    for case in CASES:
        name = f"{case}.golden.yaml"
        assert (written / name).read_bytes() == (REVIEWED_GOLDENS / name).read_bytes(), name


def test_scaffold_tests_green(
    scaffold: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    if not has_test_command():
        pytest.skip("`flowrt test` is not a command of this build")
    monkeypatch.chdir(scaffold)
    goldens = scaffold / "scenarios" / "__goldens__" / "main"
    for case in CASES:  # compared against the reviewed goldens, not against what init wrote
        name = f"{case}.golden.yaml"
        (goldens / name).write_bytes((REVIEWED_GOLDENS / name).read_bytes())
    assert main(["test", "."]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "5 passed, 0 failed"


def test_a_golden_differing_only_in_its_summary_fails_that_case(
    scaffold: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    if not has_test_command():
        pytest.skip("`flowrt test` is not a command of this build")
    monkeypatch.chdir(scaffold)
    golden = scaffold / "scenarios" / "__goldens__" / "main" / "sales.golden.yaml"
    text = (REVIEWED_GOLDENS / "sales.golden.yaml").read_text(encoding="utf-8")
    edited = text.replace("  summary: queued in Sales\n", "  summary: queued in Support\n")
    assert edited.count("\n") == text.count("\n") and edited != text  # one line, by hand
    golden.write_text(edited, encoding="utf-8")
    assert main(["test", ".", "-q"]) == 1
    out = capsys.readouterr().out
    assert "FAIL scenarios/main.scenario.yaml::sales  queued in Sales" in out.splitlines()
    assert out.splitlines()[-1] == "4 passed, 1 failed"


def test_modelines_point_at_the_copied_schemas(scaffold: Path) -> None:
    for rel in FILES.values():
        if not rel.endswith(".yaml") or rel.startswith("."):
            continue
        first = (scaffold / rel).read_text().splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), rel
        schema = (scaffold / rel).parent / first.split("$schema=", 1)[1]
        assert schema.resolve().is_file(), rel
    for kind, rel in SCHEMAS.items():
        assert json.loads((scaffold / rel).read_text()) == shipped_schema(kind)


def test_ci_workflow_and_pre_commit_config(scaffold: Path) -> None:
    yaml = YAML(typ="safe")
    workflow = yaml.load((scaffold / ".github" / "workflows" / "flowrt.yml").read_text())
    steps = workflow["jobs"]["flows"]["steps"]
    runs = [s.get("run", "") for s in steps]
    assert "flowrt validate --format github ." in runs
    assert any("flowrt validate --format sarif" in r for r in runs)
    assert any(s.get("uses", "").startswith("github/codeql-action/upload-sarif") for s in steps)
    assert workflow["permissions"]["security-events"] == "write"
    config = yaml.load((scaffold / ".pre-commit-config.yaml").read_text())
    local = {h["id"]: h for h in config["repos"][0]["hooks"]}
    published = {h["id"]: h for h in yaml.load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    for hook in ("flowrt-validate", "flowrt-test"):
        assert local[hook]["files"] == published[hook]["files"]
        assert local[hook]["entry"] == published[hook]["entry"]
        assert local[hook]["language"] == "system"
    assert local["flowrt-test"]["pass_filenames"] is False
    # flowrt is not on the package index: nothing installs it from there
    install = next(s for s in steps if s.get("name") == "Install flowrt")
    assert install["env"] == {"FLOWRT_INSTALL": "${{ vars.FLOWRT_INSTALL }}"}
    assert 'python -m pip install "$FLOWRT_INSTALL"' in install["run"]
    for rel in (".github/workflows/flowrt.yml", ".pre-commit-config.yaml", "README.md"):
        text = (scaffold / rel).read_text()
        assert "pypi.org" not in text and "pip install flowrt" not in text, rel


def test_refuses_to_overwrite_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "main.flow.yaml").write_text("mine\n")
    (tmp_path / "README.md").write_text("my readme\n")
    before = sorted(p for p in tmp_path.rglob("*"))
    assert main(["init", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "refusing to overwrite existing files (nothing was written)" in err
    assert "README.md" in err and "main.flow.yaml" in err
    assert sorted(p for p in tmp_path.rglob("*")) == before
    assert (tmp_path / "README.md").read_text() == "my readme\n"


def test_init_twice_refuses(scaffold: Path, capsys: pytest.CaptureFixture[str]) -> None:
    snapshot = {p: p.read_bytes() for p in scaffold.rglob("*") if p.is_file()}
    assert main(["init", str(scaffold)]) == 2
    assert "refusing to overwrite" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in scaffold.rglob("*") if p.is_file()} == snapshot


def test_init_into_a_file_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "x").write_text("")
    assert main(["init", str(tmp_path / "x")]) == 2
