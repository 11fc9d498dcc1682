"""Hostile and broken inputs (issue 8): every bound with a file just over it, nothing lost on
writes (atomic, no overwrite unless asked, Ctrl-C), inputs that try to escape the project, and
regular expressions that cannot be made to backtrack.  The property-based part is tests/fuzz/."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from flowrt.cli import main
from flowrt.cli.run import run_project
from flowrt.core.files import write_atomic
from flowrt.lang.expr import MAX_EXPR_LENGTH, MAX_NESTING, ExprError
from flowrt.lang.loader import DEFAULT_LIMITS, Limits, LoadError, load_file, load_text
from flowrt.project.driver import MAX_BLOCKS, check_paths
from flowrt.scenario.model import MAX_ATTRIBUTE_BYTES

ROOT = Path(__file__).resolve().parent.parent

INSTANCE = "instance: t\nqueues:\n  Q1: {description: q}\n"


def _project(tmp_path: Path, files: dict[str, str]) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "instance.yaml").write_text(INSTANCE, encoding="utf-8")
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def _codes(tmp_path: Path) -> list[str]:
    diags, _ = check_paths([str(tmp_path)])
    return [d.code for d in diags if d.is_error]


def _load_code(text: str, limits: Limits = DEFAULT_LIMITS) -> str:
    with pytest.raises(LoadError) as exc:
        load_text(text, "f.flow.yaml", limits)
    return exc.value.diagnostic.code


# ---------------------------------------------------------------------------------------------
# bounds: a file just over each


def test_file_size_just_over(tmp_path: Path) -> None:
    body = "flow: main\nstart: a\nblocks:\n  a: {type: disconnect}\n# "
    pad = DEFAULT_LIMITS.max_bytes + 1 - len(body) - 1
    _project(tmp_path, {"main.flow.yaml": body + "x" * pad + "\n"})
    assert (tmp_path / "main.flow.yaml").stat().st_size == DEFAULT_LIMITS.max_bytes + 1
    assert _codes(tmp_path) == ["FR005"]


def test_nesting_depth_just_over() -> None:
    depth = DEFAULT_LIMITS.max_depth
    load_text("a: " + "[" * (depth - 1) + "]" * (depth - 1), "f")  # at the bound: fine
    assert _load_code("a: " + "[" * depth + "]" * depth) == "FR006"


def test_alias_expansion_just_over() -> None:
    n = DEFAULT_LIMITS.max_alias_nodes
    # each use of `*a` expands to 1,000 nodes (the list and its 999 items)
    text = "a: &a [" + ",".join(["x"] * 999) + "]\nb: [" + ",".join(["*a"] * (n // 1000)) + "]\n"
    load_text(text, "f")  # exactly max_alias_nodes: fine
    assert _load_code(text.replace("b: [", "b: [*a,")) == "FR007"


def test_node_count_just_over() -> None:
    limits = Limits(max_nodes=1000)  # the same check as the 2,000,000 default, cheaper to feed
    text = "a:\n" + "".join(f"  - [{i}]\n" for i in range(1000))
    assert _load_code(text, limits) == "FR007"


def test_block_count_just_over(tmp_path: Path) -> None:
    blocks = "".join(f"  b{i}: {{type: disconnect}}\n" for i in range(MAX_BLOCKS + 1))
    _project(tmp_path, {"main.flow.yaml": f"flow: main\nstart: b0\nblocks:\n{blocks}"})
    assert _codes(tmp_path) == ["FR045"]


def _condition_flow(when: str) -> str:
    return (
        "flow: main\nstart: c\nblocks:\n  c:\n    type: check-contact-attributes\n"
        f"    conditions:\n      - when: '{when}'\n        next: bye\n    next: bye\n"
        "  bye: {type: disconnect}\n"
    )


def test_expression_length_just_over(tmp_path: Path) -> None:
    head = '$.Attributes.a == "'
    ok = head + "x" * (MAX_EXPR_LENGTH - len(head) - 1) + '"'
    _project(tmp_path, {"main.flow.yaml": _condition_flow(ok)})
    assert _codes(tmp_path) == []
    _project(tmp_path, {"main.flow.yaml": _condition_flow(ok[:-1] + 'x"')})
    diags, _ = check_paths([str(tmp_path)])
    assert [d.code for d in diags] == ["FR050"]
    assert "too long (4097 characters; the limit is 4096)" in diags[0].message


def test_expression_nesting_just_over(tmp_path: Path) -> None:
    n = MAX_NESTING
    _project(tmp_path, {"main.flow.yaml": _condition_flow("(" * n + "$.Channel" + ")" * n)})
    assert _codes(tmp_path) == []
    _project(
        tmp_path, {"main.flow.yaml": _condition_flow("(" * (n + 1) + "$.Channel" + ")" * (n + 1))}
    )
    diags, _ = check_paths([str(tmp_path)])
    assert [d.code for d in diags] == ["FR050"]
    assert "nested too deeply" in diags[0].message


def test_attribute_size_just_over(tmp_path: Path) -> None:
    flow = "flow: main\nstart: a\nblocks:\n  a: {type: disconnect}\n"
    value = "x" * (MAX_ATTRIBUTE_BYTES - 1)  # key `a` (1 byte) + value: exactly at the bound
    scenario = "scenario: s\nflow: main\ncontact:\n  attributes: {a: %s}\ncases: {c: {}}\n"
    _project(tmp_path, {"main.flow.yaml": flow, "s.scenario.yaml": scenario % value})
    assert _codes(tmp_path) == []
    (tmp_path / "s.scenario.yaml").write_text(scenario % (value + "x"), encoding="utf-8")
    assert _codes(tmp_path) == ["FR104"]


def test_step_limit_just_over(tmp_path: Path) -> None:
    flow = (
        "flow: main\nstart: a\nblocks:\n"
        "  a: {type: play-prompt, text: hi, next: {success: b, error: bye}}\n"
        "  b: {type: play-prompt, text: hi, next: {success: a, error: bye}}\n"
        "  bye: {type: disconnect}\n"
    )
    scenario = "scenario: s\nflow: main\ncases: {c: {}}\n"
    _project(tmp_path, {"main.flow.yaml": flow, "s.scenario.yaml": scenario})
    report = run_project(str(tmp_path), max_steps=1000)
    (r,) = report.results
    assert r.result.outcome.kind == "step-limit"
    (d,) = r.result.diagnostics
    assert d.code == "FR107" and "after 1000 steps" in d.message and "a -> b -> a" in d.message


def test_transfer_to_flow_cycle_ends_with_step_limit_naming_it(tmp_path: Path) -> None:
    a = "flow: a\nstart: go\nblocks:\n  go: {type: transfer-to-flow, flow: b}\n"
    b = "flow: b\nstart: back\nblocks:\n  back: {type: transfer-to-flow, flow: a}\n"
    scenario = "scenario: s\nflow: a\ncases: {c: {}}\n"
    _project(tmp_path, {"a.flow.yaml": a, "b.flow.yaml": b, "s.scenario.yaml": scenario})
    start = time.perf_counter()
    (r,) = run_project(str(tmp_path)).results
    assert time.perf_counter() - start < 2
    assert r.result.outcome.kind == "step-limit"
    (d,) = r.result.diagnostics
    assert d.code == "FR107"
    assert "a:go -> b:back -> a:go" in d.message


# ---------------------------------------------------------------------------------------------
# nothing lost


def test_write_atomic_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    write_atomic(target, "one", overwrite=False)
    with pytest.raises(FileExistsError):
        write_atomic(target, "two", overwrite=False)
    assert target.read_text(encoding="utf-8") == "one"
    write_atomic(target, "two", overwrite=True)
    assert target.read_text(encoding="utf-8") == "two"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_write_atomic_keeps_ordinary_permissions(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    write_atomic(target, "x", overwrite=True)
    mask = os.umask(0)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask


def test_ctrl_c_mid_write_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "g.golden.yaml"
    target.write_text("original\n", encoding="utf-8")
    real_fdopen = os.fdopen

    class Interrupted:
        def __init__(self, fd: int, *a: object, **k: object) -> None:
            self.fh = real_fdopen(fd, "wb")

        def __enter__(self) -> Interrupted:
            return self

        def __exit__(self, *exc: object) -> None:
            self.fh.close()

        def write(self, data: bytes) -> None:
            self.fh.write(data[: len(data) // 2])
            raise KeyboardInterrupt

    monkeypatch.setattr(os, "fdopen", Interrupted)
    for overwrite in (True, False):
        with pytest.raises((KeyboardInterrupt, FileExistsError)):
            write_atomic(target, "new content\n" * 100, overwrite=overwrite)
    assert target.read_text(encoding="utf-8") == "original\n"
    assert [p.name for p in tmp_path.iterdir()] == ["g.golden.yaml"]


def _flow_project(tmp_path: Path, cases: int) -> Path:
    flow = "flow: main\nstart: a\nblocks:\n  a: {type: play-prompt, text: hi, next: bye}\n"
    flow += "  bye: {type: disconnect}\n"
    body = "".join(f"  c{i}: {{contact: {{attributes: {{n: '{i}'}}}}}}\n" for i in range(cases))
    return _project(
        tmp_path,
        {"main.flow.yaml": flow, "s.scenario.yaml": f"scenario: s\nflow: main\ncases:\n{body}"},
    )


#: `flowrt test --update` whose first golden write, once done, says so and waits for Ctrl-C: the
#: signal then lands mid-update every time, not only when the machine happens to be slow.
_PAUSE_AFTER_FIRST_WRITE = """
import signal
import sys
import flowrt.core.files as files
from flowrt.cli import main

