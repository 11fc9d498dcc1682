"""`flowrt replay --html FILE` (issue 16, point 3): the replay report as an HTML page, with the
changed routes drawn on the flow, checked by its content and in a real headless Chromium (the
browser of tests/test_html_report.py).

The change is the one of tests/test_replay.py: gold customers go through the open-cases check
instead of straight to the Premium queue, which moves the routes of the example project's three
gold callers.
"""

from __future__ import annotations

import html
import os
import re
import shutil
from pathlib import Path

import pytest

from flowrt.cli import main
from flowrt.project.driver import load_project
from flowrt.reports import html as html_report
from flowrt.reports.graph import build, to_dot
from flowrt.reports.replay_html import union
from tests.test_html_report import Browser, needs_browser
from tests.test_html_report import browser as browser  # the module's Chromium fixture

ROOT = Path(__file__).resolve().parent.parent
FLOWS = ROOT / "flows"
GOLD_CALLERS = [  # in the order the log holds them
    "a6bad384-5bb1-5a38-945b-868e9fb08650",
    "ffff0891-54fe-5932-8945-02a7e51b229a",
    "643ff718-81fd-5de1-93e6-04ead975f39a",
]
#: The edges the three moved contacts take by other numbers before and after the change:
#: (from, branch as drawn, to, before, after), the rows of the page's table.
MOVED_EDGES = [
    ("basic-queue", "Success", "staffing", 0, 2),
    ("busy-check", 'when $.Attributes.tier == "gold" and $.Metrics.Agents.Available.Count > 0',
     "to-queue", 2, 0),
    ("check-cases", "No match", "menu", 0, 3),
    ("check-tier", "equals gold", "check-cases", 0, 3),
    ("check-tier", "equals gold", "premium-queue", 3, 0),
    ("goodbye", "Success", "hang-up", 1, 2),
    ("menu", "Timeout", "basic-queue", 0, 3),
    ("metrics", "Success", "busy-check", 2, 0),
    ("overflow", "Success", "goodbye", 1, 2),
    ("overflow-announce", "Success", "overflow", 1, 2),
    ("premium-queue", "Error", "basic-queue", 1, 0),
    ("premium-queue", "Success", "staffing", 2, 0),
    ("staffing", "False", "overflow-announce", 0, 2),
    ("staffing", "True", "metrics", 2, 0),
    ("to-queue", "At capacity", "overflow-announce", 1, 0),
    ("to-queue", "Success", "queued", 1, 0),
]  # fmt: skip


def _changed_copy(tmp: Path) -> Path:
    copy = tmp / "changed"
    shutil.copytree(FLOWS, copy, ignore=shutil.ignore_patterns("__goldens__"))
    flow = copy / "inbound-support.flow.yaml"
    text = flow.read_text(encoding="utf-8")
    new = text.replace("      - equals: gold\n        next: premium-queue",
                       "      - equals: gold\n        next: check-cases")  # fmt: skip
    assert new != text
    flow.write_text(new, encoding="utf-8")
    return copy


@pytest.fixture(scope="module")
def page_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import contextlib
    import io

    base = tmp_path_factory.mktemp("replay-html")
    logs = base / "week.jsonl"
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["run", str(FLOWS), "--format", "connect-logs"]) == 0
    logs.write_text(buf.getvalue(), encoding="utf-8")
    changed = _changed_copy(base)
    out = base / "replay.html"
    with contextlib.redirect_stdout(io.StringIO()):
        code = main(["replay", str(logs), "--project", str(FLOWS), "--against", str(changed),
                     "--html", str(out)])  # fmt: skip
    assert code == 0
    return out


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment.replace("<br>", " "))).strip()


def test_page_summary_and_impact_groups(page_file: Path) -> None:
    page = page_file.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert (
        "<title>flowrt replay report: 32 contact(s): 32 identical (100.0%), 3 change (9.38%)"
        "</title>"
    ) in page
    cards = re.findall(r'<div class="card (\w+)"><b>([^<]*)</b>([^<]*)</div>', page)
    assert cards == [
        ("pass", "32", "contacts"),
        ("pass", "100.0%", "identical"),
        ("pass", "0", "diverged"),
        ("pass", "0", "not replayable"),
        ("warn", "9.38%", "change"),
    ]
    impact = page.split('<section id="impact">', 1)[1].split("</section>", 1)[0]
    assert (
        "<b>3 of 32</b> contact(s) change (9.38%); 3 reach a block the log holds no answer"
        in impact
    )
    rows = re.findall(r'<tr class="change ([\w-]+)">(.*?)</tr>', impact, re.S)
    cells = [(aspect, [_text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)])
             for aspect, row in rows]  # fmt: skip
    assert [(a, c[0], c[1]) for a, c in cells] == [
        ("route", "3", "9.38%"),
        ("outcome", "1", "3.12%"),
        ("prompts", "1", "3.12%"),
        ("prompts", "1", "3.12%"),
        ("prompts", "1", "3.12%"),
        ("queue", "1", "3.12%"),
    ]
    route = cells[0][1]
    assert route[2].startswith(
        "route: inbound-support: `check-tier` took `condition-1`: `premium-queue` -> "
        "`check-cases` no recorded answer: menu: no input given for visit 1 of `menu`: timeout"
    )
    assert route[3] == ", ".join(GOLD_CALLERS)
    assert cells[5][1][2].startswith("queue: Premium -> (none)")
    assert cells[5][1][3] == GOLD_CALLERS[2]


