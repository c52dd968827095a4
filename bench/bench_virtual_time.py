"""Virtual time against its peers (async-solipsism, looptime, trio), in one run.

Two workloads, each run to the end on virtual time that jumps by itself:

- the day: one task awaiting ``asyncio.sleep(1)`` 86,400 times in a row;
- the crowd: 10,000 tasks, each sleeping a random time in [0, 3600) s
  (the same times for every runner), awaited one after the other.

Our three paths, each against async-solipsism's ``EventLoop`` (goal: at most
0.8x its time):

- ``loop``: ``ClockedEventLoop(autojump=True).run_until_complete``;
- ``case``: a ``ClockedTestCase`` with ``autojump = True`` and the default
  checks, one test, run by ``unittest`` (the whole test: loop, checks, close);
  printed again with ``unawaited_coroutines`` off (no goal): that check turns
  on coroutine origin tracking, two more objects for the garbage collector
  per coroutine, which in the crowd brings a full collection;
- ``plugin``: an ``async def`` test marked
  ``@pytest.mark.asynctoolkit(clock="autojump")`` with the default checks,
  in a pytest child process, against the same test body run by
  pytest-asyncio on async-solipsism's loop (given by pytest-asyncio's
  ``pytest_asyncio_loop_factories`` hook) in another child.  Each child times every
  test's whole run protocol (setup, call, teardown) from a hook wrapper, so
  pytest's start-up is left out and the per-test work of each plugin is in.

And the bare loop against looptime (``looptime.new_event_loop()``, its
defaults) and trio (``trio.run`` with ``MockClock(autojump_threshold=0)``):
goal, stay ahead (below 1x).

Rounds are interleaved (each round runs every variant once, so a slow moment
of the machine hits all alike); each figure is the best of the rounds, each
ratio is printed as best/best and as the range of the per-round ratios.
Each path first runs a small untimed warm-up (in each pytest child too): the
first test of a process imports the test machinery, a start-up cost that
``bench_pytest.py`` and ``bench_import.py`` measure.  The load average is
printed before and after.  ``--quick`` runs one round
of a tenth of the day and of the crowd (for ``nox -s bench``).  The peers
are bench-only dependencies (the noxfile's ``bench`` session installs them);
a missing peer is skipped, saying so.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest
from collections.abc import Callable, Coroutine
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import asynctoolkit
from asynctoolkit.clock import ClockedEventLoop

try:
    import async_solipsism
except ImportError:  # pragma: no cover - a bench-only dependency
    async_solipsism = None
try:
    import looptime
except ImportError:  # pragma: no cover
    looptime = None
try:
    import trio
    import trio.testing
except ImportError:  # pragma: no cover
    trio = None

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DAY = 86_400
CROWD = 10_000


# -- the workloads (asyncio) ------------------------------------------------------
async def day(sleeps: int) -> None:
    for _ in range(sleeps):
        await asyncio.sleep(1)


async def crowd(delays: list[float]) -> None:
    loop = asyncio.get_running_loop()
    tasks = [loop.create_task(asyncio.sleep(delay)) for delay in delays]
    for task in tasks:
        await task


def delays_for(count: int) -> list[float]:
    rng = random.Random(17)
    return [rng.uniform(0, 3600) for _ in range(count)]


Work = Callable[[], Coroutine[Any, Any, None]]


# -- the runners -------------------------------------------------------------------
# Each runner returns a run's real seconds and how many full collections
# (generation 2) the garbage collector ran during it: one costs tens of
# milliseconds in a crowd, so whether a run meets one decides much of its
# time.  Each run starts from a full collection of its own, outside the
# timing, with the collector's counts at 0.
Timed = tuple[float, int]


def _full_collections() -> int:
    return int(gc.get_stats()[2]["collections"])


def _timed_start() -> Timed:
    gc.collect()
    return time.perf_counter(), _full_collections()


def _timed_end(start: Timed) -> Timed:
    elapsed = time.perf_counter() - start[0]
    return elapsed, _full_collections() - start[1]


def on_loop(make_loop: Callable[[], asyncio.AbstractEventLoop], work: Work) -> Timed:
    loop = make_loop()
    try:
        start = _timed_start()
        loop.run_until_complete(work())
        return _timed_end(start)
    finally:
        loop.close()


def clocked() -> asyncio.AbstractEventLoop:
    return ClockedEventLoop(autojump=True)


def in_case(work: Work, unawaited: bool = True) -> Timed:
    """One ClockedTestCase test (autojump, default checks) running ``work``, whole.

    ``unawaited=False`` turns ``unawaited_coroutines`` off: the line that
    shows what that check costs (each coroutine records where it was made).
    Otherwise the test carries no ``fail_on``: the default checks' own path.
    """

    class VirtualTime(asynctoolkit.ClockedTestCase):
        autojump = True

        async def test_work(self) -> None:
            await work()

        if not unawaited:
            test_work = asynctoolkit.fail_on(unawaited_coroutines=False)(test_work)

    result = unittest.TestResult()
    test = VirtualTime("test_work")
    start = _timed_start()
    test.run(result)
    timed = _timed_end(start)
    if not result.wasSuccessful():
        raise SystemExit(f"the ClockedTestCase run failed: {result.errors + result.failures}")
    return timed


def on_trio(what: str, sleeps: int, delays: list[float]) -> Timed:
    async def trio_day() -> None:
        for _ in range(sleeps):
            await trio.sleep(1)

    async def trio_crowd() -> None:
        async with trio.open_nursery() as nursery:
            for delay in delays:
                nursery.start_soon(trio.sleep, delay)

    start = _timed_start()
    trio.run(
        trio_day if what == "day" else trio_crowd,
        clock=trio.testing.MockClock(autojump_threshold=0),
    )
    return _timed_end(start)


# -- the pytest children --------------------------------------------------------------
_TIMING_PLUGIN = """
import gc, json, os, time
import pytest

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    gc.collect()  # as the in-process paths do: no earlier test's garbage, the same counts
    full = gc.get_stats()[2]["collections"]
    start = time.perf_counter()
    yield
    elapsed = time.perf_counter() - start
    full = gc.get_stats()[2]["collections"] - full
    with open(os.environ["BENCH_TIMES"], "a") as out:
        out.write(json.dumps([item.originalname, elapsed, full]) + "\\n")
