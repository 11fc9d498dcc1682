"""Amazon Connect flow log module types <-> flowrt block types: the one table both ways use.

Flow logs name a block by `ContactFlowModuleType`, in the block vocabulary of the console's old
export format (`SetQueue`, `GetUserInput`, `InvokeExternalResource`, ...), not by the flow
language's action Type.  The table is keyed by flowrt's DSL block type *names* (strings), so a
block type added later (a native `set-voice` instead of a `connect-action`) slots in by name
without a change here; a `connect-action` block is looked up by its Connect action Type.  The
table is documented in docs/replay.md (keep both in step: a test compares them).
"""

from __future__ import annotations

from typing import Any

#: DSL block type -> the ContactFlowModuleType Amazon Connect logs for it; None: not logged.
#: Names with no real record behind them are flowrt's choice (docs/replay.md says which).
BLOCK_MODULES: dict[str, str | None] = {
    "transfer-to-queue": "TransferToQueue",
    "set-working-queue": "SetQueue",
    "transfer-to-phone-number": "Transfer",
    "transfer-to-flow": "TransferToFlow",
    "disconnect": "Disconnect",
    "end-flow": None,
    "check-contact-attributes": "CheckAttribute",
    "check-hours-of-operation": "CheckHoursOfOperation",
    "check-queue-status": "CheckQueueStatus",
    "check-staffing": "CheckStaffing",
    "get-queue-metrics": "GetQueueMetrics",
    "set-contact-attributes": "SetAttributes",
    "play-prompt": "PlayPrompt",
    "send-message": "PlayPrompt",
    "loop-prompts": "LoopPrompts",
    "get-customer-input": "GetUserInput",
    "invoke-lambda": "InvokeExternalResource",
    # flowrt's own policy check: Amazon Connect has no such block, so nothing is logged.
    "outbound-email-policy": None,
    # Block types of issue 15 (native blocks for every Connect action), by name.
    "set-logging-behavior": "SetLoggingBehavior",
    "set-recording-behavior": "SetRecordingBehavior",
    "set-voice": "SetVoice",
    "set-media-streaming": "StartMediaStreaming",
    "set-event-hook": "SetContactFlow",
    "tag-contact": "TagContact",
    "set-flow-attributes": "SetFlowAttributes",
    "distribute-by-percentage": "DistributeByPercentage",
    "wait": "Wait",
    "transfer-to-agent": "TransferToAgent",
    "lex-bot": "GetUserInput",
    "loop": "Loop",
    "invoke-module": "InvokeFlowModule",
    "get-customer-profile": "GetCustomerProfile",
}

#: Connect action Type (of a `connect-action` block) -> ContactFlowModuleType.
ACTION_MODULES: dict[str, str] = {
    "UpdateFlowLoggingBehavior": "SetLoggingBehavior",
    "UpdateContactTextToSpeechVoice": "SetVoice",
    "UpdateContactRecordingBehavior": "SetRecordingBehavior",
    "UpdateContactMediaStreamingBehavior": "StartMediaStreaming",
    "CreateWisdomSession": "SetWisdomAssistant",
    "UpdateContactEventHooks": "SetContactFlow",
    "UpdateFlowAttributes": "SetFlowAttributes",
    "UpdateContactAttributes": "SetAttributes",
    "UpdateContactTargetQueue": "SetQueue",
    "MessageParticipant": "PlayPrompt",
    "GetParticipantInput": "GetUserInput",
    "ConnectParticipantWithLexBot": "GetUserInput",
    "InvokeLambdaFunction": "InvokeExternalResource",
    "Compare": "CheckAttribute",
    "CheckHoursOfOperation": "CheckHoursOfOperation",
    "DisconnectParticipant": "Disconnect",
    "TransferContactToQueue": "TransferToQueue",
    "TransferToFlow": "TransferToFlow",
    "TransferParticipantToThirdParty": "Transfer",
    "InvokeFlowModule": "InvokeFlowModule",
    "EndFlowModuleExecution": "ReturnFromFlowModule",
    "TagContact": "TagContact",
    "Wait": "Wait",
    "Loop": "Loop",
    "DistributeByPercentage": "DistributeByPercentage",
    "GetCustomerProfile": "GetCustomerProfile",
}

#: Module types a log may hold that mean the same as another (older or third-party names).
ALIASES: dict[str, str] = {
    # The old export's one transfer module stood for queue, flow and number transfers.
    "StoreUserInput": "GetUserInput",
    "Resume": "EndFlowExecution",
}

#: Every module type flowrt knows (a record of any other type is reported, FR603).
KNOWN_MODULES: frozenset[str] = frozenset(
    {m for m in BLOCK_MODULES.values() if m}
    | set(ACTION_MODULES.values())
    | set(ALIASES)
    | {"EndFlowExecution", "SetCustomerQueue", "SetHoldFlow", "SetWhisperFlow"}
)

#: The module type of the record that turns logging on (a contact's log starts with it).
LOGGING = "SetLoggingBehavior"


def module_of(block_type: str, action: str | None = None) -> str | None:
    """The module type a block of `block_type` logs: by its DSL type name; a `connect-action`
    (and a block type not in the table) by its Connect action Type `action`."""
    if block_type in BLOCK_MODULES:
        return BLOCK_MODULES[block_type]
    return ACTION_MODULES.get(action) if action is not None else None


def module_of_block(block: Any) -> str | None:
    """The module type a block model logs (`module_of` on its type, action or CONNECT_TYPE)."""
    # `vars`, not getattr: a pydantic model looks a missing attribute up the slow way (an
    # exception inside), and this runs for every step of every replayed contact.
    action = vars(block).get("action") or getattr(type(block), "CONNECT_TYPE", None)
    return module_of(block.TYPE if block.TYPE != "connect-action" else "", action)


def same_module(expected: str, logged: str) -> bool:
    """Whether a logged module type stands for the expected one (aliases and the old
    `Transfer`, which stood for every transfer, included)."""
    if expected == logged or ALIASES.get(logged) == expected:
        return True
    return logged == "Transfer" and expected in ("TransferToQueue", "TransferToFlow")
