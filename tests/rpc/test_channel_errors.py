"""The channel double on bad input and on waits that cannot end: clear errors, no hangs."""

from __future__ import annotations

import asyncio
import unittest

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
from tests.rpc.test_channel import ChannelTestCase

OK = grpc.StatusCode.OK


class BadInputTest(ChannelTestCase):
    async def test_descriptor_of_the_wrong_kind(self) -> None:
        with self.assertRaisesRegex(TypeError, "unary-stream method, not unary-unary"):
            await self.channel.take_unary_unary(UNARY_STREAM)
        with self.assertRaisesRegex(TypeError, "MethodDescriptor"):
            await self.channel.take_stream_stream(SHAPES)
        with self.assertRaisesRegex(TypeError, "MethodDescriptor"):
            await self.channel.take_stream_stream([UNARY_UNARY])

    async def test_method_not_in_the_channels_services(self) -> None:
        with self.assertRaisesRegex(ValueError, "Elsewhere/Ping is not a method"):
            await self.channel.take_unary_unary(PING)

    async def test_factory_arguments_are_checked(self) -> None:
        with self.assertRaisesRegex(TypeError, "ServiceDescriptor"):
            rpc.channel([UNARY_UNARY])
        with self.assertRaisesRegex(TypeError, "asynctoolkit.rpc.Time"):
            rpc.channel([SHAPES], time=12.0)  # type: ignore[arg-type]
        with self.assertRaisesRegex(TypeError, "client interceptors"):
            rpc.channel([SHAPES], interceptors=[object()])  # type: ignore[list-item]

    async def test_terminate_twice_and_answers_after_termination(self) -> None:
        call = self.stub.UnaryStream(pb.Request())
        _, _, rpc_ = await self.channel.take_unary_stream(UNARY_STREAM)
        rpc_.terminate((), OK, "")
        with self.assertRaisesRegex(RuntimeError, "already terminated with OK"):
            rpc_.terminate((), OK, "")
        with self.assertRaisesRegex(RuntimeError, "already terminated"):
            rpc_.send_response(pb.Reply())
        with self.assertRaisesRegex(RuntimeError, "already terminated"):
            rpc_.send_initial_metadata(())
        self.assertEqual([r async for r in call], [])

    async def test_responses_and_statuses_are_checked(self) -> None:
        call = self.stub.UnaryUnary(pb.Request())
        _, _, rpc_ = await self.channel.take_unary_unary(UNARY_UNARY)
        with self.assertRaisesRegex(TypeError, "must be a asynctoolkit.tests.Reply message"):
            rpc_.terminate(pb.Request(), (), OK, "")
        with self.assertRaisesRegex(TypeError, "needs a response"):
            rpc_.terminate(None, (), OK, "")
        with self.assertRaisesRegex(TypeError, "grpc.StatusCode"):
            rpc_.terminate(pb.Reply(), (), 0, "")
        with self.assertRaisesRegex(ValueError, "metadata key 'Bad Key'"):
            rpc_.send_initial_metadata((("Bad Key", "v"),))
        with self.assertRaisesRegex(TypeError, "needs a str value"):
            rpc_.terminate(pb.Reply(), (("k", 1),), OK, "")
        rpc_.send_initial_metadata((("k", "v"),))
        with self.assertRaisesRegex(RuntimeError, "already sent"):
            rpc_.send_initial_metadata(())
        rpc_.terminate(pb.Reply(number=1), (("k-bin", b"\x00"),), OK, "")
        self.assertEqual((await call).number, 1)

    async def test_take_request_after_the_stream_closed(self) -> None:
        self.stub.StreamUnary(iter([pb.Request()]))
        _, rpc_ = await self.channel.take_stream_unary(STREAM_UNARY)
        await rpc_.take_request()
        with self.assertRaisesRegex(RuntimeError, "closed its request stream after 1 requests"):
            await rpc_.take_request()
        with self.assertRaisesRegex(RuntimeError, "not cancelled, the test terminated it"):
            rpc_.terminate(pb.Reply(), (), OK, "")
            await rpc_.cancelled()

    async def test_unknown_method_gives_unimplemented(self) -> None:
        with self.assertRaises(grpc.aio.AioRpcError) as caught:
            await pb_grpc.ElsewhereStub(self.channel).Ping(pb.Request())
        self.assertEqual(caught.exception.code(), grpc.StatusCode.UNIMPLEMENTED)
        self.assertEqual(caught.exception.details(), "Method not found!")
        raw = self.channel.unary_unary("/nowhere.Service/Method")
        with self.assertRaises(grpc.aio.AioRpcError) as caught:
            await raw(b"")
        self.assertEqual(caught.exception.code(), grpc.StatusCode.UNIMPLEMENTED)

    async def test_a_request_that_does_not_serialize_fails_the_call(self) -> None:
        with self.assertRaises(grpc.aio.AioRpcError) as caught:
            await self.stub.UnaryUnary("not a message")
        self.assertEqual(caught.exception.code(), grpc.StatusCode.INTERNAL)
        call = self.stub.StreamUnary()
        with self.assertRaises(grpc.aio.AioRpcError):
            await call.write(object())
        self.assertEqual(await call.code(), grpc.StatusCode.INTERNAL)

    async def test_write_after_done_writing_or_termination(self) -> None:
        call = self.stub.StreamStream()
        _, rpc_ = await self.channel.take_stream_stream(STREAM_STREAM)
        await call.done_writing()
        await call.done_writing()  # idempotent
        with self.assertRaisesRegex(asyncio.InvalidStateError, "half closed"):
            await call.write(pb.Request())
        rpc_.terminate((), OK, "")
        with self.assertRaisesRegex(asyncio.InvalidStateError, "already finished"):
            await call.write(pb.Request())

    async def test_closing_the_channel(self) -> None:
        call = self.stub.UnaryUnary(pb.Request())
        _, _, rpc_ = await self.channel.take_unary_unary(UNARY_UNARY)
        waiting = asyncio.ensure_future(self.channel.take_stream_stream(STREAM_STREAM))
        await asyncio.sleep(0)
        await self.channel.close()
        await rpc_.cancelled()
        with self.assertRaises(asyncio.CancelledError):
            await call
        with self.assertRaisesRegex(RuntimeError, "closed while waiting"):
            await waiting
        with self.assertRaisesRegex(RuntimeError, "the channel is closed"):
            await self.channel.take_unary_unary(UNARY_UNARY)
        with self.assertRaises(grpc.aio.UsageError):
            self.stub.UnaryUnary(pb.Request())
        self.assertEqual(self.channel.get_state(), grpc.ChannelConnectivity.SHUTDOWN)


