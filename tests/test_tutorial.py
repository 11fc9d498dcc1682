"""docs/tutorial.md is executed: its files are written out and its console outputs must match."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flowrt.cli import main

DOC = Path(__file__).resolve().parent.parent / "docs" / "tutorial.md"
BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.S)


def _blocks(lang: str) -> list[str]:
    return [body for kind, body in BLOCK.findall(DOC.read_text(encoding="utf-8")) if kind == lang]


def _console() -> list[tuple[str, str]]:
    """(command, expected output) for each `$ flowrt ...` in the console blocks."""
    out = []
    for body in _blocks("console"):
        cmd, _, rest = body.partition("\n")
        assert cmd.startswith("$ flowrt ")
        out.append((cmd.removeprefix("$ flowrt "), rest))
    return out


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    instance, flow, scenario = _blocks("yaml")
    root = tmp_path / "my-center"
    (root / "scenarios").mkdir(parents=True)
    (root / "instance.yaml").write_text(instance, encoding="utf-8")
    (root / "main.flow.yaml").write_text(flow, encoding="utf-8")
    (root / "scenario.txt").write_text(scenario, encoding="utf-8")  # written at step 6
    monkeypatch.chdir(root)
    return root


def _run(command: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(command.split())
    return code, capsys.readouterr().out.rstrip("\n") + "\n"


def test_tutorial_commands_print_what_the_tutorial_shows(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    steps = _console()
    assert len(steps) == 4
    (validate, clean), (_, typo), (run_all, runs), (run_one, trace) = steps
    assert _run(validate, capsys) == (0, clean)
    flow = project / "main.flow.yaml"
    good = flow.read_text(encoding="utf-8")
    flow.write_text(good.replace("queue: Support", "queue: Suport"), encoding="utf-8")
    assert _run(validate, capsys) == (1, typo)
    flow.write_text(good, encoding="utf-8")
    (project / "scenario.txt").rename(project / "scenarios" / "main.scenario.yaml")
    assert _run(run_all, capsys) == (0, runs)
    assert _run(run_one, capsys) == (0, trace)
