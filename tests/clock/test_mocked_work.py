"""Mocks as executor jobs and callbacks: the clocked loop runs and describes them, bounded.

Every ``MagicMock`` has ``.func`` and ``.args``; a describer that followed
them as if the mock were a ``functools.partial`` never returned (each read
creates a new child).  The scenarios run in a child process with a real-time
limit, so such a hang fails the test instead of stopping the suite.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import unittest
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parents[2]
#: Real seconds a scenario may take; each takes about one (a hang grows memory: keep it short).
_LIMIT = 20

_PRELUDE = """
import asyncio, functools, json, socket, time
from unittest import mock
from asynctoolkit.clock import ClockedEventLoop, StalledClockError

def created(m):
    # Children a describer would have created by reading .func and .args.
    return sorted(name for name in ("func", "args") if name in dir(m))

loop = ClockedEventLoop(autojump=True)
out = {}
"""


def _run(scenario: str) -> dict[str, Any]:
    code = _PRELUDE + textwrap.dedent(scenario) + "\nloop.close()\nprint(json.dumps(out))\n"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(_ROOT), os.environ.get("PYTHONPATH")])),
    }
    try:
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=_LIMIT, env=env
        )
    except subprocess.TimeoutExpired:
        raise AssertionError(f"the scenario did not end within {_LIMIT}s:\n{scenario}") from None
    if done.returncode != 0:
        raise AssertionError(f"the scenario failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


class MockJobTest(unittest.TestCase):
    def test_a_magic_mock_runs_in_the_executor_and_gains_no_attribute(self) -> None:
        out = _run("""
            job = mock.MagicMock(return_value=3)
            out["result"] = loop.run_until_complete(loop.run_in_executor(None, job))
            out["created"] = created(job)
            out["calls"] = len(job.mock_calls)
        """)
        self.assertEqual(out, {"result": 3, "created": [], "calls": 1})

    def test_resolver_calls_while_socket_functions_are_patched(self) -> None:
        out = _run("""
            with mock.patch("socket.getnameinfo", return_value=("host", "80")) as names, \\
                    mock.patch("socket.getaddrinfo", return_value=[]) as infos:
                out["name"] = loop.run_until_complete(loop.getnameinfo(("127.0.0.1", 80)))
                out["info"] = loop.run_until_complete(loop.getaddrinfo("example.org", 80))
                out["created"] = created(names) + created(infos)
        """)
        self.assertEqual(out, {"name": ["host", "80"], "info": [], "created": []})

    def test_a_failure_lists_a_mock_job_and_a_mock_timer(self) -> None:
        out = _run("""
            loop.real_timeout = 0.2
            slow = mock.MagicMock(side_effect=lambda: time.sleep(1))
            spec_partial = mock.MagicMock(spec=functools.partial)
            loop.call_later(120, spec_partial)
            async def main():
                await asyncio.wait_for(loop.run_in_executor(None, slow), 60)
            try:
                loop.run_until_complete(main())
            except StalledClockError as error:
                out["message"] = str(error)
            out["created"] = created(slow)
            loop.real_timeout = 10
            loop.run_until_complete(asyncio.sleep(2))  # the job ends within its real second
            loop.autojump = False
            try:
                loop.run_until_complete(asyncio.sleep(300))
            except StalledClockError as error:
                out["stall"] = str(error)
        """)
        self.assertIn("executor job <MagicMock id=", out["message"])
        self.assertEqual(out["created"], [])
        self.assertIn("at t=120: <MagicMock spec='partial' id=", out["stall"])


if __name__ == "__main__":
    unittest.main()
