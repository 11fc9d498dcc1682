"""`flowrt init [DIR]`: scaffold a new project that validates and tests green at once.

The scaffold is an instance, one flow per common pattern (inbound routing with hours, a menu and a
queue; an after-hours message; a customer queue hold loop; an agent whisper), a scenario with its
goldens, the JSON Schemas the editor modelines point at, a GitHub Actions workflow and a
pre-commit configuration.  The templates are package data (`flowrt/cli/templates/init/*.tmpl`).
Nothing is ever overwritten: when any file of the scaffold exists, nothing is written.  Nothing
is written outside DIR either: a symbolic link inside DIR that leads out of it (`DIR/schemas`
-> `/etc`) is refused before anything is written, and a write the system refuses (a read-only
or full disk) takes back the files already written.
"""

from __future__ import annotations

import argparse
import os
import sys
from importlib import resources
from pathlib import Path
from typing import Any

from flowrt.core.files import GOLDEN_SUFFIX, WriteError, shown_path, write_atomic
from flowrt.core.text import printable

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

#: Template (under flowrt/cli/templates/init) -> path in the new project.
FILES: dict[str, str] = {
    "instance.yaml.tmpl": "instance.yaml",
    "main.flow.yaml.tmpl": "flows/main.flow.yaml",
    "after-hours.flow.yaml.tmpl": "flows/after-hours.flow.yaml",
    "queue-hold.flow.yaml.tmpl": "flows/queue-hold.flow.yaml",
    "agent-whisper.flow.yaml.tmpl": "flows/agent-whisper.flow.yaml",
    "main.scenario.yaml.tmpl": "scenarios/main.scenario.yaml",
    "github-workflow.yml.tmpl": ".github/workflows/flowrt.yml",
    "pre-commit-config.yaml.tmpl": ".pre-commit-config.yaml",
    "README.md.tmpl": "README.md",
}
#: The published schemas, copied so the modelines work offline: kind -> path.
SCHEMAS: dict[str, str] = {
    "flow": "schemas/flow.schema.json",
    "instance": "schemas/instance.schema.json",
    "scenario": "schemas/scenario.schema.json",
}


class Exists(Exception):
    """Some files of the scaffold already exist; carries their paths."""

    def __init__(self, paths: list[Path]) -> None:
        self.paths = paths
        super().__init__(", ".join(str(p) for p in paths))


class LeadsOut(Exception):
    """A directory of the scaffold is a symbolic link out of the project directory."""

    def __init__(self, link: Path, target: Path, directory: Path) -> None:
        self.link = link
        super().__init__(
            f"{shown_path(link)} is a symbolic link to {shown_path(target)}, outside "
            f"{shown_path(directory)}; nothing was written (remove the link, or choose another "
            "directory)"
        )


#: Where `make_goldens` writes (a file under it), checked like the scaffold's own directories.
GOLDENS = "scenarios/__goldens__/main/case" + GOLDEN_SUFFIX


def add_init(sub: Any) -> None:
    """Register `flowrt init` on the CLI's subparsers."""
    p = sub.add_parser(
        "init",
        help="scaffold a new project: instance, flows, a scenario, schemas, CI and pre-commit",
        description="Create a new flowrt project in DIR (default: the current directory): an "
        "instance, one flow per common pattern, a scenario with its goldens, the JSON Schemas "
        "for the editor modelines, a GitHub Actions workflow and a pre-commit configuration.  "
        "It validates and tests green at once.  Existing files are never overwritten: if any "
        "file of the scaffold exists, nothing is written and the exit code is 2.",
    )
    p.add_argument("dir", nargs="?", default=".", metavar="DIR", help="where to create it")
    p.set_defaults(func=cmd_init)