"""

_WORK = """
import asyncio, random
SLEEPS, COUNT = {sleeps}, {count}

async def day():
    for _ in range(SLEEPS):
        await asyncio.sleep(1)

_rng = random.Random(17)
DELAYS = [_rng.uniform(0, 3600) for _ in range(COUNT)]

async def crowd(delays=DELAYS):
    loop = asyncio.get_running_loop()
    tasks = [loop.create_task(asyncio.sleep(delay)) for delay in delays]
    for task in tasks:
        await task

async def warm_up():
    for _ in range(10):
        await asyncio.sleep(1)
    await crowd(DELAYS[:10])
"""

# Each child first runs a small warm-up test (not reported): the first test of
# a process imports what its plugin's tests need, a start-up cost that
# bench_pytest.py measures on its own.
_OURS = """
import pytest
from _bench_work import crowd, day, warm_up

@pytest.mark.asynctoolkit(clock="autojump")
async def test_0_warm_up():
    await warm_up()

@pytest.mark.asynctoolkit(clock="autojump")
async def test_day():
    await day()

@pytest.mark.asynctoolkit(clock="autojump")
async def test_crowd():
    await crowd()
"""

# async-solipsism's loop for pytest-asyncio's tests, through its loop factory hook.
_SOLIPSISM_PLUGIN = """
import async_solipsism

def pytest_asyncio_loop_factories(config, item):
    return {"solipsism": async_solipsism.EventLoop}
"""

_SOLIPSISM = """
import pytest
from _bench_work import crowd, day, warm_up

@pytest.mark.asyncio
async def test_0_warm_up():
    await warm_up()

@pytest.mark.asyncio
async def test_day():
    await day()

