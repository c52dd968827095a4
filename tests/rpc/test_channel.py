"""The channel double: grpc_testing's client-side scenarios, on asyncio.

Each test runs "code under test" (a coroutine using a generated stub) as a
task and plays server for it through ``take_*`` and the rpc objects.
"""

from __future__ import annotations

import asyncio
import unittest
from collections.abc import AsyncIterator

import grpc
import grpc.aio

from asynctoolkit import rpc
from asynctoolkit.case import TestCase
from tests.rpc._proto import (
    SHAPES,
    STREAM_STREAM,
    STREAM_UNARY,
    UNARY_STREAM,
    UNARY_UNARY,
    pb,
    pb_grpc,
)

OK = grpc.StatusCode.OK


class ChannelTestCase(TestCase):
    async def asyncSetUp(self) -> None:
        self.channel = rpc.channel([SHAPES])
        self.stub = pb_grpc.ShapesStub(self.channel)

    async def asyncTearDown(self) -> None:
        await self.channel.close()

    def start(self, coro: object) -> asyncio.Task[object]:
        task = asyncio.ensure_future(coro)  # type: ignore[arg-type]
        self.addCleanup(task.cancel)
        return task

    async def result(self, task: asyncio.Task[object]) -> object:
        return await asyncio.wait_for(task, 5)


class FourShapesTest(ChannelTestCase):
    async def test_unary_unary(self) -> None:
        async def client() -> object:
            call = self.stub.UnaryUnary(pb.Request(number=1, text="hi"), metadata=(("who", "me"),))
            reply = await call
            return (
                reply,
                await call.initial_metadata(),
                await call.trailing_metadata(),
                await call.code(),
                await call.details(),
            )

        task = self.start(client())
        metadata, request, rpc_ = await self.channel.take_unary_unary(UNARY_UNARY)
        self.assertEqual(metadata, (("who", "me"),))
        self.assertEqual(request, pb.Request(number=1, text="hi"))
        rpc_.send_initial_metadata((("server", "x"),))
        rpc_.terminate(pb.Reply(number=2), (("trail", "y"),), OK, "fine")
        reply, initial, trailing, code, details = await self.result(task)  # type: ignore[misc]
        self.assertEqual(reply, pb.Reply(number=2))
        self.assertEqual(initial, grpc.aio.Metadata(("server", "x")))
        self.assertEqual(trailing, grpc.aio.Metadata(("trail", "y")))
        self.assertEqual((code, details), (OK, "fine"))

    async def test_unary_stream(self) -> None:
        async def client() -> list[int]:
            return [r.number async for r in self.stub.UnaryStream(pb.Request(number=3))]

        task = self.start(client())
        _, request, rpc_ = await self.channel.take_unary_stream(UNARY_STREAM)
        for n in range(request.number):
            rpc_.send_response(pb.Reply(number=n))
        rpc_.terminate((), OK, "")
        self.assertEqual(await self.result(task), [0, 1, 2])

    async def test_stream_unary(self) -> None:
        async def client() -> int:
            requests = [pb.Request(number=n) for n in (4, 5, 6)]
            reply = await self.stub.StreamUnary(iter(requests))
            return int(reply.number)

        task = self.start(client())
        _, rpc_ = await self.channel.take_stream_unary(STREAM_UNARY)
        total = 0
        for _ in range(3):
            total += (await rpc_.take_request()).number
        await rpc_.requests_closed()
        rpc_.send_initial_metadata(())
        rpc_.terminate(pb.Reply(number=total), (), OK, "")
        self.assertEqual(await self.result(task), 15)

    async def test_stream_stream_with_async_iterator(self) -> None:
        async def requests() -> AsyncIterator[pb.Request]:
            for n in range(2):
                yield pb.Request(number=n)

        async def client() -> list[int]:
            return [r.number async for r in self.stub.StreamStream(requests())]

        task = self.start(client())
        _, rpc_ = await self.channel.take_stream_stream(STREAM_STREAM)
        rpc_.send_initial_metadata(())
        for _ in range(2):
            request = await rpc_.take_request()
            rpc_.send_response(pb.Reply(number=request.number * 10))
        await rpc_.requests_closed()
        rpc_.terminate((), OK, "")
        self.assertEqual(await self.result(task), [0, 10])

    async def test_read_write_style_ends_in_eof(self) -> None:
        async def client() -> list[object]:
            call = self.stub.StreamStream()
            seen: list[object] = []
            for n in range(3):
                await call.write(pb.Request(number=n))
                seen.append((await call.read()).number)
            await call.done_writing()
            seen.append(await call.read())
            seen.append(await call.read())  # EOF again once done
            return seen

        task = self.start(client())
        _, rpc_ = await self.channel.take_stream_stream(STREAM_STREAM)
        for _ in range(3):
            rpc_.send_response(pb.Reply(number=(await rpc_.take_request()).number + 1))
        await rpc_.requests_closed()
        rpc_.terminate((), OK, "")
        self.assertEqual(await self.result(task), [1, 2, 3, grpc.aio.EOF, grpc.aio.EOF])

    async def test_mixing_iterator_and_read_is_a_usage_error(self) -> None:
        call = self.stub.UnaryStream(pb.Request())
        aiter_ = call.__aiter__()
        with self.assertRaises(grpc.aio.UsageError):
            await call.read()
        del aiter_
        writer = self.stub.StreamStream(iter(()))
        with self.assertRaises(grpc.aio.UsageError):
            await writer.write(pb.Request())
        call.cancel()
        writer.cancel()


