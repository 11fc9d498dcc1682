"""The boto3-shaped client against botocore's own `connect` service model (issue 14, point 6).

botocore is a test dependency (pyproject.toml, `test`).  Every operation the client offers is an
operation of the model, in snake_case; its parameter table (flowrt.email.shapes) equals the model
(member names, required members, types, bounds, allowed values, all the way down); a typical
call's response has only keys of the operation's output shape, of the right types, and every
required one; and bad parameters raise `ParamValidationError` with exactly botocore's report for
the same parameters.  See docs/email.md.
"""

from __future__ import annotations

import copy
import datetime
import inspect
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore import xform_name
from botocore.exceptions import ParamValidationError as BotocoreParamValidationError
from botocore.model import ServiceModel, Shape
from botocore.validate import ParamValidator

from flowrt.client import ConnectClient, ParamValidationError
from flowrt.email.errors import ConnectError
from flowrt.email.shapes import OPERATIONS, SHAPES, TYPES
from flowrt.email.shapes import Shape as TableShape
from flowrt.project.driver import load_project

FLOWS = Path(__file__).resolve().parent.parent / "flows"
PROGRAM = load_project(FLOWS).compile()
MODEL: ServiceModel = botocore.session.get_session().get_service_model("connect")
#: The client's methods that are not operations of the API.
FLOWRT_OWN = {"result"}
INSTANCE = "anycompany"
MESSAGE = {
    "MessageSourceType": "RAW",
    "RawMessage": {"Subject": "Order 42", "Body": "Where?", "ContentType": "text/plain"},
}


# -- the table is the model --------------------------------------------------------------------


def _closure(shape: Shape, seen: dict[str, Shape]) -> dict[str, Shape]:
    """Every shape `shape` is made of, by name (itself included)."""
    if shape.name in seen:
        return seen
    seen[shape.name] = shape
    if shape.type_name == "structure":
        for member in shape.members.values():
            _closure(member, seen)
    elif shape.type_name == "list":
        _closure(shape.member, seen)
    elif shape.type_name == "map":
        _closure(shape.key, seen)
        _closure(shape.value, seen)
    return seen


def _table_shape(shape: Shape) -> TableShape:
    """A botocore shape as a line of flowrt's table."""
    meta = shape.metadata
    refs: dict[str, str] = {}
    members: tuple[tuple[str, str], ...] = ()
    if shape.type_name == "structure":
        members = tuple((name, m.name) for name, m in shape.members.items())
    elif shape.type_name == "list":
        refs["member"] = shape.member.name
    elif shape.type_name == "map":
        refs = {"key": shape.key.name, "value": shape.value.name}
    return TableShape(
        shape.name,
        shape.type_name,
        members,
        tuple(meta.get("required", ())),
        min=meta.get("min"),
        max=meta.get("max"),
        enum=tuple(meta.get("enum", ())),
        **refs,
    )


def _model_inputs() -> dict[str, Shape]:
    out: dict[str, Shape] = {}
    for op in OPERATIONS.values():
        _closure(MODEL.operation_model(op.name).input_shape, out)
    return out


def test_every_method_is_an_operation_of_the_model_in_snake_case() -> None:
    methods = {
        name
        for name, _ in inspect.getmembers(ConnectClient, inspect.isfunction)
        if not name.startswith("_")
    }
    assert methods == set(OPERATIONS) | FLOWRT_OWN
    for method, op in OPERATIONS.items():
        assert op.name in MODEL.operation_names, f"{method}: {op.name} is not an operation"
        assert xform_name(op.name) == method
        assert MODEL.operation_model(op.name).input_shape.name == op.input


def test_the_parameter_table_is_the_model() -> None:
    model = _model_inputs()
    expected = {name: _table_shape(shape) for name, shape in model.items()}
    lines = "\n".join(shape.line() for shape in expected.values())
    assert expected == SHAPES, f"flowrt/email/shapes.py should have these shapes:\n{lines}"
    # ...and the checks know every kind of shape in it (no union or document shapes).
    for shape in model.values():
        assert shape.type_name in TYPES
        assert not {"union", "document"} & set(shape.metadata), shape.name
        assert not shape.serialization.get("jsonvalue"), shape.name


