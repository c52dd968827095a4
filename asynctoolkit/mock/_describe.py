"""How the mock package shows user objects in messages: only when needed, never failing.

A patch target or a spec is the user's object, and its ``__repr__`` may
fail (an object that needs a connection, a proxy, a half-built instance).
Patching it must still work, so nothing here runs before a message is built,
and building one survives a failing ``repr``: the object is then shown as
``<ClassName instance at 0x...>``.
"""

from __future__ import annotations

import reprlib

__all__: list[str] = []

# reprlib shows an object whose repr raises by its class name and id; the
# limits only keep long values from flooding a message.
_reprs = reprlib.Repr()
_reprs.maxstring = _reprs.maxother = 160
_reprs.maxlevel = 3


def safe_repr(obj: object) -> str:
    """``repr(obj)``, shortened if long, or its class and id if ``repr`` raises."""
    try:
        return _reprs.repr(obj)
    except Exception:  # a class whose name itself cannot be read
        return f"<object at {id(obj):#x}>"


def name_of(target: object) -> str:
    """The target's ``__name__`` (a module's, class's, function's), else ``safe_repr(target)``."""
    try:
        name = getattr(target, "__name__", None)
    except Exception:  # a __getattr__ that fails otherwise than with AttributeError
        name = None
    return name if isinstance(name, str) else safe_repr(target)


def describe(target: object) -> str:
    """A module's, class's or function's qualified name, else ``safe_repr(target)``."""
    try:
        name = getattr(target, "__qualname__", None) or getattr(target, "__name__", None)
    except Exception:  # a __getattr__ that fails otherwise than with AttributeError
        name = None
    return name if isinstance(name, str) else safe_repr(target)
