"""FileDescriptor, the mock files and sockets, fd(), isfilemock() and TestSelector on its own."""

from __future__ import annotations

import io
import os
import pickle
import resource
import selectors
import socket
import ssl
import subprocess
import sys
import threading
import unittest
from typing import Any
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

import asynctoolkit.mock
from asynctoolkit import selector as selector_module
from asynctoolkit.selector import (
    FileDescriptor,
    FileMock,
    SocketMock,
    SSLSocketMock,
    TestSelector,
    fd,
    isfilemock,
)

READ, WRITE = selectors.EVENT_READ, selectors.EVENT_WRITE


class FileDescriptorTest(unittest.TestCase):
    def test_values_start_above_every_real_descriptor(self) -> None:
        _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        value = FileDescriptor()
        self.assertGreaterEqual(value, 2**31)
        if hard != resource.RLIM_INFINITY:
            self.assertGreater(value, hard)
        with open(__file__) as real:
            self.assertLess(real.fileno(), value)

    def test_the_first_value_is_the_same_however_it_is_first_reached(self) -> None:
        # The first value is computed on first use: fresh interpreters show each way.
        _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        floor = 2**31 if hard == resource.RLIM_INFINITY or hard < 2**31 else hard
        next_fd_after = {
            "FileDescriptor.next_fd": floor,
            "assert FileDescriptor() == floor": floor + 1,
            "assert FileDescriptor(7) == 7": floor,
            "FileDescriptor(floor + 5)": floor + 6,
            # Threads racing for the first values: none is given twice.
            "assert len(in_threads()) == 400": floor + 400,
        }
        for way, expected in next_fd_after.items():
            with self.subTest(way):
                done = subprocess.run(
                    [
                        sys.executable,
                        "-c",
                        "from concurrent.futures import ThreadPoolExecutor\n"
                        "from asynctoolkit.selector import FileDescriptor\n"
                        f"floor = {floor}\n"
                        "def in_threads():\n"
                        "    with ThreadPoolExecutor(8) as pool:\n"
                        "        return set(pool.map(lambda _: FileDescriptor(), range(400)))\n"
                        f"{way}\n"
                        "print(FileDescriptor.next_fd)\n",
                    ],
                    env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)),
                    capture_output=True,
                    text=True,
                    timeout=60,
                    check=False,
                )
                self.assertEqual(done.returncode, 0, done.stderr)
                self.assertEqual(int(done.stdout), expected)

    def test_without_argument_takes_next_fd_and_moves_it(self) -> None:
        expected = FileDescriptor.next_fd
        first = FileDescriptor()
        self.assertEqual(first, expected)
        self.assertEqual(FileDescriptor.next_fd, expected + 1)
        self.assertEqual(FileDescriptor(), expected + 1)

    def test_an_explicit_value_moves_next_fd_past_it(self) -> None:
        high = FileDescriptor.next_fd + 1000
        self.assertEqual(FileDescriptor(high), high)
        self.assertEqual(FileDescriptor(), high + 1)
        low = FileDescriptor(7)  # allowed, never reused automatically
        self.assertEqual(low, 7)
        self.assertEqual(FileDescriptor.next_fd, high + 2)

    @settings(max_examples=50, deadline=None)
    @given(st.lists(st.one_of(st.none(), st.integers(0, 2**40)), max_size=20))
    def test_automatic_values_are_above_every_value_seen(self, requests: list[int | None]) -> None:
        seen: list[int] = []
        for request in requests:
            value = FileDescriptor(request)
            if request is None:
                self.assertNotIn(value, seen)
                self.assertTrue(all(value > other for other in seen))
            seen.append(value)

    def test_is_an_int_with_a_plain_str_and_a_telling_repr(self) -> None:
        value = FileDescriptor(12)
        self.assertIsInstance(value, int)
        self.assertEqual(value + 1, 13)
        self.assertEqual(str(value), "12")
        self.assertEqual(f"{value}", "12")
        self.assertEqual(repr(value), "FileDescriptor(12)")
        self.assertEqual(hash(value), hash(12))

    def test_the_repr_names_the_mock_owning_it(self) -> None:
        sock = SocketMock(name="conn")
        descriptor = sock.fileno()
        self.assertIn("SocketMock name='conn'", repr(descriptor))
        self.assertIn(str(int(descriptor)), repr(descriptor))

    def test_pickles_as_its_value(self) -> None:
        value = FileDescriptor(99)
        copy = pickle.loads(pickle.dumps(value))
        self.assertEqual((type(copy), copy), (FileDescriptor, 99))

    def test_bad_values(self) -> None:
        with self.assertRaisesRegex(ValueError, "cannot be negative"):
            FileDescriptor(-1)
        with self.assertRaisesRegex(TypeError, "takes an int.*not str"):
            FileDescriptor("3")  # type: ignore[arg-type]
        with self.assertRaises(TypeError):
            FileDescriptor(3.0)  # type: ignore[arg-type]

    def test_allocation_is_thread_safe(self) -> None:
        values: list[int] = []

        def allocate() -> None:
            values.extend(FileDescriptor() for _ in range(200))

        threads = [threading.Thread(target=allocate) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        self.assertEqual(len(set(values)), 800)


class FileMockTest(unittest.TestCase):
    def test_fileno_is_a_fresh_file_descriptor(self) -> None:
        first, second = FileMock(), FileMock()
        self.assertIsInstance(first.fileno(), FileDescriptor)
        self.assertNotEqual(first.fileno(), second.fileno())
        self.assertEqual(first.fileno(), first.fileno())

    def test_is_a_mock_of_the_mock_module(self) -> None:
        file = FileMock(name="log")
        self.assertIsInstance(file, mock.NonCallableMagicMock)
        self.assertIsInstance(file, asynctoolkit.mock.NonCallableMagicMock)
        file.write(b"x")
        file.write.assert_called_once_with(b"x")
        with self.assertRaises(TypeError):
            file()  # a file object is not callable
        with file as entered:  # but it is a context manager
            self.assertIsNotNone(entered)
        self.assertIn("name='log'", repr(file))

    def test_spec_aware(self) -> None:
        file = FileMock(spec=io.RawIOBase)
        self.assertIsInstance(file, io.RawIOBase)
        self.assertIsInstance(file.fileno(), FileDescriptor)
        with self.assertRaises(AttributeError):
            file.no_such_method

    def test_a_spec_without_fileno_is_refused(self) -> None:
        with self.assertRaisesRegex(TypeError, "needs a fileno"):
            FileMock(spec=["read"])


class SocketMockTest(unittest.TestCase):
    def test_specced_on_socket(self) -> None:
        sock = SocketMock()
        self.assertIsInstance(sock, socket.socket)
        self.assertIsInstance(sock, FileMock)
        self.assertIsInstance(sock.fileno(), FileDescriptor)
        with self.assertRaises(AttributeError):
            sock.no_such_method
        sock.anything_new = 1  # spec, not spec_set: setting is allowed
        strict = SocketMock(spec_set=True)
        with self.assertRaises(AttributeError):
            strict.anything_new = 1
        with self.assertRaisesRegex(TypeError, "fixed spec"):
            SocketMock(spec=io.RawIOBase)

    def test_defaults_of_a_connected_non_blocking_stream_socket(self) -> None:
        sock = SocketMock()
        self.assertEqual(
            (sock.family, sock.type, sock.proto), (socket.AF_INET, socket.SOCK_STREAM, 0)
        )
        self.assertEqual(sock.gettimeout(), 0.0)
        self.assertEqual(sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR), 0)
        self.assertEqual(sock.getsockname(), ("127.0.0.1", 0))
        self.assertEqual(sock.getpeername(), ("127.0.0.1", 0))
        for name in ("setblocking", "setsockopt", "connect", "shutdown", "close", "sendall"):
            self.assertIsNone(getattr(sock, name)(0), name)
        self.assertEqual(sock.connect_ex(("127.0.0.1", 1)), 0)

    def test_send_reports_every_byte_sent_until_configured(self) -> None:
        sock = SocketMock()
        self.assertEqual(sock.send(b"hello"), 5)
        self.assertEqual(sock.send(memoryview(b"hello")[1:]), 4)
        self.assertEqual(sock.sendto(b"abc", ("127.0.0.1", 9)), 3)
        sock.send.return_value = 2
        self.assertEqual(sock.send(b"hello"), 2)
        sock.send.side_effect = [1, BlockingIOError()]
        self.assertEqual(sock.send(b"hello"), 1)
        with self.assertRaises(BlockingIOError):
            sock.send(b"hello")

    def test_without_a_value_from_the_test_the_default_comes_back(self) -> None:
        sock = SocketMock()
        sock.send.side_effect = BlockingIOError
        with self.assertRaises(BlockingIOError):
            sock.send(b"abc")
        sock.send.side_effect = None
        self.assertEqual(sock.send(b"abc"), 3)
        sock.send.side_effect = [1, mock.DEFAULT]
        self.assertEqual([sock.send(b"abc"), sock.send(b"abc")], [1, 3])
        sock.recv.side_effect = [b"x", mock.DEFAULT]
        self.assertEqual(sock.recv(10), b"x")
        with self.assertRaises(BlockingIOError):
            sock.recv(10)
        sock.recv.return_value = b"y"
        sock.recv.reset_mock(return_value=True, side_effect=True)
        with self.assertRaises(BlockingIOError):
            sock.recv(10)

    def test_a_send_claiming_more_than_given_is_an_error(self) -> None:
        sock = SocketMock()
        sock.send.return_value = 10
        with self.assertRaisesRegex(ValueError, "returned 10 but was given 3 bytes"):
            sock.send(bytearray(b"abc"))
        sock.send.return_value = 2
        sock.sendmsg.return_value = 5
        with self.assertRaisesRegex(ValueError, "returned 5 but was given 4 bytes"):
            sock.sendmsg([b"ab", b"cd"])

    def test_send_records_a_copy_of_the_bytes(self) -> None:
        sock = SocketMock()
        buffer = bytearray(b"abc")
        sock.send(buffer)
        del buffer[:]  # the loop trims its buffer after a send
        sock.send(memoryview(b"xyz")[1:])
        self.assertEqual(sock.send.call_args_list, [mock.call(b"abc"), mock.call(b"yz")])
        self.assertEqual(sock.mock_calls, [mock.call.send(b"abc"), mock.call.send(b"yz")])

    def test_sendmsg_goes_through_send(self) -> None:
        sock = SocketMock()
        sock.send.side_effect = [4]
        self.assertEqual(sock.sendmsg(iter([b"ab", memoryview(b"cdef")])), 4)
        sock.sendmsg.assert_called_once_with([b"ab", b"cdef"])
        sock.send.assert_called_once_with(b"abcdef")
        sock.sendmsg.return_value = 1
        self.assertEqual(sock.sendmsg([b"zz"]), 1)
        self.assertEqual(sock.send.call_count, 1)

    def test_nothing_to_read_until_configured(self) -> None:
        sock = SocketMock()
        for method in (sock.recv, sock.recvfrom, sock.accept):
            with self.assertRaises(BlockingIOError):
                method(1024)
        sock.recv.return_value = b"data"
        self.assertEqual(sock.recv(1024), b"data")
        sock.recv.side_effect = [b"x", b""]
        self.assertEqual((sock.recv(1), sock.recv(1)), (b"x", b""))
        peer = SocketMock()
        sock.accept.return_value = (peer, ("10.0.0.1", 4000))
        self.assertEqual(sock.accept(), (peer, ("10.0.0.1", 4000)))

    def test_recv_into_goes_through_recv(self) -> None:
        sock = SocketMock()
        buffer = bytearray(8)
        with self.assertRaises(BlockingIOError):
            sock.recv_into(buffer)
        sock.recv.return_value = b"abc"
        self.assertEqual(sock.recv_into(buffer), 3)
        self.assertEqual(bytes(buffer[:3]), b"abc")
        sock.recv.assert_called_with(8)
        self.assertEqual(sock.recv_into(buffer, 4), 3)
        sock.recv.assert_called_with(4)
        sock.recv.return_value = b"too long"
        with self.assertRaisesRegex(ValueError, "more than the buffer holds"):
            sock.recv_into(buffer, 2)
        sock.recv_into.return_value = 5
        self.assertEqual(sock.recv_into(buffer), 5)

    def test_reset_mock_keeps_the_defaults(self) -> None:
        sock = SocketMock()
        sock.send(b"abc")
        sock.reset_mock()
        self.assertEqual(sock.send.call_count, 0)
        self.assertEqual(sock.send(b"abc"), 3)
        self.assertIsInstance(sock.fileno(), FileDescriptor)

    def test_sealed_it_keeps_its_socket_methods(self) -> None:
        sock = SocketMock()
        mock.seal(sock)
        self.assertEqual(sock.send(b"ab"), 2)
        self.assertEqual(sock.gettimeout(), 0.0)
        with self.assertRaises(AttributeError):
            sock.send.anything_new
        with self.assertRaises(AttributeError):
            sock.makefile

    def test_selector_lookups_are_not_recorded_as_fileno_calls(self) -> None:
        selector = TestSelector(selectors.DefaultSelector())
        self.addCleanup(selector.close)
        sock = SocketMock()
        selector.register(sock, READ)
        selector.get_key(sock)
        self.assertTrue(isfilemock(sock))
        sock.fileno.assert_not_called()
        descriptor = sock.fileno.return_value
        sock.fileno.side_effect = lambda: descriptor  # a configured fileno() is called
        self.assertIs(selector.unregister(sock).fileobj, sock)
        sock.fileno.assert_called_once_with()


