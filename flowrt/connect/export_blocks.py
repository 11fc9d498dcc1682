"""Export of one block: a DSL block -> its Amazon Connect actions (the per-type tables).

Each modeled block type maps to one action Type and its Parameters (`_params`), and its branches
to `NextAction`, `Errors` (`flowrt.connect.actions.ERRORS`) and `Conditions`.  A
`check-contact-attributes` block with `when:` conditions becomes a chain of Compare actions
(`flowrt.connect.when`); a `connect-action` pass-through is written back as it was kept.  What
cannot be expressed is refused with a diagnostic in the context (FR410, FR411, FR415-FR417).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from flowrt.connect.actions import ERRORS, QUEUE_CHANNELS, connect_text, transitions
from flowrt.connect.context import ExportContext, branches
from flowrt.connect.generic import export_declarative
from flowrt.connect.when import lower_conditions
from flowrt.connect.world import WORLD_BLOCKS, export_world
from flowrt.lang.blocks import CONNECT_OPERATORS, Block, Condition
from flowrt.lang.loader import JsonPath

#: The branch whose target Connect writes as `NextAction` (the console's convention: the main
#: exit, or for blocks that only branch by conditions and errors, the first error's target).
_NEXT_BRANCH: dict[str, str] = {
    "check-contact-attributes": "no-match",
    "check-hours-of-operation": "error",
    "check-queue-status": "error",
    "check-staffing": "error",
    "transfer-to-flow": "error",
    "loop-prompts": "error",
    "get-customer-input": "error",
}
METRICS = {
    "oldest-contact-age": "OldestContactInQueueAgeSeconds",
    "contacts-in-queue": "NumberOfContactsInQueue",
    "available": "NumberOfAgentsAvailable",
    "staffed": "NumberOfAgentsStaffed",
    "online": "NumberOfAgentsOnline",
}


def _modeled_transitions(
    block: Block, cx: ExportContext, conditions: Sequence[tuple[str, list[str], str]] = ()
) -> dict[str, Any]:
    errors_map = ERRORS.get(block.TYPE, {})
    next_branch = _NEXT_BRANCH.get(block.TYPE, "success")
    if block.TYPE == "transfer-to-phone-number" and not getattr(
        block, "resume_after_disconnect", False
    ):
        next_branch = "error"
    if block.TYPE == "get-customer-input" and getattr(block, "store_input", False):
        next_branch = "success"  # Store customer input: NextAction is Success
    next_action = None
    errors: list[tuple[str, str]] = []
    for branch, target in branches(block):
        t = cx.target(target)
        assert t is not None
        if branch == next_branch:
            next_action = t
        if branch in errors_map:
            errors.append((errors_map[branch], t))
    return transitions(next_action, errors, conditions)


def _condition_list(
    cx: ExportContext, conds: Sequence[Condition]
) -> list[tuple[str, list[str], str]]:
    out: list[tuple[str, list[str], str]] = []
    for i, cond in enumerate(conds):
        (op, operand), *_ = cond.operator()
        if op == "when":
            cx.report(
                "FR411",
                f"condition {i + 1} uses `when:`, which Amazon Connect can only express in "
                "check-contact-attributes",
                ("conditions", i, "when"),
                "use an operator (equals, number-greater-than, ...) here",
            )
            continue
        target = cx.target(cond.next)
        assert target is not None
        out.append((CONNECT_OPERATORS[op], [connect_text(operand)], target))
    return out


# ---------------------------------------------------------------------------------------------
# blocks


def _action(
    identifier: str, type_: str, params: dict[str, Any], trans: dict[str, Any]
) -> dict[str, Any]:
    return {"Identifier": identifier, "Type": type_, "Parameters": params, "Transitions": trans}


def _queue_params(cx: ExportContext, queue: str | None, agent: str | None) -> dict[str, Any]:
    if queue is not None:
        return {"QueueId": cx.resource("queues", queue, ("queue",))}
    if agent is not None:
        return {"AgentId": cx.resource("users", agent, ("agent",))}
    return {}


def _prompt_params(cx: ExportContext, obj: Any, path: JsonPath = ()) -> dict[str, Any]:
    if obj.text is not None:
        return {"Text": obj.text}
    if obj.ssml is not None:
        return {"SSML": obj.ssml}
    if obj.prompt is not None:
        return {"PromptId": cx.resource("prompts", obj.prompt, (*path, "prompt"))}
    media = getattr(obj, "media", None)
    if media is not None:
        return {
            "Media": {
                "Uri": media.uri,
                "SourceType": media.source_type,
                "MediaType": media.media_type,
            }
        }
    return {}


def _params(block: Block, cx: ExportContext) -> tuple[str, dict[str, Any]] | None:
    """The Connect Type and Parameters of a modeled block (None when refused)."""
    b: Any = block
    t = block.TYPE
    if t == "transfer-to-queue":
        params = _queue_params(cx, b.queue, b.agent)
        if cx.flow_type == "customer-queue" and params:
            return "DequeueContactAndTransferToQueue", params
        if params:
            cx.report(
                "FR415",
                "names a queue or agent outside a customer queue flow; Amazon Connect's "
                "TransferContactToQueue uses the working queue",
                ("queue" if b.queue is not None else "agent",),
                "set the queue first with set-working-queue",
            )
            return None
        return "TransferContactToQueue", {}
    if t == "set-working-queue":
        return "UpdateContactTargetQueue", _queue_params(cx, b.queue, b.agent)
    if t == "transfer-to-phone-number":
        p: dict[str, Any] = {
            "ThirdPartyPhoneNumber": cx.resource(
                "phone-numbers", b.phone_number, ("phone-number",)
            ),
            "ThirdPartyConnectionTimeLimitSeconds": connect_text(b.timeout_seconds),
            "ContinueFlowExecution": connect_text(b.resume_after_disconnect),
        }
        if b.dtmf is not None:
            p["ThirdPartyDTMFDigits"] = b.dtmf
        if b.caller_id is not None:
            caller: dict[str, str] = {}
            if b.caller_id.number is not None:
                caller["Number"] = cx.resource(
                    "phone-numbers", b.caller_id.number, ("caller-id", "number")
                )
            if b.caller_id.name is not None:
                caller["Name"] = b.caller_id.name
            p["CallerId"] = caller
        return "TransferParticipantToThirdParty", p
    if t == "transfer-to-flow":
        return "TransferToFlow", {"ContactFlowId": cx.resource("flows", b.flow, ("flow",))}
    if t == "disconnect":
        return "DisconnectParticipant", {}
    if t == "end-flow":
        kind = "EndFlowModuleExecution" if cx.flow_type == "module" else "EndFlowExecution"
        return kind, {}
    if t == "check-contact-attributes":
        return "Compare", {"ComparisonValue": b.attribute or ""}
    if t == "check-hours-of-operation":
        hours = {}
        if b.hours is not None:
            hours = {"HoursOfOperationId": cx.resource("hours-of-operation", b.hours, ("hours",))}
        return "CheckHoursOfOperation", hours
    if t in ("check-queue-status", "check-staffing"):
        metric = METRICS[b.metric if t == "check-queue-status" else b.status]
        return "CheckMetricData", {"MetricType": metric, **_queue_params(cx, b.queue, b.agent)}
    if t == "get-queue-metrics":
        p = _queue_params(cx, b.queue, b.agent)
        if b.channel is not None:
            p["QueueChannel"] = QUEUE_CHANNELS[b.channel]
        return "GetMetricData", p
    if t == "set-contact-attributes":
        attrs = {k: connect_text(v) for k, v in b.attributes.items()}
        p = {"Attributes": attrs}
        if b.target_contact is not None:
            p["TargetContact"] = b.target_contact.capitalize()
        return "UpdateContactAttributes", p
    if t == "send-message":
        return "MessageParticipant", {"Text": b.text}
    if t == "play-prompt":
        p = _prompt_params(cx, b)
        if b.speech_type is not None:
            p["TextToSpeechType"] = b.speech_type
        if b.skip_when_typed_ahead is not None:
            p["SkipWhenDTMFBufferEnabled"] = connect_text(b.skip_when_typed_ahead)
        return "MessageParticipant", p
    if t == "loop-prompts":
        p = {"Messages": [_prompt_params(cx, m, ("prompts", i)) for i, m in enumerate(b.prompts)]}
        if b.interrupt_seconds is not None:
            p["InterruptFrequencySeconds"] = connect_text(b.interrupt_seconds)
        if b.continue_during_interrupt is not None:
            # Lower case, as the console writes it (unlike the other booleans).
            p["ContinueMessagingDuringInterrupt"] = str(b.continue_during_interrupt).lower()
        return "MessageParticipantIteratively", p
    if t == "get-customer-input":
        return "GetParticipantInput", _input_params(cx, b)
    if t == "invoke-lambda":
        p = {
            "LambdaFunctionARN": cx.resource("lambda-functions", b.function, ("function",)),
            "InvocationTimeLimitSeconds": connect_text(b.timeout_seconds),
        }
        if b.parameters:
            p["LambdaInvocationAttributes"] = {k: connect_text(v) for k, v in b.parameters.items()}
        if b.response_type is not None:
            p["ResponseValidation"] = {"ResponseType": b.response_type.upper().replace("-", "_")}
        if b.invocation is not None:
            p["InvocationType"] = b.invocation.upper()
        return "InvokeLambdaFunction", p
    cx.report(
        "FR410",
        f"{t} is a flowrt-only block: Amazon Connect has no action for it",
        ("type",),
        "flows that use it (such as the outbound email policy) stay in flowrt",
    )
    return None


def _input_params(cx: ExportContext, b: Any) -> dict[str, Any]:
    """GetParticipantInput's Parameters, in the order the console writes them."""
    p = _prompt_params(cx, b)
    if b.speech_type is not None:
        p["TextToSpeechType"] = b.speech_type
    p["InputTimeLimitSeconds"] = connect_text(b.timeout_seconds)
    p["StoreInput"] = connect_text(bool(b.store_input))
    if b.max_length is not None:
        p["InputValidation"] = {"CustomValidation": {"MaximumLength": connect_text(b.max_length)}}
    elif b.phone_number is not None:
        pn: dict[str, str] = {
            "NumberFormat": "E164" if b.phone_number.format == "e164" else "Local"
        }
        if b.phone_number.country_code is not None:
            pn["CountryCode"] = b.phone_number.country_code
        p["InputValidation"] = {"PhoneNumberValidation": pn}
    if b.encryption is not None:
        p["InputEncryption"] = {"EncryptionKeyId": b.encryption.key_id, "Key": b.encryption.key}
    if b.dtmf is not None:
        dtmf: dict[str, str] = {}
        if b.dtmf.termination_sequence is not None:
            dtmf["InputTerminationSequence"] = b.dtmf.termination_sequence
        if b.dtmf.disable_cancel_key is not None:
            dtmf["DisableCancelKey"] = connect_text(b.dtmf.disable_cancel_key)
        p["DTMFConfiguration"] = dtmf
    return p


