"""A token cache: one task refreshes the token, another expires it.  It has a bug.

The cache holds an access token that is valid for ``lifetime`` seconds.  Two
background tasks keep it:

* the refresher fetches a new token every ``lifetime`` seconds; when a fetch
  fails, it keeps the old token and tries again next time;
* the expirer clears the token every ``lifetime`` seconds, so that a token
  whose refresh failed is never served once it is stale.

Both tasks start together and sleep for the same ``lifetime``: their timers
are due at the same instant, every time.  The author assumed that the
expirer runs first (it was started first, and asyncio usually runs timers
due together in the order they were set), so that the refresher always has
the last word.  asyncio promises no such order: a loop may run timers due at
the same instant in any order.  When the refresher runs first, the expirer
clears the token it has just fetched, and the cache serves no token for a
whole ``lifetime``.

``cache_fixed.py`` is the corrected version; ``test_cache.py`` shows how
``asynctoolkit.explore`` finds the bug that ordinary tests miss.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable


class FetchError(Exception):
    """The token service did not answer."""


class TokenCache:
    """Keep a token from ``fetch()`` fresh; ``token`` is None when there is no valid one."""

    def __init__(self, fetch: Callable[[], str], lifetime: float) -> None:
        self._fetch = fetch
        self._lifetime = lifetime
        self.token: str | None = fetch()
        self._tasks = [
            asyncio.create_task(self._expire(), name="expirer"),
            asyncio.create_task(self._refresh(), name="refresher"),
        ]

    async def close(self) -> None:
        """Stop both tasks."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _expire(self) -> None:
        while True:
            await asyncio.sleep(self._lifetime)
            # The bug: "the token fetched a lifetime ago is stale now" is true
            # only if the refresher has not run yet at this instant.  If it has,
            # this clears the token it has just fetched.
            self.token = None

    async def _refresh(self) -> None:
        while True:
            await asyncio.sleep(self._lifetime)
            # A failed fetch keeps the old token: the expirer clears it.
            with contextlib.suppress(FetchError):
                self.token = self._fetch()
