"""Group flow log records by contact, in parts that can run on any number of processes.

A contact's records are spread over log streams and files, so the reader cannot hand out a
contact before it has read everything.  The grouping is a hash partition in two phases, the
same whether one process runs it, `-j N` processes or a Dask cluster:

1. **Plan** (`plan`): the input files, each cut into *parts* of about `PART_BYTES` (an
   uncompressed file is cut where a line starts a record; a gzip file or a URL is one part),
   and the number of *buckets*: at least `MIN_BUCKETS`, more for a larger input, so that a
   bucket holds about `BUCKET_BYTES` of logs.  Both depend on the inputs alone.
2. **Map** (`map_part`): each part's lines are parsed once; each record goes to bucket
   `crc32(ContactId) % buckets`, serialised with `marshal` (a record is read as JSON once, and
   `marshal` gives it back about three times faster than JSON would).  Up to `SPILL_BYTES` of
   input the buckets stay in memory; beyond, each part writes its buckets to one temporary file
   (the grouping *spills to disk*), so memory holds one part.
3. **Reduce** (`bucket_contacts`): a bucket's records from every part are grouped by ContactId;
   each contact's records are sorted by Timestamp, then by where they were read (part, line),
   and exact duplicates (same Timestamp, same record) are dropped and counted.  Memory holds one
   bucket.

Contacts come out in bucket order, then ContactId order, and nothing depends on which process
read which part: the same inputs give the same contacts in the same order for any `-j`.
"""

from __future__ import annotations

import io
import json
import marshal
import os
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from flowrt.replay.reader import (
    CTR_KEY,
    MAX_LINE,
    Contact,
    Problem,
    ReadStats,
    expand,
    file_lines,
    objects,
    problem_of,
)

#: Bytes of an uncompressed file one part reads (larger files are cut into several parts).
PART_BYTES = 16 << 20
#: Bytes of logs one bucket holds, about: the number of buckets grows with the input.
BUCKET_BYTES = 8 << 20
#: The fewest buckets (small inputs keep the order they always had).
MIN_BUCKETS = 64
#: Inputs up to this many bytes are grouped in memory; larger ones spill to disk.
SPILL_BYTES = 64 << 20
#: A gzip file's size is counted this many times when sizing buckets (what it holds unpacked).
GZIP_RATIO = 10


@dataclass(frozen=True)
class Part:
    """A byte range of one input file (`end` None: to the end) and its first line number."""

    index: int
    file: str
    start: int = 0
    end: int | None = None
    first_line: int = 1


@dataclass(frozen=True)
class Plan:
    """The parts and the number of buckets, worked out from the inputs alone."""

    parts: list[Part]
    buckets: int
    spill: bool
    files: int
    problems: list[Problem] = field(default_factory=list)


def _is_url(name: str) -> bool:
    return "://" in name


def _starts_record(line: bytes) -> bool:
    """Whether a part may start at this line: a record's first line (`{...` or a timestamp),
    never a pretty-printed record's inner line (indented) or closing `}`."""
    return line[:1] == b"{" or line[:1].isdigit()


def _skip_line(handle: Any) -> None:
    """Read on to just after the next newline (or the end), however long the line."""
    while True:
        chunk = handle.readline(MAX_LINE)
        if not chunk or chunk.endswith(b"\n"):
            return


def _cut(path: str, size: int, part_bytes: int) -> list[tuple[int, int | None, int]]:
    """(start, end, first line) of the parts of an uncompressed file."""
    cuts = [0]
    with open(path, "rb") as handle:
        if handle.read(2) == b"\x1f\x8b":
            return [(0, None, 1)]
        at = part_bytes
        while at < size:
            handle.seek(at)
            _skip_line(handle)  # to the next line's start
            pos = handle.tell()
            while pos < size:
                line = handle.readline(MAX_LINE)
                if _starts_record(line):
                    break
                if not line.endswith(b"\n"):  # a line over MAX_LINE: never cut inside it
                    _skip_line(handle)
                pos = handle.tell()
            if pos >= size:
                break
            cuts.append(pos)
            at = pos + part_bytes
        # line numbers: count the newlines before each cut (one sequential read)
        lines = [1]
        handle.seek(0)
        read = 0
        count = 1
        for cut in cuts[1:]:
            while read < cut:
                chunk = handle.read(min(1 << 20, cut - read))
                if not chunk:
                    break
                count += chunk.count(b"\n")
                read += len(chunk)
            lines.append(count)
    ends: list[int | None] = [*cuts[1:], None]
    return list(zip(cuts, ends, lines, strict=True))


