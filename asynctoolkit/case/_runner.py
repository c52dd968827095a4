"""The ``python -m asynctoolkit`` command line.

It accepts everything ``python -m unittest`` accepts, plus:

``--strict``
    Enable every check on every TestCase, whatever its decorators say.
``--timeout SECONDS``
    The real-time limit of each test that sets none itself (default 60;
    ``0`` for no limit).

A directory named on the command line is searched for tests (unittest
discovery), so ``python -m asynctoolkit examples`` runs every example suite.
The top level of the search is the directory itself, or, when it is a
package, its first ancestor that is not: ``examples/workerpool`` is searched
with ``examples`` as top level, so its tests import ``workerpool.x``.  The run ends with a line
``asynctoolkit: N passed, N failed, N skipped`` and a non-zero exit status
when any test failed.
"""

from __future__ import annotations

import argparse
import os
import sys
import unittest
from collections.abc import Sequence
from typing import Any, NoReturn

from asynctoolkit._shared.settings import settings

__all__ = ["main"]


class _Result(unittest.TextTestResult):
    """unittest's text result, plus the one-line summary at the end."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._succeeded: set[str] = set()

    def addSuccess(self, test: unittest.TestCase) -> None:
        super().addSuccess(test)
        self._succeeded.add(_test_id(test))

    def summary_line(self) -> str:
        # A test may fail several ways (an assertion, then a check; subtests):
        # count tests, not reports.  Passed tests are counted as they pass, not
        # derived from testsRun (which 3.12.1 leaves skipped tests out of).
        failed = {_test_id(t) for t, _ in [*self.failures, *self.errors]}
        failed |= {_test_id(t) for t in self.unexpectedSuccesses}
        skipped = {_test_id(t) for t, _ in self.skipped} - failed
        passed = self._succeeded - failed - skipped
        return f"asynctoolkit: {len(passed)} passed, {len(failed)} failed, {len(skipped)} skipped"


def _test_id(test: Any) -> str:
    """The id of the test a report is about (a subtest's own test)."""
    test = getattr(test, "test_case", test)
    return str(test.id()) if hasattr(test, "id") else repr(test)


class _Runner(unittest.TextTestRunner):
    resultclass = _Result

    def run(self, test: Any) -> Any:
        result = super().run(test)
        if isinstance(result, _Result):
            self.stream.writeln(result.summary_line())
            self.stream.flush()
        return result


class _Program(unittest.TestProgram):
    """unittest's program, where a directory argument means discovery in it."""

    def createTests(self, from_discovery: bool = False, Loader: Any = None) -> None:
        names: list[str] = getattr(self, "testNames", None) or []
        if from_discovery or not any(os.path.isdir(n) for n in names):
            super().createTests(from_discovery, Loader)
            return
        loader: unittest.TestLoader = getattr(self, "testLoader", unittest.defaultTestLoader)
        suite = unittest.TestSuite()
        for name in names:
            if os.path.isdir(name):
                start = os.path.abspath(name)
                suite.addTest(loader.discover(start, top_level_dir=_top_level(start)))
            else:
                suite.addTest(loader.loadTestsFromName(name))
        self.test = suite


def _top_level(directory: str) -> str:
    """The directory itself, or the first ancestor that is not a package.

    ``examples`` is searched as the top level; ``examples/workerpool`` (a
    package) is searched with ``examples`` as the top level, so its modules
    import as ``workerpool.x`` either way.
    """
    top = directory
    while os.path.isfile(os.path.join(top, "__init__.py")):
        parent = os.path.dirname(top)
        if parent == top:
            break
        top = parent
    return top


def _split_own_options(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(prog="python -m asynctoolkit", add_help=False)
    parser.add_argument("--strict", action="store_true")
    parser.add_argument("--timeout", type=_timeout_value, default=None)
    return parser.parse_known_args(argv)


def _timeout_value(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--timeout takes a number of seconds (0 for no limit), not {text!r}"
        ) from None
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"--timeout must be 0 or more seconds, not {text!r}")
    return value


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Run tests as ``python -m unittest`` would, with ``--strict`` and ``--timeout``."""
    own, rest = _split_own_options(sys.argv[1:] if argv is None else argv)
    if "-h" in rest or "--help" in rest:
        print(__doc__)
    settings.strict = own.strict
    if own.timeout is not None:
        settings.timeout = own.timeout or None
    if sys.path[0] != os.getcwd() and "" not in sys.path:
        sys.path.insert(0, os.getcwd())
    _Program(module=None, argv=["python -m asynctoolkit", *rest], testRunner=_Runner)
    raise SystemExit(0)  # pragma: no cover - TestProgram exits itself
