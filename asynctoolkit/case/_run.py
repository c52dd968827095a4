"""The life of one test, in one object.

A ``TestRun`` owns what one test uses while it runs: its loop (made for it,
or a class's shared loop), its ``contextvars.Context``, its real-time limit
(an arming of the watchdog), and its checks.  ``TestCase``, the pytest plugin
and ``asynctoolkit.run`` all drive it the same way::

    run = TestRun(loop, owns_loop=True, context=..., limit=60.0, checks={...})
    run.start()                 # current loop, time limit, checks start
    run.call(setup)             # each phase: sync or async, in the test's context
    run.call(test)
    problems = run.finish()     # the checks' findings; the loop is closed
    run.close()                 # always: restores the current loop, disarms

Its phase moves one way: ``NEW`` -> ``RUNNING`` -> ``FINISHED`` -> ``CLOSED``;
``close`` may come from any phase (an interrupted test) and is idempotent.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import enum
import inspect
import signal
import sys
import threading
import traceback
import warnings
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from types import CoroutineType
from typing import TYPE_CHECKING, Any, TypeVar

from asynctoolkit._shared import asyncio_details, report
from asynctoolkit.case import _decorators, _loops, _watchdog

if TYPE_CHECKING:
    from asynctoolkit.case import _checks

__all__: list[str] = []

# unittest leaves frames of modules that define ``__unittest`` out of tracebacks.
__unittest = True

_T = TypeVar("_T")


#: Real seconds the tear-down and cleanups of a test interrupted by Ctrl-C get.
INTERRUPTED_CLEANUP_LIMIT = 5.0


class TestInterrupted(Exception):
    """A test stopped by Ctrl-C; unittest reports it as an error of that test."""


class Phase(enum.Enum):
    """Where a ``TestRun`` is in its life."""

    NEW = "new"
    RUNNING = "running"
    FINISHED = "finished"
    CLOSED = "closed"


class TestRun:
    """One test's loop, context, time limit and checks (see the module docstring).

    ``owns_loop``: the loop was made for this test and is closed by it.
    ``limit``: real seconds the test may take, or None.  ``checks``: the
    enabled checks (name -> True), a mapping not changed once a run used
    it.  ``warn``: where a skipped check is said.
    ``failure``: the exception type a timeout raises (the test's
    ``failureException``).  ``forbid_get_event_loop``: make
    ``asyncio.get_event_loop()`` outside a coroutine fail during the test.
    ``cancel_wait``: real seconds cancelled leftover tasks get to finish.
    ``allowed_threads``: names (glob patterns) of threads the test may leave.
    ``by_strict``: checks ``--strict`` turned on against the test's ``fail_on``.
    """

    # Slots: a run is made for every test, and stores 28 attributes at once
    # (per-test cost, bench/bench_case.py).
    __slots__ = (
        "_allowed_threads",
        "_by_strict",
        "_cancel_wait",
        "_cancelled_phase",
        "_checks",
        "_failure",
        "_forbid",
        "_late",
        "_limit_passed",
        "_phase_task",
        "_previous",
        "_rearmed",
        "_restore_get_event_loop",
        "_stuck",
        "_stuck_reason",
        "_tasks_cleared",
        "_thread_ident",
        "_timed_out",
        "_timeout_report",
        "_token",
        "_warn",
        "_watch",
        "context",
        "depth",
        "limit",
        "loop",
        "owns_loop",
        "phase",
    )

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        *,
        owns_loop: bool,
        context: contextvars.Context,
        limit: float | None,
        checks: Mapping[str, bool],
        warn: Callable[[str], None],
        failure: type[BaseException] = AssertionError,
        forbid_get_event_loop: bool = False,
        cancel_wait: float = _loops.CANCEL_WAIT,
        allowed_threads: tuple[str, ...] = (),
        by_strict: frozenset[str] = frozenset(),
    ) -> None:
        self.loop = loop
        self.owns_loop = owns_loop
        #: The test's context: every phase runs in it.
        self.context = context
        self.limit = limit
        self.phase = Phase.NEW
        #: How deep the phases nest (a cleanup run by doCleanups() inside a test).
        self.depth = 0
        self._checks = checks
        self._warn = warn
        self._failure = failure
        self._forbid = forbid_get_event_loop
        self._cancel_wait = cancel_wait
        self._allowed_threads = allowed_threads
        self._by_strict = by_strict
        self._watch: _checks.TestWatch | None = None
        self._token: int | None = None
        # The thread the test runs in (signals interrupt the main thread only).
        self._thread_ident = 0
        # Set by the watchdog thread when it interrupts a test stuck outside its
        # loop (the KeyboardInterrupt that follows is that test's failure), with
        # the reason when no signal could be used.
        self._stuck = False
        self._stuck_reason = ""
        # The phase task the loop's expiry cancelled (None: it did not run), and,
        # once the watchdog's last resort interrupted the test (it had not
        # ended GRACE_SECONDS after its limit): whether it had been cancelled,
        # and its task's await chain.  (One attribute for the three: before
        # the slots, past 30 attributes an instance of a class lost CPython
        # 3.11's fast attribute access, which cost every test 6k instructions.)
        self._cancelled_phase: asyncio.Task[Any] | object | None = None
        self._late: _Late | None = None
        # Set by the watchdog thread at the limit (its loop callback may not run).
        self._limit_passed = False
        self._timed_out = False
        self._rearmed = False
        self._timeout_report = ""
        self._phase_task: asyncio.Task[Any] | None = None
        self._tasks_cleared = False
        self._previous: asyncio_details.LoopState | None = None
        self._restore_get_event_loop: Callable[[], None] | None = None

    # -- the interface ---------------------------------------------------------
    def start(self) -> None:
        """Make the loop current, arm the time limit, start the checks."""
        if self.phase is not Phase.NEW:
            raise RuntimeError(f"a test run starts once; this one is {self.phase.value}")
        self.phase = Phase.RUNNING
        if self._forbid:
            self._previous = asyncio_details.enter_loop(None)
            self._restore_get_event_loop = _loops.forbid_get_event_loop()
        else:
            self._previous = asyncio_details.enter_loop(self.loop)
        if self.limit:
            self._thread_ident = threading.get_ident()
            self._token = _watchdog.arm(
                self.limit, self._on_watchdog, self._on_stuck, self._cancel_wait
            )
        if any(self._checks.values()):  # no watch at all when every check is off
            self._watch = _decorators.registry().TestWatch(
                self.loop,
                self.context,
                self._checks,
                self._warn,
                fresh=self.owns_loop,
                cancel_wait=self._cancel_wait,
                allowed_threads=self._allowed_threads,
                by_strict=self._by_strict,
            )

    def call(self, function: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        """Call ``function`` in the test's context; if it returns an awaitable, run it.

        Called from inside another phase (a cleanup that ``doCleanups()`` runs
        from a synchronous test), it runs in that phase's context.
        """
        nested = self.depth > 0
        if self._timed_out and not nested:
            self._rearm_if_spent()
        self.depth += 1
        try:
            if nested:
                result = function(*args, **kwargs)
            else:
                result = self.context.run(function, *args, **kwargs)
            if result is not None and (
                type(result) is CoroutineType or inspect.isawaitable(result)
            ):
                if self.loop.is_running():
                    if inspect.iscoroutine(result):
                        result.close()
                    raise RuntimeError(
                        f"cannot run the async cleanup {function!r} from doCleanups() inside a "
                        "running coroutine: the loop is busy running the test; let the test "
                        "end (cleanups run after it), or call doCleanups() from a sync test"
                    )
                result = self._run_phase(result, in_test_context=not nested)
            return result
        except KeyboardInterrupt as interrupt:
            if self._stuck and not nested:
                raise self._stuck_error(interrupt) from None
            raise
        finally:
            self.depth -= 1

    def finish(self) -> list[str]:
        """Run the checks and close an owned loop; returns the problems found.

        The watchdog stays armed while the checks wait for cancelled leftover
        tasks, so that wait is bounded by the test's limit.
        """
        if self.phase is not Phase.RUNNING:
            return []
        self.phase = Phase.FINISHED
        problems: list[str] = []
        try:
            if self._limit_passed and not self._timed_out:
                # A synchronous test ran past its limit and returned by itself:
                # the loop never ran the watchdog's callback.
                self._expire()
            if self._timed_out and self._phase_task is None and self._timeout_report:
                problems.append(self._timeout_report)  # it ran out in synchronous code
                self._timeout_report = ""
            watch, self._watch = self._watch, None
            if watch is not None:
                problems += watch.finish(self._run_phase, self._close_loop)
            else:
                problems += self._close_loop(False)
        finally:
            if self._token is not None:
                self._disarm()
        return problems

    def _close_loop(self, tasks_cleared: bool) -> list[str]:
        """Close an owned loop; what fails there (executor work a clocked loop
        gives up on) is this test's failure.  ``tasks_cleared``: the checks
        cancelled every task left on the loop."""
        self._tasks_cleared = tasks_cleared
        if not self.owns_loop:
            return []
        try:
            _loops.close_loop(self.loop, not tasks_cleared, self._executor_wait)
        except _loops.ExecutorJobsLeft as error:
            return [f"closing the test's loop: {error}"]
        except Exception as error:
            return [f"closing the test's loop failed: {type(error).__name__}: {error}"]
        return []

    def _executor_wait(self) -> tuple[float, str]:
        """What the loop's executor jobs get: the rest of the test's limit (at
        least cancel_wait), as the test's own code would."""
        left = None if self._token is None else _watchdog.time_left(self._token)
        if left is None:
            return _loops.EXECUTOR_WAIT, "asyncio.run's own wait: the test has no time limit"
        return max(left, self._cancel_wait), (
            f"the rest of the test's time limit of {self.limit:g}s, at least its "
            f"cancel_wait of {self._cancel_wait:g}s"
        )

    def _interrupted_wait(self) -> tuple[float, str]:
        return (
            self._cancel_wait,
            f"cancel_wait, {self._cancel_wait:g}s: the test's run did not finish",
        )

    def close(self, name: str | Callable[[], str] = "") -> None:
        """End the run whatever its phase: nothing of it may escape.

        A run that never finished (an interrupted test, ``debug()``) drops
        its checks' findings and closes its loop here; a failure to close is
        a RuntimeWarning naming the test (``name``, or what it returns: a
        test's name is only made when needed).
        """
        if self.phase is Phase.CLOSED:
            return
        try:
            if self._token is not None:
                self._disarm()
            watch, self._watch = self._watch, None
            if watch is not None:
                watch.finish(self._run_phase, _nothing_to_close)
            if self.owns_loop and not self.loop.is_closed():
                try:
                    _loops.close_loop(self.loop, not self._tasks_cleared, self._interrupted_wait)
                except Exception as error:
                    who = name() if callable(name) else name
                    warnings.warn(
                        f"{who or 'a test'}: closing the test's loop failed: {error!r}",
                        RuntimeWarning,
                        stacklevel=2,
                    )
        finally:
            self.phase = Phase.CLOSED
            # After a test with thousands of tasks, later tests' all_tasks() stay cheap.
            asyncio_details.compact_task_registry()
            if self._restore_get_event_loop is not None:
                self._restore_get_event_loop()
                self._restore_get_event_loop = None
            # Exactly what was there before: a later get_event_loop() behaves
            # as if the test never ran.
            if self._previous is not None:
                asyncio_details.restore_loop_state(self._previous)
                self._previous = None

    # -- phases on the loop ------------------------------------------------------
    def _run_phase(self, awaitable: Awaitable[_T], in_test_context: bool = True) -> _T:
        loop = self.loop
        if self._timed_out:
            self._rearm_if_spent()
        coro = awaitable if type(awaitable) is CoroutineType else _loops.await_any(awaitable)
        task: asyncio.Task[_T]
        if not in_test_context:
            task = loop.create_task(coro)  # inherits a copy of the current context
        elif sys.version_info >= (3, 11):
            factory = loop.get_task_factory()
            watch = self._watch
            if factory is None or (watch is not None and factory == watch.task_factory):
                # Our own phase task: no need to record where it was created
                # (skipping the factory shows in bench/bench_case.py).
                task = asyncio.Task(coro, loop=loop, context=self.context)
            else:
                task = loop.create_task(coro, context=self.context)
        else:
            # ``create_task(context=...)`` exists from Python 3.11; on 3.10 each
            # async phase runs in a copy and the context it ends with is carried.
            task = self.context.run(loop.create_task, self._carry_context(coro))
        self._phase_task = task
        try:
            result: _T = loop.run_until_complete(task)
            return result
        except asyncio.CancelledError:
            if self._timed_out and task.cancelled():
                text, self._timeout_report = self._timeout_report, ""
                raise self._failure(
                    text
                    or f"timeout: after the test's own time ran out, this phase took longer "
                    f"than the further {self.limit:g}s it was given; it was cancelled"
                ) from None
            raise
        finally:
            self._phase_task = None
            if task.done() and not task.cancelled():
                # Raised through run_until_complete (a KeyboardInterrupt): seen, so
                # not logged as "never retrieved" later.
                task.exception()
            if not task.done():
                late = self._late
                if late is not None and (late.cancel_ignored or late.waiting):
                    late.where = report.describe_tasks([task])  # for the failure
                if late is not None and late.cancel_ignored:
                    # It swallowed its cancellation, and the watchdog
                    # interrupted the loop: cancelling it again would wait for
                    # the next interrupt.  Its coroutine is closed where it is
                    # first, so its finally blocks run (a patch it entered is
                    # restored) and its next step fails at once.
                    with contextlib.suppress(BaseException):
                        task.get_coro().close()
                # The loop stopped with an error (a deadlock, a stalled clock,
                # the interrupt): end the phase's own task so it is not
                # reported as a leak too (run_until_complete retrieves its end).
                task.cancel()
                with contextlib.suppress(BaseException):
                    loop.run_until_complete(task)

    async def _carry_context(self, coro: Coroutine[Any, Any, _T]) -> _T:
        """Python 3.10: run ``coro`` and keep the context it ends with for the next phase."""
        try:
            return await coro
        finally:
            self.context = contextvars.copy_context()

    # -- the time limit ---------------------------------------------------------------
    def drop_limit(self) -> None:
        """The time limit no longer applies (a failed ``debug()``: the run
        waits for ``doCleanups()``, while the caller does what it likes)."""
        self._disarm()

    def set_limit(self, seconds: float) -> None:
        """From now on, the run has ``seconds`` of real time (a fresh arming)."""
        self._disarm()
        self.limit = seconds
        self._rearmed = True
        if self.phase is Phase.RUNNING:
            self._arm()

    def _arm(self) -> None:
        assert self.limit
        # A new limit: what the last one's expiry and last resort did is over.
        self._late = self._cancelled_phase = None
        self._thread_ident = threading.get_ident()
        self._token = _watchdog.arm(
            self.limit, self._on_watchdog, self._on_stuck, self._cancel_wait
        )

    def _rearm_if_spent(self) -> None:
        """After a timeout, what still runs (tearDown, the cleanups) gets one fresh limit."""
        if self._timed_out and not self._rearmed and self.limit:
            self._rearmed = True
            self._disarm()
            self._arm()

    def _on_stuck(
        self, again: bool, print_stacks: Callable[[], None]
    ) -> str | _watchdog.Later | None:
        """In the watchdog thread: the test has not ended since its limit.

        Interrupts it with SIGINT in its thread, as pytest-timeout's signal
        method does with SIGALRM: the signal interrupts Python code and
        blocking system calls alike, and the KeyboardInterrupt it raises
        becomes the test's timeout failure (``call``).  Returns why it
        cannot, where it cannot: the watchdog's last resort then applies.

        First (``again`` false) one second after the limit, unless the loop
        ran the expiry and is cancelling the phase; then (``again``) at each
        last resort, which means the phase swallowed its cancellation or the
        interrupt: ``print_stacks()`` first, then the interrupt.  ``LATER``
        during a bounded wait of the checks' own (``_watchdog.bounded_wait``),
        and at the last resort between the test's phases.
        """
        if _watchdog.in_bounded_wait():
            # The checks wait for what the test left (a thread, up to
            # ``cancel_wait``): no user code runs in this thread, and a
            # KeyboardInterrupt there would stop the whole run.
            return _watchdog.LATER
        if self._cancelled_phase is not None and not again:
            return None  # the loop ran the expiry: its cancellation is on its way
        if again:
            if self.depth == 0:
                # Between the test's phases (its checks, closing its loop): a
                # KeyboardInterrupt there would stop the whole run.
                return _watchdog.LATER
            phase = self._phase_task
            cancelled = phase is not None and phase is self._cancelled_phase
            # A phase started once the limit was spent (its expiry cancelled an
            # earlier one), waiting in the loop: it was never cancelled.
            waiting = phase is not None and not cancelled and _suspended(phase)
            self._late = _Late(cancelled, waiting)
        why = _cannot_interrupt(self._thread_ident)
        self._stuck = True
        if why is not None:
            self._stuck_reason = why
            return why
        if again:
            print_stacks()
        signal.pthread_kill(self._thread_ident, signal.SIGINT)
        return None

    def _stuck_error(self, interrupt: KeyboardInterrupt) -> BaseException:
        """The timeout failure of a test interrupted by the watchdog."""
        self._stuck = False
        self._timed_out = True
        self._timeout_report = ""
        late, self._late = self._late, None
        if late is not None and late.where:
            what = (
                "did not end when it was cancelled"
                if late.cancel_ignored
                else "a phase that started once that limit was spent (its tear-down or "
                "cleanups) did not end"
            )
            # Its own await chain, not the loop's select() the signal met.
            stack = "\n".join("  " + line for line in late.where.splitlines())
        else:
            what = "did not return to its event loop"
            stack = "".join(traceback.format_tb(interrupt.__traceback__))
        grace = _watchdog.grace_seconds()
        when = f" {grace:g}s after its limit" if late is not None else ""
        how = (
            f" It could not be interrupted at once ({self._stuck_reason}): the watchdog "
            f"interrupted it {grace:g}s after its limit."
            if self._stuck_reason
            else ""
        )
        return self._failure(
            f"timeout: the test took longer than its limit of {self.limit:g}s (real time) "
            f"and {what}; it was interrupted{when if not how else ''}.{how} "
            f"Where it was:\n{stack}".rstrip()
        )

    def _disarm(self) -> None:
        if self._token is not None:
            _watchdog.disarm(self._token)
            self._token = None

    def _on_watchdog(self) -> None:
        """Called in the watchdog thread when the time limit passes."""
        self._limit_passed = True
        loop = self.loop
        if not loop.is_closed():
            loop.call_soon_threadsafe(self._expire)

    def _expire(self) -> None:
        if self.loop.is_closed() or self.phase is Phase.CLOSED:
            return
        # The phase it cancels (_NO_PHASE: none, in sync code or between phases).
        self._cancelled_phase = self._phase_task or _NO_PHASE
        if not self._timed_out:
            self._timed_out = True
            tasks = asyncio.all_tasks(self.loop)
            why = self._stuck_reason
            self._timeout_report = (
                f"timeout: the test took longer than its limit of {self.limit:g}s (real "
                "time); it was cancelled"
                + (
                    f" once it returned to its loop (it could not be interrupted: {why})"
                    if why
                    else ""
                )
                + ". Tasks at that moment:\n"
                + "\n".join("    " + line for line in report.describe_tasks(tasks).splitlines())
            )
        if self._phase_task is not None:
            self._phase_task.cancel()


