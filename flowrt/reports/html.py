"""`flowrt test --html FILE`: one self-contained HTML page of a test run.

The page has a summary, the project's diagnostics, every case with its status, what failed and its
golden diff, the diagram of each flow the case ran through with its path highlighted, and the
coverage table with each flow's diagram coloured by coverage.  Diagrams are inline SVG rendered by
Graphviz's `dot` (Mermaid text when Graphviz is missing, so the page still says everything).  No
script, no external resource, no timestamp: the page works offline and the same run gives the same
bytes.

Every text from the project is escaped for HTML after its control characters are made visible
(`flowrt.core.text.printable`); links are fragments of the page built here.  Graphviz draws within
bounds: a flow too large for it (`flowrt.reports.graph.too_large`), a drawing that fails, or one
that takes longer than `DOT_TIMEOUT` gives a note in place of its diagram, never a crash.  Slow
drawings (`SLOW_DRAWING` seconds or more each) may add up to `SLOW_DRAWINGS_SECONDS`, and no drawing
is given more than what is left of that; after a drawing that timed out, or once they add up to it,
the page's remaining diagrams are notes too, so Graphviz adds seconds to a page whatever the flows.
Ordinary drawings (tens of milliseconds) never count, so the page of a sound project is the same
bytes whatever the machine.
"""

from __future__ import annotations

import html
import re
import shlex
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from flowrt.core.text import printable
from flowrt.reports import graph as _graph
from flowrt.reports.graph import (
    FlowGraph,
    GraphError,
    GraphTimeout,
    build,
    dot_available,
    label_text,
    render,
    to_dot,
    to_mermaid,
    too_large,
)
from flowrt.reports.overlays import Overlay, coverage_overlay, path_overlay

if TYPE_CHECKING:
    from flowrt.lang.compiler import CompiledFlow
    from flowrt.project.driver import Project
    from flowrt.testing.suite import CaseReport, SuiteReport

#: A drawing this long (seconds) is slow; slow drawings may add up to `SLOW_DRAWINGS_SECONDS`.
SLOW_DRAWING = 1.0
SLOW_DRAWINGS_SECONDS = 5.0


def _e(text: str) -> str:
    """Text from the project, for HTML: control characters shown as escapes, then escaped."""
    return html.escape(printable(text, multiline=True))


STYLE = """
:root { --ink: #1d2939; --muted: #667085; --line: #e4e7ec; --pass: #067647; --fail: #b42318;
  --warn: #b54708; --bg: #f9fafb; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans",
  sans-serif; color: var(--ink); background: var(--bg); }
header, main, footer { max-width: 1240px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 20px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 28px 0 10px; border-bottom: 1px solid var(--line);
  padding-bottom: 4px; }
h3 { font-size: 15px; margin: 16px 0 6px; }
.cards { display: flex; gap: 12px; margin: 14px 0; flex-wrap: wrap; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 16px;
  min-width: 140px; }
.card b { display: block; font-size: 22px; }
.card.pass b { color: var(--pass); } .card.fail b { color: var(--fail); }
.card.warn b { color: var(--warn); }
nav a { margin-right: 14px; }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line); }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line);
  vertical-align: top; }
th { background: #f2f4f7; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; font-weight: 700; font-size: 12px; padding: 1px 8px;
  border-radius: 10px; color: #fff; }
.badge.pass { background: var(--pass); } .badge.fail { background: var(--fail); }
details.case { background: #fff; border: 1px solid var(--line); border-radius: 8px;
  margin: 8px 0; }
details.case > summary { cursor: pointer; padding: 8px 12px; list-style-position: inside; }
details.case[open] > summary { border-bottom: 1px solid var(--line); }
details.case .body { padding: 4px 14px 12px; }
.failures li { color: var(--fail); white-space: pre-wrap; }
pre { background: #101828; color: #f2f4f7; padding: 10px 12px; border-radius: 6px;
  overflow-x: auto; font: 12px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; }
pre.diff { max-height: 420px; overflow: auto; }
pre .add { color: #75e0a7; } pre .del { color: #fda29b; } pre .hunk { color: #84caff; }
figure { margin: 10px 0; background: #fff; border: 1px solid var(--line); border-radius: 6px;
  padding: 8px; overflow-x: auto; }
figure svg { max-width: 100%; height: auto; display: block; margin: 0 auto; }
figcaption { color: var(--muted); font-size: 12px; margin-bottom: 4px; }
.bar { display: inline-block; width: 120px; height: 8px; background: #fee4e2; border-radius: 4px;
  vertical-align: middle; margin-right: 6px; overflow: hidden; }
.bar i { display: block; height: 100%; background: var(--pass); }
.muted { color: var(--muted); }
footer { color: var(--muted); font-size: 12px; padding: 24px 20px; }
"""


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-") or "x"


