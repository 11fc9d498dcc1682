"""No silent demotion: every action import keeps as a `connect-action` is said, with why.

The importer makes an action a native block when it can; when it cannot (a parameter flowrt
does not model, an action type with no block, a block that would not validate in the flow, an
export that would not give the action back exactly) the block is a `connect-action`
pass-through, whose dry run only follows its first transition.  `demotion_warnings` turns the
reasons the importer collected into FR430 warnings, placed at the action in the file read (its
`"Identifier"`, or a legacy module's `"id"`, found in the text, also inside an embedded
`Content` string), else at the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flowrt.connect.positions import file_text, find_pair, span_at
from flowrt.core.diagnostics import Diagnostic, Span

#: What a pass-through's dry run does, said once in every warning.
KEPT = "kept as a connect-action, whose dry run only follows its first transition"


@dataclass(frozen=True)
class NotNative:
    """One action kept as a `connect-action`: its Identifier, Type, block name and why."""

    identifier: str
    action_type: str
    block: str
    reason: str

    def as_json(self) -> dict[str, str]:
        return {
            "identifier": self.identifier,
            "type": self.action_type,
            "block": self.block,
            "reason": self.reason,
        }

    def message(self) -> str:
        return f"{self.action_type} '{self.identifier}': {self.reason}; {KEPT}"


def not_native(
    blocks: dict[str, Any], originals: dict[str, dict[str, Any]], reasons: dict[str, str]
) -> list[NotNative]:
    """The pass-through blocks of an imported flow, in block order, each with its reason."""
    out = []
    for name, body in blocks.items():
        if body.get("type") != "connect-action":
            continue
        action = originals.get(name, {})
        kind = str(action.get("Type", body.get("action", "")))
        out.append(
            NotNative(
                str(action.get("Identifier", body.get("id", name))),
                kind,
                name,
                reasons.get(name)
                or (
                    f"legacy module `{kind.removeprefix('legacy:')}` has no flow-language "
                    "equivalent (FR403)"
                    if kind.startswith("legacy:")
                    else f"action type `{kind}` has no flowrt block"
                ),
            )
        )
    return out


def demotion_warnings(file: str, found: list[NotNative]) -> list[Diagnostic]:
    """An FR430 warning per action kept as a pass-through, at the action where it can be found."""
    # A legacy module with no flow-language equivalent already has its FR403 (legacy.py).
    said = [d for d in found if not d.action_type.startswith("legacy:")]
    if not said:
        return []
    text = file_text(file)
    return [
        Diagnostic.make(
            "FR430",
            d.message(),
            _position(file, text, d.identifier),
            "export writes it back unchanged; a flowrt block for it would make the dry run real",
        )
        for d in said
    ]


def _position(file: str, text: str, identifier: str) -> Span:
    """Where the action is: its `"Identifier"` (a flow language file), else its `"id"` (an
    action converted from a legacy console module), else the start of the file."""
    at = find_pair(text, "Identifier", identifier)
    if at < 0:
        at = find_pair(text, "id", identifier)
    return span_at(file, text, at)
