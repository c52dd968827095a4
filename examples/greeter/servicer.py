"""``Greeter``: the implementation of the Greeter service, as a ``grpc.aio`` servicer.

This is the servicer under test in this example (``test_servicer.py``).  Its
handlers are ``async def`` methods, as grpc.aio runs them: they read the
caller's metadata, end bad calls with ``context.abort``, and look at the
caller's deadline with ``context.time_remaining()`` before starting work they
could not finish in time.
"""

from __future__ import annotations

import asyncio
import hmac
import math
from collections.abc import AsyncIterator
from typing import Any

import grpc
import grpc.aio

from greeter._generated import GreeterServicer, pb

__all__ = ["MAX_GREETINGS", "MAX_NAME_LENGTH", "Greeter"]

#: The longest name ``Greeter`` accepts, in characters.
MAX_NAME_LENGTH = 100
#: The most greetings one ``SayHelloStream`` call may ask for.
MAX_GREETINGS = 10

# Sent with UNAUTHENTICATED, as HTTP does with 401: how to authenticate.
_CHALLENGE = (("www-authenticate", 'Bearer realm="greeter"'),)


class Greeter(GreeterServicer):  # type: ignore[misc]  # a base class typed Any
    """The Greeter service.

    Every call must carry ``authorization: Bearer <token>`` metadata, else it
    ends UNAUTHENTICATED.  ``SayHelloStream`` sends its greetings
    ``interval`` seconds apart, and refuses at once (DEADLINE_EXCEEDED) a
    call whose deadline would pass before the last greeting.
    """

    def __init__(self, token: str, *, interval: float = 1.0) -> None:
        if not isinstance(token, str) or not token:
            raise ValueError(f"token must be a non-empty string, not {token!r}")
        if isinstance(interval, bool) or not isinstance(interval, (int, float)):
            raise TypeError(f"interval is a number of seconds, not {interval!r}")
        if not (math.isfinite(interval) and interval >= 0):
            raise ValueError(f"interval must be a finite number of seconds >= 0, not {interval!r}")
        self._expected = f"Bearer {token}".encode()
        self._interval = interval

    async def SayHello(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        """One greeting for ``request.name``."""
        await self._authenticate(context)
        name = await self._checked_name(request, context)
        return pb.HelloReply(message=f"Hello, {name}!")

    async def SayHelloStream(
        self, request: Any, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[Any]:
        """``request.count`` greetings for ``request.name``, ``interval`` seconds apart."""
        await self._authenticate(context)
        name = await self._checked_name(request, context)
        count = request.count
        if not 1 <= count <= MAX_GREETINGS:
            await context.abort(
                grpc.StatusCode.INVALID_ARGUMENT,
                f"count must be from 1 to {MAX_GREETINGS}, not {count}",
            )
        # Fail fast rather than be cut off midway: the last greeting goes out
        # (count - 1) intervals from now, and it must precede the deadline.
        needed = (count - 1) * self._interval
        remaining = context.time_remaining()
        if remaining is not None and remaining <= needed:
            await context.abort(
                grpc.StatusCode.DEADLINE_EXCEEDED,
                f"{count} greetings take {needed:g} s but the deadline is {remaining:g} s away",
            )
        for n in range(1, count + 1):
            if n > 1:
                await asyncio.sleep(self._interval)
            yield pb.HelloReply(message=f"Hello, {name}! ({n}/{count})")

    async def _authenticate(self, context: grpc.aio.ServicerContext) -> None:
        metadata = dict(context.invocation_metadata() or ())
        supplied = metadata.get("authorization", "")
        if not isinstance(supplied, str):  # a -bin key would carry bytes
            supplied = ""
        # compare_digest takes as long for any wrong token: no timing hints.
        if not hmac.compare_digest(supplied.encode(), self._expected):
            await context.abort(
                grpc.StatusCode.UNAUTHENTICATED,
                "this call needs 'authorization: Bearer <token>' metadata with a valid token",
                _CHALLENGE,
            )

    async def _checked_name(self, request: Any, context: grpc.aio.ServicerContext) -> str:
        name = str(request.name).strip()
        if not name:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "name is required")
        if len(name) > MAX_NAME_LENGTH:
            await context.abort(
                grpc.StatusCode.INVALID_ARGUMENT,
                f"name is {len(name)} characters long; the limit is {MAX_NAME_LENGTH}",
            )
        return name
