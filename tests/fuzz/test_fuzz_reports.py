"""What people and CI read, over hostile names (issue 13, classes 7, 15 and 16).

The other fuzz modules name blocks `b0`, `b1`... and cases `c1`...; here every name a report
shows is drawn from text full of what a reader must never get raw: C0 and C1 controls (NUL, ESC,
CR, NEL), DEL, bidirectional controls, line separators, surrogates, non-characters, names
thousands of characters long, `::error` after a newline, `javascript:` in file names.  And
pictures of every size, down to those Graphviz must not be given.

Invariants, on every example:

- `printable` leaves nothing unsafe, is idempotent, keeps safe text as it is, and its result is
  UTF-8 and XML 1.0;
- DOT and Mermaid text: no raw control character, no DOT string Graphviz refuses (16,384 bytes),
  one DOT id per node; Graphviz either draws the picture (SVG that parses as XML) or `flowrt
  graph` says why in one line with exit 1; a picture too large is refused before Graphviz runs;
- no link in DOT, Mermaid, SVG or the HTML page has a scheme;
- `flowrt test` text, JUnit XML, GitHub annotations, traces: no raw control character, no line
  of the project's choosing that starts a workflow command, XML that parses.
"""

from __future__ import annotations

import contextlib
import copy
import io
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urlsplit
from xml.sax.saxutils import escape, quoteattr

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from flowrt.cli import main
from flowrt.core.diagnostics import Diagnostic, Span, summary_line
from flowrt.core.diagnostics import render_text as render_diagnostics
from flowrt.core.text import printable
from flowrt.reports import graph as graph_module
from flowrt.reports.formats import github_line, load_projects, render_github, suite_diagnostics
from flowrt.reports.graph import (
    MAX_DRAWN_EDGES,
    MAX_DRAWN_NODES,
    FlowGraph,
    GraphEdge,
    GraphError,
    GraphNode,
    emit,
    safe_href,
    to_dot,
    to_mermaid,
    too_large,
)
from flowrt.reports.html import render_html
from flowrt.testing.render import render_junit, render_text
from flowrt.testing.suite import run_suite
from tests.fuzz import strategies as fs
from tests.fuzz.helpers import scratch_dir, write_files

_ROOT = scratch_dir("reports")
HAS_DOT = shutil.which("dot") is not None

#: Never raw in anything a reader gets (the rule of flowrt.core.text); newline is checked apart.
RAW = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
    "\u2028\u2029\ud800-\udfff\ufffe\uffff]"
)
_NASTY = (
    [chr(c) for c in range(0x20)]
    + ["\x7f", *map(chr, range(0x80, 0xA0))]
    + ["\u061c", "\u200e", "\u202e", "\u2066", "\u2069", "\u2028", "\u2029"]
    + ["\ud800", "\udfff", "\ufffe", "\uffff"]
)
_PIECES = [
    "\n::error file=x,line=1::pwned",
    "\r::warning::x",
    "\x1b[2J",
    "\x1b]0;title\x07",
    "\x9b31m",
    "javascript:",
    "%0A",
    '"',
    "\\",
    "<a>",
    "&amp;",
    "#",
    ":",
    ",",
]

#: Text full of what must never reach a reader raw (surrogates included).
hostile_text = st.lists(
    st.one_of(
        st.sampled_from(_NASTY),
        st.sampled_from(_PIECES),
        st.text(st.characters(codec="utf-8"), max_size=4),
    ),
    max_size=12,
).map("".join)
#: The same, sometimes thousands of characters long.
hostile_name = st.one_of(
    hostile_text,
    st.tuples(hostile_text, st.integers(200, 20_000)).map(lambda t: t[0] + "n" * t[1]),
)
#: Names a YAML file can hold (no surrogates), for real projects.
_yaml_safe = st.lists(
    st.one_of(
        st.sampled_from([c for c in _NASTY if not 0xD800 <= ord(c) <= 0xDFFF]),
        st.sampled_from(_PIECES),
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
    ),
    min_size=1,
    max_size=8,
).map("".join)
_BLOCK_FORBIDDEN = set("%:()\\/=$,;[]{}")


