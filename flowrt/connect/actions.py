"""Amazon Connect flow-language actions, as export and import both see them.

Owns the format's vocabulary and limits (`Version 2019-10-30`, at most 250 actions, Identifier
rules), the DSL branch -> `ErrorType` table, how a value is written (`connect_text`), how
`Transitions` are built, the `connect-action` pass-through block that keeps an action exactly,
and the equality of two actions that decides whether a block round-trips.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from flowrt.lang.blocks import text_of

VERSION = "2019-10-30"
MAX_ACTIONS = 250
MAX_IDENTIFIER = 50
MAX_CONTENT = 256_000
FORBIDDEN = frozenset("%:()\\/=$,;[]{}")
RESERVED = frozenset({"__proto__", "constructor", "toString", "prototype", "valueOf"})

#: DSL branch -> Connect ErrorType, per block type (branches not listed are NextAction or
#: conditions; see `flowrt.connect.export_blocks`).
ERRORS: dict[str, dict[str, str]] = {
    "transfer-to-queue": {"at-capacity": "QueueAtCapacity", "error": "NoMatchingError"},
    "set-working-queue": {"error": "NoMatchingError"},
    "transfer-to-phone-number": {
        "call-failed": "CallFailed",
        "timeout": "ConnectionTimeLimitExceeded",
        "error": "NoMatchingError",
    },
    "transfer-to-flow": {"error": "NoMatchingError"},
    "check-contact-attributes": {"no-match": "NoMatchingCondition"},
    "check-hours-of-operation": {"error": "NoMatchingError"},
    "check-queue-status": {"no-match": "NoMatchingCondition", "error": "NoMatchingError"},
    "check-staffing": {"false": "NoMatchingCondition", "error": "NoMatchingError"},
    "get-queue-metrics": {"error": "NoMatchingError"},
    "set-contact-attributes": {"error": "NoMatchingError"},
    "play-prompt": {"error": "NoMatchingError"},
    "send-message": {"error": "NoMatchingError"},
    "loop-prompts": {"error": "NoMatchingError"},
    "get-customer-input": {
        "timeout": "InputTimeLimitExceeded",
        "no-match": "NoMatchingCondition",
        "invalid-number": "InvalidPhoneNumber",
        "error": "NoMatchingError",
    },
    "invoke-lambda": {"error": "NoMatchingError"},
}


#: DSL channel -> GetMetricData `QueueChannel`: `Voice` and `Chat` as the flow language reference
#: writes them, the other channels spelled the same way.
QUEUE_CHANNELS: dict[str, str] = {
    "VOICE": "Voice",
    "CHAT": "Chat",
    "TASK": "Task",
    "EMAIL": "Email",
}


def connect_text(value: Any) -> str:
    """A parameter value as Amazon Connect writes it: `"8"`, `"True"`, `"1.5"`, text as is."""
    if isinstance(value, bool):
        return "True" if value else "False"
    return text_of(value)


def identifier_problem(identifier: str) -> str | None:
    """Why `identifier` is not a valid Connect action Identifier, or None."""
    if not identifier:
        return "is empty"
    if len(identifier) > MAX_IDENTIFIER:
        return f"has {len(identifier)} characters (at most {MAX_IDENTIFIER})"
    bad = sorted({c for c in identifier if c in FORBIDDEN})
    if bad:
        return f"holds {' '.join(bad)} (forbidden: % : ( \\ / ) = $ , ; [ ] {{ }})"
    if identifier in RESERVED:
        return "is a reserved word"
    return None


def short_identifier(base: str, suffix: str) -> str:
    """`base-suffix`, shortened with a hash when longer than 50 characters."""
    full = f"{base}-{suffix}"
    if len(full) <= MAX_IDENTIFIER:
        return full
    digest = hashlib.sha1(full.encode()).hexdigest()[:8]
    return f"{base[: MAX_IDENTIFIER - len(suffix) - 10]}-{digest}-{suffix}"


def transitions(
    next_action: str | None,
    errors: Sequence[tuple[str, str]] = (),
    conditions: Sequence[tuple[str, list[str], str]] = (),
) -> dict[str, Any]:
    """Connect `Transitions`; `{}` for an action that ends the flow."""
    if next_action is None and not errors and not conditions:
        return {}
    out: dict[str, Any] = {}
    if next_action is not None:
        out["NextAction"] = next_action
    out["Errors"] = [{"NextAction": t, "ErrorType": e} for e, t in errors]
    out["Conditions"] = [
        {"NextAction": t, "Condition": {"Operator": op, "Operands": operands}}
        for op, operands, t in conditions
    ]
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
        out["next"] = names.get(na, na)
    elif na is not None or errors:
        nxt = {} if na is None else {"success": names.get(na, na)}
        for e in errors:
            nxt[e["ErrorType"]] = names.get(e["NextAction"], e["NextAction"])
        out["next"] = nxt
    conds = trans.get("Conditions", [])
    if conds:
        out["conditions"] = [
            {
                "operator": c["Condition"]["Operator"],
                "operands": c["Condition"]["Operands"],
                "next": names.get(c["NextAction"], c["NextAction"]),
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
