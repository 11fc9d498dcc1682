"""Spans, diagnostics and their rendering: the one error currency of every stage.

Every stage (loader, schema validation, compiler, interpreter) *yields* `Diagnostic` records; one
driver collects them and renders them once, like a compiler (`file:line:col: error[FR012]: ...`,
the source line, a caret, a hint).  The codes are stable and documented in docs/diagnostics.md;
`CODES` is the registry and a test checks that every code is documented there.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A region of a source file.  Lines and columns are 1-based; the end is exclusive."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    def shifted(self, start: int, end: int | None = None) -> Span:
        """The sub-span of a single-line scalar from character `start` to `end` (0-based)."""
        end = start + 1 if end is None else max(end, start + 1)
        return Span(self.file, self.line, self.column + start, self.line, self.column + end)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class Severity(StrEnum):
    """How serious a diagnostic is; only errors make a command fail."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclass(frozen=True, slots=True)
class CodeInfo:
    """A registered diagnostic code: its default severity and a one-line title."""

    severity: Severity
    title: str


def _e(title: str) -> CodeInfo:
    return CodeInfo(Severity.ERROR, title)


def _w(title: str) -> CodeInfo:
    return CodeInfo(Severity.WARNING, title)


# The registry of stable codes.  Never renumber: tools and users key on them.
CODES: dict[str, CodeInfo] = {
    # reading files (FR001-FR009)
    "FR001": _e("file cannot be read or is not UTF-8 text"),
    "FR002": _e("YAML syntax error"),
    "FR003": _e("duplicate key"),
    "FR004": _e("empty document"),
    "FR005": _e("document too large"),
    "FR006": _e("nesting too deep"),
    "FR007": _e("too much alias expansion"),
    "FR008": _e("YAML tag not allowed"),
    "FR009": _e("path outside the project root"),
    # schema (FR010-FR019)
    "FR010": _e("unknown key"),
    "FR011": _e("wrong type"),
    "FR012": _e("missing required key"),
    "FR013": _e("value not allowed"),
    "FR014": _e("unknown block type"),
    "FR015": _e("unknown file kind"),
    # names and graph (FR020-FR039)
    "FR020": _e("unknown block"),
    "FR021": _e("unknown queue"),
    "FR022": _e("unknown user"),
    "FR023": _e("unknown flow"),
    "FR024": _e("unknown quick connect"),
    "FR025": _e("unknown phone number"),
    "FR026": _e("unknown email address"),
    "FR027": _e("unknown hours of operation"),
    "FR028": _e("unknown routing profile"),
    "FR029": _e("unknown Lambda function"),
    "FR030": _w("unreachable block"),
    "FR031": _e("required branch not connected"),
    "FR032": _e("cycle with no way out"),
    "FR033": _e("block not allowed in this flow type"),
    "FR034": _e("branch not available with these settings"),
    "FR035": _e("duplicate flow name"),
    "FR036": _w("no instance file for this flow"),
    "FR037": _e("unknown prompt"),
    # limits (FR040-FR049)
    "FR040": _e("DTMF digits invalid"),
    "FR041": _e("timeout out of range"),
    "FR042": _e("invalid block name"),
    "FR043": _w("loop prompts interrupt under 20 seconds"),
    "FR044": _w("more blocks than Amazon Connect accepts"),
    "FR045": _e("too many blocks"),
    # expressions (FR050-FR059)
    "FR050": _e("expression does not parse"),
    # instance rules (FR060-FR079)
    "FR060": _e("quick connect misconfigured"),
    "FR061": _w("agent cannot answer contacts"),
    "FR062": _e("email alias rule broken"),
    "FR063": _e("too many queue email addresses"),
    "FR064": _e("duplicate identifier in the instance"),
    "FR065": _e("default outbound queue not in the routing profile"),
    "FR066": _e("more than one instance file in a project"),
    # scenarios and runs (FR100-FR119)
    "FR100": _e("unknown flow in a scenario"),
    "FR101": _e("unknown queue in a scenario"),
    "FR102": _e("unknown block in a scenario"),
    "FR103": _e("Lambda mock for a function the flow does not call"),
    "FR104": _e("contact attributes over the size limit"),
    "FR105": _e("invalid attribute key"),
    "FR106": _e("invalid Lambda mock"),
    "FR107": _e("step limit exceeded"),
    "FR108": _e("unknown user in a scenario"),
    # the email channel (FR200-FR249)
    "FR200": _e("StartEmailContact request invalid"),
    "FR201": _e("StartEmailContact names a resource that does not exist"),
    "FR202": _e("ClientToken reused with a different request"),
    "FR203": _e("email case conflicts with its StartEmailContact request"),
    "FR204": _e("unknown name in an agent action"),
    "FR205": _e("no outbound email flow"),
    "FR206": _e("mail loop: the outbound email flow sends email"),
    # assertions, goldens and tests (FR300-FR349)
    "FR300": _e("unknown block in an assertion"),
    "FR301": _e("unknown branch in an assertion"),
    "FR302": _e("unknown flow in an assertion"),
    "FR303": _e("unknown queue in an assertion"),
    "FR304": _e("contradictory assertions"),
    "FR310": _e("golden file malformed"),
    # Amazon Connect import and export (FR400-FR449)
    "FR400": _e("import: file is not JSON"),
    "FR401": _e("import: not an Amazon Connect flow"),
    "FR402": _e("import: unknown flow language version"),
    "FR403": _w("import: legacy module without a flow-language equivalent"),
    "FR404": _e("output file exists"),
    "FR410": _e("export: flowrt-only block"),
    "FR411": _e("export: condition cannot be expressed in Amazon Connect"),
    "FR412": _e("export: more than 250 actions"),
    "FR413": _e("export: invalid action Identifier"),
    "FR414": _w("export: name not mapped to an ARN or ID"),
    "FR415": _e("export: block setting Amazon Connect cannot express"),
    "FR416": _w("export: branch dropped, Amazon Connect has no such branch"),
    "FR417": _e("export: legacy pass-through block"),
    "FR419": _e("export: flow content too large"),
    "FR420": _e("environment file invalid"),
    # test results for CI formats: SARIF, GitHub annotations (FR500-FR549)
    "FR500": _e("scenario case failed"),
    "FR501": _e("run differs from its golden file"),
    "FR502": _e("golden file missing"),
    "FR503": _w("unused golden file"),
}


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding of any stage: a stable code, a message, where, and how to fix it."""

    code: str
    message: str
    span: Span | None = None
    hint: str | None = None
    severity: Severity = field(default=Severity.ERROR)

    @classmethod
    def make(
        cls, code: str, message: str, span: Span | None = None, hint: str | None = None
    ) -> Diagnostic:
        """A diagnostic with the code's registered severity."""
        return cls(code, message, span, hint, CODES[code].severity)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def sort_key(self) -> tuple[str, int, int, str]:
        if self.span is None:
            return ("", 0, 0, self.code)
        return (self.span.file, self.span.line, self.span.column, self.code)

    def as_json(self) -> dict[str, object]:
        d: dict[str, object] = {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
        }
        if self.span is not None:
            s = self.span
            d.update(
                file=s.file,
                line=s.line,
                column=s.column,
                end_line=s.end_line,
                end_column=s.end_column,
            )
        if self.hint:
            d["hint"] = self.hint
        return d


