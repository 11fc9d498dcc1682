"""`flowrt run --format connect-logs`: the flow log records Amazon Connect would write for a run.

Each step of a run's trace becomes the records Connect logs for that block (module type from
`flowrt.replay.mapping`, the resolved Parameters, Results, ExternalResults), in the shape of one
of two eras (`ERAS`): `current` (since about 2024: `ContactFlowName` and the action's
`Identifier`) or `2019` (neither).  As in Connect, nothing is logged until a Set logging behavior
block turns logging on, and a block that waits for the customer (Get customer input) writes a
record on entry and one on exit.  Timestamps start at the world's clock, 1 ms apart, so the same
run always gives the same bytes.  After a contact's records comes its contact record (CTR), with
the channel, endpoints and final attributes, as the contact record stream would deliver it.

Records that Connect's documentation does not describe (queue checks, the contacts a queue held
at a transfer) carry the values the block read in `Parameters`, so a replay can give the same
answers back; docs/replay.md lists them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from flowrt.replay.mapping import LOGGING, module_of_block

if TYPE_CHECKING:
    from flowrt.lang.compiler import Node, Program
    from flowrt.run.trace import Result

#: The shapes of records flowrt can write: `current` (2024 onwards) and `2019`.
ERAS = ("current", "2019")
#: Results of a Lambda that failed, as Connect logs it.
LAMBDA_ERROR = "The Lambda Function Returned An Error."
#: Transfer-to-phone-number outcomes -> the Results text flowrt logs for them.
DIAL_RESULTS = {
    "answered": "Success",
    "never-returns": "Success",
    "call-failed": "CallFailed",
    "timeout": "Timeout",
    "error": "Error",
}
_AGENT = "agent queue of "
_DEFAULT_INSTANCE = "arn:aws:connect:us-east-1:000000000000:instance/flowrt"


def timestamp(at: datetime) -> str:
    """ISO 8601 UTC with milliseconds, as Connect writes it: `2019-09-25T02:55:49.760Z`."""
    utc = at.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


class _Arns:
    """ARNs of the project's resources, made the way export makes them."""

    def __init__(self, program: Program) -> None:
        self.inst = program.instance
        self.base = self.inst.arn if self.inst and self.inst.arn else _DEFAULT_INSTANCE

    def flow(self, name: str) -> str:
        return f"{self.base}/contact-flow/{name}"

    def queue(self, shown: str) -> str:
        if shown.startswith(_AGENT):
            user = shown[len(_AGENT) :]
            users = self.inst.users if self.inst else {}
            uid = users[user].id if user in users and users[user].id else user
            return f"{self.base}/queue/agent/{uid}"
        if self.inst is not None and shown in self.inst.queues:
            return self.inst.queue_arn(shown)
        return f"{self.base}/queue/{shown}"

    def function(self, name: str) -> str:
        inst = self.inst
        spec = inst.lambda_functions.get(name) if inst is not None else None
        arn = getattr(spec, "arn", None)
        return arn or f"arn:aws:lambda:us-east-1:000000000000:function:{name}"

    def hours(self, name: str) -> str:
        return f"{self.base}/operating-hours/{name}"


