"""The legacy console export (before flow language 2019-10-30) -> flow language actions.

A legacy file has top-level `modules`, `version`, `type`, `start` and `metadata`; each module is
`{id, type, target?, parameters[{name, value, key?, namespace?}], branches[{condition,
transition, conditionType?, conditionValue?}], metadata}`.  The modules whose meaning is clear
are converted to the action the current console would write (PlayPrompt -> MessageParticipant,
SetQueue -> UpdateContactTargetQueue, CheckAttribute -> Compare, ...), then imported like any
flow; the converters are `flowrt.connect.legacy_modules`, one per module type found in real
exports.  A module that has no such equivalent (a module type no converter knows, a parameter or
branch no rule covers, a dynamic value in an unknown namespace) is kept as a pass-through of Type
`legacy:<type>` with its parameters, and reported with FR403 naming what has no equivalent: the
flow imports and dry-runs, and export refuses that block (FR417).
"""

from __future__ import annotations

from typing import Any

from flowrt.connect.actions import VERSION
from flowrt.connect.legacy_modules import CONVERTERS, RESOURCES, NoEquivalent, params_of
from flowrt.connect.positions import file_text, find_pair, span_at
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
#: The ErrorType of a legacy `Timeout` branch, for the Types that have one.
_TIMEOUTS = {
    "GetParticipantInput": "InputTimeLimitExceeded",
    "TransferParticipantToThirdParty": "ConnectionTimeLimitExceeded",
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
                raise NoEquivalent(
                    f"condition {b.get('conditionType')!r}",
                    ("conditionType", str(b.get("conditionType"))),
                )
            cond(op, str(b.get("conditionValue", "")), t)
        elif c in ("True", "False") and kind == "CheckHoursOfOperation":
            cond("Equals", c, t)
        elif c == "True" and kind == "CheckMetricData":
            cond("NumberGreaterThan", "0", t)
        elif c == "False" and kind == "CheckMetricData":
            errors.append({"NextAction": t, "ErrorType": "NoMatchingCondition"})
        elif c in ("Looping", "Complete") and kind == "Loop":
            cond("Equals", "ContinueLooping" if c == "Looping" else "DoneLooping", t)
        elif c == "Timeout" and kind in _TIMEOUTS:
            errors.append({"NextAction": t, "ErrorType": _TIMEOUTS[kind]})
        elif c in _BRANCH_ERRORS:
            errors.append({"NextAction": t, "ErrorType": _BRANCH_ERRORS[c]})
        else:
            raise NoEquivalent(
                f"branch {c!r} (the {kind} action has no such branch)", ("condition", str(c))
            )
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


class _Places:
    """Where each module, and a parameter or branch in it, is in the file's text.

    The parsed JSON has no positions; a module is found by its `"id"` (plain, or escaped inside
    a `Content` string), and a pair inside it between that and the next module's `"id"`
    (the console writes `id` first).  What cannot be found is placed at the module, else at the
    start of the file."""

    def __init__(self, file: str, text: str, ids: list[str]) -> None:
        self.file, self.text = file, text
        self.starts = {i: find_pair(text, "id", i) for i in ids}
        found = sorted(at for at in self.starts.values() if at >= 0)
        self.ends = {at: next((b for b in found if b > at), len(text)) for at in found}

    def span(self, module_id: str, at: tuple[str, str] | None = None) -> Span:
        start = self.starts.get(module_id, -1)
        offset = start
        if start >= 0 and at is not None:
            inner = find_pair(self.text, at[0], at[1], start, self.ends[start])
            offset = inner if inner >= 0 else start
        return span_at(self.file, self.text, offset)


def _unset_resources(module: dict[str, Any], kind: str, places: _Places) -> list[Diagnostic]:
    """FR440 for each resource parameter with neither a value nor a resource name."""
    out = []
    for param in module.get("parameters", []):
        if not isinstance(param, dict) or param.get("name") not in RESOURCES:
            continue
        if param.get("value") in (None, "") and not param.get("resourceName"):
            out.append(
                Diagnostic.make(
                    "FR440",
                    f"legacy module `{kind}` ({module['id']}): `{param['name']}` names nothing "
                    "(no value and no resource name); imported as an empty value",
                    places.span(module["id"], ("name", str(param["name"]))),
                    "choose the resource in the imported block (or map it in an environment "
                    "file) before exporting to Amazon Connect",
                )
            )
    return out


def convert_legacy(
    data: dict[str, Any], file: str, text: str | None = None
) -> tuple[dict[str, Any], list[Diagnostic]]:
    """Flow language content (plus `flowrt-type`) for a legacy export, and its FR403 and FR440
    findings, placed in `text` (the file's text; read from `file` when not given)."""
    diags: list[Diagnostic] = []
    actions: list[dict[str, Any]] = []
    action_meta: dict[str, Any] = {}
    modules = [
        m for m in data.get("modules", []) if isinstance(m, dict) and isinstance(m.get("id"), str)
    ]
    places = _Places(file, file_text(file) if text is None else text, [m["id"] for m in modules])
    for m in modules:
        kind = str(m.get("type"))
        action_meta[m["id"]] = m.get("metadata", {})
        try:
            convert = CONVERTERS.get(kind)
            if convert is None:
                raise NoEquivalent(f"no flow-language action for module type `{kind}`")
            ctype, params = convert(m, params_of(m))
            trans = _transitions(ctype, m)
        except (NoEquivalent, KeyError, TypeError, AttributeError) as exc:
            diags.append(
                Diagnostic.make(
                    "FR403",
                    f"legacy module `{kind}` ({m['id']}): {exc}; kept as a pass-through that "
                    "export refuses",
                    places.span(m["id"], exc.at if isinstance(exc, NoEquivalent) else None),
                    "rebuild the block in flowrt, or export the flow again from the current "
                    "Amazon Connect console (flow language 2019-10-30)",
                )
            )
            ctype, params = f"legacy:{kind}", {"legacy": m.get("parameters", [])}
            if m.get("target") is not None:
                params["target"] = m["target"]
            trans = _passthrough_transitions(m)
        diags.extend(_unset_resources(m, kind, places))
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
