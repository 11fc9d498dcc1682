"""Transitions to no action: an import error (FR441) at the target's place in the file.

A `NextAction` (of the action, of an Error or of a Condition) that is no action's `Identifier`
would import silently and fail later (FR020 at validate, far from its cause); Amazon Connect
refuses such a flow too.  The parsed JSON has no positions, so the place is found in the file's
text: the target string after `"NextAction":` (or a legacy module's `"transition":`), written
plainly (a flow file, a YAML block scalar, a heredoc) or escaped once inside a JSON string (a
wrapper's or a CloudFormation template's `Content`).  The n-th dangling reference to a target
is placed at the n-th such string; when the text does not show it (a `jsonencode` object), the
file's first line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from flowrt.core.diagnostics import Diagnostic, Span


def _references(action: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(where, target) of each transition of a flow language action."""
    t = action.get("Transitions") or {}
    if isinstance(t.get("NextAction"), str):
        yield "NextAction", t["NextAction"]
    for e in t.get("Errors") or []:
        yield f"the `{e.get('ErrorType')}` error's NextAction", e["NextAction"]
    for c in t.get("Conditions") or []:
        cond = c.get("Condition") or {}
        operands = " ".join(map(str, cond.get("Operands") or []))
        yield f"the condition `{cond.get('Operator')} {operands}`'s NextAction", c["NextAction"]


def _legacy_references(module: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for b in module.get("branches") or []:
        if isinstance(b, dict) and isinstance(b.get("transition"), str):
            yield f"the `{b.get('condition')}` branch", b["transition"]


def _places(text: str, key: str, target: str) -> list[int]:
    """Offsets of the target string (its opening quote) after `"key":`, plain or escaped."""
    plain = json.dumps(target, ensure_ascii=False)[1:-1]
    escaped = plain.replace("\\", "\\\\").replace('"', '\\"')
    found: list[int] = []
    for body, quote in ((plain, '"'), (escaped, '\\"')):
        pattern = (
            re.escape(quote + key + quote) + r"\s*:\s*(" + re.escape(quote + body + quote) + ")"
        )
        found += [m.start(1) for m in re.finditer(pattern, text)]
    return sorted(found)


def _span(text: str, offset: int | None, file: str, length: int) -> Span:
    if offset is None:
        return Span(file, 1, 1, 1, 2)
    line = text.count("\n", 0, offset) + 1
    col = offset - text.rfind("\n", 0, offset)
    return Span(file, line, col, line, col + max(1, length))


def dangling(content: dict[str, Any], text: str, file: str) -> list[Diagnostic]:
    """FR441 for every transition of `content` (flow language or legacy) to no action."""
    legacy = "modules" in content
    items = content.get("modules" if legacy else "Actions") or []
    id_key, key = ("id", "transition") if legacy else ("Identifier", "NextAction")
    ids = [a.get(id_key) for a in items if isinstance(a, dict)]
    known = set(ids)
    used: dict[str, int] = {}
    out = []
    for item in items:
        refs = _legacy_references(item) if legacy else _references(item)
        for where, target in refs:
            if target in known:
                continue
            places = _places(text, key, target)
            n = used[target] = used.get(target, -1) + 1
            offset = places[n] if n < len(places) else None
            shown = sorted(map(str, ids))[:5]
            more = ", ..." if len(ids) > 5 else ""
            out.append(
                Diagnostic.make(
                    "FR441",
                    f"{'module' if legacy else 'action'} `{item.get(id_key)}`: {where} goes to "
                    f"`{target}`, which is no {'module' if legacy else 'action'}'s "
                    f"{'id' if legacy else 'Identifier'}",
                    _span(text, offset, file, len(json.dumps(target, ensure_ascii=False))),
                    f"point it at an existing one ({', '.join(shown)}{more}) or remove the "
                    "transition",
                )
            )
    return out
