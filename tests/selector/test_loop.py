"""Mock sockets driven through a real event loop: set_read_ready, set_write_ready, transports."""

from __future__ import annotations

import asyncio
import selectors
import socket
import threading
import unittest
from typing import Any
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

import asynctoolkit
from asynctoolkit._shared import asyncio_details
from asynctoolkit.selector import (
    FileMock,
    SocketMock,
    SSLSocketMock,
    TestSelector,
    set_read_ready,
    set_write_ready,
)
from tests._inner import failure_text, passed, run_test

#: Every wait in these tests is bounded by this many seconds.
WAIT = 5.0


class LineProtocol(asyncio.Protocol):
    """A line-based protocol: each line received is queued, ``send_line`` writes one."""

    def __init__(self) -> None:
        self.lines: asyncio.Queue[str] = asyncio.Queue()
        self.lost: asyncio.Future[Exception | None] = asyncio.get_running_loop().create_future()
        self._pending = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self._pending += data
        *complete, self._pending = self._pending.split(b"\n")
        for line in complete:
            self.lines.put_nowait(line.decode())

    def send_line(self, text: str) -> None:
        self.transport.write(text.encode() + b"\n")

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost.set_result(exc)


class LineProtocolOverSocketMockTest(asynctoolkit.TestCase):
    """The full example: a protocol tested end to end over a mocked socket."""

    async def asyncSetUp(self) -> None:
        self.sock = SocketMock(name="peer")
        self.transport, self.protocol = await self.loop.create_connection(
            LineProtocol, sock=self.sock
        )
        self.sock.setblocking.assert_called_once_with(False)

    async def asyncTearDown(self) -> None:
        self.transport.close()
        await asyncio.wait_for(self.protocol.lost, WAIT)

    async def next_line(self) -> str:
        return await asyncio.wait_for(self.protocol.lines.get(), WAIT)

    async def test_lines_arrive_in_pieces(self) -> None:
        self.sock.recv.side_effect = [b"hel", b"lo\nwor", b"ld\n"]
        for _ in range(3):
            set_read_ready(self.sock, self.loop)
        self.assertEqual(await self.next_line(), "hello")
        self.assertEqual(await self.next_line(), "world")
        self.assertEqual(self.sock.recv.call_count, 3)

    async def test_a_read_ready_without_data_changes_nothing(self) -> None:
        set_read_ready(self.sock)  # recv raises BlockingIOError by default
        await asyncio.sleep(0)
        self.assertTrue(self.protocol.lines.empty())
        self.assertFalse(self.transport.is_closing())

    async def test_a_partial_write_completes_when_the_socket_becomes_writable(self) -> None:
        # The first send takes 4 bytes, then the socket is full, then it takes the rest.
        self.sock.send.side_effect = [4, BlockingIOError(), 8]
        self.protocol.send_line("hello world")
        self.assertEqual(self.transport.get_write_buffer_size(), 8)
        set_write_ready(self.sock, self.loop)  # still full
        await asyncio.sleep(0)
        self.assertEqual(self.transport.get_write_buffer_size(), 8)
        set_write_ready(self.sock, self.loop)
        await asyncio.sleep(0)
        self.assertEqual(self.transport.get_write_buffer_size(), 0)
        self.assertEqual(
            self.sock.send.call_args_list,
            [mock.call(b"hello world\n"), mock.call(b"o world\n"), mock.call(b"o world\n")],
        )
        with self.assertRaisesRegex(ValueError, "no writer is registered"):
            set_write_ready(self.sock, self.loop)  # nothing left to write: writer removed

    async def test_end_of_file_closes_the_connection(self) -> None:
        self.sock.recv.return_value = b""
        set_read_ready(self.sock, self.loop)
        self.assertIsNone(await asyncio.wait_for(self.protocol.lost, WAIT))
        self.sock.close.assert_called_once_with()
        with self.assertRaisesRegex(ValueError, "no reader is registered"):
            set_read_ready(self.sock, self.loop)

    async def test_a_read_error_is_fatal(self) -> None:
        self.sock.recv.side_effect = ConnectionResetError("reset by peer")
        set_read_ready(self.sock, self.loop)
        self.assertIsInstance(
            await asyncio.wait_for(self.protocol.lost, WAIT), ConnectionResetError
        )

    async def test_the_transport_reports_the_mock(self) -> None:
        self.assertEqual(self.transport.get_extra_info("peername"), ("127.0.0.1", 0))
        self.assertEqual(self.transport.get_extra_info("socket").fileno(), self.sock.fileno())


