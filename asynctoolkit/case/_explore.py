"""``explore``: run one test under many seeded timings and faults, report the seed that breaks it.

The decorator stores an ``Exploration`` on the test; ``TestCase`` (here) and
the pytest plugin read it and run the whole test once per seed, each time on
a fresh clocked loop whose every legal choice the seed decides
(``_shared/choices.py``).
"""

from __future__ import annotations

import contextlib
import io
import sys
import unittest
from collections.abc import Callable, Iterator
from typing import Any, TypeVar, overload

from asynctoolkit._shared import choices as _choices
from asynctoolkit._shared import exploration as _exploration
from asynctoolkit._shared.exploration import (
    DEFAULT_FAULTS,
    DEFAULT_JITTER,
    DEFAULT_LATENCY,
    DEFAULT_RUNS,
    Exploration,
)
from asynctoolkit._shared.settings import EXPLORE_MARK

__all__ = ["explore"]

_F = TypeVar("_F", bound=Callable[..., Any])


@overload
def explore(runs: _F, /) -> _F: ...


@overload
def explore(
    runs: int = DEFAULT_RUNS,
    *,
    seed: int | None = None,
    jitter: float = DEFAULT_JITTER,
    latency: tuple[float, float] = DEFAULT_LATENCY,
    faults: float = DEFAULT_FAULTS,
) -> Callable[[_F], _F]: ...


def explore(
    runs: Any = DEFAULT_RUNS,
    *,
    seed: int | None = None,
    jitter: float = DEFAULT_JITTER,
    latency: tuple[float, float] = DEFAULT_LATENCY,
    faults: float = DEFAULT_FAULTS,
) -> Any:
    """Run the test ``runs`` times, each on its own seeded timing; report the seed that fails.

    Decorates a ``ClockedTestCase`` test method (or the class: every test of
    it) or an async test function run by the pytest plugin; ``@explore``
    alone uses the defaults.  Each run is a whole test (set-up, the test,
    tear-down, cleanups and checks; under pytest, its function-scoped
    fixtures too) on a fresh clocked loop.  The run's seed decides every
    choice asyncio leaves open, and nothing else:

    * ``jitter`` (seconds, default 0.01): how late the loop wakes for a
      timer, in ``[0, jitter]``; the timers due by then fire in due order.
    * timers due at the same instant fire in an order the seed picks.
    * ``latency`` (``(low, high)`` seconds, default ``(0, 0.01)``): the
      delay of each message the rpc doubles deliver; one stream's messages
      keep their order, those of different calls may overtake each other.
    * ``faults`` (a probability, default 0): failures the real world
      produces, injected by the doubles (UNAVAILABLE, a stream reset, a
      connection reset or EOF on a socket mock).

    The seeds are ``base, base + 1, ...`` (base 0, or
    ``$ASYNCTOOLKIT_SEED_BASE``, ``random`` for a new base per process).
    The first failing run fails the test with its seed, a line that replays
    it and the run's choices; passing runs print nothing.  ``seed=N`` runs
    seed N only (the replay), as do ``ASYNCTOOLKIT_SEED=N``, the runner's
    ``--seed N`` and pytest's ``--asynctoolkit-seed N`` for every explored test.
    """
    if callable(runs):  # bare @explore
        return _mark(runs, Exploration())
    settings = _exploration.checked(runs, seed, jitter, latency, faults)

    def decorate(target: _F) -> _F:
        return _mark(target, settings)

    return decorate


def _mark(target: _F, settings: Exploration) -> _F:
    if not callable(target):
        raise TypeError(
            f"@explore decorates a test method, a test class or an async test function, "
            f"not {target!r}"
        )
    setattr(target, EXPLORE_MARK, settings)
    return target


