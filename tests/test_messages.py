"""Messages in the user's words, placed where the mistake is (issue 14, points 8 and 10).

- A key that takes a number or a reference says so ("a whole number of seconds, or a reference
  like `$.Attributes.name`"), and a number written in quotes or with a unit is named in the hint.
  Quoted numbers are refused, not read as numbers: YAML numbers are numbers, one spelling per
  value (docs/language.md).  The tables below are built from the shipped schema, so every block
  key that takes an integer, or an integer or a reference, is covered the day it is added.
- A YAML syntax error is placed where the mistake began (the quote or bracket left open, the line
  without its `:`, the key indented to the wrong level), not where the parser gave up, with a hint.
- A key YAML reads without complaint but at the wrong level (a block's `next:` at the level of
  the block names) is named as such.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from flowrt.core.diagnostics import Diagnostic, render_text
from flowrt.lang import schema
from flowrt.lang.loader import LoadError, load_text
from flowrt.lang.yaml_messages import Failure, place_syntax_error
from flowrt.project.driver import check_paths

INSTANCE = """\
instance: anycompany
phone-numbers:
  "+18005550111": {}
lambda-functions:
  customer-lookup: {}
"""

#: What a block of each type needs besides the key under test, to be valid on its own.
MINIMAL: dict[str, dict[str, Any]] = {
    "transfer-to-phone-number": {"phone-number": "+18005550100"},
    "get-customer-input": {"text": "Press 1"},
    "invoke-lambda": {"function": "customer-lookup"},
    "loop-prompts": {"prompts": [{"text": "Please hold"}]},
    "outbound-email-policy": {},
    "create-callback-contact": {
        "initial-delay-seconds": 1,
        "max-attempts": 1,
        "retry-delay-seconds": 1,
    },
    "set-routing-behavior": {},
    "wait": {},
    "show-view": {"view": "form"},
}

REFERENCE = "a reference like `$.Attributes.name`"


def _shipped_keys() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(block type, key) of every block key taking an integer or a reference, and of every
    key taking an integer only, from the shipped schema."""
    definitions = schema.shipped_schema("flow")["definitions"]
    int_or_ref, ints = [], []
    for btype, d in sorted(definitions.items()):
        if not btype[:1].islower():
            continue
        for key, prop in d.get("properties", {}).items():
            alternatives = prop.get("anyOf", [])
            types = {a.get("type") for a in alternatives}
            if types == {"integer", "string"}:
                int_or_ref.append((btype, key))
            elif prop.get("type") == "integer":
                ints.append((btype, key))
    return int_or_ref, ints


INT_OR_REF, INTS = _shipped_keys()


def test_the_tables_cover_every_numeric_block_key() -> None:
    assert INT_OR_REF == [
        ("transfer-to-phone-number", "timeout-seconds"),
        ("wait", "timeout-seconds"),
        ("wait", "documented-timeout-seconds"),
    ]
    definitions = schema.shipped_schema("flow")["definitions"]
    for btype, key in INT_OR_REF:  # the text alternative is a reference, nothing else
        alternatives = definitions[btype]["properties"][key]["anyOf"]
        assert alternatives == [{"type": "integer"}, {"type": "string", "pattern": r"^\$\..+$"}]
    assert len(INTS) >= 5
    assert {btype for btype, _ in INT_OR_REF + INTS} <= set(MINIMAL)


def _block_yaml(btype: str, key: str, value: str) -> str:
    lines = ["flow: main", "start: b", "blocks:", "  b:", f"    type: {btype}"]
    for k, v in MINIMAL[btype].items():
        if k == key:  # the key under test is written below
            continue
        if isinstance(v, int):
            lines.append(f"    {k}: {v}")
        elif isinstance(v, list):
            lines.append(f"    {k}: [{{text: {v[0]['text']}}}]")
        else:
            lines.append(f'    {k}: "{v}"')
    lines.append(f"    {key}: {value}")
    return "\n".join(lines) + "\n"


def _schema_findings(text: str) -> list[tuple[str, int, int, str, str | None]]:
    doc = load_text(text, "main.flow.yaml")
    return [_row(d) for d in schema.validate(doc, "flow")]


def _row(d: Diagnostic) -> tuple[str, int, int, str, str | None]:
    assert d.span is not None
    return d.code, d.span.line, d.span.column, d.message, d.hint


