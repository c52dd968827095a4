"""Which coroutines were alive before a test began (``unawaited_coroutines``).

A coroutine dropped unawaited during a test fails it only if the test created
it: ``test_started``, ``test_ended`` and ``created_before`` tell which were
alive, never started, when the test began (see the comment above them).  The
coroutines the mocks hand out are collected apart (``mock_coroutines``).
"""

from __future__ import annotations

import _thread
import contextlib
import gc
import signal
import sys
import threading
import time
import weakref
from collections.abc import Coroutine
from types import CoroutineType
from typing import Any

__all__: list[str] = []


# -- coroutines that outlive a test ---------------------------------------------
#
# A coroutine dropped unawaited during a test fails it only if the test created
# it.  While a test runs, its check keeps Python's coroutine origin tracking on,
# so each coroutine the test creates carries ``cr_origin`` (where it was
# created).  One without an origin was made where nothing recorded it: before
# the test, or in another thread.  One with an origin may still come from an
# earlier test, from a loop in asyncio's debug mode, or from code that turned
# tracking on itself: what follows tells when it was made, as the number of
# tests started by then (its *period*).
#
# Without searching the heap at every test: the garbage collector appends
# each new object to generation 0, in order, and an object leaves generation
# 0 only through a collection.  CPython makes a coroutine's origin tuple just
# after the coroutine, so the two stay side by side there.  Each test start
# appends a *mark* (a fresh list) to generation 0: the marks cut it into
# periods.
#
# - At the start of every collection (``gc.callbacks``), before the survivors
#   leave generation 0, its coroutines with an origin are registered in
#   ``_kept`` with the period of their origin's place.  Where generation 0
#   holds no mark (most collections of a long test), that is the running
#   period for all of them, and the places are not looked at.
# - When a coroutine is dropped unawaited, it is looked up in ``_kept``, else
#   its origin is looked for in generation 0: nothing is searched when a test
#   ends.
#
# Three things a collection may meet, since it can start at any allocation
# (from Python 3.12, only between bytecodes: the first cannot happen there):
#
# - A coroutine being made: CPython tracks it before it sets ``cr_origin``,
#   and an allocation for the origin can start a collection; reading the
#   field then reads memory not yet written.  What tells it: from Python 3.11
#   its frame is not set yet (``cr_frame`` is None, as for a finished one);
#   on 3.10 its frame is not tracked by the collector yet.  It is not read:
#   it is noted weakly (``_found``: neither sign is ever a dying coroutine's)
#   and read at the next test start or end.  (Holding the tuple after it
#   instead, as its origin, kept whatever tuple followed a finished
#   coroutine alive, with what it refers to.)
# - A coroutine being finalized: one dropped unawaited warns, which runs
#   Python code whose allocations may start a collection.  CPython clears a
#   dying object's weak references before its finalizer, never after: one
#   made then would point to freed memory (a crash).  So the registry holds
#   origins, never coroutines, and weak references are made only to a
#   coroutine being made.  A dying coroutine was put back at the end of
#   generation 0 for its finalizer, away from its origin: its period is that
#   of its origin's place.
# - Coroutines made before the first test: nothing searches the heap for
#   them.  Every collection since the first test started is watched, so a
#   coroutine made since then is registered, or is still in generation 0
#   where its place tells its period.  One found nowhere was made before
#   (it left generation 0 before the first test, or in a collection nobody
#   watched): ``created_before`` says so.
#
# The collector starts on a count of allocations minus deallocations, and
# freeing an old object lowers it too: a run whose tests each free older
# objects (the test cases unittest lets go of) may never reach the threshold,
# and its marks would pile up in generation 0.  When as many marks wait as
# the threshold, the next test starts with that collection: ``gc.collect(0)``
# (unless the collector is disabled).
#
# Collections are watched from the first test on; the callback takes itself
# off once no test runs and no mark is left in generation 0, if it is the
# last callback (``gc`` calls them by index: removing one that has others
# after it would skip the next).  What ``gc.freeze()`` moves out of the
# collector's generations is not seen: a coroutine found nowhere after a
# freeze, or after a collection that ran while the callback was off (origins
# recorded between tests by a loop in debug mode, say), counts as made before
# the test (a warning, never a failure).
#
# ``_kept`` is keyed by ``id(cr_origin)`` and holds the tuple, so the id stays
# unique.  Once only the registry holds an origin, its coroutine is gone: the
# entry is dropped at a test start (or, between tests, at a collection's
# end), once the registry has doubled since the last time.


