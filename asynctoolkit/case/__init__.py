"""Test cases that give every test its own event loop, and check it afterwards.

``TestCase`` is a ``unittest.TestCase`` whose setUp, test, tearDown and
cleanups may be coroutine functions.  Each test gets a fresh loop (or the
class's shared loop with ``use_default_loop = True``), set as the current loop
while the test runs, and one ``contextvars.Context`` for all of its phases.
After the cleanups, the checks chosen with ``fail_on`` look at what the test
left behind (pending tasks, unhandled exceptions, unawaited coroutines, ...)
and fail *that* test with a message naming the culprit.

A suite written for ``asynctest.TestCase`` or ``unittest.IsolatedAsyncioTestCase``
runs unchanged once its import points here.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import inspect
import re
import sys
import unittest
import warnings
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from types import CoroutineType
from typing import Any, ClassVar, TypeVar

from asynctoolkit._shared import asyncio_details, report
from asynctoolkit._shared.settings import settings
from asynctoolkit.case import _checks, _decorators, _loops, _results, _watchdog
from asynctoolkit.case._decorators import fail_on, ignore_loop, lenient, strict, timeout

__all__ = [
    "ClockedTestCase",
    "FunctionTestCase",
    "TestCase",
    "fail_on",
    "ignore_loop",
    "lenient",
    "strict",
    "timeout",
]

# unittest leaves frames of modules that define ``__unittest`` out of tracebacks.
__unittest = True

_T = TypeVar("_T")
_E = TypeVar("_E", bound=BaseException)
_F = TypeVar("_F", bound=Callable[..., Any])


class TestCase(unittest.TestCase):
    """A test case whose tests run on their own event loop.

    The test method, ``setUp``, ``tearDown`` and cleanups may be coroutine
    functions (or return an awaitable); ``asyncSetUp``, ``asyncTearDown``,
    ``addAsyncCleanup`` and ``enterAsyncContext`` work as in
    ``unittest.IsolatedAsyncioTestCase``.  Order: setUp, asyncSetUp, test,
    asyncTearDown, tearDown, cleanups (last added first), then the checks.

    Class attributes:

    ``use_default_loop``
        False (default): a new loop per test, closed after it.  True: the
        tests of the class share one loop, the current loop if one was set
        before the class ran, else one created for the class and closed after
        it; ``asyncSetUpClass``/``asyncTearDownClass`` then run on it.
    ``forbid_get_event_loop``
        True: ``asyncio.get_event_loop()`` called from synchronous code during
        the test raises an AssertionError (code under test must receive its
        loop or call ``asyncio.get_running_loop()``).
    ``loop_factory``
        A callable returning the loop to use (for example
        ``uvloop.new_event_loop``).  Checks the loop cannot support are
        skipped with a warning.
    ``timeout``
        Real seconds a test (setUp, test and tearDown together) may take
        before it is cancelled and fails with every task's await chain
        printed.  Default 60; ``None`` disables it.  ``python -m asynctoolkit
        --timeout S`` changes the default for classes that set none.
    """

    use_default_loop: ClassVar[bool] = False
    forbid_get_event_loop: ClassVar[bool] = False
    loop_factory: ClassVar[Callable[[], asyncio.AbstractEventLoop] | None] = None
    timeout: ClassVar[float | None] = None

    #: The loop of the running test (None outside a test).
    loop: asyncio.AbstractEventLoop = None  # type: ignore[assignment]

    _class_loop: ClassVar[asyncio.AbstractEventLoop | None] = None
    _class_loop_owned: ClassVar[bool] = False
    _class_context: ClassVar[contextvars.Context | None] = None
    # True while ``debug()`` runs the test (unittest then runs the cleanups itself).
    _debugging = False
    # True from the start of a test until its checks run.
    _checks_pending = False
    # True while ``_callTearDown`` runs the cleanups (the checks follow there).
    _closing = False

    # -- class-level shared loop ---------------------------------------------
    @classmethod
    def setUpClass(cls) -> None:
        """With ``use_default_loop``, prepare the shared loop and run ``asyncSetUpClass``."""
        super().setUpClass()
        if not cls.use_default_loop:
            for name in ("asyncSetUpClass", "asyncTearDownClass"):
                if getattr(cls, name, None) is not None:
                    raise TypeError(
                        f"{cls.__qualname__}.{name} needs a loop shared by the tests of the "
                        "class: set use_default_loop = True on the class"
                    )
            return
        loop = asyncio_details.current_event_loop()
        owned = loop is None or loop.is_closed()
        if owned:
            loop = cls._make_loop()
        assert loop is not None
        cls._class_loop, cls._class_loop_owned = loop, owned
        cls._class_context = contextvars.copy_context()
        hook = getattr(cls, "asyncSetUpClass", None)
        if hook is not None:
            _loops.run_on(loop, cls._class_context, hook())

    @classmethod
    def tearDownClass(cls) -> None:
        """With ``use_default_loop``, run ``asyncTearDownClass`` and close an owned loop."""
        loop = cls.__dict__.get("_class_loop")
        try:
            hook = getattr(cls, "asyncTearDownClass", None)
            if loop is not None and hook is not None and cls._class_context is not None:
                _loops.run_on(loop, cls._class_context, hook())
        finally:
            if loop is not None:
                if cls._class_loop_owned:
                    _loops.close_loop(loop)
                cls._class_loop = None
                cls._class_context = None
            super().tearDownClass()

    @classmethod
    def _make_loop(cls) -> asyncio.AbstractEventLoop:
        factory = cls.loop_factory
        if factory is not None:
            return factory()
        return asyncio.SelectorEventLoop(_loops.new_selector())

    # -- unittest hooks ---------------------------------------------------------
    def run(self, result: unittest.result.TestResult | None = None) -> Any:
        try:
            return super().run(result)
        finally:
            self._end_test()

    def debug(self) -> None:
        self._debugging = True
        try:
            super().debug()
        finally:
            self._debugging = False
            self._end_test()

    def _callSetUp(self) -> None:
        self._begin_test()
        cls = type(self)
        # The inherited no-op hooks are skipped: each call costs a loop run.
        if cls.setUp is not unittest.TestCase.setUp:
            self._call_user(self.setUp)
        if cls.asyncSetUp is not TestCase.asyncSetUp:
            self._call_user(self.asyncSetUp)

    def _callTestMethod(self, method: Callable[[], Any]) -> None:
        if self._call_user(method) is not None:
            warnings.warn(
                f"It is deprecated to return a value that is not None from a test case ({method})",
                DeprecationWarning,
                stacklevel=4,
            )

    def _callTearDown(self) -> None:
        cls = type(self)
        if cls.asyncTearDown is not TestCase.asyncTearDown:
            self._call_user(self.asyncTearDown)
        if cls.tearDown is not unittest.TestCase.tearDown:
            self._call_user(self.tearDown)
        # tearDown passed: run the cleanups now, then the checks, all in this
        # part of the test, so that a failed check fails it without unittest
        # wrapping one more part around the checks.  When tearDown fails or
        # never runs (a failed setUp), ``doCleanups`` runs them instead; under
        # ``debug()``, unittest's own loop does (the checks are a cleanup then).
        if not self._checks_pending:
            return
        self._closing = True
        try:
            self.doCleanups()
        finally:
            self._closing = False
        self._finish_pending_checks()

    def _finish_pending_checks(self) -> None:
        """Run the checks of this test, unless they already ran."""
        if self._checks_pending:
            self._checks_pending = False
            self._finish_checks()

    def _callCleanup(self, function: Callable[..., Any], /, *args: Any, **kwargs: Any) -> None:
        __tracebackhide__ = True  # pytest: the report, not the machinery
        if function == self._finish_checks:
            function()
        else:
            self._call_user(function, *args, **kwargs)

    def doCleanups(self) -> Any:
        """Run the cleanups now (also allowed from inside a test)."""
        outcome = super().doCleanups()
        if self._checks_pending and not (self._user_depth or self._closing):
            # The end of a test whose tearDown did not run or failed: the
            # checks come last, as one more cleanup.
            self._checks_pending = False
            self.addCleanup(self._finish_checks)
            outcome = super().doCleanups() and outcome
        return outcome

    # -- the stdlib IsolatedAsyncioTestCase names ---------------------------
    async def asyncSetUp(self) -> None:
        """Coroutine run after ``setUp``; override it."""

    async def asyncTearDown(self) -> None:
        """Coroutine run before ``tearDown``; override it."""

    def addAsyncCleanup(self, func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> None:
        """Register a coroutine function (or any callable) as a cleanup."""
        self.addCleanup(func, *args, **kwargs)

    async def enterAsyncContext(self, cm: Any) -> Any:
        """Enter an async context manager; its exit is registered as a cleanup."""
        cls = type(cm)
        try:
            enter, exit_ = cls.__aenter__, cls.__aexit__
        except AttributeError:
            raise TypeError(
                f"'{cls.__module__}.{cls.__qualname__}' object does not support the "
                "asynchronous context manager protocol"
            ) from None
        result = await enter(cm)
        self.addAsyncCleanup(exit_, cm, None, None, None)
        return result

    # -- assertions ----------------------------------------------------------------
    async def assertAsyncRaises(
        self, exception: type[_E] | tuple[type[_E], ...], awaitable: Awaitable[object]
    ) -> _results.RaisedContext[_E]:
        """Await ``awaitable`` and assert it raises ``exception``.

        Returns an object whose ``exception`` attribute is what was raised.
        Unlike ``with self.assertRaises(...)``, the frames of the traceback
        are not cleared: clearing them would close the suspended coroutines of
        other tasks whose frames the exception passed through (a worker that
        set it on a future, for instance).
        """
        return _results.RaisedContext(await self._await_raising(exception, awaitable))

    async def assertAsyncRaisesRegex(
        self,
        exception: type[_E] | tuple[type[_E], ...],
        regex: str | re.Pattern[str],
        awaitable: Awaitable[object],
    ) -> _results.RaisedContext[_E]:
        """Like ``assertAsyncRaises``; ``regex`` must also match ``str(exception)``."""
        raised = await self._await_raising(exception, awaitable)
        pattern = re.compile(regex) if isinstance(regex, str) else regex
        if not pattern.search(str(raised)):
            self.fail(f'"{pattern.pattern}" does not match "{raised}"')
        return _results.RaisedContext(raised)

    async def _await_raising(
        self, exception: type[_E] | tuple[type[_E], ...], awaitable: Awaitable[object]
    ) -> _E:
        try:
            await awaitable
        except exception as raised:
            return raised
        names = (
            exception.__name__
            if isinstance(exception, type)
            else " or ".join(e.__name__ for e in exception)
        )
        self.fail(f"{names} not raised by {_results.describe_awaitable(awaitable)}")

    async def assertAsyncWarns(
        self, warning: type[Warning] | tuple[type[Warning], ...], awaitable: Any
    ) -> Any:
        """Await ``awaitable`` and assert it triggers ``warning``; returns the context."""
        with self.assertWarns(warning) as context:
            await awaitable
        return context

    async def assertAsyncWarnsRegex(
        self, warning: type[Warning] | tuple[type[Warning], ...], regex: str, awaitable: Any
    ) -> Any:
        """Like ``assertAsyncWarns``; ``regex`` must also match the warning message."""
        with self.assertWarnsRegex(warning, regex) as context:
            await awaitable
        return context

    def assertRaises(self, expected_exception: Any, *args: Any, **kwargs: Any) -> Any:
        """As ``unittest.TestCase.assertRaises``, without clearing traceback frames.

        unittest clears the frames of the caught exception's traceback, which
        on Python 3.10 to 3.12 closes the suspended coroutine of any other
        task the traceback ran through; this version leaves them alone.
        """
        return _results.RaisesContext(self, expected_exception).handle(args, kwargs)

    def assertRaisesRegex(
        self, expected_exception: Any, expected_regex: Any, *args: Any, **kwargs: Any
    ) -> Any:
        """As ``unittest.TestCase.assertRaisesRegex``, without clearing traceback frames."""
        context = _results.RaisesContext(self, expected_exception, expected_regex)
        return context.handle(args, kwargs)

    # -- result inspection, after Twisted's trial -----------------------------
    def successResultOf(self, awaitable: Awaitable[_T]) -> _T:
        """The result of a finished future, task or coroutine, without running the loop.

        Fails the test if it is still pending or ended with an exception.  A
        coroutine is run synchronously up to its first suspension (and closed
        if it suspends).
        """
        state, value = _results.settle_now(awaitable)
        what = _results.describe_awaitable(awaitable)
        if state == "pending":
            self.fail(f"{what} has no result yet: it is still pending")
        if state == "failed":
            self.fail(f"{what} failed instead of succeeding: {type(value).__name__}: {value}")
        result: _T = value
        return result

    def failureResultOf(
        self, awaitable: Awaitable[object], *expected_types: type[BaseException]
    ) -> BaseException:
        """The exception of a future, task or coroutine that failed (or was cancelled).

        Fails the test if it is pending, succeeded, or (with ``expected_types``)
        failed with another type.
        """
        state, value = _results.settle_now(awaitable)
        what = _results.describe_awaitable(awaitable)
        if state == "pending":
            self.fail(f"{what} has no result yet: it is still pending")
        if state == "succeeded":
            self.fail(f"{what} succeeded with {value!r} instead of failing")
        if expected_types and not isinstance(value, expected_types):
            names = ", ".join(t.__name__ for t in expected_types)
            self.fail(
                f"{what} failed with {type(value).__name__}: {value}, expected one of: {names}"
            )
        assert isinstance(value, BaseException)
        return value

    def assertNoResult(self, awaitable: Awaitable[object]) -> None:
        """Assert a future, task or coroutine has neither succeeded nor failed yet."""
        state, value = _results.settle_now(awaitable)
        what = _results.describe_awaitable(awaitable)
        if state == "succeeded":
            self.fail(f"{what} already has a result: {value!r}")
        if state == "failed":
            self.fail(f"{what} already failed: {type(value).__name__}: {value}")

    # -- per-test machinery (private) -----------------------------------------------
    def _begin_test(self) -> None:
        cls = type(self)
        self._user_depth = 0
        self._closing = False
        self._checks_pending = False
        self._timed_out = False
        self._rearmed = False
        self._timeout_report = ""
        self._phase_task: asyncio.Task[Any] | None = None
        self._watch: _checks.TestWatch | None = None
        self._tasks_cleared = False
        self._owns_loop = not cls.use_default_loop
        if self._owns_loop:
            loop = cls._make_loop()
            self._context = contextvars.copy_context()
        else:
            if cls._class_loop is None or cls._class_loop.is_closed():
                cls.setUpClass()  # setUpClass was overridden without calling super()
            assert cls._class_loop is not None and cls._class_context is not None
            loop = cls._class_loop
            self._context = cls._class_context.copy()
        self.loop = loop
        self._previous_loop = asyncio_details.current_event_loop()
        self._restore_get_event_loop: Callable[[], None] | None = None
        if cls.forbid_get_event_loop:
            asyncio.set_event_loop(None)
            self._restore_get_event_loop = _loops.forbid_get_event_loop()
        else:
            asyncio.set_event_loop(loop)
        self._limit, enabled = self._configuration()
        self._token: int | None = None
        if self._limit:
            self._token = _watchdog.arm(self._limit, self._on_watchdog)
        self._watch = _checks.TestWatch(loop, enabled, self._warn_skipped, fresh=self._owns_loop)
        if self._debugging:  # unittest's debug() pops the cleanups itself: the checks go last
            self.addCleanup(self._finish_checks)
        else:  # run by _callTearDown or doCleanups, after the cleanups
            self._checks_pending = True

    def _end_test(self) -> None:
        loop = self.__dict__.get("loop")
        if loop is None:
            return
        try:
            if self._token is not None:
                _watchdog.disarm(self._token)
                self._token = None
            watch = self._watch
            if watch is not None:  # debug() or an error before the cleanups ran
                self._watch = None
                watch.finish(self._await)
            if self._owns_loop and not loop.is_closed():
                # Only when the cleanups did not run (debug(), an interrupted
                # test): nothing may escape run() and stop the suite.
                try:
                    _loops.close_loop(loop, tasks_left=not self._tasks_cleared)
                except Exception as error:
                    warnings.warn(
                        f"{self.id()}: closing the test's loop failed: {error!r}",
                        RuntimeWarning,
                        stacklevel=2,
                    )
        finally:
            if self._restore_get_event_loop is not None:
                self._restore_get_event_loop()
            previous = self._previous_loop
            asyncio.set_event_loop(None if previous is None or previous.is_closed() else previous)
            self.loop = None  # type: ignore[assignment]
            self._context = None  # type: ignore[assignment]

    def _configuration(self) -> tuple[float | None, Mapping[str, bool]]:
        """The time limit and the checks of this test (cached per class, and per method
        for the methods that carry their own ``fail_on``/``timeout``)."""
        cls = type(self)
        method = getattr(cls, self._testMethodName, None)
        own = getattr(method, "__dict__", None)
        if own and (_decorators.CHECKS_ATTR in own or _decorators.TIMEOUT_ATTR in own):
            key: tuple[Any, ...] = (cls, self._testMethodName, settings.strict, settings.timeout)
        else:
            key, method = (cls, settings.strict, settings.timeout), None
        found = _configurations.get(key)
        if found is None:
            found = (self._time_limit(method), self._enabled_checks(method))
            _configurations[key] = found
        return found

    def _time_limit(self, method: object) -> float | None:
        for source in (method, type(self)):
            value = getattr(source, _decorators.TIMEOUT_ATTR, _decorators.UNSET)
            if value is not _decorators.UNSET:
                return _decorators.validate_timeout(value)
        if type(self).timeout is not None:
            return _decorators.validate_timeout(type(self).timeout)
        return settings.timeout

    def _enabled_checks(self, method: object) -> dict[str, bool]:
        """The checks turned on for ``method`` of this class (each name maps to True)."""
        if settings.strict:
            return dict.fromkeys(_checks.DEFAULT_CHECKS, True)
        enabled = dict(_checks.DEFAULT_CHECKS)
        # Every class of the hierarchy (mixins included), the most derived last.
        for klass in reversed(type(self).__mro__):
            enabled.update(vars(klass).get(_decorators.CHECKS_ATTR, {}))
        enabled.update(getattr(method, _decorators.CHECKS_ATTR, {}))
        return {name: True for name, on in enabled.items() if on}

    def _warn_skipped(self, message: str) -> None:
        warnings.warn(f"{self.id()}: {message}", RuntimeWarning, stacklevel=2)

    def _finish_checks(self) -> None:
        __tracebackhide__ = True  # pytest: show the report, not this frame
        problems: list[str] = []
        try:
            if self._timed_out and self._phase_task is None and self._timeout_report:
                problems.append(self._timeout_report)  # it ran out in synchronous code
                self._timeout_report = ""
            watch, self._watch = self._watch, None
            if watch is not None:
                # The watchdog stays armed: waiting for leftover tasks to end
                # (one may ignore its cancellation) is bounded by the limit.
                problems += watch.finish(self._await)
                self._tasks_cleared = watch.tasks_cleared
            if self._owns_loop:
                # Closing is part of the test: what fails there (executor work
                # a clocked loop gives up on) is this test's failure.
                try:
                    _loops.close_loop(self.loop, tasks_left=not self._tasks_cleared)
                except Exception as error:
                    problems.append(
                        f"closing the test's loop failed: {type(error).__name__}: {error}"
                    )
        finally:
            if self._token is not None:
                _watchdog.disarm(self._token)
                self._token = None
        if problems:
            raise self.failureException("\n\n".join(problems))

    def _call_user(self, function: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        # Nested: a cleanup run by doCleanups() called from the test itself,
        # which already runs inside the test's context.
        nested = self._user_depth > 0
        self._user_depth += 1
        try:
            if nested:
                result = function(*args, **kwargs)
            else:
                result = self._context.run(function, *args, **kwargs)
            if result is not None and (
                type(result) is CoroutineType or inspect.isawaitable(result)
            ):
                if self.loop.is_running():
                    if inspect.iscoroutine(result):
                        result.close()
                    raise RuntimeError(
                        f"cannot run the async cleanup {function!r} from doCleanups() inside a "
                        "running coroutine: the loop is busy running the test; let the test "
                        "end (cleanups run after it), or call doCleanups() from a sync test"
                    )
                result = self._await(result, in_test_context=not nested)
            return result
        finally:
            self._user_depth -= 1

    def _await(self, awaitable: Awaitable[_T], in_test_context: bool = True) -> _T:
        loop = self.loop
        if self._timed_out and not self._rearmed and self._limit:
            # The test already used its time: what still runs (tearDown, the
            # cleanups) gets one fresh limit (this arming replaces the spent one).
            self._rearmed = True
            self._token = _watchdog.arm(self._limit, self._on_watchdog)
        coro = awaitable if type(awaitable) is CoroutineType else _loops.await_any(awaitable)
        task: asyncio.Task[_T]
        if not in_test_context:
            task = loop.create_task(coro)  # inherits a copy of the current context
        elif sys.version_info >= (3, 11):
            if loop.get_task_factory() in _PLAIN_TASK_FACTORIES:
                # Our own phase task: no need to record where it was created.
                task = asyncio.Task(coro, loop=loop, context=self._context)
            else:
                task = loop.create_task(coro, context=self._context)
        else:
            task = self._context.run(loop.create_task, _carry_context(coro, self))
        self._phase_task = task
        # ``create_task(context=...)`` exists from Python 3.11; on 3.10 each async
        # phase runs in a copy and the context it ends with is carried forward.
        try:
            result: _T = loop.run_until_complete(task)
            return result
        except asyncio.CancelledError:
            if self._timed_out and task.cancelled():
                text, self._timeout_report = self._timeout_report, ""
                raise self.failureException(
                    text
                    or f"timeout: after the test's own time ran out, this phase took longer "
                    f"than the further {self._limit:g}s it was given; it was cancelled"
                ) from None
            raise
        finally:
            self._phase_task = None
            if not task.done():
                # The loop stopped with an error (a deadlock or stalled clock):
                # end the phase's own task so it is not reported as a leak too.
                task.cancel()
                with contextlib.suppress(BaseException):
                    loop.run_until_complete(task)

    def _on_watchdog(self) -> None:
        """Called in the watchdog thread when the time limit passes."""
        loop = self.loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._expire)

    def _expire(self) -> None:
        if self.loop is None or self.loop.is_closed():
            return
        if not self._timed_out:
            self._timed_out = True
            tasks = asyncio.all_tasks(self.loop)
            self._timeout_report = (
                f"timeout: the test took longer than its limit of {self._limit:g}s (real "
                "time); it was cancelled. Tasks at that moment:\n"
                + "\n".join("    " + line for line in report.describe_tasks(tasks).splitlines())
            )
        if self._phase_task is not None:
            self._phase_task.cancel()


class FunctionTestCase(TestCase, unittest.FunctionTestCase):
    """``unittest.FunctionTestCase`` with the features of ``TestCase``.

    ``testFunc``, ``setUp`` and ``tearDown`` may be coroutine functions.
    """

    # unittest.FunctionTestCase drops what the functions return; keep it, so
    # that a coroutine is awaited on the test's loop.
    def setUp(self) -> Any:
        if self._setUpFunc is not None:  # type: ignore[attr-defined]
            return self._setUpFunc()  # type: ignore[attr-defined]
        return None

    def tearDown(self) -> Any:
        if self._tearDownFunc is not None:  # type: ignore[attr-defined]
            return self._tearDownFunc()  # type: ignore[attr-defined]
        return None

    def runTest(self) -> Any:
        return self._testFunc()  # type: ignore[attr-defined]

    def _configuration(self) -> tuple[float | None, Mapping[str, bool]]:
        # ``fail_on``/``timeout`` may decorate the test function itself.
        func = self._testFunc  # type: ignore[attr-defined]
        return self._time_limit(func), self._enabled_checks(func)


class ClockedTestCase(TestCase):
    """A ``TestCase`` whose loop runs on virtual time.

    Time starts at 0 and moves only through ``await self.advance(seconds)``,
    ``await self.advance_to(when)``, or, with ``autojump = True``, by itself
    whenever every task is blocked on a timer.  Every check of ``TestCase``
    still applies.
    """

    #: Jump to the next timer whenever every task is blocked (see ``ClockedEventLoop``).
    autojump: ClassVar[bool] = False
    #: Make ``time.monotonic``/``time.time``/``time.perf_counter`` follow the clock.
    patch_time: ClassVar[bool] = False

    @classmethod
    def _make_loop(cls) -> asyncio.AbstractEventLoop:
        from asynctoolkit.clock import ClockedEventLoop

        factory = cls.loop_factory
        if factory is not None:
            loop = factory()
            if not isinstance(loop, ClockedEventLoop):
                loop.close()
                raise TypeError(
                    f"{cls.__qualname__}.loop_factory returned a {type(loop).__qualname__}, which "
                    "cannot run on virtual time; a ClockedTestCase needs a ClockedEventLoop "
                    "(subclass): remove loop_factory or use TestCase instead"
                )
            loop.autojump = cls.autojump
            return loop
        return ClockedEventLoop(_loops.new_selector(), autojump=cls.autojump)

    def _begin_test(self) -> None:
        super()._begin_test()
        if type(self).patch_time:
            patcher = self._clock.patch_time()
            patcher.__enter__()
            self.addCleanup(patcher.__exit__, None, None, None)

    @property
    def _clock(self) -> Any:
        return self.loop

    async def advance(self, seconds: float) -> None:
        """Move virtual time forward by ``seconds``, running everything due on time."""
        await self._clock.advance(seconds)

    async def advance_to(self, when: float) -> None:
        """Move virtual time forward to ``when`` (absolute loop time)."""
        await self._clock.advance_to(when)

    async def run_until_idle(self) -> None:
        """Run until no callback is ready and every task is blocked; time stays."""
        await self._clock.run_until_idle()


# -- private helpers --------------------------------------------------------------

# (class, strict, default timeout) -> (time limit, checks); methods with their
# own settings: (class, method name, strict, default timeout) -> the same.
_configurations: dict[tuple[Any, ...], tuple[float | None, Mapping[str, bool]]] = {}

# Task factories under which the test's own phase task may be built directly.
_PLAIN_TASK_FACTORIES = (None, _checks.recording_task_factory)


async def _carry_context(coro: Coroutine[Any, Any, _T], test: TestCase) -> _T:
    """Python 3.10: run ``coro`` and keep the context it ends with for the next phase."""
    try:
        return await coro
    finally:
        test._context = contextvars.copy_context()
