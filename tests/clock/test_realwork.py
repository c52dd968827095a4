"""ClockedEventLoop and real work: executors, sockets, subprocesses, other threads, patch_time.

Time must never jump past work that is still running in real time.
"""

from __future__ import annotations

import asyncio
import gc
import selectors
import socket
import sys
import threading
import time
import unittest
import weakref
from typing import Any

from asynctoolkit.clock import ClockedEventLoop, StalledClockError
from tests._clocked import ClockedLoopTest, close_loop, run_bounded


def _slow(seconds: float, done: list[float], loop: ClockedEventLoop) -> str:
    time.sleep(seconds)
    done.append(loop.time())  # the virtual time when the real work ended
    return "finished"


class ExecutorTest(ClockedLoopTest):
    autojump = True

    def test_autojump_does_not_skip_past_a_running_thread(self) -> None:
        done: list[float] = []

        async def main() -> float:
            job = asyncio.ensure_future(asyncio.to_thread(_slow, 0.05, done, self.loop))
            await asyncio.sleep(3600)  # would jump at once without the job
            self.assertTrue(job.done())
            self.assertEqual(job.result(), "finished")
            return self.loop.time()

        self.assertEqual(self.run_loop(main()), 3600.0)
        self.assertEqual(done, [0.0])

    def test_wait_for_on_a_thread_gets_the_result_not_a_timeout(self) -> None:
        done: list[float] = []

        async def main() -> str:
            return await asyncio.wait_for(
                self.loop.run_in_executor(None, _slow, 0.05, done, self.loop), 10
            )

        self.assertEqual(self.run_loop(main()), "finished")
        self.assertLess(self.loop.time(), 10.0)

    def test_a_timed_out_job_is_still_waited_for(self) -> None:
        done: list[float] = []

        async def main() -> None:
            with self.assertRaises(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.to_thread(_slow, 0.2, done, self.loop), 0.01)
            # The thread is still sleeping: the clock runs at real speed until it ends.
            await asyncio.sleep(3600)
            self.assertEqual(len(done), 1)
            self.assertLess(done[0], 3600.0)

        self.run_loop(main())

    def test_manual_mode_waits_for_executor_work_without_a_deadlock(self) -> None:
        self.loop.autojump = False
        done: list[float] = []
        result = self.run_loop(asyncio.to_thread(_slow, 0.02, done, self.loop))
        self.assertEqual(result, "finished")

    def test_work_longer_than_real_timeout_fails_with_a_report(self) -> None:
        self.loop.real_timeout = 0.05
        self.addCleanup(setattr, self.loop, "real_timeout", 5)  # the cleanup waits for the thread
        done: list[float] = []

        async def main() -> None:
            asyncio.ensure_future(asyncio.to_thread(_slow, 0.5, done, self.loop))
            await asyncio.sleep(3600)

        with self.assertRaises(StalledClockError) as caught:
            self.run_loop(main())
        message = str(caught.exception)
        self.assertIn("t=0 to its next stop at t=3600", message)
        self.assertIn("executor job", message)
        self.assertIn("test_realwork._slow(0.5, [], ", message)
        self.assertIn("real_timeout", message)

    def test_an_explicit_executor_is_tracked_too(self) -> None:
        from concurrent.futures import ThreadPoolExecutor

        done: list[float] = []
        with ThreadPoolExecutor(1) as pool:

            async def main() -> None:
                job = self.loop.run_in_executor(pool, _slow, 0.05, done, self.loop)
                await asyncio.sleep(60)
                self.assertTrue(job.done())

            self.run_loop(main())
        self.assertEqual(done, [0.0])

    def test_no_executor_after_its_shutdown(self) -> None:
        self.run_loop(self.loop.shutdown_default_executor())
        with self.assertRaisesRegex(RuntimeError, "Executor shutdown has been called"):
            self.loop.run_in_executor(None, print)


