"""Runs of the blocks the world answers: Lex bots, views, loops, flow modules, customer profiles,
and hours of operation with their overrides (holidays, special hours)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flowrt.lang.compiler import Program
from flowrt.project.driver import load_project
from flowrt.run.trace import Result, fact_text

INSTANCE = """
instance: test
arn: arn:aws:connect:us-east-1:111122223333:instance/abc
hours-of-operation:
  Office:
    time-zone: Europe/Lisbon
    days: {monday: "09:00-17:00", friday: "09:00-17:00", saturday: "09:00-13:00"}
    overrides:
      - {name: christmas, date: "2026-12-25", closed: true}
      - {name: new-year, from: "2026-12-31", to: "2027-01-02", hours: "10:00-12:00"}
queues:
  Q: {hours: Office}
"""

BOT = "arn:aws:lex:us-east-1:111122223333:bot-alias/ABCDEFGHIJ/TSTALIASID"

FLOWS = {
    "menu": f"""
flow: menu
start: ask
blocks:
  ask:
    type: lex-bot
    text: How can I help?
    bot: {BOT}
    session-attributes: {{caller: $.CustomerEndpoint.Address}}
    conditions:
      - {{equals: Sales, next: sales}}
      - {{equals: FallbackIntent, next: fallback}}
    next: {{no-match: other, error: failed}}
  sales:
    type: play-prompt
    text: "Sales for $.Lex.Slots.product ($.Lex.SessionAttributes.caller)"
    next: done
  fallback: {{type: end-flow}}
  other: {{type: end-flow}}
  failed: {{type: disconnect}}
  done: {{type: end-flow}}
""",
    "view": """
flow: view
start: form
blocks:
  form:
    type: show-view
    view: form
    view-version: Latest
    timeout-seconds: 900
    view-data: {Heading: Refund}
    conditions:
      - {equals: Next, next: note}
      - {equals: Back, next: back}
    next: {no-match: other, timeout: late, error: failed}
  note:
    type: set-contact-attributes
    attributes: {reason: $.Views.ViewResultData.reason, did: $.Views.Action}
    next: done
  back: {type: end-flow}
  other: {type: end-flow}
  late: {type: end-flow}
  failed: {type: disconnect}
  done: {type: end-flow}
""",
    "loop": """
flow: loop
start: again
blocks:
  again:
    type: loop
    count: $.Attributes.n
    next: {continue: again, done: done}
  done: {type: end-flow}
""",
    "caller": """
flow: caller
start: auth
blocks:
  auth:
    type: invoke-module
    module: authenticate
    next: {success: after, error: failed}
  after:
    type: play-prompt
    text: "Welcome back $.Attributes.authenticated"
    next: done
  failed: {type: disconnect}
  done: {type: end-flow}
""",
    "authenticate": """
flow: authenticate
type: module
id: 0f5e8b1c-1111-4222-8333-444455556666
start: mark
blocks:
  mark:
    type: set-contact-attributes
    attributes: {authenticated: "yes"}
    next: back
  back: {type: end-flow}
""",
    "by-id": """
flow: by-id
start: auth
blocks:
  auth:
    type: invoke-module
    module: 0f5e8b1c-1111-4222-8333-444455556666
    next: {success: done, error: failed}
  failed: {type: disconnect}
  done: {type: end-flow}
""",
    "profile": """
flow: profile
start: find
blocks:
  find:
    type: get-customer-profile
    phone-number: $.CustomerEndpoint.Address
    fields: [FirstName, City]
    next: {success: move, not-found: create, multiple-found: many, error: failed}
  create:
    type: create-customer-profile
    values: {PhoneNumber: $.CustomerEndpoint.Address, FirstName: New}
    fields: [FirstName]
    next: {success: greet, error: failed}
  move:
    type: update-customer-profile
    values: {City: Porto}
    fields: [City]
    next: {success: again, error: failed}
  again:
    type: get-customer-profile
    phone-number: $.CustomerEndpoint.Address
    fields: [City]
    next: {success: greet, not-found: failed, multiple-found: many, error: failed}
  greet:
    type: play-prompt
    text: "Hello $.Customer.FirstName from $.Customer.City ($.Customer.ProfileId)"
    next: done
  many: {type: end-flow}
  failed: {type: disconnect}
  done: {type: end-flow}
""",
    "hours": """
flow: hours
start: check
blocks:
  check:
    type: check-hours-of-operation
    hours: Office
    next: {in-hours: open, out-of-hours: closed, error: failed}
  open: {type: end-flow}
  closed: {type: end-flow}
  failed: {type: disconnect}
