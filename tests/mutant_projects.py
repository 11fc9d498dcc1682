"""Small projects written for the tests that kill mutants (tests/test_mutants_*.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flowrt.project.driver import load_project

#: The reason FR430 gives for every action that stays a connect-action.
KEPT = "kept as a connect-action, whose dry run only follows its first transition"


def write_project(root: Path, instance: str, **flows: str) -> Path:
    """`root` made a project: its instance.yaml and a `NAME.flow.yaml` for each of `flows`."""
    (root / "instance.yaml").write_text(instance, encoding="utf-8")
    for name, text in flows.items():
        (root / f"{name}.flow.yaml").write_text(text, encoding="utf-8")
    return root


def compiled(root: Path, instance: str, **flows: str) -> Any:
    """The program of the project `write_project` makes (FlowrtError on an error)."""
    return load_project(str(write_project(root, instance, **flows))).compile()
