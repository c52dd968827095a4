"""The private asyncio details asynctoolkit depends on, each in one place.

asyncio offers no public way to see what a loop has queued, which callbacks a
selector loop registered for a file object, or which future a task waits on.
The checks, the helpers, the selector mocks and the clock need exactly that,
so every such access lives here, behind a function with a comment saying what
it reads.  ``tests/shared/test_asyncio_details.py`` exercises each function on every
supported Python, so an upgrade that moves one of these details fails there
first, with the name of the detail, instead of somewhere deep in a check.

Other modules may add functions here (one per detail, documented the same
way); nothing outside this module touches an underscored asyncio attribute.
"""

from __future__ import annotations

import asyncio
import selectors
from collections.abc import Callable, Sequence
from typing import Any

__all__: list[str] = []


def ready_handles(loop: asyncio.AbstractEventLoop) -> Sequence[asyncio.Handle]:
    """The callbacks the loop will run on its next iteration, in order.

    Detail: ``BaseEventLoop._ready`` is the deque of ready ``Handle`` objects
    (cancelled ones included, they are skipped when popped).
    """
    ready: Sequence[asyncio.Handle] = getattr(loop, "_ready", ())
    return ready


def scheduled_timers(loop: asyncio.AbstractEventLoop) -> Sequence[asyncio.TimerHandle]:
    """The loop's timers, as a heap (the first is the next due, others unordered).

    Detail: ``BaseEventLoop._scheduled`` is a heap of ``TimerHandle``; cancelled
    timers may stay in it until the loop drops them.
    """
    timers: Sequence[asyncio.TimerHandle] = getattr(loop, "_scheduled", ())
    return timers


def loop_selector(loop: asyncio.AbstractEventLoop) -> selectors.BaseSelector | None:
    """The selector a selector event loop polls, or None for other loops.

    Detail: ``BaseSelectorEventLoop._selector``; the constructor accepts a
    selector publicly but offers no getter.
    """
    selector = getattr(loop, "_selector", None)
    if selector is None:
        return None
    # The MRO test first: the ABC's ``__instancecheck__`` runs Python code.
    mro = type(selector).__mro__
    return (
        selector
        if selectors.BaseSelector in mro or isinstance(selector, selectors.BaseSelector)
        else None
    )


def self_pipe_fd(loop: asyncio.AbstractEventLoop) -> int | None:
    """The descriptor of the loop's own wake-up socket, or None.

    Detail: ``BaseSelectorEventLoop._ssock`` is the reading end of the
    self-pipe the loop registers on its selector; it is not user I/O.
    """
    sock = getattr(loop, "_ssock", None)
    if sock is None:
        return None
    try:
        fd: int = sock.fileno()
    except OSError:  # pragma: no cover - closed loop
        return None
    return fd if fd >= 0 else None


def key_handles(
    key: selectors.SelectorKey,
) -> tuple[asyncio.Handle | None, asyncio.Handle | None]:
    """The (reader, writer) handles a selector loop stored for a registration.

    Detail: ``BaseSelectorEventLoop._add_reader``/``_add_writer`` register each
    file object with ``data=(reader_handle, writer_handle)``, either may be None.
    """
    data = key.data
    if isinstance(data, tuple) and len(data) == 2:
        reader, writer = data
        return reader, writer
    return None, None


def handle_callback(handle: asyncio.Handle) -> tuple[Callable[..., Any] | None, tuple[Any, ...]]:
    """The callback and arguments a handle will call.

    Detail: ``Handle._callback`` and ``Handle._args`` (``None`` once the handle
    is cancelled).
    """
    return getattr(handle, "_callback", None), tuple(getattr(handle, "_args", None) or ())


def add_ready_handle(loop: asyncio.AbstractEventLoop, handle: asyncio.Handle) -> None:
    """Queue an existing handle to run on the next iteration, as the selector would.

    Detail: ``BaseEventLoop._add_callback`` is how ``_process_events`` queues
    the handles of a ready file object; reusing it keeps the handle's context
    and lets ``remove_reader`` cancel a queued run, exactly as for real I/O.
    """
    add_callback: Callable[[asyncio.Handle], None] = loop._add_callback  # type: ignore[attr-defined]
    add_callback(handle)


def drop_maker_frame(handle: asyncio.Handle) -> None:
    """Make a handle's debug-mode creation stack end at the caller of its maker.

    Detail: in debug mode ``Handle.__init__`` records where the handle was made
    in ``_source_traceback`` (a ``StackSummary``, newest frame last; error
    reports and ``repr`` show it), and ``call_at``/``call_later`` each delete
    their own frame from it so that it ends at the user's line.  The virtual
    clock's ``call_at``/``call_later`` make their handles themselves and do
    the same.
    """
    frames = getattr(handle, "_source_traceback", None)
    if frames:
        del frames[-1]


def task_waiter(task: asyncio.Task[Any]) -> asyncio.Future[Any] | None:
    """The future a pending task is blocked on, if any.

    Detail: ``Task._fut_waiter`` (both the C and the Python task).
    """
    waiter: asyncio.Future[Any] | None = getattr(task, "_fut_waiter", None)
    return waiter


def current_event_loop() -> asyncio.AbstractEventLoop | None:
    """The loop set with ``asyncio.set_event_loop`` in this thread, without creating one.

    Detail: ``asyncio.events._event_loop_policy`` (None until a policy is
    first used) and the default policy's thread-local ``_local._loop``.
    ``asyncio.get_event_loop()`` would create a loop (or warn, or raise,
    depending on the version) when none is set; the TestCase only wants to
    restore whatever was there.
    """
    policy = getattr(asyncio.events, "_event_loop_policy", None)
    local = getattr(policy, "_local", None)
    loop: asyncio.AbstractEventLoop | None = getattr(local, "_loop", None)
    return loop


def has_async_generators(loop: asyncio.AbstractEventLoop) -> bool:
    """True if async generators first iterated on ``loop`` may still need closing.

    Detail: ``BaseEventLoop._asyncgens``, the weak set that
    ``shutdown_asyncgens`` empties; unknown loops answer True (safe default).
    """
    asyncgens = getattr(loop, "_asyncgens", None)
    return True if asyncgens is None else len(asyncgens) > 0


def has_default_executor(loop: asyncio.AbstractEventLoop) -> bool:
    """True if ``loop`` created its default executor (so it has threads to join).

    Detail: ``BaseEventLoop._default_executor``, None until first used;
    unknown loops answer True (safe default).
    """
    if not hasattr(loop, "_default_executor"):
        return True
    return getattr(loop, "_default_executor", None) is not None


#: Run a handle's callback now, exactly as the loop runs a ready handle.
#:
#: Detail: ``Handle._run`` calls the callback in the handle's context and
#: passes any exception (but SystemExit and KeyboardInterrupt, which
#: propagate) to the loop's exception handler.  The virtual clock runs the
#: timers of consecutive instants this way within one loop iteration; the
#: method itself, not a wrapper, because it runs once per timer.
run_handle: Callable[[asyncio.Handle], None] = asyncio.Handle._run


def exception_never_retrieved(task: asyncio.Future[Any]) -> bool:
    """True if ``task`` ended with an exception nobody has looked at yet.

    Detail: ``Future._log_traceback`` (C and Python futures), set when the
    exception is stored and cleared by ``result()``/``exception()``; the
    future logs "exception was never retrieved" when collected while it is set.
    """
    return bool(getattr(task, "_log_traceback", False))
