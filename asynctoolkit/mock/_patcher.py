"""What every patch object does: context manager, decorator, start and stop.

``_patch`` (attributes) and ``_patch_dict`` (dictionaries) make the patch
objects; each ``begin()`` resolves the target and builds one use of the
patch, which ``_decorate`` or ``with`` applies.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

from asynctoolkit.mock._decorate import Active, Applied, PatchScope, decorate
from asynctoolkit.mock._describe import safe_repr
from asynctoolkit.mock._support import started_patches

if TYPE_CHECKING:
    from asynctoolkit.mock._patch import PatchFunctions

__all__: list[str] = []

_Class = TypeVar("_Class", bound=type)
_Result = TypeVar("_Result")


class BasePatcher(abc.ABC):
    """What every patch object does: context manager, decorator, start/stop."""

    def __init__(self, scope: PatchScope, functions: PatchFunctions) -> None:
        if not isinstance(scope, PatchScope):
            raise ValueError(
                f"scope must be GLOBAL, LIMITED or CONTEXT "
                f"(asynctoolkit.mock.PatchScope), got {safe_repr(scope)}"
            )
        self.scope = scope
        # The patch object that made this one (its family, its TEST_PREFIX).
        self._functions = functions
        # Uses entered by `with` or start() and not left yet, innermost last.
        self._entered: list[Applied] = []
        # What pytest reads on a decorated test (its ``patchings``) to tell the
        # mock it passes positionally from fixtures, as for unittest.mock's
        # patch: ``attribute_name`` None and ``new`` DEFAULT mean one argument.
        self.attribute_name: str | None = "patch"
        self.new: Any = None

    @abc.abstractmethod
    def begin(self) -> Active:
        """Resolve the target and build the replacement: one use of the patch."""

    def activate(self, in_context: bool) -> Applied:
        """``begin()``, then apply that use at once (all but a LIMITED decorator's steps)."""
        active = self.begin()
        active.apply(in_context=in_context)
        return active

    def __enter__(self) -> Any:
        active = self.activate(self.scope is PatchScope.CONTEXT)
        self._entered.append(active)
        return active.result

    def __exit__(self, *exc_info: object) -> Literal[False]:
        if not self._entered:
            raise RuntimeError(f"{self!r} is not active: it was never entered, or already left")
        self._entered.pop().unapply()
        return False

    def start(self) -> Any:
        """Apply the patch until ``stop()`` (or ``patch.stopall()``); returns the mock."""
        result = self.__enter__()
        started_patches().append(self)  # shared with unittest.mock: see stopall
        return result

    def stop(self) -> None:
        """Undo the most recent ``start()`` of this patch; does nothing if it is not started."""
        started = started_patches()
        for index in range(len(started) - 1, -1, -1):
            if started[index] is self:
                del started[index]
                self.__exit__(None, None, None)
                return

    @overload
    def __call__(self, func: _Class) -> _Class: ...

    @overload
    def __call__(self, func: Callable[..., _Result]) -> Callable[..., _Result]: ...

    def __call__(self, func: Any) -> Any:
        """Decorate a test class (its ``test*`` methods) or a function of any kind.

        A decorated function takes the mocks the patch makes as extra
        arguments (after its own), so its signature changes: for type
        checkers it keeps its return type and accepts any arguments.
        """
        if isinstance(func, type):
            for name in dir(func):
                if not name.startswith(self._functions.TEST_PREFIX):
                    continue
                value = getattr(func, name)
                if callable(value):
                    setattr(func, name, decorate(value, self))
            return func
        if not callable(func):
            raise TypeError(
                f"a patch decorates a function, coroutine function, generator function or "
                f"class; got {safe_repr(func)}"
            )
        return decorate(func, self)
