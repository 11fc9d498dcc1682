"""Contacts and worlds given as plain dicts, prepared once per distinct content.

`Program.run(contact, world)` with plain dicts (the documented Python API) would validate both
with pydantic and build the interpreter's records on every call: several times the run itself.
`PreparedCache` keeps the prepared record of each distinct content it has seen, so runs with
equal dicts (the same object again, or a fresh one per run) share one prepared record.

The key is the content itself, never the object: a user's dict is mutable and may change
between runs, and a new dict may hold what an old one held.  `content_key` is the dict's
`marshal` form (version 2, which never refers back to shared objects): exact built-in types
only (a subclass of `str`, `dict` or anything else is refused, so the value is prepared as
usual and nothing is kept), types kept apart (`1`, `True`, `1.0` and `"1"` differ, as do a list
and a tuple, and an `int` key and a `str` key), order kept (bots try their intents in order),
floats by their bits.  Equal keys are therefore equal values in every way preparation can see.

Only what prepares without error is kept (a bad value raises its FlowrtError every time), and
the cache is bounded: at most `MAX_ENTRIES` records and `MAX_BYTES` of keys, the least recently
used going first; content over `MAX_KEY_BYTES` is prepared each time and never kept.  A kept
record is shared by every run of that content, so runs treat it as read-only (they do: a run
copies the attributes and profiles it changes, see flowrt.run.world).
"""

from __future__ import annotations

import marshal
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

#: Prepared records kept per cache (contacts, worlds), the least recently used dropped first.
MAX_ENTRIES = 256
#: The keys of one cache take at most this many bytes together.
MAX_BYTES = 8 * 1024 * 1024
#: Content whose key is longer than this is prepared at each run and never kept.
MAX_KEY_BYTES = 1024 * 1024

T = TypeVar("T")


def content_key(value: object) -> bytes | None:
    """A key equal for equal content (exact types, order and values), or None: not keyable.

    None for anything but a plain `dict` (or None) of plain values, for content nested too deep
    for `marshal`, and for content whose key would be over `MAX_KEY_BYTES`.
    """
    if value is not None and type(value) is not dict:
        return None
    try:
        key = marshal.dumps(value, 2)
    except (ValueError, OverflowError):  # not a plain value, or nested too deep
        return None
    return key if len(key) <= MAX_KEY_BYTES else None


class PreparedCache(Generic[T]):
    """Prepared records by content (see the module): `get(value)` prepares a value only the
    first time its content is seen."""

    __slots__ = ("_prepare", "_entries", "_bytes", "_lock")

    def __init__(self, prepare: Callable[[object], T]) -> None:
        self._prepare = prepare
        self._entries: dict[bytes, T] = {}
        self._bytes = 0
        # Runs may come from several threads (the Python API): the dict is changed under the
        # lock, and a record is prepared outside it, so threads never wait on each other's
        # preparing (an equal one prepared twice at once is kept once).
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, value: object) -> T:
        """The prepared record of `value`'s content; raises what preparing `value` raises."""
        key = content_key(value)
        if key is None:
            return self._prepare(value)
        entries = self._entries
        with self._lock:
            # Taken out and put back: the dict's order is the order of last use.
            prepared = entries.pop(key, None)
            if prepared is not None:
                entries[key] = prepared
                return prepared
        prepared = self._prepare(value)  # a bad value raises here: nothing is kept
        with self._lock:
            kept = entries.pop(key, None)  # prepared meanwhile by another thread
            if kept is not None:
                prepared = kept
            else:
                self._bytes += len(key)
                while entries and (len(entries) >= MAX_ENTRIES or self._bytes > MAX_BYTES):
                    oldest = next(iter(entries))
                    del entries[oldest]
                    self._bytes -= len(oldest)
            entries[key] = prepared
        return prepared

    def clear(self) -> None:
        """Forget every prepared record."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0
