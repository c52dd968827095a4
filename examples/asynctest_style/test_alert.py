"""Tests of the price alert on virtual time, written for asynctest.

What to notice:
- ``asynctest.ClockedTestCase`` runs the test on a clock that only moves
  when the test says so: ``await self.advance(600)`` runs, at once, what ten
  minutes of polling would have done;
- ``CoroutineMock(side_effect=[...])`` plays the quote server, one price per
  poll; ``assert_awaited_once_with`` checks the alert;
- the cleanup is a coroutine function: it stops the alert's task on the loop;
- ``@asynctest.fail_on(active_handles=True)`` also fails a test that leaves a
  timer scheduled.
"""

import asynctest

from asynctest_style.quotes import PriceAlert


@asynctest.fail_on(active_handles=True)
class TestPriceAlert(asynctest.ClockedTestCase):
    async def setUp(self):
        self.fetch = asynctest.CoroutineMock(side_effect=[10.0, 11.0, 12.5, 13.0])
        self.notify = asynctest.CoroutineMock(return_value=None)
        self.alert = PriceAlert(self.fetch, self.notify, "ACME", threshold=12.0, interval=60)
        self.alert.start()
        self.addCleanup(self.alert.stop)

    async def test_polls_once_per_interval(self):
        await asynctest.helpers.exhaust_callbacks(self.loop)
        self.assertEqual(self.fetch.await_count, 1)
        await self.advance(59)
        self.assertEqual(self.fetch.await_count, 1)
        await self.advance(1)
        self.assertEqual(self.fetch.await_count, 2)
        self.notify.assert_not_awaited()

    async def test_notifies_once_when_the_threshold_is_reached(self):
        await self.advance(600)
        self.notify.assert_awaited_once_with("ACME", 12.5)
        self.assertEqual(self.fetch.await_count, 3)

    async def test_a_stopped_alert_polls_no_more(self):
        await asynctest.helpers.exhaust_callbacks(self.loop)
        await self.alert.stop()
        await self.advance(600)
        self.assertEqual(self.fetch.await_count, 1)
        self.notify.assert_not_awaited()


if __name__ == "__main__":
    asynctest.main()
