"""flowrt explore: exact path counts, unreachable branches, written cases, properties, CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from flowrt.cli import main
from flowrt.explore.explorer import Options, Report, explore
from flowrt.project.driver import load_project

ROOT = Path(__file__).parent.parent
ALWAYS = ", ".join(
    f'{d}: "00:00-24:00"'
    for d in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
)
INSTANCE = f"""\
instance: test
hours-of-operation:
  Always:
    time-zone: UTC
    days: {{{ALWAYS}}}
  Office:
    time-zone: Europe/Paris
    days: {{monday: "09:00-17:00"}}
queues:
  Gold: {{max-contacts: 5, hours: Always}}
  Basic: {{max-contacts: 10}}
lambda-functions:
  lookup: {{}}
"""
ROUTE = """\
flow: route
type: contact
start: lookup
blocks:
  lookup:
    type: invoke-lambda
    function: lookup
    next: {success: copy, error: basic}
  copy:
    type: set-contact-attributes
    attributes: {tier: $.External.tier}
    next: tier
  tier:
    type: check-contact-attributes
    attribute: $.Attributes.tier
    conditions:
      - equals: gold
        next: gold
    next: basic
  gold:
    type: set-working-queue
    queue: Gold
    next: open
  open:
    type: check-hours-of-operation
    hours: Always
    next: {in-hours: to-queue, out-of-hours: bye}
  basic:
    type: set-working-queue
    queue: Basic
    next: to-queue
  to-queue:
    type: transfer-to-queue
    next: {success: done, at-capacity: bye}
  done:
    type: end-flow
  bye:
    type: disconnect
"""
#: A menu that repeats on a wrong key: one loop.
MENU = """\
flow: menu
type: contact
start: ask
blocks:
  ask:
    type: get-customer-input
    text: Press 1.
    conditions:
      - equals: "1"
        next: bye
    next: {no-match: ask, timeout: bye}
  bye:
    type: disconnect
"""


def project(tmp_path: Path, **flows: str) -> Path:
    (tmp_path / "instance.yaml").write_text(INSTANCE, encoding="utf-8")
    for name, text in flows.items():
        (tmp_path / f"{name}.flow.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def run(root: Path, flows: list[str] | None = None, **options: Any) -> Report:
    proj = load_project(root)
    program = proj.compile()
    return explore(program, flows or sorted(program.flows), Options(**options), proj)


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["explore", *argv])
    out, err = capsys.readouterr()
    return code, out, err


# ---------------------------------------------------------------------------------------------
# paths and reachability


def test_paths_counted_over_the_graph_and_explored(tmp_path: Path) -> None:
    report = run(project(tmp_path, route=ROUTE), keep_paths=True)
    (fr,) = report.flows
    # lookup: success (copy 12) + error (basic 4); unconnected branches end a path each.
    assert fr.structural == 16
    # Explored: the failed lookup reaches to-queue in the state the no-match path did (nothing
    # ahead reads the lookup's result), so its full queue is not run again: 5 paths.
    assert fr.explored == 5
    assert fr.ends == {"queued": 3, "disconnected": 2}
    assert [[s[1:] for s in p.steps] for p in fr.paths][2] == [
        ("lookup", "success"),
        ("copy", "success"),
        ("tier", "condition-1"),
        ("gold", "success"),
        ("open", "in-hours"),
        ("to-queue", "success"),
        ("done", ""),
    ]


def test_semantic_unreachable_hours_always_open(tmp_path: Path) -> None:
    report = run(project(tmp_path, route=ROUTE))
    assert [(u.flow, u.block, u.branch, u.structural) for u in report.unreachable] == [
        ("route", "open", "out-of-hours", False)
    ]
    (diag,) = [d for d in report.diagnostics if d.code == "FR700"]
    assert diag.message == (
        "branch `out-of-hours` of block `open` (route) -> bye: no world reaches it"
    )
    assert diag.span is not None
    assert (diag.span.line, diag.span.column) == (27, 46)
    assert len(report.reachable) == 10 and len(report.branches) == 11


def test_a_condition_on_a_value_the_path_set_is_unreachable(tmp_path: Path) -> None:
    flow = """\
