"""docs/diagnostics.md documents every code, and its examples are flowrt's real output."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flowrt.core.diagnostics import CODES, render_text
from flowrt.project.driver import check_paths

ROOT = Path(__file__).parent.parent
DOC = ROOT / "docs" / "diagnostics.md"
INVALID = ROOT / "tests" / "cases" / "invalid"
SECTION = re.compile(r"^## (FR\d{3})\n(.*?)(?=^## |\Z)", re.M | re.S)
CASE = re.compile(r"^<!-- case: (\S+) -->$", re.M)
TEXT_BLOCK = re.compile(r"^```text\n(.*?)\n```", re.M | re.S)


def _sections() -> dict[str, str]:
    return {m.group(1): m.group(2) for m in SECTION.finditer(DOC.read_text(encoding="utf-8"))}


def test_every_code_has_a_section() -> None:
    sections = _sections()
    assert sorted(set(CODES) - set(sections)) == []
    assert sorted(set(sections) - set(CODES)) == []


def test_sections_give_severity_and_fix() -> None:
    for code, body in _sections().items():
        assert f"severity: **{CODES[code].severity.value}**" in body, code
        assert "**Fix:**" in body, code


CASES = sorted((code, m.group(1)) for code, body in _sections().items() if (m := CASE.search(body)))


@pytest.mark.parametrize(("code", "case"), CASES)
def test_example_is_real_output(code: str, case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    body = _sections()[code]
    shown = TEXT_BLOCK.search(body)
    assert shown is not None, code
    path = INVALID / case
    monkeypatch.chdir(path if path.is_dir() else INVALID)
    diags, _ = check_paths(["." if path.is_dir() else case])
    assert code in {d.code for d in diags}
    assert render_text(diags) == shown.group(1)
