"""rpc.connect behaves as a real grpc.aio server: every scenario, run against both.

``_Scenarios`` holds the scenarios; ``ConnectConformance`` runs them on
``rpc.connect`` and ``ServeConformance`` on ``rpc.serve`` (a real server on
127.0.0.1), asserting the same outcome: codes, details, metadata, message
order, cancellation and deadlines on real time.  ``ConnectOnVirtualTime``
runs the deadline scenarios on ``rpc.connect`` alone, on virtual time.

Where the two differ by design, a scenario says so and the test of
``rpc.connect`` alone is in ``test_connect.py``.
"""

from __future__ import annotations

import asyncio
import threading
import unittest
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Any, ClassVar

import grpc
import grpc.aio

from asynctoolkit import rpc
from asynctoolkit.case import ClockedTestCase, TestCase, fail_on
from tests.rpc._proto import SHAPES, pb, pb_grpc
from tests.rpc._servicers import (
    INITIAL,
    LARGE,
    TRAILING,
    AsyncShapes,
    CountingStream,
    Gatekeeper,
    PartialShapes,
    ReaderWriterShapes,
    SyncShapes,
    Tagging,
    assert_fails,
    async_requests,
    requests,
)

OK = grpc.StatusCode.OK
#: Real seconds every call may take; a deadline scenario uses SHORT.
LIMIT = 10.0
SHORT = 0.2


