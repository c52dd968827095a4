"""Cost of the selector mocks, against the standard library, measured in one run.

Prints microseconds per operation and the ratio to its stdlib baseline:

- loop iteration (``await asyncio.sleep(0)``): a loop on ``TestSelector``
  wrapping the default selector, against a loop on the default selector
  (the pass-through path every ``asynctoolkit.TestCase`` pays);
- ``add_reader`` + ``remove_reader`` of a real socket, same two loops;
- ``add_reader`` + ``remove_reader`` of a ``SocketMock`` (TestSelector),
  against a real socket on the default selector;
- a readiness round trip: ``set_read_ready(mock)`` and the loop running the
  reader, against a byte sent over a real socket pair and the loop reading it;
- creating a ``SocketMock``, against ``unittest.mock.NonCallableMagicMock(spec=socket.socket)``.

Target: the pass-through iteration within 1.1x of the stdlib.  ``--quick``
for a short smoke run (CI).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import selectors
import socket
import sys
import time
from collections.abc import Callable
from typing import Any
from unittest import mock

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from asynctoolkit.selector import SocketMock, TestSelector, set_read_ready


def _plain_loop() -> asyncio.AbstractEventLoop:
    return asyncio.SelectorEventLoop(selectors.DefaultSelector())


def _test_loop() -> asyncio.AbstractEventLoop:
    return asyncio.SelectorEventLoop(TestSelector(selectors.DefaultSelector()))


def _per_op(func: Callable[[int], float], n: int, repeat: int) -> float:
    """Best of ``repeat`` runs of ``func(n)`` (which returns seconds), in microseconds per op."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        best = min(best, func(n))
    return best / n * 1e6


def _iterations(make_loop: Callable[[], asyncio.AbstractEventLoop]) -> Callable[[int], float]:
    def run(n: int) -> float:
        loop = make_loop()

        async def spin() -> float:
            start = time.perf_counter()
            for _ in range(n):
                await asyncio.sleep(0)
            return time.perf_counter() - start

        try:
            return loop.run_until_complete(spin())
        finally:
            loop.close()

    return run


def _add_remove(
    make_loop: Callable[[], asyncio.AbstractEventLoop], use_mock: bool
) -> Callable[[int], float]:
    def run(n: int) -> float:
        loop = make_loop()
        a, b = socket.socketpair()
        target: Any = SocketMock() if use_mock else a
        try:
            start = time.perf_counter()
            for _ in range(n):
                loop.add_reader(target, _noop)
                loop.remove_reader(target)
            return time.perf_counter() - start
        finally:
            loop.close()
            a.close()
            b.close()

    return run


def _noop() -> None:
    pass


def _mock_round_trip(n: int) -> float:
    loop = _test_loop()
    sock = SocketMock()
    sock.recv.return_value = b"x"

    async def trips() -> float:
        done = 0
        waiter = loop.create_future()

        def on_readable() -> None:
            nonlocal done, waiter
            sock.recv(1)
            done += 1
            waiter.set_result(None)

        loop.add_reader(sock, on_readable)
        start = time.perf_counter()
        for _ in range(n):
            waiter = loop.create_future()
            set_read_ready(sock, loop)
            await waiter
        elapsed = time.perf_counter() - start
        loop.remove_reader(sock)
        assert done == n
        return elapsed

    try:
        return loop.run_until_complete(trips())
    finally:
        loop.close()


def _real_round_trip(n: int) -> float:
    loop = _plain_loop()
    a, b = socket.socketpair()
    a.setblocking(False)

    async def trips() -> float:
        waiter = loop.create_future()

        def on_readable() -> None:
            a.recv(1)
            waiter.set_result(None)

        loop.add_reader(a, on_readable)
        start = time.perf_counter()
        for _ in range(n):
            waiter = loop.create_future()
            b.send(b"x")
            await waiter
        elapsed = time.perf_counter() - start
        loop.remove_reader(a)
        return elapsed

    try:
        return loop.run_until_complete(trips())
    finally:
        loop.close()
        a.close()
        b.close()


def _create(factory: Callable[[], object]) -> Callable[[int], float]:
    def run(n: int) -> float:
        start = time.perf_counter()
        for _ in range(n):
            factory()
        return time.perf_counter() - start

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small counts, for CI")
    args = parser.parse_args()
    n, repeat = (2_000, 2) if args.quick else (50_000, 5)
    small = max(n // 20, 100)
    rows = [
        (
            "loop iteration (pass-through)",
            _per_op(_iterations(_test_loop), n, repeat),
            _per_op(_iterations(_plain_loop), n, repeat),
        ),
        (
            "add+remove_reader, real socket",
            _per_op(_add_remove(_test_loop, False), n, repeat),
            _per_op(_add_remove(_plain_loop, False), n, repeat),
        ),
        (
            "add+remove_reader, SocketMock",
            _per_op(_add_remove(_test_loop, True), n, repeat),
            _per_op(_add_remove(_plain_loop, False), n, repeat),
        ),
        (
            "readiness round trip",
            _per_op(_mock_round_trip, n, repeat),
            _per_op(_real_round_trip, n, repeat),
        ),
        (
            "create SocketMock",
            _per_op(_create(SocketMock), small, repeat),
            _per_op(_create(lambda: mock.NonCallableMagicMock(spec=socket.socket)), small, repeat),
        ),
    ]
    print(f"Python {sys.version.split()[0]}, n={n}, best of {repeat}")
    print(f"{'operation':34} {'asynctoolkit':>14} {'stdlib':>12} {'ratio':>7}")
    for name, ours, baseline in rows:
        print(f"{name:34} {ours:11.3f} us {baseline:9.3f} us {ours / baseline:6.2f}x")


if __name__ == "__main__":
    main()
