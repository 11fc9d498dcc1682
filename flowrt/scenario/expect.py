"""Assertions of scenario cases (`expect:`): their models and static checks.

A case's `expect:` says what must be true of its run, in the words contact-center engineers use:
the outcome (queued in Q, transferred to N, disconnected, ...), the blocks visited (any order, in
order, first, last, A before B, never B), the branch taken at a block, attribute values with the
operators of check-contact-attributes (plus `not-equals` and `exists`), the prompts played and the
outbound email decision.  Every assertion must hold; every one that does not is reported with
where it is written, what was expected and what happened.

Here: the models (the schema of `expect:` is generated from them), `check_expect` (names that
must exist: blocks, branches, flows, queues; contradictions) and the helpers tools read an
`expect:` with (`expects_kind`, `iter_refs`).  `evaluate`, which reads a finished run and returns
the failures, is in flowrt.scenario.evaluation.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field

from flowrt.core.diagnostics import Diagnostic, suggestion
from flowrt.lang.blocks import Model, Scalar

if TYPE_CHECKING:
    from flowrt.lang.broken import Reach
    from flowrt.lang.compiler import Node, Program
    from flowrt.lang.loader import Document, JsonPath

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

    def __init__(self, doc: Document, program: Program, reach: Reach, base: JsonPath) -> None:
        self.doc = doc
        self.program = program
        self.base = base
        dynamic = any(
            n.type == "transfer-to-flow" and not isinstance(n.prepared.get(("flow",)), str)
            for f in reach.flows
            for n in f.nodes
        )
        # A transfer by attribute may reach any flow: then every block of the project counts.
        self.flows = list(program.flows.values()) if dynamic else reach.flows
        #: Blocks and flows that failed to load (reported where they are written) are known by
        #: name: an assertion naming one is not reported, nor checked further.
        self.reach = reach
        if dynamic:  # so may a flow that failed to load
            self.reach = dataclasses.replace(
                reach,
                broken=reach.broken
                | {b: v for f in program.broken.flows.values() for b, v in f.blocks.items()},
                open=reach.open or any(not f.complete for f in program.broken.flows.values()),
            )
        self.broken = program.broken
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
        unsure = self.reach.unsure(block) or any(block in f.invalid for f in flows)
        if flow is not None:
            if flow in self.broken.flows and flow not in self.program.flows:
                return []
            if flow not in self.program.flows:
                self.report(
                    "FR302",
                    f"unknown flow `{flow}` in `{ref}`{suggestion(flow, self.program.flows)}",
                    path,
                    key=key,
                )
                return []
            flows = [self.program.flows[flow]]
            unsure = block in flows[0].invalid
        found = [f.nodes[f.index[block]] for f in flows if block in f.index]
        if not found and not unsure:
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
        if name not in self.program.flows and name not in self.broken.flows:
            self.report(
                "FR302", f"unknown flow `{name}`{suggestion(name, self.program.flows)}", path
            )

    def queue(self, name: str) -> None:
        inst = self.program.instance
        if inst is None:
            return
        user = name.removeprefix("agent queue of ")
        gaps = self.broken.instance
        if user != name:
            if user not in inst.users and not gaps.unsure("users", user):
                self.report(
                    "FR303",
                    f"unknown user `{user}`{suggestion(user, inst.users)}",
                    ("outcome", "queued"),
                    "an agent's queue is written `agent queue of <user name>`",
                )
        elif name not in inst.queues and not gaps.unsure("queues", name):
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
    doc: Document, expect: Expect, base: JsonPath, flows: Reach, program: Program
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
