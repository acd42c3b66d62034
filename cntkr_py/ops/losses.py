"""Training criteria, as CNTK 2.7 computes them: the losses ``cross_entropy_with_softmax``,
``binary_cross_entropy``, ``weighted_binary_cross_entropy``, ``squared_error``,
``cosine_distance`` and the metric ``classification_error`` (exported from ``cntkr_py.losses``,
``cntkr_py.metrics`` and the top level, as CNTK 2.7 exports them).

What CNTK 2.7 computes (measured with the reference; every shape below is per sample):

* ``cross_entropy_with_softmax(o, t)`` is ``log_sum_exp(o) - t . o`` over o's last axis (not
  ``-sum(t * log_softmax(o))``: the two differ when t does not sum to 1; the gradients are the
  plain derivatives of this formula, ``softmax(o) - t`` and ``-o``). With the default
  ``axis=-1`` CNTK takes the dot product with a TransposeTimes: o and t must have rank 1 or 2 and
  the same last dimension, and the result has shape ``o.shape[:-1] + (t.shape[0] or 1,)`` (a
  rank-2 o and t give every row of o against every row of t: (2, 3) and (2, 3) give (2, 2)).
  Any other axis (``axis=1`` on a rank-2 input too) reduces that axis only (kept with dimension
  1): (2, 3) with axis=1 gives (2, 1), with axis=0 (1, 3).
* ``classification_error(o, t)`` with ``topN=1`` and the default axis is ``1 - t . hardmax(o)``
  (the first maximum over all of o's static axes; the same TransposeTimes shapes as the cross
  entropy, so (1,) for vectors); gradient 0 for o and ``-hardmax(o)`` for t. Along another axis
  a sample is wrong where t differs from "o equals its maximum along the axis" (ties mark every
  maximum), averaged over the other static axes: shape (). ``topN > 1`` (default axis only)
  flattens each sample: wrong when t's first maximum is not among o's topN largest (ties: the
  lower index ranks first).
* ``squared_error`` is the sum of ``(o - t)^2`` over the sample (shape (); o and t broadcast).
* ``cosine_distance(x, y)`` is the cosine *similarity* over the whole sample (shape (); same
  shapes), 0 for a zero vector (CNTK inverts a norm below 1e-30 as 1e-30).
* ``cosine_distance_with_negative_samples(x, y, shift, n)``: row i holds the cosine of x[i] with
  y[i] and with y[i + shift + j] (j = 0 .. n - 1, indices modulo the minibatch), shape (n + 1,).
* ``binary_cross_entropy(p, t)`` is elementwise (the broadcast shape, not a sum):
  ``-(t log(1e-6 + p) + (1 - t) log(1 + 1e-6 - p))``, the constants being float32
  values (so p = 1, t = 0 gives 13.862944).
* ``weighted_binary_cross_entropy(p, t, w)``: CNTK 2.7 runs it (a "Logistic" node) only for
  samples of one element and reports one number for the whole minibatch,
  ``n * sum(w l) / sum(w)`` with ``l = -log(t p + (1 - t)(1 - p))`` (a log below 1e-37 is
  -85.1), and cannot differentiate it. cntkr gives each sample its share ``n w l / sum(w)``
  (shape (); the minibatch's sum is CNTK's number) and its gradients; samples of several
  elements (same shapes) sum ``w l`` over the sample.

``classification_error`` with ``topN > 1`` also returns one number for the minibatch in CNTK
(the count of errors) and refuses gradients; cntkr returns each sample's error (shape (); the
minibatch's sum is CNTK's number) with gradient 0. The error metrics all pass gradient 0 to o.
"""
from __future__ import annotations

import numpy as np
import torch

from .._shapes import as_int, describe, describe_shape
from .activations import _hardmax
from .elementwise import broadcast_shape, operands
from .primitive import Op

__all__ = ["cross_entropy_with_softmax", "classification_error", "squared_error", "cosine_distance",
           "cosine_distance_with_negative_samples", "binary_cross_entropy", "weighted_binary_cross_entropy"]

# CNTK's float32 constants (also for float64 inputs, where they are widened)
_EPS = float(np.float32(1e-6))
_ONE_PLUS_EPS = float(np.float32(1.0) + np.float32(1e-6))
_EPS_IN_LOG, _LOG_OF_EPS_IN_LOG = 1e-37, -85.1
_EPS_IN_INVERSE = 1e-30


class _ZeroGrad(torch.autograd.Function):
    """`value` (computed without gradients) as a function of `inputs` with gradient 0 for each."""

    @staticmethod
    def forward(ctx, value, *inputs):
        ctx.shapes = [(i.shape, i.dtype, i.device) for i in inputs]
        return value

    @staticmethod
    def backward(ctx, g):
        return (None, *[torch.zeros(s, dtype=d, device=dev) for s, d, dev in ctx.shapes])