def _project(tmp_path: Path, flow: str) -> list[Diagnostic]:
    (tmp_path / "instance.yaml").write_text(INSTANCE, encoding="utf-8")
    (tmp_path / "main.flow.yaml").write_text(flow, encoding="utf-8")
    diags, _ = check_paths([str(tmp_path)])
    return diags


# ---------------------------------------------------------------------------------------------
# point 8: an integer or a reference, and quoted numbers


@pytest.mark.parametrize(("btype", "key"), INT_OR_REF)
@pytest.mark.parametrize(
    ("value", "shown", "hint"),
    [
        ('"20"', '"20" (text)', "write 20 without quotes: in quotes YAML reads it as text"),
        ("'20'", '"20" (text)', "write 20 without quotes: in quotes YAML reads it as text"),
        ('" 45 "', '" 45 " (text)', "write 45 without quotes: in quotes YAML reads it as text"),
        ("twenty", '"twenty" (text)', None),
        ("6s", '"6s" (text)', "write 6: `{key}` is already in seconds"),
        ('"20.5"', '"20.5" (text)', None),
        ("20.5", "`20.5` (a number)", None),
        ("[20]", "a list", None),
    ],
)
def test_int_or_reference_keys_say_what_they_take(
    tmp_path: Path, btype: str, key: str, value: str, shown: str, hint: str | None
) -> None:
    flow = _block_yaml(btype, key, value) + "    next: done\n  done:\n    type: end-flow\n"
    diags = _project(tmp_path, flow)
    description = schema.shipped_schema("flow")["definitions"][btype]["properties"][key][
        "description"
    ]
    line = flow.splitlines().index(f"    {key}: {value}") + 1
    assert [_row(d) for d in diags] == [
        (
            "FR011",
            line,
            len(key) + 7,
            f"block `b` ({btype}): `{key}` must be a whole number of seconds, or {REFERENCE}, "
            f"not {shown}",
            hint.format(key=key) if hint else description,
        )
    ]


@pytest.mark.parametrize(("btype", "key"), INT_OR_REF)
@pytest.mark.parametrize("value", ["20", '"$.Attributes.wait"', "$.Attributes.wait"])
def test_int_or_reference_keys_take_a_number_or_a_reference(
    tmp_path: Path, btype: str, key: str, value: str
) -> None:
    flow = _block_yaml(btype, key, value) + "    next: done\n  done:\n    type: end-flow\n"
    assert _project(tmp_path, flow) == []


@pytest.mark.parametrize(("btype", "key"), INT_OR_REF)
def test_a_bad_reference_is_still_a_reference_error(tmp_path: Path, btype: str, key: str) -> None:
    flow = (
        _block_yaml(btype, key, "$.Atributes.wait")
        + "    next: done\n  done:\n    type: end-flow\n"
    )
    [d] = _project(tmp_path, flow)
    assert d.code == "FR050"
    assert "unknown namespace 'Atributes'" in d.message


@pytest.mark.parametrize(("btype", "key"), INTS)
@pytest.mark.parametrize(
    ("value", "shown", "hint"),
    [
        ('"3"', '"3" (text)', "write 3 without quotes: in quotes YAML reads it as text"),
        ("'3'", '"3" (text)', "write 3 without quotes: in quotes YAML reads it as text"),
        ("three", '"three" (text)', None),
        ('"3.5"', '"3.5" (text)', None),
    ],
)
def test_integer_keys_explain_quoted_numbers(
    btype: str, key: str, value: str, shown: str, hint: str | None
) -> None:
    text = _block_yaml(btype, key, value)
    prop = schema.shipped_schema("flow")["definitions"][btype]["properties"][key]
    number = "a whole number of seconds" if key.endswith("seconds") else "a whole number"
    assert _schema_findings(text) == [
        (
            "FR011",
            len(text.splitlines()),
            len(key) + 7,
            f"block `b` ({btype}): `{key}` must be {number}, not {shown}",
            hint or prop["description"],
        )
    ]


@pytest.mark.parametrize(("btype", "key"), [k for k in INTS if k[1].endswith("seconds")])
def test_seconds_with_a_unit_are_named(btype: str, key: str) -> None:
    [row] = _schema_findings(_block_yaml(btype, key, "6s"))
    assert row[4] == f"write 6: `{key}` is already in seconds"


