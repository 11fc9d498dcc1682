"""Attribute references of the expression language, and what the rest of it shares.

Owns the reference form (``$.Attributes.tier``, ``$.Queue.Name``, ``$.Attributes["my key"]``,
``$.Attributes.['my key']`` as Amazon Connect writes it):
``parse_reference`` / ``is_reference`` and the scanner behind them, the known ``NAMESPACES``,
the ``Ref`` a reference compiles to, the ``Resolver`` protocol that looks values up, and
``ExprError`` with its offsets.  Also the pieces templates (flowrt.lang.templates) and conditions
(flowrt.lang.conditions) share: the length limits, Connect's exact number parse (``as_number``)
and the scanning helpers.  flowrt.lang.expr is the public face of the three modules.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any, Protocol, TypeAlias

#: Longest condition / reference text accepted (characters).
MAX_EXPR_LENGTH = 4096
#: Deepest nesting of parentheses and ``not`` accepted in a condition.
MAX_NESTING = 32
#: Longest text with inline references accepted (characters), and longest text a run renders
#: from one: Amazon Connect's limit on contact attributes (32 KB), so a rendered text that could
#: not even be stored as an attribute is refused.
MAX_TEXT_LENGTH = 32_768

NAMESPACES: frozenset[str] = frozenset(
    {
        "Attributes",
        "External",
        "Lambda",
        "Queue",
        "Metrics",
        "Channel",
        "CustomerEndpoint",
        "SystemEndpoint",
        "StoredCustomerInput",
        "ContactId",
        "InitialContactId",
        "PreviousContactId",
        "RelatedContactId",
        "InstanceARN",
        "Name",
        "Description",
        "LanguageCode",
        "AdditionalEmailRecipients",
        "Email",
        "Lex",
        "Views",
        "Customer",
        "Segments",
        "SegmentAttributes",
        "TextToSpeechVoice",
        "References",
        "FlowAttributes",
        "MediaStreams",
        "Agent",
        "Tags",
        "Case",
        "Campaign",
        # System attributes of Amazon Connect's "List of available contact attributes and their
        # JSONPath reference" that real flows read (`$.CallbackNumber` in Set contact attributes
        # and Invoke AWS Lambda function parameters).
        "CallbackNumber",
        "CustomerId",
        "InitiationMethod",
        "TextToSpeechVoiceId",
        "Media",
        "Task",
    }
)

_ASCII_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_DIGITS = frozenset("0123456789")
_NS_CHARS = _ASCII_LETTERS | _DIGITS | {"_"}
_SEG_CHARS = _NS_CHARS | {"-"}


class ExprError(Exception):
    """A syntax or reference error in an expression.

    ``offset``/``end_offset`` are 0-based character offsets into the text that was
    given to the ``parse_*`` function (``end_offset`` is exclusive and is never less
    than ``offset``). ``hint`` is an optional suggestion for the author.
    """

    message: str
    offset: int
    end_offset: int
    hint: str | None

    def __init__(
        self,
        message: str,
        offset: int = 0,
        end_offset: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.end_offset = max(offset, end_offset if end_offset is not None else offset + 1)
        self.hint = hint

    def __str__(self) -> str:
        if self.hint and self.hint not in self.message:
            return f"{self.message} ({self.hint})"
        return self.message

    def __repr__(self) -> str:
        return (
            f"ExprError({self.message!r}, offset={self.offset}, "
            f"end_offset={self.end_offset}, hint={self.hint!r})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (ExprError, (self.message, self.offset, self.end_offset, self.hint))


class TextTooLong(Exception):
    """Rendering a template was stopped: the text would be longer than ``limit`` characters.

    Raised while rendering, as soon as the pieces so far are over the limit, so the long text is
    never built.  A run step that renders text catches it and takes its block's `error` branch.
    """

    limit: int

    def __init__(self, limit: int) -> None:
        super().__init__(f"the text would be longer than {limit:,} characters")
        self.limit = limit

    def __reduce__(self) -> tuple[Any, ...]:
        return (TextTooLong, (self.limit,))


class Resolver(Protocol):
    """Something that can look up the value of a reference path."""

    def resolve(self, path: tuple[str, ...]) -> str | None:
        """Return the value at ``path`` (e.g. ``("Attributes", "tier")``), ``None`` if missing."""
        ...


@dataclass(frozen=True, slots=True)
class Ref:
    """One attribute reference such as ``$.Attributes.tier``."""

    path: tuple[str, ...]
    text: str
    offset: int

    @property
    def namespace(self) -> str:
        """The first path segment, e.g. ``"Attributes"``."""
        return self.path[0]

    def get(self, r: Resolver) -> str | None:
        """Resolve this reference (``None`` when missing)."""
        return r.resolve(self.path)


# --------------------------------------------------------------------------- numbers

_Num: TypeAlias = int | Decimal


@lru_cache(maxsize=4096)  # the same few values recur; the results are immutable
def _num(value: str) -> _Num | None:
    """Parse ``value`` as an exact number (int or Decimal); ``None`` if it is not one.

    Accepted: optional surrounding whitespace, optional sign, ASCII digits with an
    optional decimal point (``8``, ``-2.5``, ``.5``, ``3.``). Rejected: empty text,
    exponents, ``_`` separators, ``nan``/``inf``, non-ASCII digits.
    """
    s = value.strip()
    if s.isdigit() and s.isascii():
        return int(s)
    if not s or not s.isascii():
        return None
    body = s[1:] if s[0] in "+-" else s
    whole, dot, frac = body.partition(".")
    if whole and not whole.isdigit():
        return None
    if frac and not frac.isdigit():
        return None
    if not whole and not frac:
        return None
    if dot:
        return Decimal(s)
    return int(s)


def as_number(value: str) -> float | None:
    """Connect-style numeric parse: ``"8"``, ``"-2.5"``, ``" 3 "`` parse; ``""``,
    ``"abc"``, ``"nan"``, ``"inf"`` (and exponents) give ``None``."""
    n = _num(value)
    return None if n is None else float(n)


# --------------------------------------------------------------------------- references


def _suggest(name: str) -> str | None:
    matches = difflib.get_close_matches(name, sorted(NAMESPACES), n=1, cutoff=0.6)
    if not matches:
        lowered = {ns.lower(): ns for ns in NAMESPACES}
        hit = lowered.get(name.lower())
        return hit
    return matches[0]


def _unescape(body: str) -> str:
    """Undo ``\\"``, ``\\'`` and ``\\\\`` escapes; any other backslash is kept literally."""
    if "\\" not in body:
        return body
    out: list[str] = []
    i = 0
    n = len(body)
    while i < n:
        c = body[i]
        if c == "\\" and i + 1 < n and body[i + 1] in "\"'\\":
            out.append(body[i + 1])
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _scan_quoted(text: str, pos: int) -> int:
    """``text[pos]`` is a quote; return the index just past the closing quote, or -1."""
    quote = text[pos]
    i = pos + 1
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
        elif c == quote:
            return i + 1
        else:
            i += 1
    return -1


