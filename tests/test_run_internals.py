"""The interpreter's run log, its caches, its attribute-size bound and its run steps, tested
directly.

A run keeps one log (facts, then a marker per step) and turns it into per-step records only when
the trace is read; world answers are cached (hours per program, metrics per queue state); each
block type's run step is the closure its `compile_step` builds from the accessors of
flowrt.lang.steps.  These tests pin what those shortcuts must never change.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest

from flowrt.cli.run import run_project
from flowrt.lang.blocks import BLOCKS
from flowrt.lang.compiler import Node, Program
from flowrt.lang.expr import parse_reference
from flowrt.lang.steps import ATTRIBUTE, EXTERNAL, STATIC, getter, label, queue_picker, reader
from flowrt.project.driver import load_project
from flowrt.run.runtime import Runtime
from flowrt.run.trace import records_from_log
from flowrt.scenario.model import MAX_ATTRIBUTE_BYTES, prepare_contact, prepare_world
from tests.fuzz.helpers import WORLD_FAULT, assert_steps_follow_branches

INSTANCE = """
instance: test
arn: arn:aws:connect:us-east-1:111122223333:instance/abc
hours-of-operation:
  Office: {time-zone: UTC, days: {monday: "%s"}}
queues:
  Q: {}
"""

FLOWS = {
    "main": """
flow: main
start: hours
blocks:
  hours:
    type: check-hours-of-operation
    hours: Office
    next: {in-hours: greet, out-of-hours: closed, error: closed}
  greet:
    type: play-prompt
    text: "Hello $.Attributes.name"
    next: {success: hand-off, error: hand-off}
  hand-off:
    type: transfer-to-flow
    flow: second
    next: closed
  closed: {type: disconnect}
""",
    "second": """
flow: second
type: contact
start: who
blocks:
  who:
    type: check-contact-attributes
    attribute: $.Attributes.missing
    conditions:
      - equals: x
        next: done
    next: {no-match: done, error: done}
  done: {type: disconnect}
