"""Peak memory (RSS) on the two large inputs of issue 8: validating a 10,000-block flow, and
running 100,000 contacts through the example project's main flow.

    python bench/bench_memory.py            # both, each in its own process
    python bench/bench_memory.py validate   # one (what the parent runs)

Each measurement runs in a fresh child process so `ru_maxrss` is its own peak; the baseline is
the peak after importing flowrt's modules, before any work.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def validate(blocks: int = 10_000) -> str:
    from gen import write_project

    from flowrt.project.driver import check_paths

    with tempfile.TemporaryDirectory() as tmp:
        root = write_project(Path(tmp), 1, blocks)
        size = (root / "f000.flow.yaml").stat().st_size
        base = _peak_mb()
        t0 = time.perf_counter()
        diags, _ = check_paths([str(root)])
        took = time.perf_counter() - t0
    errors = sum(d.is_error for d in diags)
    return (
        f"validate {blocks:,}-block flow ({size / 1e6:.1f} MB): {took:.2f} s, {errors} errors, "
        f"peak RSS {_peak_mb():.0f} MB (baseline {base:.0f} MB)"
    )


def run(contacts: int = 100_000) -> str:
    from bench_interpreter import CONTACT, WORLD

    from flowrt.project.driver import load_project
    from flowrt.scenario.model import prepare_contact, prepare_world

    program = load_project(str(ROOT / "flows")).compile()
    world = prepare_world(WORLD)
    base = _peak_mb()
    t0 = time.perf_counter()
    outcomes: dict[str, int] = {}
    for i in range(contacts):  # every contact its own attributes: nothing shared by accident
        contact = prepare_contact({**CONTACT, "attributes": {"n": str(i)}})
        kind = program.run(contact, world, flow="inbound-support").outcome.kind
        outcomes[kind] = outcomes.get(kind, 0) + 1
    took = time.perf_counter() - t0
    return (
        f"run {contacts:,} contacts: {took:.1f} s, outcomes {outcomes}, "
        f"peak RSS {_peak_mb():.0f} MB (baseline {base:.0f} MB)"
    )


def main() -> None:
    if len(sys.argv) > 1:
        print({"validate": validate, "run": run}[sys.argv[1]]())
        return
    for what in ("validate", "run"):
        out = subprocess.run(
            [sys.executable, __file__, what], capture_output=True, text=True, check=True
        )
        print(out.stdout.strip())


if __name__ == "__main__":
    main()
