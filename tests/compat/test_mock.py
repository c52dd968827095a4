"""``asynctest.mock``: asynctoolkit's mocks making asynctest's choice, CoroutineMock."""

from __future__ import annotations

import inspect
import types
import unittest
from collections.abc import Iterator
from typing import Any

import asynctoolkit
from asynctoolkit import mock as toolkit
from asynctoolkit.compat.asynctest import mock as shim
from tests import _mock_subjects as subjects
from tests._inner import failure_text, passed, run_test
from tests.compat._layer import install_for
from tests.mock.test_choices import automatic_choices


class AsynctestChoiceTest(unittest.TestCase):
    def test_every_automatic_choice_is_a_coroutine_mock(self) -> None:
        with automatic_choices(shim) as made:
            self.assertGreater(len(made), 25)
            for site, chosen in made.items():
                with self.subTest(site):
                    self.assertIsInstance(chosen, shim.CoroutineMock)

    def test_return_values_are_the_layers_magic_mocks(self) -> None:
        with automatic_choices(shim) as made:
            for site, chosen in made.items():
                if site.endswith("__aexit__") or "wraps" in site:
                    continue  # False by default; the wrapped object answers
                with self.subTest(site):
                    self.assertIs(type(chosen.return_value).__mro__[1], shim.MagicMock)

    def test_children_are_the_layers_classes_all_the_way_down(self) -> None:
        self.assertIs(type(shim.Mock().child).__mro__[1], shim.Mock)
        self.assertIs(type(shim.NonCallableMock().child).__mro__[1], shim.Mock)
        self.assertIs(type(shim.NonCallableMagicMock().child).__mro__[1], shim.MagicMock)
        result = shim.CoroutineMock().return_value
        self.assertIs(type(result.attribute).__mro__[1], shim.MagicMock)
        self.assertIs(type(result.__aenter__).__mro__[1], shim.CoroutineMock)
        self.assertIs(type(result.__aenter__.return_value).__mro__[1], shim.MagicMock)
        service = shim.MagicMock(spec=subjects.Service)
        self.assertIs(type(service.get).__mro__[1], shim.CoroutineMock)
        self.assertIs(type(service.size).__mro__[1], shim.MagicMock)

    def test_classes_keep_asynctests_isinstance_relations(self) -> None:
        for name in ("NonCallableMock", "NonCallableMagicMock", "Mock", "MagicMock"):
            with self.subTest(name):
                self.assertTrue(issubclass(getattr(shim, name), getattr(toolkit, name)))
        self.assertIsInstance(shim.MagicMock(), shim.Mock)
        self.assertIsInstance(shim.NonCallableMagicMock(), shim.NonCallableMock)
        self.assertIsInstance(shim.Mock(), shim.NonCallableMock)
        self.assertIsInstance(shim.CoroutineMock(), shim.Mock)
        self.assertIsInstance(shim.CoroutineMock(), toolkit.CoroutineMock)
        self.assertRegex(repr(shim.CoroutineMock(name="f")), r"^<CoroutineMock name='f' id=")

    def test_patch_is_asynctoolkits_with_the_layers_classes(self) -> None:
        self.assertIs(type(shim.patch), type(toolkit.patch))
        self.assertEqual(repr(shim.patch), "<asynctoolkit.compat.asynctest.mock.patch>")
        for name in ("object", "multiple", "dict", "stopall"):
            self.assertTrue(callable(getattr(shim.patch, name)), name)

    def test_existing_plain_mocks_plain_functions_and_awaitables_are_not_async(self) -> None:
        class Awaitable:
            def __await__(self) -> Iterator[None]:
                yield None

        holder = types.SimpleNamespace(
            existing=shim.MagicMock(spec=subjects.compute),
            compute=subjects.compute,
            awaitable=Awaitable(),  # unittest.mock would make an AsyncMock; asynctest did not
        )
        for name in ("existing", "compute", "awaitable"):
            with self.subTest(name), shim.patch.object(holder, name) as patched:
                self.assertIs(type(patched).__mro__[1], shim.MagicMock)
        for candidate in (shim.Mock(spec=subjects.compute), shim.MagicMock(spec=subjects.compute)):
            with self.subTest(candidate=candidate):
                self.assertFalse(inspect.iscoroutinefunction(candidate))
        with shim.patch.object(holder, "existing", shim.CoroutineMock()):
            with shim.patch.object(holder, "existing") as patched:
                self.assertIsInstance(patched, shim.CoroutineMock)

    def test_the_installed_names_are_these(self) -> None:
        asynctest = install_for(self)
        self.assertIs(asynctest.patch, shim.patch)
        self.assertIs(asynctest.mock.CoroutineMock, shim.CoroutineMock)
        self.assertIs(asynctest.create_autospec, shim.create_autospec)


class AsynctestSuiteTest(unittest.TestCase):
    """What an asynctest suite writes passes, with asynctoolkit's checks on."""

    def test_a_method_of_an_awaited_result_is_a_plain_call(self) -> None:
        class Inner(asynctoolkit.TestCase):
            @shim.patch("tests._mock_subjects.fetch")
            async def test_json(self, fetch: Any) -> None:
                fetch.return_value.json.return_value = {"ok": True}
                self.assertEqual((await subjects.fetch("k")).json(), {"ok": True})
                self.assertEqual(list((await subjects.fetch("k")).items), [])
                async with await subjects.fetch("k") as response:
                    response.close()
                fetch.assert_awaited_with("k")

        result = run_test(Inner, "test_json")
        self.assertTrue(passed(result), failure_text(result))

    def test_an_autospecced_client_gives_plain_results(self) -> None:
        class Inner(asynctoolkit.TestCase):
            async def test_get(self) -> None:
                service = shim.create_autospec(subjects.Service, instance=True)
                (await service.get("k")).decode()
                service.get.assert_awaited_once_with("k")

        result = run_test(Inner, "test_get")
        self.assertTrue(passed(result), failure_text(result))


if __name__ == "__main__":
    unittest.main()
