"""A stock-quote client, in the style of the asyncio code asynctest suites tested.

``QuoteReader`` reads ``SYMBOL PRICE`` lines from a connected non-blocking
socket that it watches with ``loop.add_reader``; ``portfolio_value`` asks
``fetch_price`` for several prices at once; ``PriceAlert`` polls a price
every ``interval`` seconds and notifies once when it reaches a threshold.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Awaitable, Callable


class QuoteReader:
    """Reads quotes, one ``SYMBOL PRICE`` line each, from a non-blocking socket."""

    def __init__(self, sock: socket.socket, loop: asyncio.AbstractEventLoop) -> None:
        self._sock = sock
        self._loop = loop
        self._buffer = b""
        self._eof = False
        self._waiter: asyncio.Future[None] | None = None

    async def read_quote(self) -> tuple[str, float] | None:
        """The next quote, or None once the peer has closed the connection."""
        while b"\n" not in self._buffer and not self._eof:
            self._waiter = self._loop.create_future()
            self._loop.add_reader(self._sock, self._on_readable)
            try:
                await self._waiter
            finally:
                self._loop.remove_reader(self._sock)
                self._waiter = None
        if b"\n" not in self._buffer:
            return None
        line, self._buffer = self._buffer.split(b"\n", 1)
        symbol, price = line.decode().split()
        return symbol, float(price)

    def _on_readable(self) -> None:
        try:
            data = self._sock.recv(4096)
        except BlockingIOError:
            return
        self._buffer += data
        self._eof = not data
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)


async def fetch_price(symbol: str) -> float:
    """Ask the quote server for the price of ``symbol``."""
    reader, writer = await asyncio.open_connection("quotes.invalid", 7000)
    try:
        writer.write(symbol.encode() + b"\n")
        return float(await reader.readline())
    finally:
        writer.close()


async def portfolio_value(holdings: dict[str, int]) -> float:
    """The value of ``holdings`` (symbol -> shares), its prices fetched concurrently."""
    prices = await asyncio.gather(*(fetch_price(symbol) for symbol in holdings))
    return sum(shares * price for shares, price in zip(holdings.values(), prices, strict=True))


class PriceAlert:
    """Polls ``fetch(symbol)`` every ``interval`` seconds until the price reaches ``threshold``.

    Then awaits ``notify(symbol, price)`` once and stops polling.
    """

    def __init__(
        self,
        fetch: Callable[[str], Awaitable[float]],
        notify: Callable[[str, float], Awaitable[None]],
        symbol: str,
        threshold: float,
        interval: float = 60.0,
    ) -> None:
        self._fetch = fetch
        self._notify = notify
        self._symbol = symbol
        self._threshold = threshold
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._poll())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _poll(self) -> None:
        while True:
            price = await self._fetch(self._symbol)
            if price >= self._threshold:
                await self._notify(self._symbol, price)
                return
            await asyncio.sleep(self._interval)