# Ctrl-C as at a terminal, whatever this process inherited: a job started in the background of a
# non-interactive shell (as CI runners may start it) inherits SIGINT ignored.
signal.signal(signal.SIGINT, signal.default_int_handler)

real = files.write_atomic

def paused(*args, **kwargs):
    real(*args, **kwargs)
    files.write_atomic = real
    print("first golden written", file=sys.stderr, flush=True)
    sys.stdin.readline()  # never answered: only the test's SIGINT ends this wait

files.write_atomic = paused
sys.exit(main(sys.argv[1:]))
"""


def test_sigint_during_test_update_leaves_whole_goldens(tmp_path: Path) -> None:
    proj = _flow_project(tmp_path, 3)
    proc = subprocess.Popen(
        [sys.executable, "-c", _PAUSE_AFTER_FIRST_WRITE, "test", "--update", str(proj)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    assert proc.stderr.readline() == "first golden written\n"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert (proc.returncode, out, err) == (130, "", "flowrt: interrupted\n")
    goldens = proj / "__goldens__" / "s"
    (written,) = goldens.iterdir()  # the one written before Ctrl-C, and no temporary file
    assert written.name == "c0.golden.yaml"
    assert written.read_text(encoding="utf-8").endswith("\n")  # whole: ends with its last line
    assert load_file(written).data["case"] == "c0"


#: `flowrt` with Ctrl-C as at a terminal, whatever this process inherited (see above).
_WITH_CTRL_C = """
import signal
import sys
from flowrt.cli import main

