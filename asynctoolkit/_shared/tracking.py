"""How the mock module tells the running test about coroutines it hands out.

A ``CoroutineMock`` call returns a coroutine.  If the code under test drops it
without awaiting it, that is the bug the ``unawaited_coroutines`` check exists
for, and the report should name the mock and the call rather than an internal
coroutine function.  While a test runs, the TestCase opens a collector here;
``track_coroutine`` appends to it, and the check inspects what was collected.
Outside a test nothing is collected and nothing is kept alive.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any, NamedTuple

__all__: list[str] = []


class TrackedCoroutine(NamedTuple):
    """A coroutine handed out by a mock, with what to call it in a report."""

    coroutine: Coroutine[Any, Any, Any]
    owner: object
    call: object


# The collector of the test being run, or None between tests.  Only the
# TestCase machinery sets it (``open_collector``/``close_collector``).
_collector: list[TrackedCoroutine] | None = None


def track_coroutine(coroutine: Coroutine[Any, Any, Any], owner: object, call: object) -> None:
    """Record that ``owner`` (a mock) returned ``coroutine`` for ``call``.

    Cheap and a no-op outside a test; called by ``CoroutineMock`` on each call.
    """
    if _collector is not None:
        _collector.append(TrackedCoroutine(coroutine, owner, call))


def open_collector() -> list[TrackedCoroutine]:
    """Start collecting for a test; returns the list that will be filled."""
    global _collector
    _collector = []
    return _collector


def close_collector() -> list[TrackedCoroutine]:
    """Stop collecting; returns what was collected."""
    global _collector
    collected, _collector = _collector or [], None
    return collected
