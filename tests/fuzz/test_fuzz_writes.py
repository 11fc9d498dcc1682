"""What flowrt writes, under hostile names, selections, machines and terminals (issue 13).

Each property would have found its class of issue 13:

- case names drawn to collide (a name and the slug of another, names that differ in letter
  case, plus names at random): `flowrt test --update` then `flowrt test` passes, or the
  scenario gets FR311 and no golden of it is written (class 10);
- `-k` expressions from the keyword grammar, nested up to thousands deep: a predicate that
  agrees with a reference evaluation, or a UsageError naming a column (class 8);
- every writer (`test --update`, `graph -o`, `--junit-xml`, `--html`, `init`) with the system
  refusing one step of the write (creating the temporary file, writing it, its mode, the
  rename) with any errno of a read-only or full disk: exit 1, one line naming the file, no
  temporary file, the old file intact (class 8);
- `flowrt run` and `flowrt validate` printing any text to a terminal whose encoding cannot show
  it: no UnicodeEncodeError (class 8).
"""

from __future__ import annotations

import contextlib
import copy
import errno
import io
import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any
from unittest import mock

from hypothesis import given
from hypothesis import strategies as st

import flowrt.core.files as core_files
from flowrt.cli import main
from flowrt.core.files import temp_target
from flowrt.testing.golden import file_stem
from flowrt.testing.suite import MAX_SELECTION_DEPTH, UsageError, compile_selection, run_suite
from tests.fuzz import strategies as fs
from tests.fuzz.helpers import assert_positioned, scratch_dir, write_files

_ROOT = scratch_dir("writes")
_FLOW: dict[str, Any] = {
    "flow": "main",
    "start": "hello",
    "blocks": {
        "hello": {"type": "play-prompt", "text": "hi", "next": "bye"},
        "bye": {"type": "disconnect"},
    },
}


def _files(cases: list[str], prompt: str = "hi") -> dict[str, str]:
    flow = copy.deepcopy(_FLOW)
    flow["blocks"]["hello"]["text"] = prompt
    scenario = {"scenario": "s", "flow": "main", "cases": {c: {} for c in cases}}
    return {
        "instance.yaml": fs.to_text(fs.INSTANCE),
        "main.flow.yaml": fs.to_text(flow),
        "s.scenario.yaml": fs.to_text(scenario),
    }


# ---------------------------------------------------------------------------------------------
# class 10: case names whose goldens collide

_name_chars = st.characters(codec="utf-8", exclude_categories=["Cs"])
_any_name = st.one_of(
    st.text(_name_chars, min_size=1, max_size=12),
    st.sampled_from(["a b", "x/y", "..", ".", "-", "Gold", "ß", "日本", "a.b", "CON"]),
    st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,8}", fullmatch=True),
)


@st.composite
def colliding_names(draw: st.DrawFn) -> list[str]:
    """Case names where some pairs share a golden file: a name and its slug, case variants."""
    names: list[str] = []
    for _ in range(draw(st.integers(1, 5))):
        name = draw(_any_name)
        names.append(name)
        twist = draw(st.sampled_from(["none", "stem", "swapcase", "upper"]))
        if twist == "stem":
            names.append(file_stem(name))
        elif twist == "swapcase":
            names.append(file_stem(name).swapcase())
        elif twist == "upper":
            names.append(name.upper())
    return list(dict.fromkeys(names))  # a mapping's keys: unique


@given(colliding_names())
def test_update_then_test_passes_or_names_the_collision(names: list[str]) -> None:
    root = _ROOT / "names"
    write_files(root, _files(names))
    first = run_suite([str(root)], update=True)
    assert_positioned(first.diagnostics)
    stems = [file_stem(n).lower() for n in names]
    shared = [d for d in first.diagnostics if d.code == "FR311"]
    if first.errors and not shared:  # a name the scenario file refuses: nothing ran
        assert first.cases == []
        return
    goldens = sorted((root / "__goldens__").rglob("*.golden.yaml"))
    if len(set(stems)) < len(stems):
        assert len(shared) == len(stems) - len(set(stems))
        assert first.cases == [] and goldens == []
        return
    assert shared == []
    assert len(goldens) == len(names)
    second = run_suite([str(root)])
    assert second.ok and second.passed == len(names)


