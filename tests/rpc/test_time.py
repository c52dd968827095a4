"""rpc.Time: grpc_testing's own time scenarios, on fake, real and loop time.

``_GrpcTestingScenarios`` follows the scenarios of grpc_testing's
``tests/testing/_time_test.py`` (sleeping, calling in and at, cancelling,
ten thousand behaviours, one behaviour registered several times), written
for asyncio; each kind of Time runs all of them.
"""

from __future__ import annotations

import asyncio
import functools
import random
import time
import unittest
from collections.abc import Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from asynctoolkit import rpc
from asynctoolkit.case import ClockedTestCase, TestCase
from asynctoolkit.rpc._time import LoopTime


class _Noter:
    """A behaviour that notes the test time at each of its calls."""

    def __init__(self, clock: rpc.Time) -> None:
        self._clock = clock
        self.call_times: list[float] = []

    def __call__(self) -> None:
        self.call_times.append(self._clock.time())


class _GrpcTestingScenarios:
    """Run against every kind of Time by the subclasses below (a unittest mixin).

    ``quantum`` is the scenarios' unit of time.  On real time it is the margin
    the scenarios leave between what must have happened and what must not
    have yet; ``require_not_reached`` skips a scenario whose process was
    paused longer than that (grpc_testing's test calls this "pathological
    thread scheduling"), since it could not observe what it tests.
    ``many``: behaviours of ``test_many`` (grpc_testing's test uses 10,000),
    and as many again in the background.
    """

    quantum: float
    many = 10_000
    time: rpc.Time
    assertEqual: Any
    assertFalse: Any
    assertTrue: Any
    assertLessEqual: Any

    def make_time(self) -> rpc.Time:
        raise NotImplementedError

    async def asyncSetUp(self) -> None:
        self.time = self.make_time()

    def require_not_reached(self, when: float) -> None:
        """Skip unless the scenario runs before ``when`` (only real time can be late)."""

    async def test_sleep_for(self) -> None:
        start = self.time.time()
        await self.time.sleep_for(self.quantum)
        self.assertLessEqual(start + self.quantum, self.time.time())

    async def test_sleep_until(self) -> None:
        start = self.time.time()
        await self.time.sleep_until(start + self.quantum)
        self.assertLessEqual(start + self.quantum, self.time.time())

    async def test_call_in(self) -> None:
        noter = _Noter(self.time)
        start = self.time.time()
        self.time.call_in(noter, self.quantum)
        await self.time.sleep_for(self.quantum * 2)
        self.assertEqual(len(noter.call_times), 1)
        self.assertLessEqual(start + self.quantum, noter.call_times[0])

    async def test_call_at(self) -> None:
        noter = _Noter(self.time)
        start = self.time.time()
        handle = self.time.call_at(noter, start + self.quantum)
        self.assertEqual(handle.when(), start + self.quantum)
        await self.time.sleep_for(self.quantum * 2)
        self.assertEqual(len(noter.call_times), 1)
        self.assertLessEqual(start + self.quantum, noter.call_times[0])

    async def test_cancel(self) -> None:
        noter = _Noter(self.time)
        handle = self.time.call_in(noter, self.quantum * 2)
        await self.time.sleep_for(self.quantum)
        self.require_not_reached(handle.when())
        cancelled = handle.cancel()
        await self.time.sleep_for(self.quantum * 2)
        self.assertEqual(noter.call_times, [])
        self.assertTrue(cancelled)
        self.assertTrue(handle.cancelled())

    async def test_many(self) -> None:
        rng = random.Random(13)
        ran: set[int] = set()
        start = self.time.time()
        handles = {
            n: self.time.call_in(functools.partial(ran.add, n), self.quantum * (2 + rng.random()))
            for n in range(self.many)
        }
        noise = [
            self.time.call_in(lambda: None, self.quantum * 1000 * rng.random())
            for _ in range(self.many)
        ]
        await self.time.sleep_for(self.quantum)
        self.require_not_reached(start + self.quantum * 2)
        cancelled = {n for n, handle in handles.items() if rng.random() < 0.5 and handle.cancel()}
        await self.time.sleep_for(self.quantum * 3)
        self.assertEqual(ran, set(handles) - cancelled)
        self.assertTrue(cancelled)
        for handle in noise:
            handle.cancel()

    async def test_same_behaviour_registered_several_times(self) -> None:
        noter = _Noter(self.time)
        start = self.time.time()
        first_at_one = self.time.call_in(noter, self.quantum)
        second_at_one = self.time.call_in(noter, self.quantum)
        first_at_three = self.time.call_in(noter, self.quantum * 3)
        second_at_three = self.time.call_in(noter, self.quantum * 3)
        await self.time.sleep_for(self.quantum * 2)
        self.require_not_reached(first_at_three.when())
        first_at_one_cancelled = first_at_one.cancel()
        second_at_one_cancelled = second_at_one.cancel()
        first_at_three_cancelled = first_at_three.cancel()
        await self.time.sleep_for(self.quantum * 2)
        second_at_three_cancelled = second_at_three.cancel()
        first_at_three_cancelled_again = first_at_three.cancel()

        self.assertEqual(len(noter.call_times), 3)
        self.assertFalse(first_at_one_cancelled)
        self.assertFalse(second_at_one_cancelled)
        self.assertTrue(first_at_three_cancelled)
        self.assertFalse(second_at_three_cancelled)
        self.assertTrue(first_at_three_cancelled_again)
        self.assertLessEqual(start + self.quantum, noter.call_times[0])
        self.assertLessEqual(start + self.quantum, noter.call_times[1])
        self.assertLessEqual(start + self.quantum * 3, noter.call_times[2])