class _Diagrams:
    """Renders diagrams once each, with ids unique in the page."""

    def __init__(self, flows: dict[str, CompiledFlow]) -> None:
        self.flows = flows
        self.count = 0
        self.graphs: dict[str, FlowGraph] = {}
        self.dot = dot_available()
        self.slow = 0.0  # seconds spent in slow drawings
        self.stopped: str | None = None  # why the remaining diagrams are left out

    def graph(self, name: str) -> FlowGraph:
        if name not in self.graphs:
            self.graphs[name] = build(self.flows[name], lambda f: f"#flow-{_slug(f)}")
        return self.graphs[name]

    def figure(self, name: str, overlay: Overlay | None, caption: str) -> str:
        if name not in self.flows:
            return ""
        return self.figure_graph(self.graph(name), overlay, caption)

    def figure_graph(self, graph: FlowGraph, overlay: Overlay | None, caption: str) -> str:
        """A figure of any graph (the replay page draws the union of a flow's versions)."""
        self.count += 1
        body = self._body(graph, overlay)
        return f'<figure class="diagram"><figcaption>{_e(caption)}</figcaption>{body}</figure>'

    def _body(self, graph: FlowGraph, overlay: Overlay | None) -> str:
        problem = too_large(graph)
        if problem:
            return _note(problem, graph)
        if not self.dot:
            return f"<pre>{_e(to_mermaid(graph, overlay))}</pre>"
        if self.stopped:
            return _note(self.stopped, graph)
        dot = to_dot(graph, overlay, id_prefix=f"d{self.count}-")
        start = time.monotonic()
        try:
            left = max(SLOW_DRAWINGS_SECONDS - self.slow, SLOW_DRAWING)
            svg = render(dot, "svg", timeout=min(_graph.DOT_TIMEOUT, left))
        except GraphError as exc:
            if isinstance(exc, GraphTimeout):
                self.stopped = "Graphviz took too long on a flow, so this report draws no more"
            return _note(str(exc), graph)
        finally:
            took = time.monotonic() - start
            if took >= SLOW_DRAWING:
                self.slow += took
        if self.slow >= SLOW_DRAWINGS_SECONDS and not self.stopped:
            self.stopped = (
                f"Graphviz took more than {SLOW_DRAWINGS_SECONDS:g} s over this report's "
                "diagrams, so it draws no more"
            )
        return _inline_svg(svg.decode("utf-8", "replace"))


def _note(reason: str, graph: FlowGraph) -> str:
    """A note in place of a diagram: why, and how to draw it anyway."""
    command = f"flowrt graph {shlex.quote(label_text(graph.flow))} --format mermaid"
    return (
        f'<p class="muted note">Diagram left out: {_e(reason)}. Draw it as text: '
        f"<code>{_e(command)}</code></p>"
    )


def _inline_svg(svg: str) -> str:
    """Graphviz's SVG document as an element to put inside HTML (no prolog, no doctype)."""
    start = svg.find("<svg")
    return svg[start:].strip() if start >= 0 else ""


