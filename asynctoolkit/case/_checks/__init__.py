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

    ``enabled`` maps names to True (names mapped to False are ignored); it
    is read once per mapping object (``_plan_of``): change the checks by
    passing another mapping, not by changing this one;
    ``warn`` receives a message for each check this loop cannot support;
    ``fresh`` says the loop was made for this test; ``cancel_wait`` is the
    real time cancelled leftover tasks get to finish; ``by_strict`` names the
    checks that ``--strict`` turned on against the test's own ``fail_on``.
    """

    __slots__ = ("_by_strict", "_checks", "_plan", "_watch", "task_factory")

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
        plan = self._plan = _plan_of(enabled)
        checks: list[Check] = []
        self._checks = checks
        try:
            # Started in registry order (the order they report in).
            for check in plan.classes:
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
        checks, plan = self._checks, self._plan
        created = self._watch.created
        problems: list[str] = []
        try:
            for i in plan.stop:
                try:
                    checks[i].stop()
                except Exception as error:
                    problems.append(_crashed(checks[i], error))
            recorded = bool(created)  # before the finish steps, which may add some
            if not recorded:
                self._watch.let_go_of_tasks()  # nothing to read
            for i in plan.finish:
                if i < 0:
                    if recorded:
                        # Past the last check that reads the test's tasks: let them
                        # go before the others collect garbage (what they hold, a
                        # grpc.aio channel, may unregister then).
                        self._watch.let_go_of_tasks()
                    continue
                try:
                    checks[i].finish(settle)
                except Exception as error:
                    problems.append(_crashed(checks[i], error))
            closing = close(self._watch.tasks_cleared)
            for i in plan.after_close:
                try:
                    checks[i].after_close()
                except Exception as error:
                    problems.append(_crashed(checks[i], error))
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
        checks = self._checks
        for i in self._plan.restore:
            if i < len(checks):  # started (a check that failed to start has no restore)
                try:
                    checks[i].restore()
                except BaseException as exc:
                    error = error or exc
        self._watch.restore()
        self._watch.let_go_of_tasks()
        if error is not None:
            raise error


class _Plan:
    """What the checks of one set of enabled names call, worked out once.

    ``classes``: the enabled checks, in registry order; the others are
    indices into them, of the checks that override each hook (a hook
    ``Check`` leaves empty is not called: per-test cost, bench/bench_case.py),
    ``restore`` last first; ``finish`` also holds -1, where the test's
    tasks are let go.
    """

    __slots__ = ("after_close", "classes", "finish", "restore", "stop")

    def __init__(self, classes: tuple[type[Check], ...]) -> None:
        self.classes = classes

        def overriding(hook: str) -> tuple[int, ...]:
            return tuple(
                i
                for i, check in enumerate(classes)
                if getattr(check, hook) is not getattr(Check, hook)
            )

        self.stop = overriding("stop")
        finish = overriding("finish")
        users = [i for i, check in enumerate(classes) if check.uses_created_tasks]
        last = users[-1] if users else -1
        # -1 marks where the test's tasks are let go: after the last check
        # that reads them, before the next check's finish.
        self.finish = (*(i for i in finish if i <= last), -1, *(i for i in finish if i > last))
        self.after_close = overriding("after_close")
        self.restore = overriding("restore")[::-1]


# Plans by the enabled names, and by the mapping of enabled names they were
# last found for, kept with it (so that its id is not reused): ``settings_of``
# hands each test of a class the same mapping, found by identity (per-test
# cost, bench/bench_case.py); the pytest plugin makes one per test.
_by_names: dict[tuple[str, ...], _Plan] = {}
_by_mapping: dict[int, tuple[Mapping[str, bool], _Plan]] = {}


def _plan_of(enabled: Mapping[str, bool]) -> _Plan:
    found = _by_mapping.get(id(enabled))
    if found is not None and found[0] is enabled:
        return found[1]
    names = tuple(name for name, on in enabled.items() if on)
    plan = _by_names.get(names)
    if plan is None:
        plan = _Plan(tuple(check for check in CHECKS if check.name in names))
        if len(_by_names) > 100:  # many different sets: start afresh
            _by_names.clear()
        _by_names[names] = plan
    if len(_by_mapping) > 100:
        _by_mapping.clear()
    _by_mapping[id(enabled)] = (enabled, plan)
    return plan


def _crashed(check: Check, error: Exception) -> str:
    """The report of a check whose own step crashed (it does not hide the others)."""
    return f"{check.name}: {type(error).__name__}: {error}"
