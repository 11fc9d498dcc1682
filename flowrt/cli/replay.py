"""`flowrt replay LOGS`: replay Amazon Connect flow logs through the project's flows.

Fidelity by default; `--against DIR` adds the impact of the changed flows (with `--fail-over
PCT` for CI); `--to-scenario FILE` writes chosen contacts as scenario cases.  The work is in
flowrt.replay; this module parses the options, loads the projects and prints.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import Any

from flowrt.cli.common import (
    EXIT_FINDINGS,
    EXIT_NOTHING,
    EXIT_OK,
    EXIT_USAGE,
    json_document,
    percent,
    steps,
)
from flowrt.core.text import printable


def add_replay(sub: Any) -> None:
    """Register `flowrt replay`."""
    p = sub.add_parser(
        "replay",
        help="replay Amazon Connect flow logs through the flows (fidelity, impact)",
        description="Replay the contacts of Amazon Connect flow logs through the project's "
        "flows with their recorded answers as the world, and report how many follow the "
        "recorded path; with --against, what would change for them in the changed flows.",
    )
    p.add_argument("logs", nargs="+", metavar="LOGS", help="log files, directories or globs")
    p.add_argument(
        "--project", default=".", metavar="DIR", help="the project that produced the logs"
    )
    p.add_argument(
        "--against",
        metavar="DIR|git:REV",
        help="the changed project to compare: a directory, or git:REV for the project at a git "
        "revision of its repository",
    )
    p.add_argument(
        "--base",
        metavar="REV",
        help="read the flows that produced the logs from git revision REV of the project's "
        "repository (default: the --project directory as it is)",
    )
    p.add_argument(
        "--fail-over",
        type=percent,
        default=None,
        metavar="PCT",
        help="with --against: exit 1 when more than PCT %% of the contacts change",
    )
    p.add_argument(
        "--to-scenario", metavar="FILE", help="write the chosen contacts as a scenario file"
    )
    p.add_argument(
        "--contact",
        action="append",
        metavar="ID",
        help="with --to-scenario: the ContactId of a contact to write (repeatable; default: "
        "the contacts that diverge)",
    )
    p.add_argument("--max-steps", type=steps, default=1000, metavar="N", help="step limit a run")
    p.add_argument(
        "-j",
        "--jobs",
        type=_jobs,
        default=None,
        metavar="N",
        help="processes to replay on (default: all cores); the report is the same for any N",
    )
    p.add_argument(
        "--engine",
        choices=("local", "dask"),
        default="local",
        help="local processes (default) or a Dask cluster (needs flowrt[dask] and --scheduler)",
    )
    p.add_argument(
        "--scheduler", metavar="ADDRESS", help="with --engine dask: the Dask scheduler's address"
    )
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    p.add_argument(
        "--html",
        metavar="FILE",
        help="also write the report as an HTML page (with --against: the changed routes drawn "
        "on the flows)",
    )
    p.set_defaults(func=cmd_replay)


def _jobs(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= n <= 1024:
        raise argparse.ArgumentTypeError(f"{n} is not a number of processes from 1 to 1024")
    return n


def _program(
    directory: str, revision: str | None = None, stack: Any = None
) -> tuple[Any, list[Any], str]:
    """The compiled project in `directory`, or at git `revision` of its repository (written to
    a temporary directory that `stack` removes when the command ends), its diagnostics, and the
    root it was loaded from (what the Dask engine's workers load: a revision is read from git
    once, here, and the workers read its temporary directory)."""
    import tempfile

    from flowrt.core.diagnostics import has_errors
    from flowrt.project.driver import find_root, load_project
    from flowrt.replay.revisions import checkout

    if revision is not None:
        into = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="flowrt-rev-")))
        co = checkout(Path(directory), revision, into)
        program = load_project(co.root).compile(strict=False)
        diags = co.relabel(program.diagnostics)
        return (None if has_errors(diags) else program), diags, str(co.root)
    if not Path(directory).is_dir():
        hint = " (a git revision is written git:REV)" if directory != "." else ""
        raise ValueError(f"{directory}: no such project directory{hint}")
    root = find_root(Path(directory))
    program = load_project(root).compile(strict=False)
    if has_errors(program.diagnostics):
        return None, program.diagnostics, str(root)
    return program, program.diagnostics, str(root)


def cmd_replay(args: argparse.Namespace) -> int:
    """Run `flowrt replay`."""
    if args.fail_over is not None and not args.against:
        print("flowrt replay: --fail-over needs --against DIR", file=sys.stderr)
        return EXIT_USAGE
    if args.contact and not args.to_scenario:
        print("flowrt replay: --contact needs --to-scenario FILE", file=sys.stderr)
        return EXIT_USAGE
    if args.engine == "dask" and not args.scheduler:
        print("flowrt replay: --engine dask needs --scheduler ADDRESS", file=sys.stderr)
        return EXIT_USAGE
    if args.scheduler and args.engine != "dask":
        print("flowrt replay: --scheduler needs --engine dask", file=sys.stderr)
        return EXIT_USAGE
    if args.html:
        from flowrt.core.files import report_target_problem

        problem = report_target_problem(Path(args.html))
        if problem:
            print(f"flowrt replay: {printable(str(problem))}", file=sys.stderr)
            return EXIT_USAGE
    with contextlib.ExitStack() as stack:
        return _replay(args, stack)


def _replay(args: argparse.Namespace, stack: contextlib.ExitStack) -> int:
    from flowrt.core.diagnostics import render_text
    from flowrt.core.files import write_atomic
    from flowrt.replay.engine import default_jobs, run_replay
    from flowrt.replay.report import as_json
    from flowrt.replay.report import render_text as render_report
    from flowrt.replay.revisions import RevisionError, is_revision
    from flowrt.replay.scenario_out import scenario_text

    try:
        program, diags, root = _program(args.project, args.base, stack)
        against, against_root = None, None
        if args.against:
            rev = args.against if is_revision(args.against) else None
            against, more, against_root = _program(
                args.project if rev else args.against, rev, stack
            )
            diags = [*diags, *more]
    except (ValueError, OSError, RevisionError) as exc:
        print(f"flowrt replay: {printable(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    if program is None or (args.against and against is None):
        print(render_text([d for d in diags if d.is_error]))
        return EXIT_FINDINGS
    select = set(args.contact) if args.contact else None
    keep_diverging = select is None and bool(args.to_scenario)
    if args.engine == "dask":
        from flowrt.replay.dask_engine import EngineError, run_dask

        try:
            report = run_dask(
                list(args.logs),
                args.scheduler,
                root,
                against_root,
                select=select,
                keep_diverging=keep_diverging,
                max_steps=args.max_steps,
            )
        except EngineError as exc:
            print(f"flowrt replay: {exc}", file=sys.stderr)
            return EXIT_USAGE
    else:
        report = run_replay(
            list(args.logs),
            program,
            against,
            jobs=args.jobs or default_jobs(),
            select=select,
            keep_diverging=keep_diverging,
            max_steps=args.max_steps,
        )
    diverging = report.diverging
    unread = [p for p in report.stats.problems if p.code == "FR602"]
    if unread and not report.stats.files:
        for p in unread:
            print(f"flowrt replay: {printable(p.file)}: {p.message}", file=sys.stderr)
        return EXIT_USAGE
    if args.to_scenario:
        chosen = report.selected if select is not None else diverging
        missing = sorted(select - {r.contact_id for r in chosen}) if select else []
        if missing:
            print(
                "flowrt replay: no replayable contact with id " + ", ".join(missing),
                file=sys.stderr,
            )
            return EXIT_USAGE
        name = Path(args.to_scenario).name.removesuffix(".scenario.yaml")
        write_atomic(
            Path(args.to_scenario),
            scenario_text(name, [r for r in chosen if r.flow]).encode(),
            overwrite=True,
        )
    if args.format == "json":
        print(json_document("replay", as_json(report)))
    else:
        shown = report.diagnostics()
        if shown:
            print(render_text(shown))
        print(render_report(report))
        if args.to_scenario:
            n = len(report.selected if select is not None else diverging)
            print(f"wrote {n} case(s) to {printable(args.to_scenario)}")
    if args.html:
        from flowrt.core.files import WriteError
        from flowrt.reports.replay_html import write_replay_html

        try:
            write_replay_html(report, program, against, args.html)
        except WriteError as exc:
            sys.stdout.flush()
            print(f"flowrt replay: {printable(str(exc))}", file=sys.stderr)
            return EXIT_FINDINGS
    if not report.contacts:
        return EXIT_NOTHING
    if args.against:
        if args.fail_over is not None and report.percent(report.changed) > args.fail_over:
            return EXIT_FINDINGS
        return EXIT_OK
    return EXIT_OK if report.identical == report.contacts else EXIT_FINDINGS
