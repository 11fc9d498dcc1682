"""Stage 4, compile: typed flows -> a block graph (`Program`) plus static checks.

Names are resolved (blocks, queues, users, flows, quick connects, phone numbers, hours, Lambda
functions, prompts), expressions are parsed with positions inside the YAML scalar, and the graph
is checked: unknown targets, unreachable blocks, required branches left unconnected, cycles with
no way out, blocks not allowed in the flow type.  Every finding is collected; the driver fails
once.  What a run needs (targets as node indexes, parsed expressions) is prepared here, so the
interpreter never touches the loader, the schema or the models' validation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flowrt.core.diagnostics import Diagnostic, Span, suggestion
from flowrt.lang import expr
from flowrt.lang.blocks import (
    OPERATORS,
    Block,
    Condition,
    Flow,
    Prompt,
)
from flowrt.lang.blocks.base import external_flow
from flowrt.lang.broken import Broken
from flowrt.lang.instance import Instance
from flowrt.lang.loader import Document, JsonPath

#: Steps a run may take before it is stopped as a runaway loop (`--max-steps` changes it).
DEFAULT_MAX_STEPS = 1000

#: Blocks after which this flow stops running (the contact leaves it or waits).
STOPPING = frozenset({"disconnect", "end-flow", "transfer-to-flow", "loop-prompts"})


@dataclass(slots=True, eq=False)
class Node:
    """A compiled block: its model, its resolved exits and what its run step needs."""

    index: int
    name: str
    block: Block
    span: Span
    targets: dict[str, int | None] = field(default_factory=dict)
    #: `targets` resolved to nodes, connected branches only (the run loop's one lookup a step).
    exits: dict[str, Node] = field(default_factory=dict, repr=False)
    #: The compiled flow the node belongs to (set once the flow is compiled).
    flow: CompiledFlow | None = field(default=None, repr=False)
    prepared: dict[JsonPath, Any] = field(default_factory=dict)
    #: The compiled conditions of its run step (a copy of `prepared[MATCHERS]`, read per step).
    matchers: tuple[tuple[Any, ...], ...] = ()
    #: The block's run step, `block.compile_step(node)`: set once, when the flow is compiled.
    step: Callable[..., str] = field(init=False, repr=False)

    @property
    def type(self) -> str:
        return self.block.TYPE


@dataclass(eq=False)
class CompiledFlow:
    """One flow's block graph; `nodes[start]` is where a run begins."""

    name: str
    type: str
    file: str
    start: int
    nodes: list[Node]
    index: dict[str, int]
    span: Span
    #: Block name -> its data as written, for the blocks that failed to load (and are reported).
    invalid: dict[str, Any] = field(default_factory=dict)


#: How a program runs a contact: `runner(program, contact, world, flow=, max_steps=, contact_id=)`.
Runner = Callable[..., Any]


@dataclass(eq=False)
class Program:
    """Every compiled flow of a project with its instance: compile once, run many.

    The compiler knows nothing of running: `runner` is given by whoever builds the program (the
    project driver gives `flowrt.scenario.run.run_contact`), so this layer never imports the
    layers above it.
    """

    flows: dict[str, CompiledFlow]
    instance: Instance | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    runner: Runner | None = field(default=None, repr=False)
    #: What is known of the flows and instance entries that failed to load.
    broken: Broken = field(default_factory=Broken, repr=False)

    def run(
        self,
        contact: Any,
        world: Any = None,
        *,
        flow: str | None = None,
        max_steps: int = DEFAULT_MAX_STEPS,
        contact_id: str | None = None,
    ) -> Any:
        """Run one contact through its flow in a simulated world (see run_contact in
        flowrt.scenario.run): a scenario model, a plain dict or a prepared record."""
        if self.runner is None:
            raise TypeError(
                "this Program has no runner: build it with flowrt.load_project(path).compile()"
            )
        return self.runner(
            self, contact, world, flow=flow, max_steps=max_steps, contact_id=contact_id
        )


