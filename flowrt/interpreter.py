"""Stage 5, run: walk a compiled flow with one contact in a deterministic world.

The interpreter reads the compiled graph only (`Program` -> `CompiledFlow` -> `Node`): each
node's block has a `run(node, rt)` method (in flowrt.blocks) that returns the branch it takes,
bound at compile time as `node.step` (`Block.compile_step` may specialise it: static facts built
once, references turned into direct lookups by `getter`, `renderer` and `matcher` below), and
`node.targets` maps the branch to the next node.  The loop is kept tight: a step is one method
call, one dict lookup and one small tuple appended to the trace.  What a step found out (the values
it compared, capacity figures, attribute changes, prompts) is kept as small "fact" tuples and only
turned into text or JSON when the trace is shown (flowrt.trace).

A run step ends the flow by setting `rt.stop` and returning `STOP`; a branch that is not connected
also ends it (Amazon Connect disconnects the contact).  A step limit turns a runaway loop into a
diagnostic naming the cycle.
"""

from __future__ import annotations

import operator
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from flowrt.compiler import DEFAULT_MAX_STEPS as DEFAULT_MAX_STEPS
from flowrt.diagnostics import Diagnostic, FlowrtError
from flowrt.expr import as_number
from flowrt.instance import DAYS
from flowrt.scenario import (
    DEFAULT_CLOCK,
    MAX_ATTRIBUTE_BYTES,
    Contact,
    PreparedContact,
    PreparedQueue,
    PreparedWorld,
    World,
    attribute_bytes,
    prepare_contact,
    prepare_world,
)
from flowrt.trace import Outcome, Result, Trace

if TYPE_CHECKING:
    from flowrt.compiler import CompiledFlow, Node, Program
    from flowrt.expr import Template
    from flowrt.instance import Instance
    from flowrt.loader import JsonPath

#: The branch a run step returns when it has ended the flow (it is never connected).
STOP = ""
#: Without an instance file, queues are limited by Amazon Connect's default instance limit.
DEFAULT_INSTANCE_LIMIT = 100
_E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")
_DTMF = re.compile(r"^[0-9,*#]{0,50}$")
_NUMBER_OPS: dict[str, Callable[[float, float], bool]] = {
    "number-greater-than": operator.gt,
    "number-less-than": operator.lt,
    "number-greater-or-equal": operator.ge,
    "number-less-or-equal": operator.le,
}
_TEXT_OPS: dict[str, Callable[[str, str], bool]] = {
    "text-contains": operator.contains,
    "text-starts-with": str.startswith,
    "text-ends-with": str.endswith,
    "equals-bool": lambda a, b: a.lower() == b.lower(),
}
_TEXT: tuple[str] = ("text",)
#: `as_number` of the values conditions compare, remembered (the same few values recur).
_number = lru_cache(maxsize=4096)(as_number)
_NAMESPACE = uuid.UUID("5a1e6c3e-0f1b-4c7e-9a52-6b7a1f0e2d41")

#: The closed set of outcome kinds.
OUTCOME_KINDS = (
    "queued",
    "transferred-to-number",
    "disconnected",
    "ended",
    "error",
    "step-limit",
)

QueueKey = tuple[str, str]  # ("queue", name) or ("agent", user name)
Record = tuple["CompiledFlow", "Node", str, "list[tuple[Any, ...]] | None", "list[str] | None"]


@lru_cache(maxsize=1024)
def label(q: QueueKey | None) -> str:
    """`Premium` or `agent queue of jdoe` (remembered: the same few queues recur)."""
    if q is None:
        return "(none)"
    return q[1] if q[0] == "queue" else f"agent queue of {q[1]}"


