"""``explore`` under the pytest plugin: the decorator, the marker, ``--asynctoolkit-seed``."""

from __future__ import annotations

import re

import pytest

from tests.plugin._run import SPLITS, run_pytest

# Two refreshes and a reader due at the same instant: the reader sees "b"
# only when the refreshes fire in scheduling order and before it.
_RACE = """
import asyncio, pytest
import asynctoolkit

RUNS = []

@pytest.fixture
def cache():
    RUNS.append("fixture")
    yield {"value": None}
    RUNS.append("finalised")

async def race(cache):
    async def refresh(value):
        await asyncio.sleep(1)
        cache["value"] = value
    async def read():
        await asyncio.sleep(1)
        assert cache["value"] == "b", "the reader ran before the refreshes"
    await asyncio.gather(refresh("a"), refresh("b"), read())

@asynctoolkit.explore
async def test_decorated(cache):
    await race(cache)

@pytest.mark.asynctoolkit(explore=100)
async def test_marked(cache):
    await race(cache)

@asynctoolkit.explore(runs=7)
async def test_passes_every_seed(cache):
    await asyncio.sleep(1)
    print("a passing run printed this")

def test_each_run_had_its_fixture():
    assert RUNS.count("fixture") == RUNS.count("finalised")
"""


@pytest.mark.parametrize("split", SPLITS)
def test_the_first_failing_seed_is_reported_with_its_replay_line(
    pytester: pytest.Pytester, split: list[str]
) -> None:
    pytester.makepyfile(test_race=_RACE)
    result = run_pytest(pytester, *split)
    result.assert_outcomes(failed=2, passed=2)
    out = result.stdout.str()
    seeds = re.findall(r"explore: seed (\d+) fails this test", out)
    assert len(seeds) == 2 and seeds[0] == seeds[1]  # the same base: the same seed
    assert f"pytest --asynctoolkit-seed {seeds[0]} 'test_race.py::test_decorated'" in out
    assert f"ASYNCTOOLKIT_SEED={seeds[0]} pytest 'test_race.py::test_decorated'" in out
    assert "timers due together" in out
    assert "a passing run printed this" not in out


def test_the_seed_option_and_variable_replay_one_seed(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_race=_RACE)
    first = run_pytest(pytester, "-k", "decorated")
    seed = re.findall(r"explore: seed (\d+) fails", first.stdout.str())[0]
    for args, env in ((["--asynctoolkit-seed", seed], {}), ([], {"ASYNCTOOLKIT_SEED": seed})):
        for name, value in env.items():
            pytester._monkeypatch.setenv(name, value)
        again = run_pytest(pytester, "-k", "decorated", *args)
        again.assert_outcomes(failed=1)
        assert f"explore: seed {seed} fails this test." in again.stdout.str()
    # The trace is the same each time: equal seeds, equal choices.
    trace = first.stdout.str().split("in order:")[1].split("=====")[0]
    assert trace in again.stdout.str()


def test_each_run_sets_up_and_finalises_the_function_fixtures(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import asyncio, pytest, asynctoolkit

        COUNTS = {"module": 0, "function": 0}

        @pytest.fixture(scope="module")
        def wide():
            COUNTS["module"] += 1
            yield

        @pytest.fixture
        def narrow():
            COUNTS["function"] += 1
            yield

        @asynctoolkit.explore(runs=5)
        async def test_explored(wide, narrow):
            await asyncio.sleep(0.5)

        def test_counts():
            assert COUNTS == {"module": 1, "function": 5}
        """
    )
    run_pytest(pytester).assert_outcomes(passed=2)


def test_a_leak_in_one_run_fails_the_test_naming_the_seed(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import asyncio, pytest

        @pytest.mark.asynctoolkit(explore={"runs": 10})
        async def test_leaks_sometimes():
            loop = asyncio.get_running_loop()
            done = []

            async def other():
                await asyncio.sleep(1)
                done.append("other")

            task = loop.create_task(other())
            await asyncio.sleep(1)
            if not done:  # the seed woke this test before the other task
                loop.create_task(asyncio.sleep(60), name="leaked")
            await task
        """
    )
    result = run_pytest(pytester)
    result.assert_outcomes(passed=1, errors=1)
    out = result.stdout.str()
    assert "pending_tasks" in out and "task 'leaked'" in out
    assert re.search(r"explore: seed \d+ fails this test", out)


def test_bad_marker_arguments_are_usage_errors(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.asynctoolkit(explore={"runs": 0})
        async def test_zero_runs():
            pass
        """
    )
    result = run_pytest(pytester)
    assert result.ret != 0
    assert "explore(runs=...) needs at least 1 run" in result.stdout.str() + result.stderr.str()


def test_a_bad_seed_option_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("async def test_it(): pass")
    result = run_pytest(pytester, "--asynctoolkit-seed", "minus")
    assert result.ret != 0
    assert "--asynctoolkit-seed takes a seed" in result.stderr.str()
