"""Import: Amazon Connect flow language JSON -> `*.flow.yaml` in the DSL, without losing anything.

Reads the flow language (`Version 2019-10-30`), its wrappers (`{"Name","Type","Content":"..."}`
and `{"ContactFlow": {..., "Content": "..."}}`) and the legacy console export (`modules`; see
`flowrt.connect.legacy`).  Each action becomes a block:

- a known action Type becomes its DSL block when, and only when, exporting that block gives the
  original action back exactly (Type, Parameters, Transitions); otherwise, and for unknown Types,
  it becomes a `connect-action` pass-through that keeps Type and Parameters as they are;
- a block that would not validate in the flow (a flow name that is not in the project, a block
  not allowed in the flow type, ...) is demoted to a pass-through as well;
- names come from the block's purpose or its Metadata label (`say-thanks-for-calling`,
  `set-queue-billing`), unique and stable; the Identifier is kept in `id:`.

Layout (`Metadata`), module `Settings` and wrapper fields go to a side file
`<name>.flow.layout.json`, so that diffs of the YAML show logic only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flowrt.lang.blocks import BLOCKS, CONNECT_OPERATORS, Block
from flowrt.connect.env import EMPTY, Environment
from flowrt.connect.export import (
    ERRORS,
    ExportContext,
    export_block,
    identifier_problem,
    layout_path,
    write_atomic,
)
from flowrt.connect.files import Source, read_source, to_yaml
from flowrt.core.diagnostics import Diagnostic

_UUID = re.compile(r"^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")
_INT = re.compile(r"^(0|-?[1-9][0-9]{0,15})$")
_OPERATORS = {v: k for k, v in CONNECT_OPERATORS.items()}
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
#: Hints in file names, checked in order, when nothing else says the flow type.
_NAME_HINTS: tuple[tuple[str, str], ...] = (
    ("module", "module"),
    ("customer-queue", "customer-queue"),
    ("queue-flow", "customer-queue"),
    ("customer-hold", "customer-hold"),
    ("agent-hold", "agent-hold"),
    ("customer-whisper", "customer-whisper"),
    ("agent-whisper", "agent-whisper"),
    ("outbound-whisper", "outbound-whisper"),
    ("agent-transfer", "agent-transfer"),
    ("queue-transfer", "queue-transfer"),
)


@dataclass
class Imported:
    """One imported flow: the DSL data, the side file's data and what was found on the way."""

    source: str
    stem: str
    flow: dict[str, Any]
    layout: dict[str, Any]
    diagnostics: list[Diagnostic] = field(default_factory=list)
    passthrough: int = 0


# ---------------------------------------------------------------------------------------------
# names


