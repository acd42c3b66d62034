"""Graph ops: ``alias`` and ``stop_gradient``."""
from __future__ import annotations

from .primitive import Op, same_shape

__all__ = ["alias", "stop_gradient"]

Alias = Op("NoOp", shape=same_shape, forward=lambda x: x)  # CNTK 2.7's op_name for alias
StopGradient = Op("StopGradient", shape=same_shape, forward=lambda x: x.detach())


def alias(x, name=""):
    """A new node with x's value (and x's gradient flowing through), under its own name."""
    return Alias([x], name)


def stop_gradient(input, name=""):
    """`input`'s value, with no gradient flowing back through it."""
    return StopGradient([input], name)
