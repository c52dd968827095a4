"""CoroutineMock: what awaiting a call gives, how awaits are recorded and asserted."""

from __future__ import annotations

import asyncio
import contextvars
import gc
import inspect
import unittest
import warnings
from typing import Any

import asynctoolkit
from asynctoolkit._shared import mock_coroutines
from asynctoolkit.mock import ANY, DEFAULT, CoroutineMock, MagicMock, Mock, call, return_once
from tests._inner import failure_text, passed, run_test


class IdentityTest(unittest.TestCase):
    def test_is_a_coroutine_function_for_inspect_and_asyncio(self) -> None:
        m = CoroutineMock()
        self.assertTrue(inspect.iscoroutinefunction(m))
        self.assertTrue(asyncio.iscoroutinefunction(m))
        self.assertEqual(str(inspect.signature(m)), "(*args, **kwargs)")

    def test_a_call_returns_a_real_coroutine_not_yet_started(self) -> None:
        m = CoroutineMock()
        coroutine = m(1)
        self.assertTrue(inspect.iscoroutine(coroutine))
        self.assertEqual(inspect.getcoroutinestate(coroutine), inspect.CORO_CREATED)
        m.assert_called_once_with(1)
        m.assert_not_awaited()
        coroutine.close()

    def test_dropped_call_warns_with_a_readable_name(self) -> None:
        m = CoroutineMock()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            m()
            gc.collect()
        messages = [str(w.message).splitlines()[0] for w in caught]
        # (With origin tracking on, lines saying where it was created follow.)
        self.assertIn("coroutine 'CoroutineMock.__call__' was never awaited", messages)

    def test_children_and_return_value_are_magic_mocks_as_in_asynctest(self) -> None:
        m = CoroutineMock()
        self.assertIs(type(m.child).__mro__[1], MagicMock)
        self.assertFalse(inspect.iscoroutinefunction(m.child))
        returned = asyncio.run(m())
        self.assertIs(type(returned).__mro__[1], MagicMock)
        self.assertIs(returned, m.return_value)
        self.assertEqual(list(returned.items), [])  # iterable, as a MagicMock
        self.assertIsInstance(returned.json(), MagicMock)  # a plain call, no coroutine
        self.assertEqual(m.mock_calls[-1], call().json())

    def test_children_are_coroutine_mocks_where_spec_or_wraps_say_so(self) -> None:
        class Connection:
            async def __call__(self) -> None: ...

            async def close(self) -> None: ...

            def fileno(self) -> int:
                return 3

        for m in (CoroutineMock(spec=Connection), CoroutineMock(wraps=Connection())):
            with self.subTest(m=m):
                self.assertIsInstance(m.close, CoroutineMock)
                self.assertNotIsInstance(m.fileno, CoroutineMock)
                self.assertIsInstance(m.fileno, MagicMock)

    def test_calls_of_children_are_recorded_on_the_parent(self) -> None:
        client = Mock()
        client.fetch = CoroutineMock()
        asyncio.run(client.fetch(1))
        self.assertEqual(client.mock_calls, [call.fetch(1)])
        self.assertEqual(client.method_calls, [call.fetch(1)])


