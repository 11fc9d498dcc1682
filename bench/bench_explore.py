"""Benchmark `flowrt explore`: the example project, and a 200-block generated flow.

Targets (issue 19): the example project explored in under 1 s; the 200-block flow's paths
(more than 10**6 of them) counted over the graph in under 5 s, and its case set written in
under 30 s; memory bounded (the peak of Python allocations is printed).  Run
`python bench/bench_explore.py`; it exits 1 when a target is missed.
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


def _timed(fn: object) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()  # type: ignore[operator]
    return time.perf_counter() - start, result


def main() -> int:
    failed = False
    proj = load_project(ROOT / "flows")
    program = proj.compile()
    seconds, report = _timed(lambda: explore(program, sorted(program.flows), Options(), proj))
    print(
        f"example project: {len(report.flows)} flows, {sum(f.explored for f in report.flows):,} "
        f"paths explored, {len(report.reachable)}/{len(report.branches)} branches reachable in "
        f"{seconds:.2f} s (target < 1 s)"
    )
    failed |= seconds >= 1.0
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "instance.yaml").write_text(INSTANCE, encoding="utf-8")
        (root / "big.flow.yaml").write_text(flow_text("big", 200), encoding="utf-8")
        big = load_project(root)
        bprog = big.compile()
        seconds, paths = _timed(lambda: count(build(bprog), 0, 2))
        print(
            f"200-block flow: {paths:,} paths counted over the graph in {seconds:.3f} s "
            "(target > 10**6 paths, < 5 s)"
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
            f"200-block flow: case set of {written} cases written in {seconds:.2f} s "
            f"(target < 30 s), peak Python memory {peak / 2**20:.1f} MiB"
        )
        failed |= seconds >= 30.0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
