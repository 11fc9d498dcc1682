"""The block types of the flow language: parameters, branches and static checks, one class each.

Each block type is one pydantic model.  Its class variables declare what the compiler, the schema
generator, the interpreter and the exporter need to know about it:

- ``TYPE``: the DSL name (``type: transfer-to-queue``);
- ``CONNECT_TYPE``: the Amazon Connect flow language action ``Type`` it stands for;
- ``BRANCHES``: the exits it can take, in display order, and ``DEFAULT_BRANCH``, the exit meant by
  the shorthand ``next: <block>``;
- ``REQUIRED``: branches that must be connected (for example transfer-to-queue's ``success``,
  which the seed on call transfers requires);
- ``FLOW_TYPES``: the flow types the block may appear in.

Fields are the block's parameters, written in kebab-case in YAML (``timeout-seconds``).  `check`
runs the block's own static checks at compile time and prepares what the run step needs (parsed
expressions, resolved names), so that a run touches no parser.  `BLOCKS` is the registry: adding
a block type is one class and one line there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from flowrt.compiler import BlockContext, Node
    from flowrt.runtime import Runtime

#: A run step: `step(node, rt)` returns the branch taken (`Block.run`, or `Block.compile_step`'s).
Step = Callable[["Node", "Runtime"], str]

FLOW_TYPES: tuple[str, ...] = (
    "contact",
    "customer-queue",
    "customer-hold",
    "customer-whisper",
    "agent-hold",
    "agent-whisper",
    "outbound-whisper",
    "agent-transfer",
    "queue-transfer",
    "outbound-email",
    "module",
)
ALL = frozenset(FLOW_TYPES)
#: Flows in which a contact can be routed (queued, transferred, disconnected).
ROUTING = frozenset({"contact", "customer-queue", "agent-transfer", "queue-transfer"})
#: Flows that talk to the customer or agent (everything but the email policy flow).
INTERACTIVE = ALL - {"outbound-email"}

OPERATORS: tuple[str, ...] = (
    "equals",
    "text-contains",
    "text-starts-with",
    "text-ends-with",
    "number-greater-than",
    "number-less-than",
    "number-greater-or-equal",
    "number-less-or-equal",
)
#: DSL operator -> Amazon Connect Compare operator.
CONNECT_OPERATORS: dict[str, str] = {
    "equals": "Equals",
    "text-contains": "TextContains",
    "text-starts-with": "TextStartsWith",
    "text-ends-with": "TextEndsWith",
    "number-greater-than": "NumberGreaterThan",
    "number-less-than": "NumberLessThan",
    "number-greater-or-equal": "NumberGreaterOrEqualTo",
    "number-less-or-equal": "NumberLessOrEqualTo",
}

DTMF_PATTERN = r"^(\$\..+|[0-9,*#]{0,50})$"
PHONE_PATTERN = r"^(\$\..+|\+[1-9][0-9]{1,14})$"
REF_PATTERN = r"^\$\..+$"


def _kebab(name: str) -> str:
    return name.replace("_", "-")


class Model(BaseModel):
    """Base of every DSL model: kebab-case keys, unknown keys refused."""

    model_config = ConfigDict(
        extra="forbid", alias_generator=_kebab, populate_by_name=True, frozen=True
    )


Scalar = str | int | float | bool


class Condition(Model):
    """One ordered condition: exactly one operator (or `when`) and the block it leads to."""

    equals: Scalar | None = Field(
        None, description="Equal to this value (numbers compare as numbers)."
    )
    text_contains: str | None = Field(None, description="The text contains this.")
    text_starts_with: str | None = Field(None, description="The text starts with this.")
    text_ends_with: str | None = Field(None, description="The text ends with this.")
    number_greater_than: float | str | None = Field(None, description="Number greater than this.")
    number_less_than: float | str | None = Field(None, description="Number less than this.")
    number_greater_or_equal: float | str | None = Field(
        None, description="Number greater than or equal to this."
    )
    number_less_or_equal: float | str | None = Field(
        None, description="Number less than or equal to this."
    )
    when: str | None = Field(
        None,
        description="A boolean expression instead of an operator (flowrt extension).",
        examples=['$.Attributes.tier == "gold" and $.Metrics.Agents.Available.Count > 0'],
    )
    next: str = Field(description="The block to go to when this condition matches.")

    def operator(self) -> list[tuple[str, Any]]:
        """The (operator, operand) pairs given; a valid condition has exactly one."""
        found = []
        for op in (*OPERATORS, "when"):
            value = getattr(self, op.replace("-", "_"))
            if value is not None:
                found.append((op, value))
        return found

    def label(self) -> str:
        pairs = self.operator()
        if len(pairs) != 1:
            return "condition"
        op, value = pairs[0]
        return f"when {value}" if op == "when" else f"{op} {_show(value)}"


def _fallback(value: Any) -> str:
    """A parameter's text when it has no template: "" for text (its template failed), else the
    number or boolean as Amazon Connect writes it."""
    return "" if isinstance(value, str) else _show(value)


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class Prompt(Model):
    """A prompt: text to speech, SSML, or a prompt from the instance's prompt library."""

    text: str | None = Field(None, description="Text to speak or send; may hold `$.` references.")
    ssml: str | None = Field(None, description="SSML to speak.")
    prompt: str | None = Field(None, description="Name of a prompt in the instance's library.")


class CallerId(Model):
    """Caller ID shown to the third party of an external transfer."""

    number: str | None = Field(
        None,
        description="A phone number claimed in the instance, or an attribute reference.",
        pattern=PHONE_PATTERN,
    )
    name: str | None = Field(None, description="Caller ID name, or an attribute reference.")