@dataclass
class FlowEnv:
    """What the compiler knows of the project while compiling one flow."""

    instance: Instance | None
    flow_types: dict[str, str]
    #: What is known of the flows and instance entries that failed to load.
    broken: Broken = field(default_factory=Broken)
    #: Flow ID (`id:` of a flow file) -> flow name, for blocks that name a flow by its ID.
    flow_ids: dict[str, str] = field(default_factory=dict)


class BlockContext:
    """The compiler's services to a block's `check`: reporting, parsing, resolving names."""

    def __init__(self, doc: Document, name: str, flow_type: str, env: FlowEnv, node: Node) -> None:
        self.doc = doc
        self.name = name
        self.flow_type = flow_type
        self.env = env
        self.node = node
        self.base: JsonPath = ("blocks", name)
        self.diagnostics: list[Diagnostic] = []

    @property
    def instance(self) -> Instance | None:
        return self.env.instance

    def unsure(self, section: str, name: str) -> bool:
        """Whether `name` may be an instance entry that failed to load (reported there)."""
        return self.env.broken.instance.unsure(section, name)

    # -- reporting -----------------------------------------------------------------------------

    def span(self, path: JsonPath) -> Span:
        return self.doc.span((*self.base, *path))

    def error(self, code: str, message: str, path: JsonPath, hint: str | None = None) -> None:
        """Report a finding about this block (severity from the code's registration)."""
        prefix = f"block `{self.name}` ({self.node.block.TYPE}): "
        self.diagnostics.append(Diagnostic.make(code, prefix + message, self.span(path), hint))

    def scalar_span(self, path: JsonPath, start: int, end: int) -> Span:
        """Span of characters start..end of a scalar, shifted past an opening quote."""
        span = self.span(path)
        if span.end_line != span.line:
            return span
        line = self.doc.text.splitlines()[span.line - 1] if self.doc.text else ""
        quote = 1 if span.column - 1 < len(line) and line[span.column - 1] in "\"'" else 0
        return span.shifted(start + quote, end + quote)

    def _expr_error(self, exc: expr.ExprError, path: JsonPath, text: str) -> None:
        where = self.scalar_span(path, exc.offset, exc.end_offset)
        prefix = f"block `{self.name}` ({self.node.block.TYPE}): "
        if len(text) > expr.MAX_EXPR_LENGTH:  # a text over the limits: quote its start only
            text = text[:60] + "..."
        self.diagnostics.append(
            Diagnostic.make("FR050", f"{prefix}{exc.message} in `{text}`", where, exc.hint)
        )

    # -- expressions ---------------------------------------------------------------------------

    def reference(self, text: str, path: JsonPath) -> expr.Ref | None:
        try:
            ref = expr.parse_reference(text)
        except expr.ExprError as exc:
            self._expr_error(exc, path, text)
            return None
        self.node.prepared[path] = ref
        return ref

    def template(self, text: str, path: JsonPath) -> expr.Template | None:
        try:
            tpl = expr.parse_template(text)
        except expr.ExprError as exc:
            self._expr_error(exc, path, text)
            return None
        self.node.prepared[path] = tpl
        return tpl

    def condition_expr(self, text: str, path: JsonPath) -> expr.Condition | None:
        try:
            cond = expr.parse_condition(text)
        except expr.ExprError as exc:
            self._expr_error(exc, path, text)
            return None
        self.node.prepared[path] = cond
        return cond

    # -- names ---------------------------------------------------------------------------------

    def queue_or_agent(self, queue: str | None, agent: str | None, required: bool) -> None:
        if queue is not None and agent is not None:
            self.error("FR013", "give either `queue` or `agent`, not both", ("agent",))
            return
        if queue is None and agent is None:
            if required:
                where = "in a customer queue flow " if self.flow_type == "customer-queue" else ""
                self.error("FR012", f"{where}needs `queue` or `agent`", ())
            return
        if queue is not None:
            self.queue(queue, ("queue",))
        elif agent is not None:
            self.agent(agent, ("agent",))

    def queue(self, value: str, path: JsonPath) -> None:
        if value.startswith("$."):
            self.reference(value, path)
            return
        inst = self.instance
        if inst is not None and value not in inst.queues and not self.unsure("queues", value):
            self.error(
                "FR021",
                f"unknown queue `{value}`{suggestion(value, inst.queues)}",
                path,
                "queues are declared under `queues:` in instance.yaml",
            )
        self.node.prepared[path] = value

    def agent(self, value: str, path: JsonPath) -> None:
        if value.startswith("$."):
            self.reference(value, path)
            return
        inst = self.instance
        self.node.prepared[path] = value
        if inst is None:
            return
        user = inst.user_by_name_or_id(value)
        if user is None and self.unsure("users", value):
            return
        if user is None:
            self.error(
                "FR022",
                f"unknown user `{value}`{suggestion(value, inst.users)}",
                path,
                "users are declared under `users:` in instance.yaml",
            )
        elif not inst.can_answer(user) and not self.unsure(
            "security-profiles", inst.users[user].security_profile
        ):
            self.error(
                "FR061",
                f"user `{user}` has no CCP permission, so a contact routed to them can never be "
                "answered",
                path,
                f"grant `ccp` in security profile `{inst.users[user].security_profile}`",
            )

    def phone_number(self, value: str, path: JsonPath, target: bool) -> None:
        if value.startswith("$."):
            self.reference(value, path)
            return
        self.node.prepared[path] = value
        inst = self.instance
        if (
            not target
            and inst is not None
            and value not in inst.phone_numbers
            and not self.unsure("phone-numbers", value)
        ):
            self.error(
                "FR025",
                f"caller ID number `{value}` is not a phone number of the instance"
                f"{suggestion(value, inst.phone_numbers)}",
                path,
                "use a number claimed in the instance (`phone-numbers:`) or an attribute",
            )

    def flow_name(
        self, value: str, path: JsonPath, targets: frozenset[str] | None = None, why: str = ""
    ) -> None:
        """A flow named by a block: it exists, and (with `targets`) is of a type the block may
        hand the contact to (FR444, `why` saying which Amazon Connect page allows which)."""
        if value.startswith("$."):
            self.reference(value, path)
            return
        self.node.prepared[path] = value
        if external_flow(value):
            return  # a flow of the instance outside the project: the run stops there
        if value not in self.env.flow_types and value not in self.env.broken.flows:
            self.error(
                "FR023",
                f"unknown flow `{value}`{suggestion(value, self.env.flow_types)}",
                path,
                "flows are named by the `flow:` key of a *.flow.yaml file",
            )
            return
        kind = self.env.flow_types.get(value)
        if targets is not None and kind is not None and kind not in targets:
            allowed = ", ".join(f"`{t}`" for t in sorted(targets))
            self.error(
                "FR444",
                f"flow `{value}` is a `{kind}` flow; a `{self.flow_type}` flow's "
                f"{self.node.block.TYPE} hands the contact only to {allowed} flows{why}",
                path,
                f"name a flow of type {allowed} here",
            )

    def hours(self, value: str, path: JsonPath) -> None:
        inst = self.instance
        self.node.prepared[path] = value
        if (
            inst is not None
            and value not in inst.hours_of_operation
            and not self.unsure("hours-of-operation", value)
        ):
            self.error(
                "FR027",
                f"unknown hours of operation `{value}`{suggestion(value, inst.hours_of_operation)}",
                path,
            )

    def lambda_function(self, value: str, path: JsonPath) -> None:
        inst = self.instance
        self.node.prepared[path] = value
        if (
            inst is not None
            and value not in inst.lambda_functions
            and not self.unsure("lambda-functions", value)
        ):
            self.error(
                "FR029",
                f"unknown Lambda function `{value}`{suggestion(value, inst.lambda_functions)}",
                path,
                "declare it under `lambda-functions:` in instance.yaml",
            )

    def prompt(
        self,
        prompt: Prompt,
        path: JsonPath,
        keys: tuple[str, ...] = ("text", "ssml", "prompt", "media"),
    ) -> None:
        """Check a prompt: exactly one of `keys` (the sources its block has), then its text."""
        named = ", ".join(f"`{k}`" for k in keys[:-1]) + f" or `{keys[-1]}`"
        given = [k for k in keys if getattr(prompt, k, None) is not None]
        if not given:
            self.error("FR012", f"needs one of {named}", path)
            return
        if len(given) > 1:
            self.error(
                "FR013",
                f"give one of {named}, not {' and '.join(given)}",
                (*path, given[1]),
            )
            return
        if prompt.text is not None:
            self.template(prompt.text, (*path, "text"))
        elif prompt.media is not None:
            self.template(prompt.media.uri, (*path, "media", "uri"))
        elif prompt.prompt is not None:
            inst = self.instance
            if (
                inst is not None
                and prompt.prompt not in inst.prompts
                and not self.unsure("prompts", prompt.prompt)
            ):
                self.error(
                    "FR037",
                    f"unknown prompt `{prompt.prompt}`{suggestion(prompt.prompt, inst.prompts)}",
                    (*path, "prompt"),
                    "declare it under `prompts:` in instance.yaml",
                )

    def conditions(self, conditions: Sequence[Condition], needs_attribute: bool) -> None:
        for i, cond in enumerate(conditions):
            path: JsonPath = ("conditions", i)
            ops = cond.operator()
            if len(ops) != 1:
                found = ", ".join(op for op, _ in ops) or "none"
                self.error(
                    "FR013" if ops else "FR012",
                    f"condition {i + 1} needs exactly one operator (found: {found})",
                    path,
                    f"operators: {', '.join(OPERATORS)}, or `when:` with an expression",
                )
                continue
            op, operand = ops[0]
            if op == "when":
                self.condition_expr(str(operand), (*path, "when"))
                continue
            if needs_attribute:
                self.error(
                    "FR012",
                    f"condition {i + 1} uses `{op}` but the block has no `attribute` to compare",
                    path,
                    "add `attribute: $.Attributes.<key>`",
                )
            if isinstance(operand, str) and operand.startswith("$."):
                self.reference(operand, (*path, op))
            elif op.startswith("number-") and expr.as_number(str(operand)) is None:
                self.error(
                    "FR013",
                    f"condition {i + 1}: `{op}` needs a number, not `{operand}`",
                    (*path, op),
                )
            self.node.prepared[path] = (op, operand)