class SetReadyTest(asynctoolkit.TestCase):
    async def test_add_reader_then_read_ready_runs_the_callback_once_per_call(self) -> None:
        sock = SocketMock()
        seen: list[bytes] = []
        self.loop.add_reader(sock, lambda: seen.append(sock.recv(10)))
        self.addCleanup(self.loop.remove_reader, sock)
        sock.recv.return_value = b"data"
        set_read_ready(sock, self.loop)
        self.assertEqual(seen, [])  # queued, not called
        await asyncio.sleep(0)
        self.assertEqual(seen, [b"data"])
        set_read_ready(sock)
        set_read_ready(sock.fileno())
        await asyncio.sleep(0)
        self.assertEqual(seen, [b"data"] * 3)

    async def test_writer_with_arguments(self) -> None:
        file = FileMock()
        seen: list[Any] = []
        self.loop.add_writer(file.fileno(), seen.append, "writable")
        set_write_ready(file, self.loop)
        await asyncio.sleep(0)
        self.assertEqual(seen, ["writable"])
        self.assertTrue(self.loop.remove_writer(file))

    async def test_removing_the_reader_cancels_a_queued_run(self) -> None:
        sock = SocketMock()
        callback = mock.Mock()
        self.loop.add_reader(sock, callback)
        set_read_ready(sock, self.loop)
        self.assertTrue(self.loop.remove_reader(sock))
        await asyncio.sleep(0)
        callback.assert_not_called()

    async def test_reader_and_writer_share_one_registration(self) -> None:
        sock = SocketMock()
        calls: list[str] = []
        self.loop.add_reader(sock, calls.append, "read")
        self.loop.add_writer(sock.fileno(), calls.append, "write")
        key = self.loop_selector().get_key(sock)
        self.assertEqual(key.events, selectors.EVENT_READ | selectors.EVENT_WRITE)
        self.assertIs(key.fileobj, sock)
        set_write_ready(sock)
        set_read_ready(sock)
        await asyncio.sleep(0)
        self.assertEqual(calls, ["write", "read"])
        self.loop.remove_reader(sock.fileno())
        self.loop.remove_writer(sock)
        with self.assertRaises(KeyError):
            self.loop_selector().get_key(sock)

    def loop_selector(self) -> TestSelector:
        selector = asyncio_details.loop_selector(self.loop)
        assert isinstance(selector, TestSelector)
        return selector

    async def test_no_callback_registered_is_a_clear_error(self) -> None:
        sock = SocketMock(name="idle")
        with self.assertRaisesRegex(
            ValueError, r"no reader is registered for <SocketMock name='idle'"
        ):
            set_read_ready(sock, self.loop)
        self.loop.add_reader(sock, lambda: None)
        self.addCleanup(self.loop.remove_reader, sock)
        with self.assertRaisesRegex(ValueError, r"set_write_ready: no writer .*add_writer"):
            set_write_ready(sock, self.loop)
        with self.assertRaisesRegex(ValueError, "no reader"):
            set_read_ready(SocketMock(), self.loop)

    def test_outside_a_running_loop_the_loop_is_needed(self) -> None:
        with self.assertRaisesRegex(
            RuntimeError, r"needs the loop: set_read_ready\(fileobj, loop\)"
        ):
            set_read_ready(SocketMock())

    def test_from_a_sync_test_the_callback_runs_when_the_loop_runs(self) -> None:
        sock = SocketMock()
        callback = mock.Mock()
        self.loop.add_reader(sock, callback)
        self.addCleanup(self.loop.remove_reader, sock)
        set_read_ready(sock, self.loop)
        self.loop.run_until_complete(asyncio.sleep(0))
        callback.assert_called_once_with()

    async def test_from_another_thread_is_refused(self) -> None:
        sock = SocketMock()
        self.loop.add_reader(sock, lambda: None)
        self.addCleanup(self.loop.remove_reader, sock)
        errors: list[BaseException] = []

        def other_thread() -> None:
            try:
                set_read_ready(sock, self.loop)
            except RuntimeError as error:
                errors.append(error)

        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join(WAIT)  # blocks the (running) loop on purpose
        self.assertEqual(len(errors), 1)
        self.assertIn("call_soon_threadsafe(set_read_ready", str(errors[0]))

    def test_closed_loop_and_loops_without_selector(self) -> None:
        loop = asyncio.SelectorEventLoop(TestSelector(selectors.DefaultSelector()))
        loop.close()
        with self.assertRaisesRegex(RuntimeError, "is closed"):
            set_read_ready(SocketMock(), loop)
        other = asyncio.base_events.BaseEventLoop()
        with self.assertRaisesRegex(TypeError, "needs a selector event loop"):
            set_write_ready(SocketMock(), other)
        other.close()

    def test_a_plain_selector_loop_gets_a_hint(self) -> None:
        loop = asyncio.SelectorEventLoop(selectors.DefaultSelector())
        self.addCleanup(loop.close)
        with self.assertRaisesRegex(ValueError, r"need a loop whose selector is a TestSelector"):
            set_read_ready(SocketMock(), loop)


