"""Convolution layers, as in ``cntk.layers``: Convolution and ConvolutionTranspose (1D/2D/3D), with
CNTK 2.7's exact semantics (docs/cntk-semantics.md; the kernels in ``cntkr_py/kernels/``)."""
from __future__ import annotations

import numpy as np

from .._shapes import as_bool, as_int, as_int_tuple, describe, per_axis
from ..default_options import default_override_or, resolve_defaults
from ..initializer import as_initializer, glorot_uniform
from ..ops.activations import identity
from ..ops.convolution import ConvolutionOp, ConvolutionTransposeOp, check_input_rank
from .base import INFERRED, Layer

__all__ = ["Convolution", "Convolution1D", "Convolution2D", "Convolution3D",
           "ConvolutionTranspose", "ConvolutionTranspose1D", "ConvolutionTranspose2D",
           "ConvolutionTranspose3D"]


class _ConvolutionTranspose(Layer):
    def __init__(self, kernel, num_filters, activation, init, pad, strides, dilation, bias,
                 init_bias, output_shape, reduction_rank, chunk, dtype, name, scalar_strides):
        super().__init__("ConvolutionTranspose", name, activation)
        rank = len(kernel)
        self._out_depth = () if num_filters is None else (num_filters,)
        self._dtype = dtype
        self._reduction_rank = reduction_rank
        self._params = dict(strides=strides, pad=pad, dilation=dilation, output_shape=output_shape,
                            reduction_rank=reduction_rank, max_temp_mem_size_in_samples=chunk,
                            scalar_strides=scalar_strides)
        # W is (in_depth, num_filters, *filter_shape): the output axes lie before the filter's
        init_W = as_initializer(init).with_defaults(output_rank=-1, filter_rank=rank)
        self.add_parameter("W", (INFERRED,) + self._out_depth + kernel, init_W)
        self.add_member("b", self.add_parameter("b", self._out_depth + (1,) * rank,
                                                as_initializer(init_bias)) if bias else None)

    def apply(self, x):
        rank = len(self._params["strides"])
        check_input_rank(x.shape, rank, self._reduction_rank)
        in_depth = x.shape[0] if self._reduction_rank else 1
        dtype = self._dtype if self._dtype is not None else x.dtype
        if dtype != x.dtype:
            raise ValueError(f"ConvolutionTranspose: the layer was built for {dtype.name} "
                             f"(default_options(dtype=...)) but the input is {x.dtype.name}")
        W, b = self.W, self.b
        self.infer(W, (in_depth,) + tuple(W.shape[1:]), dtype, "input")
        self.infer(b, None, dtype)
        inputs = [W, x] + ([b] if b is not None else [])
        return ConvolutionTransposeOp(inputs, self.name, **self._params)


