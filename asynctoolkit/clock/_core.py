"""The engine behind ``ClockedEventLoop``: virtual time and what the loop does when idle.

asyncio's selector loop calls ``selector.select(timeout)`` once per iteration,
with ``timeout == 0`` while callbacks are ready and a positive timeout (or
None) when every task is blocked.  ``ClockSelector`` wraps the real selector
and hands that second case to ``VirtualClock.idle``, which decides, from the
``advance()`` calls in progress, the autojump setting, the pending real work
and the watched file descriptors, whether to wait for real I/O, move virtual
time to the next due timer, or fail with a report.  Everything else (polling
I/O while callbacks are ready) goes straight to the real selector.

Prior art: trio's ``MockClock`` (autojump, ``wait_all_tasks_blocked``) and
asynctest's ``ClockedTestCase`` (advance through timers in due order).
"""

from __future__ import annotations

import asyncio
import bisect
import heapq
import math
import selectors
import signal
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from asynctoolkit._shared import asyncio_details, choices
from asynctoolkit.clock import _messages
from asynctoolkit.clock._grid import NS_PER_SECOND as NS_PER_SECOND
from asynctoolkit.clock._grid import grid_ns, to_grid
from asynctoolkit.clock._selector import ClockSelector, Events
from asynctoolkit.clock._work import RealWork

__all__: list[str] = []

# The real clock, captured before ``patch_time`` may replace ``time.monotonic``.
real_monotonic = time.monotonic

_Events = Events
# What ``busy`` returns when it does not poll, once per loop iteration: one
# empty list shared by every call (the loop only iterates over it).
_NO_EVENTS: _Events = []
_Advance = tuple[float, int, "asyncio.Future[None]"]
# The signal ``signal.alarm``/``setitimer(ITIMER_REAL)`` sends (None where there is none).
_SIGALRM: int | None = getattr(signal, "SIGALRM", None)
# The timers are never purged of cancelled ones below this count.
_MIN_PURGE = 64


class DeadlockError(AssertionError):
    """Every task is blocked and nothing can ever wake one up.

    Raised out of ``run_until_complete``/``run_forever`` (so out of the test)
    instead of letting the loop hang.  The message lists every pending task
    with its await chain.  Also raised when the only possible wake-ups are
    watched descriptors or real work and none arrives within ``real_timeout``
    seconds of real time.
    """

    __module__ = "asynctoolkit.clock"


class StalledClockError(AssertionError):
    """Every task waits for time to pass, and the clock cannot move by itself.

    In manual mode (``autojump`` off, no ``advance()`` running) the message
    lists the pending timers and blocked tasks and says how to move time.
    Also raised when the next timer is further away than ``real_timeout``
    and real work (an executor job, a child process) is still pending after
    ``real_timeout`` seconds of real time: the clock never skips past it.
    """

    __module__ = "asynctoolkit.clock"


