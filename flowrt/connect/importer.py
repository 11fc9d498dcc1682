"""Import: Amazon Connect flow language JSON -> `*.flow.yaml` in the DSL, without losing anything.

Reads the flow language (`Version 2019-10-30`), its wrappers (`{"Name","Type","Content":"..."}`
and `{"ContactFlow": {..., "Content": "..."}}`) and the legacy console export (`modules`; see
`flowrt.connect.legacy`).  Each action becomes a block:

- a known action Type becomes its DSL block when, and only when, exporting that block gives the
  original action back exactly (Type, Parameters, Transitions); otherwise, and for unknown Types,
  it becomes a `connect-action` pass-through that keeps Type and Parameters as they are;
- a block that would not validate in the flow (a flow name that is not in the project, a block
  not allowed in the flow type, ...) is demoted to a pass-through as well;
- names come from the block's purpose or its Metadata label (`say-thanks-for-calling`,
  `set-queue-billing`), unique and stable; the Identifier is kept in `id:`.

The per-action tables are `flowrt.connect.import_blocks`, the naming `flowrt.connect.names`, the
demotion `flowrt.connect.check`; this module owns the flow level (flow type, wrapper fields,
side file) and the files (`import_paths`).

Layout (`Metadata`), module `Settings` and wrapper fields go to a side file
`<name>.flow.layout.json`, so that diffs of the YAML show logic only.  The flow's description
(the wrapper's `Description`, else the `description` of its `Metadata`) is also the flow's
`description:`; export writes it back where it came from.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flowrt.connect import flowtypes
from flowrt.connect.actions import passthrough, same_action
from flowrt.connect.check import demote_invalid
from flowrt.connect.context import ExportContext
from flowrt.connect.demotion import NotNative, demotion_warnings, not_native
from flowrt.connect.env import EMPTY, Environment, instance_environment, with_fallback
from flowrt.connect.export_blocks import export_block
from flowrt.connect.files import (
    Source,
    layout_path,
    path_exists,
    read_bounded,
    to_yaml,
    write_atomic,
)
from flowrt.connect.import_blocks import Unmodelled, candidate
from flowrt.connect.legacy import convert_legacy
from flowrt.connect.names import assign_names, slug
from flowrt.connect.next_action import LAYOUT_KEY, pin
from flowrt.connect.templates import CFN_FLOW, read_sources
from flowrt.connect.testcases import is_testcase_file
from flowrt.core.diagnostics import Diagnostic, Span
from flowrt.lang.blocks import BLOCKS, Block


@dataclass
class Imported:
    """One imported flow: the DSL data, the side file's data and what was found on the way."""

    source: str
    stem: str
    flow: dict[str, Any]
    layout: dict[str, Any]
    diagnostics: list[Diagnostic] = field(default_factory=list)
    passthrough: int = 0
    #: Every action kept as a `connect-action`, with why (reported as FR430 warnings).
    not_native: list[NotNative] = field(default_factory=list)

    @property
    def native(self) -> int:
        """How many actions became native blocks."""
        return len(self.flow["blocks"]) - self.passthrough


# ---------------------------------------------------------------------------------------------
# flows


def _flow_type(src: Source) -> tuple[str, Diagnostic | None]:
    """The flow type from the wrapper, else from the actions (never from the file's name)."""
    return flowtypes.flow_type(src.wrapper, src.content.get("Actions", []), src.file)


