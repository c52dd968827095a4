"""``python -m asynctoolkit``: discovery, exit codes, --strict and --timeout."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import textwrap
import unittest

# The repository root (this file is tests/case/test_runner.py), so the runner imports this checkout.
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _run(directory: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run(
        [sys.executable, "-m", "asynctoolkit", *args],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


class RunnerTest(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = tempfile.mkdtemp()
        self.addCleanup(__import__("shutil").rmtree, self.dir)

    def write(self, name: str, source: str) -> None:
        path = os.path.join(self.dir, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(textwrap.dedent(source))

    def test_passing_suite_exits_zero_with_a_summary_line(self) -> None:
        self.write(
            "test_ok.py",
            """
            import asyncio, asynctoolkit
            class T(asynctoolkit.TestCase):
                async def test_a(self):
                    await asyncio.sleep(0)
                def test_b(self):
                    pass
            """,
        )
        out = _run(self.dir)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("asynctoolkit: 2 passed, 0 failed, 0 skipped", out.stderr)

    def test_failing_check_exits_non_zero(self) -> None:
        self.write(
            "test_leak.py",
            """
            import asyncio, asynctoolkit
            class T(asynctoolkit.TestCase):
                async def test_leak(self):
                    asyncio.get_running_loop().create_task(asyncio.sleep(60))
            """,
        )
        out = _run(self.dir, "-v")
        self.assertEqual(out.returncode, 1)
        self.assertIn("pending_tasks", out.stderr)
        self.assertIn("0 passed, 1 failed", out.stderr)

    def test_strict_enables_every_check(self) -> None:
        self.write(
            "test_sync.py",
            """
            import asynctoolkit
            class T(asynctoolkit.TestCase):
                @asynctoolkit.lenient
                def test_never_runs_the_loop(self):
                    pass
            """,
        )
        self.assertEqual(_run(self.dir).returncode, 0)
        out = _run(self.dir, "--strict")
        self.assertEqual(out.returncode, 1)
        self.assertIn("unused_loop", out.stderr)

    def test_strict_says_when_it_overrides_a_fail_on(self) -> None:
        """Before: the report advised @fail_on(...=False), which the test already had."""
        self.write(
            "test_leak.py",
            """
            import asyncio, asynctoolkit
            class T(asynctoolkit.TestCase):
                @asynctoolkit.fail_on(pending_tasks=False)
                async def test_leaks(self):
                    asyncio.get_running_loop().create_task(asyncio.sleep(10))

                async def test_unused_only(self):
                    pass
            """,
        )
        out = _run(self.dir, "--strict")
        self.assertEqual(out.returncode, 1)
        self.assertIn("(@fail_on(pending_tasks=False) turns this check off", out.stderr)
        self.assertIn("but --strict turns every check on)", out.stderr)
        self.assertEqual(out.stderr.count("--strict turns every check on"), 1)

    def test_timeout_flag_sets_the_default_limit(self) -> None:
        self.write(
            "test_slow.py",
            """
            import asyncio, asynctoolkit
            class T(asynctoolkit.TestCase):
                async def test_slow(self):
                    await asyncio.sleep(2)
            """,
        )
        out = _run(self.dir, "--timeout", "0.2")
        self.assertEqual(out.returncode, 1)
        self.assertIn("limit of 0.2s", out.stderr)
        out = _run(self.dir, "--timeout", "abc")
        self.assertEqual(out.returncode, 2)
        self.assertIn("--timeout takes a number of seconds", out.stderr)

    def test_directory_arguments_are_discovered(self) -> None:
        self.write(
            "suite_a/test_one.py",
            "import unittest\nclass T(unittest.TestCase):\n    def test_x(self): pass\n",
        )
        self.write(
            "suite_b/test_two.py",
            "import unittest\nclass T(unittest.TestCase):\n    def test_y(self): pass\n",
        )
        out = _run(self.dir, "suite_a", "suite_b")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("2 passed", out.stderr)

    def test_a_package_directory_is_searched_from_its_parent(self) -> None:
        self.write("pkg/__init__.py", "")
        self.write("pkg/lib.py", "VALUE = 3\n")
        self.write(
            "pkg/test_lib.py",
            "import unittest\nfrom pkg.lib import VALUE\n"
            "class T(unittest.TestCase):\n    def test_v(self): self.assertEqual(VALUE, 3)\n",
        )
        out = _run(self.dir, "pkg")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("1 passed", out.stderr)

    def test_a_test_failing_twice_counts_once(self) -> None:
        self.write(
            "test_twice.py",
            """
            import asyncio, asynctoolkit
            class T(asynctoolkit.TestCase):
                async def test_fails_and_leaks(self):
                    asyncio.get_running_loop().create_task(asyncio.sleep(60))
                    self.fail("first")
                def test_ok(self):
                    pass
                def test_subtests(self):
                    for i in range(3):
                        with self.subTest(i=i):
                            self.assertEqual(i, 0)
            """,
        )
        out = _run(self.dir)
        self.assertEqual(out.returncode, 1)
        self.assertIn("asynctoolkit: 1 passed, 2 failed, 0 skipped", out.stderr)

    def test_skipped_tests_do_not_hide_passed_ones(self) -> None:
        # Python 3.12.1 leaves decorator-skipped tests out of testsRun.
        self.write(
            "test_skips.py",
            """
            import unittest
            class T(unittest.TestCase):
                def test_ok(self):
                    pass
                @unittest.skip("not today")
                def test_skipped(self):
                    pass
            """,
        )
        out = _run(self.dir)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("asynctoolkit: 1 passed, 0 failed, 1 skipped", out.stderr)

    def test_module_names_work_as_with_unittest(self) -> None:
        self.write(
            "test_named.py",
            "import unittest\nclass T(unittest.TestCase):\n"
            "    def test_z(self): self.fail('named')\n",
        )
        out = _run(self.dir, "test_named")
        self.assertEqual(out.returncode, 1)
        self.assertIn("named", out.stderr)

    def test_help_is_plain_text_with_our_options_then_unittests(self) -> None:
        out = _run(self.dir, "-h")
        self.assertEqual(out.returncode, 0, out.stderr)
        help_text = out.stdout
        ours = help_text.index("--timeout SECONDS")
        self.assertLess(help_text.index("--strict"), ours)
        self.assertLess(ours, help_text.index("usage: python -m asynctoolkit [-h]"))
        # No reStructuredText markup: literals, literal-block markers, roles.
        self.assertNotIn("``", help_text)
        self.assertNotIn("::", help_text)
        self.assertIsNone(re.search(r":[a-z]+:`", help_text), help_text)


if __name__ == "__main__":
    unittest.main()
