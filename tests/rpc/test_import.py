"""Importing: grpc stays optional for asynctoolkit, and its absence is explained."""

from __future__ import annotations

import subprocess
import sys
import unittest

# Run in a fresh interpreter where ``module`` cannot be imported (as on an
# installation without the grpc extra): prints the error ``import
# asynctoolkit.rpc`` raised, then the error it was chained from.
_IMPORT_WITHOUT = """
import sys
sys.modules[{module!r}] = None
try:
    import asynctoolkit.rpc
except ImportError as error:
    print(type(error).__name__, error, sep=": ")
    cause = error.__cause__
    print(type(cause).__name__, cause, sep=": ")
else:
    print("imported")
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

    def _import_without(self, module: str) -> list[str]:
        result = _run(_IMPORT_WITHOUT.format(module=module))
        self.assertEqual(result.returncode, 0, result.stderr)
        return result.stdout.splitlines()

    def test_rpc_without_grpc_names_the_extra(self) -> None:
        error, cause = self._import_without("grpc")
        self.assertTrue(error.startswith("ImportError: asynctoolkit.rpc needs grpcio"), error)
        self.assertIn("pip install 'asynctoolkit[grpc]'", error)
        # Chained from what failed, so the reason stays visible.
        self.assertIn("ModuleNotFoundError", cause)
        self.assertIn("grpc", cause)

    def test_rpc_without_protobuf_names_the_extra(self) -> None:
        error, cause = self._import_without("google.protobuf")
        self.assertIn("pip install 'asynctoolkit[grpc]'", error)
        self.assertIn("google.protobuf", cause)


if __name__ == "__main__":
    unittest.main()
