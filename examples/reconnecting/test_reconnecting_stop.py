"""Tests of the reconnecting client service: starting, stopping, restarting.

(The doubles are in ``_testing.py``; connecting and retrying in ``test_reconnecting.py``.)

What to notice:
- ``stop()`` is a coroutine; a test that wants to look at a stop *in
  progress* runs it as a task and inspects the task: ``assertNoResult`` while
  the connection closes, ``successResultOf`` once it is closed;
- ``successResultOf(self.service.stop())`` on a bare coroutine runs it
  synchronously up to its first suspension: it passes only if ``stop()``
  finished without waiting for anything, which is how "returns at once" is
  asserted exactly;
- "no attempt is ever made again" is asserted by advancing the virtual clock
  far (1000 s) and counting the attempts: in no real time;
- every test ends with the service stopped (the cleanup of the base class),
  and the strict checks verify that nothing is left behind: no task
  (``pending_tasks``), no timer (``active_handles``, so a cancelled retry must
  really be cancelled), no coroutine never awaited;
- ``assertLogs`` checks what the service reports in its log.
"""

from __future__ import annotations

import asyncio
import logging

from asynctoolkit.mock import CoroutineMock
from reconnecting._testing import LOGGER, MemoryConnection, ServiceTestCase, jitters
from reconnecting.service import ClientService


class StartTest(ServiceTestCase):
    async def test_starting_twice_complains_and_connects_once(self) -> None:
        """test_startTwice."""
        await self.start()
        with self.assertLogs(LOGGER, logging.WARNING) as logs:
            self.service.start()
        self.assertIn("already started", logs.output[0])
        await self.advance(100)
        self.assertEqual(self.connect.await_count, 1)

    async def test_starting_a_stopped_service_connects_again(self) -> None:
        """test_startServiceWhileStopped."""
        await self.start()
        await self.service.stop()
        await self.start()
        self.assertEqual(len(self.attempt_times), 2)
        self.assertIs(await self.service.when_connected(), self.connections[1])

    async def test_a_restart_waits_for_the_disconnection(self) -> None:
        """test_startServiceWaitsForDisconnect."""
        self.slow_close = True  # closing takes until the test calls finish_closing()
        await self.start()
        stopping = asyncio.ensure_future(self.service.stop())
        # A coroutine does nothing until the loop runs it: let the stop begin.
        await self.run_until_idle()
        await self.start()  # restarted while the old connection is still closing
        await self.advance(5)  # (under close_timeout, 10 s, after which it is abandoned)
        self.assertEqual(self.connect.await_count, 1)  # no second connection meanwhile
        self.connections[0].finish_closing()
        await self.run_until_idle()
        self.assertEqual(self.connect.await_count, 2)
        self.assertIsNone(self.successResultOf(stopping))

    async def test_starting_while_stopping_connects_once_stopped(self) -> None:
        """test_startServiceWhileStopping: new when_connected calls get the new connection."""
        self.slow_close = True
        await self.start()
        stopping = asyncio.ensure_future(self.service.stop())
        await self.run_until_idle()
        self.service.start()
        waiter = asyncio.ensure_future(self.service.when_connected())
        await self.run_until_idle()
        self.assertNoResult(stopping)
        self.assertNoResult(waiter)
        self.connections[0].finish_closing()
        await self.run_until_idle()
        self.assertIsNone(self.successResultOf(stopping))
        self.assertIs(self.successResultOf(waiter), self.connections[1])

    async def test_starting_needs_a_running_loop(self) -> None:
        """Addition: start() called outside the loop (here in a thread) says what is wrong.

        ``asyncio.to_thread`` works on the virtual clock: the loop waits for
        the real work of the thread instead of jumping past it.
        """
        await self.assertAsyncRaisesRegex(
            RuntimeError, "running on the event loop", asyncio.to_thread(self.service.start)
        )
        self.assertFalse(self.service.running)


