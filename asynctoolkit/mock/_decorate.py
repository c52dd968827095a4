"""Applying patches around a decorated function, coroutine, generator or async generator.

Every call of a decorated function gets its own patches (its own mocks), made
when the call starts running, which for a coroutine or generator is its
first step, not the call that creates it.  Per scope:

* GLOBAL: applied from the first step until the function returns or raises,
  including while it is suspended;
* CONTEXT: the same span, but visible only in the context running the first
  step (the task) and in contexts copied from it;
* LIMITED: applied only while the coroutine or generator itself executes: it
  is driven step by step and the patches are switched on before each step and
  off at each suspension, so concurrent tasks see the originals.  The mocks
  stay the same across the steps of one call.  On a plain function LIMITED is
  the same as GLOBAL.
"""

from __future__ import annotations

import enum
import functools
import inspect
from collections.abc import AsyncGenerator, Callable, Coroutine, Generator, Iterable
from typing import Any, Protocol

__all__ = ["PatchScope"]


class PatchScope(enum.Enum):
    """When a patch made by decorating a coroutine or generator (function) is visible.

    ``GLOBAL`` (the default): everywhere, from the call's first step to its end.
    ``LIMITED``: only while the decorated coroutine or generator is running, not
    while it is suspended, so concurrent tasks see the original.
    ``CONTEXT``: from the first step to the end, but only to the task that runs
    it and the tasks and callbacks it creates (they copy its context).
    As a context manager (or ``start()``), LIMITED behaves like GLOBAL.
    """

    __module__ = "asynctoolkit.mock"  # where users find it

    LIMITED = 1
    GLOBAL = 2
    CONTEXT = 3


# Attribute of a decorated function holding its patchers, innermost first, so
# that stacked decorators make one wrapper (and pass mocks in that order).
PATCHINGS = "_asynctoolkit_patchings"


class Applied(Protocol):
    """One use of a patcher, applied: it ends with ``unapply()``."""

    @property
    def result(self) -> Any:
        """What ``with`` gives (the mock or the value, the dictionary)."""
        ...

    def unapply(self) -> None: ...

    def decorator_args(self) -> tuple[list[Any], dict[str, Any]]: ...


class Active(Applied, Protocol):
    """One use of a patcher: the targets resolved, the replacements built."""

    def apply(self, in_context: bool = False) -> None: ...


class Patcher(Protocol):
    """What the decorators need from a patcher."""

    @property
    def scope(self) -> PatchScope: ...

    def begin(self) -> Active: ...

    def activate(self, in_context: bool) -> Applied:
        """``begin()`` and apply at once."""
        ...


def decorate(func: Callable[..., Any], patcher: Patcher) -> Callable[..., Any]:
    """Wrap ``func`` so each call runs under ``patcher`` (and those stacked with it)."""
    # Looked up in __dict__ (functools.wraps copies it) so a mock is not asked.
    patchings = getattr(func, "__dict__", {}).get(PATCHINGS)
    if isinstance(patchings, list):
        patchings.append(patcher)
        return func
    patchings = [patcher]
    wrapper: Callable[..., Any]
    if inspect.iscoroutinefunction(func):
        wrapper = _wrap_coroutine_function(func, patchings)
    elif inspect.isasyncgenfunction(func):
        wrapper = _wrap_async_generator_function(func, patchings)
    elif inspect.isgeneratorfunction(func):
        wrapper = _wrap_generator_function(func, patchings)
    else:
        wrapper = _wrap_function(func, patchings)
    setattr(wrapper, PATCHINGS, patchings)
    # pytest looks for ``patchings`` (unittest.mock's name) to leave the mock
    # arguments out of the fixtures it resolves.
    setattr(wrapper, "patchings", patchings)  # noqa: B010
    return wrapper


def run_all(action: Callable[[Any], object], items: Iterable[Any]) -> None:
    """Apply ``action`` to every item even if some fail; then raise the first failure."""
    failure: BaseException | None = None
    for item in items:
        try:
            action(item)
        except BaseException as exc:
            if failure is None:
                failure = exc
    if failure is not None:
        raise failure


