"""The mock classes: ``unittest.mock``'s own, made aware of coroutine functions.

``Mock``, ``MagicMock``, ``NonCallableMock`` and ``NonCallableMagicMock``
subclass their ``unittest.mock`` namesakes (so ``isinstance`` checks against
the standard classes still pass) and change one decision: which class a child
mock gets.  Where the spec, the wrapped object or an async magic method says
"coroutine function", the child is the class the mock's ``Family`` chooses
for coroutine functions: an ``AsyncMock`` for ``asynctoolkit.mock``'s classes
(the standard library's choice), a ``CoroutineMock`` for the asynctest
layer's subclasses (asynctest's choice).

``AsyncMock`` mocks a coroutine function with the standard library's rules
(``_outcome`` makes its calls' coroutines); ``CoroutineMock`` is an
``AsyncMock`` with asynctest's rules instead.  Both are cheaper than the
standard ``AsyncMock``, because a test suite creates thousands of them: they
look like coroutine functions to ``inspect`` and ``asyncio`` through a shared
code object (see ``_support``), not a per-instance mock of one
(``bench/bench_mock.py`` measures it).
"""

from __future__ import annotations

import abc
import sys
import types
import unittest.mock as _um
from typing import Any, ClassVar

from asynctoolkit._shared import mock_coroutines
from asynctoolkit.mock._assertions import AwaitAssertions
from asynctoolkit.mock._awaited import AwaitedEvent
from asynctoolkit.mock._family import Family
from asynctoolkit.mock._outcome import (
    AsyncIterator,
    await_async_mock_call,
    await_coroutine_mock_call,
)
from asynctoolkit.mock._support import (
    ALLOWED_NAMES,
    ASYNC_METHOD_MAGICS,
    CALLABLE_MIXIN,
    CONFIGURED_MAGICS,
    COROUTINE_CODE,
    COROUTINE_FLAG,
    DIRECT_SETATTRS,
    FAKE_FUNCTION_CLASS,
    MAGIC_MIXIN,
    MARKER_ATTRIBUTES,
    MOCK_LOCK,
    PLAIN_CODE,
    STANDARD_ASYNC_ITERATOR,
    SYNC_MAGICS,
    CallList,
    SpecState,
    check_call,
    child_arguments,
    child_name_from,
    children,
    coroutine_function_stand_in,
    existing_child,
    is_coroutine_function,
    is_sealed,
    is_spec_list,
    own_attributes,
    own_name,
    record_call,
    set_magic_defaults,
    set_no_spec,
    spec_attribute_is_coroutine,
    spec_class,
    spec_names,
)

__all__ = [
    "AsyncMock",
    "CoroutineMock",
    "MagicMock",
    "Mock",
    "NonCallableMagicMock",
    "NonCallableMock",
]

_DEFAULT = _um.DEFAULT