class BoundedWaitTest(TestCase):
    async def asyncSetUp(self) -> None:
        self.channel = rpc.channel([SHAPES, ELSEWHERE])
        self.stub = pb_grpc.ShapesStub(self.channel)

    async def asyncTearDown(self) -> None:
        await self.channel.close()

    async def test_take_times_out_naming_the_method_and_the_pending_rpcs(self) -> None:
        self.stub.UnaryStream(pb.Request(), metadata=(("k", "v"),))
        with self.assertRaises(TimeoutError) as caught:
            await self.channel.take_unary_unary(UNARY_UNARY, timeout=0.01)
        message = str(caught.exception)
        self.assertIn("take_unary_unary(/asynctoolkit.tests.Shapes/UnaryUnary) timed out", message)
        self.assertIn("waiting to be taken instead", message)
        self.assertIn("/asynctoolkit.tests.Shapes/UnaryStream metadata=[('k', 'v')]", message)

    async def test_default_timeout_applies(self) -> None:
        saved = rpc.DEFAULT_TIMEOUT
        rpc.DEFAULT_TIMEOUT = 0.01
        try:
            with self.assertRaisesRegex(TimeoutError, "No other RPC is waiting"):
                await self.channel.take_stream_unary(STREAM_UNARY)
        finally:
            rpc.DEFAULT_TIMEOUT = saved

    async def test_rpc_waits_time_out(self) -> None:
        call = self.stub.StreamStream()
        _, rpc_ = await self.channel.take_stream_stream(STREAM_STREAM)
        with self.assertRaisesRegex(TimeoutError, "sent 0 requests, all taken"):
            await rpc_.take_request(timeout=0.01)
        with self.assertRaisesRegex(TimeoutError, "has not closed its request stream"):
            await rpc_.requests_closed(timeout=0.01)
        with self.assertRaisesRegex(TimeoutError, "neither cancelled the RPC"):
            await rpc_.cancelled(timeout=0.01)
        with self.assertRaisesRegex(ValueError, "timeout must be"):
            await rpc_.cancelled(timeout=-1)
        call.cancel()


if __name__ == "__main__":
    unittest.main()
