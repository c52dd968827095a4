"""Run the standard library's own tests of ``unittest.mock`` against ``asynctoolkit.mock``.

As uvloop runs asyncio's test suite against its loop: the interpreter's
installed test modules of ``unittest.mock`` (testmock, testpatch,
testmagicmethods, testhelpers, testcallable, testsealable, testwith,
testsentinel, testasync) run with every name they import from
``unittest.mock`` that ``asynctoolkit.mock`` also has being asynctoolkit's
(``AsyncMock`` included).  Usage::

    python tests/conformance/run_testmock.py [-v] [module ...]

How the names are replaced: before the test modules are imported, this
process puts in ``sys.modules["unittest.mock"]`` (and as the ``mock``
attribute of the ``unittest`` package) a module holding the standard
module's namespace with ``asynctoolkit.mock``'s public names on top (those
in its ``__all__``, and those of ``unittest.mock.__all__`` it has, such as
``FILTER_DIR``).  So ``from unittest.mock import Mock``, ``from unittest
import mock`` and ``unittest.mock.patch`` all reach ours, at import time and
while the tests run, while the private names some tests import (``_Call``,
``_patch``, ...) stay the standard library's.  Setting one of our names on
that module (``mock.FILTER_DIR = False``) sets it on ``asynctoolkit.mock``
too, as the test would with its import changed.  ``asynctoolkit.mock``
itself is imported first, so it keeps the real module.  The process exists
for this run only.

Tests listed in ``testmock_exclusions.EXCLUDED`` are skipped, each with its
reason; the listed names of tests this Python does not have are reported.
Prints each failure, one line per module, and a summary line ``N passed, N
failed, N skipped, N excluded``.  Exits 0 when nothing failed, 1 otherwise;
on a Python whose test package is not installed it says so and exits 0
(nothing to run).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import types
import unittest
from collections import Counter
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[2]), str(Path(__file__).resolve().parent)]

from testmock_exclusions import EXCLUDED  # noqa: E402

import asynctoolkit.mock as _ours  # noqa: E402  (first: it must bind the real unittest.mock)

MODULES = (
    "testmock",
    "testpatch",
    "testmagicmethods",
    "testhelpers",
    "testcallable",
    "testsealable",
    "testwith",
    "testsentinel",
    "testasync",
)
# Where the interpreter keeps them: moved to the test package in Python 3.12.
PACKAGE = "unittest.test.testmock" if sys.version_info < (3, 12) else "test.test_unittest.testmock"
EXCLUDED_PREFIX = "excluded: "


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help=f"some of {', '.join(MODULES)} (default: all)")
    parser.add_argument("-v", "--verbose", action="store_true", help="one line per test")
    options = parser.parse_args(argv)
    unknown = sorted(set(options.modules) - set(MODULES))
    if unknown:
        parser.error(f"unknown module(s) {', '.join(unknown)}; choose from {', '.join(MODULES)}")
    version = ".".join(map(str, sys.version_info[:3]))
    try:
        importlib.import_module(PACKAGE)
    except ImportError:
        print(
            f"conformance: skipped, Python {version} has no {PACKAGE} (test package not installed)"
        )
        return 0
    replaced = _substitute_unittest_mock()
    print(f"unittest.mock names replaced by asynctoolkit.mock's: {', '.join(replaced)}")
    names = options.modules or list(MODULES)
    suite = unittest.TestSuite()
    for name in names:
        module = importlib.import_module(f"{PACKAGE}.{name}")
        suite.addTests(unittest.defaultTestLoader.loadTestsFromModule(module))
    seen = _exclude(suite)
    runner = unittest.TextTestRunner(verbosity=2 if options.verbose else 1, resultclass=_Result)
    result = runner.run(suite)
    assert isinstance(result, _Result)
    print(f"\nunittest.mock's own tests against asynctoolkit.mock, Python {version}:")
    for name in names:
        print(f"  {name:<18} {_summary(result.outcomes, name)}")
    for test_id in sorted(seen & EXCLUDED.keys()):
        print(f"  excluded {test_id}: {EXCLUDED[test_id]}")
    stale = sorted(
        test_id for test_id in EXCLUDED if test_id not in seen and test_id.split(".")[0] in names
    )
    if stale:
        print(f"  (excluded, not in this Python's tests: {', '.join(stale)})")
    print(_summary(result.outcomes, None))
    return 0 if result.wasSuccessful() else 1


def _substitute_unittest_mock() -> list[str]:
    """Make ``unittest.mock`` a module whose public names are asynctoolkit's where it has them.

    Returns the names of the standard module that now are asynctoolkit's.
    """
    import unittest.mock as real

    ours = {*_ours.__all__, *(name for name in real.__all__ if hasattr(_ours, name))}
    substitute = _Substitute(real.__name__, real.__doc__)
    substitute.__dict__.update(vars(real))
    substitute.__dict__.update({name: getattr(_ours, name) for name in ours})
    sys.modules[real.__name__] = substitute
    unittest.mock = substitute  # type: ignore[attr-defined]
    return sorted(
        name
        for name in ours
        if hasattr(real, name) and getattr(real, name) is not getattr(_ours, name)
    )


class _Substitute(types.ModuleType):
    """The stand-in ``unittest.mock``: setting one of asynctoolkit.mock's names sets it there."""

    def __setattr__(self, name: str, value: object) -> None:
        super().__setattr__(name, value)
        if hasattr(_ours, name):
            setattr(_ours, name, value)

    def __delattr__(self, name: str) -> None:
        super().__delattr__(name)
        if hasattr(_ours, name):
            delattr(_ours, name)