def test_required_parameters_are_the_models() -> None:
    """Said once more plainly: the parameters and the required ones of each operation."""
    for op in OPERATIONS.values():
        shape = MODEL.operation_model(op.name).input_shape
        table = SHAPES[op.input]
        assert [m for m, _ in table.members] == list(shape.members), op.name
        assert sorted(table.required) == sorted(shape.required_members), op.name


def test_the_response_keys_of_the_table_are_output_members() -> None:
    for op in OPERATIONS.values():
        output = MODEL.operation_model(op.name).output_shape
        members = list(output.members) if output is not None else []
        required = output.required_members if output is not None else []
        assert set(op.output) <= set(members), op.name
        assert set(required) <= set(op.output), op.name


# -- responses ----------------------------------------------------------------------------------

PYTHON: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "long": (int,),
    "boolean": (bool,),
    "list": (list,),
    "structure": (dict,),
    "map": (dict,),
    "timestamp": (datetime.datetime,),
}


def _shape_problems(value: Any, shape: Shape, where: str) -> Iterator[str]:
    """Where a response breaks its output shape: keys, types, required members, enum values."""
    if not isinstance(value, PYTHON[shape.type_name]) or (
        shape.type_name in ("integer", "long") and isinstance(value, bool)
    ):
        yield f"{where}: {value!r} is not a {shape.type_name}"
    elif shape.type_name == "structure":
        for key, item in value.items():
            if key not in shape.members:
                yield f"{where}: {key} is not a member of {shape.name}"
            else:
                yield from _shape_problems(item, shape.members[key], f"{where}.{key}")
        for key in shape.required_members:
            if key not in value:
                yield f"{where}: the required {key} is missing"
    elif shape.type_name == "list":
        for i, item in enumerate(value):
            yield from _shape_problems(item, shape.member, f"{where}[{i}]")
    elif shape.type_name == "map":
        for key, item in value.items():
            yield from _shape_problems(key, shape.key, f"{where} key")
            yield from _shape_problems(item, shape.value, f"{where}.{key}")
    elif shape.type_name == "string" and shape.enum and value not in shape.enum:
        yield f"{where}: {value!r} is not one of {shape.enum}"


@pytest.fixture
def client() -> ConnectClient:
    return ConnectClient(PROGRAM)


def _start(client: ConnectClient) -> str:
    return str(
        client.start_email_contact(
            InstanceId=INSTANCE,
            FromEmailAddress={"EmailAddress": "pat@customer.example", "DisplayName": "Pat"},
            DestinationEmailAddress="help@anycompany.example",
            EmailMessage=MESSAGE,
            AdditionalRecipients={
                "ToAddresses": [{"EmailAddress": "a@anycompany.example"}],
                "CcAddresses": [{"EmailAddress": "b@x.example", "DisplayName": "B"}],
            },
            Description="late order",
            Attributes={"orderId": "42"},
        )["ContactId"]
    )


#: A typical call of each operation, made in this order on one client (given the ContactId).
TYPICAL: dict[str, Callable[[str], dict[str, Any]]] = {
    "start_email_contact": lambda cid: {
        "InstanceId": INSTANCE,
        "FromEmailAddress": {"EmailAddress": "pat@customer.example"},
        "DestinationEmailAddress": "support@anycompany.example",
        "EmailMessage": MESSAGE,
        "ClientToken": "t-1",
    },
    "get_contact_attributes": lambda cid: {"InstanceId": INSTANCE, "InitialContactId": cid},
    "update_contact_attributes": lambda cid: {
        "InstanceId": INSTANCE,
        "InitialContactId": cid,
        "Attributes": {"vip": "true"},
    },
    "describe_contact": lambda cid: {"InstanceId": INSTANCE, "ContactId": cid},
    "describe_email_address": lambda cid: {
        "InstanceId": INSTANCE,
        "EmailAddressId": "help@anycompany.example",
    },
    "search_email_addresses": lambda cid: {
        "InstanceId": INSTANCE,
        "MaxResults": 2,
        "SearchCriteria": {
            "OrConditions": [
                {
                    "StringCondition": {
                        "FieldName": "EmailAddress",
                        "Value": "support@",
                        "ComparisonType": "STARTS_WITH",
                    }
                },
                {
                    "StringCondition": {
                        "FieldName": "EmailAddress",
                        "Value": "help",
                        "ComparisonType": "STARTS_WITH",
                    }
                },
            ]
        },
    },
    "disassociate_email_address_alias": lambda cid: {
        "InstanceId": INSTANCE,
        "EmailAddressId": "support@anycompany.example",
        "AliasConfiguration": {"EmailAddressId": "help@anycompany.example"},
    },
    "associate_email_address_alias": lambda cid: {
        "InstanceId": INSTANCE,
        "EmailAddressId": "support@anybrand.example",
        "AliasConfiguration": {"EmailAddressId": "help@anycompany.example"},
        "ClientToken": "a-1",
    },
    "associate_queue_email_addresses": lambda cid: {
        "InstanceId": INSTANCE,
        "QueueId": "BasicQueue",
        "EmailAddressesConfig": [{"EmailAddressId": "help@anycompany.example"}],
    },
    "list_queue_email_addresses": lambda cid: {
        "InstanceId": INSTANCE,
        "QueueId": "BasicQueue",
        "MaxResults": 2,
    },
    "disassociate_queue_email_addresses": lambda cid: {
        "InstanceId": INSTANCE,
        "QueueId": "BasicQueue",
        "EmailAddressesId": ["help@anycompany.example"],
        "ClientToken": "d-1",
    },
    "delete_email_address": lambda cid: {
        "InstanceId": INSTANCE,
        "EmailAddressId": "help@anycompany.example",
    },
}


