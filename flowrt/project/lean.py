"""A project checked without keeping its scenario files, and each file read again to run it.

`load_project` keeps every scenario file's document (data and positions) and models until the
project is dropped: about 10 KB a case, 10 GB for a million cases.  `check_lean` gives the same
diagnostics in the same order (what `load_project(root).compile(strict=False)` gives), but
reads, validates, models and checks the scenario files one at a time after the flows are
compiled, and keeps of each only a `ScenarioRef`: where it is, the SHA-256 of the text that was
checked, its scenario name and number of cases, and what the caller's `keep` hook asked for.
Each scenario file's own loading diagnostics are put back where `load_project` would have
them (between those of the files before and after it in path order).

A project whose scenario files are small in all (at most `KEEP_BYTES` of text) is checked in one
process and keeps each file's document, model and cases in its `ScenarioRef` (`opened`): its
files are read once, as `load_project` reads them, and its memory is bounded by that budget.

`open_scenario` reads a file again to run it, a chunk of cases at a time (flowrt.cli.stream,
flowrt.testing.suite), and refuses it (`ScenarioChanged`) when its text is not the text that
was checked: content that changed between the check and the run is never run unchecked.  The
text is decoded strictly as UTF-8 (which maps distinct bytes to distinct text), so equal
digests of the text are equal bytes.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flowrt.core.diagnostics import Diagnostic
from flowrt.core.gc import paused_gc
from flowrt.core.workers import can_fork, ordered_map
from flowrt.lang.compiler import Program
from flowrt.lang.loader import DEFAULT_LIMITS, Document, Limits, LoadError, load_text, read_text
from flowrt.project.driver import Project, _load, _Roots, discover

if TYPE_CHECKING:
    from flowrt.scenario.model import CaseRun, ScenarioFile

#: What a caller keeps of each scenario file that validated, while its document and model are
#: still there: diagnostics to add after the program's, and anything small (`ScenarioRef.kept`).
Keep = Callable[["Document", "ScenarioFile"], tuple[Sequence[Diagnostic], Any]]


class ScenarioChanged(Exception):
    """A scenario file that is not, when read to run, what was checked (one line for people)."""


@dataclass(frozen=True)
class ScenarioRef:
    """A scenario file that validated and was let go: what reading it again to run needs."""

    #: The file as the project found it, and as diagnostics show it (the document's `file`).
    path: Path
    shown: str
    #: SHA-256 of the text that was checked.
    digest: bytes
    scenario: str
    cases: int
    #: What the caller's `keep` hook returned for it.
    kept: Any = None
    #: The document, model and cases checked, kept when the project's scenario files are small
    #: in all (`KEEP_BYTES`); None: read the file again to run it (`open_scenario`).
    opened: tuple[Document, ScenarioFile, list[CaseRun]] | None = field(
        default=None, compare=False, repr=False
    )


@dataclass
class LeanProject:
    """A project checked by `check_lean`: its flows and instance as `load_project` has them
    (`project.scenarios` empty; `project.scenario_docs` the documents of the scenario files that
    loaded, without their text or data), the compiled program with every diagnostic, and a
    `ScenarioRef` per scenario file that validated, in path order."""

    project: Project
    program: Program
    refs: list[ScenarioRef]


def digest(text: str) -> bytes:
    """The SHA-256 of a file's text (its UTF-8 bytes)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


def check_lean(
    root: Path, keep: Keep | None = None, limits: Limits = DEFAULT_LIMITS, jobs: int = 1
) -> LeanProject:
    """Check the whole project at `root` (an absolute path) as `load_project` and `compile` do,
    with the scenario files read and checked one at a time (see the module); with `jobs` > 1
    and many scenario files, on `jobs` processes forked once the flows are compiled."""
    global _CHECK  # noqa: PLW0603 - what forked workers inherit
    root_of = _Roots()
    files = [f for f in discover([root]) if root_of(f) == root]
    deferred: list[tuple[int, Path]] = []
    with paused_gc():
        project = _load(root, files, limits, deferred=deferred)
        program = project.compile(strict=False)
    head = len(project.diagnostics)  # the files' own diagnostics, then the compiler's
    loaded: list[Diagnostic] = []
    checks: list[Diagnostic] = []
    kept: list[Diagnostic] = []
    refs: list[ScenarioRef] = []
    done = 0
    paths = [f for _, f in deferred]
    groups = [paths[i : i + CHECK_GROUP] for i in range(0, len(paths), CHECK_GROUP)]
    keep_open = _text_bytes(paths) <= KEEP_BYTES
    _CHECK = (root, program, keep, limits, keep_open)
    try:
        checked: Iterator[list[_Checked]]
        if jobs > 1 and len(groups) > 1 and not keep_open and can_fork():
            checked = ordered_map(_check_files, groups, min(jobs, len(groups)))
        else:
            checked = map(_check_files, groups)
        for (before, _), one in zip(deferred, (c for group in checked for c in group), strict=True):
            loaded.extend(program.diagnostics[done:before])
            done = before
            found, shown, checked_diags, kept_diags, ref = one
            loaded.extend(found)
            project.scenario_docs.extend(Document(file, "", None) for file in shown)
            checks.extend(checked_diags)
            kept.extend(kept_diags)
            if ref is not None:
                refs.append(ref)
    finally:
        _CHECK = None
    loaded.extend(program.diagnostics[done:head])
    program.diagnostics[:] = [*loaded, *program.diagnostics[head:], *checks, *kept]
    return LeanProject(project, program, refs)


