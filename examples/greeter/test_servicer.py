"""Tests of the Greeter servicer on the server double of asynctoolkit.rpc, on virtual time.

What to notice:
- ``rpc.server_from_dictionary({GREETER: Greeter(...)})`` runs the servicer
  the way grpc.aio would, minus the network.  The test *plays the client*:
  ``invoke_unary_unary(method, metadata, request, timeout)`` starts one RPC
  and returns an rpc object; ``termination()`` waits for the end and returns
  ``(response, trailing_metadata, code, details)``, so a ``context.abort`` is
  checked like any other outcome, code and details and trailing metadata;
- a stream is read one response at a time with ``take_response()``;
- ``SayHelloTest`` is a plain ``TestCase``: nothing in it waits for time to
  pass.  ``SayHelloStreamTest`` is a ``ClockedTestCase``: the handler's
  ``asyncio.sleep`` between greetings and the RPC deadline (``timeout``,
  which ``context.time_remaining()`` reads) both run on the loop's virtual
  clock.  ``advance`` moves them exactly, so the tests show a greeting
  arriving at t=1 and not 1 ms before, and probe a deadline at its exact
  boundary, in no real time at all.
"""

from __future__ import annotations

import asyncio

import grpc

import asynctoolkit
from asynctoolkit import rpc
from greeter._generated import GREETER, SAY_HELLO, SAY_HELLO_STREAM, pb
from greeter.servicer import MAX_NAME_LENGTH, Greeter

OK = grpc.StatusCode.OK
INVALID_ARGUMENT = grpc.StatusCode.INVALID_ARGUMENT
TOKEN = "s3cret"
AUTHORIZED = (("authorization", f"Bearer {TOKEN}"),)
CHALLENGE = (("www-authenticate", 'Bearer realm="greeter"'),)

#: How long before a greeting is due the tests check it has not arrived yet.
EARLY = 0.001


class SayHelloTest(asynctoolkit.TestCase):
    async def asyncSetUp(self) -> None:
        self.server = rpc.server_from_dictionary({GREETER: Greeter(TOKEN)})

    async def say_hello(
        self, name: str, metadata: rpc.Metadata = AUTHORIZED
    ) -> tuple[object, rpc.Metadata, grpc.StatusCode, str]:
        call = self.server.invoke_unary_unary(SAY_HELLO, metadata, pb.HelloRequest(name=name), 10)
        return await call.termination()

    async def test_greets_by_name(self) -> None:
        response, trailing, code, details = await self.say_hello("  Ada ")
        self.assertEqual(response, pb.HelloReply(message="Hello, Ada!"))
        self.assertEqual((trailing, code, details), ((), OK, ""))

    async def test_a_call_needs_the_bearer_token(self) -> None:
        for metadata in [(), (("authorization", "Bearer wrong"),), (("authorization", TOKEN),)]:
            with self.subTest(metadata=metadata):
                response, trailing, code, details = await self.say_hello("Ada", metadata)
                self.assertIsNone(response)
                self.assertEqual(code, grpc.StatusCode.UNAUTHENTICATED)
                self.assertIn("Bearer <token>", details)
                self.assertEqual(tuple(trailing), CHALLENGE)  # how to authenticate

    async def test_bad_names_are_invalid_arguments(self) -> None:
        too_long = "x" * (MAX_NAME_LENGTH + 1)
        cases = [("", "name is required"), ("  ", "name is required"), (too_long, "limit is 100")]
        for name, expected in cases:
            with self.subTest(name=name):
                response, _, code, details = await self.say_hello(name)
                self.assertEqual((response, code), (None, INVALID_ARGUMENT))
                self.assertIn(expected, details)

    async def test_the_token_is_checked_before_the_request(self) -> None:
        # An unauthenticated caller learns nothing about what it sent.
        _, _, code, _ = await self.say_hello("", metadata=())
        self.assertEqual(code, grpc.StatusCode.UNAUTHENTICATED)


