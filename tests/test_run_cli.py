"""Tests for scenario files (diagnostics), `flowrt run` and properties of runs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flowrt.cli import main
from flowrt.project.driver import load_project
from flowrt.run.interpreter import OUTCOME_KINDS

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "flows"

SCENARIO_OK = """
scenario: sample
flow: inbound-support
contact: {customer-endpoint: "+15555550100", system-endpoint: "+18005550111"}
world:
  clock: "2026-11-23T09:00:00-05:00"
  lambdas: {customer-lookup: {"1": {returns: {tier: gold}}}}
  queues: {Premium: {agents: {online: 1, available: 1, staffed: 1}}}
cases:
  gold: {}
  closed:
    world: {clock: "2026-11-22T21:00:00-05:00"}
"""


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    shutil.copytree(EXAMPLES, root, ignore=shutil.ignore_patterns("scenarios"))
    return root


def codes(root: Path, text: str) -> list[tuple[str, int, str]]:
    (root / "x.scenario.yaml").write_text(text)
    prog = load_project(str(root)).compile(strict=False)
    return [
        (d.code, d.span.line if d.span else 0, d.message) for d in prog.diagnostics if d.is_error
    ]


def test_valid_scenario_has_no_diagnostics(project: Path) -> None:
    assert codes(project, SCENARIO_OK) == []


@pytest.mark.parametrize(
    ("text", "code", "line", "words"),
    [
        ("cases: {b: {flow: nope}}\n", "FR100", 3, "unknown flow `nope`"),
        ("world: {queues: {Premiun: {}}}\n", "FR101", 3, "did you mean `Premium`"),
        ("world: {input: {mneu: ['1']}}\n", "FR102", 3, "did you mean `menu`"),
        ("world: {lambdas: {other-fn: {'1': {error: X}}}}\n", "FR103", 3, "never calls"),
        ("world: {queues: {Premium: {contacts-in-queue: many}}}\n", "FR011", 3, "must be"),
        ("contact: {attributes: {big: '" + "x" * 33_000 + "'}}\n", "FR104", 3, "32,768"),
        (
            "world: {lambdas: {customer-lookup: {'1': {returns: {}, error: X}}}}\n",
            "FR106",
            3,
            "exactly one",
        ),
        ("world: {agent-queues: {jdo: {}}}\n", "FR108", 3, "did you mean `jdoe`"),
    ],
)
def test_bad_scenarios_get_positioned_diagnostics(
    project: Path, text: str, code: str, line: int, words: str
) -> None:
    cases = "" if text.startswith("cases") else "cases: {a: {}}\n"
    found = codes(project, "scenario: s\nflow: inbound-support\n" + text + cases)
    assert any(c == code and ln == line and words in m for c, ln, m in found), found


def test_bad_attribute_key_is_reported(project: Path) -> None:
    found = codes(
        project,
        "scenario: s\nflow: inbound-support\n"
        "contact: {attributes: {'bad key': x}}\ncases: {a: {}}\n",
    )
    assert found and found[0][1] == 3


def test_validate_reports_scenario_errors(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "x.scenario.yaml").write_text("scenario: s\nflow: nope\ncases: {a: {}}\n")
    monkeypatch.chdir(project)
    assert main(["validate"]) == 1
    assert "FR100" in capsys.readouterr().out


def test_run_project_one_line_per_case(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "x.scenario.yaml").write_text(SCENARIO_OK)
    monkeypatch.chdir(project.parent)
    assert main(["run", "proj"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "ok   x.scenario.yaml::gold  queued in Premium",
        "ok   x.scenario.yaml::closed  transferred to flow after-hours, then disconnected",
        "2 case(s) run: 2 completed, 0 failed",
    ]


def test_run_project_with_errors_exits_1(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "x.scenario.yaml").write_text("scenario: s\nflow: nope\ncases: {a: {}}\n")
    assert main(["run", str(project)]) == 1
    assert "FR100" in capsys.readouterr().out


def test_run_flow_with_scenario_and_case(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "x.scenario.yaml").write_text(SCENARIO_OK)
    monkeypatch.chdir(project)
    assert main(["run", "inbound-support", "--scenario", "x.scenario.yaml", "--case", "gold"]) == 0
    out = capsys.readouterr().out
    assert "outcome: queued in Premium" in out
    assert "check-tier (check-contact-attributes) -> condition-1 [equals gold]" in out


def test_run_json_is_byte_identical(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "x.scenario.yaml").write_text(SCENARIO_OK)
    monkeypatch.chdir(project)
    args = ["run", "inbound-support.flow.yaml", "--scenario", "x.scenario.yaml", "--format", "json"]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert main(args) == 0
    assert capsys.readouterr().out == first
    data = json.loads(first)
    assert [r["outcome"]["kind"] for r in data["runs"]] == ["queued", "disconnected"]
    assert str(project) not in first


def test_run_inline_contact(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    code = main(["run", "checks-absent"])
    assert code == 2
    assert main(["run", "after-hours", "--attr", "tier=gold", "--channel", "VOICE"]) == 0
    assert "outcome: disconnected" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "inbound-support", "--scenario", "x.scenario.yaml", "--case", "gld"],
        ["run", "inbound-support", "--attr", "novalue"],
        ["run", "inbound-support", "--max-steps", "0"],
        ["run", "--case", "gold"],
    ],
)
def test_run_usage_errors_exit_2(
    project: Path, argv: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "x.scenario.yaml").write_text(SCENARIO_OK)
    monkeypatch.chdir(project)
    try:
        code = main(argv)
    except SystemExit as exc:
        code = int(exc.code or 0)
    assert code == 2


def test_run_step_limit_exits_1(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "x.scenario.yaml").write_text(SCENARIO_OK)
    monkeypatch.chdir(project)
    assert (
        main(["run", "inbound-support", "--scenario", "x.scenario.yaml", "--max-steps", "3"]) == 1
    )
    assert "FR107" in capsys.readouterr().out


def test_example_project_runs_clean(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(EXAMPLES)]) == 0
    assert "0 failed" in capsys.readouterr().out.splitlines()[-1]


# -- properties ----------------------------------------------------------------------------------

_PROGRAM = load_project(str(EXAMPLES)).compile()
_counts = st.integers(min_value=0, max_value=300)
_queue = st.fixed_dictionaries(
    {
        "contacts-in-queue": _counts,
        "oldest-contact-age": st.integers(0, 2000),
        "agents": st.fixed_dictionaries(
            {"online": _counts, "available": _counts, "staffed": _counts}
        ),
    },
    optional={"answer-after": st.integers(0, 900)},
)
_worlds = st.fixed_dictionaries(
    {},
    optional={
        "clock": st.datetimes(
            min_value=__import__("datetime").datetime(2026, 1, 1),
            max_value=__import__("datetime").datetime(2027, 1, 1),
        ).map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S+00:00")),
        "queues": st.dictionaries(st.sampled_from(["BasicQueue", "Premium", "Overflow"]), _queue),
        "external": st.fixed_dictionaries(
            {
                "+18005550123": st.sampled_from(
                    ["answered", "call-failed", "timeout", "never-returns", "error"]
                )
            }
        ),
        "lambdas": st.fixed_dictionaries(
            {
                "customer-lookup": st.fixed_dictionaries(
                    {
                        "1": st.one_of(
                            st.fixed_dictionaries(
                                {
                                    "returns": st.dictionaries(
                                        st.sampled_from(
                                            ["tier", "firstName", "openCases", "lastAgent"]
                                        ),
                                        st.sampled_from(
                                            ["gold", "silver", "none", "3", "jdoe", "", "x y"]
                                        ),
                                    )
                                }
                            ),
                            st.fixed_dictionaries({"error": st.just("Timeout")}),
                        )
                    }
                )
            }
        ),
        "input": st.fixed_dictionaries(
            {"menu": st.lists(st.sampled_from(["1", "2", "3", "9", "timeout"]))}
        ),
        "errors": st.lists(st.sampled_from(["menu", "hours", "staffing", "to-queue", "lookup"])),
    },
)
_contacts = st.fixed_dictionaries(
    {
        "channel": st.sampled_from(["VOICE", "CHAT", "TASK", "EMAIL"]),
        "attributes": st.dictionaries(
            st.from_regex(r"[A-Za-z0-9_-]{1,8}", fullmatch=True), st.text(max_size=20), max_size=4
        ),
    },
    optional={"customer-endpoint": st.sampled_from(["+15555550100", "a@example.com"])},
)


@given(world=_worlds, contact=_contacts, flow=st.sampled_from(sorted(_PROGRAM.flows)))
def test_random_runs_reach_a_known_outcome_deterministically(
    world: dict[str, object], contact: dict[str, object], flow: str
) -> None:
    first = _PROGRAM.run(contact, world, flow=flow, max_steps=200)
    assert first.outcome.kind in OUTCOME_KINDS
    assert first.outcome.kind != "error" or "internal error" not in (first.outcome.reason or "")
    again = _PROGRAM.run(contact, world, flow=flow, max_steps=200)
    assert json.dumps(first.as_json(), sort_keys=True) == json.dumps(
        again.as_json(), sort_keys=True
    )


def test_example_scenarios_take_every_connected_branch() -> None:
    from flowrt.cli.run import run_project

    report = run_project(str(EXAMPLES))
    assert report.results and not report.failed
    taken = {
        (cf.name, node.name, br)
        for r in report.results
        for cf, node, br, _, _ in r.result.trace.records
    }
    missing = [
        (f.name, n.name, b)
        for f in _PROGRAM.flows.values()
        for n in f.nodes
        for b, t in n.targets.items()
        if t is not None and (f.name, n.name, b) not in taken
    ]
    assert missing == []
