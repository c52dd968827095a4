"""The call objects the code under test gets from the channel double.

They are ``grpc.aio`` call objects in every observable way: awaitable or
async-iterable, ``read``/``write``/``done_writing``, metadata and status
accessors, ``cancel``, done callbacks, ``time_remaining``; a non-OK status
raises ``grpc.aio.AioRpcError`` and a local ``cancel()`` raises
``asyncio.CancelledError``, as a real channel's calls do.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections import deque
from collections.abc import AsyncIterator, Generator
from typing import Any, Protocol

import grpc
import grpc.aio

from asynctoolkit.rpc._common import MetadataTuple, Waiters, wait_until
from asynctoolkit.rpc._contract import Time

__all__: list[str] = []

_LOGGER = logging.getLogger("asynctoolkit.rpc")

ALREADY_FINISHED = "RPC already finished."
HALF_CLOSED = 'RPC is half closed after calling "done_writing".'
API_STYLE_ERROR = "The iterator and read/write APIs may not be mixed on a single RPC."

_UNKNOWN, _ITERATOR, _READER_WRITER = "unknown", "iterator", "read/write"


class ClientSide(Protocol):
    """One RPC as the client's call object sees it.

    The channel double's exchange implements it (the test plays server), and
    so does ``rpc.connect``'s link (a real handler answers).
    """

    loop: asyncio.AbstractEventLoop
    path: str
    call: Any
    time: Time
    deadline: float | None
    serialize_request: Any
    deserialize_response: Any
    request_reader: asyncio.Task[None] | None
    # The caller closed its request stream (``done_writing``, or its iterator ended).
    writes_done: bool
    # The response of a unary-response RPC, and the stream of those not read.
    response: Any
    responses: deque[Any]
    initial_metadata: MetadataTuple | None
    code: grpc.StatusCode | None
    details: str
    trailing_metadata: MetadataTuple
    client_waiters: Waiters

    def finished(self) -> bool:
        """Whether the client sees the RPC as done (status delivered after every response)."""
        ...

    def locally_cancelled(self) -> bool:
        """Whether the caller cancelled the RPC (or closed its channel)."""
        ...

    def cancel(self) -> bool: ...

    def fail(self, code: grpc.StatusCode, details: str) -> None:
        """End the RPC for a failure in the client library."""
        ...

    def error(self) -> grpc.aio.AioRpcError: ...

    def add_done_callback(self, callback: Any) -> bool:
        """Call ``callback`` when finished; False if already finished."""
        ...

    def pop_response(self) -> Any: ...

    def window_open(self) -> bool:
        """Whether a request may be sent now (or the RPC is over)."""
        ...

    def add_request(self, data: Any) -> None: ...

    def decode_request(self, data: Any) -> Any:
        """A request as the serializer made it, as the receiving side keeps it."""
        ...

    def close_requests(self) -> None: ...

    def describe(self) -> str: ...


def _never(_: float) -> str:  # pragma: no cover - client waits have no timeout
    return "unbounded wait"


class _CallBase:
    """What every call shape shares: status, metadata, cancellation."""

    _x: ClientSide

    def __init__(self, exchange: ClientSide) -> None:
        self._x = exchange
        exchange.call = self

    # -- RpcContext ----------------------------------------------------------

    def cancelled(self) -> bool:
        return self._x.finished() and self._x.code == grpc.StatusCode.CANCELLED

    def done(self) -> bool:
        return self._x.finished()

    def time_remaining(self) -> float | None:
        deadline = self._x.deadline
        if deadline is None:
            return None
        return max(0.0, deadline - self._x.time.time())

    def cancel(self) -> bool:
        return self._x.cancel()

    def add_done_callback(self, callback: Any) -> None:
        if not self._x.add_done_callback(functools.partial(callback, self)):
            callback(self)

    # -- Call ----------------------------------------------------------------

    async def _until_finished(self) -> None:
        x = self._x
        await wait_until(x.client_waiters, x.finished, None, _never)

    async def initial_metadata(self) -> grpc.aio.Metadata:
        x = self._x
        await wait_until(x.client_waiters, lambda: x.initial_metadata is not None, None, _never)
        return grpc.aio.Metadata(*(x.initial_metadata or ()))

    async def trailing_metadata(self) -> grpc.aio.Metadata:
        await self._until_finished()
        return grpc.aio.Metadata(*self._x.trailing_metadata)

    async def code(self) -> grpc.StatusCode:
        await self._until_finished()
        return self._x.code

    async def details(self) -> str:
        await self._until_finished()
        return self._x.details

    async def debug_error_string(self) -> str:
        await self._until_finished()
        code, details = self._x.code, self._x.details
        return "" if code is None or code == grpc.StatusCode.OK else f"{code.name}:{details}"

    async def wait_for_connection(self) -> None:
        if self._x.finished():
            self._raise_for_status()

    def _raise_for_status(self) -> None:
        x = self._x
        if x.locally_cancelled():
            raise asyncio.CancelledError()
        if x.code is not None and x.code != grpc.StatusCode.OK:
            raise x.error()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._x.describe()}>"


class _UnaryResponse(_CallBase):
    def __await__(self) -> Generator[Any, None, Any]:
        x = self._x
        try:
            while not x.finished():  # waits on futures directly: this is the hot path
                yield from x.client_waiters.add(x.loop)
        except asyncio.CancelledError:
            self.cancel()  # the awaiting task was cancelled: so is the RPC
            raise
        self._raise_for_status()
        deserializer = x.deserialize_response
        return x.response if deserializer is None else deserializer(x.response)


class _StreamResponse(_CallBase):
    _response_style = _UNKNOWN
    _iterator: AsyncIterator[Any] | None = None

    def _use_style(self, style: str) -> None:
        if self._response_style == _UNKNOWN:
            self._response_style = style
        elif self._response_style != style:
            raise grpc.aio.UsageError(API_STYLE_ERROR)

    def __aiter__(self) -> AsyncIterator[Any]:
        self._use_style(_ITERATOR)
        if self._iterator is None:
            self._iterator = self._responses()
        return self._iterator

    async def _responses(self) -> AsyncIterator[Any]:
        x = self._x
        responses = x.responses
        deserializer = x.deserialize_response
        while True:
            if responses:  # the hot path of a stream, without a coroutine per message
                data = x.pop_response()
                yield data if deserializer is None else deserializer(data)
                continue
            message = await self._read()
            if message is grpc.aio.EOF:
                return
            yield message

    async def read(self) -> Any:
        if self._x.finished():
            self._raise_for_status()
            return grpc.aio.EOF
        self._use_style(_READER_WRITER)
        return await self._read()

    async def _read(self) -> Any:
        x = self._x
        if x.responses:  # fast path: nothing to wait for
            data = x.pop_response()
            deserializer = x.deserialize_response
            return data if deserializer is None else deserializer(data)
        try:
            await wait_until(
                x.client_waiters, lambda: bool(x.responses) or x.code is not None, None, _never
            )
        except asyncio.CancelledError:
            self.cancel()
            raise
        if x.responses:
            data = x.pop_response()
            deserializer = x.deserialize_response
            return data if deserializer is None else deserializer(data)
        self._raise_for_status()
        return grpc.aio.EOF


class _StreamRequest(_CallBase):
    _request_style: str

    def _start_requests(self, request_iterator: Any) -> None:
        if request_iterator is None:
            self._request_style = _READER_WRITER
        else:
            # The exchange cancels this task when the RPC ends.
            self._request_style = _ITERATOR
            self._x.request_reader = self._x.loop.create_task(
                self._consume(request_iterator), name=f"rpc request reader {self._x.path}"
            )

    async def _consume(self, request_iterator: Any) -> None:
        x = self._x
        try:
            if hasattr(request_iterator, "__aiter__"):
                async for request in request_iterator:
                    if not (self._send_now(request) or await self._send(request)):
                        return
            else:
                for request in request_iterator:
                    if not (self._send_now(request) or await self._send(request)):
                        return
            self._x.close_requests()
        except asyncio.CancelledError:
            raise
        except Exception:
            # As grpc.aio does: an iterator that raises cancels the RPC.
            _LOGGER.debug("request iterator of %s raised", x.path, exc_info=True)
            self.cancel()

    def _send_now(self, request: Any) -> bool:
        """Send ``request`` if that needs no waiting (the usual case); else False."""
        x = self._x
        if x.code is not None or x.writes_done or not x.window_open():
            return False
        x.add_request(self._encode(request))
        return True

    def _encode(self, request: Any) -> Any:
        """The request as the test will take it: serialized, then decoded."""
        x = self._x
        serializer = x.serialize_request
        if serializer is None:
            return x.decode_request(request)
        try:
            data = serializer(request)
        except Exception:
            _LOGGER.debug("Exception serializing request!", exc_info=True)
            x.fail(grpc.StatusCode.INTERNAL, "Exception serializing request!")
            self._raise_for_status()
            raise
        return x.decode_request(data)

    async def _send(self, request: Any) -> bool:
        """Send one request from the iterator; False once the RPC is over."""
        try:
            await self._write(request)
        except (grpc.aio.AioRpcError, asyncio.InvalidStateError):
            return False
        return self._x.code is None

    async def _write(self, request: Any) -> None:
        x = self._x
        if x.code is not None:
            raise asyncio.InvalidStateError(ALREADY_FINISHED)
        if x.writes_done:
            raise asyncio.InvalidStateError(HALF_CLOSED)
        decoded = self._encode(request)
        if not x.window_open():
            try:
                await wait_until(x.client_waiters, x.window_open, None, _never)
            except asyncio.CancelledError:
                self.cancel()
                raise
        if x.code is not None:
            self._raise_for_status()
            raise asyncio.InvalidStateError(ALREADY_FINISHED)
        x.add_request(decoded)

    async def write(self, request: Any) -> None:
        if self._request_style != _READER_WRITER:
            raise grpc.aio.UsageError(API_STYLE_ERROR)
        await self._write(request)

    async def done_writing(self) -> None:
        if self._request_style != _READER_WRITER:
            raise grpc.aio.UsageError(API_STYLE_ERROR)
        if self._x.code is None:
            self._x.close_requests()

    @property
    def _done_writing_flag(self) -> bool:
        # grpc.aio's interceptor machinery reads this attribute of a call.
        return self._x.writes_done


class UnaryUnaryCall(_UnaryResponse, grpc.aio.UnaryUnaryCall):  # type: ignore[misc]
    """A unary-unary call on the channel double."""


class UnaryStreamCall(_StreamResponse, grpc.aio.UnaryStreamCall):  # type: ignore[misc]
    """A unary-stream call on the channel double."""


class StreamUnaryCall(_StreamRequest, _UnaryResponse, grpc.aio.StreamUnaryCall):  # type: ignore[misc]
    """A stream-unary call on the channel double."""

    def __init__(self, exchange: ClientSide, request_iterator: Any) -> None:
        super().__init__(exchange)
        self._start_requests(request_iterator)


class StreamStreamCall(_StreamRequest, _StreamResponse, grpc.aio.StreamStreamCall):  # type: ignore[misc]
    """A stream-stream call on the channel double."""

    def __init__(self, exchange: ClientSide, request_iterator: Any) -> None:
        super().__init__(exchange)
        self._start_requests(request_iterator)
