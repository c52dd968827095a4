"""patch, patch.object, patch.multiple, patch.dict, patch.stopall: forms and bad input."""

from __future__ import annotations

import inspect
import sys
import types
import unittest
from collections.abc import Callable
from typing import Any

from asynctoolkit.mock import (
    CONTEXT,
    DEFAULT,
    GLOBAL,
    LIMITED,
    AsyncMock,
    CoroutineMock,
    MagicMock,
    NonCallableMagicMock,
    PatchScope,
    create_autospec,
    patch,
    sentinel,
)
from tests import _mock_subjects as subjects

ORIGINAL_FETCH = subjects.fetch
ORIGINAL_COMPUTE = subjects.compute


class ReplacementTest(unittest.IsolatedAsyncioTestCase):
    def tearDown(self) -> None:
        self.assertIs(subjects.fetch, ORIGINAL_FETCH)
        self.assertIs(subjects.compute, ORIGINAL_COMPUTE)

    async def test_coroutine_function_becomes_an_async_mock(self) -> None:
        with patch("tests._mock_subjects.fetch") as fetch:
            self.assertIs(subjects.fetch, fetch)
            self.assertIs(type(fetch).__mro__[1], AsyncMock)
            self.assertRegex(repr(fetch), "name='fetch'")
            fetch.return_value = "mocked"
            self.assertEqual(await subjects.fetch_both("a", "b"), ("mocked", "mocked"))
            fetch.assert_has_awaits([(("a",),), (("b",),)])

    async def test_other_objects_become_magic_mocks(self) -> None:
        with patch("tests._mock_subjects.compute") as compute:
            self.assertIsInstance(compute, MagicMock)
            self.assertNotIsInstance(compute, AsyncMock)

    async def test_an_attribute_holding_a_mock_becomes_a_magic_mock(self) -> None:
        # Existing mocks are left out of "is this a coroutine function?", as
        # in the standard library: only mocks of coroutine functions count.
        holder = types.SimpleNamespace()
        for existing in (
            MagicMock(spec=subjects.compute),
            unittest.mock.MagicMock(spec=subjects.compute),  # claims to be a coroutine function
            unittest.mock.Mock(spec=subjects.compute),  # makes inspect raise TypeError
            unittest.mock.NonCallableMock(spec=subjects.compute),
            MagicMock(),
        ):
            holder.method = existing
            with self.subTest(existing=existing), patch.object(holder, "method") as method:
                self.assertNotIsInstance(method, AsyncMock)
                self.assertIsInstance(method, MagicMock)

    async def test_an_attribute_holding_a_mock_of_a_coroutine_function_stays_one(self) -> None:
        holder = types.SimpleNamespace()
        for existing in (
            CoroutineMock(),
            unittest.mock.AsyncMock(),
            MagicMock(spec=subjects.fetch),
        ):
            holder.method = existing
            with self.subTest(existing=existing), patch.object(holder, "method") as method:
                self.assertIs(type(method).__mro__[1], AsyncMock)

    async def test_new_value(self) -> None:
        with patch("tests._mock_subjects.VALUE", 42) as value:
            self.assertEqual((value, subjects.VALUE), (42, 42))
        self.assertEqual(subjects.VALUE, 10)

    async def test_new_callable_and_kwargs(self) -> None:
        with patch("tests._mock_subjects.compute", new_callable=CoroutineMock, return_value=5):
            self.assertEqual(await subjects.compute(1), 5)  # type: ignore[misc]
        with patch("tests._mock_subjects.fetch", return_value="kw") as fetch:
            self.assertEqual(await subjects.fetch("x"), "kw")
            fetch.assert_awaited_once_with("x")

    async def test_spec_true(self) -> None:
        with patch("tests._mock_subjects.fetch", spec=True) as fetch:
            self.assertIsInstance(fetch, AsyncMock)
            await subjects.fetch("k")
            fetch.assert_awaited_once_with(key="k")
        with patch("tests._mock_subjects.VALUE", spec=True) as value:
            self.assertIsInstance(value, NonCallableMagicMock)

    async def test_spec_set_refuses_unknown_attributes(self) -> None:
        with patch("tests._mock_subjects.Service", spec_set=True) as service_class:
            with self.assertRaises(AttributeError):
                service_class.unknown = 1
            instance = subjects.Service("x")
            self.assertIsInstance(instance.get, AsyncMock)
            with self.assertRaises(AttributeError):
                instance.unknown = 1  # type: ignore[attr-defined]

    async def test_autospec_of_a_coroutine_function_checks_calls(self) -> None:
        with patch("tests._mock_subjects.fetch", autospec=True) as fetch:
            self.assertTrue(inspect.iscoroutinefunction(subjects.fetch))
            with self.assertRaises(TypeError):
                subjects.fetch()  # type: ignore[call-arg, unused-coroutine]
            await subjects.fetch("k")
            fetch.assert_awaited_once_with("k")

    async def test_autospec_of_a_method_receives_self(self) -> None:
        with patch.object(subjects.Service, "get", autospec=True) as get:
            get.return_value = "patched"
            service = subjects.Service("s")
            self.assertEqual(await service.get("k"), "patched")
            get.assert_awaited_once_with(service, "k")
        self.assertEqual(await subjects.Service("s").get("k"), "s got k")

    async def test_autospec_of_a_class(self) -> None:
        with patch("tests._mock_subjects.Service", autospec=True):
            service: Any = subjects.Service("s")
            self.assertIsInstance(service.get, AsyncMock)
            await service.get("k")
            service.get.assert_awaited_once_with("k")

    async def test_static_and_class_methods(self) -> None:
        with (
            patch.object(subjects.Service, "ping") as ping,
            patch.object(subjects.Service, "connect") as connect,
        ):
            self.assertIsInstance(ping, AsyncMock)
            self.assertIsInstance(connect, AsyncMock)
            await subjects.Service.ping("h")
            await subjects.Service("s").connect("u")
        self.assertIsInstance(inspect.getattr_static(subjects.Service, "ping"), staticmethod)
        self.assertIsInstance(inspect.getattr_static(subjects.Service, "connect"), classmethod)

    async def test_inherited_attribute_is_removed_not_copied(self) -> None:
        class Child(subjects.Service):
            pass

        with patch.object(Child, "get") as get:
            self.assertIs(Child.get, get)
            self.assertIn("get", vars(Child))
        self.assertNotIn("get", vars(Child))
        self.assertIs(Child.get, subjects.Service.get)

    async def test_create_adds_then_removes(self) -> None:
        with patch("tests._mock_subjects.brand_new", create=True) as made:
            self.assertIs(subjects.brand_new, made)  # type: ignore[attr-defined]
        self.assertFalse(hasattr(subjects, "brand_new"))

    async def test_builtins_used_by_a_module_can_be_patched(self) -> None:
        with patch("tests._mock_subjects.open") as fake_open:
            self.assertIs(subjects.open, fake_open)  # type: ignore[attr-defined]
        self.assertNotIn("open", vars(subjects))


