"""Positions between flowrt and LSP.

flowrt's spans are 1-based lines and columns counted in characters, the end exclusive (the
command line's `file:line:col`); LSP positions are 0-based and count code units of the encoding
agreed at initialisation: UTF-16 unless the editor offers UTF-8 or UTF-32 first.  A character
outside the Basic Multilingual Plane (an emoji) is one column for flowrt, two UTF-16 units and
four UTF-8 bytes for the editor, so every conversion reads the line's text.
"""

from __future__ import annotations

from lsprotocol import types

from flowrt.core.diagnostics import Diagnostic, Severity, Span, neutralized

SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.NOTE: types.DiagnosticSeverity.Information,
}


#: The position encoding agreed with the editor (`utf-16`, `utf-8` or `utf-32`).
_ENCODING = ["utf-16"]


def use_encoding(name: str) -> None:
    """Count positions in this encoding from now on (the one agreed at initialisation)."""
    _ENCODING[0] = name if name in ("utf-8", "utf-16", "utf-32") else "utf-16"


def _width(c: str) -> int:
    encoding = _ENCODING[0]
    if encoding == "utf-32":
        return 1
    if encoding == "utf-8":
        return len(c.encode("utf-8", "surrogatepass"))
    return 2 if ord(c) > 0xFFFF else 1


def _units(line: str, chars: int) -> int:
    """Units of the first `chars` characters of `line` (past its end: one a character)."""
    head = line[:chars]
    return sum(_width(c) for c in head) + max(0, chars - len(head))


def chars_of(line: str, units: int) -> int:
    """Characters of `line` covered by its first `units` units."""
    count = 0
    for i, c in enumerate(line):
        if count >= units:
            return i
        count += _width(c)
    return len(line) + max(0, units - count)


def line_of(lines: list[str], n: int) -> str:
    return lines[n] if 0 <= n < len(lines) else ""


def to_range(span: Span, lines: list[str]) -> types.Range:
    """The LSP range of a span over a document's lines."""
    start_line, end_line = max(span.line - 1, 0), max(span.end_line - 1, 0)
    start = _units(line_of(lines, start_line), max(span.column - 1, 0))
    end = _units(line_of(lines, end_line), max(span.end_column - 1, 0))
    return types.Range(types.Position(start_line, start), types.Position(end_line, end))


def position(pos: types.Position, lines: list[str]) -> tuple[int, int]:
    """A cursor's LSP position as flowrt's 1-based (line, column in characters)."""
    return pos.line + 1, chars_of(line_of(lines, pos.line), pos.character) + 1


def diagnostic(d: Diagnostic, lines: list[str]) -> types.Diagnostic:
    """A flowrt diagnostic for the editor: its code, message and hint, where the CLI puts it,
    with the text made safe to show as the CLI makes it (an escape character of the file is
    written `\\x1b`, never sent to an editor running in a terminal)."""
    span = d.span or Span("", 1, 1, 1, 2)
    message = neutralized(d.message)
    if d.hint:
        message += "\nhint: " + neutralized(d.hint)
    return types.Diagnostic(
        range=to_range(span, lines),
        message=message,
        severity=SEVERITY.get(d.severity, types.DiagnosticSeverity.Error),
        code=d.code,
        source="flowrt",
    )
