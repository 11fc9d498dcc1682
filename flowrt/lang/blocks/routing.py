"""Routing blocks: where the contact goes (queues, phone numbers, flows, the end)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, ClassVar, Literal

from pydantic import Field

from flowrt.lang.blocks.base import (
    ALL,
    DTMF_PATTERN,
    INTERACTIVE,
    PHONE_TARGET_PATTERN,
    REF_PATTERN,
    ROUTING,
    Block,
    CallerId,
    Step,
    external_flow,
)

if TYPE_CHECKING:
    from flowrt.lang.compiler import BlockContext, Node
    from flowrt.run.runtime import Runtime


class TransferToQueue(Block):
    """Transfer to queue: place the contact in its working queue.

    As in Amazon Connect (Administrator Guide: "Set up call transfers").

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

    def compile_step(self, node: Node) -> Step:
        from flowrt.lang.steps import label

        queue, agent = self.queue, self.agent
        #: Queue -> (capacity, its source, its label): the instance is fixed once compiled.
        known: dict[tuple[str, str], tuple[int, str, str]] = {}

        def transfer_to_queue(node: Node, rt: Runtime) -> str:
            target = rt.target(node, queue, agent)
            if target is None:
                return "error"
            q, state = target
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
    """Set working queue: choose the queue a later transfer-to-queue uses.

    As in Amazon Connect (Administrator Guide: "Set up call transfers").

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

    def compile_step(self, node: Node) -> Step:
        from flowrt.lang.steps import QueueKey, label, queue_picker

        pick = queue_picker(node, self.queue, self.agent)
        name = node.prepared.get(("queue",))
        # A queue named in the flow is `queue_picker`'s constant: read here, without its call.
        named: QueueKey | None = (
            ("queue", name) if self.queue is not None and isinstance(name, str) else None
        )

        def set_working_queue(node: Node, rt: Runtime) -> str:
            q = named if named is not None else pick(rt)
            if q is None:
                return "error"
            rt.facts.append(("working-queue", label(q), label(rt.queue)))
            rt.queue = q
            return "success"

        return set_working_queue


class TransferToPhoneNumber(Block):
    """Transfer to phone number: an external transfer, voice only.

    As in Amazon Connect (Administrator Guide: "Set up call transfers").

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
        description="E.164 number to transfer to, a `$.` reference, or a deployment "
        "placeholder (`+1{{phoneNumber}}`).",
        pattern=PHONE_TARGET_PATTERN,
        examples=["+18005550100"],
    )
    timeout_seconds: int | Annotated[str, Field(pattern=REF_PATTERN)] = Field(
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

    def compile_step(self, node: Node) -> Step:
        timeout, dtmf, caller = self.timeout_seconds, self.dtmf, self.caller_id
        resume = self.resume_after_disconnect

        def transfer_to_phone_number(node: Node, rt: Runtime) -> str:
            if rt.contact.channel != "VOICE":
                rt.fact(
                    "error",
                    "transfer to phone number is voice only; "
                    f"this is a {rt.contact.channel} contact",
                )
                return "error"
            call = rt.dial(node, timeout, dtmf, caller)
            if call is None:
                return "error"
            number, outcome = call
            rt.fact("transfer", number, outcome, resume)
            if outcome == "never-returns" or (outcome == "answered" and not resume):
                return rt.end("number", number)
            if not resume or outcome == "error":
                rt.fact("error", f"the transfer to {number} ended with {outcome}")
                return "error"
            return "success" if outcome == "answered" else outcome

        return transfer_to_phone_number


class TransferToFlow(Block):
    """Transfer to flow: end this flow and run another; attributes are carried.

    As in Amazon Connect (Administrator Guide: "Set up call transfers").  The flow is one of the
    project, a `$.` reference, or a flow of the instance outside the project: its ARN or a
    deployment template's placeholder for it (`${...}`, `{{...}}`), where a dry run ends."""

    TYPE: ClassVar[str] = "transfer-to-flow"
    CONNECT_TYPE: ClassVar[str] = "TransferToFlow"
    BRANCHES: ClassVar[tuple[str, ...]] = ("error",)
    DEFAULT_BRANCH: ClassVar[str | None] = "error"
    FLOW_TYPES: ClassVar[frozenset[str]] = frozenset(
        {"contact", "agent-transfer", "queue-transfer"}
    )

    type: Literal["transfer-to-flow"]
    flow: str = Field(
        description="Name of the flow to run, a `$.` reference, or a flow outside the project "
        "(its ARN, or a template placeholder such as `${var.flow_arn}`)."
    )

    def check(self, cx: BlockContext) -> None:
        # "Set up call transfers": Transfer to flow ends the current flow and transfers the
        # customer to another contact flow (not a queue, hold, whisper or transfer flow).
        cx.flow_name(
            self.flow,
            ("flow",),
            frozenset({"contact"}),
            ' (Amazon Connect, "Set up call transfers")',
        )

    def compile_step(self, node: Node) -> Step:
        flow = self.flow

        def transfer_to_flow(node: Node, rt: Runtime) -> str:
            name = rt.param(node, ("flow",))
            target = rt.program.flows.get(name or "")
            if target is None and name and external_flow(name):
                rt.fact("flow", name)
                rt.fact(
                    "note",
                    "that flow is in the Amazon Connect instance, not in the project: "
                    "the dry run ends here",
                )
                return rt.end("end")
            if target is None:
                rt.fact("error", f"{flow} is {name!r}, which is not a flow of the project")
                return "error"
            rt.fact("flow", target.name)
            return rt.end("flow", target)

        return transfer_to_flow


class Disconnect(Block):
    """Disconnect / hang up: end the contact."""

    TYPE: ClassVar[str] = "disconnect"
    CONNECT_TYPE: ClassVar[str] = "DisconnectParticipant"
    FLOW_TYPES: ClassVar[frozenset[str]] = ROUTING | {"module"}

    type: Literal["disconnect"]

    def compile_step(self, node: Node) -> Step:
        def disconnect(node: Node, rt: Runtime) -> str:
            return rt.end("disconnect")

        return disconnect


class EndFlow(Block):
    """End flow / Resume: stop this flow; in a queue or whisper flow the contact carries on."""

    TYPE: ClassVar[str] = "end-flow"
    CONNECT_TYPE: ClassVar[str] = "EndFlowExecution"
    FLOW_TYPES: ClassVar[frozenset[str]] = ALL

    type: Literal["end-flow"]

    def compile_step(self, node: Node) -> Step:
        def end_flow(node: Node, rt: Runtime) -> str:
            return rt.end("end")

        return end_flow
