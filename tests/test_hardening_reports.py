"""Hardening of what people and CI read (issue 13, classes 7, 15 and 16).

- 7: diagrams of hostile flows (a NUL in a name, a 20,000-character name, a 5,000-block chain,
  Graphviz failing or hanging): `flowrt graph` gives one line and exit 1, `flowrt test --html`
  a note in place of the diagram, never a traceback or a wait.
- 15: control characters in names and messages are shown as escapes in traces, `flowrt test`
  text, GitHub annotations and diagrams: nothing drives the terminal, no line of the project's
  choosing starts a workflow command.
- 16: JUnit XML stays well-formed whatever a case is called; no link a diagram or the page
  carries has a scheme (`javascript:`) built from a file name.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import stat
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from flowrt.cli import main
from flowrt.core.diagnostics import Diagnostic, Span
from flowrt.core.text import ELLIPSIS, printable, shorten
from flowrt.project.driver import load_project
from flowrt.reports import graph as graph_module
from flowrt.reports.formats import github_line, load_projects, render_github, suite_diagnostics
from flowrt.reports.graph import (
    MAX_DRAWN_NODES,
    MAX_LABEL,
    GraphError,
    build,
    emit,
    safe_href,
    to_dot,
    to_mermaid,
)
from flowrt.reports.html import render_html
from flowrt.testing.render import render_junit, render_text
from flowrt.testing.suite import run_suite

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz `dot` is not installed"
)

INSTANCE = "instance: t\nqueues:\n  Q1: {description: q}\n"
#: What must never reach a reader raw: C0 but tab and newline, DEL, C1, bidi controls, line and
#: paragraph separators, surrogates, U+FFFE/U+FFFF (the rule of flowrt.core.text).
RAW = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
    "\u2028\u2029\ud800-\udfff\ufffe\uffff]"
)
#: A hostile flow: ESC in the flow's name, NUL and NEL in block names, an attribute value that
#: tries to start a workflow command on a line of its own.
HOSTILE_FLOW = r"""flow: "m\e[2Jain"
start: "a\0b"
blocks:
  "a\0b":
    type: set-contact-attributes
    attributes: {k: "v\e[31m\n::error file=x::pwned"}
    next: {success: "e\x85f", error: "e\x85f"}
  "e\x85f": {type: disconnect}
"""
HOSTILE_SCENARIO = r"""scenario: "s\e]0;title\a"
cases:
  "c\e[2J\n::error file=y::pwned\r\u2028x":
    flow: "m\e[2Jain"
    contact: {channel: VOICE, attributes: {x: "\e[5m"}}
  ok:
    flow: "m\e[2Jain"
    expect: {outcome: queued}
