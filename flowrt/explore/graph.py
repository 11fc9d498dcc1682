"""The structural graph of a program: every branch of every block as an edge, loops, counts.

Nodes are the blocks of every compiled flow; each block has one edge per branch it can take as
configured (`Block.all_branches()`, plus any branch it connects): to the block it leads to, or to
the end of the path when it is not connected.  A block with no branch ends the path.  A block
with a static `flow:` (a transfer to another flow of the project) also has an edge to that
flow's start.  A depth-first search from the flows' starts (in name order) classifies the edges
that close a loop (back edges); taking back edges at most K times in all is what `--loops K`
means, both here and for explored paths.  `count` counts the paths over the graph with those
rules, layer by layer (how many loops are left), without enumerating them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flowrt.lang.compiler import Node, Program

#: The edge of a step that ends its flow and goes on in another (a transfer to a flow).
TRANSFER = ""


@dataclass
class Graph:
    """Blocks as integers; `edges[n]` is [(branch, target or None)] in the block's order."""

    keys: list[tuple[str, str]] = field(default_factory=list)
    ids: dict[tuple[str, str], int] = field(default_factory=dict)
    edges: list[list[tuple[str, int | None]]] = field(default_factory=list)
    starts: dict[str, int] = field(default_factory=dict)
    back: set[tuple[int, str]] = field(default_factory=set)
    #: Blocks in an order where every edge but a back edge goes to a block listed earlier.
    order: list[int] = field(default_factory=list)
    reached: set[int] = field(default_factory=set)


def branches_of(node: Node) -> list[str]:
    """The branches a block can take as configured, then any other it connects."""
    out = list(dict.fromkeys([*node.block.all_branches(), *node.targets]))
    return out


def build(program: Program) -> Graph:
    """The graph of every flow of `program`, its back edges and a topological order."""
    g = Graph()
    flows = sorted(program.flows.items())
    for name, cflow in flows:
        for node in cflow.nodes:
            g.ids[(name, node.name)] = len(g.keys)
            g.keys.append((name, node.name))
        g.starts[name] = g.ids[(name, cflow.nodes[cflow.start].name)]
    for name, cflow in flows:
        for node in cflow.nodes:
            edges: list[tuple[str, int | None]] = []
            for branch in branches_of(node):
                target = node.targets.get(branch)
                edges.append(
                    (branch, None if target is None else g.ids[(name, cflow.nodes[target].name)])
                )
            flow = getattr(node.block, "flow", None)
            if isinstance(flow, str) and flow in program.flows:
                edges.append((TRANSFER, g.starts[flow]))
            g.edges.append(edges)
    _classify(g, [g.starts[name] for name, _ in flows])
    return g


def _classify(g: Graph, roots: list[int]) -> None:
    """Back edges and a postorder, by an iterative depth-first search (no recursion limit)."""
    state = [0] * len(g.keys)  # 0 new, 1 on the stack, 2 done
    for root in roots:
        if state[root]:
            continue
        state[root] = 1
        stack: list[tuple[int, int]] = [(root, 0)]
        while stack:
            n, i = stack[-1]
            edges = g.edges[n]
            if i < len(edges):
                stack[-1] = (n, i + 1)
                branch, t = edges[i]
                if t is None:
                    continue
                if state[t] == 1:
                    g.back.add((n, branch))
                elif state[t] == 0:
                    state[t] = 1
                    stack.append((t, 0))
                continue
            stack.pop()
            state[n] = 2
            g.order.append(n)
    g.reached = {n for n, s in enumerate(state) if s}


#: Above this many blocks, which blocks are still ahead is not worked out (quadratic).
MAX_AHEAD = 2000


def reads(node: Node) -> set[tuple[str, ...]]:
    """The reference paths a block's prepared parameters read (references, templates,
    conditions, value plans), found by their shape whatever the block type."""
    out: set[tuple[str, ...]] = set()
    todo: list[Any] = list(node.prepared.values())
    while todo:
        value = todo.pop()
        path = getattr(value, "path", None)
        if isinstance(path, tuple):
            out.add(path)
        refs = getattr(value, "refs", None)
        if isinstance(refs, tuple | list):
            todo.extend(refs)
        if isinstance(value, tuple | list):
            todo.extend(value)
        elif isinstance(value, str) and value.startswith("$."):
            out.add(tuple(value[2:].split(".")))
    return out


