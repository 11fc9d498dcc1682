"""The derived accessors a block's run step is built from, once, at compile time.

A block type states its run behaviour in one place: the closure its `Block.compile_step(node)`
returns (flowrt.lang.blocks).  What makes that closure fast is not written in the block but
derived here from the node's prepared parameters: a reference becomes a direct lookup (`getter`,
`reader`, `plan_value`), a template a renderer, a prompt its fact (`player`), a queue the block
names a constant (`queue_picker`), the block's conditions a matcher.  Where nothing can be worked
out once, an accessor falls back to the general code of `flowrt.run.runtime.Runtime`; either way
it gives the same values, facts and missing references, which the golden files of the example
project and the interpreter tests hold it to.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from flowrt.lang.expr import as_number
from flowrt.lang.refs import MAX_TEXT_LENGTH, TextTooLong

if TYPE_CHECKING:
    from flowrt.lang.compiler import Node
    from flowrt.lang.expr import Ref, Template
    from flowrt.lang.loader import JsonPath
    from flowrt.run.runtime import Runtime

NUMBER_OPS: dict[str, Callable[[float, float], bool]] = {
    "number-greater-than": operator.gt,
    "number-less-than": operator.lt,
    "number-greater-or-equal": operator.ge,
    "number-less-or-equal": operator.le,
}
TEXT_OPS: dict[str, Callable[[str, str], bool]] = {
    "text-contains": operator.contains,
    "text-starts-with": str.startswith,
    "text-ends-with": str.endswith,
    "equals-bool": lambda a, b: a.lower() == b.lower(),
}
#: Where a block keeps its prompt text, when the prompt is the block's own.
TEXT_KEY: tuple[str] = ("text",)
#: `as_number` of the values conditions compare, remembered (the same few values recur).
cached_number = lru_cache(maxsize=4096)(as_number)

QueueKey = tuple[str, str]  # ("queue", name) or ("agent", user name)


class _Labels(dict[QueueKey | None, str]):
    """Queue labels by queue, made on first use (the same few queues recur)."""

    __slots__ = ()

    def __missing__(self, q: QueueKey | None) -> str:
        if len(self) >= 1024:  # queues named by attributes: keep the memo small
            self.clear()
        text = self[q] = (
            "(none)" if q is None else q[1] if q[0] == "queue" else f"agent queue of {q[1]}"
        )
        return text


#: A queue's label: `Premium`, `agent queue of jdoe`, or `(none)` (a dict lookup once known).
label: Callable[[QueueKey | None], str] = _Labels().__getitem__


#: A reference's lookup specialised for one path: `getter(path)(rt) == rt.resolve(path)`.
Getter = Callable[["Runtime"], "str | None"]
#: A template's rendering specialised for one template (missing references noted in `rt`).
Renderer = Callable[["Runtime"], str]


def _absent(rt: Runtime) -> str | None:
    return None


def _empty(rt: Runtime) -> str:
    return ""


def getter(path: tuple[str, ...]) -> Getter:
    """`Runtime.resolve(path)` specialised once into a direct lookup (same values, same misses)."""
    ns = path[0]
    if ns == "External" and len(path) > 2:
        # A JSON response's nested key, kept flattened (`a.b`; see Runtime.resolve).
        nested = ".".join(path[1:])

        def external_nested(rt: Runtime) -> str | None:
            return rt.external.get(nested)

        return external_nested
    if ns == "Attributes" or ns == "External":
        if len(path) != 2:
            return _absent
        key = path[1]
        if ns == "Attributes":

            def attribute(rt: Runtime) -> str | None:
                return rt.attrs.get(key)

            return attribute

        def external(rt: Runtime) -> str | None:
            return rt.external.get(key)

        return external
    if ns == "Metrics":
        rest = path[1:]

        def metric(rt: Runtime) -> str | None:
            return rt.metrics.get(rest)

        return metric

    if ns == "Channel" and len(path) == 1:

        def channel(rt: Runtime) -> str | None:
            c = rt.contact
            if c.extra and path in c.extra:
                return c.extra[path]
            return c.channel

        return channel
    if path == ("CustomerEndpoint", "Address"):

        def customer_address(rt: Runtime) -> str | None:
            c = rt.contact
            if c.extra and path in c.extra:
                return c.extra[path]
            return c.customer_endpoint

        return customer_address

    def other(rt: Runtime) -> str | None:
        return rt._resolve_other(ns, path)

    return other


def reader(ref: Ref | None) -> Renderer:
    """A reference's value as a run step reads it: `rt.resolve(ref.path)`, a missing value noted
    in `rt` and read as ""; no reference reads as ""."""
    if ref is None:
        return _empty
    path, ref_text = ref.path, ref.text
    if len(path) == 2 and path[0] in ("Attributes", "External"):
        # A user value: one dict lookup, no call to a `getter` (the commonest reference).
        key, attributes = path[1], path[0] == "Attributes"

        def user_value(rt: Runtime) -> str:
            value = (rt.attrs if attributes else rt.external).get(key)
            if value is None:
                rt.note_missing(ref_text)
                return ""
            return value

        return user_value
    get = getter(path)

    def reference(rt: Runtime) -> str:
        value = get(rt)
        if value is None:
            rt.note_missing(ref_text)
            return ""
        return value

    return reference


def renderer(template: Template | None, fallback: str = "") -> Renderer:
    """A template's text (missing references read as ""; no template: `fallback`), specialised:
    constant text, one reference (`reader`), or the template's general rendering."""
    if template is None or template.is_constant:
        text = fallback if template is None else template.text

        def constant(rt: Runtime) -> str:
            return text

        return constant
    refs = template.refs
    if len(refs) == 1 and refs[0].text == template.text:
        return reader(refs[0])
    if len(refs) == 1 and len(template.parts) <= 3:
        # (A template's own text is at most MAX_TEXT_LENGTH characters: the text around the
        # reference is never over the limit alone, so reading the reference first is safe.)
        return _around_renderer(template)
    return _template_renderer(template)