class _Conventions:
    """What grpc_testing users rely on beyond its test file, and argument checks."""

    quantum: float
    time: rpc.Time
    assertEqual: Any
    assertFalse: Any
    assertTrue: Any
    assertRaises: Any
    assertLessEqual: Any

    async def test_cancel_of_a_cancelled_behaviour_returns_true(self) -> None:
        handle = self.time.call_in(lambda: None, self.quantum)
        self.assertTrue(handle.cancel())
        self.assertTrue(handle.cancel())
        self.assertTrue(handle.cancelled())

    async def test_cancel_of_a_behaviour_that_ran_returns_false(self) -> None:
        handle = self.time.call_in(lambda: None, self.quantum)
        await self.time.sleep_for(self.quantum * 2)
        self.assertFalse(handle.cancel())
        self.assertFalse(handle.cancelled())

    async def test_call_at_a_time_already_past_runs_at_once(self) -> None:
        noter = _Noter(self.time)
        now = self.time.time()
        handle = self.time.call_at(noter, now - 50)
        self.assertEqual(len(noter.call_times), 1)  # before call_at returned
        self.assertLessEqual(now, noter.call_times[0])  # time never goes backwards
        self.assertEqual(handle.when(), now - 50)
        self.assertFalse(handle.cancel())
        self.assertFalse(handle.cancelled())

    async def test_call_at_now_and_call_in_zero_run_at_once(self) -> None:
        ran: list[str] = []
        self.time.call_at(lambda: ran.append("at"), self.time.time())
        self.time.call_in(lambda: ran.append("in"), 0)
        self.time.call_in(lambda: ran.append("in, negative"), -1)
        self.assertEqual(ran, ["at", "in", "in, negative"])

    async def test_sleep_for_a_negative_duration_returns_at_once(self) -> None:
        start = self.time.time()
        await self.time.sleep_for(-1)
        await self.time.sleep_for(0)
        await self.time.sleep_until(start - 10)
        self.assertLessEqual(start, self.time.time())

    async def test_a_failing_behaviour_run_at_once_raises_from_call_at(self) -> None:
        def fail() -> None:
            raise LookupError("from the behaviour")

        with self.assertRaises(LookupError):
            self.time.call_at(fail, self.time.time())

    async def test_bad_arguments(self) -> None:
        with self.assertRaises(TypeError):
            self.time.call_in(lambda: None, "soon")  # type: ignore[arg-type]
        with self.assertRaises(TypeError):
            self.time.call_at(lambda: None, float("nan"))
        with self.assertRaises(TypeError):
            await self.time.sleep_for(None)  # type: ignore[arg-type]