def ConvolutionTranspose(filter_shape, num_filters=None,
                         activation=default_override_or(identity),
                         init=default_override_or(glorot_uniform()),
                         pad=default_override_or(False), strides=1, sharing=True,
                         bias=default_override_or(True), init_bias=default_override_or(0),
                         output_shape=None, reduction_rank=1, dilation=1,
                         max_temp_mem_size_in_samples=0, name=""):
    """Transposed convolution ("deconvolution") over 1 to 3 spatial axes, as CNTK 2.7's.

    The input is ``(in_depth, *spatial)`` (or just ``spatial`` with ``reduction_rank=0``, where
    in_depth is 1); the output is ``(num_filters, *out)``; W is
    ``(in_depth, num_filters, *filter_shape)`` and b is ``(num_filters, 1, ..., 1)``.

    ``num_filters=None`` (or ``()``, CNTK's spelling) gives scalar output items from a W of
    shape ``(in_depth, *filter_shape)`` and a b of shape ``(1, ..., 1)``. The output keeps a
    depth axis of 1, ``(1, *out)``, as CNTK 2.7 measurably does (its docs promise no depth axis). CNTK
    itself fails at eval for in_depth > 1 ("Mismatching outputShape and mapCount"); cntkr
    sums over the input depth there, as one filter would.
    ``output_shape`` gives the spatial output size, one value per filter axis (or one number
    for all); see ``cntkr_py.kernels.conv_transpose`` for which sizes are admissible.
    ``dilation`` works on CPU and CUDA (CNTK: GPU only); ``max_temp_mem_size_in_samples=k``
    runs forward and backward in chunks of at most k samples.
    """
    opts = resolve_defaults(ConvolutionTranspose, activation=activation, init=init, pad=pad,
                            bias=bias, init_bias=init_bias, dtype=default_override_or(None))
    kernel = as_int_tuple(filter_shape, "filter_shape", minimum=1)
    rank = len(kernel)
    if not 1 <= rank <= 3:
        raise ValueError(f"filter_shape must have 1, 2 or 3 axes, got {rank}: {describe(filter_shape)}")
    if isinstance(num_filters, (tuple, list)) and len(num_filters) == 0:
        num_filters = None
    if num_filters is not None:
        if isinstance(num_filters, (tuple, list)):
            if len(num_filters) != 1:
                raise ValueError(f"num_filters must be a single integer or None, got "
                                 f"{describe(num_filters)}")
            num_filters = num_filters[0]
        num_filters = as_int(num_filters, "num_filters", minimum=1)
    if not all(per_axis(sharing, rank, "sharing", kind="bool")):
        raise ValueError("sharing=False is not supported: ConvolutionTranspose always shares "
                         "weights across positions (CNTK 2.7 has no unshared weights either)")
    if output_shape is not None:
        if isinstance(output_shape, (tuple, list)) and len(output_shape) != rank:
            raise ValueError(f"output_shape must have one value per filter axis ({rank}), got "
                             f"{describe(output_shape)}")
        output_shape = per_axis(output_shape, rank, "output_shape", minimum=1)
    reduction_rank = as_int(reduction_rank, "reduction_rank")
    if reduction_rank not in (0, 1):
        raise ValueError(f"reduction_rank must be 0 (input without depth axis) or 1, "
                         f"got {reduction_rank}")
    dtype = opts["dtype"]
    if dtype is not None:
        from ..variables import as_dtype
        dtype = as_dtype(dtype)
    return _ConvolutionTranspose(
        kernel, num_filters, opts["activation"], opts["init"],
        per_axis(opts["pad"], rank, "pad", kind="bool"), per_axis(strides, rank, "strides"),
        per_axis(dilation, rank, "dilation"), as_bool(opts["bias"], "bias"), opts["init_bias"],
        output_shape, reduction_rank,
        as_int(max_temp_mem_size_in_samples, "max_temp_mem_size_in_samples", minimum=0),
        dtype, name, not isinstance(strides, (tuple, list, np.ndarray)))


def _fixed_rank(rank, fname, filter_shape):
    kernel = as_int_tuple(filter_shape, "filter_shape", minimum=1)
    if len(kernel) not in (1, rank):
        raise ValueError(f"{fname}: filter_shape must be a scalar or a {rank}D tuple, "
                         f"got {describe(filter_shape)}")
    return kernel * rank if len(kernel) == 1 else kernel


def _make_fixed(rank):
    fname = f"ConvolutionTranspose{rank}D"

    def layer(filter_shape, num_filters=None, activation=default_override_or(identity),
              init=default_override_or(glorot_uniform()), pad=default_override_or(False),
              strides=1, bias=default_override_or(True), init_bias=default_override_or(0),
              output_shape=None, reduction_rank=1, dilation=1, name=""):
        opts = resolve_defaults(layer, activation=activation, init=init, pad=pad, bias=bias,
                                init_bias=init_bias)
        return ConvolutionTranspose(
            _fixed_rank(rank, fname, filter_shape), num_filters, opts["activation"],
            opts["init"], opts["pad"], strides, True, opts["bias"], opts["init_bias"],
            output_shape, reduction_rank=reduction_rank, dilation=dilation, name=name)

    layer.__name__ = layer.__qualname__ = fname
    layer.__doc__ = (f"{rank}-D ConvolutionTranspose: ``filter_shape`` is a scalar or a {rank}D "
                     "tuple; otherwise the same as ``ConvolutionTranspose``.")
    return layer


