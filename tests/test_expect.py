"""Assertions (`expect:`): static diagnostics, evaluation, exact messages."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from flowrt.project.driver import load_project
from flowrt.scenario.evaluation import describe_match, evaluate, value_holds
from flowrt.scenario.expect import Expect, ValueMatch
from flowrt.testing.suite import Suite, run_suite

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "flows"
ASSERTIONS = Path(__file__).resolve().parent / "assertions"

HEAD = """scenario: t
flow: inbound-support
contact: {customer-endpoint: "+15555550100", system-endpoint: "+18005550111"}
world:
  clock: "2026-11-23T09:00:00-05:00"
  lambdas: {customer-lookup: {"1": {returns: {tier: gold, firstName: Ana}}}}
  queues: {Premium: {agents: {online: 1, available: 1, staffed: 1}}}
cases:
"""


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "proj"
    shutil.copytree(EXAMPLES, root, ignore=shutil.ignore_patterns("scenarios"))
    (root / "scenarios").mkdir()
    monkeypatch.chdir(root)
    return root


def errors(root: Path, cases: str) -> list[tuple[str, int, int, str]]:
    (root / "scenarios" / "t.scenario.yaml").write_text(HEAD + cases, encoding="utf-8")
    program = load_project(root).compile(strict=False)
    found = [
        (d.code, d.span.line, d.span.column, d.message)
        for d in program.diagnostics
        if d.is_error and d.span is not None
    ]
    return sorted(found, key=lambda f: (f[1], f[2]))


def failures(root: Path, cases: str) -> list[str]:
    (root / "scenarios" / "t.scenario.yaml").write_text(HEAD + cases, encoding="utf-8")
    report = run_suite(["."], update=True)
    assert report.errors == 0, [d.message for d in report.diagnostics]
    return [line for c in report.cases for line in c.failures]


def test_the_assertion_showcase_holds_on_the_examples(project: Path) -> None:
    for path in ASSERTIONS.glob("*.scenario.yaml"):
        shutil.copy(path, project / "scenarios" / path.name)
    report = run_suite(["."], update=True)
    assert report.errors == 0
    assert [c.id for c in report.cases if c.failures] == []
    assert len(report.cases) == 59


def test_static_checks_are_positioned(project: Path) -> None:
    found = errors(
        project,
        """  a:
    expect:
      visits: [gret, after-hours/closd, nope/x]
      branch: {check-tier: condition-9, menu: [timeout, "equals 7"]}
      outcome: {queued: Premum, kind: ended}
      never: [greet]
      first: greet
  b:
    expect:
      outcome: {queued: agent queue of jdo, block: queud}
""",
    )
    assert found == [
        (
            "FR300",
            11,
            16,
            "`gret` is not a block of the flows this case runs (did you mean `greet`?)",
        ),
        ("FR300", 11, 22, "`closd` is not a block of flow `after-hours` (did you mean `closed`?)"),
        ("FR302", 11, 41, "unknown flow `nope` in `nope/x`"),
        (
            "FR301",
            12,
            28,
            "block `check-tier` has no branch `condition-9` (did you mean `condition-2`?); its "
            "branches are condition-1, condition-2, no-match, error",
        ),
        (
            "FR301",
            12,
            57,
            "block `menu` has no branch `equals 7` (did you mean `equals 3`?); its branches are "
            "condition-1, condition-2, condition-3, timeout, no-match, error",
        ),
        ("FR303", 13, 25, "unknown queue `Premum` (did you mean `Premium`?)"),
        ("FR304", 13, 39, "`kind: ended` contradicts `queued`"),
        ("FR304", 15, 14, "`greet` is expected as `first` and in `never`"),
        ("FR303", 18, 25, "unknown user `jdo` (did you mean `jdoe`?)"),
        (
            "FR300",
            18,
            52,
            "`queud` is not a block of the flows this case runs (did you mean `queued`?)",
        ),
    ]


def test_unknown_assertion_key_is_a_schema_error(project: Path) -> None:
    found = errors(project, "  a:\n    expect:\n      visit: [greet]\n")
    assert found == [("FR010", 11, 7, "unknown key `visit` (did you mean `visits`?)")]
    found = errors(project, "  a:\n    expect:\n      outcome: queud\n")
    assert found[0][:3] == ("FR013", 11, 16)
    assert "did you mean `queued`" in found[0][3]


def test_failed_assertions_say_where_expected_and_actual(project: Path) -> None:
    lines = failures(
        project,
        """  gold:
    expect:
      outcome: {queued: BasicQueue}
      branch: {check-tier: no-match, to-queue: [success, success]}
      never: [greet, lookup]
      visits-in-order: [hours, remember-customer]
      first: hours
      last: hang-up
      before: [[to-queue, hours], [menu, hours]]
      attributes: {tier: {text-starts-with: silver}, firstName: {exists: false}, x: 1}
      prompts: [{text-contains: busy}]
      email: allowed
