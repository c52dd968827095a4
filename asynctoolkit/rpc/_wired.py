"""The RPCs of an explored run: every message travels on the RPC's wire (``_wire``).

``WiredExchange`` (channel double), ``WiredLink`` (``rpc.connect``) and
``WiredServerExchange`` (server double) replace ``Exchange``, ``Link`` and
``ServerExchange`` for the RPCs of a run of ``asynctoolkit.explore`` that
asks for latency or faults.  Each overrides what sends a message: instead of
changing what the receiver sees at once, the change is sent on a lane of the
wire and made when it arrives (``_..._arrived``), unless the RPC ended
first.  The sender's own view moves at once: how many messages it has in
flight (they count in the flow-control windows), whether its initial
metadata or its status is on its way.

Outside exploration the doubles build the base classes, whose code paths are
those of a double without exploration: exploring costs them nothing.
"""

from __future__ import annotations

import functools
from typing import Any

import grpc

from asynctoolkit.rpc._common import MetadataTuple
from asynctoolkit.rpc._exchange import BY_TEST, REQUEST_WINDOW, Exchange
from asynctoolkit.rpc._handlers import BY_HANDLER_ERROR, BY_UNIMPLEMENTED
from asynctoolkit.rpc._link import (
    BY_HANDLER,
    MAX_MESSAGE,
    WINDOW_BYTES,
    WINDOW_MESSAGES,
    Link,
    message_size,
)
from asynctoolkit.rpc._server_rpc import BY_HANDLER as BY_SERVER_HANDLER
from asynctoolkit.rpc._server_rpc import RESPONSE_WINDOW, ServerExchange
from asynctoolkit.rpc._wire import BY_FAULT, Wire

__all__: list[str] = []

# Endings that are a status the server sends: it travels to the client.
# Cancellation, deadlines, resets and the client library's own failures act
# on both ends at once.
_SENT_BY_SERVER = frozenset({BY_HANDLER, BY_SERVER_HANDLER, BY_UNIMPLEMENTED, BY_HANDLER_ERROR})


class WiredExchange(Exchange):
    """An RPC of the channel double in an explored run: the test plays server."""

    __slots__ = ("requests_in_flight", "status_sent")

    wire: Wire

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.requests_in_flight = 0
        self.status_sent: grpc.StatusCode | None = None

    def end(
        self, code: grpc.StatusCode, details: str, trailing_metadata: MetadataTuple, by: str
    ) -> bool:
        if self.code is None:
            self.wire.close(everything=False)  # the start still reaches the test
        return super().end(code, details, trailing_metadata, by)

    def reset(self, code: grpc.StatusCode, details: str) -> None:
        """An injected fault ended the RPC, for both ends."""
        self.end(code, details, (), BY_FAULT)

    # -- the code under test's requests ---------------------------------------------

    def window_open(self) -> bool:
        return (
            self.code is not None or len(self.requests) + self.requests_in_flight < REQUEST_WINDOW
        )

    def add_request(self, request: Any) -> None:
        self.requests_sent += 1
        self.requests_in_flight += 1
        what = f"request {self.requests_sent}"
        arrive = functools.partial(self._request_arrived, request)
        self.wire.up(what, self.wire.reset(what, arrive, self.reset))

    def _request_arrived(self, request: Any) -> None:
        self.requests_in_flight -= 1
        if self.code is None:
            self.requests.append(request)
            self.test_waiters.wake()

    def close_requests(self) -> None:
        if not self.writes_done:
            self.writes_done = True
            self.wire.up("end of requests", self._requests_closed)

    def _requests_closed(self) -> None:
        self.half_closed = True
        self.test_waiters.wake()

    # -- what the test sends ---------------------------------------------------------

    def send_metadata(self, pairs: MetadataTuple) -> None:
        self.headers_sent = True
        self.wire.down("initial metadata", functools.partial(self._metadata_arrived, pairs))

    def _metadata_arrived(self, pairs: MetadataTuple) -> None:
        if self.code is None and self.initial_metadata is None:
            self.initial_metadata = pairs
            self.client_waiters.wake()

    def send_response(self, data: Any) -> None:
        self.headers_sent = True
        self.responses_sent += 1
        what = f"response {self.responses_sent}"
        arrive = functools.partial(self._response_arrived, data)
        self.wire.down(what, self.wire.reset(what, arrive, self.reset))

    def _response_arrived(self, data: Any) -> None:
        if self.code is None:
            if self.initial_metadata is None:
                self.initial_metadata = ()
            self.responses.append(data)
            self.client_waiters.wake()

    def send_status(
        self, response: Any, code: grpc.StatusCode, details: str, trailing: MetadataTuple
    ) -> None:
        # The test ended the RPC (a second terminate raises), the client does not know yet.
        self.ended_by = BY_TEST
        self.status_sent = code
        arrive = functools.partial(self._status_arrived, response, code, details, trailing)
        self.wire.down(f"status {code.name}", arrive)

    def _status_arrived(
        self, response: Any, code: grpc.StatusCode, details: str, trailing: MetadataTuple
    ) -> None:
        if self.code is None:
            self.response = response
            self.end(code, details, trailing, BY_TEST)


