"""Read Amazon Connect flow logs (and contact records) into contacts, streaming.

Inputs are files, directories (every file below, in name order) and globs; each file may be
gzip-compressed (detected by its first bytes, not its name).  A line holds one record, in any of
the shapes logs leave CloudWatch in: the bare JSON object (`aws logs` and Logs Insights exports),
the S3 export's `TIMESTAMP {json}`, a `TIMESTAMP [ModuleType]: {` line opening a pretty-printed
record that ends at a `}` in column 0, a CloudWatch event (`{"timestamp", "message"}`), or a
subscription filter's batch (`{"logEvents": [{"message": ...}]}`).  A record with
`AWSContactTraceRecordFormatVersion` is a contact record (CTR): for each contact the one with the
latest `LastUpdateTimestamp` is kept, as Amazon Connect's documentation says to (they are
delivered again whenever they change).

Nothing is dropped silently: a line that is not a record (not JSON, not an object, no
`ContactId`, no `ContactFlowModuleType`, over `MAX_LINE` bytes) is a `Problem` with its file and
line; exact duplicates (logs are delivered at least once) are counted.

Grouping by contact (spilling to disk for large inputs, in parts for `-j` and Dask) is
`flowrt.replay.grouping`.
"""

from __future__ import annotations

import glob
import gzip
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from flowrt.core.reading import special_kind

#: The longest line (or pretty-printed record) read; longer is a malformed record.
MAX_LINE = 1 << 20

_PREFIX = re.compile(r"^(\d{4}-\d\d-\d\dT[0-9:.]+Z?)\s+(?:\[[A-Za-z]+\]:\s*)?(?=[{\[])")
CTR_KEY = "AWSContactTraceRecordFormatVersion"


@dataclass(frozen=True)
class Problem:
    """A line that is not a usable record: where it is and what is wrong (FR600-FR602)."""

    code: str
    file: str
    line: int
    message: str


@dataclass
class ReadStats:
    """What reading found: records, duplicates, problems, contact records, files."""

    files: int = 0
    lines: int = 0
    records: int = 0
    duplicates: int = 0
    contact_records: int = 0
    problems: list[Problem] = field(default_factory=list)
    spilled: bool = False


def expand(inputs: list[str]) -> tuple[list[Path | str], list[Problem]]:
    """The files the inputs name (a file, a directory's files, a glob's matches; a URL's
    objects, with fsspec), in order."""
    files: list[Path | str] = []
    problems: list[Problem] = []
    for given in inputs:
        if "://" in given:
            urls, problem = _expand_url(given)
            files.extend(urls)
            if problem is not None:
                problems.append(problem)
            continue
        path = Path(given)
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files.extend(
                sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
            )
        elif glob.has_magic(given):
            found = sorted(Path(p) for p in glob.glob(given, recursive=True) if Path(p).is_file())
            if not found:
                problems.append(Problem("FR602", given, 0, "the pattern matches no file"))
            files.extend(found)
        elif path.exists():  # a FIFO, a device, a socket: never opened (a read could block)
            what = special_kind(path.stat().st_mode)
            problems.append(Problem("FR602", given, 0, f"it is {what}, not a regular file"))
        else:
            problems.append(Problem("FR602", given, 0, "no such file or directory"))
    return files, problems


def _expand_url(given: str) -> tuple[list[str], Problem | None]:
    """The objects a URL names (fsspec: `s3://bucket/logs/*.gz`, `file:///...`), in order."""
    try:
        import fsspec
    except ImportError:
        return [], Problem(
            "FR602", given, 0, "reading a URL needs fsspec: pip install 'flowrt[dask]'"
        )
    try:
        fs, path = fsspec.core.url_to_fs(given)
        if glob.has_magic(path):
            names = sorted(str(p) for p in fs.glob(path) if fs.isfile(p))
        elif fs.isdir(path):
            names = sorted(str(p) for p in fs.find(path))
        elif fs.isfile(path):
            names = [path]
        else:
            return [], Problem("FR602", given, 0, "no such file or directory")
    except Exception as exc:  # any filesystem's error: said, never a traceback
        return [], Problem("FR602", given, 0, f"cannot be read: {exc}")
    if not names:
        return [], Problem("FR602", given, 0, "the pattern matches no file")
    protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
    return [n if "://" in n else f"{protocol}://{n}" for n in names], None


