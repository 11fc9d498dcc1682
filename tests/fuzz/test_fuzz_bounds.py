"""The bounds under generated input (issue 13, classes 11 and 14).

- Every regular expression of flowrt (found in the source, the schemas and the condition grammar:
  tests/fuzz/bounds_regex.py) on pumped inputs: a prefix, a short piece repeated thousands of
  times, a suffix that fails the match; drawn from the pieces that hurt (the email address's
  `a@` + dots + space) and from any text.  A super-linear pattern shows as a time that grows with
  the square of the length.
- The email address check against the pattern it replaces, on any short text.
- Templates: any mix of text and references to values of any length renders exactly the text the
  pieces make when it is at most `MAX_TEXT_LENGTH` characters, and stops with `TextTooLong`,
  without building the text, when it would be longer; the same through a run of each block type
  that renders text (the block takes `error`, with the error in its trace).
"""

from __future__ import annotations

import re
import time
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flowrt.lang.expr import parse_template
from flowrt.lang.instance import is_email_address
from flowrt.lang.refs import MAX_TEXT_LENGTH, TextTooLong
from flowrt.project.driver import load_project
from tests.fuzz.bounds_regex import (
    NOT_USER_INPUT,
    PREFIXES,
    PUMPS,
    SUFFIXES,
    all_patterns,
    prefixes,
    pumped,
    pumped_hit,
)
from tests.fuzz.helpers import assert_steps_follow_branches, scratch_dir, write_files

_ROOT = scratch_dir("bounds")
_CHECKED = tuple(f for f in all_patterns() if f.regex.pattern not in NOT_USER_INPUT)
_OLD_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


# ---------------------------------------------------------------------------------------------
# regular expressions


@st.composite
def _pumped_case(draw: st.DrawFn) -> tuple[int, str, str, str]:
    i = draw(st.integers(0, len(_CHECKED) - 1))
    regex = _CHECKED[i].regex
    # Pieces made of the characters the pattern names (`@`, `.`, `:`...) hurt most.
    chars = st.sampled_from(sorted(set(regex.pattern) | set(" a1\n")))
    prefix = draw(st.one_of(st.sampled_from(prefixes(regex)), st.text(chars, max_size=4)))
    pump = draw(st.one_of(st.sampled_from(PUMPS), st.text(chars, min_size=1, max_size=2)))
    suffix = draw(st.one_of(st.sampled_from(SUFFIXES), st.text(chars, max_size=2)))
    return i, prefix, pump, suffix


@given(_pumped_case())
def test_fuzz_regular_expressions_stay_linear_on_pumped_input(
    case: tuple[int, str, str, str],
) -> None:
    i, prefix, pump, suffix = case
    found = _CHECKED[i]
    hit = pumped_hit(found.regex, prefix, pump, suffix)
    assert hit is None, f"{found.where}: {hit[0]:.2f} s on {hit[1][:40]!r}..."


@given(
    st.text(
        alphabet=st.one_of(
            st.sampled_from("ab.@-_+ \t\n\r\x0b\x1c\u00a0\u2028\u3000"), st.characters()
        ),
        max_size=24,
    )
)
def test_fuzz_email_check_answers_as_the_pattern_it_replaces(text: str) -> None:
    assert is_email_address(text) is bool(_OLD_EMAIL.fullmatch(text))


@given(
    st.sampled_from(PREFIXES),
    st.sampled_from(PUMPS),
    st.sampled_from(SUFFIXES),
    st.integers(10_000, 200_000),
)
def test_fuzz_long_addresses_are_answered_at_once(
    prefix: str, pump: str, suffix: str, length: int
) -> None:
    text = pumped(prefix, pump, suffix, length)
    start = time.perf_counter()
    assert is_email_address(text) is False
    assert time.perf_counter() - start < 0.05  # the pattern it replaces: up to minutes


# ---------------------------------------------------------------------------------------------
# rendered texts


