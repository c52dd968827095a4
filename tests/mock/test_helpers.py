"""PropertyMock, mock_open and return_once."""

from __future__ import annotations

import asyncio
import unittest
import unittest.mock

from asynctoolkit.mock import (
    AsyncMock,
    CoroutineMock,
    MagicMock,
    Mock,
    PropertyMock,
    mock_open,
    patch,
    return_once,
)
from tests import _mock_subjects as subjects


class PropertyMockTest(unittest.TestCase):
    def test_reads_and_writes_are_calls(self) -> None:
        class Config:
            mode = "real"

        with patch.object(Config, "mode", new_callable=PropertyMock) as mode:
            mode.return_value = "test"
            config = Config()
            self.assertEqual(config.mode, "test")
            config.mode = "other"
        self.assertEqual(mode.mock_calls, [unittest.mock.call(), unittest.mock.call("other")])
        self.assertEqual(Config.mode, "real")

    def test_return_value_and_attributes_are_asynctoolkit_mocks(self) -> None:
        prop = PropertyMock()
        self.assertIsInstance(prop, unittest.mock.PropertyMock)
        self.assertIsInstance(prop(), MagicMock)
        self.assertIsInstance(prop.child, MagicMock)
        self.assertIsInstance(prop().fetch.__aenter__, AsyncMock)


class MockOpenTest(unittest.TestCase):
    def test_read_data_through_every_reading_method(self) -> None:
        m = mock_open(read_data="one\ntwo\n")
        with m("path") as handle:
            self.assertEqual(handle.read(), "one\ntwo\n")
        self.assertEqual(m("path").readlines(), ["one\n", "two\n"])
        self.assertEqual(list(m("path")), ["one\n", "two\n"])
        self.assertEqual(m("path").readline(), "one\n")
        m.assert_called_with("path")

    def test_bytes_and_writes(self) -> None:
        m = mock_open(read_data=b"\x00\x01")
        with m("f", "rb") as handle:
            self.assertEqual(handle.read(), b"\x00\x01")
        with m("f", "w") as handle:
            handle.write("out")
        m.return_value.write.assert_called_once_with("out")

    def test_default_mock_is_ours_and_limited_to_what_open_has(self) -> None:
        m = mock_open()
        self.assertIsInstance(m, MagicMock)
        self.assertIn("name='open'", repr(m))
        with self.assertRaises(AttributeError):
            m.not_an_attribute_of_open

    def test_configures_a_given_mock_and_patches_open(self) -> None:
        given = MagicMock()
        self.assertIs(mock_open(given, read_data="x"), given)
        with patch("tests._mock_subjects.open", mock_open(read_data="data")) as m:
            with subjects.open("file") as handle:  # type: ignore[attr-defined]
                self.assertEqual(handle.read(), "data")
            m.assert_called_once_with("file")


class ReturnOnceTest(unittest.TestCase):
    def test_value_once_then_none(self) -> None:
        recv = Mock(side_effect=return_once(b"data"))
        self.assertEqual(recv(), b"data")
        self.assertIsNone(recv())
        self.assertIsNone(recv())

    def test_then_value_for_every_later_call(self) -> None:
        recv = Mock(side_effect=return_once(1, then=2))
        self.assertEqual([recv() for _ in range(4)], [1, 2, 2, 2])

    def test_exceptions_are_raised(self) -> None:
        recv = Mock(side_effect=return_once(b"data", then=BlockingIOError))
        self.assertEqual(recv(), b"data")
        for _ in range(2):
            with self.assertRaises(BlockingIOError):
                recv()
        first = Mock(side_effect=return_once(KeyError("first"), then="later"))
        with self.assertRaises(KeyError):
            first()
        self.assertEqual(first(), "later")

    def test_with_a_coroutine_mock(self) -> None:
        async def scenario() -> list[object]:
            m = CoroutineMock(side_effect=return_once("a", then="b"))
            return [await m(), await m(), await m()]

        self.assertEqual(asyncio.run(scenario()), ["a", "b", "b"])


if __name__ == "__main__":
    unittest.main()
