"""`flowrt replay --html FILE`: the replay report as one self-contained HTML page.

The page is the test report's (`flowrt.reports.html`: the same style, inline SVG diagrams by
Graphviz, Mermaid text without it, no script, no timestamp) with the replay's sections: the
fidelity summary and its causes, and with `--against` the impact: each change grouped with its
count, percentage and example contact ids, and, for each flow the moved contacts went through,
the flow's diagram with the edges they took before the change (orange) and after it (blue), each
labelled with how many contacts took it.  A flow whose two versions differ is drawn as the union
of both: a block or a branch only in the old version is dashed and marked "removed", one only in
the new version "new", and a branch that now leads elsewhere is two edges.

Everything on the page comes from the report's counts (`flowrt.replay.report`), so the page
is as bounded as the report and the same logs give the same bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from flowrt.replay.report import EXAMPLES, ReplayReport, _ordered, route_counts
from flowrt.reports.graph import FlowGraph, build
from flowrt.reports.html import STYLE, _Diagrams, _e, _slug
from flowrt.reports.overlays import EdgeIdent, Overlay

if TYPE_CHECKING:
    from flowrt.lang.compiler import Program

#: Extra style of the replay page: the legend's swatches, in the diagrams' colours.
REPLAY_STYLE = """
.legend span { display: inline-block; width: 22px; height: 4px; margin: 0 6px 3px 12px;
  vertical-align: middle; }
