"""The driver of `flowrt test` (and of the pytest plugin): run scenario cases, check them.

A case passes when its run satisfies every assertion of its `expect:`, its outcome is not an
error (unless `expect:` names that outcome), and its golden file matches the run byte for byte.
`Suite` loads and compiles each project once and runs cases on request; `run_suite` runs every
selected case under some paths and returns a `SuiteReport` (nothing here prints: the CLI and the
pytest plugin render it).  Goldens are written only with `update=True`: new and changed ones, and
unused ones are deleted, but only when no `-k` selection narrowed the run, so goldens of cases
that did not run are never touched.

An update holds the project's lock (`flowrt.core.files.directory_lock` on the project root)
while it writes, so two updates of one project take turns instead of deleting what the other
writes; holding it, the update removes the temporary files a killed update left.  Two cases
whose goldens would be one file are an error (FR311) of their scenario file, which then does not
run: neither golden is written.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flowrt.core.diagnostics import Diagnostic, Severity, Span
from flowrt.core.files import GOLDEN_SUFFIX, directory_lock, kind_of, one_line
from flowrt.core.text import printable
from flowrt.core.workers import can_fork, ordered_map
from flowrt.project.driver import (
    Project,
    display_path,
    load_project,
    project_roots,
    scope,
)
from flowrt.project.lean import Opened, ScenarioChanged, ScenarioRef, check_lean, chunks
from flowrt.run.interpreter import DEFAULT_MAX_STEPS, contact_id_for
from flowrt.scenario.run import run_contact as run
from flowrt.testing.golden import (
    GoldenError,
    file_stem,
    golden_dir,
    golden_path,
    parse_golden,
    read_golden,
    render_golden,
    shared_goldens,
    unified_diff,
    unreadable,
    what_moved,
    write_atomic,
)
from flowrt.testing.selection import MAX_SELECTION_DEPTH as MAX_SELECTION_DEPTH
from flowrt.testing.selection import UsageError as UsageError
from flowrt.testing.selection import compile_selection
from flowrt.testing.unused import unused_goldens as unused_goldens

if TYPE_CHECKING:
    from flowrt.lang.compiler import Program
    from flowrt.lang.loader import Document
    from flowrt.project.lean import Keep
    from flowrt.run.trace import Outcome, Result
    from flowrt.scenario.model import CaseRun, ScenarioFile
    from flowrt.testing.coverage import Coverage


# ---------------------------------------------------------------------------------------------
# results


@dataclass
class GoldenCheck:
    """How a case's golden compared: same, changed, missing, written (new), updated, malformed."""

    status: str
    path: str
    diff: str = ""
    moved: list[str] = field(default_factory=list)
    diagnostic: Diagnostic | None = None

    @property
    def failed(self) -> bool:
        return self.status in ("changed", "missing", "malformed")


@dataclass
class CaseReport:
    """One case run and checked."""

    id: str
    file: str
    scenario: str
    case: str
    flow: str
    outcome: Outcome
    #: The run, trace included; None when the case ran in a worker process (`jobs` > 1): its
    #: trace stayed there, and only what the reports print came back.
    result: Result | None = None
    failures: list[str] = field(default_factory=list)
    golden: GoldenCheck | None = None

    @property
    def passed(self) -> bool:
        return not self.failures and not (self.golden is not None and self.golden.failed)

    def problems(self) -> list[str]:
        """Every reason the case failed, as lines (assertions, outcome, then the golden)."""
        out = list(self.failures)
        g = self.golden
        if g is None or not g.failed:
            return out
        if g.status == "missing":
            out.append(f"no golden file {g.path}; run `flowrt test --update` to write it")
        elif g.status == "malformed" and g.diagnostic is not None:
            from flowrt.core.diagnostics import render_text

            out.append(render_text([g.diagnostic]))
        else:
            out.append(f"golden changed: {g.path}")
            out.extend(f"  {line}" for line in g.moved)
        return out

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "file": self.file,
            "scenario": self.scenario,
            "case": self.case,
            "flow": self.flow,
            "status": "passed" if self.passed else "failed",
            "outcome": self.outcome.as_json(),
            "failures": list(self.failures),
        }
        if self.golden is not None:
            g = self.golden
            out["golden"] = {"status": g.status, "path": g.path, "moved": g.moved, "diff": g.diff}
            if g.diagnostic is not None:
                out["golden"]["diagnostic"] = g.diagnostic.as_json()
        return out


