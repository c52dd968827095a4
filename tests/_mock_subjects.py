"""Things for the mock tests to patch (``tests._mock_subjects.<name>``)."""

from __future__ import annotations

import functools
from typing import Any

VALUE = 10
SETTINGS: dict[str, Any] = {"mode": "real"}


async def fetch(key: str) -> str:
    return f"real {key}"


def compute(x: int) -> int:
    return x + 1


async def fetch_both(first: str, second: str) -> tuple[str, str]:
    return await fetch(first), await fetch(second)


class Service:
    """A class with every kind of method the mocks must classify."""

    limit = 3

    def __init__(self, name: str) -> None:
        self.name = name

    async def get(self, key: str) -> str:
        return f"{self.name} got {key}"

    def size(self) -> int:
        return 1

    @staticmethod
    async def ping(host: str) -> bool:
        return True

    @staticmethod
    def version() -> str:
        return "1"

    @classmethod
    async def connect(cls, url: str) -> Service:
        return cls(url)

    @classmethod
    def build(cls) -> Service:
        return cls("built")

    @property
    def status(self) -> str:
        return "up"


class AsyncCallable:
    """Instances are awaitable callables."""

    async def __call__(self, x: int) -> int:
        return x


class SyncCallable:
    """Instances are plain callables."""

    def __call__(self, x: int) -> int:
        return x


class Holder:
    """Holds callables of the kinds that count as coroutine functions, as attributes."""

    partial_get = functools.partial(fetch, "partial")
    handler = AsyncCallable()
    sync_handler = SyncCallable()
    plain = staticmethod(compute)
