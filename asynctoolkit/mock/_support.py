"""What the mock module borrows from ``unittest.mock``, and how it tells coroutine functions.

Our mocks subclass the standard ones and reuse a few of their private helpers
(call lists, lazy autospec placeholders, signature checks).  Every such private
name is fetched here, once, so an upgrade that renames one fails at import with
the name of the helper (``tests/mock/test_support.py`` checks them all) instead
of deep inside a test.  Likewise the private state a mock keeps in its instance
(spec, children, name, return value, ...) is read and written only through the
accessors here, each with a canary test.

The second half answers "is this a coroutine function?" for everything a spec
may hold, and provides what makes a mock *look* like one to ``inspect`` and
``asyncio``: a real coroutine code object for callable mocks, and a marker for
non-callable ones (see ``coroutine_marker_attributes``).
"""

from __future__ import annotations

import functools
import inspect
import sys
import unittest.mock as _um
from typing import Any

__all__: list[str] = []


def _private(name: str) -> Any:
    """A private ``unittest.mock`` name, or an ImportError naming it."""
    try:
        return getattr(_um, name)
    except AttributeError:  # pragma: no cover - only on an incompatible Python
        raise ImportError(
            f"asynctoolkit.mock needs unittest.mock.{name}, which this Python "
            f"({sys.version.split()[0]}) does not have"
        ) from None


# Lists of calls (``call_args_list`` and friends) and the call objects in them.
CallList: Any = _private("_CallList")
Call: Any = type(_um.call)
# Placeholder for a not-yet-created autospec child; resolved on first access.
SpecState: Any = _private("_SpecState")
# Types that create_autospec treats as functions (plain and bound).
FUNCTION_TYPES: Any = _private("FunctionTypes")
# Every magic name a mock may configure, those MagicMock makes awaitable, and
# the others (the children of an AsyncMock that are MagicMock, __aiter__ too).
ALL_MAGICS: frozenset[str] = frozenset(_private("_all_magics"))
ASYNC_METHOD_MAGICS: frozenset[str] = frozenset(_private("_async_method_magics"))
SYNC_MAGICS: frozenset[str] = ALL_MAGICS - ASYNC_METHOD_MAGICS
# The bases that make a mock callable, and make it configure magic methods
# (public classes, but not in unittest.mock.__all__).
CALLABLE_MIXIN: type = _private("CallableMixin")
MAGIC_MIXIN: type = _private("MagicMixin")
# The magic methods MAGIC_MIXIN puts on the class of each mock it makes (one
# proxy each, which makes the method's mock on first use).  It leaves alone
# those the class already has, so ours are put in the class when it is made
# (``_classes.MagicMethod``), which costs a fraction of setting them one by one.
CONFIGURED_MAGICS: frozenset[str] = frozenset(_private("_magics")) | ASYNC_METHOD_MAGICS
# Gives a new magic method mock its default (__len__ 0, __aexit__ False, ...).
set_magic_defaults: Any = _private("_set_return_value")
# Names mocks set with plain object.__setattr__ (their properties): a fast path.
ALLOWED_NAMES: frozenset[str] = frozenset(_private("_allowed_names"))
# Builtins a module may use without defining them: patching creates them.
BUILTIN_NAMES: frozenset[str] = frozenset(_private("_builtins"))
# Signature helpers used by create_autospec, with their standard behaviour.
check_signature: Any = _private("_check_signature")
set_signature: Any = _private("_set_signature")
must_skip_first: Any = _private("_must_skip")
instance_callable: Any = _private("_instance_callable")
spec_callable: Any = _private("_callable")
is_exception: Any = _private("_is_exception")
is_magic: Any = _private("_is_magic")
any_comparer: Any = _private("_AnyComparer")


# What a standard MagicMock's default ``__aiter__`` returns: it has ``__anext__``
# but no ``__aiter__``, so it is no ``collections.abc.AsyncIterator``.
STANDARD_ASYNC_ITERATOR: type = _private("_AsyncIterator")
# The class of the standard patchers: its ``_active_patches`` is the list of
# patches started with ``start()`` and not stopped yet, oldest first; the
# standard ``patch.stopall()`` calls ``stop()`` on each, newest first, and each
# ``stop()`` removes its patch from the list.  Ours join that list, so either
# ``stopall()`` stops every patch, in the order they were started.
_STANDARD_PATCHER: Any = _private("_patch")


def started_patches() -> list[Any]:
    """The patches, standard and ours, started and not stopped, oldest first (mutable)."""
    started: list[Any] = _STANDARD_PATCHER._active_patches
    return started


