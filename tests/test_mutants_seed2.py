"""Tests that kill the mutants a second seeded random sample of the semantic core left alive
(docs/fuzzing.md, "Mutation testing": `tools/mutation.sh --sample 300 --seed 2`).

Each test names the mutants it kills (`mutmut show NAME` shows one) and says what a user would
see change; each was run against them (`MUTANT_UNDER_TEST=NAME pytest ...` in `mutants/`) and
fails on every one, while the real code passes.  The survivors judged equivalent are in
tools/mutation-equivalent.txt with the reason.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from flowrt.client import ConnectClient
from flowrt.connect.env import Environment
from flowrt.connect.export import export_paths
from flowrt.connect.importer import import_paths
from flowrt.email.errors import ConnectError, InvalidRequestException
from flowrt.email.params import ParamValidationError
from flowrt.email.request import parse_request
from flowrt.lang.instance import partial_instance
from flowrt.project.driver import load_project
from flowrt.run.world import PreparedContact
from tests.mutant_projects import KEPT
from tests.mutant_projects import compiled as _program

ROOT = Path(__file__).resolve().parent.parent
FLOWS = ROOT / "flows"
INSTANCE = "instance: t\n"
#: A phone number of the instance, as Amazon Connect names it in a flow's CallerId.
NUMBER_ARN = "arn:aws:connect:us-east-1:111122223333:instance/abc/phone-number/p1"


def _import(tmp_path: Path, actions: list[dict[str, Any]], env: Environment | None = None) -> Any:
    """Import a flow of `actions` (the first is the start); its diagnostics, imported, text."""
    flow = {"Version": "2019-10-30", "StartAction": actions[0]["Identifier"], "Actions": actions}
    src = tmp_path / "f.json"
    src.write_text(json.dumps(flow, indent=1), encoding="utf-8")
    kwargs = {} if env is None else {"env": env}
    diags, _, imported = import_paths([str(src)], str(tmp_path / "out"), **kwargs)
    text = (tmp_path / "out" / "f.flow.yaml").read_text(encoding="utf-8")
    return [d for d in diags if d.code != "FR442"], imported[0], text


BYE = {"Identifier": "bye", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}


def _to_bye(*errors: str) -> dict[str, Any]:
    return {
        "NextAction": "bye",
        "Errors": [{"NextAction": "bye", "ErrorType": e} for e in errors],
        "Conditions": [],
    }


# ---------------------------------------------------------------------------------------------
# flowrt/connect/: import and export


def test_import_says_attributes_that_are_not_text_and_a_lambda_parameter_not_modelled(
    tmp_path: Path,
) -> None:
    """FR430 names why an UpdateContactAttributes with a number among its values, and an
    InvokeLambdaFunction with a parameter flowrt does not model, stay connect-actions.  Kills
    flowrt.connect.import_blocks.x__attributes__mutmut_33 (the parameter named
    "XXparameter `Attributes`XX") and flowrt.connect.import_blocks.x__lambda__mutmut_18 (an
    unmodelled parameter beside every required one let through: the Lambda imported as a
    native block that drops `Color`)."""
    actions = [
        {
            "Identifier": "one",
            "Type": "UpdateContactAttributes",
            "Parameters": {"Attributes": {"tier": "gold", "count": 3}},
            "Transitions": {**_to_bye("NoMatchingError"), "NextAction": "two"},
        },
        {
            "Identifier": "two",
            "Type": "InvokeLambdaFunction",
            "Parameters": {
                "LambdaFunctionARN": "arn:aws:lambda:us-east-1:111122223333:function:f",
                "InvocationTimeLimitSeconds": "8",
                "Color": "red",
            },
            "Transitions": _to_bye("NoMatchingError"),
        },
        BYE,
    ]
    diags, imported, _ = _import(tmp_path, actions)
    assert [(d.code, d.message, d.span.line) for d in diags] == [
        (
            "FR430",
            "UpdateContactAttributes 'one': parameter `Attributes` is not a map of text values; "
            f"{KEPT}",
            6,
        ),
        ("FR430", f"InvokeLambdaFunction 'two': parameter `Color` is not modelled; {KEPT}", 26),
    ]
    assert (imported.native, imported.passthrough) == (1, 2)


def test_import_names_a_caller_id_number_from_the_environment(tmp_path: Path) -> None:
    """A transfer's CallerId number given as the ARN of an instance's phone number imports as
    the number the environment file maps to that ARN, so the block is native.  Kills
    flowrt.connect.import_blocks.x__third_party__mutmut_109 (looked up under another kind: the
    ARN kept, the block no longer validates and stays a connect-action)."""
    actions = [
        {
            "Identifier": "call",
            "Type": "TransferParticipantToThirdParty",
            "Parameters": {
                "ThirdPartyPhoneNumber": "+18005550100",
                "ThirdPartyConnectionTimeLimitSeconds": "30",
                "ContinueFlowExecution": "True",
                "CallerId": {"Number": NUMBER_ARN},
            },
            "Transitions": _to_bye("CallFailed", "ConnectionTimeLimitExceeded", "NoMatchingError"),
        },
        BYE,
    ]
    env = Environment("prod", {"phone-numbers": {"+18005550111": NUMBER_ARN}})
    diags, imported, text = _import(tmp_path, actions, env)
    assert diags == []
    assert (imported.native, imported.passthrough) == (2, 0)
    assert '    caller-id: {number: "+18005550111"}\n' in text


def test_import_says_a_transfer_without_its_error_transition_does_not_export_back(
    tmp_path: Path,
) -> None:
    """A transfer to a phone number that does not resume the flow has its NextAction as its
    `error` branch; with no NoMatchingError among its errors, export would add one, and FR430
    says that is why it stays a connect-action.  Kills
    flowrt.connect.import_blocks.x__next__mutmut_77 (the NextAction's target not recorded for
    the error branch: the reason given was "`NextAction` is not the target of its
    NoMatchingError transition", which it is)."""
    actions = [
        {
            "Identifier": "call",
            "Type": "TransferParticipantToThirdParty",
            "Parameters": {
                "ThirdPartyPhoneNumber": "+18005550100",
                "ThirdPartyConnectionTimeLimitSeconds": "30",
                "ContinueFlowExecution": "False",
            },
            "Transitions": _to_bye(),
        },
        BYE,
    ]
    diags, imported, _ = _import(tmp_path, actions)
    assert [(d.code, d.message) for d in diags] == [
        (
            "FR430",
            "TransferParticipantToThirdParty 'call': exporting transfer-to-phone-number would "
            f"not give the action back exactly; {KEPT}",
        )
    ]
    assert (imported.native, imported.passthrough) == (1, 1)


def test_import_keeps_an_action_with_an_unknown_reference_as_a_connect_action(
    tmp_path: Path,
) -> None:
    """An attribute whose value names a namespace flowrt does not know (`$.Nope.x`) keeps its
    action a connect-action, with the compiler's FR050 as the reason.  The import checks the
    flow from data, without a text: kills flowrt.lang.compiler.xǁBlockContextǁscalar_span__mutmut_17
    (the position of the expression's error read past the end of an empty line: `flowrt import`
    raised IndexError)."""
    actions = [
        {
            "Identifier": "one",
            "Type": "UpdateContactAttributes",
            "Parameters": {"Attributes": {"tier": "$.Nope.x"}},
            "Transitions": _to_bye("NoMatchingError"),
        },
        BYE,
    ]
    diags, imported, _ = _import(tmp_path, actions)
    assert [(d.code, d.message) for d in diags] == [
        (
            "FR430",
            "UpdateContactAttributes 'one': the block would not validate in the flow (FR050 "
            f"unknown namespace 'Nope' in reference in `$.Nope.x`); {KEPT}",
        )
    ]
    assert (imported.native, imported.passthrough) == (1, 1)


def test_export_maps_a_transfer_number_through_the_environment(tmp_path: Path) -> None:
    """The number a transfer-to-phone-number dials is exported as the environment file maps it
    (the development number in the YAML, the production one in the export).  Kills
    flowrt.connect.export_blocks.x__params__mutmut_74 (looked up under another kind: the number
    exported as written)."""
    flow = (
        "flow: t\nstart: call\nblocks:\n  call:\n    type: transfer-to-phone-number\n"
        '    phone-number: "+18005550100"\n    next: {error: bye}\n'
        "  bye: {type: disconnect}\n"
    )
    (tmp_path / "instance.yaml").write_text(INSTANCE, encoding="utf-8")
    (tmp_path / "t.flow.yaml").write_text(flow, encoding="utf-8")
    env = Environment("prod", {"phone-numbers": {"+18005550100": "+18005550199"}})
    diags, written = export_paths([str(tmp_path)], str(tmp_path / "out"), env=env)
    assert [d.code for d in diags] == []
    actions = json.loads(written[0].read_text(encoding="utf-8"))["Actions"]
    assert [
        a["Parameters"]["ThirdPartyPhoneNumber"]
        for a in actions
        if "Parameters" in a and (a["Type"] == "TransferParticipantToThirdParty")
    ] == ["+18005550199"]


def test_an_unmapped_lambda_function_points_at_its_name(tmp_path: Path) -> None:
    """FR414 for a Lambda function with no ARN (not in the environment, no `arn:` in
    instance.yaml) points at the block's `function:`, line 6.  Kills
    flowrt.connect.export_blocks.x__params__mutmut_341 (the path `FUNCTION`, which the block
    has not: the diagnostic pointed elsewhere)."""
    (tmp_path / "instance.yaml").write_text(
        INSTANCE + "lambda-functions:\n  lookup: {}\n", encoding="utf-8"
    )
    (tmp_path / "l.flow.yaml").write_text(
        "flow: l\nstart: call\nblocks:\n  call:\n    type: invoke-lambda\n"
        "    function: lookup\n    next: {success: bye, error: bye}\n  bye: {type: disconnect}\n",
        encoding="utf-8",
    )
    diags, _ = export_paths([str(tmp_path)], str(tmp_path / "out"))
    assert [(d.code, d.message, d.span.line, d.span.column) for d in diags if d.span] == [
        (
            "FR414",
            "block `call`: Lambda function `lookup` is not mapped to an ARN or ID; it is "
            "exported as written",
            6,
            15,
        )
    ]


# ---------------------------------------------------------------------------------------------
# flowrt/email/: the client's errors and the mailbox


def test_an_error_with_no_operation_names_none() -> None:
    """An API error made without an operation says only its code and message, as botocore's
    ClientError does.  Kills flowrt.email.errors.xǁConnectErrorǁ__init____mutmut_33 (text put
    where the operation would be: "(ConnectException)XXXX: ...")."""
    assert str(ConnectError("the queue is full")) == (
        "An error occurred (ConnectException): the queue is full"
    )


def test_a_parameter_validation_error_names_its_operation() -> None:
    """A call whose parameters break the operation's shape raises ParamValidationError that
    knows the operation it was refused for.  Kills
    flowrt.email.params.xǁParamValidationErrorǁ__init____mutmut_6 (the operation dropped:
    `operation_name` empty)."""
    connect = ConnectClient(load_project(FLOWS).compile())
    with pytest.raises(ParamValidationError) as caught:
        connect.associate_queue_email_addresses(
            InstanceId="anycompany",
            QueueId="Premium",
            EmailAddressesConfig=[{"EmailAddressId": 3}],
        )
    assert caught.value.operation_name == "AssociateQueueEmailAddresses"
    assert str(caught.value) == (
        "Parameter validation failed:\nInvalid type for parameter "
        "EmailAddressesConfig[0].EmailAddressId, value: 3, type: <class 'int'>, valid types: "
        "<class 'str'>"
    )


def test_associating_an_address_twice_lists_it_once() -> None:
    """Associating with a queue an address it already has changes nothing: the queue lists it
    once.  Kills flowrt.email.mailbox.xǁMailboxǁassociate_queue_addresses__mutmut_55 (the
    address compared in upper case with the lower-case ones: added a second time)."""
    connect = ConnectClient(load_project(FLOWS).compile())

    def listed() -> list[str]:
        found = connect.list_queue_email_addresses(InstanceId="anycompany", QueueId="Premium")
        return [a["Id"] for a in found["EmailAddressMetadataList"]]

    before = listed()
    for _ in range(2):
        connect.associate_queue_email_addresses(
            InstanceId="anycompany",
            QueueId="Premium",
            EmailAddressesConfig=[{"EmailAddressId": "support@anybrand.example"}],
        )
    assert listed() == [*before, "support@anybrand.example"]


def test_an_unknown_nested_request_parameter_names_its_parent() -> None:
    """An unknown parameter two levels down a StartEmailContact request names the path of the
    object it is in, dot-joined as botocore does.  Kills
    flowrt.email.request.x_parse_request__mutmut_26 (the path joined with "XX.XX")."""
    raw = {"Subject": "s", "Body": "b", "ContentType": "text/plain", "Extra": 1}
    req, problems = parse_request({"EmailMessage": {"RawMessage": raw}})
    assert req is None
    assert [(p.error, p.message, p.path) for p in problems] == [
        (
            InvalidRequestException,
            'Unknown parameter in EmailMessage.RawMessage: "Extra"',
            ("EmailMessage", "RawMessage", "Extra"),
        )
    ]


# ---------------------------------------------------------------------------------------------
# flowrt/lang/: block run steps, the instance file


def test_transfer_to_agent_of_a_chat_ends_in_error(tmp_path: Path) -> None:
    """transfer-to-agent is voice only: a chat contact ends the run with the outcome `error`
    and the reason.  Kills flowrt.lang.blocks.flow_control.xǁTransferToAgentǁcompile_step__mutmut_6
    (the outcome dropped: the reason taken as the outcome's kind)."""
    flow = "flow: x\ntype: agent-transfer\nstart: a\nblocks:\n  a: {type: transfer-to-agent}\n"
    program = _program(tmp_path, INSTANCE, x=flow)
    outcome = program.run({"channel": "CHAT"}, {}, flow="x").outcome
    assert (outcome.kind, outcome.block, outcome.reason) == (
        "error",
        "a",
        "transfer to agent is voice only, not CHAT",
    )


def test_set_contact_data_records_each_setting_by_name(tmp_path: Path) -> None:
    """set-contact-data records the language, the name and the description it sets, each
    under its own word (traces, goldens).  Kills
    flowrt.lang.blocks.settings.xǁSetContactDataǁcompile_step__mutmut_8 (the name recorded
    as `NAME`)."""
    flow = (
        "flow: x\nstart: a\nblocks:\n  a:\n    type: set-contact-data\n"
        "    language-code: en-AU\n    name: Ana\n    contact-description: VIP\n    next: e\n"
        "  e: {type: end-flow}\n"
    )
    program = _program(tmp_path, INSTANCE, x=flow)
    facts = program.run({}, {}, flow="x").trace.steps()[0]["facts"]
    assert [(f["setting"], f["text"]) for f in facts] == [
        ("language", "language: en-AU"),
        ("name", "name: Ana"),
        ("description", "description: VIP"),
    ]


def test_an_unknown_instance_key_holding_a_mapping_leaves_the_rest_usable() -> None:
    """instance.yaml with an unknown key whose value is a mapping: the key is left out and the
    queues still count.  Kills flowrt.lang.instance.x__leave_out__mutmut_20 (`and` made `or`:
    a one-key error location indexed at [1], IndexError when the project loads)."""
    data = {"instance": "t", "queues": {"Support": {}}, "extras": {"a": 1}}
    inst, gaps = partial_instance(data)
    assert inst is not None
    assert list(inst.queues) == ["Support"]
    assert (gaps.entries, gaps.open, gaps.unread) == ({}, {"extras"}, False)


# ---------------------------------------------------------------------------------------------
# flowrt/run/calls.py: attributes of the related contact


def test_a_dynamic_key_naming_a_bad_attribute_of_the_related_contact_is_an_error(
    tmp_path: Path,
) -> None:
    """target-contact: related, a dynamic key that holds `bad key`: the block takes `error`
    and records an error fact that says why.  Kills
    flowrt.run.calls.x_set_related_attributes__mutmut_33 (the fact's kind `XXerrorXX`)."""
    flow = (
        "flow: x\nstart: a\nblocks:\n  a:\n    type: set-contact-attributes\n"
        "    target-contact: related\n    attributes: {$.Attributes.field: gold}\n"
        "    next: {success: e, error: e}\n  e: {type: end-flow}\n"
    )
    program = _program(tmp_path, INSTANCE, x=flow)
    contact = PreparedContact(extra={("RelatedContactId",): "c-0"}, attributes={"field": "bad key"})
    result = program.run(contact, {}, flow="x")
    assert result.branches() == [("a", "error"), ("e", "-")]
    message = (
        "the attribute key $.Attributes.field holds `bad key`, not only letters, digits, `-` "
        "and `_`: nothing was set"
    )
    assert result.trace.steps()[0]["facts"] == [
        {"kind": "error", "text": f"error: {message}", "message": message}
    ]