class MultipleAndDictTest(unittest.IsolatedAsyncioTestCase):
    async def test_multiple_as_context_manager(self) -> None:
        with patch.multiple(
            "tests._mock_subjects", fetch=DEFAULT, compute=DEFAULT, VALUE=3
        ) as made:
            self.assertEqual(set(made), {"fetch", "compute"})
            self.assertIsInstance(made["fetch"], AsyncMock)
            self.assertIs(subjects.compute, made["compute"])
            self.assertEqual(subjects.VALUE, 3)
        self.assertEqual(subjects.VALUE, 10)
        self.assertIs(subjects.fetch, ORIGINAL_FETCH)

    async def test_multiple_as_coroutine_decorator_passes_keywords(self) -> None:
        @patch.multiple(subjects, fetch=DEFAULT, VALUE=sentinel.value)
        async def check(fetch: Any) -> None:
            self.assertIs(subjects.fetch, fetch)
            self.assertIs(subjects.VALUE, sentinel.value)

        await check()
        self.assertIs(subjects.fetch, ORIGINAL_FETCH)

    async def test_multiple_patches_an_instance_of_a_str_subclass(self) -> None:
        flavoured = type("Flavoured", (str,), {"fish": "tasty"})("subjects")
        with patch.multiple(flavoured, fish="nearly gone"):
            self.assertEqual(flavoured.fish, "nearly gone")  # type: ignore[attr-defined]
        self.assertEqual(flavoured.fish, "tasty")  # type: ignore[attr-defined]
        with patch.object(flavoured, "fish", "eaten"):
            self.assertEqual(flavoured.fish, "eaten")  # type: ignore[attr-defined]

    async def test_dict(self) -> None:
        with patch.dict(subjects.SETTINGS, {"mode": "test"}, extra=1) as settings:
            self.assertIs(settings, subjects.SETTINGS)
            self.assertEqual(subjects.SETTINGS, {"mode": "test", "extra": 1})
            subjects.SETTINGS["added"] = True
        self.assertEqual(subjects.SETTINGS, {"mode": "real"})
        with patch.dict("tests._mock_subjects.SETTINGS", [("a", 1)], clear=True):
            self.assertEqual(subjects.SETTINGS, {"a": 1})
        self.assertEqual(subjects.SETTINGS, {"mode": "real"})

    async def test_dict_decorating_a_coroutine_function(self) -> None:
        @patch.dict(subjects.SETTINGS, mode="decorated")
        async def check() -> str:
            return str(subjects.SETTINGS["mode"])

        self.assertTrue(inspect.iscoroutinefunction(check))
        self.assertEqual(await check(), "decorated")
        self.assertEqual(subjects.SETTINGS, {"mode": "real"})

    async def test_dict_like_object_without_copy_or_update(self) -> None:
        class Store:
            def __init__(self) -> None:
                self.data: dict[str, int] = {"a": 1}

            def __getitem__(self, key: str) -> int:
                return self.data[key]

            def __setitem__(self, key: str, value: int) -> None:
                self.data[key] = value

            def __delitem__(self, key: str) -> None:
                del self.data[key]

            def __iter__(self) -> Any:
                return iter(list(self.data))

        store = Store()
        with patch.dict(store, {"b": 2}, clear=True):
            self.assertEqual(store.data, {"b": 2})
        self.assertEqual(store.data, {"a": 1})


