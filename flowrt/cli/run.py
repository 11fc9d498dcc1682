"""The driver of `flowrt run`: find the flow, the scenario and its cases, run them, report.

Two modes.  `flowrt run [FLOW] --scenario FILE [--case NAME]` runs the cases of a scenario
(through FLOW, a flow name or a `*.flow.yaml` path, when given; else each case's own flow), and
`flowrt run FLOW` one contact given inline, and shows each trace.  `flowrt run [DIR]` validates
the project DIR is in (default: the working directory's) and runs every case of every scenario,
one line per case.  A scenario case is checked against its `expect:` in both modes.  Nothing
here prints: the CLI renders what these functions return.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flowrt.core.diagnostics import Diagnostic, has_errors, suggestion
from flowrt.core.files import FLOW_SUFFIX, kind_of
from flowrt.lang.compiler import Program
from flowrt.lang.loader import Document, LoadError, load_file
from flowrt.project.driver import Project, display_path, find_root, load_project, project_roots
from flowrt.run.interpreter import DEFAULT_MAX_STEPS, contact_id_for
from flowrt.run.trace import Result
from flowrt.run.world import PreparedContact, PreparedWorld
from flowrt.scenario.model import CaseRun, Contact, ScenarioFile, World, cases_of, deep_merge
from flowrt.scenario.run import run_contact as run
from flowrt.testing.suite import case_failures, entered_flow


class UsageError(Exception):
    """A command-line mistake (exit 2): an unknown case, a missing file, a bad --attr."""


@dataclass
class CaseResult:
    """One case run: where it came from and its result."""

    file: str
    scenario: str
    case: str
    flow: str
    result: Result
    #: What fails against the case's `expect:` (None for a contact given inline).
    failures: list[str] | None = None

    @property
    def ok(self) -> bool:
        """A scenario case: every assertion holds (an error outcome only when expected); a
        contact given inline: the run completed."""
        return self.result.ok if self.failures is None else not self.failures

    def as_json(self, full: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "file": self.file,
            "scenario": self.scenario,
            "case": self.case,
            "flow": self.flow,
        }
        if full:
            out.update(self.result.as_json())
        else:
            out["outcome"] = self.result.outcome.as_json()
        out["ok"] = self.ok
        out["failures"] = list(self.failures or [])
        return out


@dataclass
class RunReport:
    """Everything a `flowrt run` produced: diagnostics, case results, files checked."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    results: list[CaseResult] = field(default_factory=list)
    files: int = 0
    #: The program the cases ran through (for `--format connect-logs`).
    program: Program | None = None

    @property
    def failed(self) -> bool:
        return has_errors(self.diagnostics) or any(not r.ok for r in self.results)


def _relative(file: str, root: Path) -> str:
    """A path shown relative to the project root (never absolute, for stable output)."""
    try:
        return Path(file).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return Path(file).name


def run_project(path: str, max_steps: int = DEFAULT_MAX_STEPS) -> RunReport:
    """Validate and compile the project `path` is in (every project below it, for a directory
    above the projects), then run every case of every scenario."""
    report = RunReport()
    for root in project_roots(Path(path), "scenario"):
        project = load_project(root)
        program = project.compile(strict=False)
        report.diagnostics.extend(program.diagnostics)
        report.files += len(project.files)
        if has_errors(program.diagnostics):
            continue
        for doc, sf in project.scenarios:
            for case in cases_of(sf):
                report.results.append(
                    _run_case(program, project.root, doc, case, None, max_steps, sf=sf)
                )
    return report


def compile_projects(path: str, jobs: int = 1) -> tuple[list[Diagnostic], int, list[Any]]:
    """The projects `path` stands for, checked and compiled, ready to stream their cases
    (`flowrt.cli.stream.run_cases`): every diagnostic, the file count, and the projects without
    errors as (program, root, [checked scenario file]) (`flowrt.cli.stream.Project`).  Their
    scenario files are not kept (`flowrt.project.lean`, on `jobs` processes): they are read
    again to run."""
    from flowrt.project.lean import check_lean

    diagnostics: list[Diagnostic] = []
    files = 0
    runnable = []
    for root in project_roots(Path(path), "scenario"):
        lean = check_lean(root, jobs=jobs)
        program = lean.program
        diagnostics.extend(program.diagnostics)
        files += len(lean.project.files)
        if has_errors(program.diagnostics):
            continue
        runnable.append((program, lean.project.root, lean.refs))
    return diagnostics, files, runnable


def _run_case(
    program: Program,
    root: Path,
    doc: Document,
    case: CaseRun,
    flow: str | None,
    max_steps: int,
    contact: Contact | PreparedContact | None = None,
    sf: ScenarioFile | None = None,
    shown_file: str | None = None,
    world: World | PreparedWorld | None = None,
) -> CaseResult:
    """Run one case (with `contact` and `world` instead of the case's own when given: the same
    ones, prepared, or the contact merged with `--attr`); `shown_file` is the scenario file's
    path as shown (`_relative`), when the caller has it already (resolving it costs twice the
    run of a small flow)."""
    name = flow or case.flow or ""
    result = run(
        program,
        contact or case.contact,
        case.world if world is None else world,
        flow=name,
        max_steps=max_steps,
        contact_id=contact_id_for(case.scenario, case.case),
    )
    failures = None if sf is None else case_failures(doc, sf, case.case, result)
    shown = entered_flow(name, result)
    file = shown_file if shown_file is not None else _relative(doc.file, root)
    return CaseResult(file, case.scenario, case.case, shown, result, failures)


