"""Speed at scale (issue 17): cold command-line figures, side by side in one run.

Every figure is the median of ROUNDS interleaved rounds (each round runs every command once, in
the same order), so a busy, shared machine slows each side of a ratio alike.  Each command runs
in a fresh process: what a user pays, start-up included.  Peak RSS is the child's `ru_maxrss`
(workers included for `flowrt run -j`).

    python bench/bench_scale.py [ROUNDS] [CASE_COPIES]

Targets (exit 1 when one is missed):
- 1: validate a 10,000-block flow <= 1.0x ruamel's C compose of the same file (both cold);
  1,000 flows x 30 blocks: `flowrt validate` < 2.5 s, `flowrt test` < 3 s; growth exponent of
  validate from 2,500 to 10,000 blocks <= 1.05;
- 2: `flowrt run DIR` and `flowrt test` stream, on every core: the same bytes for -j 1 and -j 2
  (checked), -j 1 / -j 2 printed; peak RSS at two case counts (flat: the growth per case is
  printed) and the time of 10^6 cases of the example project projected from the per-case time
  (< 30 s on 2 cores; peak RSS < 300 MB is measured by bench_stream.py, past the 2 MiB of
  scenario files below which a project keeps what it checked);
- 5: `flowrt validate` of one small flow <= 0.10 s, `flowrt --help` <= 0.05 s;
- 6: the 8 MB, 50,000-block flow refused (FR045) in < 0.5 s and < 100 MB.
Baselines printed beside them: python start-up, flowrt's own loader and `json.loads` of the
same tree (cold), and validate with CPython's default collector (quiet_gc switched off).
"""

from __future__ import annotations

import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from gen import flow_text, write_project  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
FLOWRT = [PY, "-m", "flowrt"]


def timed(cmd: list[str], cwd: Path) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system) and peak RSS (MB) of one fresh process (its own
    `wait4` usage: workers a command forks and waits for count in it through its children's
    CPU and peak).  On a busy shared machine the wall time grows with the load while the CPU
    time barely does: both are printed."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    proc.returncode = 0  # reaped here; keep Popen from waiting again
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def rounds(commands: dict[str, tuple[list[str], Path]], n: int) -> dict[str, tuple[float, float]]:
    """Median wall time and the peak RSS of each command over `n` interleaved rounds (the
    median CPU time goes to `CPU`)."""
    walls: dict[str, list[float]] = {k: [] for k in commands}
    cpus: dict[str, list[float]] = {k: [] for k in commands}
    rss: dict[str, float] = {}
    for _ in range(n):
        for name, (cmd, cwd) in commands.items():
            w, c, r = timed(cmd, cwd)
            walls[name].append(w)
            cpus[name].append(c)
            rss[name] = r
    CPU.update({k: statistics.median(v) for k, v in cpus.items()})
    return {k: (statistics.median(v), rss[k]) for k, v in walls.items()}


#: Median CPU seconds of each command measured so far.
CPU: dict[str, float] = {}


def py(code: str) -> list[str]:
    return [PY, "-c", code]


DEFAULT_GC = (
    "import flowrt.core.gc as g, contextlib, sys; "
    "g.quiet_gc = g.paused_gc = contextlib.nullcontext; "
    "import flowrt.project.driver as d; d.paused_gc = contextlib.nullcontext; "
    "from flowrt.cli import main; sys.exit(main(sys.argv[1:]))"
)


def output(cmd: list[str], cwd: Path) -> bytes:
    """What a command prints (stdout), for the -j comparisons."""
    return subprocess.run(cmd, cwd=cwd, capture_output=True, check=False).stdout


