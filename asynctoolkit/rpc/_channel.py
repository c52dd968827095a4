"""The channel double: multicallables for stubs, and ``take_*`` for the test.

Every RPC the code under test starts becomes an ``Exchange`` queued under its
method path until the test takes it; RPCs of one method are taken in the
order they were started.  An RPC of a method the channel does not serve ends
at once with UNIMPLEMENTED and is never queued, as on a real server.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections import deque
from collections.abc import Iterable, Sequence
from typing import Any

import grpc
import grpc.aio
from google.protobuf import descriptor as _descriptor

from asynctoolkit._shared import choices as _choices
from asynctoolkit.rpc import _common, _wire
from asynctoolkit.rpc._calls import (
    StreamStreamCall,
    StreamUnaryCall,
    UnaryStreamCall,
    UnaryUnaryCall,
)
from asynctoolkit.rpc._channel_rpc import (
    FakeStreamStreamChannelRpc,
    FakeStreamUnaryChannelRpc,
    FakeUnaryStreamChannelRpc,
    FakeUnaryUnaryChannelRpc,
)
from asynctoolkit.rpc._common import (
    STREAM_STREAM,
    STREAM_UNARY,
    UNARY_STREAM,
    UNARY_UNARY,
    MetadataTuple,
    Method,
    Waiters,
)
from asynctoolkit.rpc._contract import (
    Channel,
    StreamStreamChannelRpc,
    StreamUnaryChannelRpc,
    Time,
    UnaryStreamChannelRpc,
    UnaryUnaryChannelRpc,
)
from asynctoolkit.rpc._exchange import BY_CLOSE, Exchange
from asynctoolkit.rpc._intercept import intercepted_call
from asynctoolkit.rpc._multicallable import MultiCallable, MultiCallableFactory
from asynctoolkit.rpc._wired import WiredExchange

__all__: list[str] = []

_CHANNEL_CLOSED = "Channel closed!"

_INTERCEPTOR_KINDS = (
    (UNARY_UNARY, grpc.aio.UnaryUnaryClientInterceptor),
    (UNARY_STREAM, grpc.aio.UnaryStreamClientInterceptor),
    (STREAM_UNARY, grpc.aio.StreamUnaryClientInterceptor),
    (STREAM_STREAM, grpc.aio.StreamStreamClientInterceptor),
)


def make_channel(
    service_descriptors: Iterable[_descriptor.ServiceDescriptor],
    time: Time | None,
    interceptors: Sequence[Any],
) -> FakeChannel:
    if isinstance(service_descriptors, _descriptor.ServiceDescriptor):
        service_descriptors = [service_descriptors]
    table = _common.method_table(service_descriptors, "rpc.channel()")
    clock, on_loop = _common.resolve_time(time, "rpc.channel()")
    by_kind: dict[str, list[Any]] = {kind: [] for kind, _ in _INTERCEPTOR_KINDS}
    for interceptor in interceptors:
        if not isinstance(interceptor, grpc.aio.ClientInterceptor):
            raise TypeError(
                "rpc.channel(): interceptors must be grpc.aio client interceptors "
                f"(UnaryUnaryClientInterceptor, ...), got {interceptor!r}"
            )
        for kind, base in _INTERCEPTOR_KINDS:
            if isinstance(interceptor, base):
                by_kind[kind].append(interceptor)
    return FakeChannel(table, clock, on_loop, by_kind)


class FakeChannel(MultiCallableFactory, Channel):
    def __init__(
        self,
        table: dict[str, Method],
        time: Time,
        on_loop_clock: bool,
        interceptors: dict[str, list[Any]],
    ) -> None:
        self._table = table
        self._time = time
        self._on_loop_clock = on_loop_clock
        self._interceptors = interceptors
        # RPCs started and not taken yet, by method path, oldest first.
        self._pending: dict[str, deque[Exchange]] = {}
        # RPCs that have not ended (taken or not).  Dicts, not sets: closing
        # cancels in the order RPCs started, the same in every process.
        self._active: dict[Exchange, None] = {}
        # RPCs on their way to the test (explored runs only).
        self._arriving: dict[WiredExchange, None] = {}
        self._take_waiters = Waiters()
        # (descriptor, shape) pairs take_* already validated, to their path.
        self._checked: dict[tuple[Any, str], str] = {}
        self._closed = False
        self._closed_event: asyncio.Event | None = None

    def __repr__(self) -> str:
        services = sorted({path.rsplit("/", 1)[0][1:] for path in self._table})
        state = "closed" if self._closed else f"{len(self._active)} active RPCs"
        return f"<rpc.channel of {', '.join(services)}: {state}>"

    # -- grpc.aio.Channel -----------------------------------------------------

    async def __aenter__(self) -> FakeChannel:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close(None)

    async def close(self, grace: float | None = None) -> None:
        if not self._closed:
            self._closed = True
            if self._closed_event is not None:
                self._closed_event.set()
            self._take_waiters.wake()
        if grace and self._active:
            await self._drain(grace)
        for exchange in list(self._active):
            exchange.cancel(_CHANNEL_CLOSED, BY_CLOSE)
        for wired in self._arriving:
            wired.wire.close()  # nothing reaches a closed channel
        self._arriving.clear()

    async def _drain(self, grace: float) -> None:
        waiters = self._take_waiters
        with contextlib.suppress(TimeoutError):
            await _common.wait_until(waiters, lambda: not self._active, grace, lambda _: "")

    def get_state(self, try_to_connect: bool = False) -> grpc.ChannelConnectivity:
        if self._closed:
            return grpc.ChannelConnectivity.SHUTDOWN
        return grpc.ChannelConnectivity.READY

    async def wait_for_state_change(self, last_observed_state: grpc.ChannelConnectivity) -> None:
        if self.get_state() != last_observed_state:
            return
        if self._closed_event is None:
            self._closed_event = asyncio.Event()
        await self._closed_event.wait()

    async def channel_ready(self) -> None:
        if self._closed:
            raise grpc.aio.UsageError("Channel is closed.")

    # -- starting RPCs (the client side) -------------------------------------

    def call(
        self,
        multicallable: MultiCallable,
        request: Any,
        timeout: Any,
        metadata: Any,
        credentials: Any,
        wait_for_ready: bool | None,
    ) -> Any:
        """What a stub's multicallable does: start an RPC, through the interceptors if any."""
        path, shape = multicallable.path, multicallable.shape
        if timeout is not None:
            timeout = _common.check_timeout(timeout, f"calling {path}")
        pairs = _common.metadata(metadata, f"calling {path}: metadata") if metadata else ()
        interceptors = self._interceptors[shape]
        if interceptors:
            return intercepted_call(
                self,
                interceptors,
                path,
                shape,
                request,
                timeout,
                pairs,
                credentials,
                wait_for_ready,
                multicallable.serializer,
                multicallable.deserializer,
            )
        return self.start(
            path,
            shape,
            request,
            timeout,
            pairs,
            multicallable.serializer,
            multicallable.deserializer,
        )

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
        """Start one RPC and return the call object the code under test gets."""
        if self._closed:
            raise grpc.aio.UsageError("Channel is closed.")
        if timeout is not None:
            timeout = _common.check_timeout(timeout, f"calling {path}")
        metadata = _common.metadata(metadata, f"calling {path}: metadata") if metadata else ()
        loop = _common.running_loop(f"calling {path} on an rpc.channel()")
        method = self._table.get(path)
        # In an explored run, what the messages travel on (``_wire``); else None.
        wire = None if _choices.current() is None else _wire.wire_for(loop, path)
        exchange = (Exchange if wire is None else WiredExchange)(
            self,
            loop,
            path,
            shape,
            method,
            metadata,
            self._time,
            request_serializer,
            response_deserializer,
        )
        if wire is not None:
            exchange.wire = wire
        self._active[exchange] = None
        call: Any
        if shape == UNARY_UNARY:
            call = UnaryUnaryCall(exchange)
        elif shape == UNARY_STREAM:
            call = UnaryStreamCall(exchange)
        elif shape == STREAM_UNARY:
            call = StreamUnaryCall(exchange, request)
        else:
            call = StreamStreamCall(exchange, request)
        if method is None or method.shape != shape:
            exchange.fail(grpc.StatusCode.UNIMPLEMENTED, "Method not found!")
            return call
        if not shape.startswith("stream") and not self._encode_request(exchange, request):
            return call
        if wire is not None:
            assert isinstance(exchange, WiredExchange)
            self._start_wired(exchange, loop, timeout)
            return call
        if timeout is not None:
            self._arm_deadline(exchange, loop, timeout)
        queue = self._pending.get(path)
        if queue is None:
            queue = self._pending[path] = deque()
        queue.append(exchange)
        self._take_waiters.wake()
        return call

    def _start_wired(
        self, exchange: WiredExchange, loop: asyncio.AbstractEventLoop, timeout: float | None
    ) -> None:
        """Send an explored run's RPC to the test: it may fail at once, or arrive later."""
        failed = exchange.wire.start_fault()
        if failed is not None:
            exchange.reset(*failed)  # it never reaches the test
            return
        if timeout is not None:
            self._arm_deadline(exchange, loop, timeout)
        self._arriving[exchange] = None
        # Still handed to the test if it ends on its way, as without latency.
        exchange.wire.start(functools.partial(self._arrived, exchange), outlives_end=True)

    def _arrived(self, exchange: WiredExchange) -> None:
        """An explored run's RPC reached the test's side: ``take_*`` can draw it."""
        self._arriving.pop(exchange, None)
        if self._closed:
            return
        queue = self._pending.get(exchange.path)
        if queue is None:
            queue = self._pending[exchange.path] = deque()
        queue.append(exchange)
        self._take_waiters.wake()

    def _encode_request(self, exchange: Exchange, request: Any) -> bool:
        serializer = exchange.serialize_request
        try:
            data = request if serializer is None else serializer(request)
            exchange.request = exchange.decode_request(data)
        except Exception:
            exchange.fail(grpc.StatusCode.INTERNAL, "Exception serializing request!")
            return False
        return True

    def _arm_deadline(
        self, exchange: Exchange, loop: asyncio.AbstractEventLoop, timeout: float
    ) -> None:
        deadline = self._time.time() + timeout
        exchange.deadline = deadline
        if self._on_loop_clock:
            exchange.loop_deadline = deadline
        if timeout <= 0:
            loop.call_soon(exchange.expire)
        else:
            exchange.deadline_handle = self._time.call_at(exchange.expire, deadline)

    def forget(self, exchange: Exchange) -> None:
        """Called once when ``exchange`` ends."""
        self._active.pop(exchange, None)
        if self._closed:
            self._take_waiters.wake()

    # -- taking RPCs (the test side) ------------------------------------------

    async def _take(
        self, descriptor: Any, shape: str, caller: str, timeout: float | None
    ) -> Exchange:
        try:
            known = self._checked.get((descriptor, shape))
        except TypeError:  # unhashable: certainly not a descriptor, find_method says so
            known = None
        if known is None:
            method = _common.find_method(self._table, descriptor, shape, caller, "channel")
            known = self._checked[(descriptor, shape)] = method.path
        path = known
        if self._closed:
            raise RuntimeError(f"{caller}({path}): the channel is closed; nothing more to take")
        queue = self._pending.get(path)
        if queue is None:
            queue = self._pending[path] = deque()
        if not queue:
            await self._wait_to_take(caller, path, queue, timeout)
        exchange = queue.popleft()
        exchange.taken = True
        return exchange

    async def _wait_to_take(
        self, caller: str, path: str, queue: deque[Exchange], timeout: float | None
    ) -> None:
        bound = _common.wait_bound(timeout, f"{caller}({path})", None)
        await _common.wait_until(
            self._take_waiters,
            lambda: bool(queue) or self._closed,
            bound,
            lambda seconds: self._explain_take(caller, path, seconds),
        )
        if not queue:
            raise RuntimeError(f"{caller}({path}): the channel was closed while waiting")

    def _explain_take(self, caller: str, path: str, seconds: float) -> str:
        lines = [
            f"{caller}({path}) timed out after {seconds:g} s: the code under test "
            f"started no {path} RPC that is not taken yet."
        ]
        waiting = [x for queue in self._pending.values() for x in queue]
        if waiting:
            lines.append("RPCs started and waiting to be taken instead:")
            lines.extend(f"  {x.describe()}" for x in waiting)
        else:
            lines.append("No other RPC is waiting to be taken.")
        if self._arriving:
            lines.append("RPCs started and still on their way (explore's latency):")
            lines.extend(f"  {x.describe()}" for x in self._arriving)
        taken = [x for x in self._active if x.taken]
        if taken:
            lines.append("RPCs taken and still active:")
            lines.extend(f"  {x.describe()}" for x in taken)
        return "\n".join(lines)

    async def take_unary_unary(
        self, method_descriptor: Any, *, timeout: float | None = None
    ) -> tuple[MetadataTuple, Any, UnaryUnaryChannelRpc]:
        x = await self._take(method_descriptor, UNARY_UNARY, "take_unary_unary", timeout)
        return x.invocation_metadata, x.request, FakeUnaryUnaryChannelRpc(x)

    async def take_unary_stream(
        self, method_descriptor: Any, *, timeout: float | None = None
    ) -> tuple[MetadataTuple, Any, UnaryStreamChannelRpc]:
        x = await self._take(method_descriptor, UNARY_STREAM, "take_unary_stream", timeout)
        return x.invocation_metadata, x.request, FakeUnaryStreamChannelRpc(x)

    async def take_stream_unary(
        self, method_descriptor: Any, *, timeout: float | None = None
    ) -> tuple[MetadataTuple, StreamUnaryChannelRpc]:
        x = await self._take(method_descriptor, STREAM_UNARY, "take_stream_unary", timeout)
        return x.invocation_metadata, FakeStreamUnaryChannelRpc(x)

    async def take_stream_stream(
        self, method_descriptor: Any, *, timeout: float | None = None
    ) -> tuple[MetadataTuple, StreamStreamChannelRpc]:
        x = await self._take(method_descriptor, STREAM_STREAM, "take_stream_stream", timeout)
        return x.invocation_metadata, FakeStreamStreamChannelRpc(x)
