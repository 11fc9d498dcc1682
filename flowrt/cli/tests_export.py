"""The `flowrt export-tests` command: scenario cases as Amazon Connect test cases."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from flowrt.cli import common
from flowrt.cli.common import EXIT_FINDINGS, EXIT_NOTHING, EXIT_OK, EXIT_USAGE, json_document
from flowrt.core.text import printable


def add_export_tests(sub: Any) -> None:
    """Register `flowrt export-tests`."""
    p = sub.add_parser(
        "export-tests",
        help="scenario cases -> Amazon Connect test cases (CreateTestCase requests)",
        description="Write each case of the scenario files under PATH (default: the current "
        "project) as an Amazon Connect test case: OUT/<scenario>.<case>.json, a CreateTestCase "
        "request (`aws connect create-test-case --cli-input-json file://...`) whose Content is "
        "the case in the Testing language (Version 2019-10-30).  A case the Testing language "
        "cannot state is not written; it is named with the reason (FR450).  Exit 0 when every "
        "case was written, 1 when a case was refused or a file could not be written, 2 on "
        "usage errors, 5 when there was no case.",
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="scenario files or directories (.)")
    p.add_argument("-o", "--output", default=None, metavar="OUT", help="output directory (.)")
    p.add_argument("--env", metavar="FILE", help="environment file: names -> ARNs/IDs")
    p.add_argument(
        "--instance-id",
        metavar="ID",
        help="the Amazon Connect instance (ID or ARN; default: instance.yaml's `arn:`)",
    )
    p.add_argument("--stdout", action="store_true", help="print the requests instead of writing")
    p.add_argument("--force", action="store_true", help="overwrite existing files")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    p.set_defaults(func=cmd_export_tests)


def cmd_export_tests(args: argparse.Namespace) -> int:
    """Run `flowrt export-tests`."""
    from flowrt.cli.connect import _environment, _report
    from flowrt.connect.testcases import dumps
    from flowrt.connect.tests_write import export_test_paths
    from flowrt.core.diagnostics import Diagnostic

    paths = args.paths or ["."]
    problem = common.missing_path("export-tests", [*paths, *([args.env] if args.env else [])])
    if problem:
        print(problem, file=sys.stderr)
        return EXIT_USAGE
    env, diags = _environment(args.env)
    if env is None:
        _report(diags, args)
        return EXIT_USAGE
    out = None if args.stdout else (args.output or ".")
    found, written, cases = export_test_paths(
        paths, out, env=env, force=args.force, instance_id=args.instance_id
    )
    refused = [c for c in cases if c.request is None]
    nothing = None
    if not cases and not any(d.is_error for d in found):
        nothing = f"no scenario cases found in {', '.join(printable(p) for p in paths)}"
    if args.format == "json":
        payload = {
            "diagnostics": [d.as_json() for d in sorted(found, key=Diagnostic.sort_key)],
            "cases": [c.as_json() for c in cases],
            "written": [str(w) for w in written],
            "summary": {
                "cases": len(cases),
                "exported": len(cases) - len(refused),
                "refused": len(refused),
                "files-written": len(written),
                "errors": sum(d.is_error for d in found),
                "nothing-selected": nothing,
            },
        }
        if args.stdout:
            payload["requests"] = [c.request for c in cases if c.request is not None]
        print(json_document("export-tests", payload))
    else:
        _report(found, args)
        if args.stdout:
            for c in cases:
                if c.request is not None:
                    sys.stdout.write(dumps(c.request))
        if nothing:
            print(f"flowrt export-tests: {nothing}", file=sys.stderr)
        print(
            f"{len(cases) - len(refused)} of {len(cases)} case(s) exported as test cases, "
            f"{len(refused)} refused; {len(written)} file(s) written",
            file=sys.stderr if args.stdout else sys.stdout,
        )
    if any(d.is_error for d in found):
        return EXIT_FINDINGS
    return EXIT_NOTHING if nothing else EXIT_OK
