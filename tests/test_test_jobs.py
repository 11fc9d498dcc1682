"""`flowrt test` streamed and on several processes (issue 17): each case's lines are written as
it finishes, nothing of a case is kept once it is reported, and the output (text, JSON, JUnit,
the failure report included) is the same bytes in the same order for any `-j`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from flowrt.cli import main
from flowrt.testing import suite as suite_module
from flowrt.testing.render import render_junit, render_text
from flowrt.testing.suite import SuiteRun, run_suite

ROOT = Path(__file__).resolve().parent.parent
FLOWS = ROOT / "flows"
GOLDEN = "scenarios/__goldens__/inbound-support/gold-caller.golden.yaml"
FAIL_LINE = "FAIL scenarios/inbound-support.scenario.yaml::gold-caller  queued in Premium"


@pytest.fixture
def changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example project with one golden that no longer matches (gold-caller's queue)."""
    root = tmp_path / "flows"
    shutil.copytree(FLOWS, root)
    golden = root / GOLDEN
    text = golden.read_text(encoding="utf-8")
    assert "queue: Premium" in text
    golden.write_text(text.replace("queue: Premium", "queue: BasicQueue"), encoding="utf-8")
    # Many small chunks, so that two workers interleave and order matters.
    monkeypatch.setattr(suite_module, "CHUNK", 7)
    monkeypatch.setattr(suite_module, "MIN_PARALLEL", 10)
    monkeypatch.chdir(tmp_path)
    return root


@pytest.mark.parametrize(
    "options",
    [["--format", "text"], ["--format", "json"], ["--format", "text", "--coverage", "-q"]],
)
def test_output_and_junit_are_the_same_bytes_for_any_jobs(
    changed: Path, capsys: pytest.CaptureFixture[str], options: list[str]
) -> None:
    outputs, reports = [], []
    for jobs in ("1", "2", "3"):
        junit = changed.parent / f"junit-{jobs}.xml"
        code = main(["test", "flows", "-j", jobs, "--junit-xml", str(junit), *options])
        assert code == 1
        outputs.append(capsys.readouterr().out)
        reports.append(junit.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]
    assert reports[0] == reports[1] == reports[2]
    # The same bytes as the whole report rendered at once (what flowrt test printed before).
    whole = run_suite(["flows"], coverage="--coverage" in options)
    assert reports[0].decode("utf-8") == render_junit(whole)
    if options[1] == "json":
        data = json.loads(outputs[0])
        assert data["summary"]["text"] == "98 passed, 1 failed"
        assert [c["id"] for c in data["cases"]] == [c.id for c in whole.cases]
        failed = [c for c in data["cases"] if c["status"] == "failed"]
        assert [c["case"] for c in failed] == ["gold-caller"]
        assert failed[0]["golden"]["status"] == "changed"
    else:
        quiet = "-q" in options
        assert outputs[0] == render_text(whole, quiet=quiet) + "\n"
        lines = outputs[0].splitlines()
        assert FAIL_LINE in lines
        assert f"     golden changed: flows/{GOLDEN}" in lines
        assert "     -  queue: BasicQueue" in lines and "     +  queue: Premium" in lines
        assert lines[-1] == "98 passed, 1 failed"


def test_with_jobs_the_cases_run_in_worker_processes(changed: Path) -> None:
    one = SuiteRun(["flows"], jobs=1)
    two = SuiteRun(["flows"], jobs=2)
    in_process = list(one.cases())
    in_workers = list(two.cases())
    assert len(in_process) == len(in_workers) == 99
    # A worker's case comes back without its trace (it stayed in the worker).
    assert all(c.result is not None for c in in_process)
    assert all(c.result is None for c in in_workers)
    assert [(c.id, c.passed, c.outcome) for c in in_process] == [
        (c.id, c.passed, c.outcome) for c in in_workers
    ]


def test_a_streamed_run_keeps_no_case_only_counts(changed: Path) -> None:
    run = SuiteRun(["flows"], jobs=2, coverage=True)
    failed = [c.case for c in run.cases() if not c.passed]
    assert failed == ["gold-caller"]
    report = run.report
    assert report.cases == []
    assert (report.ran, report.passed, report.failed) == (99, 98, 1)
    # Coverage from the blocks and branches each case took, as when every run is kept.
    assert report.coverage is not None
    whole = run_suite(["flows"], coverage=True)
    assert whole.coverage is not None
    assert report.coverage.render_text() == whole.coverage.render_text()
    assert report.coverage.percent == 100.0


def test_each_case_is_written_before_the_next_one_runs(
    changed: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    written: list[int] = []
    real = suite_module.Suite.run_case

    def watched(self: suite_module.Suite, *args: object) -> suite_module.CaseReport:
        out = sys.stdout.getvalue() if hasattr(sys.stdout, "getvalue") else ""
        written.append(sum(line[:5] in ("PASS ", "FAIL ") for line in out.splitlines()))
        return real(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(suite_module.Suite, "run_case", watched)
    assert main(["test", "flows", "-j", "1"]) == 1
    capsys.readouterr()
    # When a case starts, the line of every case before it is out.
    assert written == list(range(99))


def test_update_with_jobs_writes_the_golden_in_a_worker(
    changed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["test", "flows", "-j", "2", "--update"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert f"updated flows/{GOLDEN}" in out
    assert out[-1] == "99 passed, 0 failed, 1 golden(s) updated"
    assert (changed / GOLDEN).read_bytes() == (FLOWS / GOLDEN).read_bytes()


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("0", "must be from 1 to 256"),
        ("x", "`x` is not a whole number: give N from 1 to 256"),
        ("257", "must be from 1 to 256"),
    ],
)
def test_test_jobs_must_be_a_sensible_number(
    value: str, why: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["test", str(FLOWS), "-j", value]) == 2
    assert capsys.readouterr().err == f"flowrt test: -j/--jobs: {why}\n"
