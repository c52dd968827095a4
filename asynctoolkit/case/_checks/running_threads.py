"""``running_threads``: a thread started during the test and still running after it."""

from __future__ import annotations

import fnmatch
import threading
import time
from collections.abc import Callable

from asynctoolkit._shared import report, threads
from asynctoolkit.case import _watchdog
from asynctoolkit.case._checks._base import Check, Watch, indent

__all__: list[str] = []

# The real clock (patch_time may make time.monotonic follow a virtual clock).
_monotonic = time.monotonic
# Name prefix of the toolkit's own process-wide worker threads.
_TOOLKIT_PREFIX = "asynctoolkit-"


class RunningThreads(Check):
    __slots__ = ("_busy_before", "_found", "_starts_before", "_unwatch", "_work_before")
    name = "running_threads"
    default = True
    fails_a_test_that = "leaves a thread it started running after its cleanups and the loop's close"

    def __init__(self, watch: Watch) -> None:
        super().__init__(watch)
        self._found: list[str] = []
        self._unwatch: Callable[[], None] | None = threads.watch_starts()
        self._starts_before = threads.starts
        # The toolkit's pools outlive tests: their threads count while busy for this test.
        self._work_before = threads.work_begun
        self._busy_before = threads.busy_workers()

    def after_close(self) -> None:
        if self._unwatch is not None:
            self._unwatch()
            self._unwatch = None
        if threads.starts == self._starts_before and threads.work_begun == self._work_before:
            # No thread started during the test, no worker began working for it
            # (no list to make: bench/bench_case.py).
            return
        busy = threads.busy_workers() - self._busy_before
        if threads.starts == self._starts_before and not busy:
            return  # no thread started during the test, no worker busy for it
        leftover = [
            t
            for t, _ in threads.started_since(self._starts_before)
            if t.is_alive() and self._counts(t)
        ]
        known = set(leftover)
        leftover += [
            t
            for t in threading.enumerate()
            if t.ident in busy and t not in known and self._counts(t)
        ]
        # Threads told to stop in a cleanup get a moment to end (a wait the
        # watchdog does not interrupt, even past the test's limit).
        deadline = _monotonic() + self.watch.cancel_wait
        with _watchdog.bounded_wait():
            for thread in leftover:
                thread.join(max(0.0, deadline - _monotonic()))
        for thread in leftover:
            if thread.is_alive() and self._counts(thread):
                self._found.append(self._describe(thread))

    def _counts(self, thread: threading.Thread) -> bool:
        """Is ``thread`` this test's to end?"""
        if any(fnmatch.fnmatchcase(thread.name, p) for p in self.watch.allowed_threads):
            return False
        if thread in threads.given_up:  # closing the loop reported it already
            return False
        if thread.name.startswith(_TOOLKIT_PREFIX):
            return threads.work_of(thread) is not None  # a toolkit worker: only while busy
        site = threads.start_sites.get(thread, (0, None))[1]
        # Started by the standard library alone, or by an installed package's
        # code (a module-level pool made on first use): the library's thread.
        return site is not None and not threads.from_installed_package(site)

    def _describe(self, thread: threading.Thread) -> str:
        work = threads.work_of(thread)
        kind = "daemon thread" if thread.daemon else "thread"
        if work is not None:
            return f"{kind} {thread.name!r}, still {work}"
        target = report.describe_callback(threads.target_of(thread))
        site = threads.start_sites.get(thread, (0, None))[1]
        where = f", started at {report.short_path(site)}" if site else ""
        return f"{kind} {thread.name!r} running {target}{where}"

    def findings(self) -> list[str]:
        if not self._found:
            return []
        wait = self.watch.cancel_wait
        return [
            f"running_threads: {len(self._found)} thread(s) started during the test still "
            f"running {wait:g}s after its cleanups and the loop's close; stop and join them "
            "in a cleanup (shut down executors you create: executor.shutdown()), allow them "
            "by name with TestCase.allowed_threads, or turn the check off with "
            "@fail_on(running_threads=False):\n" + indent("\n".join(self._found))
        ]

    def restore(self) -> None:
        if self._unwatch is not None:
            self._unwatch()
            self._unwatch = None