@dataclass
class SuiteReport:
    """Everything a `flowrt test` produced."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    cases: list[CaseReport] = field(default_factory=list)
    files: int = 0
    #: Golden files changed on disk by --update: (action, display path), action in
    #: written / updated / deleted.
    changes: list[tuple[str, str]] = field(default_factory=list)
    #: Goldens of no case (display paths), kept (without --update, or with a -k selection).
    unused: list[str] = field(default_factory=list)
    coverage: Coverage | None = None
    #: Why no case ran when none did and nothing else went wrong: the filter that selected
    #: nothing (`-k`, or paths with no scenario case).  The command line exits 5 on it.
    nothing_selected: str | None = None
    #: Cases run so far, and how many of them passed: a running count, so that a streamed run
    #: (`SuiteRun` without `keep`) keeps no case once it is reported.
    ran: int = 0
    passed: int = 0

    @property
    def failed(self) -> int:
        return self.ran - self.passed

    @property
    def errors(self) -> int:
        return sum(d.severity is Severity.ERROR for d in self.diagnostics)

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.errors == 0

    def summary(self) -> str:
        """`N passed, N failed`, and what else happened."""
        text = f"{self.passed} passed, {self.failed} failed"
        extra = []
        if self.errors:
            extra.append(f"{self.errors} error(s)")
        for action in ("written", "updated", "deleted"):
            n = sum(a == action for a, _ in self.changes)
            if n:
                extra.append(f"{n} golden(s) {action}")
        removed = sum(a == "removed" for a, _ in self.changes)
        if removed:
            extra.append(f"{removed} temporary file(s) of an interrupted update removed")
        if self.unused:
            extra.append(f"{len(self.unused)} unused golden(s)")
        return text + "".join(f", {e}" for e in extra)


# ---------------------------------------------------------------------------------------------
# running


@dataclass
class ProjectRun:
    """One project loaded and compiled once, with what blocks its scenario files from running."""

    project: Project
    program: Program
    #: Scenario files (resolved paths) that have errors of their own.
    bad_files: set[Path]
    #: Errors outside scenario files (flows, instance): nothing of the project runs.
    blocked: bool
    #: A project checked lean (`Suite(lean=True)`, flowrt.project.lean): its scenario files
    #: that validated, each with the names of the goldens beside it that are no case's, read
    #: again to run; `project.scenarios` is then empty.
    refs: list[ScenarioRef] | None = None


class Suite:
    """Runs and checks scenario cases; projects are loaded and compiled once per root (with
    `lean`, without keeping their scenario files: see `ProjectRun.refs`)."""

    def __init__(
        self,
        *,
        update: bool = False,
        max_steps: int = DEFAULT_MAX_STEPS,
        lean: bool = False,
        jobs: int = 1,
    ) -> None:
        self.update = update
        self.max_steps = max_steps
        self.lean = lean
        #: Processes a lean check reads and checks the scenario files on.
        self.jobs = jobs
        self.projects: dict[Path, ProjectRun] = {}
        self._relative: dict[str, str] = {}
        #: Project roots whose lock this suite holds: whether the system gave a real lock.
        self._locked: dict[Path, bool] = {}

    @contextmanager
    def writing(self, root: Path) -> Iterator[bool]:
        """Hold the lock of the project at `root` (only when updating; re-entrant).

        Yields whether every other writer of the project is excluded (False where the system
        has no locks: the writers then only tolerate each other)."""
        key = root.resolve()
        if not self.update or key in self._locked:
            yield self._locked.get(key, False)
            return
        with directory_lock(key) as held:
            self._locked[key] = held
            try:
                yield held
            finally:
                del self._locked[key]

    def project(self, root: Path) -> ProjectRun:
        key = root.resolve()
        if key not in self.projects:
            refs = None
            if self.lean:
                lean = check_lean(root, _keep_goldens(key), jobs=self.jobs)
                project, program, refs = lean.project, lean.program, lean.refs
            else:
                project = load_project(root)
                program = project.compile(strict=False)
                for doc, sf in project.scenarios:
                    program.diagnostics.extend(shared_goldens(doc, sf.cases))
            scenario_files = {display_path(Path(d.file)) for d in project.scenario_docs}
            bad: set[Path] = set()
            blocked = False
            for d in program.diagnostics:
                if not d.is_error:
                    continue
                if d.span is not None and d.span.file in scenario_files:
                    bad.add(Path(d.span.file).resolve())
                else:
                    blocked = True
            self.projects[key] = ProjectRun(project, program, bad, blocked, refs)
        return self.projects[key]

    def run_case(
        self, pr: ProjectRun, doc: Document, sf: ScenarioFile, case: CaseRun
    ) -> CaseReport:
        """Run one case, evaluate its assertions and compare (or write) its golden."""
        scenario_path = Path(doc.file)
        rel = self.relative(doc, pr)
        flow = case.flow or ""
        result = run(
            pr.program,
            case.contact,
            case.world,
            flow=flow,
            max_steps=self.max_steps,
            contact_id=contact_id_for(case.scenario, case.case),
        )
        flow = entered_flow(flow, result)
        report = CaseReport(
            f"{rel}::{case.case}", rel, case.scenario, case.case, flow, result.outcome, result
        )
        report.failures = case_failures(doc, sf, case.case, result)
        text = render_golden(result, source=rel, scenario=case.scenario, case=case.case, flow=flow)
        golden = golden_path(scenario_path, case.case)
        report.golden = self.check_golden(golden, text, pr.project.root)
        return report

    def relative(self, doc: Document, pr: ProjectRun) -> str:
        """A scenario file's path relative to its project root (computed once per file)."""
        rel = self._relative.get(doc.file)
        if rel is None:
            rel = self._relative[doc.file] = _relative(Path(doc.file), pr.project.root)
        return rel

    def check_golden(self, path: Path, text: str, root: Path | None = None) -> GoldenCheck:
        shown = display_path(path)
        try:
            outside = root is not None and not path.resolve().is_relative_to(root.resolve())
        except (OSError, RuntimeError):  # a link loop (RuntimeError before Python 3.13)
            loop = OSError(errno.ELOOP, os.strerror(errno.ELOOP), str(path))
            return GoldenCheck("malformed", shown, "", [], unreadable(shown, loop))
        if outside and root is not None:
            # `__goldens__` (or the golden) is a link out of the project: neither read nor write
            return GoldenCheck("malformed", shown, "", [], _outside(shown, root))
        try:
            if path.is_dir():
                raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
            old = read_golden(path)
        except OSError as exc:
            if not self.update:
                return GoldenCheck("malformed", shown, "", [], unreadable(shown, exc))
            old = None  # the update replaces it, or says why it cannot (WriteError)
        except GoldenError as exc:
            if not self.update:
                return GoldenCheck("malformed", shown, "", [], exc.diagnostic)
            old = None
        if old == text:
            return GoldenCheck("same", shown)
        if self.update:
            with self.writing(root if root is not None else path.parent):
                write_atomic(path, text)
            return GoldenCheck("written" if old is None else "updated", shown)
        if old is None:
            return GoldenCheck("missing", shown)
        diff = unified_diff(old, text, shown)
        try:
            before = parse_golden(old, shown)
        except GoldenError as exc:
            return GoldenCheck("malformed", shown, diff, [], exc.diagnostic)
        after = parse_golden(text, shown)
        return GoldenCheck("changed", shown, diff, what_moved(before, after))


