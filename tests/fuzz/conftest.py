"""Hypothesis profiles of the fuzz suite (docs/fuzzing.md).

- `ci` (the default here): a bounded number of examples per test, derandomized, so the whole
  fuzz suite runs in well under a minute and CI is reproducible.
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
