"""``greet_all``: one greeting per name, the calls made concurrently (buggy).

The bug: replies are taken as they complete and paired with the names in the
order the calls were sent, as if the replies to concurrent calls arrived in
that order.  On a loop where every reply takes the same time they do; with
real latency, a later call's reply may come first, and names get someone
else's greeting.
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
    calls = [stub.SayHello(pb.HelloRequest(name=name), metadata=metadata) for name in names]
    greetings: dict[str, str] = {}
    pending = list(names)
    for reply in asyncio.as_completed(calls):
        greetings[pending.pop(0)] = (await reply).message  # BUG: the next name, not this call's
    return greetings
