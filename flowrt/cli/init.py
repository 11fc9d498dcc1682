"""`flowrt init [DIR]`: scaffold a new project that validates and tests green at once.

The scaffold is an instance, one flow per common pattern (inbound routing with hours, a menu and a
queue; an after-hours message; a customer queue hold loop; an agent whisper), a scenario with its
goldens, the JSON Schemas the editor modelines point at, a GitHub Actions workflow and a
pre-commit configuration.  The templates are package data (`flowrt/cli/templates/init/*.tmpl`).
Nothing is ever overwritten: when any file of the scaffold exists, nothing is written.
"""

from __future__ import annotations

import argparse
import sys
from importlib import resources
from pathlib import Path
from typing import Any

from flowrt.core.files import write_atomic

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
    """Write the scaffold into `directory` (raises `Exists` and writes nothing on a conflict)."""
    files = scaffold()
    clash = sorted(directory / rel for rel in files if (directory / rel).exists())
    if clash:
        raise Exists(clash)
    written = []
    for rel, text in files.items():
        path = directory / rel
        write_atomic(path, text, overwrite=False)
        written.append(path)
    return written


def cmd_init(args: argparse.Namespace) -> int:
    directory = Path(args.dir)
    if directory.exists() and not directory.is_dir():
        print(f"flowrt init: {directory} is not a directory", file=sys.stderr)
        return EXIT_USAGE
    try:
        written = create(directory)
    except Exists as exc:
        print(
            f"flowrt init: refusing to overwrite existing files (nothing was written): {exc}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    for path in written:
        print(f"created {path.as_posix()}")
    goldens = make_goldens(directory)
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
