"""``create_autospec`` building asynctoolkit mocks, coroutine functions included.

The algorithm is the standard one (``unittest.mock.create_autospec``): the
mock gets the spec's attributes, methods check their call signature, a class
mock returns an instance mock, and non-function attributes are autospecced
lazily, on first access.  The difference is the class of each piece, taken
from a ``Family``: a coroutine function (plain, static, class method,
partial, or an object with an async ``__call__``) becomes the family's mock
of coroutine functions (an ``AsyncMock`` for ``asynctoolkit.mock``, a
``CoroutineMock`` for the asynctest layer) that checks the signature of the
original.

An autospecced coroutine *function* (not method) is such a mock that binds
like a function when stored on a class, so ``instance.method(x)`` records
``(instance, x)`` as the standard autospec does.
"""

from __future__ import annotations

import inspect
import types
from typing import Any

from asynctoolkit.mock._arguments import SPEC_TYPOS
from asynctoolkit.mock._classes import STANDARD_FAMILY, LazyChild
from asynctoolkit.mock._describe import safe_repr
from asynctoolkit.mock._family import Family, family_of
from asynctoolkit.mock._support import (
    FUNCTION_TYPES,
    InvalidSpecError,
    check_signature,
    child_arguments,
    children,
    instance_callable,
    is_coroutine_function,
    is_magic,
    is_mock,
    is_spec_list,
    must_skip_first,
    own_name,
    set_signature,
    spec_arguments,
    spec_callable,
)

__all__ = ["create_autospec", "make_autospec"]


def create_autospec(
    spec: Any,
    spec_set: bool = False,
    instance: bool = False,
    _parent: Any = None,
    _name: str | None = None,
    *,
    unsafe: bool = False,
    **kwargs: Any,
) -> Any:
    """Create a mock with ``spec``'s attributes, each mocked after the original.

    As ``unittest.mock.create_autospec``: calls are checked against the
    original signatures (a wrong call raises TypeError), ``spec_set=True``
    forbids setting attributes the spec lacks, ``instance=True`` mocks an
    instance of a class spec.  Coroutine functions and methods become
    ``AsyncMock`` (awaiting them gives their ``return_value``), other
    callables ``MagicMock``, the rest ``NonCallableMagicMock``.  Keyword
    arguments configure the top mock (``return_value``, ``name``, dotted
    child settings like ``**{"method.return_value": 3}``).  With ``wraps``,
    the methods the wrapped object has wrap the spec's (and a class mock's
    instance wraps it too), as in ``unittest.mock`` from Python 3.13.
    """
    return make_autospec(
        STANDARD_FAMILY, spec, spec_set, instance, _parent, _name, unsafe=unsafe, **kwargs
    )


def make_autospec(
    family: Family,
    /,
    spec: Any,
    spec_set: bool = False,
    instance: bool = False,
    _parent: Any = None,
    _name: str | None = None,
    *,
    unsafe: bool = False,
    **kwargs: Any,
) -> Any:
    """``create_autospec`` making the classes of ``family``."""
    if is_spec_list(spec):
        spec = type(spec)
    if is_mock(spec):
        raise InvalidSpecError(
            f"Cannot autospec a Mock object. [object={spec!r}] Pass the real object it stands for."
        )
    if not unsafe:
        for typo in SPEC_TYPOS:
            if typo in kwargs:
                raise RuntimeError(f"{typo!r} might be a typo; use unsafe=True if this is intended")
    is_type = isinstance(spec, type)
    is_async = is_coroutine_function(spec)
    klass = _autospec_class(family, spec, is_type, is_async, instance)

    spec_kwargs: dict[str, Any] = {}
    if spec is not None and not inspect.isdatadescriptor(spec):
        spec_kwargs = {"spec_set": spec} if spec_set else {"spec": spec}
        # Skip ``self`` only where the signature comes from an unbound
        # ``__call__`` (an instance of a class spec); unittest.mock also skips
        # one for callable objects (their __call__ is bound) and not for
        # class instances, and then cannot match the calls it recorded.
        spec_kwargs.update(spec_arguments(as_instance=instance, eat_self=is_type and instance))
    name = kwargs.pop("name", _name)
    # Dotted settings ("method.return_value") wait until the children exist.
    dotted = {key: value for key, value in kwargs.items() if "." in key}
    mock: Any = klass(
        parent=_parent,
        name=name,
        **child_arguments(_parent, name if _parent is not None else ""),
        **spec_kwargs,
        **{key: value for key, value in kwargs.items() if key not in dotted},
    )

    if isinstance(spec, FUNCTION_TYPES):
        # Top level only: functions are not recursed into.
        if is_async:
            _bind_like_a_function(mock, spec)
        else:
            mock = set_signature(mock, spec)
    else:
        check_signature(spec, mock, is_type, instance)

    if _parent is not None and not instance:
        children(_parent)[name] = mock

    if is_type and not instance and "return_value" not in kwargs:
        mock.return_value = make_autospec(
            family,
            spec,
            spec_set,
            instance=True,
            _name="()",
            _parent=mock,
            wraps=kwargs.get("wraps"),
        )

    wrapped = kwargs.get("wraps")
    for entry in dir(spec):
        if is_magic(entry):
            continue  # MagicMock provides the useful magic methods itself
        try:
            original = getattr(spec, entry)
        except AttributeError:
            continue
        wraps = original if wrapped is not None and hasattr(wrapped, entry) else None
        _add_child(family, mock, spec, entry, original, spec_set, is_type, instance, wraps)

    if dotted:
        (mock if is_mock(mock) else mock.mock).configure_mock(**dotted)
    return mock


