"""Plain data and positions from a stream of YAML parse events, with every bound checked as it goes.

The loader (`flowrt.lang.loader`) hands this module the parse events of ruamel's C parser
(`CParser.get_event`); it builds dicts, lists and scalars from them in one pass, with an explicit
stack instead of recursion, and records where every value came from.  No node graph is ever made,
so:

- nesting depth is checked as a collection opens (FR006): a file nested 100,000 levels deep is
  answered at its 65th level, and nothing recurses (ruamel's C composer recursed once per level
  and crashed the process past about 30,000);
- every node counts against the node bound, scalars included (FR007), before the next is read;
- aliases are expanded by copying what their anchor built, counted against the alias bound
  (FR007); an alias inside the collection it names is refused instead of expanding forever;
- tags are compared as the parser gives them: nothing decodes or builds objects from them, and
  messages show at most a short excerpt of a tag or a value;
- a tag that does not fit its value (`!!map [a, b]`) is FR008; scalars are converted by
  `flowrt.lang.yaml_scalars` (`._` is text, `!!int abc` and a 5,000-digit integer diagnostics).

After the first problem the rest of the stream is still parsed (not built), so that a syntax error
anywhere in the file is reported first, as the composer did, except after a bound (FR006, FR007):
what follows may be huge, or deep enough to make the parser itself slow (its time grows with the
square of the depth), so that is reported at once, and no drain goes deeper than twice the depth
bound.  Positions are 1-based, end exclusive, converted here once from the parser's 0-based marks.
When the parser fails, `Builder.last_event` keeps the last event it gave: a text that ran on
across lines just before the failure tells the loader where the mistake began (a quote never
closed, a missing `:`, a line indented too far).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from flowrt.core.diagnostics import Diagnostic, Span
from flowrt.lang.yaml_scalars import (
    MAP,
    MERGE,
    SEQ,
    STR,
    convert,
    excerpt,
    resolvers,
    short_tag,
)

JsonPath = tuple[str | int, ...]
Pos = tuple[int, int, int, int]  # line, column, end_line, end_column (1-based)

_NO_KEY = object()


class BuildError(Exception):
    """The document cannot be built; carries one positioned diagnostic."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def event_source(text: str) -> Callable[[], Any]:
    """`get_event` of a parser over `text`: ruamel's C parser, or the pure one where the C
    extension is missing."""
    try:
        from _ruamel_yaml import CParser
    except ImportError:  # pragma: no cover - pure-Python fallback
        from ruamel.yaml import YAML

        get: Callable[[], Any] = YAML(typ="safe", pure=True).parse(text).__next__
        return get
    get = CParser(text).get_event
    return get


@cache
def _event_types() -> tuple[type, ...]:
    from ruamel.yaml import events as ev

    return (
        ev.ScalarEvent,
        ev.MappingStartEvent,
        ev.SequenceStartEvent,
        ev.MappingEndEvent,
        ev.SequenceEndEvent,
        ev.AliasEvent,
        ev.DocumentEndEvent,
        ev.StreamEndEvent,
    )


def _pos(ev: Any) -> Pos:
    s, e = ev.start_mark, ev.end_mark
    return (s.line + 1, s.column + 1, e.line + 1, e.column + 1)


class _Frame:
    """An open collection: its value, where it is, and (for a mapping) the key awaiting a value."""

    __slots__ = ("anchor", "depth", "is_map", "key", "path", "start", "value")

    def __init__(self, value: Any, path: JsonPath, depth: int, start: Any, anchor: Any) -> None:
        self.value = value
        self.path = path
        self.depth = depth
        self.start = start
        self.anchor = anchor
        self.is_map = isinstance(value, dict)
        self.key: Any = _NO_KEY


class _Anchor:
    """What an anchor names: a scalar (its text, tag, value, position) or a collection."""

    __slots__ = ("done", "explicit", "mark", "path", "pos", "raw", "tag", "value")

    def __init__(self, mark: Any) -> None:
        self.mark = mark
        self.done = False
        self.raw: str | None = None  # a scalar's text (None for a collection)
        self.tag = STR
        self.explicit = False
        self.value: Any = None
        self.pos: Pos | None = None
        self.path: JsonPath = ()


#: A problem whose span is a collection not yet closed: code, message, hint, the stack index of
#: that collection, and its start position.
_Pending = tuple[str, str, str | None, int, tuple[int, int]]


