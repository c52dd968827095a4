"""A failed check under pytest is an error at teardown (docs/reference/pytest-plugin.rst)."""

import asyncio


async def test_forgets_a_task():
    asyncio.get_running_loop().create_task(asyncio.sleep(60), name="forgotten")
