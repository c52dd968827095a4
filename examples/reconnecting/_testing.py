"""What the two test modules share: in-memory connections, a scripted endpoint, a base case.

Nothing here touches the network.  The service is given ``connect``, a
``CoroutineMock`` whose ``side_effect`` plays the endpoint; a test switches
the endpoint's behaviour by switching the side effect:

* ``accept``: the attempt succeeds at once with a new ``MemoryConnection``;
* ``refuse``: the attempt fails at once with ``ConnectionRefusedError``;
* ``hang``: the attempt waits on a future (in ``self.pending``) that the test
  resolves when it wants, or that ``stop()`` cancels.

Each side effect records ``self.loop.time()`` in ``self.attempt_times``: on
the virtual clock that is the exact instant of the attempt, so the tests can
assert when every attempt happened, not only how many there were.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

import asynctoolkit
from asynctoolkit.mock import CoroutineMock
from reconnecting.service import ClientService, backoff_policy

#: The seed of the jitter: the same seed, the same delays, in every run.
SEED = 20240601
#: At most this many random seconds are added to each delay.
JITTER = 0.5
#: The logger the service writes to (for ``assertLogs``).
LOGGER = "reconnecting.service"


def jitters(count: int) -> list[float]:
    """The first ``count`` random extras of the tests' policy, drawn the same way it does."""
    rng = random.Random(SEED)
    return [JITTER * rng.random() for _ in range(count)]


class MemoryConnection:
    """A connection that lives in memory: the test decides when it is closed.

    ``close()`` closes it at once; with ``slow_close`` it only starts closing,
    and the close completes when the test calls ``finish_closing()``.
    ``drop()`` is the peer going away.  ``close_calls`` counts ``close()``.
    """

    def __init__(self, number: int, *, slow_close: bool = False) -> None:
        self.number = number
        self.slow_close = slow_close
        self.close_calls = 0
        self._closed = asyncio.Event()

    def __repr__(self) -> str:
        return f"<MemoryConnection #{self.number}>"

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def close(self) -> None:
        self.close_calls += 1
        if not self.slow_close:
            self._closed.set()

    def finish_closing(self) -> None:
        self._closed.set()

    def drop(self) -> None:
        self._closed.set()

    async def wait_closed(self) -> None:
        await self._closed.wait()


class ServiceTestCase(asynctoolkit.ClockedTestCase):
    """``self.service`` connects through ``self.connect``, which accepts by default.

    (The counterpart of ``makeReconnector`` in Twisted's tests.)

    Time is manual (no ``autojump``): it moves only when a test calls
    ``advance``/``advance_to``, so a test can look at the service at any
    instant, before and after each timer.
    """

    #: Whether the connections the endpoint makes close slowly.
    slow_close = False

    async def asyncSetUp(self) -> None:
        self.connections: list[MemoryConnection] = []
        self.attempt_times: list[float] = []
        self.pending: list[asyncio.Future[MemoryConnection]] = []
        self.connect = CoroutineMock(name="connect", side_effect=self.accept)
        self.service = self.make_service()
        # Every test ends with the service stopped: its task finishes and its
        # timers are cancelled, as the strict checks (pending_tasks,
        # active_handles) demand.  A test may have stopped it already.
        self.addAsyncCleanup(self.stop_service)

    async def stop_service(self) -> None:
        # The test is over: closes that a test left half-done complete now.
        for connection in self.connections:
            connection.slow_close = False
            if connection.close_calls:
                connection.finish_closing()
        await self.service.stop()

    def make_service(self, **options: Any) -> ClientService[MemoryConnection]:
        """A service on ``self.connect``; the retry policy is seeded unless given."""
        options.setdefault("retry_policy", backoff_policy(jitter=JITTER, rng=random.Random(SEED)))
        return ClientService(self.connect, name="test-service", **options)

    async def start(self) -> None:
        """Start the service and let it run until it waits; time does not move."""
        self.service.start()
        await self.run_until_idle()

    # -- the endpoint's behaviours (side effects of self.connect) ---------------
    def accept(self) -> MemoryConnection:
        self.attempt_times.append(self.loop.time())
        return self.new_connection()

    def refuse(self) -> MemoryConnection:
        self.attempt_times.append(self.loop.time())
        raise ConnectionRefusedError(f"attempt {len(self.attempt_times)} refused")

    async def hang(self) -> MemoryConnection:
        self.attempt_times.append(self.loop.time())
        future: asyncio.Future[MemoryConnection] = self.loop.create_future()
        self.pending.append(future)
        return await future

    def new_connection(self) -> MemoryConnection:
        connection = MemoryConnection(len(self.connections) + 1, slow_close=self.slow_close)
        self.connections.append(connection)
        return connection

    # -- assertions -------------------------------------------------------------
    def assertSameInstant(self, actual: float, expected: float) -> None:
        """``actual == expected`` on the virtual clock, which counts whole nanoseconds.

        The clock rounds each delay to the nanosecond (so that long runs do
        not drift), hence a few nanoseconds of tolerance, no more.
        """
        self.assertAlmostEqual(actual, expected, delta=5e-9)
