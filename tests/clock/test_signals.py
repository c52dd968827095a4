"""Signal handlers: a signal the loop handles is I/O it waits for, not time it may skip."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import unittest

from asynctoolkit.clock import DeadlockError, StalledClockError
from tests._clocked import ClockedLoopTest

_SIGNAL = getattr(signal, "SIGUSR1", None)


def _send_later(seconds: float) -> threading.Timer:
    """Send the test signal to this process after ``seconds`` of real time."""
    sender = threading.Timer(seconds, os.kill, args=(os.getpid(), _SIGNAL))
    sender.daemon = True
    sender.start()
    return sender


@unittest.skipIf(_SIGNAL is None, "needs SIGUSR1")
@unittest.skipIf(
    threading.current_thread() is not threading.main_thread(),
    "loop signal handlers need the main thread",
)
class SignalHandlerTest(ClockedLoopTest):
    autojump = True

    def setUp(self) -> None:
        super().setUp()
        previous = signal.getsignal(_SIGNAL)  # type: ignore[arg-type]
        self.addCleanup(signal.signal, _SIGNAL, previous)  # type: ignore[arg-type]

    def test_autojump_waits_io_grace_for_a_signal_before_a_timeout(self) -> None:
        self.loop.io_grace = 5.0  # a generous grace: the signal comes after 50 ms

        async def main() -> tuple[str, float]:
            received = self.loop.create_future()
            self.loop.add_signal_handler(_SIGNAL, received.set_result, "signal")  # type: ignore[arg-type]
            sender = _send_later(0.05)
            try:
                return await asyncio.wait_for(received, 30), self.loop.time()
            finally:
                sender.cancel()
                self.loop.remove_signal_handler(_SIGNAL)  # type: ignore[arg-type]

        self.assertEqual(self.run_loop(main()), ("signal", 0.0))

    def test_with_nothing_else_to_wait_for_a_signal_is_awaited_not_a_deadlock(self) -> None:
        self.loop.io_grace = 0.0  # only real_timeout can let the signal in

        async def main() -> str:
            received = self.loop.create_future()
            self.loop.add_signal_handler(_SIGNAL, received.set_result, "signal")  # type: ignore[arg-type]
            sender = _send_later(0.2)
            try:
                result: str = await received
                return result
            finally:
                sender.cancel()
                self.loop.remove_signal_handler(_SIGNAL)  # type: ignore[arg-type]

        self.assertEqual(self.run_loop(main()), "signal")

    def test_a_deadlock_report_names_the_awaited_signal(self) -> None:
        self.loop.real_timeout = 0.05

        def on_signal() -> None:
            pass

        async def main() -> None:
            self.loop.add_signal_handler(_SIGNAL, on_signal)  # type: ignore[arg-type]
            await self.loop.create_future()

        with self.assertRaises(DeadlockError) as caught:
            self.run_loop(main())
        self.assertIn(f"signal {signal.Signals(_SIGNAL).name}: handler ", str(caught.exception))
        self.assertIn("on_signal", str(caught.exception))
        self.loop.remove_signal_handler(_SIGNAL)  # type: ignore[arg-type]

    def test_a_handler_set_by_a_timer_callback_is_served_before_the_next_instant(self) -> None:
        # Timers that wake nothing run instant after instant in one iteration;
        # a handler set by one of them makes the next jump wait for the signal.
        self.loop.io_grace = 5.0
        seen: list[tuple[str, float]] = []

        def handle() -> None:
            seen.append(("signal", self.loop.time()))

        def set_handler() -> None:
            self.loop.add_signal_handler(_SIGNAL, handle)  # type: ignore[arg-type]
            os.kill(os.getpid(), _SIGNAL)  # type: ignore[arg-type]

        self.loop.call_later(1, seen.append, ("before", 1.0))
        self.loop.call_later(2, set_handler)
        self.loop.call_later(3, lambda: seen.append(("after", self.loop.time())))
        self.loop.call_later(4, self.loop.stop)
        try:
            self.loop.run_forever()
        finally:
            self.loop.remove_signal_handler(_SIGNAL)  # type: ignore[arg-type]
        self.assertEqual(seen, [("before", 1.0), ("signal", 2.0), ("after", 3.0)])

    def test_a_removed_handler_no_longer_holds_the_clock(self) -> None:
        # With the handler still counted, this jump would wait io_grace (far
        # beyond run_loop's limit) and fail.
        self.loop.io_grace = 600.0

        async def main() -> float:
            self.loop.add_signal_handler(_SIGNAL, print)  # type: ignore[arg-type]
            self.loop.remove_signal_handler(_SIGNAL)  # type: ignore[arg-type]
            await asyncio.sleep(3600)
            return self.loop.time()

        self.assertEqual(self.run_loop(main()), 3600.0)


_SIGALRM = getattr(signal, "SIGALRM", None)


@unittest.skipIf(_SIGALRM is None, "needs SIGALRM")
@unittest.skipIf(
    threading.current_thread() is not threading.main_thread(),
    "loop signal handlers need the main thread",
)
class AlarmTest(ClockedLoopTest):
    """``signal.alarm``/``setitimer``: the clock knows when the signal comes, and waits for it."""

    autojump = True

    def setUp(self) -> None:
        super().setUp()
        previous = signal.getsignal(_SIGALRM)  # type: ignore[arg-type]
        self.addCleanup(signal.signal, _SIGALRM, previous)  # type: ignore[arg-type]
        self.addCleanup(signal.setitimer, signal.ITIMER_REAL, 0)

    def test_autojump_waits_for_an_armed_alarm_longer_than_io_grace(self) -> None:
        # asyncio's own test_signal_handling: a plain loop gets the signal
        # after 0.1 s of real time, long before its 60 s stop timer.
        received: list[float] = []

        def on_alarm() -> None:
            received.append(self.loop.time())
            self.loop.stop()

        self.loop.add_signal_handler(_SIGALRM, on_alarm)  # type: ignore[arg-type]
        signal.setitimer(signal.ITIMER_REAL, 0.1)
        stopper = self.loop.call_later(60, self.loop.stop)
        self.loop.run_forever()
        stopper.cancel()
        self.loop.remove_signal_handler(_SIGALRM)  # type: ignore[arg-type]
        self.assertEqual(received, [0.0])

    def test_a_stall_report_names_the_alarm_it_waited_for(self) -> None:
        self.loop.real_timeout = 0.05
        self.loop.add_signal_handler(_SIGALRM, print)  # type: ignore[arg-type]
        signal.setitimer(signal.ITIMER_REAL, 30)
        with self.assertRaises(StalledClockError) as caught:
            self.run_loop(asyncio.sleep(60))
        self.assertIn("SIGALRM from signal.alarm/setitimer, due in", str(caught.exception))
        self.loop.remove_signal_handler(_SIGALRM)  # type: ignore[arg-type]


if __name__ == "__main__":
    unittest.main()
