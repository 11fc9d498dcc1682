"""pytest plugin (entry point `pytest11`): scenario files collected as test items.

Activation is explicit, so that installing flowrt never changes what an unrelated test suite
collects: set `flowrt_scenarios = true` in the pytest configuration (`[tool.pytest.ini_options]`
of pyproject.toml, pytest.ini, ...) or pass `--flowrt`.  Then every `*.scenario.yaml` pytest
walks over is a collector and each of its cases an item (`scenarios/x.scenario.yaml::case`), so the
usual options work: `-k`, `-x`, `--lf`, `-n` (pytest-xdist), JUnit XML.  A case is checked exactly
as `flowrt test` checks it (assertions, outcome, golden file); a failure is reported as the same
text `flowrt test` prints (what failed, what moved, the golden's unified diff), never a traceback
into flowrt.  `--flowrt-update` (or syrupy's `--snapshot-update`) writes new and changed goldens
and deletes unused ones when no `-k` narrowed the run; unused goldens are listed in the summary.
A scenario file (or project) with errors fails collection with the diagnostics, positioned.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from flowrt.core.diagnostics import Diagnostic
    from flowrt.lang.loader import Document
    from flowrt.scenario.model import CaseRun, ScenarioFile
    from flowrt.testing.suite import CaseReport, ProjectRun, Suite

_SUITE = pytest.StashKey["Suite"]()
_FILES = pytest.StashKey[dict[Path, tuple["ProjectRun", "Document", "ScenarioFile"]]]()
_UNUSED = pytest.StashKey[list[str]]()
_WORKER_KEY = "flowrt_unused"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("flowrt", "flowrt scenario files")
    group.addoption(
        "--flowrt",
        action="store_true",
        default=False,
        help="collect *.scenario.yaml files as tests (or set flowrt_scenarios = true)",
    )
    group.addoption(
        "--flowrt-update",
        action="store_true",
        default=False,
        help="write new and changed flowrt golden files; delete unused ones (not with -k)",
    )
    parser.addini(
        "flowrt_scenarios",
        type="bool",
        default=False,
        help="collect *.scenario.yaml files as flowrt tests",
    )


def _enabled(config: pytest.Config) -> bool:
    return bool(config.getoption("flowrt") or config.getini("flowrt_scenarios"))


def _update(config: pytest.Config) -> bool:
    # syrupy's `--snapshot-update` stores its value under the dest `update_snapshots`.
    return bool(
        config.getoption("flowrt_update") or config.getoption("update_snapshots", default=False)
    )


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_FILES] = {}
    config.stash[_UNUSED] = []
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_XdistHooks(), "flowrt-xdist")


def _suite(config: pytest.Config) -> Suite:
    if _SUITE not in config.stash:
        from flowrt.testing.suite import Suite

        config.stash[_SUITE] = Suite(update=_update(config))
    return config.stash[_SUITE]


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.name.endswith(".scenario.yaml") and _enabled(parent.config):
        collector: pytest.Collector = ScenarioCollector.from_parent(parent, path=file_path)
        return collector
    return None


class FlowrtCollectError(Exception):
    """A scenario file (or its project) has errors: the diagnostics, rendered."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        from flowrt.core.diagnostics import render_text

        super().__init__(render_text(diagnostics))


class ScenarioFailed(Exception):
    """A case did not pass; carries its report."""

    def __init__(self, report: CaseReport) -> None:
        problems = report.problems()
        g = report.golden
        first = g.moved[0] if g is not None and g.moved and not report.failures else None
        super().__init__(first or (problems[0].splitlines()[0] if problems else report.id))
        self.report = report


