"""Operators, as in ``cntk.ops``: activations and elementwise arithmetic that build graph nodes.

Each takes Variables, Functions, arrays or numbers and returns a Function. Broadcasting of
static shapes follows NumPy (CNTK's row-major API broadcasts the same way); a batch axis, when an
operand has one, stays in front.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from ._shapes import as_int
from .functions import Function, as_node

__all__ = ["identity", "relu", "sigmoid", "tanh", "softmax", "elu", "leaky_relu", "softplus",
           "plus", "minus", "element_times", "negate"]


def _unary(op_name, x, fn, name=""):
    x = as_node(x)
    return Function(op_name, [x], fn, x.shape, x.dtype, name)


def identity(x, name=""):
    """x, unchanged (the default activation of CNTK's layers, which skip it)."""
    return _unary("Identity", x, lambda t: t, name)


def relu(x, name=""):
    """max(x, 0), elementwise."""
    return _unary("ReLU", x, torch.relu, name)


def sigmoid(x, name=""):
    """1 / (1 + exp(-x)), elementwise."""
    return _unary("Sigmoid", x, torch.sigmoid, name)


def tanh(x, name=""):
    """Hyperbolic tangent, elementwise."""
    return _unary("Tanh", x, torch.tanh, name)


def elu(x, alpha=1.0, name=""):
    """x for x >= 0, alpha * (exp(x) - 1) otherwise."""
    alpha = float(alpha)
    return _unary("ELU", x, lambda t: F.elu(t, alpha), name)


def leaky_relu(x, alpha=0.01, name=""):
    """x for x >= 0, alpha * x otherwise."""
    alpha = float(alpha)
    return _unary("LeakyReLU", x, lambda t: F.leaky_relu(t, alpha), name)


def softplus(x, steepness=1, name=""):
    """log(1 + exp(steepness * x)) / steepness, elementwise."""
    steepness = float(steepness)
    if steepness == 1.0:
        return _unary("Softplus", x, F.softplus, name)
    return _unary("Softplus", x, lambda t: F.softplus(t * steepness) / steepness, name)


def softmax(x, axis=None, name=""):
    """Softmax over all static axes of each sample (CNTK's default), or over one `axis` (0-based,
    negative counts from the end, the batch axis not counted)."""
    x = as_node(x)
    rank = len(x.shape)
    if axis is None:
        def fn(t):
            lead = t.dim() - rank
            flat = t.reshape(*t.shape[:lead], -1)
            return torch.softmax(flat, dim=-1).reshape(t.shape)
    else:
        ax = as_int(axis, "axis")
        if not -rank <= ax < rank:
            raise ValueError(f"axis must be in [{-rank}, {rank - 1}] for an operand of shape "
                             f"{x.shape}, got {ax}")
        dim = ax - rank  # count from the end so the batch axis does not matter

        def fn(t):
            return torch.softmax(t, dim=dim)
    return Function("Softmax", [x], fn, x.shape, x.dtype, name)


def _binary(op_name, a, b, fn, name):
    a, b = as_node(a), as_node(b)
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(f"{op_name}: operand shapes {a.shape} and {b.shape} do not broadcast") \
            from None
    ra, rb, r = len(a.shape), len(b.shape), len(shape)

    def aligned(t, rank, batched):
        # Put a batched operand's batch axis in front of the broadcast static shape.
        if batched and rank < r:
            return t.reshape(t.shape[0], *([1] * (r - rank)), *t.shape[1:])
        return t

    ba, bb = a.has_batch_axis, b.has_batch_axis
    if (ba and rb > ra) or (bb and ra > rb):
        return Function(op_name, [a, b],
                        lambda x, y: fn(aligned(x, ra, ba), aligned(y, rb, bb)),
                        tuple(shape), a.dtype or b.dtype, name)
    return Function(op_name, [a, b], fn, tuple(shape), a.dtype or b.dtype, name)


def plus(left, right, name=""):
    """left + right, elementwise with broadcasting."""
    return _binary("Plus", left, right, torch.add, name)


def minus(left, right, name=""):
    """left - right, elementwise with broadcasting."""
    return _binary("Minus", left, right, torch.sub, name)


def element_times(left, right, name=""):
    """left * right, elementwise with broadcasting."""
    return _binary("ElementTimes", left, right, torch.mul, name)


def negate(x, name=""):
    """-x."""
    return _unary("Negate", x, torch.neg, name)
