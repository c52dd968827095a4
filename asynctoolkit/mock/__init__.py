"""Mocks and patches for asyncio code: ``unittest.mock``, aware of coroutine functions.

The classes are ``unittest.mock``'s own, subclassed, so everything their
documentation says holds, and a suite moving from ``unittest.mock`` changes
only its imports.  What asynctoolkit adds:

* ``AsyncMock`` is ``unittest.mock.AsyncMock`` (its children are
  ``AsyncMock``, awaitable results are not awaited) with extras: awaits can
  be waited for (``await mock.awaited.wait()``), and a call that is never
  awaited is reported by the TestCase's ``unawaited_coroutines`` check.
* ``CoroutineMock`` mocks a coroutine function as asynctest's did: ``await
  mock(...)`` gives its ``return_value`` or ``side_effect`` (awaitable
  outcomes awaited), and its return value and attributes are ``MagicMock``,
  so ``(await mock()).json()`` is a plain call.  A ``CoroutineMock`` is an
  ``AsyncMock``, with the same extras.
* Where the class is chosen automatically for a coroutine function, the
  choice is the standard library's: an ``AsyncMock``.  That is ``patch``
  (with ``patch.object``, ``patch.multiple``) of a coroutine function,
  attributes that are coroutine functions on the spec (or the wrapped
  object) of ``Mock``, ``MagicMock``, ``NonCallableMock``,
  ``NonCallableMagicMock`` and ``create_autospec``, and the ``__aenter__``,
  ``__aexit__`` and ``__anext__`` of ``MagicMock`` (which also supports
  ``async for``).  The asynctest compatibility layer
  (``asynctoolkit.compat``) makes asynctest's choice instead, a
  ``CoroutineMock``.
* ``patch`` (with ``patch.dict``, ``patch.stopall``) adds ``scope``: on a
  decorated coroutine or generator, GLOBAL keeps the patch for the whole
  call, LIMITED only while it runs (not while it is suspended), CONTEXT for
  the whole call but only in its task and the tasks it starts.

Example::

    from asynctoolkit.mock import patch

    @patch("app.client.fetch")
    async def test_retries(self, fetch):
        fetch.side_effect = [ConnectionError(), b"ok"]
        self.assertEqual(await app.get_page(), b"ok")
        self.assertEqual(fetch.await_count, 2)
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from unittest.mock import ANY, DEFAULT, call, seal, sentinel

from asynctoolkit._shared import lazy
from asynctoolkit.mock._awaited import DEFAULT_AWAIT_TIMEOUT, AwaitedEvent
from asynctoolkit.mock._classes import (
    AsyncMock,
    CoroutineMock,
    MagicMock,
    Mock,
    NonCallableMagicMock,
    NonCallableMock,
)

if TYPE_CHECKING:  # At run time imported on first use (``__getattr__``).
    from asynctoolkit.mock._autospec import create_autospec
    from asynctoolkit.mock._decorate import PatchScope
    from asynctoolkit.mock._helpers import PropertyMock, mock_open, return_once
    from asynctoolkit.mock._patch import CONTEXT, GLOBAL, LIMITED, patch

__all__ = [
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
]

#: ``dir(mock)`` lists only what is useful (no private or inherited names)
#: while this and ``unittest.mock.FILTER_DIR`` are true, as in unittest.mock.
FILTER_DIR = True

# Patching, autospec and the helpers are imported when one of their names is
# first used: a run that only makes mocks does not pay for them.
_SOURCES = {
    "create_autospec": "_autospec",
    "PatchScope": "_decorate",
    "PropertyMock": "_helpers",
    "mock_open": "_helpers",
    "return_once": "_helpers",
    "CONTEXT": "_patch",
    "GLOBAL": "_patch",
    "LIMITED": "_patch",
    "patch": "_patch",
}


__getattr__, __dir__ = lazy.names(__name__, globals(), _SOURCES)
