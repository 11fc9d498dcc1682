"""Pictures of flows: the block graph as Mermaid or Graphviz DOT, with a run's path or coverage.

`build` turns a `CompiledFlow` into a `FlowGraph`: one node per block (named and typed; the start
marked, terminal blocks distinct), one labelled edge per branch of every block (Success, At
capacity, No match, each condition...), a stub for each branch that is not connected (in Amazon
Connect the contact is disconnected there) and, for transfer-to-flow blocks, a link to the flow
they hand the contact to.  An `Overlay` paints a run's path (the blocks visited and the branch each
step left by, numbered) or coverage (branches exercised by a set of runs and those never
exercised) over it.  `to_mermaid` and `to_dot` are pure text and deterministic; `render` calls
Graphviz's own `dot` for SVG and PNG.

Names come from anyone's files: every text is `printable` (flowrt.core.text) and cut to `MAX_LABEL`
characters, ids that needed it made unique with a digest, links relative references (`safe_href`).
Graphviz gets at most `MAX_DRAWN_NODES` nodes, `MAX_DRAWN_EDGES` edges and `DOT_TIMEOUT` seconds;
whatever goes wrong with it is a `GraphError` of one line.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

from flowrt.core.text import printable, shorten
from flowrt.lang.compiler import CompiledFlow, Node
from flowrt.reports.overlays import EdgeIdent, Overlay
from flowrt.reports.overlays import coverage_counts as coverage_counts
from flowrt.reports.overlays import coverage_overlay as coverage_overlay
from flowrt.reports.overlays import path_overlay as path_overlay

FORMATS: tuple[str, ...] = ("mermaid", "dot", "svg", "png")
#: Output file suffix -> format, for `flowrt graph -o FILE` without `--format`.
SUFFIXES: dict[str, str] = {
    ".mmd": "mermaid",
    ".mermaid": "mermaid",
    ".md": "mermaid",
    ".dot": "dot",
    ".gv": "dot",
    ".svg": "svg",
    ".png": "png",
}
#: Block types that end the flow: drawn as terminals.
TERMINAL_TYPES = frozenset({"disconnect", "end-flow"})
INSTALL_HINT = (
    "Graphviz `dot` is not installed: install Graphviz (`apt-get install graphviz`, "
    "`brew install graphviz`, `choco install graphviz`) or use --format mermaid or dot"
)

#: The longest name or label shown (then "…"): Graphviz refuses strings over 16,384 bytes.
MAX_LABEL = 100
#: The longest DOT id used as it is (else cut, with a digest of the whole name: ids stay unique).
MAX_ID = 200
#: The largest picture given to Graphviz, whose time grows much faster (2,000 nodes: 30 s).
MAX_DRAWN_NODES = 1000
MAX_DRAWN_EDGES = 1500
#: Seconds Graphviz may take to draw one picture before it is stopped.
DOT_TIMEOUT = 4.0
#: Above this many nodes, DOT asks Graphviz for a quicker layout (fewer network-simplex and
#: crossing-minimisation rounds): a 250-block flow with 5 branches a block takes 2 s, not 40.
QUICK_LAYOUT_NODES = 60
_QUICK_LAYOUT = {"nslimit": "2", "nslimit1": "2", "mclimit": "0.3"}

EdgeKind = Literal["start", "branch", "unconnected", "transfer"]
NodeKind = Literal["start", "block", "unconnected", "flow"]

# Colours: one palette for DOT and Mermaid so the pictures agree.
_INK, _MUTED = "#344054", "#98a2b3"
_PATH, _COVERED, _UNCOVERED = "#d92d20", "#079455", "#d92d20"
# A replay's impact: the route before the change, after it, and both (with other counts).
_BEFORE, _AFTER, _BOTH = "#dc6803", "#1570ef", "#7a5af8"
_FILL = {
    "block": "#ffffff",
    "decision": "#fffaeb",
    "terminal": "#fee4e2",
    "flow": "#eff8ff",
    "start": "#344054",
}


@dataclass(frozen=True, slots=True)
class GraphNode:
    """A node of the picture: a block, the start marker, a not-connected stub or a linked flow."""

    id: str
    kind: NodeKind
    label: str
    block: str | None = None
    type: str | None = None
    style: str = "block"  # block | decision | terminal | flow | start | unconnected
    href: str | None = None


@dataclass(frozen=True, slots=True)
class GraphEdge:
    """An edge: from a block by one branch (`branch` None for the start and transfer edges)."""

    source: str
    target: str
    kind: EdgeKind
    label: str
    block: str | None = None
    branch: str | None = None

    @property
    def key(self) -> tuple[str, str | None] | None:
        """(block, branch) for branch, stub and transfer edges, as traces name them."""
        return None if self.block is None else (self.block, self.branch)

    @property
    def ident(self) -> EdgeIdent:
        """(source, branch, target): the edge itself, whichever version of the flow it is in."""
        return (self.source, self.branch, self.target)


@dataclass(frozen=True, slots=True)
class FlowGraph:
    """The picture of one flow: nodes and edges in a stable order (blocks in file order)."""

    flow: str
    type: str
    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]

    def branch_edges(self) -> list[GraphEdge]:
        """Every edge that stands for a branch of a block (connected or not)."""
        return [e for e in self.edges if e.kind in ("branch", "unconnected")]


# ---------------------------------------------------------------------------------------------
# the model


def label_text(text: str) -> str:
    """A name as a picture shows it: control characters escaped, at most `MAX_LABEL` characters."""
    return shorten(printable(text), MAX_LABEL)


_HREF_SAFE = "/-._~!$&'()*+,;=@"


def safe_href(target: str | None) -> str | None:
    """`target` as a relative reference a link may carry: a fragment (`#...`) or a relative path,
    percent-encoded so that nothing in it starts a scheme (`javascript:` becomes `javascript%3A`),
    a query or a second fragment.  None for an absolute or network path (`/x`, `//host/x`)."""
    if not target:
        return None
    if target.startswith("#"):
        return "#" + quote(target[1:], safe=_HREF_SAFE.replace("/", ""), errors="replace")
    if target.startswith(("/", "\\")):
        return None
    return quote(target, safe=_HREF_SAFE, errors="replace")


def branch_display(node: Node, branch: str) -> str:
    """How a branch reads in a picture: `Success`, `At capacity`, `equals gold`, `NoMatchingError`."""
    if branch.startswith("condition-"):
        return node.block.branch_label(branch)
    if re.fullmatch(r"[a-z]+(-[a-z]+)*", branch):
        return branch.replace("-", " ").capitalize()
    return branch


def _style(node: Node) -> str:
    if node.type in TERMINAL_TYPES:
        return "terminal"
    if node.block.conditions_list or node.type.startswith("check-"):
        return "decision"
    return "block"


def build(flow: CompiledFlow, link: Callable[[str], str | None] | None = None) -> FlowGraph:
    """The graph of a compiled flow.  `link(flow_name)` gives the address a transfer links to
    (made a safe relative reference by `safe_href`).  Labels are display text (`label_text`); ids,
    `block` and `branch` keep the names as they are."""
    nodes: list[GraphNode] = [GraphNode(":start", "start", "start", style="start")]
    edges: list[GraphEdge] = []
    if 0 <= flow.start < len(flow.nodes):
        edges.append(GraphEdge(":start", flow.nodes[flow.start].name, "start", "start"))
    flows_linked: dict[str, str] = {}
    for node in flow.nodes:
        label = label_text(node.name)
        nodes.append(GraphNode(node.name, "block", label, node.name, node.type, _style(node)))
        for branch, target in node.targets.items():
            label = label_text(branch_display(node, branch))
            if target is None:
                stub = f":unconnected:{node.name}:{branch}"
                nodes.append(GraphNode(stub, "unconnected", "not connected", style="unconnected"))
                edges.append(GraphEdge(node.name, stub, "unconnected", label, node.name, branch))
            else:
                dest = flow.nodes[target].name
                edges.append(GraphEdge(node.name, dest, "branch", label, node.name, branch))
        if node.type == "transfer-to-flow":
            name = str(getattr(node.block, "flow", ""))
            fid = f":flow:{name}"
            if fid not in flows_linked:
                flows_linked[fid] = name
                dynamic = name.startswith("$.")
                href = None if dynamic or link is None else safe_href(link(name))
                shown = label_text(name)
                text = f"flow from {shown}" if dynamic else f"flow {shown}"
                nodes.append(GraphNode(fid, "flow", text, style="flow", href=href))
            edges.append(GraphEdge(node.name, fid, "transfer", "transfer", node.name, None))
    return FlowGraph(flow.name, flow.type, tuple(nodes), tuple(edges))


def _steps_text(numbers: Sequence[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:4])
    more = ", ..." if len(numbers) > 4 else ""
    return f"step{'s' if len(numbers) > 1 else ''} {shown}{more}"


def _change(edge: GraphEdge, overlay: Overlay) -> tuple[str, str, str] | None:
    """(class, colour, label suffix) of an edge under a change overlay; None: drawn as usual."""
    before, after = overlay.changes.get(edge.ident, (0, 0))
    # A branch that now leads elsewhere: its old edge is in one version only.
    only = " removed" if edge.ident in overlay.removed else ""
    only = " added" if edge.ident in overlay.added else only
    if before and after:
        if before == after:
            return "changed same" + only, _INK, f"{before} before and after"
        return "changed both" + only, _BOTH, f"before {before}, after {after}"
    if before:
        return "changed before" + only, _BEFORE, f"before {before}"
    if after:
        return "changed after" + only, _AFTER, f"after {after}"
    if edge.ident in overlay.removed:
        return "removed", _MUTED, "removed"
    if edge.ident in overlay.added:
        return "added", _MUTED, "new"
    return None


def _edge_text(edge: GraphEdge, overlay: Overlay | None) -> str:
    if overlay is not None and overlay.mode == "change":
        change = _change(edge, overlay)
        return f"{edge.label} ({change[2]})" if change and edge.kind != "start" else edge.label
    numbers = overlay.taken(edge.key) if overlay else []
    if not numbers or overlay is None:
        return edge.label
    if overlay.mode == "path":
        return f"{edge.label} ({_steps_text(numbers)})"
    return f"{edge.label} ({len(numbers)}x)"


def _title(graph: FlowGraph, overlay: Overlay | None) -> str:
    title = f"{label_text(graph.flow)} ({label_text(graph.type)} flow)"
    if overlay is not None and overlay.mode == "coverage":
        done, total = coverage_counts(graph, overlay)
        pct = f"{100 * done // total}%" if total else "n/a"
        title += f" - coverage: {done} of {total} branches ({pct}) over {overlay.runs} run(s)"
    elif overlay is not None and overlay.mode == "change":
        # Contacts entering the flow: each route starts a flow with its start edge, once.
        entered = [n for (source, _, _), n in overlay.changes.items() if source == ":start"]
        before, after = sum(n[0] for n in entered), sum(n[1] for n in entered)
        title += f" - moved contacts: {before} before (orange), {after} after (blue)"
    elif overlay is not None:
        title += " - path of a run"
    return title


# ---------------------------------------------------------------------------------------------
# DOT


_MAX_DOT_STRING = 2000  # characters: at most 8,000 bytes once escaped; Graphviz takes 16,384


def _dot_str(text: str) -> str:
    """A DOT double-quoted string; newlines become centred line breaks, other control characters
    visible escapes (Graphviz stops at a NUL, and would copy the rest into SVG, where XML forbids
    them).  Labels are cut long before (`MAX_LABEL`); this bound holds for any text."""
    text = shorten(printable(text, multiline=True), _MAX_DOT_STRING)
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + text.replace("\n", "\\n") + '"'


def _dot_id(name: str) -> str:
    """A node or graph id: the name itself when it is short and needs no escape, else the name
    escaped and cut, with a digest of the whole name so that two names never share an id."""
    shown = printable(name)
    if shown == name and len(name) <= MAX_ID:
        return name
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"{shorten(shown, MAX_LABEL)} #{digest}"


def _wrap(text: str, width: int = 28) -> str:
    lines = textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)
    return "\n".join(lines) or text


def _dot_attrs(attrs: Mapping[str, str]) -> str:
    return ", ".join(f"{k}={_dot_str(v)}" for k, v in attrs.items())


def _dot_node(node: GraphNode, overlay: Overlay | None, prefix: str, index: int) -> str:
    classes = node.kind if node.kind == node.style else f"{node.kind} {node.style}"
    attrs: dict[str, str] = {"id": f"{prefix}n{index}", "class": classes}
    if node.kind == "start":
        attrs.update(shape="circle", label="start", fillcolor=_FILL["start"], fontcolor="white")
        attrs.update(width="0.5", fixedsize="true", fontsize="9")
    elif node.kind == "unconnected":
        attrs.update(shape="plaintext", style="", label="not connected", fontcolor=_MUTED)
        attrs.update(fontsize="9", height="0.2")
    elif node.kind == "flow":
        attrs.update(shape="folder", label=node.label, fillcolor=_FILL["flow"], color="#1570ef")
        attrs.update(tooltip=f"transfer to {node.label}")
        if node.href:
            attrs["href"] = node.href
    else:
        attrs.update(label=f"{node.label}\n{node.type}", fillcolor=_FILL[node.style])
        attrs["tooltip"] = f"{node.label} ({node.type})"
        if node.style == "terminal":
            attrs.update(shape="octagon", color="#b42318")
        elif node.style == "decision":
            attrs.update(color="#b54708")
    _paint_dot_node(node, overlay, attrs)
    return f"  {_dot_str(_dot_id(node.id))} [{_dot_attrs(attrs)}];"


def _paint_dot_node(node: GraphNode, overlay: Overlay | None, attrs: dict[str, str]) -> None:
    if overlay is None or node.kind != "block" or node.block is None:
        return
    hits = overlay.blocks.get(node.block, [])
    if overlay.mode == "change":
        before, after = (hits + [0, 0])[:2]
        if before or after:
            both = _BOTH if before != after else _INK
            colour = both if before and after else _BEFORE if before else _AFTER
            attrs.update(color=colour, penwidth="2.5")
            attrs["class"] += " visited"
        if node.id in overlay.removed or node.id in overlay.added:
            attrs["label"] += " (removed)" if node.id in overlay.removed else " (new)"
            attrs.update(style="rounded,filled,dashed")
    elif overlay.mode == "path" and hits:
        attrs.update(color=_PATH, penwidth="2.5")
        attrs["class"] += " visited"
        attrs["xlabel"] = _steps_text(hits)
    elif overlay.mode == "coverage":
        attrs["class"] += " covered" if hits else " uncovered"
        attrs.update(color=_COVERED if hits else _UNCOVERED, penwidth="2")
        if not hits:
            attrs.update(style="rounded,filled,dashed")


def _dot_edge(edge: GraphEdge, overlay: Overlay | None, prefix: str, index: int) -> str:
    attrs: dict[str, str] = {"id": f"{prefix}e{index}", "class": edge.kind}
    if edge.kind != "start":
        attrs["label"] = _wrap(_edge_text(edge, overlay))
    if edge.branch is not None:
        attrs["branch"] = edge.branch
    if edge.kind in ("unconnected", "transfer"):
        attrs.update(style="dashed")
    if edge.kind == "unconnected":
        attrs.update(color=_MUTED, fontcolor=_MUTED)
    numbers = overlay.taken(edge.key) if overlay else []
    change = _change(edge, overlay) if overlay is not None and overlay.mode == "change" else None
    if change is not None:
        attrs["class"] += f" {change[0]}"
        attrs.update(color=change[1], fontcolor=change[1])
        if change[0].startswith("changed"):
            attrs["penwidth"] = "2.5"
        else:
            attrs["style"] = "dashed"
    elif overlay is not None and edge.key is not None:
        if overlay.mode == "path" and numbers:
            attrs.update(color=_PATH, fontcolor=_PATH, penwidth="2.5")
            attrs["class"] += " taken"
            attrs["steps"] = " ".join(str(n) for n in numbers)
        elif overlay.mode == "coverage" and (numbers or edge.kind != "unconnected"):
            colour = _COVERED if numbers else _UNCOVERED
            attrs.update(color=colour, fontcolor=colour, penwidth="2" if numbers else "1.5")
            attrs["class"] += " covered" if numbers else " uncovered"
            if not numbers:
                attrs["style"] = "dashed"
    tail, head = _dot_str(_dot_id(edge.source)), _dot_str(_dot_id(edge.target))
    return f"  {tail} -> {head} [{_dot_attrs(attrs)}];"


_NODE_DEFAULTS = {
    "shape": "box",
    "style": "rounded,filled",
    "color": _INK,
    "fontname": "Helvetica",
    "fontsize": "11",
}
_EDGE_DEFAULTS = {"color": "#667085", "fontname": "Helvetica", "fontsize": "9"}


def to_dot(graph: FlowGraph, overlay: Overlay | None = None, id_prefix: str = "") -> str:
    """The graph in Graphviz DOT.  Every branch edge carries `label` and `branch` attributes; a
    path overlay adds `steps` (the step numbers) and the class `taken`."""
    attrs = {
        "id": f"{id_prefix}graph",
        "label": _title(graph, overlay),
        "labelloc": "t",
        "fontname": "Helvetica",
        "fontsize": "14",
        "rankdir": "TB",
        "nodesep": "0.3",
        "ranksep": "0.45",
        "forcelabels": "true",
    }
    if len(graph.nodes) > QUICK_LAYOUT_NODES:
        attrs.update(_QUICK_LAYOUT)
    lines = [
        f"digraph {_dot_str(_dot_id(graph.flow))} {{",
        "  graph [" + _dot_attrs(attrs) + "];",
        "  node [" + _dot_attrs(_NODE_DEFAULTS) + "];",
        "  edge [" + _dot_attrs(_EDGE_DEFAULTS) + "];",
    ]
    lines.extend(_dot_node(n, overlay, id_prefix, i) for i, n in enumerate(graph.nodes))
    lines.extend(_dot_edge(e, overlay, id_prefix, i) for i, e in enumerate(graph.edges))
    lines.append("}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# Mermaid

_MERMAID_ESCAPES = {
    "#": "#35;",
    '"': "#34;",
    "<": "#60;",
    ">": "#62;",
    "&": "#38;",
    "|": "#124;",
    "`": "#96;",
    "\n": " ",
    "\r": " ",
}


def _mm(text: str) -> str:
    """Text inside a quoted Mermaid label, with the characters Mermaid reads escaped and control
    characters shown as escapes."""
    return "".join(_MERMAID_ESCAPES.get(c, c) for c in printable(text, multiline=True))


def _mermaid_ids(graph: FlowGraph) -> dict[str, str]:
    ids: dict[str, str] = {}
    counters = {"block": 0, "unconnected": 0, "flow": 0}
    for node in graph.nodes:
        if node.kind == "start":
            ids[node.id] = "start"
            continue
        prefix = {"block": "b", "unconnected": "u", "flow": "f"}[node.kind]
        ids[node.id] = f"{prefix}{counters[node.kind]}"
        counters[node.kind] += 1
    return ids


def _mermaid_node(node: GraphNode, mid: str) -> str:
    if node.kind == "start":
        return f'  {mid}(("start"))'
    if node.kind == "unconnected":
        return f'  {mid}["not connected"]'
    if node.kind == "flow":
        return f'  {mid}[/"{_mm(node.label)}"/]'
    text = f"{_mm(node.label)}<br/>{_mm(node.type or '')}"
    if node.style == "terminal":
        return f'  {mid}(["{text}"])'
    return f'  {mid}["{text}"]'


def to_mermaid(graph: FlowGraph, overlay: Overlay | None = None) -> str:
    """The graph as a Mermaid flowchart (renders on GitHub and in Markdown, no install)."""
    ids = _mermaid_ids(graph)
    lines = ["flowchart TD", f"  %% {_mm(_title(graph, overlay))}"]
    lines.extend(_mermaid_node(n, ids[n.id]) for n in graph.nodes)
    styles: dict[str, list[str]] = {}
    for i, edge in enumerate(graph.edges):
        arrow = "-.->" if edge.kind in ("unconnected", "transfer") else "-->"
        src, dst = ids[edge.source], ids[edge.target]
        if edge.kind == "start":
            lines.append(f"  {src} {arrow} {dst}")
        else:
            lines.append(f'  {src} {arrow}|"{_mm(_edge_text(edge, overlay))}"| {dst}')
        styles.setdefault(_mermaid_edge_style(edge, overlay), []).append(str(i))
    for node in graph.nodes:
        if node.href:
            lines.append(f'  click {ids[node.id]} href "{_mm(node.href)}"')
    lines.extend(_mermaid_classes(graph, overlay, ids))
    for style, indexes in styles.items():
        if style:
            lines.append(f"  linkStyle {','.join(indexes)} {style}")
    return "\n".join(lines) + "\n"


def _mermaid_edge_style(edge: GraphEdge, overlay: Overlay | None) -> str:
    numbers = overlay.taken(edge.key) if overlay else []
    change = _change(edge, overlay) if overlay is not None and overlay.mode == "change" else None
    if change is not None:
        width = "3px" if change[0].startswith("changed") else "1px,stroke-dasharray:4 3"
        return f"stroke:{change[1]},stroke-width:{width},color:{change[1]}"
    if overlay is not None and edge.key is not None:
        if overlay.mode == "path" and numbers:
            return f"stroke:{_PATH},stroke-width:3px,color:{_PATH}"
        if overlay.mode == "coverage" and (numbers or edge.kind != "unconnected"):
            colour = _COVERED if numbers else _UNCOVERED
            dash = "" if numbers else ",stroke-dasharray:4 3"
            return f"stroke:{colour},stroke-width:2px,color:{colour}{dash}"
    if edge.kind == "unconnected":
        return f"stroke:{_MUTED},color:{_MUTED}"
    return ""


def _mermaid_classes(graph: FlowGraph, overlay: Overlay | None, ids: dict[str, str]) -> list[str]:
    defs = {
        "start": f"fill:{_FILL['start']},color:#fff,stroke:{_FILL['start']}",
        "decision": f"fill:{_FILL['decision']},stroke:#b54708",
        "terminal": f"fill:{_FILL['terminal']},stroke:#b42318",
        "flow": f"fill:{_FILL['flow']},stroke:#1570ef",
        "unconnected": f"fill:none,stroke:none,color:{_MUTED}",
        "visited": f"stroke:{_PATH},stroke-width:3px",
        "covered": f"stroke:{_COVERED},stroke-width:2px",
        "uncovered": f"stroke:{_UNCOVERED},stroke-width:2px,stroke-dasharray:4 3",
    }
    members: dict[str, list[str]] = {}
    for node in graph.nodes:
        if node.style in defs:
            members.setdefault(node.style, []).append(ids[node.id])
        if overlay is not None and node.kind == "block" and node.block is not None:
            hit = any(overlay.blocks.get(node.block, []))
            mark = (
                ("visited" if hit else "")
                if overlay.mode in ("path", "change")
                else ("covered" if hit else "uncovered")
            )
            if mark:
                members.setdefault(mark, []).append(ids[node.id])
    out = [f"  classDef {name} {defs[name]}" for name in defs if name in members]
    out.extend(f"  class {','.join(members[name])} {name}" for name in defs if name in members)
    return out


# ---------------------------------------------------------------------------------------------
# rendering through Graphviz


class GraphError(RuntimeError):
    """Graphviz cannot draw a picture: the message is one line that says why and what to do."""


class GraphvizMissing(GraphError):
    """Graphviz's `dot` is not on PATH."""

    def __init__(self) -> None:
        super().__init__(INSTALL_HINT)


