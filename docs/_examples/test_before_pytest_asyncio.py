"""Before: tests for pytest-asyncio (docs/howto/from-pytest-asyncio.rst)."""

import asyncio

import pytest
import pytest_asyncio
from thermostat import Thermostat


class FakeHeater:
    def __init__(self):
        self.switches = []

    async def switch(self, on):
        self.switches.append(on)


@pytest_asyncio.fixture
async def heater():
    heater = FakeHeater()
    yield heater
    await heater.switch(False)  # leave it off


@pytest.mark.asyncio
async def test_heats_below_target(heater):
    await Thermostat(heater, target=20.0).regulate(18.5)
    assert heater.switches == [True]


@pytest.mark.asyncio
async def test_boost_ends(heater):
    boost = asyncio.create_task(Thermostat(heater, target=20.0).boost(0.01))
    await asyncio.sleep(0.05)  # real time
    assert boost.done()
    assert heater.switches == [True, False]