#: The facets of the run's state a block type's step may read beyond its references (which
#: `reads` finds): the key of each is what `flowrt.explore.state` keeps in a run's state while a
#: block of that type is ahead.
#:
#: - `lambda`: a Lambda's result and its call counters; `dial`: the transfers' call counters;
#: - `hours`: the clock; `queues`: the queues' states and metrics, the contact's wait;
#: - `services`: Lex, views, loops, modules and customer profiles (their counters and values);
#: - `email`: the email contact's recipients;
#: - `call-status`, `voice-id`, `draw`, `wait`: the world's block answers (flowrt.explore.answers):
#:   the outbound call's progress, Voice ID's results, the percentage draw, how waits end;
#: - `channel`: the contact's channel (chosen before the run starts, so always in the state);
#: - `endpoint`: the customer's address, read by the step itself rather than by a reference;
#: - `callback`: the numbers the world's `external:` says cannot be dialled;
#: - `related`: the related contact (`$.RelatedContactId`) and the attributes set on it;
#: - `flows`: another flow of the project, named when the step runs (a reference): its blocks
#:   are not ahead in the graph, so nothing may be left out (`Ahead.open`), unless the flow is
#:   named in the block and is an edge of the graph.
FACET_NAMES = frozenset(
    {
        "lambda",
        "dial",
        "hours",
        "queues",
        "services",
        "email",
        "call-status",
        "voice-id",
        "draw",
        "wait",
        "channel",
        "endpoint",
        "callback",
        "related",
        "flows",
    }
)

#: What each block type's run step may read of the run's state, by facet (above).  Every type
#: of `flowrt.lang.blocks.BLOCKS` has an entry (a test checks it); a type without one would be
#: taken to read anything, so nothing would be left out of the state before it (`Ahead.open`).
#: Attributes, `$.External` values, inputs (by block) and failures (by block) are tracked apart.
FACETS: dict[str, frozenset[str]] = {
    # Steps that read nothing but their references (and the run's own state, always kept).
    **dict.fromkeys(
        (
            "play-prompt",
            "send-message",
            "disconnect",
            "end-flow",
            "check-contact-attributes",
            "set-flow-attributes",
            "set-working-queue",
            "set-voice",
            "set-logging-behavior",
            "set-recording-behavior",
            "set-event-hook",
            "tag-contact",
            "set-contact-data",
            "set-routing-behavior",
            "set-routing-criteria",
            "complete-outbound-call",
            # A pass-through action follows its first connected transition.
            "connect-action",
        ),
        frozenset(),
    ),
    # Voice only: another channel takes `error` (Store customer input too).
    **dict.fromkeys(
        (
            "set-media-streaming",
            "set-previous-participant-state",
            "start-voice-id-stream",
            "get-customer-input",
        ),
        frozenset({"channel"}),
    ),
    # The attributes a step sets may be the related contact's (`target-contact: related`).
    "set-contact-attributes": frozenset({"related"}),
    # The number it reads is not dialable when the world's `external:` says calls to it fail.
    "set-callback-number": frozenset({"callback"}),
    # The callback dials the number set before, else the customer's own address.
    "create-callback-contact": frozenset({"endpoint"}),
    "invoke-lambda": frozenset({"lambda"}),
    "transfer-to-phone-number": frozenset({"dial", "channel"}),
    "check-hours-of-operation": frozenset({"hours"}),
    **dict.fromkeys(
        (
            "transfer-to-queue",
            "check-staffing",
            "check-queue-status",
            "get-queue-metrics",
            "loop-prompts",
        ),
        frozenset({"queues"}),
    ),
    "transfer-to-agent": frozenset({"queues", "channel"}),
    # A flow of the project named by a reference may be any flow (see `ahead`).
    "transfer-to-flow": frozenset({"flows"}),
    "invoke-module": frozenset({"services", "flows"}),
    **dict.fromkeys(
        (
            "lex-bot",
            "show-view",
            "loop",
            "get-customer-profile",
            "create-customer-profile",
            "update-customer-profile",
        ),
        frozenset({"services"}),
    ),
    "outbound-email-policy": frozenset({"email"}),
    # The world's block answers (flowrt.explore.answers).
    "check-outbound-call-status": frozenset({"call-status"}),
    "distribute-by-percentage": frozenset({"draw"}),
    "check-voice-id": frozenset({"voice-id", "channel"}),
    # A wait is chat only, and a wait in a customer queue flow also waits in the queue.
    "wait": frozenset({"wait", "queues", "channel"}),
}