class MixedAndClosingTest(asynctoolkit.TestCase):
    async def test_real_and_mocked_sockets_on_one_loop(self) -> None:
        a, b = socket.socketpair()
        self.addCleanup(a.close)
        self.addCleanup(b.close)
        a.setblocking(False)
        sock = SocketMock()
        real_read = asyncio.ensure_future(self.loop.sock_recv(a, 100))
        mock_read = asyncio.ensure_future(self.loop.sock_recv(sock, 100))
        await asyncio.sleep(0)
        selector = asyncio_details.loop_selector(self.loop)
        assert selector is not None
        keys = list(selector.get_map().values())
        self.assertIn(a.fileno(), [key.fd for key in keys])
        self.assertIn(sock.fileno(), [key.fd for key in keys])
        b.send(b"real")
        sock.recv.return_value = b"mocked"
        set_read_ready(sock)
        got = await asyncio.wait_for(asyncio.gather(real_read, mock_read), WAIT)
        self.assertEqual(got, [b"real", b"mocked"])

    def test_closing_a_loop_with_mocks_still_registered(self) -> None:
        selector = TestSelector(selectors.DefaultSelector())
        loop = asyncio.SelectorEventLoop(selector)
        sock = SocketMock()
        loop.add_reader(sock, lambda: None)
        loop.add_writer(FileMock(), lambda: None)
        self.assertEqual(len(selector.get_map()), 3)  # with the loop's own wake-up socket
        loop.close()
        self.assertEqual(len(selector.get_map()), 0)
        self.assertIsNone(selector.selector.get_map())  # type: ignore[union-attr]
        with self.assertRaisesRegex(RuntimeError, "closed"):
            set_read_ready(sock, loop)


