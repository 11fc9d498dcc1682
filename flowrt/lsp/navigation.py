"""Hover, definition, references, rename, quick fixes, document symbols and code lenses.

Each answer reads the sites of the project's last check (`flowrt.lsp.index`): the name under the
cursor, where it is defined, and everywhere it is used.  A rename of a block edits its key, every
`next:` and `start:` naming it, the scenario assertions naming it and the block names of the
goldens that recorded it, in one workspace edit.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from lsprotocol import types

from flowrt.core.files import GOLDEN_SUFFIX
from flowrt.core.text import printable
from flowrt.lang.loader import Document, LoadError, load_text, read_text
from flowrt.lsp.convert import to_range
from flowrt.lsp.index import Index, Site, absolute
from flowrt.lsp.workspace import Checked, Workspace, path_to_uri
from flowrt.project.schema_text import block_markdown

#: "(did you mean `x`?)" in a diagnostic's message or hint: the quick fix's replacement.
DID_YOU_MEAN = re.compile(r"did you mean `([^`]+)`\?")
_FIRST_NAME = re.compile(r"`([^`]+)`")
#: At most this many golden files are read for a rename (a bound on a hostile project).
MAX_GOLDENS = 10_000


def _lines(workspace: Workspace, file: str) -> list[str]:
    text = workspace.text(Path(file))
    return (text or "").split("\n")


def location(workspace: Workspace, site: Site) -> types.Location:
    return types.Location(
        uri=path_to_uri(site.file), range=to_range(site.span, _lines(workspace, site.file))
    )


def definition_of(index: Index, site: Site) -> Site | None:
    """Where the name of a site is defined; a block named in a scenario without its flow may be
    a block of a flow the case transfers to: the first flow that has it."""
    found = index.definition(site.key)
    if found is None and site.kind == "block":
        found = next(
            (s for s in index.sites if s.definition and s.kind == "block" and s.name == site.name),
            None,
        )
    return found


def references_of(index: Index, site: Site, declaration: bool) -> list[Site]:
    target = definition_of(index, site)
    key = target.key if target is not None else site.key
    return [s for s in index.references(key) if declaration or not s.definition]


# --- hover ---------------------------------------------------------------------------------


def _data(index: Index, site: Site | None) -> Any:
    if site is None:
        return None
    doc = index.docs.get(site.file)
    if doc is None or not isinstance(doc.data, dict):
        return None
    if site.kind == "block":
        blocks = doc.data.get("blocks")
        return blocks.get(site.name) if isinstance(blocks, dict) else None
    if site.kind == "flow":
        return doc.data
    section = {"queue": "queues", "user": "users", "hours": "hours-of-operation"}.get(
        site.kind, "lambda-functions"
    )
    entries = doc.data.get(section)
    return entries.get(site.name) if isinstance(entries, dict) else None


def hover_text(index: Index, site: Site) -> str | None:
    """What a name is: a block's type and purpose, a queue's capacity and hours, a flow's type
    and description, a user's profiles, hours' time zone, a Lambda function's ARN."""
    from flowrt.lang.blocks import BLOCKS

    target = definition_of(index, site)
    data = _data(index, target)
    if not isinstance(data, dict):
        return None if site.kind != "case" else f"**case** `{site.name}`"
    lines = [f"**{site.kind}** `{site.name}`"]
    if site.kind == "block":
        cls = BLOCKS.get(str(data.get("type")))
        lines[0] += f" ({data.get('type')})" if cls is not None else ""
        if isinstance(data.get("description"), str):
            lines.append(data["description"])
        if cls is not None:
            lines.append(block_markdown(cls).split("\n\n", 1)[0])
    elif site.kind == "flow":
        lines.append(f"type: `{data.get('type')}`")
        if isinstance(data.get("description"), str):
            lines.append(data["description"])
    elif site.kind == "queue":
        cap = data.get("max-contacts")
        lines.append(f"capacity: {cap} contacts" if cap is not None else "capacity: no maximum")
        lines.append(f"hours: `{data['hours']}`" if data.get("hours") else "hours: none")
    elif site.kind == "user":
        for key in ("routing-profile", "security-profile"):
            if data.get(key):
                lines.append(f"{key}: `{data[key]}`")
    elif site.kind == "hours":
        lines.append(f"time zone: `{data.get('time-zone', 'UTC')}`")
    elif site.kind == "lambda" and data.get("arn"):
        lines.append(f"ARN: `{data['arn']}`")
    if site.kind != "block" and site.kind != "flow" and isinstance(data.get("description"), str):
        lines.append(data["description"])
    return printable("\n\n".join(lines), multiline=True)  # names and descriptions are the user's