def _yq(text: str) -> str:
    """`text` as a YAML double-quoted scalar, every character not plain ASCII escaped."""
    out = []
    for c in text:
        n = ord(c)
        if 0x20 <= n < 0x7F and c not in '"\\':
            out.append(c)
        elif n <= 0xFF:
            out.append(f"\\x{n:02x}")
        elif n <= 0xFFFF:
            out.append(f"\\u{n:04x}")
        else:
            out.append(f"\\U{n:08x}")
    return '"' + "".join(out) + '"'


def _yaml(data: Any, indent: int = 0) -> str:
    """Plain data as YAML text, every string double-quoted (names of any character)."""
    pad = "  " * indent
    if isinstance(data, dict):
        if not data:
            return "{}"
        return "".join(
            # a key over 1,024 characters must be explicit (`? key`) in YAML
            f"\n{pad}{'? ' if len(_yq(str(k))) > 1000 else ''}{_yq(str(k))}"
            f"{chr(10) + pad if len(_yq(str(k))) > 1000 else ''}: {_yaml(v, indent + 1)}"
            for k, v in data.items()
        )
    if isinstance(data, list):
        if not data:
            return "[]"
        return "".join(f"\n{pad}- {_yaml(v, indent + 1).lstrip()}" for v in data)
    if isinstance(data, str):
        return _yq(data)
    if isinstance(data, bool):
        return "true" if data else "false"
    return "null" if data is None else str(data)


def _rename(obj: Any, names: dict[str, str], flow: str, key: str | None = None) -> Any:
    """A flow's data with its blocks renamed (keys, `start`, every `next` target) and every
    reference to the flow `main` (its own name, transfers) renamed to `flow`."""
    if isinstance(obj, dict):
        return {
            (names.get(k, k) if key == "blocks" else k): _rename(
                v, names, flow, "next" if key == "next" else k
            )
            for k, v in obj.items()
        }
    if isinstance(obj, list):
        return [_rename(v, names, flow, key) for v in obj]
    if isinstance(obj, str) and key in ("next", "start"):
        return names.get(obj, obj)
    if isinstance(obj, str) and key == "flow" and obj == "main":
        return flow
    return obj


@st.composite
def hostile_project(draw: st.DrawFn) -> dict[str, str]:
    """A project whose flow, block, scenario and case names and whose other flow's file name
    are hostile: file name -> text."""
    flow = draw(fs.flow_data("main", max_blocks=6))
    old = list(flow["blocks"])
    fresh = draw(
        st.lists(
            _yaml_safe.filter(
                lambda s: not _BLOCK_FORBIDDEN & set(s) and s.strip() == s and len(s) <= 50
            ),
            min_size=len(old),
            max_size=len(old),
            unique=True,
        )
    )
    long = st.integers(200, 20_000).map(lambda n: "n" * n)  # names thousands of characters long
    flow_name = draw(st.one_of(st.just("main"), _yaml_safe.filter(lambda s: s.strip() == s)))
    if draw(st.booleans()):
        flow_name += draw(long)
    flow = _rename(flow, dict(zip(old, fresh, strict=True)), flow_name)
    cases = draw(st.lists(st.one_of(_yaml_safe, long), min_size=1, max_size=3, unique=True))
    scenario = {
        "scenario": draw(_yaml_safe),
        "flow": flow_name,
        "contact": {"channel": "VOICE", "attributes": {"x": draw(_yaml_safe)}},
        "cases": {c: {} for c in cases},
    }
    other = draw(
        st.sampled_from(
            [
                "other.flow.yaml",
                "javascript:alert(1).flow.yaml",
                "javascript:alert(1)/other.flow.yaml",
                " javascript:x/other.flow.yaml",
                "data:text/html,x/other.flow.yaml",
                "a b/%3A#?.flow.yaml",
            ]
        )
    )
    instance = copy.deepcopy(fs.INSTANCE)
    for number in instance["phone-numbers"].values():
        number["flow"] = flow_name
    return {
        "instance.yaml": _yaml(instance).lstrip() + "\n",
        "main.flow.yaml": _yaml(flow).lstrip() + "\n",
        other: fs.to_text({"flow": "other", "start": "a", "blocks": {"a": {"type": "disconnect"}}}),
        "s.scenario.yaml": _yaml(scenario).lstrip() + "\n",
    }