class Block(Model):
    """Base of every block: the keys every block accepts."""

    TYPE: ClassVar[str] = ""
    CONNECT_TYPE: ClassVar[str] = ""
    BRANCHES: ClassVar[tuple[str, ...]] = ()
    DEFAULT_BRANCH: ClassVar[str | None] = None
    REQUIRED: ClassVar[tuple[str, ...]] = ()
    FLOW_TYPES: ClassVar[frozenset[str]] = INTERACTIVE
    HAS_CONDITIONS: ClassVar[bool] = False

    type: str
    id: str | None = Field(
        None,
        description="Amazon Connect action Identifier, kept so an export reproduces it.",
        max_length=50,
    )
    description: str | None = Field(None, description="What this block is for.")
    next: str | dict[str, str] | None = Field(
        None,
        description="Where to go next: a block name for the default exit, or branch -> block.",
    )

    @property
    def conditions_list(self) -> list[Condition]:
        return list(getattr(self, "conditions", None) or [])

    def exits(self) -> list[tuple[str, str, tuple[str | int, ...]]]:
        """Every connected exit: (branch, target block, path of the target within the block)."""
        out: list[tuple[str, str, tuple[str | int, ...]]] = []
        for i, cond in enumerate(self.conditions_list):
            out.append((condition_branch(i), cond.next, ("conditions", i, "next")))
        if isinstance(self.next, str):
            out.append((self.DEFAULT_BRANCH or "next", self.next, ("next",)))
        elif isinstance(self.next, dict):
            for branch, target in self.next.items():
                out.append((branch, target, ("next", branch)))
        return out

    def all_branches(self) -> list[str]:
        """Every branch this block can take as configured (conditions first)."""
        return [condition_branch(i) for i in range(len(self.conditions_list))] + list(
            self.available_branches()
        )

    def available_branches(self) -> tuple[str, ...]:
        """Declared branches available with this configuration (see transfer-to-phone-number)."""
        return self.BRANCHES

    def branch_label(self, branch: str) -> str:
        """Human label of a branch, for traces and diagrams."""
        if branch.startswith("condition-"):
            idx = int(branch.split("-", 1)[1]) - 1
            conds = self.conditions_list
            if 0 <= idx < len(conds):
                return conds[idx].label()
        return branch

    def check(self, cx: BlockContext) -> None:
        """Block-specific static checks and preparation; the default has none."""

    def run(self, node: Node, rt: Runtime) -> str:
        """The run step: act on the runtime `rt` and return the branch taken (see interpreter)."""
        return rt.end("error", f"block type {self.TYPE} cannot be run")

    def compile_step(self, node: Node) -> Step:
        """The run step specialised for `node` once it is compiled; by default `run` itself.

        A block may return a closure that does what `run` does (same branches, same facts) with
        its parameters worked out once: static facts built, references turned into lookups.
        """
        return self.run


def condition_branch(index: int) -> str:
    """Branch name of the condition at `index` (0-based): `condition-1`, `condition-2`, ..."""
    return f"condition-{index + 1}"


#: Prepared key of a block's compiled conditions (see `prepare_matchers`).
MATCHERS: tuple[str, str] = ("run", "matchers")


def prepare_matchers(cx: BlockContext, conditions: list[Condition]) -> None:
    """Compile a block's conditions for its run step: (branch, label, operator, operand, number,
    reference, expression) per condition, in order (the first that matches wins)."""
    from flowrt.expr import as_number

    prepared = cx.node.prepared
    out: list[tuple[Any, ...]] = []
    for i, cond in enumerate(conditions):
        ops = cond.operator()
        if len(ops) != 1:
            continue
        op, operand = ops[0]
        branch, label = condition_branch(i), cond.label()
        if op == "when":
            out.append((branch, label, op, "", None, None, prepared.get(("conditions", i, "when"))))
            continue
        ref = prepared.get(("conditions", i, op))
        text = _show(operand)
        num = as_number(text) if ref is None else None
        if isinstance(operand, bool):
            op = "equals-bool"
        out.append((branch, label, op, text, num, ref, None))
    cx.node.matchers = prepared[MATCHERS] = tuple(out)


# ---------------------------------------------------------------------------------------------
# routing blocks


class TransferToQueue(Block):
    """Transfer to queue: place the contact in its working queue (seed 002).

    Checks capacity first: the contacts in the queue against the queue's "Maximum contacts in
    queue", or the instance's concurrent-contacts limit when none is set.  Success: the contact is
    queued.  At capacity: it stays in its current working queue.  A block must follow Success.
    In a customer queue flow the block names the queue (or agent) to transfer to.
    """

    TYPE: ClassVar[str] = "transfer-to-queue"
    CONNECT_TYPE: ClassVar[str] = "TransferContactToQueue"
    BRANCHES: ClassVar[tuple[str, ...]] = ("success", "at-capacity", "error")
    DEFAULT_BRANCH: ClassVar[str | None] = "success"
    REQUIRED: ClassVar[tuple[str, ...]] = ("success",)
    FLOW_TYPES: ClassVar[frozenset[str]] = ROUTING

    type: Literal["transfer-to-queue"]
    queue: str | None = Field(
        None,
        description="Queue to transfer to (customer queue flows); a queue name or a `$.` "
        "reference holding a queue ARN.  Elsewhere the working queue is used.",
        examples=["BasicQueue"],
    )
    agent: str | None = Field(
        None, description="Agent whose queue to transfer to: a user name, or a `$.` reference."
    )

    def check(self, cx: BlockContext) -> None:
        cx.queue_or_agent(self.queue, self.agent, required=cx.flow_type == "customer-queue")

    def run(self, node: Node, rt: Runtime) -> str:
        q = rt.pick_queue(node, self.queue, self.agent)
        if q is None:
            return "error"
        state = rt.queue_state(q)
        maximum, source = rt.capacity(q)
        full = state.contacts >= maximum
        rt.facts.append(("capacity", rt.label(q), state.contacts, maximum, source, full))
        if full:
            rt.fact("note", f"the contact stays in its working queue {rt.label(rt.queue)}")
            return "at-capacity"
        rt.queue = rt.queued = q
        rt.facts.append(("queued", rt.label(q)))
        return "success"

    def compile_step(self, node: Node) -> Step:
        from flowrt.runtime import label

        queue, agent = self.queue, self.agent
        working = queue is None and agent is None
        #: Queue -> (capacity, its source, its label): the instance is fixed once compiled.
        known: dict[tuple[str, str], tuple[int, str, str]] = {}

        def transfer_to_queue(node: Node, rt: Runtime) -> str:
            q = rt.queue if working else rt.pick_queue(node, queue, agent)
            if q is None:
                if working:
                    rt.pick_queue(node, queue, agent)  # notes that no working queue is set
                return "error"
            world = rt.world  # rt.queue_state(q), its common case inline:
            state = (world.queues if q[0] == "queue" else world.agent_queues).get(q[1])
            if state is None or rt.waited:
                state = rt.queue_state(q)  # the default state, or the contact's own wait
            limit = known.get(q)
            if limit is None:
                if len(known) >= 256:  # queues named by attributes: keep the memo small
                    known.clear()
                limit = known[q] = (*rt.capacity(q), label(q))
            maximum, source, name = limit
            full = state.contacts >= maximum
            rt.facts.append(("capacity", name, state.contacts, maximum, source, full))
            if full:
                rt.fact("note", f"the contact stays in its working queue {label(rt.queue)}")
                return "at-capacity"
            rt.queue = rt.queued = q
            rt.facts.append(("queued", name))
            return "success"

        return transfer_to_queue


