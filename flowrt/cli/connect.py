"""The `flowrt import` and `flowrt export` commands (Amazon Connect interop)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from flowrt.cli import common
from flowrt.cli.common import EXIT_FINDINGS, EXIT_NOTHING, EXIT_OK, EXIT_USAGE, json_document
from flowrt.core.text import printable


def add_import(sub: Any) -> None:
    """Register `flowrt import`."""
    p = sub.add_parser(
        "import",
        help="Amazon Connect flow JSON -> *.flow.yaml (with a .flow.layout.json beside each)",
        description="Import Amazon Connect flows: the flow language JSON (Version 2019-10-30), "
        "its {Name, Type, Content} and {ContactFlow: {...}} wrappers, and the legacy console "
        "export.  Each FILE (or every file under a directory) becomes DIR/<name>.flow.yaml plus "
        "DIR/<name>.flow.layout.json (layout, kept out of the YAML).  Amazon Connect test cases "
        "(Observations, or a CreateTestCase / DescribeTestCase document) become cases of "
        "DIR/<scenario>.scenario.yaml; DIR must be in the project of their flows.  Exit 0 when every file "
        "imported, 1 on diagnostics with errors, 2 on usage errors, 5 when there was no flow "
        "file to import.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="flow JSON files or directories")
    p.add_argument("-o", "--output", default=".", metavar="DIR", help="output directory (.)")
    p.add_argument("--env", metavar="FILE", help="environment file: ARNs/IDs -> names")
    p.add_argument("--force", action="store_true", help="overwrite existing files")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    p.add_argument(
        "--flow",
        metavar="NAME",
        help="the flow of Amazon Connect test cases that name no entry point",
    )
    p.set_defaults(func=cmd_import)


def add_export(sub: Any) -> None:
    """Register `flowrt export`."""
    p = sub.add_parser(
        "export",
        help="*.flow.yaml -> Amazon Connect flow JSON (or a CloudFormation/Terraform resource)",
        description="Export flows to the Amazon Connect flow language (Version 2019-10-30).  "
        "FLOW is a *.flow.yaml file or a directory; each flow is validated with its project, "
        "then written to DIR/<name>.json (.template.json with --wrap cloudformation, .tf.json "
        "with --wrap terraform).  Exit 0 when every flow exported, 1 when one was refused, "
        "2 on usage errors, 5 when there was no flow to export.",
    )
    p.add_argument("flows", nargs="+", metavar="FLOW", help="flow files or directories")
    p.add_argument("-o", "--output", default=None, metavar="DIR", help="output directory (.)")
    p.add_argument("--env", metavar="FILE", help="environment file: names -> ARNs/IDs")
    p.add_argument(
        "--wrap",
        choices=("cloudformation", "terraform"),
        default=None,
        help="emit a resource whose Content is the flow as a string",
    )
    p.add_argument("--stdout", action="store_true", help="print the JSON instead of writing files")
    p.add_argument("--force", action="store_true", help="overwrite existing files")
    p.set_defaults(func=cmd_export)


def _environment(path: str | None) -> tuple[Any, list[Any]]:
    from flowrt.connect.env import EMPTY, load_environment

    if path is None:
        return EMPTY, []
    env, diags = load_environment(path)
    return env, diags


def _report(diags: list[Any], args: argparse.Namespace) -> None:
    """Diagnostics as text on standard error (the JSON report carries its own)."""
    from flowrt.core.diagnostics import render_text

    if diags:
        color = common.use_color(sys.stderr, getattr(args, "color", "auto"))
        print(render_text(diags, color=color), file=sys.stderr)


def cmd_import(args: argparse.Namespace) -> int:
    """Run `flowrt import`."""
    from flowrt.connect.importer import import_paths

    problem = common.missing_path("import", [*args.files, *([args.env] if args.env else [])])
    if problem:
        print(problem, file=sys.stderr)
        return EXIT_USAGE
    env, diags = _environment(args.env)
    if env is None:
        _report(diags, args)
        return EXIT_USAGE
    found, written, imported = import_paths(args.files, args.output, env=env, force=args.force)
    from flowrt.connect.tests_import import find_testcase_files, import_tests

    tfound, twritten, tests = import_tests(
        find_testcase_files(args.files), args.output, env=env, force=args.force, flow=args.flow
    )
    found, written = found + tfound, written + twritten
    errors = any(d.is_error for d in found)
    nothing = None
    if not imported and not tests and not errors:
        nothing = (
            f"no flow files found in {', '.join(printable(f) for f in args.files)}: import "
            "reads Amazon Connect flow JSON files (*.json)"
        )
    kept = sum(i.passthrough for i in imported)
    blocks = sum(len(i.flow["blocks"]) for i in imported)
    if args.format == "json":
        from flowrt.core.diagnostics import Diagnostic

        payload = {
            "diagnostics": [d.as_json() for d in sorted(found, key=Diagnostic.sort_key)],
            "flows": [
                {
                    "source": i.source,
                    "flow": i.flow.get("flow"),
                    "blocks": len(i.flow["blocks"]),
                    "connect-action": i.passthrough,
                    "native": i.native,
                    "not-native": [n.as_json() for n in i.not_native],
                }
                for i in imported
            ],
            "test-cases": [t.as_json() for t in tests],
            "written": [str(w) for w in written],
            "summary": {
                "flows": len(imported),
                "blocks": blocks,
                "connect-action": kept,
                "test-cases": len(tests),
                "test-cases-imported": sum(t.data is not None for t in tests),
                "files-written": len(written),
                "errors": sum(d.is_error for d in found),
                "nothing-selected": nothing,
            },
        }
        print(json_document("import", payload))
    else:
        _report(found, args)
        if nothing:
            print(nothing)
        # one line per flow: how much of it a dry run simulates; a template holding several
        # flows names each one, or its lines could not be told apart
        per_source: dict[str, int] = {}
        for i in imported:
            per_source[i.source] = per_source.get(i.source, 0) + 1
        for i in imported:
            name = f" (flow {printable(i.stem)})" if per_source[i.source] > 1 else ""
            print(
                f"{printable(i.source)}{name}: {i.native} of {len(i.flow['blocks'])} action(s) "
                f"native, {i.passthrough} kept as connect-action"
            )
        if imported or not tests:
            print(
                f"{len(imported)} flow(s) imported into {args.output}: {blocks} block(s), "
                f"{kept} kept as connect-action; {len(written)} file(s) written"
            )
        if tests:
            done = sum(t.data is not None for t in tests)
            print(
                f"{done} of {len(tests)} test case(s) imported as scenario cases into "
                f"{args.output}; {len(twritten)} scenario file(s) written"
            )
    if errors:
        return EXIT_FINDINGS
    return EXIT_NOTHING if nothing else EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    """Run `flowrt export`."""
    from flowrt.connect.export import export_paths

    problem = common.missing_path("export", [*args.flows, *([args.env] if args.env else [])])
    if problem:
        print(problem, file=sys.stderr)
        return EXIT_USAGE
    env, diags = _environment(args.env)
    if env is None:
        _report(diags, args)
        return EXIT_USAGE
    out = None if args.stdout else (args.output or ".")
    emitted = 0

    def emit(text: str) -> None:
        nonlocal emitted
        emitted += 1
        sys.stdout.write(text)

    found, written = export_paths(
        args.flows, out, env=env, how=args.wrap, force=args.force, emit=emit
    )
    _report(found, args)
    errors = any(d.is_error for d in found)
    nothing = None
    if not written and not emitted and not errors:
        nothing = f"no flows found in {', '.join(printable(f) for f in args.flows)}"
    if nothing:
        print(f"flowrt export: {nothing}: export reads *.flow.yaml files", file=sys.stderr)
    if not args.stdout:
        print(f"{len(written)} file(s) written")
    if errors:
        return EXIT_FINDINGS
    return EXIT_NOTHING if nothing else EXIT_OK
