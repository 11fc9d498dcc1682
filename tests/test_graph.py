"""`flowrt graph`: every branch of every example flow is a labelled edge; paths equal traces."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from flowrt.cli import main
from flowrt.lang.compiler import CompiledFlow, Program
from flowrt.project.driver import load_project
from flowrt.reports.graph import (
    branch_display,
    build,
    coverage_counts,
    coverage_overlay,
    path_overlay,
    render,
    to_dot,
    to_mermaid,
)
from flowrt.scenario.model import cases_of

ROOT = Path(__file__).resolve().parent.parent
FLOWS = ROOT / "flows"
SCENARIO = FLOWS / "scenarios" / "inbound-support.scenario.yaml"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None and not IN_CI,
    reason="Graphviz `dot` is not installed (CI installs it: .ci/run)",
)

EDGE = re.compile(r'^  "((?:[^"\\]|\\.)*)" -> "((?:[^"\\]|\\.)*)" \[(.*)\];$')
ATTR = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), text)


def parse_dot_edges(dot: str) -> list[dict[str, str]]:
    """The edges of flowrt's DOT output: tail, head and every attribute, unescaped."""
    edges = []
    for line in dot.splitlines():
        m = EDGE.match(line)
        if m:
            attrs = {k: _unquote(v) for k, v in ATTR.findall(m.group(3))}
            edges.append({"tail": _unquote(m.group(1)), "head": _unquote(m.group(2)), **attrs})
    return edges


@pytest.fixture(scope="module")
def program() -> Program:
    return load_project(FLOWS).compile()


def expected_branches(flow: CompiledFlow) -> set[tuple[str, str, str, str]]:
    """(block, branch, label, target) for every branch of every block of a compiled flow."""
    out = set()
    for node in flow.nodes:
        for branch in node.block.all_branches():
            target = node.targets[branch]
            head = flow.nodes[target].name if target is not None else "(not connected)"
            out.add((node.name, branch, branch_display(node, branch), head))
    return out


def dot_branches(dot: str) -> set[tuple[str, str, str, str]]:
    out = set()
    for e in parse_dot_edges(dot):
        if "branch" in e and e["class"].split()[0] in ("branch", "unconnected"):
            head = "(not connected)" if e["head"].startswith(":unconnected:") else e["head"]
            out.add((e["tail"], e["branch"], " ".join(e["label"].split("\n")), head))
    return out


def test_every_branch_of_every_example_flow_is_a_labelled_edge(program: Program) -> None:
    assert len(program.flows) >= 8
    for flow in program.flows.values():
        dot = to_dot(build(flow))
        expected = expected_branches(flow)
        assert expected, flow.name
        assert dot_branches(dot) == expected, flow.name
        edges = parse_dot_edges(dot)
        assert sum("branch" in e for e in edges) == len(expected), flow.name


def test_labels_read_like_connect(program: Program) -> None:
    flow = program.flows["inbound-support"]
    labels = {(b, br): lab for b, br, lab, _ in dot_branches(to_dot(build(flow)))}
    assert labels[("to-queue", "success")] == "Success"
    assert labels[("to-queue", "at-capacity")] == "At capacity"
    assert labels[("overflow", "call-failed")] == "Call failed"
    assert labels[("overflow", "timeout")] == "Timeout"
    assert labels[("check-tier", "no-match")] == "No match"
    assert labels[("check-tier", "error")] == "Error"
    assert labels[("check-tier", "condition-1")] == "equals gold"
    assert labels[("check-tier", "condition-2")] == "text-starts-with silver"
    assert labels[("set-voice", "NoMatchingError")] == "NoMatchingError"


def test_start_terminals_and_flow_links(program: Program) -> None:
    graph = build(program.flows["inbound-support"], link=lambda f: f"{f}.flow.yaml")
    dot = to_dot(graph)
    assert '":start" -> "enable-logging"' in dot
    assert re.search(r'"hang-up" \[[^\]]*shape="octagon"', dot)
    assert re.search(r'"queued" \[[^\]]*shape="octagon"', dot)
    link = next(n for n in graph.nodes if n.kind == "flow")
    assert (link.label, link.href) == ("flow after-hours", "after-hours.flow.yaml")
    transfer = [e for e in parse_dot_edges(dot) if e["class"] == "transfer"]
    assert [(e["tail"], e["head"], e["label"]) for e in transfer] == [
        ("to-after-hours", ":flow:after-hours", "transfer")
    ]
    assert 'href="after-hours.flow.yaml"' in dot


def test_unconnected_branch_is_a_stub(tmp_path: Path) -> None:
    (tmp_path / "instance.yaml").write_text("instance: t\n")
    (tmp_path / "a.flow.yaml").write_text(
        "flow: a\nstart: hi\nblocks:\n"
        "  hi: {type: play-prompt, text: Hi, next: bye}\n"
        "  bye: {type: disconnect}\n"
    )
    prog = load_project(tmp_path).compile()
    dot = to_dot(build(prog.flows["a"]))
    assert dot_branches(dot) == {
        ("hi", "success", "Success", "bye"),
        ("hi", "error", "Error", "(not connected)"),
    }


