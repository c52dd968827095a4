"""Tests of the line protocol over a mocked socket, with asynctoolkit.TestCase.

What to notice:
- ``SocketMock()`` stands for the connected socket: the event loop builds a
  real transport on it (``create_connection(sock=...)``), so the code under
  test runs exactly as in production, minus the network;
- the test plays the peer: it says what the socket will return
  (``sock.recv.return_value``, ``sock.send.side_effect``), then tells the loop
  the socket is readable or writable with ``set_read_ready(sock)`` /
  ``set_write_ready(sock)``; the transport's callbacks run on the next loop
  iteration, as if the selector had reported the socket;
- what the code sent is asserted on ``sock.send`` like on any mock;
- every test closes the connection (``addAsyncCleanup``): a transport left
  open would keep its reader registered, and the ``active_selector_callbacks``
  check would fail the test, naming the socket mock.
"""

from __future__ import annotations

import asyncio
from unittest import mock

import asynctoolkit
from asynctoolkit.selector import SocketMock, set_read_ready, set_write_ready
from lineproto.lineproto import LineProtocol, LineTooLong, open_line_connection

#: Upper bound, in seconds, of every wait in these tests.
WAIT = 5.0


class LineProtocolTest(asynctoolkit.TestCase):
    async def asyncSetUp(self) -> None:
        self.sock = SocketMock(name="server")
        self.conn = await open_line_connection(sock=self.sock, max_line=32)
        self.addAsyncCleanup(self.close)

    async def close(self) -> None:
        self.conn.close()
        await asyncio.wait_for(self.conn.wait_closed(), WAIT)

    def peer_sends(self, *chunks: bytes) -> None:
        """The peer sends ``chunks``: each readiness makes the transport recv() one."""
        self.sock.recv.side_effect = list(chunks)
        for _ in chunks:
            set_read_ready(self.sock)

    async def read_line(self, conn: LineProtocol | None = None) -> str:
        return await asyncio.wait_for((conn or self.conn).read_line(), WAIT)

    async def test_lines_split_across_reads_are_reassembled(self) -> None:
        self.peer_sends(b"HEL", b"LO\nWOR", b"LD\n")
        self.assertEqual(await self.read_line(), "HELLO")
        self.assertEqual(await self.read_line(), "WORLD")

    async def test_request_writes_the_command_and_reads_the_answer(self) -> None:
        answer = asyncio.ensure_future(self.conn.request("PING"))
        await asyncio.sleep(0)  # let the request reach the socket
        self.sock.send.assert_called_once_with(b"PING\n")
        self.peer_sends(b"PONG\n")
        self.assertEqual(await asyncio.wait_for(answer, WAIT), "PONG")

    async def test_a_partial_write_is_finished_when_the_socket_is_writable(self) -> None:
        # The kernel takes 3 bytes, then its buffer is full, then it takes the rest.
        self.sock.send.side_effect = [3, BlockingIOError(), 5]
        self.conn.write_line("SET x 1")  # 8 bytes with the newline
        self.sock.send.assert_called_once_with(b"SET x 1\n")
        set_write_ready(self.sock)  # the socket is writable... but full again
        await asyncio.sleep(0)
        set_write_ready(self.sock)  # writable, and takes the remaining 5 bytes
        await asyncio.sleep(0)
        self.assertEqual(
            self.sock.send.call_args_list,
            [mock.call(b"SET x 1\n"), mock.call(b" x 1\n"), mock.call(b" x 1\n")],
        )

    async def test_drain_waits_for_a_slow_peer(self) -> None:
        transport = self.conn.transport
        transport.set_write_buffer_limits(high=4)  # pause above 4 buffered bytes
        self.sock.send.side_effect = BlockingIOError  # the peer reads nothing for now
        self.conn.write_line("a long line")
        drained = asyncio.ensure_future(self.conn.drain())
        await asyncio.sleep(0)
        self.assertFalse(drained.done())  # paused: the buffer holds 12 bytes
        self.sock.send.side_effect = None  # the peer catches up: send() takes everything
        set_write_ready(self.sock)
        await asyncio.wait_for(drained, WAIT)
        self.assertEqual(transport.get_write_buffer_size(), 0)

    async def test_the_peer_closing_ends_the_lines(self) -> None:
        self.peer_sends(b"LAST\n", b"")  # b"" from recv() means end of file
        self.assertEqual(await self.read_line(), "LAST")
        with self.assertRaises(EOFError):
            await self.read_line()

    async def test_a_too_long_line_closes_the_connection(self) -> None:
        self.peer_sends(b"x" * 40)
        with self.assertRaises(LineTooLong):
            await self.read_line()
        await asyncio.wait_for(self.conn.wait_closed(), WAIT)
        self.sock.close.assert_called_once_with()

    async def test_a_connection_reset_reaches_the_reader(self) -> None:
        self.sock.recv.side_effect = ConnectionResetError("reset by peer")
        set_read_ready(self.sock)
        with self.assertRaises(ConnectionResetError):
            await self.read_line()

    async def test_writing_a_newline_is_refused(self) -> None:
        with self.assertRaises(ValueError):
            self.conn.write_line("two\nlines")
        self.sock.send.assert_not_called()
