"""Connect import and export of the blocks the world answers: lex-bot, show-view, loop,
invoke-module and the customer profile blocks.

Each case is an action as Amazon Connect writes it (copied from a real export where one exists,
else written from the flow language reference) and the native block it is in flowrt: importing
the action gives exactly the block, exporting the block gives exactly the action.
"""

from __future__ import annotations

from typing import Any

import pytest

from flowrt.connect.export import export_flow
from flowrt.connect.files import Source
from flowrt.connect.importer import import_source
from flowrt.lang.blocks import BLOCKS, Flow

NAME = "under-test"
TARGETS = ("on-a", "on-b", "on-c", "on-d", "on-e")

#: (flow type, action, block) per case.
CASES: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {
    # aws-samples/amazon-connect-cicd-workshop ACME_Main.json (Lex V2, intents as conditions).
    "lex-v2": (
        "contact",
        {
            "Parameters": {
                "Text": "Which department do you need to speak to?",
                "LexV2Bot": {"AliasArn": "$.External.ACME_lexbot"},
            },
            "Identifier": NAME,
            "Type": "ConnectParticipantWithLexBot",
            "Transitions": {
                "NextAction": "on-a",
                "Conditions": [
                    {
                        "NextAction": "on-b",
                        "Condition": {"Operator": "Equals", "Operands": ["Sales"]},
                    },
                    {
                        "NextAction": "on-c",
                        "Condition": {"Operator": "Equals", "Operands": ["Finance"]},
                    },
                ],
                "Errors": [
                    {"NextAction": "on-d", "ErrorType": "NoMatchingCondition"},
                    {"NextAction": "on-a", "ErrorType": "NoMatchingError"},
                ],
            },
        },
        {
            "type": "lex-bot",
            "text": "Which department do you need to speak to?",
            "bot": "$.External.ACME_lexbot",
            "conditions": [
                {"equals": "Sales", "next": "on-b"},
                {"equals": "Finance", "next": "on-c"},
            ],
            "next": {"no-match": "on-d", "error": "on-a"},
        },
    ),
    # amazon-connect-workshops LexQAFlow.json (Lex Classic; NoMatchingError listed first).
    "lex-classic": (
        "contact",
        {
            "Parameters": {
                "Text": "$.Attributes.udPlay",
                "LexBot": {"Name": "QA", "Region": "us-east-1", "Alias": "prod"},
            },
            "Identifier": NAME,
            "Transitions": {
                "NextAction": "on-a",
                "Errors": [
                    {"NextAction": "on-a", "ErrorType": "NoMatchingError"},
                    {"NextAction": "on-b", "ErrorType": "NoMatchingCondition"},
                ],
                "Conditions": [
                    {
                        "NextAction": "on-c",
                        "Condition": {"Operator": "Equals", "Operands": ["QAFallback"]},
                    },
                ],
            },
            "Type": "ConnectParticipantWithLexBot",
        },
        {
            "type": "lex-bot",
            "text": "$.Attributes.udPlay",
            "bot-name": "QA",
            "bot-region": "us-east-1",
            "bot-alias": "prod",
            "conditions": [{"equals": "QAFallback", "next": "on-c"}],
            "next": {"error": "on-a", "no-match": "on-b"},
        },
    ),
    # amazon-connect-with-amazon-lex-genai-capabilities samplecontactflow.json (session attributes).
    "lex-session": (
        "contact",
        {
            "Parameters": {
                "Text": "Is there anything else I can help you with today?",
                "LexV2Bot": {
                    "AliasArn": "arn:aws:lex:us-west-2:123456789:bot-alias/YY9557EM03/LQ1YCOYG6U"
                },
                "LexSessionAttributes": {"available_intents": "no,yes"},
            },
            "Identifier": NAME,
            "Type": "ConnectParticipantWithLexBot",
            "Transitions": {
                "NextAction": "on-a",
                "Conditions": [
                    {"NextAction": "on-a", "Condition": {"Operator": "Equals", "Operands": ["no"]}},
                    {
                        "NextAction": "on-b",
                        "Condition": {"Operator": "Equals", "Operands": ["yes"]},
                    },
                ],
                "Errors": [
                    {"NextAction": "on-b", "ErrorType": "NoMatchingCondition"},
                    {"NextAction": "on-a", "ErrorType": "NoMatchingError"},
                ],
            },
        },
        {
            "type": "lex-bot",
            "text": "Is there anything else I can help you with today?",
            "bot": "arn:aws:lex:us-west-2:123456789:bot-alias/YY9557EM03/LQ1YCOYG6U",
            "session-attributes": {"available_intents": "no,yes"},
            "conditions": [{"equals": "no", "next": "on-a"}, {"equals": "yes", "next": "on-b"}],
            "next": {"no-match": "on-b", "error": "on-a"},
        },
    ),
    # amazon-connect-chat-based-attachments-email-integration View-Mail (a confirmation view).
    "show-view": (
        "contact",
        {
            "Parameters": {
                "ViewResource": {
                    "Id": "arn:aws:connect:us-west-2:aws:view/confirmation:1",
                    "Version": "Latest",
                },
                "ViewData": {
                    "Heading": "Message sent",
                    "Next": {"Label": "Cerrar"},
                    "SubHeading": "Message has been sent",
                },
                "InvocationTimeLimitSeconds": "59940",
            },
            "Identifier": NAME,
            "Type": "ShowView",
            "Transitions": {
                "NextAction": "on-a",
                "Conditions": [
                    {
                        "NextAction": "on-b",
                        "Condition": {"Operator": "Equals", "Operands": ["Next"]},
                    }
                ],
                "Errors": [
                    {"NextAction": "on-c", "ErrorType": "NoMatchingCondition"},
                    {"NextAction": "on-a", "ErrorType": "NoMatchingError"},
                    {"NextAction": "on-d", "ErrorType": "TimeLimitExceeded"},
                ],
            },
        },
        {
            "type": "show-view",
            "view": "arn:aws:connect:us-west-2:aws:view/confirmation:1",
            "view-version": "Latest",
            "timeout-seconds": 59940,
            "view-data": {
                "Heading": "Message sent",
                "Next": {"Label": "Cerrar"},
                "SubHeading": "Message has been sent",
            },
            "conditions": [{"equals": "Next", "next": "on-b"}],
            "next": {"no-match": "on-c", "error": "on-a", "timeout": "on-d"},
        },
    ),
    # goodmeasures _0x_voicemail_flow.json (DoneLooping first, empty Errors).
    "loop-done-first": (
        "contact",
        {
            "Parameters": {"LoopCount": "5"},
            "Identifier": NAME,
            "Transitions": {
                "NextAction": "on-a",
                "Errors": [],
                "Conditions": [
                    {
                        "NextAction": "on-a",
                        "Condition": {"Operator": "Equals", "Operands": ["DoneLooping"]},
                    },
                    {
                        "NextAction": "on-b",
                        "Condition": {"Operator": "Equals", "Operands": ["ContinueLooping"]},
                    },
                ],
            },
            "Type": "Loop",
        },
        {"type": "loop", "count": 5, "next": {"done": "on-a", "continue": "on-b"}},
    ),
    # sample-amazon-connect-outbound-call InitModule.json (ContinueLooping first, in a module).
    "loop-continue-first": (
        "module",
        {
            "Parameters": {"LoopCount": "2"},
            "Identifier": NAME,
            "Type": "Loop",
            "Transitions": {
                "NextAction": "on-a",
                "Conditions": [
                    {
                        "NextAction": "on-b",
                        "Condition": {"Operator": "Equals", "Operands": ["ContinueLooping"]},
                    },
                    {
                        "NextAction": "on-a",
                        "Condition": {"Operator": "Equals", "Operands": ["DoneLooping"]},
                    },
                ],
            },
        },
        {"type": "loop", "count": 2, "next": {"continue": "on-b", "done": "on-a"}},
    ),
    # gitlab-cicd-terraform acme_main_AUTO.json (the module from a flow attribute).
    "invoke-module": (
        "contact",
        {
            "Parameters": {"FlowModuleId": "$.FlowAttributes.acme_contact_flow_module_AUTO"},
            "Identifier": NAME,
            "Type": "InvokeFlowModule",
            "Transitions": {
                "NextAction": "on-a",
                "Errors": [{"NextAction": "on-b", "ErrorType": "NoMatchingError"}],
            },
        },
        {
            "type": "invoke-module",
            "module": "$.FlowAttributes.acme_contact_flow_module_AUTO",
            "next": {"success": "on-a", "error": "on-b"},
        },
    ),
    # No real export has the customer profile actions: written from the reference pages.
    "get-customer-profile": (
        "contact",
        {
            "Identifier": NAME,
            "Type": "GetCustomerProfile",
            "Parameters": {
                "ProfileRequestData": {"PhoneNumber": "$.CustomerEndpoint.Address"},
                "ProfileResponseData": ["FirstName", "AccountNumber"],
            },
            "Transitions": {
                "NextAction": "on-a",
                "Errors": [
                    {"NextAction": "on-b", "ErrorType": "NoneFoundError"},
                    {"NextAction": "on-c", "ErrorType": "MultipleFoundError"},
                    {"NextAction": "on-d", "ErrorType": "NoMatchingError"},
                ],
            },
        },
        {
            "type": "get-customer-profile",
            "phone-number": "$.CustomerEndpoint.Address",
            "fields": ["FirstName", "AccountNumber"],
            "next": {
                "success": "on-a",
                "not-found": "on-b",
                "multiple-found": "on-c",
                "error": "on-d",
            },
        },
    ),
    "create-customer-profile": (
        "contact",
        {
            "Identifier": NAME,
            "Type": "CreateCustomerProfile",
            "Parameters": {
                "ProfileRequestData": {
                    "PhoneNumber": "$.CustomerEndpoint.Address",
                    "FirstName": "$.Attributes.name",
                },
                "ProfileResponseData": ["FirstName"],
            },
            "Transitions": {
                "NextAction": "on-a",
                "Errors": [{"NextAction": "on-b", "ErrorType": "NoMatchingError"}],
            },
        },
        {
            "type": "create-customer-profile",
            "values": {
                "PhoneNumber": "$.CustomerEndpoint.Address",
                "FirstName": "$.Attributes.name",
            },
            "fields": ["FirstName"],
            "next": {"success": "on-a", "error": "on-b"},
        },
    ),
    "update-customer-profile": (
        "contact",
        {
            "Identifier": NAME,
            "Type": "UpdateCustomerProfile",
            "Parameters": {"ProfileRequestData": {"City": "Lisbon"}},
            "Transitions": {
                "NextAction": "on-a",
                "Errors": [{"NextAction": "on-b", "ErrorType": "NoMatchingError"}],
            },
        },
        {
            "type": "update-customer-profile",
            "values": {"City": "Lisbon"},
            "next": {"success": "on-a", "error": "on-b"},
        },
    ),
}

