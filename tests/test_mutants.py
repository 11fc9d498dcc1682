"""Tests that kill the mutants mutmut left alive in the semantic core (docs/fuzzing.md,
"Mutation testing").

The golden.py tests each kill survivors of the recorded run (docs/fuzzing.md lists which); each
was checked against its mutants one at a time (`MUTANT_UNDER_TEST=NAME python -m pytest
tests/test_mutants.py` inside `mutants/`).  The tests of the outbound email policy and of the
Connect action helpers were written ahead of their modules' mutation run: they pin every rule's
exact message and every helper's exact shape, so the mutants a run of them will make fail here.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from flowrt.core.diagnostics import Diagnostic, Span
from flowrt.testing.golden import (
    GoldenError,
    dump,
    file_stem,
    golden_data,
    normalize,
    read_golden,
    render_golden,
    scalar,
    unified_diff,
    unreadable,
    what_moved,
)

# ---------------------------------------------------------------------------------------------
# flowrt/testing/golden.py


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.5, "1.5"),
        (-0.25, "-0.25"),
        ({}, "{}"),
        ([], "[]"),
        ((), "[]"),
        (True, "true"),
        (0, "0"),
        ("x ", "'x '"),
        ("Off", "'Off'"),
        ("Y", "'Y'"),
        ("tab\tin", '"tab\\tin"'),
        ("\U0001f600 is printable", "\U0001f600 is printable".join("''")),
        ("\U000e0001", '"\\U000e0001"'),
        ("\x7f", '"\\u007f"'),
        (Path("a b"), "a b"),
    ],
)
def test_scalar_every_kind(value: object, text: str) -> None:
    # floats through JSON, empty collections as flow style, what is not a scalar as its text;
    # characters that are not printable escaped as \u (BMP) or \U (beyond it)
    assert scalar(value) == text


def test_dump_nests_lists_and_mappings_exactly() -> None:
    data = {
        "a": [1, [2, 3], {"k": "v", "l": [True]}, [], {}],
        "b": {"c": {"d": None}, "e": []},
        "no": "off",
    }
    assert dump(data) == (
        "a:\n"
        "  - 1\n"
        "  - - 2\n"
        "    - 3\n"
        "  - k: v\n"
        "    l:\n"
        "      - true\n"
        "  - []\n"
        "  - {}\n"
        "b:\n"
        "  c:\n"
        "    d: null\n"
        "  e: []\n"
        "'no': 'off'\n"
    )


def test_file_stem_slugs_unsafe_names() -> None:
    # the slug keeps letters, digits, `_.-`, trims `-` and `.` at its ends, 60 characters at most
    stem = file_stem("../" + "x" * 70 + "/..")
    assert stem == "x" * 60 + "-" + stem[-8:]
    assert len(stem[-8:]) == 8 and int(stem[-8:], 16) >= 0
    assert file_stem("///").startswith("case-")
    assert file_stem(".").startswith("case-")
    assert file_stem("a" * 100) == "a" * 100
    assert file_stem("a" * 101) != "a" * 101
    assert file_stem("-a") != "-a" and file_stem("_a.b-c") == "_a.b-c"
    # two names that slug alike still get two files
    assert file_stem("a b") != file_stem("a/b")


def test_unreadable_golden_says_why() -> None:
    d = unreadable("scenarios/__goldens__/s/c.golden.yaml", IsADirectoryError(21, "Is a directory"))
    assert d.code == "FR001"
    assert d.message == (
        "the golden file scenarios/__goldens__/s/c.golden.yaml cannot be read: it is a directory"
    )
    assert d.span is not None
    # the first character of the file: line 1, columns 1 to 2 (the end is exclusive)
    assert d.span == Span("scenarios/__goldens__/s/c.golden.yaml", 1, 1, 1, 2)
    assert d.hint == "remove what is there, then write the golden again with `flowrt test --update`"
    other = unreadable("g.yaml", PermissionError(13, "Permission denied"))
    assert other.message == (
        "the golden file g.yaml cannot be read: permission denied "
        "(make it and its directory writable)"
    )


def test_read_golden_and_normalize(tmp_path: Path) -> None:
    assert read_golden(tmp_path / "missing.golden.yaml") is None
    path = tmp_path / "g.golden.yaml"
    path.write_bytes(b"a: 1\r\nb: \xff\r\n")
    assert read_golden(path) == "a: 1\nb: \ufffd\n"
    assert normalize("x\r\ny\rz\n") == "x\ny\rz\n"


def test_unified_diff_labels_and_last_lines() -> None:
    assert unified_diff("a\nb\n", "a\nb\n", "s::c") == ""
    assert unified_diff("a\nb", "a\nc", "s::c") == (
        "--- s::c (golden)\n+++ s::c (this run)\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n"
    )
    # three lines of context, no more
    old = "".join(f"{i}\n" for i in range(10))
    new = old.replace("5\n", "five\n")
    assert unified_diff(old, new, "x").splitlines()[2:] == [
        "@@ -3,7 +3,7 @@",
        " 2",
        " 3",
        " 4",
        "-5",
        "+five",
        " 6",
        " 7",
        " 8",
    ]


def _step(flow: str, block: str, branch: str | None = None, **more: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"flow": flow, "block": block, "type": "t"}
    if branch is not None:
        out["branch"] = branch
    out.update(more)
    return out


def test_what_moved_every_kind_of_change() -> None:
    base = {"outcome": {"summary": "queued in Q", "kind": "queued"}}
    a = _step("f", "a", "success", next="b")
    b = _step("f", "b", "condition-1", condition="equals x", next="c")

    def moved(old: list[Any], new: list[Any], **outcome: Any) -> list[str]:
        after = {"outcome": {**base["outcome"], **outcome}, "steps": new}
        return what_moved({**base, "steps": old}, after)

    # another block reached: the step before it says which branch led there
    assert moved([a, b], [a, _step("f", "z")]) == [
        "step 2: the run reached `z` instead of `b` (after `a` took branch `success`)"
    ]
    # in the first step there is no step before
    assert moved([a], [_step("f", "z")]) == ["step 1: the run reached `z` instead of `a`"]
    # several flows: blocks are named with their flow
    assert moved([a, b], [a, _step("g", "b")]) == [
        "step 2: the run reached `g/b` instead of `f/b` (after `f/a` took branch `success`)"
    ]
    # a branch taken where none was: the run ended at that block before
    assert moved([a, _step("f", "b")], [a, b]) == [
        "step 2: block `b` took branch `condition-1` [equals x] (to `c`) instead of "
        "(none: the run ended there)"
    ]
    # the condition's text changed, nothing else
    changed = _step("f", "b", "condition-1", condition="equals y", next="c")
    assert moved([a, b], [a, changed]) == [
        "step 2: block `b`: the condition of branch `condition-1` [equals y] changed"
    ]
    # a step that is not a mapping, before or after
    assert moved([a, "x"], [a, "y"]) == ["step 2: changed"]
    assert moved([a, b], [a, "y"]) == ["step 2: changed"]
    assert moved([a, "x"], [a, b]) == ["step 2: changed"]
    # another branch that leads nowhere: no `(to ...)` for it
    ended = _step("f", "b", "error")
    assert moved([a, b], [a, ended]) == [
        "step 2: block `b` took branch `error` instead of `condition-1` [equals x] (to `c`)"
    ]
    # another branch in a run of several flows: the block is named with its flow
    other = _step("g", "x", "success", next="y")
    assert moved([other, a], [other, _step("f", "a", "error")]) == [
        "step 2: block `f/a` took branch `error` instead of `success` (to `b`)"
    ]
    # the same branch, target and condition: what changed is what the block did
    with_facts = {**b, "facts": ["set tier"]}
    assert moved([a, b], [a, with_facts]) == ["step 2: block `b`: what it did changed (facts)"]
    # a longer run
    assert moved([a], [a, b]) == ["the run has 2 steps instead of 1"]
    # the outcome's details, not its summary
    assert moved([a], [a], kind="other") == ["outcome `queued in Q`: its details changed"]
    # nothing but the header or the layout
    assert moved([a], [a]) == ["the golden's header or layout changed"]
    # only the first differing step is named, then the outcome
    assert moved([a, b], [_step("f", "y"), _step("f", "z")], summary="disconnected") == [
        "step 1: the run reached `y` instead of `a`",
        "outcome changed from `queued in Q` to `disconnected`",
    ]
    # no steps or no outcome at all
    assert what_moved({}, {"steps": [a]}) == ["the run has 1 steps instead of 0"]
    assert what_moved({"outcome": None}, {"outcome": {"summary": "x"}}) == [
        "outcome changed from `None` to `x`"
    ]


def _result(*, loop: bool = False, **outcome: Any) -> Any:
    from flowrt.run.trace import Outcome

    span = Span("f.flow.yaml", 1, 1, 1, 2)
    diagnostics = [Diagnostic.make("FR107", "loop", span, "fix")] if loop else []
    trace = SimpleNamespace(records=[])
    return SimpleNamespace(outcome=Outcome(**outcome), trace=trace, diagnostics=diagnostics)


def test_golden_data_keys_in_order() -> None:
    result = _result(
        kind="step-limit",
        flow="main",
        block="loop",
        reason="too long",
        flows=("main", "b"),
        cycle=("x", "y"),
        loop=True,
    )
    data = golden_data(result, scenario="s", case="c", flow="main")
    assert list(data) == ["scenario", "case", "flow", "outcome", "steps", "diagnostics"]
    assert data["outcome"] == {
        "summary": "transferred to flow b, then step limit exceeded in cycle x -> y",
        "kind": "step-limit",
        "flow": "main",
        "block": "loop",
        "reason": "too long",
        "flows": ["main", "b"],
        "cycle": ["x", "y"],
    }
    assert list(data["outcome"]) == [
        "summary",
        "kind",
        "flow",
        "block",
        "reason",
        "flows",
        "cycle",
    ]
    assert data["steps"] == []
    assert data["diagnostics"] == ["FR107: loop"]
    queued = golden_data(_result(kind="queued", flow="m", queue="Q", number="+1"))
    assert list(queued) == ["outcome", "steps"]
    assert queued["outcome"] == {
        "summary": "queued in Q",
        "kind": "queued",
        "flow": "m",
        "queue": "Q",
        "number": "+1",
        "flows": [],
    }


def test_render_golden_header() -> None:
    result = _result(kind="disconnected", flow="m")
    text = render_golden(result)
    assert text.startswith(
        "# flowrt golden\n"
        "# Written by `flowrt test --update`: review a change here like a change of routing.\n"
        "outcome:\n"
        "  summary: disconnected\n"
    )
    named = render_golden(result, source="a.scenario.yaml", case="c", scenario="s", flow="m")
    assert named.splitlines()[:5] == [
        "# flowrt golden of a.scenario.yaml::c",
        "# Written by `flowrt test --update`: review a change here like a change of routing.",
        "scenario: s",
        "case: c",
        "flow: m",
    ]


# ---------------------------------------------------------------------------------------------
# flowrt/run/email_policy.py


def _policy(**given: Any) -> Any:
    fields = {
        "blocked_addresses": [],
        "blocked_domains": [],
        "allowed_addresses": [],
        "allowed_domains": [],
        "max_recipients": None,
        "approval_above": None,
    }
    fields.update(given)
    return SimpleNamespace(**fields)


@pytest.mark.parametrize(
    ("policy", "to", "cc", "forward", "expected"),
    [
        # a forward has exactly one To; an outbound email or a reply may have more
        (
            _policy(),
            [],
            [],
            True,
            ("denied", "one-to-address: a forward has exactly one To address, not 0"),
        ),
        (
            _policy(),
            ["a@x.com", "b@x.com"],
            [],
            True,
            ("denied", "one-to-address: a forward has exactly one To address, not 2"),
        ),
        (
            _policy(),
            ["a@x.com", "b@x.com"],
            [],
            False,
            ("allowed", "allowed: every recipient is allowed"),
        ),
        # blocked addresses ignore case, and name the field the address is in
        (
            _policy(blocked_addresses=["Pat@X.com"]),
            ["a@x.com"],
            ["PAT@x.COM"],
            True,
            ("denied", "blocked-addresses: pat@x.com (Cc) is a blocked address"),
        ),
        # a blocked domain holds its subdomains, not the domains that merely end like it
        (
            _policy(blocked_domains=["Gmail.com"]),
            ["a@mail.GMAIL.com"],
            [],
            True,
            ("denied", "blocked-domains: a@mail.gmail.com (To) is in the blocked domain gmail.com"),
        ),
        (
            _policy(blocked_domains=["mail.com"]),
            ["a@gmail.com"],
            [],
            True,
            ("allowed", "allowed: every recipient is allowed"),
        ),
        # the first blocked domain listed that matches is the one named
        (
            _policy(blocked_domains=["b.com", "a.b.com"]),
            ["x@a.b.com"],
            [],
            True,
            ("denied", "blocked-domains: x@a.b.com (To) is in the blocked domain b.com"),
        ),
        # allowed lists: either list admits a recipient; the rule names the lists given
        (
            _policy(allowed_domains=["x.com"]),
            ["a@y.com"],
            [],
            True,
            ("denied", "allowed-domains: a@y.com (To) is not an allowed recipient"),
        ),
        (
            _policy(allowed_addresses=["a@y.com"]),
            ["b@y.com"],
            [],
            True,
            ("denied", "allowed-addresses: b@y.com (To) is not an allowed recipient"),
        ),
        (
            _policy(allowed_domains=["x.com"], allowed_addresses=["A@y.com"]),
            ["a@y.com"],
            ["c@sub.x.com"],
            True,
            ("allowed", "allowed: every recipient is allowed"),
        ),
        (
            _policy(allowed_domains=["x.com"], allowed_addresses=["a@y.com"]),
            ["a@y.com"],
            ["c@z.com"],
            True,
            (
                "denied",
                "allowed-domains/allowed-addresses: c@z.com (Cc) is not an allowed recipient",
            ),
        ),
        # blocked before allowed
        (
            _policy(allowed_domains=["x.com"], blocked_addresses=["a@x.com"]),
            ["a@x.com"],
            [],
            True,
            ("denied", "blocked-addresses: a@x.com (To) is a blocked address"),
        ),
        # recipients counted over To and Cc; max-recipients before approval-above
        (
            _policy(max_recipients=2, approval_above=1),
            ["a@x.com"],
            ["b@x.com", "c@x.com"],
            True,
            ("denied", "max-recipients: 3 recipients; at most 2"),
        ),
        (
            _policy(max_recipients=3, approval_above=1),
            ["a@x.com"],
            ["b@x.com", "c@x.com"],
            True,
            (
                "needs-approval",
                "approval-above: 3 recipients; more than 1 need a manager's approval",
            ),
        ),
        (
            _policy(max_recipients=0),
            ["a@x.com"],
            [],
            False,
            ("denied", "max-recipients: 1 recipients; at most 0"),
        ),
        (
            _policy(approval_above=0),
            ["a@x.com"],
            [],
            True,
            (
                "needs-approval",
                "approval-above: 1 recipients; more than 0 need a manager's approval",
            ),
        ),
    ],
)
def test_outbound_email_policy_rules(
    policy: Any, to: list[str], cc: list[str], forward: bool, expected: tuple[str, str]
) -> None:
    from flowrt.run.email_policy import evaluate_policy

    assert evaluate_policy(policy, to, cc, forward=forward) == expected


def test_outbound_email_policy_forward_is_the_default() -> None:
    from flowrt.run.email_policy import evaluate_policy

    assert evaluate_policy(_policy(), ["a@x.com", "b@x.com"], [])[0] == "denied"


# ---------------------------------------------------------------------------------------------
# flowrt/connect/actions.py


@pytest.mark.parametrize(
    ("identifier", "problem"),
    [
        ("", "is empty"),
        ("a" * 50, None),
        ("a" * 51, "has 51 characters (at most 50)"),
        ("a:b(c", "holds ( : (forbidden: % : ( \\ / ) = $ , ; [ ] { })"),
        ("x}{x", "holds { } (forbidden: % : ( \\ / ) = $ , ; [ ] { })"),
        ("__proto__", "is a reserved word"),
        ("toString", "is a reserved word"),
        ("tostring", None),
        ("a-b_c.d e", None),
    ],
)
def test_identifier_problem_messages(identifier: str, problem: str | None) -> None:
    from flowrt.connect.actions import identifier_problem

    assert identifier_problem(identifier) == problem


def test_short_identifier_keeps_50_characters() -> None:
    import hashlib

    from flowrt.connect.actions import short_identifier

    assert short_identifier("b", "success") == "b-success"
    exact = "x" * 42  # 42 + 1 + 7 = 50
    assert short_identifier(exact, "success") == exact + "-success"
    long = "y" * 43
    digest = hashlib.sha1(f"{long}-success".encode()).hexdigest()[:8]
    # 50 - 7 - 10 characters of the base, the hash, the suffix: 33 + 1 + 8 + 1 + 7 = 50
    assert short_identifier(long, "success") == "y" * 33 + f"-{digest}-success"
    assert len(short_identifier(long, "success")) == 50


def test_transitions_shape() -> None:
    from flowrt.connect.actions import transitions

    assert transitions(None) == {}
    assert transitions("n") == {"NextAction": "n", "Errors": [], "Conditions": []}
    assert transitions(None, errors=[("NoMatchingError", "e")]) == {
        "Errors": [{"NextAction": "e", "ErrorType": "NoMatchingError"}],
        "Conditions": [],
    }
    assert transitions(None, conditions=[("Equals", ["1"], "c")]) == {
        "Errors": [],
        "Conditions": [{"NextAction": "c", "Condition": {"Operator": "Equals", "Operands": ["1"]}}],
    }


def test_passthrough_keeps_the_action() -> None:
    from flowrt.connect.actions import passthrough

    names = {"id-1": "one", "id-2": "two"}
    plain = {"Type": "X", "Transitions": {"NextAction": "id-1", "Errors": []}}
    assert passthrough(plain, names) == {
        "type": "connect-action",
        "action": "X",
        "parameters": {},
        "next": "one",
    }
    full = {
        "Type": "Y",
        "Parameters": {"A": "1"},
        "Transitions": {
            "NextAction": "id-1",
            "Errors": [{"NextAction": "unknown", "ErrorType": "NoMatchingError"}],
            "Conditions": [
                {"NextAction": "id-2", "Condition": {"Operator": "Equals", "Operands": ["5"]}}
            ],
        },
    }
    assert passthrough(full, names) == {
        "type": "connect-action",
        "action": "Y",
        "parameters": {"A": "1"},
        "next": {"success": "one", "NoMatchingError": "unknown"},
        "conditions": [{"operator": "Equals", "operands": ["5"], "next": "two"}],
    }
    errors_only = {
        "Type": "Z",
        "Transitions": {"Errors": [{"NextAction": "id-2", "ErrorType": "NoMatchingError"}]},
    }
    assert passthrough(errors_only, names)["next"] == {"NoMatchingError": "two"}
    assert "next" not in passthrough({"Type": "E", "Transitions": {}}, names)


def test_same_action_compares_what_connect_means() -> None:
    from flowrt.connect.actions import normalize_action, same_action

    a = {"Identifier": "i", "Type": "T", "Transitions": {"NextAction": "n", "Errors": []}}
    b = {"Type": "T", "Identifier": "i", "Parameters": {}, "Transitions": {"NextAction": "n"}}
    assert same_action(a, b)
    assert normalize_action(a) == {
        "Identifier": "i",
        "Type": "T",
        "Parameters": {},
        "Transitions": {"NextAction": "n"},
    }
    assert not same_action(a, {**b, "Type": "U"})
    assert not same_action(a, {**b, "Identifier": "j"})
    assert not same_action(a, {**b, "Parameters": {"P": "1"}})
    assert not same_action(a, {**b, "Transitions": {"NextAction": "m"}})


def test_golden_error_carries_its_diagnostic() -> None:
    d = Diagnostic.make("FR310", "not a flowrt golden: x", Span("g", 1, 1, 1, 2), "fix")
    error = GoldenError(d)
    assert str(error) == "not a flowrt golden: x"
    assert error.diagnostic is d


def test_a_broken_golden_says_how_to_fix_it() -> None:
    from flowrt.testing.golden import parse_golden

    with pytest.raises(GoldenError) as info:
        parse_golden("- 1\n", "x.golden.yaml")
    d = info.value.diagnostic
    assert (d.code, d.message, d.hint) == (
        "FR310",
        "not a flowrt golden: the file must be a mapping with `outcome` and `steps`",
        "rewrite it with `flowrt test --update`",
    )
    # the whole document: from its start to the start of the line after it
    assert d.span == Span("x.golden.yaml", 1, 1, 2, 1)


@pytest.mark.parametrize(
    ("text", "message", "span"),
    [
        # each error points at the value that is wrong
        (
            "x: 1\noutcome: {kind: x}\nsteps: []\n",
            "`outcome` must be a mapping with a `summary`",
            (2, 10, 2, 19),
        ),
        ("outcome: {summary: x}\n\nsteps: {a: 1}\n", "`steps` must be a list", (3, 8, 3, 14)),
        (
            "outcome: {summary: x}\nsteps:\n  - {block: a}\n  - nope\n",
            "step 2 must be a mapping with a `block`",
            (4, 5, 4, 9),
        ),
    ],
)
def test_a_broken_golden_points_at_the_wrong_value(
    text: str, message: str, span: tuple[int, int, int, int]
) -> None:
    from flowrt.testing.golden import parse_golden

    with pytest.raises(GoldenError) as info:
        parse_golden(text, "g.yaml")
    d = info.value.diagnostic
    assert d.message == "not a flowrt golden: " + message
    assert d.span == Span("g.yaml", *span)
