"""The pytest plugin: plain ``async def test_...`` functions on a fresh checked loop.

Installed with the package (entry point ``pytest11``), it runs every
``async def`` test function that no other plugin claims the way
``asynctoolkit.TestCase`` runs a test: a new event loop per test, one
context for the test and its async fixtures, and the same checks afterwards.

Fixtures:

``loop``
    The test's event loop.
``clock``
    The test's loop when it runs on virtual time (a ``ClockedEventLoop``):
    asking for it is enough to make the test clocked.  ``await
    clock.advance(1)``, ``clock.advance_to``, ``clock.run_until_idle``,
    ``clock.autojump = True``.

Marker ``@pytest.mark.asynctoolkit(clock=False, timeout=..., **checks)``:
``clock=True`` (or ``"autojump"``) runs the test on virtual time; ``timeout``
is the real-time limit in seconds (``None``: no limit); each other keyword
turns a check on or off as ``fail_on`` does.

Async fixtures (``async def`` and async generators, function scope) run on
the test's loop.  A failed check is reported as an error in the test's
teardown, since it runs after every fixture was finalised.

Living with pytest-asyncio: a test that pytest-asyncio handles (marked
``@pytest.mark.asyncio``, or any async test in its ``auto`` mode) is left to
it; a test marked ``@pytest.mark.asynctoolkit`` is always ours, so mark tests
explicitly when pytest-asyncio runs in ``auto`` mode.  Every async fixture a
test of ours requests runs on that test's loop, however it was declared.
"""

from __future__ import annotations

import contextvars
import inspect
import types
import unittest
import warnings
from collections.abc import Callable, Generator
from typing import Any

import pytest

from asynctoolkit import case
from asynctoolkit.case import _decorators, _loops
from asynctoolkit.case._run import TestRun

__all__: list[str] = []

_HARNESS = "_asynctoolkit_harness"
_MARKER = "asynctoolkit"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{_MARKER}(clock=False, timeout=None, **checks): run this async test with "
        "asynctoolkit (virtual time with clock=True or 'autojump', a real-time limit, "
        "checks turned on or off by name)",
    )


def _is_ours(item: pytest.Item) -> bool:
    if not isinstance(item, pytest.Function):
        return False
    if isinstance(item.cls, type) and issubclass(item.cls, unittest.TestCase):
        return False  # unittest classes run themselves (asynctoolkit.TestCase included)
    if item.get_closest_marker(_MARKER) is not None:
        return True
    if item.get_closest_marker("asyncio") is not None:
        return False  # pytest-asyncio's
    return inspect.iscoroutinefunction(item.obj)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _is_ours(item) and isinstance(item, pytest.Function):
            # First fixture: set up before, finalised after every other one.
            if _HARNESS in item.fixturenames:
                item.fixturenames.remove(_HARNESS)
            item.fixturenames.insert(0, _HARNESS)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    harness = pyfuncitem.funcargs.get(_HARNESS)
    if not isinstance(harness, TestRun):
        return None
    function = _test_function(pyfuncitem)
    if function is None:
        return None
    argnames = pyfuncitem._fixtureinfo.argnames
    kwargs = {name: pyfuncitem.funcargs[name] for name in argnames}
    harness.call(function, **kwargs)
    return True


def _test_function(item: pytest.Function) -> Callable[..., Any] | None:
    """The test as written (with its decorators), bound as pytest binds it."""
    function = item.obj
    if inspect.iscoroutinefunction(function):
        return function  # type: ignore[no-any-return]
    # Another plugin (pytest-asyncio in auto mode) swapped in a synchronous
    # stand-in for this call: a test claimed at collection still runs on our
    # loop, so look it up again where it was defined.
    owner = item.instance if item.instance is not None else item.module
    function = getattr(owner, item.originalname, None)
    return function if inspect.iscoroutinefunction(function) else None


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_fixture_setup(
    fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest
) -> Generator[None, Any, None]:
    # Outermost, so other plugins (pytest-asyncio) see a plain fixture: an
    # async fixture requested by one of our tests runs on that test's loop.
    func = fixturedef.func
    raw = getattr(func, "__func__", func)  # a fixture defined in a test class is bound
    ours = _HARNESS in request.fixturenames and (
        inspect.iscoroutinefunction(raw) or inspect.isasyncgenfunction(raw)
    )
    if not ours:
        yield
        return
    if fixturedef.scope != "function":
        raise pytest.UsageError(
            f"async fixture {fixturedef.argname!r} has scope {fixturedef.scope!r}: asynctoolkit "
            "runs each test on its own loop, so its async fixtures must be function-scoped"
        )
    original = fixturedef.func
    fixturedef.func = _sync_fixture(func)  # type: ignore[misc]
    try:
        yield
    finally:
        fixturedef.func = original  # type: ignore[misc]


