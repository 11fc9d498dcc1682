"""The interpreter's run log, its caches and its attribute-size bound, tested directly.

A run keeps one log (facts, then a marker per step) and turns it into per-step records only when
the trace is read; world answers are cached (hours per program, metrics per queue state).  These
tests pin what those shortcuts must never change.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flowrt.lang.compiler import Program
from flowrt.project.driver import load_project
from flowrt.cli.run import run_project
from flowrt.run.runtime import Runtime
from flowrt.scenario.model import MAX_ATTRIBUTE_BYTES, prepare_contact, prepare_world
from flowrt.lang.steps import ATTRIBUTE, EXTERNAL, STATIC
from flowrt.run.trace import records_from_log
from tests.fuzz.helpers import general_steps

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


def test_the_example_projects_runs_are_the_same_with_general_steps() -> None:
    # Every block type and branch of flows/ run through both paths: the compile-time closures
    # (flowrt.lang.steps) and each block's `run` method.  They must agree exactly.
    examples = Path(__file__).resolve().parent.parent / "flows"

    def everything() -> list[object]:
        report = run_project(str(examples))
        assert report.results and not [d for d in report.diagnostics if d.is_error]
        return [r.as_json(full=True) for r in report.results]

    def step_names() -> set[str]:
        program = load_project(str(examples)).compile()
        return {n.step.__name__ for f in program.flows.values() for n in f.nodes}

    fast = everything()
    with general_steps():
        slow = everything()
        assert step_names() == {"run"}  # the slow path really is taken
    assert len(step_names() - {"run"}) >= 10  # ... and the fast one really is specialised
    assert len(fast) == len(slow) >= 80
    assert fast == slow
