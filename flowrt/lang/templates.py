"""Text templates of the expression language: text with inline references.

Owns ``Template`` and ``parse_template`` (``"Thanks for calling, $.Attributes.firstName."``):
a ``$`` not followed by ``.`` and a letter is literal text; a missing reference renders ``""``
and is reported in the optional ``missing`` list.  References are scanned by flowrt.lang.refs.
"""

from __future__ import annotations

from typing import Any

from flowrt.lang.refs import Ref, Resolver, _note_missing, _scan_ref, _starts_ref


class Template:
    """A compiled text template with zero or more inline references."""

    __slots__ = ("text", "refs", "is_constant", "_parts", "_segs")

    text: str
    refs: tuple[Ref, ...]
    is_constant: bool

    def __init__(self, text: str, parts: tuple[str | Ref, ...]) -> None:
        self.text = text
        self._parts = parts
        self.refs = tuple(p for p in parts if isinstance(p, Ref))
        self.is_constant = not self.refs
        # (literal, None, "") or ("", reference path, reference text), for `render`.
        self._segs: tuple[tuple[str, tuple[str, ...] | None, str], ...] = tuple(
            (p, None, "") if isinstance(p, str) else ("", p.path, p.text) for p in parts
        )

    def render(self, r: Resolver, missing: list[str] | None = None) -> str:
        """Substitute references. Missing ones render ``""`` and their text is appended to
        ``missing`` (once per distinct reference) when a list is given."""
        if self.is_constant:
            return self.text
        resolve = r.resolve
        out: list[str] = []
        append = out.append
        for literal, path, ref_text in self._segs:
            if path is None:
                append(literal)
            else:
                v = resolve(path)
                if v is None:
                    _note_missing(missing, ref_text)
                else:
                    append(v)
        return "".join(out)

    def __repr__(self) -> str:
        return f"Template({self.text!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (parse_template, (self.text,))


def parse_template(text: str) -> Template:
    """Compile text with inline references (``"Hi $.Attributes.name."``).

    A ``$`` that is not followed by ``.`` and a letter is literal text. Unknown
    namespaces raise :class:`ExprError`.
    """
    if "$." not in text:
        return Template(text, (text,) if text else ())
    parts: list[str | Ref] = []
    n = len(text)
    lit_start = 0
    i = text.find("$.")
    while i != -1:
        if _starts_ref(text, i):
            if i > lit_start:
                parts.append(text[lit_start:i])
            ref, end = _scan_ref(text, i)
            parts.append(ref)
            lit_start = end
            i = text.find("$.", end)
        else:
            i = text.find("$.", i + 1)
    if lit_start < n:
        parts.append(text[lit_start:])
    return Template(text, tuple(parts))
