"""The `flowrt` command line.

Exit codes: 0 clean, 1 findings (errors, failed runs or tests), 2 usage errors.  Heavy modules are
imported inside the commands so that `flowrt --help` stays fast.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from flowrt.core.text import printable

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _use_color(stream: object) -> bool:
    if os.environ.get("NO_COLOR") or os.environ.get("CI"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


# ---------------------------------------------------------------------------------------------
# validate


def _add_validate(sub: argparse._SubParsersAction[_Parser]) -> None:
    p = sub.add_parser(
        "validate",
        help="check flows, instances and scenarios (schema and static checks)",
        description="Validate flowrt files: load, check against the JSON Schemas, compile and run "
        "the static checks.  PATHs are files or directories (default: the current project).  "
        "Exit 0 when there are no errors (warnings allowed), 1 on errors, 2 on usage errors.",
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or directories (default: .)")
    p.add_argument(
        "--format",
        choices=("text", "json", "sarif", "github"),
        default="text",
        help="output format: text, json, sarif (SARIF 2.1.0 for code scanning) or github "
        "(workflow-command annotations)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="print errors only, no warnings")
    p.set_defaults(func=cmd_validate)


def cmd_validate(args: argparse.Namespace) -> int:
    from flowrt.core.diagnostics import Severity, render_json, render_text, summary_line
    from flowrt.project.driver import check_paths

    diags, files = check_paths(args.paths or ["."])
    if args.quiet:
        diags = [d for d in diags if d.severity is Severity.ERROR]
    if args.format == "json":
        print(render_json(diags))
    elif args.format in ("sarif", "github"):
        from flowrt.reports.formats import render_github, render_sarif

        if args.format == "sarif":
            sys.stdout.write(render_sarif(diags))
        else:
            print(render_github(diags), summary_line(diags, files), sep="\n" if diags else "")
    else:
        if diags:
            print(render_text(diags, color=_use_color(sys.stdout)))
            print()
        print(summary_line(diags, files))
    return EXIT_FINDINGS if any(d.is_error for d in diags) else EXIT_OK


# ---------------------------------------------------------------------------------------------
# schema


def _add_schema(sub: argparse._SubParsersAction[_Parser]) -> None:
    p = sub.add_parser(
        "schema",
        help="print a published JSON Schema (flow, instance, scenario)",
        description="Print the JSON Schema (draft-07) of a file kind, as shipped in the package.  "
        "Point editors at it with `# yaml-language-server: $schema=<path>`.",
    )
    p.add_argument("kind", nargs="?", default="flow", help="flow (default), instance or scenario")
    p.set_defaults(func=cmd_schema)


def cmd_schema(args: argparse.Namespace) -> int:
    from flowrt.lang.schema import KINDS, dumps, shipped_schema

    if args.kind not in KINDS:
        print(
            f"flowrt schema: unknown kind `{args.kind}`; choose one of {', '.join(KINDS)}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    sys.stdout.write(dumps(shipped_schema(args.kind)))
    return EXIT_OK


# ---------------------------------------------------------------------------------------------
# run


def _add_run(sub: argparse._SubParsersAction[_Parser]) -> None:
    p = sub.add_parser(
        "run",
        help="dry-run flows: one flow for a scenario's cases, or every scenario of a project",
        description="Dry-run flows offline.  `flowrt run DIR` validates the project in DIR and "
        "runs every case of every scenario (one line per case).  `flowrt run FLOW --scenario "
        "FILE [--case NAME]` runs one flow (a name or a *.flow.yaml file) and prints each "
        "trace; without --scenario the contact is given inline (--attr, --channel, ...).  "
        "Exit 0 when every run completes, 1 on an error outcome, a step limit or diagnostics, "
        "2 on usage errors.",
    )
    p.add_argument("target", metavar="FLOW|DIR", help="flow name or file, or a project directory")
    p.add_argument("--scenario", metavar="FILE", help="scenario file whose cases to run")
    p.add_argument("--case", metavar="NAME", help="run only this case of the scenario")
    p.add_argument(
        "--attr",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="contact attribute (repeatable; overrides the scenario's)",
    )
    p.add_argument("--channel", choices=("VOICE", "CHAT", "TASK", "EMAIL"), help="channel")
    p.add_argument("--customer-endpoint", metavar="ADDRESS", help="caller number or address")
    p.add_argument("--system-endpoint", metavar="ADDRESS", help="dialled number or address")
    p.add_argument("--queue", metavar="NAME", help="the contact's working queue at the start")
    p.add_argument("--clock", metavar="ISO", help="the world's clock, e.g. 2026-11-23T09:00-05:00")
    p.add_argument(
        "--max-steps",
        type=int,
        default=None,
        metavar="N",
        help="stop a run after N steps (default 1000)",
    )
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    p.set_defaults(func=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    from flowrt.cli.run import UsageError, parse_attrs, run_flow, run_project
    from flowrt.lang.compiler import DEFAULT_MAX_STEPS
    from flowrt.run.interpreter import MAX_STEPS_LIMIT

    if args.max_steps is not None and not 1 <= args.max_steps <= MAX_STEPS_LIMIT:
        print(f"flowrt run: --max-steps must be from 1 to {MAX_STEPS_LIMIT:,}", file=sys.stderr)
        return EXIT_USAGE
    options = {"max_steps": args.max_steps or DEFAULT_MAX_STEPS}
    try:
        inline: dict[str, object] = {}
        if args.attr:
            inline["attributes"] = parse_attrs(args.attr)
        for key in ("channel", "customer_endpoint", "system_endpoint", "queue"):
            if getattr(args, key) is not None:
                inline[key.replace("_", "-")] = getattr(args, key)
        world = {"clock": args.clock} if args.clock else {}
        project_mode = os.path.isdir(args.target) and args.scenario is None and not inline
        if project_mode:
            report = run_project(args.target, **options)
        else:
            report = run_flow(args.target, args.scenario, args.case, inline, world, **options)
    except UsageError as exc:
        print(f"flowrt run: {printable(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # noqa: BLE001 - a bad inline contact or world, never a traceback
        from flowrt.core.diagnostics import FlowrtError

        if not isinstance(exc, FlowrtError | ValueError):
            raise
        print(f"flowrt run: {printable(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    _print_run(report, args, project_mode)
    return EXIT_FINDINGS if report.failed else EXIT_OK


def _print_run(report: object, args: argparse.Namespace, project_mode: bool) -> None:
    import json

    from flowrt.cli.run import RunReport
    from flowrt.core.diagnostics import render_text, summary_line

    assert isinstance(report, RunReport)
    if args.format == "json":
        out = {
            "diagnostics": [d.as_json() for d in report.diagnostics],
            "runs": [r.as_json(full=not project_mode) for r in report.results],
            "summary": _run_summary(report),
        }
        print(json.dumps(out, indent=2, sort_keys=True, ensure_ascii=False))
        return
    color = _use_color(sys.stdout)
    shown = report.diagnostics if project_mode else [d for d in report.diagnostics if d.is_error]
    if shown:
        print(render_text(shown, color=color))
        print(summary_line(shown, report.files))
        print()

    for r in report.results:
        if project_mode:
            mark = "ok  " if r.result.ok else "FAIL"
            print(printable(f"{mark} {r.file}::{r.case}  {r.result.outcome.describe()}"))
        else:
            print(printable(f"== {r.scenario} :: {r.case} ({r.flow})"))
            print(r.result.render_text())
            if r.result.diagnostics:
                print(render_text(r.result.diagnostics, color=color))
            print()
    if project_mode or len(report.results) > 1:
        print(_run_summary(report)["text"])


def _run_summary(report: object) -> dict[str, object]:
    from flowrt.cli.run import RunReport

    assert isinstance(report, RunReport)
    failed = sum(not r.result.ok for r in report.results)
    total = len(report.results)
    text = f"{total} case(s) run: {total - failed} completed, {failed} failed"
    if not total and not any(d.is_error for d in report.diagnostics):
        text = "no scenario cases found (add *.scenario.yaml files)"
    return {"cases": total, "completed": total - failed, "failed": failed, "text": text}


# ---------------------------------------------------------------------------------------------
# graph, init (their modules hold the commands; imported only when the parser is built)


def _add_graph(sub: argparse._SubParsersAction[_Parser]) -> None:
    from flowrt.cli.graph import add_graph

    add_graph(sub)


def _add_init(sub: argparse._SubParsersAction[_Parser]) -> None:
    from flowrt.cli.init import add_init

    add_init(sub)


# ---------------------------------------------------------------------------------------------
# test (flowrt/cli/test.py holds the command)


def _add_test(sub: argparse._SubParsersAction[_Parser]) -> None:
    from flowrt.cli.test import add_test

    add_test(sub)


def _add_import(sub: argparse._SubParsersAction[_Parser]) -> None:
    from flowrt.cli.connect import add_import

    add_import(sub)


def _add_export(sub: argparse._SubParsersAction[_Parser]) -> None:
    from flowrt.cli.connect import add_export

    add_export(sub)


# ---------------------------------------------------------------------------------------------

#: Subcommand registrars, in help order.  Adding a command is one function and one line here.
COMMANDS: list[Callable[[argparse._SubParsersAction[_Parser]], None]] = [
    _add_test,
    _add_validate,
    _add_run,
    _add_graph,
    _add_init,
    _add_import,
    _add_export,
    _add_schema,
]


def build_parser() -> _Parser:
    from flowrt.core import __version__

    parser = _Parser(
        prog="flowrt",
        description="Contact-center routing flows as code: validate, dry-run and test "
        "Amazon Connect-style flows written in YAML.",
        epilog="Run `flowrt COMMAND --help` for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"flowrt {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The `flowrt` command: the exit code (0 clean, 1 findings or a refused write, 2 usage).

    What the machine refuses is a one-line error here, never a traceback: a file that cannot be
    written (`WriteError`: read-only project, full disk, a directory in the way), an output
    stream that cannot take the text (`> /dev/full`), an interrupted run.  Text the terminal's
    encoding cannot show (`PYTHONIOENCODING=latin-1`, a lone surrogate from JSON) is printed as
    `\\u` escapes instead of failing.
    """
    restore = _tolerant_output()
    try:
        return _main(argv)
    finally:
        restore()


