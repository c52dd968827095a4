"""Tests of the reconnecting client service: connecting, retrying, preparing, waiting.

(Starting and stopping are in ``test_reconnecting_stop.py``; the doubles in ``_testing.py``.)

What to notice:
- ``ClockedTestCase``: the loop runs on virtual time, which starts at 0 and
  moves only when the test says ``await self.advance(s)`` or
  ``await self.advance_to(t)``.  A retry due at t=1.3 fires when the test
  advances past 1.3, never before, however slow the machine: the tests assert
  the exact instant of every attempt, and a minute of backoff takes no real
  time;
- ``await self.run_until_idle()`` lets the service run until it waits
  (on a timer, on the endpoint) without moving time;
- ``connect`` and ``prepare_connection`` are ``CoroutineMock``s: their
  ``side_effect`` plays the endpoint, and ``await_count`` /
  ``assert_awaited_once_with`` check how the service used them;
- a background wait is a task (``asyncio.ensure_future``) that the test
  inspects without running the loop: ``assertNoResult`` (still waiting),
  ``successResultOf`` (its result), ``failureResultOf`` (its exception);
- the jitter comes from a seeded ``random.Random``: ``jitters()`` draws the
  same numbers, so the expected delays are known in advance;
- ``class BackoffDelaysTest`` turns on ``autojump``: time jumps to the next
  timer whenever every task waits, so a test can simply ``await`` the end.

Each test is the asyncio translation of one of Twisted's ``ClientServiceTests``
(named in its docstring), or an addition marked as such.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import unittest

from asynctoolkit.mock import CoroutineMock, Mock, sentinel
from reconnecting._testing import JITTER, SEED, MemoryConnection, ServiceTestCase, jitters
from reconnecting.service import backoff_policy


class ConnectingTest(ServiceTestCase):
    async def test_starting_makes_an_attempt(self) -> None:
        """test_startService: starting the service makes a connection attempt."""
        await self.advance(10)
        self.connect.assert_not_called()  # nothing happens before start()
        await self.start()
        self.assertEqual(self.attempt_times, [10.0])  # at once, no delay
        self.assertIs(self.service.connection, self.connections[0])

    async def test_a_failed_attempt_is_retried_after_the_backoff_delay(self) -> None:
        """test_clientConnectionFailed: no connection is kept; the retry comes after a delay."""
        self.connect.side_effect = self.refuse
        await self.start()
        self.assertIsNone(self.service.connection)
        retry_at = 1.0 + jitters(1)[0]  # the first delay: initial (1 s) plus the jitter
        # A millisecond before the delay is over: still no retry.
        await self.advance_to(retry_at - 0.001)
        self.assertEqual(self.attempt_times, [0.0])
        # Over it: the retry happened, at exactly ``retry_at``.
        await self.advance(0.002)
        self.assertEqual(len(self.attempt_times), 2)
        self.assertSameInstant(self.attempt_times[1], retry_at)

    async def test_a_connection_resets_the_backoff(self) -> None:
        """test_clientConnected: the connection is kept, and the delays start over."""
        first, second, third = jitters(3)
        self.connect.side_effect = self.refuse
        await self.start()
        await self.advance(1.0 + first)  # attempt 2 fails: the next delay is 1.5 s
        self.connect.side_effect = self.accept
        await self.advance(1.5 + second)  # attempt 3 succeeds
        self.assertEqual(len(self.attempt_times), 3)
        connection = self.connections[0]
        self.assertIs(self.service.connection, connection)
        # The connection lasts 100 s; after its loss the delay is back to
        # 1 s (plus jitter), not the 2.25 s that a third failure would wait.
        await self.advance(100)
        lost_at = self.loop.time()
        connection.drop()
        await self.advance(1.0 + third + 0.001)
        self.assertEqual(len(self.attempt_times), 4)
        self.assertSameInstant(self.attempt_times[3], lost_at + 1.0 + third)

    async def test_a_lost_connection_is_forgotten_and_made_again(self) -> None:
        """test_clientConnectionLost: the service drops the lost connection and reconnects."""
        await self.start()
        first = self.connections[0]
        first.drop()
        await self.run_until_idle()
        self.assertIsNone(self.service.connection)
        waiter = asyncio.ensure_future(self.service.when_connected())
        await self.advance(1.0 + jitters(1)[0] + 0.001)
        second = self.connections[1]
        self.assertIs(self.successResultOf(waiter), second)
        self.assertIs(self.service.connection, second)
        self.assertEqual(first.close_calls, 0)  # lost, not closed by the service

    async def test_the_connection_is_handed_over_unwrapped(self) -> None:
        """test_interfacesForTransport, translated.

        Twisted wraps the application's protocol and must re-declare the
        marker interfaces it provides (half-close, descriptor passing) on the
        wrapper.  This service wraps nothing: every hook and every caller gets
        the very object ``connect()`` returned, with all it provides.
        """

        class TlsConnection(MemoryConnection):
            def peer_certificate(self) -> str:
                return "CN=example"

        connection = TlsConnection(1)
        self.connect.side_effect = None
        self.connect.return_value = connection
        prepare = CoroutineMock(name="prepare")
        self.service = self.make_service(prepare_connection=prepare)
        await self.start()
        prepare.assert_awaited_once_with(connection)
        got = await self.service.when_connected()
        self.assertIs(got, connection)
        self.assertEqual(got.peer_certificate(), "CN=example")  # type: ignore[attr-defined]


class BackoffDelaysTest(ServiceTestCase):
    """Addition: the whole schedule of a run of failures, on an autojumping clock."""

    autojump = True

    async def test_delays_grow_exponentially_up_to_the_maximum(self) -> None:
        policy = backoff_policy(
            initial=1, factor=2, maximum=4, jitter=JITTER, rng=random.Random(SEED)
        )
        self.service = self.make_service(retry_policy=policy)
        self.connect.side_effect = self.refuse
        self.service.start()
        # With autojump this await simply returns once the sixth attempt has
        # failed: time jumps from timer to timer, in no real time.
        # The traceback of this exception runs through the service's suspended
        # task: unittest's own assertRaises would clear its frames and close
        # that task on Python 3.10-3.12; asynctoolkit's TestCase (both
        # assertRaises and assertAsyncRaises) leaves them alone.
        await self.assertAsyncRaisesRegex(
            ConnectionRefusedError,
            "attempt 6 refused",
            self.service.when_connected(fail_after_failures=6),
        )
        delays = [later - earlier for earlier, later in itertools.pairwise(self.attempt_times)]
        expected = [base + extra for base, extra in zip([1, 2, 4, 4, 4], jitters(5), strict=True)]
        for delay, wanted in zip(delays, expected, strict=True):
            self.assertSameInstant(delay, wanted)
        self.assertSameInstant(self.loop.time(), sum(expected))


class PrepareConnectionTest(ServiceTestCase):
    async def asyncSetUp(self) -> None:
        await super().asyncSetUp()
        self.prepare = CoroutineMock(name="prepare_connection")
        self.service = self.make_service(prepare_connection=self.prepare)

    async def test_prepare_is_called_once_the_service_starts(self) -> None:
        """test_prepareConnectionCalledWhenServiceStarts."""
        await self.advance(5)
        self.prepare.assert_not_called()
        await self.start()
        self.prepare.assert_awaited_once()

    async def test_prepare_is_called_only_once_a_connection_is_made(self) -> None:
        """test_prepareConnectionCalledAfterConnectionMade."""
        self.connect.side_effect = self.hang
        await self.start()
        self.prepare.assert_not_called()  # the attempt is still in progress
        self.pending[0].set_result(self.new_connection())
        await self.run_until_idle()
        self.prepare.assert_awaited_once()

    async def test_prepare_is_given_the_connection(self) -> None:
        """test_prepareConnectionCalledWithProtocol."""
        await self.start()
        self.prepare.assert_awaited_once_with(self.connections[0])

    async def test_prepare_is_called_on_every_reconnection(self) -> None:
        """test_prepareConnectionCalledOnReconnect."""
        await self.start()
        self.connections[0].drop()
        await self.advance(1.0 + jitters(1)[0] + 0.001)
        self.assertEqual(
            [call.args for call in self.prepare.await_args_list],
            [(self.connections[0],), (self.connections[1],)],
        )

    async def test_when_connected_waits_for_an_async_prepare(self) -> None:
        """test_prepareConnectionReturningADeferred: a coroutine's end is awaited."""

        async def log_in(connection: MemoryConnection) -> None:
            await asyncio.sleep(2)  # a slow handshake, on virtual time

        self.prepare.side_effect = log_in
        await self.start()
        waiter = asyncio.ensure_future(self.service.when_connected())
        await self.advance(1.999)
        self.assertNoResult(waiter)  # connected, but not prepared yet
        self.assertIsNone(self.service.connection)
        await self.advance(0.001)
        self.assertIs(self.successResultOf(waiter), self.connections[0])

    async def test_the_result_of_prepare_is_ignored(self) -> None:
        """test_prepareConnectionReturnValueIgnored, with an async and a plain function."""
        self.prepare.return_value = sentinel.ignored
        await self.start()
        self.assertIs(await self.service.when_connected(), self.connections[0])
        await self.service.stop()
        plain = Mock(name="plain_prepare", return_value=sentinel.ignored)
        self.service = self.make_service(prepare_connection=plain)
        await self.start()
        plain.assert_called_once_with(self.connections[1])
        self.assertIs(await self.service.when_connected(), self.connections[1])

    async def test_a_failing_prepare_counts_as_a_failed_attempt(self) -> None:
        """test_prepareConnectionThrows: the connection is closed, and retried later."""
        self.prepare.side_effect = [PermissionError("wrong password"), None]
        waiter = asyncio.ensure_future(self.service.when_connected(fail_after_failures=1))
        await self.start()
        error = self.failureResultOf(waiter, PermissionError)
        self.assertEqual(str(error), "wrong password")
        self.assertTrue(self.connections[0].closed)
        self.assertIsNone(self.service.connection)
        await self.advance(1.0 + jitters(1)[0] + 0.001)
        self.assertIs(self.service.connection, self.connections[1])


