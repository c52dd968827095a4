"""The unittest.mock internals the mock module relies on, and coroutine-function detection."""

from __future__ import annotations

import functools
import inspect
import unittest
import unittest.mock
from typing import Any

from asynctoolkit.mock import CoroutineMock, MagicMock
from asynctoolkit.mock import _support as support
from asynctoolkit.mock._classes import MagicMethod
from tests import _mock_subjects as subjects


class StandardLibraryInternalsTest(unittest.TestCase):
    """Each private name of unittest.mock we use still means what we rely on."""

    def test_call_list_and_call(self) -> None:
        calls = support.CallList([unittest.mock.call(1), unittest.mock.call(2)])
        self.assertIsInstance(calls, list)
        self.assertIn([unittest.mock.call(2)], calls)  # sub-sequence containment
        self.assertEqual(support.Call(((1,), {}), two=True), unittest.mock.call(1))

    def test_spec_state_fields(self) -> None:
        state = support.SpecState(int, True, None, "name", None, True)
        self.assertEqual(
            (state.spec, state.spec_set, state.name, state.instance), (int, True, "name", True)
        )

    def test_name_sets(self) -> None:
        self.assertIn("__aenter__", support.ASYNC_METHOD_MAGICS)
        self.assertIn("__str__", support.ALL_MAGICS)
        self.assertIn("return_value", support.ALLOWED_NAMES)
        self.assertIn("open", support.BUILTIN_NAMES)
        self.assertIn(type(subjects.compute), support.FUNCTION_TYPES)

    def test_helpers(self) -> None:
        self.assertTrue(support.is_exception(KeyError))
        self.assertTrue(support.is_exception(KeyError()))
        self.assertFalse(support.is_exception(1))
        self.assertTrue(support.is_magic("__str__"))
        self.assertTrue(support.spec_callable(staticmethod(subjects.compute)))
        self.assertFalse(support.instance_callable(subjects.Service))
        self.assertTrue(support.instance_callable(subjects.AsyncCallable))
        self.assertFalse(support.must_skip_first(subjects.Service, "ping", True))
        self.assertTrue(support.must_skip_first(subjects.Service, "get", True))
        self.assertIn(unittest.mock.call(1), support.any_comparer([unittest.mock.call(1)]))
        self.assertTrue(callable(support.check_signature))
        self.assertTrue(callable(support.set_signature))

    def test_started_patches(self) -> None:
        holder = unittest.mock.NonCallableMock()
        patcher = unittest.mock.patch.object(holder, "attribute", 1)
        patcher.start()
        self.assertIs(support.started_patches()[-1], patcher)
        patcher.stop()
        self.assertNotIn(patcher, support.started_patches())
        stops = []
        stand_in = unittest.mock.NonCallableMock(stop=lambda: stops.append("stopped"))
        support.started_patches().append(stand_in)
        try:
            unittest.mock.patch.stopall()  # calls stop() on each
        finally:
            while stand_in in support.started_patches():
                support.started_patches().remove(stand_in)
        self.assertEqual(stops, ["stopped"])

    def test_configured_magics(self) -> None:
        standard = unittest.mock.MagicMock()
        set_on_class = {name for name in vars(type(standard)) if name.startswith("__")}
        self.assertLessEqual(support.CONFIGURED_MAGICS, set_on_class)
        self.assertTrue(set_on_class - support.CONFIGURED_MAGICS <= {"__doc__", "__module__"})
        # The standard mixin leaves the magic methods already in the class alone.
        ours = MagicMock()
        self.assertIsInstance(vars(type(ours))["__len__"], MagicMethod)
        self.assertEqual(len(ours), 0)

    def test_set_magic_defaults(self) -> None:
        parent = unittest.mock.MagicMock()
        for name, default in (("__len__", 0), ("__aexit__", False), ("__hash__", hash(parent))):
            method = unittest.mock.MagicMock()
            support.set_magic_defaults(parent, method, name)
            self.assertEqual(method(), default, name)

    def test_standard_async_iterator(self) -> None:
        iterator = unittest.mock.MagicMock().__aiter__()
        self.assertIs(type(iterator), support.STANDARD_ASYNC_ITERATOR)
        self.assertTrue(hasattr(iterator, "__anext__"))
        self.assertIsInstance(unittest.mock.AsyncMock(), support.STANDARD_ASYNC_MOCK)

    def test_lock_and_error_class(self) -> None:
        with support.MOCK_LOCK:  # re-entrant, as mocks take it while creating children
            with support.MOCK_LOCK:
                pass
        self.assertTrue(issubclass(support.InvalidSpecError, Exception))
        with self.assertRaises(support.InvalidSpecError):
            unittest.mock.create_autospec(unittest.mock.Mock())

    def test_mock_detection(self) -> None:
        self.assertTrue(support.is_mock(MagicMock(spec=int)))
        self.assertFalse(support.is_mock(1))
        self.assertTrue(support.is_spec_list(["a"]))
        self.assertTrue(support.is_spec_list(("a",)))
        self.assertFalse(support.is_spec_list("a"))