def _short_id(test: unittest.TestCase) -> str:
    """``testmock.MockTest.test_repr``: the test's id without the package."""
    return test.id().removeprefix(PACKAGE + ".")


def _exclude(suite: unittest.TestSuite) -> set[str]:
    """Skip the excluded tests (with their reason); return the ids of all tests seen."""
    seen = set()
    for test in _tests(suite):
        test_id = _short_id(test)
        seen.add(test_id)
        reason = EXCLUDED.get(test_id)
        if reason is not None:
            method = getattr(type(test), test._testMethodName)
            skipped = unittest.skip(EXCLUDED_PREFIX + reason)(method)
            setattr(type(test), test._testMethodName, skipped)
    return seen


def _tests(suite: unittest.TestSuite) -> list[unittest.TestCase]:
    found: list[unittest.TestCase] = []
    for item in suite:
        if isinstance(item, unittest.TestSuite):
            found += _tests(item)
        else:
            found.append(item)
    return found


def _summary(outcomes: Counter[tuple[str, str]], module: str | None) -> str:
    counts: Counter[str] = Counter()
    for (where, kind), n in outcomes.items():
        if module is None or where == module:
            counts[kind] += n
    return (
        f"{counts['passed']} passed, {counts['failed']} failed, "
        f"{counts['skipped']} skipped, {counts['excluded']} excluded"
    )


class _Result(unittest.TextTestResult):
    """Counts outcomes per test module; errors, failed subtests and unexpected successes fail."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.outcomes: Counter[tuple[str, str]] = Counter()
        self._failed: set[str] = set()

    def _count(self, test: unittest.TestCase, kind: str) -> None:
        if not isinstance(test, unittest.TestCase):  # a module or class fixture that failed
            self.outcomes[("fixtures", kind)] += 1
            return
        if kind == "failed":
            if test.id() in self._failed:
                return  # counted once, whatever failed in it
            self._failed.add(test.id())
        self.outcomes[(_short_id(test).split(".")[0], kind)] += 1

    def addSuccess(self, test: unittest.TestCase) -> None:
        super().addSuccess(test)
        self._count(test, "passed")

    def addExpectedFailure(self, test: unittest.TestCase, err: object) -> None:
        super().addExpectedFailure(test, err)  # type: ignore[arg-type]
        self._count(test, "passed")

    def addFailure(self, test: unittest.TestCase, err: object) -> None:
        super().addFailure(test, err)  # type: ignore[arg-type]
        self._count(test, "failed")

    def addError(self, test: unittest.TestCase, err: object) -> None:
        super().addError(test, err)  # type: ignore[arg-type]
        self._count(test, "failed")

    def addUnexpectedSuccess(self, test: unittest.TestCase) -> None:
        super().addUnexpectedSuccess(test)
        self._count(test, "failed")

    def addSkip(self, test: unittest.TestCase, reason: str) -> None:
        super().addSkip(test, reason)
        self._count(test, "excluded" if reason.startswith(EXCLUDED_PREFIX) else "skipped")

    def addSubTest(self, test: unittest.TestCase, subtest: unittest.TestCase, err: object) -> None:
        super().addSubTest(test, subtest, err)  # type: ignore[arg-type]
        if err is not None:  # the test then gets no addSuccess: count it failed here
            self._count(test, "failed")


if __name__ == "__main__":
    sys.exit(main())
