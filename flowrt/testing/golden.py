"""Golden files: each scenario case's outcome and trace, pinned as readable, stable YAML.

Layout: the golden of case `C` of `dir/NAME.scenario.yaml` is
`dir/__goldens__/NAME/C.golden.yaml`, one file per case, so a routing change shows in `git diff`
as exactly the cases it moved.  The text is written by a small deterministic emitter (no
timestamps, no absolute paths, keys in a fixed order, `\\n` line ends), so the same run gives the
same bytes on every machine, and a golden is compared as text: no parsing on the passing path.
Parsing (with flowrt's own loader, so a broken golden gets a positioned diagnostic) happens only
when a golden differs, to say in one line what moved: which block took which branch, how the
outcome changed.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flowrt.core import reading
from flowrt.core.diagnostics import Diagnostic, Span
from flowrt.core.files import GOLDEN_SUFFIX, SCENARIO_SUFFIX, one_line, os_error_reason

if TYPE_CHECKING:
    from flowrt.lang.loader import Document
    from flowrt.run.trace import Result

GOLDEN_DIR = "__goldens__"
HEADER = "# Written by `flowrt test --update`: review a change here like a change of routing.\n"
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$")
# Plain scalars only when nothing in them can read as anything but this text, in any YAML.
_PLAIN = re.compile(r"^[A-Za-z_$][A-Za-z0-9 _.,/@()+'=$<>!?-]*$")
_SPECIAL_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n"}


class GoldenError(Exception):
    """A golden file that does not read as a golden; carries a positioned diagnostic."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


# ---------------------------------------------------------------------------------------------
# where goldens live


def file_stem(case: str) -> str:
    """A file name for a case: the name itself when safe, else a slug with a short hash."""
    if _SAFE_NAME.fullmatch(case) and case not in (".", ".."):
        return case
    import hashlib

    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", case).strip("-.")[:60] or "case"
    return f"{slug}-{hashlib.sha1(case.encode()).hexdigest()[:8]}"


def golden_dir(scenario_file: Path) -> Path:
    """The directory of a scenario file's goldens: `__goldens__/<name>/` beside it."""
    return scenario_file.parent / GOLDEN_DIR / scenario_file.name.removesuffix(SCENARIO_SUFFIX)


def golden_path(scenario_file: Path, case: str) -> Path:
    """The golden file of one case of a scenario file."""
    return golden_dir(scenario_file) / (file_stem(case) + GOLDEN_SUFFIX)


def shared_goldens(doc: Document, cases: Iterable[str]) -> list[Diagnostic]:
    """FR311 at each case whose golden file is an earlier case's of the same scenario file.

    `file_stem` keeps safe names as they are and gives others a slug and a hash, so a safe name
    can be another case's slug (`a-b-7dbde935` is the file of `a b`); and names that differ only
    in letter case are one file on macOS and Windows.  Either way one golden would overwrite the
    other and the next run would fail.
    """
    from flowrt.project.driver import display_path

    seen: dict[str, str] = {}
    out = []
    for case in cases:
        name = file_stem(case) + GOLDEN_SUFFIX
        first = seen.setdefault(name.lower(), case)
        if first == case:
            continue
        how = "share one golden file"
        if file_stem(first) != file_stem(case):
            how = "would share one golden file where letter case does not tell file names apart "
            how += "(macOS, Windows)"
        where = display_path(golden_path(Path(doc.file), case))
        out.append(
            Diagnostic.make(
                "FR311",
                f"cases `{one_line(first, 80)}` and `{one_line(case, 80)}` {how}, {where}: "
                "each would overwrite the other's golden",
                doc.key_span(("cases", case)),
                "rename one of the two cases",
            )
        )
    return out


def unreadable(shown: str, exc: OSError) -> Diagnostic:
    """FR001 for a golden path that cannot be read (a directory there, a permission)."""
    what = "it is a directory" if isinstance(exc, IsADirectoryError) else os_error_reason(exc)
    return Diagnostic.make(
        "FR001",
        f"the golden file {one_line(shown)} cannot be read: {what}",
        Span(shown, 1, 1, 1, 2),
        "remove what is there, then write the golden again with `flowrt test --update`",
    )


# ---------------------------------------------------------------------------------------------
# content


def golden_data(
    result: Result,
    *,
    scenario: str | None = None,
    case: str | None = None,
    flow: str | None = None,
) -> dict[str, Any]:
    """The golden of a run as plain data, keys in their written order."""
    data: dict[str, Any] = {}
    if scenario is not None:
        data["scenario"] = scenario
    if case is not None:
        data["case"] = case
    if flow is not None:
        data["flow"] = flow
    data["outcome"] = _outcome(result)
    data["steps"] = _steps(result)
    if result.diagnostics:
        data["diagnostics"] = [f"{d.code}: {d.message}" for d in result.diagnostics]
    return data