flow: setthen
type: contact
start: set
blocks:
  set:
    type: set-contact-attributes
    attributes: {tier: silver}
    next: check
  check:
    type: check-contact-attributes
    attribute: $.Attributes.tier
    conditions:
      - equals: gold
        next: a
      - equals: silver
        next: b
    next: c
  a: {type: disconnect}
  b: {type: disconnect}
  c: {type: disconnect}
"""
    report = run(project(tmp_path, setthen=flow))
    assert [(u.block, u.branch) for u in report.unreachable] == [
        ("check", "condition-1"),
        ("check", "no-match"),
    ]
    assert report.flows[0].explored == 1


def test_hours_of_a_zone_give_both_answers(tmp_path: Path) -> None:
    flow = """\
flow: office
type: contact
start: open
blocks:
  open:
    type: check-hours-of-operation
    hours: Office
    next: {in-hours: a, out-of-hours: b}
  a: {type: disconnect}
  b: {type: disconnect}
"""
    report = run(project(tmp_path, office=flow), keep_paths=True)
    assert report.unreachable == []
    clocks = sorted(p.clock for p in report.flows[0].paths)
    # The default clock (Monday 12:00 UTC) is 13:00 in Paris: open; the other is a boundary.
    assert clocks[1] == "2026-01-05T12:00:00+00:00"
    assert len(clocks) == 2


@pytest.mark.parametrize(("loops", "structural", "explored"), [(0, 4, 4), (1, 7, 7), (2, 10, 10)])
def test_loops_bound_the_paths(tmp_path: Path, loops: int, structural: int, explored: int) -> None:
    report = run(project(tmp_path, menu=MENU), loops=loops)
    (fr,) = report.flows
    # Per visit of `ask`: 1 -> bye, timeout -> bye, error (not connected) ends; no-match loops,
    # and the path that would go round once more than K is cut there and counts once.
    assert (fr.structural, fr.explored) == (structural, explored)
    assert fr.ends.get("loop-bound") == 1


def test_structural_count_of_a_200_block_flow_without_enumerating(tmp_path: Path) -> None:
    import sys

    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from gen import INSTANCE as BENCH_INSTANCE
        from gen import flow_text
    finally:
        sys.path.pop(0)
    (tmp_path / "instance.yaml").write_text(BENCH_INSTANCE, encoding="utf-8")
    (tmp_path / "big.flow.yaml").write_text(flow_text("big", 200), encoding="utf-8")
    report = run(tmp_path)
    (fr,) = report.flows
    assert fr.structural > 10**6
    assert fr.complete
    assert report.unreachable == []


def test_an_unknown_world_question_makes_each_connected_branch_a_choice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every block type asks only questions explore answers; a block type added later whose step
    # reads a world answer explore does not give is what the fallback is for.  Call progress,
    # made unknown here, stands for it: its block falls back to its branches (FR702).
    from flowrt.explore import answers, world

    monkeypatch.delitem(answers.ANSWERED, "outbound_call_status")
    monkeypatch.setattr(world, "WORLD_MODELLED", world.WORLD_MODELLED - {"outbound_call_status"})
    flow = """\
flow: nb
type: contact
start: status
blocks:
  status:
    type: check-outbound-call-status
    next: {call-answered: a, voicemail-beep: b, error: c}
  a: {type: disconnect}
  b: {type: disconnect}
  c: {type: disconnect}
