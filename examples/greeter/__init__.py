"""A gRPC greeter: a ``grpc.aio`` client library and servicer, tested with asynctoolkit.rpc.

* ``greeter.proto``: the service (``SayHello`` unary, ``SayHelloStream`` server stream);
* ``client.py``: ``GreeterClient``, with a deadline, an auth token and retries;
* ``servicer.py``: ``Greeter``, the service implementation;
* ``test_client.py``, ``test_servicer.py``: each side alone, against the doubles
  of ``asynctoolkit.rpc``, on virtual time;
* ``test_integration.py``: both sides together, over ``rpc.connect`` on
  virtual time, and once over a real in-process server (``rpc.serve``).

The example needs grpcio, protobuf and grpcio-tools (the proto is compiled when
the example is imported, see ``_generated.py``).  Without them the check below
skips every test of the example: unittest discovery and pytest both report a
``unittest.SkipTest`` raised while importing a package as a skip.  It sits in
the package so it runs before any module of the example imports ``grpc``.
"""

import unittest

try:
    import grpc
    import grpc.aio  # noqa: F401
    import grpc_tools  # noqa: F401
    from google import protobuf  # noqa: F401
except ImportError as error:  # pragma: no cover - depends on the environment
    raise unittest.SkipTest(
        f"the greeter example needs grpcio, protobuf and grpcio-tools "
        f"(pip install grpcio grpcio-tools): {error}"
    ) from None
