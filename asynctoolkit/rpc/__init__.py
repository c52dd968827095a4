"""Pure-asyncio doubles of a ``grpc.aio`` channel and server.

This module is the whole public contract: the abstract classes below say what
each double does, and the factory functions at the end build them.

* ``channel(...)`` gives a ``grpc.aio.Channel`` that generated ``*Stub`` classes
  accept unchanged.  The code under test makes RPCs on it; the test *plays
  server*: ``await channel.take_unary_unary(method)`` draws an RPC, and the rpc
  object it returns sends metadata, responses and the final status.
* ``server_from_dictionary(...)`` runs servicer objects (the ``*Servicer``
  subclasses of generated code); the test *plays client* through the rpc
  objects ``invoke_*`` return.
* ``Time`` is the clock deadlines run on.  ``time=None`` (the default
  everywhere) is the running loop's clock, so a virtual-clock loop drives every
  deadline; ``strict_fake_time`` and ``strict_real_time`` mirror grpc_testing.
* ``serve(...)`` starts a real in-process ``grpc.aio`` server, for integration
  tests next to the doubles (real time only).

Everything that waits is bounded: by the ``timeout`` given, else by
``DEFAULT_TIMEOUT`` seconds of the loop's clock, extended to the RPC's own
deadline when it runs on that clock and ends later.  A wait that runs out
raises ``TimeoutError`` naming what was awaited and what was pending instead.

Needs ``grpcio`` and ``protobuf``: ``pip install asynctoolkit[grpc]``.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

try:
    import grpc
    import grpc.aio
    from google.protobuf import descriptor as _descriptor
except ImportError as _error:  # pragma: no cover - exercised without grpcio
    raise ImportError(
        "asynctoolkit.rpc needs grpcio and protobuf; install asynctoolkit[grpc] "
        f"(pip install 'asynctoolkit[grpc]'). Import failed with: {_error}"
    ) from _error

__all__ = [
    "DEFAULT_TIMEOUT",
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
    "channel",
    "serve",
    "server_from_dictionary",
    "strict_fake_time",
    "strict_real_time",
]

#: Seconds (of the running loop's clock) a wait lasts when no timeout is given.
DEFAULT_TIMEOUT = 10.0

#: Metadata as the doubles accept it: a sequence of ``(key, value)`` pairs.
#: Keys are lowercase ASCII; values are ``str``, or ``bytes`` for keys ending
#: in ``-bin``.
Metadata = Sequence[tuple[str, "str | bytes"]]

_MethodDescriptor = _descriptor.MethodDescriptor
_ServiceDescriptor = _descriptor.ServiceDescriptor


# ---------------------------------------------------------------------------
# Time


class Scheduled(abc.ABC):
    """A behaviour registered with ``Time.call_in`` or ``Time.call_at``."""

    @abc.abstractmethod
    def when(self) -> float:
        """The test time at which the behaviour is (or was) due."""

    @abc.abstractmethod
    def cancel(self) -> bool:
        """Prevents the behaviour from running; False if it ran or was cancelled."""

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
        """Calls ``behavior()`` once ``delay`` seconds of test time have passed."""

    @abc.abstractmethod
    def call_at(self, behavior: Callable[[], Any], when: float) -> Scheduled:
        """Calls ``behavior()`` when the test time reaches ``when``."""

    @abc.abstractmethod
    async def sleep_for(self, duration: float) -> None:
        """Returns once ``duration`` seconds of test time have passed.

        On fake time this is what moves the time forward, running each due
        behaviour at its own due time, in order.
        """

    @abc.abstractmethod
    async def sleep_until(self, when: float) -> None:
        """Returns once the test time has reached ``when`` (see ``sleep_for``)."""


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


# ---------------------------------------------------------------------------
# Factories


def channel(
    service_descriptors: Iterable[_ServiceDescriptor],
    time: Time | None = None,
    *,
    interceptors: Sequence[grpc.aio.ClientInterceptor] = (),
) -> Channel:
    """A channel double for the RPCs of ``service_descriptors``.

    ``time`` runs the deadlines (None: the running loop's clock).
    ``interceptors`` are ``grpc.aio`` client interceptors, run as a real
    channel runs them.  Requests go through the stub's serializer and
    responses through its deserializer, as on the wire: a request that does
    not serialize ends its RPC with INTERNAL.  An RPC of a method not in
    ``service_descriptors`` ends with UNIMPLEMENTED.  The code under test may
    send up to 128 requests ahead of the test taking them; then ``write``
    waits, like flow control on a real channel.
    """
    from asynctoolkit.rpc._channel import make_channel

    return make_channel(service_descriptors, time, interceptors)


def server_from_dictionary(
    descriptors_to_servicers: Mapping[_ServiceDescriptor, object],
    time: Time | None = None,
    *,
    interceptors: Sequence[grpc.aio.ServerInterceptor] = (),
) -> Server:
    """A server double running each servicer for its service descriptor.

    Handlers may be ``async def`` methods, async generators, plain functions or
    generators.  Plain functions and generators taking a request *stream* run
    in a worker thread (they block on their request iterator), as grpc.aio runs
    them; every other handler runs on the loop, so virtual time drives it.
    Requests and responses pass through the handlers' (de)serializers, so a
    response mutated after it was sent is seen as it was when sent.
    ``interceptors`` are ``grpc.aio`` server interceptors.
    """
    from asynctoolkit.rpc._server import make_server

    return make_server(descriptors_to_servicers, time, interceptors)


def strict_fake_time(now: float) -> Time:
    """A ``Time`` reading ``now`` that moves only when ``sleep_for``/``sleep_until`` are awaited."""
    from asynctoolkit.rpc._time import StrictFakeTime

    return StrictFakeTime(now)


def strict_real_time() -> Time:
    """A ``Time`` reading ``time.time()``, held back until due behaviours ran."""
    from asynctoolkit.rpc._time import StrictRealTime

    return StrictRealTime()


def serve(
    descriptors_to_servicers: Mapping[_ServiceDescriptor, object],
    *,
    interceptors: Sequence[grpc.aio.ServerInterceptor] = (),
) -> AbstractAsyncContextManager[grpc.aio.Channel]:
    """``async with serve({...}) as channel``: a real ``grpc.aio`` server and channel.

    The server listens on 127.0.0.1 on a free port and runs the servicers as
    ``server_from_dictionary`` would; the channel is a real one connected to
    it.  For integration tests next to the doubles: this runs on real time
    (gRPC's own threads and clock), so a virtual-clock loop cannot drive it.
    grpc.aio keeps a reader of its own on the loop while any of its objects
    lives; the TestCase check of leftover selector callbacks collects garbage
    before it reports, so that reader goes away with the channel.
    """
    from asynctoolkit.rpc._serve import serve as _serve

    return _serve(descriptors_to_servicers, interceptors)
