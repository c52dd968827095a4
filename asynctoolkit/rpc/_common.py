"""What the channel double and the server double share.

Method tables built from descriptors, validation of metadata and status at
the boundary (so a mistake in a test is reported where it was made), the
bounded wait every waiting method uses, and the clock adapter for ``time=None``.
"""

from __future__ import annotations

import asyncio
import functools
import math
import re
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import grpc
import grpc.aio
from google.protobuf import descriptor as _descriptor
from google.protobuf import message_factory

from asynctoolkit.rpc._contract import Time
from asynctoolkit.rpc._time import LoopTime

__all__: list[str] = []

UNARY_UNARY = "unary-unary"
UNARY_STREAM = "unary-stream"
STREAM_UNARY = "stream-unary"
STREAM_STREAM = "stream-stream"
SHAPES = (UNARY_UNARY, UNARY_STREAM, STREAM_UNARY, STREAM_STREAM)

MetadataTuple = tuple[tuple[str, Any], ...]

_KEY = re.compile(r"[0-9a-z_.\-]+\Z")


@dataclass(frozen=True)
class Method:
    """One RPC method: its descriptor, wire path, shape and message classes."""

    descriptor: _descriptor.MethodDescriptor
    path: str
    name: str
    shape: str
    request_class: Any
    response_class: Any

    def deserialize_request(self, data: bytes) -> Any:
        return self.request_class.FromString(data)

    def deserialize_response(self, data: bytes) -> Any:
        return self.response_class.FromString(data)


def shape_of(descriptor: _descriptor.MethodDescriptor) -> str:
    client = "stream" if descriptor.client_streaming else "unary"
    server = "stream" if descriptor.server_streaming else "unary"
    return f"{client}-{server}"


def method_table(services: Iterable[_descriptor.ServiceDescriptor], what: str) -> dict[str, Method]:
    """Every method of ``services`` by wire path (``/package.Service/Method``)."""
    table: dict[str, Method] = {}
    for service in services:
        if not isinstance(service, _descriptor.ServiceDescriptor):
            raise TypeError(
                f"{what} needs protobuf ServiceDescriptors (e.g. "
                f"my_pb2.DESCRIPTOR.services_by_name['Greeter']), got {service!r}"
            )
        table.update(service_methods(service))
    return table


@functools.cache
def service_methods(service: _descriptor.ServiceDescriptor) -> tuple[tuple[str, Method], ...]:
    """``(path, Method)`` for each method of ``service`` (cached: descriptors never change)."""
    methods = []
    for descriptor in service.methods:
        path = f"/{service.full_name}/{descriptor.name}"
        method = Method(
            descriptor,
            path,
            descriptor.name,
            shape_of(descriptor),
            message_factory.GetMessageClass(descriptor.input_type),
            message_factory.GetMessageClass(descriptor.output_type),
        )
        methods.append((path, method))
    return tuple(methods)


def find_method(
    table: dict[str, Method], descriptor: object, shape: str, caller: str, owner: str
) -> Method:
    """The method ``descriptor`` names, checking it belongs to ``owner`` and has ``shape``."""
    if not isinstance(descriptor, _descriptor.MethodDescriptor):
        raise TypeError(
            f"{caller}() needs a protobuf MethodDescriptor (e.g. my_pb2.DESCRIPTOR."
            f"services_by_name['Greeter'].methods_by_name['SayHello']), got {descriptor!r}"
        )
    path = f"/{descriptor.containing_service.full_name}/{descriptor.name}"
    method = table.get(path)
    if method is None:
        known = ", ".join(sorted({p.rsplit("/", 1)[0][1:] for p in table})) or "none"
        raise ValueError(
            f"{caller}(): {path} is not a method of this {owner}'s services ({known}); "
            f"pass its service descriptor when creating the {owner}"
        )
    if method.shape != shape:
        right = method.shape.replace("-", "_")
        raise TypeError(
            f"{caller}(): {path} is a {method.shape} method, not {shape}; use the {right} variant"
        )
    return method


def metadata(value: object, what: str) -> MetadataTuple:
    """``value`` as a tuple of ``(key, value)`` pairs, checked like gRPC checks it."""
    if value is None:
        return ()
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise TypeError(f"{what} must be a sequence of (key, value) pairs, got {value!r}")
    pairs: list[tuple[str, Any]] = []
    for item in value:
        if not isinstance(item, tuple) or len(item) != 2:
            raise TypeError(f"{what}: each entry must be a (key, value) pair, got {item!r}")
        key, val = item
        if not isinstance(key, str) or not _KEY.match(key):
            raise ValueError(
                f"{what}: metadata key {key!r} is not valid; keys are lowercase ASCII "
                "letters, digits, '-', '_' and '.'"
            )
        if key.endswith("-bin"):
            if not isinstance(val, (bytes, str)):
                raise TypeError(f"{what}: binary metadata {key!r} needs bytes, got {val!r}")
        elif not isinstance(val, str):
            raise TypeError(
                f"{what}: metadata {key!r} needs a str value (bytes only for keys "
                f"ending in '-bin'), got {val!r}"
            )
        pairs.append((key, val))
    return tuple(pairs)