class _Scenarios:
    """The scenarios; ``open`` is ``rpc.connect`` or ``rpc.serve``.

    A mixin of ``TestCase``: the ``assert*`` methods are the test case's.
    """

    open: ClassVar[Any]
    assertEqual: Any
    assertIn: Any
    assertIs: Any
    assertTrue: Any
    assertFalse: Any
    assertRaises: Any

    def connect(
        self, servicer: Any = None, **options: Any
    ) -> AbstractAsyncContextManager[grpc.aio.Channel]:
        return type(self).open({SHAPES: servicer or AsyncShapes()}, **options)

    async def assert_fails(
        self, awaitable: Any, code: grpc.StatusCode, details: str
    ) -> grpc.aio.AioRpcError:
        return await assert_fails(self, awaitable, code, {details})

    async def assert_deadline_after_headers(self, awaitable: Any) -> grpc.aio.AioRpcError:
        """DEADLINE_EXCEEDED once the server's headers came: gRPC says "Stream removed".

        A real channel says so when the server's reset of the stream arrives
        before the client's own deadline timer fires; on a busy machine the
        timer sometimes comes first and the details are the plain ones.
        ``rpc.connect`` always says "Stream removed (Deadline Exceeded)".
        """
        expected = {"Stream removed (Deadline Exceeded)"}
        if type(self).open is rpc.serve:
            expected.add("Deadline Exceeded")
        return await assert_fails(self, awaitable, grpc.StatusCode.DEADLINE_EXCEEDED, expected)

    # -- unary-unary ------------------------------------------------------------

    async def test_unary_unary(self) -> None:
        async with self.connect() as channel:
            call = pb_grpc.ShapesStub(channel).UnaryUnary(pb.Request(number=1), timeout=LIMIT)
            self.assertEqual((await call).number, 2)
            self.assertEqual(await call.code(), OK)
            self.assertEqual(await call.details(), "")
            self.assertEqual(tuple(await call.initial_metadata()), ())
            self.assertEqual(tuple(await call.trailing_metadata()), ())
            self.assertTrue(call.done())
            self.assertFalse(call.cancelled())

    async def test_metadata_both_ways(self) -> None:
        servicer = AsyncShapes()
        sent = (("k", "v"), ("k", "again"), ("k-bin", b"\x00\xff"), ("text", b"from bytes"))
        async with self.connect(servicer) as channel:
            call = pb_grpc.ShapesStub(channel).UnaryUnary(
                pb.Request(text="metadata"), metadata=sent, timeout=LIMIT
            )
            self.assertEqual((await call).text, "with metadata")
            self.assertEqual(tuple(await call.initial_metadata()), INITIAL)
            self.assertEqual(tuple(await call.trailing_metadata()), TRAILING)
        self.assertEqual(
            servicer.seen["metadata"],
            [("k", "v"), ("k", "again"), ("k-bin", b"\x00\xff"), ("text", "from bytes")],
        )
        self.assertTrue(servicer.seen["user-agent"].startswith("grpc-python-asyncio/"))

    async def test_what_the_context_says(self) -> None:
        servicer = AsyncShapes()
        async with self.connect(servicer) as channel:
            await pb_grpc.ShapesStub(channel).UnaryUnary(pb.Request(text="context"), timeout=LIMIT)
        seen = servicer.seen
        self.assertEqual(
            seen["auth_context"],
            {"transport_security_type": [b"insecure"], "security_level": [b"TSI_SECURITY_NONE"]},
        )
        self.assertEqual((seen["code"], seen["details"]), (None, ""))
        self.assertFalse(seen["done"])
        self.assertFalse(seen["cancelled"])
        # A real server reads the deadline off the wire, rounded by grpc's
        # timeout encoding and its own clock: seen at 10.099 under load.
        self.assertLessEqual(seen["remaining"], LIMIT + 1)
        self.assertTrue(seen["remaining"] > LIMIT - 5)
        self.assertIsInstance(seen["peer"], str)

    async def test_statuses_the_handler_decides(self) -> None:
        unexpected = "Unexpected <class 'ValueError'>: boom"
        cases = [  # request.text, code, details, trailing metadata
            ("set-code", "NOT_FOUND", "no such thing", (("why", "missing"),)),  # no response
            ("raise", "UNKNOWN", unexpected, ()),
            ("set-code-raise", "NOT_FOUND", unexpected, (("why", "missing"),)),
            ("abort", "PERMISSION_DENIED", "denied", (("t", "1"),)),
            ("abort-preset", "NOT_FOUND", "preset", (("why", "preset"),)),
            ("abort-twice", "NOT_FOUND", "one", ()),  # the first abort wins
            ("abort-suppressed", "NOT_FOUND", "not found", ()),  # abort sends at once
            ("bad-initial", "INTERNAL", "Invalid metadata", ()),
            ("bad-trailing", "INTERNAL", "Invalid metadata", ()),
            (
                "none",  # the serializer's own error, as on a wire
                "UNKNOWN",
                "Unexpected <class 'TypeError'>: descriptor 'SerializeToString' for "
                "'google._upb._message.Message' objects doesn't apply to a 'NoneType' object",
                (),
            ),
        ]
        servicer = AsyncShapes()
        async with self.connect(servicer) as channel:
            stub = pb_grpc.ShapesStub(channel)
            for text, code, details, trailing in cases:
                with self.subTest(text):
                    error = await self.assert_fails(
                        stub.UnaryUnary(pb.Request(text=text), timeout=LIMIT),
                        grpc.StatusCode[code],
                        details,
                    )
                    self.assertEqual(tuple(error.trailing_metadata()), trailing)
                    self.assertEqual(tuple(error.initial_metadata()), ())
        self.assertTrue(servicer.seen["abort raised"])
        self.assertEqual(servicer.seen["second abort"], "Abort already called!")

    async def test_initial_metadata_is_sent_once(self) -> None:
        servicer = AsyncShapes()
        async with self.connect(servicer) as channel:
            call = pb_grpc.ShapesStub(channel).UnaryUnary(
                pb.Request(text="initial-twice"), timeout=LIMIT
            )
            await call
            self.assertEqual(tuple(await call.initial_metadata()), (("first", "1"),))
        self.assertEqual(
            servicer.seen["second initial"], "Send initial metadata failed: already sent"
        )

    async def test_invalid_metadata_from_the_client(self) -> None:
        # A real channel fails when the call is awaited (TypeError, or an
        # internal ExecuteBatchError); rpc.connect raises when it is made.
        async with self.connect() as channel:
            stub = pb_grpc.ShapesStub(channel)
            with self.assertRaises(TypeError):
                await stub.UnaryUnary(pb.Request(), metadata=(("k-bin", "str"),), timeout=LIMIT)
            with self.assertRaises(TypeError):
                await stub.UnaryUnary(pb.Request(), metadata=(("k", 1),), timeout=LIMIT)
            for bad in (("Upper", "x"), ("k", "new\nline"), ("k", "é")):
                with self.assertRaises(Exception):  # noqa: B017 - the types differ, see above
                    await stub.UnaryUnary(pb.Request(), metadata=(bad,), timeout=LIMIT)
            self.assertEqual((await stub.UnaryUnary(pb.Request(), timeout=LIMIT)).number, 1)

    async def test_a_message_of_the_wrong_type_crosses_as_its_bytes(self) -> None:
        # The stub's serializer is the request class's: a Reply serializes
        # (same field numbers), and the servicer reads it as a Request.
        async with self.connect() as channel:
            reply = await pb_grpc.ShapesStub(channel).UnaryUnary(pb.Reply(number=1), timeout=LIMIT)
            self.assertEqual(reply.number, 2)

    async def test_messages_over_4_mib(self) -> None:
        size = LARGE + 5  # the text field's tag and length come on top
        async with self.connect() as channel:
            stub = pb_grpc.ShapesStub(channel)
            await self.assert_fails(
                stub.UnaryUnary(pb.Request(text="x" * LARGE), timeout=LIMIT),
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                f"SERVER: Received message larger than max ({size} vs. 4194304)",
            )
            await self.assert_fails(
                stub.UnaryUnary(pb.Request(text="large"), timeout=LIMIT),
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                f"Stream removed (CLIENT: Received message larger than max ({size} vs. 4194304))",
            )
            call = stub.UnaryStream(pb.Request(number=1, text="large"), timeout=LIMIT)
            self.assertEqual((await call.read()).number, 0)
            await self.assert_fails(
                call.read(),
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                f"Stream removed (CLIENT: Received message larger than max ({size} vs. 4194304))",
            )
            await self.assert_fails(
                stub.StreamUnary(
                    iter([pb.Request(number=1), pb.Request(text="x" * LARGE)]), timeout=LIMIT
                ),
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                f"SERVER: Received message larger than max ({size} vs. 4194304)",
            )
            self.assertEqual((await stub.UnaryUnary(pb.Request(), timeout=LIMIT)).number, 1)

    async def test_unimplemented(self) -> None:
        async with self.connect(PartialShapes()) as channel:
            await self.assert_fails(
                pb_grpc.ElsewhereStub(channel).Ping(pb.Request(), timeout=LIMIT),
                grpc.StatusCode.UNIMPLEMENTED,
                "Method not found!",
            )
            await self.assert_fails(
                pb_grpc.ShapesStub(channel).UnaryStream(pb.Request(), timeout=LIMIT).read(),
                grpc.StatusCode.UNIMPLEMENTED,
                "Unexpected <class 'NotImplementedError'>: Method not implemented!",
            )

    # -- cancellation and deadlines ----------------------------------------------

    async def test_cancel_reaches_the_handler(self) -> None:
        servicer = AsyncShapes()
        async with self.connect(servicer) as channel:
            call = pb_grpc.ShapesStub(channel).UnaryUnary(pb.Request(text="sleep"), timeout=LIMIT)
            await asyncio.wait_for(servicer.started.wait(), LIMIT)
            self.assertTrue(call.cancel())
            with self.assertRaises(asyncio.CancelledError):
                await call
            self.assertEqual(await call.code(), grpc.StatusCode.CANCELLED)
            self.assertEqual(await call.details(), "Locally cancelled by application!")
            self.assertTrue(call.cancelled())
            await asyncio.wait_for(servicer.ended.wait(), LIMIT)
        self.assertTrue(servicer.seen["cancelled"])

    async def test_cancelling_the_awaiting_task_cancels_the_rpc(self) -> None:
        servicer = AsyncShapes()
        async with self.connect(servicer) as channel:
            stub = pb_grpc.ShapesStub(channel)

            async def client() -> Any:
                return await stub.UnaryUnary(pb.Request(text="sleep"), timeout=LIMIT)

            task = asyncio.create_task(client())
            await asyncio.wait_for(servicer.started.wait(), LIMIT)
            task.cancel()
            with self.assertRaises(asyncio.CancelledError):
                await task
            await asyncio.wait_for(servicer.ended.wait(), LIMIT)
        self.assertTrue(servicer.seen["cancelled"])

    async def test_cancel_before_the_rpc_starts(self) -> None:
        async with self.connect() as channel:
            call = pb_grpc.ShapesStub(channel).UnaryUnary(pb.Request(), timeout=LIMIT)
            self.assertTrue(call.cancel())
            self.assertTrue(call.cancelled())
            self.assertTrue(call.done())
            with self.assertRaises(asyncio.CancelledError):
                await call
            self.assertEqual(await call.code(), grpc.StatusCode.CANCELLED)

    async def test_deadline(self) -> None:
        servicer = AsyncShapes()
        async with self.connect(servicer) as channel:
            call = pb_grpc.ShapesStub(channel).UnaryUnary(pb.Request(text="sleep"), timeout=SHORT)
            await self.assert_fails(call, grpc.StatusCode.DEADLINE_EXCEEDED, "Deadline Exceeded")
            self.assertEqual(await call.code(), grpc.StatusCode.DEADLINE_EXCEEDED)
            self.assertFalse(call.cancelled())
            await asyncio.wait_for(servicer.ended.wait(), LIMIT)
        self.assertTrue(servicer.seen["cancelled"])
        self.assertLess(servicer.seen["remaining at cancel"], SHORT / 2)  # a real wire lags

    async def test_a_deadline_already_passed(self) -> None:
        async with self.connect() as channel:
            await self.assert_fails(
                pb_grpc.ShapesStub(channel).UnaryUnary(pb.Request(), timeout=-1),
                grpc.StatusCode.DEADLINE_EXCEEDED,
                "Deadline Exceeded",
            )

    async def test_deadline_mid_stream(self) -> None:
        async with self.connect() as channel:
            call = pb_grpc.ShapesStub(channel).UnaryStream(
                pb.Request(number=2, text="sleep"), timeout=SHORT
            )
            self.assertEqual([(await call.read()).number for _ in range(2)], [0, 1])
            await self.assert_deadline_after_headers(call.read())

    async def test_deadline_after_initial_metadata(self) -> None:
        async with self.connect() as channel:
            call = pb_grpc.ShapesStub(channel).UnaryStream(
                pb.Request(text="metadata-then-sleep"), timeout=SHORT
            )
            self.assertEqual(tuple(await call.initial_metadata()), INITIAL)
            error = await self.assert_deadline_after_headers(call.read())
            self.assertEqual(tuple(error.initial_metadata()), INITIAL)

    async def test_closing_the_channel_cancels_its_calls(self) -> None:
        servicer = AsyncShapes()
        async with self.connect(servicer) as channel:
            stub = pb_grpc.ShapesStub(channel)
            call = stub.UnaryUnary(pb.Request(text="sleep"), timeout=LIMIT)
            awaiting = asyncio.ensure_future(call)
            await asyncio.wait_for(servicer.started.wait(), LIMIT)
            await channel.close()
            with self.assertRaises(asyncio.CancelledError):
                await awaiting
            self.assertEqual(await call.code(), grpc.StatusCode.CANCELLED)
            self.assertEqual(await call.details(), "Locally cancelled by application!")
            await asyncio.wait_for(servicer.ended.wait(), LIMIT)
            self.assertEqual(channel.get_state(), grpc.ChannelConnectivity.SHUTDOWN)
            with self.assertRaisesRegex(grpc.aio.UsageError, "Channel is closed."):
                stub.UnaryUnary(pb.Request())
        self.assertTrue(servicer.seen["cancelled"])

    async def test_cancel_a_bidirectional_stream(self) -> None:
        servicer = AsyncShapes()
        async with self.connect(servicer) as channel:
            call = pb_grpc.ShapesStub(channel).StreamStream(
                metadata=(("scenario", "sleep"),), timeout=LIMIT
            )
            await call.write(pb.Request(number=7))
            self.assertEqual((await call.read()).number, 7)
            await asyncio.wait_for(servicer.started.wait(), LIMIT)
            call.cancel()
            with self.assertRaises(asyncio.CancelledError):
                await call.read()
            self.assertEqual(await call.code(), grpc.StatusCode.CANCELLED)
            await asyncio.wait_for(servicer.ended.wait(), LIMIT)
        self.assertTrue(servicer.seen["cancelled"])

    # -- streams --------------------------------------------------------------------

    async def test_unary_stream(self) -> None:
        async with self.connect() as channel:
            stub = pb_grpc.ShapesStub(channel)
            call = stub.UnaryStream(pb.Request(number=5), timeout=LIMIT)
            self.assertEqual([reply.number async for reply in call], [0, 1, 2, 3, 4])
            self.assertEqual(await call.code(), OK)
            mutated = stub.UnaryStream(pb.Request(number=3, text="mutate"), timeout=LIMIT)
            self.assertEqual([reply.number async for reply in mutated], [0, 1, 2])
            mixed = stub.UnaryStream(pb.Request(number=1, text="write"), timeout=LIMIT)
            self.assertEqual([reply.number async for reply in mixed], [0, 100, 101])

    async def test_stream_metadata(self) -> None:
        async with self.connect() as channel:
            call = pb_grpc.ShapesStub(channel).UnaryStream(
                pb.Request(number=1, text="metadata"), timeout=LIMIT
            )
            self.assertEqual(tuple(await call.initial_metadata()), INITIAL)
            self.assertEqual([reply.number async for reply in call], [0])
            self.assertEqual(tuple(await call.trailing_metadata()), TRAILING)

    async def test_stream_failing_after_some_messages(self) -> None:
        async with self.connect() as channel:
            stub = pb_grpc.ShapesStub(channel)
            received: list[int] = []

            async def read_all(call: Any) -> None:
                async for reply in call:
                    received.append(reply.number)

            await self.assert_fails(
                read_all(stub.UnaryStream(pb.Request(number=2, text="raise"), timeout=LIMIT)),
                grpc.StatusCode.UNKNOWN,
                "Unexpected <class 'RuntimeError'>: mid-stream",
            )
            self.assertEqual(received, [0, 1])
            received.clear()
            await self.assert_fails(
                read_all(stub.UnaryStream(pb.Request(number=1, text="abort"), timeout=LIMIT)),
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                "enough",
            )
            self.assertEqual(received, [0])

    async def test_stream_unary(self) -> None:
        async with self.connect() as channel:
            stub = pb_grpc.ShapesStub(channel)
            self.assertEqual((await stub.StreamUnary(requests(1, 2, 3), timeout=LIMIT)).number, 6)
            reply = await stub.StreamUnary(async_requests(4, 5), timeout=LIMIT)
            self.assertEqual(reply.number, 9)
            call = stub.StreamUnary(timeout=LIMIT)
            for n in (10, 20):
                await call.write(pb.Request(number=n))
            await call.done_writing()
            self.assertEqual((await call).number, 30)
            await self.assert_fails(
                stub.StreamUnary(
                    requests(3, 4), metadata=(("scenario", "abort-after-first"),), timeout=LIMIT
                ),
                grpc.StatusCode.FAILED_PRECONDITION,
                "stopped at 3",
            )

    async def test_stream_stream(self) -> None:
        async with self.connect() as channel:
            stub = pb_grpc.ShapesStub(channel)
            replies = stub.StreamStream(requests(*range(10)), timeout=LIMIT)
            self.assertEqual([reply.number async for reply in replies], list(range(10)))
            call = stub.StreamStream(timeout=LIMIT)
            for n in range(3):  # ping-pong: each response before the next request
                await call.write(pb.Request(number=n, text=f"#{n}"))
                reply = await call.read()
                self.assertEqual((reply.number, reply.text), (n, f"#{n}"))
            await call.done_writing()
            self.assertIs(await call.read(), grpc.aio.EOF)
            self.assertEqual(await call.code(), OK)

    async def test_a_request_mutated_after_it_was_sent(self) -> None:
        async def mutating() -> AsyncIterator[Any]:
            request = pb.Request()
            for n in range(3):
                request.number = n
                yield request

        async with self.connect() as channel:
            replies = pb_grpc.ShapesStub(channel).StreamStream(mutating(), timeout=LIMIT)
            self.assertEqual([reply.number async for reply in replies], [0, 1, 2])

    async def test_stream_stream_failing(self) -> None:
        async with self.connect() as channel:
            call = pb_grpc.ShapesStub(channel).StreamStream(
                requests(1, 2, 3), metadata=(("scenario", "raise"),), timeout=LIMIT
            )
            self.assertEqual([(await call.read()).number for _ in range(2)], [1, 2])
            await self.assert_fails(
                call.read(), grpc.StatusCode.UNKNOWN, "Unexpected <class 'RuntimeError'>: at two"
            )

    async def test_reader_writer_handlers(self) -> None:
        async with self.connect(ReaderWriterShapes()) as channel:
            stub = pb_grpc.ShapesStub(channel)
            replies = stub.UnaryStream(pb.Request(number=3), timeout=LIMIT)
            self.assertEqual([reply.number async for reply in replies], [0, 1, 2])
            self.assertEqual((await stub.StreamUnary(requests(1, 2), timeout=LIMIT)).number, 3)
            replies = stub.StreamStream(requests(1, 2), timeout=LIMIT)
            self.assertEqual([reply.number async for reply in replies], [10, 20])

    # -- plain-function handlers ------------------------------------------------------

    async def test_plain_function_handlers(self) -> None:
        servicer = SyncShapes()
        async with self.connect(servicer) as channel:
            stub = pb_grpc.ShapesStub(channel)
            self.assertEqual((await stub.UnaryUnary(pb.Request(number=1), timeout=LIMIT)).number, 2)
            self.assertNotEqual(servicer.seen["thread"], threading.current_thread().name)
            replies = stub.UnaryStream(pb.Request(number=3), timeout=LIMIT)
            self.assertEqual([reply.number async for reply in replies], [0, 1, 2])
            self.assertEqual((await stub.StreamUnary(requests(1, 2), timeout=LIMIT)).number, 3)
            replies = stub.StreamStream(requests(1, 2), timeout=LIMIT)
            self.assertEqual([reply.number async for reply in replies], [2, 4])
            call = stub.UnaryUnary(pb.Request(text="metadata"), timeout=LIMIT)
            await call
            self.assertEqual(tuple(await call.initial_metadata()), INITIAL)
            self.assertEqual(tuple(await call.trailing_metadata()), TRAILING)

    async def test_plain_function_failures(self) -> None:
        async with self.connect(SyncShapes()) as channel:
            stub = pb_grpc.ShapesStub(channel)
            await self.assert_fails(
                stub.UnaryUnary(pb.Request(text="abort"), timeout=LIMIT),
                grpc.StatusCode.PERMISSION_DENIED,
                "denied",
            )
            await self.assert_fails(
                stub.UnaryUnary(pb.Request(text="raise"), timeout=LIMIT),
                grpc.StatusCode.UNKNOWN,
                "Unexpected <class 'ValueError'>: sync boom",
            )
            await self.assert_fails(
                stub.UnaryUnary(pb.Request(text="bad-trailing"), timeout=LIMIT),
                grpc.StatusCode.INTERNAL,
                "Invalid metadata",
            )
            received: list[int] = []

            async def read_all() -> None:
                call = stub.UnaryStream(pb.Request(number=1, text="raise"), timeout=LIMIT)
                async for reply in call:
                    received.append(reply.number)

            await self.assert_fails(
                read_all(),
                grpc.StatusCode.UNKNOWN,
                "Unexpected <class 'RuntimeError'>: sync mid-stream",
            )
            self.assertEqual(received, [0])

    # -- interceptors -------------------------------------------------------------------

    async def test_server_interceptor(self) -> None:
        gate = Gatekeeper()
        async with self.connect(interceptors=[gate]) as channel:
            stub = pb_grpc.ShapesStub(channel)
            await self.assert_fails(
                stub.UnaryUnary(pb.Request(), timeout=LIMIT),
                grpc.StatusCode.UNAUTHENTICATED,
                "no token",
            )
            token = (("token", "secret"),)
            reply = await stub.StreamUnary(requests(1, 2), metadata=token, timeout=LIMIT)
            self.assertEqual(reply.number, 3)
        self.assertEqual(
            gate.methods,
            ["/asynctoolkit.tests.Shapes/UnaryUnary", "/asynctoolkit.tests.Shapes/StreamUnary"],
        )
        self.assertIn(("token", "secret"), gate.metadata[-1])

    async def test_client_interceptors(self) -> None:
        servicer = AsyncShapes()
        log: list[str] = []
        interceptors = [Tagging("a", log), Tagging("b", log)]
        async with self.connect(servicer, client_interceptors=interceptors) as channel:
            stub = pb_grpc.ShapesStub(channel)
            call = stub.UnaryUnary(pb.Request(text="metadata"), timeout=LIMIT)
            self.assertEqual((await call).text, "with metadata")
            self.assertEqual(tuple(await call.trailing_metadata()), TRAILING)
        self.assertEqual(log, ["a", "b"])
        self.assertEqual(servicer.seen["metadata"], [("tag", "a"), ("tag", "b")])

    async def test_stream_client_interceptor(self) -> None:
        counter = CountingStream()
        async with self.connect(client_interceptors=[counter]) as channel:
            call = pb_grpc.ShapesStub(channel).StreamStream(timeout=LIMIT)
            for n in range(3):
                await call.write(pb.Request(number=n))
                self.assertEqual((await call.read()).number, n)
            await call.done_writing()
            self.assertIs(await call.read(), grpc.aio.EOF)
            self.assertEqual(await call.code(), OK)
            replies = pb_grpc.ShapesStub(channel).StreamStream(requests(7, 8), timeout=LIMIT)
            self.assertEqual([reply.number async for reply in replies], [7, 8])
        self.assertEqual(counter.calls, 2)


@fail_on(active_handles=True)  # no timer or callback of the channel is left either
class ConnectConformance(_Scenarios, TestCase):
    open = staticmethod(rpc.connect)


# grpc.aio keeps a reader on the loop while any of its RPC states lives; the
# checks keep the tasks a test created (and what their exceptions reference)
# until they report, so an aborted request stream's state outlives the test.
@fail_on(active_selector_callbacks=False)
class ServeConformance(_Scenarios, TestCase):
    open = staticmethod(rpc.serve)


class ConnectOnVirtualTime(ClockedTestCase):
    """Deadlines of rpc.connect follow the loop's clock: no real time passes."""

    async def test_deadline_on_advance(self) -> None:
        servicer = AsyncShapes()
        async with rpc.connect({SHAPES: servicer}) as channel:
            call = pb_grpc.ShapesStub(channel).UnaryUnary(pb.Request(text="sleep"), timeout=30)
            await self.advance(29.9)
            self.assertFalse(call.done())
            await self.advance(0.1)
            self.assertTrue(call.done())
            self.assertEqual(await call.code(), grpc.StatusCode.DEADLINE_EXCEEDED)
        self.assertEqual(servicer.seen["remaining at cancel"], 0.0)


if __name__ == "__main__":
    unittest.main()