class ClosedLoopExecutorTest(unittest.TestCase):
    def test_a_closed_loop_keeps_no_worker_thread_alive(self) -> None:
        # asyncio's close() forgets its default executor; a test harness that
        # checks for dangling threads waited for a collection that never came.
        loop = ClockedEventLoop()
        worker = run_bounded(loop, loop.run_in_executor(None, threading.current_thread))
        self.assertIsNot(worker, threading.current_thread())
        run_bounded(loop, loop.shutdown_default_executor())
        loop.close()
        ref = weakref.ref(worker)
        del worker
        gc.collect()
        self.assertIsNone(ref(), "the closed loop still holds its executor's thread")


class ThreadTest(ClockedLoopTest):
    def test_a_future_resolved_by_another_thread_within_io_grace(self) -> None:
        self.loop.io_grace = 2.0  # generous: the machine may be busy
        future = self.loop.create_future()
        threading.Timer(0.01, self.loop.call_soon_threadsafe, (future.set_result, "hi")).start()
        self.assertEqual(self.run_loop(asyncio.wait_for(future, None)), "hi")


class BusyLoopTest(ClockedLoopTest):
    """While callbacks are always ready, the loop still sees I/O and other threads."""

    autojump = True

    def spin_until(self, done: asyncio.Future[object], spins: int = 100_000) -> object:
        async def main() -> object:
            for _ in range(spins):  # never idle: a callback is always ready
                if done.done():
                    return done.result()
                await asyncio.sleep(0)
            raise AssertionError(f"nothing arrived within {spins} busy iterations")

        return self.run_loop(main())

    def test_a_socket_ready_while_the_loop_is_busy(self) -> None:
        near, far = socket.socketpair()
        self.addCleanup(near.close)
        self.addCleanup(far.close)
        far.sendall(b"x")
        done = self.loop.create_future()
        self.loop.add_reader(near, lambda: done.set_result(near.recv(1)))
        self.addCleanup(self.loop.remove_reader, near)
        self.assertEqual(self.spin_until(done), b"x")

    def test_a_callback_from_another_thread_while_the_loop_is_busy(self) -> None:
        done = self.loop.create_future()
        threading.Timer(0.01, self.loop.call_soon_threadsafe, (done.set_result, "hi")).start()
        self.assertEqual(self.spin_until(done, spins=10**7), "hi")

    def test_a_selector_of_the_users_is_polled_on_every_iteration(self) -> None:
        # A user's selector (a mock, say) may report events of its own at any time.
        polls: list[float | None] = []

        class Counting(type(selectors.DefaultSelector())):  # type: ignore[misc]
            def select(self, timeout: float | None = None) -> list[Any]:
                polls.append(timeout)
                return super().select(timeout)  # type: ignore[no-any-return]

        loop = ClockedEventLoop(Counting(), autojump=True)
        self.addCleanup(close_loop, loop)

        async def main() -> None:
            for _ in range(3):
                await asyncio.sleep(0)

        run_bounded(loop, main())
        self.assertGreaterEqual(polls.count(0), 3)


class SocketTest(ClockedLoopTest):
    autojump = True

    def setUp(self) -> None:
        super().setUp()
        self.near, self.far = socket.socketpair()
        self.near.setblocking(False)
        self.addCleanup(self.near.close)
        self.addCleanup(self.far.close)

    def test_a_real_read_arrives_while_timers_are_pending(self) -> None:
        self.loop.io_grace = 2.0  # generous: the writer thread may start late
        threading.Timer(0.01, self.far.sendall, (b"ping",)).start()

        async def main() -> bytes:
            return await asyncio.wait_for(self.loop.sock_recv(self.near, 10), 5)

        self.assertEqual(self.run_loop(main()), b"ping")
        self.assertLess(self.loop.time(), 5.0)

    def test_silent_io_lets_time_jump_after_the_grace(self) -> None:
        self.loop.io_grace = 0.01

        async def main() -> None:
            with self.assertRaises(asyncio.TimeoutError):
                await asyncio.wait_for(self.loop.sock_recv(self.near, 10), 5)

        self.run_loop(main())
        self.assertEqual(self.loop.time(), 5.0)

    def test_io_between_tasks_of_the_loop(self) -> None:
        async def main() -> bytes:
            reader, writer = await asyncio.open_connection(sock=self.near)
            far_reader, far_writer = await asyncio.open_connection(sock=self.far)

            async def echo() -> None:
                await asyncio.sleep(30)
                far_writer.write(await far_reader.readexactly(4))

            task = asyncio.ensure_future(echo())
            writer.write(b"pong")
            data = await asyncio.wait_for(reader.readexactly(4), 60)
            await task
            writer.close()
            far_writer.close()
            return data

        self.assertEqual(self.run_loop(main()), b"pong")
        self.assertEqual(self.loop.time(), 30.0)


