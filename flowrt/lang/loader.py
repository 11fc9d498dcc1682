"""Stage 1, load: YAML text -> plain data plus a source map from JSON path to position.

Reading a file goes through `flowrt.core.reading` (regular files only, never more than the size
bound: a FIFO, a device or a huge file is a diagnostic, not a hang).  Loading the text uses
ruamel.yaml's C parser for its parse events and builds the plain data from them ourselves
(`flowrt.lang.yaml_build`), which lets us, in one pass with no recursion and no node graph:

- convert ruamel's 0-based marks to 1-based positions, exactly once;
- refuse duplicate keys instead of silently keeping the last one;
- refuse tags that would construct objects (only YAML's core scalar types are allowed);
- bound nesting depth, node count and alias expansion as the events come, so a "billion laughs"
  file or one nested 100,000 levels deep fails fast.

Flows and scenarios are untrusted text: nothing here constructs arbitrary objects or evaluates.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from flowrt.core import reading
from flowrt.core.diagnostics import Diagnostic, Span
from flowrt.lang.yaml_build import (
    Builder,
    BuildError,
    JsonPath,
    Pos,
    _event_types,
    _pos,
    event_source,
)
from flowrt.lang.yaml_messages import Failure, Scalar, place_syntax_error

__all__ = ["DEFAULT_LIMITS", "Document", "JsonPath", "Limits", "LoadError", "Pos"]
__all__ += ["decode", "entries_over", "load_file", "load_text", "read_text"]


@dataclass(frozen=True)
class Limits:
    """Bounds on untrusted documents; each has a diagnostic code when exceeded."""

    max_bytes: int = reading.MAX_BYTES  # FR005 (8 MiB): a 10,000-block flow is about 1.5 MB
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

    def source_line(self, line: int) -> str:
        """Line `line` (1-based, as spans count lines: at `\\n`) of the text, or ""."""
        lines = self.__dict__.get("_lines")
        if lines is None:
            lines = self.__dict__["_lines"] = self.text.split("\n")
        return str(lines[line - 1]) if 0 < line <= len(lines) else ""

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
    """Read a file as UTF-8 text, refusing huge, binary, undecodable and non-regular files
    (a FIFO or a device is refused before a byte is read from it)."""
    whole = Span(display, 1, 1, 1, 2)
    try:
        raw = reading.read_bytes(path, limits.max_bytes)
    except reading.TooLarge as exc:
        raise LoadError(
            Diagnostic.make(
                "FR005",
                f"file is {exc.size:,} bytes; the limit is {limits.max_bytes:,}",
                whole,
                "split the flow into several flows joined by transfer-to-flow",
            )
        ) from None
    except reading.ReadRefused as exc:
        raise LoadError(
            Diagnostic.make(
                "FR001",
                f"cannot read file: {exc.strerror}",
                whole,
                "flowrt reads regular files only; replace it with a regular file",
            )
        ) from None
    except OSError as exc:
        raise LoadError(
            Diagnostic.make("FR001", f"cannot read file: {exc.strerror or exc}", whole)
        ) from exc
    except ValueError:  # a NUL in the name
        raise LoadError(
            Diagnostic.make("FR001", "cannot read file: its name holds a NUL character", whole)
        ) from None
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
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    builder = Builder(file, limits.max_depth, limits.max_nodes, limits.max_alias_nodes)
    try:
        found, data = builder.run(event_source(text))
    except MarkedYAMLError as exc:
        diagnostic = _syntax_diagnostic(exc, text, file, builder.last_event)
        raise _remapped(LoadError(diagnostic), text) from None
    except BuildError as exc:
        raise _remapped(LoadError(exc.diagnostic), text) from None
    except YAMLError as exc:  # unmarked errors: still a diagnostic, never a traceback
        raise LoadError(_unmarked_diagnostic(exc, text, file)) from None
    if not found:
        raise LoadError(
            Diagnostic.make(
                "FR004",
                "the document is empty",
                Span(file, 1, 1, 1, 2),
                "a flow file starts with `flow: <name>`; see `flowrt schema flow`",
            )
        )
    if _ODD_BREAK.search(text):
        lines = _LineMap(text)
        builder.positions = {k: lines.pos4(v) for k, v in builder.positions.items()}
        builder.key_positions = {k: lines.pos4(v) for k, v in builder.key_positions.items()}
    return Document(file, text, data, builder.positions, builder.key_positions)


def entries_over(text: str, key: str, limit: int) -> Pos | None:
    """The position of the top-level mapping key `key` when the mapping written under it has more
    than `limit` entries, else None; found from parse events alone, stopping at entry `limit` + 1.

    This lets a caller refuse a document that holds too many of something (FR045: a flow's
    blocks) before building any of it: nothing is built, no position recorded, and the rest of
    the text is never parsed.  Conservative: only entries written directly under the key count
    (a mapping repeated through an alias is not expanded), and a text the parser refuses gives
    None, so the regular load reports what is wrong with it."""
    from ruamel.yaml.error import YAMLError

    scalar_t, map_t, seq_t, map_end_t, seq_end_t, alias_t, doc_end_t, end_t = _event_types()
    get = event_source(text)
    depth = 0
    root_is_map = False
    top_key_next = True  # in the top-level mapping, the next node is a key (else a value)
    key_pos: Pos | None = None  # where the top-level key just read is, when it is `key`
    inside = False  # the collection open at depth 2 is the mapping written under `key`
    entry_key_next = True  # in that mapping, the next node is a key
    count = 0
    try:
        get()  # StreamStart
        get()  # DocumentStart
        while True:
            ev = get()
            t = type(ev)
            node = t is scalar_t or t is alias_t
            if t is map_t or t is seq_t or node:
                if depth == 1 and root_is_map:
                    if top_key_next:
                        is_key = t is scalar_t and ev.value == key
                        key_pos = _pos(ev) if is_key else None
                    elif not node:
                        inside, entry_key_next = t is map_t and key_pos is not None, True
                    top_key_next = not top_key_next
                elif depth == 2 and inside:
                    if entry_key_next:
                        count += 1
                        if count > limit:
                            assert key_pos is not None
                            return (
                                _LineMap(text).pos4(key_pos) if _ODD_BREAK.search(text) else key_pos
                            )
                    entry_key_next = not entry_key_next
                if not node:
                    if depth == 0:
                        root_is_map = t is map_t
                    depth += 1
            elif t is map_end_t or t is seq_end_t:
                depth -= 1
                if depth == 1:
                    inside = False
            elif t is doc_end_t or t is end_t:
                return None
    except YAMLError:
        return None


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


def _syntax_diagnostic(exc: Any, text: str, file: str, last: Any = None) -> Diagnostic:
    """FR002 for a YAML syntax error, placed where the mistake began when that can be told
    (`last` is the last parse event before the failure: see `flowrt.lang.yaml_messages`)."""
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
    found = None
    index = getattr(mark, "index", -1)
    tabbed = "\t" in problem or "'\\t'" in problem or "tab character" in problem
    tabbed = tabbed or (text[index : index + 1] == "\t" and "cannot start any token" in problem)
    if not tabbed and index >= len(text.rstrip()) and text.strip():
        # The file ended first: point at what was left open, not past the last line.
        line, col, problem = _unclosed(exc, text, lines, problem)
        hint = "the file seems truncated, or a closing quote, bracket or brace is missing"
        reworded = True
    elif tabbed or src[:col].lstrip(" ").startswith("\t"):
        problem = "a tab character is used for indentation"
        hint = "YAML indentation must use spaces; replace the tabs with spaces"
        reworded = True
        tab = src.find("\t")
        if tab >= 0:
            col = tab + 1
    elif (found := place_syntax_error(_failure(exc, last, line, col), lines)) is not None:
        line, col, problem, hint = found
        reworded = True
    elif mark is not None and mark.line >= len(lines) - 1 and "end of stream" in problem:
        hint = "the file seems truncated: a quote, bracket or brace is not closed"
    elif "found duplicate anchor" in problem:
        hint = "anchor names must be unique in a document"
    elif "expected a single document" in (exc.context or "") + problem:
        problem = "the file holds more than one YAML document (`---`)"
        hint = "keep one flow, instance or scenario per file"
    if exc.context and exc.problem and "single document" not in problem and not reworded:
        problem = f"{problem} ({exc.context.strip()})"
    if found is None and "truncated" not in (hint or "") and _looks_truncated(text, line):
        hint = "the file seems truncated: a quote, bracket or brace is not closed"
    return Diagnostic.make(
        "FR002", f"invalid YAML: {problem}", Span(file, line, col, line, col + 1), hint
    )


def _failure(exc: Any, last: Any, line: int, col: int) -> Failure:
    """A parser's failure for `flowrt.lang.yaml_messages`, its marks made 1-based."""
    if type(exc).__name__ not in ("ScannerError", "ParserError"):
        return Failure("", "", line, col, None, None)  # a composer problem: placed as it is
    opened = exc.context_mark
    scalar = None
    if type(last).__name__ == "ScalarEvent":
        s, e = last.start_mark, last.end_mark
        style = last.style if last.style in ('"', "'") else ""
        scalar = Scalar(style, last.value, (s.line + 1, s.column + 1), (e.line + 1, e.column + 1))
    return Failure(
        exc.problem or "",
        exc.context or "",
        line,
        col,
        None if opened is None else (opened.line + 1, opened.column + 1),
        scalar,
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
