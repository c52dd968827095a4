"""The generated code of ``proto/shapes.proto``, produced once per test session.

Choice: the ``*_pb2*.py`` modules are *not* committed.  Generated code pins
the runtime it was made with (protobuf gencode checks its runtime version,
``*_pb2_grpc`` checks ``grpcio``), so a committed copy would break the tests
on every older supported grpcio/protobuf.  Instead ``grpc_tools.protoc``
(grpcio-tools, a test dependency) runs in-process the first time a test
module imports this one, into a cache directory keyed by the proto's content
and the grpcio-tools version; later sessions reuse it.  The whole rpc test
package is skipped when grpcio, protobuf or grpcio-tools is not installed
(see ``__init__``).
"""

from __future__ import annotations

import hashlib
import importlib
import os
import shutil
import sys
import tempfile
from pathlib import Path
from types import ModuleType

from grpc_tools import protoc

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

_PROTO_DIR = Path(__file__).parent / "proto"
_PROTO = _PROTO_DIR / "shapes.proto"


def _generate() -> Path:
    source = _PROTO.read_bytes()
    version = getattr(protoc, "__version__", None) or _tools_version()
    key = hashlib.sha256(source + version.encode()).hexdigest()[:16]
    target = Path(tempfile.gettempdir()) / "asynctoolkit-rpc-proto" / key
    if (target / "shapes_pb2_grpc.py").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="gen-", dir=target.parent))
    include = Path(protoc.__file__).parent / "_proto"
    status = protoc.main(
        [
            "grpc_tools.protoc",
            f"-I{_PROTO_DIR}",
            f"-I{include}",
            f"--python_out={scratch}",
            f"--grpc_python_out={scratch}",
            str(_PROTO),
        ]
    )
    if status != 0:
        shutil.rmtree(scratch, ignore_errors=True)
        raise RuntimeError(f"grpc_tools.protoc failed on {_PROTO} (exit status {status})")
    try:
        os.replace(scratch, target)
    except OSError:  # another process generated it first
        shutil.rmtree(scratch, ignore_errors=True)
    return target


def _tools_version() -> str:
    try:
        from importlib.metadata import version

        return version("grpcio-tools")
    except Exception:  # pragma: no cover - metadata missing
        return "unknown"


def _load() -> tuple[ModuleType, ModuleType]:
    directory = str(_generate())
    if directory not in sys.path:
        sys.path.insert(0, directory)
    return importlib.import_module("shapes_pb2"), importlib.import_module("shapes_pb2_grpc")


pb, pb_grpc = _load()
SHAPES = pb.DESCRIPTOR.services_by_name["Shapes"]
ELSEWHERE = pb.DESCRIPTOR.services_by_name["Elsewhere"]
UNARY_UNARY = SHAPES.methods_by_name["UnaryUnary"]
UNARY_STREAM = SHAPES.methods_by_name["UnaryStream"]
STREAM_UNARY = SHAPES.methods_by_name["StreamUnary"]
STREAM_STREAM = SHAPES.methods_by_name["StreamStream"]
PING = ELSEWHERE.methods_by_name["Ping"]
