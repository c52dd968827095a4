"""The server double: runs servicer methods as a grpc.aio server would.

``invoke_*`` starts a task per RPC that runs ``_handlers.run_rpc``: the server
interceptors, then the handler they lead to; the RPC ends with what the
handler did.  ``async def`` handlers and async generators run on the loop.
grpc.aio runs every plain function and generator in its thread pool; this
double runs those of a unary request inline on the loop (so virtual time
drives them) and those of a request stream in a worker thread (they block on
their request iterator).
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Mapping, Sequence
from typing import Any

import grpc
import grpc.aio
from google.protobuf import descriptor as _descriptor

from asynctoolkit._shared import choices as _choices
from asynctoolkit.rpc import _common, _wire
from asynctoolkit.rpc._common import (
    STREAM_STREAM,
    STREAM_UNARY,
    UNARY_STREAM,
    UNARY_UNARY,
    Method,
)
from asynctoolkit.rpc._contract import (
    Server,
    StreamStreamServerRpc,
    StreamUnaryServerRpc,
    Time,
    UnaryStreamServerRpc,
    UnaryUnaryServerRpc,
)
from asynctoolkit.rpc._handlers import Threads, run_rpc, shared_worker_threads
from asynctoolkit.rpc._server_rpc import (
    FakeStreamStreamServerRpc,
    FakeStreamUnaryServerRpc,
    FakeUnaryStreamServerRpc,
    FakeUnaryUnaryServerRpc,
    ServerExchange,
)
from asynctoolkit.rpc._wired import WiredServerExchange

__all__: list[str] = []

# Plain functions of a unary request run inline on the loop, see _handlers.
_THREADS = Threads(shared_worker_threads, unary_request_too=False)

_HANDLER_FACTORIES = {
    UNARY_UNARY: grpc.unary_unary_rpc_method_handler,
    UNARY_STREAM: grpc.unary_stream_rpc_method_handler,
    STREAM_UNARY: grpc.stream_unary_rpc_method_handler,
    STREAM_STREAM: grpc.stream_stream_rpc_method_handler,
}


def method_handlers(
    descriptors_to_servicers: Mapping[Any, object], what: str
) -> tuple[dict[str, Method], dict[str, Any]]:
    """The method table and one ``grpc.RpcMethodHandler`` per served method path."""
    table, behaviors = served_behaviors(descriptors_to_servicers, what)
    handlers = {path: method_handler(*behaviors[path]) for path in behaviors}
    return table, handlers


def served_behaviors(
    descriptors_to_servicers: Mapping[Any, object], what: str
) -> tuple[dict[str, Method], dict[str, tuple[Method, Any]]]:
    """The method table and, per served method path, its method and the servicer's behaviour."""
    if not isinstance(descriptors_to_servicers, Mapping):
        raise TypeError(
            f"{what} needs a dict from ServiceDescriptor to servicer, got "
            f"{descriptors_to_servicers!r}"
        )
    table = _common.method_table(descriptors_to_servicers.keys(), what)
    behaviors: dict[str, tuple[Method, Any]] = {}
    for service, servicer in descriptors_to_servicers.items():
        for path, method in _common.service_methods(service):
            behavior = getattr(servicer, method.name, None)
            if behavior is not None:
                behaviors[path] = (method, behavior)
    return table, behaviors


def method_handler(method: Method, behavior: Any) -> Any:
    """The ``grpc.RpcMethodHandler`` running ``behavior`` for ``method``."""
    return _HANDLER_FACTORIES[method.shape](
        behavior,
        request_deserializer=method.request_class.FromString,
        response_serializer=method.response_class.SerializeToString,
    )


def make_server(
    descriptors_to_servicers: Mapping[_descriptor.ServiceDescriptor, object],
    time: Time | None,
    interceptors: Sequence[Any],
) -> FakeServer:
    table, handlers = method_handlers(descriptors_to_servicers, "rpc.server_from_dictionary()")
    clock, on_loop = _common.resolve_time(time, "rpc.server_from_dictionary()")
    for interceptor in interceptors:
        if not isinstance(interceptor, grpc.aio.ServerInterceptor):
            raise TypeError(
                "rpc.server_from_dictionary(): interceptors must be grpc.aio.ServerInterceptor "
                f"instances, got {interceptor!r}"
            )
    return FakeServer(table, handlers, clock, on_loop, tuple(interceptors))


