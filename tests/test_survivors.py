"""Tests that kill the mutants the suite let through (issue 20, "What survived").

Each test here failed on its mutant, applied by hand to a copy of the code, and passes on the real
code. Three of the survivors are killed by the boundary tests of tests/test_boundaries.py instead:

- the 50 "From" addresses limit `>` made `>=`: `test_queue_from_addresses_edges[50]`;
- hours with the closing minute counted as open: `test_hours_edges` at 17:00, 06:00 and 24:00;
- max-recipients off by one: `test_outbound_email_policy_counts` at 3 recipients of at most 3.

The others are below: a golden that differs only in its outcome's `summary:` line, the at-capacity
branch's Connect ErrorType (asserted against literal Connect JSON, not the shared table), the
equals matcher's first duplicate operand, first-match-wins on inputs matching two conditions in
every kind of matcher, and transfer-to-queue's run step on its general paths (a queue or an agent
named by an attribute, its capacity remembered per queue across runs).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from flowrt.cli import main
from flowrt.connect.env import Environment
from flowrt.connect.export import export_flow
from flowrt.connect.files import Source
from flowrt.connect.importer import import_source
from flowrt.lang.blocks import BLOCKS, Flow
from flowrt.lang.compiler import Program
from flowrt.project.driver import load_project
from flowrt.run.trace import Result

# -- goldens: the outcome's summary line is compared too --------------------------------------

GOLDEN_FLOW = """\
flow: main
start: set-q
blocks:
  set-q:
    type: set-working-queue
    queue: Q
    next: to-q
  to-q:
    type: transfer-to-queue
    next: {success: done, at-capacity: full}
  done: {type: end-flow}
  full: {type: end-flow}
"""

#: The golden of case `room`, written out by hand (not by flowrt).
GOLDEN = """\
# flowrt golden of s.scenario.yaml::room
# Written by `flowrt test --update`: review a change here like a change of routing.
scenario: s
case: room
flow: main
outcome:
  summary: queued in Q
  kind: queued
  flow: main
  block: done
  queue: Q
  flows:
    - main
steps:
  - flow: main
    block: set-q
    type: set-working-queue
    branch: success
    next: to-q
    facts:
      - 'working queue: Q (was (none))'
  - flow: main
    block: to-q
    type: transfer-to-queue
    branch: success
    next: done
    facts:
      - 'default used: no state for Q in the world: 0 contacts in queue, oldest 0 s, 0 agents'
      - 'Q: 0 contact(s) in queue, capacity 10 (the queue''s maximum contacts in queue): room for the contact'
      - queued in Q
  - flow: main
    block: done
    type: end-flow
"""


def _golden_project(root: Path, golden: str) -> Path:
    (root / "instance.yaml").write_text("instance: t\nqueues:\n  Q: {max-contacts: 10}\n")
    (root / "main.flow.yaml").write_text(GOLDEN_FLOW)
    (root / "s.scenario.yaml").write_text("scenario: s\nflow: main\ncases:\n  room: {}\n")
    target = root / "__goldens__" / "s" / "room.golden.yaml"
    target.parent.mkdir(parents=True)
    target.write_text(golden)
    return target


def test_a_hand_written_golden_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _golden_project(tmp_path, GOLDEN)
    monkeypatch.chdir(tmp_path)
    assert main(["test", "."]) == 0
    assert (
        capsys.readouterr().out == "PASS s.scenario.yaml::room  queued in Q\n1 passed, 0 failed\n"
    )


def test_a_golden_differing_only_in_its_summary_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    changed = GOLDEN.replace("  summary: queued in Q\n", "  summary: queued in Elsewhere\n")
    assert changed.count("\n") == GOLDEN.count("\n") and changed != GOLDEN
    target = _golden_project(tmp_path, changed)
    monkeypatch.chdir(tmp_path)
    assert main(["test", "."]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[:3] == [
        "FAIL s.scenario.yaml::room  queued in Q",
        "     golden changed: __goldens__/s/room.golden.yaml",
        "       outcome changed from `queued in Elsewhere` to `queued in Q`",
    ]
    assert "     -  summary: queued in Elsewhere\n     +  summary: queued in Q\n" in out
    assert out.endswith("0 passed, 1 failed\n")
    assert target.read_text() == changed  # a comparison never writes


# -- Connect: TransferContactToQueue's QueueAtCapacity is the at-capacity branch ---------------

#: A TransferContactToQueue action as the flow language reference writes it (Errors
#: QueueAtCapacity and NoMatchingError), with the actions it leads to.
CONNECT_ACTIONS: list[dict[str, Any]] = [
    {
        "Identifier": "to-queue",
        "Type": "TransferContactToQueue",
        "Parameters": {},
        "Transitions": {
            "NextAction": "queued",
            "Errors": [
                {"NextAction": "busy", "ErrorType": "QueueAtCapacity"},
                {"NextAction": "failed", "ErrorType": "NoMatchingError"},
            ],
            "Conditions": [],
        },
    },
    {"Identifier": "queued", "Type": "EndFlowExecution", "Parameters": {}, "Transitions": {}},
    {"Identifier": "busy", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}},
    {"Identifier": "failed", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}},
]


def test_import_maps_queue_at_capacity_to_the_at_capacity_branch() -> None:
    content = {
        "Version": "2019-10-30",
        "StartAction": "to-queue",
        "Metadata": {"entryPointPosition": {"x": 1, "y": 2}, "ActionMetadata": {}},
        "Actions": CONNECT_ACTIONS,
    }
    wrapper = {"Name": "t", "Type": "CONTACT_FLOW"}
    flow = import_source(Source("t.json", "t", content, wrapper)).flow
    assert flow["blocks"]["to-queue"] == {
        "type": "transfer-to-queue",
        "next": {"success": "queued", "at-capacity": "busy", "error": "failed"},
    }


def test_export_writes_the_at_capacity_branch_as_queue_at_capacity() -> None:
    blocks_data = {
        "to-queue": {
            "type": "transfer-to-queue",
            "next": {"success": "queued", "at-capacity": "busy", "error": "failed"},
        },
        "queued": {"type": "end-flow"},
        "busy": {"type": "disconnect"},
        "failed": {"type": "disconnect"},
    }
    model = Flow.model_validate({"flow": "t", "start": "to-queue", "blocks": {}})
    blocks = {n: BLOCKS[b["type"]].model_validate(b) for n, b in blocks_data.items()}
    content, diags = export_flow(model, blocks, env=Environment())
    assert diags == [] and content is not None
    assert json.loads(json.dumps(content["Actions"])) == CONNECT_ACTIONS


# -- the equals matcher: the first of two equal operands wins ----------------------------------

MATCH_INSTANCE = """\
instance: t
arn: arn:aws:connect:us-east-1:111122223333:instance/abc
max-concurrent-contacts: 5
queues:
  Q: {max-contacts: 10}
  Open: {}
