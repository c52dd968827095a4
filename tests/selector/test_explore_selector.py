"""``asynctoolkit.explore(faults=...)`` on ``SocketMock``: a read may find a reset or EOF.

Each test runs an inner autojump ``ClockedTestCase`` under ``explore`` with
explicit seeds (the variables that would replace them are cleared), and looks
at what the code on the mock socket saw.
"""

from __future__ import annotations

import asyncio
import errno
import os
import unittest
from collections.abc import Awaitable, Callable
from typing import Any
from unittest import mock

import asynctoolkit
from asynctoolkit.selector import SocketMock, set_read_ready
from tests._inner import failure_text, passed, run_test

CHUNKS = (b"one\n", b"two\n", b"three\n")

Test = Callable[[asynctoolkit.ClockedTestCase], Awaitable[None]]


def run_explored(test: Test, **explore: Any) -> unittest.TestResult:
    """Run ``test`` as the test method of an autojump ClockedTestCase under ``explore(...)``."""

    class Inner(asynctoolkit.ClockedTestCase):
        autojump = True

    Inner.test_it = asynctoolkit.explore(**explore)(test)  # type: ignore[attr-defined]
    return run_test(Inner, "test_it")


class Reader(asyncio.Protocol):
    """Records the data, the end of file and the loss of its connection."""

    def __init__(self) -> None:
        self.data: list[bytes] = []
        self.eof = False
        self.lost: asyncio.Future[Exception | None] = asyncio.get_running_loop().create_future()

    def data_received(self, data: bytes) -> None:
        self.data.append(data)

    def eof_received(self) -> bool:
        self.eof = True
        return False  # close the transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost.set_result(exc)


async def _read_chunks(sock: SocketMock) -> tuple[list[bytes], str]:
    """Feed ``CHUNKS`` to a transport over ``sock``; what its protocol got and how it ended."""
    loop = asyncio.get_running_loop()
    transport, reader = await loop.create_connection(Reader, sock=sock)
    for chunk in CHUNKS:
        sock.recv.return_value = chunk
        if transport.is_closing():
            break
        set_read_ready(sock, loop)
        await asyncio.sleep(0)
    transport.close()
    lost = await reader.lost
    ending = "EOF" if reader.eof else type(lost).__name__ if lost else "open"
    return reader.data, ending


class ExploreTestCase(unittest.TestCase):
    def setUp(self) -> None:
        patcher = mock.patch.dict(os.environ)
        patcher.start()
        self.addCleanup(patcher.stop)
        os.environ.pop("ASYNCTOOLKIT_SEED", None)
        os.environ.pop("ASYNCTOOLKIT_SEED_BASE", None)


class TransportTest(ExploreTestCase):
    def test_a_transport_sees_data_then_maybe_a_reset_or_an_eof(self) -> None:
        outcomes: list[tuple[list[bytes], str]] = []

        async def test(case: asynctoolkit.ClockedTestCase) -> None:
            outcomes.append(await _read_chunks(SocketMock()))

        for seed in range(30):
            result = run_explored(test, seed=seed, faults=0.3)
            self.assertTrue(passed(result), failure_text(result))
        self.assertEqual(
            {ending for _, ending in outcomes}, {"open", "EOF", "ConnectionResetError"}
        )
        for data, ending in outcomes:
            self.assertEqual(data, list(CHUNKS[: len(data)]))  # a prefix, in order
            self.assertEqual(ending == "open", len(data) == len(CHUNKS))

    def test_the_same_seed_gives_the_same_outcome_and_trace(self) -> None:
        seen: list[tuple[list[bytes], str]] = []

        async def test(case: asynctoolkit.ClockedTestCase) -> None:
            seen.append(await _read_chunks(SocketMock(name="peer")))
            case.fail("stop here, to read the trace")

        texts = []
        for _ in range(2):
            text = failure_text(run_explored(test, seed=1, faults=1))
            texts.append(text[text.index("Choices of seed") :])
        self.assertEqual(seen[0], seen[1])
        self.assertEqual(texts[0], texts[1])
        self.assertRegex(texts[0], r"socket mock #1 'peer' recv: injected fault (EOF|Conn)")

    def test_faults_0_and_no_exploration_inject_nothing(self) -> None:
        outcomes: list[tuple[list[bytes], str]] = []

        async def test(case: asynctoolkit.ClockedTestCase) -> None:
            outcomes.append(await _read_chunks(SocketMock()))

        for seed in range(10):
            self.assertTrue(passed(run_explored(test, seed=seed, faults=0)))

        class Plain(asynctoolkit.ClockedTestCase):
            autojump = True
            test_it = test

        self.assertTrue(passed(run_test(Plain, "test_it")))
        self.assertEqual(outcomes, [(list(CHUNKS), "open")] * 11)


class SockRecvTest(ExploreTestCase):
    def test_a_fault_ends_the_connection_for_the_rest_of_the_run(self) -> None:
        seen: list[Any] = []
        sock = SocketMock()

        async def test(case: asynctoolkit.ClockedTestCase) -> None:
            loop = asyncio.get_running_loop()
            sock.recv.return_value = b"data"
            try:
                seen.append(await loop.sock_recv(sock, 100))
            except ConnectionResetError as error:
                seen.append(str(error))
            seen.append(await loop.sock_recv(sock, 100))  # the connection is over

        for seed in (0, 1, 2):
            result = run_explored(test, seed=seed, faults=1)
            self.assertTrue(passed(result), failure_text(result))
        self.assertEqual(seen[1::2], [b""] * 3)
        self.assertIn(b"", seen[0::2])
        self.assertIn(
            f"[Errno {errno.ECONNRESET}] Connection reset by peer "
            "(injected by asynctoolkit.explore, seed 1)",
            seen[0::2],
        )
        self.assertEqual(sock.recv.call_count, 6)  # every read is recorded, faulted or not
        self.assertEqual(sock.recv(100), b"data")  # outside the runs, as configured


if __name__ == "__main__":
    unittest.main()
