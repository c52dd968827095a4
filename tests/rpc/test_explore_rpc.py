"""``asynctoolkit.explore`` in the rpc doubles: seeded latency and injected faults.

Each test runs an inner ``ClockedTestCase`` (autojump) whose test is
decorated with ``explore`` and looks at what it observed, or at the report of
its failing seed (seed, replay line, trace).  Seeds are given explicitly, and
the environment variables that would replace them are cleared.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import unittest
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any
from unittest import mock

import grpc
import grpc.aio
from hypothesis import given, settings
from hypothesis import strategies as st

import asynctoolkit
from asynctoolkit import rpc
from tests._inner import failure_text, passed, run_test
from tests.rpc._proto import SHAPES, STREAM_STREAM, UNARY_UNARY, pb, pb_grpc

OK = grpc.StatusCode.OK
UNAVAILABLE = grpc.StatusCode.UNAVAILABLE
DEADLINE_EXCEEDED = grpc.StatusCode.DEADLINE_EXCEEDED
STREAM = 6  # messages of each stream below

Test = Callable[[asynctoolkit.ClockedTestCase], Awaitable[None]]


def run_explored(test: Test, **explore: Any) -> unittest.TestResult:
    """Run ``test`` as the test method of an autojump ClockedTestCase under ``explore(...)``."""

    class Inner(asynctoolkit.ClockedTestCase):
        autojump = True

    Inner.test_it = asynctoolkit.explore(**explore)(test)  # type: ignore[attr-defined]
    return run_test(Inner, "test_it")


def trace_of(result: unittest.TestResult) -> str:
    """The choices listed in the report of a failing seed."""
    text = failure_text(result)
    return text[text.index("Choices of seed") :]


class Echo(pb_grpc.ShapesServicer):  # type: ignore[misc]
    """Answers each request with its number; records what its handlers saw."""

    def __init__(self) -> None:
        self.calls = 0
        self.requests: list[int] = []
        self.interrupted = 0
        self.reading = asyncio.Event()
        self.reading.set()

    async def UnaryUnary(self, request: Any, context: Any) -> Any:
        self.calls += 1
        return pb.Reply(number=request.number)

    async def StreamStream(self, request_iterator: Any, context: Any) -> AsyncIterator[Any]:
        self.calls += 1
        try:
            await self.reading.wait()
            async for request in request_iterator:
                self.requests.append(request.number)
                yield pb.Reply(number=request.number)
        except asyncio.CancelledError:
            self.interrupted += context.cancelled()
            raise


async def _stream(stub: Any, count: int = STREAM) -> tuple[list[int], grpc.StatusCode, str]:
    """The responses of a stream-stream call of ``count`` requests, its code and details."""
    got: list[int] = []
    requests = iter([pb.Request(number=n) for n in range(count)])
    try:
        async for reply in stub.StreamStream(requests):
            got.append(reply.number)
    except grpc.aio.AioRpcError as error:
        return got, error.code(), error.details() or ""
    return got, OK, ""


async def _unary(stub: Any, number: int, **kwargs: Any) -> tuple[grpc.StatusCode, str]:
    try:
        await stub.UnaryUnary(pb.Request(number=number), **kwargs)
    except grpc.aio.AioRpcError as error:
        return error.code(), error.details() or ""
    return OK, ""


async def _traffic(log: list[Any]) -> None:
    """Concurrent unary calls and a stream on rpc.connect; what and when the client saw."""
    loop = asyncio.get_running_loop()
    async with rpc.connect({SHAPES: Echo()}) as channel:
        stub = pb_grpc.ShapesStub(channel)

        async def unary(n: int) -> None:
            log.append((loop.time(), "unary", n, *await _unary(stub, n)))

        async def stream() -> None:
            got, code, details = await _stream(stub)
            log.append((loop.time(), "stream", got, code, details))

        await asyncio.gather(unary(1), unary(2), unary(3), stream())


class ExploreTestCase(unittest.TestCase):
    """Clears the variables that would replace the seeds these tests give."""

    def setUp(self) -> None:
        patcher = mock.patch.dict(os.environ)
        patcher.start()
        self.addCleanup(patcher.stop)
        os.environ.pop("ASYNCTOOLKIT_SEED", None)
        os.environ.pop("ASYNCTOOLKIT_SEED_BASE", None)


def replay(seed: int) -> tuple[list[Any], str]:
    """What ``_traffic`` saw under ``seed`` (with faults), and the run's trace."""
    log: list[Any] = []

    async def test(case: asynctoolkit.ClockedTestCase) -> None:
        await _traffic(log)
        case.fail("stop here, to read the trace")

    result = run_explored(test, seed=seed, latency=(0, 0.01), faults=0.2)
    return log, trace_of(result)


