"""``asynctest.mock``: asynctoolkit's mocks and patchers, under asynctest's names.

``CoroutineMock``, ``patch`` and the rest are ``asynctoolkit.mock``'s own
objects.  Names asynctest never had (``CONTEXT``, ``seal``...) stay in
``asynctoolkit.mock``.
"""

from __future__ import annotations

from asynctoolkit.mock import (
    ANY,
    DEFAULT,
    GLOBAL,
    LIMITED,
    CoroutineMock,
    MagicMock,
    Mock,
    NonCallableMagicMock,
    NonCallableMock,
    PatchScope,
    PropertyMock,
    call,
    create_autospec,
    mock_open,
    patch,
    return_once,
    sentinel,
)

__all__ = [
    "ANY",
    "DEFAULT",
    "GLOBAL",
    "LIMITED",
    "CoroutineMock",
    "MagicMock",
    "Mock",
    "NonCallableMagicMock",
    "NonCallableMock",
    "PatchScope",
    "PropertyMock",
    "call",
    "create_autospec",
    "mock_open",
    "patch",
    "return_once",
    "sentinel",
]
