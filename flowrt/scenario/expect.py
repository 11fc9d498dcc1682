"""Assertions of scenario cases (`expect:`): their models, static checks and evaluation.

A case's `expect:` says what must be true of its run, in the words contact-center engineers use:
the outcome (queued in Q, transferred to N, disconnected, ...), the blocks visited (any order, in
order, first, last, A before B, never B), the branch taken at a block, attribute values with the
operators of check-contact-attributes (plus `not-equals` and `exists`), the prompts played and the
outbound email decision.  Every assertion must hold; every one that does not is reported with
where it is written, what was expected and what happened.

Three parts: the models (the schema of `expect:` is generated from them), `check_expect` (names
that must exist: blocks, branches, flows, queues; contradictions), and `evaluate`, which reads a
finished run (`flowrt.run.trace.Result`) and returns the failures.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field

from flowrt.lang.blocks import Model, Scalar, text_of
from flowrt.core.diagnostics import Diagnostic, suggestion

if TYPE_CHECKING:
    from flowrt.lang.compiler import CompiledFlow, Node, Program
    from flowrt.lang.loader import Document, JsonPath
    from flowrt.run.trace import Result

OutcomeKind = Literal[
    "queued", "transferred-to-number", "disconnected", "ended", "error", "step-limit"
]
EmailDecision = Literal["allowed", "denied", "needs-approval", "error"]
#: Value operators: the text and number operators of check-contact-attributes, and more.
VALUE_OPERATORS = (
    "equals",
    "not-equals",
    "text-contains",
    "text-starts-with",
    "text-ends-with",
    "number-greater-than",
    "number-less-than",
    "number-greater-or-equal",
    "number-less-or-equal",
    "exists",
)
_AT_LEAST_ONE: dict[str, Any] = {"minProperties": 1}


class ValueMatch(Model):
    """Operators on a text value; every operator given must hold (an attribute, a prompt)."""

    model_config = Model.model_config | {"json_schema_extra": _AT_LEAST_ONE}

    equals: Scalar | None = Field(
        None, description="Equal to this (numbers compare as numbers: 5 equals 5.0)."
    )
    not_equals: Scalar | None = Field(None, description="Not equal to this.")
    text_contains: str | None = Field(None, description="The text contains this.")
    text_starts_with: str | None = Field(None, description="The text starts with this.")
    text_ends_with: str | None = Field(None, description="The text ends with this.")
    number_greater_than: float | None = Field(None, description="A number greater than this.")
    number_less_than: float | None = Field(None, description="A number less than this.")
    number_greater_or_equal: float | None = Field(
        None, description="A number greater than or equal to this."
    )
    number_less_or_equal: float | None = Field(
        None, description="A number less than or equal to this."
    )
    exists: bool | None = Field(
        None, description="true: the value is set (possibly empty); false: it is not set."
    )

    def operators(self) -> list[tuple[str, Any]]:
        """The (operator, operand) pairs given, in the order of VALUE_OPERATORS."""
        out = []
        for op in VALUE_OPERATORS:
            value = getattr(self, op.replace("-", "_"))
            if value is not None:
                out.append((op, value))
        return out


class OutcomeExpect(Model):
    """How the run must end: its kind and any of its details."""

    model_config = Model.model_config | {"json_schema_extra": _AT_LEAST_ONE}

    kind: OutcomeKind | None = Field(None, description="The outcome kind.")
    queued: str | None = Field(
        None,
        description="Queued in this queue (a queue name, or `agent queue of <user>`).",
        examples=["Premium"],
    )
    transferred_to_number: str | None = Field(
        None, description="Transferred to this external number.", examples=["+18005550123"]
    )
    flow: str | None = Field(None, description="The flow the run ended in.")
    block: str | None = Field(None, description="The block the run ended at.")
    flows: list[str] | None = Field(
        None, description="The chain of flows run (transfer-to-flow), in order."
    )
    reason_contains: str | None = Field(
        None, description="The outcome's reason (disconnected, error) contains this text."
    )

    def implied_kind(self) -> str | None:
        if self.queued is not None:
            return "queued"
        if self.transferred_to_number is not None:
            return "transferred-to-number"
        return None


class EmailExpect(Model):
    """The outbound email policy's decision, and optionally words of its reason."""

    decision: EmailDecision = Field(description="allowed, denied, needs-approval or error.")
    reason_contains: str | None = Field(None, description="The decision's reason contains this.")


#: A `before:` pair: exactly two block names.
BlockPair = Annotated[list[str], Field(min_length=2, max_length=2)]


