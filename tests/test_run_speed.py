"""The shortcuts that make a run's set-up and steps cheap (issue 17, target 4), pinned.

A run builds its services (`rt.svc`) only when a block uses them, and checking hours needs none;
`Runtime.in_hours`, `set_attributes`, `invoke_lambda`, ... are the functions they name (no
delegating call); `run_contact` calls `run_prepared` by position; the default ContactId is looked
up once per flow name; `read_values` reads a dynamic key before its value; a template's run-step
renderer reads its references without `Template.render`'s calls.  Each test fails when its
shortcut changes what a run gives.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from flowrt.lang.compiler import Program
from flowrt.lang.refs import MAX_TEXT_LENGTH, TextTooLong
from flowrt.lang.steps import (
    ATTRIBUTE,
    EXTERNAL,
    GETTER,
    STATIC,
    getter,
    matcher,
    read_value,
    read_values,
    reader,
    renderer,
)
from flowrt.lang.templates import parse_template
from flowrt.project.driver import load_project
from flowrt.run import calls, interpreter
from flowrt.run.interpreter import contact_id_for, run_prepared
from flowrt.run.runtime import Runtime
from flowrt.run.services import Services, hours_open
from flowrt.run.trace import Result, Trace
from flowrt.scenario.model import prepare_contact, prepare_world

ROOT = Path(__file__).resolve().parent.parent

INSTANCE = """
instance: test
hours-of-operation:
  Office: {time-zone: UTC, days: {monday: "09:00-17:00"}}
queues:
  Q: {}
"""


@pytest.fixture
def program(tmp_path: Path) -> Program:
    (tmp_path / "instance.yaml").write_text(INSTANCE)
    (tmp_path / "main.flow.yaml").write_text(
        "flow: main\nstart: done\nblocks:\n  done: {type: disconnect}\n"
    )
    return load_project(str(tmp_path)).compile()


def _runtime(program: Program, contact: dict[str, object], world: dict[str, object]) -> Runtime:
    return Runtime(program, prepare_contact(contact), prepare_world(world), "c")


def test_services_are_built_on_first_use_and_checking_hours_builds_none(program: Program) -> None:
    rt = _runtime(program, {}, {"clock": "2026-11-23T10:00:00Z"})
    assert rt._svc is None
    assert rt.in_hours("Office") is True
    assert rt.facts == [("hours", "Office", "Monday 2026-11-23 10:00 UTC", "09:00-17:00", True)]
    assert rt._svc is None  # hours keep no per-run state
    # A service namespace read before any service ran: missing, and still nothing built.
    assert rt.resolve(("Lex", "IntentName")) is None
    assert rt._svc is None
    svc = rt.svc
    assert type(svc) is Services and svc.rt is rt
    assert rt.svc is svc  # built once


def test_runtime_services_are_the_functions_they_name() -> None:
    # No method that only calls the function: one Python call less a use.
    assert Runtime.in_hours is hours_open
    assert Runtime.invoke_lambda is calls.invoke_lambda
    assert Runtime.set_related_attributes is calls.set_related_attributes
    assert Runtime.set_attributes is calls.set_attributes
    assert Runtime.undo_oversized is calls.undo_oversized


def test_hours_open_out_of_hours_and_unknown_hours(program: Program) -> None:
    rt = _runtime(program, {}, {"clock": "2026-11-23T18:00:00Z"})
    assert rt.in_hours("Office") is False
    assert rt.facts == [("hours", "Office", "Monday 2026-11-23 18:00 UTC", "09:00-17:00", False)]
    assert rt.in_hours("Nope") is None
    assert rt.facts[-1] == ("error", "hours of operation `Nope` are not in the instance")


def test_run_prepared_gives_what_run_gives_on_the_example() -> None:
    example = load_project(str(ROOT / "flows")).compile()
    contact = prepare_contact(
        {"customer-endpoint": "+15555550100", "system-endpoint": "+18005550111"}
    )
    world = prepare_world(
        {
            "clock": "2026-11-23T09:00:00-05:00",
            "queues": {"BasicQueue": {"contacts-in-queue": 3, "agents": {"available": 2}}},
            "lambdas": {"customer-lookup": {"1": {"returns": {"tier": "silver"}}}},
            "input": {"menu": ["2"]},
        }
    )
    by_keyword = interpreter.run(example, contact, world, flow="inbound-support")
    by_position = run_prepared(example, contact, world, "inbound-support", 1000, None)
    through_program = example.run(contact, world, flow="inbound-support")
    assert by_keyword.outcome.describe() == "queued in BasicQueue"
    for other in (by_position, through_program):
        assert other.outcome == by_keyword.outcome
        assert other.render_text() == by_keyword.render_text()
        assert other.as_json() == by_keyword.as_json()
    # The default ContactId: the same as contact_id_for gives, looked up once per flow.
    cid = contact_id_for("flowrt", "inbound-support")
    assert by_keyword.contact_id == by_position.contact_id == cid
    assert interpreter._DEFAULT_IDS["inbound-support"] is cid


def test_read_values_reads_a_dynamic_key_before_its_value(program: Program) -> None:
    rt = _runtime(program, {"attributes": {"k": "name", "v": "Ana"}}, {})
    key = (ATTRIBUTE, "k", "$.Attributes.k")
    plan = ((key, ATTRIBUTE, "v", "$.Attributes.v"), ("fixed", STATIC, "1", ""))
    assert read_values(rt, plan) == {"name": "Ana", "fixed": "1"}
    # Both missing: the key's reference is noted first, as it was read first.
    rt = _runtime(program, {}, {})
    assert read_values(rt, plan) == {"": "", "fixed": "1"}
    assert rt.missing == ["$.Attributes.k", "$.Attributes.v"]


_REFS = [
    "$.Attributes.a",
    "$.Attributes.b",
    "$.Attributes.gone",
    "$.External.x",
    "$.External.nested.key",
    "$.External.gone",
    "$.Channel",
    "$.CustomerEndpoint.Address",
    "$.Metrics.Queue.Size",
    "$.Queue.Name",
    "$.Lex.IntentName",
]


def _rendered(program: Program, text: str, values: dict[str, str]) -> tuple[object, list[str]]:
    """What the run step's renderer gives (text, or the exception) and the missing noted."""
    rt = _runtime(program, {"customer-endpoint": "+15555550100"}, {})
    rt.attrs = dict(values)  # set directly: a contact's own attributes are bounded in size
    rt.external = {"x": "X", "nested.key": "N"}
    try:
        out: object = renderer(parse_template(text))(rt)
    except TextTooLong as exc:
        out = ("TextTooLong", exc.limit)
    return out, rt.missing