.legend .before { background: #dc6803; } .legend .after { background: #1570ef; }
.legend .both { background: #7a5af8; }
td code { font-size: 12px; }
"""


def union(before: FlowGraph | None, after: FlowGraph | None) -> tuple[FlowGraph, Overlay]:
    """One picture of a flow's two versions, and a change overlay that knows which parts are in
    one version only (`removed`: old only, `added`: new only)."""
    main = after or before
    assert main is not None
    nodes, edges = list(main.nodes), list(main.edges)
    overlay = Overlay("change")
    if before is not None and after is not None:
        new_nodes = {n.id for n in after.nodes}
        new_edges = {e.ident for e in after.edges}
        old_nodes = {n.id for n in before.nodes}
        old_edges = {e.ident for e in before.edges}
        for n in before.nodes:
            if n.id not in new_nodes:
                nodes.append(n)
                overlay.removed.add(n.id)
        for e in before.edges:
            if e.ident not in new_edges:
                edges.append(e)
                overlay.removed.add(e.ident)
        overlay.added.update(n.id for n in after.nodes if n.id not in old_nodes)
        overlay.added.update(e.ident for e in after.edges if e.ident not in old_edges)
    return FlowGraph(main.flow, main.type, tuple(nodes), tuple(edges)), overlay


def _counts(overlay: Overlay, edges: dict[tuple[str, str | None, str], list[int]]) -> None:
    for ident, (before, after) in edges.items():
        overlay.changes[ident] = (before, after)
        for node in (ident[0], ident[2]):
            seen = overlay.blocks.setdefault(node, [0, 0])
            seen[0] = seen[0] or int(before > 0)
            seen[1] = seen[1] or int(after > 0)


def render_replay_html(
    report: ReplayReport,
    base: Program,
    against: Program | None,
    title: str = "flowrt replay report",
) -> str:
    """The whole page."""
    from flowrt.core import __version__

    flows = {**base.flows, **(against.flows if against is not None else {})}
    diagrams = _Diagrams(flows)
    summary = _summary(report)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<link rel="icon" href="data:,">',
        f"<title>{_e(title)}: {_e(summary)}</title>",
        f"<style>{STYLE}{REPLAY_STYLE}</style></head><body>",
        _header(report, title, summary),
        "<main>",
        _diagnostics(report),
        _fidelity(report),
        _impact(report),
        _routes(report, base, against, diagrams) if against is not None else "",
        "</main>",
        f"<footer>flowrt {_e(__version__)} &middot; {_e(summary)}</footer>",
        "</body></html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"


def _summary(report: ReplayReport) -> str:
    text = (
        f"{report.contacts} contact(s): {report.identical} identical "
        f"({report.percent(report.identical)}%)"
    )
    if report.impact is not None:
        text += f", {report.changed} change ({report.percent(report.changed)}%)"
    return text


def _header(report: ReplayReport, title: str, summary: str) -> str:
    cards = [
        ("pass", "contacts", str(report.contacts)),
        ("pass" if report.identical == report.contacts else "fail", "identical",
         f"{report.percent(report.identical)}%"),
        ("fail" if report.diverged else "pass", "diverged", str(report.diverged)),
        ("warn" if report.unreplayable else "pass", "not replayable", str(report.unreplayable)),
    ]  # fmt: skip
    nav = ['<a href="#fidelity">Fidelity</a>']
    if report.impact is not None:
        cards.append(("warn" if report.changed else "pass", "change",
                      f"{report.percent(report.changed)}%"))  # fmt: skip
        nav += ['<a href="#impact">Impact</a>', '<a href="#routes">Changed routes</a>']
    if report.diagnostics():
        nav.insert(0, '<a href="#diagnostics">Diagnostics</a>')
    cards_html = "".join(
        f'<div class="card {cls}"><b>{_e(value)}</b>{_e(label)}</div>'
        for cls, label, value in cards
    )
    return (
        f'<header><h1>{_e(title)}</h1><div class="muted">{_e(summary)}</div>'
        f'<div class="cards">{cards_html}</div><nav>{"".join(nav)}</nav></header>'
    )


def _diagnostics(report: ReplayReport) -> str:
    shown = report.diagnostics()
    if not shown:
        return ""
    from flowrt.core.diagnostics import render_text

    return f'<section id="diagnostics"><h2>Diagnostics</h2><pre>{_e(render_text(shown))}</pre></section>'


def _examples(ids: list[str]) -> str:
    return ", ".join(f"<code>{_e(i)}</code>" for i in ids)


def _fidelity(report: ReplayReport) -> str:
    s = report.stats
    read = (
        f"Read {s.records} record(s) from {s.files} file(s): {report.contacts} contact(s), "
        f"{s.duplicates} duplicate(s) dropped, {s.contact_records} contact record(s)."
    )
    head = (
        f"<p>{_e(read)}</p><p><b>{report.identical} of {report.contacts}</b> contact(s) follow "
        f"their recorded path ({report.percent(report.identical)}%), {report.diverged} "
        f"diverged, {report.unreplayable} not replayable.</p>"
    )
    if not report.causes:
        return f'<section id="fidelity"><h2>Fidelity</h2>{head}</section>'
    rows = []
    for g in _ordered(report.causes):
        d = g.detail
        rows.append(
            f'<tr><td class="num">{g.count}</td><td class="num">{report.percent(g.count)}%</td>'
            f'<td>{_e(g.key)}<br><span class="muted">flowrt next: {_e(str(d["flowrt-next"]))}'
            f"; Connect next: {_e(str(d['recorded-next']))}</span></td>"
            f"<td>{_examples(g.examples)}</td></tr>"
        )
    table = (
        "<table><thead><tr><th>contacts</th><th>%</th><th>first divergence</th>"
        f"<th>e.g.</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
    return f'<section id="fidelity"><h2>Fidelity</h2>{head}{table}</section>'


def _impact(report: ReplayReport) -> str:
    if report.impact is None:
        return ""
    head = (
        f"<p><b>{report.changed} of {report.contacts}</b> contact(s) change "
        f"({report.percent(report.changed)}%); {report.missing_answers} reach a block the log "
        "holds no answer for (the run took the documented default there).</p>"
    )
    if not report.impact:
        return f'<section id="impact"><h2>Impact</h2>{head}</section>'
    rows = []
    for g in _ordered(report.impact):
        missing = "".join(
            f'<br><span class="muted">no recorded answer: {_e(m)}</span>'
            for m in g.detail.get("missing-answers", [])[:EXAMPLES]
        )
        rows.append(
            f'<tr class="change {_e(str(g.detail["aspect"]))}"><td class="num">{g.count}</td>'
            f'<td class="num">{report.percent(g.count)}%</td><td>{_e(g.key)}{missing}</td>'
            f"<td>{_examples(g.examples)}</td></tr>"
        )
    table = (
        "<table><thead><tr><th>contacts</th><th>%</th><th>change</th><th>e.g.</th></tr>"
        f"</thead><tbody>{''.join(rows)}</tbody></table>"
    )
    return f'<section id="impact"><h2>Impact</h2>{head}{table}</section>'


def _routes(
    report: ReplayReport, base: Program, against: Program | None, diagrams: _Diagrams
) -> str:
    assert against is not None
    legend = (
        '<p class="legend muted">Edges the moved contacts took: <span class="before"></span>'
        'before the change <span class="after"></span>after it <span class="both"></span>'
        "both, by other numbers (each label says how many contacts took the edge)</p>"
    )
    if not report.routes:
        return (
            '<section id="routes"><h2>Changed routes</h2>'
            '<p class="muted">No contact takes another route.</p></section>'
        )
    figures = []
    rows = []
    by_flow: dict[str, list[dict[str, Any]]] = {}
    for e in route_counts(report):
        by_flow.setdefault(e["flow"], []).append(e)
    for flow, edges in by_flow.items():
        old = base.flows.get(flow)
        new = against.flows.get(flow)
        linked = set(by_flow)

        def link(name: str, linked: set[str] = linked) -> str | None:
            return f"#routes-{_slug(name)}" if name in linked else None

        graph, overlay = union(
            build(old, link) if old is not None else None,
            build(new, link) if new is not None else None,
        )
        counts: dict[EdgeIdent, list[int]] = {
            (e["from"], e["branch"], e["to"]): [e["before"], e["after"]] for e in edges
        }
        _counts(overlay, counts)
        caption = (
            f"{flow}: the routes of the moved contacts, before the change (orange) and after it "
            "(blue); each edge says how many contacts took it"
        )
        figure = diagrams.figure_graph(graph, overlay, caption)
        figures.append(f'<div id="routes-{_slug(flow)}">{figure}</div>')
        labels = {e.ident: e.label for e in graph.edges}
        for e in edges:
            if e["before"] == e["after"]:
                continue
            ident = (e["from"], e["branch"], e["to"])
            rows.append(
                f"<tr><td>{_e(flow)}</td><td>{_e(_node(e['from']))}</td>"
                f"<td>{_e(labels.get(ident, e['branch'] or ''))}</td><td>{_e(_node(e['to']))}</td>"
                f'<td class="num">{e["before"]}</td><td class="num">{e["after"]}</td></tr>'
            )
    table = (
        "<table><thead><tr><th>flow</th><th>from</th><th>branch</th><th>to</th>"
        '<th>before</th><th>after</th></tr></thead><tbody id="moved-edges">'
        f"{''.join(rows)}</tbody></table>"
    )
    return (
        f'<section id="routes"><h2>Changed routes</h2>{legend}'
        f"<h3>Edges taken by other numbers of contacts</h3>{table}"
        f"<h3>Flows</h3>{''.join(figures)}</section>"
    )


def _node(node_id: str) -> str:
    if node_id == ":start":
        return "(start)"
    if node_id.startswith(":unconnected:"):
        return "not connected"
    if node_id.startswith(":flow:"):
        return f"flow {node_id[6:]}"
    return node_id


def write_replay_html(
    report: ReplayReport, base: Program, against: Program | None, file: str
) -> None:
    """Write the page of a `flowrt replay` run to `file`."""
    from flowrt.core.files import write_atomic

    write_atomic(Path(file), render_replay_html(report, base, against), overwrite=True)
