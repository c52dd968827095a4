"""``GreeterClient``: the Greeter service behind a small async API.

This is the client library under test in this example (``test_client.py``).
It is ordinary ``grpc.aio`` code: it wraps the generated ``GreeterStub`` and
adds what a real client adds around it, a deadline per call, an auth token
sent as metadata, and retries with exponential backoff when the server is
UNAVAILABLE.  It reads time only through the running loop (``loop.time()``,
``asyncio.sleep`` and gRPC timeouts), which is what lets a virtual-clock loop
drive every one of those delays in the tests.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncGenerator
from dataclasses import dataclass

import grpc
import grpc.aio

from greeter._generated import GreeterStub, pb

__all__ = ["GreeterClient", "RetryPolicy"]


@dataclass(frozen=True)
class RetryPolicy:
    """How ``GreeterClient`` retries a call that failed with UNAVAILABLE.

    ``max_attempts`` counts the first attempt too (1: never retry).  Retry
    number ``n`` (1 for the first) waits ``backoff(n)`` seconds, that is
    ``initial_backoff * multiplier ** (n - 1)``, capped at ``max_backoff``.
    There is no random jitter, to keep the example small; a fleet of clients
    would add some so that they do not all reconnect at the same instant.
    """

    max_attempts: int = 4
    initial_backoff: float = 0.1
    multiplier: float = 2.0
    max_backoff: float = 1.0

    def __post_init__(self) -> None:
        if isinstance(self.max_attempts, bool) or not isinstance(self.max_attempts, int):
            raise TypeError(f"max_attempts must be a whole number, not {self.max_attempts!r}")
        if self.max_attempts < 1:
            raise ValueError(
                f"max_attempts must be 1 or more (1: no retry), not {self.max_attempts}"
            )
        _check_seconds("initial_backoff", self.initial_backoff)
        _check_seconds("max_backoff", self.max_backoff)
        if not (math.isfinite(self.multiplier) and self.multiplier >= 1):
            raise ValueError(f"multiplier must be a finite number >= 1, not {self.multiplier!r}")

    def backoff(self, retry: int) -> float:
        """Seconds to wait before retry number ``retry`` (1 for the first retry)."""
        if retry < 1:
            raise ValueError(f"retries are numbered from 1, not {retry}")
        return min(self.initial_backoff * self.multiplier ** (retry - 1), self.max_backoff)


class GreeterClient:
    """Calls the Greeter service on ``channel`` (any ``grpc.aio.Channel``).

    ``token`` goes with every call as ``authorization: Bearer <token>``
    metadata.  ``timeout`` is the deadline of each call in seconds, retries
    included: every attempt gets what is left of it as its gRPC timeout, and
    a retry whose backoff would end past the deadline is not made (the last
    error is raised instead).  ``retry`` says which failures are retried and
    how fast (default: ``RetryPolicy()``).  Failed calls raise
    ``grpc.aio.AioRpcError``.
    """

    def __init__(
        self,
        channel: grpc.aio.Channel,
        token: str,
        *,
        timeout: float = 5.0,
        retry: RetryPolicy | None = None,
    ) -> None:
        if not isinstance(token, str) or not token or token != token.strip():
            raise ValueError(
                f"token must be a non-empty string without blanks around, not {token!r}"
            )
        _check_seconds("timeout", timeout)
        if timeout == 0:
            raise ValueError("timeout must be more than 0 seconds: a call needs time to run")
        self._stub = GreeterStub(channel)
        self._metadata = (("authorization", f"Bearer {token}"),)
        self._timeout = timeout
        self._retry = retry if retry is not None else RetryPolicy()

    async def say_hello(self, name: str) -> str:
        """The server's greeting for ``name``, retrying while it is UNAVAILABLE."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._timeout
        request = pb.HelloRequest(name=name)
        attempt = 1
        while True:
            try:
                reply = await self._stub.SayHello(
                    request, timeout=deadline - loop.time(), metadata=self._metadata
                )
                return str(reply.message)
            except grpc.aio.AioRpcError as error:
                if error.code() != grpc.StatusCode.UNAVAILABLE:
                    raise  # the server answered: retrying would get the same answer
                if attempt == self._retry.max_attempts:
                    raise
                delay = self._retry.backoff(attempt)
                if loop.time() + delay >= deadline:
                    raise  # no time left for another attempt
            await asyncio.sleep(delay)
            attempt += 1

    async def say_hello_stream(self, name: str, count: int) -> AsyncGenerator[str, None]:
        """Yields the ``count`` greetings for ``name`` as the server sends them.

        The whole stream has one deadline (``timeout``).  Streams are not
        retried: a retry would repeat the greetings already delivered.
        Closing the iterator early (``contextlib.aclosing``, or ``aclose()``)
        cancels the RPC.
        """
        call = self._stub.SayHelloStream(
            pb.HelloRequest(name=name, count=count),
            timeout=self._timeout,
            metadata=self._metadata,
        )
        try:
            async for reply in call:
                yield str(reply.message)
        finally:
            call.cancel()  # does nothing if the stream already ended


def _check_seconds(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} is a number of seconds, not {value!r}")
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be a finite number of seconds >= 0, not {value!r}")
