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
import atexit
import concurrent.futures
import functools
import operator
import os
import selectors
import sys
import threading
import weakref
from collections.abc import Callable, Iterable, Sequence
from itertools import filterfalse
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


def quick_lookup_selector() -> selectors.BaseSelector:
    """A new ``selectors.DefaultSelector`` whose ``get_key`` answers a descriptor quickly.

    Every selector loop registers its wake-up socket by descriptor when it is
    made: ``loop.add_reader`` first asks ``get_key``, whose KeyError comes
    through a mapping and a chained exception (about a tenth of a test loop's
    creation, ``bench/bench_case.py``).  This subclass looks a descriptor up
    in one dictionary; everything else is the base class's.

    Detail (of ``selectors``, not asyncio): ``_BaseSelectorImpl._fd_to_key``
    maps each registered descriptor to its key, and ``_map`` is None once the
    selector is closed.
    """
    return _QuickLookupSelector()


class _QuickLookupSelector(selectors.DefaultSelector):
    def get_key(self, fileobj: Any) -> selectors.SelectorKey:
        this: Any = self
        if type(fileobj) is int and fileobj >= 0 and this._map is not None:
            key: selectors.SelectorKey | None = this._fd_to_key.get(fileobj)
            if key is None:
                raise KeyError(f"{fileobj!r} is not registered")
            return key
        return super().get_key(fileobj)


class SelectorEventLoop(asyncio.SelectorEventLoop):
    """asyncio's ``SelectorEventLoop``, whose wake-up socket pair outlives it.

    Every selector loop makes a socket pair to wake itself up from other
    threads, and closes it when it closes: two sockets made, set
    non-blocking and closed for each test (``bench/bench_case.py``).  A loop
    of this class hands its pair to the next one made instead, and takes the
    pair the previous one left: at most one pair waits, and a pair is not
    handed on from a loop that had signal handlers (their numbers may still
    come through it).  A byte still in the pair only wakes the next loop
    once, for nothing, as any wake-up may.  The name is asyncio's, so that
    messages and ``repr`` read the same.

    Detail: ``BaseSelectorEventLoop._make_self_pipe``/``_close_self_pipe``
    make and close ``_ssock``/``_csock``, count them in ``_internal_fds`` and
    register ``_ssock`` for ``_read_from_self``; the Unix loop keeps its
    signal handlers in ``_signal_handlers``.
    """

    def _make_self_pipe(self) -> None:
        try:
            ssock, csock = _spare_pipes.pop()
        except IndexError:
            super()._make_self_pipe()  # type: ignore[misc]
            return
        this: Any = self
        this._ssock, this._csock = ssock, csock
        this._internal_fds += 1
        this._add_reader(ssock.fileno(), this._read_from_self)

    def _close_self_pipe(self) -> None:
        this: Any = self
        ssock = this._ssock
        if _spare_pipes or getattr(self, "_signal_handlers", None) or ssock.fileno() < 0:
            super()._close_self_pipe()  # type: ignore[misc]
            return
        this._remove_reader(ssock.fileno())
        _spare_pipes.append((ssock, this._csock))
        this._ssock = this._csock = None
        this._internal_fds -= 1


# At most one socket pair a closed loop left, for the next ``SelectorEventLoop``.
_spare_pipes: list[tuple[Any, Any]] = []


def _drop_spare_pipes() -> None:
    while _spare_pipes:
        for sock in _spare_pipes.pop():
            sock.close()


# Closed at exit (no ResourceWarning for a socket left open), and in a forked
# child, which shares the parent's sockets: never reused there.
atexit.register(_drop_spare_pipes)
if hasattr(os, "register_at_fork"):  # not on Windows, which has no fork
    os.register_at_fork(after_in_child=_drop_spare_pipes)


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


class LoopState:
    """What ``asyncio.set_event_loop`` has left in this thread (see ``current_loop_state``)."""

    # A plain class: defining a NamedTuple costs ten times as much at import.
    __slots__ = ("loop", "policy", "set_called")

    def __init__(
        self, policy: object, loop: asyncio.AbstractEventLoop | None, set_called: object
    ) -> None:
        self.policy = policy
        self.loop = loop
        self.set_called = set_called


def current_loop_state() -> LoopState:
    """The current event loop of this thread, and whether one was ever set.

    Detail: the module global ``asyncio.events._event_loop_policy`` (None
    until a policy is first used) and the default policy's thread-local
    ``_local`` with ``_loop`` and ``_set_called``.  ``_set_called`` decides
    what ``asyncio.get_event_loop()`` does when no loop is set (before 3.14:
    create one in the main thread only if ``set_event_loop`` was never
    called), so a test that sets and unsets its loop must put both back.
    """
    policy = getattr(_events, "_event_loop_policy", None)
    local = getattr(policy, "_local", None)
    return LoopState(policy, getattr(local, "_loop", None), getattr(local, "_set_called", None))


