"""``explore`` on ClockedTestCase: seeds, the failure report, replay, checks per run."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import types
import unittest
from typing import Any

import asynctoolkit
from asynctoolkit import ClockedTestCase, explore
from tests._inner import failure_text, passed, run_test

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

STARTS: list[str] = []


async def _race(test: ClockedTestCase) -> None:
    """Two refreshes and a reader due together: the reader needs both refreshes done first."""
    cache: dict[str, Any] = {}

    async def refresh(value: str) -> None:
        await asyncio.sleep(1)
        cache["value"] = value

    async def read() -> None:
        await asyncio.sleep(1)
        test.assertEqual(cache.get("value"), "b")

    await asyncio.gather(refresh("a"), refresh("b"), read())


class Racy(ClockedTestCase):
    __test__ = False  # run by the tests below, not collected by pytest
    autojump = True

    def setUp(self) -> None:
        STARTS.append("setUp")

    @explore
    async def test_race(self) -> None:
        await _race(self)

    @explore(seed=0)
    async def test_race_seed_0(self) -> None:
        await _race(self)

    @explore(runs=25)
    async def test_fine(self) -> None:
        await asyncio.sleep(1)

    @explore(runs=5)
    async def test_leaks(self) -> None:
        asyncio.get_running_loop().create_task(asyncio.sleep(60), name="leaked")

    @explore
    async def test_skips(self) -> None:
        self.skipTest("not today")


class ExploreTest(unittest.TestCase):
    def setUp(self) -> None:
        STARTS.clear()

    def test_the_first_failing_seed_fails_the_test_once(self) -> None:
        result = run_test(Racy, "test_race")
        self.assertEqual((result.testsRun, len(result.failures), len(result.errors)), (1, 1, 0))
        text = failure_text(result)
        seed = int(re.findall(r"explore: seed (\d+) fails this test", text)[0])
        self.assertEqual(len(STARTS), seed + 1)  # it stopped at the first failing run
        self.assertIn(f"@explore(seed={seed})", text)
        self.assertIn(f"ASYNCTOOLKIT_SEED={seed} python -m asynctoolkit", text)
        self.assertIn(f"python -m asynctoolkit --seed {seed} ", text)
        self.assertIn("timers due together", text)
        self.assertIn("'b'", text)  # the test's own failure is there too

    def test_every_passing_seed_reports_one_success(self) -> None:
        result = run_test(Racy, "test_fine")
        self.assertTrue(passed(result))
        self.assertEqual(len(STARTS), 25)  # each run is a whole test

    def test_a_seed_replays_exactly(self) -> None:
        texts = [failure_text(run_test(Racy, "test_race_seed_0")) for _ in range(3)]
        self.assertIn("explore: seed 0 fails this test.", texts[0])
        traces = [text.split("in order:")[1] for text in texts]
        self.assertEqual(len(set(traces)), 1)

    def test_the_variable_replays_a_seed_in_every_explored_test(self) -> None:
        os.environ["ASYNCTOOLKIT_SEED"] = "3"
        self.addCleanup(os.environ.pop, "ASYNCTOOLKIT_SEED")
        result = run_test(Racy, "test_fine")
        self.assertTrue(passed(result))
        self.assertEqual(len(STARTS), 1)

    def test_a_base_moves_the_seeds(self) -> None:
        first = failure_text(run_test(Racy, "test_race"))
        seed = int(re.findall(r"explore: seed (\d+)", first)[0])
        os.environ["ASYNCTOOLKIT_SEED_BASE"] = str(seed + 1)
        self.addCleanup(os.environ.pop, "ASYNCTOOLKIT_SEED_BASE")
        STARTS.clear()
        later = failure_text(run_test(Racy, "test_race"))
        self.assertGreater(int(re.findall(r"explore: seed (\d+)", later)[0]), seed)

    def test_a_leak_in_a_run_fails_the_test_naming_the_seed(self) -> None:
        result = run_test(Racy, "test_leaks")
        text = failure_text(result)
        self.assertIn("pending_tasks", text)
        self.assertIn("explore: seed 0 fails this test (run 1 of 5)", text)
        self.assertEqual(len(STARTS), 1)

    def test_a_skip_is_reported_once(self) -> None:
        result = run_test(Racy, "test_skips")
        self.assertEqual(len(result.skipped), 1)
        self.assertEqual(len(STARTS), 1)

    def test_a_test_that_is_not_clocked_is_told_why(self) -> None:
        class Plain(asynctoolkit.TestCase):
            __test__ = False

            @explore
            async def test_it(self) -> None:
                pass

        text = failure_text(run_test(Plain, "test_it"))
        self.assertIn("@explore needs virtual time", text)

    def test_a_decorated_class_explores_every_test(self) -> None:
        @explore(runs=4)
        class Whole(ClockedTestCase):
            __test__ = False
            autojump = True

            async def test_it(self) -> None:
                STARTS.append("run")
                await asyncio.sleep(1)

        self.assertTrue(passed(run_test(Whole, "test_it")))
        self.assertEqual(STARTS, ["run"] * 4)

    def test_a_class_or_method_decorated_after_a_run_is_explored_at_the_next(self) -> None:
        # TestCase caches each class's exploration; a decorator applied later
        # (the class's, a parent's, a method's) is seen all the same.
        class Parent(ClockedTestCase):
            __test__ = False
            autojump = True

        class Late(Parent):
            __test__ = False

            async def test_it(self) -> None:
                STARTS.append("run")
                await asyncio.sleep(1)

        self.assertTrue(passed(run_test(Late, "test_it")))
        self.assertEqual(STARTS, ["run"])
        explore(runs=3)(Parent)
        STARTS.clear()
        self.assertTrue(passed(run_test(Late, "test_it")))
        self.assertEqual(STARTS, ["run"] * 3)
        explore(runs=2)(Late.test_it)
        STARTS.clear()
        self.assertTrue(passed(run_test(Late, "test_it")))
        self.assertEqual(STARTS, ["run"] * 2)

    def test_a_method_that_is_not_a_plain_function_is_explored(self) -> None:
        # Found as unittest finds it, on the instance: a decorator object that
        # forwards attributes to the function, a descriptor that gives the
        # function to an instance only, a method set on the instance.
        class Forwarding:
            def __init__(self, func: Any) -> None:
                self.func = func

            def __get__(self, obj: object, cls: type) -> Any:
                return self if obj is None else types.MethodType(self, obj)

            def __call__(self, *args: Any) -> Any:
                return self.func(*args)

            def __getattr__(self, name: str) -> Any:
                return getattr(self.func, name)

        class ToInstances:
            def __init__(self, func: Any) -> None:
                self.func = func

            def __get__(self, obj: object, cls: type) -> Any:
                return self if obj is None else self.func.__get__(obj, cls)

        async def body() -> None:
            STARTS.append("run")
            await asyncio.sleep(1)

        class Odd(ClockedTestCase):
            __test__ = False
            autojump = True

            @Forwarding
            @explore(runs=3)
            async def test_forwarding(self) -> None:
                await body()

            @ToInstances
            @explore(runs=3)
            async def test_to_instances(self) -> None:
                await body()

            def __init__(self, name: str = "runTest") -> None:
                @explore(runs=3)
                async def test_on_instance() -> None:
                    await body()

                self.test_on_instance = test_on_instance
                super().__init__(name)

            async def test_on_instance(self) -> None:  # replaced on each instance
                await body()

        for name in ("test_forwarding", "test_to_instances", "test_on_instance"):
            with self.subTest(name):
                STARTS.clear()
                self.assertTrue(passed(run_test(Odd, name)))
                self.assertEqual(STARTS, ["run"] * 3)

    def test_bad_arguments_are_refused_at_once(self) -> None:
        for kwargs, error in [
            ({"runs": 0}, ValueError),
            ({"runs": 1.5}, TypeError),
            ({"seed": -1}, TypeError),
            ({"jitter": -0.1}, ValueError),
            ({"jitter": float("nan")}, ValueError),
            ({"latency": (0.2, 0.1)}, ValueError),
            ({"latency": 0.1}, TypeError),
            ({"faults": 1.5}, ValueError),
        ]:
            with self.subTest(kwargs=kwargs), self.assertRaises(error):
                explore(**kwargs)


class RunnerSeedTest(unittest.TestCase):
    def test_the_runner_replays_the_seed_it_is_given(self) -> None:
        directory = tempfile.mkdtemp()
        with open(os.path.join(directory, "test_racy.py"), "w") as f:
            f.write(
                textwrap.dedent(
                    """
                    import asyncio
                    from asynctoolkit import ClockedTestCase, explore

                    class T(ClockedTestCase):
                        autojump = True

                        @explore
                        async def test_race(self):
                            order = []
                            async def one(n):
                                await asyncio.sleep(1)
                                order.append(n)
                            await asyncio.gather(one(1), one(2))
                            assert order == [1, 2], order
                    """
                )
            )

        def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "asynctoolkit", *args, "test_racy"],
                cwd=directory,
                env={**os.environ, "PYTHONPATH": ROOT, **env},
                capture_output=True,
                text=True,
                timeout=120,
            )

        first = run()
        self.assertEqual(first.returncode, 1, first.stderr)
        seed = re.findall(r"explore: seed (\d+) fails", first.stderr)[0]
        self.assertIn(
            f"ASYNCTOOLKIT_SEED={seed} python -m asynctoolkit test_racy.T.test_race", first.stderr
        )
        by_option = run("--seed", seed)
        by_variable = run(ASYNCTOOLKIT_SEED=seed)
        for again in (by_option, by_variable):
            self.assertEqual(again.returncode, 1)
            self.assertIn(f"explore: seed {seed} fails this test.", again.stderr)
            self.assertEqual(
                again.stderr.split("in order:")[1].split("---")[0],
                first.stderr.split("in order:")[1].split("---")[0],
            )
        # A seed that passes: the run passes.
        passing = next(s for s in range(50) if run("--seed", str(s)).returncode == 0)
        self.assertNotEqual(str(passing), seed)


class ExploreOutputTest(unittest.TestCase):
    def test_only_the_reported_run_prints(self) -> None:
        class Noisy(ClockedTestCase):
            __test__ = False
            autojump = True

            @explore(runs=30)
            async def test_passes(self) -> None:
                print("a passing run printed this")
                await asyncio.sleep(1)

            @explore(seed=0)
            async def test_fails(self) -> None:
                print("the failing run printed this")
                await _race(self)

        import contextlib
        import io

        for name, printed, failures in [
            ("test_passes", "a passing run printed this\n", 0),
            ("test_fails", "the failing run printed this\n", 1),
        ]:
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                result = run_test(Noisy, name)
            self.assertEqual(len(result.failures), failures)
            self.assertEqual(out.getvalue(), printed)  # once: the reported run's

    def test_a_class_sharing_one_loop_is_refused(self) -> None:
        class Shared(ClockedTestCase):
            __test__ = False
            use_default_loop = True

            @explore
            async def test_it(self) -> None:
                pass

        self.assertIn("use_default_loop", failure_text(run_test(Shared, "test_it")))