def entered_flow(flow: str | None, result: Result) -> str:
    """The flow a case runs: its own (or the scenario's), else the first flow the run entered
    (an email case names none: the address it is sent to chooses the flow)."""
    if flow:
        return flow
    return result.outcome.flows[0] if result.outcome.flows else ""


def case_failures(doc: Document, sf: ScenarioFile, case: str, result: Result) -> list[str]:
    """What fails in a case's run, as lines: each `expect:` assertion that does not hold (at its
    position in the scenario file), then an error outcome that `expect:` does not name."""
    from flowrt.scenario.evaluation import evaluate
    from flowrt.scenario.expect import expects_kind

    expect = sf.cases[case].expect
    base = ("cases", case)
    failures = [(doc.span((*base, *f.path)), f) for f in evaluate(expect, result)]
    failures.sort(key=lambda sf: (sf[0].line, sf[0].column) if sf[0] else (0, 0))
    out = [f"{span}: {f.key}: {f.message}" for span, f in failures]
    if result.outcome.is_error and not expects_kind(expect, result.outcome.kind):
        out.append(
            f"the run ended in {result.outcome.describe()}; if that is intended, say so "
            f"with `expect: {{outcome: {result.outcome.kind}}}`"
        )
    return out


def _outside(shown: str, root: Path) -> Diagnostic:
    return Diagnostic.make(
        "FR009",
        f"{shown} resolves outside the project root {display_path(root)}; not read or written",
        Span(shown, 1, 1, 1, 2),
        "golden files and `__goldens__` directories must not be links out of the project",
    )


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name


def run_suite(
    paths: Sequence[str],
    *,
    update: bool = False,
    select: str | None = None,
    coverage: bool = False,
    max_steps: int = DEFAULT_MAX_STEPS,
    jobs: int = 1,
) -> SuiteReport:
    """Run and check every selected case of the scenario files under `paths`; every case is
    kept in the report (`report.cases`).  `jobs` > 1 runs the cases in that many processes."""
    run = SuiteRun(
        paths, update=update, select=select, coverage=coverage, max_steps=max_steps, jobs=jobs
    )
    for _ in run.cases(keep=True):
        pass
    return run.report


