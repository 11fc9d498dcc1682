"""The explore report for people (text) and for tools (JSON): deterministic, no colours."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flowrt.core.diagnostics import render_text
from flowrt.core.text import printable
from flowrt.explore.cases import case_of, describe
from flowrt.explore.walk import END_KINDS

if TYPE_CHECKING:
    from flowrt.explore.explorer import Branch, Report
    from flowrt.explore.walk import Path


def _step_text(path: Path) -> str:
    parts = []
    flow = path.flow
    for f, block, branch in path.steps:
        where = block if f == flow else f"{f}/{block}"
        parts.append(f"{where}[{branch}]" if branch else where)
    return " -> ".join(parts)


def _case_yaml(path: Path) -> str:
    import io

    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.width = 100
    buf = io.StringIO()
    yaml.dump({"counterexample": {"description": describe(path), **case_of(path)}}, buf)
    return buf.getvalue()


def as_text(
    report: Report, written: list[str], skipped: list[tuple[Branch, str]], file: str | None
) -> str:
    """The report as flowrt prints it."""
    lines = [f"explore (--loops {report.loops}):"]
    width = max((len(f.flow) for f in report.flows), default=0)
    for f in report.flows:
        ends = ", ".join(f"{k} {f.ends[k]:,}" for k in END_KINDS if f.ends.get(k))
        state = "" if f.complete else " (stopped: run budget)"
        lines.append(
            f"  {f.flow:<{width}}  {f.structural:,} paths over the graph, {f.explored:,} "
            f"explored{state}: {ends}"
        )
        for path in f.paths:
            lines.append(f"    {printable(_step_text(path))} => {path.end}")
            lines.append(f"      world: {printable(describe(path))}")
    reachable = len(report.reachable)
    lines.append(
        f"branches: {reachable} of {len(report.branches)} connected branches reachable, "
        f"{len(report.unreachable)} not"
    )
    if report.unmodelled:
        lines.append("not modelled (each connected branch is a choice point):")
        lines.extend(
            f"  {flow}/{block} ({kind}: asks `{service}`)"
            for flow, block, kind, service in report.unmodelled
        )
    if report.sweep is not None:
        from flowrt.explore.sweep import sweep_text

        lines.extend(printable(line) for line in sweep_text(report.sweep))
    if file is not None:
        lines.append(f"cases written to {printable(file)}: {len(written)}")
        lines.extend(f"  {printable(n)}" for n in written)
        if written:
            lines.append("  pin them with: flowrt test --update")
        for (flow, block, branch), why in skipped:
            lines.append(f"  no case for {flow}/{block} {branch}: {why}")
    text = "\n".join(lines) + "\n"
    diags = report.diagnostics
    if diags:
        text += render_text(diags, color=False) + "\n"
    for (code, subject), (_diag, path) in sorted(report.violations.items()):
        text += (
            f"{code} ({printable(subject)}): shortest counterexample ({len(path.steps)} steps), "
            "as a case:\n"
        )
        text += "".join(f"  {line}\n" for line in _case_yaml(path).splitlines())
    return text


def _path_json(path: Path) -> dict[str, Any]:
    return {
        "flow": path.flow,
        "steps": [{"flow": f, "block": b, "branch": br} for f, b, br in path.steps],
        "end": path.end,
        "world": describe(path),
        "case": case_of(path),
    }


def as_json(
    report: Report, written: list[str], skipped: list[tuple[Branch, str]], file: str | None
) -> dict[str, Any]:
    """The report as `--format json` prints it (inside flowrt's JSON envelope)."""
    return {
        "loops": report.loops,
        "complete": report.complete,
        "flows": [
            {
                "flow": f.flow,
                "type": f.type,
                "paths-over-graph": f.structural,
                "paths-explored": f.explored,
                "runs": f.runs,
                "complete": f.complete,
                "ends": dict(sorted(f.ends.items())),
                "paths": [_path_json(p) for p in f.paths],
            }
            for f in report.flows
        ],
        "branches": len(report.branches),
        "reachable": len(report.reachable),
        "unreachable": [
            {
                "flow": u.flow,
                "block": u.block,
                "branch": u.branch,
                "target": u.target,
                "structural": u.structural,
                "file": u.span.file if u.span else None,
                "line": u.span.line if u.span else None,
                "column": u.span.column if u.span else None,
            }
            for u in report.unreachable
        ],
        "unmodelled": [
            {"flow": f, "block": b, "type": t, "service": s} for f, b, t, s in report.unmodelled
        ],
        "diagnostics": [
            {
                "code": d.code,
                "severity": str(d.severity),
                "message": d.message,
                "file": d.span.file if d.span else None,
                "line": d.span.line if d.span else None,
                "column": d.span.column if d.span else None,
                "hint": d.hint,
            }
            for d in report.diagnostics
        ],
        "counterexamples": [
            {"code": code, "subject": subject, **_path_json(path)}
            for (code, subject), (_d, path) in sorted(report.violations.items())
        ],
        "hours-sweep": _sweep_json(report),
        "cases-file": file,
        "cases-written": written,
        "no-case": [
            {"flow": f, "block": b, "branch": br, "why": why} for (f, b, br), why in skipped
        ],
    }


def _sweep_json(report: Report) -> dict[str, Any] | None:
    from flowrt.explore.sweep import sweep_json

    return None if report.sweep is None else sweep_json(report.sweep)
