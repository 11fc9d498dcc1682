"""Replay a recorded contact through the project's flows and compare with what Connect logged.

A recorded contact's records become `Event`s (a waiting block's entry and exit records merged
into one).  Before the run, every answer the log holds becomes the world (`recorded_world`):
customer input and failed blocks for the block the record's flow and Identifier name, Lambda
calls by the function its `FunctionArn` names, queue figures by queue, phone transfer outcomes
by number; so a contact whose records name their blocks is run once.  The run is turned into
the events it would log (the same module types as `flowrt.replay.generate`) and both lists are
walked together: module type, flow and (2024 onwards) Identifier must agree.  Records of 2019
carry no Identifier: their customer input and failures are placed as the walk reaches them (by
module type and order) and the contact is run again with them.  The first record that does not
match is the divergence: the block before it took a branch Connect did not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flowrt.replay.generate import _Arns, _logging_change
from flowrt.replay.mapping import KNOWN_MODULES, LOGGING, module_of_block, same_module
from flowrt.run.interpreter import run
from flowrt.run.world import PreparedContact, PreparedQueue, PreparedWorld, parse_clock

if TYPE_CHECKING:
    from flowrt.lang.compiler import Node, Program
    from flowrt.replay.reader import Contact
    from flowrt.run.trace import Result

#: Results of a customer input -> the world's input.
_INPUT = {"Timeout": "timeout", "Error": "error"}
#: Results of a phone transfer -> the world's `external` outcome.
_DIAL = {"Success": "answered", "CallFailed": "call-failed", "Timeout": "timeout", "Error": "error"}


@dataclass
class Event:
    """One block's log: its records merged (entry and exit of a waiting block)."""

    module: str
    flow: str | None
    flow_label: str
    ident: str | None
    params: dict[str, Any]
    results: str | None
    external: dict[str, Any] | None
    has_external: bool = False

    def describe(self) -> str:
        where = f"{self.ident} " if self.ident else ""
        return f"{where}({self.module}) in {self.flow or self.flow_label}"


def _flow_of(rec: dict[str, Any], program: Program) -> tuple[str | None, str]:
    name = rec.get("ContactFlowName")
    arn = str(rec.get("ContactFlowId") or "")
    if isinstance(name, str) and name in program.flows:
        return name, name
    tail = arn.rsplit("/", 1)[-1]
    if tail in program.flows:
        return tail, tail
    return None, name if isinstance(name, str) else arn


def events_of(records: list[dict[str, Any]], program: Program) -> list[Event]:
    """A contact's records as events: an entry record (no Results) and the exit record that
    follows it for the same block (Results, no Parameters) are one event."""
    out: list[Event] = []
    for rec in records:
        flow, shown = _flow_of(rec, program)
        ident = rec.get("Identifier") if isinstance(rec.get("Identifier"), str) else None
        module = str(rec["ContactFlowModuleType"])
        given = rec.get("Parameters")
        params: dict[str, Any] = given if isinstance(given, dict) else {}
        results = rec.get("Results") if "Results" in rec else None
        ext = rec.get("ExternalResults")
        prev = out[-1] if out else None
        if (
            prev is not None
            and results is not None
            and prev.results is None
            and not prev.has_external
            and prev.module == module
            and prev.flow_label == shown
            and prev.ident == ident
            and (not params or params == prev.params)
        ):
            prev.results = str(results)
            continue
        out.append(
            Event(
                module,
                flow,
                shown,
                ident,
                dict(params),
                None if results is None else str(results),
                ext if isinstance(ext, dict) else None,
                isinstance(ext, dict),
            )
        )
    return out


@dataclass
class Divergence:
    """Where the replay first left the recorded path, and why."""

    flow: str | None
    block: str | None
    block_type: str | None
    branch: str | None
    flowrt_next: str
    recorded: str
    cause: str

    def as_json(self) -> dict[str, Any]:
        return {
            "flow": self.flow,
            "block": self.block,
            "type": self.block_type,
            "flowrt-branch": self.branch,
            "flowrt-next": self.flowrt_next,
            "recorded-next": self.recorded,
            "cause": self.cause,
        }


