"""The ``pending_tasks`` check."""

from __future__ import annotations

import asyncio
import contextlib
import re
import subprocess
import sys
import textwrap
import unittest
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

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

    def test_the_report_names_the_line_that_created_each_task(self) -> None:
        self.check_creation_lines(None)

    def test_the_report_names_the_line_that_created_each_task_on_uvloop(self) -> None:
        try:
            import uvloop
        except ImportError:
            self.skipTest("uvloop is not installed")
        # uvloop's create_task calls the task factory with no Python frame in between.
        self.check_creation_lines(uvloop.new_event_loop)

    def check_creation_lines(self, factory: Any) -> None:
        lines: dict[str, int] = {}

        def here() -> int:
            return sys._getframe(1).f_lineno

        class Inner(asynctoolkit.TestCase):
            loop_factory = factory

            @fail_on(active_selector_callbacks=False)  # uvloop has no selector to look at
            async def test_leaks(self) -> None:
                loop = asyncio.get_running_loop()
                lines["loop"] = here() + 1
                loop.create_task(_forever(), name="by-loop")
                lines["asyncio"] = here() + 1
                asyncio.create_task(_forever(), name="by-asyncio")
                lines["future"] = here() + 1
                asyncio.ensure_future(_forever()).set_name("by-ensure-future")

        text = failure_text(run_test(Inner, "test_leaks"))
        here_file = "checks/test_pending_tasks.py"
        for name, key in (
            ("by-loop", "loop"),
            ("by-asyncio", "asyncio"),
            ("by-ensure-future", "future"),
        ):
            self.assertRegex(
                text,
                rf"task '{name}' running _forever\(\), created at \S*{here_file}:{lines[key]}\n",
            )

    def test_tasks_made_in_a_loop_from_two_lines_each_name_their_own(self) -> None:
        # The factory adds a site once for tasks made in a row at one place.
        lines: dict[str, int] = {}

        class Inner(asynctoolkit.TestCase):
            async def test_leaks(self) -> None:
                for number in range(3):
                    lines["even"] = sys._getframe().f_lineno + 1
                    asyncio.create_task(_forever(), name=f"even-{number}")
                    asyncio.create_task(_forever(), name=f"odd-{number}")
                    lines["odd"] = sys._getframe().f_lineno - 1
                    for _ in range(2):
                        asyncio.create_task(_forever(), name=f"twice-{number}-{_}")
                    lines["twice"] = sys._getframe().f_lineno - 1

        text = failure_text(run_test(Inner, "test_leaks"))
        for number in range(3):
            for kind, name in (
                ("even", f"even-{number}"),
                ("odd", f"odd-{number}"),
                ("twice", f"twice-{number}-0"),
                ("twice", f"twice-{number}-1"),
            ):
                self.assertRegex(
                    text,
                    rf"task '{name}' running _forever\(\), created at "
                    rf"\S*checks/test_pending_tasks.py:{lines[kind]}\n",
                )

    def test_a_stall_during_the_test_names_where_its_tasks_were_created(self) -> None:
        lines: dict[str, int] = {}

        class Inner(asynctoolkit.ClockedTestCase):
            async def test_stalls(self) -> None:
                lines["helper"] = sys._getframe().f_lineno + 1
                helper = asyncio.create_task(_forever(), name="helper")
                self.addCleanup(helper.cancel)
                await asyncio.sleep(1)  # on a manual clock nothing moves time

        text = failure_text(run_test(Inner, "test_stalls"))
        self.assertIn("StalledClockError", text)
        self.assertRegex(
            text,
            rf"task 'helper' running _forever\(\), created at "
            rf"\S*checks/test_pending_tasks.py:{lines['helper']}\n",
        )

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


# How a test may make a task, each naming it ``{name}``.
_WAYS = (
    "asyncio.get_running_loop().create_task(_forever(), name={name})",
    "asyncio.create_task(_forever(), name={name})",
    "asyncio.ensure_future(_forever()).set_name({name})",
)


