"""`flowrt run DIR` and `flowrt test` in flat memory: the project is checked with its scenario
files read one at a time and let go (flowrt.project.lean), then its cases run a chunk at a time,
each chunk's files read again; a file whose text changed in between is refused, not run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from flowrt.cli import main, stream
from flowrt.core.workers import ordered_map
from flowrt.project import lean
from flowrt.project.driver import load_project
from flowrt.project.lean import ScenarioRef, check_lean, chunks
from flowrt.testing import suite as suite_module

ROOT = Path(__file__).resolve().parent.parent
FLOWS = ROOT / "flows"
SUPPORT = "scenarios/inbound-support.scenario.yaml"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example project (99 cases in 4 scenario files), run from its parent directory."""
    root = tmp_path / "flows"
    shutil.copytree(FLOWS, root)
    monkeypatch.chdir(tmp_path)
    return root


def _chunked(monkeypatch: pytest.MonkeyPatch, size: int) -> None:
    """Chunks of `size` cases for both commands, and workers for any -j > 1 from 2 cases."""
    for module in (stream, suite_module):
        monkeypatch.setattr(module, "CHUNK", size)
        monkeypatch.setattr(module, "MIN_PARALLEL", 2)
    monkeypatch.setattr(lean, "KEEP_BYTES", -1)  # read again to run, however small the project


def test_small_chunks_split_the_files_of_the_example(project: Path) -> None:
    refs = check_lean(project).refs
    assert [(Path(r.shown).name, r.cases) for r in refs] == [
        ("email.scenario.yaml", 23),
        ("inbound-support.scenario.yaml", 32),
        ("other-flows.scenario.yaml", 32),
        ("self-service.scenario.yaml", 12),
    ]
    got = list(chunks(refs, 7))
    # Every case once, in order; files of more than 7 cases are cut every 7 cases.
    assert [n for chunk in got for i, a, b in chunk for n in ((i, c) for c in range(a, b))] == [
        (i, c) for i, r in enumerate(refs) for c in range(r.cases)
    ]
    assert got[:5] == [[(0, 0, 7)], [(0, 7, 14)], [(0, 14, 21)], [(0, 21, 23)], [(1, 0, 7)]]
    # Files no larger than a chunk are never cut (each is read by one process), and joined.
    assert list(chunks(refs, 40)) == [[(0, 0, 23), (1, 0, 32)], [(2, 0, 32), (3, 0, 12)]]
    assert list(chunks(refs, 1000)) == [[(0, 0, 23), (1, 0, 32), (2, 0, 32), (3, 0, 12)]]


