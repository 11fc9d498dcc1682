"""Connect import and export of the blocks whose transitions the declarative mapping
(flowrt.connect.generic) cannot read back: lex-bot (ConnectParticipantWithLexBot), show-view
(ShowView) and loop (Loop).

Their Parameters, ErrorTypes and fixed conditions are declared on the block classes
(`CONNECT_PARAMS`, `CONNECT_ERRORS`, `CONNECT_CONDITIONS`, `CONNECT_NEXT`) and exported by
`export_declarative`.  What generic import lacks, and this module does: real exports list the
`Errors` in any order (NoMatchingCondition before NoMatchingError, or after), and a Loop writes
its DoneLooping target both as a condition and as `NextAction`.  Import here reads the branches in
the order the action lists them, so the export writes them back in that order; the importer keeps
the block only when the export gives the action back exactly.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from flowrt.connect.context import ExportContext
from flowrt.connect.env import Environment
from flowrt.connect.generic import export_declarative
from flowrt.lang.blocks import CONNECT_OPERATORS, Block, LexBot, Loop, ShowView

#: Connect action Type -> the block type this module imports it as.
WORLD_ACTIONS: dict[str, type[Block]] = {
    "ConnectParticipantWithLexBot": LexBot,
    "ShowView": ShowView,
    "Loop": Loop,
}
#: DSL block types this module exports.
WORLD_BLOCKS = frozenset(cls.TYPE for cls in WORLD_ACTIONS.values())
_INT = re.compile(r"^(0|[1-9][0-9]{0,15})$")
_OPERATORS = {v: k for k, v in CONNECT_OPERATORS.items()}
_ABSENT = object()


def export_world(identifier: str, block: Block, cx: ExportContext) -> list[dict[str, Any]]:
    """The one Connect action of a lex-bot, show-view or loop block."""
    return export_declarative(identifier, block, cx)


def _get(params: dict[str, Any], dotted: str) -> Any:
    here: Any = params
    for key in dotted.split("."):
        if not isinstance(here, dict) or key not in here:
            return _ABSENT
        here = here[key]
    return here


def _fields(cls: type[Block], params: dict[str, Any], env: Environment) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    for param in cls.CONNECT_PARAMS:
        value = _get(params, param.name)
        if value is _ABSENT:
            continue
        if param.kind == "json":
            value = copy.deepcopy(value)
        elif not isinstance(value, str):
            return None
        elif param.kind == "resource":
            value = env.to_name(param.resource or "", value) or value
        elif param.kind == "int" and _INT.match(value):
            value = int(value)
        out[param.field.replace("_", "-")] = value
    return out


def import_world(
    action: dict[str, Any], names: dict[str, str], env: Environment
) -> dict[str, Any] | None:
    """The DSL block of a ConnectParticipantWithLexBot, ShowView or Loop action (None when a
    parameter or a transition has no place in it; the importer then checks exactness)."""
    cls = WORLD_ACTIONS[action["Type"]]
    params = action.get("Parameters") or {}
    trans = action.get("Transitions") or {}
    if not isinstance(params, dict) or not isinstance(trans, dict):
        return None
    body = _fields(cls, params, env)
    if body is None:
        return None
    errors = {v: k for k, v in cls.CONNECT_ERRORS.items()}
    fixed = {v: k for k, v in cls.CONNECT_CONDITIONS.items()}
    nxt: dict[str, str] = {}
    conds: list[dict[str, Any]] = []
    for e in trans.get("Errors") or []:
        branch = errors.get(e.get("ErrorType"))
        if branch is None or branch in nxt:
            return None
        nxt[branch] = names.get(e["NextAction"], e["NextAction"])
    for c in trans.get("Conditions") or []:
        cond = c.get("Condition") or {}
        operands = cond.get("Operands")
        if not isinstance(operands, list) or len(operands) != 1:
            return None
        target = names.get(c["NextAction"], c["NextAction"])
        branch = fixed.get((str(cond.get("Operator")), str(operands[0])))
        if branch is not None:
            if branch in nxt:
                return None
            nxt[branch] = target
        elif cls.HAS_CONDITIONS and _OPERATORS.get(cond.get("Operator", "")) == "equals":
            conds.append({"equals": operands[0], "next": target})
        else:
            return None
    na = trans.get("NextAction")
    if na is not None:
        # NextAction repeats the target of one branch (CONNECT_NEXT); when that branch has no
        # error or condition of its own, NextAction is its only statement.
        target = str(names.get(na, na))
        if nxt.setdefault(cls.CONNECT_NEXT or "", target) != target:
            return None
    out: dict[str, Any] = {"type": cls.TYPE, **body}
    if conds:
        out["conditions"] = conds
    default = cls.DEFAULT_BRANCH or ""
    if list(nxt) == [default]:
        out["next"] = nxt[default]
    elif nxt:
        out["next"] = nxt
    return out
