"""The declarative Amazon Connect mapping: export and import of any block type that sets
`Block.DECLARATIVE`, from its declarations alone (no per-type code).

A declarative block type says, on its class (see `flowrt.lang.blocks.base.Block`):

- `CONNECT_TYPE`: the action Type;
- `CONNECT_PARAMS`: one `ConnectParam(field, name, kind, resource)` per field written as a
  parameter.  `name` is the key under `Parameters`, dotted for a nested key
  (`RecordingBehavior.RecordedParticipants`); `kind` says how the value is written: `text` as is,
  `bool` as `"True"`/`"False"`, `int` as digits, `json` an object or list kept as is, `resource` a
  name of the instance written as its ARN or ID through the environment (a `$.` reference, an
  ARN or an ID stays as it is), `values` a mapping of text written as `{key: {"Value": text}}`.  A field that is absent (None) is not written;
- `CONNECT_ERRORS`: DSL branch -> Connect `ErrorType`;
- `CONNECT_CONDITIONS`: DSL branch -> a fixed transition condition `(Operator, operand)`;
- `CONNECT_NEXT`: the branch whose target Connect writes as `NextAction` (it may also be an
  error branch: Connect then writes the same target in both places).

A block type with `HAS_CONDITIONS` has its ordered `conditions:` written as Connect conditions
before the fixed ones (each an operator and one operand, as check-contact-attributes writes them).

Import is the inverse and keeps the importer's rule "exactness first": a candidate block is kept
only when exporting it gives the original action back exactly (`same_action`), so a parameter
the declarations do not cover, a value written another way ("true" for "True"), or a transition
with no branch leaves the action a `connect-action` pass-through.
"""

from __future__ import annotations

import copy
import re
from functools import cache
from typing import Any

from flowrt.connect.actions import connect_text, same_action, transitions
from flowrt.connect.context import ExportContext, branches
from flowrt.connect.env import Environment
from flowrt.lang.blocks import BLOCKS, CONNECT_OPERATORS, Block, ConnectParam

_INT = re.compile(r"^(0|-?[1-9][0-9]{0,15})$")
_OPERATORS = {v: k for k, v in CONNECT_OPERATORS.items()}


@cache
def _declared() -> dict[str, tuple[type[Block], ...]]:
    """Connect action Type -> the declarative block types that write it, in registry order."""
    out: dict[str, list[type[Block]]] = {}
    for cls in BLOCKS.values():
        if cls.DECLARATIVE and cls.CONNECT_TYPE:
            out.setdefault(cls.CONNECT_TYPE, []).append(cls)
    return {k: tuple(v) for k, v in out.items()}


def is_declared(action_type: str) -> bool:
    """Whether some declarative block type writes actions of this Type."""
    return action_type in _declared()


def _kebab(name: str) -> str:
    return name.replace("_", "-")


# ---------------------------------------------------------------------------------------------
# export


def _written(param: ConnectParam, value: Any, cx: ExportContext) -> Any:
    """A field's value as the action parameter holds it."""
    kind = param.kind
    if kind == "json":
        return copy.deepcopy(value)
    if kind == "values":
        return {k: {"Value": v} for k, v in value.items()}
    if kind == "resource" and isinstance(value, str):
        return cx.resource(param.resource or "", value, (_kebab(param.field),))
    if isinstance(value, str):
        return value  # text, or a `$.` reference given for a bool or an int
    return connect_text(value)