@pytest.mark.asyncio
async def test_crowd():
    await crowd()
"""


# looptime's pytest plugins (entry points) are left out of both children.
_NO_LOOPTIME = [f"-pno:looptime_{name}" for name in ("plugin", "chronometers", "timeproxies")]


class PytestChildren:
    """Writes the two test files once; ``run(side)`` times one child's tests."""

    def __init__(self, folder: str, sleeps: int, count: int) -> None:
        self.folder = folder
        files = {
            "_bench_timing.py": _TIMING_PLUGIN,
            "_bench_work.py": _WORK.format(sleeps=sleeps, count=count),
            "test_ours.py": _OURS,
            "test_solipsism.py": _SOLIPSISM,
            "_bench_solipsism.py": _SOLIPSISM_PLUGIN,
        }
        for name, text in files.items():
            with open(os.path.join(folder, name), "w") as file:
                file.write(textwrap.dedent(text))

    def run(self, side: str) -> dict[str, Timed]:
        """Each test's real seconds, and the full collections it met."""
        times = os.path.join(self.folder, f"times-{side}.jsonl")
        if os.path.exists(times):
            os.remove(times)
        if side == "ours":
            plugins = ["-p", "no:asyncio"]
        else:
            plugins = ["-p", "no:asynctoolkit", "-p", "_bench_solipsism"]
            plugins += ["-o", "asyncio_default_fixture_loop_scope=function"]
        command = [
            sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
            *_NO_LOOPTIME, *plugins, "-p", "_bench_timing", f"test_{side}.py",
        ]  # fmt: skip
        env = {
            **os.environ,
            "BENCH_TIMES": times,
            "PYTHONPATH": os.pathsep.join([self.folder, _ROOT, os.environ.get("PYTHONPATH", "")]),
            # Bytecode cached between children even where writing it is off by default.
            "PYTHONPYCACHEPREFIX": os.path.join(self.folder, "pycache"),
        }
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        done = subprocess.run(
            command, cwd=self.folder, env=env, capture_output=True, text=True, timeout=600
        )
        if done.returncode != 0:
            raise SystemExit(f"the pytest child ({side}) failed:\n{done.stdout}\n{done.stderr}")
        with open(times) as file:
            return {name: (elapsed, full) for name, elapsed, full in map(json.loads, file)}


def pytest_asyncio_present() -> bool:
    try:
        import pytest_asyncio  # noqa: F401
    except ImportError:
        return False
    return True


# -- reporting -----------------------------------------------------------------------
def load() -> str:
    try:
        with open("/proc/loadavg") as file:
            return " ".join(file.read().split()[:3])
    except OSError:  # pragma: no cover - not Linux
        return "unknown"


