"""The driver of `flowrt run`: find the flow, the scenario and its cases, run them, report.

Two modes.  `flowrt run FLOW [--scenario FILE] [--case NAME]` runs one flow (a flow name or a
`*.flow.yaml` path) for the cases of a scenario, or for one contact given inline, and shows each
trace.  `flowrt run DIR` validates the project in DIR and runs every case of every scenario, one
line per case.  Nothing here prints: the CLI renders what these functions return.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flowrt.core.diagnostics import Diagnostic, has_errors, suggestion
from flowrt.core.files import kind_of
from flowrt.lang.compiler import Program
from flowrt.lang.loader import Document, LoadError, load_file
from flowrt.project.driver import Project, display_path, find_root, load_project
from flowrt.run.interpreter import DEFAULT_MAX_STEPS, contact_id_for
from flowrt.run.trace import Result
from flowrt.scenario.model import CaseRun, Contact, ScenarioFile, World, cases_of, deep_merge
from flowrt.scenario.run import run_contact as run


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
            out["ok"] = self.result.ok
        return out


@dataclass
class RunReport:
    """Everything a `flowrt run` produced: diagnostics, case results, files checked."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    results: list[CaseResult] = field(default_factory=list)
    files: int = 0

    @property
    def failed(self) -> bool:
        return has_errors(self.diagnostics) or any(not r.result.ok for r in self.results)


def _relative(file: str, root: Path) -> str:
    """A path shown relative to the project root (never absolute, for stable output)."""
    try:
        return Path(file).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return Path(file).name


def run_project(path: str, max_steps: int = DEFAULT_MAX_STEPS) -> RunReport:
    """Validate and compile the project at `path`, then run every case of every scenario."""
    project = load_project(path)
    program = project.compile(strict=False)
    report = RunReport(list(program.diagnostics), files=len(project.files))
    if has_errors(program.diagnostics):
        return report
    for doc, sf in project.scenarios:
        for case in cases_of(sf):
            report.results.append(_run_case(program, project.root, doc, case, None, max_steps))
    return report


def _run_case(
    program: Program,
    root: Path,
    doc: Document,
    case: CaseRun,
    flow: str | None,
    max_steps: int,
    contact: Contact | None = None,
) -> CaseResult:
    name = flow or case.flow or ""
    result = run(
        program,
        contact or case.contact,
        case.world,
        flow=name,
        max_steps=max_steps,
        contact_id=contact_id_for(case.scenario, case.case),
    )
    return CaseResult(_relative(doc.file, root), case.scenario, case.case, name, result)


def run_flow(
    target: str,
    scenario: str | None,
    case: str | None,
    inline: Mapping[str, Any],
    world: Mapping[str, Any],
    max_steps: int = DEFAULT_MAX_STEPS,
) -> RunReport:
    """Run one flow (a name or a flow file) for a scenario's cases or an inline contact."""
    start = Path(target) if Path(target).exists() else Path(scenario or ".")
    if not start.exists():
        raise UsageError(f"no such file or directory: {scenario}")
    project = load_project(start)
    program = project.compile(strict=False)
    report = RunReport(list(program.diagnostics), files=len(project.files))
    flow = _flow_name(project, target)
    if has_errors(program.diagnostics):
        return report
    if scenario is None:
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
        report.results.append(_run_case(program, project.root, doc, one, flow, max_steps, contact))
    return report


def _flow_name(project: Project, target: str) -> str:
    p = Path(target)
    if p.is_file() and kind_of(p) == "flow":
        for name, unit in project.flows.items():
            if Path(unit.doc.file).resolve() == p.resolve():
                return name
        raise UsageError(f"{target}: the flow file did not load (see the diagnostics)")
    if p.is_dir():
        raise UsageError(f"{target} is a directory; with --scenario give a flow name or file")
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


def parse_attrs(pairs: Sequence[str]) -> dict[str, str]:
    """`--attr key=value` options as a mapping (UsageError on a pair without `=`)."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, eq, value = pair.partition("=")
        if not eq or not key:
            raise UsageError(f"--attr needs KEY=VALUE, not `{pair}`")
        out[key] = value
    return out