class DecoratorFormsTest(unittest.IsolatedAsyncioTestCase):
    async def test_stacked_decorators_pass_mocks_innermost_first(self) -> None:
        @patch("tests._mock_subjects.compute")
        @patch("tests._mock_subjects.fetch")
        async def check(fetch: Any, compute: Any) -> None:
            self.assertIs(subjects.fetch, fetch)
            self.assertIs(subjects.compute, compute)

        await check()

    async def test_each_call_gets_its_own_mock(self) -> None:
        seen = []

        @patch("tests._mock_subjects.fetch")
        async def check(fetch: Any) -> None:
            seen.append(fetch)

        await check()
        await check()
        self.assertIsNot(seen[0], seen[1])

    async def test_decorated_functions_keep_their_kind_and_name(self) -> None:
        @patch("tests._mock_subjects.compute")
        async def coroutine_function(compute: Any) -> None:
            pass

        @patch("tests._mock_subjects.compute")
        async def async_generator_function(compute: Any) -> Any:
            yield

        @patch("tests._mock_subjects.compute")
        def generator_function(compute: Any) -> Any:
            yield

        self.assertTrue(inspect.iscoroutinefunction(coroutine_function))
        self.assertTrue(inspect.isasyncgenfunction(async_generator_function))
        self.assertTrue(inspect.isgeneratorfunction(generator_function))
        self.assertEqual(coroutine_function.__name__, "coroutine_function")

    def test_plain_function(self) -> None:
        @patch("tests._mock_subjects.compute", return_value=0)
        def check(compute: Any) -> int:
            return subjects.compute(5)

        self.assertEqual(check(), 0)
        self.assertEqual(subjects.compute(5), 6)

    def test_class_decorator_patches_test_methods_only(self) -> None:
        @patch("tests._mock_subjects.compute", return_value=0)
        class Checks:
            def test_one(self, compute: Any) -> int:
                return subjects.compute(1)

            def helper(self) -> int:
                return subjects.compute(1)

        self.assertEqual(Checks().test_one(), 0)  # type: ignore[call-arg]
        self.assertEqual(Checks().helper(), 2)

    def test_class_decorator_honours_test_prefix(self) -> None:
        old = patch.TEST_PREFIX
        patch.TEST_PREFIX = "check"
        try:

            @patch("tests._mock_subjects.compute", return_value=0)
            class Checks:
                def check_one(self, compute: Any) -> int:
                    return subjects.compute(1)

        finally:
            patch.TEST_PREFIX = old
        self.assertEqual(Checks().check_one(), 0)  # type: ignore[call-arg]

    async def test_target_is_resolved_when_the_patch_starts(self) -> None:
        @patch("atk_late_module.value", 2)
        async def check() -> int:
            return int(sys.modules["atk_late_module"].value)

        module = types.ModuleType("atk_late_module")
        module.value = 1  # type: ignore[attr-defined]
        sys.modules["atk_late_module"] = module
        try:
            self.assertEqual(await check(), 2)
            self.assertEqual(module.value, 1)
        finally:
            del sys.modules["atk_late_module"]

    async def test_exceptions_of_the_decorated_coroutine_propagate_after_restoring(self) -> None:
        @patch("tests._mock_subjects.fetch")
        async def failing(fetch: Any) -> None:
            raise KeyError("inner")

        with self.assertRaises(KeyError):
            await failing()
        self.assertIs(subjects.fetch, ORIGINAL_FETCH)


