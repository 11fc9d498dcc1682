"""User-facing text speaks in words a user has: no internal references.

Docs, schema descriptions (editor hovers), diagnostic titles and help (SARIF rule help), the
example project, the `flowrt init` templates and the traces of the example's runs must not cite
the project's internal sources ("seed 002", "../shared/seeds/", "DESIGN §2"): they cite Amazon
Connect's documentation by page title, or state the rule.  User docs do not name the test suite's
files either.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flowrt.core.diagnostics import CODES
from flowrt.lang.schema import KINDS
from flowrt.project.schemas import build_schema

ROOT = Path(__file__).parent.parent
FLOWS = ROOT / "flows"
TEMPLATES = ROOT / "flowrt" / "cli" / "templates" / "init"
HELP = ROOT / "flowrt" / "reports" / "diagnostics_help.json"
CONTRIBUTOR_DOCS = {"architecture.md", "fuzzing.md"}
USER_DOCS = sorted(p for p in (ROOT / "docs").glob("*.md") if p.name not in CONTRIBUTOR_DOCS)

#: Internal references a user cannot follow.
FORBIDDEN = ("seed 0", "seeds 0", "../shared", "DESIGN", "§")


def _internal(text: str) -> list[str]:
    """Each line of `text` holding an internal reference, with the reference found."""
    return [
        f"{word!r} in: {line.strip()}"
        for line in text.splitlines()
        for word in FORBIDDEN
        if word.lower() in line.lower()
    ]


def test_the_check_finds_internal_references() -> None:
    assert _internal("capacity (seed 002)\nok") == ["'seed 0' in: capacity (seed 002)"]
    assert _internal("see ../shared/seeds/README.md") == [
        "'../shared' in: see ../shared/seeds/README.md"
    ]
    assert _internal("(DESIGN §2)") == ["'DESIGN' in: (DESIGN §2)", "'§' in: (DESIGN §2)"]
    assert _internal('(Amazon Connect Administrator Guide: "Set up call transfers")') == []


def _descriptions(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("description", "title", "markdownDescription") and isinstance(value, str):
                yield value
            else:
                yield from _descriptions(value)
    elif isinstance(node, list):
        for item in node:
            yield from _descriptions(item)


SCHEMA_FILES = sorted(
    [*(ROOT / "schemas").glob("*.schema.json"), *(ROOT / "flowrt/lang/schemas").glob("*.json")]
)


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_schema_descriptions(path: Path) -> None:
    texts = list(_descriptions(json.loads(path.read_text(encoding="utf-8"))))
    assert texts, path
    assert [bad for text in texts for bad in _internal(text)] == []


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_generated_schema_descriptions(kind: str) -> None:
    """The schemas as flowrt generates them now (block docstrings, field descriptions)."""
    texts = list(_descriptions(build_schema(kind)))
    assert texts, kind
    assert [bad for text in texts for bad in _internal(text)] == []


def test_diagnostic_titles_and_help() -> None:
    assert [bad for info in CODES.values() for bad in _internal(info.title)] == []
    rules = json.loads(HELP.read_text(encoding="utf-8"))
    assert sorted(rules) == sorted(CODES)
    assert [
        bad for rule in rules.values() for bad in _internal(rule["text"] + rule["markdown"])
    ] == []


@pytest.mark.parametrize("path", [*USER_DOCS, ROOT / "README.md"], ids=lambda p: p.name)
def test_user_docs(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert _internal(text) == []
    # the test suite's files are for contributors (architecture.md, fuzzing.md)
    assert [line for line in text.splitlines() if "tests/" in line] == []


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


@pytest.mark.parametrize(
    "path", [*_files(FLOWS), *_files(TEMPLATES)], ids=lambda p: str(p.relative_to(ROOT))
)
def test_example_project_and_init_templates(path: Path) -> None:
    assert _internal(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "scenario",
    sorted((FLOWS / "scenarios").glob("*.scenario.yaml")),
    ids=lambda p: p.name,
)
def test_example_traces(scenario: Path) -> None:
    """Every case of the example, run with its trace printed: the trace's words too."""
    proc = subprocess.run(
        [sys.executable, "-m", "flowrt", "run", "--scenario", str(scenario.relative_to(FLOWS))],
        capture_output=True,
        text=True,
        cwd=FLOWS,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("\n== ") + proc.stdout.startswith("== ") >= 3
    assert _internal(proc.stdout + proc.stderr) == []
