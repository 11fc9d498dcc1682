"""The flow type of an imported flow: from what surrounds it, else from the actions it uses.

Never from the file's name.  In order:

1. the wrapper: the API's `Type` (`DescribeContactFlow`), a listing's `ContactFlowType`, a
   CloudFormation resource's `Type` property (`AWS::Connect::ContactFlowModule`: a module), a
   Terraform resource's `type` (`flowrt.connect.templates` puts both in the wrapper);
2. the content: each action Type is allowed only in some flow types (the "Restrictions" of its
   page in the Amazon Connect Administrator Guide, "Flow language actions"); the flow is of a type
   that allows all of its actions.  `EndFlowModuleExecution` makes a module;
3. when several types allow them all, the first of `PREFERENCE` (a contact flow when it is one of
   them), with the note FR442 naming the others and how to state the type.
"""

from __future__ import annotations

from typing import Any

from flowrt.core.diagnostics import Diagnostic, Span

WRAPPER_TYPES: dict[str, str] = {
    "CONTACT_FLOW": "contact",
    "CUSTOMER_QUEUE": "customer-queue",
    "CUSTOMER_HOLD": "customer-hold",
    "CUSTOMER_WHISPER": "customer-whisper",
    "AGENT_HOLD": "agent-hold",
    "AGENT_WHISPER": "agent-whisper",
    "OUTBOUND_WHISPER": "outbound-whisper",
    "AGENT_TRANSFER": "agent-transfer",
    "QUEUE_TRANSFER": "queue-transfer",
    "CONTACT_FLOW_MODULE": "module",
}

_TRANSFER = frozenset({"agent-transfer", "queue-transfer"})
_WHISPER = frozenset({"customer-whisper", "agent-whisper", "outbound-whisper"})
_HOLD = frozenset({"customer-hold", "agent-hold"})
_INBOUND = frozenset({"contact"}) | _TRANSFER
_QUEUE = _INBOUND | {"customer-queue"}
#: Every flow type a flow file of an import can have (a module only by its end action).
_ANY = _QUEUE | _WHISPER | _HOLD

#: Action Type -> the flow types that allow it (absent: every flow type).
ALLOWED: dict[str, frozenset[str]] = {
    "DequeueContactAndTransferToQueue": frozenset({"customer-queue"}),
    "TransferContactToAgent": _TRANSFER,
    "TransferContactToQueue": _INBOUND,
    "UpdateContactTargetQueue": _INBOUND,
    "UpdatePreviousContactParticipantState": _INBOUND,
    "TransferToFlow": _INBOUND,
    "UpdateContactRoutingBehavior": frozenset({"contact"}),
    "UpdateContactCallbackNumber": _QUEUE,
    "CheckHoursOfOperation": _QUEUE,
    "CheckMetricData": _QUEUE,
    "DistributeByPercentage": _QUEUE,
    "CreateCallbackContact": _QUEUE,
    "ConnectParticipantWithLexBot": _QUEUE,
    "GetParticipantInput": _QUEUE,
    "TransferParticipantToThirdParty": _QUEUE,
    "UpdateContactMediaStreamingBehavior": _QUEUE | _WHISPER,
    "MessageParticipant": _QUEUE | _WHISPER,
    "UpdateContactRecordingBehavior": _QUEUE | {"outbound-whisper"},
    "EndFlowExecution": _WHISPER | {"customer-queue"},
    "MessageParticipantIteratively": _HOLD | {"customer-queue"},
}
#: Which type to choose when several allow every action: a contact flow, then the most
#: constrained kinds (a flow that could be a hold flow uses only what hold flows allow).
PREFERENCE: tuple[str, ...] = (
    "contact",
    "customer-hold",
    "agent-hold",
    "agent-whisper",
    "customer-whisper",
    "outbound-whisper",
    "customer-queue",
    "agent-transfer",
    "queue-transfer",
)


def wrapper_type(wrapper: dict[str, Any]) -> str | None:
    """The flow type a wrapper states (`Type` or `ContactFlowType`), if any."""
    inner = wrapper.get("ContactFlow", wrapper)
    if not isinstance(inner, dict):
        return None
    for key in ("Type", "ContactFlowType"):
        value = inner.get(key)
        if isinstance(value, str) and value in WRAPPER_TYPES:
            return WRAPPER_TYPES[value]
    return None


def content_types(actions: list[dict[str, Any]]) -> list[str]:
    """The flow types that allow every action, most likely first (see `PREFERENCE`)."""
    kinds = {str(a.get("Type")) for a in actions}
    if "EndFlowModuleExecution" in kinds:
        return ["module"]
    possible = set(_ANY)
    for kind in sorted(kinds):
        possible &= ALLOWED.get(kind, _ANY)
    return [t for t in PREFERENCE if t in possible]


def flow_type(
    wrapper: dict[str, Any], actions: list[dict[str, Any]], file: str
) -> tuple[str, Diagnostic | None]:
    """The flow type of an imported flow, and the FR442 note when the file does not state it and
    its actions allow more than one type (or none: then a contact flow, as Amazon Connect's
    default)."""
    stated = wrapper_type(wrapper)
    if stated is not None:
        return stated, None
    possible = content_types(actions)
    if len(possible) == 1:
        return possible[0], None
    chosen = possible[0] if possible else "contact"
    why = (
        f"its actions are allowed in {', '.join(f'`{t}`' for t in possible)} flows"
        if possible
        else "no single flow type allows all of its actions"
    )
    note = Diagnostic.make(
        "FR442",
        f"the file does not state the flow type and {why}; imported as `{chosen}`",
        Span(file, 1, 1, 1, 2),
        "if it is another type, set `type:` in the imported flow file (or import the flow with "
        'its wrapper: `"Type": "CUSTOMER_QUEUE"`, a CloudFormation or Terraform resource)',
    )
    return chosen, note
