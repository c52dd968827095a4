"""The servicer context a handler under test gets from the server double.

``AsyncContext`` is a full ``grpc.aio.ServicerContext`` for ``async def``
handlers and async generators.  ``SyncContext`` is what grpc.aio hands plain
functions and generators: the same operations, synchronous (``abort`` raises
at once), usable from the worker thread that runs stream-request handlers.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any, NamedTuple, NoReturn

import grpc
import grpc.aio

from asynctoolkit.clock import ClockedEventLoop
from asynctoolkit.rpc import _common
from asynctoolkit.rpc._common import HandlerSide

__all__: list[str] = []


#: Real seconds a handler's worker thread waits for the loop (a request, a
#: write) before giving up: it never outlives a test whose loop went away.
THREAD_WAIT = 60.0


class Metadatum(NamedTuple):
    """One invocation metadata entry, as grpc.aio gives it (a key, value pair)."""

    key: str
    value: Any


def _never(_: float) -> str:  # pragma: no cover - handler waits have no timeout
    return "unbounded wait"


class _ContextCore:
    """The state operations both context flavours share."""

    _x: HandlerSide

    def __init__(self, exchange: HandlerSide, deserializer: Any, serializer: Any) -> None:
        self._x = exchange
        self._deserializer = deserializer
        self._serializer = serializer

    # -- status the handler sets ----------------------------------------------

    def set_trailing_metadata(self, trailing_metadata: Any) -> None:
        self._x.set_trailing = self._x.check_metadata(trailing_metadata, "set_trailing_metadata()")

    def trailing_metadata(self) -> Any:
        return self._x.set_trailing

    def set_code(self, code: grpc.StatusCode) -> None:
        self._x.set_code = _common.status_code(code, "set_code()")

    def set_details(self, details: str) -> None:
        self._x.set_details = _common.status_details(details, "set_details()")

    def code(self) -> grpc.StatusCode | None:
        return self._x.set_code

    def details(self) -> str | None:
        return self._x.set_details if self._x.set_details is not None else ""  # as grpc.aio

    def _record_abort(self, code: Any, details: Any, trailing_metadata: Any) -> None:
        x = self._x
        if x.aborted:
            raise grpc.aio.UsageError("Abort already called!")
        code = _common.status_code(code, "abort()")
        if code == grpc.StatusCode.OK:
            code = grpc.StatusCode.UNKNOWN  # as gRPC does: abort needs a failure
        x.aborted = True
        x.set_code = code
        details = _common.status_details(details, "abort()")
        if details or x.set_details is None:  # grpc.aio keeps set_details() for abort(code)
            x.set_details = details
        if trailing_metadata:
            x.set_trailing = x.check_metadata(trailing_metadata, "abort(): trailing_metadata")

    # -- information ------------------------------------------------------------

    def invocation_metadata(self) -> tuple[Metadatum, ...]:
        return tuple(Metadatum(key, value) for key, value in self._x.invocation_metadata)

    def peer(self) -> str:
        return self._x.peer

    def peer_identities(self) -> None:
        return None

    def peer_identity_key(self) -> None:
        return None

    def auth_context(self) -> dict[str, Any]:
        return {key: list(values) for key, values in self._x.auth_context.items()}

    def set_compression(self, compression: Any) -> None:
        """Accepted and ignored: nothing is compressed in memory."""

    def disable_next_message_compression(self) -> None:
        """Accepted and ignored: nothing is compressed in memory."""

    def time_remaining(self) -> float | None:
        deadline = self._x.deadline
        if deadline is None:
            return None
        return max(0.0, deadline - self._x.time.time())

    def cancelled(self) -> bool:
        return self._x.handler_interrupted()

    def done(self) -> bool:
        return self._x.code is not None

    def add_done_callback(self, callback: Any) -> None:
        if not self._x.add_handler_callback(functools.partial(callback, self)):
            callback(self)

    # -- messages (loop thread) -------------------------------------------------

    async def _read(self) -> Any:
        x = self._x
        if not (x.requests or x.half_closed or x.code is not None):  # else no wait: the hot path
            await _common.wait_until(
                x.handler_waiters,
                lambda: bool(x.requests) or x.half_closed or x.code is not None,
                None,
                _never,
            )
        if x.requests and x.code is None:
            data = x.take_request()
            return data if self._deserializer is None else self._deserializer(data)
        return grpc.aio.EOF

    async def _write(self, message: Any) -> None:
        x = self._x
        if not x.shape.endswith("stream"):
            raise grpc.aio.UsageError(
                f"write() on {x.path}: a {x.shape} method returns its one response"
            )
        if x.code is not None:
            raise asyncio.InvalidStateError(f"{x.path} already ended with {x.code.name}")
        data = message if self._serializer is None else self._serializer(message)
        if not x.response_window_open():
            await _common.wait_until(
                x.handler_waiters,
                lambda: x.code is not None or x.response_window_open(),
                None,
                _never,
            )
            if x.code is not None:
                raise asyncio.InvalidStateError(f"{x.path} already ended with {x.code.name}")
        x.add_response(data)

    def _send_initial_metadata(self, initial_metadata: Any) -> None:
        pairs = self._x.check_metadata(initial_metadata, "send_initial_metadata()")
        if self._x.initial_metadata is not None or self._x.headers_sent:
            raise grpc.aio.UsageError("Send initial metadata failed: already sent")
        self._x.send_initial_metadata(pairs)

    async def request_iterator(self) -> AsyncIterator[Any]:
        """The requests as an async iterator, for ``async def`` stream-request handlers."""
        x = self._x
        deserializer = self._deserializer
        while True:
            if x.requests and x.code is None:  # the hot path, without a coroutine per request
                data = x.take_request()
                yield data if deserializer is None else deserializer(data)
                continue
            request = await self._read()
            if request is grpc.aio.EOF:
                return
            yield request

    def _write_now(self, message: Any) -> bool:
        """Send a response of a stream if that needs no waiting (the usual case); else False."""
        x = self._x
        if x.code is not None or not x.response_window_open():
            return False  # ``_write`` raises, or waits
        x.add_response(message if self._serializer is None else self._serializer(message))
        return True


class AsyncContext(_ContextCore, grpc.aio.ServicerContext):  # type: ignore[misc]
    """A ``grpc.aio.ServicerContext`` for coroutine and async-generator handlers."""

    async def read(self) -> Any:
        return await self._read()

    async def write(self, message: Any) -> None:
        await self._write(message)

    async def send_initial_metadata(self, initial_metadata: Any) -> None:
        self._send_initial_metadata(initial_metadata)

    async def abort(
        self, code: grpc.StatusCode, details: str = "", trailing_metadata: Any = ()
    ) -> NoReturn:
        self._record_abort(code, details, trailing_metadata)
        self._x.on_abort()
        raise grpc.aio.AbortError("Locally aborted.")

    async def abort_with_status(self, status: Any) -> NoReturn:
        await self.abort(status.code, status.details, status.trailing_metadata)


class SyncContext(_ContextCore, grpc.ServicerContext):  # type: ignore[misc]
    """The context of plain-function and generator handlers (see module docstring)."""

    def __init__(self, exchange: HandlerSide, deserializer: Any, serializer: Any) -> None:
        super().__init__(exchange, deserializer, serializer)
        self._loop_thread = threading.get_ident()
        # On a virtual clock, the worker thread counts as real work while it
        # runs handler code, not while it waits for the loop (a request, a
        # write): the clock may move then.  Token of that count, or None.
        self._work_token: int | None = None
        self._worker_finished = False

    def begin_work(self) -> None:
        """From the loop's thread: the worker thread is about to run handler code."""
        loop = self._x.loop
        if self._worker_finished:
            return
        if self._work_token is None and isinstance(loop, ClockedEventLoop):
            self._work_token = loop.begin_real_work(
                f"the plain-function handler of {self._x.path} in a worker thread"
            )

    def end_work(self) -> None:
        """From the loop's thread: the worker thread waits for the loop, or ended."""
        loop, token = self._x.loop, self._work_token
        if token is not None and isinstance(loop, ClockedEventLoop):
            self._work_token = None
            loop.end_real_work(token)

    def worker_done(self, _: concurrent.futures.Future[Any]) -> None:
        """From any thread: the worker's job is done (returned, raised or never started)."""
        with contextlib.suppress(RuntimeError):  # the loop closed first: nothing to tell it
            self._x.loop.call_soon_threadsafe(self.worker_finished)

    def worker_finished(self) -> None:
        """From the loop's thread: the handler no longer runs; ``termination()`` may return."""
        self._worker_finished = True
        self.end_work()
        self._x.worker_stopped()

    async def _waiting_for(self, coroutine: Any) -> Any:
        self.end_work()
        try:
            return await coroutine
        finally:
            self.begin_work()

    def _on_loop(self) -> bool:
        return threading.get_ident() == self._loop_thread

    def _run(self, coroutine: Any) -> Any:
        """Run a coroutine of this context on the loop, from the worker thread.

        Once the RPC ended, the thread no longer waits for the loop (which
        may be gone with its test): the operation fails at once.
        """
        x = self._x
        if x.code is not None or x.loop.is_closed():
            coroutine.close()
            raise asyncio.InvalidStateError(f"{x.path} already ended")
        future = asyncio.run_coroutine_threadsafe(self._waiting_for(coroutine), x.loop)
        return future.result(THREAD_WAIT)

    def is_active(self) -> bool:
        return self._x.code is None

    def cancel(self) -> None:
        x = self._x
        if self._on_loop():
            x.cancel_from_handler()
        else:
            x.loop.call_soon_threadsafe(x.cancel_from_handler)

    def add_callback(self, callback: Any) -> bool:
        return self._x.add_handler_callback(callback)

    def send_initial_metadata(self, initial_metadata: Any) -> None:
        if self._on_loop():
            self._send_initial_metadata(initial_metadata)
        else:

            async def send() -> None:
                self._send_initial_metadata(initial_metadata)

            self._run(send())

    def abort(
        self, code: grpc.StatusCode, details: str = "", trailing_metadata: Any = ()
    ) -> NoReturn:
        self._record_abort(code, details, trailing_metadata)
        x = self._x
        if self._on_loop():
            x.on_abort()
        else:
            with contextlib.suppress(RuntimeError):  # the loop closed: no one to tell
                x.loop.call_soon_threadsafe(x.on_abort)
        raise grpc.aio.AbortError("Locally aborted.")

    def abort_with_status(self, status: Any) -> NoReturn:
        self.abort(status.code, status.details, status.trailing_metadata)

    def blocking_requests(self) -> Iterator[Any]:
        """The requests as a blocking iterator, for handlers run in a worker thread."""
        while True:
            try:
                request = self._run(self._read())
            except asyncio.InvalidStateError:  # the RPC ended: no more requests
                return
            if request is grpc.aio.EOF:
                return
            yield request

    def blocking_write(self, message: Any) -> None:
        self._run(self._write(message))
