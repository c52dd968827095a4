"""``patch``, ``patch.object``, ``patch.multiple``, ``patch.dict`` and ``patch.stopall``.

The arguments and the way the replacement is chosen are those of
``unittest.mock.patch``, with the mocks of one ``Family``: by default a
target that is a coroutine function (or, as in unittest.mock, another
awaitable object) is replaced by an ``AsyncMock``, anything else by a
``MagicMock``.  The asynctest layer's ``patch`` is another ``PatchFunctions``
whose family makes a ``CoroutineMock`` instead, as asynctest's did.

What differs from ``unittest.mock`` is *when* a patch is visible, chosen
with ``scope`` (``_decorate`` applies it around decorated functions;
``_targets`` keeps overlapping patches of one attribute consistent).

A patcher object is only configuration: the target is imported and the mock
made each time the patch starts (each call of a decorated function, each
``with`` or ``start()``), never at decoration time.  Neither the target nor
its attributes are ever shown (``repr``) except in an error message, where a
failing ``repr`` is survived (``_describe``).
"""

from __future__ import annotations

import types
import unittest.mock as _um
from typing import Any

from asynctoolkit.mock._arguments import check_options, import_target, options, split_target
from asynctoolkit.mock._autospec import make_autospec
from asynctoolkit.mock._classes import STANDARD_FAMILY
from asynctoolkit.mock._decorate import PatchScope, run_all
from asynctoolkit.mock._describe import describe, name_of, safe_repr
from asynctoolkit.mock._family import Family
from asynctoolkit.mock._patch_dict import DictPatcher
from asynctoolkit.mock._patcher import BasePatcher
from asynctoolkit.mock._support import (
    BUILTIN_NAMES,
    InvalidSpecError,
    child_arguments,
    instance_callable,
    is_mock,
    is_spec_list,
    started_patches,
)
from asynctoolkit.mock._targets import (
    MISSING,
    Layer,
    current_original,
    missing_attribute,
    pop,
    push,
)

__all__ = ["CONTEXT", "GLOBAL", "LIMITED", "PatchFunctions", "PatchScope", "patch"]

GLOBAL = PatchScope.GLOBAL
LIMITED = PatchScope.LIMITED
CONTEXT = PatchScope.CONTEXT

_DEFAULT = _um.DEFAULT


