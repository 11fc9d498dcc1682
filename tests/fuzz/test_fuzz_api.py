"""The Python API called with anything: only the documented exceptions escape.

`flowrt.load` raises LoadError; `flowrt.load_project`, `flowrt.compile`, `Program.run`,
`flowrt.scenario.prepare_contact` / `prepare_world` and `ConnectClient(...)` raise FlowrtError; the client's operations raise ConnectError subclasses.
Never a TypeError, an AttributeError, a ValueError or pydantic's ValidationError, whatever the
arguments: any JSON-like value (None, booleans, huge integers, NaN, long or empty text, nested
lists and dicts), bytes and objects, in any parameter, known or not.  Every message is bounded
and every FlowrtError carries diagnostics.  See docs/running.md and docs/email.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

import flowrt
from flowrt.client import ConnectClient
from flowrt.core.diagnostics import CODES, FlowrtError
from flowrt.email.errors import ConnectError
from flowrt.lang.loader import LoadError
from flowrt.run.interpreter import OUTCOME_KINDS
from flowrt.scenario import prepare_contact, prepare_world
from flowrt.scenario.model import Contact, World
from tests.fuzz.helpers import scratch_dir, write_files

FLOWS = Path(__file__).resolve().parents[2] / "flows"
PROGRAM = flowrt.compile(str(FLOWS))
_TMP = scratch_dir("api")
#: No message of an error is longer (a value is shown cut, never whole).
MAX_MESSAGE = 4_000


class Huge(int):
    """An integer too long for Python to print (over 4,300 digits), with a repr that prints."""

    def __repr__(self) -> str:
        return f"Huge(<{self.bit_length()} bits>)"


HUGE = Huge(10**5000)

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([0, -1, 10**30, HUGE, Huge(-(10**5000))]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(
        ["", "x" * 100_000, "a\x00b", "\x1b[2J", "../../etc/passwd", "inbound-support"]
    ),
)
#: Any JSON-like value, and a few that are not JSON at all.
values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
) | st.sampled_from([b"bytes", object(), (1, 2), {1: 2}, {"k": object()}, Path("x")])


def _keyed(keys: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Dicts with the given keys (sometimes) and others, holding any values."""
    key = st.sampled_from(keys) | st.text(max_size=10)
    return st.dictionaries(key, values, max_size=5)


_contact_keys = [f.alias or n for n, f in Contact.model_fields.items()]
_world_keys = [f.alias or n for n, f in World.model_fields.items()]
contacts = values | _keyed(_contact_keys)
worlds = values | _keyed(_world_keys)


def _check_flowrt_error(exc: FlowrtError) -> None:
    assert exc.diagnostics, "a FlowrtError carries its diagnostics"
    assert all(d.code in CODES for d in exc.diagnostics)
    assert len(str(exc)) < MAX_MESSAGE
    assert all(len(d.message) < MAX_MESSAGE for d in exc.diagnostics)


# -- Program.run ------------------------------------------------------------------------------


@given(
    contacts,
    worlds,
    st.none() | st.sampled_from(sorted(PROGRAM.flows)) | values,
    st.sampled_from([1, 5, 1000]) | values,
    st.none() | values,
)
@example({"chanel": "VOICE"}, None, None, 1000, None).via("regression: ValidationError")
@example({}, None, "inbound-support", None, None).via("regression: max_steps=None, TypeError")
@example({}, None, "inbound-support", -1, None).via("regression: -1 silently became 1")
@example({}, {"clock": "2026-13-45T00:00Z"}, None, 1000, None).via("regression: ValueError")
@example({}, {"lambdas": {"f": {"abc": {}}}}, None, 1000, None).via("regression: ValueError")
@example({"attributes": {"a": HUGE}}, None, None, 1000, None).via("regression: ValueError")
@example({}, None, ["x"], 1000, None).via("regression: unhashable flow")
def test_program_run_raises_only_flowrt_error(
    contact: Any, world: Any, flow: Any, max_steps: Any, contact_id: Any
) -> None:
    try:
        result = PROGRAM.run(contact, world, flow=flow, max_steps=max_steps, contact_id=contact_id)
    except FlowrtError as exc:
        _check_flowrt_error(exc)
        return
    assert result.outcome.kind in OUTCOME_KINDS