class WhenConnectedTest(ServiceTestCase):
    async def test_when_connected_returns_the_connection_once_made(self) -> None:
        """test_whenConnectedLater."""
        self.connect.side_effect = self.hang
        await self.start()
        waiter = asyncio.ensure_future(self.service.when_connected())
        await self.run_until_idle()
        self.assertNoResult(waiter)
        self.pending[0].set_result(self.new_connection())
        await self.run_until_idle()
        self.assertIs(self.successResultOf(waiter), self.connections[0])
        # Once connected, it answers at once: the coroutine ends on its first
        # step, which successResultOf runs without the loop.
        self.assertIs(self.successResultOf(self.service.when_connected()), self.connections[0])

    async def test_when_connected_can_fail_after_some_failures(self) -> None:
        """test_whenConnectedFails: it fails with the error of the n-th failed attempt."""
        self.connect.side_effect = self.refuse
        patient = asyncio.ensure_future(self.service.when_connected())
        impatient = asyncio.ensure_future(self.service.when_connected(fail_after_failures=2))
        await self.start()
        self.assertNoResult(impatient)  # one failure is not enough
        await self.advance(1.0 + jitters(1)[0] + 0.001)
        error = self.failureResultOf(impatient, ConnectionRefusedError)
        self.assertEqual(str(error), "attempt 2 refused")
        self.assertNoResult(patient)  # without a limit it waits on
        await self.service.stop()
        self.failureResultOf(patient, asyncio.CancelledError)

    async def test_only_failures_during_the_wait_count(self) -> None:
        """Addition: failures before the call do not use up its allowance."""
        self.connect.side_effect = self.refuse
        await self.start()
        first, second = jitters(2)
        await self.advance(1.0 + first)  # two failures so far
        waiter = asyncio.ensure_future(self.service.when_connected(fail_after_failures=1))
        await self.run_until_idle()
        self.assertNoResult(waiter)
        await self.advance(1.5 + second)
        self.assertEqual(str(self.failureResultOf(waiter)), "attempt 3 refused")

    async def test_when_connected_fails_when_stopped_while_connecting(self) -> None:
        """test_whenConnectedStopService."""
        self.connect.side_effect = self.hang
        await self.start()
        waiter = asyncio.ensure_future(self.service.when_connected())
        await self.run_until_idle()
        await self.service.stop()
        self.failureResultOf(waiter, asyncio.CancelledError)

    async def test_when_connected_fails_when_stopped_between_attempts(self) -> None:
        """test_whenConnectedErrbacksOnStopService."""
        self.connect.side_effect = self.refuse
        await self.start()
        waiter = asyncio.ensure_future(self.service.when_connected())
        await self.advance(0.5)  # in the middle of the first delay
        await self.service.stop()
        self.failureResultOf(waiter, asyncio.CancelledError)

    async def test_when_connected_before_start_waits_for_the_start(self) -> None:
        """Addition: a caller may wait before the service is started."""
        waiter = asyncio.ensure_future(self.service.when_connected())
        await self.advance(30)
        self.assertNoResult(waiter)
        await self.start()
        self.assertIs(self.successResultOf(waiter), self.connections[0])

    async def test_when_connected_on_a_stopped_service_fails_at_once(self) -> None:
        """Addition: nobody would ever connect it, so waiting would hang."""
        await self.start()
        await self.service.stop()
        await self.assertAsyncRaises(asyncio.CancelledError, self.service.when_connected())

    async def test_fail_after_failures_must_be_a_positive_count(self) -> None:
        """Addition: bad input is refused with a message."""
        for bad in (0, -1, 1.5, True):
            with self.subTest(bad=bad):
                await self.assertAsyncRaisesRegex(
                    ValueError,
                    "whole number >= 1",
                    self.service.when_connected(fail_after_failures=bad),  # type: ignore[arg-type]
                )