# id(origin) -> the origin, and id(origin) -> its period (how many tests had
# started when it was made): two dictionaries, no object per entry.
_kept: dict[int, Any] = {}
_kept_periods: dict[int, int] = {}
# Origins registered by collections that looked at no places, not yet in
# ``_kept``: (period, origins), oldest first, and how many origins they hold.
# An origin may be registered more than once (a dying coroutine is met
# again): its period is the smallest.
_batches: list[tuple[int, list[Any]]] = []
_batched = 0
_MIN_PRUNE = 256
_prune_at = _MIN_PRUNE  # the registry's size that starts the next ``_prune``
# The marks still in generation 0, oldest first, with the number of their test.
_marks: list[tuple[list[Any], int]] = []
# The period of what is in generation 0 before the oldest mark: tests started
# when a collection last emptied it.
_base = 0
# Coroutines that were being made when a collection started: id -> (weak
# reference, period); read at the next test start or end.
_found: dict[int, tuple[weakref.ReferenceType[Coroutine[Any, Any, Any]], int]] = {}
_tests_started = 0
_tests_running = 0
_between_tests = False  # origins are recorded outside tests too: watch for good
# Collections while the callback was off (its count when it took itself off,
# None while on), and the collector's frozen objects at the first test.
_removed_at: int | None = None
_unwatched_collections = False
_freezes = 0
# From 3.11 a coroutine being made has no frame yet (see above).
_FRAME_SET_LATE = sys.version_info >= (3, 11)
# From 3.11 "started" is read without the frame (cr_suspended); from 3.12 no
# collection starts while a coroutine is being made (see above).
_QUICK_STATE = sys.version_info >= (3, 11)
# The main thread: where Python runs signal handlers.
_MAIN_THREAD = threading.main_thread().ident
_BEING_MADE_POSSIBLE = sys.version_info < (3, 12)


def test_started(origins_outside: bool) -> int:
    """A test starts: every coroutine alive now counts as created before it.

    ``origins_outside``: origin tracking was already on, or the test's loop
    is in debug mode, so origins may be recorded outside tests too.
    Returns the test's mark for ``created_before``; call ``test_ended`` after.
    """
    global _tests_started, _tests_running, _between_tests
    if origins_outside:
        _between_tests = True  # watched for good from now on
    if _found:
        _read_found()
    if len(_kept) + _batched >= _prune_at:
        _prune()
    if len(_marks) >= gc.get_threshold()[0] and gc.isenabled():
        gc.collect(0)  # the collection the collector's count missed (see above)
    _tests_running += 1
    _tests_started += 1
    _marks.append(([], _tests_started))
    if _on_collection not in gc.callbacks:
        _watch_again()
    return _tests_started


def _watch_again() -> None:
    """Put the collection callback back (first test, or after it took itself off)."""
    global _removed_at, _unwatched_collections, _freezes
    if _removed_at is None:  # the first time
        _freezes = gc.get_freeze_count()
    elif _collections() != _removed_at:
        _unwatched_collections = True
    _removed_at = None
    gc.callbacks.append(_on_collection)


def _collections() -> int:
    return sum(generation["collections"] for generation in gc.get_stats())


def _unwatched() -> bool:
    """Did a collection run unwatched, or ``gc.freeze()``, since the first test?"""
    return _unwatched_collections or gc.get_freeze_count() != _freezes


def _prune() -> None:
    """Drop the entries whose coroutine is gone; next time when the registry has doubled.

    Amortised: a run that keeps many registered coroutines alive does not pay
    for them at every test, and the dead ones wait at most until then.
    """
    global _prune_at
    if _batches:
        _merge()
    getrefcount, kept = sys.getrefcount, _kept
    # A copy first: a collection may start at any allocation and add entries.
    keys = list(kept)
    # Held by the registry and the call alone: its coroutine is gone.
    gone = [key for key in keys if getrefcount(kept[key]) <= 2]
    for key in gone:
        del _kept[key]  # first: no origin without its period, as above
        del _kept_periods[key]
    _prune_at = max(_MIN_PRUNE, 2 * len(_kept))