ConvolutionTranspose1D = _make_fixed(1)
ConvolutionTranspose2D = _make_fixed(2)
ConvolutionTranspose3D = _make_fixed(3)


# ---- Convolution --------------------------------------------------------------------------------
class _Convolution(Layer):
    def __init__(self, kernel, num_filters, activation, init, pad, strides, dilation, bias,
                 init_bias, reduction_rank, chunk, dtype, name, scalar_strides):
        super().__init__("Convolution", name, activation)
        rank = len(kernel)
        out_depth = (1,) if num_filters is None else (num_filters,)
        self._dtype = dtype
        self._reduction_rank = reduction_rank
        self._params = dict(strides=strides, pad=pad, dilation=dilation,
                            reduction_rank=reduction_rank, scalar_output=num_filters is None,
                            groups=1, max_temp_mem_size_in_samples=chunk,
                            scalar_strides=scalar_strides)
        # W is (num_filters, in_depth, *filter_shape) (num_filters 1 for scalar output items)
        init_W = as_initializer(init).with_defaults(output_rank=-1, filter_rank=rank)
        self.add_parameter("W", out_depth + (INFERRED,) + kernel, init_W)
        self.add_member("b", self.add_parameter("b", out_depth + (1,) * rank,
                                                as_initializer(init_bias)) if bias else None)

    def apply(self, x):
        rank = len(self._params["strides"])
        check_input_rank(x.shape, rank, self._reduction_rank, "Convolution")
        in_depth = x.shape[0] if self._reduction_rank else 1
        dtype = self._dtype if self._dtype is not None else x.dtype
        if dtype != x.dtype:
            raise ValueError(f"Convolution: the layer was built for {dtype.name} "
                             f"(default_options(dtype=...)) but the input is {x.dtype.name}")
        W, b = self.W, self.b
        self.infer(W, (W.shape[0], in_depth) + tuple(W.shape[2:]), dtype, "input")
        self.infer(b, None, dtype)
        inputs = [W, x] + ([b] if b is not None else [])
        return ConvolutionOp(inputs, self.name, **self._params)


def _num_filters(num_filters):
    """None for scalar output items (None or ``()``), else a positive int."""
    if isinstance(num_filters, (tuple, list)) and len(num_filters) == 0:
        return None
    if num_filters is None:
        return None
    if isinstance(num_filters, (tuple, list)):
        if len(num_filters) != 1:
            raise ValueError(f"num_filters must be a single integer or None, got "
                             f"{describe(num_filters)}")
        num_filters = num_filters[0]
    return as_int(num_filters, "num_filters", minimum=1)


