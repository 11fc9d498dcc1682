"""Run services kept out of `Runtime` for size, each the `Runtime` method of the same name (the
function itself, so a step's call costs no second Python call): setting contact attributes
(`set-contact-attributes`, with the attribute size limit), a Lambda call (`invoke-lambda`, with
its response type and invocation mode) and setting the related contact's attributes
(`set-contact-attributes` with `target-contact: related`)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from flowrt.lang.refs import TextTooLong
from flowrt.lang.steps import (
    ATTRIBUTE,
    EXTERNAL,
    STATIC,
    key_over_limit,
    read_value,
    read_values,
    text_too_long,
)
from flowrt.run.world import ATTRIBUTE_KEY_PATTERN, MAX_ATTRIBUTE_BYTES, attribute_bytes

if TYPE_CHECKING:
    from flowrt.run.runtime import Runtime

_KEY = re.compile(ATTRIBUTE_KEY_PATTERN)


def attribute_key(rt: Runtime, key: Any) -> tuple[str, str]:
    """The attribute a set-contact-attributes key names, and what is wrong with it ("" when
    nothing): the key itself, or for a dynamic key (a `$.` reference, prepared as a value plan)
    the name it holds when it runs, which must not be empty and must be one the block allows as
    a key (letters, digits, `-` and `_`, as a static key): the attribute rules hold for both."""
    if isinstance(key, str):
        return key, ""
    named = str(read_value(rt, *key) or "")
    if named and _KEY.match(named):
        return named, ""
    why = f"holds `{named}`, not only letters, digits, `-` and `_`" if named else "is empty"
    return named, f"the attribute key {key[2]} {why}: nothing was set"


def set_attributes(rt: Runtime, plan: tuple[tuple[Any, int, Any, str], ...]) -> str:
    """Set attributes, in order: `(key, *plan_value)` items (a value may read an earlier one)."""
    attrs = rt.attrs
    facts = rt.facts
    chars = rt.attr_chars
    start = len(facts)
    try:
        for key, kind, arg, text in plan:
            if not isinstance(key, str):  # a dynamic key: the attribute a reference names
                key, problem = attribute_key(rt, key)
                if problem:
                    _undo_sets(rt, len(facts) - start)
                    rt.fact("error", problem)
                    return "error"
            # `read_value`, its common kinds inline (a call less per attribute); a value may
            # read an attribute set just before.
            if kind == STATIC:
                new = arg
            elif kind in (ATTRIBUTE, EXTERNAL):
                got = (attrs if kind == ATTRIBUTE else rt.external).get(arg)
                if got is None:
                    rt.note_missing(text)
                    got = ""
                new = got
            else:
                new = read_value(rt, kind, arg, text)
            old = attrs.get(key)
            facts.append(("set", key, old, new))
            attrs[key] = new
            # An upper bound (a replaced value is not taken off): exact when it is reached.
            chars += len(key) + len(new)
    except TextTooLong as exc:
        _undo_sets(rt, len(facts) - start)
        return text_too_long(rt, f"the value of attribute `{key}`", exc, "nothing was set")
    rt.attr_chars = chars
    if 4 * chars > MAX_ATTRIBUTE_BYTES:
        return undo_oversized(rt, len(plan))
    return "success"


def undo_oversized(rt: Runtime, count: int) -> str:
    """After `count` attributes were set: undo them if the attributes are now over the limit.

    Callers check the cheap bound first (4 bytes a character at most); this counts bytes.
    """
    attrs = rt.attrs
    size = attribute_bytes(attrs)
    if size <= MAX_ATTRIBUTE_BYTES:
        rt.attr_chars = sum(map(len, attrs)) + sum(map(len, attrs.values()))
        return "success"
    _undo_sets(rt, count)
    rt.fact(
        "error",
        f"attributes would take {size:,} UTF-8 bytes; at most "
        f"{MAX_ATTRIBUTE_BYTES:,} are allowed (nothing was set)",
    )
    return "error"


def _undo_sets(rt: Runtime, count: int) -> None:
    """Undo the last `count` attribute changes (their `set` facts stay in the log)."""
    attrs = rt.attrs
    for fact in reversed(rt.facts[-count:] if count else ()):
        if fact[2] is None:
            del attrs[fact[1]]
        else:
            attrs[fact[1]] = fact[2]
    rt.attr_chars = sum(map(len, attrs)) + sum(map(len, attrs.values()))


def invoke_lambda(
    rt: Runtime,
    function: str,
    plan: tuple[tuple[str, int, Any, str], ...],
    mode: tuple[str, str] = ("string-map", "synchronous"),
) -> str:
    """Call a mocked Lambda with its parameters, `(key, *plan_value)` items.

    `mode` is (response type, invocation): an `asynchronous` call does not wait for the
    response, so `$.External` stays as it was; a `string-map` response must be flat."""
    try:
        args = read_values(rt, plan)
    except TextTooLong as exc:
        what = f"parameter `{key_over_limit(rt, plan)}` of `{function}`"
        return text_too_long(rt, what, exc, "the function was not called")
    key = ("lambda", function)
    n = rt.calls[key] = rt.calls.get(key, 0) + 1
    returns: dict[str, str] | None = None
    error = None
    for lo, hi, ret, err in rt.world.lambdas.get(function, ()):
        if lo <= n <= hi:
            returns, error = ret, err
            break
    else:
        rt.fact("default", f"no mock for call #{n} of `{function}`: it returns {{}}")
        returns = {}
    response_type, invocation = mode
    if invocation == "asynchronous":
        rt.facts.append(("lambda", function, n, args, None, None))
        rt.fact(
            "note",
            f"`{function}` was invoked asynchronously: the flow goes on without its response "
            "and $.External is unchanged (Load Lambda result reads it later)",
        )
        return "success"
    rt.facts.append(("lambda", function, n, args, returns, error))
    if error is not None:
        return "error"
    # One scan of the joined keys (a run's common case: no nested key) before sorting any.
    if response_type == "string-map" and returns and "." in "".join(returns):
        nested = sorted(k for k in returns if "." in k)
        rt.fact(
            "error",
            f"`{function}` returned nested JSON ({nested[0]}), but its response validation "
            "is STRING_MAP (a flat map of text): use `response-type: json`",
        )
        return "error"
    # `$.External` is only ever replaced, never changed in place: the world's dict is shared.
    rt.external = returns if returns is not None else {}
    return "success"


def set_related_attributes(rt: Runtime, plan: tuple[tuple[str, int, Any, str], ...]) -> str:
    """`target-contact: related`: set the attributes on the related contact, not this one."""
    rid = rt.contact.extra.get(("RelatedContactId",)) if rt.contact.extra else None
    if not rid:
        rt.fact(
            "error",
            "TargetContact Related: this contact has no related contact "
            "($.RelatedContactId is empty); nothing was set",
        )
        return "error"
    try:
        values = []
        for key, kind, arg, text in plan:
            name, problem = attribute_key(rt, key)
            if problem:
                rt.fact("error", problem)
                return "error"
            values.append((name, read_value(rt, kind, arg, text)))
    except TextTooLong as exc:
        what = f"the value of attribute `{key_over_limit(rt, plan)}`"
        return text_too_long(rt, what, exc, "nothing was set")
    merged = {**rt.related_attrs, **dict(values)}
    size = attribute_bytes(merged)
    if size > MAX_ATTRIBUTE_BYTES:
        rt.fact(
            "error",
            f"the related contact's attributes would take {size:,} UTF-8 bytes; at most "
            f"{MAX_ATTRIBUTE_BYTES:,} are allowed (nothing was set)",
        )
        return "error"
    for key, new in values:
        rt.fact("note", f"related contact {rid}: attribute {key} = {new!r}")
    rt.related_attrs = merged
    return "success"
