"""The code generated from ``greeter.proto``, compiled when this module is first imported.

In a real project ``greeter_pb2.py`` and ``greeter_pb2_grpc.py`` would be
produced at build time (``python -m grpc_tools.protoc ...``) or committed.
This example does neither: generated code pins the grpcio and protobuf it was
made with (``*_pb2`` checks its protobuf runtime, ``*_pb2_grpc`` its grpcio),
so a committed copy would break on other supported versions.  Instead
``grpc.protos_and_services`` (which needs grpcio-tools) compiles the proto
in-process, for whatever versions are installed.

The rest of the example imports from here: the message classes (``pb``), the
stub and servicer base class (``pb_grpc``), and the descriptors the
``asynctoolkit.rpc`` doubles take.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import grpc

__all__ = [
    "GREETER",
    "SAY_HELLO",
    "SAY_HELLO_STREAM",
    "GreeterServicer",
    "GreeterStub",
    "pb",
    "pb_grpc",
]

_HERE = str(Path(__file__).parent)


def _load() -> tuple[ModuleType, ModuleType]:
    # grpc looks the .proto file up on sys.path, the way imports find modules.
    sys.path.insert(0, _HERE)
    try:
        protos, services = grpc.protos_and_services("greeter.proto")
    finally:
        sys.path.remove(_HERE)
    return protos, services


#: ``greeter_pb2``: the messages ``HelloRequest`` and ``HelloReply``.
#: ``greeter_pb2_grpc``: ``GreeterStub``, ``GreeterServicer``.
pb, pb_grpc = _load()

# Made at run time, the generated classes have no static types: ``Any`` says so.
#: The client stub: ``GreeterStub(channel).SayHello(request, timeout=..., metadata=...)``.
GreeterStub: Any = pb_grpc.GreeterStub
#: The base class of servicers: its methods answer UNIMPLEMENTED until overridden.
GreeterServicer: Any = pb_grpc.GreeterServicer

#: The service and method descriptors, as ``rpc.channel``, ``take_*`` and ``invoke_*`` take them.
GREETER = pb.DESCRIPTOR.services_by_name["Greeter"]
SAY_HELLO = GREETER.methods_by_name["SayHello"]
SAY_HELLO_STREAM = GREETER.methods_by_name["SayHelloStream"]