def _main(argv: Sequence[str] | None) -> int:
    command = "flowrt"
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help()
            return EXIT_USAGE
        command = f"flowrt {args.command}"
        code: int = args.func(args)
        sys.stdout.flush()  # a full disk under `> file` shows here, not at the exit
    except KeyboardInterrupt:
        print("flowrt: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        _detach_stdout()
        return EXIT_OK
    except OSError as exc:  # WriteError included: flowrt.core.files is imported only if needed
        print(f"{command}: {printable(str(_os_error_text(exc)))}", file=sys.stderr)
        return EXIT_FINDINGS
    return code


def _os_error_text(exc: OSError) -> str:
    """An OSError no command handled, as one line: the file when there is one, the cause."""
    from flowrt.core.files import WriteError, os_error_reason, shown_path

    if isinstance(exc, WriteError):
        return str(exc)
    reason = os_error_reason(exc)
    if exc.filename is not None:
        return f"{shown_path(str(exc.filename))}: {reason}"
    try:
        sys.stdout.flush()
        refused = exc.errno in _OUTPUT_ERRNOS
    except (OSError, ValueError):
        refused = True
    if refused:  # the output itself is refused (`> /dev/full`, a full disk)
        _detach_stdout()
        return f"cannot write the output: {reason}"
    return reason


_OUTPUT_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO}


def _detach_stdout() -> None:
    """Point standard output at the null device, so the exit's final flush does not fail too."""
    try:
        fd = sys.stdout.fileno()
    except (OSError, ValueError, AttributeError):  # not a real file (tests capture it)
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, fd)
    finally:
        os.close(null)


def _tolerant_output() -> Callable[[], None]:
    """Make stdout and stderr escape what their encoding cannot show; undo it afterwards."""
    import io

    undo: list[tuple[io.TextIOWrapper[Any], str | None]] = []
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors != "backslashreplace":
            try:
                previous = stream.errors
                stream.reconfigure(errors="backslashreplace")
            except (OSError, ValueError):
                continue
            undo.append((stream, previous))

    def restore() -> None:
        for stream, previous in undo:
            with contextlib.suppress(OSError, ValueError):
                stream.reconfigure(errors=previous)

    return restore
