"""Tests for the interpreter (flowrt run): every seed rule and the run steps of every block."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from flowrt.core.diagnostics import FlowrtError
from flowrt.lang.compiler import Program
from flowrt.project.driver import load_project
from flowrt.run.trace import Result

INSTANCE = """
instance: test
arn: arn:aws:connect:us-east-1:111122223333:instance/abc
max-concurrent-contacts: 5
hours-of-operation:
  Office: {time-zone: America/New_York, days: {monday: "09:00-17:00"}}
queues:
  Q: {max-contacts: 10, hours: Office}
  Open: {}
security-profiles:
  Agent: {permissions: [ccp]}
  Analyst: {permissions: [view-reports]}
users:
  agent1: {id: u-0001, security-profile: Agent}
  analyst: {id: u-0002, security-profile: Analyst}
phone-numbers:
  "+18005550111": {flow: route}
lambda-functions:
  fn: {}
"""

FLOWS = {
    "route": """
flow: route
start: set-q
blocks:
  set-q:
    type: set-working-queue
    queue: $.Attributes.q
    next: {success: to-q, error: bad-queue}
  to-q:
    type: transfer-to-queue
    next: {success: queued, at-capacity: full, error: no-queue}
  queued: {type: end-flow}
  full: {type: disconnect}
  bad-queue: {type: disconnect}
  no-queue: {type: disconnect}
""",
    "static-q": """
flow: static-q
start: set-q
blocks:
  set-q:
    type: set-working-queue
    queue: Q
    next: to-q
  to-q:
    type: transfer-to-queue
    next: {success: queued, at-capacity: full}
  queued: {type: end-flow}
  full: {type: end-flow}
""",
    "by-agent": """
flow: by-agent
start: set-a
blocks:
  set-a:
    type: set-working-queue
    agent: $.Attributes.agent
    next: {success: to-q, error: bad}
  to-q:
    type: transfer-to-queue
    next: {success: queued}
  queued: {type: end-flow}
  bad: {type: disconnect}
""",
    "phone": """
flow: phone
start: xfer
blocks:
  xfer:
    type: transfer-to-phone-number
    phone-number: "+18005550100"
    resume-after-disconnect: true
    dtmf: $.Attributes.dtmf
    caller-id: {number: "+18005550111", name: Test}
    next: {success: ok, call-failed: failed, timeout: slow, error: err}
  ok: {type: end-flow}
  failed: {type: end-flow}
  slow: {type: end-flow}
  err: {type: end-flow}
""",
    "phone-once": """
flow: phone-once
start: xfer
blocks:
  xfer:
    type: transfer-to-phone-number
    phone-number: $.Attributes.number
    next: {error: err}
  err: {type: end-flow}
""",
    "checks": """
flow: checks
start: check
blocks:
  check:
    type: check-contact-attributes
    attribute: $.Attributes.n
    conditions:
      - number-greater-than: 5
        next: big
      - equals: 5
        next: five
      - text-starts-with: ab
        next: ab
    next: {no-match: other}
  big: {type: end-flow}
  five: {type: end-flow}
  ab: {type: end-flow}
  other: {type: end-flow}
""",
    "loop": """
flow: loop
start: say
blocks:
  say:
    type: play-prompt
    text: again
    next: check
  check:
    type: check-contact-attributes
    attribute: $.Attributes.stop
    conditions:
      - equals: "yes"
        next: done
    next: {no-match: say}
  done: {type: end-flow}
""",
    "hand-off": """
flow: hand-off
start: set
blocks:
  set:
    type: set-contact-attributes
    attributes: {q: "arn:aws:connect:us-east-1:111122223333:instance/abc/queue/Open", n: 7}
    next: go
  go:
    type: transfer-to-flow
    flow: route
    next: {error: oops}
  oops: {type: disconnect}
""",
    "lam": """
flow: lam
start: call
blocks:
  call:
    type: invoke-lambda
    function: fn
    parameters: {who: $.Attributes.name}
    next: {success: check, error: failed}
  check:
    type: check-contact-attributes
    attribute: $.External.tier
    conditions:
      - equals: gold
        next: gold
    next: {no-match: call}
  gold: {type: end-flow}
  failed: {type: end-flow}
