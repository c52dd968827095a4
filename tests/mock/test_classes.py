"""The mock classes: which children are AsyncMock, is_coroutine, async magic methods."""

from __future__ import annotations

import asyncio
import collections.abc
import contextlib
import functools
import inspect
import sys
import types
import unittest
import unittest.mock
from typing import Any

from asynctoolkit import mock
from asynctoolkit.mock import (
    AsyncMock,
    CoroutineMock,
    MagicMock,
    Mock,
    NonCallableMagicMock,
    NonCallableMock,
    call,
    create_autospec,
    patch,
)
from tests import _mock_subjects as subjects


class ReExportsTest(unittest.TestCase):
    def test_standard_helpers_are_the_unittest_mock_objects(self) -> None:
        for name in ("ANY", "DEFAULT", "call", "sentinel", "seal"):
            self.assertIs(getattr(mock, name), getattr(unittest.mock, name), name)

    def test_every_public_name_is_listed(self) -> None:
        expected = {
            "Mock",
            "MagicMock",
            "NonCallableMock",
            "NonCallableMagicMock",
            "CoroutineMock",
            "AsyncMock",
            "create_autospec",
            "ANY",
            "DEFAULT",
            "call",
            "sentinel",
            "PropertyMock",
            "seal",
            "patch",
            "PatchScope",
            "GLOBAL",
            "LIMITED",
            "CONTEXT",
            "mock_open",
            "return_once",
            "AwaitedEvent",
            "DEFAULT_AWAIT_TIMEOUT",
        }
        self.assertEqual(set(mock.__all__), expected)
        for name in expected:
            self.assertTrue(hasattr(mock, name), name)

    def test_filter_dir_switches_the_dir_filter_off(self) -> None:
        m = Mock()
        m.child = 1
        self.assertNotIn("_mock_children", dir(m))
        for module in (mock, unittest.mock):
            with self.subTest(module=module.__name__):
                with unittest.mock.patch.object(module, "FILTER_DIR", False):
                    self.assertIn("_mock_children", dir(m))
                    self.assertIn("child", dir(m))
                self.assertNotIn("_mock_children", dir(m))

    def test_classes_are_the_unittest_mock_ones_underneath(self) -> None:
        self.assertIsInstance(Mock(), unittest.mock.Mock)
        self.assertIsInstance(MagicMock(), unittest.mock.MagicMock)
        self.assertIsInstance(NonCallableMock(), unittest.mock.NonCallableMock)
        self.assertIsInstance(NonCallableMagicMock(), unittest.mock.NonCallableMagicMock)
        self.assertIsInstance(CoroutineMock(), unittest.mock.Mock)
        self.assertIsInstance(Mock(), NonCallableMock)
        self.assertIsInstance(MagicMock(), Mock)

    def test_repr_names_the_class_and_the_mock(self) -> None:
        self.assertRegex(repr(CoroutineMock(name="fetch")), r"^<CoroutineMock name='fetch' id=")
        self.assertRegex(repr(MagicMock(name="x")), r"^<MagicMock name='x' id=")