def hover_type(value: str) -> str | None:
    """A block type's documentation (the cursor on `type: play-prompt`)."""
    from flowrt.lang.blocks import BLOCKS

    cls = BLOCKS.get(value)
    return block_markdown(cls) if cls is not None else None


def hover_key(lines: list[str], block_line: int, key: str) -> str | None:
    """What a key of a block means, from its type's field description."""
    from flowrt.lang.blocks import BLOCKS
    from flowrt.lsp.context import child_value
    from flowrt.project.schema_text import fields

    cls = BLOCKS.get(child_value(lines, block_line, "type") or "")
    if cls is None:
        return None
    found = next((doc for k, _, doc in fields(cls) if k == key), None)
    return f"**{key}** ({cls.TYPE})\n\n{found}" if found else None


# --- rename --------------------------------------------------------------------------------


def rename_edits(
    workspace: Workspace, checked: Checked, site: Site, new: str
) -> dict[str, list[types.TextEdit]]:
    """uri -> edits renaming the block of `site` to `new` everywhere, goldens included."""
    target = definition_of(checked.index, site) or site
    edits: dict[str, list[types.TextEdit]] = {}
    for s in checked.index.references(target.key):
        uri = path_to_uri(s.file)
        edits.setdefault(uri, []).append(
            types.TextEdit(range=to_range(s.span, _lines(workspace, s.file)), new_text=new)
        )
    for file, spans in _golden_sites(checked.root, target.scope, target.name).items():
        lines = _lines(workspace, file)
        edits.setdefault(path_to_uri(file), []).extend(
            types.TextEdit(range=to_range(span, lines), new_text=new) for span in spans
        )
    return edits


def _golden_sites(root: Path, flow: str, block: str) -> dict[str, list[Any]]:
    """The spans of a block's name in every golden of the project: `block:` and `next:` of the
    steps of its flow, and the outcome's `block:`."""
    from flowrt.lsp.index import _name_span

    out: dict[str, list[Any]] = {}
    for n, path in enumerate(sorted(root.rglob("*" + GOLDEN_SUFFIX))):
        if n >= MAX_GOLDENS:
            break
        try:
            doc = load_text(read_text(path, str(path)), str(path))
        except LoadError:
            continue
        data = doc.data if isinstance(doc.data, dict) else {}
        found: list[tuple[Any, ...]] = []
        steps = data.get("steps")
        for i, step in enumerate(steps if isinstance(steps, list) else ()):
            if isinstance(step, dict) and step.get("flow") == flow:
                found.extend(("steps", i, k) for k in ("block", "next") if step.get(k) == block)
        outcome = data.get("outcome")
        ended_here = isinstance(outcome, dict) and outcome.get("flow") == flow
        if ended_here and isinstance(outcome, dict) and outcome.get("block") == block:
            found.append(("outcome", "block"))
        spans = [_name_span(doc, doc.span(p), block) for p in found]
        if any(spans):
            out[absolute(str(path))] = [s for s in spans if s is not None]
    return out


# --- quick fixes ---------------------------------------------------------------------------


