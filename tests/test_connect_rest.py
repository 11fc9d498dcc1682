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


# -- 2. GetParticipantInput whose NextAction is another transition's target ----------------------

# aws-samples/amazon-connect-rules-engine, RulesEngineDTMFInput.json: NextAction is the target of
# InputTimeLimitExceeded (and NoMatchingCondition, and condition 2), not of NoMatchingError.
INPUT_ID = "f41e265b-df5b-4335-81e6-e60723cab9e6"
REAL_INPUT = {
    "Parameters": {"StoreInput": "False", "InputTimeLimitSeconds": "10", "SSML": "<speak></speak>"},
    "Identifier": INPUT_ID,
    "Type": "GetParticipantInput",
    "Transitions": {
        "NextAction": "two",
        "Conditions": [
            {"NextAction": "one", "Condition": {"Operator": "Equals", "Operands": ["1"]}},
            {"NextAction": "two", "Condition": {"Operator": "Equals", "Operands": ["2"]}},
        ],
        "Errors": [
            {"NextAction": "two", "ErrorType": "InputTimeLimitExceeded"},
            {"NextAction": "two", "ErrorType": "NoMatchingCondition"},
            {"NextAction": "failed", "ErrorType": "NoMatchingError"},
        ],
    },
}


def _input_flow(action: dict[str, Any]) -> dict[str, Any]:
    ends = [
        {"Identifier": t, "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}
        for t in ("one", "two", "failed")
    ]
    return {
        "Version": "2019-10-30",
        "StartAction": INPUT_ID,
        "Metadata": {},
        "Actions": [action, *ends],
    }


def _import_file(tmp_path: Path, content: dict[str, Any]) -> Path:
    import json

    from flowrt.connect.importer import import_paths

    src = tmp_path / "src" / "menu.json"
    src.parent.mkdir()
    src.write_text(
        json.dumps({"Name": "menu", "Type": "CONTACT_FLOW", "Content": json.dumps(content)})
    )
    out = tmp_path / "project"
    out.mkdir()
    (out / "instance.yaml").write_text("instance: test\n")
    diags, _, imported = import_paths([str(src)], str(out))
    assert [d.code for d in diags] == []
    assert imported[0].not_native == []
    return out


def _export_file(project: Path) -> dict[str, Any]:
    import json

    from flowrt.connect.export import export_paths

    out = project.parent / f"out-{len(list(project.parent.glob('out-*')))}"
    diags, files = export_paths([str(project)], str(out))
    assert [d.message for d in diags if d.is_error] == []
    exported: dict[str, Any] = json.loads(files[0].read_text(encoding="utf-8"))
    return exported


def test_input_next_action_is_kept_in_the_side_file_and_exported_back(tmp_path: Path) -> None:
    import json

    from flowrt.connect.files import read_layout
    from flowrt.lang.loader import load_text

    project = _import_file(tmp_path, _input_flow(copy.deepcopy(REAL_INPUT)))
    flow_file = project / "menu.flow.yaml"
    data = load_text(flow_file.read_text()).data
    (name,) = [n for n, b in data["blocks"].items() if b["type"] == "get-customer-input"]
    block = data["blocks"][name]
    # The YAML holds the logic only: the native block with its branches.
    assert block == {
        "type": "get-customer-input",
        "id": INPUT_ID,
        "ssml": "<speak></speak>",
        "timeout-seconds": 10,
        "conditions": [{"equals": "1", "next": "one"}, {"equals": "2", "next": "two"}],
        "next": {"timeout": "two", "no-match": "two", "error": "failed"},
    }
    layout, problems = read_layout(flow_file)
    assert problems == []
    assert layout["flowrt-next-action"] == {INPUT_ID: {"ErrorType": "InputTimeLimitExceeded"}}
    exported = _export_file(project)
    (action,) = [a for a in exported["Actions"] if a["Identifier"] == INPUT_ID]
    assert same_action(action, REAL_INPUT)
    assert action["Transitions"]["NextAction"] == "two"
    # Without the side file's entry, export writes NextAction as the NoMatchingError target.
    del layout["flowrt-next-action"]
    (project / "menu.flow.layout.json").write_text(json.dumps(layout))
    exported = _export_file(project)
    (action,) = [a for a in exported["Actions"] if a["Identifier"] == INPUT_ID]
    assert action["Transitions"]["NextAction"] == "failed"


def test_input_next_action_of_a_condition_is_kept(tmp_path: Path) -> None:
    real = copy.deepcopy(REAL_INPUT)
    # Only condition 2 goes where NextAction goes.
    real["Transitions"]["Errors"][0]["NextAction"] = "failed"
    real["Transitions"]["Errors"][1]["NextAction"] = "failed"
    project = _import_file(tmp_path, _input_flow(real))
    exported = _export_file(project)
    (action,) = [a for a in exported["Actions"] if a["Identifier"] == INPUT_ID]
    assert same_action(action, real)


@pytest.mark.parametrize(
    ("said", "branch"), [("1", "condition-1"), ("2", "condition-2"), ("timeout", "timeout")]
)
def test_imported_input_runs_its_branches(tmp_path: Path, said: str, branch: str) -> None:
    project = _import_file(tmp_path, _input_flow(copy.deepcopy(REAL_INPUT)))
    from flowrt.lang.loader import load_text

    data = load_text((project / "menu.flow.yaml").read_text()).data
    (name,) = [n for n, b in data["blocks"].items() if b["type"] == "get-customer-input"]
    prog = load_project(str(project)).compile()
    result = prog.run({}, {"input": {name: said}}, flow="menu")
    assert result.branches()[0] == (name, branch)


# -- 3. UpdateContactRecordingBehavior and UpdateContactEventHooks of real exports -------------

# amazon-connect/voicemail-express-amazon-connect, CloudFormation/vmx3-contactflows.yaml (a module).
REAL_IVR_RECORDING = {
    "Parameters": {
        "RecordingBehavior": {"RecordedParticipants": [], "IVRRecordingBehavior": "Enabled"}
    },
    "Identifier": "Enable Automated Interaction Recording",
    "Type": "UpdateContactRecordingBehavior",
    "Transitions": {"NextAction": "ok"},
}
# roberthockley/cognigy-escalate-to-amazon-connect, terraform/connect_callflow.tf.
REAL_DISCONNECT_HOOK = {
    "Parameters": {
        "EventHooks": {"CustomerRemaining": "${aws_connect_contact_flow.disconnect_flow.arn}"}
    },
    "Identifier": "6848ba2b-5e30-45a9-b54e-acf8814838a9",
    "Type": "UpdateContactEventHooks",
    "Transitions": {
        "NextAction": "ok",
        "Errors": [{"NextAction": "ok", "ErrorType": "NoMatchingError"}],
    },
}


@pytest.mark.parametrize("flow_type", ["module", "contact"])
def test_automated_interaction_recording_is_native(flow_type: str) -> None:
    _round_trip(
        flow_type,
        _real(REAL_IVR_RECORDING),
        {
            "type": "set-recording-behavior",
            "recorded-participants": [],
            "ivr-recording": "Enabled",
            "next": "ok",
        },
    )


def test_disconnect_flow_hook_with_a_template_placeholder_is_native() -> None:
    _round_trip(
        "contact",
        _real(REAL_DISCONNECT_HOOK),
        {
            "type": "set-event-hook",
            "customer-remaining": "${aws_connect_contact_flow.disconnect_flow.arn}",
            "next": {"success": "ok", "error": "ok"},
        },
    )


SETTINGS_FLOW = """
flow: settings
start: ivr
blocks:
  ivr:
    type: set-recording-behavior
    recorded-participants: []
    ivr-recording: Enabled
    next: hook
  hook:
    type: set-event-hook
    customer-remaining: ${aws_connect_contact_flow.disconnect_flow.arn}
    next: {success: done, error: done}
  done: {type: disconnect}
"""


def test_recording_and_disconnect_hook_are_facts_of_the_run(tmp_path: Path) -> None:
    result = _program(tmp_path, {"settings": SETTINGS_FLOW}).run({}, {}, flow="settings")
    assert result.outcome.kind == "disconnected"
    assert _facts(result, "ivr") == ["recording: off", "automated interaction recording: on"]
    assert _facts(result, "hook") == [
        "event hook: CustomerRemaining -> ${aws_connect_contact_flow.disconnect_flow.arn}",
        # The hook's flow is outside the project: the run says it cannot run it.
        "`${aws_connect_contact_flow.disconnect_flow.arn}` is a flow of the Amazon Connect "
        "instance, not of the project: a dry run cannot run it when the event happens",
    ]
