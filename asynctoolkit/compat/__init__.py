"""Compatibility layers: run a suite written for another library with no edit to its tests.

``install_asynctest()`` makes the name ``asynctest`` importable, with its
submodules ``asynctest.case``, ``asynctest.mock``, ``asynctest.selector`` and
``asynctest.helpers``, so that a suite written for asynctest runs on
asynctoolkit unchanged.  Nothing registers that name unless asked; one line
of configuration does it, whichever way the suite is run:

* ``python -m asynctoolkit --asynctest``;
* in pytest's configuration file, ``asynctoolkit_asynctest = true``;
* in the top ``conftest.py`` or the test package's ``__init__.py``, before
  anything imports asynctest::

      from asynctoolkit.compat import install_asynctest

      install_asynctest()

The modules it registers are those of the package
``asynctoolkit.compat.asynctest``, a shim built from asynctoolkit's own
objects (``asynctest.TestCase is asynctoolkit.TestCase``), with asynctest's
names and module layout: unittest's public names at the top level, as
asynctest re-exported them, and ``selector.get_registered_events``.  Its
``set_read_ready`` and ``set_write_ready`` keep asynctest's timing: the
readiness is looked at on the loop's next iteration and ignored if nothing
watches the file by then.  ``asynctoolkit``'s own namespace is not changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from asynctoolkit._shared import lazy

if TYPE_CHECKING:
    from asynctoolkit.compat._install import install_asynctest

__all__ = ["install_asynctest"]

# Imported on first use: the pytest plugin reads its ini option at every
# start-up, and most runs never install the layer (bench/bench_pytest.py).
_SOURCES = {"install_asynctest": "_install"}

__getattr__, __dir__ = lazy.names(__name__, globals(), _SOURCES)