def _write(files: dict[str, str]) -> Path:
    proj = _ROOT / "p"
    write_files(proj, {})
    for name, text in files.items():
        (proj / name).parent.mkdir(parents=True, exist_ok=True)
        (proj / name).write_text(text, encoding="utf-8")
    return proj


def _cli(args: list[str]) -> tuple[int, str, str]:
    raw = io.BytesIO()
    out, err = io.TextIOWrapper(raw, encoding="utf-8", newline="\n"), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    out.flush()
    return code, raw.getvalue().decode("utf-8"), err.getvalue()


def _links(text: str) -> list[str]:
    found = re.findall(r"""(?:xlink:)?href\s*=\s*["']([^"']*)["']""", text)
    found += re.findall(r'click \w+ href "([^"]*)"', text)
    return [link for link in found if link != "data:,"]  # the HTML page's own empty icon


def _assert_read_safe(text: str) -> None:
    """Nothing raw, and no line a CI runner would read as a workflow command."""
    assert not RAW.search(text), repr(RAW.search(text))
    for line in text.split("\n"):
        assert not line.lstrip().startswith("::"), line


def _assert_links_relative(text: str) -> None:
    for link in _links(text):
        assert urlsplit(link).scheme == "", link
        assert not RAW.search(link) and not re.search(r"\s", link), link


# ---------------------------------------------------------------------------------------------
# the rule


@given(hostile_name)
def test_printable_leaves_nothing_unsafe(text: str) -> None:
    one = printable(text)
    assert not RAW.search(one) and "\n" not in one
    assert printable(one) == one
    one.encode("utf-8")  # no lone surrogate left
    ET.fromstring(f"<a b={quoteattr(one)}>{escape(one)}</a>")  # XML 1.0
    many = printable(text, multiline=True)
    assert not RAW.search(many) and many.count("\n") == text.count("\n")
    if text.replace("\t", "").isprintable():
        assert one is text


@given(hostile_text, hostile_text, hostile_text)
def test_a_github_annotation_is_one_command(message: str, hint: str, file: str) -> None:
    d = Diagnostic.make("FR013", message, Span(file, 1, 1, 1, 2), hint or None)
    line = github_line(d)
    assert "\n" not in line and "\r" not in line and not RAW.search(line)
    assert line.startswith("::error file=")
    lines = render_github([d, d]).split("\n")
    assert len(lines) == 2 and all(x.startswith("::error ") for x in lines)


@given(hostile_name)
def test_a_link_is_a_relative_reference(target: str) -> None:
    href = safe_href(target)
    if href is not None:
        assert urlsplit(href).scheme == "" and not urlsplit(href).netloc
        assert re.fullmatch(r"[A-Za-z0-9/._~!$&'()*+,;=@%#-]*", href), href


# ---------------------------------------------------------------------------------------------
# pictures


@st.composite
def pictures(draw: st.DrawFn) -> FlowGraph:
    """A picture as `build` makes them, but of any size and with names of any character."""
    n = draw(st.one_of(st.integers(1, 12), st.integers(MAX_DRAWN_NODES - 5, 3 * MAX_DRAWN_NODES)))
    big = n > 12
    names = (
        [f"b{i}" for i in range(n)]
        if big
        else draw(st.lists(hostile_name, min_size=n, max_size=n, unique=True))
    )
    nodes = [GraphNode(":start", "start", "start", style="start")]
    nodes += [GraphNode(name, "block", name, name, "disconnect", "terminal") for name in names]
    edges = [GraphEdge(":start", names[0], "start", "start")]
    fanout = draw(st.integers(0, 2))
    for i, name in enumerate(names):
        for k in range(fanout if big else draw(st.integers(0, 3))):
            target = names[(i + k + 1) % n] if big else draw(st.sampled_from(names))
            label = f"b{k}" if big else draw(hostile_text)
            edges.append(GraphEdge(name, target, "branch", label, name, f"x{k}"))
    if not big and draw(st.booleans()):
        href = draw(st.one_of(st.none(), hostile_text.map(safe_href)))
        nodes.append(GraphNode(":flow:x", "flow", draw(hostile_text), style="flow", href=href))
    flow = draw(hostile_name)
    return FlowGraph(flow, "contact", tuple(nodes), tuple(edges))


