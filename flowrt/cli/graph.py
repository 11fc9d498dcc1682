"""`flowrt graph`: draw a flow, optionally with a run's path or the coverage of scenario cases.

Kept apart from flowrt/cli/__init__.py (which registers it) so the command line stays one small module;
heavy imports happen inside `cmd_graph`.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from flowrt.cli import common
from flowrt.cli.common import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE
from flowrt.core.text import printable


def add_graph(sub: Any) -> None:
    """Register `flowrt graph` on the CLI's subparsers."""
    p = sub.add_parser(
        "graph",
        help="draw a flow's block graph (Mermaid, DOT, SVG, PNG), with a run's path or coverage",
        description="Draw FLOW (a flow name or a *.flow.yaml file): every block with its name and "
        "type, every branch as a labelled edge, the start marked, terminal blocks distinct and "
        "transfers to other flows as links.  Mermaid (the default) renders on GitHub and in "
        "Markdown; DOT always; SVG and PNG need Graphviz's `dot`.  --scenario FILE [--case NAME] "
        "highlights the path a run took; --coverage colours the branches the scenario cases "
        "exercise (all the project's scenarios without --scenario) and those they never do.",
    )
    p.add_argument("flow", metavar="FLOW", help="flow name or *.flow.yaml file")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: stdout)")
    p.add_argument(
        "--format",
        choices=("mermaid", "dot", "svg", "png"),
        default=None,
        help="output format (default: from the -o suffix, else mermaid)",
    )
    p.add_argument("--scenario", metavar="FILE", help="scenario whose run to highlight")
    p.add_argument("--case", metavar="NAME", help="the case of the scenario to highlight")
    p.add_argument(
        "--coverage",
        action="store_true",
        help="colour exercised and never-exercised branches over the scenario cases",
    )
    p.add_argument(
        "--max-steps", type=common.steps, default=1000, metavar="N", help=argparse.SUPPRESS
    )
    p.set_defaults(func=cmd_graph)


def _format(args: argparse.Namespace) -> str:
    from flowrt.reports.graph import SUFFIXES

    if args.format:
        return str(args.format)
    if args.output:
        return SUFFIXES.get(Path(args.output).suffix.lower(), "mermaid")
    return "mermaid"


class _Usage(Exception):
    pass


class _Unloaded(Exception):
    """The flow named on the command line is a flow file that did not load."""