class StopTest(ServiceTestCase):
    async def test_stop_before_start_returns_at_once(self) -> None:
        """test_stopServiceBeforeStartService."""
        self.assertIsNone(self.successResultOf(self.service.stop()))

    async def test_stop_on_a_stopped_service_returns_at_once(self) -> None:
        """test_stopServiceOnStoppedService."""
        await self.start()
        await self.service.stop()
        self.assertIsNone(self.successResultOf(self.service.stop()))

    async def test_stop_while_connecting_cancels_the_attempt(self) -> None:
        """test_stopServiceWhileConnecting."""
        self.connect.side_effect = self.hang
        await self.start()
        await self.service.stop()
        self.assertTrue(self.pending[0].cancelled())
        await self.advance(1000)
        self.assertEqual(len(self.attempt_times), 1)

    async def test_stop_while_retrying_cancels_the_retry(self) -> None:
        """test_stopServiceWhileRetrying: a second attempt in progress is cancelled."""
        self.connect.side_effect = self.refuse
        await self.start()
        self.connect.side_effect = self.hang
        await self.advance(1.0 + jitters(1)[0] + 0.001)
        self.assertEqual(len(self.pending), 1)  # the retry is in progress
        await self.service.stop()
        self.assertTrue(self.pending[0].cancelled())

    async def test_stop_while_preparing_closes_the_half_made_connection(self) -> None:
        """Addition: prepare_connection is cancelled, and its connection closed."""

        async def slow_handshake(connection: MemoryConnection) -> None:
            await asyncio.sleep(60)

        prepare = CoroutineMock(name="prepare_connection", side_effect=slow_handshake)
        self.service = self.make_service(prepare_connection=prepare)
        await self.start()
        await self.advance(30)  # halfway through the handshake
        await self.service.stop()
        self.assertEqual(self.loop.time(), 30.0)
        self.assertTrue(self.connections[0].closed)
        self.assertIsNone(self.service.connection)

    async def test_stop_between_attempts_cancels_the_pending_retry(self) -> None:
        """test_retryCancelled: the service is stopped at once, time does not move."""
        self.connect.side_effect = self.refuse
        await self.start()
        await self.advance(0.5)
        await self.service.stop()
        self.assertEqual(self.loop.time(), 0.5)  # no waiting for the retry's timer
        self.assertFalse(self.service.running)
        await self.advance(1000)
        self.assertEqual(self.attempt_times, [0.0])

    async def test_a_connection_that_never_closes_is_abandoned_after_close_timeout(self) -> None:
        """Addition: stop() never hangs; it gives up at ``close_timeout``, exactly."""
        self.slow_close = True  # and this test never finishes the closing
        self.service = self.make_service(close_timeout=3)
        await self.start()
        stopping = asyncio.ensure_future(self.service.stop())
        with self.assertLogs(LOGGER, logging.WARNING) as logs:
            await self.advance(2.999)
            self.assertNoResult(stopping)
            await self.advance(0.001)
            self.assertIsNone(self.successResultOf(stopping))
        self.assertIn("abandoning it", logs.output[0])
        self.assertFalse(self.connections[0].closed)