class OutcomeTest(unittest.IsolatedAsyncioTestCase):
    async def test_return_value(self) -> None:
        self.assertEqual(await CoroutineMock(return_value=3)(), 3)
        self.assertIsNone(await CoroutineMock(return_value=None)())

    async def test_exception_side_effects(self) -> None:
        with self.assertRaises(KeyError):
            await CoroutineMock(side_effect=KeyError)()
        error = ValueError("boom")
        with self.assertRaises(ValueError) as caught:
            await CoroutineMock(side_effect=error)()
        self.assertIs(caught.exception, error)

    async def test_the_call_itself_never_raises(self) -> None:
        m = CoroutineMock(side_effect=KeyError)
        coroutine = m()
        with self.assertRaises(KeyError):
            await coroutine

    async def test_iterable_side_effect_then_a_clear_error(self) -> None:
        m = CoroutineMock(name="recv", side_effect=[1, KeyError("k"), 3])
        self.assertEqual(await m(), 1)
        with self.assertRaises(KeyError):
            await m()
        self.assertEqual(await m(), 3)
        with self.assertRaises(StopAsyncIteration) as caught:
            await m()
        message = str(caught.exception)
        self.assertIn("'recv' was awaited 4 times", message)
        self.assertIn("side_effect", message)

    async def test_function_side_effect_gets_the_arguments(self) -> None:
        m = CoroutineMock(side_effect=lambda x, y=0: x + y)
        self.assertEqual(await m(1, y=2), 3)

    async def test_coroutine_function_side_effect_is_awaited(self) -> None:
        async def double(x: int) -> int:
            await asyncio.sleep(0)
            return 2 * x

        self.assertEqual(await CoroutineMock(side_effect=double)(4), 8)

    async def test_side_effect_returning_a_future_is_awaited(self) -> None:
        future = asyncio.get_running_loop().create_future()
        m = CoroutineMock(side_effect=lambda: future)
        task = asyncio.create_task(m())
        await asyncio.sleep(0)
        self.assertFalse(task.done())
        future.set_result("late")
        self.assertEqual(await task, "late")

    async def test_side_effect_returning_default_falls_back_to_return_value(self) -> None:
        m = CoroutineMock(side_effect=lambda: DEFAULT, return_value=7)
        self.assertEqual(await m(), 7)

        async def default() -> Any:
            return DEFAULT

        self.assertEqual(await CoroutineMock(side_effect=default, return_value=8)(), 8)

    async def test_coroutine_return_value_gives_its_result(self) -> None:
        async def result() -> str:
            return "inner"

        self.assertEqual(await CoroutineMock(return_value=result())(), "inner")

    async def test_mock_return_values_are_not_awaited_even_with_an_awaitable_spec(self) -> None:
        value = MagicMock(spec=asyncio.Future)
        self.assertIs(await CoroutineMock(return_value=value)(), value)

    async def test_wraps_sync_and_async(self) -> None:
        async def real(x: int) -> int:
            return x * 10

        self.assertEqual(await CoroutineMock(wraps=real)(2), 20)
        self.assertEqual(await CoroutineMock(wraps=lambda x: x + 1)(2), 3)
        self.assertEqual(await CoroutineMock(wraps=real, return_value=0)(2), 0)

    async def test_outcome_is_decided_at_await_time_in_await_order(self) -> None:
        m = CoroutineMock(side_effect=["first", "second"])
        early, late = m("a"), m("b")
        self.assertEqual(await late, "first")
        self.assertEqual(await early, "second")
        m.return_value = "changed"
        m.side_effect = None
        pending = m()
        m.return_value = "after"
        self.assertEqual(await pending, "after")

    async def test_return_once(self) -> None:
        m = CoroutineMock(side_effect=return_once(b"data", then=BlockingIOError))
        self.assertEqual(await m(), b"data")
        for _ in range(2):
            with self.assertRaises(BlockingIOError):
                await m()


class AwaitRecordTest(unittest.IsolatedAsyncioTestCase):
    async def test_counts_and_arguments(self) -> None:
        m = CoroutineMock()
        self.assertEqual((m.await_count, m.await_args, m.await_args_list), (0, None, []))
        await m(1)
        await m(2, key="k")
        self.assertEqual(m.await_count, 2)
        self.assertEqual(m.await_args, call(2, key="k"))
        self.assertEqual(m.await_args_list, [call(1), call(2, key="k")])

    async def test_counted_when_the_coroutine_starts(self) -> None:
        gate = asyncio.Event()
        m = CoroutineMock(side_effect=lambda: gate.wait())
        task = asyncio.create_task(m())
        await asyncio.sleep(0)
        self.assertEqual(m.await_count, 1)
        self.assertFalse(task.done())
        gate.set()
        await task

    async def test_never_awaited_calls_are_distinguishable(self) -> None:
        m = CoroutineMock()
        first = m("first")
        await m("second")
        self.assertEqual(m.call_count, 2)
        self.assertEqual(m.await_count, 1)
        self.assertEqual(m.await_args_list, [call("second")])
        self.assertIs(m.await_args_list[0], m.call_args_list[1])
        first.close()

    async def test_reset_mock_forgets_awaits(self) -> None:
        m = CoroutineMock()
        await m()
        m.reset_mock()
        self.assertEqual((m.await_count, m.await_args, m.await_args_list), (0, None, []))
        self.assertEqual(m.call_count, 0)
        self.assertFalse(m.awaited)

    async def test_reset_reaches_children(self) -> None:
        parent = Mock()
        parent.fetch = CoroutineMock()
        await parent.fetch()
        parent.reset_mock()
        self.assertEqual(parent.fetch.await_count, 0)


