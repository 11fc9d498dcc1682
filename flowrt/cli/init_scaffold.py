"""The files `flowrt init` writes: where each goes, and its text from the templates.

The templates are package data (`flowrt/cli/templates/init/*.tmpl`) with `@@NAME@@`
placeholders: the flowrt version, the project directory as the workflow and the pre-commit hooks
name it from the repository root, and what they install flowrt from.  GitHub and pre-commit read
the workflow and `.pre-commit-config.yaml` only at the root of a git repository, so `Layout`
puts those two there when the project is a subdirectory of a repository.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from flowrt.core.files import shown_path

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
#: The scaffold's scenario: its goldens are written after the files.
SCENARIO = "scenarios/main.scenario.yaml"
#: What GitHub and pre-commit read only at the root of a git repository.
WORKFLOW, PRE_COMMIT = ".github/workflows/flowrt.yml", ".pre-commit-config.yaml"
REPOSITORY_FILES = (WORKFLOW, PRE_COMMIT)
#: The flowrt-validate and flowrt-test hooks' file patterns (as in `.pre-commit-hooks.yaml`).
VALIDATE_FILES = r"(^|/)(instance\.yaml|[^/]+\.(flow|scenario)\.yaml)$"
TEST_FILES = r"(^|/)(instance\.yaml|[^/]+\.(flow|scenario)\.yaml|__goldens__/.+)$"
#: The workflow's install step without `--install`: the repository variable.
INSTALL_VARIABLE = "${{ vars.FLOWRT_INSTALL }}"

# ---------------------------------------------------------------------------------------------
# where the files go


@dataclass(frozen=True)
class Layout:
    """The project directory and the git repository around it."""

    directory: Path
    #: The root of the git repository at or above the directory (resolved), if there is one.
    repository: Path | None

    @classmethod
    def of(cls, directory: Path) -> Layout:
        return cls(directory, repository_root(directory))

    @property
    def project(self) -> str:
        """The project directory from the repository root (POSIX); `.` at the root."""
        if self.repository is None:
            return "."
        return self.directory.resolve().relative_to(self.repository).as_posix()

    @property
    def split(self) -> bool:
        """Whether the workflow and the pre-commit config go to the repository root."""
        return self.project != "."

    def base(self, rel: str) -> Path:
        """The directory `rel` is written under: the project, or the repository root."""
        if self.repository is not None and self.split and rel in REPOSITORY_FILES:
            return self.repository
        return self.directory

    def path(self, rel: str) -> Path:
        return self.base(rel) / rel

    def shown(self, rel: str) -> str:
        """The path of `rel` as messages show it."""
        if self.base(rel) == self.directory:
            return (self.directory / rel).as_posix()
        return relative_shown(self.path(rel))

    def shown_path(self, path: Path) -> str:
        """A path below the project as given, or below the repository root, for messages."""
        if path.is_relative_to(self.directory):
            return shown_path(path)
        return shown_path(relative_shown(path))


def repository_root(directory: Path) -> Path | None:
    """The nearest directory at or above `directory` holding `.git` (a directory, or the file a
    worktree or a submodule has), resolved; None outside a repository."""
    start = directory.resolve()
    for d in (start, *start.parents):
        if os.path.lexists(d / ".git"):
            return d
    return None


def relative_shown(path: Path) -> str:
    """`path` relative to the working directory (POSIX), or absolute on another drive."""
    try:
        return Path(os.path.relpath(path)).as_posix()
    except ValueError:
        return path.as_posix()


# ---------------------------------------------------------------------------------------------
# the files


def install_problem(requirement: str) -> str | None:
    """Why `requirement` cannot be written as what the workflow installs, or None."""
    example = "e.g. git+https://HOST/OWNER/flowrt@TAG or ./tools/flowrt"
    if not requirement.strip():
        return f"--install needs a pip requirement ({example})"
    if not requirement.isprintable():
        return f"--install takes one pip requirement on one line ({example})"
    if requirement.lstrip().startswith("-"):
        return f"--install takes one pip requirement, not pip options ({example})"
    if "${{" in requirement:
        return "--install cannot hold `${{`: GitHub would read it as an expression"
    return None


def is_relative_path(requirement: str) -> bool:
    """Whether a pip requirement is a relative path (pre-commit cannot install one itself)."""
    if "://" in requirement or requirement.startswith(("/", "~")):
        return False
    if re.match(r"[A-Za-z]:[\\/]", requirement):
        return False
    return requirement.startswith(".") or "/" in requirement or "\\" in requirement


def scaffold(layout: Layout | None = None, install: str | None = None) -> dict[str, str]:
    """The scaffold's files: relative path (to `layout.base(path)`) -> text."""
    from flowrt.core import __version__
    from flowrt.lang.schema import dumps, shipped_schema

    layout = layout or Layout(Path("."), None)
    values = _values(layout, install)
    values["VERSION"] = __version__
    base = resources.files("flowrt.cli") / "templates" / "init"
    out: dict[str, str] = {}
    for template, dest in FILES.items():
        text = (base / template).read_text(encoding="utf-8")
        out[dest] = render(text, values, yaml=dest.endswith((".yaml", ".yml")))
    for kind, dest in SCHEMAS.items():
        out[dest] = dumps(shipped_schema(kind))
    return dict(sorted(out.items()))


