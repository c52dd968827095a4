"""``install_asynctest()``: what it registers, what it leaves alone, when it refuses."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import types
import unittest

import asynctoolkit
import asynctoolkit.compat.asynctest as shim
from asynctoolkit.compat import install_asynctest
from tests.compat._layer import NAMES, install_for, keep_names

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        env=dict(os.environ, PYTHONPATH=ROOT),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


class InstallTest(unittest.TestCase):
    def test_registers_the_package_and_its_four_submodules(self) -> None:
        module = install_for(self)
        self.assertIs(module, shim)
        self.assertIs(importlib.import_module("asynctest"), shim)
        for sub in ("case", "helpers", "mock", "selector"):
            with self.subTest(sub):
                self.assertIs(importlib.import_module(f"asynctest.{sub}"), getattr(shim, sub))

    def test_the_import_forms_of_an_asynctest_suite(self) -> None:
        install_for(self)
        namespace: dict[str, object] = {}
        exec(
            "import asynctest\n"
            "import asynctest.selector\n"
            "from asynctest.mock import patch, CoroutineMock\n"
            "from asynctest import helpers\n"
            "from asynctest.helpers import exhaust_callbacks\n"
            "from asynctest.selector import get_registered_events\n"
            "from asynctest.case import TestCase\n",
            namespace,
        )
        self.assertIs(namespace["patch"], shim.mock.patch)
        self.assertIs(namespace["CoroutineMock"], shim.mock.CoroutineMock)
        self.assertTrue(issubclass(shim.mock.CoroutineMock, asynctoolkit.CoroutineMock))
        self.assertIs(namespace["exhaust_callbacks"], asynctoolkit.exhaust_callbacks)
        self.assertIs(namespace["TestCase"], asynctoolkit.TestCase)
        self.assertIs(namespace["get_registered_events"], shim.selector.get_registered_events)

    def test_a_second_call_changes_nothing(self) -> None:
        first = install_for(self)
        registered = {name: sys.modules[name] for name in NAMES}
        self.assertIs(install_asynctest(), first)
        self.assertEqual({name: sys.modules[name] for name in NAMES}, registered)

    def test_refuses_when_another_asynctest_is_imported(self) -> None:
        keep_names(self)
        for name in NAMES:
            sys.modules.pop(name, None)
        real = types.ModuleType("asynctest")
        real.__file__ = "/site-packages/asynctest/__init__.py"
        sys.modules["asynctest"] = real
        with self.assertRaises(RuntimeError) as raised:
            install_asynctest()
        message = str(raised.exception)
        self.assertIn("another asynctest is already imported", message)
        self.assertIn("/site-packages/asynctest/__init__.py", message)
        self.assertIn("pip uninstall asynctest", message)
        # Nothing was registered, not even the names that were free.
        self.assertIs(sys.modules["asynctest"], real)
        self.assertNotIn("asynctest.mock", sys.modules)

    def test_refuses_when_only_a_submodule_is_foreign(self) -> None:
        keep_names(self)
        for name in NAMES:
            sys.modules.pop(name, None)
        sys.modules["asynctest.mock"] = types.ModuleType("asynctest.mock")
        with self.assertRaisesRegex(RuntimeError, "'asynctest.mock'"):
            install_asynctest()
        self.assertNotIn("asynctest", sys.modules)

    def test_refuses_a_blocked_name(self) -> None:
        keep_names(self)
        for name in NAMES:
            sys.modules.pop(name, None)
        sys.modules["asynctest"] = None  # type: ignore[assignment]
        with self.assertRaisesRegex(RuntimeError, "blocks its import"):
            install_asynctest()


class NotAnAliasTest(unittest.TestCase):
    def test_asynctoolkit_namespace_is_unchanged(self) -> None:
        before_all = list(asynctoolkit.__all__)
        before_names = set(vars(asynctoolkit)) - {"compat"}
        install_for(self)
        self.assertEqual(asynctoolkit.__all__, before_all)
        self.assertEqual(set(vars(asynctoolkit)) - {"compat"}, before_names)
        self.assertNotIn("install_asynctest", asynctoolkit.__all__)
        self.assertIsNot(shim, asynctoolkit)

    def test_all_is_unittests_as_asynctests_was(self) -> None:
        self.assertEqual(shim.__all__, list(unittest.__all__))
        self.assertIs(shim.TestCase, asynctoolkit.TestCase)
        self.assertIs(shim.FunctionTestCase, asynctoolkit.FunctionTestCase)
        self.assertIs(shim.main, unittest.main)
        self.assertIs(shim.TestSuite, unittest.TestSuite)
        self.assertIs(shim.skip, unittest.skip)

    def test_built_from_asynctoolkits_objects(self) -> None:
        # Same objects as asynctoolkit's, except the two functions with asynctest's
        # timing, and the mocks that make asynctest's choice for coroutine functions:
        # subclasses of asynctoolkit's, asynctoolkit's patch and create_autospec
        # making them.
        own = {"set_read_ready", "set_write_ready", "get_registered_events", "create_autospec"}
        subclasses = {
            "NonCallableMock",
            "NonCallableMagicMock",
            "Mock",
            "MagicMock",
            "CoroutineMock",
        }
        for module in (shim.case, shim.helpers, shim.mock, shim.selector):
            for name in module.__all__:
                with self.subTest(f"{module.__name__}.{name}"):
                    self.assertIs(getattr(shim, name), getattr(module, name))
                    if name in own:
                        self.assertIsNot(getattr(module, name), getattr(asynctoolkit, name, None))
                    elif name in subclasses:
                        self.assertIsNot(getattr(module, name), getattr(asynctoolkit, name))
                        self.assertTrue(
                            issubclass(getattr(module, name), getattr(asynctoolkit, name))
                        )
                    elif name == "patch":
                        self.assertIsNot(module.patch, asynctoolkit.patch)
                        self.assertIs(type(module.patch), type(asynctoolkit.patch))
                    elif hasattr(asynctoolkit, name):
                        self.assertIs(getattr(module, name), getattr(asynctoolkit, name))
                    else:
                        self.assertIs(getattr(module, name), getattr(unittest, name))


class OptInTest(unittest.TestCase):
    """In a fresh interpreter: nothing registers ``asynctest`` unless asked."""

    def test_importing_the_toolkit_registers_nothing(self) -> None:
        done = _python(
            "import sys\n"
            "import asynctoolkit, asynctoolkit.compat, asynctoolkit.compat.asynctest\n"
            "import asynctoolkit.pytest_plugin\n"
            "from asynctoolkit import *\n"
            "print(sorted(n for n in sys.modules if n.split('.')[0] == 'asynctest'))\n"
            "try:\n"
            "    import asynctest\n"
            "except ImportError as error:\n"
            "    print(type(error).__name__)\n"
        )
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(done.stdout.split(), ["[]", "ModuleNotFoundError"])

    def test_one_call_makes_it_importable(self) -> None:
        done = _python(
            "from asynctoolkit.compat import install_asynctest\n"
            "install_asynctest()\n"
            "from asynctest.mock import patch, CoroutineMock\n"
            "import asynctest, asynctoolkit\n"
            "print(asynctest.TestCase is asynctoolkit.TestCase, asynctest.__name__)\n"
        )
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(done.stdout.split(), ["True", "asynctoolkit.compat.asynctest"])
