"""Every public name of asynctest has a namesake in the compatibility layer."""

from __future__ import annotations

import importlib
import os
import unittest
from typing import Any

import asynctoolkit
from tests.compat._layer import install_for

#: asynctest's public names, derived from its documentation (see the file's header).
NAMES_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "asynctest_names.txt")


def asynctest_names() -> list[str]:
    with open(NAMES_FILE, encoding="utf-8") as names:
        lines = (line.strip() for line in names)
        return [line for line in lines if line and not line.startswith("#")]


def resolve(path: str) -> Any:
    """The object ``path`` names: ``asynctest.C.m``, or ``asynctest.C().a`` on a fresh instance.

    An instance attribute must be listed by ``dir()`` before it is read: a
    mock would otherwise make up any attribute asked of it.
    """
    first, *rest = path.split(".")
    obj: Any = importlib.import_module(first)
    for part in rest:
        name = part.removesuffix("()")
        if isinstance(obj, asynctoolkit.mock.NonCallableMock) and name not in dir(obj):
            raise AttributeError(f"{name!r} is not an attribute of a fresh {type(obj).__name__}")
        obj = getattr(obj, name)
        if part.endswith("()"):
            obj = obj()
    return obj


class NamesTest(unittest.TestCase):
    def setUp(self) -> None:
        self.asynctest = install_for(self)

    def test_the_list_is_read(self) -> None:
        names = asynctest_names()
        self.assertGreater(len(names), 100)
        self.assertTrue(all(name.startswith("asynctest.") for name in names), names)

    def test_every_asynctest_name_resolves(self) -> None:
        for path in asynctest_names():
            with self.subTest(path):
                resolve(path)

    def test_a_name_asynctest_never_had_does_not_resolve(self) -> None:
        # The resolver itself can fail: on a module, a class and a mock instance.
        for path in ("asynctest.CONTEXT", "asynctest.TestCase.bogus", "asynctest.Mock().bogus"):
            with self.subTest(path), self.assertRaises(AttributeError):
                resolve(path)

    def test_unittest_public_names_at_the_top_level(self) -> None:
        for name in unittest.__all__:
            with self.subTest(name):
                self.assertTrue(hasattr(self.asynctest, name))
                if name not in ("TestCase", "FunctionTestCase"):
                    self.assertIs(getattr(self.asynctest, name), getattr(unittest, name))

    def test_unittest_case_public_names_in_case(self) -> None:
        case = importlib.import_module("asynctest.case")
        for name in ("SkipTest", "skip", "skipIf", "skipUnless", "expectedFailure"):
            with self.subTest(name):
                self.assertIs(getattr(case, name), getattr(unittest, name))
        self.assertIs(case.TestCase, asynctoolkit.TestCase)
