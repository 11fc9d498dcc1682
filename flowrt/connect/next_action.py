"""Which transition the console wrote as a GetParticipantInput's `NextAction`.

Amazon Connect's flow language gives GetParticipantInput (Get customer input, not storing the
input) a `NextAction` that no run takes: every way out is a condition or an error.  flowrt writes
it as the target of the NoMatchingError transition, but the console sometimes writes another
one (the NoMatchingCondition or InputTimeLimitExceeded target, or a condition's).  That is a
console detail, not logic, so it is kept in the flow's side file (`<name>.flow.layout.json`,
key `flowrt-next-action`: Identifier -> the transition whose target NextAction is), not in the
YAML; export puts it back, so the action is given back exactly.
"""

from __future__ import annotations

import copy
from typing import Any

#: The side file's key: action Identifier -> pin (see `pin`).
LAYOUT_KEY = "flowrt-next-action"
_TYPE = "GetParticipantInput"


def pin(action: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The action as flowrt writes it (NextAction = the NoMatchingError target), and the
    transition Connect's NextAction pointed to instead: `{"ErrorType": ...}` or
    `{"Condition": {...}}`.  (action, None) when there is nothing to keep or no transition goes
    where NextAction goes (the action then stays as it is, and is imported as before)."""
    if action.get("Type") != _TYPE:
        return action, None
    trans = action.get("Transitions")
    if not isinstance(trans, dict):
        return action, None
    na = trans.get("NextAction")
    errors = trans.get("Errors") or []
    conds = trans.get("Conditions") or []
    if not (isinstance(na, str) and isinstance(errors, list) and isinstance(conds, list)):
        return action, None
    default = [e.get("NextAction") for e in errors if _error_type(e) == "NoMatchingError"]
    if len(default) != 1 or default[0] == na or not isinstance(default[0], str):
        return action, None
    found: dict[str, Any] | None = None
    for e in errors:
        if (
            isinstance(e, dict)
            and e.get("NextAction") == na
            and isinstance(e.get("ErrorType"), str)
        ):
            found = {"ErrorType": e["ErrorType"]}
            break
    else:
        for c in conds:
            if isinstance(c, dict) and c.get("NextAction") == na and "Condition" in c:
                found = {"Condition": copy.deepcopy(c["Condition"])}
                break
    if found is None:
        return action, None
    out = copy.deepcopy(action)
    out["Transitions"]["NextAction"] = default[0]
    return out, found


def _error_type(e: Any) -> Any:
    return e.get("ErrorType") if isinstance(e, dict) else None


def apply(actions: list[dict[str, Any]], layout: dict[str, Any]) -> None:
    """Point the NextAction of each pinned GetParticipantInput back at its transition's target.

    A pin whose action or transition is no longer there (the flow was edited) is left out: the
    action keeps flowrt's NextAction, which no run takes either."""
    pins = layout.get(LAYOUT_KEY)
    if not isinstance(pins, dict) or not pins:
        return
    for action in actions:
        p = pins.get(action.get("Identifier"))
        if not isinstance(p, dict) or action.get("Type") != _TYPE:
            continue
        trans = action.get("Transitions") or {}
        for e in trans.get("Errors") or []:
            if "ErrorType" in p and e.get("ErrorType") == p["ErrorType"]:
                trans["NextAction"] = e["NextAction"]
                break
        else:
            for c in trans.get("Conditions") or []:
                if "Condition" in p and c.get("Condition") == p["Condition"]:
                    trans["NextAction"] = c["NextAction"]
                    break
