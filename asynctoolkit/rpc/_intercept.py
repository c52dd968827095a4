"""grpc.aio client interceptors on the channel double.

A real channel runs its interceptors in a task per call and hands the code
under test a stand-in call that forwards to whatever the chain returned once
it is known; this module does the same over the double's calls.  An
interceptor sees ``grpc.aio.ClientCallDetails`` (method as bytes, metadata as
``grpc.aio.Metadata``), may change them, may return the call or (for a unary
response) a plain response value or (for a response stream) an async
iterable, exactly as the grpc.aio interfaces allow.
"""

from __future__ import annotations

import asyncio
import functools
from collections import deque
from collections.abc import AsyncIterator, Generator
from typing import Any

import grpc
import grpc.aio

from asynctoolkit.rpc import _common
from asynctoolkit.rpc._calls import ALREADY_FINISHED, API_STYLE_ERROR, HALF_CLOSED
from asynctoolkit.rpc._common import STREAM_STREAM, STREAM_UNARY, UNARY_STREAM, UNARY_UNARY
from asynctoolkit.rpc._exchange import ChannelCore

__all__: list[str] = []

_LOCALLY_CANCELLED = "Locally cancelled by application!"
_CALL_TYPES = {
    UNARY_UNARY: grpc.aio.UnaryUnaryCall,
    UNARY_STREAM: grpc.aio.UnaryStreamCall,
    STREAM_UNARY: grpc.aio.StreamUnaryCall,
    STREAM_STREAM: grpc.aio.StreamStreamCall,
}


def intercepted_call(
    channel: ChannelCore,
    interceptors: list[Any],
    path: str,
    shape: str,
    request: Any,
    timeout: float | None,
    metadata: _common.MetadataTuple,
    credentials: Any,
    wait_for_ready: bool | None,
    serializer: Any,
    deserializer: Any,
) -> Any:
    """The stand-in call the code under test gets when interceptors are configured."""
    loop = _common.running_loop(f"calling {path} on an rpc.channel()")
    if channel.get_state() == grpc.ChannelConnectivity.SHUTDOWN:
        raise grpc.aio.UsageError("Channel is closed.")
    pipe = _Pipe() if shape.startswith("stream") and request is None else None
    if pipe is not None:
        request = pipe.iterate()
    details = grpc.aio.ClientCallDetails(
        path.encode(), timeout, grpc.aio.Metadata(*metadata), credentials, wait_for_ready
    )
    cls = _CLASSES[shape]
    wrapper = cls.__new__(cls)
    chain = _Chain(channel, interceptors, shape, serializer, deserializer)
    wrapper._setup(loop.create_task(chain.run(0, details, request)), pipe)
    return wrapper


class _Chain:
    """Runs the interceptors in order; the last continuation starts the real call."""

    def __init__(
        self,
        channel: ChannelCore,
        interceptors: list[Any],
        shape: str,
        serializer: Any,
        deserializer: Any,
    ) -> None:
        self._channel = channel
        self._interceptors = interceptors
        self._shape = shape
        self._serializer = serializer
        self._deserializer = deserializer
        self._intercept = f"intercept_{shape.replace('-', '_')}"
        self._last_call: Any = None

    async def run(self, index: int, details: Any, request: Any) -> Any:
        if index == len(self._interceptors):
            method = details.method
            path = method.decode() if isinstance(method, bytes) else str(method)
            call = self._channel.start(
                path,
                self._shape,
                request,
                details.timeout,
                details.metadata,
                self._serializer,
                self._deserializer,
            )
            self._last_call = call
            return call
        continuation = functools.partial(self.run, index + 1)
        result = await getattr(self._interceptors[index], self._intercept)(
            continuation, details, request
        )
        if isinstance(result, _CALL_TYPES[self._shape]):
            self._last_call = result
            return result
        if self._shape in (UNARY_UNARY, STREAM_UNARY):
            return _Answered(result)
        self._last_call = _IteratorCall(self._last_call, result)
        return self._last_call


