"""Canaries: what ``_shared/tracking.py`` and the ``unawaited_coroutines`` check rely on.

The garbage collector's generations (new objects are appended to generation
0, which lists them oldest first, and leave it only through a collection), a
coroutine's ``cr_origin``, and the way Python reports a never-awaited
coroutine when its warning is an error.
If one of these fails on a new Python, the check may blame a test for a
coroutine created before it, or miss one the test created.
"""

from __future__ import annotations

import gc
import inspect
import sys
import unittest
import warnings
from typing import Any


async def fetch() -> None:
    pass


def in_generation_zero(obj: object) -> bool:
    return any(o is obj for o in gc.get_objects(0))


class GenerationsTest(unittest.TestCase):
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