class NonCallableMock(_um.NonCallableMock):
    """A non-callable mock; attributes that are coroutine functions on the spec mock as such.

    Takes the arguments of ``unittest.mock.NonCallableMock``, plus
    ``is_coroutine``: when true, ``inspect.iscoroutinefunction(mock)`` and
    ``asyncio.iscoroutinefunction(mock)`` are true, so the mock can stand for
    a coroutine function in code that checks before calling.  It defaults to
    whether the spec is a coroutine function, and can be changed later by
    setting ``mock.is_coroutine``.  (Before Python 3.12 a non-callable object
    can only pass ``inspect``'s test by claiming ``types.FunctionType`` as its
    ``__class__``, which such a mock without a spec does.)

    Child mocks follow the spec or wrapped object: an attribute that is a
    coroutine function there (async method, async static or class method,
    ``functools.partial`` of one, object with an async ``__call__``) is an
    ``AsyncMock``; the rest is as in ``unittest.mock``.
    """

    # True for classes whose instances look like functions to inspect by
    # themselves (CoroutineMock): they need neither the marker nor a fake class.
    _atk_function_like: ClassVar[bool] = False
    # The classes this one's automatic choices make (set below the classes).
    _atk_family: ClassVar[Family]

    def __new__(cls, /, *args: Any, **kwargs: Any) -> Any:
        return _new_with_own_class(cls, args, kwargs)

    def __init__(self, /, *args: Any, is_coroutine: bool | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if is_coroutine is None:
            spec = self.__dict__.get("_atk_spec")
            is_coroutine = spec is not None and is_coroutine_function(spec)
        self._atk_mark_coroutine(bool(is_coroutine))

    @property
    def is_coroutine(self) -> bool:
        """Whether the mock presents itself as a coroutine function."""
        return bool(self.__dict__.get(COROUTINE_FLAG))

    @is_coroutine.setter
    def is_coroutine(self, value: bool) -> None:
        self._atk_mark_coroutine(bool(value))

    @property
    def __code__(self) -> types.CodeType:
        # What inspect (and so asyncio) reads to tell a coroutine function.  A
        # coroutine-flagged mock has a coroutine code object; one specced on a
        # plain function (it claims the function's class) a plain one, where
        # unittest.mock's child mock made inspect claim a coroutine function
        # or fail.  For the others the lookup falls through to __getattr__.
        state = self.__dict__
        code: types.CodeType | None = state.get("__code__")
        if code is not None:
            return code  # set by the test
        if state.get(COROUTINE_FLAG):
            return COROUTINE_CODE
        if spec_class(self) is types.FunctionType:
            return PLAIN_CODE
        raise AttributeError("__code__")

    @__code__.setter
    def __code__(self, value: Any) -> None:
        self.__dict__["__code__"] = value

    @__code__.deleter
    def __code__(self) -> None:
        self.__dict__.pop("__code__", None)

    @property  # type: ignore[misc]
    def __class__(self) -> type:
        claimed = spec_class(self)
        if claimed is not None:
            return claimed
        if (
            FAKE_FUNCTION_CLASS
            and self.__dict__.get(COROUTINE_FLAG)
            and not self._atk_function_like
        ):
            return types.FunctionType
        return type(self)

    def _atk_mark_coroutine(self, flag: bool) -> None:
        state = self.__dict__
        state[COROUTINE_FLAG] = flag
        if MARKER_ATTRIBUTES and not self._atk_function_like:
            if flag:
                state.update(MARKER_ATTRIBUTES)
            else:
                for key in MARKER_ATTRIBUTES:
                    state.pop(key, None)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ALLOWED_NAMES:  # what unittest.mock does first, without its frame
            object.__setattr__(self, name, value)
            return
        if name == "is_coroutine":
            object.__setattr__(self, name, value)
            return
        super().__setattr__(name, value)

    def __dir__(self) -> list[str]:
        # unittest.mock filters dir() unless unittest.mock.FILTER_DIR is false;
        # asynctoolkit.mock.FILTER_DIR (where a suite that changed its import
        # sets it) turns the filter off too.
        if not _package().FILTER_DIR:
            return list(object.__dir__(self))
        return list(super().__dir__())

    def __getattr__(self, name: str) -> Any:
        placeholder = existing_child(self, name)
        if isinstance(placeholder, LazyChild):
            return _resolve_lazy_child(self, name, placeholder)
        return super().__getattr__(name)

    def _mock_add_spec(
        self, spec: Any, spec_set: bool, _spec_as_instance: bool = False, _eat_self: bool = False
    ) -> None:
        if spec is None:
            set_no_spec(self, spec_set)  # the same state, faster
            self.__dict__["_atk_spec"] = self.__dict__["_atk_spec_own"] = None
            return
        super()._mock_add_spec(spec, spec_set, _spec_as_instance, _eat_self)
        listed = is_spec_list(spec)
        self.__dict__["_atk_spec"] = None if listed else spec
        self.__dict__["_atk_spec_own"] = None if listed else own_attributes(spec)

    def _get_child_mock(self, /, **kw: Any) -> Any:
        if is_sealed(self):
            return super()._get_child_mock(**kw)  # raises unittest.mock's "sealed" error
        return _child_class(self, child_name_from(kw), kw.get("wraps"))(**kw)


# It sets unittest.mock's own names straight through (see record_call).
DIRECT_SETATTRS.add(NonCallableMock.__setattr__)


class NonCallableMagicMock(_um.NonCallableMagicMock, NonCallableMock):
    """A non-callable ``MagicMock``; coroutine-aware like ``NonCallableMock``."""


class Mock(_um.Mock, NonCallableMock):
    """``unittest.mock.Mock``, with coroutine functions of the spec mocked as ``AsyncMock``.

    Children follow the rules of ``NonCallableMock``.  A ``Mock`` whose own
    spec (or wrapped object) is a coroutine function is built as an
    ``AsyncMock``: calling it returns a coroutine.  To mock a coroutine
    function without a spec, use ``AsyncMock`` (or ``CoroutineMock``).
    """

    def _execute_mock_call(self, /, *args: Any, **kwargs: Any) -> Any:
        result = super()._execute_mock_call(*args, **kwargs)
        if type(result) is STANDARD_ASYNC_ITERATOR:
            # A MagicMock's default __aiter__ answered: make it a true async iterator.
            return AsyncIterator(result)
        return result


class MagicMock(_um.MagicMock, Mock):
    """``unittest.mock.MagicMock``, coroutine-aware, with async context managers and iterators.

    ``__aenter__``, ``__aexit__`` and ``__anext__`` are ``AsyncMock``
    children, so ``async with mock:`` works out of the box (``__aexit__``
    returns False: exceptions propagate).  For ``async for``, set
    ``mock.__aiter__.return_value`` to an iterable: its values are the
    iteration (``mock.__aiter__()`` is a ``collections.abc.AsyncIterator``,
    so ``aiter(mock)`` works too).  ``__await__`` cannot be mocked; mock the
    coroutine function that produces the awaitable with an ``AsyncMock``
    instead.
    """


class AsyncMock(AwaitAssertions, MAGIC_MIXIN, Mock):  # type: ignore[misc]
    """``unittest.mock.AsyncMock``'s behaviour, with asynctoolkit's extras.

    A mock of a coroutine function: ``inspect.iscoroutinefunction(mock)`` and
    ``asyncio.iscoroutinefunction(mock)`` are true, and ``mock(...)`` records
    the call and returns a coroutine.  Awaiting it gives, as with the standard
    ``AsyncMock``: ``side_effect`` (an exception is raised, an iterable's next
    value given, a function called and, if it is a coroutine function,
    awaited; ``DEFAULT`` falls through), else ``return_value``, else the
    result of the wrapped object (awaited if it is a coroutine function).
    Other results, awaitable or not, are given as they are.  Its children
    follow the standard rules: ``AsyncMock``, except the synchronous magic
    methods (``MagicMock``), attributes the spec has that are not coroutine
    functions (``MagicMock``), and the return value.

    Awaits are counted when the coroutine starts running: ``await_count``,
    ``await_args``, ``await_args_list`` and the ``assert_*await*`` methods
    describe them and ``reset_mock`` clears them.  Added by asynctoolkit:
    ``awaited`` lets a test wait until code in another task has awaited the
    mock; the entries of ``await_args_list`` are the very call objects of
    ``call_args_list``, so a call never awaited stays in ``call_args_list``
    only, is named by the ``assert_*await*`` failures, and is reported by the
    TestCase's ``unawaited_coroutines`` check at the end of the test.
    """

    _atk_function_like: ClassVar[bool] = True
    # Outcomes and children follow asynctest's rules (CoroutineMock), or the
    # standard library's.
    _atk_asynctest: ClassVar[bool] = False
    # (mock, call, args, kwargs) -> the coroutine of the call, by those rules.
    _atk_await_call = await_async_mock_call
    # inspect's view of a function: a coroutine code object, no defaults.
    __code__ = COROUTINE_CODE
    __defaults__ = None
    __kwdefaults__ = None

    await_count: int
    await_args: Any
    await_args_list: Any

    def __init__(self, /, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("is_coroutine", True) is not True:
            raise ValueError(
                f"an {type(self).__name__} is always a coroutine function; "
                f"use Mock for a plain callable"
            )
        kwargs["is_coroutine"] = True
        super().__init__(*args, **kwargs)
        state = self.__dict__
        state["await_count"] = 0
        state["await_args"] = None
        state["await_args_list"] = CallList()
        state["_atk_awaited"] = None
        # inspect wants no annotations or a dict; a spec listing __annotations__
        # would otherwise answer with a child mock.
        state["__annotations__"] = None

    @property
    def __name__(self) -> str:
        name = own_name(self)
        return name if isinstance(name, str) and name else _declared_class(self).__name__

    @property
    def __func__(self) -> Any:
        # A mock specced on a bound method passes for a method, and inspect
        # then judges its __func__: give it a coroutine function to judge.
        if spec_class(self) is types.MethodType:
            return coroutine_function_stand_in
        raise AttributeError("__func__")

    @property
    def is_coroutine(self) -> bool:
        """Always True: the mock stands for a coroutine function."""
        return True

    @is_coroutine.setter
    def is_coroutine(self, value: bool) -> None:
        if not value:
            raise AttributeError(
                f"an {type(self).__name__} is always a coroutine function; use Mock instead"
            )

    @property
    def awaited(self) -> AwaitedEvent:
        """True once the mock was awaited; ``await mock.awaited.wait()`` and friends.

        ``wait(skip=0)`` waits until the mock has been awaited ``skip + 1``
        times in all, ``wait_next(skip=0)`` for the ``skip + 1``-th await from
        now, ``wait_for(predicate)`` until ``predicate(mock)`` is true.  Each
        takes ``timeout`` (default 5 seconds of real time, not loop time) and
        fails with an AssertionError describing the awaits when it expires.
        """
        event: AwaitedEvent | None = self.__dict__.get("_atk_awaited")
        if event is None:
            event = self.__dict__["_atk_awaited"] = AwaitedEvent(self)
        return event

    def __call__(self, /, *args: Any, **kwargs: Any) -> Any:
        # CallableMixin.__call__, with the call's coroutine made here directly.
        check_call(self, args, kwargs)
        call = record_call(self, args, kwargs)
        coroutine = self._atk_await_call(call, args, kwargs)
        mock_coroutines.track_coroutine(coroutine, self, call)
        return coroutine

    def _execute_mock_call(self, /, *args: Any, **kwargs: Any) -> Any:
        # Reached only through unittest.mock internals that bypass __call__.
        call = self.call_args
        coroutine = self._atk_await_call(call, args, kwargs)
        mock_coroutines.track_coroutine(coroutine, self, call)
        return coroutine

    def reset_mock(
        self, visited: Any = None, *, return_value: bool = False, side_effect: bool = False
    ) -> None:
        """Forget calls and awaits (see ``unittest.mock.Mock.reset_mock``)."""
        super().reset_mock(visited, return_value=return_value, side_effect=side_effect)
        state = self.__dict__
        state["await_count"] = 0
        state["await_args"] = None
        state["await_args_list"] = CallList()


class CoroutineMock(AsyncMock):
    """A mock of a coroutine function, as asynctest's: each call returns a real coroutine.

    An ``AsyncMock`` (every ``AsyncMock`` feature and assertion applies)
    with asynctest's rules where they differ from the standard library's:

    * awaiting a call gives, in await order: ``side_effect`` (an exception is
      raised; an iterable's next value given, and once it is exhausted
      StopAsyncIteration explains so; a function called with the call's
      arguments), else ``return_value`` (by default a ``MagicMock``), else the
      wrapped object's result with ``wraps``; an awaitable outcome (a
      coroutine, a future) is awaited in turn, so ``return_value`` may be a
      coroutine whose result the await gives (only once: a coroutine can only
      be awaited once);
    * the return value and the attributes are ``MagicMock`` (``(await
      mock()).json()`` is a plain call), except an attribute that the spec or
      the wrapped object says is a coroutine function: that one is a
      ``CoroutineMock``.
    """

    _atk_asynctest: ClassVar[bool] = True
    _atk_await_call = await_coroutine_mock_call


class LazyChild(SpecState, abc.ABC):  # type: ignore[misc]
    """A child mock made on first access: the attribute's placeholder until then.

    ``create_autospec`` leaves one for each attribute that is not a function
    (autospeccing them all at once would walk whole object graphs); a mock's
    ``__getattr__`` replaces it by ``create(parent, name)`` when the attribute
    is first read.  It is a ``unittest.mock`` spec placeholder, so the standard
    code that walks children (``reset_mock``, ``seal``) skips it likewise.
    """

    @abc.abstractmethod
    def create(self, parent: Any, name: str) -> Any:
        """Make the child mock this placeholder stands for."""


# --- Private helpers ----------------------------------------------------------------


def _new_with_own_class(cls: type, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Create an instance of a fresh subclass of ``cls``, as unittest.mock does.

    A callable mock whose spec or wrapped object is asynchronous gets its
    family's class for coroutine functions mixed in (unittest.mock mixes in
    AsyncMock's behaviour where the spec is).
    """
    bases: tuple[type, ...] = (cls,)
    if issubclass(cls, CALLABLE_MIXIN) and not issubclass(cls, AsyncMock):
        family: Family = cls._atk_family  # type: ignore[attr-defined]
        spec = kwargs.get("spec_set", kwargs.get("spec", args[0] if args else None))
        if spec is not None:
            if not is_spec_list(spec) and family.is_async(spec):
                bases = (family.asynchronous, cls)
        else:
            wraps = kwargs.get("wraps")
            if wraps is not None and is_coroutine_function(wraps):
                bases = (family.asynchronous, cls)
    own = type(cls.__name__, bases, _own_namespace(cls))
    mock: Any = object.__new__(own)
    own._atk_instance = mock  # type: ignore[attr-defined]  # for MagicMethod on the class
    return mock


def _package() -> Any:
    """``asynctoolkit.mock``, whose public switches are read when used (it imports us)."""
    return sys.modules[__name__.rpartition(".")[0]]


def _own_namespace(cls: type) -> dict[str, Any]:
    # _atk_declared is the class asked for (type(mock) is made for the mock).
    namespace: dict[str, Any] = {
        "__doc__": cls.__doc__,
        "__module__": cls.__module__,
        "_atk_declared": cls,
    }
    if issubclass(cls, MAGIC_MIXIN):
        namespace.update(_MAGIC_METHODS)
    return namespace


class MagicMethod:
    """A magic method of a mock's class, made on first use (for ``MAGIC_MIXIN``).

    Does what the standard ``MagicProxy`` does, for the mock the class was
    made for; being in the class from the start, it spares the standard
    mixin setting one proxy per magic method on each new mock's class (most
    of the cost of making a mock: ``bench/bench_mock.py``, lifecycle).
    """

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        mock = obj if obj is not None else vars(owner)["_atk_instance"]
        name = self.name
        method = mock._get_child_mock(name=name, **child_arguments(mock, name))
        setattr(mock, name, method)  # replaces this descriptor in the mock's class
        set_magic_defaults(mock, method, name)
        return method


_MAGIC_METHODS = {name: MagicMethod(name) for name in CONFIGURED_MAGICS}


def _declared_class(mock: Any) -> type:
    cls: type = type(mock)
    declared: type = cls.__dict__.get("_atk_declared", cls)
    return declared


def _child_class(parent: Any, name: str | None, wraps: Any) -> type:
    """The class of the child mock ``name`` of ``parent`` (``'()'`` = return value).

    The classes come from the parent's family.  The children of an
    ``AsyncMock`` follow the standard library (``_standard_async_child``);
    those of a ``CoroutineMock`` follow asynctest: a ``CoroutineMock`` where
    the spec, the wrapped object or an async magic method says coroutine
    function, else a ``MagicMock`` (its return value included: what a
    coroutine function returns, and its other attributes, are plain
    objects).  For the other mocks, such a child is the family's choice for
    coroutine functions, and the rest get their parent's class, as in
    ``unittest.mock``.
    """
    parent_class = type(parent)
    family: Family = parent_class._atk_family
    if issubclass(parent_class, AsyncMock):
        if not parent_class._atk_asynctest:
            return _standard_async_child(parent, name, family)
        if name is not None and name != "()" and _is_coroutine_child(parent, name, wraps):
            return family.coroutine
        return family.magic
    if name is None or name == "()":
        return _callable_class(parent, family)
    if _is_coroutine_child(parent, name, wraps):
        return family.asynchronous
    return _callable_class(parent, family)


def _is_coroutine_child(parent: Any, name: str, wraps: Any) -> bool:
    """Whether the spec, the wrapped object or an async magic method makes ``name`` async."""
    if wraps is not None and is_coroutine_function(wraps):
        return True
    if _spec_says_coroutine(parent, name):
        return True
    return name in ASYNC_METHOD_MAGICS and issubclass(type(parent), MAGIC_MIXIN)


def _standard_async_child(parent: Any, name: str | None, family: Family) -> type:
    """``unittest.mock``'s rules for the children of an AsyncMock, with our classes.

    A coroutine function of the spec is an ``AsyncMock``; the synchronous
    magic methods and the other attributes of the spec are ``MagicMock``;
    everything else, the return value included, is an ``AsyncMock``.
    """
    if name is not None and _spec_says_coroutine(parent, name):
        return family.asynchronous
    if name in SYNC_MAGICS or name in (spec_names(parent) or ()):
        return family.magic
    return family.asynchronous


def _spec_says_coroutine(parent: Any, name: str) -> bool:
    """Whether the parent's spec (as it was when given) has a coroutine function as ``name``."""
    state = parent.__dict__
    spec = state.get("_atk_spec")
    return spec is not None and spec_attribute_is_coroutine(spec, name, state.get("_atk_spec_own"))


def _callable_class(parent: Any, family: Family) -> type:
    """The parent's declared class, or its callable counterpart for non-callable mocks."""
    base = _declared_class(parent)
    if not issubclass(base, CALLABLE_MIXIN):
        base = family.magic if issubclass(base, MAGIC_MIXIN) else family.mock
    return base


def _resolve_lazy_child(mock: Any, name: str, placeholder: LazyChild) -> Any:
    """Replace the placeholder child ``name`` of ``mock`` by the mock it stands for."""
    with MOCK_LOCK:
        known = children(mock)
        current = known.get(name)
        if current is not placeholder:  # another thread resolved it meanwhile
            return current
        child = placeholder.create(mock, name)
        known[name] = child
        return child


#: ``asynctoolkit.mock``'s family: the standard library's choices.
STANDARD_FAMILY = Family(
    mock=Mock,
    magic=MagicMock,
    non_callable_magic=NonCallableMagicMock,
    asynchronous=AsyncMock,
    coroutine=CoroutineMock,
    awaitables_are_async=True,
)
NonCallableMock._atk_family = STANDARD_FAMILY


for _public in (NonCallableMock, NonCallableMagicMock, Mock, MagicMock, AsyncMock, CoroutineMock):
    _public.__module__ = "asynctoolkit.mock"
del _public