#: Scenario files checked per task of a worker.
CHECK_GROUP = 16
#: Scenario files of at most this many bytes in all are kept once checked (`ScenarioRef.opened`)
#: and run from that one reading: about 8,000 cases of the example's, 10 KB of memory each.
KEEP_BYTES = 2 * 1024 * 1024
#: What the processes that check scenario files read: set before they are forked.
_CHECK: tuple[Path, Program, Keep | None, Limits, bool] | None = None


def _text_bytes(paths: Sequence[Path]) -> int:
    """The size of the files of `paths` in bytes (a file that cannot be read counts as none: its
    check reports it)."""
    total = 0
    for f in paths:
        with contextlib.suppress(OSError):
            total += f.stat().st_size
    return total


#: One scenario file checked: its loading diagnostics, its shown path if it loaded, its check's
#: diagnostics, the `keep` hook's, and its reference if it validated.
_Checked = tuple[
    list[Diagnostic], list[str], list[Diagnostic], list[Diagnostic], "ScenarioRef | None"
]


def _check_files(paths: list[Path]) -> list[_Checked]:
    """Load, validate, model and check each scenario file of `paths` (see `check_lean`)."""
    from flowrt.scenario.model import cases_of, check_scenario

    assert _CHECK is not None
    root, program, keep, limits, keep_open = _CHECK
    out: list[_Checked] = []
    for f in paths:
        one = _load(root, [f], limits)  # this file's loading diagnostics, and its document
        checks: list[Diagnostic] = []
        kept: list[Diagnostic] = []
        ref = None
        for doc, sf in one.scenarios:
            checks = check_scenario(doc, sf, program)
            extra = None
            if keep is not None:
                found, extra = keep(doc, sf)
                kept = list(found)
            opened = (doc, sf, cases_of(sf)) if keep_open else None
            ref = ScenarioRef(
                f, doc.file, digest(doc.text), sf.scenario, len(sf.cases), extra, opened
            )
        out.append((one.diagnostics, [d.file for d in one.scenario_docs], checks, kept, ref))
    return out


def open_scenario(
    ref: ScenarioRef, limits: Limits = DEFAULT_LIMITS
) -> tuple[Document, ScenarioFile, list[CaseRun]]:
    """The scenario file of `ref` read again, its document, model and cases; raises
    `ScenarioChanged` when its text is not the text that was checked."""
    from flowrt.scenario.model import ScenarioFile, cases_of

    try:
        text = read_text(ref.path, ref.shown, limits)
    except LoadError as exc:
        raise ScenarioChanged(
            f"{ref.shown} cannot be read again to run its cases ({exc.diagnostic.message}); "
            "nothing of it was run"
        ) from None
    if digest(text) != ref.digest:
        raise ScenarioChanged(
            f"{ref.shown} changed after it was checked; its new content was not run "
            "(run the command again to check it and run it)"
        )
    doc = load_text(text, ref.shown, limits)
    # Not validated again: the text is the one that validated (its digest), and validation
    # changes nothing of the data (the schemas' defaults are not filled in), so the models
    # built from it are the ones that were checked.
    sf = ScenarioFile.model_validate(doc.data)
    return doc, sf, cases_of(sf)


def chunks(refs: Sequence[ScenarioRef], size: int) -> Iterator[list[tuple[int, int, int]]]:
    """The cases of `refs` in order, as chunks of about `size` cases: each a list of (index in
    `refs`, first case, end case).  A file of at most `size` cases is never cut, so it is read
    by one process only (a chunk has fewer than 2 x `size` cases); a larger one is cut every
    `size` cases.  Nothing is made ahead of what is taken."""
    chunk: list[tuple[int, int, int]] = []
    n = 0
    for i, ref in enumerate(refs):
        start = 0
        if ref.cases > size:
            if chunk:
                yield chunk
                chunk, n = [], 0
            while ref.cases - start > size:
                yield [(i, start, start + size)]
                start += size
        if start < ref.cases:
            chunk.append((i, start, ref.cases))
            n += ref.cases - start
        if n >= size:
            yield chunk
            chunk, n = [], 0
    if chunk:
        yield chunk


class Opened:
    """The scenario file last opened to run (one per process): the chunks of one file come one
    after another, so each process reads a file once however many chunks it has."""

    def __init__(self, refs: Sequence[ScenarioRef], limits: Limits = DEFAULT_LIMITS) -> None:
        self.refs = refs
        self.limits = limits
        self._last: tuple[int, tuple[Document, ScenarioFile, list[CaseRun]]] | None = None

    def __getitem__(self, index: int) -> tuple[Document, ScenarioFile, list[CaseRun]]:
        kept = self.refs[index].opened
        if kept is not None:  # checked and kept (a small project): the same document and cases
            return kept
        if self._last is None or self._last[0] != index:
            self._last = None  # let the last one go before reading the next
            self._last = (index, open_scenario(self.refs[index], self.limits))
        return self._last[1]