class SpecChildrenTest(unittest.TestCase):
    """Attributes that are coroutine functions on the spec are AsyncMock (as in unittest.mock)."""

    ASYNC = ("get", "ping", "connect")
    SYNC = ("size", "version", "build")

    def check(self, parent: object) -> None:
        for name in self.ASYNC:
            self.assertIs(type(getattr(parent, name)).__mro__[1], AsyncMock, name)
        for name in self.SYNC:
            child = getattr(parent, name)
            self.assertNotIsInstance(child, AsyncMock, name)
            self.assertFalse(inspect.iscoroutinefunction(child), name)

    def test_spec_class_and_instance_for_every_mock_class(self) -> None:
        instance = subjects.Service("s")
        for klass in (Mock, MagicMock, NonCallableMock, NonCallableMagicMock):
            for spec in (subjects.Service, instance):
                with self.subTest(klass=klass.__name__, spec=spec):
                    self.check(klass(spec=spec))
                    self.check(klass(spec_set=spec))

    def test_partial_and_async_callable_objects(self) -> None:
        holder = Mock(spec=subjects.Holder)
        self.assertIs(type(holder.partial_get).__mro__[1], AsyncMock)
        self.assertIs(type(holder.handler).__mro__[1], AsyncMock)
        self.assertNotIsInstance(holder.plain, AsyncMock)

    def test_partialmethod_of_a_coroutine_function(self) -> None:
        class WithPartialMethod:
            async def get(self, key: str) -> str:
                return key

            get_a = functools.partialmethod(get, "a")

        self.assertIs(type(Mock(spec=WithPartialMethod).get_a).__mro__[1], AsyncMock)

    def test_wraps_children_follow_the_wrapped_object(self) -> None:
        wrapper = Mock(wraps=subjects.Service("w"))
        self.assertIs(type(wrapper.get).__mro__[1], AsyncMock)
        self.assertNotIsInstance(wrapper.size, AsyncMock)

    def test_wrapped_coroutine_method_is_called_when_awaited(self) -> None:
        wrapper = Mock(wraps=subjects.Service("w"))
        self.assertEqual(asyncio.run(wrapper.get("k")), "w got k")
        wrapper.get.assert_awaited_once_with("k")
        self.assertEqual(wrapper.size(), 1)

    def test_the_spec_objects_own_attributes_count_as_they_were_when_given(self) -> None:
        service = subjects.Service("s")
        service.callback = subjects.compute  # type: ignore[attr-defined]
        service.handler = subjects.fetch  # type: ignore[attr-defined]
        for klass in (Mock, MagicMock, NonCallableMock):
            with self.subTest(klass=klass.__name__):
                m = klass(spec_set=service)
                service.callback = subjects.fetch  # type: ignore[attr-defined]
                service.handler = subjects.compute  # type: ignore[attr-defined]
                self.assertNotIsInstance(m.callback, AsyncMock)
                self.assertIsInstance(m.handler, AsyncMock)
                self.assertIsInstance(m.get, AsyncMock)  # from the class
                service.callback = subjects.compute  # type: ignore[attr-defined]
                service.handler = subjects.fetch  # type: ignore[attr-defined]

    def test_spec_list_names_give_plain_children(self) -> None:
        self.assertNotIsInstance(Mock(spec=["get"]).get, AsyncMock)

    def test_no_spec_children_keep_the_parent_class(self) -> None:
        self.assertIs(type(Mock().x).__mro__[1], Mock)
        self.assertIs(type(MagicMock().x).__mro__[1], MagicMock)
        self.assertIs(type(NonCallableMock().x).__mro__[1], Mock)
        self.assertIs(type(NonCallableMagicMock().x).__mro__[1], MagicMock)

    def test_user_subclasses_make_children_of_their_own_class(self) -> None:
        class MyMock(Mock):
            pass

        self.assertIsInstance(MyMock().child, MyMock)

    def test_add_spec_later(self) -> None:
        m = MagicMock()
        m.mock_add_spec(subjects.Service)
        self.assertIs(type(m.get).__mro__[1], AsyncMock)
        with self.assertRaises(AttributeError):
            _ = m.not_there

    def test_spec_set_still_refuses_unknown_attributes(self) -> None:
        m = Mock(spec_set=subjects.Service)
        with self.assertRaises(AttributeError):
            m.unknown = 1


