"""A small reader of Terraform's HCL: just enough to find the flows of a `.tf` file.

It reads the native syntax's structure (blocks with labels, attributes) and its expressions
(strings with `${...}` templates kept as written, heredocs, numbers, `true`/`false`/`null`,
tuples, objects, function calls, references, operators, conditionals, `for` expressions) into
plain values, and never evaluates anything: a reference or a call stays text.  From the
resources `aws_connect_contact_flow` and `aws_connect_contact_flow_module` it takes `name`,
`type`, `description` and `content`, where `content` is a string, a heredoc, `jsonencode(...)`
of an object written in HCL (turned into JSON text) or `file("...")` of a file in the directory
of the `.tf` file (or below it).

Hand-written rather than a dependency: on the package registry, pyhcl reads only HCL 1 and
python-hcl2 (maintained) reads all of HCL 2 but gives no line and column for what flowrt must
report (a `content` that needs evaluating, a `file(...)` outside the directory) and would be a new
runtime dependency for one reader of four attributes.  This one reads just the constructs
needed, is linear, bounded in nesting (`MAX_DEPTH`), and places every problem (`HclError`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Most levels of nested blocks, brackets and templates read.
MAX_DEPTH = 200
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_OPERATORS = ("==", "!=", "<=", ">=", "&&", "||", "+", "-", "*", "/", "%", "<", ">")


class HclError(Exception):
    """What cannot be read, and its line and column."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


@dataclass
class Expr:
    """An expression: its kind, its plain value (`raw` text for what is not a value) and where."""

    kind: str  # string, number, bool, null, tuple, object, call, reference, other
    value: Any
    raw: str
    offset: int
    name: str = ""  # a call's function name
    args: list[Expr] = field(default_factory=list)


