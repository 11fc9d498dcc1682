"""`flowrt init [DIR]`: scaffold a new project that validates and tests green at once.

The scaffold is an instance, one flow per common pattern (inbound routing with hours, a menu and a
queue; an after-hours message; a customer queue hold loop; an agent whisper), a scenario with its
goldens, the JSON Schemas the editor modelines point at, a GitHub Actions workflow and a
pre-commit configuration.  The templates are package data (`flowrt/cli/templates/init/*.tmpl`).

What exists is never overwritten unless asked: by default, when any file of the scaffold exists,
nothing is written; `--skip-existing` writes only the missing files and names the ones it kept;
`--force` replaces the scaffold's files (and the goldens of the scaffold's own scenario), never
anything else: other scenarios' goldens, and files that are not the scaffold's, are not touched.
A file where a directory of the scaffold should be, or a directory where one of its files should
be, stops every mode before anything is written.

GitHub and pre-commit read the workflow and `.pre-commit-config.yaml` only at the root of a git
repository, so when DIR is inside one (a `.git` directory or file above it) those two go to the
repository's root and run flowrt on DIR from there; without a repository they stay in DIR and
the command says so.  flowrt is not on the package index yet: the workflow installs the pip
requirement in the repository variable `FLOWRT_INSTALL` (and fails saying so while it is unset),
or the one given with `--install`, which pre-commit then installs too.

Nothing is written outside DIR (and the repository root, for those two files): a symbolic link
inside leading out of it (`DIR/schemas` -> `/etc`) is refused before anything is written, and a
write the system refuses (a read-only or full disk) takes back the files already written.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from flowrt.cli.init_scaffold import (
    FILES,
    SCENARIO,
    SCHEMAS,
    Layout,
    golden_paths,
    install_problem,
    relative_shown,
    scaffold,
)
from flowrt.core.files import WriteError, shown_path, write_atomic
from flowrt.core.text import printable

if TYPE_CHECKING:
    from flowrt.testing.suite import GoldenCheck

__all__ = ["FILES", "SCHEMAS", "cmd_init", "make_goldens", "plan", "scaffold"]

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

NEW, EXISTS, KEPT, REPLACE, UNCHANGED = "created", "exists", "kept", "replaced", "unchanged"


class Exists(Exception):
    """Some files of the scaffold already exist; carries their paths."""

    def __init__(self, paths: list[str]) -> None:
        self.paths = paths
        super().__init__(", ".join(paths))


class Blocked(Exception):
    """A file where a directory of the scaffold goes, or a directory where one of its files goes:
    no mode writes there."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


class LeadsOut(Exception):
    """A directory of the scaffold is a symbolic link out of the project directory."""

    def __init__(self, link: Path, target: Path, directory: Path) -> None:
        self.link = link
        super().__init__(
            f"{shown_path(link)} is a symbolic link to {shown_path(target)}, outside "
            f"{shown_path(directory)}; nothing was written (remove the link, or choose another "
            "directory)"
        )


class Failed(Exception):
    """A write the system refused; what was written before it is taken back (`left`: what
    could not be)."""

    def __init__(self, error: WriteError, left: list[str]) -> None:
        self.error = error
        self.left = left
        super().__init__(str(error))


# ---------------------------------------------------------------------------------------------
# writing


@dataclass
class Item:
    """One file of the scaffold: where it goes, its text and what happens to it."""

    rel: str
    path: Path
    shown: str
    text: str
    action: str = NEW


