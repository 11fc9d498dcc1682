"""A `flowrt test` report as people and CI read it: text, JSON and JUnit XML.

The command line (flowrt.cli.test) prints these; the pytest plugin shows `failure_text` under a
failed case.  Nothing here runs a case: the report comes from flowrt.testing.suite.

Case names, flow names, messages and paths come from the project: in text and JUnit XML their
control characters are shown as escapes (`flowrt.core.text.printable`), so they cannot drive a
terminal, start a line of their own (one a CI runner would read as a command) or make the XML
unparsable; a line of a multi-line text (a failure, a golden diff) is made safe on its own.  The
JSON report keeps them as they are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flowrt.core.text import printable

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
        out.append(f"{action} {printable(path)}")
    for path in report.unused:
        out.append(f"unused golden {printable(path)} (`flowrt test --update` deletes it)")
    if report.coverage is not None:
        out.append(printable(report.coverage.render_text(), multiline=True))
    if under:
        out.append(under)
    if report.nothing_selected:
        out.append(printable(report.nothing_selected))
    out.append(report.summary())
    return "\n".join(out)


def case_line(case: CaseReport, color: bool = False) -> str:
    """`PASS scenarios/x.scenario.yaml::case  queued in Premium`."""
    mark = "PASS" if case.passed else "FAIL"
    if color:
        mark = f"\x1b[32m{mark}\x1b[0m" if case.passed else f"\x1b[1;31m{mark}\x1b[0m"
    return f"{mark} {printable(case.id)}  {printable(case.outcome.describe())}"


def _details(case: CaseReport, color: bool) -> list[str]:
    lines = [f"     {printable(line)}" for p in case.problems() for line in _lines(p)]
    g = case.golden
    if g is not None and g.status == "changed" and g.diff:
        for line in _lines(g.diff.rstrip("\n")):
            line = printable(line)
            if color and line.startswith("+") and not line.startswith("+++"):
                line = f"\x1b[32m{line}\x1b[0m"
            elif color and line.startswith("-") and not line.startswith("---"):
                line = f"\x1b[31m{line}\x1b[0m"
            lines.append(f"     {line}")
    return lines


def _lines(text: str) -> list[str]:
    """The lines of a text that is several lines by design: only a newline ends one (with the
    carriage return before it); any other line break is shown as an escape."""
    lines = text.split("\n")
    if lines[-1] == "":  # as `str.splitlines`: no line after a final newline, none in ""
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


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
            "nothing-selected": report.nothing_selected,
            "text": report.summary(),
        },
    }
    if report.coverage is not None:
        out["coverage"] = report.coverage.as_json()
        out["coverage"]["fail-under"] = under
    return out


def render_junit(report: SuiteReport) -> str:
    """A JUnit XML report: one testsuite per scenario file, one testcase per case.  Every text
    and attribute is `printable`, so the XML is well-formed whatever the names hold."""
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
                root, "testsuite", name=printable(case.file), tests="0", failures="0", errors="0"
            )
        suite.set("tests", str(int(suite.get("tests", "0")) + 1))
        file, name = printable(case.file), printable(case.case)
        tc = ET.SubElement(suite, "testcase", classname=file, name=name, file=file)
        if not case.passed:
            suite.set("failures", str(int(suite.get("failures", "0")) + 1))
            problems = case.problems()
            message = printable(problems[0], multiline=True) if problems else "failed"
            failure = ET.SubElement(tc, "failure", message=message)
            failure.text = failure_text(case)
    errors = [d for d in report.diagnostics if d.is_error]
    if errors:
        from flowrt.core.diagnostics import render_text as render_diags

        suite = ET.SubElement(root, "testsuite", name="validation", tests="1", errors="1")
        tc = ET.SubElement(suite, "testcase", classname="flowrt", name="validate")
        err = ET.SubElement(tc, "error", message=f"{len(errors)} error diagnostic(s)")
        err.text = printable(render_diags(errors), multiline=True)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, "unicode") + "\n"
