"""Pure-asyncio doubles of a ``grpc.aio`` channel and server.

This module is the whole public contract: the abstract classes it exports
say what each double does (they are defined in the private ``_contract``
module, on which the implementations build), and the factory functions
below build the doubles; users never name an implementation class.

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
* ``connect(...)`` gives a ``grpc.aio.Channel`` wired in memory to real
  servicers: the code under test and the servicer both run, on the loop's
  clock.  The fastest way to test a client and its servicer together.
* ``serve(...)`` starts a real in-process ``grpc.aio`` server, for integration
  tests next to the doubles (real time only).

Everything that waits is bounded: by the ``timeout`` given, else by
``DEFAULT_TIMEOUT`` seconds of the loop's clock, extended to the RPC's own
deadline when it runs on that clock and ends later.  A wait that runs out
raises ``TimeoutError`` naming what was awaited and what was pending instead.

Needs ``grpcio`` and ``protobuf``: ``pip install asynctoolkit[grpc]``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager

try:
    import grpc
    import grpc.aio
    from google.protobuf import descriptor as _descriptor
except ImportError as _error:  # pragma: no cover - exercised in a subprocess without grpcio
    raise ImportError(
        "asynctoolkit.rpc needs grpcio and protobuf, which are not installed with "
        "asynctoolkit itself: pip install 'asynctoolkit[grpc]' "
        f"(importing them failed with: {_error})"
    ) from _error

from asynctoolkit.rpc import _contract
from asynctoolkit.rpc._channel import make_channel as _make_channel
from asynctoolkit.rpc._connect import Connection as _Connection
from asynctoolkit.rpc._contract import (
    Channel,
    Scheduled,
    Server,
    StreamStreamChannelRpc,
    StreamStreamServerRpc,
    StreamUnaryChannelRpc,
    StreamUnaryServerRpc,
    Time,
    UnaryStreamChannelRpc,
    UnaryStreamServerRpc,
    UnaryUnaryChannelRpc,
    UnaryUnaryServerRpc,
)
from asynctoolkit.rpc._serve import serve as _serve
from asynctoolkit.rpc._server import make_server as _make_server
from asynctoolkit.rpc._time import StrictFakeTime as _StrictFakeTime
from asynctoolkit.rpc._time import StrictRealTime as _StrictRealTime

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
    "connect",
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
Metadata = _contract.Metadata

_ServiceDescriptor = _descriptor.ServiceDescriptor


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
    return _make_channel(service_descriptors, time, interceptors)


def server_from_dictionary(
    descriptors_to_servicers: Mapping[_ServiceDescriptor, object],
    time: Time | None = None,
    *,
    interceptors: Sequence[grpc.aio.ServerInterceptor] = (),
) -> Server:
    """A server double running each servicer for its service descriptor.

    Handlers may be ``async def`` methods, async generators, plain functions or
    generators.  ``async def`` handlers and async generators run on the loop.
    grpc.aio runs every plain function and generator in its thread pool; this
    double runs those taking a request *stream* in a worker thread (they block
    on their request iterator) and those taking one request inline on the
    loop, so virtual time drives them (``connect`` runs them all in threads).
    Requests and responses pass through the handlers' (de)serializers, so a
    response mutated after it was sent is seen as it was when sent.
    ``interceptors`` are ``grpc.aio`` server interceptors.
    """
    return _make_server(descriptors_to_servicers, time, interceptors)


def strict_fake_time(now: float) -> Time:
    """A ``Time`` reading ``now`` that moves only when ``sleep_for``/``sleep_until`` are awaited."""
    return _StrictFakeTime(now)


def strict_real_time() -> Time:
    """A ``Time`` reading ``time.time()``, held back until due behaviours ran."""
    return _StrictRealTime()


def connect(
    descriptors_to_servicers: Mapping[_ServiceDescriptor, object],
    *,
    interceptors: Sequence[grpc.aio.ServerInterceptor] = (),
    client_interceptors: Sequence[grpc.aio.ClientInterceptor] = (),
) -> AbstractAsyncContextManager[grpc.aio.Channel]:
    """``async with connect({SERVICE: servicer}) as channel``: a channel wired to servicers.

    ``channel`` is a ``grpc.aio.Channel`` that generated stubs accept
    unchanged, for the four RPC shapes; each call runs the servicer's handler
    in-process, as a grpc.aio server would: ``async def`` handlers and async
    generators on the loop (a unary-unary one inside the ``await`` of its
    call, without a task), plain functions and generators in a worker thread.

    What crosses is what crosses a wire: messages through the stubs' and
    handlers' real (de)serializers (a message mutated after it was sent
    arrives as it was), metadata checked as grpc.aio checks it, statuses as
    ``AioRpcError`` with grpc.aio's codes and details (UNIMPLEMENTED for a
    method no servicer handles, UNKNOWN for an exception escaping a handler).
    Deadlines run on the loop's clock, so ``advance`` and autojump drive them;
    a cancelled call raises CancelledError in its handler.  A stream's writer
    runs at most 128 messages or 1 MiB ahead of its reader, then waits.

    ``interceptors`` are ``grpc.aio.ServerInterceptor`` and
    ``client_interceptors`` ``grpc.aio`` client interceptors, each run as
    grpc.aio runs them.  Leaving the block closes the channel: RPCs still
    running are cancelled and waited for, so no task or thread is left.
    Bad arguments (a key that is not a ServiceDescriptor, a servicer that is
    None or implements none of its methods) raise TypeError at once.
    """
    return _Connection(descriptors_to_servicers, interceptors, client_interceptors)


def serve(
    descriptors_to_servicers: Mapping[_ServiceDescriptor, object],
    *,
    interceptors: Sequence[grpc.aio.ServerInterceptor] = (),
    client_interceptors: Sequence[grpc.aio.ClientInterceptor] = (),
) -> AbstractAsyncContextManager[grpc.aio.Channel]:
    """``async with serve({...}) as channel``: a real ``grpc.aio`` server and channel.

    The server listens on 127.0.0.1 on a free port and runs the servicers
    (registered from their descriptors as ``server_from_dictionary`` finds
    them); plain-function handlers run in its thread pool of 4 threads.  The
    channel is a real one connected to it, with ``client_interceptors``.  It
    takes what ``connect`` takes, so one test can run on both.  This runs on
    real time (gRPC's own threads and clock), so a virtual-clock loop cannot
    drive it.
    grpc.aio keeps a reader of its own on the loop while any of its objects
    lives; the TestCase check of leftover selector callbacks collects garbage
    before it reports, so that reader goes away with the channel.
    """
    return _serve(descriptors_to_servicers, interceptors, client_interceptors)