""",
    )
    f = "scenarios/t.scenario.yaml"
    went = (
        "enable-logging -> set-voice -> check-channel -> greet -> lookup -> remember-customer -> "
        "... -> premium-queue -> staffing -> metrics -> busy-check -> to-queue -> queued"
    )
    assert lines == [
        f"{f}:11:25: expect.outcome.queued: expected queued BasicQueue, got Premium "
        "(queued in Premium)",
        f"{f}:12:28: expect.branch.check-tier: expected branch `no-match`, got `condition-1` "
        "(equals gold)",
        f"{f}:12:48: expect.branch.to-queue: expected branches success, success on its 2 "
        "visit(s); got `success`",
        f"{f}:13:15: expect.never[0]: expected block `greet` never to be visited; it was, at step 4",
        f"{f}:13:22: expect.never[1]: expected block `lookup` never to be visited; it was, at "
        "step 5",
        f"{f}:14:32: expect.visits-in-order[1]: expected block `remember-customer` to be visited "
        f"after `hours`; the run went {went}",
        f"{f}:15:14: expect.first: expected the first block to be `hours`, got `enable-logging`",
        f"{f}:16:13: expect.last: expected the last block to be `hang-up`, got `queued`",
        f"{f}:17:16: expect.before[0]: expected `to-queue` before `hours`; `hours` came first "
        "(step 7, `to-queue` at step 13)",
        f"{f}:17:35: expect.before[1]: expected `menu` before `hours`; `menu` was never visited",
        f'{f}:18:26: expect.attributes.tier: expected $.Attributes.tier text-starts-with "silver", '
        'got "gold"',
        f"{f}:18:65: expect.attributes.firstName: expected $.Attributes.firstName exists false, "
        'got "Ana"',
        f'{f}:18:85: expect.attributes.x: expected $.Attributes.x "1", got not set',
        f'{f}:19:17: expect.prompts[0]: expected a prompt text-contains "busy"; played: '
        '"Thanks for calling AnyCompany support."',
        f"{f}:20:14: expect.email: expected the email decision allowed; no email policy ran",
    ]


def test_error_outcomes_fail_unless_expected(project: Path) -> None:
    lines = failures(project, "  a:\n    flow: after-hours\n    world: {errors: [hang-up]}\n")
    assert lines == [
        "the run ended in error (block `hang-up` took `error` (the world makes this block fail "
        "(errors:)), which is not connected); if that is intended, say so with "
        "`expect: {outcome: error}`"
    ]
    assert (
        failures(
            project,
            "  a:\n    flow: after-hours\n    world: {errors: [hang-up]}\n"
            "    expect: {outcome: error}\n",
        )
        == []
    )


@pytest.mark.parametrize(
    ("op", "operand", "value", "holds"),
    [
        ("equals", 5, "5.0", True),
        ("equals", "gold", "Gold", False),
        ("equals", True, "true", True),
        ("not-equals", "gold", None, True),
        ("not-equals", "5", "5.0", False),
        ("text-contains", "ol", "gold", True),
        ("text-starts-with", "sil", "silver", True),
        ("text-ends-with", "er", "silver", True),
        ("text-contains", "x", None, False),
        ("number-greater-than", 2, "3", True),
        ("number-greater-than", 2, "two", False),
        ("number-less-than", 2, "1.5", True),
        ("number-greater-or-equal", 2, "2", True),
        ("number-less-or-equal", 2, "2.01", False),
        ("exists", True, "", True),
        ("exists", True, None, False),
        ("exists", False, None, True),
    ],
)
def test_value_operators(op: str, operand: object, value: str | None, holds: bool) -> None:
    assert value_holds(op, operand, value) is holds


def test_describe_match() -> None:
    m = ValueMatch.model_validate({"text-starts-with": "a", "number-less-than": 3, "exists": True})
    assert describe_match(m) == 'text-starts-with "a" and number-less-than 3 and exists true'
    assert describe_match(5) == '"5"'


def test_evaluate_on_a_python_run() -> None:
    program = load_project(EXAMPLES).compile()
    result = program.run(
        {"channel": "EMAIL", "email": {"to": ["someone@gmail.com"]}}, flow="default-outbound"
    )
    ok = Expect.model_validate({"email": {"decision": "denied", "reason-contains": "blocked"}})
    assert evaluate(ok, result) == []
    bad = Expect.model_validate({"email": "allowed", "outcome": "disconnected"})
    found = [(f.key, f.message) for f in evaluate(bad, result)]
    assert found[0] == ("expect.outcome", "expected outcome disconnected, got ended")
    assert found[1][0] == "expect.email"
    assert found[1][1].startswith("expected the email decision allowed, got denied (")
    assert "gmail.com" in found[1][1]


def test_suite_runs_a_case_on_demand(project: Path) -> None:
    (project / "scenarios" / "t.scenario.yaml").write_text(HEAD + "  a: {}\n", encoding="utf-8")
    suite = Suite(update=True)
    pr = suite.project(project)
    doc, sf = pr.project.scenarios[0]
    from flowrt.scenario.model import cases_of

    report = suite.run_case(pr, doc, sf, cases_of(sf)[0])
    assert report.passed and report.golden is not None
    assert report.golden.status == "written"
    assert report.id == "scenarios/t.scenario.yaml::a"