class FakeServer(Server):
    def __init__(
        self,
        table: dict[str, Method],
        handlers: dict[str, Any],
        time: Time,
        on_loop_clock: bool,
        interceptors: tuple[Any, ...],
    ) -> None:
        self._table = table
        self._handlers = handlers
        self._time = time
        self._on_loop_clock = on_loop_clock
        self._interceptors = interceptors

    def __repr__(self) -> str:
        services = sorted({path.rsplit("/", 1)[0][1:] for path in self._table})
        return f"<rpc.server_from_dictionary of {', '.join(services)}>"

    def _start(
        self, descriptor: Any, shape: str, caller: str, metadata: Any, request: Any, timeout: Any
    ) -> ServerExchange:
        method = _common.find_method(self._table, descriptor, shape, caller, "server")
        what = f"{caller}({method.path})"
        pairs = _common.metadata(metadata, f"{what}: invocation_metadata")
        seconds = _common.check_timeout(timeout, what)
        loop = _common.running_loop(what)
        # In an explored run, what the messages travel on (``_wire``); else None.
        wire = None if _choices.current() is None else _wire.wire_for(loop, method.path)
        exchange = (ServerExchange if wire is None else WiredServerExchange)(
            loop, method, pairs, self._time
        )
        if not shape.startswith("stream"):
            _common.check_message(request, method.request_class, f"{what}: the request")
            exchange.request = request.SerializeToString()
            exchange.half_closed = True  # no request stream: context.read() gives EOF
        if wire is not None:
            exchange.wire = wire
            failed = wire.start_fault()
            if failed is not None:
                exchange.end(*failed, (), _wire.BY_FAULT)  # the handler never runs
                return exchange
        if seconds is not None:
            deadline = self._time.time() + seconds
            exchange.deadline = deadline
            if self._on_loop_clock:
                exchange.loop_deadline = deadline
            if seconds <= 0:
                loop.call_soon(exchange.expire)
            else:
                exchange.deadline_handle = self._time.call_at(exchange.expire, deadline)
        if wire is not None:
            wire.start(functools.partial(self._run, exchange))
        else:
            self._run(exchange)
        return exchange

    def _run(self, exchange: ServerExchange) -> None:
        """The RPC reached the server: run interceptors and handler in a task."""
        if exchange.code is not None:  # it ended on its way (explored runs)
            return
        # Interceptors and handler start from an empty context, as on grpc.aio.
        coroutine = run_rpc(
            exchange, self._handlers, self._interceptors, _THREADS, exchange.handler_cancelled
        )
        exchange.task = contextvars.Context().run(
            exchange.loop.create_task, coroutine, name=f"rpc handler {exchange.path}"
        )
        exchange.task.add_done_callback(lambda _: exchange.test_waiters.wake())

    def invoke_unary_unary(
        self, method_descriptor: Any, invocation_metadata: Any, request: Any, timeout: Any
    ) -> UnaryUnaryServerRpc:
        x = self._start(
            method_descriptor,
            UNARY_UNARY,
            "invoke_unary_unary",
            invocation_metadata,
            request,
            timeout,
        )
        return FakeUnaryUnaryServerRpc(x)

    def invoke_unary_stream(
        self, method_descriptor: Any, invocation_metadata: Any, request: Any, timeout: Any
    ) -> UnaryStreamServerRpc:
        x = self._start(
            method_descriptor,
            UNARY_STREAM,
            "invoke_unary_stream",
            invocation_metadata,
            request,
            timeout,
        )
        return FakeUnaryStreamServerRpc(x)

    def invoke_stream_unary(
        self, method_descriptor: Any, invocation_metadata: Any, timeout: Any
    ) -> StreamUnaryServerRpc:
        x = self._start(
            method_descriptor,
            STREAM_UNARY,
            "invoke_stream_unary",
            invocation_metadata,
            None,
            timeout,
        )
        return FakeStreamUnaryServerRpc(x)

    def invoke_stream_stream(
        self, method_descriptor: Any, invocation_metadata: Any, timeout: Any
    ) -> StreamStreamServerRpc:
        x = self._start(
            method_descriptor,
            STREAM_STREAM,
            "invoke_stream_stream",
            invocation_metadata,
            None,
            timeout,
        )
        return FakeStreamStreamServerRpc(x)
