"""Writing files without losing any: the one writer every flowrt output goes through.

`write_atomic` writes to a temporary file in the target's directory and renames it over the
target (`os.replace`, atomic on POSIX and Windows), so a reader, a crash or a Ctrl-C never sees
half a file: the target holds either its old content or the new one.  Without `overwrite` the
rename is a hard link that fails when the target exists, so an existing file is never replaced,
even by a race.  The temporary file is removed on any failure, KeyboardInterrupt included.

Who may overwrite (docs/fuzzing.md, "Nothing lost"): goldens only under `flowrt test --update`;
`flowrt import` and `flowrt export` only with `--force`; `flowrt init` only with `--force`; reports the user
names explicitly (`graph -o`, `test --html`, `test --junit-xml`) are replaced, except that a
report never replaces a flowrt source file (`report_target_problem`).

When the machine refuses (a read-only directory, a full disk, a directory where the file should
be), `write_atomic` raises `WriteError`: an OSError whose text is one line for users, naming the
file and the cause.  The command line catches it once (`flowrt.cli.main`) and exits 1.

The temporary files are named `.<target name>.<8 random characters>.tmp`; only a process killed
between creating and renaming one leaves it behind.  `stale_temp_files` finds them, and
`directory_lock` lets writers that share a directory (two `flowrt test --update` of one
project) take turns, so that whoever holds the lock knows every temporary file it sees is stale.
"""

from __future__ import annotations

import errno
import os
import re
import signal
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = [
    "WriteError",
    "directory_lock",
    "kind_of",
    "report_target_problem",
    "stale_temp_files",
    "write_atomic",
]

#: How flowrt names its files: the project's instance, flows, scenarios, and golden files.
INSTANCE_FILE = "instance.yaml"
FLOW_SUFFIX = ".flow.yaml"
SCENARIO_SUFFIX = ".scenario.yaml"
GOLDEN_SUFFIX = ".golden.yaml"


def kind_of(path: Path) -> str | None:
    """The kind of a flowrt source file by its name ("instance", "flow", "scenario"), or None."""
    name = path.name
    if name == INSTANCE_FILE:
        return "instance"
    if name.endswith(FLOW_SUFFIX):
        return "flow"
    if name.endswith(SCENARIO_SUFFIX):
        return "scenario"
    return None


class WriteError(OSError):
    """A file flowrt could not write; `str()` is one line: the file, the cause, what to do."""

    def __init__(
        self,
        path: Path | str,
        cause: OSError | str,
        *,
        code: int | None = None,
        verb: str = "write",
    ) -> None:
        number = code if code is not None else getattr(cause, "errno", None) or errno.EIO
        reason = cause if isinstance(cause, str) else os_error_reason(cause)
        super().__init__(number, reason, str(path))
        self.path = Path(path)
        self.reason = reason
        self.verb = verb

    def __str__(self) -> str:
        return f"cannot {self.verb} {shown_path(self.path)}: {self.reason}"


#: What a user can do about a write the system refused, by errno.
_REASONS: dict[int, str] = {
    errno.EACCES: "permission denied (make it and its directory writable)",
    errno.EPERM: "operation not permitted (make it and its directory writable)",
    errno.EROFS: "the file system is read-only (choose a writable place)",
    errno.ENOSPC: "no space left on the device (free some space, then run again)",
    errno.EDQUOT: "disk quota exceeded (free some space, then run again)",
    errno.EFBIG: "the file is too large for the file system",
    errno.EISDIR: "it is a directory (remove or rename the directory)",
    errno.ENOTDIR: "a part of its path is a file, not a directory (choose another place)",
    errno.EEXIST: "a part of its path is a file, not a directory (choose another place)",
    errno.ENAMETOOLONG: "the file name is too long (choose a shorter name)",
    errno.ELOOP: "its path has a loop of symbolic links",
    errno.ENOENT: "its directory does not exist or was removed while writing (run again)",
    errno.EIO: "input/output error (check the disk)",
}


def os_error_reason(exc: OSError) -> str:
    """The cause of an OSError in words for users (no errno numbers, no Python names).

    The system's own text for an errno gets words that say what to do; an error that already
    carries its own reason (a `WriteError`, a refused read) keeps it."""
    if isinstance(exc, WriteError):
        return exc.reason
    reason = _REASONS.get(exc.errno or 0)
    system = exc.strerror is None or exc.errno is None or exc.strerror == os.strerror(exc.errno)
    if reason is None or not system:
        text = exc.strerror or str(exc) or type(exc).__name__
        reason = text[:1].lower() + text[1:]
    return reason


def shown_path(path: Path | str) -> str:
    """A path for a one-line message: control characters (a newline, ESC) escaped, not raw."""
    return one_line(str(path))


def one_line(text: str, limit: int = 0) -> str:
    """`text` for a one-line message: control characters escaped (`\\n`, `\\x1b`), and at most
    `limit` characters (`...` ending a longer text) when `limit` is given."""
    if limit and len(text) > limit:
        text = text[: limit - 3] + "..."
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path: Path, data: str | bytes, *, overwrite: bool) -> None:
    """Write `data` (text is written as UTF-8 with `\\n` line ends) to `path` atomically.

    Raises FileExistsError when `path` exists (or is a dangling link) and `overwrite` is False.
    A lone surrogate in text (JSON input may hold `"\\ud800"`) is written as its `\\ud800` escape,
    which JSON reads back as the same string, instead of failing half-way.
    Any other refusal of the system (permission, read-only or full disk, a directory in the way)
    raises `WriteError`, and nothing is left behind.
    """
    raw = data.encode("utf-8", errors="backslashreplace") if isinstance(data, str) else data
    if not overwrite and os.path.lexists(path):
        raise FileExistsError(f"{path} already exists")
    if path.is_dir():  # os.replace would say so too, but only after writing the whole file
        raise WriteError(path, IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR)))
    with _ctrl_c_after():
        fd, tmp = _temp_file(path)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(raw)
            os.chmod(tmp, 0o666 & ~_umask())  # as an ordinary write would (mkstemp makes 0600)
            if overwrite:
                os.replace(tmp, path)
            else:
                _link_new(tmp, path)
        except BaseException as exc:
            Path(tmp).unlink(missing_ok=True)
            if isinstance(exc, OSError) and not isinstance(exc, FileExistsError | WriteError):
                raise WriteError(path, exc) from exc
            raise


