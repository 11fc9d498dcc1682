"""Hardening of what flowrt writes (issue 13, classes 3, 8, 9 and 10).

- The machine refuses a write (read-only project, full disk, a directory where a golden should
  be, an output stream that cannot take the text, a terminal encoding that cannot show it), or
  `-k` nests thousands of parentheses: a one-line error that names the file and the cause, exit
  1 (a usage error exits 2), never a traceback, nothing half-written.
- Two `flowrt test --update` of one project at once take turns (a lock on the project root);
  temporary files a killed update left are removed by the next update.
- Two cases whose goldens would be one file: FR311 at the later case, nothing written.
- `flowrt init DIR` never follows a symbolic link out of DIR.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from flowrt.cli import main
from flowrt.core.files import (
    WriteError,
    directory_lock,
    stale_temp_files,
    temp_target,
    write_atomic,
)
from flowrt.testing.golden import file_stem
from flowrt.testing.suite import MAX_SELECTION_DEPTH, UsageError, compile_selection, run_suite

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "flows"
INSTANCE = "instance: t\nqueues:\n  Q1: {description: q}\n"
FLOW = (
    "flow: main\nstart: hello\nblocks:\n"
    "  hello: {type: play-prompt, text: 'Grüße 日本 →', next: bye}\n"
    "  bye: {type: disconnect}\n"
)


def _project(root: Path, cases: list[str] | None = None, scenario: str | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "instance.yaml").write_text(INSTANCE, encoding="utf-8")
    (root / "main.flow.yaml").write_text(FLOW, encoding="utf-8")
    if scenario is None:
        names = cases if cases is not None else ["c1", "c2"]
        body = "".join(f"  {n!r}: {{}}\n".replace('"', "'") for n in names)
        scenario = f"scenario: s\nflow: main\ncases:\n{body}"
    (root / "s.scenario.yaml").write_text(scenario, encoding="utf-8")
    return root


def _goldens(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__goldens__" in p.parts
    }


def _one_line_error(err: str, prefix: str) -> str:
    """The whole of stderr is one line starting with `prefix`; no traceback."""
    assert "Traceback" not in err, err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(prefix), err
    return lines[0]


def _no_temp_files(root: Path) -> None:
    left = [p for p in root.rglob("*") if temp_target(p.name) is not None]
    assert left == [], left


# ---------------------------------------------------------------------------------------------
# class 8: the machine refuses a write


def _refuse(monkeypatch: pytest.MonkeyPatch, where: str, code: int) -> None:
    """Make every write of flowrt fail the way a read-only or full disk makes it fail."""
    error = OSError(code, os.strerror(code))
    if where == "create":  # a read-only directory: the temporary file cannot be created
        real_mkstemp = tempfile.mkstemp

        def mkstemp(*args: Any, **kwargs: Any) -> Any:
            if str(kwargs.get("suffix")) == ".tmp":
                raise error
            return real_mkstemp(*args, **kwargs)

        monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    else:  # a full disk: the bytes cannot be written
        real_fdopen = os.fdopen

        class Full:
            def __init__(self, fd: int, *a: Any, **k: Any) -> None:
                self.fh = real_fdopen(fd, "wb")

            def __enter__(self) -> Full:
                return self

            def __exit__(self, *exc: object) -> None:
                self.fh.close()

            def write(self, data: bytes) -> None:
                self.fh.write(data[:10])
                raise error

        monkeypatch.setattr(os, "fdopen", Full)


REFUSALS = [
    ("create", errno.EACCES, "permission denied (make it and its directory writable)"),
    ("create", errno.EROFS, "the file system is read-only (choose a writable place)"),
    ("write", errno.ENOSPC, "no space left on the device (free some space, then run again)"),
]


@pytest.mark.parametrize(("where", "code", "reason"), REFUSALS)
def test_test_update_on_a_refusing_disk_is_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    where: str,
    code: int,
    reason: str,
) -> None:
    proj = _project(tmp_path / "p")
    monkeypatch.chdir(tmp_path)
    _refuse(monkeypatch, where, code)
    assert main(["test", "--update", "p"]) == 1
    line = _one_line_error(capsys.readouterr().err, "flowrt test: cannot write ")
    assert line == f"flowrt test: cannot write p/__goldens__/s/c1.golden.yaml: {reason}"
    assert _goldens(proj) == {}
    _no_temp_files(tmp_path)


@pytest.mark.parametrize(("where", "code", "reason"), REFUSALS)
@pytest.mark.parametrize(
    ("argv", "target"),
    [
        (["graph", "p/main.flow.yaml", "-o", "out/g.mmd"], "out/g.mmd"),
        (["test", "p", "--junit-xml", "out/junit.xml"], "out/junit.xml"),
        (["test", "p", "--html", "out/report.html"], "out/report.html"),
        (["export", "p/main.flow.yaml", "-o", "out"], "out/main.json"),
        (["export", "p/main.flow.yaml", "-o", "out", "--force"], "out/main.json"),
    ],
)
def test_every_writer_on_a_refusing_disk_is_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    target: str,
    where: str,
    code: int,
    reason: str,
) -> None:
    proj = _project(tmp_path / "p")
    monkeypatch.chdir(tmp_path)
    assert main(["test", "--update", "p"]) == 0
    goldens = _goldens(proj)
    (tmp_path / "out").mkdir()
    (tmp_path / target).write_text("the old report\n", encoding="utf-8")
    if argv[0] == "export" and "--force" not in argv:
        (tmp_path / target).unlink()  # without --force only a new file is written
    capsys.readouterr()
    _refuse(monkeypatch, where, code)
    assert main(argv) == 1
    out, err = capsys.readouterr()
    if argv[0] == "export":  # the export reports it as a diagnostic of the flow it was writing
        assert "Traceback" not in err
        assert f"error[FR001]: cannot write {target}: {reason}" in err
    else:
        line = _one_line_error(err, f"flowrt {argv[0]}: cannot write ")
        assert line == f"flowrt {argv[0]}: cannot write {target}: {reason}"
    if argv[0] == "test":  # the run's result is printed before the report that failed
        assert out.rstrip().endswith("2 passed, 0 failed")
    old = tmp_path / target
    assert not old.exists() or old.read_text(encoding="utf-8") == "the old report\n"
    assert _goldens(proj) == goldens
    _no_temp_files(tmp_path)


def test_init_on_a_refusing_disk_takes_back_what_it_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "new"
    target.mkdir()
    real_mkstemp = tempfile.mkstemp
    calls: list[str] = []

    def mkstemp(*args: Any, **kwargs: Any) -> Any:
        calls.append(str(kwargs.get("dir")))
        if len(calls) == 4:  # three files written, then the disk is full
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_mkstemp(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    monkeypatch.chdir(tmp_path)
    assert main(["init", "new"]) == 1
    line = _one_line_error(capsys.readouterr().err, "flowrt init: cannot write new/")
    assert line.endswith(
        ": no space left on the device (free some space, then run again); nothing was written"
    )
    assert list(target.iterdir()) == []  # the files and directories it made are gone again


def test_golden_path_that_is_a_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    proj = _project(tmp_path / "p")
    monkeypatch.chdir(tmp_path)
    assert main(["test", "--update", "p"]) == 0
    golden = proj / "__goldens__" / "s" / "c1.golden.yaml"
    golden.unlink()
    golden.mkdir()
    capsys.readouterr()
    # without --update: the case fails with a positioned diagnostic, the other case passes
    assert main(["test", "p"]) == 1
    out = capsys.readouterr().out
    assert (
        "p/__goldens__/s/c1.golden.yaml:1:1: error[FR001]: the golden file "
        "p/__goldens__/s/c1.golden.yaml cannot be read: it is a directory"
    ) in out
    assert out.rstrip().endswith("1 passed, 1 failed")
    # with --update: a one-line error naming the file and the cause
    assert main(["test", "--update", "p"]) == 1
    line = _one_line_error(capsys.readouterr().err, "flowrt test: ")
    assert line == (
        "flowrt test: cannot write p/__goldens__/s/c1.golden.yaml: it is a directory "
        "(remove or rename the directory)"
    )
    assert golden.is_dir()
    _no_temp_files(tmp_path)


def test_write_atomic_error_is_an_oserror_of_one_line(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(WriteError) as exc:
        write_atomic(tmp_path / "file" / "sub\n\x1b[2J" / "out.txt", "y", overwrite=True)
    assert isinstance(exc.value, OSError)
    text = str(exc.value)
    assert "\n" not in text and "\x1b" not in text
    assert text.endswith(
        "/file/sub\\n\\x1b[2J/out.txt: a part of its path is a file, not a directory "
        "(choose another place)"
    )
    with pytest.raises(FileExistsError):  # the documented refusal stays what it was
        write_atomic(tmp_path / "file", "y", overwrite=False)
    assert (tmp_path / "file").read_text(encoding="utf-8") == "x"


def _run_cli(
    args: list[str], cwd: Path, env: dict[str, str] | None = None, stdout: Any = subprocess.PIPE
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "flowrt", *args],
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
        stdout=stdout,
        stderr=subprocess.PIPE,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    "args", [["validate", "p"], ["test", "p"], ["run", "p"], ["graph", "p/main.flow.yaml"]]
)
def test_output_to_a_full_disk_is_one_line(tmp_path: Path, args: list[str]) -> None:
    _project(tmp_path / "p")
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    with open("/dev/full", "wb") as full:
        proc = _run_cli(args, tmp_path, stdout=full)
    assert proc.returncode == 1
    err = proc.stderr.decode()
    assert err == (
        f"flowrt {args[0]}: cannot write the output: no space left on the device "
        "(free some space, then run again)\n"
    )


def test_an_encoding_that_cannot_show_the_text_escapes_it(tmp_path: Path) -> None:
    proj = _project(tmp_path / "p")
    # a diagnostic whose message holds text latin-1 cannot show
    (proj / "bad.flow.yaml").write_text(
        "flow: bad\nstart: a\nblocks:\n  a: {type: play-prompt, text: hi, next: 日本}\n",
        encoding="utf-8",
    )
    env = {"PYTHONIOENCODING": "latin-1"}
    (proj / "bad.flow.yaml").rename(proj / "bad.flow.yaml.off")
    run = _run_cli(["run", "p/main.flow.yaml", "--scenario", "p/s.scenario.yaml"], tmp_path, env)
    assert run.returncode == 0, run.stderr.decode()
    assert run.stderr == b""
    assert "Grüße \\u65e5\\u672c \\u2192".encode("latin-1") in run.stdout
    (proj / "bad.flow.yaml.off").rename(proj / "bad.flow.yaml")
    sarif = _run_cli(["validate", "--format", "sarif", "p"], tmp_path, env)
    assert sarif.returncode == 1, sarif.stderr.decode()
    assert sarif.stderr == b""
    assert b"\\u65e5\\u672c" in sarif.stdout
    text = _run_cli(["validate", "p"], tmp_path, env)
    assert text.returncode == 1 and text.stderr == b""
    assert b"`\\u65e5\\u672c`" in text.stdout


def test_selection_with_thousands_of_parentheses_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    proj = _project(tmp_path / "p")
    deep = "(" * 5000 + "c1" + ")" * 5000
    with pytest.raises(UsageError) as exc:
        compile_selection(deep)
    column = MAX_SELECTION_DEPTH + 1
    assert str(exc.value) == (
        f"-k `{'(' * 57}...`: `(` at column {column} nests deeper than {MAX_SELECTION_DEPTH} "
        "levels of parentheses and `not`: simplify the expression"
    )
    assert main(["test", "-k", deep, str(proj)]) == 2
    _one_line_error(capsys.readouterr().err, "flowrt test: -k `((((")
    assert main(["test", "-k", "not " * 5000 + "c1", str(proj)]) == 2
    line = _one_line_error(capsys.readouterr().err, "flowrt test: -k `not not")
    assert f"`not` at column {4 * MAX_SELECTION_DEPTH + 1} nests deeper" in line


def test_selection_of_any_length_and_just_deep_enough() -> None:
    words = [f"w{i}" for i in range(20_000)]
    start = time.perf_counter()
    anyof = compile_selection(" or ".join(words))
    allof = compile_selection(" and ".join(words))
    assert anyof("x::w19999") and not anyof("x::v")
    assert not allof("x::w1")
    # A guard against quadratic parsing (minutes at 20,000 words), generous for a loaded shared
    # machine: linear takes ~0.25 s.
    assert time.perf_counter() - start < 10.0
    just = "(" * MAX_SELECTION_DEPTH + "gold" + ")" * MAX_SELECTION_DEPTH
    assert compile_selection(just)("x::gold")
    assert not compile_selection("not " * (MAX_SELECTION_DEPTH - 1) + "gold")("x::gold")


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("gold and", "the expression ends too early, after `and` at column 6: a word, `not` "),
        ("(gold", "`(` at column 1 is never closed: add `)`"),
        ("gold or )", "unexpected `)` at column 9"),
        ("gold silver", "unexpected `silver` at column 6"),
    ],
)
def test_selection_mistakes_say_where(expr: str, message: str) -> None:
    with pytest.raises(UsageError) as exc:
        compile_selection(expr)
    assert str(exc.value).startswith(f"-k `{expr}`: {message}")


# ---------------------------------------------------------------------------------------------
# class 9: two updates at once, and what killed updates leave


def _stale_goldens(root: Path, dirs: int = 40, files: int = 20) -> None:
    """Goldens of scenario files that no longer exist: every update deletes them, directories
    included, which is where two updates used to trip over each other."""
    for d in range(dirs):
        gone = root / "__goldens__" / f"gone{d}"
        gone.mkdir(parents=True, exist_ok=True)
        for i in range(files):
            (gone / f"c{i}.golden.yaml").write_text("x\n", encoding="utf-8")


def test_two_updates_at_once_take_turns(tmp_path: Path) -> None:
    proj = _project(tmp_path / "p", [f"c{i}" for i in range(40)])
    assert run_suite([str(proj)], update=True).ok
    expected = _goldens(proj)
    for _ in range(4):
        _stale_goldens(proj)
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "flowrt", "test", "--update", "-q", str(proj)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for _ in range(2)
        ]
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err.decode()
            assert err == b"", err.decode()
        assert _goldens(proj) == expected  # whole, and not a mix
        report = run_suite([str(proj)])
        assert report.ok and report.unused == [] and report.passed == 40


_HOLD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from flowrt.core.files import directory_lock
    with directory_lock(Path(sys.argv[1])):
        print("held", flush=True)
        time.sleep(float(sys.argv[2]))
    """
)


