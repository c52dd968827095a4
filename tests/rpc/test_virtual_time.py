"""Deadlines of both doubles driven by a virtual-clock loop (time=None)."""

from __future__ import annotations

import asyncio
import itertools
import time
import unittest
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import grpc
import grpc.aio

from asynctoolkit import rpc
from asynctoolkit.clock import ClockedEventLoop
from tests.rpc._proto import SHAPES, STREAM_UNARY, UNARY_UNARY, pb, pb_grpc
from tests.rpc.test_server import AsyncServicer

_T = TypeVar("_T")

DEADLINE_EXCEEDED = grpc.StatusCode.DEADLINE_EXCEEDED


def _infinite_requests() -> Iterator[Any]:
    for n in itertools.count():
        yield pb.Request(number=n)


class _OnClockedLoop(unittest.TestCase):
    def run_on(self, loop: ClockedEventLoop, main: Callable[[], Awaitable[_T]]) -> _T:
        try:
            start = time.monotonic()
            result = loop.run_until_complete(main())
            self.assertLess(time.monotonic() - start, 5.0)  # virtual hours, real moments
            return result
        finally:
            loop.close()


class VirtualClockTest(_OnClockedLoop):
    def test_autojump_reaches_a_client_deadline_an_hour_away(self) -> None:
        loop = ClockedEventLoop(autojump=True)

        async def main() -> None:
            channel = rpc.channel([SHAPES])
            call = pb_grpc.ShapesStub(channel).UnaryUnary(pb.Request(), timeout=3600)
            _, _, rpc_ = await channel.take_unary_unary(UNARY_UNARY)
            self.assertEqual(call.time_remaining(), 3600)
            await rpc_.cancelled()  # the default wait stretches to the RPC's deadline
            self.assertEqual(loop.time(), 3600)
            self.assertEqual(await call.code(), DEADLINE_EXCEEDED)

        self.run_on(loop, main)

    def test_infinite_request_stream_ended_by_a_virtual_deadline(self) -> None:
        loop = ClockedEventLoop(autojump=True)

        async def main() -> None:
            channel = rpc.channel([SHAPES])
            call = pb_grpc.ShapesStub(channel).StreamUnary(_infinite_requests(), timeout=60)
            _, rpc_ = await channel.take_stream_unary(STREAM_UNARY)
            self.assertEqual([(await rpc_.take_request()).number for _ in range(3)], [0, 1, 2])
            await rpc_.cancelled()
            self.assertEqual(loop.time(), 60)
            with self.assertRaises(grpc.aio.AioRpcError) as caught:
                await call
            self.assertEqual(caught.exception.code(), DEADLINE_EXCEEDED)

        self.run_on(loop, main)

    def test_take_fails_fast_under_autojump(self) -> None:
        loop = ClockedEventLoop(autojump=True)

        async def main() -> None:
            channel = rpc.channel([SHAPES])
            with self.assertRaisesRegex(TimeoutError, "timed out after 10 s"):
                await channel.take_unary_unary(UNARY_UNARY)
            self.assertEqual(loop.time(), rpc.DEFAULT_TIMEOUT)

        self.run_on(loop, main)

    def test_advance_drives_a_server_deadline(self) -> None:
        loop = ClockedEventLoop()
        servicer = AsyncServicer()

        async def main() -> None:
            server = rpc.server_from_dictionary({SHAPES: servicer})
            rpc_ = server.invoke_unary_unary(UNARY_UNARY, (), pb.Request(text="sleep"), 30)
            await loop.advance(29.5)
            self.assertFalse(servicer.handler_cancelled.is_set())
            await loop.advance(0.5)
            response, _, code, _details = await rpc_.termination()
            self.assertEqual((response, code), (None, DEADLINE_EXCEEDED))
            self.assertTrue(servicer.handler_cancelled.is_set())
            self.assertEqual(loop.time(), 30)

        self.run_on(loop, main)

    def test_context_time_remaining_reads_the_loop_clock(self) -> None:
        loop = ClockedEventLoop(autojump=True)
        servicer = AsyncServicer()

        async def main() -> None:
            server = rpc.server_from_dictionary({SHAPES: servicer})
            await asyncio.sleep(100)
            rpc_ = server.invoke_unary_unary(UNARY_UNARY, (), pb.Request(text="context"), 30)
            await rpc_.termination()
            self.assertEqual(servicer.seen["remaining"], 30)

        self.run_on(loop, main)


if __name__ == "__main__":
    unittest.main()


class _SyncStreamServicer(pb_grpc.ShapesServicer):  # type: ignore[misc]
    def StreamUnary(self, request_iterator: Any, context: Any) -> Any:
        return pb.Reply(number=sum(request.number for request in request_iterator))


class PlainFunctionHandlerTest(_OnClockedLoop):
    """A plain-function handler reads its request stream in a worker thread.

    While that thread waits for a request it is not real work: virtual time
    moves past it (a review found advance(60) waiting 60 real seconds, then
    failing with StalledClockError).
    """

    def test_advance_past_a_deadline_while_the_handler_waits_for_requests(self) -> None:
        loop = ClockedEventLoop()

        async def main() -> Any:
            server = rpc.server_from_dictionary({SHAPES: _SyncStreamServicer()})
            call = server.invoke_stream_unary(STREAM_UNARY, (), 60)
            call.send_request(pb.Request(number=1))
            await loop.advance(60)
            return await call.termination()

        _, _, code, _ = self.run_on(loop, main)
        self.assertEqual(code, DEADLINE_EXCEEDED)

    def test_autojump_while_the_handler_waits_then_it_completes(self) -> None:
        loop = ClockedEventLoop(autojump=True)

        async def main() -> Any:
            server = rpc.server_from_dictionary({SHAPES: _SyncStreamServicer()})
            call = server.invoke_stream_unary(STREAM_UNARY, (), None)
            call.send_request(pb.Request(number=2))
            await asyncio.sleep(30)
            call.send_request(pb.Request(number=3))
            call.requests_closed()
            return await call.termination()

        response, _, code, _ = self.run_on(loop, main)
        self.assertEqual((code, response.number), (grpc.StatusCode.OK, 5))
