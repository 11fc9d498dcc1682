"""Completion: what may be written where the cursor is.

Block types (with a snippet of a whole block), the keys of a block's type, its branch names,
`next:` targets from the flow's blocks, queue / user / flow / hours / Lambda names from the
instance, and in scenarios the flows, case names (those with a golden file but no case), case
keys, assertion keys and block names of the case's flow.  Names come from the editor's text where it is being typed (the blocks of the flow) and
from the project's last check (the instance, the other flows).
"""

from __future__ import annotations

import re
from pathlib import Path

from lsprotocol import types

from flowrt.core.files import kind_of
from flowrt.lsp.context import ITEM, MAX_LINE, Cursor, child_value, cursor_at
from flowrt.lsp.index import BLOCK_RESOURCES, EXPECT_BLOCK_LISTS, EXPECT_BLOCK_ONE, Index
from flowrt.project.schema_text import block_markdown as block_doc
from flowrt.project.schema_text import fields as field_docs
from flowrt.project.schema_text import snippet_yaml as snippet

#: Names offered for a resource of the instance, by the key that asks for one.
INSTANCE_VALUE_KINDS = {
    ("queues", "hours"): "hours",
    ("routing-profiles", "default-outbound-queue"): "queue",
    ("quick-connects", "queue"): "queue",
    ("quick-connects", "user"): "user",
    ("quick-connects", "flow"): "flow",
    ("phone-numbers", "flow"): "flow",
    ("email-addresses", "flow"): "flow",
}
_BLOCKS_LINE = re.compile(r"^blocks:\s*(#.*)?$")


def block_names_in(text: str) -> list[str]:
    """The block names of a flow's text as it is being typed: the keys one level under a
    top-level `blocks:` (read line by line; the file need not be valid YAML)."""
    names: list[str] = []
    inside, indent = False, -1
    for line in text.split("\n"):
        if len(line) > MAX_LINE:
            continue
        if _BLOCKS_LINE.match(line):
            inside, indent = True, -1
            continue
        if not inside or not line.strip() or line.lstrip().startswith("#"):
            continue
        ind = len(line) - len(line.lstrip(" "))
        if ind == 0:
            inside = False
            continue
        if indent < 0:
            indent = ind
        if ind == indent and ":" in line:
            name = line.strip().split(":", 1)[0].strip().strip("\"'")
            if name:
                names.append(name)
    return names


def _item(
    label: str,
    kind: types.CompletionItemKind,
    detail: str | None = None,
    doc: str | None = None,
    insert: str | None = None,
    snippet_text: bool = False,
) -> types.CompletionItem:
    return types.CompletionItem(
        label=label,
        kind=kind,
        detail=detail,
        documentation=types.MarkupContent(types.MarkupKind.Markdown, doc) if doc else None,
        insert_text=insert,
        insert_text_format=types.InsertTextFormat.Snippet if snippet_text else None,
    )


def _names(index: Index | None, kind: str, detail: str) -> list[types.CompletionItem]:
    if index is None:
        return []
    return [_item(n, types.CompletionItemKind.Value, detail) for n in index.names(kind)]


def complete(
    path: Path, text: str, line: int, column: int, index: Index | None
) -> list[types.CompletionItem]:
    """The completion items at a 0-based line and character column of a file's text."""
    kind = kind_of(path)
    cursor = cursor_at(text, line, column)
    if kind == "flow":
        return _flow(cursor, text, index)
    if kind == "instance":
        return _instance(cursor, index)
    if kind == "scenario":
        return _scenario(cursor, text, index, path)
    return []


def _block_types() -> list[types.CompletionItem]:
    from flowrt.lang.blocks import BLOCKS

    return [
        _item(name, types.CompletionItemKind.EnumMember, "block type", block_doc(cls))
        for name, cls in BLOCKS.items()
    ]


def _flow(cursor: Cursor, text: str, index: Index | None) -> list[types.CompletionItem]:
    from flowrt.lang.blocks import BLOCKS

    path, key = cursor.path, cursor.key
    names = [_item(n, types.CompletionItemKind.Reference, "block") for n in block_names_in(text)]
    if not path:
        return names if key == "start" else []
    if path[0] != "blocks":
        return []
    if len(path) == 1:  # a new block: a whole block of each type
        if key is not None:
            return []
        return [
            _item(
                f"{name} block",
                types.CompletionItemKind.Snippet,
                f"a new {name} block",
                block_doc(cls),
                snippet(cls),
                snippet_text=True,
            )
            for name, cls in BLOCKS.items()
        ]
    lines = text.split("\n")
    type_ = child_value(lines, cursor.lines[1], "type")
    cls = BLOCKS.get(type_ or "")
    if len(path) == 2:
        if key is None:
            if cls is None:
                return [_item("type", types.CompletionItemKind.Property, "the block type")]
            return [
                _item(k, types.CompletionItemKind.Property, detail, doc)
                for k, detail, doc in field_docs(cls)
            ]
        if key == "type":
            return _block_types()
        if key == "next":
            return names
        if key in BLOCK_RESOURCES:
            return _names(index, BLOCK_RESOURCES[key], BLOCK_RESOURCES[key])
        return []
    if path[2] == "next" and len(path) == 3:
        if key is not None:
            return names
        branches = cls.BRANCHES if cls is not None else ()
        return [_item(b, types.CompletionItemKind.EnumMember, "branch") for b in branches]
    if path[2] == "conditions" and key == "next":
        return names
    return []


