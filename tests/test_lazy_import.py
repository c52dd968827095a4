"""Modules are imported on first use of their names; every public name still resolves."""

from __future__ import annotations

import ast
import importlib
import json
import os
import subprocess
import sys
import tempfile
import unittest

import asynctoolkit
import asynctoolkit.mock
import asynctoolkit.selector

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _loaded_after(code: str, *others: str) -> set[str]:
    """The asynctoolkit modules (and ``others``) a fresh interpreter has loaded after ``code``."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            f"{code}\nimport json, sys\n"
            "print(json.dumps(sorted(m for m in sys.modules\n"
            f"    if m.startswith('asynctoolkit') or m in {others!r})))",
        ],
        env=dict(os.environ, PYTHONPATH=ROOT),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode:
        raise AssertionError(f"the code failed:\n{done.stderr}")
    return set(json.loads(done.stdout))


def _names_imported_for_type_checkers(module: object) -> dict[str, str]:
    """Name -> module of the imports under ``if TYPE_CHECKING:`` in ``module``'s source."""
    path = getattr(module, "__file__", None)
    assert path is not None
    with open(path, encoding="utf-8") as file:
        tree = ast.parse(file.read())
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for statement in node.body:
                assert isinstance(statement, ast.ImportFrom), ast.unparse(statement)
                for alias in statement.names:
                    found[alias.asname or alias.name] = f"{statement.module}.{alias.name}"
    return found


