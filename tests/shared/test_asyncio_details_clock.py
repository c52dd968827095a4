"""The private asyncio details the virtual clock depends on, checked on this Python.

Each test runs a plain ``SelectorEventLoop``, so a change in asyncio fails
here with the name of the detail before it breaks ``ClockedEventLoop``.
"""

from __future__ import annotations

import asyncio
import contextvars
import selectors
import unittest

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


if __name__ == "__main__":
    unittest.main()
