"""Text for failure messages: tasks with their await chains, callbacks, timers.

Every check and every "nothing can wake up" error prints what it found with
these functions, so a person reading a failure sees the same shapes
everywhere: a task as its name, the coroutine it runs and where it is
suspended, one line per frame of its await chain.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import os
import reprlib
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import CodeType, CoroutineType, FrameType, GeneratorType
from typing import Any

from asynctoolkit._shared import asyncio_details

__all__: list[str] = []

_repr = reprlib.Repr()
_repr.maxstring = 80
_repr.maxother = 80
#: A partial of a partial of ... is unwrapped this many levels at most.
_PARTIAL_DEPTH = 100

#: Where a task was created: the creating frame's code and instruction
#: offset (``f_lasti``), turned into ``file:line`` only for a report.
Site = tuple[CodeType, int]

#: Where each task was created.  The checks' task factory fills in a book per
#: running test: the test's own tasks (held until its checks let them go: see
#: ``Watch.created``), each with the index of its site in the book's list of
#: sites, or -1 if the test machinery made it.  The books of the tests running
#: now are listed here.  (An index, not the site: a tuple per task would be one
#: more object for the garbage collector to count, which in a crowd of tasks
#: meant more collections.)
live_sites: list[tuple[Mapping[asyncio.Task[Any], int], Sequence[Site]]] = []
#: The sites of tasks still pending when their test let its tasks go; weak,
#: so no task is kept alive by it.
creation_sites: weakref.WeakKeyDictionary[asyncio.Task[Any], Site] = weakref.WeakKeyDictionary()


def creation_site(task: asyncio.Task[Any]) -> str | None:
    """Where ``task`` was created, as ``file:line``, if the checks recorded it.

    Written out only here, for a task a report names: recording a site costs
    a lookup of the creating frame and nothing more.
    """
    site: Site | None = None
    for book, sites in live_sites[::-1]:  # a copy: tests in other threads come and go
        index = book.get(task)
        if index is not None:
            site = sites[index] if index >= 0 else None
            break
    else:
        site = creation_sites.get(task)
    if site is None:
        return None
    code, offset = site
    return f"{short_path(code.co_filename)}:{line_at(code, offset)}"


def line_at(code: CodeType, offset: int) -> int:
    """The line of the instruction at ``offset`` in ``code`` (as ``f_lineno`` reads it)."""
    for start, end, line in code.co_lines():
        if start <= offset < end:
            return line if line is not None else code.co_firstlineno
    return code.co_firstlineno


def short_path(path: str) -> str:
    """A path relative to the working directory when it is below it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # pragma: no cover - other drive on Windows
        return path
    return path if rel.startswith("..") else rel


def _frame_line(frame: FrameType) -> str:
    code = frame.f_code
    return f"{short_path(code.co_filename)}:{frame.f_lineno} in {code.co_name}"


def await_chain(awaitable: object, limit: int = 30) -> list[str]:
    """One line per suspended frame, outermost first, following ``cr_await``."""
    lines: list[str] = []
    current: object = awaitable
    while current is not None and len(lines) < limit:
        if isinstance(current, CoroutineType):
            frame, current = current.cr_frame, current.cr_await
        elif isinstance(current, GeneratorType):
            frame, current = current.gi_frame, current.gi_yieldfrom
        elif inspect.isasyncgen(current):
            frame, current = current.ag_frame, current.ag_await
        else:
            # A future's own iterator says nothing the "waiting for" line does not.
            if not isinstance(current, asyncio.Future) and not type(current).__name__.endswith(
                "FutureIter"
            ):
                lines.append(f"awaiting {_repr.repr(current)}")
            break
        if frame is None:
            break
        lines.append(_frame_line(frame))
    return lines


def describe_future(future: asyncio.Future[Any]) -> str:
    """A one-line description of what a task is blocked on."""
    if isinstance(future, asyncio.Task):
        return f"task {future.get_name()!r} ({coroutine_name(future.get_coro())})"
    state = "cancelled" if future.cancelled() else "done" if future.done() else "pending"
    return f"a {state} {type(future).__name__}"


def coroutine_name(coro: object) -> str:
    """The qualified name of a coroutine (or of what a task runs)."""
    name = getattr(coro, "__qualname__", None) or type(coro).__name__
    return f"{name}()"


def describe_task(task: asyncio.Task[Any], indent: str = "  ") -> str:
    """A task, where it was created, and its await chain, over several lines."""
    coro = task.get_coro()
    head = f"task {task.get_name()!r} running {coroutine_name(coro)}"
    site = creation_site(task)
    if site:
        head += f", created at {site}"
    lines = [head]
    if task.done():
        lines.append(f"{indent}(done)")
        return "\n".join(lines)
    chain = await_chain(coro)
    lines.extend(f"{indent}{line}" for line in chain)
    waiter = asyncio_details.task_waiter(task)
    if waiter is not None:
        lines.append(f"{indent}waiting for {describe_future(waiter)}")
    elif not chain:
        lines.append(f"{indent}(not started yet)")
    return "\n".join(lines)


def describe_tasks(tasks: Iterable[asyncio.Task[Any]]) -> str:
    """Every task of ``tasks`` with its await chain, one block each, by name."""
    blocks = [describe_task(t) for t in sorted(tasks, key=lambda t: t.get_name())]
    return "\n".join(blocks) if blocks else "(no task)"


def describe_callback(callback: Callable[..., Any] | None, args: tuple[Any, ...] = ()) -> str:
    """A callback with its arguments, as ``module.function(arg, ...)``."""
    if callback is None:
        return "<cancelled callback>"
    func, args = unwrap_partial(callback, args)
    # Only dunder attributes are read below: a mock answers those with
    # AttributeError instead of creating a child.
    self_obj = getattr(func, "__self__", None)
    if self_obj is not None and isinstance(self_obj, asyncio.Task):
        return f"wake-up of {describe_task(self_obj).splitlines()[0]}"
    qualname = getattr(func, "__qualname__", None)
    name = qualname or _repr.repr(func)
    module = getattr(func, "__module__", None) if qualname else None  # a repr names its own
    if module and module not in ("builtins",):
        name = f"{module}.{name}"
    rendered = ", ".join(_repr.repr(a) for a in args)
    where = ""
    code = getattr(func, "__code__", None)
    if code is not None:
        where = f" defined at {short_path(code.co_filename)}:{code.co_firstlineno}"
    return f"{name}({rendered}){where}"


def unwrap_partial(
    func: Callable[..., Any], args: tuple[Any, ...] = ()
) -> tuple[Callable[..., Any], tuple[Any, ...]]:
    """The function a ``functools.partial`` (nested or not) calls, with all its arguments.

    Tested by type, never by attribute: every ``MagicMock`` has ``.func`` and
    ``.args`` (each read creates a new child mock, so following them never
    ends), and a mock with a spec passes ``isinstance``.
    """
    for _ in range(_PARTIAL_DEPTH):
        if functools.partial not in type(func).__mro__:
            break
        partial: functools.partial[Any] = func  # type: ignore[assignment]
        func, args = partial.func, (*partial.args, *args)
    return func, args


def describe_handle(handle: asyncio.Handle) -> str:
    """A handle's callback, with its due time for a timer."""
    callback, args = asyncio_details.handle_callback(handle)
    text = describe_callback(callback, args)
    if isinstance(handle, asyncio.TimerHandle):
        text = f"at t={handle.when():.6g}: {text}"
    return text
