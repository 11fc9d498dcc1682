"""Import of one action: an Amazon Connect action -> the DSL block it maps to (the per-Type
tables, the inverse of `flowrt.connect.export_blocks`).

`candidate` proposes a block for a known action Type: Parameters become block fields (ARNs and
IDs become names through the environment file), `NextAction`/`Errors`/`Conditions` become the
`next` branches and `conditions`.  It returns None when the action does not fit the block; the
importer keeps a candidate only when exporting it gives the original action back exactly.
"""

from __future__ import annotations

import re
from typing import Any

from flowrt.connect.actions import ERRORS, QUEUE_CHANNELS
from flowrt.connect.env import Environment
from flowrt.connect.generic import import_declarative, is_declared
from flowrt.lang.blocks import BLOCKS, CONNECT_OPERATORS

_CHANNELS = {v: k for k, v in QUEUE_CHANNELS.items()}
_INT = re.compile(r"^(0|-?[1-9][0-9]{0,15})$")
_OPERATORS = {v: k for k, v in CONNECT_OPERATORS.items()}


def _num(text: Any) -> Any:
    """`"8"` -> 8 when 8 is written back as `"8"`; anything else unchanged."""
    if isinstance(text, str) and _INT.match(text):
        return int(text)
    return text


def _bool(text: Any) -> Any:
    return {"True": True, "False": False}.get(text, text) if isinstance(text, str) else text


def _prompt(p: dict[str, Any], env: Environment) -> dict[str, Any] | None:
    given = [k for k in ("Text", "SSML", "PromptId") if k in p]
    if len(given) != 1 or not isinstance(p[given[0]], str):
        return None
    key = given[0]
    if key == "PromptId":
        return {"prompt": env.to_name("prompts", p[key]) or p[key]}
    return {key.lower(): p[key]}


def _queue(p: dict[str, Any], env: Environment) -> dict[str, Any] | None:
    if set(p) == {"QueueId"} and isinstance(p["QueueId"], str):
        return {"queue": env.to_name("queues", p["QueueId"]) or p["QueueId"]}
    if set(p) == {"AgentId"} and isinstance(p["AgentId"], str):
        return {"agent": env.to_name("users", p["AgentId"]) or p["AgentId"]}
    return None if p else {}


def _operand(op: str, value: str) -> Any:
    if op.startswith("number-"):
        return _num(value)
    return value


def _conditions(trans: dict[str, Any], names: dict[str, str]) -> list[dict[str, Any]] | None:
    out = []
    for c in trans.get("Conditions", []):
        cond = c["Condition"]
        op = _OPERATORS.get(cond["Operator"])
        if op is None or len(cond["Operands"]) != 1 or not isinstance(cond["Operands"][0], str):
            return None
        out.append({op: _operand(op, cond["Operands"][0]), "next": _name(names, c["NextAction"])})
    return out


def _name(names: dict[str, str], ident: str) -> str:
    return names.get(ident, ident)


_NEXT_BRANCH = {
    "Compare": "no-match",
    "CheckHoursOfOperation": "error",
    "CheckMetricData": "error",
    "TransferToFlow": "error",
    "MessageParticipantIteratively": "error",
    "GetParticipantInput": "error",
}
_BY_CONDITION: dict[str, dict[tuple[str, str], str]] = {
    "CheckHoursOfOperation": {("Equals", "True"): "in-hours", ("Equals", "False"): "out-of-hours"},
    "check-staffing": {("NumberGreaterThan", "0"): "true"},
    "MessageParticipantIteratively": {("Equals", "MessagesInterrupted"): "timeout"},
}


def _next(
    action: dict[str, Any], dsl_type: str, names: dict[str, str], next_branch: str
) -> dict[str, str] | None:
    """The DSL `next` mapping of a modeled block (None when a transition has no branch)."""
    trans = action.get("Transitions") or {}
    reverse = {v: k for k, v in ERRORS.get(dsl_type, {}).items()}
    out: dict[str, str] = {}
    na = trans.get("NextAction")
    if na is not None and next_branch not in reverse.values():
        out[next_branch] = _name(names, na)
    for e in trans.get("Errors", []):
        branch = reverse.get(e["ErrorType"])
        target = _name(names, e["NextAction"])
        if branch is None or out.get(branch, target) != target:
            return None
        out[branch] = target
    if na is not None and out.setdefault(next_branch, _name(names, na)) != _name(names, na):
        return None
    by_cond = _BY_CONDITION.get(action["Type"]) or _BY_CONDITION.get(dsl_type)
    if by_cond is not None:
        for c in trans.get("Conditions", []):
            key = (c["Condition"]["Operator"], "".join(map(str, c["Condition"]["Operands"])))
            if key not in by_cond or by_cond[key] in out:
                return None
            out[by_cond[key]] = _name(names, c["NextAction"])
    return out


