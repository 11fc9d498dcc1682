"""flowrt: contact-center routing flows as code.

The public surface is small: `load_project(path)` loads and validates a project, `Project.compile()`
builds a `Program`, and `Program.run(contact, world)` dry-runs a contact.  `load(path)` loads one
YAML file with its source map.  Everything else is reachable through the stage modules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flowrt.core import __version__

__all__ = [
    "Diagnostic",
    "FlowrtError",
    "Span",
    "__version__",
    "compile",
    "load",
    "load_project",
]

if TYPE_CHECKING:
    from flowrt.core.diagnostics import Diagnostic, FlowrtError, Span
    from flowrt.lang.compiler import Program
    from flowrt.lang.loader import Document
    from flowrt.project.driver import Project


def load(path: str) -> Document:
    """Load one YAML file into plain data with a source map (raises LoadError)."""
    from pathlib import Path

    from flowrt.lang.loader import load_file

    return load_file(Path(path), path)


def load_project(path: str = ".") -> Project:
    """Load the project at `path` (its directory or any file in it)."""
    from flowrt.project.driver import load_project as _load_project

    return _load_project(path)


def compile(path: str = ".") -> Program:  # noqa: A001 - the house style's public name
    """Load and compile the project at `path`; raise FlowrtError if it has errors."""
    return load_project(path).compile()


def __getattr__(name: str) -> Any:
    # Lazy re-exports keep `import flowrt` (and so `flowrt --help`) fast.
    if name in ("Diagnostic", "FlowrtError", "Span"):
        from flowrt.core import diagnostics

        return getattr(diagnostics, name)
    raise AttributeError(name)
