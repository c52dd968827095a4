"""The clock's resolution: every due time and ``advance`` target is a whole nanosecond."""

from __future__ import annotations

import math

__all__: list[str] = []

NS_PER_SECOND = 1_000_000_000
# Below this many seconds, ``seconds * 1e9`` is below 2**52: see ``to_grid``.
_FAST_SECONDS = 4e6
# From about 2**53 ns (104 days) floats are spaced wider than a nanosecond;
# well beyond, rounding to one is the identity (and the integers get huge).
_NO_FINER_THAN_NS = 1e12


def seconds_to_ns(seconds: float) -> int:
    """``seconds`` (finite) as the nearest whole number of nanoseconds, exactly."""
    if isinstance(seconds, int):
        return seconds * NS_PER_SECOND
    num, den = float(seconds).as_integer_ratio()
    return (2 * num * NS_PER_SECOND + den) // (2 * den)


def grid_ns(when: float) -> int:
    """``when`` (finite seconds) as the nearest whole number of nanoseconds."""
    if when.__class__ is float and -_FAST_SECONDS < when < _FAST_SECONDS:
        # The product is within half a unit of the exact one: the result is
        # the nearest nanosecond (ties may go either way, the same way each time).
        return round(when * 1e9)
    return seconds_to_ns(when)


def to_grid(when: float) -> float:
    """``when`` rounded to the nearest nanosecond: the clock's resolution.

    Every due time and every ``advance`` target goes through this one
    function, so ``call_later(d)``, ``call_at(loop.time() + d)`` (how
    ``asyncio.timeout`` and ``wait_for`` schedule) and ``advance(d)`` all land
    on the same instant, and sums of delays do not drift: 10,000 sleeps of
    0.001 s end at exactly t=10.0.
    """
    if when.__class__ is float and -_FAST_SECONDS < when < _FAST_SECONDS:
        return round(when * 1e9) / NS_PER_SECOND  # what ``grid_ns`` does, inlined: it is hot
    if not abs(when) < _NO_FINER_THAN_NS:
        # Infinite, NaN, or so large that floats are coarser than 1 ns (an int
        # too large for a float raises OverflowError here).
        return float(when)
    return grid_ns(when) / NS_PER_SECOND


def smallest_step(now: float) -> float:
    """About the smallest ``advance`` that moves a clock at ``now`` (finite, on the grid).

    One nanosecond (the clock's resolution) while floats are finer than that;
    beyond, the spacing of floats near ``now``.
    """
    step = max(math.ulp(now), 1 / NS_PER_SECOND)
    while not to_grid(now + step) > now:  # a few doublings at most
        step *= 2
    return step