@dataclass
class WorldSpec:
    """The answers the log gave, as a world (by block name, function, queue, number)."""

    clock: datetime | None = None
    input: dict[str, list[str]] = field(default_factory=dict)
    lambdas: dict[str, list[tuple[dict[str, str] | None, str | None]]] = field(default_factory=dict)
    queues: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    external: dict[str, list[str]] = field(default_factory=dict)
    errors: set[str] = field(default_factory=set)

    def prepared(self) -> PreparedWorld:
        queues: dict[str, PreparedQueue] = {}
        agents: dict[str, PreparedQueue] = {}
        for (kind, name), values in self.queues.items():
            (queues if kind == "queue" else agents)[name] = PreparedQueue(**values)
        return PreparedWorld(
            clock=self.clock or parse_clock("2026-01-05T12:00:00+00:00"),
            clock_default=self.clock is None,
            queues=queues,
            agent_queues=agents,
            external={k: tuple(v) for k, v in self.external.items()},
            lambdas={
                f: [(i, i, ret, err) for i, (ret, err) in enumerate(calls, 1)]
                for f, calls in self.lambdas.items()
            },
            input={k: tuple(v) for k, v in self.input.items()},
            errors=frozenset(self.errors),
        )


@dataclass
class Replayed:
    """One recorded contact replayed: identical, diverged or not replayable."""

    contact_id: str
    status: str
    flow: str | None
    divergence: Divergence | None
    result: Result | None
    world: WorldSpec
    contact: PreparedContact
    events: int
    unknown: dict[str, int]
    #: Runs of the interpreter it took: 1 when `recorded_world` placed every answer.
    runs: int = 0


def _contact(c: Contact, events: list[Event]) -> PreparedContact:
    ctr = c.ctr or {}
    set_keys = {e.params.get("Key") for e in events if e.module == "SetAttributes"}
    given = ctr.get("Attributes")
    attrs: dict[str, Any] = given if isinstance(given, dict) else {}
    initial = {str(k): str(v) for k, v in attrs.items() if k not in set_keys}

    def address(key: str) -> str | None:
        ep = ctr.get(key)
        return str(ep["Address"]) if isinstance(ep, dict) and ep.get("Address") else None

    channel = (
        ctr.get("Channel") if ctr.get("Channel") in ("VOICE", "CHAT", "TASK", "EMAIL") else None
    )
    return PreparedContact(
        channel=str(channel or "VOICE"),
        customer_endpoint=address("CustomerEndpoint"),
        system_endpoint=address("SystemEndpoint"),
        attributes=initial,
    )


def _expected(result: Result, index: Index) -> list[tuple[Node, str, Event]]:
    """The events the run would log, each with the step (node, branch) that logs it.

    Only what the comparison and a divergence name is made (module type, flow, Identifier),
    not the records' Parameters: the events are as many per step as `step_records` writes once
    a waiting block's entry and exit records are one event: one for most blocks, one per
    attribute set for Set contact attributes (one for its error alone, none when it set
    nothing), none for a block Connect does not log.  (The replay's hot path: making every
    record here took three times as long as the run itself.)"""
    out: list[tuple[Node, str, Event]] = []
    logging = False
    step = index.step
    for cflow, node, branch, facts, _ in result.trace.records:
        module, ident = step(node)
        if module is None:
            continue
        on_off = _logging_change(node) if module == LOGGING else None
        if on_off:
            logging = True
        if not logging:
            continue
        if on_off is False:  # logged itself, then nothing until a block turns logging on again
            logging = False
        b = branch or ""
        n = 1
        if module == "SetAttributes":
            n = sum(1 for f in facts or () if f[0] == "set") or (1 if b == "error" else 0)
        for _ in range(n):
            out.append((node, b, Event(module, cflow.name, cflow.name, ident, {}, None, None)))
    return out


