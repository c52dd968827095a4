"""The edges of virtual time: numbers beyond floats, steps too small to move the clock."""

from __future__ import annotations

import math

import hypothesis
from hypothesis import strategies

from asynctoolkit.clock import ClockedEventLoop
from tests._clocked import ClockedLoopTest, close_loop, run_bounded


class HugeNumbersTest(ClockedLoopTest):
    def test_advance_by_an_int_beyond_floats_is_a_clear_value_error(self) -> None:
        async def main() -> None:
            with self.assertRaisesRegex(ValueError, r"advance\(1000.*beyond what a float can"):
                await self.loop.advance(10**400)
            with self.assertRaisesRegex(ValueError, r"advance_to\(1000.*beyond what a float"):
                await self.loop.advance_to(10**400)

        self.run_loop(main())
        self.assertEqual(self.loop.time(), 0.0)

    def test_timers_beyond_floats_are_refused_with_asyncios_error_and_a_clear_text(self) -> None:
        with self.assertRaisesRegex(OverflowError, r"call_later\(1000.*beyond what a float"):
            self.loop.call_later(10**400, print)
        with self.assertRaisesRegex(OverflowError, r"call_at\(1000.*beyond what a float"):
            self.loop.call_at(10**400, print)
        self.assertEqual(self.loop.pending_timers(), [])

    def test_a_timer_at_a_large_int_time_keeps_the_loop_time_a_float(self) -> None:
        self.loop.autojump = True
        self.loop.call_at(10**13, print)
        self.run_loop(self.loop.advance_to(10**13))
        self.assertIs(type(self.loop.time()), float)
        self.assertEqual(self.loop.time(), 1e13)


class UnmovedClockTest(ClockedLoopTest):
    def test_an_advance_lost_in_float_spacing_is_refused_and_says_how_far_to_go(self) -> None:
        async def main() -> None:
            await self.loop.advance(1e300)
            with self.assertRaises(ValueError) as caught:
                await self.loop.advance(1)
            message = str(caught.exception)
            self.assertIn("advance(1) would not move the clock from t=1e+300", message)
            self.assertIn("floats are about", message)

        self.run_loop(main())
        self.assertEqual(self.loop.time(), 1e300)

    def test_an_advance_below_a_nanosecond_is_refused(self) -> None:
        async def main() -> None:
            with self.assertRaisesRegex(ValueError, "counts whole nanoseconds"):
                await self.loop.advance(1e-10)
            with self.assertRaisesRegex(ValueError, "counts whole nanoseconds"):
                await self.loop.advance_to(4e-10)
            await self.loop.advance(0)  # still runs what is ready, without moving
            await self.loop.advance(1e-9)

        self.run_loop(main())
        self.assertEqual(self.loop.time(), 1e-9)

    @hypothesis.settings(max_examples=200, deadline=None)
    @hypothesis.given(
        start=strategies.just(0.0) | strategies.floats(min_value=1e-9, max_value=1e306),
        span=strategies.floats(min_value=0, max_value=1e300),
    )
    def test_an_advance_either_moves_the_clock_or_says_why_not(
        self, start: float, span: float
    ) -> None:
        loop = ClockedEventLoop()
        try:
            outcome: list[object] = []

            async def main() -> None:
                await loop.advance(start)
                before = loop.time()
                try:
                    await loop.advance(span)
                except ValueError as error:
                    outcome.append(str(error))
                outcome.append(loop.time() - before)

            run_bounded(loop, main())
        finally:
            close_loop(loop)
        moved = outcome[-1]
        assert isinstance(moved, float)
        # The clock's grain where it stood: a nanosecond, or the spacing of floats.
        grain = max(math.ulp(loop.time()), 1e-9)
        if span == 0:
            self.assertEqual(outcome, [0.0])
        elif len(outcome) == 2:
            self.assertIn("would not move the clock", str(outcome[0]))
            self.assertEqual(moved, 0.0)
            self.assertLess(span, 2 * grain)
        else:
            self.assertGreater(moved, 0.0)
            self.assertLessEqual(abs(moved - span), 2 * grain)