class Expect(Model):
    """What must be true of a case's run; every assertion given must hold."""

    outcome: OutcomeKind | OutcomeExpect | None = Field(
        None,
        description="How the run ends: a kind (`disconnected`) or details "
        "(`{queued: Premium}`, `{transferred-to-number: '+1...'}`, `{kind: ended, block: x}`).",
        examples=["disconnected", {"queued": "Premium"}],
    )
    visits: list[str] | None = Field(
        None, description="Blocks the run visits, in any order (`flow/block` to name the flow)."
    )
    visits_in_order: list[str] | None = Field(
        None, description="Blocks the run visits in this order (others may come between)."
    )
    first: str | None = Field(None, description="The first block of the run.")
    last: str | None = Field(None, description="The last block of the run.")
    before: list[BlockPair] | None = Field(
        None,
        description="Pairs [A, B]: A is visited, and before B's first visit (if B is visited).",
        examples=[[["lookup", "hours"]]],
    )
    never: list[str] | None = Field(None, description="Blocks the run never visits.")
    branch: dict[str, str | list[str]] | None = Field(
        None,
        description="Block -> the branch it takes (a branch name such as `no-match` or "
        "`condition-1`, or a condition's label such as `equals gold`); a list gives the "
        "branch of each visit in order.",
        examples=[{"check-tier": "condition-1", "to-queue": "at-capacity"}],
    )
    attributes: dict[str, Scalar | ValueMatch] | None = Field(
        None,
        description="Attribute -> its value when the run ends: a value (equals) or operators.",
        examples=[{"tier": "gold", "openCases": {"number-greater-than": 2}}],
    )
    prompts: list[str | ValueMatch] | None = Field(
        None,
        description="Prompts and messages played, in this order (others may come between): "
        "the exact text, or operators such as `{text-contains: busy}`.",
    )
    email: EmailDecision | EmailExpect | None = Field(
        None, description="The outbound email policy's decision (and reason)."
    )


# ---------------------------------------------------------------------------------------------
# static checks


def _split(ref: str) -> tuple[str | None, str]:
    """`flow/block` -> (flow, block); `block` -> (None, block).  Block names have no `/`."""
    flow, sep, block = ref.rpartition("/")
    return (flow, block) if sep else (None, ref)


_BOTH = "a block cannot be both expected and excluded: keep the one the case means"


