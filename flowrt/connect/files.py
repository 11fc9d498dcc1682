"""Files of Amazon Connect interop: reading flow JSON (and its wrappers), writing DSL YAML, the
layout side file (`<name>.flow.layout.json`) and writing any output file safely.

Reading never raises for bad input: every problem is a diagnostic (FR001, FR400-FR402) with the
line and column where `json` stopped.  Writing YAML is done by hand (about 20x faster than
ruamel's emitter here): a string is written plain only when no YAML reader could take it for
anything else, otherwise in JSON's double-quoted form, which is valid YAML.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flowrt.connect.actions import VERSION
from flowrt.core import files as core_files
from flowrt.core.diagnostics import Diagnostic, Span

LAYOUT_SUFFIX = ".flow.layout.json"


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
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [_diag("FR001", f"cannot read {shown}: {exc}", shown)]
    stem = path.name.removesuffix(".json")
    return parse_source(text, shown, stem)


def parse_source(text: str, shown: str, stem: str) -> tuple[Source | None, list[Diagnostic]]:
    """Parse the text of one file (see `read_source`)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [
            _diag("FR400", f"not JSON: {exc.msg}", shown, exc.lineno, exc.colno, _NOT_JSON_HINT)
        ]
    if not isinstance(data, dict):
        return None, [_shape(shown, f"the file holds {type(data).__name__}, not an object")]
    wrapper: dict[str, Any] = {}
    inner = data.get("ContactFlow") if isinstance(data.get("ContactFlow"), dict) else None
    holder = inner if inner is not None else data
    if isinstance(holder.get("Content"), str) and "Actions" not in holder:
        wrapper = {k: v for k, v in holder.items() if k != "Content"}
        if inner is not None:
            wrapper = {"ContactFlow": wrapper}
        try:
            data = json.loads(holder["Content"])
        except json.JSONDecodeError as exc:
            msg = f"`Content` is not flow JSON: {exc.msg} (character {exc.pos + 1} of the string)"
            return None, [_diag("FR400", msg, shown, hint=_NOT_JSON_HINT)]
        if not isinstance(data, dict):
            return None, [_shape(shown, "`Content` does not hold an object")]
    if "modules" in data:
        problem = _check_legacy(data)
        if problem:
            return None, [_shape(shown, f"legacy export: {problem}")]
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
    return Source(shown, stem, data, wrapper), []


_NOT_JSON_HINT = "flowrt import reads Amazon Connect flow JSON (Version 2019-10-30)"


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


def read_layout(flow_file: str | Path) -> dict[str, Any]:
    """The layout side file's content, or {} when there is none (or it is not JSON).

    A side file that resolves outside the flow's directory (a link out) is not read: its content
    would end up in the exported JSON."""
    path = layout_path(flow_file)
    if not path.resolve().is_relative_to(Path(flow_file).resolve().parent):
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_atomic(path: Path, text: str, force: bool) -> Diagnostic | None:
    """Write `text` to `path` through a temporary file; refuse to overwrite unless `force`."""
    try:
        core_files.write_atomic(path, text, overwrite=force)
    except FileExistsError:
        return Diagnostic.make(
            "FR404",
            f"{path} already exists; not overwritten",
            Span(str(path), 1, 1, 1, 2),
            "pass --force to overwrite it",
        )
    return None
