"""Per-test overhead of asynctoolkit.TestCase, against the standard library, in one run.

Runs N trivial async tests each way, in interleaved rounds, and prints
microseconds per test and ratios.  The baseline (issue 17's goal: at most
1.5x) is a plain ``unittest.TestCase`` whose test creates a loop, runs a
trivial coroutine on it and closes it: the least a suite pays for a test
with a loop of its own.  Also shown:

- bare loop: ``new_event_loop()``, ``run_until_complete(coro)``, ``close()``,
  without unittest around it;
- ``asynctoolkit.TestCase`` with its default checks on, and with every check
  off (``@lenient``);
- ``unittest.IsolatedAsyncioTestCase``.

Then one test with 10,000 tasks alive at once runs, and the default
TestCase is measured against the baseline again: the process's set of all
tasks keeps the room it grew to, and the checks must not pay for it.

Last, the same 1,000 asynctoolkit tests run once and ten more times, to show
that the cost per test and the process's memory stay flat.

Every round measures each way once, in turn: a machine that slows down for a
while slows all of them.  Ratios are given as the ratio of the best rounds,
with the range of the rounds' own ratios; the load average (``os.getloadavg``)
is printed beside them, as a loaded machine widens the range.
``--quick`` for a smoke run (small counts, for CI).

The cost per test, counted in instructions (load-independent), comes from
running this module's tests under ``valgrind --tool=callgrind``: see
``_callgrind_help`` (``--callgrind`` prints how).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
import time
import unittest
from collections.abc import Callable

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import asynctoolkit

#: The issue's goal for TestCase with its default checks, against the baseline.
GOAL = 1.5


async def _trivial(self: object = None) -> None:
    pass


def _plain_test(self: object) -> None:
    loop = asyncio.new_event_loop()
    loop.run_until_complete(_trivial())
    loop.close()


@asynctoolkit.lenient
class _Lenient(asynctoolkit.TestCase):
    """TestCase with every check off."""


_KINDS: dict[str, tuple[type[unittest.TestCase], Callable[..., object]]] = {
    "plain": (unittest.TestCase, _plain_test),
    "default": (asynctoolkit.TestCase, _trivial),
    "lenient": (_Lenient, _trivial),
    "stdlib": (unittest.IsolatedAsyncioTestCase, _trivial),
}
_LABELS = {
    "bare": "bare loop, no unittest",
    "plain": "unittest.TestCase making a loop",
    "default": "asynctoolkit.TestCase",
    "lenient": "asynctoolkit.TestCase @lenient",
    "stdlib": "unittest.IsolatedAsyncioTestCase",
}


def _make_class(kind: str, n: int) -> type[unittest.TestCase]:
    base, test = _KINDS[kind]
    namespace = {f"test_{i:05d}": test for i in range(n)}
    return type(f"Bench_{kind}", (base,), namespace)


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


def _measure(kind: str, n: int) -> float:
    return _run_bare(n) if kind == "bare" else _run_class(_make_class(kind, n))


def _rounds(kinds: list[str], n: int, repeat: int) -> dict[str, list[float]]:
    """Each kind measured once per round, in turn; seconds per test of every round."""
    times: dict[str, list[float]] = {kind: [] for kind in kinds}
    for _ in range(repeat):
        for kind in kinds:
            times[kind].append(_measure(kind, n))
    return times


def _ratio(times: dict[str, list[float]], kind: str, base: str) -> str:
    """'best/best (range of the rounds' own ratios)'."""
    ours, theirs = times[kind], times[base]
    per_round = sorted(a / b for a, b in zip(ours, theirs, strict=True))
    best = min(ours) / min(theirs)
    if len(per_round) == 1:
        return f"{best:5.2f}x"
    return f"{best:5.2f}x (rounds {per_round[0]:.2f}-{per_round[-1]:.2f})"


def _load() -> str:
    try:
        one, five, _ = os.getloadavg()
    except OSError:  # not available on this platform
        return "load average unknown"
    return f"load average {one:.2f} (5 min {five:.2f}), {os.cpu_count()} cores"


def _big_test() -> None:
    """One test with 10,000 tasks alive at once."""

    class Big(asynctoolkit.TestCase):
        async def test_big(self) -> None:
            await asyncio.gather(*(asyncio.sleep(0) for _ in range(10_000)))

    _run_class(Big)


def _rss_kib() -> int:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    except OSError:  # not Linux: report the peak instead
        import resource

        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _flatness(quick: bool) -> None:
    # The same tests run once, then ten more times; the classes and their
    # methods exist before the first measure, so what RSS shows after is
    # what the runs themselves leave behind.
    size, rounds = (100, 10) if quick else (1000, 10)
    cls = _make_class("default", size)
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


def _callgrind_help() -> str:
    here = os.path.abspath(__file__)
    return (
        "Instructions per test (load-independent): run N tests of one kind under\n"
        "callgrind twice, with two N, and divide the difference of the totals:\n"
        f"  PYTHONHASHSEED=0 valgrind --tool=callgrind {sys.executable} {here} "
        "--only default --count 100\n"
        "  (then --count 600; (total600 - total100) / 500 is the cost of one test;\n"
        "  kinds: " + ", ".join(["bare", *_KINDS]) + "; --after-big runs the 10,000-task\n"
        "  test first)"
    )


def _only(kind: str, count: int, after_big: bool) -> None:
    """Run ``count`` tests of one kind after a warm-up, for an instruction count."""
    if after_big:
        _big_test()
    _measure(kind, 20)
    gc.collect()
    gc.disable()  # the collector's passes depend on the count: keep them out
    _measure(kind, count)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small counts, for CI")
    parser.add_argument("--callgrind", action="store_true", help="say how to count instructions")
    parser.add_argument("--only", choices=["bare", *_KINDS], help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, default=100, help=argparse.SUPPRESS)
    parser.add_argument("--after-big", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.callgrind:
        print(_callgrind_help())
        return
    if args.only:
        _only(args.only, args.count, args.after_big)
        return
    n = 200 if args.quick else 2000
    repeat = 3 if args.quick else 9

    kinds = ["plain", "default", "lenient", "bare", "stdlib"]
    _rounds(kinds, 50, 1)  # warm-up: imports, the watchdog thread
    load = _load()
    times = _rounds(kinds, n, repeat)
    print(
        f"per-test time, {n} trivial async tests, {repeat} interleaved rounds "
        f"(Python {sys.version.split()[0]}; {load})"
    )
    for kind in kinds:
        print(
            f"  {_LABELS[kind]:34} {min(times[kind]) * 1e6:7.1f} us  {_ratio(times, kind, 'plain')}"
        )
    print(f"  goal: asynctoolkit.TestCase <= {GOAL}x {_LABELS['plain']}")

    # After a big test: one test with 10,000 tasks alive at once, then the
    # same trivial tests again, against the baseline measured in turn.
    _big_test()
    load = _load()
    after = _rounds(["plain", "default"], n, repeat)
    print(
        f"after a test with 10,000 tasks: asynctoolkit.TestCase "
        f"{min(after['default']) * 1e6:.1f} us, {_ratio(after, 'default', 'plain')} "
        f"the baseline ({load})"
    )
    _flatness(args.quick)


if __name__ == "__main__":
    main()