class FirstUseTest(unittest.TestCase):
    def test_importing_the_package_imports_none_of_its_modules(self) -> None:
        self.assertEqual(_loaded_after("import asynctoolkit"), {"asynctoolkit"})

    def test_test_case_and_mocks_leave_the_rest_unloaded(self) -> None:
        loaded = _loaded_after("from asynctoolkit import TestCase, CoroutineMock", "random")
        self.assertIn("asynctoolkit.case", loaded)
        self.assertIn("asynctoolkit.mock._classes", loaded)
        for unused in (
            "asynctoolkit.clock",
            "asynctoolkit.selector",
            "asynctoolkit.entry",
            "asynctoolkit.rpc",
            "asynctoolkit.mock._patch",
            "asynctoolkit.mock._autospec",
            "asynctoolkit.case._checks",  # with the first test or ``fail_on``
            "asynctoolkit.case._explore",  # with ``explore``
            "asynctoolkit.case._clocked",  # with ``ClockedTestCase``
            "asynctoolkit._shared.exploration",
            "asynctoolkit._shared.tracking",  # the checks' gc watch, not the mocks'
            "random",  # explored runs only
        ):
            self.assertNotIn(unused, loaded)

    def test_explore_and_clocked_test_case_are_loaded_on_first_use(self) -> None:
        loaded = _loaded_after(
            "import asynctoolkit\n"
            "import asynctoolkit.case as case\n"
            "assert {'explore', 'ClockedTestCase'} <= set(dir(case))\n"
            "from asynctoolkit.case import explore, ClockedTestCase\n"
            "assert explore is asynctoolkit.explore\n"
            "assert ClockedTestCase is asynctoolkit.ClockedTestCase\n"
            "import inspect\n"
            "assert inspect.getsource(ClockedTestCase).startswith('class ClockedTestCase')\n"
            "from asynctoolkit.case import *\n"
            "assert globals()['explore'] is explore\n"
            "assert globals()['ClockedTestCase'] is ClockedTestCase\n"
        )
        self.assertIn("asynctoolkit.case._explore", loaded)
        self.assertIn("asynctoolkit.case._clocked", loaded)

    def test_the_test_cases_loaded_on_first_use_show_their_source(self) -> None:
        # inspect (and the tools built on it) finds a class's source through
        # its __module__: it must name the module the class is written in.
        loaded = _loaded_after(
            "import inspect\n"
            "from asynctoolkit.case import ClockedTestCase, FunctionTestCase, TestCase\n"
            "for cls in (TestCase, FunctionTestCase, ClockedTestCase):\n"
            "    source = inspect.getsource(cls)\n"
            "    assert source.startswith(f'class {cls.__name__}('), (cls, source[:80])\n"
        )
        self.assertIn("asynctoolkit.case._testcase", loaded)

    def test_a_test_that_is_not_explored_leaves_explore_unloaded(self) -> None:
        loaded = _loaded_after(
            "import unittest\n"
            "import asynctoolkit\n"
            "class T(asynctoolkit.TestCase):\n"
            "    async def test_nothing(self):\n"
            "        pass\n"
            "assert unittest.TextTestRunner().run(T('test_nothing')).wasSuccessful()\n"
        )
        self.assertIn("asynctoolkit.case._checks", loaded)
        self.assertNotIn("asynctoolkit.case._explore", loaded)

    def test_fail_on_and_a_test_load_the_checks(self) -> None:
        loaded = _loaded_after("from asynctoolkit import fail_on\nfail_on(pending_tasks=False)")
        self.assertIn("asynctoolkit.case._checks", loaded)

    def test_a_test_that_makes_no_mock_file_leaves_the_mocks_unloaded(self) -> None:
        # Every test loop polls a TestSelector; the mock files and sockets, and
        # the mock package they derive from, load only when a test uses them.
        for case in ("TestCase", "ClockedTestCase"):
            with self.subTest(case):
                loaded = _loaded_after(
                    "import unittest\n"
                    "import asynctoolkit\n"
                    f"class Test(asynctoolkit.{case}):\n"
                    "    async def test_nothing(self):\n"
                    "        pass\n"
                    "result = unittest.TestResult()\n"
                    "Test('test_nothing').run(result)\n"
                    "assert result.wasSuccessful() and result.testsRun == 1, result.errors\n",
                    "resource",
                )
                self.assertIn("asynctoolkit.selector", loaded)
                self.assertNotIn("asynctoolkit.selector._mocks", loaded)
                self.assertNotIn("asynctoolkit.mock", loaded)
                # Nor the first virtual descriptor, which needs ``resource``.
                self.assertNotIn("resource", loaded)

    def test_a_mock_made_after_its_selector_is_still_a_mock(self) -> None:
        # The selector exists before the mocks are imported: it still keeps a
        # socket mock to itself, and reads its descriptor without calling fileno().
        loaded = _loaded_after(
            "import selectors, sys\n"
            "from asynctoolkit.selector import TestSelector, isfilemock\n"
            "selector = TestSelector(selectors.DefaultSelector())\n"
            "assert 'asynctoolkit.selector._mocks' not in sys.modules\n"
            "from asynctoolkit.selector import SocketMock\n"
            "sock = SocketMock()\n"
            "key = selector.register(sock, selectors.EVENT_READ)\n"
            "assert key.fd == sock.fileno.return_value and isfilemock(sock)\n"
            "assert selector.get_key(sock) is key and selector.selector.get_map() == {}\n"
            "sock.fileno.assert_not_called()\n"
            "selector.close()\n"
        )
        self.assertIn("asynctoolkit.selector._mocks", loaded)

    def test_an_async_test_function_under_pytest_leaves_test_case_and_the_rest_unloaded(
        self,
    ) -> None:
        # pytest's start-up with the plugin costs what the plugin imports
        # (bench/bench_pytest.py): a run of async test functions needs no
        # TestCase, no exploration, no asynctest layer.
        with tempfile.TemporaryDirectory() as directory:
            with open(os.path.join(directory, "test_one.py"), "w") as file:
                file.write(
                    "import json, sys\n"
                    "async def test_one():\n"
                    "    print('LOADED', json.dumps(sorted(sys.modules)))\n"
                )
            options = ["-p", "no:asyncio", "-p", "no:randomly", "-p", "no:cacheprovider"]
            done = subprocess.run(
                [sys.executable, "-m", "pytest", "-q", "-s", *options, "test_one.py"],
                cwd=directory,
                env=dict(os.environ, PYTHONPATH=ROOT),
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        line = next(line for line in done.stdout.splitlines() if line.startswith("LOADED"))
        loaded = set(json.loads(line.partition(" ")[2]))
        self.assertIn("asynctoolkit._pytest_hooks", loaded)
        self.assertIn("asynctoolkit.case._checks", loaded)
        for unused in (
            "asynctoolkit.case._testcase",
            "asynctoolkit.case._assertions",
            "asynctoolkit._shared.exploration",
            "asynctoolkit.compat._install",
            "asynctoolkit.helpers",
        ):
            self.assertNotIn(unused, loaded)

    def test_a_name_used_late_loads_its_module(self) -> None:
        loaded = _loaded_after(
            "import asynctoolkit\n"
            "assert asynctoolkit.mock.patch is asynctoolkit.patch\n"
            "assert asynctoolkit.clock_of is asynctoolkit.clock.clock_of\n"
        )
        self.assertTrue({"asynctoolkit.mock._patch", "asynctoolkit.clock"} <= loaded)


class EveryNameTest(unittest.TestCase):
    def test_each_public_name_is_its_module_s_object(self) -> None:
        for package in (asynctoolkit, asynctoolkit.case, asynctoolkit.mock, asynctoolkit.selector):
            for name in package.__all__:
                with self.subTest(f"{package.__name__}.{name}"):
                    value = getattr(package, name)
                    self.assertIn(name, dir(package))
                    source = _names_imported_for_type_checkers(package).get(name)
                    if source is not None:  # imported on first use
                        module_name, _, attribute = source.rpartition(".")
                        module = importlib.import_module(module_name)
                        self.assertIs(value, getattr(module, attribute))

    def test_type_checkers_see_every_name_imported_on_first_use(self) -> None:
        # The names __getattr__ imports are the names the TYPE_CHECKING block
        # imports, so a type checker knows the type of each.
        top = _names_imported_for_type_checkers(asynctoolkit)
        modules = {name for name, source in top.items() if source == f"asynctoolkit.{name}"}
        lazy = dict(asynctoolkit._MODULE_OF)
        self.assertEqual(
            {name: f"asynctoolkit.{module}.{name}" for name, module in lazy.items()},
            {name: source for name, source in top.items() if name not in modules},
        )
        self.assertEqual(modules, set(asynctoolkit._SOURCES))
        self.assertEqual(set(asynctoolkit.__all__), set(lazy) | modules)

        in_mock = _names_imported_for_type_checkers(asynctoolkit.mock)
        lazy_mock = asynctoolkit.mock._SOURCES
        self.assertEqual(
            {name: f"asynctoolkit.mock.{module}.{name}" for name, module in lazy_mock.items()},
            in_mock,
        )

        in_case = _names_imported_for_type_checkers(asynctoolkit.case)
        lazy_case = asynctoolkit.case._SOURCES
        self.assertEqual(
            {name: f"asynctoolkit.case.{module}.{name}" for name, module in lazy_case.items()},
            in_case,
        )

        in_selector = _names_imported_for_type_checkers(asynctoolkit.selector)
        lazy_selector = asynctoolkit.selector._SOURCES
        self.assertEqual(
            {
                name: f"asynctoolkit.selector.{module}.{name}"
                for name, module in lazy_selector.items()
            },
            in_selector,
        )

    def test_star_import_of_the_selector_brings_every_name(self) -> None:
        loaded = _loaded_after(
            "from asynctoolkit.selector import *\n"
            "import asynctoolkit.selector as selector\n"
            "assert all(globals()[name] is getattr(selector, name) for name in selector.__all__)\n"
            "assert set(selector.__all__) <= set(dir(selector))\n"
        )
        self.assertIn("asynctoolkit.selector._mocks", loaded)

    def test_unknown_names_raise_attribute_error(self) -> None:
        for package in (asynctoolkit, asynctoolkit.case, asynctoolkit.mock, asynctoolkit.selector):
            with self.subTest(package.__name__), self.assertRaises(AttributeError):
                package.no_such_name


if __name__ == "__main__":
    unittest.main()
