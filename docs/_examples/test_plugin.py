"""What the pytest plugin offers (docs/reference/pytest-plugin.rst)."""

import asyncio

import pytest


@pytest.fixture
async def queue():
    """An async fixture: set up and finalised on the test's loop."""
    queue = asyncio.Queue()
    yield queue
    assert queue.empty(), "the test left items in the queue"


async def test_fixtures_share_the_loop(loop, queue):
    assert asyncio.get_running_loop() is loop
    await queue.put("item")
    assert await queue.get() == "item"


async def test_on_virtual_time(clock):
    fired = []
    clock.call_later(30, lambda: fired.append(clock.time()))
    await clock.advance(30)
    assert fired == [30]


@pytest.mark.asynctoolkit(clock="autojump")
async def test_a_day_in_no_time():
    await asyncio.sleep(86_400)
    assert asyncio.get_running_loop().time() == 86_400


@pytest.mark.asynctoolkit(pending_tasks=False, timeout=5)
async def test_leaves_a_task_on_purpose():
    asyncio.get_running_loop().create_task(asyncio.sleep(60))
