"""`flowrt run DIR` at scale (issue 17): cases whose merged contact or world have equal content
share one model, and a run prepares each shared model once, with the same output bytes."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest

from flowrt.cli import main
from flowrt.cli import stream as stream_module
from flowrt.project.driver import load_project
from flowrt.scenario import run as run_module
from flowrt.scenario.model import CaseRun, cases_of

ROOT = Path(__file__).resolve().parent.parent
FLOWS = ROOT / "flows"
SUPPORT = "inbound-support.scenario.yaml"


@pytest.fixture
def doubled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example project with a copy of inbound-support's scenario under another name (as
    bench/bench_scale.py makes its cases), one of its cases' worlds changed."""
    root = tmp_path / "flows"
    shutil.copytree(FLOWS, root, ignore=shutil.ignore_patterns("__goldens__"))
    text = (root / "scenarios" / SUPPORT).read_text(encoding="utf-8")
    copy = re.sub(r"^scenario: (.+)$", r"scenario: \1-copy", text, count=1, flags=re.M)
    (root / "scenarios" / "copy.scenario.yaml").write_text(copy, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return root


def _cases(root: Path) -> dict[str, list[CaseRun]]:
    project = load_project(root)
    return {Path(doc.file).name: cases_of(sf) for doc, sf in project.scenarios}


def test_cases_of_equal_content_share_their_models(doubled: Path) -> None:
    cases = _cases(doubled)
    original, copy = cases[SUPPORT], cases["copy.scenario.yaml"]
    assert [c.case for c in original] == [c.case for c in copy]
    assert len(original) > 1
    for a, b in zip(original, copy, strict=True):
        assert a.scenario + "-copy" == b.scenario
        assert a.contact is b.contact and a.world is b.world
    # Different content: different models (a world is never shared with an unequal one).
    worlds = {id(c.world): c.world for c in original}
    assert len({w.model_dump_json() for w in worlds.values()}) == len(worlds)


def _counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every world the stream prepared for its cases (ids of the models), in order (not those
    an email case's session prepares)."""
    seen: list[int] = []
    real = run_module.prepare_world

    def counting(world: object) -> object:
        if sys._getframe(1).f_code.co_name == "_prepared":
            seen.append(id(world))
        return real(world)

    monkeypatch.setattr(run_module, "prepare_world", counting)
    return seen


def test_a_run_prepares_each_shared_world_once(
    doubled: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen = _counted(monkeypatch)
    assert main(["run", "flows", "-j", "1"]) == 0
    out = capsys.readouterr().out
    total = sum(len(c) for c in _cases(doubled).values())
    assert out.splitlines()[-1] == f"{total} case(s) run: {total} completed, 0 failed"
    assert len(seen) == len(set(seen))  # no model prepared twice
    calls = [
        c
        for cs in _cases(doubled).values()
        for c in cs
        if not run_module.is_email_case(c.contact, c.world)
    ]
    # One preparation per distinct world content: the copy's cases ran on the original's.
    distinct = {c.world.model_dump_json() for c in calls}
    assert 1 < len(seen) == len(distinct) < len(calls) - len(_cases(doubled)[SUPPORT]) + 1


def test_a_prepared_run_prints_what_a_run_of_the_models_printed(
    doubled: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = []
    for prepared in (True, False):
        if not prepared:  # every case run with its models, prepared at each run as before
            monkeypatch.setattr(stream_module, "_prepared", lambda c: (c.contact, c.world))
        for fmt in ("text", "json", "connect-logs"):
            assert main(["run", "flows", "-j", "1", "--format", fmt]) == 0
            outputs.append(capsys.readouterr().out)
    assert outputs[:3] == outputs[3:]
    assert "scenarios/copy.scenario.yaml::gold-caller  queued in Premium" in outputs[0]
    assert '"scenario": "inbound support-copy"' in outputs[1]


def test_an_email_case_runs_with_its_models(doubled: Path) -> None:
    email = _cases(doubled)["email.scenario.yaml"]
    assert email
    for case in email:
        contact, world = stream_module._prepared(case)
        if run_module.is_email_case(case.contact, case.world):
            assert contact is case.contact and world is case.world
        else:
            assert type(contact).__name__ == "PreparedContact"
            assert type(world).__name__ == "PreparedWorld"
    assert any(run_module.is_email_case(c.contact, c.world) for c in email)


def test_the_prepared_records_are_bounded(
    doubled: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(stream_module, "MAX_PREPARED", 3)
    seen = _counted(monkeypatch)
    assert main(["run", "flows", "-j", "1"]) == 0
    capsys.readouterr()
    # Emptied when full: worlds are prepared again, and never more than 3 records are kept.
    assert len(seen) > len(set(seen))
    assert len(stream_module._PREPARED) <= 3