def test_page_lists_the_moved_edges_with_counts(page_file: Path) -> None:
    page = page_file.read_text(encoding="utf-8")
    body = page.split('<tbody id="moved-edges">', 1)[1].split("</tbody>", 1)[0]
    rows = [[_text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)]
            for r in re.findall(r"<tr>(.*?)</tr>", body, re.S)]  # fmt: skip
    assert all(r[0] == "inbound-support" for r in rows)
    assert [(r[1], r[2], r[3], int(r[4]), int(r[5])) for r in rows] == MOVED_EDGES


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_the_diagram_highlights_edges_before_and_after(page_file: Path) -> None:
    page = page_file.read_text(encoding="utf-8")
    routes = page.split('<section id="routes">', 1)[1]
    assert routes.count('<figure class="diagram">') == 1 and routes.count("<svg") == 1
    assert '<div id="routes-inbound-support"><figure class="diagram">' in routes
    drawn = []
    for m in re.finditer(r'<g id="d\d+&#45;e\d+" class="([^"]*)">(.*?)</g>', routes, re.S):
        label = " ".join(html.unescape(t) for t in re.findall(r"<text[^>]*>(.*?)</text>", m[2]))
        stroke = re.search(r'<path[^>]*stroke="([^"]+)"', m[2])
        drawn.append((label, m[1], stroke[1] if stroke else None))
    edges = {label: (cls, stroke) for label, cls, stroke in drawn}
    assert edges["equals gold (before 3)"] == ("edge branch changed before removed", "#dc6803")
    assert edges["equals gold (after 3)"] == ("edge branch changed after added", "#1570ef")
    assert edges["Timeout (after 3)"] == ("edge branch changed after", "#1570ef")
    assert edges["True (before 2)"] == ("edge branch changed before", "#dc6803")
    assert edges["Success (before 1, after 2)"] == ("edge branch changed both", "#7a5af8")
    assert edges["In hours (3 before and after)"] == ("edge branch changed same", "#344054")
    # One highlighted edge per row of the table, in the colour of its side.
    kinds = [cls.split()[3] for _, cls, _ in drawn if "changed" in cls and "same" not in cls]
    expected = ["before" if not a else "after" if not b else "both" for *_, b, a in MOVED_EDGES]
    assert sorted(kinds) == sorted(expected)
    assert (kinds.count("before"), kinds.count("after"), kinds.count("both")) == (8, 5, 3)
    assert "moved contacts: 3 before (orange), 3 after (blue)" in routes


def test_union_of_two_versions_marks_what_one_has_only(tmp_path: Path) -> None:
    old = load_project(FLOWS).compile(strict=False).flows["inbound-support"]
    new = load_project(_changed_copy(tmp_path)).compile(strict=False).flows["inbound-support"]
    graph, overlay = union(build(old), build(new))
    assert overlay.removed == {("check-tier", "condition-1", "premium-queue")}
    assert overlay.added == {("check-tier", "condition-1", "check-cases")}
    assert len(graph.edges) == len(build(new).edges) + 1
    overlay.changes[("check-tier", "condition-1", "premium-queue")] = (3, 0)
    dot = to_dot(graph, overlay)
    assert 'label="equals gold (before 3)", branch="condition-1"' in dot
    assert 'label="equals gold (new)", branch="condition-1"' in dot


def test_without_graphviz_the_page_says_it_in_mermaid(
    page_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(html_report, "dot_available", lambda: False)
    out = tmp_path / "mermaid.html"
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):
        main(["replay", str(page_file.parent / "week.jsonl"), "--project", str(FLOWS),
              "--against", str(page_file.parent / "changed"), "--html", str(out)])  # fmt: skip
    page = out.read_text(encoding="utf-8")
    routes = html.unescape(page.split('<section id="routes">', 1)[1])
    assert "<svg" not in routes and "<pre>flowchart TD" in routes
    assert '|"equals gold (before 3)"|' in routes and '|"equals gold (after 3)"|' in routes
    assert "stroke:#dc6803,stroke-width:3px,color:#dc6803" in routes


