"""How the pytest plugin runs and reports one async test of its own.

**One run per test, without a fixture.**  Each test of the plugin runs on a
``TestRun`` of its own (a fresh loop, context, time limit and checks).  It is
started by the item's ``setup()``, before any of its fixtures is set up, and
ended by the item's ``teardown()``, which pytest calls after every finalizer
registered on the item (its function-scoped fixtures) and before those of its
module, class and session.  Doing this in a fixture cost about half of the
plugin's work per trivial test in pytest's fixture machinery
(bench/bench_pytest.py).  ``take`` wraps the item's ``setup`` and
``teardown``; the run is put among the item's fixture values under the
harness's name, which pytest then leaves as it is.  What the run needs from
the test's markers is read once per item (``_Plan``).

Two things need the reports of a test's phases before pytest logs them:

* **One bug, one report.**  The checks run when the test's fixtures are
  finalised, so their findings fail the teardown phase.  When the test itself
  failed too, pytest would count "1 failed, 1 error" for one test.  The
  findings join the failure instead (a section of its report, printed under
  it) and the teardown passes.  A test that passed keeps the error at teardown.
* **explore.**  An explored test runs once per seed, each run a whole
  protocol (setup, call, teardown of its function-scoped fixtures); only the
  first failing run (or the last, if every run passed) is logged, with the
  seed's report added to the failure.

So the plugin runs the protocol itself with logging off, then logs the
reports it keeps.  Private details of pytest, each with a canary in
``tests/plugin/test_pytest_details.py``: ``_pytest.runner.runtestprotocol``
(the protocol pytest runs for every item, also used by pytest-rerunfailures
to rerun one); a node's ``teardown()`` runs after the finalizers registered
on it; ``Function.setup()`` leaves the names already in ``funcargs``.
"""

from __future__ import annotations

import contextvars
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import pytest
from _pytest.runner import runtestprotocol

from asynctoolkit import case
from asynctoolkit._shared import choices
from asynctoolkit._shared.settings import EXPLORE_MARK, settings
from asynctoolkit.case import _decorators, _loops
from asynctoolkit.case._run import TestRun

if TYPE_CHECKING:
    from asynctoolkit._shared.exploration import Exploration

__all__: list[str] = []

#: Set on the exception that reports the checks' findings at teardown.
CHECKS_MARK = "_asynctoolkit_checks"
#: The plugin's marker.
MARKER = "asynctoolkit"
_FINDINGS = "_asynctoolkit_findings"
_EXPLORE_SECTION = "asynctoolkit explore"
_CHECKS_SECTION = "asynctoolkit checks also found"

#: Set by the plugin at ``pytest_configure``: asyncio's debug mode for every
#: test's loop (pytest-asyncio's ``asyncio_debug`` setting).
LOOP_DEBUG = pytest.StashKey[bool]()

#: The run of the test being set up, run or torn down (pytest runs one test
#: at a time per process, also under xdist), and that test.
active: TestRun | None = None
active_item: pytest.Item | None = None

# (clocked, autojump, time limit, enabled checks) of a run.
_Settings = tuple[bool, bool, float | None, dict[str, bool]]


class _Plan:
    """What the runs of one test need that stays the same from run to run.

    Read when first needed, and kept only once read without error: a bad
    marker fails every run of the test, as it did when read for each.
    """

    __slots__ = (
        "checked",
        "clock_asked",
        "explored",
        "keywords",
        "run",
        "settings",
        "settings_key",
    )

    def __init__(self, clock_asked: bool) -> None:
        #: The test asks for the ``clock`` fixture: it runs on virtual time.
        self.clock_asked = clock_asked
        #: The test passed ``refuse`` (it may run on our loop).
        self.checked = False
        self.keywords: dict[str, Any] | None = None
        #: ``explored`` is read (once, when the protocol starts); None: not explored.
        self.explored: Exploration | bool | None = False
        self.settings: _Settings | None = None
        self.settings_key: tuple[Any, ...] = ()
        #: The test's current run, between its setup and its teardown.
        self.run: TestRun | None = None