""",
}


def _program(root: Path, window: str) -> Program:
    root.mkdir()
    (root / "instance.yaml").write_text(INSTANCE % window)
    for name, text in FLOWS.items():
        (root / f"{name}.flow.yaml").write_text(text)
    program = load_project(str(root)).compile()
    assert not [d for d in program.diagnostics if d.is_error]
    return program


@pytest.fixture
def open_program(tmp_path: Path) -> Program:
    return _program(tmp_path / "open", "00:00-23:59")


def test_records_group_each_steps_facts_and_missing_references(open_program: Program) -> None:
    world = {"clock": "2026-11-23T10:00:00Z"}
    result = open_program.run({"attributes": {"name": "Ana"}}, world, flow="main")
    records = result.trace.records
    assert [(r[0].name, r[1].name, r[2]) for r in records] == [
        ("main", "hours", "in-hours"),
        ("main", "greet", "success"),
        ("main", "hand-off", ""),
        ("second", "who", "no-match"),
        ("second", "done", ""),
    ]
    assert records[1][3] == [("prompt", "Hello Ana")]
    assert records[2][3] == [("flow", "second")]
    # The only missing reference belongs to the step that read it, not to the whole run.
    assert [r[4] for r in records] == [None, None, None, ["$.Attributes.missing"], None]
    assert records[3][3] == [("compare", "$.Attributes.missing", "", None)]


def test_records_from_log_keeps_steps_without_facts_as_none(open_program: Program) -> None:
    node = open_program.flows["main"].nodes[0]
    log = [("note", "a"), (node, "in-hours"), (node, "in-hours", ["$.X"])]
    assert records_from_log(log) == [
        (node.flow, node, "in-hours", [("note", "a")], None),
        (node.flow, node, "in-hours", None, ["$.X"]),
    ]


def test_a_world_shared_by_two_programs_gets_each_programs_hours(tmp_path: Path) -> None:
    opened = _program(tmp_path / "a", "00:00-23:59")
    closed = _program(tmp_path / "b", "00:00-00:01")
    world = prepare_world({"clock": "2026-11-23T10:00:00Z"})  # one prepared world, one cache
    contact = prepare_contact({"attributes": {"name": "Ana"}})
    first = [opened.run(contact, world, flow="main").branches()[0] for _ in range(2)]
    second = [closed.run(contact, world, flow="main").branches()[0] for _ in range(2)]
    assert first == [("hours", "in-hours")] * 2
    assert second == [("hours", "out-of-hours")] * 2


def _runtime(program: Program) -> Runtime:
    return Runtime(program, prepare_contact({}), prepare_world({}), "c")


def test_setting_the_same_big_attribute_again_and_again_is_allowed(open_program: Program) -> None:
    rt = _runtime(open_program)
    value = "v" * 10_000  # the size bound counts a replaced value again: it must recount
    for _ in range(10):
        assert rt.set_attributes((("big", STATIC, value, ""),)) == "success"
    assert rt.attrs == {"big": value}
    assert rt.attr_chars == len("big") + len(value)


def test_attributes_over_the_limit_are_refused_and_nothing_is_set(open_program: Program) -> None:
    rt = _runtime(open_program)
    rt.external = {"a": "x" * 20_000}
    rt.set_attributes((("keep", STATIC, "1", ""),))
    plan = (("a", EXTERNAL, "a", "$.External.a"), ("b", STATIC, "y" * 20_000, ""))
    assert rt.set_attributes(plan) == "error"
    assert rt.attrs == {"keep": "1"}
    assert rt.facts[-1][0] == "error" and f"{MAX_ATTRIBUTE_BYTES:,}" in rt.facts[-1][1]
    # Four-byte characters: 32,766 bytes in all is allowed, 3 bytes more is not.
    big = "\U0001f600" * ((MAX_ATTRIBUTE_BYTES - len("k") - len("keep") - 1) // 4)
    rt2 = _runtime(open_program)
    rt2.set_attributes((("keep", STATIC, "1", ""),))
    assert rt2.set_attributes((("k", STATIC, big, ""),)) == "success"
    assert rt2.set_attributes((("k2", STATIC, "x", ""),)) == "error"


def test_a_value_read_from_an_attribute_set_earlier_in_the_same_block(
    open_program: Program,
) -> None:
    rt = _runtime(open_program)
    plan = (("a", STATIC, "1", ""), ("b", ATTRIBUTE, "a", "$.Attributes.a"))
    assert rt.set_attributes(plan) == "success"
    assert rt.attrs == {"a": "1", "b": "1"}
    assert [f[:4] for f in rt.facts] == [("set", "a", None, "1"), ("set", "b", None, "1")]


#: Branches each block type's run step takes by itself (not made to fail by the world's
#: `errors:`) over the example project's scenarios; "" is a step that ends the flow.
TAKEN_BY_STEPS: dict[str, set[str]] = {
    "transfer-to-queue": {"success", "at-capacity", "error"},
    "set-working-queue": {"success", "error"},
    "transfer-to-phone-number": {"", "success", "call-failed", "timeout", "error"},
    "transfer-to-flow": {""},
    "disconnect": {""},
    "end-flow": {""},
    "check-contact-attributes": {"condition-1", "condition-2", "no-match"},
    "check-hours-of-operation": {"in-hours", "out-of-hours"},
    "check-queue-status": {"condition-1", "no-match"},
    "check-staffing": {"true", "false"},
    "get-queue-metrics": {"success"},
    "set-contact-attributes": {"success"},
    "play-prompt": {"success"},
    "send-message": {"success"},
    "loop-prompts": {"", "timeout"},
    "get-customer-input": {"condition-1", "condition-2", "condition-3", "no-match", "timeout"},
    "invoke-lambda": {"success", "error"},
    "outbound-email-policy": {"allowed", "denied", "needs-approval", "error"},
    "connect-action": {"success"},
    "set-logging-behavior": {"success"},
    "set-recording-behavior": {"success"},
    "set-voice": {"success"},
    "set-media-streaming": {"success", "error"},
    "set-event-hook": {"success"},
    "tag-contact": {"success"},
    "set-contact-data": {"success"},
    "set-callback-number": {"success", "invalid-number", "not-dialable"},
    "set-routing-behavior": {"success"},
    "set-routing-criteria": {"success"},
    "set-previous-participant-state": {"success", "error"},
    "set-flow-attributes": {"success"},
    "check-outbound-call-status": {
        "call-answered",
        "voicemail-beep",
        "voicemail-no-beep",
        "not-detected",
    },
    "distribute-by-percentage": {"condition-1", "no-match"},
    "check-voice-id": {"condition-1", "error"},
    "start-voice-id-stream": {"success", "error"},
    "wait": {"completed", "customer-returned", "error"},
    "complete-outbound-call": {"success"},
    "create-callback-contact": {"success"},
    "transfer-to-agent": set(),
    "lex-bot": {"condition-1", "condition-2", "no-match", "error"},
    "show-view": {"condition-1", "no-match", "timeout", "error"},
    "loop": {"continue", "done"},
    "invoke-module": {"", "success"},
    "get-customer-profile": {"success", "not-found", "multiple-found"},
    "create-customer-profile": {"success"},
    "update-customer-profile": {"success", "error"},
}


def test_every_block_types_step_takes_its_branches_on_the_example_project() -> None:
    # Every step of every run takes a branch its block declares and goes where it leads; every
    # block type of the registry runs, takes each of its declared branches, and its own step
    # (not the world's `errors:`) takes the branches listed above.
    # The behaviour blocks of flowrt.lang.blocks.settings and .flow_control run in their own
    # project (tests/data/settings-project), beside the example project.
    examples = Path(__file__).resolve().parent.parent / "flows"
    report = run_project(str(examples))
    assert len(report.results) >= 80 and not [d for d in report.diagnostics if d.is_error]
    settings = run_project(str(Path(__file__).resolve().parent / "data" / "settings-project"))
    assert len(settings.results) == 10 and not [d for d in settings.diagnostics if d.is_error]
    taken: dict[str, set[str]] = defaultdict(set)
    by_steps: dict[str, set[str]] = defaultdict(set)
    for r in [*report.results, *settings.results]:
        records = r.result.trace.records
        assert_steps_follow_branches(records)
        for _, node, branch, facts, _ in records:
            taken[node.type].add(branch)
            if WORLD_FAULT not in (facts or ()):
                by_steps[node.type].add(branch)
    assert set(taken) == set(BLOCKS) == set(TAKEN_BY_STEPS)
    for name, cls in BLOCKS.items():
        assert set(cls.BRANCHES) <= taken[name], name
        assert TAKEN_BY_STEPS[name] <= by_steps[name], name


def test_derived_accessors_agree_with_the_general_lookups(open_program: Program) -> None:
    # What a step's accessors work out once reads what Runtime's general lookups read.
    contact = prepare_contact({"channel": "CHAT", "customer-endpoint": "+15555550100"})
    rt = Runtime(open_program, contact, prepare_world({}), "c")
    rt.attrs = {"a": "1", "q": rt.queue_arn(("queue", "Q")), "bad": "x"}
    rt.external = {"e": "2"}
    rt.metrics = {("Queue", "Size"): "3"}
    rt.queue = ("queue", "Q")
    texts = [
        "$.Attributes.a",
        "$.Attributes.none",
        "$.External.e",
        "$.External.none",
        "$.Metrics.Queue.Size",
        "$.Metrics.Queue.Gone",
        "$.Channel",
        "$.CustomerEndpoint.Address",
        "$.ContactId",
        "$.Queue.Name",
    ]
    for text in texts:
        ref = parse_reference(text)
        value = rt.resolve(ref.path)
        assert getter(ref.path)(rt) == value, text
        rt.missing = []
        assert reader(ref)(rt) == (value or ""), text
        assert rt.missing == ([] if value is not None else [text]), text
    assert reader(None)(rt) == "" and rt.missing == []

    def picked(queue: str | None, prepared: object) -> list[object]:
        node = cast(Node, SimpleNamespace(prepared={("queue",): prepared}))
        out = []
        for pick in (queue_picker(node, queue, None), lambda rt: rt.pick_queue(node, queue, None)):
            rt.facts = []
            out.append((pick(rt), rt.facts))
        return out

    static, general = picked("Q", "Q")
    assert static == general == (("queue", "Q"), [])
    static, general = picked("$.Attributes.q", parse_reference("$.Attributes.q"))
    assert static == general == (("queue", "Q"), [])
    static, general = picked("$.Attributes.bad", parse_reference("$.Attributes.bad"))
    assert static == general and static[0] is None  # not the ARN of a queue: an error fact
    assert static[1][0][0] == "error"
    rt.queue = None
    static, general = picked(None, None)
    assert static == general and static[0] is None and static[1][0][0] == "error"
    assert [label(q) for q in (None, ("queue", "Q"), ("agent", "jdoe"))] == [
        "(none)",
        "Q",
        "agent queue of jdoe",
    ]
