"""The tests of ``unittest.mock``'s own suite that ``run_testmock.py`` does not run, and why.

Keys are test ids without the package (``module.Class.test_name``), the same
on every Python version; a test a version does not have is simply absent.
Only three kinds of reasons are accepted (see the migration guide's list of
differences): asynctoolkit raises the same exception type earlier (when the
patch is built rather than started), the test examines a private name of the
standard library, or it asserts a documented, deliberate difference.
"""

from __future__ import annotations

EXCLUDED: dict[str, str] = {}
