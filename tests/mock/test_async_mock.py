"""AsyncMock: the standard library's rules, asynctoolkit's extras; CoroutineMock is one."""

from __future__ import annotations

import asyncio
import inspect
import unittest
import unittest.mock

import asynctoolkit
from asynctoolkit.mock import AsyncMock, CoroutineMock, MagicMock, Mock, call, patch
from tests import _mock_subjects as subjects
from tests._inner import failure_text, passed, run_test


def _declared(mock: object) -> type:
    """The class the mock was asked as (each mock has a class of its own)."""
    return type(mock).__mro__[1]


class IdentityTest(unittest.TestCase):
    def test_a_mock_of_a_coroutine_function(self) -> None:
        m = AsyncMock()
        self.assertTrue(inspect.iscoroutinefunction(m))
        self.assertTrue(asyncio.iscoroutinefunction(m))
        self.assertIsInstance(m, unittest.mock.Mock)
        coroutine = m(1)
        self.assertTrue(inspect.iscoroutine(coroutine))
        self.assertEqual(asyncio.run(coroutine).__class__.__mro__[1], AsyncMock)
        m.assert_awaited_once_with(1)

    def test_coroutine_mocks_and_async_magic_methods_are_async_mocks(self) -> None:
        with patch("tests._mock_subjects.fetch") as fetch:
            self.assertIsInstance(fetch, AsyncMock)
        self.assertIsInstance(CoroutineMock(), AsyncMock)
        self.assertIsInstance(MagicMock().__aenter__, AsyncMock)
        self.assertIsInstance(Mock(spec=subjects.Service).get, AsyncMock)


class ChildrenTest(unittest.IsolatedAsyncioTestCase):
    """The standard library's rules: AsyncMock, except synchronous magic methods and spec names."""

    async def test_attributes_and_return_value_are_async_mocks(self) -> None:
        m = AsyncMock()
        self.assertIs(_declared(m.child), AsyncMock)
        self.assertIs(_declared(m.child.grandchild), AsyncMock)
        self.assertIs(_declared(await m()), AsyncMock)
        self.assertEqual(await m.child(2), await m.child(3))
        m.child.assert_has_awaits([call(2), call(3)])

    async def test_magic_methods(self) -> None:
        m = AsyncMock()
        self.assertIs(_declared(m.__len__), MagicMock)
        self.assertIs(_declared(m.__aiter__), MagicMock)
        self.assertEqual(len(m), 0)
        self.assertIs(_declared(m.__aenter__), AsyncMock)
        m.__aenter__.return_value = "resource"
        async with m as resource:
            self.assertEqual(resource, "resource")
        m.__aexit__.assert_awaited_once_with(None, None, None)

    async def test_spec_attributes(self) -> None:
        m = AsyncMock(spec=subjects.Service)
        for name in ("get", "ping", "connect"):
            self.assertIs(_declared(getattr(m, name)), AsyncMock, name)
        for name in ("size", "version", "build"):
            self.assertIs(_declared(getattr(m, name)), MagicMock, name)
        with self.assertRaises(AttributeError):
            m.missing

    async def test_coroutine_mock_keeps_asynctest_rules(self) -> None:
        m = CoroutineMock()
        self.assertIs(_declared(m.child), MagicMock)
        self.assertIs(_declared(await m()), MagicMock)


class OutcomeTest(unittest.IsolatedAsyncioTestCase):
    """Awaitable results are given as they are, unlike CoroutineMock's."""

    async def test_awaitable_return_value_is_not_awaited(self) -> None:
        future = asyncio.get_running_loop().create_future()
        self.assertIs(await AsyncMock(return_value=future)(), future)
        future.set_result("done")
        self.assertEqual(await CoroutineMock(return_value=future)(), "done")

    async def test_side_effect_functions(self) -> None:
        async def coroutine_function(x: int) -> int:
            return x * 2

        self.assertEqual(await AsyncMock(side_effect=coroutine_function)(2), 4)
        future = asyncio.get_running_loop().create_future()
        self.assertIs(await AsyncMock(side_effect=lambda: future)(), future)
        future.set_result(5)
        self.assertEqual(await CoroutineMock(side_effect=lambda: future)(), 5)

    async def test_side_effect_iterables_and_exceptions(self) -> None:
        m = AsyncMock(side_effect=[1, KeyError("k")])
        self.assertEqual(await m(), 1)
        with self.assertRaises(KeyError):
            await m()
        with self.assertRaises(StopAsyncIteration):
            await m()

    async def test_wraps(self) -> None:
        self.assertEqual(await AsyncMock(wraps=subjects.fetch)("k"), "real k")
        self.assertEqual(await AsyncMock(wraps=subjects.compute)(1), 2)


class ExtrasTest(unittest.IsolatedAsyncioTestCase):
    async def test_awaited_waits_for_other_tasks(self) -> None:
        m = AsyncMock()
        task = asyncio.create_task(m("x"))
        self.assertEqual(await m.awaited.wait(), call("x"))
        await task

    async def test_failures_name_the_calls_never_awaited(self) -> None:
        m = AsyncMock(name="send")
        m("dropped").close()
        with self.assertRaisesRegex(
            AssertionError, r"Called but not awaited: \[call\('dropped'\)\]"
        ):
            m.assert_awaited()

    def test_a_call_never_awaited_fails_the_test(self) -> None:
        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                AsyncMock(name="send")("payload")

        text = failure_text(run_test(Inner, "test_it"))
        self.assertIn("unawaited_coroutines", text)
        self.assertIn("call('payload')", text)

    def test_awaited_calls_pass(self) -> None:
        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                client = AsyncMock()
                response = await client.get("url")
                await response.json()

        result = run_test(Inner, "test_it")
        self.assertTrue(passed(result), failure_text(result))


if __name__ == "__main__":
    unittest.main()
