"""Hours sweeps: the route of each flow at every boundary of every hours of operation.

For each hours of operation of the instance, the boundaries are the minutes its windows open
and close, and the minute before each, on: the seven days from a reference date (`--from`,
default today), the days around the hours' time zone's next daylight saving time change (found
with zoneinfo, so the same wall-clock boundary moves by an hour in UTC), and the dates of its
overrides (holidays and special hours) from the reference date on.  On an override's date the
weekday's usual boundaries are swept too, so a holiday shows the line closed when it would have
opened.  Each flow that checks hours (itself, or a flow or module it reaches) is run at every
boundary with the default contact and the default world but the clock, and the route it takes
(its hours checks' branches and how it ends) is listed; consecutive boundaries with different
routes are the route changes.  Everything is computed from the reference date: the same date
gives the same sweep.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from flowrt.lang.hours import WEEKDAYS, HoursOverride

if TYPE_CHECKING:
    from flowrt.lang.compiler import Program

#: The hours check block type whose branches a route names.
HOURS_BLOCK = "check-hours-of-operation"
#: How far ahead a time zone's next DST change and the overrides are looked for.
HORIZON_DAYS = 400
#: Days of one override range swept, at most (a long closure is the same every day).
MAX_OVERRIDE_DAYS = 31
_MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class Boundary:
    """One instant swept: when (UTC), in the hours' local time, and why."""

    at: datetime
    hours: str
    local: str
    what: str


@dataclass(frozen=True)
class DstChange:
    """A time zone's next daylight saving time change: the first instant of the new offset."""

    at: datetime
    before: str
    after: str


@dataclass
class HoursSweep:
    """The boundaries of one hours of operation."""

    name: str
    time_zone: str
    dst: DstChange | None
    boundaries: list[Boundary] = field(default_factory=list)


@dataclass(frozen=True)
class Change:
    """A route change: the route just before the boundary and at it."""

    boundary: Boundary
    before: str
    after: str


@dataclass
class FlowSweep:
    """The route of one flow at each boundary, and where it changes."""

    flow: str
    routes: list[tuple[Boundary, str]] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)


@dataclass
class Sweep:
    """The hours sweep of a project from a reference date."""

    start: date
    hours: list[HoursSweep]
    flows: list[FlowSweep]


def next_dst_change(zone: Any, start: date) -> DstChange | None:
    """The first change of `zone`'s UTC offset after local midnight of `start` (within
    `HORIZON_DAYS`), to the minute; None when the offset does not change."""
    t0 = datetime(start.year, start.month, start.day, tzinfo=zone).astimezone(UTC)
    first = t0.astimezone(zone).utcoffset()
    lo = t0
    for day in range(1, HORIZON_DAYS + 1):
        hi = t0 + timedelta(days=day)
        if hi.astimezone(zone).utcoffset() != first:
            break
        lo = hi
    else:
        return None
    while hi - lo > _MINUTE:  # the first minute of the new offset, by halving the day
        mid = lo + (hi - lo) / 2
        mid = mid.replace(second=0, microsecond=0)
        if mid <= lo:
            mid = lo + _MINUTE
        if mid.astimezone(zone).utcoffset() != first:
            hi = mid
        else:
            lo = mid
    # Said as the wall clock does: "2027-03-14 02:00 EST -> 2027-03-14 03:00 EDT".
    old = hi.astimezone(timezone(first)) if first is not None else hi
    return DstChange(
        hi, f"{old.strftime('%Y-%m-%d %H:%M')} {lo.astimezone(zone).tzname()}", _abbr(hi, zone)
    )


def _abbr(at: datetime, zone: Any) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def _minutes(hhmm: str) -> int:
    hh, mm = hhmm.split(":")
    return int(hh) * 60 + int(mm)


def _override_on(overrides: Sequence[HoursOverride], day: date) -> HoursOverride | None:
    for o in overrides:
        span = o.dates()
        if span is not None and span[0] <= day <= span[1]:
            return o  # the first override that covers a date applies (flowrt.lang.hours)
    return None


def _days(spec: Any, start: date, dst: DstChange | None, zone: Any) -> list[date]:
    days = {start + timedelta(days=i) for i in range(7)}
    if dst is not None:
        d = dst.at.astimezone(zone).date()
        days.update(d + timedelta(days=i) for i in (-1, 0, 1))
    end = start + timedelta(days=HORIZON_DAYS)
    for o in spec.overrides:
        span = o.dates()
        if span is None:
            continue
        first, last = max(span[0], start), min(span[1], end)
        n = min((last - first).days + 1, MAX_OVERRIDE_DAYS)
        days.update(first + timedelta(days=i) for i in range(max(n, 0)))
    return sorted(days)