class SSLSocketMockTest(unittest.TestCase):
    def test_specced_on_ssl_socket(self) -> None:
        sock = SSLSocketMock()
        self.assertIsInstance(sock, ssl.SSLSocket)
        self.assertIsInstance(sock, SocketMock)
        self.assertIsInstance(sock.fileno(), FileDescriptor)
        with self.assertRaises(ssl.SSLWantReadError):
            sock.recv(1024)
        self.assertEqual(sock.pending(), 0)
        self.assertIsNone(sock.do_handshake())
        self.assertEqual(sock.send(b"abc"), 3)
        with self.assertRaises(AttributeError):
            SSLSocketMock(spec_set=True).anything_new = 1


class FdTest(unittest.TestCase):
    def test_file_descriptor_and_mocks(self) -> None:
        value = FileDescriptor()
        self.assertIs(fd(value), value)
        sock = SocketMock()
        self.assertIs(fd(sock), sock.fileno())

    def test_real_file_object(self) -> None:
        a, b = socket.socketpair()
        self.addCleanup(a.close)
        self.addCleanup(b.close)
        self.assertEqual(fd(a), a.fileno())

    def test_value_errors(self) -> None:
        with self.assertRaisesRegex(ValueError, "not the plain int 3"):
            fd(3)
        with self.assertRaisesRegex(ValueError, "has no fileno"):
            fd(object())
        with self.assertRaisesRegex(ValueError, "not a descriptor"):
            fd(mock.Mock())  # its fileno() returns a Mock


