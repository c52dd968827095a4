"""Coroutines that help a test wait for the loop to settle."""

from __future__ import annotations

import asyncio

from asynctoolkit._shared import asyncio_details

__all__ = ["exhaust_callbacks"]

#: Loop iterations ``exhaust_callbacks`` allows before deciding callbacks re-arm forever.
MAX_ITERATIONS = 10_000


async def exhaust_callbacks(loop: asyncio.AbstractEventLoop | None = None) -> None:
    """Run the loop until no callback is ready, without waiting for timers.

    Callbacks scheduled by the callbacks that run are run too.  ``loop``
    defaults to the running loop and must be the loop running this
    coroutine.  Raises RuntimeError if callbacks keep scheduling new ones
    for ``MAX_ITERATIONS`` iterations (a callback that re-arms itself).
    """
    running = asyncio.get_running_loop()
    if loop is None:
        loop = running
    elif loop is not running:
        raise ValueError(
            "exhaust_callbacks(loop) must be awaited on that loop: it runs the loop by "
            "yielding to it"
        )
    for _ in range(MAX_ITERATIONS):
        if not any(not handle.cancelled() for handle in asyncio_details.ready_handles(loop)):
            return
        await asyncio.sleep(0)
    raise RuntimeError(
        f"exhaust_callbacks: callbacks were still ready after {MAX_ITERATIONS} loop "
        "iterations; a callback keeps re-scheduling itself with call_soon"
    )
