"""``asynctest.selector``: the selector mocks, with asynctest's timing for readiness.

The mocks and ``TestSelector`` are ``asynctoolkit.selector``'s own.
``set_read_ready`` and ``set_write_ready`` are not: asynctest's looked at the
file on the loop's next iteration, and did nothing if no callback watched it
by then, where ``asynctoolkit.selector``'s act at once and raise ValueError
when nothing is registered.  A suite written for asynctest may call them
before the code under test registers its reader, or after it has removed it;
these versions keep such a suite passing.

``get_registered_events(selector)`` is asynctest's helper: the set of
``selectors.SelectorKey`` registered on a selector, mocks and real files
together.
"""

from __future__ import annotations

import asyncio
import contextlib
import selectors
from collections.abc import Callable
from typing import Any

from asynctoolkit import selector as _selector
from asynctoolkit._shared import asyncio_details
from asynctoolkit.selector import (
    FileDescriptor,
    FileMock,
    SocketMock,
    SSLSocketMock,
    TestSelector,
    fd,
    isfilemock,
)

__all__ = [
    "FileDescriptor",
    "FileMock",
    "SSLSocketMock",
    "SocketMock",
    "TestSelector",
    "fd",
    "get_registered_events",
    "isfilemock",
    "set_read_ready",
    "set_write_ready",
]


def set_read_ready(fileobj: Any, loop: asyncio.AbstractEventLoop | None = None) -> None:
    """Tell ``loop`` that ``fileobj`` is readable, as asynctest did: from the next iteration.

    On the loop's next iteration, if a reader is registered for ``fileobj``
    then (``loop.add_reader``, a transport, a pending ``loop.sock_recv``),
    its callback is queued, and runs on the iteration after; if none is,
    the readiness is dropped silently.  ``loop`` defaults to the running
    loop; the call is safe from any thread.

    Raises RuntimeError if the loop is closed (or if ``loop`` is omitted
    outside a running loop), TypeError if it is not a selector event loop.
    """
    _defer(_selector.set_read_ready, "set_read_ready", fileobj, loop)


def set_write_ready(fileobj: Any, loop: asyncio.AbstractEventLoop | None = None) -> None:
    """Tell ``loop`` that ``fileobj`` is writable, as asynctest did: from the next iteration.

    Like ``set_read_ready``, for the writer registered with
    ``loop.add_writer`` (a transport with buffered data, a pending
    ``loop.sock_sendall`` or ``sock_connect``).
    """
    _defer(_selector.set_write_ready, "set_write_ready", fileobj, loop)


def get_registered_events(selector: selectors.BaseSelector) -> set[selectors.SelectorKey]:
    """Every registration of ``selector``: mocks and real files (the loop's own pipe included).

    ``selector`` is a loop's selector (asynctest's suites passed
    ``loop._selector``) or a ``TestSelector``; the keys' ``data`` hold the
    loop's ``(reader, writer)`` handles.
    """
    return set(selector.get_map().values())


# -- private helpers ------------------------------------------------------------


def _defer(
    deliver: Callable[[Any, asyncio.AbstractEventLoop], None],
    action: str,
    fileobj: Any,
    loop: asyncio.AbstractEventLoop | None,
) -> None:
    """Check ``loop`` now; look for the callback to queue on its next iteration."""
    if loop is None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError(
                f"{action}(fileobj) outside a running loop needs the loop: {action}(fileobj, loop)"
            ) from None
    if loop.is_closed():
        raise RuntimeError(f"{action}: the event loop {loop!r} is closed")
    if asyncio_details.loop_selector(loop) is None:
        raise TypeError(
            f"{action} needs a selector event loop (asyncio.SelectorEventLoop, as "
            f"asynctest.TestCase uses), not {type(loop).__name__}"
        )
    loop.call_soon_threadsafe(_deliver_if_watched, deliver, fileobj, loop)


def _deliver_if_watched(
    deliver: Callable[[Any, asyncio.AbstractEventLoop], None],
    fileobj: Any,
    loop: asyncio.AbstractEventLoop,
) -> None:
    # asynctoolkit.selector's ValueError means no callback watches fileobj now:
    # asynctest dropped the readiness in that case.
    with contextlib.suppress(ValueError):
        deliver(fileobj, loop)
