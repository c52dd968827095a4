"""Each private asyncio detail we read, checked on this Python.

If an upgrade of Python moves one of these details, this file fails first and
names it; the function in ``asynctoolkit/_shared/asyncio_details.py`` is then the one place
to adapt.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import selectors
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import unittest
from typing import Any

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

    def test_quick_lookup_selector_answers_as_the_default_selector(self) -> None:
        quick = asyncio_details.quick_lookup_selector()
        plain = selectors.DefaultSelector()
        self.addCleanup(plain.close)
        a, b = socket.socketpair()
        self.addCleanup(a.close)
        self.addCleanup(b.close)
        for selector in (quick, plain):
            selector.register(a.fileno(), selectors.EVENT_READ, "data")
        self.assertEqual(quick.get_key(a.fileno()), plain.get_key(a.fileno()))
        self.assertEqual(quick.get_key(a), plain.get_key(a))
        for selector in (quick, plain):
            with self.assertRaises(KeyError):
                selector.get_key(b.fileno())
            with self.assertRaises(ValueError):
                selector.get_key(-1)
        # The loop's own use: a wake-up socket registered by descriptor.
        loop = asyncio.SelectorEventLoop(quick)
        fd = asyncio_details.self_pipe_fd(loop)
        assert fd is not None
        reader, _ = asyncio_details.key_handles(quick.get_key(fd))
        assert reader is not None
        callback, _ = asyncio_details.handle_callback(reader)
        self.assertIs(getattr(callback, "__self__", None), loop)
        loop.close()
        with self.assertRaises(RuntimeError):
            quick.get_key(a.fileno())  # closed, as the default selector says

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

    def test_never_retrieved_picks_the_tasks_exception_never_retrieved_names(self) -> None:
        async def fail() -> None:
            raise KeyError("k")

        async def wait() -> None:
            await asyncio.sleep(10)

        async def main() -> None:
            failed = [asyncio.ensure_future(fail()) for _ in range(3)]
            seen = asyncio.ensure_future(fail())
            fine = asyncio.ensure_future(asyncio.sleep(0))
            cancelled = asyncio.ensure_future(wait())
            pending = asyncio.ensure_future(wait())
            await asyncio.sleep(0)
            cancelled.cancel()
            await asyncio.sleep(0)
            seen.exception()
            tasks = [*failed, seen, fine, cancelled, pending]
            expected = [t for t in tasks if asyncio_details.exception_never_retrieved(t)]
            self.assertEqual(expected, failed)
            self.assertEqual(asyncio_details.never_retrieved(tasks), failed)
            for task in failed:
                task.exception()
            pending.cancel()
            await asyncio.sleep(0)

        self.loop.run_until_complete(main())

    def test_loop_state_is_read_without_creating_a_loop_and_restored_exactly(self) -> None:
        self.addCleanup(asyncio.set_event_loop, None)
        asyncio.set_event_loop(self.loop)
        state = asyncio_details.current_loop_state()
        self.assertIs(state.loop, self.loop)
        self.assertIs(state.set_called, True)  # the detail get_event_loop() reads
        asyncio.set_event_loop(None)
        self.assertIsNone(asyncio_details.current_loop_state().loop)
        asyncio_details.restore_loop_state(state)
        self.assertIs(asyncio.get_event_loop(), self.loop)

    def test_restoring_a_never_set_state_lets_get_event_loop_behave_as_before(self) -> None:
        # In a fresh interpreter: set_event_loop() never called in its main thread.
        code = textwrap.dedent(
            """
            import asyncio, warnings
            from asynctoolkit._shared import asyncio_details
            warnings.simplefilter("ignore", DeprecationWarning)
            def outcome():
                try:
                    loop = asyncio.get_event_loop()
                except RuntimeError as error:
                    return "raises"
                loop.close()
                asyncio.set_event_loop(None)
                return "creates"
            before = asyncio_details.current_loop_state()
            asyncio.set_event_loop(asyncio.new_event_loop())
            asyncio.get_event_loop().close()
            asyncio.set_event_loop(None)
            asyncio_details.restore_loop_state(before)
            after = outcome()
            import subprocess, sys
            print(after)
            """
        )
        fresh = subprocess.run(
            [
                sys.executable,
                "-c",
                "import asyncio, warnings\n"
                "warnings.simplefilter('ignore', DeprecationWarning)\n"
                "try:\n    asyncio.get_event_loop().close(); print('creates')\n"
                "except RuntimeError:\n    print('raises')",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        restored = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
        )
        self.assertEqual(restored.stdout.strip(), fresh.stdout.strip(), restored.stderr)

    def test_enter_loop_sets_the_loop_as_set_event_loop_does(self) -> None:
        self.addCleanup(asyncio.set_event_loop, None)
        asyncio.set_event_loop(None)
        before = asyncio_details.enter_loop(self.loop)
        self.assertIsNone(before.loop)
        self.assertIs(asyncio.get_event_loop(), self.loop)
        state = asyncio_details.current_loop_state()
        self.assertEqual((state.loop, state.set_called), (self.loop, True))
        asyncio_details.restore_loop_state(before)
        self.assertIsNone(asyncio_details.current_loop_state().loop)

    def test_enter_loop_without_a_policy_leaves_none_after_restoring(self) -> None:
        # In a fresh interpreter no policy exists yet (unittest's test_loop_factory).
        code = textwrap.dedent(
            """
            import asyncio
            from asynctoolkit._shared import asyncio_details
            assert asyncio.events._event_loop_policy is None
            loop = asyncio.SelectorEventLoop()
            before = asyncio_details.enter_loop(loop)
            policy = asyncio.events._event_loop_policy
            assert type(policy) is asyncio.DefaultEventLoopPolicy, policy
            assert asyncio.get_event_loop() is loop
            asyncio_details.restore_loop_state(before)
            assert asyncio.events._event_loop_policy is None
            loop.close()
            print("ok")
            """
        )
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
        )
        self.assertEqual(done.stdout.strip(), "ok", done.stderr)

    def test_a_dropped_policy_comes_back_as_new_or_not_at_all(self) -> None:
        code = textwrap.dedent(
            """
            import asyncio, threading
            from asynctoolkit._shared import asyncio_details
            loop = asyncio.SelectorEventLoop()
            before = asyncio_details.enter_loop(loop)
            first = asyncio.events._event_loop_policy
            local = first._local
            # Another thread's current loop lives in the policy's thread-local state.
            thread = threading.Thread(target=lambda: asyncio.set_event_loop(loop))
            thread.start(); thread.join()
            asyncio_details.restore_loop_state(before)
            before = asyncio_details.enter_loop(loop)
            again = asyncio.events._event_loop_policy
            assert type(again) is asyncio.DefaultEventLoopPolicy
            assert again._local is not local, "the thread-local state is new"
            assert asyncio.get_event_loop() is loop
            again.marker = 1  # something set on it: not given to the next test
            asyncio_details.restore_loop_state(before)
            assert asyncio.events._event_loop_policy is None
            asyncio_details.enter_loop(loop)
            assert not hasattr(asyncio.events._event_loop_policy, "marker")
            loop.close()
            print("ok")
            """
        )
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
        )
        self.assertEqual(done.stdout.strip(), "ok", done.stderr)

    def test_enter_loop_under_a_custom_policy_calls_its_set_event_loop(self) -> None:
        calls: list[object] = []

        class Policy(asyncio.DefaultEventLoopPolicy):
            def set_event_loop(self, loop: asyncio.AbstractEventLoop | None) -> None:
                calls.append(loop)
                super().set_event_loop(loop)

        before = asyncio.get_event_loop_policy()
        asyncio.set_event_loop_policy(Policy())
        self.addCleanup(asyncio.set_event_loop_policy, before)
        state = asyncio_details.enter_loop(self.loop)
        self.assertEqual(calls, [self.loop])
        asyncio_details.restore_loop_state(state)
        self.assertIsNone(asyncio_details.current_loop_state().loop)

    def test_custom_policy_sees_an_installed_policy_only(self) -> None:
        self.assertIsNone(asyncio_details.custom_policy())

        class Policy(asyncio.DefaultEventLoopPolicy):
            pass

        before = asyncio.get_event_loop_policy()
        policy = Policy()
        asyncio.set_event_loop_policy(policy)
        self.addCleanup(asyncio.set_event_loop_policy, before)
        expected = None if sys.version_info >= (3, 14) else policy
        self.assertIs(asyncio_details.custom_policy(), expected)

    def test_cancel_requested(self) -> None:
        async def main() -> None:
            task = asyncio.ensure_future(asyncio.sleep(10))
            await asyncio.sleep(0)
            self.assertFalse(asyncio_details.cancel_requested(task))
            task.cancel()
            self.assertTrue(asyncio_details.cancel_requested(task))
            with contextlib.suppress(asyncio.CancelledError):
                await task

        self.loop.run_until_complete(main())

    def test_forget_pending_task_leaves_no_destroyed_message(self) -> None:
        async def stuck() -> None:
            await asyncio.sleep(10)

        task = self.loop.create_task(stuck())
        self.loop.run_until_complete(asyncio.sleep(0))
        reported: list[object] = []
        self.loop.set_exception_handler(lambda loop, context: reported.append(context))
        asyncio_details.forget_pending_task(task)
        del task
        gc.collect()
        self.assertEqual(reported, [])

    def test_shutdown_needed_sees_async_generators_and_the_default_executor(self) -> None:
        self.assertEqual(asyncio_details.shutdown_needed(self.loop), (False, False))

        async def numbers() -> Any:
            yield 1

        generator = numbers()

        async def first() -> None:
            await generator.__anext__()  # left open: the loop must close it

        self.loop.run_until_complete(first())
        self.assertEqual(asyncio_details.shutdown_needed(self.loop), (True, False))
        self.loop.run_until_complete(self.loop.run_in_executor(None, _noop))
        self.assertEqual(asyncio_details.shutdown_needed(self.loop), (True, True))
        self.loop.run_until_complete(self.loop.shutdown_asyncgens())
        self.loop.run_until_complete(self.loop.shutdown_default_executor())

    def test_default_executor_threads_and_shutdown(self) -> None:
        self.assertEqual(asyncio_details.default_executor_threads(self.loop), [])
        release = threading.Event()
        job = self.loop.run_in_executor(None, release.wait, 30)
        threads = asyncio_details.default_executor_threads(self.loop)
        assert threads is not None
        self.assertEqual(len(threads), 1)
        self.assertTrue(threads[0].is_alive())
        asyncio_details.default_executor_shutdown(self.loop)  # returns at once
        with self.assertRaises(RuntimeError):  # no new job
            self.loop.run_in_executor(None, _noop)
        release.set()
        threads[0].join(10)
        self.assertFalse(threads[0].is_alive())  # its worker ended after the job
        self.assertTrue(self.loop.run_until_complete(job))

    def test_executor_job_names_what_a_worker_runs(self) -> None:
        release, started = threading.Event(), threading.Event()

        def job(seconds: float) -> None:
            started.set()
            release.wait(seconds)

        future = self.loop.run_in_executor(None, job, 30)
        started.wait(10)
        threads = asyncio_details.default_executor_threads(self.loop)
        assert threads
        try:
            self.assertEqual(asyncio_details.executor_job(threads[0]), (job, (30,)))
        finally:
            release.set()
            self.loop.run_until_complete(future)
        self.assertIsNone(asyncio_details.executor_job(threading.current_thread()))

    def test_closing_a_loop_does_not_wait_for_its_executor_jobs(self) -> None:
        # What closing a test's loop relies on once it gave up waiting.
        release = threading.Event()
        self.loop.run_in_executor(None, release.wait, 30)
        threads = asyncio_details.default_executor_threads(self.loop)
        assert threads
        self.loop.close()
        try:
            self.assertTrue(threads[0].is_alive())  # close() returned before the job ended
        finally:
            release.set()
            threads[0].join(10)

    def test_default_executor_threads_of_another_kind_of_loop(self) -> None:
        other = asyncio.AbstractEventLoop()  # no default executor of asyncio's
        self.assertIsNone(asyncio_details.default_executor_threads(other))


class TaskRegistryTest(unittest.TestCase):
    def test_maybe_live_tasks_sees_every_live_task(self) -> None:
        loop = asyncio.SelectorEventLoop()
        self.addCleanup(loop.close)

        async def wait() -> None:
            await asyncio.sleep(10)

        # Made directly, bypassing the loop and any task factory.
        task = asyncio.Task(wait(), loop=loop)
        self.assertTrue(asyncio_details.maybe_live_tasks())
        loop.run_until_complete(asyncio.sleep(0))
        self.assertTrue(asyncio_details.maybe_live_tasks())
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            loop.run_until_complete(task)
        if not asyncio_details.maybe_live_tasks():
            self.assertEqual(asyncio.all_tasks(loop), set())

    def test_maybe_live_tasks_says_false_once_every_task_is_gone(self) -> None:
        # In a fresh interpreter, where no other task is alive.
        code = textwrap.dedent(
            """
            import asyncio
            from asynctoolkit._shared import asyncio_details
            async def main():
                assert asyncio_details.maybe_live_tasks()
                await asyncio.gather(*(asyncio.sleep(0) for _ in range(3)))
                return asyncio_details.maybe_live_tasks()
            loop = asyncio.SelectorEventLoop()
            assert not asyncio_details.maybe_live_tasks()
            assert loop.run_until_complete(main())  # its own task is alive
            print(asyncio_details.maybe_live_tasks())
            loop.close()
            """
        )
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
        )
        self.assertEqual(done.stdout.strip(), "False", done.stderr)

    def test_pending_tasks_is_all_tasks(self) -> None:
        # The checks' faster all_tasks(loop): the same set, whatever the tasks' states.
        loop = asyncio.new_event_loop()
        other = asyncio.new_event_loop()
        self.addCleanup(other.close)
        self.addCleanup(loop.close)

        async def wait() -> None:
            await asyncio.sleep(10)

        async def main() -> asyncio.Task[None]:
            self.assertEqual(asyncio_details.pending_tasks(loop), asyncio.all_tasks(loop))
            done = [asyncio.ensure_future(asyncio.sleep(0)) for _ in range(50)]
            waiting = [asyncio.ensure_future(wait()) for _ in range(50)]
            direct = asyncio.Task(wait(), loop=loop)  # bypasses the loop's factory
            elsewhere = asyncio.Task(wait(), loop=other)  # another loop's: not listed
            if sys.version_info >= (3, 12):  # eager: listed while it runs its first step
                loop.set_task_factory(asyncio.eager_task_factory)
                eager = asyncio.ensure_future(self._eager_check(loop))
                loop.set_task_factory(None)
                waiting.append(eager)
            await asyncio.gather(*done)
            pending = asyncio_details.pending_tasks(loop)
            self.assertEqual(pending, asyncio.all_tasks(loop))
            self.assertEqual(pending, {*waiting, direct, asyncio.current_task()})
            self.assertNotIn(elsewhere, pending)
            for task in [*waiting, direct]:
                task.cancel()
            ended = await asyncio.gather(*waiting, direct, return_exceptions=True)
            # Each was cancelled while waiting (the eager one's asserts passed).
            self.assertTrue(all(isinstance(e, asyncio.CancelledError) for e in ended), ended)
            self.assertEqual(asyncio_details.pending_tasks(loop), {asyncio.current_task()})
            return elsewhere

        elsewhere = loop.run_until_complete(main())
        self.assertEqual(asyncio_details.pending_tasks(loop), set())
        self.assertEqual(asyncio_details.pending_tasks(other), {elsewhere})
        elsewhere.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            other.run_until_complete(elsewhere)

    def test_pending_tasks_reads_a_task_likes_loop_as_all_tasks_does(self) -> None:
        # A review found it: a task-like object registered with asyncio (as
        # third-party task classes do) with a _loop but no get_loop() made it fail.
        loop = asyncio.new_event_loop()
        self.addCleanup(loop.close)

        class TaskLike:
            def __init__(self) -> None:
                self._loop = loop

            def done(self) -> bool:
                return False

        task_like = TaskLike()
        asyncio.tasks._register_task(task_like)  # type: ignore[arg-type]
        self.addCleanup(asyncio.tasks._unregister_task, task_like)  # type: ignore[arg-type]
        self.assertEqual(asyncio_details.pending_tasks(loop), asyncio.all_tasks(loop))
        self.assertIn(task_like, asyncio_details.pending_tasks(loop))

    def _eager_check(self, loop: asyncio.AbstractEventLoop) -> Any:
        async def first_step() -> None:
            # Runs inside ensure_future: in asyncio's set of eager tasks, not the registry.
            self.assertEqual(asyncio_details.pending_tasks(loop), asyncio.all_tasks(loop))
            self.assertIn(asyncio.current_task(), asyncio_details.pending_tasks(loop))
            await asyncio.sleep(10)

        return first_step()

    def test_compacting_keeps_live_tasks_and_their_removal(self) -> None:
        loop = asyncio.new_event_loop()
        self.addCleanup(loop.close)

        async def many() -> asyncio.Task[None]:
            await asyncio.gather(*(asyncio.sleep(0) for _ in range(5000)))
            return asyncio.ensure_future(asyncio.sleep(10))

        survivor = loop.run_until_complete(many())
        self.assertTrue(asyncio_details.compact_task_registry())
        self.assertFalse(asyncio_details.compact_task_registry())  # already small
        self.assertEqual(asyncio.all_tasks(loop), {survivor})
        survivor.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            loop.run_until_complete(survivor)
        del survivor
        gc.collect()
        self.assertEqual(asyncio.all_tasks(loop), set())


class SelfPipeTest(unittest.TestCase):
    """asyncio_details.SelectorEventLoop: the wake-up socket pair goes to the next loop."""

    def _loop(self) -> asyncio.AbstractEventLoop:
        loop = asyncio_details.SelectorEventLoop(selectors.DefaultSelector())
        self.addCleanup(loop.close)
        return loop

    def test_the_next_loop_takes_the_pair_and_is_woken_up_through_it(self) -> None:
        first = self._loop()
        self.assertIsInstance(first, asyncio.SelectorEventLoop)
        self.assertTrue(repr(first).startswith("<SelectorEventLoop "), repr(first))
        fd = asyncio_details.self_pipe_fd(first)
        first.call_soon_threadsafe(_noop)  # a byte left in the pair
        first.close()
        second = self._loop()
        self.assertEqual(asyncio_details.self_pipe_fd(second), fd)

        async def woken() -> str:
            future = second.create_future()
            # From another thread, while the loop waits in select() without a timeout.
            threading.Timer(0.05, second.call_soon_threadsafe, (future.set_result, "woken")).start()
            return await asyncio.wait_for(future, 30)

        self.assertEqual(second.run_until_complete(woken()), "woken")

    @unittest.skipUnless(hasattr(signal, "SIGUSR1"), "Unix signals")
    def test_a_loop_with_signal_handlers_closes_its_pair(self) -> None:
        first = self._loop()  # takes the pair waiting, if any
        first.add_signal_handler(signal.SIGUSR1, _noop)
        first.close()
        self.assertEqual(asyncio_details._spare_pipes, [])
        second = self._loop()
        second.close()
        self.assertEqual(len(asyncio_details._spare_pipes), 1)
