"""The tutorial's tests as plain pytest functions (docs/tutorial.rst)."""

import asyncio

import pytest
from thermostat import Heater, Thermostat

from asynctoolkit.mock import Mock, call, patch


async def test_heats_below_target():
    heater = Mock(spec=Heater)
    await Thermostat(heater, target=20.0).regulate(18.5)
    heater.switch.assert_awaited_once_with(True)


async def test_boost_lasts_ten_minutes(clock):
    heater = Mock(spec=Heater)
    boost = asyncio.create_task(Thermostat(heater, target=20.0).boost(600))
    await clock.advance(599)
    heater.switch.assert_awaited_once_with(True)
    await clock.advance(1)
    assert heater.switch.await_args_list == [call(True), call(False)]
    assert boost.done()


@pytest.mark.asynctoolkit(clock="autojump", timeout=5)
async def test_reads_every_minute():
    heater = Mock(spec=Heater)
    with patch("thermostat.read_temperature", side_effect=[18.0, 21.0]):
        running = asyncio.create_task(Thermostat(heater, target=20.0, interval=60).run())
        await asyncio.sleep(90)  # readings at t=0 and t=60
        running.cancel()
    assert heater.switch.await_args_list == [call(True), call(False)]