def _dot_shape(o, t, op_name):
    """The static shape of CNTK's TransposeTimes(t, o) path (the default axis)."""
    for arg, s in (("output_vector", o), ("target_vector", t)):
        if len(s) not in (1, 2):
            raise ValueError(f"{op_name}: {arg} must have 1 or 2 static axes with the default axis "
                             f"-1, got shape {describe_shape(s)}")
    if o[-1] != t[-1]:
        raise ValueError(f"{op_name}: the last axis of output_vector {describe_shape(o)} and "
                         f"target_vector {describe_shape(t)} must have the same dimension")
    return o[:-1] + ((t[0],) if len(t) == 2 else (1,))


def _dot(o, t):
    """Every row of o against every row of t: (B, [n,] k) and (B, [m,] k) -> (B, [n,] m or 1)."""
    t2 = t if t.dim() == 3 else t.unsqueeze(-2)
    if o.dim() == 3:
        return torch.matmul(o, t2.transpose(-1, -2))
    return torch.matmul(o.unsqueeze(-2), t2.transpose(-1, -2)).squeeze(-2)


def _axis_shape(o, t, axis, op_name):
    out = broadcast_shape(o, t, op_name=op_name)
    if not -len(out) <= axis < 0:
        raise ValueError(f"{op_name}: axis is out of range for operands of shape {describe_shape(out)}")
    out = list(out)
    out[axis] = 1
    return tuple(out)


class _CrossEntropyRows(torch.autograd.Function):
    """``log_sum_exp(o) - t . o`` over the last axis of same-shaped (batch, k) operands, with its
    plain gradients ``softmax(o) - t`` and ``-o`` (fewer kernels than autograd's)."""

    @staticmethod
    def forward(ctx, o, t):
        lse = torch.logsumexp(o, dim=-1, keepdim=True)
        ctx.save_for_backward(o, t, lse)
        return lse - (o * t).sum(dim=-1, keepdim=True)

    @staticmethod
    def backward(ctx, g):
        o, t, lse = ctx.saved_tensors
        go = (torch.exp(o - lse) - t) * g if ctx.needs_input_grad[0] else None
        gt = -o * g if ctx.needs_input_grad[1] else None
        return go, gt


class _ErrorRows(torch.autograd.Function):
    """``1 - t[argmax(o)]`` per row of same-shaped (batch, k) operands (the first maximum), with
    CNTK's gradients: 0 for o, ``-hardmax(o)`` for t."""

    @staticmethod
    def forward(ctx, o, t):
        idx = o.argmax(dim=-1, keepdim=True)
        ctx.save_for_backward(idx)
        ctx.o_shape = o.shape
        return 1 - t.gather(-1, idx)

    @staticmethod
    def backward(ctx, g):
        (idx,) = ctx.saved_tensors
        go = g.new_zeros(ctx.o_shape) if ctx.needs_input_grad[0] else None
        gt = g.new_zeros(ctx.o_shape).scatter_(-1, idx, -g) if ctx.needs_input_grad[1] else None
        return go, gt


def _vectors(o, t):
    """Both operands are vectors per sample (the common case): broadcast to one (batch, k)."""
    if o.dim() == 2 and t.dim() == 2:
        return torch.broadcast_tensors(o, t) if o.shape != t.shape else (o, t)
    return None


def _ce_default(o, t):
    rows = _vectors(o, t)
    if rows is not None:
        return _CrossEntropyRows.apply(*rows)
    return torch.logsumexp(o, dim=-1, keepdim=True) - _dot(o, t)


def _ce_axis(o, t, axis):
    return torch.logsumexp(o, dim=axis, keepdim=True) - (t * o).sum(dim=axis, keepdim=True)


CrossEntropyWithSoftmax = Op("CrossEntropyWithSoftmax",
                             shape=lambda o, t: _dot_shape(o, t, "cross_entropy_with_softmax"),
                             forward=_ce_default)
CrossEntropyWithSoftmaxAxis = Op(
    "CrossEntropyWithSoftmax", broadcast=True,
    shape=lambda o, t, axis: _axis_shape(o, t, axis, "cross_entropy_with_softmax"), forward=_ce_axis)


def _error_default(o, t):
    rows = _vectors(o, t)
    if rows is not None:
        return _ErrorRows.apply(*rows)
    return 1 - _dot(_hardmax(o), t)


def _error_axis(o0, t0, axis):
    o, t = _align(o0, t0)
    with torch.no_grad():
        pred = (o == torch.amax(o, dim=axis, keepdim=True)).to(o.dtype)
        wrong = ((t != pred).to(o.dtype).sum(dim=axis) >= 1).to(o.dtype)
        err = wrong.reshape(wrong.shape[0], -1).mean(dim=1)
    return _ZeroGrad.apply(err, o0, t0)


