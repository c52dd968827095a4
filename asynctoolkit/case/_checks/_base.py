"""What every check shares: the ``Check`` unit and the ``Watch`` it runs in.

A check is one small class: it starts on the test's loop before setUp
(``__init__``), wraps up after the cleanups (``finish``, which may run the
loop), and then says what it found (``findings``).  The ``Watch`` runs the
enabled checks of one test in the registry's order and owns what several of
them need: the tasks the test created (recorded by a task factory while a
check that reads them is on) and the loop's exception handler.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
import sys
import unittest
from collections.abc import Callable, Coroutine
from itertools import filterfalse
from typing import Any, ClassVar

from asynctoolkit._shared import report

__all__: list[str] = []

# unittest leaves frames of modules that define ``__unittest`` out of
# tracebacks: a failing check shows the report, not this machinery.
__unittest = True

#: Runs a coroutine on the test's loop (bounded by the test's time limit).
Settle = Callable[[Coroutine[Any, Any, Any]], Any]


class Check:
    """One check of what a test left behind.

    Subclasses set the class attributes and override what they need; the
    registry (``asynctoolkit.case._checks``) lists them in report order.
    Each declares the attributes it sets in ``__slots__``: one of each is made
    for every test (per-test cost, bench/bench_case.py).
    """

    __slots__ = ("loop", "watch")

    #: The name users write in ``fail_on(name=False)``.
    name: ClassVar[str]
    #: On by default?
    default: ClassVar[bool]
    #: For the docs table: "fails a test that ..." (one line).
    fails_a_test_that: ClassVar[str]
    #: True if ``finish`` reads ``watch.created`` (the tasks the test created).
    uses_created_tasks: ClassVar[bool] = False

    def __init__(self, watch: Watch) -> None:
        """Start watching: called on the test's loop before setUp."""
        self.watch = watch
        self.loop = watch.loop

    def stop(self) -> None:
        """The test is over: called for every check before any ``finish``."""

    def finish(self, settle: Settle) -> None:
        """Wrap up after the cleanups, in registry order; may run the loop with ``settle``."""

    def after_close(self) -> None:
        """Called once the test's own loop is closed (its default executor shut down)."""

    def findings(self) -> list[str]:
        """One message per problem found, after every check's ``finish`` and ``after_close``."""
        return []

    def restore(self) -> None:
        """Put back what ``__init__`` changed; always called, last first."""


