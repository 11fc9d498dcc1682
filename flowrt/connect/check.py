"""Make an imported flow validate: blocks that fail the schema or the compiler's checks are
demoted to `connect-action` pass-throughs, which keep the action exactly.

The flow is checked in memory, as `flowrt validate` would check it without an instance file:
schema, models, then the compiler (names of other flows are those imported together or already
in the output directory).  Each block gets a line of its own in a synthetic source map, so a
diagnostic's line says which block it is about.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flowrt.connect.actions import passthrough
from flowrt.core.diagnostics import Diagnostic
from flowrt.lang import schema
from flowrt.lang.blocks import BLOCKS, Block, Flow
from flowrt.lang.compiler import FlowEnv, compile_flow
from flowrt.lang.loader import Document, JsonPath, Pos

#: Rounds of demotion; each round demotes at least one block, and a flow of pass-throughs
#: cannot fail a block check, so a few rounds suffice.
_ROUNDS = 8


def check_flow(flow: dict[str, Any], known_flows: Sequence[str]) -> dict[str, str]:
    """The blocks of `flow` (DSL data) that have errors: name -> the first error's message."""
    names = list(flow["blocks"])
    positions: dict[JsonPath, Pos] = {
        ("blocks", n): (i + 2, 1, i + 2, 2) for i, n in enumerate(names)
    }
    doc = Document("<import>", "", flow, positions, dict(positions))
    invalid: set[str] = set()
    found = schema.validate(doc, "flow", invalid)
    try:
        model = Flow.model_validate({**flow, "blocks": {}})
    except Exception:  # noqa: BLE001 - a flow-level problem no demotion can fix
        return {}
    bad: dict[str, str] = {}
    for d in found:
        _note(bad, names, d)
    for name in invalid:
        bad.setdefault(name, "it does not match the block's schema")
    blocks: dict[str, Block] = {}
    for name, data in flow["blocks"].items():
        if name in invalid:
            continue
        try:
            blocks[name] = BLOCKS[data["type"]].model_validate(data)
        except Exception:  # noqa: BLE001 - a residual model error: demote the block
            bad.setdefault(name, "it does not match the block's model")
    if bad:
        return bad
    env = FlowEnv(None, dict.fromkeys([*known_flows, model.flow], "contact"))
    _, diags = compile_flow(doc, model, blocks, set(), env)
    for d in diags:
        _note(bad, names, d)
    return bad


def _note(bad: dict[str, str], names: list[str], d: Diagnostic) -> None:
    """Keep the first error about each block (its line in the synthetic map says which)."""
    if d.is_error and d.span is not None and 2 <= d.span.line < len(names) + 2:
        message = d.message.split("): ", 1)[-1] if d.message.startswith("block `") else d.message
        if d.code == "FR033" and d.hint:
            # A block not allowed in the flow type: say where it is allowed, and on whose word.
            message += (
                f"; {d.hint}, as the Restrictions of its action's page in Amazon Connect's "
                '"Flow language actions" say'
            )
        bad.setdefault(names[d.span.line - 2], f"{d.code} {message}")


def demote_invalid(
    flow: dict[str, Any],
    originals: dict[str, dict[str, Any]],
    names: dict[str, str],
    known_flows: Sequence[str],
) -> dict[str, str]:
    """Demote every block of `flow` with errors to a pass-through; the names demoted, each with
    the error that demoted it."""
    demoted: dict[str, str] = {}
    for _ in range(_ROUNDS):
        bad = {
            n: why
            for n, why in check_flow(flow, known_flows).items()
            if flow["blocks"][n]["type"] != "connect-action"
        }
        if not bad:
            break
        for name in bad:
            body = passthrough(originals[name], names)
            old = flow["blocks"][name]
            if "id" in old:
                body = {
                    "type": body["type"],
                    "id": old["id"],
                    **{k: v for k, v in body.items() if k != "type"},
                }
            flow["blocks"][name] = body
        demoted.update(bad)
    return demoted
