"""Mock files and sockets with virtual descriptors (re-exported by ``asynctoolkit.selector``).

A ``FileMock`` answers ``fileno()`` with a ``FileDescriptor``
(``_descriptors.py``): an ``int`` that no real file of the process can have.
``TestSelector`` recognises such descriptors and keeps their registrations to
itself, so a mock can be watched by a real event loop
(``loop.add_reader(mock, callback)``) and made "ready" by the test with
``set_read_ready``/``set_write_ready``.

``SocketMock`` adds the defaults the loop's socket machinery needs to run over
a mock (non-blocking, stream type, ``send`` reporting every byte sent, ``recv``
reporting "nothing yet" until configured), so a protocol can be tested end to
end: transports, ``sock_recv``/``sock_sendall``/``sock_accept``/``sock_connect``.
"""

from __future__ import annotations

import errno
import socket
import ssl
import unittest.mock
import weakref
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

# The mock module our mocks derive from (its classes subclass unittest.mock's).
from asynctoolkit import mock as _mock
from asynctoolkit._shared import choices as _choices
from asynctoolkit.mock import _support
from asynctoolkit.selector._descriptors import FileDescriptor, _note_file_mock_class

__all__ = ["FileMock", "SSLSocketMock", "SocketMock"]


#: Where a FileMock keeps its FileDescriptor (in its instance dict, out of the mock's way).
_DESCRIPTOR_KEY = "_asynctoolkit_descriptor"


