"""The pytest plugin against pytest-asyncio, as whole pytest runs, in interleaved rounds.

(a) Async cost per trivial test: pytest runs N trivial ``async def`` tests,
    and N trivial plain tests; the cost of one async test is the difference
    in CPU time divided by N.  asynctoolkit's plugin (default checks on) is
    compared with pytest-asyncio running the same tests on a function-scoped
    loop.  Goal: at most 0.5x.
(b) Start-up: pytest with one trivial async test, the plugin loaded, against
    pytest-asyncio with the same test.  Goal: at most 1.0x.

Each figure is CPU time (user + system), so the other core's load counts
less than in wall time: for (a), of the tests' run alone, measured inside the
pytest process from the end of collection to the end of the session; for
(b), of the whole pytest process, read from ``getrusage(RUSAGE_CHILDREN)``.
Rounds alternate the two plugins; the median of the rounds is printed with
its range, and the load average beside it.
``--quick`` for a smoke run.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

_INI = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
# Times the run of the tests alone (from the end of collection to the end of
# the session) in the pytest process, so start-up does not blur per-test costs.
_CONFTEST = """
import os, time

_start = []

def pytest_collection_finish(session):
    _start.append(time.process_time())

def pytest_sessionfinish(session):
    with open(os.environ["BENCH_PYTEST_OUT"], "w") as f:
        f.write(repr(time.process_time() - _start[0]))
"""
_OURS = ("-p", "no:asyncio")
_THEIRS = ("-p", "no:asynctoolkit")
# looptime's pytest plugins (installed for bench_virtual_time.py) are left out.
_NO_LOOPTIME = tuple(f"-pno:looptime_{name}" for name in ("plugin", "chronometers", "timeproxies"))
_COMMON = ("-q", "-p", "no:randomly", "-p", "no:cacheprovider", "-p", "no:xdist", *_NO_LOOPTIME)


def _write(directory: str, name: str, n: int, kind: str) -> str:
    lines = ["import pytest", ""]
    for i in range(n):
        if kind == "sync":
            lines += [f"def test_{i}():", "    pass", ""]
        elif kind == "ours":
            lines += ["@pytest.mark.asynctoolkit", f"async def test_{i}():", "    pass", ""]
        else:
            lines += ["@pytest.mark.asyncio", f"async def test_{i}():", "    pass", ""]
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write("\n".join(lines))
    return name


def _cpu_of(
    directory: str, plugin: tuple[str, ...], test_file: str, tests_only: bool = False
) -> float:
    """CPU seconds of one pytest process running ``test_file`` (or of its tests alone)."""
    out = os.path.join(directory, "bench.out")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", *_COMMON, *plugin, test_file],
        cwd=directory,
        env=_env(directory, out),
        capture_output=True,
        text=True,
        timeout=600,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"pytest failed on {test_file}:\n{done.stdout}\n{done.stderr}")
    if tests_only:
        with open(out) as f:
            return float(f.read())
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _env(directory: str, out: str) -> dict[str, str]:
    """The pytest process's environment: compiled files kept, as in any installed package.

    With ``PYTHONDONTWRITEBYTECODE`` set (as on some machines), every run
    would compile the sources of an editable install again while the peer's,
    installed, are compiled once: the cache goes to a folder of the bench.
    """
    env = {**os.environ, "PYTHONPATH": ROOT, "BENCH_PYTEST_OUT": out}
    env["PYTHONPYCACHEPREFIX"] = os.path.join(directory, "pycache")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _summary(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} ({min(values):.3f}-{max(values):.3f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    args = parser.parse_args()
    if importlib.util.find_spec("pytest_asyncio") is None:
        raise SystemExit("bench_pytest needs pytest-asyncio installed (the peer)")
    # Quick: enough tests that a process's start-up noise (tens of ms of CPU)
    # does not swamp the per-test difference (200 gave rounds from 0.2 to 2x).
    n = 600 if args.quick else 2000
    rounds = 3 if args.quick else 7
    with tempfile.TemporaryDirectory() as directory:
        with open(os.path.join(directory, "pytest.ini"), "w") as f:
            f.write(_INI)
        with open(os.path.join(directory, "conftest.py"), "w") as f:
            f.write(_CONFTEST)
        sync = _write(directory, "test_sync.py", n, "sync")
        ours = _write(directory, "test_ours.py", n, "ours")
        theirs = _write(directory, "test_theirs.py", n, "theirs")
        ours_one = _write(directory, "test_ours_one.py", 1, "ours")
        theirs_one = _write(directory, "test_theirs_one.py", 1, "theirs")
        for plugin, test_file in ((_OURS, ours_one), (_THEIRS, theirs_one)):
            _cpu_of(directory, plugin, test_file)  # compiles and caches, not counted
        per_test: dict[str, list[float]] = {"ours": [], "theirs": [], "ratio": []}
        startup: dict[str, list[float]] = {"ours": [], "theirs": [], "ratio": []}
        loads = []
        for _ in range(rounds):
            loads.append(_load())
            base_ours = _cpu_of(directory, _OURS, sync, tests_only=True)
            cost_ours = (_cpu_of(directory, _OURS, ours, tests_only=True) - base_ours) / n
            base_theirs = _cpu_of(directory, _THEIRS, sync, tests_only=True)
            cost_theirs = (_cpu_of(directory, _THEIRS, theirs, tests_only=True) - base_theirs) / n
            per_test["ours"].append(cost_ours * 1e6)
            per_test["theirs"].append(cost_theirs * 1e6)
            per_test["ratio"].append(cost_ours / cost_theirs)
            start_ours = _cpu_of(directory, _OURS, ours_one)
            start_theirs = _cpu_of(directory, _THEIRS, theirs_one)
            startup["ours"].append(start_ours)
            startup["theirs"].append(start_theirs)
            startup["ratio"].append(start_ours / start_theirs)
    print(f"Python {sys.version.split()[0]}, {rounds} interleaved rounds, load average {loads}")
    print(f"(a) async cost per trivial test above a sync test, {n} tests, CPU microseconds:")
    print(f"    asynctoolkit (checks on)          {_summary(per_test['ours'])}")
    print(f"    pytest-asyncio (function loop)    {_summary(per_test['theirs'])}")
    print(f"    ratio (goal <= 0.5x)              {_summary(per_test['ratio'])}")
    print("(b) start-up, one trivial async test, CPU seconds of the pytest process:")
    print(f"    asynctoolkit                      {_summary(startup['ours'])}")
    print(f"    pytest-asyncio                    {_summary(startup['theirs'])}")
    print(f"    ratio (goal <= 1.0x)              {_summary(startup['ratio'])}")


if __name__ == "__main__":
    main()
