"""Shared checks of the fuzz suite: every diagnostic is positioned inside the file it names."""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from unittest.mock import patch

from flowrt.lang.blocks import BLOCKS
from flowrt.core.diagnostics import Diagnostic

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


@contextmanager
def general_steps() -> Iterator[None]:
    """Compile every block's run step as its general `run` method (no `compile_step` closure),
    so a run takes the slow path the specialised steps must agree with."""

    def unspecialised(self: Any, node: Any) -> Any:
        return self.run

    with ExitStack() as stack:
        for cls in BLOCKS.values():
            if "compile_step" in vars(cls):
                stack.enter_context(patch.object(cls, "compile_step", unspecialised))
        yield
