"""The pre-generated fastjsonschema validators: their source, made small, and their bytecode.

`python -m flowrt.project.schemas` writes, beside the shipped schemas, fastjsonschema's Python
source of the validator of each kind's top level and of each block type
(`flowrt/lang/schemas/validators/*.pysrc`), so that no command generates one at start-up.

**Small source.** fastjsonschema writes the schema a check belongs to as a literal into every
exception it can raise (`definition={...}`): for a flow's top level that is the whole flow schema,
three times.  flowrt never reads that argument (an error the fast validator finds is explained
by jsonschema's validator, `flowrt.lang.schema._errors`), so `small_source` replaces each one by
`None`, cutting the text out of fastjsonschema's own output at the positions Python's parser
gives (nothing else of the text changes, whatever Python generates it): 2.9 MB of source become
0.7 MB, and compiling the validators of a command takes about a third of the time.

**Bytecode cache.** Compiling a validator's source is what a command pays for it (running it is
cheap), and Python's own bytecode cache beside a source does not help: it is never written where
the install directory is not writable (a system or shared site-packages) nor when
`PYTHONDONTWRITEBYTECODE` is set.  So flowrt keeps the compiled code of each validator in the
user's cache directory (`cache_dir`), one file per validator, per install directory and per
Python bytecode version.  An entry holds the key it was made for (a hash of Python's bytecode
magic number, the source's path and the source's bytes) and a hash of its payload; it is used
only when both match and the payload loads as code, so a stale, truncated or corrupted entry is
never trusted: it is compiled again and rewritten (atomically: a reader sees the old entry or
the new one).  A cache that cannot be written is no error; the source is compiled as before.
Since what it holds is code, the cache directory is used only when it belongs to the user and
neither group nor others may write in it (flowrt makes it so: mode 0700), and is no symbolic
link; on POSIX systems it is checked and then read and written through one open descriptor, so
a directory above it that others may write in cannot swap another in between the check and
the read.
`PYTHONDONTWRITEBYTECODE` is about `__pycache__` beside sources, which this is not, so it does
not turn the cache off; `FLOWRT_CACHE_DIR` names another directory, and set empty turns the
cache off.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sys
from pathlib import Path
from types import CodeType
from typing import Any

#: Where the shipped validators are.
DIRECTORY = Path(__file__).parent / "schemas" / "validators"

#: An entry starts with these bytes, then the key (32 bytes) and the payload's hash (32 bytes).
_ENTRY = b"flowrt validator code 1\n"


def validator_name(kind: str, definition: str | None = None) -> str:
    """The file name of a pre-generated validator in `flowrt/lang/schemas/validators/`."""
    return f"{kind}.{definition or 'top'}.pysrc"


def small_source(source: str) -> str:
    """fastjsonschema's generated `source` with the value of every `definition=` argument (the
    schema literal an exception carries) replaced by `None`."""
    import ast

    data = source.encode("utf-8")
    # ast's columns are UTF-8 byte offsets in their line.
    starts = [0]
    for line in data.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    cuts = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.keyword) and node.arg == "definition":
            value = node.value
            assert value.end_lineno is not None and value.end_col_offset is not None
            cuts.append(
                (
                    starts[value.lineno - 1] + value.col_offset,
                    starts[value.end_lineno - 1] + value.end_col_offset,
                )
            )
    out, at = [], 0
    for start, end in sorted(cuts):
        if start < at:  # inside a value already cut (a literal holds no call: never happens)
            continue
        out += [data[at:start], b"None"]
        at = end
    out.append(data[at:])
    return b"".join(out).decode("utf-8")


def generated_source(subschema: dict[str, Any]) -> str:
    """The shipped source of the validator of `subschema`: fastjsonschema's, made small."""
    import fastjsonschema

    # use_default=False: the schemas' `default`s are for editors and docs; filled into a
    # scenario's data they would override the shared world a case's own is merged with.
    return small_source(str(fastjsonschema.compile_to_code(subschema, use_default=False)))


def cache_dir() -> Path | None:
    """The directory of this install's validator bytecode (None: no cache).

    `FLOWRT_CACHE_DIR` when it is set (empty: no cache), otherwise `flowrt` in the platform's
    user cache directory (`%LOCALAPPDATA%` on Windows, `~/Library/Caches` on macOS,
    `$XDG_CACHE_HOME` or `~/.cache` elsewhere).  Below it, one directory per Python bytecode
    version and install directory, so two installs never take each other's entries."""
    base = os.environ.get("FLOWRT_CACHE_DIR")
    if base is None:
        if sys.platform == "win32":
            root = os.environ.get("LOCALAPPDATA")
        elif sys.platform == "darwin":
            root = os.path.expanduser("~/Library/Caches")
        else:
            root = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
        if not root or root.startswith("~"):  # no home directory to expand
            return None
        base = os.path.join(root, "flowrt")
    if not base:
        return None
    place = hashlib.sha256(os.fsencode(DIRECTORY.resolve())).hexdigest()[:16]
    return Path(base) / "validators" / f"{sys.implementation.cache_tag}-{place}"