class StopWhileConnectedTest(ServiceTestCase):
    slow_close = True  # stopping takes until the test calls finish_closing()

    async def asyncSetUp(self) -> None:
        await super().asyncSetUp()
        await self.start()
        self.connection = self.connections[0]

    async def test_stop_closes_the_connection_and_waits_until_closed(self) -> None:
        """test_stopServiceWhileConnected: and no connection is made again."""
        stopping = asyncio.ensure_future(self.service.stop())
        await self.advance(5)
        self.assertEqual(self.connection.close_calls, 1)
        self.assertNoResult(stopping)  # closing, not closed yet
        self.assertIsNone(self.service.connection)
        self.connection.finish_closing()
        await self.run_until_idle()
        self.assertIsNone(self.successResultOf(stopping))
        await self.advance(1000)
        self.assertEqual(self.connect.await_count, 1)

    async def test_stop_twice_while_disconnecting_waits_for_the_same_closing(self) -> None:
        """test_stopServiceWhileDisconnecting."""
        first = asyncio.ensure_future(self.service.stop())
        second = asyncio.ensure_future(self.service.stop())
        await self.run_until_idle()
        self.assertNoResult(first)
        self.assertNoResult(second)
        self.connection.finish_closing()
        await self.run_until_idle()
        self.assertIsNone(self.successResultOf(first))
        self.assertIsNone(self.successResultOf(second))
        self.assertEqual(self.connection.close_calls, 1)

    async def test_stop_after_a_restart_waits_for_the_disconnection(self) -> None:
        """test_stopServiceWhileRestarting."""
        first = asyncio.ensure_future(self.service.stop())
        await self.run_until_idle()
        self.service.start()
        second = asyncio.ensure_future(self.service.stop())
        await self.run_until_idle()
        self.assertNoResult(second)  # the first connection is still closing
        self.connection.finish_closing()
        await self.run_until_idle()
        self.assertIsNone(self.successResultOf(first))
        self.assertIsNone(self.successResultOf(second))
        self.assertEqual(self.connect.await_count, 1)  # the restart never connected

    async def test_a_loss_while_stopping_ends_the_stop(self) -> None:
        """test_clientConnectionLostWhileStopping."""
        stopping = asyncio.ensure_future(self.service.stop())
        await self.run_until_idle()
        self.connection.drop()  # the peer goes away before the close completes
        await self.run_until_idle()
        self.assertIsNone(self.successResultOf(stopping))
        self.assertIsNone(self.service.connection)


class LifecycleTest(ServiceTestCase):
    async def test_stop_leaves_no_connection_open(self) -> None:
        """test_startStopFactory, translated.

        Twisted checks that its wrapper passes the factory's doStart/doStop
        calls on to the application's factory.  This service has no factory:
        it is given ``connect``, a coroutine function, and calls nothing
        else.  What such lifecycle calls protect, resources opened and closed
        in pairs, is checked here instead: every connection the service made
        is closed once stop() returns, whether lost, refused by
        ``prepare_connection``, or open until the end.
        """
        failures = iter([None, PermissionError("not yet"), None])

        async def prepare(connection: MemoryConnection) -> None:
            error = next(failures)
            if error is not None:
                raise error

        self.service = self.make_service(prepare_connection=prepare)
        await self.start()
        self.connections[0].drop()  # lost: reconnects
        await self.advance(1.0 + jitters(1)[0] + 0.001)  # prepare fails: closed, retry
        await self.advance(1.5 + jitters(2)[1])  # prepared: connection #3
        self.assertIs(self.service.connection, self.connections[2])
        await self.service.stop()
        self.assertEqual([c.closed for c in self.connections], [True, True, True])
        self.assertEqual([c.close_calls for c in self.connections], [0, 1, 1])

    async def test_a_broken_retry_policy_stops_the_service_and_fails_the_waiters(self) -> None:
        """Addition: a bug in the policy is logged and ends the waits instead of hanging them."""
        self.service = self.make_service(retry_policy=lambda failures: -1.0)
        self.connect.side_effect = self.refuse
        waiter = asyncio.ensure_future(self.service.when_connected())
        with self.assertLogs(LOGGER, logging.ERROR) as logs:
            await self.start()
        self.assertIn("stopped by an unexpected error", logs.output[0])
        error = self.failureResultOf(waiter, ValueError)
        self.assertIn("retry_policy(1) returned -1.0", str(error))
        self.assertFalse(self.service.running)

    async def test_bad_arguments_are_refused(self) -> None:
        """Addition: the constructor checks what it is given."""
        with self.assertRaisesRegex(TypeError, "coroutine function"):
            ClientService(None)  # type: ignore[arg-type]
        with self.assertRaisesRegex(TypeError, "prepare_connection must be callable"):
            ClientService(self.connect, prepare_connection=42)  # type: ignore[arg-type]
        with self.assertRaisesRegex(ValueError, "close_timeout"):
            ClientService(self.connect, close_timeout=0)
