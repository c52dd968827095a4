"""The ``active_selector_callbacks`` check."""

from __future__ import annotations

import asyncio
import socket
import unittest

import asynctoolkit
from tests._inner import failure_text, passed, run_test


class SelectorCallbacksTest(unittest.TestCase):
    def test_a_reader_left_registered_fails_naming_fd_and_callback(self) -> None:
        def on_readable() -> None:
            pass

        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                a, b = socket.socketpair()
                self.addCleanup(a.close)
                self.addCleanup(b.close)
                self.fd = a.fileno()
                asyncio.get_running_loop().add_reader(a, on_readable)

        inner = Inner("test_it")
        result = unittest.TestResult()
        inner.run(result)
        text = failure_text(result)
        self.assertIn("active_selector_callbacks", text)
        self.assertIn("reader on", text)
        self.assertIn(f"(fd {inner.fd})", text)
        self.assertIn("on_readable", text)

    def test_a_reader_removed_in_a_cleanup_passes(self) -> None:
        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                a, b = socket.socketpair()
                self.addCleanup(a.close)
                self.addCleanup(b.close)
                loop = asyncio.get_running_loop()
                loop.add_writer(a, print)
                self.addCleanup(loop.remove_writer, a)

        result = run_test(Inner, "test_it")
        self.assertTrue(passed(result), failure_text(result))


class LeakedTransportTest(unittest.TestCase):
    def test_a_transport_left_open_is_reported_with_the_other_problems(self) -> None:
        # remove_reader() refuses a transport's descriptor: that used to crash
        # the checks and hide every other report of the test.
        async def lost() -> None:
            raise ValueError("lost")

        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                self.server_side: list[object] = []  # kept: dropping it would close both ends

                async def keep(reader: object, writer: object) -> None:
                    self.server_side.append(writer)

                server = await asyncio.start_server(keep, "127.0.0.1", 0)
                port = server.sockets[0].getsockname()[1]
                self.connection = await asyncio.open_connection("127.0.0.1", port)
                server.close()  # (wait_closed() would wait for the connection, 3.12+)
                self.task = asyncio.get_running_loop().create_task(lost())
                await asyncio.sleep(0)

        inner = Inner("test_it")
        result = unittest.TestResult()
        inner.run(result)
        text = failure_text(result)
        self.assertIn("active_selector_callbacks", text)
        self.assertIn("_read_ready", text)
        self.assertIn("close the transport, or its writer", text)
        self.assertIn("ValueError: lost", text)  # the other check still reported
