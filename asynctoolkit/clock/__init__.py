"""Virtual time for asyncio: an event loop whose clock moves only when the test says so.

``ClockedEventLoop`` is an ordinary selector event loop (sockets, pipes,
subprocesses and executors work as usual) whose ``loop.time()`` starts at 0
and follows a virtual clock.  Everything asyncio times with the loop follows
it: ``call_later``, ``call_at``, ``asyncio.sleep``, ``asyncio.wait_for``,
``asyncio.timeout``/``timeout_at``.  Use it anywhere::

    loop = ClockedEventLoop(autojump=True)
    loop.run_until_complete(main())          # a sleep of a year takes milliseconds

    with asyncio.Runner(loop_factory=ClockedEventLoop) as runner:   # Python 3.11+
        runner.run(main())

or through ``asynctoolkit.ClockedTestCase``, whose ``advance`` and
``autojump`` are those of this loop.  Code holding only the running loop
reaches the clock with ``clock_of()``.

Two ways time moves:

* ``await loop.advance(seconds)`` / ``await loop.advance_to(when)``: every
  timer due in the window fires at its own due time (``loop.time()`` equals
  its ``when()`` while it runs), including timers scheduled by callbacks
  during the window; then time rests at the target (to the nanosecond).
* ``autojump``: whenever every task is blocked and only timers are left,
  time jumps straight to the next due timer.

Timers fire in due order; timers due at the same instant fire in the order
they were scheduled.  The clock's resolution is one nanosecond: every due
time and every ``advance`` target is rounded to the nearest one, the same
way, so ``call_later(d)``, ``call_at(loop.time() + d)`` (how
``asyncio.timeout`` and ``wait_for`` schedule) and ``advance(d)`` name the
same instant, and long runs do not drift: 10,000 sleeps of 0.001 s end at
exactly 10.0.

When the loop can never make progress it fails at once instead of hanging,
by raising out of ``run_until_complete`` (and so out of the test):
``DeadlockError`` when no task can ever wake up, ``StalledClockError`` in
manual mode when every task waits for a timer that only ``advance()`` could
fire.  Both messages list every blocked task with its await chain.

Real work is never skipped.  While an executor job (``run_in_executor``,
``asyncio.to_thread``, ``getaddrinfo``) or a child process started by the
loop is pending, time runs no faster than real time: before a jump of ``d``
virtual seconds the loop waits up to ``d`` real seconds for the work (and
fails with ``StalledClockError`` if ``d`` exceeds ``real_timeout`` and the
work is still running after ``real_timeout`` real seconds); so a child
process that runs for the whole test (a server) makes the test run in real
time.  While other descriptors are watched (sockets, pipes) or a signal
handler is set (``add_signal_handler``), each jump first waits up to
``io_grace`` real seconds for them to become ready; the virtual
descriptors of selector mocks (``asynctoolkit.selector``) do not count, the
test makes them ready itself.  Other threads that call
``loop.call_soon_threadsafe`` directly are invisible to the clock: before
declaring a deadlock or a stall the loop listens for them for ``io_grace``
(nothing else to wait for) or ``real_timeout`` (work or descriptors pending)
real seconds.  ``advance()`` and ``run_until_idle()`` give up with
RuntimeError after ``spin_limit`` loop iterations at one virtual instant (a
callback that re-schedules itself forever).

Only selector loops can be clocked: the clock works by owning ``time()`` and
the selector's wait.  uvloop and the Windows proactor loop keep both in
native code; ``ClockedEventLoop.check_clockable`` refuses them with an
explanation.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextlib
import selectors
import time
from collections.abc import Callable, Iterator
from contextvars import Context, copy_context
from typing import TYPE_CHECKING, Any, TypeVar

from asynctoolkit._shared import asyncio_details
from asynctoolkit.clock._arguments import (
    advance_target,
    advance_to_target,
    check_callback,
    check_caller,
    checked_autojump,
    checked_seconds,
    checked_spin_limit,
    real_seconds,
    short_repr,
    too_large,
)
from asynctoolkit.clock._core import DeadlockError, StalledClockError, VirtualClock
from asynctoolkit.clock._grid import _FAST_SECONDS, to_grid
from asynctoolkit.clock._handles import SLEEP_CALLBACK, ClockTimer, new_handle
from asynctoolkit.clock._messages import fmt_time, not_clockable
from asynctoolkit.clock._selector import ClockSelector
from asynctoolkit.clock._time_patch import patched_time
from asynctoolkit.clock._work import RealWork, RecordingExecutor

__all__ = ["ClockedEventLoop", "DeadlockError", "StalledClockError", "clock_of"]

_T = TypeVar("_T")
if TYPE_CHECKING:
    from typing_extensions import TypeVarTuple, Unpack

    _Ts = TypeVarTuple("_Ts")
_P = TypeVar("_P", bound=asyncio.BaseProtocol)

# The real wall clock, captured before ``patch_time`` may replace it.
_real_time_ns = time.time_ns
_new_object = object.__new__
_FUTURE = asyncio.Future


class ClockedEventLoop(asyncio.SelectorEventLoop):
    """A selector event loop on virtual time; see the module documentation.

    ``selector``: any ``selectors.BaseSelector`` (default: a new
    ``DefaultSelector``), for instance a selector mock wrapping a real one;
    the loop wraps it to control the waits.

    Settings (keyword arguments, also read/write properties):

    * ``autojump`` (False): jump to the next timer whenever every task is
      blocked.  May be switched at any time, even while the loop runs.
    * ``io_grace`` (0.02 s of real time): how long watched descriptors must
      stay silent before a jump, and how long the loop listens for other
      threads before it reports a deadlock or stall.  Raise it when a peer
      outside the loop (a thread, another process) is slow to answer; 0 makes
      jumps immediate when the watched descriptors are fed by the loop itself.
    * ``real_timeout`` (10 s of real time): the longest the loop waits for
      pending real work or I/O when only those can wake a task, before failing.
    * ``spin_limit`` (100,000): the most loop iterations ``advance()`` and
      ``run_until_idle()`` allow at one virtual instant before they fail with
      RuntimeError (a callback that re-schedules itself forever).
    """

    if TYPE_CHECKING:
        # asyncio's private attributes the clock reads (see ``_run_once``), which
        # typeshed does not declare.
        _ready: collections.deque[asyncio.Handle]
        _stopping: bool
        _scheduled: list[asyncio.TimerHandle]
        _debug: bool
        _closed: bool
        _selector: selectors.BaseSelector

        def _process_events(self, event_list: list[tuple[selectors.SelectorKey, int]]) -> None:
            pass

    def __init__(
        self,
        selector: selectors.BaseSelector | None = None,
        *,
        autojump: bool = False,
        io_grace: float = 0.02,
        real_timeout: float = 10.0,
        spin_limit: int = 100_000,
    ) -> None:
        # Every argument is checked before a selector or socket is opened, so a
        # refused argument leaves nothing to close.
        autojump = checked_autojump(autojump)
        io_grace = real_seconds("io_grace", io_grace)
        real_timeout = real_seconds("real_timeout", real_timeout)
        spin_limit = checked_spin_limit(spin_limit)
        if isinstance(selector, ClockSelector):
            raise TypeError(
                "this selector already drives another ClockedEventLoop; pass the selector "
                "it wraps (its .inner), or none for a new DefaultSelector"
            )
        elif selector is not None and not isinstance(selector, selectors.BaseSelector):
            raise TypeError(
                "ClockedEventLoop(selector) takes a selectors.BaseSelector instance (or None "
                f"for a DefaultSelector), not {type(selector).__qualname__}"
            )
        if selector is None:
            selector = selectors.DefaultSelector()
        self._vwork = RealWork(self)
        self._vclock = VirtualClock(self, selector, self._vwork)
        self._vpool: concurrent.futures.ThreadPoolExecutor | None = None
        self._vpool_closed = False
        # Real wall-clock time when virtual time was 0 (for ``patch_time``).
        self._vepoch_ns = _real_time_ns()
        self._vadd = self._vclock.add
        # The context of asyncio.sleep's timers (see ``_handles``), unless a
        # subclass's ``call_soon`` (which the timer calls) might read it.
        self._vsleep_context = Context() if type(self).call_soon is _CALL_SOON else None
        super().__init__(self._vclock.selector)
        self._vclock.attach()
        self._vready = True
        self._vclock.selector.ignore_fd(asyncio_details.self_pipe_fd(self))
        self.autojump = autojump
        self.io_grace = io_grace
        self.real_timeout = real_timeout
        self.spin_limit = spin_limit

    def __del__(self) -> None:
        # If __init__ refused its arguments, asyncio's part never ran: nothing to close.
        if getattr(self, "_vready", False):
            super().__del__()

    # -- settings ---------------------------------------------------------------
    @property
    def autojump(self) -> bool:
        """Jump to the next due timer whenever every task is blocked (settable any time)."""
        return self._vclock.autojump

    @autojump.setter
    def autojump(self, value: bool) -> None:
        self._vclock.autojump = checked_autojump(value)
        self._vclock.note_change()

    @property
    def io_grace(self) -> float:
        """Real seconds watched descriptors must stay silent before time jumps."""
        return self._vclock.io_grace

    @io_grace.setter
    def io_grace(self, value: float) -> None:
        self._vclock.io_grace = real_seconds("io_grace", value)

    @property
    def real_timeout(self) -> float:
        """Real seconds to wait for pending work or I/O before failing."""
        return self._vclock.real_timeout

    @real_timeout.setter
    def real_timeout(self, value: float) -> None:
        self._vclock.real_timeout = real_seconds("real_timeout", value)

    @property
    def spin_limit(self) -> int:
        """Loop iterations ``advance()``/``run_until_idle()`` allow at one instant."""
        return self._vclock.spin_limit

    @spin_limit.setter
    def spin_limit(self, value: int) -> None:
        self._vclock.spin_limit = checked_spin_limit(value)

    # -- moving time ------------------------------------------------------------
    async def advance(self, seconds: float) -> None:
        """Move virtual time forward by ``seconds``, running everything due on time.

        Every timer due up to the target fires at its own due time, in order,
        with the callbacks and tasks it wakes, including timers they schedule
        within the window; then time rests at the target (to the nanosecond).
        ``advance(0)`` runs what is ready now.  Pending real work is waited
        for, never skipped (see the module documentation).  Await it from a
        task running on this loop.  Raises ValueError for a negative, NaN or
        infinite ``seconds``, one beyond what a float holds, and a positive one
        that would not move the clock (below its resolution of a nanosecond,
        or below the spacing of floats after a huge advance).
        """
        span = checked_seconds("advance", seconds)
        check_caller(self, "advance")
        await self._vclock.wait_until(advance_target(seconds, span, self.time()))

    async def advance_to(self, when: float) -> None:
        """Move virtual time forward to ``when`` (absolute loop time), like ``advance``.

        Raises ValueError if ``when`` is NaN, infinite, earlier than now, or
        later than now but too close to it to move the clock.
        """
        target = checked_seconds("advance_to", when, negative_ok=True)
        if target < self.time():
            raise ValueError(
                f"advance_to({when!r}) is in the past: the clock is at "
                f"t={fmt_time(self.time())} and never goes backwards"
            )
        check_caller(self, "advance_to")
        await self._vclock.wait_until(advance_to_target(when, target, self.time()))

    def begin_real_work(self, what: str) -> int:
        """Count ``what``, work going on in another thread, as real work.

        Until ``end_real_work`` is called with the returned token, time moves
        no faster than real time, as for an executor job.  For code that runs
        work in threads of its own and knows when that work only waits for
        the loop (it ends the count for that wait).  Call from the loop's thread.
        """
        return self._vwork.hold(what)

    def end_real_work(self, token: int) -> None:
        """End a ``begin_real_work`` count (from the loop's thread)."""
        self._vwork.release(token)

    async def run_until_idle(self) -> None:
        """Run until no callback is ready and every task is blocked; time does not move.

        Pending executor jobs and I/O are not waited for: a task waiting on
        them counts as blocked.
        """
        check_caller(self, "run_until_idle")
        await self._vclock.wait_idle()

    @contextlib.contextmanager
    def patch_time(self) -> Iterator[None]:
        """Make the ``time`` module follow this loop's clock, in this thread, within ``with``.

        ``time.monotonic()`` and ``time.perf_counter()`` return
        ``loop.time()``; ``time.time()`` returns the real wall-clock time at
        the loop's creation plus ``loop.time()``; the ``*_ns`` variants
        agree.  Other threads (executor jobs, watchdogs) keep the real clocks.
        The originals are restored on exit, even on error; nesting is allowed.
        """
        with patched_time(self._vclock, self._vepoch_ns):
            yield

    @staticmethod
    def check_clockable(loop: asyncio.AbstractEventLoop) -> ClockedEventLoop:
        """Return ``loop`` if it runs on virtual time, else raise TypeError saying why.

        Only a ``ClockedEventLoop`` can: a plain selector loop reads the real
        clock, and loops that are not selector loops (uvloop, the Windows
        proactor loop) wait for time and I/O in native code that no clock can
        reach.
        """
        if isinstance(loop, ClockedEventLoop):
            return loop
        raise TypeError(not_clockable(loop))

    # -- asyncio overrides: time and timers ------------------------------------------
    def time(self) -> float:
        """The virtual time: 0 when the loop was created, moved only by the clock."""
        return self._vclock.now

    def call_later(
        self,
        delay: float,
        callback: Callable[[Unpack[_Ts]], object],
        *args: Unpack[_Ts],
        context: Context | None = None,
    ) -> asyncio.TimerHandle:
        """Schedule ``callback`` ``delay`` virtual seconds from now: ``call_at(time() + delay)``."""
        if delay is None:
            raise TypeError("delay must not be None")
        # ``call_at`` inlined, and ``to_grid``'s common case: timers are the clock's hot path.
        clock = self._vclock
        try:
            when = clock.now + delay
            if when.__class__ is float and -_FAST_SECONDS < when < _FAST_SECONDS:
                due = round(when * 1e9) / 1e9
            else:
                due = to_grid(when)
        except OverflowError:  # an int beyond floats: asyncio's error, with a clear text
            raise OverflowError(too_large(f"call_later({short_repr(delay)}, ...)")) from None
        if due != due:
            raise ValueError(f"call_later() needs a delay that is a number, not {delay!r}")
        if self._closed:
            raise RuntimeError("Event loop is closed")
        if self._debug:  # asyncio's way, whose creation stack then ends at our caller
            timer = self.call_at(due, callback, *args, context=context)
            asyncio_details.drop_maker_frame(timer)
            return timer
        # ``ClockTimer(due, callback, args, self, context, clock)`` in this frame: the
        # slots its ``__init__`` sets outside debug mode (see ``_handles``).
        timer = _new_object(ClockTimer)
        if context is None:
            # asyncio.sleep's timer, on its own future: no copy (see ``_handles``).
            context = self._vsleep_context  # None if a subclass overrides call_soon
            if context is None or callback is not SLEEP_CALLBACK or len(args) != 2:
                context = copy_context()
            else:
                future, _ = args  # type: ignore[misc]  # two, as just checked
                if type(future) is not _FUTURE or future._loop is not self:
                    context = copy_context()
        timer._context = context
        timer._loop = self
        timer._callback = callback
        timer._args = args
        timer._cancelled = False
        timer._repr = None
        timer._source_traceback = None
        timer._when = due
        timer._scheduled = False
        timer._clock = clock
        # ``VirtualClock.add``'s common case: an instant after the last in order,
        # so after every instant (the heap holds only earlier ones).
        in_order = clock.in_order
        if in_order and due > in_order[-1]:
            clock.buckets[due] = timer
            in_order.append(due)
        else:
            self._vadd(due, timer)
        return timer

    def call_soon(
        self,
        callback: Callable[[Unpack[_Ts]], object],
        *args: Unpack[_Ts],
        context: Context | None = None,
    ) -> asyncio.Handle:
        """As asyncio's; made in one step outside debug mode (every task wake-up comes here)."""
        if self._closed:
            raise RuntimeError("Event loop is closed")
        if self._debug:
            handle = super().call_soon(callback, *args, context=context)
            asyncio_details.drop_maker_frame(handle)  # its creation stack ends at our caller
            return handle
        handle = new_handle(callback, args, self, context)
        self._ready.append(handle)
        return handle

    def call_at(
        self,
        when: float,
        callback: Callable[[Unpack[_Ts]], object],
        *args: Unpack[_Ts],
        context: Context | None = None,
    ) -> asyncio.TimerHandle:
        """Schedule ``callback`` at ``when``, to the nanosecond; equal times fire in call order."""
        if when is None:
            raise TypeError("when cannot be None")
        if self.is_closed():
            raise RuntimeError("Event loop is closed")
        debug = self.get_debug()
        if debug:
            check_callback(callback, "call_at")
        try:
            due = to_grid(when)  # the clock's resolution: one nanosecond
        except OverflowError:  # an int beyond floats
            raise OverflowError(too_large(f"call_at({short_repr(when)}, ...)")) from None
        if due != due:  # NaN would break the heap's order
            raise ValueError(f"call_at() needs a due time that is a number, not {when!r}")
        timer = ClockTimer(due, callback, args, self, context, self._vclock)
        if debug:
            asyncio_details.drop_maker_frame(timer)  # its creation stack ends at our caller
        self._vadd(due, timer)
        return timer

    def _run_once(self) -> None:
        """One iteration of the loop: asyncio's own, minus what a clocked loop never needs.

        The clock keeps every timer, so asyncio's timer heap is empty and its
        iteration reduces to: wait (here, ask the clock), handle the I/O
        events, run the callbacks ready at that point.  This is that
        iteration, without the work on the empty heap, and running the due
        timers (``VirtualClock.fire``, as the iteration's only ready callback)
        without queueing a handle for them; then, unless the loop is
        stopping, the next iteration at once (``run_forever`` does nothing
        else in between).  asyncio's iteration runs instead
        in debug mode (it times each callback), if a timer reached its heap
        anyway, or if the selector was replaced.

        Detail of asyncio (the clock's to know): ``BaseEventLoop._run_once``
        is what ``run_forever`` calls once per iteration, and the attributes
        it reads (``_ready``, ``_stopping``, ``_scheduled``, ``_debug``,
        ``_selector``, ``_process_events``, ``Handle._cancelled``,
        ``Handle._run``); ``tests/shared/test_asyncio_details_clock.py``
        checks them on every supported Python.
        """
        clock = self._vclock
        if self._debug or self._scheduled or self._selector is not clock.selector:
            super()._run_once()  # type: ignore[misc]
            return
        ready = self._ready
        events: list[tuple[selectors.SelectorKey, int]] | None
        if ready or self._stopping:
            events = clock.busy()
        else:
            events = clock.step()
            if events is None:
                clock.fire()
                if self._stopping or not ready:
                    return
                # What ``run_forever`` would do next: another iteration, whose
                # callbacks are those the timers made ready.
                events = clock.busy()
        if events:
            self._process_events(events)
        for _ in range(len(ready)):
            handle = ready.popleft()
            if not handle._cancelled:
                handle._run()

    def stop(self) -> None:
        """As asyncio's: stop after the current iteration (no later timer fires in it)."""
        self._vclock.note_change()
        super().stop()

    def close(self) -> None:
        """As asyncio's; the pending timers are dropped too, as asyncio drops its heap.

        The default executor is shut down without waiting and forgotten, as
        asyncio does: a closed loop keeps no worker thread alive.
        """
        super().close()
        self._vclock.drop_timers()
        self._vpool = None

    def pending_timers(self) -> list[asyncio.TimerHandle]:
        """Every timer not yet fired nor cancelled, in the order they will fire.

        This is the whole timer queue: a ``ClockedEventLoop`` keeps every timer
        (``call_later``, ``call_at``, and those asyncio sets for ``sleep``,
        ``wait_for`` and ``timeout``) here, never on asyncio's own heap.  A
        timer leaves the list when it is cancelled, or when it comes due and
        is handed to the loop to run (it is then a ready callback, as on any
        loop).  Empty once the loop is closed.
        """
        return self._vclock.pending_timers()

    # -- asyncio overrides: real work and I/O the clock must wait for ------------------
    def add_signal_handler(
        self, sig: int, callback: Callable[[Unpack[_Ts]], object], *args: Unpack[_Ts]
    ) -> None:
        """As asyncio's; while the handler is set, the signal counts as awaited I/O.

        A signal reaches the loop through its wake-up socket, like I/O: so
        each jump first waits up to ``io_grace`` for it, and with nothing else
        to wait for, the loop waits ``real_timeout`` before reporting a deadlock.
        """
        super().add_signal_handler(sig, callback, *args)
        self._vclock.signals[sig] = (callback, args)
        self._vclock.note_change()

    def remove_signal_handler(self, sig: int) -> bool:
        """As asyncio's; the signal no longer holds the clock back."""
        removed = super().remove_signal_handler(sig)
        self._vclock.signals.pop(sig, None)
        self._vclock.note_change()
        return removed

    def run_in_executor(
        self,
        executor: concurrent.futures.Executor | None,
        func: Callable[[Unpack[_Ts]], _T],
        *args: Unpack[_Ts],
    ) -> asyncio.Future[_T]:
        """As asyncio's, and the clock does not jump past the job until its result is in."""
        if self.is_closed():
            raise RuntimeError("Event loop is closed")
        if executor is None:
            executor = self._default_pool()
        recorder = RecordingExecutor(executor)
        future = super().run_in_executor(recorder, func, *args)
        if recorder.job is not None:
            self._vwork.track_job(recorder.job, func, args)
        return future

    def set_default_executor(self, executor: Any) -> None:
        """As asyncio's; the clock also waits for jobs run on it."""
        super().set_default_executor(executor)
        self._vpool = executor

    async def shutdown_default_executor(self, *args: Any, **kwargs: Any) -> None:
        """As asyncio's; the clock waits for the shutdown instead of jumping past it."""
        self._vpool_closed = True
        token = self._vwork.hold("shutdown of the default executor")
        try:
            await super().shutdown_default_executor(*args, **kwargs)
        finally:
            self._vwork.release(token)

    async def subprocess_exec(
        self, protocol_factory: Callable[[], _P], program: Any, *args: Any, **kwargs: Any
    ) -> tuple[asyncio.SubprocessTransport, _P]:
        """As asyncio's; until the child exits, time runs no faster than real time."""
        transport, protocol = await super().subprocess_exec(
            protocol_factory, program, *args, **kwargs
        )
        self._vwork.track_process(transport, repr(program))
        return transport, protocol

    async def subprocess_shell(
        self, protocol_factory: Callable[[], _P], cmd: Any, **kwargs: Any
    ) -> tuple[asyncio.SubprocessTransport, _P]:
        """As asyncio's; until the child exits, time runs no faster than real time."""
        transport, protocol = await super().subprocess_shell(protocol_factory, cmd, **kwargs)
        self._vwork.track_process(transport, repr(cmd))
        return transport, protocol

    # -- private -----------------------------------------------------------------
    def _default_pool(self) -> concurrent.futures.Executor:
        if self._vpool_closed:
            raise RuntimeError("Executor shutdown has been called")
        if self._vpool is None:
            self.set_default_executor(
                concurrent.futures.ThreadPoolExecutor(thread_name_prefix="asyncio")
            )
        assert self._vpool is not None
        return self._vpool


_CALL_SOON = ClockedEventLoop.call_soon


def clock_of(loop: asyncio.AbstractEventLoop | None = None) -> ClockedEventLoop:
    """The clocked loop ``loop`` (default: the running loop); TypeError if it is not one.

    Library code that only holds the running loop reaches the clock this way:
    ``await clock_of().advance(1)``.  RuntimeError if ``loop`` is None and no
    loop is running.
    """
    if loop is None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError(
                "clock_of() without a loop must be called from a coroutine or callback running "
                "on a ClockedEventLoop; pass the loop explicitly otherwise"
            ) from None
    return ClockedEventLoop.check_clockable(loop)
