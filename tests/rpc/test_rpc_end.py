"""When an RPC ends, the doubles' own tasks and threads end with it.

Each scenario runs as an inner test with the default checks: a task of the
double left pending after its RPC ended would make ``pending_tasks`` fail
the user's test for something the test did not start.
"""

from __future__ import annotations

import asyncio
import threading
import unittest
from collections.abc import AsyncIterator, Iterator
from typing import Any

import grpc
import grpc.aio

from asynctoolkit import rpc
from asynctoolkit.case import ClockedTestCase, TestCase
from tests._inner import failure_text, passed, run_test
from tests.rpc._proto import SHAPES, STREAM_STREAM, STREAM_UNARY, pb, pb_grpc
from tests.rpc.test_interceptors import Recorder

DEADLINE_EXCEEDED = grpc.StatusCode.DEADLINE_EXCEEDED


async def _one_request_then_wait(sent: list[int]) -> AsyncIterator[pb.Request]:
    """A request stream of the code under test: one request, then it waits for more."""
    yield pb.Request(number=1)
    sent.append(1)
    await asyncio.Event().wait()  # more requests would come later
    yield pb.Request(number=2)  # pragma: no cover - never reached


class _Outer(unittest.TestCase):
    def assert_passes(self, case_class: type[unittest.TestCase], name: str) -> None:
        result = run_test(case_class, name)
        self.assertTrue(passed(result), failure_text(result))


class ChannelRequestStreamTest(_Outer):
    """The task that reads the code under test's request iterator."""

    def test_deadline_ends_the_request_reader(self) -> None:
        class Inner(ClockedTestCase):
            async def test(self) -> None:
                channel = rpc.channel([SHAPES])
                sent: list[int] = []
                call = pb_grpc.ShapesStub(channel).StreamUnary(
                    _one_request_then_wait(sent), timeout=5
                )
                _, taken = await channel.take_stream_unary(STREAM_UNARY)
                self.assertEqual((await taken.take_request()).number, 1)
                await self.advance(5)
                self.assertEqual(await call.code(), DEADLINE_EXCEEDED)
                self.assertEqual(sent, [1])

        self.assert_passes(Inner, "test")

    def test_deadline_on_fake_time_ends_the_request_reader(self) -> None:
        class Inner(TestCase):
            async def test(self) -> None:
                time = rpc.strict_fake_time(0.0)
                channel = rpc.channel([SHAPES], time)
                call = pb_grpc.ShapesStub(channel).StreamStream(
                    _one_request_then_wait([]), timeout=5
                )
                _, taken = await channel.take_stream_stream(STREAM_STREAM)
                await taken.take_request()
                await time.sleep_for(5)
                self.assertEqual(await call.code(), DEADLINE_EXCEEDED)

        self.assert_passes(Inner, "test")

    def test_status_from_the_test_ends_the_request_reader(self) -> None:
        class Inner(TestCase):
            async def test(self) -> None:
                channel = rpc.channel([SHAPES])
                call = pb_grpc.ShapesStub(channel).StreamUnary(_one_request_then_wait([]))
                _, taken = await channel.take_stream_unary(STREAM_UNARY)
                await taken.take_request()
                taken.terminate(pb.Reply(number=7), (), grpc.StatusCode.OK, "")
                self.assertEqual((await call).number, 7)

        self.assert_passes(Inner, "test")

    def test_closing_the_channel_ends_the_request_reader(self) -> None:
        class Inner(TestCase):
            async def test(self) -> None:
                channel = rpc.channel([SHAPES])
                call = pb_grpc.ShapesStub(channel).StreamStream(_one_request_then_wait([]))
                _, taken = await channel.take_stream_stream(STREAM_STREAM)
                await taken.take_request()
                await channel.close()
                self.assertEqual(await call.code(), grpc.StatusCode.CANCELLED)

        self.assert_passes(Inner, "test")

    def test_deadline_ends_the_reader_of_an_intercepted_write_stream(self) -> None:
        class Inner(ClockedTestCase):
            async def test(self) -> None:
                channel = rpc.channel([SHAPES], interceptors=[Recorder("a", [])])
                call = pb_grpc.ShapesStub(channel).StreamUnary(timeout=5)
                await call.write(pb.Request(number=1))
                _, taken = await channel.take_stream_unary(STREAM_UNARY)
                await taken.take_request()
                await self.advance(5)
                self.assertEqual(await call.code(), DEADLINE_EXCEEDED)

        self.assert_passes(Inner, "test")


class InterceptedWriteTest(TestCase):
    """``write()`` through interceptors, once the task reading the writes ended."""

    async def test_write_after_the_test_ended_the_rpc_fails_at_once(self) -> None:
        channel = rpc.channel([SHAPES], interceptors=[Recorder("a", [])])
        self.addAsyncCleanup(channel.close)
        call = pb_grpc.ShapesStub(channel).StreamStream()
        await call.write(pb.Request(number=1))
        _, taken = await channel.take_stream_stream(STREAM_STREAM)
        await taken.take_request()
        taken.send_response(pb.Reply(number=1))  # not read yet: the call is not done
        taken.terminate((), grpc.StatusCode.OK, "")
        with self.assertRaises(asyncio.InvalidStateError):
            await asyncio.wait_for(call.write(pb.Request(number=2)), 5)
        self.assertEqual((await call.read()).number, 1)
        self.assertEqual(await call.code(), grpc.StatusCode.OK)


