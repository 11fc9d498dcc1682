"""Every regular expression flowrt applies, found where it is written, and inputs made to hurt.

A pattern that backtracks super-linearly is found by pumping: a prefix that gets the pattern
going, one short piece repeated thousands of times, then a suffix that makes the match fail at the
very end (`a@` + `.` * n + ` ` made the email pattern quadratic).  The patterns are not listed by
hand but found, so a new one is checked the day it is written:

- in the source of `flowrt/` (with `ast`): the first argument of every `re.compile`, `re.match`,
  `re.search`, ... call, a string or the name of a module-level string, with its flags; every
  module-level string named `*_PATTERN` (pydantic `pattern=` and schema `pattern` values);
- in the shipped JSON Schemas: every `pattern` (what jsonschema and fastjsonschema search with);
- in the condition grammar (`expr.lark`): every regular-expression terminal (the lexer's).

Used by tests/test_hardening_bounds.py (the whole sweep) and tests/fuzz/test_fuzz_bounds.py.
"""

from __future__ import annotations

import ast
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import flowrt

ROOT = Path(flowrt.__file__).resolve().parent
_RE_CALLS = frozenset(
    {"compile", "match", "search", "fullmatch", "sub", "subn", "split", "findall", "finditer"}
)


@dataclass(frozen=True)
class Found:
    """A regular expression and where it is written (`file:line`, or a schema's JSON path)."""

    where: str
    regex: re.Pattern[str]


def _flags(node: ast.expr | None) -> int:
    """The value of a flags argument written with `re.` names and `|` (0 when there is none)."""
    if node is None:
        return 0
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "re"
    ):
        return int(getattr(re, node.attr))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _flags(node.left) | _flags(node.right)
    return 0


def _constants(tree: ast.Module) -> dict[str, str]:
    out: dict[str, str] = {}
    for stmt in tree.body:
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(stmt, ast.Assign):
            targets, value = list(stmt.targets), stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            targets, value = [stmt.target], stmt.value
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            for t in targets:
                if isinstance(t, ast.Name):
                    out[t.id] = value.value
    return out


def source_patterns() -> list[Found]:
    """The regular expressions written in flowrt's source (see the module docstring)."""
    trees = {
        path: ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(ROOT.rglob("*.py"))
        if "__pycache__" not in path.parts
    }
    names: dict[str, str] = {}
    for tree in trees.values():
        names.update(_constants(tree))
    found: list[Found] = []
    for path, tree in trees.items():
        rel = path.relative_to(ROOT.parent)
        for name, value in _constants(tree).items():
            if name.endswith("_PATTERN"):
                found.append(Found(f"{rel} {name}", re.compile(value)))
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "re"
                and node.func.attr in _RE_CALLS
                and node.args
            ):
                continue
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                text = first.value
            elif isinstance(first, ast.Name) and first.id in names:
                text = names[first.id]
            else:
                continue
            flag_arg = next((k.value for k in node.keywords if k.arg == "flags"), None)
            if flag_arg is None:
                position = 1 if node.func.attr == "compile" else 2
                if node.func.attr in ("sub", "subn"):
                    position = 4
                if len(node.args) > position:
                    flag_arg = node.args[position]
            found.append(Found(f"{rel}:{node.lineno}", re.compile(text, _flags(flag_arg))))
    return found