@given(contacts, worlds)
@example({"attributes": {"a": HUGE}}, {"clock": "2026-13-45T00:00Z"}).via("regression: ValueError")
def test_prepare_raises_only_flowrt_error(contact: Any, world: Any) -> None:
    for prepare, value in ((prepare_contact, contact), (prepare_world, world)):
        try:
            prepare(value)
        except FlowrtError as exc:
            _check_flowrt_error(exc)


# -- load, load_project, compile --------------------------------------------------------------

#: Paths inside a scratch directory (never `/` or `.`: a project there would be the whole disk).
_paths = (
    st.text(max_size=30)
    .filter(lambda t: "/" not in t and t not in ("", ".", ".."))
    .map(lambda t: str(_TMP / t))
)


@given(st.sampled_from(["load", "load_project", "compile"]), values | _paths)
@example("load_project", "/nonexistent/flowrt").via("regression: returned an empty project")
@example("load", "a\x00b").via("regression: ValueError embedded null byte")
@example("compile", "x" * 100_000).via("regression: OSError file name too long")
def test_load_functions_raise_only_their_errors(function: str, path: Any) -> None:
    try:
        getattr(flowrt, function)(path)
    except LoadError as exc:
        assert function == "load"
        assert len(str(exc)) < MAX_MESSAGE
    except FlowrtError as exc:
        assert function != "load"
        _check_flowrt_error(exc)


# -- ConnectClient ----------------------------------------------------------------------------

OPERATIONS: dict[str, list[str]] = {
    "start_email_contact": [
        "InstanceId",
        "FromEmailAddress",
        "DestinationEmailAddress",
        "EmailMessage",
        "Attributes",
        "RelatedContactId",
        "ContactFlowId",
        "ClientToken",
        "References",
        "SegmentAttributes",
    ],
    "get_contact_attributes": ["InstanceId", "InitialContactId"],
    "update_contact_attributes": ["InstanceId", "InitialContactId", "Attributes"],
    "describe_contact": ["InstanceId", "ContactId"],
    "associate_email_address_alias": [
        "InstanceId",
        "EmailAddressId",
        "AliasConfiguration",
        "ClientToken",
    ],
    "disassociate_email_address_alias": [
        "InstanceId",
        "EmailAddressId",
        "AliasConfiguration",
        "ClientToken",
    ],
    "describe_email_address": ["InstanceId", "EmailAddressId"],
    "search_email_addresses": ["InstanceId", "SearchCriteria", "MaxResults", "NextToken"],
    "delete_email_address": ["InstanceId", "EmailAddressId"],
    "associate_queue_email_addresses": [
        "InstanceId",
        "QueueId",
        "EmailAddressesConfig",
        "ClientToken",
    ],
    "disassociate_queue_email_addresses": [
        "InstanceId",
        "QueueId",
        "EmailAddressesConfig",
        "ClientToken",
    ],
    "list_queue_email_addresses": ["QueueId"],
}
#: Values that are right, so that a call gets past its first parameter now and then.
_GOOD: dict[str, list[Any]] = {
    "InstanceId": ["anycompany"],
    "FromEmailAddress": [{"EmailAddress": "pat@customer.example"}],
    "DestinationEmailAddress": ["support@anycompany.example", "help@anycompany.example"],
    "EmailMessage": [
        {
            "MessageSourceType": "RAW",
            "RawMessage": {"Subject": "s", "Body": "b", "ContentType": "text/plain"},
        }
    ],
    "EmailAddressId": ["help@anycompany.example", "support@anybrand.example"],
    "AliasConfiguration": [{"EmailAddressId": "support@anybrand.example"}],
    "QueueId": ["BasicQueue"],
    "EmailAddressesConfig": [[{"EmailAddressId": "help@anycompany.example"}]],
    "SearchCriteria": [{"StringCondition": {"FieldName": "EmailAddress", "Value": "help"}}],
}