class StartStopTest(unittest.TestCase):
    def tearDown(self) -> None:
        patch.stopall()

    def test_start_and_stop(self) -> None:
        patcher = patch("tests._mock_subjects.compute", return_value=0)
        mock = patcher.start()
        self.assertIs(subjects.compute, mock)
        patcher.stop()
        self.assertIs(subjects.compute, ORIGINAL_COMPUTE)
        patcher.stop()  # not started any more: nothing to do
        self.assertIs(subjects.compute, ORIGINAL_COMPUTE)

    def test_stopall_stops_newest_first(self) -> None:
        patch("tests._mock_subjects.compute", return_value=1).start()
        patch("tests._mock_subjects.compute", return_value=2).start()
        patch.dict(subjects.SETTINGS, mode="x").start()
        self.assertEqual(subjects.compute(0), 2)
        patch.stopall()
        self.assertIs(subjects.compute, ORIGINAL_COMPUTE)
        self.assertEqual(subjects.SETTINGS, {"mode": "real"})

    def test_stopall_stops_standard_patches_too_in_one_order(self) -> None:
        stopped: list[str] = []

        def recorded(patcher: Any, name: str) -> Any:
            stop = patcher.stop

            def stop_and_record() -> object:
                stopped.append(name)
                return stop()

            patcher.stop = stop_and_record
            return patcher

        holder = types.SimpleNamespace(a=0, b=0, c=0)
        recorded(patch.object(holder, "a", 1), "ours a").start()
        recorded(unittest.mock.patch.object(holder, "b", 2), "standard b").start()
        recorded(patch.object(holder, "c", 3), "ours c").start()
        patch.stopall()
        self.assertEqual(stopped, ["ours c", "standard b", "ours a"])
        self.assertEqual((holder.a, holder.b, holder.c), (0, 0, 0))

    def test_standard_stopall_stops_ours(self) -> None:
        patch("tests._mock_subjects.compute", return_value=1).start()
        unittest.mock.patch.stopall()
        self.assertIs(subjects.compute, ORIGINAL_COMPUTE)

    def test_the_same_patch_started_twice(self) -> None:
        patcher = patch("tests._mock_subjects.VALUE", 1)
        patcher.start()
        patcher.start()
        patcher.stop()
        self.assertEqual(subjects.VALUE, 1)
        patcher.stop()
        self.assertEqual(subjects.VALUE, 10)

    def test_leaving_a_patch_never_entered(self) -> None:
        with self.assertRaisesRegex(RuntimeError, "not active"):
            patch("tests._mock_subjects.VALUE", 1).__exit__(None, None, None)


class _Guarded:
    """An object whose ``a`` cannot be set back to ``"a"`` while ``locked``."""

    locked = False

    def __init__(self) -> None:
        self.a = "a"
        self.b = "b"

    def __setattr__(self, name: str, value: Any) -> None:
        if type(self).locked and name == "a" and value == "a":
            raise PermissionError("cannot restore a")
        object.__setattr__(self, name, value)


