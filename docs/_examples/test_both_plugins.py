"""Both plugins in one module (docs/howto/from-pytest-asyncio.rst)."""

import asyncio

import pytest


@pytest.mark.asyncio
async def test_run_by_pytest_asyncio():
    await asyncio.sleep(0)


@pytest.mark.asynctoolkit
async def test_run_by_asynctoolkit(loop):
    assert asyncio.get_running_loop() is loop