def cmd_graph(args: argparse.Namespace) -> int:
    from flowrt.reports.graph import dot_available

    fmt = _format(args)
    if fmt in ("svg", "png") and not dot_available():
        from flowrt.reports.graph import INSTALL_HINT

        print(f"flowrt graph: {INSTALL_HINT}", file=sys.stderr)
        return EXIT_USAGE
    if args.output:
        from flowrt.core.files import report_target_problem

        problem = report_target_problem(Path(args.output))
        if problem:
            print(f"flowrt graph: {printable(str(problem))}", file=sys.stderr)
            return EXIT_USAGE
    if args.case and not args.scenario:
        print("flowrt graph: --case needs --scenario", file=sys.stderr)
        return EXIT_USAGE
    from flowrt.cli.run import looks_like_path

    paths = [args.flow] if looks_like_path(args.flow) else []
    problem = common.missing_path("graph", paths + ([args.scenario] if args.scenario else []))
    if problem:
        print(problem, file=sys.stderr)
        return EXIT_USAGE
    if fmt == "png" and not args.output and sys.stdout.isatty():
        print("flowrt graph: PNG is binary; write it with -o FILE", file=sys.stderr)
        return EXIT_USAGE
    from flowrt.reports.graph import GraphError

    try:
        return _graph(args, fmt)
    except _Usage as exc:  # may name flows and cases: no control characters
        print(f"flowrt graph: {printable(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except GraphError as exc:  # Graphviz refused, failed or timed out: one line, exit 1
        print(f"flowrt graph: {printable(str(exc))}", file=sys.stderr)
        return EXIT_FINDINGS


def _graph(args: argparse.Namespace, fmt: str) -> int:
    from flowrt.core.diagnostics import has_errors, render_text
    from flowrt.project.driver import load_project
    from flowrt.reports.graph import build, emit

    target = Path(args.flow)
    start = target if target.exists() else Path(args.scenario or ".")
    project = load_project(start)
    program = project.compile(strict=False)
    try:
        name = _flow_name(project, args.flow)
    except _Unloaded:  # a finding, not a usage error: show why, as for any other broken flow
        name, own = "", target.resolve()
    else:
        own = Path(project.flows[name].doc.file).resolve()
    # Only the flow's own errors stop the picture: a broken neighbour does not change it.
    errors = [
        d
        for d in program.diagnostics
        if d.is_error and (d.span is None or Path(d.span.file).resolve() == own)
    ]
    if not name and not has_errors(errors):
        raise _Usage(f"{args.flow}: the flow file did not load")
    if has_errors(errors) or name not in program.flows:
        color = common.use_color(sys.stderr, getattr(args, "color", "auto"))
        print(render_text(errors, color=color), file=sys.stderr)
        return EXIT_FINDINGS
    base = Path(args.output).resolve().parent if args.output else Path.cwd()

    def link(flow: str) -> str | None:
        unit = project.flows.get(flow)
        if unit is None:
            return None
        return Path(os.path.relpath(Path(unit.doc.file).resolve(), base)).as_posix()

    graph = build(program.flows[name], link)
    overlay, code = _overlay(args, name)
    data = emit(graph, fmt, overlay)
    if fmt == "mermaid" and args.output and args.output.endswith(".md"):
        data = b"```mermaid\n" + data + b"```\n"
    if args.output:
        from flowrt.core.files import write_atomic

        write_atomic(Path(args.output), data, overwrite=True)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return code


def _flow_name(project: Any, flow: str) -> str:
    from flowrt.core.diagnostics import suggestion
    from flowrt.core.files import kind_of

    p = Path(flow)
    if p.is_file() and kind_of(p) == "flow":
        for name, unit in project.flows.items():
            if Path(unit.doc.file).resolve() == p.resolve():
                return str(name)
        raise _Unloaded(flow)
    if flow not in project.flows:
        raise _Usage(
            f"unknown flow `{flow}`{suggestion(flow, project.flows)}; flows: "
            f"{', '.join(sorted(project.flows)) or '(none)'}"
        )
    return flow


def _overlay(args: argparse.Namespace, name: str) -> tuple[Any, int]:
    """The overlay the options ask for, and the exit code its runs give (1 on diagnostics).

    Cases run as their scenario defines them (their own flow); the overlay keeps the steps taken
    in `name`, so a case that reaches this flow through a transfer is drawn too.
    """
    from flowrt.core.diagnostics import render_text
    from flowrt.reports.graph import coverage_overlay, path_overlay

    if not args.scenario and not args.coverage:
        return None, EXIT_OK
    report = _runs(args)
    if any(d.is_error for d in report.diagnostics):
        color = common.use_color(sys.stderr, getattr(args, "color", "auto"))
        errors = [d for d in report.diagnostics if d.is_error]
        print(render_text(errors, color=color), file=sys.stderr)
        return None, EXIT_FINDINGS
    results = report.results
    if args.case:
        results = [r for r in results if r.case == args.case]
        if not results:
            from flowrt.core.diagnostics import suggestion

            known = [r.case for r in report.results]
            raise _Usage(
                f"the scenario has no case `{args.case}`{suggestion(args.case, known)}; its "
                f"cases: {', '.join(known) or '(none)'}"
            )
    runs = [r.result.trace.steps() for r in results]
    if args.coverage:
        return coverage_overlay(name, runs), EXIT_OK
    if len(runs) != 1:
        cases = ", ".join(r.case for r in results) or "(none)"
        raise _Usage(
            f"the scenario has {len(runs)} cases: choose one with --case NAME, or use "
            f"--coverage for all of them; its cases: {cases}"
        )
    if not any(step["flow"] == name for step in runs[0]):
        print(
            f"flowrt graph: case `{printable(str(results[0].case))}` never runs flow `{printable(str(name))}`",
            file=sys.stderr,
        )
    return path_overlay(name, runs[0]), EXIT_OK


def _runs(args: argparse.Namespace) -> Any:
    """The project's case runs: every scenario, or only the --scenario file's cases."""
    from flowrt.cli.run import UsageError, run_flow, run_project

    root = _root_of(args.flow)
    try:
        report = run_project(str(root), args.max_steps)
        if not args.scenario:
            return report
        scenario = Path(args.scenario).resolve()
        if not scenario.is_file():
            raise _Usage(f"no such scenario file: {args.scenario}")
        try:
            rel = scenario.relative_to(root.resolve()).as_posix()
        except ValueError:
            rel = None
        mine = [r for r in report.results if r.file == rel]
        if mine or any(d.is_error for d in report.diagnostics):
            report.results = mine
            return report
        # A scenario outside the project: run it against FLOW, as `flowrt run` does.
        return run_flow(args.flow, args.scenario, None, {}, {}, args.max_steps)
    except UsageError as exc:
        raise _Usage(str(exc)) from exc


def _root_of(flow: str) -> Path:
    from flowrt.project.driver import find_root

    p = Path(flow)
    return find_root(p if p.exists() else Path("."))
