"""Normalization layers, as in ``cntk.layers``: BatchNormalization and LayerNormalization.

BatchNormalization's running mean, variance and count are Constants on the layer
(``aggregate_mean``, ``aggregate_variance``, ``aggregate_count``); ``eval`` normalises with them,
training mode (``grad``, ``forward`` with ``keep_for_backward``) with the batch statistics, and
updates them (see :mod:`cntkr_py.ops.normalization`).
"""
from __future__ import annotations

import math

from .._shapes import as_bool, as_number, describe
from ..default_options import default_override_or, resolve_defaults
from ..ops.normalization import BatchNormalizationOp, LayerNormalizationOp, _time_constant
from ..variables import Constant, as_dtype
from .base import INFERRED, Layer

__all__ = ["BatchNormalization", "LayerNormalization"]


class _BatchNormalization(Layer):
    def __init__(self, spatial, init_scale, time_constant, blend, epsilon, engine, no_reg, name):
        super().__init__("BatchNormalization", name)
        self._spatial = spatial
        self._params = dict(spatial=spatial, normalization_time_constant=time_constant,
                            blend_time_constant=blend, epsilon=epsilon, use_cudnn_engine=engine,
                            disable_regularization=no_reg)
        self.add_parameter("scale", (INFERRED,), init_scale)
        self.add_parameter("bias", (INFERRED,), 0)
        self.add_member("aggregate_mean", None)
        self.add_member("aggregate_variance", None)
        self.add_member("aggregate_count", None)

    def apply(self, x):
        if len(x.shape) == 0:
            raise ValueError("BatchNormalization: the input must have at least one static axis")
        n = x.shape[0] if self._spatial else math.prod(x.shape)
        dtype = as_dtype(x.dtype)
        self.infer(self.scale, (n,), dtype)
        self.infer(self.bias, (n,), dtype)
        m = self._members
        if m["aggregate_mean"] is None:
            m["aggregate_mean"] = Constant(0.0, shape=(n,), dtype=dtype, name="aggregate_mean")
            m["aggregate_variance"] = Constant(0.0, shape=(n,), dtype=dtype,
                                               name="aggregate_variance")
            m["aggregate_count"] = Constant(0.0, shape=(), dtype=dtype, name="aggregate_count")
        inputs = [self.scale, self.bias, m["aggregate_mean"], m["aggregate_variance"],
                  m["aggregate_count"], x]
        return BatchNormalizationOp(inputs, self.name, **self._params)


def BatchNormalization(map_rank=default_override_or(None), init_scale=1,
                       normalization_time_constant=default_override_or(5000),
                       blend_time_constant=0, epsilon=default_override_or(0.00001),
                       use_cntk_engine=default_override_or(False),
                       disable_regularization=default_override_or(False), name=""):
    """Batch normalization, as CNTK 2.7's layer: ``map_rank=None`` keeps one statistic (and one
    scale and bias) per element of the sample, ``map_rank=1`` one per item of the first axis
    (channels of an image). ``eval`` uses the running statistics; ``grad`` and
    ``forward(..., keep_for_backward=...)`` the batch statistics, updating the running ones
    with weight ``1 - exp(-B / normalization_time_constant)`` (B: samples in the minibatch).
    ``use_cntk_engine`` picks CNTK's engine there (one torch computation here) and
    ``disable_regularization`` is kept as the attribute; only ``blend_time_constant=0`` is
    supported."""
    opts = resolve_defaults(BatchNormalization, map_rank=map_rank,
                            normalization_time_constant=normalization_time_constant,
                            epsilon=epsilon, use_cntk_engine=use_cntk_engine,
                            disable_regularization=disable_regularization)
    mr = opts["map_rank"]
    if mr is not None:
        from .._shapes import as_int
        if isinstance(mr, bool) or as_int(mr, "map_rank") != 1:
            raise ValueError(f"map_rank must be None or 1, got {describe(mr)}")
    t = _time_constant(opts["normalization_time_constant"])
    blend = _time_constant(blend_time_constant, "blend_time_constant")
    if blend != 0:
        raise NotImplementedError("BatchNormalization: only blend_time_constant=0 is supported, "
                                  f"got {describe(blend_time_constant)}")
    eps = as_number(opts["epsilon"], "epsilon")
    if eps < 0:
        raise ValueError(f"epsilon must be >= 0, got {describe(opts['epsilon'])}")
    init_scale = as_number(init_scale, "init_scale")
    return _BatchNormalization(mr == 1, init_scale, t, blend, eps,
                               as_bool(opts["use_cntk_engine"], "use_cntk_engine"),
                               as_bool(opts["disable_regularization"], "disable_regularization"),
                               name)


class _LayerNormalization(Layer):
    def __init__(self, initial_scale, initial_bias, epsilon, name):
        super().__init__("LayerNormalization", name)
        self._epsilon = epsilon
        self.add_parameter("scale", (INFERRED,), initial_scale)
        self.add_parameter("bias", (INFERRED,), initial_bias)

    def apply(self, x):
        if len(x.shape) == 0:
            raise ValueError("LayerNormalization: the input must have at least one static axis")
        dtype = as_dtype(x.dtype)
        # CNTK infers scale and bias over the last axis (broadcast over the others)
        self.infer(self.scale, (x.shape[-1],), dtype)
        self.infer(self.bias, (x.shape[-1],), dtype)
        return LayerNormalizationOp([self.scale, self.bias, x], self.name, epsilon=self._epsilon)


def LayerNormalization(initial_scale=1, initial_bias=0, epsilon=default_override_or(0.00001),
                       name=""):
    """Layer normalization, as CNTK 2.7's: ``(x - mean) / (std + epsilon) * scale + bias`` with
    the mean and (biased) standard deviation over all static axes of each sample, and scale and
    bias over the last axis."""
    opts = resolve_defaults(LayerNormalization, epsilon=epsilon)
    eps = as_number(opts["epsilon"], "epsilon")
    if eps < 0:
        raise ValueError(f"epsilon must be >= 0, got {describe(opts['epsilon'])}")
    return _LayerNormalization(as_number(initial_scale, "initial_scale"),
                               as_number(initial_bias, "initial_bias"), eps, name)
