"""What ``patch``'s arguments mean: options, their checks, and target strings.

Checked when a patch is built (``patch(...)``), not when it starts, so a
wrong combination fails where it is written; the exceptions have the
standard library's types.
"""

from __future__ import annotations

import builtins
import pkgutil
import unittest.mock as _um
from typing import Any

from asynctoolkit.mock._describe import safe_repr
from asynctoolkit.mock._support import InvalidSpecError, is_mock

__all__: list[str] = []

_DEFAULT = _um.DEFAULT
#: Keyword arguments that are likely typos of spec options (refused unless unsafe=True).
SPEC_TYPOS = ("autospect", "auto_spec", "set_spec")


def options(
    spec: Any, create: bool, spec_set: Any, autospec: Any, new_callable: Any
) -> builtins.dict[str, Any]:
    """The options of a patch, with False read as "not given" (as unittest.mock does)."""
    return {
        "spec": None if spec is False else spec,
        "create": create,
        "spec_set": None if spec_set is False else spec_set,
        "autospec": None if autospec is False else autospec,
        "new_callable": new_callable,
    }


def check_options(
    replacements: list[tuple[str, Any]],
    options: builtins.dict[str, Any],
    kwargs: builtins.dict[str, Any],
    unsafe: bool,
) -> None:
    """Refuse option combinations that cannot work, with the standard library's types."""
    spec, spec_set = options["spec"], options["spec_set"]
    autospec, new_callable = options["autospec"], options["new_callable"]
    if not unsafe:
        for typo in SPEC_TYPOS:
            if typo in kwargs:
                raise RuntimeError(f"{typo!r} might be a typo; use unsafe=True if this is intended")
    given = [new for _, new in replacements if new is not _DEFAULT]
    if new_callable is not None and given:
        raise ValueError("cannot use 'new' and 'new_callable' together")
    if new_callable is not None and autospec is not None:
        raise ValueError("cannot use 'autospec' and 'new_callable' together")
    if autospec is not None and given:
        raise TypeError("autospec creates the mock for you: cannot use 'autospec' and 'new'")
    if spec is not None and autospec is not None:
        raise TypeError("cannot use 'spec' and 'autospec' together")
    if (spec is not None or autospec is not None) and spec_set not in (True, None):
        raise TypeError("cannot give an explicit spec_set object with 'spec' or 'autospec'")
    if kwargs and given:
        raise TypeError("keyword arguments configure the mock patch makes; 'new' leaves none")
    attribute = replacements[0][0]
    for value, what in ((spec, "spec"), (spec_set, "spec_set target")):
        if is_mock(value):  # the standard library's wording, then what to do
            raise InvalidSpecError(
                f"Cannot spec attr {attribute!r} as the {what} has already been mocked out. "
                f"[{what.split()[0]}={safe_repr(value)}] Pass the real object it stands for."
            )


def split_target(target: object) -> tuple[str, str]:
    """ "package.module.attribute": the import path of the owner, and the attribute."""
    if not isinstance(target, str):
        raise TypeError(
            f"patch() needs a target string 'package.module.attribute', got {safe_repr(target)}; "
            f"to patch an attribute of an object you hold, use patch.object(obj, 'attribute')"
        )
    path, dot, attribute = target.rpartition(".")
    if not dot or not path or not attribute:
        raise TypeError(
            f"patch() needs a target string 'package.module.attribute' (an import path "
            f"ending with the attribute to replace), got {target!r}"
        )
    return path, attribute


def import_target(path: str, target: str) -> Any:
    """Import the object at ``path`` ("package.module.name"), naming ``target`` on failure."""
    try:
        return pkgutil.resolve_name(path)
    except (ImportError, AttributeError, ValueError) as exc:
        raise type(exc)(f"cannot patch {target!r}: importing {path!r} failed: {exc}") from exc
