"""Servicers and interceptors of the Shapes service, for tests that run both sides of an RPC.

Each handler picks its behaviour from ``request.text`` (unary requests) or
from the ``scenario`` entry of the invocation metadata (request streams), and
records what it saw in ``seen`` for the test to check afterwards.  They run
the same on ``rpc.connect`` and on a real server (``rpc.serve``): handlers
share the test's loop there too, so ``asyncio.Event`` works for the async
servicers; the plain-function servicer runs in worker threads and signals
with ``threading.Event``.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import grpc
import grpc.aio

from tests.rpc._proto import pb, pb_grpc

#: Real seconds a plain-function handler waits for something before giving up.
THREAD_LIMIT = 10.0

#: Characters of a text field that make a message just over gRPC's 4 MiB limit.
LARGE = 4 * 1024 * 1024

INITIAL = (("initial", "yes"), ("initial-bin", b"\x01\x02"))
TRAILING = (("trailing", "yes"), ("trailing-bin", b"\x03"))


def without_user_agent(metadata: Any) -> list[tuple[str, Any]]:
    """Invocation metadata as pairs, without the ``user-agent`` entry gRPC adds."""
    return [(key, value) for key, value in metadata if key != "user-agent"]


def scenario(context: Any) -> str:
    return dict(context.invocation_metadata()).get("scenario", "")


class AsyncShapes(pb_grpc.ShapesServicer):  # type: ignore[misc]
    """The Shapes service written the grpc.aio way: ``async def`` and async generators."""

    def __init__(self) -> None:
        self.seen: dict[str, Any] = {}
        self.started = asyncio.Event()
        self.ended = asyncio.Event()

    async def _sleep(self, context: Any) -> None:
        """Wait "forever" (until cancelled), recording the cancellation."""
        self.started.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            self.seen["cancelled"] = True
            self.seen["remaining at cancel"] = context.time_remaining()
            raise
        finally:
            self.ended.set()

    async def UnaryUnary(self, request: Any, context: Any) -> Any:
        text = request.text
        if text == "metadata":
            self.seen["metadata"] = without_user_agent(context.invocation_metadata())
            self.seen["user-agent"] = dict(context.invocation_metadata()).get("user-agent")
            await context.send_initial_metadata(INITIAL)
            context.set_trailing_metadata(TRAILING)
            return pb.Reply(text="with metadata")
        if text == "context":
            self.seen.update(
                auth_context=context.auth_context(),
                code=context.code(),
                details=context.details(),
                remaining=context.time_remaining(),
                done=context.done(),
                cancelled=context.cancelled(),
                peer=context.peer(),
            )
        if text == "set-code":
            context.set_code(grpc.StatusCode.NOT_FOUND)
            context.set_details("no such thing")
            context.set_trailing_metadata((("why", "missing"),))
            return pb.Reply(number=9)
        if text == "raise":
            raise ValueError("boom")
        if text == "set-code-raise":
            context.set_code(grpc.StatusCode.NOT_FOUND)
            context.set_trailing_metadata((("why", "missing"),))
            raise ValueError("boom")
        if text == "abort":
            try:
                await context.abort(grpc.StatusCode.PERMISSION_DENIED, "denied", (("t", "1"),))
            except grpc.aio.AbortError:
                self.seen["abort raised"] = True
                raise
        if text == "abort-preset":
            context.set_details("preset")
            context.set_trailing_metadata((("why", "preset"),))
            await context.abort(grpc.StatusCode.NOT_FOUND)
        if text == "abort-twice":
            with contextlib.suppress(grpc.aio.AbortError):
                await context.abort(grpc.StatusCode.NOT_FOUND, "one")
            try:
                await context.abort(grpc.StatusCode.INTERNAL, "two")
            except grpc.aio.UsageError as error:
                self.seen["second abort"] = str(error)
                raise
        if text == "abort-suppressed":
            with contextlib.suppress(grpc.aio.AbortError):
                await context.abort(grpc.StatusCode.NOT_FOUND, "not found")
            return pb.Reply(number=5)
        if text == "initial-twice":
            await context.send_initial_metadata((("first", "1"),))
            try:
                await context.send_initial_metadata((("second", "2"),))
            except grpc.aio.UsageError as error:
                self.seen["second initial"] = str(error)
            return pb.Reply()
        if text == "bad-initial":
            await context.send_initial_metadata((("Bad Key", "x"),))
        if text == "bad-trailing":
            context.set_trailing_metadata((("Bad Key", "x"),))
        if text == "none":
            return None
        if text == "large":  # over gRPC's 4 MiB limit of a received message
            return pb.Reply(text="y" * LARGE)
        if text == "sleep":
            await self._sleep(context)
        return pb.Reply(number=request.number + 1)

    async def UnaryStream(self, request: Any, context: Any) -> AsyncIterator[Any]:
        text = request.text
        if text == "metadata":
            await context.send_initial_metadata(INITIAL)
            context.set_trailing_metadata(TRAILING)
        if text == "metadata-then-sleep":
            await context.send_initial_metadata(INITIAL)
            await self._sleep(context)
        reply = pb.Reply()
        for n in range(request.number):
            if text == "mutate":
                reply.number = n  # one object, changed after each send
                yield reply
            else:
                yield pb.Reply(number=n)
        if text == "raise":
            raise RuntimeError("mid-stream")
        if text == "abort":
            await context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, "enough")
        if text == "write":
            await context.write(pb.Reply(number=100))  # the reader/writer API, mixed in
            yield pb.Reply(number=101)
        if text == "large":
            yield pb.Reply(text="y" * LARGE)
            yield pb.Reply(number=1)
        if text == "sleep":
            await self._sleep(context)

    async def StreamUnary(self, request_iterator: Any, context: Any) -> Any:
        what = scenario(context)
        total = 0
        async for request in request_iterator:
            total += request.number
            if what == "abort-after-first":
                await context.abort(grpc.StatusCode.FAILED_PRECONDITION, f"stopped at {total}")
        if what == "sleep":
            await self._sleep(context)
        return pb.Reply(number=total)

    async def StreamStream(self, request_iterator: Any, context: Any) -> AsyncIterator[Any]:
        what = scenario(context)
        reply = pb.Reply()
        async for request in request_iterator:
            if what == "sleep":
                yield pb.Reply(number=request.number)
                await self._sleep(context)
            reply.number = request.number  # the same object, mutated: a snapshot is sent
            reply.text = request.text
            yield reply
            if what == "raise" and request.number == 2:
                raise RuntimeError("at two")


class ReaderWriterShapes(pb_grpc.ShapesServicer):  # type: ignore[misc]
    """Handlers that use ``context.read()`` and ``context.write()`` instead of iterators."""

    async def UnaryStream(self, request: Any, context: Any) -> None:
        for n in range(request.number):
            await context.write(pb.Reply(number=n))

    async def StreamUnary(self, request_iterator: Any, context: Any) -> Any:
        total = 0
        while (request := await context.read()) is not grpc.aio.EOF:
            total += request.number
        return pb.Reply(number=total)

    async def StreamStream(self, request_iterator: Any, context: Any) -> None:
        while (request := await context.read()) is not grpc.aio.EOF:
            await context.write(pb.Reply(number=request.number * 10))


class SyncShapes(pb_grpc.ShapesServicer):  # type: ignore[misc]
    """The Shapes service written with plain functions and generators (worker threads)."""

    def __init__(self) -> None:
        self.seen: dict[str, Any] = {}
        self.started = threading.Event()
        self.release = threading.Event()

    def UnaryUnary(self, request: Any, context: Any) -> Any:
        self.seen["thread"] = threading.current_thread().name
        if request.text == "abort":
            context.abort(grpc.StatusCode.PERMISSION_DENIED, "denied")
        if request.text == "raise":
            raise ValueError("sync boom")
        if request.text == "metadata":
            context.send_initial_metadata(INITIAL)
            context.set_trailing_metadata(TRAILING)
        if request.text == "bad-trailing":
            # rpc.connect says so at once (ValueError); a real server fails the RPC later
            with contextlib.suppress(ValueError):
                context.set_trailing_metadata((("Bad Key", "x"),))
        if request.text == "block":
            self.started.set()
            self.release.wait(THREAD_LIMIT)
        return pb.Reply(number=request.number + 1)

    def UnaryStream(self, request: Any, context: Any) -> Iterator[Any]:
        self.seen["thread"] = threading.current_thread().name
        for n in range(request.number):
            yield pb.Reply(number=n)
        if request.text == "raise":
            raise RuntimeError("sync mid-stream")

    def StreamUnary(self, request_iterator: Any, context: Any) -> Any:
        self.seen["thread"] = threading.current_thread().name
        return pb.Reply(number=sum(request.number for request in request_iterator))

    def StreamStream(self, request_iterator: Any, context: Any) -> Iterator[Any]:
        self.seen["thread"] = threading.current_thread().name
        for request in request_iterator:
            yield pb.Reply(number=request.number * 2)


class PartialShapes(pb_grpc.ShapesServicer):  # type: ignore[misc]
    """Implements UnaryUnary only: the other methods are the generated ones."""

    async def UnaryUnary(self, request: Any, context: Any) -> Any:
        return pb.Reply(number=request.number)


class Gatekeeper(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """Refuses calls without a ``token`` entry; records what it saw."""

    def __init__(self) -> None:
        self.methods: list[str] = []
        self.metadata: list[Any] = []

    async def intercept_service(self, continuation: Any, details: Any) -> Any:
        self.methods.append(details.method)
        self.metadata.append(tuple(details.invocation_metadata))
        if ("token", "secret") in tuple(details.invocation_metadata):
            return await continuation(details)

        async def refuse(request: Any, context: Any) -> None:
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, "no token")

        return grpc.unary_unary_rpc_method_handler(refuse)


class Tagging(grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    """Adds a ``tag`` metadata entry with its name."""

    def __init__(self, name: str, log: list[str]) -> None:
        self.name = name
        self.log = log

    async def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        self.log.append(self.name)
        metadata = grpc.aio.Metadata(*(details.metadata or ()))
        metadata.add("tag", self.name)
        details = grpc.aio.ClientCallDetails(
            details.method, details.timeout, metadata, details.credentials, details.wait_for_ready
        )
        return await continuation(details, request)


class CountingStream(grpc.aio.StreamStreamClientInterceptor):  # type: ignore[misc]
    """Counts the stream-stream calls it sees."""

    def __init__(self) -> None:
        self.calls = 0

    async def intercept_stream_stream(
        self, continuation: Any, details: Any, request_iterator: Any
    ) -> Any:
        self.calls += 1
        return await continuation(details, request_iterator)


async def assert_fails(
    case: Any, awaitable: Any, code: grpc.StatusCode, details: set[str]
) -> grpc.aio.AioRpcError:
    """Assert that ``awaitable`` raises AioRpcError with ``code`` and one of ``details``."""
    raised = await case.assertAsyncRaises(grpc.aio.AioRpcError, awaitable)
    error: grpc.aio.AioRpcError = raised.exception
    case.assertEqual(error.code(), code)
    case.assertIn(error.details(), details)
    return error


def requests(*numbers: int) -> Iterator[Any]:
    return iter([pb.Request(number=n) for n in numbers])


async def async_requests(*numbers: int) -> AsyncIterator[Any]:
    for n in numbers:
        yield pb.Request(number=n)
