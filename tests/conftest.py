"""Hypothesis profiles of every property test: the fuzz suite and the loader, compiler and
interpreter properties (docs/fuzzing.md).

They live here, at the top of tests/, so a property test runs with the same profile whether it
runs alone (`pytest tests/test_loader.py`) or with the whole suite.

- `ci` (the default): a bounded number of examples per test, derandomized, so the whole
  suite runs in a few minutes and CI is reproducible.
- `long`: `FLOWRT_FUZZ_EXAMPLES` examples per test (default 20,000), random unless
  `--hypothesis-seed` is given: `pytest tests/fuzz --hypothesis-profile=long --hypothesis-seed=N`.
"""

from __future__ import annotations

import os
import sys

import pytest
from hypothesis import HealthCheck, settings

_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]

settings.register_profile(
    "ci",
    max_examples=int(os.environ.get("FLOWRT_FUZZ_CI_EXAMPLES", "40")),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=_QUIET,
)
settings.register_profile(
    "long",
    max_examples=int(os.environ.get("FLOWRT_FUZZ_EXAMPLES", "20000")),
    deadline=None,
    database=None,
    suppress_health_check=_QUIET,
)


def pytest_configure(config: pytest.Config) -> None:
    """`ci` unless `--hypothesis-profile` chose one (Hypothesis's plugin loads that one)."""
    if config.getoption("hypothesis_profile", None) is None:
        settings.load_profile("ci")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Remove the fuzz modules' scratch directories (tests/fuzz/helpers.py: scratch_dir)."""
    helpers = sys.modules.get("tests.fuzz.helpers")
    if helpers is not None:
        helpers.remove_scratch_dirs()