class SetWorkingQueue(Block):
    """Set working queue: choose the queue a later transfer-to-queue uses (seed 002).

    By queue (a name, or a `$.` reference whose value is a queue ARN) or by agent (a user name, or
    a reference whose value is a user name or user ID); by agent the contact goes to the agent's
    own queue.  An agent without CCP permission can never answer the contact: a warning.
    """

    TYPE: ClassVar[str] = "set-working-queue"
    CONNECT_TYPE: ClassVar[str] = "UpdateContactTargetQueue"
    BRANCHES: ClassVar[tuple[str, ...]] = ("success", "error")
    DEFAULT_BRANCH: ClassVar[str | None] = "success"
    FLOW_TYPES: ClassVar[frozenset[str]] = INTERACTIVE

    type: Literal["set-working-queue"]
    queue: str | None = Field(
        None, description="Queue name, or `$.` reference to a queue ARN.", examples=["Premium"]
    )
    agent: str | None = Field(
        None,
        description="User name, or `$.` reference to a user name or user ID.",
        examples=["jdoe", "$.Attributes.lastAgent"],
    )

    def check(self, cx: BlockContext) -> None:
        cx.queue_or_agent(self.queue, self.agent, required=True)

    def run(self, node: Node, rt: Runtime) -> str:
        q = rt.pick_queue(node, self.queue, self.agent)
        if q is None:
            return "error"
        rt.facts.append(("working-queue", rt.label(q), rt.label(rt.queue)))
        rt.queue = q
        return "success"

    def compile_step(self, node: Node) -> Step:
        from flowrt.runtime import label

        name = node.prepared.get(("queue",))
        if self.queue is None or not isinstance(name, str):
            return self.run
        q: tuple[str, str] = ("queue", name)

        def set_working_queue(node: Node, rt: Runtime) -> str:
            rt.facts.append(("working-queue", name, label(rt.queue)))
            rt.queue = q
            return "success"

        return set_working_queue


class TransferToPhoneNumber(Block):
    """Transfer to phone number: an external transfer, voice only (seed 002).

    The number is static (E.164) or from an attribute; the timeout is 0-600 seconds.  With
    ``resume-after-disconnect`` the contact returns when the third party hangs up and follows
    success / call-failed / timeout / error; without it only error can be taken.  DTMF is at most
    50 of ``0-9 , * #``.  The caller ID number must be a number of the instance (or an attribute).
    """

    TYPE: ClassVar[str] = "transfer-to-phone-number"
    CONNECT_TYPE: ClassVar[str] = "TransferParticipantToThirdParty"
    BRANCHES: ClassVar[tuple[str, ...]] = ("success", "call-failed", "timeout", "error")
    DEFAULT_BRANCH: ClassVar[str | None] = "error"
    FLOW_TYPES: ClassVar[frozenset[str]] = ROUTING

    type: Literal["transfer-to-phone-number"]
    phone_number: str = Field(
        description="E.164 number to transfer to, or a `$.` reference.",
        pattern=PHONE_PATTERN,
        examples=["+18005550100"],
    )
    timeout_seconds: int | str = Field(
        30,
        description="Seconds to wait for an answer, 0-600, or a `$.` reference.",
        json_schema_extra={"x-flowrt-code": "FR041"},
    )
    resume_after_disconnect: bool = Field(
        False, description="Return the contact to this flow when the third party hangs up."
    )
    dtmf: str | None = Field(
        None,
        description="Up to 50 DTMF characters (0-9 , * #) sent after the call connects.",
        pattern=DTMF_PATTERN,
        json_schema_extra={"x-flowrt-code": "FR040"},
        examples=["1234#"],
    )
    caller_id: CallerId | None = Field(None, description="Caller ID number and name.")

    def available_branches(self) -> tuple[str, ...]:
        return self.BRANCHES if self.resume_after_disconnect else ("error",)

    def check(self, cx: BlockContext) -> None:
        cx.phone_number(self.phone_number, ("phone-number",), target=True)
        if self.caller_id is not None and self.caller_id.number:
            cx.phone_number(self.caller_id.number, ("caller-id", "number"), target=False)
        if self.caller_id is not None and (self.caller_id.name or "").startswith("$."):
            cx.reference(self.caller_id.name or "", ("caller-id", "name"))
        if isinstance(self.timeout_seconds, int) and not 0 <= self.timeout_seconds <= 600:
            cx.error(
                "FR041",
                f"timeout-seconds is {self.timeout_seconds}; it must be between 0 and 600",
                ("timeout-seconds",),
            )
        elif isinstance(self.timeout_seconds, str):
            cx.reference(self.timeout_seconds, ("timeout-seconds",))
        if self.dtmf and self.dtmf.startswith("$."):
            cx.reference(self.dtmf, ("dtmf",))
        if isinstance(self.next, dict) and not self.resume_after_disconnect:
            for branch in ("success", "call-failed", "timeout"):
                if branch in self.next:
                    cx.error(
                        "FR034",
                        f"branch `{branch}` is only taken with `resume-after-disconnect: true`",
                        ("next", branch),
                        hint="set resume-after-disconnect: true, or connect only `error`",
                    )

    def run(self, node: Node, rt: Runtime) -> str:
        if rt.contact.channel != "VOICE":
            rt.fact(
                "error",
                f"transfer to phone number is voice only; this is a {rt.contact.channel} contact",
            )
            return "error"
        call = rt.dial(node, self.timeout_seconds, self.dtmf, self.caller_id)
        if call is None:
            return "error"
        number, outcome = call
        resume = self.resume_after_disconnect
        rt.fact("transfer", number, outcome, resume)
        if outcome == "never-returns" or (outcome == "answered" and not resume):
            return rt.end("number", number)
        if not resume or outcome == "error":
            rt.fact("error", f"the transfer to {number} ended with {outcome}")
            return "error"
        return "success" if outcome == "answered" else outcome


