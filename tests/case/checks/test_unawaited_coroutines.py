"""The ``unawaited_coroutines`` check."""

from __future__ import annotations

import asyncio
import gc
import os
import subprocess
import sys
import textwrap
import unittest
import warnings
from collections.abc import Coroutine
from typing import Any, ClassVar

import asynctoolkit
from asynctoolkit import fail_on
from tests._inner import failure_text, passed, run_test
from tests._suites import run_suite

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
HERE = "checks/test_unawaited_coroutines.py"


async def fetch() -> None:
    pass


def debug_loop() -> asyncio.AbstractEventLoop:
    loop = asyncio.new_event_loop()
    loop.set_debug(True)
    loop.slow_callback_duration = 60.0  # no "Executing ... took" logs on a loaded machine
    return loop


class UnawaitedCoroutinesTest(unittest.TestCase):
    def test_a_dropped_coroutine_fails_naming_it_and_where(self) -> None:
        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                fetch()

        text = failure_text(run_test(Inner, "test_it"))
        self.assertIn("unawaited_coroutines", text)
        self.assertIn("fetch' was never awaited", text)
        self.assertIn(HERE, text)

    def test_the_report_says_where_it_was_created_and_where_dropped(self) -> None:
        class Inner(asynctoolkit.TestCase):
            async def asyncSetUp(self) -> None:
                self.coroutine: Coroutine[Any, Any, None] | None = fetch()

            async def test_it(self) -> None:
                self.coroutine = None

        text = failure_text(run_test(Inner, "test_it"))
        self.assertIn("fetch' was never awaited", text)
        self.assertRegex(text, r"created at \S*" + HERE + r":\d+ in asyncSetUp")
        self.assertRegex(text, r"dropped at \S*" + HERE + r":\d+ in test_it")

    def test_a_coroutine_the_collector_moved_before_it_was_dropped_still_fails(self) -> None:
        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                coroutine = fetch()
                gc.collect()  # the coroutine now sits in the oldest generation
                del coroutine

        text = failure_text(run_test(Inner, "test_it"))
        self.assertIn("fetch' was never awaited", text)
        self.assertRegex(text, r"created at \S*" + HERE + r":\d+ in test_it")

    def test_awaited_coroutines_pass_and_other_warnings_go_through(self) -> None:
        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                await asyncio.sleep(0)
                warnings.warn("kept", UserWarning, stacklevel=1)

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = run_test(Inner, "test_it")
        self.assertTrue(passed(result), failure_text(result))
        self.assertEqual([str(w.message) for w in caught], ["kept"])

    def test_turned_off_the_warning_is_left_to_python(self) -> None:
        @fail_on(unawaited_coroutines=False)
        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                fetch()

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = run_test(Inner, "test_it")
        self.assertTrue(passed(result), failure_text(result))
        self.assertTrue(any("never awaited" in str(w.message) for w in caught))

    def test_origin_tracking_is_put_back_after_the_test(self) -> None:
        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                pass

        before = sys.get_coroutine_origin_tracking_depth()
        self.assertTrue(passed(run_test(Inner, "test_it")))
        self.assertEqual(sys.get_coroutine_origin_tracking_depth(), before)