def enter_loop(loop: asyncio.AbstractEventLoop | None) -> LoopState:
    """``asyncio.set_event_loop(loop)``; returns what was there before, for ``restore_loop_state``.

    A test makes its loop current and puts back the previous state after it:
    this does both halves of the first step at a lower cost per test
    (``bench/bench_case.py``).  Under the default policy it sets the two
    attributes ``set_event_loop`` sets, and where no policy exists yet it
    installs a default policy itself, as ``set_event_loop`` would, without
    ``get_event_loop_policy()``'s lock and import: the one the previous test
    dropped (``restore_loop_state``), given a new thread-local state, when
    nothing else was set on it, so that it is as a new one.  Any other policy (a
    custom one, or a default one watching child processes) gets the public
    call.  Detail: those of ``current_loop_state``, and the Unix default
    policy's ``_watcher`` (its ``set_event_loop`` attaches the loop to a child
    watcher, when one was set).
    """
    policy: Any = getattr(_events, "_event_loop_policy", None)
    if policy is None:
        before = _NO_POLICY
        if _DEFAULT_POLICY_FAST:
            if _spare_policies:
                # The one the previous test dropped, as new (see restore_loop_state).
                policy = _spare_policies.pop()
                policy._local = policy._Local()
            else:
                policy = _DEFAULT_POLICY()
            _events._event_loop_policy = policy
    else:
        local = getattr(policy, "_local", None)
        before = LoopState(
            policy, getattr(local, "_loop", None), getattr(local, "_set_called", None)
        )
    if type(policy) is _DEFAULT_POLICY and _DEFAULT_POLICY_FAST and policy._watcher is None:
        local = policy._local
        local._set_called = True
        local._loop = loop
    else:
        asyncio.set_event_loop(loop)
    return before


def restore_loop_state(state: LoopState) -> None:
    """Put back exactly what ``current_loop_state()`` returned (same thread).

    A later ``asyncio.get_event_loop()`` then behaves as if nothing had
    happened in between.  Under a policy of another shape (a custom one),
    only the loop itself is put back, with ``asyncio.set_event_loop``.
    """
    policy: Any = getattr(_events, "_event_loop_policy", None)
    local = getattr(policy, "_local", None)
    if state.policy is None and type(policy) is _DEFAULT_POLICY:
        # No policy existed: set_event_loop() made a default one, which goes
        # again (unittest's own tests check that a test leaves none behind).
        _events._event_loop_policy = None
        if (
            _DEFAULT_POLICY_FAST
            and not _spare_policies
            and vars(policy).keys() == _POLICY_ATTRIBUTES
            and policy._watcher is None
        ):
            # Nothing set on it but what a new one has: the next enter_loop
            # gives it a new thread-local state and installs it again.
            _spare_policies.append(policy)
    elif policy is state.policy and local is not None and state.set_called is not None:
        local._loop = state.loop
        local._set_called = state.set_called
    else:
        asyncio.set_event_loop(state.loop)


_events: Any = asyncio.events


_DEFAULT_POLICY: Any = asyncio.DefaultEventLoopPolicy
_NO_POLICY = LoopState(None, None, None)


def _default_policy_shape() -> bool:
    """Does a new default policy hold what ``enter_loop`` sets, as ``set_event_loop`` sets it?"""
    if not hasattr(_events, "_event_loop_policy"):
        return False
    policy = _DEFAULT_POLICY()
    if getattr(policy, "_watcher", False) is not None:  # not the Unix policy (Windows)
        return False
    marker = object()
    local = policy._local
    return (
        getattr(local, "_loop", marker) is None and getattr(local, "_set_called", marker) is False
    )


#: True where ``enter_loop`` may set the default policy's attributes itself.
_DEFAULT_POLICY_FAST = _default_policy_shape()
#: The attributes of a new default policy (its thread-local state, its child watcher).
_POLICY_ATTRIBUTES = frozenset({"_local", "_watcher"})
#: At most one default policy a test dropped, for the next (see ``enter_loop``).
_spare_policies: list[Any] = []


def custom_policy() -> Any:
    """The event loop policy a user installed, or None for the default one.

    None also where policies are deprecated (Python 3.14 and later): loops
    are no longer taken from a policy there.  Detail: the module global
    ``asyncio.events._event_loop_policy``, read without creating a policy
    (and without 3.14's deprecation warning).
    """
    if sys.version_info >= (3, 14):
        return None
    policy = getattr(asyncio.events, "_event_loop_policy", None)
    if policy is None or type(policy) is _DEFAULT_POLICY:
        return None
    return policy


