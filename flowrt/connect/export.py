"""Export: DSL flows -> Amazon Connect flow language JSON (`Version 2019-10-30`).

Each block becomes one action (a `check-contact-attributes` with `when:` conditions becomes a
chain of Compare actions).  The action `Identifier` is the block's `id:` when it has one (an
imported flow keeps its UUIDs), else the block name.  Numbers and booleans are written as Amazon
Connect writes them (`"8"`, `"True"`).  Names of queues, flows, Lambda functions, prompts, phone
numbers, hours and users are replaced by their ARN/ID from the environment file when one is
given (`flowrt.connect.env`).  Layout comes from the side file `<name>.flow.layout.json` written
by the importer, or is generated.

What cannot be expressed is refused with a diagnostic naming it (FR410-FR419); docs/connect.md
has the mapping table.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flowrt.lang.blocks import CONNECT_OPERATORS, Block, Condition, text_of
from flowrt.connect.env import EMPTY, Environment
from flowrt.core.diagnostics import Diagnostic, Span
from flowrt.lang.loader import Document, JsonPath

VERSION = "2019-10-30"
MAX_ACTIONS = 250
MAX_IDENTIFIER = 50
MAX_CONTENT = 256_000
FORBIDDEN = frozenset("%:()\\/=$,;[]{}")
RESERVED = frozenset({"__proto__", "constructor", "toString", "prototype", "valueOf"})
LAYOUT_SUFFIX = ".flow.layout.json"

#: DSL branch -> Connect ErrorType, per block type (branches not listed are NextAction or
#: conditions; see `_NEXT_BRANCH`).
ERRORS: dict[str, dict[str, str]] = {
    "transfer-to-queue": {"at-capacity": "QueueAtCapacity", "error": "NoMatchingError"},
    "set-working-queue": {"error": "NoMatchingError"},
    "transfer-to-phone-number": {
        "call-failed": "CallFailed",
        "timeout": "ConnectionTimeLimitExceeded",
        "error": "NoMatchingError",
    },
    "transfer-to-flow": {"error": "NoMatchingError"},
    "check-contact-attributes": {"no-match": "NoMatchingCondition"},
    "check-hours-of-operation": {"error": "NoMatchingError"},
    "check-queue-status": {"no-match": "NoMatchingCondition", "error": "NoMatchingError"},
    "check-staffing": {"false": "NoMatchingCondition", "error": "NoMatchingError"},
    "get-queue-metrics": {"error": "NoMatchingError"},
    "set-contact-attributes": {"error": "NoMatchingError"},
    "play-prompt": {"error": "NoMatchingError"},
    "send-message": {"error": "NoMatchingError"},
    "loop-prompts": {"error": "NoMatchingError"},
    "get-customer-input": {
        "timeout": "InputTimeLimitExceeded",
        "no-match": "NoMatchingCondition",
        "error": "NoMatchingError",
    },
    "invoke-lambda": {"error": "NoMatchingError"},
}
#: The branch whose target Connect writes as `NextAction` (the console's convention: the main
#: exit, or for blocks that only branch by conditions and errors, the first error's target).
_NEXT_BRANCH: dict[str, str] = {
    "check-contact-attributes": "no-match",
    "check-hours-of-operation": "error",
    "check-queue-status": "error",
    "check-staffing": "error",
    "loop-prompts": "error",
    "get-customer-input": "error",
}
METRICS = {
    "oldest-contact-age": "OldestContactInQueueAgeSeconds",
    "contacts-in-queue": "NumberOfContactsInQueue",
    "available": "NumberOfAgentsAvailable",
    "staffed": "NumberOfAgentsStaffed",
    "online": "NumberOfAgentsOnline",
}
_WHEN_OPS = {
    "==": "Equals",
    "contains": "TextContains",
    "starts-with": "TextStartsWith",
    "ends-with": "TextEndsWith",
    ">": "NumberGreaterThan",
    "<": "NumberLessThan",
    ">=": "NumberGreaterOrEqualTo",
    "<=": "NumberLessOrEqualTo",
}


_KIND_LABEL = {
    "queues": "queue",
    "flows": "flow",
    "lambda-functions": "Lambda function",
    "prompts": "prompt",
    "phone-numbers": "phone number",
    "hours-of-operation": "hours of operation",
    "users": "user",
}


def connect_text(value: Any) -> str:
    """A parameter value as Amazon Connect writes it: `"8"`, `"True"`, `"1.5"`, text as is."""
    if isinstance(value, bool):
        return "True" if value else "False"
    return text_of(value)


def identifier_problem(identifier: str) -> str | None:
    """Why `identifier` is not a valid Connect action Identifier, or None."""
    if not identifier:
        return "is empty"
    if len(identifier) > MAX_IDENTIFIER:
        return f"has {len(identifier)} characters (at most {MAX_IDENTIFIER})"
    bad = sorted({c for c in identifier if c in FORBIDDEN})
    if bad:
        return f"holds {' '.join(bad)} (forbidden: % : ( \\ / ) = $ , ; [ ] {{ }})"
    if identifier in RESERVED:
        return "is a reserved word"
    return None


def looks_resolved(value: str) -> bool:
    """True for values that are already ARNs, IDs, placeholders or references."""
    return (
        value.startswith(("arn:", "$.", "+"))
        or "${" in value
        or (len(value) == 36 and value.count("-") == 4)
    )


@dataclass
class ExportContext:
    """What exporting one flow needs: names -> identifiers, the environment, diagnostics."""

    flow_type: str
    ids: dict[str, str]
    env: Environment = field(default_factory=Environment)
    flow_ids: dict[str, str] = field(default_factory=dict)
    doc: Document | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    block: str = ""

    def report(self, code: str, message: str, path: JsonPath = (), hint: str | None = None) -> None:
        """A diagnostic about the current block."""
        span = self.doc.span(("blocks", self.block, *path)) if self.doc else None
        prefix = f"block `{self.block}`: " if self.block else ""
        self.diagnostics.append(Diagnostic.make(code, prefix + message, span, hint))

    def target(self, name: str | None) -> str | None:
        return None if name is None else self.ids.get(name, name)

    def resource(self, kind: str, value: str, path: JsonPath) -> str:
        """`value` (a name) as the ARN/ID of this environment; references stay as they are."""
        if value.startswith("$."):
            return value
        mapped = self.env.to_connect(kind, value)
        if mapped is None and kind == "flows":
            mapped = self.flow_ids.get(value)
        if mapped is not None:
            return mapped
        if not looks_resolved(value):
            self.report(
                "FR414",
                f"{_KIND_LABEL.get(kind, kind)} `{value}` is not mapped to an ARN or ID; it is "
                "exported as written",
                path,
                f"map it under `{kind}:` in an environment file (--env)",
            )
        return value


# ---------------------------------------------------------------------------------------------
# transitions


def transitions(
    next_action: str | None,
    errors: Sequence[tuple[str, str]] = (),
    conditions: Sequence[tuple[str, list[str], str]] = (),
) -> dict[str, Any]:
    """Connect `Transitions`; `{}` for an action that ends the flow."""
    if next_action is None and not errors and not conditions:
        return {}
    out: dict[str, Any] = {}
    if next_action is not None:
        out["NextAction"] = next_action
    out["Errors"] = [{"NextAction": t, "ErrorType": e} for e, t in errors]
    out["Conditions"] = [
        {"NextAction": t, "Condition": {"Operator": op, "Operands": operands}}
        for op, operands, t in conditions
    ]
    return out


def _branches(block: Block) -> list[tuple[str, str]]:
    """(branch, target block) in the order written under `next`."""
    if isinstance(block.next, str):
        return [(block.DEFAULT_BRANCH or "success", block.next)]
    if isinstance(block.next, dict):
        return list(block.next.items())
    return []


def _modeled_transitions(
    block: Block, cx: ExportContext, conditions: Sequence[tuple[str, list[str], str]] = ()
) -> dict[str, Any]:
    errors_map = ERRORS.get(block.TYPE, {})
    next_branch = _NEXT_BRANCH.get(block.TYPE, "success")
    if block.TYPE == "transfer-to-phone-number" and not getattr(
        block, "resume_after_disconnect", False
    ):
        next_branch = "error"
    next_action = None
    errors: list[tuple[str, str]] = []
    for branch, target in _branches(block):
        t = cx.target(target)
        assert t is not None
        if branch == next_branch:
            next_action = t
        if branch in errors_map:
            errors.append((errors_map[branch], t))
    return transitions(next_action, errors, conditions)


def _condition_list(
    cx: ExportContext, conds: Sequence[Condition]
) -> list[tuple[str, list[str], str]]:
    out: list[tuple[str, list[str], str]] = []
    for i, cond in enumerate(conds):
        (op, operand), *_ = cond.operator()
        if op == "when":
            cx.report(
                "FR411",
                f"condition {i + 1} uses `when:`, which Amazon Connect can only express in "
                "check-contact-attributes",
                ("conditions", i, "when"),
                "use an operator (equals, number-greater-than, ...) here",
            )
            continue
        target = cx.target(cond.next)
        assert target is not None
        out.append((CONNECT_OPERATORS[op], [connect_text(operand)], target))
    return out


# ---------------------------------------------------------------------------------------------
# blocks


def _action(
    identifier: str, type_: str, params: dict[str, Any], trans: dict[str, Any]
) -> dict[str, Any]:
    return {"Identifier": identifier, "Type": type_, "Parameters": params, "Transitions": trans}


def _queue_params(cx: ExportContext, queue: str | None, agent: str | None) -> dict[str, Any]:
    if queue is not None:
        return {"QueueId": cx.resource("queues", queue, ("queue",))}
    if agent is not None:
        return {"AgentId": cx.resource("users", agent, ("agent",))}
    return {}


def _prompt_params(cx: ExportContext, obj: Any, path: JsonPath = ()) -> dict[str, Any]:
    if obj.text is not None:
        return {"Text": obj.text}
    if obj.ssml is not None:
        return {"SSML": obj.ssml}
    if obj.prompt is not None:
        return {"PromptId": cx.resource("prompts", obj.prompt, (*path, "prompt"))}
    return {}


def _params(block: Block, cx: ExportContext) -> tuple[str, dict[str, Any]] | None:
    """The Connect Type and Parameters of a modeled block (None when refused)."""
    b: Any = block
    t = block.TYPE
    if t == "transfer-to-queue":
        params = _queue_params(cx, b.queue, b.agent)
        if cx.flow_type == "customer-queue" and params:
            return "DequeueContactAndTransferToQueue", params
        if params:
            cx.report(
                "FR415",
                "names a queue or agent outside a customer queue flow; Amazon Connect's "
                "TransferContactToQueue uses the working queue",
                ("queue" if b.queue is not None else "agent",),
                "set the queue first with set-working-queue",
            )
            return None
        return "TransferContactToQueue", {}
    if t == "set-working-queue":
        return "UpdateContactTargetQueue", _queue_params(cx, b.queue, b.agent)
    if t == "transfer-to-phone-number":
        p: dict[str, Any] = {
            "ThirdPartyPhoneNumber": cx.resource(
                "phone-numbers", b.phone_number, ("phone-number",)
            ),
            "ThirdPartyConnectionTimeLimitSeconds": connect_text(b.timeout_seconds),
            "ContinueFlowExecution": connect_text(b.resume_after_disconnect),
        }
        if b.dtmf is not None:
            p["ThirdPartyDTMFDigits"] = b.dtmf
        if b.caller_id is not None:
            caller: dict[str, str] = {}
            if b.caller_id.number is not None:
                caller["Number"] = cx.resource(
                    "phone-numbers", b.caller_id.number, ("caller-id", "number")
                )
            if b.caller_id.name is not None:
                caller["Name"] = b.caller_id.name
            p["CallerId"] = caller
        return "TransferParticipantToThirdParty", p
    if t == "transfer-to-flow":
        return "TransferToFlow", {"ContactFlowId": cx.resource("flows", b.flow, ("flow",))}
    if t == "disconnect":
        return "DisconnectParticipant", {}
    if t == "end-flow":
        kind = "EndFlowModuleExecution" if cx.flow_type == "module" else "EndFlowExecution"
        return kind, {}
    if t == "check-contact-attributes":
        return "Compare", {"ComparisonValue": b.attribute or ""}
    if t == "check-hours-of-operation":
        hours = {}
        if b.hours is not None:
            hours = {"HoursOfOperationId": cx.resource("hours-of-operation", b.hours, ("hours",))}
        return "CheckHoursOfOperation", hours
    if t in ("check-queue-status", "check-staffing"):
        metric = METRICS[b.metric if t == "check-queue-status" else b.status]
        return "CheckMetricData", {"MetricType": metric, **_queue_params(cx, b.queue, b.agent)}
    if t == "get-queue-metrics":
        p = _queue_params(cx, b.queue, b.agent)
        if b.channel is not None:
            p["QueueChannel"] = b.channel
        return "GetMetricData", p
    if t == "set-contact-attributes":
        attrs = {k: connect_text(v) for k, v in b.attributes.items()}
        return "UpdateContactAttributes", {"Attributes": attrs}
    if t in ("play-prompt", "send-message"):
        return "MessageParticipant", (
            {"Text": b.text} if t == "send-message" else _prompt_params(cx, b)
        )
    if t == "loop-prompts":
        p = {"Messages": [_prompt_params(cx, m, ("prompts", i)) for i, m in enumerate(b.prompts)]}
        if b.interrupt_seconds is not None:
            p["InterruptFrequencySeconds"] = connect_text(b.interrupt_seconds)
        return "MessageParticipantIteratively", p
    if t == "get-customer-input":
        p = _prompt_params(cx, b)
        p["InputTimeLimitSeconds"] = connect_text(b.timeout_seconds)
        p["StoreInput"] = "False"
        return "GetParticipantInput", p
    if t == "invoke-lambda":
        p = {
            "LambdaFunctionARN": cx.resource("lambda-functions", b.function, ("function",)),
            "InvocationTimeLimitSeconds": connect_text(b.timeout_seconds),
        }
        if b.parameters:
            p["LambdaInvocationAttributes"] = {k: connect_text(v) for k, v in b.parameters.items()}
        return "InvokeLambdaFunction", p
    cx.report(
        "FR410",
        f"{t} is a flowrt-only block: Amazon Connect has no action for it",
        ("type",),
        "flows that use it (such as the outbound email policy) stay in flowrt",
    )
    return None


def _conditions(block: Block, cx: ExportContext) -> list[tuple[str, list[str], str]]:
    t = block.TYPE
    b: Any = block
    branches = _branches(block)
    if t == "check-hours-of-operation":
        value = {"in-hours": "True", "out-of-hours": "False"}
        return [("Equals", [value[br]], _t(cx, tg)) for br, tg in branches if br in value]
    if t == "check-staffing":
        return [("NumberGreaterThan", ["0"], _t(cx, tg)) for br, tg in branches if br == "true"]
    if t == "loop-prompts":
        return [
            ("Equals", ["MessagesInterrupted"], _t(cx, tg))
            for br, tg in branches
            if br == "timeout"
        ]
    if block.HAS_CONDITIONS:
        return _condition_list(cx, b.conditions)
    return []


def _t(cx: ExportContext, name: str) -> str:
    t = cx.target(name)
    assert t is not None
    return t


def export_block(name: str, block: Block, cx: ExportContext) -> list[dict[str, Any]]:
    """The Connect actions of one block (empty when it is refused: see cx.diagnostics)."""
    cx.block = name
    identifier = cx.ids.get(name, name)
    if block.TYPE == "connect-action":
        return _export_connect_action(identifier, block, cx)
    if block.TYPE == "check-contact-attributes" and any(
        c.when is not None for c in block.conditions_list
    ):
        from flowrt.connect.when import lower_conditions

        return lower_conditions(identifier, block, cx)
    if (
        block.TYPE == "check-contact-attributes"
        and isinstance(block.next, dict)
        and ("error" in block.next)
    ):
        cx.report(
            "FR416",
            "`error` is not exported: Amazon Connect's Compare has no error branch",
            ("next", "error"),
            "remove `error:` from this block's next",
        )
    found = _params(block, cx)
    if found is None:
        return []
    kind, params = found
    trans = _modeled_transitions(block, cx, _conditions(block, cx))
    return [_action(identifier, kind, params, trans)]


def _export_connect_action(
    identifier: str, block: Block, cx: ExportContext
) -> list[dict[str, Any]]:
    b: Any = block
    if b.action.startswith("legacy:"):
        cx.report(
            "FR417",
            f"`{b.action}` is a legacy console module with no flow-language equivalent",
            ("action",),
            "rebuild this block with a flowrt block type, or re-export the flow from the console",
        )
        return []
    if isinstance(block.next, str):
        next_action: str | None = cx.target(block.next)
        errors: list[tuple[str, str]] = []
    else:
        mapping = dict(block.next or {})
        next_action = cx.target(mapping.pop("success", None))
        errors = [(k, _t(cx, v)) for k, v in mapping.items()]
    conds = [(c.operator, list(c.operands), _t(cx, c.next)) for c in b.conditions]
    params = copy.deepcopy(b.parameters)
    return [_action(identifier, b.action, params, transitions(next_action, errors, conds))]


# ---------------------------------------------------------------------------------------------
# flows


@dataclass
class Exported:
    """One exported flow: its Connect JSON (None when refused) and the flow's facts."""

    name: str
    type: str
    description: str | None
    content: dict[str, Any] | None


