"""The `flowrt` command line.

Exit codes: 0 clean, 1 findings (errors, failed runs or tests), 2 usage errors.  Heavy modules are
imported inside the commands so that `flowrt --help` stays fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

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
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    p.add_argument("-q", "--quiet", action="store_true", help="print errors only, no warnings")
    p.set_defaults(func=cmd_validate)


def cmd_validate(args: argparse.Namespace) -> int:
    from flowrt.diagnostics import Severity, render_json, render_text, summary_line
    from flowrt.project import check_paths

    diags, files = check_paths(args.paths or ["."])
    if args.quiet:
        diags = [d for d in diags if d.severity is Severity.ERROR]
    if args.format == "json":
        print(render_json(diags))
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
    from flowrt.schema import KINDS, dumps, shipped_schema

    if args.kind not in KINDS:
        print(f"flowrt schema: unknown kind `{args.kind}`; choose one of {', '.join(KINDS)}",
              file=sys.stderr)
        return EXIT_USAGE
    sys.stdout.write(dumps(shipped_schema(args.kind)))
    return EXIT_OK


# ---------------------------------------------------------------------------------------------

#: Subcommand registrars, in help order.  Adding a command is one function and one line here.
COMMANDS: list[Callable[[argparse._SubParsersAction[_Parser]], None]] = [
    _add_validate,
    _add_schema,
]


def build_parser() -> _Parser:
    from flowrt import __version__

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
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        code: int = args.func(args)
    except KeyboardInterrupt:
        print("flowrt: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    return code
