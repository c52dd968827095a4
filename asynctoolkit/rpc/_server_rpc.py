"""One RPC on the server double, and the rpc objects the test plays client with.

The handler under test runs as a task (``_server.FakeServer._run``); it and the test
share a ``ServerExchange``.  Requests the test sends are serialized at once
(checking their type, freezing their content) and decoded with the handler's
deserializer; responses go through the handler's serializer and are decoded
with the method's response class, exactly what crossing a wire would do.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import grpc

from asynctoolkit.rpc import _common
from asynctoolkit.rpc._common import MetadataTuple, Method, Waiters
from asynctoolkit.rpc._contract import (
    Scheduled,
    StreamStreamServerRpc,
    StreamUnaryServerRpc,
    Time,
    UnaryStreamServerRpc,
    UnaryUnaryServerRpc,
)
from asynctoolkit.rpc._wire import BY_FAULT

if TYPE_CHECKING:
    from asynctoolkit.rpc._wire import Wire
    from asynctoolkit.rpc._wired import WiredServerExchange

__all__: list[str] = []

# Responses a handler may write ahead of the test taking them.
RESPONSE_WINDOW = 128

BY_HANDLER = "ended by the handler"
BY_CANCEL = "cancelled by the test"
BY_DEADLINE = "ended by its deadline"

CANCELLED_DETAILS = "Cancelled by the client"
DEADLINE_DETAILS = "Deadline Exceeded"


#: What ``context.peer()`` says on the server double.
PEER = "local:asynctoolkit.rpc"


class ServerExchange:
    """The state of one RPC between the test (client) and a handler (server).

    It is the ``HandlerSide`` the servicer context and the handler runner use.
    """

    peer = PEER
    auth_context: dict[str, list[bytes]] = {}  # read only: the context returns a copy
    # In an explored run, the wire messages travel on (``_wired.WiredServerExchange``
    # then), and what one side sent that the other may not have received yet:
    # the test closed its requests (``half_closed``: the handler sees it), the
    # handler sent its initial metadata.
    wire: Wire | None = None
    writes_done = False
    headers_sent = False

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        method: Method,
        invocation_metadata: MetadataTuple,
        time: Time,
    ) -> None:
        self.loop = loop
        self.method = method
        self.path = method.path
        self.shape = method.shape
        self.invocation_metadata = invocation_metadata
        self.time = time
        self.deadline: float | None = None
        self.loop_deadline: float | None = None
        self.deadline_handle: Scheduled | None = None
        # Requests the test sent, as bytes, not yet read by the handler.
        self.request: Any = None
        self.requests: deque[bytes] = deque()
        self.requests_sent = 0
        self.half_closed = False
        # Responses the handler sent, decoded, not yet taken by the test.
        self.responses: deque[Any] = deque()
        self.responses_sent = 0
        self.initial_metadata: MetadataTuple | None = None
        # What the handler set through its context; becomes the status.
        self.set_code: grpc.StatusCode | None = None
        self.set_details: str | None = None
        self.set_trailing: MetadataTuple = ()
        self.aborted = False
        # The final status; ``code`` is None while the RPC runs.
        self.code: grpc.StatusCode | None = None
        self.details = ""
        self.trailing_metadata: MetadataTuple = ()
        self.response: Any = None
        self.ended_by: str | None = None
        # The task running interceptors and handler; cancelled when the RPC
        # is interrupted (cancel, deadline).  A plain-function handler runs
        # in a worker thread (``worker``), which no one can cancel: it gets
        # the end of its request stream, or an error from any write, instead.
        self.task: asyncio.Task[None] | None = None
        self.worker: concurrent.futures.Future[Any] | None = None
        self.handler_waiters = Waiters()
        self.test_waiters = Waiters()
        self.done_callbacks: list[Callable[[], None]] | None = []

    def end(self, code: grpc.StatusCode, details: str, trailing: MetadataTuple, by: str) -> bool:
        if self.code is not None:
            return False
        self.code, self.details, self.trailing_metadata, self.ended_by = code, details, trailing, by
        if self.initial_metadata is None:
            self.initial_metadata = ()
        if self.deadline_handle is not None:
            self.deadline_handle.cancel()
            self.deadline_handle = None
        self.handler_waiters.wake()
        self.test_waiters.wake()
        callbacks, self.done_callbacks = self.done_callbacks, None
        for callback in callbacks or ():
            try:
                callback()
            except Exception as error:
                self.loop.call_exception_handler(
                    {"message": f"done callback of RPC {self.path} raised", "exception": error}
                )
        return True

    def end_from_handler(self) -> None:
        """The handler returned: end with what it set through its context."""
        code = self.set_code if self.set_code is not None else grpc.StatusCode.OK
        self.end(code, self.set_details or "", self.set_trailing, BY_HANDLER)

    def interrupt(self, code: grpc.StatusCode, details: str, by: str) -> None:
        if self.end(code, details, (), by) and self.task is not None:
            self.task.cancel()

    # -- HandlerSide ----------------------------------------------------------

    def check_metadata(self, value: object, what: str) -> MetadataTuple:
        return _common.metadata(value, what)

    def take_request(self) -> bytes:
        return self.requests.popleft()

    def response_window_open(self) -> bool:
        return len(self.responses) < RESPONSE_WINDOW

    def add_response(self, data: Any) -> None:
        """One response, decoded as the test will take it."""
        if self.initial_metadata is None:
            self.initial_metadata = ()
        self.responses.append(self._decode(data))
        self.responses_sent += 1
        self.test_waiters.wake()

    def set_response(self, data: Any) -> None:
        self.response = self._decode(data)

    def _decode(self, data: Any) -> Any:
        return self.method.deserialize_response(data) if isinstance(data, bytes) else data

    def add_handler_callback(self, callback: Callable[[], Any]) -> bool:
        callbacks = self.done_callbacks
        if callbacks is None:
            return False
        callbacks.append(callback)
        return True

    def handler_interrupted(self) -> bool:
        return self.ended_by in (BY_CANCEL, BY_DEADLINE, BY_FAULT)

    def on_abort(self) -> None:
        """Nothing yet: the RPC ends with the abort's status when the handler's task ends."""

    def cancel_from_handler(self) -> None:
        self.interrupt(grpc.StatusCode.CANCELLED, "Cancelled by the handler", BY_CANCEL)

    def worker_stopped(self) -> None:
        self.test_waiters.wake()

    def handler_done(self) -> None:
        """Nothing: the task's own end wakes the test (see ``FakeServer._start``)."""

    def handler_cancelled(self) -> None:
        """CancelledError escaped the handler's task."""
        if self.code is None:  # cancelled from outside the double: report it so
            self.end(grpc.StatusCode.CANCELLED, "Handler task cancelled", (), "cancelled")

    def handler_returned(self) -> bool:
        """Whether the handler's task, and its worker thread if any, are done."""
        task, worker = self.task, self.worker
        return (task is None or task.done()) and (worker is None or worker.done())

    def expire(self) -> None:
        self.deadline_handle = None
        self.interrupt(grpc.StatusCode.DEADLINE_EXCEEDED, DEADLINE_DETAILS, BY_DEADLINE)

    def send_initial_metadata(self, pairs: MetadataTuple) -> None:
        self.initial_metadata = pairs
        self.test_waiters.wake()

    def describe(self) -> str:
        parts = [self.path]
        if self.method.shape.startswith("stream"):
            closed = ", closed" if self.half_closed else ""
            parts.append(f"{self.requests_sent} requests sent{closed}")
        if self.method.shape.endswith("stream"):
            parts.append(f"{self.responses_sent} responses sent, {len(self.responses)} not taken")
        if self.code is not None:
            parts.append(f"{self.code.name} ({self.ended_by})")
            if not self.handler_returned():
                parts.append("handler still running")
        elif self.task is not None and not self.task.done():
            parts.append("handler running")
        return " ".join(parts)


