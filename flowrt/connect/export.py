"""Export: DSL flows -> Amazon Connect flow language JSON (`Version 2019-10-30`), and files.

Owns the flow level and the project level: `export_flow` puts the actions of every block
(`flowrt.connect.export_blocks`) together with `StartAction` and the layout `Metadata`, checks
the Identifiers (FR413) and Connect's limits (FR412, FR419); `wrap` puts the JSON in a
CloudFormation or Terraform resource; `export_paths` exports the flows of a project to files.

Each block becomes one action (a `check-contact-attributes` with `when:` conditions becomes a
chain of Compare actions).  The action `Identifier` is the block's `id:` when it has one (an
imported flow keeps its UUIDs), else the block name.  Numbers and booleans are written as Amazon
Connect writes them (`"8"`, `"True"`).  Names of queues, flows, Lambda functions, prompts, phone
numbers, hours and users are replaced by their ARN/ID from the environment file when one is
given, else by the ARN the instance file gives (its `arn:` and the resource's `id:`; a Lambda
function's `arn:`; `flowrt.connect.env.instance_environment`).  A description imported from the
flow's `Metadata` is written back there (`_metadata`).  Layout comes from the side file `<name>.flow.layout.json` written
by the importer, or is generated.

What cannot be expressed is refused with a diagnostic naming it (FR410-FR419); docs/connect.md
has the mapping table.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flowrt.connect import next_action
from flowrt.connect.actions import MAX_ACTIONS, MAX_CONTENT, VERSION, identifier_problem
from flowrt.connect.context import ExportContext
from flowrt.connect.env import EMPTY, Environment, instance_environment
from flowrt.connect.export_blocks import export_block
from flowrt.connect.files import path_exists, read_layout, write_atomic
from flowrt.core.diagnostics import Diagnostic
from flowrt.lang.blocks import Block
from flowrt.lang.loader import Document, JsonPath

# ---------------------------------------------------------------------------------------------
# flows


@dataclass
class Exported:
    """One exported flow: its Connect JSON (None when refused) and the flow's facts."""

    name: str
    type: str
    description: str | None
    content: dict[str, Any] | None


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
    derived: Environment = EMPTY,
) -> tuple[dict[str, Any] | None, list[Diagnostic]]:
    """Export one modelled flow; None (and error diagnostics) when it cannot be expressed.

    `derived` holds the ARNs the instance file gives (`instance_environment`); `env` wins."""
    ids = block_identifiers(blocks)
    cx = ExportContext(flow.type, ids, env, dict(flow_ids or {}), doc, derived=derived)
    _check_identifiers(ids, cx)
    _check_finite(doc, blocks, cx)
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
    next_action.apply(actions, layout)
    content: dict[str, Any] = {
        "Version": VERSION,
        "StartAction": ids.get(flow.start, flow.start),
        "Metadata": _metadata(layout, actions, flow.description),
        "Actions": actions,
    }
    if "Settings" in layout:
        content["Settings"] = layout["Settings"]
    try:  # the last guard: never write JSON that is not JSON
        size = len(json.dumps(content, ensure_ascii=False, allow_nan=False))
    except ValueError:
        cx.diagnostics.append(
            Diagnostic.make(
                "FR415",
                f"flow `{flow.flow}` would export a NaN or infinite number, which JSON cannot "
                "hold (from its side file, or a value given through the API)",
                doc.span(("flow",)) if doc else None,
                _FINITE_HINT,
            )
        )
        return None, cx.diagnostics
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


#: Most non-finite numbers reported one by one in a flow; the rest are counted.
_MAX_NON_FINITE = 20
_FINITE_HINT = 'write a finite number, or quote the value if it is meant as text (".nan", "inf")'