def slug(text: str, limit: int = 40) -> str:
    """Lower-case words joined by `-`, cut at a word boundary within `limit` characters."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    out = ""
    for w in words:
        nxt = f"{out}-{w}" if out else w
        if len(nxt) > limit:
            break
        out = nxt
    return out or (words[0][:limit] if words else "")


def _kebab(type_name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", type_name).lower()


def _label(meta: dict[str, Any]) -> str:
    for key in ("queue", "ContactFlow", "contactFlow"):
        value = meta.get(key)
        if isinstance(value, dict) and isinstance(value.get("text"), str):
            return str(value["text"])
    for key in ("promptName", "contactFlowModuleName", "lexV2BotName"):
        if isinstance(meta.get(key), str) and meta[key]:
            return str(meta[key])
    return ""


def _purpose(action: dict[str, Any], meta: dict[str, Any]) -> str:
    kind = action["Type"]
    p = action.get("Parameters") or {}
    label = slug(_label(meta), 30)
    first = next(iter(p.values()), "") if p else ""
    if kind == "MessageParticipant":
        if isinstance(p.get("Text"), str):
            return "say-" + slug(" ".join(p["Text"].split()[:5]), 30)
        return "play-" + (label or "prompt")
    if kind == "Compare":
        value = str(p.get("ComparisonValue", ""))
        return "check-" + slug(re.split(r"[.\[\]'\"]+", value.strip(".[]'\""))[-1] or "attribute")
    if kind == "UpdateContactAttributes" and isinstance(p.get("Attributes"), dict):
        keys = list(p["Attributes"])
        return "set-" + (slug(keys[0], 30) if keys else "attributes")
    if kind == "InvokeLambdaFunction":
        arn = str(p.get("LambdaFunctionARN", ""))
        name = arn.split("function:")[-1] if "function:" in arn else ""
        return "lambda-" + slug(name, 30) if slug(name) else "invoke-lambda"
    simple = {
        "DisconnectParticipant": "disconnect",
        "EndFlowExecution": "end-flow",
        "EndFlowModuleExecution": "end-module",
        "CheckHoursOfOperation": "check-hours",
        "GetMetricData": "get-queue-metrics",
        "MessageParticipantIteratively": "hold-prompts",
        "TransferContactToQueue": "to-queue",
    }
    prefixed = {
        "UpdateContactTargetQueue": "set-queue",
        "DequeueContactAndTransferToQueue": "to-queue",
        "TransferToFlow": "to-flow",
        "GetParticipantInput": "input",
        "InvokeFlowModule": "module",
        "ConnectParticipantWithLexBot": "lex",
    }
    if kind in simple:
        return simple[kind]
    if kind in prefixed:
        return prefixed[kind] + (f"-{label}" if label else "")
    if kind == "CheckMetricData":
        return "check-" + slug(_kebab(str(p.get("MetricType", "metric"))).replace("number-of-", ""))
    if kind == "Loop":
        return f"loop-{slug(str(first))}" if slug(str(first)) else "loop"
    if kind == "TransferParticipantToThirdParty":
        digits = re.sub(r"\D", "", str(p.get("ThirdPartyPhoneNumber", "")))
        return f"dial-{digits}" if digits else "dial"
    return slug(_kebab(kind.removeprefix("legacy:")), 40) or "action"


def readable(identifier: str) -> bool:
    """An Identifier that already reads as a name (not a UUID) and is a valid block name."""
    return (
        not _UUID.match(identifier)
        and identifier_problem(identifier) is None
        and identifier.strip() == identifier
        and not re.fullmatch(r"[0-9a-fA-F-]{16,}", identifier)
    )


def assign_names(actions: Sequence[dict[str, Any]], metadata: dict[str, Any]) -> dict[str, str]:
    """Identifier -> block name: readable Identifiers are kept, the others named by purpose."""
    meta = metadata.get("ActionMetadata") if isinstance(metadata, dict) else None
    meta = meta if isinstance(meta, dict) else {}
    names: dict[str, str] = {}
    taken: set[str] = set()
    for a in actions:
        if readable(a["Identifier"]):
            names[a["Identifier"]] = a["Identifier"]
            taken.add(a["Identifier"])
    for a in actions:
        ident = a["Identifier"]
        if ident in names:
            continue
        m = meta.get(ident)
        base = _purpose(a, m if isinstance(m, dict) else {}).strip("-") or "action"
        name, n = base, 1
        while name in taken:
            n += 1
            name = f"{base}-{n}"
        names[ident] = name
        taken.add(name)
    return names


# ---------------------------------------------------------------------------------------------
# actions -> blocks


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
        if q is None:
            return None
        return {
            "type": "get-queue-metrics",
            **q,
            **({"channel": p["QueueChannel"]} if "QueueChannel" in p else {}),
        }
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


def passthrough(action: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """A `connect-action` block keeping the action's Type, Parameters and Transitions."""
    trans = action.get("Transitions") or {}
    out: dict[str, Any] = {
        "type": "connect-action",
        "action": action["Type"],
        "parameters": action.get("Parameters") or {},
    }
    errors = trans.get("Errors", [])
    na = trans.get("NextAction")
    if na is not None and not errors:
        out["next"] = _name(names, na)
    elif na is not None or errors:
        nxt = {} if na is None else {"success": _name(names, na)}
        for e in errors:
            nxt[e["ErrorType"]] = _name(names, e["NextAction"])
        out["next"] = nxt
    conds = trans.get("Conditions", [])
    if conds:
        out["conditions"] = [
            {
                "operator": c["Condition"]["Operator"],
                "operands": c["Condition"]["Operands"],
                "next": _name(names, c["NextAction"]),
            }
            for c in conds
        ]
    return out