def test_the_lock_excludes_another_process(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(tmp_path), "1.5"], stdout=subprocess.PIPE
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
        with pytest.raises(WriteError) as exc, directory_lock(tmp_path, timeout=0.2):
            pass
        assert "another flowrt process has been writing there for over 0.2 seconds" in str(
            exc.value
        )
        start = time.monotonic()
        with directory_lock(tmp_path) as held:  # waits for the holder, then holds it
            assert held
            assert time.monotonic() - start > 0.3
    finally:
        holder.kill()
        holder.wait()


_KILLED = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from flowrt.core.files import write_atomic
    def die(*args):
        os.kill(os.getpid(), signal.SIGKILL)
    os.replace = die
    write_atomic(Path(sys.argv[1]), "half\\n", overwrite=True)
    """
)

_TERMINATED = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from flowrt.core.files import write_atomic
    real = os.replace
    def replace(a, b):
        os.kill(os.getpid(), signal.SIGTERM)  # `kill` in the middle of the write
        real(a, b)
    os.replace = replace
    write_atomic(Path(sys.argv[1]), "whole\\n", overwrite=True)
    print("not reached", flush=True)
    """
)


def test_a_killed_update_leaves_a_temporary_file_the_next_update_removes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    proj = _project(tmp_path / "p")
    monkeypatch.chdir(tmp_path)
    assert main(["test", "--update", "p"]) == 0
    golden = proj / "__goldens__" / "s" / "c1.golden.yaml"
    proc = subprocess.run([sys.executable, "-c", _KILLED, str(golden)], check=False)
    assert proc.returncode == -signal.SIGKILL
    left = stale_temp_files(golden.parent, ".golden.yaml")
    assert [temp_target(p.name) for p in left] == ["c1.golden.yaml"]
    keep = [golden.parent / ".keep", golden.parent / ".notes.tmp", golden.parent / "x.tmp"]
    for p in keep:
        p.write_text("mine\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["test", "p"]) == 0  # without --update nothing is touched
    assert left[0].exists()
    assert main(["test", "--update", "p"]) == 0
    out = capsys.readouterr().out
    assert f"removed p/__goldens__/s/{left[0].name}\n" in out
    assert out.rstrip().endswith(
        "2 passed, 0 failed, 1 temporary file(s) of an interrupted update removed"
    )
    assert not left[0].exists()
    assert all(p.read_text(encoding="utf-8") == "mine\n" for p in keep)


def test_kill_during_a_write_leaves_the_file_whole_and_no_temporary_file(
    tmp_path: Path,
) -> None:
    target = tmp_path / "g.golden.yaml"
    target.write_text("old\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-c", _TERMINATED, str(target)], capture_output=True, check=False
    )
    assert proc.returncode == -signal.SIGTERM
    assert proc.stdout == b""  # the signal ended the process right after the write
    assert target.read_text(encoding="utf-8") == "whole\n"
    assert [p.name for p in tmp_path.iterdir()] == ["g.golden.yaml"]