def shutdown_needed(loop: asyncio.AbstractEventLoop) -> tuple[bool, bool]:
    """(``has_async_generators(loop)``, whether ``loop`` made its default executor).

    Asked when every test loop closes (per-test cost, ``bench/bench_case.py``).
    Detail: ``BaseEventLoop._default_executor``, None until first used;
    unknown loops answer True (the safe answer).
    """
    asyncgens = getattr(loop, "_asyncgens", None)
    return (
        True if asyncgens is None else bool(getattr(asyncgens, "data", True)),
        getattr(loop, "_default_executor", True) is not None,
    )


def has_async_generators(loop: asyncio.AbstractEventLoop) -> bool:
    """True if async generators first iterated on ``loop`` may still need closing.

    Detail: ``BaseEventLoop._asyncgens``, the weak set that
    ``shutdown_asyncgens`` empties; unknown loops answer True (safe default).
    Its ``data``, the set of weak references behind every ``WeakSet``, is
    read instead of ``len()`` (a Python method): a reference whose generator
    is gone only means one unneeded ``shutdown_asyncgens``.
    """
    asyncgens = getattr(loop, "_asyncgens", None)
    return True if asyncgens is None else bool(getattr(asyncgens, "data", True))


def default_executor_threads(loop: asyncio.AbstractEventLoop) -> list[threading.Thread] | None:
    """The worker threads of ``loop``'s default executor (empty if it has
    none yet), or None if it is not asyncio's ``ThreadPoolExecutor``.

    Detail: ``BaseEventLoop._default_executor``, None until first used, and
    ``ThreadPoolExecutor._threads``, the set of its workers.
    """
    executor = getattr(loop, "_default_executor", _UNKNOWN)
    if executor is None:
        return []
    if not isinstance(executor, concurrent.futures.ThreadPoolExecutor):
        return None
    threads = getattr(executor, "_threads", None)
    return None if threads is None else list(threads)


_UNKNOWN: Any = object()


def executor_job(thread: threading.Thread) -> tuple[Callable[..., Any], tuple[Any, ...]] | None:
    """The function and arguments a ``ThreadPoolExecutor`` worker runs now, or None.

    Detail: the worker runs ``concurrent.futures.thread._WorkItem.run``,
    whose ``self`` holds ``fn`` and ``args``: read from that frame of the
    thread's stack (``sys._current_frames``), under the GIL.
    """
    frame = sys._current_frames().get(thread.ident or 0)
    run = _work_item_run()
    while frame is not None and frame.f_code is not run:
        frame = frame.f_back
    item = frame.f_locals.get("self") if frame is not None else None
    fn, args = getattr(item, "fn", None), getattr(item, "args", None)
    return (fn, args) if callable(fn) and isinstance(args, tuple) else None


@functools.cache
def _work_item_run() -> Any:
    # On first need: a run that never closes a loop with a default executor
    # does not import concurrent.futures.thread (about a millisecond).
    import concurrent.futures.thread

    run = getattr(getattr(concurrent.futures.thread, "_WorkItem", None), "run", None)
    return getattr(run, "__code__", None)


def default_executor_shutdown(loop: asyncio.AbstractEventLoop) -> None:
    """Shut ``loop``'s default executor down without waiting for its jobs.

    Detail: ``BaseEventLoop._default_executor``, as ``default_executor_threads``.
    """
    executor = getattr(loop, "_default_executor", None)
    if executor is not None:
        executor.shutdown(wait=False)


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


def never_retrieved(tasks: Iterable[asyncio.Task[Any]]) -> list[asyncio.Task[Any]]:
    """The ``tasks`` for which ``exception_never_retrieved`` is true, picked by C code.

    For a test's every task (10,000 in a crowd): a Python call per task cost
    more than the rest of the check.  Every task must be an ``asyncio.Future``.
    """
    return list(filter(_LOG_TRACEBACK, tasks))


_LOG_TRACEBACK = operator.attrgetter("_log_traceback")


def forget_pending_task(task: asyncio.Task[Any]) -> None:
    """Drop a task that ignored its cancellation, without "Task was destroyed" later.

    The checks already reported it; that line would otherwise appear in the
    middle of a later test when the task is collected.  Its coroutine is left
    as it is: closing it now would let a later wake-up fail the task again.

    Detail: ``Task._log_destroy_pending`` (C and Python tasks), read by
    ``Task.__del__``.
    """
    task._log_destroy_pending = False  # type: ignore[attr-defined]


def cancel_requested(task: asyncio.Task[Any]) -> bool:
    """True if something asked ``task`` to cancel and it has not finished since.

    Public ``Task.cancelling()`` from Python 3.11.  Detail, on 3.10 only:
    ``Task._must_cancel`` (a request not yet delivered), or the future the
    task waits on was cancelled; a request the task already caught is not seen.
    """
    cancelling = getattr(task, "cancelling", None)
    if cancelling is not None:
        return bool(cancelling())
    if getattr(task, "_must_cancel", False):
        return True
    waiter = task_waiter(task)
    return waiter is not None and waiter.cancelled()


