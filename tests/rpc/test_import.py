"""Importing: grpc stays optional for asynctoolkit, and its absence is explained."""

from __future__ import annotations

import subprocess
import sys
import unittest

# Makes ``import grpc`` fail, as on an installation without the grpc extra.
_WITHOUT_GRPC = """
import sys
class _Block:
    def find_spec(self, name, path=None, target=None):
        if name == "grpc" or name.startswith("grpc."):
            raise ImportError("No module named 'grpc'")
        return None
sys.meta_path.insert(0, _Block())
"""


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )


class ImportTest(unittest.TestCase):
    def test_asynctoolkit_does_not_import_grpc(self) -> None:
        result = _run("import sys, asynctoolkit; print('grpc' in sys.modules)")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.strip(), "False")

    def test_rpc_without_grpc_says_what_to_install(self) -> None:
        result = _run(_WITHOUT_GRPC + "import asynctoolkit.rpc")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("install asynctoolkit[grpc]", result.stderr)


if __name__ == "__main__":
    unittest.main()
