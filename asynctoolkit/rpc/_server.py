"""The server double: runs servicer methods as a grpc.aio server would.

``invoke_*`` starts a task per RPC that runs the server interceptors, then the
handler they lead to, and ends the RPC with what the handler did: its
response, the code and details it set, its ``abort``, or UNKNOWN for an
exception escaping it.  ``async def`` handlers and async generators run on
the loop; plain functions and generators of a unary request run inline on
the loop, and those of a request stream run in a worker thread (they block on
their request iterator), as grpc.aio runs them in its thread pool.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import functools
import inspect
import logging
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import grpc
import grpc.aio
from google.protobuf import descriptor as _descriptor

from asynctoolkit._shared import threads
from asynctoolkit.rpc import _common
from asynctoolkit.rpc._common import (
    STREAM_STREAM,
    STREAM_UNARY,
    UNARY_STREAM,
    UNARY_UNARY,
    Method,
)
from asynctoolkit.rpc._context import AsyncContext, SyncContext
from asynctoolkit.rpc._contract import (
    Server,
    StreamStreamServerRpc,
    StreamUnaryServerRpc,
    Time,
    UnaryStreamServerRpc,
    UnaryUnaryServerRpc,
)
from asynctoolkit.rpc._server_rpc import (
    FakeStreamStreamServerRpc,
    FakeStreamUnaryServerRpc,
    FakeUnaryStreamServerRpc,
    FakeUnaryUnaryServerRpc,
    ServerExchange,
)

__all__: list[str] = []

_LOGGER = logging.getLogger("asynctoolkit.rpc")

_HANDLER_FACTORIES = {
    UNARY_UNARY: grpc.unary_unary_rpc_method_handler,
    UNARY_STREAM: grpc.unary_stream_rpc_method_handler,
    STREAM_UNARY: grpc.stream_unary_rpc_method_handler,
    STREAM_STREAM: grpc.stream_stream_rpc_method_handler,
}


class HandlerCallDetails(NamedTuple):
    """What server interceptors see of an incoming RPC (``grpc.HandlerCallDetails``)."""

    method: str
    invocation_metadata: tuple[Any, ...]


grpc.HandlerCallDetails.register(HandlerCallDetails)


def method_handlers(
    descriptors_to_servicers: Mapping[Any, object], what: str
) -> tuple[dict[str, Method], dict[str, Any]]:
    """The method table and one ``grpc.RpcMethodHandler`` per served method path."""
    if not isinstance(descriptors_to_servicers, Mapping):
        raise TypeError(
            f"{what} needs a dict from ServiceDescriptor to servicer, got "
            f"{descriptors_to_servicers!r}"
        )
    table = _common.method_table(descriptors_to_servicers.keys(), what)
    handlers: dict[str, Any] = {}
    for service, servicer in descriptors_to_servicers.items():
        for descriptor in service.methods:
            path = f"/{service.full_name}/{descriptor.name}"
            behavior = getattr(servicer, descriptor.name, None)
            if behavior is None:
                continue
            method = table[path]
            handlers[path] = _HANDLER_FACTORIES[method.shape](
                behavior,
                request_deserializer=method.request_class.FromString,
                response_serializer=method.response_class.SerializeToString,
            )
    return table, handlers


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
        exchange = ServerExchange(loop, method, pairs, self._time)
        if not shape.startswith("stream"):
            _common.check_message(request, method.request_class, f"{what}: the request")
            exchange.request = request.SerializeToString()
            exchange.half_closed = True  # no request stream: context.read() gives EOF
        if seconds is not None:
            deadline = self._time.time() + seconds
            exchange.deadline = deadline
            if self._on_loop_clock:
                exchange.loop_deadline = deadline
            if seconds <= 0:
                loop.call_soon(exchange.expire)
            else:
                exchange.deadline_handle = self._time.call_at(exchange.expire, deadline)
        # Interceptors and handler start from an empty context, as on grpc.aio.
        exchange.task = contextvars.Context().run(
            loop.create_task, self._run(exchange, shape), name=f"rpc handler {method.path}"
        )
        exchange.task.add_done_callback(lambda _: exchange.test_waiters.wake())
        return exchange

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

    # -- running an RPC ---------------------------------------------------------

    async def _find_handler(self, details: HandlerCallDetails) -> Any:
        interceptors = self._interceptors

        async def step(index: int, call_details: Any) -> Any:
            if index == len(interceptors):
                return self._handlers.get(call_details.method)
            continuation = functools.partial(step, index + 1)
            return await interceptors[index].intercept_service(continuation, call_details)

        return await step(0, details)

    async def _run(self, x: ServerExchange, shape: str) -> None:
        try:
            handler = await self._find_handler(
                HandlerCallDetails(x.path, tuple(x.invocation_metadata))
            )
            behavior = None if handler is None else getattr(handler, shape.replace("-", "_"))
            if behavior is None:
                x.end(grpc.StatusCode.UNIMPLEMENTED, "Method not found!", (), "unimplemented")
                return
            await _run_behavior(x, shape, handler, behavior)
            x.end_from_handler()
        except grpc.aio.AbortError:
            x.end_from_handler()
        except asyncio.CancelledError:
            if x.code is None:  # cancelled from outside the double: report it so
                x.end(grpc.StatusCode.CANCELLED, "Handler task cancelled", (), "cancelled")
            raise
        except Exception as error:
            _LOGGER.debug("handler of %s raised", x.path, exc_info=True)
            code = x.set_code
            if code is None or code == grpc.StatusCode.OK:
                code = grpc.StatusCode.UNKNOWN
            x.end(code, f"Unexpected {type(error)}: {error}", x.set_trailing, "handler raised")


async def _run_behavior(x: ServerExchange, shape: str, handler: Any, behavior: Any) -> None:
    deserializer = handler.request_deserializer
    serializer = handler.response_serializer
    stream_request = shape.startswith("stream")
    stream_response = shape.endswith("stream")
    plain = not (inspect.iscoroutinefunction(behavior) or inspect.isasyncgenfunction(behavior))
    if plain and stream_request:
        await _run_in_thread(x, behavior, stream_response, deserializer, serializer)
        return
    context: Any
    if plain:
        context = SyncContext(x, deserializer, serializer)
    else:
        context = AsyncContext(x, deserializer, serializer)
    if stream_request:
        argument: Any = context.request_iterator()
    else:
        argument = x.request if deserializer is None else deserializer(x.request)
    result = behavior(argument, context)
    if stream_response:
        if hasattr(result, "__aiter__"):
            async for message in result:
                await context._write(message)
        elif inspect.isawaitable(result):  # an async def writing with context.write()
            await result
        elif result is not None:  # a generator or any other iterable
            for message in result:
                await context._write(message)
        return
    if inspect.isawaitable(result):
        result = await result
    _set_unary_response(x, result, serializer)


def _set_unary_response(x: ServerExchange, response: Any, serializer: Any) -> None:
    if x.code is not None or (x.set_code is not None and x.set_code != grpc.StatusCode.OK):
        return  # a failed RPC sends no response
    data = response if serializer is None else serializer(response)
    x.response = x.method.deserialize_response(data) if isinstance(data, bytes) else data


async def _run_in_thread(
    x: ServerExchange, behavior: Any, stream_response: bool, deserializer: Any, serializer: Any
) -> None:
    """Run a plain-function handler that reads a request stream in a worker thread.

    Its thread blocks on the request iterator, so it cannot run on the loop's
    thread.  It is not an executor job of the loop: on a virtual clock it
    counts as real work only while it runs handler code (``SyncContext``),
    so a deadline still passes while it waits for a request.  When the RPC
    is interrupted this task is cancelled at once; the thread gets the end
    of its requests (or an error from a write) and returns by itself, and
    ``termination()`` waits for it.
    """
    context = SyncContext(x, deserializer, serializer)

    def work() -> Any:
        # The pool lives for the process; the running_threads check names the RPC
        # while its handler still runs after the test.
        with threads.working_for(f"running the handler of RPC {x.method.path}"):
            result = behavior(context.blocking_requests(), context)
            if stream_response:
                for message in result:
                    if x.code is not None:
                        break
                    context.blocking_write(message)
                return None
            return result

    context.begin_work()
    try:
        job = _worker_threads().submit(contextvars.copy_context().run, work)
    except BaseException:
        context.worker_finished()
        raise
    x.worker = job
    job.add_done_callback(context.worker_done)
    # Cancelled when the RPC is interrupted; the thread then ends on its own.
    result = await asyncio.wrap_future(job)
    if not stream_response:
        _set_unary_response(x, result, serializer)


@functools.cache
def _worker_threads() -> concurrent.futures.ThreadPoolExecutor:
    """The threads of plain-function stream handlers (shared, made on first use)."""
    return concurrent.futures.ThreadPoolExecutor(thread_name_prefix="asynctoolkit-rpc-handler")
