"""Amazon Connect test cases (the "Testing language"): their vocabulary, builders and checks.

Amazon Connect's testing and simulation feature stores a test case as a JSON document of
`Observations`: each waits for one `Event` of the simulated contact (the test starting, a message
reaching the customer, a flow action starting or completing, the test completing) and then runs
its `Actions` (send the customer's DTMF or utterance, override a flow action's behaviour, assert a
value, end the test).  `CreateTestCase` takes that document as its `Content` string, with a name,
a description, an entry point (a voice call or a chat into a flow) and `InitializationData` (the
contact's attributes, as a JSON string).

This module is the one place that knows the language: the constants (`VERSION`, the event,
action and operator names), small builders for the pieces flowrt writes, `content_problems` (what
is wrong with a document, in the words of the Testing language pages of the Amazon Connect
Administrator and Developer guides) and `read_testcase` (a file holding a test case: the content
itself, a `CreateTestCase` request or a `DescribeTestCase` response).  The mapping to and from
scenario cases is in `flowrt.connect.tests_export` and `flowrt.connect.tests_import`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flowrt.connect import jsonread
from flowrt.connect.files import read_bounded
from flowrt.connect.jsonread import JsonProblem
from flowrt.core.diagnostics import Diagnostic, Span

#: The Version the service accepts ("Testing language" example page; older pages said
#: "2025-06-21", which users report the service refuses).
VERSION = "2019-10-30"
EVENT_TYPES = (
    "TestInitiated",
    "TestCompleted",
    "MessageReceived",
    "FlowActionStarted",
    "FlowActionCompleted",
)
ACTION_TYPES = ("SendInstruction", "Assert", "OverrideSystemBehavior", "TestControl")
#: Assert operators (the "Assertion" page).
OPERATORS = (
    "Equals",
    "TextStartsWith",
    "TextEndsWith",
    "TextContains",
    "NumberGreaterThan",
    "NumberGreaterOrEqualTo",
    "NumberLessThan",
    "NumberLessOrEqualTo",
    "Exists",
)
USAGE_TYPES = ("Exactly", "AtLeast", "AtMost", "Always")
MATCHING = ("Similarity", "Inclusion")
#: Flow actions an OverrideSystemBehavior may override, and the mock values each accepts.
OVERRIDABLE: dict[str, tuple[str, ...]] = {
    "InvokeLambdaFunction": ("TimeLimitExceeded", "NoMatchingError"),
    "CheckHoursOfOperation": ("NoMatchingError",),
    "ConnectParticipantWithLexBot": ("TimeLimitExceeded", "NoMatchingError"),
    "TransferContactToQueue": ("QueueAtCapacity", "NoMatchingError"),
    "DequeueAndTransferToQueue": ("QueueAtCapacity", "NoMatchingError"),
}
HOURS_VALUES = ("InHours", "OutOfHours")
#: The entry point types of CreateTestCase, by flowrt channel.
ENTRY_TYPES = {"VOICE": "VOICE_CALL", "CHAT": "CHAT"}
#: Identifiers: flowrt writes at most this many characters (the action Identifier limit of the
#: flow language, which the console shares).
MAX_IDENTIFIER = 50


# ---------------------------------------------------------------------------------------------
# builders


def event(identifier: str, kind: str, properties: dict[str, Any] | None = None) -> dict[str, Any]:
    """An Event (`Actor` is always `System`)."""
    return {
        "Identifier": identifier,
        "Type": kind,
        "Actor": "System",
        "Properties": properties or {},
    }


def message_event(identifier: str, text: str, matching: str) -> dict[str, Any]:
    """A MessageReceived event.  `MatchingCriteria` is written on the event as a string: the
    form third parties report the service accepting (the pages show it inside `Properties` as
    `{"Type": ...}`; `read_matching` reads both)."""
    out = event(identifier, "MessageReceived", {"Text": text})
    out["MatchingCriteria"] = matching
    return out


def override(
    identifier: str, action_type: str, parameters: dict[str, Any], response: dict[str, Any]
) -> dict[str, Any]:
    """An OverrideSystemBehavior action with a MockResponse strategy."""
    return {
        "Identifier": identifier,
        "Type": "OverrideSystemBehavior",
        "Parameters": {
            "ActionType": "OverrideSystemBehavior",
            "Behavior": {
                "Type": "FlowAction",
                "Properties": {
                    "ActionType": action_type,
                    "ActionParameters": parameters,
                    "Strategy": {"Type": "MockResponse", "Response": response},
                },
            },
        },
    }


def result_response(result: dict[str, Any]) -> dict[str, Any]:
    """A mock's successful response."""
    return {"Type": "ExecutionResult", "ExecutionResult": result}