@st.composite
def _calls(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    op = draw(st.sampled_from(sorted(OPERATIONS)))
    names = OPERATIONS[op]
    kwargs: dict[str, Any] = {}
    for name in draw(st.lists(st.sampled_from(names) | st.text(min_size=1, max_size=8))):
        good = _GOOD.get(name, [])
        kwargs[name] = draw(st.sampled_from(good) | values if good else values)
    return op, kwargs


@given(_calls())
@example(("start_email_contact", {"InstanceId": None})).via("regression: succeeded")
@example(("describe_contact", {"ContactId": HUGE})).via("regression: ValueError")
@example(("associate_email_address_alias", {"EmailAddressId": "a", "AliasConfiguration": 0}))
@example(("search_email_addresses", {"SearchCriteria": "x"})).via("regression: AttributeError")
@example(("associate_queue_email_addresses", {"QueueId": "BasicQueue", "EmailAddressesConfig": 1}))
@example(("get_contact_attributes", {"InitialContactId": ["x"]})).via("regression: TypeError")
def test_client_operations_raise_only_connect_errors(call: tuple[str, dict[str, Any]]) -> None:
    op, kwargs = call
    client = ConnectClient(PROGRAM)
    try:
        getattr(client, op)(**kwargs)
    except ConnectError as exc:
        assert len(str(exc)) < MAX_MESSAGE
        assert exc.response["Error"]["Code"] == type(exc).CODE
        return
    if any(v is None for v in kwargs.values()):  # None is never a value, as in boto3
        raise AssertionError(f"{op} accepted None in {sorted(kwargs)}")


@given(values | _paths, worlds, st.sampled_from([1, 1000]) | values)
@example("/nonexistent/flowrt", None, 1000).via("regression: an empty client")
@example(str(FLOWS), 5, 1000).via("regression: TypeError")
def test_client_constructor_raises_only_flowrt_error(project: Any, world: Any, steps: Any) -> None:
    try:
        ConnectClient(project, world=world, max_steps=steps)
    except FlowrtError as exc:
        _check_flowrt_error(exc)


# -- FR107: the cycle named is a real one, however long, or there is none ---------------------


def _blocks(flow: str, n: int, end: str) -> str:
    lines = [f"  {flow}{i}: {{type: play-prompt, text: hi, next: {flow}{i + 1}}}" for i in range(n)]
    lines[-1] = f"  {flow}{n - 1}: {{type: play-prompt, text: hi, next: end}}"
    return f"flow: {flow}\nstart: {flow}0\nblocks:\n" + "\n".join(lines) + "\n" + end


@st.composite
def _looping_projects(draw: st.DrawFn) -> dict[str, str]:
    """One or two flows, each a chain of play-prompts that ends, goes back into itself, or
    transfers to the other flow: loops of any length, across flows, and no loop at all."""
    names = ["a", "b"] if draw(st.booleans()) else ["a"]
    files = {"instance.yaml": "instance: i\n"}
    for name in names:
        n = draw(st.integers(1, 400))
        other = "b" if name == "a" and len(names) == 2 else "a"
        end = draw(st.sampled_from(["disconnect", "transfer", "back"]))
        if end == "disconnect":
            tail = "  end: {type: disconnect}\n"
        elif end == "transfer":
            tail = f"  end: {{type: transfer-to-flow, flow: {other}}}\n"
        else:
            tail = f"  end: {{type: play-prompt, text: again, next: {name}{draw(st.integers(0, n - 1))}}}\n"
        files[f"{name}.flow.yaml"] = _blocks(name, n, tail)
    return files


def _assert_cycle_is_real(result: Any) -> None:
    """The cycle is the run's own tail: it closes on itself, repeats with its length as period,
    starts at the block of it the run entered first; with no cycle, the last block is new."""
    (diag,) = result.diagnostics
    assert diag.code == "FR107"
    steps = [(f.name, n.name) for f, n, *_ in result.trace.records]
    cycle = result.outcome.cycle
    if not cycle:
        assert steps[-1] not in steps[:-1]
        assert "not a loop" in diag.message
        return
    # A cycle within one flow names its blocks only: the flow is the one the run ended in.
    flow = result.outcome.flow
    pairs = [tuple(c.split(":", 1)) if ":" in cycle[0] else (flow, c) for c in cycle]
    members = pairs[:-1]
    size = len(members)
    assert size >= 1 and pairs[0] == pairs[-1]
    assert len(steps) > size and steps[-1] == steps[-1 - size]
    assert steps[-1] not in steps[-size:-1]  # the previous run of the last block
    tail = steps[-size:]
    k = tail.index(members[0])
    assert tail[k:] + tail[:k] == members
    assert min(members, key=steps.index) == members[0]
    assert " -> ".join(cycle) in diag.message


@given(_looping_projects(), st.integers(1, 3000))
def test_step_limit_names_a_real_cycle_or_none(files: dict[str, str], max_steps: int) -> None:
    root = _TMP / "loops"
    write_files(root, files)
    result = flowrt.compile(str(root)).run({}, flow="a", max_steps=max_steps)
    if result.outcome.kind == "step-limit":
        _assert_cycle_is_real(result)
    else:
        assert result.outcome.kind == "disconnected"
