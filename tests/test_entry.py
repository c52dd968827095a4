"""``asynctoolkit.run``, ``@function`` and ``@method``: tests as plain functions."""

from __future__ import annotations

import asyncio
import inspect
import unittest

import asynctoolkit


async def _forever() -> None:
    await asyncio.sleep(3600)


class RunTest(unittest.TestCase):
    def test_returns_the_value_on_a_fresh_loop_closed_after(self) -> None:
        loops: list[asyncio.AbstractEventLoop] = []

        async def main() -> int:
            loops.append(asyncio.get_running_loop())
            await asyncio.sleep(0)
            return 7

        self.assertEqual(asynctoolkit.run(main()), 7)
        self.assertEqual(asynctoolkit.run(main()), 7)
        self.assertIsNot(loops[0], loops[1])
        self.assertTrue(loops[0].is_closed())

    def test_the_coroutine_exception_propagates(self) -> None:
        async def main() -> None:
            raise LookupError("missing")

        with self.assertRaisesRegex(LookupError, "missing"):
            asynctoolkit.run(main())

    def test_checks_apply_and_can_be_turned_off(self) -> None:
        async def leaks() -> None:
            asyncio.get_running_loop().create_task(_forever(), name="left-behind")

        with self.assertRaisesRegex(AssertionError, "pending_tasks.*\\n.*'left-behind'"):
            asynctoolkit.run(leaks())
        asynctoolkit.run(leaks(), checks={"pending_tasks": False})

    def test_timeout(self) -> None:
        with self.assertRaisesRegex(AssertionError, "limit of 0.2s"):
            asynctoolkit.run(_forever(), timeout=0.2)

    def test_bad_arguments(self) -> None:
        with self.assertRaisesRegex(TypeError, r"run\(main\(\)\), not run\(main\)"):
            asynctoolkit.run(_forever)  # type: ignore[arg-type]
        with self.assertRaisesRegex(TypeError, "unknown check"):
            asynctoolkit.run(asyncio.sleep(0), checks={"nope": True})
        with self.assertRaisesRegex(ValueError, "needs clock=True"):
            asynctoolkit.run(asyncio.sleep(0), autojump=True)


class DecoratorsTest(unittest.TestCase):
    def test_function_is_a_plain_function_with_the_same_signature(self) -> None:
        calls: list[int] = []

        @asynctoolkit.function
        async def test_x(n: int) -> int:
            await asyncio.sleep(0)
            calls.append(n)
            return n * 2

        self.assertFalse(inspect.iscoroutinefunction(test_x))
        self.assertEqual(list(inspect.signature(test_x).parameters), ["n"])
        self.assertEqual(test_x.__name__, "test_x")
        self.assertEqual(test_x(3), 6)
        self.assertEqual(calls, [3])

    def test_method(self) -> None:
        class Thing:
            factor = 5

            @asynctoolkit.method
            async def compute(self, n: int) -> int:
                await asyncio.sleep(0)
                return n * self.factor

        self.assertEqual(Thing().compute(2), 10)

    def test_function_refuses_a_plain_function(self) -> None:
        with self.assertRaisesRegex(TypeError, "async def"):
            asynctoolkit.function(print)  # type: ignore[arg-type]


if __name__ == "__main__":
    unittest.main()
