"""The public import paths users write stay valid, whatever the layout inside."""

from __future__ import annotations

import importlib
import subprocess
import sys
import unittest

import asynctoolkit

#: module -> names users import from it (each must also be at the top level).
PUBLIC = {
    "asynctoolkit.case": ["TestCase", "ClockedTestCase", "FunctionTestCase", "fail_on", "strict"],
    "asynctoolkit.clock": ["ClockedEventLoop", "DeadlockError", "StalledClockError", "clock_of"],
    "asynctoolkit.mock": ["CoroutineMock", "Mock", "MagicMock", "patch", "call", "ANY"],
    "asynctoolkit.selector": ["TestSelector", "SocketMock", "FileMock", "set_read_ready"],
    "asynctoolkit.entry": ["function", "method", "run"],
    "asynctoolkit.helpers": ["exhaust_callbacks"],
}


class PublicPathsTest(unittest.TestCase):
    def test_every_public_module_path_and_its_names(self) -> None:
        for module_name, names in PUBLIC.items():
            module = importlib.import_module(module_name)
            for name in names:
                with self.subTest(f"{module_name}.{name}"):
                    self.assertIs(getattr(module, name), getattr(asynctoolkit, name))
                    self.assertIn(name, module.__all__)

    def test_modules_are_attributes_of_the_package(self) -> None:
        for module_name in PUBLIC:
            short = module_name.rpartition(".")[2]
            self.assertIs(getattr(asynctoolkit, short), importlib.import_module(module_name))

    def test_rpc_path(self) -> None:
        rpc = importlib.import_module("asynctoolkit.rpc")
        self.assertIs(asynctoolkit.rpc, rpc)
        for name in ("channel", "server_from_dictionary", "strict_fake_time", "serve"):
            self.assertTrue(callable(getattr(rpc, name)), name)

    def test_runner_and_pytest_entry_points(self) -> None:
        from importlib.metadata import entry_points

        plugins = [ep for ep in entry_points(group="pytest11") if ep.name == "asynctoolkit"]
        self.assertEqual([ep.value for ep in plugins], ["asynctoolkit.pytest_plugin"])
        importlib.import_module(plugins[0].value)
        done = subprocess.run(
            [sys.executable, "-m", "asynctoolkit", "--help"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        self.assertEqual(done.returncode, 0, done.stderr)