class SelectorMockTest(unittest.TestCase):
    def test_mock_registrations_do_not_hold_the_clock(self) -> None:
        from asynctoolkit.selector import SocketMock, TestSelector, set_read_ready

        loop = ClockedEventLoop(TestSelector(selectors.DefaultSelector()), autojump=True)
        self.addCleanup(close_loop, loop)
        loop.io_grace = 60.0  # were the mock waited for, run_bounded would stop the loop
        sock = SocketMock()
        sock.recv.side_effect = BlockingIOError  # nothing to read yet: sock_recv registers

        def data_arrives() -> None:
            sock.recv.side_effect = None
            sock.recv.return_value = b"mocked"
            set_read_ready(sock, loop)

        async def main() -> bytes:
            loop.call_later(3600, data_arrives)
            return await asyncio.wait_for(loop.sock_recv(sock, 10), 7200)

        self.assertEqual(run_bounded(loop, main()), b"mocked")
        self.assertEqual(loop.time(), 3600.0)


@unittest.skipIf(sys.platform == "win32", "selector loops on Windows have no subprocesses")
class SubprocessTest(ClockedLoopTest):
    autojump = True

    def test_a_child_process_is_not_skipped_past(self) -> None:
        code = "import time; time.sleep(0.1); print('child done')"

        async def main() -> bytes:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-c", code, stdout=asyncio.subprocess.PIPE
            )
            out, _ = await asyncio.wait_for(process.communicate(), 30)
            return out

        self.assertEqual(self.run_loop(main()).strip(), b"child done")
        self.assertLess(self.loop.time(), 30.0)


class PatchTimeTest(ClockedLoopTest):
    def test_time_functions_follow_the_clock_and_are_restored(self) -> None:
        originals = (time.monotonic, time.time, time.perf_counter, time.monotonic_ns)
        before_creation = time.time()
        loop = ClockedEventLoop()
        after_creation = time.time()
        self.addCleanup(loop.close)

        async def main() -> None:
            with loop.patch_time():
                await loop.advance(5.5)
                self.assertEqual(time.monotonic(), 5.5)
                self.assertEqual(time.perf_counter(), 5.5)
                self.assertEqual(time.monotonic_ns(), 5_500_000_000)
                self.assertEqual(time.perf_counter_ns(), 5_500_000_000)
                self.assertGreaterEqual(time.time(), before_creation + 5.5 - 1e-6)
                self.assertLessEqual(time.time(), after_creation + 5.5 + 1e-6)
                # A float time.time() near 1.8e9 s is only good to about 0.25 us.
                self.assertLessEqual(abs(time.time_ns() // 1000 - int(time.time() * 1e6)), 1)
                other: list[float] = []
                worker = threading.Thread(target=lambda: other.append(time.monotonic()))
                worker.start()
                worker.join()
                self.assertAlmostEqual(other[0], originals[0](), delta=5)

        loop.run_until_complete(main())
        self.assertEqual(
            (time.monotonic, time.time, time.perf_counter, time.monotonic_ns), originals
        )

    def test_restored_on_error(self) -> None:
        original = time.monotonic
        with self.assertRaises(KeyError), self.loop.patch_time():
            self.assertEqual(time.monotonic(), 0.0)
            raise KeyError("boom")
        self.assertIs(time.monotonic, original)


if __name__ == "__main__":
    unittest.main()
