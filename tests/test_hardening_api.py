"""Hardening of the Python API (issue 13, class 17) and of FR107's cycle (its last paragraph).

Every public function called with wrong types, `None`, huge values, empty strings and paths that
do not exist raises its documented exception with a clear message: `flowrt.load` LoadError;
`flowrt.load_project`, `flowrt.compile`, `Program.run` and `ConnectClient(...)` FlowrtError;
the client's operations botocore's ParamValidationError for what botocore checks, and what the
service would answer (InvalidRequestException for StartEmailContact, InvalidParameterException
for the others) for what botocore lets through: too long, too many, too deep, not allowed.
The step limit names the real cycle however long it is, across flows, and says when the run
was not in a loop at all.  See docs/running.md and docs/email.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

import flowrt
from flowrt.client import ConnectClient, ParamValidationError
from flowrt.core.diagnostics import FlowrtError
from flowrt.email.errors import (
    ConnectError,
    InvalidParameterException,
    InvalidRequestException,
    ResourceNotFoundException,
)
from flowrt.lang.loader import LoadError
from flowrt.project.driver import load_project
from flowrt.scenario.model import prepare_contact, prepare_world

FLOWS = Path(__file__).resolve().parent.parent / "flows"
PROGRAM = load_project(FLOWS).compile()
HUGE = 10**5000
LONG = "x" * 1_000_000
NONE_TYPE = "<class 'NoneType'>"


def _raises(call: Callable[[], Any]) -> BaseException:
    try:
        call()
    except Exception as exc:  # noqa: BLE001 - the test names what it expects below
        return exc
    raise AssertionError("no exception")


# -- load, load_project, compile, ConnectClient(path) -----------------------------------------

PATH_HINT = "give the path of a project directory or of a file in it, as a str or a Path"
BAD_PATHS: list[tuple[str, Any, str]] = [
    ("None", None, "the path must be a str or an os.PathLike, not NoneType"),
    ("int", 0, "the path must be a str or an os.PathLike, not int"),
    ("huge int", HUGE, "the path must be a str or an os.PathLike, not int"),
    ("float", 1.5, "the path must be a str or an os.PathLike, not float"),
    ("bytes", b"flows", "the path must be a str or an os.PathLike, not bytes"),
    ("list", ["flows"], "the path must be a str or an os.PathLike, not list"),
    ("dict", {}, "the path must be a str or an os.PathLike, not dict"),
    ("empty", "", "the path is empty"),
    ("NUL", "a\x00b", "the path holds a NUL character, which no file name can"),
    ("huge", LONG, "the path is 1,000,000 characters long; at most 4,096"),
]


@pytest.mark.parametrize(("name", "path", "message"), BAD_PATHS, ids=[b[0] for b in BAD_PATHS])
@pytest.mark.parametrize("function", ["load", "load_project", "compile"])
def test_a_path_that_is_not_one(function: str, name: str, path: Any, message: str) -> None:
    exc = _raises(lambda: getattr(flowrt, function)(path))
    label = "load" if function == "load" else "load_project"
    if function == "load":
        assert type(exc) is LoadError
        diag = exc.diagnostic
        assert str(exc) == f"{label}: {message}"
    else:
        assert type(exc) is FlowrtError
        (diag,) = exc.diagnostics
        assert str(exc) == f"1 error(s): {label}: {message}"
    assert (diag.code, diag.span, diag.hint) == ("FR001", None, PATH_HINT)


@pytest.mark.parametrize("function", ["load_project", "compile"])
def test_a_project_that_does_not_exist(function: str, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    for path in (str(missing), missing):
        exc = _raises(lambda p=path: getattr(flowrt, function)(p))  # type: ignore[misc]
        assert type(exc) is FlowrtError
        assert str(exc) == f"1 error(s): load_project: no such file or directory: {missing}"


def test_load_of_a_file_that_does_not_exist_is_a_positioned_load_error(tmp_path: Path) -> None:
    exc = _raises(lambda: flowrt.load(str(tmp_path / "x.flow.yaml")))
    assert type(exc) is LoadError
    assert exc.diagnostic.code == "FR001"
    assert str(exc) == "cannot read file: No such file or directory"
    assert flowrt.LoadError is LoadError  # the documented type is reachable from flowrt


def test_a_client_of_a_project_that_does_not_exist(tmp_path: Path) -> None:
    exc = _raises(lambda: ConnectClient(str(tmp_path / "nowhere")))
    assert type(exc) is FlowrtError
    assert str(exc) == (
        f"1 error(s): ConnectClient: no such file or directory: {tmp_path / 'nowhere'}"
    )


CLIENT_ARGS: list[tuple[str, dict[str, Any], str]] = [
    (
        "project None",
        {"project": None},
        "ConnectClient: a project must be a path (a str or an os.PathLike), a Project or a "
        "Program, not NoneType",
    ),
    (
        "project int",
        {"project": 5},
        "ConnectClient: a project must be a path (a str or an os.PathLike), a Project or a "
        "Program, not int",
    ),
    (
        "project empty",
        {"project": ""},
        "ConnectClient: `''` is not a path: empty, not text, a NUL or too long",
    ),
    (
        "world int",
        {"world": 5},
        "world must be a dict, a flowrt.scenario.World or a prepared world, not int",
    ),
    (
        "world unknown key",
        {"world": {"queus": {}}},
        "world: unknown key `queus` (did you mean `queues`?)",
    ),
    (
        "max_steps None",
        {"max_steps": None},
        "max_steps must be a whole number of steps (an int), not None (NoneType)",
    ),
    ("max_steps 0", {"max_steps": 0}, "max_steps is 0; it must be from 1 to 1,000,000"),
    ("max_steps -1", {"max_steps": -1}, "max_steps is -1; it must be from 1 to 1,000,000"),
]


@pytest.mark.parametrize(
    ("name", "kwargs", "message"), CLIENT_ARGS, ids=[c[0] for c in CLIENT_ARGS]
)
def test_client_constructor(name: str, kwargs: dict[str, Any], message: str) -> None:
    args = {"project": PROGRAM, **kwargs}
    exc = _raises(lambda: ConnectClient(args.pop("project"), **args))
    assert type(exc) is FlowrtError
    assert str(exc) == f"1 error(s): {message}"


# -- Program.run ------------------------------------------------------------------------------

RUN_ARGS: list[tuple[str, dict[str, Any], str, str]] = [
    # contact
    (
        "contact int",
        {"contact": 5},
        "FR011",
        "contact must be a dict, a flowrt.scenario.Contact or a prepared contact, not int",
    ),
    (
        "contact str",
        {"contact": "VOICE"},
        "FR011",
        "contact must be a dict, a flowrt.scenario.Contact or a prepared contact, not str",
    ),
    (
        "contact list",
        {"contact": [("channel", "VOICE")]},
        "FR011",
        "contact must be a dict, a flowrt.scenario.Contact or a prepared contact, not list",
    ),
    (
        "contact huge",
        {"contact": HUGE},
        "FR011",
        "contact must be a dict, a flowrt.scenario.Contact or a prepared contact, not int",
    ),
    (
        "contact unknown key",
        {"contact": {"chanel": "VOICE"}},
        "FR010",
        "contact: unknown key `chanel` (did you mean `channel`?)",
    ),
    (
        "contact key not a str",
        {"contact": {1: "VOICE"}},
        "FR011",
        "contact: the key 1 is not a str",
    ),
    (
        "contact channel",
        {"contact": {"channel": "FAX"}},
        "FR013",
        "contact: `channel`: Input should be 'VOICE', 'CHAT', 'TASK' or 'EMAIL' (got str)",
    ),
    (
        "contact attributes None",
        {"contact": {"attributes": None}},
        "FR011",
        "contact: `attributes`: Input should be a valid dictionary (got NoneType)",
    ),
    (
        "contact attribute list",
        {"contact": {"attributes": {"k": []}}},
        "FR011",
        "contact: `attributes.k`: Input should be a valid string, a valid integer, a valid number or a valid boolean (got list)",
    ),
    (
        "contact attribute huge int",
        {"contact": {"attributes": {"k": HUGE}}},
        "FR013",
        "contact: attributes.k is an integer of about 5000 digits; at most 4,000 are allowed",
    ),
    (
        "contact attribute huge text",
        {"contact": {"attributes": {"k": "x" * 40_000}}},
        "FR104",
        "attributes take 40,001 UTF-8 bytes; at most 32,768 are allowed",
    ),
    (
        "contact request int",
        {"contact": {"start-email-contact": 5}},
        "FR011",
        "contact: `start-email-contact`: Input should be a valid dictionary or instance of StartEmailContactRequest or a valid list (got int)",
    ),
    (
        "contact request unknown key",
        {"contact": {"start-email-contact": {"Bogus": 1}}},
        "FR010",
        "contact: unknown key `start-email-contact.Bogus`",
    ),
    # world
    (
        "world int",
        {"world": 5},
        "FR011",
        "world must be a dict, a flowrt.scenario.World or a prepared world, not int",
    ),
    (
        "world empty text",
        {"world": ""},
        "FR011",
        "world must be a dict, a flowrt.scenario.World or a prepared world, not str",
    ),
    (
        "world unknown key",
        {"world": {"clok": "x"}},
        "FR010",
        "world: unknown key `clok` (did you mean `clock`?)",
    ),
    (
        "world negative count",
        {"world": {"queues": {"Q": {"contacts-in-queue": -1}}}},
        "FR013",
        "world: `queues.Q.contacts-in-queue`: Input should be greater than or equal to 0 (got int)",
    ),
    (
        "world clock",
        {"world": {"clock": "2026-13-45T00:00Z"}},
        "FR013",
        "world: clock `2026-13-45T00:00Z` is not a date and time (month must be in 1..12)",
    ),
    (
        "world call range",
        {"world": {"lambdas": {"f": {"abc": {}}}}},
        "FR106",
        "world: lambdas.f: `abc` is not a call number or range",
    ),
    (
        "world huge call range",
        {"world": {"lambdas": {"f": {"9" * 5000: {}}}}},
        "FR106",
        "world: lambdas.f: `999999999999999999999999999999999999999999999999999999999999... (4,940 more characters)` is not a call number or range",
    ),
    (
        "world huge input",
        {"world": {"input": {"menu": HUGE}}},
        "FR013",
        "world: input.menu is an integer of about 5000 digits; at most 4,000 are allowed",
    ),
    (
        "world agent action",
        {"world": {"agent-actions": [{"forward": 5}]}},
        "FR011",
        "world: `agent-actions[0].forward`: Input should be a valid dictionary or instance of ForwardAction (got int)",
    ),
    # flow
    (
        "flow int",
        {"flow": 5},
        "FR011",
        "flow must be the name of a flow (a str) or None, not 5 (int)",
    ),
    (
        "flow list",
        {"flow": ["inbound-support"]},
        "FR011",
        "flow must be the name of a flow (a str) or None, not <a list of 1 item(s)> (list)",
    ),
    (
        "flow huge int",
        {"flow": HUGE},
        "FR011",
        "flow must be the name of a flow (a str) or None, not <an integer of about 5,000 digits> (int)",
    ),
    ("flow empty", {"flow": ""}, "FR100", "unknown flow ``"),
    (
        "flow misspelt",
        {"flow": "inbound-suport"},
        "FR100",
        "unknown flow `inbound-suport` (did you mean `inbound-support`?)",
    ),
    ("flow huge", {"flow": LONG}, "FR100", f"unknown flow `{'x' * 80}... (1,000,000 characters)`"),
    # max_steps
    (
        "max_steps None",
        {"max_steps": None},
        "FR011",
        "max_steps must be a whole number of steps (an int), not None (NoneType)",
    ),
    ("max_steps 0", {"max_steps": 0}, "FR013", "max_steps is 0; it must be from 1 to 1,000,000"),
    ("max_steps -1", {"max_steps": -1}, "FR013", "max_steps is -1; it must be from 1 to 1,000,000"),
    (
        "max_steps float",
        {"max_steps": 10.0},
        "FR011",
        "max_steps must be a whole number of steps (an int), not 10.0 (float)",
    ),
    (
        "max_steps bool",
        {"max_steps": True},
        "FR011",
        "max_steps must be a whole number of steps (an int), not True (bool)",
    ),
    (
        "max_steps text",
        {"max_steps": "10"},
        "FR011",
        "max_steps must be a whole number of steps (an int), not '10' (str)",
    ),
    (
        "max_steps huge",
        {"max_steps": HUGE},
        "FR013",
        "max_steps is <an integer of about 5,000 digits>; it must be from 1 to 1,000,000",
    ),
    (
        "max_steps over the limit",
        {"max_steps": 1_000_001},
        "FR013",
        "max_steps is 1000001; it must be from 1 to 1,000,000",
    ),
    # contact_id
    (
        "contact_id int",
        {"contact_id": 5},
        "FR011",
        "contact_id must be a str of 1 to 256 characters or None, not 5",
    ),
    (
        "contact_id empty",
        {"contact_id": ""},
        "FR013",
        "contact_id must be a str of 1 to 256 characters or None, not ''",
    ),
    (
        "contact_id huge",
        {"contact_id": LONG},
        "FR013",
        f"contact_id must be a str of 1 to 256 characters or None, not '{'x' * 60}... (999,940 more characters)'",
    ),
]


@pytest.mark.parametrize(
    ("name", "kwargs", "code", "message"), RUN_ARGS, ids=[r[0] for r in RUN_ARGS]
)
def test_program_run(name: str, kwargs: dict[str, Any], code: str, message: str) -> None:
    args: dict[str, Any] = {"contact": {}, "world": None, "flow": "inbound-support", **kwargs}
    exc = _raises(lambda: PROGRAM.run(args.pop("contact"), args.pop("world"), **args))
    assert type(exc) is FlowrtError
    assert exc.diagnostics[0].code == code
    assert exc.diagnostics[0].message == message
    assert exc.diagnostics[0].span is None
    assert str(exc).startswith(f"{len(exc.diagnostics)} error(s): {message}")


def test_run_problems_are_bounded_and_counted() -> None:
    contact: dict[str, Any] = {"attributes": {f"k{i}": [] for i in range(50)}}
    exc = _raises(lambda: PROGRAM.run(contact, flow="inbound-support"))
    assert type(exc) is FlowrtError
    assert len(exc.diagnostics) == 11
    assert exc.diagnostics[-1].message == "and 40 more problem(s) like these"


def test_the_email_path_refuses_a_bad_world_the_same_way() -> None:
    contact = {"start-email-contact": {"DestinationEmailAddress": "support@anycompany.example"}}
    exc = _raises(lambda: PROGRAM.run(contact, {"agent-actions": 5}))
    assert type(exc) is FlowrtError
    assert exc.diagnostics[0].message == (
        "world: `agent-actions`: Input should be a valid list (got int)"
    )


def test_prepared_records_still_take_the_fast_path() -> None:
    contact, world = prepare_contact({"attributes": {"tier": "gold"}}), prepare_world({})
    result = PROGRAM.run(contact, world, flow="inbound-support", max_steps=1000)
    assert result.outcome.kind in ("queued", "disconnected", "ended")
    again = PROGRAM.run(contact, world, flow="inbound-support")
    assert again.outcome == result.outcome


# -- the client's operations ------------------------------------------------------------------
# botocore's checks (tests/test_client_botocore.py compares each report with botocore's own) are
# tried here with hostile values; what botocore lets through, the service's bounds refuse.

START = "start_email_contact"
INSTANCE = "anycompany"
#: Operations: (the service's error, valid arguments).
OPS: dict[str, tuple[type[ConnectError], dict[str, Any]]] = {
    START: (
        InvalidRequestException,
        {
            "InstanceId": INSTANCE,
            "FromEmailAddress": {"EmailAddress": "pat@customer.example"},
            "DestinationEmailAddress": "support@anycompany.example",
            "EmailMessage": {
                "MessageSourceType": "RAW",
                "RawMessage": {"Subject": "s", "Body": "b", "ContentType": "text/plain"},
            },
        },
    ),
    "get_contact_attributes": (
        InvalidParameterException,
        {"InstanceId": INSTANCE, "InitialContactId": "c"},
    ),
    "update_contact_attributes": (
        InvalidParameterException,
        {"InstanceId": INSTANCE, "InitialContactId": "c-1", "Attributes": {"a": "1"}},
    ),
    "describe_contact": (InvalidParameterException, {"InstanceId": INSTANCE, "ContactId": "c-1"}),
    "associate_email_address_alias": (
        InvalidParameterException,
        {
            "InstanceId": INSTANCE,
            "EmailAddressId": "support@anybrand.example",
            "AliasConfiguration": {"EmailAddressId": "help@anycompany.example"},
        },
    ),
    "describe_email_address": (
        InvalidParameterException,
        {"InstanceId": INSTANCE, "EmailAddressId": "help@anycompany.example"},
    ),
    "search_email_addresses": (InvalidParameterException, {"InstanceId": INSTANCE}),
    "associate_queue_email_addresses": (
        InvalidParameterException,
        {
            "InstanceId": INSTANCE,
            "QueueId": "BasicQueue",
            "EmailAddressesConfig": [{"EmailAddressId": "x@y.example"}],
        },
    ),
    "disassociate_queue_email_addresses": (
        InvalidParameterException,
        {"InstanceId": INSTANCE, "QueueId": "BasicQueue", "EmailAddressesId": ["x@y.example"]},
    ),
    "list_queue_email_addresses": (
        InvalidParameterException,
        {"InstanceId": INSTANCE, "QueueId": "BasicQueue"},
    ),
}
#: Hostile values of the wrong type: (label, value, the value as the report shows it).
WRONG: list[tuple[str, Any, str]] = [
    ("huge int", HUGE, "<an integer of about 5,000 digits>"),
    ("long list", ["x"] * 100_000, "['x', 'x', 'x', 'x', 'x', 'x', ...]"),
    ("deep list", [[[[["x"]]]]], "[[[[...]]]]"),
    ("bytes", b"x" * 100, f"b'{'x' * 26}...{'x' * 28}'"),
    ("object", object, "<class 'object'>"),
]
#: The first string parameter of each operation and its maximum length in the model.
LONGEST = {
    START: ("InstanceId", 100),
    "get_contact_attributes": ("InitialContactId", 256),
    "update_contact_attributes": ("InitialContactId", 256),
    "describe_contact": ("ContactId", 256),
    "associate_email_address_alias": ("EmailAddressId", 500),
    "describe_email_address": ("EmailAddressId", 500),
    "search_email_addresses": ("InstanceId", 100),
    "associate_queue_email_addresses": ("InstanceId", 100),
    "disassociate_queue_email_addresses": ("InstanceId", 100),
    "list_queue_email_addresses": ("InstanceId", 100),
}


def _cases() -> list[tuple[str, str, dict[str, Any], type[ConnectError], str]]:
    out = []
    for op, (error, good) in OPS.items():
        name = next(iter(good))  # InstanceId: a string
        for label, value, shown in WRONG:
            out.append(
                (
                    f"{op}-{label}",
                    op,
                    {**good, name: value},
                    ParamValidationError,
                    f"Invalid type for parameter {name}, value: {shown}, type: {type(value)}, "
                    "valid types: <class 'str'>",
                )
            )
        longest, bound = LONGEST[op]
        out.append(
            (
                f"{op}-{longest}-huge",
                op,
                {**good, longest: LONG},
                error,
                f"Invalid length for parameter {longest}, value: 1,000,000, valid max length: "
                f"{bound}",
            )
        )
    return out


CASES = _cases()


@pytest.mark.parametrize(
    ("name", "op", "kwargs", "error", "message"), CASES, ids=[c[0] for c in CASES]
)
def test_client_operation(
    name: str, op: str, kwargs: dict[str, Any], error: type[ConnectError], message: str
) -> None:
    client = ConnectClient(PROGRAM)
    start = time.perf_counter()
    exc = _raises(lambda: getattr(client, op)(**kwargs))
    assert time.perf_counter() - start < 0.5
    assert type(exc) is error
    assert isinstance(exc, ConnectError)
    assert exc.response["Error"]["Message"] == message
    operation = "".join(p.capitalize() for p in op.split("_"))
    if error is ParamValidationError:
        assert str(exc) == f"Parameter validation failed:\n{message}"
    else:
        assert str(exc) == (
            f"An error occurred ({error.CODE}) when calling the {operation} operation: {message}"
        )
    assert client.mailbox.contacts == {}


def _nested(depth: int, leaf: Any) -> Any:
    """A segment attribute value with `depth` ValueMaps around `leaf`."""
    value = leaf
    for _ in range(depth):
        value = {"ValueMap": {"k": value}}
    return value


def _deep_conditions(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {"StringCondition": {"Value": "x"}}
    for _ in range(depth):
        value = {"AndConditions": [value]}
    return value


SEARCH: dict[str, Any] = OPS["search_email_addresses"][1]
QUEUE: dict[str, Any] = OPS["associate_queue_email_addresses"][1]
#: (name, method, arguments, error, message): what botocore lets through, the service refuses.
REFUSED: list[tuple[str, str, dict[str, Any], type[ConnectError], str]] = [
    (
        "a list of a million items",
        "associate_queue_email_addresses",
        {**QUEUE, "EmailAddressesConfig": [{}] * 1_000_000},
        InvalidParameterException,
        "Invalid length for parameter EmailAddressesConfig, value: 1,000,000, valid max length: 50",
    ),
    (
        "MaxResults over 100",
        "search_email_addresses",
        {**SEARCH, "MaxResults": 101},
        InvalidParameterException,
        "Invalid value for parameter MaxResults, value: 101, valid max value: 100",
    ),
    (
        "MaxResults huge",
        "search_email_addresses",
        {**SEARCH, "MaxResults": HUGE},
        InvalidParameterException,
        "Invalid value for parameter MaxResults, value: <an integer of about 5,000 digits>, "
        "valid max value: 100",
    ),
    (
        "MaxResults True",
        "list_queue_email_addresses",
        {**OPS["list_queue_email_addresses"][1], "MaxResults": True},
        InvalidParameterException,
        "Invalid type for parameter MaxResults, value: True, type: <class 'bool'>, valid types: "
        "<class 'int'>",
    ),
    (
        "a value a string may not take",
        "search_email_addresses",
        {**SEARCH, "SearchCriteria": {"StringCondition": {"ComparisonType": "LIKE"}}},
        InvalidParameterException,
        "Invalid value for parameter SearchCriteria.StringCondition.ComparisonType, value: LIKE, "
        "valid values: STARTS_WITH, CONTAINS, EXACT",
    ),
    (
        "search conditions 100,000 deep",
        "search_email_addresses",
        {**SEARCH, "SearchCriteria": _deep_conditions(100_000)},
        InvalidParameterException,
        "SearchCriteria" + ".AndConditions[0]" * 16 + " is nested more than 32 levels deep",
    ),
    (
        "segment attributes 100,000 deep",
        START,
        {**OPS[START][1], "SegmentAttributes": {"k": _nested(100_000, {"ValueString": "x"})}},
        InvalidRequestException,
        "SegmentAttributes.k" + ".ValueMap.k" * 15 + ".ValueMap is nested more than 32 levels deep",
    ),
    (
        "a StartEmailContact ClientToken over 500 (the request's own rule first)",
        START,
        {**OPS[START][1], "ClientToken": LONG},
        InvalidRequestException,
        "ClientToken has 1000000 characters; at most 500",
    ),
    (
        "a NextToken this client did not give",
        "search_email_addresses",
        {**SEARCH, "NextToken": "9" * 2_000},
        InvalidParameterException,
        f"NextToken `{'9' * 60}... (1,940 more characters)` is not one this client returned "
        "for this request",
    ),
    (
        "a FieldName addresses do not have",
        "search_email_addresses",
        {**SEARCH, "SearchCriteria": {"StringCondition": {"FieldName": "Tags", "Value": "x"}}},
        InvalidParameterException,
        "FieldName `Tags` is not one of EmailAddressId, EmailAddressArn, EmailAddress, "
        "DisplayName, Description",
    ),
]


@pytest.mark.parametrize(
    ("name", "op", "kwargs", "error", "message"), REFUSED, ids=[r[0] for r in REFUSED]
)
def test_the_service_refuses_what_botocore_lets_through(
    name: str, op: str, kwargs: dict[str, Any], error: type[ConnectError], message: str
) -> None:
    client = ConnectClient(PROGRAM)
    start = time.perf_counter()
    exc = _raises(lambda: getattr(client, op)(**kwargs))
    assert time.perf_counter() - start < 0.5
    assert type(exc) is error
    assert exc.response["Error"]["Message"] == message
    assert client.mailbox.contacts == {}


def test_a_report_of_many_problems_is_cut_after_ten() -> None:
    client = ConnectClient(PROGRAM)
    start = time.perf_counter()
    exc = _raises(lambda: client.describe_contact(**{f"p{i}": i for i in range(100_000)}))
    # A guard against quadratic work (minutes), generous for a loaded machine: linear is ~50 ms.
    assert time.perf_counter() - start < 5
    assert type(exc) is ParamValidationError
    lines = str(exc).splitlines()
    assert lines[:3] == [
        "Parameter validation failed:",
        'Missing required parameter in input: "InstanceId"',
        'Missing required parameter in input: "ContactId"',
    ]
    assert lines[3:] == [
        f'Unknown parameter in input: "p{i}", must be one of: InstanceId, ContactId'
        for i in range(8)
    ]


def test_long_keys_and_names_are_cut_in_reports() -> None:
    client = ConnectClient(PROGRAM)
    key = "k" * 1_000_000
    exc = _raises(
        lambda: client.update_contact_attributes(
            InstanceId=INSTANCE, InitialContactId="c-1", Attributes={key: 5}
        )
    )
    assert type(exc) is ParamValidationError
    assert exc.response["Error"]["Message"] == (
        f"Invalid type for parameter Attributes.{'k' * 60}... (999,940 more characters), "
        "value: 5, type: <class 'int'>, valid types: <class 'str'>"
    )


def test_instance_id_is_required_and_none_is_refused() -> None:
    client = ConnectClient(PROGRAM)
    good = {k: v for k, v in OPS[START][1].items() if k != "InstanceId"}
    for kwargs, line in [
        (good, 'Missing required parameter in input: "InstanceId"'),
        (
            {**good, "InstanceId": None},
            f"Invalid type for parameter InstanceId, value: None, type: {NONE_TYPE}, "
            "valid types: <class 'str'>",
        ),
    ]:
        exc = _raises(lambda k=kwargs: client.start_email_contact(**k))  # type: ignore[misc]
        assert type(exc) is ParamValidationError
        assert exc.response["Error"]["Message"] == line
    assert client.mailbox.contacts == {}
    for name in ("anycompany", PROGRAM.instance.arn, PROGRAM.instance.arn.rsplit("/", 1)[-1]):  # type: ignore[union-attr]
        assert client.start_email_contact(**{**good, "InstanceId": name})["ContactId"]
    exc = _raises(lambda: client.start_email_contact(**{**good, "InstanceId": "other"}))
    assert type(exc) is ResourceNotFoundException
    assert exc.response["Error"]["Message"] == (
        "instance `other` is not this project's instance `anycompany`"
    )


def test_update_contact_attributes_keeps_the_attribute_rules() -> None:
    client = ConnectClient(PROGRAM)
    cid = client.start_email_contact(**OPS[START][1])["ContactId"]
    for attrs, message in [
        ({"a b": "1"}, "attribute key `a b` may only hold letters, digits, `-` and `_`"),
        ({"k": "x" * 32_767}, "attributes take 32,"),
    ]:
        exc = _raises(
            lambda a=attrs: client.update_contact_attributes(  # type: ignore[misc]
                InstanceId=INSTANCE, InitialContactId=cid, Attributes=a
            )
        )
        assert type(exc) is InvalidParameterException
        assert exc.response["Error"]["Message"].startswith(message)
    attrs = client.get_contact_attributes(InstanceId=INSTANCE, InitialContactId=cid)["Attributes"]
    assert "k" not in attrs


def test_result_of_a_contact_id_that_is_not_one() -> None:
    client = ConnectClient(PROGRAM)
    exc = _raises(lambda: client.result(["x"]))  # type: ignore[arg-type]
    assert type(exc) is ParamValidationError
    assert str(exc) == (
        "Parameter validation failed:\nInvalid type for parameter contact_id, value: ['x'], "
        "type: <class 'list'>, valid types: <class 'str'>"
    )
    exc = _raises(lambda: client.result("nope"))
    assert type(exc) is ResourceNotFoundException
    assert exc.response["Error"]["Message"] == "contact `nope` does not exist"


def test_long_values_are_cut_in_messages() -> None:
    client = ConnectClient(PROGRAM)
    exc = _raises(lambda: client.describe_contact(InstanceId=INSTANCE, ContactId="y" * 256))
    assert type(exc) is ResourceNotFoundException
    assert exc.response["Error"]["Message"] == (
        f"contact `{'y' * 60}... (196 more characters)` does not exist"
    )


# -- FR107: the real cycle, or no cycle -------------------------------------------------------


def _chain(prefix: str, n: int, end: str) -> str:
    """A flow's blocks: `n` play-prompts in a row, the last one going to `end`."""
    lines = [
        f"  {prefix}{i}: {{type: play-prompt, text: hi, next: {prefix}{i + 1}}}" for i in range(n)
    ]
    lines[-1] = f"  {prefix}{n - 1}: {{type: play-prompt, text: hi, next: {end}}}"
    return "\n".join(lines) + "\n"