signal.signal(signal.SIGINT, signal.default_int_handler)
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="POSIX process groups")
def test_ctrl_c_during_a_run_on_two_processes_says_one_line_and_stops_the_workers(
    tmp_path: Path,
) -> None:
    """Ctrl-C at a terminal reaches every process of the group: the workers leave it to the
    command, which stops them and says `flowrt: interrupted`, and nothing else."""
    proj = _flow_project(tmp_path, 20_000)
    first, rest = _ctrl_c_after_the_first_line(_WITH_CTRL_C, "run", str(proj), "-j", "2")
    assert first.startswith("ok   s.scenario.yaml::c0 ")  # the workers run
    assert rest.count("\n") < 19_999  # stopped, not run to the end


def _ctrl_c_after_the_first_line(script: str, *args: str) -> tuple[str, str]:
    """Run `script` with `args` in a process group of its own (as a terminal's job), press
    Ctrl-C (SIGINT to the whole group) once it has written its first line, and check that it
    then says `flowrt: interrupted` and nothing else, exits 130, and leaves no process behind.
    Returns the first line and the rest of what it wrote."""
    proc = subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()
    os.killpg(proc.pid, signal.SIGINT)
    rest, err = proc.communicate(timeout=60)
    assert (proc.returncode, err) == (130, "flowrt: interrupted\n")
    assert _group_gone(proc.pid)  # no worker is left behind
    return first, rest


def _group_gone(pgid: int, wait: float = 10.0) -> bool:
    """Whether every process of the group `pgid` has ended (given `wait` seconds to)."""
    end = time.monotonic() + wait
    while time.monotonic() < end:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


#: Workers whose pool gets a second Ctrl-C as it starts to stop them (the first one struck the
#: loop taking their results): prints how many worker processes are still running then.
_CTRL_C_TWICE = """
import multiprocessing
import os
import signal
import time
from multiprocessing import pool
from flowrt.core.workers import ordered_map

signal.signal(signal.SIGINT, signal.default_int_handler)
terminate = pool.Pool.terminate

def interrupted_again(self):
    os.kill(os.getpid(), signal.SIGINT)
    terminate(self)

pool.Pool.terminate = interrupted_again

def slow(n):
    time.sleep(0.01)
    return n

try:
    for n in ordered_map(slow, range(1000), 2):
        if n == 5:
            raise KeyboardInterrupt
except KeyboardInterrupt:
    pass
print(len(multiprocessing.active_children()))
"""


