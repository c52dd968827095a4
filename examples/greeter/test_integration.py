"""One end-to-end test: GreeterClient and Greeter over a real in-process gRPC server.

What to notice:
- ``rpc.serve({GREETER: Greeter(...)})`` takes the same dictionary as
  ``rpc.server_from_dictionary``, starts a real ``grpc.aio`` server on
  127.0.0.1 (a free port) and yields a real channel to it.  It checks what the
  doubles cannot: that both sides agree on the wire (serialization, metadata,
  status codes);
- it runs on real time, with gRPC's own threads, so this is a plain
  ``TestCase``, not a ``ClockedTestCase``; the stream interval is made short
  instead, and every call has a deadline, so the test stays fast and bounded;
- keep such tests few: the doubles test each side faster, on virtual time.
"""

from __future__ import annotations

import contextlib

import grpc
import grpc.aio

import asynctoolkit
from asynctoolkit import rpc
from greeter._generated import GREETER
from greeter.client import GreeterClient
from greeter.servicer import Greeter

TOKEN = "s3cret"


class GreeterIntegrationTest(asynctoolkit.TestCase):
    async def test_client_and_servicer_over_a_real_server(self) -> None:
        async with rpc.serve({GREETER: Greeter(TOKEN, interval=0.01)}) as channel:
            client = GreeterClient(channel, TOKEN, timeout=5.0)
            self.assertEqual(await client.say_hello("Ada"), "Hello, Ada!")

            async with contextlib.aclosing(client.say_hello_stream("Ada", 2)) as greetings:
                received = [greeting async for greeting in greetings]
            self.assertEqual(received, ["Hello, Ada! (1/2)", "Hello, Ada! (2/2)"])

            intruder = GreeterClient(channel, "wrong", timeout=5.0)
            raised = await self.assertAsyncRaises(grpc.aio.AioRpcError, intruder.say_hello("Ada"))
            error: grpc.aio.AioRpcError = raised.exception
            self.assertEqual(error.code(), grpc.StatusCode.UNAUTHENTICATED)
            trailing = [tuple(item) for item in error.trailing_metadata()]
            self.assertIn(("www-authenticate", 'Bearer realm="greeter"'), trailing)