class TopLevelSpecTest(unittest.TestCase):
    def test_mock_of_a_coroutine_function_is_an_async_mock(self) -> None:
        for klass in (Mock, MagicMock):
            for kwargs in ({"spec": subjects.fetch}, {"wraps": subjects.fetch}):
                with self.subTest(klass=klass.__name__, kwargs=kwargs):
                    m = klass(**kwargs)
                    self.assertIsInstance(m, AsyncMock)
                    self.assertIsInstance(m, klass)
                    self.assertTrue(inspect.iscoroutinefunction(m))
                    coroutine = m("k")
                    self.assertTrue(inspect.iscoroutine(coroutine))
                    result = asyncio.run(coroutine)
                    if "wraps" in kwargs:
                        self.assertEqual(result, "real k")
                    m.assert_awaited_once_with("k")

    def test_mock_of_a_plain_function_is_not(self) -> None:
        m = Mock(spec=subjects.compute)
        self.assertNotIsInstance(m, AsyncMock)
        self.assertFalse(inspect.iscoroutine(m(1)))
        self.assertNotIsInstance(m(1), AsyncMock)

    def test_mocks_of_plain_functions_are_not_coroutine_functions(self) -> None:
        # A signal library checks each receiver: this must answer, and say no.
        candidates: list[tuple[str, object]] = [
            (klass.__name__, klass(spec=subjects.compute))
            for klass in (Mock, MagicMock, NonCallableMock, NonCallableMagicMock)
        ]
        for instance in (True, False):
            service = create_autospec(subjects.Service, instance=instance)
            candidates.append((f"autospec, instance={instance}", service.size))
        candidates.append(("autospec of an instance", create_autospec(subjects.Service("s")).size))
        for label, candidate in candidates:
            with self.subTest(label):
                self.assertFalse(inspect.iscoroutinefunction(candidate))
                self.assertFalse(asyncio.iscoroutinefunction(candidate))
                self.assertFalse(inspect.isgeneratorfunction(candidate))
                self.assertFalse(inspect.isasyncgenfunction(candidate))
        # Mocks of coroutine functions still say yes.
        for candidate in (
            NonCallableMock(spec=subjects.fetch),
            MagicMock(spec=subjects.fetch),
            create_autospec(subjects.Service, instance=True).get,
        ):
            with self.subTest(candidate=candidate):
                self.assertTrue(inspect.iscoroutinefunction(candidate))
                self.assertTrue(asyncio.iscoroutinefunction(candidate))

    def test_code_can_still_be_set(self) -> None:
        m = Mock(spec=subjects.compute)
        m.__code__ = subjects.fetch.__code__
        self.assertIs(m.__code__, subjects.fetch.__code__)
        del m.__code__
        self.assertFalse(inspect.iscoroutinefunction(m))


