"""Branch coverage of a scenario suite: which blocks and branches of each flow the runs took.

The universe is every block of every compiled flow and every *connected* branch (a branch with a
`next` in the YAML: what the author wrote down and a reviewer wants exercised).  A run covers the
blocks it visits and the (block, branch) pairs it takes.  Uncovered branches are listed with the
file and line of their `next` target, so an editor can jump to them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flowrt.core.diagnostics import Span

if TYPE_CHECKING:
    from flowrt.run.trace import Result
    from flowrt.testing.suite import ProjectRun


@dataclass(frozen=True)
class Branch:
    """One connected branch of a block: where its target is written."""

    flow: str
    block: str
    branch: str
    label: str
    target: str
    span: Span | None

    def text(self) -> str:
        where = f"{self.span}: " if self.span is not None else ""
        label = f" [{self.label}]" if self.label != self.branch else ""
        return f"{where}{self.flow}/{self.block} {self.branch}{label} -> {self.target}"


@dataclass
class FlowCoverage:
    """Coverage of one flow."""

    flow: str
    file: str
    blocks: int
    blocks_hit: int
    branches: int
    branches_hit: int
    unvisited: list[tuple[str, Span]] = field(default_factory=list)
    uncovered: list[Branch] = field(default_factory=list)


@dataclass
class Coverage:
    """Coverage of every flow of the projects tested."""

    flows: list[FlowCoverage]

    @property
    def branches(self) -> int:
        return sum(f.branches for f in self.flows)

    @property
    def branches_hit(self) -> int:
        return sum(f.branches_hit for f in self.flows)

    @property
    def blocks(self) -> int:
        return sum(f.blocks for f in self.flows)

    @property
    def blocks_hit(self) -> int:
        return sum(f.blocks_hit for f in self.flows)

    @property
    def percent(self) -> float:
        """Branch coverage in percent (100 when there are no branches)."""
        return 100.0 * self.branches_hit / self.branches if self.branches else 100.0

    def render_text(self) -> str:
        lines = ["branch coverage:"]
        width = max((len(f.flow) for f in self.flows), default=0)
        for f in self.flows:
            pct = 100.0 * f.branches_hit / f.branches if f.branches else 100.0
            lines.append(
                f"  {f.flow:<{width}}  blocks {f.blocks_hit}/{f.blocks}  "
                f"branches {f.branches_hit}/{f.branches}  {pct:5.1f}%"
            )
        missing = [b for f in self.flows for b in f.uncovered]
        unvisited = [(f.flow, name, span) for f in self.flows for name, span in f.unvisited]
        if unvisited:
            lines.append("blocks never visited:")
            lines.extend(f"  {span}: {flow}/{name}" for flow, name, span in unvisited)
        if missing:
            lines.append("branches never taken:")
            lines.extend(f"  {b.text()}" for b in missing)
        lines.append(
            f"total: blocks {self.blocks_hit}/{self.blocks}, branches "
            f"{self.branches_hit}/{self.branches} ({self.percent:.1f}%)"
        )
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        return {
            "percent": round(self.percent, 2),
            "blocks": self.blocks,
            "blocks-hit": self.blocks_hit,
            "branches": self.branches,
            "branches-hit": self.branches_hit,
            "flows": [
                {
                    "flow": f.flow,
                    "file": f.file,
                    "blocks": f.blocks,
                    "blocks-hit": f.blocks_hit,
                    "branches": f.branches,
                    "branches-hit": f.branches_hit,
                    "unvisited": [
                        {"block": name, "file": s.file, "line": s.line} for name, s in f.unvisited
                    ],
                    "uncovered": [
                        {
                            "block": b.block,
                            "branch": b.branch,
                            "label": b.label,
                            "target": b.target,
                            "file": b.span.file if b.span else None,
                            "line": b.span.line if b.span else None,
                        }
                        for b in f.uncovered
                    ],
                }
                for f in self.flows
            ],
        }


def taken(results: Iterable[Result]) -> tuple[set[tuple[str, str]], set[tuple[str, str, str]]]:
    """(flow, block) visited and (flow, block, branch) taken by the runs."""
    visited: set[tuple[str, str]] = set()
    branches: set[tuple[str, str, str]] = set()
    for result in results:
        for cflow, node, branch, _, _ in result.trace.records:
            visited.add((cflow.name, node.name))
            if branch:
                branches.add((cflow.name, node.name, branch))
    return visited, branches


def compute(projects: Sequence[ProjectRun], results: Iterable[Result]) -> Coverage:
    """Coverage of every flow of `projects` by the runs in `results`."""
    return compute_taken(projects, *taken(results))


def compute_taken(
    projects: Sequence[ProjectRun],
    visited: set[tuple[str, str]],
    hit: set[tuple[str, str, str]],
) -> Coverage:
    """Coverage of every flow of `projects` by runs that visited the blocks `visited` and took
    the branches `hit` (as `taken` gives them: a streamed suite keeps these, not the runs)."""
    flows: list[FlowCoverage] = []
    for pr in projects:
        for name, cflow in sorted(pr.program.flows.items()):
            unit = pr.project.flows.get(name)
            fc = FlowCoverage(name, cflow.file, len(cflow.nodes), 0, 0, 0)
            for node in cflow.nodes:
                if (name, node.name) in visited:
                    fc.blocks_hit += 1
                else:
                    fc.unvisited.append((node.name, node.span))
                for branch, target, path in node.block.exits():
                    if node.targets.get(branch) is None:
                        continue
                    fc.branches += 1
                    if (name, node.name, branch) in hit:
                        fc.branches_hit += 1
                        continue
                    span = unit.doc.span(("blocks", node.name, *path)) if unit else None
                    label = node.block.branch_label(branch)
                    fc.uncovered.append(Branch(name, node.name, branch, label, target, span))
            flows.append(fc)
    return Coverage(flows)
