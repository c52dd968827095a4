"""What the ``unawaited_coroutines`` check knows about the coroutines around a test.

Two things: which coroutines the mocks handed out during the test, and which
coroutines were alive before the test began.

A ``CoroutineMock`` call returns a coroutine.  If the code under test drops it
without awaiting it, that is the bug the ``unawaited_coroutines`` check exists
for, and the report should name the mock and the call rather than an internal
coroutine function.  While a test runs, its ``unawaited_coroutines`` check
opens a collector in the test's ``contextvars.Context``; ``track_coroutine``
appends to the collector of the context it is called in, so a test run inside
another test, or tests running in other threads, each collect their own.
Outside a test nothing is collected and nothing is kept alive.

A coroutine dropped unawaited during a test fails it only if the test created
it: ``test_started``, ``test_ended`` and ``created_before`` tell which were
alive, never started, when the test began (see the comment above them).
"""

from __future__ import annotations

import contextvars
import gc
import inspect
import weakref
from collections.abc import Coroutine, Iterator
from types import CoroutineType
from typing import Any, NamedTuple

__all__: list[str] = []


class TrackedCoroutine(NamedTuple):
    """A coroutine handed out by a mock, with what to call it in a report."""

    coroutine: Coroutine[Any, Any, Any]
    owner: object
    call: object


class Collector(list[TrackedCoroutine]):
    """What one test collects; ``closed`` once its check has looked."""

    closed = False


_collector: contextvars.ContextVar[Collector | None] = contextvars.ContextVar(
    "asynctoolkit_coroutine_collector", default=None
)


def track_coroutine(coroutine: Coroutine[Any, Any, Any], owner: object, call: object) -> None:
    """Record that ``owner`` (a mock) returned ``coroutine`` for ``call``.

    Cheap and a no-op outside a test; called by ``CoroutineMock`` on each call.
    """
    collector = _collector.get()
    if collector is not None and not collector.closed:
        collector.append(TrackedCoroutine(coroutine, owner, call))


def open_collector(context: contextvars.Context) -> Collector:
    """Start collecting for the test that runs in ``context``."""
    collector = Collector()
    context.run(_collector.set, collector)
    return collector


def close_collector(collector: Collector) -> list[TrackedCoroutine]:
    """Stop collecting into ``collector``; returns what it collected."""
    collector.closed = True
    collected = list(collector)
    collector.clear()
    return collected


# -- coroutines that outlive a test ---------------------------------------------
#
# A coroutine dropped unawaited during a test fails it only if the test created
# it.  While a test runs, its check keeps Python's coroutine origin tracking on,
# so each coroutine the test creates carries ``cr_origin`` (where it was
# created).  One without an origin was made where nothing recorded it: before
# the test, or in another thread.  One with an origin may still come from an
# earlier test, from a loop in asyncio's debug mode, or from code that turned
# tracking on itself: the registry below remembers each never-started
# coroutine with an origin that was alive when a test began.
#
# How it finds them without searching the whole heap at every test: the
# garbage collector appends each new object to generation 0, and an object
# leaves generation 0 only by surviving a collection.  ``_frontier`` is an
# object made at the last search: what follows it in generation 0 is newer.
# Searching that part of generation 0 when a test ends, and at the start of
# every collection while a test runs (``gc.callbacks``), therefore finds every
# coroutine the test created that is still alive (after a collection, all of
# generation 0 is newer than the frontier, which has left it).  The whole heap
# is searched once, at the first test, for what came before.  When origins are
# recorded outside tests too (tracking was already on, or loops run in debug
# mode), collections are watched between tests as well, and generation 0 is
# searched when a test starts.  What ``gc.freeze()`` moves out of the
# collector's generations is not seen.
#
# Generation 0 is listed at every test end, so its length is a per-test cost.
# The collector starts on a count of allocations minus deallocations, and
# freeing an old object lowers that count too: a run whose tests each keep an
# object or two while freeing older ones (the test cases unittest lets go of)
# never reaches the threshold, and generation 0 grew by a few objects per test
# without end (an O(n) listing per test, O(n**2) per run: 16% of a 20,000-test
# run's time).  When a listing finds generation 0 longer than the collector's
# own threshold, the next test starts with the collection the count would
# have started: ``gc.collect(0)``, unless the collector is disabled.
#
# Entries are keyed by ``id(cr_origin)``: the registry holds that tuple (file
# names and line numbers), so the id stays unique, and only a weak reference
# to the coroutine, which stays free to be dropped.


