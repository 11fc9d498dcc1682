"""The Amazon Connect mapping, checked against Amazon Connect's documentation, not against flowrt.

Import and export share their tables (`flowrt.connect.actions.ERRORS`, the per-type code in
`export_blocks.py` and `import_blocks.py`), and the importer keeps a native block only when
exporting it gives the action back: a wrong shared table therefore round-trips exactly and turns
every real action of that kind into an opaque `connect-action`. These tests do not trust the round
trip. Each case is written by hand, from the pages of the Amazon Connect Administrator Guide's flow
language reference ("Actions in the Amazon Connect Flow Language" and the page of each action,
named by its title in the comments) and from what the console writes in real exports (`NextAction`
beside the errors, numbers and booleans as text, empty `Errors` and `Conditions` lists):

- import of the literal action gives the literal native block (type, fields, every branch);
- export of the literal block gives the literal action JSON;
- import of the literal action, then export, gives the very same JSON back;
- every ErrorType of every action type lands on its documented branch, both ways;
- real actions of the vendored exports (tests/data/connect-flows/) become the blocks they must.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from flowrt.connect.actions import ERRORS
from flowrt.connect.env import Environment
from flowrt.connect.export import export_flow
from flowrt.connect.files import Source, read_source
from flowrt.connect.importer import import_source
from flowrt.lang.blocks import BLOCKS, Flow

# ---------------------------------------------------------------------------------------------
# the world the cases live in: resources named through an environment, branch targets by name

QUEUE = "arn:aws:connect:us-east-1:111122223333:instance/inst-1/queue/q-billing"
AGENT = "arn:aws:connect:us-east-1:111122223333:instance/inst-1/agent/u-dana"
FLOW = "arn:aws:connect:us-east-1:111122223333:instance/inst-1/contact-flow/f-after-hours"
LAMBDA = "arn:aws:lambda:us-east-1:111122223333:function:crm-lookup"
PROMPT = "arn:aws:connect:us-east-1:111122223333:instance/inst-1/prompt/p-welcome"
HOURS = "arn:aws:connect:us-east-1:111122223333:instance/inst-1/operating-hours/h-office"
PHONE = "+18005550100"
CALLER = "+18005550199"

ENV = Environment(
    "test",
    {
        "queues": {"billing": QUEUE},
        "users": {"dana": AGENT},
        "flows": {"after-hours": FLOW},
        "lambda-functions": {"crm-lookup": LAMBDA},
        "prompts": {"welcome": PROMPT},
        "hours-of-operation": {"office": HOURS},
    },
)

#: The action under test is always this Identifier (a readable one: it is the block's name).
NAME = "under-test"
#: One target per branch, so a branch mapped to the wrong ErrorType lands on the wrong target.
TARGETS = (
    "on-success",
    "on-error",
    "on-at-capacity",
    "on-call-failed",
    "on-timeout",
    "on-no-match",
    "on-true",
    "on-false",
    "on-in-hours",
    "on-out-of-hours",
    "on-gold",
)
WRAPPER = {
    "contact": "CONTACT_FLOW",
    "customer-queue": "CUSTOMER_QUEUE",
    "module": "CONTACT_FLOW_MODULE",
    "agent-whisper": "AGENT_WHISPER",
}


@dataclass(frozen=True)
class Case:
    """An action as Amazon Connect writes it and the native block it is in flowrt."""

    flow_type: str
    action: dict[str, Any]
    block: dict[str, Any]


def _action(type_: str, params: dict[str, Any], transitions: dict[str, Any]) -> dict[str, Any]:
    return {"Identifier": NAME, "Type": type_, "Parameters": params, "Transitions": transitions}


def _error(error_type: str, target: str) -> dict[str, str]:
    return {"NextAction": target, "ErrorType": error_type}


def _condition(operator: str, operand: str, target: str) -> dict[str, Any]:
    return {"NextAction": target, "Condition": {"Operator": operator, "Operands": [operand]}}


# ---------------------------------------------------------------------------------------------
# the cases, one per action type and parameter shape (written from the reference, not from flowrt)

CASES: dict[str, Case] = {
    # "TransferContactToQueue": no parameters (the working queue); errors QueueAtCapacity and
    # NoMatchingError.
    "TransferContactToQueue": Case(
        "contact",
        _action(
            "TransferContactToQueue",
            {},
            {
                "NextAction": "on-success",
                "Errors": [
                    _error("QueueAtCapacity", "on-at-capacity"),
                    _error("NoMatchingError", "on-error"),
                ],
                "Conditions": [],
            },
        ),
        {
            "type": "transfer-to-queue",
            "next": {
                "success": "on-success",
                "at-capacity": "on-at-capacity",
                "error": "on-error",
            },
        },
    ),
    # "DequeueContactAndTransferToQueue": only in customer queue flows; QueueId or AgentId;
    # errors QueueAtCapacity and NoMatchingError.
    "DequeueContactAndTransferToQueue/QueueId": Case(
        "customer-queue",
        _action(
            "DequeueContactAndTransferToQueue",
            {"QueueId": QUEUE},
            {
                "NextAction": "on-success",
                "Errors": [
                    _error("QueueAtCapacity", "on-at-capacity"),
                    _error("NoMatchingError", "on-error"),
                ],
                "Conditions": [],
            },
        ),
        {
            "type": "transfer-to-queue",
            "queue": "billing",
            "next": {
                "success": "on-success",
                "at-capacity": "on-at-capacity",
                "error": "on-error",
            },
        },
    ),
    "DequeueContactAndTransferToQueue/AgentId": Case(
        "customer-queue",
        _action(
            "DequeueContactAndTransferToQueue",
            {"AgentId": AGENT},
            {
                "NextAction": "on-success",
                "Errors": [
                    _error("QueueAtCapacity", "on-at-capacity"),
                    _error("NoMatchingError", "on-error"),
                ],
                "Conditions": [],
            },
        ),
        {
            "type": "transfer-to-queue",
            "agent": "dana",
            "next": {
                "success": "on-success",
                "at-capacity": "on-at-capacity",
                "error": "on-error",
            },
        },
    ),
    # "UpdateContactTargetQueue": QueueId or AgentId; error NoMatchingError.
    "UpdateContactTargetQueue/QueueId": Case(
        "contact",
        _action(
            "UpdateContactTargetQueue",
            {"QueueId": QUEUE},
            {
                "NextAction": "on-success",
                "Errors": [_error("NoMatchingError", "on-error")],
                "Conditions": [],
            },
        ),
        {
            "type": "set-working-queue",
            "queue": "billing",
            "next": {"success": "on-success", "error": "on-error"},
        },
    ),
    "UpdateContactTargetQueue/AgentId": Case(
        "contact",
        _action(
            "UpdateContactTargetQueue",
            {"AgentId": AGENT},
            {
                "NextAction": "on-success",
                "Errors": [_error("NoMatchingError", "on-error")],
                "Conditions": [],
            },
        ),
        {
            "type": "set-working-queue",
            "agent": "dana",
            "next": {"success": "on-success", "error": "on-error"},
        },
    ),
    # "TransferParticipantToThirdParty": ThirdPartyPhoneNumber, ThirdPartyConnectionTimeLimitSeconds
    # (0-600), ContinueFlowExecution "True"/"False", ThirdPartyDTMFDigits, CallerId {Number, Name};
    # errors CallFailed and ConnectionTimeLimitExceeded (only when the flow continues) and
    # NoMatchingError.
    "TransferParticipantToThirdParty/continue": Case(
        "contact",
        _action(
            "TransferParticipantToThirdParty",
            {
                "ThirdPartyPhoneNumber": PHONE,
                "ThirdPartyConnectionTimeLimitSeconds": "30",
                "ContinueFlowExecution": "True",
                "ThirdPartyDTMFDigits": "1,2#",
                "CallerId": {"Number": CALLER, "Name": "AnyCompany"},
            },
            {
                "NextAction": "on-success",
                "Errors": [
                    _error("CallFailed", "on-call-failed"),
                    _error("ConnectionTimeLimitExceeded", "on-timeout"),
                    _error("NoMatchingError", "on-error"),
                ],
                "Conditions": [],
            },
        ),
        {
            "type": "transfer-to-phone-number",
            "phone-number": PHONE,
            "timeout-seconds": 30,
            "resume-after-disconnect": True,
            "dtmf": "1,2#",
            "caller-id": {"number": CALLER, "name": "AnyCompany"},
            "next": {
                "success": "on-success",
                "call-failed": "on-call-failed",
                "timeout": "on-timeout",
                "error": "on-error",
            },
        },
    ),
    # Without ContinueFlowExecution the flow does not come back: only NoMatchingError, and the
    # console writes its target as NextAction too.
    "TransferParticipantToThirdParty/end": Case(
        "contact",
        _action(
            "TransferParticipantToThirdParty",
            {
                "ThirdPartyPhoneNumber": PHONE,
                "ThirdPartyConnectionTimeLimitSeconds": "600",
                "ContinueFlowExecution": "False",
            },
            {
                "NextAction": "on-error",
                "Errors": [_error("NoMatchingError", "on-error")],
                "Conditions": [],
            },
        ),
        {
            "type": "transfer-to-phone-number",
            "phone-number": PHONE,
            "timeout-seconds": 600,
            "resume-after-disconnect": False,
            "next": "on-error",
        },
    ),
    # "TransferToFlow": ContactFlowId; error NoMatchingError (the console writes its target as
    # NextAction too: execution does not come back).
    "TransferToFlow": Case(
        "contact",
        _action(
            "TransferToFlow",
            {"ContactFlowId": FLOW},
            {
                "NextAction": "on-error",
                "Errors": [_error("NoMatchingError", "on-error")],
                "Conditions": [],
            },
        ),
        {"type": "transfer-to-flow", "flow": "after-hours", "next": "on-error"},
    ),
    # "DisconnectParticipant": no parameters, no errors, no conditions.
    "DisconnectParticipant": Case(
        "contact",
        _action("DisconnectParticipant", {}, {}),
        {"type": "disconnect"},
    ),
    # "EndFlowExecution": no parameters; always a terminal action (whisper and queue flows).
    "EndFlowExecution": Case(
        "agent-whisper",
        _action("EndFlowExecution", {}, {}),
        {"type": "end-flow"},
    ),
    # A module ends with EndFlowModuleExecution (no page of its own in the archived reference;
    # every real module export ends so).
    "EndFlowModuleExecution": Case(
        "module",
        _action("EndFlowModuleExecution", {}, {}),
        {"type": "end-flow"},
    ),
    # "Compare": ComparisonValue (one JSONPath); conditions; error NoMatchingCondition.
    "Compare": Case(
        "contact",
        _action(
            "Compare",
            {"ComparisonValue": "$.Attributes.tier"},
            {
                "NextAction": "on-no-match",
                "Errors": [_error("NoMatchingCondition", "on-no-match")],
                "Conditions": [
                    _condition("Equals", "gold", "on-gold"),
                    _condition("NumberGreaterThan", "5", "on-true"),
                ],
            },
        ),
        {
            "type": "check-contact-attributes",
            "attribute": "$.Attributes.tier",
            "conditions": [
                {"equals": "gold", "next": "on-gold"},
                {"number-greater-than": 5, "next": "on-true"},
            ],
            "next": "on-no-match",
        },
    ),
    # "CheckHoursOfOperation": HoursOfOperationId (optional: the queue's hours); conditions
    # Equals True and Equals False, and no other; error NoMatchingError.
    "CheckHoursOfOperation/queue-hours": Case(
        "contact",
        _action(
            "CheckHoursOfOperation",
            {},
            {
                "NextAction": "on-error",
                "Errors": [_error("NoMatchingError", "on-error")],
                "Conditions": [
                    _condition("Equals", "True", "on-in-hours"),
                    _condition("Equals", "False", "on-out-of-hours"),
                ],
            },
        ),
        {
            "type": "check-hours-of-operation",
            "next": {
                "in-hours": "on-in-hours",
                "out-of-hours": "on-out-of-hours",
                "error": "on-error",
            },
        },
    ),
    "CheckHoursOfOperation/HoursOfOperationId": Case(
        "contact",
        _action(
            "CheckHoursOfOperation",
            {"HoursOfOperationId": HOURS},
            {
                "NextAction": "on-error",
                "Errors": [_error("NoMatchingError", "on-error")],
                "Conditions": [
                    _condition("Equals", "True", "on-in-hours"),
                    _condition("Equals", "False", "on-out-of-hours"),
                ],
            },
        ),
        {
            "type": "check-hours-of-operation",
            "hours": "office",
            "next": {
                "in-hours": "on-in-hours",
                "out-of-hours": "on-out-of-hours",
                "error": "on-error",
            },
        },
    ),
    # "CheckMetricData": MetricType; QueueId or AgentId (optional: the working queue). For
    # NumberOfAgents* the only condition is NumberGreaterThan 0; errors NoMatchingError and
    # NoMatchingCondition (real exports of Check staffing wire both).
    "CheckMetricData/NumberOfAgentsAvailable": Case(
        "contact",
        _action(
            "CheckMetricData",
            {"MetricType": "NumberOfAgentsAvailable"},
            {
                "NextAction": "on-error",
                "Errors": [
                    _error("NoMatchingError", "on-error"),
                    _error("NoMatchingCondition", "on-false"),
                ],
                "Conditions": [_condition("NumberGreaterThan", "0", "on-true")],
            },
        ),
        {
            "type": "check-staffing",
            "status": "available",
            "next": {"error": "on-error", "false": "on-false", "true": "on-true"},
        },
    ),
    "CheckMetricData/NumberOfAgentsStaffed": Case(
        "contact",
        _action(
            "CheckMetricData",
            {"MetricType": "NumberOfAgentsStaffed", "QueueId": QUEUE},
            {
                "NextAction": "on-error",
                "Errors": [
                    _error("NoMatchingError", "on-error"),
                    _error("NoMatchingCondition", "on-false"),
                ],
                "Conditions": [_condition("NumberGreaterThan", "0", "on-true")],
            },
        ),
        {
            "type": "check-staffing",
            "queue": "billing",
            "status": "staffed",
            "next": {"error": "on-error", "false": "on-false", "true": "on-true"},
        },
    ),
    "CheckMetricData/NumberOfAgentsOnline": Case(
        "contact",
        _action(
            "CheckMetricData",
            {"MetricType": "NumberOfAgentsOnline", "AgentId": AGENT},
            {
                "NextAction": "on-error",
                "Errors": [
                    _error("NoMatchingError", "on-error"),
                    _error("NoMatchingCondition", "on-false"),
                ],
                "Conditions": [_condition("NumberGreaterThan", "0", "on-true")],
            },
        ),
        {
            "type": "check-staffing",
            "agent": "dana",
            "status": "online",
            "next": {"error": "on-error", "false": "on-false", "true": "on-true"},
        },
    ),
    # For OldestContactInQueueAgeSeconds and NumberOfContactsInQueue: Equals and the Number*
    # operators; NoMatchingCondition is supported.
    "CheckMetricData/NumberOfContactsInQueue": Case(
        "contact",
        _action(
            "CheckMetricData",
            {"MetricType": "NumberOfContactsInQueue", "QueueId": QUEUE},
            {
                "NextAction": "on-error",
                "Errors": [
                    _error("NoMatchingError", "on-error"),
                    _error("NoMatchingCondition", "on-no-match"),
                ],
                "Conditions": [_condition("NumberGreaterThan", "10", "on-true")],
            },
        ),
        {
            "type": "check-queue-status",
            "queue": "billing",
            "metric": "contacts-in-queue",
            "conditions": [{"number-greater-than": 10, "next": "on-true"}],
            "next": {"error": "on-error", "no-match": "on-no-match"},
        },
    ),
    "CheckMetricData/OldestContactInQueueAgeSeconds": Case(
        "contact",
        _action(
            "CheckMetricData",
            {"MetricType": "OldestContactInQueueAgeSeconds"},
            {
                "NextAction": "on-error",
                "Errors": [
                    _error("NoMatchingError", "on-error"),
                    _error("NoMatchingCondition", "on-no-match"),
                ],
                "Conditions": [_condition("NumberLessOrEqualTo", "120", "on-true")],
            },
        ),
        {
            "type": "check-queue-status",
            "metric": "oldest-contact-age",
            "conditions": [{"number-less-or-equal": 120, "next": "on-true"}],
            "next": {"error": "on-error", "no-match": "on-no-match"},
        },
    ),
    # "GetMetricData": QueueId or AgentId, QueueChannel "Voice" or "Chat"; no conditions;
    # error NoMatchingError.
    "GetMetricData": Case(
        "contact",
        _action(
            "GetMetricData",
            {"QueueId": QUEUE, "QueueChannel": "Voice"},
            {
                "NextAction": "on-success",
                "Errors": [_error("NoMatchingError", "on-error")],
                "Conditions": [],
            },
        ),
        {
            "type": "get-queue-metrics",
            "queue": "billing",
            "channel": "VOICE",
            "next": {"success": "on-success", "error": "on-error"},
        },
    ),
    # "UpdateContactAttributes": Attributes {key: value}; error NoMatchingError.
    "UpdateContactAttributes": Case(
        "contact",
        _action(
            "UpdateContactAttributes",
            {"Attributes": {"tier": "gold", "attempts": "3", "account": "$.External.account"}},
            {
                "NextAction": "on-success",
                "Errors": [_error("NoMatchingError", "on-error")],
                "Conditions": [],
            },
        ),
        {
            "type": "set-contact-attributes",
            "attributes": {"tier": "gold", "attempts": 3, "account": "$.External.account"},
            "next": {"success": "on-success", "error": "on-error"},
        },
    ),
    # "MessageParticipant": one of PromptId, Text, SSML; no conditions; error NoMatchingError.
    "MessageParticipant/Text": Case(
        "contact",
        _action(
            "MessageParticipant",
            {"Text": "Thanks for calling"},
            {
                "NextAction": "on-success",
                "Errors": [_error("NoMatchingError", "on-error")],
                "Conditions": [],
            },
        ),
        {
            "type": "play-prompt",
            "text": "Thanks for calling",
            "next": {"success": "on-success", "error": "on-error"},
        },
    ),
    "MessageParticipant/SSML": Case(
        "contact",
        _action(
            "MessageParticipant",
            {"SSML": "<speak>Thanks for calling</speak>"},
            {
                "NextAction": "on-success",
                "Errors": [_error("NoMatchingError", "on-error")],
                "Conditions": [],
            },
        ),
        {
            "type": "play-prompt",
            "ssml": "<speak>Thanks for calling</speak>",
            "next": {"success": "on-success", "error": "on-error"},
        },
    ),
    "MessageParticipant/PromptId": Case(
        "contact",
        _action(
            "MessageParticipant",
            {"PromptId": PROMPT},
            {
                "NextAction": "on-success",
                "Errors": [_error("NoMatchingError", "on-error")],
                "Conditions": [],
            },
        ),
        {
            "type": "play-prompt",
            "prompt": "welcome",
            "next": {"success": "on-success", "error": "on-error"},
        },
    ),
    # "MessageParticipantIteratively": Messages [Text / PromptId / SSML], InterruptFrequencySeconds;
    # the only condition is Equals MessagesInterrupted; error NoMatchingError.
    "MessageParticipantIteratively": Case(
        "customer-queue",
        _action(
            "MessageParticipantIteratively",
            {
                "Messages": [
                    {"Text": "Your call is important to us"},
                    {"PromptId": PROMPT},
                    {"SSML": "<speak>Still there?</speak>"},
                ],
                "InterruptFrequencySeconds": "20",
            },
            {
                "NextAction": "on-error",
                "Errors": [_error("NoMatchingError", "on-error")],
                "Conditions": [_condition("Equals", "MessagesInterrupted", "on-timeout")],
            },
        ),
        {
            "type": "loop-prompts",
            "prompts": [
                {"text": "Your call is important to us"},
                {"prompt": "welcome"},
                {"ssml": "<speak>Still there?</speak>"},
            ],
            "interrupt-seconds": 20,
            "next": {"timeout": "on-timeout", "error": "on-error"},
        },
    ),
    # "GetParticipantInput": Text / SSML / PromptId, InputTimeLimitSeconds, StoreInput "False";
    # conditions Equals one digit; errors InputTimeLimitExceeded, NoMatchingCondition,
    # NoMatchingError.
    "GetParticipantInput": Case(
        "contact",
        _action(
            "GetParticipantInput",
            {"Text": "Press 1 for sales", "InputTimeLimitSeconds": "5", "StoreInput": "False"},
            {
                "NextAction": "on-error",
                "Errors": [
                    _error("InputTimeLimitExceeded", "on-timeout"),
                    _error("NoMatchingCondition", "on-no-match"),
                    _error("NoMatchingError", "on-error"),
                ],
                "Conditions": [_condition("Equals", "1", "on-true")],
            },
        ),
        {
            "type": "get-customer-input",
            "text": "Press 1 for sales",
            "timeout-seconds": 5,
            "conditions": [{"equals": "1", "next": "on-true"}],
            "next": {"timeout": "on-timeout", "no-match": "on-no-match", "error": "on-error"},
        },
    ),
    # "InvokeLambdaFunction": LambdaFunctionARN, InvocationTimeLimitSeconds (1-8),
    # LambdaInvocationAttributes; no conditions; error NoMatchingError.
    "InvokeLambdaFunction": Case(
        "contact",
        _action(
            "InvokeLambdaFunction",
            {
                "LambdaFunctionARN": LAMBDA,
                "InvocationTimeLimitSeconds": "8",
                "LambdaInvocationAttributes": {"account": "$.Attributes.account"},
            },
            {
                "NextAction": "on-success",
                "Errors": [_error("NoMatchingError", "on-error")],
                "Conditions": [],
            },
        ),
        {
            "type": "invoke-lambda",
            "function": "crm-lookup",
            "timeout-seconds": 8,
            "parameters": {"account": "$.Attributes.account"},
            "next": {"success": "on-success", "error": "on-error"},
        },
    ),
    # Issue 15: parameters of modelled types, each from a literal action of a real export.
    # "UpdateContactAttributes" with `TargetContact: Related` (examples_DispositionCodes: the
    # values there are `$.Views` references, replaced by text here).
    "UpdateContactAttributes/Related": Case(
        "contact",
        _action(
            "UpdateContactAttributes",
            {"Attributes": {"Disposition": "$.Attributes.disposition"}, "TargetContact": "Related"},
            {
                "NextAction": "on-success",
                "Errors": [_error("NoMatchingError", "on-success")],
                "Conditions": [],
            },
        ),
        {
            "type": "set-contact-attributes",
            "attributes": {"Disposition": "$.Attributes.disposition"},
            "target-contact": "related",
            "next": {"success": "on-success", "error": "on-success"},
        },
    ),
    # "InvokeLambdaFunction" with `ResponseValidation` JSON (asappinc generativeagent module).
    "InvokeLambdaFunction/JSON": Case(
        "module",
        _action(
            "InvokeLambdaFunction",
            {
                "LambdaFunctionARN": LAMBDA,
                "InvocationTimeLimitSeconds": "8",
                "ResponseValidation": {"ResponseType": "JSON"},
            },
            {
                "NextAction": "on-success",
                "Errors": [_error("NoMatchingError", "on-error")],
                "Conditions": [],
            },
        ),
        {
            "type": "invoke-lambda",
            "function": "crm-lookup",
            "timeout-seconds": 8,
            "response-type": "json",
            "next": {"success": "on-success", "error": "on-error"},
        },
    ),
    # "InvokeLambdaFunction" with `InvocationType` ASYNCHRONOUS and a 60 s timeout.
    "InvokeLambdaFunction/ASYNCHRONOUS": Case(
        "contact",
        _action(
            "InvokeLambdaFunction",
            {
                "LambdaFunctionARN": LAMBDA,
                "InvocationTimeLimitSeconds": "60",
                "ResponseValidation": {"ResponseType": "STRING_MAP"},
                "InvocationType": "ASYNCHRONOUS",
            },
            {
                "NextAction": "on-success",
                "Errors": [_error("NoMatchingError", "on-error")],
                "Conditions": [],
            },
        ),
        {
            "type": "invoke-lambda",
            "function": "crm-lookup",
            "timeout-seconds": 60,
            "response-type": "string-map",
            "invocation": "asynchronous",
            "next": {"success": "on-success", "error": "on-error"},
        },
    ),
    # "GetParticipantInput" storing input: CustomValidation and DTMFConfiguration (the shape
    # of 31 actions of the terraform flows of the corpus, e.g. _0x_dial_extension).
    "GetParticipantInput/StoreInput": Case(
        "contact",
        _action(
            "GetParticipantInput",
            {
                "PromptId": PROMPT,
                "StoreInput": "True",
                "InputTimeLimitSeconds": "5",
                "InputValidation": {"CustomValidation": {"MaximumLength": "4"}},
                "DTMFConfiguration": {"DisableCancelKey": "False"},
            },
            {
                "NextAction": "on-success",
                "Errors": [_error("NoMatchingError", "on-error")],
                "Conditions": [],
            },
        ),
        {
            "type": "get-customer-input",
            "prompt": "welcome",
            "timeout-seconds": 5,
            "store-input": True,
            "max-length": 4,
            "dtmf": {"disable-cancel-key": False},
            "next": {"success": "on-success", "error": "on-error"},
        },
    ),
    # "GetParticipantInput" with PhoneNumberValidation and InvalidPhoneNumber
    # (amazon-connect-callbackmgmt).
    "GetParticipantInput/PhoneNumber": Case(
        "contact",
        _action(
            "GetParticipantInput",
            {
                "StoreInput": "True",
                "InputTimeLimitSeconds": "6",
                "Text": "Please enter your 10 digit phone beginning with the area code.",
                "InputValidation": {
                    "PhoneNumberValidation": {"NumberFormat": "Local", "CountryCode": "US"}
                },
            },
            {
                "NextAction": "on-success",
                "Errors": [
                    _error("InvalidPhoneNumber", "on-no-match"),
                    _error("NoMatchingError", "on-error"),
                ],
                "Conditions": [],
            },
        ),
        {
            "type": "get-customer-input",
            "text": "Please enter your 10 digit phone beginning with the area code.",
            "timeout-seconds": 6,
            "store-input": True,
            "phone-number": {"format": "local", "country-code": "US"},
            "next": {"success": "on-success", "invalid-number": "on-no-match", "error": "on-error"},
        },
    ),
    # "TransferToFlow" to a Terraform placeholder (the terraform flows of the corpus): a flow
    # of the instance outside the project.
    "TransferToFlow/placeholder": Case(
        "contact",
        _action(
            "TransferToFlow",
            {"ContactFlowId": '${var.contact_flows_map["_0x_voicemail_flow"]}'},
            {
                "NextAction": "on-error",
                "Errors": [_error("NoMatchingError", "on-error")],
                "Conditions": [],
            },
        ),
        {
            "type": "transfer-to-flow",
            "flow": '${var.contact_flows_map["_0x_voicemail_flow"]}',
            "next": "on-error",
        },
    ),
}

#: Cases that import to a different block than they export from: `send-message` (chat) is the
#: Text form of "MessageParticipant", which imports as play-prompt.
EXPORT_ONLY: dict[str, Case] = {
    "MessageParticipant/send-message": Case(
        "contact",
        _action(
            "MessageParticipant",
            {"Text": "We will reply shortly"},
            {
                "NextAction": "on-success",
                "Errors": [_error("NoMatchingError", "on-error")],
                "Conditions": [],
            },
        ),
        {
            "type": "send-message",
            "text": "We will reply shortly",
            "next": {"success": "on-success", "error": "on-error"},
        },
    ),
}

#: (case, ErrorType) -> (block type, branch): every ErrorType of every mapped action type, from the
#: "Errors" section of its reference page (see CASES).
ERROR_BRANCHES: dict[tuple[str, str], tuple[str, str]] = {
    ("TransferContactToQueue", "QueueAtCapacity"): ("transfer-to-queue", "at-capacity"),
    ("TransferContactToQueue", "NoMatchingError"): ("transfer-to-queue", "error"),
    ("DequeueContactAndTransferToQueue/QueueId", "QueueAtCapacity"): (
        "transfer-to-queue",
        "at-capacity",
    ),
    ("DequeueContactAndTransferToQueue/QueueId", "NoMatchingError"): ("transfer-to-queue", "error"),
    ("UpdateContactTargetQueue/QueueId", "NoMatchingError"): ("set-working-queue", "error"),
    ("TransferParticipantToThirdParty/continue", "CallFailed"): (
        "transfer-to-phone-number",
        "call-failed",
    ),
    ("TransferParticipantToThirdParty/continue", "ConnectionTimeLimitExceeded"): (
        "transfer-to-phone-number",
        "timeout",
    ),
    ("TransferParticipantToThirdParty/continue", "NoMatchingError"): (
        "transfer-to-phone-number",
        "error",
    ),
    ("TransferToFlow", "NoMatchingError"): ("transfer-to-flow", "error"),
    ("Compare", "NoMatchingCondition"): ("check-contact-attributes", "no-match"),
    ("CheckHoursOfOperation/queue-hours", "NoMatchingError"): ("check-hours-of-operation", "error"),
    ("CheckMetricData/NumberOfAgentsAvailable", "NoMatchingCondition"): ("check-staffing", "false"),
    ("CheckMetricData/NumberOfAgentsAvailable", "NoMatchingError"): ("check-staffing", "error"),
    ("CheckMetricData/NumberOfContactsInQueue", "NoMatchingCondition"): (
        "check-queue-status",
        "no-match",
    ),
    ("CheckMetricData/NumberOfContactsInQueue", "NoMatchingError"): ("check-queue-status", "error"),
    ("GetMetricData", "NoMatchingError"): ("get-queue-metrics", "error"),
    ("UpdateContactAttributes", "NoMatchingError"): ("set-contact-attributes", "error"),
    ("MessageParticipant/Text", "NoMatchingError"): ("play-prompt", "error"),
    ("MessageParticipant/send-message", "NoMatchingError"): ("send-message", "error"),
    ("MessageParticipantIteratively", "NoMatchingError"): ("loop-prompts", "error"),
    ("GetParticipantInput", "InputTimeLimitExceeded"): ("get-customer-input", "timeout"),
    ("GetParticipantInput", "NoMatchingCondition"): ("get-customer-input", "no-match"),
    ("GetParticipantInput", "NoMatchingError"): ("get-customer-input", "error"),
    ("GetParticipantInput/PhoneNumber", "InvalidPhoneNumber"): (
        "get-customer-input",
        "invalid-number",
    ),
    ("InvokeLambdaFunction", "NoMatchingError"): ("invoke-lambda", "error"),
}

#: Condition operators ("Actions in the Amazon Connect Flow Language": Equals, TextStartsWith,
#: TextEndsWith, TextContains, NumberGreaterThan, NumberGreaterOrEqualTo, NumberLessThan,
#: NumberLessOrEqualTo) and the DSL key of each, with an operand as the DSL holds it.
OPERATORS: dict[str, tuple[str, str, Any]] = {
    "Equals": ("equals", "gold", "gold"),
    "TextStartsWith": ("text-starts-with", "go", "go"),
    "TextEndsWith": ("text-ends-with", "ld", "ld"),
    "TextContains": ("text-contains", "ol", "ol"),
    "NumberGreaterThan": ("number-greater-than", "5", 5),
    "NumberGreaterOrEqualTo": ("number-greater-or-equal", "5", 5),
    "NumberLessThan": ("number-less-than", "5", 5),
    "NumberLessOrEqualTo": ("number-less-or-equal", "5", 5),
}


# ---------------------------------------------------------------------------------------------
# helpers: one action in a flow of targets, both ways


#: What the branch targets are: a disconnect, or where a flow type has none (whisper flows), the
#: end of the flow.
_TARGET = {"agent-whisper": ("EndFlowExecution", "end-flow")}


def _targets(flow_type: str) -> list[dict[str, Any]]:
    kind = _TARGET.get(flow_type, ("DisconnectParticipant", "disconnect"))[0]
    return [{"Identifier": t, "Type": kind, "Parameters": {}, "Transitions": {}} for t in TARGETS]


def _target_block(flow_type: str) -> dict[str, Any]:
    return {"type": _TARGET.get(flow_type, ("DisconnectParticipant", "disconnect"))[1]}


def _import(case: Case) -> dict[str, Any]:
    """The DSL flow of `case.action` (first) and a disconnect per target."""
    content = {
        "Version": "2019-10-30",
        "StartAction": NAME,
        "Metadata": {},
        "Actions": [case.action, *_targets(case.flow_type)],
    }
    wrapper = {"Name": "mapping", "Type": WRAPPER[case.flow_type]}
    src = Source("mapping.json", "mapping", content, wrapper)
    return import_source(src, ENV, known_flows=["after-hours"]).flow


def _export_flow(flow: dict[str, Any]) -> dict[str, Any]:
    model = Flow.model_validate({**flow, "blocks": {}})
    blocks = {n: BLOCKS[b["type"]].model_validate(b) for n, b in flow["blocks"].items()}
    content, diags = export_flow(model, blocks, env=ENV)
    assert content is not None, [d.message for d in diags]
    assert [d.message for d in diags] == []
    return content


def _export(case: Case) -> dict[str, Any]:
    """The Connect action of `case.block` exported in a flow of its type."""
    blocks = {NAME: case.block, **{t: _target_block(case.flow_type) for t in TARGETS}}
    flow = {"flow": "mapping", "type": case.flow_type, "start": NAME, "blocks": blocks}
    actions = _export_flow(flow)["Actions"]
    assert actions[0]["Identifier"] == NAME
    return dict(actions[0])


def _case(name: str) -> Case:
    return CASES[name] if name in CASES else EXPORT_ONLY[name]


# ---------------------------------------------------------------------------------------------
# import: the literal action becomes the literal block


@pytest.mark.parametrize("name", list(CASES))
def test_import_gives_the_native_block(name: str) -> None:
    case = CASES[name]
    flow = _import(case)
    assert flow["type"] == case.flow_type
    assert flow["blocks"][NAME] == case.block
    assert all(flow["blocks"][t] == _target_block(case.flow_type) for t in TARGETS)


# ---------------------------------------------------------------------------------------------
# export: the literal block becomes the literal action


@pytest.mark.parametrize("name", [*CASES, *EXPORT_ONLY])
def test_export_gives_the_literal_json(name: str) -> None:
    case = _case(name)
    assert _export(case) == case.action


# ---------------------------------------------------------------------------------------------
# import then export: the literal action comes back as it was


@pytest.mark.parametrize("name", list(CASES))
def test_import_then_export_gives_the_literal_json_back(name: str) -> None:
    case = CASES[name]
    out = _export_flow(_import(case))
    assert out["StartAction"] == NAME
    assert out["Actions"] == [case.action, *_targets(case.flow_type)]


# ---------------------------------------------------------------------------------------------
# every ErrorType on its branch


def _error_target(action: dict[str, Any], error_type: str) -> str:
    (target,) = [
        e["NextAction"] for e in action["Transitions"]["Errors"] if e["ErrorType"] == error_type
    ]
    return str(target)


@pytest.mark.parametrize(
    ("name", "error_type"),
    [k for k in ERROR_BRANCHES if k[0] in CASES],
    ids=[f"{n}-{e}" for n, e in ERROR_BRANCHES if n in CASES],
)
def test_error_type_imports_as_its_branch(name: str, error_type: str) -> None:
    case = CASES[name]
    block_type, branch = ERROR_BRANCHES[(name, error_type)]
    block = _import(case)["blocks"][NAME]
    assert block["type"] == block_type
    nxt = block["next"] if isinstance(block["next"], dict) else {branch: block["next"]}
    assert nxt[branch] == _error_target(case.action, error_type)


@pytest.mark.parametrize(
    ("name", "error_type"), list(ERROR_BRANCHES), ids=[f"{n}-{e}" for n, e in ERROR_BRANCHES]
)
def test_error_type_exports_from_its_branch(name: str, error_type: str) -> None:
    case = _case(name)
    block_type, branch = ERROR_BRANCHES[(name, error_type)]
    assert case.block["type"] == block_type
    nxt = case.block["next"]
    target = nxt[branch] if isinstance(nxt, dict) else nxt
    errors = _export(case)["Transitions"]["Errors"]
    assert {"NextAction": target, "ErrorType": error_type} in errors
    assert [e["ErrorType"] for e in errors].count(error_type) == 1


def test_error_table_is_the_reference() -> None:
    """The shared table, entry by entry, against the reference's Errors sections."""
    expected: dict[str, dict[str, str]] = {}
    for (_, error_type), (block_type, branch) in ERROR_BRANCHES.items():
        expected.setdefault(block_type, {})[branch] = error_type
    assert expected == ERRORS


