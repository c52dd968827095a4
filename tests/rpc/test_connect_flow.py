"""rpc.connect's flow control: a writer runs at most 128 messages or 1 MiB ahead of its reader."""

from __future__ import annotations

import asyncio
import unittest
from collections.abc import AsyncIterator, Iterator
from typing import Any

import grpc
import grpc.aio
from hypothesis import example, given, settings
from hypothesis import strategies as st

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


class _Paced(pb_grpc.ShapesServicer):  # type: ignore[misc]
    """Streams replies of the given sizes, checking the window each time one is sent.

    A reply is sent while the generator is suspended at its ``yield``: when
    it resumes, that reply is queued, and nothing else ran in between.  So
    the replies queued before it (sent, not read) must have fitted the window.
    """

    def __init__(self, sizes: list[int], read: list[int]) -> None:
        self.sizes = sizes
        self.read = read
        self.violations: list[int] = []

    async def UnaryStream(self, request: Any, context: Any) -> AsyncIterator[Any]:
        replies = [pb.Reply(number=n, text="x" * size) for n, size in enumerate(self.sizes)]
        for n, reply in enumerate(replies):
            yield reply
            queued_before = replies[self.read[0] : n]
            if len(queued_before) >= WINDOW or sum(r.ByteSize() for r in queued_before) >= MIB:
                self.violations.append(n)


MIB = 1024 * KIB
# Streams that reach the byte limit (a few large messages) or the message
# limit (many small ones).
_SIZES = st.lists(st.integers(0, 300 * KIB), min_size=1, max_size=12) | st.lists(
    st.integers(0, 3), min_size=120, max_size=300
)


class WindowPropertyTest(unittest.TestCase):
    @settings(max_examples=30, deadline=None)
    @example(sizes=[300 * KIB] * 6, pauses=[0])  # the byte limit, reached at once
    @example(sizes=[0] * 200, pauses=[0])  # the message limit
    @given(
        sizes=_SIZES,
        pauses=st.lists(st.integers(0, 4), min_size=1, max_size=10),
    )
    def test_responses_arrive_in_order_within_the_window(
        self, sizes: list[int], pauses: list[int]
    ) -> None:
        read = [0]
        servicer = _Paced(sizes, read)

        async def main() -> list[int]:
            received = []
            async with rpc.connect({SHAPES: servicer}) as channel:
                call = pb_grpc.ShapesStub(channel).UnaryStream(pb.Request())
                async for reply in call:
                    received.append(reply.number)
                    read[0] += 1
                    for _ in range(pauses[len(received) % len(pauses)]):
                        await asyncio.sleep(0)  # the servicer may run ahead meanwhile
            return received

        self.assertEqual(asyncio.run(main()), list(range(len(sizes))))
        self.assertEqual(servicer.violations, [])

    @settings(max_examples=30, deadline=None)
    @example(sizes=[300 * KIB] * 6, pauses=[0])  # the byte limit, reached at once
    @example(sizes=[0] * 200, pauses=[0])  # the message limit
    @given(
        sizes=_SIZES,
        pauses=st.lists(st.integers(0, 4), min_size=1, max_size=10),
    )
    def test_requests_arrive_in_order_within_the_window(
        self, sizes: list[int], pauses: list[int]
    ) -> None:
        taken: list[int] = []
        violations: list[int] = []
        requests = [pb.Request(number=n, text="x" * size) for n, size in enumerate(sizes)]

        def iterate() -> Iterator[Any]:  # resumes once the previous request is queued
            for n, request in enumerate(requests):
                yield request
                queued_before = requests[len(taken) : n]
                size = sum(r.ByteSize() for r in queued_before)
                if len(queued_before) >= WINDOW or size >= MIB:
                    violations.append(n)

        class Reader(pb_grpc.ShapesServicer):  # type: ignore[misc]
            async def StreamUnary(self, request_iterator: Any, context: Any) -> Any:
                async for request in request_iterator:
                    taken.append(request.number)
                    for _ in range(pauses[len(taken) % len(pauses)]):
                        await asyncio.sleep(0)  # the client may run ahead meanwhile
                return pb.Reply(number=len(taken))

        async def main() -> int:
            async with rpc.connect({SHAPES: Reader()}) as channel:
                reply = await pb_grpc.ShapesStub(channel).StreamUnary(iterate())
            return int(reply.number)

        self.assertEqual(asyncio.run(main()), len(sizes))
        self.assertEqual(taken, list(range(len(sizes))))
        self.assertEqual(violations, [])
