"""A world that answers by choice: the runtime a path is explored with.

A block's run step asks the world through its `Runtime` (flowrt.run.runtime): queue capacity and
metrics, hours, Lambda results, customer input, transfers, contact attributes.  `ChoiceRuntime`
is that runtime with each of those questions turned into a *choice point*: it asks its `Chooser`,
which answers from the script of the path being explored and records the question, the number of
answers and the one given.  The block's own step decides which branch an answer leads to, so the
choice points of any block type come from the block itself: what it asks and what it does with
the answer.  A block whose step asks a service explore does not model (a method of `Runtime`
not listed in `MODELLED`) marks the run `unmodelled`; the explorer then treats each of its
connected branches as a choice point (`flowrt.explore.walk`).

Every answer is kept consistent within a path (a queue's state, a contact attribute, the clock
and a block's failure are chosen once), which is what makes a branch semantically unreachable:
a condition on an attribute the path set, out-of-hours for hours open around the clock.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from flowrt.run.runtime import Runtime
from flowrt.run.world import PreparedQueue, PreparedWorld

if TYPE_CHECKING:
    from flowrt.explore.derive import ClockClass, Derived
    from flowrt.explore.graph import Ahead
    from flowrt.lang.compiler import Node, Program
    from flowrt.run.world import PreparedContact

T = TypeVar("T")
#: What a transfer to a phone number may do (the world's `external:` outcomes).
EXTERNAL = ("answered", "call-failed", "timeout", "never-returns", "error")
#: Contact fields a condition may test whose value the world (the contact) gives.
ENDPOINTS = frozenset({"SystemEndpoint", "CustomerEndpoint"})
#: Sample endpoints a case gives when nothing tests the value (`example` addresses).
SAMPLES = {
    ("CustomerEndpoint", "Address"): ("+15555550100", "customer@example.com"),
    ("SystemEndpoint", "Address"): ("+18005550100", "support@example.com"),
    ("CustomerEndpoint", "DisplayName"): ("Customer", "Customer"),
    ("SystemEndpoint", "DisplayName"): ("Support", "Support"),
}


def _sample(path: tuple[str, ...], channel: str) -> str | None:
    pair = SAMPLES.get((path[0], path[1]))
    if pair is None:
        return None
    return pair[1] if channel == "EMAIL" else pair[0]


#: The Lambda error a written case gives (any error takes the block's `error` branch).
LAMBDA_ERROR = "Timeout"


@dataclass
class Chooser:
    """Answers choice points from a script (one answer index per choice, 0 past its end).

    `trail` records every real choice (more than one answer): (number of answers, index taken);
    `answers` every answer given, by key, in the order asked (the world of the path).
    """

    script: tuple[int, ...] = ()
    pos: int = 0
    trail: list[tuple[int, int]] = field(default_factory=list)
    decided: dict[tuple[Any, ...], Any] = field(default_factory=dict)
    answers: list[tuple[tuple[Any, ...], Any]] = field(default_factory=list)
    #: The state of the run at each real choice (see `ChoiceRuntime.state_key`), when asked for.
    keyer: Callable[[], Any] | None = None
    keys: list[Any] = field(default_factory=list)
    runtime: Any = None

    def choose(self, key: tuple[Any, ...], candidates: Sequence[T]) -> T:
        if key in self.decided:
            known: T = self.decided[key]
            return known
        index = 0
        if len(candidates) > 1:
            index = self.script[self.pos] if self.pos < len(self.script) else 0
            self.pos += 1
            self.trail.append((len(candidates), index))
            if self.keyer is not None:
                # Only a new choice point (past the script) is branched from: only its state
                # is needed.
                self.keys.append(self.keyer() if self.pos > len(self.script) else None)
        value = candidates[index]
        self.decided[key] = value
        self.answers.append((key, value))
        return value


class _ChoiceAttrs(dict[str, str]):
    """Contact attributes: an attribute the path has not set is chosen when first read."""

    def __init__(self, rt: ChoiceRuntime, data: dict[str, str]) -> None:
        super().__init__(data)
        self.rt = rt

    def get(self, key: str, default: Any = None) -> Any:
        if dict.__contains__(self, key):
            return dict.__getitem__(self, key)
        rt = self.rt
        value = rt.chooser.choose(("attribute", key), rt.derived.candidates(("Attributes", key)))
        if value is None:
            return default
        dict.__setitem__(self, key, value)
        return value


class _ChoiceExternal(dict[str, str]):
    """A Lambda's result: each key a later block reads is chosen when first read."""

    def __init__(self, rt: ChoiceRuntime, function: str, call: int) -> None:
        super().__init__()
        self.rt, self.function, self.call = rt, function, call

    def get(self, key: str, default: Any = None) -> Any:
        if dict.__contains__(self, key):
            return dict.__getitem__(self, key)
        rt = self.rt
        cands = rt.derived.candidates(("External", key))
        value = rt.chooser.choose(("lambda", self.function, self.call, key), cands)
        if value is None:
            return default
        dict.__setitem__(self, key, value)
        return value

    def items(self) -> Any:  # the trace's copy of the result: what was chosen so far
        return dict(self).items()


