"""Names a package imports from its modules on first use (PEP 562).

A package lists which of its modules defines each such name; ``names``
returns the package's ``__getattr__`` and ``__dir__``.  The first use of a
name imports its module and sets the name in the package, so later uses
find it directly, and ``dir()`` lists every name before any is used.

Under pytest, with the plugin loaded, a module imported on first use skips
pytest's assertion rewriting, as the plugin's own modules do
(``pytest_plugin._without_assertion_rewriting``): a test module's first
``TestCase`` would otherwise have four modules rewritten, 28M instructions
at start-up (bench/bench_pytest.py).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from types import ModuleType
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
        value = getattr(import_module(f"{package}.{module}"), name)
        namespace[name] = value  # later uses find it directly
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *sources})

    return __getattr__, __dir__


def import_module(name: str) -> ModuleType:
    """``importlib.import_module``, past pytest's assertion rewriting while the
    pytest plugin is loaded (asynctoolkit has no assert whose message a user
    reads).  The plugin is found in ``sys.modules``, never imported here."""
    plugin = sys.modules.get("asynctoolkit.pytest_plugin")
    without = getattr(plugin, "_without_assertion_rewriting", None)
    if without is None or name in sys.modules:
        return importlib.import_module(name)
    with without():
        return importlib.import_module(name)