class _ExpectChecker:
    """Checks one case's `expect:` against the flows the case runs."""

    def __init__(
        self, doc: Document, program: Program, flows: list[CompiledFlow], base: JsonPath
    ) -> None:
        self.doc = doc
        self.program = program
        self.base = base
        dynamic = any(
            n.type == "transfer-to-flow" and not isinstance(n.prepared.get(("flow",)), str)
            for f in flows
            for n in f.nodes
        )
        # A transfer by attribute may reach any flow: then every block of the project counts.
        self.flows = list(program.flows.values()) if dynamic else flows
        self.out: list[Diagnostic] = []

    def report(
        self, code: str, message: str, path: JsonPath, hint: str | None = None, key: bool = False
    ) -> None:
        full = (*self.base, *path)
        span = self.doc.key_span(full) if key else self.doc.span(full)
        self.out.append(Diagnostic.make(code, message, span, hint))

    def nodes(self, ref: str, path: JsonPath, key: bool = False) -> list[Node]:
        """The nodes a block reference names (FR300/FR302 when none)."""
        flow, block = _split(ref)
        flows = self.flows
        if flow is not None:
            if flow not in self.program.flows:
                self.report(
                    "FR302",
                    f"unknown flow `{flow}` in `{ref}`{suggestion(flow, self.program.flows)}",
                    path,
                    key=key,
                )
                return []
            flows = [self.program.flows[flow]]
        found = [f.nodes[f.index[block]] for f in flows if block in f.index]
        if not found:
            names = {n.name for f in flows for n in f.nodes}
            where = f"flow `{flow}`" if flow else "the flows this case runs"
            self.report(
                "FR300",
                f"`{block}` is not a block of {where}{suggestion(block, names)}",
                path,
                "name a block of the case's flow (or `flow/block` for a flow it transfers to)",
                key=key,
            )
        return found

    def blocks(self, refs: Sequence[str] | None, key: str) -> None:
        for i, ref in enumerate(refs or ()):
            self.nodes(ref, (key, i))

    def branch(self, ref: str, wanted: str | list[str]) -> None:
        found = self.nodes(ref, ("branch", ref), key=True)
        if not found:
            return
        names: dict[str, None] = {}
        for node in found:
            for b in node.targets:
                names[b] = None
                names[node.block.branch_label(b)] = None
        values = [wanted] if isinstance(wanted, str) else wanted
        for i, value in enumerate(values):
            if value not in names:
                path: JsonPath = ("branch", ref) if isinstance(wanted, str) else ("branch", ref, i)
                shown = ", ".join(b for b in found[0].targets)
                self.report(
                    "FR301",
                    f"block `{ref}` has no branch `{value}`{suggestion(value, names)}; "
                    f"its branches are {shown}",
                    path,
                )

    def outcome(self, o: OutcomeKind | OutcomeExpect | None) -> None:
        if not isinstance(o, OutcomeExpect):
            return
        implied = o.implied_kind()
        if o.queued is not None and o.transferred_to_number is not None:
            self.report(
                "FR304",
                "an outcome cannot be both queued and transferred to a number",
                ("outcome",),
            )
        elif implied is not None and o.kind is not None and o.kind != implied:
            self.report(
                "FR304",
                f"`kind: {o.kind}` contradicts `{implied}`",
                ("outcome", "kind"),
                f"drop `kind:`; `{implied}:` already says the outcome is {implied}",
            )
        if o.queued is not None:
            self.queue(o.queued)
        for i, name in enumerate(o.flows or ()):
            self.flow(name, ("outcome", "flows", i))
        if o.flow is not None:
            self.flow(o.flow, ("outcome", "flow"))
        if o.block is not None:
            ref = o.block if o.flow is None or "/" in o.block else f"{o.flow}/{o.block}"
            if o.flow is None or o.flow in self.program.flows:
                self.nodes(ref, ("outcome", "block"))

    def flow(self, name: str, path: JsonPath) -> None:
        if name not in self.program.flows:
            self.report(
                "FR302", f"unknown flow `{name}`{suggestion(name, self.program.flows)}", path
            )

    def queue(self, name: str) -> None:
        inst = self.program.instance
        if inst is None:
            return
        user = name.removeprefix("agent queue of ")
        if user != name:
            if user not in inst.users:
                self.report(
                    "FR303",
                    f"unknown user `{user}`{suggestion(user, inst.users)}",
                    ("outcome", "queued"),
                    "an agent's queue is written `agent queue of <user name>`",
                )
        elif name not in inst.queues:
            self.report(
                "FR303",
                f"unknown queue `{name}`{suggestion(name, inst.queues)}",
                ("outcome", "queued"),
                "queues are declared in instance.yaml; an agent's queue is `agent queue of <user>`",
            )

    def contradictions(self, e: Expect) -> None:
        never = set(e.never or ())
        for key in ("visits", "visits-in-order"):
            for i, ref in enumerate(getattr(e, key.replace("-", "_")) or ()):
                if ref in never:
                    self.report(
                        "FR304",
                        f"`{ref}` is expected both in `{key}` and in `never`",
                        (key, i),
                        _BOTH,
                    )
        for key in ("first", "last"):
            ref = getattr(e, key)
            if ref is not None and ref in never:
                self.report(
                    "FR304", f"`{ref}` is expected as `{key}` and in `never`", (key,), _BOTH
                )
        for ref in e.branch or {}:
            if ref in never:
                self.report(
                    "FR304",
                    f"`{ref}` has an expected branch and is in `never`",
                    ("branch", ref),
                    _BOTH,
                    key=True,
                )


def check_expect(
    doc: Document, expect: Expect, base: JsonPath, flows: list[CompiledFlow], program: Program
) -> list[Diagnostic]:
    """Positioned diagnostics for names in `expect:` that do not exist, and contradictions."""
    ck = _ExpectChecker(doc, program, flows, base)
    for key in ("visits", "visits-in-order", "never"):
        ck.blocks(getattr(expect, key.replace("-", "_")), key)
    for key in ("first", "last"):
        ref = getattr(expect, key)
        if ref is not None:
            ck.nodes(ref, (key,))
    for i, pair in enumerate(expect.before or ()):
        for j, ref in enumerate(pair):
            ck.nodes(ref, ("before", i, j))
    for ref, wanted in (expect.branch or {}).items():
        ck.branch(ref, wanted)
    ck.outcome(expect.outcome)
    ck.contradictions(expect)
    return ck.out


# ---------------------------------------------------------------------------------------------
# evaluation


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


def expects_kind(expect: Expect | None, kind: str) -> bool:
    """Whether `expect.outcome` names this outcome kind (an error outcome is then intended)."""
    o = expect.outcome if expect is not None else None
    if isinstance(o, str):
        return o == kind
    return o is not None and o.kind == kind


def iter_refs(expect: Expect) -> Iterator[str]:
    """Every block reference of an `expect:` (for tools)."""
    yield from expect.visits or ()
    yield from expect.visits_in_order or ()
    yield from expect.never or ()
    yield from (r for r in (expect.first, expect.last) if r is not None)
    for pair in expect.before or ():
        yield from pair
    yield from expect.branch or {}
