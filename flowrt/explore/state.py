"""The state of an explored run at a choice point: what its future depends on.

Two runs that reach a choice point with equal keys have the same futures, so the walk branches
from the first only (`flowrt.explore.walk`).  The smaller the key, the fewer runs: what no block
still ahead can read is left out (`flowrt.explore.graph.Ahead`): the failure of a block that
cannot be reached any more, attributes and `$.External` values no block ahead reads, past inputs
and transfers (the visit counters say which visit is next), and the answers of the world's
facets no block ahead asks (queue states without a queue block ahead, the clock without an
hours check ahead, the services' counters without a Lex bot, view, loop or profile block ahead).
Where a block ahead may ask anything (a block type whose facets are not known, a transfer to a
flow given by a reference), nothing is left out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flowrt.explore.graph import Ahead
    from flowrt.explore.world import ChoiceRuntime

#: Answers asked once per visit: past visits do not matter (the counters say which is next).
_PER_VISIT = frozenset({"input", "external", "forced", "lambda-error", "hours", "lex", "view"})
#: The facet whose blocks read each kind of remembered answer.
_FACET_OF = {
    "queue": "queues",
    "profiles": "services",
    "recipients": "email",
    "call-status": "call-status",
    "percentage-draw": "draw",
    "voice-id": "voice-id",
    "wait": "wait",
    # Whether a number Set callback number reads can be dialled.
    "dialable": "callback",
}
#: The facet of each per-run call counter's kind.
_CALL_FACET = {"lambda": "lambda", "external": "dial"}


def state_key(rt: ChoiceRuntime) -> Any:
    """The state of `rt` (see the module)."""
    ahead: Ahead | None = rt.ahead
    if ahead is not None and ahead.open:
        ahead = None
    facets = ahead.facets if ahead is not None else None
    values = ahead.values if ahead is not None else None
    external = rt.external
    # A Lambda result explore answers (world._ChoiceExternal) names its function and call.
    function, number = getattr(external, "function", None), getattr(external, "call", None)
    call = (function, number) if function is not None else None
    if call is not None and values is not None and not any(p[0] == "External" for p in values):
        call = None  # no block ahead reads this result
    kept = []
    for key, value in rt.chooser.decided.items():
        kind = key[0]
        if kind in _PER_VISIT:
            continue
        if ahead is not None:
            if kind == "fault" and key[1] not in ahead.names:
                continue
            if kind == "attribute" and ("Attributes", key[1]) not in ahead.values:
                continue
            if (
                kind == "endpoint"
                and key[1:3] not in ahead.values
                and (facets is None or "endpoint" not in facets)
            ):
                continue
            facet = _FACET_OF.get(kind)
            if facet is not None and facets is not None and facet not in facets:
                continue
        if kind == "lambda" and (
            (key[1], key[2]) != call or (values is not None and ("External", key[3]) not in values)
        ):
            continue
        kept.append((key, value))
    calls = frozenset((k, n) for k, n in rt.calls.items() if ahead is None or _call_ahead(k, ahead))
    queues = facets is None or "queues" in facets
    return (
        rt.where,
        _user(dict.items(rt.attrs), "Attributes", ahead),
        _user(dict.items(external), "External", ahead),
        call,
        rt.queue,
        rt.queued,
        rt.waited if queues else 0,
        calls,
        rt.stop,
        tuple(c.clock for c in rt.clocks) if facets is None or "hours" in facets else (),
        frozenset(kept),
        _metrics_of(rt.metrics) if queues else None,
        frozenset(rt.state.items()),
        _services_key(rt, ahead),
        _more_key(rt, ahead),
    )


def _more_key(rt: ChoiceRuntime, ahead: Ahead | None) -> Any:
    """What a few blocks read besides references and the facets above: the stored customer
    input (`$.StoredCustomerInput`), the numbers the world says cannot be dialled (Set callback
    number) and the attributes set on the related contact (their size is limited)."""
    values = ahead.values if ahead is not None else None
    facets = ahead.facets if ahead is not None else None
    stored = (
        rt.stored_input
        if values is None or any(p[0] == "StoredCustomerInput" for p in values)
        else None
    )
    failing = (
        frozenset(n for n, outs in dict.items(rt.world.external) if "call-failed" in outs)
        if facets is None or "callback" in facets
        else None
    )
    related = frozenset(rt.related_attrs.items()) if facets is None or "related" in facets else None
    return (stored, failing, related)


def _call_ahead(key: tuple[str, str], ahead: Ahead) -> bool:
    """Whether a block ahead may make the call a per-run counter counts."""
    if key[0] == "input":
        return key[1] in ahead.names
    facet = _CALL_FACET.get(key[0])
    return facet is None or facet in ahead.facets


def _services_key(rt: ChoiceRuntime, ahead: Ahead | None) -> Any:
    """The services' state: values set ($.Lex, $.Views, $.Customer) that a block ahead reads,
    visit and loop counters and profiles when a service block is ahead, the modules running."""
    svc = rt.svc
    stack = tuple((cflow.name, node.name) for cflow, node in svc.stack)
    if ahead is None:
        vals = frozenset(svc.values.items())
    else:
        vals = frozenset((k, v) for k, v in svc.values.items() if k[:2] in ahead.values)
        if "services" not in ahead.facets:
            return (vals, stack)
    profiles = (
        None if svc.profiles is None else tuple(tuple(sorted(p.items())) for p in svc.profiles)
    )
    return (
        vals,
        stack,
        frozenset(svc.calls.items()),
        frozenset(svc.loops.items()),
        profiles,
        svc.profile,
    )


def _user(items: Any, ns: str, ahead: Ahead | None) -> frozenset[tuple[str, str]]:
    """User values (attributes or a Lambda's result) a block ahead may still read."""
    if ahead is None:
        return frozenset(items)
    values = ahead.values
    return frozenset((k, v) for k, v in items if (ns, k) in values)


def _metrics_of(metrics: Any) -> Any:
    state = getattr(metrics, "state", None)
    return None if state is None else (state.kind, state.name, state.floor)
