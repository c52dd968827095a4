"""asynctoolkit: the asyncio-first testing toolkit.

Every public name of every module is available here, so
``asynctoolkit.TestCase is asynctoolkit.case.TestCase``, and
``from asynctoolkit import *`` brings them all, with the module names.

The ``rpc`` package (the gRPC doubles) needs the ``grpc`` extra
(``pip install 'asynctoolkit[grpc]'``).  It is imported on first use, by
``asynctoolkit.rpc``, ``from asynctoolkit import rpc`` or
``import asynctoolkit.rpc``, so that ``import asynctoolkit`` works without
grpcio.  For the same reason it is not in ``__all__``: a star import must not
need grpcio either.
"""

from __future__ import annotations

import importlib
from typing import Any

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


def __getattr__(name: str) -> Any:
    # ``rpc`` imports grpc: load it on first use only.  Without grpcio, the
    # ImportError raised by ``asynctoolkit.rpc`` says what to install.
    if name == "rpc":
        return importlib.import_module("asynctoolkit.rpc")
    raise AttributeError(f"module 'asynctoolkit' has no attribute {name!r}")


def __dir__() -> list[str]:
    # ``rpc`` is a name of the package even before its first use.
    return sorted({*globals(), "rpc"})
