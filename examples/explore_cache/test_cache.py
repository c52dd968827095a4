"""Tests of the token cache, explored: ``asynctoolkit.explore`` finds the bug of ``cache.py``.

What to notice:
- ``TokenCacheTests`` are ordinary virtual-time tests (``ClockedTestCase``,
  ``advance``).  On the buggy cache they pass: the clock runs timers due at
  the same instant in the order they were set, which is the order the
  author assumed;
- ``@asynctoolkit.explore`` on a test class runs each of its tests 100 times,
  each on its own seed.  The seed decides what asyncio leaves open, among
  others the order of timers due at the same instant, and how late the loop
  wakes for a timer (up to 10 ms).  A failing run fails the test, naming its
  seed, a line that replays it, and the choices the seed made;
- ``FixedTokenCacheTest`` is how such a test is normally written: explored,
  passing every seed;
- ``ExploreFindsTheBugTest`` shows what exploring the buggy cache reports.
  A test suite normally has no such test: it runs an explored test inside a
  test (through unittest's API) only so that this example suite passes
  while showing a failure.  Its last step is the usual workflow: replay the
  failing seed with ``@explore(seed=N)``, fix the code, replay again.
"""

from __future__ import annotations

import itertools
import os
import re
import unittest
from typing import TYPE_CHECKING, Any

import asynctoolkit
from asynctoolkit.mock import Mock
from explore_cache import cache, cache_fixed

#: How long a token is valid, in (virtual) seconds.
LIFETIME = 1.0


# A mixin: a ClockedTestCase to a type checker, a plain class (which discovery skips) at run time.
if TYPE_CHECKING:
    _Base = asynctoolkit.ClockedTestCase
else:
    _Base = object


class TokenCacheTests(_Base):
    """The tests of a token cache, written once; each class below says which cache."""

    cache_class: Any  # cache.TokenCache or cache_fixed.TokenCache

    def start(self, fetch: Any) -> Any:
        token_cache = self.cache_class(fetch, LIFETIME)
        self.addAsyncCleanup(token_cache.close)  # no task outlives the test
        return token_cache

    async def test_the_token_is_never_missing_while_the_service_answers(self) -> None:
        numbers = itertools.count()
        token_cache = self.start(lambda: f"token-{next(numbers)}")
        # Look at the cache halfway through each lifetime, for three lifetimes.
        for expected in ["token-0", "token-1", "token-2"]:
            await self.advance(LIFETIME / 2)
            self.assertEqual(token_cache.token, expected, f"at t={self.loop.time():.3f}")
            await self.advance(LIFETIME / 2)

    async def test_a_token_whose_refresh_failed_is_not_served_once_stale(self) -> None:
        down = cache.FetchError("the token service is down")
        token_cache = self.start(Mock(side_effect=["token-0", down, down, down]))
        await self.advance(LIFETIME / 2)
        self.assertEqual(token_cache.token, "token-0")
        await self.advance(LIFETIME)  # the refresh failed, and token-0 is stale
        self.assertIsNone(token_cache.token)


@asynctoolkit.explore  # bare: the defaults (100 seeds, jitter 10 ms)
class FixedTokenCacheTest(TokenCacheTests, asynctoolkit.ClockedTestCase):
    cache_class = cache_fixed.TokenCache


# -- what exploring the buggy cache reports --------------------------------------------------


def case_for(cache_class: type, name: str) -> type[asynctoolkit.ClockedTestCase]:
    """``TokenCacheTests`` on ``cache_class`` (made here: discovery must not run the buggy one)."""
    return type(name, (TokenCacheTests, asynctoolkit.ClockedTestCase), {"cache_class": cache_class})


def run(case_class: type[unittest.TestCase], name: str) -> tuple[bool, str]:
    """Run one test in-process: did it pass, and the text of its failures."""
    result = unittest.TestResult()
    case_class(name).run(result)
    text = "\n".join(report for _, report in [*result.failures, *result.errors])
    return result.wasSuccessful(), text


TEST = "test_the_token_is_never_missing_while_the_service_answers"


class ExploreFindsTheBugTest(unittest.TestCase):
    def test_ordinary_runs_miss_the_bug(self) -> None:
        buggy = case_for(cache.TokenCache, "BuggyTokenCacheTest")
        passed, report = run(buggy, TEST)
        self.assertTrue(passed, report)

    @unittest.skipIf(os.environ.get("ASYNCTOOLKIT_SEED"), "a replayed seed explores nothing")
    def test_explore_reports_a_failing_seed_and_its_replay(self) -> None:
        buggy = asynctoolkit.explore(case_for(cache.TokenCache, "BuggyTokenCacheTest"))
        passed, report = run(buggy, TEST)
        self.assertFalse(passed)
        # The report names the seed and how to replay it...
        found = re.search(r"explore: seed (\d+) fails this test", report)
        assert found is not None, report
        seed = int(found[1])
        self.assertIn(f"Replay it with @explore(seed={seed})", report)
        self.assertIn(f"ASYNCTOOLKIT_SEED={seed} python -m asynctoolkit", report)
        # ...and the choices that seed made.  Here: the two tasks' sleeps, due
        # together, fired in the reverse of the order they were set (#2, the
        # refresher's, before #1, the expirer's).
        self.assertRegex(report, r"2 timers due together .* fire as: #2 sleep, #1 sleep")
        # The test's own assertion says what went wrong: no token.
        self.assertRegex(report, r"AssertionError: None != 'token-\d'")

        # Replaying the seed fails again, with the same choices...
        replay = asynctoolkit.explore(seed=seed)(case_for(cache.TokenCache, "Replay"))
        passed, replayed = run(replay, TEST)
        self.assertFalse(passed)
        self.assertEqual(choices_of(replayed), choices_of(report))
        # ...and the fixed cache passes it.
        fixed = asynctoolkit.explore(seed=seed)(case_for(cache_fixed.TokenCache, "Fixed"))
        passed, report = run(fixed, TEST)
        self.assertTrue(passed, report)


def choices_of(report: str) -> list[str]:
    """The trace lines of a failure report (``  t=...: ...``)."""
    return [line for line in report.splitlines() if line.startswith("  t=")]
