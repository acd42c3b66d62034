"""Default options, as in ``cntk.default_options``: ``with default_options(pad=True): ...``.

Layer arguments whose default is a ``default_override_or(value)`` take the innermost override
given with ``default_options`` (or ``default_options_for`` a given layer), else ``value``.
"""
from __future__ import annotations

import contextlib

__all__ = ["default_options", "default_options_for", "default_override_or", "get_default_override",
           "is_default_override", "get_global_option", "set_global_option"]

_scopes: list = []  # innermost last: (set of layer functions or None, {name: value})
_global_options: dict = {}  # set_global_option / get_global_option, as CNTK 2.7's


class default_override_or:
    """Marks a default that ``default_options`` may override; shows as the value itself."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __repr__(self):
        return getattr(self.value, "__name__", None) or repr(self.value)


@contextlib.contextmanager
def _scope(functions, kwargs):
    _scopes.append((functions, kwargs))
    try:
        yield
    finally:
        _scopes.pop()


def default_options(**kwargs):
    """Override layer defaults (activation, init, pad, bias, init_bias, dtype...) in a ``with``."""
    return _scope(None, kwargs)


def default_options_for(functions, **kwargs):
    """Like ``default_options``, for the given layer function(s) only."""
    if not isinstance(functions, (list, tuple, set)):
        functions = [functions]
    return _scope(set(functions), kwargs)


def is_default_override(value) -> bool:
    """True for a ``default_override_or(...)`` default (one that ``default_options`` may override)."""
    return isinstance(value, default_override_or)


def get_global_option(key, default_value):
    """The value last given to ``set_global_option(key, ...)``, else `default_value` (as CNTK 2.7)."""
    return _global_options.get(key, default_value)


def set_global_option(key, value):
    """Sets a global option (CNTK 2.7 keeps them in one dict, overwriting)."""
    _global_options[key] = value


def get_default_override(function, **kwargs):
    """The value to use for one keyword argument: the user's, an override, or the default.
    `function` None takes the innermost override of any scope (as CNTK 2.7)."""
    if len(kwargs) != 1:
        raise TypeError(f"get_default_override() takes 1 keyword argument but {len(kwargs)} were given")
    (key, value), = kwargs.items()
    if not isinstance(value, default_override_or):
        return value
    for functions, options in reversed(_scopes):
        if (functions is None or function is None or function in functions) and key in options:
            return options[key]
    return value.value


def resolve_defaults(function, **kwargs) -> dict:
    """:func:`get_default_override` for several keyword arguments of layer `function` at once."""
    return {key: get_default_override(function, **{key: value}) for key, value in kwargs.items()}