class TransferToFlow(Block):
    """Transfer to flow: end this flow and run another; attributes are carried (seed 002)."""

    TYPE: ClassVar[str] = "transfer-to-flow"
    CONNECT_TYPE: ClassVar[str] = "TransferToFlow"
    BRANCHES: ClassVar[tuple[str, ...]] = ("error",)
    DEFAULT_BRANCH: ClassVar[str | None] = "error"
    FLOW_TYPES: ClassVar[frozenset[str]] = frozenset(
        {"contact", "agent-transfer", "queue-transfer"}
    )

    type: Literal["transfer-to-flow"]
    flow: str = Field(description="Name of the flow to run, or a `$.` reference.")

    def check(self, cx: BlockContext) -> None:
        cx.flow_name(self.flow, ("flow",))

    def run(self, node: Node, rt: Runtime) -> str:
        name = rt.param(node, ("flow",))
        target = rt.program.flows.get(name or "")
        if target is None:
            rt.fact("error", f"{self.flow} is {name!r}, which is not a flow of the project")
            return "error"
        rt.fact("flow", target.name)
        return rt.end("flow", target)


class Disconnect(Block):
    """Disconnect / hang up: end the contact."""

    TYPE: ClassVar[str] = "disconnect"
    CONNECT_TYPE: ClassVar[str] = "DisconnectParticipant"
    FLOW_TYPES: ClassVar[frozenset[str]] = ROUTING | {"module"}

    type: Literal["disconnect"]

    def run(self, node: Node, rt: Runtime) -> str:
        return rt.end("disconnect")


class EndFlow(Block):
    """End flow / Resume: stop this flow; in a queue or whisper flow the contact carries on."""

    TYPE: ClassVar[str] = "end-flow"
    CONNECT_TYPE: ClassVar[str] = "EndFlowExecution"
    FLOW_TYPES: ClassVar[frozenset[str]] = ALL

    type: Literal["end-flow"]

    def run(self, node: Node, rt: Runtime) -> str:
        return rt.end("end")

    def compile_step(self, node: Node) -> Step:
        stop = ("end",)

        def end_flow(node: Node, rt: Runtime) -> str:
            rt.stop = stop
            return ""  # interpreter.STOP

        return end_flow


# ---------------------------------------------------------------------------------------------
# decisions


class CheckContactAttributes(Block):
    """Check contact attributes: the first matching condition wins, else no-match.

    Numbers are compared as numbers; a value that is not a number never matches a number
    operator (it takes no-match, as Amazon Connect does).  A condition may use `when:` with a
    boolean expression instead of an operator, in which case `attribute` is not needed.
    """

    TYPE: ClassVar[str] = "check-contact-attributes"
    CONNECT_TYPE: ClassVar[str] = "Compare"
    BRANCHES: ClassVar[tuple[str, ...]] = ("no-match", "error")
    DEFAULT_BRANCH: ClassVar[str | None] = "no-match"
    FLOW_TYPES: ClassVar[frozenset[str]] = ALL
    HAS_CONDITIONS: ClassVar[bool] = True

    type: Literal["check-contact-attributes"]
    attribute: str | None = Field(
        None,
        description="The attribute to check: one `$.` reference.",
        pattern=REF_PATTERN,
        examples=["$.Attributes.tier"],
    )
    conditions: list[Condition] = Field(
        description="Ordered conditions; the first that matches wins.", min_length=1
    )

    def check(self, cx: BlockContext) -> None:
        if self.attribute is not None:
            cx.reference(self.attribute, ("attribute",))
        cx.conditions(self.conditions, needs_attribute=self.attribute is None)
        prepare_matchers(cx, self.conditions)

    def run(self, node: Node, rt: Runtime) -> str:
        ref = node.prepared.get(("attribute",))
        if ref is None:
            return rt.match(node, "", None)
        value = rt.resolve(ref.path)
        if value is None:
            rt.note_missing(ref.text)
            value = ""
        return rt.match(node, value, ref.text)

    def compile_step(self, node: Node) -> Step:
        from flowrt.steps import getter, matcher

        match = matcher(node)
        ref = node.prepared.get(("attribute",))
        if ref is None:

            def check_expressions(node: Node, rt: Runtime) -> str:
                return match(rt, "", None)

            return check_expressions
        get, text = getter(ref.path), ref.text
        if len(ref.path) == 2 and ref.path[0] == "Attributes":
            key = ref.path[1]

            def check_user_attribute(node: Node, rt: Runtime) -> str:
                value = rt.attrs.get(key)
                if value is None:
                    rt.note_missing(text)
                    value = ""
                return match(rt, value, text)

            return check_user_attribute

        def check_attribute(node: Node, rt: Runtime) -> str:
            value = get(rt)
            if value is None:
                rt.note_missing(text)
                value = ""
            return match(rt, value, text)

        return check_attribute


