"""The pytest plugin's hooks and fixtures (``asynctoolkit.pytest_plugin`` documents them).

``pytest_plugin.py``, the module pytest loads, imports this one with
Python's import system alone (see its ``_without_assertion_rewriting``):
pytest would otherwise rewrite it as a module of a plugin's distribution,
reading its cached code back piece by piece.  Every hook and fixture is
listed in ``__all__``, which is what ``pytest_plugin.py`` imports.
"""

from __future__ import annotations

import asyncio
import inspect
import types
import unittest
from collections.abc import Callable, Generator
from typing import Any

import pytest

from asynctoolkit import _pytest_asyncio, _pytest_runs
from asynctoolkit._shared import asyncio_details, lazy, threads
from asynctoolkit.case import _watchdog
from asynctoolkit.case._run import TestRun
from asynctoolkit.compat import _pytest_option

#: What ``pytest_plugin.py`` imports: every hook and fixture of the plugin.
__all__ = [
    "_asynctoolkit_harness",
    "clock",
    "loop",
    "pytest_addoption",
    "pytest_collection_modifyitems",
    "pytest_configure",
    "pytest_fixture_setup",
    "pytest_load_initial_conftests",
    "pytest_pycollect_makeitem",
    "pytest_pycollect_makeitem_release",
    "pytest_pyfunc_call",
    "pytest_report_header",
    "pytest_runtest_makereport",
    "pytest_runtest_protocol",
    "pytest_terminal_summary",
]

# pytest imports its plugins before it captures the output: the watchdog's
# stacks of a test stuck past its limit go to the terminal while it lasts.
_watchdog.report_to_current_stderr()

_HARNESS = "_asynctoolkit_harness"
_MARKER = "asynctoolkit"
_THEIR_MARKER = _pytest_asyncio.MARKER

# Who runs an async test marked neither ``asyncio`` nor ``asynctoolkit``.
_UNMARKED = "asynctoolkit_unmarked"
_UNMARKED_CHOICES = ("pytest-asyncio", "asynctoolkit")


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    _pytest_asyncio.remember_parser(parser, pluginmanager)
    _pytest_option.add_ini_option(parser)  # asynctoolkit_asynctest: the asynctest layer
    help_text = (
        "who runs async tests marked neither asyncio nor asynctoolkit: 'pytest-asyncio' "
        "(the default: pytest-asyncio in its auto mode, asynctoolkit otherwise) or "
        "'asynctoolkit' (always asynctoolkit, also in pytest-asyncio's auto mode)"
    )
    parser.addini(_UNMARKED, help_text, default=_UNMARKED_CHOICES[0])
    group = parser.getgroup("asynctoolkit")
    group.addoption(
        "--asynctoolkit-seed",
        dest="asynctoolkit_seed",
        type=_seed_option,
        default=None,
        metavar="N",
        help="replay seed N in every explored test (@explore, or the marker's explore=); "
        "ASYNCTOOLKIT_SEED=N does the same",
    )
    group.addoption(
        "--asynctoolkit-unmarked",
        dest=_UNMARKED,
        choices=_UNMARKED_CHOICES,
        default=None,
        help=help_text + f"; overrides the ini option {_UNMARKED}",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    # Before the conftests are imported: they may import asynctest.
    _pytest_option.install_if_enabled(early_config)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{_MARKER}(clock=False, timeout=None, explore=None, **checks): run this async test "
        "with asynctoolkit (virtual time with clock=True or 'autojump', a real-time limit, "
        "seeded exploration with explore=RUNS or a dict of explore()'s arguments, checks "
        "turned on or off by name)",
    )
    seed = config.getoption("asynctoolkit_seed", None)
    if seed is not None:
        from asynctoolkit._shared import exploration

        exploration.set_replay_seed(seed)
    _unmarked_setting(config)  # a misspelt value is an error before collection
    # A suite written for pytest-asyncio runs on asynctoolkit unchanged.
    _pytest_asyncio.offer_if_absent(config)
    config.stash[_pytest_runs.LOOP_DEBUG] = _pytest_asyncio.debug(config)


