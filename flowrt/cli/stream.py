"""`flowrt run DIR`: every case of a project, streamed, on every core, in flat memory.

The project is checked first with its scenario files read one at a time and let go
(`flowrt.project.lean.check_lean`: every diagnostic, in the usual order, before any case runs);
then the cases run a chunk at a time (`CHUNK` cases, `flowrt.project.lean.chunks`): whoever runs
a chunk reads its scenario files again (`Opened`), refusing one whose text is not the text that
was checked, and a case's result (its trace, 17.6 KB on average) is dropped as soon as its line
is made.  What each case leaves is a `CaseLine` (its status, its compact JSON and its line of
text), written out in case order as it comes, so memory stays flat however many cases run.
With `jobs` > 1 the chunks run in worker processes forked after the projects are compiled
(each worker inherits the compiled programs, reads and models its chunks' files itself; only
chunk ranges go out and lines come back), at most a few chunks ahead of the output
(`flowrt.core.workers.ordered_map`), in case order, so the output is byte for byte the same for
any number of jobs.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flowrt.cli.common import EXIT_FINDINGS, EXIT_NOTHING, EXIT_OK, json_document, use_color
from flowrt.core.diagnostics import FlowrtError
from flowrt.core.text import printable
from flowrt.core.workers import can_fork, ordered_map
from flowrt.lang.compiler import Program
from flowrt.project.lean import Opened, ScenarioChanged, ScenarioRef, chunks
from flowrt.run.world import PreparedContact, PreparedWorld
from flowrt.scenario.model import CaseRun, Contact, World

#: Cases per chunk (a task handed to a worker): large enough that sending lines back costs
#: little, small enough that both cores stay busy to the end and a chunk's lines take little
#: memory.  Tests set it small, so that a file's cases span several chunks.
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
    #: With `--format connect-logs`: the flow log records of the run (flowrt.replay.generate).
    logs: str = ""


@dataclass(frozen=True)
class Project:
    """One compiled project whose cases are to run: its program, root and the scenario files
    that were checked (`flowrt.project.lean.ScenarioRef`), read again to run."""

    program: Program
    root: Path
    refs: list[ScenarioRef]

    @property
    def cases(self) -> int:
        """How many cases its scenario files have."""
        return sum(ref.cases for ref in self.refs)


#: What a worker runs: set before the workers are forked, so they inherit it; and the scenario
#: file it has open.
_JOB: tuple[Project, int, str | None, Opened] | None = None


def default_jobs() -> int:
    """Every core this process may use."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def stream_project(target: str, args: argparse.Namespace, max_steps: int) -> int:
    """`flowrt run DIR`: every case of the projects, each line written as its case finishes (in
    case order, on `-j` processes), nothing kept but counts."""
    from flowrt.cli.run import compile_projects
    from flowrt.core.diagnostics import has_errors

    jobs = args.jobs or default_jobs()
    diagnostics, files, compiled = compile_projects(target, jobs)
    projects = [Project(*one) for one in compiled]
    total = sum(p.cases for p in projects)
    nothing = None
    if not total and not has_errors(diagnostics):
        nothing = (
            f"no scenario cases found in {printable(target)}: add a *.scenario.yaml file with "
            "cases (`flowrt init` writes an example)"
        )
    era = args.log_era if args.format == "connect-logs" else None
    lines = (line for p in projects for line in run_cases(p, max_steps, jobs, era))
    try:
        return _write(args, diagnostics, files, total, nothing, lines)
    except ScenarioChanged as exc:
        sys.stdout.flush()
        print(f"flowrt run: {printable(str(exc))}", file=sys.stderr)
        return EXIT_FINDINGS


def _write(
    args: argparse.Namespace,
    diagnostics: list[Any],
    files: int,
    total: int,
    nothing: str | None,
    lines: Iterator[CaseLine],
) -> int:
    """Write the diagnostics, each case's line as it comes, and the summary; the exit code."""
    from flowrt.core.diagnostics import has_errors, render_text, summary_line

    era = args.log_era if args.format == "connect-logs" else None
    failed = 0
    out = sys.stdout
    if era is not None:
        if diagnostics:  # the records go to stdout: say what is wrong on stderr
            print(render_text(diagnostics), file=sys.stderr)
        for line in lines:
            failed += not line.ok
            out.write(line.logs)
    elif args.format == "json":
        # The same bytes as json_document would print for the whole payload, written a run
        # at a time: keys sorted (command, diagnostics, format, runs, summary), indent 2.
        head = json_document("run", {"diagnostics": [d.as_json() for d in diagnostics]})
        out.write(head[: head.rindex("\n}")] + ',\n  "runs": [')
        first = True
        for line in lines:
            failed += not line.ok
            item = json.dumps(line.json, indent=2, sort_keys=True, ensure_ascii=False)
            out.write(("\n" if first else ",\n") + "    " + item.replace("\n", "\n    "))
            first = False
        out.write("]" if first else "\n  ]")
        summary = _summary(total, failed, nothing)
        text = json.dumps({"summary": summary}, indent=2, sort_keys=True, ensure_ascii=False)
        out.write(",\n  " + text[4:-2] + "\n}\n")
    else:
        if diagnostics:
            print(render_text(diagnostics, color=use_color(out, getattr(args, "color", "auto"))))
            print(summary_line(diagnostics, files))
            print()
        for line in lines:
            failed += not line.ok
            mark = "ok  " if line.ok else "FAIL"
            j = line.json
            out.write(printable(f"{mark} {j['file']}::{j['case']}  {line.outcome}") + "\n")
            for failure in j["failures"]:
                out.write(f"     {printable(failure)}\n")
        print(_summary(total, failed, nothing)["text"])
    if failed or has_errors(diagnostics):
        return EXIT_FINDINGS
    return EXIT_NOTHING if nothing else EXIT_OK


