"""`flowrt test`: run every scenario case, check assertions and goldens, report like a test runner.

Output: the project's diagnostics (as `flowrt validate` prints them), one line per case
(`PASS`/`FAIL file::case  outcome`), under a failed case what failed (assertions with their
position, a golden's one-line summary of what moved and its unified diff), the golden files
written, updated or deleted, unused goldens by name, coverage when asked, and the summary line
`N passed, N failed`.  Exit 0 when every case passed and there are no errors, 1 otherwise, 2 on
usage errors.  `--format json` prints the same as one JSON document; `--junit-xml FILE` also
writes a JUnit report for CI.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flowrt.testing.suite import CaseReport, SuiteReport

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def add_test(sub: argparse._SubParsersAction[Any]) -> None:
    """Register the `test` subcommand."""
    p = sub.add_parser(
        "test",
        help="run every scenario case: assertions, golden files, coverage",
        description="Validate the project and run every case of every scenario under PATHs "
        "(default: .): each case's `expect:` assertions must hold and its outcome and trace must "
        "match its golden file (scenarios/__goldens__/<scenario>/<case>.golden.yaml).  Exit 0 "
        "when every case passes, 1 on a failure or an error diagnostic, 2 on usage errors.",
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
        type=float,
        metavar="PERCENT",
        help="fail when branch coverage is under PERCENT (implies --coverage)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no line for passing cases")
    p.add_argument(
        "--max-steps", type=int, default=1000, metavar="N", help="stop a run after N steps"
    )
    p.set_defaults(func=cmd_test)


def cmd_test(args: argparse.Namespace) -> int:
    """Run the suite and print it; the exit code."""
    from flowrt.testing.suite import UsageError, run_suite

    if args.max_steps < 1:
        print("flowrt test: --max-steps must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    if args.fail_under is not None and not 0 <= args.fail_under <= 100:
        print("flowrt test: --fail-under must be between 0 and 100", file=sys.stderr)
        return EXIT_USAGE
    from pathlib import Path

    from flowrt.core.files import report_target_problem

    for out in (args.junit_xml, args.html):
        problem = out and report_target_problem(Path(out))
        if problem:
            print(f"flowrt test: {problem}", file=sys.stderr)
            return EXIT_USAGE
    try:
        report = run_suite(
            args.paths,
            update=args.update,
            select=args.select,
            coverage=args.coverage or args.fail_under is not None or bool(args.html),
            max_steps=args.max_steps,
        )
    except UsageError as exc:
        print(f"flowrt test: {exc}", file=sys.stderr)
        return EXIT_USAGE
    under = _under_threshold(report, args.fail_under)
    if args.junit_xml:
        from pathlib import Path

        from flowrt.core.files import write_atomic

        write_atomic(Path(args.junit_xml), render_junit(report), overwrite=True)
    if args.html:
        from flowrt.reports.html import write_html

        write_html(report, args.paths, args.html)
    if args.format in ("sarif", "github"):
        from flowrt.reports.formats import print_suite

        print_suite(report, args.paths, args.format)
    elif args.format == "json":
        print(json.dumps(as_json(report, under), indent=2, sort_keys=True, ensure_ascii=False))
    else:
        print(render_text(report, quiet=args.quiet, color=_use_color(), under=under))
    return EXIT_OK if report.ok and under is None else EXIT_FINDINGS


def _use_color() -> bool:
    import os

    if os.environ.get("NO_COLOR") or os.environ.get("CI"):
        return False
    return sys.stdout.isatty()


def _under_threshold(report: SuiteReport, threshold: float | None) -> str | None:
    cov = report.coverage
    if threshold is None or cov is None or cov.percent >= threshold:
        return None
    return f"branch coverage {cov.percent:.1f}% is under --fail-under {threshold:g}%"


# ---------------------------------------------------------------------------------------------
# text


def render_text(
    report: SuiteReport, *, quiet: bool = False, color: bool = False, under: str | None = None
) -> str:
    """The whole report as text; the last line is the summary `N passed, N failed`."""
    from flowrt.core.diagnostics import render_text as render_diags
    from flowrt.core.diagnostics import summary_line

    out: list[str] = []
    if report.diagnostics:
        out.append(render_diags(report.diagnostics, color=color))
        out.append(summary_line(report.diagnostics, report.files))
        out.append("")
    for case in report.cases:
        if case.passed and quiet:
            continue
        out.append(case_line(case, color))
        if not case.passed:
            out.extend(_details(case, color))
    for action, path in report.changes:
        out.append(f"{action} {path}")
    for path in report.unused:
        out.append(f"unused golden {path} (`flowrt test --update` deletes it)")
    if report.coverage is not None:
        out.append(report.coverage.render_text())
    if under:
        out.append(under)
    if not report.cases and not report.errors:
        out.append("no scenario cases found (add *.scenario.yaml files)")
    out.append(report.summary())
    return "\n".join(out)


def case_line(case: CaseReport, color: bool = False) -> str:
    """`PASS scenarios/x.scenario.yaml::case  queued in Premium`."""
    mark = "PASS" if case.passed else "FAIL"
    if color:
        mark = f"\x1b[32m{mark}\x1b[0m" if case.passed else f"\x1b[1;31m{mark}\x1b[0m"
    return f"{mark} {case.id}  {case.result.outcome.describe()}"


def _details(case: CaseReport, color: bool) -> list[str]:
    lines = [f"     {line}" for p in case.problems() for line in p.splitlines()]
    g = case.golden
    if g is not None and g.status == "changed" and g.diff:
        for line in g.diff.rstrip("\n").splitlines():
            if color and line.startswith("+") and not line.startswith("+++"):
                line = f"\x1b[32m{line}\x1b[0m"
            elif color and line.startswith("-") and not line.startswith("---"):
                line = f"\x1b[31m{line}\x1b[0m"
            lines.append(f"     {line}")
    return lines


def failure_text(case: CaseReport) -> str:
    """What failed in one case, with the golden diff: the pytest plugin's failure report."""
    return "\n".join(line[5:] for line in _details(case, color=False))