def pytest_report_header(config: pytest.Config) -> str:
    runner, why = _unmarked_runner(config)
    line = f"asynctoolkit: unmarked async tests are run by {runner} ({why})"
    if runner != "asynctoolkit":
        line += f"; {_UNMARKED} = asynctoolkit runs them on asynctoolkit"
    return line


def pytest_terminal_summary(terminalreporter: Any) -> None:
    waiting = threads.waiting_at_exit()
    if waiting:
        terminalreporter.write_line(waiting)


def _unmarked_setting(config: pytest.Config) -> str:
    value = config.getoption(_UNMARKED, None) or config.getini(_UNMARKED)
    value = str(value).strip()
    if value not in _UNMARKED_CHOICES:
        raise pytest.UsageError(
            f"{_UNMARKED} = {value!r}: it names who runs async tests marked neither asyncio "
            f"nor asynctoolkit; use {' or '.join(map(repr, _UNMARKED_CHOICES))}"
        )
    return value


def _unmarked_runner(config: pytest.Config) -> tuple[str, str]:
    """Which plugin runs unmarked async tests, and why (for the report header)."""
    if _unmarked_setting(config) == "asynctoolkit":
        return "asynctoolkit", f"{_UNMARKED} = asynctoolkit"
    mode = _pytest_asyncio.mode(config)
    if mode is None:
        return "asynctoolkit", "pytest-asyncio is not loaded"
    if mode == "auto":
        return "pytest-asyncio", "its asyncio_mode is auto"
    return "asynctoolkit", f"pytest-asyncio's asyncio_mode is {mode}"


def _seed_option(text: str) -> int:
    from asynctoolkit._shared import exploration

    try:
        return exploration.parse_seed(text, "--asynctoolkit-seed")
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> bool | None:
    # Our async tests: their reports are kept back until every run is over
    # (asynctoolkit/_pytest_runs.py says why).
    if not _pytest_runs.taken(item):
        if _HARNESS not in getattr(item, "fixturenames", ()):
            return None
        _take(item, ours=False)  # an item that collection did not hand to the plugin
    return _pytest_runs.run(item, nextitem)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    report = yield
    if call.when == "teardown" and _pytest_runs.taken(item):
        _pytest_runs.note_findings(report, call)
    return report


def _is_ours(item: pytest.Item) -> bool:
    if not isinstance(item, pytest.Function) or _in_unittest_class(item):
        return False  # unittest classes run themselves (asynctoolkit.TestCase included)
    if item.get_closest_marker(_MARKER) is not None:
        return True
    if item.get_closest_marker(_THEIR_MARKER) is not None and _pytest_asyncio.loaded(item.config):
        return False  # pytest-asyncio's
    return inspect.iscoroutinefunction(item.obj)


# -- claiming tests from pytest-asyncio ------------------------------------------
# pytest-asyncio claims a test by its ``asyncio`` marker, which its auto mode
# adds to every async test at collection (versions 0.23 to 1.x also turn the
# item into one of their own classes, 0.21 marks it in
# pytest_collection_modifyitems).  A test we take from it gets the
# ``asynctoolkit`` marker first; then pytest-asyncio's markers and item class
# are taken off every test of ours again, at each of those points.


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_pycollect_makeitem(
    collector: pytest.Module | pytest.Class, name: str, obj: object
) -> Generator[None, Any, None]:
    # Innermost: the items are pytest's own, with the markers the user wrote
    # and none that pytest-asyncio's auto mode adds afterwards.  An unmarked
    # async test is ours with the setting, or when it asks for our loop
    # (``loop``, ``clock``), which only a test of ours can use.
    outcome = yield
    if outcome.excinfo is not None:
        return
    everyone = _unmarked_setting(collector.config) == "asynctoolkit"
    for item in _items(outcome.get_result()):
        if _is_unmarked_async_test(item) and (everyone or _HARNESS in item.fixturenames):
            item.add_marker(_MARKER)