"""
    report = run(project(tmp_path, nb=flow))
    assert report.unmodelled == [
        ("nb", "status", "check-outbound-call-status", "world.outbound_call_status")
    ]
    assert report.unreachable == []
    (diag,) = [d for d in report.diagnostics if d.code == "FR702"]
    assert diag.message == (
        "block `status` (check-outbound-call-status) asks the world for something explore does "
        "not model (`world.outbound_call_status`): each of its connected branches is taken as a "
        "choice point, and no case is written for the branches its step did not take"
    )
    assert diag.span is not None
    assert (diag.span.line, diag.span.column) == (5, 3)
    # The default world's answer (CallAnswered) is a real case; the other answer is forced.
    assert report.reachable == [
        ("nb", "status", "call-answered"),
        ("nb", "status", "voicemail-beep"),
        ("nb", "status", "error"),
    ]
    assert report.best[("nb", "status", "call-answered")].forced == ()
    assert report.best[("nb", "status", "voicemail-beep")].forced == ("nb/status",)


# ---------------------------------------------------------------------------------------------
# cases


def test_write_cases_exact_and_rerun_adds_only_new(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path, route=ROUTE)
    target = root / "explored.scenario.yaml"
    code, out, _ = cli(capsys, str(root), "--write-cases", str(target))
    assert code == 1  # FR700: out-of-hours of hours open around the clock
    assert "cases written to" in out and ": 3\n" in out
    from ruamel.yaml import YAML

    data = YAML(typ="safe").load(target.read_text(encoding="utf-8"))
    assert data["cases"] == {
        "route-tier-condition-1": {
            "description": "tier gold, Always open (takes tier condition-1)",
            "flow": "route",
            "world": {
                "lambdas": {"lookup": {"1": {"returns": {"tier": "gold"}}}},
                "queues": {"Gold": {"contacts-in-queue": 0}},
                "clock": "2026-01-05T12:00:00+00:00",
            },
        },
        "route-to-queue-at-capacity": {
            "description": "Basic full (10) (takes to-queue at-capacity)",
            "flow": "route",
            "world": {"queues": {"Basic": {"contacts-in-queue": 10}}},
        },
        "route-lookup-error": {
            "description": "lookup fails (takes lookup error)",
            "flow": "route",
            "world": {
                "lambdas": {"lookup": {"1": {"error": "Timeout"}}},
                "queues": {"Basic": {"contacts-in-queue": 0}},
            },
        },
    }
    before = target.read_text(encoding="utf-8")
    code, out, _ = cli(capsys, str(root), "--write-cases", str(target))
    assert ": 0\n" in out and target.read_text(encoding="utf-8") == before
    # A new branch: a silver tier goes to Basic by its own condition; one case is added.
    (root / "route.flow.yaml").write_text(
        ROUTE.replace(
            "      - equals: gold\n        next: gold\n",
            "      - equals: gold\n        next: gold\n      - equals: silver\n        next: basic\n",
        ),
        encoding="utf-8",
    )
    code, out, _ = cli(capsys, str(root), "--write-cases", str(target))
    data = YAML(typ="safe").load(target.read_text(encoding="utf-8"))
    assert list(data["cases"])[3:] == ["route-tier-condition-2"]
    assert data["cases"]["route-tier-condition-2"]["world"]["lambdas"] == {
        "lookup": {"1": {"returns": {"tier": "silver"}}}
    }
    # The cases are ordinary cases: `flowrt test` pins them and they reach every branch.
    assert main(["test", str(root), "--update"]) == 0
    capsys.readouterr()
    assert main(["test", str(root), "--coverage"]) == 0
    out = capsys.readouterr().out
    assert "branches 11/12" in out
    assert "route/open out-of-hours -> bye" in out


def test_example_project_cases_reach_every_branch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "flows"
    root.mkdir()
    for f in (ROOT / "flows").glob("*.yaml"):
        shutil.copy(f, root / f.name)  # the flows and instance, without the hand-written cases
    code, out, _ = cli(capsys, str(root), "--write-cases", str(root / "x.scenario.yaml"))
    assert code == 0
    assert "branches: 160 of 160 connected branches reachable, 0 not" in out
    assert "cases written to" in out and ": 81\n" in out
    assert "no case for" not in out and "not modelled" not in out
    assert main(["test", str(root), "--update"]) == 0
    capsys.readouterr()
    assert main(["test", str(root), "--coverage"]) == 0
    out = capsys.readouterr().out
    # Every connected branch of the example project, the Lex bot's, the view's, the profiles',
    # the module's and the outbound email policy's included, is taken by a written case.
    assert "total: blocks 78/78, branches 160/160 (100.0%)" in out
    assert "81 passed, 0 failed" in out


# ---------------------------------------------------------------------------------------------
# properties


FALLS = """\
flow: falls
type: contact
start: greet
blocks:
  greet:
    type: play-prompt
    text: Hello and welcome to the line.
    next: {success: q, error: bye}
  q:
    type: set-working-queue
    queue: Basic
    next: to-queue
  to-queue:
    type: transfer-to-queue
    next: {success: done}
  done: {type: end-flow}
  bye: {type: disconnect}
