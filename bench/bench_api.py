"""Benchmark of the Python API: `python bench/bench_api.py [N] [ROUNDS]`.

Runs N contacts a side (default 20,000) through the example project's inbound-support flow with
docs/running.md's Python API example (its contact and world, as plain dicts), in ROUNDS
interleaved rounds (default 15), each side timed back to back per round:

* **prepared** (the baseline): `prepare_contact` and `prepare_world` once, the same records
  given to every `program.run`;
* **the same dicts**: the docs' example as written, the same two dict objects at every run;
* **fresh dicts**: a new contact dict and a new world dict (equal content) at every run, made
  before the round is timed, so only flowrt's work is measured;
* **prepared each run** (reference): `prepare_contact` and `prepare_world` called at every run:
  what each run would pay without flowrt's cache of prepared dicts.

The ratios printed are the medians of the rounds' ratios against the prepared side.  Targets:
the same dicts and fresh dicts within 1.5x of prepared.  Checks that every side gives the same
trace, and exits 1 when a target is missed.
"""

from __future__ import annotations

import copy
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import flowrt
from flowrt.scenario import prepare_contact, prepare_world

ROOT = Path(__file__).resolve().parent.parent

# docs/running.md, "Python API": the example as the docs give it.
CONTACT = {"channel": "VOICE", "attributes": {"tier": "gold"}, "system-endpoint": "+18005550111"}
WORLD = {"queues": {"Premium": {"contacts-in-queue": 10}}}
OPTIONS: dict[str, Any] = {"flow": "inbound-support", "max_steps": 1000}


def _timed(fn: Callable[[Any], Any], args: list[Any]) -> float:
    t0 = time.perf_counter()
    for arg in args:
        fn(arg)
    return time.perf_counter() - t0


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    program = flowrt.load_project(ROOT / "flows").compile()
    run = program.run
    pc, pw = prepare_contact(CONTACT), prepare_world(WORLD)
    batch = max(1, n // rounds)

    expected = run(pc, pw, **OPTIONS).as_json()
    fresh = (copy.deepcopy(CONTACT), copy.deepcopy(WORLD))
    for result in (
        run(CONTACT, WORLD, **OPTIONS),
        run(*fresh, **OPTIONS),
        run(prepare_contact(CONTACT), prepare_world(WORLD), **OPTIONS),
    ):
        assert result.as_json() == expected, "a side runs another trace"
    steps = len(run(pc, pw, **OPTIONS).trace)
    print(f"docs' example: {steps} steps, outcome: {run(pc, pw, **OPTIONS).outcome.describe()}")

    sides: dict[str, Callable[[Any], Any]] = {
        "prepared": lambda _: run(pc, pw, **OPTIONS),
        "same dicts": lambda _: run(CONTACT, WORLD, **OPTIONS),
        "fresh dicts": lambda cw: run(cw[0], cw[1], **OPTIONS),
        "prepared each run": lambda _: run(
            prepare_contact(CONTACT), prepare_world(WORLD), **OPTIONS
        ),
    }
    times: dict[str, list[float]] = {name: [] for name in sides}
    nothing = [None] * batch
    for _ in range(rounds):  # interleaved: every side in every round, back to back
        for name, fn in sides.items():
            if name == "fresh dicts":
                args: list[Any] = [
                    (copy.deepcopy(CONTACT), copy.deepcopy(WORLD)) for _ in range(batch)
                ]
            else:
                args = nothing
            times[name].append(_timed(fn, args))

    def ratio(name: str) -> float:
        return statistics.median(s / p for s, p in zip(times[name], times["prepared"], strict=True))

    print(f"{batch * rounds:,} runs a side in {rounds} interleaved rounds (medians of the rounds)")
    for name in sides:
        best = min(times[name]) / batch * 1e6
        against = "" if name == "prepared" else f"  {ratio(name):.2f}x prepared"
        print(f"{name:18s}: {best:6.1f} us a run (best round){against}")
    targets = {"same dicts": 1.5, "fresh dicts": 1.5}
    missed = [f"{name} <= {limit}x" for name, limit in targets.items() if ratio(name) > limit]
    print("targets: the same dicts and fresh dicts <= 1.5x prepared (contact and world reused)")
    print("targets met" if not missed else "TARGET MISSED: " + ", ".join(missed))
    return 0 if not missed else 1


if __name__ == "__main__":
    raise SystemExit(main())