def plan(layout: Layout, files: Mapping[str, str], mode: str) -> list[Item]:
    """What to do with each file of the scaffold in `mode` ("new", "skip" or "force").

    Raises `LeadsOut`, `Blocked` or (mode "new") `Exists`; nothing is written here."""
    items = [Item(rel, layout.path(rel), layout.shown(rel), text) for rel, text in files.items()]
    goldens = golden_paths(layout, files)
    for item in items:
        _check_inside(layout.base(item.rel), item.rel)
    for golden in goldens:
        _check_inside(layout.directory, golden.relative_to(layout.directory).as_posix())
    found = {item.rel: _in_the_way(layout.base(item.rel), item.rel) for item in items}
    blocked = sorted(
        {
            f"{layout.shown_path(hit)} is a file where a directory goes"
            for item in items
            if (hit := found[item.rel]) is not None and hit != item.path
        }
    )
    if blocked:
        raise Blocked(blocked)
    if mode == "new":
        clash = [p for item in items if (p := found[item.rel]) is not None]
        clash += [g for g in goldens if os.path.lexists(g)]
        if clash:
            raise Exists([layout.shown_path(p) for p in sorted(set(clash))])
        return items
    for item in items:
        hit = found[item.rel]
        if hit is None:
            continue
        if item.path.is_dir():
            if mode == "force":
                blocked.append(f"{layout.shown_path(hit)} is a directory where a file goes")
            else:
                item.action = KEPT
        elif mode == "skip":
            item.action = KEPT
        elif not item.path.is_symlink() and not item.path.is_file():
            blocked.append(f"{layout.shown_path(hit)} is not a regular file")
        elif not item.path.is_symlink() and _same(item.path, item.text):
            item.action = UNCHANGED
        else:
            item.action = REPLACE
    if blocked:
        raise Blocked(sorted(set(blocked)))
    return items


def _same(path: Path, text: str) -> bool:
    """Whether the regular file `path` holds `text` (UTF-8) already."""
    data = text.encode()
    return path.stat().st_size == len(data) and path.read_bytes() == data


def create(items: list[Item]) -> None:
    """Write the items that are new or replaced; on a refused write take back what was written
    (the replaced files get their old content) and raise `Failed`."""
    olds: dict[Path, bytes | str] = {}
    for item in items:
        if item.action == REPLACE:
            p = item.path
            olds[p] = os.readlink(p) if p.is_symlink() else p.read_bytes()
    missing = {
        d
        for item in items
        if item.action == NEW
        for d in item.path.parents
        if not os.path.lexists(d)
    }
    done: list[Path] = []
    try:
        for item in items:
            if item.action in (NEW, REPLACE):
                write_atomic(item.path, item.text, overwrite=item.action == REPLACE)
                done.append(item.path)
    except BaseException as exc:
        left = _undo(done, olds, missing)
        if isinstance(exc, WriteError):
            raise Failed(exc, left) from exc
        raise


def _undo(done: list[Path], olds: Mapping[Path, bytes | str], missing: set[Path]) -> list[str]:
    """Take back the writes in `done`; what could not be."""
    left: list[str] = []
    for path in reversed(done):
        old = olds.get(path)
        try:
            if old is None:
                path.unlink(missing_ok=True)
            elif isinstance(old, str):  # it was a symbolic link
                path.unlink(missing_ok=True)
                os.symlink(old, path)
            else:
                write_atomic(path, old, overwrite=True)
        except OSError:
            left.append(shown_path(path))
    for d in sorted(missing, key=lambda d: len(d.parts), reverse=True):
        try:
            d.rmdir()
        except OSError:
            continue
    return left


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


# ---------------------------------------------------------------------------------------------
# the command


