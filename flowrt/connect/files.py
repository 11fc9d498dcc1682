"""Files of Amazon Connect interop: reading flow JSON (and its wrappers), writing DSL YAML, the
layout side file (`<name>.flow.layout.json`) and writing any output file safely.

Reading never raises for bad input: every problem is a diagnostic (FR001, FR400-FR402) with the
line and column where `json` stopped.  Writing YAML is done by hand (about 20x faster than
ruamel's emitter here): a string is written plain only when no YAML reader could take it for
anything else, otherwise in JSON's double-quoted form, which is valid YAML.
"""

from __future__ import annotations

import errno
import json
import math
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from flowrt.connect import jsonread
from flowrt.connect.actions import VERSION
from flowrt.connect.dangling import dangling
from flowrt.connect.jsonread import JsonProblem
from flowrt.core import files as core_files
from flowrt.core.diagnostics import Diagnostic, Span
from flowrt.core.reading import TooLarge, read_bytes
from flowrt.lang.loader import DEFAULT_LIMITS

LAYOUT_SUFFIX = ".flow.layout.json"
#: Most bytes of a JSON file flowrt reads (as for YAML files, FR005).
MAX_BYTES = DEFAULT_LIMITS.max_bytes


@dataclass
class Source:
    """A flow read from a file: the flow language content and what surrounded it."""

    file: str
    stem: str
    content: dict[str, Any]
    wrapper: dict[str, Any] = field(default_factory=dict)
    legacy: bool = False


def _diag(
    code: str, message: str, file: str, line: int = 1, col: int = 1, hint: str | None = None
) -> Diagnostic:
    return Diagnostic.make(code, message, Span(file, line, col, line, col + 1), hint)


# ---------------------------------------------------------------------------------------------
# reading


def read_source(path: Path, shown: str | None = None) -> tuple[Source | None, list[Diagnostic]]:
    """Read one file: flow language, a wrapper of it, or a legacy export; else diagnostics."""
    shown = shown or str(path)
    raw, problem = read_bounded(path, shown)
    if problem is not None:
        return None, [problem]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, [_diag("FR001", f"cannot read {shown}: {exc}", shown)]
    stem = path.name.removesuffix(".json")
    return parse_source(text, shown, stem)


def read_bounded(path: Path, shown: str) -> tuple[bytes, Diagnostic | None]:
    """The bytes of a regular file of at most `MAX_BYTES`, or why not (FR001, FR005).

    Read through flowrt's one reader (`flowrt.core.reading`), which looks at what it opened
    before reading a byte: a FIFO, a device (`/dev/zero`) or a directory is refused instead of
    hanging or filling memory."""
    try:
        return read_bytes(path, MAX_BYTES), None
    except TooLarge as exc:
        return b"", _diag(
            "FR005",
            f"{shown} is {exc.size:,} bytes; flowrt reads at most {MAX_BYTES:,}",
            shown,
            hint="Amazon Connect flows are at most 256,000 characters",
        )
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the name
        return b"", _diag("FR001", f"cannot read {shown}: {_why(exc)}", shown)


def path_exists(path: Path) -> bool:
    """Whether `path` exists; False (not an exception) for a name no file can have (a NUL)."""
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def _why(exc: Exception) -> str:
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)


def _json_problem(problem: JsonProblem, text: str, shown: str, code: str = "FR400") -> Diagnostic:
    """A diagnostic at the line and column of the problem's offset in `text`."""
    pos = problem.offset
    line = text.count("\n", 0, pos) + 1
    col = pos - text.rfind("\n", 0, pos)
    end = col + problem.length if "\n" not in text[pos : pos + problem.length] else col + 1
    span = Span(shown, line, col, line, end)
    return Diagnostic.make(
        code, f"not JSON: {problem.message}", span, problem.hint or _NOT_JSON_HINT
    )