class FlowrtError(Exception):
    """Raised by the public API when a stage finds errors; carries every diagnostic."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics = list(diagnostics)
        first = next((d for d in self.diagnostics if d.is_error), None)
        summary = f"{first.span}: {first.message}" if first and first.span else ""
        super().__init__(f"{sum(d.is_error for d in self.diagnostics)} error(s) {summary}".strip())


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.is_error for d in diagnostics)


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """A 'did you mean' suggestion for a misspelled name, or None."""
    import difflib

    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return matches[0] if matches else None


def suggestion(word: str, choices: Iterable[str]) -> str:
    """' (did you mean `x`?)' or the empty string."""
    best = did_you_mean(word, choices)
    return f" (did you mean `{best}`?)" if best else ""


# ---------------------------------------------------------------------------------------------
# rendering


class SourceCache:
    """Source lines of files, read once, for rendering carets."""

    def __init__(self) -> None:
        self._lines: dict[str, list[str]] = {}

    def add(self, file: str, text: str) -> None:
        self._lines[file] = _split_lines(text)

    def line(self, file: str, number: int) -> str | None:
        if file not in self._lines:
            try:
                with open(file, encoding="utf-8", errors="replace", newline="") as fh:
                    self._lines[file] = _split_lines(fh.read())
            except OSError:
                self._lines[file] = []
        lines = self._lines[file]
        return lines[number - 1] if 0 < number <= len(lines) else None


def _split_lines(text: str) -> list[str]:
    # Lines end at \n, as the loader counts them; `str.splitlines` would also break at \x0b,
    # \x1c, \u2028 and others, and show the wrong line under the caret.
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    return lines[:-1] if lines[-1] == "" else lines


def render_text(
    diagnostics: Sequence[Diagnostic], sources: SourceCache | None = None, color: bool = False
) -> str:
    """Compiler-style rendering of every diagnostic, sorted by position, with a summary line."""
    sources = sources or SourceCache()
    out: list[str] = []
    for d in sorted(diagnostics, key=Diagnostic.sort_key):
        out.append(_render_one(d, sources, color))
    return "\n".join(out)


_COLORS = {
    Severity.ERROR: "\x1b[1;31m",
    Severity.WARNING: "\x1b[1;33m",
    Severity.NOTE: "\x1b[1;36m",
}


def _render_one(d: Diagnostic, sources: SourceCache, color: bool) -> str:
    sev = d.severity.value
    if color:
        sev = f"{_COLORS[d.severity]}{sev}\x1b[0m"
    where = f"{d.span}: " if d.span else ""
    lines = [f"{where}{sev}[{d.code}]: {d.message}"]
    if d.span is not None:
        text = sources.line(d.span.file, d.span.line)
        if text is not None:
            gutter = str(d.span.line)
            # One character per column, and never raw control characters (a hostile file must
            # not drive the terminal with escape sequences).
            shown = "".join(c if c.isprintable() else "\ufffd" for c in text.expandtabs(1))
            width = 1
            if d.span.end_line == d.span.line:
                width = max(1, d.span.end_column - d.span.column)
            width = max(1, min(width, len(shown) - d.span.column + 1))
            lines.append(f" {gutter} | {shown}")
            lines.append(f" {' ' * len(gutter)} | {' ' * (d.span.column - 1)}{'^' * width}")
    if d.hint:
        lines.append(f"  = hint: {d.hint}")
    return "\n".join(lines)


def summary_line(diagnostics: Sequence[Diagnostic], files: int) -> str:
    errors = sum(d.severity is Severity.ERROR for d in diagnostics)
    warnings = sum(d.severity is Severity.WARNING for d in diagnostics)
    return f"{files} file(s) checked: {errors} error(s), {warnings} warning(s)"


def render_json(diagnostics: Sequence[Diagnostic]) -> str:
    """Machine-readable rendering: a JSON array of diagnostics sorted by position."""
    items = [d.as_json() for d in sorted(diagnostics, key=Diagnostic.sort_key)]
    return json.dumps(items, indent=2, ensure_ascii=False)
