"""rpc.connect on its own: its arguments, its channel's life, where handlers run.

What it shares with a real server is in ``test_conformance.py``; virtual time
in ``test_connect_time.py``; flow control in ``test_connect_flow.py``.
"""

from __future__ import annotations

import asyncio
import contextvars
import sys
import threading
import types
import unittest
from collections.abc import AsyncIterator
from typing import Any

import grpc
import grpc.aio

from asynctoolkit import rpc
from asynctoolkit.case import ClockedTestCase, TestCase, fail_on
from tests.rpc._proto import SHAPES, STREAM_STREAM, pb, pb_grpc
from tests.rpc._servicers import AsyncShapes, PartialShapes, SyncShapes, requests

VARIABLE: contextvars.ContextVar[str] = contextvars.ContextVar("VARIABLE", default="unset")


def _connect_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("asynctoolkit-rpc-connect")]


class BadArgumentsTest(TestCase):
    """Mistakes fail at ``rpc.connect(...)``, before any call."""

    def test_no_dictionary(self) -> None:
        with self.assertRaisesRegex(TypeError, r"needs a dict from ServiceDescriptor.*got None"):
            rpc.connect(None)  # type: ignore[arg-type]
        with self.assertRaisesRegex(TypeError, "needs a dict from ServiceDescriptor"):
            rpc.connect([SHAPES])  # type: ignore[arg-type]

    def test_a_key_that_is_not_a_service_descriptor(self) -> None:
        for key in ("asynctoolkit.tests.Shapes", STREAM_STREAM, pb.DESCRIPTOR):
            with self.assertRaisesRegex(TypeError, "needs protobuf ServiceDescriptors"):
                rpc.connect({key: AsyncShapes()})

    def test_a_servicer_that_is_none_or_a_class(self) -> None:
        with self.assertRaisesRegex(TypeError, "servicer for asynctoolkit.tests.Shapes is None"):
            rpc.connect({SHAPES: None})
        with self.assertRaisesRegex(TypeError, r"the class AsyncShapes; pass an instance"):
            rpc.connect({SHAPES: AsyncShapes})

    def test_a_servicer_that_implements_nothing(self) -> None:
        for servicer in (pb_grpc.ShapesServicer(), object()):
            with self.assertRaisesRegex(
                TypeError,
                r"implements none of its methods \(UnaryUnary, UnaryStream, StreamUnary, "
                r"StreamStream\): each is missing or inherited unchanged from the generated "
                r"ShapesServicer",
            ):
                rpc.connect({SHAPES: servicer})
        rpc.connect({SHAPES: PartialShapes()})  # one method of its own is enough

    def test_interceptors_of_the_wrong_kind(self) -> None:
        client = _PassThrough()
        with self.assertRaisesRegex(TypeError, "pass it as client_interceptors="):
            rpc.connect({SHAPES: AsyncShapes()}, interceptors=[client])  # type: ignore[list-item]
        with self.assertRaisesRegex(TypeError, "ServerInterceptor instances, got 1"):
            rpc.connect({SHAPES: AsyncShapes()}, interceptors=[1])  # type: ignore[list-item]
        with self.assertRaisesRegex(TypeError, "client_interceptors must be grpc.aio client"):
            rpc.connect({SHAPES: AsyncShapes()}, client_interceptors=[object()])  # type: ignore[list-item]
        with self.assertRaisesRegex(TypeError, "must be a sequence"):
            rpc.connect({SHAPES: AsyncShapes()}, client_interceptors=client)  # type: ignore[arg-type]


