"""One background thread that enforces the per-test real-time limit.

The loop cannot time itself out: under a virtual clock its timers follow
virtual time, and a test stuck in synchronous code never returns to the loop.
So one daemon thread, started on first use and shared by every test, waits
for the current deadline.  Arming and disarming cost a lock and, only when the
new deadline is earlier than the one the thread sleeps towards, a notify;
no thread is started per test.

When a deadline passes, the thread calls the ``on_expiry`` callback given to
``arm`` (the TestCase uses ``loop.call_soon_threadsafe`` to cancel the test).
If the same arming is still active ``STUCK_GRACE`` seconds later, the test is
stuck outside the loop: ``on_stuck`` interrupts it.  If it is still active
``GRACE_SECONDS`` after the deadline (the test swallowed its cancellation or
its interrupt, or no signal could reach it), the last resort: the thread
prints every thread's stack to stderr and interrupts the test again, every
``GRACE_SECONDS`` while a signal can reach it, so a suite never hangs.
``GRACE_SECONDS`` is 10 unless the ``ASYNCTOOLKIT_LAST_RESORT_SECONDS``
environment variable says otherwise (read when the thread starts, at the
first arming with a valid value).
"""

from __future__ import annotations

import _thread
import contextlib
import faulthandler
import math
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator

__all__: list[str] = []

# The real clock, captured at import: ClockedEventLoop.patch_time() may make
# time.monotonic() follow virtual time in the thread that arms the watchdog.
_monotonic = time.monotonic

#: Seconds between a missed deadline and the signal that interrupts a test
#: stuck outside its loop (``on_stuck``).
STUCK_GRACE = 1.0
#: Seconds between a missed deadline and the last resort, where no signal
#: could be used: every thread's stack, then ``KeyboardInterrupt`` in the main thread.
#: The default of ``grace_seconds()``.
GRACE_SECONDS = 10.0
#: The environment variable that sets ``grace_seconds()`` (a number of seconds).
GRACE_VARIABLE = "ASYNCTOOLKIT_LAST_RESORT_SECONDS"


