"""The checks' registry is the one source of every check's name, default and docs line."""

from __future__ import annotations

import os
import re
import unittest

import asynctoolkit
from asynctoolkit.case._checks import CHECKS, DEFAULT_CHECKS

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
HERE = os.path.dirname(__file__)


class RegistryTest(unittest.TestCase):
    def test_readme_table_matches_the_registry(self) -> None:
        with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
            readme = f.read()
        rows = re.findall(r"^\| `(\w+)` \| (on|off) \| (.+?) \|$", readme, re.M)
        expected = [(c.name, "on" if c.default else "off", c.fails_a_test_that) for c in CHECKS]
        self.assertEqual(rows, expected)

    def test_defaults_and_fail_on_names_come_from_the_registry(self) -> None:
        self.assertEqual(list(DEFAULT_CHECKS), [c.name for c in CHECKS])
        asynctoolkit.fail_on(**dict.fromkeys(DEFAULT_CHECKS, True))  # every name accepted
        with self.assertRaisesRegex(TypeError, ", ".join(DEFAULT_CHECKS)):
            asynctoolkit.fail_on(no_such_check=True)

    def test_every_check_has_its_own_test_file(self) -> None:
        for check in CHECKS:
            with self.subTest(check.name):
                self.assertTrue(os.path.exists(os.path.join(HERE, f"test_{check.name}.py")))

    def test_checks_reading_the_tests_tasks_come_first(self) -> None:
        # The watch lets the test's tasks go after the last check that reads them.
        flags = [c.uses_created_tasks for c in CHECKS]
        self.assertEqual(flags, sorted(flags, reverse=True))

    def test_names_are_unique_and_every_check_documents_itself(self) -> None:
        self.assertEqual(len({c.name for c in CHECKS}), len(CHECKS))
        for check in CHECKS:
            with self.subTest(check.name):
                self.assertTrue(check.fails_a_test_that)
                self.assertIsInstance(check.default, bool)