def error_response(value: str) -> dict[str, Any]:
    """A mock's error response."""
    return {"Type": "Error", "Error": {"Value": value}}


def send_dtmf(identifier: str, digits: str) -> dict[str, Any]:
    """The customer presses keys (the Value is text, as the pages show)."""
    return _send(identifier, {"Type": "DtmfInput", "Properties": {"Value": digits}})


def send_text(identifier: str, text: str, language: str) -> dict[str, Any]:
    """The customer types or says `text` (an Utterance)."""
    return _send(
        identifier,
        {"Type": "Utterance", "Properties": {"Text": text, "LanguageCode": language}},
    )


def _send(identifier: str, instruction: dict[str, Any]) -> dict[str, Any]:
    return {
        "Identifier": identifier,
        "Type": "SendInstruction",
        "Parameters": {
            "ActionType": "SendInstruction",
            "Actor": "Customer",
            "Instruction": instruction,
        },
    }


def assertion(
    identifier: str, namespace: str, operator: str, operand: str | None
) -> dict[str, Any]:
    """An Assert action (`Exists` has no operand)."""
    params: dict[str, Any] = {"Namespace": namespace, "Operator": operator}
    if operand is not None:
        params["Operand"] = operand
    return {"Identifier": identifier, "Type": "Assert", "Parameters": params}


def end_test(identifier: str) -> dict[str, Any]:
    """A TestControl EndTest action."""
    return {
        "Identifier": identifier,
        "Type": "TestControl",
        "Parameters": {"ActionType": "TestControl", "Command": {"Type": "EndTest"}},
    }


