"""The private asyncio details the virtual clock depends on, checked on this Python.

Each test runs a plain ``SelectorEventLoop``, so a change in asyncio fails
here with the name of the detail before it breaks ``ClockedEventLoop``.
"""

from __future__ import annotations

import asyncio
import collections
import contextvars
import selectors
import unittest
from typing import Any

from asynctoolkit._shared import asyncio_details


class ClockInternalsTest(unittest.TestCase):
    def setUp(self) -> None:
        self.loop = asyncio.SelectorEventLoop(selectors.DefaultSelector())
        self.addCleanup(self.loop.close)

    def test_run_handle_runs_the_callback_in_its_context_and_reports_errors(self) -> None:
        var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="outside")
        context = contextvars.copy_context()
        context.run(var.set, "inside")
        seen: list[str] = []
        handle = asyncio.TimerHandle(0.0, lambda: seen.append(var.get()), (), self.loop, context)
        asyncio_details.run_handle(handle)
        self.assertEqual(seen, ["inside"])
        reported: list[dict[str, object]] = []
        self.loop.set_exception_handler(lambda loop, ctx: reported.append(ctx))
        asyncio_details.run_handle(asyncio.Handle(lambda: 1 / 0, (), self.loop))
        self.assertEqual(len(reported), 1)
        self.assertIsInstance(reported[0]["exception"], ZeroDivisionError)

    def test_run_handle_lets_keyboard_interrupt_through(self) -> None:
        def interrupt() -> None:
            raise KeyboardInterrupt

        with self.assertRaises(KeyboardInterrupt):
            asyncio_details.run_handle(asyncio.Handle(interrupt, (), self.loop))

    def test_drop_maker_frame_leaves_the_creation_stack_ending_at_the_caller(self) -> None:
        self.loop.set_debug(True)

        def make() -> asyncio.TimerHandle:
            return asyncio.TimerHandle(1.0, print, (), self.loop)

        handle = make()
        self.assertEqual(handle._source_traceback[-1].name, "make")  # type: ignore[attr-defined]
        asyncio_details.drop_maker_frame(handle)
        caller = handle._source_traceback[-1]  # type: ignore[attr-defined]
        self.assertEqual(caller.name, self._testMethodName)
        self.assertRegex(repr(handle), rf"created at {__file__}:{caller.lineno}>$")

    def test_drop_maker_frame_leaves_a_handle_made_outside_debug_mode_alone(self) -> None:
        handle = asyncio.TimerHandle(1.0, print, (), self.loop)
        asyncio_details.drop_maker_frame(handle)
        self.assertNotIn("created at", repr(handle))

    # -- ClockedEventLoop._run_once: asyncio's iteration, which it reproduces --------------
    def test_run_forever_runs_run_once_until_stopping(self) -> None:
        steps: list[bool] = []
        plain_step = self.loop._run_once  # type: ignore[attr-defined]

        def step() -> None:
            steps.append(self.loop._stopping)  # type: ignore[attr-defined]
            plain_step()

        self.loop._run_once = step  # type: ignore[attr-defined]
        self.loop.call_soon(self.loop.stop)
        self.loop.run_forever()
        self.assertEqual(steps, [False])

    def test_an_iteration_with_an_empty_timer_heap(self) -> None:
        # select(0) while callbacks are ready (or a stop is pending), select(None)
        # otherwise; then the events, then the callbacks ready at that point,
        # skipping cancelled ones (those they queue wait for the next iteration).
        loop = self.loop
        timeouts: list[float | None] = []
        selector = loop._selector  # type: ignore[attr-defined]
        real_select = selector.select
        self.assertIsInstance(selector, selectors.BaseSelector)

        def select(timeout: float | None = None) -> list[Any]:
            timeouts.append(timeout)
            if timeout is None:
                loop.call_soon(ran.append, "queued by the wait")
            return real_select(0)

        selector.select = select
        ran: list[str] = []
        loop.call_soon(ran.append, "cancelled").cancel()
        loop.call_soon(lambda: loop.call_soon(ran.append, "next iteration"))
        loop.call_soon(ran.append, "ready")
        self.assertEqual(loop._scheduled, [])  # type: ignore[attr-defined]
        loop._run_once()  # type: ignore[attr-defined]
        self.assertEqual((timeouts, ran), ([0], ["ready"]))
        self.assertEqual(len(loop._ready), 1)  # type: ignore[attr-defined]
        loop._run_once()  # type: ignore[attr-defined]
        self.assertEqual(ran, ["ready", "next iteration"])
        loop._run_once()  # type: ignore[attr-defined]
        self.assertEqual((timeouts, ran[-1]), ([0, 0, None], "queued by the wait"))

    def test_the_flags_an_iteration_reads(self) -> None:
        loop = self.loop
        self.assertIsInstance(loop._ready, collections.deque)  # type: ignore[attr-defined]
        self.assertIs(loop._debug, loop.get_debug())  # type: ignore[attr-defined]
        loop.set_debug(True)
        self.assertIs(loop._debug, True)  # type: ignore[attr-defined]
        loop.set_debug(False)
        self.assertIs(loop._closed, False)  # type: ignore[attr-defined]
        seen: list[bool] = []
        loop.call_soon(loop.stop)
        loop.call_soon(lambda: seen.append(loop._stopping))  # type: ignore[attr-defined]
        loop.run_forever()
        self.assertEqual(seen, [True])
        other = asyncio.SelectorEventLoop(selectors.DefaultSelector())
        other.close()
        self.assertIs(other._closed, True)  # type: ignore[attr-defined]

    def test_handle_cancelled_flag_and_run(self) -> None:
        seen: list[int] = []
        handle = asyncio.Handle(seen.append, (1,), self.loop)
        self.assertIs(handle._cancelled, False)  # type: ignore[attr-defined]
        handle._run()  # type: ignore[attr-defined]
        handle.cancel()
        self.assertIs(handle._cancelled, True)  # type: ignore[attr-defined]
        self.assertEqual(seen, [1])

    # -- ClockTimer: a TimerHandle whose slots the clock sets itself --------------------
    def test_the_slots_of_a_timer_handle(self) -> None:
        slots = {
            name
            for kind in asyncio.TimerHandle.__mro__
            for name in getattr(kind, "__slots__", ())
            if name != "__weakref__"
        }
        self.assertEqual(slots, _TIMER_SLOTS)

    def test_a_clock_timer_is_a_timer_handle_with_the_same_state(self) -> None:
        from asynctoolkit.clock._handles import ClockTimer

        context = contextvars.copy_context()
        for given in (context, None):
            plain = asyncio.TimerHandle(2.0, print, ("x",), self.loop, given)
            clock = object()
            timer = ClockTimer(2.0, print, ("x",), self.loop, given, clock)  # type: ignore[arg-type]
            for name in _TIMER_SLOTS - {"_context"}:
                self.assertEqual(getattr(timer, name), getattr(plain, name), name)
            self.assertIsInstance(timer._context, contextvars.Context)  # type: ignore[attr-defined]
            if given is not None:
                self.assertIs(timer._context, context)  # type: ignore[attr-defined]
            self.assertEqual(repr(timer).replace("ClockTimer", "TimerHandle"), repr(plain))

    def test_a_call_later_timer_made_in_one_step_equals_one_made_by_asyncio(self) -> None:
        from asynctoolkit.clock import ClockedEventLoop
        from asynctoolkit.clock._handles import ClockTimer

        loop = ClockedEventLoop()
        self.addCleanup(loop.close)
        context = contextvars.copy_context()
        for given in (context, None):
            timer = loop.call_later(2.0, print, "x", context=given)
            plain = asyncio.TimerHandle(2.0, print, ("x",), loop, given)
            self.assertIs(type(timer), ClockTimer)
            for name in _TIMER_SLOTS - {"_context"}:
                self.assertEqual(getattr(timer, name), getattr(plain, name), name)
            self.assertIsInstance(timer._context, contextvars.Context)  # type: ignore[attr-defined]
            if given is not None:
                self.assertIs(timer._context, context)  # type: ignore[attr-defined]
            self.assertEqual(repr(timer).replace("ClockTimer", "TimerHandle"), repr(plain))

    def test_a_handle_made_in_one_step_equals_one_made_by_asyncio(self) -> None:
        from asynctoolkit.clock._handles import new_handle

        slots = {name for name in asyncio.Handle.__slots__ if name != "__weakref__"}
        self.assertEqual(slots, _TIMER_SLOTS - {"_when", "_scheduled"})
        context = contextvars.copy_context()
        for given in (context, None):
            plain = asyncio.Handle(print, ("x",), self.loop, given)
            handle = new_handle(print, ("x",), self.loop, given)
            self.assertIs(type(handle), asyncio.Handle)
            for name in slots - {"_context"}:
                self.assertEqual(getattr(handle, name), getattr(plain, name), name)
            self.assertIsInstance(handle._context, contextvars.Context)  # type: ignore[attr-defined]
            if given is not None:
                self.assertIs(handle._context, context)  # type: ignore[attr-defined]
            self.assertEqual(repr(handle), repr(plain))

    def test_handle_cancel_is_all_a_timer_cancel_adds_off_the_heap(self) -> None:
        # TimerHandle.cancel only adds the loop's count of cancelled timers on its heap.
        handle = asyncio.TimerHandle(1.0, print, (), self.loop)
        asyncio.Handle.cancel(handle)
        plain = asyncio.TimerHandle(1.0, print, (), self.loop)
        plain.cancel()
        for name in _TIMER_SLOTS - {"_context"}:
            self.assertEqual(getattr(handle, name), getattr(plain, name), name)
        self.assertEqual(self.loop._timer_cancelled_count, 0)  # type: ignore[attr-defined]

    def test_sleep_times_its_own_future_with_the_callback_the_clock_knows(self) -> None:
        from asynctoolkit.clock._handles import SLEEP_CALLBACK

        made: list[asyncio.Future[Any]] = []
        timers: list[tuple[object, tuple[object, ...]]] = []

        class Recording(asyncio.SelectorEventLoop):
            def create_future(self) -> asyncio.Future[Any]:
                made.append(super().create_future())
                return made[-1]

            def call_later(self, delay: float, callback: Any, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
                timers.append((callback, args))
                return super().call_later(delay, callback, *args, **kwargs)

        loop = Recording(selectors.DefaultSelector())
        self.addCleanup(loop.close)
        self.assertEqual(loop.run_until_complete(asyncio.sleep(0.001, "done")), "done")
        self.assertEqual(len(made), 1)
        self.assertIs(type(made[0]), asyncio.Future)
        self.assertIs(made[0].get_loop(), loop)
        self.assertEqual(timers, [(SLEEP_CALLBACK, (made[0], "done"))])

    def test_the_sleep_callback_runs_no_done_callback_in_its_own_context(self) -> None:
        from asynctoolkit.clock._handles import SLEEP_CALLBACK

        var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")
        waiter, timer = contextvars.copy_context(), contextvars.copy_context()
        waiter.run(var.set, "waiter")
        timer.run(var.set, "timer")
        future = self.loop.create_future()
        seen: list[str] = []
        future.add_done_callback(lambda f: seen.append(var.get()), context=waiter)
        timer.run(SLEEP_CALLBACK, future, 7)
        self.assertEqual((future.result(), seen), (7, []))  # scheduled, not run
        self.loop.run_until_complete(asyncio.sleep(0))
        self.assertEqual(seen, ["waiter"])
        cancelled = self.loop.create_future()
        cancelled.cancel()
        timer.run(SLEEP_CALLBACK, cancelled, 7)  # left as it is
        self.assertTrue(cancelled.cancelled())


#: What ``Handle.__init__`` and ``TimerHandle.__init__`` set (``ClockTimer`` sets them itself).
_TIMER_SLOTS = {
    "_callback",
    "_args",
    "_cancelled",
    "_loop",
    "_source_traceback",
    "_repr",
    "_context",
    "_scheduled",
    "_when",
}


if __name__ == "__main__":
    unittest.main()