security-profiles:
  Agent: {permissions: [ccp]}
users:
  agent1: {id: u-0001, security-profile: Agent}
"""

ENDS = "  first: {type: end-flow}\n  second: {type: end-flow}\n  none: {type: end-flow}\n"


def _check(name: str, conditions: str, attribute: bool = True) -> str:
    head = f"flow: {name}\nstart: c\nblocks:\n  c:\n    type: check-contact-attributes\n"
    if attribute:
        head += "    attribute: $.Attributes.v\n"
    return head + f"    conditions:\n{conditions}    next: {{no-match: none}}\n" + ENDS


MATCH_FLOWS = {
    # every operand static and `equals`: the dictionary matcher
    "equals": _check(
        "equals",
        "      - {equals: a, next: first}\n      - {equals: a, next: second}\n"
        "      - {equals: 5, next: first}\n      - {equals: '5.0', next: second}\n"
        "      - {equals: '07', next: second}\n      - {equals: 7, next: first}\n",
    ),
    # every operand a number operator: the number matcher
    "numbers": _check(
        "numbers",
        "      - {number-greater-than: 5, next: first}\n"
        "      - {number-greater-or-equal: 5, next: second}\n",
    ),
    # `when:` conditions only
    "whens": _check(
        "whens",
        "      - {when: \"$.Attributes.v == 'a'\", next: first}\n"
        "      - {when: \"$.Attributes.v != ''\", next: second}\n",
        attribute=False,
    ),
    # operators of several kinds: the mixed matcher
    "mixed": _check(
        "mixed",
        "      - {text-starts-with: a, next: first}\n      - {equals: ab, next: second}\n"
        "      - {number-less-than: 10, next: first}\n      - {equals: 5, next: second}\n",
    ),
    # an operand read from an attribute: the general matcher (Runtime.match)
    "general": _check(
        "general",
        "      - {equals: $.Attributes.w, next: first}\n      - {equals: a, next: second}\n"
        "      - {number-greater-than: 1, next: first}\n      - {equals: 5, next: second}\n",
    ),
}


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> Program:
    root = tmp_path_factory.mktemp("survivors")
    (root / "instance.yaml").write_text(MATCH_INSTANCE)
    for name, text in {**MATCH_FLOWS, **QUEUE_FLOWS}.items():
        (root / f"{name}.flow.yaml").write_text(text)
    prog = load_project(str(root)).compile()
    assert [d.code for d in prog.diagnostics] == []
    return prog


def path(result: Result) -> list[str]:
    return [f"{block}:{branch}" for block, branch in result.branches()]


@pytest.mark.parametrize(
    ("flow", "value", "condition", "target"),
    [
        ("equals", "a", 1, "first"),  # the same text twice
        ("equals", "5", 3, "first"),  # `5` and `5.0` are the same number
        ("equals", "5.00", 3, "first"),
        ("equals", "5.0", 3, "first"),  # the text of the later one, the number of the earlier
        ("equals", "7", 5, "second"),  # `07` (earlier) is 7 as a number; `7` (later) is its text
        ("equals", "b", None, "none"),
        ("numbers", "6", 1, "first"),  # > 5 and >= 5
        ("numbers", "5", 2, "second"),
        ("whens", "a", 1, "first"),  # both are true
        ("whens", "b", 2, "second"),
        ("mixed", "ab", 1, "first"),  # starts with a, and equals ab
        ("mixed", "5", 3, "first"),  # < 10, and equals 5
        ("general", "a", 1, "first"),  # w holds a: the reference and the text
        ("general", "5", 3, "first"),  # > 1, and equals 5
    ],
)
def test_the_first_matching_condition_wins(
    program: Program, flow: str, value: str, condition: int | None, target: str
) -> None:
    attrs = {"v": value, "w": "a"} if flow == "general" else {"v": value}
    r = program.run({"attributes": attrs}, {}, flow=flow)
    branch = "no-match" if condition is None else f"condition-{condition}"
    assert path(r) == [f"c:{branch}", f"{target}:-"]


# -- transfer-to-queue: the queue or agent named by an attribute --------------------------------

ARN = "arn:aws:connect:us-east-1:111122223333:instance/abc/queue/"

QUEUE_FLOWS = {
    "move": """\
