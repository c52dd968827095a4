"""The texts of the virtual clock's failures, written for the person whose test just failed.

Each says what the loop found (what every task waits for, which timers are
pending, which real work did not finish), at which virtual time, and what to
do about it.
"""

from __future__ import annotations

import asyncio
import selectors
import signal
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from asynctoolkit._shared import asyncio_details, report
from asynctoolkit._shared.choices import Choices
from asynctoolkit.clock._work import RealWork

__all__: list[str] = []


class ClockState(Protocol):
    """What the messages read of a clock (``_core.VirtualClock`` provides it).

    A protocol rather than an import of ``VirtualClock``, so that the engine
    imports its texts and not the other way round.
    """

    @property
    def loop(self) -> asyncio.AbstractEventLoop: ...
    @property
    def now(self) -> float: ...
    @property
    def spin_limit(self) -> int: ...
    @property
    def real_timeout(self) -> float: ...
    @property
    def work(self) -> RealWork: ...
    @property
    def selector(self) -> selectors.BaseSelector: ...
    @property
    def signals(self) -> Mapping[int, tuple[Callable[..., object], tuple[Any, ...]]]: ...
    @property
    def choices(self) -> Choices | None: ...
    def pending_timers(self) -> list[asyncio.TimerHandle]: ...
    def alarm_due(self) -> float: ...


#: At most this many timers, ready callbacks or descriptors are listed.
_LIST_LIMIT = 20


def fmt_time(seconds: float) -> str:
    """A virtual time or duration as a short number: ``10``, ``0.25``, ``3.1536e+07``."""
    return f"{seconds:.12g}"


def spin(clock: ClockState) -> str:
    """``advance()``/``run_until_idle()`` gave up: callbacks re-arm at one instant forever."""
    ready = [h for h in asyncio_details.ready_handles(clock.loop) if not h.cancelled()]
    return (
        f"the loop ran {clock.spin_limit} iterations at t={fmt_time(clock.now)} without "
        "becoming idle while advance() or run_until_idle() waited for it: a callback keeps "
        "re-scheduling itself at the same instant (call_soon, call_later(0, ...), or a task "
        "looping on asyncio.sleep(0)), so time can never move on.\n"
        "Ready callbacks now:\n"
        + _lines(report.describe_handle(h) for h in ready)
        + "\nMake the loop go idle (await something that takes time), or raise the loop's "
        f"spin_limit (now {clock.spin_limit}) if that many iterations at one instant are expected."
    )


def stall(clock: ClockState, waited: float, *, work: bool, user_io: bool) -> str:
    """Manual mode, every task blocked on timers, and nothing moves time."""
    timers = clock.pending_timers()
    step = fmt_time(timers[0].when() - clock.now) if timers else "1"
    listened = _listened(waited, work=work, user_io=user_io)
    return (
        f"the clock is stalled at t={fmt_time(clock.now)}: every task is blocked, the next "
        f"timer is due at t={fmt_time(timers[0].when()) if timers else '?'}, and nothing moves "
        f"time: autojump is off and no advance() is running{listened}.\n"
        "Pending timers (earliest first):\n"
        + _lines(report.describe_handle(t) for t in timers)
        + "\nBlocked tasks:\n"
        + _tasks(clock)
        + f"\nMove time with `await self.advance({step})` in a ClockedTestCase (or "
        f"`await loop.advance({step})` on the loop), or turn autojump on (`autojump = True` on "
        "the test class, or `loop.autojump = True`)." + _explored_note(clock)
    )


def _explored_note(clock: ClockState) -> str:
    """In an explored run, messages take virtual time: say so where the clock stalls."""
    choices = clock.choices
    if choices is None or choices.latency[1] <= 0:
        return ""
    return (
        f"\nThis run is explored (seed {choices.seed}): the messages of the rpc doubles arrive "
        f"after a latency of up to {choices.latency[1]:g}s of virtual time, so the clock must "
        "move for them to arrive (autojump, or advance() past their latency)."
    )


def deadlock(clock: ClockState, waited: float, *, work: bool, user_io: bool) -> str:
    """Every task blocked, no timer: nothing (or only silent real work) can wake them."""
    never = clock.pending_timers()
    never_note = (
        f" (the only timer{'s are' if len(never) > 1 else ' is'} due at t=inf)" if never else ""
    )
    if not (work or user_io):
        return (
            f"deadlock at t={fmt_time(clock.now)}: every task is blocked and nothing can ever "
            "wake one up: no callback is ready, no timer is scheduled"
            f"{never_note}, no executor job or child process is running and no file "
            f"descriptor is watched (the loop also listened {fmt_time(waited)}s of real time "
            "for other threads).\n"
            "Blocked tasks:\n"
            + _tasks(clock)
            + "\nEach task above waits for something nothing will do: a future nobody "
            "resolves, an Event nobody sets, a Queue nobody feeds, a lock nobody releases.  "
            "If another thread does it, start that thread's work with loop.run_in_executor() "
            "or asyncio.to_thread() so that the loop knows to wait for it."
        )
    return (
        f"nothing happened for {fmt_time(waited)}s of real time at t={fmt_time(clock.now)}: "
        f"every task is blocked, no timer is scheduled{never_note}, and the only things that "
        "could wake a task did not:\n"
        + _lines([*clock.work.describe(), *_watched(clock)])
        + "\nBlocked tasks:\n"
        + _tasks(clock)
        + "\nMake that work or I/O complete (is the peer running? is the reader the right "
        "one?), or raise the loop's real_timeout "
        f"(now {fmt_time(clock.real_timeout)}s) if it needs longer."
    )