def _error_top(o, t, topN):
    with torch.no_grad():
        of, tf = o.reshape(o.shape[0], -1), t.reshape(t.shape[0], -1)
        of, tf = torch.broadcast_tensors(of, tf)
        label = tf.argmax(dim=1, keepdim=True)  # the first maximum
        top = torch.sort(of, dim=1, descending=True, stable=True).indices[:, :topN]
        err = (top != label).all(dim=1).to(o.dtype)
    return _ZeroGrad.apply(err, o, t)


def _top_shape(o, t, topN):
    if o != t:
        raise ValueError(f"classification_error: output_vector {describe_shape(o)} and target_vector "
                         f"{describe_shape(t)} must have the same shape")
    size = int(np.prod(o, dtype=np.int64))
    if topN > size:
        raise ValueError(f"classification_error: topN ({topN}) must be at most the number of elements "
                         f"of a sample of output_vector ({size})")
    return ()


ClassificationError = Op("ClassificationError",
                         shape=lambda o, t: _dot_shape(o, t, "classification_error"),
                         forward=_error_default)
ClassificationErrorAxis = Op(
    "ClassificationError",
    shape=lambda o, t, axis: (_axis_shape(o, t, axis, "classification_error"), ())[1],
    forward=_error_axis)
ClassificationErrorTopN = Op("ClassificationError", shape=_top_shape, forward=_error_top)


def _align(*ts):
    """Tensors with a batch axis in front given one static rank (ones inserted after the batch
    axis), for NumPy-style broadcasting in ops whose output rank is not the operands' (the core's
    ``broadcast=True`` aligns to the output's rank)."""
    rank = max(t.dim() for t in ts)
    return [t.reshape(t.shape[0], *([1] * (rank - t.dim())), *t.shape[1:]) for t in ts]


def _sum_per_sample(x):
    return x.reshape(x.shape[0], -1).sum(dim=1)


def _squared_error(o, t):
    o, t = _align(o, t)
    d = o - t
    return _sum_per_sample(d * d)


SquaredError = Op("SquaredError",
                  shape=lambda o, t: (broadcast_shape(o, t, op_name="squared_error"), ())[1],
                  forward=_squared_error)


def _cos_shape(x, y):
    if x != y:
        raise ValueError(f"cosine_distance: x {describe_shape(x)} and y {describe_shape(y)} must have "
                         "the same shape")
    return ()


def _cosine(x, y):
    inv_x = 1 / torch.sqrt(_sum_per_sample(x * x)).clamp_min(_EPS_IN_INVERSE)
    inv_y = 1 / torch.sqrt(_sum_per_sample(y * y)).clamp_min(_EPS_IN_INVERSE)
    return _sum_per_sample(x * y) * inv_x * inv_y


CosDistance = Op("CosDistance", shape=_cos_shape, forward=_cosine)


def _cosine_negative(x, y, shift, num_negative_samples):
    xf, yf = x.reshape(x.shape[0], -1), y.reshape(y.shape[0], -1)
    xf, yf = torch.broadcast_tensors(xf, yf)
    batch = xf.shape[0]
    offsets = torch.tensor([0] + [shift + j for j in range(num_negative_samples)], device=x.device)
    idx = (torch.arange(batch, device=x.device)[:, None] + offsets[None, :]) % batch  # (batch, n + 1)
    inv_x = 1 / torch.sqrt((xf * xf).sum(dim=1)).clamp_min(_EPS_IN_INVERSE)
    inv_y = 1 / torch.sqrt((yf * yf).sum(dim=1)).clamp_min(_EPS_IN_INVERSE)
    dots = (xf[:, None, :] * yf[idx]).sum(dim=-1)
    return dots * inv_x[:, None] * inv_y[idx]


def _cos_negative_shape(x, y, shift, num_negative_samples):
    if x != y:
        raise ValueError(f"cosine_distance_with_negative_samples: x {describe_shape(x)} and y {describe_shape(y)} "
                         "must have the same shape")
    return (num_negative_samples + 1,)


CosDistanceWithNegativeSamples = Op("CosDistanceWithNegativeSamples", shape=_cos_negative_shape,
                                    forward=_cosine_negative)


def _bce(p, t):
    return -(t * torch.log(_EPS + p) + (1 - t) * torch.log(_ONE_PLUS_EPS - p))


BinaryCrossEntropy = Op("BinaryCrossEntropy", broadcast=True,
                        shape=lambda p, t: broadcast_shape(p, t, op_name="binary_cross_entropy"),
                        forward=_bce)


def _safe_log(x):
    return torch.where(x < _EPS_IN_LOG, torch.full_like(x, _LOG_OF_EPS_IN_LOG),
                       torch.log(x.clamp_min(_EPS_IN_LOG)))


