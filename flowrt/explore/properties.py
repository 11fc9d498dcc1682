"""Properties checked over every explored path, and the user's own, as diagnostics.

Built in: a path that falls off (ends on a branch that is not connected, FR710) or ends in an
error (FR711); a loop that neither plays a prompt nor takes input (FR712); a loop no explored
world leaves (FR713); more prompts before a queue than `--max-prompts` (FR714).  The user's
properties (FR715) are read from a small YAML file (`explore.properties.yaml` at the project's
root, or `--properties FILE`):

    properties:
      - name: gold callers never wait in BasicQueue
        if: {attribute: tier, equals: gold}
        never: {queue: BasicQueue}

`never:` takes one of `queue:` (the queue a path ends in), `block:` (`flow/block` or a block
name, visited) or `end:` (an end kind); `if:` (optional) an attribute's value at the end of the
path.  Each violation keeps its shortest counterexample path, which `flowrt.explore.cases` turns
into a ready scenario case.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import TYPE_CHECKING, Any

from flowrt.core.diagnostics import Diagnostic

if TYPE_CHECKING:
    from flowrt.core.diagnostics import Span
    from flowrt.explore.explorer import Options, Report
    from flowrt.explore.walk import Path
    from flowrt.lang.compiler import Program

#: The file of user properties at a project's root.
PROPERTIES_FILE = "explore.properties.yaml"
#: At most this many user properties in one file.
MAX_PROPERTIES = 200
END_WORDS = {
    "queued": "queued",
    "transferred-to-number": "transferred to a number",
    "disconnected": "disconnected",
    "ended": "ended",
    "error": "an error",
    "step-limit": "the step limit",
    "loop-bound": "the loop bound",
}


@dataclass(frozen=True)
class Property:
    """One user property: paths matching `if_attr == if_value` never reach `never`."""

    name: str
    never_kind: str
    never: str
    if_attr: str | None
    if_value: str | None
    span: Span | None


def _node_span(program: Program, step: tuple[str, str, str]) -> Span | None:
    cflow = program.flows.get(step[0])
    if cflow is None or step[1] not in cflow.index:
        return None
    return cflow.nodes[cflow.index[step[1]]].span


def _keep(
    violations: dict[tuple[str, str], tuple[Diagnostic, Path]],
    key: tuple[str, str],
    diag: Diagnostic,
    path: Path,
) -> None:
    old = violations.get(key)
    if old is None or len(path.steps) < len(old[1].steps):
        violations[key] = (diag, path)


def check_path(
    path: Path,
    options: Options,
    program: Program,
    violations: dict[tuple[str, str], tuple[Diagnostic, Path]],
) -> None:
    """The built-in and user properties on one path; the shortest violation of each is kept."""
    if not path.steps or path.forced:
        return
    last = path.steps[-1]
    where = f"{last[0]}/{last[1]}"
    if path.fell:
        diag = Diagnostic.make(
            "FR710",
            f"a path falls off: branch `{last[2]}` of block `{last[1]}` is not connected, so "
            "Amazon Connect disconnects the contact with nothing said",
            _node_span(program, last),
            f"connect `{last[2]}` to a block that ends the contact on purpose (a prompt, then "
            "a disconnect); the case below reproduces it",
        )
        _keep(violations, ("FR710", f"{where} {last[2]}"), diag, path)
    elif path.end == "error":
        diag = Diagnostic.make(
            "FR711",
            f"a path ends in an error at block `{last[1]}` "
            + (f"(branch `{last[2]}`)" if last[2] else "(the block ended the flow with an error)"),
            _node_span(program, last),
            "connect the block's error branch; the case below reproduces it",
        )
        _keep(violations, ("FR711", where), diag, path)
    if path.end == "loop-bound" and path.head is not None:
        _loop(path, program, violations)
    limit = options.max_prompts
    if limit is not None and path.prompts > limit:
        diag = Diagnostic.make(
            "FR714",
            f"{path.prompts} prompts (about {path.prompt_seconds} s) before "
            f"{'a queue' if path.prompts_before_queue is not None else 'the end'}; at most "
            f"{limit} are allowed (--max-prompts)",
            _node_span(program, last),
            "route the contact sooner or shorten the prompts; the case below reproduces it",
        )
        _keep(violations, ("FR714", path.flow), diag, path)
    for prop in options.properties:
        if _violates(prop, path):
            diag = Diagnostic.make(
                "FR715",
                f"property `{prop.name}` does not hold: a path reaches {prop.never_kind} "
                f"`{prop.never}`",
                prop.span,
                "change the flow or the property; the case below reproduces it",
            )
            _keep(violations, ("FR715", prop.name), diag, path)


def _loop(
    path: Path, program: Program, violations: dict[tuple[str, str], tuple[Diagnostic, Path]]
) -> None:
    steps = path.steps
    head = path.head or ""
    starts = [i for i, s in enumerate(steps) if f"{s[0]}/{s[1]}" == head]
    if not starts:
        return
    first = starts[-1]
    if any(first <= i for i in path.talk):
        return
    loop = " -> ".join(s[1] for s in steps[first:])
    diag = Diagnostic.make(
        "FR712",
        f"a loop neither plays a prompt nor takes input: {loop} -> {head.split('/', 1)[1]}",
        _node_span(program, steps[first]),
        "play a prompt or take input in the loop, or give it a way out; the case below "
        "reproduces it",
    )
    _keep(violations, ("FR712", head), diag, path)


def _violates(prop: Property, path: Path) -> bool:
    if prop.if_attr is not None and dict(path.attrs).get(prop.if_attr) != prop.if_value:
        return False
    if prop.never_kind == "queue":
        return path.queue == prop.never
    if prop.never_kind == "end":
        return path.end == prop.never
    if "/" in prop.never:
        return any(f"{s[0]}/{s[1]}" == prop.never for s in path.steps)
    return any(s[1] == prop.never for s in path.steps)


def finish(report: Report, program: Program, project: Any) -> list[Diagnostic]:
    """The report's diagnostics: unreachable branches, unmodelled blocks, an incomplete walk,
    loops no world leaves, then the property violations (each with its counterexample)."""
    out: list[Diagnostic] = []
    for u in report.unreachable:
        if u.structural:
            out.append(
                Diagnostic.make(
                    "FR701",
                    f"branch `{u.branch}` of block `{u.block}` ({u.flow}) -> {u.target}: the "
                    "block is on no path from a flow's start",
                    u.span,
                    "connect the block from the flow, or delete it",
                )
            )
            continue
        out.append(
            Diagnostic.make(
                "FR700",
                f"branch `{u.branch}` of block `{u.block}` ({u.flow}) -> {u.target}: no world "
                f"reaches it{_within(report)}",
                u.span,
                "check the conditions before it (a value the path already set, hours that are "
                "always open) or delete the branch",
            )
        )
    for flow, block, kind, service in report.unmodelled:
        cflow = program.flows[flow]
        out.append(
            Diagnostic.make(
                "FR702",
                f"block `{block}` ({kind}) asks the world for something explore does not model "
                f"(`{service}`): each of its connected branches is taken as a choice point, and "
                "no case is written for the branches its step did not take",
                cflow.nodes[cflow.index[block]].span,
                "write cases for its branches by hand",
            )
        )
    for fr in report.flows:
        if not fr.complete:
            out.append(
                Diagnostic.make(
                    "FR703",
                    f"flow `{fr.flow}`: exploration stopped after {fr.runs:,} runs; branches "
                    "it did not reach may still be reachable",
                    program.flows[fr.flow].span,
                    "explore one flow at a time, or lower --loops",
                )
            )
    for head, path in sorted(report.cut_heads.items()):
        if head in report.left:
            continue
        flow, block = head.split("/", 1)
        cflow = program.flows[flow]
        diag = Diagnostic.make(
            "FR713",
            f"no explored world leaves the loop at block `{block}` ({flow}): every path through "
            f"it goes round more than --loops {report.loops} times",
            cflow.nodes[cflow.index[block]].span,
            "give the loop a way out (a counter, a timeout branch); the case below reproduces it",
        )
        report.violations[("FR713", head)] = (diag, path)
    out.extend(diag for diag, _ in report.violations.values())
    return out


def _within(report: Report) -> str:
    return (
        f" within --loops {report.loops}"
        if any(f.ends.get("loop-bound") for f in report.flows)
        else ""
    )


def load_properties(path: FilePath) -> tuple[list[Property], list[Diagnostic]]:
    """The properties of a file, or positioned FR716 diagnostics saying what is wrong."""
    from flowrt.lang.loader import LoadError, load_file

    try:
        doc = load_file(path)
    except LoadError as exc:
        return [], [exc.diagnostic]
    data = doc.data
    diags: list[Diagnostic] = []

    def bad(message: str, at: tuple[Any, ...], hint: str | None = None) -> None:
        diags.append(Diagnostic.make("FR716", message, doc.span(at), hint))

    if not isinstance(data, dict) or not isinstance(data.get("properties"), list):
        bad(
            "a properties file is a mapping with a `properties:` list",
            (),
            "write `properties:` then one `- name: ...` entry per property",
        )
        return [], diags
    props: list[Property] = []
    for i, entry in enumerate(data["properties"][:MAX_PROPERTIES]):
        at = ("properties", i)
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            bad("each property is a mapping with a `name:`", at)
            continue
        unknown = sorted(set(entry) - {"name", "if", "never"})
        if unknown:
            bad(f"unknown key `{unknown[0]}`", (*at, unknown[0]), "use name, if and never")
            continue
        never = entry.get("never")
        kinds = [k for k in ("queue", "block", "end") if isinstance(never, dict) and k in never]
        if not isinstance(never, dict) or len(kinds) != 1 or len(never) != 1:
            bad(
                "`never:` takes exactly one of `queue:`, `block:` or `end:`",
                (*at, "never") if "never" in entry else at,
                "e.g. never: {queue: BasicQueue}",
            )
            continue
        value = never[kinds[0]]
        if kinds[0] == "end" and value not in END_WORDS:
            bad(
                f"`end: {value}` is not an end kind",
                (*at, "never", "end"),
                "one of " + ", ".join(END_WORDS),
            )
            continue
        cond = entry.get("if")
        attr = val = None
        if cond is not None:
            if (
                not isinstance(cond, dict)
                or set(cond) != {"attribute", "equals"}
                or not isinstance(cond["attribute"], str)
            ):
                bad(
                    "`if:` takes `attribute:` and `equals:`",
                    (*at, "if"),
                    "e.g. if: {attribute: tier, equals: gold}",
                )
                continue
            attr, val = cond["attribute"], _text(cond["equals"])
        props.append(Property(entry["name"], kinds[0], str(value), attr, val, doc.span(at)))
    return props, diags


def _text(value: Any) -> str:
    from flowrt.lang.blocks import text_of

    return text_of(value)