class ScenarioCollector(pytest.File):
    """A `*.scenario.yaml` file: one item per case."""

    def collect(self) -> Iterator[pytest.Item]:
        from flowrt.project.driver import display_path, find_root
        from flowrt.scenario.model import cases_of

        pr = _suite(self.config).project(find_root(self.path))
        me = self.path.resolve()
        shown = display_path(self.path)
        if pr.blocked or me in pr.bad_files:
            errors = [
                d
                for d in pr.program.diagnostics
                if d.is_error and (pr.blocked or (d.span is not None and d.span.file == shown))
            ]
            raise FlowrtCollectError(errors)
        for doc, sf in pr.project.scenarios:
            if Path(doc.file).resolve() == me:
                self.config.stash[_FILES][me] = (pr, doc, sf)
                for case in cases_of(sf):
                    yield ScenarioItem.from_parent(self, name=case.case, case=case)
                return

    def repr_failure(  # type: ignore[override]
        self, excinfo: pytest.ExceptionInfo[BaseException]
    ) -> str:
        if isinstance(excinfo.value, FlowrtCollectError):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))


class ScenarioItem(pytest.Item):
    """One case of a scenario file, checked like `flowrt test` checks it."""

    def __init__(self, *, case: CaseRun, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case

    def runtest(self) -> None:
        pr, doc, sf = self.config.stash[_FILES][self.path.resolve()]
        report = _suite(self.config).run_case(pr, doc, sf, self.case)
        if report.golden is not None and report.golden.status in ("written", "updated"):
            self.add_report_section(
                "call", "flowrt", f"{report.golden.status} {report.golden.path}"
            )
        if not report.passed:
            raise ScenarioFailed(report)

    def repr_failure(
        self,
        excinfo: pytest.ExceptionInfo[BaseException],
        style: Any = None,
    ) -> str:
        if isinstance(excinfo.value, ScenarioFailed):
            from flowrt.testing.render import failure_text

            # The first line is what pytest's short summary shows: the gist of the failure.
            r = excinfo.value.report
            head = f"{excinfo.value}\n{r.id}  {r.outcome.describe()}"
            return f"{head}\n{failure_text(r)}"
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, self.name


# ---------------------------------------------------------------------------------------------
# unused goldens: found where the files were collected, reported (or deleted) once


def _find_unused(config: pytest.Config) -> list[str]:
    from flowrt.project.driver import display_path
    from flowrt.testing.suite import unused_goldens
    from flowrt.testing.unused import golden_names

    found: set[Path] = set()
    by_project: dict[int, tuple[ProjectRun, list[Path], list[tuple[str, set[str]]]]] = {}
    for path, (pr, doc, sf) in config.stash[_FILES].items():
        entry = by_project.setdefault(id(pr), (pr, [], []))
        entry[1].append(path)
        entry[2].append((doc.file, golden_names(sf)))
    for pr, targets, selected in by_project.values():
        found.update(unused_goldens(pr, targets, selected))
    return sorted(display_path(p) for p in found)


def _merge(old: list[str], new: list[str]) -> list[str]:
    return sorted({*old, *new})


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    if not _enabled(config):
        return
    unused = _find_unused(config)
    workeroutput = getattr(config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput[_WORKER_KEY] = unused
    else:
        config.stash[_UNUSED] = _merge(config.stash[_UNUSED], unused)


class _XdistHooks:
    """Registered only with pytest-xdist: the controller gathers what each worker found."""

    @pytest.hookimpl
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        found = getattr(node, "workeroutput", {}).get(_WORKER_KEY, [])
        config = node.config
        config.stash[_UNUSED] = _merge(config.stash[_UNUSED], found)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    unused = config.stash.get(_UNUSED, [])
    if not unused:
        return
    delete = (
        _update(config)
        and not config.getoption("keyword")
        and not config.getoption("lf", default=False)
    )
    terminalreporter.section("flowrt goldens")
    for shown in unused:
        if delete:
            path = Path(shown)
            path.unlink(missing_ok=True)
            if path.parent.is_dir() and not any(path.parent.iterdir()):
                path.parent.rmdir()
            terminalreporter.write_line(f"deleted unused golden {shown}")
        else:
            terminalreporter.write_line(
                f"unused golden {shown} (pytest --flowrt-update deletes it)"
            )