def _values(layout: Layout, install: str | None) -> dict[str, str]:
    """The templates' placeholders for this layout and install requirement."""
    project = layout.project
    directory = layout.directory.resolve()
    word = "." if project == "." else shlex.quote(f"./{project}" if project[0] == "-" else project)
    prefix = "" if project == "." else "^" + re.escape(project) + "/(.+/)?"
    values = {
        "PROJECT": word,
        "PROJECT_ARGUMENT": "" if project == "." else f" {word}",
        "VALIDATE_FILES": VALIDATE_FILES if not prefix else prefix + VALIDATE_FILES[5:],
        "TEST_FILES": TEST_FILES if not prefix else prefix + TEST_FILES[5:],
        "INSTALL": INSTALL_VARIABLE if install is None else install,
        "WORKFLOW": Path(os.path.relpath(layout.path(WORKFLOW), directory)).as_posix(),
        "PRE_COMMIT": Path(os.path.relpath(layout.path(PRE_COMMIT), directory)).as_posix(),
        "LANGUAGE": "system",
        "DEPENDENCIES": "",
    }
    pip = "python -m pip install"
    if install is None:
        values["HOOKS_NOTE"] = (
            "# The hooks run the flowrt installed in your environment.  flowrt is not on the\n"
            "# package index yet: install it from a checkout of its repository\n"
            f"# ({pip} /path/to/flowrt) or from a git URL\n"
            f"# ({pip} git+https://<host>/<owner>/flowrt), or let pre-commit install it:\n"
            "# `language: python` and `additional_dependencies: [<that requirement>]` on each hook.\n"
        )
        values["INSTALL_NOTE"] = (
            "flowrt is not on the package index yet: install it from a checkout of its\n"
            f"repository (`{pip} /path/to/flowrt`) or a git URL\n"
            f"(`{pip} git+https://<host>/<owner>/flowrt`).  The CI workflow installs the pip\n"
            "requirement in the repository variable `FLOWRT_INSTALL` (Settings > Secrets and\n"
            "variables > Actions > Variables), and fails saying so until it is set.\n"
        )
    elif is_relative_path(install):
        values["HOOKS_NOTE"] = (
            "# The hooks run the flowrt installed in your environment (pre-commit cannot install\n"
            f"# a relative path itself): {pip} {install}\n"
        )
        values["INSTALL_NOTE"] = (
            "flowrt is not on the package index yet.  The CI workflow installs it from\n"
            f"`{install}` (from the repository root); the pre-commit hooks run the flowrt\n"
            f"installed in your environment (`{pip} {install}`).\n"
        )
    else:
        values["LANGUAGE"] = "python"
        values["DEPENDENCIES"] = (
            f"        additional_dependencies:\n          - {yaml_scalar(install)}\n"
        )
        values["HOOKS_NOTE"] = (
            f"# pre-commit installs flowrt into the hooks' own environment from: {install}\n"
        )
        values["INSTALL_NOTE"] = (
            "flowrt is not on the package index yet.  The CI workflow and the pre-commit hooks\n"
            f"install it from `{install}`; install it the same way to run it yourself\n"
            f"(`{pip} {shlex.quote(install)}`).\n"
        )
    return values


_PLACEHOLDER = re.compile(r"@@([A-Z_]+)@@")
_KEY_VALUE = re.compile(r"^(\s*(?:- )?[\w-]+: )(.*)$")


def render(template: str, values: Mapping[str, str], *, yaml: bool) -> str:
    """Fill a template's `@@NAME@@` placeholders.

    A line that is only a placeholder becomes the value's lines (none when it is empty).  In a
    YAML template, the value of a `key: value` line with a placeholder is written as a YAML
    scalar, quoted when it needs to be (a path with ` #` or `: ` in it)."""
    out: list[str] = []
    for line in template.splitlines(keepends=True):
        body, end = (line[:-1], "\n") if line.endswith("\n") else (line, "")
        whole = _PLACEHOLDER.fullmatch(body.strip())
        if whole:
            out.append(values[whole.group(1)])
            continue
        m = _KEY_VALUE.match(body) if yaml else None
        if m and _PLACEHOLDER.search(m.group(2)):
            value = _PLACEHOLDER.sub(lambda p: values[p.group(1)], m.group(2))
            out.append(m.group(1) + yaml_scalar(value) + end)
        else:
            out.append(_PLACEHOLDER.sub(lambda p: values[p.group(1)], body) + end)
    return "".join(out)


def yaml_scalar(value: str) -> str:
    """`value` as a YAML scalar: plain when YAML reads it back as the same string, else quoted."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        if YAML(typ="safe", pure=True).load(f"k: {value}\n") == {"k": value}:
            return value
    except YAMLError:
        pass
    return json.dumps(value, ensure_ascii=False)


def golden_paths(layout: Layout, files: Mapping[str, str]) -> list[Path]:
    """The goldens of the scaffold's scenario, one per case, in case order."""
    from ruamel.yaml import YAML

    from flowrt.testing.golden import golden_path

    cases = YAML(typ="safe", pure=True).load(files[SCENARIO])["cases"]
    return [golden_path(layout.path(SCENARIO), str(case)) for case in cases]
