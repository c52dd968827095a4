"""The asynctest-style example suite runs unchanged, with each one-line configuration.

``examples/asynctest_style`` imports ``asynctest`` only; its package
``__init__`` holds the one line that enables the layer.  Each test here runs
the suite in a subprocess: as it is, or copied with that line taken out and
another configuration in its place (``--asynctest``, pytest's ini option, a
conftest.py line).  Without any, ``import asynctest`` fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(ROOT, "examples", "asynctest_style")
PACKAGE = "asynctest_style"

#: What every configuration must report: the suite's tests, all passed.
RUNNER_SUMMARY = "asynctoolkit: 9 passed, 0 failed, 0 skipped"
PYTEST_SUMMARY = "9 passed"

# Stands for the two lines the pytest plugin gets (see asynctoolkit/compat/_pytest_option.py),
# loaded with ``-p``: the ini option works the same once the plugin has them.
WIRING = """
from asynctoolkit.compat import _pytest_option


def pytest_addoption(parser):
    _pytest_option.add_ini_option(parser)


def pytest_load_initial_conftests(early_config):
    _pytest_option.install_if_enabled(early_config)
"""


def _run(directory: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=ROOT, PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run(
        [sys.executable, *args],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


class ExampleSuiteTest(unittest.TestCase):
    def setUp(self) -> None:
        self.new_directory()

    def new_directory(self) -> None:
        self.dir = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.dir)

    def copy_without_the_init_line(self) -> None:
        """The suite's files, unchanged, in a package whose ``__init__`` enables nothing."""
        target = os.path.join(self.dir, PACKAGE)
        shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns("__pycache__"))
        with open(os.path.join(target, "__init__.py"), "w") as init:
            init.write('"""The asynctest-style example, without its configuration line."""\n')

    def write(self, name: str, text: str) -> None:
        with open(os.path.join(self.dir, name), "w") as f:
            f.write(textwrap.dedent(text))

    def test_as_it_is_the_package_init_line(self) -> None:
        shutil.copytree(
            EXAMPLE,
            os.path.join(self.dir, PACKAGE),
            ignore=shutil.ignore_patterns("__pycache__"),
        )
        out = _run(self.dir, "-m", "asynctoolkit", "--strict", PACKAGE)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn(RUNNER_SUMMARY, out.stderr)

    def test_without_configuration_asynctest_is_missing(self) -> None:
        self.copy_without_the_init_line()
        out = _run(self.dir, "-m", "asynctoolkit", PACKAGE)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("No module named 'asynctest'", out.stderr)

    def test_runner_flag(self) -> None:
        self.copy_without_the_init_line()
        out = _run(self.dir, "-m", "asynctoolkit", "--strict", "--asynctest", PACKAGE)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn(RUNNER_SUMMARY, out.stderr)

    def test_pytest_conftest_line(self) -> None:
        self.copy_without_the_init_line()
        self.write("pytest.ini", "[pytest]\n")
        self.write(
            "conftest.py",
            """
            from asynctoolkit.compat import install_asynctest

            install_asynctest()
            """,
        )
        out = _run(self.dir, "-m", "pytest", "-q", "-p", "no:cacheprovider", PACKAGE)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn(PYTEST_SUMMARY, out.stdout)

    def test_pytest_ini_option(self) -> None:
        configurations = {
            "pytest.ini": "[pytest]\nasynctoolkit_asynctest = true\n",
            "pyproject.toml": "[tool.pytest.ini_options]\nasynctoolkit_asynctest = true\n",
        }
        for name, text in configurations.items():
            with self.subTest(name):
                self.new_directory()
                self.copy_without_the_init_line()
                self.write(name, text)
                self.write("_wire_asynctest.py", WIRING)
                # A conftest of an asynctest suite may import asynctest itself.
                self.write("conftest.py", "import asynctest\n")
                args = ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "_wire_asynctest"]
                out = _run(self.dir, *args, PACKAGE)
                self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
                self.assertIn(PYTEST_SUMMARY, out.stdout)

    def test_pytest_ini_option_off(self) -> None:
        self.copy_without_the_init_line()
        self.write("pytest.ini", "[pytest]\nasynctoolkit_asynctest = false\n")
        self.write("_wire_asynctest.py", WIRING)
        args = ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "_wire_asynctest"]
        out = _run(self.dir, *args, PACKAGE)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("No module named 'asynctest'", out.stdout)

    def test_pytest_ini_option_refuses_another_asynctest(self) -> None:
        self.copy_without_the_init_line()
        self.write("pytest.ini", "[pytest]\nasynctoolkit_asynctest = true\n")
        self.write("_wire_asynctest.py", WIRING)
        os.mkdir(os.path.join(self.dir, "asynctest"))
        self.write("asynctest/__init__.py", '"""Stands for the real asynctest package."""\n')
        self.write("_imports_asynctest.py", "import asynctest\n")
        args = ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "_imports_asynctest"]
        out = _run(self.dir, *args, "-p", "_wire_asynctest", PACKAGE)
        self.assertEqual(out.returncode, 4, out.stdout + out.stderr)  # pytest's usage error
        self.assertIn("asynctoolkit_asynctest = true: install_asynctest(): another", out.stderr)
        self.assertIn(os.path.join("asynctest", "__init__.py"), out.stderr)