class ReplayTest(ExploreTestCase):
    def test_the_same_seed_gives_the_same_trace_and_outcome(self) -> None:
        first, second = replay(11), replay(11)
        self.assertEqual(first, second)
        self.assertEqual(len(first[0]), 4)
        self.assertIn(
            "rpc #1 /asynctoolkit.tests.Shapes/UnaryUnary start: delivered after", first[1]
        )

    def test_different_seeds_give_different_traces(self) -> None:
        traces = {replay(seed)[1] for seed in range(4)}
        self.assertEqual(len(traces), 4)

    def test_another_process_replays_the_same_trace_and_outcome(self) -> None:
        """Whatever the process allocated before (its objects' addresses differ)."""
        here = replay(11)
        script = (
            "import sys; junk = [object() for _ in range(int(sys.argv[1]))]; "
            "from tests.rpc.test_explore_rpc import replay; print(repr(replay(11)))"
        )
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]))
        for junk in ("0", "12345"):
            done = subprocess.run(
                [sys.executable, "-c", script, junk],
                cwd=root,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            self.assertEqual(done.returncode, 0, done.stderr)
            self.assertEqual(done.stdout.strip(), repr(here))


class OrderTest(ExploreTestCase):
    """One stream's messages keep their order, and its status comes after them."""

    @settings(max_examples=25, deadline=None)
    @given(seed=st.integers(0, 2**32))
    def test_a_stream_on_connect_keeps_its_order(self, seed: int) -> None:
        async def test(case: asynctoolkit.ClockedTestCase) -> None:
            servicer = Echo()
            async with rpc.connect({SHAPES: servicer}) as channel:
                stub = pb_grpc.ShapesStub(channel)
                outcomes = await asyncio.gather(_stream(stub), _stream(stub))
            for got, code, _ in outcomes:
                case.assertEqual((got, code), (list(range(STREAM)), OK))
            case.assertEqual(sorted(servicer.requests), sorted(2 * list(range(STREAM))))

        result = run_explored(test, seed=seed)
        self.assertTrue(passed(result), failure_text(result))

    @settings(max_examples=25, deadline=None)
    @given(seed=st.integers(0, 2**32))
    def test_a_stream_on_the_channel_double_keeps_its_order(self, seed: int) -> None:
        async def test(case: asynctoolkit.ClockedTestCase) -> None:
            channel = rpc.channel([SHAPES])
            client = asyncio.ensure_future(_stream(pb_grpc.ShapesStub(channel)))
            _, server = await channel.take_stream_stream(STREAM_STREAM)
            for n in range(STREAM):
                case.assertEqual((await server.take_request()).number, n)
                server.send_response(pb.Reply(number=n))
            await server.requests_closed()
            server.terminate((), OK, "")  # sent right after the last response
            case.assertEqual(await client, (list(range(STREAM)), OK, ""))
            await channel.close()

        result = run_explored(test, seed=seed)
        self.assertTrue(passed(result), failure_text(result))

    @settings(max_examples=25, deadline=None)
    @given(seed=st.integers(0, 2**32))
    def test_a_stream_on_the_server_double_keeps_its_order(self, seed: int) -> None:
        async def test(case: asynctoolkit.ClockedTestCase) -> None:
            server = rpc.server_from_dictionary({SHAPES: Echo()})
            call = server.invoke_stream_stream(STREAM_STREAM, (), None)
            for n in range(STREAM):
                call.send_request(pb.Request(number=n))
            call.requests_closed()
            got = [(await call.take_response()).number for _ in range(STREAM)]
            case.assertEqual(got, list(range(STREAM)))
            case.assertEqual((await call.termination())[1], OK)

        result = run_explored(test, seed=seed)
        self.assertTrue(passed(result), failure_text(result))


class OvertakeTest(ExploreTestCase):
    def test_a_reply_to_a_later_call_can_arrive_first_and_the_seed_replays_it(self) -> None:
        """The test answers A, then B; some seed makes B's reply arrive first."""
        order: list[str] = []

        async def test(case: asynctoolkit.ClockedTestCase) -> None:
            channel = rpc.channel([SHAPES])
            stub = pb_grpc.ShapesStub(channel)
            del order[:]

            async def call(name: str, number: int) -> None:
                await stub.UnaryUnary(pb.Request(number=number))
                order.append(name)

            calls = asyncio.gather(call("A", 1), call("B", 2))
            answers = [await channel.take_unary_unary(UNARY_UNARY) for _ in range(2)]
            for _, request, server in sorted(answers, key=lambda answer: answer[1].number):
                server.terminate(pb.Reply(number=request.number), (), OK, "")
            await calls
            await channel.close()
            case.assertEqual(order, ["A", "B"], "B's reply overtook A's")

        result = run_explored(test, runs=100)
        text = failure_text(result)
        self.assertIn("B's reply overtook A's", text)
        seed = int(text.split("explore: seed ")[1].split()[0])
        self.assertIn(f"Replay it with @explore(seed={seed})", text)
        replayed = run_explored(test, seed=seed)
        self.assertEqual(order, ["B", "A"])
        self.assertEqual(trace_of(replayed), trace_of(result))


class NoExplorationTest(ExploreTestCase):
    def test_outside_explore_messages_arrive_at_once(self) -> None:
        log: list[Any] = []

        class Inner(asynctoolkit.ClockedTestCase):
            autojump = True

            async def test_it(self) -> None:
                await _traffic(log)

        self.assertTrue(passed(run_test(Inner, "test_it")))
        self.assertEqual([(when, code) for when, *_, code, _ in log], [(0, OK)] * 4)

    def test_no_latency_and_no_faults_changes_nothing(self) -> None:
        log: list[Any] = []

        async def test(case: asynctoolkit.ClockedTestCase) -> None:
            await _traffic(log)

        result = run_explored(test, seed=3, jitter=0, latency=(0, 0), faults=0)
        self.assertTrue(passed(result), failure_text(result))
        self.assertEqual([(when, code) for when, *_, code, _ in log], [(0, OK)] * 4)

    def test_faults_0_injects_nothing(self) -> None:
        log: list[Any] = []

        async def test(case: asynctoolkit.ClockedTestCase) -> None:
            await _traffic(log)
            case.assertEqual({entry[-2] for entry in log}, {OK})

        for seed in range(30):
            result = run_explored(test, seed=seed, faults=0)
            self.assertTrue(passed(result), failure_text(result))
        self.assertTrue(any(when > 0 for when, *_ in log), "latency moved the clock")


class StartFaultTest(ExploreTestCase):
    """faults=1: every RPC fails at its start, before anything reaches the other end."""

    def test_on_connect_the_servicer_never_runs(self) -> None:
        servicer = Echo()

        async def test(case: asynctoolkit.ClockedTestCase) -> None:
            async with rpc.connect({SHAPES: servicer}) as channel:
                stub = pb_grpc.ShapesStub(channel)
                code, details = await _unary(stub, 1)
                got, stream_code, _ = await _stream(stub)
            case.assertEqual((code, stream_code, got), (UNAVAILABLE, UNAVAILABLE, []))
            case.assertEqual(
                details,
                "failed to connect to all addresses; last error: UNAVAILABLE: "
                "injected by asynctoolkit.explore, seed 5",
            )

        result = run_explored(test, seed=5, faults=1)
        self.assertTrue(passed(result), failure_text(result))
        self.assertEqual(servicer.calls, 0)

    def test_on_the_channel_double_the_test_never_takes_it(self) -> None:
        async def test(case: asynctoolkit.ClockedTestCase) -> None:
            channel = rpc.channel([SHAPES])
            code, _ = await _unary(pb_grpc.ShapesStub(channel), 1)
            case.assertEqual(code, UNAVAILABLE)
            with case.assertRaisesRegex(TimeoutError, "started no .*UnaryUnary RPC"):
                await channel.take_unary_unary(UNARY_UNARY, timeout=1)
            await channel.close()

        result = run_explored(test, seed=5, faults=1)
        self.assertTrue(passed(result), failure_text(result))

    def test_on_the_server_double_the_handler_never_runs(self) -> None:
        servicer = Echo()

        async def test(case: asynctoolkit.ClockedTestCase) -> None:
            server = rpc.server_from_dictionary({SHAPES: servicer})
            call = server.invoke_unary_unary(UNARY_UNARY, (), pb.Request(number=1), None)
            _, _, code, details = await call.termination()
            case.assertEqual(code, UNAVAILABLE)
            case.assertIn("injected by asynctoolkit.explore, seed 5", details)

        result = run_explored(test, seed=5, faults=1)
        self.assertTrue(passed(result), failure_text(result))
        self.assertEqual(servicer.calls, 0)

    def test_the_trace_names_the_fault(self) -> None:
        async def test(case: asynctoolkit.ClockedTestCase) -> None:
            async with rpc.connect({SHAPES: Echo()}) as channel:
                await pb_grpc.ShapesStub(channel).UnaryUnary(pb.Request(number=1))

        result = run_explored(test, seed=2, faults=1)
        self.assertIn(
            "rpc #1 /asynctoolkit.tests.Shapes/UnaryUnary start: injected fault UNAVAILABLE",
            trace_of(result),
        )


class StreamResetTest(ExploreTestCase):
    def test_a_stream_may_be_reset_part_way_and_its_handler_sees_it(self) -> None:
        outcomes: list[tuple[list[int], grpc.StatusCode, str]] = []
        interrupted = 0

        async def test(case: asynctoolkit.ClockedTestCase) -> None:
            nonlocal interrupted
            servicer = Echo()
            async with rpc.connect({SHAPES: servicer}) as channel:
                outcome = await _stream(pb_grpc.ShapesStub(channel))
            outcomes.append(outcome)
            interrupted += servicer.interrupted

        for seed in range(40):
            result = run_explored(test, seed=seed, faults=0.1)
            self.assertTrue(passed(result), failure_text(result))
        details = {details.split(" (")[0].split(";")[0] for _, _, details in outcomes}
        kinds = {"", "failed to connect to all addresses", "Socket closed"}
        self.assertEqual(details, {*kinds, "Received RST_STREAM with error code 2"})
        for got, code, _ in outcomes:
            self.assertEqual(got, list(range(len(got))))  # what arrived, in order
            self.assertEqual(code == OK, len(got) == STREAM)
        self.assertTrue(any(0 < len(got) < STREAM for got, _, _ in outcomes), "part-way")
        self.assertGreater(interrupted, 0)

    def test_a_reset_interrupts_a_handler_on_the_server_double(self) -> None:
        seen: list[tuple[grpc.StatusCode, int]] = []

        async def test(case: asynctoolkit.ClockedTestCase) -> None:
            servicer = Echo()
            server = rpc.server_from_dictionary({SHAPES: servicer})
            call = server.invoke_stream_stream(STREAM_STREAM, (), None)
            for n in range(STREAM):
                call.send_request(pb.Request(number=n))
            call.requests_closed()
            _, code, _ = await call.termination()
            seen.append((code, servicer.interrupted))

        for seed in range(40):
            result = run_explored(test, seed=seed, faults=0.1)
            self.assertTrue(passed(result), failure_text(result))
        self.assertIn(OK, {code for code, _ in seen})
        self.assertTrue(any(code != OK and interrupted for code, interrupted in seen))


class DeadlineTest(ExploreTestCase):
    """A message that would arrive after the deadline does not: DEADLINE_EXCEEDED."""

    def _ending(self, timeout: float) -> tuple[float, grpc.StatusCode, int]:
        found: list[tuple[float, grpc.StatusCode, int]] = []

        async def test(case: asynctoolkit.ClockedTestCase) -> None:
            servicer = Echo()
            async with rpc.connect({SHAPES: servicer}) as channel:
                code, _ = await _unary(pb_grpc.ShapesStub(channel), 1, timeout=timeout)
                found.append((asyncio.get_running_loop().time(), code, servicer.calls))

        result = run_explored(test, seed=1, jitter=0, latency=(0.1, 0.1))
        self.assertTrue(passed(result), failure_text(result))
        return found[0]

    def test_a_reply_in_time(self) -> None:
        self.assertEqual(self._ending(0.25), (0.2, OK, 1))

    def test_a_reply_that_would_arrive_late(self) -> None:
        self.assertEqual(self._ending(0.15), (0.15, DEADLINE_EXCEEDED, 1))

    def test_a_start_that_would_arrive_late_never_reaches_the_handler(self) -> None:
        self.assertEqual(self._ending(0.05), (0.05, DEADLINE_EXCEEDED, 0))

    def test_the_channel_double_still_hands_the_late_rpc_to_the_test(self) -> None:
        async def test(case: asynctoolkit.ClockedTestCase) -> None:
            loop = asyncio.get_running_loop()
            channel = rpc.channel([SHAPES])
            client = asyncio.ensure_future(_unary(pb_grpc.ShapesStub(channel), 1, timeout=0.05))
            _, _, server = await channel.take_unary_unary(UNARY_UNARY)
            case.assertEqual(loop.time(), 0.1)
            server.terminate(pb.Reply(number=1), (), OK, "")  # too late: ignored
            case.assertEqual((await client)[0], DEADLINE_EXCEEDED)
            await channel.close()

        result = run_explored(test, seed=1, jitter=0, latency=(0.1, 0.1))
        self.assertTrue(passed(result), failure_text(result))


class InFlightTest(ExploreTestCase):
    """What one end sent and the other did not receive yet still counts for the sender."""

    def test_the_request_window_counts_messages_in_flight(self) -> None:
        taken = 0

        def counted() -> Iterator[Any]:
            nonlocal taken
            for n in range(300):
                taken += 1
                yield pb.Request(number=n)

        async def test(case: asynctoolkit.ClockedTestCase) -> None:
            servicer = Echo()
            servicer.reading.clear()
            async with rpc.connect({SHAPES: servicer}) as channel:
                call = pb_grpc.ShapesStub(channel).StreamStream(counted())
                await asyncio.sleep(1)
                case.assertLessEqual(taken, 129)
                servicer.reading.set()
                case.assertEqual([reply.number async for reply in call], list(range(300)))

        result = run_explored(test, seed=4)
        self.assertTrue(passed(result), failure_text(result))

    def test_the_channel_double_refuses_a_second_status_or_metadata_in_flight(self) -> None:
        async def test(case: asynctoolkit.ClockedTestCase) -> None:
            channel = rpc.channel([SHAPES])
            client = asyncio.ensure_future(_stream(pb_grpc.ShapesStub(channel), 0))
            _, server = await channel.take_stream_stream(STREAM_STREAM)
            server.send_initial_metadata((("a", "b"),))
            with case.assertRaisesRegex(RuntimeError, "initial metadata was already sent"):
                server.send_initial_metadata((("a", "b"),))
            server.terminate((), OK, "")
            with case.assertRaisesRegex(RuntimeError, "already terminated with OK"):
                server.terminate((), OK, "")
            with case.assertRaisesRegex(RuntimeError, "already terminated with OK"):
                server.send_response(pb.Reply())
            case.assertEqual(await client, ([], OK, ""))
            await channel.close()

        result = run_explored(test, seed=4)
        self.assertTrue(passed(result), failure_text(result))


class EndTest(ExploreTestCase):
    """Nothing of an RPC is left on the loop once its channel closed."""

    def _passes_with_no_timer_left(self, test: Test) -> None:
        class Inner(asynctoolkit.ClockedTestCase):
            autojump = True

        Inner.test_it = asynctoolkit.explore(seed=6)(test)  # type: ignore[attr-defined]
        result = run_test(asynctoolkit.fail_on(active_handles=True)(Inner), "test_it")
        self.assertTrue(passed(result), failure_text(result))

    def test_closing_the_channel_double_drops_what_is_on_its_way(self) -> None:
        async def test(case: asynctoolkit.ClockedTestCase) -> None:
            channel = rpc.channel([SHAPES])
            stub = pb_grpc.ShapesStub(channel)
            calls = [stub.UnaryUnary(pb.Request(number=n)) for n in range(3)]
            await channel.close()  # the starts are still on their way
            for call in calls:
                await case.assertAsyncRaises(asyncio.CancelledError, call)

        self._passes_with_no_timer_left(test)

    def test_closing_connect_drops_what_is_on_its_way(self) -> None:
        async def test(case: asynctoolkit.ClockedTestCase) -> None:
            async with rpc.connect({SHAPES: Echo()}) as channel:
                call = pb_grpc.ShapesStub(channel).StreamStream(iter([pb.Request()] * 3))
                await asyncio.sleep(0)  # its requests leave
            await case.assertAsyncRaises(asyncio.CancelledError, call.read())

        self._passes_with_no_timer_left(test)

    def test_a_clock_that_never_moves_names_the_message_on_its_way(self) -> None:
        class Inner(asynctoolkit.ClockedTestCase):  # no autojump, no advance()
            @asynctoolkit.explore(seed=6)
            async def test_it(self) -> None:
                async with rpc.connect({SHAPES: Echo()}) as channel:
                    await pb_grpc.ShapesStub(channel).UnaryUnary(pb.Request())

        text = failure_text(run_test(Inner, "test_it"))
        self.assertIn("StalledClockError", text)
        self.assertIn("('rpc #1 /asynctoolkit.tests.Shapes/UnaryUnary start')", text)
        # The stall says why the clock has to move in this run.
        self.assertIn("This run is explored (seed 6): the messages of the rpc doubles", text)


if __name__ == "__main__":
    unittest.main()
