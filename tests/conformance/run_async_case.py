"""Run unittest's own tests of ``IsolatedAsyncioTestCase`` against ``asynctoolkit.TestCase``.

The interpreter's installed ``test_async_case`` module (``unittest.test`` on
Python 3.10 and 3.11, ``test.test_unittest`` from 3.12) runs with
``unittest.IsolatedAsyncioTestCase`` being ``asynctoolkit.TestCase`` in this
process, which exists for this run only.  Usage::

    python tests/conformance/run_async_case.py [-v]

Prints each failure and a summary line ``N passed, N failed, N skipped``.
Exits 0 when nothing failed, 1 otherwise; on a Python whose test package is
not installed it says so and exits 0 (nothing to run).  No test is excluded.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import asynctoolkit

_MODULES = ("test.test_unittest.test_async_case", "unittest.test.test_async_case")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true")
    options = parser.parse_args()
    unittest.IsolatedAsyncioTestCase = asynctoolkit.TestCase  # type: ignore[misc]
    module = None
    for name in _MODULES:
        try:
            module = importlib.import_module(name)
            break
        except ImportError:
            continue
    if module is None:
        print("conformance: skipped, this Python has no test_async_case (no test package)")
        return 0
    suite = unittest.defaultTestLoader.loadTestsFromModule(module)
    runner = unittest.TextTestRunner(verbosity=2 if options.verbose else 1, stream=sys.stdout)
    result = runner.run(suite)
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    skipped = len(result.skipped)
    passed = result.testsRun - failed - skipped
    print(f"{module.__name__}: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
