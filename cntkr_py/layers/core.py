"""Core layers, as in ``cntk.layers``: Dense and Embedding, with CNTK 2.7's shapes.

Dense: W is ``input_shape + shape`` where ``input_shape`` is, by default, the whole input shape
(a (2, 3, 4) input and ``shape=5`` give W (2, 3, 4, 5) and output (5,)); ``input_rank=r`` takes
the last r input axes (the others are mapped over), ``map_rank=m`` all but the first m. b is
``shape``. The initializer gets ``output_rank=len(shape)`` (CNTK's ``_initializer_for(init,
Record(output_rank=...))``), so glorot/he fans are fan_out = prod(shape), fan_in = the rest.
Embedding: ``E`` is ``(input_dim, *shape)`` (a Parameter), or the Constant ``weights``; the output
is ``x`` times E.
"""
from __future__ import annotations

import numpy as np

from .._shapes import as_bool, as_int, as_int_tuple, describe
from ..default_options import default_override_or, resolve_defaults
from ..initializer import as_initializer, glorot_uniform
from ..ops.activations import identity
from ..ops.linear import DenseOp, EmbeddingOp
from ..variables import Constant
from .base import INFERRED, Layer

__all__ = ["Dense", "Embedding"]


class _Dense(Layer):
    def __init__(self, shape, activation, init, input_rank, map_rank, bias, init_bias, name):
        super().__init__("Dense", name, activation)
        self._out = shape
        self._input_rank = input_rank
        self._map_rank = map_rank
        init_W = as_initializer(init).with_defaults(output_rank=len(shape))
        in_rank = 1 if input_rank is None else input_rank
        self.add_parameter("W", (INFERRED,) * in_rank + shape, init_W)
        self.add_member("b", self.add_parameter("b", shape, as_initializer(init_bias))
                        if bias else None)

    def _reduced(self, x_shape):
        """The input axes W contracts with."""
        rank = len(x_shape)
        if self._input_rank is not None:
            r = self._input_rank
        elif self._map_rank is not None:
            r = rank - self._map_rank
        else:
            r = rank
        if not 0 <= r <= rank:
            what = (f"input_rank={self._input_rank}" if self._input_rank is not None
                    else f"map_rank={self._map_rank}")
            raise ValueError(f"Dense: {what} does not fit an input of shape {tuple(x_shape)} "
                             f"(rank {rank})")
        return tuple(x_shape[rank - r:])

    def apply(self, x):
        W, b = self.W, self.b
        dtype = x.dtype
        self.infer(W, self._reduced(x.shape) + self._out, dtype)
        self.infer(b, self._out, dtype)
        inputs = [x, W] + ([b] if b is not None else [])
        return DenseOp(inputs, self.name, output_rank=len(self._out))


def Dense(shape, activation=default_override_or(identity),
          init=default_override_or(glorot_uniform()), input_rank=None, map_rank=None,
          bias=default_override_or(True), init_bias=default_override_or(0), name=""):
    """A fully connected layer: ``activation(x @ W + b)`` with W of shape
    ``input_shape + shape`` (see the module docstring for input_rank / map_rank)."""
    opts = resolve_defaults(Dense, activation=activation, init=init, bias=bias,
                            init_bias=init_bias)
    out = as_int_tuple(shape, "shape", minimum=1)
    if input_rank is not None and map_rank is not None:
        raise ValueError("Dense: input_rank and map_rank cannot be specified at the same time.")
    if input_rank is not None:
        input_rank = as_int(input_rank, "input_rank", minimum=1)
    if map_rank is not None:
        map_rank = as_int(map_rank, "map_rank", minimum=0)
    return _Dense(out, opts["activation"], opts["init"], input_rank, map_rank,
                  as_bool(opts["bias"], "bias"), opts["init_bias"], name)


class _Embedding(Layer):
    def __init__(self, shape, init, weights, name):
        super().__init__("Embedding", name, None)
        if weights is None:
            self.add_parameter("E", (INFERRED,) + shape, as_initializer(init))
        else:
            self.add_member("E", Constant(weights, name="E"))

    def apply(self, x):
        E = self.E
        if not E.is_constant:
            if len(x.shape) < 1:
                raise ValueError("Embedding: the input must have a static axis (the one-hot or "
                                 f"dense category axis), got shape {tuple(x.shape)}")
            self.infer(E, (x.shape[-1],) + tuple(E.shape[1:]), x.dtype)
        elif E.dtype != x.dtype:  # the table takes the input's dtype, as CNTK casts it
            from ..variables import torch_dtype
            E._set_data(E.data().to(torch_dtype(x.dtype)))
        return EmbeddingOp([x, E], self.name, output_rank=len(E.shape) - 1,
                           infer_input_rank_to_map=-1)


def Embedding(shape=None, init=default_override_or(glorot_uniform()), weights=None, name=""):
    """An embedding: ``x`` (one-hot or dense over the categories, last axis) times E, whose rows
    are the embedding vectors. E is learnable of shape ``(input_dim, *shape)``, or the Constant
    `weights` (then `shape` must not be given)."""
    if not isinstance(init, default_override_or) and weights is not None:
        raise ValueError("Embedding: init and weights options are mutually exclusive")
    if weights is None:
        if shape is None:
            raise ValueError("Embedding: output shape must be specified")
        init = resolve_defaults(Embedding, init=init)["init"]
        shape = as_int_tuple(shape, "shape", minimum=1)
        if len(shape) != 1:
            raise ValueError(f"Embedding: shape must be a single dimension (CNTK 2.7 fails for "
                             f"tensor-shaped embeddings), got {describe(shape)}")
    else:
        if shape is not None:
            raise ValueError("Embedding: output shape must not be specified when weights are given")
        arr = np.asarray(weights)
        if arr.ndim != 2:
            raise ValueError(f"weights must be a matrix (one row per category), got an array of "
                             f"shape {arr.shape}")
        weights = arr
    return _Embedding(shape, init, weights, name)
