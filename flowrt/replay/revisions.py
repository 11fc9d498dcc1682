"""A project as it was at a git revision: `flowrt replay --base REV`, `--against git:REV`.

The files of the project's directory at a revision are read from git's object database (`git
ls-tree` and `git cat-file --batch`) and written to a temporary directory the caller owns; the
user's working tree, index and HEAD are never touched, so a replay can compare two commits while
the user has uncommitted work.  `git archive` is not used: it applies the revision's
`export-ignore` and `export-subst` attributes, which would leave out or rewrite files, and the
replay must see the files exactly as committed.

The project may be a subdirectory of the repository: its place is found from the working tree
(`--project DIR`, its nearest instance.yaml, as every command finds its project) and the same
path is read at the revision.  Everything that can go wrong (git missing, not a repository, an
unknown revision, no such directory at that revision, a tree too large) is a `RevisionError`
whose text is one line for users.  Files are bounded (`MAX_FILES`, `MAX_TOTAL_BYTES`) before a
byte is written: a revision is the user's own, but a mistyped one may name a huge tree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from flowrt.project.driver import find_root

if TYPE_CHECKING:
    from flowrt.core.diagnostics import Diagnostic

#: How `--against` names a revision rather than a directory.
PREFIX = "git:"
#: The most files and bytes a revision's project may hold.
MAX_FILES = 20_000
MAX_TOTAL_BYTES = 256 * 1024 * 1024
#: Seconds any one git command may take.
GIT_TIMEOUT = 120.0


class RevisionError(Exception):
    """A revision that cannot be read; `str(exc)` says what is wrong and how to fix it."""


@dataclass(frozen=True)
class Checkout:
    """The project's files at one revision, written to a temporary directory."""

    #: The revision as the user wrote it (`main`, `HEAD~1`, a sha).
    revision: str
    #: The commit it names (40 hex digits).
    commit: str
    #: The project's directory inside the repository (POSIX, "" at its top).
    prefix: str
    #: Where the project's files were written (the project root to load).
    root: Path

    def label(self, path: str) -> str:
        """A file of the checkout as git names it, `REV:dir/file.flow.yaml`, for messages."""
        try:
            rel = Path(os.path.abspath(path)).relative_to(self.root)
        except ValueError:
            return path
        return f"{self.revision}:{PurePosixPath(self.prefix, rel.as_posix())}"

    def relabel(self, diagnostics: list[Diagnostic]) -> list[Diagnostic]:
        """Diagnostics with their files named `REV:path`, not the temporary directory's."""
        out = []
        for d in diagnostics:
            if d.span is not None:
                d = replace(d, span=replace(d.span, file=self.label(d.span.file)))
            out.append(d)
        return out


def is_revision(value: str) -> bool:
    """True when an `--against` value names a git revision (`git:REV`)."""
    return value.startswith(PREFIX)


def _git(top: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    git = shutil.which("git")
    if git is None:
        raise RevisionError(
            "git is not installed (or not on PATH): install git to replay a revision, or give "
            "a directory of the changed project to --against"
        )
    # No prompt, no pager, the messages in English whatever the user's locale.
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "GIT_PAGER": "cat"}
    cmd = [git, "-C", str(top), *args]
    try:
        return subprocess.run(
            cmd, capture_output=True, stdin=subprocess.DEVNULL, env=env, timeout=GIT_TIMEOUT
        )
    except subprocess.TimeoutExpired as exc:
        raise RevisionError(f"git {args[0]} took more than {GIT_TIMEOUT:g} s; try again") from exc
    except OSError as exc:
        raise RevisionError(f"git could not be started: {exc.strerror or exc}") from exc


