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
if settings._current_profile in (None, "default"):  # not chosen on the command line
    settings.load_profile("ci")