def compile_flow(
    doc: Document, flow: Flow, blocks: dict[str, Block], invalid: set[str], env: FlowEnv
) -> tuple[CompiledFlow, list[Diagnostic]]:
    """Compile one validated flow; `invalid` names blocks that failed validation."""
    diags: list[Diagnostic] = []
    nodes: list[Node] = []
    index: dict[str, int] = {}
    for name, block in blocks.items():
        index[name] = len(nodes)
        nodes.append(Node(len(nodes), name, block, doc.key_span(("blocks", name))))
    known = set(blocks) | invalid
    for node in nodes:
        cx = BlockContext(doc, node.name, flow.type, env, node)
        _check_block(cx, node, flow, known, index)
        diags.extend(cx.diagnostics)
    start = index.get(flow.start, -1)
    if flow.start not in known:
        diags.append(
            Diagnostic.make(
                "FR020",
                f"start block `{flow.start}` does not exist{suggestion(flow.start, known)}",
                doc.span(("start",)),
                "`start:` names the first block of the flow",
            )
        )
    for node in nodes:
        node.exits = {b: nodes[t] for b, t in node.targets.items() if t is not None}
        node.step = node.block.compile_step(node)
    written = doc.data.get("blocks") if isinstance(doc.data, dict) else None
    compiled = CompiledFlow(
        flow.flow,
        flow.type,
        doc.file,
        start,
        nodes,
        index,
        doc.span(("flow",)),
        {n: v for n, v in written.items() if n in invalid} if isinstance(written, dict) else {},
    )
    for node in nodes:
        node.flow = compiled
    # A block that failed to load, or a branch to a block that does not exist, leaves the graph
    # unlike what was meant: what it would find unreachable follows from that one mistake.
    if not invalid and start >= 0 and not any(d.code == "FR020" for d in diags):
        diags.extend(_graph_checks(compiled))
    return compiled, diags


