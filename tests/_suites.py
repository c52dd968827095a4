"""Run a whole test suite in a subprocess, for tests of a run's behaviour."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_suite(
    suite: str, name: str, *args: str, timeout: float, env: dict[str, str] | None = None
) -> tuple[int, str]:
    """Write ``suite`` as ``name`` in a fresh folder and run ``python *args``
    there, with ``env`` added to the environment; its exit status and output
    (stdout, then stderr).  ``timeout`` bounds the hang a test is about; it
    is not a measure."""
    with tempfile.TemporaryDirectory() as directory:
        with open(os.path.join(directory, name), "w") as f:
            f.write(textwrap.dedent(suite))
        done = subprocess.run(
            [sys.executable, *args],
            cwd=directory,
            env={**os.environ, "PYTHONPATH": ROOT, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    return done.returncode, done.stdout + done.stderr
