"""The tests of ``unittest.mock``'s own suite that ``run_testmock.py`` does not run, and why.

Keys are test ids without the package (``module.Class.test_name``), the same
on every Python version; a test a version does not have is simply absent.
Only these reasons are accepted (each is also in the migration guides):

* asynctoolkit raises the same exception type earlier (``patch(...)`` checks
  its arguments when the patch is built, not when it starts; an autospecced
  coroutine function checks its arguments when called, not when awaited);
* the test drives a private name of the standard library;
* the test asserts a behaviour that a later Python's ``unittest.mock``
  changed, and asynctoolkit has the later behaviour on every version.
"""

from __future__ import annotations

import sys

_EARLIER_PATCH = (
    "same TypeError, raised earlier: asynctoolkit's patch() checks its arguments "
    "when the patch is built, the standard library when it starts"
)
_PRIVATE_PATCHER = (
    "builds a patch.multiple by hand through the standard patcher's private "
    "attributes (additional_patchers, attribute_name)"
)

EXCLUDED: dict[str, str] = {
    "testpatch.PatchTest.test_autospec_with_new": _EARLIER_PATCH,
    "testpatch.PatchTest.test_cant_set_kwargs_when_passing_a_mock": _EARLIER_PATCH,
    "testpatch.PatchTest.test_multiple_specs": _EARLIER_PATCH,
    "testpatch.PatchTest.test_name_preserved": (
        _EARLIER_PATCH + " (the test only decorates with an invalid patch, never calls it)"
    ),
    "testpatch.PatchTest.test_patch_multiple_create_mocks_different_order": _PRIVATE_PATCHER,
    "testpatch.PatchTest.test_patch_multiple_failure": _PRIVATE_PATCHER,
    "testpatch.PatchTest.test_patch_multiple_new_callable_failure": _PRIVATE_PATCHER,
}

if sys.version_info < (3, 12):  # from 3.12 the test expects what asynctoolkit does
    EXCLUDED["testsealable.TestSealable.test_seal_with_autospec"] = (
        "expects a sealed autospecced method to raise AttributeError when called; "
        "Python 3.12 fixed that (gh-91803) and asynctoolkit has the fix on every version"
    )
if sys.version_info >= (3, 13):  # before 3.13 the standard library checks when called too
    EXCLUDED["testasync.AsyncAutospecTest.test_autospec_checks_signature"] = (
        "same TypeError, raised earlier: an autospecced coroutine function checks its "
        "arguments when called (as before Python 3.13), not when awaited"
    )