def _check_block(
    cx: BlockContext, node: Node, flow: Flow, known: set[str], index: dict[str, int]
) -> None:
    block = node.block
    if flow.type not in block.FLOW_TYPES:
        allowed = ", ".join(sorted(block.FLOW_TYPES))
        article = "an" if flow.type[0] in "aeiou" else "a"
        cx.error(
            "FR033",
            f"{block.TYPE} is not allowed in {article} {flow.type} flow",
            ("type",),
            f"{block.TYPE} is allowed in: {allowed}",
        )
    for branch in block.all_branches():
        node.targets[branch] = None
    exits = block.exits()
    for branch, target, path in exits:
        if target not in known:
            cx.error(
                "FR020",
                f"branch `{branch}` goes to unknown block `{target}`{suggestion(target, known)}",
                path,
            )
            continue
        node.targets[branch] = index.get(target)
    for branch in block.REQUIRED:
        if node.targets.get(branch) is None and not any(b == branch for b, _, _ in exits):
            hint = (
                "Amazon Connect needs a block after Success, e.g. an end-flow block"
                if block.TYPE == "transfer-to-queue"
                else f"add `{branch}:` under `next:`"
            )
            where: JsonPath = ("next",) if block.next is not None else ("type",)
            cx.error("FR031", f"required branch `{branch}` is not connected", where, hint)
    block.check(cx)


