"""Patch scopes (GLOBAL, LIMITED, CONTEXT) with concurrent tasks, generators, async generators."""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import unittest
from collections.abc import AsyncIterator, Generator
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from asynctoolkit.mock import CONTEXT, GLOBAL, LIMITED, Mock, PatchScope, patch
from tests import _mock_subjects as subjects

ORIGINAL_FETCH = subjects.fetch
ORIGINAL_COMPUTE = subjects.compute
FETCH = "tests._mock_subjects.fetch"
COMPUTE = "tests._mock_subjects.compute"


def is_patched() -> bool:
    result: Any = subjects.compute(0)
    return isinstance(result, Mock) or result == "patched"


async def observe(log: list[tuple[str, bool]], name: str, steps: int) -> None:
    """Record, at each of ``steps`` steps, whether compute is patched for this task."""
    for _ in range(steps):
        log.append((name, is_patched()))
        await asyncio.sleep(0)


def decorated(scope: PatchScope, log: list[tuple[str, bool]], steps: int = 3) -> Any:
    @patch(COMPUTE, return_value="patched", scope=scope)
    async def patched_task(compute: Any) -> Any:
        for _ in range(steps):
            log.append(("patched", is_patched()))
            await asyncio.sleep(0)
        return compute

    return patched_task


class CoroutineScopesTest(unittest.IsolatedAsyncioTestCase):
    def tearDown(self) -> None:
        self.assertIs(subjects.compute, ORIGINAL_COMPUTE)
        self.assertIs(subjects.fetch, ORIGINAL_FETCH)

    async def run_concurrently(self, scope: PatchScope) -> list[tuple[str, bool]]:
        log: list[tuple[str, bool]] = []
        await asyncio.gather(decorated(scope, log)(), observe(log, "other", 3))
        return log

    async def test_global_is_seen_by_concurrent_tasks_while_suspended(self) -> None:
        log = await self.run_concurrently(GLOBAL)
        self.assertTrue(all(seen for name, seen in log if name == "patched"))
        self.assertTrue(any(seen for name, seen in log if name == "other"))

    async def test_limited_and_context_are_not_seen_by_concurrent_tasks(self) -> None:
        for scope in (LIMITED, CONTEXT):
            with self.subTest(scope=scope):
                log = await self.run_concurrently(scope)
                self.assertEqual(
                    [seen for name, seen in log if name == "patched"], [True, True, True]
                )
                self.assertEqual([seen for name, seen in log if name == "other"], [False] * 3)

    async def test_the_same_mock_serves_every_step_of_one_call(self) -> None:
        for scope in PatchScope:

            @patch(FETCH, scope=scope)
            async def fetch_thrice(fetch: Any) -> Any:
                for n in range(3):
                    await subjects.fetch(str(n))
                    await asyncio.sleep(0)
                return fetch

            with self.subTest(scope=scope):
                fetch = await fetch_thrice()
                self.assertEqual(fetch.await_count, 3)

    async def test_concurrent_calls_each_get_their_own_mock(self) -> None:
        for scope in PatchScope:

            @patch(FETCH, scope=scope)
            async def use(tag: str, fetch: Any) -> Any:
                fetch.return_value = tag
                results = []
                for _ in range(3):
                    results.append(await subjects.fetch("k"))
                    await asyncio.sleep(0)
                return fetch, results

            with self.subTest(scope=scope):
                (first, first_results), (second, _) = await asyncio.gather(use("a"), use("b"))
                self.assertIsNot(first, second)
                if scope is not GLOBAL:  # GLOBAL patches overlap: the newest wins
                    self.assertEqual(first_results, ["a", "a", "a"])

    async def test_nested_limited_patches_of_the_same_target(self) -> None:
        @patch(COMPUTE, return_value="inner", scope=LIMITED)
        async def inner(compute: Any) -> Any:
            await asyncio.sleep(0)
            return subjects.compute(0)

        @patch(COMPUTE, return_value="outer", scope=LIMITED)
        async def outer(compute: Any) -> Any:
            before = subjects.compute(0)
            middle = await inner()
            await asyncio.sleep(0)
            return before, middle, subjects.compute(0)

        self.assertEqual(await outer(), ("outer", "inner", "outer"))

    async def test_limited_is_switched_off_at_each_suspension(self) -> None:
        seen_while_suspended = []

        @patch(COMPUTE, return_value="patched", scope=LIMITED)
        async def suspended_a_lot(compute: Any) -> None:
            for _ in range(3):
                await asyncio.sleep(0)

        task = asyncio.create_task(suspended_a_lot())
        while not task.done():
            seen_while_suspended.append(subjects.compute is ORIGINAL_COMPUTE)
            await asyncio.sleep(0)
        self.assertTrue(seen_while_suspended)
        self.assertTrue(all(seen_while_suspended))

    async def test_cancellation_reaches_the_coroutine_and_restores(self) -> None:
        for scope in PatchScope:
            started = asyncio.Event()
            cancelled: list[bool] = []

            @patch(COMPUTE, scope=scope)
            async def long(
                compute: Any, started: asyncio.Event = started, cancelled: list[bool] = cancelled
            ) -> None:
                started.set()
                try:
                    await asyncio.sleep(3600)
                except asyncio.CancelledError:
                    cancelled.append(is_patched())
                    raise

            with self.subTest(scope=scope):
                task = asyncio.create_task(long())
                await started.wait()
                task.cancel()
                with self.assertRaises(asyncio.CancelledError):
                    await task
                self.assertEqual(cancelled, [True])
                self.assertIs(subjects.compute, ORIGINAL_COMPUTE)

    async def test_limited_patch_dict_keeps_its_own_changes_across_steps(self) -> None:
        @patch.dict(subjects.SETTINGS, mode="limited", scope=LIMITED)
        async def changes() -> list[Any]:
            seen = [dict(subjects.SETTINGS)]
            subjects.SETTINGS["mine"] = 1
            await asyncio.sleep(0)
            seen.append(dict(subjects.SETTINGS))
            return seen

        async def other() -> list[Any]:
            await asyncio.sleep(0)
            subjects.SETTINGS["theirs"] = 2
            return [dict(subjects.SETTINGS)]

        inside, outside = await asyncio.gather(changes(), other())
        self.assertEqual(inside[0], {"mode": "limited"})
        self.assertEqual(inside[1], {"mode": "limited", "mine": 1})
        self.assertEqual(outside, [{"mode": "real", "theirs": 2}])
        self.assertEqual(subjects.SETTINGS, {"mode": "real", "theirs": 2})
        del subjects.SETTINGS["theirs"]