class _ServerRpcBase:
    """Shared by the four shapes; each public class picks its methods."""

    def __init__(self, exchange: ServerExchange) -> None:
        self._x = exchange

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._x.describe()}>"

    def _what(self, method: str) -> str:
        return f"{method}() on {self._x.path}"

    def _bound(self, timeout: float | None, method: str) -> float:
        return _common.wait_bound(timeout, self._what(method), self._x.loop_deadline)

    async def initial_metadata(self, *, timeout: float | None = None) -> MetadataTuple:
        x = self._x

        def explain(seconds: float) -> str:
            return (
                f"{self._what('initial_metadata')} timed out after {seconds:g} s: the handler "
                f"sent no metadata, no response and did not end ({x.describe()})"
            )

        await _common.wait_until(
            x.test_waiters,
            lambda: x.initial_metadata is not None,
            self._bound(timeout, "initial_metadata"),
            explain,
        )
        return x.initial_metadata or ()

    def cancel(self) -> None:
        self._x.interrupt(grpc.StatusCode.CANCELLED, CANCELLED_DETAILS, BY_CANCEL)

    async def _terminated(self, timeout: float | None) -> None:
        x = self._x

        def ready() -> bool:
            return x.code is not None and x.handler_returned()

        def explain(seconds: float) -> str:
            if x.code is not None:
                return (
                    f"{self._what('termination')} timed out after {seconds:g} s: the RPC "
                    f"ended with {x.code.name} but its handler is still running (a plain "
                    f"function run in a worker thread cannot be cancelled) ({x.describe()})"
                )
            return (
                f"{self._what('termination')} timed out after {seconds:g} s: the handler has "
                f"not ended the RPC ({x.describe()})"
            )

        await _common.wait_until(
            x.test_waiters, ready, self._bound(timeout, "termination"), explain
        )


