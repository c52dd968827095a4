"""The pytest plugin: plain ``async def test_...`` functions on a fresh checked loop.

Installed with the package (entry point ``pytest11``), it runs every
``async def`` test function that no other plugin claims the way
``asynctoolkit.TestCase`` runs a test: a new event loop per test, one
context for the test and its async fixtures, and the same checks afterwards.

Fixtures:

``loop``
    The test's event loop.
``clock``
    The test's loop when it runs on virtual time (a ``ClockedEventLoop``):
    asking for it is enough to make the test clocked.  ``await
    clock.advance(1)``, ``clock.advance_to``, ``clock.run_until_idle``,
    ``clock.autojump = True``.
``event_loop``
    ``loop`` under pytest-asyncio's old name, while pytest-asyncio is not
    loaded (then the tests marked ``asyncio`` are ours too).

Marker ``@pytest.mark.asynctoolkit(clock=False, timeout=..., explore=None, **checks)``:
``clock=True`` (or ``"autojump"``) runs the test on virtual time; ``timeout``
is the real-time limit in seconds (``None``: no limit); ``explore=RUNS`` (or
a dict of ``explore``'s arguments) explores it as ``@asynctoolkit.explore``
does; each other keyword turns a check on or off as ``fail_on`` does.
``--asynctoolkit-seed N`` replays seed N in every explored test.

Async fixtures (``async def`` and async generators, function scope) run on
the test's loop.  The checks run after every fixture was finalised: their
findings join the test's own failure, or, when it passed, are an error in
its teardown (``_pytest_runs.py``).

Living with pytest-asyncio: a test marked ``@pytest.mark.asyncio`` is left
to it; a test marked ``@pytest.mark.asynctoolkit`` is always ours, and so is
an unmarked async test that asks for ``loop`` or ``clock``.  Any other
unmarked async test is pytest-asyncio's in its ``auto`` mode and ours
otherwise, unless the ini option ``asynctoolkit_unmarked = asynctoolkit``
(or ``--asynctoolkit-unmarked=asynctoolkit``) makes every unmarked async test
ours in any mode.  pytest's report header says which plugin runs them.
Every async fixture a test of ours requests runs on that test's loop,
however it was declared.  The tests pytest-asyncio runs get their async
fixtures from it: in its ``strict`` mode only those declared with
``@pytest_asyncio.fixture`` (pytest itself cannot run a plain
``@pytest.fixture`` async fixture for them: pytest 9 fails such a test at
setup, pytest 8 hands it the coroutine unrun).  Its ``asyncio_debug``
setting puts our tests' loops in debug mode too.  While it is not loaded, its
marker, ``event_loop`` and ini options are offered (``_pytest_asyncio.py``).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

__all__: list[str] = []


@contextlib.contextmanager
def _without_assertion_rewriting() -> Iterator[None]:
    """Import asynctoolkit's own modules with Python's import system alone.

    pytest rewrites the asserts of every module of a plugin's distribution,
    through an import hook that reads each module's cached code back with
    ``marshal.load`` on an open file: about 2.5M instructions a module,
    80M for the 33 modules a run of async tests imports, 4% of pytest's
    start-up (bench/bench_pytest.py).  The package has no assert whose
    message a user reads.  Detail of pytest: the hook is the finder of class
    ``_pytest.assertion.rewrite.AssertionRewritingHook`` in ``sys.meta_path``
    (canary: tests/plugin/test_pytest_details.py).  It is taken out only
    while the plugin imports our modules, at start-up and when the first
    async test is collected (another thread importing meanwhile would skip
    it too), and when a name is first used (``from asynctoolkit import
    TestCase``: ``_shared/lazy.py``).  A module a test file imports itself
    (``import asynctoolkit.mock``) is rewritten as before.
    """
    hooks = [
        (index, finder)
        for index, finder in enumerate(sys.meta_path)
        if type(finder).__name__ == "AssertionRewritingHook"
        and type(finder).__module__ == "_pytest.assertion.rewrite"
    ]
    for _, finder in reversed(hooks):
        sys.meta_path.remove(finder)
    try:
        yield
    finally:
        for index, finder in hooks:
            sys.meta_path.insert(index, finder)


# The hooks and fixtures live in ``_pytest_hooks.py``: this module is the
# one pytest imports itself, with its assertion-rewriting hook (about 0.25M
# instructions a kilobyte of compiled code, against 0.04M for Python's own
# import), so it holds only what imports the rest without that hook.
with _without_assertion_rewriting():
    from asynctoolkit._pytest_hooks import *  # noqa: F403
