"""The channel of ``rpc.connect``: a ``grpc.aio.Channel`` whose RPCs reach servicers in memory.

Each RPC is a ``Link`` between the call object the caller gets and a run of
the servicer's handler (``_handlers.run_rpc``).  A unary-unary call runs its
handler inline in the task that awaits it (``_inline``); other shapes run it
in a task of their own, and plain functions in a worker thread of the
channel's own pool.  Deadlines are timers of the running loop.

Closing the channel cancels every RPC still running, then waits (a bounded
time) until every handler, worker thread and task of its RPCs is done, and
shuts the worker threads down: nothing of the channel outlives ``close()``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import math
from collections import deque
from collections.abc import Generator, Mapping, Sequence
from typing import Any

import grpc
import grpc.aio

from asynctoolkit._shared import choices as _choices
from asynctoolkit.rpc import _common, _wire
from asynctoolkit.rpc._calls import (
    StreamStreamCall,
    StreamUnaryCall,
    UnaryStreamCall,
    UnaryUnaryCall,
)
from asynctoolkit.rpc._common import STREAM_UNARY, UNARY_STREAM, UNARY_UNARY
from asynctoolkit.rpc._handlers import WORKER_THREADS, Threads, run_rpc
from asynctoolkit.rpc._inline import run_inline
from asynctoolkit.rpc._intercept import intercepted_call
from asynctoolkit.rpc._link import BY_CLOSE, CLOSED_DETAILS, MAX_MESSAGE, Link, message_size
from asynctoolkit.rpc._multicallable import MultiCallable, MultiCallableFactory
from asynctoolkit.rpc._time import LoopTime
from asynctoolkit.rpc._wired import WiredLink

__all__: list[str] = []

_LOGGER = logging.getLogger("asynctoolkit.rpc")

#: Seconds (of the loop's clock) ``close()`` waits for cancelled handlers to end.
CLOSE_WAIT = 1.0

_USER_AGENT = ("user-agent", f"grpc-python-asyncio/{grpc.__version__} (asynctoolkit.rpc.connect)")


class ConnectedUnaryUnaryCall(UnaryUnaryCall):
    """A unary-unary call whose handler runs in the awaiting task when awaited at once."""

    def __init__(self, link: Link) -> None:
        super().__init__(link)
        self._link = link

    def __await__(self) -> Generator[Any, None, Any]:
        link = self._link
        if link.unstarted:
            task = asyncio.current_task(link.loop)
            if task is not None and link.channel.claim_unstarted(link):
                yield from run_inline(link, task)
        return (yield from super().__await__())


class ConnectedChannel(MultiCallableFactory, grpc.aio.Channel):  # type: ignore[misc]
    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        services: Sequence[str],
        handlers: Mapping[str, Any],
        interceptors: tuple[Any, ...],
        client_interceptors: Mapping[str, list[Any]],
    ) -> None:
        # The loop of the ``async with``: every call runs on it.  (Asking the
        # running loop per call costs a system call on Python 3.11.)
        self._loop = loop
        self._services = services
        self._handlers = handlers
        self._interceptors = interceptors
        self._client_interceptors = client_interceptors
        self._time = LoopTime()
        self._threads = Threads(self._worker_pool, unary_request_too=True)
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        # RPCs not ended; handlers still running (their coroutine or thread);
        # tasks of RPCs (handlers, request readers, client interceptor chains).
        # Dicts, not sets: closing cancels in the order things started, the
        # same in every process (an explored run's replay depends on it).
        self._active: dict[Link, None] = {}
        self._running: dict[Link, None] = {}
        self._tasks: dict[asyncio.Task[Any], None] = {}
        self._settled = _common.Waiters()  # woken when any of those shrinks
        # Unary-unary RPCs whose handler did not start yet, oldest first: the
        # caller usually awaits the call at once and runs it (``claim_unstarted``);
        # else ``_starter``, a ready callback, starts it in a task.  One callback
        # serves many RPCs.
        self._unstarted: deque[Link] = deque()
        self._starter: asyncio.Handle | None = None
        self._closed = False
        self._closed_event: asyncio.Event | None = None

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"{len(self._active)} active RPCs"
        return f"<rpc.connect channel to {', '.join(self._services)}: {state}>"

    # -- grpc.aio.Channel -----------------------------------------------------

    async def __aenter__(self) -> ConnectedChannel:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close(None)

    async def close(self, grace: float | None = None) -> None:
        """Cancel the RPCs still running (after ``grace`` seconds), and wait until they ended."""
        if not self._closed:
            self._closed = True
            if self._closed_event is not None:
                self._closed_event.set()
        if grace and self._active:
            with contextlib.suppress(TimeoutError):
                await _common.wait_until(
                    self._settled, lambda: not self._active, grace, lambda _: ""
                )
        for link in list(self._active):
            link.cancel(CLOSED_DETAILS, BY_CLOSE)
        if self._starter is not None:
            self._starter.cancel()
            self._starter = None
        self._unstarted.clear()
        for task in list(self._tasks):
            task.cancel()  # request readers, client interceptors
        await self._settle()

    async def _settle(self) -> None:
        def settled() -> bool:
            return not self._running and not self._tasks

        try:
            await _common.wait_until(self._settled, settled, CLOSE_WAIT, self._explain_unsettled)
        finally:
            pool, self._pool = self._pool, None
            if pool is not None:
                # Its threads are idle once every handler ended: they exit at once.
                pool.shutdown(wait=settled(), cancel_futures=True)

    def _explain_unsettled(self, seconds: float) -> str:
        lines = [
            f"rpc.connect: the channel closed and cancelled its RPCs, but after {seconds:g} s "
            "some of their work still runs:"
        ]
        lines.extend(f"  handler of {link.describe()}" for link in self._running)
        lines.extend(f"  task {task.get_name()}" for task in self._tasks)
        lines.append(
            "A handler that catches CancelledError must end soon after; a plain-function "
            "handler in a worker thread cannot be interrupted and must return by itself."
        )
        return "\n".join(lines)

    def get_state(self, try_to_connect: bool = False) -> grpc.ChannelConnectivity:
        if self._closed:
            return grpc.ChannelConnectivity.SHUTDOWN
        return grpc.ChannelConnectivity.READY

    async def wait_for_state_change(self, last_observed_state: grpc.ChannelConnectivity) -> None:
        if self.get_state() != last_observed_state:
            return
        if self._closed_event is None:
            self._closed_event = asyncio.Event()
        await self._closed_event.wait()

    async def channel_ready(self) -> None:
        if self._closed:
            raise grpc.aio.UsageError("Channel is closed.")

    # -- starting RPCs ------------------------------------------------------------

    def call(
        self,
        multicallable: MultiCallable,
        request: Any,
        timeout: Any,
        metadata: Any,
        credentials: Any,
        wait_for_ready: bool | None,
    ) -> Any:
        """What a stub's multicallable does: start an RPC, through the interceptors if any."""
        shape = multicallable.shape
        interceptors = self._client_interceptors[shape]
        if not interceptors:
            return self.start(
                multicallable.path,
                shape,
                request,
                timeout,
                metadata,
                multicallable.serializer,
                multicallable.deserializer,
            )
        path = multicallable.path
        call = intercepted_call(
            self,
            interceptors,
            path,
            shape,
            request,
            _check_timeout(timeout, path),
            _common.wire_metadata(metadata, f"calling {path}: metadata"),
            credentials,
            wait_for_ready,
            multicallable.serializer,
            multicallable.deserializer,
        )
        self.track(call._task)
        return call

    def start(
        self,
        path: str,
        shape: str,
        request: Any,
        timeout: Any,
        metadata: Any,
        request_serializer: Any,
        response_deserializer: Any,
    ) -> Any:
        """Start one RPC and return the call object the caller gets."""
        if self._closed:
            raise grpc.aio.UsageError("Channel is closed.")
        loop = self._loop
        pairs = _common.wire_metadata(metadata, f"calling {path}: metadata") if metadata else ()
        seconds = None if timeout is None else _check_timeout(timeout, path)
        # In an explored run, what the messages travel on (``_wire``); else None.
        wire = None if _choices.current() is None else _wire.wire_for(loop, path)
        link = (Link if wire is None else WiredLink)(
            self,
            loop,
            path,
            shape,
            (_USER_AGENT, *pairs),
            self._time,
            request_serializer,
            response_deserializer,
        )
        if wire is not None:
            link.wire = wire
        self._active[link] = None
        call: Any
        if shape == UNARY_UNARY:
            call = ConnectedUnaryUnaryCall(link)
        elif shape == UNARY_STREAM:
            call = UnaryStreamCall(link)
        else:
            if shape == STREAM_UNARY:
                call = StreamUnaryCall(link, request)
            else:
                call = StreamStreamCall(link, request)
            if link.request_reader is not None:
                self.track(link.request_reader)
        if shape in (UNARY_UNARY, UNARY_STREAM):
            try:
                serializer = request_serializer
                link.request = data = request if serializer is None else serializer(request)
            except Exception:
                _LOGGER.debug("Exception serializing request!", exc_info=True)
                link.fail(grpc.StatusCode.INTERNAL, "Exception serializing request!")
                return call
            size = len(data) if type(data) is bytes else message_size(data)
            if size > MAX_MESSAGE and link.too_large(size, "SERVER"):
                return call
        if wire is not None:
            failed = wire.start_fault()
            if failed is not None:
                link.end(*failed, (), _wire.BY_FAULT)  # it never reaches its handler
                return call
        if seconds is not None:
            link.deadline = deadline = loop.time() + seconds
            if seconds < 0:  # already passed: the handler never runs
                link.expire()
                return call
            link.deadline_handle = loop.call_at(deadline, link.expire)
        if wire is not None:
            wire.start(link.start_handler)  # in a task: never inline, as on a real server
            return call
        if shape == UNARY_UNARY:
            link.unstarted = True
            self._unstarted.append(link)
            if self._starter is None:
                self._starter = loop.call_soon(self._start_unstarted)
        else:
            link.start_handler()
        return call

    def claim_unstarted(self, link: Link) -> bool:
        if not link.unstarted:
            return False
        link.unstarted = False
        unstarted = self._unstarted
        if unstarted and unstarted[-1] is link:  # the usual case: the call just made
            unstarted.pop()
        return True

    def _start_unstarted(self) -> None:
        self._starter = None
        unstarted = self._unstarted
        while unstarted:
            link = unstarted.popleft()
            if link.unstarted:
                link.start_handler()

    # -- what links need (``_link.LinkOwner``) -------------------------------------

    def handler_coroutine(self, link: Link) -> Any:
        return run_rpc(
            link, self._handlers, self._interceptors, self._threads, link.handler_cancelled
        )

    def handler_started(self, link: Link) -> None:
        self._running[link] = None

    def handler_finished(self, link: Link) -> None:
        self._running.pop(link, None)
        self._settled.wake()

    def track(self, task: asyncio.Task[Any]) -> None:
        self._tasks[task] = None
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.pop(task, None)
        self._settled.wake()

    def forget(self, link: Link) -> None:
        self._active.pop(link, None)
        self._settled.wake()

    def _worker_pool(self) -> concurrent.futures.Executor:
        if self._pool is None:
            self._pool = concurrent.futures.ThreadPoolExecutor(
                WORKER_THREADS, thread_name_prefix="asynctoolkit-rpc-connect"
            )
        return self._pool


def _check_timeout(timeout: Any, path: str) -> float | None:
    """A call's timeout, as grpc.aio takes it: seconds, negative meaning already passed."""
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or math.isnan(timeout):
        raise TypeError(f"calling {path}: timeout must be a number of seconds, got {timeout!r}")
    return float(timeout)