def candidate(
    action: dict[str, Any], names: dict[str, str], env: Environment
) -> dict[str, Any] | None:
    """The DSL block an action maps to, or None (the caller checks it re-exports exactly)."""
    kind = action["Type"]
    if is_declared(kind):
        return import_declarative(action, names, env)
    p = action.get("Parameters") or {}
    body = _params(kind, p, env)
    if body is None:
        return None
    dsl_type = body["type"]
    if dsl_type == "check-staffing":
        next_branch = "error"
    elif dsl_type == "transfer-to-phone-number":
        next_branch = "success" if body.get("resume-after-disconnect") is True else "error"
    else:
        next_branch = _NEXT_BRANCH.get(kind, "success")
    if BLOCKS[dsl_type].HAS_CONDITIONS and dsl_type != "check-staffing":
        conds = _conditions(action.get("Transitions") or {}, names)
        if conds is None:
            return None
        if conds or dsl_type == "check-contact-attributes":
            body["conditions"] = conds
        trans = dict(action.get("Transitions") or {})
        trans["Conditions"] = []
        action = {**action, "Transitions": trans}
    nxt = _next(action, dsl_type, names, next_branch)
    if nxt is None:
        return None
    if list(nxt) == [BLOCKS[dsl_type].DEFAULT_BRANCH]:
        body["next"] = next(iter(nxt.values()))
    elif nxt:
        body["next"] = nxt
    return body


def _params(kind: str, p: dict[str, Any], env: Environment) -> dict[str, Any] | None:
    if kind in ("DisconnectParticipant", "EndFlowExecution", "EndFlowModuleExecution"):
        return (
            None if p else {"type": "disconnect" if kind == "DisconnectParticipant" else "end-flow"}
        )
    if kind == "MessageParticipant":
        prompt = _prompt(p, env)
        return None if prompt is None else {"type": "play-prompt", **prompt}
    if kind in ("UpdateContactTargetQueue", "DequeueContactAndTransferToQueue"):
        q = _queue(p, env)
        if not q:
            return None
        t = "set-working-queue" if kind == "UpdateContactTargetQueue" else "transfer-to-queue"
        return {"type": t, **q}
    if kind == "TransferContactToQueue":
        return None if p else {"type": "transfer-to-queue"}
    if kind == "TransferToFlow" and set(p) == {"ContactFlowId"}:
        return {
            "type": "transfer-to-flow",
            "flow": env.to_name("flows", p["ContactFlowId"]) or p["ContactFlowId"],
        }
    if kind == "Compare" and set(p) == {"ComparisonValue"}:
        return {"type": "check-contact-attributes", "attribute": p["ComparisonValue"]}
    if kind == "UpdateContactAttributes" and set(p) == {"Attributes"}:
        attrs = p["Attributes"]
        if not isinstance(attrs, dict) or not all(isinstance(v, str) for v in attrs.values()):
            return None
        return {
            "type": "set-contact-attributes",
            "attributes": {k: _num(v) for k, v in attrs.items()},
        }
    if kind == "InvokeLambdaFunction":
        return _lambda(p, env)
    if kind == "TransferParticipantToThirdParty":
        return _third_party(p, env)
    if kind == "CheckHoursOfOperation":
        if not p:
            return {"type": "check-hours-of-operation"}
        if set(p) == {"HoursOfOperationId"}:
            hours = env.to_name("hours-of-operation", p["HoursOfOperationId"])
            return {"type": "check-hours-of-operation", "hours": hours or p["HoursOfOperationId"]}
        return None
    if kind == "CheckMetricData":
        return _metric(p, env)
    if kind == "GetMetricData":
        rest = {k: v for k, v in p.items() if k != "QueueChannel"}
        q = _queue(rest, env)
        raw = p.get("QueueChannel")
        channel = _CHANNELS.get(raw) if isinstance(raw, str) else None
        if q is None or (raw is not None and channel is None):
            return None
        return {"type": "get-queue-metrics", **q, **({"channel": channel} if channel else {})}
    if kind == "MessageParticipantIteratively":
        return _loop(p, env)
    if kind == "GetParticipantInput":
        if set(p) - {"Text", "SSML", "PromptId"} != {"InputTimeLimitSeconds", "StoreInput"}:
            return None
        if p["StoreInput"] != "False":
            return None
        prompt = _prompt({k: v for k, v in p.items() if k in ("Text", "SSML", "PromptId")}, env)
        if prompt is None:
            return None
        return {
            "type": "get-customer-input",
            **prompt,
            "timeout-seconds": _num(p["InputTimeLimitSeconds"]),
        }
    return None


