"""The three clocks an RPC double can run on.

* ``LoopTime`` reads the running event loop's clock and schedules with
  ``loop.call_at``; a virtual-clock loop (``ClockedEventLoop``) therefore drives
  every deadline, and so does ``advance()`` in a clocked test case.
* ``StrictFakeTime`` keeps its own reading, which moves only when someone
  awaits ``sleep_for``/``sleep_until`` on it.
* ``StrictRealTime`` reads ``time.time()`` and wakes up through the loop.

"Strict" (both of the latter): a behaviour registered for a time t not yet
reached runs while ``time()`` reads exactly t, and ``time()`` never reads
later than t before it has run.  Both keep their behaviours in one heap,
shared through ``_Schedule``.

All three follow grpc_testing's ``_time.py`` where its users can tell: a
behaviour registered for a time already reached runs at once, inside
``call_at``; ``cancel()`` of a cancelled behaviour returns True again; a sleep
of zero or a negative duration returns at once.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
import time as _time_module
from collections.abc import Callable
from typing import Any

from asynctoolkit.rpc._contract import Scheduled, Time

__all__: list[str] = []


def _check_instant(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise TypeError(f"{name} must be a number of seconds, got {value!r}")
    return float(value)


def _running_loop(what: str) -> asyncio.AbstractEventLoop:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        raise RuntimeError(
            f"{what} needs a running event loop: call it from a coroutine or a "
            "callback of the loop that runs the test"
        ) from None


class _Entry(Scheduled):
    """One behaviour in a strict schedule."""

    __slots__ = ("_behavior", "_cancelled", "_ran", "_when")

    def __init__(self, when: float, behavior: Callable[[], Any]) -> None:
        self._when = when
        self._behavior: Callable[[], Any] | None = behavior
        self._cancelled = False
        self._ran = False

    def when(self) -> float:
        return self._when

    def cancel(self) -> bool:
        if self._cancelled:
            return True
        if self._ran:
            return False
        self._cancelled = True
        self._behavior = None
        return True

    def cancelled(self) -> bool:
        return self._cancelled

    def run(self) -> None:
        behavior, self._behavior = self._behavior, None
        self._ran = True
        if behavior is not None:
            behavior()


def _run_at_once(when: float, behavior: Callable[[], Any]) -> _Entry:
    """Run ``behavior`` now (its time is already reached); the handle says it ran."""
    entry = _Entry(when, behavior)
    entry.run()
    return entry


class _Schedule:
    """A heap of behaviours ordered by due time, then by registration order."""

    def __init__(self) -> None:
        # (when, sequence number, entry); cancelled entries stay until popped.
        self._heap: list[tuple[float, int, _Entry]] = []
        self._counter = itertools.count()

    def add(self, when: float, behavior: Callable[[], Any]) -> _Entry:
        entry = _Entry(when, behavior)
        heapq.heappush(self._heap, (when, next(self._counter), entry))
        return entry

    def next_due(self) -> float | None:
        """When the earliest live behaviour is due, dropping cancelled ones."""
        heap = self._heap
        while heap and heap[0][2].cancelled():
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    def pop_due(self, limit: float) -> _Entry | None:
        """Remove and return the earliest live behaviour due at or before ``limit``."""
        due = self.next_due()
        if due is None or due > limit:
            return None
        return heapq.heappop(self._heap)[2]


class LoopTime(Time):
    """The running loop's clock: ``time=None`` in every factory means this."""

    def time(self) -> float:
        return _running_loop("LoopTime.time()").time()

    def call_in(self, behavior: Callable[[], Any], delay: float) -> Scheduled:
        delay = _check_instant("delay", delay)
        return self.call_at(behavior, self.time() + delay)

    def call_at(self, behavior: Callable[[], Any], when: float) -> Scheduled:
        when = _check_instant("when", when)
        loop = _running_loop("LoopTime.call_at()")
        if when <= loop.time():
            return _run_at_once(when, behavior)
        return _LoopHandle(loop, when, behavior)

    async def sleep_for(self, duration: float) -> None:
        duration = _check_instant("duration", duration)
        if duration > 0:
            await asyncio.sleep(duration)

    async def sleep_until(self, when: float) -> None:
        when = _check_instant("when", when)
        loop = _running_loop("LoopTime.sleep_until()")
        if when > loop.time():
            await asyncio.sleep(when - loop.time())

    def __repr__(self) -> str:
        return "<LoopTime: the running event loop's clock>"