class IsFileMockTest(unittest.TestCase):
    def test_answers(self) -> None:
        a, b = socket.socketpair()
        b.close()
        self.addCleanup(a.close)
        closed = open(__file__)  # noqa: SIM115
        closed.close()
        self.assertTrue(isfilemock(FileDescriptor()))
        self.assertTrue(isfilemock(FileMock()))
        self.assertTrue(isfilemock(SSLSocketMock()))
        self.assertFalse(isfilemock(3))
        self.assertFalse(isfilemock(a))
        self.assertFalse(isfilemock(b))  # closed socket: fileno() is -1
        self.assertFalse(isfilemock(closed))  # fileno() raises ValueError
        self.assertFalse(isfilemock(mock.Mock()))
        self.assertFalse(isfilemock(object()))


class TestSelectorRegistrationTest(unittest.TestCase):
    def setUp(self) -> None:
        self.real = selectors.DefaultSelector()
        self.selector = TestSelector(self.real)
        self.addCleanup(self.selector.close)

    def test_mocks_are_kept_and_named_by_their_descriptor(self) -> None:
        sock = SocketMock()
        key = self.selector.register(sock, READ, "data")
        self.assertEqual(key, selectors.SelectorKey(sock, sock.fileno(), READ, "data"))
        self.assertIsInstance(key.fd, FileDescriptor)
        self.assertIs(self.selector.get_key(sock), key)
        self.assertIs(self.selector.get_key(sock.fileno()), key)
        self.assertEqual(len(self.real.get_map()), 0)
        self.assertIs(self.selector.unregister(sock.fileno()), key)
        with self.assertRaises(KeyError):
            self.selector.get_key(sock)

    def test_the_mock_and_its_descriptor_are_one_registration(self) -> None:
        sock = SocketMock(name="s")
        self.selector.register(sock.fileno(), READ)
        with self.assertRaisesRegex(KeyError, r"SocketMock name='s'.*\(FD \d+\) is already"):
            self.selector.register(sock, WRITE)

    def test_real_files_go_to_the_real_selector(self) -> None:
        a, b = socket.socketpair()
        self.addCleanup(a.close)
        self.addCleanup(b.close)
        key = self.selector.register(a, READ, "real")
        self.assertIs(self.real.get_key(a), key)
        self.assertIs(self.selector.get_key(a.fileno()), key)
        self.selector.modify(a.fileno(), READ | WRITE, "both")
        self.assertEqual(self.real.get_key(a).events, READ | WRITE)
        self.selector.unregister(a)
        self.assertEqual(len(self.real.get_map()), 0)

    def test_errors_of_a_real_selector(self) -> None:
        sock = SocketMock(name="s")
        with self.assertRaisesRegex(KeyError, "is not registered"):
            self.selector.unregister(sock)
        with self.assertRaisesRegex(KeyError, "is not registered"):
            self.selector.modify(sock, READ)
        with self.assertRaisesRegex(KeyError, "is not registered"):
            self.selector.get_key(sock)
        for events in (0, 4, READ | 8):
            with self.assertRaisesRegex(ValueError, "Invalid events"):
                self.selector.register(sock, events)
        self.selector.register(sock, READ)
        with self.assertRaisesRegex(KeyError, "already registered"):
            self.selector.register(sock, READ)
        with self.assertRaisesRegex(ValueError, "Invalid events"):
            self.selector.modify(sock, 0)
        self.assertEqual(self.selector.get_key(sock).events, READ)
        with self.assertRaises(TypeError):
            TestSelector(object())  # type: ignore[arg-type]

    def test_modify_keeps_the_file_object_registered(self) -> None:
        sock = SocketMock()
        self.selector.register(sock, READ, "r")
        same = self.selector.modify(sock.fileno(), READ, "r")
        self.assertIs(same, self.selector.get_key(sock))
        key = self.selector.modify(sock.fileno(), READ | WRITE, "rw")
        self.assertEqual(key, selectors.SelectorKey(sock, sock.fileno(), READ | WRITE, "rw"))
        key = self.selector.modify(sock, READ | WRITE, "new data")
        self.assertEqual((key.fileobj, key.data), (sock, "new data"))

    def test_get_map_has_mocks_and_real_files(self) -> None:
        a, b = socket.socketpair()
        self.addCleanup(a.close)
        self.addCleanup(b.close)
        sock = SocketMock()
        self.selector.register(a, READ)
        self.assertIs(self.selector.get_map()[a].fileobj, a)  # no mock: the real map
        self.selector.register(sock, WRITE)
        mapping = self.selector.get_map()
        self.assertEqual(len(mapping), 2)
        self.assertEqual(set(mapping), {a.fileno(), sock.fileno()})
        self.assertEqual({key.fileobj for key in mapping.values()}, {a, sock})
        self.assertIs(mapping[sock].fileobj, sock)
        self.assertIs(mapping[sock.fileno()].fileobj, sock)
        self.assertIs(mapping[a].fileobj, a)
        self.assertIsNone(mapping.get(SocketMock()))
        self.assertIsNone(mapping.get(12345))
        self.assertIn(sock, mapping)

    def test_select_reports_real_files_only(self) -> None:
        a, b = socket.socketpair()
        self.addCleanup(a.close)
        self.addCleanup(b.close)
        sock = SocketMock()
        self.selector.register(sock, READ | WRITE)
        self.selector.register(a, READ)
        self.assertEqual(self.selector.select(0), [])
        b.send(b"x")
        ready = self.selector.select(5)
        self.assertEqual([(key.fileobj, events) for key, events in ready], [(a, READ)])

    def test_close_forgets_mocks_and_closes_the_real_selector(self) -> None:
        sock = SocketMock()
        self.selector.register(sock, READ)
        self.selector.close()
        self.assertIsNone(self.real.get_map())
        self.assertEqual(dict(self.selector.get_map()), {})
        with self.assertRaisesRegex(RuntimeError, "Selector is closed"):
            self.selector.get_key(sock)
        with self.assertRaisesRegex(ValueError, "closed selector"):
            self.selector.register(sock, READ)
        with self.assertRaisesRegex(KeyError, "is not registered"):
            self.selector.unregister(sock)
        self.selector.close()  # closing twice is allowed

    def test_is_not_collected_as_a_test(self) -> None:
        self.assertIs(TestSelector.__test__, False)


