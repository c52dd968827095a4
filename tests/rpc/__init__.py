"""Tests of asynctoolkit.rpc, skipped as a whole when gRPC is not installed.

The check sits here, in the package, so that it runs before any test module
imports ``grpc`` or ``asynctoolkit.rpc`` (both unittest discovery and pytest
report a ``SkipTest`` raised while importing a package as a skip).
"""

import unittest

try:
    import grpc
    import grpc.aio  # noqa: F401
    import grpc_tools  # noqa: F401
    from google import protobuf  # noqa: F401
except ImportError as error:  # pragma: no cover - depends on the environment
    raise unittest.SkipTest(
        f"asynctoolkit.rpc tests need grpcio, protobuf and grpcio-tools: {error}"
    ) from None