def render_html(report: SuiteReport, projects: Sequence[Project]) -> str:
    """The whole page."""
    from flowrt.core import __version__

    flows: dict[str, CompiledFlow] = {}
    for project in projects:
        flows.update(project.compile(strict=False).flows)
    diagrams = _Diagrams(flows)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<link rel="icon" href="data:,">',
        f"<title>flowrt test report: {_e(report.summary())}</title>",
        f"<style>{STYLE}</style></head><body>",
        _header(report),
        "<main>",
        _diagnostics(report),
        _cases(report, diagrams),
        _coverage(report, diagrams),
        "</main>",
        f"<footer>flowrt {_e(__version__)} &middot; {_e(report.summary())}</footer>",
        "</body></html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"


def _header(report: SuiteReport) -> str:
    cov = report.coverage
    cards = [
        ("pass", "passed", str(report.passed)),
        ("fail" if report.failed else "pass", "failed", str(report.failed)),
        ("fail" if report.errors else "pass", "errors", str(report.errors)),
    ]
    if cov is not None:
        cards.append(
            ("warn" if cov.percent < 100 else "pass", "branch coverage", _pct(cov.percent))
        )
    cards_html = "".join(
        f'<div class="card {cls}"><b>{_e(value)}</b>{_e(label)}</div>'
        for cls, label, value in cards
    )
    nav = ['<a href="#cases">All cases</a>']
    if report.failed:
        nav.insert(0, '<a href="#failures">Failed cases</a>')
    if report.diagnostics:
        nav.insert(0, '<a href="#diagnostics">Diagnostics</a>')
    if cov is not None:
        nav.append('<a href="#coverage">Coverage</a>')
    return (
        f'<header><h1>flowrt test report</h1><div class="muted">{_e(report.summary())}</div>'
        f'<div class="cards">{cards_html}</div><nav>{"".join(nav)}</nav></header>'
    )


def _pct(value: float) -> str:
    return f"{value:.1f}%"


def _diagnostics(report: SuiteReport) -> str:
    if not report.diagnostics:
        return ""
    from flowrt.core.diagnostics import render_text, summary_line

    text = render_text(report.diagnostics) + "\n\n" + summary_line(report.diagnostics, report.files)
    return f'<section id="diagnostics"><h2>Diagnostics</h2><pre>{_e(text)}</pre></section>'


def _cases(report: SuiteReport, diagrams: _Diagrams) -> str:
    rows = []
    for case in report.cases:
        status = "pass" if case.passed else "fail"
        rows.append(
            f'<tr><td><span class="badge {status}">{status.upper()}</span></td>'
            f'<td><a href="#case-{_slug(case.id)}">{_e(case.id)}</a></td>'
            f"<td>{_e(case.flow or '')}</td><td>{_e(case.outcome.describe())}</td></tr>"
        )
    table = (
        "<table><thead><tr><th>status</th><th>case</th><th>flow</th><th>outcome</th></tr>"
        f"</thead><tbody>{''.join(rows)}</tbody></table>"
    )
    if not report.cases:
        table = '<p class="muted">No scenario cases ran.</p>'
    failed = "".join(_case(case, diagrams) for case in report.cases if not case.passed)
    passed = "".join(_case(case, diagrams) for case in report.cases if case.passed)
    first = ""
    if failed:
        first = f'<section id="failures"><h2>Failed cases</h2>{failed}</section>'
    return f'{first}<section id="cases"><h2>All cases</h2>{table}{passed}</section>'