MERMAID_AFTER_HOURS = """\
flowchart TD
  %% after-hours (contact flow)
  start(("start"))
  b0["closed<br/>play-prompt"]
  b1(["hang-up<br/>disconnect"])
  start --> b0
  b0 -->|"Success"| b1
  b0 -->|"Error"| b1
  classDef start fill:#344054,color:#fff,stroke:#344054
  classDef terminal fill:#fee4e2,stroke:#b42318
  class start start
  class b1 terminal
"""

MERMAID_AFTER_HOURS_PATH = """\
flowchart TD
  %% after-hours (contact flow) - path of a run
  start(("start"))
  b0["closed<br/>play-prompt"]
  b1(["hang-up<br/>disconnect"])
  start --> b0
  b0 -->|"Success (step 9)"| b1
  b0 -->|"Error"| b1
  classDef start fill:#344054,color:#fff,stroke:#344054
  classDef terminal fill:#fee4e2,stroke:#b42318
  classDef visited stroke:#d92d20,stroke-width:3px
  class start start
  class b1 terminal
  class b0,b1 visited
  linkStyle 1 stroke:#d92d20,stroke-width:3px,color:#d92d20
"""


def test_mermaid_is_exact_for_a_small_flow(program: Program) -> None:
    assert to_mermaid(build(program.flows["after-hours"])) == MERMAID_AFTER_HOURS


def test_mermaid_escapes_what_mermaid_reads(tmp_path: Path) -> None:
    (tmp_path / "instance.yaml").write_text("instance: t\n")
    (tmp_path / "a.flow.yaml").write_text(
        "flow: a\nstart: 'say \"hi\" #1'\nblocks:\n"
        "  'say \"hi\" #1': {type: play-prompt, text: Hi, next: check}\n"
        "  check:\n    type: check-contact-attributes\n    conditions:\n"
        "      - {when: '$.Attributes.n > 2 and $.Attributes.t == \"a|b\"', next: bye}\n"
        "    next: bye\n"
        "  bye: {type: disconnect}\n"
    )
    prog = load_project(tmp_path).compile()
    text = to_mermaid(build(prog.flows["a"]))
    assert 'b0["say #34;hi#34; #35;1<br/>play-prompt"]' in text
    assert 'b1 -->|"when $.Attributes.n #62; 2 and $.Attributes.t == #34;a#124;b#34;"| b2' in text


def _run_steps(program: Program, case: str) -> list[dict[str, Any]]:
    sf = next(
        sf for doc, sf in load_project(FLOWS).scenarios if Path(doc.file).resolve() == SCENARIO
    )
    one = next(c for c in cases_of(sf) if c.case == case)
    result = program.run(one.contact, one.world, flow=one.flow)
    steps: list[dict[str, Any]] = result.trace.steps()
    return steps


def _taken(dot: str) -> list[tuple[int, str, str | None]]:
    out = []
    for e in parse_dot_edges(dot):
        if "taken" in e["class"].split():
            branch = e.get("branch")
            out.extend((int(n), e["tail"], branch) for n in e["steps"].split())
    return sorted(out)


def _trace_path(steps: list[dict[str, Any]], flow: str) -> list[tuple[int, str, str | None]]:
    return [
        (s["step"], s["block"], s["branch"])
        for s in steps
        if s["flow"] == flow and (s["branch"] or s["type"] == "transfer-to-flow")
    ]


@pytest.mark.parametrize(
    "case", ["gold-caller", "gold-premium-full", "after-hours", "menu-no-match", "overflow-error"]
)
def test_highlighted_path_equals_the_trace(program: Program, case: str) -> None:
    steps = _run_steps(program, case)
    for flow in ("inbound-support", "after-hours"):
        graph = build(program.flows[flow])
        dot = to_dot(graph, path_overlay(flow, steps))
        assert _taken(dot) == _trace_path(steps, flow), (case, flow)
        visited = {
            e.split('"')[1]
            for e in dot.splitlines()
            if "visited" in e and e.startswith('  "') and "->" not in e
        }
        assert visited == {s["block"] for s in steps if s["flow"] == flow}, (case, flow)


def test_path_through_a_transfer_marks_the_transfer_edge(program: Program) -> None:
    steps = _run_steps(program, "after-hours")
    dot = to_dot(build(program.flows["inbound-support"]), path_overlay("inbound-support", steps))
    taken = _taken(dot)
    assert taken[-1] == (8, "to-after-hours", None)
    assert (7, "hours", "out-of-hours") in taken


