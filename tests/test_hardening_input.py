"""Hardening of what flowrt reads (issue 13): classes 1, 2, 4, 5, 12, 13, part of 15 and of 17.

1. A refused file is never read: a link out of the project (to a secret, `/proc/self/environ`,
   `/dev/zero`) gets FR009 and no line of its target; a file over the size bound gets FR005 and
   no line; a source line is shown as a bounded excerpt around the column.
2. Only regular files are read: a FIFO, a device or a socket as a flow, scenario, instance or
   golden file is FR001 at once, never a hang.
4. Nesting 30,000 levels deep (flow or block style, mixed, in a golden) is FR006 at the first
   level too deep, never a crash: the loader builds from parse events, without recursion.
5. Scalars YAML 1.2 resolution got wrong are text (`._`, `0x_`), or a positioned diagnostic
   (`!!map [a, b]`, `!!int abc`, a 5,000-digit integer), also through `flowrt run DIR`.
12. "Did you mean" costs about the same per unknown name whatever the project's size.
13. Every node counts against the node bound (scalars too), a huge tag is read in linear time and
    shown as an excerpt, and at most 100 diagnostics are printed per file.
15. Control characters in messages, file names, hints and source lines reach no terminal raw.
17. `load_project` of a path that names nothing raises FlowrtError; the walk of a project never
    follows a link out of it, and a link loop is a diagnostic.
"""

from __future__ import annotations

import difflib
import json
import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flowrt.cli import main
from flowrt.core import reading
from flowrt.core.diagnostics import (
    MAX_PER_FILE,
    MAX_SHOWN,
    Diagnostic,
    FlowrtError,
    SourceCache,
    Span,
    did_you_mean,
    render_json,
    render_text,
    summary_line,
)
from flowrt.lang.loader import Limits, LoadError, load_text
from flowrt.project.driver import check_paths, discover, load_project

INSTANCE = "instance: t\nqueues:\n  Q1: {description: q}\n"
FLOW = "flow: main\nstart: a\nblocks:\n  a: {type: end-flow}\n"
SECRET = "FLOWRT_TEST_SECRET_c0ffee"
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")


def _project(root: Path, files: dict[str, str] | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "instance.yaml").write_text(INSTANCE, encoding="utf-8")
    for name, text in (files or {}).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    out = captured.out + captured.err
    assert "Traceback" not in out
    return code, out


def _fail(text: str, limits: Limits | None = None) -> Diagnostic:
    with pytest.raises(LoadError) as info:
        load_text(text, "f.yaml", limits or Limits())
    return info.value.diagnostic


def _where(d: Diagnostic) -> tuple[str, int, int, int, int]:
    assert d.span is not None
    s = d.span
    return (d.code, s.line, s.column, s.end_line, s.end_column)


# ---------------------------------------------------------------------------------------------
# 1. never read a byte of a refused file; never print more than an excerpt of a line


def test_a_link_to_a_secret_outside_gets_fr009_and_no_byte_of_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "outside.flow.yaml"
    outside.write_text(f"flow: {SECRET}\n", encoding="utf-8")
    root = _project(tmp_path / "p", {"main.flow.yaml": FLOW})
    (root / "linked.flow.yaml").symlink_to(outside)
    monkeypatch.chdir(root)
    for argv in (["validate", "."], ["test", "."], ["run", "."]):
        code, out = _cli(capsys, *argv)
        assert code == 1
        assert "linked.flow.yaml:1:1: error[FR009]: linked.flow.yaml resolves outside" in out
        assert SECRET not in out


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="no /proc here")
def test_a_link_to_proc_self_environ_prints_no_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FLOWRT_TEST_TOKEN", SECRET)
    root = _project(tmp_path, {"main.flow.yaml": FLOW})
    (root / "env.flow.yaml").symlink_to("/proc/self/environ")
    monkeypatch.chdir(root)
    code, out = _cli(capsys, "validate", ".")
    assert code == 1
    assert "env.flow.yaml:1:1: error[FR009]" in out
    assert SECRET not in out and "FLOWRT_TEST_TOKEN" not in out


def test_a_link_to_dev_zero_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project(tmp_path, {"main.flow.yaml": FLOW})
    (root / "zero.flow.yaml").symlink_to("/dev/zero")
    (root / "scenarios").mkdir()
    (root / "scenarios" / "zero.scenario.yaml").symlink_to("/dev/zero")
    monkeypatch.chdir(root)
    start = time.perf_counter()
    code, out = _cli(capsys, "validate", ".")
    assert time.perf_counter() - start < 10
    assert code == 1
    assert out.count("error[FR009]") == 2
    assert "\x00" not in out and "\ufffd" not in out