class IsCoroutineTest(unittest.TestCase):
    def test_non_callable_mock_is_coroutine(self) -> None:
        m = NonCallableMock(is_coroutine=True)
        self.assertTrue(m.is_coroutine)
        self.assertTrue(inspect.iscoroutinefunction(m))
        self.assertTrue(asyncio.iscoroutinefunction(m))
        self.assertFalse(callable(m))

    def test_default_is_false_and_can_be_changed(self) -> None:
        m = NonCallableMock()
        self.assertFalse(m.is_coroutine)
        self.assertFalse(inspect.iscoroutinefunction(m))
        m.is_coroutine = True
        self.assertTrue(inspect.iscoroutinefunction(m))
        self.assertTrue(asyncio.iscoroutinefunction(m))
        m.is_coroutine = False
        self.assertFalse(inspect.iscoroutinefunction(m))
        self.assertFalse(asyncio.iscoroutinefunction(m))

    def test_settable_even_with_spec_set(self) -> None:
        m = NonCallableMock(spec_set=subjects.fetch)
        self.assertTrue(m.is_coroutine)  # the spec is a coroutine function
        m.is_coroutine = False
        self.assertFalse(m.is_coroutine)

    def test_spec_that_is_a_coroutine_function_sets_it(self) -> None:
        m = NonCallableMock(spec=subjects.fetch)
        self.assertTrue(m.is_coroutine)
        self.assertTrue(inspect.iscoroutinefunction(m))
        self.assertFalse(NonCallableMock(spec=subjects.compute).is_coroutine)

    def test_callable_mock_flagged_as_coroutine(self) -> None:
        m = Mock(is_coroutine=True)
        self.assertTrue(inspect.iscoroutinefunction(m))
        self.assertTrue(asyncio.iscoroutinefunction(m))

    @unittest.skipIf(sys.version_info >= (3, 12), "the class claim is only needed before 3.12")
    def test_before_3_12_it_claims_to_be_a_function(self) -> None:
        self.assertIs(NonCallableMock(is_coroutine=True).__class__, types.FunctionType)
        plain = NonCallableMock()
        self.assertIs(plain.__class__, type(plain))

    def test_coroutine_mock_with_a_class_spec_that_has_annotations(self) -> None:
        class Annotated:
            timeout: float = 1.0

            async def __call__(self) -> None:
                pass

        m = CoroutineMock(spec=Annotated)
        self.assertTrue(inspect.iscoroutinefunction(m))
        self.assertTrue(asyncio.iscoroutinefunction(m))
        self.assertIsInstance(m, Annotated)

    def test_seal_stops_new_children_of_a_coroutine_mock(self) -> None:
        m = CoroutineMock(return_value=1)
        m.configured.return_value = 2
        unittest.mock.seal(m)
        with self.assertRaises(AttributeError):
            m.unconfigured
        self.assertEqual(asyncio.run(m()), 1)
        self.assertEqual(m.configured(), 2)

    def test_coroutine_mock_cannot_stop_being_one(self) -> None:
        m = CoroutineMock()
        self.assertTrue(m.is_coroutine)
        with self.assertRaises(AttributeError):
            m.is_coroutine = False
        with self.assertRaises(ValueError):
            CoroutineMock(is_coroutine=False)


class MagicAsyncTest(unittest.IsolatedAsyncioTestCase):
    async def test_async_context_manager(self) -> None:
        m = MagicMock()
        m.__aenter__.return_value = "resource"
        async with m as value:
            self.assertEqual(value, "resource")
        self.assertIs(type(m.__aenter__).__mro__[1], AsyncMock)
        m.__aenter__.assert_awaited_once_with()
        m.__aexit__.assert_awaited_once_with(None, None, None)

    async def test_aexit_lets_exceptions_through_by_default(self) -> None:
        m = MagicMock()
        with self.assertRaises(KeyError):
            async with m:
                raise KeyError("x")
        m.__aexit__.return_value = True
        async with m:
            raise KeyError("swallowed")

    async def test_magic_methods_through_the_class(self) -> None:
        for m in (MagicMock(), NonCallableMagicMock(), AsyncMock(), CoroutineMock()):
            with self.subTest(m=m):
                async with contextlib.AsyncExitStack() as stack:  # reads type(m).__aenter__
                    await stack.enter_async_context(m)
                m.__aenter__.assert_awaited_once()
                self.assertEqual(len(m), 0)
                self.assertIs(type(m).__len__, m.__len__)

    async def test_a_spec_leaves_out_the_magic_methods_it_lacks(self) -> None:
        m = MagicMock(spec=["__len__"])
        self.assertEqual(len(m), 0)
        with self.assertRaises(TypeError):
            iter(m)
        with self.assertRaises(AttributeError):
            m.__iter__
        m.mock_add_spec(["__iter__"])
        self.assertEqual(list(m), [])
        with self.assertRaises(TypeError):
            len(m)

    async def test_aiter_gives_a_true_async_iterator(self) -> None:
        for m in (
            MagicMock(),
            NonCallableMagicMock(),
            MagicMock(spec=collections.abc.AsyncIterable),
        ):
            with self.subTest(m=m):
                m.__aiter__.return_value = [1, 2]
                iterator = m.__aiter__()
                self.assertIsInstance(iterator, collections.abc.AsyncIterator)
                self.assertIs(iterator.__aiter__(), iterator)
                self.assertEqual([x async for x in iterator], [1, 2])
                self.assertEqual(await anext(aiter(m)), 1)

    async def test_async_iteration_from_aiter_return_value(self) -> None:
        m = MagicMock()
        m.__aiter__.return_value = [1, 2, 3]
        self.assertEqual([x async for x in m], [1, 2, 3])

    async def test_default_async_iteration_is_empty(self) -> None:
        self.assertEqual([x async for x in MagicMock()], [])

    async def test_anext_is_an_async_mock(self) -> None:
        m = MagicMock()
        m.__anext__.side_effect = ["a"]
        self.assertEqual(await m.__anext__(), "a")
        with self.assertRaises(StopAsyncIteration):
            await m.__anext__()

    async def test_magic_methods_are_per_mock(self) -> None:
        first, second = MagicMock(), MagicMock()
        first.__aenter__.return_value = 1
        self.assertIsNot(first.__aenter__, second.__aenter__)
        async with second as value:
            self.assertNotEqual(value, 1)

    async def test_spec_limits_async_magics(self) -> None:
        m = MagicMock(spec=subjects.Service)
        with self.assertRaises(AttributeError):
            m.__aenter__

    async def test_magic_method_set_on_a_coroutine_mock_stays_on_it(self) -> None:
        first, second = CoroutineMock(), CoroutineMock()
        first.__str__ = Mock(return_value="first")  # type: ignore[method-assign]
        self.assertEqual(str(first), "first")
        self.assertNotEqual(str(second), "first")
        self.assertIs(type(second).__mro__[1], CoroutineMock)


