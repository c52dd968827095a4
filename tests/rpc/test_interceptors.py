"""grpc.aio interceptors on both doubles."""

from __future__ import annotations

import asyncio
import unittest
from collections.abc import AsyncIterator
from typing import Any

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
from tests.rpc.test_server import AsyncServicer

OK = grpc.StatusCode.OK


class Recorder(
    grpc.aio.UnaryUnaryClientInterceptor,
    grpc.aio.UnaryStreamClientInterceptor,
    grpc.aio.StreamUnaryClientInterceptor,
    grpc.aio.StreamStreamClientInterceptor,
):
    """Adds a metadata entry and records every method it sees."""

    def __init__(self, name: str, log: list[str]) -> None:
        self.name = name
        self.log = log

    def _details(self, details: Any) -> Any:
        self.log.append(f"{self.name}:{details.method.decode()}")
        metadata = grpc.aio.Metadata(*(details.metadata or ()))
        metadata.add("seen-by", self.name)
        return grpc.aio.ClientCallDetails(
            details.method, details.timeout, metadata, details.credentials, details.wait_for_ready
        )

    async def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return await continuation(self._details(details), request)

    async def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        return await continuation(self._details(details), request)

    async def intercept_stream_unary(self, continuation: Any, details: Any, requests: Any) -> Any:
        return await continuation(self._details(details), requests)

    async def intercept_stream_stream(self, continuation: Any, details: Any, requests: Any) -> Any:
        return await continuation(self._details(details), requests)


class Cache(grpc.aio.UnaryUnaryClientInterceptor):
    """Answers requests with text 'cached' itself, without any RPC."""

    async def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        if request.text == "cached":
            return pb.Reply(text="from cache")
        call = await continuation(details, request)
        return await call  # a plain response value: allowed by grpc.aio


class Doubler(grpc.aio.UnaryStreamClientInterceptor):
    """Replaces the response stream with an async generator doubling each number."""

    async def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        call = await continuation(details, request)

        async def doubled() -> AsyncIterator[Any]:
            async for reply in call:
                yield pb.Reply(number=reply.number * 2)

        return doubled()


class ClientInterceptorTest(TestCase):
    async def asyncSetUp(self) -> None:
        self.log: list[str] = []
        interceptors = [Recorder("outer", self.log), Recorder("inner", self.log)]
        self.channel = rpc.channel([SHAPES], interceptors=interceptors)
        self.stub = pb_grpc.ShapesStub(self.channel)

    async def asyncTearDown(self) -> None:
        await self.channel.close()

    async def test_interceptors_run_in_order_on_every_shape(self) -> None:
        unary = self.stub.UnaryUnary(pb.Request(number=1), metadata=(("own", "x"),))
        metadata, _request, rpc_ = await self.channel.take_unary_unary(UNARY_UNARY)
        self.assertEqual(
            sorted(metadata), [("own", "x"), ("seen-by", "inner"), ("seen-by", "outer")]
        )
        rpc_.terminate(pb.Reply(number=2), (), OK, "")
        self.assertEqual((await unary).number, 2)
        self.assertEqual(await unary.code(), OK)
        self.assertTrue(unary.done())

        stream = self.stub.UnaryStream(pb.Request())
        _, _, rpc_ = await self.channel.take_unary_stream(UNARY_STREAM)
        rpc_.send_response(pb.Reply(number=3))
        rpc_.terminate((), OK, "")
        self.assertEqual([r.number async for r in stream], [3])

        collected = self.stub.StreamUnary(iter([pb.Request(number=4)]))
        _, rpc_ = await self.channel.take_stream_unary(STREAM_UNARY)
        self.assertEqual((await rpc_.take_request()).number, 4)
        await rpc_.requests_closed()
        rpc_.terminate(pb.Reply(number=5), (), OK, "")
        self.assertEqual((await collected).number, 5)

        path = "/asynctoolkit.tests.Shapes/"
        self.assertEqual(
            self.log,
            [
                f"{kind}:{path}{method}"
                for method in ("UnaryUnary", "UnaryStream", "StreamUnary")
                for kind in ("outer", "inner")
            ],
        )

    async def test_write_style_stream_through_interceptors(self) -> None:
        call = self.stub.StreamStream()

        async def client() -> list[int]:
            await call.write(pb.Request(number=1))
            first = await call.read()
            await call.done_writing()
            rest = []
            while (reply := await call.read()) is not grpc.aio.EOF:
                rest.append(reply.number)
            return [first.number, *rest]

        task = asyncio.ensure_future(client())
        _, rpc_ = await self.channel.take_stream_stream(STREAM_STREAM)
        rpc_.send_response(pb.Reply(number=(await rpc_.take_request()).number))
        await rpc_.requests_closed()
        rpc_.send_response(pb.Reply(number=9))
        rpc_.terminate((), OK, "")
        self.assertEqual(await asyncio.wait_for(task, 5), [1, 9])
        with self.assertRaises(asyncio.InvalidStateError):
            await call.write(pb.Request())

    async def test_errors_and_cancellation_pass_through(self) -> None:
        call = self.stub.UnaryUnary(pb.Request())
        _, _, rpc_ = await self.channel.take_unary_unary(UNARY_UNARY)
        rpc_.terminate(None, (), grpc.StatusCode.NOT_FOUND, "missing")
        with self.assertRaises(grpc.aio.AioRpcError) as caught:
            await call
        self.assertEqual(caught.exception.code(), grpc.StatusCode.NOT_FOUND)
        self.assertEqual(await call.details(), "missing")

        early = self.stub.UnaryUnary(pb.Request())
        self.assertTrue(early.cancel())  # before the interceptors even ran
        with self.assertRaises(asyncio.CancelledError):
            await early
        self.assertTrue(early.cancelled())
        self.assertEqual(await early.code(), grpc.StatusCode.CANCELLED)

        late = self.stub.UnaryUnary(pb.Request())
        _, _, rpc_ = await self.channel.take_unary_unary(UNARY_UNARY)
        seen: list[object] = []
        late.add_done_callback(seen.append)
        self.assertTrue(late.cancel())
        await rpc_.cancelled()
        self.assertEqual(seen, [late])

    async def test_interceptor_answering_itself_and_replacing_the_stream(self) -> None:
        channel = rpc.channel([SHAPES], interceptors=[Cache(), Doubler()])
        stub = pb_grpc.ShapesStub(channel)
        self.assertEqual((await stub.UnaryUnary(pb.Request(text="cached"))).text, "from cache")
        forwarded = asyncio.ensure_future(stub.UnaryUnary(pb.Request(text="live")))
        _, _, rpc_ = await channel.take_unary_unary(UNARY_UNARY)
        rpc_.terminate(pb.Reply(text="live reply"), (), OK, "")
        self.assertEqual((await forwarded).text, "live reply")

        stream = stub.UnaryStream(pb.Request())
        _, _, rpc_ = await channel.take_unary_stream(UNARY_STREAM)
        rpc_.send_response(pb.Reply(number=2))
        rpc_.send_response(pb.Reply(number=5))
        rpc_.terminate((), OK, "")
        self.assertEqual([r.number async for r in stream], [4, 10])
        await channel.close()


