"""Boolean conditions of the expression language: parsing with lark and compiling to closures.

Owns ``Condition`` and ``parse_condition``: flowrt's extension of Connect's single comparison
(``$.Attributes.tier == "gold" and $.Metrics.Agents.Available.Count > 0``).  A condition is parsed
with the lark LALR grammar ``expr.lark`` (next to this module, loaded once) at compile time, and
compiled into a tree of small closures; evaluation never touches lark objects.  The tree is kept
for ``Condition.explain``.  References and numbers come from flowrt.lang.refs.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any, TypeAlias

from flowrt.lang.refs import (
    _SEG_CHARS,
    MAX_NESTING,
    ExprError,
    Ref,
    Resolver,
    _check_length,
    _note_missing,
    _num,
    _scan_quoted,
    _scan_ref,
    _unescape,
)

_Eval: TypeAlias = Callable[[Resolver, list[str] | None], bool]
_Value: TypeAlias = Callable[[Resolver, list[str] | None], str]


class _Operand:
    """A comparison operand: a reference or a literal (values are strings)."""

    __slots__ = ("ref", "value", "num", "is_bool", "display")

    def __init__(
        self, ref: Ref | None, value: str, is_bool: bool = False, display: str | None = None
    ) -> None:
        self.ref = ref
        self.value = value
        self.num = None if ref is not None else _num(value)
        self.is_bool = is_bool
        self.display = display if display is not None else _quote(value)

    def getter(self) -> _Value:
        ref = self.ref
        if ref is None:
            const = self.value

            def lit(r: Resolver, missing: list[str] | None) -> str:
                return const

            return lit
        path = ref.path
        text = ref.text

        def get(r: Resolver, missing: list[str] | None) -> str:
            v = r.resolve(path)
            if v is None:
                if missing is not None and text not in missing:
                    missing.append(text)
                return ""
            return v

        return get

    def current(self, r: Resolver) -> tuple[str, bool]:
        if self.ref is None:
            return self.value, False
        v = self.ref.get(r)
        return ("", True) if v is None else (v, False)


def _quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _eq(a: str, b: str) -> bool:
    if a == b:
        return True
    na = _num(a)
    if na is None:
        return False
    nb = _num(b)
    return nb is not None and na == nb


_ORDERED: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}


class _Node:
    """Slow-path tree kept for ``explain``; evaluation uses the compiled closures."""

    __slots__ = ()

    def compile(self) -> _Eval:
        raise NotImplementedError

    def show(self, r: Resolver, missing: list[str]) -> str:
        raise NotImplementedError

    def prec(self) -> int:
        return 4


class _Compare(_Node):
    __slots__ = ("left", "op", "right")

    def __init__(self, left: _Operand, op: str, right: _Operand) -> None:
        self.left = left
        self.op = op
        self.right = right

    def compile(self) -> _Eval:
        left, op, right = self.left, self.op, self.right
        if op in ("==", "!="):
            base = self._compile_eq(left, right)
            if op == "==":
                return base

            def ne(r: Resolver, m: list[str] | None) -> bool:
                return not base(r, m)

            return ne
        lget = left.getter()
        rget = right.getter()
        if op == "contains":

            def contains(r: Resolver, m: list[str] | None) -> bool:
                a = lget(r, m)
                return rget(r, m) in a

            return contains
        if op == "starts-with":

            def starts(r: Resolver, m: list[str] | None) -> bool:
                a = lget(r, m)
                return a.startswith(rget(r, m))

            return starts
        if op == "ends-with":

            def ends(r: Resolver, m: list[str] | None) -> bool:
                a = lget(r, m)
                return a.endswith(rget(r, m))

            return ends
        if left.ref is None and right.ref is not None:
            # ``5 < $.x`` is ``$.x > 5``: put the reference on the left for the fast path
            left, right, op = right, left, _FLIPPED[op]
            lget, rget = rget, lget
        cmp = _ORDERED[op]
        if left.ref is not None and right.ref is None:
            rnum = right.num
            if rnum is None:
                return self._const_false(lget)
            path, text = left.ref.path, left.ref.text

            def ref_vs_num(r: Resolver, m: list[str] | None) -> bool:
                v = r.resolve(path)
                if v is None:
                    if m is not None and text not in m:
                        m.append(text)
                    return False
                a = _num(v)
                return a is not None and cmp(a, rnum)

            return ref_vs_num

        def general(r: Resolver, m: list[str] | None) -> bool:
            a = _num(lget(r, m))
            b = _num(rget(r, m))
            return a is not None and b is not None and cmp(a, b)

        return general

    @staticmethod
    def _const_false(lget: _Value) -> _Eval:
        def never(r: Resolver, m: list[str] | None) -> bool:
            lget(r, m)  # still report a missing reference
            return False

        return never

    @staticmethod
    def _compile_eq(left: _Operand, right: _Operand) -> _Eval:
        if left.ref is None and right.ref is not None:
            left, right = right, left
        lget = left.getter()
        rget = right.getter()
        if left.is_bool or right.is_bool:

            def bool_eq(r: Resolver, m: list[str] | None) -> bool:
                # true/false literals match "true"/"false" case-insensitively
                return lget(r, m).lower() == rget(r, m).lower()

            return bool_eq
        if left.ref is not None and right.ref is None:
            path, text = left.ref.path, left.ref.text
            const = right.value
            cnum = right.num
            if cnum is None:

                def ref_eq_str(r: Resolver, m: list[str] | None) -> bool:
                    v = r.resolve(path)
                    if v is None:
                        if m is not None and text not in m:
                            m.append(text)
                        return const == ""
                    return v == const

                return ref_eq_str

            def ref_eq_num(r: Resolver, m: list[str] | None) -> bool:
                v = r.resolve(path)
                if v is None:
                    if m is not None and text not in m:
                        m.append(text)
                    return False  # "" is never a number, and const != ""
                if v == const:
                    return True
                a = _num(v)
                return a is not None and a == cnum

            return ref_eq_num

        def general(r: Resolver, m: list[str] | None) -> bool:
            return _eq(lget(r, m), rget(r, m))

        return general

    def show(self, r: Resolver, missing: list[str]) -> str:
        parts: list[str] = []
        for operand in (self.left, self.right):
            if operand.ref is None:
                parts.append(operand.display)
            else:
                value, is_missing = operand.current(r)
                if is_missing:
                    _note_missing(missing, operand.ref.text)
                parts.append(_quote(value))
        return f"{parts[0]} {self.op} {parts[1]}"


class _Truthy(_Node):
    __slots__ = ("operand",)

    def __init__(self, operand: _Operand) -> None:
        self.operand = operand

    def compile(self) -> _Eval:
        operand = self.operand
        if operand.ref is None:
            const = operand.value != "" and not (operand.is_bool and operand.value == "false")

            def constant(r: Resolver, m: list[str] | None) -> bool:
                return const

            return constant
        get = operand.getter()

        def truthy(r: Resolver, m: list[str] | None) -> bool:
            return get(r, m) != ""

        return truthy

    def show(self, r: Resolver, missing: list[str]) -> str:
        operand = self.operand
        if operand.ref is None:
            return operand.display
        value, is_missing = operand.current(r)
        if is_missing:
            _note_missing(missing, operand.ref.text)
        return _quote(value)


class _Not(_Node):
    __slots__ = ("child",)

    def __init__(self, child: _Node) -> None:
        self.child = child

    def prec(self) -> int:
        return 3

    def compile(self) -> _Eval:
        child = self.child.compile()

        def not_(r: Resolver, m: list[str] | None) -> bool:
            return not child(r, m)

        return not_

    def show(self, r: Resolver, missing: list[str]) -> str:
        inner = self.child.show(r, missing)
        if self.child.prec() < 3:
            inner = f"({inner})"
        return f"not {inner}"


class _BoolOp(_Node):
    __slots__ = ("is_and", "children")

    def __init__(self, is_and: bool, children: tuple[_Node, ...]) -> None:
        self.is_and = is_and
        self.children = children

    def prec(self) -> int:
        return 2 if self.is_and else 1

    def compile(self) -> _Eval:
        compiled = tuple(c.compile() for c in self.children)
        if len(compiled) == 2:
            a, b = compiled
            if self.is_and:

                def and2(r: Resolver, m: list[str] | None) -> bool:
                    return a(r, m) and b(r, m)

                return and2

            def or2(r: Resolver, m: list[str] | None) -> bool:
                return a(r, m) or b(r, m)

            return or2
        if self.is_and:

            def and_n(r: Resolver, m: list[str] | None) -> bool:
                for c in compiled:  # noqa: SIM110 - a plain loop beats all(genexpr)
                    if not c(r, m):
                        return False
                return True

            return and_n

        def or_n(r: Resolver, m: list[str] | None) -> bool:
            for c in compiled:  # noqa: SIM110 - a plain loop beats any(genexpr)
                if c(r, m):
                    return True
            return False

        return or_n

    def show(self, r: Resolver, missing: list[str]) -> str:
        mine = self.prec()
        shown: list[str] = []
        for c in self.children:
            s = c.show(r, missing)
            shown.append(f"({s})" if c.prec() <= mine and c.prec() < 3 else s)
        return (" and " if self.is_and else " or ").join(shown)


class Condition:
    """A compiled boolean condition. Build with :func:`parse_condition`."""

    __slots__ = ("text", "refs", "_node", "_eval")

    text: str
    refs: tuple[Ref, ...]

    def __init__(self, text: str, refs: tuple[Ref, ...], node: _Node) -> None:
        self.text = text
        self.refs = refs
        self._node = node
        self._eval = node.compile()

    def evaluate(self, r: Resolver, missing: list[str] | None = None) -> bool:
        """Evaluate against ``r``. Missing references count as ``""``; the text of each
        missing reference actually consulted is appended (once) to ``missing``."""
        return self._eval(r, missing)

    @property
    def evaluator(self) -> Callable[[Resolver, list[str] | None], bool]:
        """The compiled closure behind `evaluate` (same arguments): one call less per use."""
        return self._eval

    def explain(self, r: Resolver) -> str:
        """One-line trace: source, the values substituted, the result.

        E.g. ``$.Attributes.tier == "gold" → "silver" == "gold" → false``.
        """
        missing: list[str] = []
        shown = self._node.show(r, missing)
        result = "true" if self._eval(r, None) else "false"
        out = f"{self.text.strip()} → {shown} → {result}"
        if missing:
            out += " (missing: " + ", ".join(missing) + ")"
        return out

    def __repr__(self) -> str:
        return f"Condition({self.text!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (parse_condition, (self.text,))


#: The LALR parser of `expr.lark` as lark serializes it (`Lark.memo_serialize`), pickled as plain
#: data: written by `python -m flowrt.project.schemas` (held equal to a fresh one by
#: tests/test_startup.py), so no command builds the parser from the grammar (about 13 ms).
PARSER_FILE = "expr.lark.pickle"
LARK_OPTIONS: dict[str, Any] = {"parser": "lalr", "maybe_placeholders": False}


@cache
def _parser() -> Any:
    from lark import Lark

    grammar = resources.files(__package__ or "flowrt").joinpath("expr.lark").read_text("utf-8")
    shipped = shipped_parser(grammar)
    if shipped is not None:
        return Lark.load(shipped)
    return Lark(grammar, **LARK_OPTIONS)


def shipped_parser(grammar: str) -> dict[str, Any] | None:
    """The shipped serialized parser of `grammar`: None when there is none, when it was made
    from another grammar or by another lark than the installed one, or when it is not plain
    data (it is unpickled with every class and function refused, so it can only be data)."""
    import hashlib
    import io
    import pickle

    import lark

    class PlainData(pickle.Unpickler):
        def find_class(self, module: str, name: str) -> Any:
            raise pickle.UnpicklingError(f"{module}.{name}: only plain data is read")

    try:
        raw = resources.files(__package__ or "flowrt").joinpath(PARSER_FILE).read_bytes()
        found = PlainData(io.BytesIO(raw)).load()
    except Exception:  # missing, truncated, not plain data: build the parser instead
        return None
    if not isinstance(found, dict) or found.get("lark") != lark.__version__:
        return None
    if found.get("grammar") != hashlib.sha256(grammar.encode("utf-8")).hexdigest():
        return None
    return {"data": found["data"], "memo": found["memo"]}


_TERMINAL_NAMES = {
    "REF": "a reference",
    "STRING": "a string",
    "NUMBER": "a number",
    "TRUE": "true",
    "FALSE": "false",
    "EMPTY": "empty",
    "CMP_OP": "a comparison operator",
    "WORD_OP": "contains/starts-with/ends-with",
    "_OR": "or",
    "_AND": "and",
    "_NOT": "not",
    "LPAR": "'('",
    "RPAR": "')'",
}


def _expected(names: Any) -> str | None:
    if not names:
        return None
    friendly = sorted({_TERMINAL_NAMES.get(str(n), str(n).lower()) for n in names})
    return "expected " + ", ".join(friendly)


def _check_nesting(text: str) -> None:
    """Linear pre-scan bounding the depth of parentheses and ``not`` before lark runs."""
    n = len(text)
    stack: list[int] = [0]  # pending ``not`` count per parenthesis level
    depth = 0  # parentheses open + all pending nots
    i = 0
    word_chars = _SEG_CHARS | {".", "$"}
    while i < n:
        c = text[i]
        if c in "\"'":
            end = _scan_quoted(text, i)
            if end < 0:
                return  # lark reports the unterminated string
            i = end
            continue
        if c == "(":
            stack.append(0)
            depth += 1
            if depth > MAX_NESTING:
                raise ExprError(
                    f"condition is nested too deeply (more than {MAX_NESTING} levels)", i, i + 1
                )
        elif c == ")":
            if len(stack) > 1:
                depth -= 1 + stack.pop()
        elif c in word_chars:
            j = i
            while j < n and text[j] in word_chars:
                j += 1
            word = text[i:j]
            if word == "not":
                stack[-1] += 1
                depth += 1
                if depth > MAX_NESTING:
                    raise ExprError(
                        f"condition is nested too deeply (more than {MAX_NESTING} levels)", i, j
                    )
            elif word in ("and", "or"):
                depth -= stack[-1]
                stack[-1] = 0
            i = j
            continue
        i += 1


def _syntax_error(text: str, exc: Exception) -> ExprError:
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedToken

    n = len(text)
    if isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream if exc.pos_in_stream is not None else 0
        ch = text[pos] if pos < n else ""
        hint = _expected(exc.allowed)
        if ch and ch in "\"'":
            return ExprError("unterminated string literal", pos, n, hint="close it with " + ch)
        if ch == "=":
            hint = "use '==' to compare"
        elif ch in "&|":
            hint = "use 'and' / 'or'"
        elif ch == "$":
            hint = "references look like $.Namespace.key"
        return ExprError(f"unexpected character {ch!r}", pos, pos + 1, hint)
    if isinstance(exc, UnexpectedToken):
        tok = exc.token
        if tok.type == "$END":
            return ExprError("unexpected end of condition", n, n, _expected(exc.expected))
        start = int(tok.start_pos)
        end = int(tok.end_pos) if tok.end_pos is not None else start + len(str(tok))
        return ExprError(f"unexpected {str(tok)!r}", start, end, _expected(exc.expected))
    if isinstance(exc, UnexpectedEOF):
        return ExprError("unexpected end of condition", n, n)
    return ExprError(f"invalid condition: {exc}", 0, n)


def parse_condition(text: str) -> Condition:
    """Parse and compile a boolean condition.

    Grammar: ``or``/``and``/``not``/parentheses over comparisons
    (``== != < <= > >= contains starts-with ends-with``) between references, string
    literals, numbers, ``true``, ``false`` and ``empty``; a bare operand is true when
    non-empty. Raises :class:`ExprError` (with offsets into ``text``) on any problem.
    """
    from lark import Token, Tree
    from lark.exceptions import LarkError

    _check_length(text, "condition")
    if not text.strip():
        raise ExprError("empty condition", 0, len(text))
    _check_nesting(text)
    try:
        tree = _parser().parse(text)
    except LarkError as exc:
        raise _syntax_error(text, exc) from None

    refs: list[Ref] = []

    def operand(tok: Any) -> _Operand:
        kind = tok.type
        s = str(tok)
        if kind == "REF":
            ref, end = _scan_ref(text, int(tok.start_pos))
            if end != int(tok.end_pos):  # defensive: grammar and scanner disagree
                raise ExprError("malformed reference", ref.offset, int(tok.end_pos))
            refs.append(ref)
            return _Operand(ref, "", display=ref.text)
        if kind == "STRING":
            return _Operand(None, _unescape(s[1:-1]))
        if kind == "NUMBER":
            return _Operand(None, s, display=s)
        if kind in ("TRUE", "FALSE"):
            return _Operand(None, s, is_bool=True, display=s)
        return _Operand(None, "", display='""')  # EMPTY

    def build(t: Any) -> _Node:
        if isinstance(t, Token):
            return _Truthy(operand(t))
        assert isinstance(t, Tree)
        kind = str(t.data)
        kids = t.children
        if kind == "compare":
            left = operand(kids[0])
            right = operand(kids[2])
            return _Compare(left, str(kids[1]), right)
        if kind == "truthy":
            return _Truthy(operand(kids[0]))
        if kind == "not_":
            return _Not(build(kids[0]))
        if kind in ("and_expr", "or_expr"):
            return _BoolOp(kind == "and_expr", tuple(build(k) for k in kids))
        raise ExprError(f"internal error: unexpected node {kind}", 0, len(text))

    node = build(tree)
    return Condition(text, tuple(refs), node)
