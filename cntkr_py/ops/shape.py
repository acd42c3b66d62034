"""Shape ops: ``reshape``, ``transpose``, ``swapaxes``, ``splice``, ``slice``, ``squeeze``,
``expand_dims``, ``pad``, ``flatten``, ``one_hot``, as CNTK 2.7 computes them (static axes only;
the batch axis stays in front, untouched).

CNTK 2.7 facts kept here (measured): ``expand_dims(x, a)`` with ``a >= 0`` inserts the new axis
*after* axis ``a`` (``a - rank`` is used; (2, 3, 4) with a=0 gives (2, 1, 3, 4)); ``splice``
defaults to the last axis; ``slice`` takes negative indices from the end and ``end_index=0`` as
"to the end"; ``flatten(x, axis)`` gives ``(prod(shape[:axis]), prod(shape[axis:]))`` (None: 0);
``one_hot`` adds the class axis at ``axis`` (-1: last).
"""
from __future__ import annotations

import builtins
import math

import numpy as np
import torch
import torch.nn.functional as F

from .._shapes import (as_axis, as_bool, as_int, as_int_tuple, as_number, describe,
                       describe_shape, item)
from .primitive import Inferred, Op

__all__ = ["reshape", "transpose", "swapaxes", "splice", "slice", "squeeze", "expand_dims",
           "pad", "flatten", "one_hot", "gather", "CONSTANT_PAD", "REFLECT_PAD", "SYMMETRIC_PAD"]

#: pad modes (CNTK's constants)
CONSTANT_PAD, REFLECT_PAD, SYMMETRIC_PAD = 0, 1, 2


def _node(x):
    from .functions import as_node
    return as_node(x)


def _axis_attr(ax):
    """CNTK's attribute value of a static axis counted from the end."""
    return ("ordered", "static", -ax - 1)


def _bound(value, rank, name):
    """An axis boundary in [-rank, rank] as a position 0..rank."""
    v = as_int(value, name)
    if not -rank <= v <= rank:
        raise ValueError(f"{name} must be in [{-rank}, {rank}] for an operand with {rank} static "
                         f"axes, got {v}")
    return v + rank if v < 0 else v


# ---- reshape ---------------------------------------------------------------------------------
def _reshape_shape(x, *, shape, begin, end, **_):
    rank = len(x)
    b, e = rank + begin, rank + end
    if b < 0:
        raise ValueError(f"Reshape: begin_axis and end_axis do not name axes of an operand of "
                         f"shape {describe_shape(x)}")
    part = x[b:e]
    n = math.prod(part)
    known = math.prod(d for d in shape if d != -1)
    new = list(shape)
    if -1 in new:
        if known == 0 or n % known:
            raise ValueError(f"Reshape: the dimensions {describe_shape(part)} of the operand "
                             f"do not fit shape {describe_shape(shape)}")
        new[new.index(-1)] = n // known
    elif known != n:
        raise ValueError(f"Reshape: the operand's dimensions {describe_shape(part)} "
                         f"({n} elements) do not fit shape {describe_shape(shape)} ({known} "
                         "elements)")
    return tuple(x[:b]) + tuple(new) + tuple(x[e:])


def _reshape(x, *, out_shape, **_):
    return x.reshape(x.shape[0], *out_shape)


def _with_out(rule):
    def shape_rule(*shapes, **p):
        out = rule(*shapes, **p)
        return Inferred(out, out_shape=out)
    return shape_rule


Reshape = Op("Reshape", shape=_with_out(_reshape_shape), forward=_reshape,
             attributes=lambda p, s: {"newShape": p["shape"], "beginAxis": p["begin_attr"],
                                      "endAxis": p["end_attr"]})