def work_stall(clock: ClockState, target: float) -> str:
    """The next stop is far away and real work did not finish within ``real_timeout``."""
    return (
        f"the clock cannot move from t={fmt_time(clock.now)} to its next stop at "
        f"t={fmt_time(target)}: real work is still pending after "
        f"{fmt_time(clock.real_timeout)}s of real time, and virtual time never runs ahead of "
        "unfinished real work.\n"
        "Pending real work:\n"
        + _lines([*clock.work.describe(), *_alarm(clock)])
        + "\nBlocked tasks:\n"
        + _tasks(clock)
        + "\nMake the work finish sooner or cancel it, or raise the loop's real_timeout "
        f"(now {fmt_time(clock.real_timeout)}s)."
    )


def unmoved(call: str, now: float, step: float) -> str:
    """A positive ``advance``/``advance_to`` that would leave the clock where it is."""
    if step <= 1e-9:
        why = (
            "the clock counts whole nanoseconds, and the target rounds back to now (less "
            "than half a nanosecond away)"
        )
    else:
        why = (
            f"near t={fmt_time(now)} floats are about {step:.3g}s apart, so the target rounds "
            "back to now"
        )
    return (
        f"{call} would not move the clock from t={fmt_time(now)}: {why}.  Advance by at "
        f"least {step:.3g}s here, or by 0 to run only what is ready now"
        + (
            "; a test that needs fine steps must not first move the clock this far"
            if step > 1e-9
            else ""
        )
        + "."
    )


# -- private helpers -------------------------------------------------------------


def not_clockable(loop: asyncio.AbstractEventLoop) -> str:
    """Why ``loop``, not a ``ClockedEventLoop``, cannot run on virtual time."""
    kind = type(loop)
    name = f"{kind.__module__}.{kind.__qualname__}"
    if isinstance(loop, asyncio.SelectorEventLoop):
        why = "it reads the real clock"
    else:
        why = (
            "it is not a selector event loop: it keeps its timers and its wait for I/O in "
            "native code (uvloop, the Windows proactor loop), out of reach of a virtual clock"
        )
    return (
        f"virtual time needs an asynctoolkit.clock.ClockedEventLoop, but the loop is a "
        f"{name}: {why}.  Create the loop with ClockedEventLoop() (or "
        "asyncio.Runner(loop_factory=ClockedEventLoop)), or use ClockedTestCase"
    )


def _tasks(clock: ClockState) -> str:
    tasks = [t for t in asyncio.all_tasks(clock.loop) if not t.done()]
    return _indent(report.describe_tasks(tasks))


def _watched(clock: ClockState) -> list[str]:
    ignored = asyncio_details.self_pipe_fd(clock.loop)
    lines = []
    for fd, key in clock.selector.get_map().items():
        if fd == ignored:
            continue
        reader, writer = asyncio_details.key_handles(key)
        parts = [
            f"{kind} {report.describe_handle(handle)}"
            for kind, handle in (("reader", reader), ("writer", writer))
            if handle is not None and not handle.cancelled()
        ]
        lines.append(f"watched fd {fd}: " + ("; ".join(parts) or "registered"))
    for number, (callback, args) in sorted(clock.signals.items()):
        lines.append(
            f"signal {_signal_name(number)}: handler {report.describe_callback(callback, args)}"
        )
    return lines + _alarm(clock)


def _alarm(clock: ClockState) -> list[str]:
    due = clock.alarm_due()
    if not due:
        return []
    return [f"SIGALRM from signal.alarm/setitimer, due in {fmt_time(due)}s of real time"]


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)


def _listened(waited: float, *, work: bool, user_io: bool) -> str:
    if work or user_io:
        return (
            f", and in {fmt_time(waited)}s of real time no I/O or signal arrived and no "
            "executor job or child process finished"
        )
    return f" (the loop also listened {fmt_time(waited)}s of real time for other threads)"


def _lines(lines: Iterable[str]) -> str:
    items = list(lines)
    shown = [f"  {line}" for line in items[:_LIST_LIMIT]]
    if len(items) > _LIST_LIMIT:
        shown.append(f"  ... and {len(items) - _LIST_LIMIT} more")
    return "\n".join(shown) if shown else "  (none)"


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())
