"""The declarative Amazon Connect mapping (`flowrt.connect.generic`) on its own.

A block type declared here, in the test, and registered for the test's duration, is exported and
imported from its declarations alone: every parameter kind (text, bool, int, json, resource, a
dotted nested key), absent optional fields, error branches, fixed conditions, ordered
`conditions:`, the NextAction branch; and import refuses whatever does not export back exactly.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Annotated, Any, ClassVar, Literal

import pytest
from pydantic import Field

from flowrt.connect import generic
from flowrt.connect.context import ExportContext
from flowrt.connect.env import Environment
from flowrt.connect.export_blocks import export_block
from flowrt.connect.import_blocks import Unmodelled, candidate
from flowrt.lang.blocks import BLOCKS, REF_PATTERN, Block, Condition, ConnectParam

FLOW_ARN = "arn:aws:connect:us-east-1:111122223333:instance/inst-1/contact-flow/f-hold"
ENV = Environment("test", {"flows": {"hold-music": FLOW_ARN}})


class SetThing(Block):
    """A test-only declarative block type: one field of each kind."""

    TYPE: ClassVar[str] = "test-set-thing"
    CONNECT_TYPE: ClassVar[str] = "TestSetThing"
    BRANCHES: ClassVar[tuple[str, ...]] = ("success", "busy", "gold", "error")
    DEFAULT_BRANCH: ClassVar[str | None] = "success"
    HAS_CONDITIONS: ClassVar[bool] = True
    DECLARATIVE: ClassVar[bool] = True
    CONNECT_PARAMS: ClassVar[tuple[ConnectParam, ...]] = (
        ConnectParam("label", "Label"),
        ConnectParam("enabled", "Behavior.Enabled", "bool"),
        ConnectParam("seconds", "Behavior.Seconds", "int"),
        ConnectParam("extra", "Extra", "json"),
        ConnectParam("flow", "Hooks.Hold", "resource", "flows"),
    )
    CONNECT_ERRORS: ClassVar[dict[str, str]] = {"busy": "Busy", "error": "NoMatchingError"}
    CONNECT_CONDITIONS: ClassVar[dict[str, tuple[str, str]]] = {"gold": ("Equals", "Gold")}
    CONNECT_NEXT: ClassVar[str | None] = "success"

    type: Literal["test-set-thing"]
    label: str
    enabled: bool | None = None
    seconds: int | Annotated[str, Field(pattern=REF_PATTERN)] | None = None
    extra: dict[str, Any] | None = None
    flow: str | None = None
    conditions: list[Condition] = Field(default_factory=list)


@pytest.fixture(autouse=True)
def registered() -> Iterator[None]:
    """SetThing is a block type for the test's duration (the Type index is rebuilt)."""
    BLOCKS[SetThing.TYPE] = SetThing
    generic._declared.cache_clear()
    yield
    del BLOCKS[SetThing.TYPE]
    generic._declared.cache_clear()


NAMES = {"id-ok": "ok", "id-busy": "busy-line", "id-gold": "vip", "id-low": "low", "id-x": "x"}
IDS = {v: k for k, v in NAMES.items()}

ACTION: dict[str, Any] = {
    "Identifier": "id-thing",
    "Type": "TestSetThing",
    "Parameters": {
        "Label": "hello",
        "Behavior": {"Enabled": "True", "Seconds": "30"},
        "Extra": {"Modes": ["A", "B"], "Flag": "false"},
        "Hooks": {"Hold": FLOW_ARN},
    },
    "Transitions": {
        "NextAction": "id-ok",
        "Errors": [{"NextAction": "id-busy", "ErrorType": "Busy"}],
        "Conditions": [
            {
                "NextAction": "id-low",
                "Condition": {"Operator": "NumberLessThan", "Operands": ["50"]},
            },
            {"NextAction": "id-gold", "Condition": {"Operator": "Equals", "Operands": ["Gold"]}},
        ],
    },
}
BLOCK: dict[str, Any] = {
    "type": "test-set-thing",
    "label": "hello",
    "enabled": True,
    "seconds": 30,
    "extra": {"Modes": ["A", "B"], "Flag": "false"},
    "flow": "hold-music",
    "conditions": [{"number-less-than": 50, "next": "low"}],
    "next": {"success": "ok", "busy": "busy-line", "gold": "vip"},
}


#: Why import keeps an action of a declared Type that no declared block reproduces as it is.
NOT_EXACT = Unmodelled(
    "its `Parameters` or `Transitions`",
    "have a shape no TestSetThing block reproduces exactly",
)