class FailureWhileStoppingTest(unittest.TestCase):
    def tearDown(self) -> None:
        _Guarded.locked = False
        patch.stopall()

    def test_other_attributes_are_still_restored_and_the_error_raised(self) -> None:
        guarded = _Guarded()
        patcher = patch.multiple(guarded, a=1, b=2)
        patcher.start()
        _Guarded.locked = True
        with self.assertRaises(PermissionError):
            patcher.stop()
        _Guarded.locked = False
        self.assertEqual(guarded.b, "b")
        # Nothing stale is left: a new patch sees the value that is there now,
        # and restores to it.
        with patch.object(guarded, "a", 5):
            self.assertEqual(guarded.a, 5)
        self.assertEqual(guarded.a, 1)

    def test_stopall_stops_the_rest_when_one_fails(self) -> None:
        guarded = _Guarded()
        patch("tests._mock_subjects.compute").start()
        patch.object(guarded, "a", 1).start()
        patch("tests._mock_subjects.fetch").start()
        _Guarded.locked = True
        with self.assertRaises(PermissionError):
            patch.stopall()
        self.assertIs(subjects.compute, ORIGINAL_COMPUTE)
        self.assertIs(subjects.fetch, ORIGINAL_FETCH)

    def test_a_failing_decorated_call_is_stopped_by_the_next_patches_anyway(self) -> None:
        guarded = _Guarded()

        @patch.object(guarded, "a", 1)  # started last, so stopped first
        @patch("tests._mock_subjects.compute")
        def check(*mocks: Any) -> None:
            _Guarded.locked = True

        with self.assertRaises(PermissionError):
            check()
        self.assertIs(subjects.compute, ORIGINAL_COMPUTE)

    def test_a_failing_start_undoes_the_patches_already_applied(self) -> None:
        @patch("tests._mock_subjects.missing_name")
        @patch("tests._mock_subjects.compute")
        def check(*mocks: Any) -> None:
            raise AssertionError("not reached")

        with self.assertRaisesRegex(AttributeError, "missing_name"):
            check()
        self.assertIs(subjects.compute, ORIGINAL_COMPUTE)


class _Hostile:
    """An object whose repr and str fail, and record that they were asked for."""

    asked: list[str] = []
    value = 1

    def method(self) -> int:
        return 1

    async def fetch(self) -> int:
        return 1

    def __repr__(self) -> str:
        self.asked.append("repr")
        raise RuntimeError("no repr before a connection is made")

    def __str__(self) -> str:
        self.asked.append("str")
        raise RuntimeError("no str either")


class TargetWithFailingReprTest(unittest.IsolatedAsyncioTestCase):
    """Patching never shows the target; a message that must show it survives its repr."""

    def setUp(self) -> None:
        self.target = _Hostile()
        self.target.nested = _Hostile()  # type: ignore[attr-defined]
        _Hostile.asked.clear()

    async def test_every_form_patches_without_asking_for_repr(self) -> None:
        target = self.target

        @patch.object(target, "value", 2)
        def decorated() -> int:
            return target.value

        self.assertEqual(decorated(), 2)
        with patch.object(target, "method", return_value=3) as method:
            self.assertEqual(target.method(), 3)
        self.assertIsInstance(method, MagicMock)
        with patch.object(target, "fetch") as fetch:
            self.assertIsInstance(fetch, AsyncMock)
        for options in ({"spec": True}, {"autospec": True}):
            with self.subTest(**options), patch.object(target, "nested", **options) as nested:
                self.assertIs(target.nested, nested)  # type: ignore[attr-defined]
        patcher = patch.multiple(target, value=5, method=DEFAULT)
        made = patcher.start()
        self.assertEqual((target.value, target.method), (5, made["method"]))
        patcher.stop()

        @patch.object(target, "method", lambda: 4, scope=CONTEXT)
        async def in_context() -> int:
            return target.method()

        self.assertEqual(await in_context(), 4)

        @patch.object(target, "value", 6, scope=LIMITED)
        async def limited() -> int:
            return target.value

        self.assertEqual(await limited(), 6)
        self.assertEqual(target.value, 1)
        self.assertEqual(_Hostile.asked, [])

    def test_messages_and_reprs_survive_a_failing_repr(self) -> None:
        patcher = patch.object(self.target, "value", 2)
        self.assertRegex(repr(patcher), r"<patch of <_Hostile instance at 0x\w+> \(value\)")
        with self.assertRaisesRegex(
            AttributeError, "_Hostile instance at .* no attribute 'missing'"
        ):
            patch.object(self.target, "missing").start()
        with self.assertRaisesRegex(RuntimeError, "is not active"):
            patcher.__exit__(None, None, None)
        with self.assertRaisesRegex(TypeError, "scope=CONTEXT using <_Hostile instance"):
            patch.object(self.target, "method", self.target, scope=CONTEXT).start()
        self.assertEqual(self.target.method(), 1)