class WiredLink(Link):
    """An RPC of ``rpc.connect`` in an explored run: a handler answers."""

    wire: Wire
    requests_in_flight = 0
    responses_in_flight = 0
    status_sent = False

    def end(
        self, code: grpc.StatusCode, details: str, trailing_metadata: MetadataTuple, by: str
    ) -> bool:
        """A status the server sends reaches the client later; the first one sent travels."""
        if self.code is not None:
            return False
        if by in _SENT_BY_SERVER:
            if self.status_sent:
                return False
            self.status_sent = True
            arrive = functools.partial(self._status_arrived, code, details, trailing_metadata, by)
            self.wire.down(f"status {code.name}", arrive)
            return True
        self.wire.close()  # what is still on its way is lost
        return super().end(code, details, trailing_metadata, by)

    def _status_arrived(
        self, code: grpc.StatusCode, details: str, trailing_metadata: MetadataTuple, by: str
    ) -> None:
        if self.code is None:
            self.wire.close()
            super().end(code, details, trailing_metadata, by)

    def reset(self, code: grpc.StatusCode, details: str) -> None:
        """An injected fault ended the RPC: both ends see it now."""
        self.end(code, details, (), BY_FAULT)

    # -- the client's requests --------------------------------------------------------

    def window_open(self) -> bool:
        return self.code is not None or (
            len(self.requests) + self.requests_in_flight < WINDOW_MESSAGES
            and self.request_bytes < WINDOW_BYTES
        )

    def add_request(self, data: Any) -> None:
        size = len(data) if type(data) is bytes else message_size(data)
        if size > MAX_MESSAGE and self.too_large(size, "SERVER"):
            return
        self.request_bytes += size
        self.requests_sent += 1
        self.requests_in_flight += 1
        what = f"request {self.requests_sent}"
        arrive = functools.partial(self._request_arrived, data)
        self.wire.up(what, self.wire.reset(what, arrive, self.reset))

    def _request_arrived(self, data: Any) -> None:
        self.requests_in_flight -= 1
        if self.code is None:
            self.requests.append(data)
            self.handler_waiters.wake()

    def close_requests(self) -> None:
        if not self.writes_done:
            self.writes_done = True
            self.wire.up("end of requests", self._requests_closed)

    def _requests_closed(self) -> None:
        self.half_closed = True
        self.handler_waiters.wake()

    # -- the handler's responses --------------------------------------------------------

    def response_window_open(self) -> bool:
        return (
            len(self.responses) + self.responses_in_flight < WINDOW_MESSAGES
            and self.response_bytes < WINDOW_BYTES
        )

    def add_response(self, data: Any) -> None:
        size = len(data) if type(data) is bytes else message_size(data)
        self.headers_sent = True
        self.responses_sent += 1
        what = f"response {self.responses_sent}"
        if size > MAX_MESSAGE:  # the client finds it too large when it arrives
            self.wire.down(what, functools.partial(self.too_large, size, "CLIENT"))
            return
        self.response_bytes += size
        self.responses_in_flight += 1
        arrive = functools.partial(self._response_arrived, data)
        self.wire.down(what, self.wire.reset(what, arrive, self.reset))

    def _response_arrived(self, data: Any) -> None:
        self.responses_in_flight -= 1
        if self.code is None:
            if self.initial_metadata is None:
                self.initial_metadata = ()
            self.responses.append(data)
            self.client_waiters.wake()

    def send_initial_metadata(self, pairs: MetadataTuple) -> None:
        self.headers_sent = True
        self.wire.down("initial metadata", functools.partial(self._metadata_arrived, pairs))

    def _metadata_arrived(self, pairs: MetadataTuple) -> None:
        if self.code is None and self.initial_metadata is None:
            self.initial_metadata = pairs
            self.client_waiters.wake()


