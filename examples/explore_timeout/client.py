"""A request/reply client with a per-call timeout.  It has a bug.

The client sends requests over a transport that matches replies to calls by
an id, and gives each call ``timeout`` seconds.  It counts the calls in a row
that timed out, and after ``max_timeouts`` of them marks itself unhealthy (a
pool would then stop using it).  A reply resets the count.

Each call sets a timer with ``loop.call_later``; when the reply comes, the
caller's task resumes and cancels that timer.  The author's reasoning: "if the
reply arrives before the deadline, the timer is cancelled; so if the timer
fires, no reply came".  But the reply does not resume the task at once: it
sets a future, and the task runs one loop iteration later.  asyncio never
promises that the loop wakes on time for a timer, only that it never wakes
early and runs due timers in due order: a loop that wakes a few milliseconds
late, past the deadline, finds the reply's timer and the timeout's timer both
due and runs both callbacks in the same iteration, before the task resumes.
The timeout handler then counts a timeout for a call that succeeded, and
crashes on the future the reply has already resolved: the client's state is
half-updated.

``client_fixed.py`` is the corrected version; ``test_client.py`` shows how
``asynctoolkit.explore`` finds the bug that ordinary tests miss.
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
        self._waiting: dict[int, asyncio.Future[str]] = {}

    async def call(self, request: str) -> str:
        """Send ``request`` and return its reply; TimeoutError after ``timeout`` seconds."""
        loop = asyncio.get_running_loop()
        call_id = next(self._ids)
        reply: asyncio.Future[str] = loop.create_future()
        self._waiting[call_id] = reply
        timer = loop.call_later(self.timeout, self._time_out, call_id)
        self._send(call_id, request)
        try:
            return await reply
        finally:
            # The bug: the timer is cancelled when this task resumes, one loop
            # iteration after the reply came.  By then, its callback may have run.
            timer.cancel()
            self._waiting.pop(call_id, None)

    def reply_received(self, call_id: int, text: str) -> None:
        """The transport delivers the reply to call ``call_id``."""
        reply = self._waiting.get(call_id)
        if reply is None:
            return  # too late: that call timed out
        reply.set_result(text)
        self.timeouts = 0

    def _time_out(self, call_id: int) -> None:
        reply = self._waiting.pop(call_id)
        self.timeouts += 1
        if self.timeouts >= self.max_timeouts:
            self.healthy = False
        # InvalidStateError if the reply has already resolved the future.
        reply.set_exception(TimeoutError(f"no reply to call {call_id} in {self.timeout} s"))
