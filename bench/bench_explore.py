"""Benchmark `flowrt explore`: the example project, the settings project, and a 200-block
generated flow.

Targets (issue 19): the example project explored in under 1 s; the settings project
(tests/data/settings-project: one block of each "set a behaviour" type, a Voice ID check, the
percentage draw, call progress, a callback and a wait in a row) in under 2 s; the 200-block flow's paths
(more than 10**6 of them) counted over the graph in under 5 s, and its case set written in
under 30 s; memory bounded (the peak of Python allocations, at most 256 MiB).  Each figure is
CPU time of this process (time.process_time, so a busy shared machine does not count against
it), the best of a few runs for the short ones, after one warm-up run (imports and caches), and
is printed beside its target.  Run `python bench/bench_explore.py`; it exits 1 when a target is
missed.
"""

from __future__ import annotations

import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from gen import INSTANCE, flow_text  # noqa: E402

from flowrt.explore.cases import new_cases  # noqa: E402
from flowrt.explore.explorer import Options, explore  # noqa: E402
from flowrt.explore.graph import build, count  # noqa: E402
from flowrt.project.driver import load_project  # noqa: E402

#: The most Python memory the 200-block case set may take (bounded memory).
MAX_PEAK_MIB = 256


def _timed(fn: object) -> tuple[float, object]:
    """CPU seconds of one call of `fn`, and its result."""
    start = time.process_time()
    result = fn()  # type: ignore[operator]
    return time.process_time() - start, result


def _best(fn: object, runs: int = 3) -> tuple[float, object]:
    """The fewest CPU seconds of `runs` calls after a warm-up call."""
    _timed(fn)
    return min((_timed(fn) for _ in range(runs)), key=lambda r: r[0])


def main() -> int:
    failed = False
    proj = load_project(ROOT / "flows")
    program = proj.compile()
    seconds, report = _best(lambda: explore(program, sorted(program.flows), Options(), proj))
    print(
        f"example project: {len(report.flows)} flows, {sum(f.explored for f in report.flows):,} "
        f"paths explored, {len(report.reachable)}/{len(report.branches)} branches reachable in "
        f"{seconds:.2f} s CPU (target < 1 s; best of 3 after a warm-up; Python "
        f"{sys.version.split()[0]})"
    )
    failed |= seconds >= 1.0
    sproj = load_project(ROOT / "tests" / "data" / "settings-project")
    sprog = sproj.compile()
    seconds, report = _best(lambda: explore(sprog, sorted(sprog.flows), Options(), sproj))
    runs = sum(f.runs for f in report.flows)
    print(
        f"settings project: {len(report.flows)} flows, {runs:,} runs, "
        f"{sum(f.explored for f in report.flows):,} paths explored, "
        f"{len(report.reachable)}/{len(report.branches)} branches reachable in {seconds:.2f} s "
        "CPU (target < 2 s; best of 3 after a warm-up)"
    )
    failed |= seconds >= 2.0
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "instance.yaml").write_text(INSTANCE, encoding="utf-8")
        (root / "big.flow.yaml").write_text(flow_text("big", 200), encoding="utf-8")
        big = load_project(root)
        bprog = big.compile()
        seconds, paths = _best(lambda: count(build(bprog), 0, 2))
        print(
            f"200-block flow: {paths:,} paths counted over the graph in {seconds:.3f} s "
            "CPU (target > 10**6 paths, < 5 s)"
        )
        failed |= seconds >= 5.0 or paths <= 10**6
        tracemalloc.start()

        def cases() -> int:
            rep = explore(bprog, ["big"], Options(), big)
            written, _ = new_cases(rep, bprog, set(), set())
            return len(written)

        seconds, written = _timed(cases)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(
            f"200-block flow: case set of {written} cases written in {seconds:.2f} s CPU "
            f"(target < 30 s), peak Python memory {peak / 2**20:.1f} MiB (target < "
            f"{MAX_PEAK_MIB} MiB)"
        )
        failed |= seconds >= 30.0 or peak >= MAX_PEAK_MIB * 2**20
    print("targets missed" if failed else "every target met")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
