"""The ``python -m asynctoolkit`` command line.

``python -m unittest`` with options of its own, ``--strict``, ``--timeout``,
``--seed`` and ``--asynctest``; ``-h`` prints ``_DESCRIPTION`` and these options as plain
text, then unittest's help.  A directory named on the command line is
searched with unittest's discovery (see ``_Program`` and ``_top_level``), and
the run ends with a summary line (``_Result.summary_line``).
"""

from __future__ import annotations

import argparse
import os
import sys
import unittest
from collections.abc import Sequence
from typing import Any, NoReturn

from asynctoolkit._shared import exploration, threads
from asynctoolkit._shared.settings import settings

__all__ = ["main"]

_USAGE = (
    "python -m asynctoolkit [--strict] [--timeout SECONDS] [--seed N] [--asynctest] "
    "[unittest arguments]"
)

# Printed by ``-h`` (plain text: a terminal shows it as it is).
_DESCRIPTION = """\
Run tests as 'python -m unittest' does: every argument of unittest, listed
below, works here too.

A directory named on the command line is searched for tests (unittest
discovery), so 'python -m asynctoolkit examples' runs every example suite.
The search starts in the directory; modules are imported relative to it or,
when it is a package, relative to the first directory above it that is not
one.

The run ends with the line 'asynctoolkit: N passed, N failed, N skipped',
and the exit status is not zero when a test failed."""


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
            waiting = threads.waiting_at_exit()
            if waiting:
                self.stream.writeln(waiting)
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
    return _own_parser().parse_known_args(argv)


def _own_parser() -> argparse.ArgumentParser:
    """The runner's own options; ``-h`` is left to unittest, which prints its options after."""
    parser = argparse.ArgumentParser(
        prog="python -m asynctoolkit",
        usage=_USAGE,
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        add_help=False,
    )
    own = parser.add_argument_group("asynctoolkit options")
    own.add_argument(
        "--strict",
        action="store_true",
        help="enable every check on every TestCase, whatever its decorators say",
    )
    own.add_argument(
        "--timeout",
        type=_timeout_value,
        default=None,
        metavar="SECONDS",
        help="the real-time limit of each test that sets none itself (default 60; 0 for no limit)",
    )
    own.add_argument(
        "--seed",
        type=_seed_value,
        default=None,
        metavar="N",
        help="replay seed N in every test decorated with @explore (as ASYNCTOOLKIT_SEED=N does)",
    )
    own.add_argument(
        "--asynctest",
        action="store_true",
        help="make 'import asynctest' give asynctoolkit's compatibility layer, so a suite "
        "written for asynctest runs unchanged (asynctoolkit.compat.install_asynctest)",
    )
    return parser


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


def _seed_value(text: str) -> int:
    try:
        return exploration.parse_seed(text, "--seed")
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _install_asynctest() -> None:
    # Imported here: the layer sits above ``case`` and is loaded only when asked for.
    from asynctoolkit.compat import install_asynctest

    try:
        install_asynctest()
    except RuntimeError as error:
        raise SystemExit(f"python -m asynctoolkit --asynctest: {error}") from None


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Run tests as ``python -m unittest`` would, with the runner's own options too."""
    own, rest = _split_own_options(sys.argv[1:] if argv is None else argv)
    if "-h" in rest or "--help" in rest:
        print(_own_parser().format_help())
    if own.asynctest:
        _install_asynctest()
    settings.strict = own.strict
    if own.timeout is not None:
        settings.timeout = own.timeout or None
    if own.seed is not None:
        exploration.set_replay_seed(own.seed)
    if sys.path[0] != os.getcwd() and "" not in sys.path:
        sys.path.insert(0, os.getcwd())
    _Program(module=None, argv=["python -m asynctoolkit", *rest], testRunner=_Runner)
    raise SystemExit(0)  # pragma: no cover - TestProgram exits itself