def _queue_key(program: Program, arn: Any) -> tuple[str, str] | None:
    if not isinstance(arn, str) or not arn:
        return None
    inst = program.instance
    if "/queue/agent/" in arn:
        uid = arn.rsplit("/", 1)[-1]
        users = inst.users if inst else {}
        for name, user in users.items():
            if user.id == uid:
                return ("agent", name)
        return ("agent", uid)
    if inst is not None:
        found = inst.queue_by_arn(arn)
        if found:
            return ("queue", found)
    return ("queue", arn.rsplit("/", 1)[-1])


def _number(value: Any) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


def _answer(
    spec: WorldSpec, index: Index, node: Node, ev: Event, visits: dict[Any, int], last: bool
) -> bool:
    """Give the world the recorded answer of `ev` for this visit of `node`; True if it changed
    (an answer `recorded_world` could not place: a 2019 record, which names no block)."""
    t = node.type
    key = (t, node.name)
    n = visits[key] = visits.get(key, 0) + 1
    if t in ("get-customer-input", "lex-bot"):
        value = _INPUT.get(ev.results or "Timeout", ev.results or "timeout")
        given = spec.input.setdefault(node.name, [])
        return _put(given, n, value, "timeout")
    if t == "invoke-lambda":
        function = str(getattr(node.block, "function", ""))
        fkey = ("lambda", function)
        n = visits[fkey] = visits.get(fkey, 0) + 1
        visits[key] -= 1
        return _put(spec.lambdas.setdefault(function, []), n, _lambda_answer(ev), ({}, None))
    if t == "transfer-to-phone-number" and ev.results:
        outcome = _DIAL.get(ev.results, "error")
        if outcome == "answered" and last:
            outcome = "never-returns"
        number = str(ev.params.get("ThirdPartyPhoneNumber") or "")
        if number:
            return _put(spec.external.setdefault(number, []), n, outcome, "answered")
    changed = _queue_answer(spec, index.queue(ev.params.get("Queue")), t, ev)
    failed = ev.results == "Error" and "error" in node.block.BRANCHES
    if failed and node.name not in spec.errors and t not in _ANSWERED:
        spec.errors.add(node.name)
        changed = True
    return changed


def _put(answers: list[Any], n: int, value: Any, default: Any) -> bool:
    while len(answers) < n:
        answers.append(default)
    if answers[n - 1] == value:
        return False
    answers[n - 1] = value
    return True


class Index:
    """What a replay looks up in a program, worked out once per program: each block by its
    flow and Identifier (a block's `id:`, else its name, as export writes it), each Lambda
    function by the ARN its records log, and queue ARNs already resolved."""

    def __init__(self, program: Program) -> None:
        self.program = program
        self.arns = _Arns(program)
        self.nodes: dict[tuple[str, str], Node] = {}
        self.functions: dict[str, str] = {}
        self.queues: dict[str, tuple[str, str] | None] = {}
        self.steps: dict[int, tuple[str | None, str]] = {}
        for name, cflow in program.flows.items():
            for node in cflow.nodes:
                self.nodes.setdefault((name, node.block.id or node.name), node)
                if node.type == "invoke-lambda":
                    function = str(getattr(node.block, "function", ""))
                    self.functions.setdefault(self.arns.function(function), function)

    def step(self, node: Node) -> tuple[str | None, str]:
        """(module type, Identifier) a block logs, remembered by node."""
        held = self.steps.get(id(node))
        if held is None:
            held = self.steps[id(node)] = (module_of_block(node.block), node.block.id or node.name)
        return held

    def queue(self, arn: Any) -> tuple[str, str] | None:
        """`_queue_key`, remembered (a corpus names the same few queues millions of times)."""
        if not isinstance(arn, str):
            return None
        if arn not in self.queues:
            self.queues[arn] = _queue_key(self.program, arn)
        return self.queues[arn]


#: Indexes of the programs replayed in this process (a program is compiled once and replayed
#: for every contact; keyed by identity, the program kept alive with its index).
_INDEXES: dict[int, tuple[Program, Index]] = {}