def many_cases(root: Path, copies: int) -> Path:
    shutil.copytree(ROOT / "flows", root, ignore=shutil.ignore_patterns("__goldens__"))
    for sc in sorted((root / "scenarios").glob("*.scenario.yaml")):
        text = sc.read_text(encoding="utf-8")
        for k in range(copies):
            renamed = re.sub(r"^scenario: (\S+)", rf"scenario: \1-{k}", text, flags=re.M)
            (sc.parent / f"{sc.stem.removesuffix('.scenario')}-{k}.scenario.yaml").write_text(
                renamed, encoding="utf-8"
            )
    return root


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    copies = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        sizes = {}
        for blocks in (100, 2_500, 10_000):
            d = write_project(t / f"k{blocks}", 0, 0)
            (d / "big.flow.yaml").write_text(flow_text("big", blocks), encoding="utf-8")
            sizes[blocks] = d
        k10 = sizes[10_000] / "big.flow.yaml"
        json_copy = t / "k10.json"
        load = f"from flowrt.lang.loader import load_file; from pathlib import Path; import json; d = load_file(Path({str(k10)!r})).data; Path({str(json_copy)!r}).write_text(json.dumps(d))"
        subprocess.run(py(load), check=True)
        proj = write_project(t / "proj", 1_000, 30)
        big = write_project(t / "big8", 0, 0)
        (big / "big.flow.yaml").write_text(flow_text("big", 50_000), encoding="utf-8")
        cases = many_cases(t / "cases", copies)
        small = ROOT / "flows"

        r = rounds(
            {
                "python start-up": (py("pass"), t),
                "ruamel C compose 10k": (
                    py(
                        f"from ruamel.yaml import YAML; YAML(typ='safe', pure=False).compose(open({str(k10)!r}).read())"
                    ),
                    t,
                ),
                "flowrt loader 10k": (
                    py(
                        f"from flowrt.lang.loader import load_file; from pathlib import Path; load_file(Path({str(k10)!r}))"
                    ),
                    t,
                ),
                "json.loads same tree": (
                    py(f"import json; json.loads(open({str(json_copy)!r}).read())"),
                    t,
                ),
                "validate 10k": ([*FLOWRT, "validate", str(k10)], t),
                "validate 10k, default GC": ([PY, "-c", DEFAULT_GC, "validate", str(k10)], t),
                "validate 2.5k": ([*FLOWRT, "validate", str(sizes[2_500] / "big.flow.yaml")], t),
                "validate 100 blocks": (
                    [*FLOWRT, "validate", str(sizes[100] / "big.flow.yaml")],
                    t,
                ),
                "validate 1,000 x 30": ([*FLOWRT, "validate", "."], proj),
                "validate 1,000 x 30, default GC": ([PY, "-c", DEFAULT_GC, "validate", "."], proj),
                "test 1,000 x 30": ([*FLOWRT, "test", "."], proj),
                "validate one small flow": (
                    [*FLOWRT, "validate", "inbound-support.flow.yaml"],
                    small,
                ),
                "flowrt --help": ([*FLOWRT, "--help"], t),
                "oversize 8 MB flow": ([*FLOWRT, "validate", "big.flow.yaml"], big),
            },
            n,
        )
        print(f"{n} interleaved rounds, medians; each command a fresh process\n")
        print(f"  {'command':34s} {'wall':>7s}     {'CPU':>7s}     peak RSS")
        for name, (w, rss) in r.items():
            print(f"  {name:34s} {w:7.3f} s   {CPU[name]:7.3f} s   {rss:6.0f} MB")
        compose = r["ruamel C compose 10k"][0]
        v10 = r["validate 10k"][0]
        # What grows with the flow: each time less the time of a 100-block flow (start-up,
        # imports, the first use of each block type: what every validate pays once).
        fixed = r["validate 100 blocks"][0]
        growth = math.log((v10 - fixed) / (r["validate 2.5k"][0] - fixed)) / math.log(4)
        checks = [
            (
                "1  validate 10k / ruamel C compose (cold)",
                v10 / compose,
                "<= 1.00x",
                v10 / compose <= 1.0,
            ),
            (
                "   validate 10k / flowrt loader (cold)",
                v10 / r["flowrt loader 10k"][0],
                "(reference)",
                True,
            ),
            (
                "   validate 10k / json.loads same tree",
                v10 / r["json.loads same tree"][0],
                "(reference)",
                True,
            ),
            (
                "   validate 10k, default GC / quiet_gc",
                r["validate 10k, default GC"][0] / v10,
                "(gain)",
                True,
            ),
            (
                "   validate 1,000 x 30 (s)",
                r["validate 1,000 x 30"][0],
                "< 2.5 s",
                r["validate 1,000 x 30"][0] < 2.5,
            ),
            (
                "   validate 1,000 x 30, default GC / quiet_gc",
                r["validate 1,000 x 30, default GC"][0] / r["validate 1,000 x 30"][0],
                "(gain)",
                True,
            ),
            (
                "   test 1,000 x 30 (s)",
                r["test 1,000 x 30"][0],
                "< 3 s",
                r["test 1,000 x 30"][0] < 3.0,
            ),
            (
                "   growth exponent 2.5k -> 10k (100-block validate removed)",
                growth,
                "<= 1.05",
                growth <= 1.05,
            ),
            (
                "5  validate one small flow (s)",
                r["validate one small flow"][0],
                "<= 0.10 s",
                r["validate one small flow"][0] <= 0.10,
            ),
            (
                "   flowrt --help (s)",
                r["flowrt --help"][0],
                "<= 0.05 s",
                r["flowrt --help"][0] <= 0.05,
            ),
            (
                "6  oversize 8 MB flow refused (s)",
                r["oversize 8 MB flow"][0],
                "< 0.5 s",
                r["oversize 8 MB flow"][0] < 0.5,
            ),
            (
                "   its peak RSS (MB)",
                r["oversize 8 MB flow"][1],
                "< 100 MB",
                r["oversize 8 MB flow"][1] < 100,
            ),
        ]
        small_cases = many_cases(t / "cases-small", max(1, copies // 4))
        runs = rounds(
            {
                "run -j 1": ([*FLOWRT, "run", ".", "-j", "1"], cases),
                "run -j 2": ([*FLOWRT, "run", ".", "-j", "2"], cases),
                "run -j 2, a quarter of the cases": ([*FLOWRT, "run", ".", "-j", "2"], small_cases),
                "test -j 1": ([*FLOWRT, "test", ".", "-j", "1"], cases),
                "test -j 2": ([*FLOWRT, "test", ".", "-j", "2"], cases),
            },
            max(1, n // 2),
        )
        total = subprocess.run(
            [*FLOWRT, "run", ".", "-j", "1"], cwd=cases, capture_output=True, text=True
        ).stdout.splitlines()[-1]
        n_cases = int(total.split()[0])
        n_small = int(
            subprocess.run(
                [*FLOWRT, "run", ".", "-j", "1"], cwd=small_cases, capture_output=True, text=True
            )
            .stdout.splitlines()[-1]
            .split()[0]
        )
        print(f"\nflowrt run / flowrt test on {total} (and {n_small} cases)")
        for name, (w, rss) in runs.items():
            print(f"  {name:34s} {w:7.3f} s   {CPU[name]:7.3f} s   {rss:6.0f} MB")
        same = all(
            output([*FLOWRT, cmd, ".", "-j", "1", *extra], cases)
            == output([*FLOWRT, cmd, ".", "-j", "2", *extra], cases)
            for cmd, extra in (
                ("run", []),
                ("run", ["--format", "json"]),
                ("test", []),
                ("test", ["--format", "json"]),
            )
        )
        # Per case: the difference between the two case counts (start-up and compiling cancel).
        big_w, big_rss = runs["run -j 2"]
        small_w, small_rss = runs["run -j 2, a quarter of the cases"]
        per_case = (big_w - small_w) / (n_cases - n_small)
        # Memory is not projected from these counts: a project whose scenario files hold at most
        # 2 MiB (flowrt.project.lean.KEEP_BYTES; these do) keeps what it checked, so its memory
        # grows with its cases up to that budget and no further.  bench/bench_stream.py measures
        # peak RSS at 10^4 and 10^5 real cases, past the budget, against the 300 MB target.
        rss_per_case_kb = (big_rss - small_rss) * 1024 / (n_cases - n_small)
        million = small_w + per_case * (1_000_000 - n_small)
        checks += [
            ("2  run and test: same bytes for -j 1 and -j 2", float(same), "1 = yes", same),
            (
                "   run -j 1 / run -j 2",
                runs["run -j 1"][0] / runs["run -j 2"][0],
                "(2 cores)",
                True,
            ),
            (
                "   test -j 1 / test -j 2",
                runs["test -j 1"][0] / runs["test -j 2"][0],
                "(2 cores)",
                True,
            ),
            ("   run -j 2: ms per case", per_case * 1000, "(from the two counts)", True),
            (
                "   run -j 2: peak RSS KB per case, under 2 MiB",
                rss_per_case_kb,
                "(kept: see bench_stream.py)",
                True,
            ),
            ("   10^6 cases, projected (s)", million, "< 30 s", million < 30),
        ]
        print("\nratio or figure                                      value    target")
        for label, value, target, met in checks:
            ok &= met
            print(f"  {label:50s} {value:7.2f}  {target}{'' if met else '   MISSED'}")
    load = Path("/proc/loadavg")
    if load.exists():
        print(f"load average at the end (1, 5, 15 min): {' '.join(load.read_text().split()[:3])}")
    print("all targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
