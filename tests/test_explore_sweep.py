"""flowrt explore's hours sweep: exact boundaries across a DST change and a holiday override."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from flowrt.cli import main
from flowrt.explore.sweep import next_dst_change, sweep
from flowrt.project.driver import load_project
from flowrt.run.world import zone

WEEK = ", ".join(
    f'{d}: "09:00-17:00"' for d in ("monday", "tuesday", "wednesday", "thursday", "friday")
)
INSTANCE = f"""\
instance: sweep
hours-of-operation:
  Office:
    time-zone: America/New_York
    days: {{{WEEK}}}
    overrides:
      - {{name: founders-day, date: "2027-03-12", closed: true}}
"""
LINE = """\
flow: line
type: contact
start: hours
blocks:
  hours:
    type: check-hours-of-operation
    hours: Office
    next: {in-hours: open, out-of-hours: closed, error: closed}
  open:
    type: play-prompt
    text: Welcome.
    next: bye
  closed:
    type: play-prompt
    text: We are closed.
    next: bye
  bye:
    type: disconnect
"""
IN = "hours in-hours, disconnected at bye"
OUT = "hours out-of-hours, disconnected at bye"


def project(tmp_path: Path) -> Path:
    (tmp_path / "instance.yaml").write_text(INSTANCE, encoding="utf-8")
    (tmp_path / "line.flow.yaml").write_text(LINE, encoding="utf-8")
    return tmp_path


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_next_dst_change_of_new_york_from_a_reference_date() -> None:
    change = next_dst_change(zone("America/New_York"), date(2026, 12, 7))
    assert change is not None
    assert change.at == utc("2027-03-14T07:00")  # 02:00 EST, the first minute of EDT
    assert (change.before, change.after) == ("2027-03-14 02:00 EST", "2027-03-14 03:00 EDT")
    autumn = next_dst_change(zone("America/New_York"), date(2027, 3, 15))
    assert autumn is not None and autumn.at == utc("2027-11-07T06:00")  # 02:00 EDT
    assert next_dst_change(zone("UTC"), date(2026, 12, 7)) is None


def test_sweep_boundaries_across_dst_and_a_holiday(tmp_path: Path) -> None:
    proj = load_project(project(tmp_path))
    program = proj.compile()
    s = sweep(program, ["line"], date(2027, 3, 8))
    (office,) = s.hours
    # Mon 8 to Fri 12 EST (UTC-5): 09:00 is 14:00 UTC; after the change on Sunday 14, Monday
    # 15 EDT (UTC-4): 09:00 is 13:00 UTC.  Each boundary and the minute before it.
    assert [b.at for b in office.boundaries] == [
        utc(t)
        for day in ("08", "09", "10", "11", "12")
        for t in (
            f"2027-03-{day}T13:59",
            f"2027-03-{day}T14:00",
            f"2027-03-{day}T21:59",
            f"2027-03-{day}T22:00",
        )
    ] + [utc(t) for t in ("2027-03-15T12:59", "2027-03-15T13:00", "2027-03-15T20:59")] + [
        utc("2027-03-15T21:00")
    ]
    assert office.boundaries[-4].local == "2027-03-15 08:59 EDT"
    assert office.boundaries[-3].what == "Office opens at Monday 2027-03-15 09:00"
    (line,) = s.flows
    # The holiday (Friday 12) keeps the line closed: no change at its usual boundaries.
    assert [(c.boundary.at, c.before, c.after) for c in line.changes] == [
        (utc(f"2027-03-{day}T{hh}:00"), before, after)
        for day in ("08", "09", "10", "11")
        for hh, before, after in (("14", OUT, IN), ("22", IN, OUT))
    ] + [(utc("2027-03-15T13:00"), OUT, IN), (utc("2027-03-15T21:00"), IN, OUT)]
    friday = [r for b, r in line.routes if b.at.day == 12]
    assert friday == [OUT, OUT, OUT, OUT]


def test_sweep_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path)
    assert main(["explore", str(root), "--from", "2027-03-08"]) == 0
    out = capsys.readouterr().out
    assert (
        "hours sweep from 2027-03-08 (Monday):\n"
        "  Office (America/New_York): next DST change 2027-03-14 02:00 EST -> 2027-03-14 03:00 "
        "EDT; 24 boundaries\n"
        "  line: 10 route changes over 24 boundaries\n"
        "    2027-03-08 14:00 UTC (Office opens at Monday 2027-03-08 09:00):\n"
        f"      {OUT}\n"
        f"      -> {IN}\n"
    ) in out
    assert (
        "    2027-03-12 14:00 UTC (Office opens at Friday 2027-03-12 09:00 (weekday hours; "
        "override founders-day (2027-03-12) applies)): no change\n"
        f"      {OUT}\n"
    ) in out
    assert out.endswith(
        "    2027-03-15 21:00 UTC (Office closes at Monday 2027-03-15 17:00):\n"
        f"      {IN}\n      -> {OUT}\n"
    )
    # The same date gives the same sweep, byte for byte.
    assert main(["explore", str(root), "--from", "2027-03-08"]) == 0
    assert capsys.readouterr().out == out
    assert main(["explore", str(root), "--from", "2027-03-08", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)["hours-sweep"]
    assert doc["hours"][0]["dst-change"] == {
        "at": "2027-03-14T07:00:00+00:00",
        "before": "2027-03-14 02:00 EST",
        "after": "2027-03-14 03:00 EDT",
    }
    assert doc["flows"][0]["changes"][-1] == {
        "at": "2027-03-15T21:00:00+00:00",
        "hours": "Office",
        "local": "2027-03-15 17:00 EDT",
        "what": "Office closes at Monday 2027-03-15 17:00",
        "before": IN,
        "after": OUT,
    }
    # Without --from, the sweep starts today; a bad date is a usage error.
    assert main(["explore", str(root), "--hours-sweep"]) == 0
    assert f"hours sweep from {date.today().isoformat()} (" in capsys.readouterr().out
    assert main(["explore", str(root), "--from", "2027-02-30"]) == 2
    assert capsys.readouterr().err == (
        "flowrt explore: --from: a date YYYY-MM-DD of the calendar from 1900-01-01 to "
        "9997-12-31, not '2027-02-30'\n"
    )
