"""Reading untrusted JSON: bounded nesting and numbers, no NaN or Infinity, every problem placed.

`json.loads` alone is not safe on hostile input: 100,000 nested brackets raise RecursionError,
an integer of more than 4,300 digits raises ValueError (and takes quadratic time where the
process has lifted that limit), and `NaN`, `Infinity` and `1e400` are read as numbers JSON
does not have.  `loads` bounds all three before or while parsing:

- nesting: at most `MAX_DEPTH` levels (the limit of YAML files, FR006), measured by a linear
  scan of the brackets outside strings *before* the parser recurses;
- numbers: at most `MAX_NUMBER` characters each (`parse_int`/`parse_float` hooks, so `int()`
  never sees a long digit string), and finite (`1e400` is refused, not read as infinity);
- `NaN`, `Infinity`, `-Infinity`: refused (`parse_constant`).

Every problem is a `JsonProblem` carrying the character offset where it is, so the caller can
give a line and column (or a character within an embedded string).  Every JSON file flowrt
reads goes through here: Connect exports and their `Content` strings
(`flowrt.connect.files.parse_source`) and the layout side files (`read_layout`).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from flowrt.lang.loader import DEFAULT_LIMITS

#: Most levels of nesting read (objects and arrays), as in YAML files.
MAX_DEPTH = DEFAULT_LIMITS.max_depth
#: Most characters of one number (sign, digits, point and exponent included).
MAX_NUMBER = 100

#: A string (an unterminated one runs to the end: the scan stays linear on any text).
_STRING = r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)'
_BRACKET_TOKENS = re.compile(rf"{_STRING}|([\[{{])|[\]}}]", re.S)
_VALUE_TOKENS = re.compile(
    rf"{_STRING}|(-?Infinity|NaN|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)", re.S
)


class JsonProblem(Exception):
    """Why a JSON text cannot be read, and the character offset (0-based) where."""

    def __init__(self, message: str, offset: int, length: int = 1, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.length = max(1, length)
        self.hint = hint


class _Refused(Exception):
    """Raised by a parser hook; `loads` then finds the token and says where it is."""


def _int(text: str) -> int:
    if len(text) > MAX_NUMBER:
        raise _Refused
    return int(text)


def _float(text: str) -> float:
    if len(text) > MAX_NUMBER:
        raise _Refused
    value = float(text)
    if not math.isfinite(value):
        raise _Refused
    return value


def _constant(text: str) -> float:
    raise _Refused


_DECODER = json.JSONDecoder(parse_int=_int, parse_float=_float, parse_constant=_constant)


def loads(text: str, max_depth: int = MAX_DEPTH) -> Any:
    """`json.loads(text)` within the bounds above; raise JsonProblem on any problem."""
    if text.startswith("\ufeff"):  # as json.loads says it
        raise JsonProblem("Unexpected UTF-8 BOM (decode using utf-8-sig)", 0)
    check_depth(text, max_depth)
    try:
        return _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise JsonProblem(exc.msg, exc.pos) from None
    except _Refused:
        raise _refused_token(text) from None
    except RecursionError:  # only reached if the stack was nearly full already
        raise JsonProblem(f"nested too deeply to read (at most {max_depth} levels)", 0) from None


def check_depth(text: str, max_depth: int = MAX_DEPTH) -> None:
    """Raise JsonProblem at the first bracket that opens level `max_depth + 1`, if any."""
    problem = _too_deep(text, max_depth)
    if problem is not None:
        raise problem


def _too_deep(text: str, max_depth: int) -> JsonProblem | None:
    """The first bracket (outside strings) that opens level `max_depth + 1`, if any.

    `_within` answers the common case with a few passes of C string methods; only a text it
    cannot clear is walked token by token, which finds the bracket (or clears the text)."""
    if _within(text, max_depth):
        return None
    depth = 0
    for m in _BRACKET_TOKENS.finditer(text):
        if m.group(1) is not None:
            depth += 1
            if depth > max_depth:
                return JsonProblem(
                    f"nested deeper than {max_depth} levels",
                    m.start(),
                    hint=f"flowrt reads at most {max_depth} levels; Amazon Connect's own "
                    "exports use about 10: export the flow again from Amazon Connect",
                )
        elif m.group().startswith(("]", "}")):
            depth -= 1
    return None


#: Every byte but `"` and the brackets (deleted before measuring the nesting).
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'"[]{}')
_ONE_KIND = bytes.maketrans(b"{}", b"[]")


def _within(text: str, max_depth: int) -> bool:
    """True when the brackets outside strings nest at most `max_depth` deep (and balance).

    Escaped backslashes, then escaped quotes, are taken out of the whole text first (from the
    left, as JSON reads them), so every quote left opens or closes a string; dropping all but
    quotes and brackets, then what lies between two quotes, leaves the structure, whose
    innermost empty pairs one `replace` removes per level.  On a valid prefix of a JSON text
    this is exact; a text it cannot clear goes to the exact walk."""
    raw = text.encode("utf-8", "surrogatepass").replace(b"\\\\", b"").replace(b'\\"', b"")
    kept = raw.translate(None, _NOT_STRUCTURE)
    brackets = b"".join(kept.split(b'"')[::2]).translate(_ONE_KIND)
    for _ in range(max_depth):
        if not brackets:
            return True
        inner = brackets.replace(b"[]", b"")
        if len(inner) == len(brackets):  # unbalanced: not valid JSON, or a bracket unclosed
            return False
        brackets = inner
    return not brackets


def _refused_token(text: str) -> JsonProblem:
    """The first number or constant a parser hook refused (they run in text order)."""
    for m in _VALUE_TOKENS.finditer(text):
        token = m.group(1)
        if token is None:
            continue
        if token in ("NaN", "Infinity", "-Infinity"):
            return JsonProblem(
                f"`{token}` is not a JSON value",
                m.start(),
                len(token),
                "JSON has no NaN or infinite numbers; write a number, or the value as a string",
            )
        if len(token) > MAX_NUMBER:
            return JsonProblem(
                f"a number of {len(token):,} characters; flowrt reads numbers of at most "
                f"{MAX_NUMBER}",
                m.start(),
                len(token),
                'write such a value as a string, as Amazon Connect writes numbers ("8")',
            )
        if not math.isfinite(float(token)):
            return JsonProblem(
                f"the number `{token}` is out of range (it would be infinite)",
                m.start(),
                len(token),
                "write a number within ±1.7e308, or the value as a string",
            )
    return JsonProblem("a number flowrt cannot read", 0)  # pragma: no cover
