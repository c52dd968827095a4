"""Where patches land: one record per patched attribute, one per patched dictionary.

Patches on the same target may start and stop in any order (concurrent tasks
each decorated with a patch, LIMITED patches switching at every step), so a
patch never restores "what it saw when it started".  Instead each patched
attribute has a record holding the true original and a stack of layers:

* the attribute shows the top layer's value, or the original when the stack
  is empty, at which point the record is dropped (before restoring, so a
  failing restore cannot leave a stale record behind);
* a CONTEXT layer is visible only in the contexts that activated it (and the
  contexts copied from them, such as the tasks they create).  While one is on
  top, the attribute holds a *dispatcher* that asks a ContextVar which layer
  the running context sees.  On a class the dispatcher is a descriptor, so
  any value can be dispatched; elsewhere (module, instance) it is a callable
  proxy, so only callables can.

Dictionaries cannot be dispatched; a patched dictionary keeps, per layer, the
contents it had when the layer began.  A layer that ends while another is
above it hands its snapshot up, so the last one to end restores the contents
from before the first began.
"""

from __future__ import annotations

import contextlib
import contextvars
from typing import Any

from asynctoolkit.mock._describe import describe, safe_repr
from asynctoolkit.mock._support import COROUTINE_CODE, is_coroutine_function

__all__: list[str] = []


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


#: The attribute does not exist (patched with create=True).
MISSING: Any = _Missing()

# Attributes a delattr does not remove for good: restored by setattr instead.
_STICKY = frozenset({"__doc__", "__module__", "__defaults__", "__annotations__", "__kwdefaults__"})


class Layer:
    """One patch applied to one attribute; ``in_context`` for a CONTEXT patch.

    It is also what a patch with a given value hands back while applied
    (``_patch``): ``result`` is the value, ``unapply()`` ends the layer.
    """

    __slots__ = ("in_context", "record", "value")

    def __init__(self, record: _AttributeRecord, value: Any, in_context: bool) -> None:
        self.record = record
        self.value = value
        self.in_context = in_context

    @property
    def result(self) -> Any:
        return self.value

    def unapply(self) -> None:
        """End this layer; the attribute shows what is below it (idempotent)."""
        record = self.record
        layers = record.layers
        if layers and layers[-1] is self:  # the common case: the top one ends
            layers.pop()
        elif self in layers:
            layers.remove(self)
        else:
            return
        if self.in_context:
            record.leave_context(self)
        elif not layers and record.local and record.original is not MISSING:
            # The common case, refresh() made short: the last layer of a local attribute.
            _records.pop(record.key, None)
            setattr(record.target, record.attribute, record.original)
            return
        record.refresh()

    def decorator_args(self) -> tuple[list[Any], dict[str, Any]]:
        return [], {}


