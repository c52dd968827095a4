"""The server double: grpc_testing's server-side scenarios, on asyncio."""

from __future__ import annotations

import asyncio
import unittest
from collections.abc import AsyncIterator, Iterator
from typing import Any

import grpc
import grpc.aio

from asynctoolkit import rpc
from asynctoolkit.case import TestCase
from tests.rpc._proto import (
    ELSEWHERE,
    PING,
    SHAPES,
    STREAM_STREAM,
    STREAM_UNARY,
    UNARY_STREAM,
    UNARY_UNARY,
    pb,
    pb_grpc,
)

OK = grpc.StatusCode.OK


class AsyncServicer(pb_grpc.ShapesServicer):
    """The servicer under test, written the grpc.aio way."""

    def __init__(self) -> None:
        self.abort_raised = False
        self.handler_cancelled = asyncio.Event()
        self.seen: dict[str, Any] = {}

    async def UnaryUnary(self, request: Any, context: Any) -> Any:
        if request.text == "abort":
            try:
                await context.abort(grpc.StatusCode.PERMISSION_DENIED, "denied", (("t", "1"),))
            except grpc.aio.AbortError:
                self.abort_raised = True
                raise
        if request.text == "abort-keeps-details":
            assert context.details() == ""  # nothing set yet: grpc.aio says ''
            context.set_details("key is locked")
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION)
        if request.text == "abort-query":
            return pb.Reply(text="raised" if self.abort_raised else "not raised")
        if request.text == "bad":
            context.set_code(grpc.StatusCode.INVALID_ARGUMENT)
            context.set_details("bad request")
            return pb.Reply()
        if request.text == "raise":
            raise ValueError("boom")
        if request.text == "sleep":
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                self.handler_cancelled.set()
                raise
        if request.text == "context":
            self.seen.update(
                metadata=context.invocation_metadata(),
                peer=context.peer(),
                remaining=context.time_remaining(),
                active=not context.done(),
            )
            await context.send_initial_metadata((("initial", "yes"),))
            context.set_trailing_metadata((("trailing", "yes"),))
        return pb.Reply(number=request.number + 1)

    async def UnaryStream(self, request: Any, context: Any) -> AsyncIterator[Any]:
        for n in range(request.number):
            if request.text == "raise" and n == 1:
                raise RuntimeError("mid-stream")
            yield pb.Reply(number=n)

    async def StreamUnary(self, request_iterator: Any, context: Any) -> Any:
        total = 0
        async for request in request_iterator:
            total += request.number
        return pb.Reply(number=total)

    async def StreamStream(self, request_iterator: Any, context: Any) -> AsyncIterator[Any]:
        reply = pb.Reply()
        async for request in request_iterator:
            reply.number = request.number  # the same object, mutated: a snapshot is sent
            yield reply


class SyncServicer(pb_grpc.ShapesServicer):
    """The same service written with plain functions and generators."""

    def UnaryUnary(self, request: Any, context: Any) -> Any:
        if request.text == "abort":
            context.abort(grpc.StatusCode.PERMISSION_DENIED, "denied")
        return pb.Reply(number=request.number + 1)

    def UnaryStream(self, request: Any, context: Any) -> Iterator[Any]:
        for n in range(request.number):
            yield pb.Reply(number=n)

    def StreamUnary(self, request_iterator: Any, context: Any) -> Any:
        return pb.Reply(number=sum(r.number for r in request_iterator))

    def StreamStream(self, request_iterator: Any, context: Any) -> Iterator[Any]:
        for request in request_iterator:
            yield pb.Reply(number=request.number * 2)


