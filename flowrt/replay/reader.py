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

Grouping: a contact's records are spread over streams and files, so records are grouped by
ContactId.  Up to `SPILL_AT` records are grouped in memory; beyond that they are spilled to
`BUCKETS` temporary files by a hash of the ContactId and each bucket is grouped in turn, so
memory holds one bucket, not the corpus.  Either way contacts come out in the same order (bucket,
then ContactId) and each contact's records are sorted by Timestamp, then by the order read.
"""

from __future__ import annotations

import glob
import gzip
import json
import os
import re
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from flowrt.core.reading import special_kind

#: The longest line (or pretty-printed record) read; longer is a malformed record.
MAX_LINE = 1 << 20
#: Records grouped in memory before the grouping spills to disk.
SPILL_AT = 200_000
#: Buckets of the spilled grouping (contacts are hashed into them by ContactId).
BUCKETS = 64

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


def expand(inputs: list[str]) -> tuple[list[Path], list[Problem]]:
    """The files the inputs name (a file, a directory's files, a glob's matches), in order."""
    files: list[Path] = []
    problems: list[Problem] = []
    for given in inputs:
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


def _open(path: Path) -> BinaryIO:
    raw = path.open("rb")
    if raw.read(2) == b"\x1f\x8b":
        raw.seek(0)
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    raw.seek(0)
    return raw


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return _BAD


_BAD = object()


def _lines(path: Path, stats: ReadStats) -> Iterator[tuple[int, str]]:
    """(line number, text) of each line; a pretty-printed record is joined into one."""
    try:
        handle = _open(path)
    except OSError as exc:
        stats.problems.append(Problem("FR602", str(path), 0, f"cannot be read: {exc.strerror}"))
        return
    with handle:
        pending: list[str] = []
        start = 0
        size = 0
        n = 0
        try:
            for n, raw in enumerate(handle, 1):
                if len(raw) > MAX_LINE:
                    stats.problems.append(
                        Problem("FR600", str(path), n, f"line over {MAX_LINE:,} bytes")
                    )
                    continue
                text = raw.decode("utf-8", "replace").rstrip("\r\n")
                if pending:
                    pending.append(text)
                    size += len(text)
                    if text.startswith("}") or size > MAX_LINE:
                        yield start, "\n".join(pending)
                        pending = []
                    continue
                if text.rstrip().endswith("{") and _PREFIX.match(text):
                    pending, start, size = [text], n, len(text)
                    continue
                yield n, text
        except (OSError, EOFError, zlib.error) as exc:
            stats.problems.append(Problem("FR602", str(path), n, f"cannot be read: {exc}"))
        if pending:
            yield start, "\n".join(pending)


def _objects(text: str) -> Iterator[Any]:
    """The records one line holds (a subscription batch holds several)."""
    body = text.strip()
    if not body:
        return
    m = _PREFIX.match(body)
    if m:
        body = body[m.end() :]
    value = _loads(body)
    if isinstance(value, dict) and isinstance(value.get("logEvents"), list):
        for event in value["logEvents"]:
            message = event.get("message") if isinstance(event, dict) else None
            yield _loads(message) if isinstance(message, str) else _BAD
        return
    if (
        isinstance(value, dict)
        and isinstance(value.get("message"), str)
        and "ContactId" not in value
    ):
        value = _loads(value["message"])
    yield value


def _problem(value: Any) -> str | None:
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


def read_records(inputs: list[str], stats: ReadStats) -> Iterator[tuple[dict[str, Any], str, int]]:
    """Every record of the inputs with its file and line; problems go to `stats`."""
    files, problems = expand(inputs)
    stats.problems.extend(problems)
    stats.files = len(files)
    for path in files:
        shown = str(path)
        for n, text in _lines(path, stats):
            stats.lines += 1
            for value in _objects(text):
                why = _problem(value)
                if why is not None:
                    stats.problems.append(Problem("FR600", shown, n, why))
                    continue
                yield value, shown, n


def _bucket(contact: str) -> int:
    return zlib.crc32(contact.encode("utf-8", "replace")) % BUCKETS


def _later(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return str(b.get("LastUpdateTimestamp") or "") >= str(a.get("LastUpdateTimestamp") or "")


@dataclass
class Contact:
    """One contact's records, in order, and its contact record (CTR) when one was read."""

    contact_id: str
    records: list[dict[str, Any]]
    ctr: dict[str, Any] | None = None
    #: (file, line) of each record, in the same order.
    where: list[tuple[str, int]] = field(default_factory=list)


def _finish(
    cid: str, items: list[tuple[str, int, str, str]], ctr: dict[str, Any] | None, stats: ReadStats
) -> Contact:
    """Sort a contact's (timestamp, seq, ...) items, drop exact duplicates."""
    items.sort(key=lambda it: (it[0], it[1]))
    seen: set[str] = set()
    records: list[dict[str, Any]] = []
    where: list[tuple[str, int]] = []
    for _, _, text, file_line in items:
        if text in seen:
            stats.duplicates += 1
            continue
        seen.add(text)
        records.append(json.loads(text))
        file, _, line = file_line.rpartition(":")
        where.append((file, int(line)))
    return Contact(cid, records, ctr, where)


def contacts(inputs: list[str], stats: ReadStats, spill_at: int = SPILL_AT) -> Iterator[Contact]:
    """The contacts of the inputs, grouped by ContactId, each sorted and deduplicated."""
    groups: dict[str, list[Any]] = {}
    ctrs: dict[str, dict[str, Any]] = {}
    held = 0
    spill: list[Any] | None = None
    tmp: tempfile.TemporaryDirectory[str] | None = None
    seq = 0
    try:
        for value, file, line in read_records(inputs, stats):
            cid = value["ContactId"]
            if CTR_KEY in value:
                stats.contact_records += 1
                if cid not in ctrs or _later(ctrs[cid], value):
                    ctrs[cid] = value
                continue
            stats.records += 1
            seq += 1
            text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
            item = (value["Timestamp"], seq, text, f"{file}:{line}")
            if spill is not None:
                spill[_bucket(cid)].write(json.dumps([cid, *item]) + "\n")
                continue
            groups.setdefault(cid, []).append(item)
            held += 1
            if held > spill_at:
                tmp = tempfile.TemporaryDirectory(prefix="flowrt-replay-")
                spill = [
                    open(os.path.join(tmp.name, f"{b:02d}.jsonl"), "w", encoding="utf-8")  # noqa: SIM115
                    for b in range(BUCKETS)
                ]
                stats.spilled = True
                for c, its in groups.items():
                    for it in its:
                        spill[_bucket(c)].write(json.dumps([c, *it]) + "\n")
                groups.clear()
        if spill is None:
            order = sorted(groups, key=lambda c: (_bucket(c), c))
            for cid in order:
                yield _finish(cid, groups.pop(cid), ctrs.get(cid), stats)
            return
        for handle in spill:
            handle.close()
        assert tmp is not None
        for b in range(BUCKETS):
            bucket: dict[str, list[Any]] = {}
            with open(os.path.join(tmp.name, f"{b:02d}.jsonl"), encoding="utf-8") as handle:
                for text in handle:
                    cid, *item = json.loads(text)
                    bucket.setdefault(cid, []).append(tuple(item))
            for cid in sorted(bucket):
                yield _finish(cid, bucket.pop(cid), ctrs.get(cid), stats)
    finally:
        if spill is not None:
            for handle in spill:
                handle.close()
        if tmp is not None:
            tmp.cleanup()
