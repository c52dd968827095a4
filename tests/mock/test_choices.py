"""Where ``asynctoolkit.mock`` picks the class for a coroutine function, it picks AsyncMock.

``automatic_choices`` builds one mock at each place where the class is chosen
automatically; ``tests/compat/test_mock.py`` runs it on the asynctest layer,
which picks ``CoroutineMock`` instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import types
import unittest
from collections.abc import Iterator
from typing import Any

import asynctoolkit
from asynctoolkit import mock
from asynctoolkit.mock import AsyncMock, CoroutineMock, MagicMock, patch
from tests import _mock_subjects as subjects
from tests._inner import failure_text, passed, run_test

FETCH = subjects.fetch


@contextlib.contextmanager
def automatic_choices(module: Any) -> Iterator[dict[str, Any]]:
    """A mock made by ``module`` (``asynctoolkit.mock`` or alike) at each automatic choice.

    Each entry stands for a coroutine function.  The patches stay active
    until the ``with`` block ends.
    """
    holder = types.SimpleNamespace(fetch=FETCH, other=FETCH)
    made: dict[str, Any] = {}
    for name in ("Mock", "MagicMock"):
        klass = getattr(module, name)
        made[f"{name}(spec=coroutine function)"] = klass(spec=FETCH)
        made[f"{name}(wraps=coroutine function)"] = klass(wraps=FETCH)
    for name in ("Mock", "MagicMock", "NonCallableMock", "NonCallableMagicMock"):
        klass = getattr(module, name)
        made[f"{name}(spec=class).method"] = klass(spec=subjects.Service).get
        made[f"{name}(spec=instance).method"] = klass(spec=subjects.Service("s")).connect
    made["Mock(wraps=instance).method"] = module.Mock(wraps=subjects.Service("w")).get
    made["Mock(spec=class).partial"] = module.Mock(spec=subjects.Holder).partial_get
    for name in ("__aenter__", "__aexit__", "__anext__"):
        made[f"MagicMock().{name}"] = getattr(module.MagicMock(), name)
    made["NonCallableMagicMock().__aenter__"] = module.NonCallableMagicMock().__aenter__
    made["create_autospec(coroutine function)"] = module.create_autospec(FETCH)
    made["create_autospec(class).method"] = module.create_autospec(subjects.Service).ping
    made["create_autospec(class)().method"] = module.create_autospec(subjects.Service)("n").get
    made["create_autospec(instance).method"] = module.create_autospec(subjects.Service("s")).get
    made["create_autospec(class).callable attribute"] = module.create_autospec(
        subjects.Holder
    ).handler
    made["create_autospec(async callable class, instance=True)"] = module.create_autospec(
        subjects.AsyncCallable, instance=True
    )
    with contextlib.ExitStack() as stack:
        made["patch of a coroutine function"] = stack.enter_context(
            module.patch.object(holder, "fetch")
        )
        made["patch of an async method"] = stack.enter_context(
            module.patch.object(subjects.Service, "get")
        )
        made["patch of an async static method"] = stack.enter_context(
            module.patch.object(subjects.Service, "ping")
        )
        made["patch with spec=True"] = stack.enter_context(
            module.patch("tests._mock_subjects.fetch", spec=True)
        )
        made["patch with a coroutine function as spec"] = stack.enter_context(
            module.patch("tests._mock_subjects.compute", spec=FETCH)
        )
        made["patch with autospec=True"] = stack.enter_context(
            module.patch.object(subjects.Service, "connect", autospec=True)
        )
        made["patch.multiple"] = stack.enter_context(
            module.patch.multiple(holder, other=module.DEFAULT)
        )["other"]
        yield made


class StandardChoiceTest(unittest.TestCase):
    """``asynctoolkit.mock`` makes an AsyncMock wherever unittest.mock makes one."""

    def test_every_automatic_choice_is_an_async_mock(self) -> None:
        with automatic_choices(mock) as made:
            self.assertGreater(len(made), 25)
            for site, chosen in made.items():
                with self.subTest(site):
                    self.assertIsInstance(chosen, AsyncMock)
                    self.assertNotIsInstance(chosen, CoroutineMock)

    def test_the_top_level_names_are_the_same(self) -> None:
        for name in ("Mock", "MagicMock", "NonCallableMock", "NonCallableMagicMock", "patch"):
            self.assertIs(getattr(asynctoolkit, name), getattr(mock, name))
        self.assertIs(asynctoolkit.create_autospec, mock.create_autospec)

    def test_children_follow_the_standard_async_mock(self) -> None:
        with automatic_choices(mock) as made:
            for site, chosen in made.items():
                if site.endswith("__aexit__") or "wraps" in site:
                    continue  # False by default; the wrapped object answers
                with self.subTest(site):
                    self.assertIsInstance(chosen.return_value, AsyncMock)
                    self.assertNotIsInstance(chosen.return_value, CoroutineMock)

    def test_a_plain_function_and_an_existing_plain_mock_are_not_async(self) -> None:
        holder = types.SimpleNamespace(compute=subjects.compute, existing=MagicMock())
        with patch.object(holder, "compute") as compute, patch.object(holder, "existing") as new:
            for chosen in (compute, new, mock.Mock(spec=subjects.compute)):
                with self.subTest(chosen=chosen):
                    self.assertNotIsInstance(chosen, AsyncMock)

    def test_an_awaitable_spec_or_target_counts_as_in_unittest_mock(self) -> None:
        # unittest.mock judges specs and patched objects by "coroutine function
        # or awaitable"; attributes of a spec by "coroutine function" only.
        class Awaitable:
            def __await__(self) -> Iterator[None]:
                yield None

            def method(self) -> None: ...

        awaitable = Awaitable()
        holder = types.SimpleNamespace(value=awaitable)
        with patch.object(holder, "value") as patched:
            self.assertIsInstance(patched, AsyncMock)
        for ours, theirs in ((mock.Mock(spec=awaitable), unittest.mock.Mock(spec=awaitable)),):
            self.assertIsInstance(ours, AsyncMock)
            for made in (ours, theirs):
                call = made()
                self.assertTrue(asyncio.iscoroutine(call), made)
                call.close()
        self.assertNotIsInstance(mock.Mock(spec=Awaitable).method, AsyncMock)


class StandardChoiceInATestCaseTest(unittest.TestCase):
    """A suite moving from unittest.mock keeps passing, checks included."""

    def test_awaiting_what_an_awaited_patch_returns(self) -> None:
        class Inner(asynctoolkit.TestCase):
            @patch("tests._mock_subjects.fetch")
            async def test_read(self, fetch: Any) -> None:
                response = await subjects.fetch("k")
                response.read.return_value = b"body"
                self.assertEqual(await response.read(), b"body")
                self.assertEqual(await (await subjects.fetch("k")).read(), b"body")
                response.read.assert_awaited_with()

        result = run_test(Inner, "test_read")
        self.assertTrue(passed(result), failure_text(result))

    def test_a_result_method_called_without_await_is_reported(self) -> None:
        # Under unittest.mock the call hands out a coroutine that is never
        # awaited (a RuntimeWarning at best); the unawaited_coroutines check
        # fails the test and names the call.
        class Inner(asynctoolkit.TestCase):
            @patch("tests._mock_subjects.fetch")
            async def test_json(self, fetch: Any) -> None:
                (await subjects.fetch("k")).json()

        result = run_test(Inner, "test_json")
        self.assertFalse(result.wasSuccessful())
        self.assertIn("<AsyncMock name='fetch().json'", failure_text(result))
        self.assertIn("unawaited_coroutines", failure_text(result))


class CoroutineMockStaysAsynctestsTest(unittest.TestCase):
    """Made explicitly, CoroutineMock keeps asynctest's rules for its own children."""

    def test_return_value_and_attributes_are_magic_mocks(self) -> None:
        class Client:
            async def __call__(self) -> None: ...

            async def close(self) -> None: ...

            def plain(self) -> None: ...

        client = CoroutineMock(spec=Client)
        self.assertIs(type(asyncio.run(client())).__mro__[1], MagicMock)
        self.assertIs(type(client.plain).__mro__[1], MagicMock)
        self.assertIs(type(client.close).__mro__[1], CoroutineMock)
        self.assertIs(type(CoroutineMock().__aenter__).__mro__[1], CoroutineMock)


if __name__ == "__main__":
    unittest.main()
