"""``from asynctoolkit import *`` needs no grpcio, and ``asynctoolkit.rpc`` stays reachable."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import unittest

import asynctoolkit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# As on an installation without the grpc extra: ``import grpc`` raises ImportError.
_WITHOUT_GRPC = "import sys\nsys.modules['grpc'] = None\n"


def _run_without_grpc(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _WITHOUT_GRPC + code],
        env=dict(os.environ, PYTHONPATH=ROOT),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


class WithoutGrpcTest(unittest.TestCase):
    def test_star_import_brings_every_name_of_all(self) -> None:
        result = _run_without_grpc(
            "from asynctoolkit import *\n"
            "import asynctoolkit\n"
            "print(sorted(set(asynctoolkit.__all__) - set(globals())))\n"
            "print(TestCase is asynctoolkit.case.TestCase)\n"
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.split(), ["[]", "True"])

    def test_rpc_attribute_raises_import_error_naming_the_extra(self) -> None:
        result = _run_without_grpc(
            "import asynctoolkit\n"
            "try:\n"
            "    asynctoolkit.rpc\n"
            "except ImportError as error:\n"
            "    print(error)\n"
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("asynctoolkit[grpc]", result.stdout)


class RpcReachableTest(unittest.TestCase):
    def test_rpc_by_attribute_from_import_and_import(self) -> None:
        from asynctoolkit import rpc

        self.assertIs(asynctoolkit.rpc, rpc)
        self.assertIs(importlib.import_module("asynctoolkit.rpc"), rpc)

    def test_rpc_is_listed_by_dir_but_left_out_of_star_import(self) -> None:
        self.assertIn("rpc", dir(asynctoolkit))
        self.assertNotIn("rpc", asynctoolkit.__all__)


if __name__ == "__main__":
    unittest.main()
