"""Virtual descriptors: what ``TestSelector`` needs to tell mocks from real files.

Kept apart from the mocks themselves (``_mocks.py``): every test loop's
selector is a ``TestSelector``, and a test that makes no mock file or socket
should not import the mock machinery (``asynctoolkit.mock``,
``unittest.mock``) for it.  This module imports none of it; ``_mocks.py``
registers ``FileMock`` here when it is imported (``_note_file_mock_class``),
and no ``FileMock`` can exist before that.
"""

from __future__ import annotations

import operator
import threading
from typing import Any, ClassVar

__all__: list[str] = []


def _first_virtual_descriptor() -> int:
    """The smallest value virtual descriptors may take.

    A real descriptor is an index below the process's ``RLIMIT_NOFILE`` limit
    (which only the hard limit bounds) and a C ``int``, so it is always below
    ``max(2**31, hard limit)``.  Starting there means a virtual descriptor can
    never name a real file (asynctest started at 0, the process's stdin), and
    one that leaks into a real system call fails (OverflowError, EBADF)
    instead of reading or closing somebody else's file.
    """
    floor = 2**31
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows: socket handles stay small
        return floor
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard < floor:
        return floor
    return int(hard)  # pragma: no cover - no system has a hard limit above 2**31


# Re-entered: ``FileDescriptor()`` holds it when it first reads ``next_fd``.
_allocation_lock = threading.RLock()


class _FirstNextFd:
    """``FileDescriptor.next_fd`` until its first read, which sets it to its first value.

    That value needs ``resource``, a shared library to load (about 0.25 ms):
    every test loop's selector checks for ``FileDescriptor``, and a test that
    makes none should not pay for it.
    """

    def __get__(self, instance: object, owner: type | None = None) -> int:
        with _allocation_lock:
            if FileDescriptor.__dict__.get("next_fd") is self:
                FileDescriptor.next_fd = _first_virtual_descriptor()
            return FileDescriptor.next_fd


class FileDescriptor(int):
    """The virtual descriptor of a mock file: an ``int`` no real file can have.

    ``FileDescriptor()`` takes the next free value (``FileDescriptor.next_fd``);
    ``FileDescriptor(n)`` wraps a chosen value.  Every creation moves
    ``next_fd`` past the highest value seen, so automatic values never repeat.
    Values start far above any real descriptor of the process (above both
    ``2**31`` and the ``RLIMIT_NOFILE`` hard limit), so a mock registered on a
    loop can never be confused with a real file.

    ``str(d)`` is the bare number; ``repr(d)`` also names the mock owning it.
    """

    #: The value ``FileDescriptor()`` will take next.
    next_fd: ClassVar[int] = _FirstNextFd()  # type: ignore[assignment]  # an int once read

    # The mock whose fileno() returns this descriptor (None for one made by hand).
    # A strong reference: a registration naming only the descriptor still names
    # its mock in failure messages; the cycle it forms is collected as usual.
    _owner: Any

    def __new__(cls, value: int | None = None) -> FileDescriptor:
        with _allocation_lock:
            if value is None:
                value = FileDescriptor.next_fd
            else:
                try:
                    value = operator.index(value)
                except TypeError:
                    raise TypeError(
                        f"FileDescriptor() takes an int (or nothing, for the next free value), "
                        f"not {type(value).__name__}"
                    ) from None
                if value < 0:
                    raise ValueError(f"a FileDescriptor cannot be negative, got {value}")
            self = super().__new__(cls, value)
            self._owner = None
            FileDescriptor.next_fd = max(FileDescriptor.next_fd, value + 1)
        return self

    def __repr__(self) -> str:
        owner = self._owner
        number = int.__repr__(self)
        if owner is None:
            return f"FileDescriptor({number})"
        return f"<FileDescriptor {number} of {owner!r}>"

    def __str__(self) -> str:
        return int.__repr__(self)

    def __reduce__(self) -> tuple[Any, ...]:
        return (FileDescriptor, (int(self),))


def fd(fileobj: Any) -> int:
    """The descriptor of ``fileobj``: itself for a ``FileDescriptor``, else ``fileobj.fileno()``.

    For a ``FileMock`` this is its ``FileDescriptor``; for a real file object,
    its real descriptor.  Raises ValueError for a plain ``int`` (it names no
    object: wrap it in ``FileDescriptor`` if it is a mock's) and for an object
    without a ``fileno()`` method returning an int.
    """
    if isinstance(fileobj, FileDescriptor):
        return fileobj
    if isinstance(fileobj, int):
        raise ValueError(
            f"fd() takes a file object, a FileMock or a FileDescriptor, not the plain int "
            f"{fileobj!r}; it already is a descriptor (wrap it in FileDescriptor() if it is a "
            "mock's)"
        )
    fileno = getattr(fileobj, "fileno", None)
    if not callable(fileno):
        raise ValueError(
            f"fd() takes a file object, a FileMock or a FileDescriptor; {fileobj!r} has no "
            "fileno() method"
        )
    value = fileno()
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(
            f"fd(): {fileobj!r}.fileno() returned {value!r}, not a descriptor (an int); "
            "a FileMock's fileno() returns a FileDescriptor unless reconfigured"
        )
    return value


def isfilemock(obj: Any) -> bool:
    """True if ``obj`` is a ``FileDescriptor`` or its ``fileno()`` returns one."""
    return virtual_descriptor(obj) is not None


# -- private helpers ------------------------------------------------------------

#: ``FileMock`` once ``_mocks.py`` is imported; until then no object can be one.
_file_mock_class: type[Any] | None = None


def _note_file_mock_class(cls: type[Any]) -> None:
    """Called by ``_mocks.py`` once ``FileMock`` is defined, for ``virtual_descriptor``."""
    global _file_mock_class
    _file_mock_class = cls


def virtual_descriptor(obj: Any) -> FileDescriptor | None:
    """The FileDescriptor ``obj`` is or has, or None (never raises).

    Plain ints and objects whose ``fileno()`` fails or returns a real
    descriptor are real files: None.
    """
    if isinstance(obj, int):
        return obj if isinstance(obj, FileDescriptor) else None
    file_mock = _file_mock_class
    if file_mock is not None and isinstance(obj, file_mock):
        # Read the configured answer rather than calling fileno(): the
        # selector's lookups stay out of the mock's recorded calls.
        fileno = obj.fileno
        if fileno.side_effect is None:
            value = fileno.return_value
            return value if isinstance(value, FileDescriptor) else None
    fileno = getattr(obj, "fileno", None)
    if fileno is None or not callable(fileno):
        return None
    try:
        value = fileno()
    except Exception:  # a closed file, or no file at all: not a mock
        return None
    return value if isinstance(value, FileDescriptor) else None
