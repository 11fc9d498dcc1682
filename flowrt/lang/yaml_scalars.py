"""YAML scalars as flowrt reads them: YAML 1.2 core resolution, and what each core tag accepts.

Implicit resolution uses ruamel's own YAML 1.2 table (which also allows `_` in numbers, as
ruamel does).  Where a word matches a number pattern but holds no number (`._`, `-_`, `0x_`,
`0o_`), it is text, as YAML 1.2's core schema reads it.  An explicit core tag on a value that does
not fit it (`!!int abc`, `!!bool yes`) is FR011; an integer longer than Python converts (4,300
decimal digits, or as large in another base) is FR013; any other tag is FR008.  Nothing here
builds an object from a tag.
"""

from __future__ import annotations

import math
import re
from functools import cache
from typing import Any

STR = "tag:yaml.org,2002:str"
INT = "tag:yaml.org,2002:int"
FLOAT = "tag:yaml.org,2002:float"
BOOL = "tag:yaml.org,2002:bool"
NULL = "tag:yaml.org,2002:null"
MAP = "tag:yaml.org,2002:map"
SEQ = "tag:yaml.org,2002:seq"
MERGE = "tag:yaml.org,2002:merge"
# Timestamps and binary stay text: flows never need them as objects, and a date-looking string
# must not silently change type.
AS_TEXT = {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:binary", "tag:yaml.org,2002:value"}
#: Python refuses to convert longer decimal integers (and a longer one is no count flows need).
MAX_INT_DIGITS = 4300
_INT_BOUND = 10**MAX_INT_DIGITS
#: How much of a tag, key or value a message quotes.
EXCERPT = 60

#: A problem with a scalar: code, message, hint.
Problem = tuple[str, str, str]

_TAG_WORDS = {
    INT: "an integer",
    FLOAT: "a number",
    BOOL: "true or false",
    NULL: "an empty value (`~` or `null`)",
}
_BASES = {"0x": 16, "0X": 16, "0o": 8, "0O": 8, "0b": 2, "0B": 2}


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """`text`, or its first `limit` characters and an ellipsis."""
    return text if len(text) <= limit else text[:limit] + "…"


def short_tag(tag: str) -> str:
    """A tag as users write it (`!!int`, `!custom`), shortened to an excerpt."""
    if tag.startswith("tag:yaml.org,2002:"):
        tag = "!!" + tag.removeprefix("tag:yaml.org,2002:")
    return excerpt(tag)


@cache
def resolvers() -> dict[str, list[tuple[str, Any]]]:
    """YAML 1.2 implicit resolution, by first character (ruamel's own table)."""
    from ruamel.yaml.resolver import implicit_resolvers

    table: dict[str, list[tuple[str, Any]]] = {}
    for versions, tag, regexp, first in implicit_resolvers:
        if (1, 2) in versions:
            compiled = re.compile(regexp.pattern, regexp.flags)  # not ruamel's lazy wrapper
            for ch in first:
                table.setdefault(ch, []).append((tag, compiled))
    return table


def convert(raw: str, tag: str, explicit: bool) -> tuple[Any, Problem | None]:
    """The value of a scalar with a resolved (`explicit` false) or explicit tag, or None and the
    problem with it."""
    if tag == INT and raw.isdecimal() and len(raw) <= MAX_INT_DIGITS:
        return int(raw), None  # the common case, first
    if tag == STR or tag in AS_TEXT:
        return raw, None
    if tag == INT:
        number = _to_int(raw)
        if isinstance(number, int):
            return number, None
        if number == "long":
            digits = raw.replace("_", "").lstrip("+-")
            size = f"has {len(digits):,} digits"
            if digits[:2].lower() in ("0x", "0o", "0b"):
                size = f"is over {MAX_INT_DIGITS:,} digits long in decimal"
            message = f"this integer {size}; flowrt reads integers of at most {MAX_INT_DIGITS:,}"
            return None, ("FR013", message + " digits", "quote it to keep it as text")
    elif tag == FLOAT:
        real = _to_float(raw)
        if real is not None:
            return real, None
    elif tag == BOOL:
        if raw in ("true", "True", "TRUE", "false", "False", "FALSE"):
            return raw.lower() == "true", None
    elif tag == NULL:
        if raw in ("", "~", "null", "Null", "NULL"):
            return None, None
    else:
        message = f"YAML tag `{short_tag(tag)}` is not allowed"
        return None, ("FR008", message, "flowrt reads plain data only; remove the tag")
    if not explicit:  # a number pattern that holds no number (`._`, `0x_`): text
        return raw, None
    message = f"the tag `{short_tag(tag)}` needs {_TAG_WORDS[tag]}, not `{excerpt(raw)}`"
    return None, ("FR011", message, "remove the tag, or quote the value to keep it as text")


def _to_int(text: str) -> int | str:
    """The integer `text` spells (YAML 1.2 with ruamel's underscores), "long" for more digits
    than Python converts, or "no" when it is not a number at all."""
    t = text.replace("_", "")
    sign = -1 if t.startswith("-") else 1
    t = t[1:] if t[:1] in ("-", "+") else t
    base = _BASES.get(t[:2], 10)
    digits = t[2:] if base != 10 else t
    if not digits or not digits.isascii() or not digits.isalnum():
        return "no"
    if base == 10 and len(digits) > MAX_INT_DIGITS:
        return "long"
    try:
        value = int(digits, base)
    except ValueError:
        return "no"
    if value >= _INT_BOUND:
        return "long"
    return sign * value


def _to_float(text: str) -> float | None:
    t = text.replace("_", "").lower()
    if t in (".inf", "+.inf"):
        return math.inf
    if t == "-.inf":
        return -math.inf
    if t == ".nan":
        return math.nan
    try:
        return float(t)
    except ValueError:
        return None