""",
    "hours": """
flow: hours
start: set
blocks:
  set:
    type: set-working-queue
    queue: Q
    next: h
  h:
    type: check-hours-of-operation
    next: {in-hours: open, out-of-hours: closed, error: err}
  open: {type: end-flow}
  closed: {type: end-flow}
  err: {type: end-flow}
""",
    "input": """
flow: input
start: menu
blocks:
  menu:
    type: get-customer-input
    text: "Press 1"
    conditions:
      - equals: "1"
        next: one
    next: {timeout: menu, no-match: other, error: other}
  one: {type: end-flow}
  other: {type: end-flow}
""",
    "metrics": """
flow: metrics
start: set
blocks:
  set:
    type: set-working-queue
    queue: Open
    next: staff
  staff:
    type: check-staffing
    status: staffed
    next: {"true": m, "false": nobody}
  m:
    type: get-queue-metrics
    next: status
  status:
    type: check-queue-status
    metric: contacts-in-queue
    conditions:
      - number-greater-or-equal: 3
        next: busy
    next: {no-match: quiet}
  busy: {type: end-flow}
  quiet: {type: end-flow}
  nobody: {type: end-flow}
""",
    "cq": """
flow: cq
type: customer-queue
start: hold
blocks:
  hold:
    type: loop-prompts
    prompts: [{text: "Please hold"}]
    interrupt-seconds: 60
    next: {timeout: move}
  move:
    type: transfer-to-queue
    queue: Open
    next: {success: done, at-capacity: hold}
  done: {type: end-flow}
""",
    "policy": """
flow: policy
type: outbound-email
start: p
blocks:
  p:
    type: outbound-email-policy
    allowed-domains: [example.com]
    blocked-domains: [gmail.com]
    max-recipients: 3
    approval-above: 1
    next: {allowed: a, denied: d, needs-approval: n, error: e}
  a: {type: end-flow}
  d: {type: end-flow}
  n: {type: end-flow}
  e: {type: end-flow}
""",
    "pass": """
flow: pass
start: log
blocks:
  log:
    type: connect-action
    action: UpdateFlowLoggingBehavior
    parameters: {FlowLoggingBehavior: Enabled}
    next: say
  say:
    type: send-message
    text: "Hi $.Attributes.name"
    next: {error: done}
  done: {type: end-flow}
