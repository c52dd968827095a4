"""How the pytest plugin runs and reports one async test of its own.

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
reports it keeps.  Private detail: ``_pytest.runner.runtestprotocol`` (the
protocol pytest runs for every item, also used by pytest-rerunfailures to
rerun one) is pytest's own; it is used here only, with a canary in
``tests/plugin/test_pytest_details.py``.
"""

from __future__ import annotations

from typing import Any, cast

import pytest
from _pytest.runner import runtestprotocol

from asynctoolkit._shared import choices, exploration
from asynctoolkit._shared.exploration import Exploration

__all__: list[str] = []

#: Set on the exception that reports the checks' findings at teardown.
CHECKS_MARK = "_asynctoolkit_checks"
_FINDINGS = "_asynctoolkit_findings"
_EXPLORE_SECTION = "asynctoolkit explore"
_CHECKS_SECTION = "asynctoolkit checks also found"


def note_findings(report: pytest.TestReport, call: pytest.CallInfo[Any]) -> None:
    """Remember on a teardown ``report`` that its only failure is the checks' findings."""
    error = call.excinfo.value if call.excinfo is not None else None
    if report.when == "teardown" and report.failed and getattr(error, CHECKS_MARK, False):
        setattr(report, _FINDINGS, str(error))


def run(item: pytest.Item, nextitem: pytest.Item | None, explored: Exploration | None) -> bool:
    """Run ``item`` (once, or once per seed), then log the reports kept."""
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