def _first_line(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace").strip()
    return text.splitlines()[0] if text else "no message"


def repository(project: Path) -> tuple[Path, str]:
    """(the repository's top directory, the project root's path inside it) for `--project`."""
    if not project.is_dir():
        raise RevisionError(f"{project}: no such project directory")
    root = find_root(project)
    done = _git(root, "rev-parse", "--show-toplevel")
    if done.returncode != 0:
        raise RevisionError(
            f"{project} is not in a git repository: a revision can be replayed only from a git "
            "checkout; give a directory of the changed project to --against instead"
        )
    top = Path(done.stdout.decode("utf-8", "surrogateescape").strip()).resolve()
    try:
        prefix = root.resolve().relative_to(top).as_posix()
    except ValueError as exc:  # a project reached through a link out of the repository
        raise RevisionError(f"{project} is not inside the repository at {top}") from exc
    return top, "" if prefix == "." else prefix


def resolve(top: Path, revision: str) -> str:
    """The commit a revision names, or a RevisionError that says it is unknown."""
    if not revision or revision.startswith("-") or any(c in revision for c in "\0\n\r"):
        raise RevisionError(
            f"`{revision}` is not a git revision: give a commit, a branch or a tag "
            "(e.g. git:main, git:HEAD~1)"
        )
    done = _git(top, "rev-parse", "--verify", "--quiet", "--end-of-options", revision + "^{commit}")
    if done.returncode != 0:
        raise RevisionError(
            f"unknown revision `{revision}` in the git repository at {top}: give a commit, a "
            "branch or a tag (`git log --oneline` lists the commits)"
        )
    return done.stdout.decode("ascii", "replace").strip()


def _entries(top: Path, commit: str, prefix: str, revision: str) -> list[tuple[str, int, str]]:
    """(object id, size, path) of every regular file under `prefix` at `commit`."""
    spec = ["--", prefix] if prefix else []
    done = _git(top, "ls-tree", "-r", "-l", "-z", "--full-tree", commit, *spec)
    if done.returncode != 0:
        raise RevisionError(f"git ls-tree failed at {revision}: {_first_line(done.stderr)}")
    out = []
    total = 0
    for entry in done.stdout.split(b"\0"):
        if not entry:
            continue
        meta, _, raw_path = entry.partition(b"\t")
        mode, kind, oid, size = meta.split()
        # Regular files only: links and submodules are not a project's files (the project
        # readers refuse links too).
        if kind != b"blob" or mode not in (b"100644", b"100755"):
            continue
        path = raw_path.decode("utf-8", "surrogateescape")
        parts = PurePosixPath(path).parts
        if PurePosixPath(path).is_absolute() or ".." in parts:
            continue
        total += int(size)
        out.append((oid.decode("ascii"), int(size), path))
        if len(out) > MAX_FILES or total > MAX_TOTAL_BYTES:
            raise RevisionError(
                f"the project at {revision} holds more than {MAX_FILES:,} files or "
                f"{MAX_TOTAL_BYTES // (1024 * 1024)} MB; give --project the project's own "
                "directory"
            )
    if not out:
        where = f"the directory `{prefix}`" if prefix else "the repository"
        raise RevisionError(
            f"{where} holds no file at revision {revision}: the project did not exist there; "
            "give a revision that has it"
        )
    return out


def checkout(project: Path, revision: str, into: Path) -> Checkout:
    """Write the files of `project`'s directory at `revision` under `into` (an empty
    directory the caller owns and removes); the project root to load is `Checkout.root`."""
    if is_revision(revision):
        revision = revision[len(PREFIX) :]
    into = into.resolve()
    top, prefix = repository(project)
    commit = resolve(top, revision)
    entries = _entries(top, commit, prefix, revision)
    git = shutil.which("git") or "git"
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    proc = subprocess.Popen(
        [git, "-C", str(top), "cat-file", "--batch"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        # One object at a time: cat-file flushes each answer (no --buffer), so a request and
        # its answer never wait on each other.
        for oid, size, path in entries:
            proc.stdin.write(oid.encode("ascii") + b"\n")
            proc.stdin.flush()
            header = proc.stdout.readline().split()
            if len(header) != 3 or header[1] != b"blob" or int(header[2]) != size:
                raise RevisionError(f"git cat-file could not read {path} at {revision}")
            data = proc.stdout.read(size)
            proc.stdout.read(1)  # the newline after each object
            target = into.joinpath(*PurePosixPath(path).parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    finally:
        proc.stdin.close()
        proc.stdout.close()
        try:
            proc.wait(timeout=GIT_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    root = into.joinpath(*PurePosixPath(prefix).parts) if prefix else into
    return Checkout(revision, commit, prefix, root)
