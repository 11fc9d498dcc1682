"""The one place flowrt tunes Python's cyclic garbage collector.

Loading, validating, compiling and running allocate millions of small objects that live until
the command ends (data, positions, models, nodes, trace facts) and almost never form garbage
cycles.  With CPython's default thresholds (700, 10, 10) the collector keeps walking all of
them again: profiles of `flowrt validate` on a 10,000-block flow and of `flowrt run` on 10^5
cases spent more than half their time in it, and the cost grew faster than the input (n^1.2).

`quiet_gc()` is a context manager for such work:

- it freezes what exists when it starts (`gc.freeze()`: the imported modules, the caller's
  objects), so the collector never walks them again during the work;
- it raises the thresholds, so young objects are examined every 100,000 allocations instead of
  every 700 and older ones far more rarely.  The collector stays enabled: garbage cycles are
  still reclaimed, so memory stays bounded; results never depend on when it runs;
- on exit it restores the thresholds, the enabled state and the frozen set exactly as they were
  (`gc.unfreeze()` only when nothing was frozen before, so a caller's own `gc.freeze()` is never
  undone).

Nested uses are no-ops, so the command line (around the whole command) and the project driver
(around `load_project`, `check_paths`, `Project.compile`, for callers of the Python API) can
both use it.

`paused_gc()` goes one step further for bounded work that makes next to no garbage cycles:
loading, validating and compiling a project (1,000 flows of 30 blocks leave 78 objects in
cycles, while the young collections alone walked 2.4 million objects, 15% of the time).  The
collector is off for the body and back as it was after it; what the body made is frozen with
the rest until the outermost `quiet_gc` ends (then a full collection reclaims any cycles among
it), so that turning the collector back on costs nothing; runs (`flowrt run`, `flowrt test`, the explorer) keep
`quiet_gc` alone, as their count of cycles grows with the number of cases.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: Thresholds during the work: a young collection every 100,000 net allocations; older
#: generations after 50 and 100 of the younger ones.  CPython additionally skips a full
#: collection until the objects waiting for one are a quarter of those already old, which keeps
#: the total cost linear in the work.
THRESHOLDS = (100_000, 50, 100)

_lock = threading.Lock()
#: How many bodies are inside `quiet_gc` now (threads included), and what to restore after the
#: last one leaves: thresholds, whether the collector was enabled, whether we froze.
_depth = 0
_saved: tuple[tuple[int, int, int], bool, bool] = ((700, 10, 10), True, False)


@contextmanager
def quiet_gc() -> Iterator[None]:
    """Run the body with the collector tuned for flowrt's work (see the module docstring)."""
    _enter()
    try:
        yield
    finally:
        _leave()


def _enter() -> None:
    global _depth, _saved  # noqa: PLW0603 - one process-wide setting, like the collector itself
    with _lock:
        _depth += 1
        if _depth > 1:
            return
        threshold = gc.get_threshold()
        froze = gc.get_freeze_count() == 0
        _saved = ((threshold[0], threshold[1], threshold[2]), gc.isenabled(), froze)
        if froze:
            gc.freeze()
        gc.set_threshold(*THRESHOLDS)
        gc.enable()


def _leave() -> None:
    global _depth  # noqa: PLW0603 - see _enter
    with _lock:
        _depth -= 1
        if _depth:
            return
        threshold, enabled, froze = _saved
        gc.set_threshold(*threshold)
        if froze:
            gc.unfreeze()
        if not enabled:
            gc.disable()


@contextmanager
def paused_gc() -> Iterator[None]:
    """`quiet_gc` with the collector off for the body (see the module docstring)."""
    with quiet_gc():
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            yield
        finally:
            with _lock:
                # What the body made joins the set quiet_gc froze (and unfreezes when the
                # outermost use ends): turned back on with millions of young objects, the
                # collector would walk them all at the next allocation (0.3 s for 1,000 flows).
                if _saved[2]:
                    gc.freeze()
            if was_enabled:
                gc.enable()