@cache
def contact_id_for(*parts: str) -> str:
    """A deterministic ContactId for a run (uuid5 of its scenario and case names)."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


#: The empty `$.External` / `$.Metrics` a run starts with (never changed: see Runtime).
_EMPTY: dict[str, str] = {}


class Runtime:
    """The state of one run; the `Resolver` of expressions and the services of run steps."""

    __slots__ = (
        "program",
        "inst",
        "world",
        "contact",
        "attrs",
        "external",
        "metrics",
        "queue",
        "queued",
        "contact_id",
        "stop",
        "facts",
        "missing",
        "calls",
        "waited",
        "stored_input",
        "attr_chars",
    )

    def __init__(
        self, program: Program, contact: PreparedContact, world: PreparedWorld, contact_id: str
    ) -> None:
        self.program = program
        self.inst: Instance | None = program.instance
        self.world = world
        self.contact = contact
        attrs = dict(contact.attributes)
        if world.attributes:
            attrs.update(world.attributes)
        self.attrs: dict[str, str] = attrs
        #: Characters in the attributes' keys and values, kept up to date by `set_attributes`:
        #: UTF-8 takes at most 4 bytes a character, so bytes are counted only when it could matter.
        self.attr_chars = sum(map(len, attrs)) + sum(map(len, attrs.values())) if attrs else 0
        # `$.External` and `$.Metrics` are only ever replaced, never changed in place: they may
        # start as (and later be) dicts shared between runs.
        self.external: dict[str, str] = _EMPTY
        self.metrics: dict[tuple[str, ...], str] = _EMPTY  # type: ignore[assignment]
        self.queue: QueueKey | None = None
        self.queued: QueueKey | None = None
        self.contact_id = contact_id
        self.stop: tuple[Any, ...] | None = None
        self.facts: list[tuple[Any, ...]] = []
        self.missing: list[str] = []
        #: Per-run counters: ("lambda", function), ("input", block), ("external", number).
        self.calls: dict[tuple[str, str], int] = {}
        self.waited = 0
        self.stored_input: str | None = None

    # -- the Resolver protocol -----------------------------------------------------------------

    def resolve(self, path: tuple[str, ...]) -> str | None:
        """The value at a reference path, or None when it is missing (it then reads as "")."""
        ns = path[0]
        if ns == "Attributes":
            return self.attrs.get(path[1]) if len(path) == 2 else None
        if ns == "External":
            return self.external.get(path[1]) if len(path) == 2 else None
        if ns == "Metrics":
            return self.metrics.get(path[1:])
        return self._resolve_other(ns, path)

    def _resolve_other(self, ns: str, path: tuple[str, ...]) -> str | None:
        c = self.contact
        rest = path[1:]
        if c.extra and path in c.extra:
            return c.extra[path]
        if not rest:
            if ns == "Channel":
                return c.channel
            if ns == "ContactId" or ns == "InitialContactId":
                return self.contact_id
            if ns == "InstanceARN":
                return self.inst.arn if self.inst else None
            if ns == "Name":
                return c.subject
            if ns == "StoredCustomerInput":
                return self.stored_input
            return None
        if ns in ("CustomerEndpoint", "SystemEndpoint") and len(rest) == 1:
            customer = ns == "CustomerEndpoint"
            if rest[0] == "Address":
                return c.customer_endpoint if customer else c.system_endpoint
            if rest[0] == "DisplayName":
                return c.customer_display_name if customer else c.system_display_name
            if rest[0] == "Type":
                return "EMAIL" if c.channel == "EMAIL" else "TELEPHONE_NUMBER"
            return None
        if ns == "Queue":
            return self._queue_field(rest)
        if ns == "AdditionalEmailRecipients" and len(rest) == 1 and rest[0] in ("ToList", "CcList"):
            addresses = c.to if rest[0] == "ToList" else c.cc
            return ",".join(addresses) if addresses else None
        if path == ("Email", "EmailMessage", "Plaintext"):
            return c.body
        return None

    def _queue_field(self, rest: tuple[str, ...]) -> str | None:
        q = self.queue
        if q is None:
            return None
        if rest == ("Name",):
            return q[1]
        if rest == ("ARN",):
            return self.queue_arn(q)
        if rest == ("OutboundCallerId", "Address") and q[0] == "queue" and self.inst:
            spec = self.inst.queues.get(q[1])
            return spec.outbound_caller_id if spec else None
        return None

    # -- services for run steps ----------------------------------------------------------------

    def fact(self, *fact: Any) -> None:
        """Record a fact about the current step (see flowrt.trace.FACTS)."""
        self.facts.append(fact)

    def queue_arn(self, q: QueueKey) -> str:
        inst = self.inst
        base = inst.arn if inst else "arn:aws:connect:::instance/unknown"
        if q[0] == "agent":
            uid = inst.users[q[1]].id if inst and q[1] in inst.users else q[1]
            return f"{base}/queue/agent/{uid}"
        return inst.queue_arn(q[1]) if inst and q[1] in inst.queues else f"{base}/queue/{q[1]}"

    def pick_queue(self, node: Node, queue: str | None, agent: str | None) -> QueueKey | None:
        """The queue a block names (by queue or by agent), else the working queue.

        None (with an `error` fact) when it cannot be found; the block then takes `error`.
        """
        if queue is not None:
            return self._queue_from(node.prepared.get(("queue",)), queue)
        if agent is not None:
            return self._agent_from(node.prepared.get(("agent",)), agent)
        if self.queue is None:
            self.fact("error", "no working queue is set (use set-working-queue first)")
        return self.queue

    def _queue_from(self, prepared: Any, text: str) -> QueueKey | None:
        if isinstance(prepared, str):
            return ("queue", prepared)
        value = self.resolve(prepared.path) if prepared is not None else None
        if not value:
            self.fact("error", f"{text} is empty; it must hold a queue ARN")
            return None
        inst = self.inst
        if inst is None:
            name = value.rsplit("/queue/", 1)[-1] if "/queue/" in value else None
            if name:
                return ("queue", name)
        else:
            name = inst.queue_by_arn(value)
            if name is not None:
                return ("queue", name)
            if value in inst.queues:
                self.fact(
                    "error",
                    f"{text} holds the queue name `{value}`; a queue attribute "
                    "must hold the queue ARN (seed 002)",
                )
                return None
        self.fact("error", f"{text} holds `{value}`, which is not the ARN of a queue")
        return None

    def _agent_from(self, prepared: Any, text: str) -> QueueKey | None:
        if isinstance(prepared, str):
            value: str | None = prepared
        else:
            value = self.resolve(prepared.path) if prepared is not None else None
            if not value:
                self.fact("error", f"{text} is empty; it must hold a user name or user ID")
                return None
        assert value is not None
        inst = self.inst
        user = value if inst is None else inst.user_by_name_or_id(value)
        if user is None:
            self.fact(
                "error",
                f"{text} holds `{value}`, which is neither a user name nor a "
                "user ID of the instance",
            )
            return None
        if inst is not None:
            if user != value:
                self.fact("note", f"user ID `{value}` is user `{user}`")
            if not inst.can_answer(user):
                self.fact(
                    "warning",
                    f"user `{user}` has no CCP permission: a contact routed to "
                    "their queue can never be answered (seed 002)",
                )
        return ("agent", user)

    def queue_state(self, q: QueueKey) -> PreparedQueue:
        """The world's state of a queue, or the default (empty, no agents) noted in the trace."""
        table = self.world.queues if q[0] == "queue" else self.world.agent_queues
        state = table.get(q[1])
        if state is None:
            self.fact(
                "default",
                f"no state for {label(q)} in the world: 0 contacts in queue, oldest 0 s, 0 agents",
            )
            state = table_default()
        if self.waited and q == self.queued and self.waited > state.oldest:
            # The contact itself waits in this queue: the oldest contact is at least as old.
            state = replace(state, oldest=self.waited)
        return state

    def capacity(self, q: QueueKey) -> tuple[int, str]:
        """The queue's capacity and where it comes from (seed 002)."""
        inst = self.inst
        if q[0] == "queue" and inst is not None:
            spec = inst.queues.get(q[1])
            if spec is not None and spec.max_contacts is not None:
                return spec.max_contacts, "the queue's maximum contacts in queue"
        if inst is not None:
            return inst.max_concurrent_contacts, "the instance's max-concurrent-contacts"
        return DEFAULT_INSTANCE_LIMIT, "the default instance limit (no instance file)"

    def end(self, *stop: Any) -> str:
        """End the flow (see `_finish`); the value to return from a run step."""
        self.stop = stop
        return STOP

    label = staticmethod(label)

    def note_missing(self, text: str) -> None:
        if text not in self.missing:
            self.missing.append(text)

    def param(self, node: Node, path: JsonPath) -> str | None:
        """A prepared parameter: a static value, or a reference's value (None when missing)."""
        p = node.prepared.get(path)
        if p is None or isinstance(p, str):
            return p
        value: str | None = self.resolve(p.path)
        if value is None:
            self.note_missing(p.text)
        return value

    def render(self, template: Any, fallback: str | None) -> str:
        """A prepared template's text (missing references read as empty)."""
        if template is None:
            return fallback or ""
        text: str = template.render(self, self.missing)
        return text

    def play(self, node: Node, path: JsonPath, ssml: str | None, prompt: str | None) -> None:
        template = node.prepared.get((*path, "text") if path else _TEXT)
        if template is not None:
            self.facts.append(("prompt", self.render(template, None)))
        elif ssml is not None:
            self.facts.append(("prompt", ssml))
        elif prompt is not None:
            self.fact("prompt", f"[library prompt {prompt}]")

    # -- conditions ----------------------------------------------------------------------------

    def match(self, node: Node, value: str, subject: str | None) -> str:
        """The branch of the first condition that matches `value`, else `no-match`."""
        vnum: float | None = None
        parsed = False
        for branch, lbl, op, text, num, ref, when in node.matchers:
            if when is not None:
                resolve = self.resolve
                values = Values([(r.path, resolve(r.path)) for r in when.refs])
                self.facts.append(("when", when.text, values))
                if when.evaluate(values, self.missing):
                    return str(branch)
                continue
            if ref is not None:
                text = self.resolve(ref.path)
                if text is None:
                    self.note_missing(ref.text)
                    text = ""
                num = as_number(text)
            if op == "equals":
                if value == text:
                    return self._matched(subject, value, lbl, branch)
                if num is not None:
                    if not parsed:
                        vnum, parsed = as_number(value), True
                    if vnum is not None and vnum == num:
                        return self._matched(subject, value, lbl, branch)
            elif op.startswith("number-"):
                if not parsed:
                    vnum, parsed = as_number(value), True
                    if vnum is None:
                        self.fact("not-a-number", value)
                if vnum is not None and num is not None and _NUMBER_OPS[op](vnum, num):
                    return self._matched(subject, value, lbl, branch)
            elif _TEXT_OPS[op](value, text):
                return self._matched(subject, value, lbl, branch)
        if subject is not None:
            self.facts.append(("compare", subject, value, None))
        return "no-match"

    def _matched(self, subject: str | None, value: str, lbl: str, branch: str) -> str:
        if subject is not None:
            self.facts.append(("compare", subject, value, lbl))
        return branch

    # -- the world -----------------------------------------------------------------------------

    def in_hours(self, hours: str | None) -> bool | None:
        """Whether the world's clock is within the hours (or the working queue's); None: error."""
        inst = self.inst
        if hours is None:
            q = self.queue
            spec = inst.queues.get(q[1]) if inst and q and q[0] == "queue" else None
            hours = spec.hours if spec else None
            if hours is None:
                self.fact(
                    "error",
                    f"no `hours` given and the working queue {label(q)} has no hours of operation",
                )
                return None
        if inst is None or hours not in inst.hours_of_operation:
            self.fact("error", f"hours of operation `{hours}` are not in the instance")
            return None
        key = ("hours", self.program, hours)
        cached = self.world.cache.get(key)
        if cached is None:
            at_clock = self._hours_at_clock(hours)
            # (open, the fact to record): both depend on the world's clock only.
            fact = (
                ("error", at_clock[1]) if at_clock[0] is None else ("hours", hours, *at_clock[1:])
            )
            cached = self.world.cache[key] = (at_clock[0], fact)
        if cached[0] is None:
            self.facts.append(cached[1])
            return None
        if self.world.clock_default:
            self.facts.append(("default", f"no clock in the world: {DEFAULT_CLOCK}"))
        self.facts.append(cached[1])
        return bool(cached[0])

    def _hours_at_clock(self, hours: str) -> tuple[Any, ...]:
        assert self.inst is not None
        spec_h = self.inst.hours_of_operation[hours]
        try:
            local = self.world.clock.astimezone(_zone(spec_h.time_zone))
        except Exception:  # noqa: BLE001 - an unknown zone is a run error, not a crash
            return (None, f"unknown time zone `{spec_h.time_zone}`")
        window = spec_h.days.get(DAYS[local.weekday()])  # type: ignore[call-overload]
        hhmm = local.strftime("%H:%M")
        is_open = False
        if window:
            start, end = window.split("-")
            is_open = start <= hhmm < end if start <= end else hhmm >= start or hhmm < end
        return (is_open, local.strftime("%A %Y-%m-%d %H:%M %Z"), window, is_open)

    def load_metrics(self, q: QueueKey) -> None:
        """Load the queue's metrics into `$.Metrics` and note them (read-only, so shared)."""
        world = self.world
        state = (world.queues if q[0] == "queue" else world.agent_queues).get(q[1])
        if state is None or self.waited:
            state = self.queue_state(q)
        # A state is never changed, and the key keeps it alive: its identity is a safe key.
        key = ("metrics", self.program, q, state)
        cache = world.cache
        known = cache.get(key)
        if known is None:
            if len(cache) >= 4096:  # states made per run (a contact waiting) come and go
                cache.clear()
            known = cache[key] = self._metrics(q, state)
        self.metrics = known[0]
        self.facts.append(known[1])

    def _metrics(
        self, q: QueueKey, state: PreparedQueue
    ) -> tuple[dict[tuple[str, ...], str], tuple[Any, ...]]:
        size, oldest = str(state.contacts), str(state.oldest)
        online, available, staffed = str(state.online), str(state.available), str(state.staffed)
        metrics = {
            ("Queue", "Size"): size,
            ("Queue", "OldestContactAge"): oldest,
            ("Agents", "Online", "Count"): online,
            ("Agents", "Available", "Count"): available,
            ("Agents", "Staffed", "Count"): staffed,
            ("Queue", "Name"): q[1],
            ("Queue", "ARN"): self.queue_arn(q),
        }
        fact = (
            "metrics",
            label(q),
            (
                ("Queue.Size", size),
                ("Queue.OldestContactAge", oldest),
                ("Agents.Online.Count", online),
                ("Agents.Available.Count", available),
                ("Agents.Staffed.Count", staffed),
            ),
        )
        return metrics, fact

    def wait_in_queue(self, interrupt: int | None) -> str:
        """Loop prompts: answered (stop), interrupted (`timeout`), or waiting (stop)."""
        q = self.queued or self.queue
        state = self.queue_state(q) if q is not None else None
        answer = state.answer_after if state is not None else None
        if answer is not None and (interrupt is None or answer <= self.waited + interrupt):
            self.fact("wait", label(q), answer)
            self.fact("note", f"an agent answers after {answer} s in queue")
            return self.end("queued", q)
        if interrupt is None:
            self.fact(
                "note", "no agent answers during the run; the prompts loop while the contact waits"
            )
            return self.end("queued", q) if q is not None else self.end("end")
        self.waited += interrupt
        self.fact("wait", label(q), self.waited)
        return "timeout"

    def customer_input(self, block: str) -> str | None:
        key = ("input", block)
        n = self.calls[key] = self.calls.get(key, 0) + 1
        given = self.world.input.get(block)
        if not given or n > len(given):
            why = "no input given" if not given else f"only {len(given)} input(s) given"
            self.fact("default", f"{why} for visit {n} of `{block}`: timeout")
            return None
        value = given[n - 1]
        self.facts.append(("input", value))
        return value

    def dial(
        self, node: Node, timeout: int | str, dtmf: str | None, caller: Any
    ) -> tuple[str, str] | None:
        """Check a phone transfer's parameters; (number, what the world says happens)."""
        number = self.param(node, ("phone-number",))
        if not number or not _E164.match(number):
            self.fact("error", f"phone number {number!r} is not an E.164 number")
            return None
        t = timeout if isinstance(timeout, int) else self.param(node, ("timeout-seconds",))
        if isinstance(t, str):
            n = as_number(t)
            t = int(n) if n is not None and n.is_integer() else -1
        if t is None or not 0 <= t <= 600:
            self.fact("error", f"timeout {t} is not between 0 and 600 seconds")
            return None
        digits = self.param(node, ("dtmf",)) if dtmf and dtmf.startswith("$.") else dtmf
        if digits and not _DTMF.match(digits):
            self.fact(
                "error",
                f"DTMF {digits!r} has {len(digits)} characters; at most 50 of 0-9 , * # are sent"
                if len(digits) > 50
                else f"DTMF {digits!r} may only hold 0-9 , * #",
            )
            return None
        caller_number = None
        if caller is not None and caller.number:
            caller_number = self.param(node, ("caller-id", "number"))
            if not caller_number or not _E164.match(caller_number):
                self.fact("error", f"caller ID number {caller_number!r} is not an E.164 number")
                return None
        details = [f"timeout {t} s"]
        if digits:
            details.append(f"DTMF {digits}")
        if caller is not None:
            name = (
                self.param(node, ("caller-id", "name"))
                if (caller.name or "").startswith("$.")
                else caller.name
            )
            details.append(f"caller ID {caller_number or ''} {name or ''}".rstrip())
        self.fact("note", "dialling " + number + ": " + ", ".join(details))
        key = ("external", number)
        calls = self.calls[key] = self.calls.get(key, 0) + 1
        outcomes = self.world.external.get(number)
        if not outcomes:
            self.fact("default", f"no outcome for {number} in the world: answered")
            return number, "answered"
        return number, outcomes[min(calls, len(outcomes)) - 1]

    # -- attributes, Lambdas, email ------------------------------------------------------------

    def set_attributes(self, plan: tuple[tuple[str, int, Any, str], ...]) -> str:
        """Set attributes, in order: `(key, *plan_value)` items (a value may read an earlier one)."""
        attrs = self.attrs
        facts = self.facts
        chars = self.attr_chars
        for key, kind, arg, text in plan:
            if kind == STATIC:
                new = arg
            elif kind == RENDER:
                new = arg(self)
            else:
                value = (
                    self.external.get(arg)
                    if kind == EXTERNAL
                    else attrs.get(arg)
                    if kind == ATTRIBUTE
                    else arg(self)
                )
                if value is None:
                    self.note_missing(text)
                    value = ""
                new = value
            old = attrs.get(key)
            facts.append(("set", key, old, new))
            attrs[key] = new
            # An upper bound (a replaced value is not taken off): exact when it is reached.
            chars += len(key) + len(new)
        self.attr_chars = chars
        if 4 * chars > MAX_ATTRIBUTE_BYTES:
            return self.undo_oversized(len(plan))
        return "success"

    def undo_oversized(self, count: int) -> str:
        """After `count` attributes were set: undo them if the attributes are now over the limit.

        Callers check the cheap bound first (4 bytes a character at most); this counts bytes.
        """
        attrs = self.attrs
        size = attribute_bytes(attrs)
        if size <= MAX_ATTRIBUTE_BYTES:
            self.attr_chars = sum(map(len, attrs)) + sum(map(len, attrs.values()))
            return "success"
        for fact in reversed(self.facts[-count:]):
            if fact[2] is None:
                del attrs[fact[1]]
            else:
                attrs[fact[1]] = fact[2]
        self.attr_chars = sum(map(len, attrs)) + sum(map(len, attrs.values()))
        self.fact(
            "error",
            f"attributes would take {size:,} UTF-8 bytes; at most "
            f"{MAX_ATTRIBUTE_BYTES:,} are allowed (nothing was set)",
        )
        return "error"

    def invoke_lambda(self, function: str, plan: tuple[tuple[str, int, Any, str], ...]) -> str:
        """Call a mocked Lambda with its parameters, `(key, *plan_value)` items."""
        key = ("lambda", function)
        n = self.calls[key] = self.calls.get(key, 0) + 1
        args = read_values(self, plan) if plan else {}
        returns: dict[str, str] | None = None
        error = None
        for lo, hi, ret, err in self.world.lambdas.get(function, ()):
            if lo <= n <= hi:
                returns, error = ret, err
                break
        else:
            self.fact("default", f"no mock for call #{n} of `{function}`: it returns {{}}")
            returns = {}
        self.facts.append(("lambda", function, n, args, returns, error))
        if error is not None:
            return "error"
        # `$.External` is only ever replaced, never changed in place: the world's dict is shared.
        self.external = returns if returns is not None else {}
        return "success"

    def email_policy(self, policy: Any) -> str:
        """The outbound email policy on the contact's recipients (seed 000; flowrt.email_run)."""
        from flowrt.email_run import evaluate_policy

        c = self.contact
        if not c.to:
            self.fact("error", "the email has no To address")
            return "error"
        forward = c.extra.get(("EmailAction",), "forward") == "forward"
        decision, reason = evaluate_policy(policy, c.to, c.cc, forward)
        self.fact("policy", ", ".join(a.lower() for a in (*c.to, *c.cc)), decision, reason)
        return decision


