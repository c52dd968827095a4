"""A suite written for pytest-asyncio < 1.0, without it (docs/howto/from-pytest-asyncio.rst)."""

import asyncio

import pytest


@pytest.fixture
def queue(event_loop):  # a synchronous fixture that drives the loop
    queue = asyncio.Queue()
    event_loop.run_until_complete(queue.put("ready"))
    return queue


@pytest.mark.asyncio
async def test_gets_what_the_fixture_put(event_loop, queue):
    assert asyncio.get_running_loop() is event_loop
    assert await queue.get() == "ready"


def test_a_synchronous_test(event_loop):
    assert event_loop.run_until_complete(asyncio.sleep(0, "done")) == "done"