class BadInputTest(unittest.TestCase):
    def test_missing_attribute_without_create(self) -> None:
        with self.assertRaises(AttributeError) as caught, patch("tests._mock_subjects.nope"):
            pass
        self.assertIn("'nope'", str(caught.exception))
        self.assertIn("create=True", str(caught.exception))

    def test_bad_target_strings(self) -> None:
        for bad in ("nodots", ".attr", "module.", 42):
            with self.subTest(target=bad), self.assertRaisesRegex(TypeError, "package.module"):
                patch(bad)  # type: ignore[arg-type]

    def test_unimportable_target(self) -> None:
        patcher = patch("atk_no_such_module.thing")  # resolved at start only
        with self.assertRaisesRegex(ImportError, "cannot patch 'atk_no_such_module.thing'"):
            patcher.start()

    def test_unknown_scope(self) -> None:
        factories: list[Callable[[Any], object]] = [
            lambda scope: patch("tests._mock_subjects.fetch", scope=scope),
            lambda scope: patch.object(subjects, "fetch", scope=scope),
            lambda scope: patch.multiple(subjects, fetch=DEFAULT, scope=scope),
            lambda scope: patch.dict(subjects.SETTINGS, scope=scope),
        ]
        for factory in factories:
            with self.assertRaisesRegex(ValueError, "GLOBAL, LIMITED or CONTEXT"):
                factory("global")
        self.assertIs(PatchScope.GLOBAL, GLOBAL)
        self.assertEqual([s.name for s in PatchScope], ["LIMITED", "GLOBAL", "CONTEXT"])
        self.assertIs(LIMITED, PatchScope.LIMITED)
        self.assertIs(CONTEXT, PatchScope.CONTEXT)

    def test_conflicting_options(self) -> None:
        target = "tests._mock_subjects.fetch"
        with self.assertRaises(ValueError):
            patch(target, new=1, new_callable=MagicMock)
        with self.assertRaises(ValueError):
            patch(target, autospec=True, new_callable=MagicMock)
        with self.assertRaises(TypeError):
            patch(target, new=1, autospec=True)
        with self.assertRaises(TypeError):
            patch(target, spec=True, autospec=True)
        with self.assertRaises(TypeError):
            patch(target, new=1, return_value=3)
        with self.assertRaisesRegex(RuntimeError, "typo"):
            patch(target, autospect=True)

    def test_wrong_argument_kinds(self) -> None:
        with self.assertRaisesRegex(  # the standard library's wording first
            TypeError, r"^'tests._mock_subjects' must be the actual object to be patched, not a str"
        ):
            patch.object("tests._mock_subjects", "fetch")
        with self.assertRaisesRegex(TypeError, "non-empty str"):
            patch.object(subjects, 3)  # type: ignore[arg-type]
        with self.assertRaisesRegex(ValueError, "at least one"):
            patch.multiple(subjects)
        with self.assertRaisesRegex(TypeError, "decorates"):
            patch("tests._mock_subjects.fetch")(3)  # type: ignore[call-overload]
        with self.assertRaisesRegex(ValueError, "patch.dict cannot use scope=CONTEXT"):
            patch.dict(subjects.SETTINGS, scope=CONTEXT)

    def test_mocks_as_specs_are_refused_in_the_standard_words(self) -> None:
        class A:
            class B:
                C = None

        invalid = unittest.mock.InvalidSpecError  # type: ignore[attr-defined]
        with patch.object(A, "B"):
            with self.assertRaisesRegex(
                invalid, r"^Cannot autospec attr 'B' from target 'A' as it has already been"
            ):
                patch.object(A, "B", autospec=True).start()
            with self.assertRaisesRegex(
                invalid, r"^Cannot autospec attr 'C' as the patch target has already been"
            ):
                patch.object(A.B, "C", autospec=True).start()
            with self.assertRaisesRegex(invalid, r"^Cannot spec attr 'B' as the spec has already"):
                patch.object(A, "B", spec=A.B)
            with self.assertRaisesRegex(invalid, r"^Cannot spec attr 'B' as the spec_set target"):
                patch.object(A, "B", spec_set=A.B)
            with self.assertRaisesRegex(invalid, r"^Cannot autospec a Mock object\. "):
                create_autospec(A.B)

    def test_spec_from_a_missing_attribute(self) -> None:
        with (
            self.assertRaisesRegex(TypeError, "does not exist"),
            patch("tests._mock_subjects.nope", create=True, spec=True),
        ):
            pass
        with (
            self.assertRaisesRegex(TypeError, "does not exist"),
            patch("tests._mock_subjects.nope", create=True, autospec=True),
        ):
            pass
        self.assertFalse(hasattr(subjects, "nope"))


if __name__ == "__main__":
    unittest.main()
