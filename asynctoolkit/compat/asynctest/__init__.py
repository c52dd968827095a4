"""``asynctest``, as the compatibility layer provides it (see ``asynctoolkit.compat``).

As in asynctest, the top level holds unittest's public names (``TestSuite``,
``TextTestRunner``, ``skip``, ``skipIf``, ``expectedFailure``, ``main``,
``TestLoader``, ``defaultTestLoader``...), then every name of the four
submodules on top of them, so ``asynctest.TestCase`` is asynctoolkit's
``TestCase`` while ``asynctest.main`` is ``unittest.main``.  ``__all__`` is
unittest's, as asynctest's was: ``from asynctest import *`` brings unittest's
names, with asynctoolkit's ``TestCase`` and ``FunctionTestCase``.

Importing this package registers nothing; ``install_asynctest()`` makes it
importable as ``asynctest``.
"""

# ruff: noqa: F401  (a module of re-exports whose __all__ is unittest's, as asynctest's was)

from __future__ import annotations

import unittest

from asynctoolkit.compat.asynctest import case, helpers, mock, selector
from asynctoolkit.compat.asynctest.case import (
    ClockedTestCase,
    FunctionTestCase,
    TestCase,
    fail_on,
    ignore_loop,
    lenient,
    strict,
)
from asynctoolkit.compat.asynctest.helpers import exhaust_callbacks
from asynctoolkit.compat.asynctest.mock import (
    ANY,
    DEFAULT,
    GLOBAL,
    LIMITED,
    CoroutineMock,
    MagicMock,
    Mock,
    NonCallableMagicMock,
    NonCallableMock,
    PatchScope,
    PropertyMock,
    call,
    create_autospec,
    mock_open,
    patch,
    return_once,
    sentinel,
)
from asynctoolkit.compat.asynctest.selector import (
    FileDescriptor,
    FileMock,
    SocketMock,
    SSLSocketMock,
    TestSelector,
    fd,
    get_registered_events,
    isfilemock,
    set_read_ready,
    set_write_ready,
)

# unittest's public names that the submodules did not replace (asynctest did
# ``from unittest import *`` first, then its own modules' names on top).
globals().update(
    {name: getattr(unittest, name) for name in unittest.__all__ if name not in globals()}
)

__all__ = list(unittest.__all__)