# ---------------------------------------------------------------------------------------------
# JSON and JUnit


def as_json(report: SuiteReport, under: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "diagnostics": [d.as_json() for d in report.diagnostics],
        "cases": [c.as_json() for c in report.cases],
        "goldens": {
            "changes": [{"action": a, "path": p} for a, p in report.changes],
            "unused": list(report.unused),
        },
        "summary": {
            "passed": report.passed,
            "failed": report.failed,
            "errors": report.errors,
            "text": report.summary(),
        },
    }
    if report.coverage is not None:
        out["coverage"] = report.coverage.as_json()
        out["coverage"]["fail-under"] = under
    return out


def render_junit(report: SuiteReport) -> str:
    """A JUnit XML report: one testsuite per scenario file, one testcase per case."""
    import xml.etree.ElementTree as ET

    root = ET.Element(
        "testsuites",
        name="flowrt",
        tests=str(len(report.cases)),
        failures=str(report.failed),
        errors=str(report.errors),
    )
    suites: dict[str, ET.Element] = {}
    for case in report.cases:
        suite = suites.get(case.file)
        if suite is None:
            suite = suites[case.file] = ET.SubElement(
                root, "testsuite", name=case.file, tests="0", failures="0", errors="0"
            )
        suite.set("tests", str(int(suite.get("tests", "0")) + 1))
        tc = ET.SubElement(suite, "testcase", classname=case.file, name=case.case, file=case.file)
        if not case.passed:
            suite.set("failures", str(int(suite.get("failures", "0")) + 1))
            problems = case.problems()
            failure = ET.SubElement(tc, "failure", message=problems[0] if problems else "failed")
            failure.text = failure_text(case)
    errors = [d for d in report.diagnostics if d.is_error]
    if errors:
        from flowrt.core.diagnostics import render_text as render_diags

        suite = ET.SubElement(root, "testsuite", name="validation", tests="1", errors="1")
        tc = ET.SubElement(suite, "testcase", classname="flowrt", name="validate")
        err = ET.SubElement(tc, "error", message=f"{len(errors)} error diagnostic(s)")
        err.text = render_diags(errors)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, "unicode") + "\n"