@dataclass
class Block:
    """A block: `type "label" ... { attributes and blocks }`."""

    type: str
    labels: list[str]
    attributes: dict[str, Expr]
    blocks: list[Block]
    offset: int


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.depth = 0

    # -- places and errors

    def where(self, offset: int) -> tuple[int, int]:
        line = self.text.count("\n", 0, offset) + 1
        return line, offset - self.text.rfind("\n", 0, offset)

    def fail(self, message: str, offset: int | None = None) -> HclError:
        return HclError(message, *self.where(self.i if offset is None else offset))

    def deeper(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"nested deeper than {MAX_DEPTH} levels")

    # -- tokens

    def skip(self, newlines: bool = True) -> None:
        t = self.text
        while self.i < len(t):
            c = t[self.i]
            if c in " \t\r" or (newlines and c == "\n"):
                self.i += 1
            elif c == "#" or t.startswith("//", self.i):
                end = t.find("\n", self.i)
                self.i = len(t) if end < 0 else end
            elif t.startswith("/*", self.i):
                end = t.find("*/", self.i + 2)
                if end < 0:
                    raise self.fail("a comment `/*` that never ends")
                self.i = end + 2
            else:
                return

    def peek(self, s: str) -> bool:
        return self.text.startswith(s, self.i)

    def expect(self, s: str) -> None:
        self.skip()
        if not self.peek(s):
            found = self.text[self.i : self.i + 10].split("\n")[0] or "the end of the file"
            raise self.fail(f"expected `{s}`, found `{found}`")
        self.i += len(s)

    def ident(self) -> str | None:
        m = _IDENT.match(self.text, self.i)
        if m is None:
            return None
        self.i = m.end()
        return m.group()

    # -- structure

    def body(self, closing: str | None) -> tuple[dict[str, Expr], list[Block]]:
        attrs: dict[str, Expr] = {}
        blocks: list[Block] = []
        while True:
            self.skip()
            if closing is not None and self.peek(closing):
                self.i += 1
                return attrs, blocks
            if self.i >= len(self.text):
                if closing is not None:
                    raise self.fail(f"a block that never ends (expected `{closing}`)")
                return attrs, blocks
            start = self.i
            name = self.ident()
            if name is None:
                raise self.fail(f"expected an attribute or a block, found `{self.text[self.i]}`")
            self.skip(newlines=False)
            if self.peek("=") and not self.peek("=="):
                self.i += 1
                attrs[name] = self.expression()
                continue
            labels = []
            while True:
                self.skip(newlines=False)
                if self.peek('"'):
                    labels.append(str(self.string().value))
                elif self.peek("{"):
                    break
                else:
                    label = self.ident()
                    if label is None:
                        raise self.fail(f"expected `=` or a block after `{name}`")
                    labels.append(label)
            self.i += 1
            self.deeper()
            inner_attrs, inner_blocks = self.body("}")
            self.depth -= 1
            blocks.append(Block(name, labels, inner_attrs, inner_blocks, start))

    # -- expressions

    def expression(self) -> Expr:
        self.deeper()
        start = self.i
        first = self.operand()
        parts = [first]
        while True:
            self.skip(newlines=False)
            op = next((o for o in _OPERATORS if self.peek(o)), None)
            if op is not None:
                self.i += len(op)
                self.skip()
                parts.append(self.operand())
                continue
            if self.peek("?"):
                self.i += 1
                self.expression()
                self.expect(":")
                self.expression()
                parts.append(first)
                continue
            break
        self.depth -= 1
        if len(parts) == 1:
            return first
        return Expr("other", None, self.text[start : self.i].strip(), start)

    def operand(self) -> Expr:
        self.skip()
        start = self.i
        if self.peek("!") or self.peek("-") and not _NUMBER.match(self.text, self.i + 1):
            self.i += 1
            inner = self.operand()
            return Expr("other", None, self.text[start : self.i], start, args=[inner])
        expr = self.primary()
        while True:  # references and calls go on: `.attr`, `.0`, `.*`, `[index]`, `[*]`
            if self.peek(".") and not self.peek(".."):
                self.i += 1
                if self.peek("*"):
                    self.i += 1
                else:
                    m = _IDENT.match(self.text, self.i) or re.compile(r"[0-9]+").match(
                        self.text, self.i
                    )
                    if m is None:
                        raise self.fail("expected a name after `.`")
                    self.i = m.end()
            elif self.peek("["):
                self.i += 1
                self.skip()
                if self.peek("*"):
                    self.i += 1
                else:
                    self.expression()
                self.expect("]")
            else:
                return expr
            expr = Expr("reference", None, self.text[start : self.i], start)

    def primary(self) -> Expr:
        start = self.i
        t = self.text
        if self.peek('"'):
            return self.string()
        if self.peek("<<"):
            return self.heredoc()
        m = _NUMBER.match(t, self.i) or (
            re.compile(r"-[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?").match(t, self.i)
        )
        if m:
            self.i = m.end()
            text = m.group()
            number: float | int = float(text) if any(c in text for c in ".eE") else int(text)
            return Expr("number", number, text, start)
        if self.peek("["):
            return self.collection("[", "]")
        if self.peek("{"):
            return self.collection("{", "}")
        if self.peek("("):
            self.i += 1
            inner = self.expression()
            self.expect(")")
            return Expr("other", None, t[start : self.i], start, args=[inner])
        name = self.ident()
        if name is None:
            found = t[self.i : self.i + 10].split("\n")[0] or "the end of the file"
            raise self.fail(f"expected a value, found `{found}`")
        if name in ("true", "false"):
            return Expr("bool", name == "true", name, start)
        if name == "null":
            return Expr("null", None, name, start)
        self.skip(newlines=False)
        if self.peek("("):
            self.i += 1
            args = []
            while True:
                self.skip()
                if self.peek(")"):
                    self.i += 1
                    break
                args.append(self.expression())
                self.skip()
                if self.peek("..."):
                    self.i += 3
                    self.skip()
                if self.peek(","):
                    self.i += 1
                elif not self.peek(")"):
                    raise self.fail(f"expected `,` or `)` in the arguments of `{name}`")
            return Expr("call", None, t[start : self.i], start, name=name, args=args)
        return Expr("reference", None, name, start)

    def collection(self, opening: str, closing: str) -> Expr:
        start = self.i
        self.i += 1
        self.deeper()
        self.skip()
        if self.text.startswith("for", self.i) and not _IDENT.match(self.text, self.i + 3):
            self.skip_balanced(opening, closing, start)
            self.depth -= 1
            return Expr("other", None, self.text[start : self.i], start)
        items: list[Any] = []
        mapping: dict[str, Any] = {}
        exprs: list[Expr] = []
        while True:
            self.skip()
            if self.peek(closing):
                self.i += 1
                break
            if opening == "[":
                item = self.expression()
                exprs.append(item)
                items.append(item)
            else:
                key_start = self.i
                key = self.expression()
                if key.kind == "string":
                    name = str(key.value)
                elif key.kind == "reference" and _IDENT.fullmatch(key.raw):
                    name = key.raw
                else:
                    raise self.fail(
                        "an object key flowrt cannot read without evaluating", key_start
                    )
                self.skip(newlines=False)
                if self.peek("=") or self.peek(":"):
                    self.i += 1
                else:
                    raise self.fail(f"expected `=` or `:` after the key `{name}`")
                value = self.expression()
                exprs.append(value)
                mapping[name] = value
            self.skip()
            if self.peek(","):
                self.i += 1
        self.depth -= 1
        raw = self.text[start : self.i]
        if opening == "[":
            return Expr("tuple", items, raw, start, args=exprs)
        return Expr("object", mapping, raw, start, args=exprs)

    def skip_balanced(self, opening: str, closing: str, start: int) -> None:
        level = 1
        while level:
            self.skip()
            if self.i >= len(self.text):
                raise self.fail(f"`{opening}` that is never closed", start)
            c = self.text[self.i]
            if c == '"':
                self.string()
                continue
            if c in "[{(":
                level += 1
            elif c in "]})":
                level -= 1
            self.i += 1

    def string(self) -> Expr:
        """A quoted template: escapes decoded, `${...}` and `%{...}` kept as written."""
        start = self.i
        self.i += 1
        out: list[str] = []
        t = self.text
        while True:
            if self.i >= len(t) or t[self.i] == "\n":
                raise self.fail("a string that never ends", start)
            c = t[self.i]
            if c == '"':
                self.i += 1
                break
            if c == "\\":
                out.append(self.escape())
            elif t.startswith("$${", self.i) or t.startswith("%%{", self.i):
                out.append(t[self.i + 1 : self.i + 3])
                self.i += 3
            elif t.startswith("${", self.i) or t.startswith("%{", self.i):
                out.append(self.interpolation())
            else:
                out.append(c)
                self.i += 1
        return Expr("string", "".join(out), t[start : self.i], start)

    def escape(self) -> str:
        t = self.text
        simple = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
        nxt = t[self.i + 1 : self.i + 2]
        if nxt in simple:
            self.i += 2
            return simple[nxt]
        m = re.compile(r"u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})").match(t, self.i + 1)
        if m is None:
            raise self.fail(f"unknown escape `\\{nxt}`")
        self.i = m.end()
        code = int(m.group(1) or m.group(2), 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise self.fail("an escape that is no character", m.start() - 1)
        return chr(code)

    def interpolation(self) -> str:
        """`${ ... }` as written (nested strings and braces included)."""
        start = self.i
        self.i += 2
        self.deeper()
        level = 1
        t = self.text
        while level:
            if self.i >= len(t):
                raise self.fail("a `${` that is never closed", start)
            c = t[self.i]
            if c == '"':
                self.string()
                continue
            level += 1 if c == "{" else -1 if c == "}" else 0
            self.i += 1
        self.depth -= 1
        return t[start : self.i]

    def heredoc(self) -> Expr:
        start = self.i
        m = re.compile(r"<<(-?)([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n").match(self.text, self.i)
        if m is None:
            raise self.fail("expected a heredoc marker after `<<`")
        indent, marker = m.group(1) == "-", m.group(2)
        end = re.compile(rf"^[ \t]*{re.escape(marker)}[ \t]*\r?$", re.M).search(self.text, m.end())
        if end is None:
            raise self.fail(f"a heredoc whose closing `{marker}` never comes", start)
        lines = self.text[m.end() : end.start()].split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        if indent:
            widths = [len(x) - len(x.lstrip(" \t")) for x in lines if x.strip()]
            cut = min(widths, default=0)
            lines = [x[cut:] for x in lines]
        self.i = end.end()
        body = "\n".join(lines) + ("\n" if lines else "")
        return Expr("string", body.replace("$${", "${").replace("%%{", "%{"), body, start)


def parse(text: str) -> list[Block]:
    """The top-level blocks of an HCL file; raises `HclError`."""
    reader = _Reader(text)
    attrs, blocks = reader.body(None)
    if attrs:
        first = min(e.offset for e in attrs.values())
        raise HclError("an attribute outside any block", *reader.where(first))
    return blocks


def plain(expr: Expr) -> Any:
    """An expression as JSON data for `jsonencode`: a value, or its text when it needs Terraform
    to evaluate it (a reference or a call becomes `${...}`, as Terraform's own templates write
    it)."""
    if expr.kind == "tuple":
        return [plain(e) for e in expr.value]
    if expr.kind == "object":
        return {k: plain(v) for k, v in expr.value.items()}
    if expr.kind in ("string", "number", "bool", "null"):
        return expr.value
    return "${" + expr.raw + "}"


def _file(argument: Expr, base: Path, reader: _Reader) -> str:
    """The text of `file("...")`: a file in `base` (the .tf file's directory) or below it."""
    if argument.kind != "string":
        raise reader.fail(
            "file(...) of a computed path (flowrt reads a written path)", argument.offset
        )
    written = str(argument.value)
    relative = re.sub(r"^\$\{path\.(module|root|cwd)\}/", "", written)
    if "${" in relative:
        raise reader.fail(
            f"file({written!r}): a path with `${{...}}` needs Terraform", argument.offset
        )
    target = (base / relative).resolve()
    if not target.is_relative_to(base.resolve()):
        raise reader.fail(
            f"file({written!r}) is outside the directory of the .tf file; flowrt reads only "
            "files beside it or below it",
            argument.offset,
        )
    from flowrt.connect.files import read_bounded

    raw, problem = read_bounded(target, str(target))
    if problem is not None:
        raise reader.fail(f"file({written!r}): {problem.message}", argument.offset)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise reader.fail(f"file({written!r}) is not UTF-8 text", argument.offset) from None


def content_text(expr: Expr, base: Path, reader: _Reader) -> str:
    """The flow JSON text of a `content` attribute."""
    if expr.kind == "string":
        call = re.fullmatch(r'\$\{\s*file\(\s*"([^"]*)"\s*\)\s*\}', str(expr.value))
        if call:
            return _file(Expr("string", call.group(1), call.group(1), expr.offset), base, reader)
        return str(expr.value)
    if expr.kind == "call" and expr.name == "jsonencode" and len(expr.args) == 1:
        return json.dumps(plain(expr.args[0]), ensure_ascii=False, separators=(",", ":"))
    if expr.kind == "call" and expr.name == "file" and len(expr.args) == 1:
        return _file(expr.args[0], base, reader)
    what = f"{expr.name}(...)" if expr.kind == "call" else f"`{expr.raw[:40]}`"
    raise reader.fail(
        f"`content` is {what}, which needs Terraform to evaluate; flowrt reads a string, a "
        'heredoc, jsonencode({...}) or file("...")',
        expr.offset,
    )


def tf_content(content: str, base: Path) -> tuple[str | None, str]:
    """The flow JSON text of a `.tf.json` resource's `content` (a string, or `${file("...")}`),
    or None and why."""
    reader = _Reader(content)
    try:
        return content_text(Expr("string", content, content, 0), base, reader), ""
    except HclError as exc:
        return None, exc.message


def _text_of(attrs: dict[str, Expr], key: str) -> str | None:
    e = attrs.get(key)
    return str(e.value) if e is not None and e.kind == "string" else None


TF_FLOW = "aws_connect_contact_flow"
TF_MODULE = "aws_connect_contact_flow_module"


def tf_resources(text: str, base: Path) -> list[dict[str, Any]]:
    """The flow resources of a `.tf` file, as the fields of `templates.FlowResource`; raises
    `HclError`."""
    reader = _Reader(text)
    blocks = parse(text)
    found = []
    for block in blocks:
        if block.type != "resource" or len(block.labels) != 2:
            continue
        kind, label = block.labels
        if kind not in (TF_FLOW, TF_MODULE):
            continue
        attrs = block.attributes
        if "content" not in attrs:
            where = "`filename`" if "filename" in attrs else "no `content`"
            if "filename" in attrs:
                expr = attrs["filename"]
                body = _file(expr, base, reader)
            else:
                raise HclError(
                    f"resource `{kind}.{label}` has {where}", *reader.where(block.offset)
                )
        else:
            expr = attrs["content"]
            body = content_text(expr, base, reader)
        line, column = reader.where(expr.offset)

        name = _text_of(attrs, "name")
        flow_type = _text_of(attrs, "type") if kind == TF_FLOW else "CONTACT_FLOW_MODULE"
        found.append(
            {
                "stem": name if name and "${" not in name else label,
                "name": name if name else label,
                "type_name": flow_type,
                "description": _text_of(attrs, "description"),
                "content": body,
                "line": line,
                "column": column,
            }
        )
    return found