def reshape(x, shape, begin_axis=None, end_axis=None, name=""):
    """`x` with its static axes ``[begin_axis, end_axis)`` (default: all) reshaped to `shape`
    (one dimension may be -1: inferred)."""
    x = _node(x)
    rank = len(x.shape)
    new = as_int_tuple(shape, "shape")
    for i, d in enumerate(new):
        if d < -1:
            raise ValueError(f"{item('shape', i)} must be a dimension >= 0 or -1 (inferred), "
                             f"got {d}")
    if new.count(-1) > 1:
        raise ValueError(f"shape may infer one dimension (-1) only, got {describe(shape)}")
    b = 0 if begin_axis is None else _bound(begin_axis, rank, "begin_axis")
    e = rank if end_axis is None else _bound(end_axis, rank, "end_axis")
    if b > e:
        raise ValueError(f"begin_axis ({b}) must not come after end_axis ({e})")
    # kept counted from the end so that re-applying to more leading axes reshapes the same axes
    return Reshape([x], name, shape=new, begin=b - rank, end=e - rank,
                   begin_attr=("ordered", "static", rank - e),
                   end_attr=("ordered", "static", rank - b))


# ---- transpose / swapaxes ----------------------------------------------------------------------
def _perm_shape(x, *, perm, **_):
    if len(perm) != len(x):
        raise ValueError(f"TransposeAxes: perm {describe(list(perm))} must list every one of the "
                         f"{len(x)} static axes of the operand of shape {describe_shape(x)}")
    return tuple(x[p] for p in perm)


TransposeAxes = Op("TransposeAxes", shape=_perm_shape,
                   forward=lambda x, perm, **_: x.permute(0, *[p + 1 for p in perm]),
                   attributes=lambda p, s: p["attrs"])


def transpose(x, perm, name=""):
    """`x` with its static axes permuted: output axis i is input axis ``perm[i]``."""
    x = _node(x)
    rank = len(x.shape)
    axes = as_int_tuple(perm, "perm")
    axes = tuple(as_axis(a, rank, item("perm", i)) + rank for i, a in enumerate(axes))
    if sorted(axes) != list(range(rank)):
        raise ValueError(f"perm must be a permutation of the {rank} static axes 0..{rank - 1}, "
                         f"got {describe(perm)}")
    return TransposeAxes([x], name, perm=axes,
                         attrs={"axisVec": [("ordered", "static", rank - 1 - axes[rank - 1 - j])
                                            for j in range(rank)]})


def _swap_shape(x, *, axis1, axis2):
    rank = len(x)
    if min(axis1, axis2) < -rank:
        raise ValueError(f"TransposeAxes: axes {axis1 + rank}, {axis2 + rank} out of range for "
                         f"the operand of shape {describe_shape(x)}")
    out = list(x)
    out[axis1], out[axis2] = out[axis2], out[axis1]
    return tuple(out)


SwapAxes = Op("TransposeAxes", shape=_swap_shape,
              forward=lambda x, axis1, axis2: x.transpose(axis1, axis2),
              attributes=lambda p, s: {"axis1": _axis_attr(p["axis1"]),
                                       "axis2": _axis_attr(p["axis2"])})


def swapaxes(x, axis1=0, axis2=1, name=""):
    """`x` with static axes `axis1` and `axis2` swapped."""
    x = _node(x)
    rank = len(x.shape)
    return SwapAxes([x], name, axis1=as_axis(axis1, rank, "axis1"),
                    axis2=as_axis(axis2, rank, "axis2"))


# ---- splice ------------------------------------------------------------------------------------
def _splice_shape(*shapes, axis):
    rank = len(shapes[0])
    if any(len(s) != rank for s in shapes) or axis < -rank:
        raise ValueError("Splice: the inputs must have the same rank, with the axis among their "
                         f"axes; got shapes {', '.join(describe_shape(s) for s in shapes)}")
    a = axis + rank
    for s in shapes[1:]:
        if tuple(s[:a]) + tuple(s[a + 1:]) != tuple(shapes[0][:a]) + tuple(shapes[0][a + 1:]):
            listed = ", ".join(describe_shape(s) for s in shapes)
            raise ValueError(f"Splice: the inputs' shapes {listed} differ on an axis other than "
                             f"axis {a}")
    out = list(shapes[0])
    out[a] = sum(s[a] for s in shapes)
    return tuple(out)


