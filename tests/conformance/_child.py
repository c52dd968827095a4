"""One module of ``test.test_asyncio`` on one loop, in this process: see ``run_asyncio.py``.

    python _child.py LOOP MODULE RESULTS_FILE LIMIT VIRTUAL_TEST_LOOP SKIP_FILE IO_GRACE

Writes one JSON line per test to RESULTS_FILE as it goes (a "started" line
first, so that the parent can name a test that hung): its id, its outcome
(passed, failed, skipped, excluded) and the loops it ran on.  A test that
runs longer than LIMIT real seconds ends the process, with every thread's
stack on stdout.  Tests named in SKIP_FILE (one id a line) are not run: an
earlier child ran them before it crashed.
"""

from __future__ import annotations

import faulthandler
import importlib
import json
import sys
import time
import traceback
import unittest
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.conformance import _loops, exclusions

_ExcInfo = tuple[type[BaseException], BaseException, TracebackType]


class _Result(unittest.TestResult):
    """Writes each outcome as a JSON line; a failed subtest fails its test."""

    def __init__(self, out: IO[str], limit: float) -> None:
        super().__init__()
        self._out = out
        self._limit = limit
        self._failed_subtest: str | None = None
        self._started = time.perf_counter()

    def startTest(self, test: unittest.TestCase) -> None:
        super().startTest(test)
        self._failed_subtest = None
        _loops.made.clear()
        self._write(test.id(), "started")
        self._started = time.perf_counter()
        faulthandler.dump_traceback_later(self._limit, exit=True)

    def stopTest(self, test: unittest.TestCase) -> None:
        faulthandler.cancel_dump_traceback_later()
        super().stopTest(test)

    def addSuccess(self, test: unittest.TestCase) -> None:
        if self._failed_subtest is None:
            self._write(test.id(), "passed")
        else:
            self._write(test.id(), "failed", self._failed_subtest)

    def addFailure(self, test: unittest.TestCase, err: _ExcInfo) -> None:  # type: ignore[override]
        self._write(test.id(), "failed", _format(err))

    def addError(self, test: unittest.TestCase, err: _ExcInfo) -> None:  # type: ignore[override]
        self._write(test.id(), "failed", _format(err))

    def addSubTest(
        self, test: unittest.TestCase, subtest: unittest.TestCase, err: _ExcInfo | None
    ) -> None:
        if err is not None and self._failed_subtest is None:
            self._failed_subtest = f"{subtest.id()}\n{_format(err)}"

    def addSkip(self, test: unittest.TestCase, reason: str) -> None:
        self._write(test.id(), "skipped", reason)

    def addExpectedFailure(self, test: unittest.TestCase, err: _ExcInfo) -> None:  # type: ignore[override]
        self._write(test.id(), "passed")

    def addUnexpectedSuccess(self, test: unittest.TestCase) -> None:
        self._write(test.id(), "failed", "unexpected success")

    def _write(self, test_id: str, outcome: str, detail: str = "") -> None:
        record = {
            "id": test_id,
            "outcome": outcome,
            "ran_on": sorted(_loops.made),
            "detail": detail,
            "seconds": round(time.perf_counter() - self._started, 3),
        }
        self._out.write(json.dumps(record) + "\n")
        self._out.flush()


def _format(err: _ExcInfo) -> str:
    lines = traceback.format_exception(*err)
    return "".join(lines)[-3000:]


def _tests(suite: unittest.TestSuite | unittest.TestCase) -> Iterator[unittest.TestCase]:
    if isinstance(suite, unittest.TestSuite):
        for test in suite:
            yield from _tests(test)
    else:
        yield suite


def main(
    loop: str, module: str, results: str, limit: str, virtual: str, skip: str, grace: str
) -> None:
    done = set(Path(skip).read_text(encoding="utf-8").split())
    with open(results, "w", encoding="utf-8") as out:
        try:
            tests_module: Any = importlib.import_module(f"test.test_asyncio.test_{module}")
        except ModuleNotFoundError:
            out.write(json.dumps({"id": module, "outcome": "missing"}) + "\n")
            return
        _loops.install(loop, virtual_test_loop=virtual == "1", grace=float(grace))
        kept = []
        for test in _tests(unittest.defaultTestLoader.loadTestsFromModule(tests_module)):
            if test.id() in done:  # run by an earlier child, which then crashed
                continue
            reason = exclusions.reason(loop, test.id(), virtual_test_loop=virtual == "1")
            if reason is None:
                kept.append(test)
            else:
                record = {"id": test.id(), "outcome": "excluded", "ran_on": [], "detail": reason}
                out.write(json.dumps(record) + "\n")
        result = _Result(out, float(limit))
        unittest.TestSuite(kept).run(result)


if __name__ == "__main__":
    main(*sys.argv[1:8])