class ContextScopeTest(unittest.IsolatedAsyncioTestCase):
    def tearDown(self) -> None:
        self.assertIs(subjects.fetch, ORIGINAL_FETCH)
        self.assertIs(subjects.compute, ORIGINAL_COMPUTE)

    async def test_tasks_and_callbacks_started_inside_see_it(self) -> None:
        loop = asyncio.get_running_loop()
        outsider_ready = asyncio.Event()
        release = asyncio.Event()

        async def outsider() -> str:
            outsider_ready.set()
            await release.wait()
            return await subjects.fetch("outsider")

        early = asyncio.create_task(outsider())
        await outsider_ready.wait()
        with patch(FETCH, return_value="mocked", scope=CONTEXT) as fetch:
            self.assertTrue(inspect.iscoroutinefunction(subjects.fetch))
            self.assertEqual(await subjects.fetch("me"), "mocked")
            self.assertEqual(await asyncio.create_task(subjects.fetch("child")), "mocked")
            from_callback = loop.create_future()
            loop.call_soon(lambda: from_callback.set_result(subjects.compute is ORIGINAL_COMPUTE))
            release.set()
            self.assertEqual(await early, "real outsider")
            self.assertTrue(await from_callback)
            fetch.assert_has_awaits([(("me",),), (("child",),)])
        self.assertEqual(await subjects.fetch("after"), "real after")

    async def test_other_contexts_see_the_original(self) -> None:
        with patch(COMPUTE, return_value="patched", scope=CONTEXT):
            self.assertEqual(subjects.compute(1), "patched")
            self.assertEqual(contextvars.Context().run(subjects.compute, 1), 2)

    async def test_the_proxy_forwards_attributes_in_its_context(self) -> None:
        with patch(FETCH, scope=CONTEXT) as fetch:
            subjects.fetch.return_value = "configured"  # type: ignore[attr-defined]
            self.assertEqual(fetch.return_value, "configured")
            await subjects.fetch("k")
            subjects.fetch.assert_awaited_once_with("k")  # type: ignore[attr-defined]
            self.assertIn("per-context patch of", repr(subjects.fetch))

    async def test_class_attributes_of_any_kind(self) -> None:
        service = subjects.Service("s")
        with patch.object(subjects.Service, "limit", 99, scope=CONTEXT):
            self.assertEqual((subjects.Service.limit, service.limit), (99, 99))
            in_other = contextvars.Context().run(lambda: service.limit)
            self.assertEqual(in_other, 3)
        with patch.object(subjects.Service, "get", scope=CONTEXT) as get:
            get.return_value = "mocked"
            self.assertEqual(await service.get("k"), "mocked")
            elsewhere = contextvars.Context().run(lambda: service.get("k"))
            self.assertEqual(await elsewhere, "s got k")
        self.assertEqual(subjects.Service.limit, 3)
        self.assertIsInstance(inspect.getattr_static(subjects.Service, "ping"), staticmethod)

    async def test_inherited_and_created_class_attributes(self) -> None:
        class Child(subjects.Service):
            pass

        with patch.object(Child, "size", return_value=5, scope=CONTEXT):
            self.assertEqual(Child("c").size(), 5)
            self.assertEqual(contextvars.Context().run(lambda: Child("c").size()), 1)
        self.assertNotIn("size", vars(Child))
        with patch.object(Child, "extra", 1, create=True, scope=CONTEXT):
            self.assertEqual(Child.extra, 1)  # type: ignore[attr-defined]
            with self.assertRaisesRegex(AttributeError, "only in the tasks that patched it"):
                contextvars.Context().run(lambda: Child.extra)  # type: ignore[attr-defined]
        self.assertFalse(hasattr(Child, "extra"))

    async def test_values_that_cannot_be_dispatched(self) -> None:
        cases: list[tuple[Any, str]] = [
            (patch("tests._mock_subjects.VALUE", 5, scope=CONTEXT), "not a callable"),
            (patch(COMPUTE, 5, scope=CONTEXT), "must be callable too"),
            (
                patch("tests._mock_subjects.fresh", create=True, scope=CONTEXT),
                "does not exist",
            ),
        ]
        for patcher, message in cases:
            with self.subTest(message=message):
                with self.assertRaisesRegex(TypeError, message), patcher:
                    pass
        self.assertEqual(subjects.VALUE, 10)
        self.assertFalse(hasattr(subjects, "fresh"))

    async def test_overlapping_with_a_global_patch(self) -> None:
        with patch(COMPUTE, return_value="context", scope=CONTEXT):
            with patch(COMPUTE, return_value="global"):
                self.assertEqual(subjects.compute(0), "global")
                self.assertEqual(contextvars.Context().run(subjects.compute, 0), "global")
            self.assertEqual(subjects.compute(0), "context")
            self.assertEqual(contextvars.Context().run(subjects.compute, 0), 1)

    async def test_stopped_from_another_context(self) -> None:
        patcher = patch(COMPUTE, return_value="x", scope=CONTEXT)
        patcher.start()
        copied = contextvars.copy_context()
        contextvars.Context().run(patcher.stop)
        self.assertIs(subjects.compute, ORIGINAL_COMPUTE)
        self.assertEqual(copied.run(subjects.compute, 0), 1)


