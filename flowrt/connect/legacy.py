"""The legacy console export (before flow language 2019-10-30) -> flow language actions.

A legacy file has top-level `modules`, `version`, `type`, `start` and `metadata`; each module is
`{id, type, target?, parameters[{name, value, key?, namespace?}], branches[{condition,
transition, conditionType?, conditionValue?}], metadata}`.  The modules whose meaning is clear
are converted to the action the current console would write (PlayPrompt -> MessageParticipant,
SetQueue -> UpdateContactTargetQueue, CheckAttribute -> Compare, ...), then imported like any
flow.  A module that has no such equivalent (SetEventHook, StoreUserInput, a dynamic value in an
unknown namespace, ...) is kept as a pass-through of Type `legacy:<type>` with its parameters,
and reported with FR403: the flow imports and dry-runs, and export refuses that block (FR417).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flowrt.connect.actions import VERSION
from flowrt.core.diagnostics import Diagnostic, Span

LEGACY_TYPES: dict[str, str] = {
    "contactFlow": "contact",
    "customerQueue": "customer-queue",
    "customerHold": "customer-hold",
    "customerWhisper": "customer-whisper",
    "agentHold": "agent-hold",
    "agentWhisper": "agent-whisper",
    "outboundWhisper": "outbound-whisper",
    "agentTransfer": "agent-transfer",
    "queueTransfer": "queue-transfer",
}
_SYSTEM = {
    "Customer Number": "$.CustomerEndpoint.Address",
    "Dialed Number": "$.SystemEndpoint.Address",
    "Stored customer input": "$.StoredCustomerInput",
    "Queue.ARN": "$.Queue.ARN",
    "Queue.Name": "$.Queue.Name",
    "Channel": "$.Channel",
    "Contact id": "$.ContactId",
    "Initial contact id": "$.InitialContactId",
    "Language": "$.LanguageCode",
}
_NAMESPACES = {"User Defined": "$.Attributes.", "External": "$.External."}
_OPERATORS = {
    "Equals": "Equals",
    "GreaterThan": "NumberGreaterThan",
    "LessThan": "NumberLessThan",
    "GreaterThanOrEqualTo": "NumberGreaterOrEqualTo",
    "LessThanOrEqualTo": "NumberLessOrEqualTo",
    "Contains": "TextContains",
    "StartsWith": "TextStartsWith",
    "EndsWith": "TextEndsWith",
}
_BRANCH_ERRORS = {
    "Error": "NoMatchingError",
    "NoMatch": "NoMatchingCondition",
    "AtCapacity": "QueueAtCapacity",
    "CallFailure": "CallFailed",
}


class _NoEquivalent(Exception):
    """The module (or one of its values) has no flow-language equivalent."""


def _value(param: dict[str, Any]) -> str:
    """A legacy parameter's value: static text, or the `$.` reference its namespace names."""
    ns, value = param.get("namespace"), param.get("value")
    if not isinstance(value, str | int | bool) or isinstance(value, bool):
        raise _NoEquivalent(f"value {value!r} of `{param.get('name')}`")
    if ns is None:
        return str(value)
    if ns == "System" and value in _SYSTEM:
        return _SYSTEM[str(value)]
    if ns in _NAMESPACES:
        return _NAMESPACES[ns] + str(value)
    raise _NoEquivalent(f"`{value}` in namespace `{ns}`")


def _params(module: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        p["name"]: p for p in module.get("parameters", []) if isinstance(p, dict) and "name" in p
    }


def _prompt(p: dict[str, dict[str, Any]]) -> dict[str, str]:
    if "Text" in p:
        kind = p.get("TextToSpeechType", {}).get("value", "text")
        return {"SSML" if kind == "ssml" else "Text": _value(p["Text"])}
    if "AudioPrompt" in p:
        return {"PromptId": _value(p["AudioPrompt"])}
    raise _NoEquivalent("a prompt with neither text nor an audio prompt")


