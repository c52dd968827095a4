"""Run an inner test case and look at its outcome, for tests of the toolkit itself."""

from __future__ import annotations

import unittest


def run_test(case_class: type[unittest.TestCase], name: str) -> unittest.TestResult:
    """Run one test of ``case_class`` into a fresh result and return it."""
    result = unittest.TestResult()
    case_class(name).run(result)
    return result


def failure_text(result: unittest.TestResult) -> str:
    """All failure and error tracebacks of ``result``, joined."""
    return "\n".join(text for _, text in [*result.failures, *result.errors])


def passed(result: unittest.TestResult) -> bool:
    """True if the run had no failure, error or unexpected success and ran a test."""
    return result.testsRun == 1 and result.wasSuccessful() and not result.skipped