def _two_args(a: int, b: int) -> None:
    """A spec with a signature."""


class _Signatures:
    def __init__(self, a: int) -> None:
        self.a = a

    def __call__(self, b: int) -> None:
        """Instances are called with ``b``."""

    def method(self, x: int) -> None:
        """An unbound method: ``self`` is its first parameter."""


class InstanceStateTest(unittest.TestCase):
    """Each accessor of a mock's private state still reads what unittest.mock keeps there.

    The canaries use the standard library's own mocks: our classes override
    some of this machinery, which would hide a change in the standard one.
    """

    def test_spec_class(self) -> None:
        self.assertIs(support.spec_class(unittest.mock.Mock(spec=int)), int)
        self.assertIs(support.spec_class(unittest.mock.Mock(spec=3)), int)
        self.assertIsNone(support.spec_class(unittest.mock.Mock()))
        self.assertIsNone(support.spec_class(unittest.mock.Mock(spec=["a"])))
        self.assertIs(unittest.mock.Mock(spec=int).__class__, int)  # what it is used for

    def test_spec_names(self) -> None:
        self.assertEqual(support.spec_names(unittest.mock.Mock(spec=["a", "b"])), ["a", "b"])
        self.assertEqual(support.spec_names(unittest.mock.Mock(spec=int)), dir(int))
        self.assertIsNone(support.spec_names(unittest.mock.Mock()))

    def test_set_no_spec_stores_what_unittest_mock_stores(self) -> None:
        theirs = unittest.mock.Mock(spec=int, spec_set=True)
        before = dict(vars(theirs))
        theirs.mock_add_spec(None)
        changed = {k: v for k, v in vars(theirs).items() if before.get(k, support) is not v}
        ours = unittest.mock.Mock(spec=int, spec_set=True)
        before = dict(vars(ours))
        support.set_no_spec(ours, False)
        written = {k: v for k, v in vars(ours).items() if before.get(k, support) is not v}
        self.assertEqual(written, changed)
        ours.anything = 1  # neither spec nor spec_set any more
        self.assertIsInstance(ours.other, unittest.mock.Mock)
        self.assertIs(ours.__class__, type(ours))

    def test_children(self) -> None:
        mock = unittest.mock.Mock()
        self.assertIsNone(support.existing_child(mock, "child"))
        child = mock.child
        self.assertIs(support.children(mock)["child"], child)
        self.assertIs(support.existing_child(mock, "child"), child)
        support.children(mock)["added"] = unittest.mock.sentinel.value
        self.assertIs(mock.added, unittest.mock.sentinel.value)
        self.assertIn("added", dir(mock))

    def test_names(self) -> None:
        mock = unittest.mock.Mock(name="top")
        self.assertEqual(support.own_name(mock), "top")
        self.assertEqual(support.own_name(mock.a), "a")
        self.assertIsNone(support.own_name(unittest.mock.Mock()))
        self.assertEqual(support.display_name(mock.a.b), "top.a.b")
        self.assertEqual(support.display_name(mock.a()), "top.a()")

    def test_configured_return_value(self) -> None:
        mock = unittest.mock.Mock()
        self.assertIs(support.configured_return_value(mock), unittest.mock.DEFAULT)
        self.assertNotIn("()", support.children(mock))  # reading it made no child
        mock.return_value = 3
        self.assertEqual(support.configured_return_value(mock), 3)

    def test_delegate_and_wrapped(self) -> None:
        function = unittest.mock.create_autospec(_two_args)
        self.assertIs(support.delegate(function.mock), function)
        self.assertIsNone(support.delegate(unittest.mock.Mock()))
        target = object()
        self.assertIs(support.wrapped(unittest.mock.Mock(wraps=target)), target)
        self.assertIsNone(support.wrapped(unittest.mock.Mock()))

    def test_is_sealed(self) -> None:
        mock = unittest.mock.Mock()
        self.assertFalse(support.is_sealed(mock))
        unittest.mock.seal(mock)
        self.assertTrue(support.is_sealed(mock))
        with self.assertRaises(AttributeError):
            mock.new_child

    def test_check_call(self) -> None:
        instance = unittest.mock.create_autospec(_Signatures, instance=True)
        support.check_call(instance.method, (1,), {})
        with self.assertRaises(TypeError):
            support.check_call(instance.method, (1, 2), {})
        self.assertEqual(instance.method.call_count, 0)  # checked, not recorded

    def test_record_call(self) -> None:
        parent = unittest.mock.Mock()
        support.record_call(parent.child, (1,), {"a": 2})
        self.assertEqual(parent.child.call_args, unittest.mock.call(1, a=2))
        self.assertEqual(parent.child.call_count, 1)
        self.assertEqual(parent.mock_calls, [unittest.mock.call.child(1, a=2)])
        self.assertNotIn("()", support.children(parent.child))  # not executed

    def test_record_call_writes_what_the_standard_method_writes(self) -> None:
        # record_call writes the counters to __dict__ itself: it must leave
        # every mock of the chain as unittest.mock's _increment_mock_call does.
        def record(direct: bool) -> list[Any]:
            root = MagicMock(name="root")
            for mock in (root.a.b, root.a().c, root):
                if direct:
                    self.assertIs(support.record_call(mock, (1,), {"x": 2}), mock.call_args)
                else:
                    mock._increment_mock_call(1, x=2)
            state = []
            for mock in (root, root.a, root.a.b, root.a(), root.a().c):
                state.append(
                    (
                        mock.called,
                        mock.call_count,
                        mock.call_args,
                        list(mock.call_args_list),
                        list(mock.mock_calls),
                        list(mock.method_calls),
                    )
                )
            return state

        self.assertEqual(record(direct=True), record(direct=False))

    def test_record_call_respects_an_overridden_recorder(self) -> None:
        seen = []

        class Recording(MagicMock):
            def _increment_mock_call(self, /, *args: Any, **kwargs: Any) -> None:
                seen.append(args)
                super()._increment_mock_call(*args, **kwargs)

        mock = Recording()
        support.record_call(mock, (1,), {})
        self.assertEqual((seen, mock.call_count), ([(1,)], 1))
        function = unittest.mock.create_autospec(_two_args)  # the calls go to its delegate
        self.assertEqual(support.record_call(function.mock, (1, 2), {}), unittest.mock.call(1, 2))
        self.assertEqual(function.call_count, 1)

    def test_call_matcher_and_format_call(self) -> None:
        mock = unittest.mock.Mock(spec=_two_args, name="f")
        self.assertEqual(
            support.call_matcher(mock, unittest.mock.call(1, b=2)),
            support.call_matcher(mock, unittest.mock.call(a=1, b=2)),
        )
        self.assertIsInstance(support.call_matcher(mock, unittest.mock.call(1, 2, 3)), TypeError)
        self.assertEqual(support.format_call(mock, (1,), {"x": 2}), "f(1, x=2)")

    def test_child_arguments(self) -> None:
        parent = unittest.mock.Mock()
        child = unittest.mock.Mock(**support.child_arguments(parent, "kid"))
        child(1)
        self.assertEqual(parent.mock_calls, [unittest.mock.call.kid(1)])
        returned = unittest.mock.Mock(**support.child_arguments(parent, "()"))
        returned.method()
        self.assertEqual(parent.mock_calls[-1], unittest.mock.call().method())

    def test_spec_arguments(self) -> None:
        def same(mock: object, keyword: str) -> bool:
            positional = support.call_matcher(mock, unittest.mock.call(1))
            named = support.call_matcher(mock, unittest.mock.call(**{keyword: 1}))
            return bool(positional == named)

        def mock(spec: object, as_instance: bool, eat_self: bool) -> object:
            arguments = support.spec_arguments(as_instance=as_instance, eat_self=eat_self)
            return unittest.mock.Mock(spec=spec, **arguments)

        # An instance of a class spec is called through __call__ (minus self) ...
        self.assertTrue(same(mock(_Signatures, True, True), "b"))
        # ... the class itself through __init__.
        self.assertTrue(same(mock(_Signatures, False, False), "a"))
        # An unbound method without, then with, its first parameter.
        self.assertFalse(same(mock(_Signatures.method, False, False), "x"))
        self.assertTrue(same(mock(_Signatures.method, False, True), "x"))


