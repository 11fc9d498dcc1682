"""Stage 1, load: YAML text -> plain data plus a source map from JSON path to position.

Reading uses ruamel.yaml's C composer (`YAML(typ="safe", pure=False).compose`): it is the fast
path (about 8x the round-trip loader) and its nodes still carry marks.  We build the plain data
ourselves from the node graph, which lets us, in one walk:

- convert ruamel's 0-based marks to 1-based positions, exactly once, here;
- refuse duplicate keys instead of silently keeping the last one;
- refuse tags that would construct objects (only YAML's core scalar types are allowed);
- bound nesting depth and alias expansion, so a "billion laughs" file fails fast.

Flows and scenarios are untrusted text: nothing here constructs arbitrary objects or evaluates.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from flowrt.core.diagnostics import Diagnostic, Span

JsonPath = tuple[str | int, ...]
Pos = tuple[int, int, int, int]  # line, column, end_line, end_column (1-based)

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
# Timestamps and binary stay text: flows never need them as objects, and a date-looking string
# must not silently change type.
_AS_TEXT = {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:binary", "tag:yaml.org,2002:value"}


@dataclass(frozen=True)
class Limits:
    """Bounds on untrusted documents; each has a diagnostic code when exceeded."""

    max_bytes: int = 8 * 1024 * 1024  # FR005: a 10,000-block flow is about 1.5 MB
    max_depth: int = 64  # FR006
    max_nodes: int = 2_000_000  # FR007 (total nodes after alias expansion)
    max_alias_nodes: int = 100_000  # FR007 (nodes reached through aliases)


DEFAULT_LIMITS = Limits()


@dataclass
class Document:
    """A loaded YAML document: its plain data and where every value came from."""

    file: str
    text: str
    data: Any
    positions: dict[JsonPath, Pos] = field(default_factory=dict)
    key_positions: dict[JsonPath, Pos] = field(default_factory=dict)

    def span(self, path: JsonPath) -> Span:
        """Span of the value at `path`, or of its nearest ancestor that has one."""
        return self._span(self.positions, path)

    def key_span(self, path: JsonPath) -> Span:
        """Span of the mapping key whose value is at `path` (the value's span if none)."""
        if path in self.key_positions:
            return self._span(self.key_positions, path)
        return self.span(path)

    def _span(self, table: dict[JsonPath, Pos], path: JsonPath) -> Span:
        p = tuple(path)
        while p not in table and p:
            p = p[:-1]
        pos = table.get(p, (1, 1, 1, 2))
        return Span(self.file, *pos)


class LoadError(Exception):
    """A document could not be loaded; carries one diagnostic."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def read_text(path: Path, display: str, limits: Limits = DEFAULT_LIMITS) -> str:
    """Read a file as UTF-8 text, refusing huge, binary and undecodable files."""
    whole = Span(display, 1, 1, 1, 2)
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise LoadError(
                Diagnostic.make(
                    "FR005",
                    f"file is {size:,} bytes; the limit is {limits.max_bytes:,}",
                    whole,
                    "split the flow into several flows joined by transfer-to-flow",
                )
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise LoadError(
            Diagnostic.make("FR001", f"cannot read file: {exc.strerror or exc}", whole)
        ) from exc
    return decode(raw, display, limits)


def decode(raw: bytes, display: str, limits: Limits = DEFAULT_LIMITS) -> str:
    """Decode bytes as UTF-8 text or raise LoadError with a positioned diagnostic."""
    if len(raw) > limits.max_bytes:
        raise LoadError(
            Diagnostic.make(
                "FR005",
                f"document is {len(raw):,} bytes; the limit is {limits.max_bytes:,}",
                Span(display, 1, 1, 1, 2),
            )
        )
    nul = raw.find(b"\x00")
    if nul >= 0:
        line = raw.count(b"\n", 0, nul) + 1
        col = nul - (raw.rfind(b"\n", 0, nul) + 1) + 1
        raise LoadError(
            Diagnostic.make(
                "FR001",
                "this is a binary file, not YAML text (it contains a NUL byte)",
                Span(display, line, col, line, col + 1),
                "flows, instances and scenarios are UTF-8 YAML text files",
            )
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise LoadError(
            Diagnostic.make(
                "FR001",
                f"file is not UTF-8 text (byte 0x{raw[exc.start]:02x} cannot be decoded)",
                Span(display, line, col, line, col + 1),
                "save the file as UTF-8",
            )
        ) from exc
    return text.removeprefix("\ufeff")


def load_file(path: Path, display: str | None = None, limits: Limits = DEFAULT_LIMITS) -> Document:
    """Load one YAML file; raise LoadError with a positioned diagnostic on any problem."""
    display = display or str(path)
    return load_text(read_text(path, display, limits), display, limits)


def load_text(text: str, file: str = "<string>", limits: Limits = DEFAULT_LIMITS) -> Document:
    """Load YAML text (already decoded) into a Document."""
    if len(text.encode("utf-8", errors="replace")) > limits.max_bytes:
        raise LoadError(
            Diagnostic.make(
                "FR005", f"document larger than {limits.max_bytes:,} bytes", Span(file, 1, 1, 1, 2)
            )
        )
    node = _compose(text, file)
    if node is None:
        raise LoadError(
            Diagnostic.make(
                "FR004",
                "the document is empty",
                Span(file, 1, 1, 1, 2),
                "a flow file starts with `flow: <name>`; see `flowrt schema flow`",
            )
        )
    builder = _Builder(file, limits)
    try:
        data = builder.build(node, (), 0)
    except LoadError as exc:
        raise _remapped(exc, text) from None
    if _ODD_BREAK.search(text):
        lines = _LineMap(text)
        builder.positions = {k: lines.pos4(v) for k, v in builder.positions.items()}
        builder.key_positions = {k: lines.pos4(v) for k, v in builder.key_positions.items()}
    return Document(file, text, data, builder.positions, builder.key_positions)


#: Line breaks YAML readers count besides `\n` (and `\r\n`): a lone CR, NEL, LS, PS.
_ODD_BREAK = re.compile("\r(?!\n)|[\x85\u2028\u2029]")
_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")


class _LineMap:
    """ruamel's lines (ending at any YAML line break) -> lines ending at `\n`, as editors and
    the renderer count them.  Only built for the rare text with other line breaks."""

    def __init__(self, text: str) -> None:
        self.starts = [0, *(m.end() for m in _BREAK.finditer(text))]
        self.newlines = [0, *(m.end() for m in re.finditer("\n", text))]

    def pos(self, line: int, column: int) -> tuple[int, int]:
        index = self.starts[max(0, min(line, len(self.starts)) - 1)] + column - 1
        n = bisect_right(self.newlines, index) - 1
        return n + 1, index - self.newlines[n] + 1

    def pos4(self, p: Pos) -> Pos:
        return (*self.pos(p[0], p[1]), *self.pos(p[2], p[3]))


def _remapped(exc: LoadError, text: str) -> LoadError:
    """`exc` with its position in `\\n` lines when the text has other line breaks."""
    s = exc.diagnostic.span
    if s is None or not _ODD_BREAK.search(text):
        return exc
    lines = _LineMap(text)
    span = Span(s.file, *lines.pos4((s.line, s.column, s.end_line, s.end_column)))
    return LoadError(replace(exc.diagnostic, span=span))


def _compose(text: str, file: str) -> Any:
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        return _fast_loader_class()(text).get_single_node()
    except MarkedYAMLError as exc:
        raise _remapped(LoadError(_syntax_diagnostic(exc, text, file)), text) from None
    except RecursionError:
        raise LoadError(
            Diagnostic.make(
                "FR006",
                "the document is nested too deeply to read",
                Span(file, 1, 1, 1, 2),
                f"flowrt accepts at most {DEFAULT_LIMITS.max_depth} levels of nesting",
            )
        ) from None
    except YAMLError as exc:  # unmarked errors: still a diagnostic, never a traceback
        raise LoadError(_unmarked_diagnostic(exc, text, file)) from None


def _unmarked_diagnostic(exc: Any, text: str, file: str) -> Diagnostic:
    position = getattr(exc, "position", None)
    character = getattr(exc, "character", None)
    if isinstance(position, int) and 0 <= position <= len(text):
        line = text.count("\n", 0, position) + 1
        col = position - (text.rfind("\n", 0, position) + 1) + 1
        # The C reader gives the character as a code point, the pure one as a string.
        code = ord(character) if isinstance(character, str) else character
        what = f"U+{code:04X}" if isinstance(code, int) else repr(character)
        return Diagnostic.make(
            "FR001",
            f"character {what} is not allowed in YAML text",
            Span(file, line, col, line, col + 1),
            "remove the control character, or write it as an escape in a double-quoted string",
        )
    return Diagnostic.make("FR002", f"invalid YAML: {exc}", Span(file, 1, 1, 1, 2))


_TAGS: dict[str, Any] = {}


@cache
def _fast_loader_class() -> Any:
    """ruamel's C composer with a lean YAML 1.2 resolver.

    `YAML(typ="safe", pure=False).compose` spends about half its time in ruamel's versioned
    resolver.  The C parser composes nodes itself and only calls back `resolve` for each node's
    tag, so a resolver that uses the same YAML 1.2 implicit rules (taken from ruamel's own table)
    and returns shared Tag objects reads the same documents in about half the time.  Falls back to
    the pure-Python composer where the C extension is missing.
    """
    from ruamel.yaml.nodes import ScalarNode, SequenceNode
    from ruamel.yaml.resolver import implicit_resolvers
    from ruamel.yaml.tag import Tag

    for name in (
        "str",
        "int",
        "float",
        "bool",
        "null",
        "map",
        "seq",
        "timestamp",
        "merge",
        "value",
    ):
        _TAGS[f"tag:yaml.org,2002:{name}"] = Tag(suffix=f"tag:yaml.org,2002:{name}")
    table: dict[str, list[tuple[Any, Any]]] = {}
    for versions, tag, regexp, first in implicit_resolvers:
        if (1, 2) in versions:
            for ch in first:
                table.setdefault(ch, []).append((_TAGS.get(tag) or Tag(suffix=tag), regexp))
    t_str, t_seq, t_map = _TAGS[_STR], _TAGS[_SEQ], _TAGS[_MAP]

    try:
        from _ruamel_yaml import CParser
    except ImportError:  # pragma: no cover - pure-Python fallback
        from ruamel.yaml import YAML

        class _Pure:
            def __init__(self, text: str) -> None:
                self.text = text

            def get_single_node(self) -> Any:
                return YAML(typ="safe", pure=True).compose(self.text)

        return _Pure

    class _FastLoader(CParser):  # type: ignore[misc]
        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            if kind is ScalarNode:
                if implicit[0]:
                    for tag, rx in table.get(value[:1], ()):
                        if rx.match(value):
                            return tag
                return t_str
            return t_seq if kind is SequenceNode else t_map

        def descend_resolver(self, *args: Any) -> None:
            pass

        def ascend_resolver(self, *args: Any) -> None:
            pass

    return _FastLoader


def _syntax_diagnostic(exc: Any, text: str, file: str) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else 1
    col = mark.column + 1 if mark is not None else 1
    problem = (exc.problem or exc.context or "invalid YAML").strip()
    hint: str | None = None
    lines = _BREAK.split(text)  # lines as the YAML reader counts them (its marks)
    if lines[-1] == "":
        lines.pop()
    src = lines[line - 1] if 0 < line <= len(lines) else ""
    reworded = False
    if mark is not None and getattr(mark, "index", -1) >= len(text.rstrip()) and text.strip():
        # The file ended first: point at what was left open, not past the last line.
        line, col, problem = _unclosed(exc, text, lines, problem)
        hint = "the file seems truncated, or a closing quote, bracket or brace is missing"
        reworded = True
    elif "\t" in problem or "'\\t'" in problem or src[:col].lstrip(" ").startswith("\t"):
        problem = "a tab character is used for indentation"
        hint = "YAML indentation must use spaces; replace the tabs with spaces"
        reworded = True
        tab = src.find("\t")
        if tab >= 0:
            col = tab + 1
    elif mark is not None and mark.line >= len(lines) - 1 and "end of stream" in problem:
        hint = "the file seems truncated: a quote, bracket or brace is not closed"
    elif "found duplicate anchor" in problem:
        hint = "anchor names must be unique in a document"
    elif "expected a single document" in (exc.context or "") + problem:
        problem = "the file holds more than one YAML document (`---`)"
        hint = "keep one flow, instance or scenario per file"
    if exc.context and exc.problem and "single document" not in problem and not reworded:
        problem = f"{problem} ({exc.context.strip()})"
    if "truncated" not in (hint or "") and _looks_truncated(text, line):
        hint = "the file seems truncated: a quote, bracket or brace is not closed"
    return Diagnostic.make(
        "FR002", f"invalid YAML: {problem}", Span(file, line, col, line, col + 1), hint
    )


def _unclosed(exc: Any, text: str, lines: list[str], problem: str) -> tuple[int, int, str]:
    """Line, column and wording of an error at the end of the file: where something opened."""
    ctx = exc.context_mark
    if ctx is not None and getattr(ctx, "index", len(text)) < len(text.rstrip()):
        line, col = ctx.line + 1, ctx.column + 1
    else:  # nothing marked before the end: the last character of the file
        line = len(lines)
        while line > 1 and not lines[line - 1].strip():
            line -= 1
        col = max(1, len(lines[line - 1].rstrip())) if lines else 1
    ch = lines[line - 1][col - 1 : col] if 0 < line <= len(lines) else ""
    if ch in ('"', "'"):
        return line, col, "this quoted text is never closed: the file ends first"
    if ch in ("[", "{"):
        return line, col, f"this `{ch}` is never closed: the file ends first"
    return line, col, f"{problem}: the file ends first"


def _looks_truncated(text: str, error_line: int) -> bool:
    return error_line >= text.count("\n") and text.count('"') % 2 == 1


class _Builder:
    """Turns a composed node graph into plain data and positions, enforcing the limits."""

    def __init__(self, file: str, limits: Limits) -> None:
        self.file = file
        self.limits = limits
        self.positions: dict[JsonPath, Pos] = {}
        self.key_positions: dict[JsonPath, Pos] = {}
        self.nodes = 0
        self.alias_nodes = 0
        self._seen: set[int] = set()

    def _pos(self, node: Any) -> Pos:
        s, e = node.start_mark, node.end_mark
        return (s.line + 1, s.column + 1, e.line + 1, e.column + 1)

    def _fail(self, code: str, message: str, node: Any, hint: str | None = None) -> LoadError:
        return LoadError(Diagnostic.make(code, message, Span(self.file, *self._pos(node)), hint))

    def _where_used(self, path: JsonPath) -> Pos:
        """Position of the nearest ancestor read directly: where an alias was used, not where
        its anchor was defined (alias expansions have no positions of their own)."""
        while path and path not in self.positions:
            path = path[:-1]
        return self.positions.get(path, (1, 1, 1, 2))

    def build(self, node: Any, path: JsonPath, depth: int, via_alias: bool = False) -> Any:
        value = node.value
        if isinstance(value, str):  # a scalar: the common case, kept short
            self.nodes += 1
            if via_alias:
                self._count_alias(path)
            else:
                s, e = node.start_mark, node.end_mark
                self.positions[path] = (s.line + 1, s.column + 1, e.line + 1, e.column + 1)
            if node.ctag is _TAGS.get(_STR):
                return value
            return self._scalar(node)
        if depth >= self.limits.max_depth:
            raise self._fail(
                "FR006",
                f"nesting deeper than {self.limits.max_depth} levels",
                node,
                "flatten the structure; flows never need this much nesting",
            )
        self.nodes += 1
        if self.nodes > self.limits.max_nodes:
            raise self._fail("FR007", f"more than {self.limits.max_nodes:,} nodes", node)
        # A collection met twice is an alias use: everything below it counts as expansion.
        key = id(node)
        if not via_alias and key in self._seen:
            via_alias = True
        self._seen.add(key)
        if via_alias:
            self._count_alias(path)
        else:
            self.positions[path] = self._pos(node)
        if node.tag not in (_MAP, _SEQ):  # `!!python/object [...]`, `!custom {...}`
            raise self._fail(
                "FR008",
                f"YAML tag `{_short_tag(str(node.tag))}` is not allowed",
                node,
                "flowrt reads plain data only; remove the tag",
            )
        if isinstance(value, list) and value and isinstance(value[0], tuple):
            return self._mapping(node, path, depth, via_alias)
        if node.tag == _MAP:
            return self._mapping(node, path, depth, via_alias)
        return [self.build(item, (*path, i), depth + 1, via_alias) for i, item in enumerate(value)]

    def _count_alias(self, path: JsonPath) -> None:
        self.alias_nodes += 1
        if self.alias_nodes > self.limits.max_alias_nodes:
            raise LoadError(
                Diagnostic.make(
                    "FR007",
                    f"aliases expand to more than {self.limits.max_alias_nodes:,} nodes",
                    Span(self.file, *self._where_used(path)),
                    "this looks like an alias bomb; write the values out or use fewer aliases",
                )
            )

    def _mapping(self, node: Any, path: JsonPath, depth: int, via_alias: bool) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for knode, vnode in node.value:
            if not isinstance(knode.value, str):
                raise self._fail("FR011", "a mapping key must be a plain value", knode)
            if knode.tag == "tag:yaml.org,2002:merge":
                raise self._fail(
                    "FR008",
                    "merge keys (`<<`) are not supported",
                    knode,
                    "write the keys out; merge keys hide where a value comes from",
                )
            if knode.ctag is not _TAGS.get(_STR):
                self._scalar(knode)  # refuses tags that construct objects, even on keys
            k = str(knode.value)
            if k in out:
                first = self.key_positions.get((*path, k))
                where = f" (first defined on line {first[0]})" if first else ""
                raise self._fail(
                    "FR003",
                    f"duplicate key `{k}`{where}",
                    knode,
                    "YAML would silently keep only the last value; remove or rename one",
                )
            child = (*path, k)
            if not via_alias:
                s, e = knode.start_mark, knode.end_mark
                self.key_positions[child] = (s.line + 1, s.column + 1, e.line + 1, e.column + 1)
            out[k] = self.build(vnode, child, depth + 1, via_alias)
        return out

    def _scalar(self, node: Any) -> Any:
        tag, value = node.tag, node.value
        if tag == _STR or tag in _AS_TEXT:
            return value
        if tag == _INT:
            return _to_int(value)
        if tag == _BOOL:
            return value.lower() == "true"
        if tag == _NULL:
            return None
        if tag == _FLOAT:
            return _to_float(value)
        raise self._fail(
            "FR008",
            f"YAML tag `{_short_tag(tag)}` is not allowed",
            node,
            "flowrt reads plain data only; remove the tag",
        )


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org") else tag


def _to_int(text: str) -> int:
    t = text.replace("_", "")
    sign = -1 if t.startswith("-") else 1
    t = t.lstrip("+-")
    if t.startswith(("0x", "0X")):
        return sign * int(t[2:], 16)
    if t.startswith(("0o", "0O")):
        return sign * int(t[2:], 8)
    return sign * int(t)


def _to_float(text: str) -> float:
    t = text.replace("_", "").lower()
    if t in (".inf", "+.inf"):
        return math.inf
    if t == "-.inf":
        return -math.inf
    if t == ".nan":
        return math.nan
    return float(t)
