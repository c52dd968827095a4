"""Process-wide settings that the runner's command line changes."""

from __future__ import annotations

__all__: list[str] = []

#: The default real-time limit of one test, in seconds.
DEFAULT_TIMEOUT = 60.0

#: The attribute ``explore`` sets on a test function or class (here, not in
#: ``exploration``: a run reads it for every test, explored or not, and
#: imports what exploring needs only for a test that has it).
EXPLORE_MARK = "__asynctoolkit_explore__"


class Settings:
    """``strict``: every check on for every test (``--strict``).
    ``timeout``: time limit of tests that set none (``--timeout``); None for no limit.

    A plain class (a dataclass would import ``dataclasses`` at start-up,
    about 0.8 ms: bench/bench_import.py).
    """

    __slots__ = ("strict", "timeout")

    def __init__(self, strict: bool = False, timeout: float | None = DEFAULT_TIMEOUT) -> None:
        self.strict = strict
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"Settings(strict={self.strict!r}, timeout={self.timeout!r})"


settings = Settings()
