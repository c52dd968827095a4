"""The decorators that configure the checks and time limit of tests.

They store their settings on the class or function they decorate; ``TestCase``
reads them when a test starts (a method's settings win over its class's, and
a class inherits its parents').
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from types import FunctionType, ModuleType
from typing import Any, TypeVar

from asynctoolkit._shared.settings import EXPLORE_MARK, settings

__all__ = ["fail_on", "ignore_loop", "lenient", "strict", "timeout"]

_F = TypeVar("_F", bound=Callable[..., Any])

_registry: ModuleType | None = None


def registry() -> Any:
    """The checks' registry, ``asynctoolkit.case._checks``, imported on first use.

    Not with ``TestCase``: the checks' modules are about a third of
    ``import asynctoolkit`` (bench/bench_import.py); the first test or the
    first ``fail_on`` imports them.
    """
    global _registry
    if _registry is None:
        from asynctoolkit.case import _checks

        _registry = _checks
    return _registry


# Attribute names under which the decorators store their settings.
CHECKS_ATTR = "__asynctoolkit_checks__"
TIMEOUT_ATTR = "__asynctoolkit_timeout__"


def fail_on(**checks: bool) -> Callable[[_F], _F]:
    """Turn checks on or off for a TestCase class or one test method.

    Checks: ``pending_tasks``, ``unhandled_exceptions``, ``unawaited_coroutines``,
    ``active_selector_callbacks`` (on by default), ``active_handles`` and
    ``unused_loop`` (off by default).  A method's settings win over its
    class's; a subclass inherits its parents' settings.  An unknown name
    raises TypeError at once.
    """
    unknown = sorted(set(checks) - set(registry().DEFAULT_CHECKS))
    if unknown:
        known = ", ".join(registry().DEFAULT_CHECKS)
        raise TypeError(f"fail_on() got unknown check(s) {', '.join(unknown)}; known: {known}")
    for name, value in checks.items():
        if not isinstance(value, bool):
            raise TypeError(f"fail_on({name}=...) takes True or False, not {value!r}")

    def decorate(target: _F) -> _F:
        # Only the target's own settings are stored (several decorators on one
        # target add up); a test merges those of every class of its MRO.
        own: Mapping[str, bool] = getattr(target, "__dict__", {}).get(CHECKS_ATTR, {})
        setattr(target, CHECKS_ATTR, {**own, **checks})
        settings_changed()  # after: a test reading in between caches nothing stale
        return target

    return decorate


def strict(target: _F | None = None) -> Any:
    """Enable every check on a class or method (``fail_on`` with all True).

    ``@strict`` and ``@strict()`` are the same.
    """
    decorate = fail_on(**dict.fromkeys(registry().DEFAULT_CHECKS, True))
    return decorate if target is None else decorate(target)


def lenient(target: _F | None = None) -> Any:
    """Disable every check on a class or method (``fail_on`` with all False).

    ``@lenient`` and ``@lenient()`` are the same.
    """
    decorate = fail_on(**dict.fromkeys(registry().DEFAULT_CHECKS, False))
    return decorate if target is None else decorate(target)


def ignore_loop(target: _F | None = None) -> Any:
    """Deprecated alias of ``fail_on(unused_loop=False)``."""
    warnings.warn(
        "ignore_loop is deprecated; use @fail_on(unused_loop=False)",
        DeprecationWarning,
        stacklevel=2,
    )
    decorate = fail_on(unused_loop=False)
    return decorate if target is None else decorate(target)


def timeout(seconds: float | None) -> Callable[[_F], _F]:
    """Set the real-time limit of a TestCase class or one test method.

    ``None`` removes the limit.  A method's limit wins over its class's.
    """
    limit = validate_timeout(seconds)

    def decorate(target: _F) -> _F:
        setattr(target, TIMEOUT_ATTR, limit)
        settings_changed()  # after: a test reading in between caches nothing stale
        return target

    return decorate


UNSET: Any = object()


def validate_timeout(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(
            f"a test time limit must be a positive number of seconds or None, not {value!r}"
        )
    if value == float("inf"):
        return None
    return float(value)


# -- reading the settings when a test starts -------------------------------------------
def time_limit(owner: type | None, method: object) -> float | None:
    """The real-time limit of ``method`` of class ``owner`` (either may be None).

    The first found of: the method's ``@timeout``, the class's (or a parent's)
    ``@timeout``, the class's ``timeout`` attribute, the runner's default.
    Read afresh for every test, so a change to a class applies to its next test.
    """
    for source in (method, owner):
        if source is not None:
            value = getattr(source, TIMEOUT_ATTR, UNSET)
            if value is not UNSET:
                return validate_timeout(value)
    own = getattr(owner, "timeout", None)
    if own is not None:
        return validate_timeout(own)
    return settings.timeout


def enabled_checks(owner: type | None, method: object) -> dict[str, bool]:
    """The checks on for ``method`` of class ``owner`` (each name maps to True).

    Every class of the hierarchy adds its ``fail_on`` settings (mixins too,
    the most derived last), then the method's own; ``--strict`` turns all on.
    """
    if settings.strict:
        return dict.fromkeys(registry().DEFAULT_CHECKS, True)
    return {name: True for name, on in _declared(owner, method).items() if on}


def turned_on_by_strict(owner: type | None, method: object) -> frozenset[str]:
    """The checks ``@fail_on(name=False)`` turned off that ``--strict`` turns on again."""
    if not settings.strict:
        return frozenset()
    return frozenset(name for name, on in _declared(owner, method).items() if not on)


def _declared(owner: type | None, method: object) -> dict[str, bool]:
    """Every check with its setting from the defaults and the decorators (without ``--strict``)."""
    enabled = dict(registry().DEFAULT_CHECKS)
    if owner is not None:
        for klass in reversed(owner.__mro__):
            own = vars(klass).get(CHECKS_ATTR)
            if own:
                enabled.update(own)
    own = getattr(method, CHECKS_ATTR, None)
    if own:
        enabled.update(own)
    return enabled


# -- the settings of a test method, cached --------------------------------------------
Settings = tuple[float | None, dict[str, bool], frozenset[str]]

# Bumped by every decorator that stores settings: a cached result from an
# older generation is stale.  Each class keeps its own cache in its __dict__
# (a weak mapping would cost a weak reference per look-up).
_generation = 0
_CACHE_ATTR = "__asynctoolkit_settings_cache__"


def settings_changed() -> None:
    global _generation
    _generation += 1


def settings_of(owner: type, name: str) -> Settings:
    """(time limit, enabled checks, checks turned on by --strict) of test ``name`` of ``owner``.

    The same as ``time_limit``, ``enabled_checks`` and ``turned_on_by_strict``,
    cached until a decorator stores new settings, the runner's settings or
    the class's ``timeout`` attribute change (bench/bench_case.py).
    """
    method = getattr(owner, name, None)
    own = getattr(method, "__dict__", None)
    if not own or (CHECKS_ATTR not in own and TIMEOUT_ATTR not in own):
        name = ""  # no settings of its own: those of the class, shared by its tests
    key = (name, _generation, settings.strict, settings.timeout, getattr(owner, "timeout", None))
    per_class: dict[tuple[Any, ...], Settings] | None = owner.__dict__.get(_CACHE_ATTR)
    if per_class is None:
        per_class = {}
        setattr(owner, _CACHE_ATTR, per_class)
    found = per_class.get(key)
    if found is None:
        found = (
            time_limit(owner, method),
            enabled_checks(owner, method),
            turned_on_by_strict(owner, method),
        )
        if len(per_class) > 1000:  # settings changed many times: start afresh
            per_class.clear()
        per_class[key] = found
    return found


def exploration_of(test: object, name: str) -> Any:
    """The ``explore`` settings of test method ``name`` of ``test``: its method's,
    else its class's (or a parent's), else None.

    A plain function on the class is read through its own ``__dict__``, and
    ``TestCase`` declares the class's setting (None), so that neither look-up
    misses: looking an absent attribute up on a bound method or a class
    raises and catches an AttributeError, 6k instructions a test
    (bench/bench_case.py).  Anything else (a method set on the instance, a
    descriptor, a decorator object) is looked up on the instance, as
    unittest finds the method.
    """
    owner = type(test)
    method = getattr(owner, name, None)
    if type(method) is FunctionType and name not in getattr(test, "__dict__", ()):
        found = method.__dict__.get(EXPLORE_MARK)
    else:
        found = getattr(getattr(test, name, None), EXPLORE_MARK, None)
    if found is None:
        found = getattr(owner, EXPLORE_MARK, None)
    return found
