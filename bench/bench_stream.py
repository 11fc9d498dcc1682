"""`flowrt run DIR` and `flowrt test` at 10^4 and 10^5 cases: flat memory, and the cost per case.

    python bench/bench_stream.py [ROUNDS] [COUNTS] [MAIN_REV]

COUNTS (default `10000,100000`) are case counts of the example project (flows/) with its
scenario files copied as bench/bench_scale.py copies them (each copy a scenario of its own; 99
cases a copy, so a count is met to within 99).  Every command is a fresh process run with
`-j 2` on this checkout and on MAIN_REV (default: the merge base with `main`, exported with
`git archive` to a temporary directory and put first on PYTHONPATH), the two sides interleaved
in each of ROUNDS rounds (default 3); each figure is the median of the rounds.  For each
command: wall seconds, CPU seconds (user + system of the command and of its workers, from
`wait4`) and peak RSS (`ru_maxrss` from `wait4`: the largest of the command's process and its
workers, the figure RUSAGE_CHILDREN gives).

It prints per case (the difference between the two largest counts, so start-up and compiling
cancel) the wall and CPU time of each side and their ratio, the peak RSS at each count and its
ratio between the counts (flat: about 1), and 10^6 cases projected from the per-case time
(`-j 2`; the target: < 30 s wall on 2 cores, < 300 MB).  It checks that both sides print the
same bytes (-j 1 and -j 2 here, -j 2 on main) at the smallest count.

Then the floor of any design that reads each case's YAML: in this process, on one core, the CPU
time per case of ruamel's C parser reading the events of the scenario files' text (no node
graph, no data: less than any loader does), of one interpreter run
of a prepared contact and world (`run_contact`, as the workers call it) and of making and
writing its line, against the budget of 10^6 cases in 30 s on 2 cores: 60 core-seconds for
10^6 cases, 60 us of CPU per case per core.  Exits 1 when a target is missed.
"""

from __future__ import annotations

