"""``rpc.serve``: a real grpc.aio server and channel, for integration tests.

The servicers are registered from their descriptors exactly as the server
double finds them (one ``grpc.RpcMethodHandler`` per method), so the same
``{descriptor: servicer}`` dict works for both.  The server listens on
127.0.0.1 only, on a port the system picks; gRPC's own threads and clock run
it, so deadlines are real time and a virtual-clock loop cannot drive it.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping, Sequence
from concurrent import futures
from typing import Any

import grpc
import grpc.aio

from asynctoolkit.rpc._handlers import WORKER_THREADS
from asynctoolkit.rpc._server import method_handlers

__all__: list[str] = []

# Seconds the server gets to finish RPCs still running when the block exits.
_STOP_GRACE = 1.0


@contextlib.asynccontextmanager
async def serve(
    descriptors_to_servicers: Mapping[Any, object],
    interceptors: Sequence[Any],
    client_interceptors: Sequence[Any],
) -> AsyncIterator[grpc.aio.Channel]:
    _, handlers = method_handlers(descriptors_to_servicers, "rpc.serve()")
    for interceptor in interceptors:
        if not isinstance(interceptor, grpc.aio.ServerInterceptor):
            raise TypeError(
                "rpc.serve(): interceptors must be grpc.aio.ServerInterceptor instances, "
                f"got {interceptor!r}"
            )
    for interceptor in client_interceptors:
        if not isinstance(interceptor, grpc.aio.ClientInterceptor):
            raise TypeError(
                "rpc.serve(): client_interceptors must be grpc.aio client interceptors "
                f"(UnaryUnaryClientInterceptor, ...), got {interceptor!r}"
            )
    by_service: dict[str, dict[str, Any]] = {}
    for path, handler in handlers.items():
        service, name = path[1:].rsplit("/", 1)
        by_service.setdefault(service, {})[name] = handler
    pool = futures.ThreadPoolExecutor(WORKER_THREADS, "asynctoolkit-rpc-serve")
    server = grpc.aio.server(migration_thread_pool=pool, interceptors=tuple(interceptors) or None)
    try:
        server.add_generic_rpc_handlers(
            [grpc.method_handlers_generic_handler(s, h) for s, h in by_service.items()]
        )
        port = server.add_insecure_port("127.0.0.1:0")
        if not port:
            raise OSError("rpc.serve(): could not bind a port on 127.0.0.1")
        await server.start()
        target = f"127.0.0.1:{port}"
        interceptors_ = list(client_interceptors) or None
        async with grpc.aio.insecure_channel(target, interceptors=interceptors_) as channel:
            yield channel
    finally:
        await server.stop(_STOP_GRACE)
        pool.shutdown(wait=False, cancel_futures=True)