"""
HOSTILE_CASE = "c\x1b[2J\n::error file=y::pwned\r\u2028x"


def _project(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "instance.yaml").write_text(INSTANCE, encoding="utf-8")
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def _cli(args: list[str]) -> tuple[int, str, str]:
    """Exit code, standard output and standard error of `flowrt ARGS`."""
    raw = io.BytesIO()
    out, err = io.TextIOWrapper(raw, encoding="utf-8", newline="\n"), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    out.flush()
    return code, raw.getvalue().decode("utf-8"), err.getvalue()


def _chain(blocks: int) -> str:
    lines = ["flow: chain", "start: b0", "blocks:"]
    for i in range(blocks):
        lines += [
            f"  b{i}:",
            "    type: set-contact-attributes",
            "    attributes: {k: v}",
            f"    next: {{success: b{i + 1}, error: b{i + 1}}}",
        ]
    lines += [f"  b{blocks}: {{type: disconnect}}"]
    return "\n".join(lines) + "\n"


def _fake_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str) -> Path:
    """A `dot` first on PATH that runs `script` (sh); it appends a line to the returned file per
    call."""
    bindir = tmp_path / "fakebin"
    bindir.mkdir()
    calls = tmp_path / "dot-calls"
    dot = bindir / "dot"
    dot.write_text(f'#!/bin/sh\necho call >> "{calls}"\n{script}\n', encoding="utf-8")
    dot.chmod(dot.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
    return calls


def _hrefs(text: str) -> list[str]:
    return re.findall(r"""(?:xlink:)?href\s*=\s*["']([^"']*)["']""", text)


# ---------------------------------------------------------------------------------------------
# the one rule: flowrt.core.text.printable


def test_printable_shows_every_unsafe_character_as_an_escape() -> None:
    assert (
        printable("a\x00b\x1b[2J\x7f\x85\x9b\r\n\tz") == "a\\x00b\\x1b[2J\\x7f\\x85\\x9b\\r\\n\tz"
    )
    assert printable("\u2028\u2029\u202e\u2066\ud800\ufffe\uffff") == (
        "\\u2028\\u2029\\u202e\\u2066\\ud800\\ufffe\\uffff"
    )
    assert printable("one\ntwo\x1b", multiline=True) == "one\ntwo\\x1b"
    safe = "queued in Premium \u00e9\u65e5\u672c \U0001f600 \\x1b\ttab"
    assert printable(safe) is safe  # nothing to escape: the very same text
    assert printable(printable("\x1b\x00")) == printable("\x1b\x00")
    assert shorten("x" * 10, 5) == "xxxx" + ELLIPSIS and shorten("abc", 5) == "abc"


# ---------------------------------------------------------------------------------------------
# class 7: Graphviz on hostile flows


@needs_dot
def test_nul_and_escape_in_names_draw_as_svg(tmp_path: Path) -> None:
    proj = _project(tmp_path / "p", {"main.flow.yaml": HOSTILE_FLOW})
    flow = str(proj / "main.flow.yaml")
    code, out, err = _cli(["graph", flow, "--format", "dot"])
    assert code == 0, err
    assert not RAW.search(out)
    assert '"a\\\\x00b #' in out  # the NUL shown as \x00; the id made unique with a digest
    code, out, err = _cli(["graph", flow, "--format", "mermaid"])
    assert code == 0 and not RAW.search(out)
    assert 'b0["a\\x00b<br/>set-contact-attributes"]' in out
    svg = tmp_path / "main.svg"
    code, _, err = _cli(["graph", flow, "-o", str(svg)])
    assert (code, err) == (0, "")
    data = svg.read_bytes().decode("utf-8")
    assert not RAW.search(data)
    texts = [t.text for t in ET.fromstring(data).iter("{http://www.w3.org/2000/svg}text")]
    assert "a\\x00b" in texts and "m\\x1b[2Jain (contact flow)" in texts


@needs_dot
def test_a_20000_character_flow_name_draws_with_a_cut_label(tmp_path: Path) -> None:
    name = "x" * 20_000
    proj = _project(tmp_path / "p", {"main.flow.yaml": f"flow: {name}\nstart: a\nblocks:\n"
                                     "  a: {type: disconnect}\n"})  # fmt: skip
    dot = to_dot(build(load_project(proj).compile(strict=False).flows[name]))
    assert max(len(s) for s in re.findall(r'"((?:[^"\\]|\\.)*)"', dot)) < 400
    svg = tmp_path / "long.svg"
    code, _, err = _cli(["graph", str(proj / "main.flow.yaml"), "-o", str(svg)])
    assert (code, err) == (0, "")
    texts = [t.text for t in ET.parse(svg).iter("{http://www.w3.org/2000/svg}text")]
    assert "x" * (MAX_LABEL - 1) + ELLIPSIS + " (contact flow)" in texts


def test_ids_stay_unique_when_long_names_are_cut(tmp_path: Path) -> None:
    a, b = "n" * 300 + "a", "n" * 300 + "b"
    flow = f"flow: f\nstart: {a}\nblocks:\n  {a}: {{type: set-contact-attributes, attributes: "
    flow += f"{{k: v}}, next: {{success: {b}, error: {b}}}}}\n  {b}: {{type: disconnect}}\n"
    proj = _project(tmp_path / "p", {"f.flow.yaml": flow})
    graph = build(load_project(proj).compile(strict=False).flows["f"])
    dot = to_dot(graph)
    ids = re.findall(r'^  ("(?:[^"\\]|\\.)*") \[id=', dot, re.M)
    assert len(ids) == len(set(ids)) == len(graph.nodes)
    assert all(len(i) < 200 for i in ids)


@needs_dot  # without Graphviz, `graph -o x.svg` first says to install it (exit 2)
def test_a_5000_block_chain_is_one_line_and_exit_1(tmp_path: Path) -> None:
    proj = _project(tmp_path / "p", {"chain.flow.yaml": _chain(5000)})
    out = tmp_path / "chain.svg"
    code, _, err = _cli(["graph", str(proj / "chain.flow.yaml"), "-o", str(out)])
    assert code == 1
    assert err == (
        "flowrt graph: flow `chain` is too large for Graphviz to draw: 5,002 nodes and 10,001 "
        f"edges (the limit is {MAX_DRAWN_NODES:,} nodes and 1,500 edges); draw it as text with "
        "--format dot or --format mermaid\n"
    )
    assert not out.exists()


def test_a_5000_block_chain_is_refused_before_graphviz_starts(tmp_path: Path) -> None:
    proj = _project(tmp_path / "p", {"chain.flow.yaml": _chain(5000)})
    graph = build(load_project(proj).compile(strict=False).flows["chain"])
    start = time.perf_counter()
    with pytest.raises(GraphError):
        emit(graph, "svg")  # refused before Graphviz is started
    assert time.perf_counter() - start < 0.5
    assert to_dot(graph).count(" -> ") == 10_001  # as text, any size


def test_dot_that_hangs_is_stopped_one_line_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_dot(tmp_path, monkeypatch, "exec sleep 30")
    monkeypatch.setattr(graph_module, "DOT_TIMEOUT", 0.5)
    proj = _project(tmp_path / "p", {"main.flow.yaml": HOSTILE_FLOW})
    start = time.perf_counter()
    code, _, err = _cli(["graph", str(proj / "main.flow.yaml"), "-o", str(tmp_path / "x.svg")])
    assert time.perf_counter() - start < 5
    assert code == 1
    assert err == (
        "flowrt graph: flow `m\\x1b[2Jain` (3 nodes, 3 edges): Graphviz `dot` did not finish "
        "within 0.5 s; draw it as text with --format dot or --format mermaid\n"
    )
    assert not (tmp_path / "x.svg").exists()


def test_dot_that_fails_is_one_line_exit_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_dot(tmp_path, monkeypatch, "cat >/dev/null\necho 'Error: bad \x1b[2J' >&2\necho x >&2\n"
              "exit 3")  # fmt: skip
    proj = _project(tmp_path / "p", {"main.flow.yaml": HOSTILE_FLOW})
    code, _, err = _cli(["graph", str(proj / "main.flow.yaml"), "-o", str(tmp_path / "x.png")])
    assert code == 1
    assert err == (
        "flowrt graph: flow `m\\x1b[2Jain` (3 nodes, 3 edges): Graphviz `dot` failed: Error: bad "
        "\\x1b[2J; draw it as text with --format dot or --format mermaid\n"
    )


def _scenario(flow: str, cases: int) -> str:
    body = "".join(f"  c{i}: {{}}\n" for i in range(cases))
    return f"scenario: s\nflow: {flow}\ncontact: {{channel: VOICE}}\ncases:\n{body}"


def test_html_notes_a_flow_too_large_to_draw(tmp_path: Path) -> None:
    proj = _project(
        tmp_path / "p", {"chain.flow.yaml": _chain(1000), "s.scenario.yaml": _scenario("chain", 1)}
    )
    page = tmp_path / "r.html"
    code, _, err = _cli(["test", str(proj), "--html", str(page), "--max-steps", "2000"])
    assert "Traceback" not in err and code == 1  # no golden yet
    text = page.read_text(encoding="utf-8")
    note = (
        '<p class="muted note">Diagram left out: flow `chain` is too large for Graphviz to draw: '
        "1,002 nodes and 2,001 edges (the limit is 1,000 nodes and 1,500 edges). Draw it as text: "
        "<code>flowrt graph chain --format mermaid</code></p>"
    )
    assert text.count(note) == 2  # the case's path and the coverage
    assert "<svg" not in text


def test_html_stops_drawing_after_dot_hangs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _fake_dot(tmp_path, monkeypatch, "exec sleep 30")
    monkeypatch.setattr(graph_module, "DOT_TIMEOUT", 0.5)
    scenario = _scenario('"m\\e[2Jain"', 5)
    proj = _project(tmp_path / "p", {"main.flow.yaml": HOSTILE_FLOW, "s.scenario.yaml": scenario})
    assert _cli(["test", str(proj), "--update"])[0] == 0
    page = tmp_path / "r.html"
    start = time.perf_counter()
    code, out, err = _cli(["test", str(proj), "--html", str(page)])
    assert time.perf_counter() - start < 5
    assert (code, err) == (0, "") and out.endswith("5 passed, 0 failed\n")
    assert calls.read_text().count("call") == 1  # one drawing timed out: no more were tried
    text = page.read_text(encoding="utf-8")
    first = "Diagram left out: Graphviz `dot` did not finish within 0.5 s. Draw it as text: "
    rest = "Diagram left out: Graphviz took too long on a flow, so this report draws no more."
    assert text.count(first) == 1 and text.count(rest) == 5  # 5 paths and the coverage


def test_html_notes_a_dot_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_dot(tmp_path, monkeypatch, "cat >/dev/null\necho 'Error: boom' >&2\nexit 1")
    scenario = _scenario('"m\\e[2Jain"', 1)
    proj = _project(tmp_path / "p", {"main.flow.yaml": HOSTILE_FLOW, "s.scenario.yaml": scenario})
    assert _cli(["test", str(proj), "--update"])[0] == 0
    page = tmp_path / "r.html"
    assert _cli(["test", str(proj), "--html", str(page)])[:1] == (0,)
    assert page.read_text(encoding="utf-8").count(
        "Diagram left out: Graphviz `dot` failed: Error: boom. Draw it as text: <code>flowrt graph "
        "&#x27;m\\x1b[2Jain&#x27; --format mermaid</code>"
    ) == 2  # fmt: skip


# ---------------------------------------------------------------------------------------------
# class 15: control characters in what people read


def test_trace_text_shows_control_characters_as_escapes(tmp_path: Path) -> None:
    proj = _project(
        tmp_path / "p", {"main.flow.yaml": HOSTILE_FLOW, "s.scenario.yaml": HOSTILE_SCENARIO}
    )
    code, out, err = _cli(["run", "m\x1b[2Jain", "--scenario", str(proj / "s.scenario.yaml")])
    assert code == 1, err  # the case `ok` expects `queued`: its `expect:` fails
    assert not RAW.search(out)
    assert not any(line.lstrip().startswith("::") for line in out.splitlines())
    lines = out.splitlines()
    assert lines[:7] == [
        "== s\\x1b]0;title\\x07 :: c\\x1b[2J\\n::error file=y::pwned\\r\\u2028x (m\\x1b[2Jain)",
        lines[1],  # the contact id
        "flow m\\x1b[2Jain",
        "  1. a\\x00b (set-contact-attributes) -> success -> e\\x85f",
        '       $.Attributes.k = "v\\u001b[31m\\n::error file=x::pwned" (was (unset))',
        "  2. e\\x85f (disconnect)",
        "outcome: disconnected",
    ]
    assert lines[1].endswith(
        "VOICE, attributes x=\\x1b[5m, clock 2026-01-05T12:00:00+00:00 (default)"
    )
    # JSON keeps the names as they are.
    code, out, _ = _cli(["run", "m\x1b[2Jain", "--scenario", str(proj / "s.scenario.yaml"),
                         "--format", "json"])  # fmt: skip
    steps = json.loads(out)["runs"][0]["steps"]
    assert [s["block"] for s in steps] == ["a\x00b", "e\x85f"]


def test_flowrt_test_text_shows_control_characters_as_escapes(tmp_path: Path) -> None:
    proj = _project(
        tmp_path / "p", {"main.flow.yaml": HOSTILE_FLOW, "s.scenario.yaml": HOSTILE_SCENARIO}
    )
    code, out, _ = _cli(["test", str(proj)])
    assert code == 1
    assert not RAW.search(out)
    assert not any(line.lstrip().startswith("::") for line in out.splitlines())
    assert out.splitlines()[0] == (
        "FAIL s.scenario.yaml::c\\x1b[2J\\n::error file=y::pwned\\r\\u2028x  disconnected"
    )


def test_github_annotations_are_one_line_each(tmp_path: Path) -> None:
    proj = _project(
        tmp_path / "p", {"main.flow.yaml": HOSTILE_FLOW, "s.scenario.yaml": HOSTILE_SCENARIO}
    )
    code, out, _ = _cli(["test", str(proj), "--format", "github"])
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 4 and lines[-1] == "0 passed, 2 failed"
    assert all(re.match(r"::error file=[^\n]*/s\.scenario\.yaml,line=", x) for x in lines[:-1])
    assert not RAW.search(out)
    assert (
        "::case `c\\x1b[2J%0A::error file=y::pwned%0D\\u2028x` (s\\x1b]0;title\\x07): no "
        in lines[0]
    )
    assert lines[0].endswith(
        "/s/c-2J-error-file-y-pwned-x-552799dc.golden.yaml%0Ahint: run `flowrt test --update` to "
        "write it, then commit it"
    )
    d = Diagnostic.make("FR013", "bad\n::error::x\x1b[2J\x85%", Span("a\nb,c:d\x00", 1, 1, 1, 2))
    assert github_line(d) == (
        "::error file=a%0Ab%2Cc%3Ad\\x00,line=1,col=1,endLine=1,endColumn=2,title=flowrt "
        "FR013%3A value not allowed::bad%0A::error::x\\x1b[2J\\x85%25"
    )


# ---------------------------------------------------------------------------------------------
# class 16: well-formed XML, links without a scheme


def test_junit_parses_whatever_the_case_names(tmp_path: Path) -> None:
    cases = {f'"c\\x{n:02x}"': n for n in [*range(0x20), 0x7F, *range(0x80, 0xA0)] if n != 0x0A}
    body = "".join(f"  {key}: {{flow: main}}\n" for key in cases)
    body += '  "\\ufffe \\uffff \\u2028 \\u202e": {flow: main, expect: {outcome: queued}}\n'
    proj = _project(tmp_path / "p", {
        "main.flow.yaml": "flow: main\nstart: a\nblocks:\n  a: {type: disconnect}\n",
        "s.scenario.yaml": f"scenario: s\ncontact: {{channel: VOICE}}\ncases:\n{body}",
    })  # fmt: skip
    report = run_suite([str(proj)])
    assert len(report.cases) == len(cases) + 1
    xml = render_junit(report)
    root = ET.fromstring(xml)  # well-formed
    names = [tc.get("name") for tc in root.iter("testcase")]
    assert names == [printable(c.case) for c in report.cases]
    assert "c\\x1b" in names and "c\\x00" in names and "\\ufffe \\uffff \\u2028 \\u202e" in names
    assert not RAW.search(xml)


HOSTILE_PATHS = [
    "javascript:alert(1).flow.yaml",
    "javascript:alert(1)/other.flow.yaml",
    "JaVaScRiPt:x/other.flow.yaml",
    "data:text/html,x/other.flow.yaml",
]


@pytest.mark.parametrize("path", HOSTILE_PATHS)
def test_no_link_carries_a_scheme(tmp_path: Path, path: str) -> None:
    main_flow = "flow: main\nstart: t\nblocks:\n  t: {type: transfer-to-flow, flow: other, "
    main_flow += "next: {error: d}}\n  d: {type: disconnect}\n"
    proj = _project(tmp_path / "p", {
        "main.flow.yaml": main_flow,
        path: "flow: other\nstart: d\nblocks:\n  d: {type: disconnect}\n",
        "s.scenario.yaml": "scenario: s\ncontact: {channel: VOICE}\ncases:\n  c: {flow: main}\n",
    })  # fmt: skip
    outputs = []
    for fmt in ("dot", "mermaid"):
        code, out, err = _cli(["graph", str(proj / "main.flow.yaml"), "--format", fmt])
        assert code == 0, err
        outputs.append(out)
    assert 'click f0 href "' in outputs[1]
    if shutil.which("dot"):
        svg = tmp_path / "main.svg"
        assert _cli(["graph", str(proj / "main.flow.yaml"), "-o", str(svg)])[0] == 0
        outputs.append(svg.read_text(encoding="utf-8"))
    report = run_suite([str(proj)], coverage=True)
    outputs.append(render_html(report, load_projects([str(proj)])))
    for text in outputs:
        links = _hrefs(text) + re.findall(r'click \w+ href "([^"]*)"', text)
        links = [link for link in links if link != "data:,"]  # the page's own empty icon
        assert links
        for link in links:
            assert urlsplit(link).scheme == "", link
            assert "javascript:" not in link.lower() and "data:" not in link.lower()


def test_safe_href_is_a_relative_reference() -> None:
    assert safe_href("javascript:alert(1)") == "javascript%3Aalert(1)"
    assert safe_href("../a b/x.flow.yaml") == "../a%20b/x.flow.yaml"
    assert safe_href("after-hours.flow.yaml") == "after-hours.flow.yaml"
    assert safe_href("#flow-x y") == "#flow-x%20y"
    assert safe_href("#a#b") == "#a%23b"
    assert safe_href("/etc/passwd") is None and safe_href("//evil.example/x") is None
    assert safe_href("\\\\evil\\x") is None and safe_href("") is None and safe_href(None) is None
    assert safe_href("a\x00b\u2028c\ud800") == "a%00b%E2%80%A8c%3F"


def test_suite_text_github_and_mermaid_of_hostile_names(tmp_path: Path) -> None:
    proj = _project(
        tmp_path / "p", {"main.flow.yaml": HOSTILE_FLOW, "s.scenario.yaml": HOSTILE_SCENARIO}
    )
    report = run_suite([str(proj)])
    text = render_text(report)
    assert not RAW.search(text)
    github = render_github(suite_diagnostics(report, load_projects([str(proj)])))
    assert len(github.splitlines()) == 3 and not RAW.search(github)
    mermaid = to_mermaid(build(load_project(proj).compile(strict=False).flows["m\x1b[2Jain"]))
    assert not RAW.search(mermaid)
