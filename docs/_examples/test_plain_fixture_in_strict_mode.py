"""A plain async fixture in strict mode (docs/howto/from-pytest-asyncio.rst)."""

import asyncio

import pytest


@pytest.fixture  # not @pytest_asyncio.fixture
async def connection_loop():
    return asyncio.get_running_loop()


async def test_moved_to_asynctoolkit(connection_loop, loop):
    assert connection_loop is loop


@pytest.mark.asyncio
async def test_still_on_pytest_asyncio(connection_loop):
    assert connection_loop is asyncio.get_running_loop()


async def test_unrelated():
    await asyncio.sleep(0)
