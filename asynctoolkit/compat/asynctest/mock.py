"""``asynctest.mock``: asynctoolkit's mocks and patchers, making asynctest's choices.

Where a mock is chosen automatically for a coroutine function (``patch`` of
one, an attribute of a spec or wrapped object, ``create_autospec``, the
``__aenter__``, ``__aexit__`` and ``__anext__`` of a ``MagicMock``),
``asynctoolkit.mock`` makes the standard library's choice, an ``AsyncMock``;
this module makes asynctest's, a ``CoroutineMock``, whose return value and
attributes are ``MagicMock``.  So ``(await fetch()).json()`` is a plain call
here, as an asynctest suite expects.

The classes are subclasses of ``asynctoolkit.mock``'s (``isinstance`` checks
against those still pass) that differ only in that choice, all the way down:
the children they make are this module's classes too.  ``patch`` and
``create_autospec`` are ``asynctoolkit.mock``'s, making this module's
classes.  The other names are ``asynctoolkit.mock``'s own objects; names
asynctest never had (``AsyncMock``, ``CONTEXT``, ``seal``...) stay in
``asynctoolkit.mock``.
"""

from __future__ import annotations

from typing import Any

from asynctoolkit import mock as _mock
from asynctoolkit.mock import (
    ANY,
    DEFAULT,
    GLOBAL,
    LIMITED,
    PatchScope,
    PropertyMock,
    call,
    mock_open,
    return_once,
    sentinel,
)

# The mock package's seams for another family of classes (private to
# asynctoolkit; the same objects asynctoolkit.mock's own choices go through).
from asynctoolkit.mock._autospec import make_autospec
from asynctoolkit.mock._family import Family
from asynctoolkit.mock._patch import PatchFunctions

__all__ = [
    "ANY",
    "DEFAULT",
    "GLOBAL",
    "LIMITED",
    "CoroutineMock",
    "MagicMock",
    "Mock",
    "NonCallableMagicMock",
    "NonCallableMock",
    "PatchScope",
    "PropertyMock",
    "call",
    "create_autospec",
    "mock_open",
    "patch",
    "return_once",
    "sentinel",
]


class NonCallableMock(_mock.NonCallableMock):
    """``asynctoolkit.mock.NonCallableMock``, making ``CoroutineMock`` for coroutine functions.

    An attribute that the spec or the wrapped object says is a coroutine
    function is a ``CoroutineMock``, as in asynctest.
    """


class NonCallableMagicMock(_mock.NonCallableMagicMock, NonCallableMock):
    """A non-callable ``MagicMock`` (see ``NonCallableMock``)."""


class Mock(_mock.Mock, NonCallableMock):
    """``asynctoolkit.mock.Mock``, making ``CoroutineMock`` for coroutine functions.

    Attributes that are coroutine functions on the spec (or the wrapped
    object) are ``CoroutineMock``, as in asynctest; a ``Mock`` whose own
    spec is a coroutine function is built as a ``CoroutineMock``.
    """


class MagicMock(_mock.MagicMock, Mock):
    """``asynctoolkit.mock.MagicMock``, making ``CoroutineMock`` for coroutine functions.

    ``__aenter__``, ``__aexit__`` and ``__anext__`` are ``CoroutineMock``, so
    ``async with mock as value:`` gives a ``MagicMock``, as in asynctest.
    """


class CoroutineMock(_mock.CoroutineMock, Mock):
    """``asynctoolkit.mock.CoroutineMock``: a mock of a coroutine function, as asynctest's.

    Its return value and its attributes are this module's ``MagicMock``;
    attributes that the spec or the wrapped object says are coroutine
    functions are ``CoroutineMock``.
    """


# Inherited by the four other classes, which all derive from NonCallableMock.
NonCallableMock._atk_family = Family(
    mock=Mock,
    magic=MagicMock,
    non_callable_magic=NonCallableMagicMock,
    asynchronous=CoroutineMock,
    coroutine=CoroutineMock,
    awaitables_are_async=False,
)


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
    """``asynctoolkit.mock.create_autospec``, making this module's classes.

    Coroutine functions and methods become ``CoroutineMock``, as in asynctest.
    """
    family = NonCallableMock._atk_family
    return make_autospec(family, spec, spec_set, instance, _parent, _name, unsafe=unsafe, **kwargs)


patch = PatchFunctions(NonCallableMock._atk_family, f"{__name__}.patch")
"""``asynctoolkit.mock.patch``, whose mocks are this module's: a coroutine function
becomes a ``CoroutineMock``, as asynctest's ``patch`` did."""