def _open(name: str, start: int) -> BinaryIO:
    if "://" in name:
        import fsspec

        raw: BinaryIO = fsspec.open(name, "rb").open()
    else:
        raw = open(name, "rb")  # noqa: SIM115
    if raw.read(2) == b"\x1f\x8b":
        raw.seek(0)
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    raw.seek(start)
    return raw


def _loads(text: str) -> Any:
    # orjson: about three times the standard library's speed, and every record is parsed.  It
    # refuses what JSON does not allow (NaN, integers over 64 bits): such a line is malformed.
    try:
        return orjson.loads(text)
    except (ValueError, RecursionError):
        return _BAD


_BAD = object()


def file_lines(
    name: str, stats: ReadStats, start: int = 0, end: int | None = None, first: int = 1
) -> Iterator[tuple[int, str]]:
    """(line number, text) of each line of a file from byte `start` to `end` (the line
    numbered `first` starts at `start`); a pretty-printed record is joined into one."""
    try:
        handle = _open(name, start)
    except OSError as exc:
        stats.problems.append(Problem("FR602", name, 0, f"cannot be read: {exc.strerror}"))
        return
    except Exception as exc:  # a URL's filesystem: its error said, never a traceback
        stats.problems.append(Problem("FR602", name, 0, f"cannot be read: {exc}"))
        return
    with handle:
        pending: list[str] = []
        begin = 0
        size = 0
        n = first - 1
        at = start
        readline = handle.readline
        try:
            while end is None or at < end:
                raw = readline(MAX_LINE + 1)
                if not raw:
                    break
                n += 1
                at += len(raw)
                if len(raw) > MAX_LINE:
                    while raw and not raw.endswith(b"\n"):  # the rest of the long line
                        raw = readline(MAX_LINE)
                        at += len(raw)
                    stats.problems.append(
                        Problem("FR600", name, n, f"line over {MAX_LINE:,} bytes")
                    )
                    continue
                text = raw.decode("utf-8", "replace").rstrip("\r\n")
                if pending:
                    pending.append(text)
                    size += len(text)
                    if text.startswith("}") or size > MAX_LINE:
                        yield begin, "\n".join(pending)
                        pending = []
                    continue
                if text[:1].isdigit() and text.rstrip().endswith("{") and _PREFIX.match(text):
                    pending, begin, size = [text], n, len(text)
                    continue
                yield n, text
        except (OSError, EOFError, zlib.error) as exc:
            stats.problems.append(Problem("FR602", name, n, f"cannot be read: {exc}"))
        if pending:
            yield begin, "\n".join(pending)


def objects(text: str) -> Iterator[Any]:
    """The records one line holds (a subscription batch holds several)."""
    body = text.strip()
    if not body:
        return
    if body[0] != "{":
        m = _PREFIX.match(body)
        if m:
            body = body[m.end() :]
    value = _loads(body)
    if isinstance(value, dict) and "ContactId" not in value:
        if isinstance(value.get("logEvents"), list):
            for event in value["logEvents"]:
                message = event.get("message") if isinstance(event, dict) else None
                yield _loads(message) if isinstance(message, str) else _BAD
            return
        if isinstance(value.get("message"), str):
            value = _loads(value["message"])
    yield value


def problem_of(value: Any) -> str | None:
    """What makes a parsed line not a usable record; None when it is one."""
    if value is _BAD:
        return "not a JSON record"
    if not isinstance(value, dict):
        return f"a JSON {type(value).__name__}, not an object"
    if CTR_KEY in value:
        return (
            None if isinstance(value.get("ContactId"), str) else "contact record without ContactId"
        )
    if not isinstance(value.get("ContactId"), str) or not value["ContactId"]:
        return "no `ContactId`"
    if not isinstance(value.get("ContactFlowModuleType"), str):
        return "no `ContactFlowModuleType`"
    if not isinstance(value.get("Timestamp"), str):
        return "no `Timestamp`"
    return None


@dataclass
class Contact:
    """One contact's records, in order, and its contact record (CTR) when one was read."""

    contact_id: str
    records: list[dict[str, Any]]
    ctr: dict[str, Any] | None = None
    #: (file, line) of each record, in the same order.
    where: list[tuple[str, int]] = field(default_factory=list)