class _AttributePatcher(BasePatcher):
    """``patch``, ``patch.object`` and ``patch.multiple``: replace attributes of one target.

    The target is ``target``, or, when ``where`` is given, the object at the
    import path ``where[0]`` (imported at each start; ``where[1]`` is what an
    import error names).  One attribute replaced by a given value, without
    options, is a ``_ValuePatcher`` instead.
    """

    def __init__(
        self,
        target: Any,
        where: tuple[str, str] | None,
        replacements: list[tuple[str, Any]],
        multiple: bool,
        options: dict[str, Any],
        kwargs: dict[str, Any],
        scope: PatchScope,
        unsafe: bool,
        functions: PatchFunctions,
    ) -> None:
        super().__init__(scope, functions)
        for attribute, _ in replacements:
            if not isinstance(attribute, str) or not attribute:
                raise TypeError(
                    f"the attribute to patch must be a non-empty str: {safe_repr(attribute)}"
                )
        check_options(replacements, options, kwargs, unsafe)
        self._target = target
        self._where = where
        self._replacements = replacements
        if not multiple and len(replacements) == 1:
            self.attribute_name, self.new = None, replacements[0][1]
        self._multiple = multiple
        self._options = options
        self._kwargs = kwargs

    def __repr__(self) -> str:
        names = ", ".join(attribute for attribute, _ in self._replacements)
        return f"<patch of {self._label()} ({names}), scope={self.scope.name}>"

    def _label(self) -> str:
        return describe(self._target) if self._where is None else self._where[0]

    def begin(self) -> _AttributeActive:
        target = self._target if self._where is None else import_target(*self._where)
        options = self._options
        replacements = []
        for attribute, new in self._replacements:
            original = current_original(target, attribute)
            create = bool(options["create"]) or (
                attribute in BUILTIN_NAMES and isinstance(target, types.ModuleType)
            )
            if original is MISSING and not create:
                raise missing_attribute(target, attribute)
            made = new is _DEFAULT
            value = self._make_replacement(options, target, attribute, original) if made else new
            replacements.append(_Replacement(target, attribute, value, create, made))
        return _AttributeActive(replacements, self._multiple)

    def _make_replacement(
        self, options: dict[str, Any], target: Any, attribute: str, original: Any
    ) -> Any:
        family = self._functions.family
        spec, spec_set = options["spec"], options["spec_set"]
        autospec, new_callable = options["autospec"], options["new_callable"]
        kwargs = dict(self._kwargs)
        if autospec is not None:
            if original is MISSING:
                raise TypeError(f"cannot autospec {attribute!r}: it does not exist (create=True)")
            spec_object = original if autospec is True else autospec
            if is_mock(target) or is_mock(spec_object):  # the standard library's wording first
                where = (
                    "as the patch target"
                    if is_mock(target)
                    else f"from target {name_of(target)!r} as it"
                )
                raise InvalidSpecError(
                    f"Cannot autospec attr {attribute!r} {where} has already been mocked out. "
                    f"[target={safe_repr(target)}, attr={safe_repr(spec_object)}] "
                    f"Autospec the real object."
                )
            return make_autospec(
                family, spec_object, spec_set=bool(spec_set), _name=attribute, **kwargs
            )

        if (spec is True or spec_set is True) and original is MISSING:
            raise TypeError(
                f"cannot take the spec from {attribute!r}: it does not exist (create=True); "
                f"pass the spec object itself"
            )
        if spec is True:
            spec, spec_set = (None, original) if spec_set is True else (original, spec_set)
        elif spec is not None and spec_set is True:
            spec, spec_set = None, spec
        elif spec_set is True:
            spec_set = original
        this_spec = spec_set if spec_set is not None else spec

        klass: Any
        if new_callable is not None:
            klass = new_callable
        elif this_spec is not None:
            if is_spec_list(this_spec):
                callable_spec = "__call__" in this_spec
            else:
                callable_spec = callable(this_spec)
            if not is_spec_list(this_spec) and family.is_async(this_spec):
                klass = family.asynchronous
            else:
                klass = family.magic if callable_spec else family.non_callable_magic
        elif original is not MISSING and family.is_async(original):
            klass = family.asynchronous
        else:
            klass = family.magic

        mock_kwargs: dict[str, Any] = {}
        if spec is not None:
            mock_kwargs["spec"] = spec
        if spec_set is not None:
            mock_kwargs["spec_set"] = spec_set
        if isinstance(klass, type) and issubclass(klass, _um.NonCallableMock):
            mock_kwargs["name"] = attribute
        mock_kwargs.update(kwargs)
        new = klass(**mock_kwargs)
        if isinstance(original, type) and this_spec is not None and is_mock(new):
            # A mocked class returns mocked instances of the same spec.
            instance_class = klass
            if not is_spec_list(this_spec) and not instance_callable(this_spec):
                instance_class = family.non_callable_magic
            mock_kwargs.pop("name", None)
            new.return_value = instance_class(**child_arguments(new, "()"), **mock_kwargs)
        return new