class Gatekeeper(grpc.aio.ServerInterceptor):
    """Rejects RPCs without a token; records what it let through."""

    def __init__(self) -> None:
        self.passed: list[str] = []

    async def intercept_service(self, continuation: Any, details: Any) -> Any:
        if ("token", "secret") not in details.invocation_metadata:

            async def reject(request: Any, context: Any) -> Any:
                await context.abort(grpc.StatusCode.UNAUTHENTICATED, "no token")

            return grpc.unary_unary_rpc_method_handler(reject)
        self.passed.append(details.method)
        return await continuation(details)


class Hider(grpc.aio.ServerInterceptor):
    """Hides the stream-stream method: returning None means 'not served'."""

    async def intercept_service(self, continuation: Any, details: Any) -> Any:
        if details.method.endswith("/StreamStream"):
            return None
        return await continuation(details)


class ServerInterceptorTest(TestCase):
    async def asyncSetUp(self) -> None:
        self.gate = Gatekeeper()
        self.server = rpc.server_from_dictionary(
            {SHAPES: AsyncServicer()}, interceptors=[self.gate, Hider()]
        )

    async def test_interceptor_rejects_or_passes(self) -> None:
        rpc_ = self.server.invoke_unary_unary(UNARY_UNARY, (), pb.Request(), None)
        _, _, code, details = await rpc_.termination()
        self.assertEqual((code, details), (grpc.StatusCode.UNAUTHENTICATED, "no token"))
        rpc_ = self.server.invoke_unary_unary(
            UNARY_UNARY, (("token", "secret"),), pb.Request(number=1), None
        )
        response, _, code, _ = await rpc_.termination()
        self.assertEqual((response.number, code), (2, OK))
        self.assertEqual(self.gate.passed, ["/asynctoolkit.tests.Shapes/UnaryUnary"])

    async def test_interceptor_returning_none_gives_unimplemented(self) -> None:
        rpc_ = self.server.invoke_stream_stream(STREAM_STREAM, (("token", "secret"),), None)
        _, code, _ = await rpc_.termination()
        self.assertEqual(code, grpc.StatusCode.UNIMPLEMENTED)

    def test_interceptors_are_checked(self) -> None:
        with self.assertRaisesRegex(TypeError, "grpc.aio.ServerInterceptor"):
            rpc.server_from_dictionary({SHAPES: AsyncServicer()}, interceptors=[object()])  # type: ignore[list-item]


if __name__ == "__main__":
    unittest.main()
