"""asynctoolkit: the asyncio-first testing toolkit.

Every public name of every module is available here, so
``asynctoolkit.TestCase is asynctoolkit.case.TestCase``, and
``from asynctoolkit import *`` brings them all, with the module names.
Each module is imported when one of its names is first used: a suite that
only uses ``TestCase`` and mocks does not pay for the clock or the selector.

The ``rpc`` package (the gRPC doubles) needs the ``grpc`` extra
(``pip install 'asynctoolkit[grpc]'``).  It is imported on first use, by
``asynctoolkit.rpc``, ``from asynctoolkit import rpc`` or
``import asynctoolkit.rpc``, so that ``import asynctoolkit`` works without
grpcio.  For the same reason it is not in ``__all__``: a star import must not
need grpcio either.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # At run time each module is imported on first use (``__getattr__``).
    from asynctoolkit import case, clock, entry, helpers, mock, selector
    from asynctoolkit.case import (
        ClockedTestCase,
        FunctionTestCase,
        TestCase,
        explore,
        fail_on,
        ignore_loop,
        lenient,
        strict,
        timeout,
    )
    from asynctoolkit.clock import ClockedEventLoop, DeadlockError, StalledClockError, clock_of
    from asynctoolkit.entry import function, method, run
    from asynctoolkit.helpers import exhaust_callbacks
    from asynctoolkit.mock import (
        ANY,
        CONTEXT,
        DEFAULT,
        DEFAULT_AWAIT_TIMEOUT,
        GLOBAL,
        LIMITED,
        AsyncMock,
        AwaitedEvent,
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
        seal,
        sentinel,
    )
    from asynctoolkit.selector import (
        FileDescriptor,
        FileMock,
        SocketMock,
        SSLSocketMock,
        TestSelector,
        fd,
        isfilemock,
        set_read_ready,
        set_write_ready,
    )

__version__ = "0.1.0"

__all__ = [
    "ANY",
    "CONTEXT",
    "DEFAULT",
    "DEFAULT_AWAIT_TIMEOUT",
    "GLOBAL",
    "LIMITED",
    "AsyncMock",
    "AwaitedEvent",
    "ClockedEventLoop",
    "ClockedTestCase",
    "CoroutineMock",
    "DeadlockError",
    "FileDescriptor",
    "FileMock",
    "FunctionTestCase",
    "MagicMock",
    "Mock",
    "NonCallableMagicMock",
    "NonCallableMock",
    "PatchScope",
    "PropertyMock",
    "SSLSocketMock",
    "SocketMock",
    "StalledClockError",
    "TestCase",
    "TestSelector",
    "call",
    "case",
    "clock",
    "clock_of",
    "create_autospec",
    "entry",
    "exhaust_callbacks",
    "explore",
    "fail_on",
    "fd",
    "function",
    "helpers",
    "ignore_loop",
    "isfilemock",
    "lenient",
    "method",
    "mock",
    "mock_open",
    "patch",
    "return_once",
    "run",
    "seal",
    "selector",
    "sentinel",
    "set_read_ready",
    "set_write_ready",
    "strict",
    "timeout",
]


# Where each public name lives.  A module is imported when one of its names is
# first used, so a run pays only for what it uses (``import asynctoolkit``
# itself imports nothing of ours).  A new public name goes in __all__, in the
# imports for type checkers above, and here (tests/test_lazy_import.py checks).
_SOURCES: dict[str, tuple[str, ...]] = {
    "case": (
        "ClockedTestCase",
        "FunctionTestCase",
        "TestCase",
        "explore",
        "fail_on",
        "ignore_loop",
        "lenient",
        "strict",
        "timeout",
    ),
    "clock": ("ClockedEventLoop", "DeadlockError", "StalledClockError", "clock_of"),
    "entry": ("function", "method", "run"),
    "helpers": ("exhaust_callbacks",),
    "mock": (
        "ANY",
        "CONTEXT",
        "DEFAULT",
        "DEFAULT_AWAIT_TIMEOUT",
        "GLOBAL",
        "LIMITED",
        "AsyncMock",
        "AwaitedEvent",
        "CoroutineMock",
        "MagicMock",
        "Mock",
        "NonCallableMagicMock",
        "NonCallableMock",
        "PatchScope",
        "PropertyMock",
        "call",
        "create_autospec",
        "mock_open",
        "patch",
        "return_once",
        "seal",
        "sentinel",
    ),
    "selector": (
        "FileDescriptor",
        "FileMock",
        "SocketMock",
        "SSLSocketMock",
        "TestSelector",
        "fd",
        "isfilemock",
        "set_read_ready",
        "set_write_ready",
    ),
}
_MODULE_OF = {name: module for module, names in _SOURCES.items() for name in names}
# ``rpc`` imports grpc: it is not in __all__, so a star import needs no grpcio.
_MODULES = frozenset({*_SOURCES, "rpc"})


def __getattr__(name: str) -> Any:
    # Called only for a name not set yet: the first use of a name or module.
    # Without grpcio, the ImportError raised by ``asynctoolkit.rpc`` says
    # what to install.
    module = _MODULE_OF.get(name)
    if module is None and name not in _MODULES:
        raise AttributeError(f"module 'asynctoolkit' has no attribute {name!r}")
    # Past pytest's assertion rewriting while the plugin runs (_shared/lazy.py).
    from asynctoolkit._shared import lazy

    if module is not None:
        value = getattr(lazy.import_module(f"asynctoolkit.{module}"), name)
        globals()[name] = value  # later uses find it directly
        return value
    return lazy.import_module(f"asynctoolkit.{name}")  # which sets the attribute


def __dir__() -> list[str]:
    # Every public name, and ``rpc``, even before their first use.
    return sorted({*globals(), *_MODULE_OF, *_MODULES})