def _put(params: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    here = params
    for key in parents:
        here = here.setdefault(key, {})
    here[leaf] = value


def export_declarative(identifier: str, block: Block, cx: ExportContext) -> list[dict[str, Any]]:
    """The one Connect action of a declarative block."""
    params: dict[str, Any] = {}
    for param in block.CONNECT_PARAMS:
        value = getattr(block, param.field)
        if value is not None:
            _put(params, param.name, _written(param, value, cx))
    next_action: str | None = None
    errors: list[tuple[str, str]] = []
    conditions: list[tuple[str, list[str], str]] = []
    for i, cond in enumerate(block.conditions_list):
        (op, operand), *_ = cond.operator()
        target = cx.target(cond.next)
        assert target is not None
        if op == "when":
            cx.report(
                "FR411",
                f"condition {i + 1} uses `when:`, which Amazon Connect can only express in "
                "check-contact-attributes",
                ("conditions", i, "when"),
                "use an operator (equals, number-greater-than, ...) here",
            )
            continue
        conditions.append((CONNECT_OPERATORS[op], [connect_text(operand)], target))
    for branch, name in branches(block):
        target = cx.target(name)
        assert target is not None
        if branch == block.CONNECT_NEXT:
            next_action = target
        if branch in block.CONNECT_ERRORS:
            errors.append((block.CONNECT_ERRORS[branch], target))
        if branch in block.CONNECT_CONDITIONS:
            op, operand = block.CONNECT_CONDITIONS[branch]
            conditions.append((op, [operand], target))
    return [
        {
            "Identifier": identifier,
            "Type": block.CONNECT_TYPE,
            "Parameters": params,
            "Transitions": transitions(next_action, errors, conditions),
        }
    ]


# ---------------------------------------------------------------------------------------------
# import


_ABSENT = object()


def _get(params: dict[str, Any], dotted: str) -> Any:
    here: Any = params
    for key in dotted.split("."):
        if not isinstance(here, dict) or key not in here:
            return _ABSENT
        here = here[key]
    return here


def _read(param: ConnectParam, value: Any, env: Environment) -> Any:
    """A parameter's value as the block's field holds it (`_ABSENT` when it cannot)."""
    kind = param.kind
    if kind == "json":
        return copy.deepcopy(value)
    if kind == "values":
        if not isinstance(value, dict) or not all(
            isinstance(v, dict) and list(v) == ["Value"] and isinstance(v["Value"], str)
            for v in value.values()
        ):
            return _ABSENT
        return {k: v["Value"] for k, v in value.items()}
    if not isinstance(value, str):
        return _ABSENT
    if kind == "resource":
        return env.to_name(param.resource or "", value) or value
    if kind == "bool":
        return {"True": True, "False": False}.get(value, value)
    if kind == "int" and _INT.match(value):
        return int(value)
    return value


def _fields(cls: type[Block], params: dict[str, Any], env: Environment) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    for param in cls.CONNECT_PARAMS:
        raw = _get(params, param.name)
        if raw is _ABSENT:
            continue
        value = _read(param, raw, env)
        if value is _ABSENT:
            return None
        out[_kebab(param.field)] = value
    return out


def _transitions(
    cls: type[Block], trans: dict[str, Any], names: dict[str, str]
) -> tuple[list[dict[str, Any]], dict[str, str]] | None:
    """(conditions, next mapping) of the block, or None when a transition has no branch."""
    reverse_errors = {v: k for k, v in cls.CONNECT_ERRORS.items()}
    reverse_conditions = {v: k for k, v in cls.CONNECT_CONDITIONS.items()}
    nxt: dict[str, str] = {}
    na = trans.get("NextAction")
    if na is not None:
        if cls.CONNECT_NEXT is None:
            return None
        nxt[cls.CONNECT_NEXT] = names.get(na, na)
    conds: list[dict[str, Any]] = []
    for e in trans.get("Errors") or []:
        branch = reverse_errors.get(e.get("ErrorType"))
        target = names.get(e.get("NextAction"), e.get("NextAction"))
        if branch is None or nxt.setdefault(branch, target) != target:
            return None
    for c in trans.get("Conditions") or []:
        cond = c.get("Condition") or {}
        operands = cond.get("Operands")
        if not isinstance(operands, list) or len(operands) != 1:
            return None
        target = names.get(c.get("NextAction"), c.get("NextAction"))
        key = (cond.get("Operator"), operands[0])
        branch = reverse_conditions.get(key)  # type: ignore[arg-type]
        if branch is not None:
            if branch in nxt:
                return None
            nxt[branch] = target
            continue
        op = _OPERATORS.get(str(cond.get("Operator")))
        if not cls.HAS_CONDITIONS or op is None or not isinstance(operands[0], str):
            return None
        operand: Any = operands[0]
        if op.startswith("number-") and _INT.match(operand):
            operand = int(operand)
        conds.append({op: operand, "next": target})
    return conds, nxt


def _candidate(
    cls: type[Block], action: dict[str, Any], names: dict[str, str], env: Environment
) -> dict[str, Any] | None:
    params = action.get("Parameters") or {}
    if not isinstance(params, dict):
        return None
    fields = _fields(cls, params, env)
    found = _transitions(cls, action.get("Transitions") or {}, names)
    if fields is None or found is None:
        return None
    conds, nxt = found
    body: dict[str, Any] = {"type": cls.TYPE, **fields}
    if conds:
        body["conditions"] = conds
    default = cls.DEFAULT_BRANCH
    if default is not None and list(nxt) == [default]:
        body["next"] = nxt[default]
    elif nxt:
        body["next"] = nxt
    return body


def import_declarative(
    action: dict[str, Any], names: dict[str, str], env: Environment
) -> dict[str, Any] | None:
    """The DSL block of an action of a declared Type: the first declarative block type whose
    candidate validates and exports back to this very action; None when none does."""
    from pydantic import ValidationError

    ids = {name: ident for ident, name in names.items()}
    for cls in _declared().get(action.get("Type", ""), ()):
        body = _candidate(cls, action, names, env)
        if body is None:
            continue
        try:
            block = cls.model_validate(body)
        except ValidationError:
            continue
        cx = ExportContext("contact", ids, env)
        out = export_declarative(str(action.get("Identifier", "")), block, cx)
        if not any(d.is_error for d in cx.diagnostics) and same_action(out[0], action):
            return body
    return None