def _outcome(result: Result) -> dict[str, Any]:
    o = result.outcome
    out: dict[str, Any] = {"summary": o.describe(), "kind": o.kind, "flow": o.flow}
    for key in ("block", "queue", "number", "reason"):
        value = getattr(o, key)
        if value is not None:
            out[key] = value
    out["flows"] = list(o.flows)
    if o.cycle:
        out["cycle"] = list(o.cycle)
    return out


def _steps(result: Result) -> list[dict[str, Any]]:
    """The steps as `Trace.steps()` gives them, facts as text only (the golden needs no more).

    No step numbers: one inserted step must not renumber every line after it in a diff.
    """
    from flowrt.run.trace import fact_text

    out: list[dict[str, Any]] = []
    for cflow, node, branch, facts, missing in result.trace.records:
        step: dict[str, Any] = {"flow": cflow.name, "block": node.name, "type": node.type}
        if branch:
            step["branch"] = branch
            if branch.startswith("condition-"):
                step["condition"] = node.block.branch_label(branch)
            target = node.targets.get(branch)
            if target is not None:
                step["next"] = cflow.nodes[target].name
        if facts:
            step["facts"] = [fact_text(f) for f in facts]
        if missing:
            step["missing"] = list(missing)
        out.append(step)
    return out


def render_golden(
    result: Result,
    *,
    source: str | None = None,
    scenario: str | None = None,
    case: str | None = None,
    flow: str | None = None,
) -> str:
    """The golden text of a run: a comment header, then the data as YAML."""
    head = f"# flowrt golden of {source}::{case}\n" if source is not None else "# flowrt golden\n"
    return head + HEADER + dump(golden_data(result, scenario=scenario, case=case, flow=flow))


def dump(data: Mapping[str, Any]) -> str:
    """Deterministic block-style YAML of plain data (str, int, bool, None, lists, mappings)."""
    lines: list[str] = []
    _emit_mapping(data, 0, lines)
    return "\n".join(lines) + "\n"


def _emit_mapping(data: Mapping[str, Any], indent: int, lines: list[str]) -> None:
    pad = " " * indent
    for key, value in data.items():
        k = _text(key) if type(key) is str else scalar(key)
        if isinstance(value, list) and value:
            lines.append(f"{pad}{k}:")
            _emit_sequence(value, indent + 2, lines)
        elif isinstance(value, dict) and value:
            lines.append(f"{pad}{k}:")
            _emit_mapping(value, indent + 2, lines)
        else:
            lines.append(f"{pad}{k}: {_text(value) if type(value) is str else scalar(value)}")


def _emit_sequence(items: Sequence[Any], indent: int, lines: list[str]) -> None:
    pad = " " * indent
    for item in items:
        if type(item) is str:
            lines.append(f"{pad}- {_text(item)}")
        elif isinstance(item, dict | list) and item:
            sub: list[str] = []
            if isinstance(item, list):
                _emit_sequence(item, indent + 2, sub)
            else:
                _emit_mapping(item, indent + 2, sub)
            sub[0] = f"{pad}- {sub[0][indent + 2 :]}"
            lines.extend(sub)
        else:
            lines.append(f"{pad}- {scalar(item)}")


