"""asyncio's debug mode on a ClockedEventLoop: it reports what it reports on any loop."""

from __future__ import annotations

import asyncio
import inspect
import sys
import unittest
import warnings
from typing import Any

from asynctoolkit.clock import ClockedEventLoop
from tests._clocked import close_loop, run_bounded


def _fail() -> None:
    raise ZeroDivisionError


def _creation_site(loop: asyncio.AbstractEventLoop, schedule: str) -> tuple[str, int, int]:
    """Where the error report of a failing timer says it was created, and the line that did."""
    reported: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda loop, context: reported.append(context))

    async def main() -> int:
        if schedule == "call_later":
            line = inspect.currentframe().f_lineno + 1  # type: ignore[union-attr]
            loop.call_later(1, _fail)
        elif schedule == "call_soon":
            line = inspect.currentframe().f_lineno + 1  # type: ignore[union-attr]
            loop.call_soon(_fail)
        else:
            line = inspect.currentframe().f_lineno + 1  # type: ignore[union-attr]
            loop.call_at(loop.time() + 1, _fail)
        await asyncio.sleep(2)
        return line

    line = run_bounded(loop, main())
    frame = reported[0]["source_traceback"][-1]
    return frame.filename, frame.lineno, line


class SourceTracebackTest(unittest.TestCase):
    def loop(self, clocked: bool) -> asyncio.AbstractEventLoop:
        loop = ClockedEventLoop(autojump=True) if clocked else asyncio.SelectorEventLoop()
        self.addCleanup(close_loop if clocked else asyncio.SelectorEventLoop.close, loop)
        loop.set_debug(True)
        loop.slow_callback_duration = 10.0  # no "slow callback" log on a loaded machine
        return loop

    def test_a_timer_error_report_points_at_the_line_that_scheduled_it(self) -> None:
        for schedule in ("call_later", "call_at", "call_soon"):
            for clocked in (False, True):
                with self.subTest(schedule=schedule, clocked=clocked):
                    filename, lineno, line = _creation_site(self.loop(clocked), schedule)
                    self.assertEqual((filename, lineno), (__file__, line))

    def test_the_timer_of_a_sleep_is_shown_as_created_by_asyncio_sleep(self) -> None:
        loop = self.loop(clocked=True)
        assert isinstance(loop, ClockedEventLoop)

        async def main() -> str:
            sleeper = asyncio.ensure_future(asyncio.sleep(5))
            await asyncio.sleep(0)
            (timer,) = loop.pending_timers()
            sleeper.cancel()
            return repr(timer)

        self.assertRegex(run_bounded(loop, main()), r"created at \S*asyncio\S*tasks\.py:\d+>$")


class CallbackCheckTest(unittest.TestCase):
    @unittest.skipIf(sys.version_info >= (3, 11), "@asyncio.coroutine is gone from Python 3.11")
    def test_a_generator_based_coroutine_function_is_refused_as_asyncio_refuses_it(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)

            @asyncio.coroutine  # type: ignore[attr-defined,misc]
            def old_style() -> Any:
                yield

        for loop in (asyncio.SelectorEventLoop(), ClockedEventLoop()):
            self.addCleanup(loop.close)
            loop.set_debug(True)
            with self.subTest(loop=type(loop).__name__):
                with self.assertRaisesRegex(TypeError, "coroutines cannot be used with call_at"):
                    loop.call_later(60, old_style)
                with self.assertRaisesRegex(TypeError, "coroutines cannot be used with call_at"):
                    loop.call_at(60, old_style)


if __name__ == "__main__":
    unittest.main()