def run_explored(
    test: unittest.TestCase, result: Any, settings: Exploration, run_once: Callable[[Any], Any]
) -> Any:
    """Run ``test`` once per seed through ``run_once(result)``; report one run to ``result``.

    Each run reports to a recorder, and what it prints to ``sys.stdout`` and
    ``sys.stderr`` is held.  The first run that fails is replayed to
    ``result`` with the seed's report added to its failure; when every run
    passes, the last one is replayed.  Only one run is ever reported, and
    only its output is printed.
    """
    if getattr(type(test), "use_default_loop", False):
        _report_refusal(
            test,
            result,
            f"@explore runs each run on a fresh loop, but {type(test).__qualname__} sets "
            "use_default_loop = True (one loop for the whole class): turn it off for "
            "explored tests",
        )
        return result
    seeds = _exploration.seeds(settings)
    record: _Recorder | None = None
    for index, seed in enumerate(seeds):
        record = _Recorder()
        run_choices = settings.choices(seed)
        _choices.begin(run_choices)
        try:
            with record.capturing():
                run_once(record)
        finally:
            _choices.end()
        if run_choices.loop is None and not record.was_skipped:
            record.replay(result, test, None)
            _report_refusal(
                test,
                result,
                f"@explore needs virtual time, but {test.id()} ran on a loop that is not a "
                "ClockedEventLoop: decorate a test of a ClockedTestCase (or an async test run "
                "by the pytest plugin)",
            )
            return result
        if record.failed or record.was_skipped or record.stopped:
            message = _exploration.failure_message(
                run_choices, settings, index, len(seeds), test.id(), pytest=False
            )
            record.replay(result, test, message if record.failed else None)
            return result
    assert record is not None
    record.replay(result, test, None)
    return result


def _report_refusal(test: unittest.TestCase, result: Any, message: str) -> None:
    error = TypeError(message)
    result.startTest(test)
    try:
        result.addError(test, (TypeError, error, None))
    finally:
        result.stopTest(test)


_FAILING = frozenset({"addFailure", "addError", "addExpectedFailure"})


class _Recorder(unittest.TestResult):
    """Records what one run reports, to replay it (or not) to the real result."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.failed = False
        self.was_skipped = False
        self.stopped = False
        self.printed = ("", "")

    @contextlib.contextmanager
    def capturing(self) -> Iterator[None]:
        """Hold what the run prints: only the run that is reported shows its output."""
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            yield
        self.printed = (out.getvalue(), err.getvalue())

    def _record(self, name: str, *args: Any) -> None:
        self.calls.append((name, args))

    def startTest(self, test: unittest.TestCase) -> None:
        self._record("startTest", test)

    def stopTest(self, test: unittest.TestCase) -> None:
        self._record("stopTest", test)

    def addSuccess(self, test: unittest.TestCase) -> None:
        self._record("addSuccess", test)

    def addFailure(self, test: unittest.TestCase, err: Any) -> None:
        self.failed = True
        self._record("addFailure", test, err)

    def addError(self, test: unittest.TestCase, err: Any) -> None:
        self.failed = True
        self._record("addError", test, err)

    def addSkip(self, test: unittest.TestCase, reason: str) -> None:
        self.was_skipped = True
        self._record("addSkip", test, reason)

    def addExpectedFailure(self, test: unittest.TestCase, err: Any) -> None:
        self.failed = True
        self._record("addExpectedFailure", test, err)

    def addUnexpectedSuccess(self, test: unittest.TestCase) -> None:
        self._record("addUnexpectedSuccess", test)

    def addSubTest(self, test: unittest.TestCase, subtest: unittest.TestCase, err: Any) -> None:
        if err is not None:
            self.failed = True
        self._record("addSubTest", test, subtest, err)

    def addDuration(self, test: unittest.TestCase, elapsed: float) -> None:
        self._record("addDuration", test, elapsed)

    def stop(self) -> None:
        self.stopped = True
        self._record("stop")

    def replay(self, result: Any, test: unittest.TestCase, message: str | None) -> None:
        """Report the recorded run to ``result``, with ``message`` added to its failures."""
        out, err = self.printed
        if out:
            sys.stdout.write(out)
        if err:
            sys.stderr.write(err)
        for name, args in self.calls:
            method = getattr(result, name, None)
            if method is None:  # an old result without addDuration, addSubTest...
                continue
            if message is not None and (
                name in _FAILING or (name == "addSubTest" and args[2] is not None)
            ):
                args = (*args[:-1], _with_message(args[-1], message, test))
            method(*args)


def _with_message(err: Any, message: str, test: unittest.TestCase) -> Any:
    """The failure ``err`` (an exc_info triple), carrying the seed's report."""
    _kind, value, _traceback = err
    if value is None:
        return err
    if sys.version_info >= (3, 11):
        value.add_note(message)
        return err
    # Python 3.10 has no notes: the report comes last, after the failure it explains.
    report = test.failureException(message)
    report.__context__ = value
    return (type(report), report, None)