def scalar(value: Any) -> str:
    """One scalar (or empty collection) as YAML: plain when unambiguous, else quoted."""
    if isinstance(value, str):
        return _text(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return json.dumps(value)
    if isinstance(value, Mapping):
        return "{}"
    if isinstance(value, list | tuple):
        return "[]"
    return _text(str(value))


@lru_cache(maxsize=8192)
def _text(text: str) -> str:
    # Goldens repeat the same names and texts many times: cached.
    if _PLAIN.fullmatch(text) and not text.endswith(" ") and text.lower() not in _SPECIAL_WORDS:
        return text
    return _quoted(text)


def _quoted(text: str) -> str:
    if text.isprintable():
        # Single quotes need no escapes but `''`: `'$.Channel is "VOICE": no match'` reads well.
        return "'" + text.replace("'", "''") + "'"
    # A JSON string is a YAML double-quoted scalar; escape what JSON leaves raw but a YAML reader
    # or a terminal should not see raw (line separators, other non-printable characters).
    out = json.dumps(text, ensure_ascii=False)
    return "".join(c if c.isprintable() else _escape(c) for c in out)


def _escape(c: str) -> str:
    n = ord(c)
    return f"\\u{n:04x}" if n <= 0xFFFF else f"\\U{n:08x}"


# ---------------------------------------------------------------------------------------------
# reading, writing, comparing


def normalize(text: str) -> str:
    """Golden text as compared: `\\r\\n` read as `\\n` (a checkout may convert line ends)."""
    return text.replace("\r\n", "\n")


def read_golden(path: Path) -> str | None:
    """The golden text at `path`, or None when there is none."""
    try:
        return normalize(reading.read_bytes(path).decode("utf-8", errors="replace"))
    except FileNotFoundError:
        return None


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file and a rename (never half a golden)."""
    from flowrt.core.files import write_atomic as write

    write(path, text, overwrite=True)


def parse_golden(text: str, file: str) -> dict[str, Any]:
    """The data of a golden text; GoldenError (positioned) when it is not a golden."""
    from flowrt.lang.loader import LoadError, load_text

    try:
        doc = load_text(text, file)
    except LoadError as exc:
        raise GoldenError(exc.diagnostic) from None
    data = doc.data

    def bad(message: str, path: tuple[str | int, ...] = ()) -> GoldenError:
        return GoldenError(
            Diagnostic.make(
                "FR310",
                f"not a flowrt golden: {message}",
                doc.span(path),
                "rewrite it with `flowrt test --update`",
            )
        )

    if not isinstance(data, dict):
        raise bad("the file must be a mapping with `outcome` and `steps`")
    outcome = data.get("outcome")
    if not isinstance(outcome, dict) or not isinstance(outcome.get("summary"), str):
        raise bad("`outcome` must be a mapping with a `summary`", ("outcome",))
    steps = data.get("steps")
    if not isinstance(steps, list):
        raise bad("`steps` must be a list", ("steps",))
    for i, step in enumerate(steps):
        if not isinstance(step, dict) or not isinstance(step.get("block"), str):
            raise bad(f"step {i + 1} must be a mapping with a `block`", ("steps", i))
    return data


def unified_diff(expected: str, actual: str, label: str) -> str:
    """A unified diff of a golden (`expected`) and this run's golden text (`actual`)."""
    lines = difflib.unified_diff(
        expected.splitlines(keepends=True),
        actual.splitlines(keepends=True),
        fromfile=f"{label} (golden)",
        tofile=f"{label} (this run)",
        n=3,
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def what_moved(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> list[str]:
    """One line per change that matters: the first step that differs, the outcome."""
    out: list[str] = []
    old_steps: list[Any] = list(expected.get("steps") or [])
    new_steps: list[Any] = list(actual.get("steps") or [])
    flows = {s.get("flow") for s in (*old_steps, *new_steps) if isinstance(s, dict)}
    for i, (old, new) in enumerate(zip(old_steps, new_steps, strict=False)):
        if old == new:
            continue
        out.append(f"step {i + 1}: " + _step_change(old, new, i, new_steps, len(flows) > 1))
        break
    else:
        if len(old_steps) != len(new_steps):
            out.append(f"the run has {len(new_steps)} steps instead of {len(old_steps)}")
    old_o = (expected.get("outcome") or {}).get("summary")
    new_o = (actual.get("outcome") or {}).get("summary")
    if old_o != new_o:
        out.append(f"outcome changed from `{old_o}` to `{new_o}`")
    elif expected.get("outcome") != actual.get("outcome"):
        out.append(f"outcome `{new_o}`: its details changed")
    if not out:
        out.append("the golden's header or layout changed")
    return out


def _name(step: Mapping[str, Any], qualify: bool) -> str:
    block = step.get("block")
    return f"`{step.get('flow')}/{block}`" if qualify else f"`{block}`"


def _branch(step: Mapping[str, Any]) -> str:
    branch = step.get("branch")
    if branch is None:
        return "(none: the run ended there)"
    label = step.get("condition")
    return f"`{branch}` [{label}]" if label else f"`{branch}`"


def _step_change(old: Any, new: Any, i: int, new_steps: Sequence[Any], qualify: bool) -> str:
    if not isinstance(old, dict) or not isinstance(new, dict):
        return "changed"
    if (old.get("flow"), old.get("block")) != (new.get("flow"), new.get("block")):
        prev = new_steps[i - 1] if i else None
        via = (
            f" (after {_name(prev, qualify)} took branch {_branch(prev)})"
            if isinstance(prev, dict)
            else ""
        )
        return f"the run reached {_name(new, qualify)} instead of {_name(old, qualify)}{via}"
    who = f"block {_name(new, qualify)}"
    if old.get("branch") != new.get("branch"):
        to = f" (to `{new['next']}`)" if new.get("next") else ""
        was = f" (to `{old['next']}`)" if old.get("next") else ""
        return f"{who} took branch {_branch(new)}{to} instead of {_branch(old)}{was}"
    if old.get("next") != new.get("next"):
        return (
            f"{who} branch {_branch(new)} now goes to `{new.get('next')}` instead of "
            f"`{old.get('next')}`"
        )
    if old.get("condition") != new.get("condition"):
        return f"{who}: the condition of branch {_branch(new)} changed"
    return f"{who}: what it did changed (facts)"