class GeneratorScopesTest(unittest.TestCase):
    def tearDown(self) -> None:
        self.assertIs(subjects.compute, ORIGINAL_COMPUTE)

    def make(self, scope: PatchScope) -> Any:
        @patch(COMPUTE, return_value="patched", scope=scope)
        def generator(compute: Any) -> Generator[Any, Any, str]:
            received = yield is_patched()
            yield received
            try:
                yield is_patched()
            except KeyError:
                yield "caught"
            return "done"

        return generator

    def test_patch_active_between_steps_only_under_global(self) -> None:
        for scope, between in ((GLOBAL, True), (LIMITED, False)):
            with self.subTest(scope=scope):
                generator = self.make(scope)()
                self.assertIs(subjects.compute, ORIGINAL_COMPUTE)  # not started yet
                self.assertTrue(next(generator))
                self.assertEqual(is_patched(), between)
                self.assertEqual(generator.send("sent"), "sent")
                self.assertTrue(next(generator))
                self.assertEqual(generator.throw(KeyError("k")), "caught")
                with self.assertRaises(StopIteration) as stop:
                    next(generator)
                self.assertEqual(stop.exception.value, "done")

    def test_close_midway_restores(self) -> None:
        for scope in (GLOBAL, LIMITED):
            generator = self.make(scope)()
            next(generator)
            generator.close()
            self.assertIs(subjects.compute, ORIGINAL_COMPUTE)

    def test_unhandled_throw_propagates_and_restores(self) -> None:
        for scope in (GLOBAL, LIMITED):
            generator = self.make(scope)()
            next(generator)
            with self.assertRaises(ValueError):
                generator.throw(ValueError("v"))
            self.assertIs(subjects.compute, ORIGINAL_COMPUTE)

    def test_yield_from_a_patched_generator(self) -> None:
        def outer() -> Generator[Any, Any, Any]:
            result = yield from self.make(LIMITED)()
            return result

        self.assertEqual(next(outer()), True)


