"""Running pytest on files a test wrote, in a subprocess (bounded), as a user would."""

from __future__ import annotations

import importlib.util

import pytest

HAS_PYTEST_ASYNCIO = importlib.util.find_spec("pytest_asyncio") is not None
HAS_XDIST = importlib.util.find_spec("xdist") is not None

needs_pytest_asyncio = pytest.mark.skipif(
    not HAS_PYTEST_ASYNCIO, reason="pytest-asyncio is not installed"
)

#: ``[]`` and ``["-n", "2"]`` (when pytest-xdist is installed): a whole run, alone and split.
SPLITS = [
    pytest.param([], id="one-process"),
    pytest.param(
        ["-p", "xdist", "-n", "2"],
        id="xdist",
        marks=pytest.mark.skipif(not HAS_XDIST, reason="pytest-xdist is not installed"),
    ),
]


def run_pytest(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """pytest in a subprocess, in the order the tests were written, bounded in time."""
    return pytester.runpytest_subprocess(
        "-p", "no:randomly", "-p", "no:cacheprovider", *args, timeout=300
    )
