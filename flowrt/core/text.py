"""Text for people: untrusted names and messages made safe to show.

Block names, case names, flow names, file names and messages come from files anyone may
contribute.  Shown raw, a control character drives the reader's terminal (ESC and C1 sequences
clear the screen or reset it), a carriage return hides what came before it on the line, and a
newline starts a line of the writer's choosing: one that GitHub Actions reads as a workflow
command (`::error file=x::...`).  Every human-facing output (traces, `flowrt test` text and JUnit,
annotations, diagrams, the HTML report) passes its untrusted pieces through `printable`.

The rule, one place for all of them: every character that is not safe to show is replaced by a
visible escape in Python's notation, so the reader sees what the file holds:

- C0 controls (U+0000-U+001F) except tab, DEL (U+007F) and the C1 controls (U+0080-U+009F):
  `\\n`, `\\r`, `\\t` for newline, carriage return and tab, `\\xNN` for the others (ESC is shown
  as `\\x1b`, NUL as `\\x00`);
- the Unicode line and paragraph separators (U+2028, U+2029) and the bidirectional controls
  (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069), which reorder or break what is shown:
  `\\uNNNN`;
- lone surrogates (U+D800-U+DFFF), which cannot be encoded and would crash the writer, and the
  non-characters U+FFFE and U+FFFF: `\\uNNNN`.

Tab is kept.  With `multiline=True` newlines are kept too (for text that is several lines by
design); each line is then made safe on its own.  Backslashes are left as they are, so a name that
holds the four characters `\\x1b` reads the same as one that holds ESC: the escape is for reading,
not for parsing back.  What remains is always printable, encodable as UTF-8 and legal in XML 1.0.
Text that needs no escape is returned as it is (the same object), so valid input prints
byte-for-byte as before.
"""

from __future__ import annotations

import re

__all__ = ["ELLIPSIS", "printable", "shorten"]

ELLIPSIS = "\u2026"

_UNSAFE_CLASS = (
    "\x00-\x08\x0a-\x1f\x7f-\x9f"  # C0 but tab, DEL, C1
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidirectional controls
    "\u2028\u2029"  # line and paragraph separators
    "\ud800-\udfff\ufffe\uffff"  # lone surrogates, non-characters
)
_UNSAFE = re.compile(f"[{_UNSAFE_CLASS}]")
_UNSAFE_BUT_NEWLINE = re.compile(f"[{_UNSAFE_CLASS.replace(chr(10) + '-', chr(11) + '-')}]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    c = match.group()
    named = _NAMED.get(c)
    if named is not None:
        return named
    n = ord(c)
    return f"\\x{n:02x}" if n <= 0xFF else f"\\u{n:04x}"


def printable(text: str, *, multiline: bool = False) -> str:
    """`text` with every character unsafe to show replaced by a visible escape (see the module).

    One line is expected unless `multiline`: a newline is shown as `\\n`.  Linear in the length.
    """
    pattern = _UNSAFE_BUT_NEWLINE if multiline else _UNSAFE
    if pattern.search(text) is None:
        return text
    return pattern.sub(_escape, text)


def shorten(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, ending with "…" when it was cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)] + ELLIPSIS
