"""Tests for flowrt.lang.expr: references, templates and conditions."""

from __future__ import annotations

import contextlib
import pickle
import re
import time
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flowrt.lang.expr import (
    MAX_EXPR_LENGTH,
    NAMESPACES,
    Condition,
    ExprError,
    Ref,
    Template,
    as_number,
    is_reference,
    parse_condition,
    parse_reference,
    parse_template,
)


class DictResolver:
    """Resolver over a nested dict: {"Attributes": {"tier": "gold"}, "Queue": {...}}."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def resolve(self, path: tuple[str, ...]) -> str | None:
        cur: Any = self.data
        for seg in path:
            if not isinstance(cur, dict) or seg not in cur:
                return None
            cur = cur[seg]
        return cur if isinstance(cur, str) else None


def attrs(**kv: str) -> DictResolver:
    return DictResolver({"Attributes": dict(kv)})


# --------------------------------------------------------------------------- references


@pytest.mark.parametrize("ns", sorted(NAMESPACES))
def test_every_namespace_parses(ns: str) -> None:
    ref = parse_reference(f"$.{ns}.Some_key-1")
    assert ref.path == (ns, "Some_key-1")
    assert ref.namespace == ns
    assert ref.text == f"$.{ns}.Some_key-1"
    assert ref.offset == 0
    assert parse_reference(f"$.{ns}").path == (ns,)


def test_namespace_set() -> None:
    assert "Attributes" in NAMESPACES
    assert "Campaign" in NAMESPACES
    assert len(NAMESPACES) == 38
    assert isinstance(NAMESPACES, frozenset)


def test_nested_reference() -> None:
    ref = parse_reference("$.Metrics.Agents.Available.Count")
    assert ref.path == ("Metrics", "Agents", "Available", "Count")


def test_bracket_keys() -> None:
    assert parse_reference('$.Attributes["my key"]').path == ("Attributes", "my key")
    assert parse_reference("$.Attributes['x.y']").path == ("Attributes", "x.y")
    assert parse_reference(r'$.Attributes["a\"b\\c"]').path == ("Attributes", 'a"b\\c')
    ref = parse_reference('$.External["k 1"].sub')
    assert ref.path == ("External", "k 1", "sub")
    assert ref.text == '$.External["k 1"].sub'


def test_reference_offsets_with_whitespace() -> None:
    ref = parse_reference("  $.Attributes.x  ")
    assert ref.offset == 2
    assert ref.text == "$.Attributes.x"


def test_unknown_namespace_suggestion() -> None:
    with pytest.raises(ExprError) as info:
        parse_reference("$.Atributes.x")
    err = info.value
    assert "did you mean 'Attributes'" in err.message
    assert err.hint == "did you mean 'Attributes'?"
    assert (err.offset, err.end_offset) == (2, 11)


def test_unknown_namespace_without_close_match() -> None:
    with pytest.raises(ExprError) as info:
        parse_reference("$.Zzzzzzzz.x")
    assert "unknown namespace 'Zzzzzzzz'" in info.value.message
    assert info.value.hint is not None and "Attributes" in info.value.hint


def test_case_insensitive_suggestion() -> None:
    with pytest.raises(ExprError) as info:
        parse_reference("$.attributes.x")
    assert "'Attributes'" in info.value.message


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("", 0),
        ("Attributes.x", 0),
        ("$.Attributes.x.", 14),
        ("$.Attributes.x y", 15),
        ('$.Attributes["x"', 16),
        ("$.Attributes.x == 1", 15),
    ],
)
def test_parse_reference_errors(text: str, offset: int) -> None:
    with pytest.raises(ExprError) as info:
        parse_reference(text)
    assert info.value.offset == offset


def test_unterminated_bracket_key() -> None:
    with pytest.raises(ExprError) as info:
        parse_reference('$.Attributes["abc')
    assert info.value.offset == 13
    assert "unterminated" in info.value.message


def test_is_reference() -> None:
    assert is_reference("$.Attributes.tier")
    assert is_reference("  $.Queue.Name\n")
    assert not is_reference("$.Attributes.tier is here")
    assert not is_reference("hello")
    assert not is_reference("$.Nope.x")
    assert not is_reference("")


def test_ref_get() -> None:
    r = attrs(tier="gold")
    assert parse_reference("$.Attributes.tier").get(r) == "gold"
    assert parse_reference("$.Attributes.none").get(r) is None


def test_ref_is_frozen_and_hashable() -> None:
    ref = Ref(("Attributes", "a"), "$.Attributes.a", 0)
    assert ref == parse_reference("$.Attributes.a")
    assert hash(ref) == hash(parse_reference("$.Attributes.a"))
    with pytest.raises(AttributeError):
        ref.text = "x"  # type: ignore[misc]


# --------------------------------------------------------------------------- templates


def test_template_with_punctuation() -> None:
    t = parse_template("Thanks for calling, $.Attributes.firstName. Your queue is $.Queue.Name")
    assert [ref.text for ref in t.refs] == ["$.Attributes.firstName", "$.Queue.Name"]
    assert [ref.offset for ref in t.refs] == [20, 58]
    assert not t.is_constant
    r = DictResolver({"Attributes": {"firstName": "Ana"}, "Queue": {"Name": "Billing"}})
    assert t.render(r) == "Thanks for calling, Ana. Your queue is Billing"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hi $.Attributes.n.", "Hi Ana."),
        ("Hi $.Attributes.n!", "Hi Ana!"),
        ("Hi $.Attributes.n, ok", "Hi Ana, ok"),
        ("($.Attributes.n)", "(Ana)"),
        ("$.Attributes.n", "Ana"),
        ("$.Attributes.n.\n", "Ana.\n"),
        ("$.Attributes.n$.Attributes.n", "AnaAna"),
        ('$.Attributes["n"]s', "Anas"),
        ("costs $5 or $.50 or $ . or $.", "costs $5 or $.50 or $ . or $."),
    ],
)
def test_template_ref_boundaries(text: str, expected: str) -> None:
    assert parse_template(text).render(attrs(n="Ana")) == expected


def test_template_missing() -> None:
    t = parse_template("a=$.Attributes.a b=$.Attributes.b again=$.Attributes.b")
    missing: list[str] = []
    assert t.render(attrs(a="1"), missing) == "a=1 b= again="
    assert missing == ["$.Attributes.b"]
    assert t.render(attrs(a="1")) == "a=1 b= again="


def test_constant_template_returns_stored_string() -> None:
    text = "Please hold, $5 is the fee."
    t = parse_template(text)
    assert t.is_constant
    assert t.refs == ()
    assert t.render(attrs()) is text


def test_empty_template() -> None:
    t = parse_template("")
    assert t.is_constant and t.render(attrs()) == ""


def test_template_unknown_namespace() -> None:
    with pytest.raises(ExprError) as info:
        parse_template("Hello $.Atributes.name")
    assert info.value.offset == 8
    assert "did you mean 'Attributes'" in info.value.message


def test_template_pickles() -> None:
    t = parse_template("Hi $.Attributes.n")
    t2 = pickle.loads(pickle.dumps(t))
    assert isinstance(t2, Template)
    assert t2.render(attrs(n="x")) == "Hi x"


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("8", 8.0),
        ("-2.5", -2.5),
        (" 3 ", 3.0),
        ("+4", 4.0),
        (".5", 0.5),
        ("3.", 3.0),
        ("007", 7.0),
        ("", None),
        ("  ", None),
        ("abc", None),
        ("nan", None),
        ("inf", None),
        ("-inf", None),
        ("Infinity", None),
        ("1e3", None),
        ("1_000", None),
        ("-", None),
        (".", None),
        ("1.2.3", None),
        ("--1", None),
        ("\u0663", None),  # ARABIC-INDIC DIGIT THREE
    ],
)
def test_as_number(value: str, expected: float | None) -> None:
    assert as_number(value) == expected


# --------------------------------------------------------------------------- conditions


@pytest.mark.parametrize(
    ("cond", "values", "expected"),
    [
        ('$.Attributes.a == "8"', {"a": "8.0"}, True),
        ("$.Attributes.a == 8.0", {"a": "8"}, True),
        ("$.Attributes.a == 8", {"a": " 8 "}, True),
        ('$.Attributes.a == "08"', {"a": "8"}, True),
        ('$.Attributes.a == "abc"', {"a": "abc"}, True),
        ('$.Attributes.a == "ABC"', {"a": "abc"}, False),
        ('$.Attributes.a != "abc"', {"a": "abc"}, False),
        ("$.Attributes.a != 2", {"a": "2.0"}, False),
        ("$.Attributes.a == $.Attributes.b", {"a": "1.50", "b": "1.5"}, True),
        ("$.Attributes.a == $.Attributes.b", {"a": "x", "b": "x"}, True),
        # exact: no float rounding for long numbers
        ('$.Attributes.a == "12345678901234567890"', {"a": "12345678901234567891"}, False),
        ("$.Attributes.a > 0", {"a": "3"}, True),
        ("$.Attributes.a > 0", {"a": "-3"}, False),
        ("$.Attributes.a >= 3", {"a": "3.0"}, True),
        ("$.Attributes.a <= -2.5", {"a": "-2.5"}, True),
        ("$.Attributes.a < 10", {"a": "9.99"}, True),
        ("$.Attributes.a > 10", {"a": "9"}, False),
        # number operators with a non-number are false (No match), both ways
        ("$.Attributes.a > 0", {"a": "abc"}, False),
        ("$.Attributes.a < 0", {"a": "abc"}, False),
        ("$.Attributes.a <= 0", {"a": ""}, False),
        ('$.Attributes.a > "x"', {"a": "5"}, False),
        ("$.Attributes.a > $.Attributes.b", {"a": "5", "b": "x"}, False),
        ("$.Attributes.a > $.Attributes.b", {"a": "5", "b": "4"}, True),
        ('"10" > "9"', {}, True),
        ("5 < $.Attributes.a", {"a": "6"}, True),
        ("5 >= $.Attributes.a", {"a": "6"}, False),
        ("-1 <= $.Attributes.a", {"a": "-1.0"}, True),
        ('"x" < $.Attributes.a', {"a": "6"}, False),
        ("5 < $.Attributes.a", {"a": "abc"}, False),
        ('"gold" == $.Attributes.a', {"a": "gold"}, True),
        ("$.Attributes.a == true", {"a": "TRUE"}, True),
        ("$.Attributes.a == true", {"a": "yes"}, False),
        ("$.Attributes.a == false", {"a": "False"}, True),
        ("$.Attributes.a != false", {"a": "False"}, False),
        ("$.Attributes.a > true", {"a": "1"}, False),
        ("$.Attributes.a == empty", {"a": ""}, True),
        ("$.Attributes.a == empty", {}, True),
        ("$.Attributes.a != empty", {"a": "x"}, True),
        ('$.Attributes.a contains "ol"', {"a": "gold"}, True),
        ('$.Attributes.a contains "OL"', {"a": "gold"}, False),
        ('$.Attributes.a starts-with "go"', {"a": "gold"}, True),
        ('$.Attributes.a ends-with "go"', {"a": "gold"}, False),
        ('$.Attributes.a ends-with "ld"', {"a": "gold"}, True),
        ("$.Attributes.a contains 12", {"a": "a12b"}, True),
        ("$.Attributes.a", {"a": "x"}, True),
        ("$.Attributes.a", {"a": ""}, False),
        ("$.Attributes.a", {}, False),
        ("$.Attributes.a", {"a": "false"}, True),
        ("true", {}, True),
        ("false", {}, False),
        ("empty", {}, False),
        ("not $.Attributes.a", {}, True),
        ('not $.Attributes.a == "x"', {"a": "x"}, False),
        ('$.Attributes.a == "x" or $.Attributes.b == "y" and false', {"a": "x"}, True),
        ('($.Attributes.a == "x" or $.Attributes.b == "y") and false', {"a": "x"}, False),
        ("not $.Attributes.a and $.Attributes.b", {"b": "1"}, True),
        ("not ($.Attributes.a and $.Attributes.b)", {"a": "1", "b": "1"}, False),
        ("not not $.Attributes.a", {"a": "1"}, True),
        (
            "$.Attributes.a and $.Attributes.b and $.Attributes.c",
            {"a": "1", "b": "1", "c": "1"},
            True,
        ),
        ("$.Attributes.a and $.Attributes.b and $.Attributes.c", {"a": "1", "b": "1"}, False),
        ("$.Attributes.a or $.Attributes.b or $.Attributes.c", {"c": "1"}, True),
        ("$.Attributes.a or $.Attributes.b or $.Attributes.c", {}, False),
        ("$.Attributes.a == 'it\\'s'", {"a": "it's"}, True),
        ('$.Attributes.a == "back\\\\slash"', {"a": "back\\slash"}, True),
        ('$.Attributes["my key"] == "v"', {"my key": "v"}, True),
        ('$.Attributes.a=="x"and$.Attributes.b', {"a": "x", "b": "1"}, True),
    ],
)
def test_condition_semantics(cond: str, values: dict[str, str], expected: bool) -> None:
    assert parse_condition(cond).evaluate(attrs(**values)) is expected


def test_word_operators_need_word_boundaries() -> None:
    with pytest.raises(ExprError):
        parse_condition("$.Attributes.a containsx 1")
    with pytest.raises(ExprError):
        parse_condition("$.Attributes.a == 1 andx")


def test_missing_refs_are_reported() -> None:
    c = parse_condition('$.Attributes.a == "" and $.Attributes.b != "x" and $.Attributes.a == ""')
    missing: list[str] = []
    assert c.evaluate(attrs(), missing) is True
    assert missing == ["$.Attributes.a", "$.Attributes.b"]
    missing = []
    assert parse_condition("$.Queue.Name > 3").evaluate(attrs(), missing) is False
    assert missing == ["$.Queue.Name"]
    missing = []
    assert parse_condition('$.Attributes.q == "x"').evaluate(attrs(), missing) is False
    assert missing == ["$.Attributes.q"]
    missing = []
    assert parse_condition('$.Attributes.q > "x"').evaluate(attrs(), missing) is False
    assert missing == ["$.Attributes.q"]


def test_condition_refs() -> None:
    c = parse_condition('$.Attributes.tier == "gold" and $.Metrics.Agents.Available.Count > 0')
    assert [r.path for r in c.refs] == [
        ("Attributes", "tier"),
        ("Metrics", "Agents", "Available", "Count"),
    ]
    assert [r.offset for r in c.refs] == [0, 32]
    assert c.text == '$.Attributes.tier == "gold" and $.Metrics.Agents.Available.Count > 0'
    assert isinstance(c, Condition)


def test_condition_pickles() -> None:
    c = parse_condition("$.Attributes.a > 1")
    c2 = pickle.loads(pickle.dumps(c))
    assert c2.evaluate(attrs(a="2")) is True
    assert c2.text == c.text


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("text", "offset", "needle"),
    [
        ("$.Attributes.tier == ", 21, "end of condition"),
        ("$.Attributes.tier ==", 20, "end of condition"),
        ('$.Attributes.x === "a"', 17, "'='"),
        ('$.Attributes.x = "a"', 15, "'='"),
        ('$.Attributes.x == "a" $.Attributes.y', 22, "'$.Attributes.y'"),
        ("$.Attributes.x == 1 == 2", 20, "'=='"),
        ('$.Attributes.x == "abc', 18, "unterminated string"),
        ("$.Atributes.x == 1", 2, "did you mean 'Attributes'"),
        ('$.Attributes.x == 1 and $.Quue.y == "a"', 26, "did you mean 'Queue'"),
        ("($.Attributes.x", 15, "end of condition"),
        ("$.Attributes.x)", 14, "')'"),
        ("$.Attributes.x && $.Attributes.y", 15, "'&'"),
        ("hello", 0, "'h'"),
        ("", 0, "empty condition"),
        ("   ", 0, "empty condition"),
    ],
)
def test_condition_error_offsets(text: str, offset: int, needle: str) -> None:
    with pytest.raises(ExprError) as info:
        parse_condition(text)
    err = info.value
    assert err.offset == offset, err
    assert needle in err.message
    assert err.end_offset >= err.offset


def test_error_hints() -> None:
    with pytest.raises(ExprError) as info:
        parse_condition('$.Attributes.x = "a"')
    assert info.value.hint == "use '==' to compare"
    with pytest.raises(ExprError) as info:
        parse_condition("$.Attributes.tier ==")
    assert info.value.hint is not None and "a string" in info.value.hint
    assert "a string" in str(info.value)


def test_error_pickles() -> None:
    err = ExprError("boom", 3, 5, "hint")
    err2 = pickle.loads(pickle.dumps(err))
    assert (err2.message, err2.offset, err2.end_offset, err2.hint) == ("boom", 3, 5, "hint")


# --------------------------------------------------------------------------- bounds


def test_length_bound_fails_fast() -> None:
    text = "(" * 4097
    assert len(text) == MAX_EXPR_LENGTH + 1
    start = time.perf_counter()
    with pytest.raises(ExprError) as info:
        parse_condition(text)
    assert time.perf_counter() - start < 0.1
    assert "too long" in info.value.message
    ok = "$.Attributes.a == " + '"' + "x" * (4096 - 20) + '"'
    assert len(ok) == 4096
    assert parse_condition(ok).evaluate(attrs()) is False
    with pytest.raises(ExprError):
        parse_reference("$.Attributes." + "x" * 4096)


def test_nesting_bound_fails_fast() -> None:
    ok = "(" * 32 + "$.Attributes.a" + ")" * 32
    assert parse_condition(ok).evaluate(attrs(a="1")) is True
    bad = "(" * 33 + "$.Attributes.a" + ")" * 33
    start = time.perf_counter()
    with pytest.raises(ExprError) as info:
        parse_condition(bad)
    assert time.perf_counter() - start < 0.1
    assert "nested too deeply" in info.value.message
    assert info.value.offset == 32


def test_not_nesting_bound() -> None:
    assert parse_condition("not " * 32 + "true").evaluate(attrs()) is True
    with pytest.raises(ExprError):
        parse_condition("not " * 33 + "true")
    with pytest.raises(ExprError):
        parse_condition("not (" * 17 + "true" + ")" * 17)
    # many sibling nots / parens are not nesting
    flat = " and ".join(["not ($.Attributes.a)"] * 100)
    assert parse_condition(flat).evaluate(attrs()) is True
    # parentheses inside strings do not count
    quoted = '$.Attributes.a == "' + "(" * 100 + '"'
    assert parse_condition(quoted).evaluate(attrs(a="(" * 100)) is True


def test_hostile_inputs_are_fast() -> None:
    hostile = [
        '$.Attributes["' + "\\" * 4000,
        '"' + "\\x" * 2000,
        "$.Attributes." + "a." * 2000,
        "$.Attributes.a == " + "-" * 4000,
        " and ".join(["$.Attributes.a == 1"] * 180),
    ]
    for text in hostile:
        start = time.perf_counter()
        with contextlib.suppress(ExprError):
            parse_condition(text)
        assert time.perf_counter() - start < 0.5, text[:40]


# --------------------------------------------------------------------------- explain


def test_explain_simple() -> None:
    c = parse_condition('$.Attributes.tier == "gold"')
    assert c.explain(attrs(tier="silver")) == (
        '$.Attributes.tier == "gold" → "silver" == "gold" → false'
    )


def test_explain_compound_and_missing() -> None:
    c = parse_condition(
        '($.Attributes.a == "x" or $.Attributes.b > 2) and not $.Attributes.c contains "q"'
    )
    assert c.explain(attrs(a="y", b="3")) == (
        '($.Attributes.a == "x" or $.Attributes.b > 2) and not $.Attributes.c contains "q"'
        ' → ("y" == "x" or "3" > 2) and not "" contains "q" → true'
        " (missing: $.Attributes.c)"
    )


def test_explain_literals() -> None:
    c = parse_condition("$.Attributes.a == true or $.Attributes.b == empty or $.Attributes.c")
    assert c.explain(attrs(a="no", b="x", c='say "hi"')) == (
        "$.Attributes.a == true or $.Attributes.b == empty or $.Attributes.c"
        ' → "no" == true or "x" == "" or "say \\"hi\\"" → true'
    )


# --------------------------------------------------------------------------- performance


def test_evaluate_is_fast() -> None:
    c = parse_condition('$.Attributes.tier == "gold" and $.Attributes.n > 0')
    r = attrs(tier="gold", n="3")
    ev = c.evaluate
    n = 20000
    start = time.perf_counter()
    for _ in range(n):
        ev(r)
    per_call = (time.perf_counter() - start) / n
    assert per_call < 20e-6  # generous: ~1 µs on a normal machine


# --------------------------------------------------------------------------- properties


@given(st.text(max_size=200))
def test_random_text_only_raises_expr_error(text: str) -> None:
    for fn in (parse_condition, parse_template, parse_reference):
        try:
            fn(text)
        except ExprError as err:
            assert 0 <= err.offset <= err.end_offset <= len(text)


_TOKENS = [
    "$.Attributes.a",
    "$.Queue.Name",
    '$.Attributes["k"]',
    "$.Atributes.x",
    "==",
    "!=",
    "<",
    ">=",
    "and",
    "or",
    "not",
    "(",
    ")",
    '"x"',
    "'y\\'",
    "12",
    "-3.5",
    "true",
    "empty",
    "contains",
    "starts-with",
    "$",
    ".",
    "[",
    "]",
    "=",
    " ",
]


@given(st.lists(st.sampled_from(_TOKENS), max_size=30).map(" ".join))
def test_token_soup_only_raises_expr_error(text: str) -> None:
    try:
        c = parse_condition(text)
    except ExprError as err:
        assert 0 <= err.offset <= err.end_offset <= len(text)
    else:
        c.evaluate(attrs(a="1"), [])
        c.explain(attrs(a="1"))


@given(st.text().filter(lambda s: "$" not in s))
def test_template_without_dollar_renders_to_itself(text: str) -> None:
    t = parse_template(text)
    assert t.is_constant
    assert t.render(attrs()) == text


@given(st.text(alphabet=st.sampled_from("19 $.,!'\"")))
def test_template_with_only_literal_dollars(text: str) -> None:
    # '$.' followed by a non-letter or a stray '$' is literal text
    t = parse_template(text)
    assert t.refs == ()
    assert t.render(attrs()) == text


# Reference implementation of the comparison semantics, written independently.

_NUM_RE = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)")


def ref_number(s: str) -> Fraction | None:
    s = s.strip()
    if not _NUM_RE.fullmatch(s):
        return None
    return Fraction(s)


def ref_compare(a: str, op: str, b: str, boolish: bool) -> bool:
    if op in ("==", "!="):
        if boolish:
            eq = a.lower() == b.lower()
        else:
            na, nb = ref_number(a), ref_number(b)
            eq = na == nb if na is not None and nb is not None else a == b
        return eq if op == "==" else not eq
    if op == "contains":
        return b in a
    if op == "starts-with":
        return a.startswith(b)
    if op == "ends-with":
        return a.endswith(b)
    na, nb = ref_number(a), ref_number(b)
    if na is None or nb is None:
        return False
    return {
        "<": na < nb,
        "<=": na <= nb,
        ">": na > nb,
        ">=": na >= nb,
    }[op]


_VALUES = ["", "8", "8.0", " 8 ", "08", "-2.5", "abc", "ABC", "gold", "true", "True", "nan", "1e3"]
_KEYS = ["a", "b", "c"]
_OPS = ["==", "!=", "<", "<=", ">", ">=", "contains", "starts-with", "ends-with"]


def _quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


# An operand is (source text, evaluator(attrs) -> str, boolish).
operand_st = st.one_of(
    st.sampled_from(_KEYS).map(lambda k: (f"$.Attributes.{k}", k, False)),
    st.sampled_from(_VALUES + ['q"uote', "b\\s"]).map(lambda v: (_quote(v), ("lit", v), False)),
    st.sampled_from(["8", "-2.5", "0", "08", "8.0", "12"]).map(lambda v: (v, ("lit", v), False)),
    st.sampled_from(["true", "false"]).map(lambda v: (v, ("lit", v), True)),
    st.just(("empty", ("lit", ""), False)),
)


def _value(spec: Any, data: dict[str, str]) -> str:
    if isinstance(spec, tuple):
        return str(spec[1])
    return data.get(spec, "")


comparison_st = st.tuples(operand_st, st.sampled_from(_OPS), operand_st)


def _leaf(t: Any) -> tuple[str, Any]:
    (ls, lspec, lb), op, (rs, rspec, rb) = t
    boolish = op in ("==", "!=") and (lb or rb)

    def ev(data: dict[str, str]) -> bool:
        return ref_compare(_value(lspec, data), op, _value(rspec, data), boolish)

    return f"{ls} {op} {rs}", ev


def _extend(children: Any) -> Any:
    def combine(kind: str, a: tuple[str, Any], b: tuple[str, Any]) -> tuple[str, Any]:
        (sa, fa), (sb, fb) = a, b
        if kind == "and":
            return f"({sa}) and ({sb})", lambda d: fa(d) and fb(d)
        if kind == "or":
            return f"({sa}) or ({sb})", lambda d: fa(d) or fb(d)
        return f"not ({sa})", lambda d: not fa(d)

    return st.builds(combine, st.sampled_from(["and", "or", "not"]), children, children)


expr_st = st.recursive(comparison_st.map(_leaf), _extend, max_leaves=8)
attrs_st = st.dictionaries(st.sampled_from(_KEYS), st.sampled_from(_VALUES), max_size=3)


@given(expr_st, attrs_st)
def test_evaluate_matches_reference(expr: tuple[str, Any], data: dict[str, str]) -> None:
    text, ref_eval = expr
    cond = parse_condition(text)
    missing: list[str] = []
    assert cond.evaluate(attrs(**data), missing) is ref_eval(data), text
    assert all(m.startswith("$.Attributes.") and m[13:] not in data for m in missing)
    expected_result = "true" if ref_eval(data) else "false"
    assert cond.explain(attrs(**data)).split(" (missing:")[0].endswith("→ " + expected_result)


@given(
    st.sampled_from(_KEYS),
    st.sampled_from(_OPS),
    st.text(alphabet="0123456789.-+ abc", max_size=6),
    st.text(alphabet="0123456789.-+ abc", max_size=6),
)
def test_random_values_match_reference(key: str, op: str, value: str, literal: str) -> None:
    cond = parse_condition(f"$.Attributes.{key} {op} {_quote(literal)}")
    assert cond.evaluate(attrs(**{key: value})) is ref_compare(value, op, literal, False)


@given(st.text(alphabet="0123456789.-+ eE_na", max_size=8))
def test_as_number_matches_reference(s: str) -> None:
    expected = ref_number(s)
    got = as_number(s)
    if expected is None:
        assert got is None
    else:
        assert got == float(expected)