# ---------------------------------------------------------------------------------------------
# class 8: -k expressions, nested as deep as anyone types them, and deeper


@st.composite
def selections(draw: st.DrawFn, depth: int = 0) -> tuple[str, Any]:
    """A `-k` expression and its tree (a reference evaluates the tree)."""
    kind = draw(
        st.sampled_from(["word", "word", "not", "paren", "and", "or"] if depth < 4 else ["word"])
    )
    if kind == "word":
        word = draw(st.sampled_from(["gold", "silver", "c1", "s::", "x"]))
        return word, ("word", word)
    if kind == "not":
        text, tree = draw(selections(depth + 1))
        return f"not ({text})", ("not", tree)
    if kind == "paren":
        text, tree = draw(selections(depth + 1))
        return f"({text})", tree
    parts = [draw(selections(depth + 1)) for _ in range(draw(st.integers(2, 4)))]
    # operands of and/or in parentheses, so the text's structure is the tree's
    return f" {kind} ".join(f"({t})" for t, _ in parts), (kind, [tree for _, tree in parts])


def _evaluate(tree: Any, case_id: str) -> bool:
    kind = tree[0]
    if kind == "word":
        return bool(tree[1].lower() in case_id.lower())
    if kind == "not":
        return not _evaluate(tree[1], case_id)
    results = [_evaluate(t, case_id) for t in tree[1]]
    return all(results) if kind == "and" else any(results)


_IDS = ["s.scenario.yaml::gold", "s.scenario.yaml::silver-c1", "x::y"]


@given(selections(), st.integers(0, 3000), st.sampled_from(["(", "not ", "( not "]))
def test_selection_agrees_or_is_a_usage_error(
    selection: tuple[str, Any], wrap: int, opener: str
) -> None:
    text, tree = selection
    closer = ")" * opener.count("(")
    expr = opener * wrap + f"({text})" + closer * wrap
    levels = wrap * (opener.count("(") + opener.count("not"))
    try:
        predicate = compile_selection(expr)
    except UsageError as exc:
        message = str(exc)
        assert levels > MAX_SELECTION_DEPTH - 10
        assert "\n" not in message and len(message) < 300
        assert f"nests deeper than {MAX_SELECTION_DEPTH}" in message and "column" in message
        return
    inverted = opener.count("not") * wrap % 2 == 1
    for case_id in _IDS:
        assert predicate(case_id) == (_evaluate(tree, case_id) != inverted)


_tokens = st.lists(
    st.sampled_from(["(", ")", "and", "or", "not", "gold", "c1", "((", "))"]), max_size=40
)


@given(_tokens)
def test_any_token_soup_is_a_predicate_or_a_usage_error(tokens: list[str]) -> None:
    try:
        predicate = compile_selection(" ".join(tokens))
    except UsageError as exc:
        assert "\n" not in str(exc)
        return
    for case_id in _IDS:
        predicate(case_id)


# ---------------------------------------------------------------------------------------------
# class 8: the system refuses one step of a write

_ERRNOS = [
    errno.EACCES,
    errno.EPERM,
    errno.EROFS,
    errno.ENOSPC,
    errno.EDQUOT,
    errno.EIO,
    errno.EFBIG,
    errno.ENAMETOOLONG,
]
_STAGES = ["mkstemp", "write", "chmod", "rename"]
_WRITERS = {
    "test --update": (["test", "--update", "p"], None),
    "graph -o": (["graph", "p/main.flow.yaml", "-o", "out/g.mmd"], "out/g.mmd"),
    "--junit-xml": (["test", "p", "--junit-xml", "out/j.xml"], "out/j.xml"),
    "--html": (["test", "p", "--html", "out/r.html"], "out/r.html"),
    "init": (["init", "new"], None),
}


