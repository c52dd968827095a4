"""The watchdog thread behind the per-test time limit."""

from __future__ import annotations

import threading
import time
import unittest

from asynctoolkit.case import _watchdog


class WatchdogTest(unittest.TestCase):
    def test_expiry_calls_back_once_and_disarm_reports_it(self) -> None:
        fired = threading.Event()
        token = _watchdog.arm(0.05, fired.set)
        self.assertTrue(fired.wait(5))
        self.assertTrue(_watchdog.disarm(token))

    def test_disarmed_in_time_nothing_is_called(self) -> None:
        calls: list[int] = []
        token = _watchdog.arm(0.05, lambda: calls.append(1))
        self.assertFalse(_watchdog.disarm(token))
        time.sleep(0.1)
        self.assertEqual(calls, [])

    def test_arming_later_deadlines_does_not_wake_the_thread(self) -> None:
        # Each test arms a deadline later than the previous one: waking the
        # thread every time made the main thread fight for the GIL (a 2x
        # slowdown of loop creation, found by the per-test benchmark).
        _watchdog.disarm(_watchdog.arm(0.01, lambda: None))
        time.sleep(0.05)  # the thread saw the deadline pass while disarmed
        before = _watchdog._watchdog.wakeups
        for _ in range(50):
            _watchdog.disarm(_watchdog.arm(60, lambda: None))
            time.sleep(0.002)  # the thread gets the GIL while nothing is armed
        self.assertLessEqual(_watchdog._watchdog.wakeups - before, 2)

    def test_an_earlier_deadline_still_fires(self) -> None:
        _watchdog.disarm(_watchdog.arm(60, lambda: None))
        fired = threading.Event()
        token = _watchdog.arm(0.05, fired.set)
        self.assertTrue(fired.wait(5))
        _watchdog.disarm(token)


if __name__ == "__main__":
    unittest.main()
