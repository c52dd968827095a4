"""The wire of one RPC in an explored run (``asynctoolkit.explore``): latency and faults.

Outside an explored run an RPC has no ``Wire`` (its ``wire`` is None) and the
doubles deliver every message at once, exactly as they always did: the only
cost is one look-up of the current run when the RPC starts.

In an explored run, each RPC of the channel double, the server double and
``rpc.connect`` is one of the classes of ``_wired``, with a ``Wire`` of two
``Lane``s, one per direction:
*up* (client to server: the RPC's start, its requests, the end of its
requests) and *down* (server to client: initial metadata, responses, the
final status).  A message sent at ``t`` arrives at
``max(arrival of the previous message on its lane, t + latency)``, the
latency drawn from the run's seed (``Choices.delay``): one lane keeps its
order, and the final status never overtakes a response, while messages of
different RPCs (different lanes) may overtake each other.  A message that
arrives after its RPC ended (its deadline passed, the client cancelled) is
dropped, as the wire would drop it: the client sees DEADLINE_EXCEEDED or
CANCELLED.  Cancellation and deadlines themselves act on both ends at once.

Faults (``Choices.fault``, with the run's ``faults`` probability): an RPC's
start may fail with UNAVAILABLE, and any message of a stream may be replaced
by a stream reset (INTERNAL, as a received RST_STREAM; or UNAVAILABLE, as a
lost connection) that ends the RPC on both ends when it arrives.
"""

from __future__ import annotations

import asyncio
import itertools
import weakref
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

import grpc

from asynctoolkit._shared import choices as _choices
from asynctoolkit._shared.choices import Choices

__all__: list[str] = []

#: Who ended an RPC with an injected fault (``ended_by``, in every double).
BY_FAULT = "ended by a fault explore injected"

_START_FAULTS = ("UNAVAILABLE",)
_RESET_FAULTS = ("INTERNAL", "UNAVAILABLE")

# RPC numbers, counted per explored run: the trace names RPCs in the order they started.
_numbers: weakref.WeakKeyDictionary[Choices, Iterator[int]] = weakref.WeakKeyDictionary()


def wire_for(loop: asyncio.AbstractEventLoop, path: str) -> Wire | None:
    """The wire of a new RPC of ``path`` on ``loop``: None outside an explored run.

    Also None when the run asks for neither latency nor faults: the RPC then
    behaves as outside exploration.
    """
    choices = _choices.current()
    if choices is None or choices.loop is not loop:
        return None
    latency = choices.latency[1] > 0
    faults = choices.faults > 0
    if not (latency or faults):
        return None
    numbers = _numbers.get(choices)
    if numbers is None:
        numbers = _numbers[choices] = itertools.count(1)
    return Wire(choices, loop, f"rpc #{next(numbers)} {path}", latency, faults)


class Lane:
    """One direction of one RPC: messages arrive in the order sent, each after its latency.

    One timer at a time, for the oldest message in flight: the clock may
    order timers due at the same instant as the seed picks, so the lane's
    order must not rest on them.  Invariant: ``_timer`` is armed exactly
    when ``_queue`` is not empty (outside ``_arrive``), at its head's arrival.
    """

    __slots__ = ("_last", "_loop", "_queue", "_timer", "closed")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        # (arrival, what, arrive) of each message in flight, oldest first.
        self._queue: deque[tuple[float, str, Callable[[], Any]]] = deque()
        self._timer: asyncio.TimerHandle | None = None
        self._last = 0.0  # the arrival time of the last message sent
        self.closed = False  # the RPC ended: nothing more arrives

    def send(self, what: str, latency: float, arrive: Callable[[], Any]) -> float:
        """Call ``arrive`` when message ``what`` arrives, ``latency`` from now at the earliest."""
        if self.closed:
            return self._last
        loop = self._loop
        arrival = loop.time() + latency
        if arrival < self._last:
            arrival = self._last
        self._last = arrival
        self._queue.append((arrival, what, arrive))
        if self._timer is None:
            # ``what`` names the timer in a stalled clock's report.
            self._timer = loop.call_at(arrival, self._arrive, what)
        return arrival

    def hold_until(self, arrival: float) -> None:
        """Let no later message of this lane arrive before ``arrival``."""
        if arrival > self._last:
            self._last = arrival

    def close(self) -> None:
        """Drop the messages in flight: the RPC is over."""
        self.closed = True
        self._queue.clear()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _arrive(self, what: str) -> None:
        """The message ``what`` arrives, with every later one due by now."""
        self._timer = None
        queue = self._queue
        if not queue:
            return
        # Every message due by now arrives (the clock may wake late, and its
        # nanosecond grid may read a hair before the head's arrival).
        limit = max(self._loop.time(), queue[0][0])
        try:
            while queue and queue[0][0] <= limit:
                queue.popleft()[2]()
        finally:  # a message that raised (reported by the loop) does not stop the next
            if queue and self._timer is None and not self.closed:
                arrival, what, _ = queue[0]
                self._timer = self._loop.call_at(arrival, self._arrive, what)


