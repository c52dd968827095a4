"""Unmarked async tests in pytest-asyncio's auto mode (docs/howto/from-pytest-asyncio.rst)."""

import asyncio

import pytest


async def test_forgets_a_task():
    asyncio.get_running_loop().create_task(asyncio.sleep(60), name="forgotten")


@pytest.mark.asyncio
async def test_marked_for_pytest_asyncio():
    await asyncio.sleep(0)