_WRAPPER = {"contact": "CONTACT_FLOW", "module": "CONTACT_FLOW_MODULE"}


def _end(flow_type: str) -> tuple[str, str]:
    return (
        ("EndFlowModuleExecution", "end-flow")
        if flow_type == "module"
        else (
            "DisconnectParticipant",
            "disconnect",
        )
    )


def _import(flow_type: str, action: dict[str, Any]) -> dict[str, Any]:
    kind = _end(flow_type)[0]
    targets = [
        {"Identifier": t, "Type": kind, "Parameters": {}, "Transitions": {}} for t in TARGETS
    ]
    content = {
        "Version": "2019-10-30",
        "StartAction": NAME,
        "Metadata": {},
        "Actions": [action, *targets],
    }
    src = Source("world.json", "world", content, {"Name": "world", "Type": _WRAPPER[flow_type]})
    return import_source(src).flow


def _export(flow_type: str, block: dict[str, Any]) -> dict[str, Any]:
    blocks = {NAME: block, **{t: {"type": _end(flow_type)[1]} for t in TARGETS}}
    flow = {"flow": "world", "type": flow_type, "start": NAME, "blocks": blocks}
    model = Flow.model_validate({**flow, "blocks": {}})
    models = {n: BLOCKS[b["type"]].model_validate(b) for n, b in blocks.items()}
    content, diags = export_flow(model, models)
    assert [d.message for d in diags] == []
    assert content is not None
    return dict(content["Actions"][0])


