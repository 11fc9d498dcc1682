"""The editor's files and the projects they belong to, checked as `flowrt validate` checks them.

The editor's texts (`open`, `change`, `close`) overlay the files on disk; each check loads,
validates and compiles the whole project of the edited file through the project driver
(`check_project`), so the diagnostics are exactly the command line's, and an edit of
`instance.yaml` re-checks every flow and scenario that uses it.  Diagnostics are grouped by the
absolute path of their file; a file that had some and has none now is reported empty, so the
editor clears it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlparse

from flowrt.core.diagnostics import Diagnostic
from flowrt.core.files import kind_of
from flowrt.lsp.index import Index, absolute, build_index
from flowrt.project.driver import Project, check_project, find_root


def uri_to_path(uri: str) -> Path | None:
    """The absolute path of a `file:` URI; None for any other scheme (an unsaved buffer)."""
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    return Path(os.path.abspath(unquote(parsed.path)))


def path_to_uri(path: str | Path) -> str:
    return "file://" + quote(os.path.abspath(path))


@dataclass
class Checked:
    """One check of a project: what the driver found, per file, and the project's names."""

    root: Path
    project: Project
    #: Absolute path -> the file's diagnostics (every file of the project, empty lists too).
    diagnostics: dict[str, list[Diagnostic]]
    #: Diagnostics without a file (a project-wide problem).
    general: list[Diagnostic]
    _index: Index | None = None

    @property
    def index(self) -> Index:
        """The project's names, built when a request first needs them: an edit publishes its
        diagnostics without waiting for it (a fifth of a check on a 1,000-block flow)."""
        if self._index is None:
            self._index = build_index(self.project)
        return self._index


@dataclass
class Workspace:
    """The texts the editor holds and the last check of each project."""

    texts: dict[Path, str] = field(default_factory=dict)
    checked: dict[Path, Checked] = field(default_factory=dict)

    def open(self, path: Path, text: str) -> None:
        self.texts[path] = text

    def close(self, path: Path) -> None:
        self.texts.pop(path, None)

    def text(self, path: Path) -> str | None:
        """The editor's text of a file, else the file's (None when it cannot be read)."""
        if path in self.texts:
            return self.texts[path]
        from flowrt.lang.loader import LoadError, read_text

        try:
            return read_text(path, str(path))
        except LoadError:
            return None

    def root_of(self, path: Path) -> Path | None:
        """The project root of a flowrt file; None for any other file."""
        if kind_of(path) is None:
            return None
        return find_root(path)

    def check(self, root: Path) -> tuple[Checked, set[str]]:
        """Check the project at `root`; return it and the files whose diagnostics to publish:
        every file of the project the first time, then those whose diagnostics changed (a file
        whose diagnostics went away is published empty)."""
        overlay = {p: t for p, t in self.texts.items() if find_root(p) == root}
        project = check_project(root, overlay)
        program = project.compile(strict=False)
        by_file: dict[str, list[Diagnostic]] = {absolute(str(f)): [] for f in project.files}
        general: list[Diagnostic] = []
        for d in program.diagnostics:
            if d.span is None:
                general.append(d)
            else:
                by_file.setdefault(absolute(d.span.file), []).append(d)
        for items in by_file.values():
            items.sort(key=Diagnostic.sort_key)
        before = self.checked.get(root)
        checked = Checked(root, project, by_file, general)
        self.checked[root] = checked
        if before is None:
            return checked, set(by_file)
        # only what changed goes over the wire: an edit of one flow of a hundred sends one list
        files = set(by_file) | set(before.diagnostics)
        changed = {f for f in files if before.diagnostics.get(f, []) != by_file.get(f, [])}
        return checked, changed

    def last(self, path: Path) -> Checked | None:
        """The last check of the project of `path`."""
        root = self.root_of(path)
        return self.checked.get(root) if root is not None else None
