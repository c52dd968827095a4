"""rpc.Time: grpc_testing's time scenarios on fake, real and loop time."""

from __future__ import annotations

import asyncio
import random
import time
import unittest
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from asynctoolkit import rpc
from asynctoolkit.case import TestCase
from asynctoolkit.rpc._time import LoopTime

_QUANTUM = 0.0625  # exact in binary, so fake-time differences are exact


class _TimeScenarios:
    """Run against every kind of Time by the subclasses below (a unittest mixin)."""

    time: rpc.Time
    assertEqual: Any
    assertFalse: Any
    assertTrue: Any
    assertGreaterEqual: Any
    assertRaises: Any

    def make_time(self) -> rpc.Time:
        raise NotImplementedError

    async def asyncSetUp(self) -> None:
        self.time = self.make_time()

    async def test_sleep_for(self) -> None:
        start = self.time.time()
        await self.time.sleep_for(_QUANTUM)
        self.assertGreaterEqual(self.time.time() - start, _QUANTUM)

    async def test_sleep_until(self) -> None:
        start = self.time.time()
        await self.time.sleep_until(start + _QUANTUM)
        self.assertGreaterEqual(self.time.time() - start, _QUANTUM)

    async def test_call_in(self) -> None:
        seen: list[float] = []
        handle = self.time.call_in(lambda: seen.append(self.time.time()), _QUANTUM)
        self.assertFalse(handle.cancelled())
        await self.time.sleep_for(_QUANTUM * 3)
        self.assertEqual(len(seen), 1)
        self.assertFalse(handle.cancel())  # it ran already

    async def test_call_at(self) -> None:
        seen: list[float] = []
        when = self.time.time() + _QUANTUM
        handle = self.time.call_at(lambda: seen.append(self.time.time()), when)
        self.assertEqual(handle.when(), when)
        await self.time.sleep_for(_QUANTUM * 3)
        self.assertEqual(len(seen), 1)

    async def test_cancel(self) -> None:
        seen: list[int] = []
        handle = self.time.call_in(lambda: seen.append(1), _QUANTUM)
        self.assertTrue(handle.cancel())
        self.assertTrue(handle.cancelled())
        self.assertFalse(handle.cancel())
        await self.time.sleep_for(_QUANTUM * 3)
        self.assertEqual(seen, [])

    async def test_many(self) -> None:
        rng = random.Random(7)
        ran: list[int] = []
        expected = set()
        for n in range(30):
            handle = self.time.call_in(lambda n=n: ran.append(n), rng.uniform(0, _QUANTUM))
            if rng.random() < 0.3:
                handle.cancel()
            else:
                expected.add(n)
        await self.time.sleep_for(_QUANTUM * 4)
        self.assertEqual(set(ran), expected)

    async def test_bad_arguments(self) -> None:
        with self.assertRaises(TypeError):
            self.time.call_in(lambda: None, "soon")  # type: ignore[arg-type]
        with self.assertRaises(TypeError):
            await self.time.sleep_for(None)  # type: ignore[arg-type]


class FakeTimeTest(_TimeScenarios, TestCase):
    def make_time(self) -> rpc.Time:
        return rpc.strict_fake_time(100.0)

    async def test_only_sleeping_moves_fake_time(self) -> None:
        await asyncio.sleep(0.01)
        self.assertEqual(self.time.time(), 100.0)
        await self.time.sleep_for(5)
        self.assertEqual(self.time.time(), 105.0)
        await self.time.sleep_until(101)  # never backwards
        self.assertEqual(self.time.time(), 105.0)

    async def test_strict_behaviours_run_at_their_time_in_order(self) -> None:
        seen: list[tuple[str, float]] = []
        self.time.call_at(lambda: seen.append(("b", self.time.time())), 102)
        self.time.call_at(lambda: seen.append(("a", self.time.time())), 101)
        self.time.call_at(lambda: seen.append(("c", self.time.time())), 102)
        await self.time.sleep_until(110)
        self.assertEqual(seen, [("a", 101.0), ("b", 102.0), ("c", 102.0)])

    async def test_a_behaviour_due_already_runs_at_the_next_sleep(self) -> None:
        seen: list[float] = []
        self.time.call_at(lambda: seen.append(self.time.time()), 50)
        await self.time.sleep_for(0)
        self.assertEqual(seen, [100.0])

    async def test_negative_sleep_is_refused(self) -> None:
        with self.assertRaisesRegex(ValueError, "duration >= 0"):
            await self.time.sleep_for(-1)


class FakeTimeOrderingTest(unittest.TestCase):
    @settings(max_examples=60, deadline=None)
    @given(
        plan=st.lists(
            st.tuples(st.integers(0, 20), st.booleans()),  # (due offset, cancelled?)
            max_size=25,
        ),
        stops=st.lists(st.integers(0, 25), max_size=4),
    )
    def test_behaviours_run_in_due_order_at_their_own_time(
        self, plan: list[tuple[int, bool]], stops: list[int]
    ) -> None:
        async def main() -> list[tuple[int, float]]:
            fake = rpc.strict_fake_time(0.0)
            ran: list[tuple[int, float]] = []
            for index, (due, cancel) in enumerate(plan):
                handle = fake.call_at(lambda i=index: ran.append((i, fake.time())), due)
                if cancel:
                    handle.cancel()
            for stop in sorted(stops):  # sleeping in several steps changes nothing
                await fake.sleep_until(stop)
            await fake.sleep_until(30)
            return ran

        ran = asyncio.run(main())
        expected = sorted(((due, index) for index, (due, cancel) in enumerate(plan) if not cancel))
        self.assertEqual(ran, [(index, float(due)) for due, index in expected])


class RealTimeTest(_TimeScenarios, TestCase):
    def make_time(self) -> rpc.Time:
        return rpc.strict_real_time()

    async def test_reads_the_wall_clock(self) -> None:
        self.assertAlmostEqual(self.time.time(), time.time(), delta=1.0)

    async def test_behaviour_sees_its_due_time(self) -> None:
        seen: list[tuple[float, float]] = []
        when = self.time.time() + _QUANTUM
        self.time.call_at(lambda: seen.append((when, self.time.time())), when)
        await self.time.sleep_for(_QUANTUM * 3)
        self.assertEqual(seen, [(when, when)])

    async def test_time_is_held_back_while_a_due_behaviour_waits(self) -> None:
        when = self.time.time() - 1.0  # already due, not run yet
        self.time.call_at(lambda: None, when)
        self.assertEqual(self.time.time(), when)
        await asyncio.sleep(0.01)
        self.assertGreater(self.time.time(), when + 0.5)


class LoopTimeTest(_TimeScenarios, TestCase):
    def make_time(self) -> rpc.Time:
        return LoopTime()

    async def test_reads_the_loop_clock(self) -> None:
        self.assertAlmostEqual(self.time.time(), asyncio.get_running_loop().time(), delta=0.5)

    def test_needs_a_running_loop(self) -> None:
        with self.assertRaisesRegex(RuntimeError, "needs a running event loop"):
            LoopTime().time()


if __name__ == "__main__":
    unittest.main()