class GraphTimeout(GraphError):
    """Graphviz's `dot` took longer than it was given and was stopped."""


def dot_available() -> bool:
    return shutil.which("dot") is not None


def too_large(graph: FlowGraph) -> str | None:
    """Why Graphviz is not given `graph` (more than `MAX_DRAWN_NODES` nodes or `MAX_DRAWN_EDGES`
    edges), or None when it may draw it."""
    nodes, edges = len(graph.nodes), len(graph.edges)
    if nodes <= MAX_DRAWN_NODES and edges <= MAX_DRAWN_EDGES:
        return None
    return (
        f"flow `{label_text(graph.flow)}` is too large for Graphviz to draw: {nodes:,} nodes and "
        f"{edges:,} edges (the limit is {MAX_DRAWN_NODES:,} nodes and {MAX_DRAWN_EDGES:,} edges)"
    )


def _first_line(stderr: bytes) -> str:
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines()]
    return shorten(printable(next((line for line in lines if line), "no message")), 200)


def render(dot_text: str, fmt: str, timeout: float | None = None) -> bytes:
    """SVG or PNG of a DOT text, by Graphviz's `dot`: `GraphvizMissing` when it is not installed,
    `GraphTimeout` when it takes more than `timeout` seconds (default `DOT_TIMEOUT`; it is
    stopped), `GraphError` when it fails or cannot be started."""
    timeout = DOT_TIMEOUT if timeout is None else timeout
    if fmt not in ("svg", "png"):
        raise ValueError(f"render: format must be svg or png, not {fmt}")
    exe = shutil.which("dot")
    if exe is None:
        raise GraphvizMissing()
    cmd, data = [exe, f"-T{fmt}"], dot_text.encode("utf-8", "replace")
    try:
        done = subprocess.run(cmd, input=data, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise GraphTimeout(f"Graphviz `dot` did not finish within {timeout:g} s") from None
    except OSError as exc:
        raise GraphError(f"Graphviz `dot` could not be run: {exc.strerror or exc}") from None
    if done.returncode != 0:
        raise GraphError(f"Graphviz `dot` failed: {_first_line(done.stderr)}")
    return done.stdout


#: What `flowrt graph` suggests when Graphviz cannot draw a flow.
TEXT_HINT = "draw it as text with --format dot or --format mermaid"


def emit(graph: FlowGraph, fmt: str, overlay: Overlay | None = None) -> bytes:
    """The graph in one of `FORMATS`, as bytes ready to write.  SVG and PNG raise `GraphError` (one
    line, with what to do instead) for a graph too large for Graphviz, or one it fails on."""
    if fmt == "mermaid":
        return to_mermaid(graph, overlay).encode("utf-8")
    problem = too_large(graph) if fmt != "dot" else None
    if problem:
        raise GraphError(f"{problem}; {TEXT_HINT}")
    dot = to_dot(graph, overlay)
    if fmt == "dot":
        return dot.encode("utf-8")
    try:
        return render(dot, fmt)
    except GraphvizMissing:
        raise
    except GraphError as exc:
        flow = label_text(graph.flow)
        size = f"{len(graph.nodes):,} nodes, {len(graph.edges):,} edges"
        raise type(exc)(f"flow `{flow}` ({size}): {exc}; {TEXT_HINT}") from None
