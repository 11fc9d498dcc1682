"""What a picture paints over a flow's graph: a run's path, coverage, a replay's changed routes.

An `Overlay` is data only; `flowrt.reports.graph` draws it (DOT and Mermaid alike).  `path_overlay`
and `coverage_overlay` come from trace steps; a replay's change overlay is built where the
replay's report is drawn (`flowrt.reports.replay_html`), over the union of a flow's two versions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from flowrt.reports.graph import FlowGraph

#: An edge of a picture by its ends: (source node id, branch or None, target node id).  Two
#: versions of a flow may send one branch to different blocks, so a change overlay needs the
#: target; a (block, branch) key says which branch, not where it went.
EdgeIdent = tuple[str, str | None, str]


@dataclass
class Overlay:
    """What to paint over a graph.

    `mode` "path": `edges` maps (block, branch) to the step numbers that left by it, `blocks` maps
    a block to its step numbers.  `mode` "coverage": both map to how many times they were taken
    over every run; `runs` is the number of runs.  `mode` "change" (a replay's impact, drawn on
    the union of a flow's two versions): `changes` maps an edge (`GraphEdge.ident`) to how many
    contacts took it (before, after), `blocks` a block to [before, after], `runs` is the number
    of contacts whose route moved, `removed` and `added` the node ids and edges of one version
    only.
    """

    mode: Literal["path", "coverage", "change"]
    edges: dict[tuple[str, str | None], list[int]] = field(default_factory=dict)
    blocks: dict[str, list[int]] = field(default_factory=dict)
    runs: int = 0
    changes: dict[EdgeIdent, tuple[int, int]] = field(default_factory=dict)
    removed: set[str | EdgeIdent] = field(default_factory=set)
    added: set[str | EdgeIdent] = field(default_factory=set)

    def taken(self, key: tuple[str, str | None] | None) -> list[int]:
        return self.edges.get(key, []) if key is not None else []


def path_overlay(flow: str, steps: Iterable[Mapping[str, Any]]) -> Overlay:
    """The path one run took through `flow`, from its trace steps (`Trace.steps()`).

    Each step of this flow marks its block and the edge it left by: its branch, or, for a
    transfer-to-flow that handed the contact on (no branch), the transfer edge.
    """
    out = Overlay("path")
    for step in steps:
        if step["flow"] != flow:
            continue
        number = int(step["step"])
        block = str(step["block"])
        out.blocks.setdefault(block, []).append(number)
        branch = step.get("branch")
        if branch:
            out.edges.setdefault((block, str(branch)), []).append(number)
        elif step.get("type") == "transfer-to-flow":
            out.edges.setdefault((block, None), []).append(number)
    out.runs = 1
    return out


def coverage_overlay(flow: str, runs: Iterable[Sequence[Mapping[str, Any]]]) -> Overlay:
    """How often each block and branch of `flow` was exercised over several runs' steps."""
    out = Overlay("coverage")
    for steps in runs:
        one = path_overlay(flow, steps)
        for key, numbers in one.edges.items():
            out.edges.setdefault(key, []).extend([1] * len(numbers))
        for block, numbers in one.blocks.items():
            out.blocks.setdefault(block, []).extend([1] * len(numbers))
        out.runs += 1
    return out


def coverage_counts(graph: FlowGraph, overlay: Overlay) -> tuple[int, int]:
    """(branches exercised, branches in all) under a coverage overlay.  As in `flowrt test
    --coverage`, the branches counted are the connected ones (those with a `next`)."""
    branches = [e for e in graph.edges if e.kind == "branch"]
    return sum(bool(overlay.taken(e.key)) for e in branches), len(branches)
