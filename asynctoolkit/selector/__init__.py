"""Drive the real event loop with mock files and sockets.

Every loop an ``asynctoolkit.TestCase`` creates polls a ``TestSelector``
wrapped around a real selector.  Real files go to the real selector as usual;
mocks (``FileMock``, ``SocketMock``, ``SSLSocketMock``, whose ``fileno()`` is a
virtual ``FileDescriptor``) are kept by the ``TestSelector`` itself and are
never polled.  Instead, the test says when a mock is ready::

    sock = SocketMock()
    loop.add_reader(sock, on_readable, sock)
    sock.recv.return_value = b"data"
    set_read_ready(sock, loop)       # on_readable(sock) runs on the next iteration

The same works for everything the loop builds on ``add_reader``/``add_writer``:
transports from ``loop.create_connection(..., sock=SocketMock())`` or
``loop.connect_accepted_socket``, and ``loop.sock_recv``/``sock_sendall``/
``sock_accept``/``sock_connect``.  Real and mocked descriptors mix on one loop.
"""

from __future__ import annotations

import asyncio
import selectors
import socket
from collections.abc import Callable, Iterator, Mapping
from selectors import EVENT_READ, EVENT_WRITE, SelectorKey
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from asynctoolkit._shared import asyncio_details, lazy
from asynctoolkit.selector._descriptors import (
    FileDescriptor,
    fd,
    isfilemock,
    virtual_descriptor,
)

if TYPE_CHECKING:  # At run time imported on first use (``__getattr__``).
    from asynctoolkit.selector._mocks import FileMock, SocketMock, SSLSocketMock

__all__ = [
    "FileDescriptor",
    "FileMock",
    "SSLSocketMock",
    "SocketMock",
    "TestSelector",
    "fd",
    "isfilemock",
    "set_read_ready",
    "set_write_ready",
]

# The mocks are imported when one of their names is first used: every test
# loop's selector is a TestSelector, and a test that makes no mock file or
# socket does not pay for the mock machinery (asynctoolkit.mock, unittest.mock).
_SOURCES = {"FileMock": "_mocks", "SocketMock": "_mocks", "SSLSocketMock": "_mocks"}


__getattr__, __dir__ = lazy.names(__name__, globals(), _SOURCES)


_ALL_EVENTS = EVENT_READ | EVENT_WRITE
#: Methods a TestSelector binds to the real selector's while it keeps no mock.
_BOUND_TO_REAL = ("get_key", "unregister", "modify")
_NO_KEYS: Mapping[Any, SelectorKey] = MappingProxyType({})
#: Types that are never mocks: the loop's plain descriptors and real sockets skip the lookup.
_PLAIN_FILES = frozenset({int, socket.socket})