class _BlockingServicer(pb_grpc.ShapesServicer):
    """Plain-function handlers, run in a worker thread, that read every request.

    After the last request they hold on until ``release`` is set (at most ten
    seconds): the thread outlives its RPC, as a handler finishing slow work would.
    """

    def __init__(self) -> None:
        self.release = threading.Event()
        self.returned = threading.Event()

    def StreamUnary(self, request_iterator: Iterator[Any], context: Any) -> Any:
        try:
            total = sum(r.number for r in request_iterator)
            self.release.wait(10)
            return pb.Reply(number=total)
        finally:
            self.returned.set()

    def StreamStream(self, request_iterator: Iterator[Any], context: Any) -> Iterator[Any]:
        try:
            for request in request_iterator:
                yield pb.Reply(number=request.number)
            self.release.wait(10)
        finally:
            self.returned.set()


class ServerHandlerThreadTest(_Outer):
    """The handler task of a plain function run in a worker thread."""

    def test_deadline_ends_the_handler_task_at_once(self) -> None:
        servicer = _BlockingServicer()

        class Inner(TestCase):
            async def test(self) -> None:
                time = rpc.strict_fake_time(0.0)
                server = rpc.server_from_dictionary({SHAPES: servicer}, time)
                invoked = server.invoke_stream_stream(STREAM_STREAM, (), 5)
                invoked.send_request(pb.Request(number=1))
                await invoked.take_response()  # the handler runs in its thread
                await time.sleep_for(5)
                # The test ends here, without awaiting termination(); its
                # handler, blocked in its own code, is let go by a cleanup.
                self.addCleanup(servicer.release.set)

        self.assert_passes(Inner, "test")
        servicer.release.set()
        self.assertTrue(servicer.returned.wait(10))

    def test_deadline_on_a_virtual_clock_ends_the_handler_task(self) -> None:
        servicer = _BlockingServicer()

        class Inner(ClockedTestCase):
            async def test(self) -> None:
                server = rpc.server_from_dictionary({SHAPES: servicer})
                invoked = server.invoke_stream_unary(STREAM_UNARY, (), 5)
                invoked.send_request(pb.Request(number=1))
                await self.advance(5)
                # The test ends here, without awaiting termination(); its
                # handler, blocked in its own code, is let go by a cleanup.
                self.addCleanup(servicer.release.set)

        self.assert_passes(Inner, "test")
        servicer.release.set()
        self.assertTrue(servicer.returned.wait(10))

    def test_a_handler_thread_still_blocked_in_user_code_is_reported_naming_the_rpc(
        self,
    ) -> None:
        servicer = _BlockingServicer()
        self.addCleanup(servicer.release.set)

        class Inner(TestCase):
            cancel_wait = 0.05

            async def test(self) -> None:
                server = rpc.server_from_dictionary({SHAPES: servicer})
                invoked = server.invoke_stream_unary(STREAM_UNARY, (), 5)
                invoked.send_request(pb.Request(number=1))
                invoked.requests_closed()
                await asyncio.sleep(0.05)  # the handler now waits in its own code
                invoked.cancel()  # the RPC ends; its handler's thread does not

        text = failure_text(run_test(Inner, "test"))
        self.assertIn("running_threads", text)
        self.assertIn(
            "still running the handler of RPC /asynctoolkit.tests.Shapes/StreamUnary", text
        )

    def test_cancel_ends_the_handler_task_at_once(self) -> None:
        servicer = _BlockingServicer()

        class Inner(TestCase):
            async def test(self) -> None:
                server = rpc.server_from_dictionary({SHAPES: servicer})
                invoked = server.invoke_stream_stream(STREAM_STREAM, (), None)
                invoked.send_request(pb.Request(number=3))
                self.assertEqual((await invoked.take_response()).number, 3)
                invoked.cancel()
                # Its handler, blocked in its own code, is let go by a cleanup.
                self.addCleanup(servicer.release.set)

        self.assert_passes(Inner, "test")
        servicer.release.set()
        self.assertTrue(servicer.returned.wait(10))

    def test_termination_still_waits_for_the_handler_to_return(self) -> None:
        servicer = _BlockingServicer()

        class Inner(TestCase):
            async def test(self) -> None:
                server = rpc.server_from_dictionary({SHAPES: servicer})
                invoked = server.invoke_stream_stream(STREAM_STREAM, (), None)
                invoked.send_request(pb.Request(number=1))
                await invoked.take_response()  # the handler runs in its thread
                invoked.cancel()
                with self.assertRaisesRegex(TimeoutError, "handler is still running"):
                    await invoked.termination(timeout=0.05)
                servicer.release.set()
                _, code, _ = await invoked.termination()
                self.assertEqual(code, grpc.StatusCode.CANCELLED)
                self.assertTrue(servicer.returned.is_set())

        self.assert_passes(Inner, "test")


if __name__ == "__main__":
    unittest.main()
