"""The loops under test, and how they replace the loops asyncio's tests make.

asyncio's tests get their loops four ways: ``asyncio.new_event_loop()`` (and
``asyncio.run``, ``IsolatedAsyncioTestCase``, which call it), a direct
``asyncio.SelectorEventLoop(selector)``, and ``test_utils.TestLoop`` through
``TestCase.new_test_loop(gen)``, a loop whose time a generator scripts.

``install`` makes the first three ours: the default policy's loop factory
and ``asyncio.SelectorEventLoop`` become a subclass that builds our loop on
the selector the test asked for.  The factory is patched on the policy
*class*, not set with ``set_event_loop_policy``, because the tests reset the
policy with ``set_event_loop_policy(None)`` in tearDownModule and in some
tests; every default policy then still makes our loop.

On the selector loop, ``new_test_loop()`` without a generator returns one
(a TestLoop without a script cannot hold a timer: it is a plain loop), and
``new_test_loop(gen)`` stays asyncio's TestLoop.

With ``virtual_test_loop``, ``new_test_loop(gen)`` returns a
``VirtualTestLoop``: a ``ClockedEventLoop`` on autojump.  The generator is
not driven: time moves as the clock moves it, and the test's own assertions
(``loop.time()``, which task finished first, which timeout fired) check that
the clock gives the times the script gave.  ``TestLoop.advance_time(d)``
(jump the clock without running timers) is emulated the way a test means it:
the next idle jump would get there anyway, so it only records the target
and ``time()`` never reads less than it.
"""

from __future__ import annotations

import asyncio
import selectors
from collections import Counter
from collections.abc import Callable
from typing import Any

from asynctoolkit.clock import ClockedEventLoop
from asynctoolkit.selector import TestSelector

#: Loops made during the current test, by kind; reset by the child per test.
made: Counter[str] = Counter()
#: The clocked loops' ``io_grace`` (set by ``install``).
io_grace = 0.02


class ClockedLoop(ClockedEventLoop):
    """``ClockedEventLoop(selector, autojump=True)``, as ``SelectorEventLoop(selector)``."""

    def __init__(self, selector: selectors.BaseSelector | None = None) -> None:
        super().__init__(selector, autojump=True, io_grace=io_grace)
        made["ClockedEventLoop"] += 1


class TestSelectorLoop(asyncio.SelectorEventLoop):  # type: ignore[valid-type,misc]
    """asyncio's selector loop polling a ``TestSelector`` around the selector asked for."""

    def __init__(self, selector: selectors.BaseSelector | None = None) -> None:
        real = selector if selector is not None else selectors.DefaultSelector()
        super().__init__(TestSelector(real))
        made["TestSelector loop"] += 1


class VirtualTestLoop(ClockedEventLoop):
    """Stands for ``test_utils.TestLoop(gen)``: the same test, on virtual time."""

    def __init__(self, gen: Callable[[], Any] | None = None) -> None:
        super().__init__(autojump=True, io_grace=io_grace)
        scripted = "scripted " if gen is not None else ""
        made[f"ClockedEventLoop for a {scripted}TestLoop"] += 1

    def advance_time(self, advance: float) -> None:
        """TestLoop's jump: on autojump the clock gets there by itself when idle."""


def install(kind: str, *, virtual_test_loop: bool, grace: float = 0.02) -> None:
    """Make the loops the tests create ``kind`` loops ("clocked" or "selector").

    ``grace`` is the clocked loops' ``io_grace``.
    """
    global io_grace
    io_grace = grace
    factory: type[asyncio.AbstractEventLoop] = (
        ClockedLoop if kind == "clocked" else TestSelectorLoop
    )
    asyncio.SelectorEventLoop = factory  # type: ignore[misc,assignment]
    unix_events = getattr(asyncio, "unix_events", None)
    if unix_events is not None:
        unix_events.SelectorEventLoop = factory
    # The default policy makes ``cls._loop_factory()``: a class attribute.
    asyncio.DefaultEventLoopPolicy._loop_factory = factory  # type: ignore[attr-defined]
    from test.test_asyncio import utils as test_utils

    original_init = test_utils.TestLoop.__init__

    def counting_init(self: Any, gen: Callable[[], Any] | None = None) -> None:
        original_init(self, gen)
        made["scripted asyncio TestLoop" if gen is not None else "asyncio TestLoop"] += 1

    test_utils.TestLoop.__init__ = counting_init
    original_new_test_loop = test_utils.TestCase.new_test_loop

    def new_test_loop(self: Any, gen: Callable[[], Any] | None = None) -> Any:
        if kind == "clocked" and virtual_test_loop:
            loop: asyncio.AbstractEventLoop = VirtualTestLoop(gen)
        elif kind == "selector" and gen is None:
            # No script: a TestLoop without one can hold no timer, so any loop will do.
            loop = TestSelectorLoop()
            made["TestSelector loop for a TestLoop"] += 1
        else:
            return original_new_test_loop(self, gen)
        self.set_event_loop(loop)
        return loop

    test_utils.TestCase.new_test_loop = new_test_loop
