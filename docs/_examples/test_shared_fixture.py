"""An async fixture both plugins use, in either mode (docs/howto/from-pytest-asyncio.rst)."""

import asyncio

import pytest
import pytest_asyncio


class Connection:
    def __init__(self):
        self.loop = asyncio.get_running_loop()

    async def close(self):
        await asyncio.sleep(0)


@pytest_asyncio.fixture  # what pytest-asyncio's strict mode needs
async def connection():
    connection = Connection()
    yield connection
    await connection.close()


@pytest.mark.asyncio
async def test_still_on_pytest_asyncio(connection):
    assert connection.loop is asyncio.get_running_loop()


async def test_moved_to_asynctoolkit(connection, loop):
    assert connection.loop is loop  # set up on this test's own loop
