"""Elementwise arithmetic: ``plus``, ``minus``, ``element_times``, ``negate``.

Binary ops broadcast static shapes as NumPy does (CNTK's row-major API broadcasts the same way);
the batch axis stays in front (the core's ``broadcast=True`` rule, see ``primitive.py``).
"""
from __future__ import annotations

import numpy as np
import torch

from .._shapes import describe_shape
from .primitive import Op, same_shape

__all__ = ["plus", "minus", "element_times", "negate"]


def broadcast_shape(a, b, op_name=None):
    """The NumPy broadcast of two static shapes."""
    try:
        return tuple(np.broadcast_shapes(a, b))
    except ValueError:
        raise ValueError(f"{op_name}: operand shapes {describe_shape(a)} and "
                         f"{describe_shape(b)} do not broadcast") from None


def _binary(name, fn):
    return Op(name, shape=lambda a, b: broadcast_shape(a, b, name), forward=fn, broadcast=True)


Plus = _binary("Plus", torch.add)
Minus = _binary("Minus", torch.sub)
ElementTimes = _binary("ElementTimes", torch.mul)
Negate = Op("Negate", shape=same_shape, forward=torch.neg)


def plus(left, right, name=""):
    """left + right, elementwise with broadcasting."""
    return Plus([left, right], name)


def minus(left, right, name=""):
    """left - right, elementwise with broadcasting."""
    return Minus([left, right], name)


def element_times(left, right, name=""):
    """left * right, elementwise with broadcasting."""
    return ElementTimes([left, right], name)


def negate(x, name=""):
    """-x."""
    return Negate([x], name)
