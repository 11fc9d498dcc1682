"""Diagnostics for CI: SARIF 2.1.0 for code scanning and GitHub workflow-command annotations.

`render_sarif` writes one SARIF run whose rules are every registered code (`CODES`), each with its
title and the help text of its section in docs/diagnostics.md (shipped as
`flowrt/reports/diagnostics_help.json`, regenerated with `python -m flowrt.reports.formats` and checked by a
test), and one result per diagnostic with its file, line, column and end.  `render_github` writes
`::error file=...,line=...::message` lines that GitHub Actions turns into annotations on the pull
request.  Both are deterministic: the same diagnostics give the same bytes.

A workflow command is one line that the runner reads from the job's output, so nothing of a
diagnostic may end it early or start another: `%`, CR and LF are escaped by GitHub's rules (`%25`,
`%0D`, `%0A`; in a property `:` and `,` too), so a message of several lines shows its lines inside
the annotation, and every other control character is shown as an escape (`printable`,
flowrt.core.text), so none reaches the log raw.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from functools import cache
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from flowrt.core.diagnostics import CODES, Diagnostic, Severity, Span
from flowrt.core.text import printable

if TYPE_CHECKING:
    from flowrt.project.driver import Project
    from flowrt.testing.suite import CaseReport, SuiteReport

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
HELP_FILE = Path(__file__).with_name("diagnostics_help.json")
_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "note"}
_GITHUB = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}


# ---------------------------------------------------------------------------------------------
# help text from docs/diagnostics.md

_SECTION = re.compile(r"^## (FR\d{3})\n(.*?)(?=^## |\Z)", re.M | re.S)
_FIX = re.compile(r"^\*\*Fix:\*\*\s*(.*?)\s*$", re.M | re.S)


def help_from_doc(text: str) -> dict[str, dict[str, str]]:
    """Per code, `text` (what triggers it and the fix, plain) and `markdown` (the whole section)."""
    out: dict[str, dict[str, str]] = {}
    for match in _SECTION.finditer(text):
        code, body = match.group(1), match.group(2).strip()
        paragraphs = [p.strip() for p in body.split("\n\n")]
        # The paragraph after the title line says what triggers the code.
        what = next(
            (
                p
                for p in paragraphs[1:]
                if p and not p.startswith(("```", "<!--", "Example", "**Fix:**", "|", "- ", "#"))
            ),
            "",
        )
        fix = _FIX.search(body)
        plain = " ".join(what.split())
        if fix:
            plain += "\n\nFix: " + " ".join(fix.group(1).split())
        out[code] = {"text": plain.strip(), "markdown": f"## {code}\n\n{body}\n"}
    return dict(sorted(out.items()))


@cache
def _help() -> dict[str, dict[str, str]]:
    try:
        data: dict[str, dict[str, str]] = json.loads(HELP_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data


def rule_help(code: str) -> dict[str, str]:
    """The help of a code: from the shipped help file, else its registered title."""
    found = _help().get(code)
    if found:
        return found
    title = CODES[code].title if code in CODES else code
    return {"text": title, "markdown": f"**{code}**: {title}"}


def _rule_name(title: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in re.findall(r"[A-Za-z0-9]+", title))


# ---------------------------------------------------------------------------------------------
# SARIF


def _uri(file: str) -> tuple[str, bool]:
    """A SARIF artifact URI for a diagnostic's file, and whether it is relative to the root."""
    path = Path(file)
    if path.is_absolute():
        return path.as_uri(), False
    posix = PurePosixPath(*path.parts).as_posix()
    return posix.removeprefix("./"), True


def sarif_rules() -> list[dict[str, Any]]:
    """One SARIF reportingDescriptor per registered code, sorted by code."""
    rules = []
    for code in sorted(CODES):
        info = CODES[code]
        helped = rule_help(code)
        rules.append(
            {
                "id": code,
                "name": _rule_name(info.title),
                "shortDescription": {"text": info.title},
                "fullDescription": {"text": helped["text"].split("\n\n")[0] or info.title},
                "help": {"text": helped["text"], "markdown": helped["markdown"]},
                "defaultConfiguration": {"level": _LEVELS[info.severity]},
                "properties": {"tags": ["flowrt", "contact-center"], "precision": "very-high"},
            }
        )
    return rules


def _sarif_result(d: Diagnostic, index: dict[str, int]) -> dict[str, Any]:
    text = d.message + (f"\nHint: {d.hint}" if d.hint else "")
    result: dict[str, Any] = {
        "ruleId": d.code,
        "level": _LEVELS[d.severity],
        "message": {"text": text},
    }
    if d.code in index:
        result["ruleIndex"] = index[d.code]
    if d.span is not None:
        s = d.span
        uri, relative = _uri(s.file)
        artifact: dict[str, Any] = {"uri": uri}
        if relative:
            artifact["uriBaseId"] = "%SRCROOT%"
        one_line = s.end_line <= s.line
        region = {
            "startLine": s.line,
            "startColumn": s.column,
            "endLine": max(s.end_line, s.line),
            # SARIF's endColumn is exclusive, as flowrt's is; never an empty region.
            "endColumn": max(s.end_column, s.column + 1) if one_line else max(s.end_column, 1),
        }
        result["locations"] = [
            {"physicalLocation": {"artifactLocation": artifact, "region": region}}
        ]
    return result


