"""Replay recorded contacts through changed flows: what changes for each contact.

The recorded answers found while replaying through the flows that produced the logs
(`flowrt.replay.fidelity`) are the world; the same contact runs through the changed project and
the two runs are compared on the route (the blocks and branches the contact went through) and on
what a caller or a report sees: the outcome kind, the queue, the transfer target, the flow the
contact ended in, the prompts heard and the attributes set.  A route that moved is said where it
moved: the first step the two runs take differently, so contacts group by the change that moved
them, and `route` gives both routes as edges of the flow diagrams for the HTML report.  A
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
ASPECTS = ("route", "outcome", "queue", "transfer", "ended-in", "prompts", "attributes")

#: One step of a route as the flow diagrams name it: (flow, from, branch, to).  `from` is a block
#: or ":start" (the contact entering the flow); `to` a block, ":unconnected:<block>:<branch>" or
#: ":flow:<name>" (a transfer), the node ids of `flowrt.reports.graph.build`.
Edge = tuple[str, str, str | None, str]


def route(result: Result) -> list[Edge]:
    """The edges a run went along, in order (the same edge again when a loop takes it again)."""
    out: list[Edge] = []
    last = None
    for cflow, node, branch, _, _ in result.trace.records:
        flow = cflow.name
        if flow != last:
            out.append((flow, ":start", None, node.name))
            last = flow
        if branch:
            nxt = node.exits.get(branch)
            if nxt is not None:
                out.append((flow, node.name, branch, nxt.name))
            elif branch in node.targets:
                out.append((flow, node.name, branch, f":unconnected:{node.name}:{branch}"))
        elif node.type == "transfer-to-flow":
            out.append((flow, node.name, None, f":flow:{getattr(node.block, 'flow', '')}"))
    return out


def _to(target: str) -> str:
    if target.startswith(":unconnected:"):
        return "not connected (disconnects)"
    if target.startswith(":flow:"):
        return f"flow `{target[6:]}`"
    return f"`{target}`"


def _step(edge: Edge | None) -> str:
    if edge is None:
        return "(route ends)"
    flow, source, branch, target = edge
    if source == ":start":
        return f"{flow}: starts at {_to(target)}"
    took = f" took `{branch}`" if branch else ""
    return f"{flow}: `{source}`{took} to {_to(target)}"


def route_split(before: list[Edge], after: list[Edge]) -> tuple[str, str, str]:
    """(where, before, after): the first step the two routes take differently, for people."""
    i = 0
    while i < len(before) and i < len(after) and before[i] == after[i]:
        i += 1
    b = before[i] if i < len(before) else None
    a = after[i] if i < len(after) else None
    if b is not None and a is not None and b[:2] == a[:2] and b[1] != ":start":
        flow, source = b[0], b[1]
        if b[2] == a[2]:
            took = f" took `{b[2]}`" if b[2] else ""
            return f"{flow}: `{source}`{took}", _to(b[3]), _to(a[3])
        return f"{flow}: `{source}`", f"`{b[2]}` to {_to(b[3])}", f"`{a[2]}` to {_to(a[3])}"
    where = _step(before[i - 1]) if i else "the start"
    return f"after {where}", _step(b), _step(a)


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
    #: With "route" in `changed`: where the routes split (`route_split`), and both routes.
    route_at: str | None = None
    routes: tuple[list[Edge], list[Edge]] | None = None

    def as_json(self) -> dict[str, Any]:
        out = {
            "contact-id": self.contact_id,
            "changed": self.changed,
            "before": {k: self.before[k] for k in self.changed},
            "after": {k: self.after[k] for k in self.changed},
            "missing-answers": self.missing,
        }
        if self.route_at is not None:
            out["route-at"] = self.route_at
        return out


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
    old_route, new_route = route(replayed.result), route(new)
    at = None
    if old_route != new_route:
        at, before["route"], after["route"] = route_split(old_route, new_route)
    else:
        before["route"] = after["route"] = None
    diff = [k for k in ASPECTS if before[k] != after[k]]
    old_missing = set(_missing(replayed.result))
    missing = [m for m in _missing(new) if m not in old_missing]
    routes = (old_route, new_route) if at is not None else None
    return Change(replayed.contact_id, diff, before, after, missing, at, routes)