class WiredServerExchange(ServerExchange):
    """An RPC of the server double in an explored run: the test plays client."""

    wire: Wire
    responses_in_flight = 0
    status_sent = False

    def end(self, code: grpc.StatusCode, details: str, trailing: MetadataTuple, by: str) -> bool:
        """A status the handler's side sends reaches the test later; the first one travels."""
        if self.code is not None:
            return False
        if by in _SENT_BY_SERVER:
            if self.status_sent:
                return False
            self.status_sent = True
            arrive = functools.partial(self._status_arrived, code, details, trailing, by)
            self.wire.down(f"status {code.name}", arrive)
            return True
        self.wire.close()  # what is still on its way is lost
        return super().end(code, details, trailing, by)

    def _status_arrived(
        self, code: grpc.StatusCode, details: str, trailing: MetadataTuple, by: str
    ) -> None:
        if self.code is None:
            self.wire.close()
            super().end(code, details, trailing, by)

    def reset(self, code: grpc.StatusCode, details: str) -> None:
        """An injected fault ended the RPC: the handler is interrupted, as by a cancel."""
        self.interrupt(code, details, BY_FAULT)

    # -- the test's requests ------------------------------------------------------------

    def send_request(self, data: bytes) -> None:
        self.requests_sent += 1
        what = f"request {self.requests_sent}"
        arrive = functools.partial(self._request_arrived, data)
        self.wire.up(what, self.wire.reset(what, arrive, self.reset))

    def _request_arrived(self, data: bytes) -> None:
        if self.code is None:
            self.requests.append(data)
            self.handler_waiters.wake()

    def close_requests(self) -> None:
        if not self.writes_done:
            self.writes_done = True
            self.wire.up("end of requests", self._requests_closed)

    def _requests_closed(self) -> None:
        self.half_closed = True
        self.handler_waiters.wake()

    # -- the handler's responses --------------------------------------------------------

    def response_window_open(self) -> bool:
        return len(self.responses) + self.responses_in_flight < RESPONSE_WINDOW

    def add_response(self, data: Any) -> None:
        self.headers_sent = True
        self.responses_sent += 1
        self.responses_in_flight += 1
        what = f"response {self.responses_sent}"
        arrive = functools.partial(self._response_arrived, self._decode(data))
        self.wire.down(what, self.wire.reset(what, arrive, self.reset))

    def _response_arrived(self, response: Any) -> None:
        self.responses_in_flight -= 1
        if self.code is None:
            if self.initial_metadata is None:
                self.initial_metadata = ()
            self.responses.append(response)
            self.test_waiters.wake()

    def send_initial_metadata(self, pairs: MetadataTuple) -> None:
        self.headers_sent = True
        self.wire.down("initial metadata", functools.partial(self._metadata_arrived, pairs))

    def _metadata_arrived(self, pairs: MetadataTuple) -> None:
        if self.code is None and self.initial_metadata is None:
            self.initial_metadata = pairs
            self.test_waiters.wake()
