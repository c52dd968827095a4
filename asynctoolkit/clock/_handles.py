"""The handles of a ``ClockedEventLoop``: its timers, and ready callbacks made in one step.

Every ``asyncio.sleep`` makes a timer and every task wake-up a handle: these
are the clock's hot path.  Outside debug mode both are made here by setting
the slots asyncio's constructors set, in one frame; debug mode takes
asyncio's own way, which records where each handle was made.  The slots are
a detail of asyncio: ``tests/shared/test_asyncio_details_clock.py`` checks
their list, and that both ways make equal handles, on every supported Python.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from asynctoolkit.clock._core import VirtualClock

__all__: list[str] = []


class ClockTimer(asyncio.TimerHandle):
    """The ``TimerHandle`` of a ``ClockedEventLoop``: tells the clock when it is cancelled.

    The clock keeps cancelled timers until their instant comes, like
    asyncio's heap; counting cancellations lets it drop them in bulk before
    they pile up (``asyncio.timeout`` cancels a timer on every exit in time).
    """

    __slots__ = ("_clock",)
    _clock: VirtualClock
    # Slots of asyncio's handles that typeshed does not declare.
    _source_traceback: Any
    _repr: str | None
    _when: float
    _scheduled: bool

    def __init__(
        self,
        when: float,
        callback: Callable[..., object],
        args: Sequence[Any],
        loop: asyncio.AbstractEventLoop,
        context: contextvars.Context | None,
        clock: VirtualClock,
    ) -> None:
        # What ``TimerHandle.__init__`` (and ``Handle.__init__``) set, set here
        # at once (see the module documentation).
        if loop._debug:  # type: ignore[attr-defined]
            super().__init__(when, callback, args, loop, context)
            frames = self._source_traceback
            if frames:  # this frame: the stack ends at the maker (call_at)
                del frames[-1]
        else:
            self._context = contextvars.copy_context() if context is None else context
            self._loop = loop
            self._callback = callback
            self._args = args
            self._cancelled = False
            self._repr = None
            self._source_traceback = None
            self._when = when
            self._scheduled = False
        self._clock = clock

    def cancel(self) -> None:
        if not self._cancelled:
            # A timer that has fired (due now or before) is no longer kept.
            if self._when > self._clock.now:
                self._clock.note_cancel()
            # ``TimerHandle.cancel`` adds only the count of asyncio's own heap,
            # where a clocked loop keeps no timer.
            _cancel_handle(self)


_cancel_handle = asyncio.Handle.cancel

# asyncio.sleep's timer: ``loop.call_later(delay, SLEEP_CALLBACK, future, result)``,
# on the future ``sleep`` made with ``loop.create_future()`` (a detail of
# asyncio: tests/shared checks it).  The callback runs no asyncio or user
# callback: it sets the future's result unless it was cancelled, and the
# loop's own ``call_soon`` schedules the future's done callbacks, each in the
# context it was added with.  So ``ClockedEventLoop.call_later`` gives those
# timers one context of the loop's instead of a copy of the current one each
# (unless a subclass overrides ``call_soon``): a sleep makes one object fewer
# for the garbage collector to count and go through (a crowd of sleeping
# tasks: about a ninth of what it keeps alive).
SLEEP_CALLBACK: Callable[..., object] = asyncio.futures._set_result_unless_cancelled  # type: ignore[attr-defined]

_new_object = object.__new__


def new_handle(
    callback: Callable[..., object],
    args: Sequence[Any],
    loop: asyncio.AbstractEventLoop,
    context: contextvars.Context | None,
) -> asyncio.Handle:
    """``asyncio.Handle(callback, args, loop, context)`` outside debug mode, in one step.

    Detail of asyncio: the slots ``Handle.__init__`` sets (tests/shared
    checks the list and that both ways make equal handles).
    """
    handle: Any = _new_object(asyncio.Handle)
    handle._context = contextvars.copy_context() if context is None else context
    handle._loop = loop
    handle._callback = callback
    handle._args = args
    handle._cancelled = False
    handle._repr = None
    handle._source_traceback = None
    return handle  # type: ignore[no-any-return]