@given(pictures())
def test_pictures_are_safe_text_and_graphviz_gets_only_what_it_can_draw(graph: FlowGraph) -> None:
    dot, mermaid = to_dot(graph), to_mermaid(graph)
    for text in (dot, mermaid):
        assert not RAW.search(text)
        _assert_links_relative(text)
    strings = re.findall(r'"((?:[^"\\]|\\.)*)"', dot)
    assert max(len(s.encode("utf-8")) for s in strings) < 16_384
    ids = re.findall(r'^  ("(?:[^"\\]|\\.)*") \[id=', dot, re.M)
    assert len(ids) == len(set(ids)) == len(graph.nodes)
    large = len(graph.nodes) > MAX_DRAWN_NODES or len(graph.edges) > MAX_DRAWN_EDGES
    assert (too_large(graph) is not None) == large
    if large:
        started = AssertionError("Graphviz started on a picture too large for it")
        with (
            mock.patch.object(graph_module.subprocess, "run", side_effect=started),
            pytest.raises(GraphError) as exc,
        ):
            emit(graph, "svg")
        assert "\n" not in str(exc.value) and "too large for Graphviz" in str(exc.value)
    elif HAS_DOT and len(graph.nodes) <= 20:
        try:
            svg = emit(graph, "svg").decode("utf-8")
        except GraphError as exc:  # a drawing that fails says why in one line
            assert "\n" not in str(exc)
        else:
            assert not RAW.search(svg)
            ET.fromstring(svg)
            _assert_links_relative(svg)


# ---------------------------------------------------------------------------------------------
# projects with hostile names: graph, test (text, JUnit, GitHub, HTML), run


@given(hostile_project())
def test_graph_of_hostile_names(files: dict[str, str]) -> None:
    proj = _write(files)
    target = str(proj / "main.flow.yaml")
    for fmt in ("dot", "mermaid"):
        code, out, err = _cli(["graph", target, "--format", fmt])
        assert code in (0, 1, 2) and "Traceback" not in err, err  # 2: the flow did not load
        event(f"graph --format {fmt}: exit {code}")
        if code == 0:
            assert not RAW.search(out)
            _assert_links_relative(out)
    if HAS_DOT:
        svg = _ROOT / "g.svg"
        svg.unlink(missing_ok=True)
        code, _, err = _cli(["graph", target, "-o", str(svg)])
        assert code in (0, 1, 2) and "Traceback" not in err, err
        event(f"graph -o svg: exit {code}")
        if err.startswith("flowrt graph: "):
            assert err.count("\n") == 1  # one line
        if code == 0:
            text = svg.read_text(encoding="utf-8")
            ET.fromstring(text)
            assert not RAW.search(text)
            _assert_links_relative(text)


@given(hostile_project())
def test_reports_of_hostile_names(files: dict[str, str]) -> None:
    proj = _write(files)
    report = run_suite([str(proj)], coverage=True)
    event(f"cases run: {len(report.cases)}")
    text = render_text(report)
    if report.diagnostics:  # rendered by flowrt.core.diagnostics, not by this layer
        head = render_diagnostics(report.diagnostics) + "\n"
        head += summary_line(report.diagnostics, report.files) + "\n\n"
        assert text.startswith(head)
        text = text[len(head) :]
    assert not RAW.search(text)
    for line in text.split("\n"):
        # diagnostics are rendered elsewhere (flowrt.core.diagnostics); case lines and details
        # are this layer's
        if line.startswith(("PASS ", "FAIL ", "     ")):
            assert not line.lstrip().startswith("::"), line
    junit = render_junit(report)
    ET.fromstring(junit)
    assert not RAW.search(junit)
    projects = load_projects([str(proj)])
    github = render_github(suite_diagnostics(report, projects))
    for line in github.split("\n") if github else []:
        assert re.match(r"::(error|warning|notice) ", line), line
        assert not RAW.search(line)
    page = render_html(report, projects)
    assert not RAW.search(page.replace("\n", " "))
    _assert_links_relative(page)
    for case in report.cases:
        trace = case.result.render_text()
        assert not RAW.search(trace)
        for line in trace.split("\n"):
            assert not line.lstrip().startswith("::"), line
