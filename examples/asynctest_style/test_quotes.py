"""Tests of the quote reader and the portfolio, written for asynctest.

What to notice (each is asynctest's API, served by asynctoolkit):
- ``asynctest.SocketMock`` stands for the connected socket; the test says what
  ``recv`` returns, then ``asynctest.set_read_ready(sock, loop)`` tells the
  loop the socket is readable.  As in asynctest, that readiness reaches the
  reader registered on the loop's next iteration, so a test may announce
  data before the code under test starts waiting for it;
- ``asynctest.selector.get_registered_events`` lists what the loop watches;
- ``@patch`` on a coroutine function gives a ``CoroutineMock``; its awaits
  are asserted with ``assert_has_awaits``;
- a synchronous test can still drive the loop with ``run_until_complete``.
"""

import asynctest
from asynctest.mock import CoroutineMock, call, patch

from asynctest_style import quotes


class TestQuoteReader(asynctest.TestCase):
    async def setUp(self):
        self.sock = asynctest.SocketMock()
        self.reader = quotes.QuoteReader(self.sock, self.loop)

    async def test_data_waiting_before_the_read(self):
        self.sock.recv.side_effect = [b"ACME 12.5\n"]
        asynctest.set_read_ready(self.sock, self.loop)
        self.assertEqual(await self.reader.read_quote(), ("ACME", 12.5))

    async def test_a_quote_split_across_reads(self):
        self.sock.recv.side_effect = [b"ACME 12.5\nINIT", b"ECH 3\n"]
        read = self.loop.create_task(self.reader.read_quote())
        await asynctest.helpers.exhaust_callbacks(self.loop)
        asynctest.set_read_ready(self.sock, self.loop)
        self.assertEqual(await read, ("ACME", 12.5))
        read = self.loop.create_task(self.reader.read_quote())
        await asynctest.helpers.exhaust_callbacks(self.loop)
        asynctest.set_read_ready(self.sock, self.loop)
        self.assertEqual(await read, ("INITECH", 3.0))

    async def test_stops_watching_the_socket_between_reads(self):
        self.sock.recv.side_effect = [b"ACME 12.5\n"]
        asynctest.set_read_ready(self.sock, self.loop)
        await self.reader.read_quote()
        events = asynctest.selector.get_registered_events(self.loop._selector)
        self.assertNotIn(self.sock, {key.fileobj for key in events})

    def test_end_of_stream_gives_none(self):
        self.sock.recv.side_effect = [b""]
        read = self.loop.create_task(self.reader.read_quote())
        self.loop.run_until_complete(asynctest.helpers.exhaust_callbacks(self.loop))
        asynctest.set_read_ready(self.sock, self.loop)
        self.assertIsNone(self.loop.run_until_complete(read))


class TestPortfolio(asynctest.TestCase):
    @patch("asynctest_style.quotes.fetch_price")
    async def test_value_of_the_holdings(self, fetch_price):
        fetch_price.side_effect = {"ACME": 12.5, "INITECH": 3.0}.get
        value = await quotes.portfolio_value({"ACME": 2, "INITECH": 10})
        self.assertEqual(value, 55.0)
        self.assertIsInstance(fetch_price, CoroutineMock)
        fetch_price.assert_has_awaits([call("ACME"), call("INITECH")], any_order=True)

    @asynctest.skipIf(not hasattr(asynctest, "CoroutineMock"), "needs asynctest 0.5 or later")
    async def test_a_price_that_cannot_be_fetched(self):
        with asynctest.patch.object(quotes, "fetch_price", side_effect=ConnectionError):
            await self.assertAsyncRaises(ConnectionError, quotes.portfolio_value({"ACME": 1}))


if __name__ == "__main__":
    asynctest.main()
