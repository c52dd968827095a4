"""rpc.serve: a real in-process grpc.aio server for integration tests."""

from __future__ import annotations

import unittest

import grpc
import grpc.aio

import asynctoolkit
from asynctoolkit import rpc
from tests.rpc._proto import SHAPES, pb, pb_grpc
from tests.rpc.test_interceptors import Gatekeeper
from tests.rpc.test_server import AsyncServicer, SyncServicer


class ServeTest(asynctoolkit.TestCase):
    async def test_async_servicer_on_a_real_server(self) -> None:
        async with rpc.serve({SHAPES: AsyncServicer()}) as channel:
            self.assertIsInstance(channel, grpc.aio.Channel)
            stub = pb_grpc.ShapesStub(channel)
            self.assertEqual((await stub.UnaryUnary(pb.Request(number=1), timeout=5)).number, 2)
            replies = stub.StreamStream(iter([pb.Request(number=n) for n in (1, 2)]), timeout=5)
            self.assertEqual([r.number async for r in replies], [1, 2])
            with self.assertRaises(grpc.aio.AioRpcError) as caught:
                await stub.UnaryUnary(pb.Request(text="abort"), timeout=5)
            self.assertEqual(caught.exception.code(), grpc.StatusCode.PERMISSION_DENIED)

    async def test_sync_servicer_and_interceptors(self) -> None:
        gate = Gatekeeper()
        async with rpc.serve({SHAPES: SyncServicer()}, interceptors=[gate]) as channel:
            stub = pb_grpc.ShapesStub(channel)
            with self.assertRaises(grpc.aio.AioRpcError) as caught:
                await stub.UnaryUnary(pb.Request(), timeout=5)
            self.assertEqual(caught.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
            token = (("token", "secret"),)
            reply = await stub.StreamUnary(
                iter([pb.Request(number=n) for n in (1, 2, 3)]), metadata=token, timeout=5
            )
            self.assertEqual(reply.number, 6)

    async def test_bad_arguments(self) -> None:
        with self.assertRaisesRegex(TypeError, "ServerInterceptor"):
            async with rpc.serve({SHAPES: AsyncServicer()}, interceptors=[object()]):  # type: ignore[list-item]
                pass


if __name__ == "__main__":
    unittest.main()