import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_scale import many_cases  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PER_COPY = 99  # cases of the example project
#: 10^6 cases in 30 s on 2 cores: CPU microseconds per case per core.
BUDGET_US = 30 * 2 / 1_000_000 * 1e6


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (the process and its workers) and peak RSS (MB)."""
    t = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, _, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    proc.returncode = 0  # reaped here
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def export_main(rev: str, into: Path) -> Path:
    """The `flowrt` package of `rev`, exported (nothing of the repository is touched)."""
    into.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "flowrt"], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def floor(project: Path) -> dict[str, float]:
    """CPU microseconds per case, on one core, of the least any run of a case must do."""
    from ruamel.yaml import YAML

    from flowrt.cli.run import _relative
    from flowrt.project.driver import load_project
    from flowrt.run.interpreter import contact_id_for
    from flowrt.scenario.model import cases_of
    from flowrt.scenario.run import is_email_case, prepare_contact, prepare_world, run_contact

    files = sorted((project / "scenarios").glob("*.scenario.yaml"))
    texts = [f.read_text(encoding="utf-8") for f in files]
    loaded = load_project(project)
    program = loaded.compile(strict=False)
    cases = [c for _, sf in loaded.scenarios for c in cases_of(sf)]
    n_cases = len(cases)
    runs = []
    for c in cases:
        if is_email_case(c.contact, c.world):  # an email case's session prepares its own
            runs.append((c, c.contact, c.world))
        else:
            runs.append((c, prepare_contact(c.contact), prepare_world(c.world)))
    from _ruamel_yaml import CParser

    from flowrt.lang.loader import load_text

    def events(text: str) -> None:
        get = CParser(text).get_event
        while get() is not None:
            pass

    yaml = YAML(typ="safe", pure=False)
    out: dict[str, list[float]] = {"parse": [], "run": [], "line": [], "compose": [], "load": []}
    for _ in range(7):
        for key, parse in (("parse", events), ("compose", yaml.compose), ("load", load_text)):
            t = time.process_time()
            for text in texts:
                parse(text)
            out[key].append((time.process_time() - t) / n_cases)
        t = time.process_time()
        results = [
            run_contact(
                program,
                contact,
                world,
                flow=c.flow or "",
                contact_id=contact_id_for(c.scenario, c.case),
            )
            for c, contact, world in runs
        ]
        out["run"].append((time.process_time() - t) / n_cases)
        sink = io.StringIO()
        shown = _relative(str(files[0]), project)
        t = time.process_time()
        for (c, _, _), r in zip(runs, results, strict=True):
            sink.write(f"ok   {shown}::{c.case}  {r.outcome.describe()}\n")
        out["line"].append((time.process_time() - t) / n_cases)
    return {k: statistics.median(v) * 1e6 for k, v in out.items()}


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    counts = [int(c) for c in (sys.argv[2] if len(sys.argv) > 2 else "10000,100000").split(",")]
    rev = sys.argv[3] if len(sys.argv) > 3 else None
    if rev is None:
        rev = subprocess.run(
            ["git", "-C", str(ROOT), "merge-base", "HEAD", "main"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    ok = True
    loads = []
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        main_dir = export_main(rev, t / "main")
        sides = {
            "this": dict(os.environ),
            "main": dict(os.environ, PYTHONPATH=str(main_dir)),
        }
        projects = {c: many_cases(t / f"c{c}", max(0, round(c / PER_COPY) - 1)) for c in counts}
        flowrt = [PY, "-m", "flowrt"]
        commands = {
            (count, side, cmd): ([*flowrt, cmd, ".", "-j", "2"], projects[count], env)
            for count in counts
            for cmd in ("run", "test")
            for side, env in sides.items()
        }
        got: dict[tuple[int, str, str], list[tuple[float, float, float]]] = {
            k: [] for k in commands
        }
        for _ in range(n):
            for key, (cmd, cwd, env) in commands.items():
                got[key].append(timed(cmd, cwd, env))
            loads.append(Path("/proc/loadavg").read_text().split()[0])
        med = {
            k: tuple(statistics.median(x[i] for x in v) for i in range(3)) for k, v in got.items()
        }
        real = {}
        for count, project in projects.items():
            last = subprocess.run(
                [*flowrt, "run", ".", "-j", "1"], cwd=project, capture_output=True, text=True
            ).stdout.splitlines()[-1]
            real[count] = int(last.split()[0])
        small = projects[counts[0]]
        same = all(
            len(
                {
                    subprocess.run(
                        [*flowrt, cmd, ".", "-j", jobs],
                        cwd=small,
                        env=sides[side],
                        capture_output=True,
                        check=False,
                    ).stdout
                    for side, jobs in (("this", "1"), ("this", "2"), ("main", "2"))
                }
            )
            == 1
            for cmd in ("run", "test")
        )
        fl = floor(ROOT / "flows")

    print(f"{n} interleaved rounds, medians; main is {rev[:10]}; every command `-j 2`")
    print(f"load average (1 min) after each round: {', '.join(loads)}\n")
    print(f"  {'command':28s} {'cases':>8s} {'wall':>9s} {'CPU':>9s} {'peak RSS':>9s}")
    for (count, side, cmd), (w, c, r) in med.items():
        label = f"{cmd} ({side})"
        print(f"  {label:28s} {real[count]:8,d} {w:8.2f}s {c:8.2f}s {r:7.0f} MB")
    lo, hi = counts[0], counts[-1]
    span = real[hi] - real[lo]
    print(f"\nper case ({real[lo]:,} -> {real[hi]:,} cases), and 10^6 cases projected")
    checks: list[tuple[str, float, str, bool]] = []
    for cmd in ("run", "test"):
        per = {}
        for side in sides:
            w_lo, c_lo, r_lo = med[lo, side, cmd]
            w_hi, c_hi, r_hi = med[hi, side, cmd]
            per[side] = ((w_hi - w_lo) / span, (c_hi - c_lo) / span)
            million = w_hi + per[side][0] * (1_000_000 - real[hi])
            print(
                f"  {cmd} ({side}): {per[side][0] * 1e6:6.0f} us wall, "
                f"{per[side][1] * 1e6:6.0f} us CPU a case; RSS {r_lo:.0f} MB -> {r_hi:.0f} MB "
                f"({r_hi / r_lo:.2f}x for {real[hi] / real[lo]:.0f}x the cases); "
                f"10^6 cases: {million:.0f} s"
            )
            if side == "this":
                checks += [
                    (f"{cmd}: peak RSS at {real[hi]:,} cases (MB)", r_hi, "< 300", r_hi < 300),
                    (f"{cmd}: RSS {real[hi]:,} / {real[lo]:,} cases", r_hi / r_lo, "flat", True),
                    (f"{cmd}: 10^6 cases projected (s)", million, "< 30", million < 30),
                ]
        checks.append(
            (f"{cmd}: CPU per case, this / main", per["this"][1] / per["main"][1], "-", True)
        )
        checks.append(
            (f"{cmd}: wall per case, this / main", per["this"][0] / per["main"][0], "-", True)
        )
    checks.append(("same bytes: -j 1, -j 2, main -j 2 (1 = yes)", float(same), "1", same))
    total = fl["parse"] + fl["run"] + fl["line"]
    print(f"\nfloor, CPU us per case on one core (budget {BUDGET_US:.0f} us: 10^6 in 30 s on 2)")
    print(f"  ruamel's C parser, the events of its text:    {fl['parse']:6.1f} us")
    print(f"  one run_contact of a prepared contact/world:  {fl['run']:6.1f} us")
    print(f"  its line made and written:                    {fl['line']:6.1f} us")
    print(f"  floor: {total:.1f} us = {total / BUDGET_US:.2f}x the budget")
    print(f"  (for reference: ruamel's C compose {fl['compose']:.1f} us, flowrt's loader")
    print(f"  building data and positions {fl['load']:.1f} us a case)")
    checks.append(("floor / budget of 60 us a case a core", total / BUDGET_US, "<= 1", True))
    print("\nratio or figure                                         value   target")
    for label, value, target, met in checks:
        ok &= met
        print(f"  {label:52s} {value:8.2f}  {target}{'' if met else '   MISSED'}")
    print("all targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