_NO_PHASE = object()


class _Late:
    """The watchdog's last resort interrupted the test (see ``TestRun._on_stuck``)."""

    def __init__(self, cancel_ignored: bool, waiting: bool = False) -> None:
        #: The loop had cancelled it at its limit: it swallowed the cancellation.
        self.cancel_ignored = cancel_ignored
        #: It was never cancelled (it started once the limit was spent) and
        #: waits in the loop.
        self.waiting = waiting
        #: Its task's await chain, in either case.
        self.where = ""


def _suspended(task: asyncio.Task[Any]) -> bool:
    """Is ``task``'s coroutine suspended at an await (not running sync code)?"""
    coro = task.get_coro()
    return inspect.iscoroutine(coro) and inspect.getcoroutinestate(coro) == inspect.CORO_SUSPENDED


def _nothing_to_close(tasks_cleared: bool) -> list[str]:
    return []


def _cannot_interrupt(ident: int) -> str | None:
    """Why a signal cannot interrupt the test running in thread ``ident``, or None."""
    if ident != threading.main_thread().ident:
        return "the test does not run in the main thread, where signals are handled"
    if not hasattr(signal, "pthread_kill"):
        return "this platform cannot send a signal to a thread"
    handler = signal.getsignal(signal.SIGINT)
    if handler is not signal.default_int_handler:
        return f"SIGINT has a handler of its own: {handler!r}"
    return None