# Printable ASCII: what gRPC accepts in a value of a key not ending in "-bin".
_WIRE_VALUE = re.compile(r"[\x20-\x7e]*\Z")


def wire_metadata(value: object, what: str) -> MetadataTuple:
    """``value`` as ``(key, value)`` pairs, accepted where a real grpc.aio channel accepts it.

    gRPC's rules: keys are lowercase ASCII letters, digits, ``-``, ``_`` and
    ``.``; values of ``-bin`` keys are bytes; other values are printable
    ASCII, as str or bytes (bytes arrive as str).  A wrong type raises
    TypeError, an illegal key or value ValueError, each naming the entry.
    """
    if value is None:
        return ()
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise TypeError(f"{what} must be a sequence of (key, value) pairs, got {value!r}")
    pairs: list[tuple[str, Any]] = []
    for item in value:
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            raise TypeError(f"{what}: each entry must be a (key, value) pair, got {item!r}")
        key, val = item
        if not isinstance(key, str):
            raise TypeError(f"{what}: metadata keys are str, got {key!r}")
        if not _KEY.match(key):
            raise ValueError(
                f"{what}: metadata key {key!r} is not valid (gRPC: 'Illegal header key'); "
                "keys are lowercase ASCII letters, digits, '-', '_' and '.'"
            )
        if key.endswith("-bin"):
            if not isinstance(val, bytes):
                raise TypeError(
                    f"{what}: binary metadata key {key!r} expects bytes, got {type(val)}"
                )
        else:
            if isinstance(val, bytes):
                val = val.decode("latin-1")  # checked below: only ASCII passes
            elif not isinstance(val, str):
                raise TypeError(
                    f"{what}: metadata {key!r} expects a str value (bytes only for keys "
                    f"ending in '-bin'), got {val!r}"
                )
            if not _WIRE_VALUE.match(val):
                raise ValueError(
                    f"{what}: metadata {key!r} has a value gRPC refuses ('Illegal header "
                    f"value'): {val!r}; values are printable ASCII, or bytes under a "
                    "key ending in '-bin'"
                )
        pairs.append((key, val))
    return tuple(pairs)


def status_code(code: object, what: str) -> grpc.StatusCode:
    if not isinstance(code, grpc.StatusCode):
        raise TypeError(f"{what}: code must be a grpc.StatusCode, got {code!r}")
    return code


def status_details(details: object, what: str) -> str:
    if details is None:
        return ""
    if not isinstance(details, str):
        raise TypeError(f"{what}: details must be a str, got {details!r}")
    return details


def check_message(message: object, expected: Any, what: str) -> None:
    """Raise TypeError unless ``message`` is a protobuf message of ``expected``'s type."""
    descriptor = getattr(message, "DESCRIPTOR", None)
    if descriptor is None or descriptor.full_name != expected.DESCRIPTOR.full_name:
        raise TypeError(
            f"{what} must be a {expected.DESCRIPTOR.full_name} message, "
            f"got {type(message).__name__}: {message!r}"
        )


def resolve_time(time: Time | None, what: str) -> tuple[Time, bool]:
    """The Time to use and whether it is the running loop's clock (``time=None``)."""
    if time is None:
        return LoopTime(), True
    if not isinstance(time, Time):
        raise TypeError(
            f"{what}: time must be an asynctoolkit.rpc.Time (strict_fake_time(...), "
            f"strict_real_time()) or None for the loop's clock, got {time!r}"
        )
    return time, isinstance(time, LoopTime)


def check_timeout(timeout: object, what: str) -> float | None:
    if timeout is None:
        return None
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, (int, float))
        or math.isnan(timeout)
        or timeout < 0
    ):
        raise ValueError(
            f"{what}: timeout must be a number of seconds >= 0 or None, got {timeout!r}"
        )
    return float(timeout)


def wait_bound(timeout: object, what: str, loop_deadline: float | None) -> float:
    """Seconds a test-side wait may last: the given timeout, else the default.

    The default stretches to an RPC deadline on the loop clock: that deadline
    ends the RPC, so waiting until then cannot hang.
    """
    given = check_timeout(timeout, what)
    if given is not None:
        return given
    # The one import of the public face: DEFAULT_TIMEOUT is a setting users change there.
    from asynctoolkit import rpc

    bound = float(rpc.DEFAULT_TIMEOUT)
    if loop_deadline is not None:
        remaining = loop_deadline - asyncio.get_running_loop().time()
        bound = max(bound, remaining + bound)
    return bound