def _around_renderer(template: Template) -> Renderer:
    """`_template_renderer` of a template that is one reference with text before or after it
    (`Step 3 for $.Attributes.firstName.`, a common prompt): the pieces joined without a loop.
    The same text, the same missing reference noted, `TextTooLong` over MAX_TEXT_LENGTH
    characters after it is noted (tests/test_run_speed.py checks them against `render`)."""
    parts = template.parts
    (ref,) = template.refs
    at = parts.index(ref)
    before = "".join(p for p in parts[:at] if isinstance(p, str))
    after = "".join(p for p in parts[at + 1 :] if isinstance(p, str))
    read = reader(ref)

    def around(rt: Runtime) -> str:
        text = before + read(rt) + after
        if len(text) > MAX_TEXT_LENGTH:  # over it, the block takes `error`
            raise TextTooLong(MAX_TEXT_LENGTH)
        return text

    return around


def _template_renderer(template: Template) -> Renderer:
    """`template.render(rt, note=rt.note_missing)` for a run step, each reference read as
    `plan_value` reads one (a dict lookup for `$.Attributes.x` / `$.External.x`, else its
    `getter`), without the calls `render` makes per reference: the same text, the same missing
    references noted in the same order, `TextTooLong` over MAX_TEXT_LENGTH characters with the
    references missing so far noted first (tests/test_run_speed.py checks them against `render`)."""
    segments: list[tuple[int, Any, str]] = []
    for part in template.parts:
        if isinstance(part, str):
            segments.append((STATIC, part, ""))
        elif len(part.path) == 2 and part.path[0] == "Attributes":
            segments.append((ATTRIBUTE, part.path[1], part.text))
        elif len(part.path) == 2 and part.path[0] == "External":
            segments.append((EXTERNAL, part.path[1], part.text))
        else:
            segments.append((GETTER, getter(part.path), part.text))
    plan = tuple(segments)

    def general(rt: Runtime) -> str:
        out: list[str] = []
        append = out.append
        size = 0
        absent: list[str] | None = None
        for kind, arg, text in plan:
            if kind == STATIC:
                piece: str = arg
            else:
                value: str | None = (
                    rt.attrs.get(arg)
                    if kind == ATTRIBUTE
                    else rt.external.get(arg)
                    if kind == EXTERNAL
                    else arg(rt)
                )
                if value is None:
                    if absent is None:
                        absent = [text]
                    else:
                        absent.append(text)
                    continue
                piece = value
            size += len(piece)
            if size > MAX_TEXT_LENGTH:  # over it, the block takes `error`
                for missing in absent or ():
                    rt.note_missing(missing)
                raise TextTooLong(MAX_TEXT_LENGTH)
            append(piece)
        if absent is not None:
            for missing in absent:
                rt.note_missing(missing)
        return "".join(out)

    return general