class OverriddenHooksTest(unittest.TestCase):
    """unittest.mock still calls the methods our classes override, with these arguments."""

    def test_get_child_mock(self) -> None:
        names = []

        class Recording(unittest.mock.Mock):
            def _get_child_mock(self, /, **kwargs: object) -> object:
                names.append(support.child_name_from(kwargs))
                return super()._get_child_mock(**kwargs)

        mock = Recording()
        mock.attribute
        mock()
        self.assertEqual(names, ["attribute", "()"])

    def test_mock_add_spec(self) -> None:
        seen = []

        class Recording(unittest.mock.Mock):
            def _mock_add_spec(
                self,
                spec: object,
                spec_set: object,
                _spec_as_instance: bool = False,
                _eat_self: bool = False,
            ) -> None:
                seen.append((spec, spec_set, _spec_as_instance, _eat_self))
                super()._mock_add_spec(spec, spec_set, _spec_as_instance, _eat_self)

        mock = Recording(spec=int, **support.spec_arguments(as_instance=True, eat_self=True))
        mock.mock_add_spec(str, spec_set=True)
        self.assertEqual(seen, [(int, None, True, True), (str, True, False, False)])

    def test_execute_mock_call(self) -> None:
        seen = []

        class Recording(unittest.mock.Mock):
            def _execute_mock_call(self, /, *args: object, **kwargs: object) -> object:
                seen.append((self.call_count, args, kwargs))  # recorded before
                return "outcome"

        self.assertEqual(Recording()(1, k=2), "outcome")
        self.assertEqual(seen, [(1, (1,), {"k": 2})])