def test_the_renderer_never_opens_a_refused_file(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    real = reading.read_bytes

    def spy(path: str | os.PathLike[str], *args: object, **kwargs: object) -> bytes:
        opened.append(str(path))
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(reading, "read_bytes", spy)
    diags = [
        Diagnostic.make("FR009", "x resolves outside the project", Span("/etc/passwd", 1, 1, 1, 2)),
        Diagnostic.make("FR005", "file is too large", Span("/etc/hostname", 1, 1, 1, 2)),
        Diagnostic.make("FR015", "not a flowrt file", Span("/etc/hosts", 1, 1, 1, 2)),
    ]
    out = render_text(diags)
    assert opened == []
    assert len(out.splitlines()) == 3


def test_a_file_over_the_size_bound_prints_no_line_of_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project(tmp_path, {"main.flow.yaml": FLOW})
    (root / "big.flow.yaml").write_text("flow: " + "x" * (9 * 1024 * 1024), encoding="utf-8")
    monkeypatch.chdir(root)
    code, out = _cli(capsys, "validate", ".")
    assert code == 1
    assert out.splitlines()[0] == (
        "big.flow.yaml:1:1: error[FR005]: file is 9,437,190 bytes; the limit is 8,388,608"
    )
    assert "xxxxxxxxxx" not in out
    assert len(out) < 1000


def test_a_long_line_is_shown_as_an_excerpt_around_the_column() -> None:
    line = "".join(chr(ord("a") + i % 26) for i in range(1_000_000))
    sources = SourceCache()
    sources.add("long.flow.yaml", f"flow: x\n{line}\n")
    column = 500_001
    d = Diagnostic.make("FR010", "here", Span("long.flow.yaml", 2, column, 2, column + 3))
    _, shown, caret = render_text([d], sources).splitlines()
    assert len(shown) <= len(" 2 | ") + MAX_SHOWN + 2
    assert shown.startswith(" 2 | …") and shown.endswith("…")
    at = caret.index("^")
    assert caret[at:] == "^^^"
    assert shown[at : at + 3] == line[column - 1 : column + 2]


def test_a_short_line_is_shown_whole() -> None:
    sources = SourceCache()
    sources.add("f.yaml", "a: 1\nbee: [x, y]\n")
    d = Diagnostic.make("FR010", "unknown key", Span("f.yaml", 2, 7, 2, 8))
    assert render_text([d], sources) == (
        "f.yaml:2:7: error[FR010]: unknown key\n 2 | bee: [x, y]\n   |       ^"
    )


# ---------------------------------------------------------------------------------------------
# 2. only regular files are read


@needs_fifo
@pytest.mark.parametrize("name", ["main.flow.yaml", "scenarios/s.scenario.yaml", "instance.yaml"])
def test_a_fifo_is_fr001_not_a_hang(tmp_path: Path, name: str) -> None:
    root = _project(tmp_path, {"other.flow.yaml": FLOW.replace("main", "other")})
    target = root / name
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        target.unlink()
    os.mkfifo(target)
    start = time.perf_counter()
    diags, _ = check_paths([str(root)])
    assert time.perf_counter() - start < 5
    fifo = [d for d in diags if d.span is not None and d.span.file.endswith(name)]
    assert [(d.code, d.message) for d in fifo] == [
        ("FR001", "cannot read file: it is a named pipe (FIFO), not a regular file")
    ]
    assert fifo[0].span is not None and (fifo[0].span.line, fifo[0].span.column) == (1, 1)
    render_text(diags)  # showing it does not open the FIFO either (it would block)


@needs_fifo
def test_a_fifo_as_a_golden_file_fails_its_case(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project(
        tmp_path,
        {
            "main.flow.yaml": FLOW,
            "main.scenario.yaml": "scenario: main\nflow: main\ncases:\n  one: {}\n",
        },
    )
    monkeypatch.chdir(root)
    assert _cli(capsys, "test", ".", "--update")[0] == 0
    (golden,) = (root / "__goldens__").rglob("*.golden.yaml")
    golden.unlink()
    os.mkfifo(golden)
    code, out = _cli(capsys, "test", ".")
    assert code == 1
    assert "cannot be read: it is a named pipe (FIFO), not a regular file" in out


def test_the_safe_reader_refuses_what_is_not_a_regular_file(tmp_path: Path) -> None:
    with pytest.raises(reading.ReadRefused, match="it is a directory, not a regular file"):
        reading.read_bytes(tmp_path)
    if Path("/dev/zero").exists():
        with pytest.raises(reading.ReadRefused, match="character device"):
            reading.read_bytes("/dev/zero")
    if hasattr(socket, "AF_UNIX"):
        sock = socket.socket(socket.AF_UNIX)
        try:
            sock.bind(str(tmp_path / "s.flow.yaml"))
            with pytest.raises(OSError):  # a socket cannot even be opened for reading
                reading.read_bytes(tmp_path / "s.flow.yaml")
        finally:
            sock.close()
    big = tmp_path / "big"
    big.write_bytes(b"x" * 101)
    with pytest.raises(reading.TooLarge) as info:
        reading.read_bytes(big, 100)
    assert (info.value.size, str(info.value)) == (101, "the file is 101 bytes; the limit is 100")
    assert reading.read_bytes(big, 101) == b"x" * 101
    link = tmp_path / "link"
    link.symlink_to(big)
    assert reading.read_bytes(link) == b"x" * 101
    with pytest.raises(reading.ReadRefused, match="symbolic link"):
        reading.read_bytes(link, follow_links=False)
    assert stat.S_ISREG(os.stat(big).st_mode)


# ---------------------------------------------------------------------------------------------
# 4. deep nesting: FR006 at the first level too deep, before anything recurses

DEPTH = 30_000


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("a: " + "[" * DEPTH + "]" * DEPTH, (1, 4 + 63)),
        ("a: " + "{a: " * DEPTH + "1" + "}" * DEPTH, (1, 4 + 4 * 63)),
        ("a: " + "[{a: " * (DEPTH // 2) + "1" + "}]" * (DEPTH // 2), (1, 4 + 5 * 31 + 1)),
        ("".join(" " * i + "a:\n" for i in range(DEPTH // 10)) + " " * 3000 + "b: 1\n", (65, 65)),
        ("".join(" " * (2 * i) + "- a:\n" for i in range(2000)) + " " * 4001 + "b\n", (33, 65)),
        ("a: " + "[" * DEPTH, (1, 4 + 63)),  # not even closed
    ],
    ids=["flow-seq", "flow-map", "mixed", "block-map", "block-seq-map", "unclosed"],
)
def test_deep_nesting_is_fr006_at_the_first_level_too_deep(
    text: str, where: tuple[int, int]
) -> None:
    start = time.perf_counter()
    with pytest.raises(LoadError) as info:
        load_text(text, "deep.flow.yaml")
    assert time.perf_counter() - start < 5
    d = info.value.diagnostic
    if text.endswith("["):  # the parser meets the end of the file first: a syntax error
        assert d.code in {"FR002", "FR006"}
        return
    assert d.code == "FR006"
    assert d.message == "nesting deeper than 64 levels"
    assert d.span is not None and (d.span.line, d.span.column) == where


def test_deep_nesting_through_the_command_line_and_in_a_golden(tmp_path: Path) -> None:
    root = _project(
        tmp_path,
        {
            "main.flow.yaml": FLOW,
            "main.scenario.yaml": "scenario: main\nflow: main\ncases:\n  one: {}\n",
        },
    )
    deep = "[" * DEPTH + "]" * DEPTH + "\n"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    run = [sys.executable, "-m", "flowrt"]
    done = subprocess.run([*run, "test", ".", "--update"], cwd=root, capture_output=True, env=env)
    assert done.returncode == 0, done.stdout
    (golden,) = (root / "__goldens__").rglob("*.golden.yaml")
    golden.write_text(deep, encoding="utf-8")
    (root / "deep.flow.yaml").write_text(deep, encoding="utf-8")
    for argv in (["validate", "."], ["test", "."]):
        done = subprocess.run([*run, *argv], cwd=root, capture_output=True, text=True, env=env)
        assert done.returncode == 1, (done.returncode, done.stderr[-2000:])  # not -11 (SIGSEGV)
        assert "Traceback" not in done.stdout + done.stderr
        assert ":1:65: error[FR006]: nesting deeper than 64 levels" in done.stdout


def test_recursive_alias_is_refused_not_expanded() -> None:
    d = _fail("a: &x [1, *x]\n")
    assert _where(d) == ("FR007", 1, 11, 1, 13)
    assert (
        d.message
        == "alias `*x` is used inside the collection it names, so it would repeat without end"
    )


# ---------------------------------------------------------------------------------------------
# 5. scalars YAML 1.2 resolution mishandled


@pytest.mark.parametrize("word", ["._", "-_", "+_", "0x_", "0o_", "0b_", "+._", "-._", "0x", "_"])
def test_number_patterns_without_a_number_are_text(word: str) -> None:
    assert load_text(f"a: {word}\nb: [{word}]\n{word}: 1\n").data == {
        "a": word,
        "b": [word],
        word: 1,
    }


def test_numbers_still_resolve() -> None:
    doc = load_text("a: [0x1F, 0o17, 0b101, -0x1f, 1_000, +5, 1.5, .5, 1e3, -.inf, 012]\n")
    assert doc.data["a"][:7] == [31, 15, 5, -31, 1000, 5, 1.5]
    assert doc.data["a"][7:] == [0.5, 1000.0, float("-inf"), 12]


@pytest.mark.parametrize(
    ("text", "expected", "message"),
    [
        (
            "x: !!map [a, b]\n",
            ("FR008", 1, 4, 1, 16),
            "YAML tag `!!map` does not fit this value: it is a list",
        ),
        (
            "x: !!seq {a: 1}\n",
            ("FR008", 1, 4, 1, 16),
            "YAML tag `!!seq` does not fit this value: it is a mapping",
        ),
        ("x: !!int abc\n", ("FR011", 1, 4, 1, 13), "the tag `!!int` needs an integer, not `abc`"),
        ("x: !!int 0x_\n", ("FR011", 1, 4, 1, 13), "the tag `!!int` needs an integer, not `0x_`"),
        ("x: !!float ._\n", ("FR011", 1, 4, 1, 14), "the tag `!!float` needs a number, not `._`"),
        (
            "x: !!bool yes\n",
            ("FR011", 1, 4, 1, 14),
            "the tag `!!bool` needs true or false, not `yes`",
        ),
        (
            "x: !!null x\n",
            ("FR011", 1, 4, 1, 12),
            "the tag `!!null` needs an empty value (`~` or `null`), not `x`",
        ),
        (
            "x: " + "9" * 5000 + "\n",
            ("FR013", 1, 4, 1, 5004),
            "this integer has 5,000 digits; flowrt reads integers of at most 4,300 digits",
        ),
        (
            "x: 0x" + "f" * 4000 + "\n",
            ("FR013", 1, 4, 1, 4006),
            "this integer is over 4,300 digits long in decimal; flowrt reads integers of at most "
            "4,300 digits",
        ),
    ],
    ids=["map-on-list", "seq-on-map", "int", "int-empty", "float", "bool", "null", "long", "hex"],
)
def test_scalars_that_do_not_fit_their_tag_are_positioned(
    text: str, expected: tuple[str, int, int, int, int], message: str
) -> None:
    d = _fail(text)
    assert _where(d) == expected
    assert d.message == message


def test_bad_scalars_in_flowrt_run_are_positioned_not_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project(
        tmp_path,
        {
            "main.flow.yaml": FLOW,
            "main.scenario.yaml": (
                "scenario: main\nflow: main\ncases:\n  one:\n    contact: {attributes: {a: ._, b: !!map [1]}}\n"
            ),
        },
    )
    monkeypatch.chdir(root)
    code, out = _cli(capsys, "run", ".")
    assert code == 1
    assert out.splitlines()[0] == (
        "main.scenario.yaml:5:38: error[FR008]: YAML tag `!!map` does not fit this value: "
        "it is a list"
    )


# ---------------------------------------------------------------------------------------------
# 12. "did you mean" does not grow with the square of the project


def test_suggestions_are_difflibs_on_ordinary_names() -> None:
    names = ["check-hours", "transfer-to-queue", "greet", "main-menu", "success", "error"]
    names += [f"block-{i}" for i in range(200)]
    for word in ["chek-hours", "gret", "mainmenu", "sucess", "eror", "block-12x", "zzz", ""]:
        expected = difflib.get_close_matches(word, names, n=1, cutoff=0.6)
        assert did_you_mean(word, names) == (expected[0] if expected else None), word
        assert did_you_mean(word, set(names)) == (expected[0] if expected else None), word


def test_a_thousand_wrong_targets_are_suggested_fast() -> None:
    names = {f"block-{i}" for i in range(1000)}
    start = time.perf_counter()
    found = [did_you_mean(f"blok-{i}x", names) for i in range(1000)]
    assert time.perf_counter() - start < 5  # was about 60 s
    assert found[:2] == ["block-0", "block-1"] and None not in found


def test_the_largest_flows_spend_a_bounded_time_on_suggestions() -> None:
    names = {f"block-{i}" for i in range(20_000)}
    start = time.perf_counter()
    for i in range(5000):
        did_you_mean(f"blok-{i}x", names)
    assert time.perf_counter() - start < 10  # hours before


def test_a_flow_of_a_thousand_wrong_nexts_validates_fast(tmp_path: Path) -> None:
    blocks = "".join(f"  b{i}: {{type: play-prompt, text: hi, next: b{i}x}}\n" for i in range(1000))
    root = _project(tmp_path, {"main.flow.yaml": f"flow: main\nstart: b0\nblocks:\n{blocks}"})
    start = time.perf_counter()
    diags, _ = check_paths([str(root)])
    assert time.perf_counter() - start < 20  # 66 s before
    assert sum(d.code == "FR020" for d in diags) == 1000
    first = next(d for d in diags if d.code == "FR020")
    assert first.message.endswith("goes to unknown block `b0x` (did you mean `b0`?)")


# ---------------------------------------------------------------------------------------------
# 13. node bound for every node, linear tags, bounded diagnostics per file


def test_scalars_count_against_the_node_bound() -> None:
    d = _fail("- 1\n" * 2000, Limits(max_nodes=1000))
    assert _where(d) == ("FR007", 1000, 3, 1000, 4)  # the 1,001st node (the list is the first)
    assert d.message == "more than 1,000 nodes"


def test_many_scalars_fail_fast_at_the_bound() -> None:
    text = "- 1\n" * 400_000
    start = time.perf_counter()
    d = _fail(text, Limits(max_nodes=100_000))
    assert time.perf_counter() - start < 10
    assert _where(d) == ("FR007", 100_000, 3, 100_000, 4)


def test_a_huge_tag_is_refused_in_linear_time_and_shown_as_an_excerpt() -> None:
    text = "a: !" + "t" * 3_000_000 + " 1\n"
    start = time.perf_counter()
    d = _fail(text)
    assert time.perf_counter() - start < 5  # 170 s before
    assert _where(d) == ("FR008", 1, 4, 1, 3_000_007)
    assert d.message == f"YAML tag `!{'t' * 59}…` is not allowed"


def test_at_most_a_hundred_diagnostics_are_printed_per_file() -> None:
    diags = [
        Diagnostic.make("FR010", f"unknown key `k{i}`", Span("a.flow.yaml", i + 1, 1, i + 1, 2))
        for i in range(5000)
    ] + [Diagnostic.make("FR010", "unknown key `z`", Span("b.flow.yaml", 1, 1, 1, 2))]
    out = render_text(diags, SourceCache()).splitlines()
    assert len(out) == MAX_PER_FILE + 2
    assert out[MAX_PER_FILE - 1] == "a.flow.yaml:100:1: error[FR010]: unknown key `k99`"
    assert out[MAX_PER_FILE] == "b.flow.yaml:1:1: error[FR010]: unknown key `z`"
    assert out[-1] == "... and 4,900 more in a.flow.yaml"
    assert summary_line(diags, 2) == "2 file(s) checked: 5001 error(s), 0 warning(s)"
    assert len(json.loads(render_json(diags))) == 5001  # the machine format keeps them all


def test_many_unknown_keys_print_a_bounded_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = "".join(f"k{i}: 1\n" for i in range(20_000))
    root = _project(tmp_path, {"main.flow.yaml": FLOW + keys})
    monkeypatch.chdir(root)
    code, out = _cli(capsys, "validate", ".")
    assert code == 1
    lines = out.splitlines()
    assert "... and 19,900 more in main.flow.yaml" in lines
    assert len(out) < 50_000


# ---------------------------------------------------------------------------------------------
# 15. control characters never reach a terminal raw

HOSTILE = "a\x1b[2J\x1b]0;pwn\x07b\x9b31mc\rd\x00e\n::error file=x::owned\u2028f\u202eg"


def test_messages_file_names_hints_and_lines_are_neutralized() -> None:
    sources = SourceCache()
    file = "x\x1b[31m.flow.yaml"
    sources.add(file, f"name: {HOSTILE}\n".replace("\n::", "::"))
    d = Diagnostic.make("FR010", f"unknown key `{HOSTILE}`", Span(file, 1, 7, 1, 8), HOSTILE)
    for color in (False, True):
        out = render_text([d], sources, color=color)
        lines = out.splitlines()
        assert len(lines) == 4
        assert not any(line.startswith("::") for line in lines)
        raw = out.replace("\n", "")
        if color:  # only flowrt's own colour codes
            raw = raw.replace("\x1b[1;31m", "").replace("\x1b[0m", "")
        assert all(c.isprintable() for c in raw), repr(out)
    plain = render_text([d], sources)
    assert plain.splitlines()[0] == (
        "x\\x1b[31m.flow.yaml:1:7: error[FR010]: unknown key "
        "`a\\x1b[2J\\x1b]0;pwn\\x07b\\x9b31mc\\rd\\x00e\\n::error file=x::owned\\u2028f\\u202eg`"
    )


def test_json_keeps_the_raw_text_and_stays_valid() -> None:
    d = Diagnostic.make("FR010", HOSTILE, Span(f"f{HOSTILE}", 1, 1, 1, 2), HOSTILE)
    (item,) = json.loads(render_json([d]))
    assert (item["message"], item["file"], item["hint"]) == (HOSTILE, f"f{HOSTILE}", HOSTILE)


def test_flowrt_error_text_is_neutralized() -> None:
    exc = FlowrtError([Diagnostic.make("FR001", HOSTILE)])
    assert all(c.isprintable() for c in str(exc))


# ---------------------------------------------------------------------------------------------
# 17. load_project and the project walk


def test_load_project_of_nothing_raises(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(FlowrtError) as info:
        load_project(missing)
    (d,) = info.value.diagnostics
    assert (d.code, d.message) == ("FR001", f"load_project: no such file or directory: {missing}")
    with pytest.raises(FlowrtError, match="must be a str or an os.PathLike, not NoneType"):
        load_project(None)  # type: ignore[arg-type]


def test_the_walk_does_not_follow_a_link_out_of_the_project(tmp_path: Path) -> None:
    outside = _project(tmp_path / "outside", {"secret.flow.yaml": f"flow: {SECRET}\n"})
    root = _project(tmp_path / "p", {"main.flow.yaml": FLOW})
    (root / "linked").symlink_to(outside, target_is_directory=True)
    assert discover([root]) == [root / "instance.yaml", root / "main.flow.yaml"]
    project = load_project(root)
    assert list(project.flows) == ["main"]


def test_a_link_loop_is_a_diagnostic(tmp_path: Path) -> None:
    root = _project(tmp_path, {"main.flow.yaml": FLOW})
    (root / "a.flow.yaml").symlink_to(root / "b.flow.yaml")
    (root / "b.flow.yaml").symlink_to(root / "a.flow.yaml")
    diags, _ = check_paths([str(root)])
    loops = [d for d in diags if d.code == "FR001"]
    assert [Path(d.span.file).name for d in loops if d.span] == ["a.flow.yaml", "b.flow.yaml"]
    assert loops[0].message.endswith("is a symbolic link that leads nowhere (a loop)")


def test_a_golden_that_is_a_link_loop_fails_its_case_with_fr001(tmp_path: Path) -> None:
    """Found by the long fuzz run: Path.resolve raised RuntimeError on a link loop (Python 3.11)."""
    from flowrt.testing.suite import run_suite

    root = tmp_path / "p"
    root.mkdir()
    (root / "instance.yaml").write_text("instance: t\n", encoding="utf-8")
    (root / "main.flow.yaml").write_text(
        "flow: main\ntype: contact\nstart: bye\nblocks:\n  bye: {type: disconnect}\n",
        encoding="utf-8",
    )
    (root / "s.scenario.yaml").write_text("scenario: s\nflow: main\ncases:\n  c: {}\n")
    assert run_suite([str(root)], update=True).ok
    golden = root / "__goldens__" / "s" / "c.golden.yaml"
    golden.unlink()
    golden.symlink_to(golden)
    report = run_suite([str(root)])
    (case,) = report.cases
    assert not case.passed
    assert case.golden is not None and case.golden.diagnostic is not None
    d = case.golden.diagnostic
    assert d.code == "FR001" and "symbolic links" in d.message