class CreateAutospecTest(unittest.IsolatedAsyncioTestCase):
    async def test_class_with_every_kind_of_method(self) -> None:
        service_class = create_autospec(subjects.Service)
        service = service_class("name")
        for name in ("get", "ping", "connect"):
            self.assertIs(type(getattr(service, name)).__mro__[1], AsyncMock, name)
            self.assertTrue(inspect.iscoroutinefunction(getattr(service, name)), name)
        for name in ("size", "version", "build"):
            self.assertNotIsInstance(getattr(service, name), AsyncMock, name)
        service.get.return_value = "mocked"
        self.assertEqual(await service.get("k"), "mocked")
        service.get.assert_awaited_once_with("k")

    async def test_signatures_are_checked(self) -> None:
        service = create_autospec(subjects.Service, instance=True)
        with self.assertRaises(TypeError):
            service.get()
        with self.assertRaises(TypeError):
            service.ping("a", "b")
        await service.connect("url")
        service.connect.assert_awaited_once_with("url")

    async def test_coroutine_function(self) -> None:
        fetch = create_autospec(subjects.fetch, return_value="x")
        self.assertIsInstance(fetch, AsyncMock)
        self.assertTrue(inspect.iscoroutinefunction(fetch))
        self.assertTrue(asyncio.iscoroutinefunction(fetch))
        self.assertEqual(str(inspect.signature(fetch)), "(key: 'str') -> 'str'")
        self.assertEqual(await fetch("k"), "x")
        fetch.assert_awaited_once_with(key="k")  # matched through the signature
        with self.assertRaises(TypeError):
            fetch("k", "extra")

    async def test_autospecced_functions_have_their_mock_as_mock(self) -> None:
        fetch = create_autospec(subjects.fetch)
        self.assertIs(fetch.mock, fetch)
        await fetch("k")
        fetch.mock.assert_awaited_once_with("k")
        compute = create_autospec(subjects.compute)
        compute(1)
        compute.mock.assert_called_once_with(1)

    async def test_coroutine_function_binds_on_a_class(self) -> None:
        autospecced = create_autospec(subjects.Service.get)

        class Owner:
            get = autospecced

        owner = Owner()
        await owner.get("k")
        autospecced.assert_awaited_once_with(owner, "k")
        self.assertIs(Owner.get, autospecced)

    async def test_plain_function_keeps_the_standard_behaviour(self) -> None:
        compute = create_autospec(subjects.compute, return_value=5)
        self.assertIsInstance(compute, types.FunctionType)
        self.assertEqual(compute(1), 5)
        compute.assert_called_once_with(1)

    async def test_attributes_set_on_a_function_are_kept(self) -> None:
        def function(a: int, b: int) -> None: ...

        async def coroutine_function(a: int) -> None: ...

        for spec in (function, coroutine_function):
            spec.same = function  # type: ignore[attr-defined]
            spec.settings = {"mode": "real"}  # type: ignore[attr-defined]
            spec.handler = subjects.AsyncCallable()  # type: ignore[attr-defined]
            with self.subTest(spec=spec.__name__):
                mock = create_autospec(spec, **{"same.return_value": 5})
                self.assertEqual(mock.same(1, 2), 5)
                mock.same.assert_called_once_with(a=1, b=2)
                with self.assertRaises(TypeError):
                    mock.same(1)
                self.assertIsInstance(mock.settings, NonCallableMagicMock)
                self.assertIsInstance(mock.settings.keys(), MagicMock)
                await mock.handler(3)
                mock.handler.assert_awaited_once_with(3)
                with self.assertRaises(AttributeError):
                    mock.missing

    async def test_autospec_of_an_autospecced_function(self) -> None:
        class C:
            def f(self) -> None: ...

        c = C()
        with patch.object(c, "f", autospec=True) as outer:
            with patch.object(c, "f", autospec=True) as inner:
                c.f()
            self.assertEqual((outer.call_count, inner.call_count), (0, 1))
            inner.assert_called_once_with()
            c.f()
        outer.assert_called_once_with()

    async def test_a_mock_held_by_a_function_is_left_out(self) -> None:
        def function() -> None: ...

        function.stand_in = Mock()  # type: ignore[attr-defined]
        autospecced = create_autospec(function)
        with self.assertRaises(AttributeError):
            autospecced.stand_in

    async def test_partial_and_async_callable_attributes_are_lazy_async_mocks(self) -> None:
        holder = create_autospec(subjects.Holder)
        self.assertIsInstance(holder.partial_get, AsyncMock)
        self.assertIsInstance(holder.handler, AsyncMock)
        await holder.handler(1)
        holder.handler.assert_awaited_once_with(1)

    async def test_callable_objects_match_calls_through_their_signature(self) -> None:
        holder = create_autospec(subjects.Holder)
        self.assertNotIsInstance(holder.sync_handler, AsyncMock)
        holder.sync_handler(1)
        holder.sync_handler.assert_called_once_with(x=1)
        handler = create_autospec(subjects.SyncCallable, instance=True)
        handler(3)
        handler.assert_called_once_with(x=3)

    async def test_instance_spec_methods_are_coroutine_functions(self) -> None:
        service = create_autospec(subjects.Service("real"))
        for name in ("get", "ping", "connect"):
            self.assertIsInstance(getattr(service, name), AsyncMock, name)
            self.assertTrue(inspect.iscoroutinefunction(getattr(service, name)), name)
            self.assertTrue(asyncio.iscoroutinefunction(getattr(service, name)), name)
        await service.get("k")
        service.get.assert_awaited_once_with("k")

    async def test_instance_of_class_with_async_call(self) -> None:
        handler = create_autospec(subjects.AsyncCallable, instance=True)
        self.assertIsInstance(handler, AsyncMock)
        await handler(2)
        handler.assert_awaited_once_with(2)

    async def test_dotted_configuration_reaches_children(self) -> None:
        settings: dict[str, Any] = {"get.return_value": "v"}
        service = create_autospec(subjects.Service, instance=True, **settings)
        self.assertEqual(await service.get("k"), "v")

    async def test_spec_set_and_bad_input(self) -> None:
        service = create_autospec(subjects.Service, spec_set=True, instance=True)
        with self.assertRaises(AttributeError):
            service.missing = 1
        with self.assertRaises(unittest.mock.InvalidSpecError):  # type: ignore[attr-defined]
            create_autospec(Mock())
        for error in (ValueError, RuntimeError):  # RuntimeError: asynctest, unittest.mock
            with self.assertRaisesRegex(error, "instance=True is for classes"):
                create_autospec(subjects.fetch, instance=True)
        with self.assertRaisesRegex(RuntimeError, "typo"):
            create_autospec(subjects.Service, set_spec=True)

    async def test_attributes_that_are_not_functions_are_made_on_first_read(self) -> None:
        class Inner:
            handler = subjects.AsyncCallable()

        class Spec:
            limit = 3
            nested = Inner()
            mocked = Mock()

        spec = create_autospec(Spec, instance=True)
        spec.reset_mock()  # placeholders are skipped, as unittest.mock's own are
        nested = spec.nested
        self.assertIs(spec.nested, nested)
        self.assertIsInstance(nested.handler, AsyncMock)
        self.assertIsInstance(spec.limit, NonCallableMagicMock)
        with self.assertRaisesRegex(
            unittest.mock.InvalidSpecError,  # type: ignore[attr-defined]
            r"^Cannot autospec attr 'mocked' from target <NonCallableMagicMock spec='Spec'.* "
            r"as it has already been mocked out\. .*Autospec the real object\.$",
        ):
            spec.mocked

    async def test_a_class_attribute_of_an_instance_mock_makes_instances(self) -> None:
        class Outer:
            class Inner:
                def __init__(self, a: int) -> None: ...

                async def fetch(self, key: str) -> None: ...

        for outer in (create_autospec(Outer), create_autospec(Outer)(), create_autospec(Outer())):
            with self.subTest(outer=outer):
                inner = outer.Inner(1)
                await inner.fetch("k")
                outer.Inner.assert_called_once_with(1)
                inner.fetch.assert_awaited_once_with("k")
                with self.assertRaises(TypeError):
                    outer.Inner()

    async def test_methods_of_a_sealed_autospec_still_return_mocks(self) -> None:
        for spec_set in (False, True):
            with self.subTest(spec_set=spec_set):
                service = create_autospec(subjects.Service, spec_set=spec_set, instance=True)
                service.size.return_value = 3
                unittest.mock.seal(service)
                self.assertEqual(service.size(), 3)
                self.assertIsInstance(service.version(), MagicMock)
                self.assertIsInstance(await service.get("k"), AsyncMock)
                self.assertEqual(service.mock_calls[-2:], [call.version(), call.get("k")])
                with self.assertRaises(AttributeError):
                    service.missing

    async def test_wraps_reaches_the_methods(self) -> None:
        class Result:
            def __init__(self) -> None:
                self.value = "real"

            def get(self) -> str:
                return self.value

            @staticmethod
            def shared() -> str:
                return "shared"

            async def fetch(self) -> str:
                return self.value

        instance = create_autospec(Result, instance=True, wraps=Result)
        self.assertEqual(instance.shared(), "shared")
        instance.shared.assert_called_once_with()
        real = Result()
        of_an_instance = create_autospec(real, wraps=real)
        self.assertEqual(of_an_instance.get(), "real")
        self.assertEqual(await of_an_instance.fetch(), "real")
        of_an_instance.fetch.assert_awaited_once_with()
        plain = create_autospec(real)  # without wraps, mocks answer
        self.assertIsInstance(plain.get(), MagicMock)

    async def test_property_is_not_called_a_coroutine(self) -> None:
        service = create_autospec(subjects.Service, instance=True)
        self.assertNotIsInstance(service.status, AsyncMock)


if __name__ == "__main__":
    unittest.main()