@pytest.hookimpl(specname="pytest_pycollect_makeitem", hookwrapper=True, tryfirst=True)
def pytest_pycollect_makeitem_release(
    collector: pytest.Module | pytest.Class, name: str, obj: object
) -> Generator[None, Any, None]:
    # Outermost: after pytest-asyncio has made its items.
    outcome = yield
    if outcome.excinfo is not None or not _pytest_asyncio.loaded(collector.config):
        return
    items = _items(outcome.get_result())
    released = [_released(item) if _is_ours(item) else item for item in items]
    if any(new is not old for new, old in zip(released, items, strict=True)):
        outcome.force_result(released)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Last, once every plugin has marked the tests (pytest-asyncio 0.21 marks
    # async tests here in auto mode).
    for item in items:
        ours = isinstance(item, pytest.Function) and _is_ours(item)
        if ours and isinstance(item, pytest.Function):
            if _pytest_asyncio.loaded(item.config):
                _drop_their_markers(item)
            # First fixture: the run is there before any other is set up.
            if _HARNESS in item.fixturenames:
                item.fixturenames.remove(_HARNESS)
            item.fixturenames.insert(0, _HARNESS)
        if ours or _HARNESS in getattr(item, "fixturenames", ()):
            _take(item, ours)


def _take(item: pytest.Item, ours: bool) -> None:
    """The test runs on a run of its own (``_pytest_runs.take``).

    ``ours``: the test is known to be one of ours (``_is_ours``), so another
    plugin's test asking for our loop is not to be looked for at its setup.
    """
    refuse = _refuse_wider_async_fixtures if ours else _refuse
    if _to_load:
        _load_for(item)
    _pytest_runs.take(item, _HARNESS, refuse)


# What a run may need, imported when the first async test that may need it
# is collected, past pytest's assertion rewriting as the plugin's own
# modules are (_shared/lazy.py), not at start-up: a suite without async
# tests, or without virtual time, never imports it.
_to_load = ["asynctoolkit.case._checks", "asynctoolkit.selector", "asynctoolkit.clock"]


def _load_for(item: pytest.Item) -> None:
    clocked = "clock" in getattr(item, "fixturenames", ()) or any(
        marker.kwargs.get("clock") or marker.kwargs.get("explore")
        for marker in item.iter_markers(_MARKER)
    )
    names = [name for name in _to_load if clocked or name != "asynctoolkit.clock"]
    for name in names:
        lazy.import_module(name)
        _to_load.remove(name)


def _refuse(item: pytest.Item) -> None:
    """Raises when ``item`` may not run on our loop (once per test, at its first setup)."""
    __tracebackhide__ = True
    _refuse_other_plugins_tests(item)
    _refuse_wider_async_fixtures(item)


def _items(result: object) -> list[Any]:
    if result is None:
        return []
    return list(result) if isinstance(result, (list, tuple)) else [result]


def _in_unittest_class(item: pytest.Function) -> bool:
    return isinstance(item.cls, type) and issubclass(item.cls, unittest.TestCase)


def _is_unmarked_async_test(item: object) -> bool:
    return (
        isinstance(item, pytest.Function)
        and not _in_unittest_class(item)
        and item.get_closest_marker(_MARKER) is None
        and item.get_closest_marker(_THEIR_MARKER) is None
        and inspect.iscoroutinefunction(item.obj)
    )


def _released(item: pytest.Function) -> pytest.Function:
    """``item`` as a plain pytest item, without ``asyncio`` markers of its own."""
    _drop_their_markers(item)
    if type(item).__module__.partition(".")[0] == "pytest_asyncio":
        callspec = getattr(item, "callspec", None)
        plain = pytest.Function.from_parent(
            item.parent,
            name=item.name,
            callspec=callspec,
            callobj=item.obj,
            fixtureinfo=item._fixtureinfo,
            keywords={k: v for k, v in item.keywords.items() if k != _THEIR_MARKER},
            originalname=item.originalname,
        )
        plain.own_markers = list(item.own_markers)
        return plain
    return item


def _drop_their_markers(item: pytest.Item) -> None:
    item.own_markers[:] = [mark for mark in item.own_markers if mark.name != _THEIR_MARKER]


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    harness = _pytest_runs.active
    if harness is None or _pytest_runs.active_item is not pyfuncitem:
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
    run = _pytest_runs.active  # set while one of our tests is set up, run or torn down
    if (
        run is not None
        and fixturedef.argname == "event_loop"
        and _pytest_asyncio.loaded(request.config)
    ):
        # pytest-asyncio before 1.0 adds its ``event_loop`` to the async
        # fixtures it wraps, so our tests set it up too: it closes the current
        # loop when it starts and when it ends, and then leaves a new one
        # current.  Keep the test's loop out of its reach.
        fixturedef.addfinalizer(_close_loop_left_current)  # after pytest-asyncio's own
        asyncio.set_event_loop(None)
        try:
            yield
        finally:
            asyncio.set_event_loop(run.loop)
        fixturedef.addfinalizer(_no_current_loop)  # before pytest-asyncio's own
        return
    function = _async_fixture_function(fixturedef.func)
    if function is None or run is None:
        yield
        return
    original = fixturedef.func
    if fixturedef.scope != "function":
        # Refused inside pytest's own call, so that pytest records the error
        # as this fixture's; then forgotten, so that it stays usable by the
        # tests that pytest-asyncio runs.
        fixturedef.func = _refusal(fixturedef)  # type: ignore[misc]
        try:
            yield
        finally:
            fixturedef.func = original  # type: ignore[misc]
            fixturedef.finish(request)  # type: ignore[arg-type]
        return
    fixturedef.func = _sync_fixture(function)  # type: ignore[misc]
    try:
        yield
    finally:
        fixturedef.func = original  # type: ignore[misc]


def _refusal(fixturedef: pytest.FixtureDef[Any]) -> Callable[..., Any]:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        raise _wider_scope_error(fixturedef)

    return refuse


def _refuse_other_plugins_tests(item: pytest.Item) -> None:
    """An async test another plugin runs cannot have our loop: say so before it starts."""
    __tracebackhide__ = True
    if (
        isinstance(item, pytest.Function)
        and not _in_unittest_class(item)
        and not _is_ours(item)
        and _test_function(item) is not None
    ):
        raise pytest.UsageError(
            f"{item.nodeid} is marked asyncio, so pytest-asyncio runs it on its own loop, but "
            "it asks for asynctoolkit's loop (the loop or clock fixture, or a fixture that "
            "uses them); mark it @pytest.mark.asynctoolkit instead to run it on asynctoolkit, "
            "or use asyncio.get_running_loop()"
        )


def _refuse_wider_async_fixtures(item: pytest.Item) -> None:
    """Refuse, before any fixture is set up, the async fixtures of a wider scope.

    Refused when they are set up (``pytest_fixture_setup``), the second test
    to request one would get the value pytest cached for another test that
    may use it (one pytest-asyncio runs); refused here, every test of ours is.
    """
    __tracebackhide__ = True
    info = getattr(item, "_fixtureinfo", None)
    definitions = getattr(info, "name2fixturedefs", {})
    for name in getattr(item, "fixturenames", ()):
        fixturedefs = definitions.get(name)
        if not fixturedefs:
            continue
        fixturedef = fixturedefs[-1]  # the closest definition is the one used
        if fixturedef.scope != "function" and _async_fixture_function(fixturedef.func):
            raise _wider_scope_error(fixturedef)


def _wider_scope_error(fixturedef: pytest.FixtureDef[Any]) -> pytest.UsageError:
    return pytest.UsageError(
        f"async fixture {fixturedef.argname!r} has scope {fixturedef.scope!r}: asynctoolkit "
        "runs each test on its own loop, so its async fixtures must be function-scoped; "
        "make it function-scoped (share what it makes through a synchronous fixture), or "
        "leave the tests that share it to pytest-asyncio (@pytest.mark.asyncio)"
    )


def _no_current_loop() -> None:
    asyncio.set_event_loop(None)


def _close_loop_left_current() -> None:
    left = asyncio_details.current_loop_state().loop
    asyncio.set_event_loop(None)
    if left is not None and not left.is_running():
        left.close()


def _async_fixture_function(func: Callable[..., Any]) -> Callable[..., Any] | None:
    """The async function a fixture runs, or None for a synchronous fixture.

    pytest-asyncio 0.21 to 1.0 replace each async fixture they handle (all in
    auto mode) by a synchronous wrapper at collection; the wrapper names the
    original as ``__wrapped__``, and pytest-asyncio marks that original with
    ``_force_asyncio_fixture``.
    """
    if _is_async_function(func):
        return func
    raw = getattr(func, "__func__", func)  # a fixture defined in a test class is bound
    wrapped = getattr(raw, "__wrapped__", None)
    if wrapped is None or not _is_async_function(wrapped):
        return None
    marked = getattr(getattr(wrapped, "__func__", wrapped), "_force_asyncio_fixture", False)
    return wrapped if marked is True else None


def _is_async_function(func: object) -> bool:
    raw = getattr(func, "__func__", func)
    return inspect.iscoroutinefunction(raw) or inspect.isasyncgenfunction(raw)


def _sync_fixture(func: Callable[..., Any]) -> Callable[..., Any]:
    """A synchronous stand-in that runs ``func`` on the test's loop.

    A fixture defined in a test class comes bound to an instance; pytest
    rebinds it to each test's instance, so the stand-in is bound the same way.
    Arguments ``func`` does not take (``request`` and ``event_loop``, which
    pytest-asyncio adds to the fixtures it wraps) are left out.
    """
    raw: Callable[..., Any] = getattr(func, "__func__", func)
    own = _parameter_filter(raw)
    if inspect.isasyncgenfunction(raw):

        def generator_fixture(*args: Any, **kwargs: Any) -> Generator[Any, None, None]:
            harness = _current_harness(raw)
            agen = raw(*args, **own(kwargs))
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
            return _current_harness(raw).call(raw, *args, **own(kwargs))

        wrapper = coroutine_fixture
    bound_to = getattr(func, "__self__", None)
    return types.MethodType(wrapper, bound_to) if bound_to is not None else wrapper


def _parameter_filter(func: Callable[..., Any]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Keeps the keyword arguments ``func`` takes."""
    parameters = inspect.signature(func).parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return lambda kwargs: kwargs
    names = {p.name for p in parameters}
    return lambda kwargs: {k: v for k, v in kwargs.items() if k in names}


def _current_harness(func: Callable[..., Any]) -> TestRun:
    run = _pytest_runs.active
    if run is None:
        raise RuntimeError(
            f"async fixture {func.__qualname__} was requested outside an async test run by "
            "asynctoolkit; request it from an async test"
        )
    return run


@pytest.fixture
def _asynctoolkit_harness() -> TestRun:
    """The test's run (``TestRun``), started by the test's setup (``_pytest_runs``)."""
    run = _pytest_runs.active
    if run is None:
        raise RuntimeError(
            "asynctoolkit's loop was requested outside a test asynctoolkit runs; request "
            "the loop or clock fixture from a test function or a function-scoped fixture"
        )
    return run


@pytest.fixture
def loop(_asynctoolkit_harness: TestRun) -> Any:
    """The event loop the test runs on."""
    return _asynctoolkit_harness.loop


@pytest.fixture
def clock(_asynctoolkit_harness: TestRun) -> Any:
    """The test's clocked loop: ``await clock.advance(seconds)``, ``clock.autojump``."""
    return _asynctoolkit_harness.loop
