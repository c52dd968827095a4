"""Creating a ClockedEventLoop: a refused argument leaves nothing open behind it."""

from __future__ import annotations

import gc
import os
import unittest
import warnings
from typing import Any

from asynctoolkit.clock import ClockedEventLoop

_BAD_ARGUMENTS: list[tuple[dict[str, Any], type[Exception]]] = [
    ({"autojump": "yes"}, TypeError),
    ({"io_grace": -1}, ValueError),
    ({"io_grace": "0.1"}, TypeError),
    ({"real_timeout": float("nan")}, ValueError),
    ({"spin_limit": 0}, ValueError),
    ({"spin_limit": 2.5}, TypeError),
    ({"selector": object()}, TypeError),
]


def _open_fds() -> set[str] | None:
    try:
        return set(os.listdir("/proc/self/fd"))
    except OSError:  # no /proc: the ResourceWarning check alone applies
        return None


class RefusedArgumentsTest(unittest.TestCase):
    def test_each_refused_argument_opens_no_selector_and_no_socket(self) -> None:
        for kwargs, error in _BAD_ARGUMENTS:
            with self.subTest(**{k: repr(v) for k, v in kwargs.items()}):
                gc.collect()
                before = _open_fds()
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    with self.assertRaises(error):
                        ClockedEventLoop(**kwargs)
                    gc.collect()
                after = _open_fds()
                if before is not None and after is not None:
                    self.assertEqual(after - before, set(), "descriptors left open")
                leaks = [w for w in caught if issubclass(w.category, ResourceWarning)]
                self.assertEqual([str(w.message) for w in leaks], [])


if __name__ == "__main__":
    unittest.main()