class AsyncGeneratorScopesTest(unittest.IsolatedAsyncioTestCase):
    def tearDown(self) -> None:
        self.assertIs(subjects.compute, ORIGINAL_COMPUTE)

    def make(self, scope: PatchScope) -> Any:
        @patch(COMPUTE, return_value="patched", scope=scope)
        async def generator(compute: Any) -> AsyncIterator[Any]:
            received = yield is_patched()
            await asyncio.sleep(0)
            yield (received, is_patched())
            try:
                yield is_patched()
            except KeyError:
                yield "caught"

        return generator

    async def test_steps_and_suspensions(self) -> None:
        for scope, between in ((GLOBAL, True), (LIMITED, False)):
            with self.subTest(scope=scope):
                generator = self.make(scope)()
                self.assertTrue(await generator.asend(None))
                self.assertEqual(is_patched(), between)
                self.assertEqual(await generator.asend("sent"), ("sent", True))
                self.assertTrue(await generator.__anext__())
                self.assertEqual(await generator.athrow(KeyError("k")), "caught")
                with self.assertRaises(StopAsyncIteration):
                    await generator.__anext__()

    async def test_limited_hides_the_patch_from_concurrent_tasks(self) -> None:
        log: list[tuple[str, bool]] = []

        @patch(COMPUTE, return_value="patched", scope=LIMITED)
        async def values(compute: Any) -> AsyncIterator[bool]:
            for _ in range(3):
                await asyncio.sleep(0)
                yield is_patched()

        async def consume() -> list[bool]:
            return [value async for value in values()]

        results, _ = await asyncio.gather(consume(), observe(log, "other", 4))
        self.assertEqual(results, [True, True, True])
        self.assertEqual([seen for _, seen in log], [False] * 4)

    async def test_aclose_midway_restores(self) -> None:
        for scope in (GLOBAL, LIMITED):
            generator = self.make(scope)()
            await generator.asend(None)
            await generator.aclose()
            self.assertIs(subjects.compute, ORIGINAL_COMPUTE)

    async def test_unhandled_athrow_propagates(self) -> None:
        generator = self.make(LIMITED)()
        await generator.asend(None)
        with self.assertRaises(ValueError):
            await generator.athrow(ValueError("v"))


