"""Normalization and dropout: ``batch_normalization``, ``dropout`` (and the op under
``layers.LayerNormalization``).

These ops behave differently in training mode, which the executor switches on for ``grad`` and
``forward(..., keep_for_backward=...)`` (``eval`` runs inference): an Op's ``training`` forward
is what runs then. BatchNormalization's training forward normalises with the batch statistics
and hands the executor its running statistics' new values (``state``: the inputs it updates);
Dropout's drops. As measured with CNTK 2.7:

* inference: ``(x - running_mean) / sqrt(running_var + epsilon) * scale + bias`` (also before any
  training, when the running statistics are still 0);
* training: the batch mean and biased batch variance normalise; the running statistics blend in
  the batch mean and the *unbiased* batch variance with weight ``1 - exp(-B / T)`` (B: samples in
  the minibatch, T: ``normalization_time_constant``), 1 while the running count is 0 or when T is
  0, and 0 when T is infinite; the running count grows by B;
* spatial: one statistic per item of the first static axis (the channel), over the batch and the
  other axes; otherwise one per element of the sample.
"""
from __future__ import annotations

import itertools
import math

import torch
import torch.nn.functional as F

from .._shapes import as_bool, as_number, describe, describe_shape
from .primitive import Op, same_shape

__all__ = ["batch_normalization", "dropout"]


# ---- batch normalization --------------------------------------------------------------------
def _bn_stat_shape(x, spatial):
    """The shape of the scale, bias and running statistics for an input of static shape `x`."""
    if spatial:
        return (x[0],) if len(x) else (1,)
    return (math.prod(x),)


def _bn_shape(scale, bias, mean, var, count, x, spatial, **_):
    if len(x) == 0:
        raise ValueError("BatchNormalization: the operand must have at least one static axis")
    expected = _bn_stat_shape(x, spatial)
    for what, shp in (("scale", scale), ("bias", bias), ("running_mean", mean),
                      ("running_inv_std", var)):
        if tuple(shp) != expected and math.prod(shp) != math.prod(expected):
            raise ValueError(f"BatchNormalization: {what} has shape {describe_shape(shp)}; an "
                             f"operand of shape {describe_shape(x)} needs "
                             f"{describe_shape(expected)} (spatial={describe(spatial)})")
    if math.prod(count) != 1:
        raise ValueError(f"BatchNormalization: running_count must hold one number, got shape "
                         f"{describe_shape(count)}")
    return x


def _bn_view(t, x, spatial):
    """A statistic `t` viewed to broadcast against the batched input `x`."""
    if spatial:
        return t.reshape((1, -1) + (1,) * (x.dim() - 2))
    return t.reshape((1,) + tuple(x.shape[1:]))


def _bn_reduce_dims(x, spatial):
    return (0,) + tuple(range(2, x.dim())) if spatial else (0,)


def _bn_infer(scale, bias, mean, var, count, x, spatial, epsilon, **_):
    inv = torch.rsqrt(_bn_view(var, x, spatial) + epsilon)
    return (x - _bn_view(mean, x, spatial)) * inv * _bn_view(scale, x, spatial) + \
        _bn_view(bias, x, spatial)


def _bn_train(scale, bias, mean, var, count, x, spatial, epsilon, normalization_time_constant,
              **_):
    dims = _bn_reduce_dims(x, spatial)
    batch_mean = x.mean(dim=dims, keepdim=True)
    batch_var = x.var(dim=dims, keepdim=True, unbiased=False)
    y = (x - batch_mean) * torch.rsqrt(batch_var + epsilon) * _bn_view(scale, x, spatial) + \
        _bn_view(bias, x, spatial)
    with torch.no_grad():
        n = x.numel() // batch_mean.numel()
        samples = x.shape[0]
        unbiased = batch_var.detach() * (n / (n - 1)) if n > 1 else torch.zeros_like(batch_var)
        t = normalization_time_constant
        if float(count.reshape(-1)[0]) == 0 or t == 0:
            blend = 1.0
        elif math.isinf(t):
            blend = 0.0
        else:
            blend = 1.0 - math.exp(-samples / t)
        new_mean = mean + blend * (batch_mean.detach().reshape(mean.shape) - mean)
        new_var = var + blend * (unbiased.reshape(var.shape) - var)
        new_count = count + samples
    return y, (new_mean, new_var, new_count)


def _bn_attributes(params, shapes):
    return {"useCuDNNEngine": params["use_cudnn_engine"], "epsilon": params["epsilon"],
            "blendTimeConstant": params["blend_time_constant"],
            "normalizationTimeConstant": params["normalization_time_constant"],
            "disableRegularization": params["disable_regularization"],
            "spatial": params["spatial"]}


# inputs: scale, bias, running mean, running variance, running count, operand (CNTK's order)
BatchNormalizationOp = Op("BatchNormalization", attributes=_bn_attributes, shape=_bn_shape,
                          forward=_bn_infer, training=_bn_train, state=(2, 3, 4),
                          batched=(5,))


