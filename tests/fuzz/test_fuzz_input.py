"""What flowrt reads, fuzzed where issue 13 found holes (classes 1, 2, 4, 5, 12, 13 and 15).

The other fuzz modules generate plausible projects; these strategies generate the shapes an
attacker reaches for, each sized so that the old code fails on it:

- nesting tens of thousands of levels deep, flow or block style or mixed (the C composer crashed
  past about 30,000): FR006 at exactly the first level too deep, or a Document;
- words from the alphabet of YAML 1.2's number patterns, with and without core tags on scalars
  and collections, and integers of thousands of digits: a value or a positioned diagnostic;
- long tags, many scalars against a node bound: linear time, FR007 at exactly the first node
  over the bound;
- any text (control characters, line breaks, huge lines) as a message, a file name, a hint or a
  source line: the rendering holds no control character and a bounded excerpt of the line;
- names against names for "did you mean": difflib's answer on ordinary sets;
- a project whose files are FIFOs, devices, sockets, directories, link loops and links out of the
  project to a secret: validate and test end, each such file is a diagnostic at 1:1, and no byte
  of the secret is printed.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import socket
import tempfile
import time
from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st

from flowrt.core.diagnostics import (
    MAX_PER_FILE,
    MAX_SHOWN,
    Diagnostic,
    SourceCache,
    Span,
    did_you_mean,
    render_text,
)
from flowrt.lang.loader import Document, Limits, LoadError, load_text
from flowrt.project.driver import check_paths
from flowrt.testing.suite import run_suite
from tests.fuzz.helpers import assert_positioned

NAME = "fuzz.flow.yaml"
MAX_DEPTH = Limits().max_depth


def _load(text: str, limits: Limits | None = None) -> Document | Diagnostic:
    try:
        return load_text(text, NAME, limits or Limits())
    except LoadError as exc:
        assert_positioned([exc.diagnostic], {NAME: text})
        return exc.diagnostic


# ---------------------------------------------------------------------------------------------
# class 4: nesting

#: One level of nesting: its opening text, its closing text, and how many levels it opens.
_FLOW_LEVELS = {"seq": ("[", "]", 1), "map": ("{a: ", "}", 1), "both": ("[{a: ", "}]", 2)}


@st.composite
def _flow_nesting(draw: st.DrawFn) -> tuple[str, int | None]:
    """Flow-style nesting of up to 40,000 levels; the column of the first level too deep."""
    kind = draw(st.sampled_from(sorted(_FLOW_LEVELS)))
    opening, closing, per = _FLOW_LEVELS[kind]
    count = draw(st.one_of(st.integers(1, 80), st.integers(80, 40_000 // per)))
    closed = draw(st.booleans())
    text = "a: " + opening * count + ("1" + closing * count if closed else "")
    levels = count * per
    if levels < MAX_DEPTH:
        return text, None
    # the 64th collection below the top-level mapping opens at the first level too deep
    index = MAX_DEPTH - 1
    column = 4 + len(opening) * (index // per) + (len(opening) // per) * (index % per)
    if kind == "both":
        column = 4 + len(opening) * (index // 2) + (1 if index % 2 else 0)
    return text, column


@given(_flow_nesting())
@example(("a: " + "[" * 30_000 + "]" * 30_000, 4 + MAX_DEPTH - 1)).via("issue 13: segfault")
def test_flow_nesting_is_bounded_before_it_is_parsed(case: tuple[str, int | None]) -> None:
    text, column = case
    start = time.perf_counter()
    found = _load(text)
    assert time.perf_counter() - start < 5
    if column is None:
        assert isinstance(found, Document) or found.code == "FR002"
        return
    assert isinstance(found, Diagnostic)
    if found.code == "FR002":  # an unclosed file may end before the parser meets the level
        assert not text.endswith("}") and not text.endswith("]")
        return
    assert found.code == "FR006"
    assert found.span is not None and (found.span.line, found.span.column) == (1, column)


@st.composite
def _block_nesting(draw: st.DrawFn) -> tuple[str, int | None]:
    """Block-style nesting (mappings, or lists of mappings) a few hundred levels deep; the line
    of the first level too deep."""
    depth = draw(st.integers(1, 400))
    if draw(st.booleans()):
        return "".join(" " * i + "a:\n" for i in range(depth)) + " " * depth + "b: 1\n", (
            MAX_DEPTH + 1 if depth + 1 > MAX_DEPTH else None
        )
    lines = "".join(" " * (2 * i) + "- a:\n" for i in range(depth)) + " " * (2 * depth + 1) + "b\n"
    # each line opens a list and a mapping: the 64th collection is line 32's list... mapping
    return lines, (MAX_DEPTH // 2 + 1 if 2 * depth > MAX_DEPTH else None)


@given(_block_nesting())
def test_block_nesting_is_fr006_at_the_first_level_too_deep(case: tuple[str, int | None]) -> None:
    text, line = case
    found = _load(text)
    if line is None:
        assert isinstance(found, Document)
        return
    assert isinstance(found, Diagnostic) and found.code == "FR006"
    assert found.span is not None and found.span.line == line


# ---------------------------------------------------------------------------------------------
# class 5: scalars

_NUMBERISH = st.text(alphabet="0123456789_.+-xXoObBeEinfaINFA", min_size=1, max_size=10)
_TAGS = ["", "!!int ", "!!float ", "!!bool ", "!!null ", "!!str ", "!!timestamp ", "! "]
_TAGS += ["!!map ", "!!seq ", "!!binary ", "!custom ", "!!python/object "]
_ALLOWED = {"FR002", "FR008", "FR011", "FR013"}


@given(_NUMBERISH, st.sampled_from(_TAGS), st.sampled_from(["{}", "[{}]", "{{k: {}}}", "[[{}]]"]))
@example("._", "", "{}").via("issue 13: ValueError")
@example("0x_", "", "{}").via("issue 13: ValueError")
@example("a, b", "!!map ", "[{}]").via("issue 13: TypeError")
def test_a_number_pattern_is_a_value_or_a_positioned_diagnostic(
    word: str, tag: str, shape: str
) -> None:
    text = "x: " + shape.format(tag + word) + "\n"
    found = _load(text)
    if isinstance(found, Diagnostic):
        assert found.code in _ALLOWED, found
        return
    if not tag:  # an implicit scalar is its number, or its text
        values = [found.data["x"]]
        while isinstance(values[-1], list | dict):
            inner = values[-1]
            values.append(inner[0] if isinstance(inner, list) else next(iter(inner.values())))
        value = values[-1]
        assert isinstance(value, str | int | float) or value is None, value
        if isinstance(value, str):
            assert value == word or word.strip() == ""


@given(st.integers(4200, 6000), st.sampled_from(["", "-", "+", "0x", "0o", "0b"]))
def test_long_integers_are_a_value_or_fr013(digits: int, prefix: str) -> None:
    body = {"0x": "f", "0o": "7", "0b": "1"}.get(prefix, "9") * digits
    found = _load(f"x: {prefix}{body}\n")
    if isinstance(found, Diagnostic):
        assert found.code == "FR013"
        assert found.span is not None and (found.span.line, found.span.column) == (1, 4)
    else:
        assert isinstance(found.data["x"], int)


# ---------------------------------------------------------------------------------------------
# class 13: tags, nodes


@given(st.integers(1, 3_000_000), st.sampled_from(["!", "!!", "!<tag:x/"]))
def test_a_long_tag_is_read_in_linear_time(length: int, handle: str) -> None:
    close = ">" if handle.startswith("!<") else ""
    text = f"a: {handle}{'t' * length}{close} 1\n"
    start = time.perf_counter()
    found = _load(text)
    assert time.perf_counter() - start < 5
    assert isinstance(found, Diagnostic) and found.code == "FR008"
    assert len(found.message) < 120


@given(
    st.integers(1, 3000),
    st.integers(1, 3000),
    st.sampled_from(["- 1\n", "- [1, 2]\n", "- {a: b}\n", "- \n"]),
)
def test_every_node_counts_against_the_bound(count: int, limit: int, item: str) -> None:
    per = {"- 1\n": 1, "- [1, 2]\n": 3, "- {a: b}\n": 2, "- \n": 1}[item]
    found = _load(item * count, Limits(max_nodes=limit))
    if 1 + per * count <= limit:
        assert isinstance(found, Document)
        return
    assert isinstance(found, Diagnostic) and found.code == "FR007"
    assert found.message == f"more than {limit:,} nodes"
    # the first node over the bound is on the line of the item that holds it
    assert found.span is not None and found.span.line == (limit - 1) // per + 1


# ---------------------------------------------------------------------------------------------
# class 15 and class 1 (rendering): neutralized, bounded

_ANY = st.lists(
    st.one_of(
        st.characters(),
        st.sampled_from(["\x1b[2J", "\x9b", "\r", "\n", "\x00", "\t", "\u2028", "\u202e", "::"]),
    ),
    max_size=30,
).map("".join)
_OURS = re.compile("\x1b\\[(?:1;3[136]|0)m")


@given(_ANY, _ANY, _ANY, _ANY, st.integers(0, 3000), st.integers(1, 5000), st.booleans())
@example("\x1b[2J", "x\x1b]0;t\x07", "\n::error::x", "a\rb", 0, 1, True).via("issue 13")
def test_what_is_rendered_for_people_holds_no_control_character(
    message: str, file: str, hint: str, line: str, pad: int, column: int, color: bool
) -> None:
    source = line * (1 + pad // max(1, len(line))) if line else "x" * pad
    source = source.replace("\n", " ")
    sources = SourceCache()
    sources.add(file, f"{source}\n")
    d = Diagnostic.make("FR010", message, Span(file, 1, column, 1, column + 2), hint or None)
    out = render_text([d], sources, color=color)
    lines = out.split("\n")
    assert len(lines) == 1 + 2 + (1 if hint else 0)
    for text in lines:
        shown = _OURS.sub("", text) if color else text
        assert all(c.isprintable() or c == "\t" for c in shown), repr(text)  # tab is kept
    assert len(lines[1]) <= len(" 1 | ") + MAX_SHOWN + 2


# ---------------------------------------------------------------------------------------------
# class 12: did you mean

_NAMEISH = st.text(alphabet="abcdefgh-_12", max_size=10)


@given(_NAMEISH, st.lists(_NAMEISH, max_size=300), st.booleans())
def test_did_you_mean_is_difflibs_on_ordinary_sets(
    word: str, names: list[str], as_set: bool
) -> None:
    expected = difflib.get_close_matches(word, names, n=1, cutoff=0.6)
    got = did_you_mean(word, set(names) if as_set else names)
    assert got == (expected[0] if expected else None)


@given(st.lists(_NAMEISH.filter(bool), min_size=1, max_size=20), st.integers(1, 1200))
def test_suggestions_for_many_unknown_names_take_bounded_time(stems: list[str], count: int) -> None:
    known = {f"{stems[i % len(stems)]}-{i}" for i in range(count)}
    start = time.perf_counter()
    for i in range(count):
        did_you_mean(f"{stems[(i + 1) % len(stems)]}-{i}x", known)
    assert time.perf_counter() - start < 10  # about a minute before, at 1,200 x 1,200


@given(st.lists(st.integers(0, 400), min_size=1, max_size=3))
def test_diagnostics_printed_per_file_are_bounded(counts: list[int]) -> None:
    diags = [
        Diagnostic.make("FR010", "unknown key", Span(f"f{n}.yaml", i + 1, 1, i + 1, 2))
        for n, count in enumerate(counts)
        for i in range(count)
    ]
    lines = render_text(diags, SourceCache()).splitlines()
    assert len(lines) == sum(min(c, MAX_PER_FILE) for c in counts) + sum(
        c > MAX_PER_FILE for c in counts
    )
    for n, count in enumerate(counts):
        if count > MAX_PER_FILE:
            assert f"... and {count - MAX_PER_FILE:,} more in f{n}.yaml" in lines


# ---------------------------------------------------------------------------------------------
# classes 1 and 2: files that are not regular files, links out of the project

SECRET = "FLOWRT_FUZZ_SECRET_5ca1ab1e"
_KINDS = ["regular", "fifo", "link-out", "dev-zero", "directory", "loop", "socket", "missing-link"]
_FLOW = "flow: {name}\nstart: a\nblocks:\n  a: {{type: end-flow}}\n"


def _make(path: Path, kind: str, text: str, outside: Path) -> bool:
    """Make `path` a file of `kind`; False when this system cannot."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "regular":
        path.write_text(text, encoding="utf-8")
    elif kind == "fifo":
        if not hasattr(os, "mkfifo"):
            return False
        os.mkfifo(path)
    elif kind == "link-out":
        path.symlink_to(outside)
    elif kind == "dev-zero":
        if not Path("/dev/zero").exists():
            return False
        path.symlink_to("/dev/zero")
    elif kind == "directory":
        path.mkdir()
    elif kind == "loop":
        path.symlink_to(path)
    elif kind == "missing-link":
        path.symlink_to(path.parent / "nothing-here")
    elif kind == "socket":
        if not hasattr(socket, "AF_UNIX") or len(str(path)) > 100:
            return False
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(path))
        sock.close()
    return True


