"""The state of one run (`Runtime`) and the services its run steps use.

`Runtime` holds what a run reads and changes (attributes, `$.External`, `$.Metrics`, the working
queue, per-run counters) and answers what blocks ask of the world: references, queue states and
capacity, hours of operation, dialling, Lambda responses, customer input, the outbound email
policy.  It is also the `Resolver` expressions read references through.  The run loop is in
flowrt.run.interpreter; specialised run steps are built by flowrt.lang.steps.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from flowrt.lang.blocks.base import placeholder
from flowrt.lang.expr import as_number
from flowrt.lang.steps import (
    NUMBER_OPS,
    TEXT_OPS,
    QueueKey,
    Values,
    evaluate_noting,
    label,
)
from flowrt.run import calls
from flowrt.run.email_policy import evaluate_policy
from flowrt.run.services import NAMESPACES as SERVICE_NAMESPACES
from flowrt.run.services import Services, hours_open
from flowrt.run.world import (
    PreparedContact,
    PreparedQueue,
    PreparedWorld,
    table_default,
)

if TYPE_CHECKING:
    from flowrt.lang.compiler import Node, Program
    from flowrt.lang.instance import Instance
    from flowrt.lang.loader import JsonPath

#: The branch a run step returns when it has ended the flow (it is never connected).
STOP = ""
#: How long a run lets a contact wait in a customer queue flow when no agent answers (the queue
#: has no `answer-after`): after an hour of waits the run ends queued, since the flow would only
#: repeat itself until an agent answers or the customer hangs up.
MAX_QUEUE_WAIT = 3600
#: Without an instance file, queues are limited by Amazon Connect's default instance limit.
DEFAULT_INSTANCE_LIMIT = 100
_E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")
_DTMF = re.compile(r"^[0-9,*#]{0,50}$")


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
        "state",
        "related_attrs",
        "attr_chars",
        "_svc",
        "_seen",
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
        #: What "set a behaviour" blocks set, by reference path: `("FlowAttributes", "x")`,
        #: `("TextToSpeechVoice",)`, ... (read back first), or by a name no reference reads
        #: (`("callback-number",)`, `("routing-priority",)`): flowrt.lang.blocks.settings.
        self.state: dict[tuple[str, ...], str] = {}
        #: Attributes this run set on the related contact (`target-contact: related`).
        self.related_attrs: dict[str, str] = {}
        #: `missing` and the set of its texts, once it is long (see `note_missing`); the run
        #: loop empties both after each step that noted a missing reference.
        self._seen: tuple[list[str], set[str]] | None = None
        # Made on first use (`svc`): most runs ask no bot, view, loop, module or profile, and
        # building it is a good part of a short run's set-up.
        self._svc: Services | None = None

    @property
    def svc(self) -> Services:
        """Lex bots, views, loops, modules, customer profiles (flowrt.run.services)."""
        svc = self._svc
        if svc is None:
            svc = self._svc = Services(self)
        return svc

    # -- the Resolver protocol -----------------------------------------------------------------

    def resolve(self, path: tuple[str, ...]) -> str | None:
        """The value at a reference path, or None when it is missing (it then reads as "")."""
        ns = path[0]
        if ns == "Attributes":
            return self.attrs.get(path[1]) if len(path) == 2 else None
        if ns == "External":
            # A JSON response (`response-type: json`) is kept flattened: `a.b` for {"a": {"b"}}.
            return self.external.get(path[1] if len(path) == 2 else ".".join(path[1:]))
        if ns == "Metrics":
            return self.metrics.get(path[1:])
        return self._resolve_other(ns, path)

    def _resolve_other(self, ns: str, path: tuple[str, ...]) -> str | None:
        if self.state and path in self.state:
            return self.state[path]
        c = self.contact
        rest = path[1:]
        if c.extra and path in c.extra:
            return c.extra[path]
        if ns in SERVICE_NAMESPACES:
            svc = self._svc  # no services used yet: none of their values is set
            return svc.values.get(path) if svc is not None else None
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
            if ns == "CallbackNumber":
                # Connect: the number set by Set callback number, else the customer's number.
                return self.state.get(("callback-number",)) or c.customer_endpoint
            if ns == "TextToSpeechVoiceId":
                return self.state.get(("TextToSpeechVoice",))
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
        """Record a fact about the current step (see flowrt.run.trace.FACTS)."""
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
                    "must hold the queue ARN",
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
                    "their queue can never be answered",
                )
        return ("agent", user)

    def target(
        self, node: Node, queue: str | None, agent: str | None
    ) -> tuple[QueueKey, PreparedQueue] | None:
        """The queue a block acts on and its state: the block's own queue or agent, else the
        working queue.  None when there is none (`pick_queue` notes why)."""
        q = self.queue if queue is None and agent is None else self.pick_queue(node, queue, agent)
        if q is None:
            if queue is None and agent is None:
                self.pick_queue(node, queue, agent)  # notes that no working queue is set
            return None
        world = self.world  # queue_state's common case, without the call
        state = (world.queues if q[0] == "queue" else world.agent_queues).get(q[1])
        if state is None or self.waited:
            state = self.queue_state(q)  # the default state, or the contact's own wait
        return q, state

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
        """The queue's capacity and where it comes from."""
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

    def note_missing(self, text: str) -> None:
        """Note a missing reference once per step: a long list (thousands of references in one
        step) gets a set beside it, kept in step with what others appended (linear, not quadratic)."""
        missing = self.missing
        if len(missing) < 32:
            if text not in missing:
                missing.append(text)
            return
        seen = self._seen
        if seen is None or seen[0] is not missing:
            seen = self._seen = (missing, set(missing))
        known = seen[1]
        if len(known) < len(missing):  # appended by a condition or a template: distinct texts
            known.update(missing[len(known) :])
        if text not in known:
            known.add(text)
            missing.append(text)

    def param(self, node: Node, path: JsonPath) -> str | None:
        """A prepared parameter: a static value, or a reference's value (None when missing)."""
        p = node.prepared.get(path)
        if p is None or isinstance(p, str):
            return p
        value: str | None = self.resolve(p.path)
        if value is None:
            self.note_missing(p.text)
        return value

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
                if evaluate_noting(self, when.evaluate, values):
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
                if vnum is not None and num is not None and NUMBER_OPS[op](vnum, num):
                    return self._matched(subject, value, lbl, branch)
            elif TEXT_OPS[op](value, text):
                return self._matched(subject, value, lbl, branch)
        if subject is not None:
            self.facts.append(("compare", subject, value, None))
        return "no-match"

    def _matched(self, subject: str | None, value: str, lbl: str, branch: str) -> str:
        if subject is not None:
            self.facts.append(("compare", subject, value, lbl))
        return branch

    # -- the world -----------------------------------------------------------------------------

    #: Whether the world's clock is within the hours (flowrt.run.services); None: error.  The
    #: function itself, not a method calling it: one Python call less on a run's hot path.
    in_hours = hours_open

    def load_metrics(self, q: QueueKey, state: PreparedQueue | None = None) -> None:
        """Load the queue's metrics into `$.Metrics` and note them (read-only, so shared)."""
        if state is None:
            state = self.queue_state(q)
        world = self.world
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
        ended = self._queue_wait_over(q, answer)
        return "timeout" if ended is None else ended

    def queue_wait(self, seconds: int) -> str | None:
        """A wait of `seconds` in a customer queue flow (the wait block): the run ends queued
        when an agent answers within it (the queue's `answer-after`), or when no agent answers
        and the contact has waited `MAX_QUEUE_WAIT` seconds; else None (the wait completes)."""
        q = self.queued or self.queue
        state = self.queue_state(q) if q is not None else None
        answer = state.answer_after if state is not None else None
        if answer is not None and answer <= self.waited + seconds:
            self.fact("wait", label(q), answer)
            self.fact("note", f"an agent answers after {answer} s in queue")
            return self.end("queued", q) if q is not None else self.end("end")
        self.waited += seconds
        self.fact("wait", label(q), self.waited)
        return self._queue_wait_over(q, answer)

    def _queue_wait_over(self, q: Any, answer: int | None) -> str | None:
        """End the run when no agent answers and the contact has waited `MAX_QUEUE_WAIT` s: a
        customer queue flow loops until an agent answers, so going on would only repeat it."""
        if answer is not None or self.waited < MAX_QUEUE_WAIT:
            return None
        self.fact(
            "note",
            f"no agent answers in {self.waited} s of waiting; the customer queue flow goes on "
            "like this until one does (give the queue `answer-after` to see the agent answer)",
        )
        return self.end("queued", q) if q is not None else self.end("end")

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
        if number and not _E164.match(number) and placeholder(number):  # `+1{{phoneNumber}}`
            why = "holds a deployment template's placeholder: not dialled, taken as answered"
            self.fact("note", f"{number} {why}")
            return number, "answered"
        if not number or not _E164.match(number):
            self.fact("error", f"phone number {number!r} is not an E.164 number")
            return None
        raw = timeout if isinstance(timeout, int) else self.param(node, ("timeout-seconds",))
        n = as_number(raw) if isinstance(raw, str) else raw
        if n is None or n % 1 or not 0 <= n <= 600:  # a reference's value: say what it held
            why = f"is `{raw}`" if raw else "is empty"
            self.fact("error", f"the timeout {why}, not a whole number of seconds from 0 to 600")
            return None
        t = int(n)
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

    #: Set attributes (`flowrt.run.calls.set_attributes`); the functions are the methods, kept
    #: there for size, so a call costs no second Python call.
    set_attributes = calls.set_attributes
    undo_oversized = calls.undo_oversized
    #: Call a mocked Lambda (`flowrt.run.calls.invoke_lambda`).
    invoke_lambda = calls.invoke_lambda
    #: Set attributes on the related contact (`flowrt.run.calls.set_related_attributes`).
    set_related_attributes = calls.set_related_attributes

    def email_policy(self, policy: Any) -> str:
        """The outbound email policy on the contact's recipients (flowrt.run.email_policy)."""
        c = self.contact
        if not c.to:
            self.fact("error", "the email has no To address")
            return "error"
        forward = c.extra.get(("EmailAction",), "forward") == "forward"
        decision, reason = evaluate_policy(policy, c.to, c.cc, forward)
        self.fact("policy", ", ".join(a.lower() for a in (*c.to, *c.cc)), decision, reason)
        return decision