class _PassThrough(grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    async def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return await continuation(details, request)


@fail_on(active_handles=True)
class ChannelLifeTest(TestCase):
    async def test_a_grpc_aio_channel_closed_by_the_block(self) -> None:
        async with rpc.connect({SHAPES: AsyncShapes()}) as channel:
            self.assertIsInstance(channel, grpc.aio.Channel)
            self.assertEqual(channel.get_state(), grpc.ChannelConnectivity.READY)
            await channel.channel_ready()
            self.assertIn("asynctoolkit.tests.Shapes", repr(channel))
        self.assertEqual(channel.get_state(), grpc.ChannelConnectivity.SHUTDOWN)
        with self.assertRaisesRegex(grpc.aio.UsageError, "Channel is closed"):
            pb_grpc.ShapesStub(channel).UnaryUnary(pb.Request())

    async def test_one_block_at_a_time(self) -> None:
        connection = rpc.connect({SHAPES: AsyncShapes()})
        async with connection:
            with self.assertRaisesRegex(RuntimeError, "already open"):
                await connection.__aenter__()
        async with connection as channel:  # once closed, it opens again
            self.assertEqual((await pb_grpc.ShapesStub(channel).UnaryUnary(pb.Request())).number, 1)

    async def test_leaving_the_block_cancels_what_still_runs(self) -> None:
        servicer, inline_servicer = AsyncShapes(), AsyncShapes()
        async with rpc.connect({SHAPES: servicer}) as channel:
            stub = pb_grpc.ShapesStub(channel)
            unary = asyncio.create_task(_await(stub.UnaryUnary(pb.Request(text="sleep"))))
            stream = stub.StreamStream(_forever())
            await servicer.started.wait()
            async with rpc.connect({SHAPES: inline_servicer}) as other:
                inline = asyncio.create_task(
                    _await_call(pb_grpc.ShapesStub(other), pb.Request(text="sleep"))
                )
                await inline_servicer.started.wait()
        self.assertTrue(servicer.seen["cancelled"])
        self.assertTrue(inline_servicer.seen["cancelled"])
        for task in (unary, inline):
            with self.assertRaises(asyncio.CancelledError):
                await task
        self.assertEqual(await stream.code(), grpc.StatusCode.CANCELLED)
        self.assertEqual(await stream.details(), "Locally cancelled by application!")

    async def test_rpcs_cancelled_before_their_handler_ran(self) -> None:
        async with rpc.connect({SHAPES: AsyncShapes()}) as channel:
            stub = pb_grpc.ShapesStub(channel)
            calls = [
                stub.UnaryUnary(pb.Request()),
                stub.UnaryStream(pb.Request()),
                stub.StreamUnary(requests(1)),
                stub.StreamStream(),
            ]
            for call in calls:
                call.cancel()
        for call in calls:
            self.assertEqual(await call.code(), grpc.StatusCode.CANCELLED)

    async def test_close_with_grace_lets_rpcs_finish(self) -> None:
        async with rpc.connect({SHAPES: _Slow()}) as channel:
            call = pb_grpc.ShapesStub(channel).UnaryUnary(pb.Request(number=1))
            await asyncio.sleep(0)  # the handler starts
            await channel.close(grace=5)
            self.assertEqual((await call).number, 2)

    async def test_no_worker_thread_outlives_the_block(self) -> None:
        servicer = SyncShapes()
        async with rpc.connect({SHAPES: servicer}) as channel:
            stub = pb_grpc.ShapesStub(channel)
            self.assertEqual((await stub.UnaryUnary(pb.Request(number=1))).number, 2)
            self.assertEqual((await stub.StreamUnary(requests(1, 2))).number, 3)
            self.assertTrue(servicer.seen["thread"].startswith("asynctoolkit-rpc-connect"))
            self.assertTrue(_connect_threads())
        self.assertEqual(_connect_threads(), [])

    async def test_a_worker_blocked_on_its_requests_is_released_when_the_rpc_ends(self) -> None:
        servicer = SyncShapes()
        async with rpc.connect({SHAPES: servicer}) as channel:
            call = pb_grpc.ShapesStub(channel).StreamUnary(_forever())
            await asyncio.sleep(0.01)  # the handler waits in its thread for a second request
            call.cancel()
            self.assertEqual(await call.code(), grpc.StatusCode.CANCELLED)
        self.assertEqual(_connect_threads(), [])


class _Slow(pb_grpc.ShapesServicer):  # type: ignore[misc]
    async def UnaryUnary(self, request: Any, context: Any) -> Any:
        await asyncio.sleep(0.01)
        return pb.Reply(number=request.number + 1)


async def _await(awaitable: Any) -> Any:
    return await awaitable


async def _await_call(stub: Any, request: Any) -> Any:
    return await stub.UnaryUnary(request)


async def _forever() -> AsyncIterator[Any]:
    yield pb.Request(number=1)
    await asyncio.Event().wait()
    yield pb.Request(number=2)  # pragma: no cover - never reached


class _ContextRecorder(pb_grpc.ShapesServicer):  # type: ignore[misc]
    """Records the context variable its handlers see, then sets it."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    async def UnaryUnary(self, request: Any, context: Any) -> Any:
        self.seen.append(VARIABLE.get())
        VARIABLE.set("handler")
        await asyncio.sleep(0)
        self.seen.append(VARIABLE.get())
        return pb.Reply()

    async def UnaryStream(self, request: Any, context: Any) -> AsyncIterator[Any]:
        self.seen.append(VARIABLE.get())
        VARIABLE.set("handler")
        yield pb.Reply()


@fail_on(active_handles=True)
class WhereHandlersRunTest(TestCase):
    async def test_handlers_start_from_an_empty_context(self) -> None:
        servicer = _ContextRecorder()
        VARIABLE.set("client")
        async with rpc.connect({SHAPES: servicer}) as channel:
            stub = pb_grpc.ShapesStub(channel)
            await stub.UnaryUnary(pb.Request())
            self.assertEqual(VARIABLE.get(), "client")
            self.assertEqual(
                [reply async for reply in stub.UnaryStream(pb.Request())], [pb.Reply()]
            )
            self.assertEqual(VARIABLE.get(), "client")
        self.assertEqual(servicer.seen, ["unset", "handler", "unset"])

    async def test_a_call_runs_even_if_nobody_awaits_it(self) -> None:
        servicer = AsyncShapes()
        async with rpc.connect({SHAPES: servicer}) as channel:
            call = pb_grpc.ShapesStub(channel).UnaryUnary(pb.Request(text="context"))
            for _ in range(3):
                await asyncio.sleep(0)
            self.assertTrue(call.done())
            self.assertIn("code", servicer.seen)
            self.assertEqual(await call.code(), grpc.StatusCode.OK)

    async def test_a_timeout_inside_an_inline_handler_is_its_own(self) -> None:
        async with rpc.connect({SHAPES: _TimesOut()}) as channel:
            reply = await pb_grpc.ShapesStub(channel).UnaryUnary(pb.Request())
        self.assertEqual(reply.text, "timed out inside")

    async def test_a_unary_handler_runs_in_the_awaiting_task_or_its_own(self) -> None:
        servicer = _TaskRecorder()
        async with rpc.connect({SHAPES: servicer}) as channel:
            stub = pb_grpc.ShapesStub(channel)
            await stub.UnaryUnary(pb.Request())  # awaited at once: inline
            call = stub.UnaryUnary(pb.Request())
            await asyncio.sleep(0)  # the loop turns first: a task of its own
            await call
        this_task = asyncio.current_task()
        self.assertIs(servicer.tasks[0], this_task)
        self.assertIsNot(servicer.tasks[1], this_task)

    @unittest.skipIf(sys.version_info < (3, 11), "Python 3.10 tasks count no cancel requests")
    async def test_an_inline_handler_that_ignores_cancellation_goes_on_in_a_task(self) -> None:
        await self._cancel_a_stubborn_handler(inline=True)

    async def test_a_handler_that_ignores_cancellation_goes_on_in_its_task(self) -> None:
        await self._cancel_a_stubborn_handler(inline=False)

    async def _cancel_a_stubborn_handler(self, inline: bool) -> None:
        servicer = _Stubborn()
        async with rpc.connect({SHAPES: servicer}) as channel:
            stub = pb_grpc.ShapesStub(channel)
            if inline:  # the call is made and awaited in the client's task
                client = asyncio.create_task(_await_call(stub, pb.Request()))
            else:  # the call is made first: its handler starts before the client awaits
                client = asyncio.create_task(_await(stub.UnaryUnary(pb.Request())))
            await servicer.waiting.wait()
            self.assertEqual(servicer.task is client, inline)
            client.cancel()
            with self.assertRaises(asyncio.CancelledError):
                await client  # at once: the handler goes on without the caller
            self.assertFalse(servicer.finished.is_set())
            servicer.release.set()
            await servicer.finished.wait()
        self.assertIsNot(servicer.finished_in, client)

    async def test_context_after_cancel_and_deadline(self) -> None:
        # Real grpc.aio 1.85 leaves cancelled() and done() False here; these
        # follow grpc.aio's documentation: the RPC was cancelled, it is done.
        servicer = _Observer()
        async with rpc.connect({SHAPES: servicer}) as channel:
            stub = pb_grpc.ShapesStub(channel)
            call = stub.UnaryUnary(pb.Request())
            await servicer.waiting.wait()
            call.cancel()
            await servicer.finished.wait()
            self.assertEqual(servicer.after, (True, True))
            servicer.reset()
            with self.assertRaises(grpc.aio.AioRpcError):
                await stub.UnaryUnary(pb.Request(), timeout=0.01)
            await servicer.finished.wait()
            self.assertEqual(servicer.after, (True, True))
        self.assertEqual(servicer.callbacks, 2)

    async def test_the_rest_of_the_servicer_context(self) -> None:
        servicer = _ContextUser()
        async with rpc.connect({SHAPES: servicer}) as channel:
            raised = await self.assertAsyncRaises(
                grpc.aio.AioRpcError, pb_grpc.ShapesStub(channel).UnaryUnary(pb.Request())
            )
        error = raised.exception
        self.assertEqual((error.code(), error.details()), (grpc.StatusCode.ABORTED, "by status"))
        self.assertEqual(tuple(error.trailing_metadata()), (("k", "v"),))
        self.assertEqual(
            servicer.seen,
            {
                "set": (grpc.StatusCode.NOT_FOUND, "set", (("t", "1"),)),
                "identities": (None, None),
                "peer": "local:asynctoolkit.rpc.connect",
            },
        )

    async def test_done_callbacks(self) -> None:
        async with rpc.connect({SHAPES: AsyncShapes()}) as channel:
            call = pb_grpc.ShapesStub(channel).UnaryUnary(pb.Request())
            seen: list[Any] = []
            call.add_done_callback(seen.append)
            await call
            self.assertEqual(seen, [call])
            call.add_done_callback(seen.append)  # already done: at once
            self.assertEqual(seen, [call, call])


class _ContextUser(pb_grpc.ShapesServicer):  # type: ignore[misc]
    """Uses the less common methods of its context, then aborts with a status."""

    def __init__(self) -> None:
        self.seen: dict[str, Any] = {}

    async def UnaryUnary(self, request: Any, context: Any) -> Any:
        context.set_compression(grpc.Compression.Gzip)  # accepted: nothing is compressed
        context.disable_next_message_compression()
        context.set_code(grpc.StatusCode.NOT_FOUND)
        context.set_details("set")
        context.set_trailing_metadata((("t", "1"),))
        self.seen["set"] = (context.code(), context.details(), context.trailing_metadata())
        self.seen["identities"] = (context.peer_identities(), context.peer_identity_key())
        self.seen["peer"] = context.peer()
        status = types.SimpleNamespace(
            code=grpc.StatusCode.ABORTED, details="by status", trailing_metadata=(("k", "v"),)
        )
        await context.abort_with_status(status)


class _TimesOut(pb_grpc.ShapesServicer):  # type: ignore[misc]
    """Times out a wait of its own: in the caller's task, when run inline."""

    async def UnaryUnary(self, request: Any, context: Any) -> Any:
        try:
            if sys.version_info >= (3, 11):
                async with asyncio.timeout(0.001):  # cancels the current task, then uncancels
                    await asyncio.Event().wait()
            else:  # pragma: no cover - Python 3.10
                await asyncio.wait_for(asyncio.Event().wait(), 0.001)
        except asyncio.TimeoutError:
            return pb.Reply(text="timed out inside")
        return pb.Reply()  # pragma: no cover - the wait times out


class _Stubborn(pb_grpc.ShapesServicer):  # type: ignore[misc]
    """Catches its cancellation and goes on until released."""

    def __init__(self) -> None:
        self.waiting = asyncio.Event()
        self.release = asyncio.Event()
        self.finished = asyncio.Event()

    async def UnaryUnary(self, request: Any, context: Any) -> Any:
        self.task = asyncio.current_task()
        self.waiting.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            await self.release.wait()
        self.finished_in = asyncio.current_task()
        self.finished.set()
        return pb.Reply()


class _TaskRecorder(pb_grpc.ShapesServicer):  # type: ignore[misc]
    def __init__(self) -> None:
        self.tasks: list[asyncio.Task[Any] | None] = []

    async def UnaryUnary(self, request: Any, context: Any) -> Any:
        self.tasks.append(asyncio.current_task())
        return pb.Reply()


class _Observer(pb_grpc.ShapesServicer):  # type: ignore[misc]
    """Waits until cancelled, then records ``(cancelled(), done())``."""

    def __init__(self) -> None:
        self.callbacks = 0
        self.reset()

    def reset(self) -> None:
        self.waiting = asyncio.Event()
        self.finished = asyncio.Event()
        self.after: tuple[bool, bool] | None = None

    async def UnaryUnary(self, request: Any, context: Any) -> Any:
        context.add_done_callback(self._done)
        self.waiting.set()
        try:
            await asyncio.Event().wait()
        finally:
            self.after = (context.cancelled(), context.done())
            self.finished.set()

    def _done(self, context: Any) -> None:
        self.callbacks += 1


class ClosingTest(ClockedTestCase):
    autojump = True

    async def test_a_handler_that_never_ends_is_reported(self) -> None:
        servicer = _Stubborn()
        connection = rpc.connect({SHAPES: servicer})
        channel = await connection.__aenter__()
        call = pb_grpc.ShapesStub(channel).UnaryUnary(pb.Request())
        await servicer.waiting.wait()
        with self.assertRaisesRegex(
            TimeoutError,
            r"(?s)closed and cancelled its RPCs, but after 1 s some of their work still runs:"
            r".*handler of /asynctoolkit.tests.Shapes/UnaryUnary.*must end soon after",
        ):
            await connection.__aexit__(None, None, None)
        servicer.release.set()
        await servicer.finished.wait()
        self.assertTrue(call.cancelled())


if __name__ == "__main__":
    unittest.main()