class TestSelector(selectors.BaseSelector):
    """A selector that keeps mock files to itself and forwards real ones.

    ``selector`` is the real selector for real file objects (the loops of
    ``asynctoolkit.TestCase`` pass ``selectors.DefaultSelector()``).  A file
    object counts as a mock when it is a ``FileDescriptor`` or its
    ``fileno()`` returns one; the loop registers either the mock itself
    (``loop.add_reader(mock, ...)``) or its descriptor (transports,
    ``sock_recv``...), and both name the same registration, whose ``key.fd``
    is the ``FileDescriptor``.

    Mocks are never reported by ``select()``: ``set_read_ready`` and
    ``set_write_ready`` queue their callbacks instead.  Without a real
    selector, every registration is kept (real files are never reported
    either) and ``select()`` returns an empty list at once, so a loop on it
    never blocks (and busy-waits for its timers).

    Errors are those of a real selector: registering a file object twice
    (KeyError), unregistering or modifying one never registered (KeyError),
    invalid events (ValueError), ``get_key`` on a closed selector
    (RuntimeError), registering on a closed one (ValueError).
    """

    __test__ = False  # a library class, not a test: keep pytest from collecting it

    # Called by ``close`` with the wrapped selector, still open and with nothing
    # registered, instead of closing it; returns False if it did not keep it.
    # Set by ``_loops.new_selector`` only: the next test's loop reuses it.
    _release: Callable[[selectors.BaseSelector], bool] | None = None

    def __init__(self, selector: selectors.BaseSelector | None = None) -> None:
        if selector is not None and not _is_selector(selector):
            raise TypeError(
                f"TestSelector(selector) wraps a selectors.BaseSelector (for example "
                f"selectors.DefaultSelector()), not {type(selector).__name__}"
            )
        self._selector = selector
        # The registrations this selector keeps itself, by descriptor: every
        # mock's, and every real file's too when there is no real selector.
        self._keys: dict[int, SelectorKey] = {}
        self._closed = False
        if selector is not None:
            # The loop calls select() on every iteration and mocks are never
            # reported by it: bind the real one, so this wrapper costs nothing there
            # (bench/bench_selector.py, bench/bench_case.py).
            self.select = selector.select  # type: ignore[method-assign]
            # Until a mock is registered, lookups of any file object (a mock
            # included: it is not registered, so KeyError) are the real
            # selector's: bind them too.  ``register`` stays ours, to spot mocks.
            self.get_key = selector.get_key  # type: ignore[method-assign]
            self.unregister = selector.unregister  # type: ignore[method-assign]
            self.modify = selector.modify  # type: ignore[method-assign]

    @property
    def selector(self) -> selectors.BaseSelector | None:
        """The wrapped real selector, or None."""
        return self._selector

    def register(self, fileobj: Any, events: int, data: Any = None) -> SelectorKey:
        """Register a mock here, or a real file object on the real selector."""
        real = self._selector
        if real is not None and type(fileobj) in _PLAIN_FILES:
            return real.register(fileobj, events, data)
        descriptor = self._own_descriptor(fileobj)
        if descriptor is None:
            assert real is not None
            return real.register(fileobj, events, data)
        if self._closed:
            raise ValueError(
                f"I/O operation on closed selector: cannot register {fileobj!r} on a "
                "TestSelector already closed (was its loop closed?)"
            )
        _check_events(events)
        key = self._keys.get(descriptor)
        if key is not None:
            raise KeyError(f"{fileobj!r} (FD {descriptor}) is already registered")
        if not self._keys:
            # The first mock: lookups must now see this selector's own keys.
            for name in _BOUND_TO_REAL:
                self.__dict__.pop(name, None)
        key = self._keys[descriptor] = SelectorKey(fileobj, descriptor, events, data)
        return key

    def unregister(self, fileobj: Any) -> SelectorKey:
        """Unregister a mock or a real file object; KeyError if it is not registered."""
        real = self._selector
        if real is not None and type(fileobj) in _PLAIN_FILES:
            return real.unregister(fileobj)
        descriptor = self._own_descriptor(fileobj)
        if descriptor is None:
            assert real is not None
            return real.unregister(fileobj)
        try:
            return self._keys.pop(descriptor)
        except KeyError:
            raise KeyError(f"{fileobj!r} is not registered") from None

    def modify(self, fileobj: Any, events: int, data: Any = None) -> SelectorKey:
        """Change the events and data of a registration; KeyError if it is not registered.

        The key keeps the file object it was registered with (as the epoll and
        kqueue selectors do), so a mock registered as itself stays named.
        """
        real = self._selector
        if real is not None and type(fileobj) in _PLAIN_FILES:
            return real.modify(fileobj, events, data)
        descriptor = self._own_descriptor(fileobj)
        if descriptor is None:
            assert real is not None
            return real.modify(fileobj, events, data)
        try:
            key = self._keys[descriptor]
        except KeyError:
            raise KeyError(f"{fileobj!r} is not registered") from None
        if events != key.events or data != key.data:
            _check_events(events)
            key = self._keys[descriptor] = key._replace(events=events, data=data)
        return key

    def select(self, timeout: float | None = None) -> list[tuple[SelectorKey, int]]:
        """The real selector's ready events (mocks are never reported here).

        Without a real selector: an empty list at once, whatever ``timeout``.
        """
        real = self._selector
        if real is not None:
            return real.select(timeout)
        if self._closed:
            raise ValueError("I/O operation on closed selector: this TestSelector was closed")
        return []

    def close(self) -> None:
        """Forget every mock registration and close the real selector.

        The loop of a ``TestCase`` hands its real selector, when nothing is
        left registered on it, to the next test's loop instead of closing it.
        """
        self._closed = True
        self._keys.clear()
        real = self._selector
        if real is None:
            return
        release = self._release
        if release is not None and not real.get_map() and release(real):
            # Handed over to the next test loop: this closed wrapper lets go of it.
            self._selector = None
            del self.select
            for name in _BOUND_TO_REAL:
                self.__dict__.pop(name, None)
        else:
            real.close()

    def get_key(self, fileobj: Any) -> SelectorKey:
        """The registration of a mock or a real file object; KeyError if none."""
        real = self._selector
        if real is not None and type(fileobj) in _PLAIN_FILES:
            return real.get_key(fileobj)
        descriptor = self._own_descriptor(fileobj)
        if descriptor is None:
            assert real is not None
            return real.get_key(fileobj)
        if self._closed:
            raise RuntimeError("Selector is closed")
        try:
            return self._keys[descriptor]
        except KeyError:
            raise KeyError(f"{fileobj!r} is not registered") from None

    def get_map(self) -> Mapping[Any, SelectorKey]:
        """Every registration, mocks and real files together (empty once closed).

        Iterating yields descriptors; looking up accepts a descriptor, a mock
        or a real file object.
        """
        if self._closed:
            return _NO_KEYS
        real = self._selector
        if real is not None and not self._keys:
            return real.get_map()
        return _CombinedMap(self)

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"{len(self._keys)} kept registration(s)"
        return f"<TestSelector {state}, wrapping {self._selector!r}>"

    # -- private -----------------------------------------------------------------
    def _own_descriptor(self, fileobj: Any) -> int | None:
        """The descriptor under which this selector keeps ``fileobj``, or None (real)."""
        descriptor = virtual_descriptor(fileobj)
        if descriptor is not None:
            return descriptor
        if self._selector is not None:
            return None
        return _real_descriptor(fileobj)

    def _lookup(self, fileobj: Any) -> SelectorKey:
        """``get_map()[fileobj]``: KeyError if not registered."""
        descriptor = self._own_descriptor(fileobj)
        if descriptor is None:
            real = self._selector
            assert real is not None
            return real.get_map()[fileobj]
        return self._keys[descriptor]