class _OsShim:
    """`os` as flowrt.core.files sees it, with one function failing."""

    def __init__(self, failing: dict[str, OSError]) -> None:
        self._failing = failing

    def __getattr__(self, name: str) -> Any:
        if name in self._failing:
            error = self._failing[name]

            def fail(*args: Any, **kwargs: Any) -> Any:
                raise error

            return fail
        if name == "fdopen" and "write" in self._failing:
            return _full_fdopen(self._failing["write"])
        return getattr(os, name)


def _full_fdopen(error: OSError) -> Any:
    def fdopen(fd: int, *args: Any, **kwargs: Any) -> Any:
        fh = os.fdopen(fd, *args, **kwargs)

        class Full:
            def __enter__(self) -> Full:
                return self

            def __exit__(self, *exc: object) -> None:
                fh.close()

            def write(self, data: bytes) -> None:
                fh.write(data[: len(data) // 3])
                raise error

        return Full()

    return fdopen


@contextlib.contextmanager
def _refusing(stage: str, code: int) -> Iterator[None]:
    error = OSError(code, os.strerror(code))
    if stage == "mkstemp":
        shim = mock.Mock(wraps=tempfile)
        shim.mkstemp.side_effect = error
        with mock.patch.object(core_files, "tempfile", shim):
            yield
        return
    failing = {"write": {"write": error}, "chmod": {"chmod": error}}.get(
        stage, {"replace": error, "link": error}
    )
    with mock.patch.object(core_files, "os", _OsShim(failing)):
        yield


@given(st.sampled_from(sorted(_WRITERS)), st.sampled_from(_STAGES), st.sampled_from(_ERRNOS))
def test_a_refused_write_is_one_line_and_leaves_nothing(writer: str, stage: str, code: int) -> None:
    base = _ROOT / "refused"
    if base.exists():
        shutil.rmtree(base)
    root = base / "p"
    write_files(root, _files(["c1", "c2"]))
    (base / "out").mkdir()
    argv, target = _WRITERS[writer]
    if target is not None:
        (base / target).write_text("old\n", encoding="utf-8")
    if writer != "test --update":
        assert run_suite([str(root)], update=True).ok
    before = {p: p.read_bytes() for p in base.rglob("*") if p.is_file()}
    err = io.StringIO()
    cwd = os.getcwd()
    os.chdir(base)
    try:
        with (
            _refusing(stage, code),
            contextlib.redirect_stderr(err),
            contextlib.redirect_stdout(io.StringIO()),
        ):
            status = main(argv)
    finally:
        os.chdir(cwd)
    lines = err.getvalue().splitlines()
    assert status == 1, err.getvalue()
    assert len(lines) == 1 and lines[0].startswith(f"flowrt {argv[0]}: cannot write "), lines
    shown = {"test --update": "p/__goldens__/s/c1.golden.yaml", "init": "new/"}.get(writer, target)
    assert f"cannot write {shown}" in lines[0]
    left = [p for p in base.rglob("*") if temp_target(p.name) is not None]
    assert left == []
    after = {p: p.read_bytes() for p in base.rglob("*") if p.is_file()}
    assert after == before  # the old files whole, nothing new (init takes back what it wrote)


# ---------------------------------------------------------------------------------------------
# class 8: a terminal whose encoding cannot show the text

_texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1)


@given(_texts, st.sampled_from(["latin-1", "ascii", "cp1252"]))
def test_any_text_prints_in_any_encoding(text: str, encoding: str) -> None:
    root = _ROOT / "encoding"
    write_files(root, _files(["c1"], prompt=text))
    (root / "bad.flow.yaml").write_text(
        fs.to_text({"flow": "bad", "start": text, "blocks": {"a": {"type": "disconnect"}}}),
        encoding="utf-8",
    )
    for argv in (
        ["run", str(root / "main.flow.yaml"), "--scenario", str(root / "s.scenario.yaml")],
        ["validate", "--format", "sarif", str(root)],
        ["validate", str(root)],
        ["test", str(root)],
    ):
        raw = io.BytesIO()
        out = io.TextIOWrapper(raw, encoding=encoding, errors="strict")
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            status = main(argv)
        out.flush()
        assert status in (0, 1)
        assert out.errors == "strict"  # given back as it was
        raw.getvalue().decode(encoding)
