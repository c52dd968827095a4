"""``asynctest.selector`` of the layer: asynctest's timing for readiness, ``get_registered_events``.

Each behaviour is shown beside ``asynctoolkit.selector``'s, which stays
immediate and strict.
"""

from __future__ import annotations

import asyncio
import selectors
import socket
import threading
import unittest
from collections.abc import Callable, Coroutine
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from asynctoolkit import selector as toolkit
from asynctoolkit.compat.asynctest import selector as shim

#: Every wait in these tests is bounded by this many seconds.
WAIT = 5.0

_Ready = Callable[[Any, asyncio.AbstractEventLoop], None]


class _LoopTest(unittest.TestCase):
    """Each test gets a selector loop polling a TestSelector, and runs coroutines on it."""

    def setUp(self) -> None:
        self.selector = toolkit.TestSelector(selectors.DefaultSelector())
        self.loop = asyncio.SelectorEventLoop(self.selector)
        self.addCleanup(self.loop.close)
        self.errors: list[dict[str, Any]] = []
        self.loop.set_exception_handler(lambda _, context: self.errors.append(context))
        self.sock = toolkit.SocketMock()
        self.events: list[str] = []

    def run_loop(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return self.loop.run_until_complete(asyncio.wait_for(coro, WAIT))

    def on(self, label: str) -> Callable[[], None]:
        return lambda: self.events.append(label)

    async def iterations(self, count: int) -> None:
        """Let the loop run ``count`` iterations, recording each."""
        for n in range(1, count + 1):
            await asyncio.sleep(0)
            self.events.append(f"after {n}")


class ReadinessTimingTest(_LoopTest):
    def test_asynctest_runs_the_reader_on_the_iteration_after_next(self) -> None:
        async def scenario() -> None:
            self.loop.add_reader(self.sock, self.on("read"))
            shim.set_read_ready(self.sock, self.loop)
            await self.iterations(2)
            self.loop.remove_reader(self.sock)

        self.run_loop(scenario())
        self.assertEqual(self.events, ["after 1", "read", "after 2"])

    def test_toolkit_runs_the_reader_on_the_next_iteration(self) -> None:
        async def scenario() -> None:
            self.loop.add_reader(self.sock, self.on("read"))
            toolkit.set_read_ready(self.sock, self.loop)
            await self.iterations(2)
            self.loop.remove_reader(self.sock)

        self.run_loop(scenario())
        self.assertEqual(self.events, ["read", "after 1", "after 2"])

    def test_asynctest_delivers_to_a_reader_registered_after_the_call(self) -> None:
        async def scenario() -> None:
            shim.set_read_ready(self.sock, self.loop)
            self.loop.add_reader(self.sock, self.on("read"))
            await self.iterations(2)
            self.loop.remove_reader(self.sock)

        self.run_loop(scenario())
        self.assertEqual(self.events, ["after 1", "read", "after 2"])

    def test_toolkit_refuses_readiness_before_the_reader(self) -> None:
        async def scenario() -> None:
            with self.assertRaisesRegex(ValueError, "no reader is registered"):
                toolkit.set_read_ready(self.sock, self.loop)

        self.run_loop(scenario())

    def test_asynctest_ignores_readiness_nothing_watches(self) -> None:
        async def scenario() -> None:
            shim.set_read_ready(self.sock, self.loop)
            shim.set_write_ready(self.sock, self.loop)
            await self.iterations(3)

        self.run_loop(scenario())
        self.assertEqual(self.events, ["after 1", "after 2", "after 3"])
        self.assertEqual(self.errors, [])

    def test_asynctest_ignores_a_reader_removed_before_the_next_iteration(self) -> None:
        async def scenario() -> None:
            self.loop.add_reader(self.sock, self.on("read"))
            shim.set_read_ready(self.sock, self.loop)
            self.loop.remove_reader(self.sock)
            await self.iterations(3)

        self.run_loop(scenario())
        self.assertNotIn("read", self.events)
        self.assertEqual(self.errors, [])

    def test_asynctest_write_readiness_goes_to_the_writer_only(self) -> None:
        async def scenario() -> None:
            self.loop.add_reader(self.sock, self.on("read"))
            self.loop.add_writer(self.sock, self.on("write"))
            shim.set_write_ready(self.sock, self.loop)
            await self.iterations(2)
            self.loop.remove_writer(self.sock)
            shim.set_write_ready(self.sock, self.loop)  # only a reader left: ignored
            await self.iterations(2)
            self.loop.remove_reader(self.sock)

        self.run_loop(scenario())
        self.assertEqual(self.events.count("write"), 1)
        self.assertNotIn("read", self.events)
        self.assertEqual(self.errors, [])

    def test_toolkit_refuses_write_readiness_without_a_writer(self) -> None:
        async def scenario() -> None:
            self.loop.add_reader(self.sock, self.on("read"))
            with self.assertRaisesRegex(ValueError, "no writer is registered"):
                toolkit.set_write_ready(self.sock, self.loop)
            self.loop.remove_reader(self.sock)

        self.run_loop(scenario())

    def test_asynctest_loop_defaults_to_the_running_loop(self) -> None:
        async def scenario() -> None:
            self.loop.add_reader(self.sock, self.on("read"))
            shim.set_read_ready(self.sock)
            await self.iterations(2)
            self.loop.remove_reader(self.sock)

        self.run_loop(scenario())
        self.assertIn("read", self.events)

    def test_asynctest_before_the_loop_runs(self) -> None:
        # A synchronous test in asynctest's style: readiness first, then run the loop.
        self.loop.add_reader(self.sock, self.on("read"))
        shim.set_read_ready(self.sock, self.loop)
        self.run_loop(self.iterations(2))
        self.loop.remove_reader(self.sock)
        self.assertEqual(self.events.count("read"), 1)

    def test_asynctest_from_another_thread(self) -> None:
        async def scenario() -> None:
            received = self.loop.create_future()
            self.loop.add_reader(self.sock, lambda: received.set_result("read"))
            thread = threading.Thread(target=shim.set_read_ready, args=(self.sock, self.loop))
            thread.start()
            try:
                self.assertEqual(await asyncio.wait_for(received, WAIT), "read")
            finally:
                self.loop.remove_reader(self.sock)
                thread.join(WAIT)

        self.run_loop(scenario())

    def test_asynctest_with_a_real_socket(self) -> None:
        near, far = socket.socketpair()
        self.addCleanup(near.close)
        self.addCleanup(far.close)

        async def scenario() -> None:
            self.loop.add_reader(near, self.on("read"))
            shim.set_read_ready(near, self.loop)
            await self.iterations(2)
            self.loop.remove_reader(near)

        self.run_loop(scenario())
        self.assertIn("read", self.events)

    @settings(max_examples=60, deadline=None)
    @given(st.lists(st.sampled_from(["add", "remove", "ready"]), max_size=8))
    def test_asynctest_delivers_what_the_next_iteration_finds(self, actions: list[str]) -> None:
        # Whatever happens in one iteration, each readiness reaches the reader
        # registered when the next iteration starts, or nothing if none is.
        loop = asyncio.SelectorEventLoop(toolkit.TestSelector(selectors.DefaultSelector()))
        sock = toolkit.SocketMock()
        reads: list[int] = []

        async def scenario() -> None:
            registered = False
            for action in actions:
                if action == "add" and not registered:
                    loop.add_reader(sock, reads.append, 1)
                    registered = True
                elif action == "remove":
                    loop.remove_reader(sock)
                    registered = False
                elif action == "ready":
                    shim.set_read_ready(sock, loop)
            for _ in range(3):
                await asyncio.sleep(0)
            loop.remove_reader(sock)

        try:
            loop.run_until_complete(asyncio.wait_for(scenario(), WAIT))
        finally:
            loop.close()
        registered_at_end = False
        for action in actions:
            if action in ("add", "remove"):
                registered_at_end = action == "add"
        expected = actions.count("ready") if registered_at_end else 0
        self.assertEqual(len(reads), expected)


class ReadinessErrorsTest(_LoopTest):
    def test_closed_loop(self) -> None:
        loop = asyncio.SelectorEventLoop(toolkit.TestSelector(selectors.DefaultSelector()))
        loop.close()
        for ready in (shim.set_read_ready, shim.set_write_ready):
            with self.subTest(ready.__name__), self.assertRaisesRegex(RuntimeError, "is closed"):
                ready(self.sock, loop)

    def test_no_loop_outside_a_running_loop(self) -> None:
        needs = r"needs the loop: set_read_ready\(fileobj, loop\)"
        with self.assertRaisesRegex(RuntimeError, needs):
            shim.set_read_ready(self.sock)

    def test_not_a_selector_loop(self) -> None:
        loop = asyncio.BaseEventLoop()
        self.addCleanup(loop.close)
        with self.assertRaisesRegex(TypeError, "needs a selector event loop"):
            shim.set_write_ready(self.sock, loop)


class RegisteredEventsTest(_LoopTest):
    def test_mocks_and_real_files_of_a_loop(self) -> None:
        near, far = socket.socketpair()
        self.addCleanup(near.close)
        self.addCleanup(far.close)
        before = shim.get_registered_events(self.selector)  # the loop's own pipe

        async def scenario() -> None:
            self.loop.add_reader(self.sock, self.on("read"))
            self.loop.add_writer(self.sock, self.on("write"))
            self.loop.add_reader(near, self.on("near"))
            during = shim.get_registered_events(self.selector)
            self.loop.remove_reader(self.sock)
            self.loop.remove_writer(self.sock)
            self.loop.remove_reader(near)
            after = shim.get_registered_events(self.selector)
            self.assertEqual(after, before)
            added = during - before
            self.assertEqual({key.fileobj for key in added}, {self.sock, near})
            for key in added:
                expected = selectors.EVENT_READ
                if key.fileobj is self.sock:
                    expected |= selectors.EVENT_WRITE
                self.assertEqual(key.events, expected)

        self.run_loop(scenario())

    def test_a_test_selector_on_its_own(self) -> None:
        selector = toolkit.TestSelector()
        self.addCleanup(selector.close)
        self.assertEqual(shim.get_registered_events(selector), set())
        key = selector.register(self.sock, selectors.EVENT_READ, "data")
        self.assertEqual(shim.get_registered_events(selector), {key})
