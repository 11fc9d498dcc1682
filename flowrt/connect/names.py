"""Block names for imported actions: readable, unique and stable.

An Identifier that already reads as a name (not a UUID, a valid Identifier) is kept as the block
name; the others are named by the action's purpose or its Metadata label
(`say-thanks-for-calling`, `set-queue-billing`, `lambda-lookup-customer`), numbered when taken.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from flowrt.connect.actions import identifier_problem

_UUID = re.compile(r"^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")


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