class _ChoiceQueue:
    """A queue's state whose fields are chosen when a block first reads them."""

    __slots__ = ("floor", "kind", "name", "rt")

    def __init__(self, rt: ChoiceRuntime, kind: str, name: str, floor: int = 0) -> None:
        self.rt, self.kind, self.name, self.floor = rt, kind, name, floor

    def _field(self, name: str, candidates: Sequence[Any]) -> Any:
        return self.rt.chooser.choose(("queue", self.kind, self.name, name), candidates)

    def _numbers(self, name: str, *base: int) -> int:
        extra = self.rt.derived.metrics.get(name, [])
        cands = list(dict.fromkeys([*base, *extra]))
        value: int = self._field(name, cands)
        return value

    @property
    def contacts(self) -> int:
        maximum, _ = self.rt.capacity((self.kind, self.name))
        return self._numbers("contacts", 0, maximum)

    @property
    def oldest(self) -> int:
        return max(self._numbers("oldest", 0), self.floor)

    @property
    def online(self) -> int:
        return self._numbers("online", 0, 1)

    @property
    def available(self) -> int:
        return self._numbers("available", 0, 1)

    @property
    def staffed(self) -> int:
        return self._numbers("staffed", 0, 1)

    @property
    def answer_after(self) -> int | None:
        # No agent, one at once, or one after each interruption a path may wait through.
        step = self.rt.interrupt
        later = [step * i for i in range(1, self.rt.loop_bound + 2)] if step else []
        value: int | None = self._field("answer_after", [None, 0, *later])
        return value


class _ChoiceQueues(dict[str, Any]):
    def __init__(self, rt: ChoiceRuntime, kind: str) -> None:
        super().__init__()
        self.rt, self.kind = rt, kind

    def get(self, key: str, default: Any = None) -> Any:
        state = dict.get(self, key)
        if state is None:
            state = _ChoiceQueue(self.rt, self.kind, key)
            dict.__setitem__(self, key, state)
        return state


class _ChoiceMetrics(dict[tuple[str, ...], str]):
    """`$.Metrics` after Get queue metrics: each metric chosen when first read."""

    def __init__(self, state: _ChoiceQueue, name: str, arn: str) -> None:
        super().__init__({("Queue", "Name"): name, ("Queue", "ARN"): arn})
        self.state = state

    def get(self, key: tuple[str, ...], default: Any = None) -> Any:
        from flowrt.explore.derive import METRIC_FIELDS

        field_name = METRIC_FIELDS.get(("Metrics", *key))
        if field_name is None:
            return dict.get(self, key, default)
        return str(getattr(self.state, field_name))


#: Runtime methods whose questions to the world explore answers (or that ask none).
MODELLED = frozenset(
    {
        "resolve",
        "fact",
        "queue_arn",
        "pick_queue",
        "target",
        "queue_state",
        "capacity",
        "end",
        "note_missing",
        "param",
        "match",
        "in_hours",
        "load_metrics",
        "wait_in_queue",
        "queue_wait",
        "customer_input",
        "dial",
        "set_attributes",
        "undo_oversized",
        "invoke_lambda",
        "email_policy",
        # The related contact is chosen first (ChoiceRuntime.set_related_attributes).
        "set_related_attributes",
    }
)


#: Fields of the world whose answers explore gives (or that hold no answer).
WORLD_MODELLED = frozenset(
    {
        "rt",
        "clock",
        "clock_default",
        "queues",
        "agent_queues",
        "external",
        "lambdas",
        "input",
        "attributes",
        "errors",
        "cache",
        # Answered by ChoiceServices (flowrt.explore.services): written before they are read.
        "bots",
        "lex",
        "views",
        "profiles",
        # Answered by flowrt.explore.answers: call progress, Voice ID, the draw, waits.
        "outbound_call_status",
        "percentage_draw",
        "voice_id",
        "wait_events",
    }
)


