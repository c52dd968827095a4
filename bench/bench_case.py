"""Per-test overhead of asynctoolkit.TestCase, against the standard library, in one run.

Runs N trivial async tests three ways and prints microseconds per test and
ratios:

- bare loop: ``new_event_loop()``, ``run_until_complete(coro)``, ``close()``;
- ``asynctoolkit.TestCase`` with its default checks on;
- ``unittest.IsolatedAsyncioTestCase``.

Then runs the same 1,000 asynctoolkit tests once and ten more times, to show
that the cost per test and the process's memory stay flat (nothing
accumulates across tests).
Target: asynctoolkit at most 2x the bare loop.  ``--quick`` for a smoke run.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import asynctoolkit


async def _trivial(self: object = None) -> None:
    pass


def _make_class(base: type[unittest.TestCase], n: int) -> type[unittest.TestCase]:
    namespace = {f"test_{i:05d}": _trivial for i in range(n)}
    return type(f"Bench{base.__name__}", (base,), namespace)


def _run_suite(base: type[unittest.TestCase], n: int) -> float:
    """Run ``n`` trivial tests on ``base``; seconds per test."""
    return _run_class(_make_class(base, n))


def _run_class(cls: type[unittest.TestCase]) -> float:
    """Run every test of ``cls`` once; seconds per test."""
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(cls)
    expected = suite.countTestCases()
    result = unittest.TestResult()
    gc.collect()
    start = time.perf_counter()
    suite.run(result)
    elapsed = time.perf_counter() - start
    if not result.wasSuccessful() or result.testsRun != expected:
        raise SystemExit(f"{cls.__name__}: the benchmark tests failed: {result}")
    return elapsed / expected


def _run_bare(n: int) -> float:
    gc.collect()
    start = time.perf_counter()
    for _ in range(n):
        loop = asyncio.new_event_loop()
        loop.run_until_complete(_trivial())
        loop.close()
    return (time.perf_counter() - start) / n


def _rss_kib() -> int:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    except OSError:  # not Linux: report the peak instead
        import resource

        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small counts, for CI")
    args = parser.parse_args()
    n = 200 if args.quick else 2000
    repeat = 1 if args.quick else 9

    _run_bare(50)
    _run_suite(asynctoolkit.TestCase, 50)  # warm-up: imports, watchdog thread
    # The three are measured in turns, round after round, and each keeps its
    # best round: a machine that slows down for a while slows all three.
    bare = ours = stdlib = float("inf")
    for _ in range(repeat):
        bare = min(bare, _run_bare(n))
        ours = min(ours, _run_suite(asynctoolkit.TestCase, n))
        stdlib = min(stdlib, _run_suite(unittest.IsolatedAsyncioTestCase, n))

    print(
        f"per-test time, {n} trivial async tests, best of {repeat} interleaved rounds "
        f"(Python {sys.version.split()[0]})"
    )
    print(f"  bare loop                        {bare * 1e6:8.1f} us   1.00x")
    print(f"  asynctoolkit.TestCase            {ours * 1e6:8.1f} us   {ours / bare:5.2f}x bare")
    print(f"  unittest.IsolatedAsyncioTestCase {stdlib * 1e6:8.1f} us   {stdlib / bare:5.2f}x bare")
    print(f"  asynctoolkit vs stdlib: {ours / stdlib:.3f}x (target: <= 2x bare)")

    # After a big test: one test with 10,000 tasks alive at once, then the
    # same trivial tests again, against the bare loop measured in turn.
    class Big(asynctoolkit.TestCase):
        async def test_big(self) -> None:
            await asyncio.gather(*(asyncio.sleep(0) for _ in range(10_000)))

    _run_class(Big)
    bare_after = ours_after = float("inf")
    for _ in range(repeat):
        bare_after = min(bare_after, _run_bare(n))
        ours_after = min(ours_after, _run_suite(asynctoolkit.TestCase, n))
    print(
        f"after a test with 10,000 tasks: asynctoolkit.TestCase {ours_after * 1e6:.1f} us, "
        f"{ours_after / bare_after:.2f}x bare (before it: {ours / bare:.2f}x)"
    )

    # Flatness: the same 1,000 tests run once, then ten more times; the
    # classes and their methods exist before the first measure, so what RSS
    # shows after is what the runs themselves leave behind.
    size, rounds = (100, 10) if args.quick else (1000, 10)
    cls = _make_class(asynctoolkit.TestCase, size)
    _run_class(cls)
    gc.collect()
    before = _rss_kib()
    first = _run_class(cls)
    gc.collect()
    after_first = _rss_kib()
    later = sum(_run_class(cls) for _ in range(rounds)) / rounds
    gc.collect()
    after_all = _rss_kib()
    print(
        f"flatness: {size} tests {first * 1e6:.1f} us/test, {size * rounds} more "
        f"{later * 1e6:.1f} us/test (ratio {later / first:.2f})"
    )
    print(
        f"  RSS: {before} KiB before, {after_first} KiB after {size} tests, "
        f"{after_all} KiB after {size * rounds} more ({after_all - after_first:+d} KiB)"
    )


if __name__ == "__main__":
    main()