class CheckHoursOfOperation(Block):
    """Check hours of operation: in-hours or out-of-hours by the clock of the world.

    Without `hours`, the working queue's hours of operation are checked.
    """

    TYPE: ClassVar[str] = "check-hours-of-operation"
    CONNECT_TYPE: ClassVar[str] = "CheckHoursOfOperation"
    BRANCHES: ClassVar[tuple[str, ...]] = ("in-hours", "out-of-hours", "error")
    FLOW_TYPES: ClassVar[frozenset[str]] = INTERACTIVE

    type: Literal["check-hours-of-operation"]
    hours: str | None = Field(None, description="Hours of operation to check (by name).")

    def check(self, cx: BlockContext) -> None:
        if self.hours is not None:
            cx.hours(self.hours, ("hours",))

    def run(self, node: Node, rt: Runtime) -> str:
        is_open = rt.in_hours(self.hours)
        if is_open is None:
            return "error"
        return "in-hours" if is_open else "out-of-hours"

    def compile_step(self, node: Node) -> Step:
        if self.hours is None:
            return self.run
        hours, run = self.hours, self.run

        def check_hours(node: Node, rt: Runtime) -> str:
            # Once worked out, a world's answer is cached (see Runtime.in_hours): read it here.
            world = rt.world
            cached = world.cache.get(("hours", rt.program, hours))
            if cached is None or cached[0] is None or world.clock_default:
                return run(node, rt)
            rt.facts.append(cached[1])
            return "in-hours" if cached[0] else "out-of-hours"

        return check_hours


class CheckQueueStatus(Block):
    """Check queue status: compare the queue's time in queue or contacts in queue."""

    TYPE: ClassVar[str] = "check-queue-status"
    CONNECT_TYPE: ClassVar[str] = "CheckMetricData"
    BRANCHES: ClassVar[tuple[str, ...]] = ("no-match", "error")
    DEFAULT_BRANCH: ClassVar[str | None] = "no-match"
    HAS_CONDITIONS: ClassVar[bool] = True

    type: Literal["check-queue-status"]
    queue: str | None = Field(None, description="Queue to check (default: the working queue).")
    agent: str | None = Field(None, description="Agent whose queue to check.")
    metric: Literal["oldest-contact-age", "contacts-in-queue"] = Field(
        description="Oldest contact's time in queue (seconds) or the number of contacts queued."
    )
    conditions: list[Condition] = Field(
        description="Ordered conditions on the metric.", min_length=1
    )

    def check(self, cx: BlockContext) -> None:
        cx.queue_or_agent(self.queue, self.agent, required=False)
        cx.conditions(self.conditions, needs_attribute=False)
        prepare_matchers(cx, self.conditions)

    def run(self, node: Node, rt: Runtime) -> str:
        q = rt.pick_queue(node, self.queue, self.agent)
        if q is None:
            return "error"
        state = rt.queue_state(q)
        value = state.contacts if self.metric == "contacts-in-queue" else state.oldest
        rt.facts.append(("metric", rt.label(q), self.metric, value))
        return rt.match(node, str(value), self.metric)

    def compile_step(self, node: Node) -> Step:
        from flowrt.runtime import label
        from flowrt.steps import matcher

        match, metric = matcher(node), self.metric
        queue, agent = self.queue, self.agent
        working = queue is None and agent is None
        contacts = metric == "contacts-in-queue"

        def check_queue_status(node: Node, rt: Runtime) -> str:
            q = rt.queue if working else rt.pick_queue(node, queue, agent)
            if q is None:
                if working:
                    rt.pick_queue(node, queue, agent)  # notes that no working queue is set
                return "error"
            world = rt.world  # rt.queue_state(q), its common case inline:
            state = (world.queues if q[0] == "queue" else world.agent_queues).get(q[1])
            if state is None or rt.waited:
                state = rt.queue_state(q)  # the default state, or the contact's own wait
            value = state.contacts if contacts else state.oldest
            rt.facts.append(("metric", label(q), metric, value))
            return match(rt, str(value), metric)

        return check_queue_status


class CheckStaffing(Block):
    """Check staffing: are agents available / staffed / online in the queue?"""

    TYPE: ClassVar[str] = "check-staffing"
    CONNECT_TYPE: ClassVar[str] = "CheckMetricData"
    BRANCHES: ClassVar[tuple[str, ...]] = ("true", "false", "error")

    type: Literal["check-staffing"]
    queue: str | None = Field(None, description="Queue to check (default: the working queue).")
    agent: str | None = Field(None, description="Agent whose queue to check.")
    status: Literal["available", "staffed", "online"] = Field(
        "available", description="Which agents to count."
    )

    def check(self, cx: BlockContext) -> None:
        cx.queue_or_agent(self.queue, self.agent, required=False)

    def run(self, node: Node, rt: Runtime) -> str:
        q = rt.pick_queue(node, self.queue, self.agent)
        if q is None:
            return "error"
        state = rt.queue_state(q)
        count = getattr(state, self.status)
        rt.facts.append(("staffing", rt.label(q), self.status, count))
        return "true" if count > 0 else "false"

    def compile_step(self, node: Node) -> Step:
        from operator import attrgetter

        from flowrt.runtime import label

        queue, agent, status, count_of = (
            self.queue,
            self.agent,
            self.status,
            attrgetter(self.status),
        )
        working = queue is None and agent is None

        def check_staffing(node: Node, rt: Runtime) -> str:
            q = rt.queue if working else rt.pick_queue(node, queue, agent)
            if q is None:
                if working:
                    rt.pick_queue(node, queue, agent)  # notes that no working queue is set
                return "error"
            world = rt.world  # rt.queue_state(q), its common case inline:
            state = (world.queues if q[0] == "queue" else world.agent_queues).get(q[1])
            if state is None or rt.waited:
                state = rt.queue_state(q)  # the default state, or the contact's own wait
            count = count_of(state)
            rt.facts.append(("staffing", label(q), status, count))
            return "true" if count > 0 else "false"

        return check_staffing


