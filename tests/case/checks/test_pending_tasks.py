"""The ``pending_tasks`` check."""

from __future__ import annotations

import asyncio
import unittest

import asynctoolkit
from asynctoolkit import fail_on
from tests._inner import failure_text, passed, run_test


async def _forever() -> None:
    await asyncio.sleep(3600)


async def _nap() -> None:
    await asyncio.sleep(0)


class PendingTasksTest(unittest.TestCase):
    def test_a_leaked_task_fails_naming_the_task_and_where_it_was_created(self) -> None:
        class Inner(asynctoolkit.TestCase):
            async def test_leaks(self) -> None:
                asyncio.get_running_loop().create_task(_forever(), name="the-leak")

        result = run_test(Inner, "test_leaks")
        text = failure_text(result)
        self.assertEqual(len(result.failures), 1, text)
        self.assertIn("pending_tasks: 1 task(s) still pending", text)
        self.assertIn("task 'the-leak' running _forever()", text)
        self.assertIn("checks/test_pending_tasks.py", text)  # where it was created / suspended
        self.assertIn("in _forever", text)

    def test_an_awaited_or_cancelled_task_passes(self) -> None:
        class Inner(asynctoolkit.TestCase):
            async def test_awaits(self) -> None:
                await asyncio.get_running_loop().create_task(asyncio.sleep(0))

            async def test_cancels_in_cleanup(self) -> None:
                task = asyncio.get_running_loop().create_task(_forever())
                self.addCleanup(task.cancel)

        self.assertTrue(passed(run_test(Inner, "test_awaits")))
        result = run_test(Inner, "test_cancels_in_cleanup")
        self.assertTrue(passed(result), failure_text(result))

    def test_tasks_keep_their_names(self) -> None:
        # Python 3.13.0 named every task "None" once a task factory was set.
        names: list[str] = []

        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                loop = asyncio.get_running_loop()
                for task in (loop.create_task(asyncio.sleep(0)), asyncio.ensure_future(_nap())):
                    names.append(task.get_name())
                    await task
                named = loop.create_task(asyncio.sleep(0), name="mine")
                names.append(named.get_name())
                await named

        self.assertTrue(passed(run_test(Inner, "test_it")))
        self.assertRegex(names[0], r"^Task-\d+$")
        self.assertRegex(names[1], r"^Task-\d+$")
        self.assertEqual(names[2], "mine")

    def test_the_leak_is_cleaned_so_the_next_test_starts_clean(self) -> None:
        leaked: list[asyncio.Task[None]] = []

        class Inner(asynctoolkit.TestCase):
            async def test_leaks(self) -> None:
                leaked.append(asyncio.get_running_loop().create_task(_forever()))

        run_test(Inner, "test_leaks")
        self.assertTrue(leaked[0].cancelled())

    def test_turned_off(self) -> None:
        class Inner(asynctoolkit.TestCase):
            @fail_on(pending_tasks=False)
            async def test_leaks(self) -> None:
                asyncio.get_running_loop().create_task(_forever())

        self.assertTrue(passed(run_test(Inner, "test_leaks")))

    def test_tasks_of_the_shared_loop_do_not_count(self) -> None:
        class Inner(asynctoolkit.TestCase):
            use_default_loop = True

            @classmethod
            async def asyncSetUpClass(cls) -> None:
                cls.server = asyncio.get_running_loop().create_task(_forever())

            @classmethod
            async def asyncTearDownClass(cls) -> None:
                cls.server.cancel()

            async def test_it(self) -> None:
                await asyncio.sleep(0)

        result = unittest.TestResult()
        unittest.TestSuite([Inner("test_it")]).run(result)
        self.assertTrue(result.wasSuccessful(), failure_text(result))
