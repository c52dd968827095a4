"""The tests written in the tutorial (docs/tutorial.rst), as a test module.

Run them with ``python -m asynctoolkit --strict test_thermostat`` from this directory.
"""

import asyncio

from thermostat import Heater, Thermostat

import asynctoolkit
from asynctoolkit.mock import AsyncMock, Mock, call, patch


class FakeHeater:
    def __init__(self):
        self.switches = []

    async def switch(self, on):
        self.switches.append(on)


class TestRegulate(asynctoolkit.TestCase):
    async def test_heats_below_target(self):
        heater = FakeHeater()
        thermostat = Thermostat(heater, target=20.0)
        await thermostat.regulate(18.5)
        self.assertEqual(heater.switches, [True])

    async def test_tells_the_heater_only_of_changes(self):
        heater = FakeHeater()
        thermostat = Thermostat(heater, target=20.0)
        for temperature in (18.5, 19.0, 21.0, 22.0):
            await thermostat.regulate(temperature)
        self.assertEqual(heater.switches, [True, False])


class TestBoost(asynctoolkit.ClockedTestCase):
    async def test_boost_lasts_ten_minutes(self):
        heater = FakeHeater()
        thermostat = Thermostat(heater, target=20.0)
        boost = asyncio.create_task(thermostat.boost(600))
        await self.advance(599)
        self.assertEqual(heater.switches, [True])  # not a second early
        await self.advance(1)
        self.assertEqual(heater.switches, [True, False])
        self.assertTrue(boost.done())
        self.assertEqual(self.loop.time(), 600)


class TestBoostAutojump(asynctoolkit.ClockedTestCase):
    autojump = True

    async def test_boost_switches_off_in_the_end(self):
        heater = FakeHeater()
        await Thermostat(heater, target=20.0).boost(600)
        self.assertEqual(heater.switches, [True, False])
        self.assertEqual(self.loop.time(), 600)


class TestRegulateWithMock(asynctoolkit.TestCase):
    async def test_heats_below_target(self):
        heater = Mock(spec=Heater)
        self.assertIsInstance(heater.switch, AsyncMock)
        await Thermostat(heater, target=20.0).regulate(18.5)
        heater.switch.assert_awaited_once_with(True)


class TestRun(asynctoolkit.ClockedTestCase):
    @patch("thermostat.read_temperature", side_effect=[18.0, 19.5, 21.0])
    async def test_reads_every_minute(self, read_temperature):
        heater = Mock(spec=Heater)
        thermostat = Thermostat(heater, target=20.0, interval=60)
        running = asyncio.create_task(thermostat.run())
        self.addCleanup(running.cancel)
        await self.advance(0)  # the first reading, at t=0
        heater.switch.assert_awaited_once_with(True)
        await self.advance(120)  # two more readings, at t=60 and t=120
        self.assertEqual(read_temperature.await_count, 3)
        self.assertEqual(heater.switch.await_args_list, [call(True), call(False)])
