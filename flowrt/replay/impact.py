"""Replay recorded contacts through changed flows: what changes for each contact.

The recorded answers found while replaying through the flows that produced the logs
(`flowrt.replay.fidelity`) are the world; the same contact runs through the changed project and
the two runs are compared on what a caller or a report sees: the outcome kind, the queue, the
transfer target, the flow the contact ended in, the prompts heard and the attributes set.  A
block the changed flows reach that asks the world for an answer the log does not hold (a new
customer input, a new Lambda call) is said, never guessed silently: the run uses the documented
default and the contact is marked `missing answers`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flowrt.run.interpreter import run

if TYPE_CHECKING:
    from flowrt.lang.compiler import Program
    from flowrt.replay.fidelity import Replayed
    from flowrt.run.trace import Result

#: What is compared, in the order reports list it.
ASPECTS = ("outcome", "queue", "transfer", "ended-in", "prompts", "attributes")


def summary(result: Result) -> dict[str, Any]:
    """What a caller or a report sees of a run, by aspect."""
    o = result.outcome
    prompts: list[str] = []
    attrs: dict[str, str] = {}
    for _, _, _, facts, _ in result.trace.records:
        for f in facts or ():
            if f[0] in ("prompt", "message"):
                prompts.append(str(f[1]))
            elif f[0] == "set":
                attrs[str(f[1])] = str(f[3])
    return {
        "outcome": o.kind,
        "queue": o.queue,
        "transfer": o.number or (o.flows[-1] if len(o.flows) > 1 else None),
        "ended-in": o.flow,
        "prompts": prompts,
        "attributes": dict(sorted(attrs.items())),
    }


def _missing(result: Result) -> list[str]:
    """The world answers the run had to default (new inputs, Lambda calls, queue figures)."""
    out = []
    for _, node, _, facts, _ in result.trace.records:
        for f in facts or ():
            if f[0] == "default" and not str(f[1]).startswith("no clock"):
                out.append(f"{node.name}: {f[1]}")
    return out


@dataclass
class Change:
    """One contact replayed through the changed flows."""

    contact_id: str
    changed: list[str]
    before: dict[str, Any]
    after: dict[str, Any]
    missing: list[str]

    def as_json(self) -> dict[str, Any]:
        return {
            "contact-id": self.contact_id,
            "changed": self.changed,
            "before": {k: self.before[k] for k in self.changed},
            "after": {k: self.after[k] for k in self.changed},
            "missing-answers": self.missing,
        }


def compare(replayed: Replayed, changed: Program, max_steps: int = 1000) -> Change | None:
    """The contact through `changed` with its recorded answers; None when not replayable."""
    if replayed.result is None or replayed.flow is None:
        return None
    if replayed.flow not in changed.flows:
        before = summary(replayed.result)
        after: dict[str, Any] = {
            **{k: None for k in ASPECTS},
            "outcome": "flow removed",
            "prompts": [],
            "attributes": {},
        }
        return Change(replayed.contact_id, ["outcome"], before, after, [])
    new = run(
        changed,
        replayed.contact,
        replayed.world.prepared(),
        flow=replayed.flow,
        max_steps=max_steps,
        contact_id=replayed.contact_id,
    )
    before, after = summary(replayed.result), summary(new)
    diff = [k for k in ASPECTS if before[k] != after[k]]
    old_missing = set(_missing(replayed.result))
    missing = [m for m in _missing(new) if m not in old_missing]
    return Change(replayed.contact_id, diff, before, after, missing)