class _Pipe:
    """Carries ``write()`` calls to the request iterator the chain was given.

    One item at a time: ``put`` returns once the iterator took it (or the
    call ended), which is the back-pressure ``write`` has on a real channel.
    The task that iterates (the call's request reader, whichever interceptor
    wrapped the iterator) is cancelled when the RPC ends; once the last task
    that took an item is done, the pipe is closed and a blocked ``write``
    fails instead of waiting.
    """

    _END = object()

    def __init__(self) -> None:
        self.items: deque[Any] = deque()
        self.put_count = 0  # items ever put; item n is taken once taken_count > n
        self.taken_count = 0
        self.closed = False  # no one will take items any more
        self.reader: asyncio.Task[Any] | None = None  # the task iterating
        self.waiters = _common.Waiters()
        self.watching: Any = None  # the call whose end wakes blocked writers

    def _follow(self, task: asyncio.Task[Any] | None) -> None:
        if task is not self.reader and task is not None:
            self.reader = task
            task.add_done_callback(self._reader_done)

    def _reader_done(self, task: asyncio.Task[Any]) -> None:
        if task is self.reader:  # not one that handed the iterator on
            self.closed = True
            self.waiters.wake()

    async def iterate(self) -> AsyncIterator[Any]:
        while True:
            self._follow(asyncio.current_task())
            await _common.wait_until(self.waiters, lambda: bool(self.items), None, _never)
            item = self.items.popleft()
            self.taken_count += 1
            self.waiters.wake()
            if item is _Pipe._END:
                return
            yield item

    async def put(self, item: Any, call: Any) -> bool:
        """Hand ``item`` to the iterator; False if no one will ever take it."""
        if self.closed:
            return False
        if self.watching is not call:
            self.watching = call
            call.add_done_callback(lambda _: self.waiters.wake())
        position = self.put_count
        self.put_count += 1
        self.items.append(item)
        self.waiters.wake()
        await _common.wait_until(
            self.waiters,
            lambda: self.taken_count > position or call.done() or self.closed,
            None,
            _never,
        )
        return self.taken_count > position


def _never(_: float) -> str:  # pragma: no cover - these waits have no timeout
    return "unbounded wait"


class _Intercepted:
    """What every stand-in call shares: it forwards to the chain's result."""

    _task: asyncio.Task[Any]
    _pipe: _Pipe | None
    _done_writing = False

    def _setup(self, task: asyncio.Task[Any], pipe: _Pipe | None) -> None:
        self._task = task
        self._pipe = pipe
        self._pending_callbacks: list[Any] = []
        task.add_done_callback(self._chain_done)

    def _call(self) -> Any:
        """The chain's call, or None while it runs or if it failed."""
        task = self._task
        if not task.done() or task.cancelled() or task.exception() is not None:
            return None
        return task.result()

    def _chain_done(self, task: asyncio.Task[Any]) -> None:
        callbacks, self._pending_callbacks = self._pending_callbacks, []
        call = self._call()
        for callback in callbacks:
            if call is None or call.done():
                callback(self)
            else:
                call.add_done_callback(lambda _, cb=callback: cb(self))

    def cancel(self) -> bool:
        if not self._task.done():
            return self._task.cancel()
        call = self._call()
        return False if call is None else bool(call.cancel())

    def cancelled(self) -> bool:
        task = self._task
        if task.cancelled():
            return True
        if not task.done():
            return False
        error = task.exception()
        if error is not None:
            return isinstance(error, grpc.aio.AioRpcError) and (
                error.code() == grpc.StatusCode.CANCELLED
            )
        return bool(task.result().cancelled())

    def done(self) -> bool:
        if not self._task.done():
            return False
        call = self._call()
        return True if call is None else bool(call.done())

    def add_done_callback(self, callback: Any) -> None:
        if not self._task.done():
            self._pending_callbacks.append(callback)
            return
        call = self._call()
        if call is None or call.done():
            callback(self)
        else:
            call.add_done_callback(lambda _: callback(self))

    def time_remaining(self) -> float | None:
        call = self._call()
        return None if call is None else call.time_remaining()

    async def _status(self, accessor: str, on_cancel: Any) -> Any:
        try:
            call = await self._task
        except grpc.aio.AioRpcError as error:
            return getattr(error, accessor)()
        except asyncio.CancelledError:
            return on_cancel
        return await getattr(call, accessor)()

    async def initial_metadata(self) -> Any:
        return await self._status("initial_metadata", None)

    async def trailing_metadata(self) -> Any:
        return await self._status("trailing_metadata", None)

    async def code(self) -> Any:
        return await self._status("code", grpc.StatusCode.CANCELLED)

    async def details(self) -> Any:
        return await self._status("details", _LOCALLY_CANCELLED)

    async def debug_error_string(self) -> Any:
        return await self._status("debug_error_string", "")

    async def wait_for_connection(self) -> None:
        call = await self._task
        await call.wait_for_connection()

    # -- request streams ------------------------------------------------------

    async def write(self, request: Any) -> None:
        if self._pipe is None:
            raise grpc.aio.UsageError(API_STYLE_ERROR)
        try:
            call = await self._task
        except (asyncio.CancelledError, grpc.aio.AioRpcError):
            raise asyncio.InvalidStateError(ALREADY_FINISHED) from None
        if call.done():
            raise asyncio.InvalidStateError(ALREADY_FINISHED)
        if self._done_writing:
            raise asyncio.InvalidStateError(HALF_CLOSED)
        if not await self._pipe.put(request, call) or call.done():
            raise asyncio.InvalidStateError(ALREADY_FINISHED)

    async def done_writing(self) -> None:
        if self._pipe is None:
            raise grpc.aio.UsageError(API_STYLE_ERROR)
        try:
            call = await self._task
        except asyncio.CancelledError:
            raise asyncio.InvalidStateError(ALREADY_FINISHED) from None
        if not self._done_writing:
            self._done_writing = True
            await self._pipe.put(_Pipe._END, call)