class SayHelloStreamTest(asynctoolkit.ClockedTestCase):
    async def asyncSetUp(self) -> None:
        self.server = rpc.server_from_dictionary({GREETER: Greeter(TOKEN, interval=1.0)})

    def greet(self, count: int, timeout: float | None) -> rpc.UnaryStreamServerRpc:
        request = pb.HelloRequest(name="Ada", count=count)
        return self.server.invoke_unary_stream(SAY_HELLO_STREAM, AUTHORIZED, request, timeout)

    async def next_greeting(self, after: float) -> str:
        """The next greeting, checking that it arrives ``after`` seconds from now, not sooner."""
        take = asyncio.ensure_future(self.call.take_response())
        try:
            await self.advance(after - EARLY)
            self.assertNoResult(take)
            await self.advance(EARLY)
            return str(self.successResultOf(take).message)
        finally:
            take.cancel()  # nothing to cancel once taken; after a failure, no task left over

    async def test_greetings_come_one_interval_apart(self) -> None:
        self.call = self.greet(count=3, timeout=None)
        self.assertEqual((await self.call.take_response()).message, "Hello, Ada! (1/3)")
        self.assertEqual(self.loop.time(), 0)
        self.assertEqual(await self.next_greeting(after=1.0), "Hello, Ada! (2/3)")
        self.assertEqual(await self.next_greeting(after=1.0), "Hello, Ada! (3/3)")
        self.assertEqual(await self.call.termination(), ((), OK, ""))
        self.assertEqual(self.loop.time(), 2.0)

    async def test_a_deadline_just_long_enough_is_met(self) -> None:
        # The last greeting goes out at t=2: a deadline 1 ms later leaves room.
        self.call = self.greet(count=3, timeout=2.0 + EARLY)
        await self.call.take_response()
        await self.next_greeting(after=1.0)
        await self.next_greeting(after=1.0)
        self.assertEqual(await self.call.termination(), ((), OK, ""))

    async def test_a_deadline_too_short_fails_at_once(self) -> None:
        # At the exact boundary (t=2 for both the deadline and the last
        # greeting) the handler refuses: virtual time makes the edge testable.
        self.call = self.greet(count=3, timeout=2.0)
        _, code, details = await self.call.termination()
        self.assertEqual(code, grpc.StatusCode.DEADLINE_EXCEEDED)
        self.assertEqual(details, "3 greetings take 2 s but the deadline is 2 s away")
        self.assertEqual(self.loop.time(), 0)  # refused before any wait
        with self.assertRaisesRegex(RuntimeError, "ended"):
            await self.call.take_response()  # no greeting was sent

    async def test_a_client_leaving_mid_stream_cancels_the_handler(self) -> None:
        self.call = self.greet(count=3, timeout=None)
        await self.call.take_response()
        await self.advance(0.5)  # the handler sleeps until its next greeting
        self.call.cancel()
        _, code, _ = await self.call.termination()
        self.assertEqual(code, grpc.StatusCode.CANCELLED)
        # The handler was cancelled with it: had it kept sleeping, the strict
        # checks (a pending task, a scheduled timer) would fail this test.

    async def test_count_must_be_in_range(self) -> None:
        for count in (0, 11):
            with self.subTest(count=count):
                self.call = self.greet(count=count, timeout=None)
                _, code, details = await self.call.termination()
                self.assertEqual(code, INVALID_ARGUMENT)
                self.assertEqual(details, f"count must be from 1 to 10, not {count}")


class GreeterSettingsTest(asynctoolkit.TestCase):
    async def test_bad_settings_are_refused(self) -> None:
        with self.assertRaisesRegex(ValueError, "token"):
            Greeter("")
        with self.assertRaisesRegex(ValueError, "interval"):
            Greeter(TOKEN, interval=-1)
        with self.assertRaisesRegex(TypeError, "interval"):
            Greeter(TOKEN, interval="1")  # type: ignore[arg-type]
