"""Small helpers: ``PropertyMock``, ``mock_open`` and ``return_once``."""

from __future__ import annotations

import io
import unittest.mock as _um
from collections.abc import Iterator
from typing import Any

from asynctoolkit.mock._classes import MagicMock, Mock

__all__ = ["PropertyMock", "mock_open", "return_once"]


class PropertyMock(_um.PropertyMock, Mock):
    """``unittest.mock.PropertyMock``: a mock to set on a class as a property.

    Reading the attribute calls the mock with no arguments (its
    ``return_value`` is the value read), setting it calls the mock with the
    new value::

        with patch.object(Config, "mode", new_callable=PropertyMock) as mode:
            mode.return_value = "test"
            assert Config().mode == "test"
        mode.assert_called_once_with()

    Its return value and attributes are asynctoolkit ``MagicMock``.
    """

    __module__ = "asynctoolkit.mock"  # where users find it

    def _get_child_mock(self, /, **kwargs: Any) -> Any:
        return MagicMock(**kwargs)


# What the mock of open() may be used for: the attributes of the real open().
_OPEN_SPEC = sorted(set(dir(io.open)))


def mock_open(mock: Any = None, read_data: str | bytes = "") -> Any:
    """A mock to replace ``open()``, called directly or used as a context manager.

    The file handle it returns serves ``read_data`` (str or bytes) through
    ``read``, ``readline``, ``readlines`` and iteration, as
    ``unittest.mock.mock_open`` does; ``handle = m.return_value`` records
    writes.  ``mock`` is the mock to configure; by default a ``MagicMock``
    named ``open`` limited to what ``open`` has.  Typical use::

        with patch("mymodule.open", mock_open(read_data="data")) as m:
            ...
        m.assert_called_once_with("path", "r")
    """
    if mock is None:
        mock = MagicMock(name="open", spec=_OPEN_SPEC)
    return _um.mock_open(mock, read_data)


def return_once(value: Any, then: Any = None) -> Iterator[Any]:
    """A ``side_effect`` that answers ``value`` to the first call and ``then`` to every later one.

    Works with ``Mock`` and ``CoroutineMock`` alike.  An exception (class or
    instance) given as ``value`` or ``then`` is raised instead of returned::

        sock.recv = Mock(side_effect=return_once(b"data", then=BlockingIOError))
        sock.recv()  # b"data"
        sock.recv()  # raises BlockingIOError
    """
    yield value
    while True:
        yield then
