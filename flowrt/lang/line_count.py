"""Count the entries of a top-level mapping from the lines of the text, without a YAML parser.

`flowrt.lang.loader.entries_over` counts a flow's blocks from the C parser's events so that an
oversize flow (FR045) is refused before anything of it is built; for the 20,001 blocks it must
read that is a quarter of a million event objects.  Most large flows are plain block-style YAML
(one key or one `- item` per line, values on one line), where indentation alone gives the
structure: `lines_over` reads such a text line by line and counts the keys written at the first
indentation under the key, stopping at entry `limit` + 1.

It answers only when it is sure.  Every line it passes must be a blank line, a comment, or
`[indent][- ...]key:[ value]` / `[indent]- ...value` whose value is complete on its line (a
plain scalar without `: ` or `#`, a quoted scalar closed on the line, a flow mapping or list of
one level, its scalars plain or quoted on the line); and the text must have no tab, carriage return or other line break
than `\\n`.  Anything else (a block scalar, a quoted scalar or flow collection over several
lines, an anchor, a tag, a directive or `---`, an indentation it cannot place) gives `UNSURE`,
and the caller asks the parser.  So it never counts a line that a YAML reader would read as
something else: within such lines a key at the first indentation under `key:` is an entry of
that mapping and nothing else.
"""

from __future__ import annotations

import re
from typing import Final

Pos = tuple[int, int, int, int]

#: The answer when the text is not plain enough to count by lines.
UNSURE: Final = "unsure"

_KEY = r"[A-Za-z0-9_$][A-Za-z0-9_.$/-]*"
# Every class below leaves out `\n`: a line never runs on.  The loops are unrolled
# (`a*(?:b a*)*`), so the regular expression engine never backtracks character by character.
# A plain scalar: not starting with an indicator, no `#` (a comment could start), no `: `.
_PLAIN = r"(?:-(?! )|[^\s\-?:,\[\]{}#&*!|>'\"%@`])[^#:\t\n]*(?::(?![ \n])[^#:\t\n]*)*"
_QUOTED = r"\"[^\"\\\t\n]*(?:\\[^\t\n][^\"\\\t\n]*)*\"|'[^'\t\n]*(?:''[^'\t\n]*)*'"
_FLOW_ITEM = rf"[^{{}}\[\]\"'#&*!\t\n]*(?:(?:{_QUOTED})[^{{}}\[\]\"'#&*!\t\n]*)*"
_FLOW = rf"\{{{_FLOW_ITEM}\}}|\[{_FLOW_ITEM}\]"
_VALUE = rf"(?:{_QUOTED}|{_FLOW}|{_PLAIN})"
_COMMENT = r"(?:[ ]+#[^\t\n]*)?[ ]*"
#: Lines whose structure their indentation gives, each ending in `\n`: a top-level `key:` (its
#: value, if any, on the line), an indented `[- ...]key:[ value]` or `- ...value` (a value alone
#: on an indented line continues a plain scalar or is the value of the key above), a blank line
#: or a comment.  A top-level list, or a line any other way, ends the match.
_PLAIN_LINES = re.compile(
    rf"(?:(?:{_KEY}:(?:[ ]+{_VALUE})?{_COMMENT}"
    rf"|[ ]+(?:-[ ]+)*(?:{_KEY}:(?:[ ]+{_VALUE})?|{_VALUE}){_COMMENT}"
    rf"|[ ]*(?:#[^\t\n]*)?)\n)*"
)
_ODD = re.compile("[\t\r\x85\u2028\u2029]")


def lines_over(text: str, key: str, limit: int) -> Pos | None | str:
    """The position of the top-level key `key` when the mapping under it has more than `limit`
    entries, None when it has at most `limit` (or there is no such key), `UNSURE` when the text
    is not plain enough to tell from its lines (see the module docstring)."""
    if text.startswith(("%", "---")):
        return UNSURE
    found = re.compile(rf"^{re.escape(key)}:{_COMMENT}$", re.M).search(text)
    if found is None:
        # No `key:` alone on a line at the top level: `key: {...}`, a text in flow style
        # (`{flow: main, blocks: {...}}`, the key within a line), JSON, or no such key at all.
        # Only the last is sure: the parser counts the others.
        return UNSURE if key in text else None
    line = text.count("\n", 0, found.start()) + 1
    key_pos = (line, 1, line, len(key) + 1)
    # The lines indented at most as far as the entries (the first such line sets how far): in
    # C, so the lines inside each entry are skipped without a Python step each.
    first = _FIRST.search(text, found.end())
    if first is None:
        return None
    indent = len(first["indent"])
    if indent == 0:
        return None  # `key:` is empty: the next line is the next top-level key
    shallow = re.compile(rf"^(?P<indent>[ ]{{0,{indent}}})(?=[^ \n#])", re.M)
    entry = re.compile(rf"[ ]{{{indent}}}{_KEY}:(?:[ ]|\n|$)")
    for count, m in enumerate(shallow.finditer(text, first.start()), start=1):
        width = len(m["indent"])
        if width == 0:
            return None  # the next top-level key: the mapping ended within the limit
        if width < indent or not entry.match(text, m.start()):
            return UNSURE  # between the top level and the entries, or not a `key:` entry
        if count > limit:
            end = text.find("\n", m.end())
            if end < 0:
                return UNSURE
            # Every line up to here must be plain, or some line above may not be what its
            # indentation says (a block scalar, a quoted text over several lines).
            return key_pos if _all_plain(text, end + 1) else UNSURE
    return None


def _all_plain(text: str, end: int) -> bool:
    """Whether the lines of `text[:end]` (which ends at a line's end) are all plain lines."""
    if _ODD.search(text, 0, end):
        return False
    pos = 0
    while pos < end:
        # A piece of about 64 KB at a time: the engine keeps a mark for each line a match
        # repeats over, about 800 bytes a line, which for 3 MB at once is over 100 MB.
        stop = text.find("\n", min(pos + 65_536, end - 1)) + 1
        plain = _PLAIN_LINES.match(text, pos, stop)
        if plain is None or plain.end() != stop:
            return False
        pos = stop
    return True


#: The first line under `key:` that is neither blank nor a comment.
_FIRST = re.compile(r"^(?P<indent>[ ]*)(?=[^ \n#])", re.M)


def entries_past(text: str, key: str, limit: int) -> Pos | None:
    """Where the top-level mapping `key` holds more than `limit` entries, else None: counted from
    the lines of a plain block-style text (`lines_over`, about 4x faster), from the parser's
    events otherwise (`flowrt.lang.loader.entries_over`)."""
    pos = lines_over(text, key, limit)
    if pos == UNSURE:
        from flowrt.lang.loader import entries_over  # the parser: only for texts not plain

        return entries_over(text, key, limit)
    return pos if isinstance(pos, tuple) else None