class BackoffPolicyTest(unittest.TestCase):
    """Addition: the policy is a pure function, so a plain ``unittest.TestCase`` will do.

    No coroutine, no loop: the toolkit's TestCase would (under ``--strict``)
    even fail a test that never runs its loop.
    """

    def test_delays_grow_by_factor_up_to_maximum(self) -> None:
        policy = backoff_policy(initial=0.5, factor=3, maximum=10, jitter=0)
        self.assertEqual([policy(n) for n in range(1, 6)], [0.5, 1.5, 4.5, 10, 10])

    def test_so_many_failures_that_the_exponential_overflows_wait_the_maximum(self) -> None:
        policy = backoff_policy(factor=10, maximum=60, jitter=0)
        self.assertEqual(policy(10_000), 60)

    def test_the_jitter_is_drawn_from_the_given_rng(self) -> None:
        policy = backoff_policy(initial=1, factor=1, jitter=JITTER, rng=random.Random(SEED))
        delays = [policy(1) for _ in range(50)]
        self.assertEqual(delays, [1 + extra for extra in jitters(50)])
        self.assertTrue(all(1 <= d < 1 + JITTER for d in delays))

    def test_bad_settings_are_refused(self) -> None:
        for options, message in [
            ({"initial": -1}, "initial must be"),
            ({"factor": 0.5}, "factor must be"),
            ({"maximum": float("inf")}, "maximum must be"),
            ({"initial": 5, "maximum": 2}, "below initial"),
            ({"jitter": float("nan")}, "jitter must be"),
        ]:
            with self.subTest(options=options), self.assertRaisesRegex(ValueError, message):
                backoff_policy(**options)  # type: ignore[arg-type]
        with self.assertRaisesRegex(ValueError, "from 1"):
            backoff_policy()(0)