def _scan_ref(text: str, start: int) -> tuple[Ref, int]:
    """Scan one reference starting at ``text[start] == "$"`` (followed by ``.`` + letter).

    Returns the reference and the index just past it. The reference ends at the first
    character that cannot continue it; a ``.`` is only consumed when a segment
    character follows, so sentence punctuation is left alone.
    """
    n = len(text)
    i = start + 2
    ns_start = i
    while i < n and text[i] in _NS_CHARS:
        i += 1
    namespace = text[ns_start:i]
    if namespace not in NAMESPACES:
        suggestion = _suggest(namespace)
        msg = f"unknown namespace {namespace!r} in reference"
        hint = None
        if suggestion is not None:
            hint = f"did you mean {suggestion!r}?"
            msg = f"{msg}; {hint}"
        else:
            hint = "known namespaces: " + ", ".join(sorted(NAMESPACES))
        raise ExprError(msg, ns_start, i, hint)
    path = [namespace]
    while i < n:
        c = text[i]
        if c == "." and i + 1 < n and text[i + 1] in _SEG_CHARS:
            j = i + 1
            while j < n and text[j] in _SEG_CHARS:
                j += 1
            path.append(text[i + 1 : j])
            i = j
        elif (c == "[" and i + 1 < n and text[i + 1] in "\"'") or (
            # Amazon Connect's own form for a name with spaces ("How to reference contact
            # attributes"): `$.Attributes.['user attribute name']`, a dot before the bracket.
            c == "." and i + 2 < n and text[i + 1] == "[" and text[i + 2] in "\"'"
        ):
            if c == ".":
                i += 1
            end = _scan_quoted(text, i + 1)
            if end < 0:
                raise ExprError(
                    "unterminated quoted key in reference",
                    i + 1,
                    n,
                    hint="close the key with a matching quote and ']'",
                )
            if end >= n or text[end] != "]":
                raise ExprError(
                    "expected ']' after quoted key in reference",
                    end,
                    end + 1 if end < n else end,
                )
            path.append(_unescape(text[i + 2 : end - 1]))
            i = end + 1
        else:
            break
    return Ref(tuple(path), text[start:i], start), i


def _starts_ref(text: str, i: int) -> bool:
    return (
        text[i] == "$"
        and i + 2 < len(text)
        and text[i + 1] == "."
        and text[i + 2] in _ASCII_LETTERS
    )


def _check_length(text: str, what: str, limit: int = MAX_EXPR_LENGTH) -> None:
    if len(text) > limit:
        raise ExprError(
            f"{what} is too long ({len(text)} characters; the limit is {limit})",
            limit,
            len(text),
        )


def is_reference(text: str) -> bool:
    """True when the whole string (after stripping whitespace) is exactly one reference."""
    try:
        parse_reference(text)
    except ExprError:
        return False
    return True


def parse_reference(text: str) -> Ref:
    """Parse a string that must be exactly one reference (surrounding whitespace allowed).

    The returned ``Ref.offset`` is relative to ``text`` as given.
    """
    _check_length(text, "reference")
    stripped = text.lstrip()
    start = len(text) - len(stripped)
    end_all = len(text.rstrip())
    if start >= end_all:
        raise ExprError("expected a reference like $.Attributes.name, got empty text", 0, 0)
    if not _starts_ref(text, start):
        raise ExprError(
            "expected a reference like $.Attributes.name",
            start,
            start + 1,
            hint="references start with '$.' followed by a namespace",
        )
    ref, end = _scan_ref(text, start)
    if end != end_all:
        while text[end].isspace():
            end += 1
        raise ExprError(
            f"unexpected {text[end]!r} after reference {ref.text}",
            end,
            end + 1,
        )
    return ref


def _note_missing(missing: list[str] | None, text: str) -> None:
    if missing is not None and text not in missing:
        missing.append(text)