def test_error_type_outside_the_reference_stays_a_pass_through() -> None:
    """An ErrorType the reference does not list for the action keeps the action as it is."""
    action = _action(
        "TransferContactToQueue",
        {},
        {
            "NextAction": "on-success",
            "Errors": [
                _error("QueueFull", "on-at-capacity"),
                _error("NoMatchingError", "on-error"),
            ],
            "Conditions": [],
        },
    )
    block = _import(Case("contact", action, {}))["blocks"][NAME]
    assert block == {
        "type": "connect-action",
        "action": "TransferContactToQueue",
        "parameters": {},
        "next": {
            "success": "on-success",
            "QueueFull": "on-at-capacity",
            "NoMatchingError": "on-error",
        },
    }


def _metrics(channel: Any) -> dict[str, Any]:
    return _action(
        "GetMetricData",
        {"QueueId": QUEUE, "QueueChannel": channel},
        {
            "NextAction": "on-success",
            "Errors": [_error("NoMatchingError", "on-error")],
            "Conditions": [],
        },
    )


@pytest.mark.parametrize(("dsl", "connect"), [("VOICE", "Voice"), ("CHAT", "Chat")])
def test_queue_channel_is_written_as_the_reference_writes_it(dsl: str, connect: str) -> None:
    """The "GetMetricData" page: QueueChannel is either "Voice" or "Chat" (VOICE, CHAT here)."""
    block = {
        "type": "get-queue-metrics",
        "queue": "billing",
        "channel": dsl,
        "next": {"success": "on-success", "error": "on-error"},
    }
    case = Case("contact", _metrics(connect), block)
    assert _export(case) == case.action
    assert _import(case)["blocks"][NAME] == block