def import_source(
    src: Source,
    env: Environment = EMPTY,
    flow_name: str | None = None,
    known_flows: Sequence[str] = (),
) -> Imported:
    """Convert one read file into DSL flow data and its side file."""
    diags: list[Diagnostic] = []
    content = src.content
    if src.legacy:
        content, diags = convert_legacy(src.content, src.file)
    if src.legacy:
        flow_type = content.pop("flowrt-type", "contact")
    else:
        flow_type, note = _flow_type(src)
        diags.extend([note] if note else [])
    actions: list[dict[str, Any]] = content["Actions"]
    names = assign_names(actions, content.get("Metadata") or {})
    wrapper = src.wrapper.get("ContactFlow", src.wrapper)
    name = flow_name or str(wrapper.get("Name") or src.stem)
    flow: dict[str, Any] = {"flow": name, "type": flow_type}
    description = _description(wrapper, content.get("Metadata"))
    if description:
        flow["description"] = description
    ident = wrapper.get("Arn") or wrapper.get("Id")
    if isinstance(ident, str):
        flow["id"] = ident
    flow["start"] = names[content["StartAction"]]
    flow["blocks"], originals, reasons, pins = _blocks(actions, names, env, flow_type)
    for name, why in demote_invalid(flow, originals, names, known_flows).items():
        reasons[name] = f"the block would not validate in the flow ({why})"
    kept = not_native(flow["blocks"], originals, reasons)
    diags.extend(demotion_warnings(src.file, kept))
    demoted = len(kept)
    layout: dict[str, Any] = {"Metadata": content.get("Metadata", {})}
    for key in content:
        if key not in ("Version", "StartAction", "Metadata", "Actions"):
            layout[key] = content[key]
    if src.wrapper:
        layout["flowrt-wrapper"] = src.wrapper
    # Only pins of actions that stayed native: a pass-through keeps its NextAction itself.
    pins = {
        ident: p
        for ident, p in pins.items()
        if flow["blocks"][names[ident]]["type"] != "connect-action"
    }
    if pins:
        layout[LAYOUT_KEY] = pins
    return Imported(src.file, src.stem, flow, layout, diags, demoted, kept)


def _description(wrapper: dict[str, Any], metadata: Any) -> str | None:
    """The wrapper's `Description`, else the one the console keeps in the flow's `Metadata`."""
    for value in (
        wrapper.get("Description"),
        metadata.get("description") if isinstance(metadata, dict) else None,
    ):
        if isinstance(value, str) and value:
            return value
    return None


def _blocks(
    actions: list[dict[str, Any]], names: dict[str, str], env: Environment, flow_type: str
) -> tuple[dict[str, Any], dict[str, dict[str, Any]], dict[str, str], dict[str, Any]]:
    """The blocks, the actions they came from, why each pass-through is not native, and the
    NextAction pins for the side file (flowrt.connect.next_action)."""
    ids = {names[a["Identifier"]]: a["Identifier"] for a in actions}
    cx = ExportContext(flow_type, ids, env)
    blocks: dict[str, Any] = {}
    originals: dict[str, dict[str, Any]] = {}
    reasons: dict[str, str] = {}
    pins: dict[str, Any] = {}
    for a in actions:
        name = names[a["Identifier"]]
        originals[name] = a
        # A GetParticipantInput whose NextAction is another transition's target: the block is
        # that of the action as flowrt writes it; the side file keeps which target it was.
        written, pinned = pin(a)
        body = candidate(written, names, env)
        if isinstance(body, Unmodelled):
            reasons[name] = body.text()
            body = passthrough(a, names)
        elif (why := _exact(name, body, written, cx)) is not None:
            reasons[name] = why
            body = passthrough(a, names)
        elif pinned is not None:
            pins[a["Identifier"]] = pinned
        blocks[name] = _with_id(body, a["Identifier"], name)
    return blocks, originals, reasons, pins


def _with_id(body: dict[str, Any], identifier: str, name: str) -> dict[str, Any]:
    if identifier == name:
        return body
    return {
        "type": body["type"],
        "id": identifier,
        **{k: v for k, v in body.items() if k != "type"},
    }


def _exact(
    name: str, body: dict[str, Any], action: dict[str, Any], cx: ExportContext
) -> str | None:
    """Why `body` does not stand for `action` exactly (None when exporting it gives it back)."""
    from pydantic import ValidationError

    try:
        block: Block = BLOCKS[body["type"]].model_validate({**body, "id": action["Identifier"]})
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err["loc"])
        return f"{body['type']} refuses `{where}` ({err['msg']})"
    cx.diagnostics = []
    out = export_block(name, block, cx)
    if len(out) != 1 or any(d.is_error for d in cx.diagnostics):
        return f"{body['type']} cannot be exported as this action"
    if not same_action(out[0], action):
        return f"exporting {body['type']} would not give the action back exactly"
    return None


# ---------------------------------------------------------------------------------------------
# files


def output_stem(imported: Imported, taken: set[str]) -> str:
    base = slug(imported.stem, 60) or "flow"
    stem, n = base, 1
    while stem in taken:
        n += 1
        stem = f"{base}-{n}"
    taken.add(stem)
    return stem


