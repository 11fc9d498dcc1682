"""A `flowrt test` report as people and CI read it: text, JSON and JUnit XML.

The command line (flowrt.cli.test) prints these; the pytest plugin shows `failure_text` under a
failed case.  Nothing here runs a case: the report comes from flowrt.testing.suite.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flowrt.testing.suite import CaseReport, SuiteReport


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
