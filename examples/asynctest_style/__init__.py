"""A suite written for asynctest, run unchanged by asynctoolkit's compatibility layer.

The test modules import ``asynctest`` and nothing of asynctoolkit, as a suite
written for asynctest 0.13 did.  The two lines below are the whole migration:
a package's ``__init__`` runs before its test modules are imported, so
``python -m asynctoolkit examples`` finds ``asynctest`` importable.  Run with
``python -m asynctoolkit --asynctest``, or by pytest with
``asynctoolkit_asynctest = true`` in its configuration, the suite needs no
line here at all.
"""

from asynctoolkit.compat import install_asynctest

install_asynctest()
