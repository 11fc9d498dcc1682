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
    out = text_head(report, color)
    for case in report.cases:
        out.extend(text_case(case, quiet=quiet, color=color))
    out.extend(text_tail(report, under))
    return "\n".join(out)


def text_head(report: SuiteReport, color: bool = False) -> list[str]:
    """What the text report says before its cases: the projects' diagnostics."""
    from flowrt.core.diagnostics import render_text as render_diags
    from flowrt.core.diagnostics import summary_line

    if not report.diagnostics:
        return []
    return [
        render_diags(report.diagnostics, color=color),
        summary_line(report.diagnostics, report.files),
        "",
    ]


def text_case(case: CaseReport, *, quiet: bool = False, color: bool = False) -> list[str]:
    """One case's lines: its PASS/FAIL line and what failed (none for a passing case with
    `quiet`)."""
    if case.passed:
        return [] if quiet else [case_line(case, color)]
    return [case_line(case, color), *_details(case, color)]


def text_tail(report: SuiteReport, under: str | None = None) -> list[str]:
    """What the text report says after its cases: goldens written or unused, coverage, the
    threshold missed, why nothing ran, and the summary line."""
    out: list[str] = []
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
    return out


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
    junit = JUnit()
    for case in report.cases:
        junit.add(case)
    return junit.render(report)


class JUnit:
    """A JUnit XML report built as the cases come (`add`), for a streamed `flowrt test`: each
    case is kept only as its `<testcase>` element's text, grouped by scenario file, and
    `render` writes the document, byte for byte what `xml.etree.ElementTree.indent` and
    `tostring` give for the whole tree."""

    def __init__(self) -> None:
        #: Scenario file -> [tests, failures, the text of each testcase].
        self.suites: dict[str, list[Any]] = {}

    def add(self, case: CaseReport) -> None:
        import xml.etree.ElementTree as ET

        suite = self.suites.setdefault(case.file, [0, 0, []])
        suite[0] += 1
        file, name = printable(case.file), printable(case.case)
        tc = ET.Element("testcase", classname=file, name=name, file=file)
        if not case.passed:
            suite[1] += 1
            problems = case.problems()
            message = printable(problems[0], multiline=True) if problems else "failed"
            failure = ET.SubElement(tc, "failure", message=message)
            failure.text = failure_text(case)
        ET.indent(tc, level=2)  # inside <testsuites> and <testsuite>
        suite[2].append(ET.tostring(tc, "unicode"))

    def render(self, report: SuiteReport) -> str:
        """The XML document (the counts and the validation errors from `report`)."""
        import xml.etree.ElementTree as ET

        parts = [
            _open(
                "testsuite",
                name=printable(file),
                tests=str(tests),
                failures=str(failures),
                errors="0",
            )
            + "\n    "
            + "\n    ".join(cases)
            + "\n  </testsuite>"
            for file, (tests, failures, cases) in self.suites.items()
        ]
        errors = [d for d in report.diagnostics if d.is_error]
        if errors:
            from flowrt.core.diagnostics import render_text as render_diags

            suite = ET.Element("testsuite", name="validation", tests="1", errors="1")
            tc = ET.SubElement(suite, "testcase", classname="flowrt", name="validate")
            err = ET.SubElement(tc, "error", message=f"{len(errors)} error diagnostic(s)")
            err.text = printable(render_diags(errors), multiline=True)
            ET.indent(suite, level=1)
            parts.append(ET.tostring(suite, "unicode"))
        head = _open(
            "testsuites",
            name="flowrt",
            tests=str(report.ran),
            failures=str(report.failed),
            errors=str(report.errors),
        )
        if parts:
            body = head + "\n  " + "\n  ".join(parts) + "\n</testsuites>"
        else:
            body = head.removesuffix(">") + " />"
        return '<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n"


def _open(tag: str, **attributes: str) -> str:
    """The start tag `<tag a="..." ...>`, its attributes escaped and in order as ElementTree
    writes them."""
    import xml.etree.ElementTree as ET

    return ET.tostring(ET.Element(tag, attributes), "unicode").removesuffix(" />") + ">"
