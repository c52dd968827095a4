"""Benchmark: the import cost of asynctoolkit, against the standard library it builds on.

Each round starts two fresh interpreters, in alternating order, and each one
times a single statement (the interpreter's own start-up is not counted):

* baseline: ``import asyncio, unittest, unittest.mock``;
* asynctoolkit: ``from asynctoolkit import TestCase, CoroutineMock``
  (which imports those three as well).

It prints the median and the range of each, and of their difference per round
(target: at most 5 ms more than the baseline), with the load average beside.
``--quick`` for a short smoke run; a full run exits non-zero when the median
difference misses the target.  To see which modules cost what, run
``python -X importtime -c "from asynctoolkit import TestCase, CoroutineMock"``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 5.0

BASELINE = "import asyncio, unittest, unittest.mock"
OURS = "from asynctoolkit import TestCase, CoroutineMock"

# Times the statement inside the fresh interpreter: start-up is left out.
_TIMED = (
    "import time\n_start = time.perf_counter()\n{statement}\nprint(time.perf_counter() - _start)\n"
)


def _time_import(statement: str, cache: str) -> float:
    """Milliseconds ``statement`` takes in a fresh interpreter, compiled files in ``cache``."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONPYCACHEPREFIX=cache)
    # Compiled files are written (as an installation has them), but in ``cache``:
    # the source tree stays clean and both statements start from the same state.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    done = subprocess.run(
        [sys.executable, "-c", _TIMED.format(statement=statement)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return float(done.stdout.strip()) * 1000


def _load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def _summary(values: list[float]) -> str:
    median = statistics.median(values)
    return f"median {median:6.2f} ms  range {min(values):6.2f} .. {max(values):6.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short smoke run (for CI)")
    args = parser.parse_args()
    rounds = 6 if args.quick else 40

    cache = tempfile.mkdtemp(prefix="bench-import-")
    try:
        return _measure(rounds, quick=args.quick, cache=cache)
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def _measure(rounds: int, *, quick: bool, cache: str) -> int:
    # Once each first, so that both then start from compiled files (.pyc).
    _time_import(BASELINE, cache)
    _time_import(OURS, cache)
    load_before = _load()
    baseline: list[float] = []
    ours: list[float] = []
    for index in range(rounds):
        pair = [(BASELINE, baseline), (OURS, ours)]
        for statement, times in pair if index % 2 else reversed(pair):
            times.append(_time_import(statement, cache))
    differences = [mine - theirs for mine, theirs in zip(ours, baseline, strict=True)]

    print(f"import cost, {rounds} rounds of fresh interpreters (interleaved):")
    print(f"  {BASELINE:<50} {_summary(baseline)}")
    print(f"  {OURS:<50} {_summary(ours)}")
    median = statistics.median(differences)
    verdict = "ok" if median <= TARGET_MS else "MISSED"
    target = f"(target <= {TARGET_MS} ms) {verdict}"
    print(f"  {'difference per round':<50} {_summary(differences)}  {target}")
    print(f"Python {sys.version.split()[0]}, load average {load_before} before, {_load()} after")
    return 0 if quick or median <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