def index_of(program: Program) -> Index:
    """The program's `Index`, made on first use."""
    held = _INDEXES.get(id(program))
    if held is None or held[0] is not program:
        if len(_INDEXES) >= 8:
            _INDEXES.clear()
        held = _INDEXES[id(program)] = (program, Index(program))
    return held[1]


#: Module type -> the block type whose queue figures its Parameters hold.
_QUEUE_MODULES = {
    "CheckStaffing": "check-staffing",
    "CheckQueueStatus": "check-queue-status",
    "TransferToQueue": "transfer-to-queue",
    "Transfer": "transfer-to-queue",
    "GetQueueMetrics": "get-queue-metrics",
}
_ANSWERED = ("get-customer-input", "lex-bot", "invoke-lambda", "transfer-to-phone-number")


def recorded_world(index: Index, recorded: list[Event]) -> WorldSpec:
    """The world of every answer the log holds, built before the run so that one run does.

    Answers whose key is in the record itself need no block: Lambda calls (by the function
    the `FunctionArn` names, in call order), queue figures (by the `Queue` ARN) and phone
    transfer outcomes (by `ThirdPartyPhoneNumber`).  Customer input and failed blocks are keyed
    by block: the block the record's flow and `Identifier` name.  A record without Identifier
    (2019) leaves those to the run: its block is known only once the run reaches it."""
    spec = WorldSpec()
    last = len(recorded) - 1
    for i, ev in enumerate(recorded):
        module = ev.module
        node = index.nodes.get((ev.flow, ev.ident)) if ev.flow and ev.ident else None
        t = node.type if node is not None else None
        if module == "GetUserInput":
            if t in ("get-customer-input", "lex-bot"):
                assert node is not None
                value = _INPUT.get(ev.results or "Timeout", ev.results or "timeout")
                spec.input.setdefault(node.name, []).append(value)
            continue
        if module == "InvokeExternalResource":
            function = (
                str(getattr(node.block, "function", ""))
                if node is not None and t == "invoke-lambda"
                else index.functions.get(str(ev.params.get("FunctionArn")))
            )
            if function is not None:
                spec.lambdas.setdefault(function, []).append(_lambda_answer(ev))
            continue
        number = ev.params.get("ThirdPartyPhoneNumber")
        if module == "Transfer" and ev.results and number:
            outcome = _DIAL.get(ev.results, "error")
            if outcome == "answered" and i == last:
                outcome = "never-returns"
            spec.external.setdefault(str(number), []).append(outcome)
            continue
        kind = _QUEUE_MODULES.get(module)
        if kind is not None:
            _queue_answer(spec, index.queue(ev.params.get("Queue")), kind, ev)
        if (
            ev.results == "Error"
            and node is not None
            and t not in _ANSWERED
            and "error" in node.block.BRANCHES
        ):
            spec.errors.add(node.name)
    return spec


def _lambda_answer(ev: Event) -> tuple[dict[str, str] | None, str | None]:
    if ev.has_external or ev.results is None:
        return ({str(k): str(v) for k, v in (ev.external or {}).items()}, None)
    return (None, ev.results)


def _queue_answer(spec: WorldSpec, q: tuple[str, str] | None, t: str, ev: Event) -> bool:
    """Queue figures a record of a `t` block logged; True if one was new."""
    if q is None:
        return False
    values = spec.queues.setdefault(q, {})
    fields: dict[str, Any] = {}
    if t == "check-staffing" and ev.params.get("Status") in ("available", "staffed", "online"):
        fields[str(ev.params["Status"])] = _number(ev.params.get("Count"))
    elif t == "check-queue-status":
        metric = ev.params.get("Metric")
        name = "contacts" if metric == "contacts-in-queue" else "oldest"
        fields[name] = _number(ev.params.get("Value"))
    elif t == "transfer-to-queue":
        fields["contacts"] = _number(ev.params.get("ContactsInQueue"))
    elif t == "get-queue-metrics":
        fields = {
            "contacts": _number(ev.params.get("Queue.Size")),
            "oldest": _number(ev.params.get("Queue.OldestContactAge")),
            "online": _number(ev.params.get("Agents.Online.Count")),
            "available": _number(ev.params.get("Agents.Available.Count")),
            "staffed": _number(ev.params.get("Agents.Staffed.Count")),
        }
    changed = False
    for k, v in fields.items():
        if v is not None and k not in values:
            values[k] = v
            changed = True
    return changed


