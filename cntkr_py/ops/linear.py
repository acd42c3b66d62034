"""Linear algebra: ``times``, ``times_transpose``, and the ``Dense`` node of the Dense layer.

CNTK 2.7's ``times(left, right, output_rank)`` contracts the leading ``len(right) - output_rank``
axes of ``right`` with as many trailing axes of ``left`` (NumPy's ``tensordot``): the output is
``left.shape[:-k] + right.shape[k:]``. With ``k = 0`` (``times(W (3, 4), x (4,))``) that is an
outer product of shape (3, 4, 4), as CNTK gives, not the matrix-vector product.
``infer_input_rank_to_map=m`` (m >= 0) keeps the first ``m`` axes of ``left`` (the rest are
contracted); CNTK uses it to infer a Parameter's dimensions, which cntkr's layers do themselves.
"""
from __future__ import annotations

import math

import torch

from .._shapes import as_int, describe_shape
from .primitive import Inferred, Op

__all__ = ["times", "times_transpose"]


def _contracted(left, right, output_rank, infer_input_rank_to_map, op="Times"):
    """The number of axes `times` contracts (ValueError when the operands do not fit)."""
    if output_rank > len(right):
        raise ValueError(f"{op}: output_rank ({output_rank}) must be <= the rank "
                         f"({len(right)}) of the right operand of shape {describe_shape(right)}")
    k = len(right) - output_rank
    if infer_input_rank_to_map >= 0 and len(left) - infer_input_rank_to_map != k:
        raise ValueError(
            f"{op}: infer_input_rank_to_map={infer_input_rank_to_map} keeps "
            f"{infer_input_rank_to_map} of the left operand's {len(left)} axes, so "
            f"{len(left) - infer_input_rank_to_map} are contracted, but the right operand of "
            f"shape {describe_shape(right)} with output_rank={output_rank} contracts {k}")
    if k > len(left) or tuple(left[len(left) - k:]) != tuple(right[:k]):
        raise ValueError(
            f"{op}: the {k} leading dimensions of the right operand of shape "
            f"{describe_shape(right)} do not match the trailing dimensions of the left operand "
            f"of shape {describe_shape(left)}")
    return k


def _times_shape(left, right, *, output_rank, infer_input_rank_to_map):
    k = _contracted(left, right, output_rank, infer_input_rank_to_map)
    return Inferred(tuple(left[:len(left) - k]) + tuple(right[k:]), k=k, left_rank=len(left))


def _matmul(left, right, k, left_rank):
    """left (B1, *L) times right (B2, *R), contracting k axes; B1 or B2 may be 1."""
    kept = left.shape[1:1 + left_rank - k]
    out = right.shape[1 + k:]
    K = math.prod(right.shape[1:1 + k])
    if right.shape[0] == 1:  # one right operand for all samples: one matrix product
        y = left.reshape(-1, K) @ right.reshape(K, -1)
        return y.reshape(left.shape[0], *kept, *out)
    y = torch.matmul(left.reshape(left.shape[0], -1, K), right.reshape(right.shape[0], K, -1))
    return y.reshape(y.shape[0], *kept, *out)


def _times(left, right, *, k, left_rank, **_):
    return _matmul(left, right, k, left_rank)


Times = Op("Times", shape=_times_shape, forward=_times,
           attributes=lambda p, s: {"inferInputRankToMap": p["infer_input_rank_to_map"],
                                    "outputRank": p["output_rank"]})


def _tt_shape(left, right):
    if len(right) > 2:
        raise ValueError(f"TransposeTimes: the right operand must have rank 1 or 2, got shape "
                         f"{describe_shape(right)}")
    r2 = (1,) + tuple(right) if len(right) == 1 else tuple(right)
    if len(left) < 1 or left[-1] != r2[1]:
        raise ValueError(f"TransposeTimes: the last dimension of the left operand of shape "
                         f"{describe_shape(left)} must match the last dimension of the right "
                         f"operand of shape {describe_shape(right)}")
    return tuple(left[:-1]) + (r2[0],)


def _times_transpose(left, right):
    n = right.shape[-2] if right.dim() > 2 else 1
    r = right.reshape(right.shape[0], n, right.shape[-1]).transpose(1, 2)
    return _matmul(left, r, 1, left.dim() - 1)


TransposeTimes = Op("TransposeTimes", shape=_tt_shape, forward=_times_transpose,
                    attributes=lambda p, s: {"outputRank": 1})


def times(left, right, output_rank=1, infer_input_rank_to_map=-1, name=""):
    """The tensor product of `left` and `right`: the leading ``len(right.shape) - output_rank``
    axes of `right` are contracted with the trailing axes of `left` (CNTK 2.7's rule; see the
    module docstring for ``times(W, x)``)."""
    return Times([left, right], name,
                 output_rank=as_int(output_rank, "output_rank", minimum=0),
                 infer_input_rank_to_map=as_int(infer_input_rank_to_map,
                                                "infer_input_rank_to_map", minimum=-1))


def times_transpose(left, right, name=""):
    """`left` times the transpose of `right` (rank 1 or 2; a vector is a 1-row matrix)."""
    return TransposeTimes([left, right], name)


# ---- the Dense layer's node: x times W, plus b, in one torch call ---------------------------
def _dense_shape(x, W, b=None, *, output_rank):
    k = _contracted(x, W, output_rank, -1, op="Dense")
    out = tuple(x[:len(x) - k]) + tuple(W[k:])
    if b is not None and tuple(b) != tuple(W[k:]):
        raise ValueError(f"Dense: b of shape {describe_shape(b)} does not fit W of shape "
                         f"{describe_shape(W)}")
    return Inferred(out, k=k)


def _dense(x, W, b=None, *, k, **_):
    K = math.prod(W.shape[:k])
    out = W.shape[k:]
    x2 = x.reshape(-1, K)
    W2 = W.reshape(K, -1)
    if W.requires_grad and W2.shape[1] <= 10 and K >= 256:
        # a narrow W (K, N) as the column-major view of an (N, K) copy, the layout of torch's
        # Linear: measured (one thread) 784 x 10 at minibatch 64, forward + backward 250 ->
        # 180 us, the copy included; wider or shorter Ws were not faster
        W2 = W2.t().contiguous().t()
    y = x2 @ W2 if b is None else torch.addmm(b.reshape(-1), x2, W2)
    return y.reshape(*x.shape[:x.dim() - k], *out)


#: inputs (x, W) or (x, W, b); only x carries samples
DenseOp = Op("Dense", shape=_dense_shape, forward=_dense, batched=(0,),
             attributes=lambda p, s: {})


#: the Embedding layer's node: x times E (CNTK's block is named Embedding)
EmbeddingOp = Op("Embedding", shape=_times_shape, forward=_times, attributes=lambda p, s: {})