def compact_task_registry() -> bool:
    """Give the process's set of all tasks back the size its live tasks need.

    ``asyncio.all_tasks()`` walks that whole set; once a test has had
    thousands of tasks alive, the set keeps their room for the rest of the
    process, and every later ``all_tasks()`` costs ten times more (about
    35 µs instead of 2.5 µs after 10,000 tasks: ``bench/bench_case.py``).
    Returns True if it compacted.  Called after every test: a set of the
    usual size costs one size check.

    Detail: the registry is ``asyncio.tasks._scheduled_tasks`` (Python 3.12+)
    or ``asyncio.tasks._all_tasks`` (3.10, 3.11), a ``weakref.WeakSet`` whose
    ``data`` is a plain set of weak references that never shrinks on its own;
    ``set.clear()`` gives a set its smallest table back.  Skipped while the
    WeakSet is being iterated or has removals pending.
    """
    data = _REGISTRY_DATA
    if data is None or _getsizeof(data) < _COMPACT_FROM:
        return False
    if _getsizeof(data) < 8 * _getsizeof(set(range(len(data) + 1))):
        return False
    registry = _REGISTRY
    if getattr(registry, "_pending_removals", None) or getattr(registry, "_iterating", None):
        return False
    live = set(data)
    data.clear()
    data.update(live)
    return True


def maybe_live_tasks() -> bool:
    """False when no task is alive in the whole process, True when some may be.

    When it says False, ``asyncio.all_tasks(loop)`` is empty for every loop,
    and a check of leftover tasks has nothing to look at: after most tests
    the test's own task is gone, and this answers without walking the set
    of all tasks (``bench/bench_case.py``).  True where the registry has
    another shape (then ``all_tasks`` must be asked).

    Detail: the registry of ``compact_task_registry`` holds every task not
    yet collected (a dead entry is removed at once, or soon after an
    iteration); Python 3.12+ also keeps the tasks running their first step
    eagerly in the set ``asyncio.tasks._eager_tasks``.
    """
    return bool(_REGISTRY_DATA) or bool(_EAGER_TASKS) or _REGISTRY_DATA is None


def pending_tasks(loop: asyncio.AbstractEventLoop) -> set[asyncio.Task[Any]]:
    """``asyncio.all_tasks(loop)``: the tasks of ``loop`` not done yet, found faster.

    ``all_tasks`` runs Python code for each task alive in the process, done
    or not; after a test that made 10,000 tasks, they are all still alive
    when its checks look (about 250 ns each).  Here C code follows the weak
    references and drops the finished tasks; only the pending ones are
    looked at in Python.

    Detail: the registry's ``data`` (see ``compact_task_registry``) is read
    directly (a copy first: collecting a task removes its entry), and on
    3.12+ the tasks running their first step eagerly are added, as
    ``all_tasks`` does.  Any other shape: ``asyncio.all_tasks(loop)``.
    """
    data = _REGISTRY_DATA
    if data is None:
        return asyncio.all_tasks(loop)
    # As all_tasks: the eager ones first (one may leave that set for the
    # registry meanwhile, in another thread).
    eager = list(_EAGER_TASKS) if _EAGER_TASKS else []
    try:
        live = filter(None, map(_follow, list(data)))
        pending = {task for task in filterfalse(_done, live) if _loop_of(task) is loop}
        pending.update(t for t in eager if _loop_of(t) is loop and not t.done())
    except AttributeError:  # a task-like object without done(): asyncio's own way
        return asyncio.all_tasks(loop)
    return pending


def _loop_of(task: Any) -> Any:
    # As asyncio.futures._get_loop: get_loop(), else the _loop attribute.
    get_loop = getattr(task, "get_loop", None)
    return get_loop() if get_loop is not None else task._loop


_follow = weakref.ref.__call__
_done = operator.methodcaller("done")


def _task_registry() -> tuple[Any, set[Any] | None, set[Any]]:
    registry = getattr(asyncio.tasks, "_scheduled_tasks", None)
    if registry is None:
        registry = getattr(asyncio.tasks, "_all_tasks", None)
    data = getattr(registry, "data", None)
    eager = getattr(asyncio.tasks, "_eager_tasks", None)
    if type(data) is not set or sys.version_info >= (3, 14):
        # 3.14 keeps the tasks of its C implementation in a list of its own.
        return registry, None, set()
    if eager is not None and type(eager) is not set:
        return registry, None, set()
    return registry, data, set() if eager is None else eager


# A set of about a thousand entries: below this, compacting saves nothing worth it.
_COMPACT_FROM = 32 * 1024
_REGISTRY, _REGISTRY_DATA, _EAGER_TASKS = _task_registry()
_getsizeof = sys.getsizeof
