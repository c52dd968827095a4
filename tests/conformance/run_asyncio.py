"""Run the interpreter's own asyncio test suite on asynctoolkit's loops.

    python tests/conformance/run_asyncio.py                 # both loops, every module
    python tests/conformance/run_asyncio.py --loop clocked --module tasks

Loops (``--loop``, default both):

``clocked``
    ``ClockedEventLoop(autojump=True, io_grace=1.0)`` (see ``IO_GRACE``;
    ``--io-grace`` changes it).  The tests that script time with
    asyncio's own ``test_utils.TestLoop`` (a generator of time steps) run on
    a clocked loop too, on virtual time (see ``_loops.py``), unless
    ``--no-virtual-test-loop`` is given.
``selector``
    asyncio's selector loop polling an ``asynctoolkit.selector.TestSelector``
    wrapped around the selector the test asked for; it also stands for
    asyncio's ``TestLoop`` where a test scripts no time with it.

Every loop a test makes through ``asyncio.new_event_loop()``, ``asyncio.run``,
``IsolatedAsyncioTestCase`` or ``asyncio.SelectorEventLoop(selector)`` is the
loop under test.  Each
module runs in a child process, each test with a real-time limit, so a hang
fails that test instead of stopping the run.  Tests listed in
``exclusions.py`` are not run; each has its reason.

Prints, per loop, ``N passed, N failed, N skipped, N excluded`` and how many
tests ran on the substitute, then exits with status 1 if any test failed (or
a module crashed), 0 otherwise.  Without the ``test.test_asyncio`` package
(some distributions strip it) it says so and exits 0.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parent
_ROOT = _HERE.parents[1]

#: The modules of ``test.test_asyncio`` run by default.
MODULES = (
    "tasks",
    "futures",
    "locks",
    "queues",
    "timeouts",
    "waitfor",
    "taskgroups",
    "events",
    "base_events",
    "streams",
    "sock_lowlevel",
    "context",
)
LOOPS = ("clocked", "selector")
#: Real seconds one test may take before it counts as hung.
TEST_LIMIT = 120.0
#: The clocked loops' ``io_grace``.  asyncio's tests answer many connections
#: from threads (the TLS servers of ``test_utils``); on a loaded machine a
#: thread may answer later than the loop's default of 20 ms, and autojump then
#: skips to the 60 s handshake timeout.  A second of grace keeps the run
#: deterministic and costs little: a jump waits only while nothing arrives.
IO_GRACE = 1.0


#: The loop kinds ``_loops`` counts that are not the loop under test.
_NOT_OURS = ("asyncio TestLoop", "scripted asyncio TestLoop")


@dataclass
class Tally:
    """What happened to the tests of one loop."""

    outcomes: Counter[str] = field(default_factory=Counter)
    #: Of the tests run: on the loop under test ("ours"; "virtual" of them in
    #: place of a TestLoop that scripts time), on a scripted asyncio TestLoop,
    #: on an unscripted asyncio TestLoop only, on no loop of their own.
    ran: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    #: Reason -> the tests excluded for it.
    excluded: dict[str, list[str]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    #: (real seconds, id) of each test run.
    durations: list[tuple[float, str]] = field(default_factory=list)

    def add(self, record: dict[str, Any]) -> None:
        outcome = str(record["outcome"])
        self.outcomes[outcome] += 1
        if "seconds" in record and outcome in ("passed", "failed"):
            self.durations.append((float(record["seconds"]), str(record["id"])))
        if outcome == "excluded":
            self.excluded.setdefault(str(record["detail"]), []).append(str(record["id"]))
        if outcome not in ("passed", "failed"):
            return
        kinds = set(record.get("ran_on") or ())
        if "scripted asyncio TestLoop" in kinds:
            self.ran["scripted"] += 1  # its scripted part ran on asyncio's loop
        elif kinds - set(_NOT_OURS):
            self.ran["ours"] += 1
            if any(kind.endswith("for a scripted TestLoop") for kind in kinds):
                self.ran["virtual"] += 1
        elif kinds:
            self.ran["asyncio"] += 1
        else:
            self.ran["none"] += 1
        if outcome == "failed":
            self.failures.append(f"{record['id']}\n{record.get('detail', '')}".rstrip())

    def summary(self, loop: str) -> str:
        counts, ran = self.outcomes, self.ran
        run = sum(ran[k] for k in ("ours", "scripted", "asyncio", "none"))
        return (
            f"{loop}: {counts['passed']} passed, {counts['failed']} failed, "
            f"{counts['skipped']} skipped, {counts['excluded']} excluded\n"
            f"  of the {run} run: {ran['ours']} on the loop under test (of which "
            f"{ran['virtual']} script time with TestLoop and ran on virtual time instead), "
            f"{ran['scripted']} script time on asyncio's TestLoop, {ran['asyncio']} on "
            f"asyncio's TestLoop only, {ran['none']} made no loop"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--loop", choices=LOOPS, action="append", help="default: both")
    parser.add_argument("--module", action="append", help=f"default: {' '.join(MODULES)}")
    parser.add_argument(
        "--no-virtual-test-loop",
        action="store_true",
        help="clocked: leave the tests that script time on asyncio's TestLoop",
    )
    parser.add_argument("--limit", type=float, default=TEST_LIMIT, help="real seconds per test")
    parser.add_argument(
        "--io-grace",
        type=float,
        default=IO_GRACE,
        help=f"the clocked loops' io_grace (default {IO_GRACE}, see IO_GRACE)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="list every failure")
    args = parser.parse_args(argv)
    if importlib.util.find_spec("test.test_asyncio") is None:
        print("skipped: this interpreter has no test.test_asyncio package (no tests installed)")
        return 0
    loops = args.loop or list(LOOPS)
    modules = args.module or list(MODULES)
    print(f"asyncio's own tests on Python {sys.version.split()[0]}: {', '.join(modules)}")
    failed = False
    for loop in loops:
        tally = Tally()
        for module in modules:
            _run_module(loop, module, args, tally)
        print(tally.summary(loop))
        for reason, ids in tally.excluded.items():
            print(f"  excluded ({len(ids)}): {reason}")
            if args.verbose:
                print("    " + "\n    ".join(ids))
        for failure in tally.failures:
            first, _, rest = failure.partition("\n")
            print(f"  FAILED {first}")
            if args.verbose and rest:
                print("    " + rest.replace("\n", "\n    "))
        if args.verbose:
            for seconds, test_id in sorted(tally.durations, reverse=True)[:10]:
                print(f"  slow: {seconds:.2f}s {test_id}")
        for missing in tally.missing:
            print(f"  (module {missing} is not in this Python's test package)")
        failed = failed or bool(tally.outcomes["failed"])
    return 1 if failed else 0


def _run_module(loop: str, module: str, args: argparse.Namespace, tally: Tally) -> None:
    """Run one module in child processes: after a crash, a new child goes on after it."""
    done: set[str] = set()
    while True:
        records, crashed, output = _run_child(loop, module, args, done)
        started = None
        for record in records:
            if record["outcome"] == "started":
                started = record["id"]
            elif record["outcome"] == "missing":
                tally.missing.append(module)
            else:
                tally.add(record)
                done.add(str(record["id"]))
                if record["id"] == started:
                    started = None
        if not crashed:
            return
        # The child died: a test hung past its limit, or something killed the process.
        where = started or f"test_{module} (between tests)"
        detail = f"the process ended (status {crashed}) during this test:\n{output}"
        tally.add({"id": where, "outcome": "failed", "ran_on": [], "detail": detail})
        if started is None or started in done:
            return  # no test to blame: do not start over
        done.add(started)


def _run_child(
    loop: str, module: str, args: argparse.Namespace, done: set[str]
) -> tuple[list[dict[str, Any]], int, str]:
    with tempfile.TemporaryDirectory() as folder:
        results = Path(folder) / "results.jsonl"
        skip = Path(folder) / "skip.txt"
        skip.write_text("\n".join(sorted(done)))
        command = [
            sys.executable,
            str(_HERE / "_child.py"),
            loop,
            module,
            str(results),
            str(args.limit),
            "0" if args.no_virtual_test_loop else "1",
            str(skip),
            str(args.io_grace),
        ]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(_ROOT), *_pythonpath()])}
        finished = subprocess.run(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        records = []
        if results.exists():
            records = [json.loads(line) for line in results.read_text().splitlines() if line]
    output = finished.stdout.decode(errors="replace")[-4000:]
    return records, finished.returncode, output


def _pythonpath() -> list[str]:
    current = os.environ.get("PYTHONPATH")
    return current.split(os.pathsep) if current else []


if __name__ == "__main__":
    sys.exit(main())
