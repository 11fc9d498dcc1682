"""Benchmark `flowrt test` and the pytest plugin (issue 5's targets).

Targets:
- 1,000 scenario cases (10 scenario files x 100 cases against a copy of the example project, with
  assertions and goldens) run by `flowrt test` in under 3 s wall, interpreter start-up included;
- the pytest plugin's per-case overhead is within 3x of `flowrt test`'s.  Per-case cost is the
  marginal one: (wall for 1,000 cases - wall for 10 cases) / 990, for each runner, so start-up
  (pytest's is larger) does not count as per-case cost.

Run: python bench/bench_test.py
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FLOWS = ROOT / "flows"
FILES = 10


#: CPU seconds (user + system) of the best run of each command, keyed by its label.
CPU: dict[str, float] = {}


def best(cmd: list[str], cwd: Path, repeat: int = 3, label: str = "") -> float:
    """The best wall time of `repeat` runs (and its CPU time in CPU[label]): a busy machine
    inflates wall time; CPU time shows what the command itself costs."""
    times = []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - t
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
        if not times or wall < min(times):
            CPU[label] = cpu
        times.append(wall)
    return min(times)


def _sources() -> list[tuple[dict[str, Any], dict[str, str]]]:
    """The example scenario files as data, with each case's outcome kind (for `expect:`)."""
    from flowrt.lang.loader import load_file
    from flowrt.testing.suite import run_suite

    kinds = {(c.file, c.case): c.result.outcome.kind for c in run_suite([str(FLOWS)]).cases}
    out = []
    for path in sorted((FLOWS / "scenarios").glob("*.scenario.yaml")):
        data = load_file(path).data
        rel = f"scenarios/{path.name}"
        out.append((data, {case: kinds[(rel, case)] for case in data["cases"]}))
    return out


def write_project(root: Path, cases_per_file: int, files: int) -> int:
    """A copy of flows/ whose scenarios are `files` files of `cases_per_file` cases each."""
    shutil.copytree(FLOWS, root, ignore=shutil.ignore_patterns("scenarios"))
    (root / "scenarios").mkdir()
    sources = _sources()
    total = 0
    for f in range(files):
        data, kinds = sources[f % len(sources)]
        names = list(data["cases"])
        cases = {}
        for i in range(cases_per_file):
            name = names[i % len(names)]
            case = dict(data["cases"][name])
            case["expect"] = {"outcome": kinds[name]}
            cases[f"{name}-{i:03d}"] = case
            total += 1
        text = json.dumps({**data, "scenario": f"bench {f}", "cases": cases}, indent=1)
        (root / "scenarios" / f"bench-{f:02d}.scenario.yaml").write_text(text, encoding="utf-8")
    return total


def main() -> int:
    flowrt = [sys.executable, "-m", "flowrt", "test", "-q", "."]
    pytest = [sys.executable, "-m", "pytest", "--flowrt", "-q", "-p", "no:cacheprovider", "."]
    with tempfile.TemporaryDirectory() as tmp:
        big, small = Path(tmp) / "big", Path(tmp) / "small"
        n_big = write_project(big, 100, FILES)
        n_small = write_project(small, 10, 1)
        for root in (big, small):
            subprocess.run([*flowrt, "--update"], cwd=root, capture_output=True, check=True)
        python = best([sys.executable, "-c", "pass"], big, label="python")
        t_big = best(flowrt, big, label="t_big")
        t_small = best(flowrt, small, label="t_small")
        p_big = best(pytest, big, label="p_big")
        p_small = best(pytest, small, label="p_small")
    per_flowrt = (t_big - t_small) / (n_big - n_small)
    per_pytest = (p_big - p_small) / (n_big - n_small)
    ratio = per_pytest / per_flowrt
    rows = [
        ("python -c pass", python, "python", "(start-up baseline)"),
        (f"flowrt test, {n_big:,} cases", t_big, "t_big", "target < 3.000 s wall"),
        (f"flowrt test, {n_small} cases", t_small, "t_small", ""),
        (f"pytest --flowrt, {n_big:,} cases", p_big, "p_big", ""),
        (f"pytest --flowrt, {n_small} cases", p_small, "p_small", ""),
    ]
    load = os.getloadavg()[0]
    print(f"load average {load:.2f} on {os.cpu_count()} CPU(s) (wall times grow with load)")
    print(f"{'':34} {'wall':>8} {'CPU':>8}")
    for name, wall, key, note in rows:
        print(f"{name:34} {wall:7.3f}s {CPU[key]:7.3f}s   {note}")
    print(
        f"per case: flowrt test {per_flowrt * 1e3:.3f} ms, pytest plugin {per_pytest * 1e3:.3f} ms"
    )
    print(f"pytest plugin / flowrt test per case: {ratio:.2f}x   target <= 3.00x")
    ok = t_big < 3.0 and ratio <= 3.0
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
