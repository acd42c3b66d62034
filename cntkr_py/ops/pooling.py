"""Pooling: ``pooling`` with ``MAX_POOLING`` / ``AVG_POOLING`` (CNTK's PoolingType values 0 and
1), the node of the MaxPooling, AveragePooling and global pooling layers.

The window slides over the last ``len(pooling_window_shape)`` axes of each sample; axes before
them are pooled one by one (window 1, stride 1), as in CNTK. Output sizes and padding are
CNTK's (``cntkr_py.kernels.window``, shared with convolution); max pooling never picks padding,
average pooling leaves it out of the average unless ``include_pad``. At ties, the gradient of
max pooling goes to the first maximal element of each window (CNTK's CPU engine, measured).
"""
from __future__ import annotations

import math

from .._shapes import as_bool, as_int, as_int_tuple, describe, describe_shape, per_axis
from ..kernels.window import Window
from .primitive import Inferred, Op

__all__ = ["MAX_POOLING", "AVG_POOLING", "MAX_UNPOOLING", "PoolingOp", "UnpoolingOp", "pooling",
           "unpooling"]

#: CNTK's PoolingType values
MAX_POOLING = 0
AVG_POOLING = 1
#: CNTK's unpooling type (its only one)
MAX_UNPOOLING = 0

_OP_NAMES = {MAX_POOLING: "MaxPooling", AVG_POOLING: "AveragePooling"}


def _pool_shape(x, *, pooling_type, window, strides, pad, ceil_out_dim, include_pad, op_name):
    rank = len(window)
    if window == ():  # global: every axis but the first
        if len(x) < 2:
            raise ValueError(f"{op_name}: global pooling pools every axis but the first, the "
                             f"input of shape {describe_shape(x)} has only {len(x)}")
        rank = len(x) - 1
        window, strides, pad = tuple(x[1:]), (1,) * rank, (False,) * rank
    if rank > len(x):
        raise ValueError(f"{op_name}: a {rank}-D pooling window {describe_shape(window)} does not "
                         f"fit an input of shape {describe_shape(x)} (rank {len(x)})")
    if rank > 3:
        raise ValueError(f"{op_name}: pooling windows of more than 3 axes are not supported, got "
                         f"{describe_shape(window)}")
    lead = tuple(x[:len(x) - rank])
    geo = Window(x[len(x) - rank:], window, strides, (1,) * rank, pad, ceil_out_dim, op=op_name)
    return Inferred(lead + geo.out, geometry=geo, lead=lead)


def _pool(x, *, pooling_type, include_pad, geometry, lead, **_):
    batch = x.shape[0]
    spatial = x.shape[x.dim() - geometry.rank:]
    t = x.reshape(batch, math.prod(lead), *spatial)
    if pooling_type == MAX_POOLING:
        y = geometry.max_pool(t)
    else:
        y = geometry.avg_pool(t, include_pad)
    return y.reshape(batch, *lead, *geometry.out)


def _pool_attributes(p, shapes):
    window = p["window"] or tuple(shapes[0][1:])
    global_ = not p["window"]
    rank = len(window)
    return {
        "poolingType": p["pooling_type"], "poolingWindowShape": window,
        "strides": (1,) if global_ else p["strides"],
        "autoPadding": [False] if global_ else list(p["pad"]),
        "lowerPad": (0,), "upperPad": (0,), "ceilOutDim": p["ceil_out_dim"],
        "includePad": p["include_pad"],
    } if rank else {}


PoolingOp = Op("Pooling", shape=_pool_shape, forward=_pool, attributes=_pool_attributes)


def as_pooling_type(value, name="pooling_type"):
    """MAX_POOLING (0) or AVG_POOLING (1)."""
    t = as_int(value, name)
    if t not in (MAX_POOLING, AVG_POOLING):
        raise ValueError(f"{name} must be MAX_POOLING (0) or AVG_POOLING (1), got {describe(value)}")
    return t


