"""A seeded, stratified random sample of the semantic core's mutants, run with mutmut.

Called by tools/mutation.sh (docs/fuzzing.md, "Mutation testing"), from the project root, with
mutants/ first on the path:

    python tools/mutation_sample.py run --sample N --seed S [--jobs J]
    python tools/mutation_sample.py report --sample N --seed S

`run` generates every mutant of the core (as `mutmut run` does), lists their names from the
`mutants/**/*.meta` files mutmut writes, picks N of them at random with the seed, stratified by
module (each module gets its share of N in proportion to its number of mutants, largest
remainders first), writes the list to `mutants/sample-N-seed-S.txt`, and runs exactly those
mutants (`mutmut run NAME ...`). `report` reads their verdicts back and prints the counts, the
kill rate of the non-equivalent mutants with its 95% Wilson interval, and every mutant that was
not killed. Mutants judged equivalent are listed, each with its reason, in
`tools/mutation-equivalent.txt`.

The same mutants (the same flowrt/ sources) and the same seed give the same sample: the names
are sorted before drawing and the generator is seeded with the text of S.
"""

from __future__ import annotations

import argparse
import importlib
import math
import os
import random
import sys
from collections import Counter
from pathlib import Path
from typing import Any

# mutmut (the `mutation` extra) is imported where it is used: the sampling and the interval are
# pure functions, tested without it (tests/test_mutation_tool.py)

#: mutmut's exit codes of a mutant stopped by its time limit (mutmut.stats.status_by_exit_code)
TIMEOUT_CODES = (36, -24, 24, 152, 255)
EQUIVALENT = Path(__file__).with_name("mutation-equivalent.txt")


def generate(jobs: int) -> None:
    """Write every mutant to mutants/ (the first step of `mutmut run`; a file unchanged since the
    last run is not generated again)."""
    from mutmut.mutation.trampoline import set_mutant_under_test

    mm: Any = importlib.import_module("mutmut.__main__")

    set_mutant_under_test("mutant_generation")
    Path("mutants").mkdir(exist_ok=True)
    mm.copy_src_dir()
    mm.copy_also_copy_files()
    mm.setup_source_paths()
    mm.create_mutants(jobs)


def verdicts() -> dict[str, int | None]:
    """Every mutant of the core by name, with its exit code (None: not run yet)."""
    from mutmut.mutation.data import SourceFileMutationData
    from mutmut.utils.file_utils import walk_mutatable_files

    found: dict[str, int | None] = {}
    for path in walk_mutatable_files():
        data = SourceFileMutationData(path=path)
        data.load()
        found.update(data.exit_code_by_key)
    return found


def module_of(name: str) -> str:
    """The module of a mutant: `flowrt.run.world.x_attribute_bytes__mutmut_3` -> `flowrt.run.world`
    (mutmut names a function `x_NAME`, a method `xǁCLASSǁNAME`)."""
    parts = name.split(".")
    for index in range(len(parts) - 1, -1, -1):
        if parts[index].startswith(("x_", "xǁ")):
            return ".".join(parts[:index])
    return name.rpartition(".")[0]


def stratified_sample(names: list[str], size: int, seed: str) -> list[str]:
    """`size` names drawn without replacement, each module getting its proportional share."""
    by_module: dict[str, list[str]] = {}
    for name in sorted(names):
        by_module.setdefault(module_of(name), []).append(name)
    total = len(names)
    size = min(size, total)
    exact = {module: size * len(group) / total for module, group in by_module.items()}
    share = {module: math.floor(value) for module, value in exact.items()}
    # the seats left by rounding down go to the largest remainders (ties: by module name)
    left = size - sum(share.values())
    for module in sorted(exact, key=lambda m: (-(exact[m] - share[m]), m))[:left]:
        share[module] += 1
    rng = random.Random(seed)
    picked: list[str] = []
    for module in sorted(by_module):
        picked += rng.sample(by_module[module], share[module])
    return sorted(picked)


def sample_file(size: int, seed: str) -> Path:
    return Path("mutants") / f"sample-{size}-seed-{seed}.txt"


def run(size: int, seed: str, jobs: int) -> None:
    """Draw the sample and run its mutants that have no verdict yet."""
    generate(jobs)
    known = verdicts()
    names = stratified_sample(list(known), size, seed)
    sample_file(size, seed).write_text("".join(f"{name}\n" for name in names), encoding="utf-8")
    print(f"== sample of {len(names)} mutants (seed {seed}): {sample_file(size, seed)}", flush=True)
    # a second run goes on where the first stopped: it runs the sampled mutants not checked yet
    # (mutmut forgets the verdicts of a function whose source changed) and the timeouts again
    todo = [name for name in names if known[name] is None or known[name] in TIMEOUT_CODES]
    print(f"== {len(todo)} of them to run", flush=True)
    # mutmut runs the mutants of the cheapest functions first; run them in a seeded random order
    # instead, so that a run stopped early (Ctrl-C, a deadline) leaves a uniform random part of
    # the sample checked, not the cheap functions' mutants only
    order = list(names)
    random.Random(f"order {seed}").shuffle(order)
    run_names(todo, jobs, {name: i for i, name in enumerate(order)})