class CreationSitesTest(unittest.TestCase):
    """Each leftover task names the line that made it, however the lines that
    make tasks repeat and alternate (the task factory adds a site once for
    tasks made in a row at one place, and knows it again by its frame)."""

    @settings(max_examples=40, deadline=None)
    @given(
        before=st.lists(st.integers(0, len(_WAYS) - 1), max_size=3),
        body=st.lists(st.integers(0, len(_WAYS) - 1), min_size=1, max_size=4),
        rounds=st.integers(1, 3),
    )
    def test_each_task_names_its_own_line(
        self, before: list[int], body: list[int], rounds: int
    ) -> None:
        lines = ["async def test_it(self):"]
        expected: dict[str, int] = {}
        for step, way in enumerate(before):
            name = f"b{step}"
            lines.append("    " + _WAYS[way].format(name=repr(name)))
            expected[name] = len(lines)
        lines.append(f"    for number in range({rounds}):")
        for step, way in enumerate(body):
            lines.append("        " + _WAYS[way].format(name=f"f'r{step}-{{number}}'"))
            expected.update({f"r{step}-{n}": len(lines) for n in range(rounds)})
        namespace: dict[str, Any] = {"asyncio": asyncio, "_forever": _forever}
        exec(compile("\n".join(lines), "generated_sites.py", "exec"), namespace)
        inner = type("Inner", (asynctoolkit.TestCase,), {"test_it": namespace["test_it"]})
        text = failure_text(run_test(inner, "test_it"))
        found = {
            name: int(line)
            for name, line in re.findall(
                r"task '(\w+-?\d*)' running _forever\(\), created at \S*generated_sites.py:(\d+)",
                text,
            )
        }
        self.assertEqual(found, expected, text)


class StubbornTaskTest(unittest.TestCase):
    """Issue: a leftover task that swallows CancelledError (each failed before)."""

    def test_a_task_ignoring_cancellation_is_named_after_a_short_wait(self) -> None:
        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                async def stubborn() -> None:
                    while True:
                        with contextlib.suppress(asyncio.CancelledError):
                            await asyncio.sleep(3600)

                asyncio.get_running_loop().create_task(stubborn(), name="stubborn")
                await asyncio.sleep(0)

        Inner.cancel_wait = 0.05  # the documented setting; default 1 s
        result = run_test(Inner, "test_it")
        text = failure_text(result)
        self.assertIn("ignored their cancellation", text)
        self.assertIn("task 'stubborn'", text)
        self.assertIn("in stubborn", text)  # its await chain
        self.assertIn("TestCase.cancel_wait", text)
        self.assertNotIn("timeout", text)

    def test_with_the_check_off_nothing_stalls_and_nothing_is_printed_later(self) -> None:
        code = textwrap.dedent(
            """
            import asyncio, gc, unittest, asynctoolkit

            async def stubborn():
                while True:
                    try:
                        await asyncio.sleep(3600)
                    except asyncio.CancelledError:
                        pass

            @asynctoolkit.fail_on(pending_tasks=False)
            class T(asynctoolkit.TestCase):
                cancel_wait = 0.05
                async def test_a(self):
                    asyncio.get_running_loop().create_task(stubborn())
                    await asyncio.sleep(0)
                async def test_b(self):
                    gc.collect()
                    await asyncio.sleep(0)

            unittest.main(verbosity=0)
            """
        )
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
        )
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertNotIn("destroyed", done.stderr)

    def test_a_graceful_shutdown_on_virtual_time_ends_at_once(self) -> None:
        class Inner(asynctoolkit.ClockedTestCase):
            async def test_it(self) -> None:
                async def graceful() -> None:
                    try:
                        await asyncio.sleep(3600)
                    except asyncio.CancelledError:
                        await asyncio.sleep(0.5)
                        raise

                asyncio.get_running_loop().create_task(graceful(), name="graceful")
                await asyncio.sleep(0)

        text = failure_text(run_test(Inner, "test_it"))
        self.assertIn("pending_tasks: 1 task(s) still pending", text)
        self.assertIn("task 'graceful'", text)
        self.assertNotIn("StalledClockError", text)
        self.assertNotIn("ignored their cancellation", text)

    def test_a_graceful_shutdown_with_the_check_off_closes_cleanly(self) -> None:
        @asynctoolkit.fail_on(pending_tasks=False)
        class Inner(asynctoolkit.ClockedTestCase):
            async def test_it(self) -> None:
                async def graceful() -> None:
                    try:
                        await asyncio.sleep(3600)
                    except asyncio.CancelledError:
                        await asyncio.sleep(0.5)
                        raise

                asyncio.get_running_loop().create_task(graceful())
                await asyncio.sleep(0)

        result = run_test(Inner, "test_it")
        self.assertTrue(passed(result), failure_text(result))

    def test_a_task_cancelled_in_a_cleanup_but_not_finished_gets_fitting_advice(self) -> None:
        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                async def slow_to_stop() -> None:
                    try:
                        await asyncio.sleep(3600)
                    finally:
                        await asyncio.sleep(10)  # a slow shutdown, still running at the end

                task = asyncio.get_running_loop().create_task(slow_to_stop())
                await asyncio.sleep(0)
                self.addCleanup(task.cancel)

        text = failure_text(run_test(Inner, "test_it"))
        self.assertIn("were cancelled during the test but had not finished", text)
        self.assertIn("await a task after cancelling it", text)
        self.assertNotIn("cancel them in tearDown/addCleanup", text)
