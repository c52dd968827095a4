"""pytest-asyncio's names, for suites written for it.

While pytest-asyncio is loaded, the plugin reads its mode (who runs unmarked
async tests) and its ``asyncio_debug`` setting.  While it is not (not
installed, or ``-p no:asyncio``), the plugin offers what such a suite uses of
it: the ``asyncio`` marker, the ``event_loop`` fixture of pytest-asyncio
before 1.0, and its ini options, so that a configuration written for it is
not an unknown option (a warning, and an error under ``--strict-config``).
Of those options only ``asyncio_debug`` changes anything: every test has its
own loop, whatever the loop scopes say, and every async test is
asynctoolkit's, whatever the mode says.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

import pytest

__all__: list[str] = []

#: pytest-asyncio's marker.
MARKER = "asyncio"

_LOADED = pytest.StashKey[bool]()

# The parser each run's plugin manager gave ``pytest_addoption``, by the
# manager's id: the ini options are added at ``pytest_configure``, once every
# plugin is known (pytest checks for unknown ones after collection).  Held
# weakly: the parser refers to its config, which refers to the manager, so
# a run that never configures (``--version``) or keeps pytest-asyncio drops
# its entry with them.
_parsers: weakref.WeakValueDictionary[int, pytest.Parser] = weakref.WeakValueDictionary()

_UNUSED_SCOPE = "; asynctoolkit does not use it: every test it runs has a loop of its own"
# (name, help, type, default), as pytest-asyncio 1.x declares them.
_SETTINGS: tuple[tuple[str, str, Any, object], ...] = (
    (
        "asyncio_mode",
        "pytest-asyncio's mode (strict, auto); while pytest-asyncio is not loaded, "
        "asynctoolkit runs every async test whatever it says",
        "string",
        "strict",
    ),
    (
        "asyncio_debug",
        "asyncio's debug mode for the loops of the async tests (pytest-asyncio's setting, "
        "which asynctoolkit honours)",
        "bool",
        False,
    ),
    (
        "asyncio_default_fixture_loop_scope",
        "pytest-asyncio's loop scope for async fixtures" + _UNUSED_SCOPE,
        "string",
        None,
    ),
    (
        "asyncio_default_test_loop_scope",
        "pytest-asyncio's loop scope for async tests" + _UNUSED_SCOPE,
        "string",
        "function",
    ),
)


def loaded(config: pytest.Config) -> bool:
    """pytest-asyncio is among the run's plugins."""
    if _LOADED not in config.stash:
        config.stash[_LOADED] = any(
            getattr(plugin, "__name__", "").partition(".")[0] == "pytest_asyncio"
            for plugin in config.pluginmanager.get_plugins()
        )
    return config.stash[_LOADED]


def mode(config: pytest.Config) -> str | None:
    """pytest-asyncio's mode (``"strict"``, ``"auto"``), or None when it is not loaded."""
    if not loaded(config):
        return None
    value = config.getoption("asyncio_mode", None) or config.getini("asyncio_mode")
    return str(getattr(value, "value", value)).strip().lower() or "strict"


def debug(config: pytest.Config) -> bool:
    """``asyncio_debug`` (its ini option, or pytest-asyncio's ``--asyncio-debug``) is on."""
    option = config.getoption("asyncio_debug", None)
    if option is not None:
        return bool(option)
    try:
        value = config.getini("asyncio_debug")
    except ValueError:  # neither plugin declared it (pytest-asyncio before 0.25)
        return False
    # Unset, pytest hands back the declared default as it is: pytest-asyncio
    # declares the string "false" (and reads it as this does).
    return value if isinstance(value, bool) else str(value).strip().lower() == "true"


def remember_parser(parser: pytest.Parser, pluginmanager: Any) -> None:
    """Keep the run's parser, for ``offer_if_absent``."""
    _parsers[id(pluginmanager)] = parser


def offer_if_absent(config: pytest.Config) -> None:
    """While pytest-asyncio is not loaded, offer its marker, fixture and ini options."""
    parser = _parsers.pop(id(config.pluginmanager), None)
    if loaded(config):
        return
    config.addinivalue_line(
        "markers",
        f"{MARKER}: pytest-asyncio's marker; while pytest-asyncio is not loaded, "
        "asynctoolkit runs the async tests it marks (its loop_scope is not used)",
    )
    config.pluginmanager.register(_Fixtures(), "asynctoolkit-pytest-asyncio-names")
    if parser is not None:
        for name, help_text, kind, default in _SETTINGS:
            parser.addini(name, help_text, type=kind, default=default)


class _Fixtures:
    """Fixtures of pytest-asyncio that asynctoolkit offers while it is not loaded."""

    @pytest.fixture
    def event_loop(self, loop: asyncio.AbstractEventLoop) -> asyncio.AbstractEventLoop:
        """The test's event loop, as ``loop`` (for suites written for pytest-asyncio < 1.0).

        Offered while pytest-asyncio is not loaded.  Synchronous tests and
        fixtures may drive it with ``event_loop.run_until_complete(...)``.
        """
        return loop
