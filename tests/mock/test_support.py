"""The unittest.mock internals the mock module relies on, and coroutine-function detection."""

from __future__ import annotations

import functools
import inspect
import unittest
import unittest.mock

from asynctoolkit.mock import CoroutineMock, MagicMock
from asynctoolkit.mock import _support as support
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
