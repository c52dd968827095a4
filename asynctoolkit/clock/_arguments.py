"""The checks ``ClockedEventLoop`` applies to its arguments, with messages that say what to pass."""

from __future__ import annotations

import asyncio
import inspect
import math
import reprlib
import sys

from asynctoolkit.clock._grid import smallest_step, to_grid
from asynctoolkit.clock._messages import fmt_time, unmoved

__all__: list[str] = []


def checked_seconds(method: str, value: object, *, negative_ok: bool = False) -> float:
    """A finite number of virtual seconds for ``method``, >= 0 unless ``negative_ok``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{method}() takes a number of seconds, not {value!r}")
    try:
        seconds = float(value)
    except OverflowError:
        raise ValueError(too_large(f"{method}({short_repr(value)})")) from None
    if not math.isfinite(seconds):
        raise ValueError(f"{method}() takes a finite number of seconds, not {value!r}")
    if seconds < 0 and not negative_ok:
        raise ValueError(f"{method}({value!r}): time only moves forward; pass 0 or more seconds")
    return seconds


def advance_target(seconds: object, span: float, now: float) -> float:
    """Where ``advance(seconds)`` (``span``: checked) takes a clock at ``now``.

    The same instant as a timer set now with ``call_later(seconds)``.  Raises
    ValueError for a target beyond floats, or a span too small to move the clock.
    """
    target = to_grid(now + span)
    if not math.isfinite(target):
        raise ValueError(
            f"advance({seconds!r}) from t={fmt_time(now)} goes past the largest "
            "time a float can hold (the target is too large for a float)"
        )
    if span > 0 and not target > now:
        raise ValueError(unmoved(f"advance({seconds!r})", now, smallest_step(now)))
    return max(target, now)


def advance_to_target(when: object, target: float, now: float) -> float:
    """Where ``advance_to(when)`` (``target``: checked, not before ``now``) takes the clock.

    Due times are whole nanoseconds: ``when`` rounds the same way, so a timer
    set with ``call_at(when)`` fires within the advance.  Raises ValueError
    for a target later than ``now`` but too close to it to move the clock.
    """
    grid = to_grid(target)
    if target > now and not grid > now:
        raise ValueError(unmoved(f"advance_to({when!r})", now, smallest_step(now)))
    return max(grid, now)


def check_caller(loop: asyncio.AbstractEventLoop, method: str) -> None:
    """Refuse ``method`` (``advance``...) awaited from a task of another loop than ``loop``."""
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:  # pragma: no cover - an await always has a running loop
        running = None
    if running is not loop:
        raise RuntimeError(
            f"{method}() must be awaited by a task running on this ClockedEventLoop, "
            f"not on {running!r}"
        )


def too_large(call: str) -> str:
    """Why ``call`` names a time beyond what the loop's float clock can hold."""
    return (
        f"{call}: the time is beyond what a float can hold (loop.time() is a float, at most "
        f"about {sys.float_info.max:.3g} seconds); pass a smaller number"
    )


def short_repr(value: object) -> str:
    """``repr(value)``, cut short for a huge number."""
    return reprlib.repr(value)


def checked_autojump(value: object) -> bool:
    """The ``autojump`` setting: True or False, nothing else."""
    if not isinstance(value, bool):
        raise TypeError(f"autojump must be True or False, not {value!r}")
    return value


def checked_spin_limit(value: object) -> int:
    """The ``spin_limit`` setting: a whole number, 1 or more."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"spin_limit is a whole number of loop iterations, not {value!r}")
    if value < 1:
        raise ValueError(f"spin_limit must be 1 or more, not {value!r}")
    return value


def real_seconds(name: str, value: object) -> float:
    """A setting ``name`` in real seconds: finite and >= 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} is a number of real seconds, not {value!r}")
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be a finite number of real seconds >= 0, not {value!r}")
    return float(value)


def check_callback(callback: object, method: str) -> None:
    """Refuse what asyncio's debug mode refuses as a callback of ``method``."""
    # What asyncio checks in debug mode (``BaseEventLoop._check_callback``).
    if asyncio.iscoroutine(callback) or _is_coroutine_function(callback):
        raise TypeError(f"coroutines cannot be used with {method}()")
    if not callable(callback):
        raise TypeError(f"a callable object was expected by {method}(), got {callback!r}")


#: asyncio's own test, which also knows Python 3.10's ``@asyncio.coroutine``
#: functions; deprecated from Python 3.14, where ``inspect``'s is the same test.
_is_coroutine_function = (
    asyncio.iscoroutinefunction if sys.version_info < (3, 14) else inspect.iscoroutinefunction
)