def _by_render(program: Program, text: str, values: dict[str, str]) -> tuple[object, list[str]]:
    """The same through `Template.render` with the runtime as resolver (the reference)."""
    rt = _runtime(program, {"customer-endpoint": "+15555550100"}, {})
    rt.attrs = dict(values)  # set directly: a contact's own attributes are bounded in size
    rt.external = {"x": "X", "nested.key": "N"}
    try:
        out: object = parse_template(text).render(rt, note=rt.note_missing)
    except TextTooLong as exc:
        out = ("TextTooLong", exc.limit)
    return out, rt.missing


def test_a_templates_run_step_renderer_agrees_with_render(program: Program) -> None:
    text = "Hi $.Attributes.a, $.Attributes.gone and $.External.gone; $.External.x."
    assert _rendered(program, text, {"a": "Ana"}) == (
        "Hi Ana,  and ; X.",
        ["$.Attributes.gone", "$.External.gone"],
    )
    assert _rendered(program, text, {"a": "Ana"}) == _by_render(program, text, {"a": "Ana"})
    rng = random.Random(17)
    for _ in range(400):
        parts = [rng.choice([*_REFS, "Step ", " for ", "!", ""]) for _ in range(rng.randint(1, 6))]
        text = " ".join(parts) or "x"
        values = {k: rng.choice(["", "v", "Lee"]) for k in ("a", "b") if rng.random() < 0.7}
        assert _rendered(program, text, values) == _by_render(program, text, values), text