def test_page_is_self_contained_and_deterministic(page_file: Path, tmp_path: Path) -> None:
    page = page_file.read_text(encoding="utf-8")
    assert "<script" not in page and "url(" not in page
    links = set(re.findall(r'href="([^"]*)"', page))
    ids = set(re.findall(r' id="([^"]+)"', page))
    assert links >= {"#fidelity", "#impact", "#routes"}
    assert all(link[1:] in ids for link in links if link.startswith("#") and len(link) > 1)
    again = tmp_path / "again.html"
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):
        main(["replay", str(page_file.parent / "week.jsonl"), "--project", str(FLOWS),
              "--against", str(page_file.parent / "changed"), "--html", str(again)])  # fmt: skip
    assert again.read_bytes() == page_file.read_bytes()


def test_html_over_a_flow_file_is_refused(
    page_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "x.flow.yaml"
    target.write_text("keep me\n")
    code = main(["replay", str(page_file.parent / "week.jsonl"), "--project", str(FLOWS),
                 "--html", str(target)])  # fmt: skip
    assert code == 2
    assert capsys.readouterr().err.startswith(f"flowrt replay: {target}")
    assert target.read_text() == "keep me\n"


@needs_browser
def test_the_page_in_a_browser(browser: Browser, page_file: Path, tmp_path: Path) -> None:
    browser.open(page_file.as_uri())
    assert browser.problems() == []
    assert [u for u in browser.requests() if not u.startswith(("file:", "data:"))] == []
    assert browser.evaluate("document.title") == (
        "flowrt replay report: 32 contact(s): 32 identical (100.0%), 3 change (9.38%)"
    )
    top = browser.evaluate(
        "document.getElementById('routes').scrollIntoView(); "
        "document.getElementById('routes').getBoundingClientRect().top"
    )
    assert abs(top) < 5
    shots = Path(os.environ.get("FLOWRT_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    browser.screenshot(shots / "flowrt-replay-routes.png")
    # The diagram is laid out with a size, and the moved edges are drawn in their colours.
    width, height = browser.evaluate(
        "(r => [r.width, r.height])(document.querySelector('#routes svg').getBoundingClientRect())"
    )
    assert width > 300 and height > 300
    colours = browser.evaluate(
        """[...document.querySelectorAll('#routes g.edge.changed')].map(g =>
             [g.getAttribute('class'), getComputedStyle(g.querySelector('path')).stroke,
              getComputedStyle(g.querySelector('path')).strokeWidth])"""
    )
    by_class: dict[str, set[tuple[str, str]]] = {}
    for cls, stroke, width_px in colours:
        kind = cls.split("changed ", 1)[1].split()[0]
        by_class.setdefault(kind, set()).add((stroke, width_px))
    assert by_class["before"] == {("rgb(220, 104, 3)", "2.5px")}
    assert by_class["after"] == {("rgb(21, 112, 239)", "2.5px")}
    assert by_class["both"] == {("rgb(122, 90, 248)", "2.5px")}
    visible = browser.evaluate(
        """[...document.querySelectorAll('#routes g.edge.changed text')].filter(t => {
             const r = t.getBoundingClientRect(); return r.width > 5 && r.height > 5;
           }).length"""
    )
    assert visible >= 25
    rows = browser.evaluate("document.querySelectorAll('#moved-edges tr').length")
    assert rows == len(MOVED_EDGES)
    assert browser.problems() == []


def test_fidelity_only_page_lists_the_causes(page_file: Path, tmp_path: Path) -> None:
    """Without --against: the fidelity section with each cause, no impact and no routes."""
    import contextlib
    import io

    out = tmp_path / "fidelity.html"
    with contextlib.redirect_stdout(io.StringIO()):
        code = main(["replay", str(page_file.parent / "week.jsonl"), "--project",
                     str(page_file.parent / "changed"), "--html", str(out)])  # fmt: skip
    assert code == 1
    page = out.read_text(encoding="utf-8")
    assert "<title>flowrt replay report: 32 contact(s): 29 identical (90.62%)</title>" in page
    assert '<section id="impact">' not in page and '<section id="routes">' not in page
    fidelity = page.split('<section id="fidelity">', 1)[1].split("</section>", 1)[0]
    rows = [[_text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)]
            for r in re.findall(r"<tr>(.*?)</tr>", fidelity, re.S)]  # fmt: skip
    rows = [r for r in rows if r]  # the header row has <th> cells
    assert len(rows) == 1
    count, pct, cause, examples = rows[0]
    assert (count, pct) == ("3", "9.38%")
    assert cause == (
        "check-contact-attributes `check-tier` took `condition-1`: a different block "
        "flowrt next: check-cases (CheckAttribute) in inbound-support; "
        "Connect next: premium-queue (SetQueue) in inbound-support"
    )
    assert examples == ", ".join(GOLD_CALLERS)
