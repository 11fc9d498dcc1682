"""Where a YAML syntax error began, and how to say it (FR002).

The parser fails where it can no longer make sense of the text, which is often lines after the
mistake: an unclosed quote runs on to the next quote in the file, a line without its `:` runs on
into the next line, a key lined up with the `-` of a list above it ends the list too early.  The
last event the parser gave before failing (`Builder.last_event`) says which construct ran on, and
the indentation of the lines around says which line broke it.  `place_syntax_error` returns the
line, column, wording and hint of the mistake, or None when nothing better than the parser's own
place can be told.  Lines are counted as the parser counts them (the loader remaps them to `\n`
lines afterwards); every pattern here is linear.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flowrt.lang.yaml_scalars import excerpt

#: A line that starts with a key (`key:` or `- key:`): the key is group 2 (spaces at its end).
_KEY_LINE = re.compile(r"^( *)((?:- +)?[^\s:#'\"][^:#]*):(?:[ \t]|$)")

_Placed = tuple[int, int, str, str]  # line, column, problem, hint


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _key_of(line: str) -> str:
    """The key a line starts with, else its first word (shortened)."""
    m = _KEY_LINE.match(line)
    word = m.group(2).rstrip() if m else (line.split() or [""])[0]
    return excerpt(word)


def _is_content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _spaces(n: int) -> str:
    return "at the left margin" if n == 0 else f"{n} space{'s' if n != 1 else ''}"


@dataclass(frozen=True)
class Scalar:
    """The last scalar the parser gave before failing: its style (`"`, `'`, or "" for plain),
    its value, and where it starts and ends (1-based line and column, end exclusive)."""

    style: str
    value: str
    start: tuple[int, int]
    end: tuple[int, int]


@dataclass(frozen=True)
class Failure:
    """A parser's failure as the loader hands it over, positions already 1-based: its problem
    and context wording, where it failed, and where the construct it was in opened."""

    problem: str
    context: str
    line: int
    col: int
    opened: tuple[int, int] | None
    scalar: Scalar | None


def place_syntax_error(failure: Failure, lines: list[str]) -> _Placed | None:
    """Line, column, wording and hint of a syntax error placed where it began, or None."""
    if not lines:
        return None
    problem, context, opened = failure.problem, failure.context, failure.opened
    line, col, scalar = failure.line, failure.col, failure.scalar
    in_flow = context.startswith("while parsing a flow")
    if scalar is not None:
        (sl, sc), (el, _) = scalar.start, scalar.end
        quoted = scalar.style in ('"', "'")
        if quoted and 0 < sl < el <= len(lines) and any(map(_KEY_LINE.match, lines[sl:el])):
            return (
                sl,
                sc,
                f"this quoted text is not closed on its line, so it runs on to line {el}",
                f"add the closing `{scalar.style}` at the end of the text on line {sl}",
            )
        if not quoted and problem.startswith("mapping values are not allowed"):
            if 0 < sl < el <= len(lines):
                return _ran_on(lines, sl, sc, el)
            if sl == el == line <= len(lines) and sc > _indent(lines[sl - 1]) + 1:
                return _colon_in_text(lines[sl - 1], sl, sc, col)
    if in_flow and opened is not None:
        return _in_brackets(lines, opened, line, col, scalar)
    if problem.startswith("could not find expected ':'") and opened is not None:
        ol, oc = opened
        if ol < line <= len(lines) and oc == _indent(lines[ol - 1]) + 1:
            return _no_colon(lines[ol - 1], ol, oc, line)
    if problem.startswith(("did not find expected key", "did not find expected '-'")) or (
        problem.startswith("did not find expected <document start>")
    ):
        stray = lines[line - 1][col - 1 : col] if 0 < line <= len(lines) else ""
        if stray in ("}", "]"):
            return line, col, f"this `{stray}` closes nothing", "remove it, or add its opening one"
        if "<document start>" in problem:
            return _indented_start(lines, line, col)
        return _misaligned(lines, line, col)
    return None


def _no_colon(src: str, sl: int, sc: int, el: int) -> _Placed:
    """Line `sl` starts with a text that has no `:` (it was meant as a key)."""
    words = src.strip()
    first, _, rest = words.partition(" ")
    rest = rest.strip()
    first = excerpt(first)
    hint = f"write `{first}: {excerpt(rest)}`" if rest else f"add `:` after `{first}`"
    return (
        sl,
        sc,
        f"`{excerpt(words)}` has no `:`, so YAML reads it and line {el} as one text",
        hint,
    )


def _ran_on(lines: list[str], sl: int, sc: int, el: int) -> _Placed:
    """A plain text that ran on from line `sl` into the `key:` of line `el`."""
    src = lines[sl - 1]
    here = _indent(src)
    if sc == here + 1 or src[here:].startswith("-"):  # the text starts its line: a key
        return _no_colon(src, sl, sc, el)
    key, after = _key_of(src), lines[el - 1]
    deeper = _indent(after)
    before = next((n for n in range(sl - 1, 0, -1) if _is_content(lines[n - 1])), None)
    if before is not None and _indent(lines[before - 1]) > here < deeper:
        # Less indented than the lines on both sides: this line is the one that moved.
        want = _indent(lines[before - 1])
        owner = _above(lines, before, want)
        under = ""
        if owner is not None:
            under = f"is `{key}` meant to be under `{_key_of(lines[owner - 1])}` (line {owner})? "
        return (
            sl,
            here + 1,
            f"`{key}` is indented less than the lines around it, so YAML reads line {el} as "
            "more of its value",
            f"{under}indent it {_spaces(want)}, like line {before}",
        )
    other = _key_of(after)
    return (
        el,
        deeper + 1,
        f"`{other}` is indented more than `{key}` on line {sl}, so YAML reads it as more of "
        f"the value of `{key}`",
        f"line `{other}` up with `{key}` ({_spaces(here)})",
    )


def _colon_in_text(src: str, sl: int, sc: int, col: int) -> _Placed:
    """`key: text: more`: the `: ` inside the text."""
    key, value = src[: sc - 1].strip(), src[sc - 1 :].rstrip()
    quoted = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return (
        sl,
        col,
        "a `: ` inside unquoted text reads as a second key on the line",
        f"quote the text: `{excerpt(key)} {excerpt(quoted)}`",
    )


def _in_brackets(
    lines: list[str], opened: tuple[int, int], line: int, col: int, scalar: Scalar | None
) -> _Placed | None:
    """An error inside `{...}` or `[...]`: the bracket never closed, or a missing comma."""
    ol, oc = opened
    if not 0 < ol <= line <= len(lines):
        return None
    bracket = lines[ol - 1][oc - 1 : oc]
    closing = {"{": "}", "[": "]"}.get(bracket)
    if closing is None:
        return None
    if line > ol and _indent(lines[line - 1]) <= _indent(lines[ol - 1]):
        return (
            ol,
            oc,
            f"this `{bracket}` is not closed on its line, so line {line} is read as part of it",
            f"add the closing `{closing}` at the end of line {ol}",
        )
    # Inside the brackets: a value of two words just before the error lacks its comma.
    if (
        scalar is not None
        and scalar.end == (line, col)
        and not scalar.style
        and " " in scalar.value.strip()
    ):
        first = scalar.value.split()[0]
        sl, sc = scalar.start
        return (
            sl,
            sc + len(first),
            f"`{excerpt(scalar.value)}` reads as one value: a `,` seems to be missing after "
            f"`{excerpt(first)}`",
            f"separate the entries inside `{bracket} {closing}` with commas",
        )
    return None


def _above(lines: list[str], line: int, shallower_than: int) -> int | None:
    """The nearest line above `line` with content, indented less than `shallower_than`."""
    for n in range(line - 1, 0, -1):
        if _is_content(lines[n - 1]) and _indent(lines[n - 1]) < shallower_than:
            return n
    return None


def _misaligned(lines: list[str], line: int, col: int) -> _Placed | None:
    """A line whose indentation lines up with no open mapping or list above it."""
    if not 0 < line <= len(lines):
        return None
    src = lines[line - 1]
    here = _indent(src)
    if col != here + 1 or not _is_content(src):
        return None
    if src[here] != "-":
        item = _item_above(lines, line, here)
        if item is not None:
            return _key_on_dash(lines, line, col, item)
    else:  # a list item among the keys of a mapping: line it up with its list
        for n in range(line - 1, 0, -1):
            above = lines[n - 1]
            if _indent(above) < here and above[_indent(above) : _indent(above) + 1] == "-":
                return (
                    line,
                    col,
                    "this `-` item is indented like the keys above it, not like its list",
                    f"line it up with the `-` on line {n} ({_spaces(_indent(above))})",
                )
    levels: list[tuple[int, int]] = []  # (indentation, line) of the keys still open above
    lowest = len(src) + 1
    for n in range(line - 1, 0, -1):
        above = lines[n - 1]
        if _is_content(above) and _indent(above) < lowest:
            lowest = _indent(above)
            levels.append((lowest, n))
            if lowest <= here:
                break
    if not levels or levels[-1][0] == here:
        return None
    options = [lv for lv in levels if lv[0] > here][-1:] + [lv for lv in levels if lv[0] < here]
    choices = " or with ".join(
        f"`{_key_of(lines[n - 1])}` on line {n} ({_spaces(i)})" for i, n in options
    )
    return (
        line,
        col,
        f"`{_key_of(src)}` is indented {_spaces(here)}, which lines up with no key above it",
        f"line it up with {choices}",
    )


def _key_on_dash(lines: list[str], line: int, col: int, item: int) -> _Placed:
    """A key lined up with the `-` of the item on line `item`: in neither the item nor after
    the list."""
    src, dash = lines[line - 1], lines[item - 1]
    here = _indent(src)
    rest = dash[here + 1 :]
    inner = here + 1 + len(rest) - len(rest.lstrip(" "))  # where the item's keys start
    hint = f"indent it {_spaces(inner)} to put it in the item"
    parent = _above(lines, item, here)
    if parent is not None:
        owner = lines[parent - 1]
        hint += f", or {_spaces(_indent(owner))} (like `{_key_of(owner)}`) to end the list"
    return (
        line,
        col,
        f"`{_key_of(src)}` lines up with the `-` on line {item}, so it is neither in that item "
        "nor after the list",
        hint,
    )


def _indented_start(lines: list[str], line: int, col: int) -> _Placed | None:
    """The file's first key is indented, and a later line is less indented than it."""
    first = next((n for n in range(1, line) if _is_content(lines[n - 1])), None)
    if first is None or _indent(lines[first - 1]) == 0 or col != _indent(lines[line - 1]) + 1:
        return None
    return (
        first,
        _indent(lines[first - 1]) + 1,
        f"the file's first key `{_key_of(lines[first - 1])}` is indented "
        f"{_spaces(_indent(lines[first - 1]))}, so line {line} lines up with no key",
        "start the top-level keys at the left margin",
    )


def _item_above(lines: list[str], line: int, here: int) -> int | None:
    """The line of the `- ` item just above `line`, at indentation `here`."""
    for n in range(line - 1, 0, -1):
        above = lines[n - 1]
        if not _is_content(above) or _indent(above) > here:
            continue
        return n if _indent(above) == here and above[here : here + 2] == "- " else None
    return None