def parse_source(
    text: str, shown: str, stem: str, file_text: str | None = None
) -> tuple[Source | None, list[Diagnostic]]:
    """Parse the text of one file (see `read_source`); `file_text` is the whole file's text
    when `text` came out of it (a template's `Content`), where FR441 positions are found."""
    try:
        data = jsonread.loads(text)
    except JsonProblem as exc:
        return None, [_json_problem(exc, text, shown)]
    if not isinstance(data, dict):
        return None, [_shape(shown, f"the file holds {type(data).__name__}, not an object")]
    wrapper: dict[str, Any] = {}
    inner = data.get("ContactFlow") if isinstance(data.get("ContactFlow"), dict) else None
    holder = inner if inner is not None else data
    content: str | None = None  # the `Content` string, when the flow came in one
    if isinstance(holder.get("Content"), str) and "Actions" not in holder:
        wrapper = {k: v for k, v in holder.items() if k != "Content"}
        if inner is not None:
            wrapper = {"ContactFlow": wrapper}
        content = holder["Content"]
        try:
            data = jsonread.loads(content)
        except JsonProblem as exc:
            return None, [_content_problem(exc, shown)]
        if not isinstance(data, dict):
            return None, [_shape(shown, "`Content` does not hold an object")]
    if "modules" in data:
        problem = _check_legacy(data)
        if problem:
            return None, [_shape(shown, f"legacy export: {problem}")]
        try:  # its pass-throughs keep parameters one level down (`legacy:`) in the YAML
            jsonread.check_depth(text if content is None else content, LEGACY_MAX_DEPTH)
        except JsonProblem as exc:
            exc.message += " (in a legacy export)"
            if content is None:
                return None, [_json_problem(exc, text, shown)]
            return None, [_content_problem(exc, shown)]
        broken = dangling(data, file_text or text, shown)
        if broken:
            return None, broken
        return Source(shown, stem, data, wrapper, legacy=True), []
    if "Actions" not in data:
        keys = ", ".join(sorted(map(str, data))[:8]) or "none"
        return None, [_shape(shown, f"no `Actions` (top-level keys: {keys})")]
    if data.get("Version") != VERSION:
        return None, [
            _diag(
                "FR402",
                f"unknown flow language Version {data.get('Version')!r}; flowrt reads {VERSION}",
                shown,
                hint="export the flow again from Amazon Connect",
            )
        ]
    problem = _check_actions(data)
    if problem:
        return None, [_shape(shown, problem)]
    broken = dangling(data, file_text or text, shown)
    if broken:
        return None, broken
    return Source(shown, stem, data, wrapper), []


_NOT_JSON_HINT = "flowrt import reads Amazon Connect flow JSON (Version 2019-10-30)"
#: A legacy export's modules keep their parameters one level deeper in the YAML written, which
#: reads at most `jsonread.MAX_DEPTH` levels.
LEGACY_MAX_DEPTH = jsonread.MAX_DEPTH - 1


def _content_problem(problem: JsonProblem, shown: str) -> Diagnostic:
    msg = (
        f"`Content` is not flow JSON: {problem.message} (character {problem.offset + 1} of the "
        "string)"
    )
    return _diag("FR400", msg, shown, hint=problem.hint or _NOT_JSON_HINT)


def _shape(shown: str, why: str) -> Diagnostic:
    return _diag(
        "FR401",
        f"not an Amazon Connect flow: {why}",
        shown,
        hint="expected {Version, StartAction, Actions, Metadata}, a {Name, Type, Content} or "
        "{ContactFlow: {Content}} wrapper, or a legacy export with `modules`",
    )


def _check_legacy(data: dict[str, Any]) -> str | None:
    modules = data["modules"]
    if not isinstance(modules, list) or not all(isinstance(m, dict) for m in modules):
        return "`modules` is not a list of objects"
    ids = [m.get("id") for m in modules]
    if not all(isinstance(i, str) for i in ids) or len(set(ids)) != len(ids):
        return "every module needs its own text `id`"
    if data.get("start") not in ids:
        return "`start` names no module"
    return None