@pytest.mark.parametrize("channel", ["VOICE", "voice", ["Voice"], 1])
def test_queue_channel_outside_the_reference_stays_a_pass_through(channel: Any) -> None:
    action = _metrics(channel)
    block = _import(Case("contact", action, {}))["blocks"][NAME]
    assert block["type"] == "connect-action"
    assert block["parameters"] == {"QueueId": QUEUE, "QueueChannel": channel}


# ---------------------------------------------------------------------------------------------
# condition operators and metric types


def _compare(operator: str, operand: str) -> Case:
    return Case(
        "contact",
        _action(
            "Compare",
            {"ComparisonValue": "$.Attributes.tier"},
            {
                "NextAction": "on-no-match",
                "Errors": [_error("NoMatchingCondition", "on-no-match")],
                "Conditions": [_condition(operator, operand, "on-true")],
            },
        ),
        {},
    )


@pytest.mark.parametrize("operator", list(OPERATORS))
def test_condition_operator_maps_both_ways(operator: str) -> None:
    key, connect_operand, dsl_operand = OPERATORS[operator]
    case = _compare(operator, connect_operand)
    block = {
        "type": "check-contact-attributes",
        "attribute": "$.Attributes.tier",
        "conditions": [{key: dsl_operand, "next": "on-true"}],
        "next": "on-no-match",
    }
    assert _import(case)["blocks"][NAME] == block
    assert _export(Case("contact", case.action, block)) == case.action


