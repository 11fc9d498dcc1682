"""Work on forked worker processes, results in order, with a bounded number of tasks in flight.

`Pool.imap` alone reads its whole task list ahead and keeps every result the caller has not
taken yet: with a million cases, a list of a million tasks, and results piling up whenever the
output (a pipe to a slow reader) is slower than the workers.  `ordered_map` hands the pool at
most `ahead` tasks more than the caller has taken, so the memory of a run does not grow with
the number of its tasks, and yields the results in task order, so what is printed from them is
the same for any number of processes.
"""

from __future__ import annotations

import multiprocessing
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")
_END = object()


def can_fork() -> bool:
    """Whether this system starts processes by forking (workers inherit what the parent built)."""
    return "fork" in multiprocessing.get_all_start_methods()


def leave_ctrl_c_to_the_parent() -> None:
    """A worker's start (a pool's `initializer`): it ignores SIGINT.  Ctrl-C at a terminal
    reaches the whole process group, and the parent stops its workers itself
    (`pool.terminate()`, as `ordered_map` ends or a `with Pool` block is left), so that the only
    word of it is the command's one line, not a report from each worker."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def ordered_map(
    func: Callable[[T], R], tasks: Iterable[T], jobs: int, ahead: int | None = None
) -> Iterator[R]:
    """`func` of each task, on `jobs` forked processes, yielded in task order; at most `ahead`
    tasks (default: 4 per process) are given out beyond the results taken so far.

    `func` and whatever it reads must exist before the call: the workers are forked here and
    inherit them.  An exception in a worker is raised here, at its task's place in the order."""
    limit = threading.Semaphore(ahead if ahead is not None else 4 * jobs)
    stopped = threading.Event()

    def given() -> Iterator[T]:
        source = iter(tasks)
        while True:
            limit.acquire()  # the pool's task thread waits here until a result is taken
            task = next(source, _END)  # taken only now: the tasks are not read ahead either
            if task is _END or stopped.is_set():
                return
            yield task  # type: ignore[misc]

    pool = multiprocessing.get_context("fork").Pool(jobs, initializer=leave_ctrl_c_to_the_parent)
    try:
        for result in pool.imap(func, given()):
            limit.release()
            yield result
    finally:
        # Stopped early (an error, or the caller stopped taking): let the task thread out of
        # its wait, or terminating the pool would wait for it forever.
        stopped.set()
        limit.release(1 + (ahead or 4 * jobs))
        pool.terminate()
        pool.join()