@pytest.mark.parametrize(
    "command",
    [
        ["run", "flows", "--format", "text"],
        ["run", "flows", "--format", "json"],
        ["test", "flows", "--format", "text", "--coverage"],
        ["test", "flows", "--format", "json"],
        ["test", "flows", "-k", "gold or email"],
    ],
)
def test_chunked_runs_print_the_bytes_of_one_chunk_for_any_jobs(
    project: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: list[str],
) -> None:
    outputs = {}
    for size in (1000, 40, 7, 3):
        _chunked(monkeypatch, size)
        for jobs in ("1", "2"):
            assert main([*command, "-j", jobs]) == 0
            outputs[size, jobs] = capsys.readouterr().out
    one_chunk = outputs[1000, "1"]
    assert set(outputs.values()) == {one_chunk}
    if command[0] == "run" and command[-1] == "text":
        assert one_chunk.splitlines()[-1] == "99 case(s) run: 99 completed, 0 failed"
    elif command[-1] == "text":
        assert one_chunk.splitlines()[-1] == "99 passed, 0 failed"


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_lean_check_gives_the_diagnostics_of_a_whole_load_in_the_same_order(
    project: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    monkeypatch.setattr(lean, "CHECK_GROUP", 2)  # with jobs=2: 4 groups of files, 2 workers
    monkeypatch.setattr(lean, "KEEP_BYTES", -1)  # not kept: checked on the workers
    scenarios = project / "scenarios"
    # Scenario files that do not parse, do not validate and do not check, between flows in
    # path order (scenarios/ sorts before self-service.flow.yaml and transfer-*.flow.yaml).
    (scenarios / "broken.scenario.yaml").write_text("scenario: [unclosed\n", encoding="utf-8")
    (scenarios / "schema.scenario.yaml").write_text(
        "scenario: s\nflow: inbound-support\ncases:\n  a:\n    bogus: 1\n", encoding="utf-8"
    )
    (scenarios / "unknown.scenario.yaml").write_text(
        "scenario: u\nflow: no-such-flow\ncases:\n  a: {}\n", encoding="utf-8"
    )
    flow = project / "transfer-to-agent.flow.yaml"
    flow.write_text(
        flow.read_text(encoding="utf-8").replace(
            "flow: transfer-to-agent", "flow: transfer-to-agent\nbogus-key: 1"
        ),
        encoding="utf-8",
    )
    whole = load_project(project).compile(strict=False).diagnostics
    checked = check_lean(project, jobs=jobs)
    assert [d.as_json() for d in checked.program.diagnostics] == [d.as_json() for d in whole]
    files = [d.span.file if d.span else "" for d in whole]
    # The scenario files' loading diagnostics come before the flow's, the check's after both.
    assert files.index("flows/scenarios/broken.scenario.yaml") < files.index(
        "flows/transfer-to-agent.flow.yaml"
    )
    assert files.index("flows/scenarios/schema.scenario.yaml") < files.index(
        "flows/transfer-to-agent.flow.yaml"
    )
    assert files[-1] == "flows/scenarios/unknown.scenario.yaml"
    assert [Path(r.shown).name for r in checked.refs] == [
        "email.scenario.yaml",
        "inbound-support.scenario.yaml",
        "other-flows.scenario.yaml",
        "self-service.scenario.yaml",
        "unknown.scenario.yaml",
    ]
    # Nothing of a scenario file is kept but its reference and an empty document.
    assert load_project(project).scenarios != [] and checked.project.scenarios == []
    assert [d.text for d in checked.project.scenario_docs] == [""] * 6


def _changing(monkeypatch: pytest.MonkeyPatch, module: object, edit: str) -> None:
    """Make `module`'s check_lean change (or delete) the inbound-support scenario file right
    after the check, before any case runs."""
    monkeypatch.setattr(lean, "KEEP_BYTES", -1)  # a small project's files are not read again
    real = check_lean

    def check_then_change(root: Path, *args: object, **kwargs: object) -> lean.LeanProject:
        checked = real(root, *args, **kwargs)  # type: ignore[arg-type]
        path = root / SUPPORT
        if edit == "delete":
            path.unlink()
        else:
            path.write_text(path.read_text(encoding="utf-8") + edit, encoding="utf-8")
        return checked

    monkeypatch.setattr(module, "check_lean", check_then_change)


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("command", ["run", "test"])
def test_a_scenario_file_changed_after_the_check_is_refused(
    project: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: str,
    jobs: str,
) -> None:
    _chunked(monkeypatch, 40)  # email's 23 cases and the changed file's 32 in one chunk
    # Only a comment added: still the content checked in every way but its bytes.
    _changing(monkeypatch, lean if command == "run" else suite_module, "# edited\n")
    assert main([command, "flows", "-j", jobs]) == 1
    out, err = capsys.readouterr()
    assert err == (
        f"flowrt {command}: flows/{SUPPORT} changed after it was checked; its new content was "
        "not run (run the command again to check it and run it)\n"
    )
    lines = out.splitlines()
    # Every case before the changed file ran and is printed, for any -j and chunk size.
    mark = "ok   scenarios/email" if command == "run" else "PASS scenarios/email"
    assert len(lines) == 23 and all(line.startswith(mark) for line in lines)


def test_a_scenario_file_deleted_after_the_check_is_refused(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _changing(monkeypatch, lean, "delete")
    assert main(["run", "flows", "-j", "1"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"flowrt run: flows/{SUPPORT} cannot be read again to run its cases (")
    assert err.endswith("); nothing of it was run\n")


def test_a_small_project_is_run_from_the_reading_it_was_checked_from(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    total = sum(f.stat().st_size for f in (project / "scenarios").glob("*.scenario.yaml"))
    monkeypatch.setattr(lean, "KEEP_BYTES", total)
    refs = check_lean(project).refs
    assert [r.opened is not None for r in refs] == [True] * 4
    assert [len(r.opened[2]) for r in refs if r.opened] == [23, 32, 32, 12]
    monkeypatch.setattr(lean, "KEEP_BYTES", total - 1)  # one byte over: read again to run
    assert [r.opened for r in check_lean(project).refs] == [None] * 4

    outputs = {}
    reads: list[str] = []
    real = lean.open_scenario

    def counted(ref: ScenarioRef, *args: object) -> object:
        reads.append(Path(ref.shown).name)
        return real(ref, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(lean, "open_scenario", counted)
    for keep in (total, -1):
        monkeypatch.setattr(lean, "KEEP_BYTES", keep)
        reads.clear()
        for command in ("run", "test"):
            assert main([command, "flows", "-j", "1"]) == 0
            outputs[keep, command] = capsys.readouterr().out
        # Kept: no file is read again; not kept: each file once per command.
        assert len(reads) == (0 if keep == total else 8)
    for command in ("run", "test"):
        assert outputs[total, command] == outputs[-1, command]
        assert outputs[total, command].count("\n") == 100


def test_a_file_read_again_is_checked_against_the_digest_of_its_text(project: Path) -> None:
    ref = check_lean(project).refs[1]
    doc, sf, cases = lean.open_scenario(ref)
    assert (doc.file, sf.scenario, len(cases)) == (ref.shown, ref.scenario, 32)
    forged = ScenarioRef(ref.path, ref.shown, b"\0" * 32, ref.scenario, ref.cases)
    with pytest.raises(lean.ScenarioChanged, match="changed after it was checked"):
        lean.open_scenario(forged)


def _square(x: int) -> int:
    return x * x


def test_ordered_map_gives_results_in_order_with_a_bounded_number_of_tasks_out() -> None:
    pulled: list[int] = []

    def tasks() -> object:
        for i in range(40):
            pulled.append(i)
            yield i

    seen = []
    for k, result in enumerate(ordered_map(_square, tasks(), 2, ahead=3)):  # type: ignore[arg-type]
        # At most 3 tasks were handed out beyond the k results taken before this one.
        assert len(pulled) <= k + 3
        seen.append(result)
    assert seen == [i * i for i in range(40)]