def _lambda(p: dict[str, Any], env: Environment) -> dict[str, Any] | None:
    allowed = {"LambdaFunctionARN", "InvocationTimeLimitSeconds", "LambdaInvocationAttributes"}
    if set(p) - allowed or "LambdaFunctionARN" not in p or "InvocationTimeLimitSeconds" not in p:
        return None
    attrs = p.get("LambdaInvocationAttributes", {})
    if not isinstance(attrs, dict) or not attrs and "LambdaInvocationAttributes" in p:
        return None
    if not all(isinstance(v, str) for v in attrs.values()):
        return None
    arn = p["LambdaFunctionARN"]
    out: dict[str, Any] = {
        "type": "invoke-lambda",
        "function": env.to_name("lambda-functions", arn) or arn,
        "timeout-seconds": _num(p["InvocationTimeLimitSeconds"]),
    }
    if attrs:
        out["parameters"] = {k: _num(v) for k, v in attrs.items()}
    return out


def _third_party(p: dict[str, Any], env: Environment) -> dict[str, Any] | None:
    required = {
        "ThirdPartyPhoneNumber",
        "ThirdPartyConnectionTimeLimitSeconds",
        "ContinueFlowExecution",
    }
    if not required <= set(p) or set(p) - required - {"ThirdPartyDTMFDigits", "CallerId"}:
        return None
    number = p["ThirdPartyPhoneNumber"]
    out: dict[str, Any] = {
        "type": "transfer-to-phone-number",
        "phone-number": env.to_name("phone-numbers", number) or number,
        "timeout-seconds": _num(p["ThirdPartyConnectionTimeLimitSeconds"]),
        "resume-after-disconnect": _bool(p["ContinueFlowExecution"]),
    }
    if "ThirdPartyDTMFDigits" in p:
        out["dtmf"] = p["ThirdPartyDTMFDigits"]
    caller = p.get("CallerId")
    if caller is not None:
        if not isinstance(caller, dict) or set(caller) - {"Number", "Name"}:
            return None
        cid: dict[str, Any] = {}
        if "Number" in caller:
            cid["number"] = env.to_name("phone-numbers", caller["Number"]) or caller["Number"]
        if "Name" in caller:
            cid["name"] = caller["Name"]
        out["caller-id"] = cid
    return out


_STAFFING = {
    "NumberOfAgentsAvailable": "available",
    "NumberOfAgentsStaffed": "staffed",
    "NumberOfAgentsOnline": "online",
}
_QUEUE_METRICS = {
    "OldestContactInQueueAgeSeconds": "oldest-contact-age",
    "NumberOfContactsInQueue": "contacts-in-queue",
}


def _metric(p: dict[str, Any], env: Environment) -> dict[str, Any] | None:
    q = _queue({k: v for k, v in p.items() if k != "MetricType"}, env)
    metric = p.get("MetricType")
    if q is None or not isinstance(metric, str):
        return None
    if metric in _STAFFING:
        return {"type": "check-staffing", **q, "status": _STAFFING[metric]}
    if metric in _QUEUE_METRICS:
        return {"type": "check-queue-status", **q, "metric": _QUEUE_METRICS[metric]}
    return None


def _loop(p: dict[str, Any], env: Environment) -> dict[str, Any] | None:
    if set(p) - {"Messages", "InterruptFrequencySeconds"} or not isinstance(
        p.get("Messages"), list
    ):
        return None
    prompts = []
    for m in p["Messages"]:
        prompt = _prompt(m, env) if isinstance(m, dict) else None
        if prompt is None:
            return None
        prompts.append(prompt)
    out: dict[str, Any] = {"type": "loop-prompts", "prompts": prompts}
    if "InterruptFrequencySeconds" in p:
        out["interrupt-seconds"] = _num(p["InterruptFrequencySeconds"])
    return out