class _AttributeRecord:
    """Everything patched on ``target.attribute`` right now."""

    __slots__ = (
        "_dispatcher",
        "_var",
        "attribute",
        "create",
        "key",
        "layers",
        "local",
        "original",
        "target",
    )

    def __init__(self, key: tuple[int, str], target: Any, attribute: str, create: bool) -> None:
        self.key = key  # in _records
        self.target = target
        self.attribute = attribute
        self.create = create
        # The value before the first layer: the raw one in target.__dict__
        # (local) or the one found elsewhere (inherited, or via __getattr__).
        try:
            own = vars(target)
        except TypeError:  # no __dict__ (slots, builtins)
            own = {}
        self.local = attribute in own
        self.original: Any = own[attribute] if self.local else getattr(target, attribute, MISSING)
        self.layers: list[Layer] = []  # bottom first
        self._var: contextvars.ContextVar[tuple[Layer, ...]] | None = None
        self._dispatcher: Any = None

    @property
    def name(self) -> str:
        # For messages only: describing the target may run its __repr__.
        return f"{describe(self.target)}.{self.attribute}"

    def visible(self) -> Any:
        """The raw value the running context sees (a layer's value, or the original)."""
        active = self._var.get(()) if self._var is not None else ()
        for layer in reversed(self.layers):
            if not layer.in_context or layer in active:
                return layer.value
        return self._fallback()

    def _fallback(self) -> Any:
        if self.local or not isinstance(self.target, type):
            return self.original
        for klass in self.target.__mro__[1:]:  # the inherited, raw descriptor
            if self.attribute in vars(klass):
                return vars(klass)[self.attribute]
        return self.original

    def enter_context(self, layer: Layer) -> None:
        if self._var is None:
            # Named without the target: its repr is not for us to call.
            self._var = contextvars.ContextVar(f"asynctoolkit CONTEXT patch of .{self.attribute}")
        self._var.set((*self._var.get(()), layer))

    def leave_context(self, layer: Layer) -> None:
        if self._var is None:
            return
        active = self._var.get(())
        if layer in active:
            self._var.set(tuple(other for other in active if other is not layer))

    def refresh(self) -> None:
        """Make the attribute show the top layer, or restore it if none is left."""
        if not self.layers:
            _records.pop(self.key, None)
            if self.local and self.original is not MISSING:  # the common case
                setattr(self.target, self.attribute, self.original)
            else:
                self._restore()
            return
        top = self.layers[-1]
        setattr(self.target, self.attribute, self._dispatch() if top.in_context else top.value)

    def _dispatch(self) -> Any:
        if self._dispatcher is None:
            if isinstance(self.target, type):
                self._dispatcher = _AttributeDispatcher(self)
            elif is_coroutine_function(self.original):
                self._dispatcher = _CoroutineCallDispatcher(self)
            else:
                self._dispatcher = _CallDispatcher(self)
        return self._dispatcher

    def _restore(self) -> None:
        target, attribute, original = self.target, self.attribute, self.original
        with contextlib.suppress(AttributeError):  # already gone: nothing of ours is left
            delattr(target, attribute)
        if (
            original is not MISSING
            and not self.create
            and (attribute in _STICKY or not hasattr(target, attribute))
        ):
            setattr(target, attribute, original)  # proxies that need the value set back


_records: dict[tuple[int, str], _AttributeRecord] = {}


def current_original(target: Any, attribute: str) -> Any:
    """What a patch of ``target.attribute`` starting now would replace, or MISSING.

    This is what the running context sees: with other patches active on the
    attribute, their value; otherwise the raw attribute (``__dict__`` entry)
    when the target holds it, else the value found by ``getattr``.
    """
    record = _records.get((id(target), attribute))
    if record is not None:
        return record.visible()
    own = _own_dict(target)
    if attribute in own:
        return own[attribute]
    return getattr(target, attribute, MISSING)


def push(
    target: Any, attribute: str, value: Any, *, create: bool, in_context: bool, check: bool = False
) -> Layer:
    """Show ``value`` as ``target.attribute`` (only to this context if ``in_context``).

    With ``check`` (and not ``create``), first refuse an attribute that
    ``current_original`` would say is MISSING: what ``patch`` checks.
    """
    key = (id(target), attribute)
    record = _records.get(key)
    if record is None:
        record = _AttributeRecord(key, target, attribute, create)
        if check and not create and record.original is MISSING:
            raise missing_attribute(target, attribute)
    elif check and not create and record.visible() is MISSING:
        raise missing_attribute(target, attribute)
    if in_context:
        _check_dispatchable(record, value)
    _records[key] = record
    layer = Layer(record, value, in_context)
    record.layers.append(layer)
    try:
        if in_context:
            record.enter_context(layer)
            record.refresh()
        else:  # the refresh of a new top layer that is not per context
            setattr(target, attribute, value)
    except BaseException:
        pop(layer)
        raise
    return layer


def pop(layer: Layer) -> None:
    """End ``layer``; the attribute shows what is below it (idempotent)."""
    layer.unapply()


def missing_attribute(target: Any, attribute: str) -> AttributeError:
    """The error of a patch whose attribute does not exist (and may not be created)."""
    return AttributeError(
        f"{describe(target)} has no attribute {attribute!r} to patch; check the "
        f"name, or pass create=True to add it for the duration of the patch"
    )


