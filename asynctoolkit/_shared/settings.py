"""Process-wide settings that the runner's command line changes."""

from __future__ import annotations

from dataclasses import dataclass

__all__: list[str] = []

#: The default real-time limit of one test, in seconds.
DEFAULT_TIMEOUT = 60.0


@dataclass
class Settings:
    """``strict``: every check on for every test (``--strict``).
    ``timeout``: time limit of tests that set none (``--timeout``); None for no limit.
    """

    strict: bool = False
    timeout: float | None = DEFAULT_TIMEOUT


settings = Settings()
