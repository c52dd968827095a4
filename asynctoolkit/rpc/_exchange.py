"""The state of one RPC on the channel double, shared by both of its ends.

The code under test holds a call object (``_calls``) and the test holds a
channel rpc object (``_channel_rpc``); both read and change one ``Exchange``.
Requests travel as the stub serialized them and are decoded with the method's
request class; responses are serialized when the test sends them (which checks
their type and freezes their content) and decoded with the stub's deserializer
when the code under test reads them.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

import grpc
import grpc.aio

from asynctoolkit.rpc._common import MetadataTuple, Method, Waiters
from asynctoolkit.rpc._contract import Scheduled, Time

if TYPE_CHECKING:
    from asynctoolkit.rpc._wire import Wire

__all__: list[str] = []

# How many requests the code under test may send ahead of the test taking
# them; beyond it ``write`` waits, as HTTP/2 flow control would make it.
REQUEST_WINDOW = 128

# Who ended an RPC (``Exchange.ended_by``).
BY_TEST = "terminated by the test"
BY_CANCEL = "cancelled by the code under test"
BY_DEADLINE = "ended by its deadline"
BY_CLOSE = "cancelled when the channel closed"
BY_CLIENT_ERROR = "failed in the client library"

CANCELLED_DETAILS = "Locally cancelled by application!"

# The message queue of a direction that carries one message (kept elsewhere):
# empty, and with maxlen 0 anything appended by mistake is dropped.
_NO_MESSAGES: deque[Any] = deque(maxlen=0)
DEADLINE_DETAILS = "Deadline Exceeded"


class ChannelCore(Protocol):
    """What an RPC and the interceptor chain need from the channel that runs them.

    The channel double implements it; the modules below the channel depend on
    this instead of on the channel, as grpc_testing's ``_common.ChannelHandler``.
    """

    def get_state(self, try_to_connect: bool = False) -> grpc.ChannelConnectivity:
        """``SHUTDOWN`` once the channel is closed (``grpc.aio.Channel.get_state``)."""
        ...

    def start(
        self,
        path: str,
        shape: str,
        request: Any,
        timeout: Any,
        metadata: Any,
        request_serializer: Any,
        response_deserializer: Any,
    ) -> Any:
        """Start one RPC and return the call object the code under test gets.

        ``timeout`` and ``metadata`` are as the caller (or the last client
        interceptor) gave them: the channel checks them.
        """
        ...

    def forget(self, exchange: Exchange) -> None:
        """Called once when ``exchange`` ends."""
        ...


class Exchange:
    """One RPC between the code under test (client) and the test (server)."""

    __slots__ = (
        "call",
        "channel",
        "client_waiters",
        "code",
        "deadline",
        "deadline_handle",
        "deserialize_response",
        "details",
        "done_callbacks",
        "ended_by",
        "half_closed",
        "headers_sent",
        "initial_metadata",
        "invocation_metadata",
        "loop",
        "loop_deadline",
        "method",
        "path",
        "request",
        "request_reader",
        "requests",
        "requests_sent",
        "requests_taken",
        "response",
        "responses",
        "responses_sent",
        "serialize_request",
        "shape",
        "taken",
        "test_waiters",
        "time",
        "trailing_metadata",
        "wire",
        "writes_done",
    )

    def __init__(
        self,
        channel: ChannelCore,
        loop: asyncio.AbstractEventLoop,
        path: str,
        shape: str,
        method: Method | None,
        invocation_metadata: MetadataTuple,
        time: Time,
        request_serializer: Callable[[Any], Any] | None,
        response_deserializer: Callable[[Any], Any] | None,
    ) -> None:
        self.channel = channel
        self.loop = loop
        self.path = path
        self.shape = shape
        self.method = method
        self.invocation_metadata = invocation_metadata
        self.time = time
        self.serialize_request = request_serializer
        self.deserialize_response = response_deserializer
        self.call: Any = None
        self.deadline: float | None = None
        self.loop_deadline: float | None = None  # the deadline, if on the loop clock
        self.deadline_handle: Scheduled | None = None
        # Requests sent and not yet taken by the test, already decoded.
        self.request: Any = None
        self.requests: deque[Any] = deque() if shape.startswith("stream") else _NO_MESSAGES
        self.requests_sent = 0
        self.requests_taken = 0
        # ``writes_done``: the code under test closed its request stream;
        # ``half_closed``: the test sees it closed (later, in an explored run).
        self.writes_done = False
        self.half_closed = False
        # The task reading the code under test's request iterator, if any; the
        # double owns it, so it ends when the RPC ends, however it ends.
        self.request_reader: asyncio.Task[None] | None = None
        # Responses sent by the test and not yet read, serialized.
        self.responses: deque[Any] = deque() if shape.endswith("stream") else _NO_MESSAGES
        self.responses_sent = 0
        self.initial_metadata: MetadataTuple | None = None
        # The status: ``code`` is None while the RPC is active.  When the test
        # ended it, the code under test sees it only after reading the
        # responses sent before (as gRPC delivers the status last).
        self.code: grpc.StatusCode | None = None
        self.details = ""
        self.trailing_metadata: MetadataTuple = ()
        self.response: Any = None
        self.ended_by: str | None = None
        self.taken = False
        self.client_waiters = Waiters()
        self.test_waiters = Waiters()
        # Callbacks to run when done: () until one is added, None once run.
        self.done_callbacks: list[Callable[[], None]] | tuple[()] | None = ()
        # In an explored run, the wire messages travel on (``_wired.WiredExchange``
        # then), and whether the test's initial metadata is on its way.
        self.wire: Wire | None = None
        self.headers_sent = False

    # -- status -------------------------------------------------------------

    def end(
        self,
        code: grpc.StatusCode,
        details: str,
        trailing_metadata: MetadataTuple,
        by: str,
    ) -> bool:
        """Set the final status once; False if the RPC had already ended."""
        if self.code is not None:
            return False
        self.code = code
        self.details = details
        self.trailing_metadata = trailing_metadata
        self.ended_by = by
        if self.initial_metadata is None:
            self.initial_metadata = ()
        if by != BY_TEST and self.responses:
            self.responses.clear()
        if self.deadline_handle is not None:
            self.deadline_handle.cancel()
            self.deadline_handle = None
        reader = self.request_reader
        if reader is not None and reader is not asyncio.current_task(self.loop):
            reader.cancel()  # it may be waiting for the iterator: nothing more to send
        self.channel.forget(self)
        self.client_waiters.wake()
        self.test_waiters.wake()
        self.maybe_finish()
        return True

    def finished(self) -> bool:
        """Whether the code under test sees the RPC as done (status delivered)."""
        return self.code is not None and not self.responses

    def add_done_callback(self, callback: Callable[[], None]) -> bool:
        """Register ``callback`` for when the RPC is done; False if it already is."""
        callbacks = self.done_callbacks
        if callbacks is None:
            return False
        if isinstance(callbacks, tuple):
            self.done_callbacks = [callback]
        else:
            callbacks.append(callback)
        return True

    def maybe_finish(self) -> None:
        """Run the done callbacks once the status is visible to the client."""
        callbacks = self.done_callbacks
        if callbacks is None or not self.finished():
            return
        self.done_callbacks = None
        for callback in callbacks:
            try:
                callback()
            except Exception as error:  # a callback's bug must not stop the others
                self.loop.call_exception_handler(
                    {"message": f"done callback of RPC {self.path} raised", "exception": error}
                )

    def locally_cancelled(self) -> bool:
        """Whether the code under test cancelled the RPC (or closed its channel)."""
        return self.ended_by in (BY_CANCEL, BY_CLOSE)

    def pop_response(self) -> Any:
        """The oldest response not read yet (the caller checked there is one)."""
        responses = self.responses
        data = responses.popleft()
        if not responses:
            self.maybe_finish()
        return data

    def cancel(self, details: str = CANCELLED_DETAILS, by: str = BY_CANCEL) -> bool:
        return self.end(grpc.StatusCode.CANCELLED, details, (), by)

    def expire(self) -> None:
        self.deadline_handle = None
        self.end(grpc.StatusCode.DEADLINE_EXCEEDED, DEADLINE_DETAILS, (), BY_DEADLINE)

    def fail(self, code: grpc.StatusCode, details: str) -> None:
        self.end(code, details, (), BY_CLIENT_ERROR)

    def error(self) -> grpc.aio.AioRpcError:
        """The exception the code under test gets for a non-OK status."""
        code = self.code if self.code is not None else grpc.StatusCode.UNKNOWN
        return grpc.aio.AioRpcError(
            code,
            grpc.aio.Metadata(*(self.initial_metadata or ())),
            grpc.aio.Metadata(*self.trailing_metadata),
            self.details,
            f"{code.name}:{self.details}",
        )

    # -- requests ------------------------------------------------------------

    def add_request(self, request: Any) -> None:
        self.requests.append(request)
        self.requests_sent += 1
        self.test_waiters.wake()

    def close_requests(self) -> None:
        if not self.writes_done:
            self.writes_done = self.half_closed = True
            self.test_waiters.wake()

    def window_open(self) -> bool:
        return self.code is not None or len(self.requests) < REQUEST_WINDOW

    def decode_request(self, data: Any) -> Any:
        if self.method is not None and isinstance(data, bytes):
            return self.method.deserialize_request(data)
        return data

    # -- description ---------------------------------------------------------

    def describe(self) -> str:
        parts = [self.path]
        if self.invocation_metadata:
            parts.append(f"metadata={list(self.invocation_metadata)!r}")
        if self.shape.startswith("stream"):
            closed = ", closed" if self.half_closed else ""
            parts.append(f"{self.requests_sent} requests sent, {self.requests_taken} taken{closed}")
        if self.code is not None:
            parts.append(f"{self.code.name} ({self.ended_by})")
        elif self.deadline is not None:
            parts.append(f"deadline at {self.deadline:g}")
        return " ".join(parts)