@dataclass(frozen=True)
class Ahead:
    """What is still ahead of a block: the block names reachable, the reference paths read
    (their first two parts), the world's facets asked, and whether a block ahead may ask
    anything or go where the graph does not know (`open`: nothing may be left out)."""

    names: frozenset[str]
    values: frozenset[tuple[str, ...]]
    facets: frozenset[str] = frozenset()
    open: bool = False


def ahead(g: Graph, program: Program) -> list[Ahead] | None:
    """Per block, what is reachable from it (itself included); an invoke-module's module is
    ahead of it."""
    if len(g.keys) > MAX_AHEAD:
        return None
    read: list[set[tuple[str, ...]]] = []
    facets: list[frozenset[str] | None] = []
    edges: list[list[int]] = []
    for n, (flow, name) in enumerate(g.keys):
        cflow = program.flows[flow]
        node = cflow.nodes[cflow.index[name]]
        paths = {p[:2] for p in reads(node)}
        read.append(paths)
        kind = FACETS.get(node.type)
        if kind is not None and any(p[0] in ("Queue", "Metrics") for p in paths):
            kind = kind | {"queues"}
        if node.type == "transfer-to-flow" and (
            isinstance(node.prepared.get(("flow",)), str)
            or any(b == TRANSFER for b, _t in g.edges[n])
        ):
            # A flow of the project (a graph edge: its blocks are ahead), or one outside it (the
            # run ends there): no other flow can follow.
            kind = frozenset()
        module = node.prepared.get(("flow",)) if node.type == "invoke-module" else None
        edges.append([t for _b, t in g.edges[n] if t is not None])
        if isinstance(module, str) and module in g.starts:
            edges[-1].append(g.starts[module])
            kind = frozenset({"services"})
        elif node.type == "invoke-module" and isinstance(node.prepared.get(("module",)), str):
            # A module named in the block that is not one of the project: it takes `error`.
            kind = frozenset({"services"})
        if kind is not None and "flows" in kind:
            kind = None  # a flow named at run time: any flow's blocks may follow
        facets.append(kind)
    out: list[Ahead] = []
    for n in range(len(g.keys)):
        seen = {n}
        todo = [n]
        while todo:
            m = todo.pop()
            for t in edges[m]:
                if t not in seen:
                    seen.add(t)
                    todo.append(t)
        names = frozenset(g.keys[m][1] for m in seen)
        kinds = [facets[m] for m in seen]
        out.append(
            Ahead(
                names,
                frozenset(p for m in seen for p in read[m]),
                frozenset(f for k in kinds if k is not None for f in k),
                any(k is None for k in kinds),
            )
        )
    return out


def count(g: Graph, root: int, loops: int) -> int:
    """Paths from `root` to an end, taking back edges at most `loops` times in all; a path
    that would take one more is cut there and counts once (as an explored path does)."""
    layers: list[list[int]] = [[0] * len(g.keys) for _ in range(loops + 1)]
    layers.append([1] * len(g.keys))  # one back edge too many: the path is cut, one path
    for c in range(loops, -1, -1):
        here, up = layers[c], layers[c + 1]
        for n in g.order:
            edges = g.edges[n]
            if not edges:
                here[n] = 1
                continue
            total = 0
            for branch, t in edges:
                if t is None:
                    total += 1
                elif (n, branch) in g.back:
                    total += up[t]
                else:
                    total += here[t]
            here[n] = total
    return layers[0][root]
