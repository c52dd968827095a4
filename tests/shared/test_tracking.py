"""Canaries: what ``_shared/tracking.py`` and the ``unawaited_coroutines`` check rely on.

The garbage collector's generations (new objects are appended to generation
0, which lists them oldest first, and leave it only through a collection), a
coroutine's ``cr_origin`` (made just after it, held by it alone), what a
dying or half-made coroutine looks like to a collection, and the way Python
reports a never-awaited coroutine when its warning is an error.
If one of these fails on a new Python, the check may blame a test for a
coroutine created before it, or miss one the test created.
"""

from __future__ import annotations

import gc
import inspect
import sys
import unittest
import warnings
import weakref
from types import CoroutineType
from typing import Any


async def fetch() -> None:
    pass


def in_generation_zero(obj: object) -> bool:
    return any(o is obj for o in gc.get_objects(0))


class GenerationsTest(unittest.TestCase):
    def setUp(self) -> None:
        # No collection but the test's own: one started by an allocation of
        # the test (count near the threshold, after earlier tests in the
        # worker) would move its objects on before it looks (seen on CI, 3.10).
        if gc.isenabled():
            gc.disable()
            self.addCleanup(gc.enable)

    def test_a_new_coroutine_is_in_generation_zero(self) -> None:
        coroutine = fetch()
        self.addCleanup(coroutine.close)
        self.assertTrue(in_generation_zero(coroutine))

    def test_generation_zero_lists_objects_oldest_first(self) -> None:
        marker: list[object] = []
        coroutine = fetch()
        self.addCleanup(coroutine.close)
        young = gc.get_objects(0)
        index = {id(o): i for i, o in enumerate(young)}
        self.assertLess(index[id(marker)], index[id(coroutine)])

    def test_a_survivor_is_still_in_generation_zero_when_the_collection_starts(self) -> None:
        coroutine = fetch()
        self.addCleanup(coroutine.close)
        at_start: list[bool] = []

        def callback(phase: str, info: dict[str, int]) -> None:
            if phase == "start":
                at_start.append(in_generation_zero(coroutine))

        gc.callbacks.append(callback)
        self.addCleanup(gc.callbacks.remove, callback)
        gc.collect(0)
        self.assertTrue(at_start[0])
        self.assertFalse(in_generation_zero(coroutine))


class OriginTest(unittest.TestCase):
    def test_cr_origin_is_one_object_recorded_in_the_creating_thread(self) -> None:
        previous = sys.get_coroutine_origin_tracking_depth()
        sys.set_coroutine_origin_tracking_depth(1)
        try:
            coroutine: Any = fetch()
        finally:
            sys.set_coroutine_origin_tracking_depth(previous)
        self.addCleanup(coroutine.close)
        origin = coroutine.cr_origin
        self.assertIs(coroutine.cr_origin, origin)
        self.assertEqual(origin, ((__file__, origin[0][1], self._testMethodName),))


def with_origins(make: Any, depth: int = 1) -> Any:
    previous = sys.get_coroutine_origin_tracking_depth()
    sys.set_coroutine_origin_tracking_depth(depth)
    try:
        return make()
    finally:
        sys.set_coroutine_origin_tracking_depth(previous)


class OriginPlaceTest(unittest.TestCase):
    def test_the_origin_is_made_just_after_its_coroutine(self) -> None:
        for depth in (1, 3):
            coroutine: Any = with_origins(fetch, depth)
            self.addCleanup(coroutine.close)
            young = gc.get_objects(0)
            index = next(i for i, o in enumerate(young) if o is coroutine)
            self.assertIs(young[index + 1], coroutine.cr_origin)

    def test_only_its_coroutine_holds_the_origin(self) -> None:
        coroutine: Any = with_origins(fetch)
        origin = coroutine.cr_origin
        self.assertEqual(sys.getrefcount(origin), 3)  # the coroutine, ``origin``, the call
        coroutine.close()
        del coroutine
        self.assertEqual(sys.getrefcount(origin), 2)


