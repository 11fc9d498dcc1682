"""`flowrt replay`'s report: what each replayed contact adds to it, and how it is shown.

Fidelity (every contact through the project's flows) and, with `--against`, impact (the same
contacts through the changed flows).  Only counts, groups and a few example contact ids are
kept, so memory does not grow with the number of contacts.  `tally` counts one contact; `merge`
adds the report of a bucket of contacts (`flowrt.replay.engine` replays buckets on any number of
processes and merges their reports in bucket order, so the report is the same for any `-j`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flowrt.core.diagnostics import Diagnostic, Span
from flowrt.replay.impact import Change, compare
from flowrt.replay.reader import ReadStats

if TYPE_CHECKING:
    from flowrt.lang.compiler import Program
    from flowrt.replay.fidelity import Replayed

#: Example contact ids kept per group.
EXAMPLES = 3


@dataclass
class Group:
    """Contacts that share a cause (fidelity) or a change (impact)."""

    key: str
    count: int = 0
    examples: list[str] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)

    def add(self, contact_id: str) -> None:
        self.count += 1
        if len(self.examples) < EXAMPLES:
            self.examples.append(contact_id)


@dataclass
class ReplayReport:
    """Everything one `flowrt replay` found."""

    stats: ReadStats
    contacts: int = 0
    identical: int = 0
    diverged: int = 0
    unreplayable: int = 0
    causes: dict[str, Group] = field(default_factory=dict)
    unknown: dict[str, int] = field(default_factory=dict)
    impact: dict[str, Group] | None = None
    changed: int = 0
    missing_answers: int = 0
    #: Over the contacts whose route moved: flow -> (from, branch, to) -> [contacts that took
    #: the edge before, after] (`flowrt.replay.impact.route`); bounded by the flows' size.
    routes: dict[str, dict[tuple[str, str | None, str], list[int]]] = field(default_factory=dict)
    selected: list[Replayed] = field(default_factory=list)
    #: The contacts that diverged, kept when asked (`--to-scenario` without `--contact`).
    diverging: list[Replayed] = field(default_factory=list)

    def percent(self, n: int) -> float:
        return round(100.0 * n / self.contacts, 2) if self.contacts else 0.0

    def diagnostics(self) -> list[Diagnostic]:
        """The reader's problems and unknown module types, as diagnostics."""
        out = [
            Diagnostic.make(
                p.code,
                f"{p.message}; the line is not counted as a record",
                Span(p.file, p.line, 1, p.line, 2) if p.line else Span(p.file, 1, 1, 1, 1),
                "give Amazon Connect flow log records, one JSON object a line (see docs/replay.md)"
                if p.code == "FR600"
                else "give a file, a directory or a glob of flow log files",
            )
            for p in self.stats.problems
        ]
        for module, n in sorted(self.unknown.items()):
            out.append(
                Diagnostic.make(
                    "FR601",
                    f"{n} record(s) of module type `{module}`, which flowrt does not know; "
                    "they are left out of the comparison",
                    None,
                    "see the mapping table in docs/replay.md",
                )
            )
        return out


def tally(
    report: ReplayReport,
    r: Replayed,
    against: Program | None,
    max_steps: int = 1000,
) -> None:
    """Count one replayed contact (and its impact, with `against`) into `report`."""
    report.contacts += 1
    for module, n in r.unknown.items():
        report.unknown[module] = report.unknown.get(module, 0) + n
    if r.status == "identical":
        report.identical += 1
    else:
        if r.status == "diverged":
            report.diverged += 1
        else:
            report.unreplayable += 1
        d = r.divergence
        assert d is not None
        group = report.causes.get(d.cause)
        if group is None:
            group = report.causes[d.cause] = Group(d.cause, detail=d.as_json())
        group.add(r.contact_id)
    if against is not None and report.impact is not None:
        change = compare(r, against, max_steps)
        if change is not None:
            _count(report, change)


def merge(into: ReplayReport, part: ReplayReport) -> None:
    """Add the report of the next contacts (a bucket's) to `into`: the same as if `into` had
    tallied them itself, in order."""
    into.contacts += part.contacts
    into.identical += part.identical
    into.diverged += part.diverged
    into.unreplayable += part.unreplayable
    into.changed += part.changed
    into.missing_answers += part.missing_answers
    into.stats.duplicates += part.stats.duplicates
    for module, n in part.unknown.items():
        into.unknown[module] = into.unknown.get(module, 0) + n
    _merge_groups(into.causes, part.causes)
    if into.impact is not None and part.impact is not None:
        _merge_groups(into.impact, part.impact)
    # Edge counts add up: each contact counted each edge once in its own bucket's report.
    for flow, edges in part.routes.items():
        held = into.routes.setdefault(flow, {})
        for edge, (before, after) in edges.items():
            counts = held.setdefault(edge, [0, 0])
            counts[0] += before
            counts[1] += after
    into.selected.extend(part.selected)
    into.diverging.extend(part.diverging)


def _merge_groups(into: dict[str, Group], more: dict[str, Group]) -> None:
    for key, g in more.items():
        held = into.get(key)
        if held is None:
            into[key] = g
            continue
        held.count += g.count
        held.examples = (held.examples + g.examples)[:EXAMPLES]
        missing = g.detail.get("missing-answers")
        if missing:
            mine = held.detail.setdefault("missing-answers", [])
            mine.extend(m for m in missing if m not in mine)