def test_text_made_by_a_tag_is_not_called_a_quoted_number() -> None:
    # `!!str 5` is text but not in quotes: the hint must not say "without quotes".
    [row] = _schema_findings(_block_yaml("invoke-lambda", "timeout-seconds", "!!str 5"))
    assert row[3].endswith('must be a whole number of seconds, not "5" (text)')
    assert row[4] == "Seconds to wait, 1-8 (1-60 when `invocation: asynchronous`)."


def test_the_alternatives_of_other_choices_in_words() -> None:
    text = (
        "flow: main\nstart: b\nblocks:\n  b:\n    type: play-prompt\n    text: Hi\n"
        "    next: [done]\n"
    )
    assert _schema_findings(text) == [
        (
            "FR011",
            7,
            11,
            "block `b` (play-prompt): `next` must be a block name, or a mapping of branches to "
            "block names, not a list",
            "A block name (the `success` exit) or branch -> block.  Branches: success, error.",
        )
    ]


def test_an_instance_integer_in_words() -> None:
    doc = load_text("instance: x\nmax-concurrent-contacts: lots\n", "instance.yaml")
    [d] = schema.validate(doc, "instance")
    assert d.message == '`max-concurrent-contacts` must be a whole number, not "lots" (text)'


# ---------------------------------------------------------------------------------------------
# point 10: keys YAML reads without complaint, at the wrong level

BASE = """\
flow: main
type: contact
start: greet
blocks:
  greet:
    type: play-prompt
    text: "Hello"
    next: {success: menu, error: bye}
  menu:
    type: play-prompt
    text: "Menu"
    next: bye
  bye:
    type: disconnect
"""


def _edit(old: str, new: str) -> str:
    assert BASE.count(old) == 1, old
    return BASE.replace(old, new)


WRONG_LEVEL = [
    pytest.param(
        _edit("    next: bye\n", "  next: bye\n"),
        [
            (
                "FR011",
                12,
                3,
                "`next` is not a block name: is it indented under a block?",
                "if it belongs to block `menu` (line 9), indent it like its keys",
            )
        ],
        id="a block's key at the level of the block names",
    ),
    pytest.param(
        _edit("  bye:\n", "  start: greet\n  bye:\n"),
        [
            (
                "FR011",
                13,
                3,
                "`start` is a key of the flow, not a block: is it indented too far?",
                "write `start:` at the left margin, like `blocks:`",
            )
        ],
        id="a key of the flow under blocks",
    ),
    pytest.param(
        _edit("    type: disconnect\n", "    type disconnect\n"),
        [
            (
                "FR011",
                14,
                5,
                '`blocks.bye` must be a block (a mapping of keys), not "type disconnect" (text)',
                "is a `:` missing after `type`? write `type: disconnect` under `bye:`",
            )
        ],
        id="a block's only key without its colon",
    ),
    pytest.param(
        _edit("  bye:\n    type: disconnect\n", "  bye:\n  type: disconnect\n"),
        [
            (
                "FR011",
                13,
                3,
                "block `bye` is empty",
                "give it its keys, indented under its name: at least `type:`",
            ),
            (
                "FR011",
                14,
                3,
                "`type` is not a block name: is it indented under a block?",
                "if it belongs to block `bye` (line 13), indent it like its keys",
            ),
        ],
        id="a block whose keys are not indented",
    ),
    pytest.param(
        BASE + "next: bye\n",
        [
            (
                "FR010",
                15,
                1,
                "unknown key `next`",
                "`next` is a key of a block: is it indented under its block?",
            )
        ],
        id="a block's key at the left margin",
    ),
]


@pytest.mark.parametrize(("text", "expected"), WRONG_LEVEL)
def test_keys_at_the_wrong_level(text: str, expected: list[tuple[Any, ...]]) -> None:
    assert sorted(_schema_findings(text)) == expected


# ---------------------------------------------------------------------------------------------
# point 10: the catalogue of YAML syntax mistakes


def _syntax(text: str) -> tuple[str, int, int, str, str | None]:
    with pytest.raises(LoadError) as exc:
        load_text(text, "main.flow.yaml")
    return _row(exc.value.diagnostic)


