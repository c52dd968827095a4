"""``ClockedEventLoop.patch_time``: the ``time`` module follows a loop's clock in one thread."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from asynctoolkit.clock._core import NS_PER_SECOND, VirtualClock

__all__: list[str] = []

#: The ``time`` functions replaced, each restored on exit.
_PATCHED_TIME_FUNCTIONS = (
    "monotonic",
    "perf_counter",
    "time",
    "monotonic_ns",
    "perf_counter_ns",
    "time_ns",
)


@contextlib.contextmanager
def patched_time(clock: VirtualClock, epoch_ns: int) -> Iterator[None]:
    """Within ``with``, this thread's ``time`` functions read ``clock``.

    ``epoch_ns`` is the real wall-clock time (``time.time_ns()``) when the
    clock read 0: ``time.time()`` returns it plus the virtual time.
    """
    owner = threading.get_ident()
    originals = {name: getattr(time, name) for name in _PATCHED_TIME_FUNCTIONS}

    def seconds(real: Callable[[], float]) -> Callable[[], float]:
        def virtual() -> float:
            return clock.now if threading.get_ident() == owner else real()

        return virtual

    def nanoseconds(real: Callable[[], int]) -> Callable[[], int]:
        def virtual() -> int:
            return clock.now_ns() if threading.get_ident() == owner else real()

        return virtual

    def wall() -> float:
        if threading.get_ident() != owner:
            return originals["time"]()  # type: ignore[no-any-return]
        return (epoch_ns + clock.now_ns()) / NS_PER_SECOND

    def wall_ns() -> int:
        if threading.get_ident() != owner:
            return originals["time_ns"]()  # type: ignore[no-any-return]
        return epoch_ns + clock.now_ns()

    replacements: dict[str, Callable[[], Any]] = {
        "monotonic": seconds(originals["monotonic"]),
        "perf_counter": seconds(originals["perf_counter"]),
        "time": wall,
        "monotonic_ns": nanoseconds(originals["monotonic_ns"]),
        "perf_counter_ns": nanoseconds(originals["perf_counter_ns"]),
        "time_ns": wall_ns,
    }
    try:
        for name, function in replacements.items():
            setattr(time, name, function)
        yield
    finally:
        for name, function in originals.items():
            setattr(time, name, function)
