"""`flowrt run DIR`: every case of a project, streamed, on every core.

A case's result (its trace, 17.6 KB on average) is dropped as soon as its line is made: what
each case leaves is a `CaseLine` (its status, its compact JSON and its line of text), written out
in case order as it comes, so memory stays flat however many cases run.  With `jobs` > 1 the cases
run in worker processes forked after the projects are compiled (each worker inherits the compiled
programs, nothing is pickled but case numbers and lines); `Pool.imap` hands the lines back in case
order, so the output is byte for byte the same for any number of jobs.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flowrt.lang.compiler import Program
from flowrt.lang.loader import Document
from flowrt.scenario.model import CaseRun, ScenarioFile

#: Cases per task handed to a worker: large enough that sending lines back costs little, small
#: enough that both cores stay busy to the end.
CHUNK = 64
#: Fewer cases than this run in this process: forking workers would cost more than it saves.
MIN_PARALLEL = 2 * CHUNK


@dataclass(frozen=True)
class CaseLine:
    """What one case run leaves for the output: whether it passed, its compact JSON (file,
    scenario, case, flow, outcome, ok, failures) and its outcome in words."""

    ok: bool
    json: dict[str, Any]
    outcome: str


@dataclass(frozen=True)
class Project:
    """One compiled project whose cases are to run: its program, root and scenario files with
    their cases (already merged)."""

    program: Program
    root: Path
    scenarios: list[tuple[Document, ScenarioFile, list[CaseRun]]]

    def tasks(self) -> list[tuple[int, int]]:
        """(scenario index, case index) of every case, in order."""
        return [(s, c) for s, (_, _, cases) in enumerate(self.scenarios) for c in range(len(cases))]


#: What a worker runs: set before the workers are forked, so they inherit it.
_JOB: tuple[Project, int] | None = None


def default_jobs() -> int:
    """Every core this process may use."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def _run_chunk(chunk: list[tuple[int, int]]) -> list[CaseLine]:
    from flowrt.cli.run import _run_case

    assert _JOB is not None
    project, max_steps = _JOB
    out = []
    for s, c in chunk:
        doc, sf, cases = project.scenarios[s]
        r = _run_case(project.program, project.root, doc, cases[c], None, max_steps, sf=sf)
        out.append(CaseLine(r.ok, r.as_json(full=False), r.result.outcome.describe()))
    return out


def run_cases(project: Project, max_steps: int, jobs: int) -> Iterator[CaseLine]:
    """Every case of `project`, run on `jobs` processes, its line yielded in case order."""
    global _JOB  # noqa: PLW0603 - what forked workers inherit
    tasks = project.tasks()
    chunks = [tasks[i : i + CHUNK] for i in range(0, len(tasks), CHUNK)]
    _JOB = (project, max_steps)
    try:
        if jobs <= 1 or len(tasks) < MIN_PARALLEL or not _can_fork():
            for chunk in chunks:
                yield from _run_chunk(chunk)
            return
        context = multiprocessing.get_context("fork")
        with context.Pool(min(jobs, len(chunks))) as pool:
            for lines in pool.imap(_run_chunk, chunks):
                yield from lines
    finally:
        _JOB = None


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()