def set_read_ready(fileobj: Any, loop: asyncio.AbstractEventLoop | None = None) -> None:
    """Run the reader ``loop`` registered for ``fileobj``, as if it became readable.

    ``fileobj`` is a mock (or a real file object, or a descriptor) watched by
    ``loop.add_reader`` or by something built on it (a transport, a pending
    ``loop.sock_recv``/``sock_accept``); ``loop`` defaults to the running
    loop.  The callback is queued, not called: it runs on the loop's next
    iteration, once per call, unless ``loop.remove_reader`` cancels it first.
    Configure what the mock returns first (``sock.recv.return_value = b"..."``).

    Raises ValueError if no reader is registered for ``fileobj`` on ``loop``,
    RuntimeError if the loop is closed or runs in another thread (there, use
    ``loop.call_soon_threadsafe(set_read_ready, fileobj, loop)``), TypeError
    if the loop is not a selector event loop.
    """
    _set_ready(fileobj, loop, EVENT_READ)


def set_write_ready(fileobj: Any, loop: asyncio.AbstractEventLoop | None = None) -> None:
    """Run the writer ``loop`` registered for ``fileobj``, as if it became writable.

    Like ``set_read_ready``, for callbacks of ``loop.add_writer``: a transport
    with buffered data after a partial ``send``, a pending ``sock_sendall``
    or ``sock_connect``.
    """
    _set_ready(fileobj, loop, EVENT_WRITE)


# -- private helpers ------------------------------------------------------------