# ---------------------------------------------------------------------------------------------
# class 10: two cases, one golden file


@pytest.mark.parametrize(
    ("first", "later", "how"),
    [
        ("a b", "a-b-7dbde935", "share one golden file"),
        ("Gold", "gold", "would share one golden file where letter case does not tell file "),
        ("x/y", "x-y-" + file_stem("x/y").rsplit("-", 1)[1], "share one golden file"),
    ],
)
def test_cases_that_share_a_golden_are_an_error(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    first: str,
    later: str,
    how: str,
) -> None:
    assert file_stem(first).lower() == file_stem(later).lower()
    scenario = (
        f"scenario: s\nflow: main\ncases:\n  ok: {{}}\n  '{first}': {{}}\n  '{later}': {{}}\n"
    )
    proj = _project(tmp_path / "p", scenario=scenario)
    monkeypatch.chdir(tmp_path)
    for update in (["--update"], []):
        assert main(["test", *update, "p"]) == 1
        out = capsys.readouterr().out
        assert f"p/s.scenario.yaml:6:3: error[FR311]: cases `{first}` and `{later}` {how}" in out
        assert "each would overwrite the other's golden" in out
        assert "= hint: rename one of the two cases" in out
        assert out.rstrip().endswith("0 passed, 0 failed, 1 error(s)")
        assert _goldens(proj) == {}  # not even the case that has a file of its own
    report = run_suite(["p"], update=True)
    [d] = [d for d in report.diagnostics if d.code == "FR311"]
    assert (d.span.file, d.span.line, d.span.column) == ("p/s.scenario.yaml", 6, 3)  # type: ignore[union-attr]


