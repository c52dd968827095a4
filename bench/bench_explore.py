"""Cost of ``asynctoolkit.explore``, against running the same test without it, in one run.

One ``ClockedTestCase`` test (autojump) starts 50 tasks that each sleep 6
times (300 timers a run, many of them due together: each task's delay is
one of five periods).  It is run:

- explored: ``@explore`` with its defaults, one test of 100 seeded runs
  (each a whole test on a fresh loop, its lateness and tie orders drawn
  from its seed);
- plain: the same test, not explored, run 100 times.

Both are measured in turns, round after round, and each keeps its best
round.  Target: 100 explored runs in under one second.  ``--quick`` for a
smoke run (fewer rounds, for CI).
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

TASKS = 50
SLEEPS = 6
RUNS = 100


class _Work(asynctoolkit.ClockedTestCase):
    autojump = True
    #: Test bodies run so far (explored runs and plain runs alike).
    bodies = 0

    async def test_work(self) -> None:
        _Work.bodies += 1
        done: asyncio.Queue[int] = asyncio.Queue()

        async def worker(i: int) -> None:
            for step in range(SLEEPS):
                await asyncio.sleep(0.01 * (1 + (i + step) % 5))
                done.put_nowait(i)

        await asyncio.gather(*(worker(i) for i in range(TASKS)))
        self.assertEqual(done.qsize(), TASKS * SLEEPS)


@asynctoolkit.explore  # the defaults: 100 runs, jitter 10 ms
class _Explored(_Work):
    pass


def _run(tests: list[unittest.TestCase]) -> float:
    """Run ``tests`` one after the other; seconds for all."""
    result = unittest.TestResult()
    before = _Work.bodies
    gc.collect()
    start = time.perf_counter()
    for test in tests:
        test.run(result)
    elapsed = time.perf_counter() - start
    if not result.wasSuccessful() or _Work.bodies - before != RUNS:
        raise SystemExit(
            f"the benchmark test failed or ran {_Work.bodies - before} times: {result}"
        )
    return elapsed


def _explored() -> float:
    return _run([_Explored("test_work")])


def _plain() -> float:
    return _run([_Work("test_work") for _ in range(RUNS)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds, for CI")
    args = parser.parse_args()
    repeat = 2 if args.quick else 9

    _plain()  # warm-up: imports, the watchdog thread
    _explored()
    load_before = os.getloadavg()
    explored = plain = float("inf")
    for _ in range(repeat):
        explored = min(explored, _explored())
        plain = min(plain, _plain())
    load_after = os.getloadavg()

    print(
        f"{RUNS} runs of one test ({TASKS} tasks, {TASKS * SLEEPS} timers a run), "
        f"best of {repeat} interleaved rounds (Python {sys.version.split()[0]})"
    )
    rows = [(f"plain, run {RUNS} times", plain), (f"@explore ({RUNS} seeds)", explored)]
    for label, seconds in rows:
        print(
            f"  {label:<24}{seconds:7.3f} s  ({seconds / RUNS * 1e3:5.2f} ms a run)  "
            f"{seconds / plain:.2f}x plain"
        )
    verdict = "met" if explored < 1.0 else "NOT met"
    print(f"  target: {RUNS} explored runs under 1 s: {verdict}")
    print(
        "  load average (1, 5, 15 min): "
        f"before {' '.join(f'{x:.2f}' for x in load_before)}, "
        f"after {' '.join(f'{x:.2f}' for x in load_after)}"
    )


if __name__ == "__main__":
    main()