def _schema_values(data: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "pattern" and isinstance(value, str):
                yield path, value
            else:
                yield from _schema_values(value, f"{path}/{key}")
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _schema_values(value, f"{path}/{i}")


def schema_patterns() -> list[Found]:
    """Every `pattern` of the shipped schemas."""
    found = []
    for path in sorted((ROOT / "lang" / "schemas").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for where, text in _schema_values(data, path.name):
            found.append(Found(where, re.compile(text)))
    return found


def grammar_patterns() -> list[Found]:
    """The regular-expression terminals of the condition grammar."""
    found = []
    path = ROOT / "lang" / "expr.lark"
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.lstrip().startswith("//"):
            continue
        for m in re.finditer(r"/((?:[^/\\\n]|\\.)+)/([imslux]*)", line):
            flags = 0
            for letter in m.group(2):
                flags |= {"i": re.I, "m": re.M, "s": re.S, "l": 0, "u": 0, "x": re.X}[letter]
            found.append(Found(f"expr.lark:{lineno}", re.compile(m.group(1), flags)))
    return found


@cache
def all_patterns() -> tuple[Found, ...]:
    """Every pattern once (the first place it is written)."""
    seen: set[tuple[str, int]] = set()
    out = []
    for f in (*source_patterns(), *schema_patterns(), *grammar_patterns()):
        key = (f.regex.pattern, f.regex.flags)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return tuple(out)


# ---------------------------------------------------------------------------------------------
# pumped inputs

#: What gets a pattern going, beside the pattern's own leading text (`prefixes`).
PREFIXES = ("", "a", "x", "a@", "$.", "$.Attributes.", "+1", "a:1:1: ", '"', "[")
#: The piece repeated: characters patterns treat specially, and pairs of them.
PUMPS = (
    " ",
    "a",
    "1",
    ".",
    "@",
    "-",
    ":",
    "\n",
    "\t",
    "$.",
    "a.",
    ".a",
    "a ",
    " a",
    "a@",
    ":1",
    "1:",
    "\\",
    "\\a",
    '"',
    "(",
    "a-",
    "0.",
)
#: What makes the match fail at the very end.
SUFFIXES = ("", "!", " ", "\n", "@", "\x00", "y", ")")


def _leading_text(regex: re.Pattern[str]) -> str:
    """The literal text a match must start with (`flow:` of `^flow:...`), as far as it goes."""
    try:
        import re._parser as sre_parse  # type: ignore[import-not-found,unused-ignore]
    except ImportError:  # pragma: no cover - Python before 3.11
        import sre_parse  # type: ignore[no-redef,unused-ignore]

    out: list[str] = []

    def walk(items: Any) -> bool:
        for op, av in items:
            name = str(op)
            if name == "AT":
                continue
            if name == "LITERAL":
                out.append(chr(av))
            elif name == "SUBPATTERN":
                if not walk(av[-1]):
                    return False
            else:
                return False
        return True

    walk(sre_parse.parse(regex.pattern, regex.flags))
    return "".join(out)


def prefixes(regex: re.Pattern[str]) -> tuple[str, ...]:
    """The prefixes to pump after: the general ones, and the pattern's leading text followed by
    nothing, a word character, or a space and one (a lazy group then spaces needs text first)."""
    lead = _leading_text(regex)
    own = (lead, lead + "x", lead + " x") if lead else ()
    return tuple(dict.fromkeys((*own, *PREFIXES)))


def pumped(prefix: str, pump: str, suffix: str, length: int) -> str:
    """`prefix` + `pump` repeated to about `length` characters + `suffix`."""
    return prefix + pump * max(1, length // len(pump)) + suffix


def work(regex: re.Pattern[str], text: str) -> float:
    """Seconds to apply `regex` every way flowrt does: every match in turn, and a full match."""
    start = time.perf_counter()
    for _ in regex.finditer(text):
        pass
    regex.fullmatch(text)
    return time.perf_counter() - start


#: Patterns that backtrack but never see user input, and why.
NOT_USER_INPUT = {
    r"^\*\*Fix:\*\*\s*(.*?)\s*$": "it reads flowrt's own docs/diagnostics.md",
}


def pumped_hit(
    regex: re.Pattern[str],
    prefix: str,
    pump: str,
    suffix: str,
    length: int = 2_000,
    threshold: float = 0.005,
    factor: int = 3,
) -> tuple[float, str] | None:
    """Whether `regex` is super-linear on `prefix` + `pump` * n + `suffix`: the seconds it took
    on the longer input and that input, or None.

    The input is tried at about `length` characters; if that takes longer than `threshold` (the
    best of three tries), it is tried again `factor` times longer, where a linear pattern stays
    far under `threshold * factor * 4` and a quadratic one takes `factor` squared times as long:
    only that counts, so a loaded machine's hiccup is not taken for backtracking.
    """
    text = pumped(prefix, pump, suffix, length)
    if work(regex, text) <= threshold:
        return None
    if min(work(regex, text) for _ in range(3)) <= threshold:
        return None
    long_text = pumped(prefix, pump, suffix, length * factor)
    took = work(regex, long_text)
    return (took, long_text) if took > threshold * factor * 4 else None


def superlinear(regex: re.Pattern[str]) -> tuple[float, str] | None:
    """The first pumped input (every prefix, pump and suffix) on which `regex` is super-linear."""
    for prefix in prefixes(regex):
        for pump in PUMPS:
            for suffix in SUFFIXES:
                hit = pumped_hit(regex, prefix, pump, suffix)
                if hit is not None:
                    return hit
    return None
