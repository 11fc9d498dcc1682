"""The block types of the flow language: parameters, branches and static checks, one class each.

Each block type is one pydantic model.  Its class variables declare what the compiler, the schema
generator, the interpreter and the exporter need to know about it:

- ``TYPE``: the DSL name (``type: transfer-to-queue``);
- ``CONNECT_TYPE``: the Amazon Connect flow language action ``Type`` it stands for;
- ``BRANCHES``: the exits it can take, in display order, and ``DEFAULT_BRANCH``, the exit meant by
  the shorthand ``next: <block>``;
- ``REQUIRED``: branches that must be connected (for example transfer-to-queue's ``success``,
  which Amazon Connect requires ("Set up call transfers"));
- ``FLOW_TYPES``: the flow types the block may appear in.

Fields are the block's parameters, written in kebab-case in YAML (``timeout-seconds``).  `check`
runs the block's own static checks at compile time and prepares what the run step needs (parsed
expressions, resolved names), so that a run touches no parser.  `BLOCKS` is the registry: adding
a block type is one class (in the module of this package where it belongs), its import here
and one line there.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from flowrt.lang.blocks.base import (
    ALL,
    CONNECT_OPERATORS,
    DTMF_PATTERN,
    FLOW_TYPES,
    INTERACTIVE,
    OPERATORS,
    PHONE_PATTERN,
    REF_PATTERN,
    ROUTING,
    Block,
    CallerId,
    Condition,
    ConnectParam,
    FlowType,
    Model,
    Prompt,
    Scalar,
    Step,
    condition_branch,
    prepare_matchers,
    text_of,
)
from flowrt.lang.blocks.bots import LexBot, ShowView
from flowrt.lang.blocks.connect import ConnectAction, ConnectCondition
from flowrt.lang.blocks.decisions import (
    CheckContactAttributes,
    CheckHoursOfOperation,
    CheckQueueStatus,
    CheckStaffing,
    GetQueueMetrics,
)
from flowrt.lang.blocks.flow_control import (
    CheckOutboundCallStatus,
    CheckVoiceId,
    CompleteOutboundCall,
    CreateCallbackContact,
    DistributeByPercentage,
    StartVoiceIdStream,
    TransferToAgent,
    Wait,
)
from flowrt.lang.blocks.hooks import SetEventHook
from flowrt.lang.blocks.interaction import (
    GetCustomerInput,
    InvokeLambda,
    LoopPrompts,
    OutboundEmailPolicy,
    PlayPrompt,
    SendMessage,
    SetContactAttributes,
)
from flowrt.lang.blocks.modules import InvokeModule, Loop
from flowrt.lang.blocks.profiles import (
    CreateCustomerProfile,
    GetCustomerProfile,
    UpdateCustomerProfile,
)
from flowrt.lang.blocks.routing import (
    Disconnect,
    EndFlow,
    SetWorkingQueue,
    TransferToFlow,
    TransferToPhoneNumber,
    TransferToQueue,
)
from flowrt.lang.blocks.settings import (
    SetCallbackNumber,
    SetContactData,
    SetFlowAttributes,
    SetLoggingBehavior,
    SetMediaStreaming,
    SetPreviousParticipantState,
    SetRecordingBehavior,
    SetRoutingBehavior,
    SetRoutingCriteria,
    SetVoice,
    TagContact,
)

__all__ = [
    "ALL",
    "BLOCKS",
    "BLOCK_NAME_FORBIDDEN",
    "CONNECT_OPERATORS",
    "DTMF_PATTERN",
    "FLOW_TYPES",
    "INTERACTIVE",
    "OPERATORS",
    "PHONE_PATTERN",
    "REF_PATTERN",
    "RESERVED_NAMES",
    "ROUTING",
    "Block",
    "CallerId",
    "CheckContactAttributes",
    "CheckHoursOfOperation",
    "CheckOutboundCallStatus",
    "CheckQueueStatus",
    "CheckStaffing",
    "CheckVoiceId",
    "CompleteOutboundCall",
    "Condition",
    "ConnectAction",
    "ConnectCondition",
    "ConnectParam",
    "CreateCallbackContact",
    "CreateCustomerProfile",
    "GetCustomerProfile",
    "InvokeModule",
    "LexBot",
    "Loop",
    "ShowView",
    "UpdateCustomerProfile",
    "Disconnect",
    "DistributeByPercentage",
    "EndFlow",
    "Flow",
    "FlowType",
    "GetCustomerInput",
    "GetQueueMetrics",
    "InvokeLambda",
    "LoopPrompts",
    "Model",
    "OutboundEmailPolicy",
    "PlayPrompt",
    "Prompt",
    "Scalar",
    "SendMessage",
    "SetCallbackNumber",
    "SetContactAttributes",
    "SetContactData",
    "SetEventHook",
    "SetFlowAttributes",
    "SetLoggingBehavior",
    "SetMediaStreaming",
    "SetPreviousParticipantState",
    "SetRecordingBehavior",
    "SetRoutingBehavior",
    "SetRoutingCriteria",
    "SetVoice",
    "SetWorkingQueue",
    "StartVoiceIdStream",
    "Step",
    "TagContact",
    "TransferToAgent",
    "TransferToFlow",
    "TransferToPhoneNumber",
    "TransferToQueue",
    "Wait",
    "condition_branch",
    "prepare_matchers",
    "text_of",
]

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
    "set-logging-behavior": SetLoggingBehavior,
    "set-recording-behavior": SetRecordingBehavior,
    "set-voice": SetVoice,
    "set-media-streaming": SetMediaStreaming,
    "set-event-hook": SetEventHook,
    "tag-contact": TagContact,
    "set-contact-data": SetContactData,
    "set-callback-number": SetCallbackNumber,
    "set-routing-behavior": SetRoutingBehavior,
    "set-routing-criteria": SetRoutingCriteria,
    "set-previous-participant-state": SetPreviousParticipantState,
    "set-flow-attributes": SetFlowAttributes,
    "check-outbound-call-status": CheckOutboundCallStatus,
    "distribute-by-percentage": DistributeByPercentage,
    "check-voice-id": CheckVoiceId,
    "start-voice-id-stream": StartVoiceIdStream,
    "wait": Wait,
    "complete-outbound-call": CompleteOutboundCall,
    "create-callback-contact": CreateCallbackContact,
    "transfer-to-agent": TransferToAgent,
    # answered by the world: bots, views, loops, modules, customer profiles
    "lex-bot": LexBot,
    "show-view": ShowView,
    "loop": Loop,
    "invoke-module": InvokeModule,
    "get-customer-profile": GetCustomerProfile,
    "create-customer-profile": CreateCustomerProfile,
    "update-customer-profile": UpdateCustomerProfile,
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
    type: FlowType = Field("contact", description="The Amazon Connect flow type.")
    description: str | None = Field(None, description="What the flow does.")
    id: str | None = Field(None, description="Amazon Connect flow ID or ARN, kept for export.")
    start: str = Field(description="The block the flow starts at.")
    blocks: dict[str, Any] = Field(description="Block name -> block.")
