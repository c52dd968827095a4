"""Benchmark: asynctoolkit's mocks and patches against unittest.mock, in the same run.

Each measurement runs ours and the standard library's in turns (the order
alternating), round after round, and prints the median ratio per round with
its range, so a machine that slows down for a while slows both:

* ``with patch.object(T, "attr", value): pass`` (making the patch, entering and
  leaving it), against ``unittest.mock.patch.object`` (target: at most 1.0x);
* one call of an ``async def`` decorated with ``@patch.object(T, "attr",
  value)``, awaited (target: at most 1.0x);
* ``await mock(1)`` on an existing ``CoroutineMock``, against ``AsyncMock``
  (target: at most 0.7x);
* a ``CoroutineMock`` made, awaited and checked with
  ``assert_awaited_once_with(1)``, against ``AsyncMock`` (target: at most 0.25x).

Run ``python bench/bench_mock.py`` (``--quick`` for a short smoke run).  The
load average is printed beside the figures.  A full run exits non-zero when a
median ratio misses its target; a quick run (CI, on shared machines) only
reports it.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import time
import unittest.mock
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from asynctoolkit.mock import CoroutineMock, patch

# One measure: given the implementation (ours or the standard library's) and
# a count, the seconds per operation.
Measure = Callable[[Any, int], Coroutine[Any, Any, float]]


class _Target:
    attr = 1


async def _patch_with_value(patcher: Any, n: int) -> float:
    patch_object = patcher.object
    start = time.perf_counter()
    for _ in range(n):
        with patch_object(_Target, "attr", 2):
            pass
    return (time.perf_counter() - start) / n


async def _decorated_call(patcher: Any, n: int) -> float:
    @patcher.object(_Target, "attr", 2)
    async def decorated() -> None:
        pass

    start = time.perf_counter()
    for _ in range(n):
        await decorated()
    return (time.perf_counter() - start) / n


async def _await_only(factory: Any, n: int) -> float:
    mock = factory()
    start = time.perf_counter()
    for _ in range(n):
        await mock(1)
    return (time.perf_counter() - start) / n


async def _lifecycle(factory: Any, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        mock = factory()
        await mock(1)
        mock.assert_awaited_once_with(1)
    return (time.perf_counter() - start) / n


def _load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def _compare(
    measure: Measure, ours: Any, theirs: Any, n: int, rounds: int
) -> list[tuple[float, float]]:
    """Per round, our seconds per operation and theirs, the pair measured in turns."""

    async def run() -> list[tuple[float, float]]:
        await measure(ours, max(1, n // 10))  # warm-up: first-use costs
        await measure(theirs, max(1, n // 10))
        times = []
        for index in range(rounds):
            gc.collect()
            if index % 2:
                theirs_time = await measure(theirs, n)
                ours_time = await measure(ours, n)
            else:
                ours_time = await measure(ours, n)
                theirs_time = await measure(theirs, n)
            times.append((ours_time, theirs_time))
        return times

    return asyncio.run(run())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short smoke run (for CI)")
    args = parser.parse_args()
    scale, rounds = (0.1, 3) if args.quick else (1.0, 15)

    cases: list[tuple[str, Measure, Any, Any, int, float]] = [
        (
            'with patch.object(T, "attr", value)',
            _patch_with_value,
            patch,
            unittest.mock.patch,
            20000,
            1.0,
        ),
        (
            '@patch.object(T, "attr", value) async def, awaited',
            _decorated_call,
            patch,
            unittest.mock.patch,
            10000,
            1.0,
        ),
        (
            "await mock(1), CoroutineMock vs AsyncMock",
            _await_only,
            CoroutineMock,
            unittest.mock.AsyncMock,
            20000,
            0.7,
        ),
        (
            "make, await, assert_awaited_once_with",
            _lifecycle,
            CoroutineMock,
            unittest.mock.AsyncMock,
            2000,
            0.25,
        ),
    ]
    print(f"Python {sys.version.split()[0]}, {rounds} interleaved rounds per line, load {_load()}")
    met = []
    for label, measure, ours, theirs, n, target in cases:
        times = _compare(measure, ours, theirs, max(1, int(n * scale)), rounds)
        ratios = [mine / standard for mine, standard in times]
        median = statistics.median(ratios)
        ours_us = statistics.median(t[0] for t in times) * 1e6
        theirs_us = statistics.median(t[1] for t in times) * 1e6
        verdict = "ok" if median <= target else "MISSED"
        met.append(median <= target)
        print(f"{label}:")
        print(f"  ours {ours_us:8.2f} us, standard library {theirs_us:8.2f} us (medians)")
        print(
            f"  ratio median {median:.3f}, range {min(ratios):.3f} .. {max(ratios):.3f} "
            f"(target <= {target}) {verdict}   load {_load()}"
        )
    return 0 if args.quick or all(met) else 1


if __name__ == "__main__":
    sys.exit(main())