def load(kind: str, definition: str | None, version: str) -> Any:
    """The `validate` function of the shipped validator of `kind` (`definition`: a block type),
    or None when there is none or it was generated by another fastjsonschema than `version`."""
    path = DIRECTORY / validator_name(kind, definition)
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if not data.startswith(f'VERSION = "{version}"\n'.encode()):
        return None
    module: dict[str, Any] = {
        "__name__": f"flowrt.lang.schemas.validators.{kind}.{definition or 'top'}"
    }
    exec(code_of(path, data), module)
    return module["validate"]


def code_of(path: Path, source: bytes) -> CodeType:
    """The compiled code of the validator `source` read from `path`: from the cache when it holds
    a sound entry for exactly this source, otherwise compiled now (and the entry written)."""
    import importlib.util

    key = hashlib.sha256(importlib.util.MAGIC_NUMBER + os.fsencode(path) + b"\0" + source).digest()
    directory = cache_dir()
    name = f"{path.stem}.bin"
    if directory is not None:
        data = _read(directory, name)
        code = _code(data, key) if data is not None else None
        if code is not None:
            return code
    code = compile(source, str(path), "exec", dont_inherit=True)
    if directory is not None:
        payload = marshal.dumps(code)
        _write(directory, name, _ENTRY + key + hashlib.sha256(payload).digest() + payload)
    return code


#: Where the system can open a file relative to an open directory (POSIX): the cache directory
#: is checked and used through one descriptor, so nothing can be swapped in between.
_PINNED = (
    os.open in os.supports_dir_fd
    and hasattr(os, "O_NOFOLLOW")
    and hasattr(os, "O_DIRECTORY")
    and hasattr(os, "O_NONBLOCK")
)


def _private(found: os.stat_result) -> bool:
    """Whether only this user can put files in the directory `found` describes: a directory of
    this user that neither its group nor others may write in.  Code is read from it, so nobody
    else may be able to put any there (a cache directory shared with others is not used).
    Where there are no owners and modes to ask (Windows), the user's own cache directory is
    trusted."""
    import stat

    if not hasattr(os, "geteuid"):
        return stat.S_ISDIR(found.st_mode)
    return (
        stat.S_ISDIR(found.st_mode)
        and found.st_uid == os.geteuid()
        and not found.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    )


def _pinned(directory: Path) -> int | None:
    """An open descriptor of `directory` when it is private (`_private`), else None.

    The directory itself may not be a symbolic link (a link to a private directory of this user
    would make a place others may write in look private), and it is checked through the
    descriptor that is then used: were any directory above it writable by others, what they
    swap in after the check is never read."""
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        if _private(os.fstat(fd)):
            return fd
    except OSError:
        pass
    os.close(fd)
    return None


def _read(directory: Path, name: str) -> bytes | None:
    """The bytes of the entry `name` of the cache `directory` (None: no entry, or the directory
    is not private, or the entry is not a regular file: a link, a named pipe, a device)."""
    import stat

    if not _PINNED:
        try:
            return (directory / name).read_bytes() if _private(os.stat(directory)) else None
        except OSError:
            return None
    dir_fd = _pinned(directory)
    if dir_fd is None:
        return None
    try:
        # Not blocking: a named pipe in the entry's place would wait for a writer for ever.
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dir_fd)
    except OSError:
        return None
    finally:
        os.close(dir_fd)
    try:
        with os.fdopen(fd, "rb") as fh:
            return fh.read() if stat.S_ISREG(os.fstat(fh.fileno()).st_mode) else None
    except OSError:
        return None


def _code(data: bytes, key: bytes) -> CodeType | None:
    """The code of a cache entry's bytes, when they are a sound entry of `key` (else None)."""
    head = len(_ENTRY)
    payload = data[head + 64 :]
    if (
        data[:head] != _ENTRY
        or data[head : head + 32] != key
        or data[head + 32 : head + 64] != hashlib.sha256(payload).digest()
    ):
        return None
    try:
        code = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None
    return code if isinstance(code, CodeType) else None


def _write(directory: Path, name: str, data: bytes) -> None:
    """Write the entry `name` into the cache `directory` (made private when missing) atomically:
    a reader sees the old entry or the new one.  A cache that cannot be written is no error."""
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return
    if not _PINNED:
        from flowrt.core.files import write_atomic

        try:
            if _private(os.stat(directory)):
                write_atomic(directory / name, data, overwrite=True)
        except OSError:  # WriteError included
            pass
        return
    dir_fd = _pinned(directory)
    if dir_fd is None:
        return
    tmp = f".{name}.{os.getpid()}.tmp"
    try:
        fd = os.open(
            tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=dir_fd
        )
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp, dir_fd=dir_fd)
    finally:
        os.close(dir_fd)