def hours_boundaries(name: str, spec: Any, start: date) -> HoursSweep:
    """The boundaries of hours `spec` swept from `start` (see the module)."""
    from zoneinfo import ZoneInfo

    try:
        zone = ZoneInfo(spec.time_zone)
    except Exception:  # noqa: BLE001 - an unknown zone: the hours check takes error; no sweep
        return HoursSweep(name, spec.time_zone, None)
    dst = next_dst_change(zone, start)
    seen: dict[datetime, Boundary] = {}
    for day in _days(spec, start, dst, zone):
        override = _override_on(spec.overrides, day)
        windows: list[tuple[str, str]] = []
        weekday = spec.days.get(WEEKDAYS[day.weekday()])
        if weekday:
            why = f" (weekday hours; {override.label()} applies)" if override else ""
            windows.append((weekday, why))
        if override is not None and override.hours:
            windows.append((override.hours, f" ({override.label()})"))
        for window, why in windows:
            for edge, hhmm in zip(("opens", "closes"), window.split("-"), strict=True):
                base = datetime(day.year, day.month, day.day, tzinfo=zone)
                at = (base + timedelta(minutes=_minutes(hhmm))).astimezone(UTC)
                local = f"{WEEKDAYS[day.weekday()].title()} {day.isoformat()} {hhmm}"
                for instant, what in (
                    (at - _MINUTE, f"1 minute before {name} {edge} at {local}{why}"),
                    (at, f"{name} {edge} at {local}{why}"),
                ):
                    seen.setdefault(instant, Boundary(instant, name, _abbr(instant, zone), what))
    return HoursSweep(name, spec.time_zone, dst, [seen[k] for k in sorted(seen)])


def flows_checking_hours(program: Program, flows: list[str]) -> list[str]:
    """The flows of `flows` that run an hours check: theirs, or a flow or module they reach."""
    out = []
    for name in flows:
        todo, seen = [name], {name}
        found = False
        while todo and not found:
            cflow = program.flows.get(todo.pop())
            if cflow is None:
                continue
            for node in cflow.nodes:
                if node.type == HOURS_BLOCK:
                    found = True
                    break
                target = node.prepared.get(("flow",))
                target = target if isinstance(target, str) else getattr(node.block, "flow", None)
                if isinstance(target, str) and target in program.flows and target not in seen:
                    seen.add(target)
                    todo.append(target)
        if found:
            out.append(name)
    return out


def route(program: Program, flow: str, at: datetime) -> str:
    """The route of the default contact through `flow` at `at`: the branches its hours checks
    take and how it ends."""
    result = program.run(None, {"clock": at.isoformat()}, flow=flow)
    parts = [
        f"{node.name} {branch}"
        for _cflow, node, branch, *_ in result.trace.records
        if node.type == HOURS_BLOCK
    ]
    outcome = result.outcome
    end = outcome.describe()
    if outcome.kind in ("disconnected", "ended", "error") and outcome.block:
        end = f"{outcome.kind} at {outcome.block}"
    return ", ".join([*parts, end])


def sweep(program: Program, flows: list[str], start: date) -> Sweep:
    """The hours sweep of `flows` from `start` (see the module)."""
    inst = program.instance
    specs = sorted(inst.hours_of_operation.items()) if inst is not None else []
    hours = [hours_boundaries(name, spec, start) for name, spec in specs]
    instants: dict[datetime, Boundary] = {}
    for h in hours:
        for b in h.boundaries:
            instants.setdefault(b.at, b)
    ordered = [instants[k] for k in sorted(instants)]
    out: list[FlowSweep] = []
    for flow in flows_checking_hours(program, flows):
        fs = FlowSweep(flow)
        for b in ordered:
            fs.routes.append((b, route(program, flow, b.at)))
        for (_before_b, before), (b, after) in zip(fs.routes, fs.routes[1:], strict=False):
            if before != after:
                fs.changes.append(Change(b, before, after))
        out.append(fs)
    return Sweep(start, hours, out)


def sweep_text(s: Sweep) -> list[str]:
    """The sweep as lines of the text report."""
    lines = [f"hours sweep from {s.start.isoformat()} ({WEEKDAYS[s.start.weekday()].title()}):"]
    for h in s.hours:
        dst = (
            f"next DST change {h.dst.before} -> {h.dst.after}"
            if h.dst is not None
            else "no DST change within a year"
        )
        lines.append(f"  {h.name} ({h.time_zone}): {dst}; {len(h.boundaries)} boundaries")
    for fs in s.flows:
        lines.append(
            f"  {fs.flow}: {len(fs.changes)} route changes over {len(fs.routes)} boundaries"
        )
        changed = {c.boundary.at: c for c in fs.changes}
        for b, r in fs.routes:
            c = changed.get(b.at)
            if c is not None:
                lines.append(f"    {_utc(b)} ({b.what}):")
                lines.append(f"      {c.before}")
                lines.append(f"      -> {c.after}")
            elif "override" in b.what and not b.what.startswith("1 minute"):
                # An override's day without a change (a holiday keeps the line closed): shown.
                lines.append(f"    {_utc(b)} ({b.what}): no change")
                lines.append(f"      {r}")
    return lines


def _utc(b: Boundary) -> str:
    return f"{b.at.strftime('%Y-%m-%d %H:%M')} UTC"


def sweep_json(s: Sweep) -> dict[str, Any]:
    """The sweep as the JSON report's `hours-sweep`."""

    def boundary(b: Boundary) -> dict[str, str]:
        return {"at": b.at.isoformat(), "hours": b.hours, "local": b.local, "what": b.what}

    return {
        "from": s.start.isoformat(),
        "hours": [
            {
                "name": h.name,
                "time-zone": h.time_zone,
                "dst-change": None
                if h.dst is None
                else {"at": h.dst.at.isoformat(), "before": h.dst.before, "after": h.dst.after},
                "boundaries": [boundary(b) for b in h.boundaries],
            }
            for h in s.hours
        ],
        "flows": [
            {
                "flow": fs.flow,
                "routes": [{**boundary(b), "route": r} for b, r in fs.routes],
                "changes": [
                    {**boundary(c.boundary), "before": c.before, "after": c.after}
                    for c in fs.changes
                ],
            }
            for fs in s.flows
        ],
    }
