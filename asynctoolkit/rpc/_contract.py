"""The interfaces of the rpc doubles: what each object the factories return does.

``asynctoolkit.rpc`` re-exports every name here; users never import this
module.  It sits at the bottom of the package (it imports nothing from it),
so the implementations subclass these classes without importing the public
face, as grpc_testing's private packages build on its ``__init__``'s classes.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Sequence
from typing import Any

import grpc
import grpc.aio
from google.protobuf import descriptor as _descriptor

__all__ = [
    "Channel",
    "Metadata",
    "Scheduled",
    "Server",
    "StreamStreamChannelRpc",
    "StreamStreamServerRpc",
    "StreamUnaryChannelRpc",
    "StreamUnaryServerRpc",
    "Time",
    "UnaryStreamChannelRpc",
    "UnaryStreamServerRpc",
    "UnaryUnaryChannelRpc",
    "UnaryUnaryServerRpc",
]

# Metadata as the doubles accept it (documented where ``asynctoolkit.rpc`` exports it).
Metadata = Sequence[tuple[str, "str | bytes"]]

_MethodDescriptor = _descriptor.MethodDescriptor


# ---------------------------------------------------------------------------
# Time


class Scheduled(abc.ABC):
    """A behaviour registered with ``Time.call_in`` or ``Time.call_at``."""

    @abc.abstractmethod
    def when(self) -> float:
        """The test time at which the behaviour is (or was) due."""

    @abc.abstractmethod
    def cancel(self) -> bool:
        """Prevents the behaviour from running.

        Returns True if it will never run (cancelled now or before), False if
        it already ran, as grpc_testing's ``Time`` futures do.
        """

    @abc.abstractmethod
    def cancelled(self) -> bool:
        """Whether ``cancel()`` prevented the behaviour from running."""


class Time(abc.ABC):
    """The clock RPC deadlines run on.

    ``time=None`` in the factories means the running loop's clock; pass
    ``strict_fake_time(now)`` to move time only by hand, or
    ``strict_real_time()`` for the interpreter's wall clock.
    """

    @abc.abstractmethod
    def time(self) -> float:
        """The current test time, in seconds."""

    @abc.abstractmethod
    def call_in(self, behavior: Callable[[], Any], delay: float) -> Scheduled:
        """Calls ``behavior()`` once ``delay`` seconds of test time have passed.

        A ``delay`` of zero or less calls it at once, before ``call_in`` returns.
        """

    @abc.abstractmethod
    def call_at(self, behavior: Callable[[], Any], when: float) -> Scheduled:
        """Calls ``behavior()`` when the test time reaches ``when``.

        A time already reached calls it at once, before ``call_at`` returns.
        """

    @abc.abstractmethod
    async def sleep_for(self, duration: float) -> None:
        """Returns once ``duration`` seconds of test time have passed.

        On fake time this is what moves the time forward, running each due
        behaviour at its own due time, in order.  A ``duration`` of zero or
        less returns at once.
        """

    @abc.abstractmethod
    async def sleep_until(self, when: float) -> None:
        """Returns once the test time has reached ``when`` (see ``sleep_for``).

        A time already reached returns at once; the time never goes backwards.
        """


# ---------------------------------------------------------------------------
# Channel side: the code under test is the client, the test plays server.


class UnaryUnaryChannelRpc(abc.ABC):
    """A unary-unary RPC the code under test made; the test answers it."""

    @abc.abstractmethod
    def send_initial_metadata(self, initial_metadata: Metadata) -> None:
        """Sends the initial metadata (once, before the status)."""

    @abc.abstractmethod
    def terminate(
        self,
        response: Any,
        trailing_metadata: Metadata,
        code: grpc.StatusCode,
        details: str,
    ) -> None:
        """Ends the RPC: the response (ignored unless ``code`` is OK) and the status.

        The code under test then gets the response, or ``AioRpcError`` for a
        non-OK code.  Ending an RPC the client already ended (cancel or
        deadline) does nothing; terminating twice raises ``RuntimeError``.
        """

    @abc.abstractmethod
    async def cancelled(self, *, timeout: float | None = None) -> None:
        """Returns once the client side ended the RPC (cancel, deadline, closed channel)."""


class UnaryStreamChannelRpc(abc.ABC):
    """A unary-stream RPC the code under test made; the test answers it."""

    @abc.abstractmethod
    def send_initial_metadata(self, initial_metadata: Metadata) -> None:
        """Sends the initial metadata (once, before any response)."""

    @abc.abstractmethod
    def send_response(self, response: Any) -> None:
        """Sends one response message to the code under test."""

    @abc.abstractmethod
    def terminate(self, trailing_metadata: Metadata, code: grpc.StatusCode, details: str) -> None:
        """Ends the response stream with a status (see ``UnaryUnaryChannelRpc.terminate``)."""

    @abc.abstractmethod
    async def cancelled(self, *, timeout: float | None = None) -> None:
        """Returns once the client side ended the RPC (cancel, deadline, closed channel)."""


class StreamUnaryChannelRpc(abc.ABC):
    """A stream-unary RPC the code under test made; the test answers it."""

    @abc.abstractmethod
    def send_initial_metadata(self, initial_metadata: Metadata) -> None:
        """Sends the initial metadata (once, before the status)."""

    @abc.abstractmethod
    async def take_request(self, *, timeout: float | None = None) -> Any:
        """Returns the next request the code under test sent, waiting for it.

        Raises ``RuntimeError`` if the request stream was closed (or the RPC
        ended) with no request left to take.
        """

    @abc.abstractmethod
    async def requests_closed(self, *, timeout: float | None = None) -> None:
        """Returns once the code under test closed its request stream."""

    @abc.abstractmethod
    def terminate(
        self,
        response: Any,
        trailing_metadata: Metadata,
        code: grpc.StatusCode,
        details: str,
    ) -> None:
        """Ends the RPC (see ``UnaryUnaryChannelRpc.terminate``)."""

    @abc.abstractmethod
    async def cancelled(self, *, timeout: float | None = None) -> None:
        """Returns once the client side ended the RPC (cancel, deadline, closed channel)."""


class StreamStreamChannelRpc(abc.ABC):
    """A stream-stream RPC the code under test made; the test answers it."""

    @abc.abstractmethod
    def send_initial_metadata(self, initial_metadata: Metadata) -> None:
        """Sends the initial metadata (once, before any response)."""

    @abc.abstractmethod
    async def take_request(self, *, timeout: float | None = None) -> Any:
        """Returns the next request (see ``StreamUnaryChannelRpc.take_request``)."""

    @abc.abstractmethod
    async def requests_closed(self, *, timeout: float | None = None) -> None:
        """Returns once the code under test closed its request stream."""

    @abc.abstractmethod
    def send_response(self, response: Any) -> None:
        """Sends one response message to the code under test."""

    @abc.abstractmethod
    def terminate(self, trailing_metadata: Metadata, code: grpc.StatusCode, details: str) -> None:
        """Ends the response stream with a status (see ``UnaryUnaryChannelRpc.terminate``)."""

    @abc.abstractmethod
    async def cancelled(self, *, timeout: float | None = None) -> None:
        """Returns once the client side ended the RPC (cancel, deadline, closed channel)."""


class Channel(grpc.aio.Channel):  # type: ignore[misc]
    """A ``grpc.aio.Channel`` double: pass it to a generated ``*Stub``.

    Each ``take_*`` draws the oldest RPC of that method the code under test
    started and has not been taken yet, waiting for one if there is none.
    """

    @abc.abstractmethod
    async def take_unary_unary(
        self, method_descriptor: _MethodDescriptor, *, timeout: float | None = None
    ) -> tuple[Metadata, Any, UnaryUnaryChannelRpc]:
        """Returns ``(invocation_metadata, request, rpc)`` of a unary-unary RPC."""

    @abc.abstractmethod
    async def take_unary_stream(
        self, method_descriptor: _MethodDescriptor, *, timeout: float | None = None
    ) -> tuple[Metadata, Any, UnaryStreamChannelRpc]:
        """Returns ``(invocation_metadata, request, rpc)`` of a unary-stream RPC."""

    @abc.abstractmethod
    async def take_stream_unary(
        self, method_descriptor: _MethodDescriptor, *, timeout: float | None = None
    ) -> tuple[Metadata, StreamUnaryChannelRpc]:
        """Returns ``(invocation_metadata, rpc)`` of a stream-unary RPC."""

    @abc.abstractmethod
    async def take_stream_stream(
        self, method_descriptor: _MethodDescriptor, *, timeout: float | None = None
    ) -> tuple[Metadata, StreamStreamChannelRpc]:
        """Returns ``(invocation_metadata, rpc)`` of a stream-stream RPC."""


# ---------------------------------------------------------------------------
# Server side: the code under test is the servicer, the test plays client.


class UnaryUnaryServerRpc(abc.ABC):
    """A unary-unary RPC the test made to the servicer under test."""

    @abc.abstractmethod
    async def initial_metadata(self, *, timeout: float | None = None) -> Metadata:
        """The initial metadata the servicer sent (empty if it sent none before ending)."""

    @abc.abstractmethod
    def cancel(self) -> None:
        """Cancels the RPC as a client would: the handler is cancelled, the code is CANCELLED."""

    @abc.abstractmethod
    async def termination(
        self, *, timeout: float | None = None
    ) -> tuple[Any, Metadata, grpc.StatusCode, str]:
        """Returns ``(response, trailing_metadata, code, details)`` once the RPC ended."""


class UnaryStreamServerRpc(abc.ABC):
    """A unary-stream RPC the test made to the servicer under test."""

    @abc.abstractmethod
    async def initial_metadata(self, *, timeout: float | None = None) -> Metadata:
        """The initial metadata the servicer sent (empty if it sent none before ending)."""

    @abc.abstractmethod
    async def take_response(self, *, timeout: float | None = None) -> Any:
        """Returns the next response, waiting for it.

        Raises ``RuntimeError`` if the RPC ended with no response left to take.
        """

    @abc.abstractmethod
    def cancel(self) -> None:
        """Cancels the RPC as a client would: the handler is cancelled, the code is CANCELLED."""

    @abc.abstractmethod
    async def termination(
        self, *, timeout: float | None = None
    ) -> tuple[Metadata, grpc.StatusCode, str]:
        """Returns ``(trailing_metadata, code, details)`` once the RPC ended."""


class StreamUnaryServerRpc(abc.ABC):
    """A stream-unary RPC the test made to the servicer under test."""

    @abc.abstractmethod
    async def initial_metadata(self, *, timeout: float | None = None) -> Metadata:
        """The initial metadata the servicer sent (empty if it sent none before ending)."""

    @abc.abstractmethod
    def send_request(self, request: Any) -> None:
        """Sends one request message to the servicer."""

    @abc.abstractmethod
    def requests_closed(self) -> None:
        """Closes the request stream (the servicer's iterator ends)."""

    @abc.abstractmethod
    def cancel(self) -> None:
        """Cancels the RPC as a client would: the handler is cancelled, the code is CANCELLED."""

    @abc.abstractmethod
    async def termination(
        self, *, timeout: float | None = None
    ) -> tuple[Any, Metadata, grpc.StatusCode, str]:
        """Returns ``(response, trailing_metadata, code, details)`` once the RPC ended."""


class StreamStreamServerRpc(abc.ABC):
    """A stream-stream RPC the test made to the servicer under test."""

    @abc.abstractmethod
    async def initial_metadata(self, *, timeout: float | None = None) -> Metadata:
        """The initial metadata the servicer sent (empty if it sent none before ending)."""

    @abc.abstractmethod
    def send_request(self, request: Any) -> None:
        """Sends one request message to the servicer."""

    @abc.abstractmethod
    def requests_closed(self) -> None:
        """Closes the request stream (the servicer's iterator ends)."""

    @abc.abstractmethod
    async def take_response(self, *, timeout: float | None = None) -> Any:
        """Returns the next response (see ``UnaryStreamServerRpc.take_response``)."""

    @abc.abstractmethod
    def cancel(self) -> None:
        """Cancels the RPC as a client would: the handler is cancelled, the code is CANCELLED."""

    @abc.abstractmethod
    async def termination(
        self, *, timeout: float | None = None
    ) -> tuple[Metadata, grpc.StatusCode, str]:
        """Returns ``(trailing_metadata, code, details)`` once the RPC ended."""


class Server(abc.ABC):
    """Runs servicers under test; each ``invoke_*`` starts one RPC at once.

    Call ``invoke_*`` from a coroutine: the handler runs as a task of the
    running loop.  ``timeout`` is the RPC's deadline in seconds of the
    server's ``Time`` (None: no deadline).
    """

    @abc.abstractmethod
    def invoke_unary_unary(
        self,
        method_descriptor: _MethodDescriptor,
        invocation_metadata: Metadata,
        request: Any,
        timeout: float | None,
    ) -> UnaryUnaryServerRpc:
        """Starts a unary-unary RPC with ``request``."""

    @abc.abstractmethod
    def invoke_unary_stream(
        self,
        method_descriptor: _MethodDescriptor,
        invocation_metadata: Metadata,
        request: Any,
        timeout: float | None,
    ) -> UnaryStreamServerRpc:
        """Starts a unary-stream RPC with ``request``."""

    @abc.abstractmethod
    def invoke_stream_unary(
        self,
        method_descriptor: _MethodDescriptor,
        invocation_metadata: Metadata,
        timeout: float | None,
    ) -> StreamUnaryServerRpc:
        """Starts a stream-unary RPC; send its requests through the rpc object."""

    @abc.abstractmethod
    def invoke_stream_stream(
        self,
        method_descriptor: _MethodDescriptor,
        invocation_metadata: Metadata,
        timeout: float | None,
    ) -> StreamStreamServerRpc:
        """Starts a stream-stream RPC; send its requests through the rpc object."""
