"""The private asyncio details the virtual clock depends on, checked on this Python.

Each test runs a plain ``SelectorEventLoop``, so a change in asyncio fails
here with the name of the detail before it breaks ``ClockedEventLoop``.
"""

from __future__ import annotations

import asyncio
import selectors
import unittest

from asynctoolkit import _internals


class ClockInternalsTest(unittest.TestCase):
    def setUp(self) -> None:
        self.loop = asyncio.SelectorEventLoop(selectors.DefaultSelector())
        self.addCleanup(self.loop.close)

    def test_set_clock_resolution_decides_which_timers_are_due(self) -> None:
        fired: list[str] = []
        self.loop.call_at(self.loop.time() + 3600, fired.append, "an hour away")
        _internals.set_clock_resolution(self.loop, 7200.0)
        self.loop.run_until_complete(asyncio.sleep(0))  # one iteration
        self.assertEqual(fired, ["an hour away"])

    def test_schedule_timer_puts_a_handle_on_the_heap_like_call_at(self) -> None:
        fired: list[str] = []
        due = asyncio.TimerHandle(self.loop.time() - 1, fired.append, ("due",), self.loop)
        later = asyncio.TimerHandle(self.loop.time() + 3600, fired.append, ("later",), self.loop)
        _internals.schedule_timer(self.loop, later)
        _internals.schedule_timer(self.loop, due)
        self.assertIs(_internals.scheduled_timers(self.loop)[0], due)
        self.assertIn(later, list(_internals.scheduled_timers(self.loop)))
        later.cancel()  # a scheduled timer tells the loop, which drops it
        self.loop.run_until_complete(asyncio.sleep(0))
        self.assertEqual(fired, ["due"])
        self.assertEqual(list(_internals.scheduled_timers(self.loop)), [])


if __name__ == "__main__":
    unittest.main()