def _count(report: ReplayReport, change: Change) -> None:
    assert report.impact is not None
    if change.missing:
        report.missing_answers += 1
    if not change.changed:
        return
    report.changed += 1
    if change.routes is not None:
        for side, path in enumerate(change.routes):
            # A contact counts once per edge, however often a loop took it.
            for flow, source, branch, target in set(path):
                edges = report.routes.setdefault(flow, {})
                edges.setdefault((source, branch, target), [0, 0])[side] += 1
    for aspect in change.changed:
        before, after = change.before[aspect], change.after[aspect]
        key = f"{aspect}: {_shown(before)} -> {_shown(after)}"
        if aspect == "route":
            key = f"route: {change.route_at}: {before} -> {after}"
        group = report.impact.get(key)
        if group is None:
            group = report.impact[key] = Group(
                key, detail={"aspect": aspect, "before": before, "after": after}
            )
        group.add(change.contact_id)
        if change.missing:
            group.detail.setdefault("missing-answers", []).extend(
                m for m in change.missing if m not in group.detail.get("missing-answers", [])
            )


def _shown(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, list):
        return " | ".join(value) or "(none)"
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items()) or "(none)"
    return str(value)


def _ordered(groups: dict[str, Group]) -> list[Group]:
    return sorted(groups.values(), key=lambda g: (-g.count, g.key))


def as_json(report: ReplayReport) -> dict[str, Any]:
    """The report's JSON payload (the envelope is the command line's)."""
    s = report.stats
    out: dict[str, Any] = {
        "diagnostics": [d.as_json() for d in report.diagnostics()],
        "read": {
            "files": s.files,
            "lines": s.lines,
            "records": s.records,
            "duplicates": s.duplicates,
            "malformed": sum(p.code == "FR600" for p in s.problems),
            "contact-records": s.contact_records,
            "unknown-module-types": dict(sorted(report.unknown.items())),
            "spilled-to-disk": s.spilled,
        },
        "fidelity": {
            "contacts": report.contacts,
            "identical": report.identical,
            "identical-percent": report.percent(report.identical),
            "diverged": report.diverged,
            "unreplayable": report.unreplayable,
            "causes": [
                {
                    "cause": g.key,
                    "count": g.count,
                    "percent": report.percent(g.count),
                    "examples": g.examples,
                    "first": g.detail,
                }
                for g in _ordered(report.causes)
            ],
        },
    }
    if report.impact is not None:
        out["impact"] = {
            "contacts": report.contacts,
            "changed": report.changed,
            "changed-percent": report.percent(report.changed),
            "missing-answers": report.missing_answers,
            "changes": [
                {
                    "change": g.key,
                    "count": g.count,
                    "percent": report.percent(g.count),
                    "examples": g.examples,
                    **g.detail,
                }
                for g in _ordered(report.impact)
            ],
            "routes": route_counts(report),
        }
    return out


def route_counts(report: ReplayReport) -> list[dict[str, Any]]:
    """The edges the moved contacts took before and after, sorted (JSON and the HTML page)."""
    return [
        {"flow": flow, "from": s, "branch": b, "to": t, "before": n[0], "after": n[1]}
        for flow in sorted(report.routes)
        for (s, b, t), n in sorted(
            report.routes[flow].items(), key=lambda kv: (kv[0][0], kv[0][1] or "", kv[0][2])
        )
    ]


def render_text(report: ReplayReport) -> str:
    """The report for people."""
    s = report.stats
    malformed = sum(p.code == "FR600" for p in s.problems)
    lines = [
        f"read {s.records} record(s) from {s.files} file(s): {report.contacts} contact(s), "
        f"{s.duplicates} duplicate(s) dropped, {malformed} malformed line(s), "
        f"{s.contact_records} contact record(s)"
    ]
    if report.unknown:
        lines.append(
            "unknown module types: "
            + ", ".join(f"{m} ({n})" for m, n in sorted(report.unknown.items()))
        )
    lines.append(
        f"fidelity: {report.identical} of {report.contacts} contact(s) identical "
        f"({report.percent(report.identical)}%), {report.diverged} diverged, "
        f"{report.unreplayable} not replayable"
    )
    for g in _ordered(report.causes):
        lines.append(f"  {g.count} ({report.percent(g.count)}%) {g.key}")
        d = g.detail
        lines.append(f"      flowrt next: {d['flowrt-next']}; Connect next: {d['recorded-next']}")
        lines.append(f"      e.g. {', '.join(g.examples)}")
    if report.impact is not None:
        lines.append(
            f"impact: {report.changed} of {report.contacts} contact(s) change "
            f"({report.percent(report.changed)}%), {report.missing_answers} reach a block with "
            "no recorded answer"
        )
        for g in _ordered(report.impact):
            lines.append(f"  {g.count} ({report.percent(g.count)}%) {g.key}")
            for m in g.detail.get("missing-answers", [])[:EXAMPLES]:
                lines.append(f"      no recorded answer: {m}")
            lines.append(f"      e.g. {', '.join(g.examples)}")
    return "\n".join(lines)