def quick_fixes(uri: str, text: str, diagnostics: list[types.Diagnostic]) -> list[types.CodeAction]:
    """A quick fix for every "did you mean": the misspelt name replaced by the suggestion."""
    lines = text.split("\n")
    actions: list[types.CodeAction] = []
    for d in diagnostics:
        m = DID_YOU_MEAN.search(d.message)
        if m is None:
            continue
        best = m.group(1)
        r = d.range
        if r.start.line != r.end.line or not 0 <= r.start.line < len(lines):
            continue
        current = lines[r.start.line][r.start.character : r.end.character]
        wrong = next(
            (w for w in _FIRST_NAME.findall(d.message) if w != best and w in current), None
        )
        new = current.replace(wrong, best, 1) if wrong else best
        actions.append(
            types.CodeAction(
                title=f"Change to `{best}`",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[d],
                is_preferred=True,
                edit=types.WorkspaceEdit(changes={uri: [types.TextEdit(range=r, new_text=new)]}),
            )
        )
    return actions


# --- symbols and lenses --------------------------------------------------------------------


def symbols(doc: Document, lines: list[str], kind: str | None) -> list[types.DocumentSymbol]:
    """The blocks of a flow, the cases of a scenario, the entries of an instance."""
    data = doc.data if isinstance(doc.data, dict) else {}
    if kind == "flow":
        sections = [("blocks", types.SymbolKind.Function)]
    elif kind == "scenario":
        sections = [("cases", types.SymbolKind.Method)]
    else:
        sections = [
            (s, types.SymbolKind.Object)
            for s in ("queues", "users", "hours-of-operation", "lambda-functions")
        ]
    out: list[types.DocumentSymbol] = []
    for section, symbol_kind in sections:
        entries = data.get(section)
        for name, value in entries.items() if isinstance(entries, dict) else ():
            key = doc.key_span((section, name))
            whole = doc.span((section, name))
            detail = None
            if isinstance(value, dict):
                detail = value.get("type") if kind == "flow" else value.get("description")
            out.append(
                types.DocumentSymbol(
                    name=str(name),
                    kind=symbol_kind,
                    detail=str(detail) if isinstance(detail, str) else None,
                    range=types.Range(to_range(key, lines).start, to_range(whole, lines).end),
                    selection_range=to_range(key, lines),
                )
            )
    return out


RUN_CASE = "flowrt.runCase"
UPDATE_GOLDEN = "flowrt.updateGolden"


def code_lenses(doc: Document, file: str, lines: list[str]) -> list[types.CodeLens]:
    """ "run this case" and "update golden" above each case of a scenario file."""
    data = doc.data if isinstance(doc.data, dict) else {}
    cases = data.get("cases")
    out: list[types.CodeLens] = []
    for name in cases if isinstance(cases, dict) else ():
        r = to_range(doc.key_span(("cases", name)), lines)
        for title, command in (("run this case", RUN_CASE), ("update golden", UPDATE_GOLDEN)):
            out.append(
                types.CodeLens(
                    range=r,
                    command=types.Command(
                        title=title, command=command, arguments=[path_to_uri(file), name]
                    ),
                )
            )
    return out


def run_case(file: Path, case: str, update: bool) -> str:
    """Run one case of a saved scenario file as `flowrt test` does; one line saying how it went
    (with `update`, its golden is written)."""
    from flowrt.project.driver import find_root
    from flowrt.scenario.model import cases_of
    from flowrt.testing.suite import Suite

    suite = Suite(update=update)
    root = find_root(file)
    with suite.writing(root):
        pr = suite.project(root)
        for doc, sf in pr.project.scenarios:
            if Path(doc.file).resolve() != file.resolve():
                continue
            for one in cases_of(sf):
                if one.case != case:
                    continue
                report = suite.run_case(pr, doc, sf, one)
                golden = report.golden.status if report.golden is not None else "none"
                state = "passed" if report.passed else "failed"
                problems = "; ".join(report.problems())
                summary = report.outcome.describe()
                tail = f": {problems}" if problems else ""
                return f"{case}: {state} ({summary}; golden: {golden}){tail}"
    return f"{case}: not run (the scenario file or the project has errors; see the problems)"
