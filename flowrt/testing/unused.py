"""Golden files that belong to no case, and the temporary files of interrupted updates.

`flowrt test` reports unused goldens by name, or deletes them with `--update` when no `-k`
narrowed the run (flowrt.testing.suite); the pytest plugin lists them after its session.
Nothing outside a project's golden directories is ever deleted: a directory that is a link out
of the project is skipped.
"""

from __future__ import annotations

import os
import time
from collections.abc import Container, Sequence
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING

from flowrt.core.files import GOLDEN_SUFFIX, SCENARIO_SUFFIX, WriteError, stale_temp_files
from flowrt.project.driver import display_path
from flowrt.testing.golden import GOLDEN_DIR, file_stem, golden_dir

if TYPE_CHECKING:
    from flowrt.scenario.model import ScenarioFile
    from flowrt.testing.suite import ProjectRun, SuiteReport


def report_unused(
    pr: ProjectRun,
    targets: Sequence[Path],
    selected: Sequence[tuple[str, Container[str]]],
    delete: bool,
    report: SuiteReport,
) -> None:
    """Goldens of no case: report them, or delete them (--update without -k)."""
    for golden in unused_goldens(pr, targets, selected):
        shown = display_path(golden)
        if not delete:
            report.unused.append(shown)
            continue
        try:
            golden.unlink()
        except FileNotFoundError:  # another update deleted it (a system without locks)
            continue
        except OSError as exc:
            raise WriteError(golden, exc, verb="delete") from exc
        report.changes.append(("deleted", shown))
        _rmdir_if_empty(golden.parent)


#: Where the system has no locks, a temporary file this old is surely no live writer's.
STALE_AFTER = 600.0


def remove_stale(
    pr: ProjectRun, targets: Sequence[Path], exclusive: bool, report: SuiteReport
) -> None:
    """Remove the temporary files killed updates left in the golden directories of `targets`.

    Holding the project's lock, every such file is stale: its writer is gone."""
    root = pr.project.root.resolve()
    for sub in _golden_subdirs(targets):
        if not sub.resolve().is_relative_to(root):
            continue
        removed = False
        for tmp in stale_temp_files(sub, GOLDEN_SUFFIX):
            try:
                if not exclusive and time.time() - tmp.lstat().st_mtime < STALE_AFTER:
                    continue
                tmp.unlink()
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise WriteError(tmp, exc, verb="delete") from exc
            report.changes.append(("removed", display_path(tmp)))
            removed = True
        if removed:
            _rmdir_if_empty(sub)


def _rmdir_if_empty(directory: Path) -> None:
    """Remove a golden directory left empty (a directory still in use, or gone, stays so)."""
    with suppress(OSError):
        directory.rmdir()


def golden_names(sf: ScenarioFile) -> set[str]:
    """The file names of the goldens of a scenario file's cases."""
    return {file_stem(c) + GOLDEN_SUFFIX for c in sf.cases}


def unused_goldens(
    pr: ProjectRun,
    targets: Sequence[Path],
    selected: Sequence[tuple[str, Container[str]]],
) -> list[Path]:
    """Golden files under `targets` that belong to no case of the scenario files `selected`,
    each given as (its path, the golden file names of its cases: `golden_names`).

    Goldens of a scenario file that is not selected (or has errors of its own) are not judged;
    goldens of a scenario file that no longer exists are all unused.
    """
    cases: dict[Path, Container[str]] = {}
    for file, names in selected:
        cases[golden_dir(Path(file)).resolve()] = names
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
            found.update(
                sub
                for sub in _subdirs(t.parent / GOLDEN_DIR)
                if sub == golden_dir(t) or not (t.parent / (sub.name + SCENARIO_SUFFIX)).exists()
            )
            continue
        for dirpath, dirnames, _ in os.walk(t):
            if GOLDEN_DIR in dirnames:
                found.update(_subdirs(Path(dirpath) / GOLDEN_DIR))
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != GOLDEN_DIR)
    return sorted(found)


def _subdirs(directory: Path) -> list[Path]:
    """The subdirectories of `directory`; none when it is gone or not a directory."""
    try:
        return [sub for sub in directory.iterdir() if sub.is_dir()]
    except OSError:
        return []