def import_paths(
    paths: Sequence[str], out_dir: str, *, env: Environment = EMPTY, force: bool = False
) -> tuple[list[Diagnostic], list[Path], list[Imported]]:
    """Import every file under `paths` into `out_dir` (flows with their layout side files).

    ARNs that the instance file of the project `out_dir` is in gives (see
    `flowrt.connect.env.instance_environment`) become names again, after those of `env`."""
    diags: list[Diagnostic] = []
    sources: list[Source] = []
    for raw in paths:
        p = Path(raw)
        if not path_exists(p):
            diags.append(Diagnostic.make("FR001", f"no such file or directory: {raw}"))
            continue
        files = (
            sorted(f for f in p.rglob("*") if f.is_file() and _candidate_file(f))
            if p.is_dir()
            else [p]
        )
        for f in files:
            if is_testcase_file(f):  # an Amazon Connect test case: flowrt.connect.tests_import
                continue
            found_sources, found = read_sources(f)
            diags.extend(found)
            sources.extend(found_sources)
    out = Path(out_dir)
    env = with_fallback(env, _project_arns(out))
    existing = _existing_flows(out)
    names = _flow_names(sources, [])
    known = list(existing) + names
    imported: list[Imported] = []
    written: list[Path] = []
    taken: set[str] = set()  # unique within one import; existing files need --force
    for src, name in zip(sources, names, strict=True):
        imp = import_source(src, env, name, known)
        diags.extend(imp.diagnostics)
        imported.append(imp)
        stem = output_stem(imp, taken)
        target = out / f"{stem}.flow.yaml"
        for path, text in (
            (target, to_yaml(imp.flow, src.file)),
            (layout_path(target), _layout_text(imp.layout)),
        ):
            problem = write_atomic(path, text, force, Span(src.file, 1, 1, 1, 2))
            if problem:
                diags.append(problem)
                break
            written.append(path)
    return diags, written, imported


def _project_arns(out: Path) -> Environment:
    """The ARNs the instance file of the project `out` is in gives (as export writes them), so
    that importing what export wrote gives the names back; empty outside a project."""
    from flowrt.project.driver import load_project, project_root

    root = project_root(out) if out.is_dir() else None
    if root is None:
        return EMPTY
    project = load_project(root)
    flow_ids = {n: u.flow.id for n, u in project.flows.items() if u.flow.id}
    return instance_environment(project.instance, flow_ids)


def _layout_text(layout: dict[str, Any]) -> str:
    """The side file's text: standard JSON only (what was read held no NaN or Infinity)."""
    return json.dumps(layout, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _candidate_file(f: Path) -> bool:
    """Whether a file under a directory given to import may hold flows: flow JSON (any name),
    a Terraform file, a CloudFormation template (YAML ones only when they name a flow resource:
    a project's own `*.flow.yaml` and `*.scenario.yaml` files are not read)."""
    if f.name.startswith("."):
        return False
    suffix = f.suffix.lower()
    if suffix in (".yaml", ".yml"):
        raw, problem = read_bounded(f, str(f))
        return problem is None and CFN_FLOW.encode() in raw
    return suffix not in (".md", ".txt")


#: The `flow:` line of a flow file (linear: no lazy group before optional spaces).
_FLOW_LINE = re.compile(r"^flow:(.*)$", re.M)


def _existing_flows(out: Path) -> list[str]:
    if not out.is_dir():
        return []
    found = []
    for f in out.glob("*.flow.yaml"):
        raw, problem = read_bounded(f, str(f))  # a FIFO or a device there is not read
        if problem is not None:
            continue
        m = _FLOW_LINE.search(raw.decode("utf-8", errors="replace"))
        name = m.group(1).strip().strip("'\"") if m else ""
        if name:
            found.append(name)
    return found


def _flow_names(sources: list[Source], existing: list[str]) -> list[str]:
    taken = set(existing)
    out = []
    for src in sources:
        wrapper = src.wrapper.get("ContactFlow", src.wrapper)
        base = str(wrapper.get("Name") or src.stem)
        name, n = base, 1
        while name in taken:
            n += 1
            name = f"{base}-{n}"
        taken.add(name)
        out.append(name)
    return out
