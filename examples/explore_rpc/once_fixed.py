"""``hello``: one greeting, retrying UNAVAILABLE with an exponential backoff (fixed).

Only UNAVAILABLE is retried (the call never reached the service, so trying
again cannot do it twice); every other status goes to the caller at once.
The backoff waits on the loop's clock, so under a ``ClockedEventLoop`` it
takes no real time.
"""

from __future__ import annotations

import asyncio

import grpc
import grpc.aio
from greeter._generated import GreeterStub, pb

__all__ = ["MAX_ATTEMPTS", "hello"]

#: Attempts in all, the first included.
MAX_ATTEMPTS = 8


async def hello(channel: grpc.aio.Channel, token: str, name: str) -> str:
    """The greeting for ``name``; UNAVAILABLE is retried up to ``MAX_ATTEMPTS`` attempts."""
    stub = GreeterStub(channel)
    metadata = (("authorization", f"Bearer {token}"),)
    backoff = 0.1
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            reply = await stub.SayHello(pb.HelloRequest(name=name), metadata=metadata, timeout=5.0)
        except grpc.aio.AioRpcError as error:
            if error.code() != grpc.StatusCode.UNAVAILABLE or attempt == MAX_ATTEMPTS:
                raise
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 2.0)
        else:
            return str(reply.message)
    raise AssertionError("unreachable: the last attempt returns or raises")