def test_typical_calls_cover_every_operation() -> None:
    assert set(TYPICAL) == set(OPERATIONS)


def _typical_responses() -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    client = ConnectClient(PROGRAM)
    cid = _start(client)
    for method, params in TYPICAL.items():
        kwargs = params(cid)
        yield method, kwargs, getattr(client, method)(**kwargs)


def test_typical_responses_have_the_output_shape_of_the_model() -> None:
    seen = {}
    for method, kwargs, response in _typical_responses():
        op = MODEL.operation_model(OPERATIONS[method].name)
        assert not ParamValidator().validate(kwargs, op.input_shape).has_errors(), method
        assert response.pop("ResponseMetadata") == {"HTTPStatusCode": 200}
        assert set(response) <= set(OPERATIONS[method].output), method
        if op.output_shape is None:
            assert response == {}, method
        else:
            assert list(_shape_problems(response, op.output_shape, method)) == []
        seen[method] = response
    # What the typical calls answer, in the model's words.
    assert seen["list_queue_email_addresses"]["EmailAddressMetadataList"][0] == {
        "Id": "support@anycompany.example",
        "Arn": PROGRAM.instance.arn + "/email-address/support@anycompany.example",  # type: ignore[union-attr]
        "IsDefaultOutboundEmail": True,
    }
    assert [a["EmailAddress"] for a in seen["search_email_addresses"]["EmailAddresses"]] == [
        "support@anycompany.example",
        "help@anycompany.example",
    ]
    assert seen["search_email_addresses"]["NextToken"] == "2"
    contact = seen["describe_contact"]["Contact"]
    assert contact["SystemEndpoint"] == {
        "Type": "EMAIL_ADDRESS",
        "Address": "help@anycompany.example",
    }
    assert contact["CustomerEndpoint"] == {
        "Type": "EMAIL_ADDRESS",
        "Address": "pat@customer.example",
        "DisplayName": "Pat",
    }
    assert contact["AdditionalEmailRecipients"] == {
        "ToList": [{"Address": "a@anycompany.example"}],
        "CcList": [{"Address": "b@x.example", "DisplayName": "B"}],
    }
    assert contact["QueueInfo"] == {"Id": "BasicQueue"}


def test_a_response_with_a_key_the_model_does_not_have_is_caught() -> None:
    """The shape check itself: `DeliveredTo` (which DescribeContact once answered) is no member."""
    shape = MODEL.operation_model("DescribeContact").output_shape
    problems = list(_shape_problems({"Contact": {"DeliveredTo": "x"}}, shape, "DescribeContact"))
    assert problems == ["DescribeContact.Contact: DeliveredTo is not a member of Contact"]


# -- bad parameters: botocore's report, word for word ------------------------------------------