def _instance(cursor: Cursor, index: Index | None) -> list[types.CompletionItem]:
    path, key = cursor.path, cursor.key
    if key == "default-outbound-flow" and not path:
        return _names(index, "flow", "flow")
    if len(path) == 2 and key is not None and (path[0], key) in INSTANCE_VALUE_KINDS:
        kind = INSTANCE_VALUE_KINDS[(path[0], key)]
        return _names(index, kind, kind)
    if len(path) == 4 and path[0] == "routing-profiles" and path[2:] == ["queues", ITEM]:
        return _names(index, "queue", "queue")
    return []


def _scenario_flow(text: str, cursor: Cursor) -> str:
    """The flow a scenario case runs: its own `flow:`, else the scenario's."""
    lines = text.split("\n")
    if len(cursor.path) >= 2 and cursor.path[0] == "cases":
        own = child_value(lines, cursor.lines[1], "flow")
        if own:
            return own
    for raw in lines:
        if raw.startswith("flow:"):
            return raw.split(":", 1)[1].split(" #")[0].strip().strip("\"'")
    return ""


def _case_names(scenario_file: Path, text: str) -> list[types.CompletionItem]:
    """A new case's name: the cases whose golden file is beside the scenario
    (`__goldens__/<scenario>/<case>.golden.yaml`) but that the file no longer defines, so a case
    renamed or deleted by mistake gets its pinned run back."""
    from flowrt.core.files import GOLDEN_SUFFIX
    from flowrt.testing.golden import file_stem, golden_dir

    folder = golden_dir(scenario_file)
    try:
        stems = sorted(
            f.name.removesuffix(GOLDEN_SUFFIX)
            for f in folder.iterdir()
            if f.name.endswith(GOLDEN_SUFFIX) and f.is_file()
        )
    except OSError:
        return []
    defined = {file_stem(m.group(1)) for m in re.finditer(r"(?m)^  ([^\s#:][^:]*):", text)}
    return [
        _item(stem, types.CompletionItemKind.Value, "case with a golden file and no case")
        for stem in stems[:500]
        if stem not in defined
    ]


def _scenario(
    cursor: Cursor, text: str, index: Index | None, scenario_file: Path
) -> list[types.CompletionItem]:
    from flowrt.scenario.expect import Expect, OutcomeExpect
    from flowrt.scenario.model import Case

    path, key = cursor.path, cursor.key
    if key == "flow" and len(path) in (0, 2):
        return _names(index, "flow", "flow")
    if path == ["cases"] and key is None:
        return _case_names(scenario_file, text)
    if len(path) < 2 or path[0] != "cases":
        return []
    rest = path[2:]
    if not rest and key is None:
        return [
            _item(k, types.CompletionItemKind.Property, d, doc) for k, d, doc in field_docs(Case)
        ]
    if rest and rest[0] == "world":
        return _world(rest[1:], key, index)
    if not rest or rest[0] != "expect":
        return []
    flow = _scenario_flow(text, cursor)
    blocks = [
        _item(n, types.CompletionItemKind.Reference, f"block of {flow}")
        for n in (index.names("block", flow) if index is not None else [])
    ]
    if len(rest) == 1:
        if key is None:
            return [
                _item(k, types.CompletionItemKind.Property, d, doc)
                for k, d, doc in field_docs(Expect)
            ]
        if key in EXPECT_BLOCK_ONE:
            return blocks
        if key == "outcome":
            return [_item(k, types.CompletionItemKind.EnumMember, "outcome") for k in _kinds()]
        return []
    if rest[1] in EXPECT_BLOCK_LISTS and rest[2:] == [ITEM]:
        return blocks
    if rest[1] == "branch" and len(rest) == 2 and key is None:
        return blocks
    if rest[1] == "outcome" and len(rest) == 2:
        if key is None:
            return [
                _item(k, types.CompletionItemKind.Property, d, doc)
                for k, d, doc in field_docs(OutcomeExpect)
            ]
        if key == "queued":
            return _names(index, "queue", "queue")
        if key == "flow":
            return _names(index, "flow", "flow")
        if key == "block":
            return blocks
        if key == "kind":
            return [_item(k, types.CompletionItemKind.EnumMember, "outcome") for k in _kinds()]
    return []


def _world(rest: list[str], key: str | None, index: Index | None) -> list[types.CompletionItem]:
    sections = {"queues": "queue", "agent-queues": "user", "lambdas": "lambda"}
    if len(rest) == 1 and key is None and rest[0] in sections:
        return _names(index, sections[rest[0]], sections[rest[0]])
    return []


def _kinds() -> list[str]:
    from typing import get_args

    from flowrt.scenario.expect import OutcomeKind

    out: list[str] = []
    for arg in get_args(OutcomeKind):
        out.extend(str(a) for a in (get_args(arg) or (arg,)))
    return out
