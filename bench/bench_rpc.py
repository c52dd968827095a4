"""Benchmark: asynctoolkit.rpc against a real grpc.aio server on 127.0.0.1.

Measures, in the same run, in interleaved rounds (each round runs every
measurement once, so the machine's load weighs on all of them alike):

* a unary round trip: the code under test awaits ``stub.UnaryUnary(request)``;
  on the channel double the test side takes the RPC and terminates it, on
  ``rpc.connect`` and on the real server an ``async def`` servicer answers;
* a stream-stream call of 1000 requests, each echoed as a response;
* setting up plus one unary call: ``async with rpc.connect(...)`` against
  starting (and stopping) a real server and its channel (``rpc.serve``).

For each comparison it prints the real and the asynctoolkit time per
operation (best of the rounds), the speed-up of the bests, the range of the
speed-ups of single rounds, and the target; then the load average, since the
figures move with it.  ``--quick`` runs a short smoke version.  Needs grpcio
and grpcio-tools (the test proto is generated as in the tests).

    python bench/bench_rpc.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
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


class EchoServicer(pb_grpc.ShapesServicer):  # type: ignore[misc]
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


async def _unary_client(stub: Any, count: int) -> None:
    request = pb.Request(number=1)
    for _ in range(count):
        await stub.UnaryUnary(request)


# -- the channel double: the test plays server --------------------------------------


async def double_unary(count: int) -> None:
    channel = rpc.channel([SHAPES])
    stub = pb_grpc.ShapesStub(channel)
    reply = pb.Reply(number=1)

    async def serve_side() -> None:
        for _ in range(count):
            _, _, call = await channel.take_unary_unary(UNARY_UNARY)
            call.terminate(reply, (), OK, "")

    await asyncio.gather(serve_side(), _unary_client(stub, count))
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


# -- rpc.connect and the real server: a servicer answers ------------------------------


def _on_channel(
    open_channel: Callable[[], Any], client: Callable[[Any, int], Awaitable[None]]
) -> Callable[[int], Awaitable[None]]:
    async def run(count: int) -> None:
        async with open_channel() as channel:
            await client(pb_grpc.ShapesStub(channel), count)

    return run


async def _streams(stub: Any, count: int) -> None:
    for _ in range(count):
        await _stream_client(stub, STREAM_LENGTH)


def _setups(open_channel: Callable[[], Any]) -> Callable[[int], Awaitable[None]]:
    request = pb.Request(number=1)

    async def run(count: int) -> None:
        for _ in range(count):
            async with open_channel() as channel:
                await pb_grpc.ShapesStub(channel).UnaryUnary(request)

    return run


async def _seconds_per_op(run: Callable[[int], Awaitable[None]], count: int) -> float:
    gc.collect()
    start = time.perf_counter()
    await run(count)
    return (time.perf_counter() - start) / count


async def main(quick: bool) -> int:
    servicer = EchoServicer()

    def connect() -> Any:
        return rpc.connect({SHAPES: servicer})

    def serve() -> Any:
        return rpc.serve({SHAPES: servicer})

    if quick:
        unary, streams, real_setups, setups, repeats = 300, 1, 3, 100, 3
    else:
        unary, streams, real_setups, setups, repeats = 3000, 3, 10, 500, 5
    load_before = os.getloadavg()
    async with serve() as real_channel:
        real_stub = pb_grpc.ShapesStub(real_channel)

        async def real_unary(count: int) -> None:
            await _unary_client(real_stub, count)

        async def real_stream(count: int) -> None:
            await _streams(real_stub, count)

        runs: dict[str, tuple[Callable[[int], Awaitable[None]], int]] = {
            "real unary": (real_unary, unary),
            "double unary": (double_unary, unary),
            "connect unary": (_on_channel(connect, _unary_client), unary),
            "real stream": (real_stream, streams),
            "double stream": (double_stream, streams),
            "connect stream": (_on_channel(connect, _streams), streams),
            "real setup": (_setups(serve), real_setups),
            "connect setup": (_setups(connect), setups),
        }
        for run, count in runs.values():  # warm up
            await run(max(1, count // 10))
        rounds: dict[str, list[float]] = {name: [] for name in runs}
        for _ in range(repeats):
            for name, (run, count) in runs.items():
                rounds[name].append(await _seconds_per_op(run, count))
    load_after = os.getloadavg()

    rows = [
        ("double: unary round trip", "real unary", "double unary", 20.0),
        (f"double: stream-stream x{STREAM_LENGTH}", "real stream", "double stream", 30.0),
        ("connect: unary round trip", "real unary", "connect unary", 25.0),
        (f"connect: stream-stream x{STREAM_LENGTH}", "real stream", "connect stream", 30.0),
        ("connect: setup + one unary", "real setup", "connect setup", 20.0),
    ]
    print(f"asynctoolkit.rpc vs real grpc.aio on 127.0.0.1 (grpcio {grpc.__version__})")
    print(
        f"{'operation':<34}{'real µs':>11}{'ours µs':>10}{'speed-up':>10}"
        f"{'rounds':>15}{'target':>8}"
    )
    for label, real_name, ours_name, target in rows:
        real, ours = rounds[real_name], rounds[ours_name]
        ratio = min(real) / min(ours)
        per_round = [r / o for r, o in zip(real, ours, strict=True)]
        spread = f"{min(per_round):.0f}-{max(per_round):.0f}x"
        note = "" if ratio >= target else "  below target"
        print(
            f"{label:<34}{min(real) * 1e6:>11.1f}{min(ours) * 1e6:>10.1f}{ratio:>9.1f}x"
            f"{spread:>15}{target:>7.0f}x{note}"
        )
    before = " ".join(f"{value:.2f}" for value in load_before)
    after = " ".join(f"{value:.2f}" for value in load_after)
    print(f"load average (1, 5, 15 min): {before} before, {after} after; {os.cpu_count()} CPUs")
    if quick:
        print("(--quick: short smoke run, figures are rough)")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short smoke run (for CI)")
    sys.exit(asyncio.run(main(parser.parse_args().quick)))
