"""``patch.dict``: set keys of a dictionary (or dict-like object) for a while.

Dictionaries cannot show different contents to different tasks, so
scope=CONTEXT is refused; ``_targets`` keeps overlapping patches of one
dictionary consistent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from asynctoolkit.mock._arguments import import_target
from asynctoolkit.mock._decorate import PatchScope
from asynctoolkit.mock._describe import describe
from asynctoolkit.mock._patcher import BasePatcher
from asynctoolkit.mock._targets import (
    DictLayer,
    copy_mapping,
    pop_dict,
    push_dict,
    replace_contents,
    update_mapping,
)

if TYPE_CHECKING:
    from asynctoolkit.mock._patch import PatchFunctions

__all__: list[str] = []


class DictPatcher(BasePatcher):
    """``patch.dict``: set keys of a dictionary (or dict-like object) for a while."""

    def __init__(
        self,
        in_dict: Any,
        values: Any,
        clear: bool,
        scope: PatchScope,
        kwargs: dict[str, Any],
        functions: PatchFunctions,
    ) -> None:
        super().__init__(scope, functions)
        if scope is PatchScope.CONTEXT:
            raise ValueError(
                "patch.dict cannot use scope=CONTEXT: one dictionary cannot show different "
                "contents to different tasks. Use GLOBAL or LIMITED, or patch the function "
                "that reads the dictionary with scope=CONTEXT."
            )
        self._in_dict = in_dict
        self._values = dict(values)
        self._values.update(kwargs)
        self._clear = clear

    def __repr__(self) -> str:
        return f"<patch.dict of {describe(self._in_dict)}, scope={self.scope.name}>"

    def begin(self) -> DictActive:
        in_dict = self._in_dict
        if isinstance(in_dict, str):
            in_dict = import_target(in_dict, in_dict)
        return DictActive(in_dict, self._values, self._clear)


class DictActive:
    """One use of a dictionary patch."""

    def __init__(self, in_dict: Any, values: dict[Any, Any], clear: bool) -> None:
        self.result = in_dict
        self._values = values
        self._clear = clear
        self._layer: DictLayer | None = None
        # The patched contents, kept while a LIMITED patch is switched off.
        self._inside: dict[Any, Any] | None = None

    def apply(self, in_context: bool = False) -> None:
        in_dict = self.result
        self._layer = push_dict(in_dict)
        try:
            if self._inside is not None:
                replace_contents(in_dict, self._inside)
            else:
                if self._clear:
                    replace_contents(in_dict, {})
                update_mapping(in_dict, self._values)
        except BaseException:
            self.unapply()
            raise

    def unapply(self) -> None:
        layer, self._layer = self._layer, None
        if layer is not None:
            self._inside = copy_mapping(self.result)
            pop_dict(layer)

    def decorator_args(self) -> tuple[list[Any], dict[str, Any]]:
        return [], {}