#: How a run step reads one value (`plan_value`): (kind, argument, reference text).
ValuePlan = tuple[int, Any, str]
STATIC, ATTRIBUTE, EXTERNAL, GETTER, RENDER = range(5)


def plan_value(template: Template | None, fallback: str = "") -> ValuePlan:
    """How to read a template's value in a run step without a call where none is needed.

    STATIC: the text itself; ATTRIBUTE / EXTERNAL: a key of `rt.attrs` / `rt.external` (None:
    missing, note the reference text and read ""); GETTER: a `getter` (same, for the other
    namespaces); RENDER: a `renderer` (a template mixing text and references).
    """
    if template is None or template.is_constant:
        return (STATIC, fallback if template is None else template.text, "")
    refs = template.refs
    if len(refs) == 1 and refs[0].text == template.text:
        path, text = refs[0].path, refs[0].text
        if len(path) == 2 and path[0] == "Attributes":
            return (ATTRIBUTE, path[1], text)
        if len(path) == 2 and path[0] == "External":
            return (EXTERNAL, path[1], text)
        return (GETTER, getter(path), text)
    return (RENDER, renderer(template), "")


def read_value(rt: Runtime, kind: int, arg: Any, text: str) -> str:
    """The value of one `plan_value` (a missing reference is noted and reads as "")."""
    if kind == STATIC:
        static: str = arg
        return static
    if kind == RENDER:
        rendered: str = arg(rt)
        return rendered
    value: str | None = (
        rt.attrs.get(arg)
        if kind == ATTRIBUTE
        else rt.external.get(arg)
        if kind == EXTERNAL
        else arg(rt)
    )
    if value is None:
        rt.note_missing(text)
        return ""
    return value


def read_values(rt: Runtime, plan: tuple[tuple[Any, int, Any, str], ...]) -> dict[str, str]:
    """The values of `(key, *plan_value)` items, by key (a dynamic key, itself a `plan_value`,
    read first)."""
    # A loop, not a comprehension: on Python 3.11 a comprehension is one more function call.
    values: dict[str, str] = {}
    for key, kind, arg, text in plan:
        name = key if isinstance(key, str) else read_value(rt, *key)  # the key first, as before
        values[name] = read_value(rt, kind, arg, text)
    return values


def key_over_limit(rt: Runtime, plan: tuple[tuple[str, int, Any, str], ...]) -> str:
    """The first key of `plan` whose value renders over the text limit (read again on error)."""
    for key, kind, arg, text in plan:
        try:
            read_value(rt, kind, arg, text)
        except TextTooLong:
            return key
    return "?"


def text_too_long(rt: Runtime, what: str, exc: TextTooLong, consequence: str) -> str:
    """A text a step renders would be over the limit: an `error` fact, and the branch `error`."""
    rt.fact(
        "error",
        f"{what} would be longer than {exc.limit:,} characters, the longest text a run renders "
        f"from references; {consequence}",
    )
    return "error"


def prompt_fact(
    node: Node, path: JsonPath, ssml: str | None, prompt: str | None
) -> tuple[str, str] | None:
    """The `prompt` fact of a prompt that never changes (static text, SSML, a library prompt)."""
    template = node.prepared.get((*path, "text") if path else TEXT_KEY)
    if template is not None:
        return ("prompt", template.text) if template.is_constant else None
    if ssml is not None:
        return ("prompt", ssml)
    if prompt is not None:
        return ("prompt", f"[library prompt {prompt}]")
    return None


def typed_ahead(node: Node) -> Callable[[Runtime], bool]:
    """Whether the caller has typed ahead of a play-prompt (`skip-when-typed-ahead`): its
    `success` leads straight to a get-customer-input block and the world gives that block input
    for its next visit.  When so, the skip is recorded in the trace."""

    def skip(rt: Runtime) -> bool:
        # Exits are resolved after compile_step, so they are read at run time.
        nxt = node.exits.get("success")
        if nxt is None or nxt.type != "get-customer-input":
            return False
        given: Sequence[str] = rt.world.input.get(nxt.name) or ()
        if rt.calls.get(("input", nxt.name), 0) >= len(given):
            return False
        rt.facts.append(("skipped", f"the caller typed ahead for `{nxt.name}`"))
        return True

    return skip


