"""Running a servicer's handler for one RPC, as a grpc.aio server runs it.

Shared by the server double and ``rpc.connect``: ``run_rpc`` runs the server
interceptors, then the handler they lead to, and ends the RPC with what the
handler did: its response, the code and details it set, its ``abort``, or
UNKNOWN (or the code it set) for an exception escaping it.

Where a handler runs (``Threads``): ``async def`` handlers and async
generators run on the loop.  grpc.aio runs every plain function and
generator in its migration thread pool; ``rpc.connect`` does the same, while
the server double runs those of a unary request inline on the loop (so
virtual time drives them) and only those of a request stream in a worker
thread, since they block on their request iterator.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import functools
import inspect
import logging
import types
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import grpc
import grpc.aio

from asynctoolkit._shared import threads
from asynctoolkit.rpc._common import SHAPES, HandlerSide
from asynctoolkit.rpc._context import AsyncContext, SyncContext

__all__: list[str] = []

_LOGGER = logging.getLogger("asynctoolkit.rpc")

#: Worker threads of plain-function handlers (``rpc.serve`` and ``rpc.connect``).
WORKER_THREADS = 4

# The attribute of a grpc.RpcMethodHandler holding the behaviour of each shape.
_BEHAVIOR = {shape: shape.replace("-", "_") for shape in SHAPES}
_ASYNC_FLAGS = inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR

BY_UNIMPLEMENTED = "unimplemented"
BY_HANDLER_ERROR = "handler raised"
BY_HANDLER_CANCELLED = "cancelled"
HANDLER_CANCELLED_DETAILS = "Handler task cancelled"


class HandlerCallDetails(NamedTuple):
    """What server interceptors see of an incoming RPC (``grpc.HandlerCallDetails``)."""

    method: str
    invocation_metadata: tuple[Any, ...]


grpc.HandlerCallDetails.register(HandlerCallDetails)


class Threads(NamedTuple):
    """Where plain-function handlers run.

    ``pool()`` gives the executor of their worker threads; with
    ``unary_request_too`` false, those of a unary request run inline on the
    loop instead (the server double's choice).
    """

    pool: Callable[[], concurrent.futures.Executor]
    unary_request_too: bool


async def find_handler(
    handlers: Mapping[str, Any], interceptors: Sequence[Any], details: HandlerCallDetails
) -> Any:
    """The method handler for ``details``, through the server interceptors in order."""

    async def step(index: int, call_details: Any) -> Any:
        if index == len(interceptors):
            return handlers.get(call_details.method)
        continuation = functools.partial(step, index + 1)
        return await interceptors[index].intercept_service(continuation, call_details)

    return await step(0, details)


async def run_rpc(
    x: HandlerSide,
    handlers: Mapping[str, Any],
    interceptors: Sequence[Any],
    threads: Threads,
    on_cancelled: Callable[[], None],
) -> None:
    """Run the handler of ``x`` and end ``x`` with its outcome.

    ``on_cancelled`` is called when CancelledError escapes the handler,
    before it propagates; ``x.handler_done()`` when this coroutine ends (the
    handler's worker thread, if any, may still run).
    """
    try:
        if interceptors:
            details = HandlerCallDetails(x.path, x.invocation_metadata)
            handler = await find_handler(handlers, interceptors, details)
        else:
            handler = handlers.get(x.path)
        behavior = None if handler is None else getattr(handler, _BEHAVIOR[x.shape])
        if behavior is None:
            x.end(grpc.StatusCode.UNIMPLEMENTED, "Method not found!", (), BY_UNIMPLEMENTED)
            return
        await _run_behavior(x, handler, behavior, threads)
        x.end_from_handler()
    except grpc.aio.AbortError:
        x.end_from_handler()
    except asyncio.CancelledError:
        on_cancelled()
        raise
    except Exception as error:
        _LOGGER.debug("handler of %s raised", x.path, exc_info=True)
        code = x.set_code
        if code is None or code == grpc.StatusCode.OK:
            code = grpc.StatusCode.UNKNOWN
        x.end(code, f"Unexpected {type(error)}: {error}", x.set_trailing, BY_HANDLER_ERROR)
    finally:
        x.handler_done()


async def _run_behavior(x: HandlerSide, handler: Any, behavior: Any, threads: Threads) -> None:
    deserializer = handler.request_deserializer
    serializer = handler.response_serializer
    shape = x.shape
    stream_request = shape.startswith("stream")
    stream_response = shape.endswith("stream")
    plain = not _is_async(behavior)
    if plain and (stream_request or threads.unary_request_too):
        await _run_in_thread(x, behavior, deserializer, serializer, threads.pool())
        return
    context: Any
    if plain:
        context = SyncContext(x, deserializer, serializer)
    else:
        context = AsyncContext(x, deserializer, serializer)
    if stream_request:
        argument: Any = context.request_iterator()
    else:
        argument = x.request if deserializer is None else deserializer(x.request)
    result = behavior(argument, context)
    if stream_response:
        if hasattr(result, "__aiter__"):
            async for message in result:
                if not context._write_now(message):
                    await context._write(message)
        elif inspect.isawaitable(result):  # an async def writing with context.write()
            await result
        elif result is not None:  # a generator or any other iterable
            for message in result:
                if not context._write_now(message):
                    await context._write(message)
        return
    if type(result) is types.CoroutineType or inspect.isawaitable(result):  # the first is quicker
        result = await result
    _set_unary_response(x, result, serializer)


def _is_async(behavior: Any) -> bool:
    """Whether grpc.aio runs ``behavior`` on the loop: an async function or async generator."""
    function = getattr(behavior, "__func__", behavior)
    if type(function) is types.FunctionType and function.__code__.co_flags & _ASYNC_FLAGS:
        return True  # the usual case, without inspect's slower checks
    return inspect.iscoroutinefunction(behavior) or inspect.isasyncgenfunction(behavior)


def _set_unary_response(x: HandlerSide, response: Any, serializer: Any) -> None:
    if x.code is not None or (x.set_code is not None and x.set_code != grpc.StatusCode.OK):
        return  # a failed RPC sends no response
    x.set_response(response if serializer is None else serializer(response))


async def _run_in_thread(
    x: HandlerSide,
    behavior: Any,
    deserializer: Any,
    serializer: Any,
    pool: concurrent.futures.Executor,
) -> None:
    """Run a plain-function handler in a worker thread of ``pool``.

    It is not an executor job of the loop: on a virtual clock it counts as
    real work only while it runs handler code (``SyncContext``), so a
    deadline still passes while it waits for a request.  When the RPC is
    interrupted this task is cancelled at once; the thread gets the end of
    its requests (or an error from a write) and returns by itself.
    """
    context = SyncContext(x, deserializer, serializer)
    stream_request = x.shape.startswith("stream")
    stream_response = x.shape.endswith("stream")
    argument: Any = None
    if not stream_request:
        argument = x.request if deserializer is None else deserializer(x.request)

    def work() -> Any:
        # The pools live for the process (or the channel); the running_threads
        # check names the RPC while its handler still runs after the test.
        with threads.working_for(f"running the handler of RPC {x.path}"):
            requests = context.blocking_requests() if stream_request else argument
            result = behavior(requests, context)
            if stream_response:
                for message in result:
                    if x.code is not None:
                        break
                    context.blocking_write(message)
                return None
            return result

    context.begin_work()
    try:
        job = pool.submit(contextvars.copy_context().run, work)
    except BaseException:
        context.worker_finished()
        raise
    x.worker = job
    # Cancelled when the RPC is interrupted; the thread then ends on its own.
    delivered = asyncio.wrap_future(job)
    # Added after wrap_future's callback, so the loop hears of the result
    # before the handler stops counting as real work: a virtual clock
    # cannot jump ahead in between.
    job.add_done_callback(context.worker_done)
    result = await delivered
    if not stream_response:
        _set_unary_response(x, result, serializer)


@functools.cache
def shared_worker_threads() -> concurrent.futures.ThreadPoolExecutor:
    """The server double's worker threads (shared, made on first use)."""
    return concurrent.futures.ThreadPoolExecutor(thread_name_prefix="asynctoolkit-rpc-handler")