def _weighted_bce(p, t, w):
    p, t, w = torch.broadcast_tensors(p, t, w)
    loss = -_safe_log(t * p + (1 - t) * (1 - p))
    return p.shape[0] * _sum_per_sample(w * loss) / w.sum()


def _wbce_shape(p, t, w):
    if not (p == t == w):
        raise ValueError(f"weighted_binary_cross_entropy: output {describe_shape(p)}, target "
                         f"{describe_shape(t)} and weight {describe_shape(w)} must have the same shape")
    return ()


WeightedBinaryCrossEntropy = Op("Logistic", shape=_wbce_shape, forward=_weighted_bce)


def _static_axis(axis, what):
    """An int axis (any other form: a static ``Axis``) as given; checked by the shape rule."""
    from ..variables import Axis
    if isinstance(axis, Axis):
        if axis.static_index is None or axis.is_all_static:
            raise ValueError(f"{what}: axis must be a static axis, got {axis!r}")
        return axis.static_index
    return as_int(axis, "axis")


def _is_axis(axis):
    from ..variables import Axis
    return isinstance(axis, Axis)


def _from_end(axis, rank):
    return axis - rank if axis >= 0 else axis


def cross_entropy_with_softmax(output_vector, target_vector, axis=-1, name=""):
    """``log_sum_exp(o) - t . o`` along `axis` (CNTK's formula and shapes: see the module
    docstring; with the default axis -1, per row pair of rank-2 operands)."""
    o, t = operands(output_vector, target_vector)
    ax = _static_axis(axis, "cross_entropy_with_softmax")
    if ax == -1 and not _is_axis(axis):
        return CrossEntropyWithSoftmax([o, t], name)
    rank = max(len(o.shape), len(t.shape))
    if not -rank <= ax < rank:
        raise ValueError(f"cross_entropy_with_softmax: axis must be in [{-rank}, {rank - 1}] for operands "
                         f"of shapes {describe_shape(o.shape)} and {describe_shape(t.shape)}, got {describe(axis)}")
    return CrossEntropyWithSoftmaxAxis([o, t], name, axis=_from_end(ax, rank))


def classification_error(output_vector, target_vector, axis=-1, topN=1, name=""):
    """1 where the prediction misses the label, 0 where it hits (CNTK's forms: see the module
    docstring); `topN`: a hit when the label is among the topN largest outputs."""
    o, t = operands(output_vector, target_vector)
    top = as_int(topN, "topN", minimum=1)
    ax = _static_axis(axis, "classification_error")
    default = ax == -1 and not _is_axis(axis)
    if top > 1:
        if not default:
            raise ValueError(f"classification_error: topN ({top}) > 1 is not supported along a specific "
                             f"axis (axis {describe(axis)}); use the default axis -1")
        return ClassificationErrorTopN([o, t], name, topN=top)
    if default:
        return ClassificationError([o, t], name)
    rank = max(len(o.shape), len(t.shape))
    if not -rank <= ax < rank:
        raise ValueError(f"classification_error: axis must be in [{-rank}, {rank - 1}] for operands "
                         f"of shapes {describe_shape(o.shape)} and {describe_shape(t.shape)}, got {describe(axis)}")
    return ClassificationErrorAxis([o, t], name, axis=_from_end(ax, rank))


def squared_error(output, target, name=""):
    """The sum over each sample of ``(output - target)^2`` (shape (); the operands broadcast)."""
    return SquaredError(operands(output, target), name)


def cosine_distance(x, y, name=""):
    """The cosine of the angle between x and y over each whole sample (CNTK's cosine_distance is
    this similarity; shape ())."""
    return CosDistance(operands(x, y), name)


def cosine_distance_with_negative_samples(x, y, shift, num_negative_samples, name=""):
    """For each sample i, the cosine similarity of x[i] with y[i] and with the `num_negative_samples`
    samples y[i + shift], y[i + shift + 1], ... of the same minibatch (indices modulo its size), as
    CNTK 2.7 (shape ``(num_negative_samples + 1,)``; a sample is taken whole)."""
    return CosDistanceWithNegativeSamples(operands(x, y), name, shift=as_int(shift, "shift", minimum=0),
                                          num_negative_samples=as_int(num_negative_samples, "num_negative_samples",
                                                                      minimum=0))


def binary_cross_entropy(output, target, name=""):
    """Elementwise ``-(t log(p) + (1 - t) log(1 - p))`` with CNTK's 1e-6 guards (shape: the
    broadcast of output and target)."""
    return BinaryCrossEntropy(operands(output, target), name)


def weighted_binary_cross_entropy(output, target, weight, name=""):
    """Each sample's share ``n w l / sum(w)`` of CNTK's weighted logistic loss (see the module
    docstring; shape (), output, target and weight of one shape)."""
    return WeightedBinaryCrossEntropy(operands(output, target, weight), name)
