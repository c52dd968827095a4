"""The selector a ``ClockedEventLoop`` polls: the real one, with the clock in its waits."""

from __future__ import annotations

import selectors
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from _typeshed import FileDescriptorLike

__all__: list[str] = []

#: What ``select`` returns.
Events = list[tuple[selectors.SelectorKey, int]]


class Waits(Protocol):
    """What the selector hands its two kinds of ``select`` to (``VirtualClock``)."""

    def busy(self) -> Events:
        """Callbacks are ready: poll without waiting."""

    def idle(self) -> Events:
        """No callback is ready: the loop would wait."""


class ClockSelector(selectors.BaseSelector):
    """The selector a ``ClockedEventLoop`` polls: the real one, plus the clock.

    Registrations go to ``inner`` unchanged (``get_map`` shows them), so
    sockets, pipes and selector mocks work as on any selector loop, and other
    attributes of ``inner`` stay reachable through the wrapper.  The wrapper
    keeps ``user_fds``, the real descriptors registered besides the loop's own
    wake-up socket: while there are any, real I/O may still wake a task up.
    A selector mock's virtual descriptors (``int`` subclasses, such as
    ``asynctoolkit.selector.FileDescriptor``) are not real I/O: the test
    itself makes them ready, from the loop's thread.
    """

    def __init__(self, inner: selectors.BaseSelector, clock: Waits) -> None:
        #: The real selector (or selector mock) that does the I/O.
        self.inner = inner
        self._clock = clock
        #: Registered descriptors, except the loop's wake-up socket.
        self.user_fds: set[int] = {k.fd for k in inner.get_map().values() if type(k.fd) is int}
        # Every registered descriptor but the wake-up socket, virtual ones too.
        self._watched: set[Any] = {k.fd for k in inner.get_map().values()}
        self._ignored_fd: int | None = None
        self._reports_only_real_io = _reports_only_real_io(inner)
        #: False while polling ``inner`` without waiting can report nothing the
        #: loop must handle (see ``VirtualClock.busy``): ``inner`` is a selector
        #: whose ``select`` reports real I/O only, and nothing but the wake-up
        #: socket is registered.
        self.polled = True
        self._update_polled()

    def ignore_fd(self, fd: int | None) -> None:
        """Do not count ``fd`` (the loop's wake-up socket) as user I/O."""
        self._ignored_fd = fd
        if fd is not None:
            self.user_fds.discard(fd)
            self._watched.discard(fd)
        self._update_polled()

    def register(
        self, fileobj: FileDescriptorLike, events: int, data: Any = None
    ) -> selectors.SelectorKey:
        key = self.inner.register(fileobj, events, data)
        self._note(key)
        return key

    def unregister(self, fileobj: FileDescriptorLike) -> selectors.SelectorKey:
        key = self.inner.unregister(fileobj)
        self.user_fds.discard(key.fd)
        self._watched.discard(key.fd)
        self._update_polled()
        return key

    def modify(
        self, fileobj: FileDescriptorLike, events: int, data: Any = None
    ) -> selectors.SelectorKey:
        key = self.inner.modify(fileobj, events, data)
        self._note(key)
        return key

    def _note(self, key: selectors.SelectorKey) -> None:
        if key.fd != self._ignored_fd:
            if type(key.fd) is int:
                self.user_fds.add(key.fd)
            self._watched.add(key.fd)
            self.polled = True

    def _update_polled(self) -> None:
        self.polled = bool(self._watched) or not self._reports_only_real_io

    def select(self, timeout: float | None = None) -> Events:
        if timeout is not None and timeout <= 0:
            return self._clock.busy()
        return self._clock.idle()

    def close(self) -> None:
        self.user_fds.clear()
        self._watched.clear()
        self.inner.close()

    def get_key(self, fileobj: FileDescriptorLike) -> selectors.SelectorKey:
        return self.inner.get_key(fileobj)

    def get_map(self) -> Mapping[FileDescriptorLike, selectors.SelectorKey]:
        return self.inner.get_map()

    def __getattr__(self, name: str) -> Any:
        # Extra methods of a selector mock stay reachable through the wrapper.
        if name == "inner":  # not set yet: do not recurse
            raise AttributeError(name)
        return getattr(self.inner, name)


#: The standard library's selectors: their ``select`` reports real I/O only.
_REAL_SELECTORS: tuple[type, ...] = tuple(
    getattr(selectors, name)
    for name in ("SelectSelector", "PollSelector", "EpollSelector", "DevpollSelector",
                 "KqueueSelector")
    if hasattr(selectors, name)
)  # fmt: skip
_REAL_SELECTS: frozenset[Any] = frozenset(getattr(kind, "select", None) for kind in _REAL_SELECTORS)


def _reports_only_real_io(inner: selectors.BaseSelector) -> bool:
    """True if ``inner.select`` can only report real I/O of registered descriptors.

    The standard library's selectors, and asynctoolkit's ``TestSelector``
    over one of them (or over none): its ``select`` forwards to the real
    selector it wraps and never reports a mock.  Not a subclass: it may
    report events of its own.  Other selectors (a user's mock) may report
    anything at any time: they are always polled.
    """
    kind = type(inner)
    if kind.__module__ == "asynctoolkit.selector" and kind.__qualname__ == "TestSelector":
        real = getattr(inner, "selector", None)
        return real is None or _is_real(real)
    return _is_real(inner)


def _is_real(selector: object) -> bool:
    """A standard library selector, or a subclass that keeps its ``select``.

    (The test loops' selector is such a subclass: it only looks descriptors
    up faster, ``asyncio_details.quick_lookup_selector``.)
    """
    select: Any = getattr(type(selector), "select", None)
    return isinstance(selector, _REAL_SELECTORS) and select in _REAL_SELECTS
