"""The multicallables a channel hands generated stubs, shared by both channels.

``channel.unary_unary(path, serializer, deserializer)`` and its three
siblings return one of the classes below; calling it asks the channel
(a ``Caller``) to start the RPC.  The channel double and ``rpc.connect``'s
channel differ only in what ``call`` does.
"""

from __future__ import annotations

from typing import Any, Protocol, cast

import grpc.aio

from asynctoolkit.rpc._common import STREAM_STREAM, STREAM_UNARY, UNARY_STREAM, UNARY_UNARY

__all__: list[str] = []


class Caller(Protocol):
    """What a multicallable needs from its channel."""

    def call(
        self,
        multicallable: MultiCallable,
        request: Any,
        timeout: Any,
        metadata: Any,
        credentials: Any,
        wait_for_ready: bool | None,
    ) -> Any:
        """Start one RPC of ``multicallable`` and return the call object for the caller."""
        ...


class MultiCallable:
    """What ``channel.unary_unary(...)`` and friends return to a stub."""

    __slots__ = ("caller", "deserializer", "path", "serializer", "shape")

    def __init__(
        self, caller: Caller, method: str | bytes, shape: str, serializer: Any, deserializer: Any
    ) -> None:
        self.caller = caller
        self.path = method.decode() if isinstance(method, bytes) else method
        self.shape = shape
        self.serializer = serializer
        self.deserializer = deserializer

    def __call__(
        self,
        request: Any = None,
        timeout: float | None = None,
        metadata: Any = None,
        credentials: Any = None,
        wait_for_ready: bool | None = None,
        compression: Any = None,
    ) -> Any:
        return self.caller.call(self, request, timeout, metadata, credentials, wait_for_ready)


class _UnaryUnaryMultiCallable(MultiCallable, grpc.aio.UnaryUnaryMultiCallable):  # type: ignore[misc]
    __slots__ = ()


class _UnaryStreamMultiCallable(MultiCallable, grpc.aio.UnaryStreamMultiCallable):  # type: ignore[misc]
    __slots__ = ()


class _StreamUnaryMultiCallable(MultiCallable, grpc.aio.StreamUnaryMultiCallable):  # type: ignore[misc]
    __slots__ = ()


class _StreamStreamMultiCallable(MultiCallable, grpc.aio.StreamStreamMultiCallable):  # type: ignore[misc]
    __slots__ = ()


class MultiCallableFactory:
    """The four ``grpc.aio.Channel`` methods stubs call, for a channel that is a ``Caller``."""

    def unary_unary(
        self,
        method: str,
        request_serializer: Any = None,
        response_deserializer: Any = None,
        _registered_method: bool | None = False,
    ) -> Any:
        return _UnaryUnaryMultiCallable(
            cast(Caller, self), method, UNARY_UNARY, request_serializer, response_deserializer
        )

    def unary_stream(
        self,
        method: str,
        request_serializer: Any = None,
        response_deserializer: Any = None,
        _registered_method: bool | None = False,
    ) -> Any:
        return _UnaryStreamMultiCallable(
            cast(Caller, self), method, UNARY_STREAM, request_serializer, response_deserializer
        )

    def stream_unary(
        self,
        method: str,
        request_serializer: Any = None,
        response_deserializer: Any = None,
        _registered_method: bool | None = False,
    ) -> Any:
        return _StreamUnaryMultiCallable(
            cast(Caller, self), method, STREAM_UNARY, request_serializer, response_deserializer
        )

    def stream_stream(
        self,
        method: str,
        request_serializer: Any = None,
        response_deserializer: Any = None,
        _registered_method: bool | None = False,
    ) -> Any:
        return _StreamStreamMultiCallable(
            cast(Caller, self), method, STREAM_STREAM, request_serializer, response_deserializer
        )