class DyingCoroutineTest(unittest.TestCase):
    def test_a_dying_coroutine_is_back_at_the_end_of_generation_zero_without_weak_references(
        self,
    ) -> None:
        seen: list[tuple[bool, int, bool]] = []

        def hook(unraisable: Any) -> None:
            dying = unraisable.object
            young = gc.get_objects(0)
            index = next(i for i, o in enumerate(young) if o is dying)
            origin_after = index + 1 < len(young) and young[index + 1] is dying.cr_origin
            seen.append((origin_after, weakref.getweakrefcount(dying), gc.is_tracked(dying)))

        coroutine: Any = with_origins(fetch)
        reference = weakref.ref(coroutine)
        self.assertEqual(weakref.getweakrefcount(coroutine), 1)
        _ = [[] for _ in range(5)]  # objects made after the coroutine
        previous, enabled = sys.unraisablehook, gc.isenabled()
        with warnings.catch_warnings():
            warnings.filterwarnings("error", "coroutine '.*' was never awaited", RuntimeWarning)
            sys.unraisablehook = hook
            gc.disable()  # no collection moves it on before the hook looks
            try:
                del coroutine
            finally:
                sys.unraisablehook = previous
                if enabled:
                    gc.enable()
        # Away from its origin, and its weak references already cleared: one
        # made now would outlive it (``_shared/tracking.py`` never makes one).
        self.assertEqual(seen, [(False, 0, True)])
        self.assertIsNone(reference())

    @unittest.skipIf(sys.version_info < (3, 11), "3.10 sets the frame first")
    def test_a_coroutine_being_made_has_no_frame_yet(self) -> None:
        """On 3.11, a collection started by the allocation of a new coroutine's
        origin sees it newest, with only tuples after it, and without a frame
        (``cr_frame``).  From 3.12 collections start between bytecodes only: a
        coroutine is never seen half made."""
        seen: list[bool] = []

        def callback(phase: str, info: dict[str, int]) -> None:
            if phase != "start":
                return
            young = gc.get_objects(0)
            last = len(young) - 1
            while last >= 0 and type(young[last]) is tuple:
                last -= 1
            if last >= 0 and type(young[last]) is CoroutineType:
                seen.append(young[last].cr_frame is None)

        def make_many() -> list[Any]:
            return [fetch() for _ in range(300)]

        # First: another callback (the toolkit's own) may make objects before it looks.
        gc.callbacks.insert(0, callback)
        threshold, enabled = gc.get_threshold(), gc.isenabled()
        gc.set_threshold(1)
        gc.enable()
        made: list[Any] = []
        try:
            # Deep origins, all kept: more tuples than Python's free list holds,
            # so that allocating them counts towards a collection.
            for _ in range(10):
                made += with_origins(make_many, depth=20)
                if True in seen:
                    break
        finally:
            for coroutine in made:
                coroutine.close()
            gc.set_threshold(*threshold)
            if not enabled:
                gc.disable()
            gc.callbacks.remove(callback)
        self.assertTrue(seen)
        if sys.version_info < (3, 12):
            self.assertIn(True, seen)  # such a collection happened
        else:
            self.assertNotIn(True, seen)


class UnawaitedAsErrorTest(unittest.TestCase):
    def test_the_unraisable_hook_gets_the_coroutine_where_it_was_dropped(self) -> None:
        seen: list[tuple[Any, ...]] = []

        def hook(unraisable: Any) -> None:
            caller = inspect.currentframe().f_back  # type: ignore[union-attr]
            seen.append((unraisable, caller.f_code.co_name if caller else None))

        def drop() -> None:
            coroutine = fetch()
            del coroutine

        previous = sys.unraisablehook
        with warnings.catch_warnings():
            warnings.filterwarnings("error", "coroutine '.*' was never awaited", RuntimeWarning)
            sys.unraisablehook = hook
            try:
                drop()
            finally:
                sys.unraisablehook = previous
        [(unraisable, where)] = seen
        self.assertEqual(where, "drop")
        self.assertEqual(unraisable.object.__qualname__, "fetch")
        self.assertIs(unraisable.exc_type, RuntimeWarning)
        self.assertRegex(str(unraisable.exc_value), "^coroutine 'fetch' was never awaited")
        # The check passes a warning of its own on as this same type.
        rebuilt = type(unraisable)((UserWarning, UserWarning("x"), None, None, None))
        self.assertIs(rebuilt.exc_type, UserWarning)
