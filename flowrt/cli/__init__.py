"""The `flowrt` command line.

Exit codes, the same for every command (`flowrt.cli.common` has the table): 0 ok, 1 findings
(errors, failed runs or tests), 2 usage errors, 5 nothing selected, 130 interrupted.  Every
`--format json` prints the envelope of `flowrt.cli.common.json_document`.  Heavy modules are
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

from flowrt.cli import common
from flowrt.cli.common import (
    EXIT_FINDINGS,
    EXIT_INTERRUPTED,
    EXIT_NOTHING,
    EXIT_OK,
    EXIT_USAGE,
    json_document,
    missing_path,
    use_color,
)
from flowrt.core.text import printable


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        """One line in flowrt's words (no usage block): what is wrong and how to fix it."""
        self.exit(EXIT_USAGE, common.usage_message(self.prog, message) + "\n")


def _use_color(stream: object, args: argparse.Namespace | None = None) -> bool:
    return use_color(stream, getattr(args, "color", "auto"))


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
    from flowrt.core.diagnostics import Diagnostic, Severity, render_text, summary_line
    from flowrt.project.driver import check_paths

    problem = missing_path("validate", args.paths)
    if problem:
        print(problem, file=sys.stderr)
        return EXIT_USAGE
    diags, files = check_paths(args.paths or ["."])
    if args.quiet:
        diags = [d for d in diags if d.severity is Severity.ERROR]
    nothing = None if files or diags else _no_files(args.paths)
    if args.format == "json":
        errors = sum(d.is_error for d in diags)
        payload = {
            "diagnostics": [d.as_json() for d in sorted(diags, key=Diagnostic.sort_key)],
            "summary": {
                "files": files,
                "errors": errors,
                "warnings": sum(d.severity is Severity.WARNING for d in diags),
                "nothing-selected": nothing,
                "text": summary_line(diags, files),
            },
        }
        print(json_document("validate", payload))
    elif args.format in ("sarif", "github"):
        from flowrt.reports.formats import render_github, render_sarif

        if args.format == "sarif":
            sys.stdout.write(render_sarif(diags))
        else:
            print(render_github(diags), summary_line(diags, files), sep="\n" if diags else "")
    else:
        if diags:
            print(render_text(diags, color=_use_color(sys.stdout, args)))
            print()
        if nothing:
            print(nothing)
        print(summary_line(diags, files))
    if any(d.is_error for d in diags):
        return EXIT_FINDINGS
    return EXIT_NOTHING if nothing else EXIT_OK


def _no_files(paths: list[str]) -> str:
    where = ", ".join(printable(p) for p in paths) or "."
    return (
        f"no flowrt files found in {where}: flowrt reads instance.yaml, *.flow.yaml and "
        "*.scenario.yaml files (`flowrt init` writes a project)"
    )


# ---------------------------------------------------------------------------------------------
# schema


def _add_schema(sub: argparse._SubParsersAction[_Parser]) -> None:
    p = sub.add_parser(
        "schema",
        help="print a published JSON Schema (flow, instance, scenario), or refresh a project's copy",
        description="Print the JSON Schema (draft-07) of a file kind, as shipped in the package.  "
        "Point editors at it with `# yaml-language-server: $schema=<path>`.  With --write, "
        "write the schemas where the modelines of the project at DIR (default: the current "
        "one) point instead, `schemas/` at the project root for a kind no modeline names, and "
        "say which were created, updated or unchanged; only flowrt's own schema files are "
        "ever replaced.  Exit 0, or 1 when a schema file could not be written.",
    )
    p.add_argument(
        "kind",
        nargs="?",
        default=None,
        help="flow (default), instance or scenario; with --write, only that kind (default: all)",
    )
    p.add_argument(
        "--write",
        nargs="?",
        const=".",
        default=None,
        metavar="DIR",
        help="write the schemas into the project at DIR (default: the current directory's)",
    )
    p.set_defaults(func=cmd_schema)


