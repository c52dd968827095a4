"""``hello``: one greeting (buggy: a call that fails with UNAVAILABLE is not retried).

UNAVAILABLE means the call never reached a server that could answer it (a
connection refused or reset, a server restarting): the one status gRPC
documents as safe to retry.  A client that gives up on the first one fails
its users whenever the network blinks.
"""

from __future__ import annotations

import grpc.aio
from greeter._generated import GreeterStub, pb

__all__ = ["hello"]


async def hello(channel: grpc.aio.Channel, token: str, name: str) -> str:
    """The greeting for ``name``."""
    stub = GreeterStub(channel)
    metadata = (("authorization", f"Bearer {token}"),)
    reply = await stub.SayHello(pb.HelloRequest(name=name), metadata=metadata, timeout=5.0)
    return str(reply.message)