class FileMock(_mock.NonCallableMagicMock):
    """A mock file object whose ``fileno()`` returns a fresh ``FileDescriptor``.

    It is a ``NonCallableMagicMock`` (a file object is not callable, and is a
    context manager): pass ``spec``/``spec_set``/``name`` and attributes as
    for any mock, and assert on its calls as usual.  Register it on a loop
    whose selector is a ``TestSelector`` (every ``asynctoolkit.TestCase`` loop)
    with ``loop.add_reader(mock, callback)``, then call
    ``set_read_ready(mock, loop)`` to have the loop run the callback.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        descriptor = FileDescriptor()
        descriptor._owner = self
        self.__dict__[_DESCRIPTOR_KEY] = descriptor
        try:
            self.fileno  # noqa: B018 - created now, to refuse a spec without fileno at once
        except AttributeError:
            raise TypeError(
                f"{type(self).__name__} needs a fileno() method, but its spec has none; "
                "give it a spec with fileno() or no spec"
            ) from None

    def _get_child_mock(self, /, **kw: Any) -> Any:
        child = super()._get_child_mock(**kw)
        if kw.get("_new_name") == "fileno" and kw.get("_new_parent") is self:
            child.return_value = self.__dict__[_DESCRIPTOR_KEY]
        return child


# From now on the selector reads a FileMock's descriptor without calling its fileno().
_note_file_mock_class(FileMock)


class SocketMock(FileMock):
    """A mock non-blocking stream socket, specced on ``socket.socket``.

    ``isinstance(mock, socket.socket)`` is true, unknown attributes raise
    AttributeError (``spec_set=True`` also forbids setting them), and the
    defaults let the event loop drive it like a connected TCP socket:

    - ``fileno()`` is a ``FileDescriptor``; ``family``/``type``/``proto`` are
      ``AF_INET``/``SOCK_STREAM``/``0``; ``gettimeout()`` is ``0.0``
      (non-blocking); ``getsockopt()`` is ``0`` (no pending error, so a
      ``sock_connect`` completes); ``getsockname()``/``getpeername()`` are
      ``("127.0.0.1", 0)``; ``setblocking``, ``setsockopt``, ``connect``,
      ``shutdown``, ``close``... return None.
    - ``send(data)`` returns ``len(data)`` (everything was sent) and
      ``recv()``/``accept()``/``recvfrom()`` raise ``BlockingIOError`` (nothing
      to read yet), until the test sets their ``return_value`` or
      ``side_effect``: ``mock.recv.return_value = b"line\\n"``,
      ``mock.send.side_effect = [3, BlockingIOError()]`` (a partial write,
      then a full buffer), ``mock.recv.return_value = b""`` (end of file).
      A call for which the test gives no value (``side_effect = None``, or a
      ``side_effect`` yielding ``mock.DEFAULT``) gets the default again.
    - ``sendmsg(buffers)`` and ``recv_into(buffer)`` go through ``send`` and
      ``recv``: Python 3.12+ transports write with ``sendmsg`` and buffered
      protocols read with ``recv_into``, so tests configure and assert on
      ``send``/``recv`` alone whatever the Python version.

    In a run of ``asynctoolkit.explore(faults=p)``, each ``recv`` that would
    deliver data fails instead with probability ``p``, as a connection does:
    ``ConnectionResetError`` (the peer reset it) or ``b""`` (the peer closed
    it); every later ``recv`` of that run then returns ``b""``.  The call is
    recorded as usual, and the run's trace names the socket and the fault.
    """

    #: What the reading methods raise while the test configured nothing.
    _nothing_to_read: ClassVar[type[OSError]] = BlockingIOError
    #: The return values of the other methods (methods are created on first use).
    _default_returns: ClassVar[Mapping[str, Any]] = {
        "gettimeout": 0.0,
        "getsockopt": 0,
        "getsockname": ("127.0.0.1", 0),
        "getpeername": ("127.0.0.1", 0),
        "connect_ex": 0,
        **dict.fromkeys(
            ["setblocking", "settimeout", "setsockopt", "connect", "shutdown", "close"], None
        ),
        **dict.fromkeys(["listen", "bind", "sendall"], None),
    }
    _socket_class: ClassVar[type] = socket.socket

    def __init__(self, *, spec_set: bool = False, **kwargs: Any) -> None:
        if "spec" in kwargs:
            raise TypeError(
                f"{type(self).__name__}() has a fixed spec; pass spec_set=True to also forbid "
                f"setting attributes the real class lacks, not spec={kwargs['spec']!r}"
            )
        spec_key = "spec_set" if spec_set else "spec"
        super().__init__(**{spec_key: self._socket_class}, **kwargs)
        self.family = socket.AF_INET
        self.type = socket.SOCK_STREAM
        self.proto = 0

    def _get_child_mock(self, /, **kw: Any) -> Any:
        # Methods are created on first use (creating them all would cost more
        # than the mock itself); the ones with a default get it here.
        name: str = kw.get("_new_name", "")
        if kw.get("_new_parent") is not self:
            return super()._get_child_mock(**kw)
        make = _SOCKET_METHODS.get(name)
        if make is not None:
            method_class, default = make
            child = method_class(socket_default=default(self), **kw)
            if name == "recv":
                child.__dict__[_RECV_OF] = self
        elif name in self._default_returns:
            child = _mock.MagicMock(**kw)
            child.return_value = self._default_returns[name]
        else:
            return super()._get_child_mock(**kw)
        if _support.is_sealed(self):
            # seal() forbids new attributes, but these are part of the mock's
            # configuration: create them (and the return value that stands
            # for "not configured"), sealed like the rest.
            child.return_value  # noqa: B018
            _mock.seal(child)
        return child


class SSLSocketMock(SocketMock):
    """A mock non-blocking TLS socket, specced on ``ssl.SSLSocket``.

    Defaults as for ``SocketMock``, except that ``recv()`` raises
    ``ssl.SSLWantReadError`` (what a non-blocking ``SSLSocket`` raises when no
    record is ready), ``pending()`` is 0 and ``do_handshake()`` succeeds.  Like
    a real one, it is refused by ``loop.sock_recv`` and friends.
    """

    _nothing_to_read = ssl.SSLWantReadError
    _default_returns = {**SocketMock._default_returns, "pending": 0, "do_handshake": None}
    _socket_class = ssl.SSLSocket


# -- private helpers ------------------------------------------------------------


class _SocketMethod(_mock.MagicMock):
    """A socket method falling back on ``socket_default`` when the test configured nothing.

    A call that would return the automatic ``return_value`` mock (neither
    ``return_value`` nor a ``side_effect`` value was given) returns
    ``socket_default(*args)`` instead, so ``side_effect = None`` or a
    ``side_effect`` returning ``DEFAULT`` restore the socket behaviour.
    """

    def __init__(
        self, *args: Any, socket_default: Callable[..., Any] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.__dict__["_socket_default"] = socket_default

    def __call__(self, /, *args: Any, **kwargs: Any) -> Any:
        result = super().__call__(*args, **kwargs)
        default: Callable[..., Any] | None = self.__dict__.get("_socket_default")
        if default is not None and result is self.return_value and not _configured(self):
            result = default(*args, **kwargs)
        if _choices.current() is not None:  # an explored run: recv may fail (``_explored_recv``)
            sock = self.__dict__.get(_RECV_OF)
            if sock is not None:
                return _explored_recv(sock, result)
        return result


class _SendMethod(_SocketMethod):
    """A send method that records a bytes copy of the data it is given."""

    def __call__(self, /, *args: Any, **kwargs: Any) -> Any:
        if args and isinstance(args[0], (bytearray, memoryview)):
            args = (bytes(args[0]), *args[1:])
        sent = super().__call__(*args, **kwargs)
        if args:
            _check_sent(self, sent, memoryview(args[0]).nbytes)
        return sent


class _SendmsgMethod(_SocketMethod):
    """``sendmsg`` recording its buffers as a list of bytes (the loop passes an iterator)."""

    def __call__(self, /, *args: Any, **kwargs: Any) -> Any:
        if args:
            args = ([bytes(buffer) for buffer in args[0]], *args[1:])
        sent = super().__call__(*args, **kwargs)
        if args:
            _check_sent(self, sent, sum(map(len, args[0])))
        return sent


#: Where a socket mock's recv method keeps its mock, and a socket mock the fault of a run.
_RECV_OF = "_asynctoolkit_recv_of"
_FAULT_KEY = "_asynctoolkit_fault"
_RECV_FAULTS = ("ConnectionResetError", "EOF")


def _explored_recv(sock: SocketMock, result: Any) -> Any:
    """What ``sock.recv`` returns in an explored run: ``result``, or the fault the seed injects.

    Only calls on the run's loop, with ``faults`` above 0, draw a fault.
    """
    choices = _choices.for_running_loop()
    if choices is None or choices.faults <= 0:
        return result
    state = sock.__dict__.get(_FAULT_KEY)
    if state is not None and state[0] is choices:
        if state[2] is not None:  # a fault already ended this connection
            return b""
        number = state[1]
    else:
        number = _socket_number(choices)
    sock.__dict__[_FAULT_KEY] = (choices, number, None)
    if not isinstance(result, (bytes, bytearray)) or not result:
        return result  # nothing delivered: nothing to fail
    name = getattr(sock, "_mock_name", None)
    what = f"socket mock #{number}{f' {name!r}' if name else ''} recv"
    kind = choices.fault(what, _RECV_FAULTS)
    if kind is None:
        return result
    sock.__dict__[_FAULT_KEY] = (choices, number, kind)
    if kind == "EOF":
        return b""
    raise ConnectionResetError(
        errno.ECONNRESET,
        f"Connection reset by peer (injected by asynctoolkit.explore, seed {choices.seed})",
    )


def _socket_number(choices: _choices.Choices) -> int:
    """The next socket number of an explored run: the trace names sockets by it, in order."""
    count = _socket_counts.get(choices, 0) + 1
    _socket_counts[choices] = count
    return count


_socket_counts: weakref.WeakKeyDictionary[_choices.Choices, int] = weakref.WeakKeyDictionary()


def _configured(method: Any) -> bool:
    """True if the test set ``method.return_value`` (an unset one is a child mock)."""
    return not isinstance(method.return_value, unittest.mock.NonCallableMock)


def _check_sent(method: Any, sent: Any, given: int) -> None:
    """A send that claims more bytes than it was given would corrupt the transport's buffer."""
    if isinstance(sent, int) and sent > given:
        raise ValueError(
            f"{method!r} returned {sent} but was given {given} bytes: a socket never sends "
            "more than it is given; configure send() with counts the data can satisfy"
        )


