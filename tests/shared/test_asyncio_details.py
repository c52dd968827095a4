"""Each private asyncio detail we read, checked on this Python.

If an upgrade of Python moves one of these details, this file fails first and
names it; the function in ``asynctoolkit/_shared/asyncio_details.py`` is then the one place
to adapt.
"""

from __future__ import annotations

import asyncio
import selectors
import socket
import unittest

from asynctoolkit._shared import asyncio_details


def _noop() -> None:
    pass


class InternalsTest(unittest.TestCase):
    def setUp(self) -> None:
        self.loop = asyncio.SelectorEventLoop(selectors.DefaultSelector())
        self.addCleanup(self.loop.close)

    def test_ready_handles_and_scheduled_timers(self) -> None:
        handle = self.loop.call_soon(_noop)
        timer = self.loop.call_later(5, _noop)
        self.assertIn(handle, list(asyncio_details.ready_handles(self.loop)))
        self.assertIn(timer, list(asyncio_details.scheduled_timers(self.loop)))

    def test_selector_self_pipe_and_key_handles(self) -> None:
        selector = asyncio_details.loop_selector(self.loop)
        self.assertIsInstance(selector, selectors.BaseSelector)
        assert selector is not None
        self_fd = asyncio_details.self_pipe_fd(self.loop)
        self.assertIn(self_fd, {key.fd for key in selector.get_map().values()})
        a, b = socket.socketpair()
        self.addCleanup(a.close)
        self.addCleanup(b.close)
        self.loop.add_reader(a, _noop)
        reader, writer = asyncio_details.key_handles(selector.get_key(a))
        self.assertIsNone(writer)
        assert reader is not None
        self.assertEqual(asyncio_details.handle_callback(reader), (_noop, ()))
        self.loop.remove_reader(a)

    def test_add_ready_handle_queues_it(self) -> None:
        ran: list[int] = []
        handle = asyncio.Handle(ran.append, (1,), self.loop)
        asyncio_details.add_ready_handle(self.loop, handle)
        self.loop.run_until_complete(asyncio.sleep(0))
        self.assertEqual(ran, [1])

    def test_task_waiter(self) -> None:
        async def main() -> None:
            fut = self.loop.create_future()
            task = self.loop.create_task(asyncio.wait_for(fut, 10))
            await asyncio.sleep(0)
            self.assertIsNotNone(asyncio_details.task_waiter(task))
            fut.set_result(None)
            await task

        self.loop.run_until_complete(main())

    def test_exception_never_retrieved(self) -> None:
        future = self.loop.create_future()
        future.set_exception(KeyError("k"))
        self.assertTrue(asyncio_details.exception_never_retrieved(future))
        future.exception()
        self.assertFalse(asyncio_details.exception_never_retrieved(future))
        done = self.loop.create_future()
        done.set_result(1)
        self.assertFalse(asyncio_details.exception_never_retrieved(done))

    def test_current_event_loop_does_not_create_one(self) -> None:
        asyncio.set_event_loop(None)
        self.assertIsNone(asyncio_details.current_event_loop())
        asyncio.set_event_loop(self.loop)
        self.addCleanup(asyncio.set_event_loop, None)
        self.assertIs(asyncio_details.current_event_loop(), self.loop)

    def test_async_generators_and_default_executor(self) -> None:
        self.assertFalse(asyncio_details.has_async_generators(self.loop))
        self.assertFalse(asyncio_details.has_default_executor(self.loop))

        async def agen():  # type: ignore[no-untyped-def]
            yield 1

        async def main() -> None:
            gen = agen()
            await gen.__anext__()
            self.assertTrue(asyncio_details.has_async_generators(self.loop))
            await gen.aclose()
            await self.loop.run_in_executor(None, _noop)

        self.loop.run_until_complete(main())
        self.assertTrue(asyncio_details.has_default_executor(self.loop))
        self.loop.run_until_complete(self.loop.shutdown_default_executor())


if __name__ == "__main__":
    unittest.main()
