"""Cost of virtual time, against the standard library, in one run.

(a) Firing N timers: ``ClockedEventLoop`` schedules N ``call_later`` with
    distinct delays, then one ``advance`` runs them all, each at its own due
    time; and again with 10 timers per due instant, as when many tasks sleep
    the same period.  Compared with a bare ``asyncio.new_event_loop()`` running N
    ``call_soon`` callbacks (the target: at most 3x), and with a bare loop
    firing N ``call_at`` timers that are all already due (asyncio's own
    timer heap, in one iteration: the floor any timer-based loop pays).
    The same inside a ``ClockedTestCase`` test, with its default checks,
    against the bare ``call_soon`` (goal: at most 2.5x).
(b) A virtual year in autojump mode: a task sleeping one day 365 times, in
    real milliseconds.

Each variant runs once, small and untimed, before the rounds: the first
``ClockedTestCase`` test of a process imports the test machinery, a
start-up cost that ``bench_import.py`` measures.  ``--quick`` for a smoke
run (smaller counts, one round, for CI).
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
from asynctoolkit.clock import ClockedEventLoop


def _noop() -> None:
    pass


def _bare_call_soon(n: int) -> float:
    loop = asyncio.new_event_loop()
    try:

        async def main() -> None:
            done = loop.create_future()
            for _ in range(n):
                loop.call_soon(_noop)
            loop.call_soon(done.set_result, None)
            await done

        gc.collect()
        start = time.perf_counter()
        loop.run_until_complete(main())
        return time.perf_counter() - start
    finally:
        loop.close()


def _bare_due_timers(n: int) -> float:
    loop = asyncio.new_event_loop()
    try:

        async def main() -> None:
            base = loop.time() - 10.0
            for i in range(n):
                loop.call_at(base + i * 1e-6, _noop)  # distinct, all due already
            await asyncio.sleep(0)
            await asyncio.sleep(0)

        gc.collect()
        start = time.perf_counter()
        loop.run_until_complete(main())
        return time.perf_counter() - start
    finally:
        loop.close()


def _clocked_advance(n: int, per_instant: int = 1) -> float:
    """``n`` call_later timers, ``per_instant`` of them due at each instant, one advance."""
    loop = ClockedEventLoop()
    fired = 0

    def count() -> None:
        nonlocal fired
        fired += 1

    try:

        async def main() -> None:
            for i in range(n):
                loop.call_later((i // per_instant + 1) * 0.001, count)
            await loop.advance((n // per_instant + 1) * 0.001)

        gc.collect()
        start = time.perf_counter()
        loop.run_until_complete(main())
        elapsed = time.perf_counter() - start
    finally:
        loop.close()
    if fired != n:
        raise SystemExit(f"advance fired {fired} of {n} timers")
    return elapsed


def _case_advance(n: int) -> float:
    """The same ``n`` timers and one advance, inside a ``ClockedTestCase`` test (default checks).

    The whole test is timed, checks included.
    """
    fired = 0

    def count() -> None:
        nonlocal fired
        fired += 1

    class Timers(asynctoolkit.ClockedTestCase):
        async def test_timers(self) -> None:
            loop = asyncio.get_running_loop()
            for i in range(n):
                loop.call_later((i + 1) * 0.001, count)
            await self.advance((n + 1) * 0.001)

    result = unittest.TestResult()
    test = Timers("test_timers")
    gc.collect()
    start = time.perf_counter()
    test.run(result)
    elapsed = time.perf_counter() - start
    if not result.wasSuccessful() or fired != n:
        raise SystemExit(f"the ClockedTestCase run failed ({fired} of {n} fired): {result}")
    return elapsed


def _virtual_year(days: int) -> float:
    loop = ClockedEventLoop(autojump=True)
    try:

        async def main() -> None:
            for _ in range(days):
                await asyncio.sleep(86400)

        gc.collect()
        start = time.perf_counter()
        loop.run_until_complete(main())
        elapsed = time.perf_counter() - start
        if loop.time() != 86400.0 * days:
            raise SystemExit(f"the clock ended at {loop.time()}, not {86400.0 * days}")
        return elapsed
    finally:
        loop.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small counts, for CI")
    args = parser.parse_args()
    n = 10_000 if args.quick else 100_000
    repeat = 1 if args.quick else 5

    # Interleaved rounds, best of each: a slow moment of the machine hits
    # every variant of a round alike instead of skewing one ratio.
    soon = due = clocked = grouped = year = float("inf")
    cases: list[float] = []
    soons: list[float] = []
    # Untimed warm-up: the first ClockedTestCase test of a process imports the
    # test machinery (a start-up cost that bench_import.py measures).
    _bare_call_soon(100)
    _clocked_advance(100)
    _case_advance(100)
    for _ in range(repeat):
        soons.append(_bare_call_soon(n))
        soon = min(soon, soons[-1])
        due = min(due, _bare_due_timers(n))
        clocked = min(clocked, _clocked_advance(n))
        cases.append(_case_advance(n))
        grouped = min(grouped, _clocked_advance(n, 10))
        year = min(year, _virtual_year(365))
    print(f"(a) {n:,} callbacks, best of {repeat} interleaved rounds:")
    print(f"    bare loop, call_soon:                  {soon * 1e9 / n:8.0f} ns/callback")
    print(f"    bare loop, call_at already due:        {due * 1e9 / n:8.0f} ns/timer")
    print(f"    ClockedEventLoop, call_later+advance:  {clocked * 1e9 / n:8.0f} ns/timer")
    print(f"      (10 timers per instant):             {grouped * 1e9 / n:8.0f} ns/timer")
    print(f"    ClockedTestCase, call_later+advance:   {min(cases) * 1e9 / n:8.0f} ns/timer")
    print(f"    ratio clocked / call_soon:   {clocked / soon:5.2f}x  (target <= 3x)")
    pairs = [case / bare for case, bare in zip(cases, soons, strict=True)]
    print(
        f"    ratio ClockedTestCase / call_soon: {min(cases) / soon:5.2f}x  "
        f"(rounds {min(pairs):.2f}-{max(pairs):.2f}; goal <= 2.5x)"
    )
    print(f"      10 timers per instant:     {grouped / soon:5.2f}x")
    print(f"    ratio clocked / due timers:  {clocked / due:5.2f}x")
    print(
        "    (timers that leave nothing ready behind run instant after instant in one "
        "loop iteration, each at its own due time)"
    )
    print(f"(b) a virtual year, 365 sleeps of one day in autojump: {year * 1e3:.1f} ms real")
    print(f"load average: {_load()}")


def _load() -> str:
    try:
        with open("/proc/loadavg") as file:
            return " ".join(file.read().split()[:3])
    except OSError:  # pragma: no cover - not Linux
        return "unknown"


if __name__ == "__main__":
    main()