class Later:
    """The type of ``LATER``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "LATER"


#: What ``on_stuck`` answers while the test is not to be interrupted (a
#: ``bounded_wait``, or between its phases at the last resort): nothing is
#: printed or interrupted, and it is asked again ``STUCK_GRACE`` seconds
#: later.  From about ``grace + max(grace, 3 * patience)`` seconds after the
#: deadline, the last resort prints every thread's stack each ``grace``
#: seconds, saying where the test is, and still interrupts nothing.
LATER = Later()

#: ``on_stuck(again, print_stacks)``: interrupts the test (returns None), or
#: says why it cannot (a reason), or ``LATER``.  With ``again`` (the last
#: resort) it calls ``print_stacks()`` just before it interrupts.
OnStuck = Callable[[bool, Callable[[], None]], "str | Later | None"]


# Bounded waits of the toolkit's own in progress (``bounded_wait``).
_bounded_waits = 0
# Where the last resort writes (``report_to_current_stderr``); None: sys.stderr.
_report_fd: int | None = None


def report_to_current_stderr() -> None:
    """From now on, write the last resort's stacks to file descriptor 2 as it
    is now, even once something captures it.

    The pytest plugin calls it when pytest imports it, before pytest captures
    the output: a test stuck past its limit, or a wait between its phases
    that lasts on, shows on the terminal while it lasts, not in the captured
    output of a test that may never end (as pytest-timeout's dumps do).
    """
    global _report_fd
    if _report_fd is None:
        with contextlib.suppress(OSError):  # no descriptor 2: sys.stderr, as before
            _report_fd = os.dup(2)


@contextlib.contextmanager
def bounded_wait() -> Iterator[None]:
    """Around a wait of the checks' own, bounded and running no user code
    (joining the threads a test left, for up to ``cancel_wait``): ``on_stuck``
    answers ``LATER`` meanwhile, so no interrupt lands in it."""
    global _bounded_waits
    _bounded_waits += 1
    try:
        yield
    finally:
        _bounded_waits -= 1


def in_bounded_wait() -> bool:
    """Is a ``bounded_wait`` in progress?"""
    return _bounded_waits > 0


def _grace_from_environment() -> float:
    """``GRACE_VARIABLE``'s value, else ``GRACE_SECONDS``; a clear error if it is not valid."""
    text = os.environ.get(GRACE_VARIABLE, "").strip()
    if not text:
        return GRACE_SECONDS
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not (STUCK_GRACE < seconds < math.inf):
        raise ValueError(
            f"{GRACE_VARIABLE}={text!r}: it must be a number of seconds greater than "
            f"{STUCK_GRACE:g} (the watchdog first interrupts a stuck test {STUCK_GRACE:g}s "
            f"after its limit; its last resort comes after that; the default is "
            f"{GRACE_SECONDS:g})"
        )
    return seconds


class _Watchdog:
    def __init__(self) -> None:
        # ``arm``/``disarm`` take the bare lock (a C-level context manager);
        # the thread waits on a condition over the same lock.
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        # The arming being watched: a token (increases with each arm), the
        # monotonic deadline, and what to do at expiry.  ``_token`` is None
        # while disarmed.
        self._token: int | None = None
        self._counter = 0
        self._deadline = 0.0
        self._on_expiry: Callable[[], None] | None = None
        self._expired = False
        self._on_stuck: OnStuck | None = None
        # When on_stuck(False) is (again) due: ``LATER`` asks again; inf once
        # it interrupted the test, or could not.
        self._stuck_due = 0.0
        # When the next last resort is due (None: ``grace`` after the
        # deadline; inf: never again, the main thread was interrupted).
        self._next_resort: float | None = None
        self._patience = 0.0
        self._sleeping_until = float("inf")
        self._thread: threading.Thread | None = None
        #: Seconds from a deadline to the last resort (read when the thread starts).
        self.grace = GRACE_SECONDS
        #: How many times the thread woke up (for tests: arming must not wake it).
        self.wakeups = 0

    def arm(
        self,
        seconds: float,
        on_expiry: Callable[[], None],
        on_stuck: OnStuck | None = None,
        patience: float = 0.0,
    ) -> int:
        """Watch a new deadline ``seconds`` from now; returns its token.

        ``on_expiry`` is called (in the watchdog thread) at the deadline;
        ``on_stuck(False, ...)``, if the same arming is still active
        ``STUCK_GRACE`` seconds later: it interrupts the test (returns None),
        or says why it does not.  ``grace`` seconds after the deadline, and
        again each ``grace`` seconds while the arming stays active, the last
        resort calls ``on_stuck(True, print_stacks)``, which must print every
        thread's stack and interrupt the test if it can, or answer ``LATER``
        (asked again ``STUCK_GRACE`` seconds later); where it cannot (or
        without ``on_stuck``), the stacks are printed and the main thread is
        interrupted, once.  ``patience``: the real seconds each of the waits
        between the test's phases may last (see ``LATER``).
        """
        deadline = _monotonic() + seconds
        if self._thread is None:
            # Before the thread exists: a wrong value fails this test (and the
            # next, until it is fixed), naming the variable.
            self.grace = _grace_from_environment()
        with self._lock:
            self._counter += 1
            self._token = self._counter
            self._deadline = deadline
            self._on_expiry = on_expiry
            self._on_stuck = on_stuck
            self._stuck_due = deadline + STUCK_GRACE
            self._expired = False
            self._next_resort = None
            self._patience = patience
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="asynctoolkit-watchdog", daemon=True
                )
                self._thread.start()
            elif deadline < self._sleeping_until:
                self._cond.notify()
            return self._counter

    def disarm(self, token: int) -> bool:
        """Stop watching ``token``; True if its deadline had already passed."""
        with self._lock:
            expired = self._expired and self._token == token
            if self._token == token:
                # Keep nothing of the test alive once it is over.
                self._token = None
                self._on_expiry = None
                self._on_stuck = None
            return expired

    def time_left(self, token: int) -> float | None:
        """Real seconds until ``token``'s deadline (negative once passed);
        None if it is no longer armed."""
        with self._lock:
            return self._deadline - _monotonic() if self._token == token else None

    def _run(self) -> None:  # pragma: no cover - timing-dependent thread body
        with self._cond:
            while True:
                self.wakeups += 1
                now = _monotonic()
                if self._token is None:
                    # Disarmed.  Keep sleeping towards the last deadline: the
                    # next test arms a later one, which then needs no notify
                    # (waking this thread for every test costs the main thread
                    # the GIL, bench/bench_case.py); an earlier deadline notifies.
                    if self._deadline > now:
                        self._sleeping_until = self._deadline
                        self._cond.wait(self._deadline - now)
                    else:
                        self._sleeping_until = float("inf")
                        self._cond.wait()
                    continue
                if not self._expired:
                    due = self._deadline
                elif self._on_stuck is not None and self._stuck_due < math.inf:
                    due = self._stuck_due
                elif self._next_resort is None:
                    due = self._deadline + self.grace
                elif self._next_resort < math.inf:
                    due = self._next_resort
                else:  # interrupt_main() only once: it is not aimed at the test
                    self._sleeping_until = float("inf")
                    self._cond.wait()
                    continue
                if now < due:
                    self._sleeping_until = due
                    self._cond.wait(due - now)
                    continue
                if not self._expired:
                    self._expired = True
                    callback = self._on_expiry
                    if callback is not None:
                        with contextlib.suppress(Exception):  # the loop may be closed
                            callback()
                elif self._on_stuck is not None and self._stuck_due < math.inf:
                    answer = self._call_on_stuck(False, _nothing)
                    # ``LATER``: asked again each STUCK_GRACE, until the last resort.
                    if answer is LATER and now + STUCK_GRACE < self._deadline + self.grace:
                        self._stuck_due = now + STUCK_GRACE
                    else:
                        self._stuck_due = math.inf
                else:
                    self._last_resort(now)

    def _call_on_stuck(self, again: bool, print_stacks: Callable[[], None]) -> str | Later | None:
        on_stuck = self._on_stuck
        if on_stuck is None:
            return "no way to interrupt the test was given"
        try:
            return on_stuck(again, print_stacks)
        except Exception as error:  # never let the watchdog die
            return f"{type(error).__name__}: {error}"

    def _last_resort(self, now: float) -> None:
        """The arming is still active ``grace`` seconds after its deadline (or
        after the last resort): print every thread's stack, and interrupt."""
        late = now - self._deadline
        printed = False

        def print_stacks(what: str = _INTERRUPTED) -> None:
            # Before the interrupt: once it is handled, the test's thread is elsewhere.
            nonlocal printed
            printed = True
            header = (
                f"\nasynctoolkit: a test is still running {late:.0f}s after its time "
                f"limit: {what}.\n"
            )
            fd = _report_fd
            if fd is None:
                sys.stderr.write(header)
                faulthandler.dump_traceback(all_threads=True)
            else:
                with contextlib.suppress(OSError):
                    os.write(fd, header.encode(errors="replace"))
                    faulthandler.dump_traceback(file=fd, all_threads=True)

        answer = self._call_on_stuck(True, print_stacks)
        if answer is LATER:
            # Between its phases, whose waits are bounded by ``patience``: asked
            # again each second.  Past that, a wait there that never ends (an
            # executor job that runs on) shows where it is, each ``grace``
            # seconds, but is not interrupted (that would stop the whole run).
            bound = self._deadline + self.grace + max(self.grace, 3 * self._patience)
            if now + STUCK_GRACE <= bound:
                self._next_resort = now + STUCK_GRACE
            else:
                print_stacks(_BETWEEN_PHASES)
                self._next_resort = now + self.grace
            return
        if not printed:
            print_stacks()
        if answer is None:
            # Again each ``grace`` seconds while a signal can reach the test: code
            # that swallowed one interrupt (or a collector's callback that lost it) ends.
            self._next_resort = now + self.grace
        else:  # once: the main thread, which may not be the test's
            self._next_resort = math.inf
            _thread.interrupt_main()


_INTERRUPTED = (
    "it did not end when it was cancelled or interrupted; stacks of every thread follow, "
    "then it is interrupted"
)
_BETWEEN_PHASES = (
    "it is between its phases (its checks, or closing its loop), where it is not "
    "interrupted; stacks of every thread follow"
)


def _nothing() -> None:
    pass


_watchdog = _Watchdog()
arm = _watchdog.arm
disarm = _watchdog.disarm
time_left = _watchdog.time_left


def grace_seconds() -> float:
    """Seconds from a missed deadline to the last resort (``GRACE_SECONDS`` by default)."""
    return _watchdog.grace
