"""Evaluation of scenario assertions (`expect:`) against a finished run.

`evaluate` reads a run (`flowrt.run.trace.Result`) through a `RunView` (its visits, branch labels,
final attributes, prompts and email decisions, computed once) and returns a `Failure` for every
assertion that does not hold: where it is written, what was expected and what happened.  Also the
value operators of `attributes:` and `prompts:` (`value_holds`, `match_holds`, `describe_match`).
The models of `expect:` and their static checks are in flowrt.scenario.expect.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flowrt.lang.blocks import Scalar, text_of
from flowrt.scenario.expect import (
    EmailDecision,
    EmailExpect,
    Expect,
    OutcomeExpect,
    OutcomeKind,
    ValueMatch,
    _split,
)

if TYPE_CHECKING:
    from flowrt.lang.loader import JsonPath
    from flowrt.run.trace import Result


@dataclass(frozen=True)
class Failure:
    """One assertion that does not hold: where it is written and what went wrong."""

    path: JsonPath
    message: str

    @property
    def key(self) -> str:
        """The assertion's key path as written: `expect.branch.check-tier`."""
        out = ""
        for p in self.path:
            out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
        return out


@dataclass
class RunView:
    """What assertions read of a run, computed once: visits, attributes, prompts, email."""

    visits: list[tuple[str, str, str]]  # (flow, block, branch) per step
    labels: list[str]  # the condition label of each step's branch, or the branch
    attributes: dict[str, str]
    prompts: list[str]
    email: list[tuple[str, str]]  # (decision, reason)
    result: Result

    @classmethod
    def of(cls, result: Result) -> RunView:
        trace = result.trace
        attrs = dict(trace.contact.attributes)
        attrs.update(trace.world.attributes)
        visits, labels, prompts, email = [], [], [], []
        for cflow, node, branch, facts, _ in trace.records:
            visits.append((cflow.name, node.name, branch or ""))
            labels.append(node.block.branch_label(branch) if branch else "")
            sets = []
            for fact in facts or ():
                kind = fact[0]
                if kind == "set":
                    sets.append(fact)
                elif kind in ("prompt", "message"):
                    prompts.append(str(fact[1]))
                elif kind == "policy":
                    email.append((str(fact[2]), str(fact[3])))
            if node.type == "outbound-email-policy" and branch == "error":
                reason = next((str(f[1]) for f in facts or () if f[0] == "error"), "error")
                email.append(("error", reason))
            # A set-contact-attributes step that took `error` set nothing (the size limit).
            if not (branch == "error" and node.type == "set-contact-attributes"):
                for _, key, _, new in sets:
                    attrs[key] = new
        return cls(visits, labels, attrs, prompts, email, result)

    def matches(self, ref: str, i: int) -> bool:
        flow, block = _split(ref)
        f, b, _ = self.visits[i]
        return b == block and (flow is None or f == flow)

    def indexes(self, ref: str) -> list[int]:
        return [i for i in range(len(self.visits)) if self.matches(ref, i)]

    def path_text(self, limit: int = 12) -> str:
        names = [b for _, b, _ in self.visits]
        if len(names) > limit:
            names = [*names[: limit // 2], "...", *names[-limit // 2 :]]
        return " -> ".join(names) or "(no steps)"


def _number(text: str) -> float | None:
    from flowrt.lang.expr import as_number

    n = as_number(text)
    return None if n is None else float(n)


_NUMBER_OPS: dict[str, Callable[[float, float], bool]] = {
    "number-greater-than": operator.gt,
    "number-less-than": operator.lt,
    "number-greater-or-equal": operator.ge,
    "number-less-or-equal": operator.le,
}


def value_holds(op: str, operand: Any, value: str | None) -> bool:
    """Whether `value` (None: not set) satisfies one operator."""
    if op == "exists":
        return (value is not None) == bool(operand)
    if value is None:
        return op == "not-equals"
    if op in ("equals", "not-equals"):
        want = text_of(operand)
        same = value == want
        if not same:
            a, b = _number(value), _number(want)
            same = a is not None and b is not None and a == b
        return same if op == "equals" else not same
    if op == "text-contains":
        return str(operand) in value
    if op == "text-starts-with":
        return value.startswith(str(operand))
    if op == "text-ends-with":
        return value.endswith(str(operand))
    n = _number(value)
    return n is not None and _NUMBER_OPS[op](n, float(operand))


def describe_match(m: Scalar | ValueMatch) -> str:
    """`"gold"` or `text-starts-with "silver" and exists true`."""
    import json

    if not isinstance(m, ValueMatch):
        return json.dumps(text_of(m), ensure_ascii=False)
    parts = []
    for op, operand in m.operators():
        shown = (
            str(operand).lower()
            if isinstance(operand, bool)
            else (
                text_of(operand)
                if op.startswith("number-")
                else json.dumps(text_of(operand), ensure_ascii=False)
            )
        )
        parts.append(f"{op} {shown}")
    return " and ".join(parts)


def match_holds(m: Scalar | ValueMatch, value: str | None) -> bool:
    if not isinstance(m, ValueMatch):
        return value_holds("equals", m, value)
    return all(value_holds(op, operand, value) for op, operand in m.operators())


def _q(value: str | None) -> str:
    import json

    return "not set" if value is None else json.dumps(value, ensure_ascii=False)


class _Evaluator:
    def __init__(self, view: RunView) -> None:
        self.view = view
        self.out: list[Failure] = []

    def fail(self, path: JsonPath, message: str) -> None:
        self.out.append(Failure(("expect", *path), message))

    def outcome(self, o: OutcomeKind | OutcomeExpect) -> None:
        got = self.view.result.outcome
        summary = got.describe()
        if isinstance(o, str):
            if got.kind != o:
                self.fail(("outcome",), f"expected outcome {o}, got {summary}")
            return
        kind = o.kind or o.implied_kind()
        if kind is not None and got.kind != kind:
            self.fail(("outcome",), f"expected outcome {kind}, got {summary}")
            return
        checks: list[tuple[str, Any, Any]] = [
            ("queued", o.queued, got.queue),
            ("transferred-to-number", o.transferred_to_number, got.number),
            ("flow", o.flow, got.flow),
            ("block", _split(o.block)[1] if o.block else None, got.block),
            ("flows", o.flows, list(got.flows)),
        ]
        for key, want, have in checks:
            if want is not None and want != have:
                self.fail(
                    ("outcome", key),
                    f"expected {key} {_show(want)}, got {_show(have)} ({summary})",
                )
        if o.reason_contains is not None and o.reason_contains not in (got.reason or ""):
            self.fail(
                ("outcome", "reason-contains"),
                f"expected the reason to contain {_q(o.reason_contains)}, got {_q(got.reason)}",
            )

    def visits(self, refs: list[str]) -> None:
        for i, ref in enumerate(refs):
            if not self.view.indexes(ref):
                self.fail(
                    ("visits", i),
                    f"expected block `{ref}` to be visited; the run went {self.view.path_text()}",
                )

    def visits_in_order(self, refs: list[str]) -> None:
        at = 0
        for i, ref in enumerate(refs):
            nxt = next((j for j in self.view.indexes(ref) if j >= at), None)
            if nxt is None:
                before = f" after `{refs[i - 1]}`" if i else ""
                self.fail(
                    ("visits-in-order", i),
                    f"expected block `{ref}` to be visited{before}; the run went "
                    f"{self.view.path_text()}",
                )
                return
            at = nxt + 1

    def ends(self, key: str, ref: str) -> None:
        visits = self.view.visits
        i = 0 if key == "first" else len(visits) - 1
        if not visits or not self.view.matches(ref, i):
            got = visits[i][1] if visits else "(no steps)"
            self.fail((key,), f"expected the {key} block to be `{ref}`, got `{got}`")

    def before(self, pairs: list[list[str]]) -> None:
        for i, (a, b) in enumerate(pairs):
            ia, ib = self.view.indexes(a), self.view.indexes(b)
            if not ia:
                self.fail(("before", i), f"expected `{a}` before `{b}`; `{a}` was never visited")
            elif ib and ib[0] < ia[0]:
                self.fail(
                    ("before", i),
                    f"expected `{a}` before `{b}`; `{b}` came first (step {ib[0] + 1}, "
                    f"`{a}` at step {ia[0] + 1})",
                )

    def never(self, refs: list[str]) -> None:
        for i, ref in enumerate(refs):
            found = self.view.indexes(ref)
            if found:
                self.fail(
                    ("never", i),
                    f"expected block `{ref}` never to be visited; it was, at step {found[0] + 1}",
                )

    def branch(self, ref: str, wanted: str | list[str]) -> None:
        idx = self.view.indexes(ref)
        path: JsonPath = ("branch", ref)
        if not idx:
            self.fail(path, f"expected block `{ref}` to take a branch; it was never visited")
            return
        taken = [(self.view.visits[i][2], self.view.labels[i]) for i in idx]
        shown = ", ".join(_branch_text(b, lbl) for b, lbl in taken)
        if isinstance(wanted, list):
            same = len(wanted) == len(taken) and all(
                w in (b, lbl) for w, (b, lbl) in zip(wanted, taken, strict=True)
            )
            if not same:
                self.fail(
                    path,
                    f"expected branches {', '.join(wanted)} on its {len(wanted)} visit(s); "
                    f"got {shown}",
                )
            return
        if any(wanted not in (b, lbl) for b, lbl in taken):
            self.fail(path, f"expected branch `{wanted}`, got {shown}")

    def attributes(self, attrs: dict[str, Scalar | ValueMatch]) -> None:
        have = self.view.attributes
        for key, m in attrs.items():
            value = have.get(key)
            if not match_holds(m, value):
                self.fail(
                    ("attributes", key),
                    f"expected $.Attributes.{key} {describe_match(m)}, got {_q(value)}",
                )

    def prompts(self, wanted: list[str | ValueMatch]) -> None:
        played = self.view.prompts
        at = 0
        for i, m in enumerate(wanted):
            nxt = next((j for j in range(at, len(played)) if match_holds(m, played[j])), None)
            if nxt is None:
                shown = "; ".join(_q(p) for p in played) or "none"
                after = " after the prompts before it" if i and at else ""
                self.fail(
                    ("prompts", i),
                    f"expected a prompt {describe_match(m)}{after}; played: {shown}",
                )
                return
            at = nxt + 1

    def email(self, e: EmailDecision | EmailExpect) -> None:
        want = e if isinstance(e, str) else e.decision
        decisions = self.view.email
        if not decisions:
            self.fail(("email",), f"expected the email decision {want}; no email policy ran")
            return
        decision, reason = decisions[-1]
        if decision != want:
            self.fail(("email",), f"expected the email decision {want}, got {decision} ({reason})")
        elif (
            isinstance(e, EmailExpect)
            and e.reason_contains is not None
            and e.reason_contains not in reason
        ):
            self.fail(
                ("email", "reason-contains"),
                f"expected the reason to contain {_q(e.reason_contains)}, got {_q(reason)}",
            )


def _show(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, list):
        return "[" + ", ".join(value) + "]"
    return str(value)


def _branch_text(branch: str, label: str) -> str:
    if not branch:
        return "(none: the run ended there)"
    return f"`{branch}` ({label})" if label != branch else f"`{branch}`"


def evaluate(expect: Expect | None, result: Result) -> list[Failure]:
    """Every assertion of `expect` that the run does not satisfy (empty: all hold)."""
    if expect is None:
        return []
    ev = _Evaluator(RunView.of(result))
    if expect.outcome is not None:
        ev.outcome(expect.outcome)
    if expect.visits:
        ev.visits(expect.visits)
    if expect.visits_in_order:
        ev.visits_in_order(expect.visits_in_order)
    for key in ("first", "last"):
        ref = getattr(expect, key)
        if ref is not None:
            ev.ends(key, ref)
    if expect.before:
        ev.before(expect.before)
    if expect.never:
        ev.never(expect.never)
    for ref, wanted in (expect.branch or {}).items():
        ev.branch(ref, wanted)
    if expect.attributes:
        ev.attributes(expect.attributes)
    if expect.prompts:
        ev.prompts(expect.prompts)
    if expect.email is not None:
        ev.email(expect.email)
    return ev.out