def test_a_templates_run_step_renderer_refuses_text_over_the_limit(program: Program) -> None:
    big = "b" * (MAX_TEXT_LENGTH // 2 + 1)
    text = "$.Attributes.gone $.Attributes.a $.Attributes.b $.Attributes.later"
    got = _rendered(program, text, {"a": big, "b": big})
    # Refused, with the references missing before the limit was crossed noted (not `later`).
    assert got == (("TextTooLong", MAX_TEXT_LENGTH), ["$.Attributes.gone"])
    assert got == _by_render(program, text, {"a": big, "b": big})


def test_text_around_one_reference_renders_as_render_does(program: Program) -> None:
    """The renderer of a prompt like `Step 3 for $.Attributes.firstName.` (text around one
    reference, joined without a loop) gives `render`'s text, misses and refusals."""
    text = "Step 3 for $.Attributes.a."
    assert _rendered(program, text, {"a": "Lee"}) == ("Step 3 for Lee.", [])
    assert _rendered(program, text, {}) == ("Step 3 for .", ["$.Attributes.a"])
    assert _rendered(program, "$.Channel!", {}) == _by_render(program, "$.Channel!", {})
    half = "b" * (MAX_TEXT_LENGTH // 2 - 20)  # a template's own text is at most the limit
    big = "v" * (MAX_TEXT_LENGTH // 2)
    after = f"$.Attributes.a {half}"  # the reference, then 16,365 characters
    for text, values in [
        (f"{half} $.Attributes.a", {"a": big + "v" * 40}),  # the value crosses the limit
        (f"{half} $.Attributes.a", {"a": big}),
        (after, {"a": big + "v" * 20}),  # the text after it crosses it
        (after, {"a": big + "v" * 19}),  # exactly at the limit: not over
        (f"{half} $.Attributes.gone {half}", {}),  # missing: the text around it only
    ]:
        assert _rendered(program, text, values) == _by_render(program, text, values), values
    assert _rendered(program, after, {"a": big + "v" * 20}) == (
        ("TextTooLong", MAX_TEXT_LENGTH),
        [],
    )
    at_limit = _rendered(program, after, {"a": big + "v" * 19})
    assert at_limit == (f"{big}{'v' * 19} {half}", [])
    assert len(str(at_limit[0])) == MAX_TEXT_LENGTH


def test_set_attributes_reads_each_kind_of_value_as_read_value_does(program: Program) -> None:
    rt = _runtime(program, {"attributes": {"tier": "gold"}, "channel": "CHAT"}, {})
    rt.external = {"id": "c-1"}
    plan = (
        ("fixed", STATIC, "1", ""),
        ("copy", ATTRIBUTE, "tier", "$.Attributes.tier"),
        ("again", ATTRIBUTE, "copy", "$.Attributes.copy"),  # set just before, in this block
        ("id", EXTERNAL, "id", "$.External.id"),
        ("gone", EXTERNAL, "gone", "$.External.gone"),
        ("nobody", ATTRIBUTE, "nobody", "$.Attributes.nobody"),
        ("channel", GETTER, getter(("Channel",)), "$.Channel"),
    )
    assert rt.set_attributes(plan) == "success"
    assert rt.facts == [
        ("set", "fixed", None, "1"),
        ("set", "copy", None, "gold"),
        ("set", "again", None, "gold"),
        ("set", "id", None, "c-1"),
        ("set", "gone", None, ""),
        ("set", "nobody", None, ""),
        ("set", "channel", None, "CHAT"),
    ]
    assert rt.missing == ["$.External.gone", "$.Attributes.nobody"]
    # The same values read one by one by read_value, in a fresh run.
    other = _runtime(
        program, {"attributes": {"tier": "gold", "copy": "gold"}, "channel": "CHAT"}, {}
    )
    other.external = {"id": "c-1"}
    assert [read_value(other, *p[1:]) for p in plan] == [f[3] for f in rt.facts]
    assert other.missing == rt.missing


CHECK_FLOW = """
flow: check
start: tier
blocks:
  tier:
    type: check-contact-attributes
    attribute: $.Attributes.tier
    conditions:
      - equals: gold
        next: done
      - number-greater-than: 5
        next: done
    next: {no-match: done, error: done}
  done: {type: disconnect}
"""


@pytest.mark.parametrize(
    ("attributes", "branch", "facts", "missing"),
    [
        (
            {"tier": "gold"},
            "condition-1",
            [("compare", "$.Attributes.tier", "gold", "equals gold")],
            None,
        ),
        (
            {"tier": "7"},
            "condition-2",
            [("compare", "$.Attributes.tier", "7", "number-greater-than 5")],
            None,
        ),
        (
            {},
            "no-match",
            [("not-a-number", ""), ("compare", "$.Attributes.tier", "", None)],
            ["$.Attributes.tier"],
        ),
    ],
)
def test_checking_an_attribute_reads_it_as_reader_does(
    tmp_path: Path,
    attributes: dict[str, str],
    branch: str,
    facts: list[tuple[str, ...]],
    missing: list[str] | None,
) -> None:
    (tmp_path / "check.flow.yaml").write_text(CHECK_FLOW)
    checks = load_project(str(tmp_path)).compile()
    node = checks.flows["check"].nodes[0]
    records = checks.run({"attributes": attributes}, flow="check").trace.records
    assert records[0][2:] == (branch, facts, missing)
    # The general step (reader, then match) gives the very same record.
    general = _runtime(checks, {"attributes": attributes}, {})
    read = reader(node.prepared[("attribute",)])
    got = matcher(node)(general, read(general), "$.Attributes.tier")
    assert (got, general.facts, general.missing or None) == (branch, facts, missing)


QUEUES_FLOW = """
flow: queues
start: first
blocks:
  first:
    type: set-working-queue
    queue: BasicQueue
    next: {success: busy, error: done}
  busy:
    type: check-contact-attributes
    conditions:
      - when: '$.Attributes.tier == "gold"'
        next: done
    next: {no-match: second, error: done}
  second:
    type: set-working-queue
    queue: $.Attributes.queue
    next: {success: done, error: done}
  done: {type: disconnect}
"""


def test_a_named_working_queue_and_a_check_without_attribute_give_what_they_gave(
    tmp_path: Path,
) -> None:
    (tmp_path / "instance.yaml").write_text(
        "instance: test\narn: arn:aws:connect:us-east-1:111122223333:instance/abc\n"
        "queues:\n  BasicQueue: {}\n  Premium: {}\n"
    )
    (tmp_path / "queues.flow.yaml").write_text(QUEUES_FLOW)
    queues = load_project(str(tmp_path)).compile()
    nodes = {n.name: n for n in queues.flows["queues"].nodes}
    # One step per block type, whichever shortcut applies.
    assert {n.step.__name__ for n in nodes.values()} == {
        "set_working_queue",
        "check_contact_attributes",
        "disconnect",
    }
    arn = queues.instance.queue_arn("Premium") if queues.instance else ""
    result = queues.run({"attributes": {"queue": arn}}, flow="queues")
    assert [(r[1].name, r[2], r[3], r[4]) for r in result.trace.records] == [
        ("first", "success", [("working-queue", "BasicQueue", "(none)")], None),
        (
            "busy",
            "no-match",
            [("when", '$.Attributes.tier == "gold"', {("Attributes", "tier"): None})],
            ["$.Attributes.tier"],
        ),
        ("second", "success", [("working-queue", "Premium", "BasicQueue")], None),
        ("done", "", None, None),
    ]


def test_a_runs_result_has_every_slot_its_init_sets(program: Program) -> None:
    contact, world = prepare_contact({}), prepare_world({})
    log: list[tuple[object, ...]] = [("note", "x")]
    outcome = program.run(contact, world, flow="main").outcome
    fast = interpreter._result(outcome, contact, world, "c", log)
    slow = Result(outcome, Trace(None, contact, world, "c", log), [], "c")
    assert type(fast) is Result and type(fast.trace) is Trace
    # Every slot of both classes (a slot added later must be set by `_result` too).
    for obj, ref in ((fast, slow), (fast.trace, slow.trace)):
        for name in type(ref).__slots__:
            if name != "trace":  # the traces themselves: compared slot by slot next
                assert getattr(obj, name) == getattr(ref, name), name
    assert (
        fast.trace._log is log
        and fast.diagnostics == []
        and fast.diagnostics is not slow.diagnostics
    )
