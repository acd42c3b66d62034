"""Composition, as in ``cntk.layers``: Sequential and For.

``Sequential([A, B, C])(x)`` is ``C(B(A(x)))``; a layer given ``name=`` inside it is reachable
from the result by that name (``z.first_conv.W``), as in CNTK. The result keeps the last layer's
name, or takes the Sequential's own ``name`` (on a new node, so every inner name stays).
"""
from __future__ import annotations

import inspect

from .._shapes import as_int, describe
from ..ops.graph import Alias
from ..variables import Variable
from .base import Layer

__all__ = ["Sequential", "For"]


class _Sequential(Layer):
    def __init__(self, layers, name):
        super().__init__("Sequential", name)
        self.layers = layers

    def apply(self, x):
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if not isinstance(x, Variable):
                raise TypeError(f"Sequential: layers[{i}] returned {type(x).__name__}, not a "
                                "Function (each layer must be built from cntkr operations)")
        return x

    def __call__(self, x):
        if isinstance(x, Layer):  # composition, as for every layer
            return Sequential([x, self])
        if not isinstance(x, Variable):
            raise TypeError(f"Sequential: apply it to an input variable or a Function, got "
                            f"{describe(x)}")
        out = self.apply(x)
        if self.name:
            out = Alias([out], self.name)
        return out


def _flatten(layers, what):
    out = []
    for i, layer in enumerate(layers):
        if isinstance(layer, list):
            out.extend(_flatten(layer, f"{what}[{i}]"))
        elif isinstance(layer, tuple):
            raise NotImplementedError(f"Sequential: {what}[{i}] is a tuple (CNTK's parallel "
                                      "branches); not supported yet")
        elif layer is None:
            continue
        elif callable(layer):
            out.append(layer)
        else:
            raise TypeError(f"Sequential: {what}[{i}] must be a layer or a function, got "
                            f"{describe(layer)}")
    return out


def Sequential(layers, name=""):
    """The layers applied one after the other (a nested list is flattened)."""
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, got {describe(name)}")
    if callable(layers) and not isinstance(layers, list):
        layers = [layers]
    if not isinstance(layers, list):
        raise TypeError(f"Sequential: layers must be a list of layers, got {describe(layers)}")
    return _Sequential(_flatten(layers, "layers"), name)


def For(what_range, constructor, name=""):
    """``Sequential`` of ``constructor(i)`` for each i in `what_range` (or ``constructor()``
    when it takes no argument): ``For(range(3), lambda i: Dense(10))``."""
    if not callable(constructor):
        raise TypeError(f"For: constructor must be a function, got {describe(constructor)}")
    try:
        items = list(what_range)
    except TypeError:
        raise TypeError(f"For: what_range must be a range or a list, got "
                        f"{describe(what_range)}") from None
    try:
        takes_arg = len(inspect.signature(constructor).parameters) > 0
    except (TypeError, ValueError):
        takes_arg = True
    layers = [constructor(as_int(i, "what_range")) if takes_arg else constructor()
              for i in items]
    return Sequential(layers, name)
