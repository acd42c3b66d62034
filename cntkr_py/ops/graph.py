"""Graph ops: ``alias``, ``stop_gradient`` and ``placeholder``."""
from __future__ import annotations

import numpy as np

from ..variables import Axis, Variable
from .primitive import Op, same_shape

__all__ = ["alias", "stop_gradient", "placeholder", "Placeholder", "combine"]

Alias = Op("NoOp", shape=same_shape, forward=lambda x: x)  # CNTK 2.7's op_name for alias
StopGradient = Op("StopGradient", shape=same_shape, forward=lambda x: x.detach())


def alias(x, name=""):
    """A new node with x's value (and x's gradient flowing through), under its own name."""
    return Alias([x], name)


def stop_gradient(input, name=""):
    """`input`'s value, with no gradient flowing back through it."""
    return StopGradient([input], name)


class Placeholder(Variable):
    """A stand-in for an input, replaced later (``Function.replace_placeholders``). Without a
    shape, the ops built on it wait for the replacement to infer their shapes."""

    is_placeholder = True

    def __init__(self, shape=None, dynamic_axes=None, name=""):
        self._unknown = shape is None
        if dynamic_axes is None:
            dynamic_axes = Axis.default_input_variable_dynamic_axes()
        super().__init__(() if shape is None else shape, None if shape is None else np.float32,
                         name=name, dynamic_axes=dynamic_axes)

    def __repr__(self):
        shape = "???" if self._unknown else list(self.shape)
        return f"Placeholder('{self.name}', {shape})"


def placeholder(shape=None, dynamic_axes=None, name=""):
    """A placeholder (CNTK's ``C.placeholder``): with `shape`, ops on it infer their shapes at
    once; without, when ``replace_placeholders`` gives the real input."""
    return Placeholder(shape, list(dynamic_axes) if dynamic_axes is not None else None, name)


def _combine_shape(*shapes):
    return shapes[0]


# A node whose outputs are its operands (Function.outputs); its own value is the first's.
Combine = Op("Combine", shape=_combine_shape, forward=lambda *ts: ts[0])


def combine(*operands, name=""):
    """One Function with the outputs of several (``combine([a, b])`` or ``combine(a, b)``):
    ``eval`` returns {output: value} for each, ``outputs`` lists them."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise ValueError("combine: give at least one operand")
    from .functions import as_node
    ops = []
    for i, o in enumerate(operands):
        node = as_node(o)
        ops.extend(node.outputs)
    if len({id(o) for o in ops}) != len(ops):
        raise ValueError("combine: an operand is given twice")
    return Combine(ops, name)
