"""Legacy console exports (`modules`) -> flow language actions -> export as 2019-10-30.

Each converter is pinned to the exact action the current console writes for the same block; the
Lex bot with three intents keeps its three branches; FR403 names the parameter that has no
equivalent; FR440 says a resource was left unchosen.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from flowrt.cli import main
from flowrt.connect.files import parse_source
from flowrt.connect.importer import import_source
from flowrt.connect.legacy import convert_legacy
from flowrt.project.driver import check_paths


def _module(kind: str, params: list[dict[str, Any]], branches: list[dict[str, Any]], **kw: Any):
    return {"id": "m", "type": kind, "parameters": params, "branches": branches, **kw}


def _legacy(*modules: dict[str, Any], start: str | None = None) -> dict[str, Any]:
    return {
        "modules": list(modules),
        "version": "1",
        "type": "contactFlow",
        "start": start or modules[0]["id"],
        "metadata": {"entryPointPosition": {"x": 20, "y": 20}},
    }


def _ok(target: str = "n") -> list[dict[str, str]]:
    return [{"condition": "Success", "transition": target}]


def _ok_err() -> list[dict[str, str]]:
    return [{"condition": "Success", "transition": "n"}, {"condition": "Error", "transition": "e"}]


def _convert(module: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    content, diags = convert_legacy(_legacy(module), "old.json")
    return content["Actions"][0], [f"{d.code} {d.message}" for d in diags]


_NO_ERRORS = {"NextAction": "n", "Errors": [], "Conditions": []}
_ONE_ERROR = {
    "NextAction": "n",
    "Errors": [{"NextAction": "e", "ErrorType": "NoMatchingError"}],
    "Conditions": [],
}

CASES = [
    pytest.param(
        _module(
            "SetEventHook",
            [
                {"name": "Type", "value": "CustomerRemaining"},
                {"name": "ContactFlowId", "value": "", "resourceName": "Basic Chat Disconnect"},
            ],
            _ok_err(),
        ),
        "UpdateContactEventHooks",
        {"EventHooks": {"CustomerRemaining": "Basic Chat Disconnect"}},
        _ONE_ERROR,
        id="SetEventHook",
    ),
    pytest.param(
        _module(
            "SetContactFlow",
            [
                {"name": "ContactFlowId", "value": "arn:aws:connect:x:1:instance/i/contact-flow/q"},
                {"name": "Type", "value": "CustomerQueue"},
            ],
            _ok(),
        ),
        "UpdateContactEventHooks",
        {"EventHooks": {"CustomerQueue": "arn:aws:connect:x:1:instance/i/contact-flow/q"}},
        _NO_ERRORS,
        id="SetContactFlow",
    ),
    pytest.param(
        _module(
            "SetRecordingBehavior",
            [
                {"name": "RecordingBehaviorOption", "value": "Enable"},
                {"name": "RecordingParticipantOption", "value": "Both"},
            ],
            _ok(),
        ),
        "UpdateContactRecordingBehavior",
        {"RecordingBehavior": {"RecordedParticipants": ["Agent", "Customer"]}},
        _NO_ERRORS,
        id="SetRecordingBehavior-both",
    ),
    pytest.param(
        _module(
            "SetRecordingBehavior", [{"name": "RecordingBehaviorOption", "value": "Disable"}], _ok()
        ),
        "UpdateContactRecordingBehavior",
        {"RecordingBehavior": {"RecordedParticipants": []}},
        _NO_ERRORS,
        id="SetRecordingBehavior-off",
    ),
    pytest.param(
        _module(
            "StartMediaStreaming",
            [
                {"name": "Track", "value": "FromCustomer"},
                {"name": "Track", "value": "ToCustomer"},
                {"name": "MediaStreamTypes", "value": "Audio"},
            ],
            _ok_err(),
        ),
        "UpdateContactMediaStreamingBehavior",
        {
            "MediaStreamingState": "Enabled",
            "MediaStreamType": "Audio",
            "Participants": [{"ParticipantType": "Customer", "MediaDirections": ["From", "To"]}],
        },
        _ONE_ERROR,
        id="StartMediaStreaming",
    ),
    pytest.param(
        _module(
            "StopMediaStreaming",
            [
                {"name": "Track", "value": "FromCustomer"},
                {"name": "MediaStreamTypes", "value": "Audio"},
            ],
            _ok_err(),
        ),
        "UpdateContactMediaStreamingBehavior",
        {
            "MediaStreamingState": "Disabled",
            "MediaStreamType": "Audio",
            "Participants": [{"ParticipantType": "Customer", "MediaDirections": ["From"]}],
        },
        _ONE_ERROR,
        id="StopMediaStreaming",
    ),
    pytest.param(
        _module(
            "SetVoice",
            [
                {"name": "GlobalVoice", "value": "Joanna"},
                {"name": "GlobalEngine", "value": "Neural"},
                {"name": "SpeakingStyle", "value": "None"},
            ],
            _ok(),
        ),
        "UpdateContactTextToSpeechVoice",
        {
            "TextToSpeechVoice": "Joanna",
            "TextToSpeechEngine": "Neural",
            "TextToSpeechStyle": "None",
        },
        _NO_ERRORS,
        id="SetVoice-engine",
    ),
    pytest.param(
        _module("UpdateRoutingPriority", [{"name": "AbsolutePosition", "value": 1}], _ok()),
        "UpdateContactRoutingBehavior",
        {"QueuePriority": "1"},
        _NO_ERRORS,
        id="UpdateRoutingPriority",
    ),
    pytest.param(
        _module(
            "StoreUserInput",
            [
                {"name": "Text", "value": "Enter the extension", "namespace": None},
                {"name": "TextToSpeechType", "value": "text"},
                {"name": "CustomerInputType", "value": "Custom"},
                {"name": "Timeout", "value": "5"},
                {"name": "MaxDigits", "value": 6},
                {"name": "EncryptEntry", "value": False},
                {"name": "TerminatorDigits", "value": "#", "namespace": None},
                {"name": "DisableCancel", "value": False},
            ],
            _ok_err(),
        ),
        "GetParticipantInput",
        {
            "Text": "Enter the extension",
            "TextToSpeechType": "text",
            "StoreInput": "True",
            "InputTimeLimitSeconds": "5",
            "InputValidation": {"CustomValidation": {"MaximumLength": "6"}},
            "DTMFConfiguration": {"InputTerminationSequence": "#", "DisableCancelKey": "False"},
        },
        _ONE_ERROR,
        id="StoreUserInput",
    ),
    pytest.param(
        _module(
            "InvokeExternalResource",
            [
                {"name": "FunctionArn", "value": "arn:aws:lambda:us-east-1:1:function:f"},
                {"name": "TimeLimit", "value": "8"},
                {
                    "name": "Parameter",
                    "key": "to",
                    "value": "Customer Number",
                    "namespace": "System",
                },
            ],
            _ok_err(),
            target="Lambda",
        ),
        "InvokeLambdaFunction",
        {
            "LambdaFunctionARN": "arn:aws:lambda:us-east-1:1:function:f",
            "InvocationTimeLimitSeconds": "8",
            "LambdaInvocationAttributes": {"to": "$.CustomerEndpoint.Address"},
        },
        _ONE_ERROR,
        id="InvokeExternalResource",
    ),
    pytest.param(
        _module(
            "PlayPrompt",
            [{"name": "AudioPrompt", "namespace": None, "resourceName": "Beep.wav"}],
            _ok(),
        ),
        "MessageParticipant",
        {"PromptId": "Beep.wav"},
        _NO_ERRORS,
        id="PlayPrompt-audio-by-name",
    ),
    pytest.param(
        _module(
            "PlayPrompt",
            [{"name": "AudioPrompt", "value": "greeting", "namespace": "User Defined"}],
            _ok(),
        ),
        "MessageParticipant",
        {"PromptId": "$.Attributes.greeting"},
        _NO_ERRORS,
        id="PlayPrompt-audio-dynamic",
    ),
    pytest.param(
        _module(
            "PlayPrompt",
            [
                {"name": "Text", "value": "<speak>Hi</speak>", "namespace": None},
                {"name": "TextToSpeechType", "value": "ssml"},
            ],
            _ok(),
        ),
        "MessageParticipant",
        {"SSML": "<speak>Hi</speak>", "TextToSpeechType": "ssml"},
        _NO_ERRORS,
        id="PlayPrompt-ssml",
    ),
    pytest.param(
        _module(
            "CheckAttribute",
            [
                {"name": "Attribute", "value": "Metrics.Queue.OldestContactAge"},
                {"name": "Namespace", "value": "System"},
            ],
            [
                {
                    "condition": "Evaluate",
                    "conditionType": "GreaterThan",
                    "conditionValue": "120",
                    "transition": "long",
                },
                {"condition": "NoMatch", "transition": "n"},
            ],
        ),
        "Compare",
        {"ComparisonValue": "$.Metrics.Queue.OldestContactAge"},
        {
            "NextAction": "n",
            "Errors": [{"NextAction": "n", "ErrorType": "NoMatchingCondition"}],
            "Conditions": [
                {
                    "NextAction": "long",
                    "Condition": {"Operator": "NumberGreaterThan", "Operands": ["120"]},
                }
            ],
        },
        id="CheckAttribute-queue-metric",
    ),
    pytest.param(
        _module(
            "CheckStaffing",
            [
                {"name": "Status", "value": "Online"},
                {"name": "Agent", "value": "agent", "namespace": "User Defined"},
            ],
            [
                {"condition": "True", "transition": "yes"},
                {"condition": "False", "transition": "no"},
                {"condition": "Error", "transition": "e"},
            ],
        ),
        "CheckMetricData",
        {"MetricType": "NumberOfAgentsOnline", "AgentId": "$.Attributes.agent"},
        {
            "NextAction": "e",
            "Errors": [
                {"NextAction": "no", "ErrorType": "NoMatchingCondition"},
                {"NextAction": "e", "ErrorType": "NoMatchingError"},
            ],
            "Conditions": [
                {
                    "NextAction": "yes",
                    "Condition": {"Operator": "NumberGreaterThan", "Operands": ["0"]},
                }
            ],
        },
        id="CheckStaffing-agent",
    ),
]


@pytest.mark.parametrize(("module", "kind", "params", "transitions"), CASES)
def test_each_legacy_module_becomes_its_modern_action(
    module: dict[str, Any], kind: str, params: dict[str, Any], transitions: dict[str, Any]
) -> None:
    action, diags = _convert(module)
    assert diags == []
    assert action == {
        "Identifier": "m",
        "Type": kind,
        "Parameters": params,
        "Transitions": transitions,
    }


def _lex_flow() -> dict[str, Any]:
    def say(ident: str, text: str) -> dict[str, Any]:
        params = [{"name": "Text", "value": text, "namespace": None}]
        return {"id": ident, "type": "PlayPrompt", "parameters": params, "branches": _ok("bye")}

    ask = {
        "id": "ask",
        "type": "GetUserInput",
        "target": "Lex",
        "parameters": [
            {"name": "Text", "value": "How can I help?", "namespace": None},
            {"name": "TextToSpeechType", "value": "text"},
            {"name": "BotName", "value": "BankBot"},
            {"name": "BotAlias", "value": "prod"},
            {"name": "BotRegion", "value": "us-east-1"},
            {
                "name": "Parameter",
                "key": "caller",
                "value": "Customer Number",
                "namespace": "System",
            },
        ],
        "branches": [
            {
                "condition": "Evaluate",
                "conditionType": "Equals",
                "conditionValue": i,
                "transition": t,
            }
            for i, t in (("CheckBalance", "balance"), ("PayBill", "pay"), ("TalkToAgent", "agent"))
        ]
        + [
            {"condition": "NoMatch", "transition": "sorry"},
            {"condition": "Error", "transition": "sorry"},
        ],
    }
    return _legacy(
        ask,
        say("balance", "Your balance is fine."),
        say("pay", "Paying."),
        say("agent", "One moment."),
        say("sorry", "Sorry."),
        {"id": "bye", "type": "Disconnect", "parameters": [], "branches": []},
    )


def test_a_lex_bot_keeps_one_branch_per_intent(tmp_path: Path) -> None:
    """GetUserInput with a Lex bot and three `Evaluate` branches -> ConnectParticipantWithLexBot
    with three conditions: no edge dropped, no block left unreachable, all exported."""
    src = tmp_path / "lex.json"
    src.write_text(json.dumps(_lex_flow()), encoding="utf-8")
    out = tmp_path / "flows"
    assert main(["import", str(src), "-o", str(out)]) == 0
    parsed, _ = parse_source(src.read_text(encoding="utf-8"), str(src), "lex")
    assert parsed is not None
    flow = import_source(parsed).flow
    ask = flow["blocks"]["ask"]
    if ask["type"] == "lex-bot":  # the native block, where the branch has the lex-bot block type
        assert ask == {
            "type": "lex-bot",
            "text": "How can I help?",
            "bot-name": "BankBot",
            "bot-region": "us-east-1",
            "bot-alias": "prod",
            "session-attributes": {"caller": "$.CustomerEndpoint.Address"},
            "conditions": [
                {"equals": "CheckBalance", "next": "balance"},
                {"equals": "PayBill", "next": "pay"},
                {"equals": "TalkToAgent", "next": "agent"},
            ],
            "next": {"no-match": "sorry", "error": "sorry"},
        }
    else:  # the modern action kept as it is until the block type exists
        assert ask["action"] == "ConnectParticipantWithLexBot"
        assert ask["parameters"] == {
            "Text": "How can I help?",
            "LexBot": {"Name": "BankBot", "Region": "us-east-1", "Alias": "prod"},
            "LexSessionAttributes": {"caller": "$.CustomerEndpoint.Address"},
        }
        assert [(c["operands"], c["next"]) for c in ask["conditions"]] == [
            (["CheckBalance"], "balance"),
            (["PayBill"], "pay"),
            (["TalkToAgent"], "agent"),
        ]
        assert ask["next"] == {
            "success": "sorry",
            "NoMatchingCondition": "sorry",
            "NoMatchingError": "sorry",
        }
    diags, _ = check_paths([str(out)])
    assert [d.code for d in diags] == ["FR036"]  # no instance.yaml; nothing unreachable (FR030)
    assert main(["export", str(out), "-o", str(tmp_path / "out")]) == 0
    exported = json.loads((tmp_path / "out" / "lex.json").read_text(encoding="utf-8"))
    assert exported["Version"] == "2019-10-30"
    lex = exported["Actions"][0]
    assert lex["Type"] == "ConnectParticipantWithLexBot"
    assert [
        (c["Condition"]["Operands"], c["NextAction"]) for c in lex["Transitions"]["Conditions"]
    ] == [
        (["CheckBalance"], "balance"),
        (["PayBill"], "pay"),
        (["TalkToAgent"], "agent"),
    ]
    assert lex["Transitions"]["Errors"] == [
        {"NextAction": "sorry", "ErrorType": "NoMatchingCondition"},
        {"NextAction": "sorry", "ErrorType": "NoMatchingError"},
    ]


def test_a_lex_v2_bot_is_named_by_its_alias_arn() -> None:
    arn = "arn:aws:lex:us-east-1:1:bot-alias/B/A"
    module = _module(
        "GetUserInput",
        [{"name": "BotAliasArn", "value": arn}],
        [{"condition": "Error", "transition": "e"}],
        target="Lex",
    )
    action, diags = _convert(module)
    assert diags == []
    assert action["Type"] == "ConnectParticipantWithLexBot"
    assert action["Parameters"] == {"LexV2Bot": {"AliasArn": arn}}


@pytest.mark.parametrize(
    ("module", "why"),
    [
        pytest.param(
            _module(
                "CheckStaffing",
                [{"name": "Status", "value": "Online"}, {"name": "Skill", "value": "x"}],
                [],
            ),
            "CheckStaffing with parameter `Skill`",
            id="names-the-parameter",
        ),
        pytest.param(
            _module("CheckStaffing", [{"name": "Status", "value": "Busy"}], []),
            "CheckStaffing with `Status` 'Busy'",
            id="names-the-status",
        ),
        pytest.param(
            _module("SetEventHook", [{"name": "Type", "value": "Lunch"}], []),
            "SetEventHook with `Type` 'Lunch' (not an event hook of Amazon Connect)",
            id="unknown-hook",
        ),
        pytest.param(
            _module("Teleport", [], []),
            "no flow-language action for module type `Teleport`",
            id="unknown-module",
        ),
        pytest.param(
            _module(
                "SetVoice",
                [{"name": "GlobalVoice", "value": "Joanna"}],
                [{"condition": "Timeout", "transition": "x"}],
            ),
            "branch 'Timeout' (the UpdateContactTextToSpeechVoice action has no such branch)",
            id="unknown-branch",
        ),
    ],
)
def test_fr403_names_what_has_no_equivalent(module: dict[str, Any], why: str) -> None:
    action, diags = _convert(module)
    kind = module["type"]
    assert diags == [
        f"FR403 legacy module `{kind}` (m): {why}; kept as a pass-through that export refuses"
    ]
    assert action["Type"] == f"legacy:{kind}"


def test_an_unchosen_resource_is_fr440_and_an_empty_value() -> None:
    module = _module(
        "InvokeExternalResource",
        [{"name": "FunctionArn", "namespace": None}, {"name": "TimeLimit", "value": "3"}],
        _ok_err(),
        target="Lambda",
    )
    action, diags = _convert(module)
    assert diags == [
        "FR440 legacy module `InvokeExternalResource` (m): `FunctionArn` names nothing (no value "
        "and no resource name); imported as an empty value"
    ]
    assert action["Parameters"] == {"LambdaFunctionARN": "", "InvocationTimeLimitSeconds": "3"}


def test_the_vendored_legacy_chat_flow_exports_as_flow_language(tmp_path: Path) -> None:
    """Basic_Chat.json (SetEventHook included) imports without FR403 and exports (exit 0)."""
    src = Path(__file__).parent / "data" / "connect-flows" / "amazon-connect-chat-ui-examples"
    out = tmp_path / "flows"
    assert main(["import", str(src / "Basic_Chat.json"), "-o", str(out)]) == 0
    text = (out / "basic-chat.flow.yaml").read_text(encoding="utf-8")
    assert "legacy:" not in text
    assert main(["export", str(out), "-o", str(tmp_path / "out")]) == 0
    exported = json.loads((tmp_path / "out" / "basic-chat.json").read_text(encoding="utf-8"))
    hooks = [a for a in exported["Actions"] if a["Type"] == "UpdateContactEventHooks"]
    assert [a["Parameters"] for a in hooks] == [
        {"EventHooks": {"CustomerRemaining": "Basic Chat Disconnect Flow"}}
    ]