""",
}


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> Program:
    root: Path = tmp_path_factory.mktemp("world")
    (root / "instance.yaml").write_text(INSTANCE)
    for name, text in FLOWS.items():
        (root / f"{name}.flow.yaml").write_text(text)
    prog = load_project(str(root)).compile()
    assert [d.code for d in prog.diagnostics if d.is_error] == []
    return prog


def go(program: Program, flow: str, world: dict[str, Any], **contact: Any) -> Result:
    contact.setdefault("customer-endpoint", "+15555550100")
    return program.run(contact, world, flow=flow)


def path(result: Result) -> list[str]:
    return [f"{block}:{branch}" for block, branch in result.branches()]


def facts(result: Result, block: str) -> list[str]:
    return [
        fact_text(f)
        for _, node, _, fs, _ in result.trace.records
        if node.name == block
        for f in fs or ()
    ]


# -- Lex bots --------------------------------------------------------------------------------

WORLD_BOT = {
    "bots": {
        BOT: {
            "intents": {
                "Sales": {
                    "utterances": ["buy", "sales"],
                    "dtmf": ["1"],
                    "slots": {"product": "phone"},
                }
            }
        }
    }
}


@pytest.mark.parametrize(
    ("said", "expected", "intent"),
    [
        ("I want to BUY a thing", ["ask:condition-1", "sales:success", "done:-"], "Sales"),
        ({"presses": "1"}, ["ask:condition-1", "sales:success", "done:-"], "Sales"),
        ("the weather", ["ask:condition-2", "fallback:-"], "FallbackIntent"),
        ({"intent": "Billing"}, ["ask:no-match", "other:-"], "Billing"),
    ],
)
def test_lex_bot_matches_intents_by_utterance_or_dtmf(
    program: Program, said: Any, expected: list[str], intent: str
) -> None:
    r = go(program, "menu", {**WORLD_BOT, "lex": {"ask": [said]}})
    assert path(r) == expected
    heard = [f for f in facts(r, "ask") if f.startswith("Lex bot")]
    assert len(heard) == 1
    assert f"-> intent {intent}" in heard[0]


def test_lex_bot_slots_and_session_attributes_are_readable(program: Program) -> None:
    r = go(program, "menu", {**WORLD_BOT, "lex": {"ask": ["sales please"]}})
    assert facts(r, "sales") == ['prompt: "Sales for phone (+15555550100)"']
    assert facts(r, "ask")[-2:] == [
        "Lex bot " + BOT + ": says 'sales please' -> intent Sales, "
        '$.Lex.Slots.product = "phone", $.Lex.SessionAttributes.caller = "+15555550100"',
        '$.Lex.IntentName is "Sales": matches `equals Sales`',
    ]


@pytest.mark.parametrize("answer", ["timeout", "error"])
def test_lex_bot_without_an_intent_takes_error(program: Program, answer: str) -> None:
    r = go(program, "menu", {**WORLD_BOT, "lex": {"ask": [answer]}})
    assert path(r) == ["ask:error", "failed:-"]
    assert r.outcome.kind == "disconnected"


def test_lex_bot_without_an_answer_is_a_noted_error(program: Program) -> None:
    r = go(program, "menu", WORLD_BOT)
    assert path(r) == ["ask:error", "failed:-"]
    assert facts(r, "ask")[1] == (
        "default used: no answer given for visit 1 of `ask`: no one talks to the bot (error)"
    )


def test_view_without_an_answer_is_a_noted_error(program: Program) -> None:
    r = go(program, "view", {})
    assert path(r) == ["form:error", "failed:-"]
    assert facts(r, "form") == [
        "default used: no answer given for visit 1 of `form`: no one acts in the view (error)",
        "view form: error",
    ]


def test_lex_bot_unknown_to_the_world_takes_the_words_as_the_intent(program: Program) -> None:
    r = go(program, "menu", {"lex": {"ask": ["Sales"]}})
    assert path(r) == ["ask:condition-1", "sales:success", "done:-"]
    assert facts(r, "sales") == ['prompt: "Sales for  (+15555550100)"']


# -- views -----------------------------------------------------------------------------------


def test_view_action_and_result_data(program: Program) -> None:
    answer = {"action": "Next", "result": {"reason": "late delivery"}}
    r = go(program, "view", {"views": {"form": [answer]}})
    assert path(r) == ["form:condition-1", "note:success", "done:-"]
    assert facts(r, "form") == [
        'view form: Next ($.Views.ViewResultData: reason = "late delivery")',
        '$.Views.Action is "Next": matches `equals Next`',
    ]
    assert facts(r, "note") == [
        '$.Attributes.reason = "late delivery" (was (unset))',
        '$.Attributes.did = "Next" (was (unset))',
    ]


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ({"action": "Back"}, ["form:condition-2", "back:-"]),
        ({"action": "Cancel"}, ["form:no-match", "other:-"]),
        ("timeout", ["form:timeout", "late:-"]),
        ("error", ["form:error", "failed:-"]),
    ],
)
def test_view_branches(program: Program, answer: Any, expected: list[str]) -> None:
    assert path(go(program, "view", {"views": {"form": [answer]}})) == expected


# -- loops -----------------------------------------------------------------------------------


@settings(deadline=None)
@given(n=st.integers(min_value=0, max_value=100))
def test_a_loop_of_n_ends_after_n(program: Program, n: int) -> None:
    r = program.run({"attributes": {"n": str(n)}}, {}, flow="loop")
    assert path(r) == ["again:continue"] * n + ["again:done", "done:-"]
    assert r.outcome.kind == "ended"


def test_loop_count_that_is_not_a_number_takes_done_with_an_error(program: Program) -> None:
    r = program.run({"attributes": {"n": "many"}}, {}, flow="loop")
    assert path(r) == ["again:done", "done:-"]
    assert facts(r, "again")[0] == "error: loop count is `many`, not a whole number from 0 to 100"


# -- flow modules ----------------------------------------------------------------------------


def test_invoke_module_runs_the_module_and_returns(program: Program) -> None:
    r = go(program, "caller", {})
    assert [(rec[0].name, rec[1].name, rec[2]) for rec in r.trace.records] == [
        ("caller", "auth", ""),
        ("authenticate", "mark", "success"),
        ("authenticate", "back", ""),
        ("caller", "auth", "success"),
        ("caller", "after", "success"),
        ("caller", "done", ""),
    ]
    assert facts(r, "after") == ['prompt: "Welcome back yes"']
    assert r.outcome.flows == ("caller",)
    assert r.outcome.kind == "ended"


def test_invoke_module_by_id(program: Program) -> None:
    r = go(program, "by-id", {})
    assert [(rec[0].name, rec[1].name, rec[2]) for rec in r.trace.records] == [
        ("by-id", "auth", ""),
        ("authenticate", "mark", "success"),
        ("authenticate", "back", ""),
        ("by-id", "auth", "success"),
        ("by-id", "done", ""),
    ]
    assert r.outcome.kind == "ended"


# -- customer profiles -----------------------------------------------------------------------

ANA = {"PhoneNumber": "+15555550100", "FirstName": "Ana", "City": "Lisbon"}


def test_profile_found_updated_and_found_again(program: Program) -> None:
    r = go(program, "profile", {"profiles": [ANA]})
    assert path(r) == [
        "find:success",
        "move:success",
        "again:success",
        "greet:success",
        "done:-",
    ]
    assert facts(r, "greet") == ['prompt: "Hello  from Porto (profile-1)"']
    assert facts(r, "move") == ['customer profile profile-1 updated: City = "Porto"']


def test_profile_not_found_is_created(program: Program) -> None:
    r = go(program, "profile", {"profiles": [ANA]}, **{"customer-endpoint": "+15555550199"})
    assert path(r) == ["find:not-found", "create:success", "greet:success", "done:-"]
    assert facts(r, "greet") == ['prompt: "Hello New from  (profile-2)"']


def test_profile_multiple_found(program: Program) -> None:
    r = go(program, "profile", {"profiles": [ANA, {**ANA, "FirstName": "Bea"}]})
    assert path(r) == ["find:multiple-found", "many:-"]
    assert facts(r, "find") == ["customer profiles with PhoneNumber +15555550100: 2 found"]


def test_profile_error_by_fault_injection(program: Program) -> None:
    r = go(program, "profile", {"profiles": [ANA], "errors": ["find"]})
    assert path(r) == ["find:error", "failed:-"]


def test_profiles_of_the_world_are_not_changed_by_a_run(program: Program) -> None:
    world = {"profiles": [ANA]}
    go(program, "profile", world)
    again = go(program, "profile", world)
    assert facts(again, "find") == ["customer profiles with PhoneNumber +15555550100: 1 found"]
    assert facts(again, "again") == ["customer profiles with PhoneNumber +15555550100: 1 found"]


# -- hours of operation overrides ------------------------------------------------------------


@pytest.mark.parametrize(
    ("clock", "branch", "note"),
    [
        ("2026-12-21T10:00:00Z", "in-hours", None),  # an ordinary Monday
        ("2026-12-25T10:00:00Z", "out-of-hours", "Office: override christmas (2026-12-25) applies"),
        (
            "2027-01-01T11:00:00Z",
            "in-hours",
            "Office: override new-year (2026-12-31 to 2027-01-02) applies",
        ),
        (
            "2027-01-02T12:30:00Z",  # a Saturday: usually open until 13:00
            "out-of-hours",
            "Office: override new-year (2026-12-31 to 2027-01-02) applies",
        ),
    ],
)
def test_hours_overrides(program: Program, clock: str, branch: str, note: str | None) -> None:
    r = go(program, "hours", {"clock": clock})
    assert path(r)[0] == f"check:{branch}"
    notes = [f for f in facts(r, "check") if "override" in f]
    assert notes == ([note] if note else [])


def test_closed_override_reads_closed_all_day(program: Program) -> None:
    r = go(program, "hours", {"clock": "2026-12-25T10:00:00Z"})
    assert facts(r, "check")[0] == (
        "Office at Friday 2026-12-25 10:00 WET: closed all day -> out of hours"
    )