def _case(case: CaseReport, diagrams: _Diagrams) -> str:
    status = "pass" if case.passed else "fail"
    opened = "" if case.passed else " open"
    body: list[str] = []
    problems = case.problems()
    if problems:
        items = "".join(f"<li>{_e(p)}</li>" for p in problems)
        body.append(f'<h3>What failed</h3><ul class="failures">{items}</ul>')
    g = case.golden
    if g is not None and g.diff:
        body.append(f'<h3>Golden diff <span class="muted">{_e(g.path)}</span></h3>')
        body.append(f'<pre class="diff">{_diff_html(g.diff)}</pre>')
    # A case run in a worker process has no trace here (flowrt test --html runs in one).
    steps = case.result.trace.steps() if case.result is not None else []
    seen: list[str] = []
    for step in steps:
        if step["flow"] not in seen:
            seen.append(step["flow"])
    for flow in seen:
        caption = f"{flow}: the path of {case.case} ({case.outcome.describe()})"
        body.append(diagrams.figure(flow, path_overlay(flow, steps), caption))
    return (
        f'<details class="case {status}" id="case-{_slug(case.id)}"{opened}>'
        f'<summary><span class="badge {status}">{status.upper()}</span> '
        f"<b>{_e(case.id)}</b> &mdash; {_e(case.outcome.describe())}</summary>"
        f'<div class="body">{"".join(body)}</div></details>'
    )


def _diff_html(diff: str) -> str:
    classes: list[tuple[Callable[[str], bool], str]] = [
        (lambda s: s.startswith(("+++", "---")), "hunk"),
        (lambda s: s.startswith("@@"), "hunk"),
        (lambda s: s.startswith("+"), "add"),
        (lambda s: s.startswith("-"), "del"),
    ]
    out = []
    for line in diff.rstrip("\n").split("\n"):
        cls = next((c for test, c in classes if test(line)), None)
        out.append(f'<span class="{cls}">{_e(line)}</span>' if cls else _e(line))
    return "\n".join(out)


def _coverage(report: SuiteReport, diagrams: _Diagrams) -> str:
    cov = report.coverage
    if cov is None:
        return ""
    rows = []
    for f in cov.flows:
        pct = 100.0 * f.branches_hit / f.branches if f.branches else 100.0
        rows.append(
            f'<tr><td><a href="#flow-{_slug(f.flow)}">{_e(f.flow)}</a></td>'
            f"<td>{_e(f.file)}</td>"
            f'<td class="num">{f.blocks_hit}/{f.blocks}</td>'
            f'<td class="num">{f.branches_hit}/{f.branches}</td>'
            f'<td><span class="bar"><i style="width:{pct:.1f}%"></i></span>{_pct(pct)}</td></tr>'
        )
    rows.append(
        f'<tr><th>total</th><th></th><th class="num">{cov.blocks_hit}/{cov.blocks}</th>'
        f'<th class="num">{cov.branches_hit}/{cov.branches}</th><th>{_pct(cov.percent)}</th></tr>'
    )
    table = (
        "<table><thead><tr><th>flow</th><th>file</th><th>blocks</th><th>branches</th>"
        f"<th>branch coverage</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
    missing = [b for f in cov.flows for b in f.uncovered]
    listing = ""
    if missing:
        items = "".join(f"<li><code>{_e(b.text())}</code></li>" for b in missing)
        listing = f"<h3>Branches never taken</h3><ul>{items}</ul>"
    runs = [case.result.trace.steps() for case in report.cases if case.result is not None]
    figures = []
    for f in cov.flows:
        overlay = coverage_overlay(f.flow, runs)
        figure = diagrams.figure(f.flow, overlay, f"{f.flow}: branches exercised (green) and "
                                 "never exercised (red, dashed)")  # fmt: skip
        figures.append(f'<div id="flow-{_slug(f.flow)}">{figure}</div>')
    return (
        f'<section id="coverage"><h2>Coverage</h2>{table}{listing}'
        f"<h3>Flows</h3>{''.join(figures)}</section>"
    )


def write_html(report: SuiteReport, paths: Sequence[str], file: str) -> None:
    """Write the page of a `flowrt test` run to `file`."""
    from pathlib import Path

    from flowrt.reports.formats import load_projects

    page = render_html(report, load_projects(paths))
    from flowrt.core.files import write_atomic

    write_atomic(Path(file), page, overwrite=True)
