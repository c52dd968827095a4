"""Names a package imports from its modules on first use (PEP 562).

A package lists which of its modules defines each such name; ``names``
returns the package's ``__getattr__`` and ``__dir__``.  The first use of a
name imports its module and sets the name in the package, so later uses
find it directly, and ``dir()`` lists every name before any is used.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__: list[str] = []


def names(
    package: str, namespace: dict[str, Any], sources: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``, whose globals are
    ``namespace``: ``sources`` maps each name to its module (relative to it)."""

    def __getattr__(name: str) -> Any:
        # Called only for a name not set yet: its first use.
        module = sources.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        namespace[name] = value  # later uses find it directly
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *sources})

    return __getattr__, __dir__
