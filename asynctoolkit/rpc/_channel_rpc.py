"""The rpc objects with which a test plays server on the channel double.

Mistakes are reported where they are made: a response of the wrong type, a
second ``terminate``, a response after termination raise at once.  The client
ending an RPC first (cancel, deadline) is a race the test cannot prevent, so
answering such an RPC is silently ignored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import grpc

from asynctoolkit.rpc import _common
from asynctoolkit.rpc._contract import (
    Metadata,
    StreamStreamChannelRpc,
    StreamUnaryChannelRpc,
    UnaryStreamChannelRpc,
    UnaryUnaryChannelRpc,
)
from asynctoolkit.rpc._exchange import BY_TEST, Exchange

if TYPE_CHECKING:
    from asynctoolkit.rpc._wired import WiredExchange

__all__: list[str] = []


class _ChannelRpcBase:
    """Shared by the four shapes; each public class picks its methods."""

    __slots__ = ("_x",)

    def __init__(self, exchange: Exchange) -> None:
        self._x = exchange

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._x.describe()}>"

    def _what(self, method: str) -> str:
        return f"{method}() on {self._x.path}"

    def _check_open(self, method: str) -> bool:
        """True if the test may still answer; False if the client ended the RPC."""
        x = self._x
        if x.ended_by == BY_TEST:
            code = x.code or getattr(x, "status_sent", None)  # in flight, in an explored run
            raise RuntimeError(
                f"{self._what(method)}: the RPC was already terminated with "
                f"{code.name if code else '?'}; terminate() ends it for good"
            )
        return x.code is None

    def _bound(self, timeout: float | None, method: str) -> float:
        return _common.wait_bound(timeout, self._what(method), self._x.loop_deadline)

    def send_initial_metadata(self, initial_metadata: Metadata) -> None:
        pairs = _common.metadata(initial_metadata, self._what("send_initial_metadata"))
        if not self._check_open("send_initial_metadata"):
            return
        x = self._x
        if x.initial_metadata is not None or x.headers_sent:
            raise RuntimeError(
                f"{self._what('send_initial_metadata')}: initial metadata was already sent "
                "(explicitly, or implicitly with the first response); send it first, once"
            )
        if x.wire is not None:
            cast("WiredExchange", x).send_metadata(pairs)
            return
        x.initial_metadata = pairs
        x.client_waiters.wake()

    def _serialize(self, response: Any, caller: str) -> Any:
        method = self._x.method
        if method is None:  # pragma: no cover - unknown methods are never taken
            return response
        if type(response) is not method.response_class:
            what = f"{self._what(caller)}: the response"
            _common.check_message(response, method.response_class, what)
        return response.SerializeToString()

    def _terminate(
        self, response: Any, trailing_metadata: Metadata, code: Any, details: Any, unary: bool
    ) -> None:
        # Checked without building messages first: this is on every RPC's path.
        trailing = (
            _common.metadata(trailing_metadata, f"{self._what('terminate')}: trailing_metadata")
            if trailing_metadata
            else ()
        )
        if not isinstance(code, grpc.StatusCode):
            _common.status_code(code, self._what("terminate"))
        text = (
            details
            if type(details) is str
            else _common.status_details(details, self._what("terminate"))
        )
        data = None
        if unary and code == grpc.StatusCode.OK:
            if response is None:
                raise TypeError(
                    f"{self._what('terminate')}: an RPC that ends with OK needs a response"
                )
            data = self._serialize(response, "terminate")
        if not self._check_open("terminate"):
            return
        x = self._x
        if x.wire is not None:
            cast("WiredExchange", x).send_status(data, code, text, trailing)
            return
        x.response = data
        x.end(code, text, trailing, BY_TEST)

    async def cancelled(self, *, timeout: float | None = None) -> None:
        x = self._x
        bound = self._bound(timeout, "cancelled")

        def explain(seconds: float) -> str:
            return (
                f"{self._what('cancelled')} timed out after {seconds:g} s: the code under "
                f"test neither cancelled the RPC nor let its deadline pass ({x.describe()})"
            )

        await _common.wait_until(x.test_waiters, lambda: x.code is not None, bound, explain)
        if x.ended_by == BY_TEST:
            raise RuntimeError(
                f"{self._what('cancelled')}: the RPC was not cancelled, the test "
                f"terminated it with {x.code.name if x.code else '?'}"
            )


class _Responses(_ChannelRpcBase):
    __slots__ = ()

    def send_response(self, response: Any) -> None:
        data = self._serialize(response, "send_response")
        if not self._check_open("send_response"):
            return
        x = self._x
        if x.wire is not None:
            cast("WiredExchange", x).send_response(data)
            return
        if x.initial_metadata is None:
            x.initial_metadata = ()
        x.responses.append(data)
        x.responses_sent += 1
        x.client_waiters.wake()


class _Requests(_ChannelRpcBase):
    __slots__ = ()

    async def take_request(self, *, timeout: float | None = None) -> Any:
        x = self._x
        if x.requests:  # fast path: nothing to wait for
            return self._pop_request()
        bound = self._bound(timeout, "take_request")

        def explain(seconds: float) -> str:
            return (
                f"{self._what('take_request')} timed out after {seconds:g} s: the code under "
                f"test sent {x.requests_sent} requests, all taken, and neither sent another "
                f"nor closed its request stream ({x.describe()})"
            )

        await _common.wait_until(
            x.test_waiters,
            lambda: bool(x.requests) or x.half_closed or x.code is not None,
            bound,
            explain,
        )
        if x.requests:
            return self._pop_request()
        reason = "closed its request stream" if x.half_closed else f"the RPC was {x.ended_by}"
        raise RuntimeError(
            f"{self._what('take_request')}: no request to take: {reason} after "
            f"{x.requests_sent} requests, all already taken"
        )

    def _pop_request(self) -> Any:
        x = self._x
        x.requests_taken += 1
        request = x.requests.popleft()
        x.client_waiters.wake()  # the flow-control window opened
        return request

    async def requests_closed(self, *, timeout: float | None = None) -> None:
        x = self._x
        bound = self._bound(timeout, "requests_closed")

        def explain(seconds: float) -> str:
            return (
                f"{self._what('requests_closed')} timed out after {seconds:g} s: the code "
                f"under test has not closed its request stream ({x.describe()})"
            )

        await _common.wait_until(
            x.test_waiters, lambda: x.half_closed or x.code is not None, bound, explain
        )


class FakeUnaryUnaryChannelRpc(_ChannelRpcBase, UnaryUnaryChannelRpc):
    __slots__ = ()

    def terminate(
        self, response: Any, trailing_metadata: Metadata, code: grpc.StatusCode, details: str
    ) -> None:
        self._terminate(response, trailing_metadata, code, details, unary=True)


class FakeUnaryStreamChannelRpc(_Responses, UnaryStreamChannelRpc):
    __slots__ = ()

    def terminate(self, trailing_metadata: Metadata, code: grpc.StatusCode, details: str) -> None:
        self._terminate(None, trailing_metadata, code, details, unary=False)


class FakeStreamUnaryChannelRpc(_Requests, StreamUnaryChannelRpc):
    __slots__ = ()

    def terminate(
        self, response: Any, trailing_metadata: Metadata, code: grpc.StatusCode, details: str
    ) -> None:
        self._terminate(response, trailing_metadata, code, details, unary=True)


class FakeStreamStreamChannelRpc(_Requests, _Responses, StreamStreamChannelRpc):
    __slots__ = ()

    def terminate(self, trailing_metadata: Metadata, code: grpc.StatusCode, details: str) -> None:
        self._terminate(None, trailing_metadata, code, details, unary=False)
