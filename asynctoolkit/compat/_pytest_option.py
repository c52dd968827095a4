"""The pytest ini option ``asynctoolkit_asynctest``: the asynctest layer for a pytest run.

The pytest plugin calls ``add_ini_option`` from ``pytest_addoption`` and
``install_if_enabled`` from ``pytest_load_initial_conftests``, which runs
before the first ``conftest.py`` is imported: a conftest of an asynctest
suite may itself import asynctest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pytest

__all__ = ["INI_NAME", "add_ini_option", "install_if_enabled"]

INI_NAME = "asynctoolkit_asynctest"


def add_ini_option(parser: pytest.Parser) -> None:
    """Declare ``asynctoolkit_asynctest`` (a bool, false by default)."""
    parser.addini(
        INI_NAME,
        type="bool",
        default=False,
        help="make 'import asynctest' give asynctoolkit's compatibility layer, so a suite "
        "written for asynctest runs unchanged",
    )


def install_if_enabled(config: pytest.Config) -> None:
    """Install the asynctest layer if the configuration sets ``asynctoolkit_asynctest = true``."""
    if not config.getini(INI_NAME):
        return
    # Imported only when asked for (start-up, bench/bench_pytest.py), past
    # pytest's assertion rewriting as the plugin's modules are (``compat``'s
    # names are imported on first use, _shared/lazy.py).
    from asynctoolkit.compat import install_asynctest

    try:
        install_asynctest()
    except RuntimeError as error:
        import pytest

        raise pytest.UsageError(f"{INI_NAME} = true: {error}") from None