def _text(value: Any) -> str:
    """A parameter value as Connect logs it: text (`"3000"`, `"true"`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _facts(facts: list[tuple[Any, ...]] | None, kind: str) -> list[tuple[Any, ...]]:
    return [f for f in facts or () if f[0] == kind]


def _logging_change(node: Node) -> bool | None:
    """True/False when the block turns logging on/off; None when it does neither."""
    block = node.block
    if module_of_block(block) != LOGGING:
        return None
    data = block.model_dump(mode="json", by_alias=True, exclude_none=True)
    return "Disable" not in json.dumps(data)


def _decision(node: Node, branch: str, yes: str = "True", no: str = "False") -> str:
    """The Results of a check: the matched condition, True/False, or NoMatchingCondition."""
    if branch == "error":
        return "Error"
    if branch.startswith("condition-"):
        return node.block.branch_label(branch)
    if branch in ("in-hours", "true"):
        return yes
    if branch in ("out-of-hours", "false"):
        return no
    return "NoMatchingCondition"


def step_records(
    node: Node, branch: str, facts: list[tuple[Any, ...]] | None, arns: _Arns, ended: bool
) -> list[dict[str, Any]]:
    """The records (Parameters, Results, ExternalResults) one step of a run logs, in order."""
    action = vars(node.block).get("action")  # vars: see module_of_block
    module = module_of_block(node.block)
    if module is None:
        return []
    error = branch == "error"
    one: dict[str, Any] = {"ContactFlowModuleType": module}
    if action is not None:
        params = dict(getattr(node.block, "parameters", {}) or {})
        if action == "UpdateFlowLoggingBehavior":
            params = {"LoggingBehavior": "Disable" if _logging_change(node) is False else "Enable"}
        elif action == "UpdateContactTextToSpeechVoice":
            params = {"GlobalVoice": params.get("TextToSpeechVoice", "")}
        one["Parameters"] = {k: _text(v) for k, v in params.items()}
    elif module in ("SetLoggingBehavior", "SetVoice"):
        on = _logging_change(node) is not False
        voice = getattr(node.block, "voice", "")
        one["Parameters"] = (
            {"LoggingBehavior": "Enable" if on else "Disable"}
            if module == LOGGING
            else {"GlobalVoice": _text(voice)}
        )
    elif module == "PlayPrompt":
        said = [f[1] for f in facts or () if f[0] in ("prompt", "message")]
        text = said[0] if said else ""
        kind = "ssml" if str(text).lstrip().startswith("<speak") else "text"
        one["Parameters"] = {"Text": _text(text), "TextToSpeechType": kind}
    elif module == "GetUserInput":
        said = _facts(facts, "prompt")
        entry: dict[str, Any] = {"ContactFlowModuleType": module, "Parameters": {}}
        if said:
            entry["Parameters"]["Text"] = _text(said[0][1])
        entry["Parameters"]["Timeout"] = str(getattr(node.block, "timeout_seconds", 5))
        given = _facts(facts, "input")
        if error:
            result = "Error"
        elif branch == "timeout" or not given:
            result = "Timeout"
        else:
            result = _text(given[0][1])
        return [entry, {"ContactFlowModuleType": module, "Results": result}]
    elif module == "SetAttributes":
        sets = _facts(facts, "set")
        records: list[dict[str, Any]] = [
            {"ContactFlowModuleType": module, "Parameters": {"Key": k, "Value": new}}
            for _, k, _, new in sets
        ]
        if error:
            records.append({"ContactFlowModuleType": module, "Results": "Error"})
        return records
    elif module == "InvokeExternalResource":
        calls = _facts(facts, "lambda")
        function = getattr(node.block, "function", "")
        params = {
            "FunctionArn": arns.function(function),
            "TimeLimit": str(1000 * int(getattr(node.block, "timeout_seconds", 8) or 8)),
            "ResponseValidation": "ResponseType=STRING_MAP",
        }
        if calls and calls[0][3]:
            params["Parameters"] = {k: _text(v) for k, v in dict(calls[0][3]).items()}
        one["Parameters"] = params
        if error:
            one["Results"] = LAMBDA_ERROR
        else:
            one["ExternalResults"] = dict(calls[0][4] or {}) if calls else {}
        return [one]
    elif module == "CheckAttribute":
        compared = _facts(facts, "compare")
        one["Parameters"] = {"Value": _text(compared[0][2]) if compared else ""}
        one["Results"] = _decision(node, branch)
        return [one]
    elif module == "CheckHoursOfOperation":
        hours = _facts(facts, "hours")
        name = hours[0][1] if hours else getattr(node.block, "hours", None)
        one["Parameters"] = {"Hours": arns.hours(name)} if name else {}
        one["Results"] = _decision(node, branch)
        return [one]
    elif module == "SetQueue":
        moved = _facts(facts, "working-queue")
        one["Parameters"] = {"Queue": arns.queue(moved[0][1])} if moved else {}
    elif module == "TransferToQueue":
        cap = _facts(facts, "capacity")
        if cap:
            one["Parameters"] = {"Queue": arns.queue(cap[0][1]), "ContactsInQueue": str(cap[0][2])}
        one["Results"] = {"success": "Success", "at-capacity": "QueueAtCapacity"}.get(
            branch, "Success" if ended and not error else "Error"
        )
        return [one]
    elif module == "Transfer":
        dialled = _facts(facts, "transfer")
        if dialled:
            one["Parameters"] = {"ThirdPartyPhoneNumber": dialled[0][1]}
            one["Results"] = DIAL_RESULTS.get(dialled[0][2], "Error")
        else:
            one["Results"] = "Error"
        return [one]
    elif module == "TransferToFlow":
        moved = _facts(facts, "flow")
        one["Parameters"] = {"ContactFlowId": arns.flow(moved[0][1])} if moved else {}
    elif module == "CheckQueueStatus":
        metric = _facts(facts, "metric")
        if metric:
            _, q, name, value = metric[0]
            one["Parameters"] = {"Queue": arns.queue(q), "Metric": name, "Value": str(value)}
        one["Results"] = _decision(node, branch)
        return [one]
    elif module == "CheckStaffing":
        staffing = _facts(facts, "staffing")
        if staffing:
            _, q, status, count = staffing[0]
            one["Parameters"] = {"Queue": arns.queue(q), "Status": status, "Count": str(count)}
        one["Results"] = _decision(node, branch)
        return [one]
    elif module == "GetQueueMetrics":
        metrics = _facts(facts, "metrics")
        if metrics:
            values = {k: str(v) for k, v in metrics[0][2]}
            one["Parameters"] = {"Queue": arns.queue(metrics[0][1]), **values}
    else:
        one["Parameters"] = {}
    if error:
        one["Results"] = "Error"
    return [one]


def contact_records(result: Result, program: Program, era: str = "current") -> list[dict[str, Any]]:
    """Every record Amazon Connect would log for a run, then its contact record; none when
    logging was never turned on."""
    arns = _Arns(program)
    trace = result.trace
    cid = result.contact_id
    at = trace.world.clock
    out: list[dict[str, Any]] = []
    logging = False
    records = trace.records
    attrs = dict(trace.contact.attributes)
    attrs.update(trace.world.attributes)
    last_flow = None
    for i, (cflow, node, branch, facts, _) in enumerate(records):
        for f in facts or ():
            if f[0] == "set":
                attrs[f[1]] = f[3]
        change = _logging_change(node)
        if change:
            logging = True
        if not logging:
            continue
        if change is False:  # the block that turns logging off is still logged
            logging = False
        ended = i == len(records) - 1
        for rec in step_records(node, branch or "", facts, arns, ended):
            full: dict[str, Any] = {"ContactId": cid, "ContactFlowId": arns.flow(cflow.name)}
            if era == "current":
                full["ContactFlowName"] = cflow.name
            full["ContactFlowModuleType"] = rec["ContactFlowModuleType"]
            if era == "current":
                full["Identifier"] = node.block.id or node.name
            full["Timestamp"] = timestamp(at)
            at += timedelta(milliseconds=1)
            for key in ("Parameters", "Results", "ExternalResults"):
                if key in rec:
                    full[key] = rec[key]
            out.append(full)
        last_flow = cflow.name
    if not out:
        return out
    out.append(_contact_record(result, attrs, arns, last_flow, at))
    return out


def _contact_record(
    result: Result, attrs: dict[str, str], arns: _Arns, flow: str | None, at: datetime
) -> dict[str, Any]:
    c = result.trace.contact
    start = result.trace.world.clock

    def endpoint(address: str | None) -> dict[str, str] | None:
        if address is None:
            return None
        kind = "EMAIL_ADDRESS" if "@" in address else "TELEPHONE_NUMBER"
        return {"Address": address, "Type": kind}

    outcome = result.outcome
    queue = None
    if outcome.queue is not None:
        queue = {"ARN": arns.queue(outcome.queue), "Name": outcome.queue}
    return {
        "AWSContactTraceRecordFormatVersion": "2017-03-10",
        "Attributes": dict(sorted(attrs.items())),
        "Channel": c.channel,
        "ContactId": result.contact_id,
        "CustomerEndpoint": endpoint(c.customer_endpoint),
        "DisconnectReason": "CONTACT_FLOW_DISCONNECT" if outcome.kind == "disconnected" else None,
        "DisconnectTimestamp": timestamp(at)[:-5] + "Z",
        "InitiationMethod": "INBOUND",
        "InitiationTimestamp": timestamp(start)[:-5] + "Z",
        "InstanceARN": arns.base,
        "Queue": queue,
        "SystemEndpoint": endpoint(c.system_endpoint),
    }


def log_lines(result: Result, program: Program, era: str = "current") -> str:
    """The records of a run as CloudWatch Logs exports them: one JSON object a line."""
    return "".join(
        json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n"
        for r in contact_records(result, program, era)
    )
