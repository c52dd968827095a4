"""Tests of GreeterClient against the channel double of asynctoolkit.rpc, on virtual time.

What to notice:
- ``rpc.channel([GREETER])`` is a ``grpc.aio.Channel``: the client builds its
  generated stub on it unchanged.  The test *plays the server*:
  ``take_unary_unary(SAY_HELLO)`` returns the next RPC the client made, as
  ``(metadata, request, rpc)``, and ``rpc.terminate(...)`` answers it with a
  response or a status code, here UNAVAILABLE to make the client retry;
- the client's call runs as a task, so the test can play server while the
  call is in flight; the test awaits the task at the end for its result;
- ``ClockedTestCase``: the loop's clock is virtual, starts at 0 and moves only
  with ``await self.advance(seconds)``.  The client's backoff (asyncio.sleep)
  and its deadline (the gRPC timeout, which the channel double runs on the
  loop's clock) follow it, so the tests assert *exact* times, such as "the
  second retry comes at t=0.3, and not 1 ms sooner", and a 5 s deadline
  expires without waiting 5 s;
- autojump is off: if a test waited for a timer without advancing, the loop
  would fail it at once (StalledClockError) instead of hanging;
- waits on the double are bounded (10 s of the loop's clock by default), and
  ``asyncTearDown`` closes the channel, cancelling any RPC a failed test left
  open, so the strict checks see nothing pending.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from typing import Any

import grpc
import grpc.aio

import asynctoolkit
from asynctoolkit import rpc
from greeter._generated import GREETER, SAY_HELLO, SAY_HELLO_STREAM, pb
from greeter.client import GreeterClient, RetryPolicy

OK = grpc.StatusCode.OK
UNAVAILABLE = grpc.StatusCode.UNAVAILABLE
TOKEN = "s3cret"
AUTHORIZATION = ("authorization", f"Bearer {TOKEN}")

#: How long before a retry is due the tests check it has not happened yet.
EARLY = 0.001


class GreeterClientTest(asynctoolkit.ClockedTestCase):
    async def asyncSetUp(self) -> None:
        self.channel = rpc.channel([GREETER])
        self.client = GreeterClient(self.channel, TOKEN, timeout=5.0)

    async def asyncTearDown(self) -> None:
        await self.channel.close()

    async def next_attempt(self, after: float) -> rpc.UnaryUnaryChannelRpc:
        """The client's next SayHello, checking that it comes ``after`` seconds from now.

        Not sooner: just before it is due, there is no new RPC to take.
        """
        take = asyncio.ensure_future(self.channel.take_unary_unary(SAY_HELLO))
        try:
            await self.advance(after - EARLY)
            self.assertNoResult(take)
            await self.advance(EARLY)
            taken: tuple[rpc.Metadata, Any, rpc.UnaryUnaryChannelRpc] = self.successResultOf(take)
        finally:
            take.cancel()  # nothing to cancel once taken; after a failure, no task left over
        metadata, request, attempt = taken
        self.assertEqual(request, pb.HelloRequest(name="Ada"))
        self.assertIn(AUTHORIZATION, metadata)  # every attempt carries the token
        return attempt

    async def rpc_error(self, call: Awaitable[object]) -> grpc.aio.AioRpcError:
        """The ``AioRpcError`` that ``call`` fails with.

        ``assertAsyncRaises`` awaits ``call``, fails the test if it does not
        raise that type, and hands back the exception to look at.
        """
        return (await self.assertAsyncRaises(grpc.aio.AioRpcError, call)).exception

    async def test_say_hello_sends_the_name_and_the_token(self) -> None:
        call = asyncio.ensure_future(self.client.say_hello("Ada"))
        metadata, request, attempt = await self.channel.take_unary_unary(SAY_HELLO)
        self.assertEqual(request, pb.HelloRequest(name="Ada"))
        self.assertEqual(list(metadata), [AUTHORIZATION])
        attempt.terminate(pb.HelloReply(message="Hello, Ada!"), (), OK, "")
        self.assertEqual(await call, "Hello, Ada!")
        self.assertEqual(self.loop.time(), 0)  # no time passed: nothing waited

    async def test_unavailable_is_retried_with_exponential_backoff(self) -> None:
        call = asyncio.ensure_future(self.client.say_hello("Ada"))
        _, _, first = await self.channel.take_unary_unary(SAY_HELLO)
        first.terminate(None, (), UNAVAILABLE, "connection refused")

        second = await self.next_attempt(after=0.1)  # the initial backoff
        self.assertEqual(self.loop.time(), 0.1)
        second.terminate(None, (), UNAVAILABLE, "connection refused")

        third = await self.next_attempt(after=0.2)  # doubled
        self.assertEqual(self.loop.time(), 0.3)  # exactly: virtual time does not drift
        third.terminate(pb.HelloReply(message="Hello, Ada!"), (), OK, "")

        self.assertEqual(await call, "Hello, Ada!")

    async def test_retries_stop_after_max_attempts(self) -> None:
        call = asyncio.ensure_future(self.client.say_hello("Ada"))
        _, _, attempt = await self.channel.take_unary_unary(SAY_HELLO)
        for backoff in (0.1, 0.2, 0.4):  # three retries: four attempts in all
            attempt.terminate(None, (), UNAVAILABLE, "connection refused")
            attempt = await self.next_attempt(after=backoff)
        attempt.terminate(None, (), UNAVAILABLE, "still refused")

        # The last error reaches the caller.
        error = await self.rpc_error(call)
        self.assertEqual(error.code(), UNAVAILABLE)
        self.assertEqual(error.details(), "still refused")
        self.assertEqual(self.loop.time(), 0.7)

    async def test_other_errors_are_not_retried(self) -> None:
        call = asyncio.ensure_future(self.client.say_hello(""))
        _, _, attempt = await self.channel.take_unary_unary(SAY_HELLO)
        attempt.terminate(None, (), grpc.StatusCode.INVALID_ARGUMENT, "name is required")
        error = await self.rpc_error(call)
        self.assertEqual(error.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(self.loop.time(), 0)

    async def test_an_unanswered_call_ends_at_its_deadline(self) -> None:
        call = asyncio.ensure_future(self.client.say_hello("Ada"))
        _, _, attempt = await self.channel.take_unary_unary(SAY_HELLO)
        await self.advance(5.0 - EARLY)
        self.assertNoResult(call)  # the server may still answer
        await self.advance(EARLY)

        error = await self.rpc_error(call)
        self.assertEqual(error.code(), grpc.StatusCode.DEADLINE_EXCEEDED)
        # The server side sees the RPC end too; an answer now would be ignored.
        await attempt.cancelled(timeout=0)

    async def test_the_deadline_covers_the_retries(self) -> None:
        call = asyncio.ensure_future(self.client.say_hello("Ada"))
        _, _, first = await self.channel.take_unary_unary(SAY_HELLO)
        first.terminate(None, (), UNAVAILABLE, "connection refused")
        second = await self.next_attempt(after=0.1)

        # The retry got what was left of the 5 s, not 5 s more: it expires at t=5.
        await self.advance(4.9 - EARLY)
        self.assertNoResult(call)
        await self.advance(EARLY)
        error = await self.rpc_error(call)
        self.assertEqual(error.code(), grpc.StatusCode.DEADLINE_EXCEEDED)
        self.assertEqual(self.loop.time(), 5.0)
        await second.cancelled(timeout=0)

    async def test_no_retry_is_made_past_the_deadline(self) -> None:
        client = GreeterClient(self.channel, TOKEN, timeout=0.5)
        call = asyncio.ensure_future(client.say_hello("Ada"))
        _, _, attempt = await self.channel.take_unary_unary(SAY_HELLO)
        attempt.terminate(None, (), UNAVAILABLE, "connection refused")
        attempt = await self.next_attempt(after=0.1)
        attempt.terminate(None, (), UNAVAILABLE, "connection refused")
        attempt = await self.next_attempt(after=0.2)
        # A third retry would wait 0.4 s, to t=0.7: past the deadline at 0.5.
        attempt.terminate(None, (), UNAVAILABLE, "connection refused")
        error = await self.rpc_error(call)
        self.assertEqual(error.code(), UNAVAILABLE)
        self.assertEqual(self.loop.time(), 0.3)

    async def test_say_hello_stream_yields_each_greeting(self) -> None:
        greetings: list[str] = []

        async def collect() -> None:
            async for greeting in self.client.say_hello_stream("Ada", 2):
                greetings.append(greeting)

        consumer = asyncio.ensure_future(collect())
        metadata, request, stream = await self.channel.take_unary_stream(SAY_HELLO_STREAM)
        self.assertEqual(request, pb.HelloRequest(name="Ada", count=2))
        self.assertIn(AUTHORIZATION, metadata)

        stream.send_response(pb.HelloReply(message="Hello, Ada! (1/2)"))
        await self.run_until_idle()  # let the consumer take it: no time passes
        self.assertEqual(greetings, ["Hello, Ada! (1/2)"])

        stream.send_response(pb.HelloReply(message="Hello, Ada! (2/2)"))
        stream.terminate((), OK, "")
        await consumer
        self.assertEqual(greetings, ["Hello, Ada! (1/2)", "Hello, Ada! (2/2)"])

    async def test_leaving_a_stream_early_cancels_the_rpc(self) -> None:
        async def first_greeting() -> str:
            async with contextlib.aclosing(self.client.say_hello_stream("Ada", 3)) as greetings:
                async for greeting in greetings:
                    return greeting
            raise AssertionError("the stream ended without a greeting")

        consumer = asyncio.ensure_future(first_greeting())
        _, _, stream = await self.channel.take_unary_stream(SAY_HELLO_STREAM)
        stream.send_response(pb.HelloReply(message="Hello, Ada! (1/3)"))
        self.assertEqual(await consumer, "Hello, Ada! (1/3)")
        await stream.cancelled(timeout=0)  # the server side saw the client go

    async def test_bad_settings_are_refused(self) -> None:
        with self.assertRaisesRegex(ValueError, "token"):
            GreeterClient(self.channel, "")
        with self.assertRaisesRegex(ValueError, "timeout"):
            GreeterClient(self.channel, TOKEN, timeout=0)
        with self.assertRaisesRegex(ValueError, "max_attempts"):
            RetryPolicy(max_attempts=0)
        with self.assertRaisesRegex(ValueError, "multiplier"):
            RetryPolicy(multiplier=0.5)
        self.assertEqual(
            [RetryPolicy().backoff(n) for n in (1, 2, 3, 4, 5)], [0.1, 0.2, 0.4, 0.8, 1.0]
        )