class FakeTimeTest(_GrpcTestingScenarios, _Conventions, TestCase):
    quantum = 0.3  # as grpc_testing's test; fake time makes it instant

    def make_time(self) -> rpc.Time:
        return rpc.strict_fake_time(random.Random(5).randint(0, int(time.time())))

    async def test_only_sleeping_moves_fake_time(self) -> None:
        self.time = rpc.strict_fake_time(100.0)
        await asyncio.sleep(0.01)
        self.assertEqual(self.time.time(), 100.0)
        await self.time.sleep_for(5)
        self.assertEqual(self.time.time(), 105.0)
        await self.time.sleep_until(101)  # never backwards
        self.assertEqual(self.time.time(), 105.0)

    async def test_strict_behaviours_run_at_their_time_in_order(self) -> None:
        fake = rpc.strict_fake_time(100.0)
        seen: list[tuple[str, float]] = []
        fake.call_at(lambda: seen.append(("b", fake.time())), 102)
        fake.call_at(lambda: seen.append(("a", fake.time())), 101)
        fake.call_at(lambda: seen.append(("c", fake.time())), 102)
        await fake.sleep_until(110)
        self.assertEqual(seen, [("a", 101.0), ("b", 102.0), ("c", 102.0)])

    async def test_a_behaviour_may_register_one_due_at_once(self) -> None:
        fake = rpc.strict_fake_time(0.0)
        seen: list[tuple[str, float]] = []

        def first() -> None:
            seen.append(("first", fake.time()))
            fake.call_in(lambda: seen.append(("nested", fake.time())), 0)
            fake.call_in(lambda: seen.append(("later", fake.time())), 1)

        fake.call_at(first, 2)
        await fake.sleep_until(5)
        self.assertEqual(seen, [("first", 2.0), ("nested", 2.0), ("later", 3.0)])


class FakeTimeOrderingTest(unittest.TestCase):
    @settings(max_examples=60, deadline=None)
    @given(
        plan=st.lists(
            st.tuples(st.integers(-3, 20), st.booleans()),  # (due offset, cancelled?)
            max_size=25,
        ),
        stops=st.lists(st.integers(-2, 25), max_size=4),
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
        # Due at 0 or before: run at once, in registration order, cancelled or not.
        at_once = [(index, 0.0) for index, (due, _) in enumerate(plan) if due <= 0]
        later = sorted(
            (due, index) for index, (due, cancel) in enumerate(plan) if due > 0 and not cancel
        )
        self.assertEqual(ran, at_once + [(index, float(due)) for due, index in later])


class RealTimeTest(_GrpcTestingScenarios, _Conventions, TestCase):
    quantum = 0.3  # real seconds, as grpc_testing's test; see _GrpcTestingScenarios
    many = 2_000

    def make_time(self) -> rpc.Time:
        return rpc.strict_real_time()

    def require_not_reached(self, when: float) -> None:
        late = time.time() - when
        if late >= 0:
            self.skipTest(
                f"the process was paused: {late:.3f} s past the instant the scenario "
                "needed to act before (pathological scheduling, as grpc_testing says)"
            )

    async def test_reads_the_wall_clock(self) -> None:
        self.assertLessEqual(abs(self.time.time() - time.time()), 1.0)

    async def test_behaviour_sees_its_due_time(self) -> None:
        seen: list[tuple[float, float]] = []
        when = self.time.time() + self.quantum / 4
        self.time.call_at(lambda: seen.append((when, self.time.time())), when)
        await self.time.sleep_for(self.quantum / 2)
        self.assertEqual(seen, [(when, when)])

    async def test_time_is_held_back_while_a_due_behaviour_waits(self) -> None:
        when = self.time.time() + 0.001
        self.time.call_at(lambda: None, when)
        _spin_until(lambda: time.time() > when)  # the loop gets no chance to run it
        self.assertEqual(self.time.time(), when)
        # Registered now, for a time the wall clock has passed but the test
        # time has not reached: it waits its turn after the held-back one.
        seen: list[float] = []
        self.time.call_at(lambda: seen.append(self.time.time()), (when + time.time()) / 2)
        self.assertEqual(seen, [])
        await self.time.sleep_until(time.time())
        self.assertEqual(len(seen), 1)
        self.assertLessEqual(when, seen[0])


class LoopTimeTest(_GrpcTestingScenarios, _Conventions, ClockedTestCase):
    autojump = True
    quantum = 0.3  # virtual seconds

    def make_time(self) -> rpc.Time:
        return LoopTime()

    async def test_reads_the_loop_clock(self) -> None:
        self.assertEqual(self.time.time(), asyncio.get_running_loop().time())

    def test_needs_a_running_loop(self) -> None:
        with self.assertRaisesRegex(RuntimeError, "needs a running event loop"):
            LoopTime().time()


def _spin_until(condition: Callable[[], bool]) -> None:
    """Busy-wait (without yielding to the loop) until ``condition()``; a second at most."""
    limit = time.monotonic() + 1.0
    while not condition():
        if time.monotonic() > limit:  # pragma: no cover - a clock that does not move
            raise AssertionError("the wall clock did not move for a second")


if __name__ == "__main__":
    unittest.main()