class Wire:
    """The two lanes of one RPC and its faults (see the module docstring).

    ``up``/``down`` send a message on a lane, or deliver it at once when the
    run has no latency; ``reset`` replaces a stream's message by a reset when
    the seed says so.
    """

    __slots__ = ("_down", "_loop", "_start", "_up", "choices", "faults", "name")

    def __init__(
        self,
        choices: Choices,
        loop: asyncio.AbstractEventLoop,
        name: str,
        latency: bool,
        faults: bool,
    ) -> None:
        self.choices = choices
        self._loop = loop
        self.name = name
        self.faults = faults
        self._up = Lane(loop) if latency else None
        self._down = Lane(loop) if latency else None
        # The timer delivering the start, when kept apart from the up lane.
        self._start: asyncio.TimerHandle | None = None

    # -- sending ---------------------------------------------------------------

    def up(self, what: str, arrive: Callable[[], Any]) -> None:
        """Send a client-to-server message ``what``: ``arrive()`` runs when it arrives."""
        lane = self._up
        if lane is None:
            arrive()
        elif not lane.closed:  # a message after the end draws no latency
            what = f"{self.name} {what}"
            lane.send(what, self.choices.delay(what), arrive)

    def down(self, what: str, arrive: Callable[[], Any]) -> None:
        """Send a server-to-client message ``what``: ``arrive()`` runs when it arrives."""
        lane = self._down
        if lane is None:
            arrive()
        elif not lane.closed:
            what = f"{self.name} {what}"
            lane.send(what, self.choices.delay(what), arrive)

    def start(self, arrive: Callable[[], Any], *, outlives_end: bool = False) -> None:
        """Send the RPC's start: ``arrive()`` runs when the server gets it.

        With ``outlives_end``, the start still arrives after the RPC ended
        (on the channel double, the test still takes an RPC the code under
        test cancelled, as without latency); only ``close()`` drops it then.
        """
        lane = self._up
        if lane is None:
            arrive()
            return
        what = f"{self.name} start"
        latency = self.choices.delay(what)
        if not outlives_end:
            lane.send(what, latency, arrive)
            return
        when = self._loop.time() + latency
        lane.hold_until(when)

        def arrived() -> None:
            self._start = None
            arrive()

        self._start = self._loop.call_at(when, arrived)

    # -- faults ------------------------------------------------------------------

    def start_fault(self) -> tuple[grpc.StatusCode, str] | None:
        """The status of a start that fails (the seed says so), else None."""
        if not self.faults or self.choices.fault(f"{self.name} start", _START_FAULTS) is None:
            return None
        return grpc.StatusCode.UNAVAILABLE, (
            "failed to connect to all addresses; last error: UNAVAILABLE: "
            f"injected by asynctoolkit.explore, seed {self.choices.seed}"
        )

    def reset(
        self, what: str, arrive: Callable[[], Any], reset: Callable[[grpc.StatusCode, str], Any]
    ) -> Callable[[], Any]:
        """``arrive``, or, if the seed resets the stream at message ``what``, the reset.

        The reset is ``reset(code, details)``: INTERNAL as a received RST_STREAM
        says it, or UNAVAILABLE as a lost connection does.
        """
        if not self.faults:
            return arrive
        kind = self.choices.fault(f"{self.name} {what}", _RESET_FAULTS)
        if kind is None:
            return arrive
        injected = f"injected by asynctoolkit.explore, seed {self.choices.seed}"
        if kind == "INTERNAL":
            status = (
                grpc.StatusCode.INTERNAL,
                f"Received RST_STREAM with error code 2 ({injected})",
            )
        else:
            status = (grpc.StatusCode.UNAVAILABLE, f"Socket closed ({injected})")
        return lambda: reset(*status)

    # -- the end -----------------------------------------------------------------

    def close(self, everything: bool = True) -> None:
        """Drop the messages in flight; the start too unless ``everything`` is false."""
        if self._up is not None:
            self._up.close()
        if self._down is not None:
            self._down.close()
        if everything and self._start is not None:
            self._start.cancel()
            self._start = None
