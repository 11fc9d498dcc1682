"""`flowrt explore FLOW|DIR`: every path a flow can take, cases for every branch, properties.

Kept apart from flowrt/cli/__init__.py (which registers it); the work is in flowrt.explore.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flowrt.cli import common
from flowrt.cli.common import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE
from flowrt.core.text import printable

if TYPE_CHECKING:
    from datetime import date


def _count(value: str, lo: int, hi: int) -> int:
    """A whole number from `lo` to `hi` (the option's name is put before the message)."""
    try:
        n = int(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"a whole number from {lo} to {hi:,}, not {value[:40]!r}"
        ) from None
    if not lo <= n <= hi:
        raise argparse.ArgumentTypeError(f"must be from {lo} to {hi:,}, not {value[:40].strip()}")
    return n


def loops(value: str) -> int:
    """`--loops K`: how many times in all a path may go round a loop, 0-20."""
    return _count(value, 0, 20)


def prompts(value: str) -> int:
    """`--max-prompts N`: 0-1,000."""
    return _count(value, 0, 1000)


def runs(value: str) -> int:
    """`--max-runs N`: 1-10,000,000."""
    return _count(value, 1, 10_000_000)


#: The years `--from` accepts: the sweep looks up to 400 days ahead for the next daylight
#: saving change, and Python's dates end with the year 9999.
FIRST_YEAR, LAST_YEAR = 1900, 9997


def day(value: str) -> date:
    """`--from YYYY-MM-DD`: a date of the calendar, of a year from FIRST_YEAR to LAST_YEAR."""
    from datetime import date  # not at import: every command's options are built for any command

    try:
        found = date.fromisoformat(value.strip())
    except ValueError:
        found = None
    if found is None or not FIRST_YEAR <= found.year <= LAST_YEAR:
        raise argparse.ArgumentTypeError(
            f"a date YYYY-MM-DD of the calendar from {FIRST_YEAR}-01-01 to {LAST_YEAR}-12-31, "
            f"not {value[:40]!r}"
        )
    return found


def add_explore(sub: Any) -> None:
    """Register `flowrt explore` on the CLI's subparsers."""
    p = sub.add_parser(
        "explore",
        help="every path a flow can take: counts, unreachable branches, cases, properties",
        description="Explore FLOW (a flow name or *.flow.yaml file) or every flow of DIR: each "
        "answer the world gives (queue capacity and agents, hours, Lambda results, input, "
        "transfers, failures) is a choice point.  Prints the number of paths over the graph, "
        "the paths explored, the branches no world reaches and the properties that do not "
        "hold, each with the shortest case that shows it.  --write-cases FILE writes a "
        "scenario whose cases take every reachable branch (then run `flowrt test --update`).",
    )
    p.add_argument(
        "target",
        nargs="?",
        default=".",
        metavar="FLOW|DIR",
        help="flow name, *.flow.yaml file or directory (default: the project the working "
        "directory is in, as `flowrt run`)",
    )
    p.add_argument(
        "--loops",
        type=loops,
        default=2,
        metavar="K",
        help="go round loops at most K times in all on a path (default 2)",
    )
    p.add_argument("--paths", action="store_true", help="print the paths explored")
    p.add_argument(
        "--write-cases",
        metavar="FILE",
        help="add to FILE (a *.scenario.yaml) cases for every reachable branch it misses",
    )
    p.add_argument(
        "--max-prompts",
        type=prompts,
        metavar="N",
        help="report paths that play more than N prompts before a queue",
    )
    p.add_argument(
        "--properties",
        metavar="FILE",
        help="your properties (default: explore.properties.yaml at the project's root)",
    )
    p.add_argument(
        "--hours-sweep",
        action="store_true",
        help="list the route at every hours boundary (open, close and the minute before) of the "
        "week, around the next DST change and on the hours' overrides, and where it changes",
    )
    p.add_argument(
        "--from",
        dest="sweep_from",
        type=day,
        metavar="YYYY-MM-DD",
        help="the date the hours sweep starts from (default today); implies --hours-sweep",
    )
    p.add_argument("--format", choices=("text", "json", "sarif"), default="text")
    p.add_argument("--max-runs", type=runs, default=200_000, metavar="N", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_explore)


class _Usage(Exception):
    pass


def cmd_explore(args: argparse.Namespace) -> int:
    try:
        return _explore(args)
    except _Usage as exc:
        print(f"flowrt explore: {printable(str(exc))}", file=sys.stderr)
        return EXIT_USAGE


def _explore(args: argparse.Namespace) -> int:
    from flowrt.core.diagnostics import render_text, suggestion
    from flowrt.explore.explorer import Options, explore, roots
    from flowrt.explore.properties import PROPERTIES_FILE, load_properties
    from flowrt.project.driver import load_project

    target = Path(args.target)
    looks = target.exists() or args.target.endswith(".yaml") or "/" in args.target
    if looks and not target.exists():
        raise _Usage(f"no such file or directory: {args.target}")
    if args.write_cases and not args.write_cases.endswith(".scenario.yaml"):
        raise _Usage(f"--write-cases {args.write_cases}: the file must end in .scenario.yaml")
    project = load_project(target if looks else Path("."))
    program = project.compile(strict=False)
    color = common.use_color(sys.stderr, getattr(args, "color", "auto"))
    errors = [d for d in program.diagnostics if d.is_error]
    # A flow whose file has errors is not explored (its errors are shown); the others are.
    broken = {Path(d.span.file).resolve() for d in errors if d.span is not None}
    if errors and any(d.span is None for d in errors):
        broken = {Path(u.doc.file).resolve() for u in project.flows.values()}
    flow = None
    if looks and target.is_file():
        flow = next(
            (n for n, u in project.flows.items() if Path(u.doc.file).resolve() == target.resolve()),
            None,
        )
        if flow is None:
            raise _Usage(f"{args.target}: not a flow of the project")
    elif not looks:
        if args.target not in program.flows:
            raise _Usage(
                f"unknown flow `{args.target}`{suggestion(args.target, program.flows)}; flows: "
                f"{', '.join(sorted(program.flows)) or '(none)'}"
            )
        flow = args.target
    props_path = Path(args.properties) if args.properties else project.root / PROPERTIES_FILE
    props: list[Any] = []
    if args.properties or props_path.exists():
        if not props_path.exists():
            raise _Usage(f"--properties: no such file: {args.properties}")
        props, problems = load_properties(props_path)
        if problems:
            print(render_text(problems, color=color), file=sys.stderr)
            return EXIT_FINDINGS
    options = Options(
        loops=args.loops,
        max_runs=args.max_runs,
        keep_paths=args.paths,
        max_prompts=args.max_prompts,
        properties=props,
    )
    chosen = [
        n
        for n in roots(program, flow)
        if n in project.flows and Path(project.flows[n].doc.file).resolve() not in broken
    ]
    if errors:
        print(render_text(errors, color=color), file=sys.stderr)
        if not chosen:
            return EXIT_FINDINGS
        print(
            f"flowrt explore: {len(program.flows) - len(chosen)} flow(s) with errors not explored",
            file=sys.stderr,
        )
    report = explore(program, chosen, options, project)
    if args.hours_sweep or args.sweep_from is not None:
        # The reference date makes the sweep deterministic; by default it is today.
        from datetime import date

        from flowrt.explore.sweep import sweep

        report.sweep = sweep(program, chosen, args.sweep_from or date.today())
    written: list[str] = []
    skipped: list[Any] = []
    if args.write_cases:
        written, skipped = _write(args.write_cases, report, program, project)
    out = _render(args.format, report, written, skipped, args.write_cases)
    sys.stdout.write(out)
    return EXIT_FINDINGS if report.diagnostics or errors else EXIT_OK


def _write(file: str, report: Any, program: Any, project: Any) -> tuple[list[str], list[Any]]:
    from flowrt.core.files import write_atomic
    from flowrt.core.reading import read_bytes
    from flowrt.explore.cases import existing_steps, new_cases, render_file

    path = Path(file)
    taken: set[Any] = set()
    names: set[str] = set()
    old_text = None
    if path.exists():
        sf = next(
            (s for d, s in project.scenarios if Path(d.file).resolve() == path.resolve()), None
        )
        if sf is None:
            raise _Usage(
                f"--write-cases {file}: the file is not a valid scenario of the project "
                "(run `flowrt validate` to see why, or give a new file)"
            )
        taken, names = existing_steps(program, sf)
        old_text = read_bytes(path, 8 * 1024 * 1024).decode("utf-8")
    cases, skipped = new_cases(report, program, taken, names)
    if cases or old_text is None:
        write_atomic(path, render_file(old_text, cases).encode("utf-8"), overwrite=True)
    return list(cases), skipped


def _render(fmt: str, report: Any, written: list[str], skipped: list[Any], file: str | None) -> str:
    from flowrt.explore.render import as_json, as_text

    if fmt == "sarif":
        from flowrt.reports.formats import render_sarif

        return render_sarif(report.diagnostics)
    if fmt == "json":
        return common.json_document("explore", as_json(report, written, skipped, file)) + "\n"
    return as_text(report, written, skipped, file)


__all__ = ["add_explore", "cmd_explore"]
