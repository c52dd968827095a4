"""The client of ``client.py``, fixed: the first of the reply and the timeout settles the call.

A call ends in one of two callbacks, the reply's or the timer's, and both may
run in the same loop iteration.  So the first one to run settles the call
entirely, there and then: it removes the call's entry from ``_waiting`` (and
the reply cancels the timer), so that the second finds nothing left to do.
Nothing about the outcome waits for the caller's task to resume.  (A cancelled
timer that the loop had already queued does not run: asyncio skips it.)
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable


class Client:
    """Calls over a transport; each call waits at most ``timeout`` seconds for its reply.

    ``send(call_id, request)`` hands a request to the transport, which calls
    ``reply_received(call_id, reply)`` when the reply arrives.  ``timeouts``
    counts the calls in a row that timed out; ``healthy`` turns False after
    ``max_timeouts`` of them.
    """

    def __init__(
        self, send: Callable[[int, str], None], *, timeout: float = 1.0, max_timeouts: int = 3
    ) -> None:
        self._send = send
        self.timeout = timeout
        self.max_timeouts = max_timeouts
        self.timeouts = 0
        self.healthy = True
        self._ids = itertools.count()
        # The calls waiting for their reply, with their timers: whoever removes
        # a call's entry settles the call, and cancels its timer.
        self._waiting: dict[int, tuple[asyncio.Future[str], asyncio.TimerHandle]] = {}

    async def call(self, request: str) -> str:
        """Send ``request`` and return its reply; TimeoutError after ``timeout`` seconds."""
        loop = asyncio.get_running_loop()
        call_id = next(self._ids)
        reply: asyncio.Future[str] = loop.create_future()
        timer = loop.call_later(self.timeout, self._time_out, call_id)
        self._waiting[call_id] = (reply, timer)
        self._send(call_id, request)
        try:
            return await reply
        finally:
            # Still there only if the caller gave up (its task was cancelled).
            waiting = self._waiting.pop(call_id, None)
            if waiting is not None:
                waiting[1].cancel()

    def reply_received(self, call_id: int, text: str) -> None:
        """The transport delivers the reply to call ``call_id``."""
        waiting = self._waiting.pop(call_id, None)
        if waiting is None:
            return  # too late: that call timed out
        reply, timer = waiting
        timer.cancel()  # even if its callback is already queued in this iteration
        self.timeouts = 0
        reply.set_result(text)

    def _time_out(self, call_id: int) -> None:
        reply, _ = self._waiting.pop(call_id)  # there: whoever removed it cancelled this timer
        self.timeouts += 1
        if self.timeouts >= self.max_timeouts:
            self.healthy = False
        reply.set_exception(TimeoutError(f"no reply to call {call_id} in {self.timeout} s"))
