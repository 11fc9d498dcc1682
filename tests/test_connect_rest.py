"""The last pass-throughs of real exports, now native blocks (issue 15).

Each case is an action copied from a real Amazon Connect export of ../connect-flows (or, where no
real export has the parameter, written from its page of the flow language reference): import of
the literal action gives the exact native block, export of that block gives the literal action
back, and a run shows the behaviour the action has in Amazon Connect.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from flowrt.connect.actions import same_action
from flowrt.lang.compiler import Program
from flowrt.project.driver import load_project
from flowrt.run.trace import Result, fact_text
from tests.test_connect_native_blocks import NAME, _export, _import


def _real(action: dict[str, Any]) -> dict[str, Any]:
    """The real action, renamed to the block under test (its targets are the test's ends)."""
    return {**copy.deepcopy(action), "Identifier": NAME}


def _round_trip(flow_type: str, action: dict[str, Any], block: dict[str, Any]) -> None:
    imported = _import(flow_type, copy.deepcopy(action))["blocks"][NAME]
    assert imported == block
    exported = _export(flow_type, block)
    assert same_action(exported, action), exported


def _program(tmp_path: Path, flows: dict[str, str]) -> Program:
    for name, text in flows.items():
        (tmp_path / f"{name}.flow.yaml").write_text(text)
    prog = load_project(str(tmp_path)).compile()
    assert [d.message for d in prog.diagnostics if d.is_error] == []
    return prog


def _facts(result: Result, block: str) -> list[str]:
    return [
        fact_text(f)
        for _, node, _, fs, _ in result.trace.records
        if node.name == block
        for f in fs or ()
    ]


# -- 1. $.CallbackNumber and the other documented system attributes ------------------------------

# aws-samples/amazon-connect-callbackmgmt, flows/cfAgentCallBackWhisperflow.
CALLBACK_ATTRS = {
    "Parameters": {
        "Attributes": {
            "CallbackNumber": "$.CallbackNumber",
            "ContactFlowName": "cbAgentCallBackWhisper",
        },
        "TargetContact": "Current",
    },
    "Identifier": "445091d5-fa5e-4eb9-aa7d-222aa3e351bf",
    "Type": "UpdateContactAttributes",
    "Transitions": {
        "NextAction": "ok",
        "Errors": [{"NextAction": "ok", "ErrorType": "NoMatchingError"}],
    },
}
# The same flow: the callback number as a Lambda function's input.
CALLBACK_LAMBDA = {
    "Parameters": {
        "LambdaFunctionARN": "arn:aws:lambda:us-east-1:055037574009:function:alpha-001-callbackmgmt-get-10-digit-phone",
        "InvocationTimeLimitSeconds": "8",
        "LambdaInvocationAttributes": {"enteredPhoneNumber": "$.CallbackNumber"},
        "ResponseValidation": {"ResponseType": "STRING_MAP"},
    },
    "Identifier": "10 digit formatted",
    "Type": "InvokeLambdaFunction",
    "Transitions": {
        "NextAction": "ok",
        "Errors": [{"NextAction": "bad", "ErrorType": "NoMatchingError"}],
    },
}


def test_callback_number_in_set_contact_attributes_is_native() -> None:
    _round_trip(
        "contact",
        _real(CALLBACK_ATTRS),
        {
            "type": "set-contact-attributes",
            "attributes": {
                "CallbackNumber": "$.CallbackNumber",
                "ContactFlowName": "cbAgentCallBackWhisper",
            },
            "target-contact": "current",
            "next": {"success": "ok", "error": "ok"},
        },
    )


def test_callback_number_as_a_lambda_parameter_is_native() -> None:
    _round_trip(
        "contact",
        _real(CALLBACK_LAMBDA),
        {
            "type": "invoke-lambda",
            "function": CALLBACK_LAMBDA["Parameters"]["LambdaFunctionARN"],
            "timeout-seconds": 8,
            "parameters": {"enteredPhoneNumber": "$.CallbackNumber"},
            "response-type": "string-map",
            "next": {"success": "ok", "error": "bad"},
        },
    )


CALLBACK_FLOW = """
flow: cb
start: copy
blocks:
  copy:
    type: set-contact-attributes
    attributes: {before: $.CallbackNumber}
    next: check
  check:
    type: check-contact-attributes
    attribute: $.Attributes.other
    conditions:
      - {equals: "", next: done}
    next: set
  set:
    type: set-callback-number
    callback-number: $.Attributes.other
    next: {success: after, invalid-number: done, not-dialable: done}
  after:
    type: set-contact-attributes
    attributes: {after: $.CallbackNumber, voice: $.TextToSpeechVoiceId}
    next: done
  done: {type: disconnect}
"""


def test_callback_number_reads_the_customers_number_until_one_is_set(tmp_path: Path) -> None:
    prog = _program(tmp_path, {"cb": CALLBACK_FLOW})
    contact = {"customer-endpoint": "+15555550100", "attributes": {"other": "+15555550199"}}
    result = prog.run(contact, {}, flow="cb")
    assert result.outcome.kind == "disconnected"
    # Before Set callback number: the customer's number, as Amazon Connect documents.
    assert _facts(result, "copy") == ['$.Attributes.before = "+15555550100" (was (unset))']
    assert _facts(result, "set") == ["callback number: +15555550199"]
    # After it: the number it set.  No voice was set, so $.TextToSpeechVoiceId is missing.
    assert _facts(result, "after") == [
        '$.Attributes.after = "+15555550199" (was (unset))',
        '$.Attributes.voice = "" (was (unset))',
    ]
    assert [r[4] for r in result.trace.records if r[1].name == "after"] == [
        ["$.TextToSpeechVoiceId"]
    ]


@pytest.mark.parametrize(
    "ref",
    [
        "$.CallbackNumber",
        "$.CustomerId",
        "$.InitiationMethod",
        "$.TextToSpeechVoiceId",
        "$.Task.ContactId",
        "$.Media.Sip.Headers.From",
    ],
)
def test_documented_system_attributes_are_known_references(ref: str) -> None:
    from flowrt.lang.expr import parse_reference

    assert parse_reference(ref).path[0] == ref[2:].split(".")[0]