class TestSelectorWithoutRealSelectorTest(unittest.TestCase):
    def test_keeps_everything_and_select_returns_at_once(self) -> None:
        selector = TestSelector()
        self.addCleanup(selector.close)
        self.assertIsNone(selector.selector)
        a, b = socket.socketpair()
        self.addCleanup(a.close)
        self.addCleanup(b.close)
        sock = SocketMock()
        selector.register(a, READ)
        selector.register(sock, READ)
        self.assertIs(selector.get_key(a.fileno()).fileobj, a)
        self.assertEqual(set(selector.get_map()), {a.fileno(), sock.fileno()})
        b.send(b"x")  # readable, but never reported without a real selector
        results: list[Any] = []
        thread = threading.Thread(target=lambda: results.append(selector.select(None)))
        thread.start()
        thread.join(timeout=10)
        self.assertEqual(results, [[]], "select(None) did not return at once")
        selector.modify(a, READ | WRITE)
        self.assertEqual(selector.unregister(a).events, READ | WRITE)

    def test_invalid_real_file_objects(self) -> None:
        selector = TestSelector()
        self.addCleanup(selector.close)
        with self.assertRaisesRegex(ValueError, "Invalid file descriptor: -1"):
            selector.register(-1, READ)
        with self.assertRaisesRegex(ValueError, "Invalid file object"):
            selector.register(object(), READ)
        selector.register(5, READ)
        with self.assertRaisesRegex(KeyError, "already registered"):
            selector.register(5, WRITE)

    def test_select_after_close(self) -> None:
        selector = TestSelector()
        selector.close()
        with self.assertRaisesRegex(ValueError, "closed"):
            selector.select(0)