class _Kept(NamedTuple):
    origin: object  # the coroutine's cr_origin, held so that its id() stays unique
    coroutine: weakref.ReferenceType[Coroutine[Any, Any, Any]]
    seen: int  # how many tests had started when it was registered


_kept: dict[int, _Kept] = {}
_frontier: list[Any] = []  # tracked by the collector, as every list
_tests_started = 0
_tests_running = 0
_heap_searched = False
_between_tests = False  # watch collections between tests too
_gen0_length = 0  # generation 0's length at the last listing


def test_started(origins_outside: bool) -> int:
    """A test starts: every coroutine alive now counts as created before it.

    ``origins_outside``: origin tracking was already on, or the test's loop
    is in debug mode, so origins may be recorded outside tests too.
    Returns the test's mark for ``created_before``; call ``test_ended`` after.
    """
    global _tests_started, _tests_running, _heap_searched, _between_tests, _frontier
    global _gen0_length
    if _gen0_length > gc.get_threshold()[0] and gc.isenabled():
        _gen0_length = 0
        gc.collect(0)  # the collection its count missed (see above)
    if origins_outside and not _tests_running and not _between_tests:
        _between_tests = True
        _heap_searched = False  # what was recorded until now may have left generation 0
    if not _heap_searched:
        _heap_searched = True
        _frontier = []
        _register(reversed(gc.get_objects()), None)
    elif _tests_running or _between_tests:
        _register_new()  # made by the enclosing test, or between tests
    else:
        _frontier = []  # nothing made between tests has an origin
    for key, kept in list(_kept.items()):
        coroutine = kept.coroutine()
        if coroutine is None or inspect.getcoroutinestate(coroutine) != inspect.CORO_CREATED:
            del _kept[key]
    _watch_collections(True)
    _tests_running += 1
    _tests_started += 1
    return _tests_started


def test_ended() -> None:
    """The test that ``test_started`` began has ended: register what it leaves alive."""
    global _tests_running
    _register_new()
    _tests_running -= 1
    if not _tests_running and not _between_tests:
        _watch_collections(False)


def created_before(coroutine: Coroutine[Any, Any, Any], mark: int) -> bool:
    """Was ``coroutine`` alive, never started, when the test marked ``mark`` began?"""
    origin = getattr(coroutine, "cr_origin", None)
    kept = _kept.get(id(origin))
    return kept is not None and kept.origin is origin and kept.seen < mark


def _watch_collections(on: bool) -> None:
    watching = _on_collection in gc.callbacks
    if on and not watching:
        gc.callbacks.append(_on_collection)
    elif not on and watching:
        gc.callbacks.remove(_on_collection)


# Coroutines a collection found in generation 0, registered once it is over.
_found: list[weakref.ReferenceType[Coroutine[Any, Any, Any]]] = []


def _on_collection(phase: str, info: dict[str, int]) -> None:
    # Before the survivors of generation 0 leave it, note its new coroutines;
    # weakly, and without reading them: a collection can start while a
    # coroutine is being made (an allocation for its ``cr_origin``, which
    # CPython sets after the coroutine is tracked), and reading that field
    # then reads memory not yet written.  Their type and weak reference list
    # are set first: those are safe.  They are registered outside the
    # collection, by the next ``_register_new``.
    global _frontier
    if phase == "start":
        frontier, _frontier = _frontier, []
        found, coroutine_type = _found, CoroutineType
        for obj in reversed(gc.get_objects(0)):
            if obj is frontier:
                break
            if type(obj) is coroutine_type:
                found.append(weakref.ref(obj))


def _register_new() -> None:
    """Register what generation 0 holds after the frontier, and what collections found."""
    global _frontier, _gen0_length
    frontier, _frontier = _frontier, []
    young = gc.get_objects(0)
    _gen0_length = len(young)
    _register(reversed(young), frontier)
    if _found:
        found = [coroutine for ref in _found if (coroutine := ref()) is not None]
        _found.clear()
        _register(iter(found), None)


def _register(newest_first: Iterator[Any], stop: object) -> None:
    """Remember the never-started coroutines with an origin, up to ``stop``."""
    kept, seen, coroutine_type = _kept, _tests_started, CoroutineType
    for obj in newest_first:
        if obj is stop:
            break
        if type(obj) is coroutine_type:
            origin = obj.cr_origin
            if (
                origin is not None
                and id(origin) not in kept
                and obj.cr_frame is not None  # not finished (cheap to ask first)
                and inspect.getcoroutinestate(obj) == inspect.CORO_CREATED
            ):
                kept[id(origin)] = _Kept(origin, weakref.ref(obj), seen)