def Convolution(filter_shape, num_filters=None, sequential=False,
                activation=default_override_or(identity),
                init=default_override_or(glorot_uniform()), pad=default_override_or(False),
                strides=1, sharing=True, bias=default_override_or(True),
                init_bias=default_override_or(0), reduction_rank=1, transpose_weight=False,
                dilation=1, groups=1, max_temp_mem_size_in_samples=0, op_name="Convolution",
                name=""):
    """Convolution (correlation, as in CNTK) over 1 to 3 spatial axes, as CNTK 2.7's.

    The input is ``(in_depth, *spatial)`` (or just ``spatial`` with ``reduction_rank=0``); the
    output is ``(num_filters, *out)``; W is ``(num_filters, in_depth, *filter_shape)`` and b is
    ``(num_filters, 1, ..., 1)``. ``num_filters=None`` (or ``()``) gives scalar output items:
    W ``(1, in_depth, *filter_shape)``, output ``out`` without a depth axis.

    Per axis, ``pad=False`` gives ``floor((n - k) / s) + 1`` outputs, ``pad=True``
    ``ceil(n / s)`` with CNTK's centred windows (``cntkr_py.kernels.window``); CNTK requires
    ``k <= n`` either way. ``dilation`` works on CPU and CUDA (CNTK: GPU only).
    ``sequential=True``, ``sharing=False``, ``transpose_weight=True`` and ``groups > 1`` are
    rejected, as by CNTK 2.7's layer (``groups``: its message; use the bare op).
    """
    opts = resolve_defaults(Convolution, activation=activation, init=init, pad=pad, bias=bias,
                            init_bias=init_bias, dtype=default_override_or(None))
    kernel = as_int_tuple(filter_shape, "filter_shape", minimum=1)
    rank = len(kernel)
    if not 1 <= rank <= 3:
        raise ValueError(f"filter_shape must have 1, 2 or 3 axes, got {rank}: "
                         f"{describe(filter_shape)}")
    num_filters = _num_filters(num_filters)
    if as_bool(sequential, "sequential"):
        raise ValueError("sequential=True is not supported: cntkr has no sequence axes")
    if not all(per_axis(sharing, rank, "sharing", kind="bool")):
        raise ValueError("sharing=False is not supported: CNTK 2.7's Convolution always shares "
                         "weights across positions")
    reduction_rank = as_int(reduction_rank, "reduction_rank")
    if reduction_rank not in (0, 1):
        raise ValueError(f"reduction_rank must be 0 (input without depth axis) or 1, "
                         f"got {reduction_rank}")
    if as_bool(transpose_weight, "transpose_weight"):
        raise NotImplementedError("Convolution: transpose_weight=True is not supported "
                                  "(as in CNTK 2.7)")
    groups = as_int(groups, "groups")
    if groups <= 0:
        raise ValueError(f"groups must be positive, got {groups}")
    if groups > 1:
        raise ValueError("Convolution: groups > 1 is not supported by the Convolution layer (as in "
                         "CNTK 2.7); use the bare convolution op")
    dtype = opts["dtype"]
    if dtype is not None:
        from ..variables import as_dtype
        dtype = as_dtype(dtype)
    return _Convolution(
        kernel, num_filters, opts["activation"], opts["init"],
        per_axis(opts["pad"], rank, "pad", kind="bool"), per_axis(strides, rank, "strides"),
        per_axis(dilation, rank, "dilation"), as_bool(opts["bias"], "bias"), opts["init_bias"],
        reduction_rank,
        as_int(max_temp_mem_size_in_samples, "max_temp_mem_size_in_samples", minimum=0),
        dtype, name, not isinstance(strides, (tuple, list, np.ndarray)))


def _make_fixed_conv(rank):
    fname = f"Convolution{rank}D"

    def layer(filter_shape, num_filters=None, activation=default_override_or(identity),
              init=default_override_or(glorot_uniform()), pad=default_override_or(False),
              strides=1, bias=default_override_or(True), init_bias=default_override_or(0),
              reduction_rank=1, dilation=1, groups=1, name=""):
        opts = resolve_defaults(layer, activation=activation, init=init, pad=pad, bias=bias,
                                init_bias=init_bias)
        return Convolution(
            _fixed_rank(rank, fname, filter_shape), num_filters, False, opts["activation"],
            opts["init"], opts["pad"], strides, True, opts["bias"], opts["init_bias"],
            reduction_rank=reduction_rank, dilation=dilation, groups=groups, name=name)

    if rank == 1:  # CNTK 2.7's Convolution1D has no groups argument
        def layer1(filter_shape, num_filters=None, activation=default_override_or(identity),
                   init=default_override_or(glorot_uniform()), pad=default_override_or(False),
                   strides=1, bias=default_override_or(True), init_bias=default_override_or(0),
                   reduction_rank=1, dilation=1, name=""):
            opts = resolve_defaults(layer1, activation=activation, init=init, pad=pad, bias=bias,
                                    init_bias=init_bias)
            return Convolution(
                _fixed_rank(rank, fname, filter_shape), num_filters, False, opts["activation"],
                opts["init"], opts["pad"], strides, True, opts["bias"], opts["init_bias"],
                reduction_rank=reduction_rank, dilation=dilation, name=name)
        layer = layer1
    layer.__name__ = layer.__qualname__ = fname
    layer.__doc__ = (f"{rank}-D Convolution: ``filter_shape`` is a scalar or a {rank}D tuple; "
                     "otherwise the same as ``Convolution``.")
    return layer


Convolution1D = _make_fixed_conv(1)
Convolution2D = _make_fixed_conv(2)
Convolution3D = _make_fixed_conv(3)