def _sync_fixture(func: Callable[..., Any]) -> Callable[..., Any]:
    """A synchronous stand-in that runs ``func`` on the test's loop.

    A fixture defined in a test class comes bound to an instance; pytest
    rebinds it to each test's instance, so the stand-in is bound the same way.
    """
    raw: Callable[..., Any] = getattr(func, "__func__", func)
    if inspect.isasyncgenfunction(raw):

        def generator_fixture(*args: Any, **kwargs: Any) -> Generator[Any, None, None]:
            harness = _current_harness(raw)
            agen = raw(*args, **kwargs)
            yield harness.call(agen.__anext__)
            try:
                harness.call(agen.__anext__)
            except StopAsyncIteration:
                return
            harness.call(agen.aclose)
            raise RuntimeError(f"async fixture {raw.__qualname__} yielded more than once")

        wrapper: Callable[..., Any] = generator_fixture
    else:

        def coroutine_fixture(*args: Any, **kwargs: Any) -> Any:
            return _current_harness(raw).call(raw, *args, **kwargs)

        wrapper = coroutine_fixture
    bound_to = getattr(func, "__self__", None)
    return types.MethodType(wrapper, bound_to) if bound_to is not None else wrapper


def _current_harness(func: Callable[..., Any]) -> TestRun:
    if _active is None:
        raise RuntimeError(
            f"async fixture {func.__qualname__} was requested outside an async test run by "
            "asynctoolkit; request it from an async test"
        )
    return _active


# The run of the test being set up, run or torn down (pytest runs one test
# at a time per process, also under xdist).
_active: TestRun | None = None


def _settings_from(item: pytest.Item) -> tuple[bool, bool, float | None, dict[str, bool]]:
    """(clocked, autojump, time limit, checks) from the test's markers.

    Markers of the module, the class and the test add up; the closest wins
    where they set the same keyword.
    """
    checks: dict[str, Any] = {}
    for marker in reversed(list(item.iter_markers(_MARKER))):  # farthest first
        if marker.args:
            raise pytest.UsageError(
                f"@pytest.mark.{_MARKER} takes keywords only (clock=, timeout=, check=True/False)"
            )
        checks.update(marker.kwargs)
    clock = checks.pop("clock", False)
    if clock not in (False, True, "autojump"):
        raise pytest.UsageError(
            f"@pytest.mark.{_MARKER}(clock=...) takes True, False or 'autojump'"
        )
    timeout = checks.pop("timeout", _decorators.UNSET)

    def test() -> None:
        """Carries the marker's settings the way a decorated test method would."""

    case.fail_on(**checks)(test)
    if timeout is not _decorators.UNSET:
        case.timeout(timeout)(test)
    limit = _decorators.time_limit(None, test)
    return bool(clock), clock == "autojump", limit, _decorators.enabled_checks(None, test)


@pytest.fixture
def _asynctoolkit_harness(request: pytest.FixtureRequest) -> Generator[TestRun, None, None]:
    global _active
    __tracebackhide__ = True  # a failed check is reported, not this fixture
    clocked, autojump, limit, enabled = _settings_from(request.node)
    clocked = clocked or "clock" in request.fixturenames
    loop = _loops.new_clocked_loop(autojump) if clocked else _loops.new_loop()
    name = request.node.nodeid

    def warn(message: str) -> None:
        warnings.warn(f"{name}: {message}", RuntimeWarning, stacklevel=2)

    run = TestRun(
        loop,
        owns_loop=True,
        context=contextvars.copy_context(),
        limit=limit,
        checks=enabled,
        warn=warn,
    )
    try:
        run.start()
        _active = run
        yield run
        _active = None
        problems = run.finish()
        if problems:
            raise AssertionError("\n\n".join(problems))
    finally:
        _active = None
        run.close(name)


@pytest.fixture
def loop(_asynctoolkit_harness: TestRun) -> Any:
    """The event loop the test runs on."""
    return _asynctoolkit_harness.loop


@pytest.fixture
def clock(_asynctoolkit_harness: TestRun) -> Any:
    """The test's clocked loop: ``await clock.advance(seconds)``, ``clock.autojump``."""
    return _asynctoolkit_harness.loop
