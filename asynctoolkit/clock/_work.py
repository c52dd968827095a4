"""The real work a virtual clock must not jump past: executor jobs, child processes.

Virtual time may skip ahead only when nothing outside the loop's thread is
about to deliver a result.  ``ClockedEventLoop`` reports here every job it
submits to an executor, every child process it starts and its own executor
shutdown; the clock asks ``pending()`` before each jump and, while it is true,
lets time pass no faster than real time (see ``asynctoolkit.clock``).

A job counts as pending until its result has been *delivered* on the loop's
thread, not merely computed: the completion callback is queued after the one
that sets the asyncio future's result, so the clock cannot jump in the instant
between the thread finishing and the loop hearing of it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import itertools
from collections.abc import Callable
from typing import Any, TypeVar

from asynctoolkit._shared import report

__all__: list[str] = []

_T = TypeVar("_T")


class RealWork:
    """The pending real work of one loop; used from the loop's thread only."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        # Executor jobs submitted and not yet delivered, with what they call
        # (described only when a failure lists them).
        self._jobs: dict[
            concurrent.futures.Future[Any], tuple[Callable[..., Any], tuple[Any, ...]]
        ] = {}
        # Child processes started and not yet reaped, by transport.
        self._processes: dict[asyncio.SubprocessTransport, str] = {}
        # Other real work in progress (the executor shutdown), by token.
        self._holds: dict[int, str] = {}
        self._tokens = itertools.count()
        #: The three records above: while all are empty, nothing is pending (a
        #: test cheaper than ``pending()``, which also forgets reaped processes).
        self.records = (self._jobs, self._processes, self._holds)

    # -- recording ------------------------------------------------------------
    def track_job(
        self, job: concurrent.futures.Future[Any], func: Callable[..., Any], args: tuple[Any, ...]
    ) -> None:
        """Count ``job`` as pending until its completion reaches the loop's thread.

        Call it after ``asyncio.wrap_future`` has chained ``job``: callbacks run
        in the order they were added, so ours is queued after the result.
        """
        self._jobs[job] = (func, args)
        job.add_done_callback(self._job_done)

    def track_process(self, transport: asyncio.SubprocessTransport, what: str) -> None:
        """Count a child process as pending until the loop has its exit status."""
        self._processes[transport] = f"child process {what} (pid {transport.get_pid()})"

    def hold(self, what: str) -> int:
        """Count ``what`` as pending until ``release`` is called with the returned token."""
        token = next(self._tokens)
        self._holds[token] = what
        return token

    def release(self, token: int) -> None:
        """End a ``hold``."""
        self._holds.pop(token, None)

    # -- querying -------------------------------------------------------------
    def pending(self) -> bool:
        """True while some job, child process or hold has not finished."""
        if self._jobs or self._holds:
            return True
        if self._processes:
            self._forget_reaped()
            return bool(self._processes)
        return False

    def describe(self) -> list[str]:
        """One line per piece of pending work, for failure messages."""
        self._forget_reaped()
        jobs = [_describe_job(func, args) for func, args in self._jobs.values()]
        return [*jobs, *self._processes.values(), *self._holds.values()]

    # -- private --------------------------------------------------------------
    def _job_done(self, job: concurrent.futures.Future[Any]) -> None:
        # Runs in the worker thread (or at once if the job was already done).
        try:
            self._loop.call_soon_threadsafe(self._forget_job, job)
        except RuntimeError:  # the loop is closed: nobody is waiting any more
            self._jobs.pop(job, None)

    def _forget_job(self, job: concurrent.futures.Future[Any]) -> None:
        self._jobs.pop(job, None)

    def _forget_reaped(self) -> None:
        for transport in [t for t in self._processes if t.get_returncode() is not None]:
            del self._processes[transport]


class RecordingExecutor(concurrent.futures.Executor):
    """Submits to ``executor`` and keeps the job, so the loop can track it."""

    def __init__(self, executor: concurrent.futures.Executor) -> None:
        self.executor = executor
        self.job: concurrent.futures.Future[Any] | None = None

    def submit(
        self, fn: Callable[..., _T], /, *args: Any, **kwargs: Any
    ) -> concurrent.futures.Future[_T]:
        job = self.executor.submit(fn, *args, **kwargs)
        self.job = job
        return job


def _describe_job(func: Callable[..., Any], args: tuple[Any, ...]) -> str:
    # ``asyncio.to_thread(f, ...)`` submits ``partial(context.run, f, ...)``:
    # name ``f``, not ``Context.run``.  Only types are tested: the job may be
    # a mock, whose every attribute exists.
    func, args = report.unwrap_partial(func, args)
    if isinstance(getattr(func, "__self__", None), contextvars.Context) and args:
        func, args = args[0], args[1:]
    return "executor job " + report.describe_callback(func, args)