CATALOGUE = [
    pytest.param(
        _edit('    text: "Hello"\n', '    text: "Hello\n'),
        (7, 11),
        "this quoted text is not closed on its line, so it runs on to line 11",
        'add the closing `"` at the end of the text on line 7',
        id="unclosed double quote",
    ),
    pytest.param(
        _edit('    text: "Hello"\n', "    text: 'Don''t go\n").replace('"Menu"', "'Menu'"),
        (7, 11),
        "this quoted text is not closed on its line, so it runs on to line 11",
        "add the closing `'` at the end of the text on line 7",
        id="unclosed single quote",
    ),
    pytest.param(
        _edit('    text: "Hello"\n', '    text: "Hello\n').replace('"Menu"', "Menu"),
        (7, 11),
        "this quoted text is never closed: the file ends first",
        "the file seems truncated, or a closing quote, bracket or brace is missing",
        id="unclosed quote, the file ends first",
    ),
    pytest.param(
        _edit("error: bye}\n", "error: bye\n"),
        (8, 11),
        "this `{` is not closed on its line, so line 9 is read as part of it",
        "add the closing `}` at the end of line 8",
        id="unclosed brace",
    ),
    pytest.param(
        _edit("{success: menu, error: bye}\n", "[menu, bye\n"),
        (8, 11),
        "this `[` is not closed on its line, so line 9 is read as part of it",
        "add the closing `]` at the end of line 8",
        id="unclosed bracket",
    ),
    pytest.param(
        BASE + "  other: {type: end-flow\n",
        (15, 10),
        "this `{` is never closed: the file ends first",
        "the file seems truncated, or a closing quote, bracket or brace is missing",
        id="unclosed brace, the file ends first",
    ),
    pytest.param(
        _edit("{success: menu, error: bye}", "{success: menu error: bye}"),
        (8, 25),
        "`menu error` reads as one value: a `,` seems to be missing after `menu`",
        "separate the entries inside `{ }` with commas",
        id="missing comma",
    ),
    pytest.param(
        _edit("error: bye}\n", "error: bye}}\n"),
        (8, 38),
        "this `}` closes nothing",
        "remove it, or add its opening one",
        id="a brace too many",
    ),
    pytest.param(
        _edit('    text: "Menu"\n', '\ttext: "Menu"\n'),
        (11, 1),
        "a tab character is used for indentation",
        "YAML indentation must use spaces; replace the tabs with spaces",
        id="tab indentation",
    ),
    pytest.param(
        BASE + "\t\n",
        (15, 1),
        "a tab character is used for indentation",
        "YAML indentation must use spaces; replace the tabs with spaces",
        id="a tab alone on the last line",
    ),
    pytest.param(
        _edit("    next: bye\n", "next: bye\n"),
        (12, 1),
        "`next` is indented less than the lines around it, so YAML reads line 13 as more of "
        "its value",
        "is `next` meant to be under `menu` (line 9)? indent it 4 spaces, like line 11",
        id="dedented key",
    ),
    pytest.param(
        _edit('    text: "Menu"\n', '      text: "Menu"\n'),
        (11, 7),
        "`text` is indented more than `type` on line 10, so YAML reads it as more of the value "
        "of `type`",
        "line `text` up with `type` (4 spaces)",
        id="key indented too far",
    ),
    pytest.param(
        _edit("    next: bye\n", "   next: bye\n"),
        (12, 4),
        "`next` is indented 3 spaces, which lines up with no key above it",
        "line it up with `text` on line 11 (4 spaces) or with `menu` on line 9 (2 spaces)",
        id="key at no level",
    ),
    pytest.param(
        _edit("  menu:\n", " menu:\n"),
        (9, 2),
        "`menu` is indented 1 space, which lines up with no key above it",
        "line it up with `greet` on line 5 (2 spaces) or with `blocks` on line 4 (at the left "
        "margin)",
        id="block name at no level",
    ),
    pytest.param(
        _edit(
            '    type: play-prompt\n    text: "Hello"', '    type play-prompt\n    text: "Hello"'
        ),
        (6, 5),
        "`type play-prompt` has no `:`, so YAML reads it and line 7 as one text",
        "write `type: play-prompt`",
        id="missing colon",
    ),
    pytest.param(
        _edit("flow: main\n", "flow main\n"),
        (1, 1),
        "`flow main` has no `:`, so YAML reads it and line 2 as one text",
        "write `flow: main`",
        id="missing colon on the first line",
    ),
    pytest.param(
        _edit('    text: "Menu"\n', "    text Menu\n"),
        (11, 5),
        "`text Menu` has no `:`, so YAML reads it and line 12 as one text",
        "write `text: Menu`",
        id="missing colon before a key",
    ),
    pytest.param(
        _edit('    text: "Hello"\n', "    text: Our hours: 8 am to 8 pm\n"),
        (7, 20),
        "a `: ` inside unquoted text reads as a second key on the line",
        'quote the text: `text: "Our hours: 8 am to 8 pm"`',
        id="colon in text",
    ),
    pytest.param(
        "  " + BASE.replace("\n", "\n  ", 1),
        (1, 3),
        "the file's first key `flow` is indented 2 spaces, so line 3 lines up with no key",
        "start the top-level keys at the left margin",
        id="the first key indented",
    ),
    pytest.param(
        _edit(
            "  bye:\n",
            "  pick:\n    type: check-contact-attributes\n    conditions:\n"
            "      - equals: gold\n      next: bye\n  bye:\n",
        ),
        (17, 7),
        "`next` lines up with the `-` on line 16, so it is neither in that item nor after the list",
        "indent it 8 spaces to put it in the item, or 4 spaces (like `conditions`) to end the list",
        id="a key lined up with the dash of a list",
    ),
    pytest.param(
        _edit(
            "  bye:\n",
            "  pick:\n    conditions:\n      - equals: gold\n        next: bye\n"
            "        - equals: silver\n  bye:\n",
        ),
        (17, 9),
        "this `-` item is indented like the keys above it, not like its list",
        "line it up with the `-` on line 15 (6 spaces)",
        id="a list item indented like the keys of the item above",
    ),
    pytest.param(
        _edit("  bye:\n", "  greet:\n    type: disconnect\n  bye:\n"),
        (13, 3),
        "duplicate key `greet` (first defined on line 5)",
        "YAML would silently keep only the last value; remove or rename one",
        id="duplicate key",
    ),
]