#: "CheckMetricData" MetricType values and the DSL field each is.
METRIC_TYPES = {
    "NumberOfAgentsAvailable": ("check-staffing", "status", "available"),
    "NumberOfAgentsStaffed": ("check-staffing", "status", "staffed"),
    "NumberOfAgentsOnline": ("check-staffing", "status", "online"),
    "OldestContactInQueueAgeSeconds": ("check-queue-status", "metric", "oldest-contact-age"),
    "NumberOfContactsInQueue": ("check-queue-status", "metric", "contacts-in-queue"),
}


@pytest.mark.parametrize("metric_type", list(METRIC_TYPES))
def test_metric_type_maps_both_ways(metric_type: str) -> None:
    block_type, key, value = METRIC_TYPES[metric_type]
    (case,) = [
        c
        for c in CASES.values()
        if c.action["Type"] == "CheckMetricData"
        and c.action["Parameters"]["MetricType"] == metric_type
    ]
    block = _import(case)["blocks"][NAME]
    assert (block["type"], block[key]) == (block_type, value)
    assert _export(case)["Parameters"]["MetricType"] == metric_type


def test_every_mapped_action_type_has_a_case() -> None:
    """Each Connect Type a native block exports to is covered above, both ways."""
    # Declarative block types have their cases in tests/test_connect_native_blocks.py.
    declared = {cls.CONNECT_TYPE for cls in BLOCKS.values() if cls.DECLARATIVE}
    exported = {c.action["Type"] for c in [*CASES.values(), *EXPORT_ONLY.values()]}
    assert exported - declared == {
        "TransferContactToQueue",
        "DequeueContactAndTransferToQueue",
        "UpdateContactTargetQueue",
        "TransferParticipantToThirdParty",
        "TransferToFlow",
        "DisconnectParticipant",
        "EndFlowExecution",
        "EndFlowModuleExecution",
        "Compare",
        "CheckHoursOfOperation",
        "CheckMetricData",
        "GetMetricData",
        "UpdateContactAttributes",
        "MessageParticipant",
        "MessageParticipantIteratively",
        "GetParticipantInput",
        "InvokeLambdaFunction",
    }
    native = {
        t
        for t, cls in BLOCKS.items()
        if cls.CONNECT_TYPE and not t.startswith("outbound") and not cls.DECLARATIVE
    }
    # The blocks the world answers are covered both ways in tests/test_connect_world.py, the
    # declarative ones in tests/test_connect_native_blocks.py.
    world = {"lex-bot", "show-view", "loop"}
    covered = {c.block["type"] for c in [*CASES.values(), *EXPORT_ONLY.values()]}
    assert native - covered - world == set()


