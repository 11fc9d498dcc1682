"""`flowrt replay --engine dask --scheduler ADDRESS`: the same replay on a Dask cluster.

The tasks are the local engine's (`flowrt.replay.engine`): read each part of the inputs
(`map_part`; local paths or fsspec URLs such as `s3://bucket/connect-logs/2026/11/*.gz`), cut
each part's records into contiguous ranges of buckets, replay each range's buckets (their
contacts grouped, replayed, tallied) and merge the range reports in bucket order, so the report
is byte-identical to the local engine's.  The records stay in the cluster's memory between the
phases (Dask spills them to its workers' disks when memory is short).

Workers load the projects themselves, from the same paths: the project directories (and local
log paths) must be readable at those paths on every worker; URLs are read where they run.  A git
revision (`--base REV`, `--against git:REV`) is read from git once, by the command, into a
temporary directory; the workers load that directory (so on a cluster of several machines it
must be on a file system they share), and the command removes it when the replay ends.
Dask is an optional dependency (`pip install 'flowrt[dask]'`), imported only here and only when
this engine runs.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from flowrt.replay.engine import Job, new_report, replay_bucket
from flowrt.replay.grouping import Mapped, Part, add_mapped, map_part, plan
from flowrt.replay.report import ReplayReport, merge

if TYPE_CHECKING:
    from flowrt.lang.compiler import Program

#: How long to wait for the scheduler before saying none answers.
CONNECT_TIMEOUT = "20s"
#: Reduce tasks per worker thread (smaller tasks balance better; each is one range of buckets).
RANGES_PER_THREAD = 4


class EngineError(Exception):
    """The Dask engine cannot run: its extra is not installed, or no scheduler answers."""


_LOCK = threading.Lock()
_PROGRAMS: dict[tuple[str, str | None], tuple[Program, Program | None]] = {}
#: Projects a worker keeps compiled.  A git revision is a new temporary directory every run, so
#: a long-lived cluster would otherwise keep every run's programs.
KEEP_PROGRAMS = 4


def _programs(project: str, against: str | None) -> tuple[Program, Program | None]:
    """The compiled projects, loaded once per worker process."""
    from flowrt.project.driver import find_root, load_project

    with _LOCK:
        held = _PROGRAMS.get((project, against))
        if held is None:
            while len(_PROGRAMS) >= KEEP_PROGRAMS:
                del _PROGRAMS[next(iter(_PROGRAMS))]
            one = load_project(find_root(Path(project))).compile(strict=False)
            two = (
                load_project(find_root(Path(against))).compile(strict=False)
                if against is not None
                else None
            )
            held = _PROGRAMS[(project, against)] = (one, two)
        return held


def _map(part: Part, buckets: int) -> Mapped:
    return map_part(part, buckets, None)


def _summary(m: Mapped) -> Mapped:
    """A part's counts and problems without its records (what the client gathers)."""
    return replace(m, buckets={})


def _slice(m: Mapped, lo: int, hi: int) -> dict[int, Any]:
    return {b: data for b, data in m.buckets.items() if lo <= b < hi}


def _reduce(
    slices: list[dict[int, Any]], lo: int, hi: int, job: Job, project: str, against: str | None
) -> ReplayReport:
    program, changed = _programs(project, against)
    report: ReplayReport | None = None
    for b in range(lo, hi):
        sources = [s[b] for s in slices if b in s]
        part = replay_bucket(sources, job, program, changed)
        if report is None:
            report = part
        else:
            merge(report, part)
    assert report is not None
    return report


def run_dask(
    inputs: list[str],
    scheduler: str,
    project: str,
    against: str | None = None,
    *,
    select: set[str] | None = None,
    keep_diverging: bool = False,
    max_steps: int = 1000,
) -> ReplayReport:
    """Replay the logs on the Dask cluster at `scheduler`; the local engine's report."""
    try:
        from distributed import Client as connect
    except ImportError:
        raise EngineError(
            "the Dask engine needs dask and distributed: pip install 'flowrt[dask]'"
        ) from None
    p = plan(inputs)
    report = new_report(p, against)
    job = Job(
        tuple(part.file for part in p.parts),
        frozenset(select) if select is not None else None,
        keep_diverging,
        max_steps,
        keep_runs=False,
    )
    root = str(Path(project).resolve())
    other = str(Path(against).resolve()) if against is not None else None
    try:
        client: Any = cast(Any, connect)(scheduler, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as exc:
        raise EngineError(f"no Dask scheduler answers at {scheduler}: {exc}") from None
    with client:
        if not p.parts:
            return report
        mapped = client.map(_map, p.parts, buckets=p.buckets, pure=False)
        for m in client.gather(client.map(_summary, mapped, pure=False)):
            add_mapped(report.stats, m)
        threads = max(1, sum(client.nthreads().values()))
        count = min(p.buckets, RANGES_PER_THREAD * threads)
        edges = [p.buckets * i // count for i in range(count + 1)]
        reduced = []
        for lo, hi in zip(edges, edges[1:], strict=False):
            slices = client.map(_slice, mapped, lo=lo, hi=hi, pure=False)
            reduced.append(client.submit(_reduce, slices, lo, hi, job, root, other, pure=False))
        for future in reduced:
            merge(report, future.result())
    return report