class Watch:
    """The checks of one test on ``loop``, and what they share."""

    __slots__ = (
        "_default_patched",
        "_last_site",
        "_previous_handler",
        "_site_depth",
        "_warn",
        "allowed_threads",
        "cancel_wait",
        "context",
        "created",
        "exceptions",
        "fresh",
        "loop",
        "sites",
        "task_factory",
        "tasks_cleared",
    )

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        context: contextvars.Context,
        warn: Callable[[str], None],
        fresh: bool,
        cancel_wait: float,
        allowed_threads: tuple[str, ...] = (),
    ) -> None:
        self.loop = loop
        #: Real seconds cancelled leftover tasks (and stopping threads) get to finish.
        self.cancel_wait = cancel_wait
        #: Names (glob patterns) of threads the test may leave running.
        self.allowed_threads = allowed_threads
        #: The test's context (its phases run in it).
        self.context = context
        #: True for a loop made for this test (nothing on it predates the test).
        self.fresh = fresh
        #: The tasks created during the test, while a check that reads them is
        #: on, each with where it was created (``report.live_sites`` lists it).
        self.created: dict[asyncio.Task[Any], int] = {}
        #: The sites ``created`` refers to, by index (-1: no site, the test
        #: machinery made the task); the last one added, to add it once.
        self.sites: list[report.Site] = []
        self._last_site: report.Site = _NO_SITE
        #: True once the checks cancelled every task left on the loop.
        self.tasks_cleared = False
        #: Contexts passed to the loop's exception handler during the test.
        self.exceptions: list[dict[str, Any]] = []
        self._warn = warn
        #: The task factory recording ``created`` (``None`` while not installed).
        self.task_factory: Callable[..., asyncio.Task[Any]] | None = None
        self._site_depth = 1
        self._previous_handler: Any = _UNSET
        self._default_patched = False

    def warn(self, check: str, why: str) -> None:
        """Say that ``check`` cannot run on this loop (it is skipped)."""
        self._warn(f"check {check!r} skipped: {why} ({type(self.loop).__name__})")

    def note(self, message: str) -> None:
        """Warn about the test (a RuntimeWarning whose message names it)."""
        self._warn(message)

    # -- recording the test's tasks ---------------------------------------
    def record_tasks(self) -> None:
        """Record every task created on the loop, unless the loop has its own factory."""
        if self.task_factory is None and self.loop.get_task_factory() is None:
            # Depth 1 is the factory's caller.  asyncio's own ``create_task``
            # (frame 1) is skipped at once: the frame 2 is its caller.  Other
            # loops (uvloop's create_task has no Python frame) start at 1.
            plain = type(self.loop).create_task is asyncio.BaseEventLoop.create_task
            self._site_depth = 2 if plain else 1
            report.live_sites.append((self.created, self.sites))
            self.task_factory = self._create_task
            self.loop.set_task_factory(self.task_factory)

    def _create_task(
        self, loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any
    ) -> asyncio.Task[Any]:
        task: asyncio.Task[Any] = _TASK(coro, loop=loop, **kwargs)
        # Where the task was created: the first frame outside asyncio and
        # asynctoolkit, kept as (code, instruction offset) and written out
        # (file:line) only if a report names the task: ``f_lineno`` decodes
        # the line table at every call, a tenth of a crowd's cost per task.
        # ``sys._getframe(depth)`` reaches each frame without making objects
        # of those in between (see ``record_tasks`` for the first depth).
        # Inlined: it runs for every task.
        site = -1
        depth = self._site_depth
        while True:
            try:
                frame = sys._getframe(depth)
            except ValueError:
                break
            code, offset = frame.f_code, frame.f_lasti
            last = self._last_site  # a user's frame: the first one of this walk
            if code is last[0] and offset == last[1]:  # tasks made in a loop
                site = len(self.sites) - 1
                break
            filename = code.co_filename
            kind = _FILE_KINDS.get(filename)
            if kind is None:
                kind = _file_kind(filename)
            if kind is _USER:
                site = len(self.sites)
                self._last_site = last = (code, offset)
                self.sites.append(last)
                break
            if kind is _UNITTEST:  # created by the test machinery itself (the test's own task)
                break
            depth += 1
        self.created[task] = site
        return task

    def let_go_of_tasks(self) -> None:
        """Drop the test's tasks; the sites of those still pending stay known (weakly)."""
        created, sites = self.created, self.sites
        if created:
            # The pending ones picked by C code (a crowd's 10,000 are all done).
            for task in list(filterfalse(_TASK.done, created)):
                site = created[task]
                if site >= 0:
                    report.creation_sites[task] = sites[site]
            created.clear()
        for i, (book, _) in enumerate(report.live_sites):
            if book is created:
                del report.live_sites[i]
                break
        sites.clear()
        self._last_site = _NO_SITE

    # -- the loop's exception handler ---------------------------------------
    def record_exceptions(self) -> None:
        """Keep what reaches the loop's exception handler in ``exceptions``.

        Also what reaches the loop's *default* handler while the test has set
        its own: asyncio sends there the errors of a handler that raises, and
        a handler that passes a context on to the default one.
        """
        if self._previous_handler is _UNSET:
            self._previous_handler = self.loop.get_exception_handler()
            self.loop.set_exception_handler(self._record_exception)
            try:
                # An instance attribute over the method: asyncio calls
                # ``self.default_exception_handler(context)``.
                self.loop.default_exception_handler = self._record_default  # type: ignore[method-assign]
                self._default_patched = True
            except AttributeError:  # a loop class without instance attributes (uvloop)
                pass

    def _record_exception(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        self.exceptions.append(context)

    def _record_default(self, context: dict[str, Any]) -> None:
        self.exceptions.append(context)

    def restore(self) -> None:
        """Put back the task factory and the exception handler."""
        if self._previous_handler is not _UNSET:
            self.loop.set_exception_handler(self._previous_handler)
            self._previous_handler = _UNSET
        if self._default_patched:
            del self.loop.default_exception_handler
            self._default_patched = False
        if self.task_factory is not None:
            self.loop.set_task_factory(None)
            self.task_factory = None


def indent(text: str) -> str:
    """``text`` indented under a check's first line."""
    return "\n".join("    " + line for line in text.splitlines())


_UNSET: Any = object()
_ASYNCIO_DIR = os.path.dirname(asyncio.__file__)
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
_UNITTEST_DIR = os.path.dirname(unittest.__file__)


# What each source file is, for ``_create_task``: a user's, asyncio's or
# asynctoolkit's (skipped), or unittest's (the test machinery).
_USER, _SKIPPED, _UNITTEST = "user", "skipped", "unittest"
# A site no task was made at: the first site of a test is always added.
_NO_SITE: report.Site = (compile("", "<no site>", "exec"), -1)
_FILE_KINDS: dict[str, str] = {}


def _file_kind(filename: str) -> str:
    if filename.startswith(_UNITTEST_DIR):
        kind = _UNITTEST
    elif filename.startswith((_ASYNCIO_DIR, _PACKAGE_DIR)):
        kind = _SKIPPED
    else:
        kind = _USER
    _FILE_KINDS[filename] = kind
    return kind


if sys.version_info < (3, 11):

    class _Task(asyncio.Task):  # type: ignore[type-arg]
        """Python 3.10 has no ``Task.cancelling()``: remember that ``cancel()`` was called,
        so that ``pending_tasks`` can tell a task cancelled during the test."""

        cancel_requested = False

        def cancel(self, msg: Any = None) -> bool:
            self.cancel_requested = True
            return super().cancel(msg)

    _TASK: type[asyncio.Task[Any]] = _Task
elif sys.version_info[:3] == (3, 13, 0):

    class _Task(asyncio.Task):  # type: ignore[type-arg]
        """Python 3.13.0's create_task renames a factory-made task to "None"."""

        def set_name(self, value: object) -> None:
            if value is not None:
                super().set_name(value)

    _TASK: type[asyncio.Task[Any]] = _Task
else:
    _TASK = asyncio.Task
