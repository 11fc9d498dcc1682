"""Reading flows out of infrastructure files: CloudFormation templates and Terraform files.

One file may hold several flows; each becomes a `Source` of its own, with a wrapper (`Name`,
`Type`, `Description`) that says its flow type (`flowrt.connect.flowtypes`):

- CloudFormation (JSON, or YAML with its short tags `!Sub`, `!Ref`, `!GetAtt`, `!Join`, ...):
  each `AWS::Connect::ContactFlow` (its `Type`) and `AWS::Connect::ContactFlowModule` (a module)
  resource.  `Content` is a string, `Fn::Sub` (a string, or `[string, variables]`) or
  `Fn::Join`; nothing is substituted: `${...}` placeholders stay as they are, and the `Ref` /
  `Fn::GetAtt` parts of a `Fn::Join` become `${Name}` / `${Name.Attribute}` placeholders;
- Terraform: `aws_connect_contact_flow` (its `type`) and `aws_connect_contact_flow_module`
  resources of a `.tf` file (read by `flowrt.connect.hcl`) or a `.tf.json` file.

Nothing is evaluated.  A YAML template is read from the parser's events with the bounds of flow
files (depth, nodes); anchors and aliases, which CloudFormation does not accept, are refused.
Problems are FR443 at the place in the file where known.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flowrt.connect import jsonread
from flowrt.connect.files import Source, parse_source, read_bounded
from flowrt.connect.hcl import TF_FLOW, TF_MODULE, HclError, tf_content, tf_resources
from flowrt.connect.jsonread import JsonProblem
from flowrt.core.diagnostics import Diagnostic, Span
from flowrt.lang.loader import DEFAULT_LIMITS

CFN_FLOW = "AWS::Connect::ContactFlow"
CFN_MODULE = "AWS::Connect::ContactFlowModule"
_HINT = (
    "flowrt import reads AWS::Connect::ContactFlow and ContactFlowModule resources (Content: a "
    "string, Fn::Sub or Fn::Join) and Terraform aws_connect_contact_flow(_module) resources "
    "(content: a string, a heredoc, jsonencode(...) or file(...))"
)


@dataclass
class FlowResource:
    """One flow found in a template: what the wrapper of its `Source` says, and its content."""

    stem: str
    name: str | None
    type_name: str | None
    description: str | None
    content: str
    line: int = 1
    column: int = 1


def problem(file: str, message: str, line: int = 1, column: int = 1) -> Diagnostic:
    """An FR443 diagnostic at a place of a template."""
    return Diagnostic.make("FR443", message, Span(file, line, column, line, column + 1), _HINT)


def is_template_name(path: Path) -> bool:
    """Whether the name says CloudFormation or Terraform (`.json` files are told by content)."""
    name = path.name.lower()
    return name.endswith((".tf", ".yml", ".yaml"))


def sources(
    resources: list[FlowResource], file: str, text: str
) -> tuple[list[Source], list[Diagnostic]]:
    """One `Source` per flow resource, its wrapper saying its name, type and description."""
    found: list[Source] = []
    diags: list[Diagnostic] = []
    for r in resources:
        src, problems = parse_source(r.content, file, r.stem, file_text=text)
        if src is None:
            diags.extend(_placed(p, r) for p in problems)
            continue
        wrapper: dict[str, Any] = {}
        if r.name is not None:
            wrapper["Name"] = r.name
        if r.type_name is not None:
            wrapper["Type"] = r.type_name
        if r.description is not None:
            wrapper["Description"] = r.description
        found.append(Source(file, r.stem, src.content, wrapper, legacy=src.legacy))
    return found, diags


def _placed(d: Diagnostic, r: FlowResource) -> Diagnostic:
    """A problem of the content placed at the resource's content when it has no place of its
    own (`Content` is not JSON, ...), and saying which resource it is about."""
    if d.span is not None and (d.span.line, d.span.column) != (1, 1):
        return d
    span = Span(d.span.file if d.span else "", r.line, r.column, r.line, r.column + 1)
    return Diagnostic(d.code, f"{r.stem}: {d.message}", span, d.hint, d.severity)


# ---------------------------------------------------------------------------------------------
# CloudFormation


def _placeholder(value: Any) -> str | None:
    """`${Name}` for a `Ref`, `${Name.Attribute}` for a `Fn::GetAtt`; None for anything else."""
    if isinstance(value, dict) and len(value) == 1:
        ((key, arg),) = value.items()
        if key == "Ref" and isinstance(arg, str):
            return "${" + arg + "}"
        if key == "Fn::GetAtt":
            if isinstance(arg, str):
                return "${" + arg + "}"
            if isinstance(arg, list) and all(isinstance(a, str) for a in arg):
                return "${" + ".".join(arg) + "}"
    return None


def cfn_text(value: Any) -> str | None:
    """The text of a CloudFormation string value: a string, `Fn::Sub` or `Fn::Join` (with
    placeholders for its `Ref`/`Fn::GetAtt` parts), unevaluated; None for anything else."""
    if isinstance(value, str):
        return value
    if not isinstance(value, dict) or len(value) != 1:
        return None
    ((key, arg),) = value.items()
    if key == "Fn::Sub":
        if isinstance(arg, list) and arg and isinstance(arg[0], str):
            return arg[0]
        return arg if isinstance(arg, str) else None
    if key == "Fn::Join" and isinstance(arg, list) and len(arg) == 2:
        delimiter, parts = arg
        if not isinstance(delimiter, str) or not isinstance(parts, list):
            return None
        texts = [p if isinstance(p, str) else _placeholder(p) for p in parts]
        if any(t is None for t in texts):
            return None
        return delimiter.join(t for t in texts if t is not None)
    return None


def cfn_resources(
    data: Any, file: str, positions: dict[tuple[Any, ...], tuple[int, int]] | None = None
) -> tuple[list[FlowResource], list[Diagnostic]]:
    """The flow resources of a parsed CloudFormation template."""
    where = positions or {}
    resources = data.get("Resources") if isinstance(data, dict) else None
    if not isinstance(resources, dict):
        return [], [problem(file, "a CloudFormation template with no `Resources` mapping")]
    found: list[FlowResource] = []
    diags: list[Diagnostic] = []
    for logical, res in resources.items():
        if not isinstance(res, dict) or res.get("Type") not in (CFN_FLOW, CFN_MODULE):
            continue
        props = res.get("Properties")
        props = props if isinstance(props, dict) else {}
        line, col = where.get(
            ("Resources", logical, "Properties", "Content"),
            where.get(("Resources", logical), (1, 1)),
        )
        content = cfn_text(props.get("Content"))
        if content is None:
            got = props.get("Content")
            what = next(iter(got)) if isinstance(got, dict) and got else type(got).__name__
            diags.append(
                problem(
                    file,
                    f"resource `{logical}`: `Content` is {what}, not a string, Fn::Sub or "
                    "Fn::Join of strings, Ref and Fn::GetAtt",
                    line,
                    col,
                )
            )
            continue
        name = cfn_text(props.get("Name"))
        kind = props.get("Type") if res["Type"] == CFN_FLOW else "CONTACT_FLOW_MODULE"
        description = props.get("Description")
        found.append(
            FlowResource(
                stem=name if isinstance(props.get("Name"), str) and name else str(logical),
                name=name if name else str(logical),
                type_name=kind if isinstance(kind, str) else None,
                description=description if isinstance(description, str) else None,
                content=content,
                line=line,
                column=col,
            )
        )
    return found, diags


def read_yaml_template(text: str, file: str) -> tuple[Any, dict[tuple[Any, ...], tuple[int, int]]]:
    """A CloudFormation YAML template as plain data (short tags as their `Fn::` form), with the
    position of every value; raises `TemplateError`."""
    from ruamel.yaml import events as ev
    from ruamel.yaml.error import YAMLError

    from flowrt.lang.yaml_build import event_source

    get = event_source(text)
    positions: dict[tuple[Any, ...], tuple[int, int]] = {}
    stack: list[tuple[Any, list[Any], tuple[Any, ...], str | None]] = []
    root: list[Any] = []
    nodes = 0

    def add(value: Any, path_key: Any) -> None:
        container, pending, path, tag = stack[-1]
        if isinstance(container, dict):
            if not pending:
                pending.append(value)
                return
            key = pending.pop()
            container[key] = value
        else:
            container.append(value)

    def path_of() -> tuple[Any, ...]:
        if not stack:
            return ()
        container, pending, path, _ = stack[-1]
        if isinstance(container, dict):
            return (*path, pending[0]) if pending else path
        return (*path, len(container))

    def tagged(tag: str | None, value: Any) -> Any:
        if not tag or tag.startswith("tag:yaml.org") or tag == "!":
            return value
        name = tag.lstrip("!")
        if name == "Ref":
            return {"Ref": value}
        if name == "GetAtt" and isinstance(value, str):
            return {"Fn::GetAtt": value.split(".", 1)}
        return {"Fn::" + name: value}

    try:
        while True:
            event = get()
            if event is None or isinstance(event, ev.StreamEndEvent):
                break
            nodes += 1
            if nodes > DEFAULT_LIMITS.max_nodes:
                raise TemplateError("more YAML nodes than flowrt reads", 1, 1)
            mark = getattr(event, "start_mark", None)
            pos = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
            if isinstance(event, ev.AliasEvent) or getattr(event, "anchor", None):
                raise TemplateError("anchors and aliases (CloudFormation refuses them)", *pos)
            if isinstance(event, ev.ScalarEvent):
                value: Any = event.value
                tag = event.tag
                if tag is None and event.style is None:
                    value = _plain_scalar(event.value)
                if stack:
                    container, pending, _, _ = stack[-1]
                    is_key = isinstance(container, dict) and not pending
                    if not is_key:
                        positions[path_of()] = pos
                    add(tagged(tag, value), None)
                else:
                    root.append(tagged(tag, value))
            elif isinstance(event, ev.MappingStartEvent | ev.SequenceStartEvent):
                if len(stack) >= DEFAULT_LIMITS.max_depth:
                    raise TemplateError("nested deeper than flowrt reads", *pos)
                here = path_of()
                positions[here] = pos
                new: Any = {} if isinstance(event, ev.MappingStartEvent) else []
                stack.append((new, [], here, event.tag))
            elif isinstance(event, ev.MappingEndEvent | ev.SequenceEndEvent):
                done, _, _, tag = stack.pop()
                value = tagged(tag, done)
                if stack:
                    add(value, None)
                else:
                    root.append(value)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        raise TemplateError(
            f"YAML syntax error: {getattr(exc, 'problem', exc)}", line, col
        ) from None
    return (root[0] if root else None), positions


def _plain_scalar(text: str) -> Any:
    """YAML core scalars CloudFormation reads: null, booleans and numbers stay text here unless
    they are obviously so (only `Type`/`Content`/`Name` strings matter to flowrt)."""
    return None if text in ("", "~", "null", "Null", "NULL") else text


class TemplateError(Exception):
    """A template that cannot be read, and where."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


