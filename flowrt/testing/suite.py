"""The driver of `flowrt test` (and of the pytest plugin): run scenario cases, check them.

A case passes when its run satisfies every assertion of its `expect:`, its outcome is not an
error (unless `expect:` names that outcome), and its golden file matches the run byte for byte.
`Suite` loads and compiles each project once and runs cases on request; `run_suite` runs every
selected case under some paths and returns a `SuiteReport` (nothing here prints: the CLI and the
pytest plugin render it).  Goldens are written only with `update=True`: new and changed ones, and
unused ones are deleted, but only when no `-k` selection narrowed the run, so goldens of cases
that did not run are never touched.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flowrt.core.diagnostics import Diagnostic, Severity, Span
from flowrt.core.files import GOLDEN_SUFFIX, INSTANCE_FILE, SCENARIO_SUFFIX, kind_of
from flowrt.project.driver import (
    Project,
    discover,
    display_path,
    find_root,
    load_project,
)
from flowrt.run.interpreter import DEFAULT_MAX_STEPS, contact_id_for
from flowrt.scenario.run import run_contact as run
from flowrt.testing.golden import (
    GOLDEN_DIR,
    GoldenError,
    file_stem,
    golden_dir,
    golden_path,
    parse_golden,
    read_golden,
    render_golden,
    unified_diff,
    what_moved,
    write_atomic,
)

if TYPE_CHECKING:
    from flowrt.lang.compiler import Program
    from flowrt.lang.loader import Document
    from flowrt.run.trace import Result
    from flowrt.scenario.model import CaseRun, ScenarioFile
    from flowrt.testing.coverage import Coverage


class UsageError(Exception):
    """A command-line mistake (exit 2): a missing path, a bad `-k` expression."""


# ---------------------------------------------------------------------------------------------
# -k selection: pytest's keyword expressions (words, and, or, not, parentheses)

_TOKEN = re.compile(r"\s*(\(|\)|[^\s()]+)")


def compile_selection(expr: str | None) -> Callable[[str], bool]:
    """A predicate on case ids from a `-k` expression; words match as substrings, any case."""
    if not expr or not expr.strip():
        return lambda _id: True
    tokens = [m.group(1) for m in _TOKEN.finditer(expr)]
    pos = 0

    def peek() -> str | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> str:
        nonlocal pos
        if pos >= len(tokens):
            raise UsageError(f"-k `{expr}`: the expression ends too early")
        pos += 1
        return tokens[pos - 1]

    def or_() -> Callable[[str], bool]:
        left = and_()
        while peek() == "or":
            take()
            right = and_()
            left = (lambda a, b: lambda s: a(s) or b(s))(left, right)
        return left

    def and_() -> Callable[[str], bool]:
        left = not_()
        while peek() == "and":
            take()
            right = not_()
            left = (lambda a, b: lambda s: a(s) and b(s))(left, right)
        return left

    def not_() -> Callable[[str], bool]:
        if peek() == "not":
            take()
            inner = not_()
            return lambda s: not inner(s)
        tok = take()
        if tok == "(":
            inner = or_()
            if take() != ")":
                raise UsageError(f"-k `{expr}`: missing `)`")
            return inner
        if tok in (")", "and", "or"):
            raise UsageError(f"-k `{expr}`: unexpected `{tok}`")
        word = tok.lower()
        return lambda s: word in s.lower()

    predicate = or_()
    if pos != len(tokens):
        raise UsageError(f"-k `{expr}`: unexpected `{tokens[pos]}`")
    return predicate


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
    result: Result
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
            "outcome": self.result.outcome.as_json(),
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

    @property
    def passed(self) -> int:
        return sum(c.passed for c in self.cases)

    @property
    def failed(self) -> int:
        return len(self.cases) - self.passed

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


class Suite:
    """Runs and checks scenario cases; projects are loaded and compiled once per root."""

    def __init__(self, *, update: bool = False, max_steps: int = DEFAULT_MAX_STEPS) -> None:
        self.update = update
        self.max_steps = max_steps
        self.projects: dict[Path, ProjectRun] = {}
        self._relative: dict[str, str] = {}

    def project(self, root: Path) -> ProjectRun:
        key = root.resolve()
        if key not in self.projects:
            project = load_project(root)
            program = project.compile(strict=False)
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
            self.projects[key] = ProjectRun(project, program, bad, blocked)
        return self.projects[key]

    def run_case(
        self, pr: ProjectRun, doc: Document, sf: ScenarioFile, case: CaseRun
    ) -> CaseReport:
        """Run one case, evaluate its assertions and compare (or write) its golden."""
        from flowrt.scenario.evaluation import evaluate
        from flowrt.scenario.expect import expects_kind

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
        report = CaseReport(f"{rel}::{case.case}", rel, case.scenario, case.case, flow, result)
        expect = sf.cases[case.case].expect
        base = ("cases", case.case)
        failures = [(doc.span((*base, *f.path)), f) for f in evaluate(expect, result)]
        failures.sort(key=lambda sf: (sf[0].line, sf[0].column) if sf[0] else (0, 0))
        report.failures = [f"{span}: {f.key}: {f.message}" for span, f in failures]
        if result.outcome.is_error and not expects_kind(expect, result.outcome.kind):
            report.failures.append(
                f"the run ended in {result.outcome.describe()}; if that is intended, say so "
                f"with `expect: {{outcome: {result.outcome.kind}}}`"
            )
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
        if root is not None and not path.resolve().is_relative_to(root.resolve()):
            # `__goldens__` (or the golden) is a link out of the project: neither read nor write
            return GoldenCheck("malformed", shown, "", [], _outside(shown, root))
        old = read_golden(path)
        if old == text:
            return GoldenCheck("same", shown)
        if self.update:
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
) -> SuiteReport:
    """Run and check every selected case of the scenario files under `paths`."""
    from flowrt.scenario.model import cases_of

    wanted = compile_selection(select)
    suite = Suite(update=update, max_steps=max_steps)
    report = SuiteReport()
    groups = _group(paths or ["."])
    runs: list[tuple[ProjectRun, Result]] = []
    for root, targets in groups.items():
        pr = suite.project(root)
        report.diagnostics.extend(pr.program.diagnostics)
        report.files += len(pr.project.files)
        if pr.blocked:
            continue
        selected = [
            (doc, sf) for doc, sf in pr.project.scenarios if _under(Path(doc.file), targets)
        ]
        for doc, sf in selected:
            if Path(doc.file).resolve() in pr.bad_files:
                continue
            rel = suite.relative(doc, pr)
            for case in cases_of(sf):
                if not wanted(f"{rel}::{case.case} {sf.scenario}"):
                    continue
                one = suite.run_case(pr, doc, sf, case)
                report.cases.append(one)
                runs.append((pr, one.result))
                if one.golden is not None and one.golden.status in ("written", "updated"):
                    report.changes.append((one.golden.status, one.golden.path))
        _unused(pr, targets, selected, update and not select, report)
    if coverage:
        from flowrt.testing.coverage import compute

        report.coverage = compute(
            [pr for pr in suite.projects.values() if not pr.blocked], [r for _, r in runs]
        )
    return report


def _group(paths: Iterable[str]) -> dict[Path, list[Path]]:
    groups: dict[Path, list[Path]] = {}
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            raise UsageError(f"no such file or directory: {raw}")
        if p.is_file() and kind_of(p) != "scenario":
            raise UsageError(f"{raw} is not a scenario file (*.scenario.yaml) or a directory")
        # A directory may hold several projects (e.g. a repository whose project is in flows/):
        # each scenario belongs to the project of the nearest instance.yaml above it.
        roots = set()
        if p.is_dir():
            roots = {find_root(f).resolve() for f in discover([p]) if kind_of(f) == "scenario"}
        if not roots or (p.is_dir() and (p / INSTANCE_FILE).is_file()):
            roots.add(find_root(p).resolve())
        for root in sorted(roots):
            groups.setdefault(root, []).append(p.resolve())
    return groups


def _under(path: Path, targets: Sequence[Path]) -> bool:
    p = path.resolve()
    return any(p == t or t in p.parents for t in targets)


def _unused(
    pr: ProjectRun,
    targets: Sequence[Path],
    selected: Sequence[tuple[Document, ScenarioFile]],
    delete: bool,
    report: SuiteReport,
) -> None:
    """Goldens of no case: report them, or delete them (--update without -k)."""
    for golden in unused_goldens(pr, targets, selected):
        shown = display_path(golden)
        if delete:
            golden.unlink(missing_ok=True)
            report.changes.append(("deleted", shown))
            if golden.parent.is_dir() and not any(golden.parent.iterdir()):
                golden.parent.rmdir()
        else:
            report.unused.append(shown)


def unused_goldens(
    pr: ProjectRun,
    targets: Sequence[Path],
    selected: Sequence[tuple[Document, ScenarioFile]],
) -> list[Path]:
    """Golden files under `targets` that belong to no case of the scenario files `selected`.

    Goldens of a scenario file that is not selected (or has errors of its own) are not judged;
    goldens of a scenario file that no longer exists are all unused.
    """
    cases: dict[Path, set[str]] = {}
    for doc, sf in selected:
        cases[golden_dir(Path(doc.file)).resolve()] = {
            file_stem(c) + GOLDEN_SUFFIX for c in sf.cases
        }
    others = {golden_dir(Path(d.file)).resolve() for d in pr.project.scenario_docs}
    out: list[Path] = []
    root = pr.project.root.resolve()
    for sub in _golden_subdirs(targets):
        key = sub.resolve()
        if not key.is_relative_to(root):  # a link out of the project: never delete there
            continue
        if key not in cases and key in others:
            continue
        known = cases.get(key, set())
        out.extend(g for g in sorted(sub.glob("*" + GOLDEN_SUFFIX)) if g.name not in known)
    return out


def _golden_subdirs(targets: Sequence[Path]) -> list[Path]:
    """Golden directories of the targets: a scenario file's own and those of deleted scenario
    files beside it; for a directory, every one below it."""
    found: set[Path] = set()
    for t in targets:
        if t.is_file():
            gdir = t.parent / GOLDEN_DIR
            if gdir.is_dir():
                found.update(
                    sub
                    for sub in gdir.iterdir()
                    if sub.is_dir()
                    and (
                        sub == golden_dir(t)
                        or not (t.parent / (sub.name + SCENARIO_SUFFIX)).exists()
                    )
                )
            continue
        for dirpath, dirnames, _ in os.walk(t):
            if GOLDEN_DIR in dirnames:
                g = Path(dirpath) / GOLDEN_DIR
                found.update(sub for sub in g.iterdir() if sub.is_dir())
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != GOLDEN_DIR)
    return sorted(found)