@pytest.mark.parametrize(("text", "where", "message", "hint"), CATALOGUE)
def test_yaml_mistakes_are_placed_where_they_begin(
    text: str, where: tuple[int, int], message: str, hint: str
) -> None:
    code, line, col, got, got_hint = _syntax(text)
    prefix = "" if code == "FR003" else "invalid YAML: "
    assert (code, (line, col), got, got_hint) == (
        "FR003" if code == "FR003" else "FR002",
        where,
        prefix + message,
        hint,
    )


@pytest.mark.parametrize(("text", "where", "message", "hint"), CATALOGUE)
def test_the_same_with_crlf_line_ends(
    text: str, where: tuple[int, int], message: str, hint: str
) -> None:
    code, line, col, got, _ = _syntax(text.replace("\n", "\r\n"))
    assert (line, col) == where
    assert got.endswith(message)


def test_a_quoted_text_over_two_lines_is_not_blamed() -> None:
    # A quoted text may span lines; an error after it that is not a key running into the text
    # stays where the parser found it.
    text = _edit('    text: "Hello"\n', '    text: "Hello\n      there" again\n')
    assert _syntax(text)[:3] == ("FR002", 8, 14)


def test_a_flow_mapping_over_several_lines_is_not_called_unclosed() -> None:
    text = _edit(
        "    next: {success: menu, error: bye}\n",
        "    next: {\n      success: menu\n      error: bye\n    }\n",
    )
    assert _syntax(text)[1:4] == (
        9,
        20,
        "invalid YAML: `menu error` reads as one value: a `,` seems to be missing after `menu`",
    )


def test_rendered_as_the_command_line_shows_it(tmp_path: Path) -> None:
    flow = _edit('    text: "Hello"\n', '    text: "Hello\n')
    diags = _project(tmp_path, flow)
    assert render_text(diags) == (
        f"{tmp_path}/main.flow.yaml:7:11: error[FR002]: invalid YAML: this quoted text is not "
        "closed on its line, so it runs on to line 11\n"
        ' 7 |     text: "Hello\n'
        "   |           ^\n"
        '  = hint: add the closing `"` at the end of the text on line 7'
    )


def test_placing_is_linear_in_the_number_of_lines() -> None:
    # Every rule walks the lines above the error once: 400,000 lines are placed at once.
    lines = ["a:", *(f"  k{i}: v" for i in range(200_000)), " z: 1"]
    lines += [f"  k{i}: v" for i in range(200_000)]
    failure = Failure("did not find expected key", "", 200_002, 2, None, None)
    start = time.perf_counter()
    placed = place_syntax_error(failure, lines)
    assert time.perf_counter() - start < 1.0
    assert placed is not None and placed[:3] == (
        200_002,
        2,
        "`z` is indented 1 space, which lines up with no key above it",
    )
