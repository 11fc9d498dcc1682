"""The test suite itself (issue 20): property tests take their number of examples from the
Hypothesis profiles of tests/conftest.py, and a run leaves no directory behind in the temp folder."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"

#: The fuzz modules that write generated projects into a scratch directory.
SCRATCH_MODULES = ["api", "bounds", "connect", "project", "reports", "writes"]


def _pytest(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_profile_in_force_is_the_one_chosen(pytestconfig: pytest.Config) -> None:
    chosen = pytestconfig.getoption("hypothesis_profile", None) or "ci"
    assert settings().max_examples == settings.get_profile(chosen).max_examples


def test_no_property_test_pins_its_own_number_of_examples() -> None:
    pinned = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sorted(TESTS.rglob("*.py"))
        if path.name != "conftest.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\bmax_examples\s*=(?!=)", line)
    ]
    assert pinned == []


@pytest.mark.parametrize(
    ("profile", "variable"), [("ci", "FLOWRT_FUZZ_CI_EXAMPLES"), ("long", "FLOWRT_FUZZ_EXAMPLES")]
)
def test_a_property_test_runs_as_many_examples_as_its_profile_says(
    profile: str, variable: str
) -> None:
    # a test that pinned 400 examples before: the profile (and its variable) now decides
    proc = _pytest(
        "tests/test_expr.py::test_token_soup_only_raises_expr_error",
        f"--hypothesis-profile={profile}",
        "--hypothesis-show-statistics",
        env={variable: "7"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "- 7 passing, 0 failing, and 0 invalid test cases" in proc.stdout, proc.stdout


def test_the_fuzz_suite_leaves_no_directory_in_the_temp_folder(tmp_path: Path) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()
    modules = [f"tests/fuzz/test_fuzz_{m}.py" for m in SCRATCH_MODULES]
    proc = _pytest(
        "-q",
        *modules,
        f"--basetemp={tmp_path / 'base'}",
        env={"TMPDIR": str(temp), "FLOWRT_FUZZ_CI_EXAMPLES": "1"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sorted(p.name for p in temp.iterdir()) == []
