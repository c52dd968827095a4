"""A thermostat: the code under test of the tutorial (``docs/tutorial.rst``).

``Thermostat`` keeps a room at a target temperature: every ``interval``
seconds it reads the sensor and switches the heater on below the target, off
at or above it.  The heater is any object with an ``async def switch(on)``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Protocol

#: The file ``read_temperature`` reads: a Linux thermal zone, in millidegrees.
SENSOR = Path("/sys/class/thermal/thermal_zone0/temp")


class Heater(Protocol):
    """What a thermostat drives."""

    async def switch(self, on: bool) -> None:
        """Turn the heater on (True) or off (False)."""


async def read_temperature() -> float:
    """The sensor's temperature in degrees Celsius, read in a worker thread."""
    text = await asyncio.to_thread(SENSOR.read_text)
    return int(text) / 1000


class Thermostat:
    """Switches ``heater`` to keep a room at ``target`` degrees Celsius."""

    def __init__(self, heater: Heater, target: float, *, interval: float = 60.0) -> None:
        self.heater = heater
        self.target = target
        self.interval = interval
        self.heating = False

    async def regulate(self, temperature: float) -> None:
        """Heat below the target, not at or above it; the heater is told only of changes."""
        on = temperature < self.target
        if on != self.heating:
            await self.heater.switch(on)
            self.heating = on

    async def boost(self, seconds: float) -> None:
        """Heat for ``seconds`` whatever the temperature, then switch the heater off."""
        await self.heater.switch(True)
        self.heating = True
        await asyncio.sleep(seconds)
        await self.heater.switch(False)
        self.heating = False

    async def run(self) -> None:
        """Regulate until cancelled: read the sensor, act, sleep ``interval`` seconds."""
        while True:
            await self.regulate(await read_temperature())
            await asyncio.sleep(self.interval)