#: A template's pieces: literal text (a length) or a reference to a value (a key).
_piece = st.one_of(
    st.integers(0, 40).map(lambda n: ("text", "t" * n)),
    st.sampled_from(["x", "y", "z", "gone"]).map(lambda k: ("ref", k)),
)
#: Value lengths around the limit: 0, small, near a half, near the whole.
_length = st.one_of(
    st.integers(0, 50),
    st.integers(MAX_TEXT_LENGTH // 2 - 3, MAX_TEXT_LENGTH // 2 + 3),
    st.integers(MAX_TEXT_LENGTH - 3, MAX_TEXT_LENGTH + 3),
    st.integers(0, 3 * MAX_TEXT_LENGTH),
)


def _template(pieces: list[tuple[str, str]]) -> str:
    # A space after a reference ends it; a literal never starts with one's continuation.
    return "".join(f"$.Attributes.{v} " if kind == "ref" else v for kind, v in pieces)


def _expected_length(pieces: list[tuple[str, str]], values: dict[str, str]) -> int:
    return sum(len(values.get(v, "")) + 1 if kind == "ref" else len(v) for kind, v in pieces)


class _Values:
    def __init__(self, values: dict[str, str]) -> None:
        self.values = values

    def resolve(self, path: tuple[str, ...]) -> str | None:
        return self.values.get(path[1]) if len(path) == 2 else None


@given(st.lists(_piece, max_size=60), st.fixed_dictionaries({k: _length for k in "xyz"}))
def test_fuzz_templates_render_exactly_or_stop_at_the_limit(
    pieces: list[tuple[str, str]], lengths: dict[str, int]
) -> None:
    values = {k: k * n for k, n in lengths.items()}
    template = parse_template(_template(pieces))
    size = _expected_length(pieces, values)
    missing: list[str] = []
    tracemalloc.start()
    try:
        try:
            text: str | None = template.render(_Values(values), missing)
        except TextTooLong as exc:
            assert exc.limit == MAX_TEXT_LENGTH
            text = None
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * MAX_TEXT_LENGTH + 200_000  # never the whole text when it is too long
    if size > MAX_TEXT_LENGTH:
        assert text is None
    else:
        assert text is not None and len(text) == size
        assert text == "".join(
            values.get(v, "") + " " if kind == "ref" else v for kind, v in pieces
        )
        gone = ["$.Attributes.gone"] if ("ref", "gone") in pieces else []
        assert missing == gone


_BLOCKS = {
    "play-prompt": '{type: play-prompt, text: "TEXT", next: {success: ok, error: failed}}',
    "send-message": '{type: send-message, text: "TEXT", next: {success: ok, error: failed}}',
    "get-customer-input": (
        '{type: get-customer-input, text: "TEXT", next: {no-match: ok, error: failed}}'
    ),
    "set-contact-attributes": (
        '{type: set-contact-attributes, attributes: {out: "TEXT"}, '
        "next: {success: ok, error: failed}}"
    ),
    "invoke-lambda": (
        '{type: invoke-lambda, function: f, parameters: {p: "TEXT"}, '
        "next: {success: ok, error: failed}}"
    ),
}
_INSTANCE = (
    "instance: t\nlambda-functions:\n"
    "  f: {arn: 'arn:aws:lambda:us-east-1:123456789012:function:f'}\n"
)


@pytest.fixture(scope="module")
def root() -> Path:
    return _ROOT / "p"


@given(
    st.sampled_from(sorted(_BLOCKS)),
    st.lists(_piece, min_size=1, max_size=30),
    st.fixed_dictionaries({k: st.integers(0, 10_900) for k in "xyz"}),
)
def test_fuzz_run_steps_render_within_the_limit_or_take_error(
    root: Path, block_type: str, pieces: list[tuple[str, str]], lengths: dict[str, int]
) -> None:
    text = _template(pieces)
    flow = (
        "flow: main\nstart: s\nblocks:\n"
        f"  s: {_BLOCKS[block_type].replace('TEXT', text)}\n"
        "  ok: {type: disconnect}\n  failed: {type: end-flow}\n"
    )
    write_files(root, {"instance.yaml": _INSTANCE, "main.flow.yaml": flow})
    program = load_project(str(root)).compile()
    assert not [d for d in program.diagnostics if d.is_error]
    values = {k: k * n for k, n in lengths.items()}  # 32,703 bytes at most: within FR104
    result = program.run({"attributes": values}, {})
    assert_steps_follow_branches(result.trace.records)
    step = result.trace.steps()[0]
    size = _expected_length(pieces, values)
    if size > MAX_TEXT_LENGTH:
        assert step["branch"] == "error", size
        assert f"would be longer than {MAX_TEXT_LENGTH:,} characters" in step["facts"][-1]["text"]
    for fact in step["facts"]:
        for key in ("prompt", "message", "new"):
            value = fact.get(key)
            assert not isinstance(value, str) or len(value) <= MAX_TEXT_LENGTH
        for value in (fact.get("parameters") or {}).values():
            assert len(value) <= MAX_TEXT_LENGTH
