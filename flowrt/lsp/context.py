"""What the cursor is on, read from the text alone.

A file being typed is rarely valid YAML, so completion cannot wait for the loader: the mapping
keys above the cursor are found by indentation (block style, `- ` list items, and a flow mapping
`{a: b, c: |}` opened on the cursor's line), which is how people write flows.  Everything here is
bounded: a line longer than `MAX_LINE` or a walk longer than `MAX_WALK` lines gives up (an empty
context), so a hostile file costs nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: Lines longer than this are not read for context (a hostile or generated file).
MAX_LINE = 4_000
#: At most this many lines are walked upwards to find the keys above the cursor.
MAX_WALK = 20_000

#: A mapping key and what follows it on the line.  The key runs to the first `:` (no lazy part,
#: so a long line costs one pass); `_unquote` trims the spaces before the colon.
_KEY = re.compile(
    r"""^(?P<key>"[^"]*"|'[^']*'|[^\s:#{}\[\],'"][^:#{}\[\],]*):(?:[ \t]+|$)(?P<rest>.*)$"""
)
#: The marker of a list item in a path (`conditions`, `-`, `next`).
ITEM = "-"


@dataclass
class Cursor:
    """The cursor's place: the keys above it (`path`, with `ITEM` for list items), and either a
    key being typed (`key` is None, `prefix` its start) or the value of `key` (`prefix`)."""

    path: list[str] = field(default_factory=list)
    #: The 0-based line of each key of `path` (-1 for a key of a flow mapping on the cursor's line).
    lines: list[int] = field(default_factory=list)
    key: str | None = None
    prefix: str = ""
    #: Column (0-based, characters) where the word being typed starts.
    start: int = 0
    #: Indentation of the cursor's line (where a new key would start).
    indent: int = 0


def _unquote(key: str) -> str:
    key = key.strip()
    if len(key) >= 2 and key[0] == key[-1] and key[0] in "\"'":
        return key[1:-1]
    return key


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _content(line: str) -> tuple[int, str, bool]:
    """(column of the content, the content, whether the line is a list item `- ...`)."""
    col = _indent(line)
    rest = line[col:]
    item = False
    while rest.startswith("- ") or rest == "-":
        item = True
        col += 2 if rest.startswith("- ") else 1
        stripped = rest[2:] if rest.startswith("- ") else ""
        col += len(stripped) - len(stripped.lstrip(" "))
        rest = stripped.lstrip(" ")
    return col, rest, item


def cursor_at(text: str, line: int, column: int) -> Cursor:
    """The context of the cursor at 0-based `line` and `column` (characters) of `text`."""
    lines = text.split("\n")
    if not 0 <= line < len(lines) or len(lines[line]) > MAX_LINE:
        return Cursor()
    before = lines[line][:column]
    col, rest, item = _content(before)
    cursor = Cursor(indent=col)
    if not before.strip():
        cursor.indent = len(before)
        col = len(before)
    own: list[str] = []
    own_lines: list[int] = []
    m = _KEY.match(rest)
    if m and "{" in m.group("rest"):
        _flow_mapping(cursor, before, m.group("key"), m.group("rest"), line)
        own, own_lines = [_unquote(m.group("key"))], [line]
    elif m:
        cursor.key = _unquote(m.group("key"))
        cursor.prefix = m.group("rest").strip().strip("\"'")
        cursor.start = column - len(cursor.prefix)
    else:
        cursor.prefix = rest.strip().strip("\"'")
        cursor.start = column - len(cursor.prefix)
    parents, parent_lines = _parents(lines, line, col, item)
    cursor.path = parents + own + cursor.path
    cursor.lines = parent_lines + own_lines + cursor.lines
    return cursor


def _flow_mapping(cursor: Cursor, before: str, key: str, rest: str, line: int) -> None:
    """`next: {success: lo|`: the open mapping's key, then the key or value being typed."""
    inner = rest[rest.rfind("{") + 1 :]
    segment = inner.split(",")[-1]
    if "}" in segment:  # the mapping is closed before the cursor: nothing to complete
        cursor.prefix = ""
        cursor.start = len(before)
        return
    if ":" in segment:
        k, _, v = segment.partition(":")
        cursor.key = _unquote(k)
        cursor.prefix = v.strip().strip("\"'")
    else:
        cursor.key = None
        cursor.prefix = segment.strip().strip("\"'")
        cursor.path = []
    cursor.start = len(before) - len(cursor.prefix)


def _parents(lines: list[str], line: int, col: int, item: bool) -> tuple[list[str], list[int]]:
    """The keys above a line whose content starts at `col` (outermost first)."""
    keys: list[str] = []
    where: list[int] = []
    limit, item_mode = col, False
    if item:  # the cursor's line is a list item: its list is the innermost parent
        keys.append(ITEM)
        where.append(line)
        limit, item_mode = _indent(lines[line]), True
    i = line - 1
    stop = max(-1, line - MAX_WALK)
    while i > stop and limit > 0:
        raw = lines[i]
        i -= 1
        if len(raw) > MAX_LINE or not raw.strip() or raw.lstrip().startswith("#"):
            continue
        ind = _indent(raw)
        c, rest, is_item = _content(raw)
        m = _KEY.match(rest)
        if is_item:
            if ind < limit:  # the list item that holds the cursor
                if m and c < limit and not m.group("rest").strip():
                    keys.append(_unquote(m.group("key")))
                    where.append(i + 1)
                keys.append(ITEM)
                where.append(i + 1)
                limit, item_mode = ind, True
            continue
        if ind < limit or (item_mode and ind == limit):
            if m:
                keys.append(_unquote(m.group("key")))
                where.append(i + 1)
            limit, item_mode = ind, False
    keys.reverse()
    where.reverse()
    return keys, where


def child_value(lines: list[str], line: int, key: str) -> str | None:
    """The scalar value of `key` among the children of the mapping key on `line` (block style),
    e.g. a block's `type`; None when there is none."""
    if not 0 <= line < len(lines) or len(lines[line]) > MAX_LINE:
        return None
    parent = _indent(lines[line])
    for raw in lines[line + 1 : line + 1 + MAX_WALK]:
        if len(raw) > MAX_LINE or not raw.strip() or raw.lstrip().startswith("#"):
            continue
        if _indent(raw) <= parent:
            return None
        m = _KEY.match(raw.strip())
        if m and _unquote(m.group("key")) == key:
            value = m.group("rest").split(" #")[0].strip().strip("\"'")
            return value or None
    return None
