"""The pytest plugin (scenario files as test items) and the syrupy extension, through pytester."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import flowrt.testing.suite
from flowrt.lang.loader import load_text

pytest_plugins = ["pytester"]

# pytester's in-process runs drop the modules a run imported; ruamel's C extension cannot be
# imported twice, so import everything the plugin uses here, once, before any run.
flowrt.testing.suite.run_suite([str(Path(__file__).resolve().parent.parent / "flows")])
load_text("a: [1]\n")

EXAMPLES = Path(__file__).resolve().parent.parent / "flows"
ENABLE = "[pytest]\nflowrt_scenarios = true\n"


@pytest.fixture()
def flows(pytester: pytest.Pytester) -> Path:
    root = pytester.path / "flows"
    shutil.copytree(EXAMPLES, root)
    _keep_two_scenarios(root)
    return root


def _keep_two_scenarios(root: Path) -> None:
    """Only the two scenario files these tests count on (59 cases), with their goldens."""
    keep = {"inbound-support", "other-flows"}
    for path in (root / "scenarios").glob("*.scenario.yaml"):
        if path.name.removesuffix(".scenario.yaml") not in keep:
            path.unlink()
    for path in (root / "scenarios" / "__goldens__").iterdir():
        if path.name not in keep:
            shutil.rmtree(path)


def _reroute(flows: Path) -> None:
    """Change one branch target: exactly gold-premium-full and basic-at-capacity move."""
    flow = flows / "inbound-support.flow.yaml"
    old = "next: {success: queued, at-capacity: overflow-announce, error: sorry}"
    text = flow.read_text(encoding="utf-8")
    flow.write_text(text.replace(old, old.replace("overflow-announce", "sorry")), encoding="utf-8")


def test_not_collected_unless_enabled(pytester: pytest.Pytester, flows: Path) -> None:
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_every_case_is_an_item(pytester: pytest.Pytester, flows: Path) -> None:
    pytester.makeini(ENABLE)
    result = pytester.runpytest("-p", "no:cacheprovider", "-v")
    result.assert_outcomes(passed=64)
    result.stdout.fnmatch_lines(
        ["flows/scenarios/inbound-support.scenario.yaml::gold-caller PASSED*"]
    )
    assert pytester.runpytest("--flowrt", "-p", "no:cacheprovider", "-q").ret == 0


def test_failures_read_as_a_diff_not_a_traceback(pytester: pytest.Pytester, flows: Path) -> None:
    pytester.makeini(ENABLE)
    _reroute(flows)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=62, failed=2)
    out = result.stdout.str()
    assert "Traceback" not in out and "flowrt/testing/suite.py" not in out
    result.stdout.fnmatch_lines(
        [
            "scenarios/inbound-support.scenario.yaml::gold-premium-full  disconnected",
            "golden changed: flows/scenarios/__goldens__/inbound-support/"
            "gold-premium-full.golden.yaml",
            "  step 13: block `to-queue` branch `at-capacity` now goes to `sorry` instead of "
            "`overflow-announce`",
            "-    next: overflow-announce",
            "+    next: sorry",
        ]
    )
    # the short summary line starts with what moved (pytest cuts it to the terminal width)
    result.stdout.fnmatch_lines(
        ["FAILED flows/scenarios/inbound-support.scenario.yaml::basic-at-capacity - ste*"]
    )


def test_k_x_and_last_failed(pytester: pytest.Pytester, flows: Path) -> None:
    pytester.makeini(ENABLE)
    result = pytester.runpytest("-k", "menu and not timeout")
    result.assert_outcomes(passed=3, deselected=61)
    _reroute(flows)
    result = pytester.runpytest("-x")
    result.assert_outcomes(passed=1, failed=1)
    result = pytester.runpytest("--lf")
    result.assert_outcomes(failed=1)
    result = pytester.runpytest()
    result.assert_outcomes(passed=62, failed=2)
    result = pytester.runpytest("--lf", "--flowrt-update")
    result.assert_outcomes(passed=2)
    result = pytester.runpytest("--lf")
    result.assert_outcomes(passed=64)


def test_xdist(pytester: pytest.Pytester, flows: Path) -> None:
    pytest.importorskip("xdist")
    pytester.makeini(ENABLE)
    _reroute(flows)
    stale = flows / "scenarios" / "__goldens__" / "inbound-support" / "renamed.golden.yaml"
    stale.write_text("x: 1\n", encoding="utf-8")
    result = pytester.runpytest_subprocess("-n", "2", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=62, failed=2)
    result.stdout.fnmatch_lines(
        ["unused golden flows/scenarios/__goldens__/inbound-support/renamed.golden.yaml *"]
    )
    result = pytester.runpytest_subprocess("-n", "2", "-p", "no:cacheprovider", "--flowrt-update")
    result.assert_outcomes(passed=64)
    result.stdout.fnmatch_lines(
        ["deleted unused golden flows/scenarios/__goldens__/inbound-support/renamed.golden.yaml"]
    )
    assert not stale.exists()


def test_bad_scenario_fails_collection_with_diagnostics(
    pytester: pytest.Pytester, flows: Path
) -> None:
    pytester.makeini(ENABLE)
    (flows / "scenarios" / "bad.scenario.yaml").write_text(
        "scenario: bad\nflow: after-hours\ncases:\n  a:\n    expect: {nevr: [closed]}\n",
        encoding="utf-8",
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result = pytester.runpytest("-p", "no:cacheprovider", "--continue-on-collection-errors")
    result.assert_outcomes(passed=64, errors=1)
    result.stdout.fnmatch_lines(
        [
            "flows/scenarios/bad.scenario.yaml:5:14: error[FR010]: unknown key `nevr` "
            "(did you mean `never`?)",
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_syrupy_extension_pins_a_run_in_the_golden_format(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_flow=f"""
        import pytest
        import flowrt
        from flowrt.testing.syrupy import FlowrtSnapshotExtension

        @pytest.fixture
        def snapshot(snapshot):
            return snapshot.use_extension(FlowrtSnapshotExtension)

        def test_gold(snapshot):
            program = flowrt.load_project({str(EXAMPLES)!r}).compile()
            contact = {{"attributes": {{"tier": "gold"}}, "system-endpoint": "+18005550111"}}
            assert program.run(contact, {{"clock": "2026-11-23T09:00:00-05:00"}}) == snapshot
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "--snapshot-update")
    result.assert_outcomes(passed=1)
    golden = pytester.path / "__snapshots__" / "test_flow" / "test_gold.golden.yaml"
    text = golden.read_text(encoding="utf-8")
    assert text.startswith("# flowrt golden\n")
    assert "  summary: transferred to flow after-hours" not in text
    assert "\n  kind: " in text and "\nsteps:\n  - flow: inbound-support\n" in text
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    golden.write_text(text.replace("  summary: ", "  summary: not ", 1), encoding="utf-8")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)


def test_snapshot_update_writes_scenario_goldens(pytester: pytest.Pytester, flows: Path) -> None:
    """syrupy's `--snapshot-update` updates goldens like `--flowrt-update` (syrupy stores it as
    `update_snapshots`): a missing golden is written, a changed one rewritten."""
    pytester.makeini(ENABLE)
    goldens = flows / "scenarios" / "__goldens__"
    missing = goldens / "inbound-support" / "gold-caller.golden.yaml"
    before = missing.read_text(encoding="utf-8")
    missing.unlink()
    changed = goldens / "after-hours" / "closed-at-night.golden.yaml"
    if not changed.exists():  # any other golden of the example project will do
        changed = next(p for p in sorted(goldens.rglob("*.golden.yaml")) if p != missing)
    original = changed.read_text(encoding="utf-8")
    changed.write_text(original.replace("kind: ", "kind: not-", 1), encoding="utf-8")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=62, failed=2)
    result = pytester.runpytest("-p", "no:cacheprovider", "--snapshot-update")
    result.assert_outcomes(passed=64)
    assert missing.read_text(encoding="utf-8") == before
    assert changed.read_text(encoding="utf-8") == original