class _ShapesScenarios:
    """The four shapes succeeding; run with each servicer flavour."""

    server: rpc.Server
    assertEqual: Any

    async def test_unary_unary(self) -> None:
        rpc_ = self.server.invoke_unary_unary(
            UNARY_UNARY, (("k", "v"),), pb.Request(number=1), None
        )
        self.assertEqual(await rpc_.initial_metadata(), ())
        self.assertEqual(await rpc_.termination(), (pb.Reply(number=2), (), OK, ""))

    async def test_unary_stream(self) -> None:
        rpc_ = self.server.invoke_unary_stream(UNARY_STREAM, (), pb.Request(number=3), None)
        self.assertEqual([(await rpc_.take_response()).number for _ in range(3)], [0, 1, 2])
        self.assertEqual(await rpc_.termination(), ((), OK, ""))

    async def test_stream_unary(self) -> None:
        rpc_ = self.server.invoke_stream_unary(STREAM_UNARY, (), None)
        for n in (1, 2, 3):
            rpc_.send_request(pb.Request(number=n))
        rpc_.requests_closed()
        response, _trailing, code, _details = await rpc_.termination()
        self.assertEqual((response.number, code), (6, OK))

    async def test_stream_stream(self) -> None:
        rpc_ = self.server.invoke_stream_stream(STREAM_STREAM, (), None)
        rpc_.send_request(pb.Request(number=1))
        first = await rpc_.take_response()
        rpc_.send_request(pb.Request(number=2))
        second = await rpc_.take_response()
        rpc_.requests_closed()
        self.assertEqual(await rpc_.termination(), ((), OK, ""))
        self.assertEqual(first.number * 2, second.number)


class AsyncServicerTest(_ShapesScenarios, TestCase):
    async def asyncSetUp(self) -> None:
        self.servicer = AsyncServicer()
        self.server = rpc.server_from_dictionary({SHAPES: self.servicer})

    async def test_mutated_response_is_sent_as_it_was(self) -> None:
        rpc_ = self.server.invoke_stream_stream(STREAM_STREAM, (), None)
        for n in (1, 2, 3):
            rpc_.send_request(pb.Request(number=n))
        rpc_.requests_closed()
        self.assertEqual([(await rpc_.take_response()).number for _ in range(3)], [1, 2, 3])
        await rpc_.termination()

    async def test_termination_is_repeatable(self) -> None:
        rpc_ = self.server.invoke_unary_unary(UNARY_UNARY, (), pb.Request(number=5), None)
        first = await rpc_.termination()
        self.assertEqual(await rpc_.termination(), first)
        self.assertEqual(await rpc_.termination(), first)

    async def test_repeated_calls(self) -> None:
        for n in range(5):
            rpc_ = self.server.invoke_unary_unary(UNARY_UNARY, (), pb.Request(number=n), None)
            response, _, code, _ = await rpc_.termination()
            self.assertEqual((response.number, code), (n + 1, OK))

    async def test_bad_client_request(self) -> None:
        rpc_ = self.server.invoke_unary_unary(UNARY_UNARY, (), pb.Request(text="bad"), None)
        self.assertEqual(
            await rpc_.termination(), (None, (), grpc.StatusCode.INVALID_ARGUMENT, "bad request")
        )

    async def test_exception_in_handler_gives_unknown(self) -> None:
        rpc_ = self.server.invoke_unary_unary(UNARY_UNARY, (), pb.Request(text="raise"), None)
        _response, _, code, details = await rpc_.termination()
        self.assertEqual(code, grpc.StatusCode.UNKNOWN)
        self.assertEqual(details, "Unexpected <class 'ValueError'>: boom")

    async def test_error_in_the_middle_of_a_stream(self) -> None:
        rpc_ = self.server.invoke_unary_stream(
            UNARY_STREAM, (), pb.Request(number=3, text="raise"), None
        )
        self.assertEqual((await rpc_.take_response()).number, 0)
        with self.assertRaisesRegex(RuntimeError, "ended with UNKNOWN .* after 1 responses"):
            await rpc_.take_response()
        _, code, details = await rpc_.termination()
        self.assertEqual(code, grpc.StatusCode.UNKNOWN)
        self.assertIn("mid-stream", details)

    async def test_abort(self) -> None:
        rpc_ = self.server.invoke_unary_unary(UNARY_UNARY, (), pb.Request(text="abort"), None)
        self.assertEqual(
            await rpc_.termination(),
            (None, (("t", "1"),), grpc.StatusCode.PERMISSION_DENIED, "denied"),
        )
        query = self.server.invoke_unary_unary(
            UNARY_UNARY, (), pb.Request(text="abort-query"), None
        )
        response, *_ = await query.termination()
        self.assertEqual(response.text, "raised")

    async def test_abort_without_details_keeps_those_set_before(self) -> None:
        # As grpc.aio does (checked against rpc.serve by a review).
        rpc_ = self.server.invoke_unary_unary(
            UNARY_UNARY, (), pb.Request(text="abort-keeps-details"), None
        )
        _, _, code, details = await rpc_.termination()
        self.assertEqual((code, details), (grpc.StatusCode.FAILED_PRECONDITION, "key is locked"))

    async def test_context(self) -> None:
        rpc_ = self.server.invoke_unary_unary(
            UNARY_UNARY, (("who", "test"),), pb.Request(text="context"), 30
        )
        self.assertEqual(await rpc_.initial_metadata(), (("initial", "yes"),))
        _response, trailing, code, _ = await rpc_.termination()
        self.assertEqual((trailing, code), ((("trailing", "yes"),), OK))
        seen = self.servicer.seen
        self.assertEqual(seen["metadata"], (("who", "test"),))
        self.assertEqual(seen["metadata"][0].key, "who")
        self.assertTrue(seen["peer"])
        self.assertTrue(0 < seen["remaining"] <= 30)
        self.assertTrue(seen["active"])

    async def test_cancel(self) -> None:
        rpc_ = self.server.invoke_unary_unary(UNARY_UNARY, (), pb.Request(text="sleep"), None)
        await asyncio.sleep(0)
        rpc_.cancel()
        _, _, code, _ = await rpc_.termination()
        self.assertEqual(code, grpc.StatusCode.CANCELLED)
        self.assertTrue(self.servicer.handler_cancelled.is_set())

    async def test_deadline_on_the_loop_clock_cancels_the_handler(self) -> None:
        rpc_ = self.server.invoke_unary_unary(UNARY_UNARY, (), pb.Request(text="sleep"), 0.05)
        response, _, code, details = await rpc_.termination()
        self.assertEqual(
            (response, code, details),
            (None, grpc.StatusCode.DEADLINE_EXCEEDED, "Deadline Exceeded"),
        )
        self.assertTrue(self.servicer.handler_cancelled.is_set())

    async def test_unimplemented(self) -> None:
        server = rpc.server_from_dictionary({ELSEWHERE: pb_grpc.ElsewhereServicer()})
        rpc_ = server.invoke_unary_unary(PING, (), pb.Request(), None)
        _, _, code, details = await rpc_.termination()
        self.assertEqual(code, grpc.StatusCode.UNIMPLEMENTED)
        self.assertIn("Method not implemented!", details)
        bare = rpc.server_from_dictionary({ELSEWHERE: object()})
        _, _, code, details = await bare.invoke_unary_unary(
            PING, (), pb.Request(), None
        ).termination()
        self.assertEqual((code, details), (grpc.StatusCode.UNIMPLEMENTED, "Method not found!"))