class LoopSocketMethodsTest(asynctoolkit.TestCase):
    async def test_sock_recv_waits_for_read_ready(self) -> None:
        sock = SocketMock()
        read = asyncio.ensure_future(self.loop.sock_recv(sock, 1024))
        await asyncio.sleep(0)
        self.assertFalse(read.done())
        sock.recv.return_value = b"payload"
        set_read_ready(sock, self.loop)
        self.assertEqual(await asyncio.wait_for(read, WAIT), b"payload")
        sock.recv.assert_called_with(1024)

    async def test_sock_recv_into_goes_through_recv(self) -> None:
        sock = SocketMock()
        buffer = bytearray(16)
        read = asyncio.ensure_future(self.loop.sock_recv_into(sock, buffer))
        await asyncio.sleep(0)
        sock.recv.return_value = b"abc"
        set_read_ready(sock)
        self.assertEqual(await asyncio.wait_for(read, WAIT), 3)
        self.assertEqual(bytes(buffer[:3]), b"abc")

    async def test_sock_sendall_with_partial_sends(self) -> None:
        sock = SocketMock()
        sock.send.side_effect = [2, BlockingIOError(), 4]
        write = asyncio.ensure_future(self.loop.sock_sendall(sock, b"abcdef"))
        await asyncio.sleep(0)
        self.assertFalse(write.done())
        set_write_ready(sock)
        await asyncio.sleep(0)
        self.assertFalse(write.done())
        set_write_ready(sock)
        await asyncio.wait_for(write, WAIT)
        self.assertEqual(
            sock.send.call_args_list, [mock.call(b"abcdef"), mock.call(b"cdef"), mock.call(b"cdef")]
        )

    async def test_sock_accept(self) -> None:
        server = SocketMock(name="server")
        accept = asyncio.ensure_future(self.loop.sock_accept(server))
        await asyncio.sleep(0)
        client = SocketMock(name="client")
        server.accept.return_value = (client, ("10.0.0.2", 5000))
        set_read_ready(server)
        self.assertEqual(await asyncio.wait_for(accept, WAIT), (client, ("10.0.0.2", 5000)))
        client.setblocking.assert_called_once_with(False)

    async def test_sock_connect_in_progress_then_done(self) -> None:
        sock = SocketMock()
        sock.connect.side_effect = BlockingIOError
        connect = asyncio.ensure_future(self.loop.sock_connect(sock, ("127.0.0.1", 8080)))
        await asyncio.sleep(0)
        self.assertFalse(connect.done())
        set_write_ready(sock)
        self.assertIsNone(await asyncio.wait_for(connect, WAIT))
        sock.getsockopt.assert_called_once_with(socket.SOL_SOCKET, socket.SO_ERROR)

    async def test_sock_connect_refused(self) -> None:
        sock = SocketMock()
        sock.connect.side_effect = BlockingIOError
        sock.getsockopt.return_value = 111
        connect = asyncio.ensure_future(self.loop.sock_connect(sock, ("127.0.0.1", 8080)))
        await asyncio.sleep(0)
        set_write_ready(sock)
        with self.assertRaises(OSError):
            await asyncio.wait_for(connect, WAIT)

    async def test_ssl_socket_mocks_are_refused_like_real_ones(self) -> None:
        with self.assertRaises(TypeError):
            await self.loop.sock_recv(SSLSocketMock(), 10)

    async def test_connect_accepted_socket_and_a_buffered_protocol(self) -> None:
        received: list[bytes] = []
        lost = self.loop.create_future()

        class Buffered(asyncio.BufferedProtocol):
            def __init__(self) -> None:
                self.buffer = bytearray(64)

            def get_buffer(self, sizehint: int) -> bytearray:
                return self.buffer

            def buffer_updated(self, nbytes: int) -> None:
                received.append(bytes(self.buffer[:nbytes]))

            def connection_lost(self, exc: Exception | None) -> None:
                lost.set_result(exc)

        sock = SocketMock()
        transport, _ = await self.loop.connect_accepted_socket(Buffered, sock)
        sock.recv.return_value = b"chunk"
        set_read_ready(sock)
        await asyncio.sleep(0)
        self.assertEqual(received, [b"chunk"])
        transport.close()
        self.assertIsNone(await asyncio.wait_for(lost, WAIT))


class ClockedLoopTest(asynctoolkit.ClockedTestCase):
    async def test_mocks_work_on_the_clocked_loop(self) -> None:
        sock = SocketMock()
        read = asyncio.ensure_future(self.loop.sock_recv(sock, 10))
        await self.advance(1)
        self.assertFalse(read.done())
        sock.recv.return_value = b"late"
        set_read_ready(sock)
        self.assertEqual(await asyncio.wait_for(read, WAIT), b"late")


