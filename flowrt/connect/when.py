"""Lowering `when:` conditions to chains of Amazon Connect Compare actions.

Connect's Compare checks one attribute against constants; flowrt's `when:` takes a boolean
expression.  A condition is lowered as a decision diagram: `a and b` is a Compare on `a` whose
match leads to a Compare on `b`; `a or b` leads from a's no-match to b; `not a` swaps the exits;
`!=` is an Equals with swapped exits.  Each comparison becomes one Compare action, so the
chain is as long as the expression.  What Compare cannot say (two references compared, a bare
reference, an empty operand, a constant on the left of a text operator) is refused with FR411.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flowrt.connect.actions import connect_text, short_identifier, transitions
from flowrt.connect.context import ExportContext, branches
from flowrt.lang import expr
from flowrt.lang.blocks import CONNECT_OPERATORS, Block

#: `when:` comparison operator -> Compare Operator.
_WHEN_OPS = {
    "==": "Equals",
    "contains": "TextContains",
    "starts-with": "TextStartsWith",
    "ends-with": "TextEndsWith",
    ">": "NumberGreaterThan",
    "<": "NumberLessThan",
    ">=": "NumberGreaterOrEqualTo",
    "<=": "NumberLessOrEqualTo",
}


class _Refused(Exception):
    """A construct Compare cannot express; the message says why."""


def lower_conditions(identifier: str, block: Block, cx: ExportContext) -> list[dict[str, Any]]:
    """The Compare actions of a check-contact-attributes block with `when:` conditions."""
    by_branch = dict(branches(block))
    if "error" in by_branch and isinstance(block.next, dict):
        cx.report(
            "FR416",
            "`error` is not exported: Amazon Connect's Compare has no error branch",
            ("next", "error"),
            "remove `error:` from this block's next",
        )
    actions: list[dict[str, Any]] = []
    counter = iter(range(1, 10_000))

    def new_id() -> str:
        return short_identifier(identifier, f"c{next(counter)}")

    entry = cx.target(by_branch.get("no-match"))
    conds = block.conditions_list
    segments: list[list[int]] = []
    for i, cond in enumerate(conds):
        if cond.when is None and segments and conds[segments[-1][-1]].when is None:
            segments[-1].append(i)
        else:
            segments.append([i])
    attribute = getattr(block, "attribute", None) or ""
    for seg in reversed(segments):
        first = conds[seg[0]]
        if first.when is None:
            aid = new_id()
            plain = []
            for i in seg:
                (op, operand), *_ = conds[i].operator()
                plain.append(
                    (CONNECT_OPERATORS[op], [connect_text(operand)], _tg(cx, conds[i].next))
                )
            errs = [("NoMatchingCondition", entry)] if entry else []
            actions.append(_compare(aid, attribute, transitions(entry, errs, plain)))
            entry = aid
            continue
        try:
            node = expr.parse_condition(str(first.when))._node
            entry = _lower(node, _tg(cx, first.next), entry, new_id, actions)
        except (_Refused, expr.ExprError) as exc:
            cx.report(
                "FR411",
                f"condition {seg[0] + 1} cannot be expressed in Amazon Connect: {exc}",
                ("conditions", seg[0], "when"),
                "rewrite it as comparisons of one `$.` reference with a constant "
                "(==, !=, <, >, <=, >=, contains, starts-with, ends-with)",
            )
            return []
    return _rename(actions, entry, identifier)


def _tg(cx: ExportContext, name: str) -> str:
    t = cx.target(name)
    assert t is not None
    return t


def _compare(aid: str, value: str, trans: dict[str, Any]) -> dict[str, Any]:
    return {
        "Identifier": aid,
        "Type": "Compare",
        "Parameters": {"ComparisonValue": value},
        "Transitions": trans,
    }


def _lower(
    node: Any,
    t: str | None,
    f: str | None,
    new_id: Callable[[], str],
    out: list[dict[str, Any]],
) -> str | None:
    kind = type(node).__name__
    if kind == "_Not":
        return _lower(node.child, f, t, new_id, out)
    if kind == "_BoolOp":
        entry_t, entry_f = t, f
        for child in reversed(node.children):
            if node.is_and:
                entry_t = _lower(child, entry_t, f, new_id, out)
            else:
                entry_f = _lower(child, t, entry_f, new_id, out)
        return entry_t if node.is_and else entry_f
    if kind == "_Truthy":
        raise _Refused("a bare value (truth test) has no Compare operator")
    return _lower_compare(node, t, f, new_id, out)


def _lower_compare(
    node: Any,
    t: str | None,
    f: str | None,
    new_id: Callable[[], str],
    out: list[dict[str, Any]],
) -> str:
    left, op, right = node.left, node.op, node.right
    if left.ref is not None and right.ref is not None:
        raise _Refused(f"`{left.ref.text} {op} {right.ref.text}` compares two references")
    if left.ref is None and right.ref is None:
        raise _Refused(f"`{left.display} {op} {right.display}` compares two constants")
    if left.ref is None:
        if op not in _FLIPPABLE:
            raise _Refused(f"`{op}` needs the reference on its left")
        left, right, op = right, left, _FLIPPABLE[op]
    if op == "!=":
        op, t, f = "==", f, t
    if right.value == "":
        raise _Refused("Amazon Connect refuses an empty operand")
    if t is None:
        raise _Refused(f"`{node.left.display} {node.op} {node.right.display}` leads nowhere")
    aid = new_id()
    errs = [("NoMatchingCondition", f)] if f else []
    trans = transitions(f, errs, [(_WHEN_OPS[op], [right.value], t)])
    out.append(_compare(aid, left.ref.text, trans))
    return aid


_FLIPPABLE = {"==": "==", "!=": "!=", ">": "<", "<": ">", ">=": "<=", "<=": ">="}


def _rename(
    actions: list[dict[str, Any]], entry: str | None, identifier: str
) -> list[dict[str, Any]]:
    """Give the chain's entry action the block's own Identifier (so `next:` to it works)."""
    if entry is None or entry == identifier:
        return actions

    def swap(value: Any) -> Any:
        return identifier if value == entry else value

    for action in actions:
        action["Identifier"] = swap(action["Identifier"])
        trans = action["Transitions"]
        if "NextAction" in trans:
            trans["NextAction"] = swap(trans["NextAction"])
        for item in (*trans.get("Errors", []), *trans.get("Conditions", [])):
            item["NextAction"] = swap(item["NextAction"])
    actions.sort(key=lambda a: a["Identifier"] != identifier)
    return actions