class SyncServicerTest(_ShapesScenarios, TestCase):
    async def asyncSetUp(self) -> None:
        self.server = rpc.server_from_dictionary({SHAPES: SyncServicer()})

    async def test_sync_abort_raises_at_once(self) -> None:
        rpc_ = self.server.invoke_unary_unary(UNARY_UNARY, (), pb.Request(text="abort"), None)
        _, _, code, details = await rpc_.termination()
        self.assertEqual((code, details), (grpc.StatusCode.PERMISSION_DENIED, "denied"))


class ReadWriteServicer(pb_grpc.ShapesServicer):
    """Handlers using context.read()/write() and plain iterables."""

    async def UnaryUnary(self, request: Any, context: Any) -> Any:
        try:
            await context.write(pb.Reply())
        except grpc.aio.UsageError as error:
            return pb.Reply(text=str(error))
        return pb.Reply(text="write was accepted")

    def UnaryStream(self, request: Any, context: Any) -> Any:
        return [pb.Reply(number=n) for n in range(request.number)]

    async def StreamStream(self, request_iterator: Any, context: Any) -> None:
        while (request := await context.read()) is not grpc.aio.EOF:
            await context.write(pb.Reply(number=request.number + 100))


class ReadWriteServicerTest(TestCase):
    async def asyncSetUp(self) -> None:
        self.server = rpc.server_from_dictionary({SHAPES: ReadWriteServicer()})

    async def test_read_write_style_handler(self) -> None:
        rpc_ = self.server.invoke_stream_stream(STREAM_STREAM, (), None)
        rpc_.send_request(pb.Request(number=1))
        self.assertEqual((await rpc_.take_response()).number, 101)
        rpc_.send_request(pb.Request(number=2))
        rpc_.requests_closed()
        self.assertEqual((await rpc_.take_response()).number, 102)
        self.assertEqual(await rpc_.termination(), ((), OK, ""))

    async def test_plain_function_returning_a_list(self) -> None:
        rpc_ = self.server.invoke_unary_stream(UNARY_STREAM, (), pb.Request(number=2), None)
        self.assertEqual([(await rpc_.take_response()).number for _ in range(2)], [0, 1])
        self.assertEqual((await rpc_.termination())[1], OK)

    async def test_write_on_a_unary_response_is_a_usage_error(self) -> None:
        rpc_ = self.server.invoke_unary_unary(UNARY_UNARY, (), pb.Request(), None)
        response, *_ = await rpc_.termination()
        self.assertIn("returns its one response", response.text)