def _project(root: Path, files: Mapping[str, str]) -> None:
    (root / "instance.yaml").write_text("instance: i\n", encoding="utf-8")
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")


def test_a_cycle_through_transfer_to_flow_longer_than_500_steps_is_named(tmp_path: Path) -> None:
    a = (
        "flow: a\nstart: a0\nblocks:\n"
        + _chain("a", 300, "go")
        + ("  go: {type: transfer-to-flow, flow: b}\n")
    )
    b = (
        "flow: b\nstart: b0\nblocks:\n"
        + _chain("b", 300, "back")
        + ("  back: {type: transfer-to-flow, flow: a}\n")
    )
    _project(tmp_path, {"a.flow.yaml": a, "b.flow.yaml": b})
    program = flowrt.compile(str(tmp_path))
    start = time.perf_counter()
    result = program.run({}, flow="a", max_steps=5_000)
    assert time.perf_counter() - start < 2
    cycle = result.outcome.cycle
    assert len(cycle) == 603  # 602 steps, then the first again
    assert cycle[:2] == ("a:a0", "a:a1") and cycle[300:303] == ("a:go", "b:b0", "b:b1")
    assert cycle[-2:] == ("b:back", "a:a0")
    (diag,) = result.diagnostics
    assert diag.code == "FR107"
    assert diag.message.startswith("run stopped after 5000 steps: blocks a:a0 -> a:a1 -> ")
    assert diag.message.endswith("-> b:back -> a:a0 loop without end")
    assert (Path(diag.span.file).name, diag.span.line) == ("a.flow.yaml", 4)  # block a0


