"""Benchmark: asynctoolkit.rpc doubles against a real grpc.aio server on 127.0.0.1.

Measures, in the same run:

* a unary round trip: the code under test awaits ``stub.UnaryUnary(request)``;
  on the double the test side takes the RPC and terminates it, on the real
  server an ``async def`` servicer answers;
* a stream-stream call of 1000 requests, each echoed as a response.

Prints microseconds per operation and the speed-up of the doubles (targets:
20x for unary, 30x for the stream).  ``--quick`` runs a short smoke version.
Needs grpcio and grpcio-tools (the test proto is generated as in the tests).

    python bench/bench_rpc.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import grpc
import grpc.aio

from asynctoolkit import rpc
from tests.rpc._proto import SHAPES, STREAM_STREAM, UNARY_UNARY, pb, pb_grpc

OK = grpc.StatusCode.OK
STREAM_LENGTH = 1000
UNARY_TARGET = 20.0
STREAM_TARGET = 30.0


class EchoServicer(pb_grpc.ShapesServicer):
    async def UnaryUnary(self, request: Any, context: Any) -> Any:
        return pb.Reply(number=request.number)

    async def StreamStream(self, request_iterator: Any, context: Any) -> AsyncIterator[Any]:
        async for request in request_iterator:
            yield pb.Reply(number=request.number)


async def _requests(count: int) -> AsyncIterator[Any]:
    for n in range(count):
        yield pb.Request(number=n)


async def _stream_client(stub: Any, count: int) -> None:
    received = 0
    async for _ in stub.StreamStream(_requests(count)):
        received += 1
    if received != count:
        raise AssertionError(f"expected {count} responses, got {received}")


async def _seconds_per_op(run: Callable[[int], Awaitable[None]], count: int) -> float:
    gc.collect()
    start = time.perf_counter()
    await run(count)
    return (time.perf_counter() - start) / count


async def double_unary(count: int) -> None:
    channel = rpc.channel([SHAPES])
    stub = pb_grpc.ShapesStub(channel)
    request, reply = pb.Request(number=1), pb.Reply(number=1)

    async def serve_side() -> None:
        for _ in range(count):
            _, _, call = await channel.take_unary_unary(UNARY_UNARY)
            call.terminate(reply, (), OK, "")

    async def client_side() -> None:
        for _ in range(count):
            await stub.UnaryUnary(request)

    await asyncio.gather(serve_side(), client_side())
    await channel.close()


async def double_stream(count: int) -> None:
    channel = rpc.channel([SHAPES])
    stub = pb_grpc.ShapesStub(channel)

    async def serve_side() -> None:
        for _ in range(count):
            _, call = await channel.take_stream_stream(STREAM_STREAM)
            for _ in range(STREAM_LENGTH):
                call.send_response(pb.Reply(number=(await call.take_request()).number))
            await call.requests_closed()
            call.terminate((), OK, "")

    async def client_side() -> None:
        for _ in range(count):
            await _stream_client(stub, STREAM_LENGTH)

    await asyncio.gather(serve_side(), client_side())
    await channel.close()


async def main(quick: bool) -> int:
    unary_count, stream_count, repeats = (300, 1, 3) if quick else (3000, 5, 5)
    async with rpc.serve({SHAPES: EchoServicer()}) as channel:
        stub = pb_grpc.ShapesStub(channel)

        async def real_unary(count: int) -> None:
            request = pb.Request(number=1)
            for _ in range(count):
                await stub.UnaryUnary(request)

        async def real_stream(count: int) -> None:
            for _ in range(count):
                await _stream_client(stub, STREAM_LENGTH)

        runs = {
            "real_u": (real_unary, unary_count),
            "fake_u": (double_unary, unary_count),
            "real_s": (real_stream, stream_count),
            "fake_s": (double_stream, stream_count),
        }
        best = dict.fromkeys(runs, float("inf"))
        for run, count in runs.values():  # warm up
            await run(max(1, count // 10))
        # Alternate real and double runs, keeping the best of each: the machine's
        # load then weighs on both sides alike.
        for _ in range(repeats):
            for name, (run, count) in runs.items():
                best[name] = min(best[name], await _seconds_per_op(run, count))
    real_u, fake_u, real_s, fake_s = best["real_u"], best["fake_u"], best["real_s"], best["fake_s"]

    rows = [
        ("unary round trip", real_u, fake_u, UNARY_TARGET),
        (f"stream-stream, {STREAM_LENGTH} messages", real_s, fake_s, STREAM_TARGET),
    ]
    print(f"asynctoolkit.rpc doubles vs real grpc.aio on 127.0.0.1 (grpcio {grpc.__version__})")
    print(f"{'operation':<32}{'real µs':>12}{'double µs':>12}{'speed-up':>10}{'target':>8}")
    for name, real, fake, target in rows:
        ratio = real / fake
        note = "" if ratio >= target else "  below target"
        print(
            f"{name:<32}{real * 1e6:>12.1f}{fake * 1e6:>12.1f}{ratio:>9.1f}x{target:>7.0f}x{note}"
        )
    if quick:
        print("(--quick: short smoke run, figures are rough)")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short smoke run (for CI)")
    sys.exit(asyncio.run(main(parser.parse_args().quick)))
