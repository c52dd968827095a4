"""Enable the asynctest layer for one test, leaving ``sys.modules`` as it was after it."""

from __future__ import annotations

import sys
import unittest
from types import ModuleType

from asynctoolkit.compat import install_asynctest

#: The names ``install_asynctest`` registers.
NAMES = ("asynctest", "asynctest.case", "asynctest.helpers", "asynctest.mock", "asynctest.selector")


def keep_names(test: unittest.TestCase) -> None:
    """Restore the ``NAMES`` entries of ``sys.modules`` after ``test``, whatever it did to them."""
    saved = {name: sys.modules[name] for name in NAMES if name in sys.modules}

    def restore() -> None:
        for name in NAMES:
            sys.modules.pop(name, None)
        sys.modules.update(saved)

    test.addCleanup(restore)


def install_for(test: unittest.TestCase) -> ModuleType:
    """``install_asynctest()``, undone after ``test``."""
    keep_names(test)
    return install_asynctest()
