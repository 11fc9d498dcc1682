"""Writing files without losing any: the one writer every flowrt output goes through.

`write_atomic` writes to a temporary file in the target's directory and renames it over the
target (`os.replace`, atomic on POSIX and Windows), so a reader, a crash or a Ctrl-C never sees
half a file: the target holds either its old content or the new one.  Without `overwrite` the
rename is a hard link that fails when the target exists, so an existing file is never replaced,
even by a race.  The temporary file is removed on any failure, KeyboardInterrupt included.

Who may overwrite (docs/fuzzing.md, "Nothing lost"): goldens only under `flowrt test --update`;
`flowrt import` and `flowrt export` only with `--force`; `flowrt init` never; reports the user
names explicitly (`graph -o`, `test --html`, `test --junit-xml`) are replaced, except that a
report never replaces a flowrt source file (`report_target_problem`).
"""

from __future__ import annotations

import os
import signal
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["kind_of", "report_target_problem", "write_atomic"]

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


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path: Path, data: str | bytes, *, overwrite: bool) -> None:
    """Write `data` (text is written as UTF-8 with `\\n` line ends) to `path` atomically.

    Raises FileExistsError when `path` exists (or is a dangling link) and `overwrite` is False.
    A lone surrogate in text (JSON input may hold `"\\ud800"`) is written as its `\\ud800` escape,
    which JSON reads back as the same string, instead of failing half-way.
    """
    raw = data.encode("utf-8", errors="backslashreplace") if isinstance(data, str) else data
    if not overwrite and os.path.lexists(path):
        raise FileExistsError(f"{path} already exists")
    path.parent.mkdir(parents=True, exist_ok=True)
    with _ctrl_c_after():
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(raw)
            os.chmod(tmp, 0o666 & ~_umask())  # as an ordinary write would (mkstemp makes 0600)
            if overwrite:
                os.replace(tmp, path)
            else:
                _link_new(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


@contextmanager
def _ctrl_c_after() -> Iterator[None]:
    """Hold a Ctrl-C (SIGINT) that arrives inside the block until the block is done.

    A KeyboardInterrupt can strike between any two bytecodes, e.g. after `mkstemp` created the
    temporary file but before the `try` that would remove it; the write is short, so the
    interrupt is delivered right after it instead (the target then holds the new file, whole).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    try:
        previous = signal.signal(signal.SIGINT, lambda signum, frame: held.append(signum))
    except ValueError:  # not in the main interpreter: nothing to hold
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if held and callable(previous):  # Python's own handler raises KeyboardInterrupt
            previous(signal.SIGINT, None)
        elif held and previous != signal.SIG_IGN:
            raise KeyboardInterrupt


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


def report_target_problem(path: Path) -> str | None:
    """Why a report may not be written to `path` (a flowrt source file or a golden), or None."""
    if kind_of(path) is not None or path.name.endswith(GOLDEN_SUFFIX):
        return f"{path} is a flowrt source file; a report never overwrites it (choose another file)"
    if path.is_dir():
        return f"{path} is a directory"
    return None