def _merge() -> None:
    """Put the batches' origins still held by a coroutine in the registry
    (an origin met more than once keeps its smallest period)."""
    global _batched
    getrefcount, kept, periods = sys.getrefcount, _kept, _kept_periods
    # A copy first: a collection may start at any allocation and add a batch.
    # The batches leave the list only once merged: an interrupt on the way
    # (a signal's handler) leaves them to be merged again, which is harmless.
    batches = _batches[:]
    for period, origins in batches:
        # Held by the batch, the loop and the call alone: its coroutine is gone.
        for origin in [o for o in origins if getrefcount(o) > 3]:
            key = id(origin)
            if key in kept:  # the same origin: both are alive
                if period < periods[key]:
                    periods[key] = period
            else:
                periods[key] = period  # first: an interrupt between
                kept[key] = origin  # the two leaves no origin without its period
    del _batches[: len(batches)]
    _batched = sum(len(origins) for _, origins in _batches)


def test_ended() -> None:
    """The test that ``test_started`` began has ended."""
    global _tests_running
    _tests_running -= 1
    if _found:
        _read_found()


def created_before(coroutine: Coroutine[Any, Any, Any], mark: int) -> bool:
    """Was ``coroutine`` made before the test marked ``mark`` began?

    Call it for a coroutine being dropped unawaited, with an origin.
    """
    origin: Any = getattr(coroutine, "cr_origin", None)
    key = id(origin)
    if _batches:
        _merge()
    if _kept.get(key) is not origin:
        period = _periods_in_young({key: origin}).get(key)
        if period is not None:
            return period < mark
        found = _found.get(id(coroutine))
        if found is not None:
            return found[1] < mark
    if _kept.get(key) is origin:  # again: listing generation 0 may have started a collection
        return _kept_periods[key] < mark
    # Seen nowhere: it left generation 0 before the first test started, or
    # in a collection nobody watched (or was frozen), and so before this test:
    # every coroutine made since the first test started is registered by
    # the collection it leaves generation 0 in (see above).
    return True


def _periods_in_young(wanted: dict[int, Any]) -> dict[int, int]:
    """The periods of the ``wanted`` objects (id -> object) found in generation 0."""
    # The listing first: making it may start a collection, which clears the marks.
    listing = gc.get_objects(0)
    marks, period, index, periods = list(_marks), _base, 0, {}
    mark = marks[0][0] if marks else None
    for young in listing:  # oldest first
        if young is mark:
            period = marks[index][1]
            index += 1
            mark = marks[index][0] if index < len(marks) else None
        elif id(young) in wanted and wanted[id(young)] is young:
            periods[id(young)] = period
            if len(periods) == len(wanted):
                break
    return periods


def _on_collection(phase: str, info: dict[str, int]) -> None:
    # A signal's handler may run in this callback, and gc swallows what the
    # callback raises ("Exception ignored in"): a Ctrl-C, or the watchdog's
    # interrupt of a stuck test, was lost and the test ran on to its limit.
    # So a KeyboardInterrupt is caught, the work done again (it is idempotent:
    # what the interrupt cut short is finished), and SIGINT sent again once
    # the collection is over: at its "stop" (sent at "start", it often landed
    # in the weak references' callbacks of the garbage being collected, where
    # Python swallows it too).  A signal handled at this function's very
    # first instruction (Python checks for them there, before any try)
    # escapes: gc hands it to ``sys.unraisablehook`` before it goes on, where
    # the check's hook (during a test) calls ``interrupt_escaped``, which does
    # the cut call's work and has SIGINT sent again the same way.
    global _interrupt_at_stop
    interrupted = False
    while True:
        try:
            _collection(phase)
            if phase == "start":
                if interrupted:
                    _interrupt_at_stop = True
            elif _thread.get_ident() == _MAIN_THREAD and (interrupted or _interrupt_at_stop):
                _interrupt_at_stop = False
                _interrupt_again()
            return
        except KeyboardInterrupt:
            interrupted = True


# A KeyboardInterrupt caught at a collection's start, sent again at its stop.
# Only the main thread sets or sends it (signals' handlers run there).  Should
# gc skip our "stop" (a callback before ours removed itself), it goes at the
# main thread's next collection's stop.
_interrupt_at_stop = False


