"""Interrupt a test stuck outside its event loop, with ``SIGALRM``.

The watchdog (``_watchdog``) cancels a test that runs out of time through its
loop; a test stuck in synchronous code (``time.sleep(100)``, a busy loop, a
blocking socket read) never returns to the loop.  For those, a real-time
alarm (``signal.setitimer``) fires a moment after the limit: its handler,
which Python runs in the main thread between bytecodes and after any
interrupted system call, raises ``StuckTestError`` there, with the stack of
where the test was stuck.  The test fails, its cleanups run, the next test
runs.  A loop inside C code that never returns to Python cannot be
interrupted this way.

The alarm is used only where it can be: in the main thread, on a platform
with ``SIGALRM``, while ``SIGALRM`` has its default disposition (not, say,
pytest-timeout's signal method or the user's own ``signal.alarm``).
Elsewhere ``arm`` says why, and the watchdog's last resort applies.  The
previous handler is always restored.
"""

from __future__ import annotations

import signal
import threading
import traceback
from collections.abc import Callable
from types import FrameType
from typing import Any

__all__: list[str] = []

#: Real seconds between the limit and the alarm: the loop's own cancellation
#: gets this long to work first.
GRACE = 1.0


class StuckTestError(AssertionError):
    """A test ran out of time outside its event loop and was interrupted."""


class Alarm:
    """One arming of the alarm; ``disarm`` puts everything back."""

    def __init__(self, previous: Any, message: Callable[[], str]) -> None:
        self._previous = previous
        self._message = message
        self.fired = False

    def _fire(self, signum: int, frame: FrameType | None) -> None:
        self.fired = True
        stack = "".join(traceback.format_stack(frame)) if frame is not None else ""
        raise StuckTestError(f"{self._message()}\nIt was interrupted here:\n{stack}".rstrip())

    def disarm(self) -> None:
        """Cancel the alarm and restore the previous handler (idempotent)."""
        previous, self._previous = self._previous, None
        if previous is not None:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def arm(seconds: float, message: Callable[[], str]) -> Alarm | str:
    """Arm the alarm ``seconds`` from now; or return why it cannot be used here.

    ``message()`` gives the failure's first lines when it fires.
    """
    if not hasattr(signal, "SIGALRM") or not hasattr(signal, "setitimer"):
        return "this platform has no SIGALRM"
    if threading.current_thread() is not threading.main_thread():
        return "the test does not run in the main thread, where signals are delivered"
    current = signal.getsignal(signal.SIGALRM)
    if current is not signal.SIG_DFL:
        return (
            f"SIGALRM already has a handler ({current!r}: pytest-timeout's signal method, "
            "or the code's own signal.alarm)"
        )
    alarm = Alarm(current, message)
    signal.signal(signal.SIGALRM, alarm._fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    return alarm
