"""Which classes one import path's automatic choices make: a ``Family``.

``asynctoolkit.mock`` makes the standard library's choices (``_classes``
defines its family, ``STANDARD_FAMILY``); the asynctest compatibility layer
makes asynctest's, with subclasses of the same classes naming a family of
their own.  Mock classes find theirs in their ``_atk_family`` class
attribute; ``patch`` and ``create_autospec`` are given one.
"""

from __future__ import annotations

import inspect
from typing import Any

from asynctoolkit.mock._support import is_coroutine_function, is_mock

__all__ = ["Family", "family_of"]


class Family:
    """The classes that one import path's automatic choices make.

    Each mock class names its family (``_atk_family``, inherited); its
    children, ``patch`` and ``create_autospec`` pick from it.  Two exist:
    ``asynctoolkit.mock``'s (``STANDARD_FAMILY``: the standard library's
    choices, an ``AsyncMock`` for a coroutine function) and the asynctest
    layer's (its subclasses, a ``CoroutineMock`` for a coroutine function).
    """

    # A plain class, not a dataclass: making one costs an import a millisecond.
    __slots__ = (
        "asynchronous",
        "awaitables_are_async",
        "coroutine",
        "magic",
        "mock",
        "non_callable_magic",
    )

    #: The callable counterparts of non-callable mocks (their children).
    mock: type
    magic: type
    #: What ``patch`` and ``create_autospec`` make for a non-callable spec.
    non_callable_magic: type
    #: Made automatically for a coroutine function.
    asynchronous: type
    #: What a ``CoroutineMock`` makes for its attributes that are coroutine functions.
    coroutine: type
    #: Whether an awaitable spec (``Mock(spec=future)``) or patched object
    #: counts as asynchronous, as in unittest.mock (asynctest judged only
    #: coroutine functions).
    awaitables_are_async: bool

    def __init__(
        self,
        *,
        mock: type,
        magic: type,
        non_callable_magic: type,
        asynchronous: type,
        coroutine: type,
        awaitables_are_async: bool,
    ) -> None:
        fields = {
            "mock": mock,
            "magic": magic,
            "non_callable_magic": non_callable_magic,
            "asynchronous": asynchronous,
            "coroutine": coroutine,
            "awaitables_are_async": awaitables_are_async,
        }
        for name, value in fields.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"a Family is fixed once made: cannot set {name!r}")

    def __repr__(self) -> str:
        return f"<Family: {self.asynchronous.__name__} for coroutine functions>"

    def is_async(self, obj: object) -> bool:
        """Whether a spec or the object a patch replaces gets ``asynchronous``.

        Mocks count only if they stand for a coroutine function (as in
        unittest.mock, where only an ``AsyncMock`` counts).
        """
        if is_coroutine_function(obj):
            return True
        return self.awaitables_are_async and not is_mock(obj) and inspect.isawaitable(obj)


def family_of(mock: Any) -> Family:
    """The family of a mock (or of an autospecced function's mock)."""
    family: Family = type(mock)._atk_family
    return family