class CheckMessageTest(unittest.TestCase):
    def test_a_forgotten_mock_reader_fails_naming_mock_descriptor_and_callback(self) -> None:
        descriptors: list[int] = []

        def on_readable(sock: Any) -> None:
            pass

        class Inner(asynctoolkit.TestCase):
            async def test_leaks(self) -> None:
                sock = SocketMock(name="leaky")
                descriptors.append(sock.fileno())
                self.loop.add_reader(sock, on_readable, sock)

        result = run_test(Inner, "test_leaks")
        text = failure_text(result)
        self.assertEqual(len(result.failures), 1, text)
        self.assertIn("active_selector_callbacks", text)
        self.assertIn("reader on <SocketMock name='leaky'", text)
        self.assertIn(f"(fd {descriptors[0]})", text)
        self.assertIn("on_readable", text)

    def test_registered_by_descriptor_the_message_still_names_the_mock(self) -> None:
        class Inner(asynctoolkit.TestCase):
            async def test_leaks(self) -> None:
                sock = FileMock(name="by-fd")
                self.loop.add_writer(sock.fileno(), print)

        text = failure_text(run_test(Inner, "test_leaks"))
        self.assertIn("writer on <FileDescriptor", text)
        self.assertIn("of <FileMock name='by-fd'", text)
        self.assertIn("print", text)

    def test_removed_readers_and_closed_transports_pass(self) -> None:
        class Inner(asynctoolkit.TestCase):
            async def test_clean(self) -> None:
                sock = SocketMock()
                self.loop.add_reader(sock, print)
                self.loop.remove_reader(sock.fileno())
                transport, _ = await self.loop.create_connection(asyncio.Protocol, sock=sock)
                transport.close()
                await asyncio.sleep(0)

        result = run_test(Inner, "test_clean")
        self.assertTrue(passed(result), failure_text(result))


# -- add/remove/ready/run in any order behave as the loop would for real I/O ---

_STEPS = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(["add", "remove", "ready"]), st.sampled_from(["r", "w"])),
        st.just(("run", "")),
    ),
    max_size=30,
)


class InterleavingTest(unittest.TestCase):
    @settings(max_examples=60, deadline=None)
    @given(_STEPS, st.booleans())
    def test_callbacks_run_as_a_model_says(self, steps: list[tuple[str, str]], by_fd: bool) -> None:
        loop = asyncio.SelectorEventLoop(TestSelector(selectors.DefaultSelector()))
        sock = SocketMock()
        target: Any = sock.fileno() if by_fd else sock
        calls: list[int] = []
        expected: list[int] = []
        current: dict[str, int | None] = {"r": None, "w": None}
        queued: list[int] = []
        cancelled: set[int] = set()
        counter = 0
        add = {"r": loop.add_reader, "w": loop.add_writer}
        remove = {"r": loop.remove_reader, "w": loop.remove_writer}
        ready = {"r": set_read_ready, "w": set_write_ready}
        try:
            for action, side in steps:
                if action == "add":
                    counter += 1
                    if current[side] is not None:
                        cancelled.add(current[side])  # type: ignore[arg-type]
                    current[side] = counter
                    add[side](target, calls.append, counter)
                elif action == "remove":
                    self.assertEqual(remove[side](target), current[side] is not None)
                    if current[side] is not None:
                        cancelled.add(current[side])  # type: ignore[arg-type]
                    current[side] = None
                elif action == "ready":
                    if current[side] is None:
                        with self.assertRaises(ValueError):
                            ready[side](sock, loop)
                    else:
                        ready[side](sock, loop)
                        queued.append(current[side])  # type: ignore[arg-type]
                else:
                    loop.run_until_complete(asyncio.sleep(0))
                    expected.extend(n for n in queued if n not in cancelled)
                    queued.clear()
                    self.assertEqual(calls, expected)
            loop.run_until_complete(asyncio.sleep(0))
            expected.extend(n for n in queued if n not in cancelled)
            self.assertEqual(calls, expected)
        finally:
            loop.close()