class _ValuePatcher(BasePatcher):
    """The common case made cheap: one attribute replaced by a given value, no option.

    Nothing to check when it is made, nothing to build when it starts: each
    start pushes the value in one step (``activate``), or, for a LIMITED
    decorator, checks the attribute at the call and pushes at each step.
    """

    def __init__(
        self,
        target: Any,
        where: tuple[str, str] | None,
        attribute: str,
        value: Any,
        scope: PatchScope,
        functions: PatchFunctions,
    ) -> None:
        BasePatcher.__init__(self, scope, functions)  # not super(): this is the hot path
        self._target = target
        self._where = where  # as for _AttributePatcher
        self._attribute = attribute
        self.attribute_name = None
        self.new = value

    def __repr__(self) -> str:
        label = describe(self._target) if self._where is None else self._where[0]
        return f"<patch of {label} ({self._attribute}), scope={self.scope.name}>"

    def begin(self) -> _AttributeActive:
        target = self._target if self._where is None else import_target(*self._where)
        attribute = self._attribute
        create = attribute in BUILTIN_NAMES and isinstance(target, types.ModuleType)
        if not create and current_original(target, attribute) is MISSING:
            raise missing_attribute(target, attribute)
        return _AttributeActive([_Replacement(target, attribute, self.new, create, False)], False)

    def __enter__(self) -> Any:
        self._entered.append(self.activate(self.scope is PatchScope.CONTEXT))
        return self.new

    def activate(self, in_context: bool) -> Layer:
        target = self._target if self._where is None else import_target(*self._where)
        attribute = self._attribute
        create = attribute in BUILTIN_NAMES and isinstance(target, types.ModuleType)
        # The layer is the use: its ``result`` is the value, ``unapply()`` ends it.
        return push(target, attribute, self.new, create=create, in_context=in_context, check=True)


class _Replacement:
    __slots__ = ("attribute", "create", "made", "target", "value")

    def __init__(self, target: Any, attribute: str, value: Any, create: bool, made: bool) -> None:
        self.target = target
        self.attribute = attribute
        self.value = value
        self.create = create
        self.made = made  # built by the patch (passed to a decorated function)


class _AttributeActive:
    """One use of an attribute patch: the replacements, and their layers while applied."""

    def __init__(self, replacements: list[_Replacement], multiple: bool) -> None:
        self._replacements = replacements
        self._layers: list[Layer] = []
        self._multiple = multiple
        made = {r.attribute: r.value for r in replacements if r.made}
        self.result: Any = made if multiple else replacements[0].value

    def apply(self, in_context: bool = False) -> None:
        try:
            for r in self._replacements:
                layer = push(r.target, r.attribute, r.value, create=r.create, in_context=in_context)
                self._layers.append(layer)
        except BaseException:
            self.unapply()
            raise

    def unapply(self) -> None:
        layers, self._layers = self._layers, []
        run_all(pop, reversed(layers))

    def decorator_args(self) -> tuple[list[Any], dict[str, Any]]:
        if self._multiple:
            return [], dict(self.result)
        return ([self.result] if self._replacements[0].made else []), {}


