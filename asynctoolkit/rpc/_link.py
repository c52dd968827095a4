"""One RPC of ``rpc.connect``: the state its client call and its handler share.

A ``Link`` is both ends of the wire at once: the client call objects
(``_calls``) read and change it as they would a channel double's exchange,
and the servicer context and handler runner (``_context``, ``_handlers``) as
they would the server double's (it is their ``HandlerSide``).  Messages cross
it as bytes: the stub's serializer makes a request, the handler's
deserializer reads it, and the other way round for responses.

Flow control: a writer (the client's request stream, the handler's
responses) may run ahead of its reader by ``WINDOW_MESSAGES`` messages or
``WINDOW_BYTES`` bytes, whichever comes first; beyond that it waits, as on
an HTTP/2 stream.  One message larger than the window still goes through.
A message larger than ``MAX_MESSAGE`` ends the RPC with RESOURCE_EXHAUSTED,
as gRPC's default limit on received messages does.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

import grpc
import grpc.aio

from asynctoolkit.rpc import _common
from asynctoolkit.rpc._common import MetadataTuple, Waiters
from asynctoolkit.rpc._contract import Time
from asynctoolkit.rpc._wire import BY_FAULT, Wire

__all__: list[str] = []

#: Messages a writer may send ahead of its reader before it waits.
WINDOW_MESSAGES = 128
#: Bytes a writer may send ahead of its reader before it waits (1 MiB).
WINDOW_BYTES = 1 << 20

#: gRPC's default largest message a channel or server receives (4 MiB).
MAX_MESSAGE = 4 << 20

PEER = "local:asynctoolkit.rpc.connect"
# What a server's context.auth_context() says for an insecure channel.
_INSECURE_AUTH: dict[str, list[bytes]] = {
    "transport_security_type": [b"insecure"],
    "security_level": [b"TSI_SECURITY_NONE"],
}

# Who ended an RPC (``Link.ended_by``).
BY_HANDLER = "ended by its handler"
BY_CANCEL = "cancelled by the client"
BY_DEADLINE = "ended by its deadline"
BY_CLOSE = "cancelled when the channel closed"
BY_CLIENT_ERROR = "failed in the client library"
BY_HANDLER_CANCEL = "cancelled by its handler"
BY_SIZE = "ended by a message over the size limit"
# Endings that interrupt the handler and drop responses the client has not read.
_INTERRUPTING = frozenset({BY_CANCEL, BY_DEADLINE, BY_CLOSE, BY_CLIENT_ERROR, BY_FAULT})
# Endings after which ``context.cancelled()`` is true.
_CANCELLED = _INTERRUPTING | {BY_HANDLER_CANCEL, BY_SIZE}

CANCELLED_DETAILS = "Locally cancelled by application!"
DEADLINE_DETAILS = "Deadline Exceeded"
STREAM_DEADLINE_DETAILS = "Stream removed (Deadline Exceeded)"
CLOSED_DETAILS = CANCELLED_DETAILS  # what grpc.aio says of a call its channel's close() ended
INVALID_METADATA_DETAILS = "Invalid metadata"

# The life of a handler (``Link._handler_state``): its coroutine may end
# before the worker thread that runs a plain function does.
_NOT_STARTED, _RUNNING, _COROUTINE_DONE, _FINISHED = range(4)

# The one-message queue of a direction that carries a single message.
_NO_MESSAGES: deque[Any] = deque(maxlen=0)


class LinkOwner(Protocol):
    """What a link needs from the channel that made it."""

    def handler_coroutine(self, link: Link) -> Any:
        """The coroutine that runs ``link``'s handler (``_handlers.run_rpc``)."""
        ...

    def handler_started(self, link: Link) -> None: ...

    def claim_unstarted(self, link: Link) -> bool:
        """Take the unstarted ``link`` off the channel's list of handlers to start; False
        if its handler started already (or will not)."""
        ...

    def handler_finished(self, link: Link) -> None: ...

    def track(self, task: asyncio.Task[Any]) -> None:
        """Keep ``task`` (of this RPC) until it is done; the channel's close waits for it."""
        ...

    def forget(self, link: Link) -> None:
        """Called once when ``link`` ends."""
        ...


def _on_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:  # no loop runs in this thread
        return False


def message_size(data: Any) -> int:
    """The bytes a message counts for (a serializer makes bytes; the hot paths test
    ``type(data) is bytes`` themselves first)."""
    return len(data) if type(data) is bytes or isinstance(data, bytearray) else 0