class AssertionsTest(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self) -> None:
        self.m = CoroutineMock(name="fetch")
        await self.m(1)
        self.dropped = self.m(2)
        await self.m(3, k=4)

    async def asyncTearDown(self) -> None:
        self.dropped.close()

    def fails(self, method: str, *args: Any, **kwargs: Any) -> str:
        with self.assertRaises(AssertionError) as caught:
            getattr(self.m, method)(*args, **kwargs)
        return str(caught.exception)

    async def test_passing_assertions(self) -> None:
        self.m.assert_awaited()
        self.m.assert_awaited_with(3, k=4)
        self.m.assert_any_await(1)
        self.m.assert_any_await(ANY, k=4)
        self.m.assert_has_awaits([call(1), call(3, k=4)])
        self.m.assert_has_awaits([call(3, k=4), call(1)], any_order=True)

    async def test_failures_name_the_mock_and_list_awaits_and_unawaited_calls(self) -> None:
        for method, args in (
            ("assert_awaited_once", ()),
            ("assert_awaited_once_with", (1,)),
            ("assert_not_awaited", ()),
            ("assert_awaited_with", (1,)),
            ("assert_any_await", (2,)),
        ):
            with self.subTest(method=method):
                text = self.fails(method, *args)
                self.assertIn("fetch", text)
                self.assertIn("Called but not awaited: [call(2)]", text)
        self.assertIn("Awaited 2 times", self.fails("assert_awaited_once"))
        self.assertIn("Actual: fetch(3, k=4)", self.fails("assert_awaited_with", 1))
        self.assertRegex(self.fails("assert_any_await", 2), r"^fetch\(2\) await not found\n")

    async def test_has_awaits_failures(self) -> None:
        text = self.fails("assert_has_awaits", [call(3, k=4), call(1)])
        self.assertRegex(
            text, r"^Awaits not found\.\nExpected: \[call\(3, k=4\), call\(1\)\]\nActual: \["
        )
        text = self.fails("assert_has_awaits", [call(2)], any_order=True)
        self.assertRegex(text, r"^\(call\(2\),\) not all found in await list")

    async def test_never_awaited_mock(self) -> None:
        fresh = CoroutineMock(name="send")
        dropped = fresh("x")
        with self.assertRaises(AssertionError) as caught:
            fresh.assert_awaited()
        # The standard library's words first, then the notes.
        self.assertRegex(str(caught.exception), r"^Expected send to have been awaited\.\n")
        self.assertIn("Called but not awaited: [call('x')]", str(caught.exception))
        with self.assertRaises(AssertionError) as caught:
            fresh.assert_awaited_with("x")
        self.assertRegex(str(caught.exception), r"^Expected await: send\('x'\)\nNot awaited\n")
        self.assertIn("Called but not awaited: [call('x')]", str(caught.exception))
        fresh.assert_not_awaited()
        dropped.close()

    async def test_signature_aware_matching_with_a_spec(self) -> None:
        async def fetch(key: str, timeout: float = 1.0) -> None:
            pass

        m = CoroutineMock(spec=fetch)
        await m("k", timeout=2)
        m.assert_awaited_once_with(key="k", timeout=2)
        m.assert_any_await("k", 2)