class _Run:
    """The patches of one call of a decorated function."""

    def __init__(self, patchings: list[Patcher], stepwise: bool) -> None:
        self._patchings = patchings
        self._stepwise = stepwise  # LIMITED patches switch per step
        self._started: list[Applied] = []
        self._limited: list[Active] = []

    def begin(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, Any]:
        """Start the patches; returns the arguments to call the function with."""
        extra: list[Any] = []
        try:
            for patcher in self._patchings:
                scope = patcher.scope
                applied: Applied
                if scope is PatchScope.LIMITED and self._stepwise:
                    active = patcher.begin()
                    self._limited.append(active)
                    applied = active
                else:
                    applied = patcher.activate(scope is PatchScope.CONTEXT)
                    self._started.append(applied)
                more_args, more_kwargs = applied.decorator_args()
                extra += more_args
                if more_kwargs:
                    kwargs = {**kwargs, **more_kwargs}
        except BaseException:
            self.end()
            raise
        return (*args, *extra), kwargs

    @property
    def stepwise(self) -> bool:
        return bool(self._limited)

    def activate(self) -> None:
        """Before a step: apply the LIMITED patches."""
        applied: list[Active] = []
        try:
            for active in self._limited:
                active.apply()
                applied.append(active)
        except BaseException:
            run_all(_unapply, reversed(applied))
            raise

    def deactivate(self) -> None:
        """At a suspension: remove the LIMITED patches."""
        run_all(_unapply, reversed(self._limited))

    def end(self) -> None:
        """Stop every patch of the call, even if stopping one fails."""
        limited, self._limited = self._limited, []
        started, self._started = self._started, []
        if not limited and len(started) == 1:  # the common case: one patch
            started[0].unapply()
        else:
            run_all(_unapply, [*reversed(limited), *reversed(started)])


def _unapply(active: Applied) -> None:
    active.unapply()


def _wrap_function(func: Callable[..., Any], patchings: list[Patcher]) -> Callable[..., Any]:
    @functools.wraps(func)
    def patched(*args: Any, **kwargs: Any) -> Any:
        run = _Run(patchings, stepwise=False)
        args, kwargs = run.begin(args, kwargs)
        try:
            return func(*args, **kwargs)
        finally:
            run.end()

    return patched


def _wrap_coroutine_function(
    func: Callable[..., Coroutine[Any, Any, Any]], patchings: list[Patcher]
) -> Callable[..., Coroutine[Any, Any, Any]]:
    @functools.wraps(func)
    async def patched(*args: Any, **kwargs: Any) -> Any:
        run = _Run(patchings, stepwise=True)
        args, kwargs = run.begin(args, kwargs)
        try:
            if run.stepwise:
                return await _Stepped(func(*args, **kwargs), run)
            return await func(*args, **kwargs)
        finally:
            run.end()

    return patched


def _wrap_generator_function(
    func: Callable[..., Generator[Any, Any, Any]], patchings: list[Patcher]
) -> Callable[..., Generator[Any, Any, Any]]:
    @functools.wraps(func)
    def patched(*args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
        run = _Run(patchings, stepwise=True)
        args, kwargs = run.begin(args, kwargs)
        try:
            generator = func(*args, **kwargs)
            if run.stepwise:
                return (yield from _drive(generator, run))
            return (yield from generator)
        finally:
            run.end()

    return patched


def _wrap_async_generator_function(
    func: Callable[..., AsyncGenerator[Any, Any]], patchings: list[Patcher]
) -> Callable[..., AsyncGenerator[Any, Any]]:
    @functools.wraps(func)
    async def patched(*args: Any, **kwargs: Any) -> AsyncGenerator[Any, Any]:
        run = _Run(patchings, stepwise=True)
        args, kwargs = run.begin(args, kwargs)
        try:
            generator = func(*args, **kwargs)
            step: Any = generator.asend(None)
            while True:
                try:
                    item = await (_Stepped(step, run) if run.stepwise else step)
                except StopAsyncIteration:
                    return
                try:
                    sent = yield item
                except GeneratorExit:
                    closing = generator.aclose()
                    await (_Stepped(closing, run) if run.stepwise else closing)
                    raise
                except BaseException as exc:
                    step = generator.athrow(exc)
                else:
                    step = generator.asend(sent)
        finally:
            run.end()

    return patched


class _Stepped:
    """Await a coroutine-like object step by step, LIMITED patches on during steps."""

    __slots__ = ("_inner", "_run")

    def __init__(self, inner: Any, run: _Run) -> None:
        self._inner = inner
        self._run = run

    def __await__(self) -> Generator[Any, Any, Any]:
        return _drive(self._inner, self._run)


def _drive(inner: Any, run: _Run) -> Generator[Any, Any, Any]:
    """Forward sends, throws and close to ``inner`` (coroutine or generator),
    applying the LIMITED patches of ``run`` around each of its steps."""
    value: Any = None
    error: BaseException | None = None
    while True:
        run.activate()
        try:
            yielded = inner.send(value) if error is None else inner.throw(error)
        except StopIteration as stop:
            return stop.value
        finally:
            run.deactivate()
        value = error = None
        try:
            value = yield yielded
        except GeneratorExit:
            run.activate()
            try:
                inner.close()
            finally:
                run.deactivate()
            raise
        except BaseException as exc:
            error = exc
