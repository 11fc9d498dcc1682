"""The loader: exact positions, refusals, bounds, and properties over generated documents."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flowrt.core.diagnostics import Span
from flowrt.lang.loader import Document, Limits, LoadError, decode, load_text


def _fail(text: str, limits: Limits | None = None) -> LoadError:
    with pytest.raises(LoadError) as info:
        load_text(text, "f.yaml", limits or Limits())
    return info.value


def test_positions_are_one_based_and_exact() -> None:
    doc = load_text("flow: main\nblocks:\n  greet:\n    type: play-prompt\n", "f.yaml")
    assert doc.span(("flow",)) == Span("f.yaml", 1, 7, 1, 11)
    assert doc.key_span(("blocks", "greet")) == Span("f.yaml", 3, 3, 3, 8)
    assert doc.span(("blocks", "greet", "type")) == Span("f.yaml", 4, 11, 4, 22)
    # a path with no value of its own falls back to its nearest ancestor
    assert doc.span(("blocks", "greet", "missing")).line == 4


def test_yaml_12_scalars() -> None:
    doc = load_text("a: [yes, no, on, true, 0x1F, 1_000, 1.5, ~, 2026-01-01, '8']", "f.yaml")
    assert doc.data == {"a": ["yes", "no", "on", True, 31, 1000, 1.5, None, "2026-01-01", "8"]}


def test_duplicate_key_is_an_error_with_both_lines() -> None:
    err = _fail("a: 1\nb: 2\na: 3\n")
    assert err.diagnostic.code == "FR003"
    assert err.diagnostic.message == "duplicate key `a` (first defined on line 1)"
    assert (err.diagnostic.span.line, err.diagnostic.span.column) == (3, 1)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "text",
    ["a: !!python/object/apply:os.system [ls]", "a: !custom x", "!!python/name:os.system : 1"],
)
def test_object_constructing_tags_are_refused(text: str) -> None:
    assert _fail(text).diagnostic.code == "FR008"


def test_merge_keys_are_refused() -> None:
    assert _fail("base: &b {x: 1}\nc:\n  <<: *b\n").diagnostic.code == "FR008"


def test_nesting_bound() -> None:
    deep = "a: " + "[" * 70 + "]" * 70
    err = _fail(deep)
    assert err.diagnostic.code == "FR006"
    ok = "a: " + "[" * 60 + "]" * 60
    assert load_text(ok).data is not None


def test_extreme_nesting_is_a_diagnostic_not_a_recursion_error() -> None:
    err = _fail("a: " + "[" * 20000)
    assert err.diagnostic.code in {"FR002", "FR006"}


def test_alias_bomb_fails_fast() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    prev = "a"
    for name in "bcdefghi":
        lines.append(f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]")
        prev = name
    start = time.perf_counter()
    err = _fail("\n".join(lines))
    assert err.diagnostic.code == "FR007"
    assert "aliases expand to more than 100,000 nodes" in err.diagnostic.message
    assert time.perf_counter() - start < 1.0


def test_modest_aliases_are_fine() -> None:
    doc = load_text("x: &q {max-contacts: 5}\ny: *q\n")
    assert doc.data == {"x": {"max-contacts": 5}, "y": {"max-contacts": 5}}


def test_size_bound() -> None:
    err = _fail("a: " + "x" * 200, Limits(max_bytes=100))
    assert err.diagnostic.code == "FR005"


def test_binary_and_non_utf8() -> None:
    with pytest.raises(LoadError) as info:
        decode(b"flow: x\n\x00\x01", "b.yaml")
    assert info.value.diagnostic.code == "FR001"
    assert info.value.diagnostic.span == Span("b.yaml", 2, 1, 2, 2)
    assert _fail("a: \x7f\n").diagnostic.span == Span("f.yaml", 1, 4, 1, 5)
    with pytest.raises(LoadError) as info:
        decode(b"flow: caf\xe9\n", "c.yaml")
    assert info.value.diagnostic.code == "FR001"
    assert (info.value.diagnostic.span.line, info.value.diagnostic.span.column) == (1, 10)  # type: ignore[union-attr]


def test_bom_is_accepted() -> None:
    assert load_text(decode("\ufeffa: 1\n".encode(), "x")).data == {"a": 1}


def test_empty_and_comment_only_documents() -> None:
    assert _fail("").diagnostic.code == "FR004"
    assert _fail("# just a comment\n").diagnostic.code == "FR004"


def test_multiple_documents_are_refused() -> None:
    err = _fail("a: 1\n---\nb: 2\n")
    assert err.diagnostic.code == "FR002"


# ---------------------------------------------------------------------------------------------
# properties

# YAML (unlike JSON) refuses control characters and surrogates, and treats U+2028/2029 as breaks
_chars = st.characters(
    codec="utf-8", max_codepoint=0xFFFD, exclude_categories=("Cs", "Cc", "Zl", "Zp")
).filter(lambda c: c != "\ufeff")
_keys = st.text(_chars, min_size=1, max_size=8)
_scalars = st.none() | st.booleans() | st.integers(-(10**12), 10**12) | st.text(_chars, max_size=12)
_data = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=4),
    max_leaves=20,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out.extend(_paths(v, (*prefix, k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.extend(_paths(v, (*prefix, i)))
    return out


@given(st.dictionaries(_keys, _data, min_size=1, max_size=5))
def test_round_trip_through_json_text(data: dict[str, Any]) -> None:
    # JSON is YAML 1.2: whatever we write as JSON must load back equal, with a position for
    # every value inside the text.
    text = json.dumps(data, ensure_ascii=False, indent=1)
    doc: Document = load_text(text, "p.yaml")
    assert doc.data == data
    lines = text.splitlines()
    for path in _paths(data):
        span = doc.span(path)
        assert path in doc.positions
        assert 1 <= span.line <= len(lines)
        assert 1 <= span.column <= len(lines[span.line - 1]) + 1


@given(st.text(max_size=200))
def test_any_text_loads_or_gives_a_positioned_diagnostic(text: str) -> None:
    try:
        load_text(text, "r.yaml")
    except LoadError as exc:
        d = exc.diagnostic
        assert d.span is not None and d.span.file == "r.yaml"
        assert d.span.line >= 1 and d.span.column >= 1
        assert d.code.startswith("FR0")