_PLAN = pytest.StashKey[_Plan]()


def take(item: pytest.Item, harness: str, refuse: Callable[[pytest.Item], None]) -> None:
    """Run ``item`` on a run of its own, started by its setup and ended by its teardown.

    ``harness``: the name under which the run is among the test's fixture
    values (``loop`` and ``clock`` read it there).  ``refuse(item)`` raises
    when the test may not run on our loop; it is asked once per item.
    """
    if _PLAN in item.stash:
        return
    item.stash[_PLAN] = _Plan("clock" in getattr(item, "fixturenames", ()))
    setup, teardown = item.setup, item.teardown

    def setup_with_run() -> None:
        __tracebackhide__ = True
        _start(item, harness, refuse)
        setup()

    def teardown_with_run() -> None:
        __tracebackhide__ = True  # a failed check is reported, not this frame
        try:
            _end(item)
        finally:
            teardown()

    item.setup = setup_with_run  # type: ignore[method-assign]
    item.teardown = teardown_with_run  # type: ignore[method-assign]


def taken(item: pytest.Item) -> bool:
    """``item`` runs on a run of its own (``take``)."""
    return _PLAN in item.stash


def _start(item: pytest.Item, harness: str, refuse: Callable[[pytest.Item], None]) -> None:
    global active, active_item
    __tracebackhide__ = True
    plan = item.stash[_PLAN]
    if not plan.checked:
        refuse(item)
        plan.checked = True
    clocked, autojump, limit, enabled = _settings(item, plan)
    loop = _loops.new_clocked_loop(autojump) if clocked else _loops.new_loop()
    if item.config.stash.get(LOOP_DEBUG, False):
        loop.set_debug(True)
    name = item.nodeid

    def warn(message: str) -> None:
        warnings.warn(f"{name}: {message}", RuntimeWarning, stacklevel=2)

    run = TestRun(
        loop,
        owns_loop=True,
        context=contextvars.copy_context(),
        limit=limit,
        checks=enabled,
        warn=warn,
    )
    try:
        run.start()
    except BaseException:
        run.close(name)
        raise
    plan.run = active = run
    active_item = item
    funcargs = getattr(item, "funcargs", None)
    if funcargs is not None:
        funcargs[harness] = run  # pytest sets up the names not there yet


def _end(item: pytest.Item) -> None:
    global active, active_item
    __tracebackhide__ = True
    plan = item.stash[_PLAN]
    run, plan.run = plan.run, None
    active = active_item = None
    if run is None:
        return  # its setup failed before the run started
    try:
        problems = run.finish()
        if problems:
            error = AssertionError("\n\n".join(problems))
            setattr(error, CHECKS_MARK, True)  # joins the test's own failure
            raise error
    finally:
        run.close(item.nodeid)


# -- the settings, from the markers --------------------------------------------------
def _settings(item: pytest.Item, plan: _Plan) -> _Settings:
    """(clocked, autojump, time limit, checks) from the test's markers.

    Kept while the runner's settings and whether the run is explored stay the same.
    """
    explored = choices.current() is not None
    key = (explored, settings.strict, settings.timeout)
    if plan.settings is None or plan.settings_key != key:
        plan.settings = _settings_from(item, plan, explored)
        plan.settings_key = key
    return plan.settings