class VirtualClock:
    """Virtual time of one loop: its timers, ``advance``/``run_until_idle`` waiters, idle policy.

    The timers live here, not on asyncio's heap: ``buckets`` maps each due
    instant to its timers in scheduling order (so equal due times fire FIFO
    with no tie-break to compare); the instants themselves, plain floats,
    are in ``in_order`` when each came later than the one before (timers
    set in due order, the usual case: taken out in O(1)) and in the
    ``heapq`` heap ``instants`` otherwise.  asyncio's own heap stays empty, so
    ``_run_once`` passes ``select`` a zero timeout while callbacks are ready
    and None when the loop is idle; the clock then runs the due timers itself.
    """

    def __init__(
        self, loop: asyncio.AbstractEventLoop, inner: selectors.BaseSelector, work: RealWork
    ) -> None:
        self.loop = loop
        self.work = work
        self.selector = ClockSelector(inner, self)
        self._inner = inner
        # ``now`` is what ``loop.time()`` returns: a whole number of
        # nanoseconds (``to_grid``) that never decreases.
        self.now = 0.0
        #: Due instant -> the timer (or list of timers, FIFO) due then.
        #: Cancelled timers stay until their instant comes or ``purge`` runs.
        self.buckets: dict[float, asyncio.TimerHandle | list[asyncio.TimerHandle]] = {}
        #: The keys of ``buckets``: those added in increasing order, ascending
        #: (``in_order[0]`` is their earliest), and the others, as a heap
        #: (``instants[0]``).  ``first_instant`` is the earlier of the two.  Every
        #: instant of the heap is before ``in_order[-1]`` (the heap is empty when
        #: ``in_order`` is): ``call_later`` relies on it to add a later instant.
        self.in_order: deque[float] = deque()
        self.instants: list[float] = []
        #: Timers cancelled since the last ``purge``, and the count that triggers the next.
        self.cancelled = 0
        self.purge_at = _MIN_PURGE
        #: Signal number -> the (callback, args) of its loop handler.  A signal
        #: is I/O the loop waits for (it arrives through the self-pipe): while
        #: a handler is set, jumps wait as for a watched descriptor.
        self.signals: dict[int, tuple[Callable[..., object], tuple[Any, ...]]] = {}
        # Settings, validated by ClockedEventLoop.
        self.autojump = False
        self.io_grace = 0.02
        self.real_timeout = 10.0
        self.spin_limit = 100_000
        # ``advance``/``advance_to`` calls in progress, sorted by (target, call
        # order): (target, order, future).
        self._advances: list[_Advance] = []
        self._advance_count = 0
        # ``run_until_idle`` calls in progress.
        self._idle_waiters: list[asyncio.Future[None]] = []
        # Loop iterations with ready callbacks since the clock last found the loop idle.
        self._spins = 0
        # ``loop.stop()`` calls and changes to what ``fire``'s run of instants
        # depends on (``note_change``), and their count when ``fire`` was
        # queued: it fires no further instant after one, ``step`` decides.
        self._changes = 0
        self._changes_seen = 0
        # The one handle that runs ``fire`` from the ready queue (created on first use).
        self._firer: asyncio.Handle | None = None
        #: The seeded choices of an explored run (``asynctoolkit.explore``), else None:
        #: how late each wake-up is, and the order of timers due together.
        self.choices = choices.claim(loop)
        #: The loop's ready queue (``attach`` sets it once asyncio has made it).
        self.ready: Sequence[asyncio.Handle] = ()

    def attach(self) -> None:
        """The loop is built: keep its ready queue at hand."""
        self.ready = asyncio_details.ready_handles(self.loop)

    # -- time -----------------------------------------------------------------
    def set_now(self, when: float) -> None:
        """Move the clock to ``when`` (never backwards)."""
        if when < self.now:  # pragma: no cover - guarded by every caller
            raise AssertionError(f"virtual time cannot go back from {self.now!r} to {when!r}")
        self.now = when

    def now_ns(self) -> int:
        """``now`` in nanoseconds."""
        return grid_ns(self.now)

    # -- timers ---------------------------------------------------------------
    def add(self, due: float, timer: asyncio.TimerHandle) -> None:
        """Schedule ``timer`` at ``due`` (on the grid, not NaN), after those already due then."""
        buckets = self.buckets
        bucket = buckets.get(due)
        if bucket is None:
            buckets[due] = timer
            in_order = self.in_order
            if not in_order or due > in_order[-1]:
                in_order.append(due)
            else:
                heapq.heappush(self.instants, due)
        elif bucket.__class__ is list:
            bucket.append(timer)
        else:
            buckets[due] = [bucket, timer]  # type: ignore[list-item]

    def pending_timers(self) -> list[asyncio.TimerHandle]:
        """The live timers, in the order they will fire."""
        timers: list[asyncio.TimerHandle] = []
        for due in sorted(self.buckets):
            bucket = self.buckets[due]
            timers.extend(t for t in _as_list(bucket) if not t.cancelled())
        return timers

    def drop_timers(self) -> None:
        """Forget every timer (the loop is closed)."""
        self.buckets.clear()
        self.instants.clear()
        self.in_order.clear()
        self.cancelled = 0
        self.purge_at = _MIN_PURGE

    def note_cancel(self) -> None:
        """A timer was cancelled; once they add up, drop them (amortised O(1) each)."""
        self.cancelled += 1
        if self.cancelled > self.purge_at:
            self.purge()

    def purge(self) -> None:
        """Drop every cancelled timer now."""
        kept: dict[float, asyncio.TimerHandle | list[asyncio.TimerHandle]] = {}
        count = 0
        for due, bucket in self.buckets.items():
            if bucket.__class__ is list:
                live = [t for t in bucket if not t._cancelled]
                if live:
                    kept[due] = live if len(live) > 1 else live[0]
                    count += len(live)
            elif not bucket._cancelled:  # type: ignore[union-attr]
                kept[due] = bucket
                count += 1
        # In place: ``fire`` may be running with these very containers in hand.
        self.buckets.clear()
        self.buckets.update(kept)
        self.instants.clear()
        self.in_order.clear()
        self.in_order.extend(sorted(kept))
        self.cancelled = 0
        self.purge_at = max(_MIN_PURGE, count)

    def first_instant(self) -> float:
        """The earliest instant with timers, cancelled or not (``inf`` if none)."""
        in_order, instants = self.in_order, self.instants
        if in_order:
            due = in_order[0]
            return instants[0] if instants and instants[0] < due else due
        return instants[0] if instants else math.inf

    def drop_first_instant(self, due: float) -> None:
        """Take ``due``, the earliest instant (``first_instant()``), out of the instants."""
        in_order = self.in_order
        if in_order and in_order[0] == due:
            in_order.popleft()
        else:
            heapq.heappop(self.instants)

    def next_due(self) -> float:
        """When the next live timer is due (``inf`` if none); drops dead instants on the way."""
        buckets = self.buckets
        while (due := self.first_instant()) != math.inf:
            bucket = buckets[due]
            if bucket.__class__ is list:
                if not all(t.cancelled() for t in bucket):
                    return due
            elif not bucket.cancelled():  # type: ignore[union-attr]
                return due
            self.drop_first_instant(due)
            del buckets[due]
        return math.inf

    def alarm_due(self) -> float:
        """Real seconds until SIGALRM reaches a loop handler (0: no such alarm is set).

        ``signal.alarm`` and ``signal.setitimer(ITIMER_REAL, ...)`` arm a real
        timer of the process: while the loop handles SIGALRM, that timer is
        real work whose end is known, and the clock waits for it as for an
        executor job.  (The other interval timers count CPU time, which a
        waiting loop does not spend: they are not waited for.)
        """
        if _SIGALRM is None or _SIGALRM not in self.signals:
            return 0.0
        remaining: float = signal.getitimer(signal.ITIMER_REAL)[0]
        return remaining

    def note_change(self) -> None:
        """``loop.stop()`` was called, or a setting, waiter or signal handler changed.

        ``fire`` then runs no further instant in this iteration: ``step``
        decides afresh what comes next.
        """
        self._changes += 1

    # -- waiters ----------------------------------------------------------------
    def wait_until(self, when: float) -> asyncio.Future[None]:
        """A future resolved once the clock rests at ``when``, all due work done."""
        future = self.loop.create_future()
        self._advance_count += 1
        bisect.insort(self._advances, (when, self._advance_count, future), key=_advance_order)
        self._changes += 1
        return future

    def wait_idle(self) -> asyncio.Future[None]:
        """A future resolved the next time the loop is idle."""
        future = self.loop.create_future()
        self._idle_waiters.append(future)
        self._changes += 1
        return future

    # -- the selector's two cases -------------------------------------------------
    def busy(self) -> _Events:
        """Callbacks are ready: poll I/O, queue due timers, count iterations while someone waits.

        With no descriptor watched but the loop's wake-up socket and no signal
        handler, polling could only report that socket, which is read anyway
        the next time the loop waits: the system call is skipped.  A callback
        queued by another thread is in the ready queue already.
        """
        if self._advances or self._idle_waiters:
            self._spins += 1
            if self._spins > self.spin_limit:
                self._fail_waiters()
        in_order, instants, now = self.in_order, self.instants, self.now
        # ``call_later(0)``: due at once.
        if (in_order and in_order[0] <= now) or (instants and instants[0] <= now):
            self._queue_due()
        if self.selector.polled or self.signals:
            return self._inner.select(0)
        return _NO_EVENTS

    def idle(self) -> _Events:
        """No callback is ready: every task is blocked.  Decide what happens next.

        What the selector's blocking wait does: ``step`` decides, and the
        timers of the instant it moved to run from a ready handle.
        """
        events = self.step()
        if events is None:
            firer = self._firer
            if firer is None:
                firer = self._firer = asyncio.Handle(self.fire, (), self.loop)
            asyncio_details.add_ready_handle(self.loop, firer)
            return []
        return events

    def step(self) -> _Events | None:
        """``idle``'s decision: the events to handle, or None to run ``fire`` now.

        None means that the clock moved to the next due instant and that its
        timers (and those of the instants after, as long as they leave
        nothing ready behind) are to run in this loop iteration, as its only
        ready callback: ``ClockedEventLoop._run_once`` calls ``fire`` itself.
        """
        loop = self.loop
        if self.ready:  # another thread queued a callback
            return self._inner.select(0)
        due = self.first_instant()
        if due != math.inf:
            bucket = self.buckets[due]
            # The common case inline: one live timer is due first.
            if bucket.__class__ is list or bucket._cancelled:  # type: ignore[union-attr]
                due = self.next_due()
        user_io = bool(self.selector.user_fds or self.signals)
        if due <= self.now:
            # Timers due now (``call_later(0)``, or set by callbacks of this
            # instant): the loop is not idle yet.
            self._another_iteration()
            return self._inner.select(0) if user_io else []
        self._spins = 0
        if user_io:
            events = self._inner.select(0)
            if events:
                return events
        if self._idle_waiters:
            for future in self._idle_waiters:
                if not future.done():
                    future.set_result(None)
            self._idle_waiters.clear()
            return []
        advances = self._advances
        while advances and advances[0][2].done():  # cancelled advance() calls
            del advances[0]
        # Where time goes next: the next timer, or the first advance() target if
        # nothing is due before it (then the clock rests there).
        if advances and not due <= advances[0][0]:
            target, resting = advances[0][0], True
        elif (advances or self.autojump) and math.isfinite(due):
            target, resting = due, False
        else:
            return self._blocked(due, user_io)
        explored = self.choices is not None and not resting
        if explored:
            target = self._late_wake(target)
        jobs, processes, holds = self.work.records
        if user_io or ((jobs or processes or holds) and self.work.pending()):
            news = self._wait_before_jump(target, user_io)
            if news is not None:
                return news
        self.set_now(target)
        if resting:  # nothing is due up to the target any more: wake the advancers
            while advances and advances[0][0] <= target:
                future = advances.pop(0)[2]
                if not future.done():
                    future.set_result(None)
        elif explored or loop.get_debug():
            # One handle per timer: debug mode times each; an explored run
            # fires all timers due by its late wake-up in one iteration, as asyncio does.
            self._queue_due()
        else:
            self._changes_seen = self._changes
            return None
        return []

    # -- private --------------------------------------------------------------------
    def _another_iteration(self) -> None:
        """One more iteration at this instant: count it while someone waits; queue due timers."""
        if self._advances or self._idle_waiters:
            self._spins += 1
            if self._spins > self.spin_limit:
                self._fail_waiters()
        in_order, instants, now = self.in_order, self.instants, self.now
        # ``call_later(0)``: due at once.
        if (in_order and in_order[0] <= now) or (instants and instants[0] <= now):
            self._queue_due()

    def _queue_due(self) -> None:
        """Move every timer due now to the ready queue, in (due, scheduling) order.

        In an explored run, timers due at the same instant go in the order the
        run's seed picks (asyncio promises no order among them).
        """
        buckets, now, loop = self.buckets, self.now, self.loop
        explored = self.choices
        while (due := self.first_instant()) <= now:
            self.drop_first_instant(due)
            timers = _as_list(buckets.pop(due))
            if explored is not None and len(timers) > 1:
                live = [t for t in timers if not t.cancelled()]
                timers = explored.tie_order(live, _describe_timer) if len(live) > 1 else live
            for timer in timers:
                if not timer.cancelled():
                    asyncio_details.add_ready_handle(loop, timer)

    def _late_wake(self, due: float) -> float:
        """When an explored run's clock wakes for a timer due at ``due``: a little late.

        asyncio never fires a timer early and never promises it on time: the
        seed picks a lateness in ``[0, jitter]``; an ``advance()`` in progress
        still rests at its target, so the wake-up never goes past it.
        """
        assert self.choices is not None
        late = self.choices.lateness(due)
        if late <= 0:
            return due
        wake = to_grid(due + late)
        if self._advances and wake > self._advances[0][0]:
            wake = self._advances[0][0]
        return max(wake, due)

    def fire(self) -> None:
        """Run the timers due now, then those of each next instant the loop would jump to.

        The idle loop would go through one iteration per instant: ``select``
        returns, the clock moves on, the timers of that instant run.  As long
        as they leave nothing ready behind (no callback, no woken task) and
        the clock would jump straight on (only timers left, time allowed to
        move, no I/O or real work to wait for, no stop requested), the next
        instant's timers run here, one after the other, each at its own due
        time and in its own context, as the loop would run them.  Timers that
        these callbacks set for their own instant wait for the next iteration,
        as on any loop: taking the bucket out first leaves them a new one.
        """
        in_order, instants, buckets, ready = self.in_order, self.instants, self.buckets, self.ready
        run = asyncio_details.run_handle
        due = self.now
        if self.first_instant() != due:  # pragma: no cover - idle() checked
            return
        self.drop_first_instant(due)
        bucket = buckets.pop(due)
        if bucket.__class__ is list:
            for timer in bucket:
                if not timer._cancelled:
                    run(timer)
        elif not bucket._cancelled:  # type: ignore[union-attr]
            run(bucket)  # type: ignore[arg-type]
        if ready:  # the common case: the timers woke something up
            return
        # Nothing ready: go on from instant to instant while the loop would jump.
        # What only ``note_change`` changes is read once: the advance in
        # progress that ends the run (or autojump), the idle waiters, the signals.
        if self._changes != self._changes_seen or self._idle_waiters or self.signals:
            return
        advances = self._advances
        if advances:
            limit, advancer = advances[0][0], advances[0][2]
        elif self.autojump:
            limit, advancer = math.inf, None
        else:
            return
        changes, user_fds = self._changes, self.selector.user_fds
        jobs, processes, holds = self.work.records
        pop, pop_in_order = heapq.heappop, in_order.popleft
        while True:
            # ``first_instant()``, inline: this loop runs once per instant.
            if in_order:
                due = in_order[0]
                if instants and instants[0] < due:
                    due = instants[0]
            elif instants:
                due = instants[0]
            else:
                return
            if not due > self.now:  # set by these callbacks for this instant
                return
            bucket = buckets[due]
            if bucket.__class__ is list or bucket._cancelled:  # type: ignore[union-attr]
                due = self.next_due()  # the slow way past cancelled timers
                if due == math.inf:
                    return
                bucket = buckets[due]
            if due > limit or user_fds or jobs or processes or holds:
                return
            if advancer is not None and advancer.done():
                return
            self.now = due
            if in_order and in_order[0] == due:  # ``drop_first_instant(due)``, inline
                pop_in_order()
            else:
                pop(instants)
            del buckets[due]
            if bucket.__class__ is list:
                for timer in bucket:
                    if not timer._cancelled:
                        run(timer)
            elif not bucket._cancelled:  # type: ignore[union-attr]
                run(bucket)  # type: ignore[arg-type]
            if ready or self._changes != changes:
                return

    def _fail_waiters(self) -> None:
        message = _messages.spin(self)
        for future in [*(a[2] for a in self._advances), *self._idle_waiters]:
            if not future.done():
                future.set_exception(RuntimeError(message))
        self._advances.clear()
        self._idle_waiters.clear()
        self._spins = 0
        self._changes += 1

    def _real_wait(self, seconds: float) -> _Events | None:
        """Wait up to ``seconds`` of real time for I/O or another thread.

        Returns the events (maybe empty, if a callback was queued) as soon as
        something happens, or None if the whole interval passed quietly.
        """
        deadline = real_monotonic() + seconds
        remaining = seconds
        while True:
            events = self._inner.select(max(remaining, 0))
            if events or asyncio_details.ready_handles(self.loop):
                return events
            remaining = deadline - real_monotonic()
            if remaining <= 0:
                return None

    def _wait_before_jump(self, target: float, user_io: bool) -> _Events | None:
        """Let real work catch up before time moves to ``target``.

        Pending executor jobs and child processes: wait real time up to the
        virtual delay, so time runs no faster than real time; if the delay is
        longer than ``real_timeout``, fail after ``real_timeout``.  Watched
        descriptors only: wait up to ``io_grace`` of real time for them.
        """
        delay = target - self.now
        if delay <= 0:
            return None
        if self.work.pending() or self.alarm_due():
            events = self._real_wait(min(delay, self.real_timeout))
            if events is None and delay > self.real_timeout:
                raise StalledClockError(_messages.work_stall(self, target))
            return events
        if user_io and self.io_grace > 0:
            return self._real_wait(min(delay, self.io_grace))
        return None

    def _blocked(self, due: float, user_io: bool) -> _Events:
        """Nothing may move the clock: wait a bounded real time, then fail."""
        work = self.work.pending() or bool(self.alarm_due())
        waited = self.real_timeout if (work or user_io) else self.io_grace
        events = self._real_wait(waited)
        if events is not None:
            return events
        if math.isfinite(due):
            raise StalledClockError(_messages.stall(self, waited, work=work, user_io=user_io))
        raise DeadlockError(_messages.deadlock(self, waited, work=work, user_io=user_io))


def _advance_order(advance: _Advance) -> tuple[float, int]:
    return advance[0], advance[1]


def _describe_timer(timer: asyncio.TimerHandle) -> str:
    """A short name of what ``timer`` runs, for an explored run's trace."""
    callback, _ = asyncio_details.handle_callback(timer)
    name = str(getattr(callback, "__qualname__", None) or type(callback).__qualname__)
    if name.endswith("_set_result_unless_cancelled"):
        return "sleep"  # asyncio.sleep's timer
    owner = getattr(callback, "__self__", None)
    if isinstance(owner, asyncio.Task):
        return f"{name} of task {owner.get_name()!r}"
    return name


def _as_list(bucket: asyncio.TimerHandle | list[asyncio.TimerHandle]) -> list[asyncio.TimerHandle]:
    return bucket if isinstance(bucket, list) else [bucket]