def _temp_file(path: Path) -> tuple[int, str]:
    """Create the temporary file beside `path` (and its directory when missing).

    A directory removed between its creation and the temporary file's (another process deleting
    a directory it thought empty) is created again, a few times.
    """
    for attempt in range(3):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except FileExistsError as exc:  # a part of the path is a file
            raise WriteError(path, exc, code=errno.ENOTDIR) from exc
        except OSError as exc:
            raise WriteError(path, exc) from exc
        try:
            return tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
        except FileNotFoundError as exc:
            if attempt == 2:
                raise WriteError(path, exc) from exc
        except OSError as exc:
            raise WriteError(path, exc) from exc
    raise AssertionError("unreachable")  # pragma: no cover


#: Signals held during a write: Ctrl-C, `kill` (what CI time-outs send) and a closed terminal.
_HELD_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


@contextmanager
def _ctrl_c_after() -> Iterator[None]:
    """Hold a Ctrl-C (SIGINT), SIGTERM or SIGHUP that arrives inside the block until it is done.

    A KeyboardInterrupt can strike between any two bytecodes, e.g. after `mkstemp` created the
    temporary file but before the `try` that would remove it, and a `kill` would leave the
    temporary file behind; the write is short, so the signal is delivered right after it instead
    (the target then holds the new file, whole).  Only SIGKILL leaves a temporary file: see
    `stale_temp_files`.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    previous: dict[int, Any] = {}
    try:
        for signum in _HELD_SIGNALS:
            if signal.getsignal(signum) is None:  # installed outside Python: left alone
                continue
            previous[signum] = signal.signal(signum, lambda number, frame: held.append(number))
    except ValueError:  # not in the main interpreter: nothing to hold
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        yield
        return
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for signum in dict.fromkeys(held):
            handler = previous[signum]
            if callable(handler):  # Python's own SIGINT handler raises KeyboardInterrupt
                handler(signum, None)
            elif handler == signal.SIG_IGN:
                continue
            elif signum == signal.SIGINT:
                raise KeyboardInterrupt
            else:
                signal.raise_signal(signum)  # the default action: end the process


def _link_new(tmp: str, path: Path) -> None:
    """Move `tmp` to `path` only if `path` does not exist (no check-then-write race)."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: the best we can do
        if os.path.lexists(path):
            raise FileExistsError(f"{path} already exists") from None
        os.replace(tmp, path)
        return
    os.unlink(tmp)


# ---------------------------------------------------------------------------------------------
# temporary files left by killed writers, and taking turns


TEMP_SUFFIX = ".tmp"
#: `.<name>.<8 characters of tempfile's alphabet>.tmp`: what `write_atomic` creates.
_TEMP_NAME = re.compile(r"^\.(?P<name>.+)\.[a-z0-9_]{8}\.tmp$")


def temp_target(name: str) -> str | None:
    """The name of the file a temporary file of `write_atomic` was for, or None if it is not one."""
    m = _TEMP_NAME.match(name)
    return m.group("name") if m else None


def stale_temp_files(directory: Path, suffix: str) -> list[Path]:
    """Temporary files of `write_atomic` in `directory` for targets ending in `suffix`.

    Only regular files are listed, never a symbolic link.  They are stale only when no other
    writer is at work in `directory`: call it while holding `directory_lock`.
    """
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return []
    found = []
    for entry in entries:
        target = temp_target(entry.name)
        if target is None or not target.endswith(suffix):
            continue
        try:
            if entry.is_file(follow_symlinks=False):
                found.append(Path(entry.path))
        except OSError:
            continue
    return sorted(found)


#: How long `directory_lock` waits for another process before giving up, in seconds.
LOCK_TIMEOUT = 120.0


@contextmanager
def directory_lock(directory: Path, *, timeout: float = LOCK_TIMEOUT) -> Iterator[bool]:
    """Hold an advisory lock on `directory` (flock on the directory itself: no lock file).

    Another process asking for the same lock waits until it is released (the lock goes with the
    process: a killed holder releases it).  Yields True when the lock is held, False where the
    system has no such locks (Windows, some network file systems): the writers then rely on
    operations that tolerate each other.  Raises WriteError after `timeout` seconds of waiting.
    Not re-entrant: a second lock of one directory in the same process waits for the first.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield False
        return
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        yield False
        return
    try:
        deadline = time.monotonic() + timeout
        delay = 0.005
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WriteError(
                        directory,
                        f"another flowrt process has been writing there for over {timeout:g} "
                        "seconds (wait for it to finish, or stop it)",
                        code=errno.EWOULDBLOCK,
                    ) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.1)
            except OSError:  # no locks on this file system
                yield False
                return
        yield True
    finally:
        os.close(fd)  # releases the lock


def report_target_problem(path: Path) -> str | None:
    """Why a report may not be written to `path` (a flowrt source file or a golden), or None."""
    if kind_of(path) is not None or path.name.endswith(GOLDEN_SUFFIX):
        return f"{path} is a flowrt source file; a report never overwrites it (choose another file)"
    if path.is_dir():
        return f"{path} is a directory"
    return None