def _settings_from(item: pytest.Item, plan: _Plan, explored: bool) -> _Settings:
    """Markers of the module, the class and the test add up; the closest wins
    where they set the same keyword."""
    checks = dict(_keywords(item, plan))
    checks.pop("explore", None)
    clock = checks.pop("clock", None)
    if clock is None:
        # An explored test runs on virtual time, jumping by itself unless clock=True says not to.
        clock = "autojump" if explored else False
    elif clock is False and explored:
        raise pytest.UsageError(
            f"{item.nodeid}: explore needs virtual time, and the marker says clock=False; "
            "drop clock=False (explored tests run on a clocked loop with autojump)"
        )
    if clock not in (False, True, "autojump"):
        raise pytest.UsageError(f"@pytest.mark.{MARKER}(clock=...) takes True, False or 'autojump'")
    timeout = checks.pop("timeout", _decorators.UNSET)

    def test() -> None:
        """Carries the marker's settings the way a decorated test method would."""

    case.fail_on(**checks)(test)
    if timeout is not _decorators.UNSET:
        case.timeout(timeout)(test)
    limit = _decorators.time_limit(None, test)
    clocked = bool(clock) or plan.clock_asked
    return clocked, clock == "autojump", limit, _decorators.enabled_checks(None, test)


def _keywords(item: pytest.Item, plan: _Plan) -> dict[str, Any]:
    """The keywords of the test's markers: module, class and test add up, the closest wins."""
    if plan.keywords is None:
        merged: dict[str, Any] = {}
        for marker in reversed(list(item.iter_markers(MARKER))):  # farthest first
            if marker.args:
                raise pytest.UsageError(
                    f"@pytest.mark.{MARKER} takes keywords only (clock=, timeout=, explore=, "
                    "check=True/False)"
                )
            merged.update(marker.kwargs)
        plan.keywords = merged
    return plan.keywords


def _exploration_of(item: pytest.Item, plan: _Plan) -> Exploration | None:
    """The test's ``explore`` settings: its marker's ``explore=``, else ``@explore``."""
    if plan.explored is not False:
        return cast("Exploration | None", plan.explored)
    marked = _keywords(item, plan).get("explore")
    found: object
    if marked is not None and marked is not False:
        if marked is True:
            found = _explore_arguments()
        elif isinstance(marked, dict):
            found = _explore_arguments(**marked)
        else:
            found = _explore_arguments(marked)
    else:
        function = getattr(item, "obj", None)
        found = getattr(function, EXPLORE_MARK, None)
        if found is None:
            found = getattr(getattr(item, "cls", None), EXPLORE_MARK, None)
    if found is not None:
        # Imported by the first explored test, not at start-up (bench/bench_pytest.py).
        from asynctoolkit._shared.exploration import Exploration

        if isinstance(found, Exploration):
            plan.explored = found
            return found
    plan.explored = None
    return None


def _explore_arguments(*given: Any, **kwargs: Any) -> Exploration:
    """The marker's ``explore=RUNS`` (``given``) or ``explore={...}`` (``kwargs``)."""
    from asynctoolkit._shared import exploration

    runs = given[0] if given else kwargs.pop("runs", exploration.DEFAULT_RUNS)
    unknown = sorted(set(kwargs) - {"seed", "jitter", "latency", "faults"})
    if unknown:
        raise pytest.UsageError(
            f"@pytest.mark.{MARKER}(explore={{...}}) got unknown argument(s) "
            f"{', '.join(unknown)}; it takes runs, seed, jitter, latency, faults"
        )
    defaults = exploration.Exploration()
    try:
        return exploration.checked(
            runs,
            kwargs.get("seed", defaults.seed),
            kwargs.get("jitter", defaults.jitter),
            kwargs.get("latency", defaults.latency),
            kwargs.get("faults", defaults.faults),
        )
    except (TypeError, ValueError) as error:
        raise pytest.UsageError(f"@pytest.mark.{MARKER}(explore=...): {error}") from None


# -- the protocol and its reports ------------------------------------------------------
def note_findings(report: pytest.TestReport, call: pytest.CallInfo[Any]) -> None:
    """Remember on a teardown ``report`` that its only failure is the checks' findings."""
    error = call.excinfo.value if call.excinfo is not None else None
    if report.when == "teardown" and report.failed and getattr(error, CHECKS_MARK, False):
        setattr(report, _FINDINGS, str(error))


