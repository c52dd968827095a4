"""Property: any schedule of timers fires in (due time, scheduling order), each on time.

A schedule is a list of timers.  Each is scheduled either at the start or by
the callback of an earlier timer (its parent), with ``call_later`` or
``call_at``; some are cancelled by the callback of another timer.  Delays
come from a small set (many exact ties, zero delays) or are arbitrary.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import random
import unittest
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asynctoolkit.clock import ClockedEventLoop
from tests._clocked import close_loop, run_bounded


@dataclass(frozen=True)
class Spec:
    parent: int | None  # None: scheduled at the start
    delay: float
    absolute: bool  # call_at(loop.time() + delay) instead of call_later(delay)
    cancelled_by: int | None  # the timer whose callback cancels this one


_delays = st.one_of(
    st.sampled_from([0, 0, 0.5, 1, 1, 2, 2.5]),
    st.floats(min_value=0, max_value=5, allow_nan=False, allow_infinity=False),
)


@st.composite
def schedules(draw: st.DrawFn) -> list[Spec]:
    count = draw(st.integers(min_value=1, max_value=25))
    specs = []
    for index in range(count):
        parent = draw(st.none() | st.integers(0, index - 1)) if index else None
        specs.append(
            Spec(
                parent=parent,
                delay=draw(_delays),
                absolute=draw(st.booleans()),
                cancelled_by=draw(st.none() | st.none() | st.integers(0, count - 1)),
            )
        )
    return specs


class Run:
    """Runs one schedule on a loop and records what happened."""

    def __init__(self, loop: ClockedEventLoop, specs: list[Spec]) -> None:
        self.loop = loop
        self.specs = specs
        self.order = itertools.count()
        self.scheduled: dict[int, tuple[int, asyncio.TimerHandle]] = {}
        self.fired: list[tuple[int, float]] = []
        self.cancelled: set[int] = set()

    def start(self) -> None:
        for index, spec in enumerate(self.specs):
            if spec.parent is None:
                self.schedule(index)

    def schedule(self, index: int) -> None:
        spec = self.specs[index]
        if spec.absolute:
            handle = self.loop.call_at(self.loop.time() + spec.delay, self.fire, index)
        else:
            handle = self.loop.call_later(spec.delay, self.fire, index)
        self.scheduled[index] = (next(self.order), handle)

    def fire(self, index: int) -> None:
        self.fired.append((index, self.loop.time()))
        done = {i for i, _ in self.fired}
        for other, spec in enumerate(self.specs):
            if spec.cancelled_by == index and other in self.scheduled and other not in done:
                self.scheduled[other][1].cancel()
                self.cancelled.add(other)
            if spec.parent == index:
                self.schedule(other)

    def check(self, test: unittest.TestCase, horizon: float) -> None:
        fired = [index for index, _ in self.fired]
        test.assertEqual(len(fired), len(set(fired)), "a timer fired twice")
        for index, at in self.fired:
            test.assertEqual(at, self.scheduled[index][1].when(), f"timer {index} ran late/early")
        keys = [(self.scheduled[i][1].when(), self.scheduled[i][0]) for i in fired]
        test.assertEqual(keys, sorted(keys), "timers fired out of (due time, FIFO) order")
        # Due times and advance targets are whole nanoseconds: time rests at
        # the horizon to the nanosecond; everything due by then has run.
        rest = self.loop.time()
        test.assertLessEqual(abs(rest - horizon), 0.5e-9 + math.ulp(horizon))
        expected = {
            index
            for index, (_, handle) in self.scheduled.items()
            if index not in self.cancelled and handle.when() <= rest
        }
        test.assertEqual(set(fired), expected)


_settings = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class TimerOrderTest(unittest.TestCase):
    @_settings
    @given(specs=schedules(), horizon=st.sampled_from([0, 1, 2.5, 4, 7, 1000]))
    def test_under_advance(self, specs: list[Spec], horizon: float) -> None:
        self.check_advance(ClockedEventLoop(), specs, horizon)

    @_settings
    @given(
        specs=schedules(),
        # 0, or at least the clock's grain: a smaller advance is refused.
        horizon=st.just(0.0) | st.floats(min_value=1e-9, max_value=8),
    )
    def test_under_advance_to_an_arbitrary_time(self, specs: list[Spec], horizon: float) -> None:
        loop = ClockedEventLoop()
        try:
            run = Run(loop, specs)

            async def main() -> None:
                run.start()
                await loop.advance_to(horizon)

            run_bounded(loop, main())
            run.check(self, horizon)
        finally:
            close_loop(loop)

    @_settings
    @given(specs=schedules(), horizon=st.sampled_from([0, 2.5, 1000]))
    def test_under_advance_in_debug_mode(self, specs: list[Spec], horizon: float) -> None:
        # Debug mode queues each timer as its own ready handle, so that asyncio
        # can time each callback: a separate path from the one that runs the
        # timers of consecutive instants in one iteration.
        loop = ClockedEventLoop()
        loop.set_debug(True)
        loop.slow_callback_duration = 10.0
        self.check_advance(loop, specs, horizon)

    def check_advance(self, loop: ClockedEventLoop, specs: list[Spec], horizon: float) -> None:
        """Run ``specs`` on ``loop`` through one ``advance(horizon)``; check every firing."""
        try:
            run = Run(loop, specs)

            async def main() -> None:
                run.start()
                await loop.advance(horizon)

            run_bounded(loop, main())
            run.check(self, horizon)
        finally:
            close_loop(loop)

    @_settings
    @given(specs=schedules())
    def test_under_autojump(self, specs: list[Spec]) -> None:
        loop = ClockedEventLoop(autojump=True)
        try:
            run = Run(loop, specs)

            async def main() -> None:
                run.start()
                await asyncio.sleep(1000)

            run_bounded(loop, main())
            run.check(self, 1000)
            self.assertEqual(loop.time(), 1000.0)
        finally:
            close_loop(loop)

    def test_many_timers_due_at_one_instant_fire_in_scheduling_order(self) -> None:
        loop = ClockedEventLoop()
        self.addCleanup(close_loop, loop)
        fired: list[int] = []

        async def main() -> None:
            for index in range(300):
                if index % 3 == 0:
                    loop.call_at(1.0, fired.append, index)
                elif index % 3 == 1:
                    loop.call_later(1, fired.append, index)
                else:
                    loop.call_later(0.5, loop.call_later, 0.5, fired.append, index)
            await loop.advance(1)

        run_bounded(loop, main())
        direct = [i for i in range(300) if i % 3 != 2]
        chained = [i for i in range(300) if i % 3 == 2]
        self.assertEqual(fired, direct + chained)

    def test_mass_cancellations_leave_the_other_timers_in_order(self) -> None:
        # Enough cancellations to make the clock drop cancelled timers in bulk,
        # some from a timer's callback (while the clock runs timers), some of
        # timers already due, and cancels of timers that have fired.
        for autojump in (False, True):
            with self.subTest(autojump=autojump):
                self.check_mass_cancellations(autojump)

    def check_mass_cancellations(self, autojump: bool) -> None:
        rng = random.Random(17)
        loop = ClockedEventLoop(autojump=autojump)
        self.addCleanup(close_loop, loop)
        fired: list[tuple[float, int]] = []
        delays = [rng.choice([0.25, 0.5, 0.5, 1, 2, 3, rng.uniform(0, 4)]) for _ in range(600)]

        def note(index: int) -> None:
            fired.append((loop.time(), index))

        async def main() -> None:
            handles = [loop.call_later(d, note, i) for i, d in enumerate(delays)]

            def cancel_some() -> None:
                for handle in handles[1::3]:
                    handle.cancel()

            loop.call_later(0.75, cancel_some)
            for handle in handles[2::5]:
                handle.cancel()
            if autojump:
                await asyncio.sleep(5)
            else:
                await loop.advance(5)
            for handle in handles:  # all fired or cancelled: a no-op
                handle.cancel()

        run_bounded(loop, main())
        cancelled = {i for i in range(1, 600, 3) if delays[i] > 0.75} | set(range(2, 600, 5))
        expected = sorted(
            ((loop_time(d), i) for i, d in enumerate(delays) if i not in cancelled),
            key=lambda pair: pair[0],
        )
        self.assertEqual(fired, expected)
        self.assertEqual(loop.pending_timers(), [])


def loop_time(delay: float) -> float:
    """The instant ``call_later(delay)`` names at t=0: the delay to the nanosecond."""
    return round(delay * 1e9) / 1e9


if __name__ == "__main__":
    unittest.main()
