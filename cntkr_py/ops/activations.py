"""Activations: ``relu``, ``sigmoid``, ``tanh``, ``softmax``, ``log_softmax``, ``hardmax``,
``elu``, ``selu``, ``leaky_relu``, ``param_relu``, ``softplus`` and ``identity``.

At 0, CNTK 2.7 takes the linear branch of ``elu``, ``selu``, ``leaky_relu`` and ``param_relu``
(gradient 1, or ``scale`` for selu) and gives ``relu`` gradient 0 (measured); ``hardmax`` marks
the first maximum over all static axes (gradient 0); ``log_softmax``'s default axis is the last
static axis (``softmax``'s is all of them).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .._shapes import as_axis, as_int, as_number
from .elementwise import broadcast_shape, operands
from .primitive import Op, same_shape

__all__ = ["identity", "relu", "sigmoid", "tanh", "softmax", "log_softmax", "hardmax", "elu", "selu",
           "leaky_relu", "param_relu", "softplus"]


def _softmax(x, axis):
    if axis is not None:  # counted from the end (see _shapes.as_axis)
        return torch.softmax(x, dim=axis)
    flat = x.reshape(x.shape[0], -1)  # over all static axes of each sample
    return torch.softmax(flat, dim=-1).reshape(x.shape)


def _softplus(x, steepness):
    return F.softplus(x) if steepness == 1.0 else F.softplus(x * steepness) / steepness


def _elu(x, alpha):  # the linear branch at 0 (CNTK's; torch's elu takes the other one)
    return torch.where(x >= 0, x, alpha * torch.expm1(torch.clamp(x, max=0)))


def _leaky(x, alpha):
    return torch.where(x >= 0, x, alpha * x)


def _hardmax(x):
    flat = x.reshape(x.shape[0], -1)  # over all static axes of each sample; the first maximum
    out = torch.zeros_like(flat).scatter_(1, flat.argmax(dim=1, keepdim=True), 1.0)
    return (out + 0 * flat).reshape(x.shape)  # gradient 0


def _log_softmax(x, axis):
    return torch.log_softmax(x, dim=axis)


def _axis_attributes(params, input_shapes):
    """CNTK's ``axis`` attribute: ("ordered", "static", -axis - 1) of the axis as given (CNTK's
    reversed static axis index); absent for softmax's default."""
    given = params.get("given_axis")
    return {} if given is None else {"axis": ("ordered", "static", -given - 1)}


Identity = Op("Identity", shape=same_shape, forward=lambda x: x)
ReLU = Op("ReLU", shape=same_shape, forward=torch.relu)
Sigmoid = Op("StableSigmoid", shape=same_shape, forward=torch.sigmoid)
Tanh = Op("Tanh", shape=same_shape, forward=torch.tanh)
def _softmax_shape(x, axis, given_axis=None):
    if axis is not None:
        as_axis(axis, len(x))
    return x


Softmax = Op("Softmax", attributes=_axis_attributes, shape=_softmax_shape,
             forward=lambda x, axis, given_axis=None: _softmax(x, axis))
LogSoftmax = Op("LogSoftmax", attributes=_axis_attributes, shape=_softmax_shape,
                forward=lambda x, axis, given_axis: _log_softmax(x, axis))
Hardmax = Op("Hardmax", shape=same_shape, forward=_hardmax)
ELU = Op("ELU", attributes=("alpha",), shape=same_shape, forward=_elu)
SELU = Op("SELU", attributes=lambda p, shapes: {"alpha": p["alpha"], "gamma": p["scale"]},
          shape=same_shape, forward=lambda x, scale, alpha: scale * _elu(x, alpha))
LeakyReLU = Op("LeakyReLU", attributes=("alpha",), shape=same_shape, forward=_leaky)
PReLU = Op("PReLU", shape=lambda alpha, x: broadcast_shape(alpha, x, op_name="PReLU"),
           forward=lambda alpha, x: torch.where(x >= 0, x, alpha * x), broadcast=True)
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
    if axis is None:
        return Softmax([x], name, axis=None)
    return Softmax([x], name, axis=as_axis(axis, len(x.shape)), given_axis=as_int(axis, "axis"))


def log_softmax(x, axis=None, name=""):
    """log(softmax(x)) over one static `axis` (0-based; negative counts from the end); the last
    static axis by default (CNTK's)."""
    from .functions import as_node
    x = as_node(x)
    given = -1 if axis is None else axis
    return LogSoftmax([x], name, axis=as_axis(given, len(x.shape)), given_axis=as_int(given, "axis"))


def hardmax(x, name=""):
    """1 at the (first) largest element of each sample over all its static axes, 0 elsewhere."""
    return Hardmax([x], name)


def selu(x, scale=1.0507009873554805, alpha=1.6732632423543772, name=""):
    """scale * x for x >= 0, scale * alpha * (exp(x) - 1) otherwise."""
    return SELU([x], name, scale=as_number(scale, "scale"), alpha=as_number(alpha, "alpha"))


def param_relu(alpha, x, name=""):
    """x for x >= 0, alpha * x otherwise; alpha (often a Parameter) broadcasts with x."""
    return PReLU(operands(alpha, x), name)
