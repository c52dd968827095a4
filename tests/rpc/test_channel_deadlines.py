"""Deadlines on the channel double: on the loop's clock and on fake time."""

from __future__ import annotations

import asyncio
import itertools
import unittest
from collections.abc import Iterator

import grpc
import grpc.aio

from asynctoolkit import rpc
from asynctoolkit.case import TestCase
from tests.rpc._proto import SHAPES, STREAM_UNARY, UNARY_STREAM, UNARY_UNARY, pb, pb_grpc

DEADLINE_EXCEEDED = grpc.StatusCode.DEADLINE_EXCEEDED


def _infinite_requests() -> Iterator[pb.Request]:
    for n in itertools.count():
        yield pb.Request(number=n)


class LoopClockDeadlineTest(TestCase):
    async def asyncSetUp(self) -> None:
        self.channel = rpc.channel([SHAPES])
        self.stub = pb_grpc.ShapesStub(self.channel)

    async def asyncTearDown(self) -> None:
        await self.channel.close()

    async def test_unary_call_past_its_deadline(self) -> None:
        call = self.stub.UnaryUnary(pb.Request(), timeout=0.05)
        remaining = call.time_remaining()
        self.assertIsNotNone(remaining)
        self.assertLessEqual(remaining, 0.05)
        _, _, rpc_ = await self.channel.take_unary_unary(UNARY_UNARY)
        await rpc_.cancelled()
        with self.assertRaises(grpc.aio.AioRpcError) as caught:
            await call
        self.assertEqual(caught.exception.code(), DEADLINE_EXCEEDED)
        self.assertEqual(caught.exception.details(), "Deadline Exceeded")
        self.assertFalse(call.cancelled())
        self.assertEqual(call.time_remaining(), 0.0)
        rpc_.terminate(pb.Reply(), (), grpc.StatusCode.OK, "")  # too late: ignored

    async def test_infinite_request_stream_ended_by_its_deadline(self) -> None:
        call = self.stub.StreamUnary(_infinite_requests(), timeout=0.1)
        _, rpc_ = await self.channel.take_stream_unary(STREAM_UNARY)
        numbers = [(await rpc_.take_request()).number for _ in range(5)]
        self.assertEqual(numbers, [0, 1, 2, 3, 4])
        await rpc_.cancelled()
        with self.assertRaises(grpc.aio.AioRpcError) as caught:
            await call
        self.assertEqual(caught.exception.code(), DEADLINE_EXCEEDED)

    async def test_zero_timeout_expires_at_once(self) -> None:
        call = self.stub.UnaryStream(pb.Request(), timeout=0)
        with self.assertRaises(grpc.aio.AioRpcError) as caught:
            await call.read()
        self.assertEqual(caught.exception.code(), DEADLINE_EXCEEDED)
        _, _, rpc_ = await self.channel.take_unary_stream(UNARY_STREAM)
        await rpc_.cancelled(timeout=0)

    async def test_an_answer_before_the_deadline_wins(self) -> None:
        call = self.stub.UnaryUnary(pb.Request(), timeout=0.05)
        _, _, rpc_ = await self.channel.take_unary_unary(UNARY_UNARY)
        rpc_.terminate(pb.Reply(number=1), (), grpc.StatusCode.OK, "")
        await asyncio.sleep(0.1)
        self.assertEqual((await call).number, 1)


class FakeTimeDeadlineTest(TestCase):
    async def asyncSetUp(self) -> None:
        self.time = rpc.strict_fake_time(1000.0)
        self.channel = rpc.channel([SHAPES], self.time)
        self.stub = pb_grpc.ShapesStub(self.channel)

    async def asyncTearDown(self) -> None:
        await self.channel.close()

    async def test_deadline_passes_only_when_fake_time_moves(self) -> None:
        call = self.stub.UnaryUnary(pb.Request(), timeout=30)
        _, _, rpc_ = await self.channel.take_unary_unary(UNARY_UNARY)
        await asyncio.sleep(0.01)
        self.assertFalse(call.done())
        self.assertEqual(call.time_remaining(), 30.0)
        await self.time.sleep_for(29)
        self.assertEqual(call.time_remaining(), 1.0)
        self.assertFalse(call.done())
        await self.time.sleep_for(1)
        self.assertTrue(call.done())
        await rpc_.cancelled(timeout=0)
        with self.assertRaises(grpc.aio.AioRpcError) as caught:
            await call
        self.assertEqual(caught.exception.code(), DEADLINE_EXCEEDED)

    async def test_infinite_request_stream_on_fake_time(self) -> None:
        call = self.stub.StreamUnary(_infinite_requests(), timeout=10)
        _, rpc_ = await self.channel.take_stream_unary(STREAM_UNARY)
        await rpc_.take_request()
        await rpc_.take_request()
        await self.time.sleep_for(20)
        await rpc_.cancelled(timeout=1)
        self.assertEqual(await call.code(), DEADLINE_EXCEEDED)


if __name__ == "__main__":
    unittest.main()