def player(
    node: Node, path: JsonPath, ssml: str | None, prompt: str | None
) -> Callable[[Runtime], None]:
    """Play the prompt at `path` of the block (its text, else SSML, else a library prompt): its
    `prompt` fact, built once when it never changes."""
    media = node.prepared.get((*path, "media", "uri"))
    if media is not None:
        # A media file: the trace names the file played, its `$.` references resolved.
        render_uri = renderer(media)

        def play_media(rt: Runtime) -> None:
            rt.facts.append(("media", render_uri(rt)))

        return play_media
    template = node.prepared.get((*path, "text") if path else TEXT_KEY)
    if template is not None and not template.is_constant:
        render = renderer(template)

        def play_template(rt: Runtime) -> None:
            rt.facts.append(("prompt", render(rt)))

        return play_template
    fact = prompt_fact(node, path, ssml, prompt)
    if fact is None:

        def silent(rt: Runtime) -> None:
            return None

        return silent
    shared = fact

    def play_constant(rt: Runtime) -> None:
        rt.facts.append(shared)

    return play_constant


def queue_picker(
    node: Node, queue: str | None, agent: str | None
) -> Callable[[Runtime], QueueKey | None]:
    """`rt.pick_queue(node, queue, agent)` specialised: a queue the block names is a constant."""
    name = node.prepared.get(("queue",))
    if queue is not None and isinstance(name, str):
        named: QueueKey = ("queue", name)

        def named_queue(rt: Runtime) -> QueueKey | None:
            return named

        return named_queue

    def pick_queue(rt: Runtime) -> QueueKey | None:
        return rt.pick_queue(node, queue, agent)

    return pick_queue


def _equals_matcher(tests: tuple[tuple[str, str, int, str, float | None, Any], ...]) -> Matcher:
    """Conditions that are all `equals` a static operand: two lookups find the first match."""
    n = len(tests)
    exact: dict[str, int] = {}
    numeric: dict[float, int] = {}
    for i, (_, _, _, text, num, _) in enumerate(tests):
        exact.setdefault(text, i)
        if num is not None:
            numeric.setdefault(num, i)
    hits = tuple((branch, lbl) for branch, lbl, *_ in tests)

    def match_equals(rt: Runtime, value: str, subject: str | None) -> str:
        k = exact.get(value, n)
        if numeric and k:
            vnum = cached_number(value)
            if vnum is not None:
                k = min(k, numeric.get(vnum, n))
        if k < n:
            branch, lbl = hits[k]
            if subject is not None:
                rt.facts.append(("compare", subject, value, lbl))
            return branch
        if subject is not None:
            rt.facts.append(("compare", subject, value, None))
        return "no-match"

    return match_equals


class Values(dict[tuple[str, ...], "str | None"]):
    """A `when:` condition's reference values when it was evaluated, by path.

    It is the condition's fact (the trace shows the values) and the resolver the condition is
    evaluated against: `resolve` is `dict.get`, so reading a value calls no Python code.
    """

    __slots__ = ()
    resolve = dict.get


def _snapshot(when: Any) -> Callable[[Runtime], Values]:
    """The values of a `when:` condition's references (see `Values`)."""
    pairs = tuple((r.path, getter(r.path)) for r in when.refs)
    if len(pairs) == 1:
        ((path, get),) = pairs

        def one(rt: Runtime) -> Values:
            return Values({path: get(rt)})

        return one
    if len(pairs) == 2:
        (path1, get1), (path2, get2) = pairs

        def two(rt: Runtime) -> Values:
            return Values({path1: get1(rt), path2: get2(rt)})

        return two

    def many(rt: Runtime) -> Values:
        return Values([(path, get(rt)) for path, get in pairs])

    return many


def _number_matcher(tests: tuple[tuple[str, str, int, str, float | None, Any], ...]) -> Matcher:
    """Conditions that are all number operators on static operands."""
    numbers = tuple((branch, lbl, test, num) for branch, lbl, _, _, num, test in tests)

    def match_numbers(rt: Runtime, value: str, subject: str | None) -> str:
        vnum = cached_number(value)
        if vnum is None:
            rt.facts.append(("not-a-number", value))
        else:
            for branch, lbl, test, num in numbers:
                if num is not None and test(vnum, num):
                    if subject is not None:
                        rt.facts.append(("compare", subject, value, lbl))
                    return branch
        if subject is not None:
            rt.facts.append(("compare", subject, value, None))
        return "no-match"

    return match_numbers