def pooling(operand, pooling_type, pooling_window_shape, strides=(1,), auto_padding=[False],
            ceil_out_dim=False, include_pad=False, name=""):
    """CNTK's ``pooling``: max or average over windows of `pooling_window_shape` sliding over the
    last axes of each sample, with `strides` and `auto_padding` per window axis (one value is
    repeated over all)."""
    kind = as_pooling_type(pooling_type)
    window = as_int_tuple(pooling_window_shape, "pooling_window_shape", minimum=1)
    rank = len(window)
    return PoolingOp([operand], name, pooling_type=kind, window=window,
                     strides=per_axis(strides, rank, "strides"),
                     pad=per_axis(auto_padding, rank, "auto_padding", kind="bool"),
                     ceil_out_dim=as_bool(ceil_out_dim, "ceil_out_dim"),
                     include_pad=as_bool(include_pad, "include_pad"), op_name="Pooling")


# ---- unpooling: each value of the operand goes where its window's maximum was ----------------
def _unpool_shape(y, x, *, window, strides, pad, op_name):
    rank = len(window)
    if rank > len(x) or rank > 3:
        raise ValueError(f"{op_name}: a {rank}-D window {describe_shape(window)} does not fit a "
                         f"pooling_input of shape {describe_shape(x)} (1 to 3 window axes, at most "
                         "the input's rank)")
    lead = tuple(x[:len(x) - rank])
    geo = Window(x[len(x) - rank:], window, strides, (1,) * rank, pad, op=op_name)
    if tuple(y) != lead + geo.out:
        raise ValueError(
            f"{op_name}: the operand of shape {describe_shape(y)} is not the shape "
            f"{describe_shape(lead + geo.out)} that pooling the pooling_input of shape "
            f"{describe_shape(x)} with these options gives")
    return Inferred(x, geometry=geo, lead=lead)


_MAX_IDX = {1: "max_pool1d", 2: "max_pool2d", 3: "max_pool3d"}


def _unpool(y, x, *, geometry, lead, **_):
    import torch
    import torch.nn.functional as F
    batch = x.shape[0]
    spatial = tuple(x.shape[x.dim() - geometry.rank:])
    t = x.detach().reshape(batch, math.prod(lead), *spatial)
    padded = F.pad(t, geometry.fpad, value=-math.inf)
    _, idx = getattr(F, _MAX_IDX[geometry.rank])(padded, geometry.kernel, geometry.strides,
                                                 return_indices=True)
    # scatter in window order: where windows overlap, the last one's value stays (CNTK 2.7)
    flat = torch.zeros(padded.shape[:2] + (math.prod(padded.shape[2:]),), dtype=y.dtype,
                       device=y.device)
    flat = flat.scatter(2, idx.reshape(batch, idx.shape[1], -1),
                        y.reshape(batch, idx.shape[1], -1))
    out = F.pad(flat.reshape(padded.shape), [-v for v in geometry.fpad])
    return out.reshape(x.shape)


def _unpool_attributes(p, shapes):
    return {"poolingType": MAX_UNPOOLING, "unpoolingWindowShape": p["window"],
            "strides": p["strides"], "autoPadding": list(p["pad"]), "lowerPad": (0,),
            "upperPad": (0,)}


UnpoolingOp = Op("Unpooling", shape=_unpool_shape, forward=_unpool, attributes=_unpool_attributes)


def unpooling(operand, pooling_input, unpooling_type, unpooling_window_shape, strides=(1,),
              auto_padding=[False], name=""):
    """CNTK's ``unpooling`` (max unpooling, its only type): an output of `pooling_input`'s shape,
    zero except where each window of the max pooling of `pooling_input` (same window, strides
    and padding) had its maximum -- the first one at ties --, which gets the operand's value
    for that window (where windows overlap, the last window's). No gradient flows to
    `pooling_input`."""
    kind = as_int(unpooling_type, "unpooling_type")
    if kind != MAX_UNPOOLING:
        raise ValueError(f"unpooling_type must be MAX_UNPOOLING (0), the only type CNTK 2.7 has, "
                         f"got {describe(unpooling_type)}")
    window = as_int_tuple(unpooling_window_shape, "unpooling_window_shape", minimum=1)
    rank = len(window)
    return UnpoolingOp([operand, pooling_input], name, window=window,
                       strides=per_axis(strides, rank, "strides"),
                       pad=per_axis(auto_padding, rank, "auto_padding", kind="bool"),
                       op_name="Unpooling")
