"""flowrt explore's facets: what each block type reads of a run's state, so that runs reaching a
block in the same state are merged (flowrt.explore.graph.FACETS, flowrt.explore.state).

Every block type declares its facets; a block type without an entry, or a flow named at run
time, keeps the whole state; merged runs find the same branches as unmerged ones, and the
settings project (a block of each "set a behaviour" type in a row) is explored in a few hundred
runs instead of 156,000."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from flowrt.explore import explorer
from flowrt.explore.explorer import Options, Report, explore
from flowrt.explore.graph import FACET_NAMES, FACETS, ahead, build
from flowrt.lang.blocks import BLOCKS
from flowrt.project.driver import load_project

ROOT = Path(__file__).parent.parent
SETTINGS = ROOT / "tests" / "data" / "settings-project"
INSTANCE = """\
instance: test
queues:
  Basic: {max-contacts: 10}
"""
#: A transfer whose outcome decides whether the number Set callback number reads can be
#: dialled: only a failed call (`call-failed`) makes it `not-dialable`.
DIALLED = """\
flow: dialled
type: contact
start: dial
blocks:
  dial:
    type: transfer-to-phone-number
    phone-number: "+15555550123"
    resume-after-disconnect: true
    next: {success: number, call-failed: number, timeout: number, error: number}
  number:
    type: set-callback-number
    callback-number: $.Attributes.callbackNumber
    next: {success: ok, invalid-number: bad, not-dialable: nodial}
  ok: {type: disconnect}
  bad: {type: disconnect}
  nodial: {type: disconnect}
"""
#: Behaviour blocks, then the world's block answers, in a row: each failure and answer is a
#: choice, and what each block reads decides which of them runs can be merged on.
ROW = """\
flow: row
type: contact
start: streaming
blocks:
  streaming:
    type: set-media-streaming
    streaming: Enabled
    next: {success: stream, error: stream}
  stream:
    type: start-voice-id-stream
    next: {success: authenticated, error: authenticated}
  authenticated:
    type: check-voice-id
    option: voiceAuthentication
    conditions:
      - equals: Authenticated
        next: split
    next: split
  split:
    type: distribute-by-percentage
    conditions:
      - number-less-than: 51
        next: progress
    next: progress
  progress:
    type: check-outbound-call-status
    next: {call-answered: number, voicemail-beep: number, error: number}
  number:
    type: set-callback-number
    callback-number: $.Attributes.callbackNumber
    next: {success: callback, invalid-number: callback, not-dialable: callback}
  callback:
    type: create-callback-contact
    queue: Basic
    initial-delay-seconds: 60
    max-attempts: 1
    retry-delay-seconds: 60
    next: {success: pause, error: bye}
  pause:
    type: wait
    timeout-seconds: 60
    events: [CustomerReturned]
    next: {completed: bye, customer-returned: bye, error: bye}
  bye: {type: disconnect}
"""


def project(tmp_path: Path, **flows: str) -> Path:
    (tmp_path / "instance.yaml").write_text(INSTANCE, encoding="utf-8")
    for name, text in flows.items():
        (tmp_path / f"{name}.flow.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def run(root: Path, **options: Any) -> Report:
    proj = load_project(root)
    program = proj.compile()
    return explore(program, sorted(program.flows), Options(**options), proj)


def test_every_block_type_declares_the_facets_it_reads() -> None:
    # A new block type must say what its step reads of the run's state (or explore keeps the
    # whole state before it, and slows down); a facet must be one the state knows.
    assert sorted(set(BLOCKS) - set(FACETS)) == []
    assert sorted(set(FACETS) - set(BLOCKS)) == []
    for kind, facets in FACETS.items():
        assert facets <= FACET_NAMES, kind


def test_a_block_type_without_facets_keeps_the_whole_state(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    program = load_project(SETTINGS).compile()
    g = build(program)
    start = g.starts["contact-settings"]
    before = ahead(g, program)
    assert before is not None and before[start].open is False
    monkeypatch.delitem(FACETS, "set-voice")
    after = ahead(g, program)
    assert after is not None and after[start].open is True
    # After set-voice (not ahead of the blocks that follow it), the state is left out again.
    assert after[g.ids[("contact-settings", "recording")]].open is False


@pytest.mark.parametrize(("target", "open_"), [("$.Attributes.next", True), ("other", False)])
def test_a_flow_named_at_run_time_keeps_the_whole_state(
    tmp_path: Path, target: str, open_: bool
) -> None:
    flow = f"""\
flow: hand-off
type: contact
start: go
blocks:
  go:
    type: transfer-to-flow
    flow: {target}
    next: {{error: bye}}
  bye: {{type: disconnect}}
"""
    other = "flow: other\ntype: contact\nstart: bye\nblocks:\n  bye: {type: disconnect}\n"
    program = load_project(project(tmp_path, **{"hand-off": flow, "other": other})).compile()
    g = build(program)
    facts = ahead(g, program)
    assert facts is not None
    assert facts[g.ids[("hand-off", "go")]].open is open_


def test_a_failed_call_makes_the_callback_number_not_dialable(tmp_path: Path) -> None:
    report = run(project(tmp_path, dialled=DIALLED))
    assert report.unreachable == []
    path = report.best[("dialled", "number", "not-dialable")]
    assert dict(path.answers)[("external", "+15555550123", 1)] == "call-failed"
    assert dict(path.answers)[("attribute", "callbackNumber")] == "+15555550123"


def test_the_callback_facet_is_what_finds_not_dialable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without it, the run that dialled and failed is merged with one that dialled and was
    # answered: the failed call's future (not-dialable) is never explored.
    monkeypatch.setitem(FACETS, "set-callback-number", frozenset())
    report = run(project(tmp_path, dialled=DIALLED))
    assert [(u.block, u.branch) for u in report.unreachable] == [("number", "not-dialable")]


def _unmerged(monkeypatch: pytest.MonkeyPatch) -> None:
    original = explorer.explore_flow

    def every_run(*args: Any, merge: bool = False) -> tuple[int, bool]:
        return original(*args, merge=False)

    monkeypatch.setattr(explorer, "explore_flow", every_run)


def test_merged_runs_find_what_every_run_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(tmp_path, row=ROW)
    merged = run(root)
    _unmerged(monkeypatch)
    every = run(root)
    assert every.flows[0].complete and merged.flows[0].complete
    assert merged.reachable == every.reachable
    assert merged.unreachable == every.unreachable == []
    assert [d.code for d in merged.diagnostics] == [d.code for d in every.diagnostics]
    assert set(merged.flows[0].ends) == set(every.flows[0].ends) == {"disconnected"}
    assert len(merged.reachable) == len(merged.branches) == 19
    assert (merged.flows[0].runs, every.flows[0].runs) == (30, 968)


def test_settings_project_same_branches_in_far_fewer_runs() -> None:
    report = run(SETTINGS)
    # As before every block type had facets (156,000 runs, 65,760 paths explored): every one of
    # the 40 connected branches reachable, nothing unmodelled, and the one finding, FR711.
    assert len(report.branches) == 40
    assert report.reachable == report.branches
    assert report.unreachable == []
    assert report.unmodelled == []
    assert [(d.code, d.message) for d in report.diagnostics] == [
        (
            "FR711",
            "a path ends in an error at block `to-agent` (the block ended the flow with an error)",
        )
    ]
    assert [(f.flow, f.runs, f.explored, f.ends, f.complete) for f in report.flows] == [
        ("contact-settings", 594, 497, {"disconnected": 497}, True),
        ("direct-to-agent", 4, 2, {"ended": 1, "error": 1}, True),
    ]