# The stub that checks no signature, and the method recording a call (see record_call).
_NO_SIGNATURE_CHECK: Any = CALLABLE_MIXIN._mock_check_sig  # type: ignore[attr-defined]
_INCREMENT_MOCK_CALL: Any = CALLABLE_MIXIN._increment_mock_call  # type: ignore[attr-defined]
#: The ``__setattr__`` methods that set unittest.mock's own attribute names
#: (the call counters among them) straight through, as the standard one does
#: first; ``_classes`` adds its own.
DIRECT_SETATTRS: set[Any] = {_um.NonCallableMock.__setattr__}
# The base of the standard AsyncMock (not in unittest.mock.__all__).
STANDARD_ASYNC_MOCK: type = _private("AsyncMockMixin")
# Raised for a spec that is itself a mock (not in unittest.mock.__all__).
InvalidSpecError: type[Exception] = _private("InvalidSpecError")
# The lock unittest.mock holds while creating children (thread safety).
MOCK_LOCK: Any = _um.NonCallableMock._lock


# --- The state a unittest.mock mock keeps in its instance --------------------------
#
# unittest.mock keeps a mock's configuration in private instance attributes
# (in ``__dict__``, to get past its own ``__getattr__``/``__setattr__``).  The
# functions below are the only code of the mock package that reads or writes
# them, or calls the private methods that use them; each is checked by a canary
# in ``tests/mock/test_support.py``.
#
# Our classes also override three methods that unittest.mock calls on itself
# (canaries check the calls and their arguments): ``_get_child_mock(**kwargs)``
# (documented for subclasses) makes every child; ``_mock_add_spec(spec,
# spec_set, _spec_as_instance, _eat_self)`` stores a spec, from ``__init__`` and
# ``mock_add_spec``; ``_execute_mock_call(*args, **kwargs)`` gives a call's
# outcome once ``Mock.__call__`` has recorded it.


def spec_class(mock: Any) -> type | None:
    """The class of the spec (what ``mock.__class__`` reports), or None without one."""
    cls: type | None = mock.__dict__.get("_spec_class")
    return cls


def spec_names(mock: Any) -> list[str] | None:
    """The attribute names the spec allows (``dir(spec)`` or the spec list), or None."""
    names: list[str] | None = mock.__dict__.get("_mock_methods")
    return names


def set_no_spec(mock: Any, spec_set: Any) -> None:
    """Store "no spec" the way ``_mock_add_spec(None, ...)`` does, without its ``dir()`` scan."""
    state = mock.__dict__
    state["_spec_class"] = None
    state["_spec_set"] = spec_set
    state["_spec_signature"] = None
    state["_mock_methods"] = None
    state["_spec_asyncs"] = []


def children(mock: Any) -> dict[str, Any]:
    """The mock's children by attribute name (placeholders and deleted markers too).

    The dict itself: writing to it adds a child without the parent checks of
    ``setattr`` (as ``create_autospec`` must).
    """
    found: dict[str, Any] = mock.__dict__["_mock_children"]
    return found


def existing_child(mock: Any, name: str) -> Any:
    """The child ``name`` already stored (maybe a placeholder), or None; safe during __init__."""
    found = mock.__dict__.get("_mock_children")
    return None if found is None else found.get(name)


def own_name(mock: Any) -> str | None:
    """The name the mock was given (``name=``, or its attribute name), else None."""
    name: str | None = mock.__dict__.get("_mock_name")
    return name


def display_name(mock: Any) -> str:
    """The dotted name a repr or failure message shows (``'mock.child()'``)."""
    name: str = mock._extract_mock_name()
    return name


def configured_return_value(mock: Any) -> Any:
    """``return_value`` as configured, or DEFAULT: unlike the property, makes no child."""
    return mock.__dict__["_mock_return_value"]


def delegate(mock: Any) -> Any:
    """The mock that answers for an autospecced function's mock, or None."""
    return mock.__dict__["_mock_delegate"]


def wrapped(mock: Any) -> Any:
    """The object given as ``wraps``, or None."""
    return mock.__dict__["_mock_wraps"]


def is_sealed(mock: Any) -> bool:
    """Whether ``seal()`` forbids the mock to make new children."""
    return bool(mock.__dict__.get("_mock_sealed", False))