class GetQueueMetrics(Block):
    """Get queue metrics: load the queue's real-time metrics into `$.Metrics`."""

    TYPE: ClassVar[str] = "get-queue-metrics"
    CONNECT_TYPE: ClassVar[str] = "GetMetricData"
    BRANCHES: ClassVar[tuple[str, ...]] = ("success", "error")
    DEFAULT_BRANCH: ClassVar[str | None] = "success"

    type: Literal["get-queue-metrics"]
    queue: str | None = Field(None, description="Queue to read (default: the working queue).")
    agent: str | None = Field(None, description="Agent whose queue to read.")
    channel: Literal["VOICE", "CHAT", "TASK", "EMAIL"] | None = Field(
        None, description="Restrict metrics to one channel."
    )

    def check(self, cx: BlockContext) -> None:
        cx.queue_or_agent(self.queue, self.agent, required=False)

    def run(self, node: Node, rt: Runtime) -> str:
        q = rt.pick_queue(node, self.queue, self.agent)
        if q is None:
            return "error"
        rt.load_metrics(q)
        return "success"

    def compile_step(self, node: Node) -> Step:
        queue, agent = self.queue, self.agent
        working = queue is None and agent is None

        def get_queue_metrics(node: Node, rt: Runtime) -> str:
            q = rt.queue if working else rt.pick_queue(node, queue, agent)
            if q is None:
                if working:
                    rt.pick_queue(node, queue, agent)  # notes that no working queue is set
                return "error"
            rt.load_metrics(q)
            return "success"

        return get_queue_metrics


# ---------------------------------------------------------------------------------------------
# interaction


class SetContactAttributes(Block):
    """Set contact attributes: write user-defined attributes (`$.Attributes.<key>`).

    Values are text with inline `$.` references, or numbers and booleans written as text.
    Keys are letters, digits, `-` and `_` (the attribute rules of StartEmailContact, seed 004).
    """

    TYPE: ClassVar[str] = "set-contact-attributes"
    CONNECT_TYPE: ClassVar[str] = "UpdateContactAttributes"
    BRANCHES: ClassVar[tuple[str, ...]] = ("success", "error")
    DEFAULT_BRANCH: ClassVar[str | None] = "success"
    FLOW_TYPES: ClassVar[frozenset[str]] = ALL

    type: Literal["set-contact-attributes"]
    attributes: dict[str, Scalar] = Field(
        description="Attribute key -> value (text may hold `$.` references).",
        json_schema_extra={"propertyNames": {"pattern": "^[A-Za-z0-9_-]+$"}},
        examples=[{"tier": "gold", "greeting": "Hello $.Attributes.firstName"}],
    )

    def check(self, cx: BlockContext) -> None:
        from flowrt.steps import plan_value

        for key, value in self.attributes.items():
            if isinstance(value, str):
                cx.template(value, ("attributes", key))
        # How each value is read, worked out once (a constant, one reference, a template).
        cx.node.prepared[("run", "attributes")] = tuple(
            (key, *plan_value(cx.node.prepared.get(("attributes", key)), _fallback(value)))
            for key, value in self.attributes.items()
        )

    def run(self, node: Node, rt: Runtime) -> str:
        return rt.set_attributes(node.prepared[("run", "attributes")])

    def compile_step(self, node: Node) -> Step:
        plan = node.prepared.get(("run", "attributes"))
        if plan is None:
            return self.run

        def set_contact_attributes(node: Node, rt: Runtime) -> str:
            return rt.set_attributes(plan)

        return set_contact_attributes


class PlayPrompt(Block):
    """Play prompt: speak text, SSML or a library prompt (voice; text for chat)."""

    TYPE: ClassVar[str] = "play-prompt"
    CONNECT_TYPE: ClassVar[str] = "MessageParticipant"
    BRANCHES: ClassVar[tuple[str, ...]] = ("success", "error")
    DEFAULT_BRANCH: ClassVar[str | None] = "success"

    type: Literal["play-prompt"]
    text: str | None = Field(None, description="Text to speak; may hold `$.` references.")
    ssml: str | None = Field(None, description="SSML to speak.")
    prompt: str | None = Field(None, description="Name of a prompt in the instance's library.")

    def check(self, cx: BlockContext) -> None:
        cx.prompt(Prompt(text=self.text, ssml=self.ssml, prompt=self.prompt), ())

    def run(self, node: Node, rt: Runtime) -> str:
        rt.play(node, (), self.ssml, self.prompt)
        return "success"

    def compile_step(self, node: Node) -> Step:
        from flowrt.steps import player, prompt_fact

        fact = prompt_fact(node, (), self.ssml, self.prompt)
        if fact is not None:
            shared = fact

            def play_constant_prompt(node: Node, rt: Runtime) -> str:
                rt.facts.append(shared)
                return "success"

            return play_constant_prompt
        play = player(node, (), self.ssml, self.prompt)

        def play_prompt(node: Node, rt: Runtime) -> str:
            play(rt)
            return "success"

        return play_prompt


class SendMessage(Block):
    """Send message: send text to a chat, SMS or email contact."""

    TYPE: ClassVar[str] = "send-message"
    CONNECT_TYPE: ClassVar[str] = "MessageParticipant"
    BRANCHES: ClassVar[tuple[str, ...]] = ("success", "error")
    DEFAULT_BRANCH: ClassVar[str | None] = "success"

    type: Literal["send-message"]
    text: str = Field(description="Message text; may hold `$.` references.")

    def check(self, cx: BlockContext) -> None:
        cx.template(self.text, ("text",))

    def run(self, node: Node, rt: Runtime) -> str:
        rt.fact("message", rt.render(node.prepared.get(("text",)), self.text))
        return "success"