class CoroutineFunctionDetectionTest(unittest.TestCase):
    def test_coroutine_functions(self) -> None:
        service = subjects.Service("s")
        raw = vars(subjects.Service)

        @functools.wraps(subjects.fetch)
        def sync_wrapper(*args: object) -> object:
            return subjects.fetch(*args)  # type: ignore[arg-type]

        for candidate in (
            subjects.fetch,
            subjects.Service.get,
            service.get,
            subjects.Service.ping,
            raw["ping"],
            subjects.Service.connect,
            raw["connect"],
            functools.partial(subjects.fetch, "k"),
            functools.partial(functools.partial(subjects.fetch), "k"),
            functools.partialmethod(subjects.Service.get, "k"),
            subjects.AsyncCallable(),
            functools.partial(subjects.AsyncCallable(), 1),
            sync_wrapper,
            CoroutineMock(),
        ):
            with self.subTest(candidate=candidate):
                self.assertTrue(support.is_coroutine_function(candidate))

    def test_everything_else(self) -> None:
        for candidate in (
            subjects.compute,
            subjects.Service.size,
            vars(subjects.Service)["version"],
            vars(subjects.Service)["build"],
            subjects.AsyncCallable,  # calling the class builds an instance
            subjects.SyncCallable(),
            functools.partial(subjects.compute, 1),
            MagicMock(),
            None,
            1,
            "text",
            property(lambda self: 1),
        ):
            with self.subTest(candidate=candidate):
                self.assertFalse(support.is_coroutine_function(candidate))

    def test_spec_attributes_are_looked_up_statically(self) -> None:
        calls = []

        class Spec:
            @property
            def prop(self) -> object:
                calls.append(1)
                return subjects.fetch

            get = subjects.Service.get

        self.assertFalse(support.spec_attribute_is_coroutine(Spec(), "prop"))
        self.assertTrue(support.spec_attribute_is_coroutine(Spec(), "get"))
        self.assertFalse(support.spec_attribute_is_coroutine(Spec(), "missing"))
        self.assertEqual(calls, [])

    def test_code_object_is_a_coroutine_one(self) -> None:
        self.assertTrue(support.COROUTINE_CODE.co_flags & inspect.CO_COROUTINE)
        self.assertTrue(inspect.iscoroutinefunction(support.coroutine_function_stand_in))
        if hasattr(inspect, "markcoroutinefunction"):
            self.assertTrue(support.MARKER_ATTRIBUTES)
            self.assertFalse(support.FAKE_FUNCTION_CLASS)
        else:
            self.assertEqual(support.MARKER_ATTRIBUTES, {})
            self.assertTrue(support.FAKE_FUNCTION_CLASS)


if __name__ == "__main__":
    unittest.main()