"""


def test_falls_off_with_the_shortest_counterexample(tmp_path: Path) -> None:
    report = run(project(tmp_path, falls=FALLS))
    diag, path = report.violations[("FR710", "falls/to-queue at-capacity")]
    assert diag.message == (
        "a path falls off: branch `at-capacity` of block `to-queue` is not connected, so "
        "Amazon Connect disconnects the contact with nothing said"
    )
    assert diag.span is not None and (diag.span.line, diag.span.column) == (13, 3)
    from flowrt.explore.cases import case_of

    assert case_of(path) == {
        "flow": "falls",
        "world": {"queues": {"Basic": {"contacts-in-queue": 10}}},
    }


def test_max_prompts(tmp_path: Path) -> None:
    report = run(project(tmp_path, falls=FALLS), max_prompts=0)
    diag, path = report.violations[("FR714", "falls")]
    assert diag.message == (
        "1 prompts (about 3 s) before the end; at most 0 are allowed (--max-prompts)"
    )
    # The shortest path over the limit (3 steps): greet, q, then Basic is full.
    assert (path.end, path.fell, len(path.steps)) == ("disconnected", True, 3)


def test_loop_without_prompt_and_no_way_out(tmp_path: Path) -> None:
    flow = """\
flow: spin
type: contact
start: a
blocks:
  a:
    type: set-contact-attributes
    attributes: {n: "1"}
    next: b
  b:
    type: check-contact-attributes
    attribute: $.Attributes.n
    conditions:
      - equals: "2"
        next: out
    next: a
  out: {type: disconnect}
