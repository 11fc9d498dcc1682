"""`flowrt test`: run every scenario case, check assertions and goldens, report like a test runner.

Output: the project's diagnostics (as `flowrt validate` prints them), one line per case
(`PASS`/`FAIL file::case  outcome`), under a failed case what failed (assertions with their
position, a golden's one-line summary of what moved and its unified diff), the golden files
written, updated or deleted, unused goldens by name, coverage when asked, and the summary line
`N passed, N failed`.  Exit 0 when every case passed and there are no errors, 1 otherwise, 2 on
usage errors, 5 when no case was selected (`-k` matched none, or no scenario case).
`--format json` prints the same as one JSON document (the envelope of
`flowrt.cli.common.json_document`); `--junit-xml FILE` also writes a JUnit report for CI.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from flowrt.cli import common
from flowrt.cli.common import EXIT_FINDINGS, EXIT_NOTHING, EXIT_OK, EXIT_USAGE, json_document
from flowrt.core.text import printable

if TYPE_CHECKING:
    from flowrt.testing.render import JUnit
    from flowrt.testing.suite import SuiteReport, SuiteRun


def add_test(sub: argparse._SubParsersAction[Any]) -> None:
    """Register the `test` subcommand."""
    p = sub.add_parser(
        "test",
        help="run every scenario case: assertions, golden files, coverage",
        description="Validate the project and run every case of every scenario under PATHs "
        "(default: .): each case's `expect:` assertions must hold and its outcome and trace must "
        "match its golden file (scenarios/__goldens__/<scenario>/<case>.golden.yaml).  Exit 0 "
        "when every case passes, 1 on a failure or an error diagnostic, 2 on usage errors, 5 when "
        "no case was selected (-k matched none, or there is no scenario case).",
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="projects, directories or scenarios")
    p.add_argument(
        "--update",
        action="store_true",
        help="write new and changed goldens; delete unused ones (not with -k)",
    )
    p.add_argument(
        "-k",
        dest="select",
        metavar="EXPR",
        help="run only cases whose id (file::case) or scenario name matches: words, and, or, "
        "not, parentheses (like pytest -k)",
    )
    p.add_argument(
        "--format",
        choices=("text", "json", "sarif", "github"),
        default="text",
        help="output format: text, json, sarif (SARIF 2.1.0: failures as code scanning alerts) "
        "or github (workflow-command annotations)",
    )
    p.add_argument("--junit-xml", metavar="FILE", help="also write a JUnit XML report to FILE")
    p.add_argument(
        "--html",
        metavar="FILE",
        help="also write a self-contained HTML report (cases, diffs, diagrams, coverage) to FILE",
    )
    p.add_argument(
        "--coverage", action="store_true", help="report the blocks and branches the cases took"
    )
    p.add_argument(
        "--fail-under",
        type=common.percent,
        metavar="PERCENT",
        help="fail when branch coverage is under PERCENT (implies --coverage)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no line for passing cases")
    p.add_argument(
        "-j",
        "--jobs",
        type=common.jobs,
        default=None,
        metavar="N",
        help="run a project's cases on N processes (default: every core); the output is the "
        "same, in the same order, for any N (--html runs them in one)",
    )
    p.add_argument(
        "--max-steps", type=common.steps, default=1000, metavar="N", help="stop a run after N steps"
    )
    p.set_defaults(func=cmd_test)


def cmd_test(args: argparse.Namespace) -> int:
    """Run the suite and print it as its cases finish; the exit code."""
    from pathlib import Path

    from flowrt.cli.stream import default_jobs
    from flowrt.core.files import report_target_problem
    from flowrt.testing.suite import SuiteRun, UsageError

    for out in (args.junit_xml, args.html):
        problem = out and report_target_problem(Path(out))
        if problem:
            print(f"flowrt test: {printable(str(problem))}", file=sys.stderr)
            return EXIT_USAGE
    # SARIF, GitHub annotations and the HTML page are made from every case at the end, so those
    # keep the cases; the HTML page draws each case's path, so its cases run in this process.
    keep = args.format in ("sarif", "github") or bool(args.html)
    try:
        run = SuiteRun(
            args.paths,
            update=args.update,
            select=args.select,
            coverage=args.coverage or args.fail_under is not None or bool(args.html),
            max_steps=args.max_steps,
            jobs=1 if args.html else (args.jobs or default_jobs()),
        )
    except UsageError as exc:
        print(f"flowrt test: {printable(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    from flowrt.project.lean import ScenarioChanged
    from flowrt.testing.render import JUnit

    junit = JUnit() if args.junit_xml else None
    report = run.report
    try:
        if args.format in ("sarif", "github"):
            from flowrt.reports.formats import print_suite

            for case in run.cases(keep=keep):
                if junit is not None:
                    junit.add(case)
            print_suite(report, args.paths, args.format)
        elif args.format == "json":
            _stream_json(run, keep, junit, args.fail_under)
        else:
            _stream_text(run, keep, junit, args)
    except ScenarioChanged as exc:  # the cases before it are out; no report is written
        sys.stdout.flush()
        print(f"flowrt test: {printable(str(exc))}", file=sys.stderr)
        return EXIT_FINDINGS
    # The reports after the printed result: a report the system refuses to take (read-only,
    # full disk) is one line after it, and exit 1.
    from flowrt.core.files import WriteError

    try:
        if junit is not None:
            from flowrt.core.files import write_atomic

            write_atomic(Path(args.junit_xml), junit.render(report), overwrite=True)
        if args.html:
            from flowrt.reports.html import write_html

            write_html(report, args.paths, args.html)
    except WriteError as exc:
        sys.stdout.flush()
        print(f"flowrt test: {printable(str(exc))}", file=sys.stderr)
        return EXIT_FINDINGS
    under = _under_threshold(report, args.fail_under)
    if not report.ok:
        return EXIT_FINDINGS
    if report.nothing_selected:
        return EXIT_NOTHING
    return EXIT_OK if under is None else EXIT_FINDINGS


def _stream_text(run: SuiteRun, keep: bool, junit: JUnit | None, args: argparse.Namespace) -> None:
    """The text report, each case's lines written as it finishes (the same text as
    `flowrt.testing.render.render_text` gives for the whole report)."""
    from flowrt.testing.render import text_case, text_head, text_tail

    out = sys.stdout
    color = common.use_color(out, getattr(args, "color", "auto"))
    for line in text_head(run.report, color):
        out.write(line + "\n")
    for case in run.cases(keep=keep):
        if junit is not None:
            junit.add(case)
        for line in text_case(case, quiet=args.quiet, color=color):
            out.write(line + "\n")
    for line in text_tail(run.report, _under_threshold(run.report, args.fail_under)):
        out.write(line + "\n")


def _stream_json(run: SuiteRun, keep: bool, junit: JUnit | None, fail_under: float | None) -> None:
    """The JSON report, each case written as it finishes: the same bytes as `json_document`
    gives for the whole payload (keys sorted, so `cases` comes first; indent 2)."""
    import json

    from flowrt.testing.render import as_json

    out = sys.stdout
    out.write('{\n  "cases": [')
    first = True
    for case in run.cases(keep=keep):
        if junit is not None:
            junit.add(case)
        item = json.dumps(case.as_json(), indent=2, sort_keys=True, ensure_ascii=False)
        out.write(("\n" if first else ",\n") + "    " + item.replace("\n", "\n    "))
        first = False
    out.write("]" if first else "\n  ]")
    payload = as_json(run.report, _under_threshold(run.report, fail_under))
    del payload["cases"]
    out.write(",\n" + json_document("test", payload)[2:] + "\n")


def _under_threshold(report: SuiteReport, threshold: float | None) -> str | None:
    cov = report.coverage
    if threshold is None or cov is None or cov.percent >= threshold:
        return None
    return f"branch coverage {cov.percent:.1f}% is under --fail-under {threshold:g}%"