class CreatedBeforeTheTestTest(unittest.TestCase):
    """A test is never failed for a coroutine created before it started (issue 14, point 6).

    Before: a coroutine kept by one test and dropped by a later one failed
    the later test, whose report said the coroutine was created during it.
    """

    loop_factory: ClassVar[Any] = None

    def make_case(self) -> type[asynctoolkit.TestCase]:
        class Inner(asynctoolkit.TestCase):
            loop_factory = type(self).loop_factory
            kept: ClassVar[Coroutine[Any, Any, None] | None] = None

            async def test_keeps(self) -> None:
                type(self).kept = fetch()

            async def test_keeps_past_collections(self) -> None:
                gc.collect(0)  # the collection that meets this test's start
                type(self).kept = fetch()
                gc.collect(0)  # it leaves generation 0 where no test started

            async def test_creates_collects_twice_and_drops(self) -> None:
                gc.collect(0)
                created = fetch()
                gc.collect(0)  # as above, in the test that drops it
                del created

            async def test_between(self) -> None:
                gc.collect()  # the kept coroutine moves to the oldest generation
                for _ in range(3000):  # and young collections run during this test
                    _ = [[]]

            async def test_drops(self) -> None:
                type(self).kept = None

            async def test_creates_and_drops(self) -> None:
                fetch()

            async def test_creates_collects_and_drops(self) -> None:
                created = fetch()
                gc.collect()  # it leaves generation 0 before it is dropped
                del created

        self.addCleanup(self.close_kept, Inner)
        return Inner

    @staticmethod
    def close_kept(case: Any) -> None:
        if case.kept is not None:
            case.kept.close()  # not dropped unawaited outside a test
        case.kept = None

    def dropped_by_the_test(self, case: type[unittest.TestCase], name: str) -> str:
        """Run test ``name``, which drops a coroutine it did not create: it passes
        with one RuntimeWarning, whose text is returned."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = run_test(case, name)
        self.assertTrue(passed(result), failure_text(result))
        found = [w for w in caught if "never awaited" in str(w.message)]
        self.assertEqual(len(found), 1, [str(w.message) for w in caught])
        self.assertIs(found[0].category, RuntimeWarning)
        text = str(found[0].message)
        self.assertIn(name, text)  # the test that dropped it
        self.assertRegex(text, r"dropped at \S*" + HERE + r":\d+ in " + name)
        return text

    def test_kept_by_one_test_and_dropped_by_the_next_warns(self) -> None:
        case = self.make_case()
        self.assertTrue(passed(run_test(case, "test_keeps")))
        text = self.dropped_by_the_test(case, "test_drops")
        self.assertRegex(
            text, r"created before this test started, at \S*" + HERE + r":\d+ in test_keeps"
        )

    def test_kept_across_several_tests_warns(self) -> None:
        case = self.make_case()
        self.assertTrue(passed(run_test(case, "test_keeps")))
        for _ in range(3):
            result = run_test(case, "test_between")
            self.assertTrue(passed(result), failure_text(result))
        self.assertIn("created before this test", self.dropped_by_the_test(case, "test_drops"))

    def test_kept_collected_between_tests_and_dropped_warns(self) -> None:
        case = self.make_case()
        self.assertTrue(passed(run_test(case, "test_keeps")))
        gc.collect()  # outside any test
        self.assertIn("created before this test", self.dropped_by_the_test(case, "test_drops"))

    def fails_for_its_own(self, name: str, created_in: str) -> None:
        """After a test that keeps a coroutine, test ``name`` fails for the one
        it created (in a function whose name starts with ``created_in``) and
        dropped."""
        case = self.make_case()
        self.assertTrue(passed(run_test(case, "test_keeps")))
        text = failure_text(run_test(case, name))
        self.assertIn("fetch' was never awaited", text)
        self.assertRegex(text, r"created at \S*" + HERE + r":\d+ in " + created_in)

    def test_created_collected_and_dropped_in_one_test_still_fails(self) -> None:
        self.fails_for_its_own("test_creates_collects_and_drops", "test_creates_collects")

    def test_kept_past_collections_inside_its_test_and_dropped_by_the_next_warns(
        self,
    ) -> None:
        # Collections where generation 0 holds no test's start register what
        # they meet as made in the running test, without looking at places.
        case = self.make_case()
        self.assertTrue(passed(run_test(case, "test_keeps_past_collections")))
        text = self.dropped_by_the_test(case, "test_drops")
        self.assertRegex(
            text,
            r"created before this test started, at \S*"
            + HERE
            + r":\d+ in test_keeps_past_collections",
        )

    def test_created_collected_where_no_test_started_and_dropped_still_fails(self) -> None:
        self.fails_for_its_own(
            "test_creates_collects_twice_and_drops", "test_creates_collects_twice"
        )

    def test_created_and_dropped_in_one_test_still_fails(self) -> None:
        self.fails_for_its_own("test_creates_and_drops", "test_creates_and_drops")

    def test_a_warning_made_an_error_goes_where_pythons_own_would(self) -> None:
        case = self.make_case()
        self.assertTrue(passed(run_test(case, "test_keeps")))
        seen: list[Any] = []
        previous = sys.unraisablehook
        sys.unraisablehook = seen.append
        self.addCleanup(setattr, sys, "unraisablehook", previous)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            result = run_test(case, "test_drops")
        self.assertTrue(passed(result), failure_text(result))
        [unraisable] = seen
        self.assertIs(unraisable.exc_type, RuntimeWarning)
        self.assertIn("created before this test started", str(unraisable.exc_value))
        self.assertEqual(unraisable.object.__qualname__, "fetch")

    def test_created_outside_any_test_warns_that_its_origin_is_unknown(self) -> None:
        case = self.make_case()
        previous = sys.get_coroutine_origin_tracking_depth()
        sys.set_coroutine_origin_tracking_depth(0)
        try:
            case.kept = fetch()
        finally:
            sys.set_coroutine_origin_tracking_depth(previous)
        text = self.dropped_by_the_test(case, "test_drops")
        self.assertIn("where it was created is unknown", text)


class CreatedBeforeTheTestInDebugModeTest(CreatedBeforeTheTestTest):
    """The same with asyncio's debug mode, which records every coroutine's origin."""

    loop_factory = staticmethod(debug_loop)


class CreatedBeforeTheTestWithOriginTrackingOnTest(CreatedBeforeTheTestTest):
    """The same with origin tracking turned on by the code under test, for the whole run."""

    def setUp(self) -> None:
        previous = sys.get_coroutine_origin_tracking_depth()
        sys.set_coroutine_origin_tracking_depth(5)
        self.addCleanup(sys.set_coroutine_origin_tracking_depth, previous)

    def test_created_between_tests_warns(self) -> None:
        case = self.make_case()
        self.assertTrue(passed(run_test(case, "test_between")))
        case.kept = fetch()  # origin recorded, outside any test
        self.assertTrue(passed(run_test(case, "test_between")))
        text = self.dropped_by_the_test(case, "test_drops")
        self.assertIn("created before this test", text)
        self.assertEqual(sys.get_coroutine_origin_tracking_depth(), 5)

    def test_created_outside_any_test_warns_that_its_origin_is_unknown(self) -> None:
        super().test_created_outside_any_test_warns_that_its_origin_is_unknown()
        self.assertEqual(sys.get_coroutine_origin_tracking_depth(), 5)


_SUITE = """
import asynctoolkit