def _play(m: dict[str, Any], p: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    return "MessageParticipant", _prompt(p)


def _set_queue(m: dict[str, Any], p: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    if "Queue" in p:
        return "UpdateContactTargetQueue", {"QueueId": _value(p["Queue"])}
    if "Agent" in p:
        return "UpdateContactTargetQueue", {"AgentId": _value(p["Agent"])}
    raise _NoEquivalent("SetQueue without a queue or agent")


def _transfer(m: dict[str, Any], p: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    target = m.get("target")
    if target == "Queue" and not p:
        return "TransferContactToQueue", {}
    if target == "Flow" and set(p) == {"ContactFlowId"}:
        return "TransferToFlow", {"ContactFlowId": _value(p["ContactFlowId"])}
    if target == "PhoneNumber" and "PhoneNumber" in p:
        blind = p.get("BlindTransfer", {}).get("value", True)
        out: dict[str, Any] = {
            "ThirdPartyPhoneNumber": _value(p["PhoneNumber"]),
            "ThirdPartyConnectionTimeLimitSeconds": str(p.get("TimeLimit", {}).get("value", "30")),
            "ContinueFlowExecution": "False" if blind in (True, "true") else "True",
        }
        return "TransferParticipantToThirdParty", out
    raise _NoEquivalent(f"Transfer to {target} with {', '.join(sorted(p)) or 'no parameters'}")


def _check_attribute(m: dict[str, Any], p: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    attr = p.get("Attribute", {}).get("value")
    ns = p.get("Namespace", {}).get("value")
    ref = _value({"name": "Attribute", "value": attr, "namespace": ns})
    if not ref.startswith("$."):
        raise _NoEquivalent(f"attribute `{attr}` without a namespace")
    return "Compare", {"ComparisonValue": ref}


def _set_attributes(m: dict[str, Any], p: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    attrs = {
        str(x["key"]): _value(x)
        for x in m.get("parameters", [])
        if isinstance(x, dict) and x.get("name") == "Attribute" and "key" in x
    }
    if not attrs:
        raise _NoEquivalent("SetAttributes without attributes")
    return "UpdateContactAttributes", {"Attributes": attrs}


def _hours(m: dict[str, Any], p: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    if "Hours" in p:
        return "CheckHoursOfOperation", {"HoursOfOperationId": _value(p["Hours"])}
    if p:
        raise _NoEquivalent(f"CheckHoursOfOperation with {', '.join(sorted(p))}")
    return "CheckHoursOfOperation", {}


def _staffing(m: dict[str, Any], p: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    status = p.get("Status", {}).get("value", "Available")
    if status not in ("Available", "Staffed", "Online") or set(p) - {"Status"}:
        raise _NoEquivalent(f"CheckStaffing {status}")
    return "CheckMetricData", {"MetricType": f"NumberOfAgents{status}"}


def _logging(m: dict[str, Any], p: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    value = p.get("LoggingBehavior", {}).get("value")
    if value not in ("Enable", "Disable"):
        raise _NoEquivalent(f"LoggingBehavior {value!r}")
    return "UpdateFlowLoggingBehavior", {"FlowLoggingBehavior": f"{value}d"}


def _lambda(m: dict[str, Any], p: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    if m.get("target") != "Lambda" or "FunctionArn" not in p:
        raise _NoEquivalent(f"InvokeExternalResource of target {m.get('target')!r}")
    out: dict[str, Any] = {
        "LambdaFunctionARN": _value(p["FunctionArn"]),
        "InvocationTimeLimitSeconds": str(p.get("TimeLimit", {}).get("value", "3")),
    }
    attrs = {
        str(x["key"]): _value(x)
        for x in m.get("parameters", [])
        if isinstance(x, dict) and x.get("name") == "Parameter" and "key" in x
    }
    if attrs:
        out["LambdaInvocationAttributes"] = attrs
    return "InvokeLambdaFunction", out


def _voice(m: dict[str, Any], p: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    extra = {k for k, v in p.items() if k != "GlobalVoice" and v.get("value") not in (None, "None")}
    if "GlobalVoice" not in p or extra:
        raise _NoEquivalent(f"SetVoice with {', '.join(sorted(extra)) or 'no voice'}")
    return "UpdateContactTextToSpeechVoice", {"TextToSpeechVoice": _value(p["GlobalVoice"])}


def _input(m: dict[str, Any], p: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    if m.get("target") != "Digits":
        raise _NoEquivalent(f"GetUserInput of target {m.get('target')!r}")
    out = _prompt(p)
    out["InputTimeLimitSeconds"] = str(p.get("Timeout", {}).get("value", "5"))
    out["StoreInput"] = "False"
    return "GetParticipantInput", out


def _metrics(m: dict[str, Any], p: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    if set(p) == {"Queue"}:
        return "GetMetricData", {"QueueId": _value(p["Queue"])}
    if not p:
        return "GetMetricData", {}
    raise _NoEquivalent(f"GetMetricData with {', '.join(sorted(p))}")


def _simple(
    kind: str,
) -> Callable[[dict[str, Any], dict[str, dict[str, Any]]], tuple[str, dict[str, Any]]]:
    def convert(m: dict[str, Any], p: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
        return kind, {}

    return convert


def _loop_prompts(m: dict[str, Any], p: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    messages: list[dict[str, str]] = []
    for x in m.get("parameters", []):
        if x.get("name") == "Text":
            messages.append({"Text": _value({**x, "namespace": None})})
        elif x.get("name") == "AudioPrompt":
            messages.append({"PromptId": _value(x)})
        else:
            raise _NoEquivalent(f"LoopPrompts parameter `{x.get('name')}`")
    if not messages:
        raise _NoEquivalent("LoopPrompts without prompts")
    return "MessageParticipantIteratively", {"Messages": messages}


def _loop(m: dict[str, Any], p: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    return "Loop", {"LoopCount": str(p.get("LoopCount", {}).get("value", "1"))}


#: Legacy module type -> converter to (flow language Type, Parameters).
CONVERTERS: dict[
    str, Callable[[dict[str, Any], dict[str, dict[str, Any]]], tuple[str, dict[str, Any]]]
] = {
    "PlayPrompt": _play,
    "SetQueue": _set_queue,
    "Transfer": _transfer,
    "CheckAttribute": _check_attribute,
    "SetAttributes": _set_attributes,
    "CheckHoursOfOperation": _hours,
    "CheckStaffing": _staffing,
    "SetLoggingBehavior": _logging,
    "InvokeExternalResource": _lambda,
    "SetVoice": _voice,
    "GetUserInput": _input,
    "GetMetricData": _metrics,
    "Disconnect": _simple("DisconnectParticipant"),
    "Resume": _simple("EndFlowExecution"),
    "Loop": _loop,
    "LoopPrompts": _loop_prompts,
}


def _transitions(kind: str, module: dict[str, Any]) -> dict[str, Any]:
    nxt: str | None = None
    errors: list[dict[str, str]] = []
    conds: list[dict[str, Any]] = []

    def cond(op: str, value: str, target: str) -> None:
        conds.append({"NextAction": target, "Condition": {"Operator": op, "Operands": [value]}})

    for b in module.get("branches", []):
        c, t = b.get("condition"), b.get("transition")
        if not isinstance(t, str):
            continue
        if c == "Success":
            nxt = t
        elif c == "Evaluate":
            op = _OPERATORS.get(str(b.get("conditionType")))
            if op is None:
                raise _NoEquivalent(f"condition {b.get('conditionType')!r}")
            cond(op, str(b.get("conditionValue", "")), t)
        elif c in ("True", "False") and kind == "CheckHoursOfOperation":
            cond("Equals", c, t)
        elif c == "True" and kind == "CheckMetricData":
            cond("NumberGreaterThan", "0", t)
        elif c == "False" and kind == "CheckMetricData":
            errors.append({"NextAction": t, "ErrorType": "NoMatchingCondition"})
        elif c in ("Looping", "Complete") and kind == "Loop":
            cond("Equals", "ContinueLooping" if c == "Looping" else "DoneLooping", t)
        elif c == "Timeout":
            timeout = (
                "InputTimeLimitExceeded"
                if kind == "GetParticipantInput"
                else ("ConnectionTimeLimitExceeded")
            )
            errors.append({"NextAction": t, "ErrorType": timeout})
        elif c in _BRANCH_ERRORS:
            errors.append({"NextAction": t, "ErrorType": _BRANCH_ERRORS[c]})
        else:
            raise _NoEquivalent(f"branch {c!r}")
    if nxt is None and errors and kind != "Compare":
        nxt = next((e["NextAction"] for e in errors if e["ErrorType"] == "NoMatchingError"), None)
    if kind == "Loop" and nxt is None:  # the console writes the DoneLooping target
        nxt = next(
            (c["NextAction"] for c in conds if c["Condition"]["Operands"] == ["DoneLooping"]), None
        )
    if kind == "Compare" and nxt is None:
        nxt = next(
            (e["NextAction"] for e in errors if e["ErrorType"] == "NoMatchingCondition"), None
        )
    if nxt is None and not errors and not conds:
        return {}
    out: dict[str, Any] = {} if nxt is None else {"NextAction": nxt}
    return {**out, "Errors": errors, "Conditions": conds}


def _passthrough_transitions(module: dict[str, Any]) -> dict[str, Any]:
    errors = []
    nxt = None
    for b in module.get("branches", []):
        t = b.get("transition")
        if not isinstance(t, str):
            continue
        if b.get("condition") == "Success":
            nxt = t
        else:
            errors.append({"NextAction": t, "ErrorType": str(b.get("condition"))})
    if nxt is None and not errors:
        return {}
    return {**({"NextAction": nxt} if nxt else {}), "Errors": errors, "Conditions": []}


def convert_legacy(data: dict[str, Any], file: str) -> tuple[dict[str, Any], list[Diagnostic]]:
    """Flow language content (plus `flowrt-type`) for a legacy export, and its FR403 findings."""
    diags: list[Diagnostic] = []
    actions: list[dict[str, Any]] = []
    action_meta: dict[str, Any] = {}
    modules = [
        m for m in data.get("modules", []) if isinstance(m, dict) and isinstance(m.get("id"), str)
    ]
    for m in modules:
        kind = str(m.get("type"))
        action_meta[m["id"]] = m.get("metadata", {})
        try:
            convert = CONVERTERS.get(kind)
            if convert is None:
                raise _NoEquivalent("no equivalent action")
            ctype, params = convert(m, _params(m))
            trans = _transitions(ctype, m)
        except (_NoEquivalent, KeyError, TypeError, AttributeError) as exc:
            diags.append(
                Diagnostic.make(
                    "FR403",
                    f"legacy module `{kind}` ({m['id']}): {exc}; kept as a pass-through that "
                    "export refuses",
                    Span(file, 1, 1, 1, 2),  # the file: its JSON has no positions after parsing
                    "rebuild the block in flowrt, or export the flow again from the current "
                    "Amazon Connect console (flow language 2019-10-30)",
                )
            )
            ctype, params = f"legacy:{kind}", {"legacy": m.get("parameters", [])}
            if m.get("target") is not None:
                params["target"] = m["target"]
            trans = _passthrough_transitions(m)
        actions.append(
            {"Identifier": m["id"], "Type": ctype, "Parameters": params, "Transitions": trans}
        )
    raw_meta = data.get("metadata")
    meta: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
    content = {
        "Version": VERSION,
        "StartAction": data.get("start"),
        "Metadata": {
            "entryPointPosition": meta.get("entryPointPosition", {"x": 20, "y": 20}),
            "ActionMetadata": action_meta,
        },
        "flowrt-legacy": {k: v for k, v in data.items() if k != "modules"},
        "Actions": actions,
        "flowrt-type": LEGACY_TYPES.get(str(data.get("type")), "contact"),
    }
    return content, diags
