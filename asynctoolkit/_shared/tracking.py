"""How the mock module tells the running test about coroutines it hands out.

A ``CoroutineMock`` call returns a coroutine.  If the code under test drops it
without awaiting it, that is the bug the ``unawaited_coroutines`` check exists
for, and the report should name the mock and the call rather than an internal
coroutine function.  While a test runs, its ``unawaited_coroutines`` check
opens a collector in the test's ``contextvars.Context``; ``track_coroutine``
appends to the collector of the context it is called in, so a test run inside
another test, or tests running in other threads, each collect their own.
Outside a test nothing is collected and nothing is kept alive.
"""

from __future__ import annotations

import contextvars
from collections.abc import Coroutine
from typing import Any, NamedTuple

__all__: list[str] = []


class TrackedCoroutine(NamedTuple):
    """A coroutine handed out by a mock, with what to call it in a report."""

    coroutine: Coroutine[Any, Any, Any]
    owner: object
    call: object


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