def _check_actions(data: dict[str, Any]) -> str | None:
    actions = data["Actions"]
    if not isinstance(actions, list):
        return "`Actions` is not a list"
    seen: set[str] = set()
    for i, a in enumerate(actions):
        if not isinstance(a, dict):
            return f"action {i + 1} is not an object"
        ident, kind = a.get("Identifier"), a.get("Type")
        if not isinstance(ident, str) or not isinstance(kind, str):
            return f"action {i + 1} has no text `Identifier` and `Type`"
        if ident in seen:
            return f"Identifier `{ident}` is used by two actions"
        seen.add(ident)
        if not isinstance(a.get("Parameters", {}), dict):
            return f"action `{ident}`: `Parameters` is not an object"
        if not _transitions_ok(a.get("Transitions", {})):
            return f"action `{ident}`: malformed `Transitions`"
    if not isinstance(data.get("StartAction"), str) or data["StartAction"] not in seen:
        return "`StartAction` names no action"
    return None


def _transitions_ok(t: Any) -> bool:
    if not isinstance(t, dict):
        return False
    errs, conds = t.get("Errors", []), t.get("Conditions", [])
    if not isinstance(errs, list) or not isinstance(conds, list):
        return False
    for e in errs:
        if not isinstance(e, dict) or not isinstance(e.get("ErrorType"), str):
            return False
        if not isinstance(e.get("NextAction"), str):
            return False
    for c in conds:
        cond = c.get("Condition") if isinstance(c, dict) else None
        if not isinstance(cond, dict) or not isinstance(c.get("NextAction"), str):
            return False
        ops = cond.get("Operands")
        if not isinstance(cond.get("Operator"), str) or not isinstance(ops, list):
            return False
    return t.get("NextAction") is None or isinstance(t.get("NextAction"), str)


# ---------------------------------------------------------------------------------------------
# writing