def _conditions(block: Block, cx: ExportContext) -> list[tuple[str, list[str], str]]:
    t = block.TYPE
    b: Any = block
    pairs = branches(block)
    if t == "check-hours-of-operation":
        value = {"in-hours": "True", "out-of-hours": "False"}
        return [("Equals", [value[br]], _t(cx, tg)) for br, tg in pairs if br in value]
    if t == "check-staffing":
        return [("NumberGreaterThan", ["0"], _t(cx, tg)) for br, tg in pairs if br == "true"]
    if t == "loop-prompts":
        return [
            ("Equals", ["MessagesInterrupted"], _t(cx, tg)) for br, tg in pairs if br == "timeout"
        ]
    if block.HAS_CONDITIONS:
        return _condition_list(cx, b.conditions)
    return []


def _t(cx: ExportContext, name: str) -> str:
    t = cx.target(name)
    assert t is not None
    return t


def export_block(name: str, block: Block, cx: ExportContext) -> list[dict[str, Any]]:
    """The Connect actions of one block (empty when it is refused: see cx.diagnostics)."""
    cx.block = name
    identifier = cx.ids.get(name, name)
    if block.DECLARATIVE:
        return export_declarative(identifier, block, cx)
    if block.TYPE in WORLD_BLOCKS:
        return export_world(identifier, block, cx)
    if block.TYPE == "connect-action":
        return _export_connect_action(identifier, block, cx)
    if block.TYPE == "check-contact-attributes" and any(
        c.when is not None for c in block.conditions_list
    ):
        return lower_conditions(identifier, block, cx)
    if (
        block.TYPE == "check-contact-attributes"
        and isinstance(block.next, dict)
        and ("error" in block.next)
    ):
        cx.report(
            "FR416",
            "`error` is not exported: Amazon Connect's Compare has no error branch",
            ("next", "error"),
            "remove `error:` from this block's next",
        )
    found = _params(block, cx)
    if found is None:
        return []
    kind, params = found
    trans = _modeled_transitions(block, cx, _conditions(block, cx))
    return [_action(identifier, kind, params, trans)]


def _export_connect_action(
    identifier: str, block: Block, cx: ExportContext
) -> list[dict[str, Any]]:
    b: Any = block
    if b.action.startswith("legacy:"):
        cx.report(
            "FR417",
            f"`{b.action}` is a legacy console module with no flow-language equivalent",
            ("action",),
            "rebuild this block with a flowrt block type, or re-export the flow from the console",
        )
        return []
    if isinstance(block.next, str):
        next_action: str | None = cx.target(block.next)
        errors: list[tuple[str, str]] = []
    else:
        mapping = dict(block.next or {})
        next_action = cx.target(mapping.pop("success", None))
        errors = [(k, _t(cx, v)) for k, v in mapping.items()]
    conds = [(c.operator, list(c.operands), _t(cx, c.next)) for c in b.conditions]
    params = copy.deepcopy(b.parameters)
    return [_action(identifier, b.action, params, transitions(next_action, errors, conds))]