# ---------------------------------------------------------------------------------------------
# real exports (the vendored ones of tests/data/connect-flows/): documented shapes become blocks

VENDORED = Path(__file__).resolve().parent / "data" / "connect-flows"

#: (file, Identifier) -> the block type and branches the action is, read by hand from the file
#: and the reference pages of its Type (targets by their Identifier).
REAL: dict[tuple[str, str], tuple[str, dict[str, str] | str | None]] = {
    # "TransferContactToQueue" with QueueAtCapacity and NoMatchingError, all to one disconnect.
    (
        "amazon-connect-experience-builder/contact-flow-dtmf0.content.json",
        "c6df1d0d-a15e-41aa-b437-07867a87195e",
    ): (
        "transfer-to-queue",
        {
            "success": "9ec2348f-f86a-40c2-af54-8e1fa6568f52",
            "at-capacity": "9ec2348f-f86a-40c2-af54-8e1fa6568f52",
            "error": "9ec2348f-f86a-40c2-af54-8e1fa6568f52",
        },
    ),
    # "GetMetricData" of the working queue: success to the Compare, NoMatchingError to the queue.
    (
        "amazon-connect-experience-builder/contact-flow-dtmf0.content.json",
        "578c5215-3b4a-4884-af5e-b748700268f6",
    ): (
        "get-queue-metrics",
        {
            "success": "9a38687b-4cb3-4c33-a11f-e4778e40eec3",
            "error": "c6df1d0d-a15e-41aa-b437-07867a87195e",
        },
    ),
    # "Compare" with NoMatchingCondition (and NextAction) to the transfer.
    (
        "amazon-connect-experience-builder/contact-flow-dtmf0.content.json",
        "9a38687b-4cb3-4c33-a11f-e4778e40eec3",
    ): ("check-contact-attributes", "c6df1d0d-a15e-41aa-b437-07867a87195e"),
    # "TransferParticipantToThirdParty" to "+1{{phoneNumber}}": a deployment template's
    # placeholder, kept as the number (the dry run says it cannot dial it); NextAction = error.
    (
        "amazon-connect-experience-builder/contact-flow-dtmf0.content.json",
        "667cd27c-af36-4ae8-9d32-2c3f0399247e",
    ): ("transfer-to-phone-number", "9ec2348f-f86a-40c2-af54-8e1fa6568f52"),
    # "MessageParticipantIteratively" that ends the queue flow's branch (Transitions {}).
    (
        "amazon-connect-experience-builder/contact-flow-queue.content.json",
        "098007b7-e257-4b7c-9c3c-741d4680517d",
    ): ("loop-prompts", None),
    # "GetParticipantInput" (StoreInput False) with InputTimeLimitExceeded, NoMatchingCondition
    # and NoMatchingError.
    ("amazon-connect-callbackmgmt/cfSetCallBackflow", "49953fa2-6051-4997-927a-706b28ee112e"): (
        "get-customer-input",
        {
            "timeout": "11b3e7b1-dcad-43d2-816e-ef57ddddb010",
            "no-match": "11b3e7b1-dcad-43d2-816e-ef57ddddb010",
            "error": "11b3e7b1-dcad-43d2-816e-ef57ddddb010",
        },
    ),
    # "UpdateContactTargetQueue" with a queue ARN and NoMatchingError.
    ("amazon-connect-callbackmgmt/cfSetCallBackflow", "982af99a-fa9d-4aca-b5be-e779e660a085"): (
        "set-working-queue",
        {
            "success": "591bdb12-069d-46ab-89b7-2be41a3beb2e",
            "error": "591bdb12-069d-46ab-89b7-2be41a3beb2e",
        },
    ),
    # "TransferContactToQueue" again, in another repository's flow.
    ("amazon-connect-callbackmgmt/cfSetCallBackflow", "73886ebc-11e0-4b24-9618-cae0a1635d8d"): (
        "transfer-to-queue",
        {
            "success": "5700863e-795d-4b32-8f11-573666836e80",
            "at-capacity": "5700863e-795d-4b32-8f11-573666836e80",
            "error": "5700863e-795d-4b32-8f11-573666836e80",
        },
    ),
}


@pytest.mark.parametrize(("file", "identifier"), list(REAL), ids=[i[:8] for _, i in REAL])
def test_real_export_action_becomes_its_block(file: str, identifier: str) -> None:
    src, diags = read_source(VENDORED / file)
    assert src is not None, [d.message for d in diags]
    flow = import_source(src).flow
    by_id = {b.get("id", n): (n, b) for n, b in flow["blocks"].items()}
    name_of = {n: i for i, (n, _) in by_id.items()}
    _, block = by_id[identifier]
    block_type, branches = REAL[(file, identifier)]
    assert block["type"] == block_type
    nxt = block.get("next")
    if block_type == "connect-action":
        return
    if isinstance(branches, dict):
        assert isinstance(nxt, dict)
        assert {b: name_of[t] for b, t in nxt.items()} == branches
    else:
        assert (name_of[nxt] if nxt else None) == branches
