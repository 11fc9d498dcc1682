"""validate, compile, run and test over generated projects and mutations of them.

Invariants: no uncaught exception; every diagnostic positioned inside the file it names; every
run ends (an outcome of the closed set; a step limit comes with FR107); every step takes a branch
its block declares and the run goes where that branch leads; the same input gives byte-identical
output; `flowrt test --update` then `flowrt test` passes (goldens are stable).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flowrt.cli.run import run_project
from flowrt.core.diagnostics import render_json, render_text
from flowrt.core.files import GOLDEN_SUFFIX
from flowrt.project.driver import check_paths
from flowrt.run.interpreter import OUTCOME_KINDS
from flowrt.testing.suite import run_suite
from tests.fuzz import strategies as fs
from tests.fuzz.helpers import (
    assert_positioned,
    assert_steps_follow_branches,
    scratch_dir,
    write_files,
)

_ROOT = scratch_dir("project")


@pytest.fixture(scope="module")
def root() -> Path:
    return _ROOT / "p"


@st.composite
def _texts(draw: st.DrawFn, mutate: bool) -> dict[str, str]:
    """A project's files as text; with `mutate`, some files are broken in data or in text."""
    project = draw(fs.project_data())
    out = {}
    for name, data in project.items():
        if mutate and draw(st.integers(0, 2)) == 0:
            data = draw(fs.mutated(data))
        text = fs.to_text(data, draw(fs.styles))
        if mutate and draw(st.integers(0, 4)) == 0:
            text = draw(fs.mutated_text(text))
        out[name] = text
    return out


def _validate(root: Path) -> str:
    diags, _ = check_paths([str(root)])
    assert_positioned(diags)
    render_text(diags)  # rendering never fails either
    return render_json(diags)


@given(_texts(mutate=True))
def test_validate_mutated_projects(root: Path, files: dict[str, str]) -> None:
    write_files(root, files)
    first = _validate(root)
    assert _validate(root) == first


def _run(root: Path) -> str:
    report = run_project(str(root))
    assert_positioned(report.diagnostics)
    for r in report.results:
        out = r.result.outcome
        assert out.kind in OUTCOME_KINDS
        assert "internal error" not in (out.reason or ""), out.reason
        assert_positioned(r.result.diagnostics)
        if out.kind == "step-limit":
            assert [d.code for d in r.result.diagnostics] == ["FR107"]
        assert_steps_follow_branches(r.result.trace.records)
        r.result.render_text()
    return json.dumps(
        [r.as_json(full=True) for r in report.results] + [d.as_json() for d in report.diagnostics],
        sort_keys=True,
    )


@given(_texts(mutate=False))
def test_run_generated_projects(root: Path, files: dict[str, str]) -> None:
    write_files(root, files)
    first = _run(root)
    assert _run(root) == first


@given(_texts(mutate=True))
def test_run_mutated_projects(root: Path, files: dict[str, str]) -> None:
    write_files(root, files)
    _run(root)


def _goldens(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*" + GOLDEN_SUFFIX))
    }


def _suite(root: Path, update: bool) -> Any:
    report = run_suite([str(root)], update=update)
    assert_positioned(report.diagnostics)
    for case in report.cases:
        assert "internal error" not in (case.result.outcome.reason or "")
    return report


@given(_texts(mutate=False), st.data())
def test_test_update_then_test_passes(
    root: Path, files: dict[str, str], data: st.DataObject
) -> None:
    write_files(root, files)
    _suite(root, update=True)
    first = _goldens(root)
    report = _suite(root, update=False)
    assert all(c.golden is None or c.golden.status == "same" for c in report.cases)
    _suite(root, update=True)
    assert _goldens(root) == first  # byte-identical goldens
    if first:  # a broken golden is reported, never a crash
        name = data.draw(st.sampled_from(sorted(first)))
        text = first[name].decode("utf-8")
        (root / name).write_text(data.draw(fs.mutated_text(text)), encoding="utf-8")
        _suite(root, update=False)


def test_goldens_are_found(root: Path) -> None:
    files = {
        "instance.yaml": fs.to_text(fs.INSTANCE),
        "s.scenario.yaml": fs.to_text({"scenario": "s", "flow": "main", "cases": {"c1": {}}}),
    }
    for name in ("main", "other"):
        files[f"{name}.flow.yaml"] = fs.to_text(
            {"flow": name, "start": "a", "blocks": {"a": {"type": "disconnect"}}}
        )
    write_files(root, files)
    _suite(root, update=True)
    assert _goldens(root)
