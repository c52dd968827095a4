"""The token cache of ``cache.py``, fixed: one task owns the token.

Two timers due at the same instant may fire in either order, so two tasks
that must act in a given order at that instant cannot be two timers.  Here
the refresher and the expirer become one task, which does both steps in the
order the cache needs: fetch a new token, and clear the old one only when
the fetch failed.

(Another correct fix keeps two tasks but makes the expirer decide from the
state instead of from the clock's order: store the token's expiry time with
it, and clear only a token whose time is up.  One task is simpler.)
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from explore_cache.cache import FetchError

__all__ = ["FetchError", "TokenCache"]


class TokenCache:
    """Keep a token from ``fetch()`` fresh; ``token`` is None when there is no valid one."""

    def __init__(self, fetch: Callable[[], str], lifetime: float) -> None:
        self._fetch = fetch
        self._lifetime = lifetime
        self.token: str | None = fetch()
        self._task = asyncio.create_task(self._keep_fresh(), name="keep-fresh")

    async def close(self) -> None:
        """Stop the task."""
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def _keep_fresh(self) -> None:
        while True:
            await asyncio.sleep(self._lifetime)
            try:
                self.token = self._fetch()
            except FetchError:
                self.token = None  # the old token is stale now, and there is no new one