class OverlapPropertiesTest(unittest.TestCase):
    """Patches of one target started and stopped in any order stay consistent."""

    @settings(max_examples=60, deadline=None)
    @given(st.permutations(range(5)))
    def test_visible_value_is_the_newest_active_patch(self, stop_order: list[int]) -> None:
        patchers = [patch(COMPUTE, new=f"v{n}") for n in range(5)]
        try:
            for patcher in patchers:
                patcher.start()
            active = list(range(5))
            for n in stop_order:
                patchers[n].stop()
                active.remove(n)
                expected = f"v{active[-1]}" if active else ORIGINAL_COMPUTE
                self.assertEqual(subjects.compute, expected)
        finally:
            patch.stopall()
        self.assertIs(subjects.compute, ORIGINAL_COMPUTE)

    @settings(max_examples=60, deadline=None)
    @given(st.permutations(range(4)))
    def test_dict_patches_ending_in_any_order_restore_the_original(
        self, stop_order: list[int]
    ) -> None:
        patchers = [patch.dict(subjects.SETTINGS, {f"k{n}": n}) for n in range(4)]
        try:
            for patcher in patchers:
                patcher.start()
            self.assertEqual(len(subjects.SETTINGS), 5)
            for n in stop_order:
                patchers[n].stop()
        finally:
            patch.stopall()
        self.assertEqual(subjects.SETTINGS, {"mode": "real"})

    @settings(max_examples=25, deadline=None)
    @given(
        st.lists(
            st.tuples(st.sampled_from(list(PatchScope)), st.integers(0, 3)),
            min_size=1,
            max_size=4,
        ),
        st.integers(0, 3),
    )
    def test_concurrent_decorated_tasks(
        self, tasks: list[tuple[PatchScope, int]], observer_steps: int
    ) -> None:
        async def scenario() -> None:
            seen_by: dict[int, list[Any]] = {}

            def worker(index: int, scope: PatchScope, steps: int) -> Any:
                @patch(FETCH, scope=scope)
                async def run(fetch: Any) -> Any:
                    fetch.return_value = index
                    for _ in range(steps + 1):
                        seen_by.setdefault(index, []).append(await subjects.fetch("k"))
                        await asyncio.sleep(0)
                    return fetch

                return run()

            async def observer() -> list[Any]:
                seen = []
                for _ in range(observer_steps + 1):
                    seen.append(await subjects.fetch("o"))
                    await asyncio.sleep(0)
                return seen

            results = await asyncio.gather(
                observer(), *(worker(i, scope, steps) for i, (scope, steps) in enumerate(tasks))
            )
            everything_seen = [*results[0], *(v for seen in seen_by.values() for v in seen)]
            globals_running = any(scope is GLOBAL for scope, _ in tasks)
            for index in range(len(tasks)):
                # Each mock answers its own index: its awaits are where that index shows.
                self.assertEqual(results[index + 1].await_count, everything_seen.count(index))
                if not globals_running:  # nobody else sees it, it sees only itself
                    self.assertEqual(set(seen_by[index]), {index})
            if not globals_running:
                self.assertTrue(all(value == "real o" for value in results[0]))
            self.assertIs(subjects.fetch, ORIGINAL_FETCH)

        asyncio.run(scenario())


if __name__ == "__main__":
    unittest.main()
