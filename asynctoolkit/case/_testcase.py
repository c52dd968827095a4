"""``TestCase`` and ``FunctionTestCase``: unittest's hooks mapped onto a ``TestRun``.

Imported on first use (``asynctoolkit.case.__getattr__``): a pytest run of
async test functions never needs them.  The life of one test is a
``TestRun`` (``_run.py``); the checks are in ``_checks/``.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import inspect
import unittest
import unittest.util
import warnings
import weakref
from collections.abc import Awaitable, Callable, Coroutine, Generator
from typing import Any, ClassVar

from asynctoolkit._shared import asyncio_details
from asynctoolkit._shared.settings import EXPLORE_MARK
from asynctoolkit.case import _assertions, _decorators, _loops, _oneresult
from asynctoolkit.case._run import INTERRUPTED_CLEANUP_LIMIT, Phase, TestInterrupted, TestRun

__all__ = ["FunctionTestCase", "TestCase"]

# unittest leaves frames of modules that define ``__unittest`` out of tracebacks.
__unittest = True


class TestCase(_assertions.AsyncAssertions):
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
    ``cancel_wait``
        Real seconds (default 1) that leftover tasks, cancelled after the
        test, get to finish; one still running then has ignored its
        cancellation and is reported by ``pending_tasks``.  On virtual time
        the clock jumps through that wait, so graceful shutdowns end at once.
    ``allowed_threads``
        Names (glob patterns, as ``fnmatch``) of threads a test may leave
        running; the ``running_threads`` check ignores them.
    ``timeout``
        Real seconds a test (setUp, test and tearDown together) may take
        before it is cancelled and fails with every task's await chain
        printed.  Default 60; ``None`` disables it.  ``python -m asynctoolkit
        --timeout S`` changes the default for classes that set none.
    """

    use_default_loop: ClassVar[bool] = False
    cancel_wait: ClassVar[float] = _loops.CANCEL_WAIT
    allowed_threads: ClassVar[tuple[str, ...]] = ()
    forbid_get_event_loop: ClassVar[bool] = False
    loop_factory: ClassVar[Callable[[], asyncio.AbstractEventLoop] | None] = None
    timeout: ClassVar[float | None] = None

    #: The loop of the running test (None outside a test).
    loop: asyncio.AbstractEventLoop = None  # type: ignore[assignment]

    _class_loop: ClassVar[asyncio.AbstractEventLoop | None] = None
    _class_loop_owned: ClassVar[bool] = False
    _class_context: ClassVar[contextvars.Context | None] = None
    _class_previous: ClassVar[asyncio_details.LoopState | None] = None
    # The run of the current test (None between tests).
    _run: TestRun | None = None
    # True while ``debug()`` runs the test (unittest then runs the cleanups itself).
    _debugging = False
    # True while ``_callTearDown`` runs the cleanups (the checks follow there).
    _in_teardown = False
    # True when a failed ``debug()`` left the run open for ``doCleanups()``.
    _left_open = False
    # True once Ctrl-C interrupted this test (its cleanups run, then the run stops).
    _interrupted = False

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
        state = asyncio_details.current_loop_state()
        current = state.loop
        adopt = cls._adopts_current_loop() and current is not None and not current.is_closed()
        loop = current if adopt else cls._make_loop()
        assert loop is not None
        cls._class_loop, cls._class_loop_owned = loop, not adopt
        cls._class_context = contextvars.copy_context()
        if not adopt:
            # The class's own loop is the current loop for its tests; the
            # previous one comes back after the class.
            cls._class_previous = state
            asyncio.set_event_loop(loop)
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
                    if cls._class_previous is not None:
                        asyncio_details.restore_loop_state(cls._class_previous)
                cls._class_loop = None
                cls._class_context = None
                cls._class_previous = None
            super().tearDownClass()

    @classmethod
    def _adopts_current_loop(cls) -> bool:
        """With ``use_default_loop``: may the class share a loop already current?"""
        return True

    @classmethod
    def _make_loop(cls) -> asyncio.AbstractEventLoop:
        factory = cls.loop_factory
        if factory is not None:
            return factory()
        return _loops.new_loop()

    # -- unittest hooks ---------------------------------------------------------
    def run(self, result: unittest.result.TestResult | None = None) -> Any:
        if result is None:  # as unittest does, around a result of our own
            result = self.defaultTestResult()
            start_run = getattr(result, "startTestRun", None)
            stop_run = getattr(result, "stopTestRun", None)
            if start_run is not None:
                start_run()
            try:
                self._run_one(result)
            finally:
                if stop_run is not None:
                    stop_run()
            return result
        return self._run_one(result)

    def _run_one(self, result: Any, explore: bool = True) -> Any:
        # One frame below run() whichever way it was called: a warning about
        # the test (a returned value) points at the caller of run().
        # (So the run itself stays in this frame: no helper call in between.)
        # Explored: the ``explore`` settings of its method, else of its class;
        # what exploring needs is imported then (not at ``import asynctoolkit``).
        if explore:
            exploration = _decorators.exploration_of(self, self._testMethodName)
            if exploration is not None:
                from asynctoolkit.case import _explore

                once = functools.partial(self._run_one, explore=False)
                return _explore.run_explored(self, result, exploration, once)
        self._interrupted = False
        one = _oneresult.OneReport(result, self)
        try:
            super().run(one)  # type: ignore[arg-type]
            outcome = result
        finally:
            if one.held is not None:
                one.flush()
            self._end_test()
        if self._interrupted:
            # No further test starts: unittest's result stops the suite; a
            # runner without one (pytest) stops on the KeyboardInterrupt.
            stop = getattr(result, "stop", None)
            if stop is None:
                raise KeyboardInterrupt
            stop()
        return outcome

    def debug(self) -> None:
        """Run the test without a result, raising its first error (as unittest does).

        After a failure, the cleanups have not run: the test's loop stays
        open and current until ``doCleanups()`` runs them (async ones
        included) and closes it, as unittest documents.
        """
        self._debugging = True
        failed = False
        try:
            super().debug()
        except BaseException:
            failed = self._run is not None
            raise
        finally:
            self._debugging = False
            self._left_open = failed
            if not failed:
                self._end_test()
            elif self._run is not None:
                # The test is over: its limit interrupts nothing the caller runs next.
                self._run.drop_limit()
                # If doCleanups() never comes, the run ends when the test is collected.
                weakref.finalize(self, self._run.close, self.id())

    def _callSetUp(self) -> None:
        self._begin_test()
        cls = type(self)
        # The inherited no-op hooks are skipped: each call costs a loop run
        # (bench/bench_case.py measures the per-test cost).
        if cls.setUp is not unittest.TestCase.setUp:
            self._call_user(self.setUp)
        if cls.asyncSetUp is not TestCase.asyncSetUp:
            self._call_user(self.asyncSetUp)

    def _callTestMethod(self, method: Callable[[], Any]) -> None:
        if self._call_user(method) is not None:
            warnings.warn(
                f"It is deprecated to return a value that is not None from a test case ({method})",
                DeprecationWarning,
                stacklevel=5,
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
        run = self._run
        if run is None or run.phase is not Phase.RUNNING or self._debugging:
            return
        if self._cleanups:  # type: ignore[attr-defined]  # unittest's list; none: no pass
            self._in_teardown = True
            try:
                self.doCleanups()
            finally:
                self._in_teardown = False
        self._finish_checks()

    def _callCleanup(self, function: Callable[..., Any], /, *args: Any, **kwargs: Any) -> None:
        __tracebackhide__ = True  # pytest: the report, not the machinery
        if function == self._finish_checks:
            function()
        else:
            self._call_user(function, *args, **kwargs)

    def doCleanups(self) -> Any:
        """Run the cleanups now, last added first (async ones on the test's loop).

        Called from a synchronous part of a test, it runs them at once and
        returns whether all passed.  Called from a coroutine of the test, the
        loop is busy: it returns an awaitable that runs them (``await
        self.doCleanups()``, as asynctest allowed).
        """
        run = self._run
        if run is not None and run.depth > 0 and run.loop.is_running():
            return self._cleanups_in_coroutine()
        outcome = super().doCleanups()
        if (
            run is not None
            and run.phase is Phase.RUNNING
            and run.depth == 0
            and not (self._in_teardown or self._debugging)
        ):
            # The end of a test whose tearDown did not run or failed: the
            # checks come last, as one more cleanup.
            self.addCleanup(self._finish_checks)
            outcome = super().doCleanups() and outcome
        if self._left_open and run is not None and run.depth == 0:
            self._left_open = False
            self._end_test()
        return outcome

    def _cleanups_in_coroutine(self) -> _CleanupsOutcome:
        """``doCleanups()`` called from the test's own coroutine.

        Synchronous cleanups run at once; from the first one that returns an
        awaitable, the rest run when the returned object is awaited.
        """
        # unittest keeps the cleanups in ``_cleanups``, the list its own
        # doCleanups() and debug() pop.
        cleanups: list[tuple[Any, Any, Any]] = self._cleanups  # type: ignore[attr-defined]
        errors: list[BaseException] = []
        while cleanups:
            function, args, kwargs = cleanups.pop()
            try:
                result = function(*args, **kwargs)
            except Exception as exc:
                errors.append(exc)
                continue
            if inspect.isawaitable(result):
                return _CleanupsOutcome(not errors, _async_cleanups(result, cleanups, errors))
        if errors:
            raise errors[0]
        return _CleanupsOutcome(True, None)

    # -- the stdlib IsolatedAsyncioTestCase names ---------------------------
    def _tearDownAsyncioRunner(self) -> None:
        """``IsolatedAsyncioTestCase``'s name for ending a test's loop after ``debug()``.

        Private in the standard library, but its own tests and some suites call
        it after a failed ``debug()``: it ends the run the same way
        ``doCleanups()`` would, without running the cleanups.
        """
        self._end_test()

    _tearDownAsyncioLoop = _tearDownAsyncioRunner  # its name on Python 3.10

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

    # -- per-test machinery (private) -----------------------------------------------
    def _begin_test(self) -> None:
        if self._run is not None:
            self._end_test()  # the run a failed debug() left open
        cls = type(self)
        owns_loop = not cls.use_default_loop
        if owns_loop:
            loop = cls._make_loop()
            context = contextvars.copy_context()
        else:
            if cls._class_loop is None or cls._class_loop.is_closed():
                cls.setUpClass()  # setUpClass was overridden without calling super()
            assert cls._class_loop is not None and cls._class_context is not None
            loop = cls._class_loop
            context = cls._class_context.copy()
        limit, checks, by_strict = self._configuration()
        run = TestRun(
            loop,
            owns_loop=owns_loop,
            context=context,
            limit=limit,
            checks=checks,
            # The id is made only if a warning needs it (bench/bench_case.py).
            warn=functools.partial(
                _warn_skipped,
                (cls, self._testMethodName) if cls.id is unittest.TestCase.id else self.id(),
            ),
            failure=self.failureException,
            forbid_get_event_loop=cls.forbid_get_event_loop,
            cancel_wait=cls.cancel_wait,
            allowed_threads=tuple(cls.allowed_threads),
            by_strict=by_strict,
        )
        self._run, self.loop = run, loop
        run.start()
        if self._debugging:  # unittest's debug() pops the cleanups itself: the checks go last
            self.addCleanup(self._finish_checks)

    def _end_test(self) -> None:
        run, self._run = self._run, None
        self._left_open = False
        if run is not None:
            try:
                run.close(self.id)
            finally:
                self.loop = None  # type: ignore[assignment]

    def _configuration(self) -> _decorators.Settings:
        """The time limit, the checks, and those --strict forced on, of this test."""
        return _decorators.settings_of(type(self), self._testMethodName)

    def _finish_checks(self) -> None:
        __tracebackhide__ = True  # pytest: show the report, not this frame
        run = self._run
        problems = run.finish() if run is not None else []
        if problems:
            error = self.failureException("\n\n".join(problems))
            setattr(error, _oneresult.CHECKS_MARK, True)  # joins the test's own failure
            raise error

    def _call_user(self, function: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        run = self._run
        if run is None:
            # doCleanups() called outside a test: only synchronous cleanups can run.
            result = function(*args, **kwargs)
            if inspect.isawaitable(result):
                if isinstance(result, Coroutine):
                    result.close()
                raise RuntimeError(
                    f"the async cleanup {function!r} needs the test's loop, and no test of "
                    f"{self.id()} is running: call doCleanups() from the test, or let "
                    "unittest run the cleanups after it"
                )
            return result
        try:
            return run.call(function, *args, **kwargs)
        except KeyboardInterrupt:
            if self._interrupted or run.depth > 0 or self._debugging:
                raise  # a second Ctrl-C stops at once
            self._interrupted = True
            # A limit for the cleanups (none if ASYNCTOOLKIT_LAST_RESORT_SECONDS is
            # not valid: that error is each test's, not this Ctrl-C's).
            with contextlib.suppress(ValueError):
                run.set_limit(INTERRUPTED_CLEANUP_LIMIT)
            raise TestInterrupted(
                "interrupted (Ctrl-C): the test was stopped; its tear-down and cleanups ran, "
                "then the run stopped (press Ctrl-C again to stop at once)"
            ) from None


# explore's mark, None until a decorator sets one: read on every test, the
# class attribute is always found (_decorators.exploration_of).
setattr(TestCase, EXPLORE_MARK, None)


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

    # unittest names the class by its module in str() and repr() (a verbose
    # run's lines, a failure's heading): ours by the path users import it
    # from, as before it moved to this module.
    def __str__(self) -> str:
        return f"{_class_name(type(self))} ({self._testFunc.__name__})"  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        return f"<{_class_name(type(self))} tec={self._testFunc!r}>"  # type: ignore[attr-defined]

    def _configuration(self) -> _decorators.Settings:
        # ``fail_on``/``timeout`` may decorate the test function itself.
        func = self._testFunc  # type: ignore[attr-defined]
        cls = type(self)
        return (
            _decorators.time_limit(cls, func),
            _decorators.enabled_checks(cls, func),
            _decorators.turned_on_by_strict(cls, func),
        )


class _CleanupsOutcome:
    """What ``doCleanups()`` returns inside a test's coroutine.

    True when every cleanup run so far passed; awaitable, so that ``await
    self.doCleanups()`` (asynctest's form) runs the async cleanups too.  If
    async cleanups remain and it is never awaited, the coroutine holding
    them is reported by the ``unawaited_coroutines`` check.
    """

    def __init__(self, success: bool, rest: Coroutine[Any, Any, bool] | None) -> None:
        self._success = success
        self._rest = rest

    def __bool__(self) -> bool:
        return self._success

    def __await__(self) -> Generator[Any, None, bool]:
        if self._rest is None:
            return self._success
        return (yield from self._rest.__await__())


async def _async_cleanups(
    first: Awaitable[Any], cleanups: list[tuple[Any, Any, Any]], errors: list[BaseException]
) -> bool:
    """Await ``first``, then run the remaining ``cleanups`` (last added first)."""
    pending: Awaitable[Any] | None = first
    while True:
        if pending is not None:
            try:
                await pending
            except Exception as exc:
                errors.append(exc)
        if not cleanups:
            break
        function, args, kwargs = cleanups.pop()
        try:
            result = function(*args, **kwargs)
        except Exception as exc:
            errors.append(exc)
            pending = None
            continue
        pending = result if inspect.isawaitable(result) else None
    if errors:
        raise errors[0]
    return True


def _class_name(cls: type) -> str:
    """``unittest.util.strclass``, with the public path for this module's classes."""
    if cls.__module__ == __name__:
        return f"asynctoolkit.case.{cls.__qualname__}"
    return unittest.util.strclass(cls)


def _warn_skipped(test_id: str | tuple[type, str], message: str) -> None:
    """Say that a check was skipped for ``test_id`` (or (class, method) for unittest's id)."""
    if isinstance(test_id, tuple):
        cls, name = test_id
        test_id = f"{unittest.util.strclass(cls)}.{name}"
    warnings.warn(f"{test_id}: {message}", RuntimeWarning, stacklevel=2)
