"""The coroutines the mocks hand out during a test (``unawaited_coroutines``).

A ``CoroutineMock`` call returns a coroutine.  If the code under test drops it
without awaiting it, that is the bug the ``unawaited_coroutines`` check exists
for, and the report should name the mock and the call rather than an internal
coroutine function.  While a test runs, its ``unawaited_coroutines`` check
opens a collector in the test's ``contextvars.Context``; ``track_coroutine``
appends to the collector of the context it is called in, so a test run inside
another test, or tests running in other threads, each collect their own.
Outside a test nothing is collected and nothing is kept alive.

Apart from ``tracking`` (the collector's side): importing the mocks does not
import what watches the garbage collector.
"""

from __future__ import annotations

import contextvars
from collections.abc import Coroutine
from typing import Any

__all__: list[str] = []


class TrackedCoroutine:
    """A coroutine handed out by a mock, with what to call it in a report."""

    # A plain class: defining a NamedTuple costs ten times as much at import.
    __slots__ = ("call", "coroutine", "owner")

    def __init__(self, coroutine: Coroutine[Any, Any, Any], owner: object, call: object) -> None:
        self.coroutine = coroutine
        self.owner = owner
        self.call = call


class Collector(list[TrackedCoroutine]):
    """What one test collects; ``closed`` once its check has looked."""

    closed = False


_collector: contextvars.ContextVar[Collector | None] = contextvars.ContextVar(
    "asynctoolkit_coroutine_collector", default=None
)


def track_coroutine(coroutine: Coroutine[Any, Any, Any], owner: object, call: object) -> None:
    """Record that ``owner`` (a mock) returned ``coroutine`` for ``call``.

    Cheap and a no-op outside a test; called by ``CoroutineMock`` on each call.
    """
    collector = _collector.get()
    if collector is not None and not collector.closed:
        collector.append(TrackedCoroutine(coroutine, owner, call))


def open_collector(context: contextvars.Context) -> Collector:
    """Start collecting for the test that runs in ``context``."""
    collector = Collector()
    context.run(_collector.set, collector)
    return collector


def close_collector(collector: Collector) -> list[TrackedCoroutine]:
    """Stop collecting into ``collector``; returns what it collected."""
    collector.closed = True
    collected = list(collector)
    collector.clear()
    return collected
