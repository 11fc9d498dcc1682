"""`-k` selection of `flowrt test` (and the pytest plugin's scenario items): pytest's keyword
expressions (words, and, or, not, parentheses) over case ids and scenario names."""

from __future__ import annotations

import re
from collections.abc import Callable

from flowrt.core.files import one_line


class UsageError(Exception):
    """A command-line mistake (exit 2): a missing path, a bad `-k` expression."""


# ---------------------------------------------------------------------------------------------
# -k selection: pytest's keyword expressions (words, and, or, not, parentheses)

#: One token; whitespace between is skipped by `finditer` (no leading `\s*`: quadratic).
_TOKEN = re.compile(r"(\(|\)|[^\s()]+)")
#: How deep parentheses and `not`s may nest in a `-k` expression (pytest's own parser is
#: recursive too; a few thousand `(` must be a usage error, not a RecursionError).
MAX_SELECTION_DEPTH = 50


def compile_selection(expr: str | None) -> Callable[[str], bool]:
    """A predicate on case ids from a `-k` expression; words match as substrings, any case.

    Chains of `and` and `or` are kept flat (any length); parentheses and `not` may nest
    `MAX_SELECTION_DEPTH` deep.  A mistake is a UsageError that says at which column.
    """
    if not expr or not expr.strip():
        return lambda _id: True
    found = [(m.group(1), m.start(1) + 1) for m in _TOKEN.finditer(expr)]
    shown = one_line(expr, 60)
    pos = 0

    def fail(what: str) -> UsageError:
        return UsageError(f"-k `{shown}`: {what}")

    def peek() -> str | None:
        return found[pos][0] if pos < len(found) else None

    def take() -> tuple[str, int]:
        nonlocal pos
        if pos >= len(found):
            last, column = found[-1]
            raise fail(
                f"the expression ends too early, after `{one_line(last, 60)}` at column {column}: "
                "a word, `not` or `(` must follow"
            )
        pos += 1
        return found[pos - 1]

    def or_(depth: int) -> Callable[[str], bool]:
        terms = [and_(depth)]
        while peek() == "or":
            take()
            terms.append(and_(depth))
        return terms[0] if len(terms) == 1 else lambda s: any(t(s) for t in terms)

    def and_(depth: int) -> Callable[[str], bool]:
        terms = [not_(depth)]
        while peek() == "and":
            take()
            terms.append(not_(depth))
        return terms[0] if len(terms) == 1 else lambda s: all(t(s) for t in terms)

    def not_(depth: int) -> Callable[[str], bool]:
        tok, column = take()
        if tok in ("not", "("):
            if depth >= MAX_SELECTION_DEPTH:
                raise fail(
                    f"`{tok}` at column {column} nests deeper than {MAX_SELECTION_DEPTH} levels "
                    "of parentheses and `not`: simplify the expression"
                )
            if tok == "not":
                inner = not_(depth + 1)
                return lambda s: not inner(s)
            inner = or_(depth + 1)
            if peek() != ")":
                raise fail(f"`(` at column {column} is never closed: add `)`")
            take()
            return inner
        if tok in (")", "and", "or"):
            raise fail(f"unexpected `{tok}` at column {column}")
        word = tok.lower()
        return lambda s: word in s.lower()

    predicate = or_(0)
    if pos != len(found):
        tok, column = found[pos]
        raise fail(f"unexpected `{one_line(tok, 60)}` at column {column}")
    return predicate