# -- the same operations on mocks and on real sockets give the same answers ----

_OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["register", "unregister", "modify", "get_key"]),
        st.integers(0, 2),  # which file
        st.booleans(),  # named by its descriptor rather than the object
        st.sampled_from([READ, WRITE, READ | WRITE]),
        st.sampled_from([None, "a", "b"]),
    ),
    max_size=25,
)


def _outcome(selector: selectors.BaseSelector, operation: tuple[Any, ...], file: Any) -> Any:
    name, _which, _by_fd, events, data = operation
    args = {"register": (events, data), "modify": (events, data)}.get(name, ())
    try:
        key = getattr(selector, name)(file, *args)
    except (KeyError, ValueError, RuntimeError) as error:
        return type(error)
    return (key.events, key.data)


class SameAnswersAsARealSelectorTest(unittest.TestCase):
    @settings(max_examples=60, deadline=None)
    @given(_OPERATIONS)
    def test_operation_sequences(self, operations: list[tuple[Any, ...]]) -> None:
        real_selector = selectors.DefaultSelector()
        test_selector = TestSelector(selectors.DefaultSelector())
        pairs = [socket.socketpair() for _ in range(3)]
        try:
            reals = [a for a, _b in pairs]
            mocks = [SocketMock() for _ in range(3)]
            for operation in operations:
                which, by_fd = operation[1], operation[2]
                real = reals[which].fileno() if by_fd else reals[which]
                fake = mocks[which].fileno() if by_fd else mocks[which]
                self.assertEqual(
                    _outcome(test_selector, operation, fake),
                    _outcome(real_selector, operation, real),
                    operation,
                )
            self.assertEqual(len(test_selector.get_map()), len(real_selector.get_map()))
        finally:
            real_selector.close()
            test_selector.close()
            for a, b in pairs:
                a.close()
                b.close()


class ModuleTest(unittest.TestCase):
    def test_public_names(self) -> None:
        for name in selector_module.__all__:
            self.assertTrue(getattr(selector_module, name).__doc__, name)
