"""Text templates of the expression language: text with inline references.

Owns ``Template`` and ``parse_template`` (``"Thanks for calling, $.Attributes.firstName."``):
a ``$`` not followed by ``.`` and a letter is literal text; a missing reference renders ``""``
and is reported in the optional ``missing`` list.  References are scanned by flowrt.lang.refs.

Both ends are bounded by ``MAX_TEXT_LENGTH`` (32,768 characters): a longer template does not
compile (``ExprError``), and rendering stops with ``TextTooLong`` as soon as the text would pass
the limit, before the long text is built (a template repeating one 32 KB reference thousands
of times would otherwise take gigabytes).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flowrt.lang.refs import (
    MAX_TEXT_LENGTH,
    ExprError,
    Ref,
    Resolver,
    TextTooLong,
    _scan_ref,
    _starts_ref,
)


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

    @property
    def parts(self) -> tuple[str | Ref, ...]:
        """The template's literal texts and references, in order."""
        return self._parts

    def render(
        self,
        r: Resolver,
        missing: list[str] | None = None,
        *,
        limit: int = MAX_TEXT_LENGTH,
        note: Callable[[str], None] | None = None,
    ) -> str:
        """Substitute references. Missing ones render ``""`` and their text is appended to
        ``missing`` (once per distinct reference) when a list is given, or handed to ``note``.

        Raises :class:`TextTooLong` as soon as the text would be longer than ``limit``
        characters: the pieces are counted as they are looked up and never joined past it.
        """
        if self.is_constant:
            if len(self.text) > limit:
                raise TextTooLong(limit)
            return self.text
        resolve = r.resolve
        out: list[str] = []
        append = out.append
        size = 0
        absent: list[str] | None = None
        for literal, path, ref_text in self._segs:
            if path is None:
                piece = literal
            else:
                value = resolve(path)
                if value is None:
                    if absent is None:
                        absent = [ref_text]
                    else:
                        absent.append(ref_text)
                    continue
                piece = value
            size += len(piece)
            if size > limit:
                _note_all(absent, missing, note)
                raise TextTooLong(limit)
            append(piece)
        if absent is not None:
            _note_all(absent, missing, note)
        return "".join(out)

    def __repr__(self) -> str:
        return f"Template({self.text!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (parse_template, (self.text,))


def _note_all(
    absent: list[str] | None,
    missing: list[str] | None,
    note: Callable[[str], None] | None,
) -> None:
    """Note the texts of references a rendering found missing, each once, in their order.

    With a list, membership is checked against a set made once, so a template with thousands of
    missing references costs linear time, not quadratic.
    """
    if not absent:
        return
    if note is not None:
        for text in absent:
            note(text)
        return
    if missing is None:
        return
    if len(absent) == 1 and len(missing) < 64:
        if absent[0] not in missing:
            missing.append(absent[0])
        return
    seen = set(missing)
    for text in absent:
        if text not in seen:
            seen.add(text)
            missing.append(text)


def parse_template(text: str) -> Template:
    """Compile text with inline references (``"Hi $.Attributes.name."``).

    A ``$`` that is not followed by ``.`` and a letter is literal text. Unknown
    namespaces raise :class:`ExprError`, and so does a text longer than
    ``MAX_TEXT_LENGTH`` characters (checked first, so a huge text is never scanned).
    """
    if len(text) > MAX_TEXT_LENGTH:
        raise ExprError(
            f"text is too long ({len(text):,} characters; the limit is {MAX_TEXT_LENGTH:,})",
            MAX_TEXT_LENGTH,
            len(text),
            hint=f"shorten it to at most {MAX_TEXT_LENGTH:,} characters",
        )
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
