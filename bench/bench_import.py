"""Benchmark: the import cost of asynctoolkit, against the standard library it builds on.

Each round starts two fresh interpreters, in alternating order, and each one
times a single statement (the interpreter's own start-up is not counted):

* baseline: ``import asyncio, unittest, unittest.mock``;
* asynctoolkit: ``from asynctoolkit import TestCase, CoroutineMock``
  (which imports those three as well).

It prints the median and the range of each, and of their difference per round
(target: at most 5 ms more than the baseline), with the load average beside.
``--quick`` for a short smoke run; a full run exits non-zero when the median
difference misses the target.

On a busy machine the times grow with the load.  ``--instructions`` also
counts the instructions each statement runs (with valgrind's callgrind, once
each, independent of the load) and gives the difference as a share of the
baseline's.  To see which modules cost what, run
``python -X importtime -c "from asynctoolkit import TestCase, CoroutineMock"``.
"""

from __future__ import annotations

import argparse
import os
import re
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


def _environment(cache: str) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONPYCACHEPREFIX=cache)
    # Compiled files are written (as an installation has them), but in ``cache``:
    # the source tree stays clean and both statements start from the same state.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _time_import(statement: str, cache: str) -> float:
    """Milliseconds ``statement`` takes in a fresh interpreter, compiled files in ``cache``."""
    done = subprocess.run(
        [sys.executable, "-c", _TIMED.format(statement=statement)],
        env=_environment(cache),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return float(done.stdout.strip()) * 1000


def _count_instructions(statement: str, cache: str) -> int:
    """Instructions a fresh interpreter runs for ``statement`` (start-up included)."""
    with tempfile.TemporaryDirectory() as scratch:
        done = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={os.path.join(scratch, 'out')}",
                sys.executable,
                "-c",
                statement,
            ],
            env=dict(_environment(cache), PYTHONHASHSEED="0"),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
            check=True,
        )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise SystemExit(f"no instruction count in valgrind's output:\n{done.stderr}")
    return int(found.group(1))


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
    parser.add_argument(
        "--instructions", action="store_true", help="also count instructions (needs valgrind)"
    )
    args = parser.parse_args()
    rounds = 6 if args.quick else 40

    cache = tempfile.mkdtemp(prefix="bench-import-")
    try:
        met = _measure(rounds, quick=args.quick, cache=cache)
        if args.instructions:
            _report_instructions(cache)
        return met
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def _report_instructions(cache: str) -> None:
    empty = _count_instructions("pass", cache)
    baseline = _count_instructions(BASELINE, cache) - empty
    ours = _count_instructions(OURS, cache) - empty
    print("instructions (callgrind, start-up left out):")
    print(f"  {BASELINE:<50} {baseline / 1e6:8.1f} M")
    print(f"  {OURS:<50} {ours / 1e6:8.1f} M")
    share = (ours - baseline) / baseline
    print(f"  {'difference':<50} {(ours - baseline) / 1e6:8.1f} M, {share:.1%} of the baseline's")


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
    # Load slows both alike: the share of the baseline varies less than the milliseconds.
    print(f"  {'difference / baseline (medians)':<50} {median / statistics.median(baseline):.1%}")
    print(f"Python {sys.version.split()[0]}, load average {load_before} before, {_load()} after")
    return 0 if quick or median <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