def test_ctrl_c_twice_still_stops_every_worker() -> None:
    """The workers ignore Ctrl-C, so they must be stopped whatever happens: a second Ctrl-C as
    they are being stopped does not leave them running."""
    done = subprocess.run(
        [sys.executable, "-c", _CTRL_C_TWICE], capture_output=True, text=True, timeout=60
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "0\n", "")


#: `flowrt replay` whose workers say they started and then wait: Ctrl-C lands while they work.
_REPLAY_WORKERS_WAIT = """
import signal
import sys
import time
from flowrt.cli import main
from flowrt.replay import engine

signal.signal(signal.SIGINT, signal.default_int_handler)

def waiting(part):
    print("a worker started", flush=True)
    time.sleep(120)

engine._map_task = waiting  # the forked workers inherit it
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="POSIX process groups")
def test_ctrl_c_during_a_replay_on_two_processes_says_one_line_and_stops_the_workers(
    tmp_path: Path,
) -> None:
    logs = tmp_path / "logs.jsonl"
    proj = ROOT / "flows"
    with logs.open("w", encoding="utf-8") as out_file:
        made = subprocess.run(
            [sys.executable, "-m", "flowrt", "run", str(proj), "--format", "connect-logs"],
            stdout=out_file,
            check=False,
        )
    assert made.returncode == 0 and logs.stat().st_size > 0
    args = ("replay", str(logs), "--project", str(proj), "-j", "2")
    first, _ = _ctrl_c_after_the_first_line(_REPLAY_WORKERS_WAIT, *args)
    assert first == "a worker started\n"


def test_import_and_export_refuse_to_overwrite_without_force(tmp_path: Path) -> None:
    proj = _flow_project(tmp_path / "p", 1)
    out = tmp_path / "out"
    assert main(["export", str(proj / "main.flow.yaml"), "-o", str(out)]) == 0
    exported = out / "main.json"
    exported.write_text("mine", encoding="utf-8")
    assert main(["export", str(proj / "main.flow.yaml"), "-o", str(out)]) == 1
    assert exported.read_text(encoding="utf-8") == "mine"
    assert main(["export", str(proj / "main.flow.yaml"), "-o", str(out), "--force"]) == 0
    imported = tmp_path / "imp"
    assert main(["import", str(exported), "-o", str(imported)]) == 0
    flow = imported / "main.flow.yaml"
    flow.write_text("mine", encoding="utf-8")
    assert main(["import", str(exported), "-o", str(imported)]) == 1
    assert flow.read_text(encoding="utf-8") == "mine"
    assert main(["import", str(exported), "-o", str(imported), "--force"]) == 0
    assert flow.read_text(encoding="utf-8") != "mine"


def test_reports_never_overwrite_a_source_file(tmp_path: Path) -> None:
    proj = _flow_project(tmp_path, 1)
    flow = proj / "main.flow.yaml"
    before = flow.read_bytes()
    assert main(["graph", str(flow), "-o", str(flow)]) == 2
    assert main(["test", str(proj), "--update", "--junit-xml", str(proj / "instance.yaml")]) == 2
    assert main(["test", str(proj), "--html", str(proj / "s.scenario.yaml")]) == 2
    assert flow.read_bytes() == before
    report = proj / "graph.dot"
    report.write_text("old", encoding="utf-8")
    assert main(["graph", str(flow), "-o", str(report)]) == 0  # a report is replaced
    assert report.read_text(encoding="utf-8").startswith("digraph")


# ---------------------------------------------------------------------------------------------
# inputs that try to escape the project


def test_symlinked_flow_out_of_the_project_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.flow.yaml"
    outside.write_text("flow: x\nstart: a\nblocks:\n  a: {type: disconnect}\n", encoding="utf-8")
    proj = _project(tmp_path / "p", {})
    (proj / "evil.flow.yaml").symlink_to(outside)
    (proj / "passwd.flow.yaml").symlink_to("../../../../../../etc/passwd")
    assert _codes(proj) == ["FR009", "FR009"]


def test_flow_paths_outside_the_project_on_the_command_line(tmp_path: Path) -> None:
    proj = _flow_project(tmp_path / "p", 1)
    escaped = proj / "../../etc/passwd"  # <tmp>/etc/passwd: no such file
    diags, _ = check_paths([str(escaped)])
    assert [(d.code, d.message) for d in diags] == [
        ("FR001", f"no such file or directory: {escaped}")
    ]
    diags, _ = check_paths(["/etc/passwd"])  # there, but not a flowrt file: not read
    assert [(d.code, d.message, str(d.span)) for d in diags] == [
        ("FR015", "`passwd` is not a flowrt file", "/etc/passwd:1:1")
    ]


def test_goldens_directory_linked_out_is_neither_read_written_nor_deleted(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    (outside / "s").mkdir(parents=True)
    secret = outside / "s" / "c0.golden.yaml"
    secret.write_text("secret: 1\n", encoding="utf-8")
    stray = outside / "s" / "other.golden.yaml"
    stray.write_text("keep: 1\n", encoding="utf-8")
    proj = _flow_project(tmp_path / "p", 1)
    (proj / "__goldens__").symlink_to(outside)
    assert main(["test", str(proj), "--update"]) == 1
    assert secret.read_text(encoding="utf-8") == "secret: 1\n"
    assert stray.exists()


def test_layout_side_file_linked_out_is_not_exported(tmp_path: Path) -> None:
    outside = tmp_path / "secret.json"
    outside.write_text('{"Metadata": {"secret": "s3cr3t"}}', encoding="utf-8")
    proj = _flow_project(tmp_path / "p", 1)
    (proj / "main.flow.layout.json").symlink_to(outside)
    out = tmp_path / "out"
    assert main(["export", str(proj / "main.flow.yaml"), "-o", str(out)]) == 0
    assert "s3cr3t" not in (out / "main.json").read_text(encoding="utf-8")


def test_tags_are_refused_through_every_entry_point(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    evil = "flow: !!python/object/apply:os.system ['touch pwned']\nstart: a\nblocks: {}\n"
    proj = _project(
        tmp_path, {"main.flow.yaml": evil, "s.scenario.yaml": "scenario: s\ncases: {c: {}}\n"}
    )
    assert "FR008" in _codes(proj)
    assert main(["run", str(proj)]) == 1
    assert main(["test", str(proj)]) == 1
    assert main(["export", str(proj / "main.flow.yaml"), "-o", str(tmp_path / "o")]) == 1
    capsys.readouterr()
    assert main(["graph", str(proj / "main.flow.yaml"), "-o", str(tmp_path / "g.dot")]) == 1
    err = capsys.readouterr().err  # a finding, shown as one: where, what, how to fix it
    assert ":1:7: error[FR008]: YAML tag `!!python/object/apply:os.system` is not allowed" in err
    assert "= hint: flowrt reads plain data only; remove the tag" in err
    assert not (tmp_path / "g.dot").exists()
    assert not (tmp_path / "pwned").exists() and not Path("pwned").exists()


# ---------------------------------------------------------------------------------------------
# regular expressions applied to user input: linear, whatever the input


def _fast(fn: Callable[..., object], *args: object) -> object:
    """What `fn(*args)` returns, or the exception it raises: either way within half a second."""
    start = time.perf_counter()
    try:
        out: object = fn(*args)
    except Exception as exc:  # noqa: BLE001 - the caller asserts which one it is
        out = exc
    assert time.perf_counter() - start < 0.5, fn
    return out


def _expr_error(out: object) -> str:
    assert isinstance(out, ExprError), out
    return str(out)


#: Each hostile input with what it must give: the stem of its golden file name, which of the
#: name patterns accept it (B: block name, A: attribute key, R: call range, C: clock,
#: P: phone number, E and S: an email request's keys), and what the
#: loader makes of `a: <input>` (its length as a string, or the diagnostic code).
ADVERSARIAL = [
    ("a" * 100_000 + "!", "a" * 60 + "-f80e2608", "", 100_001),
    ("$." + "a." * 50_000 + "!", "a." * 30 + "-595bef2d", "", 100_003),
    ("-" * 100_000 + "x", "x-b0148ca9", "AE", 100_001),
    ("0" * 100_000 + "x", "0" * 60 + "-dabf0530", "AE", 100_001),
    ("@" * 100_000, "case-c6dafeda", "", "FR002"),
    ("a@" + "b." * 50_000 + "!", "a-" + "b." * 29 + "-71796520", "", 100_003),
    ("+" + "1" * 100_000, "1" * 60 + "-b0f796cf", "", "FR013"),
    (" " * 100_000 + "x", "x-82a9042a", "", 1),
    ("$.Attributes." + "x" * 100_000 + " ", "Attributes." + "x" * 49 + "-7f8c43a2", "", 100_013),
]


@pytest.mark.parametrize(
    ("text", "stem", "accepted", "loaded"), ADVERSARIAL, ids=lambda t: repr(str(t)[:6])
)
def test_regular_expressions_on_user_input_are_linear(
    text: str, stem: str, accepted: str, loaded: int | str
) -> None:
    from flowrt.connect import files as connect_files
    from flowrt.email import request as email_request
    from flowrt.lang import expr, schema
    from flowrt.scenario import model as scenario
    from flowrt.testing import golden

    n = len(text)
    assert _expr_error(_fast(expr.parse_reference, text)) == (
        f"reference is too long ({n} characters; the limit is {MAX_EXPR_LENGTH})"
    )
    assert _expr_error(_fast(expr.parse_condition, text)) == (
        f"condition is too long ({n} characters; the limit is {MAX_EXPR_LENGTH})"
    )
    assert _expr_error(_fast(expr.parse_template, text)).startswith(
        f"text is too long ({n:,} characters; the limit is 32,768)"
    )
    # just under the length limits the parsers do run over the whole input: still linear
    under = text[: MAX_EXPR_LENGTH - 1] + text[-1]
    _fast(expr.parse_reference, under)
    _fast(expr.parse_condition, under)
    _fast(expr.parse_template, text[:32_767] + text[-1])
    assert _fast(golden.file_stem, text) == stem
    scalar = _fast(connect_files._scalar, text)
    assert isinstance(scalar, str)
    assert load_text(f"v: {scalar}\n", "f").data["v"] == text  # the scalar reads back whole
    named = {
        "B": schema.BLOCK_NAME_PATTERN,
        "A": scenario.ATTRIBUTE_KEY_PATTERN,
        "R": scenario.CALL_RANGE_PATTERN,
        "C": scenario.CLOCK_PATTERN,
        "P": r"^\+[1-9][0-9]{1,14}$",
        "E": email_request._KEY.pattern,  # an email request's keys
        "S": email_request._SYSTEM_KEY.pattern,
    }
    found = "".join(k for k, p in named.items() if _fast(re.compile(p).search, text))
    assert found == accepted
    out = _fast(load_text, f"a: {text}\n", "f")
    if isinstance(loaded, int):
        assert len(out.data["a"]) == loaded  # type: ignore[attr-defined]
    else:
        assert isinstance(out, LoadError) and out.diagnostic.code == loaded


def test_import_writes_yaml_that_loads_whatever_the_json_holds(tmp_path: Path) -> None:
    # regression (found by fuzzing): DEL, C1 controls and lone surrogates were written raw
    content = (
        '{"Version": "2019-10-30", "StartAction": "a", "Metadata": {"k": "\\ud800"}, "Actions": '
        '[{"Identifier": "a", "Type": "UpdateFlowLoggingBehavior", "Parameters": '
        '{"\\u007f": "\\u0085\\u009f", "x": "\\ud800\\u2028"}, "Transitions": {}}]}'
    )
    src = tmp_path / "weird\x7f.json"
    src.write_text(content, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["import", str(src), "-o", str(out)]) == 0
    (flow,) = out.glob("*.flow.yaml")
    doc = load_file(flow)
    (block,) = doc.data["blocks"].values()
    assert block["parameters"]["\x7f"] == "\x85\x9f"
    assert block["parameters"]["x"] == "\ufffd\u2028"
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []


def test_import_of_parameters_of_the_wrong_type_never_crashes(tmp_path: Path) -> None:
    # regression (found by the long fuzz run): a list where an ARN belongs raised TypeError
    content = (
        '{"Version": "2019-10-30", "StartAction": "a", "Actions": [{"Identifier": "a", '
        '"Type": "TransferToFlow", "Parameters": {"ContactFlowId": []}, "Transitions": {}}]}'
    )
    src = tmp_path / "f.json"
    src.write_text(content, encoding="utf-8")
    assert main(["import", str(src), "-o", str(tmp_path / "out")]) == 0
    (flow,) = (tmp_path / "out").glob("*.flow.yaml")
    (block,) = load_file(flow).data["blocks"].values()
    # kept whole, as Connect wrote it, rather than read as a flow name
    assert block == {
        "type": "connect-action",
        "action": "TransferToFlow",
        "parameters": {"ContactFlowId": []},
    }