def ratio_line(label: str, ours: list[float], theirs: list[float], goal: str) -> str:
    pairs = [a / b for a, b in zip(ours, theirs, strict=True)]
    best = min(ours) / min(theirs)
    spread = f"{min(pairs):.2f}-{max(pairs):.2f}" if len(pairs) > 1 else f"{pairs[0]:.2f}"
    return f"    {label:<44} {best:5.2f}x  (rounds {spread}; goal {goal})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the work, one round")
    parser.add_argument("--rounds", type=int, default=None, help="interleaved rounds (5)")
    parser.add_argument(
        "--no-pytest", action="store_true", help="skip the pytest children (plugin path)"
    )
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    sleeps, count = DAY // scale, CROWD // scale
    rounds = args.rounds or (1 if args.quick else 5)
    delays = delays_for(count)
    works: dict[str, Work] = {"day": lambda: day(sleeps), "crowd": lambda: crowd(delays)}

    print(f"load average before: {load()}")
    missing = [
        name
        for name, module in (("async-solipsism", async_solipsism), ("looptime", looptime))
        if module is None
    ] + ([] if trio is not None else ["trio"])
    if async_solipsism is None:
        raise SystemExit("async-solipsism is not installed: `nox -s bench` installs it")
    if missing:
        print(f"skipped, not installed: {', '.join(missing)}")
    children = None
    folder = tempfile.TemporaryDirectory(prefix="bench_virtual_time_")
    if not args.no_pytest and pytest_asyncio_present():
        children = PytestChildren(folder.name, sleeps, count)
    elif not args.no_pytest:
        print("skipped the pytest children: pytest-asyncio is not installed")

    times: dict[tuple[str, str], list[float]] = {}
    fulls: dict[tuple[str, str], list[int]] = {}

    def record(what: str, who: str, timed: Timed) -> None:
        times.setdefault((what, who), []).append(timed[0])
        fulls.setdefault((what, who), []).append(timed[1])

    # One small run of each path first, not timed: the first ClockedTestCase
    # test of a process imports the test machinery (a start-up cost, which
    # bench_pytest.py and bench_import.py measure).
    warm_ups: list[Work] = [lambda: day(10), lambda: crowd(delays[:10])]
    for warm_up in warm_ups:
        on_loop(clocked, warm_up)
        on_loop(async_solipsism.EventLoop, warm_up)
        in_case(warm_up)
        in_case(warm_up, unawaited=False)

    for round_ in range(rounds):
        for what, work in works.items():
            record(what, "loop", on_loop(clocked, work))
            record(what, "solipsism", on_loop(async_solipsism.EventLoop, work))
            record(what, "case", in_case(work))
            record(what, "case-no-unawaited", in_case(work, unawaited=False))
            if trio is not None:
                record(what, "trio", on_trio(what, sleeps, delays))
            # looptime needs a minute for a full day: two rounds are enough to rank it.
            if looptime is not None and (round_ < 2 or args.quick):
                record(what, "looptime", on_loop(looptime.new_event_loop, work))
        if children is not None:
            ours, theirs = children.run("ours"), children.run("solipsism")
            for what in works:
                record(what, "plugin", ours[f"test_{what}"])
                record(what, "solipsism-pytest", theirs[f"test_{what}"])
    folder.cleanup()

    label = {"day": f"day: {sleeps:,} x sleep(1)", "crowd": f"crowd: {count:,} tasks"}
    print(f"best of {rounds} interleaved round(s), real milliseconds:")
    for what in works:
        cells = ", ".join(f"{who} {min(seconds) * 1e3:.0f}" for (w, who), seconds in times.items()
                          if w == what)  # fmt: skip
        print(f"  {label[what]}: {cells}")
    print("ratios (ours / peer; below 1 is faster):")
    for what in works:
        print(f"  {label[what]}")
        solipsism = times[what, "solipsism"]
        print(ratio_line("ClockedEventLoop / async-solipsism", times[what, "loop"], solipsism,
                         "<= 0.8x"))  # fmt: skip
        print(ratio_line("ClockedTestCase / async-solipsism", times[what, "case"], solipsism,
                         "<= 0.8x"))  # fmt: skip
        print(ratio_line("  the same, unawaited_coroutines off", times[what, "case-no-unawaited"],
                         solipsism, "none: what the check costs"))  # fmt: skip
        if (what, "plugin") in times:
            under = times[what, "solipsism-pytest"]
            print(ratio_line("pytest plugin / async-solipsism under pytest",
                             times[what, "plugin"], under, "<= 0.8x"))  # fmt: skip
        for peer, name in (("looptime", "looptime"), ("trio", "trio MockClock(autojump)")):
            if (what, peer) in times:
                n = len(times[what, peer])
                print(ratio_line(f"ClockedEventLoop / {name}", times[what, "loop"][:n],
                                 times[what, peer], "< 1x"))  # fmt: skip
    print("full collections (generation 2) met by a run, fewest-most over the rounds:")
    for what in works:
        cells = ", ".join(f"{who} {min(n)}" + (f"-{max(n)}" if max(n) > min(n) else "")
                          for (w, who), n in fulls.items() if w == what)  # fmt: skip
        print(f"  {label[what]}: {cells}")
    print(f"load average after: {load()}")


if __name__ == "__main__":
    main()