def cmd_schema(args: argparse.Namespace) -> int:
    from flowrt.lang.schema import KINDS, dumps, shipped_schema

    if args.kind is not None and args.kind not in KINDS:
        print(
            f"flowrt schema: unknown kind `{printable(args.kind)}`; choose one of "
            f"{', '.join(KINDS)}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if args.write is None:
        sys.stdout.write(dumps(shipped_schema(args.kind or "flow")))
        return EXIT_OK
    from pathlib import Path

    from flowrt.cli.schema import NoProject, shown, write_schemas

    if not os.path.exists(args.write):
        hint = ""
        if args.write in KINDS:
            hint = f" (to write only one kind, name it first: `flowrt schema {args.write} --write`)"
        print(f"flowrt schema: no such directory: {printable(args.write)}{hint}", file=sys.stderr)
        return EXIT_USAGE
    try:
        written = write_schemas(Path(args.write), (args.kind,) if args.kind else KINDS)
    except NoProject as exc:
        print(f"flowrt schema: {printable(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    for action, path in written.done:
        print(f"{action} {shown(path)}")
    for problem in written.problems:
        print(f"flowrt schema: {printable(problem)}", file=sys.stderr)
    return EXIT_FINDINGS if written.problems else EXIT_OK


# ---------------------------------------------------------------------------------------------
# run


def _add_run(sub: argparse._SubParsersAction[_Parser]) -> None:
    p = sub.add_parser(
        "run",
        help="dry-run flows: a scenario's cases, one contact, or every scenario of a project",
        description="Dry-run flows offline.  `flowrt run [DIR]` validates the project DIR is in "
        "(default: the working directory's) and runs every case of every scenario (one line "
        "per case).  `flowrt run [FLOW] --scenario FILE [--case NAME]` runs the scenario's "
        "cases (each through its own flow, or through FLOW, a flow name or a *.flow.yaml "
        "file) and prints each trace; `flowrt run FLOW` with the contact options (--attr, "
        "--channel, ...) runs one contact given inline.  A scenario case fails when its "
        "`expect:` does not hold.  Exit 0 when every run completes, 1 on a failed case, an "
        "error outcome, a step limit or diagnostics, 2 on usage errors, 5 when there is no "
        "case to run.",
    )
    p.add_argument(
        "target",
        nargs="?",
        metavar="FLOW|DIR",
        help="flow name or file, or a directory of a project (default: the project of the "
        "working directory)",
    )
    p.add_argument("--scenario", metavar="FILE", help="scenario file whose cases to run")
    p.add_argument("--case", metavar="NAME", help="run only this case of the scenario")
    p.add_argument(
        "--attr",
        action="append",
        default=[],
        type=common.attr,
        metavar="KEY=VALUE",
        help="contact attribute (repeatable; overrides the scenario's)",
    )
    p.add_argument(
        "--channel",
        type=str.upper,
        choices=("VOICE", "CHAT", "TASK", "EMAIL"),
        help="channel: VOICE, CHAT, TASK or EMAIL (any case)",
    )
    p.add_argument("--customer-endpoint", metavar="ADDRESS", help="caller number or address")
    p.add_argument("--system-endpoint", metavar="ADDRESS", help="dialled number or address")
    p.add_argument("--queue", metavar="NAME", help="the contact's working queue at the start")
    p.add_argument(
        "--clock",
        type=common.clock,
        metavar="ISO",
        help="the world's clock, with a UTC offset, e.g. 2026-11-23T09:00-05:00",
    )
    p.add_argument(
        "--max-steps",
        type=common.steps,
        default=None,
        metavar="N",
        help="stop a run after N steps (default 1000)",
    )
    p.add_argument(
        "--format",
        choices=("text", "json", "connect-logs"),
        default="text",
        help="output format; connect-logs: the records Amazon Connect's flow logs would hold",
    )
    p.add_argument(
        "--log-era",
        choices=("current", "2019"),
        default="current",
        help="with --format connect-logs: records with Identifier and ContactFlowName "
        "(current) or without (2019)",
    )
    p.add_argument(
        "-j",
        "--jobs",
        type=common.jobs,
        default=None,
        metavar="N",
        help="run a project's cases on N processes (default: every core); the output is the "
        "same, in the same order, for any N",
    )
    p.set_defaults(func=cmd_run)


#: The options that describe one contact (they need a FLOW, not a project directory).
_CONTACT_OPTIONS = ("attr", "channel", "customer_endpoint", "system_endpoint", "queue", "clock")


def cmd_run(args: argparse.Namespace) -> int:
    from flowrt.cli.run import UsageError, names_a_flow, run_flow
    from flowrt.lang.compiler import DEFAULT_MAX_STEPS

    options = {"max_steps": args.max_steps or DEFAULT_MAX_STEPS}
    inline: dict[str, object] = {}
    if args.attr:
        inline["attributes"] = dict(args.attr)
    for key in ("channel", "customer_endpoint", "system_endpoint", "queue"):
        if getattr(args, key) is not None:
            inline[key.replace("_", "-")] = getattr(args, key)
    world = {"clock": args.clock} if args.clock else {}
    target = args.target
    if target is None and args.scenario is None:
        target = "."
    project_mode = (
        target is not None
        and os.path.isdir(target)
        and args.scenario is None
        and not names_a_flow(target)
    )
    given = [o for o in _CONTACT_OPTIONS if getattr(args, o)]
    try:
        if args.case is not None and args.scenario is None:
            raise UsageError("--case needs --scenario FILE (the scenario the case is in)")
        if project_mode and given:
            names = ", ".join("--" + o.replace("_", "-") for o in given)
            raise UsageError(
                f"the contact options ({names}) need a FLOW to run one contact through (a "
                f"flow name or a *.flow.yaml file), not the directory {target}"
            )
        if project_mode:
            from flowrt.cli.stream import stream_project

            return stream_project(target, args, options["max_steps"])
        else:
            report = run_flow(target, args.scenario, args.case, inline, world, **options)
    except UsageError as exc:
        print(f"flowrt run: {printable(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # noqa: BLE001 - a bad inline contact or world, never a traceback
        from flowrt.core.diagnostics import FlowrtError

        if not isinstance(exc, FlowrtError | ValueError):
            raise
        for line in _value_error_lines(exc):
            print(f"flowrt run: {printable(line)}", file=sys.stderr)
        return EXIT_USAGE
    nothing = None
    if project_mode and not report.results and not any(d.is_error for d in report.diagnostics):
        nothing = (
            f"no scenario cases found in {printable(target)}: add a *.scenario.yaml file with "
            "cases (`flowrt init` writes an example)"
        )
    _print_run(report, args, project_mode, nothing)
    if report.failed:
        return EXIT_FINDINGS
    return EXIT_NOTHING if nothing else EXIT_OK


def _value_error_lines(exc: Exception) -> list[str]:
    """A refused contact or world as lines in flowrt's words: each diagnostic's message, or
    each of pydantic's errors with where it is (never its raw report and URL)."""
    from pydantic import ValidationError

    from flowrt.core.diagnostics import FlowrtError

    if isinstance(exc, FlowrtError):
        return [d.message for d in exc.diagnostics] or [str(exc)]
    if isinstance(exc, ValidationError):
        return [
            f"the contact or world the options give is not valid: "
            f"`{'.'.join(map(str, e['loc'])) or '(top)'}`: {e['msg']}"
            for e in exc.errors(include_url=False)
        ]
    return [str(exc)]


def _print_run(
    report: object, args: argparse.Namespace, project_mode: bool, nothing: str | None = None
) -> None:
    from flowrt.cli.run import RunReport
    from flowrt.core.diagnostics import render_text, summary_line

    assert isinstance(report, RunReport)
    if args.format == "connect-logs":
        from flowrt.replay.generate import log_lines

        if report.program is not None:
            for r in report.results:
                sys.stdout.write(log_lines(r.result, report.program, args.log_era))
        return
    if args.format == "json":
        payload = {
            "diagnostics": [d.as_json() for d in report.diagnostics],
            "runs": [r.as_json(full=not project_mode) for r in report.results],
            "summary": _run_summary(report, nothing),
        }
        print(json_document("run", payload))
        return
    color = _use_color(sys.stdout, args)
    shown = report.diagnostics if project_mode else [d for d in report.diagnostics if d.is_error]
    if shown:
        print(render_text(shown, color=color))
        print(summary_line(shown, report.files))
        print()

    for r in report.results:
        if project_mode:
            mark = "ok  " if r.ok else "FAIL"
            print(printable(f"{mark} {r.file}::{r.case}  {r.result.outcome.describe()}"))
            for line in r.failures or []:
                print(f"     {printable(line)}")
        else:
            print(printable(f"== {r.scenario} :: {r.case} ({r.flow})"))
            print(r.result.render_text())
            if r.result.diagnostics:
                print(render_text(r.result.diagnostics, color=color))
            if r.failures:
                print("expect: failed")
                for line in r.failures:
                    print(f"  {printable(line)}")
            print()
    if project_mode or len(report.results) > 1:
        print(_run_summary(report, nothing)["text"])


def _run_summary(report: object, nothing: str | None = None) -> dict[str, object]:
    from flowrt.cli.run import RunReport

    assert isinstance(report, RunReport)
    failed = sum(not r.ok for r in report.results)
    total = len(report.results)
    text = f"{total} case(s) run: {total - failed} completed, {failed} failed"
    if nothing:
        text = nothing
    return {
        "cases": total,
        "completed": total - failed,
        "failed": failed,
        "nothing-selected": nothing,
        "text": text,
    }


# ---------------------------------------------------------------------------------------------
# graph, init (their modules hold the commands; imported only when the parser is built)


def _add_replay(sub: argparse._SubParsersAction[_Parser]) -> None:
    from flowrt.cli.replay import add_replay

    add_replay(sub)


def _add_graph(sub: argparse._SubParsersAction[_Parser]) -> None:
    from flowrt.cli.graph import add_graph

    add_graph(sub)


def _add_init(sub: argparse._SubParsersAction[_Parser]) -> None:
    from flowrt.cli.init_args import add_init

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


def _add_export_tests(sub: argparse._SubParsersAction[_Parser]) -> None:
    from flowrt.cli.tests_export import add_export_tests

    add_export_tests(sub)


def _add_explore(sub: argparse._SubParsersAction[_Parser]) -> None:
    from flowrt.cli.explore import add_explore

    add_explore(sub)


def _add_lsp(sub: argparse._SubParsersAction[_Parser]) -> None:
    from flowrt.cli.lsp import add_lsp

    add_lsp(sub)


def _add_completion(sub: argparse._SubParsersAction[_Parser]) -> None:
    from flowrt.cli.completion_args import add_completion

    add_completion(sub, build_parser)


# ---------------------------------------------------------------------------------------------

#: Subcommand registrars, in help order.  Adding a command is one function and one line here.
COMMANDS: list[Callable[[argparse._SubParsersAction[_Parser]], None]] = [
    _add_test,
    _add_validate,
    _add_run,
    _add_graph,
    _add_explore,
    _add_init,
    _add_import,
    _add_export,
    _add_export_tests,
    _add_schema,
    _add_lsp,
    _add_completion,
    _add_replay,
]

_COLOR_HELP = (
    "colour the output: auto (default: when it is a terminal, unless NO_COLOR is set, or "
    "FORCE_COLOR is), always or never"
)


def build_parser() -> _Parser:
    from flowrt.core import __version__

    parser = _Parser(
        prog="flowrt",
        description="Contact-center routing flows as code: validate, dry-run and test "
        "Amazon Connect-style flows written in YAML.",
        epilog="Run `flowrt COMMAND --help` for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"flowrt {__version__}")
    parser.add_argument(
        "--color", choices=common.COLOR_MODES, default="auto", metavar="WHEN", help=_COLOR_HELP
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for add in COMMANDS:
        add(sub)
    for command in sub.choices.values():  # `flowrt test --color never` as well as before it
        command.add_argument(
            "--color",
            choices=common.COLOR_MODES,
            default=argparse.SUPPRESS,
            metavar="WHEN",
            help=_COLOR_HELP,
        )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The `flowrt` command: the exit code (0 clean, 1 findings or a refused write, 2 usage, 5
    nothing selected, 130 interrupted; `flowrt.cli.common` has the table).

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
        try:
            args, extra = parser.parse_known_args(argv)
        except SystemExit as exc:  # --help, --version, or a usage error already printed
            return exc.code if isinstance(exc.code, int) else EXIT_USAGE
        if extra:  # said by the subcommand that was given them, not by `flowrt`
            prog = f"flowrt {args.command}" if getattr(args, "command", None) else "flowrt"
            unknown = "unrecognized arguments: " + " ".join(extra)
            print(common.usage_message(prog, unknown), file=sys.stderr)
            return EXIT_USAGE
        if not getattr(args, "func", None):
            parser.print_help()
            return EXIT_USAGE
        command = f"flowrt {args.command}"
        from flowrt.core.gc import quiet_gc

        with quiet_gc():  # the collector tuned for the whole command, in one place
            code: int = args.func(args)
        sys.stdout.flush()  # a full disk under `> file` shows here, not at the exit
    except KeyboardInterrupt:
        print("flowrt: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
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
