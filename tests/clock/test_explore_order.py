"""Explored runs bend only what asyncio leaves open: timers wake late, never early, in due order."""

from __future__ import annotations

import asyncio
import unittest

from hypothesis import given, settings
from hypothesis import strategies as st

from asynctoolkit import ClockedTestCase, explore
from tests._inner import failure_text, passed, run_test

_DELAYS = st.lists(st.sampled_from([0.0, 0.001, 0.5, 1.0, 1.0005, 2.0]), min_size=1, max_size=12)


def _schedule_and_record(delays: list[float], seed: int | None, runs: int = 1) -> list[list[tuple]]:
    """Run one explored test that schedules ``delays``; what fired, per run, in order."""
    fired_per_run: list[list[tuple]] = []

    class Inner(ClockedTestCase):
        __test__ = False
        autojump = True

        @explore(runs=runs, seed=seed)
        async def test_it(self) -> None:
            loop = asyncio.get_running_loop()
            fired: list[tuple] = []
            fired_per_run.append(fired)
            for index, delay in enumerate(delays):
                loop.call_later(delay, lambda i=index, d=delay: fired.append((i, d, loop.time())))
            await asyncio.sleep(3)

    result = run_test(Inner, "test_it")
    assert passed(result), failure_text(result)
    return fired_per_run


class ExploredTimersTest(unittest.TestCase):
    @settings(max_examples=40, deadline=None)
    @given(delays=_DELAYS, seed=st.integers(0, 10_000))
    def test_never_early_always_in_due_order_within_jitter(
        self, delays: list[float], seed: int
    ) -> None:
        (fired,) = _schedule_and_record(delays, seed)
        self.assertEqual(sorted(i for i, _, _ in fired), list(range(len(delays))))
        dues = [due for _, due, _ in fired]
        self.assertEqual(dues, sorted(dues))  # a later-due timer never fires first
        for _, due, when in fired:
            self.assertGreaterEqual(when, due)  # never early
            self.assertLessEqual(when, due + 0.01 + 1e-9)  # late by at most the jitter

    @settings(max_examples=20, deadline=None)
    @given(delays=_DELAYS, seed=st.integers(0, 10_000))
    def test_the_same_seed_fires_the_same_way(self, delays: list[float], seed: int) -> None:
        first = _schedule_and_record(delays, seed)
        self.assertEqual(first, _schedule_and_record(delays, seed))

    def test_seeds_differ_in_their_choices(self) -> None:
        runs = _schedule_and_record([1.0] * 5 + [2.0], None, runs=20)
        orders = {tuple(i for i, _, _ in fired) for fired in runs}
        times = {tuple(when for _, _, when in fired) for fired in runs}
        self.assertGreater(len(orders), 5)  # ties in many orders
        self.assertGreater(len(times), 5)  # and many lateness values

    def test_outside_explore_ties_stay_first_in_first_out_and_on_time(self) -> None:
        class Plain(ClockedTestCase):
            __test__ = False
            autojump = True

            async def test_it(self) -> None:
                loop = asyncio.get_running_loop()
                fired: list[tuple[int, float]] = []
                for index in range(6):
                    loop.call_later(1, lambda i=index: fired.append((i, loop.time())))
                await asyncio.sleep(2)
                self.assertEqual(fired, [(i, 1.0) for i in range(6)])

        self.assertTrue(passed(run_test(Plain, "test_it")))

    def test_an_advance_still_rests_at_its_target(self) -> None:
        class Manual(ClockedTestCase):
            __test__ = False

            @explore(runs=30, jitter=0.5)
            async def test_it(self) -> None:
                loop = asyncio.get_running_loop()
                fired: list[float] = []
                loop.call_later(0.9, lambda: fired.append(loop.time()))
                await self.advance(1)
                self.assertEqual(loop.time(), 1.0)
                self.assertEqual(len(fired), 1)
                self.assertTrue(0.9 <= fired[0] <= 1.0)

        result = run_test(Manual, "test_it")
        self.assertTrue(passed(result), failure_text(result))