def _summary(total: int, failed: int, nothing: str | None) -> dict[str, object]:
    text = nothing or f"{total} case(s) run: {total - failed} completed, {failed} failed"
    return {
        "cases": total,
        "completed": total - failed,
        "failed": failed,
        "nothing-selected": nothing,
        "text": text,
    }


def _run_chunk(chunk: list[tuple[int, int, int]]) -> tuple[list[CaseLine], str | None]:
    """Run a chunk of cases (`flowrt.project.lean.chunks`): their lines in order, and why it
    stopped at a scenario file changed since it was checked (the lines before it stand, so
    the same cases are printed for any chunk size and -j)."""
    from flowrt.cli.run import _relative, _run_case

    assert _JOB is not None
    project, max_steps, era, opened = _JOB
    out: list[CaseLine] = []
    for s, start, stop in chunk:
        try:
            doc, sf, cases = opened[s]
        except ScenarioChanged as exc:
            return out, str(exc)
        shown = _relative(doc.file, project.root)  # resolved once a file a chunk
        for case in cases[start:stop]:
            contact, world = _prepared(case)
            r = _run_case(
                project.program,
                project.root,
                doc,
                case,
                None,
                max_steps,
                contact,
                sf=sf,
                shown_file=shown,
                world=world,
            )
            logs = ""
            if era is not None:
                from flowrt.replay.generate import log_lines

                logs = log_lines(r.result, project.program, era)
            out.append(CaseLine(r.ok, r.as_json(full=False), r.result.outcome.describe(), logs))
    return out, None


#: The prepared records of the cases' contacts and worlds, by model: equal contacts and worlds
#: share one model (flowrt.scenario.model.cases_of), so each is prepared once, not once per case.
#: The model is kept beside its record, so its id is not reused while the entry lives.
_PREPARED: dict[int, tuple[object, PreparedContact | PreparedWorld]] = {}
#: Entries kept at most (a project of many distinct worlds starts again when it is full).
MAX_PREPARED = 4096


def _prepared(
    case: CaseRun,
) -> tuple[Contact | PreparedContact, World | PreparedWorld]:
    """The case's contact and world as prepared records, each prepared once per model; the
    models themselves for an email case (its session prepares each flow's contact) or one that
    does not prepare (its run raises as it always did)."""
    from flowrt.scenario.run import is_email_case, prepare_contact, prepare_world

    if is_email_case(case.contact, case.world):
        return case.contact, case.world
    out: list[Any] = []
    for model, prepare in ((case.contact, prepare_contact), (case.world, prepare_world)):
        hit = _PREPARED.get(id(model))
        if hit is None or hit[0] is not model:
            try:
                hit = (model, prepare(model))
            except FlowrtError:
                return case.contact, case.world
            if len(_PREPARED) >= MAX_PREPARED:
                _PREPARED.clear()
            _PREPARED[id(model)] = hit
        out.append(hit[1])
    return out[0], out[1]


def run_cases(
    project: Project, max_steps: int, jobs: int, era: str | None = None
) -> Iterator[CaseLine]:
    """Every case of `project`, run on `jobs` processes, its line yielded in case order (with
    its flow log records of `era` for `--format connect-logs`); raises
    `flowrt.project.lean.ScenarioChanged` at a scenario file changed since it was checked."""
    global _JOB  # noqa: PLW0603 - what forked workers inherit
    _JOB = (project, max_steps, era, Opened(project.refs))
    _PREPARED.clear()  # a new project: its models are not the last one's
    try:
        tasks = chunks(project.refs, CHUNK)
        done: Iterator[tuple[list[CaseLine], str | None]]
        if jobs <= 1 or project.cases < MIN_PARALLEL or not can_fork():
            done = map(_run_chunk, tasks)
        else:
            done = ordered_map(_run_chunk, tasks, min(jobs, -(-project.cases // CHUNK)))
        for lines, changed in done:
            yield from lines
            if changed is not None:
                raise ScenarioChanged(changed)
    finally:
        _JOB = None
