"""Shared checks of the fuzz suite: every diagnostic is positioned inside the file it names, and
every run step takes a branch its block declares and goes where that branch leads."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from flowrt.core.diagnostics import Diagnostic
from flowrt.run.runtime import STOP

#: The scratch directories of the fuzz modules, removed when the session ends (tests/conftest.py).
_SCRATCH: list[tempfile.TemporaryDirectory[str]] = []

#: What every scratch directory's name starts with: tests/test_weak.py checks none is left.
SCRATCH_PREFIX = "flowrt-fuzz-"


def scratch_dir(name: str) -> Path:
    """A fresh temporary directory for a fuzz module's generated files (`flowrt-fuzz-<name>-...`).

    It is made at import, as the module's strategies already name paths inside it; the session's
    end removes it (`remove_scratch_dirs`, called by tests/conftest.py), and so does the
    interpreter's exit if a run stops before that."""
    tmp = tempfile.TemporaryDirectory(prefix=f"{SCRATCH_PREFIX}{name}-")
    _SCRATCH.append(tmp)
    return Path(tmp.name)


def remove_scratch_dirs() -> None:
    """Remove every directory `scratch_dir` made in this process."""
    while _SCRATCH:
        _SCRATCH.pop().cleanup()


#: Codes that may come without a span: they are about the command, not about a file's text.
UNPOSITIONED = frozenset({"FR100"})


def _line_count(text: str) -> int:
    return text.count("\n") + 1


def assert_positioned(diags: Iterable[Diagnostic], texts: Mapping[str, str] | None = None) -> None:
    """Every diagnostic names a file and a position inside it: 1 <= line <= the file's number of
    lines, column >= 1, and an end that is not before the start.  `texts` maps a name to its
    text for documents that are not files on disk."""
    for d in diags:
        if d.span is None:
            assert d.code in UNPOSITIONED, f"unpositioned diagnostic: {d.code} {d.message}"
            continue
        s = d.span
        if texts is not None and s.file in texts:
            text = texts[s.file]
        else:
            path = Path(s.file)
            assert path.is_file(), f"{d.code} names {s.file}, which is not a file: {d.message}"
            text = path.read_bytes().decode("utf-8", errors="replace")
        lines = _line_count(text)
        assert 1 <= s.line <= lines, f"{d.code} at line {s.line} of {lines}: {d.message}"
        assert s.column >= 1, f"{d.code} at column {s.column}: {d.message}"
        assert (s.end_line, s.end_column) >= (s.line, s.column), f"{d.code}: end before start"


def write_files(root: Path, files: Mapping[str, str]) -> None:
    """Make `root` hold exactly `files` (name -> text), emptying it first."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8", newline="")


#: The fact of a step the world's `errors:` made fail (its branch is the interpreter's, not the
#: block's: see flowrt.run.interpreter._failure_branch).
WORLD_FAULT = ("error", "the world makes this block fail (errors:)")


def assert_steps_follow_branches(records: Sequence[tuple[Any, ...]]) -> None:
    """Every step of a trace's `records` took a branch its block declares for its configuration
    (`Block.all_branches`), or ended the flow (`STOP`); and the run went where that branch leads:
    to the block connected to it, else nowhere in that flow (the next step, if any, is the start
    of a flow: a transfer to flow, a module, or the next flow an email contact runs; or the
    invoke-module block a module returns to)."""
    for i, (_, node, branch, facts, _) in enumerate(records):
        if branch != STOP and WORLD_FAULT not in (facts or ()):
            declared = node.block.all_branches()
            assert branch in declared, f"{node.name} ({node.type}) took {branch!r}: {declared}"
        if i + 1 == len(records):
            break
        next_flow, next_node = records[i + 1][0], records[i + 1][1]
        target = node.exits.get(branch)
        if target is not None:
            assert next_node is target, f"{node.name} took {branch!r} but {next_node.name} ran"
        else:
            start = next_flow.nodes[next_flow.start]
            # ... or the end of a module: its invoke-module block runs again, taking `success`.
            back = next_node.type == "invoke-module" and records[i + 1][2] == "success"
            assert next_node is start or back, (
                f"{node.name} ended its flow but {next_node.name} ran"
            )
