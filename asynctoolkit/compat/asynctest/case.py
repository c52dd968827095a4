"""``asynctest.case``: asynctoolkit's test cases and check decorators.

asynctest's ``case`` module also re-exported ``unittest.case``; its public
names (``SkipTest``, ``skip``, ``skipIf``, ``skipUnless``,
``expectedFailure``, ``addModuleCleanup``...) are here too.
"""

from __future__ import annotations

import unittest

from asynctoolkit.case import (
    ClockedTestCase,
    FunctionTestCase,
    TestCase,
    fail_on,
    ignore_loop,
    lenient,
    strict,
)

__all__ = [
    "ClockedTestCase",
    "FunctionTestCase",
    "TestCase",
    "fail_on",
    "ignore_loop",
    "lenient",
    "strict",
]

#: unittest's public names defined in ``unittest.case`` (for example, not ``main``).
_UNITTEST_CASE_NAMES = [
    name
    for name in unittest.__all__
    if name not in __all__ and getattr(unittest.case, name, None) is getattr(unittest, name)
]
globals().update({name: getattr(unittest, name) for name in _UNITTEST_CASE_NAMES})

__all__ += _UNITTEST_CASE_NAMES