class _Responses(_ServerRpcBase):
    async def take_response(self, *, timeout: float | None = None) -> Any:
        x = self._x

        def explain(seconds: float) -> str:
            return (
                f"{self._what('take_response')} timed out after {seconds:g} s: the handler "
                f"sent no further response and did not end ({x.describe()})"
            )

        await _common.wait_until(
            x.test_waiters,
            lambda: bool(x.responses) or x.code is not None,
            self._bound(timeout, "take_response"),
            explain,
        )
        if x.responses:
            response = x.responses.popleft()
            x.handler_waiters.wake()  # the flow-control window opened
            return response
        raise RuntimeError(
            f"{self._what('take_response')}: no response to take: the RPC ended with "
            f"{x.code.name if x.code else '?'} ({x.details!r}) after {x.responses_sent} "
            "responses, all already taken"
        )

    async def termination(
        self, *, timeout: float | None = None
    ) -> tuple[MetadataTuple, grpc.StatusCode, str]:
        await self._terminated(timeout)
        x = self._x
        assert x.code is not None
        return x.trailing_metadata, x.code, x.details


class _UnaryResponse(_ServerRpcBase):
    async def termination(
        self, *, timeout: float | None = None
    ) -> tuple[Any, MetadataTuple, grpc.StatusCode, str]:
        await self._terminated(timeout)
        x = self._x
        assert x.code is not None
        return x.response, x.trailing_metadata, x.code, x.details


class _Requests(_ServerRpcBase):
    def send_request(self, request: Any) -> None:
        x = self._x
        what = self._what("send_request")
        _common.check_message(request, x.method.request_class, f"{what}: the request")
        if x.writes_done:
            raise RuntimeError(f"{what}: requests_closed() was already called")
        data = request.SerializeToString()
        if x.code is not None:
            return  # the RPC ended first: a race the test cannot prevent
        if x.wire is not None:
            cast("WiredServerExchange", x).send_request(data)
            return
        x.requests.append(data)
        x.requests_sent += 1
        x.handler_waiters.wake()

    def requests_closed(self) -> None:
        x = self._x
        if not x.writes_done:
            if x.wire is not None:
                cast("WiredServerExchange", x).close_requests()
                return
            x.writes_done = x.half_closed = True
            x.handler_waiters.wake()


class FakeUnaryUnaryServerRpc(_UnaryResponse, UnaryUnaryServerRpc):
    pass


class FakeUnaryStreamServerRpc(_Responses, UnaryStreamServerRpc):
    pass


class FakeStreamUnaryServerRpc(_Requests, _UnaryResponse, StreamUnaryServerRpc):
    pass


class FakeStreamStreamServerRpc(_Requests, _Responses, StreamStreamServerRpc):
    pass
