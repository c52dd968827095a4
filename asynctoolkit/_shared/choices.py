"""The seeded choices of one explored run (``asynctoolkit.explore``).

While ``explore`` runs a test, one ``Choices`` is *current*: the first
``ClockedEventLoop`` created during that run claims it (``claim``), and from
then on every choice the loop may legally make is drawn from its seeded
generator and written to its trace:

* ``lateness``: how late the clock wakes for a timer, in ``[0, jitter]``;
* ``tie_order``: the order of timers due at the same instant;
* ``delay``: the latency of a message a double delivers, in ``latency``;
* ``fault``: whether a double injects a failure the real world produces.

Code outside an explored run finds no current ``Choices`` and behaves as it
always did (timers due together fire in scheduling order, messages arrive at
once, nothing fails).  The module knows nothing of the clock or the doubles:
they ask it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, TypeVar

__all__: list[str] = []

_T = TypeVar("_T")

#: The run being explored in this process (one test at a time, as the runners run them).
_current: Choices | None = None


class Choices:
    """The seeded generator and trace of one explored run.

    ``jitter`` (seconds, >= 0), ``latency`` (``(low, high)`` seconds) and
    ``faults`` (a probability) are the run's ranges; ``seed`` decides every
    draw.  ``trace`` lists each choice as ``(virtual time, what was chosen)``.
    """

    def __init__(
        self, seed: int, *, jitter: float, latency: tuple[float, float], faults: float
    ) -> None:
        self.seed = seed
        self.jitter = jitter
        self.latency = latency
        self.faults = faults
        self.loop: asyncio.AbstractEventLoop | None = None
        self.trace: list[tuple[float, str]] = []
        import random  # here: only explored runs need it (import time, bench_import.py)

        self._random = random.Random(seed)

    def now(self) -> float:
        """The claiming loop's time (0 before a loop claimed the run)."""
        return self.loop.time() if self.loop is not None else 0.0

    def note(self, what: str) -> None:
        """Add ``what`` to the trace at the current virtual time."""
        self.trace.append((self.now(), what))

    def lateness(self, due: float) -> float:
        """How late (seconds, in ``[0, jitter]``) the clock wakes for a timer due at ``due``."""
        if self.jitter <= 0:
            return 0.0
        late = self.jitter * self._random.random()
        self.trace.append((due, f"wake {late * 1e3:.3f} ms late"))
        return late

    def tie_order(self, timers: list[_T], describe: Any) -> list[_T]:
        """``timers`` (due at the same instant, at least two) in the order they fire."""
        order = list(range(len(timers)))
        self._random.shuffle(order)
        if order != sorted(order):
            names = ", ".join(f"#{i + 1} {describe(timers[i])}" for i in order)
            self.note(f"{len(timers)} timers due together (#n: n-th scheduled) fire as: {names}")
        return [timers[i] for i in order]

    def delay(self, what: str) -> float:
        """The latency (seconds, within ``latency``) of one message: ``what`` names it."""
        low, high = self.latency
        if high <= 0:
            return 0.0
        chosen = low + (high - low) * self._random.random()
        self.note(f"{what}: delivered after {chosen * 1e3:.3f} ms")
        return chosen

    def fault(self, what: str, kinds: Sequence[str]) -> str | None:
        """One of ``kinds`` to inject into ``what``, with probability ``faults``; else None."""
        if self.faults <= 0 or not kinds:
            return None
        if self._random.random() >= self.faults:
            return None
        kind = kinds[self._random.randrange(len(kinds))]
        self.note(f"{what}: injected fault {kind}")
        return kind

    def shortened_trace(self, head: int = 10, tail: int = 30) -> str:
        """The trace as lines, the middle left out when it is long."""
        lines = [f"  t={when:.9g}: {what}" for when, what in self.trace]
        if not lines:
            return "  (no choice was made: the run had no timer, message or fault to choose)"
        if len(lines) > head + tail + 1:
            skipped = len(lines) - head - tail
            lines = [*lines[:head], f"  ... {skipped} more choices ...", *lines[-tail:]]
        return "\n".join(lines)


def begin(choices: Choices) -> None:
    """Make ``choices`` the current run's (the next clocked loop created claims it)."""
    global _current
    _current = choices


def end() -> None:
    """The explored run is over."""
    global _current
    _current = None


def current() -> Choices | None:
    """The current explored run, if any."""
    return _current


def claim(loop: asyncio.AbstractEventLoop) -> Choices | None:
    """The current run's choices for ``loop``, if no other loop claimed them first."""
    choices = _current
    if choices is None or choices.loop is not None:
        return None
    choices.loop = loop
    return choices


def for_running_loop() -> Choices | None:
    """The current run's choices if the running loop claimed them (for the doubles)."""
    choices = _current
    if choices is None or choices.loop is None:
        return None
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        return None
    return choices if running is choices.loop else None
