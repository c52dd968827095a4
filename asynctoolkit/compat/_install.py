"""Registering the asynctest shim under the name ``asynctest``."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from types import ModuleType


def _modules() -> dict[str, ModuleType]:
    """Module name -> the shim module registered under it.

    The shim is imported here, when it is installed: the pytest plugin
    imports this module at every start-up, and most runs never install it.
    """
    from asynctoolkit.compat import asynctest as shim

    return {
        "asynctest": shim,
        "asynctest.case": shim.case,
        "asynctest.helpers": shim.helpers,
        "asynctest.mock": shim.mock,
        "asynctest.selector": shim.selector,
    }


def install_asynctest() -> ModuleType:
    """Make ``import asynctest`` and its submodules give asynctoolkit's compatibility layer.

    Registers ``asynctest``, ``asynctest.case``, ``asynctest.mock``,
    ``asynctest.selector`` and ``asynctest.helpers`` (the modules of
    ``asynctoolkit.compat.asynctest``) in ``sys.modules``, and returns the
    ``asynctest`` module.  Calling it again does nothing more.

    Call it before anything imports asynctest.  If a module of another
    ``asynctest`` (the real package, say) is already imported, nothing is
    registered and RuntimeError says where that module came from: a suite
    would otherwise use one or the other depending on import order.  An
    installed but not yet imported asynctest is simply shadowed.
    """
    modules = _modules()
    foreign = {
        name: sys.modules[name]
        for name, shim in modules.items()
        if name in sys.modules and sys.modules[name] is not shim
    }
    if foreign:
        raise RuntimeError(_refusal(foreign))
    sys.modules.update(modules)
    return modules["asynctest"]


def _refusal(foreign: Mapping[str, ModuleType | None]) -> str:
    found = ", ".join(f"{name!r} ({_origin(module)})" for name, module in foreign.items())
    return (
        f"install_asynctest(): another asynctest is already imported: {found}.  The "
        "compatibility layer registers nothing while it is, since each test module would "
        "get one or the other depending on import order.  To use the layer, uninstall the "
        "asynctest package (pip uninstall asynctest) or enable the layer before anything "
        "imports asynctest: first thing in the top conftest.py or the test package's "
        "__init__.py, or with 'python -m asynctoolkit --asynctest' or pytest's "
        "'asynctoolkit_asynctest = true'.  To keep the real asynctest, do not enable the layer."
    )


def _origin(module: ModuleType | None) -> str:
    if module is None:
        return "set to None in sys.modules, which blocks its import"
    location = getattr(module, "__file__", None)
    return f"from {location}" if location else repr(module)