class LoopPrompts(Block):
    """Loop prompts: play prompts in a loop while the contact waits (customer queue flows).

    With `interrupt-seconds` the loop is interrupted every so often and the timeout branch taken.
    An interval under 20 seconds risks interrupting contacts being connected to an agent (seed
    002): a warning.
    """

    TYPE: ClassVar[str] = "loop-prompts"
    CONNECT_TYPE: ClassVar[str] = "MessageParticipantIteratively"
    BRANCHES: ClassVar[tuple[str, ...]] = ("timeout", "error")
    DEFAULT_BRANCH: ClassVar[str | None] = "timeout"
    FLOW_TYPES: ClassVar[frozenset[str]] = frozenset(
        {"customer-queue", "customer-hold", "agent-hold", "contact"}
    )

    type: Literal["loop-prompts"]
    prompts: list[Prompt] = Field(description="Prompts played in order, then again.", min_length=1)
    interrupt_seconds: int | None = Field(
        None, description="Interrupt the loop every N seconds (take `timeout`).", ge=1
    )

    def check(self, cx: BlockContext) -> None:
        for i, prompt in enumerate(self.prompts):
            cx.prompt(prompt, ("prompts", i))
        if self.interrupt_seconds is not None and self.interrupt_seconds < 20:
            cx.error(
                "FR043",
                f"interrupt every {self.interrupt_seconds} s: under 20 s risks interrupting "
                "contacts that are being connected to an agent",
                ("interrupt-seconds",),
                hint="use an interval of 20 seconds or more",
            )

    def run(self, node: Node, rt: Runtime) -> str:
        for i, prompt in enumerate(self.prompts):
            rt.play(node, ("prompts", i), prompt.ssml, prompt.prompt)
        return rt.wait_in_queue(self.interrupt_seconds)


class GetCustomerInput(Block):
    """Get customer input: play a prompt and branch on the DTMF or text the customer gives."""

    TYPE: ClassVar[str] = "get-customer-input"
    CONNECT_TYPE: ClassVar[str] = "GetParticipantInput"
    BRANCHES: ClassVar[tuple[str, ...]] = ("timeout", "no-match", "error")
    DEFAULT_BRANCH: ClassVar[str | None] = "no-match"
    HAS_CONDITIONS: ClassVar[bool] = True
    FLOW_TYPES: ClassVar[frozenset[str]] = ROUTING

    type: Literal["get-customer-input"]
    text: str | None = Field(None, description="Prompt text; may hold `$.` references.")
    ssml: str | None = Field(None, description="Prompt SSML.")
    prompt: str | None = Field(None, description="Library prompt to play.")
    timeout_seconds: int = Field(
        5,
        description="Seconds to wait for input, 1-180.",
        json_schema_extra={"x-flowrt-code": "FR041"},
        ge=1,
        le=180,
    )
    conditions: list[Condition] = Field(
        default_factory=list, description="Ordered conditions on the input (usually `equals`)."
    )

    def check(self, cx: BlockContext) -> None:
        cx.prompt(Prompt(text=self.text, ssml=self.ssml, prompt=self.prompt), ())
        cx.conditions(self.conditions, needs_attribute=False)
        prepare_matchers(cx, self.conditions)

    def run(self, node: Node, rt: Runtime) -> str:
        rt.play(node, (), self.ssml, self.prompt)
        value = rt.customer_input(node.name)
        if value is None or value == "timeout":
            return "timeout"
        if value == "error":
            return "error"
        return rt.match(node, value, "input")

    def compile_step(self, node: Node) -> Step:
        from flowrt.steps import matcher, player, prompt_fact

        play, match, name = player(node, (), self.ssml, self.prompt), matcher(node), node.name
        fact = prompt_fact(node, (), self.ssml, self.prompt)

        def get_customer_input(node: Node, rt: Runtime) -> str:
            if fact is None:
                play(rt)
            else:
                rt.facts.append(fact)
            value = rt.customer_input(name)
            if value is None or value == "timeout":
                return "timeout"
            if value == "error":
                return "error"
            return match(rt, value, "input")

        return get_customer_input


class InvokeLambda(Block):
    """Invoke AWS Lambda function: call a function; its result is readable under `$.External`."""

    TYPE: ClassVar[str] = "invoke-lambda"
    CONNECT_TYPE: ClassVar[str] = "InvokeLambdaFunction"
    BRANCHES: ClassVar[tuple[str, ...]] = ("success", "error")
    DEFAULT_BRANCH: ClassVar[str | None] = "success"
    FLOW_TYPES: ClassVar[frozenset[str]] = ALL

    type: Literal["invoke-lambda"]
    function: str = Field(description="Name of a Lambda function declared in the instance.")
    parameters: dict[str, Scalar] = Field(
        default_factory=dict, description="Input parameters (text may hold `$.` references)."
    )
    timeout_seconds: int = Field(
        3,
        description="Seconds to wait, 1-8.",
        ge=1,
        le=8,
        json_schema_extra={"x-flowrt-code": "FR041"},
    )

    def check(self, cx: BlockContext) -> None:
        from flowrt.steps import plan_value

        cx.lambda_function(self.function, ("function",))
        for key, value in self.parameters.items():
            if isinstance(value, str):
                cx.template(value, ("parameters", key))
        # How each parameter is read, worked out once (a constant, one reference, a template).
        cx.node.prepared[("run", "parameters")] = tuple(
            (key, *plan_value(cx.node.prepared.get(("parameters", key)), _fallback(value)))
            for key, value in self.parameters.items()
        )

    def run(self, node: Node, rt: Runtime) -> str:
        return rt.invoke_lambda(self.function, node.prepared[("run", "parameters")])

    def compile_step(self, node: Node) -> Step:
        function, plan = self.function, node.prepared.get(("run", "parameters"))
        if plan is None:
            return self.run

        def invoke_lambda(node: Node, rt: Runtime) -> str:
            return rt.invoke_lambda(function, plan)

        return invoke_lambda


# ---------------------------------------------------------------------------------------------
# email