class HandlerSide(Protocol):
    """One RPC as its handler sees it: what servicer contexts and the handler runner use.

    The server double's exchange implements it (the test plays client), and
    so does ``rpc.connect``'s link (the code under test is the client).
    Used from the loop's thread, except the attributes a worker thread reads.
    """

    loop: asyncio.AbstractEventLoop
    path: str
    shape: str
    invocation_metadata: MetadataTuple
    peer: str
    auth_context: dict[str, list[bytes]]
    deadline: float | None
    time: Time
    # The request of a unary-request RPC, as the handler's deserializer takes it.
    request: Any
    # Requests not read yet, as the handler's deserializer takes them.
    requests: deque[Any]
    half_closed: bool
    initial_metadata: MetadataTuple | None
    # Initial metadata (or a response) sent but not received yet (explored runs).
    headers_sent: bool
    # What the handler set through its context; becomes the status.
    set_code: grpc.StatusCode | None
    set_details: str | None
    set_trailing: MetadataTuple
    aborted: bool
    # The final status: None while the RPC runs.
    code: grpc.StatusCode | None
    handler_waiters: Waiters
    # The worker thread's job, for a handler run in one.
    worker: Any

    def check_metadata(self, value: object, what: str) -> MetadataTuple:
        """``value`` as metadata pairs, or an error for the handler that passed it."""
        ...

    def take_request(self) -> Any:
        """Remove and return the oldest request (the caller checked there is one)."""
        ...

    def response_window_open(self) -> bool:
        """Whether a response may be sent now without running too far ahead of the reader."""
        ...

    def add_response(self, data: Any) -> None:
        """Send one response, as the handler's serializer made it."""
        ...

    def set_response(self, data: Any) -> None:
        """Set the one response of a unary-response RPC, as the serializer made it."""
        ...

    def send_initial_metadata(self, pairs: MetadataTuple) -> None: ...

    def add_handler_callback(self, callback: Callable[[], Any]) -> bool:
        """Call ``callback`` when the handler is done; False if it already is."""
        ...

    def handler_interrupted(self) -> bool:
        """Whether the RPC was cancelled or its deadline passed (``context.cancelled()``)."""
        ...

    def on_abort(self) -> None:
        """The handler called ``context.abort`` (its code and details are set)."""
        ...

    def cancel_from_handler(self) -> None:
        """A plain-function handler called ``context.cancel()``."""
        ...

    def worker_stopped(self) -> None:
        """The handler's worker thread no longer runs handler code."""
        ...

    def handler_done(self) -> None:
        """The coroutine running the handler (not its worker thread) ended."""
        ...

    def end(
        self, code: grpc.StatusCode, details: str, trailing_metadata: MetadataTuple, by: str
    ) -> bool:
        """Set the final status once; False if the RPC had already ended."""
        ...

    def end_from_handler(self) -> None:
        """The handler returned (or aborted): end with what it set."""
        ...


class Waiters:
    """Futures of coroutines waiting for a change; ``wake`` resolves them all."""

    __slots__ = ("_futures",)

    def __init__(self) -> None:
        self._futures: list[asyncio.Future[None]] | None = None  # made on first wait

    def add(self, loop: asyncio.AbstractEventLoop) -> asyncio.Future[None]:
        future: asyncio.Future[None] = loop.create_future()
        if self._futures is None:
            self._futures = [future]
        else:
            self._futures.append(future)
        return future

    def wake(self) -> None:
        futures = self._futures
        if not futures:
            return
        self._futures = None
        for future in futures:
            if not future.done():
                future.set_result(None)


async def wait_until(
    waiters: Waiters,
    ready: Callable[[], bool],
    timeout: float | None,
    explain: Callable[[float], str],
) -> None:
    """Wait until ``ready()``; after ``timeout`` seconds raise TimeoutError(explain(timeout))."""
    if ready():
        return
    loop = asyncio.get_running_loop()
    expired = False

    def expire() -> None:
        nonlocal expired
        expired = True
        waiters.wake()

    timer = loop.call_later(timeout, expire) if timeout is not None else None
    try:
        while not ready():
            if expired:
                raise TimeoutError(explain(timeout if timeout is not None else 0.0))
            await waiters.add(loop)
    finally:
        if timer is not None:
            timer.cancel()


def running_loop(what: str) -> asyncio.AbstractEventLoop:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        raise RuntimeError(
            f"{what} needs a running event loop: call it from a coroutine of the test"
        ) from None
