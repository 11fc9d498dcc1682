""" "Set a behaviour" blocks: logging, recording, voice, media streaming, event hooks, tags, contact
data, callback number, routing, the previous participant's state and flow attributes.

Each maps to one Amazon Connect action declaratively (`DECLARATIVE`, `CONNECT_PARAMS`, ...; see
`flowrt.connect.generic`).  A dry run records what was set as a `setting` fact of the trace
(`recording: Agent+Customer on`), keeps what later blocks can observe in the run's state
(`Runtime.state`: `$.FlowAttributes.x`, `$.TextToSpeechVoice`, `$.LanguageCode`, `$.Tags.x`,
the callback number create-callback-contact uses, the routing priority) and takes its branch.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field

from flowrt.lang.blocks.base import (
    ALL,
    INTERACTIVE,
    REF_PATTERN,
    ROUTING,
    Block,
    ConnectParam,
    Step,
)

if TYPE_CHECKING:
    from flowrt.lang.compiler import BlockContext, Node
    from flowrt.run.runtime import Runtime

#: Where recording and a callback number can be set (the pages of UpdateContactRecordingBehavior
#: and UpdateContactCallbackNumber): contact, transfer, customer queue (and outbound whisper).
#: The flow types of UpdateContactRecordingBehavior's Restrictions, and modules: a module runs
#: inside a contact flow, and Amazon Connect's own voicemail module (voicemail-express) sets
#: automated interaction recording in one.
RECORDING_FLOWS = frozenset(
    {"contact", "agent-transfer", "queue-transfer", "customer-queue", "outbound-whisper", "module"}
)
CALLBACK_FLOWS = frozenset({"contact", "agent-transfer", "queue-transfer", "customer-queue"})
#: Not in hold flows (UpdateContactMediaStreamingBehavior); real exports use it in modules.
MEDIA_FLOWS = INTERACTIVE - {"customer-hold", "agent-hold"}
_E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")
Facts = tuple[tuple[str, str], ...]
State = tuple[tuple[tuple[str, ...], str], ...]


def _apply(rt: Runtime, facts: Facts, state: State) -> None:
    """Record what a block set and keep it where later blocks read it."""
    for setting, value in facts:
        rt.facts.append(("setting", setting, value))
    for path, value in state:
        rt.state[path] = value


def _voice_only(rt: Runtime, what: str) -> bool:
    """False (with an error fact) on a contact that is not a voice contact."""
    if rt.contact.channel == "VOICE":
        return True
    rt.fact("error", f"{what} is voice only; this is a {rt.contact.channel} contact")
    return False


class SetLoggingBehavior(Block):
    """Set logging behavior: turn flow logs on or off for the rest of the contact.

    As in Amazon Connect (Administrator Guide: "Set logging behavior"; flow language:
    UpdateFlowLoggingBehavior).  The dry run records `flow logging: Enabled`.
    """

    TYPE: ClassVar[str] = "set-logging-behavior"
    CONNECT_TYPE: ClassVar[str] = "UpdateFlowLoggingBehavior"
    BRANCHES: ClassVar[tuple[str, ...]] = ("success",)
    DEFAULT_BRANCH: ClassVar[str | None] = "success"
    FLOW_TYPES: ClassVar[frozenset[str]] = ALL
    DECLARATIVE: ClassVar[bool] = True
    CONNECT_PARAMS: ClassVar[tuple[ConnectParam, ...]] = (
        ConnectParam("flow_logging", "FlowLoggingBehavior"),
    )

    type: Literal["set-logging-behavior"]
    flow_logging: Literal["Enabled", "Disabled"] = Field(
        description="Enabled: the contact's flow logs are written to CloudWatch; Disabled: not."
    )

    def compile_step(self, node: Node) -> Step:
        facts: Facts = (("flow logging", self.flow_logging),)

        def set_logging_behavior(node: Node, rt: Runtime) -> str:
            _apply(rt, facts, ())
            return "success"

        return set_logging_behavior


class SetRecordingBehavior(Block):
    """Set recording and analytics behavior: who is recorded, and Contact Lens analytics.

    As in Amazon Connect (Administrator Guide: "Set recording and analytics behavior"; flow
    language: UpdateContactRecordingBehavior).  An empty participant list turns recording off.
    With `ivr-recording` it also sets automated interaction call recording (the prompts and the
    customer's answers before an agent joins; `IVRRecordingBehavior`, as real exports write it).
    The dry run records `recording: Agent+Customer on` (or `off`), `automated interaction
    recording: on` (or `off`) and, when analytics are set, `analytics: ...` as written.
    """

    TYPE: ClassVar[str] = "set-recording-behavior"
    CONNECT_TYPE: ClassVar[str] = "UpdateContactRecordingBehavior"
    BRANCHES: ClassVar[tuple[str, ...]] = ("success",)
    DEFAULT_BRANCH: ClassVar[str | None] = "success"
    FLOW_TYPES: ClassVar[frozenset[str]] = RECORDING_FLOWS
    DECLARATIVE: ClassVar[bool] = True
    CONNECT_PARAMS: ClassVar[tuple[ConnectParam, ...]] = (
        ConnectParam("recorded_participants", "RecordingBehavior.RecordedParticipants", "json"),
        ConnectParam("ivr_recording", "RecordingBehavior.IVRRecordingBehavior"),
        ConnectParam("analytics", "AnalyticsBehavior", "json"),
    )

    type: Literal["set-recording-behavior"]
    recorded_participants: list[Literal["Agent", "Customer"]] | None = Field(
        None,
        description="Who is recorded: Agent, Customer, both, or none (`[]` turns recording off).",
        examples=[["Agent", "Customer"]],
    )
    ivr_recording: Literal["Enabled", "Disabled"] | None = Field(
        None,
        description="Automated interaction call recording (`IVRRecordingBehavior`): record the "
        "prompts and what the customer says to the flow, before an agent joins.",
    )
    analytics: dict[str, Any] | None = Field(
        None,
        description="Contact Lens analytics, as Amazon Connect writes them (`Enabled`, "
        "`AnalyticsLanguage`, `AnalyticsRedactionBehavior`, ...); only with Agent and Customer.",
    )

    def compile_step(self, node: Node) -> Step:
        facts: list[tuple[str, str]] = []
        if self.recorded_participants is not None:
            who = "+".join(self.recorded_participants)
            facts.append(("recording", f"{who} on" if who else "off"))
        if self.ivr_recording is not None:
            on = self.ivr_recording == "Enabled"
            facts.append(("automated interaction recording", "on" if on else "off"))
        if self.analytics is not None:
            a = self.analytics
            on = a.get("Enabled") == "True"
            lang = a.get("AnalyticsLanguage")
            facts.append(("analytics", f"on ({lang})" if on and lang else "on" if on else "off"))
        fixed = tuple(facts)

        def set_recording_behavior(node: Node, rt: Runtime) -> str:
            _apply(rt, fixed, ())
            return "success"

        return set_recording_behavior


class SetVoice(Block):
    """Set voice: the Amazon Polly voice (and engine, style) of text to speech.

    As in Amazon Connect (Administrator Guide: "Set voice"; flow language:
    UpdateContactTextToSpeechVoice).  The dry run records `voice: Joanna` and sets
    `$.TextToSpeechVoice` for later blocks.
    """

    TYPE: ClassVar[str] = "set-voice"
    CONNECT_TYPE: ClassVar[str] = "UpdateContactTextToSpeechVoice"
    BRANCHES: ClassVar[tuple[str, ...]] = ("success",)
    DEFAULT_BRANCH: ClassVar[str | None] = "success"
    FLOW_TYPES: ClassVar[frozenset[str]] = ALL
    DECLARATIVE: ClassVar[bool] = True
    CONNECT_PARAMS: ClassVar[tuple[ConnectParam, ...]] = (
        ConnectParam("voice", "TextToSpeechVoice"),
        ConnectParam("engine", "TextToSpeechEngine"),
        ConnectParam("style", "TextToSpeechStyle"),
    )

    type: Literal["set-voice"]
    voice: str = Field(description="The Amazon Polly voice, e.g. Joanna.", examples=["Joanna"])
    engine: str | None = Field(None, description="The voice's engine, e.g. Neural.")
    style: str | None = Field(None, description="The speaking style, e.g. Conversational.")

    def compile_step(self, node: Node) -> Step:
        extra = ", ".join(x for x in (self.engine, self.style) if x)
        facts: Facts = (("voice", f"{self.voice} ({extra})" if extra else self.voice),)
        state: State = ((("TextToSpeechVoice",), self.voice),)

        def set_voice(node: Node, rt: Runtime) -> str:
            _apply(rt, facts, state)
            return "success"

        return set_voice


class SetMediaStreaming(Block):
    """Start or stop media streaming: the customer's audio to Kinesis Video Streams.

    As in Amazon Connect (Administrator Guide: "Start media streaming", "Stop media streaming";
    flow language: UpdateContactMediaStreamingBehavior).  Voice only: another channel takes
    `error`.  The dry run records `media streaming: Enabled (Customer From+To)`.
    """

    TYPE: ClassVar[str] = "set-media-streaming"
    CONNECT_TYPE: ClassVar[str] = "UpdateContactMediaStreamingBehavior"
    BRANCHES: ClassVar[tuple[str, ...]] = ("success", "error")
    DEFAULT_BRANCH: ClassVar[str | None] = "success"
    FLOW_TYPES: ClassVar[frozenset[str]] = MEDIA_FLOWS
    DECLARATIVE: ClassVar[bool] = True
    CONNECT_PARAMS: ClassVar[tuple[ConnectParam, ...]] = (
        ConnectParam("streaming", "MediaStreamingState"),
        ConnectParam("participants", "Participants", "json"),
        ConnectParam("media_type", "MediaStreamType"),
    )
    CONNECT_ERRORS: ClassVar[dict[str, str]] = {"error": "NoMatchingError"}

    type: Literal["set-media-streaming"]
    streaming: Literal["Enabled", "Disabled"] = Field(description="Start (Enabled) or stop.")
    participants: list[dict[str, Any]] | None = Field(
        None,
        description="Who is streamed, as Amazon Connect writes it: `ParticipantType` (Customer) "
        "and `MediaDirections` (From, To).",
        examples=[[{"ParticipantType": "Customer", "MediaDirections": ["From", "To"]}]],
    )
    media_type: str | None = Field(None, description="The media streamed: Audio.")

    def compile_step(self, node: Node) -> Step:
        who = ", ".join(
            f"{p.get('ParticipantType', '?')} {'+'.join(map(str, p.get('MediaDirections', [])))}"
            for p in self.participants or []
        )
        facts: Facts = (
            ("media streaming", f"{self.streaming} ({who})" if who else self.streaming),
        )

        def set_media_streaming(node: Node, rt: Runtime) -> str:
            if not _voice_only(rt, "media streaming"):
                return "error"
            _apply(rt, facts, ())
            return "success"

        return set_media_streaming


class TagContact(Block):
    """Tag contact: user-defined tags on the contact (key -> value).

    As in Amazon Connect (Administrator Guide: "Tag contact"; flow language: TagContact).  The
    dry run records `tag: key = value` and sets `$.Tags.<key>`.
    """

    TYPE: ClassVar[str] = "tag-contact"
    CONNECT_TYPE: ClassVar[str] = "TagContact"
    BRANCHES: ClassVar[tuple[str, ...]] = ("success", "error")
    DEFAULT_BRANCH: ClassVar[str | None] = "success"
    FLOW_TYPES: ClassVar[frozenset[str]] = ALL
    DECLARATIVE: ClassVar[bool] = True
    CONNECT_PARAMS: ClassVar[tuple[ConnectParam, ...]] = (ConnectParam("tags", "Tags", "json"),)
    CONNECT_ERRORS: ClassVar[dict[str, str]] = {"error": "NoMatchingError"}

    type: Literal["tag-contact"]
    tags: dict[str, str] = Field(description="Tag key -> value.", examples=[{"Department": "HR"}])

    def compile_step(self, node: Node) -> Step:
        facts: Facts = tuple(("tag", f"{k} = {v}") for k, v in self.tags.items())
        state: State = tuple((("Tags", k), v) for k, v in self.tags.items())

        def tag_contact(node: Node, rt: Runtime) -> str:
            _apply(rt, facts, state)
            return "success"

        return tag_contact


class SetContactData(Block):
    """Update contact data: the contact's language, name or description.

    As in Amazon Connect (flow language: UpdateContactData).  The dry run records
    `language: en-AU` (and so on) and sets `$.LanguageCode`, `$.Name`, `$.Description`.
    """

    TYPE: ClassVar[str] = "set-contact-data"
    CONNECT_TYPE: ClassVar[str] = "UpdateContactData"
    BRANCHES: ClassVar[tuple[str, ...]] = ("success", "error")
    DEFAULT_BRANCH: ClassVar[str | None] = "success"
    FLOW_TYPES: ClassVar[frozenset[str]] = ALL
    DECLARATIVE: ClassVar[bool] = True
    CONNECT_PARAMS: ClassVar[tuple[ConnectParam, ...]] = (
        ConnectParam("language_code", "LanguageCode"),
        ConnectParam("name", "Name"),
        ConnectParam("contact_description", "Description"),
    )
    CONNECT_ERRORS: ClassVar[dict[str, str]] = {"error": "NoMatchingError"}

    type: Literal["set-contact-data"]
    language_code: str | None = Field(None, description="Language, e.g. en-US.")
    name: str | None = Field(None, description="The contact's name (`$.Name`).")
    contact_description: str | None = Field(
        None, description="The contact's description (`$.Description`)."
    )

    def compile_step(self, node: Node) -> Step:
        pairs = (
            ("language", ("LanguageCode",), self.language_code),
            ("name", ("Name",), self.name),
            ("description", ("Description",), self.contact_description),
        )
        facts: Facts = tuple((what, v) for what, _, v in pairs if v is not None)
        state: State = tuple((path, v) for _, path, v in pairs if v is not None)

        def set_contact_data(node: Node, rt: Runtime) -> str:
            _apply(rt, facts, state)
            return "success"

        return set_contact_data


class SetCallbackNumber(Block):
    """Set callback number: the number a callback dials (from an attribute).

    As in Amazon Connect (Administrator Guide: "Set callback number"; flow language:
    UpdateContactCallbackNumber).  The dry run reads the number: not an E.164 number takes
    `invalid-number`; a number the world's `external` says calls to fail (`call-failed`)
    takes `not-dialable`; else it records `callback number: +1...` and create-callback-contact
    dials it.
    """

    TYPE: ClassVar[str] = "set-callback-number"
    CONNECT_TYPE: ClassVar[str] = "UpdateContactCallbackNumber"
    BRANCHES: ClassVar[tuple[str, ...]] = ("success", "invalid-number", "not-dialable")
    DEFAULT_BRANCH: ClassVar[str | None] = "success"
    FLOW_TYPES: ClassVar[frozenset[str]] = CALLBACK_FLOWS
    DECLARATIVE: ClassVar[bool] = True
    CONNECT_PARAMS: ClassVar[tuple[ConnectParam, ...]] = (
        ConnectParam("callback_number", "CallbackNumber"),
    )
    CONNECT_ERRORS: ClassVar[dict[str, str]] = {
        "invalid-number": "InvalidCallbackNumber",
        "not-dialable": "CallbackNumberNotDialable",
    }

    type: Literal["set-callback-number"]
    callback_number: str = Field(
        description="A `$.` reference holding the number (Amazon Connect takes no static number).",
        pattern=REF_PATTERN,
        examples=["$.Attributes.callbackNumber"],
    )

    def check(self, cx: BlockContext) -> None:
        cx.reference(self.callback_number, ("callback-number",))

    def compile_step(self, node: Node) -> Step:
        source = self.callback_number

        def set_callback_number(node: Node, rt: Runtime) -> str:
            number = rt.param(node, ("callback-number",)) or ""
            if not _E164.match(number):
                rt.fact("error", f"{source} is {number!r}, not an E.164 phone number")
                return "invalid-number"
            if number in rt.world.external and "call-failed" in rt.world.external[number]:
                rt.fact("error", f"{number} cannot be dialled (the world's external says so)")
                return "not-dialable"
            _apply(rt, (("callback number", number),), ((("callback-number",), number),))
            return "success"

        return set_callback_number


class SetRoutingBehavior(Block):
    """Change routing priority / age: the contact's priority or time in queue.

    As in Amazon Connect (Administrator Guide: "Change routing priority / age"; flow language:
    UpdateContactRoutingBehavior).  One of `queue-priority` (1 or more; lower is routed first)
    and `queue-time-adjustment-seconds`.  The dry run records `routing priority: 1`.
    """

    TYPE: ClassVar[str] = "set-routing-behavior"
    CONNECT_TYPE: ClassVar[str] = "UpdateContactRoutingBehavior"
    BRANCHES: ClassVar[tuple[str, ...]] = ("success",)
    DEFAULT_BRANCH: ClassVar[str | None] = "success"
    FLOW_TYPES: ClassVar[frozenset[str]] = frozenset({"contact"})
    DECLARATIVE: ClassVar[bool] = True
    CONNECT_PARAMS: ClassVar[tuple[ConnectParam, ...]] = (
        ConnectParam("queue_priority", "QueuePriority", "int"),
        ConnectParam("queue_time_adjustment_seconds", "QueueTimeAdjustmentSeconds", "int"),
    )

    type: Literal["set-routing-behavior"]
    queue_priority: int | None = Field(None, description="Priority, 1 or more (1 goes first).")
    queue_time_adjustment_seconds: int | None = Field(
        None, description="Seconds added to the contact's time in queue (more goes first)."
    )

    def check(self, cx: BlockContext) -> None:
        given = [x is not None for x in (self.queue_priority, self.queue_time_adjustment_seconds)]
        if sum(given) != 1 or (self.queue_priority is not None and self.queue_priority < 1):
            cx.error(
                "FR071",
                "set exactly one of queue-priority (1 or more) and queue-time-adjustment-seconds",
                (),
                "Amazon Connect's UpdateContactRoutingBehavior takes one of them",
            )

    def compile_step(self, node: Node) -> Step:
        if self.queue_priority is not None:
            fact, value = "routing priority", str(self.queue_priority)
        else:
            fact, value = "queue time adjustment", f"{self.queue_time_adjustment_seconds} s"
        facts: Facts = ((fact, value),)
        state: State = (((fact.replace(" ", "-"),), value),)

        def set_routing_behavior(node: Node, rt: Runtime) -> str:
            _apply(rt, facts, state)
            return "success"

        return set_routing_behavior


class SetRoutingCriteria(Block):
    """Set routing criteria: agent proficiencies to route by, in steps.

    As in Amazon Connect (Administrator Guide: "Set routing criteria"; flow language:
    UpdateContactRoutingCriteria).  The criteria are kept as Amazon Connect writes them; the dry
    run records `routing criteria: N step(s)`.
    """

    TYPE: ClassVar[str] = "set-routing-criteria"
    CONNECT_TYPE: ClassVar[str] = "UpdateContactRoutingCriteria"
    BRANCHES: ClassVar[tuple[str, ...]] = ("success", "error")
    DEFAULT_BRANCH: ClassVar[str | None] = "success"
    FLOW_TYPES: ClassVar[frozenset[str]] = ROUTING
    DECLARATIVE: ClassVar[bool] = True
    CONNECT_PARAMS: ClassVar[tuple[ConnectParam, ...]] = (
        ConnectParam("routing_criteria", "RoutingCriteria", "json"),
    )
    CONNECT_ERRORS: ClassVar[dict[str, str]] = {"error": "NoMatchingError"}

    type: Literal["set-routing-criteria"]
    routing_criteria: dict[str, Any] = Field(
        description="RoutingCriteria as Amazon Connect writes it (`Steps`, each with "
        "`Expression` and `Expiry`)."
    )

    def compile_step(self, node: Node) -> Step:
        steps = self.routing_criteria.get("Steps")
        count = len(steps) if isinstance(steps, list) else 0
        facts: Facts = (("routing criteria", f"{count} step(s)"),)

        def set_routing_criteria(node: Node, rt: Runtime) -> str:
            _apply(rt, facts, ())
            return "success"

        return set_routing_criteria


class SetPreviousParticipantState(Block):
    """Hold customer or agent: put the previous participant on hold, or off hold.

    As in Amazon Connect (Administrator Guide: "Hold customer or agent"; flow language:
    UpdatePreviousContactParticipantState).  Voice only: another channel takes `error`.  The dry
    run records `previous participant: AgentOnHold`.
    """

    TYPE: ClassVar[str] = "set-previous-participant-state"
    CONNECT_TYPE: ClassVar[str] = "UpdatePreviousContactParticipantState"
    BRANCHES: ClassVar[tuple[str, ...]] = ("success", "error")
    DEFAULT_BRANCH: ClassVar[str | None] = "success"
    FLOW_TYPES: ClassVar[frozenset[str]] = frozenset(
        {"contact", "agent-transfer", "queue-transfer"}
    )
    DECLARATIVE: ClassVar[bool] = True
    CONNECT_PARAMS: ClassVar[tuple[ConnectParam, ...]] = (
        ConnectParam("state", "PreviousContactParticipantState"),
    )
    CONNECT_ERRORS: ClassVar[dict[str, str]] = {"error": "NoMatchingError"}

    type: Literal["set-previous-participant-state"]
    state: Literal["AgentOnHold", "CustomerOnHold", "OffHold"] = Field(
        description="AgentOnHold, CustomerOnHold or OffHold."
    )

    def compile_step(self, node: Node) -> Step:
        facts: Facts = (("previous participant", self.state),)

        def set_previous_participant_state(node: Node, rt: Runtime) -> str:
            if not _voice_only(rt, "holding a participant"):
                return "error"
            _apply(rt, facts, ())
            return "success"

        return set_previous_participant_state


class SetFlowAttributes(Block):
    """Set flow attributes: values this flow's later blocks read as `$.FlowAttributes.<key>`.

    As in Amazon Connect (Administrator Guide: "Set contact attributes", flow attributes; flow
    language: UpdateFlowAttributes).  A value is text, or one `$.` reference read when the block
    runs.  The dry run records `$.FlowAttributes.key = value`.
    """

    TYPE: ClassVar[str] = "set-flow-attributes"
    CONNECT_TYPE: ClassVar[str] = "UpdateFlowAttributes"
    BRANCHES: ClassVar[tuple[str, ...]] = ("success", "error")
    DEFAULT_BRANCH: ClassVar[str | None] = "success"
    FLOW_TYPES: ClassVar[frozenset[str]] = ALL
    DECLARATIVE: ClassVar[bool] = True
    CONNECT_PARAMS: ClassVar[tuple[ConnectParam, ...]] = (
        ConnectParam("attributes", "FlowAttributes", "values"),
    )
    CONNECT_ERRORS: ClassVar[dict[str, str]] = {"error": "NoMatchingError"}

    type: Literal["set-flow-attributes"]
    attributes: dict[str, str] = Field(
        description="Flow attribute key -> value (text, or one `$.` reference).",
        examples=[{"queueFlow": "$.External.queueFlow", "retries": "0"}],
    )

    def check(self, cx: BlockContext) -> None:
        for key, value in self.attributes.items():
            if value.startswith("$.") and " " not in value:
                cx.reference(value, ("attributes", key))

    def compile_step(self, node: Node) -> Step:
        items = [
            (
                key,
                value,
                ("attributes", key) if value.startswith("$.") and " " not in value else None,
            )
            for key, value in self.attributes.items()
        ]

        def set_flow_attributes(node: Node, rt: Runtime) -> str:
            for key, value, path in items:
                text = (rt.param(node, path) or "") if path is not None else value
                rt.facts.append(("setting", f"$.FlowAttributes.{key}", text))
                rt.state[("FlowAttributes", key)] = text
            return "success"

        return set_flow_attributes