def _splice(*xs, axis):
    n = max(t.shape[0] for t in xs)
    return torch.cat([t.expand(n, *t.shape[1:]) if t.shape[0] != n else t for t in xs], dim=axis)


Splice = Op("Splice", shape=_splice_shape, forward=_splice,
            attributes=lambda p, s: {"axis": _axis_attr(p["axis"])})


def splice(*inputs, axis=-1, name=""):
    """The inputs concatenated along static `axis` (default: the last)."""
    if len(inputs) == 1 and isinstance(inputs[0], (list, tuple)):
        inputs = tuple(inputs[0])
    if not inputs:
        raise ValueError("splice needs at least one input")
    nodes = [_node(i) for i in inputs]
    return Splice(nodes, name, axis=as_axis(axis, len(nodes[0].shape)))


# ---- slice -------------------------------------------------------------------------------------
def _slice_range(n, begin, end, stride):
    b = begin + n if begin < 0 else begin
    e = n if end == 0 else (end + n if end < 0 else end)
    b, e = max(0, min(b, n)), max(0, min(e, n))
    return b, e, max(0, -(-(e - b) // stride))


def _slice_shape(x, *, axes, begins, ends, strides):
    out = list(x)
    rank = len(x)
    extra = {}
    for ax, b, e, s in zip(axes, begins, ends, strides):
        if ax < -rank:
            raise ValueError(f"Slice: axis {ax + rank} out of range for the operand of shape "
                             f"{describe_shape(x)}")
        lo, hi, n = _slice_range(x[ax], b, e, s)
        if n <= 0:
            raise ValueError(f"Slice: [{b}, {e}) with stride {s} selects nothing of axis "
                             f"{ax + rank} (dimension {x[ax]}) of the operand of shape "
                             f"{describe_shape(x)}")
        out[ax] = n
        extra[ax] = (lo, hi, s)
    return Inferred(out, ranges=extra)


def _slice(x, *, ranges, **_):
    index = [builtins.slice(None)] * x.dim()
    for ax, (lo, hi, s) in ranges.items():
        index[x.dim() + ax] = builtins.slice(lo, hi, s)
    return x[tuple(index)]


def _slice_attrs(p, s):
    if len(p["axes"]) == 1:
        return {"sliceStrides": p["strides"][0], "endIndex": p["ends"][0],
                "beginIndex": p["begins"][0], "axis": _axis_attr(p["axes"][0])}
    return {"sliceStridesVec": list(p["strides"]), "endIndexVec": list(p["ends"]),
            "beginIndexVec": list(p["begins"]), "axisVec": [_axis_attr(a) for a in p["axes"]]}


Slice = Op("Slice", shape=_slice_shape, forward=_slice, attributes=_slice_attrs)


def slice(x, axis, begin_index, end_index, strides=None, name=""):  # noqa: A001 (CNTK's name)
    """`x` sliced along static `axis` from `begin_index` to `end_index` (exclusive; negative
    from the end; 0 as end: to the end) with step `strides`; lists of axes and indices slice
    several axes."""
    x = _node(x)
    rank = len(x.shape)
    axes = as_int_tuple(axis, "axis")
    n = len(axes)

    def per(value, arg, default=None, minimum=None):
        v = as_int_tuple(default if value is None else value, arg, minimum=minimum)
        if len(v) == 1 and n > 1 and value is None:
            v = v * n
        if len(v) != n:
            raise ValueError(f"{arg} must have one value per axis ({n}), got {describe(value)}")
        return v

    begins = per(begin_index, "begin_index")
    ends = per(end_index, "end_index")
    strides = per(strides, "strides", default=1, minimum=1)
    axes = tuple(as_axis(a, rank, "axis" if n == 1 else item("axis", i))
                 for i, a in enumerate(axes))
    return Slice([x], name, axes=axes, begins=begins, ends=ends, strides=strides)


# ---- squeeze / expand_dims -------------------------------------------------------------------
def _squeeze_shape(x, *, axes):
    rank = len(x)
    if axes is None:
        return tuple(d for d in x if d != 1)
    for a in axes:
        if a < -rank or x[a] != 1:
            raise ValueError(f"Squeeze: axis {a + rank} of the operand of shape "
                             f"{describe_shape(x)} is not of dimension 1")
    return tuple(d for i, d in enumerate(x) if i - rank not in axes)


Squeeze = Op("Squeeze", shape=_with_out(_squeeze_shape), forward=_reshape,
             attributes=lambda p, s: {} if p["axes"] is None else
             {"axisVec": [_axis_attr(a) for a in sorted(p["axes"], reverse=True)]})


def squeeze(x, axes=None, name=""):
    """`x` without its static axes of dimension 1 (all of them, or those in `axes`)."""
    x = _node(x)
    rank = len(x.shape)
    if axes is not None:
        axes = tuple(sorted({as_axis(a, rank, "axes") for a in as_int_tuple(axes, "axes")}))
    return Squeeze([x], name, axes=axes)


def _expand_shape(x, *, axis):
    rank = len(x)
    if axis < -rank - 1:
        raise ValueError(f"ExpandDims: axis out of range for the operand of shape "
                         f"{describe_shape(x)}")
    pos = rank + 1 + axis
    return tuple(x[:pos]) + (1,) + tuple(x[pos:])


ExpandDims = Op("ExpandDims", shape=_with_out(_expand_shape), forward=_reshape,
                attributes=lambda p, s: {})


def expand_dims(x, axis, name=""):
    """`x` with a new static axis of dimension 1 (CNTK 2.7's placement: ``axis >= 0`` inserts it
    after axis `axis`, a negative `axis` counts positions from the end, -1 appending it)."""
    x = _node(x)
    rank = len(x.shape)
    a = as_int(axis, "axis")
    if not -rank - 1 <= a <= rank - 1:
        raise ValueError(f"axis must be in [{-rank - 1}, {rank - 1}] for an operand with {rank} "
                         f"static axes, got {a}")
    return ExpandDims([x], name, axis=a - rank if a >= 0 else a)


# ---- pad ---------------------------------------------------------------------------------------
def _pad_shape(x, *, pattern, mode, constant_value):
    if len(pattern) != len(x):
        raise ValueError(f"Pad: pattern has {len(pattern)} (head, foot) pairs, the operand of "
                         f"shape {describe_shape(x)} has {len(x)} static axes")
    for i, ((h, f), n) in enumerate(zip(pattern, x)):
        limit = n - 1 if mode == REFLECT_PAD else n
        if mode != CONSTANT_PAD and max(h, f) > limit:
            raise ValueError(f"Pad: {'reflect' if mode == REFLECT_PAD else 'symmetric'} padding of "
                             f"axis {i} (dimension {n}) by {max(h, f)} is more than {limit}")
    return tuple(n + h + f for (h, f), n in zip(pattern, x))


def _pad_index(n, h, f, mode):
    i = np.arange(-h, n + f)
    if mode == REFLECT_PAD:
        i = np.abs(i)
        i = np.where(i >= n, 2 * (n - 1) - i, i)
    else:
        i = np.where(i < 0, -i - 1, i)
        i = np.where(i >= n, 2 * n - 1 - i, i)
    return i


def _pad(x, *, pattern, mode, constant_value):
    rank = len(pattern)
    if mode == CONSTANT_PAD:
        flat = [v for hf in reversed(pattern) for v in hf]
        return F.pad(x, flat, value=constant_value)
    for a, (h, f) in enumerate(pattern):
        if h or f:
            dim = x.dim() - rank + a
            idx = torch.as_tensor(_pad_index(x.shape[dim], h, f, mode), device=x.device)
            x = x.index_select(dim, idx)
    return x


Pad = Op("Pad", shape=_pad_shape, forward=_pad,
         attributes=lambda p, s: {"paddingConstantValue": p["constant_value"],
                                  "paddingMode": p["mode"],
                                  "paddingFoot": [f for _, f in reversed(p["pattern"])],
                                  "paddingHead": [h for h, _ in reversed(p["pattern"])]})


def pad(x, pattern, mode=CONSTANT_PAD, constant_value=0, name=""):
    """`x` padded on each static axis by ``pattern[i] = (head, foot)`` with `constant_value`
    (``mode=CONSTANT_PAD``, 0), a reflection (``REFLECT_PAD``, 1) or a mirror copy
    (``SYMMETRIC_PAD``, 2)."""
    x = _node(x)
    if not isinstance(pattern, (list, tuple)):
        raise TypeError(f"pattern must be a list of (head, foot) pairs, got {describe(pattern)}")
    pairs = []
    for i, p in enumerate(pattern):
        hf = as_int_tuple(p, item("pattern", i), minimum=0)
        if len(hf) != 2:
            raise ValueError(f"{item('pattern', i)} must be a (head, foot) pair, got {describe(p)}")
        pairs.append(hf)
    mode = as_int(mode, "mode")
    if mode not in (CONSTANT_PAD, REFLECT_PAD, SYMMETRIC_PAD):
        raise ValueError(f"mode must be CONSTANT_PAD (0), REFLECT_PAD (1) or SYMMETRIC_PAD (2), "
                         f"got {mode}")
    return Pad([x], name, pattern=tuple(pairs), mode=mode,
               constant_value=as_number(constant_value, "constant_value"))


# ---- flatten -----------------------------------------------------------------------------------
def _flatten_shape(x, *, axis):
    rank = len(x)
    if axis < -rank:
        raise ValueError(f"Flatten: axis out of range for the operand of shape {describe_shape(x)}")
    a = rank + axis
    return (math.prod(x[:a]), math.prod(x[a:]))


Flatten = Op("Flatten", shape=_with_out(_flatten_shape), forward=_reshape,
             attributes=lambda p, s: {"axis": ("ordered", "static", -p["axis"])})


def flatten(x, axis=None, name=""):
    """`x` as a matrix ``(prod(shape[:axis]), prod(shape[axis:]))`` (axis None: 0)."""
    x = _node(x)
    rank = len(x.shape)
    a = 0 if axis is None else _bound(axis, rank, "axis")
    return Flatten([x], name, axis=a - rank)


# ---- one_hot -----------------------------------------------------------------------------------
def _one_hot_shape(x, *, num_classes, axis, sparse_output):
    rank = len(x)
    if axis < -rank - 1:
        raise ValueError(f"OneHotOp: axis out of range for the operand of shape "
                         f"{describe_shape(x)}")
    pos = rank + 1 + axis
    return tuple(x[:pos]) + (num_classes,) + tuple(x[pos:])


def _one_hot(x, *, num_classes, axis, **_):
    idx = x.detach().long()
    valid = (idx >= 0) & (idx < num_classes)
    y = F.one_hot(torch.where(valid, idx, torch.zeros_like(idx)), num_classes).to(x.dtype)
    y = y * valid.unsqueeze(-1).to(x.dtype)
    return y.movedim(-1, axis)


OneHot = Op("OneHotOp", shape=_one_hot_shape, forward=_one_hot,
            attributes=lambda p, s: {"onehotAxis": ("ordered", "static", -p["axis"] - 1),
                                     "oneHotOutputSparse": p["sparse_output"],
                                     "numClass": p["num_classes"]})


def one_hot(x, num_classes, sparse_output=False, axis=-1, name=""):
    """One-hot vectors of length `num_classes` for the class indices in `x`, along a new static
    `axis` (-1: last). Indices outside [0, num_classes) give all-zero vectors. The output is
    dense (``sparse_output=True`` is accepted and gives the same dense values)."""
    x = _node(x)
    rank = len(x.shape)
    a = as_int(axis, "axis")
    if not -rank - 1 <= a <= rank:
        raise ValueError(f"axis must be in [{-rank - 1}, {rank}] for an operand with {rank} "
                         f"static axes, got {a}")
    return OneHot([x], name, num_classes=as_int(num_classes, "num_classes", minimum=1),
                  axis=a - rank - 1 if a >= 0 else a,
                  sparse_output=as_bool(sparse_output, "sparse_output"))


# ---- gather ------------------------------------------------------------------------------------
# CNTK 2.7 gathers along the first static axis; with `axis` it swaps that axis to the front,
# gathers, and swaps the result's axis `axis` (counted on the *result*, whose rank differs when
# indices have rank != 1) back with its first axis. cntkr does the same, so multi-axis indices with
# an axis give CNTK's (measured) layout.
def _gather_shape(reference, indices, *, given):
    rank = len(reference)
    out_rank = len(indices) + rank - 1
    swap_in = swap_out = 0
    if given is not None:
        if not -rank <= given < rank:
            raise ValueError(f"Gather: axis {given} is out of range for the reference of shape "
                             f"{describe_shape(reference)}")
        swap_in = given % rank
        if swap_in:
            swap_out = given if given >= 0 else out_rank + given
            if not 0 <= swap_out < out_rank:
                raise ValueError(f"Gather: axis {given} is out of range for the result of "
                                 f"rank {out_rank}")
    ref = list(reference)
    ref[0], ref[swap_in] = ref[swap_in], ref[0]
    out = list(indices) + ref[1:]
    out[0], out[swap_out] = out[swap_out], out[0]
    return Inferred(out, swap_in=swap_in, swap_out=swap_out)


def _gather(reference, indices, *, swap_in, swap_out, **_):
    """reference (B1, *R), indices (B2, *I); gathers along the first static axis of each sample
    (after CNTK's swaps)."""
    if swap_in:
        reference = reference.transpose(1, 1 + swap_in)
    idx = indices.detach().long()
    if reference.shape[0] == 1:  # one table for every sample: one index_select
        ref = reference[0]
        out = ref.index_select(0, idx.reshape(-1)).reshape(*idx.shape, *ref.shape[1:])
    else:
        out = torch.stack([reference[b].index_select(0, idx[b if idx.shape[0] > 1 else 0]
                                                     .reshape(-1))
                           .reshape(*idx.shape[1:], *reference.shape[2:])
                           for b in range(reference.shape[0])])
    return out.transpose(1, 1 + swap_out) if swap_out else out


Gather = Op("Gather", shape=_gather_shape, forward=_gather,
            attributes=lambda p, s: {} if p["given"] is None else
            {"axis": ("ordered", "static", -p["given"] - 1)})


def gather(reference, indices, axis=None, name=""):
    """The slices of `reference` at the positions in `indices` (whole numbers, as floats) along
    its first static axis: shape ``indices.shape + reference.shape[1:]``. With `axis`, CNTK 2.7's
    rule (see above; for 1-D indices ``reference.shape[:axis] + indices.shape +
    reference.shape[axis + 1:]``). The gradient flows to `reference` (summed over repeated
    indices); `indices` get none."""
    reference, indices = _node(reference), _node(indices)
    if len(reference.shape) == 0:
        raise ValueError("gather: the reference must have at least one static axis")
    given = None if axis is None else as_int(axis, "axis")
    if given is not None:
        as_axis(given, len(reference.shape))
    return Gather([reference, indices], name, given=given)
