"""Legacy console modules -> flow language actions: one converter per legacy module type.

Each converter takes the module and its parameters by name and returns the flow language `Type`
and `Parameters` the current console writes for the same block (the pages of the Amazon Connect
Administrator Guide's "Flow language actions" chapter give each Type's parameters), or raises
`NoEquivalent` naming exactly what has no equivalent: the module is then kept as a `legacy:`
pass-through with an FR403 warning (`flowrt.connect.legacy`).  Branches are converted there too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

#: A converter: (module, its parameters by name) -> (flow language Type, Parameters).
Converter = Callable[[dict[str, Any], dict[str, dict[str, Any]]], tuple[str, dict[str, Any]]]


class NoEquivalent(Exception):
    """The module (or one of its values) has no flow-language equivalent; the text says which.

    `at` is the `(key, value)` pair in the module's JSON that is the cause, when there is one
    (`("name", "Skill")` for a parameter, `("condition", "Timeout")` for a branch): the FR403
    warning is placed there in the file."""

    def __init__(self, message: str, at: tuple[str, str] | None = None) -> None:
        super().__init__(message)
        self.at = at


#: Legacy `System` names -> the JSONPath of the attribute ("List of available contact
#: attributes and their JSONPath references" in the Amazon Connect Administrator Guide).
SYSTEM = {
    "Customer Number": "$.CustomerEndpoint.Address",
    "Customer ID": "$.CustomerId",
    "Dialed Number": "$.SystemEndpoint.Address",
    "Stored customer input": "$.StoredCustomerInput",
    "Queue.ARN": "$.Queue.ARN",
    "Queue.Name": "$.Queue.Name",
    "Queue name": "$.Queue.Name",
    "Queue ARN": "$.Queue.ARN",
    "Text to speech voice": "$.TextToSpeechVoiceId",
    "Channel": "$.Channel",
    "Contact id": "$.ContactId",
    "Initial contact id": "$.InitialContactId",
    "Previous contact id": "$.PreviousContactId",
    "Instance ARN": "$.InstanceARN",
    "Initiation method": "$.InitiationMethod",
    "Language": "$.LanguageCode",
}
#: Dotted `System` values the console wrote as the path itself (`Metrics.Queue.OldestContactAge`).
_SYSTEM_PATH = re.compile(
    r"(?:Metrics|Queue|Agent|CustomerEndpoint|SystemEndpoint|Media)(?:\.[A-Za-z][A-Za-z0-9_-]*)+"
)
#: Namespaces whose value is a key under a flow language root.
NAMESPACES = {
    "User Defined": "$.Attributes.",
    "External": "$.External.",
    "Lex Slots": "$.Lex.Slots.",
    "Lex Attributes": "$.Lex.SessionAttributes.",
}
#: Legacy event hook names (SetEventHook `Type`, SetContactFlow `Type`) -> `EventHooks` keys of
#: UpdateContactEventHooks: the same names, as the "Set customer queue flow", "Set hold flow",
#: "Set whisper flow" and "Set disconnect flow" blocks write them.
EVENT_HOOKS = frozenset(
    {
        "CustomerQueue",
        "CustomerHold",
        "CustomerWhisper",
        "AgentHold",
        "AgentWhisper",
        "CustomerRemaining",
        "DefaultAgentUI",
        "DisconnectAgentUI",
        "PauseContact",
        "ResumeContact",
    }
)


#: Parameters naming a resource the console chooses from a list: exported without a value when
#: the sample's author removed it (their README asks the reader to pick it again).
RESOURCES = frozenset({"FunctionArn", "Queue", "Agent", "ContactFlowId", "AudioPrompt", "Hours"})


def value(param: dict[str, Any]) -> str:
    """A legacy parameter's value: static text, or the `$.` reference its namespace names.

    A resource chosen from a list in the console (a queue, a prompt, a flow) is exported with
    an empty `value` and its name in `resourceName`: the name is kept (an environment file maps
    it back to an ARN on export)."""
    ns, raw = param.get("namespace"), param.get("value")
    if raw in (None, "") and isinstance(param.get("resourceName"), str) and param["resourceName"]:
        return str(param["resourceName"])
    if raw in (None, "") and param.get("name") in RESOURCES:
        return ""  # a resource left unchosen in the console: reported with FR440
    if not isinstance(raw, str | int) or isinstance(raw, bool):
        raise NoEquivalent(f"value {raw!r} of `{param.get('name')}`", _at(param))
    if ns is None:
        return str(raw)
    if ns == "System" and raw in SYSTEM:
        return SYSTEM[str(raw)]
    if ns == "System" and isinstance(raw, str) and _SYSTEM_PATH.fullmatch(raw):
        return "$." + raw
    if ns in NAMESPACES:
        return _key_reference(NAMESPACES[ns], str(raw))
    raise NoEquivalent(f"`{raw}` in namespace `{ns}`", _at(param))


#: A key a dotted reference can hold (`$.Attributes.tier`, `$.External.a.b`).
_DOTTED_KEY = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*")


def _key_reference(root: str, key: str) -> str:
    """The reference to `key` under `root` (`$.Attributes.`): dotted when the key is plain,
    else in brackets and single quotes, as Amazon Connect references a name with spaces ("How
    to reference contact attributes": `$.Attributes.['user attribute name']`); the legacy
    console took any text as an attribute name, and a dotted reference ends at a space."""
    if _DOTTED_KEY.fullmatch(key):
        return root + key
    if "'" in key or "\\" in key:
        raise NoEquivalent(f"attribute name {key!r} (a quote or backslash in it)")
    return f"{root}['{key}']"


def _at(param: dict[str, Any]) -> tuple[str, str] | None:
    """Where a parameter is in its module: its `"name"`."""
    name = param.get("name")
    return ("name", name) if isinstance(name, str) else None


def params_of(module: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A module's parameters by name (the last of a repeated name)."""
    return {
        p["name"]: p for p in module.get("parameters", []) if isinstance(p, dict) and "name" in p
    }


def _all(module: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """Every parameter called `name` (Track, Attribute and Parameter repeat)."""
    return [
        p for p in module.get("parameters", []) if isinstance(p, dict) and p.get("name") == name
    ]


def _static(p: dict[str, dict[str, Any]], name: str, default: Any = None) -> Any:
    return p[name].get("value", default) if name in p else default


def _extra(p: dict[str, dict[str, Any]], known: set[str], what: str) -> None:
    """Refuse a module with a parameter no converter rule covers, naming it."""
    unknown = sorted(set(p) - known)
    if unknown:
        names = ", ".join(f"`{n}`" for n in unknown)
        raise NoEquivalent(f"{what} with parameter {names}", ("name", unknown[0]))


def _keyed(module: dict[str, Any], name: str) -> dict[str, str]:
    return {str(x["key"]): value(x) for x in _all(module, name) if "key" in x}


def _prompt(p: dict[str, dict[str, Any]], speech: bool = True) -> dict[str, str]:
    """The prompt of a module: text, SSML or an audio prompt.  With `speech`, the module's
    `TextToSpeechType` is kept as the action's (MessageParticipant and GetParticipantInput
    have it; the Lex action has not, its `Text` or `SSML` says the same)."""
    if "Text" in p:
        kind = _static(p, "TextToSpeechType", "text")
        if kind not in ("text", "ssml"):
            raise NoEquivalent(f"`TextToSpeechType` {kind!r}", ("name", "TextToSpeechType"))
        out = {"SSML" if kind == "ssml" else "Text": value(p["Text"])}
        if speech and "TextToSpeechType" in p:
            out["TextToSpeechType"] = kind
        return out
    if "AudioPrompt" in p:
        return {"PromptId": value(p["AudioPrompt"])}
    raise NoEquivalent("a prompt with neither text nor an audio prompt")


_PROMPT_PARAMS = {"Text", "TextToSpeechType", "AudioPrompt"}


def _play(m: dict[str, Any], p: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    _extra(p, _PROMPT_PARAMS, "PlayPrompt")
    return "MessageParticipant", _prompt(p)


def _set_queue(m: dict[str, Any], p: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    _extra(p, {"Queue", "Agent"}, "SetQueue")
    if "Queue" in p:
        return "UpdateContactTargetQueue", {"QueueId": value(p["Queue"])}
    if "Agent" in p:
        return "UpdateContactTargetQueue", {"AgentId": value(p["Agent"])}
    raise NoEquivalent("SetQueue without a queue or agent")


def _transfer(m: dict[str, Any], p: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    target = m.get("target")
    if target == "Queue" and not p:
        return "TransferContactToQueue", {}
    if target == "Flow" and set(p) == {"ContactFlowId"}:
        return "TransferToFlow", {"ContactFlowId": value(p["ContactFlowId"])}
    if target == "PhoneNumber" and "PhoneNumber" in p:
        _extra(p, {"PhoneNumber", "TimeLimit", "BlindTransfer"}, "Transfer to a phone number")
        blind = _static(p, "BlindTransfer", True)
        out: dict[str, Any] = {
            "ThirdPartyPhoneNumber": value(p["PhoneNumber"]),
            "ThirdPartyConnectionTimeLimitSeconds": str(_static(p, "TimeLimit", "30")),
            "ContinueFlowExecution": "False" if blind in (True, "true") else "True",
        }
        return "TransferParticipantToThirdParty", out
    raise NoEquivalent(f"Transfer to {target} with {', '.join(sorted(p)) or 'no parameters'}")


def _check_attribute(m: dict[str, Any], p: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    attr = _static(p, "Attribute")
    ns = _static(p, "Namespace")
    ref = value({"name": "Attribute", "value": attr, "namespace": ns})
    if not ref.startswith("$."):
        raise NoEquivalent(f"attribute `{attr}` without a namespace")
    return "Compare", {"ComparisonValue": ref}


def _set_attributes(m: dict[str, Any], p: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    _extra(p, {"Attribute"}, "SetAttributes")
    attrs = _keyed(m, "Attribute")
    if not attrs:
        raise NoEquivalent("SetAttributes without attributes")
    return "UpdateContactAttributes", {"Attributes": attrs}


def _hours(m: dict[str, Any], p: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    _extra(p, {"Hours"}, "CheckHoursOfOperation")
    if "Hours" in p:
        return "CheckHoursOfOperation", {"HoursOfOperationId": value(p["Hours"])}
    return "CheckHoursOfOperation", {}


def _staffing(m: dict[str, Any], p: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    _extra(p, {"Status", "Queue", "Agent"}, "CheckStaffing")
    status = _static(p, "Status", "Available")
    if status not in ("Available", "Staffed", "Online"):
        raise NoEquivalent(f"CheckStaffing with `Status` {status!r}", ("name", "Status"))
    out = {"MetricType": f"NumberOfAgents{status}"}
    # CheckMetricData checks the contact's working queue unless a queue or an agent is named.
    if "Queue" in p:
        out["QueueId"] = value(p["Queue"])
    elif "Agent" in p:
        out["AgentId"] = value(p["Agent"])
    return "CheckMetricData", out


def _logging(m: dict[str, Any], p: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    _extra(p, {"LoggingBehavior"}, "SetLoggingBehavior")
    setting = _static(p, "LoggingBehavior")
    if setting not in ("Enable", "Disable"):
        raise NoEquivalent(f"`LoggingBehavior` {setting!r}", ("name", "LoggingBehavior"))
    return "UpdateFlowLoggingBehavior", {"FlowLoggingBehavior": f"{setting}d"}


def _lambda(m: dict[str, Any], p: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    if m.get("target") != "Lambda" or "FunctionArn" not in p:
        raise NoEquivalent(f"InvokeExternalResource of target {m.get('target')!r}")
    _extra(p, {"FunctionArn", "TimeLimit", "Parameter"}, "InvokeExternalResource")
    out: dict[str, Any] = {
        "LambdaFunctionARN": value(p["FunctionArn"]),
        "InvocationTimeLimitSeconds": str(_static(p, "TimeLimit", "3")),
    }
    attrs = _keyed(m, "Parameter")
    if attrs:
        out["LambdaInvocationAttributes"] = attrs
    return "InvokeLambdaFunction", out


def _voice(m: dict[str, Any], p: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    _extra(p, {"GlobalVoice", "GlobalEngine", "SpeakingStyle"}, "SetVoice")
    if "GlobalVoice" not in p:
        raise NoEquivalent("SetVoice without `GlobalVoice`")
    out = {"TextToSpeechVoice": value(p["GlobalVoice"])}
    if "GlobalEngine" in p:
        out["TextToSpeechEngine"] = value(p["GlobalEngine"])
    if "SpeakingStyle" in p:
        out["TextToSpeechStyle"] = value(p["SpeakingStyle"])
    return "UpdateContactTextToSpeechVoice", out


def _input(m: dict[str, Any], p: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    if m.get("target") == "Lex":
        return _lex(m, p)
    if m.get("target") != "Digits":
        raise NoEquivalent(f"GetUserInput of target {m.get('target')!r}")
    _extra(p, _PROMPT_PARAMS | {"Timeout", "MaxDigits"}, "GetUserInput")
    out = _prompt(p)
    out["InputTimeLimitSeconds"] = str(_static(p, "Timeout", "5"))
    out["StoreInput"] = "False"
    return "GetParticipantInput", out


def _lex(m: dict[str, Any], p: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    """GetUserInput with a Lex bot -> ConnectParticipantWithLexBot (Lex classic or V2)."""
    known = _PROMPT_PARAMS | {"BotName", "BotAlias", "BotRegion", "BotAliasArn", "Parameter"}
    _extra(p, known, "GetUserInput with a Lex bot")
    out: dict[str, Any] = _prompt(p, speech=False) if set(p) & {"Text", "AudioPrompt"} else {}
    if "BotAliasArn" in p:
        out["LexV2Bot"] = {"AliasArn": value(p["BotAliasArn"])}
    elif "BotName" in p:
        bot = {"Name": value(p["BotName"])}
        if "BotRegion" in p:
            bot["Region"] = value(p["BotRegion"])
        bot["Alias"] = value(p["BotAlias"]) if "BotAlias" in p else "$LATEST"
        out["LexBot"] = bot
    else:
        raise NoEquivalent("GetUserInput with a Lex bot but no `BotName` or `BotAliasArn`")
    attrs = _keyed(m, "Parameter")
    if attrs:
        out["LexSessionAttributes"] = attrs
    return "ConnectParticipantWithLexBot", out


def _store_input(m: dict[str, Any], p: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    """Store customer input -> GetParticipantInput with `StoreInput` "True"."""
    known = _PROMPT_PARAMS | {
        "CustomerInputType",
        "Timeout",
        "MaxDigits",
        "EncryptEntry",
        "TerminatorDigits",
        "DisableCancel",
    }
    _extra(p, known, "StoreUserInput")
    kind = _static(p, "CustomerInputType", "Custom")
    if kind != "Custom":
        raise NoEquivalent(
            f"StoreUserInput with `CustomerInputType` {kind!r}", ("name", "CustomerInputType")
        )
    if _static(p, "EncryptEntry", False) not in (False, "false", "False"):
        raise NoEquivalent(
            "StoreUserInput with `EncryptEntry` (the encryption key is not exported)",
            ("name", "EncryptEntry"),
        )
    if "MaxDigits" not in p:
        raise NoEquivalent("StoreUserInput without `MaxDigits`")
    out: dict[str, Any] = _prompt(p)
    out["StoreInput"] = "True"
    out["InputTimeLimitSeconds"] = str(_static(p, "Timeout", "5"))
    out["InputValidation"] = {"CustomValidation": {"MaximumLength": str(_static(p, "MaxDigits"))}}
    dtmf: dict[str, str] = {}
    if "TerminatorDigits" in p:
        dtmf["InputTerminationSequence"] = value(p["TerminatorDigits"])
    if "DisableCancel" in p:
        disable = _static(p, "DisableCancel") in (True, "true", "True")
        dtmf["DisableCancelKey"] = "True" if disable else "False"
    if dtmf:
        out["DTMFConfiguration"] = dtmf
    return "GetParticipantInput", out


def _metrics(m: dict[str, Any], p: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    _extra(p, {"Queue", "Agent"}, "GetMetricData")
    if "Queue" in p:
        return "GetMetricData", {"QueueId": value(p["Queue"])}
    if "Agent" in p:
        return "GetMetricData", {"AgentId": value(p["Agent"])}
    return "GetMetricData", {}


def _simple(kind: str) -> Converter:
    def convert(m: dict[str, Any], p: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
        _extra(p, set(), m.get("type", kind))
        return kind, {}

    return convert


def _loop_prompts(m: dict[str, Any], p: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    messages: list[dict[str, str]] = []
    for x in m.get("parameters", []):
        if x.get("name") == "Text":
            messages.append({"Text": value({**x, "namespace": None})})
        elif x.get("name") == "AudioPrompt":
            messages.append({"PromptId": value(x)})
        else:
            raise NoEquivalent(f"LoopPrompts with parameter `{x.get('name')}`", _at(x))
    if not messages:
        raise NoEquivalent("LoopPrompts without prompts")
    return "MessageParticipantIteratively", {"Messages": messages}


def _loop(m: dict[str, Any], p: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    _extra(p, {"LoopCount"}, "Loop")
    return "Loop", {"LoopCount": str(_static(p, "LoopCount", "1"))}


def _event_hook(m: dict[str, Any], p: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    """SetEventHook and SetContactFlow (the "Set ... flow" blocks) -> UpdateContactEventHooks."""
    kind = str(m.get("type"))
    _extra(p, {"Type", "ContactFlowId"}, kind)
    hook = _static(p, "Type")
    if hook not in EVENT_HOOKS:
        raise NoEquivalent(
            f"{kind} with `Type` {hook!r} (not an event hook of Amazon Connect)", ("name", "Type")
        )
    if "ContactFlowId" not in p:
        raise NoEquivalent(f"{kind} without `ContactFlowId`")
    return "UpdateContactEventHooks", {"EventHooks": {hook: value(p["ContactFlowId"])}}


_PARTICIPANTS = {"Both": ["Agent", "Customer"], "Agent": ["Agent"], "Customer": ["Customer"]}


def _recording(m: dict[str, Any], p: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    _extra(p, {"RecordingBehaviorOption", "RecordingParticipantOption"}, "SetRecordingBehavior")
    option = _static(p, "RecordingBehaviorOption")
    if option == "Disable":
        recorded: list[str] = []
    elif option == "Enable":
        who = _static(p, "RecordingParticipantOption", "Both")
        if who not in _PARTICIPANTS:
            raise NoEquivalent(
                f"SetRecordingBehavior with `RecordingParticipantOption` {who!r}",
                ("name", "RecordingParticipantOption"),
            )
        recorded = list(_PARTICIPANTS[who])
    else:
        raise NoEquivalent(
            f"SetRecordingBehavior with `RecordingBehaviorOption` {option!r}",
            ("name", "RecordingBehaviorOption"),
        )
    return "UpdateContactRecordingBehavior", {
        "RecordingBehavior": {"RecordedParticipants": recorded}
    }


_TRACKS = {"FromCustomer": "From", "ToCustomer": "To"}


def _streaming(m: dict[str, Any], p: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    """Start/StopMediaStreaming -> UpdateContactMediaStreamingBehavior Enabled/Disabled."""
    kind = str(m.get("type"))
    _extra(p, {"Track", "MediaStreamTypes"}, kind)
    directions = []
    for track in _all(m, "Track"):
        if track.get("value") not in _TRACKS:
            raise NoEquivalent(f"{kind} with `Track` {track.get('value')!r}", ("name", "Track"))
        directions.append(_TRACKS[track["value"]])
    media = _static(p, "MediaStreamTypes", "Audio")
    if media != "Audio":
        raise NoEquivalent(
            f"{kind} with `MediaStreamTypes` {media!r}", ("name", "MediaStreamTypes")
        )
    if not directions:
        directions = ["From", "To"]
    state = "Enabled" if kind == "StartMediaStreaming" else "Disabled"
    return "UpdateContactMediaStreamingBehavior", {
        "MediaStreamingState": state,
        "MediaStreamType": "Audio",
        "Participants": [{"ParticipantType": "Customer", "MediaDirections": directions}],
    }


def _priority(m: dict[str, Any], p: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    """Change routing priority / age: `AbsolutePosition` is the queue priority it sets."""
    _extra(p, {"AbsolutePosition"}, "UpdateRoutingPriority")
    if "AbsolutePosition" not in p:
        raise NoEquivalent("UpdateRoutingPriority without `AbsolutePosition`")
    return "UpdateContactRoutingBehavior", {"QueuePriority": value(p["AbsolutePosition"])}


#: Legacy module type -> converter to (flow language Type, Parameters).
CONVERTERS: dict[str, Converter] = {
    "PlayPrompt": _play,
    "SetQueue": _set_queue,
    "Transfer": _transfer,
    "CheckAttribute": _check_attribute,
    "SetAttributes": _set_attributes,
    "CheckHoursOfOperation": _hours,
    "CheckStaffing": _staffing,
    "SetLoggingBehavior": _logging,
    "InvokeExternalResource": _lambda,
    "SetVoice": _voice,
    "GetUserInput": _input,
    "StoreUserInput": _store_input,
    "GetMetricData": _metrics,
    "Disconnect": _simple("DisconnectParticipant"),
    "Resume": _simple("EndFlowExecution"),
    "Loop": _loop,
    "LoopPrompts": _loop_prompts,
    "SetEventHook": _event_hook,
    "SetContactFlow": _event_hook,
    "SetRecordingBehavior": _recording,
    "StartMediaStreaming": _streaming,
    "StopMediaStreaming": _streaming,
    "UpdateRoutingPriority": _priority,
}