class SuiteRun:
    """One `flowrt test` run, streamed: `cases()` yields each case's report as soon as it is
    checked, in case order, and the report (`report`) keeps running counts.

    Every project is checked when the run is made (its diagnostics are in `report` before the
    first case runs), its scenario files read one at a time and let go
    (flowrt.project.lean); golden changes, unused goldens, coverage and why nothing was
    selected are in `report` once `cases()` is exhausted.  The cases run a chunk (`CHUNK`
    cases) at a time: whoever runs a chunk reads its scenario files again, refusing one whose
    text is not the one checked (`flowrt.project.lean.ScenarioChanged`).  With `jobs` > 1 the
    chunks run in worker processes forked after the project is compiled (they inherit the
    program; only chunk ranges go out, and back the case reports without their traces and the
    blocks and branches the runs took, for coverage), in case order, so everything printed
    from them is the same for any `jobs`.
    """

    def __init__(
        self,
        paths: Sequence[str],
        *,
        update: bool = False,
        select: str | None = None,
        coverage: bool = False,
        max_steps: int = DEFAULT_MAX_STEPS,
        jobs: int = 1,
    ) -> None:
        self.wanted = compile_selection(select)
        self.select = select
        self.update = update
        self.coverage = coverage
        self.jobs = jobs
        self.suite = Suite(update=update, max_steps=max_steps, lean=True, jobs=jobs)
        self.report = SuiteReport()
        self.groups = _group(paths or ["."])
        #: (flow, block) visited and (flow, block, branch) taken by the cases run so far.
        self.visited: set[tuple[str, str]] = set()
        self.hit: set[tuple[str, str, str]] = set()
        for root in self.groups:
            pr = self.suite.project(root)
            self.report.diagnostics.extend(pr.program.diagnostics)
            self.report.files += len(pr.project.files)

    def cases(self, *, keep: bool = False) -> Iterator[CaseReport]:
        """Run every selected case, yielding each one's report in case order (`keep`: also
        append it to `report.cases`)."""
        from flowrt.testing.unused import remove_stale, report_unused

        report = self.report
        available = 0
        for root, targets in self.groups.items():
            with self.suite.writing(root) as exclusive:
                pr = self.suite.project(root)
                if pr.blocked:
                    continue
                refs = [r for r in pr.refs or () if _under(Path(r.shown), targets)]
                runnable = [r for r in refs if Path(r.shown).resolve() not in pr.bad_files]
                available += sum(r.cases for r in runnable)
                for one in self._run(pr, runnable):
                    report.ran += 1
                    report.passed += one.passed
                    if keep:
                        report.cases.append(one)
                    if one.golden is not None and one.golden.status in ("written", "updated"):
                        report.changes.append((one.golden.status, one.golden.path))
                    yield one
                if self.update:
                    remove_stale(pr, targets, exclusive, report)
                selected = [(r.shown, _AllBut(r.kept)) for r in refs]
                report_unused(pr, targets, selected, self.update and not self.select, report)
        if not report.ran and not report.errors:
            report.nothing_selected = _nothing_selected(self.groups, self.select, available)
        if self.coverage:
            from flowrt.testing.coverage import compute_taken

            projects = [pr for pr in self.suite.projects.values() if not pr.blocked]
            report.coverage = compute_taken(projects, self.visited, self.hit)

    def _run(self, pr: ProjectRun, refs: list[ScenarioRef]) -> Iterator[CaseReport]:
        """The selected cases of the scenario files `refs`, run and checked, in order."""
        global _JOB  # noqa: PLW0603 - what forked workers inherit
        total = sum(r.cases for r in refs)
        _JOB = (self, pr, Opened(refs))
        try:
            if self.jobs <= 1 or total < MIN_PARALLEL or not can_fork():
                for chunk in chunks(refs, CHUNK):
                    for one in self._selected(chunk):
                        if self.coverage and one.result is not None:
                            self._took([one.result])
                        yield one
                return
            jobs = min(self.jobs, -(-total // CHUNK))
            for reports, visited, hit, changed in ordered_map(
                _run_chunk, chunks(refs, CHUNK), jobs
            ):
                self.visited |= visited
                self.hit |= hit
                yield from reports
                if changed is not None:  # after the cases before it, as in this process
                    raise ScenarioChanged(changed)
        finally:
            _JOB = None

    def _selected(self, chunk: list[tuple[int, int, int]]) -> Iterator[CaseReport]:
        """The reports of the cases of `chunk` that `-k` selects, each run as it is asked for."""
        assert _JOB is not None
        opened = _JOB[2]
        pr = _JOB[1]
        for i, start, stop in chunk:
            doc, sf, cases = opened[i]
            rel = self.suite.relative(doc, pr)
            for case in cases[start:stop]:
                if self.wanted(f"{rel}::{case.case} {sf.scenario}"):
                    yield self.suite.run_case(pr, doc, sf, case)

    def _took(self, results: Iterable[Result]) -> None:
        from flowrt.testing.coverage import taken

        visited, hit = taken(results)
        self.visited |= visited
        self.hit |= hit


class _AllBut:
    """Every golden name but the given ones (those beside a scenario file that are no case's,
    listed when it was checked): what `unused_goldens` needs of the file without its cases."""

    def __init__(self, unused: tuple[str, ...]) -> None:
        self.unused = frozenset(unused)

    def __contains__(self, name: object) -> bool:
        return name not in self.unused


def _keep_goldens(root: Path) -> Keep:
    """What a lean check keeps of each scenario file for `flowrt test`: FR311 where two cases
    share a golden file, and the goldens beside it that are no case's (in the project only)."""

    def keep(doc: Document, sf: ScenarioFile) -> tuple[list[Diagnostic], tuple[str, ...]]:
        names = {file_stem(c) + GOLDEN_SUFFIX for c in sf.cases}
        where = golden_dir(Path(doc.file))
        unused: tuple[str, ...] = ()
        if where.is_dir() and where.resolve().is_relative_to(root):
            found = sorted(g.name for g in where.glob("*" + GOLDEN_SUFFIX))
            unused = tuple(name for name in found if name not in names)
        return shared_goldens(doc, sf.cases), unused

    return keep


#: Cases per chunk (read, run and handed to a worker at a time): enough that sending reports
#: back costs little, few enough that every core stays busy to the end.  Tests set it small,
#: so that a scenario file's cases span several chunks.
CHUNK = 32
#: Fewer cases than this run in this process: forking workers would cost more than it saves.
MIN_PARALLEL = 2 * CHUNK

#: What a worker runs (set before the workers are forked, so they inherit it): the run, the
#: project and its scenario files to run (the one last read kept open).
_JOB: tuple[SuiteRun, ProjectRun, Opened] | None = None


def _run_chunk(
    chunk: list[tuple[int, int, int]],
) -> tuple[list[CaseReport], set[tuple[str, str]], set[tuple[str, str, str]], str | None]:
    """In a worker: run the selected cases of `chunk`; their reports without traces (what the
    reports print), the blocks and branches they took, and why it stopped at a scenario file
    changed since it was checked (the reports before it stand)."""
    assert _JOB is not None
    run = _JOB[0]
    run.visited, run.hit = set(), set()
    out = []
    try:
        for one in run._selected(chunk):
            if run.coverage and one.result is not None:
                run._took([one.result])
            one.result = None
            out.append(one)
    except ScenarioChanged as exc:
        return out, run.visited, run.hit, str(exc)
    return out, run.visited, run.hit, None


def _nothing_selected(groups: dict[Path, list[Path]], select: str | None, available: int) -> str:
    """Which filter selected no case: the `-k` expression, or the paths (no scenario case)."""
    if available and select:
        return (
            f"-k `{one_line(select, 60)}` selected none of the {available} case(s): a word "
            "matches part of a case id (file::case) or a scenario name"
        )
    where = ", ".join(display_path(root) for root in groups) or "."
    return (
        f"no scenario cases found in {printable(where)}: add a *.scenario.yaml file with cases "
        "(`flowrt init` writes an example)"
    )


def _group(paths: Iterable[str]) -> dict[Path, list[Path]]:
    """The projects to test, each with the paths given for it (`scope`: a scenario file, or a
    whole project; a directory above the projects, e.g. a repository whose project is in
    flows/, stands for every project below it that has scenario files)."""
    groups: dict[Path, list[Path]] = {}
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            raise UsageError(f"no such file or directory: {raw}")
        if p.is_file() and kind_of(p) != "scenario":
            raise UsageError(f"{raw} is not a scenario file (*.scenario.yaml) or a directory")
        target = scope(p).resolve()
        for root in project_roots(p, "scenario"):
            groups.setdefault(root.resolve(), []).append(target)
    return groups


def _under(path: Path, targets: Sequence[Path]) -> bool:
    p = path.resolve()
    return any(p == t or t in p.parents for t in targets)
