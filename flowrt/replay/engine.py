"""Run a replay: plan the grouping, read the parts, replay the buckets, merge the reports.

The work is `flowrt.replay.grouping`'s two phases, each a list of independent tasks: read a part
(`map_part`), replay a bucket (`replay_bucket`: its contacts grouped, replayed and tallied into a
small report).  `run_replay` runs them in this process (`jobs` 1) or on `jobs` worker processes,
and merges the bucket reports in bucket order, so the report is byte-identical whatever `jobs`
is.  `flowrt.replay.dask_engine` runs the same tasks on a Dask cluster.

Workers are forked from this process (the compiled programs are inherited, never pickled nor
compiled again); where `fork` does not exist (Windows) the replay runs in this process.
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from flowrt.core.workers import results, worker_pool
from flowrt.replay.fidelity import Replayed, replay_contact
from flowrt.replay.grouping import (
    PART_BYTES,
    SPILL_BYTES,
    Mapped,
    Part,
    Plan,
    add_mapped,
    bucket_contacts,
    map_part,
    plan,
)
from flowrt.replay.reader import ReadStats
from flowrt.replay.report import ReplayReport, merge, tally

if TYPE_CHECKING:
    from flowrt.lang.compiler import Program

Source = bytes | tuple[str, int, int]


@dataclass(frozen=True)
class Job:
    """What every bucket's replay needs besides the programs (plain values: sent to workers)."""

    files: tuple[str, ...]
    select: frozenset[str] | None = None
    keep_diverging: bool = False
    max_steps: int = 1000
    #: Keep the run of the contacts kept (False where the report crosses processes: a run
    #: holds the compiled flow graph).
    keep_runs: bool = True


def replay_bucket(
    sources: list[Source],
    job: Job,
    program: Program,
    against: Program | None,
    on_contact: Callable[[Replayed], None] | None = None,
) -> ReplayReport:
    """One bucket's contacts replayed and tallied, in ContactId order."""
    report = ReplayReport(ReadStats(), impact={} if against is not None else None)
    found, report.stats.duplicates = bucket_contacts(sources, list(job.files))
    for c in found:
        r = replay_contact(program, c, job.max_steps)
        tally(report, r, against, job.max_steps)
        if on_contact is not None:
            on_contact(r)
        kept = job.select is not None and r.contact_id in job.select
        diverging = job.keep_diverging and r.status == "diverged"
        if kept or diverging:
            shown = r if job.keep_runs else replace(r, result=None)
            (report.selected if kept else report.diverging).append(shown)
    return report


def bucket_sources(mapped: list[Mapped], buckets: int) -> Iterator[list[Source]]:
    """Each bucket's slices from every part, in part order."""
    for b in range(buckets):
        yield [m.buckets[b] for m in mapped if b in m.buckets]


def new_report(p: Plan, against: object) -> ReplayReport:
    """The report before any contact: what planning found."""
    stats = ReadStats(files=p.files, problems=list(p.problems), spilled=p.spill)
    return ReplayReport(stats, impact={} if against is not None else None)


# -- worker processes -------------------------------------------------------------------------

#: What forked workers inherit: (program, against, job, buckets, spill directory).
_STATE: tuple[Any, ...] = ()


def _map_task(part: Part) -> Mapped:
    _, _, _, buckets, spill = _STATE
    return map_part(part, buckets, spill)


def _reduce_task(sources: list[Source]) -> ReplayReport:
    program, against, job, _, _ = _STATE
    return replay_bucket(sources, job, program, against)


def default_jobs() -> int:
    """All cores: `os.cpu_count()`."""
    return os.cpu_count() or 1


def run_replay(
    inputs: list[str],
    program: Program,
    against: Program | None = None,
    *,
    jobs: int = 1,
    select: set[str] | None = None,
    keep_diverging: bool = False,
    max_steps: int = 1000,
    on_contact: Callable[[Replayed], None] | None = None,
    part_bytes: int = PART_BYTES,
    spill_bytes: int = SPILL_BYTES,
) -> ReplayReport:
    """Replay every contact of the logs on `jobs` processes; with `against`, the impact."""
    global _STATE
    p = plan(inputs, part_bytes, spill_bytes)
    report = new_report(p, against)
    forking = jobs > 1 and on_contact is None and "fork" in multiprocessing.get_all_start_methods()
    job = Job(
        tuple(part.file for part in p.parts),
        frozenset(select) if select is not None else None,
        keep_diverging,
        max_steps,
        keep_runs=not forking,
    )
    tmp = tempfile.TemporaryDirectory(prefix="flowrt-replay-") if p.spill else None
    spill = tmp.name if tmp is not None else None
    try:
        if not forking:
            mapped = [map_part(part, p.buckets, spill) for part in p.parts]
            for m in mapped:
                add_mapped(report.stats, m)
            for sources in bucket_sources(mapped, p.buckets):
                merge(report, replay_bucket(sources, job, program, against, on_contact))
            return report
        _STATE = (program, against, job, p.buckets, spill)
        with worker_pool(jobs) as pool:
            mapped = list(results(pool.imap(_map_task, p.parts)))
            for m in mapped:
                add_mapped(report.stats, m)
            for part_report in results(pool.imap(_reduce_task, bucket_sources(mapped, p.buckets))):
                merge(report, part_report)
        return report
    finally:
        _STATE = ()
        if tmp is not None:
            tmp.cleanup()


def replay_logs(
    inputs: list[str],
    program: Program,
    *,
    against: Program | None = None,
    select: set[str] | None = None,
    max_steps: int = 1000,
    on_contact: Callable[[Replayed], None] | None = None,
) -> ReplayReport:
    """Replay every contact of the logs in this process; with `against`, compare with the
    changed flows (`run_replay` with one job)."""
    return run_replay(
        inputs, program, against, select=select, max_steps=max_steps, on_contact=on_contact
    )
