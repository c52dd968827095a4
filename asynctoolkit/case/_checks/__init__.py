"""The checks run after each test, and the registry they are listed in.

Each check is one ``Check`` class in a module of its own; ``CHECKS`` lists
them in report order, and everything else is derived from it: the defaults,
the names ``fail_on`` accepts, the table in the docs.  Adding a check is one
module here, one line in ``CHECKS`` and one test file in ``tests/case/checks/``.

A ``TestWatch`` runs the enabled checks of one test: started on the test's
loop before setUp, finished after the cleanups, it reports every problem by
name and cleans it up so that the next test starts clean.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable, Mapping
from typing import Any

from asynctoolkit.case._checks._base import Check, Settle, Watch
from asynctoolkit.case._checks.active_handles import ActiveHandles
from asynctoolkit.case._checks.active_selector_callbacks import ActiveSelectorCallbacks
from asynctoolkit.case._checks.pending_tasks import PendingTasks
from asynctoolkit.case._checks.running_threads import RunningThreads
from asynctoolkit.case._checks.unawaited_coroutines import UnawaitedCoroutines
from asynctoolkit.case._checks.unhandled_exceptions import UnhandledExceptions
from asynctoolkit.case._checks.unused_loop import UnusedLoop

__all__ = ["CHECKS", "DEFAULT_CHECKS", "Check", "TestWatch"]

# unittest leaves frames of modules that define ``__unittest`` out of
# tracebacks: a failing check shows the report, not this machinery.
__unittest = True

#: Every check, in report order.  The checks that read the tasks the test
#: created come first: those tasks are let go before the others finish.
CHECKS: tuple[type[Check], ...] = (
    PendingTasks,
    UnhandledExceptions,
    UnawaitedCoroutines,
    ActiveSelectorCallbacks,
    ActiveHandles,
    RunningThreads,
    UnusedLoop,
)

#: Every check's name with its default, in report order.
DEFAULT_CHECKS: Mapping[str, bool] = {check.name: check.default for check in CHECKS}

_BY_NAME = {check.name: check for check in CHECKS}


class TestWatch:
    """Runs the ``enabled`` checks of one test on ``loop``.

    ``enabled`` maps names to True (names mapped to False are ignored);
    ``warn`` receives a message for each check this loop cannot support;
    ``fresh`` says the loop was made for this test; ``cancel_wait`` is the
    real time cancelled leftover tasks get to finish; ``by_strict`` names the
    checks that ``--strict`` turned on against the test's own ``fail_on``.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        context: contextvars.Context,
        enabled: Mapping[str, bool],
        warn: Callable[[str], None],
        fresh: bool = False,
        cancel_wait: float = 1.0,
        allowed_threads: tuple[str, ...] = (),
        by_strict: frozenset[str] = frozenset(),
    ) -> None:
        self._watch = Watch(loop, context, warn, fresh, cancel_wait, allowed_threads)
        self._by_strict = by_strict
        self._checks: list[Check] = []
        try:
            for name, on in enabled.items():
                if on:
                    self._checks.append(_BY_NAME[name](self._watch))
        except BaseException:
            self._restore()
            raise
        self._checks.sort(key=lambda check: _ORDER[check.name])

    @property
    def task_factory(self) -> Callable[..., asyncio.Task[Any]] | None:
        """The task factory recording the test's tasks, if the checks installed one."""
        return self._watch.task_factory

    @property
    def tasks_cleared(self) -> bool:
        """True once the checks cancelled every task left on the loop."""
        return self._watch.tasks_cleared

    def finish(self, settle: Settle, close: Callable[[], list[str]]) -> list[str]:
        """Report and clean up what the test left behind.

        ``settle`` runs a coroutine on the loop (bounded by the test's time
        limit); ``close`` closes the test's loop when it owns it, returning
        what failed there.  Returns one message per failed check (and the
        close's), empty when all passed.  Each check runs even if another
        failed: one never hides another.
        """
        checks = self._checks
        problems: list[str] = []
        try:
            for check in checks:
                if _overrides(check, "stop"):
                    _guard(problems, check, check.stop)
            last_user = -1
            for i, check in enumerate(checks):
                if check.uses_created_tasks:
                    last_user = i
            if last_user < 0:
                self._watch.created.clear()
            for i, check in enumerate(checks):
                if _overrides(check, "finish"):
                    _guard(problems, check, check.finish, settle)
                if i == last_user:
                    # Let the test's tasks go before the other checks collect
                    # garbage: what they hold (a grpc.aio channel) may unregister then.
                    self._watch.created.clear()
            closing = close()
            for check in checks:
                if _overrides(check, "after_close"):
                    _guard(problems, check, check.after_close)
            for check in checks:
                _guard(problems, check, self._findings, check, problems)
            problems += closing
        finally:
            self._restore()
        return problems

    def _findings(self, check: Check, problems: list[str]) -> None:
        found = check.findings()
        if found and check.name in self._by_strict:
            note = (
                f"\n    (@fail_on({check.name}=False) turns this check off for this test, "
                "but --strict turns every check on)"
            )
            found = [message + note for message in found]
        problems.extend(found)

    def _restore(self) -> None:
        """Put back what the checks changed, every step even if one fails."""
        error: BaseException | None = None
        for check in reversed(self._checks):
            try:
                check.restore()
            except BaseException as exc:
                error = error or exc
        self._watch.restore()
        self._watch.created.clear()
        if error is not None:
            raise error


_ORDER = {check.name: i for i, check in enumerate(CHECKS)}
# The hooks each check class overrides: the others are not called (per-test cost,
# bench/bench_case.py).
_OVERRIDDEN = {
    check: frozenset(
        hook
        for hook in ("stop", "finish", "after_close")
        if getattr(check, hook) is not getattr(Check, hook)
    )
    for check in CHECKS
}


def _overrides(check: Check, hook: str) -> bool:
    overridden = _OVERRIDDEN.get(type(check))
    return overridden is None or hook in overridden


def _guard(problems: list[str], check: Check, step: Callable[..., Any], *args: Any) -> None:
    """Run one step of ``check``; a crash becomes its report instead of hiding the others."""
    try:
        step(*args)
    except Exception as error:
        problems.append(f"{check.name}: {type(error).__name__}: {error}")