def test_distinct_goldens_are_no_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = ["a b", "a-b", "a_b", "a.b", "A b", "a  b", "ab"]
    assert len({file_stem(n).lower() for n in names}) == len(names)
    proj = _project(tmp_path / "p", names)
    monkeypatch.chdir(tmp_path)
    assert main(["test", "--update", "p"]) == 0
    assert len(_goldens(proj)) == len(names)
    assert main(["test", "p"]) == 0


# ---------------------------------------------------------------------------------------------
# class 3: `flowrt init` never writes through a link out of its directory


@pytest.mark.parametrize(
    "link", ["schemas", ".github", ".github/workflows", "flows", "scenarios/__goldens__"]
)
def test_init_refuses_a_link_out_of_the_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, link: str
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    target = tmp_path / "new"
    (target / link).parent.mkdir(parents=True)
    (target / link).symlink_to(outside, target_is_directory=True)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    monkeypatch.chdir(tmp_path)
    assert main(["init", "new"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    line = _one_line_error(err, "flowrt init: ")
    assert line == (
        f"flowrt init: new/{link} is a symbolic link to {outside}, outside new; nothing was "
        "written (remove the link, or choose another directory)"
    )
    assert list(outside.iterdir()) == []
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_init_follows_a_link_that_stays_inside(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "new"
    (target / "shared").mkdir(parents=True)
    (target / "schemas").symlink_to(target / "shared", target_is_directory=True)
    assert main(["init", str(target)]) == 0
    assert sorted(p.name for p in (target / "shared").iterdir()) == [
        "flow.schema.json",
        "instance.schema.json",
        "scenario.schema.json",
    ]


def test_init_refuses_a_dangling_link_and_a_file_in_the_way(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    target = tmp_path / "new"
    target.mkdir()
    (target / "README.md").symlink_to(outside / "planted")
    monkeypatch.chdir(tmp_path)
    assert main(["init", "new"]) == 2
    assert capsys.readouterr().err == (
        "flowrt init: refusing to overwrite existing files (nothing was written): new/README.md; "
        "use --skip-existing to write only the missing files, or --force to replace these\n"
    )
    assert list(outside.iterdir()) == []
    (target / "README.md").unlink()
    (target / "schemas").write_text("a file where a directory goes\n", encoding="utf-8")
    assert main(["init", "new"]) == 2
    assert capsys.readouterr().err == (
        "flowrt init: nothing was written: new/schemas is a file where a directory goes (move it "
        "away, or choose another directory)\n"
    )
    assert sorted(p.name for p in target.iterdir()) == ["schemas"]


def test_examples_still_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing above changes a valid project's run: the examples pass, no golden moves."""
    shutil.copytree(EXAMPLES, tmp_path / "flows")
    monkeypatch.chdir(tmp_path)
    before = _goldens(tmp_path / "flows")
    report = run_suite(["flows"], update=True)
    assert report.ok and report.passed == 99 and report.changes == []
    assert _goldens(tmp_path / "flows") == before


def test_the_pytest_plugin_sees_the_collision_as_an_error_of_the_file(tmp_path: Path) -> None:
    """The plugin collects a scenario file through `Suite.project`: FR311 makes it a bad file,
    so collecting it shows the diagnostic instead of running two cases into one golden."""
    from flowrt.testing.suite import Suite

    proj = _project(tmp_path / "p", ["a b", "a-b-7dbde935"])
    pr = Suite(update=True).project(proj)
    assert pr.bad_files == {(proj / "s.scenario.yaml").resolve()}
    assert not pr.blocked
    assert [d.code for d in pr.program.diagnostics if d.is_error] == ["FR311"]