class AwaitedTest(unittest.IsolatedAsyncioTestCase):
    async def test_truthy_once_awaited(self) -> None:
        m = CoroutineMock()
        self.assertFalse(m.awaited)
        pending = m()
        self.assertFalse(m.awaited)
        await pending
        self.assertTrue(m.awaited)
        self.assertIs(m.awaited, m.awaited)

    async def test_wait_returns_at_once_when_already_awaited(self) -> None:
        m = CoroutineMock()
        await m("a")
        self.assertEqual(await m.awaited.wait(), call("a"))

    async def test_wait_for_awaits_in_other_tasks(self) -> None:
        m = CoroutineMock()

        async def worker() -> None:
            for n in range(3):
                await asyncio.sleep(0)
                await m(n)

        task = asyncio.create_task(worker())
        self.assertEqual(await m.awaited.wait(skip=2, timeout=2), call(2))
        await task

    async def test_wait_next_ignores_past_awaits(self) -> None:
        m = CoroutineMock()
        await m("old")
        waiting = asyncio.create_task(m.awaited.wait_next(timeout=2))
        await asyncio.sleep(0)
        self.assertFalse(waiting.done())
        await m("new")
        self.assertEqual(await waiting, call("new"))
        later = asyncio.create_task(m.awaited.wait_next(skip=1, timeout=2))
        await asyncio.sleep(0)
        await m("one")
        await asyncio.sleep(0)
        self.assertFalse(later.done())
        await m("two")
        self.assertEqual(await later, call("two"))

    async def test_wait_for_predicate_returns_its_value(self) -> None:
        m = CoroutineMock()
        waiting = asyncio.create_task(
            m.awaited.wait_for(lambda mock: mock.await_args == call("go") and "seen", timeout=2)
        )
        await m("wait")
        await asyncio.sleep(0)
        self.assertFalse(waiting.done())
        await m("go")
        self.assertEqual(await waiting, "seen")

    async def test_predicate_errors_fail_the_wait_not_the_awaiting_code(self) -> None:
        m = CoroutineMock(return_value="fine")

        def broken(mock: Any) -> bool:
            if mock.await_count:
                raise ZeroDivisionError
            return False

        waiting = asyncio.create_task(m.awaited.wait_for(broken, timeout=2))
        await asyncio.sleep(0)
        self.assertEqual(await m(), "fine")
        with self.assertRaises(ZeroDivisionError):
            await waiting

    async def test_timeout_fails_with_a_description(self) -> None:
        m = CoroutineMock(name="send")
        await m(1)
        dropped = m(2)
        with self.assertRaises(AssertionError) as caught:
            await m.awaited.wait(skip=1, timeout=0.05)
        text = str(caught.exception)
        self.assertIn("'send' was not awaited 2 times in all within 0.05 s (real time)", text)
        self.assertIn("Awaited once: [call(1)]", text)
        self.assertIn("Called but not (yet) awaited: [call(2)]", text)
        with self.assertRaisesRegex(AssertionError, "awaited once more"):
            await m.awaited.wait_next(timeout=0.05)
        with self.assertRaisesRegex(AssertionError, "to make .*never.* true"):

            def never(mock: Any) -> bool:
                return False

            await m.awaited.wait_for(never, timeout=0.05)
        dropped.close()

    async def test_bad_arguments(self) -> None:
        waits = CoroutineMock().awaited
        for bad in (0, -1, float("inf"), float("nan"), None, "1", True):
            with self.subTest(timeout=bad), self.assertRaisesRegex(ValueError, "timeout"):
                await waits.wait(timeout=bad)  # type: ignore[arg-type]
        for bad_skip in (-1, 1.5, True):
            with self.subTest(skip=bad_skip), self.assertRaisesRegex(ValueError, "skip"):
                await waits.wait(skip=bad_skip)  # type: ignore[arg-type]
        with self.assertRaisesRegex(TypeError, "callable"):
            await waits.wait_for("nope")  # type: ignore[arg-type]