class ServerDeadlineTest(TestCase):
    async def test_infinite_request_stream_on_fake_time(self) -> None:
        time = rpc.strict_fake_time(0.0)
        server = rpc.server_from_dictionary({SHAPES: AsyncServicer()}, time)
        rpc_ = server.invoke_stream_unary(STREAM_UNARY, (), 10)
        for n in range(100):
            rpc_.send_request(pb.Request(number=n))
        await asyncio.sleep(0.01)
        with self.assertRaises(TimeoutError):  # fake time stands still
            await rpc_.termination(timeout=0.01)
        await time.sleep_for(20)
        _, _, code, _ = await rpc_.termination(timeout=1)
        self.assertEqual(code, grpc.StatusCode.DEADLINE_EXCEEDED)

    async def test_infinite_request_stream_on_real_time(self) -> None:
        server = rpc.server_from_dictionary({SHAPES: AsyncServicer()}, rpc.strict_real_time())
        rpc_ = server.invoke_stream_unary(STREAM_UNARY, (), 0.05)
        for n in range(10):
            rpc_.send_request(pb.Request(number=n))
        _, _, code, _ = await rpc_.termination(timeout=5)
        self.assertEqual(code, grpc.StatusCode.DEADLINE_EXCEEDED)

    async def test_sync_stream_handler_in_a_thread_ends_at_its_deadline(self) -> None:
        server = rpc.server_from_dictionary({SHAPES: SyncServicer()})
        rpc_ = server.invoke_stream_unary(STREAM_UNARY, (), 0.05)
        rpc_.send_request(pb.Request(number=1))
        _, _, code, _ = await rpc_.termination(timeout=5)
        self.assertEqual(code, grpc.StatusCode.DEADLINE_EXCEEDED)


class ServerBadInputTest(TestCase):
    async def asyncSetUp(self) -> None:
        self.server = rpc.server_from_dictionary({SHAPES: AsyncServicer()})

    async def test_descriptors_and_messages_are_checked(self) -> None:
        with self.assertRaisesRegex(TypeError, "stream-stream method, not unary-unary"):
            self.server.invoke_unary_unary(STREAM_STREAM, (), pb.Request(), None)
        with self.assertRaisesRegex(ValueError, "not a method of this server"):
            self.server.invoke_unary_unary(PING, (), pb.Request(), None)
        with self.assertRaisesRegex(TypeError, "must be a asynctoolkit.tests.Request"):
            self.server.invoke_unary_unary(UNARY_UNARY, (), pb.Reply(), None)
        with self.assertRaisesRegex(TypeError, "dict from ServiceDescriptor"):
            rpc.server_from_dictionary([SHAPES])  # type: ignore[arg-type]

    async def test_send_request_after_requests_closed(self) -> None:
        rpc_ = self.server.invoke_stream_stream(STREAM_STREAM, (), None)
        rpc_.requests_closed()
        rpc_.requests_closed()  # idempotent
        with self.assertRaisesRegex(RuntimeError, "requests_closed\\(\\) was already called"):
            rpc_.send_request(pb.Request())
        await rpc_.termination()

    async def test_waits_time_out_with_a_description(self) -> None:
        rpc_ = self.server.invoke_stream_stream(STREAM_STREAM, (), None)
        with self.assertRaisesRegex(TimeoutError, "sent no further response and did not end"):
            await rpc_.take_response(timeout=0.01)
        with self.assertRaisesRegex(TimeoutError, "has not ended the RPC"):
            await rpc_.termination(timeout=0.01)
        rpc_.cancel()
        self.assertEqual((await rpc_.termination())[1], grpc.StatusCode.CANCELLED)

    def test_invoke_needs_a_running_loop(self) -> None:
        with self.assertRaisesRegex(RuntimeError, "running event loop"):
            self.server.invoke_unary_unary(UNARY_UNARY, (), pb.Request(), None)


if __name__ == "__main__":
    unittest.main()