"""
    report = run(project(tmp_path, spin=flow))
    codes = sorted(code for code, _ in report.violations)
    assert codes == ["FR712", "FR713"]
    diag, _ = report.violations[("FR712", "spin/a")]
    assert diag.message == "a loop neither plays a prompt nor takes input: a -> b -> a"
    diag, _ = report.violations[("FR713", "spin/a")]
    assert "every path through it goes round more than --loops 2 times" in diag.message


def test_user_property(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path, route=ROUTE)
    (root / "explore.properties.yaml").write_text(
        "properties:\n"
        "  - name: gold callers never wait in Basic\n"
        "    if: {attribute: tier, equals: gold}\n"
        "    never: {queue: Basic}\n"
        "  - name: nobody waits in Gold\n"
        "    never: {queue: Gold}\n",
        encoding="utf-8",
    )
    code, out, _ = cli(capsys, str(root), "--format", "json")
    assert code == 1
    doc = json.loads(out)
    fr715 = [c for c in doc["counterexamples"] if c["code"] == "FR715"]
    assert [c["subject"] for c in fr715] == ["nobody waits in Gold"]
    assert fr715[0]["case"]["world"]["lambdas"] == {"lookup": {"1": {"returns": {"tier": "gold"}}}}
    assert [s["block"] for s in fr715[0]["steps"]][-2:] == ["to-queue", "done"]


def test_bad_properties_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path, route=ROUTE)
    (root / "explore.properties.yaml").write_text(
        "properties:\n  - name: x\n    never: {queue: Basic, end: queued}\n", encoding="utf-8"
    )
    code, out, err = cli(capsys, str(root))
    assert (code, out) == (1, "")
    assert err.startswith(
        f"{root / 'explore.properties.yaml'}:3:12: error[FR716]: `never:` takes exactly one of "
        "`queue:`, `block:` or `end:`"
    )


# ---------------------------------------------------------------------------------------------
# command line


def test_cli_formats_and_usage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path, route=ROUTE)
    code, out, _ = cli(capsys, str(root), "--format", "sarif")
    sarif = json.loads(out)
    assert code == 1
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["FR700"]
    code, out, _ = cli(capsys, str(root / "route.flow.yaml"), "--format", "json", "--loops", "0")
    doc = json.loads(out)
    assert (doc["command"], doc["loops"], doc["flows"][0]["paths-over-graph"]) == ("explore", 0, 16)
    assert cli(capsys, "nope", "--loops", "1")[0] == 2
    code, _, err = cli(capsys, str(root), "--loops", "99")
    assert (code, err.splitlines()[-1]) == (
        2,
        "flowrt explore: --loops: must be from 0 to 20, not 99",
    )
    for date, shown in (("9999-12-31", "'9999-12-31'"), ("1899-12-31", "'1899-12-31'")):
        code, out, err = cli(capsys, str(root), "--from", date)  # 400 days on: past year 9999
        assert (code, out, err.splitlines()[-1]) == (
            2,
            "",
            "flowrt explore: --from: a date YYYY-MM-DD of the calendar from 1900-01-01 to "
            f"9997-12-31, not {shown}",
        )
    assert cli(capsys, str(root), "--from", "9997-12-31", "--format", "json")[0] in (0, 1)
    code, _, err = cli(capsys, str(root), "--write-cases", "x.yaml")
    assert (code, err) == (
        2,
        "flowrt explore: --write-cases x.yaml: the file must end in .scenario.yaml\n",
    )


def test_docs_show_the_example_projects_real_output(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import re

    doc = (ROOT / "docs" / "explore.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```text\n(explore \(--loops.*?)\n```", doc, re.M | re.S)
    monkeypatch.chdir(ROOT)
    assert cli(capsys, "flows")[1].rstrip("\n") == blocks[0]
    argv = ("flows/after-hours.flow.yaml", "--paths", "--max-prompts", "1")
    assert cli(capsys, *argv)[1].rstrip("\n") == blocks[1]
    argv = ("flows/self-service.flow.yaml", "--from", "2026-12-07")
    assert cli(capsys, *argv)[1].rstrip("\n") == blocks[2]
    assert len(blocks) == 3


def test_flows_with_errors_are_not_explored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = MENU.replace("flow: menu", "flow: broken").replace("next: bye\n", "next: nowhere\n")
    root = project(tmp_path, route=ROUTE, broken=broken)
    code, out, err = cli(capsys, str(root))
    assert code == 1
    assert "error[FR020]" in err
    assert err.endswith("flowrt explore: 1 flow(s) with errors not explored\n")
    assert out.splitlines()[1].startswith("  route  16 paths over the graph, 5 explored")
    assert "broken" not in out


def test_without_a_target_explore_takes_the_project_of_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """As `flowrt run`: from any subdirectory, the project the directory is in."""
    assert main(["init", str(tmp_path / "p")]) == 0
    capsys.readouterr()
    monkeypatch.chdir(tmp_path / "p" / "scenarios")
    assert main(["explore"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "branches: 28 of 28 connected branches reachable, 0 not"
    assert [line.split()[0] for line in out[1:-1]] == [
        "after-hours",
        "agent-whisper",
        "main",
        "queue-hold",
    ]