def same_action(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Semantic equality of two actions: Identifier, Type, Parameters (absent = `{}`) and
    Transitions (empty `Errors`/`Conditions` lists = absent); order of lists is kept."""
    return json.dumps(normalize_action(a), sort_keys=True) == json.dumps(
        normalize_action(b), sort_keys=True
    )


def normalize_action(a: dict[str, Any]) -> dict[str, Any]:
    """The form `same_action` compares."""
    trans = {k: v for k, v in (a.get("Transitions") or {}).items() if v != []}
    return {
        "Identifier": a.get("Identifier"),
        "Type": a.get("Type"),
        "Parameters": a.get("Parameters") or {},
        "Transitions": trans,
    }


# ---------------------------------------------------------------------------------------------
# flows


def _flow_type(src: Source) -> str:
    wrapper = src.wrapper.get("ContactFlow", src.wrapper)
    if isinstance(wrapper, dict) and wrapper.get("Type") in WRAPPER_TYPES:
        return WRAPPER_TYPES[wrapper["Type"]]
    types = {a["Type"] for a in src.content.get("Actions", [])}
    if "EndFlowModuleExecution" in types:
        return "module"
    if "DequeueContactAndTransferToQueue" in types:
        return "customer-queue"
    hint = "-".join(re.findall(r"[a-z0-9]+", src.stem.lower()))
    for word, kind in _NAME_HINTS:
        if word in hint:
            return kind
    if "whisper" in hint:
        return "agent-whisper"
    return "contact"


def import_source(
    src: Source,
    env: Environment = EMPTY,
    flow_name: str | None = None,
    known_flows: Sequence[str] = (),
) -> Imported:
    """Convert one read file into DSL flow data and its side file."""
    diags: list[Diagnostic] = []
    content = src.content
    if src.legacy:
        from flowrt.connect.legacy import convert_legacy

        content, diags = convert_legacy(src.content, src.file)
    flow_type = (
        _flow_type(Source(src.file, src.stem, content, src.wrapper))
        if not src.legacy
        else (content.pop("flowrt-type", "contact"))
    )
    actions: list[dict[str, Any]] = content["Actions"]
    names = assign_names(actions, content.get("Metadata") or {})
    wrapper = src.wrapper.get("ContactFlow", src.wrapper)
    name = flow_name or str(wrapper.get("Name") or src.stem)
    flow: dict[str, Any] = {"flow": name, "type": flow_type}
    if isinstance(wrapper.get("Description"), str) and wrapper["Description"]:
        flow["description"] = wrapper["Description"]
    ident = wrapper.get("Arn") or wrapper.get("Id")
    if isinstance(ident, str):
        flow["id"] = ident
    flow["start"] = names[content["StartAction"]]
    flow["blocks"], originals = _blocks(actions, names, env, flow_type)
    from flowrt.connect.check import demote_invalid

    demote_invalid(flow, originals, names, known_flows)
    demoted = sum(1 for b in flow["blocks"].values() if b["type"] == "connect-action")
    layout: dict[str, Any] = {"Metadata": content.get("Metadata", {})}
    for key in content:
        if key not in ("Version", "StartAction", "Metadata", "Actions"):
            layout[key] = content[key]
    if src.wrapper:
        layout["flowrt-wrapper"] = src.wrapper
    return Imported(src.file, src.stem, flow, layout, diags, demoted)


def _blocks(
    actions: list[dict[str, Any]], names: dict[str, str], env: Environment, flow_type: str
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    ids = {names[a["Identifier"]]: a["Identifier"] for a in actions}
    cx = ExportContext(flow_type, ids, env)
    blocks: dict[str, Any] = {}
    originals: dict[str, dict[str, Any]] = {}
    for a in actions:
        name = names[a["Identifier"]]
        originals[name] = a
        body = candidate(a, names, env)
        if body is None or not _exact(name, body, a, cx):
            body = passthrough(a, names)
        blocks[name] = _with_id(body, a["Identifier"], name)
    return blocks, originals


def _with_id(body: dict[str, Any], identifier: str, name: str) -> dict[str, Any]:
    if identifier == name:
        return body
    return {
        "type": body["type"],
        "id": identifier,
        **{k: v for k, v in body.items() if k != "type"},
    }


def _exact(name: str, body: dict[str, Any], action: dict[str, Any], cx: ExportContext) -> bool:
    from pydantic import ValidationError

    try:
        block: Block = BLOCKS[body["type"]].model_validate({**body, "id": action["Identifier"]})
    except ValidationError:
        return False
    cx.diagnostics = []
    out = export_block(name, block, cx)
    if len(out) != 1 or any(d.is_error for d in cx.diagnostics):
        return False
    return same_action(out[0], action)


# ---------------------------------------------------------------------------------------------
# files


def output_stem(imported: Imported, taken: set[str]) -> str:
    base = slug(imported.stem, 60) or "flow"
    stem, n = base, 1
    while stem in taken:
        n += 1
        stem = f"{base}-{n}"
    taken.add(stem)
    return stem


def import_paths(
    paths: Sequence[str], out_dir: str, *, env: Environment = EMPTY, force: bool = False
) -> tuple[list[Diagnostic], list[Path], list[Imported]]:
    """Import every file under `paths` into `out_dir` (flows with their layout side files)."""
    diags: list[Diagnostic] = []
    sources: list[Source] = []
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            diags.append(Diagnostic.make("FR001", f"no such file or directory: {raw}"))
            continue
        files = (
            sorted(f for f in p.rglob("*") if f.is_file() and _candidate_file(f))
            if p.is_dir()
            else [p]
        )
        for f in files:
            src, found = read_source(f)
            diags.extend(found)
            if src is not None:
                sources.append(src)
    out = Path(out_dir)
    existing = _existing_flows(out)
    names = _flow_names(sources, [])
    known = list(existing) + names
    imported: list[Imported] = []
    written: list[Path] = []
    taken: set[str] = set()  # unique within one import; existing files need --force
    for src, name in zip(sources, names, strict=True):
        imp = import_source(src, env, name, known)
        diags.extend(imp.diagnostics)
        imported.append(imp)
        stem = output_stem(imp, taken)
        target = out / f"{stem}.flow.yaml"
        for path, text in (
            (target, to_yaml(imp.flow, src.file)),
            (layout_path(target), json.dumps(imp.layout, indent=2, ensure_ascii=False) + "\n"),
        ):
            problem = write_atomic(path, text, force)
            if problem:
                diags.append(problem)
                break
            written.append(path)
    return diags, written, imported


def _candidate_file(f: Path) -> bool:
    return not f.name.startswith(".") and f.suffix.lower() not in (".md", ".yaml", ".yml", ".txt")


def _existing_flows(out: Path) -> list[str]:
    if not out.is_dir():
        return []
    found = []
    for f in out.glob("*.flow.yaml"):
        m = re.search(r"^flow:\s*(.+?)\s*$", f.read_text(encoding="utf-8", errors="replace"), re.M)
        if m:
            found.append(m.group(1).strip("'\""))
    return found


def _flow_names(sources: list[Source], existing: list[str]) -> list[str]:
    taken = set(existing)
    out = []
    for src in sources:
        wrapper = src.wrapper.get("ContactFlow", src.wrapper)
        base = str(wrapper.get("Name") or src.stem)
        name, n = base, 1
        while name in taken:
            n += 1
            name = f"{base}-{n}"
        taken.add(name)
        out.append(name)
    return out