class _UnaryResponse(_Intercepted):
    def __await__(self) -> Generator[Any, None, Any]:
        call = yield from self._task.__await__()
        response = yield from call.__await__()
        return response


class _StreamResponse(_Intercepted):
    _responses: AsyncIterator[Any] | None = None

    async def _iterate(self) -> AsyncIterator[Any]:
        call = await self._task
        async for response in call:
            yield response

    def __aiter__(self) -> AsyncIterator[Any]:
        if self._responses is None:
            self._responses = self._iterate()
        return self._responses

    async def read(self) -> Any:
        if self._responses is None:
            self._responses = self._iterate()
        try:
            return await self._responses.__anext__()
        except StopAsyncIteration:
            return grpc.aio.EOF


class InterceptedUnaryUnaryCall(_UnaryResponse, grpc.aio.UnaryUnaryCall):  # type: ignore[misc]
    """A unary-unary call that went through client interceptors."""


class InterceptedUnaryStreamCall(_StreamResponse, grpc.aio.UnaryStreamCall):  # type: ignore[misc]
    """A unary-stream call that went through client interceptors."""


class InterceptedStreamUnaryCall(_UnaryResponse, grpc.aio.StreamUnaryCall):  # type: ignore[misc]
    """A stream-unary call that went through client interceptors."""


class InterceptedStreamStreamCall(_StreamResponse, grpc.aio.StreamStreamCall):  # type: ignore[misc]
    """A stream-stream call that went through client interceptors."""


_CLASSES: dict[str, type[_Intercepted]] = {
    UNARY_UNARY: InterceptedUnaryUnaryCall,
    UNARY_STREAM: InterceptedUnaryStreamCall,
    STREAM_UNARY: InterceptedStreamUnaryCall,
    STREAM_STREAM: InterceptedStreamStreamCall,
}


class _Answered(grpc.aio.UnaryUnaryCall):  # type: ignore[misc]
    """A call an interceptor answered itself with a plain response value."""

    def __init__(self, response: Any) -> None:
        self._response = response

    def cancel(self) -> bool:
        return False

    def cancelled(self) -> bool:
        return False

    def done(self) -> bool:
        return True

    def add_done_callback(self, callback: Any) -> None:
        callback(self)

    def time_remaining(self) -> float | None:
        return None

    async def initial_metadata(self) -> grpc.aio.Metadata:
        return grpc.aio.Metadata()

    async def trailing_metadata(self) -> grpc.aio.Metadata:
        return grpc.aio.Metadata()

    async def code(self) -> grpc.StatusCode:
        return grpc.StatusCode.OK

    async def details(self) -> str:
        return ""

    async def debug_error_string(self) -> str:
        return ""

    async def wait_for_connection(self) -> None:
        return None

    def __await__(self) -> Generator[Any, None, Any]:
        return self._response
        yield  # makes this a generator, as __await__ must be


class _IteratorCall:
    """A response stream an interceptor replaced with its own async iterable."""

    def __init__(self, call: Any, responses: Any) -> None:
        self._call = call
        self._responses = responses

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._responses.__aiter__()  # type: ignore[no-any-return]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._call, name)