def _graph_checks(flow: CompiledFlow) -> list[Diagnostic]:
    diags: list[Diagnostic] = []
    seen = _reachable(flow, flow.start)
    for node in flow.nodes:
        if node.index not in seen:
            diags.append(
                Diagnostic.make(
                    "FR030",
                    f"block `{node.name}` is never reached from `{flow.nodes[flow.start].name}`",
                    node.span,
                    "connect it from another block, or delete it",
                )
            )
    for comp in _closed_cycles(flow):
        names = [flow.nodes[i].name for i in sorted(comp)]
        first = flow.nodes[min(comp)]
        diags.append(
            Diagnostic.make(
                "FR032",
                f"blocks {' -> '.join(f'`{n}`' for n in names)} form a cycle with no way out",
                first.span,
                "give one block of the cycle a branch that leaves it (for example a counter checked "
                "by check-contact-attributes, or a disconnect)",
            )
        )
    return diags


def _reachable(flow: CompiledFlow, start: int) -> set[int]:
    seen = {start}
    todo = [start]
    while todo:
        for t in flow.nodes[todo.pop()].targets.values():
            if t is not None and t not in seen:
                seen.add(t)
                todo.append(t)
    return seen


def _closed_cycles(flow: CompiledFlow) -> list[set[int]]:
    """Strongly connected components that loop and that nothing can leave (Tarjan, iterative)."""
    out = []
    for comp in _sccs(flow):
        nodes = [flow.nodes[i] for i in comp]
        loops = len(comp) > 1 or any(t in comp for t in nodes[0].targets.values())
        if not loops:
            continue
        leaves = (
            any(t is None or t not in comp for n in nodes for t in n.targets.values())
            or any(n.type in STOPPING for n in nodes)
            or any(
                n.type == "transfer-to-phone-number"
                and not getattr(n.block, "resume_after_disconnect", False)
                for n in nodes
            )
        )
        if not leaves:
            out.append(comp)
    return out


def _sccs(flow: CompiledFlow) -> list[set[int]]:
    index_of: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    result: list[set[int]] = []
    counter = 0
    for root in range(len(flow.nodes)):
        if root in index_of:
            continue
        work: list[tuple[int, list[int]]] = [(root, _succ(flow, root))]
        index_of[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            v, succ = work[-1]
            if succ:
                w = succ.pop()
                if w not in index_of:
                    index_of[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, _succ(flow, w)))
                elif w in on_stack:
                    low[v] = min(low[v], index_of[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index_of[v]:
                comp: set[int] = set()
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.add(w)
                    if w == v:
                        break
                result.append(comp)
    return result


def _succ(flow: CompiledFlow, i: int) -> list[int]:
    return sorted({t for t in flow.nodes[i].targets.values() if t is not None}, reverse=True)