def _check_dispatchable(record: _AttributeRecord, value: Any) -> None:
    if isinstance(record.target, type):
        return  # a descriptor on the class can dispatch any value
    hint = (
        "scope=CONTEXT replaces a module or instance attribute with a callable proxy "
        "that picks the patched or the original callable per task; reading a plain "
        "value cannot be dispatched that way. Patch it with scope=GLOBAL or LIMITED, "
        "or patch the attribute on a class."
    )
    original = record.visible()
    if original is MISSING:
        raise TypeError(
            f"cannot patch {record.name} with scope=CONTEXT: it does not exist, so other "
            f"tasks would have nothing to see. {hint}"
        )
    if not callable(original):
        raise TypeError(
            f"cannot patch {record.name} with scope=CONTEXT: it holds a value of type "
            f"{type(original).__name__!r}, not a callable. {hint}"
        )
    if not callable(value):
        raise TypeError(
            f"cannot patch {record.name} with scope=CONTEXT using {safe_repr(value)}: the "
            f"replacement must be callable too. {hint}"
        )


class _AttributeDispatcher:
    """Stands in a class's ``__dict__``: each access resolves per context."""

    __slots__ = ("_record",)

    def __init__(self, record: _AttributeRecord) -> None:
        self._record = record

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        value = self._record.visible()
        if value is MISSING:
            raise AttributeError(
                f"{self._record.name} exists only in the tasks that patched it (scope=CONTEXT)"
            )
        getter = getattr(type(value), "__get__", None)
        return value if getter is None else getter(value, obj, owner)

    def __repr__(self) -> str:
        return f"<per-context patch of {self._record.name}>"


class _CallDispatcher:
    """Stands for a patched callable: calls and attribute use go where the context says."""

    __slots__ = ("_record",)
    _record: _AttributeRecord

    def __init__(self, record: _AttributeRecord) -> None:
        object.__setattr__(self, "_record", record)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._record.visible()(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._record.visible(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._record.visible(), name, value)

    def __delattr__(self, name: str) -> None:
        delattr(self._record.visible(), name)

    def __repr__(self) -> str:
        return f"<per-context patch of {self._record.name}: {safe_repr(self._record.visible())}>"


class _CoroutineCallDispatcher(_CallDispatcher):
    """A call dispatcher for a coroutine function: ``inspect`` sees one too."""

    __slots__ = ()
    __code__ = COROUTINE_CODE
    __defaults__ = None
    __kwdefaults__ = None

    @property
    def __name__(self) -> str:
        return self._record.attribute


class DictLayer:
    """One patch applied to one dictionary: its contents before the patch."""

    __slots__ = ("in_dict", "snapshot")

    def __init__(self, in_dict: Any) -> None:
        self.in_dict = in_dict
        self.snapshot = copy_mapping(in_dict)


_dict_layers: dict[int, list[DictLayer]] = {}


def push_dict(in_dict: Any) -> DictLayer:
    """Start a patch of ``in_dict``: remember its contents."""
    layer = DictLayer(in_dict)
    _dict_layers.setdefault(id(in_dict), []).append(layer)
    return layer


def pop_dict(layer: DictLayer) -> None:
    """End a patch of a dictionary (idempotent); see the module docstring."""
    layers = _dict_layers.get(id(layer.in_dict), [])
    if layer not in layers:
        return
    index = layers.index(layer)
    del layers[index]
    if not layers:
        del _dict_layers[id(layer.in_dict)]
    if index < len(layers):
        layers[index].snapshot = layer.snapshot  # the one above will restore it
    else:
        replace_contents(layer.in_dict, layer.snapshot)


def copy_mapping(mapping: Any) -> dict[Any, Any]:
    """A plain dict copy of a dict-like object (only iteration and [] needed)."""
    return {key: mapping[key] for key in list(mapping)}


def replace_contents(mapping: Any, contents: dict[Any, Any]) -> None:
    """Make a dict-like object hold exactly ``contents``."""
    try:
        mapping.clear()
    except AttributeError:
        for key in list(mapping):
            del mapping[key]
    update_mapping(mapping, contents)


def update_mapping(mapping: Any, values: dict[Any, Any]) -> None:
    """``mapping.update(values)`` for dict-like objects that lack ``update``."""
    try:
        mapping.update(values)
    except AttributeError:
        for key, value in values.items():
            mapping[key] = value


def _own_dict(target: Any) -> Any:
    try:
        return vars(target)
    except TypeError:  # no __dict__ (slots, builtins)
        return {}