def test_coverage_of_the_example_scenario_is_complete_and_partial_for_one_case(
    program: Program,
) -> None:
    sf = next(
        sf for doc, sf in load_project(FLOWS).scenarios if Path(doc.file).resolve() == SCENARIO
    )
    runs = [program.run(c.contact, c.world, flow=c.flow).trace.steps() for c in cases_of(sf)]
    graph = build(program.flows["inbound-support"])
    done, total = coverage_counts(graph, coverage_overlay("inbound-support", runs))
    assert (done, total) == (total, len(expected_branches(program.flows["inbound-support"])))
    one = coverage_overlay("inbound-support", runs[:1])
    dot = to_dot(graph, one)
    covered = {(e["tail"], e["branch"]) for e in parse_dot_edges(dot) if " covered" in e["class"]}
    uncovered = [e for e in parse_dot_edges(dot) if "uncovered" in e["class"]]
    assert covered == {(b, br) for _, b, br in _trace_path(runs[0], "inbound-support")}
    assert len(covered) + len(uncovered) == total + 1  # + the transfer edge, never taken here
    pct = 100 * len(covered) // total
    assert f"coverage: {len(covered)} of {total} branches ({pct}%) over 1 run(s)" in dot
    assert 5 < len(covered) < total


@needs_dot
def test_every_example_flow_renders_to_svg_with_every_branch_labelled(program: Program) -> None:
    ns = {"svg": "http://www.w3.org/2000/svg"}
    for flow in program.flows.values():
        graph = build(flow)
        dot = to_dot(graph)
        # Graphviz's own parser agrees with ours.
        parsed = json.loads(
            subprocess.run(
                ["dot", "-Tjson"], input=dot.encode(), capture_output=True, check=True
            ).stdout
        )
        names = {o["_gvid"]: o["name"] for o in parsed["objects"]}
        gv = {
            (names[e["tail"]], e["branch"], " ".join(e["label"].split("\\n")))
            for e in parsed["edges"]
            if "branch" in e
        }
        assert gv == {(b, br, lab) for b, br, lab, _ in expected_branches(flow)}, flow.name
        svg = ET.fromstring(render(dot, "svg"))
        labels = {}
        for g in svg.iter("{http://www.w3.org/2000/svg}g"):
            if "edge" in (g.get("class") or "").split():
                texts = [t.text or "" for t in g.findall("svg:g/svg:a/svg:text", ns)] or [
                    t.text or "" for t in g.findall("svg:text", ns)
                ]
                labels[g.get("id")] = " ".join(texts)
        edges = parse_dot_edges(dot)
        for e in edges:
            if "branch" in e:
                assert labels[e["id"]] == " ".join(e["label"].split("\n")), (flow.name, e)


@needs_dot
def test_cli_writes_svg_and_png(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FLOWS)
    svg, png = tmp_path / "ib.svg", tmp_path / "ib.png"
    assert main(["graph", "inbound-support", "-o", str(svg)]) == 0
    assert svg.read_text().lstrip().startswith("<?xml")
    assert "<svg" in svg.read_text()
    assert main(["graph", "inbound-support", "--format", "png", "-o", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    again = tmp_path / "again.svg"
    assert main(["graph", "inbound-support", "-o", str(again)]) == 0
    assert again.read_bytes() == svg.read_bytes()  # deterministic


def test_cli_mermaid_default_and_markdown_fence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(FLOWS)
    assert main(["graph", "after-hours"]) == 0
    assert capsys.readouterr().out == MERMAID_AFTER_HOURS
    md = tmp_path / "ah.md"
    assert main(["graph", "after-hours.flow.yaml", "-o", str(md)]) == 0
    assert md.read_text() == f"```mermaid\n{MERMAID_AFTER_HOURS}```\n"


def test_cli_path_of_a_case(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(FLOWS)
    scenario = "scenarios/inbound-support.scenario.yaml"
    argv = ["graph", "after-hours", "--scenario", scenario, "--case", "after-hours"]
    assert main(argv) == 0
    assert capsys.readouterr().out == MERMAID_AFTER_HOURS_PATH
    assert main([*argv[:-2], "--format", "dot"]) == 2
    err = capsys.readouterr().err
    assert "choose one with --case NAME" in err and "gold-caller" in err
    assert main([*argv[:-1], "gold-caler"]) == 2
    assert "did you mean `gold-caller`" in capsys.readouterr().err


def test_cli_coverage(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(FLOWS)
    assert main(["graph", "customer-queue", "--coverage", "--format", "dot"]) == 0
    out = capsys.readouterr().out
    assert "coverage: 8 of 8 branches (100%)" in out
    assert "uncovered" not in out


def test_missing_graphviz_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(FLOWS)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert main(["graph", "after-hours", "-o", str(tmp_path / "x.svg")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "install Graphviz" in err and "apt-get install graphviz" in err
    assert not (tmp_path / "x.svg").exists()
    assert main(["graph", "after-hours", "--format", "dot"]) == 0  # DOT needs no Graphviz


def test_only_the_flows_own_errors_stop_the_picture(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "p"
    shutil.copytree(FLOWS, root, ignore=shutil.ignore_patterns("scenarios"))
    (root / "broken.flow.yaml").write_text(
        "flow: broken\nstart: x\nblocks: {x: {type: disconnect, next: y}}\n"
    )
    monkeypatch.chdir(root)
    assert main(["graph", "after-hours"]) == 0
    assert capsys.readouterr().out == MERMAID_AFTER_HOURS
    assert main(["graph", "broken"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "broken.flow.yaml:3:32: error[FR010]" in captured.err