@cache
def _zone(name: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


_EMPTY_QUEUE = PreparedQueue()


def table_default() -> PreparedQueue:
    return _EMPTY_QUEUE


# ---------------------------------------------------------------------------------------------
# run steps specialised at compile time (see Block.compile_step)

#: A reference's lookup specialised for one path: `getter(path)(rt) == rt.resolve(path)`.
Getter = Callable[[Runtime], "str | None"]
#: A template's rendering specialised for one template (missing references noted in `rt`).
Renderer = Callable[[Runtime], str]


def _absent(rt: Runtime) -> str | None:
    return None


def getter(path: tuple[str, ...]) -> Getter:
    """`Runtime.resolve(path)` specialised once into a direct lookup (same values, same misses)."""
    ns = path[0]
    if ns == "Attributes" or ns == "External":
        if len(path) != 2:
            return _absent
        key = path[1]
        if ns == "Attributes":

            def attribute(rt: Runtime) -> str | None:
                return rt.attrs.get(key)

            return attribute

        def external(rt: Runtime) -> str | None:
            return rt.external.get(key)

        return external
    if ns == "Metrics":
        rest = path[1:]

        def metric(rt: Runtime) -> str | None:
            return rt.metrics.get(rest)

        return metric

    if ns == "Channel" and len(path) == 1:

        def channel(rt: Runtime) -> str | None:
            c = rt.contact
            if c.extra and path in c.extra:
                return c.extra[path]
            return c.channel

        return channel
    if path == ("CustomerEndpoint", "Address"):

        def customer_address(rt: Runtime) -> str | None:
            c = rt.contact
            if c.extra and path in c.extra:
                return c.extra[path]
            return c.customer_endpoint

        return customer_address

    def other(rt: Runtime) -> str | None:
        return rt._resolve_other(ns, path)

    return other


def renderer(template: Template | None, fallback: str = "") -> Renderer:
    """`rt.render(template, fallback)` specialised: constant text, one reference, or general."""
    if template is None or template.is_constant:
        text = fallback if template is None else template.text

        def constant(rt: Runtime) -> str:
            return text

        return constant
    refs = template.refs
    if len(refs) == 1 and refs[0].text == template.text:
        path, ref_text = refs[0].path, refs[0].text
        if len(path) == 2 and path[0] in ("Attributes", "External"):
            key, attributes = path[1], path[0] == "Attributes"

            def user_value(rt: Runtime) -> str:
                value = (rt.attrs if attributes else rt.external).get(key)
                if value is None:
                    rt.note_missing(ref_text)
                    return ""
                return value

            return user_value
        get = getter(path)

        def reference(rt: Runtime) -> str:
            value = get(rt)
            if value is None:
                rt.note_missing(ref_text)
                return ""
            return value

        return reference

    def general(rt: Runtime) -> str:
        return template.render(rt, rt.missing)

    return general


#: How a run step reads one value (`plan_value`): (kind, argument, reference text).
ValuePlan = tuple[int, Any, str]
STATIC, ATTRIBUTE, EXTERNAL, GETTER, RENDER = range(5)


def plan_value(template: Template | None, fallback: str = "") -> ValuePlan:
    """How to read a template's value in a run step without a call where none is needed.

    STATIC: the text itself; ATTRIBUTE / EXTERNAL: a key of `rt.attrs` / `rt.external` (None:
    missing, note the reference text and read ""); GETTER: a `getter` (same, for the other
    namespaces); RENDER: a `renderer` (a template mixing text and references).
    """
    if template is None or template.is_constant:
        return (STATIC, fallback if template is None else template.text, "")
    refs = template.refs
    if len(refs) == 1 and refs[0].text == template.text:
        path, text = refs[0].path, refs[0].text
        if len(path) == 2 and path[0] == "Attributes":
            return (ATTRIBUTE, path[1], text)
        if len(path) == 2 and path[0] == "External":
            return (EXTERNAL, path[1], text)
        return (GETTER, getter(path), text)
    return (RENDER, renderer(template), "")


def read_values(rt: Runtime, plan: tuple[tuple[str, int, Any, str], ...]) -> dict[str, str]:
    """The values of `(key, *plan_value)` items, by key (missing references read as "")."""
    out: dict[str, str] = {}
    for key, kind, arg, text in plan:
        if kind == STATIC:
            out[key] = arg
            continue
        if kind == RENDER:
            out[key] = arg(rt)
            continue
        value = (
            rt.attrs.get(arg)
            if kind == ATTRIBUTE
            else rt.external.get(arg)
            if kind == EXTERNAL
            else arg(rt)
        )
        if value is None:
            rt.note_missing(text)
            value = ""
        out[key] = value
    return out


def prompt_fact(
    node: Node, path: JsonPath, ssml: str | None, prompt: str | None
) -> tuple[str, str] | None:
    """The `prompt` fact of a prompt that never changes (static text, SSML, a library prompt)."""
    template = node.prepared.get((*path, "text") if path else _TEXT)
    if template is not None:
        return ("prompt", template.text) if template.is_constant else None
    if ssml is not None:
        return ("prompt", ssml)
    if prompt is not None:
        return ("prompt", f"[library prompt {prompt}]")
    return None


def player(
    node: Node, path: JsonPath, ssml: str | None, prompt: str | None
) -> Callable[[Runtime], None]:
    """`rt.play(node, path, ssml, prompt)` specialised: a constant prompt's fact is built once."""
    template = node.prepared.get((*path, "text") if path else _TEXT)
    if template is not None and not template.is_constant:
        render = renderer(template)

        def play_template(rt: Runtime) -> None:
            rt.facts.append(("prompt", render(rt)))

        return play_template
    fact = prompt_fact(node, path, ssml, prompt)
    if fact is None:

        def silent(rt: Runtime) -> None:
            return None

        return silent
    shared = fact

    def play_constant(rt: Runtime) -> None:
        rt.facts.append(shared)

    return play_constant


def _equals_matcher(tests: tuple[tuple[str, str, int, str, float | None, Any], ...]) -> Matcher:
    """Conditions that are all `equals` a static operand: two lookups find the first match."""
    n = len(tests)
    exact: dict[str, int] = {}
    numeric: dict[float, int] = {}
    for i, (_, _, _, text, num, _) in enumerate(tests):
        exact.setdefault(text, i)
        if num is not None:
            numeric.setdefault(num, i)
    hits = tuple((branch, lbl) for branch, lbl, *_ in tests)

    def match_equals(rt: Runtime, value: str, subject: str | None) -> str:
        k = exact.get(value, n)
        if numeric and k:
            vnum = _number(value)
            if vnum is not None:
                k = min(k, numeric.get(vnum, n))
        if k < n:
            branch, lbl = hits[k]
            if subject is not None:
                rt.facts.append(("compare", subject, value, lbl))
            return branch
        if subject is not None:
            rt.facts.append(("compare", subject, value, None))
        return "no-match"

    return match_equals


class Values(dict):  # type: ignore[type-arg]
    """A `when:` condition's reference values when it was evaluated, by path.

    It is the condition's fact (the trace shows the values) and the resolver the condition is
    evaluated against: `resolve` is `dict.get`, so reading a value calls no Python code.
    """

    __slots__ = ()
    resolve = dict.get


def _snapshot(when: Any) -> Callable[[Runtime], Values]:
    """The values of a `when:` condition's references (see `Values`)."""
    pairs = tuple((r.path, getter(r.path)) for r in when.refs)
    if len(pairs) == 1:
        ((path, get),) = pairs

        def one(rt: Runtime) -> Values:
            return Values({path: get(rt)})

        return one
    if len(pairs) == 2:
        (path1, get1), (path2, get2) = pairs

        def two(rt: Runtime) -> Values:
            return Values({path1: get1(rt), path2: get2(rt)})

        return two

    def many(rt: Runtime) -> Values:
        return Values([(path, get(rt)) for path, get in pairs])

    return many


def _number_matcher(tests: tuple[tuple[str, str, int, str, float | None, Any], ...]) -> Matcher:
    """Conditions that are all number operators on static operands."""
    numbers = tuple((branch, lbl, test, num) for branch, lbl, _, _, num, test in tests)

    def match_numbers(rt: Runtime, value: str, subject: str | None) -> str:
        vnum = _number(value)
        if vnum is None:
            rt.facts.append(("not-a-number", value))
        else:
            for branch, lbl, test, num in numbers:
                if num is not None and test(vnum, num):
                    if subject is not None:
                        rt.facts.append(("compare", subject, value, lbl))
                    return branch
        if subject is not None:
            rt.facts.append(("compare", subject, value, None))
        return "no-match"

    return match_numbers


def _when_matcher(tests: tuple[tuple[str, str, int, str, float | None, Any], ...]) -> Matcher:
    """Conditions that are all `when:` expressions: each notes its values, then is evaluated."""
    whens = tuple((branch, text, *test) for branch, text, _, _, _, test in tests)

    def match_whens(rt: Runtime, value: str, subject: str | None) -> str:
        facts = rt.facts
        for branch, text, snapshot, evaluate in whens:
            values = snapshot(rt)
            facts.append(("when", text, values))
            if evaluate(values, rt.missing):
                return str(branch)
        if subject is not None:
            facts.append(("compare", subject, value, None))
        return "no-match"

    return match_whens


#: `rt.match(node, value, subject)` specialised for one node's conditions.
Matcher = Callable[[Runtime, str, "str | None"], str]
_EQUALS, _NUMBER, _TEXT_OP, _WHEN = 0, 1, 2, 3


def matcher(node: Node) -> Matcher:
    """`rt.match` for `node`'s conditions, specialised when every operand is static.

    Same branches and facts as `Runtime.match`: the value is parsed as a number at most once,
    and `not-a-number` is noted only when the first condition that needs the number is a number
    operator (an `equals` with a number operand parses silently).
    """
    tests: list[tuple[str, str, int, str, float | None, Any]] = []
    parse_at = fact_at = -1
    for i, (branch, lbl, op, text, num, ref, when) in enumerate(node.matchers):
        if when is not None:
            tests.append((branch, when.text, _WHEN, "", None, (_snapshot(when), when.evaluator)))
            continue
        if ref is not None or (op != "equals" and op not in _NUMBER_OPS and op not in _TEXT_OPS):

            def general(rt: Runtime, value: str, subject: str | None) -> str:
                return rt.match(node, value, subject)

            return general
        number_op = op in _NUMBER_OPS
        if parse_at < 0 and (number_op or (op == "equals" and num is not None)):
            parse_at = i
            fact_at = i if number_op else -1
        if op == "equals":
            tests.append((branch, lbl, _EQUALS, text, num, None))
        elif number_op:
            tests.append((branch, lbl, _NUMBER, text, num, _NUMBER_OPS[op]))
        else:
            tests.append((branch, lbl, _TEXT_OP, text, num, _TEXT_OPS[op]))
    needs_number = parse_at >= 0
    static = tuple(tests)
    if static and all(t[2] == _EQUALS for t in static):
        return _equals_matcher(static)
    if static and all(t[2] == _NUMBER for t in static):
        return _number_matcher(static)
    if static and all(t[2] == _WHEN for t in static):
        return _when_matcher(static)

    def match(rt: Runtime, value: str, subject: str | None) -> str:
        vnum = _number(value) if needs_number else None
        i = 0
        for branch, lbl, kind, text, num, test in static:
            if kind == _EQUALS:
                hit = value == text or (num is not None and vnum is not None and vnum == num)
            elif kind == _NUMBER:
                if i == fact_at and vnum is None:
                    rt.facts.append(("not-a-number", value))
                hit = vnum is not None and num is not None and test(vnum, num)
            elif kind == _WHEN:
                snapshot, evaluate = test
                values = snapshot(rt)
                rt.facts.append(("when", lbl, values))
                if evaluate(values, rt.missing):
                    return branch
                i += 1
                continue
            else:
                hit = test(value, text)
            if hit:
                if subject is not None:
                    rt.facts.append(("compare", subject, value, lbl))
                return branch
            i += 1
        if subject is not None:
            rt.facts.append(("compare", subject, value, None))
        return "no-match"

    return match


# ---------------------------------------------------------------------------------------------
# running


def _flow_for(program: Program, contact: PreparedContact, flow: str | None) -> CompiledFlow:
    if flow is not None:
        if flow not in program.flows:
            raise FlowrtError([Diagnostic.make("FR100", f"unknown flow `{flow}`")])
        return program.flows[flow]
    inst = program.instance
    endpoint = contact.system_endpoint
    if inst is not None and endpoint is not None:
        target = None
        if endpoint in inst.phone_numbers:
            target = inst.phone_numbers[endpoint].flow
        elif endpoint in inst.email_addresses:
            target = inst.email_addresses[endpoint].flow
        if target in program.flows:
            return program.flows[target]
    contact_flows = [f for f in program.flows.values() if f.type == "contact"]
    if len(contact_flows) == 1:
        return contact_flows[0]
    raise FlowrtError(
        [
            Diagnostic.make(
                "FR100",
                "which flow should run? give `flow=`, or a system endpoint whose number or "
                "address names a flow in the instance",
            )
        ]
    )


def run(
    program: Program,
    contact: Contact | Mapping[str, Any] | PreparedContact | None,
    world: World | Mapping[str, Any] | PreparedWorld | None = None,
    *,
    flow: str | None = None,
    max_steps: int = DEFAULT_MAX_STEPS,
    contact_id: str | None = None,
) -> Result:
    """Run one contact through a flow of `program` in `world`; never raises for a bad flow run.

    `contact` and `world` may be the scenario models, plain dicts (kebab-case keys, as in a
    scenario file) or prepared records (`prepare_contact`, `prepare_world`: fastest when the same
    ones run many times).  The flow is `flow`, else the flow the instance assigns to the contact's
    system endpoint, else the project's only contact flow.
    """

    if type(contact) is not PreparedContact and contact is not None:
        from flowrt import email_run  # the email channel: StartEmailContact and agent actions

        if email_run.is_email_case(contact, world):
            return email_run.run_email(
                program, contact, world, flow=flow, max_steps=max_steps, contact_id=contact_id
            )
    pc = contact if type(contact) is PreparedContact else prepare_contact(contact)
    pw = world if type(world) is PreparedWorld else prepare_world(world)
    flows = program.flows
    cflow = flows[flow] if flow in flows else _flow_for(program, pc, flow)
    cid = contact_id or contact_id_for("flowrt", cflow.name)
    rt = Runtime(program, pc, pw, cid)
    if pc.queue is not None:
        rt.queue = pc.queue if isinstance(pc.queue, tuple) else ("queue", pc.queue)
        if cflow.type == "customer-queue":
            rt.queued = rt.queue
    outcome = _loop(rt, cflow, max(1, max_steps))
    trace = Trace(None, pc, pw, cid, log=rt.facts)
    diags: list[Diagnostic] = []
    if outcome.kind == "step-limit":
        diags.append(_step_limit_diagnostic(outcome, trace.records, max_steps))
    return Result(outcome, trace, diags, cid)


def _loop(rt: Runtime, cflow: CompiledFlow, max_steps: int) -> Outcome:
    """Run steps until the flow ends; the run's log is `rt.facts` (see `Trace`).

    The steps append their facts to the log; after each step the loop appends its marker,
    `(node, branch)` or `(node, branch, missing references)`, so a step's facts are the entries
    since the previous marker.  No list is made per step.
    """
    log = rt.facts
    append = log.append
    flows = [cflow.name]
    node = cflow.nodes[cflow.start]
    faults = rt.world.errors
    try:
        for _ in range(max_steps):
            if faults and node.name in faults:
                rt.fact("error", "the world makes this block fail (errors:)")
                branch = _failure_branch(node)
            else:
                branch = node.step(node, rt)
            if rt.missing:
                append((node, branch, rt.missing))
                rt.missing = []
            else:
                append((node, branch))
            nxt = node.exits.get(branch)
            if nxt is None:
                stop = rt.stop
                if stop is not None and stop[0] == "flow":
                    rt.stop = None
                    cflow = stop[1]
                    flows.append(cflow.name)
                    node = cflow.nodes[cflow.start]
                    continue
                return _finish(rt, cflow, node, branch, tuple(flows), log)
            node = nxt
    except Exception as exc:  # noqa: BLE001 - a run never ends in a traceback
        # What the failed step wrote before it failed is dropped: only the error is shown.
        while log and type(log[-1][0]) is str:
            log.pop()
        append(("error", f"internal error: {exc!r}"))
        append((node, "error"))
        return Outcome(
            "error",
            cflow.name,
            node.name,
            reason=f"internal error in block `{node.name}`: {exc!r}",
            flows=tuple(flows),
        )
    return Outcome(
        "step-limit",
        cflow.name,
        node.name,
        flows=tuple(flows),
        cycle=_cycle(log),
        reason=f"more than {max_steps} steps",
    )


def _failure_branch(node: Node) -> str:
    """The branch a failing block takes: `error`, or a connect-action's first error type."""
    targets = node.targets
    if "error" in targets or node.type != "connect-action":
        return "error"
    return next((b for b in targets if b != "success" and not b.startswith("condition-")), "error")


def _finish(
    rt: Runtime,
    cflow: CompiledFlow,
    node: Node,
    branch: str,
    flows: tuple[str, ...],
    log: list[tuple[Any, ...]],
) -> Outcome:
    stop = rt.stop
    name = node.name
    if stop is None:
        if branch == "error":
            reason = next(
                (f[1] for f in _last_step_facts(log) if f[0] == "error"), "the block failed"
            )
            return Outcome(
                "error",
                cflow.name,
                name,
                reason=f"block `{name}` took `error` ({reason}), which is not connected",
                flows=flows,
            )
        return Outcome(
            "disconnected",
            cflow.name,
            name,
            reason=f"branch `{branch}` of block "
            f"`{name}` is not connected; Amazon Connect disconnects the contact",
            flows=flows,
        )
    kind = stop[0]
    if kind == "end":
        if rt.queued is not None:
            return _shared_outcome("queued", cflow.name, name, label(rt.queued), flows)
        return _shared_outcome("ended", cflow.name, name, None, flows)
    if kind == "queued":
        return _shared_outcome("queued", cflow.name, name, label(stop[1]), flows)
    if kind == "number":
        return Outcome("transferred-to-number", cflow.name, name, number=stop[1], flows=flows)
    if kind == "disconnect":
        return _shared_outcome("disconnected", cflow.name, name, None, flows)
    return Outcome("error", cflow.name, name, reason=str(stop[1]), flows=flows)


_OUTCOMES: dict[tuple[Any, ...], Outcome] = {}


def _shared_outcome(
    kind: str, flow: str, block: str, queue: str | None, flows: tuple[str, ...]
) -> Outcome:
    """An outcome without a reason: frozen, so equal ones are shared (building one is slow)."""
    key = (kind, flow, block, queue, flows)
    out = _OUTCOMES.get(key)
    if out is None:
        if len(_OUTCOMES) >= 4096:
            _OUTCOMES.clear()
        out = _OUTCOMES[key] = Outcome(kind, flow, block, queue=queue, flows=flows)
    return out


def _last_step_facts(log: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The facts of the last step of a run's log, last first."""
    out = []
    for entry in reversed(log[:-1]):
        if type(entry[0]) is not str:  # the previous step's marker
            break
        out.append(entry)
    return out


def _cycle(log: list[tuple[Any, ...]]) -> tuple[str, ...]:
    """The blocks of the loop the run was caught in, from the tail of the trace."""
    seq = [(e[0].flow.name, e[0].name) for e in log if type(e[0]) is not str]
    last = seq[-1]
    for j in range(len(seq) - 2, max(-1, len(seq) - 500), -1):
        if seq[j] == last:
            members = seq[j:-1]
            # Start the cycle at the block of it the run entered first, so it reads naturally.
            first = next(s for s in seq if s in members)
            k = members.index(first)
            loop = [*members[k:], *members[:k], first]
            many = len({f for f, _ in loop}) > 1
            return tuple(f"{f}:{b}" if many else b for f, b in loop)
    return (last[1],)


def _step_limit_diagnostic(outcome: Outcome, records: list[Record], max_steps: int) -> Diagnostic:
    first = records[-1][1] if records else None
    for _, node, _, _, _ in reversed(records):
        if node.name == outcome.cycle[0].rsplit(":", 1)[-1]:
            first = node
            break
    span = first.span if first is not None else None
    return Diagnostic.make(
        "FR107",
        f"run stopped after {max_steps} steps: blocks {' -> '.join(outcome.cycle)} loop "
        "without end",
        span,
        "give the loop a way out (a counter checked by check-contact-attributes, a timeout "
        "branch to a disconnect), or raise --max-steps if the loop is meant to run this long",
    )
