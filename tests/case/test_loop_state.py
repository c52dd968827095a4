"""The event loop state around tests, and loops from a user's event loop policy."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import unittest

import asynctoolkit
from tests._inner import failure_text, passed, run_test

_SUITE = """
import asyncio, unittest, warnings
import asynctoolkit

warnings.simplefilter("ignore", DeprecationWarning)

class A(asynctoolkit.TestCase):
    async def test_1_async(self):
        await asyncio.sleep(0)

class B(unittest.TestCase):
    def test_2_sync_get_event_loop(self):
        try:
            loop = asyncio.get_event_loop()
        except RuntimeError as error:
            print("OUTCOME raises", error)
        else:
            print("OUTCOME creates")
            loop.close()

if __name__ == "__main__":
    unittest.main(verbosity=0)
"""


class LoopStateTest(unittest.TestCase):
    def test_a_sync_test_after_an_async_one_sees_the_state_it_would_have_seen(self) -> None:
        """Before: the async test left set_event_loop(None); get_event_loop() then raised."""
        without = subprocess.run(
            [sys.executable, "-c", _SUITE, "B"], capture_output=True, text=True, timeout=120
        )
        after_async = subprocess.run(
            [sys.executable, "-c", _SUITE], capture_output=True, text=True, timeout=120
        )
        self.assertIn("OUTCOME", without.stdout, without.stderr)
        outcome = [line for line in without.stdout.splitlines() if line.startswith("OUTCOME")]
        self.assertEqual(
            [line for line in after_async.stdout.splitlines() if line.startswith("OUTCOME")],
            outcome,
            after_async.stderr,
        )

    def test_a_loop_set_before_the_test_is_current_again_after_it(self) -> None:
        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                pass

        loop = asyncio.new_event_loop()
        self.addCleanup(loop.close)
        asyncio.set_event_loop(loop)
        self.addCleanup(asyncio.set_event_loop, None)
        self.assertTrue(passed(run_test(Inner, "test_it")))
        self.assertIs(asyncio.get_event_loop(), loop)


@unittest.skipIf(sys.version_info >= (3, 14), "event loop policies are deprecated from 3.14")
class PolicyLoopTest(unittest.TestCase):
    def setUp(self) -> None:
        self.made: list[asyncio.AbstractEventLoop] = []
        made = self.made

        class Policy(asyncio.DefaultEventLoopPolicy):
            def new_event_loop(self) -> asyncio.AbstractEventLoop:
                loop = super().new_event_loop()
                made.append(loop)
                return loop

        before = asyncio.get_event_loop_policy()
        asyncio.set_event_loop_policy(Policy())
        self.addCleanup(asyncio.set_event_loop_policy, before)

    def test_testcase_run_and_the_plugin_take_loops_from_a_custom_policy(self) -> None:
        """Before: the policy was ignored (uvloop installed as a policy never ran)."""
        seen: list[asyncio.AbstractEventLoop] = []

        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                seen.append(asyncio.get_running_loop())

        result = run_test(Inner, "test_it")
        self.assertTrue(passed(result), failure_text(result))

        async def main() -> asyncio.AbstractEventLoop:
            return asyncio.get_running_loop()

        seen.append(asynctoolkit.run(main()))
        self.assertEqual(seen, self.made)

    def test_clocked_tests_keep_their_clocked_loop(self) -> None:
        class Inner(asynctoolkit.ClockedTestCase):
            async def test_it(self) -> None:
                await self.advance(1)

        self.assertTrue(passed(run_test(Inner, "test_it")))
        self.assertEqual(self.made, [])


class UvloopPolicyTest(unittest.TestCase):
    def test_uvloop_installed_as_a_policy_runs_the_tests(self) -> None:
        code = textwrap.dedent(
            """
            import asyncio, unittest, warnings
            warnings.simplefilter("ignore", DeprecationWarning)
            import uvloop, asynctoolkit
            asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())

            class T(asynctoolkit.TestCase):
                async def test_it(self):
                    assert type(asyncio.get_running_loop()).__module__.startswith("uvloop")

            unittest.main(verbosity=0)
            """
        )
        try:
            import uvloop  # noqa: F401
        except ImportError:
            self.skipTest("uvloop is not installed")
        if sys.version_info >= (3, 14):
            self.skipTest("event loop policies are deprecated from 3.14")
        done = subprocess.run(
            [sys.executable, "-W", "ignore", "-c", code],
            capture_output=True,
            text=True,
            timeout=120,
        )
        self.assertEqual(done.returncode, 0, done.stderr)