_PLAIN = re.compile(r"^[A-Za-z_$][A-Za-z0-9_.$/-]*(?: [A-Za-z0-9_.$/-]+)*$")
_RESERVED_WORDS = frozenset(
    {"true", "false", "null", "yes", "no", "on", "off", "y", "n", "nan", "inf"}
)
#: What YAML may not hold raw, even quoted (its non-printable characters, lone surrogates), and
#: the line breaks a double-quoted scalar would fold: written as `\uXXXX` escapes.
_ESCAPE = re.compile("[^\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
#: Mappings written inline (`next: {success: a, error: b}`), as hand-written flows do.
_INLINE = ("next", "caller-id")


def _scalar(value: Any) -> str:
    """One YAML scalar: plain when unambiguous, else JSON's double-quoted form (valid YAML)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):  # YAML's words, not JSON's NaN
        return ".nan" if value != value else (".inf" if value > 0 else "-.inf")
    if isinstance(value, int | float):
        return json.dumps(value)
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _RESERVED_WORDS:
        return text
    return _ESCAPE.sub(_escape, json.dumps(text, ensure_ascii=False))


def _escape(m: re.Match[str]) -> str:
    code = ord(m.group())
    if 0xD800 <= code <= 0xDFFF:  # a lone surrogate (JSON allows `\ud800`) is no character
        return "\ufffd"
    return f"\\u{code:04x}"


def _emit(value: Any, indent: int, out: list[str], key: str | None = None) -> None:
    pad = " " * indent
    if isinstance(value, dict):
        for k, v in value.items():
            head = f"{pad}{_scalar(k)}:"
            if isinstance(v, dict) and v and str(k) in _INLINE and _flat(v):
                pairs = ", ".join(f"{_scalar(a)}: {_scalar(b)}" for a, b in v.items())
                out.append(f"{head} {{{pairs}}}")
            elif isinstance(v, dict | list) and v:
                out.append(head)
                _emit(v, indent + 2, out, str(k))
            else:
                out.append(f"{head} {_empty(v)}")
        return
    for item in value:
        if isinstance(item, dict | list) and item:
            sub: list[str] = []
            _emit(item, indent + 2, sub)
            out.append(f"{pad}- {sub[0].lstrip()}")
            out.extend(sub[1:])
        else:
            out.append(f"{pad}- {_empty(item)}")


def _flat(mapping: dict[str, Any]) -> bool:
    return not any(isinstance(v, dict | list) for v in mapping.values())


def _empty(value: Any) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return _scalar(value)


def to_yaml(flow: dict[str, Any], source: str) -> str:
    """The flow as YAML text: block style, `next` mappings inline, a header comment.

    Written by hand rather than by ruamel's emitter (about 20x faster here): every string is
    plain only when no YAML reader could take it for anything else, otherwise JSON-quoted.
    """
    source = _ESCAPE.sub("?", source)  # a file name cannot end the comment line
    out = [
        f"# Imported from {source} by `flowrt import`; layout in the .flow.layout.json beside it."
    ]
    for key, value in flow.items():
        if key == "blocks":
            out.append("blocks:")
            for name, block in value.items():
                out.append(f"  {_scalar(name)}:")
                _emit(block, 4, out)
        elif isinstance(value, dict | list) and value:
            out.append(f"{key}:")
            _emit(value, 2, out, key)
        else:
            out.append(f"{key}: {_empty(value)}")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------
# side files and writing


def layout_path(flow_file: str | Path) -> Path:
    """The layout side file of a flow file (`x.flow.yaml` -> `x.flow.layout.json`)."""
    p = Path(flow_file)
    stem = p.name[: -len(".flow.yaml")] if p.name.endswith(".flow.yaml") else p.stem
    return p.with_name(stem + LAYOUT_SUFFIX)


def read_layout(flow_file: str | Path) -> tuple[dict[str, Any], list[Diagnostic]]:
    """The layout side file's content ({} when there is none), and why it cannot be used.

    A side file that resolves outside the flow's directory (a link out) is not read: its content
    would end up in the exported JSON.  One that is there but unreadable (not JSON, too deep, a
    huge number, NaN, not an object) is an FR400 error at its position: exporting without it
    would silently replace the flow's layout in Amazon Connect."""
    path = layout_path(flow_file)
    if not os.path.lexists(path):
        return {}, []
    if not path.resolve().is_relative_to(Path(flow_file).resolve().parent):
        return {}, []
    shown = str(path)
    raw, problem = read_bounded(path, shown)
    if problem is not None:
        return {}, [problem]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return {}, [_layout_problem(shown, f"not UTF-8 text: {exc.reason}")]
    try:
        data = jsonread.loads(text, LAYOUT_MAX_DEPTH)
    except JsonProblem as exc:
        diag = _json_problem(exc, text, shown)
        return {}, [replace(diag, hint=_LAYOUT_HINT)]
    if not isinstance(data, dict):
        return {}, [_layout_problem(shown, f"holds {type(data).__name__}, not an object")]
    return data, []


#: A side file keeps an import's wrapper one level down (`flowrt-wrapper`), so it may nest one
#: level deeper than the file it came from.
LAYOUT_MAX_DEPTH = jsonread.MAX_DEPTH + 1
_LAYOUT_HINT = (
    "the side file keeps the flow's layout for Amazon Connect: fix it, or delete it to export "
    "with a generated layout"
)


def _layout_problem(shown: str, why: str) -> Diagnostic:
    return _diag("FR400", f"layout side file {why}", shown, hint=_LAYOUT_HINT)


def write_atomic(
    path: Path, text: str, force: bool, source: Span | None = None
) -> Diagnostic | None:
    """Write `text` to `path` through a temporary file; refuse to overwrite unless `force`.

    A file that cannot be written (a name too long, a read-only or full disk, an output
    directory that is a file) is a diagnostic at `source`, the file the output was made from,
    never an exception."""
    try:
        core_files.write_atomic(path, text, overwrite=force)
    except FileExistsError:
        return Diagnostic.make(
            "FR404",
            f"{path} already exists; not overwritten",
            Span(str(path), 1, 1, 1, 2),
            "pass --force to overwrite it",
        )
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the directory's name
        long_name = isinstance(exc, OSError) and exc.errno == errno.ENAMETOOLONG
        reason = getattr(exc, "reason", None) or _why(exc)  # core's WriteError words it
        return Diagnostic.make(
            "FR001",
            f"cannot write {path}: {reason}",
            source,
            "shorten the flow file's name (the output file is named after it)"
            if long_name
            else "choose a writable output directory with -o",
        )
    return None


def yaml_document(data: dict[str, Any], comment: str) -> str:
    """Any mapping as YAML text in the style of `to_yaml` (block style, a header comment): the
    scenario files `flowrt import` writes from Amazon Connect test cases."""
    out = [f"# {_ESCAPE.sub('?', comment)}"]
    _emit(data, 0, out)
    return "\n".join(out) + "\n"