class ScenarioTest(ChannelTestCase):
    async def test_200_concurrent_stream_stream_calls(self) -> None:
        async def one(n: int) -> int:
            call = self.stub.StreamStream()
            await call.write(pb.Request(number=n))
            await call.done_writing()
            replies = [r.number async for r in call]
            return sum(replies)

        task = self.start(asyncio.gather(*(one(n) for n in range(200))))
        for _ in range(200):
            _, rpc_ = await self.channel.take_stream_stream(STREAM_STREAM)
            request = await rpc_.take_request()
            await rpc_.requests_closed()
            rpc_.send_response(pb.Reply(number=request.number))
            rpc_.send_response(pb.Reply(number=request.number))
            rpc_.terminate((), OK, "")
        self.assertEqual(await self.result(task), [2 * n for n in range(200)])

    async def test_rpcs_of_one_method_are_taken_in_start_order(self) -> None:
        calls = [self.stub.UnaryUnary(pb.Request(number=n)) for n in range(5)]
        taken = [(await self.channel.take_unary_unary(UNARY_UNARY))[1].number for _ in calls]
        self.assertEqual(taken, list(range(5)))
        for call in calls:
            call.cancel()

    async def test_cancelled_unary_unary(self) -> None:
        call = self.stub.UnaryUnary(pb.Request())
        _, _, rpc_ = await self.channel.take_unary_unary(UNARY_UNARY)
        self.assertTrue(call.cancel())
        await rpc_.cancelled()
        self.assertTrue(call.cancelled())
        self.assertTrue(call.done())
        self.assertFalse(call.cancel())
        with self.assertRaises(asyncio.CancelledError):
            await call
        self.assertEqual(await call.code(), grpc.StatusCode.CANCELLED)
        self.assertEqual(await call.details(), "Locally cancelled by application!")
        # Answering an RPC the client ended is a harmless race.
        rpc_.terminate(pb.Reply(), (), OK, "")

    async def test_cancelled_unary_stream(self) -> None:
        call = self.stub.UnaryStream(pb.Request())
        _, _, rpc_ = await self.channel.take_unary_stream(UNARY_STREAM)
        rpc_.send_response(pb.Reply(number=1))
        self.assertEqual((await call.read()).number, 1)
        call.cancel()
        await rpc_.cancelled()
        with self.assertRaises(asyncio.CancelledError):
            await call.read()
        rpc_.send_response(pb.Reply())  # ignored: the client is gone

    async def test_cancel_inside_async_for(self) -> None:
        async def client() -> list[int]:
            call = self.stub.UnaryStream(pb.Request())
            seen = []
            try:
                async for reply in call:
                    seen.append(reply.number)
                    call.cancel()
            except asyncio.CancelledError:
                seen.append(-1)
            return seen

        task = self.start(client())
        _, _, rpc_ = await self.channel.take_unary_stream(UNARY_STREAM)
        rpc_.send_response(pb.Reply(number=1))
        rpc_.send_response(pb.Reply(number=2))
        await rpc_.cancelled()
        self.assertEqual(await self.result(task), [1, -1])

    async def test_cancelling_the_awaiting_task_cancels_the_rpc(self) -> None:
        call = self.stub.UnaryUnary(pb.Request())
        _, _, rpc_ = await self.channel.take_unary_unary(UNARY_UNARY)

        async def await_call() -> object:
            return await call

        task = self.start(await_call())
        await asyncio.sleep(0)
        task.cancel()
        await rpc_.cancelled()
        self.assertTrue(call.cancelled())

    async def test_many_stream_unary_calls_one_fails(self) -> None:
        async def one(n: int) -> int:
            reply = await self.stub.StreamUnary(iter([pb.Request(number=n)]))
            return int(reply.number)

        task = self.start(asyncio.gather(*(one(n) for n in range(10)), return_exceptions=True))
        for _ in range(10):
            _, rpc_ = await self.channel.take_stream_unary(STREAM_UNARY)
            n = (await rpc_.take_request()).number
            if n == 6:
                rpc_.terminate(None, (("why", "six"),), grpc.StatusCode.INVALID_ARGUMENT, "no 6")
            else:
                rpc_.terminate(pb.Reply(number=n), (), OK, "")
        outcomes = await self.result(task)
        assert isinstance(outcomes, list)
        error = outcomes.pop(6)
        self.assertEqual(outcomes, [0, 1, 2, 3, 4, 5, 7, 8, 9])
        self.assertIsInstance(error, grpc.aio.AioRpcError)
        self.assertEqual(error.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(error.details(), "no 6")
        self.assertEqual(error.trailing_metadata(), grpc.aio.Metadata(("why", "six")))

    async def test_stream_ended_with_error_code_and_details(self) -> None:
        async def client() -> tuple[list[int], grpc.aio.AioRpcError]:
            call = self.stub.StreamStream(iter([pb.Request(), pb.Request()]))
            seen = []
            try:
                async for reply in call:
                    seen.append(reply.number)
            except grpc.aio.AioRpcError as error:
                return seen, error
            raise AssertionError("the stream ended without an error")

        task = self.start(client())
        _, rpc_ = await self.channel.take_stream_stream(STREAM_STREAM)
        rpc_.send_initial_metadata((("i", "1"),))
        await rpc_.take_request()
        rpc_.send_response(pb.Reply(number=1))
        await rpc_.take_request()
        rpc_.send_response(pb.Reply(number=2))
        rpc_.terminate((("t", "2"),), grpc.StatusCode.RESOURCE_EXHAUSTED, "out of stock")
        seen, error = await self.result(task)  # type: ignore[misc]
        self.assertEqual(seen, [1, 2])
        self.assertEqual(error.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
        self.assertEqual(error.details(), "out of stock")
        self.assertEqual(error.initial_metadata(), grpc.aio.Metadata(("i", "1")))
        self.assertEqual(error.trailing_metadata(), grpc.aio.Metadata(("t", "2")))

    async def test_error_in_the_middle_of_a_unary_stream(self) -> None:
        call = self.stub.UnaryStream(pb.Request())
        _, _, rpc_ = await self.channel.take_unary_stream(UNARY_STREAM)
        rpc_.send_response(pb.Reply(number=1))
        rpc_.terminate((), grpc.StatusCode.UNAVAILABLE, "went away")
        self.assertFalse(call.done())  # the status comes after the buffered response
        self.assertEqual((await call.read()).number, 1)
        self.assertTrue(call.done())
        with self.assertRaises(grpc.aio.AioRpcError) as caught:
            await call.read()
        self.assertEqual(caught.exception.code(), grpc.StatusCode.UNAVAILABLE)

    async def test_server_sending_unexpected_responses(self) -> None:
        async def client() -> str:
            # Expects exactly one reply per request, in lockstep.
            call = self.stub.StreamStream()
            await call.write(pb.Request(number=1))
            first = await call.read()
            await call.done_writing()
            rest = []
            while (reply := await call.read()) is not grpc.aio.EOF:
                rest.append(reply)
            return "satisfied" if first.number == 1 and not rest else f"unexpected {len(rest)}"

        task = self.start(client())
        _, rpc_ = await self.channel.take_stream_stream(STREAM_STREAM)
        rpc_.send_response(pb.Reply(number=1))
        rpc_.send_response(pb.Reply(number=2))
        rpc_.send_response(pb.Reply(number=3))
        await rpc_.take_request()
        await rpc_.requests_closed()
        rpc_.terminate((), OK, "")
        self.assertEqual(await self.result(task), "unexpected 2")

    async def test_request_iterator_that_raises_cancels_the_rpc(self) -> None:
        def requests() -> object:
            yield pb.Request(number=1)
            raise ValueError("broken generator")

        call = self.stub.StreamUnary(requests())
        _, rpc_ = await self.channel.take_stream_unary(STREAM_UNARY)
        self.assertEqual((await rpc_.take_request()).number, 1)
        await rpc_.cancelled()
        with self.assertRaises(asyncio.CancelledError):
            await call

    async def test_done_callbacks_and_status_accessors(self) -> None:
        seen: list[object] = []
        call = self.stub.UnaryUnary(pb.Request())
        call.add_done_callback(seen.append)
        self.assertIsNone(call.time_remaining())
        _, _, rpc_ = await self.channel.take_unary_unary(UNARY_UNARY)
        self.assertEqual(seen, [])
        rpc_.terminate(pb.Reply(), (), OK, "")
        self.assertEqual(seen, [call])
        call.add_done_callback(seen.append)  # already done: called at once
        self.assertEqual(seen, [call, call])
        await call
        self.assertFalse(call.cancelled())
        await call.wait_for_connection()

    async def test_responses_are_snapshots(self) -> None:
        call = self.stub.UnaryStream(pb.Request())
        _, _, rpc_ = await self.channel.take_unary_stream(UNARY_STREAM)
        reply = pb.Reply(number=1)
        rpc_.send_response(reply)
        reply.number = 2
        rpc_.send_response(reply)
        rpc_.terminate((), OK, "")
        self.assertEqual([r.number async for r in call], [1, 2])

    async def test_requests_are_decoded_copies(self) -> None:
        request = pb.Request(number=1)
        call = self.stub.UnaryUnary(request)
        request.number = 2
        _, taken, rpc_ = await self.channel.take_unary_unary(UNARY_UNARY)
        self.assertEqual(taken.number, 1)
        self.assertIsNot(taken, request)
        rpc_.terminate(pb.Reply(), (), OK, "")
        await call


if __name__ == "__main__":
    unittest.main()