def _all_sent(mock: SocketMock) -> Callable[..., Any]:
    def send(data: Any, *args: Any) -> int:
        return memoryview(data).nbytes

    return send


def _sendmsg_through_send(mock: SocketMock) -> Callable[..., Any]:
    def sendmsg(buffers: list[bytes], *args: Any) -> Any:
        return mock.send(b"".join(buffers))

    return sendmsg


def _nothing_ready(name: str, error: type[OSError] | None = None) -> Callable[..., Any]:
    def bind(mock: SocketMock) -> Callable[..., Any]:
        raised = error or mock._nothing_to_read

        def nothing_ready(*args: Any) -> Any:
            raise raised(f"{name}(): nothing ready on {mock!r} (set {name}.return_value)")

        return nothing_ready

    return bind


def _recv_into_through_recv(mock: SocketMock) -> Callable[..., Any]:
    def recv_into(buffer: Any, nbytes: int = 0, *args: Any) -> Any:
        view = memoryview(buffer).cast("B")
        size = nbytes or len(view)
        data = mock.recv(size, *args)
        if len(data) > size:
            raise ValueError(
                f"recv_into() read through {mock!r}.recv({size}), which returned "
                f"{len(data)} bytes: more than the buffer holds; return at most {size} "
                "bytes per call"
            )
        view[: len(data)] = data
        return len(data)

    return recv_into


#: The methods whose unconfigured calls compute their result: class, default factory.
_SOCKET_METHODS: Mapping[str, tuple[type[_SocketMethod], Callable[[SocketMock], Any]]] = {
    "send": (_SendMethod, _all_sent),
    "sendto": (_SendMethod, _all_sent),
    "sendmsg": (_SendmsgMethod, _sendmsg_through_send),
    "recv": (_SocketMethod, _nothing_ready("recv")),
    "recvfrom": (_SocketMethod, _nothing_ready("recvfrom")),
    "accept": (_SocketMethod, _nothing_ready("accept", BlockingIOError)),
    "recv_into": (_SocketMethod, _recv_into_through_recv),
}
