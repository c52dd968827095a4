"""rpc.connect on virtual time: deadlines and handlers follow the loop's clock."""

from __future__ import annotations

import asyncio
import threading
import time
import unittest
from typing import Any

import grpc
import grpc.aio

from asynctoolkit import rpc
from asynctoolkit.case import ClockedTestCase, fail_on
from tests.rpc._proto import SHAPES, pb, pb_grpc
from tests.rpc._servicers import AsyncShapes, requests

DEADLINE_EXCEEDED = grpc.StatusCode.DEADLINE_EXCEEDED


class _Clocked(pb_grpc.ShapesServicer):  # type: ignore[misc]
    """Sleeps ``request.number`` seconds of the loop's clock, recording what it sees."""

    def __init__(self) -> None:
        self.remaining: list[float | None] = []
        self.cancelled_at: float | None = None

    async def UnaryUnary(self, request: Any, context: Any) -> Any:
        loop = asyncio.get_running_loop()
        self.remaining.append(context.time_remaining())
        try:
            await asyncio.sleep(request.number)
        except asyncio.CancelledError:
            self.cancelled_at = loop.time()
            raise
        self.remaining.append(context.time_remaining())
        return pb.Reply(number=request.number)

    async def StreamStream(self, request_iterator: Any, context: Any) -> Any:
        async for request in request_iterator:
            await asyncio.sleep(request.number)
            yield pb.Reply(number=request.number)


@fail_on(active_handles=True)
class AdvanceTest(ClockedTestCase):
    async def test_time_remaining_and_deadline_follow_advance(self) -> None:
        servicer = _Clocked()
        async with rpc.connect({SHAPES: servicer}) as channel:
            call = pb_grpc.ShapesStub(channel).UnaryUnary(pb.Request(number=100), timeout=10)
            await self.advance(4)
            self.assertEqual(call.time_remaining(), 6)
            self.assertFalse(call.done())
            await self.advance(6)
            self.assertTrue(call.done())
            raised = await self.assertAsyncRaises(grpc.aio.AioRpcError, call)
            self.assertEqual(raised.exception.code(), DEADLINE_EXCEEDED)
        self.assertEqual(servicer.remaining, [10])
        self.assertEqual(servicer.cancelled_at, 10)

    async def test_a_handler_that_finishes_in_time(self) -> None:
        servicer = _Clocked()
        async with rpc.connect({SHAPES: servicer}) as channel:
            call = pb_grpc.ShapesStub(channel).UnaryUnary(pb.Request(number=3), timeout=10)
            await self.advance(3)
            self.assertEqual((await call).number, 3)
        self.assertEqual(servicer.remaining, [10, 7])

    async def test_deadline_of_a_bidirectional_stream(self) -> None:
        async with rpc.connect({SHAPES: _Clocked()}) as channel:
            call = pb_grpc.ShapesStub(channel).StreamStream(requests(1, 1, 5), timeout=4)
            await self.advance(1)
            self.assertEqual((await call.read()).number, 1)
            await self.advance(1)
            self.assertEqual((await call.read()).number, 1)
            await self.advance(2)
            raised = await self.assertAsyncRaises(grpc.aio.AioRpcError, call.read())
            self.assertEqual(raised.exception.code(), DEADLINE_EXCEEDED)
            self.assertEqual(raised.exception.details(), "Stream removed (Deadline Exceeded)")


@fail_on(active_handles=True)
class AutojumpTest(ClockedTestCase):
    autojump = True

    async def test_long_handlers_take_no_real_time(self) -> None:
        loop = asyncio.get_running_loop()
        async with rpc.connect({SHAPES: _Clocked()}) as channel:
            stub = pb_grpc.ShapesStub(channel)
            start = time.monotonic()
            self.assertEqual((await stub.UnaryUnary(pb.Request(number=3600))).number, 3600)
            with self.assertRaises(grpc.aio.AioRpcError) as caught:
                await stub.UnaryUnary(pb.Request(number=3600), timeout=60)
            self.assertLess(time.monotonic() - start, 5)  # bound: no real hour passed
        self.assertEqual(caught.exception.code(), DEADLINE_EXCEEDED)
        self.assertEqual(loop.time(), 3660)

    async def test_a_deadline_reaches_a_handler_and_its_stream_task(self) -> None:
        servicer = AsyncShapes()
        async with rpc.connect({SHAPES: servicer}) as channel:
            call = pb_grpc.ShapesStub(channel).StreamStream(
                metadata=(("scenario", "sleep"),), timeout=30
            )
            await call.write(pb.Request(number=1))
            self.assertEqual((await call.read()).number, 1)
            raised = await self.assertAsyncRaises(grpc.aio.AioRpcError, call.read())
            self.assertEqual(raised.exception.code(), DEADLINE_EXCEEDED)
            await servicer.ended.wait()
        self.assertTrue(servicer.seen["cancelled"])
        self.assertEqual(servicer.seen["remaining at cancel"], 0)

    async def test_the_clock_waits_for_a_worker_thread(self) -> None:
        # The plain-function handler works some real time; the clock must not
        # jump past the 10 s deadline meanwhile, nor between the thread's end
        # and the loop hearing of its result (a race: it showed on a busy
        # machine, and many calls give it more chances).
        async with rpc.connect({SHAPES: _Working()}) as channel:
            stub = pb_grpc.ShapesStub(channel)
            for _ in range(20):
                reply = await stub.UnaryUnary(pb.Request(), timeout=10)
                self.assertEqual(reply.text, "worked")

    async def test_a_deadline_releases_a_worker_waiting_for_requests(self) -> None:
        servicer = _Working()
        async with rpc.connect({SHAPES: servicer}) as channel:
            call = pb_grpc.ShapesStub(channel).StreamUnary(timeout=30)
            await call.write(pb.Request(number=1))
            raised = await self.assertAsyncRaises(grpc.aio.AioRpcError, call)
            self.assertEqual(raised.exception.code(), DEADLINE_EXCEEDED)
        self.assertEqual(servicer.received, [1])
        self.assertTrue(servicer.returned.is_set())


class _Working(pb_grpc.ShapesServicer):  # type: ignore[misc]
    def __init__(self) -> None:
        self.received: list[int] = []
        self.returned = threading.Event()

    def UnaryUnary(self, request: Any, context: Any) -> Any:
        time.sleep(0.005)
        return pb.Reply(text="worked")

    def StreamUnary(self, request_iterator: Any, context: Any) -> Any:
        try:
            for request in request_iterator:  # waits, in its thread, for more
                self.received.append(request.number)
            return pb.Reply()
        finally:
            self.returned.set()


if __name__ == "__main__":
    unittest.main()