def check_call(mock: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Raise TypeError if the call does not fit the autospecced signature."""
    # Autospec puts the checking function on the mock's own class; the
    # standard stub that checks nothing is not worth a call.
    if type(mock)._mock_check_sig is not _NO_SIGNATURE_CHECK:
        mock._mock_check_sig(*args, **kwargs)


def record_call(mock: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Record a call as ``Mock.__call__`` does (``call_args``, ``mock_calls``, the parents).

    Returns the call object (the new ``call_args``).  The standard
    ``_increment_mock_call`` sets each counter through ``__setattr__`` and a
    property, which for a mock without a delegate (autospec's) only writes
    ``__dict__``: this writes it directly, unless the class changed how.
    """
    state = mock.__dict__
    cls = type(mock)
    if (
        state["_mock_delegate"] is not None
        or cls._increment_mock_call is not _INCREMENT_MOCK_CALL
        or cls.__setattr__ not in DIRECT_SETATTRS
    ):
        mock._increment_mock_call(*args, **kwargs)
        return mock.call_args
    state["_mock_called"] = True
    state["_mock_call_count"] += 1
    call = Call((args, kwargs), two=True)
    state["_mock_call_args"] = call
    state["_mock_call_args_list"].append(call)
    state["_mock_mock_calls"].append(Call(("", args, kwargs)))
    if state["_mock_new_parent"] is not None:
        _record_in_parents(mock, args, kwargs)
    return call


def _record_in_parents(mock: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    # The second half of the standard ``_increment_mock_call``, unchanged.
    do_method_calls = mock._mock_parent is not None
    method_call_name = mock._mock_name
    mock_call_name = mock._mock_new_name
    is_a_call = mock_call_name == "()"
    new_parent = mock._mock_new_parent
    while new_parent is not None:
        if do_method_calls:
            new_parent.method_calls.append(Call((method_call_name, args, kwargs)))
            do_method_calls = new_parent._mock_parent is not None
            if do_method_calls:
                method_call_name = new_parent._mock_name + "." + method_call_name
        new_parent.mock_calls.append(Call((mock_call_name, args, kwargs)))
        if new_parent._mock_new_name:
            dot = "" if is_a_call else "."
            is_a_call = new_parent._mock_new_name == "()"
            mock_call_name = new_parent._mock_new_name + dot + mock_call_name
        new_parent = new_parent._mock_new_parent


def side_effect_of(mock: Any) -> Any:
    """``mock.side_effect``, read straight from ``__dict__`` when there is no delegate."""
    state = mock.__dict__
    if state["_mock_delegate"] is None:
        return state["_mock_side_effect"]
    return mock.side_effect


def call_matcher(mock: Any, call: Any) -> Any:
    """``call`` bound to the spec's signature (for comparison), or the binding error."""
    return mock._call_matcher(call)


def format_call(mock: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    """How a failure message shows a call of this mock: ``'name(1, x=2)'``."""
    text: str = mock._format_mock_call_signature(args, kwargs)
    return text


def child_arguments(parent: Any, name: str) -> dict[str, Any]:
    """Constructor arguments making a mock the child ``name`` of ``parent``.

    Its calls are then recorded in the parent's ``mock_calls`` under that name
    (``'()'`` is the return value), as for children the parent makes itself.
    """
    return {"_new_parent": parent, "_new_name": name}


def child_name_from(child_kwargs: dict[str, Any]) -> str | None:
    """The attribute name (``'()'``: return value) in ``_get_child_mock``'s keyword arguments."""
    name: str | None = child_kwargs.get("_new_name")
    return name


def spec_arguments(*, as_instance: bool, eat_self: bool) -> dict[str, Any]:
    """Constructor arguments saying how the spec's signature is read.

    ``as_instance``: the spec is a class but the mock is an instance of it
    (calls check ``__call__``, not ``__init__``); ``eat_self``: drop the first
    parameter (an unbound method mocked on an instance).
    """
    return {"_spec_as_instance": as_instance, "_eat_self": eat_self}


def is_mock(obj: object) -> bool:
    """True for any unittest.mock (and so asynctoolkit) mock instance.

    Mocks may lie about ``__class__``, so this checks the real type.
    """
    return issubclass(type(obj), _um.NonCallableMock)


def is_spec_list(obj: object) -> bool:
    """True when a spec is a list or tuple of attribute names."""
    return type(obj) in (list, tuple)


# --- Recognising coroutine functions -------------------------------------------------

# The key, in an asynctoolkit mock's ``__dict__``, of its ``is_coroutine`` flag.
COROUTINE_FLAG = "_atk_coroutine"


def is_coroutine_function(obj: object) -> bool:
    """Whether calling ``obj`` returns a coroutine, as far as can be told without calling it.

    True for ``async def`` functions and methods (bound or not), async static
    and class methods (the raw descriptors too), ``functools.partial`` and
    ``partialmethod`` of those, objects whose class defines an async
    ``__call__``, functions wrapping one with ``functools.wraps``, and mocks
    of coroutine functions (``CoroutineMock``, ``AsyncMock``, the standard
    ``AsyncMock``, mocks made with ``is_coroutine=True``).  Other mocks are
    not, whatever ``inspect`` makes of them (the standard library's
    ``MagicMock(spec=function)`` claims to be one).  Classes are never
    coroutine functions: calling one builds an instance.
    """
    if is_mock(obj):
        flagged = obj.__dict__.get(COROUTINE_FLAG) is True
        return flagged or issubclass(type(obj), STANDARD_ASYNC_MOCK)
    if isinstance(obj, (staticmethod, classmethod)):
        obj = obj.__func__
    if isinstance(obj, functools.partialmethod):
        return is_coroutine_function(obj.func)
    if inspect.iscoroutinefunction(obj):
        return True
    if isinstance(obj, type):
        return False
    if isinstance(obj, functools.partial):
        return is_coroutine_function(obj.func)
    if inspect.isroutine(obj):
        try:
            unwrapped = inspect.unwrap(obj)
        except (ValueError, TypeError):  # a cycle of __wrapped__, or a strange object
            return False
        return unwrapped is not obj and is_coroutine_function(unwrapped)
    call = inspect.getattr_static(type(obj), "__call__", None)
    return call is not None and is_coroutine_function(call)


def own_attributes(spec: object) -> dict[str, Any] | None:
    """A copy of the attributes a spec object holds itself (not a class's), or None.

    Taken when a mock is made: as in unittest.mock, which of those stand for
    coroutine functions is decided by the spec's shape at that time.
    """
    if isinstance(spec, type):
        return None
    try:
        return dict(vars(spec))
    except TypeError:  # no __dict__ (slots, builtins)
        return None


def spec_attribute_is_coroutine(spec: object, name: str, own: dict[str, Any] | None = None) -> bool:
    """Whether attribute ``name`` of a spec object is a coroutine function.

    ``own`` is the spec's ``own_attributes`` when the mock was made: an
    attribute it holds is judged as it was then; the others (from the class)
    are looked up now.  Looked up statically (no property runs), so async
    static and class methods are seen as the descriptors the class holds.
    """
    if own is not None:
        if name in own:
            return is_coroutine_function(own[name])
        spec = type(spec)  # added to the object later: only its class counts
    try:
        value = inspect.getattr_static(spec, name)
    except AttributeError:
        return False
    return is_coroutine_function(value)


async def _coroutine_mock_call(*args: Any, **kwargs: Any) -> Any:
    """Never called: lends its code object to mocks that stand for coroutine functions."""


# ``inspect`` (and so ``asyncio``) calls an object a coroutine function when it
# looks like a function whose code has the CO_COROUTINE flag.  Callable mocks
# expose this code object as ``__code__`` (shared, never executed); its
# signature is ``(*args, **kwargs)``, which is what a plain mock accepts.
COROUTINE_CODE = _coroutine_mock_call.__code__
# The function itself, for mocks that pass for bound methods (see __func__).
coroutine_function_stand_in = _coroutine_mock_call


def _plain_mock_call(*args: Any, **kwargs: Any) -> Any:
    """Never called: lends its code object to mocks of plain functions."""


# A mock specced on a plain function reports ``types.FunctionType`` as its
# ``__class__``, so ``inspect`` takes it for a function and reads the flags of
# its ``__code__``: those mocks expose this code object, whose flags say
# "neither coroutine nor generator" (as asynctest's ``co_flags = 0`` did).
PLAIN_CODE = _plain_mock_call.__code__


def _marker_attributes() -> dict[str, Any]:
    mark = getattr(inspect, "markcoroutinefunction", None)
    if mark is None:
        return {}

    def probe() -> None:  # pragma: no cover - never called
        """A function to read the marker from."""

    return dict(vars(mark(probe)))


# On Python 3.12+ ``inspect.markcoroutinefunction`` marks an object with an
# attribute; this is that attribute (read back from a probe, so its private
# name is not hard-coded).  Non-callable mocks with ``is_coroutine=True`` get it
# in their ``__dict__``.  Empty before 3.12, where ``FAKE_FUNCTION_CLASS`` is used.
MARKER_ATTRIBUTES: dict[str, Any] = _marker_attributes()

# Before 3.12 the only way for a non-callable object to pass
# ``inspect.iscoroutinefunction`` is to report ``types.FunctionType`` as its
# ``__class__`` and carry a coroutine ``__code__``; such mocks do that.
FAKE_FUNCTION_CLASS: bool = not MARKER_ATTRIBUTES
