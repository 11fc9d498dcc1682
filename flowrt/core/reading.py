"""Reading project files safely: the one reader of every file flowrt reads from a project.

A project is untrusted: a flow, scenario, instance or golden file may be a FIFO (reading it would
wait forever), a device (`/dev/zero` never ends), a huge file, or a symbolic link to a secret.
`read_bytes` answers all of these the same way, before it reads a byte it should not:

- it opens the file with `O_NONBLOCK` (opening a FIFO does not wait for a writer), and with
  `O_NOFOLLOW` when the caller asks for no links;
- it looks at what it opened (`fstat` of the open descriptor, so no race between a check and the
  open) and refuses anything but a regular file;
- it refuses a file over the size bound from its size, and never reads more than the bound and one
  byte (a file that grows while it is read is refused too).

Every refusal is a `ReadRefused`: an OSError whose text is a reason for users ("it is a named
pipe (FIFO), not a regular file").  Imports nothing of flowrt.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

__all__ = ["MAX_BYTES", "ReadRefused", "TooLarge", "is_regular_file", "read_bytes", "read_text"]

#: The default size bound of a file flowrt reads (the loader's FR005 limit).
MAX_BYTES = 8 * 1024 * 1024

_CHUNK = 1 << 20


class ReadRefused(OSError):
    """A file flowrt will not read: not a regular file, a link where none is allowed, or too
    large.  `str(exc)` and `exc.strerror` are the reason in users' words."""

    def __init__(self, reason: str, code: int = errno.EINVAL) -> None:
        super().__init__(code, reason)

    def __str__(self) -> str:
        return self.strerror or ""


class TooLarge(ReadRefused):
    """The file is over the size bound; `size` is what it holds (at least `limit` + 1)."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"the file is {size:,} bytes; the limit is {limit:,}", errno.EFBIG)
        self.size = size
        self.limit = limit


def special_kind(mode: int) -> str:
    """What a file that is not a regular file is, by its `st_mode`: "a named pipe (FIFO)", ..."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def read_bytes(
    path: str | os.PathLike[str], limit: int = MAX_BYTES, *, follow_links: bool = True
) -> bytes:
    """The bytes of the regular file at `path`, at most `limit` of them.

    Raises `TooLarge` for a file over `limit`, `ReadRefused` for anything that is not a regular
    file (or a symbolic link when `follow_links` is false), and OSError when the file cannot be
    opened or read.  Never blocks on a FIFO and never reads more than `limit` + 1 bytes.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    flags |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    if not follow_links:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP and not follow_links:
            raise ReadRefused("it is a symbolic link", errno.ELOOP) from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ReadRefused(f"it is {special_kind(st.st_mode)}, not a regular file")
        if st.st_size > limit:
            raise TooLarge(st.st_size, limit)
        chunks: list[bytes] = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, _CHUNK))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        if len(data) > limit:  # it grew while we read it
            raise TooLarge(len(data), limit)
        return data
    finally:
        os.close(fd)


def read_text(path: str | os.PathLike[str], limit: int = MAX_BYTES) -> str:
    """`read_bytes` decoded as UTF-8 with replacement (for showing lines, never for loading)."""
    return read_bytes(path, limit).decode("utf-8", errors="replace")


def is_regular_file(path: Path) -> bool:
    """Whether `path` is a regular file itself (a symbolic link is not)."""
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False