async def fetch():
    pass

class Kept(asynctoolkit.TestCase):
    kept = None

    async def test_a_keeps(self):
        type(self).kept = fetch()

    async def test_b_drops(self):
        type(self).kept = None
"""


class WholeRunTest(unittest.TestCase):
    """A coroutine kept by one test and dropped by the next, under each runner."""

    def run_in(self, *args: str) -> str:
        code, output = run_suite(_SUITE, "test_kept_suite.py", *args, timeout=120)
        self.assertEqual(code, 0, output)
        self.assertIn("coroutine 'fetch' was never awaited", output)
        self.assertIn("created before this test", output)
        self.assertIn("test_b_drops", output)
        return output

    def test_under_the_runner(self) -> None:
        self.assertIn("2 passed, 0 failed", self.run_in("-m", "asynctoolkit", "test_kept_suite.py"))

    def test_under_unittest(self) -> None:
        output = self.run_in("-m", "unittest", "test_kept_suite")
        self.assertIn("Ran 2 tests", output)
        self.assertIn("OK", output)

    def test_under_pytest(self) -> None:
        output = self.run_in("-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly")
        self.assertIn("2 passed", output)


_BEFORE_THE_FIRST_TEST = """
import asyncio, gc, sys
import asynctoolkit

async def fetch():
    pass