def interrupt_escaped(unraisable: Any) -> bool:
    """Send again a Ctrl-C that escaped the collection callback; True if ``unraisable`` was one.

    For a ``sys.unraisablehook``: gc reports there what its callbacks raise,
    before it goes on.  A KeyboardInterrupt raised as the callback was
    entered (a signal handled at its first instruction, before its ``try``)
    is handled as one caught inside it: the cut call's work is done now, and
    SIGINT is sent again at the collection's stop (at once, for a cut stop).
    The main thread's only (where signals' handlers run); anything else is
    not this callback's to handle.
    """
    global _interrupt_at_stop
    # The callback is known by its frame, the traceback's first (gc names it
    # as the object too, but not from Python 3.14); the frame holds the phase.
    traceback = unraisable.exc_traceback
    frame = traceback.tb_frame if traceback is not None else None
    if not (
        isinstance(unraisable.exc_value, KeyboardInterrupt)
        and frame is not None
        and frame.f_code is _on_collection.__code__
        and _thread.get_ident() == _MAIN_THREAD
    ):
        return False
    phase = frame.f_locals.get("phase")
    if phase not in ("start", "stop"):  # pragma: no cover - gc passes one or the other
        return False
    _interrupt_at_stop = True  # sent by this stop, or by the stop after this start
    _on_collection(phase, {})
    return True


def _interrupt_again() -> None:
    """Send SIGINT to this thread (the main one: callers check) again, from
    another, after this gc callback.

    The other thread runs when this one lets go of the GIL: after the
    callback, in all but a callback longer than the switch interval (then it
    is caught once more and sent again).
    """
    # No new thread at interpreter shutdown (RuntimeError): nothing is left to stop.
    with contextlib.suppress(RuntimeError):
        _thread.start_new_thread(_send_interrupt, (_thread.get_ident(),))


def _send_interrupt(ident: int) -> None:
    # A signal, not _thread.interrupt_main(): it also ends a blocking system
    # call (the loop's select()), as the original Ctrl-C did.  Not where
    # SIGINT has no Python handler (it would kill the process): there the
    # interrupt came from interrupt_main(), which is sent again.
    #
    # Not at once: this thread runs as soon as the main one lets go of the
    # GIL, and that is often just before it blocks in a system call (the
    # loop's select(), time.sleep()).  A signal handled in between only sets
    # Python's flag, and the call then blocks for its whole timeout: the
    # interrupt was lost until then (test_interrupt's gc scenarios, now and
    # then on a busy CI machine).  A short wait lets the main thread reach
    # the call first; a real Ctrl-C comes at a random moment anyway.
    _sleep(_SEND_DELAY)
    handler = signal.getsignal(signal.SIGINT)
    if hasattr(signal, "pthread_kill") and callable(handler):
        with contextlib.suppress(OSError):  # the thread is gone
            signal.pthread_kill(ident, signal.SIGINT)
    else:  # Windows: no signal to one thread
        _thread.interrupt_main()


# Real seconds the sender waits (see above); ``time.sleep`` as imported, in
# case a test replaces it.
_SEND_DELAY = 0.05
_sleep = time.sleep


def _collection(phase: str) -> None:
    # Before the survivors of generation 0 leave it, register its coroutines
    # with the period of their origin's place (see above).
    global _base, _removed_at
    if phase == "start":
        if _marks or _tests_running or _between_tests:
            _register_young()
            _marks.clear()
            _base = _tests_started
    elif not _tests_running:
        if len(_kept) + _batched >= _prune_at:
            _prune()  # between tests too (watched for good, origins keep coming)
        if not _marks and not _between_tests and gc.callbacks[-1] is _on_collection:
            gc.callbacks.pop()  # the last callback: no other is skipped (see above)
            _removed_at = _collections()


# What a collection may read of a coroutine (see above).
_STARTED, _MADE, _BEING_MADE = "started", "made", "being made"


def _state(coroutine: Any) -> str:
    """``_STARTED`` (never dropped unawaited: not needed), ``_MADE`` (its
    ``cr_origin`` may be read), or ``_BEING_MADE`` (maybe: not to be read)."""
    if _FRAME_SET_LATE:
        if coroutine.cr_running or coroutine.cr_suspended:
            return _STARTED
        # No frame: finished (harmless either way), or being made.
        return _MADE if coroutine.cr_frame is not None else _BEING_MADE
    frame = coroutine.cr_frame  # 3.10 sets it before the coroutine is tracked
    if frame is None or frame.f_lasti != -1:
        return _STARTED  # or finished
    # 3.10 tracks a coroutine's frame once the coroutine is made.
    return _MADE if gc.is_tracked(frame) else _BEING_MADE


