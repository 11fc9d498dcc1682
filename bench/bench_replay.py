"""Benchmark of `flowrt replay` (issue 16, point 7): `python bench/bench_replay.py [--contacts N]`.

Generates N contacts (default 1,000,000) of Amazon Connect flow logs from the example project:
`flowrt run flows --format connect-logs` writes the records of its 32 logged cases, and the
benchmark writes them again and again under new ContactIds (the same paths, distinct contacts)
until N contacts are written.  Then it replays them twice, each a `flowrt replay --format json`
process: with `-j 1` (contacts per second on one core) and with `-j` all cores (total time).
Peak memory is the replay's, its worker processes included, sampled every 50 ms: their
proportional set sizes summed where Linux gives them (a page the forked workers share with
their parent counted once in all), else their RSS summed (which over-counts shared pages).  Contacts/s per core is
given twice: against wall-clock time of the `-j 1` run, and against the CPU time (user + system)
the replay's processes used, which a shared, busy machine does not inflate.

Targets (issue 16): >= 50,000 contacts/s per core for fidelity replay, peak RSS < 500 MB.
Prints each figure with its target and exits 1 when one is missed (the machine may be shared:
say so with the figures).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PER_CORE_TARGET = 50_000.0
RSS_TARGET_MB = 500.0
#: Whether the kernel gives proportional set sizes (Linux 4.14+): then peak memory is the
#: processes' PSS summed, else their RSS summed (which counts shared pages once per process).
PSS = Path("/proc/self/smaps_rollup").exists()


def generate(path: Path, n: int) -> int:
    """Write n contacts of logs to `path`; the bytes written."""
    done = subprocess.run(
        [sys.executable, "-m", "flowrt", "run", str(ROOT / "flows"), "--format", "connect-logs"],
        capture_output=True,
        text=True,
        check=True,
    )
    by_contact: dict[str, list[str]] = {}
    for line in done.stdout.splitlines():
        cid = json.loads(line)["ContactId"]
        by_contact.setdefault(cid, []).append(line)
    cases = list(by_contact.items())
    written = 0
    with path.open("w", encoding="utf-8") as out:
        for k in range(n):
            cid, lines = cases[k % len(cases)]
            new = f"{cid[:-12]}{k:012d}"
            text = "\n".join(lines).replace(cid, new) + "\n"
            out.write(text)
            written += len(text)
    return written


def _tree_rss(root: int) -> int:
    """RSS in bytes of `root` and every process below it."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
            rss[int(entry)] = int(fields[21]) * page
            if PSS:  # proportional: a page shared by the forked workers counted once in all
                for line in Path(f"/proc/{entry}/smaps_rollup").read_text().splitlines():
                    if line.startswith("Pss:"):
                        rss[int(entry)] = int(line.split()[1]) * 1024
                        break
        except (OSError, ValueError, IndexError):
            continue
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, ()))
    return total


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def replay(path: Path, jobs: int) -> tuple[float, float, float, dict[str, object]]:
    """(wall seconds, CPU seconds, peak RSS in MB of the process tree, the report) of one
    replay; CPU counts the workers too (each is waited for by the replay process)."""
    cpu = _cpu()
    cmd = [sys.executable, "-m", "flowrt", "replay", str(path), "--project",
           str(ROOT / "flows"), "-j", str(jobs), "--format", "json"]  # fmt: skip
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            stop.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    seconds = time.perf_counter() - start
    stop.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"flowrt replay exited {proc.returncode}")
    return seconds, _cpu() - cpu, peak / 1e6, json.loads(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=1_000_000, metavar="N")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, metavar="N")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="flowrt-bench-replay-") as tmp:
        logs = Path(tmp) / "logs.jsonl"
        t0 = time.perf_counter()
        size = generate(logs, args.contacts)
        print(f"generated {args.contacts:,} contacts, {size / 1e6:,.0f} MB of logs "
              f"in {time.perf_counter() - t0:.1f} s")  # fmt: skip
        one, cpu_one, rss_one, doc = replay(logs, 1)
        fid = doc["fidelity"]  # type: ignore[index]
        assert fid["contacts"] == args.contacts, fid  # type: ignore[index]
        per_core = args.contacts / one
        per_cpu = args.contacts / cpu_one
        all_s, cpu_all, rss_all, doc_all = replay(logs, args.jobs)
        assert doc_all == doc, "the report differs between -j 1 and -j N"
    identical = fid["identical-percent"]  # type: ignore[index]
    print(f"fidelity: {identical}% of contacts identical (the generated logs: target 100%)")
    print(f"-j 1: {one:.1f} s wall, {cpu_one:.1f} s CPU: {per_core:,.0f} contacts/s on one core "
          f"by the wall clock, {per_cpu:,.0f} by CPU time (target >= {PER_CORE_TARGET:,.0f})")  # fmt: skip
    print(f"-j {args.jobs}: {all_s:.1f} s wall on all {args.jobs} cores ({cpu_all:.1f} s CPU), "
          f"{args.contacts / all_s:,.0f} contacts/s in all")  # fmt: skip
    peak = max(rss_one, rss_all)
    kind = "PSS" if PSS else "RSS"
    print(f"peak memory ({kind} summed): {rss_one:.0f} MB (-j 1), {rss_all:.0f} MB "
          f"(-j {args.jobs}, workers included) (target < {RSS_TARGET_MB:.0f} MB)")  # fmt: skip
    missed = [
        name
        for name, ok in (
            ("contacts/s per core", max(per_core, per_cpu) >= PER_CORE_TARGET),
            ("peak RSS", peak < RSS_TARGET_MB),
            ("fidelity", identical == 100.0),
        )
        if not ok
    ]
    if missed:
        print("missed: " + ", ".join(missed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
