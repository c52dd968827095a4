"""``ClockedTestCase``: a ``TestCase`` on virtual time (imported on first use)."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from asynctoolkit.case import TestCase, _loops

__all__ = ["ClockedTestCase"]


class ClockedTestCase(TestCase):
    """A ``TestCase`` whose loop runs on virtual time.

    Time starts at 0 and moves only through ``await self.advance(seconds)``,
    ``await self.advance_to(when)``, or, with ``autojump = True``, by itself
    whenever every task is blocked on a timer.  Every check of ``TestCase``
    still applies.
    """

    #: Jump to the next timer whenever every task is blocked (see ``ClockedEventLoop``).
    autojump: ClassVar[bool] = False
    #: Make ``time.monotonic``/``time.time``/``time.perf_counter`` follow the clock.
    patch_time: ClassVar[bool] = False

    @classmethod
    def _adopts_current_loop(cls) -> bool:
        return False  # a plain loop cannot run on virtual time: the class makes its own

    @classmethod
    def _make_loop(cls) -> asyncio.AbstractEventLoop:
        from asynctoolkit.clock import ClockedEventLoop

        factory = cls.loop_factory
        if factory is not None:
            loop = factory()
            if not isinstance(loop, ClockedEventLoop):
                loop.close()
                raise TypeError(
                    f"{cls.__qualname__}.loop_factory returned a {type(loop).__qualname__}, which "
                    "cannot run on virtual time; a ClockedTestCase needs a ClockedEventLoop "
                    "(subclass): remove loop_factory or use TestCase instead"
                )
            loop.autojump = cls.autojump
            return loop
        return _loops.new_clocked_loop(autojump=cls.autojump)

    def _begin_test(self) -> None:
        super()._begin_test()
        if type(self).patch_time:
            patcher = self._clock.patch_time()
            patcher.__enter__()
            self.addCleanup(patcher.__exit__, None, None, None)

    @property
    def _clock(self) -> Any:
        return self.loop

    async def advance(self, seconds: float) -> None:
        """Move virtual time forward by ``seconds``, running everything due on time."""
        await self._clock.advance(seconds)

    async def advance_to(self, when: float) -> None:
        """Move virtual time forward to ``when`` (absolute loop time)."""
        await self._clock.advance_to(when)

    async def run_until_idle(self) -> None:
        """Run until no callback is ready and every task is blocked; time stays."""
        await self._clock.run_until_idle()