def layout_path(flow_file: str | Path) -> Path:
    """The layout side file of a flow file (`x.flow.yaml` -> `x.flow.layout.json`)."""
    p = Path(flow_file)
    stem = p.name[: -len(".flow.yaml")] if p.name.endswith(".flow.yaml") else p.stem
    return p.with_name(stem + LAYOUT_SUFFIX)


def read_layout(flow_file: str | Path) -> dict[str, Any]:
    """The layout side file's content, or {} when there is none (or it is not JSON).

    A side file that resolves outside the flow's directory (a link out) is not read: its content
    would end up in the exported JSON."""
    path = layout_path(flow_file)
    if not path.resolve().is_relative_to(Path(flow_file).resolve().parent):
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def block_identifiers(blocks: dict[str, Block]) -> dict[str, str]:
    """Block name -> Connect Identifier (`id:` when given, else the name)."""
    return {name: block.id or name for name, block in blocks.items()}


def export_flow(
    flow: Any,
    blocks: dict[str, Block],
    *,
    env: Environment = EMPTY,
    flow_ids: dict[str, str] | None = None,
    layout: dict[str, Any] | None = None,
    doc: Document | None = None,
) -> tuple[dict[str, Any] | None, list[Diagnostic]]:
    """Export one modelled flow; None (and error diagnostics) when it cannot be expressed."""
    ids = block_identifiers(blocks)
    cx = ExportContext(flow.type, ids, env, dict(flow_ids or {}), doc)
    _check_identifiers(ids, cx)
    actions: list[dict[str, Any]] = []
    for name, block in blocks.items():
        actions.extend(export_block(name, block, cx))
    cx.block = ""
    if len(actions) > MAX_ACTIONS:
        cx.diagnostics.append(
            Diagnostic.make(
                "FR412",
                f"flow `{flow.flow}` exports to {len(actions)} actions; Amazon Connect accepts at "
                f"most {MAX_ACTIONS}",
                doc.span(("blocks",)) if doc else None,
                "split it with transfer-to-flow",
            )
        )
    if any(d.is_error for d in cx.diagnostics):
        return None, cx.diagnostics
    layout = layout or {}
    content: dict[str, Any] = {
        "Version": VERSION,
        "StartAction": ids.get(flow.start, flow.start),
        "Metadata": _metadata(layout.get("Metadata"), actions),
        "Actions": actions,
    }
    if "Settings" in layout:
        content["Settings"] = layout["Settings"]
    size = len(json.dumps(content, ensure_ascii=False))
    if size > MAX_CONTENT:
        cx.diagnostics.append(
            Diagnostic.make(
                "FR419",
                f"flow `{flow.flow}` exports to {size:,} characters; Amazon Connect accepts at "
                f"most {MAX_CONTENT:,}",
                doc.span(("flow",)) if doc else None,
                "split it with transfer-to-flow, or shorten long texts",
            )
        )
        return None, cx.diagnostics
    return content, cx.diagnostics


