"""Pooling layers, as in ``cntk.layers``: MaxPooling, AveragePooling, GlobalMaxPooling and
GlobalAveragePooling, each one ``Pooling`` node (``cntkr_py/ops/pooling.py``) with CNTK 2.7's
geometry (``cntkr_py/kernels/window.py``, shared with convolution)."""
from __future__ import annotations

from .._shapes import as_int_tuple, per_axis
from ..default_options import default_override_or, resolve_defaults
from ..ops.pooling import AVG_POOLING, MAX_POOLING, PoolingOp, UnpoolingOp
from .base import Layer

__all__ = ["MaxPooling", "AveragePooling", "GlobalMaxPooling", "GlobalAveragePooling",
           "MaxUnpooling"]


class _Pooling(Layer):
    def __init__(self, op_name, kind, window, strides, pad, name):
        super().__init__(op_name, name)
        self._params = dict(pooling_type=kind, window=window, strides=strides, pad=pad,
                            ceil_out_dim=False, include_pad=False, op_name=op_name)

    def apply(self, x):
        return PoolingOp([x], self.name, **self._params)


def _pooling_layer(op_name, kind, filter_shape, strides, pad, name):
    window = as_int_tuple(filter_shape, "filter_shape", minimum=1)
    rank = len(window)
    if not 1 <= rank <= 3:
        raise ValueError(f"{op_name}: filter_shape must have 1, 2 or 3 axes, got {rank}")
    return _Pooling(op_name, kind, window, per_axis(strides, rank, "strides"),
                    per_axis(pad, rank, "pad", kind="bool"), name)


def MaxPooling(filter_shape, strides=1, pad=default_override_or(False), name=""):
    """Max pooling over windows of `filter_shape` sliding over the last ``len(filter_shape)``
    axes of each sample (earlier axes are kept). ``pad=False``: ``floor((n - k) / s) + 1``
    outputs per axis; ``pad=True``: ``ceil(n / s)``, padding never picked. At ties the gradient
    goes to the first maximal element of each window, as in CNTK 2.7."""
    pad = resolve_defaults(MaxPooling, pad=pad)["pad"]
    return _pooling_layer("MaxPooling", MAX_POOLING, filter_shape, strides, pad, name)


def AveragePooling(filter_shape, strides=1, pad=default_override_or(False), name=""):
    """Average pooling, as MaxPooling; with ``pad=True`` the padding is left out of each average
    (CNTK 2.7)."""
    pad = resolve_defaults(AveragePooling, pad=pad)["pad"]
    return _pooling_layer("AveragePooling", AVG_POOLING, filter_shape, strides, pad, name)


def GlobalMaxPooling(name=""):
    """The maximum over every axis but the first: ``(C, *spatial)`` gives ``(C, 1, ..., 1)``."""
    return _Pooling("GlobalMaxPooling", MAX_POOLING, (), (), (), name)


def GlobalAveragePooling(name=""):
    """The mean over every axis but the first: ``(C, *spatial)`` gives ``(C, 1, ..., 1)``."""
    return _Pooling("GlobalAveragePooling", AVG_POOLING, (), (), (), name)


class _MaxUnpooling(Layer):
    """Applied to two inputs, as CNTK's: ``layer(x, pooling_input)``."""

    def __init__(self, window, strides, pad, name):
        super().__init__("MaxUnpooling", name)
        self._params = dict(window=window, strides=strides, pad=pad, op_name="MaxUnpooling")

    def __call__(self, x, pooling_input):
        from .._shapes import describe
        from ..variables import Variable
        for arg, v in (("x", x), ("pooling_input", pooling_input)):
            if not isinstance(v, Variable):
                raise TypeError(f"MaxUnpooling: apply the layer to input variables or Functions, "
                                f"got {describe(v)} as {arg}")
        out = UnpoolingOp([x, pooling_input], self.name, **self._params)
        out.name = self.name
        return out


def MaxUnpooling(filter_shape, strides=1, pad=False, name=""):
    """Max unpooling, the inverse of MaxPooling with the same arguments: ``layer(x, y)`` puts
    each value of `x` (shaped as MaxPooling(y)) where its window's maximum was in `y` (the
    first one at ties; where windows overlap, the last window's value), zeros elsewhere."""
    window = as_int_tuple(filter_shape, "filter_shape", minimum=1)
    rank = len(window)
    if not 1 <= rank <= 3:
        raise ValueError(f"MaxUnpooling: filter_shape must have 1, 2 or 3 axes, got {rank}")
    return _MaxUnpooling(window, per_axis(strides, rank, "strides"),
                         per_axis(pad, rank, "pad", kind="bool"), name)
