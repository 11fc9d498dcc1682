"""Import of one action: an Amazon Connect action -> the DSL block it maps to (the per-Type
tables, the inverse of `flowrt.connect.export_blocks`).

`candidate` proposes a block for a known action Type: Parameters become block fields (ARNs and
IDs become names through the environment file), `NextAction`/`Errors`/`Conditions` become the
`next` branches and `conditions`.  When the action does not fit the block it returns an
`Unmodelled`: the parameter or construct, and why, which the importer reports (FR430).  The
importer keeps a candidate only when exporting it gives the original action back exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flowrt.connect.actions import ERRORS, QUEUE_CHANNELS
from flowrt.connect.env import Environment
from flowrt.connect.generic import import_declarative, is_declared
from flowrt.connect.world import WORLD_ACTIONS, import_world
from flowrt.lang.blocks import BLOCKS, CONNECT_OPERATORS

_CHANNELS = {v: k for k, v in QUEUE_CHANNELS.items()}


@dataclass(frozen=True)
class Unmodelled:
    """Why an action does not become a native block: the parameter or construct, and why."""

    construct: str
    why: str = "is not modelled"

    def text(self) -> str:
        return f"{self.construct} {self.why}"


#: What `candidate` proposes: the DSL block's data, or why there is none.
Candidate = dict[str, Any] | Unmodelled


def _extra(p: dict[str, Any], allowed: set[str] | frozenset[str]) -> Unmodelled | None:
    """The first parameter of `p` outside `allowed`, as a reason (None when all are known)."""
    extra = sorted(set(p) - set(allowed))
    if not extra:
        return None
    names = ", ".join(f"`{k}`" for k in extra)
    return Unmodelled(
        f"parameter{'s' if len(extra) > 1 else ''} {names}",
        "is not modelled" if len(extra) == 1 else "are not modelled",
    )


def _missing(p: dict[str, Any], required: set[str]) -> Unmodelled | None:
    gone = sorted(required - set(p))
    if not gone:
        return None
    return Unmodelled(f"parameter `{gone[0]}`", "is missing")


_INT = re.compile(r"^(0|-?[1-9][0-9]{0,15})$")
_OPERATORS = {v: k for k, v in CONNECT_OPERATORS.items()}


def _num(text: Any) -> Any:
    """`"8"` -> 8 when 8 is written back as `"8"`; anything else unchanged."""
    if isinstance(text, str) and _INT.match(text):
        return int(text)
    return text


def _bool(text: Any) -> Any:
    return {"True": True, "False": False}.get(text, text) if isinstance(text, str) else text


def _prompt(
    p: dict[str, Any], env: Environment, keys: tuple[str, ...] = ("Text", "SSML", "PromptId")
) -> dict[str, Any] | Unmodelled:
    given = [k for k in keys if k in p]
    if len(given) != 1:
        return Unmodelled(
            "a prompt" if not given else "parameters " + ", ".join(f"`{k}`" for k in given),
            f"is missing (one of {', '.join(f'`{k}`' for k in keys)})"
            if not given
            else "are given together (flowrt keeps one of them)",
        )
    key = given[0]
    if key == "Media":
        media = p[key]
        if (
            not isinstance(media, dict)
            or set(media) != {"Uri", "SourceType", "MediaType"}
            or not isinstance(media["Uri"], str)
            or not media["Uri"]
            or (media["SourceType"], media["MediaType"]) != ("S3", "Audio")
        ):
            return Unmodelled("parameter `Media`", "is not {Uri, SourceType: S3, MediaType: Audio}")
        return {"media": {"uri": media["Uri"], "source-type": "S3", "media-type": "Audio"}}
    if not isinstance(p[key], str):
        return Unmodelled(f"parameter `{key}`", "is not text")
    if key == "PromptId":
        return {"prompt": env.to_name("prompts", p[key]) or p[key]}
    return {key.lower(): p[key]}


def _queue(p: dict[str, Any], env: Environment) -> dict[str, Any] | Unmodelled:
    if set(p) == {"QueueId"} and isinstance(p["QueueId"], str):
        return {"queue": env.to_name("queues", p["QueueId"]) or p["QueueId"]}
    if set(p) == {"AgentId"} and isinstance(p["AgentId"], str):
        return {"agent": env.to_name("users", p["AgentId"]) or p["AgentId"]}
    if not p:
        return {}
    return _extra(p, {"QueueId", "AgentId"}) or Unmodelled(
        "parameters `QueueId` and `AgentId`", "are given together or are not text"
    )


def _operand(op: str, value: str) -> Any:
    if op.startswith("number-"):
        return _num(value)
    return value


def _conditions(trans: dict[str, Any], names: dict[str, str]) -> list[dict[str, Any]] | Unmodelled:
    out = []
    for c in trans.get("Conditions", []):
        cond = c["Condition"]
        op = _OPERATORS.get(cond["Operator"])
        if op is None:
            return Unmodelled(f"condition operator `{cond['Operator']}`")
        if len(cond["Operands"]) != 1 or not isinstance(cond["Operands"][0], str):
            return Unmodelled("a condition with other than one text operand")
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
) -> dict[str, str] | Unmodelled:
    """The DSL `next` mapping of a modeled block (why not, when a transition has no branch)."""
    trans = action.get("Transitions") or {}
    reverse = {v: k for k, v in ERRORS.get(dsl_type, {}).items()}
    out: dict[str, str] = {}
    na = trans.get("NextAction")
    if na is not None and next_branch not in reverse.values():
        out[next_branch] = _name(names, na)
    for e in trans.get("Errors", []):
        branch = reverse.get(e["ErrorType"])
        target = _name(names, e["NextAction"])
        if branch is None:
            return Unmodelled(f"error `{e['ErrorType']}`", "is not a branch of " + dsl_type)
        if out.get(branch, target) != target:
            return Unmodelled(f"error `{e['ErrorType']}`", "goes where another transition goes")
        out[branch] = target
    if na is not None and out.setdefault(next_branch, _name(names, na)) != _name(names, na):
        return Unmodelled(
            "`NextAction`",
            f"is not the target of its {_ERROR_OF.get(next_branch, next_branch)} transition "
            "(flowrt writes NextAction as that target)",
        )
    by_cond = _BY_CONDITION.get(action["Type"]) or _BY_CONDITION.get(dsl_type)
    if by_cond is not None:
        for c in trans.get("Conditions", []):
            key = (c["Condition"]["Operator"], "".join(map(str, c["Condition"]["Operands"])))
            if key not in by_cond or by_cond[key] in out:
                return Unmodelled(
                    f"condition {key[0]} `{key[1]}`", "is not a branch of " + dsl_type
                )
            out[by_cond[key]] = _name(names, c["NextAction"])
    return out


#: How the reasons name a DSL branch that Connect writes as an error.
_ERROR_OF = {"error": "NoMatchingError", "no-match": "NoMatchingCondition"}


def candidate(action: dict[str, Any], names: dict[str, str], env: Environment) -> Candidate:
    """The DSL block an action maps to, or why not (the caller checks it re-exports exactly)."""
    kind = action["Type"]
    if kind in WORLD_ACTIONS or is_declared(kind):
        found = (
            import_world(action, names, env)
            if kind in WORLD_ACTIONS
            else import_declarative(action, names, env)
        )
        if found is None:
            return Unmodelled(
                "its `Parameters` or `Transitions`",
                f"have a shape no {kind} block reproduces exactly",
            )
        return found
    p = action.get("Parameters") or {}
    if not isinstance(p, dict):
        return Unmodelled("`Parameters`", "is not an object")
    body = _params(kind, p, env)
    if isinstance(body, Unmodelled):
        return body
    dsl_type = body["type"]
    if dsl_type == "check-staffing":
        next_branch = "error"
    elif dsl_type == "transfer-to-phone-number":
        next_branch = "success" if body.get("resume-after-disconnect") is True else "error"
    elif dsl_type == "get-customer-input" and body.get("store-input") is True:
        next_branch = "success"
    else:
        next_branch = _NEXT_BRANCH.get(kind, "success")
    if BLOCKS[dsl_type].HAS_CONDITIONS and dsl_type != "check-staffing":
        conds = _conditions(action.get("Transitions") or {}, names)
        if isinstance(conds, Unmodelled):
            return conds
        if conds or dsl_type == "check-contact-attributes":
            body["conditions"] = conds
        trans = dict(action.get("Transitions") or {})
        trans["Conditions"] = []
        action = {**action, "Transitions": trans}
    nxt = _next(action, dsl_type, names, next_branch)
    if isinstance(nxt, Unmodelled):
        return nxt
    if list(nxt) == [BLOCKS[dsl_type].DEFAULT_BRANCH]:
        body["next"] = next(iter(nxt.values()))
    elif nxt:
        body["next"] = nxt
    return body


def _params(kind: str, p: dict[str, Any], env: Environment) -> Candidate:
    if kind in ("DisconnectParticipant", "EndFlowExecution", "EndFlowModuleExecution"):
        if p:
            return _extra(p, set()) or Unmodelled("parameters")
        return {"type": "disconnect" if kind == "DisconnectParticipant" else "end-flow"}
    if kind == "MessageParticipant":
        return _message(p, env)
    if kind in ("UpdateContactTargetQueue", "DequeueContactAndTransferToQueue"):
        q = _queue(p, env)
        if isinstance(q, Unmodelled):
            return q
        if not q:
            return Unmodelled("a queue or agent", "is missing (`QueueId` or `AgentId`)")
        t = "set-working-queue" if kind == "UpdateContactTargetQueue" else "transfer-to-queue"
        return {"type": t, **q}
    if kind == "TransferContactToQueue":
        return _extra(p, set()) or {"type": "transfer-to-queue"}
    if kind == "TransferToFlow":
        bad = _extra(p, {"ContactFlowId"}) or _missing(p, {"ContactFlowId"})
        if bad is not None:
            return bad
        if not isinstance(p["ContactFlowId"], str):
            return Unmodelled("parameter `ContactFlowId`", "is not text")
        return {
            "type": "transfer-to-flow",
            "flow": env.to_name("flows", p["ContactFlowId"]) or p["ContactFlowId"],
        }
    if kind == "Compare":
        bad = _extra(p, {"ComparisonValue"}) or _missing(p, {"ComparisonValue"})
        if bad is not None:
            return bad
        return {"type": "check-contact-attributes", "attribute": p["ComparisonValue"]}
    if kind == "UpdateContactAttributes":
        return _attributes(p)
    if kind == "InvokeLambdaFunction":
        return _lambda(p, env)
    if kind == "TransferParticipantToThirdParty":
        return _third_party(p, env)
    if kind == "CheckHoursOfOperation":
        if not p:
            return {"type": "check-hours-of-operation"}
        bad = _extra(p, {"HoursOfOperationId"})
        if bad is not None:
            return bad
        hours = env.to_name("hours-of-operation", p["HoursOfOperationId"])
        return {"type": "check-hours-of-operation", "hours": hours or p["HoursOfOperationId"]}
    if kind == "CheckMetricData":
        return _metric(p, env)
    if kind == "GetMetricData":
        rest = {k: v for k, v in p.items() if k != "QueueChannel"}
        q = _queue(rest, env)
        if isinstance(q, Unmodelled):
            return q
        raw = p.get("QueueChannel")
        channel = _CHANNELS.get(raw) if isinstance(raw, str) else None
        if raw is not None and channel is None:
            return Unmodelled(f"`QueueChannel` {raw!r}", "is not a channel flowrt knows")
        return {"type": "get-queue-metrics", **q, **({"channel": channel} if channel else {})}
    if kind == "MessageParticipantIteratively":
        return _loop(p, env)
    if kind == "GetParticipantInput":
        return _input(p, env)
    return Unmodelled(f"action type `{kind}`", "has no flowrt block")


_MEDIA_PROMPT = ("Text", "SSML", "PromptId", "Media")
_SPEECH_TYPES = ("text", "ssml")


def _speech(p: dict[str, Any], out: dict[str, Any]) -> Unmodelled | None:
    """`TextToSpeechType` -> `speech-type` (exactly `text` or `ssml`, as Connect writes it)."""
    if "TextToSpeechType" in p:
        raw = p["TextToSpeechType"]
        if raw not in _SPEECH_TYPES:
            return Unmodelled(f"`TextToSpeechType` {raw!r}", "is not text or ssml")
        out["speech-type"] = raw
    return None


def _message(p: dict[str, Any], env: Environment) -> Candidate:
    """MessageParticipant: Play prompt (text, SSML, a library prompt or S3 media)."""
    bad = _extra(p, {*_MEDIA_PROMPT, "TextToSpeechType", "SkipWhenDTMFBufferEnabled"})
    if bad is not None:
        return bad
    prompt = _prompt(p, env, _MEDIA_PROMPT)
    if isinstance(prompt, Unmodelled):
        return prompt
    out: dict[str, Any] = {"type": "play-prompt", **prompt}
    bad = _speech(p, out)
    if bad is not None:
        return bad
    if "SkipWhenDTMFBufferEnabled" in p:
        raw = p["SkipWhenDTMFBufferEnabled"]
        if raw not in ("True", "False"):
            return Unmodelled(f"`SkipWhenDTMFBufferEnabled` {raw!r}", "is not True or False")
        out["skip-when-typed-ahead"] = raw == "True"
    return out


def _attributes(p: dict[str, Any]) -> Candidate:
    bad = _extra(p, {"Attributes", "TargetContact"}) or _missing(p, {"Attributes"})
    if bad is not None:
        return bad
    attrs = p["Attributes"]
    if not isinstance(attrs, dict) or not all(isinstance(v, str) for v in attrs.values()):
        return Unmodelled("parameter `Attributes`", "is not a map of text values")
    out: dict[str, Any] = {
        "type": "set-contact-attributes",
        "attributes": {k: _num(v) for k, v in attrs.items()},
    }
    if "TargetContact" in p:
        target = _TARGETS.get(p["TargetContact"]) if isinstance(p["TargetContact"], str) else None
        if target is None:
            return Unmodelled(
                f"`TargetContact` {p['TargetContact']!r}", "is not Current or Related"
            )
        out["target-contact"] = target
    return out


_TARGETS = {"Current": "current", "Related": "related"}
_RESPONSE_TYPES = {"STRING_MAP": "string-map", "JSON": "json"}
_INVOCATION_TYPES = {"SYNCHRONOUS": "synchronous", "ASYNCHRONOUS": "asynchronous"}


def _lambda(p: dict[str, Any], env: Environment) -> Candidate:
    allowed = {
        "LambdaFunctionARN",
        "InvocationTimeLimitSeconds",
        "LambdaInvocationAttributes",
        "ResponseValidation",
        "InvocationType",
    }
    bad = _extra(p, allowed) or _missing(p, {"LambdaFunctionARN", "InvocationTimeLimitSeconds"})
    if bad is not None:
        return bad
    attrs = p.get("LambdaInvocationAttributes", {})
    if not isinstance(attrs, dict) or not attrs and "LambdaInvocationAttributes" in p:
        return Unmodelled("parameter `LambdaInvocationAttributes`", "is empty or not an object")
    if not all(isinstance(v, str) for v in attrs.values()):
        return Unmodelled(
            "parameter `LambdaInvocationAttributes`", "holds values that are not text"
        )
    arn = p["LambdaFunctionARN"]
    out: dict[str, Any] = {
        "type": "invoke-lambda",
        "function": env.to_name("lambda-functions", arn) or arn,
        "timeout-seconds": _num(p["InvocationTimeLimitSeconds"]),
    }
    if attrs:
        out["parameters"] = {k: _num(v) for k, v in attrs.items()}
    if "ResponseValidation" in p:
        rv = p["ResponseValidation"]
        kind = (
            rv.get("ResponseType") if isinstance(rv, dict) and set(rv) == {"ResponseType"} else None
        )
        if not isinstance(kind, str) or kind not in _RESPONSE_TYPES:
            return Unmodelled(
                "parameter `ResponseValidation`", "is not {ResponseType: STRING_MAP | JSON}"
            )
        out["response-type"] = _RESPONSE_TYPES[kind]
    if "InvocationType" in p:
        raw = p["InvocationType"]
        if not isinstance(raw, str) or raw not in _INVOCATION_TYPES:
            return Unmodelled(f"`InvocationType` {raw!r}", "is not SYNCHRONOUS or ASYNCHRONOUS")
        out["invocation"] = _INVOCATION_TYPES[raw]
    return out


def _third_party(p: dict[str, Any], env: Environment) -> Candidate:
    required = {
        "ThirdPartyPhoneNumber",
        "ThirdPartyConnectionTimeLimitSeconds",
        "ContinueFlowExecution",
    }
    bad = _extra(p, required | {"ThirdPartyDTMFDigits", "CallerId"}) or _missing(p, required)
    if bad is not None:
        return bad
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
            return Unmodelled("parameter `CallerId`", "is not {Number, Name}")
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


def _metric(p: dict[str, Any], env: Environment) -> Candidate:
    q = _queue({k: v for k, v in p.items() if k != "MetricType"}, env)
    if isinstance(q, Unmodelled):
        return q
    metric = p.get("MetricType")
    if metric in _STAFFING:
        return {"type": "check-staffing", **q, "status": _STAFFING[metric]}
    if metric in _QUEUE_METRICS:
        return {"type": "check-queue-status", **q, "metric": _QUEUE_METRICS[metric]}
    return Unmodelled(f"`MetricType` {metric!r}", "is not a metric flowrt checks")


def _loop(p: dict[str, Any], env: Environment) -> Candidate:
    bad = _extra(p, {"Messages", "InterruptFrequencySeconds", "ContinueMessagingDuringInterrupt"})
    if bad is not None:
        return bad
    if not isinstance(p.get("Messages"), list):
        return Unmodelled("parameter `Messages`", "is not a list")
    prompts = []
    for m in p["Messages"]:
        if not isinstance(m, dict):
            return Unmodelled("a message of `Messages`", "is not an object")
        prompt = _prompt(m, env, _MEDIA_PROMPT)
        if isinstance(prompt, Unmodelled):
            return prompt
        extra = _extra(m, set(_MEDIA_PROMPT))
        if extra is not None:
            return extra
        prompts.append(prompt)
    out: dict[str, Any] = {"type": "loop-prompts", "prompts": prompts}
    if "InterruptFrequencySeconds" in p:
        out["interrupt-seconds"] = _num(p["InterruptFrequencySeconds"])
    if "ContinueMessagingDuringInterrupt" in p:
        # Real exports write it in lower case ("true"); other spellings stay pass-through.
        raw = p["ContinueMessagingDuringInterrupt"]
        if raw not in ("true", "false"):
            return Unmodelled(f"`ContinueMessagingDuringInterrupt` {raw!r}", "is not true or false")
        out["continue-during-interrupt"] = raw == "true"
    return out


_PROMPT_KEYS = {"Text", "SSML", "PromptId"}
_INPUT_KEYS = {
    "TextToSpeechType",
    "InputTimeLimitSeconds",
    "StoreInput",
    "InputValidation",
    "InputEncryption",
    "DTMFConfiguration",
}


def _input(p: dict[str, Any], env: Environment) -> Candidate:
    """GetParticipantInput: Get customer input, or Store customer input (`StoreInput` True)."""
    bad = _extra(p, _PROMPT_KEYS | _INPUT_KEYS) or _missing(
        p, {"InputTimeLimitSeconds", "StoreInput"}
    )
    if bad is not None:
        return bad
    prompt = _prompt({k: v for k, v in p.items() if k in _PROMPT_KEYS}, env)
    if isinstance(prompt, Unmodelled):
        return prompt
    store = p["StoreInput"]
    if store not in ("True", "False"):
        return Unmodelled(f"`StoreInput` {store!r}", "is not True or False")
    out: dict[str, Any] = {
        "type": "get-customer-input",
        **prompt,
        "timeout-seconds": _num(p["InputTimeLimitSeconds"]),
    }
    bad = _speech(p, out)
    if bad is not None:
        return bad
    if store == "True":
        out["store-input"] = True
    for key, read in (
        ("InputValidation", _validation),
        ("InputEncryption", _encryption),
        ("DTMFConfiguration", _dtmf),
    ):
        if key in p:
            got = read(p[key])
            if got is None:
                return Unmodelled(f"parameter `{key}`", "has a shape flowrt does not model")
            out.update(got)
    return out


def _validation(v: Any) -> dict[str, Any] | None:
    if not isinstance(v, dict) or len(v) != 1:
        return None
    if isinstance(v.get("CustomValidation"), dict):
        cv = v["CustomValidation"]
        if set(cv) != {"MaximumLength"} or not isinstance(_num(cv["MaximumLength"]), int):
            return None
        return {"max-length": _num(cv["MaximumLength"])}
    pv = v.get("PhoneNumberValidation")
    if not isinstance(pv, dict) or set(pv) - {"NumberFormat", "CountryCode"}:
        return None
    fmt = {"E164": "e164", "Local": "local"}.get(pv.get("NumberFormat"))  # type: ignore[arg-type]
    if fmt is None:
        return None
    phone: dict[str, Any] = {"format": fmt}
    if "CountryCode" in pv:
        phone["country-code"] = pv["CountryCode"]
    return {"phone-number": phone}


def _encryption(v: Any) -> dict[str, Any] | None:
    if not isinstance(v, dict) or set(v) != {"EncryptionKeyId", "Key"}:
        return None
    return {"encryption": {"key-id": v["EncryptionKeyId"], "key": v["Key"]}}


def _dtmf(v: Any) -> dict[str, Any] | None:
    if not isinstance(v, dict) or set(v) - {"InputTerminationSequence", "DisableCancelKey"}:
        return None
    out: dict[str, Any] = {}
    if "InputTerminationSequence" in v:
        out["termination-sequence"] = v["InputTerminationSequence"]
    if "DisableCancelKey" in v:
        out["disable-cancel-key"] = _bool(v["DisableCancelKey"])
    return {"dtmf": out}