class CoroutineInstanceError(RuntimeError, ValueError):
    """``create_autospec(coroutine_function, instance=True)``: there is no instance to mock.

    A RuntimeError, as asynctest and the standard library raise, and a
    ValueError, as earlier versions of asynctoolkit did.
    """


def _autospec_class(
    family: Family, spec: Any, is_type: bool, is_async: bool, instance: bool
) -> type:
    if inspect.isdatadescriptor(spec):
        return family.magic  # what a descriptor returns is unknown: no spec
    if is_async:
        if instance:
            raise CoroutineInstanceError(
                f"instance=True is for classes; {safe_repr(spec)} is a coroutine function, "
                f"so autospec it without instance=True"
            )
        return family.asynchronous
    if not spec_callable(spec):
        return family.non_callable_magic
    if is_type and instance:
        call = inspect.getattr_static(spec, "__call__", None)
        if call is not None and is_coroutine_function(call):
            return family.asynchronous  # instances are awaitable callables
        if not instance_callable(spec):
            return family.non_callable_magic
    return family.magic


def _add_child(
    family: Family,
    mock: Any,
    spec: Any,
    entry: str,
    original: Any,
    spec_set: bool,
    is_type: bool,
    instance: bool,
    wraps: Any,
) -> None:
    known = children(mock)
    on_function = not is_mock(mock)  # (a mock of a function claims to be one)
    if on_function and entry in vars(mock):
        return  # the autospecced function's own (mock, called, assert_called_with...)
    if not isinstance(original, FUNCTION_TYPES):
        if on_function:
            # An autospecced plain function is a real function, with no
            # __getattr__ to build a child on first access: build it now.
            try:
                nested = make_autospec(family, original, spec_set, _parent=mock.mock, _name=entry)
            except InvalidSpecError:
                return  # a mock: absent, as it would be on access in unittest.mock
            setattr(mock, entry, nested)
            return
        # Autospecced on first access (NonCallableMock.__getattr__).
        known[entry] = _LazyAutospec(original, spec_set, mock, entry)
        return
    parent = mock.mock if on_function else mock
    skip_first = must_skip_first(spec, entry, is_type)
    raw = _raw_attribute(spec, entry)
    child_class = family.asynchronous if is_coroutine_function(raw) else family.magic
    child = child_class(
        parent=parent,
        name=entry,
        **child_arguments(parent, entry),
        **spec_arguments(as_instance=False, eat_self=skip_first),
        **({"spec_set": original} if spec_set else {"spec": original}),
        **({} if wraps is None else {"wraps": wraps}),
    )
    known[entry] = child
    check_signature(original, child, skipfirst=skip_first)
    if wraps is None:
        # Made now, not on the first call, so that the method still returns a
        # mock once seal() forbids new children (as unittest.mock does from
        # Python 3.12).  Not when wrapping: a return value would answer instead.
        _ = child.return_value
    if on_function:
        setattr(mock, entry, child)


class _LazyAutospec(LazyChild):
    """An attribute of an autospecced object, autospecced when first read."""

    def create(self, parent: Any, name: str) -> Any:
        # Never instance=True, even under the mock of an instance: what an
        # instance's attribute holds is the object itself (a class attribute
        # is the class, which makes instances), as in unittest.mock.
        try:
            return make_autospec(
                family_of(parent), self.spec, self.spec_set, False, self.parent, self.name
            )
        except InvalidSpecError:
            target = own_name(parent) or parent
            raise InvalidSpecError(
                f"Cannot autospec attr {name!r} from target {target!r} as it has already "
                f"been mocked out. [target={parent!r}, attr={self.spec!r}] "
                f"Autospec the real object."
            ) from None


def _raw_attribute(spec: Any, entry: str) -> Any:
    """The attribute as stored (a staticmethod stays one), else as fetched."""
    try:
        return inspect.getattr_static(spec, entry)
    except AttributeError:
        return getattr(spec, entry, None)


def _bind_like_a_function(mock: Any, function: Any) -> None:
    """Check calls against ``function``'s signature, bind like it on a class, and
    answer ``.mock`` with itself (where the standard library's autospecced
    function keeps the mock that records its calls)."""
    mock.__dict__["mock"] = mock
    check_signature(function, mock, False)
    type(mock).__get__ = _bind


def _bind(mock: Any, obj: Any, owner: type | None = None) -> Any:
    if obj is None:
        return mock
    return types.MethodType(mock, obj)
