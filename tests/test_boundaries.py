"""Every limit and comparison of the domain at its edge: one below, at the limit, one above.

Each test asserts the exact outcome on both sides of the edge (the branch taken, the outcome's
kind, the diagnostic's code, message and position), so an off-by-one in any comparison fails here.
The limits are those of docs/language.md (## Limits, the block reference) and docs/email.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from flowrt.core.diagnostics import Diagnostic, FlowrtError
from flowrt.email.request import parse_request, shape_problems
from flowrt.lang.compiler import Program
from flowrt.lang.loader import DEFAULT_LIMITS, Limits, LoadError, decode, load_text, read_text
from flowrt.project.driver import check_paths, load_project
from flowrt.run.trace import Result

ARN = "arn:aws:connect:us-east-1:111122223333:instance/abc"

INSTANCE = f"""
instance: bounds
arn: {ARN}
max-concurrent-contacts: 5
hours-of-operation:
  Office: {{time-zone: America/New_York, days: {{monday: "09:00-17:00"}}}}
  Night: {{time-zone: UTC, days: {{monday: "22:00-06:00"}}}}
  Evening: {{time-zone: UTC, days: {{monday: "18:00-24:00"}}}}
queues:
  Q: {{max-contacts: 10, hours: Office}}
  Zero: {{max-contacts: 0}}
  Open: {{}}
"""

END = "  ok: {type: end-flow}\n  other: {type: end-flow}\n"

FLOWS = {
    "capacity": """
flow: capacity
start: set-q
blocks:
  set-q:
    type: set-working-queue
    queue: $.Attributes.q
    next: {success: to-q, error: other}
  to-q:
    type: transfer-to-queue
    next: {success: ok, at-capacity: full, error: other}
  full: {type: end-flow}
""",
    "hours-of-queue": """
flow: hours-of-queue
start: set-q
blocks:
  set-q:
    type: set-working-queue
    queue: Q
    next: h
  h:
    type: check-hours-of-operation
    next: {in-hours: ok, out-of-hours: other, error: other}
""",
    # The block's own `hours` win over the working queue's (Q has Office hours).
    "hours-night": """
flow: hours-night
start: set-q
blocks:
  set-q:
    type: set-working-queue
    queue: Q
    next: h
  h:
    type: check-hours-of-operation
    hours: Night
    next: {in-hours: ok, out-of-hours: other, error: other}
""",
    "hours-evening": """
flow: hours-evening
start: h
blocks:
  h:
    type: check-hours-of-operation
    hours: Evening
    next: {in-hours: ok, out-of-hours: other, error: other}
""",
    "phone": """
flow: phone
start: xfer
blocks:
  xfer:
    type: transfer-to-phone-number
    phone-number: "+18005550100"
    timeout-seconds: $.Attributes.t
    dtmf: $.Attributes.d
    resume-after-disconnect: true
    next: {success: ok, error: other}
""",
    "set": """
flow: set
start: set
blocks:
  set:
    type: set-contact-attributes
    attributes: {b: $.Attributes.v}
    next: {success: ok, error: other}
""",
    "say": """
flow: say
start: say
blocks:
  say:
    type: play-prompt
    text: $.Attributes.t$.Attributes.t$.Attributes.u
    next: {success: ok, error: other}
""",
    "three-steps": """
flow: three-steps
start: a
blocks:
  a: {type: play-prompt, text: one, next: b}
  b: {type: play-prompt, text: two, next: ok}
""",
    "hold": """
flow: hold
type: customer-queue
start: hold
blocks:
  hold:
    type: loop-prompts
    prompts: [{text: Please hold}]
    interrupt-seconds: 60
    next: {timeout: again}
  again: {type: play-prompt, text: Still waiting, next: hold}
""",
    "policy-max": """
flow: policy-max
type: outbound-email
start: p
blocks:
  p:
    type: outbound-email-policy
    max-recipients: 3
    next: {allowed: ok, denied: other}
""",
    "policy-approval": """
flow: policy-approval
type: outbound-email
start: p
blocks:
  p:
    type: outbound-email-policy
    approval-above: 2
    next: {allowed: ok, denied: other, needs-approval: approval}
  approval: {type: end-flow}
""",
    "policy-none": """
flow: policy-none
type: outbound-email
start: p
blocks:
  p:
    type: outbound-email-policy
    approval-above: 0
    next: {allowed: ok, denied: other, needs-approval: approval}
  approval: {type: end-flow}
