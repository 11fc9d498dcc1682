"""Flow control and contact blocks answered by the world: call progress, percentage, Voice ID,
waits, outbound calls, callbacks and transfers to an agent.

Each maps to one Amazon Connect action declaratively (see `flowrt.connect.generic`).  What
Amazon Connect learns from outside (the outbound call's progress, Voice ID's result, the random
draw, the event that ends a wait) comes from the scenario's world
(`flowrt.scenario.answers.BlockAnswers`), each with a documented default, so every run of a case
is the same.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Annotated, ClassVar, Literal

from pydantic import Field

from flowrt.lang.blocks.base import (
    REF_PATTERN,
    Block,
    Condition,
    ConnectParam,
    Step,
    prepare_matchers,
)

if TYPE_CHECKING:
    from flowrt.lang.compiler import BlockContext, Node
    from flowrt.run.runtime import Runtime

#: Where callbacks and percentages work (CreateCallbackContact, DistributeByPercentage).
CALLBACK_FLOWS = frozenset({"contact", "agent-transfer", "queue-transfer", "customer-queue"})
#: Seven days: the longest wait Amazon Connect's Wait accepts.
MAX_WAIT_SECONDS = 604_800
MAX_CALLBACK_DELAY = 259_200


class CheckOutboundCallStatus(Block):
    """Check call progress: was the outbound call answered by a person or a machine?

    As in Amazon Connect (Administrator Guide: "Check call progress"; flow language:
    CheckOutboundCallStatus); for outbound campaigns.  The world's `outbound-call-status`
    (default CallAnswered) chooses the branch.
    """

    TYPE: ClassVar[str] = "check-outbound-call-status"
    CONNECT_TYPE: ClassVar[str] = "CheckOutboundCallStatus"
    BRANCHES: ClassVar[tuple[str, ...]] = (
        "call-answered",
        "voicemail-beep",
        "voicemail-no-beep",
        "not-detected",
        "error",
    )
    DEFAULT_BRANCH: ClassVar[str | None] = "call-answered"
    FLOW_TYPES: ClassVar[frozenset[str]] = frozenset({"contact", "outbound-whisper"})
    DECLARATIVE: ClassVar[bool] = True
    CONNECT_ERRORS: ClassVar[dict[str, str]] = {"error": "NoMatchingError"}
    CONNECT_CONDITIONS: ClassVar[dict[str, tuple[str, str]]] = {
        "call-answered": ("Equals", "CallAnswered"),
        "voicemail-beep": ("Equals", "VoicemailBeep"),
        "voicemail-no-beep": ("Equals", "VoicemailNoBeep"),
        "not-detected": ("Equals", "NotDetected"),
    }
    CONNECT_NEXT: ClassVar[str | None] = "error"

    type: Literal["check-outbound-call-status"]

    def compile_step(self, node: Node) -> Step:
        branch_of = {v[1]: k for k, v in self.CONNECT_CONDITIONS.items()}

        def check_outbound_call_status(node: Node, rt: Runtime) -> str:
            status = rt.world.outbound_call_status
            rt.facts.append(("setting", "call progress", status))
            return branch_of.get(status, "error")

        return check_outbound_call_status


def contact_draw(contact_id: str) -> int:
    """The percentage draw of a contact the world gives none: 1-100 from its contact ID."""
    return int(hashlib.sha256(contact_id.encode()).hexdigest()[:8], 16) % 100 + 1


class DistributeByPercentage(Block):
    """Distribute by percentage: route shares of contacts down different branches.

    As in Amazon Connect (Administrator Guide: "Distribute by percentage"; flow language:
    DistributeByPercentage): a number from 1 to 100 is drawn and compared with a chain of
    `number-less-than` conditions (31, 71, ...: each the previous plus its share); the rest go to
    `no-match`.  The draw is the world's `percentage-draw`, else one derived from the contact ID,
    so a case always draws the same.
    """

    TYPE: ClassVar[str] = "distribute-by-percentage"
    CONNECT_TYPE: ClassVar[str] = "DistributeByPercentage"
    BRANCHES: ClassVar[tuple[str, ...]] = ("no-match",)
    DEFAULT_BRANCH: ClassVar[str | None] = "no-match"
    FLOW_TYPES: ClassVar[frozenset[str]] = CALLBACK_FLOWS
    HAS_CONDITIONS: ClassVar[bool] = True
    DECLARATIVE: ClassVar[bool] = True
    CONNECT_ERRORS: ClassVar[dict[str, str]] = {"no-match": "NoMatchingCondition"}
    CONNECT_NEXT: ClassVar[str | None] = "no-match"

    type: Literal["distribute-by-percentage"]
    conditions: list[Condition] = Field(
        default_factory=list,
        description="`number-less-than` conditions with rising bounds up to 100, in order.",
    )

    def check(self, cx: BlockContext) -> None:
        bound = 1.0
        for i, cond in enumerate(self.conditions):
            ops = cond.operator()
            value = ops[0][1] if len(ops) == 1 and ops[0][0] == "number-less-than" else None
            if not isinstance(value, int | float) or not bound < value <= 101:
                cx.error(
                    "FR072",
                    f"condition {i + 1} must be `number-less-than` a number above the previous "
                    "bound and at most 101",
                    ("conditions", i),
                    "each bound is the previous one plus the share, in percent, of this branch",
                )
                return
            bound = float(value)
        prepare_matchers(cx, self.conditions)

    def compile_step(self, node: Node) -> Step:
        def distribute_by_percentage(node: Node, rt: Runtime) -> str:
            given = rt.world.percentage_draw
            draw = given if given is not None else contact_draw(rt.contact_id)
            source = "the world" if given is not None else "the contact ID"
            rt.facts.append(("setting", "percentage draw", f"{draw} (from {source})"))
            return rt.match(node, str(draw), "the draw")

        return distribute_by_percentage


class CheckVoiceId(Block):
    """Check Voice ID: enrollment, authentication or fraud risk of the caller's voice.

    As in Amazon Connect (Administrator Guide: "Check Voice ID"; flow language: CheckVoiceId).
    The world's `voice-id` gives the result of the option (default Enrolled, Authenticated, Low
    risk); `equals` conditions choose the branch; no match, or a contact that is not voice,
    takes `error`.
    """

    TYPE: ClassVar[str] = "check-voice-id"
    CONNECT_TYPE: ClassVar[str] = "CheckVoiceId"
    BRANCHES: ClassVar[tuple[str, ...]] = ("error",)
    DEFAULT_BRANCH: ClassVar[str | None] = "error"
    HAS_CONDITIONS: ClassVar[bool] = True
    DECLARATIVE: ClassVar[bool] = True
    CONNECT_PARAMS: ClassVar[tuple[ConnectParam, ...]] = (
        ConnectParam("option", "CheckVoiceIdOption"),
    )
    CONNECT_ERRORS: ClassVar[dict[str, str]] = {"error": "NoMatchingError"}
    CONNECT_NEXT: ClassVar[str | None] = "error"

    type: Literal["check-voice-id"]
    option: Literal["enrollmentStatus", "voiceAuthentication", "fraudDetection"] = Field(
        description="What to check: enrollmentStatus, voiceAuthentication or fraudDetection."
    )
    conditions: list[Condition] = Field(
        default_factory=list,
        description="Results to branch on, e.g. `equals: Authenticated`.",
    )

    def check(self, cx: BlockContext) -> None:
        cx.conditions(self.conditions, needs_attribute=False)
        prepare_matchers(cx, self.conditions)

    def compile_step(self, node: Node) -> Step:
        option = self.option

        def check_voice_id(node: Node, rt: Runtime) -> str:
            if rt.contact.channel != "VOICE":
                rt.fact("error", f"Voice ID is voice only; this is a {rt.contact.channel} contact")
                return "error"
            result = rt.world.voice_id.get(option, "")
            branch = rt.match(node, result, f"Voice ID {option}")
            return "error" if branch == "no-match" else branch

        return check_voice_id


class StartVoiceIdStream(Block):
    """Set Voice ID: start streaming the caller's audio to Voice ID.

    As in Amazon Connect (Administrator Guide: "Set Voice ID"; flow language:
    StartVoiceIdStream).  Voice only: another channel takes `error`.
    """

    TYPE: ClassVar[str] = "start-voice-id-stream"
    CONNECT_TYPE: ClassVar[str] = "StartVoiceIdStream"
    BRANCHES: ClassVar[tuple[str, ...]] = ("success", "error")
    DEFAULT_BRANCH: ClassVar[str | None] = "success"
    FLOW_TYPES: ClassVar[frozenset[str]] = CALLBACK_FLOWS
    DECLARATIVE: ClassVar[bool] = True
    CONNECT_ERRORS: ClassVar[dict[str, str]] = {"error": "NoMatchingError"}

    type: Literal["start-voice-id-stream"]

    def compile_step(self, node: Node) -> Step:
        def start_voice_id_stream(node: Node, rt: Runtime) -> str:
            if rt.contact.channel != "VOICE":
                rt.fact("error", f"Voice ID is voice only; this is a {rt.contact.channel} contact")
                return "error"
            rt.facts.append(("setting", "Voice ID stream", "started"))
            return "success"

        return start_voice_id_stream


Seconds = int | Annotated[str, Field(pattern=REF_PATTERN)]


class Wait(Block):
    """Wait: pause a chat until the time limit passes or the customer returns.

    As in Amazon Connect (Administrator Guide: "Wait"; flow language: Wait); chat only (another
    channel takes `error`).  The world's `wait-events` says how each wait block's wait ends:
    CustomerReturned (branch `customer-returned`, only when listed in `events`) or WaitCompleted
    (branch `completed`, the default).
    """

    TYPE: ClassVar[str] = "wait"
    CONNECT_TYPE: ClassVar[str] = "Wait"
    BRANCHES: ClassVar[tuple[str, ...]] = ("completed", "customer-returned", "error")
    DEFAULT_BRANCH: ClassVar[str | None] = "completed"
    DECLARATIVE: ClassVar[bool] = True
    CONNECT_PARAMS: ClassVar[tuple[ConnectParam, ...]] = (
        ConnectParam("timeout_seconds", "TimeLimitSeconds", "int"),
        ConnectParam("documented_timeout_seconds", "TimeoutSeconds", "int"),
        ConnectParam("events", "Events", "json"),
    )
    CONNECT_ERRORS: ClassVar[dict[str, str]] = {"error": "NoMatchingError"}
    CONNECT_CONDITIONS: ClassVar[dict[str, tuple[str, str]]] = {
        "customer-returned": ("Equals", "CustomerReturned"),
        "completed": ("Equals", "WaitCompleted"),
    }
    CONNECT_NEXT: ClassVar[str | None] = "error"

    type: Literal["wait"]
    timeout_seconds: Seconds | None = Field(
        None,
        description="Seconds to wait, 1-604800 (seven days), or a `$.` reference "
        "(`TimeLimitSeconds`, as the console writes it).",
    )
    documented_timeout_seconds: Seconds | None = Field(
        None,
        description="The same limit under the name the flow language reference gives "
        "(`TimeoutSeconds`); use one of the two.",
    )
    events: list[Literal["CustomerReturned"]] | None = Field(
        None, description="Events that end the wait early: CustomerReturned."
    )

    def check(self, cx: BlockContext) -> None:
        given = [
            (f, v)
            for f, v in (
                ("timeout-seconds", self.timeout_seconds),
                ("documented-timeout-seconds", self.documented_timeout_seconds),
            )
            if v is not None
        ]
        if len(given) != 1:
            cx.error(
                "FR041", "give exactly one of timeout-seconds and documented-timeout-seconds", ()
            )
            return
        field, value = given[0]
        if isinstance(value, str):
            cx.reference(value, (field,))
        elif not 1 <= value <= MAX_WAIT_SECONDS:
            cx.error(
                "FR041",
                f"{field} is {value}; it must be between 1 and {MAX_WAIT_SECONDS}",
                (field,),
            )

    def compile_step(self, node: Node) -> Step:
        name = node.name
        field = (
            "timeout-seconds" if self.timeout_seconds is not None else "documented-timeout-seconds"
        )
        events = tuple(self.events or ())
        limit = (
            self.timeout_seconds
            if self.timeout_seconds is not None
            else self.documented_timeout_seconds
        )
        static = str(limit) if isinstance(limit, int) else None

        def wait(node: Node, rt: Runtime) -> str:
            if rt.contact.channel != "CHAT":
                rt.fact("error", f"wait is chat only; this is a {rt.contact.channel} contact")
                return "error"
            seconds = static if static is not None else rt.param(node, (field,))
            event = rt.world.wait_events.get(name, "WaitCompleted")
            if event == "CustomerReturned" and event in events:
                rt.facts.append(("setting", "wait", f"up to {seconds} s: the customer returned"))
                return "customer-returned"
            rt.facts.append(("setting", "wait", f"{seconds} s: completed"))
            return "completed"

        return wait


class CompleteOutboundCall(Block):
    """Call phone number: place the outbound call now (optionally with a caller ID).

    As in Amazon Connect (Administrator Guide: "Call phone number"; flow language:
    CompleteOutboundCall).  The dry run records `outbound call: placed (caller ID ...)`.
    """

    TYPE: ClassVar[str] = "complete-outbound-call"
    CONNECT_TYPE: ClassVar[str] = "CompleteOutboundCall"
    BRANCHES: ClassVar[tuple[str, ...]] = ("success",)
    DEFAULT_BRANCH: ClassVar[str | None] = "success"
    FLOW_TYPES: ClassVar[frozenset[str]] = frozenset({"outbound-whisper", "contact"})
    DECLARATIVE: ClassVar[bool] = True
    CONNECT_PARAMS: ClassVar[tuple[ConnectParam, ...]] = (
        ConnectParam("caller_id_number", "CallerId.Number"),
    )

    type: Literal["complete-outbound-call"]
    caller_id_number: str | None = Field(
        None, description="Caller ID number to show: an E.164 number or a `$.` reference."
    )

    def check(self, cx: BlockContext) -> None:
        if self.caller_id_number is not None and self.caller_id_number.startswith("$."):
            cx.reference(self.caller_id_number, ("caller-id-number",))

    def compile_step(self, node: Node) -> Step:
        given = self.caller_id_number

        def complete_outbound_call(node: Node, rt: Runtime) -> str:
            number = rt.param(node, ("caller-id-number",)) if given else None
            shown = given if number is None else number
            text = f"placed (caller ID {shown})" if shown else "placed"
            rt.facts.append(("setting", "outbound call", text))
            return "success"

        return complete_outbound_call


class CreateCallbackContact(Block):
    """Transfer to queue (callback): create a callback contact that calls the customer back.

    As in Amazon Connect (Administrator Guide: "Transfer to queue", callback; flow language:
    CreateCallbackContact).  The callback dials the number set by set-callback-number, else the
    customer's number; it is routed to `queue` or `agent`, else the working queue.
    """

    TYPE: ClassVar[str] = "create-callback-contact"
    CONNECT_TYPE: ClassVar[str] = "CreateCallbackContact"
    BRANCHES: ClassVar[tuple[str, ...]] = ("success", "error")
    DEFAULT_BRANCH: ClassVar[str | None] = "success"
    FLOW_TYPES: ClassVar[frozenset[str]] = CALLBACK_FLOWS
    DECLARATIVE: ClassVar[bool] = True
    CONNECT_PARAMS: ClassVar[tuple[ConnectParam, ...]] = (
        ConnectParam("queue", "QueueId", "resource", "queues"),
        ConnectParam("agent", "AgentId", "resource", "users"),
        ConnectParam("initial_delay_seconds", "InitialCallDelaySeconds", "int"),
        ConnectParam("max_attempts", "MaximumConnectionAttempts", "int"),
        ConnectParam("retry_delay_seconds", "RetryDelaySeconds", "int"),
    )
    CONNECT_ERRORS: ClassVar[dict[str, str]] = {"error": "NoMatchingError"}

    type: Literal["create-callback-contact"]
    queue: str | None = Field(None, description="Queue of the callback (else the working queue).")
    agent: str | None = Field(None, description="Agent whose queue takes the callback.")
    initial_delay_seconds: int = Field(
        description="Seconds before the first call, 1-259200.", ge=1, le=MAX_CALLBACK_DELAY
    )
    max_attempts: int = Field(description="Attempts at most to reach the customer.", ge=0)
    retry_delay_seconds: int = Field(
        description="Seconds between attempts, 1-259200.", ge=1, le=MAX_CALLBACK_DELAY
    )

    def check(self, cx: BlockContext) -> None:
        if self.queue is not None or self.agent is not None:
            cx.queue_or_agent(self.queue, self.agent, required=False)

    def compile_step(self, node: Node) -> Step:
        from flowrt.lang.steps import label

        queue, agent = self.queue, self.agent
        plan = (
            f"first call after {self.initial_delay_seconds} s, {self.max_attempts} attempt(s) "
            f"{self.retry_delay_seconds} s apart"
        )

        def create_callback_contact(node: Node, rt: Runtime) -> str:
            q = rt.pick_queue(node, queue, agent)
            if q is None:
                return "error"
            number = rt.state.get(("callback-number",)) or rt.contact.customer_endpoint
            if not number:
                rt.fact("error", "no callback number: set one, or give the contact an endpoint")
                return "error"
            rt.facts.append(("setting", "callback", f"{number} in {label(q)}, {plan}"))
            return "success"

        return create_callback_contact


class TransferToAgent(Block):
    """Transfer to agent (beta): end the flow and connect the customer to the agent.

    As in Amazon Connect (Administrator Guide: "Transfer to agent (beta)"; flow language:
    TransferContactToAgent); voice only, in transfer flows.  The dry run ends the flow.
    """

    TYPE: ClassVar[str] = "transfer-to-agent"
    CONNECT_TYPE: ClassVar[str] = "TransferContactToAgent"
    FLOW_TYPES: ClassVar[frozenset[str]] = frozenset({"agent-transfer", "queue-transfer"})
    DECLARATIVE: ClassVar[bool] = True
    CONNECT_NEXT: ClassVar[str | None] = None

    type: Literal["transfer-to-agent"]

    def compile_step(self, node: Node) -> Step:
        def transfer_to_agent(node: Node, rt: Runtime) -> str:
            if rt.contact.channel != "VOICE":
                return rt.end("error", f"transfer to agent is voice only, not {rt.contact.channel}")
            rt.facts.append(("setting", "transfer", "to the agent"))
            return rt.end("end")

        return transfer_to_agent