flow: move
type: customer-queue
start: move
blocks:
  move:
    type: transfer-to-queue
    queue: $.Attributes.q
    next: {success: say, at-capacity: say, error: failed}
  say: {type: play-prompt, text: "now in $.Queue.Name", next: done}
  done: {type: end-flow}
  failed: {type: end-flow}
""",
    "to-agent": """\
flow: to-agent
type: customer-queue
start: move
blocks:
  move:
    type: transfer-to-queue
    agent: $.Attributes.agent
    next: {success: done, at-capacity: done, error: failed}
  done: {type: end-flow}
  failed: {type: end-flow}
""",
}


def _move(program: Program, queue: str, contacts: dict[str, int]) -> Result:
    world = {"queues": {q: {"contacts-in-queue": n} for q, n in contacts.items()}}
    return program.run({"attributes": {"q": queue}, "queue": "Q"}, world, flow="move")


def _facts(r: Result, step: int) -> list[dict[str, Any]]:
    return [f for f in r.trace.steps()[step]["facts"] if f["kind"] != "default"]


@pytest.mark.parametrize(
    ("queue", "contacts", "branch", "now_in", "maximum"),
    [
        ("Open", 4, "success", "Open", 5),
        ("Open", 5, "at-capacity", "Q", 5),
        ("Q", 9, "success", "Q", 10),
        ("Q", 10, "at-capacity", "Q", 10),
    ],
)
def test_transfer_to_a_queue_named_by_an_attribute(
    program: Program, queue: str, contacts: int, branch: str, now_in: str, maximum: int
) -> None:
    r = _move(program, ARN + queue, {queue: contacts})
    assert path(r) == [f"move:{branch}", "say:success", "done:-"]
    assert r.outcome.describe() == f"queued in {now_in}"
    capacity, after = _facts(r, 0)
    assert (capacity["queue"], capacity["contacts"], capacity["maximum"]) == (
        queue,
        contacts,
        maximum,
    )
    if branch == "success":
        assert after == {"kind": "queued", "text": f"queued in {queue}", "queue": queue}
    else:
        assert after["message"] == "the contact stays in its working queue Q"
    assert _facts(r, 1)[0]["prompt"] == f"now in {now_in}"


def test_capacity_is_remembered_per_queue_across_runs(program: Program) -> None:
    """The step keeps each queue's capacity once worked out: per queue, never per block."""
    assert path(_move(program, ARN + "Q", {"Q": 7}))[0] == "move:success"  # at most 10
    assert path(_move(program, ARN + "Open", {"Open": 7}))[0] == "move:at-capacity"  # at most 5
    assert path(_move(program, ARN + "Q", {"Q": 7}))[0] == "move:success"


def test_transfer_to_a_queue_attribute_that_holds_nothing_takes_error(program: Program) -> None:
    r = _move(program, "", {})
    assert path(r) == ["move:error", "failed:-"]
    assert _facts(r, 0) == [
        {
            "kind": "error",
            "text": "error: $.Attributes.q is empty; it must hold a queue ARN",
            "message": "$.Attributes.q is empty; it must hold a queue ARN",
        }
    ]


@pytest.mark.parametrize(("contacts", "branch"), [(4, "success"), (5, "at-capacity")])
def test_transfer_to_an_agent_named_by_an_attribute(
    program: Program, contacts: int, branch: str
) -> None:
    world = {"agent-queues": {"agent1": {"contacts-in-queue": contacts}}}
    contact = {"attributes": {"agent": "u-0001"}, "queue": "Q"}
    r = program.run(contact, world, flow="to-agent")
    assert path(r) == [f"move:{branch}", "done:-"]
    capacity = next(f for f in _facts(r, 0) if f["kind"] == "capacity")
    assert (capacity["queue"], capacity["maximum"], capacity["source"]) == (
        "agent queue of agent1",
        5,
        "the instance's max-concurrent-contacts",
    )
    expected = "queued in agent queue of agent1" if branch == "success" else "queued in Q"
    assert r.outcome.describe() == expected