def run(item: pytest.Item, nextitem: pytest.Item | None) -> bool:
    """Run ``item`` (once, or once per seed), then log the reports kept."""
    explored = _exploration_of(item, item.stash[_PLAN])
    ihook = item.ihook
    ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    if explored is None:
        reports = _one_report(runtestprotocol(item, log=False, nextitem=nextitem))
    else:
        reports = _explore(item, nextitem, explored)
    for report in reports:
        ihook.pytest_runtest_logreport(report=report)
    ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    return True


def _one_report(reports: list[pytest.TestReport]) -> list[pytest.TestReport]:
    """The checks' findings join the test's own failure, when it failed."""
    failed = next((r for r in reports if r.failed and r.when != "teardown"), None)
    for report in reports:
        findings = getattr(report, _FINDINGS, None)
        if findings is not None and failed is not None:
            _add_section(failed, _CHECKS_SECTION, findings)
            report.outcome = "passed"
            report.longrepr = None
    return reports


def _explore(
    item: pytest.Item, nextitem: pytest.Item | None, explored: Exploration
) -> list[pytest.TestReport]:
    from asynctoolkit._shared import exploration

    seeds = exploration.seeds(explored)
    reports: list[pytest.TestReport] = []
    # Between runs, only the test's own (function-scoped) fixtures are finalised.
    parents = _Parents(item)
    for index, seed in enumerate(seeds):
        last = index == len(seeds) - 1
        run_choices = explored.choices(seed)
        choices.begin(run_choices)
        try:
            following = nextitem if last else cast(pytest.Item, parents)
            protocol = runtestprotocol(item, log=False, nextitem=following)
        finally:
            choices.end()
        reports = _one_report(protocol)
        failed = next((r for r in reports if r.failed), None)
        if failed is not None:
            message = exploration.failure_message(
                run_choices, explored, index, len(seeds), item.nodeid, pytest=True
            )
            _add_section(failed, _EXPLORE_SECTION, message)
        if last:
            return reports
        if failed is not None or any(r.skipped for r in reports) or _stopping(item):
            return reports + _tear_down_wider(item, nextitem)
    return reports  # pragma: no cover - the last seed returns above


class _Parents:
    """Stands for "the same test again" as the next item of a run's teardown.

    pytest finalises what the next item does not share with this one; this
    next item shares everything but the test itself, so its function-scoped
    fixtures go and the wider ones stay up for the next run.
    """

    def __init__(self, item: pytest.Item) -> None:
        self._item = item

    def listchain(self) -> list[Any]:
        return self._item.listchain()[:-1]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._item, name)


def _stopping(item: pytest.Item) -> bool:
    return bool(item.session.shouldfail or item.session.shouldstop)


def _tear_down_wider(item: pytest.Item, nextitem: pytest.Item | None) -> list[pytest.TestReport]:
    """Finalise the wider fixtures the runs kept up that ``nextitem`` does not use.

    The run that stopped the exploration was told another run of this test
    would follow.  A failure here is reported as an error at this test's
    teardown, as pytest reports one.  Private detail: pytest's
    ``session._setupstate.teardown_exact(nextitem)`` is what its own
    teardown phase calls (canary in tests/plugin/test_pytest_details.py);
    the teardown hooks of other plugins already ran for this test.
    """
    state = item.session._setupstate
    call = pytest.CallInfo.from_call(
        lambda: state.teardown_exact(nextitem),
        when="teardown",
        reraise=(pytest.exit.Exception, KeyboardInterrupt),
    )
    if call.excinfo is None:
        return []
    report: pytest.TestReport = item.ihook.pytest_runtest_makereport(item=item, call=call)
    return [report]


def _add_section(report: pytest.TestReport, title: str, content: str) -> None:
    """Print ``content`` under ``report``'s failure, whatever ``--show-capture`` says."""
    addsection = getattr(report.longrepr, "addsection", None)
    if callable(addsection):
        addsection(title, content)
    else:
        report.sections.append((title, content))
