"""``greet_all``: one greeting per name, the calls made concurrently (fixed).

Each reply stays with the call that asked for it: ``asyncio.gather`` returns
the results in the order of its arguments, whatever order they complete in.
"""

from __future__ import annotations

import asyncio

import grpc.aio
from greeter._generated import GreeterStub, pb

__all__ = ["greet_all"]


async def greet_all(channel: grpc.aio.Channel, token: str, names: list[str]) -> dict[str, str]:
    """``{name: greeting}`` for every name, the calls made at once."""
    stub = GreeterStub(channel)
    metadata = (("authorization", f"Bearer {token}"),)
    replies = await asyncio.gather(
        *(stub.SayHello(pb.HelloRequest(name=name), metadata=metadata) for name in names)
    )
    return {name: reply.message for name, reply in zip(names, replies, strict=True)}
