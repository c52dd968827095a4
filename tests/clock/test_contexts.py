"""The contexts a ClockedEventLoop runs its timers in (``contextvars``)."""

from __future__ import annotations

import asyncio
import contextvars
import gc
from typing import Any

from asynctoolkit.clock import ClockedEventLoop
from tests._clocked import ClockedLoopTest, close_loop, run_bounded

_VAR: contextvars.ContextVar[str] = contextvars.ContextVar("test_contexts", default="unset")


def _context_of(timer: asyncio.TimerHandle) -> contextvars.Context:
    # Handle.get_context() from Python 3.12; the attribute it reads before.
    get = getattr(timer, "get_context", None)
    return get() if get is not None else timer._context  # type: ignore[attr-defined,no-any-return]


def _contexts_alive() -> list[contextvars.Context]:
    gc.collect()
    return [obj for obj in gc.get_objects() if type(obj) is contextvars.Context]


def _contexts_made_since(before: list[contextvars.Context]) -> int:
    # ``before`` holds the earlier contexts alive, so none of them can die (and
    # lower the count) or lend its id to a new one in between.
    earlier = {id(context) for context in before}
    return sum(1 for context in _contexts_alive() if id(context) not in earlier)


class TimerContextTest(ClockedLoopTest):
    autojump = True

    def test_a_sleeping_task_keeps_its_own_context_and_its_timer_makes_none(self) -> None:
        # asyncio's loops copy the current context for each sleep's timer: a
        # crowd of sleeping tasks keeps twice as many contexts as tasks.
        counts: list[int] = []

        async def main() -> None:
            before = _contexts_alive()
            tasks = [asyncio.ensure_future(asyncio.sleep(i + 1)) for i in range(300)]
            await asyncio.sleep(0)  # every task sleeps on its timer now
            counts.append(_contexts_made_since(before))
            await asyncio.gather(*tasks)

        self.run_loop(main())
        self.assertGreaterEqual(counts[0], 300)  # the tasks' own
        self.assertLess(counts[0], 330)

    def test_a_value_set_before_a_sleep_stays_the_task_own(self) -> None:
        async def sleeper(name: str, delay: float) -> list[str]:
            _VAR.set(name)
            seen = [_VAR.get()]
            await asyncio.sleep(delay)
            seen.append(_VAR.get())
            _VAR.set(name + "-after")
            await asyncio.sleep(delay)
            return [*seen, _VAR.get()]

        async def main() -> list[list[str]]:
            return list(await asyncio.gather(sleeper("a", 1), sleeper("b", 1), sleeper("c", 2)))

        self.assertEqual(
            self.run_loop(main()),
            [["a", "a", "a-after"], ["b", "b", "b-after"], ["c", "c", "c-after"]],
        )
        self.assertEqual(_VAR.get(), "unset")

    def test_other_timers_run_in_a_copy_of_the_context_they_were_set_in(self) -> None:
        seen: list[str] = []
        result: list[Any] = []

        async def main() -> None:
            _VAR.set("when scheduled")
            self.loop.call_later(1, lambda: seen.append(_VAR.get()))
            # The sleep's callback, scheduled by the caller on a future of its own:
            # done callbacks keep the context they were added in, either way.
            future = self.loop.create_future()
            future.add_done_callback(lambda f: result.append((f.result(), _VAR.get())))
            self.loop.call_later(1, asyncio.futures._set_result_unless_cancelled, future, 5)  # type: ignore[attr-defined]
            _VAR.set("changed since")
            await asyncio.sleep(2)

        self.run_loop(main())
        self.assertEqual((seen, result), (["when scheduled"], [(5, "when scheduled")]))

    def test_a_subclass_call_soon_sees_the_sleeping_task_context(self) -> None:
        # A subclass's call_soon runs when a sleep's timer wakes the task up:
        # there it sees the context the sleep started in, as on asyncio's loops.
        seen: list[str] = []
        sleeping: list[bool] = []

        class Reading(ClockedEventLoop):
            def call_soon(self, callback: Any, *args: Any, context: Any = None) -> Any:  # type: ignore[override]
                if sleeping and asyncio.current_task(self) is None:  # from the timer
                    seen.append(_VAR.get())
                return super().call_soon(callback, *args, context=context)

        loop = Reading(autojump=True)
        self.addCleanup(close_loop, loop)

        async def main() -> None:
            _VAR.set("sleeper")
            sleeping.append(True)
            await asyncio.sleep(3)

        run_bounded(loop, main())
        self.assertEqual(seen, ["sleeper"])


class WhichTimersShareTest(ClockedLoopTest):
    def sleep_timers(self, *futures: asyncio.Future[Any]) -> list[asyncio.TimerHandle]:
        """The timers of two sleeps, then of ``call_later(1, <sleep's callback>, f, None)``
        for each of ``futures``, in that order."""

        async def main() -> list[asyncio.TimerHandle]:
            sleepers = [asyncio.ensure_future(asyncio.sleep(5)) for _ in range(2)]
            await asyncio.sleep(0)
            for future in futures:
                self.loop.call_later(6, asyncio.futures._set_result_unless_cancelled, future, None)  # type: ignore[attr-defined]
            timers = self.loop.pending_timers()
            for sleeper in sleepers:
                sleeper.cancel()
            for timer in timers[2:]:
                timer.cancel()
            await asyncio.gather(*sleepers, return_exceptions=True)
            return timers

        return self.run_loop(main())

    def test_the_sleeps_of_a_loop_share_one_context_that_is_no_task_own(self) -> None:
        first, second = self.sleep_timers()
        self.assertIs(_context_of(first), _context_of(second))
        self.assertEqual(len(_context_of(first)), 0)

    def test_a_future_of_another_kind_or_loop_gets_a_copy(self) -> None:
        class Special(asyncio.Future):  # type: ignore[type-arg]
            pass

        other = ClockedEventLoop()
        self.addCleanup(close_loop, other)
        timers = self.sleep_timers(Special(loop=self.loop), other.create_future())
        shared = _context_of(timers[0])
        for timer in timers[2:]:
            self.assertIsNot(_context_of(timer), shared)

    def test_debug_mode_gets_a_copy_per_timer(self) -> None:
        self.loop.set_debug(True)
        first, second = self.sleep_timers()
        self.assertIsNot(_context_of(first), _context_of(second))