# ---------------------------------------------------------------------------------------------
# Terraform JSON


def tf_json_resources(
    data: dict[str, Any], file: str, base: Path
) -> tuple[list[FlowResource], list[Diagnostic]]:
    """The flow resources of a `.tf.json` file (`resource.<type>.<label>`, objects or lists)."""
    found: list[FlowResource] = []
    diags: list[Diagnostic] = []
    blocks = data.get("resource")
    groups = blocks if isinstance(blocks, list) else [blocks]
    for group in groups:
        if not isinstance(group, dict):
            continue
        for kind in (TF_FLOW, TF_MODULE):
            labelled = group.get(kind)
            for entry in labelled if isinstance(labelled, list) else [labelled]:
                if not isinstance(entry, dict):
                    continue
                for label, body in entry.items():
                    for attrs in body if isinstance(body, list) else [body]:
                        if not isinstance(attrs, dict):
                            continue
                        content = attrs.get("content")
                        if not isinstance(content, str):
                            diags.append(
                                problem(
                                    file, f"resource `{kind}.{label}`: `content` is not a string"
                                )
                            )
                            continue
                        text, why = tf_content(content, base)
                        if text is None:
                            diags.append(problem(file, f"resource `{kind}.{label}`: {why}"))
                            continue
                        name = attrs.get("name")
                        flow_type = attrs.get("type") if kind == TF_FLOW else "CONTACT_FLOW_MODULE"
                        desc = attrs.get("description")
                        found.append(
                            FlowResource(
                                stem=name if isinstance(name, str) and "${" not in name else label,
                                name=name if isinstance(name, str) else label,
                                type_name=flow_type if isinstance(flow_type, str) else None,
                                description=desc if isinstance(desc, str) else None,
                                content=text,
                            )
                        )
    return found, diags