def _same(expected: Event, recorded: Event) -> bool:
    if not same_module(expected.module, recorded.module):
        return False
    if recorded.flow is not None and recorded.flow != expected.flow:
        return False
    return recorded.ident is None or recorded.ident == expected.ident


def replay_contact(program: Program, c: Contact, max_steps: int = 1000) -> Replayed:
    """Replay one recorded contact through `program` with the recorded answers as its world."""
    recorded_all = events_of(c.records, program)
    unknown: dict[str, int] = {}
    recorded: list[Event] = []
    for ev in recorded_all:
        if ev.module in KNOWN_MODULES:
            recorded.append(ev)
        else:
            unknown[ev.module] = unknown.get(ev.module, 0) + 1
    contact = _contact(c, recorded)
    index = index_of(program)
    spec = recorded_world(index, recorded)
    first = c.records[0].get("Timestamp") if c.records else None
    try:
        spec.clock = parse_clock(str(first))
    except ValueError:
        spec.clock = None
    start = next((e.flow for e in recorded if e.flow is not None), None)
    if not recorded or start is None:
        why = (
            "no record of a known module type"
            if not recorded
            else f"flow `{recorded[0].flow_label}` is not in the project"
        )
        none = Divergence(
            None, None, None, None, "-", recorded[0].describe() if recorded else "-", why
        )
        return Replayed(c.contact_id, "unreplayable", None, none, None, spec, contact, 0, unknown)
    # When every record names its flow and block, `recorded_world` placed every answer: the
    # walk below only compares.
    named = all(e.ident is not None and e.flow is not None for e in recorded)
    result = None
    runs = 0
    for runs in range(1, 2 * len(recorded) + 3):
        result = run(
            program,
            contact,
            spec.prepared(),
            flow=start,
            max_steps=max_steps,
            contact_id=c.contact_id,
        )
        expected = _expected(result, index)
        visits: dict[Any, int] = {}
        changed = False
        div: Divergence | None = None
        for i, (node, _branch, ev) in enumerate(expected):
            if i >= len(recorded):
                div = _diverge(
                    expected,
                    i,
                    "-",
                    "Connect's log ends here (the contact hung up, or logging was turned off)",
                )
                break
            rec = recorded[i]
            if not _same(ev, rec):
                div = _diverge(expected, i, rec.describe(), "a different block")
                break
            last = i == len(recorded) - 1
            if not named and _answer(spec, index, node, rec, visits, last):
                changed = True
                break
        if changed:
            continue
        if div is None and len(recorded) > len(expected):
            div = _diverge(
                expected,
                len(expected),
                recorded[len(expected)].describe(),
                "flowrt's run ended; Connect's log goes on",
            )
        status = "identical" if div is None else "diverged"
        return Replayed(
            c.contact_id, status, start, div, result, spec, contact, len(recorded), unknown, runs
        )
    div = Divergence(start, None, None, None, "-", "-", "the recorded answers do not settle")
    return Replayed(
        c.contact_id, "diverged", start, div, result, spec, contact, len(recorded), unknown, runs
    )


def _diverge(
    expected: list[tuple[Node, str, Event]], i: int, recorded: str, what: str
) -> Divergence:
    """The divergence before expected event `i`: the block that chose the path."""
    if i == 0:
        node, branch, ev = expected[0] if expected else (None, "", None)
        return Divergence(
            ev.flow if ev else None,
            None,
            None,
            None,
            ev.describe() if ev else "-",
            recorded,
            f"the log starts differently: {what}",
        )
    node, branch, ev = expected[i - 1]
    nxt = expected[i][2].describe() if i < len(expected) else "(the run ends)"
    cause = f"{node.type} `{node.name}` took `{branch or '-'}`: {what}"
    return Divergence(ev.flow, node.name, node.type, branch or None, nxt, recorded, cause)