def scaffold() -> dict[str, str]:
    """The scaffold's files: relative path -> text."""
    from flowrt.core import __version__
    from flowrt.lang.schema import dumps, shipped_schema

    base = resources.files("flowrt.cli") / "templates" / "init"
    out: dict[str, str] = {}
    for template, dest in FILES.items():
        text = (base / template).read_text(encoding="utf-8")
        out[dest] = text.replace("@@VERSION@@", __version__)
    for kind, dest in SCHEMAS.items():
        out[dest] = dumps(shipped_schema(kind))
    return dict(sorted(out.items()))


def create(directory: Path) -> list[Path]:
    """Write the scaffold into `directory`.

    Raises `LeadsOut` (a directory of the scaffold is a link out of `directory`) or `Exists` (a
    file of the scaffold exists, even as a dangling link, or a directory of it is a file) and
    writes nothing; on a `WriteError` the files already written are removed again.
    """
    files = scaffold()
    for rel in (*files, GOLDENS):
        _check_inside(directory, rel)
    clash = sorted({p for rel in files if (p := _in_the_way(directory, rel)) is not None})
    if clash:
        raise Exists(clash)
    missing = {d for rel in files for d in (directory / rel).parents if not os.path.lexists(d)}
    written: list[Path] = []
    try:
        for rel, text in files.items():
            path = directory / rel
            write_atomic(path, text, overwrite=False)
            written.append(path)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        for d in sorted(missing, key=lambda d: len(d.parts), reverse=True):
            try:
                d.rmdir()
            except OSError:
                continue
        raise
    return written


def _check_inside(directory: Path, rel: str) -> None:
    """Raise `LeadsOut` when a directory on the way to `directory/rel` is a link out of it."""
    base = directory.resolve()
    path = directory
    for part in Path(rel).parts[:-1]:
        path = path / part
        if path.is_symlink():
            target = path.resolve()
            if not target.is_relative_to(base):
                raise LeadsOut(path, target, directory)
        elif not path.exists():
            return


def _in_the_way(directory: Path, rel: str) -> Path | None:
    """What stops `directory/rel` from being written new: the file itself (a dangling link too),
    or a file where one of its directories should be."""
    path = directory / rel
    if os.path.lexists(path):
        return path
    for parent in reversed(path.relative_to(directory).parents[:-1]):
        d = directory / parent
        if os.path.lexists(d) and not d.is_dir():
            return d
    return None


def cmd_init(args: argparse.Namespace) -> int:
    directory = Path(args.dir)
    if directory.exists() and not directory.is_dir():
        print(f"flowrt init: {printable(str(directory))} is not a directory", file=sys.stderr)
        return EXIT_USAGE
    try:
        written = create(directory)
    except Exists as exc:
        print(
            f"flowrt init: refusing to overwrite existing files (nothing was written): {exc}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    except LeadsOut as exc:
        print(f"flowrt init: {printable(str(exc))}", file=sys.stderr)
        return EXIT_FINDINGS
    except WriteError as exc:
        print(f"flowrt init: {printable(str(exc))}; nothing was written", file=sys.stderr)
        return EXIT_FINDINGS
    for path in written:
        print(f"created {printable(str(path.as_posix()))}")
    try:
        goldens = make_goldens(directory)
    except WriteError as exc:
        print(
            f"flowrt init: {exc}; the project was created without its goldens (run `flowrt "
            "test --update` in it once the cause is fixed)",
            file=sys.stderr,
        )
        return EXIT_FINDINGS
    if goldens:
        print(goldens)
    where = "" if directory.resolve() == Path.cwd().resolve() else f"cd {directory} && "
    print(f"\nnext: {where}flowrt validate && flowrt test && flowrt graph main")
    return EXIT_OK


def make_goldens(directory: Path) -> str:
    """Write the goldens of the scaffold's scenario, as `flowrt test --update` does; a note."""
    from flowrt.testing.suite import run_suite

    report = run_suite([str(directory)], update=True)
    written = [path for action, path in report.changes if action == "written"]
    lines = [f"created {Path(path).as_posix()}" for path in written]
    return "\n".join(lines)
