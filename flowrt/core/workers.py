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
import multiprocessing.pool
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
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
    (`pool.terminate()`, as `ordered_map` ends), so that the only word of it is the command's
    one line, not a report from each worker.  The pool is made by `worker_pool`, so a worker is
    forked with SIGINT blocked: one that comes before this runs is ignored here, not
    delivered."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


@contextmanager
def worker_pool(jobs: int) -> Iterator[multiprocessing.pool.Pool]:
    """A pool of `jobs` forked workers that leave Ctrl-C to this process, stopped when the block
    is left, however it is left.

    It is made with SIGINT blocked in this thread, so the threads the pool starts (which hand
    out tasks and take results) keep it blocked, and so do its workers until they ignore it:
    Ctrl-C is then delivered to this thread only, where it ends the wait for a result.  (A
    signal that lands on another thread does not wake this one from its wait: the command
    would not stop.)  One that comes while the pool is made is delivered right after.  The
    workers are stopped with Ctrl-C ignored: they ignore it themselves, so one left running
    because a second Ctrl-C struck while they were being stopped would never end."""
    ctx = multiprocessing.get_context("fork")
    if not hasattr(signal, "pthread_sigmask") or (
        threading.current_thread() is not threading.main_thread()
    ):
        pool = ctx.Pool(jobs, initializer=leave_ctrl_c_to_the_parent)
    else:
        old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            pool = ctx.Pool(jobs, initializer=leave_ctrl_c_to_the_parent)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)
    try:
        yield pool
    finally:
        with _ctrl_c_ignored():
            pool.terminate()
            pool.join()


def results(pending: multiprocessing.pool.IMapIterator[R]) -> Iterator[R]:
    """The results of a pool's `imap`, waited for a quarter of a second at a time.

    A wait without a time limit can miss Ctrl-C for ever: a signal that arrives just before this
    thread starts to wait is taken by the system then, and nothing wakes the wait; waking four
    times a second, Python runs the pending Ctrl-C at the next wake at the latest."""
    while True:
        try:
            yield pending.next(0.25)
        except multiprocessing.TimeoutError:
            continue
        except StopIteration:
            return


@contextmanager
def _ctrl_c_ignored() -> Iterator[None]:
    """Ctrl-C is ignored inside the block (the main thread only: elsewhere it cannot be set)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not in the main interpreter
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


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

    with worker_pool(jobs) as pool:
        try:
            for result in results(pool.imap(func, given())):
                limit.release()
                yield result
        finally:
            # Stopped early (an error, or the caller stopped taking): let the task thread out of
            # its wait, or stopping the pool would wait for it forever.
            stopped.set()
            limit.release(1 + (ahead or 4 * jobs))