def test_a_chain_longer_than_the_step_limit_is_not_called_a_loop(tmp_path: Path) -> None:
    chain = (
        "flow: c\nstart: s0\nblocks:\n"
        + _chain("s", 1_999, "bye")
        + ("  bye: {type: disconnect}\n")
    )
    _project(tmp_path, {"c.flow.yaml": chain})
    program = flowrt.compile(str(tmp_path))
    result = program.run({}, flow="c")  # the default: 1000 steps
    assert result.outcome.kind == "step-limit"
    assert result.outcome.cycle == ()
    assert result.outcome.describe() == (
        "step limit exceeded (more than 1000 steps without a loop)"
    )
    (diag,) = result.diagnostics
    assert diag.code == "FR107"
    assert diag.message == (
        "run stopped after 1000 steps at block `s999` of flow `c`, which had not run before: "
        "not a loop, but a path longer than 1000 steps"
    )
    assert diag.hint == "raise --max-steps (max_steps= in Python) above the length of the path"
    assert diag.span is not None and diag.span.line == 4 + 999
    assert program.run({}, flow="c", max_steps=3000).outcome.kind == "disconnected"


def test_a_loop_entered_after_a_long_chain_is_named_from_its_first_block(tmp_path: Path) -> None:
    # 700 blocks of chain, then a 3-block loop: the loop, not the chain, is named.
    flow = "flow: c\nstart: s0\nblocks:\n" + _chain("s", 700, "l0") + _chain("l", 3, "l0")
    _project(tmp_path, {"c.flow.yaml": flow})
    result = flowrt.compile(str(tmp_path)).run({}, flow="c", max_steps=1000)
    assert result.outcome.cycle == ("l0", "l1", "l2", "l0")
    assert result.diagnostics[0].message == (
        "run stopped after 1000 steps: blocks l0 -> l1 -> l2 -> l0 loop without end"
    )


@pytest.mark.parametrize("command", ["run", "test"])
def test_cli_max_steps_over_the_limit_is_a_usage_error(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from flowrt.cli import main

    assert main([command, str(FLOWS), "--max-steps", "1000001"]) == 2
    err = capsys.readouterr().err
    assert err == f"flowrt {command}: --max-steps: must be from 1 to 1,000,000\n"


def test_the_documented_prepare_functions_check_their_argument() -> None:
    from flowrt import scenario

    exc = _raises(lambda: scenario.prepare_world({"clock": "2026-02-30T00:00Z"}))
    assert type(exc) is FlowrtError
    assert exc.diagnostics[0].message == (
        "world: clock `2026-02-30T00:00Z` is not a date and time (day is out of range for month)"
    )
    exc = _raises(lambda: scenario.prepare_contact(5))
    assert type(exc) is FlowrtError
    assert exc.diagnostics[0].code == "FR011"
