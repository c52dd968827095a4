"""Creating, running on and closing the loops of tests."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import inspect
import os
import selectors
import sys
import threading
import time
import traceback
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Any, TypeVar

from asynctoolkit._shared import asyncio_details, report, threads

__all__: list[str] = []

_T = TypeVar("_T")


def new_selector() -> selectors.BaseSelector:
    """A real selector wrapped in a TestSelector, so mocks and real files mix.

    The real selector is the one the previous test loop left, when it closed
    with nothing registered: creating and closing an epoll (or kqueue)
    object costs two system calls per test (measured by bench/bench_case.py).
    """
    try:
        real = _spare_selectors.pop()
    except IndexError:
        real = asyncio_details.quick_lookup_selector()
    selector = _test_selector()(real)
    selector._release = _keep_spare  # type: ignore[attr-defined]
    return selector


# At most one open, empty real selector, waiting for the next test loop.
_spare_selectors: list[selectors.BaseSelector] = []


def _keep_spare(selector: selectors.BaseSelector) -> bool:
    """Keep ``selector`` (open, nothing registered) for the next ``new_selector``."""
    if _spare_selectors:
        return False
    _spare_selectors.append(selector)
    return True


def _drop_spares() -> None:
    # A forked child shares the parent's epoll object: never reuse it there.
    while _spare_selectors:
        _spare_selectors.pop().close()


if hasattr(os, "register_at_fork"):  # not on Windows, which has no fork
    os.register_at_fork(after_in_child=_drop_spares)


@functools.cache
def _test_selector() -> Callable[[selectors.BaseSelector], selectors.BaseSelector]:
    # Imported on first use: a run that never makes a test loop does not need
    # the selector package.  (It imports the mock files and sockets, and the
    # mock package under them, only when a test uses them.)
    from asynctoolkit.selector import TestSelector

    return TestSelector


def new_loop() -> asyncio.AbstractEventLoop:
    """A test's plain loop: a ``SelectorEventLoop`` over ``new_selector()``.

    When the user installed an event loop policy (uvloop's, say), its
    ``new_event_loop()`` makes the loop instead, as asynctest did; not on
    Python 3.14 and later, where policies are deprecated.
    """
    policy = asyncio_details.custom_policy()
    if policy is not None:
        loop: asyncio.AbstractEventLoop = policy.new_event_loop()
        return loop
    # asyncio's loop, reusing the wake-up socket pair of the test before.
    return asyncio_details.SelectorEventLoop(new_selector())


def new_clocked_loop(autojump: bool = False) -> asyncio.AbstractEventLoop:
    """A test's loop on virtual time: a ``ClockedEventLoop`` over ``new_selector()``."""
    from asynctoolkit.clock import ClockedEventLoop  # imported by the tests that use it

    return ClockedEventLoop(new_selector(), autojump=autojump)


def run_on(
    loop: asyncio.AbstractEventLoop, context: contextvars.Context, awaitable: Awaitable[_T]
) -> _T:
    """Run ``awaitable`` to completion on ``loop`` within ``context`` (class level)."""
    previous = asyncio_details.current_loop_state()
    asyncio.set_event_loop(loop)
    try:
        coro = awaitable if inspect.iscoroutine(awaitable) else await_any(awaitable)
        task = context.run(loop.create_task, coro)
        result: _T = loop.run_until_complete(task)
        return result
    finally:
        asyncio_details.restore_loop_state(previous)


def close_loop(
    loop: asyncio.AbstractEventLoop,
    tasks_left: bool = True,
    executor_wait: Callable[[], tuple[float, str]] | None = None,
) -> None:
    """Cancel what is left on ``loop``, finalise async generators, close it.

    ``tasks_left=False``: the checks already cancelled every leftover task.
    ``executor_wait()``: the real seconds its default executor's jobs get to
    end and why that long, for the failure; asked only if it has one
    (default: ``EXECUTOR_WAIT``, asyncio.run's own wait).
    Every step runs even if an earlier one failed, and the loop is closed in
    any case; then the first failure is raised (a clocked loop, for
    instance, reports executor work that outlives its ``real_timeout``).
    """
    if loop.is_closed():
        return
    error: Exception | None = None
    try:
        # No task alive in the process: none to cancel (bench/bench_case.py).
        if tasks_left and asyncio_details.maybe_live_tasks():
            try:
                _cancel_leftovers(loop)
            except Exception as exc:
                error = exc
        asyncgens, executor = asyncio_details.shutdown_needed(loop)
        if asyncgens:
            try:
                loop.run_until_complete(loop.shutdown_asyncgens())
            except Exception as exc:
                error = error or exc
        if executor:
            try:
                seconds, why = (
                    executor_wait() if executor_wait else (EXECUTOR_WAIT, "asyncio.run's own wait")
                )
                _shutdown_default_executor(loop, max(0.0, seconds), why)
            except Exception as exc:
                error = error or exc
    finally:
        loop.close()
    if error is not None:
        raise error


#: Real seconds closing a loop waits for its default executor's jobs when no
#: time limit bounds the test: what ``asyncio.run`` waits from Python 3.12.
EXECUTOR_WAIT = 300.0
# The real clock, captured at import (``patch_time`` may change time.monotonic).
_monotonic = time.monotonic


class ExecutorJobsLeft(Exception):
    """Closing a loop gave up waiting for its default executor's jobs."""


def _shutdown_default_executor(loop: asyncio.AbstractEventLoop, seconds: float, why: str) -> None:
    """``loop.shutdown_default_executor()``, waiting at most ``seconds`` of
    real time for the jobs (asyncio waits for ever before 3.12); past that,
    the loop closes without them (``ExecutorJobsLeft``).

    asyncio's own: the executor takes no new job, its workers are joined (in
    a thread, the loop running meanwhile), then its shutdown returns at once.
    A subclass's override runs first, as ``asyncio.run`` runs it (it may end
    the jobs itself), awaited at most ``seconds`` (``_await_own_shutdown``).
    A ``ClockedEventLoop`` bounds its own by its ``real_timeout``.  A loop
    whose workers are out of sight (uvloop) runs its own, without a bound.
    """
    clock = sys.modules.get("asynctoolkit.clock")  # no clocked loop before it is imported
    if clock is not None and isinstance(loop, clock.ClockedEventLoop):
        loop.run_until_complete(loop.shutdown_default_executor())
        return
    if asyncio_details.default_executor_threads(loop) is None:
        # uvloop: cutting its shutdown short would leave its shutdown thread
        # to fail on the closed loop when the jobs end, in a later test.
        loop.run_until_complete(loop.shutdown_default_executor())
        return
    if type(loop).shutdown_default_executor is not _BASE_SHUTDOWN:
        _await_own_shutdown(loop, seconds, why)
        return
    # No new job from now on, then the workers (a job could have started one
    # more before); they end once the queued jobs are done.
    asyncio_details.default_executor_shutdown(loop)
    workers = asyncio_details.default_executor_threads(loop) or []
    if workers:
        deadline = _monotonic() + seconds
        done = loop.create_future()

        def join() -> None:  # in a thread: the loop runs on meanwhile, as asyncio's does
            for thread in workers:
                thread.join(max(0.0, deadline - _monotonic()))
            with contextlib.suppress(RuntimeError):  # the loop is closed
                loop.call_soon_threadsafe(_settle, done)

        joiner = threading.Thread(target=join, name="asynctoolkit-executor-join", daemon=True)
        joiner.start()
        loop.run_until_complete(done)
        joiner.join()
        left = [thread for thread in workers if thread.is_alive()]
        if left:
            threads.given_up.update(left)
            raise ExecutorJobsLeft(_jobs_left(seconds, why, left))
    loop.run_until_complete(loop.shutdown_default_executor())  # at once now: the jobs are done


_BASE_SHUTDOWN = asyncio.BaseEventLoop.shutdown_default_executor
# The overridden shutdowns left pending (``_await_own_shutdown``), kept for
# the rest of the process: never cancelled nor collected.
_abandoned: list[asyncio.Task[None]] = []


def _await_own_shutdown(loop: asyncio.AbstractEventLoop, seconds: float, why: str) -> None:
    """A loop class's own ``shutdown_default_executor``, awaited at most ``seconds``.

    Past that, it is left pending: cancelled or collected, asyncio's, which
    an override calls, would join its shutdown thread on the way out (until
    the jobs end).  That thread sees the loop closed when they do.
    """
    before = set(threading.enumerate())
    task = loop.create_task(loop.shutdown_default_executor())
    loop.run_until_complete(asyncio.wait([task], timeout=seconds))
    if task.done():
        task.result()  # what it raised, if anything
        return
    asyncio_details.forget_pending_task(task)
    _abandoned.append(task)
    left = [t for t in asyncio_details.default_executor_threads(loop) or () if t.is_alive()]
    # Reported here, with the thread the shutdown started (asyncio's waits
    # in one for the jobs): not again by running_threads.
    threads.given_up.update([*left, *(t for t in threading.enumerate() if t not in before)])
    if left:
        raise ExecutorJobsLeft(_jobs_left(seconds, why, left))
    raise ExecutorJobsLeft(
        f"its shutdown_default_executor() ({type(loop).__qualname__}'s own) did not return "
        f"within {round(seconds, 2):g}s of real time ({why}); the loop was closed without it"
    )


def _jobs_left(seconds: float, why: str, left: list[threading.Thread]) -> str:
    """``ExecutorJobsLeft``'s message for the workers ``left`` running."""
    many = len(left) > 1
    return (
        f"its default executor's jobs were given {round(seconds, 2):g}s of real time "
        f"({why}) and are still running; the loop was closed without them, and "
        f"their thread{'s run' if many else ' runs'} on (the process "
        f"waits for {'them' if many else 'it'} at exit). Await what "
        "run_in_executor() and asyncio.to_thread() return, or make those jobs end "
        "with the test. "
        "Still running:\n" + "\n".join(_describe_worker(thread) for thread in left)
    )


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _describe_worker(thread: threading.Thread) -> str:
    """An executor thread: its name, the job it runs, and its stack (innermost last)."""
    job = asyncio_details.executor_job(thread)
    running = f" running {report.describe_callback(*job)}" if job is not None else ""
    frame = sys._current_frames().get(thread.ident or 0)
    lines = traceback.format_stack(frame) if frame is not None else ["  (it has ended)\n"]
    return (
        f"  thread {thread.name!r}{running}:\n"
        + "".join("  " + line for text in lines for line in text.splitlines(keepends=True)).rstrip()
    )


def _cancel_leftovers(loop: asyncio.AbstractEventLoop) -> None:
    leftover = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in leftover:
        task.cancel()
    if leftover:
        # The check is off: a task that ignores its cancellation is dropped quietly.
        for task in wait_cancelled(loop, leftover, loop.run_until_complete):
            asyncio_details.forget_pending_task(task)


#: Real seconds given to cancelled leftover tasks to finish (``TestCase.cancel_wait``).
#: On virtual time the wait is over at once: the clock jumps through it.
CANCEL_WAIT = 1.0


def wait_cancelled(
    loop: asyncio.AbstractEventLoop,
    tasks: Iterable[asyncio.Task[Any]],
    settle: Callable[[Coroutine[Any, Any, Any]], Any],
    seconds: float = CANCEL_WAIT,
) -> list[asyncio.Task[Any]]:
    """Let cancelled ``tasks`` finish for up to ``seconds``; return those still pending.

    ``settle`` runs an awaitable on ``loop``.  On a ``ClockedEventLoop``
    autojump is on meanwhile, so a graceful shutdown (``except
    CancelledError: await asyncio.sleep(0.5); raise``) ends at once.
    """
    tasks = list(tasks)
    jumping = _autojump_on(loop)
    try:
        settle(asyncio.wait(tasks, timeout=seconds))
    finally:
        jumping()
    return [task for task in tasks if not task.done()]


def is_clocked(loop: asyncio.AbstractEventLoop) -> bool:
    """True for a ``ClockedEventLoop`` (without importing the clock for other loops)."""
    clock = sys.modules.get("asynctoolkit.clock")  # only a loaded clock made a clocked loop
    return clock is not None and isinstance(loop, clock.ClockedEventLoop)


def _autojump_on(loop: asyncio.AbstractEventLoop) -> Callable[[], None]:
    """Turn autojump on for a clocked ``loop``; returns the undo."""
    if not is_clocked(loop):
        return lambda: None
    before = loop.autojump  # type: ignore[attr-defined]
    loop.autojump = True  # type: ignore[attr-defined]

    def undo() -> None:
        if not loop.is_closed():
            loop.autojump = before  # type: ignore[attr-defined]

    return undo


async def await_any(awaitable: Awaitable[_T]) -> _T:
    return await awaitable


def forbid_get_event_loop() -> Callable[[], None]:
    """Make ``asyncio.get_event_loop()`` outside a coroutine fail; returns the undo."""
    original = asyncio.get_event_loop

    def get_event_loop() -> asyncio.AbstractEventLoop:
        try:
            return asyncio.get_running_loop()
        except RuntimeError:
            raise AssertionError(
                "asyncio.get_event_loop() was called outside a coroutine during a test whose "
                "class sets forbid_get_event_loop = True: pass the loop explicitly, or call "
                "asyncio.get_running_loop() from a coroutine"
            ) from None

    asyncio.get_event_loop = get_event_loop
    asyncio.events.get_event_loop = get_event_loop

    def restore() -> None:
        asyncio.get_event_loop = original
        asyncio.events.get_event_loop = original

    return restore