""",
}


@pytest.fixture(scope="module")
def project_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("proj")
    (root / "instance.yaml").write_text(INSTANCE)
    for name, text in FLOWS.items():
        (root / f"{name}.flow.yaml").write_text(text)
    return root


@pytest.fixture(scope="module")
def program(project_dir: Path) -> Program:
    project = load_project(str(project_dir))
    prog = project.compile()
    assert not [d for d in prog.diagnostics if d.is_error]
    return prog


def go(
    program: Program,
    flow: str,
    attrs: dict[str, Any] | None = None,
    world: dict[str, Any] | None = None,
    **contact: Any,
) -> Result:
    return program.run({"attributes": attrs or {}, **contact}, world or {}, flow=flow)


def path(result: Result) -> list[str]:
    return [f"{block}:{branch}" for block, branch in result.branches()]


ARN = "arn:aws:connect:us-east-1:111122223333:instance/abc/queue/"


# -- transfer to queue: capacity (seed 002) --------------------------------------------------


def test_capacity_one_below_the_queue_maximum_queues(program: Program) -> None:
    r = go(program, "static-q", world={"queues": {"Q": {"contacts-in-queue": 9}}})
    assert path(r) == ["set-q:success", "to-q:success", "queued:-"]
    assert r.outcome.kind == "queued" and r.outcome.queue == "Q"


def test_capacity_at_the_queue_maximum_is_at_capacity(program: Program) -> None:
    r = go(program, "static-q", world={"queues": {"Q": {"contacts-in-queue": 10}}})
    assert path(r) == ["set-q:success", "to-q:at-capacity", "full:-"]
    assert r.outcome.kind == "ended"
    facts = r.trace.steps()[1]["facts"]
    assert facts[0]["kind"] == "capacity"
    assert (facts[0]["contacts"], facts[0]["maximum"], facts[0]["full"]) == (10, 10, True)
    assert "stays in its working queue Q" in facts[1]["text"]


@pytest.mark.parametrize(("contacts", "branch"), [(4, "success"), (5, "at-capacity")])
def test_capacity_without_a_queue_maximum_uses_the_instance_limit(
    program: Program, contacts: int, branch: str
) -> None:
    r = go(
        program, "route", {"q": ARN + "Open"}, {"queues": {"Open": {"contacts-in-queue": contacts}}}
    )
    assert path(r)[1] == f"to-q:{branch}"
    assert "max-concurrent-contacts" in r.trace.steps()[1]["facts"][0]["source"]


def test_transfer_to_queue_without_a_working_queue_takes_error(program: Program) -> None:
    r = go(program, "by-agent", {"agent": ""})
    assert path(r) == ["set-a:error", "bad:-"]


# -- set working queue -------------------------------------------------------------------------


def test_queue_attribute_holding_a_queue_arn(program: Program) -> None:
    r = go(program, "route", {"q": ARN + "Q"})
    assert path(r) == ["set-q:success", "to-q:success", "queued:-"]
    assert r.outcome.describe() == "queued in Q"


def test_queue_attribute_holding_a_queue_name_is_an_error(program: Program) -> None:
    r = go(program, "route", {"q": "Q"})
    assert path(r) == ["set-q:error", "bad-queue:-"]
    assert "must hold the queue ARN" in r.trace.steps()[0]["facts"][0]["message"]


@pytest.mark.parametrize("who", ["agent1", "u-0001"])
def test_agent_by_user_name_and_by_user_id(program: Program, who: str) -> None:
    r = go(program, "by-agent", {"agent": who})
    assert path(r) == ["set-a:success", "to-q:success", "queued:-"]
    assert r.outcome.queue == "agent queue of agent1"


def test_agent_without_ccp_permission_warns(program: Program) -> None:
    r = go(program, "by-agent", {"agent": "analyst"})
    assert r.outcome.kind == "queued"
    warnings = [f for f in r.trace.steps()[0]["facts"] if f["kind"] == "warning"]
    assert warnings and "can never be answered" in warnings[0]["message"]


def test_unknown_agent_takes_error(program: Program) -> None:
    r = go(program, "by-agent", {"agent": "nobody"})
    assert path(r) == ["set-a:error", "bad:-"]


# -- transfer to phone number ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [("answered", "ok"), ("call-failed", "failed"), ("timeout", "slow"), ("error", "err")],
)
def test_transfer_with_resume_follows_the_outcome(
    program: Program, outcome: str, expected: str
) -> None:
    r = go(program, "phone", {"dtmf": "1"}, {"external": {"+18005550100": outcome}})
    assert path(r)[1] == f"{expected}:-"


def test_transfer_with_resume_that_never_returns(program: Program) -> None:
    r = go(program, "phone", {}, {"external": {"+18005550100": "never-returns"}})
    assert r.outcome.kind == "transferred-to-number"
    assert r.outcome.number == "+18005550100"


def test_transfer_default_outcome_is_answered_and_flagged(program: Program) -> None:
    r = go(program, "phone", {"dtmf": "12"})
    assert path(r) == ["xfer:success", "ok:-"]
    assert any(f["kind"] == "default" for f in r.trace.steps()[0]["facts"])


@pytest.mark.parametrize(("length", "branch"), [(50, "success"), (51, "error")])
def test_dtmf_from_an_attribute_at_most_50(program: Program, length: int, branch: str) -> None:
    r = go(program, "phone", {"dtmf": "1" * length})
    assert path(r)[0] == f"xfer:{branch}"


def test_transfer_without_resume_ends_the_flow(program: Program) -> None:
    r = go(program, "phone-once", {"number": "+18005550100"})
    assert path(r) == ["xfer:-"]
    assert r.outcome.describe() == "transferred to number +18005550100"


@pytest.mark.parametrize("outcome", ["call-failed", "timeout"])
def test_transfer_without_resume_failing_takes_error(program: Program, outcome: str) -> None:
    r = go(
        program, "phone-once", {"number": "+18005550100"}, {"external": {"+18005550100": outcome}}
    )
    assert path(r) == ["xfer:error", "err:-"]


def test_transfer_to_phone_is_voice_only(program: Program) -> None:
    r = go(program, "phone-once", {"number": "+18005550100"}, channel="CHAT")
    assert path(r) == ["xfer:error", "err:-"]


def test_external_outcomes_sequence_per_call(program: Program) -> None:
    world = {"external": {"+18005550100": ["timeout", "answered"]}}
    r = go(program, "phone", {}, world)
    assert path(r) == ["xfer:timeout", "slow:-"]


# -- check contact attributes ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "condition", "target"),
    [
        ("7", 1, "big"),
        ("50", 1, "big"),  # > 5 and starts with 5: the first wins
        ("5", 2, "five"),  # equals 5 and starts with 5
        ("5.0", 2, "five"),  # equals 5 (as a number) and starts with 5
        ("abc", 3, "ab"),  # starts with ab and contains b
        ("b", 5, "has-b"),
        ("x", None, "other"),
        ("", None, "other"),
    ],
)
def test_first_matching_condition_wins(
    tmp_path: Path, value: str, condition: int | None, target: str
) -> None:
    # The `checks` flow's conditions, then two that overlap them: an input can match two.
    flow = FLOWS["checks"].replace("flow: checks", "flow: overlap") + (
        "  starts-5: {type: end-flow}\n  has-b: {type: end-flow}\n"
    )
    flow = flow.replace(
        "    next: {no-match: other}",
        "      - text-starts-with: '5'\n        next: starts-5\n"
        "      - text-contains: b\n        next: has-b\n    next: {no-match: other}",
    )
    (tmp_path / "overlap.flow.yaml").write_text(flow)
    overlap = load_project(str(tmp_path)).compile()
    r = go(overlap, "overlap", {"n": value})
    branch = "no-match" if condition is None else f"condition-{condition}"
    assert path(r) == [f"check:{branch}", f"{target}:-"]


def test_non_number_with_a_number_operator_is_no_match(program: Program) -> None:
    r = go(program, "checks", {"n": "lots"})
    assert path(r) == ["check:no-match", "other:-"]
    kinds = [f["kind"] for f in r.trace.steps()[0]["facts"]]
    assert "not-a-number" in kinds


def test_missing_reference_is_empty_and_flagged(program: Program) -> None:
    r = go(program, "checks")
    assert path(r) == ["check:no-match", "other:-"]
    assert r.trace.steps()[0]["missing"] == ["$.Attributes.n"]


# -- flows, loops, Lambdas -----------------------------------------------------------------------


def test_transfer_to_flow_carries_attributes(program: Program) -> None:
    r = go(program, "hand-off", world={"queues": {"Open": {"contacts-in-queue": 1}}})
    assert path(r) == ["set:success", "go:-", "set-q:success", "to-q:success", "queued:-"]
    assert r.outcome.flows == ("hand-off", "route")
    assert r.outcome.describe() == "transferred to flow route, then queued in Open"


def test_step_limit_names_the_cycle(program: Program) -> None:
    r = program.run({}, {}, flow="loop", max_steps=50)
    assert r.outcome.kind == "step-limit"
    assert r.outcome.cycle == ("say", "check", "say")
    assert [d.code for d in r.diagnostics] == ["FR107"]
    assert not r.ok


def test_lambda_responses_by_call_number_and_range(program: Program) -> None:
    world = {
        "lambdas": {
            "fn": {
                "1": {"returns": {"tier": "silver"}},
                "2-3": {"returns": {"tier": "bronze"}},
                "4": {"returns": {"tier": "gold"}},
            }
        }
    }
    r = go(program, "lam", {"name": "Al"}, world)
    assert path(r) == ["call:success", "check:no-match"] * 3 + [
        "call:success",
        "check:condition-1",
        "gold:-",
    ]
    first = r.trace.steps()[0]["facts"][0]
    assert first["parameters"] == {"who": "Al"} and first["call"] == 1


def test_lambda_error(program: Program) -> None:
    r = go(program, "lam", {}, {"lambdas": {"fn": {"1": {"error": "Timeout"}}}})
    assert path(r) == ["call:error", "failed:-"]


def test_lambda_without_mock_returns_empty_and_is_flagged(program: Program) -> None:
    r = program.run({}, {}, flow="lam", max_steps=4)
    assert r.outcome.kind == "step-limit"
    assert r.trace.steps()[0]["facts"][0]["kind"] == "default"


# -- hours, input, metrics, queue flows, email -------------------------------------------------


@pytest.mark.parametrize(
    ("clock", "target"),
    [
        ("2026-11-23T09:00:00-05:00", "open"),
        ("2026-11-23T08:59:00-05:00", "closed"),
        ("2026-11-23T22:30:00Z", "closed"),
        ("2026-11-23T21:59:00Z", "open"),
    ],
)
def test_hours_of_the_working_queue(program: Program, clock: str, target: str) -> None:
    r = go(program, "hours", world={"clock": clock})
    assert path(r)[1:] == [f"h:{'in-hours' if target == 'open' else 'out-of-hours'}", f"{target}:-"]


def test_customer_input_per_visit(program: Program) -> None:
    r = go(program, "input", world={"input": {"menu": ["timeout", "1"]}})
    assert path(r) == ["menu:timeout", "menu:condition-1", "one:-"]
    r = go(program, "input", world={"input": {"menu": "7"}})
    assert path(r) == ["menu:no-match", "other:-"]


def test_metrics_blocks_read_the_world(program: Program) -> None:
    world = {"queues": {"Open": {"contacts-in-queue": 3, "agents": {"staffed": 1}}}}
    r = go(program, "metrics", world=world)
    assert path(r) == ["set:success", "staff:true", "m:success", "status:condition-1", "busy:-"]
    r = go(program, "metrics")
    assert path(r) == ["set:success", "staff:false", "nobody:-"]


def test_loop_prompts_interrupts_then_moves_queue(program: Program) -> None:
    world = {"queues": {"Open": {"contacts-in-queue": 5}}}
    r = go(program, "cq", world=world, queue="Q")
    # Open is full, so the move never happens and nobody answers in Q: the loop would go on
    # until an agent answers; the run ends queued in Q after an hour of waits.
    assert r.outcome.describe() == "queued in Q"
    assert r.trace.steps()[-1]["facts"][-1]["text"].startswith("no agent answers in 3600 s")
    r = go(program, "cq", world={}, queue="Q")
    assert path(r) == ["hold:timeout", "move:success", "done:-"]
    assert r.outcome.describe() == "queued in Open"


def test_loop_prompts_answered_by_an_agent(program: Program) -> None:
    r = go(program, "cq", world={"queues": {"Q": {"answer-after": 30}}}, queue="Q")
    assert path(r) == ["hold:-"]
    assert r.outcome.describe() == "queued in Q"


@pytest.mark.parametrize(
    ("to", "cc", "target"),
    [
        (["a@example.com"], [], "a"),
        (["a@gmail.com"], [], "d"),
        (["a@other.org"], [], "d"),
        (["a@example.com"], ["b@example.com"], "n"),
        (["a@example.com"], ["b@example.com", "c@example.com", "d@example.com"], "d"),
        ([], [], "e"),
        (["a@example.com", "b@example.com"], [], "d"),
    ],
)
def test_outbound_email_policy(program: Program, to: list[str], cc: list[str], target: str) -> None:
    r = program.run({"channel": "EMAIL", "email": {"to": to, "cc": cc}}, {}, flow="policy")
    assert path(r)[1] == f"{target}:-"


def test_connect_action_is_passed_through(program: Program) -> None:
    r = go(program, "pass", {"name": "Bo"})
    assert path(r) == ["log:success", "say:success"]
    assert r.trace.steps()[0]["facts"][0]["kind"] == "not-simulated"
    assert r.outcome.kind == "disconnected"
    assert "not connected" in (r.outcome.reason or "")


def test_fault_injection_drives_error_branches(program: Program) -> None:
    r = go(program, "pass", world={"errors": ["say"]})
    assert path(r) == ["log:success", "say:error", "done:-"]


def test_error_branch_not_connected_is_an_error_outcome(program: Program) -> None:
    r = go(program, "static-q", world={"errors": ["to-q"]})
    assert r.outcome.kind == "error" and not r.ok


def test_flow_chosen_by_the_system_endpoint(program: Program) -> None:
    r = program.run({"system-endpoint": "+18005550111", "attributes": {"q": ARN + "Q"}})
    assert r.outcome.flow == "route"


# -- the API and determinism ---------------------------------------------------------------------


def test_contact_attribute_limits_are_enforced(program: Program) -> None:
    with pytest.raises(FlowrtError):
        program.run({"attributes": {"bad key": "x"}}, {}, flow="checks")
    with pytest.raises(FlowrtError):
        program.run({"attributes": {"big": "x" * 40_000}}, {}, flow="checks")


def test_json_is_identical_across_runs(program: Program) -> None:
    # Written out by hand: what the run of `hand-off` must give, every time.
    namespace = uuid.UUID("5a1e6c3e-0f1b-4c7e-9a52-6b7a1f0e2d41")  # contact IDs are uuid5
    open_arn = ARN + "Open"
    capacity = "Open: 1 contact(s) in queue, capacity 5 (the instance's max-concurrent-contacts)"
    expected = {
        "contact-id": str(uuid.uuid5(namespace, "flowrt/hand-off")),
        "diagnostics": [],
        "outcome": {
            "block": "queued",
            "flow": "route",
            "flows": ["hand-off", "route"],
            "kind": "queued",
            "queue": "Open",
            "summary": "transferred to flow route, then queued in Open",
        },
        "steps": [
            {
                "step": 1,
                "flow": "hand-off",
                "block": "set",
                "type": "set-contact-attributes",
                "branch": "success",
                "next": "go",
                "missing": [],
                "facts": [
                    {
                        "kind": "set",
                        "key": "q",
                        "old": None,
                        "new": open_arn,
                        "text": f'$.Attributes.q = "{open_arn}" (was (unset))',
                    },
                    {
                        "kind": "set",
                        "key": "n",
                        "old": None,
                        "new": "7",
                        "text": '$.Attributes.n = "7" (was (unset))',
                    },
                ],
            },
            {
                "step": 2,
                "flow": "hand-off",
                "block": "go",
                "type": "transfer-to-flow",
                "branch": None,
                "next": None,
                "missing": [],
                "facts": [{"kind": "flow", "flow": "route", "text": "transfer to flow route"}],
            },
            {
                "step": 3,
                "flow": "route",
                "block": "set-q",
                "type": "set-working-queue",
                "branch": "success",
                "next": "to-q",
                "missing": [],
                "facts": [
                    {
                        "kind": "working-queue",
                        "queue": "Open",
                        "previous": "(none)",
                        "text": "working queue: Open (was (none))",
                    }
                ],
            },
            {
                "step": 4,
                "flow": "route",
                "block": "to-q",
                "type": "transfer-to-queue",
                "branch": "success",
                "next": "queued",
                "missing": [],
                "facts": [
                    {
                        "kind": "capacity",
                        "queue": "Open",
                        "contacts": 1,
                        "maximum": 5,
                        "source": "the instance's max-concurrent-contacts",
                        "full": False,
                        "text": capacity + ": room for the contact",
                    },
                    {"kind": "queued", "queue": "Open", "text": "queued in Open"},
                ],
            },
            {
                "step": 5,
                "flow": "route",
                "block": "queued",
                "type": "end-flow",
                "branch": None,
                "next": None,
                "missing": [],
                "facts": [],
            },
        ],
    }
    text = json.dumps(expected, sort_keys=True)

    def dump() -> str:
        r = go(program, "hand-off", world={"queues": {"Open": {"contacts-in-queue": 1}}})
        return json.dumps(r.as_json(), sort_keys=True)

    assert dump() == text
    # A run of the same flow in between, in another world (Open full), changes nothing after it.
    full = go(program, "hand-off", world={"queues": {"Open": {"contacts-in-queue": 5}}})
    assert full.outcome.describe() == "transferred to flow route, then disconnected"
    assert dump() == text