class _LoopHandle(Scheduled):
    """A behaviour scheduled on the loop; remembers whether it ran."""

    __slots__ = ("_behavior", "_handle", "_ran", "_when")

    def __init__(
        self, loop: asyncio.AbstractEventLoop, when: float, behavior: Callable[[], Any]
    ) -> None:
        self._when = when
        self._behavior = behavior
        self._ran = False
        self._handle = loop.call_at(when, self._run)

    def _run(self) -> None:
        self._ran = True
        self._behavior()

    def when(self) -> float:
        return self._when

    def cancel(self) -> bool:
        if self._handle.cancelled():
            return True
        if self._ran:
            return False
        self._handle.cancel()
        return True

    def cancelled(self) -> bool:
        return self._handle.cancelled()


class StrictFakeTime(Time):
    """A reading that only ``sleep_for``/``sleep_until`` move forward."""

    def __init__(self, now: float) -> None:
        # The current test time; it never decreases.
        self._now = _check_instant("now", now)
        self._schedule = _Schedule()

    def time(self) -> float:
        return self._now

    def call_in(self, behavior: Callable[[], Any], delay: float) -> Scheduled:
        return self.call_at(behavior, self._now + _check_instant("delay", delay))

    def call_at(self, behavior: Callable[[], Any], when: float) -> Scheduled:
        when = _check_instant("when", when)
        if when <= self._now:
            return _run_at_once(when, behavior)
        return self._schedule.add(when, behavior)

    async def sleep_for(self, duration: float) -> None:
        duration = _check_instant("duration", duration)
        if duration > 0:
            await self.sleep_until(self._now + duration)

    async def sleep_until(self, when: float) -> None:
        when = _check_instant("when", when)
        if when <= self._now:
            return
        while True:
            entry = self._schedule.pop_due(when)
            if entry is None:
                break
            self._now = max(self._now, entry.when())
            entry.run()
            # Let what the behaviour started (a cancelled handler, a woken
            # reader) run while the time still reads the behaviour's time.
            await asyncio.sleep(0)
        self._now = max(self._now, when)
        await asyncio.sleep(0)

    def __repr__(self) -> str:
        return f"<StrictFakeTime now={self._now}>"


class StrictRealTime(Time):
    """``time.time()``, held back while a due behaviour has not run yet."""

    def __init__(self) -> None:
        self._schedule = _Schedule()
        # While a behaviour runs, the time it was due at (time() reads it).
        self._running_due: float | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._timer_due: float | None = None

    def time(self) -> float:
        if self._running_due is not None:
            return self._running_due
        now = _time_module.time()
        due = self._schedule.next_due()
        return now if due is None else min(now, due)

    def call_in(self, behavior: Callable[[], Any], delay: float) -> Scheduled:
        return self.call_at(behavior, self.time() + _check_instant("delay", delay))

    def call_at(self, behavior: Callable[[], Any], when: float) -> Scheduled:
        when = _check_instant("when", when)
        loop = _running_loop("StrictRealTime.call_at()")
        if when <= self.time():  # reached; and no behaviour due earlier is left to run
            return _run_at_once(when, behavior)
        entry = self._schedule.add(when, behavior)
        self._arm(loop)
        return entry

    async def sleep_for(self, duration: float) -> None:
        duration = _check_instant("duration", duration)
        if duration > 0:
            await self.sleep_until(self.time() + duration)

    async def sleep_until(self, when: float) -> None:
        when = _check_instant("when", when)
        if when <= self.time():
            return
        while True:
            remaining = when - _time_module.time()
            if remaining <= 0:
                break
            await asyncio.sleep(remaining)
        self._run_due()
        await asyncio.sleep(0)

    def _arm(self, loop: asyncio.AbstractEventLoop) -> None:
        due = self._schedule.next_due()
        if due is None or (self._timer_due is not None and self._timer_due <= due):
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer_due = due
        self._timer = loop.call_later(max(0.0, due - _time_module.time()), self._fire, loop)

    def _fire(self, loop: asyncio.AbstractEventLoop) -> None:
        self._timer = self._timer_due = None
        try:
            self._run_due()
        finally:
            self._arm(loop)

    def _run_due(self) -> None:
        while True:
            entry = self._schedule.pop_due(_time_module.time())
            if entry is None:
                return
            self._running_due = entry.when()
            try:
                entry.run()
            finally:
                self._running_due = None

    def __repr__(self) -> str:
        return "<StrictRealTime: time.time(), strict>"