# ---------------------------------------------------------------------------------------------
# one file


def read_sources(path: Path, shown: str | None = None) -> tuple[list[Source], list[Diagnostic]]:
    """Every flow of one file: a flow export (one), or a CloudFormation / Terraform file (any)."""
    from flowrt.connect.files import read_source

    shown = shown or str(path)
    name = path.name.lower()
    if not (name.endswith((".tf", ".yml", ".yaml", ".json"))):
        src, diags = read_source(path, shown)
        return ([src] if src else []), diags
    raw, trouble = read_bounded(path, shown)
    if trouble is not None:
        return [], [trouble]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return [], [
            Diagnostic.make("FR001", f"cannot read {shown}: {exc}", Span(shown, 1, 1, 1, 2))
        ]
    base = path.parent
    try:
        if name.endswith(".tf"):
            try:
                resources = [FlowResource(**r) for r in tf_resources(text, base)]
                diags = []
            except HclError as exc:
                return [], [problem(shown, exc.message, exc.line, exc.column)]
        elif name.endswith((".yml", ".yaml")):
            data, positions = read_yaml_template(text, shown)
            resources, diags = cfn_resources(data, shown, positions)
        else:
            data = _json(text)
            if isinstance(data, dict) and (
                "Resources" in data or "AWSTemplateFormatVersion" in data
            ):
                resources, diags = cfn_resources(data, shown)
            elif isinstance(data, dict) and "resource" in data and name.endswith(".tf.json"):
                resources, diags = tf_json_resources(data, shown, base)
            else:
                src, diags = read_source(path, shown)
                return ([src] if src else []), diags
    except TemplateError as exc:
        return [], [problem(shown, exc.message, exc.line, exc.column)]
    if not resources and not diags:
        diags = [problem(shown, "no Amazon Connect flow resource in this file")]
    found, more = sources(resources, shown, text)
    return found, diags + more


def _json(text: str) -> Any:
    try:
        return jsonread.loads(text)
    except JsonProblem:
        return None  # read_source says where