class OutboundEmailPolicy(Block):
    """Outbound email policy: decide whether an agent's forward may go out (seed 000).

    Used in the Default outbound flow (type outbound-email).  Checks every recipient (To and Cc)
    against blocked addresses and domains (denied), then against the allowed lists when any are
    given (denied if outside them), then the recipient count: over `max-recipients` is denied,
    over `approval-above` needs a manager's approval.  Otherwise allowed.
    """

    TYPE: ClassVar[str] = "outbound-email-policy"
    CONNECT_TYPE: ClassVar[str] = "flowrt:OutboundEmailPolicy"
    BRANCHES: ClassVar[tuple[str, ...]] = ("allowed", "denied", "needs-approval", "error")
    REQUIRED: ClassVar[tuple[str, ...]] = ("allowed", "denied")
    FLOW_TYPES: ClassVar[frozenset[str]] = frozenset({"outbound-email"})

    type: Literal["outbound-email-policy"]
    allowed_domains: list[str] = Field(default_factory=list, description="Domains mail may go to.")
    allowed_addresses: list[str] = Field(
        default_factory=list, description="Addresses mail may go to."
    )
    blocked_domains: list[str] = Field(default_factory=list, description="Domains refused.")
    blocked_addresses: list[str] = Field(default_factory=list, description="Addresses refused.")
    max_recipients: int | None = Field(
        None, description="At most this many recipients (To + Cc) per forward.", ge=1
    )
    approval_above: int | None = Field(
        None, description="More recipients than this need a manager's approval.", ge=0
    )

    def run(self, node: Node, rt: Runtime) -> str:
        return rt.email_policy(self)


# ---------------------------------------------------------------------------------------------
# anything else Amazon Connect has


class ConnectCondition(Model):
    """A raw Amazon Connect transition condition, kept as is."""

    operator: str = Field(description="Connect operator, e.g. Equals.")
    operands: list[str] = Field(description='Operands, e.g. ["MessagesInterrupted"].')
    next: str = Field(description="Block to go to.")


class ConnectAction(Block):
    """A pass-through Amazon Connect action that flowrt does not model.

    It keeps the Connect `action` Type and `parameters` exactly, so any real flow can be carried.
    `next` is a block name (Connect's NextAction) or a mapping whose `success` key is NextAction
    and whose other keys are Connect ErrorTypes.  A run follows the first transition and the trace
    says the block was not simulated.
    """

    TYPE: ClassVar[str] = "connect-action"
    DEFAULT_BRANCH: ClassVar[str | None] = "success"
    FLOW_TYPES: ClassVar[frozenset[str]] = ALL
    HAS_CONDITIONS: ClassVar[bool] = True

    type: Literal["connect-action"]
    action: str = Field(
        description="Amazon Connect action Type.", examples=["UpdateFlowLoggingBehavior"]
    )
    parameters: dict[str, Any] = Field(
        default_factory=dict, description="The action's Parameters, kept exactly."
    )
    conditions: list[ConnectCondition] = Field(
        default_factory=list, description="Connect transition conditions, kept exactly."
    )

    def available_branches(self) -> tuple[str, ...]:
        if isinstance(self.next, dict):
            return tuple(self.next)
        return ("success",) if self.next else ()

    def run(self, node: Node, rt: Runtime) -> str:
        rt.facts.append(("not-simulated", self.action))
        targets = node.targets
        if targets.get("success") is not None:
            return "success"
        for branch, target in targets.items():
            if target is not None:
                return branch
        return rt.end("end")

    def compile_step(self, node: Node) -> Step:
        fact = ("not-simulated", self.action)
        targets = node.targets
        taken = "success" if targets.get("success") is not None else None
        if taken is None:
            taken = next((b for b, t in targets.items() if t is not None), None)
        if taken is None:
            return self.run
        branch = taken

        def connect_action(node: Node, rt: Runtime) -> str:
            rt.facts.append(fact)
            return branch

        return connect_action

    def branch_label(self, branch: str) -> str:
        if branch.startswith("condition-"):
            idx = int(branch.split("-", 1)[1]) - 1
            if 0 <= idx < len(self.conditions):
                c = self.conditions[idx]
                return f"{c.operator} {' '.join(c.operands)}"
        return branch


BLOCKS: dict[str, type[Block]] = {
    "transfer-to-queue": TransferToQueue,
    "set-working-queue": SetWorkingQueue,
    "transfer-to-phone-number": TransferToPhoneNumber,
    "transfer-to-flow": TransferToFlow,
    "disconnect": Disconnect,
    "end-flow": EndFlow,
    "check-contact-attributes": CheckContactAttributes,
    "check-hours-of-operation": CheckHoursOfOperation,
    "check-queue-status": CheckQueueStatus,
    "check-staffing": CheckStaffing,
    "get-queue-metrics": GetQueueMetrics,
    "set-contact-attributes": SetContactAttributes,
    "play-prompt": PlayPrompt,
    "send-message": SendMessage,
    "loop-prompts": LoopPrompts,
    "get-customer-input": GetCustomerInput,
    "invoke-lambda": InvokeLambda,
    "outbound-email-policy": OutboundEmailPolicy,
    "connect-action": ConnectAction,
}

# Branches a ConnectAction's `next` mapping may use besides `success`: any Connect ErrorType.
BLOCK_NAME_FORBIDDEN = "%:()\\/=$,;[]{}"
RESERVED_NAMES = frozenset({"__proto__", "constructor", "toString", "prototype", "valueOf"})


class Flow(Model):
    """A flow file (`*.flow.yaml`): its name, type, start block and blocks."""

    flow: str = Field(
        description="The flow's name, unique in the project.", examples=["inbound-support"]
    )
    type: Literal[
        "contact",
        "customer-queue",
        "customer-hold",
        "customer-whisper",
        "agent-hold",
        "agent-whisper",
        "outbound-whisper",
        "agent-transfer",
        "queue-transfer",
        "outbound-email",
        "module",
    ] = Field("contact", description="The Amazon Connect flow type.")
    description: str | None = Field(None, description="What the flow does.")
    id: str | None = Field(None, description="Amazon Connect flow ID or ARN, kept for export.")
    start: str = Field(description="The block the flow starts at.")
    blocks: dict[str, Any] = Field(description="Block name -> block.")