class _FrozenClockLoop(asyncio.SelectorEventLoop):
    """A loop whose time never moves: loop-time deadlines would never fire."""

    def time(self) -> float:
        return 1000.0


class _LeapingClockLoop(asyncio.SelectorEventLoop):
    """A loop whose time leaps an hour at every reading: loop-time deadlines fire at once."""

    def __init__(self) -> None:
        super().__init__()
        self._now = 0.0

    def time(self) -> float:
        self._now += 3600.0
        return self._now


class RealTimeDeadlineTest(unittest.TestCase):
    def run_on(self, loop: asyncio.AbstractEventLoop, coroutine: Any) -> Any:
        # No loop-time bound here (it is what these loops break): the waits
        # under test are bounded by their own real-time timeout.
        try:
            return loop.run_until_complete(coroutine)
        finally:
            loop.close()

    def test_a_frozen_loop_clock_does_not_make_the_wait_hang(self) -> None:
        m = CoroutineMock(name="frozen")
        with self.assertRaisesRegex(AssertionError, "'frozen' was not awaited"):
            self.run_on(_FrozenClockLoop(), m.awaited.wait(timeout=0.05))

    def test_a_leaping_loop_clock_does_not_cut_the_wait_short(self) -> None:
        m = CoroutineMock()

        async def scenario() -> Any:
            async def later() -> None:
                for _ in range(20):
                    await asyncio.sleep(0)
                await m("late")

            task = asyncio.ensure_future(later())
            result = await m.awaited.wait(timeout=5)
            await task
            return result

        self.assertEqual(self.run_on(_LeapingClockLoop(), scenario()), call("late"))


class TrackingTest(unittest.TestCase):
    def test_every_call_is_reported_with_the_mock_and_the_call(self) -> None:
        context = contextvars.copy_context()
        collector = mock_coroutines.open_collector(context)
        m = CoroutineMock()
        first = context.run(m, 1)
        asyncio.run(context.run(m, 2))
        m(3).close()  # outside the test's context: not collected
        collected = mock_coroutines.close_collector(collector)
        self.assertEqual([(t.owner, t.call) for t in collected], [(m, call(1)), (m, call(2))])
        self.assertIs(collected[0].coroutine, first)
        self.assertEqual(inspect.getcoroutinestate(first), inspect.CORO_CREATED)
        self.assertEqual(inspect.getcoroutinestate(collected[1].coroutine), inspect.CORO_CLOSED)
        first.close()

    def test_nothing_is_kept_outside_a_test(self) -> None:
        context = contextvars.copy_context()
        collector = mock_coroutines.open_collector(context)
        mock_coroutines.close_collector(collector)
        m = CoroutineMock()
        m().close()
        context.run(m).close()  # the collector is closed: nothing is kept
        self.assertEqual(list(collector), [])


class UnawaitedCheckIntegrationTest(unittest.TestCase):
    """With the toolkit's TestCase, a never-awaited call fails the test."""

    def test_a_call_never_awaited_fails_naming_mock_and_call(self) -> None:
        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                m = CoroutineMock(name="send")
                m("payload")

        text = failure_text(run_test(Inner, "test_it"))
        self.assertIn("unawaited_coroutines", text)
        self.assertIn("name='send'", text)
        self.assertIn("call('payload')", text)

    def test_using_what_an_await_returned_is_not_an_unawaited_coroutine(self) -> None:
        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                get = CoroutineMock()
                response = await get("url")
                response.json()
                for _item in (await get("list")).items:
                    pass
                response.raise_for_status.assert_not_called()

        result = run_test(Inner, "test_it")
        self.assertTrue(passed(result), failure_text(result))

    def test_awaited_calls_pass(self) -> None:
        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                m = CoroutineMock()
                await m("payload")

        result = run_test(Inner, "test_it")
        self.assertTrue(passed(result), failure_text(result))


if __name__ == "__main__":
    unittest.main()