class _CombinedMap(Mapping[Any, SelectorKey]):
    """``TestSelector.get_map()`` while it keeps registrations: its own plus the real ones."""

    def __init__(self, owner: TestSelector) -> None:
        self._owner = owner

    def __len__(self) -> int:
        real = self._owner._selector
        return len(self._owner._keys) + (len(real.get_map()) if real is not None else 0)

    def __iter__(self) -> Iterator[Any]:
        real = self._owner._selector
        if real is not None:
            yield from real.get_map()
        yield from list(self._owner._keys)

    def __getitem__(self, fileobj: Any) -> SelectorKey:
        return self._owner._lookup(fileobj)


def _check_events(events: int) -> None:
    if not events or events & ~_ALL_EVENTS:
        raise ValueError(f"Invalid events: {events!r}")


def _real_descriptor(fileobj: Any) -> int:
    """The descriptor of a real file object, validated as a real selector does."""
    if isinstance(fileobj, int):
        descriptor = int(fileobj)
    else:
        try:
            descriptor = int(fileobj.fileno())
        except (AttributeError, TypeError, ValueError):
            raise ValueError(f"Invalid file object: {fileobj!r}") from None
    if descriptor < 0:
        raise ValueError(f"Invalid file descriptor: {descriptor}")
    return descriptor


def _uses_test_selector(selector: Any) -> bool:
    """True if ``selector`` is or wraps a TestSelector (the clock's wrapper calls it ``inner``)."""
    for _ in range(8):
        if isinstance(selector, TestSelector):
            return True
        selector = getattr(selector, "inner", None)
        if selector is None:
            return False
    return False


def _set_ready(fileobj: Any, loop: asyncio.AbstractEventLoop | None, event: int) -> None:
    action = "set_read_ready" if event == EVENT_READ else "set_write_ready"
    if loop is None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError(
                f"{action}(fileobj) outside a running loop needs the loop: {action}(fileobj, loop)"
            ) from None
    if loop.is_closed():
        raise RuntimeError(f"{action}: the event loop {loop!r} is closed")
    selector = asyncio_details.loop_selector(loop)
    if selector is None:
        raise TypeError(
            f"{action} needs a selector event loop (asyncio.SelectorEventLoop, as "
            f"asynctoolkit.TestCase uses), not {type(loop).__name__}"
        )
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if loop.is_running() and running is not loop:
        raise RuntimeError(
            f"{action} must be called in the thread running {loop!r}; from another thread, "
            f"use loop.call_soon_threadsafe({action}, fileobj, loop)"
        )
    kind, registering = (
        ("reader", "add_reader") if event == EVENT_READ else ("writer", "add_writer")
    )
    try:
        key = selector.get_key(fileobj)
    except (KeyError, ValueError):
        key = None
    handle = None
    if key is not None:
        reader, writer = asyncio_details.key_handles(key)
        handle = reader if event == EVENT_READ else writer
    if handle is None or handle.cancelled():
        hint = ""
        if isfilemock(fileobj) and not _uses_test_selector(selector):
            hint = (
                "; mocks need a loop whose selector is a TestSelector: asynctoolkit.TestCase "
                "loops have one, build others as asyncio.SelectorEventLoop(TestSelector("
                "selectors.DefaultSelector()))"
            )
        raise ValueError(
            f"{action}: no {kind} is registered for {fileobj!r} on {loop!r}; register one "
            f"first (loop.{registering}(), or start the transport or loop.sock_* call that "
            f"uses it){hint}"
        )
    asyncio_details.add_ready_handle(loop, handle)


def _is_selector(obj: object) -> bool:
    """``isinstance(obj, selectors.BaseSelector)``, quick for real subclasses.

    Checked once or twice per test (bench/bench_case.py): the MRO look-up skips the ABC's
    Python-level ``__instancecheck__``; registered virtual subclasses still
    pass through ``isinstance``.
    """
    return selectors.BaseSelector in type(obj).__mro__ or isinstance(obj, selectors.BaseSelector)