def _register_young() -> None:
    if _marks or _unwatched():
        _register_young_by_place()
        return
    # No mark in generation 0: everything in it was made since the last
    # collection, in this period.  So is the origin of each coroutine in it
    # that is not registered yet: one away from its coroutine (a dying one's)
    # and not in generation 0 would have been registered when it left it, as
    # every collection since the first test was watched.  Nothing needs the
    # places of things: the coroutines are picked by the cheapest walk.
    coroutine_type = CoroutineType
    coroutines = [obj for obj in gc.get_objects(0) if type(obj) is coroutine_type]
    period = _tests_started
    careful = min(_careful(), len(coroutines))
    for coroutine in coroutines[len(coroutines) - careful :]:
        state = _state(coroutine)
        if state is _MADE and coroutine.cr_origin is not None:
            _keep(coroutine.cr_origin, period)
        elif state is _BEING_MADE:  # never a dying one: a weak reference is safe
            _found[id(coroutine)] = (weakref.ref(coroutine), period)
    if careful < len(coroutines):
        # The others: not started (or finished), their origin may be read;
        # a started one is never dropped unawaited.  Kept as one batch, put
        # in the registry only when it is read (_merge): most are let go first.
        global _batched
        origins = [
            origin
            for coroutine in coroutines[: len(coroutines) - careful]
            if not (coroutine.cr_running or coroutine.cr_suspended)  # type: ignore[attr-defined]
            and (origin := coroutine.cr_origin) is not None
        ]
        if origins:
            _batches.append((period, origins))
            _batched += len(origins)


def _careful() -> int:
    """How many coroutines, newest first, need the full look of ``_state``.

    It reads ``cr_frame``, which makes a frame object for each coroutine not
    started.  On 3.10 every one (cheap there, and no ``cr_suspended`` to read
    instead); on 3.11 the newest only, the one that may be being made
    (nothing but the pieces of its origin is made after it), unless another
    callback ran first in this collection and may have made coroutines; from
    3.12, none (no collection starts while a coroutine is made).
    """
    if not _QUICK_STATE or (_BEING_MADE_POSSIBLE and gc.callbacks[0] is not _on_collection):
        return sys.maxsize
    return 1 if _BEING_MADE_POSSIBLE else 0


def _register_young_by_place() -> None:
    """``_register_young`` where generation 0 holds marks, or after unwatched
    collections: each coroutine's period is that of its origin's place."""
    marks, kept, periods, coroutine_type = _marks, _kept, _kept_periods, CoroutineType
    young = gc.get_objects(0)
    period, index = _tests_started, len(marks) - 1
    mark = marks[index][0] if index >= 0 else None
    newer: Any = None  # the object just after this one in generation 0
    strays: dict[int, Any] = {}  # origins away from their coroutine: a dying one's
    careful = _careful()
    for obj in reversed(young):  # newest first
        if obj is mark:
            period = marks[index][1] - 1
            index -= 1
            mark = marks[index][0] if index >= 0 else None
        elif type(obj) is coroutine_type:
            if careful:  # the newest first (see below)
                careful -= 1
                state = _state(obj)
            elif obj.cr_running or obj.cr_suspended:  # type: ignore[attr-defined]
                state = _STARTED  # never dropped unawaited: not needed
            else:
                state = _MADE  # not started, or finished: its origin may be read
            if state is _MADE:
                origin = obj.cr_origin
                if origin is not None and (key := id(origin)) not in kept:
                    if newer is origin:  # the common case, inline
                        periods[key] = period  # first: an interrupt between
                        kept[key] = origin  # the two leaves no origin without its period
                    else:
                        strays[key] = origin
            elif state is _BEING_MADE:  # never a dying one: a weak reference is safe
                _found[id(obj)] = (weakref.ref(obj), period)
        newer = obj
    if strays:
        for key, period in _periods_in_young(strays).items():
            _keep(strays[key], period)


def _keep(origin: Any, period: int) -> None:
    """Register ``origin`` (a coroutine's ``cr_origin``) as made in ``period``, unless known."""
    key = id(origin)
    if key not in _kept:
        _kept_periods[key] = period  # first, as above
        _kept[key] = origin


def _read_found() -> None:
    """Register the coroutines noted while they were being made."""
    noted = list(_found.values())  # a copy first: a collection may add to it
    _found.clear()
    found: list[tuple[Any, int]] = [
        (c, period) for ref, period in noted if (c := ref()) is not None
    ]
    for coroutine, period in found:
        if coroutine.cr_origin is not None:
            _keep(coroutine.cr_origin, period)