class ChoiceWorld(PreparedWorld):
    """The world of an explored path: a step that reads a field explore gives no answers for
    (a field other block types add) marks the step unmodelled, as an unmodelled service does."""

    __slots__ = ("rt",)
    rt: ChoiceRuntime | None

    def __getattribute__(self, name: str) -> Any:
        from flowrt.explore.answers import ANSWERED

        answer = ANSWERED.get(name)
        if answer is not None:
            # A scalar answer (call progress, the draw) is chosen when a step reads it.
            try:
                chooser_rt = object.__getattribute__(self, "rt")
            except AttributeError:  # read while the runtime is being built
                chooser_rt = None
            if chooser_rt is not None:
                return answer(chooser_rt)
        if name not in WORLD_MODELLED and not name.startswith("__"):
            try:
                rt = object.__getattribute__(self, "rt")
            except AttributeError:  # read while the runtime is being built
                rt = None
            if rt is not None and rt.unmodelled is None:
                rt.unmodelled = f"world.{name}"
        return object.__getattribute__(self, name)


class ChoiceRuntime(Runtime):
    """The runtime of an explored path: every question to the world is a choice point."""

    def __init__(
        self,
        program: Program,
        contact: PreparedContact,
        world: PreparedWorld,
        contact_id: str,
        chooser: Chooser,
        derived: Derived,
    ) -> None:
        super().__init__(program, contact, world, contact_id)
        from flowrt.explore.answers import ChoiceExternal, ChoiceVoiceId, ChoiceWaitEvents
        from flowrt.explore.services import ChoiceServices

        self._svc = ChoiceServices(self)
        if isinstance(world, ChoiceWorld):
            world.rt = self
        self.chooser = chooser
        self.derived = derived
        self.attrs = _ChoiceAttrs(self, self.attrs)
        world.queues = _ChoiceQueues(self, "queue")
        world.agent_queues = _ChoiceQueues(self, "agent")
        world.voice_id = ChoiceVoiceId(self)
        world.external = ChoiceExternal(self)
        world.wait_events = ChoiceWaitEvents(self)
        self.clocks: list[ClockClass] = list(derived.clocks)
        self.dialled: dict[str, list[str]] = {}
        self.typed: dict[str, list[str]] = {}
        #: The first service of the runtime a step asked that explore does not model.
        self.unmodelled: str | None = None
        #: Set by the walk: (block, loops taken, prompts) and the block names still reachable.
        self.where: tuple[Any, ...] = ()
        self.ahead: Ahead | None = None
        #: The loop bound of the walk, and the interval of the loop-prompts block waiting.
        self.loop_bound = 0
        self.interrupt: int | None = None
        #: Whether the run starts in a contact flow, where an email contact may start with a
        #: related contact (set by the walk).
        self.email_start = False

    def state_key(self) -> Any:
        """Everything the rest of the run depends on (`flowrt.explore.state`)."""
        from flowrt.explore.state import state_key

        return state_key(self)

    def _resolve_other(self, ns: str, path: tuple[str, ...]) -> str | None:
        if path == ("RelatedContactId",):
            from flowrt.explore.answers import related_contact

            related_contact(self)
        # A contact's endpoint that a condition tests is the world's answer too.
        if ns in ENDPOINTS and len(path) == 2:
            # Absent, or each value a condition tests, else a sample address of the channel.
            cands = self.derived.candidates(path)
            if len(cands) == 1 and path != ("CustomerEndpoint", "Address"):
                cands = [None, _sample(path, self.contact.channel)]
            elif len(cands) == 1:
                return self.contact.customer_endpoint
            value: str | None = self.chooser.choose(("endpoint", *path), cands)
            return value
        return super()._resolve_other(ns, path)

    def queue_state(self, q: Any) -> PreparedQueue:
        table = self.world.queues if q[0] == "queue" else self.world.agent_queues
        # A `_ChoiceQueue` reads as a PreparedQueue: the steps only read its fields.
        state: Any = table.get(q[1])
        if self.waited and q == self.queued:
            state = _ChoiceQueue(self, q[0], q[1], floor=self.waited)
        chosen: PreparedQueue = state
        return chosen

    def load_metrics(self, q: Any, state: PreparedQueue | None = None) -> None:
        chosen: Any = state if state is not None else self.queue_state(q)
        self.metrics = _ChoiceMetrics(chosen, q[1], self.queue_arn(q))
        self.facts.append(("metrics", q[1], ()))

    def in_hours(self, hours: str | None) -> bool | None:
        inst = self.inst
        if hours is None:
            q = self.queue
            spec = inst.queues.get(q[1]) if inst and q and q[0] == "queue" else None
            hours = spec.hours if spec else None
        if inst is None or hours is None or hours not in inst.hours_of_operation:
            return super().in_hours(hours)  # the error and its fact, as a run gives them
        answers = list(dict.fromkeys(c.is_open(hours) for c in self.clocks))
        answers.sort(key=lambda a: (a is None, a is False))
        value = self.chooser.choose(("hours", hours), answers)
        self.clocks = [c for c in self.clocks if c.is_open(hours) == value]
        self.facts.append(("hours", hours, value))
        return value

    def email_policy(self, policy: Any) -> str:
        # The contact's recipients are the world's answer: one list per decision of the policy.
        from flowrt.explore.services import recipients

        options = recipients(policy)
        _decision, to, cc = self.chooser.choose(("recipients",), options)
        self.contact.to, self.contact.cc = to, cc
        return super().email_policy(policy)

    def wait_in_queue(self, interrupt: int | None) -> str:
        self.interrupt = interrupt
        return super().wait_in_queue(interrupt)

    def queue_wait(self, seconds: int) -> str | None:
        # A wait in a customer queue flow: an agent may answer within it or after it, as for
        # loop prompts (the queue's `answer-after` is chosen in steps of the wait).
        self.interrupt = seconds
        return super().queue_wait(seconds)

    def customer_input(self, block: str) -> str | None:
        n = self.calls.get(("input", block), 0) + 1
        cands = self.derived.inputs.get(block) or ["timeout", "error"]
        value = self.chooser.choose(("input", block, n), cands)
        self.typed.setdefault(block, []).append(value)
        self.world.input[block] = tuple(self.typed[block])
        return super().customer_input(block)

    def dial(
        self, node: Node, timeout: int | str, dtmf: str | None, caller: Any
    ) -> tuple[str, str] | None:
        number = self.param(node, ("phone-number",))
        if number:
            n = self.calls.get(("external", number), 0) + 1
            outcome = self.chooser.choose(("external", number, n), EXTERNAL)
            self.dialled.setdefault(number, []).append(outcome)
            self.world.external[number] = tuple(self.dialled[number])
        return super().dial(node, timeout, dtmf, caller)

    def set_attributes(self, plan: tuple[tuple[str, int, Any, str], ...]) -> str:
        # An attribute the path sets is not the contact's: its old value is no choice point.
        for key, *_ in plan:
            if not dict.__contains__(self.attrs, key):
                self.chooser.decided.setdefault(("attribute", key), None)
        return super().set_attributes(plan)

    def set_related_attributes(self, plan: tuple[tuple[str, int, Any, str], ...]) -> str:
        # Whether the contact has a related contact is the world's answer (an email request's).
        from flowrt.explore.answers import related_contact

        related_contact(self)
        return super().set_related_attributes(plan)

    def invoke_lambda(
        self, function: str, plan: tuple[tuple[str, int, Any, str], ...], *args: Any, **kw: Any
    ) -> str:
        n = self.calls.get(("lambda", function), 0) + 1
        fails = self.chooser.choose(("lambda-error", function, n), (False, True))
        response: Any = (
            (n, n, None, LAMBDA_ERROR)
            if fails
            else (n, n, _ChoiceExternal(self, function, n), None)
        )
        self.world.lambdas.setdefault(function, []).append(response)
        return super().invoke_lambda(function, plan, *args, **kw)


def _unmodelled(name: str) -> Any:
    original = getattr(Runtime, name)

    def service(self: ChoiceRuntime, *args: Any, **kwargs: Any) -> Any:
        if self.unmodelled is None:
            self.unmodelled = name
        return original(self, *args, **kwargs)

    service.__name__ = name
    return service


# Every other public service of the runtime (today's, and those other block types add) marks
# the step unmodelled: its answer comes from the default world, not from a choice.
for _name, _value in list(vars(Runtime).items()):
    if callable(_value) and not _name.startswith("_") and _name not in MODELLED:
        setattr(ChoiceRuntime, _name, _unmodelled(_name))
