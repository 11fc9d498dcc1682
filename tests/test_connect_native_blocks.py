"""The native block types of flowrt.lang.blocks.settings and .flow_control, against Amazon Connect.

Each case is an action as Amazon Connect writes it (copied from a real export of
../connect-flows where one exists, else written from the action's page of the flow language
reference) and the native block it is.  Import of the literal action gives the literal block;
export of the block gives the literal action; and a shape outside the reference stays a
pass-through.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from flowrt.connect.env import Environment
from flowrt.connect.export import export_flow
from flowrt.connect.files import Source
from flowrt.connect.flowtypes import WRAPPER_TYPES
from flowrt.connect.importer import import_source
from flowrt.lang.blocks import BLOCKS, Flow

FLOW_ARN = "arn:aws:connect:us-east-1:111122223333:instance/inst-1/contact-flow/f-queue"
QUEUE = "arn:aws:connect:us-east-1:111122223333:instance/inst-1/queue/q-billing"
ENV = Environment("test", {"flows": {"queue-music": FLOW_ARN}, "queues": {"billing": QUEUE}})
WRAPPER = {v: k for k, v in WRAPPER_TYPES.items()}
NAME = "under-test"


def _act(type_: str, params: dict[str, Any], trans: dict[str, Any]) -> dict[str, Any]:
    return {"Identifier": NAME, "Type": type_, "Parameters": params, "Transitions": trans}


def _next(errors: tuple[str, ...] = (), conds: tuple[str, ...] = (), na: str = "ok") -> Any:
    return {
        "NextAction": na,
        "Errors": [{"NextAction": "bad", "ErrorType": e} for e in errors],
        "Conditions": [
            {"NextAction": f"on-{c}", "Condition": {"Operator": "Equals", "Operands": [c]}}
            for c in conds
        ],
    }


#: name -> (flow type, action, block).  Targets: `ok`, `bad`, `on-<operand>`.
CASES: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {
    # 18 real exports write exactly this (e.g. amazon-connect-rules-engine's flows).
    "logging": (
        "contact",
        _act("UpdateFlowLoggingBehavior", {"FlowLoggingBehavior": "Enabled"}, _next()),
        {"type": "set-logging-behavior", "flow-logging": "Enabled", "next": "ok"},
    ),
    "recording": (
        "contact",
        _act(
            "UpdateContactRecordingBehavior",
            {
                "RecordingBehavior": {"RecordedParticipants": ["Agent", "Customer"]},
                "AnalyticsBehavior": {
                    "Enabled": "True",
                    "AnalyticsLanguage": "en-US",
                    "AnalyticsRedactionBehavior": "Disabled",
                    "AnalyticsRedactionResults": "RedactedAndOriginal",
                    "ChannelConfiguration": {
                        "Chat": {"AnalyticsModes": []},
                        "Voice": {"AnalyticsModes": ["PostContact"]},
                    },
                },
            },
            _next(),
        ),
        {
            "type": "set-recording-behavior",
            "recorded-participants": ["Agent", "Customer"],
            "analytics": {
                "Enabled": "True",
                "AnalyticsLanguage": "en-US",
                "AnalyticsRedactionBehavior": "Disabled",
                "AnalyticsRedactionResults": "RedactedAndOriginal",
                "ChannelConfiguration": {
                    "Chat": {"AnalyticsModes": []},
                    "Voice": {"AnalyticsModes": ["PostContact"]},
                },
            },
            "next": "ok",
        },
    ),
    "voice": (
        "contact",
        _act(
            "UpdateContactTextToSpeechVoice",
            {
                "TextToSpeechEngine": "Neural",
                "TextToSpeechStyle": "None",
                "TextToSpeechVoice": "Olivia",
            },
            _next(),
        ),
        {"type": "set-voice", "voice": "Olivia", "engine": "Neural", "style": "None", "next": "ok"},
    ),
    "media-streaming": (
        "module",
        _act(
            "UpdateContactMediaStreamingBehavior",
            {
                "MediaStreamingState": "Enabled",
                "MediaStreamType": "Audio",
                "Participants": [{"ParticipantType": "Customer", "MediaDirections": ["From"]}],
            },
            _next(("NoMatchingError",)),
        ),
        {
            "type": "set-media-streaming",
            "streaming": "Enabled",
            "participants": [{"ParticipantType": "Customer", "MediaDirections": ["From"]}],
            "media-type": "Audio",
            "next": {"success": "ok", "error": "bad"},
        },
    ),
    "event-hook": (
        "contact",
        _act(
            "UpdateContactEventHooks",
            {
                "EventHooks": {"AgentWhisper": "$.FlowAttributes.acme_agent_whisper_AUTO"},
                "EventHooksConfiguration": {"AgentWhisper": {"DisableExecution": "false"}},
            },
            _next(("NoMatchingError",)),
        ),
        {
            "type": "set-event-hook",
            "agent-whisper": "$.FlowAttributes.acme_agent_whisper_AUTO",
            "configuration": {"AgentWhisper": {"DisableExecution": "false"}},
            "next": {"success": "ok", "error": "bad"},
        },
    ),
    "event-hook-arn": (
        "contact",
        _act(
            "UpdateContactEventHooks",
            {"EventHooks": {"CustomerQueue": FLOW_ARN}},
            _next(("NoMatchingError",)),
        ),
        {
            "type": "set-event-hook",
            "customer-queue": "queue-music",
            "next": {"success": "ok", "error": "bad"},
        },
    ),
    "tags": (
        "contact",
        _act("TagContact", {"Tags": {"Department": "Billing"}}, _next(("NoMatchingError",))),
        {
            "type": "tag-contact",
            "tags": {"Department": "Billing"},
            "next": {"success": "ok", "error": "bad"},
        },
    ),
    "contact-data": (
        "contact",
        _act("UpdateContactData", {"LanguageCode": "en-AU"}, _next(("NoMatchingError",))),
        {
            "type": "set-contact-data",
            "language-code": "en-AU",
            "next": {"success": "ok", "error": "bad"},
        },
    ),
    "callback-number": (
        "contact",
        _act(
            "UpdateContactCallbackNumber",
            {"CallbackNumber": "$.Attributes.callbackNumber"},
            _next(("InvalidCallbackNumber", "CallbackNumberNotDialable")),
        ),
        {
            "type": "set-callback-number",
            "callback-number": "$.Attributes.callbackNumber",
            "next": {"success": "ok", "invalid-number": "bad", "not-dialable": "bad"},
        },
    ),
    "routing-behavior": (
        "contact",
        _act("UpdateContactRoutingBehavior", {"QueuePriority": "2"}, _next()),
        {"type": "set-routing-behavior", "queue-priority": 2, "next": "ok"},
    ),
    "routing-criteria": (
        "contact",
        _act(
            "UpdateContactRoutingCriteria",
            {"RoutingCriteria": {"Steps": [{"Expiry": {"DurationInSeconds": "30"}}]}},
            _next(("NoMatchingError",)),
        ),
        {
            "type": "set-routing-criteria",
            "routing-criteria": {"Steps": [{"Expiry": {"DurationInSeconds": "30"}}]},
            "next": {"success": "ok", "error": "bad"},
        },
    ),
    "previous-participant": (
        "contact",
        _act(
            "UpdatePreviousContactParticipantState",
            {"PreviousContactParticipantState": "AgentOnHold"},
            _next(("NoMatchingError",)),
        ),
        {
            "type": "set-previous-participant-state",
            "state": "AgentOnHold",
            "next": {"success": "ok", "error": "bad"},
        },
    ),
    "flow-attributes": (
        "contact",
        _act(
            "UpdateFlowAttributes",
            {"FlowAttributes": {"genagentProcessing": {"Value": "1"}}},
            _next(("NoMatchingError",)),
        ),
        {
            "type": "set-flow-attributes",
            "attributes": {"genagentProcessing": "1"},
            "next": {"success": "ok", "error": "bad"},
        },
    ),
    # As sample-amazon-connect-outbound-call writes it: NextAction and NoMatchingError agree.
    "call-progress": (
        "contact",
        _act(
            "CheckOutboundCallStatus",
            {},
            _next(
                ("NoMatchingError",),
                ("CallAnswered", "VoicemailBeep", "VoicemailNoBeep", "NotDetected"),
                na="bad",
            ),
        ),
        {
            "type": "check-outbound-call-status",
            "next": {
                "error": "bad",
                "call-answered": "on-CallAnswered",
                "voicemail-beep": "on-VoicemailBeep",
                "voicemail-no-beep": "on-VoicemailNoBeep",
                "not-detected": "on-NotDetected",
            },
        },
    ),
    "percentage": (
        "contact",
        _act(
            "DistributeByPercentage",
            {},
            {
                "NextAction": "bad",
                "Errors": [{"NextAction": "bad", "ErrorType": "NoMatchingCondition"}],
                "Conditions": [
                    {
                        "NextAction": "ok",
                        "Condition": {"Operator": "NumberLessThan", "Operands": ["31"]},
                    }
                ],
            },
        ),
        {
            "type": "distribute-by-percentage",
            "conditions": [{"number-less-than": 31, "next": "ok"}],
            "next": "bad",
        },
    ),
    "voice-id": (
        "contact",
        _act(
            "CheckVoiceId",
            {"CheckVoiceIdOption": "voiceAuthentication"},
            _next(("NoMatchingError",), ("Authenticated",), na="bad"),
        ),
        {
            "type": "check-voice-id",
            "option": "voiceAuthentication",
            "conditions": [{"equals": "Authenticated", "next": "on-Authenticated"}],
            "next": "bad",
        },
    ),
    "voice-id-stream": (
        "contact",
        _act("StartVoiceIdStream", {}, _next(("NoMatchingError",))),
        {"type": "start-voice-id-stream", "next": {"success": "ok", "error": "bad"}},
    ),
    # As a real export writes it: TimeLimitSeconds (the reference says TimeoutSeconds).
    "wait": (
        "contact",
        _act(
            "Wait",
            {"Events": ["CustomerReturned"], "TimeLimitSeconds": "900"},
            _next(("NoMatchingError",), ("CustomerReturned", "WaitCompleted"), na="bad"),
        ),
        {
            "type": "wait",
            "timeout-seconds": 900,
            "events": ["CustomerReturned"],
            "next": {
                "error": "bad",
                "customer-returned": "on-CustomerReturned",
                "completed": "on-WaitCompleted",
            },
        },
    ),
    "outbound-call": (
        "contact",
        _act("CompleteOutboundCall", {"CallerId": {"Number": "$.External.caller_id"}}, _next()),
        {
            "type": "complete-outbound-call",
            "caller-id-number": "$.External.caller_id",
            "next": "ok",
        },
    ),
    "callback": (
        "contact",
        _act(
            "CreateCallbackContact",
            {
                "InitialCallDelaySeconds": "1",
                "MaximumConnectionAttempts": "0",
                "RetryDelaySeconds": "30",
            },
            _next(("NoMatchingError",)),
        ),
        {
            "type": "create-callback-contact",
            "initial-delay-seconds": 1,
            "max-attempts": 0,
            "retry-delay-seconds": 30,
            "next": {"success": "ok", "error": "bad"},
        },
    ),
    "callback-queue": (
        "contact",
        _act(
            "CreateCallbackContact",
            {
                "QueueId": QUEUE,
                "InitialCallDelaySeconds": "60",
                "MaximumConnectionAttempts": "3",
                "RetryDelaySeconds": "300",
            },
            _next(("NoMatchingError",)),
        ),
        {
            "type": "create-callback-contact",
            "queue": "billing",
            "initial-delay-seconds": 60,
            "max-attempts": 3,
            "retry-delay-seconds": 300,
            "next": {"success": "ok", "error": "bad"},
        },
    ),
    "to-agent": (
        "agent-transfer",
        {"Identifier": NAME, "Type": "TransferContactToAgent", "Parameters": {}, "Transitions": {}},
        {"type": "transfer-to-agent"},
    ),
}
TARGETS = (
    "ok",
    "bad",
    *(
        f"on-{c}"
        for c in (
            "CallAnswered",
            "VoicemailBeep",
            "VoicemailNoBeep",
            "NotDetected",
            "Authenticated",
            "CustomerReturned",
            "WaitCompleted",
        )
    ),
)
END = {
    "module": ("EndFlowModuleExecution", "end-flow"),
    "agent-transfer": ("EndFlowExecution", "end-flow"),
}


def _end(flow_type: str) -> tuple[str, str]:
    return END.get(flow_type, ("DisconnectParticipant", "disconnect"))


def _import(flow_type: str, action: dict[str, Any]) -> dict[str, Any]:
    kind = _end(flow_type)[0]
    ends = [{"Identifier": t, "Type": kind, "Parameters": {}, "Transitions": {}} for t in TARGETS]
    content = {
        "Version": "2019-10-30",
        "StartAction": NAME,
        "Metadata": {},
        "Actions": [action, *ends],
    }
    src = Source("t.json", "t", content, {"Name": "t", "Type": WRAPPER[flow_type]})
    return import_source(src, ENV, known_flows=["queue-music"]).flow


def _export(flow_type: str, block: dict[str, Any]) -> dict[str, Any]:
    blocks = {NAME: block, **{t: {"type": _end(flow_type)[1]} for t in TARGETS}}
    flow = {"flow": "t", "type": flow_type, "start": NAME, "blocks": blocks}
    model = Flow.model_validate({**flow, "blocks": {}})
    models = {n: BLOCKS[b["type"]].model_validate(b) for n, b in blocks.items()}
    content, diags = export_flow(model, models, env=ENV)
    assert content is not None and [d.message for d in diags] == []
    return dict(content["Actions"][0])


@pytest.mark.parametrize("name", list(CASES))
def test_import_gives_the_native_block(name: str) -> None:
    flow_type, action, block = CASES[name]
    assert _import(flow_type, copy.deepcopy(action))["blocks"][NAME] == block


@pytest.mark.parametrize("name", list(CASES))
def test_export_gives_the_literal_json(name: str) -> None:
    flow_type, action, block = CASES[name]
    assert _export(flow_type, block) == action


def test_every_declarative_block_type_has_a_case() -> None:
    from tests.test_connect_world import CASES as WORLD_CASES

    declared = {t for t, cls in BLOCKS.items() if cls.DECLARATIVE}
    here = {block["type"] for _, _, block in CASES.values()}
    # The declarative blocks the world answers (modules, profiles) have their cases there.
    world = {case[2]["type"] for case in WORLD_CASES.values()}
    assert here <= declared
    assert declared - here == {"invoke-module", *(t for t in world if t.endswith("-profile"))}
    assert declared <= here | world


@pytest.mark.parametrize(
    ("name", "change"),
    [
        ("logging", lambda p: p.update(FlowLoggingBehavior="$.Attributes.x")),
        ("voice", lambda p: p.update(TextToSpeechVoice=3)),
        ("recording", lambda p: p["RecordingBehavior"].update(RecordedParticipants=["Robot"])),
        ("flow-attributes", lambda p: p["FlowAttributes"].update(x={"Value": "1", "Other": "2"})),
        ("routing-behavior", lambda p: p.update(QueueTimeAdjustmentSeconds="30")),
        ("callback-number", lambda p: p.update(CallbackNumber="+15555550100")),
        ("event-hook-arn", lambda p: p["EventHooks"].update(AgentWhisper=FLOW_ARN)),
        ("wait", lambda p: p.update(TimeoutSeconds="60")),
    ],
)
def test_a_shape_outside_the_reference_stays_a_pass_through(name: str, change: Any) -> None:
    flow_type, action, _ = CASES[name]
    action = copy.deepcopy(action)
    change(action["Parameters"])
    block = _import(flow_type, action)["blocks"][NAME]
    assert block["type"] == "connect-action"
    assert block["parameters"] == action["Parameters"]
