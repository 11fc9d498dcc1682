"""Spans, diagnostics and their rendering: the one error currency of every stage.

Every stage (loader, schema validation, compiler, interpreter) *yields* `Diagnostic` records; one
driver collects them and renders them once, like a compiler (`file:line:col: error[FR012]: ...`,
the source line, a caret, a hint).  The codes are stable and documented in docs/diagnostics.md;
`CODES` is the registry and a test checks that every code is documented there.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from flowrt.core.text import printable


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


def _n(title: str) -> CodeInfo:
    return CodeInfo(Severity.NOTE, title)


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
    "FR043": _w("loop prompts interrupt every 20 seconds or less"),
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
    "FR070": _e("event hook block sets no event or several"),
    "FR071": _e("routing behavior needs one of priority and time adjustment"),
    "FR072": _e("percentage conditions are not a rising chain"),
    # world services: bots, views, loops, modules, profiles, hours overrides (FR080-FR089)
    "FR080": _e("hours of operation override invalid"),
    "FR081": _e("invoked flow is not a module"),
    "FR082": _e("condition operator not supported by this block"),
    "FR083": _e("loop count out of range"),
    "FR084": _e("customer profile search without a search key"),
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
    "FR109": _w("phone number outcome for a number the flow never dials"),
    "FR110": _w("customer input for a block that never asks"),
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
    "FR311": _e("two cases share a golden file"),
    # Amazon Connect import and export (FR400-FR449)
    "FR400": _e("import: file is not JSON"),
    "FR401": _e("import: not an Amazon Connect flow"),
    "FR402": _e("import: unknown flow language version"),
    "FR403": _w("import: legacy module without a flow-language equivalent"),
    "FR404": _e("output file exists"),
    "FR430": _w("import: action kept as a connect-action (not simulated)"),
    "FR431": _e("get-customer-input: Store customer input options Amazon Connect refuses"),
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
    "FR440": _w("import: legacy module names no resource"),
    "FR441": _e("import: transition to no action"),
    "FR442": _n("import: flow type not stated in the file"),
    "FR443": _e("import: CloudFormation or Terraform file cannot be read"),
    "FR444": _e("transfer to a flow of a type Amazon Connect does not allow"),
    "FR445": _w("event hook names a flow outside the project"),
    "FR450": _e("export-tests: case cannot be an Amazon Connect test case"),
    "FR451": _w("export-tests: name not mapped to an ARN or ID"),
    "FR452": _e("import: not an Amazon Connect test case"),
    "FR453": _e("import: test case without a scenario equivalent"),
    # test results for CI formats: SARIF, GitHub annotations (FR500-FR549)
    "FR500": _e("scenario case failed"),
    "FR501": _e("run differs from its golden file"),
    "FR502": _e("golden file missing"),
    "FR503": _w("unused golden file"),
    # flowrt replay: Amazon Connect flow logs (FR600-FR619)
    "FR600": _w("replay: malformed flow log record"),
    "FR601": _w("replay: unknown flow log module type"),
    "FR602": _e("replay: flow logs cannot be read"),
    # flowrt explore: reachability, cases and properties (FR700-FR719)
    "FR700": _w("explore: branch no world reaches"),
    "FR701": _w("explore: branch of a block on no path"),
    "FR702": _w("explore: block not modelled, its branches taken as choice points"),
    "FR703": _w("explore: exploration stopped at its run budget"),
    "FR710": _w("explore: a path falls off (branch not connected)"),
    "FR711": _w("explore: a path ends in an error"),
    "FR712": _w("explore: a loop with no prompt or input"),
    "FR713": _w("explore: a loop no world leaves"),
    "FR714": _w("explore: too many prompts before a queue"),
    "FR715": _w("explore: a property of the project does not hold"),
    "FR716": _e("explore: properties file invalid"),
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
        count = f"{sum(d.is_error for d in self.diagnostics)} error(s)"
        if first is None:
            super().__init__(count)
        elif first.span is None:  # about an argument, not a file: the message alone
            super().__init__(f"{count}: {neutralized(first.message)}")
        else:
            super().__init__(f"{count} {neutralized(f'{first.span}: {first.message}')}")


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.is_error for d in diagnostics)


# ---------------------------------------------------------------------------------------------
# "did you mean"

#: The closeness a suggestion needs (difflib's ratio, as `difflib.get_close_matches` uses it).
_CUTOFF = 0.6
#: Words and names longer than this get no suggestion (comparing them costs their lengths'
#: product, and a name this long is no typo).
_MAX_WORD = 200
#: Up to this many names of a fitting length, the best match among all of them is found (the
#: answer `difflib.get_close_matches(word, names, n=1)` gives).  Above, among the names next to
#: the word in alphabetical order and in the order of their endings: each search is bounded
#: whatever the project holds.
_EXACT = 300
_NEAR = 20
#: The comparisons one large set of names may spend on searches; past it (thousands of unknown
#: names against thousands of known ones) the remaining unknown names get no suggestion.
_BUDGET = 300_000


class _Names:
    """Names to suggest from, indexed once: by length, alphabetically, and by their endings."""

    def __init__(self, names: Iterable[str]) -> None:
        unique = sorted({n for n in names if isinstance(n, str) and len(n) <= _MAX_WORD})
        self.by_length: dict[int, list[str]] = {}
        for name in unique:
            self.by_length.setdefault(len(name), []).append(name)
        self.sorted = unique
        self.reversed = sorted(n[::-1] for n in unique)
        self.counts: dict[str, dict[str, int]] = {}
        self.pools: dict[int, list[str]] = {}  # by the length of the word, when small
        self.answers: dict[str, str | None] = {}
        self.budget = _BUDGET

    def best(self, word: str) -> str | None:
        if word in self.answers:
            return self.answers[word]
        answer = None
        if len(word) <= _MAX_WORD and self.budget != 0:
            answer = self._search(word)
        if len(self.answers) < (1000 if self.budget < 0 else 10_000):
            self.answers[word] = answer
        return answer

    def _pool(self, word: str) -> list[str]:
        """Names of a length that can reach the cutoff (difflib's `real_quick_ratio`)."""
        n = len(word)
        pool = self.pools.get(n)
        if pool is None:
            pool = [
                name
                for length, names in self.by_length.items()
                if _length_bound(n, length) >= _CUTOFF
                for name in names
            ]
            if len(pool) <= _EXACT:
                self.pools[n] = pool
        if len(pool) <= _EXACT:
            return pool
        # A typo keeps a beginning or an ending: the names next to the word, to the word but its
        # last character and to its first half, alphabetically and by their endings.
        near: set[str] = set()
        backwards = word[::-1]
        for part in (word, word[:-1], word[: n // 2]):
            near.update(_neighbours(self.sorted, part))
        for part in (backwards, backwards[:-1], backwards[: n // 2]):
            near.update(r[::-1] for r in _neighbours(self.reversed, part))
        return [name for name in near if _length_bound(n, len(name)) >= _CUTOFF]

    def _search(self, word: str) -> str | None:
        pool = self._pool(word)
        if self.budget > 0:
            self.budget = max(0, self.budget - 10 - len(pool))
        mine = _char_counts(word).items()
        n = len(word)
        counts = self.counts
        scored = []
        for name in pool:
            # difflib's `quick_ratio` (the characters both hold), from counts made once
            theirs = counts.get(name)
            if theirs is None:
                theirs = counts[name] = _char_counts(name)
            both = 0
            for c, k in mine:
                m = theirs.get(c)
                if m:
                    both += k if k < m else m
            total = n + len(name)
            if (2.0 * both / total if total else 1.0) >= _CUTOFF:
                scored.append((2.0 * both / total if total else 1.0, name))
        if not scored:
            return None
        # Most promising first: a ratio is never above the quick ratio, so once the best found
        # beats the next quick ratio, nothing after it can win.
        scored.sort(reverse=True)
        import difflib

        matcher = difflib.SequenceMatcher(None, "", word)
        best_score, best = -1.0, ""
        for quick, name in scored:
            if quick < best_score:
                break
            matcher.set_seq1(name)
            score = matcher.ratio()
            if self.budget > 0:
                self.budget = max(0, self.budget - 20)
            if score >= _CUTOFF and (score, name) > (best_score, best):
                best_score, best = score, name
        return best if best_score >= 0 else None


def _char_counts(text: str) -> dict[str, int]:
    from collections import Counter

    return Counter(text)


def _length_bound(a: int, b: int) -> float:
    """The best ratio two texts of these lengths can have (difflib's `real_quick_ratio`)."""
    return 2.0 * min(a, b) / (a + b) if a + b else 1.0


def _neighbours(names: list[str], word: str) -> list[str]:
    import bisect

    at = bisect.bisect_left(names, word)
    return names[max(0, at - _NEAR) : at + _NEAR]


#: Indexes of large collections, by identity (with the object, so its id is not reused), and of
#: small ones, by content.
_LARGE: dict[int, tuple[object, int, _Names]] = {}
_SMALL: dict[tuple[str, ...], _Names] = {}
_SMALL_SIZE = 64
_NAMES_LOCK = threading.Lock()


def _names(choices: Iterable[str]) -> _Names:
    """The index of `choices`, kept for the next search: a flow's block names are searched once
    per unknown target, a block type's keys once per unknown key.  A large collection is known
    again by identity (the same object of the same size), a small one by its content.  The
    kept indexes are changed under a lock: suggestions are made in runs, which may come from
    several threads (the Python API)."""
    if not isinstance(choices, set | frozenset | dict | list | tuple):
        choices = list(choices)
    with _NAMES_LOCK:
        if len(choices) <= _SMALL_SIZE:
            key = tuple(choices)
            names = _SMALL.get(key)
            if names is None:
                if len(_SMALL) >= 512:
                    _SMALL.pop(next(iter(_SMALL)))
                names = _SMALL[key] = _Names(key)
                names.budget = -1  # searching a few names costs little: never stop
            return names
        hit = _LARGE.get(id(choices))
        if hit is not None and hit[0] is choices and hit[1] == len(choices):
            return hit[2]
        names = _Names(choices)
        if len(_LARGE) >= 16:
            _LARGE.pop(next(iter(_LARGE)))
        _LARGE[id(choices)] = (choices, len(choices), names)
        return names


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """A 'did you mean' suggestion for a misspelled name, or None.

    The same answer as `difflib.get_close_matches(word, choices, n=1, cutoff=0.6)` for any
    ordinary set of names, in time that does not grow with the square of a project's size.
    """
    if not isinstance(word, str):
        return None
    return _names(choices).best(word)


def suggestion(word: str, choices: Iterable[str]) -> str:
    """' (did you mean `x`?)' or the empty string."""
    best = did_you_mean(word, choices)
    return f" (did you mean `{best}`?)" if best else ""


# ---------------------------------------------------------------------------------------------
# rendering

#: Codes that refuse a file without reading it (too large, outside the project, not a flowrt
#: file): the renderer never opens that file to show a line of it.
UNREAD_CODES = frozenset({"FR005", "FR009", "FR015"})
#: At most this many characters of a source line are shown, around the column.
MAX_SHOWN = 200
#: At most this many characters of a message or hint are shown.
MAX_MESSAGE = 2000
#: At most this many diagnostics are printed per file; the rest are counted.
MAX_PER_FILE = 100


def neutralized(text: str, limit: int = MAX_MESSAGE) -> str:
    """`text` for a terminal: at most `limit` characters, every character unsafe to show written
    as its escape (`\\x1b`, `\\n`, `\\u202e`): the one rule of flowrt.core.text.printable."""
    if len(text) > limit:
        text = text[:limit] + "…"
    return printable(text)


class SourceCache:
    """Source lines of files, read once, for rendering carets.

    A file is read through `flowrt.core.reading` (a regular file, at most the loader's size
    bound), so showing a line never blocks on a FIFO nor reads a device or a huge file.
    """

    def __init__(self) -> None:
        self._lines: dict[str, list[str]] = {}

    def add(self, file: str, text: str) -> None:
        self._lines[file] = _split_lines(text)

    def line(self, file: str, number: int) -> str | None:
        if file not in self._lines:
            from flowrt.core import reading

            try:
                self._lines[file] = _split_lines(reading.read_text(file))
            except (OSError, ValueError):
                self._lines[file] = []
        lines = self._lines[file]
        # The \r of a \r\n line end is dropped here, from the one line shown, not from every
        # line when the file is split (an 8 MB file refused for its size is shown at one line).
        return lines[number - 1].removesuffix("\r") if 0 < number <= len(lines) else None


def _split_lines(text: str) -> list[str]:
    # Lines end at \n, as the loader counts them; `str.splitlines` would also break at \x0b,
    # \x1c, \u2028 and others, and show the wrong line under the caret.
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines


def render_text(
    diagnostics: Sequence[Diagnostic],
    sources: SourceCache | None = None,
    color: bool = False,
    per_file: int = MAX_PER_FILE,
) -> str:
    """Compiler-style rendering of every diagnostic, sorted by position: at most `per_file` of
    each file, then a line counting the rest."""
    sources = sources or SourceCache()
    out: list[str] = []
    shown: dict[str, int] = {}
    hidden: dict[str, int] = {}
    for d in sorted(diagnostics, key=Diagnostic.sort_key):
        file = d.span.file if d.span is not None else ""
        if shown.get(file, 0) >= per_file:
            hidden[file] = hidden.get(file, 0) + 1
            continue
        shown[file] = shown.get(file, 0) + 1
        out.append(_render_one(d, sources, color))
    for file, count in hidden.items():
        where = f" in {neutralized(file)}" if file else ""
        out.append(f"... and {count:,} more{where}")
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
    where = f"{neutralized(str(d.span))}: " if d.span else ""
    lines = [f"{where}{sev}[{neutralized(d.code)}]: {neutralized(d.message)}"]
    if d.span is not None and d.code not in UNREAD_CODES:
        text = sources.line(d.span.file, d.span.line)
        if text is not None:
            lines.extend(_excerpt(text, d.span))
    if d.hint:
        lines.append(f"  = hint: {neutralized(d.hint)}")
    return "\n".join(lines)


def _excerpt(text: str, span: Span) -> list[str]:
    """The source line (at most MAX_SHOWN characters around the column, an ellipsis where it is
    cut) and its caret line."""
    gutter = str(span.line)
    full = len(text)
    lo = 0  # only the part of a long line that can be shown is looked at
    if full > 4 * MAX_SHOWN:
        lo = max(0, min(span.column - 1 - 2 * MAX_SHOWN, full - 4 * MAX_SHOWN))
        text = text[lo : lo + 4 * MAX_SHOWN]
    # One character per column, and never raw control characters (a hostile file must not drive
    # the terminal with escape sequences).
    shown = "".join(c if c.isprintable() else "\ufffd" for c in text.expandtabs(1))
    at = span.column - 1 - lo
    start, end = 0, len(shown)
    if len(shown) > MAX_SHOWN:
        start = max(0, min(at - MAX_SHOWN // 3, len(shown) - MAX_SHOWN))
        end = start + MAX_SHOWN
    lead = "…" if lo + start > 0 else ""
    trail = "…" if lo + end < full else ""
    shown = shown[start:end]
    at = max(0, min(at - start, len(shown)))
    width = max(1, span.end_column - span.column) if span.end_line == span.line else 1
    width = max(1, min(width, len(shown) - at))
    return [
        f" {gutter} | {lead}{shown}{trail}",
        f" {' ' * len(gutter)} | {' ' * (len(lead) + at)}{'^' * width}",
    ]


def summary_line(diagnostics: Sequence[Diagnostic], files: int) -> str:
    errors = sum(d.severity is Severity.ERROR for d in diagnostics)
    warnings = sum(d.severity is Severity.WARNING for d in diagnostics)
    return f"{files} file(s) checked: {errors} error(s), {warnings} warning(s)"


def render_json(diagnostics: Sequence[Diagnostic]) -> str:
    """Machine-readable rendering: a JSON array of diagnostics sorted by position."""
    items = [d.as_json() for d in sorted(diagnostics, key=Diagnostic.sort_key)]
    return json.dumps(items, indent=2, ensure_ascii=False)
