"""The result of an email case: `EmailResult`, a run's `Result` plus the email record.

The record (`EmailResult.email`) lists the contacts created (with their final attributes, from
`final_attributes`) and every agent action with its decision; the email session
(flowrt.email.session) builds it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flowrt.run.trace import Outcome, Result, Trace

if TYPE_CHECKING:
    from flowrt.core.diagnostics import Diagnostic


class EmailResult(Result):
    """A run of an email case: a `Result` plus the email record (`email`)."""

    __slots__ = ("email",)

    def __init__(
        self,
        outcome: Outcome,
        trace: Trace,
        diagnostics: list[Diagnostic],
        contact_id: str,
        email: dict[str, Any],
    ) -> None:
        super().__init__(outcome, trace, diagnostics, contact_id)
        self.email = email

    def decisions(self) -> list[dict[str, Any]]:
        """Every forward and outbound email with its decision, rule and reason, in order."""
        return [a for a in self.email["actions"] if "decision" in a]

    def as_json(self) -> dict[str, Any]:
        out = super().as_json()
        out["email"] = self.email
        return out


def final_attributes(result: Result) -> dict[str, str]:
    """The contact's attributes at the end of a run (set-contact-attributes applied)."""
    attrs = dict(result.trace.contact.attributes)
    attrs.update(result.trace.world.attributes)
    for _, node, branch, facts, _ in result.trace.records:
        if branch == "error" and node.type == "set-contact-attributes":
            continue
        for fact in facts or ():
            if fact[0] == "set":
                attrs[fact[1]] = fact[3]
    return attrs