class PatchFunctions:
    """The type of ``patch``: call it, or use ``object``, ``multiple``, ``dict``, ``stopall``.

    ``family`` holds the classes its mocks are made of; ``name`` is how it
    shows itself (``asynctoolkit.mock.patch``).
    """

    #: Methods whose name starts with this are patched when a class is decorated.
    TEST_PREFIX = "test"

    def __init__(self, family: Family, name: str) -> None:
        self.family = family
        self._name = name

    def __call__(
        self,
        target: str,
        new: Any = _DEFAULT,
        spec: Any = None,
        create: bool = False,
        spec_set: Any = None,
        autospec: Any = None,
        new_callable: Any = None,
        scope: PatchScope = GLOBAL,
        *,
        unsafe: bool = False,
        **kwargs: Any,
    ) -> BasePatcher:
        """Replace the object named by ``target`` ("package.module.attribute").

        Usable as a context manager (``with patch(...) as mock``), with
        ``start()``/``stop()``, or as a decorator of a test class, function,
        coroutine function, generator function or async generator function
        (the mock is passed as an extra positional argument when ``new`` is not
        given).  Without ``new`` the replacement is an ``AsyncMock`` if the
        target is a coroutine function (or another awaitable object, as in
        ``unittest.mock``), else a ``MagicMock``; ``spec``,
        ``spec_set``, ``autospec``, ``new_callable``, ``create`` and extra
        keyword arguments mean what they mean for ``unittest.mock.patch``.
        ``scope`` (GLOBAL, LIMITED or CONTEXT) says when the patch is visible;
        see ``PatchScope``.  The target is imported when the patch starts.
        """
        path, attribute = split_target(target)
        return self._one(
            None, (path, target), attribute, new,
            spec, create, spec_set, autospec, new_callable, scope, unsafe, kwargs,
        )  # fmt: skip

    def object(
        self,
        target: Any,
        attribute: str,
        new: Any = _DEFAULT,
        spec: Any = None,
        create: bool = False,
        spec_set: Any = None,
        autospec: Any = None,
        new_callable: Any = None,
        scope: PatchScope = GLOBAL,
        *,
        unsafe: bool = False,
        **kwargs: Any,
    ) -> BasePatcher:
        """Like ``patch``, for the attribute ``attribute`` of the object ``target``."""
        if type(target) is str:  # an instance of a str subclass is an object to patch
            raise TypeError(
                f"{target!r} must be the actual object to be patched, not a str: "
                f"patch.object() needs the object itself; use "
                f"patch('{target}.{attribute}') to name it by import path"
            )
        return self._one(
            target, None, attribute, new,
            spec, create, spec_set, autospec, new_callable, scope, unsafe, kwargs,
        )  # fmt: skip

    def _one(
        self,
        target: Any,
        where: tuple[str, str] | None,
        attribute: str,
        new: Any,
        spec: Any,
        create: bool,
        spec_set: Any,
        autospec: Any,
        new_callable: Any,
        scope: PatchScope,
        unsafe: bool,
        kwargs: dict[str, Any],
    ) -> BasePatcher:
        """``patch`` and ``patch.object``: one attribute of ``target`` (or of ``where``)."""
        if (
            new is not _DEFAULT
            and spec is None
            and spec_set is None
            and autospec is None
            and new_callable is None
            and not create
            and not kwargs
            and type(attribute) is str
            and attribute
        ):
            return _ValuePatcher(target, where, attribute, new, scope, self)
        return _AttributePatcher(
            target,
            where,
            [(attribute, new)],
            False,
            options(spec, create, spec_set, autospec, new_callable),
            kwargs,
            scope,
            unsafe,
            self,
        )

    def multiple(
        self,
        target: Any,
        spec: Any = None,
        create: bool = False,
        spec_set: Any = None,
        autospec: Any = None,
        new_callable: Any = None,
        scope: PatchScope = GLOBAL,
        **kwargs: Any,
    ) -> BasePatcher:
        """Patch several attributes of ``target`` (an object or an import path) at once.

        A ``str`` is an import path; an instance of a subclass of ``str`` is
        the object to patch, as in ``unittest.mock``.  Each keyword names an
        attribute and its replacement; ``DEFAULT`` asks for a mock.  The mocks
        made are returned as a dict by ``with`` and ``start()``, and passed by
        keyword to a decorated function.
        """
        if not kwargs:
            raise ValueError(
                "patch.multiple() needs at least one attribute=replacement keyword argument"
            )
        # An instance of a str subclass is an object to patch.
        where = (target, target) if type(target) is str else None
        return _AttributePatcher(
            None if where else target,
            where,
            list(kwargs.items()),
            True,
            options(spec, create, spec_set, autospec, new_callable),
            {},
            scope,
            False,
            self,
        )

    def dict(
        self,
        in_dict: Any,
        values: Any = (),
        clear: bool = False,
        scope: PatchScope = GLOBAL,
        **kwargs: Any,
    ) -> BasePatcher:
        """Set keys of a dictionary (or dict-like object, or its import path) for a while.

        ``values`` (a mapping or (key, value) pairs) and keyword arguments are
        set, after emptying the dictionary if ``clear``; when the patch ends
        the dictionary gets back the contents it had.  ``with`` gives the
        dictionary.  scope=CONTEXT is refused: contents cannot differ per task.
        """
        return DictPatcher(in_dict, values, clear, scope, kwargs, self)

    def __repr__(self) -> str:
        return f"<{self._name}>"

    def stopall(self) -> None:
        """Stop every patch started with ``start()`` and not stopped, newest first.

        Patches started with ``unittest.mock.patch`` are stopped too, in the
        same newest-first order (and ``unittest.mock.patch.stopall()`` stops
        ours).  All are stopped even if stopping one fails; the first failure
        is then raised.
        """
        run_all(_stop, reversed(list(started_patches())))


def _stop(patcher: Any) -> None:
    patcher.stop()


patch = PatchFunctions(STANDARD_FAMILY, "asynctoolkit.mock.patch")
