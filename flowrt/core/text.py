"""Text for people: untrusted names and messages made safe to show.

Block names, case names, flow names, file names and messages come from files anyone may
contribute.  Shown raw, a control character drives the reader's terminal (ESC and C1 sequences
clear the screen or reset it), a carriage return hides what came before it on the line, and a
newline starts a line of the writer's choosing: one that GitHub Actions reads as a workflow
command (`::error file=x::...`).  Every human-facing output (traces, `flowrt test` text and JUnit,
annotations, diagrams, the HTML report) passes its untrusted pieces through `printable`.

The rule, one place for all of them: every character Python does not call printable is replaced
by a visible escape in Python's notation, so the reader sees what the file holds.  That is every
character of the Unicode categories "Other" and "Separator" except the ASCII space: C0 and C1
controls and DEL (ESC is shown as `\\x1b`, NUL as `\\x00`, newline and carriage return as
`\\n` and `\\r`), format characters (the bidirectional overrides that reorder what is shown,
zero-width characters), the line and paragraph separators and other spaces than U+0020, private
use and unassigned code points, lone surrogates (which cannot be encoded and would crash the
writer) and the non-characters U+FFFE and U+FFFF.

Tab is kept.  With `multiline=True` newlines are kept too (for text that is several lines by
design).  Backslashes are left as they are, so a name that holds the four characters `\\x1b`
reads the same as one that holds ESC: the escape is for reading, not for parsing back.  What
remains is always printable, encodable as UTF-8 and legal in XML 1.0.  Text that needs no escape
is returned as it is (the same object), so valid input prints byte-for-byte as before.
"""

from __future__ import annotations

__all__ = ["ELLIPSIS", "printable", "shorten"]

ELLIPSIS = "\u2026"

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(c: str) -> str:
    named = _NAMED.get(c)
    if named is not None:
        return named
    n = ord(c)
    if n <= 0xFF:
        return f"\\x{n:02x}"
    return f"\\u{n:04x}" if n <= 0xFFFF else f"\\U{n:08x}"


def printable(text: str, *, multiline: bool = False) -> str:
    """`text` with every character unsafe to show replaced by a visible escape (see the module).

    One line is expected unless `multiline`: a newline is shown as `\\n`.  Linear in the length.
    """
    if text.isprintable():
        return text
    keep = "\t\n" if multiline else "\t"
    changed = False
    out = []
    for c in text:
        if c.isprintable() or c in keep:
            out.append(c)
        else:
            out.append(_escape(c))
            changed = True
    return "".join(out) if changed else text


def shorten(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, ending with "…" when it was cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)] + ELLIPSIS
