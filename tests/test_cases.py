"""The case corpus: tests/cases/{valid,invalid}/, run through `flowrt validate`'s logic.

Each invalid case is a file or a directory named after the code it must produce
(`FR021-unknown-queue/`); its rendered diagnostics are pinned with syrupy snapshots
(tests/__snapshots__/test_cases.ambr; refresh with `pytest --snapshot-update`).  Valid cases
must produce nothing at all, and their compiled graphs are pinned too.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion

from flowrt.core.diagnostics import CODES, Diagnostic, render_text, summary_line
from flowrt.project.driver import check_paths, load_project

CASES = Path(__file__).parent / "cases"
INVALID = sorted(p.name for p in (CASES / "invalid").iterdir() if not p.name.startswith("."))
VALID = sorted(p.name for p in (CASES / "valid").iterdir() if not p.name.startswith("."))
CASE_NAME = re.compile(r"^(FR\d{3})-[a-z0-9-]+(\.[a-z.]+)?$")

#: Codes without an invalid case, and why.
NO_CASE: dict[str, str] = {
    "FR070": "tested in tests/test_run_settings.py (set-event-hook with two events)",
    "FR071": "tested in tests/test_run_settings.py (set-routing-behavior with both keys)",
    "FR072": "tested in tests/test_run_settings.py (percentage bounds that fall)",
    "FR005": "needs a file over the 8 MB limit; test_diagnostics_messages lowers the limit instead",
    "FR045": "needs over 20,000 blocks; test_diagnostics_messages lowers MAX_BLOCKS instead",
    "FR066": "cannot be produced: a project is the files under its nearest instance.yaml, and a "
    "subdirectory with its own instance.yaml is another project, so no project has two",
}


def _validate(path: str) -> tuple[list[Diagnostic], str]:
    """What `flowrt validate PATH` finds and prints (without colors)."""
    diags, files = check_paths([path])
    text = render_text(diags)
    return diags, (text + "\n\n" if text else "") + summary_line(diags, files)


def _code(case: str) -> str:
    m = CASE_NAME.match(case)
    assert m, f"invalid case `{case}` must be named FRxxx-what-it-shows"
    return m.group(1)


@pytest.mark.parametrize("case", INVALID)
def test_invalid_case(
    case: str, monkeypatch: pytest.MonkeyPatch, snapshot: SnapshotAssertion
) -> None:
    monkeypatch.chdir(CASES)
    code = _code(case)
    diags, text = _validate(f"invalid/{case}")
    assert {d.code for d in diags} == {code}, text
    assert all(d.span is not None and d.span.file.startswith(f"invalid/{case}") for d in diags)
    assert text == snapshot


@pytest.mark.parametrize("case", VALID)
def test_valid_case(
    case: str, monkeypatch: pytest.MonkeyPatch, snapshot: SnapshotAssertion
) -> None:
    monkeypatch.chdir(CASES)
    diags, text = _validate(f"valid/{case}")
    assert diags == [], text
    program = load_project(f"valid/{case}").compile()
    graph = {
        name: {
            "type": flow.type,
            "start": flow.nodes[flow.start].name,
            "blocks": {
                node.name: {
                    branch: None if target is None else flow.nodes[target].name
                    for branch, target in node.targets.items()
                }
                for node in flow.nodes
            },
        }
        for name, flow in program.flows.items()
    }
    assert graph == snapshot


def _scenario_code(code: str) -> bool:
    """FR100 and above are scenario and run codes: flowrt.scenario.model and the interpreter produce
    them for *.scenario.yaml files and runs, and their own tests cover them."""
    return int(code[2:]) >= 100


def test_every_code_has_an_invalid_case() -> None:
    covered = {_code(case) for case in INVALID}
    expected = {c for c in CODES if not _scenario_code(c)}
    assert sorted(expected - covered - set(NO_CASE)) == []
    assert sorted(covered & set(NO_CASE)) == [], "a code has a case now: drop it from NO_CASE"
    assert sorted(set(NO_CASE) - set(CODES)) == []
