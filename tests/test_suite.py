"""`flowrt test`: goldens, exactly-the-affected-cases failures, --update, -k, unused goldens,
JSON, JUnit, coverage, validation errors."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from flowrt.cli import main
from flowrt.lang.loader import load_file
from flowrt.testing.golden import GOLDEN_DIR
from flowrt.testing.suite import UsageError, compile_selection, run_suite

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "flows"
GOLDENS = EXAMPLES / "scenarios" / GOLDEN_DIR


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "flows"
    shutil.copytree(EXAMPLES, root)
    _keep_two_scenarios(root)
    monkeypatch.chdir(tmp_path)
    return root


def _keep_two_scenarios(root: Path) -> None:
    """Only the two scenario files these tests count on (59 cases), with their goldens."""
    keep = {"inbound-support", "other-flows"}
    for path in (root / "scenarios").glob("*.scenario.yaml"):
        if path.name.removesuffix(".scenario.yaml") not in keep:
            path.unlink()
    for path in (root / "scenarios" / GOLDEN_DIR).iterdir():
        if path.name not in keep:
            shutil.rmtree(path)


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["test", *args])
    return code, capsys.readouterr().out


def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.golden.yaml"))
    }


def test_example_project_passes_with_full_branch_coverage(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)
    report = run_suite(["flows"], coverage=True)
    assert report.diagnostics == []
    assert report.failed == 0 and report.passed >= 59
    assert report.unused == [] and report.changes == []
    cov = report.coverage
    assert cov is not None
    uncovered = [b.text() for f in cov.flows for b in f.uncovered]
    assert uncovered == [] and cov.percent == 100.0
    assert cov.blocks_hit == cov.blocks
    assert len(list(GOLDENS.rglob("*.golden.yaml"))) == report.passed


def _cases_taking(root: Path, block: str, branch: str) -> set[str]:
    """Cases whose golden shows `block` taking `branch` (read from the goldens, not the code)."""
    out = set()
    for path in (root / "scenarios" / GOLDEN_DIR).rglob("*.golden.yaml"):
        data = load_file(path).data
        if any(s["block"] == block and s.get("branch") == branch for s in data["steps"]):
            out.add(f"scenarios/{path.parent.name}.scenario.yaml::{data['case']}")
    return out


def test_one_branch_target_changed_fails_exactly_the_affected_cases(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flow = project / "inbound-support.flow.yaml"
    text = flow.read_text(encoding="utf-8")
    old = "next: {success: queued, at-capacity: overflow-announce, error: sorry}"
    assert old in text
    flow.write_text(text.replace(old, old.replace("overflow-announce", "sorry")), encoding="utf-8")
    affected = _cases_taking(project, "to-queue", "at-capacity")
    assert len(affected) == 2
    before = _snapshot(project)

    code, out = _run(capsys, "flows", "--format", "json")
    assert code == 1
    report = json.loads(out)
    failed = {c["id"] for c in report["cases"] if c["status"] == "failed"}
    assert failed == affected
    for case in report["cases"]:
        if case["status"] == "failed":
            assert case["failures"] == []
            moved = case["golden"]["moved"]
            assert moved[0].endswith(
                "block `to-queue` branch `at-capacity` now goes to `sorry` instead of "
                "`overflow-announce`"
            )
            assert "-    next: overflow-announce\n+    next: sorry\n" in case["golden"]["diff"]
    assert report["summary"]["text"] == "62 passed, 2 failed"

    code, out = _run(capsys, "flows", "--update")
    assert code == 0
    assert out.splitlines()[-1] == "64 passed, 0 failed, 2 golden(s) updated"
    after = _snapshot(project)
    changed = {k for k in before if before[k] != after[k]}
    names = {
        f"scenarios/{GOLDEN_DIR}/{a.split('::')[0].split('/')[1].removesuffix('.scenario.yaml')}/"
        f"{a.split('::')[1]}.golden.yaml"
        for a in affected
    }
    assert changed == names
    assert set(after) == set(before)
    assert _run(capsys, "flows")[0] == 0


def test_text_output_names_block_branch_and_outcome(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flow = project / "inbound-support.flow.yaml"
    text = flow.read_text(encoding="utf-8")
    flow.write_text(
        text.replace(
            "      - equals: gold\n        next: premium-queue",
            "      - equals: gold\n        next: basic-queue",
        ),
        encoding="utf-8",
    )
    code, out = _run(capsys, "flows", "-q", "-k", "gold-caller")
    assert code == 1
    assert "warning[FR030]: block `premium-queue` is never reached" in out
    lines = out.splitlines()
    lines = lines[next(i for i, line in enumerate(lines) if line.startswith("FAIL")) :]
    assert (
        lines[0]
        == "FAIL scenarios/inbound-support.scenario.yaml::gold-caller  queued in BasicQueue"
    )
    assert lines[1] == (
        "     golden changed: flows/scenarios/__goldens__/inbound-support/gold-caller.golden.yaml"
    )
    assert lines[2] == (
        "       step 8: block `check-tier` branch `condition-1` [equals gold] now goes to "
        "`basic-queue` instead of `premium-queue`"
    )
    assert lines[3] == "       outcome changed from `queued in Premium` to `queued in BasicQueue`"
    assert lines[4].startswith("     --- flows/scenarios/__goldens__/inbound-support/gold-caller")
    assert lines[-1] == "0 passed, 1 failed"


def test_missing_golden_fails_and_update_writes_only_selected(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gdir = project / "scenarios" / GOLDEN_DIR / "inbound-support"
    (gdir / "menu-timeout.golden.yaml").unlink()
    (gdir / "menu-error.golden.yaml").unlink()
    code, out = _run(capsys, "flows", "-q")
    assert code == 1
    assert (
        "     no golden file flows/scenarios/__goldens__/inbound-support/menu-timeout.golden.yaml;"
        " run `flowrt test --update` to write it"
    ) in out.splitlines()
    assert out.splitlines()[-1] == "62 passed, 2 failed"
    code, out = _run(capsys, "flows", "-q", "--update", "-k", "menu-timeout")
    assert code == 0
    assert out.splitlines() == [
        "written flows/scenarios/__goldens__/inbound-support/menu-timeout.golden.yaml",
        "1 passed, 0 failed, 1 golden(s) written",
    ]
    assert not (gdir / "menu-error.golden.yaml").exists()


def test_unused_goldens_are_reported_then_deleted(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gdir = project / "scenarios" / GOLDEN_DIR
    shutil.copy(
        gdir / "inbound-support" / "gold-caller.golden.yaml",
        gdir / "inbound-support" / "renamed.golden.yaml",
    )
    (gdir / "deleted-scenario").mkdir()
    shutil.copy(
        gdir / "inbound-support" / "gold-caller.golden.yaml",
        gdir / "deleted-scenario" / "x.golden.yaml",
    )
    code, out = _run(capsys, "flows", "-q")
    assert code == 0
    assert out.splitlines() == [
        "unused golden flows/scenarios/__goldens__/deleted-scenario/x.golden.yaml "
        "(`flowrt test --update` deletes it)",
        "unused golden flows/scenarios/__goldens__/inbound-support/renamed.golden.yaml "
        "(`flowrt test --update` deletes it)",
        "64 passed, 0 failed, 2 unused golden(s)",
    ]
    # -k narrows the run: nothing is deleted
    code, out = _run(capsys, "flows", "-q", "--update", "-k", "gold")
    assert code == 0
    assert out.splitlines() == [
        "unused golden flows/scenarios/__goldens__/deleted-scenario/x.golden.yaml "
        "(`flowrt test --update` deletes it)",
        "unused golden flows/scenarios/__goldens__/inbound-support/renamed.golden.yaml "
        "(`flowrt test --update` deletes it)",
        "2 passed, 0 failed, 2 unused golden(s)",
    ]
    assert (gdir / "deleted-scenario" / "x.golden.yaml").exists()
    assert (gdir / "inbound-support" / "renamed.golden.yaml").exists()
    code, out = _run(capsys, "flows", "-q", "--update")
    assert code == 0
    assert out.splitlines() == [
        "deleted flows/scenarios/__goldens__/deleted-scenario/x.golden.yaml",
        "deleted flows/scenarios/__goldens__/inbound-support/renamed.golden.yaml",
        "64 passed, 0 failed, 2 golden(s) deleted",
    ]
    assert not (gdir / "deleted-scenario").exists()


def test_malformed_golden_is_a_positioned_diagnostic(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    golden = project / "scenarios" / GOLDEN_DIR / "other-flows" / "whisper.golden.yaml"
    golden.write_text("outcome: {summary: [\n", encoding="utf-8")
    code, out = _run(capsys, "flows", "-q")
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "FAIL scenarios/other-flows.scenario.yaml::whisper  ended"
    assert lines[1].startswith(
        "     flows/scenarios/__goldens__/other-flows/whisper.golden.yaml:1:20: error[FR002]: "
        "invalid YAML: this `[` is never closed: the file ends first"
    )
    assert "Traceback" not in out


def test_validation_errors_are_reported_and_fail(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flow = project / "after-hours.flow.yaml"
    flow.write_text(
        flow.read_text(encoding="utf-8").replace("hang-up}", "hang-upp}"), encoding="utf-8"
    )
    code, out = _run(capsys, "flows")
    assert code == 1
    assert "error[FR020]: block `closed` (play-prompt): branch `error` goes to unknown block" in out
    assert out.splitlines()[-1] == "0 passed, 0 failed, 1 error(s)"


def test_a_bad_scenario_file_fails_but_others_run(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "scenarios" / "bad.scenario.yaml").write_text(
        "scenario: bad\nflow: after-hours\ncases:\n  a:\n    expect: {visits: [gret]}\n",
        encoding="utf-8",
    )
    code, out = _run(capsys, "flows", "-q")
    assert code == 1
    assert "flows/scenarios/bad.scenario.yaml:5:23: error[FR300]: `gret` is not a block" in out
    assert out.splitlines()[-1] == "64 passed, 0 failed, 1 error(s)"


def test_json_junit_and_coverage_threshold(
    project: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (project / "scenarios" / "other-flows.scenario.yaml").unlink()
    junit = tmp_path / "junit.xml"
    code, out = _run(
        capsys, "flows", "--format", "json", "--junit-xml", str(junit), "--fail-under", "90"
    )
    assert code == 1
    data = json.loads(out)
    assert (data["format"], data["command"]) == ("flowrt/1", "test")
    assert data["summary"] == {
        "passed": 32,
        "failed": 0,
        "errors": 0,
        "nothing-selected": None,
        "text": data["summary"]["text"],
    }
    cov = data["coverage"]
    assert cov["branches-hit"] < cov["branches"]
    assert cov["fail-under"].startswith("branch coverage ")
    uncovered = [u for f in cov["flows"] for u in f["uncovered"]]
    assert {
        "block": "policy",
        "branch": "allowed",
        "label": "allowed",
        "target": "record-allowed",
        "file": "flows/default-outbound.flow.yaml",
        "line": 16,
    } in uncovered
    tree = ET.parse(junit).getroot()
    assert tree.tag == "testsuites" and tree.get("tests") == "32" and tree.get("failures") == "0"
    assert [s.get("name") for s in tree] == ["scenarios/inbound-support.scenario.yaml"]
    code, out = _run(capsys, "flows", "-q", "--coverage", "-k", "gold-caller")
    assert "  flows/inbound-support.flow.yaml:" in out
    assert "branches never taken:" in out


def test_coverage_lists_uncovered_branches_by_file_and_line(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _run(capsys, "flows", "-q", "--coverage", "-k", "gold-caller", "--fail-under", "50")
    assert code == 1
    lines = out.splitlines()
    assert (
        "  flows/inbound-support.flow.yaml:89:15: inbound-support/check-tier condition-2 "
        "[text-starts-with silver] -> check-cases" in lines
    )
    assert lines[-2].startswith("branch coverage ") and lines[-2].endswith(
        "is under --fail-under 50%"
    )


def test_junit_failure_carries_the_diff(
    project: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    flow = project / "after-hours.flow.yaml"
    flow.write_text(
        flow.read_text(encoding="utf-8").replace("{success: hang-up,", "{success: closed,"),
        encoding="utf-8",
    )
    junit = tmp_path / "j.xml"
    code, _ = _run(capsys, "flows", "-q", "--junit-xml", str(junit))
    assert code == 1
    failures = ET.parse(junit).getroot().findall(".//failure")
    assert failures
    assert "golden changed" in (failures[0].text or "")
    assert "+    next: closed" in (failures[0].text or "")


@pytest.mark.parametrize(
    ("expr", "yes", "no"),
    [
        ("gold", ["a.scenario.yaml::Gold-caller"], ["a.scenario.yaml::silver"]),
        ("menu and not timeout", ["x::menu-error"], ["x::menu-timeout", "x::gold"]),
        ("(a or b) and c", ["x::a-c"], ["x::a", "x::c"]),
    ],
)
def test_selection(expr: str, yes: list[str], no: list[str]) -> None:
    pred = compile_selection(expr)
    assert all(pred(i) for i in yes)
    assert not any(pred(i) for i in no)


@pytest.mark.parametrize("expr", ["gold and", "(gold", "and gold", "gold)"])
def test_bad_selection_is_a_usage_error(expr: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(UsageError):
        compile_selection(expr)
    assert main(["test", "-k", expr, str(EXAMPLES)]) == 2


def test_missing_path_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", "no/such/dir"]) == 2
    assert "no such file or directory: no/such/dir" in capsys.readouterr().err


def test_run_from_a_directory_above_the_projects_runs_each_projects_scenarios(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A repository whose projects live in sub-directories (as flowrt's own: flows/): `flowrt
    # test` at its top once found no case at all and passed with 0 cases.
    repo = tmp_path / "repo"
    for name in ("support", "sales"):
        shutil.copytree(EXAMPLES, repo / name)
        _keep_two_scenarios(repo / name)
    monkeypatch.chdir(repo)
    one = run_suite(["support"])
    both = run_suite(["."])
    assert one.failed == 0 and one.passed == 64
    assert both.diagnostics == [] and both.failed == 0
    assert both.passed == 2 * one.passed
    code, out = _run(capsys)
    assert code == 0
    assert "128 passed" in out
