"""load: any text or bytes gives a Document or one positioned diagnostic, never a traceback."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from flowrt.lang.loader import Document, LoadError, decode, load_text
from tests.fuzz import strategies as fs
from tests.fuzz.helpers import assert_positioned

NAME = "fuzz.flow.yaml"


def _load(text: str) -> tuple[Document | None, LoadError | None]:
    try:
        return load_text(text, NAME), None
    except LoadError as exc:
        return None, exc


def _check(text: str) -> None:
    doc, err = _load(text)
    if err is not None:
        assert_positioned([err.diagnostic], {NAME: text})
    again, err2 = _load(text)  # the same input gives the same answer
    if err is None:
        assert again is not None and repr(again.data) == repr(doc.data)  # NaN != NaN
        assert again.positions == doc.positions  # type: ignore[union-attr]
    else:
        assert err2 is not None and err2.diagnostic == err.diagnostic


@given(st.one_of(fs.flow_data(), fs.scenario_data(), st.just(fs.INSTANCE)), fs.styles, st.data())
@example({"flow": "x"}, "yaml", None).via("regression: C1 control character")
def test_load_mutated_text(data: object, style: str, draw: st.DataObject | None) -> None:
    text = fs.to_text(data, style)
    text = draw.draw(fs.mutated_text(text)) if draw is not None else "flow: \x89x\n"
    _check(text)


@given(st.text(max_size=200))
@example("\x85{").via("regression: NEL is a line break to the reader, not to editors")
@example("a: 1\rb: [\n").via("regression: a lone CR")
@example('a: "x\u2028y"\nb: {c\n').via("regression: LS inside a quoted value")
def test_load_any_text(text: str) -> None:
    _check(text)


@given(st.binary(max_size=200))
@example(b".nan").via("NaN is not equal to itself: compare the text")
@example(b"\r%").via("regression: a lone CR before a bad directive")
def test_decode_any_bytes(raw: bytes) -> None:
    try:
        text = decode(raw, NAME)
    except LoadError as exc:
        texts = {NAME: raw.decode("utf-8", errors="replace")}
        assert_positioned([exc.diagnostic], texts)
        return
    _check(text)


_tags = st.sampled_from(
    [
        "!!python/object/apply:os.system ['true']",
        "!!python/name:os.system",
        "!!python/object:builtins.dict {}",
        "!custom {a: 1}",
        "!!set {a, b}",
        "!!omap [a: 1]",
        "!<tag:yaml.org,2002:python/none> ''",
    ]
)


@given(_tags, st.sampled_from(["value: {}", "{}: value", "- {}", "a:\n  b: {}"]))
def test_tags_that_construct_objects_are_refused(tag: str, shape: str) -> None:
    text = shape.format(tag)
    doc, err = _load(text)
    assert err is not None, text
    assert err.diagnostic.code in ("FR008", "FR002", "FR011")
    assert_positioned([err.diagnostic], {NAME: text})


def test_control_character_named_as_code_point() -> None:
    # regression (found by fuzzing): the C reader reports the character as an int
    doc, err = _load("flow: \x89x\n")
    assert err is not None
    assert err.diagnostic.message == "character U+0089 is not allowed in YAML text"


def test_positions_count_lines_as_editors_do() -> None:
    # regression (found by the long fuzz run): the reader also breaks lines at CR, NEL, LS and PS;
    # positions are given in lines that end at `\n`, as the renderer and editors count them
    doc, _ = _load('a: "x\u2028y"\nb: 1\r\nc: [1]\n')
    assert doc is not None and doc.positions[("c",)][:2] == (3, 4)
    _, err = _load("a: x\x85b: 1\nc: !!python/object x\n")
    assert err is not None and (err.diagnostic.span.line, err.diagnostic.span.column) == (2, 4)  # type: ignore[union-attr]
