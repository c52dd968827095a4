"""End-to-end tests: GreeterClient and Greeter together, over ``rpc.connect``, on virtual time.

What to notice:
- ``rpc.connect({GREETER: Greeter(...)})`` takes the same dictionary as
  ``rpc.server_from_dictionary`` and yields a ``grpc.aio.Channel`` wired in
  memory to the servicer: the client's generated stub calls the real
  ``Greeter``, through the real serializers, with metadata, status codes and
  deadlines as grpc.aio has them.  No port, no server thread;
- it runs on the loop's clock: this is a ``ClockedTestCase`` with autojump,
  so the stream's one-second interval and the call deadlines take no real
  time, and the tests can assert *exact* times (the third greeting comes at
  t=2, not a millisecond sooner);
- leaving the ``async with`` closes the channel and cancels whatever still
  runs, so the strict checks of the test case see nothing pending;
- ``rpc.serve`` takes the same arguments and starts a real server: the last
  test runs one scenario over the wire, to check what only a wire can show.
  Keep such tests few: they run on real time, and more slowly.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import grpc
import grpc.aio

import asynctoolkit
from asynctoolkit import rpc
from greeter._generated import GREETER
from greeter.client import GreeterClient, RetryPolicy
from greeter.servicer import Greeter

TOKEN = "s3cret"


class GreeterEndToEndTest(asynctoolkit.ClockedTestCase):
    autojump = True

    async def test_hello(self) -> None:
        async with rpc.connect({GREETER: Greeter(TOKEN)}) as channel:
            client = GreeterClient(channel, TOKEN)
            self.assertEqual(await client.say_hello("  Ada "), "Hello, Ada!")

    async def test_greetings_come_one_interval_apart(self) -> None:
        loop = asyncio.get_running_loop()
        async with rpc.connect({GREETER: Greeter(TOKEN, interval=1.0)}) as channel:
            client = GreeterClient(channel, TOKEN, timeout=5.0)
            received = []
            async with contextlib.aclosing(client.say_hello_stream("Ada", 3)) as greetings:
                async for greeting in greetings:
                    received.append((loop.time(), greeting))
        self.assertEqual(
            received,
            [(0.0, "Hello, Ada! (1/3)"), (1.0, "Hello, Ada! (2/3)"), (2.0, "Hello, Ada! (3/3)")],
        )

    async def test_a_wrong_token_is_refused_with_a_challenge(self) -> None:
        async with rpc.connect({GREETER: Greeter(TOKEN)}) as channel:
            client = GreeterClient(channel, "wrong")
            raised = await self.assertAsyncRaises(grpc.aio.AioRpcError, client.say_hello("Ada"))
        error: grpc.aio.AioRpcError = raised.exception
        self.assertEqual(error.code(), grpc.StatusCode.UNAUTHENTICATED)
        trailing = [tuple(item) for item in error.trailing_metadata()]
        self.assertIn(("www-authenticate", 'Bearer realm="greeter"'), trailing)

    async def test_a_refusal_is_not_retried(self) -> None:
        # The client retries UNAVAILABLE only: INVALID_ARGUMENT comes back at once.
        loop = asyncio.get_running_loop()
        async with rpc.connect({GREETER: Greeter(TOKEN)}) as channel:
            client = GreeterClient(channel, TOKEN, retry=RetryPolicy(max_attempts=4))
            raised = await self.assertAsyncRaises(grpc.aio.AioRpcError, client.say_hello(" "))
        self.assertEqual(raised.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(raised.exception.details(), "name is required")
        self.assertEqual(loop.time(), 0.0)

    async def test_the_servicer_refuses_a_stream_its_deadline_cannot_hold(self) -> None:
        async with rpc.connect({GREETER: Greeter(TOKEN, interval=1.0)}) as channel:
            client = GreeterClient(channel, TOKEN, timeout=1.5)
            with self.assertRaises(grpc.aio.AioRpcError) as caught:
                async with contextlib.aclosing(client.say_hello_stream("Ada", 3)) as greetings:
                    async for _ in greetings:
                        self.fail("no greeting should come")  # pragma: no cover
        self.assertEqual(caught.exception.code(), grpc.StatusCode.DEADLINE_EXCEEDED)
        self.assertEqual(
            caught.exception.details(), "3 greetings take 2 s but the deadline is 1.5 s away"
        )

    async def test_the_deadline_ends_a_stream_that_outlives_it(self) -> None:
        # Greeter only checks the deadline before it starts: a slower stream than
        # planned is cut off by gRPC itself, on the client's deadline.
        loop = asyncio.get_running_loop()
        async with rpc.connect({GREETER: _Slower(TOKEN, interval=1.0)}) as channel:
            client = GreeterClient(channel, TOKEN, timeout=2.5)
            received = []
            with self.assertRaises(grpc.aio.AioRpcError) as caught:
                async with contextlib.aclosing(client.say_hello_stream("Ada", 2)) as greetings:
                    async for greeting in greetings:
                        received.append(greeting)
        self.assertEqual(received, ["Hello, Ada! (1/2)"])
        self.assertEqual(caught.exception.code(), grpc.StatusCode.DEADLINE_EXCEEDED)
        self.assertEqual(loop.time(), 2.5)

    async def test_closing_the_stream_early_cancels_the_rpc(self) -> None:
        loop = asyncio.get_running_loop()
        async with rpc.connect({GREETER: Greeter(TOKEN, interval=1.0)}) as channel:
            client = GreeterClient(channel, TOKEN)
            async with contextlib.aclosing(client.say_hello_stream("Ada", 5)) as greetings:
                first = await anext(greetings)
        self.assertEqual(first, "Hello, Ada! (1/5)")
        self.assertEqual(loop.time(), 0.0)  # the servicer's pending sleep did not hold the exit


class _Slower(Greeter):
    """A Greeter that waits 2 s more after each greeting than it planned for."""

    async def SayHelloStream(
        self, request: Any, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[Any]:
        async for reply in super().SayHelloStream(request, context):
            yield reply
            await asyncio.sleep(2.0)


class GreeterOverTheWireTest(asynctoolkit.TestCase):
    async def test_client_and_servicer_over_a_real_server(self) -> None:
        async with rpc.serve({GREETER: Greeter(TOKEN, interval=0.01)}) as channel:
            client = GreeterClient(channel, TOKEN, timeout=5.0)
            self.assertEqual(await client.say_hello("Ada"), "Hello, Ada!")
            async with contextlib.aclosing(client.say_hello_stream("Ada", 2)) as greetings:
                received = [greeting async for greeting in greetings]
            self.assertEqual(received, ["Hello, Ada! (1/2)", "Hello, Ada! (2/2)"])