def _check_finite(doc: Document | None, blocks: dict[str, Block], cx: ExportContext) -> None:
    """FR415 at every NaN or infinite number of the flow (`.nan`, `.inf`, `1e400`): Amazon
    Connect's flow language (JSON) has no such number, and written as text it would mean
    something else.  Positioned at the YAML value when the flow's document is known."""
    found: list[tuple[JsonPath, float]] = []
    if doc is not None:
        found = list(_non_finite(doc.data, ()))
    else:
        for name, block in blocks.items():
            data = block.model_dump(mode="python", by_alias=True, exclude_none=True)
            found.extend(_non_finite(data, ("blocks", name)))
    for path, value in found[:_MAX_NON_FINITE]:
        in_block = len(path) >= 2 and path[0] == "blocks"
        where = _dotted(path[2:] if in_block else path)
        cx.diagnostics.append(
            Diagnostic.make(
                "FR415",
                (f"block `{path[1]}`: " if in_block else "")
                + f"`{where}` is {_word(value)}; Amazon Connect's flow language has no such "
                "number",
                doc.span(path) if doc else None,
                _FINITE_HINT,
            )
        )
    if len(found) > _MAX_NON_FINITE:
        cx.diagnostics.append(
            Diagnostic.make(
                "FR415",
                f"and {len(found) - _MAX_NON_FINITE:,} more NaN or infinite numbers in this flow",
                doc.span(()) if doc else None,
                _FINITE_HINT,
            )
        )


def _non_finite(data: Any, path: JsonPath) -> Iterator[tuple[JsonPath, float]]:
    """(path, value) of every NaN or infinite float under `data`, in document order."""
    stack: list[tuple[JsonPath, Any]] = [(path, data)]
    while stack:
        here, value = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            yield here, value
        elif isinstance(value, dict):
            stack.extend(((*here, k), v) for k, v in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend(((*here, i), v) for i, v in reversed(list(enumerate(value))))


def _word(value: float) -> str:
    if value != value:
        return "NaN (not a number)"
    return "infinite" if value > 0 else "minus infinite"


def _dotted(path: JsonPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(the flow)"


def _metadata(
    layout: dict[str, Any], actions: list[dict[str, Any]], description: str | None
) -> dict[str, Any]:
    """The imported Metadata as it was, with a position for every action that has none.

    Its `description` is the flow's `description:` when the import took it from there (the
    Metadata has one and the wrapper in the side file has no `Description`)."""
    kept = layout.get("Metadata")
    meta: dict[str, Any] = copy.deepcopy(kept) if isinstance(kept, dict) else {}
    if description is not None and isinstance(meta.get("description"), str):
        wrapper = layout.get("flowrt-wrapper")
        wrapper = wrapper.get("ContactFlow", wrapper) if isinstance(wrapper, dict) else {}
        if not (isinstance(wrapper, dict) and wrapper.get("Description")):
            meta["description"] = description
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
    text = json.dumps(exported.content, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
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
    from flowrt.core.files import FLOW_SUFFIX
    from flowrt.project.driver import discover, display_path, find_root, load_project, scope

    diags: list[Diagnostic] = []
    written: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if not path_exists(p):
            diags.append(Diagnostic.make("FR001", f"no such file or directory: {raw}"))
            continue
        wanted = [f for f in discover([scope(p)]) if f.name.endswith(FLOW_SUFFIX)]
        project = load_project(find_root(p))
        program = project.compile(strict=False)
        by_file = {unit.doc.file: (name, unit) for name, unit in project.flows.items()}
        flow_ids = {n: u.flow.id for n, u in project.flows.items() if u.flow.id}
        derived = instance_environment(project.instance, flow_ids)
        for f in wanted:
            shown = display_path(f)
            errors = [
                d for d in program.diagnostics if d.is_error and d.span and d.span.file == shown
            ]
            if errors or shown not in by_file:
                diags.extend(errors)
                continue
            name, unit = by_file[shown]
            layout, problems = read_layout(f)
            if problems:
                diags.extend(problems)
                continue
            content, found = export_flow(
                unit.flow,
                unit.blocks,
                env=env,
                flow_ids=flow_ids,
                layout=layout,
                doc=unit.doc,
                derived=derived,
            )
            diags.extend(found)
            if content is None:
                continue
            exported = Exported(name, unit.flow.type, unit.flow.description, content)
            data = wrap(exported, how)
            text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
            stem = f.name[: -len(FLOW_SUFFIX)]
            suffix = {"cloudformation": ".template.json", "terraform": ".tf.json"}.get(
                how or "", ".json"
            )
            if out_dir is None and emit is not None:
                emit(text)
                continue
            target = Path(out_dir or ".") / (stem + suffix)
            problem = write_atomic(target, text, force, unit.doc.span(("flow",)))
            if problem:
                diags.append(problem)
            else:
                written.append(target)
    return diags, written
