"""The outputs docs/running.md and docs/testing.md quote are flowrt's real output.

Each ```console block is a list of `$ command` lines, each followed by the output it prints.  The
test runs every command that quotes an output and compares: quoted lines must be the real lines,
in order, where a line `...` stands for any number of lines left out.  Commands that name `flows/`
run from the repository root, on the example project; the others run, in document order, in the
project the guide's first scenario builds (the example's instance and flows, with the guide's
scenario as its only one).  Counts like "82 case(s)" quoted in running text are checked too.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"
FLOWS = ROOT / "flows"
CONSOLE = re.compile(r"^```console\n(.*?)\n```", re.M | re.S)
YAML = re.compile(r"^```yaml\n(.*?)\n```", re.M | re.S)
ELISION = "..."


def _commands(doc: str) -> list[tuple[str, list[str]]]:
    """(command, quoted output lines) for each `$ ` line of every console block."""
    out: list[tuple[str, list[str]]] = []
    for block in CONSOLE.finditer(doc):
        for line in block.group(1).splitlines():
            if line.startswith("$ "):
                out.append((line[2:], []))
            elif line.strip() and out:
                out[-1][1].append(line)
    return out


def _matches(quoted: list[str], actual: list[str]) -> bool:
    """Whether `actual` is `quoted` with each `...` line standing for zero or more lines."""
    segments: list[list[str]] = [[]]
    for line in quoted:
        if line.strip() == ELISION:
            segments.append([])
        else:
            segments[-1].append(line)
    if len(segments) == 1:
        return quoted == actual
    first, *middle, last = segments
    if actual[: len(first)] != first or (last and actual[len(actual) - len(last) :] != last):
        return False
    pos, end = len(first), len(actual) - len(last)
    if end < pos:
        return False
    for seg in middle:
        found = next(
            (i for i in range(pos, end - len(seg) + 1) if actual[i : i + len(seg)] == seg), None
        )
        if found is None:
            return False
        pos = found + len(seg)
    return True


def test_matcher() -> None:
    assert _matches(["a", "...", "d"], ["a", "b", "c", "d"])
    assert _matches(["a", "  ...", "c", "d"], ["a", "b", "c", "d"])
    assert _matches(["a", "...", "d"], ["a", "d"])
    assert not _matches(["a", "...", "d"], ["a", "b", "c", "e"])
    assert not _matches(["a", "...", "x", "...", "d"], ["a", "b", "d"])
    assert not _matches(["a", "b"], ["a", "b", "c"])


def _run(command: str, cwd: Path) -> list[str]:
    argv = shlex.split(command, comments=True)
    assert argv[0] == "flowrt", command
    proc = subprocess.run(
        [sys.executable, "-m", "flowrt", *argv[1:]],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "100"},
    )
    return (proc.stdout + proc.stderr).splitlines()


def _guide_project(doc: str, where: Path) -> Path:
    """The project of the guide's first scenario: the example's instance and flows, and it."""
    project = where / "project"
    project.mkdir()
    shutil.copy(FLOWS / "instance.yaml", project)
    for flow in FLOWS.glob("*.flow.yaml"):
        shutil.copy(flow, project)
    if (FLOWS / "schemas").is_dir():
        shutil.copytree(FLOWS / "schemas", project / "schemas")
    scenario = YAML.search(doc)
    assert scenario is not None
    (project / "scenarios").mkdir()
    (project / "scenarios" / "support.scenario.yaml").write_text(
        scenario.group(1) + "\n", encoding="utf-8"
    )
    return project


DOCUMENTED = ["running.md", "testing.md"]


@pytest.mark.parametrize("name", DOCUMENTED)
def test_quoted_outputs_are_real(name: str, tmp_path: Path) -> None:
    doc = (DOCS / name).read_text(encoding="utf-8")
    checked = 0
    project: Path | None = None
    for command, quoted in _commands(doc):
        if not quoted:
            continue
        if "flows/" in command:
            cwd = ROOT
        else:
            project = project or _guide_project(doc, tmp_path)
            cwd = project
        actual = _run(command, cwd)
        assert _matches(quoted, actual), (
            f"{name}: `$ {command}` quotes\n"
            + "\n".join(quoted)
            + "\nbut prints\n"
            + "\n".join(actual)
        )
        checked += 1
    assert checked >= 1


def _example_case_count() -> int:
    last = _run("flowrt run flows/", ROOT)[-1]
    match = re.fullmatch(r"(\d+) case\(s\) run: \d+ completed, 0 failed", last)
    assert match is not None, last
    return int(match.group(1))


def test_quoted_case_counts() -> None:
    """`of the N case(s)` in running text is the example project's number of cases."""
    count = _example_case_count()
    quoted = {
        (path.name, int(m.group(1)))
        for path in sorted(DOCS.glob("*.md"))
        for m in re.finditer(r"of the (\d+) case\(s\)", path.read_text(encoding="utf-8"))
    }
    assert quoted
    assert {q for q in quoted if q[1] != count} == set()
