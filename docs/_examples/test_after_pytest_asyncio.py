"""After: the same tests for asynctoolkit's plugin (docs/howto/from-pytest-asyncio.rst)."""

import asyncio

import pytest
from thermostat import Thermostat


class FakeHeater:
    def __init__(self):
        self.switches = []

    async def switch(self, on):
        self.switches.append(on)


@pytest.fixture
async def heater():
    heater = FakeHeater()
    yield heater
    await heater.switch(False)  # leave it off


async def test_heats_below_target(heater):
    await Thermostat(heater, target=20.0).regulate(18.5)
    assert heater.switches == [True]


async def test_boost_ends(heater, clock):
    boost = asyncio.create_task(Thermostat(heater, target=20.0).boost(600))
    await clock.advance(600)  # virtual time
    assert boost.done()
    assert heater.switches == [True, False]