def chain(actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Link actions in order with `Transitions.NextAction`; the last has no `Transitions` (an
    empty NextAction is reported refused by the service)."""
    for action, following in zip(actions, actions[1:], strict=False):
        action["Transitions"] = {"NextAction": following["Identifier"]}
    return actions


def read_matching(ev: dict[str, Any]) -> str | None:
    """A MessageReceived event's matching criteria, from either place it is written."""
    props = ev.get("Properties")
    inner = props.get("MatchingCriteria") if isinstance(props, dict) else None
    if isinstance(inner, dict):
        inner = inner.get("Type")
    found = inner if inner is not None else ev.get("MatchingCriteria")
    return found if isinstance(found, str) else None


# ---------------------------------------------------------------------------------------------
# checks


def content_problems(doc: Any) -> list[str]:
    """What is wrong with a test case's content, one sentence each (empty when nothing is).

    Checks what the Testing language pages state: the Version, observations with unique
    identifiers, known event and action types with their required parameters, known operators,
    usage types and matching criteria, and transitions that name an action of the same
    observation or an observation of the document."""
    if not isinstance(doc, dict):
        return [f"the content is {type(doc).__name__}, not an object"]
    out: list[str] = []
    if doc.get("Version") != VERSION:
        out.append(f"`Version` is {doc.get('Version')!r}; Amazon Connect accepts {VERSION!r}")
    observations = doc.get("Observations")
    if not isinstance(observations, list) or not observations:
        return [*out, "`Observations` must be a non-empty list"]
    ids: list[str] = []
    for i, obs in enumerate(observations):
        if not isinstance(obs, dict) or not isinstance(obs.get("Identifier"), str):
            out.append(f"observation {i + 1} is not an object with an `Identifier`")
            continue
        ids.append(obs["Identifier"])
    seen: set[str] = set()
    for ident in ids:
        if ident in seen:
            out.append(f"observation `{ident}` is defined twice")
        seen.add(ident)
    for obs in observations:
        if isinstance(obs, dict) and isinstance(obs.get("Identifier"), str):
            out.extend(f"observation `{obs['Identifier']}`: {p}" for p in _observation(obs, seen))
    return out


def _observation(obs: dict[str, Any], ids: set[str]) -> list[str]:
    out = _event(obs.get("Event"))
    actions = obs.get("Actions", [])
    if not isinstance(actions, list):
        return [*out, "`Actions` must be a list"]
    names = [a.get("Identifier") for a in actions if isinstance(a, dict)]
    for action in actions:
        out.extend(_action(action, names))
    usage = obs.get("Usage")
    if usage is not None:
        # The pages spell the types `Exactly`...; a test case reported to pass validation
        # wrote `EXACTLY` without `Times`: both are read.
        kind = usage.get("Type") if isinstance(usage, dict) else None
        times = usage.get("Times") if isinstance(usage, dict) else None
        if not isinstance(kind, str) or kind.lower() not in [u.lower() for u in USAGE_TYPES]:
            out.append(f"`Usage.Type` {kind!r} is not one of {', '.join(USAGE_TYPES)}")
        elif times is not None and (not isinstance(times, int) or times < 0):
            out.append("`Usage.Times` must be a whole number")
    nexts = (obs.get("Transitions") or {}).get("NextObservations", [])
    if not isinstance(nexts, list) or not all(isinstance(n, str) for n in nexts):
        out.append("`Transitions.NextObservations` must be a list of observation identifiers")
    else:
        out.extend(
            f"`NextObservations` names `{n}`, which is no observation"
            for n in nexts
            if n not in ids
        )
    return out


def _event(ev: Any) -> list[str]:
    if not isinstance(ev, dict):
        return ["`Event` must be an object"]
    out = []
    if ev.get("Type") not in EVENT_TYPES:
        out.append(f"event Type {ev.get('Type')!r} is not one of {', '.join(EVENT_TYPES)}")
    if ev.get("Actor") != "System":
        out.append("an event's `Actor` must be `System`")
    props = ev.get("Properties", {})
    if not isinstance(props, dict):
        return [*out, "an event's `Properties` must be an object"]
    if ev.get("Type") == "MessageReceived":
        if sum(k in props for k in ("Text", "SSML", "PromptId", "Media")) != 1:
            out.append("a MessageReceived event needs exactly one of Text, SSML, PromptId, Media")
        matching = read_matching(ev)
        if matching is not None and matching not in MATCHING:
            out.append(f"`MatchingCriteria` {matching!r} is not Similarity or Inclusion")
    if ev.get("Type") in ("FlowActionStarted", "FlowActionCompleted") and not isinstance(
        props.get("ActionType"), str
    ):
        out.append(f"a {ev.get('Type')} event needs `Properties.ActionType`")
    return out


def _action(action: Any, names: list[Any]) -> list[str]:
    if not isinstance(action, dict) or not isinstance(action.get("Identifier"), str):
        return ["an action is not an object with an `Identifier`"]
    kind = action.get("Type")
    where = f"action `{action['Identifier']}`"
    if kind not in ACTION_TYPES:
        return [f"{where}: Type {kind!r} is not one of {', '.join(ACTION_TYPES)}"]
    params = action.get("Parameters")
    if not isinstance(params, dict):
        return [f"{where}: `Parameters` must be an object"]
    out = []
    if kind != "Assert" and params.get("ActionType") != kind:
        out.append(f"{where}: `Parameters.ActionType` must be {kind}")
    if kind == "Assert":
        if not isinstance(params.get("Namespace"), str) or not params["Namespace"].startswith("$."):
            out.append(f"{where}: `Namespace` must be a JSON path such as $.Attributes.x")
        if params.get("Operator") not in OPERATORS:
            out.append(
                f"{where}: Operator {params.get('Operator')!r} is not one of {', '.join(OPERATORS)}"
            )
        elif params["Operator"] != "Exists" and not isinstance(params.get("Operand"), str):
            out.append(f"{where}: Operator {params['Operator']} needs a text `Operand`")
    elif kind == "OverrideSystemBehavior":
        out.extend(f"{where}: {p}" for p in _override(params))
    elif kind == "SendInstruction":
        instruction = params.get("Instruction")
        itype = instruction.get("Type") if isinstance(instruction, dict) else None
        if params.get("Actor") != "Customer":
            out.append(f"{where}: `Actor` must be Customer")
        if itype not in ("DtmfInput", "Utterance", "Disconnect"):
            out.append(
                f"{where}: Instruction Type {itype!r} is not DtmfInput, Utterance or Disconnect"
            )
    elif kind == "TestControl":
        command = params.get("Command")
        if not isinstance(command, dict) or command.get("Type") not in ("EndTest", "LogData"):
            out.append(f"{where}: `Command.Type` must be EndTest or LogData")
    transitions = action.get("Transitions")
    if transitions is not None:
        nxt = transitions.get("NextAction") if isinstance(transitions, dict) else None
        if nxt is not None and nxt not in names:
            out.append(f"{where}: `NextAction` {nxt!r} names no action of this observation")
    return out


def _override(params: dict[str, Any]) -> list[str]:
    behavior = params.get("Behavior")
    props = behavior.get("Properties") if isinstance(behavior, dict) else None
    if not isinstance(behavior, dict) or behavior.get("Type") != "FlowAction":
        return ["`Behavior.Type` must be FlowAction"]
    if not isinstance(props, dict):
        return ["`Behavior.Properties` must be an object"]
    atype = props.get("ActionType")
    if atype not in OVERRIDABLE:
        return [f"flow action {atype!r} cannot be overridden (only {', '.join(OVERRIDABLE)})"]
    strategy = props.get("Strategy")
    stype = strategy.get("Type") if isinstance(strategy, dict) else None
    if stype == "SubstituteResource":
        ok = isinstance(strategy, dict) and isinstance(strategy.get("SubstituteArn"), str)
        return [] if ok else ["a SubstituteResource strategy needs `SubstituteArn`"]
    if stype != "MockResponse" or not isinstance(strategy, dict):
        return ["`Strategy.Type` must be MockResponse or SubstituteResource"]
    response = strategy.get("Response")
    rtype = response.get("Type") if isinstance(response, dict) else None
    if rtype == "Error" and isinstance(response, dict):
        value = (response.get("Error") or {}).get("Value")
        if value not in OVERRIDABLE[atype]:
            return [
                f"a {atype} mock error is one of {', '.join(OVERRIDABLE[atype])}, not {value!r}"
            ]
        return []
    if rtype != "ExecutionResult" or not isinstance(response, dict):
        return ["a mock `Response.Type` must be ExecutionResult or Error"]
    if atype in ("TransferContactToQueue", "DequeueAndTransferToQueue"):
        return [f"a {atype} mock can only be an Error (QueueAtCapacity or NoMatchingError)"]
    result = response.get("ExecutionResult")
    if not isinstance(result, dict):
        return ["`ExecutionResult` must be an object"]
    if atype == "CheckHoursOfOperation" and result.get("Value") not in HOURS_VALUES:
        return [f"an hours mock Value is InHours or OutOfHours, not {result.get('Value')!r}"]
    if atype != "CheckHoursOfOperation" and not isinstance(result.get("LoadedData"), str):
        return ["`ExecutionResult.LoadedData` must be a JSON string"]
    return []


# ---------------------------------------------------------------------------------------------
# reading


@dataclass
class TestCaseSource:
    """A test case read from a file: its content and what `CreateTestCase` carries with it."""

    file: str
    stem: str
    content: dict[str, Any]
    request: dict[str, Any] = field(default_factory=dict)


def sniff(data: Any) -> dict[str, Any] | None:
    """The request-like object of a parsed file when it holds a test case, else None.

    A test case is a document with `Observations`, a `CreateTestCase` request (its `Content`
    a JSON string or an object with `Observations`) or a `DescribeTestCase` response
    (`{"TestCase": {...}}`)."""
    if not isinstance(data, dict):
        return None
    inner = data.get("TestCase")
    holder: dict[str, Any] = inner if isinstance(inner, dict) else data
    if "Observations" in holder:
        return {"Content": holder}
    content = holder.get("Content")
    if isinstance(content, dict) and "Observations" in content:
        return holder
    if isinstance(content, str) and '"Observations"' in content:
        return holder
    return None


def is_testcase_file(path: Path) -> bool:
    """Whether `path` holds a test case (flow import leaves such files to the test import)."""
    raw, problem = read_bounded(path, str(path))
    if problem is not None:
        return False
    try:
        return sniff(jsonread.loads(raw.decode("utf-8-sig"))) is not None
    except (JsonProblem, UnicodeDecodeError):
        return False


def read_testcase(path: Path) -> tuple[TestCaseSource | None, list[Diagnostic]]:
    """A test case file, or FR452 (what is wrong with it)."""
    shown = str(path)
    raw, problem = read_bounded(path, shown)
    if problem is not None:
        return None, [problem]
    try:
        request = sniff(jsonread.loads(raw.decode("utf-8-sig")))
    except (JsonProblem, UnicodeDecodeError) as exc:
        return None, [bad_file(shown, f"not JSON: {exc}")]
    if request is None:
        return None, [bad_file(shown, "no `Observations`, `Content` or `TestCase`")]
    content = request.get("Content")
    if isinstance(content, str):
        try:
            content = jsonread.loads(content)
        except JsonProblem as exc:
            return None, [bad_file(shown, f"`Content` is not JSON: {exc.message}")]
    problems = content_problems(content)
    if problems:
        return None, [bad_file(shown, p) for p in problems[:20]]
    assert isinstance(content, dict)
    stem = path.name.removesuffix(".json")
    return TestCaseSource(
        shown, stem, content, {k: v for k, v in request.items() if k != "Content"}
    ), []


def bad_file(shown: str, why: str) -> Diagnostic:
    """FR452 at the start of the file."""
    return Diagnostic.make(
        "FR452",
        f"not an Amazon Connect test case: {why}",
        Span(shown, 1, 1, 1, 2),
        "a test case is the Testing language document (Version 2019-10-30, Observations), or "
        "a CreateTestCase request or DescribeTestCase response holding it as `Content`",
    )


def dumps(data: Any) -> str:
    """Deterministic JSON text (what export writes and tests compare)."""
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
