"""Reductions over static axes: ``reduce_sum``, ``reduce_mean``, ``reduce_max``, ``reduce_min``,
``reduce_prod``, ``reduce_log_sum_exp``, ``argmax``, ``argmin`` (CNTK's ReduceElements).

``axis`` is a static axis (0-based, negative from the end), a list of them, an ``Axis`` (a
static one, or ``Axis.all_static_axes()``), or None: every static axis, which gives a scalar
shape ``()`` whatever ``keepdims`` says (as CNTK 2.7). ``keepdims=True`` (the default) keeps the
reduced axes with dimension 1. Gradients are CNTK's: reduce_max/reduce_min send the gradient to
every element equal to the extreme (ties all get it), reduce_prod's is ``y / x`` (0 where x is 0),
argmax/argmin pick the first extreme and pass no gradient.
"""
from __future__ import annotations

import torch

from .._shapes import as_axis, as_bool, describe
from .primitive import Op

__all__ = ["reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod",
           "reduce_log_sum_exp", "argmax", "argmin"]


def _axes(axis, rank, single=False):
    """User axes as sorted axes counted from the end, or None for all static axes."""
    from ..variables import Axis
    if axis is None:
        return None
    if isinstance(axis, Axis):
        if axis.is_all_static:
            return None
        if axis.static_index is None:
            raise ValueError(f"axis must be a static axis, Axis.all_static_axes() or None, got "
                             f"{axis!r} (reductions over the batch axis are not supported)")
        axis = axis.static_index
    if isinstance(axis, (list, tuple)):
        if single:
            raise TypeError(f"axis must be a single axis or None, got {describe(axis)}")
        axes = [_axes(a, rank, single=True) for a in axis]
        if any(a is None for a in axes):
            return None
        if len(set(axes)) != len(axes):
            raise ValueError(f"axis lists an axis twice: {describe(axis)}")
        return tuple(sorted(axes))
    return as_axis(axis, rank)


def _cntk_axis(ax):
    return ("ordered", "static", -ax - 1)


class _Extreme(torch.autograd.Function):
    """max/min over `dims` with CNTK's gradient: every element equal to the extreme gets it."""

    @staticmethod
    def forward(ctx, x, dims, keepdim, is_max):
        y = torch.amax(x, dims, keepdim=True) if is_max else torch.amin(x, dims, keepdim=True)
        ctx.save_for_backward(x, y)
        return y if keepdim else y.squeeze(dims)

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        g = g.reshape(y.shape)
        return g * (x == y).to(g.dtype), None, None, None


class _Prod(torch.autograd.Function):
    """prod over `dims` with CNTK's gradient y / x (0 where x is 0)."""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        y = x
        for d in sorted(dims):
            y = torch.prod(y, d, keepdim=True)
        ctx.save_for_backward(x, y)
        return y if keepdim else y.squeeze(dims)

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        g = g.reshape(y.shape)
        ratio = torch.where(x == 0, torch.zeros_like(x), y / x)
        return g * ratio, None, None


def _reduce(x, *, op, axes, keepdims, **_):
    if axes is None:
        x = x.reshape(x.shape[0], -1)
        dims, keepdim = (1,), False
    else:
        dims = tuple(axes) if isinstance(axes, tuple) else (axes,)
        keepdim = keepdims
    if op == "Sum":
        return torch.sum(x, dims, keepdim=keepdim)
    if op == "Mean":
        return torch.mean(x, dims, keepdim=keepdim)
    if op in ("Max", "Min"):
        return _Extreme.apply(x, dims, keepdim, op == "Max")
    if op == "Prod":
        return _Prod.apply(x, dims, keepdim)
    if op == "LogSum":
        return torch.logsumexp(x, dims, keepdim=keepdim)
    # Argmax / Argmin over one axis (or the flattened sample): first index of the extreme
    fn = torch.argmax if op == "Argmax" else torch.argmin
    return fn(x.detach(), dims[0], keepdim=keepdim).to(x.dtype)


def _reduce_shape(x, *, op, axes, keepdims, **_):
    if axes is None:
        return ()
    dims = set(axes) if isinstance(axes, tuple) else {axes}
    rank = len(x)
    for d in dims:
        if d < -rank:
            raise ValueError(f"{_NAMES[op]}: axis {d + rank if d < 0 else d} is out of range for "
                             f"an operand with {rank} static axes")
    out = []
    for i, n in enumerate(x):
        if i - rank in dims:
            if keepdims:
                out.append(1)
        else:
            out.append(n)
    return tuple(out)


def _attributes(p, shapes):
    if p["axes"] is None:
        return {"reductionOpName": p["op"], "reductionKeepDimensions": p["keepdims"]}
    if p["op"] in ("Argmax", "Argmin"):
        return {"reductionKeepDimensions": True, "reductionOpName": p["op"],
                "axis": _cntk_axis(p["axes"])}
    # CNTK shows the axes as given, each a as static axis -a - 1
    return {"reductionOpName": p["op"], "reductionKeepDimensions": p["keepdims"],
            "axisVec": [("ordered", "static", -a - 1) for a in p["given"]]}


ReduceElements = Op("ReduceElements", shape=_reduce_shape, forward=_reduce,
                    attributes=_attributes)

_NAMES = {"Sum": "reduce_sum", "Mean": "reduce_mean", "Max": "reduce_max", "Min": "reduce_min",
          "Prod": "reduce_prod", "LogSum": "reduce_log_sum_exp", "Argmax": "argmax",
          "Argmin": "argmin"}


def _make(op, x, axis, keepdims, name, single=False):
    from .functions import as_node
    x = as_node(x)
    axes = _axes(axis, len(x.shape), single=single)
    given = None
    if axes is not None:
        from ..variables import Axis
        raw = axis.static_index if isinstance(axis, Axis) else axis
        given = tuple(int(a.static_index if isinstance(a, Axis) else a)
                      for a in (raw if isinstance(raw, (list, tuple)) else [raw]))
    return ReduceElements([x], name, op=op, axes=axes, keepdims=as_bool(keepdims, "keepdims"),
                          given=given)


def reduce_sum(x, axis=None, keepdims=True, name=""):
    """Sum over `axis` (see the module docstring for the axis forms)."""
    return _make("Sum", x, axis, keepdims, name)


def reduce_mean(x, axis=None, keepdims=True, name=""):
    """Mean over `axis`."""
    return _make("Mean", x, axis, keepdims, name)


def reduce_max(x, axis=None, keepdims=True, name=""):
    """Maximum over `axis` (the gradient goes to every element equal to the maximum)."""
    return _make("Max", x, axis, keepdims, name)


def reduce_min(x, axis=None, keepdims=True, name=""):
    """Minimum over `axis` (the gradient goes to every element equal to the minimum)."""
    return _make("Min", x, axis, keepdims, name)


def reduce_prod(x, axis=None, keepdims=True, name=""):
    """Product over `axis` (CNTK's gradient y / x, 0 where x is 0)."""
    return _make("Prod", x, axis, keepdims, name)


def reduce_log_sum_exp(x, axis=None, keepdims=True, name=""):
    """log(sum(exp(x))) over `axis`, computed stably."""
    return _make("LogSum", x, axis, keepdims, name)


def argmax(x, axis=None, name=""):
    """The index of the first maximum along one static `axis` (kept with dimension 1), or over
    all static axes (shape ``()``) when `axis` is None; as a float of x's dtype."""
    return _make("Argmax", x, axis, True, name, single=True)


def argmin(x, axis=None, name=""):
    """The index of the first minimum along `axis` (see argmax)."""
    return _make("Argmin", x, axis, True, name, single=True)
