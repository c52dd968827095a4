"""rpc.connect's flow control: a writer runs at most 128 messages or 1 MiB ahead of its reader."""

from __future__ import annotations

import asyncio
import unittest
from collections.abc import AsyncIterator, Iterator
from typing import Any

import grpc
import grpc.aio

from asynctoolkit import rpc
from asynctoolkit.case import ClockedTestCase, fail_on
from tests.rpc._proto import SHAPES, pb, pb_grpc

WINDOW = 128
KIB = 1024


class _Producer(pb_grpc.ShapesServicer):  # type: ignore[misc]
    """Streams ``request.number`` replies of ``len(request.text)`` bytes, counting them.

    Its stream-stream handler reads a request only once ``reading`` is set.
    """

    def __init__(self) -> None:
        self.produced = 0
        self.reading = asyncio.Event()
        self.read = 0

    async def UnaryStream(self, request: Any, context: Any) -> AsyncIterator[Any]:
        for n in range(request.number):
            self.produced += 1
            yield pb.Reply(number=n, text=request.text)

    async def StreamUnary(self, request_iterator: Any, context: Any) -> Any:
        await self.reading.wait()
        async for _ in request_iterator:
            self.read += 1
        return pb.Reply(number=self.read)


class _Counted:
    """A request iterator that counts the requests taken from it."""

    def __init__(self, count: int, size: int = 0) -> None:
        self.count, self.size, self.taken = count, size, 0

    def __iter__(self) -> Iterator[Any]:
        for n in range(self.count):
            self.taken += 1
            yield pb.Request(number=n, text="x" * self.size)


async def _rest(call: Any) -> list[Any]:
    """The responses ``call.read()`` gives until the end of the stream."""
    replies = []
    while (reply := await call.read()) is not grpc.aio.EOF:
        replies.append(reply)
    return replies


@fail_on(active_handles=True)
class ResponseWindowTest(ClockedTestCase):
    async def test_at_most_128_messages_ahead(self) -> None:
        servicer = _Producer()
        async with rpc.connect({SHAPES: servicer}) as channel:
            call = pb_grpc.ShapesStub(channel).UnaryStream(pb.Request(number=1000))
            await self.run_until_idle()
            self.assertEqual(servicer.produced, WINDOW + 1)  # the last one waits to be sent
            self.assertEqual((await call.read()).number, 0)
            await self.run_until_idle()
            self.assertEqual(servicer.produced, WINDOW + 2)
            self.assertEqual([reply.number for reply in await _rest(call)], list(range(1, 1000)))

    async def test_at_most_1_mib_ahead(self) -> None:
        servicer = _Producer()
        async with rpc.connect({SHAPES: servicer}) as channel:
            call = pb_grpc.ShapesStub(channel).UnaryStream(
                pb.Request(number=20, text="x" * (100 * KIB))
            )
            await self.run_until_idle()
            self.assertEqual(servicer.produced, 12)  # 11 sent (just over 1 MiB), one waits
            self.assertEqual(len([reply async for reply in call]), 20)

    async def test_one_message_larger_than_the_window_goes_through(self) -> None:
        servicer = _Producer()
        async with rpc.connect({SHAPES: servicer}) as channel:
            call = pb_grpc.ShapesStub(channel).UnaryStream(
                pb.Request(number=3, text="x" * (2048 * KIB))
            )
            await self.run_until_idle()
            self.assertEqual(servicer.produced, 2)
            self.assertEqual(len((await call.read()).text), 2048 * KIB)
            self.assertEqual(len(await _rest(call)), 2)


@fail_on(active_handles=True)
class RequestWindowTest(ClockedTestCase):
    async def test_an_iterator_is_read_at_most_128_messages_ahead(self) -> None:
        servicer, requests = _Producer(), _Counted(1000)
        async with rpc.connect({SHAPES: servicer}) as channel:
            call = pb_grpc.ShapesStub(channel).StreamUnary(iter(requests))
            await self.run_until_idle()
            self.assertEqual(requests.taken, WINDOW + 1)  # the last one waits to be sent
            servicer.reading.set()
            self.assertEqual((await call).number, 1000)

    async def test_write_waits_beyond_1_mib(self) -> None:
        servicer = _Producer()
        async with rpc.connect({SHAPES: servicer}) as channel:
            call = pb_grpc.ShapesStub(channel).StreamUnary()
            big = pb.Request(text="x" * (300 * KIB))
            for _ in range(4):  # 1.2 MiB: each write went through at once
                await call.write(big)
            blocked = asyncio.create_task(call.write(big))
            await self.run_until_idle()
            self.assertFalse(blocked.done())
            servicer.reading.set()
            await blocked
            await call.done_writing()
            self.assertEqual((await call).number, 5)

    async def test_a_blocked_write_fails_when_the_rpc_ends(self) -> None:
        async with rpc.connect({SHAPES: _Producer()}) as channel:
            call = pb_grpc.ShapesStub(channel).StreamUnary()
            for n in range(WINDOW):
                await call.write(pb.Request(number=n))
            blocked = asyncio.create_task(call.write(pb.Request()))
            await self.run_until_idle()
            self.assertFalse(blocked.done())
            call.cancel()
            with self.assertRaises(asyncio.CancelledError):
                await blocked
            self.assertTrue(call.cancelled())
            self.assertEqual(await call.code(), grpc.StatusCode.CANCELLED)


if __name__ == "__main__":
    unittest.main()