# Made before any test, with its origin recorded (as a loop in debug mode or
# code under test that turned tracking on would), then kept.
sys.set_coroutine_origin_tracking_depth(1)
KEPT = [fetch()]
sys.set_coroutine_origin_tracking_depth(0)
if {collect}:
    gc.collect()  # it leaves generation 0 before the first test starts

class Drops(asynctoolkit.TestCase):
    async def test_drops(self):
        KEPT.clear()
"""


class CreatedBeforeTheFirstTestTest(unittest.TestCase):
    """A coroutine made before the process's first test, then dropped unawaited
    by a test, is a warning, never that test's failure: whether the collector
    moved it out of generation 0 before the first test or not."""

    def test_it_warns_under_the_runner(self) -> None:
        for collect in (True, False):
            with self.subTest(collect=collect):
                code, output = run_suite(
                    _BEFORE_THE_FIRST_TEST.format(collect=collect),
                    "test_first.py",
                    *("-m", "asynctoolkit", "test_first.py"),
                    timeout=120,
                )
                self.assertEqual(code, 0, output)
                self.assertIn("1 passed, 0 failed", output)
                self.assertIn("coroutine 'fetch' was never awaited", output)
                self.assertRegex(
                    output, r"created before this test started, at \S*test_first.py:\d+"
                )


class CollectionDuringCoroutineCreationTest(unittest.TestCase):
    def test_a_collection_while_a_coroutine_is_made_does_not_crash(self) -> None:
        """Guards a crash seen once (a segmentation fault in a pytest run of 10,000 tasks).

        With origin tracking on, CPython tracks a new coroutine before it sets
        its ``cr_origin``, and allocating the origin can start a collection; the
        check's collection callback read that field there.  The crash depends on
        what the freed memory holds: this test makes such collections frequent,
        but did not crash on the old code here.
        """
        code = textwrap.dedent(
            """
            import asyncio, gc, unittest
            import asynctoolkit

            class T(asynctoolkit.TestCase):
                async def test_many_coroutines(self):
                    gc.set_threshold(1)  # a collection at nearly every allocation
                    try:
                        for _ in range(3000):
                            await asyncio.sleep(0)
                    finally:
                        gc.set_threshold(700, 10, 10)

            unittest.main()
            """
        )
        run_python(self, code, timeout=300)


class HalfMadeCoroutineTest(unittest.TestCase):
    def test_a_half_made_coroutine_is_never_read_whatever_runs_first(self) -> None:
        """A review found a crash (3.10, 3.11): another library's collection
        callback, running first, made an object, so the coroutine being made
        was no longer the newest one and the check read its unset
        ``cr_origin``.  A freed block of the coroutine's size filled with
        junk makes that field junk, and collections start at nearly every
        allocation."""
        code = textwrap.dedent(
            """
            import collections, gc, sys, unittest
            import asynctoolkit

            recent = collections.deque(maxlen=50)

            def monitor(phase, info):  # another library's callback, first
                if phase == "start":
                    recent.append([info["generation"]])

            gc.callbacks.insert(0, monitor)

            async def leaf():
                pass

            probe = leaf()
            SIZE = sys.getsizeof(probe)
            probe.close()
            del probe

            class Inner(asynctoolkit.TestCase):
                async def test_many(self):
                    keep = []
                    old = gc.get_threshold()
                    try:
                        for threshold in (1, 2, 3):
                            gc.set_threshold(threshold)
                            for pad in range(4):
                                for _ in range(150):
                                    gc.collect(0)
                                    junk = [[] for _ in range(pad)]
                                    block = b"A" * (SIZE - 33)  # a coroutine's size class
                                    del block  # its slot is handed out next
                                    coroutine = leaf()
                                    coroutine.close()
                                    keep.append(coroutine)
                    finally:
                        gc.set_threshold(*old)

            result = unittest.TestResult()
            Inner("test_many").run(result)
            print("ok" if result.wasSuccessful() else result.failures + result.errors)
            """
        )
        self.assertEqual(run_python(self, code, timeout=300).strip(), "ok")


class InterruptedRegistryTest(unittest.TestCase):
    def test_a_registry_merge_cut_short_by_an_interrupt_loses_nothing(self) -> None:
        """A review found it: the batches of origins left their list before they
        were merged, so a KeyboardInterrupt (a signal's handler) in the middle
        lost them, and a coroutine an earlier test kept failed the test that
        dropped it.  Private details: the interrupt is raised where the merge
        reads a reference count, in a fresh interpreter."""
        if sys.version_info < (3, 11):
            self.skipTest("3.10 registers each coroutine at once: no batches")
        code = textwrap.dedent(
            """
            import gc, sys, unittest, warnings
            import asynctoolkit
            from asynctoolkit._shared import tracking

            async def fetch():
                pass

            kept = []

            class T(asynctoolkit.TestCase):
                async def test_keeps(self):
                    gc.collect(0)  # the collection that meets this test's start
                    kept.extend(fetch() for _ in range(5))
                    gc.collect(0)  # registers them in one batch

                async def test_drops(self):
                    kept.clear()

            result = unittest.TestResult()
            T("test_keeps").run(result)
            assert tracking._batches, "no batch: the test no longer tests the merge"
            real, calls = sys.getrefcount, [0]

            def interrupted(obj):
                calls[0] += 1
                if calls[0] == 2:
                    raise KeyboardInterrupt  # as a signal's handler would, once
                return real(obj) - 1  # this call's own reference

            sys.getrefcount = interrupted
            try:
                tracking._merge()
            except KeyboardInterrupt:
                pass
            finally:
                sys.getrefcount = real
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                T("test_drops").run(result)
            print(len(result.failures + result.errors), len(caught))
            """
        )
        # No failure: five warnings, each coroutine made before the test dropping it.
        self.assertEqual(run_python(self, code, timeout=120).split(), ["0", "5"])


class CollectorHookTest(unittest.TestCase):
    def test_the_collection_callback_leaves_once_no_test_needs_it(self) -> None:
        """The check watches collections from its first test on; after the run,
        the first collection finds nothing left to note and the callback leaves."""
        code = textwrap.dedent(
            """
            import gc, unittest
            import asynctoolkit

            class T(asynctoolkit.TestCase):
                async def test_trivial(self):
                    pass

            before = list(gc.callbacks)
            result = unittest.TestResult()
            T("test_trivial").run(result)
            assert result.wasSuccessful(), result.errors + result.failures
            during = len(gc.callbacks)
            gc.collect()
            print(during - len(before), gc.callbacks == before)
            """
        )
        self.assertEqual(run_python(self, code, timeout=120).split(), ["1", "True"])


class RegistryTest(unittest.TestCase):
    # The registry is pruned once it has doubled since the last time, so how
    # soon depends on what earlier tests of the process kept: each of these
    # runs in a fresh interpreter, where the first prune comes at a known size.
    # Each origin record refers to the file name of the code that made the
    # coroutine: its reference count tells how many records are kept (not a
    # function's name, nor the "<string>" of ``python -c``: both are immortal
    # from 3.12, where the count never moves).

    def run_script(self, many: str, then: str = "") -> list[int]:
        """Run the test case ``many`` (its ``test_many`` makes coroutines in a
        script file), then three trivial tests, then ``then``, in a fresh
        interpreter; how many origin records refer to the file during and after
        (and what ``then`` prints)."""
        code = (
            textwrap.dedent(
                """
                import gc, sys, unittest, warnings
                import asynctoolkit

                async def fetch():
                    pass

                kept = []

                def run(name):
                    result = unittest.TestResult()
                    Many(name).run(result)
                    assert result.wasSuccessful(), result.errors + result.failures
                """
            )
            + textwrap.dedent(many)
            + textwrap.dedent(
                """
                name = Many.test_many.__code__.co_filename
                before = sys.getrefcount(name)
                run("test_many")
                print(sys.getrefcount(name) - before)
                for _ in range(3):  # the registry is pruned at a test start
                    run("test_trivial")
                print(sys.getrefcount(name) - before)
                """
            )
            + textwrap.dedent(then)
        )
        status, output = run_suite(
            code, "registry.py", "-X", "faulthandler", "registry.py", timeout=120
        )
        self.assertEqual(status, 0, output[-2000:])
        return [int(word) for word in output.split()]

    def test_what_it_keeps_of_coroutines_once_gone_is_let_go(self) -> None:
        """The check keeps each coroutine's origin record while it may be dropped
        later; once the coroutine is gone, the record goes too (a run kept them
        all before: memory grew, and every later test paid to look at them)."""
        during, after = self.run_script(
            """
            class Many(asynctoolkit.TestCase):
                async def test_many(self):
                    made = []
                    for _ in range(600):  # made in this frame: their origin names it
                        made.append(fetch())
                    gc.collect()  # the check registers them at this collection
                    for coroutine in made:
                        coroutine.close()

                async def test_trivial(self):
                    pass
            """
        )
        self.assertGreater(during, 500)  # the count does see the records
        self.assertLess(after, 50)

    def test_origins_registered_without_places_are_let_go_or_kept_alike(self) -> None:
        """As above where the collection that registers them meets no test's start
        (it batches them): the gone ones' records go, the kept ones' stay."""
        during, after, found, caught = self.run_script(
            """
            class Many(asynctoolkit.TestCase):
                async def test_many(self):
                    gc.collect(0)  # the collection that meets this test's start
                    made = []
                    for number in range(900):  # made in this frame: their origin names it
                        (made if number % 3 else kept).append(fetch())
                    gc.collect(0)  # registers them all, in one batch
                    for coroutine in made:
                        coroutine.close()

                async def test_trivial(self):
                    pass

                async def test_drops_two(self):
                    del kept[0], kept[-1]  # the oldest and the newest of the batch
            """,
            then="""
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                run("test_drops_two")  # made before it: warnings, no failure
            found = [w for w in caught if "created before this test" in str(w.message)]
            print(len(found), len(caught))
            for coroutine in kept:
                coroutine.close()
            """,
        )
        self.assertGreater(during, 800)  # the count does see the records
        self.assertGreaterEqual(after, 300)  # the kept ones' records stay
        self.assertLess(after, 350)  # the 300 kept, at most
        self.assertEqual((found, caught), (2, 2))

    def test_a_long_run_keeps_generation_zero_bounded(self) -> None:
        """Each test start leaves a mark in generation 0.  Tests that each keep a
        new object while freeing an older one hold the collector's count still,
        so it never collected, and the marks piled up with the run."""
        if not gc.isenabled():  # pragma: no cover - the suite runs with the collector on
            self.skipTest("the garbage collector is disabled")
        old: list[list[int]] = [[n] for n in range(3000)]
        kept: list[list[int]] = []
        gc.collect()  # ``old`` is in the oldest generation now

        async def keep_one_free_one(test: object) -> None:
            kept.append([len(kept)])  # tracked by the collector: the count goes up
            old.pop()  # an old object freed: the count goes down

        names = {f"test_{n:04d}": keep_one_free_one for n in range(2500)}
        cases = type("Many", (asynctoolkit.TestCase,), names)
        result = unittest.TestResult()
        unittest.defaultTestLoader.loadTestsFromTestCase(cases).run(result)
        self.assertTrue(result.wasSuccessful(), result.errors + result.failures)
        self.assertEqual(len(kept), 2500)
        self.assertLess(len(gc.get_objects(0)), 4 * gc.get_threshold()[0])


def run_python(case: unittest.TestCase, code: str, timeout: float) -> str:
    """Run ``code`` in a fresh interpreter (a crash shows its traceback); its output."""
    done = subprocess.run(
        [sys.executable, "-X", "faulthandler", "-c", code],
        env={**os.environ, "PYTHONPATH": ROOT},
        capture_output=True,
        text=True,
        timeout=timeout,  # a bound, not a measure
    )
    case.assertEqual(done.returncode, 0, done.stderr[-2000:])
    return done.stdout
