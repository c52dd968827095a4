"""``rpc.connect``: checks its arguments at once, then opens a ``ConnectedChannel``.

The checks catch the mistakes a real server would only report call by call
(or never): a key that is not a service descriptor, a servicer that is
``None`` or a class, a servicer that implements none of its service's
methods (each missing, or inherited unchanged from the generated
``...Servicer`` base, whose methods only answer UNIMPLEMENTED), interceptors
of the wrong kind.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import grpc.aio

from asynctoolkit.rpc._common import (
    STREAM_STREAM,
    STREAM_UNARY,
    UNARY_STREAM,
    UNARY_UNARY,
    Method,
    service_methods,
)
from asynctoolkit.rpc._connected import ConnectedChannel
from asynctoolkit.rpc._server import method_handler, served_behaviors

__all__: list[str] = []

_WHAT = "rpc.connect()"

_CLIENT_KINDS = (
    (UNARY_UNARY, grpc.aio.UnaryUnaryClientInterceptor),
    (UNARY_STREAM, grpc.aio.UnaryStreamClientInterceptor),
    (STREAM_UNARY, grpc.aio.StreamUnaryClientInterceptor),
    (STREAM_STREAM, grpc.aio.StreamStreamClientInterceptor),
)


class Connection:
    """What ``rpc.connect(...)`` returns: ``async with`` it to get the channel."""

    def __init__(
        self,
        descriptors_to_servicers: Mapping[Any, object],
        interceptors: Sequence[Any],
        client_interceptors: Sequence[Any],
    ) -> None:
        if descriptors_to_servicers is None:
            raise TypeError(
                f"{_WHAT} needs a dict from ServiceDescriptor to servicer, e.g. "
                "{my_pb2.DESCRIPTOR.services_by_name['Greeter']: MyGreeter()}, got None"
            )
        _, behaviors = served_behaviors(descriptors_to_servicers, _WHAT)
        for service, servicer in descriptors_to_servicers.items():
            _check_servicer(service, servicer)
        self._services = sorted(service.full_name for service in descriptors_to_servicers)
        self._handlers = _Handlers(behaviors)
        self._interceptors = _server_interceptors(interceptors)
        self._client_interceptors = _client_interceptors(client_interceptors)
        self._channel: ConnectedChannel | None = None

    def __repr__(self) -> str:
        return f"<rpc.connect to {', '.join(self._services) or 'no service'}>"

    async def __aenter__(self) -> grpc.aio.Channel:
        if self._channel is not None:
            raise RuntimeError(f"{self!r} is already open: use one rpc.connect() per block")
        self._channel = ConnectedChannel(
            asyncio.get_running_loop(),
            self._services,
            self._handlers,
            self._interceptors,
            self._client_interceptors,
        )
        return self._channel

    async def __aexit__(self, *exc_info: object) -> None:
        channel, self._channel = self._channel, None
        assert channel is not None
        await channel.close(None)


class _Handlers(Mapping[str, Any]):
    """One ``grpc.RpcMethodHandler`` per served method path, each made when first used.

    Most tests call few of a service's methods: making the others would
    only slow down ``rpc.connect``.
    """

    def __init__(self, behaviors: dict[str, tuple[Method, Any]]) -> None:
        self._behaviors = behaviors
        self._made: dict[str, Any] = {}

    def get(self, path: str, default: Any = None) -> Any:
        handler = self._made.get(path)
        if handler is None:
            behavior = self._behaviors.get(path)
            if behavior is None:
                return default
            handler = self._made[path] = method_handler(*behavior)
        return handler

    def __getitem__(self, path: str) -> Any:
        handler = self.get(path)
        if handler is None:
            raise KeyError(path)
        return handler

    def __iter__(self) -> Iterator[str]:
        return iter(self._behaviors)

    def __len__(self) -> int:
        return len(self._behaviors)


def _check_servicer(service: Any, servicer: object) -> None:
    name = service.full_name
    if servicer is None:
        raise TypeError(f"{_WHAT}: the servicer for {name} is None; pass the servicer object")
    if isinstance(servicer, type):
        raise TypeError(
            f"{_WHAT}: the servicer for {name} is the class {servicer.__qualname__}; "
            f"pass an instance of it ({servicer.__qualname__}(...))"
        )
    methods = [method.name for _, method in service_methods(service)]
    if methods and not any(_implements(servicer, service.name, m) for m in methods):
        raise TypeError(
            f"{_WHAT}: the servicer for {name}, {servicer!r}, implements none of its methods "
            f"({', '.join(methods)}): each is missing or inherited unchanged from the generated "
            f"{service.name}Servicer, which answers UNIMPLEMENTED. Pass the object that "
            f"implements {name} (a subclass of {service.name}Servicer overriding its methods)."
        )


def _implements(servicer: object, service_name: str, method_name: str) -> bool:
    """Whether ``servicer`` has a method ``method_name`` of its own (not the generated one)."""
    attribute = getattr(servicer, method_name, None)
    if attribute is None:
        return False
    function = getattr(attribute, "__func__", attribute)
    code = getattr(function, "__code__", None)
    generated = (
        getattr(function, "__qualname__", None) == f"{service_name}Servicer.{method_name}"
        and code is not None
        and "Method not implemented!" in code.co_consts
    )
    return not generated


def _server_interceptors(interceptors: Sequence[Any]) -> tuple[Any, ...]:
    if interceptors is None or isinstance(interceptors, grpc.aio.ServerInterceptor):
        raise TypeError(f"{_WHAT}: interceptors must be a sequence, got {interceptors!r}")
    for interceptor in interceptors:
        if not isinstance(interceptor, grpc.aio.ServerInterceptor):
            hint = (
                " (that is a client interceptor: pass it as client_interceptors=)"
                if isinstance(interceptor, grpc.aio.ClientInterceptor)
                else ""
            )
            raise TypeError(
                f"{_WHAT}: interceptors must be grpc.aio.ServerInterceptor instances, "
                f"got {interceptor!r}{hint}"
            )
    return tuple(interceptors)


def _client_interceptors(interceptors: Sequence[Any]) -> dict[str, list[Any]]:
    if interceptors is None or isinstance(interceptors, grpc.aio.ClientInterceptor):
        raise TypeError(f"{_WHAT}: client_interceptors must be a sequence, got {interceptors!r}")
    by_kind: dict[str, list[Any]] = {kind: [] for kind, _ in _CLIENT_KINDS}
    for interceptor in interceptors:
        if not isinstance(interceptor, grpc.aio.ClientInterceptor):
            hint = (
                " (that is a server interceptor: pass it as interceptors=)"
                if isinstance(interceptor, grpc.aio.ServerInterceptor)
                else ""
            )
            raise TypeError(
                f"{_WHAT}: client_interceptors must be grpc.aio client interceptors "
                f"(UnaryUnaryClientInterceptor, ...), got {interceptor!r}{hint}"
            )
        for kind, base in _CLIENT_KINDS:
            if isinstance(interceptor, base):
                by_kind[kind].append(interceptor)
    return by_kind