def cmd_init(args: argparse.Namespace) -> int:
    directory = Path(args.dir)
    if directory.exists() and not directory.is_dir():
        print(f"flowrt init: {printable(str(directory))} is not a directory", file=sys.stderr)
        return EXIT_USAGE
    if args.install is not None and (problem := install_problem(args.install)) is not None:
        print(f"flowrt init: {printable(problem)}", file=sys.stderr)
        return EXIT_USAGE
    mode = "force" if args.force else "skip" if args.skip_existing else "new"
    layout = Layout.of(directory)
    files = scaffold(layout, args.install)
    try:
        items = plan(layout, files, mode)
        create(items)
    except Exists as exc:
        print(
            "flowrt init: refusing to overwrite existing files (nothing was written): "
            f"{printable(str(exc))}; use --skip-existing to write only the missing files, or "
            "--force to replace these",
            file=sys.stderr,
        )
        return EXIT_USAGE
    except Blocked as exc:
        print(
            f"flowrt init: nothing was written: {printable(str(exc))} (move it away, or choose "
            "another directory)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    except LeadsOut as exc:
        print(f"flowrt init: {printable(str(exc))}", file=sys.stderr)
        return EXIT_FINDINGS
    except Failed as exc:
        taken = "nothing was written"
        if exc.left:
            taken = f"these could not be taken back: {', '.join(exc.left)}"
        print(f"flowrt init: {printable(str(exc))}; {printable(taken)}", file=sys.stderr)
        return EXIT_FINDINGS
    for item in items:
        note = " (it exists)" if item.action == KEPT else ""
        print(f"{item.action} {printable(item.shown)}{note}")
    scenario = next(item for item in items if item.rel == SCENARIO)
    code = EXIT_OK
    if scenario.action != KEPT:
        code = _write_goldens(layout, files, overwrite=mode == "force")
    note = _where_note(layout)
    if note:
        print(note)
    here = directory.resolve() == Path.cwd().resolve()
    where = "" if here else f"cd {printable(shlex.quote(str(directory)))} && "
    print(f"\nnext: {where}flowrt validate && flowrt test && flowrt graph main")
    return code


def _where_note(layout: Layout) -> str:
    """Where the workflow and the pre-commit config are, and why there."""
    if layout.repository is None:
        d = printable(layout.directory.as_posix())
        return (
            f"note: {d} is not in a git repository, so its workflow and pre-commit config are "
            f"in {d} itself; GitHub and pre-commit read them only at the root of a repository: "
            f"make {d} that root (`git init`), or create the project inside your repository"
        )
    if not layout.split:
        return ""
    root = printable(relative_shown(layout.repository))
    return (
        f"note: the workflow and the pre-commit config are at the root of the git repository "
        f"({root}), the only place GitHub and pre-commit read them; they run flowrt on "
        f"{printable(layout.project)}"
    )


def _write_goldens(layout: Layout, files: Mapping[str, str], *, overwrite: bool) -> int:
    """Write the goldens of the scaffold's scenario, as `flowrt test --update` would (print a
    line per golden); the exit code."""
    from flowrt.project.driver import display_path

    try:
        goldens = make_goldens(layout.directory, layout.path(SCENARIO))
    except GoldensBlocked as exc:
        print(f"flowrt init: {printable(str(exc))}", file=sys.stderr)
        return EXIT_FINDINGS
    try:
        for path in golden_paths(layout, files):
            text = goldens.get(path.name)
            if text is None:
                continue
            shown = printable(Path(display_path(path)).as_posix())
            if os.path.lexists(path) and not overwrite:
                print(f"kept {shown} (it exists)")
                continue
            old = path.read_bytes() if path.is_file() and not path.is_symlink() else None
            if old == text.encode():
                print(f"unchanged {shown}")
                continue
            existed = os.path.lexists(path)
            write_atomic(path, text, overwrite=overwrite)
            print(f"{'replaced' if existed else 'created'} {shown}")
    except WriteError as exc:
        print(
            f"flowrt init: {printable(str(exc))}; the project was created without its goldens "
            "(run `flowrt test --update` in it once the cause is fixed)",
            file=sys.stderr,
        )
        return EXIT_FINDINGS
    return EXIT_OK


class GoldensBlocked(Exception):
    """The scaffold's scenario cannot run: the project (kept files of it) has errors."""


def make_goldens(directory: Path, scenario: Path) -> dict[str, str]:
    """The golden text of each case of `scenario` (by golden file name), as `flowrt test
    --update` would write it; nothing is written, no other scenario runs.

    Raises `GoldensBlocked` when the project or the scenario has errors."""
    from flowrt.scenario.model import cases_of
    from flowrt.testing.suite import Suite

    class Capture(Suite):
        def __init__(self) -> None:
            super().__init__(update=False)
            self.texts: dict[str, str] = {}

        def check_golden(self, path: Path, text: str, root: Path | None = None) -> GoldenCheck:
            from flowrt.testing.suite import GoldenCheck

            self.texts[path.name] = text
            return GoldenCheck("same", str(path))

    suite = Capture()
    pr = suite.project(directory)
    target = scenario.resolve()
    if pr.blocked or target in pr.bad_files:
        raise GoldensBlocked(
            f"the goldens of {relative_shown(scenario)} were not written: the project has "
            "errors (`flowrt validate` shows them; once fixed, `flowrt test --update` writes "
            "the goldens)"
        )
    for doc, sf in pr.project.scenarios:
        if Path(doc.file).resolve() == target:
            for case in cases_of(sf):
                suite.run_case(pr, doc, sf, case)
    return suite.texts
