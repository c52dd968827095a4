"""The ``unhandled_exceptions`` check."""

from __future__ import annotations

import asyncio
import gc
import unittest

import asynctoolkit
from tests._inner import failure_text, passed, run_test


class UnhandledExceptionsTest(unittest.TestCase):
    def test_an_exception_in_a_callback_fails_with_its_traceback(self) -> None:
        def explode() -> None:
            raise ZeroDivisionError("in a callback")

        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                asyncio.get_running_loop().call_soon(explode)
                await asyncio.sleep(0)

        text = failure_text(run_test(Inner, "test_it"))
        self.assertIn("unhandled_exceptions: 1 error(s)", text)
        self.assertIn("explode", text)
        self.assertIn("ZeroDivisionError: in a callback", text)

    def test_a_task_exception_never_retrieved_fails(self) -> None:
        async def fails() -> None:
            raise KeyError("lost")

        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                asyncio.get_running_loop().create_task(fails())
                await asyncio.sleep(0)
                await asyncio.sleep(0)
                gc.collect()

        text = failure_text(run_test(Inner, "test_it"))
        self.assertIn("unhandled_exceptions", text)
        self.assertIn("KeyError: 'lost'", text)
        self.assertIn("never retrieved", text)

    def test_a_failed_task_still_referenced_fails_too(self) -> None:
        # Kept alive past the test, its "never retrieved" log would come only
        # when it is collected, maybe after the run: the check looks at it.
        async def fails() -> None:
            raise KeyError("kept alive")

        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                self.task = asyncio.get_running_loop().create_task(fails())
                await asyncio.sleep(0)

        inner = Inner("test_it")
        result = unittest.TestResult()
        inner.run(result)
        text = failure_text(result)
        self.assertIn("unhandled_exceptions", text)
        self.assertIn("KeyError: 'kept alive'", text)
        self.assertIn("never retrieved", text)
        self.assertIsInstance(inner.task.exception(), KeyError)

    def test_a_retrieved_exception_passes(self) -> None:
        async def fails() -> None:
            raise KeyError("kept")

        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                with self.assertRaises(KeyError):
                    await asyncio.get_running_loop().create_task(fails())

        self.assertTrue(passed(run_test(Inner, "test_it")))


class OwnHandlerTest(unittest.TestCase):
    def test_a_test_whose_own_handler_raises_still_fails(self) -> None:
        """Before: setting its own handler bypassed the check, and the test passed."""

        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                def handler(loop: object, context: object) -> None:
                    raise RuntimeError("the handler broke")

                loop = asyncio.get_running_loop()
                loop.set_exception_handler(handler)
                loop.call_soon(lambda: 1 / 0)
                await asyncio.sleep(0)

        text = failure_text(run_test(Inner, "test_it"))
        self.assertIn("unhandled_exceptions", text)
        self.assertIn("the handler broke", text)

    def test_the_loop_default_handler_is_restored(self) -> None:
        class Inner(asynctoolkit.TestCase):
            use_default_loop = True

            async def test_it(self) -> None:
                pass

        loop = asyncio.new_event_loop()
        self.addCleanup(loop.close)
        asyncio.set_event_loop(loop)
        self.addCleanup(asyncio.set_event_loop, None)
        suite = unittest.TestSuite([Inner("test_it")])
        suite.run(unittest.TestResult())
        self.assertNotIn("default_exception_handler", vars(loop))
        self.assertIsNone(loop.get_exception_handler())
