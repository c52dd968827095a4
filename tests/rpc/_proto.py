"""The messages and stubs of ``proto/shapes.proto``, generated when first imported.

Choice: no ``*_pb2*.py`` module is committed.  Generated code pins the
runtime it was made with (protobuf gencode checks its runtime version,
``*_pb2_grpc`` checks ``grpcio``), so a committed copy would break the tests
on every older supported grpcio/protobuf.  ``grpc.protos_and_services``
(with grpcio-tools, a test dependency) compiles the proto in-process instead,
for whatever versions are installed.  The whole rpc test package is skipped
when grpcio, protobuf or grpcio-tools is not installed (see ``__init__``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType

import grpc

__all__ = [
    "ELSEWHERE",
    "PING",
    "SHAPES",
    "STREAM_STREAM",
    "STREAM_UNARY",
    "UNARY_STREAM",
    "UNARY_UNARY",
    "pb",
    "pb_grpc",
]

_PROTO_DIR = str(Path(__file__).parent / "proto")


def _load() -> tuple[ModuleType, ModuleType]:
    # grpc looks the .proto file up on sys.path, like a module.
    sys.path.insert(0, _PROTO_DIR)
    try:
        protos, services = grpc.protos_and_services("shapes.proto")
    finally:
        sys.path.remove(_PROTO_DIR)
    return protos, services


pb, pb_grpc = _load()
SHAPES = pb.DESCRIPTOR.services_by_name["Shapes"]
ELSEWHERE = pb.DESCRIPTOR.services_by_name["Elsewhere"]
UNARY_UNARY = SHAPES.methods_by_name["UnaryUnary"]
UNARY_STREAM = SHAPES.methods_by_name["UnaryStream"]
STREAM_UNARY = SHAPES.methods_by_name["StreamUnary"]
STREAM_STREAM = SHAPES.methods_by_name["StreamStream"]
PING = ELSEWHERE.methods_by_name["Ping"]
