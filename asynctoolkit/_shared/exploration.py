"""What ``explore`` asks for, which seeds it runs, and how a failing seed is reported.

Shared by the unittest side (``case/_explore.py``) and the pytest plugin.
"""

from __future__ import annotations

import math
import os
import sys

from asynctoolkit._shared.choices import Choices

__all__: list[str] = []

# The attribute ``explore`` sets on a test function or class is
# ``settings.EXPLORE_MARK``.

#: Replays seed N in every explored test (also ``--seed N``, ``--asynctoolkit-seed N``).
SEED_VARIABLE = "ASYNCTOOLKIT_SEED"
#: The first seed of an exploration: an integer, or ``random`` for a new one each process.
BASE_VARIABLE = "ASYNCTOOLKIT_SEED_BASE"

DEFAULT_RUNS = 100
DEFAULT_JITTER = 0.01
DEFAULT_LATENCY = (0.0, 0.01)
DEFAULT_FAULTS = 0.0
DEFAULT_BASE = 0


class Exploration:
    """The arguments of one ``explore``: how many runs, which seed, which ranges.

    A plain class rather than a dataclass: every explored run imports this
    module, and ``import asynctoolkit`` may too (bench/bench_import.py).
    """

    __slots__ = ("faults", "jitter", "latency", "runs", "seed")

    def __init__(
        self,
        runs: int = DEFAULT_RUNS,
        seed: int | None = None,
        jitter: float = DEFAULT_JITTER,
        latency: tuple[float, float] = DEFAULT_LATENCY,
        faults: float = DEFAULT_FAULTS,
    ) -> None:
        self.runs = runs
        self.seed = seed
        self.jitter = jitter
        self.latency = latency
        self.faults = faults

    def __repr__(self) -> str:
        return (
            f"Exploration(runs={self.runs}, seed={self.seed}, jitter={self.jitter}, "
            f"latency={self.latency}, faults={self.faults})"
        )

    def choices(self, seed: int) -> Choices:
        """A new run's choices for ``seed``."""
        return Choices(seed, jitter=self.jitter, latency=self.latency, faults=self.faults)

    def describe(self) -> str:
        low, high = self.latency
        return f"jitter {self.jitter:g} s, latency {low:g}-{high:g} s, faults {self.faults:g}"


def checked(
    runs: object, seed: object, jitter: object, latency: object, faults: object
) -> Exploration:
    """``explore``'s arguments, checked: TypeError or ValueError saying what is wrong."""
    if isinstance(runs, bool) or not isinstance(runs, int):
        raise TypeError(f"explore(runs=...) takes a whole number of runs, not {runs!r}")
    if runs < 1:
        raise ValueError(f"explore(runs=...) needs at least 1 run, not {runs}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise TypeError(f"explore(seed=...) takes None or a whole number >= 0, not {seed!r}")
    jitter_s = _seconds("jitter", jitter)
    if not isinstance(latency, tuple | list) or len(latency) != 2:
        raise TypeError(
            f"explore(latency=...) takes a (low, high) pair of seconds, not {latency!r}"
        )
    low = _seconds("latency", latency[0])
    high = _seconds("latency", latency[1])
    if low > high:
        raise ValueError(f"explore(latency=(low, high)) needs low <= high, not {latency!r}")
    if isinstance(faults, bool) or not isinstance(faults, int | float):
        raise TypeError(f"explore(faults=...) takes a probability from 0 to 1, not {faults!r}")
    if not 0 <= faults <= 1:
        raise ValueError(f"explore(faults=...) takes a probability from 0 to 1, not {faults!r}")
    return Exploration(runs, seed, jitter_s, (low, high), float(faults))


def _seconds(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"explore({name}=...) takes seconds (a number), not {value!r}")
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"explore({name}=...) takes 0 or more finite seconds, not {value!r}")
    return float(value)


_random_base: int | None = None


def set_replay_seed(seed: int) -> None:
    """Replay ``seed`` in every explored test (``--seed``, ``--asynctoolkit-seed``).

    Set as ``$ASYNCTOOLKIT_SEED`` too, so that processes the run starts
    (pytest-xdist's workers, a test's own subprocesses) replay it as well.
    """
    os.environ[SEED_VARIABLE] = str(seed)


def parse_seed(text: str, where: str) -> int:
    """``text`` as a seed (a whole number >= 0); ValueError naming ``where`` otherwise."""
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{where} takes a seed (a whole number >= 0), not {text!r}") from None
    if value < 0:
        raise ValueError(f"{where} takes a seed (a whole number >= 0), not {text!r}")
    return value


def forced_seed() -> int | None:
    """The seed every explored test replays (``$ASYNCTOOLKIT_SEED``, set by ``--seed``), if any."""
    text = os.environ.get(SEED_VARIABLE, "").strip()
    return parse_seed(text, SEED_VARIABLE) if text else None


def base_seed() -> int:
    """The first seed of an exploration: ``$ASYNCTOOLKIT_SEED_BASE``, else 0.

    ``random`` picks a new base once per process (printed with each failing seed).
    """
    global _random_base
    text = os.environ.get(BASE_VARIABLE, "").strip()
    if not text:
        return DEFAULT_BASE
    if text.lower() == "random":
        if _random_base is None:
            import random  # here: rarely needed (import time, bench_import.py)

            _random_base = random.SystemRandom().randrange(2**32)
        return _random_base
    return parse_seed(text, BASE_VARIABLE)


def seeds(exploration: Exploration) -> list[int]:
    """The seeds to run, in order: a replayed one, else ``runs`` seeds from the base."""
    forced = forced_seed()
    if forced is not None:
        return [forced]
    if exploration.seed is not None:
        return [exploration.seed]
    base = base_seed()
    return list(range(base, base + exploration.runs))


def failure_message(
    choices: Choices, exploration: Exploration, index: int, total: int, test_id: str, pytest: bool
) -> str:
    """The report of a failing seed: the seed, how to replay it, and its trace."""
    seed = choices.seed
    if total == 1:
        which = f"explore: seed {seed} fails this test."
    elif index == 0:
        which = f"explore: seed {seed} fails this test (run 1 of {total})."
    else:
        which = (
            f"explore: seed {seed} fails this test (run {index + 1} of {total}; "
            "the runs before it passed)."
        )
    if pytest:
        replay = f"pytest --asynctoolkit-seed {seed} '{test_id}'"
        also = f"{SEED_VARIABLE}={seed} pytest '{test_id}'"
    else:
        replay = f"{SEED_VARIABLE}={seed} python -m asynctoolkit {test_id}"
        also = f"python -m asynctoolkit --seed {seed} {test_id}"
    version = ".".join(map(str, sys.version_info[:2]))
    return (
        f"{which}\n"
        f"Replay it with @explore(seed={seed}), or: {replay}\n"
        f"(or: {also})\n"
        f"Choices of seed {seed} on Python {version} ({exploration.describe()}), in order:\n"
        f"{choices.shortened_trace()}"
    )