def _mutations(
    value: Any, shape: Shape, at: tuple[Any, ...]
) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Ways to break a valid value, each as (path, replacement): per structure, a required
    member left out and an unknown one added; per member, None, a value of the wrong type and,
    for a string or list with a minimum, an empty one."""
    wrong = 5 if shape.type_name not in ("integer", "long") else "5"
    yield at, None
    yield at, wrong
    if shape.type_name in ("string", "list") and shape.metadata.get("min", 0) > 0:
        yield at, "" if shape.type_name == "string" else []
    if shape.type_name in ("integer", "long") and "min" in shape.metadata:
        yield at, shape.metadata["min"] - 1
    if shape.type_name == "structure":
        for name in shape.required_members:
            yield at, {k: v for k, v in value.items() if k != name}
        yield at, {**value, "Bogus": 1}
        for name, item in value.items():
            yield from _mutations(item, shape.members[name], (*at, name))
    elif shape.type_name == "list":
        for i, item in enumerate(value):
            yield from _mutations(item, shape.member, (*at, i))
    elif shape.type_name == "map":
        for key, item in value.items():
            yield (*at, key), 5
            yield from _mutations(item, shape.value, (*at, key))


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    out = copy.copy(value)
    out[path[0]] = _replace(value[path[0]], path[1:], new)
    return out


def _bad_calls() -> list[tuple[str, str, dict[str, Any], str]]:
    out = []
    for method, params in TYPICAL.items():
        op = MODEL.operation_model(OPERATIONS[method].name)
        good = params("c-1")
        for path, new in _mutations(good, op.input_shape, ()):
            kwargs = _replace(good, path, new)
            if not isinstance(kwargs, dict):  # the call as a whole: keywords are a dict
                continue
            report = ParamValidator().validate(kwargs, op.input_shape).generate_report()
            if report:
                out.append((f"{method}-{len(out)}", method, kwargs, report))
        out.append((f"{method}-none", method, {}, _report({}, op.input_shape)))
        nones = dict.fromkeys(good)
        out.append((f"{method}-all-none", method, nones, _report(nones, op.input_shape)))
    return out


def _report(params: dict[str, Any], shape: Shape) -> str:
    return ParamValidator().validate(params, shape).generate_report()


BAD = _bad_calls()


def test_there_are_many_bad_calls() -> None:
    assert len(BAD) > 200


@pytest.mark.parametrize(("name", "method", "kwargs", "report"), BAD, ids=[b[0] for b in BAD])
def test_bad_parameters_get_botocores_report(
    client: ConnectClient, name: str, method: str, kwargs: dict[str, Any], report: str
) -> None:
    with pytest.raises(ParamValidationError) as exc:
        getattr(client, method)(**kwargs)
    assert exc.value.report == report
    assert str(exc.value) == str(BotocoreParamValidationError(report=report))
    assert exc.value.kwargs == {"report": report}
    assert isinstance(exc.value, ConnectError)
    assert exc.value.response["Error"] == {"Code": "ParamValidationError", "Message": report}
    assert client.mailbox.contacts == {}  # nothing was done


def test_the_old_shapes_are_refused_in_botocores_words(client: ConnectClient) -> None:
    """The two shapes issue 14 found: EmailAddressesConfig on Disassociate, QueueId alone."""
    with pytest.raises(ParamValidationError) as exc:
        client.disassociate_queue_email_addresses(
            InstanceId=INSTANCE,
            QueueId="BasicQueue",
            EmailAddressesConfig=[{"EmailAddressId": "help@anycompany.example"}],
        )
    assert str(exc.value) == (
        "Parameter validation failed:\n"
        'Missing required parameter in input: "EmailAddressesId"\n'
        'Unknown parameter in input: "EmailAddressesConfig", must be one of: InstanceId, '
        "QueueId, EmailAddressesId, ClientToken"
    )
    with pytest.raises(ParamValidationError) as exc:
        client.list_queue_email_addresses(QueueId="BasicQueue")
    assert str(exc.value) == (
        'Parameter validation failed:\nMissing required parameter in input: "InstanceId"'
    )


def test_positional_arguments_are_a_type_error_as_in_boto3(client: ConnectClient) -> None:
    """boto3: "describe_contact() only accepts keyword arguments" (a TypeError)."""
    with pytest.raises(TypeError):
        client.describe_contact(INSTANCE, "c-1")  # type: ignore[call-arg]