def run_names(names: list[str], jobs: int, rank: dict[str, int]) -> None:
    """Run these mutants with mutmut, in the order of `rank` (see `run` for what is patched)."""
    if not names:
        return  # (mutmut given no name would run every mutant of the core)
    # mutmut's own steps, patched below: typed as Any (the module exports none of them)
    mm: Any = importlib.import_module("mutmut.__main__")

    # mutmut runs, before the mutants, the tests of the named mutants once against the unmutated
    # code ("clean tests"), to stop early on a suite that fails.  When the same invocation has
    # just recorded which tests reach which function, it has run every test against the same
    # unmutated code and stopped on any failure: running them again costs minutes and proves
    # nothing more, so it is skipped then (and only then).
    full_stats = os.environ.get("MUTATION_SKIP_CLEAN") == "1"
    record = mm.run_stats_collection

    def recording(runner: Any, tests: Any = None) -> None:
        nonlocal full_stats
        record(runner, tests)
        full_stats = full_stats or not tests

    make_runner = mm.get_mutant_runner

    def runner_without_second_clean_run(max_workers: int = 1) -> Any:
        runner: Any = make_runner(max_workers)
        clean = runner.run_clean_tests

        def clean_once(tests: Any) -> int:
            if full_stats:
                print("    skipped: every test passed on the unmutated code while recording")
                return 0
            return int(clean(tests))

        runner.run_clean_tests = clean_once
        return runner

    mm.estimated_worst_case_time = lambda name: rank.get(name, len(rank))
    mm.run_stats_collection = recording
    # The wall-clock limit mutmut sets per mutant ((tests' time + constant) x multiplier) is
    # MUTATION_WALL_FACTOR times longer here (10 by default): on a shared machine, under `nice`,
    # a mutant gets a fraction of a core and a wall-clock limit stops mutants that only change a
    # word.  The CPU limit (twice the wall-clock one, in CPU seconds) is kept, and is what stops a
    # mutant that loops for ever.
    isolation: Any = importlib.import_module("mutmut.workers.isolation")
    register = isolation.register_timeout
    factor = float(os.environ.get("MUTATION_WALL_FACTOR", "10"))

    def register_longer(pid: int, timeout_s: float) -> None:
        register(pid, timeout_s * factor)

    isolation.register_timeout = register_longer
    mm.get_mutant_runner = runner_without_second_clean_run
    mm._run(names, jobs)


def equivalent() -> dict[str, str]:
    """Mutants judged equivalent: `NAME  reason` a line, `#` comments."""
    found: dict[str, str] = {}
    for line in EQUIVALENT.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, reason = line.partition(" ")
            found[name] = reason.strip()
    return found


def wilson(killed: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """The 95% Wilson score interval of a proportion."""
    if total == 0:
        return (0.0, 1.0)
    p = killed / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z / (1 + z * z / total) * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total))
    return (centre - half, centre + half)


def tally(status_by_name: dict[str, str], same: dict[str, str]) -> list[str]:
    """The lines of the report of a sample: each mutant's status (mutmut's words), a survivor
    listed in `same` counted as equivalent; a timeout (a loop the tests stopped) counts as killed."""
    counts: Counter[str] = Counter()
    unkilled: list[str] = []
    for name, status in sorted(status_by_name.items()):
        if status == "survived" and name in same:
            status = "equivalent"
        counts[status] += 1
        if status not in ("killed", "timeout"):
            unkilled.append(f"  {status}: {name}" + (f"  ({same[name]})" if name in same else ""))
    lines = [f"  {status}: {count}" for status, count in sorted(counts.items())]
    caught = counts["killed"] + counts["timeout"]
    judged = len(status_by_name) - counts["equivalent"] - counts["not checked"]
    low, high = wilson(caught, judged)
    rate = 100 * caught / judged if judged else 0.0
    lines.append(
        f"killed {caught} of {judged} non-equivalent mutants: {rate:.1f}%"
        f" (95% Wilson interval {100 * low:.1f}% to {100 * high:.1f}%)"
    )
    return lines + unkilled


def report(size: int, seed: str) -> None:
    from mutmut.stats import status_by_exit_code

    names = sample_file(size, seed).read_text(encoding="utf-8").split()
    known = verdicts()
    print(f"sample: {len(names)} mutants of {len(known)} (seed {seed})")
    print(
        "\n".join(
            tally({name: status_by_exit_code[known.get(name)] for name in names}, equivalent())
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["run", "report", "recheck"])
    parser.add_argument("names", nargs="*", help="recheck: the mutants to run again")
    parser.add_argument("--sample", type=int)
    parser.add_argument("--seed")
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("MUTATION_JOBS", "2")))
    args = parser.parse_args()
    if args.action == "recheck":
        # after a test was added for them: the named mutants again, whatever their verdict
        if not args.names:
            sys.exit("recheck: name the mutants to run again")
        generate(args.jobs)
        run_names(args.names, args.jobs, {name: i for i, name in enumerate(args.names)})
        return
    if args.sample is None or args.sample < 1 or not args.seed:
        sys.exit("--sample N (at least 1) and --seed S are needed")
    if args.action == "run":
        run(args.sample, args.seed, args.jobs)
    else:
        report(args.sample, args.seed)


if __name__ == "__main__":
    main()
