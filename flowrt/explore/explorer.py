"""Explore a project: paths counted, branches reached, branches no world reaches, properties.

`explore(program, flows, options)` is the one entry point: it builds the structural graph and
the derived answers once, counts each flow's paths over the graph, walks its paths (merging
equal states, so every reachable branch, end and loop is found in bounded time), keeps the
shortest path to each branch (what `flowrt.explore.cases` writes cases from) and the shortest
counterexample of each property (`flowrt.explore.properties`), and lists the connected branches
no explored world takes, with where they are written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flowrt.core.diagnostics import Diagnostic
from flowrt.explore.derive import derive
from flowrt.explore.graph import Graph, ahead, build, count
from flowrt.explore.walk import Path, Space, explore_flow

if TYPE_CHECKING:
    from flowrt.core.diagnostics import Span
    from flowrt.explore.properties import Property
    from flowrt.lang.compiler import Program

Branch = tuple[str, str, str]
#: Runs a flow's walk may make before it stops and says the exploration is incomplete.
DEFAULT_MAX_RUNS = 200_000
#: Paths kept to print (`--paths`), at most.
MAX_SHOWN_PATHS = 10_000


@dataclass
class Options:
    """How to explore: loop bound, run budget, what to keep, the properties to check."""

    loops: int = 2
    max_runs: int = DEFAULT_MAX_RUNS
    keep_paths: bool = False
    max_prompts: int | None = None
    properties: list[Property] = field(default_factory=list)


@dataclass
class FlowResult:
    """One explored flow."""

    flow: str
    type: str
    file: str
    structural: int
    explored: int = 0
    runs: int = 0
    complete: bool = True
    ends: dict[str, int] = field(default_factory=dict)
    paths: list[Path] = field(default_factory=list)


@dataclass
class Unreachable:
    """A connected branch no explored world takes."""

    flow: str
    block: str
    branch: str
    target: str
    span: Span | None
    structural: bool


@dataclass
class Report:
    """What `explore` found."""

    loops: int
    flows: list[FlowResult]
    #: Every connected branch of the flows explored (and of the flows they reach).
    branches: list[Branch]
    #: The shortest path found to each branch reached.
    best: dict[Branch, Path]
    unreachable: list[Unreachable]
    unmodelled: list[tuple[str, str, str, str]]
    diagnostics: list[Diagnostic] = field(default_factory=list)
    #: Shortest counterexample per (property code, subject).
    violations: dict[tuple[str, str], tuple[Diagnostic, Path]] = field(default_factory=dict)
    #: Blocks some path visits and then ends (leaves every loop), and the loops paths were cut
    #: in (the block run again: its shortest cut path).
    left: set[str] = field(default_factory=set)
    cut_heads: dict[str, Path] = field(default_factory=dict)
    #: The hours sweep (`--hours-sweep`, `--from`): flowrt.explore.sweep.Sweep, or None.
    sweep: Any = None

    @property
    def complete(self) -> bool:
        return all(f.complete for f in self.flows)

    @property
    def reachable(self) -> list[Branch]:
        return [b for b in self.branches if b in self.best]


def roots(program: Program, flow: str | None) -> list[str]:
    """The flows to explore: the one named, else every flow of the project (by name)."""
    if flow is not None:
        return [flow]
    return sorted(program.flows)


def explore(program: Program, flows: list[str], options: Options, project: Any = None) -> Report:
    """Explore `flows` of `program` (see the module)."""
    from flowrt.explore.properties import check_path, finish

    g = build(program)
    space = Space(
        program,
        derive(program),
        g,
        loops=options.loops,
        ahead=ahead(g, program),
        track_prompts=options.max_prompts is not None,
    )
    best: dict[Branch, Path] = {}
    results: list[FlowResult] = []
    violations: dict[tuple[str, str], tuple[Diagnostic, Path]] = {}
    reached_flows: set[str] = set()
    left: set[str] = set()
    cut_heads: dict[str, Path] = {}
    for name in flows:
        cflow = program.flows[name]
        fr = FlowResult(name, cflow.type, cflow.file, count(g, g.starts[name], options.loops))

        def on_path(path: Path, fr: FlowResult = fr) -> None:
            fr.explored += 1
            fr.ends[path.end] = fr.ends.get(path.end, 0) + 1
            if options.keep_paths and len(fr.paths) < MAX_SHOWN_PATHS:
                fr.paths.append(path)
            for step in path.steps:
                reached_flows.add(step[0])
                old = best.get(step)
                if old is None or _shorter(path, old):
                    best[step] = path
            check_path(path, options, program, violations)
            if path.end == "loop-bound" and path.head is not None:
                old_cut = cut_heads.get(path.head)
                if old_cut is None or len(path.steps) < len(old_cut.steps):
                    cut_heads[path.head] = path
            elif not path.forced:
                left.update(f"{s[0]}/{s[1]}" for s in path.steps)

        fr.runs, fr.complete = explore_flow(space, name, options.max_runs, on_path, merge=True)
        results.append(fr)
    shown = sorted(set(flows) | reached_flows)
    branches, unreachable = _unreachable(program, shown, best, g, project)
    report = Report(
        options.loops,
        results,
        branches,
        best,
        unreachable,
        sorted(space.unmodelled),
        violations=violations,
        left=left,
        cut_heads=cut_heads,
    )
    report.diagnostics = finish(report, program, project)
    return report


def _shorter(a: Path, b: Path) -> bool:
    """Whether `a` is a better witness than `b`: not forced, then one that ends (not cut by the
    loop bound), then fewer steps, then fewer answers."""
    return _rank(a) < _rank(b)


def _rank(p: Path) -> tuple[bool, bool, int, int]:
    return (bool(p.forced), p.end in ("loop-bound", "step-limit"), len(p.steps), len(p.answers))


def _unreachable(
    program: Program, flows: list[str], best: dict[Branch, Path], g: Graph, project: Any
) -> tuple[list[Branch], list[Unreachable]]:
    """Every connected branch of `flows` (in file order), and those no explored path takes."""
    branches: list[Branch] = []
    out: list[Unreachable] = []
    for name in flows:
        cflow = program.flows[name]
        unit = project.flows.get(name) if project is not None else None
        for node in cflow.nodes:
            for branch, target, path in node.block.exits():
                if node.targets.get(branch) is None:
                    continue
                key = (name, node.name, branch)
                branches.append(key)
                if key in best:
                    continue
                span = unit.doc.span(("blocks", node.name, *path)) if unit is not None else None
                structural = g.ids[(name, node.name)] not in g.reached
                out.append(Unreachable(name, node.name, branch, target, span, structural))
    return branches, out
