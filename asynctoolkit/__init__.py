"""asynctoolkit: the asyncio-first testing toolkit.

Every public name of every module is available here, so
``asynctoolkit.TestCase is asynctoolkit.case.TestCase``.  The ``rpc`` module
(gRPC doubles) needs the ``grpc`` extra and is imported only when first used:
``asynctoolkit.rpc``.
"""

from __future__ import annotations

import importlib
from typing import Any

from asynctoolkit import case, entry, helpers
from asynctoolkit.case import (
    ClockedTestCase,
    FunctionTestCase,
    TestCase,
    fail_on,
    ignore_loop,
    lenient,
    strict,
    timeout,
)
from asynctoolkit.entry import function, method, run
from asynctoolkit.helpers import exhaust_callbacks

__version__ = "0.1.0"

__all__ = [
    "ClockedTestCase",
    "FunctionTestCase",
    "TestCase",
    "case",
    "entry",
    "exhaust_callbacks",
    "fail_on",
    "function",
    "helpers",
    "ignore_loop",
    "lenient",
    "method",
    "rpc",
    "run",
    "strict",
    "timeout",
]


def __getattr__(name: str) -> Any:
    # ``rpc`` imports grpc: load it on first use only.
    if name == "rpc":
        return importlib.import_module("asynctoolkit.rpc")
    raise AttributeError(f"module 'asynctoolkit' has no attribute {name!r}")
