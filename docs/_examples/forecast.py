"""The outdoor temperature, from a weather service: code under test of the migration guides.

``connect`` opens a connection to the service; its ``get`` is awaited, and so
is the ``json`` of the reply, in the style of aiohttp's client.  Tests replace
``connect``: there is no network behind it here.
"""

from __future__ import annotations

from typing import Any, Protocol


class Reply(Protocol):
    """What the service answers."""

    async def json(self) -> Any:
        """The body, decoded."""


class Connection(Protocol):
    """An open connection to the weather service."""

    async def get(self, path: str) -> Reply:
        """Send a GET request for ``path``."""


async def connect(host: str) -> Connection:
    """Open a connection to ``host`` (not in these examples: tests replace it)."""
    raise OSError(f"no network in the examples: cannot reach {host}")


async def outdoor_temperature(city: str) -> float:
    """The temperature outside in ``city``, in degrees Celsius."""
    connection = await connect("weather.example")
    reply = await connection.get(f"/now/{city}")
    data = await reply.json()
    return float(data["temperature"])
