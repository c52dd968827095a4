"""A small line-based protocol client: the code under test of ``test_lineproto.py``.

Peers exchange UTF-8 text lines ended by ``\\n``.  ``LineProtocol`` is an
``asyncio.Protocol``: the transport calls ``data_received`` with whatever
bytes arrived (half a line, three lines...) and the protocol splits them into
lines that ``read_line()`` returns one by one.  Writing goes the other way:
``write_line()`` hands bytes to the transport, and ``drain()`` waits while the
transport's buffer is too full (the transport calls ``pause_writing`` and
``resume_writing``).  ``request()`` combines both for a command/answer
exchange.

Nothing here knows about tests: the tests give ``open_line_connection`` a
mocked socket (``asynctoolkit.selector.SocketMock``) and play the peer.
"""

from __future__ import annotations

import asyncio
import collections
import socket

__all__ = ["LineProtocol", "LineTooLong", "open_line_connection"]


class LineTooLong(ValueError):
    """The peer sent a line longer than ``max_line`` bytes (the connection is closed)."""


class LineProtocol(asyncio.Protocol):
    """A connection exchanging text lines; see the module documentation.

    ``max_line``: the longest line accepted, in bytes, without its ``\\n``;
    a longer one closes the connection and makes ``read_line()`` raise
    ``LineTooLong``.
    """

    def __init__(self, *, max_line: int = 64 * 1024) -> None:
        self.max_line = max_line
        self._transport: asyncio.Transport | None = None
        self._partial = b""  # bytes received after the last complete line
        self._lines: collections.deque[str] = collections.deque()
        self._error: Exception | None = None  # why no more lines will come, once known
        self._eof = False
        self._line_waiter: asyncio.Future[None] | None = None
        self._can_write: asyncio.Event = asyncio.Event()
        self._can_write.set()
        self._closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    # -- called by the transport ----------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        *complete, self._partial = (self._partial + data).split(b"\n")
        for raw in complete:
            if len(raw) > self.max_line:
                self._fail(LineTooLong(f"a line of {len(raw)} bytes (limit {self.max_line})"))
                return
            self._lines.append(raw.decode())
        if len(self._partial) > self.max_line:
            self._fail(LineTooLong(f"a line longer than the limit of {self.max_line} bytes"))
            return
        self._wake_reader()

    def eof_received(self) -> bool:
        # The peer will send nothing more.  Returning False lets the
        # transport close itself (we have nothing left to say either).
        self._eof = True
        self._wake_reader()
        return False

    def pause_writing(self) -> None:
        self._can_write.clear()  # the transport's buffer is above its high-water mark

    def resume_writing(self) -> None:
        self._can_write.set()

    def connection_lost(self, exc: Exception | None) -> None:
        if exc is not None and self._error is None:
            self._error = exc
        self._eof = True
        self._can_write.set()  # a writer waiting in drain() must not hang
        self._wake_reader()
        if not self._closed.done():
            self._closed.set_result(None)

    # -- used by the application ---------------------------------------------
    @property
    def transport(self) -> asyncio.Transport:
        """The connection's transport (to tune ``set_write_buffer_limits``, for instance)."""
        if self._transport is None:
            raise ConnectionError("not connected yet")
        return self._transport

    async def read_line(self) -> str:
        """The next line, without its ``\\n``.

        Raises ``EOFError`` once the peer closed the connection and every
        line was read, or the error that broke the connection.
        """
        while not self._lines:
            if self._error is not None:
                raise self._error
            if self._eof:
                raise EOFError("the peer closed the connection")
            self._line_waiter = asyncio.get_running_loop().create_future()
            try:
                await self._line_waiter
            finally:
                self._line_waiter = None
        return self._lines.popleft()

    def write_line(self, text: str) -> None:
        """Queue one line for sending (``text`` must not contain ``\\n``)."""
        if "\n" in text:
            raise ValueError(f"a line cannot contain a newline: {text!r}")
        if self._transport is None or self._transport.is_closing():
            raise ConnectionError("the connection is closed")
        self._transport.write(text.encode() + b"\n")

    async def drain(self) -> None:
        """Wait until the transport accepts more data (its buffer went low)."""
        await self._can_write.wait()
        if self._error is not None:
            raise self._error

    async def request(self, command: str) -> str:
        """Send ``command`` and return the peer's one-line answer."""
        self.write_line(command)
        await self.drain()
        return await self.read_line()

    def close(self) -> None:
        """Close the connection (buffered lines are still sent first)."""
        if self._transport is not None:
            self._transport.close()

    async def wait_closed(self) -> None:
        """Wait until the connection is fully closed."""
        await self._closed

    # -- private ---------------------------------------------------------------
    def _wake_reader(self) -> None:
        if self._line_waiter is not None and not self._line_waiter.done():
            self._line_waiter.set_result(None)

    def _fail(self, error: Exception) -> None:
        self._error = error
        self._wake_reader()
        if self._transport is not None:
            self._transport.close()


async def open_line_connection(
    host: str | None = None,
    port: int | None = None,
    *,
    sock: socket.socket | None = None,
    max_line: int = 64 * 1024,
) -> LineProtocol:
    """Connect to ``host``:``port`` (or use the connected ``sock``); return the protocol."""
    loop = asyncio.get_running_loop()

    def factory() -> LineProtocol:
        return LineProtocol(max_line=max_line)

    if sock is not None:
        _transport, protocol = await loop.create_connection(factory, sock=sock)
    elif host is None or port is None:
        raise ValueError("open_line_connection() needs host and port, or sock")
    else:
        _transport, protocol = await loop.create_connection(factory, host, port)
    return protocol