@given(
    st.sampled_from(_KINDS),
    st.sampled_from(_KINDS),
    st.sampled_from(["regular", *_KINDS]),
    st.sampled_from(_KINDS),
)
@example("fifo", "fifo", "fifo", "fifo").via("issue 13: a FIFO hangs validate and test")
@example("link-out", "regular", "regular", "regular").via("issue 13: the target's line printed")
def test_files_that_are_not_regular_are_diagnostics_not_hangs(
    flow: str, scenario: str, instance: str, golden: str
) -> None:
    with tempfile.TemporaryDirectory(prefix="flowrt-fuzz-input-") as tmp:
        base = Path(tmp)
        outside = base / "outside.flow.yaml"
        outside.write_text(f"flow: {SECRET}\n{SECRET}: 1\n", encoding="utf-8")
        root = base / "p"
        root.mkdir()
        (root / "main.flow.yaml").write_text(_FLOW.format(name="main"), encoding="utf-8")
        files = {
            root / "other.flow.yaml": (flow, _FLOW.format(name="other")),
            root / "s.scenario.yaml": (scenario, "scenario: s\nflow: main\ncases:\n  c: {}\n"),
            root / "instance.yaml": (instance, "instance: t\n"),
        }
        made = {path: _make(path, kind, text, outside) for path, (kind, text) in files.items()}
        if not all(made.values()):
            return
        start = time.perf_counter()
        diags, _ = check_paths([str(root)])
        out = render_text(diags)
        report = run_suite([str(root)], update=True)
        goldens = sorted(root.rglob("*.golden.yaml"))
        if goldens and golden != "regular":
            goldens[0].unlink()
            if not _make(goldens[0], golden, "", outside):
                return
        report = run_suite([str(root)])
        out += render_text(report.diagnostics)
        for case in report.cases:
            if case.golden is not None and case.golden.diagnostic is not None:
                out += render_text([case.golden.diagnostic])
        assert time.perf_counter() - start < 30
        assert SECRET not in out
        for d in diags:
            assert d.span is not None or d.code == "FR100"
            if d.span is not None and not Path(d.span.file).is_file():
                assert (d.code, d.span.line, d.span.column) in {("FR001", 1, 1), ("FR009", 1, 1)}
            elif d.span is not None:
                assert_positioned([d])
        shutil.rmtree(root, ignore_errors=True)