""",
}


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> Program:
    root = tmp_path_factory.mktemp("bounds")
    (root / "instance.yaml").write_text(INSTANCE, encoding="utf-8")
    for name, text in FLOWS.items():
        (root / f"{name}.flow.yaml").write_text(text + END, encoding="utf-8")
    prog = load_project(str(root)).compile()
    assert {d.code for d in prog.diagnostics} == {"FR030"}  # `ok` or `other` unused here and there
    return prog


def go(
    program: Program,
    flow: str,
    attrs: dict[str, str] | None = None,
    world: dict[str, Any] | None = None,
    **contact: Any,
) -> Result:
    return program.run({"attributes": attrs or {}, **contact}, world or {}, flow=flow)


def path(result: Result) -> list[str]:
    return [f"{block}:{branch}" for block, branch in result.branches()]


def facts(result: Result, step: int, kind: str) -> list[dict[str, Any]]:
    return [f for f in result.trace.steps()[step]["facts"] if f["kind"] == kind]


def found(root: Path) -> list[tuple[str, str, str, int, int]]:
    """Every diagnostic of the project at `root`: (code, file name, message, line, column)."""
    diags, _ = check_paths([str(root)])
    return [shown(d) for d in diags]


def shown(d: Diagnostic) -> tuple[str, str, str, int, int]:
    assert d.span is not None, d
    return (d.code, Path(d.span.file).name, d.message, d.span.line, d.span.column)


def project(root: Path, files: dict[str, str], instance: str | None = "instance: t\n") -> Path:
    if instance is not None:
        (root / "instance.yaml").write_text(instance, encoding="utf-8")
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def one_block(body: str, flow_type: str = "contact") -> str:
    """A flow whose start block `b` has `body` (indented four spaces) and goes to `done`."""
    return (
        f"flow: f\ntype: {flow_type}\nstart: b\nblocks:\n  b:\n{body}\n  done: {{type: end-flow}}\n"
    )


# -- transfer-to-queue: capacity (contacts >= maximum is at capacity) ---------------------------


@pytest.mark.parametrize(
    ("queue", "contacts", "branch", "maximum", "source"),
    [
        ("Q", 9, "success", 10, "the queue's maximum contacts in queue"),
        ("Q", 10, "at-capacity", 10, "the queue's maximum contacts in queue"),
        ("Q", 11, "at-capacity", 10, "the queue's maximum contacts in queue"),
        ("Zero", 0, "at-capacity", 0, "the queue's maximum contacts in queue"),
        ("Open", 4, "success", 5, "the instance's max-concurrent-contacts"),
        ("Open", 5, "at-capacity", 5, "the instance's max-concurrent-contacts"),
        ("Open", 6, "at-capacity", 5, "the instance's max-concurrent-contacts"),
    ],
)
def test_capacity_edges(
    program: Program, queue: str, contacts: int, branch: str, maximum: int, source: str
) -> None:
    world = {"queues": {queue: {"contacts-in-queue": contacts}}}
    r = go(program, "capacity", {"q": f"{ARN}/queue/{queue}"}, world)
    full = branch == "at-capacity"
    assert path(r) == ["set-q:success", f"to-q:{branch}", "full:-" if full else "ok:-"]
    assert r.outcome.kind == ("ended" if full else "queued")
    assert r.outcome.queue == (None if full else queue)
    (capacity,) = facts(r, 1, "capacity")
    assert (capacity["contacts"], capacity["maximum"], capacity["source"], capacity["full"]) == (
        contacts,
        maximum,
        source,
        full,
    )


@pytest.mark.parametrize(("contacts", "branch"), [(99, "success"), (100, "at-capacity")])
def test_capacity_without_an_instance_file_is_the_default_limit(
    tmp_path: Path, contacts: int, branch: str
) -> None:
    flow = (
        "flow: f\nstart: s\nblocks:\n"
        "  s: {type: set-working-queue, queue: Somewhere, next: t}\n"
        "  t: {type: transfer-to-queue, next: {success: ok, at-capacity: full}}\n"
        "  ok: {type: end-flow}\n  full: {type: end-flow}\n"
    )
    project(tmp_path, {"f.flow.yaml": flow}, instance=None)
    prog = load_project(str(tmp_path)).compile()
    r = prog.run({}, {"queues": {"Somewhere": {"contacts-in-queue": contacts}}}, flow="f")
    assert path(r)[1] == f"t:{branch}"
    (capacity,) = facts(r, 1, "capacity")
    assert (capacity["maximum"], capacity["source"]) == (
        100,
        "the default instance limit (no instance file)",
    )


# -- hours of operation: the opening minute is in, the closing minute is out ------------------


@pytest.mark.parametrize(
    ("flow", "clock", "branch"),
    [
        # Office: Monday 09:00-17:00 in New York (UTC-5 in November); 2026-11-23 is a Monday.
        ("hours-of-queue", "2026-11-23T08:59:00-05:00", "out-of-hours"),
        ("hours-of-queue", "2026-11-23T09:00:00-05:00", "in-hours"),
        ("hours-of-queue", "2026-11-23T16:59:59-05:00", "in-hours"),
        ("hours-of-queue", "2026-11-23T17:00:00-05:00", "out-of-hours"),
        ("hours-of-queue", "2026-11-23T17:01:00-05:00", "out-of-hours"),
        ("hours-of-queue", "2026-11-23T22:00:00Z", "out-of-hours"),  # 17:00 in New York
        ("hours-of-queue", "2026-11-23T21:59:00Z", "in-hours"),  # 16:59 in New York
        ("hours-of-queue", "2026-11-24T10:00:00-05:00", "out-of-hours"),  # Tuesday: not listed
        # Night: Monday 22:00-06:00 UTC, an end before the start wraps past midnight on that day.
        ("hours-night", "2026-11-23T21:59:00Z", "out-of-hours"),
        ("hours-night", "2026-11-23T22:00:00Z", "in-hours"),
        ("hours-night", "2026-11-23T23:59:00Z", "in-hours"),
        ("hours-night", "2026-11-23T00:00:00Z", "in-hours"),
        ("hours-night", "2026-11-23T05:59:00Z", "in-hours"),
        ("hours-night", "2026-11-23T06:00:00Z", "out-of-hours"),
        ("hours-night", "2026-11-23T12:00:00-05:00", "out-of-hours"),  # the queue's are ignored
        ("hours-night", "2026-11-24T01:00:00Z", "out-of-hours"),  # Tuesday: not listed
        # Evening: Monday 18:00-24:00 UTC, `24:00` ends the day.
        ("hours-evening", "2026-11-23T17:59:00Z", "out-of-hours"),
        ("hours-evening", "2026-11-23T18:00:00Z", "in-hours"),
        ("hours-evening", "2026-11-23T23:59:59Z", "in-hours"),
        ("hours-evening", "2026-11-24T00:00:00Z", "out-of-hours"),
    ],
)
def test_hours_edges(program: Program, flow: str, clock: str, branch: str) -> None:
    r = go(program, flow, world={"clock": clock})
    assert path(r)[-2:] == [f"h:{branch}", "ok:-" if branch == "in-hours" else "other:-"]
    (hours,) = facts(r, -2, "hours")
    assert hours["open"] is (branch == "in-hours")


@pytest.mark.parametrize(
    ("window", "problem"),
    [
        ("00:00-24:00", None),
        ("23:59-24:00", None),
        ("00:00-23:59", None),
        ("24:00-24:00", '"24:00-24:00" (text) is not allowed here'),
        ("00:00-24:01", '"00:00-24:01" (text) is not allowed here'),
        ("23:60-24:00", '"23:60-24:00" (text) is not allowed here'),
    ],
)
def test_hours_window_bounds(tmp_path: Path, window: str, problem: str | None) -> None:
    instance = f"instance: t\nhours-of-operation:\n  H: {{days: {{monday: '{window}'}}}}\n"
    flow = "flow: f\nstart: b\nblocks:\n  b: {type: end-flow}\n"
    project(tmp_path, {"f.flow.yaml": flow}, instance)
    expected = []
    if problem is not None:
        message = f"`hours-of-operation.H.days.monday`: {problem}"
        expected = [("FR013", "instance.yaml", message, 3, 22)]
    assert found(tmp_path) == expected


# -- queue "From" email addresses: 50 at most (FR063) -----------------------------------------


def _queue_with_addresses(n: int) -> str:
    addresses = [f"a{i}@x.example" for i in range(n)]
    lines = ["instance: t", "email-addresses:", *[f"  {a}: {{}}" for a in addresses]]
    lines += ["queues:", "  Q:", "    email-addresses:", f"      default: {addresses[0]}"]
    lines += ["      others:", *[f"        - {a}" for a in addresses[1:]]]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("n", [49, 50, 51])
def test_queue_from_addresses_edges(tmp_path: Path, n: int) -> None:
    flow = "flow: f\nstart: b\nblocks:\n  b: {type: end-flow}\n"
    project(tmp_path, {"f.flow.yaml": flow}, _queue_with_addresses(n))
    expected = []
    if n > 50:
        # At the 51st address: the 50th of `others` (the lines: 2 + n addresses + 5 before it).
        message = "queue `Q` has 51 email addresses; at most 50 (1 default + 49 others) are allowed"
        expected = [("FR063", "instance.yaml", message, 2 + n + 5 + 50, 11)]
    assert found(tmp_path) == expected


@pytest.mark.parametrize(("length", "ok"), [(254, True), (255, False)])
def test_email_address_length(tmp_path: Path, length: int, ok: bool) -> None:
    address = "l" * (length - len("@x.example")) + "@x.example"
    flow = "flow: f\nstart: b\nblocks:\n  b: {type: end-flow}\n"
    project(tmp_path, {"f.flow.yaml": flow}, f"instance: t\nemail-addresses:\n  {address}: {{}}\n")
    message = "an email address of 255 characters is too long: at most 254 are allowed"
    assert found(tmp_path) == ([] if ok else [("FR013", "instance.yaml", message, 3, 3)])


# -- the outbound email policy: more than max-recipients is denied, more than approval-above
#    needs approval (a forward has one To; the rest are Cc) ------------------------------------


def _forward(program: Program, flow: str, recipients: int) -> Result:
    cc = [f"c{i}@example.com" for i in range(recipients - 1)]
    contact = {"channel": "EMAIL", "email": {"to": ["to@example.com"], "cc": cc}}
    return program.run(contact, {}, flow=flow)


@pytest.mark.parametrize(
    ("flow", "recipients", "target", "decision", "reason"),
    [
        ("policy-max", 2, "ok", "allowed", "allowed: every recipient is allowed"),
        ("policy-max", 3, "ok", "allowed", "allowed: every recipient is allowed"),
        ("policy-max", 4, "other", "denied", "max-recipients: 4 recipients; at most 3"),
        ("policy-approval", 1, "ok", "allowed", "allowed: every recipient is allowed"),
        ("policy-approval", 2, "ok", "allowed", "allowed: every recipient is allowed"),
        (
            "policy-approval",
            3,
            "approval",
            "needs-approval",
            "approval-above: 3 recipients; more than 2 need a manager's approval",
        ),
        (
            "policy-none",
            1,
            "approval",
            "needs-approval",
            "approval-above: 1 recipients; more than 0 need a manager's approval",
        ),
    ],
)
def test_outbound_email_policy_counts(
    program: Program, flow: str, recipients: int, target: str, decision: str, reason: str
) -> None:
    r = _forward(program, flow, recipients)
    assert path(r) == [f"p:{decision}", f"{target}:-"]
    (policy,) = facts(r, 0, "policy")
    assert (policy["decision"], policy["reason"]) == (decision, reason)


@pytest.mark.parametrize(
    ("key", "value", "code", "message"),
    [
        ("max-recipients", 1, None, None),
        ("max-recipients", 0, "FR013", "`max-recipients`: 0 is below the minimum 1"),
        ("approval-above", 0, None, None),
        ("approval-above", -1, "FR013", "`approval-above`: -1 is below the minimum 0"),
    ],
)
def test_outbound_email_policy_settings(
    tmp_path: Path, key: str, value: int, code: str | None, message: str | None
) -> None:
    body = f"    type: outbound-email-policy\n    {key}: {value}\n    next: {{allowed: done, denied: done}}"
    project(tmp_path, {"f.flow.yaml": one_block(body, "outbound-email")})
    expected = []
    if code is not None:
        text = f"block `b` (outbound-email-policy): {message}"
        expected = [(code, "f.flow.yaml", text, 7, 5 + len(key) + 2)]
    assert found(tmp_path) == expected


# -- contact attributes: 32,768 UTF-8 bytes, keys and values -----------------------------------


@pytest.mark.parametrize(
    ("value", "size"),
    [
        ("x" * 32_767, 32_768),  # key `a` (1 byte) + 32,767
        ("é" * 16_383 + "x", 32_768),  # é takes 2 bytes
        ("😀" * 8_191 + "xxx", 32_768),  # 😀 takes 4 bytes
        ("x" * 32_768, 32_769),
        ("é" * 16_384, 32_769),
        ("😀" * 8_192, 32_769),
    ],
)
def test_contact_attribute_bytes_when_the_run_starts(
    program: Program, value: str, size: int
) -> None:
    if size <= 32_768:
        r = go(program, "three-steps", {"a": value})
        assert r.outcome.kind == "ended"
        return
    with pytest.raises(FlowrtError) as exc:
        go(program, "three-steps", {"a": value})
    assert [(d.code, d.message) for d in exc.value.diagnostics] == [
        ("FR104", "attributes take 32,769 UTF-8 bytes; at most 32,768 are allowed")
    ]


@pytest.mark.parametrize(("extra", "branch"), [(0, "success"), (1, "error")])
@pytest.mark.parametrize("char", ["x", "é", "😀"])
def test_contact_attribute_bytes_when_a_block_sets_them(
    program: Program, extra: int, branch: str, char: str
) -> None:
    # `set` copies v into b: bytes = len(a) + len(av) + len(v) + len(vv) + len(b) + len(vv).
    v = char * 1000
    room = 32_768 - 3 - 2 * len(v.encode())
    r = go(program, "set", {"a": "y" * (room + extra), "v": v})
    assert path(r) == [f"set:{branch}", "ok:-" if branch == "success" else "other:-"]
    errors = [f["message"] for f in facts(r, 0, "error")]
    if branch == "error":
        assert errors == [
            "attributes would take 32,769 UTF-8 bytes; at most 32,768 are allowed (nothing was set)"
        ]
    else:
        assert errors == []


@pytest.mark.parametrize(("size", "ok"), [(32_768, True), (32_769, False)])
def test_scenario_attributes_with_the_worlds_overrides(tmp_path: Path, size: int, ok: bool) -> None:
    # The world's `a` (1 + 2,000 bytes) replaces the contact's (1 + 100): it is not added to it.
    # Each side alone is under the limit; together (a, b, c) they take `size` bytes.
    rest = size - (1 + 2_000) - (1 + 100) - 1
    scenario = (
        "scenario: s\nflow: f\n"
        f"contact:\n  attributes: {{a: {'x' * 100}, c: {'x' * 100}}}\n"
        f"cases:\n  c:\n    world:\n      attributes: {{a: {'é' * 1000}, b: {'y' * rest}}}\n"
    )
    flow = "flow: f\nstart: b\nblocks:\n  b: {type: end-flow}\n"
    project(tmp_path, {"f.flow.yaml": flow, "s.scenario.yaml": scenario})
    message = (
        "case `c`: the contact's attributes with the world's overrides take 32,769 UTF-8 "
        "bytes; at most 32,768 are allowed"
    )
    assert found(tmp_path) == ([] if ok else [("FR104", "s.scenario.yaml", message, 6, 3)])


@pytest.mark.parametrize(("u", "length"), [("", 32_766), ("x", 32_767), ("xx", 32_768)])
def test_rendered_text_up_to_the_limit_is_played(program: Program, u: str, length: int) -> None:
    # `say` renders t twice, then u: a text longer than any one attribute can be.
    r = go(program, "say", {"t": "t" * 16_383, "u": u})
    assert path(r) == ["say:success", "ok:-"]
    (played,) = facts(r, 0, "prompt")
    assert played["prompt"] == "t" * 32_766 + u and len(played["prompt"]) == length


def test_rendered_text_one_over_the_limit_takes_error(program: Program) -> None:
    r = go(program, "say", {"t": "t" * 16_384, "u": "x"})
    assert path(r) == ["say:error", "other:-"]
    (error,) = facts(r, 0, "error")
    assert error["message"] == (
        "the prompt text would be longer than 32,768 characters, the longest text a run renders "
        "from references; nothing was played"
    )


@pytest.mark.parametrize(("length", "ok"), [(32_768, True), (32_769, False)])
def test_written_text_limit(tmp_path: Path, length: int, ok: bool) -> None:
    body = f"    type: play-prompt\n    text: {'t' * length}\n    next: done"
    project(tmp_path, {"f.flow.yaml": one_block(body)})
    message = (
        "block `b` (play-prompt): text is too long (32,769 characters; the limit is 32,768) in "
        f"`{'t' * 60}...`"
    )
    # At the first character past the limit: the value starts at column 11.
    expected = [("FR050", "f.flow.yaml", message, 7, 11 + 32_768)]
    assert found(tmp_path) == ([] if ok else expected)


# -- transfer-to-phone-number: DTMF 50, timeout 0-600 ------------------------------------------


@pytest.mark.parametrize(("digits", "ok"), [("1" * 49, True), ("#" * 50, True), ("1" * 51, False)])
def test_dtmf_written_in_the_flow(tmp_path: Path, digits: str, ok: bool) -> None:
    body = f"    type: transfer-to-phone-number\n    phone-number: '+18005550100'\n    dtmf: '{digits}'"
    project(tmp_path, {"f.flow.yaml": one_block(body + "\n    next: done")})
    message = (
        "block `b` (transfer-to-phone-number): `dtmf`: DTMF has 51 characters; at most 50 are sent"
    )
    assert found(tmp_path) == ([] if ok else [("FR040", "f.flow.yaml", message, 8, 11)])


@pytest.mark.parametrize(("digits", "branch"), [("1" * 49, "success"), ("*" * 50, "success")])
def test_dtmf_from_an_attribute_up_to_50(program: Program, digits: str, branch: str) -> None:
    r = go(program, "phone", {"t": "5", "d": digits})
    assert path(r) == [f"xfer:{branch}", "ok:-"]
    (note,) = facts(r, 0, "note")
    assert note["message"] == f"dialling +18005550100: timeout 5 s, DTMF {digits}"


def test_dtmf_from_an_attribute_over_50_takes_error(program: Program) -> None:
    r = go(program, "phone", {"t": "5", "d": "1" * 51})
    assert path(r) == ["xfer:error", "other:-"]
    (error,) = facts(r, 0, "error")
    assert error["message"] == (
        f"DTMF {'1' * 51!r} has 51 characters; at most 50 of 0-9 , * # are sent"
    )


@pytest.mark.parametrize(("seconds", "ok"), [(0, True), (600, True), (-1, False), (601, False)])
def test_transfer_timeout_written_in_the_flow(tmp_path: Path, seconds: int, ok: bool) -> None:
    body = (
        "    type: transfer-to-phone-number\n    phone-number: '+18005550100'\n"
        f"    timeout-seconds: {seconds}\n    next: done"
    )
    project(tmp_path, {"f.flow.yaml": one_block(body)})
    message = (
        "block `b` (transfer-to-phone-number): "
        f"timeout-seconds is {seconds}; it must be between 0 and 600"
    )
    assert found(tmp_path) == ([] if ok else [("FR041", "f.flow.yaml", message, 8, 22)])


@pytest.mark.parametrize("seconds", ["0", "1", "599", "600", "600.0"])
def test_transfer_timeout_from_an_attribute_in_range(program: Program, seconds: str) -> None:
    r = go(program, "phone", {"t": seconds})
    assert path(r) == ["xfer:success", "ok:-"]
    (note,) = facts(r, 0, "note")
    assert note["message"] == f"dialling +18005550100: timeout {int(float(seconds))} s"


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        ("-1", "`-1`"),
        ("601", "`601`"),
        ("600.5", "`600.5`"),
        ("0.5", "`0.5`"),
        ("ten", "`ten`"),
        ("", "empty"),
        (None, "empty"),  # no attribute t
    ],
)
def test_transfer_timeout_from_an_attribute_out_of_range(
    program: Program, seconds: str | None, shown: str
) -> None:
    r = go(program, "phone", {} if seconds is None else {"t": seconds})
    assert path(r) == ["xfer:error", "other:-"]
    (error,) = facts(r, 0, "error")
    assert error["message"] == (
        f"the timeout is {shown}, not a whole number of seconds from 0 to 600"
    )


@pytest.mark.parametrize(
    ("block", "extra", "seconds", "problem"),
    [
        ("get-customer-input", "    text: hi", 0, "0 is below the minimum 1"),
        ("get-customer-input", "    text: hi", 1, None),
        # No maximum: Amazon Connect asks for an integer larger than zero (real exports: 300).
        ("get-customer-input", "    text: hi", 300, None),
        ("invoke-lambda", "    function: fn", 0, "0 is below the minimum 1"),
        ("invoke-lambda", "    function: fn", 1, None),
        ("invoke-lambda", "    function: fn", 8, None),
        ("invoke-lambda", "    function: fn", 9, "9 is above the maximum 8"),
    ],
)
def test_other_timeouts(
    tmp_path: Path, block: str, extra: str, seconds: int, problem: str | None
) -> None:
    body = f"    type: {block}\n{extra}\n    timeout-seconds: {seconds}\n    next: done"
    project(
        tmp_path, {"f.flow.yaml": one_block(body)}, "instance: t\nlambda-functions:\n  fn: {}\n"
    )
    expected = []
    if problem is not None:
        message = f"block `b` ({block}): `timeout-seconds`: {problem}"
        expected = [("FR041", "f.flow.yaml", message, 8, 22)]
    assert found(tmp_path) == expected


# -- loop-prompts: interrupt at least 1 s, 20 s or less warns; an agent answering just in time -


@pytest.mark.parametrize(
    ("seconds", "code", "message"),
    [
        (0, "FR013", "`interrupt-seconds`: 0 is below the minimum 1"),
        (1, "FR043", "interrupt every 1 s: 20 s or less risks interrupting contacts that are "),
        (19, "FR043", "interrupt every 19 s: 20 s or less risks interrupting contacts that are "),
        # Amazon Connect recommends an interval *greater than* 20 seconds: 20 itself warns.
        (20, "FR043", "interrupt every 20 s: 20 s or less risks interrupting contacts that are "),
        (21, None, None),
    ],
)
def test_loop_prompts_interrupt(
    tmp_path: Path, seconds: int, code: str | None, message: str | None
) -> None:
    body = f"    type: loop-prompts\n    prompts: [{{text: hi}}]\n    interrupt-seconds: {seconds}"
    project(tmp_path, {"f.flow.yaml": one_block(body + "\n    next: done", "customer-queue")})
    expected = []
    if code is not None:
        text = f"block `b` (loop-prompts): {message}"
        if code == "FR043":
            text += "being connected to an agent"
        expected = [(code, "f.flow.yaml", text, 8, 24)]
    assert found(tmp_path) == expected


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (59, ["hold:-"]),
        (60, ["hold:-"]),  # answered at the very second of the first interrupt: not interrupted
        (61, ["hold:timeout", "again:success", "hold:-"]),
        (120, ["hold:timeout", "again:success", "hold:-"]),
        (121, ["hold:timeout", "again:success", "hold:timeout", "again:success", "hold:-"]),
    ],
)
def test_loop_prompts_answer_against_the_interrupt(
    program: Program, answer: int, expected: list[str]
) -> None:
    r = go(program, "hold", world={"queues": {"Q": {"answer-after": answer}}}, queue="Q")
    assert path(r) == expected
    assert r.outcome.describe() == "queued in Q"


# -- the step limit: exactly max_steps steps end; one more is FR107 ----------------------------


def test_a_run_of_exactly_max_steps_ends(program: Program) -> None:
    r = program.run({}, {}, flow="three-steps", max_steps=3)
    assert path(r) == ["a:success", "b:success", "ok:-"]
    assert r.outcome.kind == "ended" and r.diagnostics == []


def test_a_run_one_step_longer_than_max_steps_is_a_step_limit(program: Program) -> None:
    r = program.run({}, {}, flow="three-steps", max_steps=2)
    assert path(r) == ["a:success", "b:success"]
    assert r.outcome.kind == "step-limit"
    assert r.outcome.reason == "more than 2 steps without a loop"
    assert [(d.code, d.message) for d in r.diagnostics] == [
        (
            "FR107",
            "run stopped after 2 steps at block `b` of flow `three-steps`, which had not run "
            "before: not a loop, but a path longer than 2 steps",
        )
    ]


@pytest.mark.parametrize(
    ("steps", "problem"),
    [
        (0, "max_steps is 0; it must be from 1 to 1,000,000"),
        (1, None),
        (1_000_000, None),
        (1_000_001, "max_steps is 1000001; it must be from 1 to 1,000,000"),
    ],
)
def test_max_steps_bounds(program: Program, steps: int, problem: str | None) -> None:
    if problem is None:
        r = program.run({}, {}, flow="three-steps", max_steps=steps)
        assert r.outcome.kind == ("ended" if steps >= 3 else "step-limit")
        return
    with pytest.raises(FlowrtError) as exc:
        program.run({}, {}, flow="three-steps", max_steps=steps)
    assert [(d.code, d.message) for d in exc.value.diagnostics] == [("FR013", problem)]


# -- the loader: size, depth, nodes, aliases ---------------------------------------------------


def _load_problem(text: str, limits: Limits = DEFAULT_LIMITS) -> tuple[str, str, int, int] | None:
    try:
        load_text(text, "f.yaml", limits)
    except LoadError as exc:
        d = exc.diagnostic
        assert d.span is not None
        return (d.code, d.message, d.span.line, d.span.column)
    return None


def test_file_size_at_the_limit_is_read(tmp_path: Path) -> None:
    size = DEFAULT_LIMITS.max_bytes
    (tmp_path / "f.yaml").write_bytes(b"a: 1\n#" + b"x" * (size - 7) + b"\n")
    assert len(read_text(tmp_path / "f.yaml", "f.yaml")) == size
    (tmp_path / "f.yaml").write_bytes(b"a: 1\n#" + b"x" * (size - 6) + b"\n")
    with pytest.raises(LoadError) as exc:
        read_text(tmp_path / "f.yaml", "f.yaml")
    d = exc.value.diagnostic
    assert (d.code, d.message) == ("FR005", "file is 8,388,609 bytes; the limit is 8,388,608")


@pytest.mark.parametrize(("limit", "problem"), [(6, None), (5, "document is 6 bytes")])
def test_size_counts_bytes_not_characters(limit: int, problem: str | None) -> None:
    raw = "a: é\n".encode()  # 5 characters, 6 bytes
    if problem is None:
        assert decode(raw, "f.yaml", Limits(max_bytes=limit)) == "a: é\n"
        assert _load_problem("a: é\n", Limits(max_bytes=limit)) is None
        return
    with pytest.raises(LoadError) as exc:
        decode(raw, "f.yaml", Limits(max_bytes=limit))
    assert exc.value.diagnostic.message == f"{problem}; the limit is 5"
    assert _load_problem("a: é\n", Limits(max_bytes=limit)) == (
        "FR005",
        "document larger than 5 bytes",
        1,
        1,
    )


@pytest.mark.parametrize("kind", ["mapping", "list"])
def test_nesting_depth_64_is_read_65_is_refused(kind: str) -> None:
    def nested(levels: int) -> str:
        if kind == "list":
            return "[" * levels + "]" * levels
        return "a: " + "{b: " * (levels - 1) + "1" + "}" * (levels - 1)

    assert _load_problem(nested(63)) is None
    assert _load_problem(nested(64)) is None
    column = 65 if kind == "list" else 4 + 4 * 63
    assert _load_problem(nested(65)) == ("FR006", "nesting deeper than 64 levels", 1, column)


def test_node_count_at_and_over_the_limit() -> None:
    text = "a: 1\nb: 2\n"  # the mapping and its two values: 3 nodes
    assert _load_problem(text, Limits(max_nodes=3)) is None
    assert _load_problem(text, Limits(max_nodes=2)) == ("FR007", "more than 2 nodes", 2, 4)


def test_alias_expansion_at_and_over_the_limit() -> None:
    text = "a: &x [1, 2]\nb: *x\n"  # *x repeats the list and its two items: 3 nodes
    assert _load_problem(text, Limits(max_alias_nodes=3)) is None
    assert _load_problem(text, Limits(max_alias_nodes=2)) == (
        "FR007",
        "aliases expand to more than 2 nodes",
        1,
        1,
    )
    nested = "a: &x [[]]\nb: *x\n"  # *x repeats two lists, no scalar
    assert _load_problem(nested, Limits(max_alias_nodes=2)) is None
    assert _load_problem(nested, Limits(max_alias_nodes=1)) == (
        "FR007",
        "aliases expand to more than 1 nodes",
        1,
        1,
    )


# -- flows: blocks, names, ids, expressions ----------------------------------------------------


def _chain(n: int) -> str:
    lines = ["flow: big", "start: b0", "blocks:"]
    lines += [f"  b{i}: {{type: play-prompt, text: hi, next: b{i + 1}}}" for i in range(n - 1)]
    return "\n".join([*lines, f"  b{n - 1}: {{type: end-flow}}"]) + "\n"


@pytest.mark.parametrize("n", [250, 251])
def test_connect_action_limit_warns_above_250(tmp_path: Path, n: int) -> None:
    project(tmp_path, {"big.flow.yaml": _chain(n)})
    message = "251 blocks; Amazon Connect accepts at most 250 actions in one flow"
    assert found(tmp_path) == ([] if n == 250 else [("FR044", "big.flow.yaml", message, 3, 1)])


def test_20000_blocks_are_read_and_20001_are_not(tmp_path: Path) -> None:
    project(tmp_path, {"big.flow.yaml": _chain(20_000)})
    warning = "20,000 blocks; Amazon Connect accepts at most 250 actions in one flow"
    assert found(tmp_path) == [("FR044", "big.flow.yaml", warning, 3, 1)]
    project(tmp_path, {"big.flow.yaml": _chain(20_001)})
    error = "20,001 blocks; flowrt reads at most 20,000 per flow"
    assert found(tmp_path) == [("FR045", "big.flow.yaml", error, 3, 1)]


@pytest.mark.parametrize("length", [50, 51])
def test_block_name_length(tmp_path: Path, length: int) -> None:
    name = "n" * length
    project(
        tmp_path,
        {"f.flow.yaml": f"flow: f\nstart: {name}\nblocks:\n  {name}: {{type: end-flow}}\n"},
    )
    message = (
        f"invalid block name `{name}`: at most 50 characters, none of % : ( \\ / ) = $ , ; [ ] "
        "{ }, and not a reserved word"
    )
    assert found(tmp_path) == ([] if length == 50 else [("FR042", "f.flow.yaml", message, 4, 3)])


@pytest.mark.parametrize("length", [50, 51])
def test_block_id_length(tmp_path: Path, length: int) -> None:
    flow = f"flow: f\nstart: b\nblocks:\n  b: {{type: end-flow, id: {'i' * length}}}\n"
    project(tmp_path, {"f.flow.yaml": flow})
    message = "block `b` (end-flow): `id`: 51 characters; at most 50 allowed"
    assert found(tmp_path) == ([] if length == 50 else [("FR013", "f.flow.yaml", message, 4, 27)])


@pytest.mark.parametrize("length", [4_095, 4_096, 4_097])
def test_reference_length(tmp_path: Path, length: int) -> None:
    ref = "$.Attributes." + "k" * (length - len("$.Attributes."))
    body = f"    type: check-contact-attributes\n    attribute: {ref}\n"
    body += "    conditions: [{equals: x, next: done}]\n    next: done"
    project(tmp_path, {"f.flow.yaml": one_block(body)})
    expected = []
    if length > 4_096:
        message = (
            "block `b` (check-contact-attributes): reference is too long (4097 characters; the "
            f"limit is 4096) in `{ref[:60]}...`"
        )
        # At the first character past the limit: the value starts at column 16.
        expected = [("FR050", "f.flow.yaml", message, 7, 16 + 4_096)]
    assert found(tmp_path) == expected


def _when(tmp_path: Path, condition: str) -> list[tuple[str, str, str, int, int]]:
    body = "    type: check-contact-attributes\n"
    body += f'    conditions: [{{when: "{condition}", next: done}}]\n    next: done'
    project(tmp_path, {"f.flow.yaml": one_block(body)})
    return found(tmp_path)


@pytest.mark.parametrize("length", [4_095, 4_096, 4_097])
def test_condition_length(tmp_path: Path, length: int) -> None:
    head = "$.Attributes.a == 'x' or $.Attributes.b == '"
    condition = head + "y" * (length - len(head) - 1) + "'"
    assert len(condition) == length
    problems = _when(tmp_path, condition)
    if length <= 4_096:
        assert problems == []
        return
    ((code, _, message, line, _),) = problems
    assert (code, line) == ("FR050", 7)
    assert message.startswith(
        "block `b` (check-contact-attributes): condition is too long (4097 characters; the "
        "limit is 4096)"
    )


@pytest.mark.parametrize(("depth", "ok"), [(31, True), (32, True), (33, False)])
@pytest.mark.parametrize("how", ["parentheses", "not"])
def test_condition_nesting(tmp_path: Path, depth: int, ok: bool, how: str) -> None:
    test = "$.Attributes.a == 'x'"
    condition = "(" * depth + test + ")" * depth if how == "parentheses" else "not " * depth + test
    problems = _when(tmp_path, condition)
    if ok:
        assert problems == []
        return
    message = (
        "block `b` (check-contact-attributes): condition is nested too deeply (more than 32 "
        f"levels) in `{condition}`"
    )
    # At the 33rd level: the value starts at column 26 (after `conditions: [{when: "`).
    column = 26 + (32 if how == "parentheses" else 4 * 32)
    assert problems == [("FR050", "f.flow.yaml", message, 7, column)]


# -- StartEmailContact requests (docs/email.md) ----------------------------------------------


def _request_problems(**over: Any) -> list[tuple[str, str, tuple[str | int, ...]]]:
    data: dict[str, Any] = {
        "FromEmailAddress": {"EmailAddress": "pat@customer.example", "DisplayName": "Pat"},
        "DestinationEmailAddress": "support@anycompany.example",
        "EmailMessage": {
            "MessageSourceType": "RAW",
            "RawMessage": {"Subject": "Order 42", "Body": "Where?", "ContentType": "text/plain"},
        },
    }
    req, problems = parse_request(data | over)
    assert req is not None and problems == []
    return [(p.error.__name__, p.message, p.path) for p in shape_problems(req)]


@pytest.mark.parametrize("char", ["x", "é", "😀"])
def test_start_email_contact_attribute_bytes(char: str) -> None:
    width = len(char.encode())
    at_limit = char * (32_767 // width) + "x" * (32_767 % width)  # with key `k`: 32,768 bytes
    assert _request_problems(Attributes={"k": at_limit}) == []
    assert _request_problems(Attributes={"k": at_limit + "x"}) == [
        (
            "InvalidRequestException",
            "Attributes take 32,769 UTF-8 bytes; at most 32,768 are allowed across all key-value "
            "pairs",
            ("Attributes",),
        )
    ]


def test_start_email_contact_client_token_length() -> None:
    assert _request_problems(ClientToken="t" * 500) == []
    assert _request_problems(ClientToken="t" * 501) == [
        ("InvalidRequestException", "ClientToken has 501 characters; at most 500", ("ClientToken",))
    ]


def test_start_email_contact_expiry_at_least_one_minute() -> None:
    def expiry(minutes: int) -> list[tuple[str, str, tuple[str | int, ...]]]:
        value = {"ValueMap": {"ExpiryDuration": {"ValueInteger": minutes}}}
        return _request_problems(SegmentAttributes={"connect:ContactExpiry": value})

    assert expiry(1) == []
    assert expiry(0) == [
        (
            "InvalidRequestException",
            "connect:ContactExpiry: ExpiryDuration must be a positive number of minutes, not 0",
            (
                "SegmentAttributes",
                "connect:ContactExpiry",
                "ValueMap",
                "ExpiryDuration",
                "ValueInteger",
            ),
        )
    ]