class Builder:
    """One document's data and positions from parse events (see the module docstring)."""

    def __init__(self, file: str, max_depth: int, max_nodes: int, max_alias_nodes: int) -> None:
        self.file = file
        self.max_depth = max_depth
        self.max_nodes = max_nodes
        self.max_alias_nodes = max_alias_nodes
        self.positions: dict[JsonPath, Pos] = {}
        self.key_positions: dict[JsonPath, Pos] = {}
        self.nodes = 0
        self.alias_nodes = 0
        self.anchors: dict[str, _Anchor] = {}
        self.error: Diagnostic | None = None
        self.pending: _Pending | None = None
        self.stack: list[_Frame] = []
        #: The last parse event read before the parser failed (a syntax error), else None.
        self.last_event: Any = None

    # -- problems ----------------------------------------------------------------------------

    def _fail(self, code: str, message: str, pos: Pos, hint: str | None = None) -> None:
        if self.error is None and self.pending is None:
            self.error = Diagnostic.make(code, message, Span(self.file, *pos), hint)

    def _defer(self, code: str, message: str, index: int, hint: str | None = None) -> None:
        """A problem spanning the collection at stack `index`, reported once it closes."""
        if index < 0:  # pragma: no cover - an alias is always inside a collection
            self._fail(code, message, (1, 1, 1, 2), hint)
        elif self.error is None and self.pending is None:
            start = self.stack[index].start
            self.pending = (code, message, hint, index, (start.line + 1, start.column + 1))

    @property
    def failed(self) -> bool:
        return self.error is not None or self.pending is not None

    # -- the stream ----------------------------------------------------------------------------

    def run(self, get: Callable[[], Any]) -> tuple[bool, Any]:
        """(True, data) for a document, (False, None) for a stream without one.  Raises ruamel's
        ComposerError for composer problems and BuildError for the first problem found."""
        from ruamel.yaml.composer import ComposerError

        scalar_t, map_t, seq_t, map_end_t, seq_end_t, alias_t, doc_end_t, end_t = _event_types()
        get()  # StreamStart
        start = get()
        if type(start) is end_t:
            return False, None
        root: list[Any] = []
        stack = self.stack
        # After a problem the rest is still parsed (a syntax error further on is reported first,
        # as the composer did), but never deeper than this: parsing deep flow nesting costs the
        # parser time in the square of the depth.
        cap = 2 * self.max_depth + 2
        ev = start
        # For the fast path below: most events are untagged text scalars in an open collection.
        table = resolvers()
        positions, key_positions = self.positions, self.key_positions
        try:
            while True:
                ev = get()
                t = type(ev)
                if t is scalar_t:
                    if (
                        stack
                        and ev.anchor is None
                        and self.error is None
                        and self.pending is None
                        and self._text_scalar(ev, stack[-1], table, positions, key_positions)
                    ):
                        continue
                    if ev.anchor is not None:
                        self._check_anchor(ev)
                    if not self.failed:
                        self._scalar(ev, root)
                        if self.failed:
                            self._stop_early(ev)
                    if ev.anchor is not None and ev.anchor not in self.anchors:
                        self.anchors[ev.anchor] = _Anchor(ev.start_mark)
                elif t is map_t or t is seq_t:
                    if ev.anchor is not None:
                        self._check_anchor(ev)
                        self.anchors[ev.anchor] = _Anchor(ev.start_mark)
                    if not self.failed:
                        self._open(ev, root, t is map_t)
                    else:
                        stack.append(_Frame(None, (), 0, ev.start_mark, None))
                        if len(stack) > cap:
                            self._stop_early(ev, now=True)
                elif t is map_end_t or t is seq_end_t:
                    self._close(ev)
                    self._stop_early(ev)
                elif t is alias_t:
                    if ev.anchor not in self.anchors:
                        raise ComposerError(None, None, "found undefined alias", ev.start_mark)
                    if not self.failed:
                        self._alias(ev, root)
                        self._stop_early(ev)
                elif t is doc_end_t:
                    break
        except Exception:
            self.last_event = ev  # where the parser was: the loader words syntax errors by it
            raise
        after = get()
        if type(after) is not end_t:
            raise ComposerError(
                "expected a single document in the stream",
                start.start_mark,
                "but found another document",
                after.start_mark,
            )
        if self.error is not None:
            raise BuildError(self.error)
        return True, root[0]

    def _text_scalar(
        self,
        ev: Any,
        parent: _Frame,
        table: dict[str, list[tuple[str, Any]]],
        positions: dict[JsonPath, Pos],
        key_positions: dict[JsonPath, Pos],
    ) -> bool:
        """The fast path of `_scalar`, for an untagged scalar that resolves to text in an open
        collection, with no problem to report (a new key, a value within the node bound): done,
        True.  Anything else changes nothing and gives False, and `_scalar` takes it."""
        tag = ev.ctag
        if tag is not None and tag != "!":
            return False
        raw: str = ev.value
        if ev.implicit[0]:
            for _, rx in table.get(raw[:1], ()):
                if rx.match(raw):
                    return False  # a number, a boolean, null, a merge key: converted there
        s, e = ev.start_mark, ev.end_mark
        pos = (s.line + 1, s.column + 1, e.line + 1, e.column + 1)
        if parent.is_map:
            key = parent.key
            if key is _NO_KEY:
                if raw in parent.value:
                    return False  # a duplicate key (FR003)
                key_positions[(*parent.path, raw)] = pos
                parent.key = raw
                return True
            if self.nodes >= self.max_nodes:
                return False  # FR007
            self.nodes += 1
            positions[(*parent.path, key)] = pos
            parent.value[key] = raw
            parent.key = _NO_KEY
            return True
        if self.nodes >= self.max_nodes:
            return False
        self.nodes += 1
        items = parent.value
        positions[(*parent.path, len(items))] = pos
        items.append(raw)
        return True

    def _stop_early(self, ev: Any, now: bool = False) -> None:
        """Raise at once for a bound exceeded (FR006, FR007: what follows may be huge or deep);
        with `now`, for any problem, a pending one spanning only where its collection opens."""
        error = self.error
        if error is not None and (now or error.code in ("FR006", "FR007")):
            raise BuildError(error)
        if now and self.pending is not None:
            code, message, hint, _, (line, column) = self.pending
            span = Span(self.file, line, column, line, column + 1)
            raise BuildError(Diagnostic.make(code, message, span, hint))

    def _check_anchor(self, ev: Any) -> None:
        anchor = ev.anchor
        if anchor in self.anchors:
            from ruamel.yaml.composer import ComposerError

            first = self.anchors[anchor].mark
            raise ComposerError(
                "found duplicate anchor; first occurrence",
                first,
                "second occurrence",
                ev.start_mark,
            )

    def _place(self) -> tuple[JsonPath, int, _Frame | None]:
        """Path and depth of the next value, and its parent (None at the root)."""
        if not self.stack:
            return (), 0, None
        top = self.stack[-1]
        if top.is_map:
            return (*top.path, top.key), top.depth + 1, top
        return (*top.path, len(top.value)), top.depth + 1, top

    def _attach(self, parent: _Frame | None, value: Any, root: list[Any]) -> None:
        if parent is None:
            root.append(value)
        elif parent.is_map:
            parent.value[parent.key] = value
            parent.key = _NO_KEY
        else:
            parent.value.append(value)

    def _count(self, pos: Pos) -> bool:
        self.nodes += 1
        if self.nodes > self.max_nodes:
            self._fail("FR007", f"more than {self.max_nodes:,} nodes", pos, _NODES_HINT)
            return False
        return True

    # -- events ----------------------------------------------------------------------------

    def _scalar(self, ev: Any, root: list[Any]) -> None:
        s, e = ev.start_mark, ev.end_mark
        pos = (s.line + 1, s.column + 1, e.line + 1, e.column + 1)
        tag = ev.ctag
        raw: str = ev.value
        explicit = tag is not None and tag != "!"
        if explicit:
            tag = _tag_text(tag)
        else:
            tag = STR
            if ev.implicit[0]:
                for t, rx in resolvers().get(raw[:1], ()):
                    if rx.match(raw):
                        tag = t
                        break
        stack = self.stack
        value: Any
        if not stack:
            path: JsonPath = ()
            parent = None
        else:
            parent = stack[-1]
            if parent.is_map:
                key = parent.key
                if key is _NO_KEY:
                    value = self._key(raw, tag, explicit, pos, parent)
                    self._anchor_scalar(ev, raw, tag, explicit, value, pos)
                    return
                path = (*parent.path, key)
            else:
                path = (*parent.path, len(parent.value))
        self.nodes += 1
        if self.nodes > self.max_nodes:
            self._fail("FR007", f"more than {self.max_nodes:,} nodes", pos, _NODES_HINT)
            return
        self.positions[path] = pos
        value = raw if tag is STR else self._convert(raw, tag, explicit, pos)
        if self.failed:
            return
        if parent is None:
            root.append(value)
        elif parent.is_map:
            parent.value[parent.key] = value
            parent.key = _NO_KEY
        else:
            parent.value.append(value)
        self._anchor_scalar(ev, raw, tag, explicit, value, pos)

    def _anchor_scalar(
        self, ev: Any, raw: str, tag: str, explicit: bool, value: Any, pos: Pos
    ) -> None:
        if ev.anchor is not None and not self.failed:
            a = self.anchors[ev.anchor] = _Anchor(ev.start_mark)
            a.done, a.raw, a.tag, a.explicit, a.value, a.pos = True, raw, tag, explicit, value, pos

    def _key(self, raw: str, tag: str, explicit: bool, pos: Pos, parent: _Frame) -> Any:
        """Take a scalar as the next key of `parent`; its value as a value (for an anchor)."""
        if tag == MERGE:
            self._fail(
                "FR008",
                "merge keys (`<<`) are not supported",
                pos,
                "write the keys out; merge keys hide where a value comes from",
            )
            return None
        value: Any = raw
        if tag is not STR:
            value = self._convert(raw, tag, explicit, pos)  # refuses tags that build objects
            if self.failed:
                return None
        child = (*parent.path, raw)
        if raw in parent.value:
            first = self.key_positions.get(child)
            where = f" (first defined on line {first[0]})" if first else ""
            self._fail(
                "FR003",
                f"duplicate key `{excerpt(raw)}`{where}",
                pos,
                "YAML would silently keep only the last value; remove or rename one",
            )
            return None
        self.key_positions[child] = pos
        parent.key = raw
        return value

    def _open(self, ev: Any, root: list[Any], is_map: bool) -> None:
        stack = self.stack
        top = stack[-1] if stack else None
        frame_value: Any = {} if is_map else []
        if top is not None and top.is_map and top.key is _NO_KEY:
            stack.append(_Frame(None, (), 0, ev.start_mark, None))
            self._defer("FR011", "a mapping key must be a plain value", len(stack) - 1)
            return
        path, depth, parent = self._place()
        frame = _Frame(frame_value, path, depth, ev.start_mark, ev.anchor)
        stack.append(frame)
        index = len(stack) - 1
        if depth >= self.max_depth:
            self._defer("FR006", f"nesting deeper than {self.max_depth} levels", index, _DEPTH_HINT)
            return
        self.nodes += 1
        if self.nodes > self.max_nodes:
            self._defer("FR007", f"more than {self.max_nodes:,} nodes", index, _NODES_HINT)
            return
        tag = ev.tag
        if tag is not None and tag != "!" and tag != (MAP if is_map else SEQ):
            kind = "mapping" if is_map else "list"
            message = f"YAML tag `{short_tag(tag)}` is not allowed"
            if tag in (MAP, SEQ):
                message = f"YAML tag `{short_tag(tag)}` does not fit this value: it is a {kind}"
            self._defer("FR008", message, index, "flowrt reads plain data only; remove the tag")
            return
        s = ev.start_mark
        self.positions[path] = (s.line + 1, s.column + 1, s.line + 1, s.column + 1)
        self._attach(parent, frame_value, root)

    def _close(self, ev: Any) -> None:
        frame = self.stack.pop()
        e = ev.end_mark
        end = (e.line + 1, e.column + 1)
        pending = self.pending
        if pending is not None and pending[3] == len(self.stack):
            code, message, hint, _, start = pending
            self.error = Diagnostic.make(code, message, Span(self.file, *start, *end), hint)
            self.pending = None
            return
        if self.failed or frame.value is None:
            return
        s = frame.start
        self.positions[frame.path] = (s.line + 1, s.column + 1, *end)
        if frame.anchor is not None:
            a = self.anchors[frame.anchor]
            a.done, a.value, a.path = True, frame.value, frame.path

    def _alias(self, ev: Any, root: list[Any]) -> None:
        a = self.anchors[ev.anchor]
        pos = _pos(ev)
        parent = self.stack[-1] if self.stack else None
        is_key = parent is not None and parent.is_map and parent.key is _NO_KEY
        if not a.done:
            self._fail(
                "FR007",
                f"alias `*{excerpt(ev.anchor)}` is used inside the collection it names, so it "
                "would repeat without end",
                pos,
                "an alias may only repeat a value that is complete before it",
            )
        elif a.raw is None and is_key:
            self._fail("FR011", "a mapping key must be a plain value", self._span_of(a.path))
        elif is_key:
            assert parent is not None and a.pos is not None and a.raw is not None
            self._key(a.raw, a.tag, a.explicit, a.pos, parent)
        elif a.raw is not None:  # a scalar: read again where it was defined
            assert a.pos is not None
            if self._count(a.pos):
                path, _, parent = self._place()
                self.positions[path] = a.pos
                self._attach(parent, a.value, root)
        else:
            path, depth, parent = self._place()
            copied = self._expand(a.value, a.path, depth)
            if not self.failed:
                self._attach(parent, copied, root)

    def _span_of(self, path: JsonPath) -> Pos:
        """The recorded position of `path` or of its nearest ancestor that has one."""
        while path and path not in self.positions:
            path = path[:-1]
        return self.positions.get(path, (1, 1, 1, 2))

    def _expand(self, value: Any, origin: JsonPath, depth: int) -> Any:
        """A copy of an anchored collection's value, every node counted as an alias expansion
        (depth first, in document order, as reading it again would)."""
        out = self._copy_collection(value, origin, depth)
        work: list[tuple[Any, Any, JsonPath, int]] = [(_items(value), out, origin, depth)]
        max_nodes, max_alias = self.max_nodes, self.max_alias_nodes
        while work and not self.failed:
            items, dst, where, d = work[-1]
            item = next(items, None)
            if item is None:
                work.pop()
                continue
            k, v = item
            if isinstance(v, dict | list):
                child = self._copy_collection(v, (*where, k), d + 1)
                if self.failed:
                    return None
                work.append((_items(v), child, (*where, k), d + 1))
            else:  # a scalar: counted here, its position looked up only for a problem
                self.nodes += 1
                if self.nodes > max_nodes:
                    self._fail(
                        "FR007", f"more than {max_nodes:,} nodes", self._span_of((*where, k))
                    )
                    return None
                self.alias_nodes += 1
                if self.alias_nodes > max_alias:
                    self._alias_bomb()
                    return None
                child = v
            if isinstance(dst, dict):
                dst[k] = child
            else:
                dst.append(child)
        return out

    def _copy_collection(self, value: Any, where: JsonPath, depth: int) -> Any:
        if depth >= self.max_depth:
            self._fail(
                "FR006",
                f"nesting deeper than {self.max_depth} levels",
                self._span_of(where),
                _DEPTH_HINT,
            )
            return None
        self.nodes += 1
        if self.nodes > self.max_nodes:
            self._fail("FR007", f"more than {self.max_nodes:,} nodes", self._span_of(where))
            return None
        self.alias_nodes += 1
        if self.alias_nodes > self.max_alias_nodes:
            self._alias_bomb()
            return None
        return {} if isinstance(value, dict) else []

    def _alias_bomb(self) -> None:
        """Too many nodes through aliases: reported where the alias is used (the collection
        holding it), once that collection closes."""
        self._defer(
            "FR007",
            f"aliases expand to more than {self.max_alias_nodes:,} nodes",
            len(self.stack) - 1,
            "this looks like an alias bomb; write the values out or use fewer aliases",
        )

    # -- scalars -----------------------------------------------------------------------------

    def _convert(self, raw: str, tag: str, explicit: bool, pos: Pos) -> Any:
        """The value of a scalar with a resolved or explicit tag (None after a failure)."""
        value, problem = convert(raw, tag, explicit)
        if problem is not None:
            self._fail(problem[0], problem[1], pos, problem[2])
        return value


_DEPTH_HINT = "flatten the structure; flows never need this much nesting"
_NODES_HINT = "split the file; flows never need this many values"


def _items(value: Any) -> Any:
    return iter(value.items()) if isinstance(value, dict) else enumerate(value)


def _tag_text(tag: Any) -> str:
    """A parse event's tag as text (the C parser gives text; the pure one a Tag object, whose
    text is taken without ruamel's quadratic decoding)."""
    if isinstance(tag, str):
        return tag
    handle, suffix = getattr(tag, "handle", None), getattr(tag, "suffix", None)  # pragma: no cover
    handles = getattr(tag, "handles", None) or {}  # pragma: no cover
    return f"{handles.get(handle, handle or '')}{suffix or ''}"  # pragma: no cover