class Link:
    """One RPC between a client call and its handler (see the module docstring)."""

    peer = PEER
    auth_context = _INSECURE_AUTH  # read only: the context returns a copy

    # Most of the state starts the same for every RPC and changes in few of
    # them: its initial values are class attributes (an RPC starts faster),
    # an instance gets its own when one is set.
    call: Any = None
    deadline: float | None = None
    deadline_handle: asyncio.TimerHandle | None = None
    # Client to handler: the request, or the stream of them not read yet.
    request: Any = None
    request_bytes = 0
    requests_sent = 0
    request_reader: asyncio.Task[None] | None = None
    # Handler to client: the response, or the stream of them not read yet.
    response: Any = None
    response_bytes = 0
    responses_sent = 0
    initial_metadata: MetadataTuple | None = None
    # What one side sent that the other may not have received yet (only in an
    # explored run, ``_wired.WiredLink``, are they ever apart): the client
    # closed its requests (``half_closed``: the handler sees it), the handler
    # sent its initial metadata.
    writes_done = False
    headers_sent = False
    wire: Wire | None = None  # what the messages travel on, in an explored run
    # What the handler set through its context; becomes the status.
    set_code: grpc.StatusCode | None = None
    set_details: str | None = None
    set_trailing: MetadataTuple = ()
    aborted = False
    # The final status; ``code`` is None while the RPC runs.  The client sees
    # it after the responses sent before it (``finished``).
    code: grpc.StatusCode | None = None
    details = ""
    trailing_metadata: MetadataTuple = ()
    ended_by: str | None = None
    # Callbacks of the call (client) and of the context (handler): () until
    # one is added, None once run.
    client_callbacks: list[Callable[[], None]] | tuple[()] | None = ()
    handler_callbacks: list[Callable[[], None]] | tuple[()] | None = ()
    # Where the handler runs.  A unary-unary RPC is ``unstarted`` until the
    # caller awaits it, which runs it inline in the caller's task
    # (``_inline``), or else the next turn of the loop starts it in a task
    # (the channel's list of unstarted RPCs); other shapes start in a task of
    # their own at once.  A plain function runs in a worker thread.
    unstarted = False
    task: asyncio.Task[Any] | None = None
    worker: Any = None
    inline_task: asyncio.Task[Any] | None = None
    inline_waiter: Any = None
    stop_inline = False
    _handler_state = _NOT_STARTED

    def __init__(
        self,
        owner: LinkOwner,
        loop: asyncio.AbstractEventLoop,
        path: str,
        shape: str,
        invocation_metadata: MetadataTuple,
        time: Time,
        request_serializer: Any,
        response_deserializer: Any,
    ) -> None:
        self.channel = owner
        self.loop = loop
        self.path = path
        self.shape = shape
        self.invocation_metadata = invocation_metadata
        self.time = time
        self.serialize_request = request_serializer
        self.deserialize_response = response_deserializer
        stream_request = shape.startswith("stream")
        self.requests: deque[Any] = deque() if stream_request else _NO_MESSAGES
        self.half_closed = self.writes_done = not stream_request
        self.responses: deque[Any] = deque() if shape.endswith("stream") else _NO_MESSAGES
        self.client_waiters = Waiters()
        self.handler_waiters = Waiters()

    # -- status ---------------------------------------------------------------

    def end(
        self, code: grpc.StatusCode, details: str, trailing_metadata: MetadataTuple, by: str
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
        if by in _INTERRUPTING:
            self.responses.clear()
            self.response_bytes = 0
            self._stop_handler()
        elif by is BY_SIZE:  # the responses before the large one still arrive
            self._stop_handler()
        handle = self.deadline_handle
        if handle is not None:
            handle.cancel()
            self.deadline_handle = None
        reader = self.request_reader
        if (
            reader is not None
            and not reader.done()
            and reader is not asyncio.current_task(self.loop)
        ):
            reader.cancel()  # it may be waiting for the iterator: nothing more to send
        self.channel.forget(self)
        self.client_waiters.wake()
        self.handler_waiters.wake()
        self.maybe_finish()
        return True

    def end_from_handler(self) -> None:
        code = self.set_code if self.set_code is not None else grpc.StatusCode.OK
        self.end(code, self.set_details or "", self.set_trailing, BY_HANDLER)

    def _stop_handler(self) -> None:
        """Stop the handler of an RPC that ended from outside it."""
        self.unstarted = False  # it never ran: it will not
        if self.inline_task is not None:
            # It runs in the caller's task: wake that task, which then throws
            # CancelledError into the handler (see ``_inline``).
            self.stop_inline = True
            waiter = self.inline_waiter
            if waiter is not None and not waiter.done():
                waiter.cancel()
        elif self.task is not None and not self.task.done():
            self.task.cancel()

    def expire(self) -> None:
        self.deadline_handle = None
        # As gRPC words it: once the server's headers came, the stream is "removed".
        details = DEADLINE_DETAILS if self.initial_metadata is None else STREAM_DEADLINE_DETAILS
        self.end(grpc.StatusCode.DEADLINE_EXCEEDED, details, (), BY_DEADLINE)

    def cancel(self, details: str = CANCELLED_DETAILS, by: str = BY_CANCEL) -> bool:
        return self.end(grpc.StatusCode.CANCELLED, details, (), by)

    def fail(self, code: grpc.StatusCode, details: str) -> None:
        self.end(code, details, (), BY_CLIENT_ERROR)

    def too_large(self, size: int, receiver: str) -> bool:
        """End the RPC if a message of ``size`` bytes exceeds what ``receiver`` accepts."""
        if size <= MAX_MESSAGE:
            return False
        details = f"{receiver}: Received message larger than max ({size} vs. {MAX_MESSAGE})"
        if receiver == "CLIENT":
            details = f"Stream removed ({details})"
        self.end(grpc.StatusCode.RESOURCE_EXHAUSTED, details, (), BY_SIZE)
        return True

    # -- the client's view (what ``_calls`` uses) -----------------------------

    def finished(self) -> bool:
        """Whether the client sees the RPC as done: status set, every response read."""
        return self.code is not None and not self.responses

    def locally_cancelled(self) -> bool:
        return self.ended_by in (BY_CANCEL, BY_CLOSE)

    def add_done_callback(self, callback: Callable[[], None]) -> bool:
        callbacks = self.client_callbacks
        if callbacks is None:
            return False
        if isinstance(callbacks, tuple):
            self.client_callbacks = [callback]
        else:
            callbacks.append(callback)
        return True

    def maybe_finish(self) -> None:
        """Run the call's done callbacks once the client sees the status."""
        callbacks = self.client_callbacks
        if callbacks is None or not self.finished():
            return
        self.client_callbacks = None
        self._run_callbacks(callbacks, "done callback")

    def error(self) -> grpc.aio.AioRpcError:
        code = self.code if self.code is not None else grpc.StatusCode.UNKNOWN
        return grpc.aio.AioRpcError(
            code,
            grpc.aio.Metadata(*(self.initial_metadata or ())),
            grpc.aio.Metadata(*self.trailing_metadata),
            self.details,
            f"{code.name}:{self.details}",
        )

    def pop_response(self) -> Any:
        responses = self.responses
        data = responses.popleft()
        self.response_bytes -= len(data) if type(data) is bytes else message_size(data)
        self.handler_waiters.wake()  # the window opened
        if not responses:
            self.maybe_finish()
        return data

    def decode_request(self, data: Any) -> Any:
        return data  # the handler's deserializer reads it

    def window_open(self) -> bool:
        return self.code is not None or (
            len(self.requests) < WINDOW_MESSAGES and self.request_bytes < WINDOW_BYTES
        )

    def add_request(self, data: Any) -> None:
        size = len(data) if type(data) is bytes else message_size(data)
        if size > MAX_MESSAGE and self.too_large(size, "SERVER"):
            return
        self.requests.append(data)
        self.request_bytes += size
        self.requests_sent += 1
        self.handler_waiters.wake()

    def close_requests(self) -> None:
        if not self.writes_done:
            self.writes_done = self.half_closed = True
            self.handler_waiters.wake()

    # -- the handler's view (``_common.HandlerSide``) -------------------------

    def check_metadata(self, value: object, what: str) -> MetadataTuple:
        try:
            return _common.wire_metadata(value, what)
        except ValueError:
            # A real server fails the RPC when it sends such metadata.
            end = (grpc.StatusCode.INTERNAL, INVALID_METADATA_DETAILS, (), BY_HANDLER)
            if _on_loop(self.loop):
                self.end(*end)
            else:  # a plain-function handler, in its worker thread
                with contextlib.suppress(RuntimeError):  # the loop closed: no one to tell
                    self.loop.call_soon_threadsafe(self.end, *end)
            raise

    def take_request(self) -> Any:
        data = self.requests.popleft()
        self.request_bytes -= len(data) if type(data) is bytes else message_size(data)
        self.client_waiters.wake()  # the window opened
        return data

    def response_window_open(self) -> bool:
        return len(self.responses) < WINDOW_MESSAGES and self.response_bytes < WINDOW_BYTES

    def add_response(self, data: Any) -> None:
        size = len(data) if type(data) is bytes else message_size(data)
        if size > MAX_MESSAGE and self.too_large(size, "CLIENT"):
            return
        if self.initial_metadata is None:
            self.initial_metadata = ()
        self.responses.append(data)
        self.response_bytes += size
        self.responses_sent += 1
        self.client_waiters.wake()

    def set_response(self, data: Any) -> None:
        size = len(data) if type(data) is bytes else message_size(data)
        if size <= MAX_MESSAGE or not self.too_large(size, "CLIENT"):
            self.response = data

    def send_initial_metadata(self, pairs: MetadataTuple) -> None:
        self.initial_metadata = pairs
        self.client_waiters.wake()

    def add_handler_callback(self, callback: Callable[[], Any]) -> bool:
        callbacks = self.handler_callbacks
        if callbacks is None:
            return False
        if isinstance(callbacks, tuple):
            self.handler_callbacks = [callback]
        else:
            callbacks.append(callback)
        return True

    def handler_interrupted(self) -> bool:
        return self.ended_by in _CANCELLED

    def on_abort(self) -> None:
        self.end_from_handler()  # as grpc.aio: abort sends the status at once

    def cancel_from_handler(self) -> None:
        self.end(grpc.StatusCode.CANCELLED, "Cancelled by the handler", (), BY_HANDLER_CANCEL)

    def handler_cancelled(self) -> None:
        """CancelledError escaped the handler (``run_rpc``'s ``on_cancelled``)."""
        if self.inline_task is None and self.code is None:
            self.cancelled_itself()

    def cancelled_itself(self) -> None:
        """The handler raised CancelledError though nothing cancelled it."""
        self.end(grpc.StatusCode.CANCELLED, "Handler task cancelled", (), BY_HANDLER_CANCEL)

    # -- the handler's life -----------------------------------------------------

    def start_handler(self) -> None:
        """Run the handler in a task of its own."""
        self.unstarted = False
        if self.code is not None:
            return
        coroutine = self.begin_handler()
        # The handler starts from an empty context, as on grpc.aio.
        self.task = task = contextvars.Context().run(
            self.loop.create_task, coroutine, name=f"rpc.connect handler {self.path}"
        )
        # A task cancelled before its first step never runs its coroutine.
        task.add_done_callback(lambda _: self.handler_done())
        self.channel.track(task)

    def begin_handler(self) -> Any:
        """The coroutine running the handler, counted as running from now on."""
        self._handler_state = _RUNNING
        self.channel.handler_started(self)
        return self.channel.handler_coroutine(self)

    def handler_done(self) -> None:
        if self._handler_state == _RUNNING:
            self._handler_state = _COROUTINE_DONE
        worker = self.worker
        if worker is None or worker.done():
            self._handler_finished()

    def worker_stopped(self) -> None:
        if self._handler_state == _COROUTINE_DONE:
            self._handler_finished()

    def _handler_finished(self) -> None:
        if self._handler_state == _FINISHED:
            return
        self._handler_state = _FINISHED
        callbacks = self.handler_callbacks
        self.handler_callbacks = None
        if callbacks:
            self._run_callbacks(callbacks, "servicer context done callback")
        self.channel.handler_finished(self)

    def handler_running(self) -> bool:
        return self._handler_state in (_RUNNING, _COROUTINE_DONE)

    def _run_callbacks(self, callbacks: list[Callable[[], None]] | tuple[()], what: str) -> None:
        for callback in callbacks:
            try:
                callback()
            except Exception as error:  # a callback's bug must not stop the others
                self.loop.call_exception_handler(
                    {"message": f"{what} of RPC {self.path} raised", "exception": error}
                )

    # -- description ------------------------------------------------------------

    def describe(self) -> str:
        parts = [self.path]
        if self.shape.startswith("stream"):
            closed = ", closed" if self.half_closed else ""
            parts.append(f"{self.requests_sent} requests sent{closed}")
        if self.shape.endswith("stream"):
            parts.append(f"{self.responses_sent} responses sent")
        if self.code is not None:
            parts.append(f"{self.code.name} ({self.ended_by})")
        elif self.deadline is not None:
            parts.append(f"deadline at {self.deadline:g}")
        if self.handler_running():
            parts.append("handler running")
        return " ".join(parts)