def run_flow(
    target: str | None,
    scenario: str | None,
    case: str | None,
    inline: Mapping[str, Any],
    world: Mapping[str, Any],
    max_steps: int = DEFAULT_MAX_STEPS,
) -> RunReport:
    """Run a scenario's cases (through the flow `target` when given, else each case's own flow)
    or one contact given inline through the flow `target`."""
    if target is not None and looks_like_path(target) and not Path(target).exists():
        raise UsageError(f"no such file or directory: {target}")
    if scenario is not None and not Path(scenario).exists():
        raise UsageError(f"no such file or directory: {scenario}")
    if target is None and scenario is None:
        raise UsageError("give the FLOW to run (a flow name or a *.flow.yaml file), or --scenario")
    start = Path(target) if target is not None and Path(target).exists() else Path(scenario or ".")
    project = load_project(start)
    program = project.compile(strict=False)
    report = RunReport(list(program.diagnostics), files=len(project.files), program=program)
    flow = None if target is None else _flow_name(project, target)
    if has_errors(program.diagnostics):
        return report
    if scenario is None:
        assert target is not None and flow is not None
        given = Contact.model_validate(dict(inline))
        one = CaseRun("inline", "inline", flow, given, World.model_validate(dict(world)))
        doc = Document(target, "", {})
        report.results.append(_run_case(program, project.root, doc, one, flow, max_steps))
        return report
    doc, sf = _scenario(project, program, Path(scenario), report)
    if sf is None:
        return report
    runs = cases_of(sf)
    if case is not None:
        runs = [r for r in runs if r.case == case]
        if not runs:
            raise UsageError(
                f"scenario `{sf.scenario}` has no case `{case}`"
                f"{suggestion(case, sf.cases)}; its cases: {', '.join(sf.cases)}"
            )
    for one in runs:
        contact = None
        if inline or world:
            merged = deep_merge(one.contact.model_dump(by_alias=True, exclude_unset=True), inline)
            contact = Contact.model_validate(merged)
        if world:
            one = CaseRun(
                one.scenario,
                one.case,
                one.flow,
                one.contact,
                World.model_validate(
                    deep_merge(one.world.model_dump(by_alias=True, exclude_unset=True), world)
                ),
            )
        report.results.append(
            _run_case(program, project.root, doc, one, flow, max_steps, contact, sf)
        )
    return report


def looks_like_path(target: str) -> bool:
    """A FLOW argument meant as a file, not a flow name: it has a directory or a YAML suffix."""
    return "/" in target or os.sep in target or target.endswith((FLOW_SUFFIX, ".yaml", ".yml"))


def names_a_flow(target: str) -> bool:
    """Whether a FLOW|DIR argument that is a directory is meant as a flow name: a bare word
    that names a flow of the project the directory is in (`inbound-support` run inside
    `scenarios/__goldens__`, which has a directory of that name)."""
    if looks_like_path(target) or target in (".", ".."):
        return False
    try:
        return target in load_project(target).flows
    except Exception:  # noqa: BLE001 - cannot be loaded: not a flow name; the run will say why
        return False


def _flow_name(project: Project, target: str) -> str:
    p = Path(target)
    if p.is_file() and kind_of(p) == "flow":
        for name, unit in project.flows.items():
            if Path(unit.doc.file).resolve() == p.resolve():
                return name
        raise UsageError(f"{target}: the flow file did not load (see the diagnostics)")
    if not p.is_file() and not looks_like_path(target) and target in project.flows:
        return target
    if p.is_dir():
        raise UsageError(
            f"{target} is a directory; with --scenario give a FLOW (a flow name or a "
            "*.flow.yaml file), or no FLOW to run each case through its own flow"
        )
    if target not in project.flows:
        raise UsageError(
            f"unknown flow `{target}`{suggestion(target, project.flows)}; flows: "
            f"{', '.join(sorted(project.flows)) or '(none)'}"
        )
    return target


def _scenario(
    project: Project, program: Program, path: Path, report: RunReport
) -> tuple[Document, ScenarioFile | None]:
    if not path.is_file():
        raise UsageError(f"no such scenario file: {path}")
    for doc, sf in project.scenarios:
        if Path(doc.file).resolve() == path.resolve():
            return doc, sf
    if find_root(path).resolve() == project.root.resolve():
        # In the project but not loaded: its own diagnostics are already in the report.
        return Document(str(path), "", {}), None
    return _load_outside(program, path, report)


def _load_outside(
    program: Program, path: Path, report: RunReport
) -> tuple[Document, ScenarioFile | None]:
    """A scenario file outside the project: load, validate and check it on its own."""
    from flowrt.lang import schema
    from flowrt.project.driver import _model
    from flowrt.scenario.model import check_scenario

    try:
        doc = load_file(path, display_path(path))
    except LoadError as exc:
        report.diagnostics.append(exc.diagnostic)
        return Document(str(path), "", {}), None
    found = schema.validate(doc, "scenario")
    report.diagnostics.extend(found)
    if found:
        return doc, None
    sf = _model(ScenarioFile, doc.data, doc, (), report.diagnostics)
    if sf is None:
        return doc, None
    found = check_scenario(doc, sf, program)
    report.diagnostics.extend(found)
    return doc, None if has_errors(found) else sf