@pytest.mark.parametrize("name", list(CASES))
def test_import_gives_the_native_block(name: str) -> None:
    flow_type, action, block = CASES[name]
    assert _import(flow_type, action)["blocks"][NAME] == block


@pytest.mark.parametrize("name", list(CASES))
def test_export_gives_the_literal_json(name: str) -> None:
    flow_type, action, block = CASES[name]
    out = _export(flow_type, block)
    # Connect's key order and empty lists are not meaningful; everything else is compared.
    trans = {k: v for k, v in action["Transitions"].items() if v != []}
    assert {**out, "Transitions": {k: v for k, v in out["Transitions"].items() if v != []}} == {
        **action,
        "Transitions": trans,
    }


def test_every_world_block_type_has_a_case() -> None:
    assert {block["type"] for _, _, block in CASES.values()} == {
        "lex-bot",
        "show-view",
        "loop",
        "invoke-module",
        "get-customer-profile",
        "create-customer-profile",
        "update-customer-profile",
    }


def test_a_lex_condition_other_than_equals_is_kept_as_a_pass_through() -> None:
    _, action, _ = CASES["lex-v2"]
    changed = {
        **action,
        "Transitions": {
            **action["Transitions"],
            "Conditions": [
                {
                    "NextAction": "on-b",
                    "Condition": {"Operator": "TextContains", "Operands": ["Sa"]},
                }
            ],
        },
    }
    block = _import("contact", changed)["blocks"][NAME]
    assert block["type"] == "connect-action"
    assert block["action"] == "ConnectParticipantWithLexBot"
