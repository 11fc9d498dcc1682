"""`flowrt schema --write [DIR]`: refresh a project's copy of the JSON Schemas.

Editors validate against the schema files the modelines name (`# yaml-language-server:
$schema=../schemas/flow.schema.json`), copies that go stale when flowrt changes.  This writes
the package's schemas where the project's modelines point: each file's modeline gives the
schema of that file's kind (a flow, the instance, a scenario).  A kind no modeline names is
written beside the others (in their one directory), or in `schemas/` at the project root.

What is replaced is only ever one of flowrt's own schemas: an existing file whose JSON `title`
is not `flowrt <kind>` is left alone and reported.  A modeline that names a URL is skipped, and
one that names anything but a `.json` file is reported.  A directory is created only inside the
project; a modeline pointing outside it (a shared `schemas/` beside several projects) is written
only where that directory exists.  Every write goes through `write_atomic`.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from flowrt.core.files import INSTANCE_FILE, WriteError, kind_of, one_line, write_atomic

#: `# yaml-language-server: $schema=<where>` in a file's leading comments.
MODELINE = re.compile(r"#\s*yaml-language-server:\s*\$schema=(\S+)\s*$")
#: How much of a file's head is read for its modeline.
HEAD_BYTES = 64 * 1024
#: A schema file larger than this is not one of flowrt's (it is not read).
MAX_SCHEMA_BYTES = 16 * 1024 * 1024
SCHEMA_FILE = "{kind}.schema.json"


class NoProject(Exception):
    """No flowrt project at or above the directory given."""


@dataclass
class Written:
    """What `write_schemas` did: one `(action, path)` per schema file, and what it refused."""

    done: list[tuple[str, Path]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def write_schemas(start: Path, kinds: tuple[str, ...]) -> Written:
    """Write the schemas of `kinds` where the modelines of the project at `start` point.

    Raises `NoProject` when there is no flowrt file at or above `start`."""
    from flowrt.project.driver import discover, find_root

    root = find_root(start)
    files = []
    if (root / INSTANCE_FILE).is_file() or any(kind_of(p) for p in _entries(root)):
        files = [f for f in discover([root]) if find_root(f) == root]
    if not files:
        raise NoProject(
            f"no flowrt project in {shown(start)} or above (no instance.yaml, *.flow.yaml or "
            "*.scenario.yaml); give a project directory, or print a schema with `flowrt schema "
            "KIND > FILE`"
        )
    out = Written()
    targets = _targets(root, files, out.problems)
    for path, kind in sorted(targets.items()):
        if kind in kinds:
            _write(path, kind, root, out)
    return out


def _entries(directory: Path) -> list[Path]:
    try:
        return list(directory.iterdir())
    except OSError:
        return []


def _targets(root: Path, files: list[Path], problems: list[str]) -> dict[Path, str]:
    """Schema file -> the kind whose schema it gets."""
    named: dict[Path, set[str]] = {}
    for f in files:
        kind = kind_of(f)
        where = modeline(f)
        if kind is None or where is None or "://" in where:
            continue
        if not where.endswith(".json"):
            problems.append(
                f"{shown(f)}: its modeline names {one_line(where)}, not a .json file; nothing "
                "written for it"
            )
            continue
        named.setdefault(Path(os.path.normpath(f.parent / where)), set()).add(kind)
    targets: dict[Path, str] = {}
    for path, kinds in named.items():
        if len(kinds) > 1:
            problems.append(
                f"{shown(path)} is named by the modelines of {' and '.join(sorted(kinds))} "
                "files; not written (give each kind its own schema file)"
            )
            continue
        targets[path] = kinds.pop()
    from flowrt.lang.schema import KINDS

    dirs = {p.parent for p in named}
    home = dirs.pop() if len(dirs) == 1 else root / "schemas"
    for kind in KINDS:
        default = home / SCHEMA_FILE.format(kind=kind)
        if kind not in targets.values() and default not in named:
            targets[default] = kind
    return targets


def modeline(path: Path) -> str | None:
    """Where the modeline in the leading comments of `path` points, or None."""
    if not path.is_file():  # a FIFO or a device is not read; a dangling link has nothing
        return None
    try:
        with path.open("rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError:
        return None
    for line in head.decode("utf-8", errors="replace").lstrip("\ufeff").splitlines():
        text = line.strip()
        if not text:
            continue
        if not text.startswith("#"):
            return None
        if m := MODELINE.fullmatch(text):
            return m.group(1)
    return None


def _write(path: Path, kind: str, root: Path, out: Written) -> None:
    from flowrt.lang.schema import dumps, shipped_schema

    text = dumps(shipped_schema(kind))
    real = path.resolve()
    if os.path.lexists(path):
        problem = _not_ours(real, kind)
        if problem is not None:
            out.problems.append(
                f"{shown(path)} {problem}; not overwritten (remove it to have it written, or "
                "point the modelines elsewhere)"
            )
            return
        if real.read_bytes() == text.encode():
            out.done.append(("unchanged", path))
            return
        action, overwrite = "updated", True
    else:
        if not real.parent.is_dir() and not real.parent.is_relative_to(root.resolve()):
            out.problems.append(
                f"{shown(path)}: its directory does not exist and is outside the project; not "
                "written (create the directory, or fix the modelines that point there)"
            )
            return
        action, overwrite = "created", False
    try:
        write_atomic(real, text, overwrite=overwrite)
    except (WriteError, FileExistsError) as exc:
        out.problems.append(str(exc) if isinstance(exc, WriteError) else f"{shown(path)} exists")
        return
    out.done.append((action, path))


def _not_ours(path: Path, kind: str) -> str | None:
    """Why the existing file at `path` is not flowrt's schema of `kind` (so never replaced)."""
    title = f"flowrt {kind}"
    if not path.is_file():
        return "is not a file"
    if path.stat().st_size > MAX_SCHEMA_BYTES:
        return f"is not flowrt's {kind} schema (it is too large)"
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return f"is not flowrt's {kind} schema (it is not JSON)"
    if not isinstance(data, dict) or data.get("title") != title:
        return f"is not flowrt's {kind} schema (its title is not `{title}`)"
    return None


def shown(path: Path) -> str:
    """A path for a message: relative to the working directory (POSIX), control characters
    escaped."""
    try:
        text = Path(os.path.relpath(path)).as_posix()
    except ValueError:
        text = path.as_posix()
    return one_line(text)