def evaluate_noting(rt: Runtime, evaluate: Any, values: Any) -> bool:
    """A `when:` condition evaluated; once its step has noted many missing references, into a
    list of its own, then noted through `rt.note_missing`, so each costs constant time (a
    condition searches the list it is given; the run's long one would make a step quadratic)."""
    if len(rt.missing) < 32:
        return bool(evaluate(values, rt.missing))
    own: list[str] = []
    hit = bool(evaluate(values, own))
    for text in own:
        rt.note_missing(text)
    return hit


def _when_matcher(tests: tuple[tuple[str, str, int, str, float | None, Any], ...]) -> Matcher:
    """Conditions that are all `when:` expressions: each notes its values, then is evaluated."""
    whens = tuple((branch, text, *test) for branch, text, _, _, _, test in tests)

    def match_whens(rt: Runtime, value: str, subject: str | None) -> str:
        facts = rt.facts
        for branch, text, snapshot, evaluate in whens:
            values = snapshot(rt)
            facts.append(("when", text, values))
            missing = rt.missing
            if (
                evaluate(values, missing)
                if len(missing) < 32
                else evaluate_noting(rt, evaluate, values)
            ):
                return str(branch)
        if subject is not None:
            facts.append(("compare", subject, value, None))
        return "no-match"

    return match_whens


#: `rt.match(node, value, subject)` specialised for one node's conditions.
Matcher = Callable[["Runtime", str, "str | None"], str]
_EQUALS, _NUMBER, _TEXT_OP, _WHEN = 0, 1, 2, 3


def matcher(node: Node) -> Matcher:
    """`rt.match` for `node`'s conditions, specialised when every operand is static.

    Same branches and facts as `Runtime.match`: the value is parsed as a number at most once,
    and `not-a-number` is noted only when the first condition that needs the number is a number
    operator (an `equals` with a number operand parses silently).
    """
    tests: list[tuple[str, str, int, str, float | None, Any]] = []
    parse_at = fact_at = -1
    for i, (branch, lbl, op, text, num, ref, when) in enumerate(node.matchers):
        if when is not None:
            tests.append((branch, when.text, _WHEN, "", None, (_snapshot(when), when.evaluator)))
            continue
        if ref is not None or (op != "equals" and op not in NUMBER_OPS and op not in TEXT_OPS):

            def general(rt: Runtime, value: str, subject: str | None) -> str:
                return rt.match(node, value, subject)

            return general
        number_op = op in NUMBER_OPS
        if parse_at < 0 and (number_op or (op == "equals" and num is not None)):
            parse_at = i
            fact_at = i if number_op else -1
        if op == "equals":
            tests.append((branch, lbl, _EQUALS, text, num, None))
        elif number_op:
            tests.append((branch, lbl, _NUMBER, text, num, NUMBER_OPS[op]))
        else:
            tests.append((branch, lbl, _TEXT_OP, text, num, TEXT_OPS[op]))
    needs_number = parse_at >= 0
    static = tuple(tests)
    if static and all(t[2] == _EQUALS for t in static):
        return _equals_matcher(static)
    if static and all(t[2] == _NUMBER for t in static):
        return _number_matcher(static)
    if static and all(t[2] == _WHEN for t in static):
        return _when_matcher(static)

    def match(rt: Runtime, value: str, subject: str | None) -> str:
        vnum = cached_number(value) if needs_number else None
        i = 0
        for branch, lbl, kind, text, num, test in static:
            if kind == _EQUALS:
                hit = value == text or (num is not None and vnum is not None and vnum == num)
            elif kind == _NUMBER:
                if i == fact_at and vnum is None:
                    rt.facts.append(("not-a-number", value))
                hit = vnum is not None and num is not None and test(vnum, num)
            elif kind == _WHEN:
                snapshot, evaluate = test
                values = snapshot(rt)
                rt.facts.append(("when", lbl, values))
                missing = rt.missing
                if (
                    evaluate(values, missing)
                    if len(missing) < 32
                    else evaluate_noting(rt, evaluate, values)
                ):
                    return branch
                i += 1
                continue
            else:
                hit = test(value, text)
            if hit:
                if subject is not None:
                    rt.facts.append(("compare", subject, value, lbl))
                return branch
            i += 1
        if subject is not None:
            rt.facts.append(("compare", subject, value, None))
        return "no-match"

    return match