def _check_identifiers(ids: dict[str, str], cx: ExportContext) -> None:
    seen: dict[str, str] = {}
    for name, identifier in ids.items():
        cx.block = name
        problem = identifier_problem(identifier)
        if problem:
            cx.report(
                "FR413",
                f"Identifier `{identifier}` {problem}",
                ("id",),
                "Amazon Connect Identifiers: 1-50 characters, none of % : ( \\ / ) = $ , ; [ ] { }",
            )
        elif identifier in seen:
            cx.report(
                "FR413",
                f"Identifier `{identifier}` is also the Identifier of block `{seen[identifier]}`",
                ("id",),
                "give each block its own `id:`",
            )
        seen.setdefault(identifier, name)


def _metadata(kept: Any, actions: list[dict[str, Any]]) -> dict[str, Any]:
    """The imported Metadata as it was, with a position for every action that has none."""
    meta: dict[str, Any] = copy.deepcopy(kept) if isinstance(kept, dict) else {}
    meta.setdefault("entryPointPosition", {"x": 40, "y": 40})
    positions = meta.setdefault("ActionMetadata", {})
    if not isinstance(positions, dict):
        return meta
    for i, action in enumerate(actions):
        if action["Identifier"] not in positions:
            positions[action["Identifier"]] = {
                "position": {"x": 240 + 260 * (i % 6), "y": 40 + 200 * (i // 6)}
            }
    return meta


def short_identifier(base: str, suffix: str) -> str:
    """`base-suffix`, shortened with a hash when longer than 50 characters."""
    full = f"{base}-{suffix}"
    if len(full) <= MAX_IDENTIFIER:
        return full
    digest = hashlib.sha1(full.encode()).hexdigest()[:8]
    return f"{base[: MAX_IDENTIFIER - len(suffix) - 10]}-{digest}-{suffix}"


# ---------------------------------------------------------------------------------------------
# wrappers and files

FLOW_TYPE_NAMES: dict[str, str] = {
    "contact": "CONTACT_FLOW",
    "customer-queue": "CUSTOMER_QUEUE",
    "customer-hold": "CUSTOMER_HOLD",
    "customer-whisper": "CUSTOMER_WHISPER",
    "agent-hold": "AGENT_HOLD",
    "agent-whisper": "AGENT_WHISPER",
    "outbound-whisper": "OUTBOUND_WHISPER",
    "agent-transfer": "AGENT_TRANSFER",
    "queue-transfer": "QUEUE_TRANSFER",
    "outbound-email": "CONTACT_FLOW",
}


def _logical_id(name: str) -> str:
    words = "".join(c if c.isalnum() else " " for c in name).split()
    return "".join(w[:1].upper() + w[1:] for w in words) or "Flow"


def wrap(exported: Exported, how: str | None) -> dict[str, Any]:
    """The file content: the flow JSON, or a CloudFormation / Terraform resource holding it."""
    assert exported.content is not None
    if how is None:
        return exported.content
    text = json.dumps(exported.content, ensure_ascii=False, separators=(",", ":"))
    module = exported.type == "module"
    if how == "cloudformation":
        props: dict[str, Any] = {
            "InstanceArn": {"Ref": "InstanceArn"},
            "Name": exported.name,
            "Content": text,
        }
        if not module:
            props["Type"] = FLOW_TYPE_NAMES[exported.type]
        if exported.description:
            props["Description"] = exported.description
        kind = "AWS::Connect::ContactFlowModule" if module else "AWS::Connect::ContactFlow"
        return {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Parameters": {"InstanceArn": {"Type": "String"}},
            "Resources": {_logical_id(exported.name): {"Type": kind, "Properties": props}},
        }
    res: dict[str, Any] = {
        "instance_id": "${var.instance_id}",
        "name": exported.name,
        "content": text,
    }
    if not module:
        res["type"] = FLOW_TYPE_NAMES[exported.type]
    if exported.description:
        res["description"] = exported.description
    kind = "aws_connect_contact_flow_module" if module else "aws_connect_contact_flow"
    slug = "".join(c if c.isalnum() else "_" for c in exported.name).strip("_").lower() or "flow"
    return {"resource": {kind: {slug: res}}}


def write_atomic(path: Path, text: str, force: bool) -> Diagnostic | None:
    """Write `text` to `path` through a temporary file; refuse to overwrite unless `force`."""
    from flowrt.core.files import write_atomic as write

    try:
        write(path, text, overwrite=force)
    except FileExistsError:
        return Diagnostic.make(
            "FR404",
            f"{path} already exists; not overwritten",
            Span(str(path), 1, 1, 1, 2),
            "pass --force to overwrite it",
        )
    return None


def export_paths(
    paths: Sequence[str],
    out_dir: str | None,
    *,
    env: Environment = EMPTY,
    how: str | None = None,
    force: bool = False,
    emit: Callable[[str], None] | None = None,
) -> tuple[list[Diagnostic], list[Path]]:
    """Export every flow under `paths` into `out_dir`; return the diagnostics and files written."""
    from flowrt.project.driver import FLOW_SUFFIX, discover, find_root, load_project

    diags: list[Diagnostic] = []
    written: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            diags.append(Diagnostic.make("FR001", f"no such file or directory: {raw}"))
            continue
        wanted = [f for f in discover([p]) if f.name.endswith(FLOW_SUFFIX)]
        project = load_project(find_root(p))
        program = project.compile(strict=False)
        by_file = {unit.doc.file: (name, unit) for name, unit in project.flows.items()}
        flow_ids = {n: u.flow.id for n, u in project.flows.items() if u.flow.id}
        for f in wanted:
            from flowrt.project.driver import display_path

            shown = display_path(f)
            errors = [
                d for d in program.diagnostics if d.is_error and d.span and d.span.file == shown
            ]
            if errors or shown not in by_file:
                diags.extend(errors)
                continue
            name, unit = by_file[shown]
            content, found = export_flow(
                unit.flow,
                unit.blocks,
                env=env,
                flow_ids=flow_ids,
                layout=read_layout(f),
                doc=unit.doc,
            )
            diags.extend(found)
            if content is None:
                continue
            exported = Exported(name, unit.flow.type, unit.flow.description, content)
            data = wrap(exported, how)
            text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
            stem = f.name[: -len(FLOW_SUFFIX)]
            suffix = {"cloudformation": ".template.json", "terraform": ".tf.json"}.get(
                how or "", ".json"
            )
            if out_dir is None and emit is not None:
                emit(text)
                continue
            target = Path(out_dir or ".") / (stem + suffix)
            problem = write_atomic(target, text, force)
            if problem:
                diags.append(problem)
            else:
                written.append(target)
    return diags, written
