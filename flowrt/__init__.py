"""flowrt: contact-center routing flows as code.

The public surface is small: `load_project(path)` loads and validates a project, `Project.compile()`
builds a `Program`, and `Program.run(contact, world)` dry-runs a contact.  `load(path)` loads one
YAML file with its source map.  Everything else is reachable through the stage modules.

Errors (docs/running.md, "Python API"): `load` raises `LoadError`; `load_project`, `compile` and
`Program.run` raise `FlowrtError`, which carries every diagnostic.  A path that is not a str or
an os.PathLike, is empty, holds a NUL or is over 4,096 characters is refused before anything is
read, with the same exceptions; so is a project path that does not exist.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from flowrt.core import __version__

__all__ = [
    "Diagnostic",
    "FlowrtError",
    "LoadError",
    "Span",
    "__version__",
    "compile",
    "load",
    "load_project",
]

if TYPE_CHECKING:
    from flowrt.core.diagnostics import Diagnostic, FlowrtError, Span
    from flowrt.lang.compiler import Program
    from flowrt.lang.loader import Document, LoadError
    from flowrt.project.driver import Project

#: Longer paths are refused (Linux's PATH_MAX): they cannot name a file.
MAX_PATH = 4096


def load(path: str | os.PathLike[str]) -> Document:
    """Load one YAML file into plain data with a source map; raise LoadError (one diagnostic)
    when it cannot be read or parsed, or `path` is not a path."""
    from pathlib import Path

    from flowrt.lang.loader import LoadError, load_file

    text, problem = _path_problem(path, "load", must_exist=False)
    if problem is not None:
        raise LoadError(problem)
    return load_file(Path(text), text)


def load_project(path: str | os.PathLike[str] = ".") -> Project:
    """Load the project at `path` (its directory or any file in it); raise FlowrtError when
    `path` is not a path or does not exist.  Problems in the files are the project's
    diagnostics (`Project.diagnostics`); `compile()` raises them."""
    from flowrt.core.diagnostics import FlowrtError
    from flowrt.project.driver import load_project as _load_project

    text, problem = _path_problem(path, "load_project")
    if problem is not None:
        raise FlowrtError([problem])
    return _load_project(text)


def compile(path: str | os.PathLike[str] = ".") -> Program:  # noqa: A001 - the house style's public name
    """Load and compile the project at `path`; raise FlowrtError if it has errors."""
    return load_project(path).compile()


def _path_problem(
    path: object, function: str, *, must_exist: bool = True
) -> tuple[str, Diagnostic | None]:
    """The path as text, or the diagnostic (FR001) that says why it is not one."""
    from flowrt.core.diagnostics import Diagnostic

    def problem(message: str) -> tuple[str, Diagnostic | None]:
        hint = "give the path of a project directory or of a file in it, as a str or a Path"
        return "", Diagnostic.make("FR001", f"{function}: {message}", None, hint)

    if not isinstance(path, str | os.PathLike):
        return problem(f"the path must be a str or an os.PathLike, not {type(path).__name__}")
    try:
        text = os.fspath(path)
    except TypeError as exc:  # a PathLike whose __fspath__ answers something else
        return problem(f"the path is not a path: {exc}")
    if not isinstance(text, str):
        return problem(f"the path must be text, not {type(text).__name__}")
    if not text:
        return problem("the path is empty")
    if "\x00" in text:
        return problem("the path holds a NUL character, which no file name can")
    if len(text) > MAX_PATH:
        return problem(f"the path is {len(text):,} characters long; at most {MAX_PATH:,}")
    if must_exist and not os.path.exists(text):
        shown = text if text.isprintable() else repr(text)[1:-1]
        return problem(f"no such file or directory: {shown}")
    return text, None


def __getattr__(name: str) -> Any:
    # Lazy re-exports keep `import flowrt` (and so `flowrt --help`) fast.
    if name in ("Diagnostic", "FlowrtError", "Span"):
        from flowrt.core import diagnostics

        return getattr(diagnostics, name)
    if name == "LoadError":
        from flowrt.lang.loader import LoadError

        return LoadError
    raise AttributeError(name)
