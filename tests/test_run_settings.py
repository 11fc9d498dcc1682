"""The behaviour blocks' own checks (FR070-FR072): code, message and position."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowrt.project.driver import check_paths

FLOWS = {
    "FR070": """flow: main
start: hook
blocks:
  hook:
    type: set-event-hook
    agent-whisper: $.Attributes.a
    customer-whisper: $.Attributes.b
""",
    "FR071": """flow: main
start: prio
blocks:
  prio:
    type: set-routing-behavior
    queue-priority: 1
    queue-time-adjustment-seconds: 30
""",
    "FR072": """flow: main
start: split
blocks:
  split:
    type: distribute-by-percentage
    conditions:
      - number-less-than: 60
        next: done
      - number-less-than: 40
        next: done
  done: {type: disconnect}
""",
}
EXPECTED = {
    "FR070": (
        5,
        5,
        "block `hook` (set-event-hook): sets 2 event hooks; Amazon Connect's "
        "UpdateContactEventHooks sets exactly one",
    ),
    "FR071": (
        5,
        5,
        "block `prio` (set-routing-behavior): set exactly one of queue-priority (1 or more) and "
        "queue-time-adjustment-seconds",
    ),
    "FR072": (
        9,
        9,
        "block `split` (distribute-by-percentage): condition 2 must be `number-less-than` a "
        "number above the previous bound and at most 101",
    ),
}


@pytest.mark.parametrize("code", list(FLOWS))
def test_behaviour_block_checks(code: str, tmp_path: Path) -> None:
    (tmp_path / "main.flow.yaml").write_text(FLOWS[code])
    diags, _ = check_paths([str(tmp_path)])
    found = [(d.span.line, d.span.column, d.message) for d in diags if d.code == code and d.span]
    assert found == [EXPECTED[code]]


def test_settings_project_matches_its_goldens_with_full_branch_coverage(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The goldens of tests/data/settings-project pin every fact and branch of the behaviour
    blocks' runs (e.g. `voice: Joanna (Neural)`, `percentage draw: 71 (from the contact ID)`)."""
    from flowrt.testing.suite import run_suite

    monkeypatch.chdir(Path(__file__).resolve().parent / "data")
    report = run_suite(["settings-project"], coverage=True)
    assert report.diagnostics == [] and report.failed == 0 and report.passed == 10
    assert report.changes == []
    assert report.coverage is not None and report.coverage.percent == 100.0


def test_flow_attributes_voice_and_language_are_read_by_later_blocks() -> None:
    from flowrt.project.driver import load_project

    root = Path(__file__).resolve().parent / "data" / "settings-project"
    program = load_project(root).compile()
    result = program.run({"customer-endpoint": "+15555550100"}, flow="contact-settings")
    greet = [r for r in result.trace.records if r[1].name == "greet"]
    assert [f for f in greet[0][3] if f[0] == "prompt"] == [
        ("prompt", "This is the callback line, in en-US, read by Joanna.")
    ]
