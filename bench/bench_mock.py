"""Benchmark: asynctoolkit's CoroutineMock against unittest.mock.AsyncMock.

Two measurements, each against the standard library in the same run:

* lifecycle: create a mock, ``await mock(1)``, ``assert_awaited_once_with(1)``
  (target: at most 0.25x AsyncMock's time);
* await: ``await mock(1)`` on an existing mock (target: no slower than AsyncMock).

Run ``python bench/bench_mock.py`` (``--quick`` for a short smoke run).  Prints
microseconds per operation and the ratios.  A full run exits non-zero when a
ratio misses its target; a quick run (CI, on shared machines) only reports it.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import time
import unittest.mock
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from asynctoolkit.mock import CoroutineMock

LIFECYCLE_TARGET = 0.25
AWAIT_TARGET = 1.0


async def _lifecycle(factory: Callable[[], Any], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        mock = factory()
        await mock(1)
        mock.assert_awaited_once_with(1)
    return (time.perf_counter() - start) / n


async def _await_only(factory: Callable[[], Any], n: int) -> float:
    mock = factory()
    start = time.perf_counter()
    for _ in range(n):
        await mock(1)
    return (time.perf_counter() - start) / n


def _best(
    measure: Callable[[Callable[[], Any], int], Awaitable[float]],
    factory: Callable[[], Any],
    n: int,
    rounds: int,
) -> float:
    """The best of ``rounds`` runs (the least disturbed by other processes)."""

    async def run() -> float:
        times = []
        for _ in range(rounds):
            gc.collect()
            times.append(await measure(factory, n))
        return min(times)

    return asyncio.run(run())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short smoke run (for CI)")
    args = parser.parse_args()
    n, rounds = (300, 3) if args.quick else (3000, 7)

    results = []
    for label, measure, target in (
        ("create + await + assert_awaited_once_with", _lifecycle, LIFECYCLE_TARGET),
        ("await mock(1) on an existing mock", _await_only, AWAIT_TARGET),
    ):
        ours = _best(measure, CoroutineMock, n, rounds)
        stdlib = _best(measure, unittest.mock.AsyncMock, n, rounds)
        ratio = ours / stdlib
        results.append(ratio <= target)
        print(f"{label}:")
        print(f"  CoroutineMock {ours * 1e6:8.2f} us/op")
        print(f"  AsyncMock     {stdlib * 1e6:8.2f} us/op")
        verdict = "ok" if ratio <= target else "MISSED"
        print(f"  ratio         {ratio:8.3f}  (target <= {target}) {verdict}")
    print(f"Python {sys.version.split()[0]}")
    return 0 if args.quick or all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
