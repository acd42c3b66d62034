"""Activations: ``relu``, ``sigmoid``, ``tanh``, ``softmax``, ``elu``, ``leaky_relu``,
``softplus`` and ``identity``."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .._shapes import as_axis, as_number
from .primitive import Op, same_shape

__all__ = ["identity", "relu", "sigmoid", "tanh", "softmax", "elu", "leaky_relu", "softplus"]


def _softmax(x, axis):
    if axis is not None:  # counted from the end (see _shapes.as_axis)
        return torch.softmax(x, dim=axis)
    flat = x.reshape(x.shape[0], -1)  # over all static axes of each sample
    return torch.softmax(flat, dim=-1).reshape(x.shape)


def _softplus(x, steepness):
    return F.softplus(x) if steepness == 1.0 else F.softplus(x * steepness) / steepness


Identity = Op("Identity", shape=same_shape, forward=lambda x: x)
ReLU = Op("ReLU", shape=same_shape, forward=torch.relu)
Sigmoid = Op("StableSigmoid", shape=same_shape, forward=torch.sigmoid)
Tanh = Op("Tanh", shape=same_shape, forward=torch.tanh)
def _softmax_shape(x, axis):
    if axis is not None:
        as_axis(axis, len(x))
    return x


Softmax = Op("Softmax", attributes=("axis",), shape=_softmax_shape, forward=_softmax)
ELU = Op("ELU", attributes=("alpha",), shape=same_shape, forward=lambda x, alpha: F.elu(x, alpha))
LeakyReLU = Op("LeakyReLU", attributes=("alpha",), shape=same_shape,
               forward=lambda x, alpha: F.leaky_relu(x, alpha))
Softplus = Op("Softplus", shape=same_shape, forward=_softplus)  # CNTK shows no attributes


def identity(x, name=""):
    """x, unchanged (the default activation of CNTK's layers, which skip it)."""
    return Identity([x], name)


def relu(x, name=""):
    """max(x, 0), elementwise."""
    return ReLU([x], name)


def sigmoid(x, name=""):
    """1 / (1 + exp(-x)), elementwise."""
    return Sigmoid([x], name)


def tanh(x, name=""):
    """Hyperbolic tangent, elementwise."""
    return Tanh([x], name)


def elu(x, alpha=1.0, name=""):
    """x for x >= 0, alpha * (exp(x) - 1) otherwise."""
    return ELU([x], name, alpha=as_number(alpha, "alpha"))


def leaky_relu(x, alpha=0.01, name=""):
    """x for x >= 0, alpha * x otherwise."""
    return LeakyReLU([x], name, alpha=as_number(alpha, "alpha"))


def softplus(x, steepness=1, name=""):
    """log(1 + exp(steepness * x)) / steepness, elementwise (steepness must not be 0)."""
    return Softplus([x], name, steepness=as_number(steepness, "steepness", nonzero=True))


def softmax(x, axis=None, name=""):
    """Softmax over all static axes of each sample (CNTK's default), or over one static `axis`
    (0-based; negative counts from the end; the batch axis is never counted)."""
    from .functions import as_node
    x = as_node(x)
    return Softmax([x], name, axis=None if axis is None else as_axis(axis, len(x.shape)))