def batch_normalization(operand, scale, bias, running_mean, running_inv_std, spatial,
                        normalization_time_constant=5000, blend_time_constant=0, epsilon=1e-05,
                        use_cudnn_engine=False, disable_regularization=False, name="",
                        running_count=None):
    """CNTK's batch normalization of `operand` (see the module docstring). `running_inv_std`
    holds the running *variance* (CNTK 2.7's name for it); `running_count` is a Constant of one
    element (a new one, starting at 0, when None). Only ``blend_time_constant=0`` (training uses
    the batch statistics alone) is supported."""
    from .functions import as_node
    from ..variables import Constant
    spatial = as_bool(spatial, "spatial")
    t = _time_constant(normalization_time_constant)
    blend = _time_constant(blend_time_constant, "blend_time_constant")
    if blend != 0:
        raise NotImplementedError("batch_normalization: only blend_time_constant=0 is supported, "
                                  f"got {describe(blend_time_constant)}")
    eps = as_number(epsilon, "epsilon")
    if eps < 0:
        raise ValueError(f"epsilon must be >= 0, got {describe(epsilon)}")
    operand = as_node(operand)
    if running_count is None:
        running_count = Constant(0.0, shape=(), dtype=operand.dtype)
    return BatchNormalizationOp(
        [scale, bias, running_mean, running_inv_std, running_count, operand], name,
        spatial=spatial, normalization_time_constant=t, blend_time_constant=blend, epsilon=eps,
        use_cudnn_engine=as_bool(use_cudnn_engine, "use_cudnn_engine"),
        disable_regularization=as_bool(disable_regularization, "disable_regularization"))


def _time_constant(value, name="normalization_time_constant"):
    """A time constant: a number >= 0, infinity allowed (CNTK's np.inf: never update)."""
    import numbers
    import numpy as np
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) or \
            np.isnan(value):
        raise TypeError(f"{name} must be a number, got {describe(value)}")
    value = float(value)
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {describe(value)}")
    return value


# ---- layer normalization (the op under layers.LayerNormalization) ---------------------------
def _ln_shape(scale, bias, x, **_):
    if len(x) == 0:
        raise ValueError("LayerNormalization: the operand must have at least one static axis")
    for what, shp in (("scale", scale), ("bias", bias)):
        try:
            torch.broadcast_shapes(tuple(shp), tuple(x))
        except RuntimeError:
            raise ValueError(f"LayerNormalization: {what} of shape {describe_shape(shp)} does not "
                             f"broadcast against the operand's {describe_shape(x)}") from None
    return x


def _ln_forward(scale, bias, x, epsilon):
    dims = tuple(range(1, x.dim()))
    x0 = x - x.mean(dim=dims, keepdim=True)
    std = torch.sqrt((x0 * x0).mean(dim=dims, keepdim=True))
    if epsilon != 0:
        std = std + epsilon
    return x0 / std * scale + bias


LayerNormalizationOp = Op("LayerNormalization", shape=_ln_shape, forward=_ln_forward,
                          batched=(2,), broadcast=False)


# ---- dropout --------------------------------------------------------------------------------
def _dropout_train(x, dropout_rate, seed):
    return F.dropout(x, dropout_rate, training=True) if dropout_rate > 0 else x


def _dropout_attributes(params, shapes):
    return {"rngOffset": 0, "rngSeed": params["seed"], "dropoutRate": params["dropout_rate"]}


DropoutOp = Op("Dropout", attributes=_dropout_attributes, shape=same_shape,
               forward=lambda x, dropout_rate, seed: x, training=_dropout_train)

_DEFAULT_SEED = 18446744073709551613  # CNTK's SentinelValueForAutoSelectRandomSeed
_auto_seeds = itertools.count(1)


def as_seed(seed):
    """A dropout seed: None or CNTK's sentinel picks the next automatic seed (1, 2, ...; CNTK
    also shows an automatically selected small number as ``rngSeed``)."""
    from .._shapes import as_int
    if seed is None or (not isinstance(seed, bool) and seed == _DEFAULT_SEED):
        return next(_auto_seeds)
    return as_int(seed, "seed", minimum=0)


def dropout_rate_of(value, name="dropout_rate"):
    rate = as_number(value, name)
    if not 0 <= rate < 1:
        raise ValueError(f"{name} must be in the interval [0, 1), got {describe(value)}")
    return rate


def dropout(x, dropout_rate=0.0, seed=None, name=""):
    """Training mode: each element is 0 with probability `dropout_rate`, the others are scaled by
    1 / (1 - dropout_rate); inference (``eval``): x unchanged. The mask is torch's draw (seed it
    with ``torch.manual_seed``; CNTK's own mask cannot be reproduced); `seed` is kept as the
    ``rngSeed`` attribute (None, CNTK's default: an automatic seed, 1, 2, ...)."""
    rate = dropout_rate_of(dropout_rate)
    seed = as_seed(seed)
    return DropoutOp([x], name, dropout_rate=rate, seed=seed)