def sarif_log(diagnostics: Sequence[Diagnostic]) -> dict[str, Any]:
    """A SARIF 2.1.0 log with one run of flowrt."""
    from flowrt.core import __version__

    rules = sarif_rules()
    index = {r["id"]: i for i, r in enumerate(rules)}
    ordered = sorted(diagnostics, key=Diagnostic.sort_key)
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "flowrt",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": rules,
            }
        },
        "columnKind": "unicodeCodePoints",
        "results": [_sarif_result(d, index) for d in ordered],
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def render_sarif(diagnostics: Sequence[Diagnostic]) -> str:
    """SARIF 2.1.0 JSON text (what `--format sarif` prints)."""
    return json.dumps(sarif_log(diagnostics), indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------------------------------
# GitHub workflow commands


_LINE_BREAK = re.compile(r"(\r|\n)")


def _escape_data(text: str) -> str:
    """A command's message: GitHub's escapes for `%`, CR and LF, every other control character
    shown as an escape (`printable`)."""
    text = "".join(p if p in ("\r", "\n") else printable(p) for p in _LINE_BREAK.split(text))
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    """A property's value (file, title): as a message, with `:` and `,` escaped too."""
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_line(d: Diagnostic) -> str:
    """One workflow command: `::error file=F,line=L,col=C,endLine=..,endColumn=..,title=..::msg`."""
    props: list[tuple[str, str]] = []
    if d.span is not None:
        s = d.span
        props += [("file", Path(s.file).as_posix()), ("line", str(s.line)), ("col", str(s.column))]
        props += [("endLine", str(s.end_line))]
        if s.end_line == s.line:
            props += [("endColumn", str(s.end_column))]
    title = CODES[d.code].title if d.code in CODES else ""
    props.append(("title", f"flowrt {d.code}" + (f": {title}" if title else "")))
    message = d.message + (f"\nhint: {d.hint}" if d.hint else "")
    head = ",".join(f"{k}={_escape_property(v)}" for k, v in props)
    return f"::{_GITHUB[d.severity]} {head}::{_escape_data(message)}"


def render_github(diagnostics: Sequence[Diagnostic]) -> str:
    """Every diagnostic as a GitHub Actions annotation, one per line, sorted by position."""
    return "\n".join(github_line(d) for d in sorted(diagnostics, key=Diagnostic.sort_key))


# ---------------------------------------------------------------------------------------------
# test results as diagnostics (FR500-FR503), for `flowrt test --format sarif|github`

_POSITION = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<rest>.*)$", re.S)


def load_projects(paths: Sequence[str]) -> list[Project]:
    """The projects under `paths` (as `flowrt test` groups them), loaded once each."""
    from flowrt.project.driver import load_project, project_roots

    roots: dict[Path, Project] = {}
    for raw in paths or ["."]:
        for root in project_roots(Path(raw), "scenario"):
            if root.resolve() not in roots:
                roots[root.resolve()] = load_project(root)
    return list(roots.values())


def case_span(projects: Sequence[Project], file: str, case: str) -> Span | None:
    """The span of `case`'s key in the scenario `file` (relative to its project root)."""
    for project in projects:
        for doc in project.scenario_docs:
            try:
                rel = Path(doc.file).resolve().relative_to(project.root.resolve()).as_posix()
            except ValueError:
                continue
            if rel == file:
                span: Span | None = doc.key_span(("cases", case))
                return span
    return None


def suite_diagnostics(report: SuiteReport, projects: Sequence[Project]) -> list[Diagnostic]:
    """A `flowrt test` report as diagnostics: the project's own, then one per failure."""
    out = list(report.diagnostics)
    for case in report.cases:
        if case.passed:
            continue
        where = case_span(projects, case.file, case.case)
        prefix = f"case `{case.case}` ({case.scenario}): "
        for failure in case.failures:
            m = _POSITION.match(failure)
            span = where
            if m:
                line, col = int(m["line"]), int(m["col"])
                span = Span(m["file"], line, col, line, col + 1)
                failure = m["rest"]
            out.append(Diagnostic.make("FR500", prefix + failure, span))
        out.extend(_golden_diagnostics(case, where, prefix))
    for path in report.unused:
        out.append(
            Diagnostic.make(
                "FR503",
                f"golden file {path} belongs to no case",
                Span(path, 1, 1, 1, 2),
                "`flowrt test --update` deletes it (without -k)",
            )
        )
    return out


def _golden_diagnostics(case: CaseReport, where: Span | None, prefix: str) -> list[Diagnostic]:
    g = case.golden
    if g is None or not g.failed:
        return []
    if g.status == "malformed" and g.diagnostic is not None:
        return [g.diagnostic]
    if g.status == "missing":
        return [
            Diagnostic.make(
                "FR502",
                f"{prefix}no golden file {g.path}",
                where,
                "run `flowrt test --update` to write it, then commit it",
            )
        ]
    moved = "; ".join(line.strip() for line in g.moved) or "the trace changed"
    return [
        Diagnostic.make(
            "FR501",
            f"{prefix}the run differs from {g.path}: {moved}",
            where,
            "if the change is intended, run `flowrt test --update` and commit the golden",
        )
    ]


def print_suite(report: SuiteReport, paths: Sequence[str], fmt: str) -> None:
    """Print a `flowrt test` report as SARIF or as GitHub annotations (and the summary line)."""
    diags = suite_diagnostics(report, load_projects(paths))
    if fmt == "sarif":
        sys.stdout.write(render_sarif(diags))
        return
    if diags:
        print(render_github(diags))
    print(report.summary())


# ---------------------------------------------------------------------------------------------


def write_help(doc: Path, out: Path = HELP_FILE) -> None:
    """Regenerate the shipped help file from docs/diagnostics.md."""
    data = help_from_doc(doc.read_text(encoding="utf-8"))
    from flowrt.core.files import write_atomic

    write_atomic(out, json.dumps(data, indent=1, ensure_ascii=False) + "\n", overwrite=True)


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    root = Path(__file__).resolve().parent.parent.parent
    write_help(root / "docs" / "diagnostics.md")
    print(f"wrote {HELP_FILE}")
