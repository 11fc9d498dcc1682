"""flowrt explore on the world's services: Lex intents, view actions, profile searches, flow
modules and the outbound email policy's recipients are choice points, and each written case
reproduces its path; imported real flows get cases for every reachable branch."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from flowrt.cli import main
from flowrt.explore.cases import case_of, verify
from flowrt.explore.explorer import Options, Report, explore
from flowrt.project.driver import load_project

ROOT = Path(__file__).parent.parent
PHONE = "+15555550100"


@pytest.fixture(scope="module")
def example() -> tuple[Report, object]:
    proj = load_project(ROOT / "flows")
    program = proj.compile()
    return explore(program, ["self-service", "default-outbound"], Options(), proj), program


def _answer(report: Report, branch: tuple[str, str, str], key: tuple[object, ...]) -> object:
    return dict(report.best[branch].answers)[key]


def test_nothing_is_left_unmodelled_and_no_false_error(example: tuple[Report, object]) -> None:
    report, _ = example
    assert report.unmodelled == []
    assert report.unreachable == []
    # The module runs with explore's answers: no path ends in an error at `lookup` (FR711).
    assert report.violations == {}
    assert [d.code for d in report.diagnostics] == []


@pytest.mark.parametrize(
    ("branch", "intent"),
    [
        ("condition-1", "Billing"),
        ("condition-2", "FallbackIntent"),
        ("no-match", "OtherIntent"),  # an intent no condition tests
        ("error", "error"),
    ],
)
def test_each_lex_intent_the_flow_tests(
    example: tuple[Report, object], branch: str, intent: str
) -> None:
    report, _ = example
    assert _answer(report, ("self-service", "ask", branch), ("lex", "ask", 1)) == intent


@pytest.mark.parametrize(
    ("branch", "action"),
    [
        ("condition-1", "Next"),
        ("no-match", "OtherAction"),
        ("timeout", "timeout"),
        ("error", "error"),
    ],
)
def test_each_view_action_the_flow_tests(
    example: tuple[Report, object], branch: str, action: str
) -> None:
    report, _ = example
    got = _answer(report, ("self-service", "billing-form", branch), ("view", "billing-form", 1))
    assert got == action


@pytest.mark.parametrize("branch", ["success", "not-found", "multiple-found"])
def test_profile_found_none_or_several(example: tuple[Report, object], branch: str) -> None:
    report, _ = example
    key = ("profiles", (("PhoneNumber", PHONE),))
    assert _answer(report, ("self-service", "profile", branch), key) == (
        "found" if branch == "success" else branch
    )


def test_cases_reproduce_their_paths(example: tuple[Report, object]) -> None:
    report, program = example
    lookup = report.best[("self-service", "lookup", "success")]
    # invoke-module runs the module's blocks, then takes `success`, as the interpreter does.
    assert [s for s in lookup.steps if s[1] == "lookup"] == [
        ("self-service", "lookup", ""),
        ("customer-lookup", "lookup", "error"),
        ("self-service", "lookup", "success"),
    ]
    assert case_of(lookup)["world"]["profiles"] == [{"PhoneNumber": PHONE}]
    several = case_of(report.best[("self-service", "profile", "multiple-found")])
    assert several["world"]["profiles"] == [{"PhoneNumber": PHONE}, {"PhoneNumber": PHONE}]
    assert case_of(report.best[("self-service", "ask", "no-match")])["world"]["lex"] == {
        "ask": [{"intent": "OtherIntent"}, {"intent": "Billing"}]
    }
    assert case_of(report.best[("self-service", "billing-form", "timeout")])["world"]["views"] == {
        "billing-form": ["timeout"]
    }
    approval = case_of(report.best[("default-outbound", "policy", "needs-approval")])
    assert approval["contact"] == {
        "channel": "EMAIL",
        "customer-endpoint": "customer@example.com",
        "email": {
            "to": ["agent@anycompany.example"],
            "cc": ["cc1@anycompany.example", "cc2@anycompany.example"],
        },
    }
    denied = case_of(report.best[("default-outbound", "policy", "denied")])
    assert denied["contact"]["email"] == {"to": ["someone@gmail.com"]}
    assert "email" not in case_of(report.best[("default-outbound", "policy", "error")])["contact"]
    # Every reachable branch's case, run by the real interpreter, takes its path.
    for branch in report.reachable:
        path = report.best[branch]
        assert verify(program, path, case_of(path)), branch  # type: ignore[arg-type]


HOLIDAY = ROOT.parent / "shared" / "connect-flows" / "salesforce-scv" / "Sample Holiday Check"


@pytest.mark.skipif(not HOLIDAY.exists(), reason="the real Connect exports are not beside the repo")
def test_imported_real_flow_cases_reach_every_reachable_branch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(HOLIDAY, src / "holiday.json")
    root = tmp_path / "project"
    root.mkdir()
    assert main(["import", "-o", str(root), str(src / "holiday.json")]) == 0
    capsys.readouterr()
    assert main(["explore", str(root), "--write-cases", str(root / "x.scenario.yaml")]) == 1
    out = capsys.readouterr().out
    assert "branches: 13 of 19 connected branches reachable, 6 not" in out
    proj = load_project(root)
    program = proj.compile()
    report = explore(program, sorted(program.flows), Options(), proj)
    # Checked by hand: set-queue's queue is `$.Attributes.use_queue`, set just before to a queue
    # ARN no instance of the project has, so set-working-queue always takes `error`; with no
    # working queue the hours check (no hours of its own) takes `error` too, and the queue
    # transfer is never reached.
    assert sorted((u.block, u.branch) for u in report.unreachable) == [
        ("check-hours", "in-hours"),
        ("check-hours", "out-of-hours"),
        ("set-queue", "success"),
        ("to-queue", "at-capacity"),
        ("to-queue", "error"),
        ("to-queue", "success"),
    ]
    assert main(["test", str(root), "--update"]) == 0
    capsys.readouterr()
    main(["test", str(root), "--coverage"])
    out = capsys.readouterr().out
    assert "total: blocks 11/12, branches 13/19 (68.4%)" in out
    never = sorted(re.findall(r"/([a-z0-9-]+) (\S+) -> ", out.split("branches never taken:")[1]))
    # The written cases miss exactly the unreachable branches: 100% of the reachable ones.
    assert never == sorted((u.block, u.branch) for u in report.unreachable)