def plan(inputs: list[str], part_bytes: int = PART_BYTES, spill_bytes: int = SPILL_BYTES) -> Plan:
    """The parts of the inputs (files, directories, globs; URLs with fsspec) and the buckets."""
    files, problems = expand(inputs)
    parts: list[Part] = []
    total = 0
    for f in files:
        name = str(f)
        if _is_url(name):
            parts.append(Part(len(parts), name))
            total += _url_size(name) * GZIP_RATIO
            continue
        try:
            size = os.path.getsize(name)
            with open(name, "rb") as handle:
                gz = handle.read(2) == b"\x1f\x8b"
            cuts = [(0, None, 1)] if gz or size <= part_bytes else _cut(name, size, part_bytes)
        except OSError as exc:
            problems.append(Problem("FR602", name, 0, f"cannot be read: {exc.strerror}"))
            continue
        total += size * (GZIP_RATIO if gz else 1)
        for start, end, line in cuts:
            parts.append(Part(len(parts), name, start, end, line))
    buckets = max(MIN_BUCKETS, -(-total // BUCKET_BYTES))
    return Plan(parts, buckets, total > spill_bytes, len(files), problems)


def _url_size(url: str) -> int:
    try:
        import fsspec

        fs, path = fsspec.core.url_to_fs(url)
        return int(fs.size(path) or 0)
    except Exception:  # the size only sizes buckets; reading the part reports the problem
        return 0


def bucket_of(contact: str, buckets: int) -> int:
    """The bucket of a ContactId."""
    return zlib.crc32(contact.encode("utf-8", "replace")) % buckets


@dataclass
class Mapped:
    """What reading one part found: its counts, problems and its records by bucket (bytes in
    memory, or a (path, offset, size) slice of the part's spill file)."""

    index: int
    lines: int = 0
    records: int = 0
    contact_records: int = 0
    problems: list[Problem] = field(default_factory=list)
    buckets: dict[int, bytes | tuple[str, int, int]] = field(default_factory=dict)


def map_part(part: Part, buckets: int, spill_dir: str | None = None) -> Mapped:
    """Read one part: each record parsed once, checked, and put in its contact's bucket."""
    out = Mapped(part.index)
    stats = ReadStats()
    chunks: dict[int, io.BytesIO] = {}
    dump = marshal.dumps
    for n, text in file_lines(part.file, stats, part.start, part.end, part.first_line):
        out.lines += 1
        for k, value in enumerate(objects(text)):
            why = problem_of(value)
            if why is not None:
                stats.problems.append(Problem("FR600", part.file, n, why))
                continue
            cid = value["ContactId"]
            if CTR_KEY in value:
                out.contact_records += 1
                item = (1, cid, str(value.get("LastUpdateTimestamp") or ""), part.index, n, k)
            else:
                out.records += 1
                item = (0, cid, value["Timestamp"], part.index, n, k)
            b = bucket_of(cid, buckets)
            chunk = chunks.get(b)
            if chunk is None:
                chunk = chunks[b] = io.BytesIO()
            data = dump((*item, value))
            chunk.write(len(data).to_bytes(4, "little"))  # framed: loads by slice, not load
            chunk.write(data)
    out.problems = stats.problems  # in the order met: malformed lines and read errors
    if spill_dir is None:
        out.buckets = {b: chunk.getvalue() for b, chunk in sorted(chunks.items())}
        return out
    path = os.path.join(spill_dir, f"part-{part.index:06d}.bin")
    with open(path, "wb") as handle:
        for b, chunk in sorted(chunks.items()):
            data = chunk.getvalue()
            out.buckets[b] = (path, handle.tell(), len(data))
            handle.write(data)
    return out


def _items(source: bytes | tuple[str, int, int]) -> Iterator[tuple[Any, ...]]:
    if isinstance(source, tuple):
        path, offset, size = source
        with open(path, "rb") as handle:
            handle.seek(offset)
            data = handle.read(size)
    else:
        data = source
    # Each item is framed by its length: `marshal.load` on a stream reads all that is left
    # each time (quadratic in a bucket's size); `loads` of a slice does not.
    view = memoryview(data)
    end = len(data)
    at = 0
    loads = marshal.loads
    while at < end:
        size = int.from_bytes(view[at : at + 4], "little")
        at += 4
        yield loads(view[at : at + size])
        at += size


#: A record's order in its contact: Timestamp, then part, line and place in the line.
_ORDER = itemgetter(2, 3, 4, 5)


def _finish(
    cid: str, items: list[tuple[Any, ...]], ctr: dict[str, Any] | None, files: list[str]
) -> tuple[Contact, int]:
    """Sort a contact's records by (Timestamp, part, line, k); drop exact duplicates (same
    Timestamp, equal record); (the contact, duplicates dropped)."""
    items.sort(key=_ORDER)
    records: list[dict[str, Any]] = []
    where: list[tuple[str, int]] = []
    dropped = 0
    run_ts: Any = None
    run: list[dict[str, Any]] = []
    seen: set[str] | None = None
    for _, _, ts, part, line, _, value in items:
        if ts != run_ts:
            run_ts, run, seen = ts, [], None
        if len(run) > 8:  # many records at one instant: compare canonical texts, not pairs
            if seen is None:
                seen = {_canonical(r) for r in run}
            text = _canonical(value)
            if text in seen:
                dropped += 1
                continue
            seen.add(text)
        elif run and value in run:  # `in`: equality of records, as `==`
            dropped += 1
            continue
        run.append(value)
        records.append(value)
        where.append((files[part], line))
    return Contact(cid, records, ctr, where), dropped


def _canonical(value: dict[str, Any]) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def bucket_contacts(
    sources: list[bytes | tuple[str, int, int]], files: list[str]
) -> tuple[list[Contact], int]:
    """The contacts of one bucket (its slices from every part, in part order), in ContactId
    order, and the duplicates dropped.  `files[i]` is part i's file."""
    groups: dict[str, list[tuple[Any, ...]]] = {}
    ctrs: dict[str, tuple[Any, ...]] = {}
    for source in sources:
        for item in _items(source):
            cid = item[1]
            if item[0] == 1:
                held = ctrs.get(cid)
                # the latest LastUpdateTimestamp; on a tie, the one read last
                if held is None or (item[2], item[3], item[4], item[5]) >= held[:4]:
                    ctrs[cid] = (item[2], item[3], item[4], item[5], item[6])
                continue
            group = groups.get(cid)
            if group is None:
                groups[cid] = [item]
            else:
                group.append(item)
    out: list[Contact] = []
    dropped = 0
    for cid in sorted(groups):
        ctr = ctrs.get(cid)
        contact, d = _finish(cid, groups.pop(cid), ctr[4] if ctr else None, files)
        dropped += d
        out.append(contact)
    return out, dropped


def add_mapped(stats: ReadStats, mapped: Mapped) -> None:
    """Count one part's reading into `stats`."""
    stats.lines += mapped.lines
    stats.records += mapped.records
    stats.contact_records += mapped.contact_records
    stats.problems.extend(mapped.problems)


def contacts(
    inputs: list[str],
    stats: ReadStats,
    part_bytes: int = PART_BYTES,
    spill_bytes: int = SPILL_BYTES,
) -> Iterator[Contact]:
    """The contacts of the inputs in one process: grouped, sorted and deduplicated."""
    p = plan(inputs, part_bytes, spill_bytes)
    stats.files = p.files
    stats.problems.extend(p.problems)
    stats.spilled = p.spill
    tmp = tempfile.TemporaryDirectory(prefix="flowrt-replay-") if p.spill else None
    try:
        mapped = [map_part(part, p.buckets, tmp.name if tmp else None) for part in p.parts]
        for m in mapped:
            add_mapped(stats, m)
        files = [part.file for part in p.parts]
        for b in range(p.buckets):
            sources = [m.buckets[b] for m in mapped if b in m.buckets]
            found, dropped = bucket_contacts(sources, files)
            stats.duplicates += dropped
            yield from found
    finally:
        if tmp is not None:
            tmp.cleanup()