def _export(block: dict[str, Any], env: Environment = ENV) -> tuple[list[dict[str, Any]], Any]:
    cx = ExportContext("contact", IDS, env)
    cx.ids["thing"] = "id-thing"
    return export_block("thing", SetThing.model_validate(block), cx), cx


def test_import_reads_every_kind_and_transition() -> None:
    assert candidate(copy.deepcopy(ACTION), NAMES, ENV) == BLOCK


def test_export_writes_every_kind_and_transition() -> None:
    out, cx = _export(BLOCK)
    assert cx.diagnostics == []
    assert out == [ACTION]


def test_absent_optional_fields_are_not_written_and_next_shorthand() -> None:
    action = {
        "Identifier": "id-thing",
        "Type": "TestSetThing",
        "Parameters": {"Label": "only", "Behavior": {"Seconds": "$.Attributes.wait"}},
        "Transitions": {"NextAction": "id-ok", "Errors": [], "Conditions": []},
    }
    block = {
        "type": "test-set-thing",
        "label": "only",
        "seconds": "$.Attributes.wait",
        "next": "ok",
    }
    assert candidate(action, NAMES, ENV) == block
    assert _export(block)[0] == [action]


def test_an_action_with_no_transitions_ends() -> None:
    action = {"Identifier": "id-thing", "Type": "TestSetThing", "Parameters": {"Label": "end"}}
    assert candidate(action, NAMES, ENV) == {"type": "test-set-thing", "label": "end"}
    assert _export({"type": "test-set-thing", "label": "end"})[0] == [{**action, "Transitions": {}}]


def test_an_unmapped_resource_keeps_its_arn() -> None:
    other = FLOW_ARN.replace("f-hold", "f-other")
    action = {**copy.deepcopy(ACTION), "Parameters": {"Label": "a", "Hooks": {"Hold": other}}}
    body = candidate(action, NAMES, ENV)
    assert body is not None and body["flow"] == other


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda a: a["Parameters"].update(Unknown="1"), "a parameter nobody declared"),
        (lambda a: a["Parameters"]["Behavior"].update(Enabled="true"), "a bool written `true`"),
        (lambda a: a["Parameters"]["Behavior"].update(Seconds="030"), "an int with a zero"),
        (lambda a: a["Parameters"]["Behavior"].update(Seconds=30), "an int not written as text"),
        (lambda a: a["Parameters"].update(Label=7), "text that is a number"),
        (lambda a: a["Parameters"].update(Hooks="x"), "a nested key that is not an object"),
        (lambda a: a["Parameters"].pop("Label"), "a required field missing"),
        (
            lambda a: a["Transitions"]["Errors"].append(
                {"NextAction": "id-x", "ErrorType": "Unheard"}
            ),
            "an error type with no branch",
        ),
        (
            lambda a: a["Transitions"]["Conditions"].append(
                {"NextAction": "id-x", "Condition": {"Operator": "Equals", "Operands": ["a", "b"]}}
            ),
            "a condition with two operands",
        ),
        (
            lambda a: a["Transitions"]["Errors"].append(
                {"NextAction": "id-x", "ErrorType": "Busy"}
            ),
            "one branch with two targets",
        ),
    ],
)
def test_import_refuses_what_does_not_export_back_exactly(change: Any, why: str) -> None:
    action = copy.deepcopy(ACTION)
    change(action)
    assert candidate(action, NAMES, ENV) == NOT_EXACT, why


def test_next_action_shared_with_an_error_branch() -> None:
    """A block whose NextAction is its error branch (as the console writes CheckVoiceId)."""

    class Check(SetThing):
        CONNECT_NEXT: ClassVar[str | None] = "error"

    BLOCKS[SetThing.TYPE] = Check
    generic._declared.cache_clear()
    action = {
        "Identifier": "id-thing",
        "Type": "TestSetThing",
        "Parameters": {"Label": "c"},
        "Transitions": {
            "NextAction": "id-x",
            "Errors": [{"NextAction": "id-x", "ErrorType": "NoMatchingError"}],
            "Conditions": [],
        },
    }
    assert candidate(action, NAMES, ENV) == {
        "type": "test-set-thing",
        "label": "c",
        "next": {"error": "x"},
    }
    action["Transitions"]["Errors"][0]["NextAction"] = "id-ok"
    assert candidate(action, NAMES, ENV) == NOT_EXACT
