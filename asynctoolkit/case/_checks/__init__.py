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
        watch = self._watch = Watch(loop, context, warn, fresh, cancel_wait, allowed_threads)
        self._by_strict = by_strict
        checks: list[Check] = []
        self._checks = checks
        try:
            # Started in registry order (the order they report in).
            for check in CHECKS:
                if enabled.get(check.name):
                    checks.append(check(watch))
        except BaseException:
            self._restore()
            raise
        #: The task factory recording the test's tasks, if the checks installed one.
        self.task_factory = watch.task_factory

    def finish(self, settle: Settle, close: Callable[[bool], list[str]]) -> list[str]:
        """Report and clean up what the test left behind.

        ``settle`` runs a coroutine on the loop (bounded by the test's time
        limit); ``close`` closes the test's loop when it owns it, returning
        what failed there; it is told whether the checks cancelled every task
        left on the loop.  Returns one message per failed check (and the
        close's), empty when all passed.  Each check runs even if another
        failed: one never hides another.

        Only the hooks a check overrides are called, and each step's guard
        is inline: per-test cost, ``bench/bench_case.py``.
        """
        checks = self._checks
        created = self._watch.created
        problems: list[str] = []
        try:
            for check in checks:
                if type(check).stop is not _NO_STOP:
                    try:
                        check.stop()
                    except Exception as error:
                        problems.append(_crashed(check, error))
            users = sum(1 for check in checks if check.uses_created_tasks) if created else 0
            if not users:
                self._watch.let_go_of_tasks()
            for check in checks:
                if type(check).finish is not _NO_FINISH:
                    try:
                        check.finish(settle)
                    except Exception as error:
                        problems.append(_crashed(check, error))
                if users and check.uses_created_tasks:
                    users -= 1
                    if not users:
                        # Let the test's tasks go before the other checks collect
                        # garbage: what they hold (a grpc.aio channel) may unregister then.
                        self._watch.let_go_of_tasks()
            closing = close(self._watch.tasks_cleared)
            for check in checks:
                if type(check).after_close is not _NO_AFTER_CLOSE:
                    try:
                        check.after_close()
                    except Exception as error:
                        problems.append(_crashed(check, error))
            by_strict = self._by_strict
            for check in checks:
                try:
                    found = check.findings()
                except Exception as error:
                    problems.append(_crashed(check, error))
                    continue
                if found:
                    if check.name in by_strict:
                        note = (
                            f"\n    (@fail_on({check.name}=False) turns this check off for this "
                            "test, but --strict turns every check on)"
                        )
                        found = [message + note for message in found]
                    problems.extend(found)
            problems += closing
        finally:
            self._restore()
        return problems

    def _restore(self) -> None:
        """Put back what the checks changed, every step even if one fails."""
        error: BaseException | None = None
        for check in reversed(self._checks):
            if type(check).restore is not _NO_RESTORE:
                try:
                    check.restore()
                except BaseException as exc:
                    error = error or exc
        self._watch.restore()
        self._watch.let_go_of_tasks()
        if error is not None:
            raise error


# The hooks of ``Check`` that do nothing: a check that does not override one
# is not called for it.
_NO_STOP = Check.stop
_NO_FINISH = Check.finish
_NO_AFTER_CLOSE = Check.after_close
_NO_RESTORE = Check.restore


def _crashed(check: Check, error: Exception) -> str:
    """The report of a check whose own step crashed (it does not hide the others)."""
    return f"{check.name}: {type(error).__name__}: {error}"
