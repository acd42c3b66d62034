"""ConvolutionTranspose layers, with CNTK 2.7's exact semantics (see docs/cntk-semantics.md).

Per spatial axis with input length n, kernel k, stride s, dilation d (k' = d*(k-1)+1):

* the full transposed-convolution grid has length  L = (n-1)*s + k';
* the default output length is (n-1)*s + 1 on padded axes and L on unpadded ones;
* ``output_shape`` may ask for any length `out` whose forward convolution (same kernel, stride
  and padding) gives back n: padded axes admit (n-1)*s+1 ... n*s, unpadded ones L ... L+s-1;
* the output is the window [start, start+out) of the full grid (zeros beyond it), with
  start = (k'-1)//2 - ((out-1) mod s)//2 on padded axes and 0 on unpadded ones.

That window is one ``torch.nn.functional.conv_transpose{1,2,3}d`` call with padding=start and
output_padding=out-(L-2*start) whenever those are legal for torch; otherwise the full grid is
computed and cropped/zero-extended (still exact, bias added after).

W has shape (in_depth, num_filters, *filter_shape) -- torch's transposed layout, unflipped.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .._shapes import as_bool, as_int, as_int_tuple, per_axis
from ..default_options import default_override_or, get_default_override
from ..functions import Function
from ..initializer import as_initializer, glorot_uniform
from ..ops import identity
from ..variables import INFERRED, Parameter, Variable, as_dtype

__all__ = ["ConvolutionTranspose", "ConvolutionTranspose1D", "ConvolutionTranspose2D",
           "ConvolutionTranspose3D", "Layer", "admissible_output_lengths"]

_TORCH_CONV_T = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}


def admissible_output_lengths(n: int, k: int, s: int, d: int, pad: bool) -> range:
    """Output lengths of one axis whose forward convolution gives back input length n."""
    if pad:
        return range((n - 1) * s + 1, n * s + 1)
    full = (n - 1) * s + d * (k - 1) + 1
    return range(full, full + s)


class _Geometry:
    """How one bound ConvolutionTranspose maps onto torch, for a given input shape."""

    def __init__(self, spatial, kernel, strides, dilation, pad, output_shape):
        self.rank = len(kernel)
        outs, starts = [], []
        for ax, (n, k, s, d, p) in enumerate(zip(spatial, kernel, strides, dilation, pad)):
            allowed = admissible_output_lengths(n, k, s, d, p)
            out = allowed.start if output_shape is None else output_shape[ax]
            if out not in allowed:
                raise ValueError(
                    f"output_shape[{ax}]={out} is not admissible for input length {n}, "
                    f"filter {k}, stride {s}{', padded' if p else ''}: a convolution of the output "
                    f"must give back the input, so it must be one of {list(allowed)}")
            keff = d * (k - 1) + 1
            outs.append(out)
            starts.append((keff - 1) // 2 - ((out - 1) % s) // 2 if p else 0)
        self.out = tuple(outs)
        full = [(n - 1) * s + d * (k - 1) + 1
                for n, k, s, d in zip(spatial, kernel, strides, dilation)]
        extra = [o - (L - 2 * st) for o, L, st in zip(outs, full, starts)]
        self.padding = tuple(starts)
        self.output_padding = tuple(extra)
        self.strides, self.dilation = tuple(strides), tuple(dilation)
        self.conv = _TORCH_CONV_T[self.rank]
        # torch takes the window directly when padding >= 0 and output_padding < max(s, d)
        self.direct = all(st >= 0 and 0 <= e < max(s, d)
                          for st, e, s, d in zip(starts, extra, strides, dilation))
        # otherwise: F.pad amounts (last axis first) that turn the full grid into the window
        self.crop = [v for st, o, L in reversed(list(zip(starts, outs, full)))
                     for v in (-st, st + o - L)]

    def __call__(self, x, W, b):
        if x.numel() >= 65536 and _few_filters(W, self.rank):
            if self.direct and torch.is_grad_enabled() and \
                    (x.requires_grad or W.requires_grad or (b is not None and b.requires_grad)):
                return _Direct.apply(self, x, W, b)
            return self._call_without_onednn(x, W, b)
        return self._call(x, W, b)

    def _call_without_onednn(self, x, W, b):
        # oneDNN's transposed convolution is slow for a handful of output channels (measured
        # 2x slower than torch's GEMM + col2im path for the DCGAN last layer, see
        # docs/benchmarks.md); switch it off for the forward call only -- the backward
        # (run later by autograd) keeps oneDNN, which is the faster one there.
        prev = torch._C._get_mkldnn_enabled()
        torch._C._set_mkldnn_enabled(False)
        try:
            return self._call(x, W, b)
        finally:
            torch._C._set_mkldnn_enabled(prev)

    def _call(self, x, W, b):
        conv = self.conv
        if self.direct:
            return conv(x, W, b, self.strides, self.padding, self.output_padding, 1, self.dilation)
        y = F.pad(conv(x, W, None, self.strides, 0, 0, 1, self.dilation), self.crop)
        if b is not None:
            y = y + b.view(1, -1, *([1] * self.rank))
        return y


_TORCH_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}


class _Direct(torch.autograd.Function):
    """The direct (one torch call) transposed convolution for few filters and large inputs
    (see Geometry.__call__), with a backward that picks the faster of two exact formulations
    per gradient (measured, see docs/benchmarks.md):

    * input gradient: torch's own transposed backward (for few filters the forward convolution
      of dy with W is the slower one; for many it is ~10-15% faster, see ``few``);
    * weight gradient: the weight gradient of the convolution x = conv(dy, W), input and output
      swapped (~1.8x faster than torch's transposed backward-weights for the DCGAN last
      layer's 3 filters).
    Both give the same sums as torch's backward (bit-identical in the measured cases). Only
    used where it wins: a Python backward costs ~20-50 µs, too much for small inputs."""

    @staticmethod
    def forward(ctx, geometry, x, W, b):
        ctx.geometry = geometry
        ctx.save_for_backward(x, W)
        ctx.has_b = b is not None
        return geometry._call_without_onednn(x, W, b)

    @staticmethod
    def backward(ctx, gy):
        x, W = ctx.saved_tensors
        geo = ctx.geometry
        _, need_x, need_W, need_b = ctx.needs_input_grad
        few = _few_filters(W, geo.rank)
        r = geo.rank
        gx = gW = gb = None
        strides, padding, dil = list(geo.strides), list(geo.padding), list(geo.dilation)
        transposed = [need_x and few, need_W and not few]
        if any(transposed):
            g = torch.ops.aten.convolution_backward(
                gy, x, W, None, strides, padding, dil, True, list(geo.output_padding), 1,
                [transposed[0], transposed[1], False])
            gx, gW = g[0], g[1]
        if need_x and not few:
            gx = _TORCH_CONV[r](gy, W, None, geo.strides, geo.padding, geo.dilation)
        if need_W and few:
            gW = torch.ops.aten.convolution_backward(
                x, gy, W, None, strides, padding, dil, False, [0] * r, 1, [False, True, False])[1]
        if need_b and ctx.has_b:
            gb = gy.sum([0] + list(range(2, 2 + r)))
        return None, gx, gW, gb


def _few_filters(W, rank):
    """Whether the forward is faster without oneDNN: CPU float32 with fewer than 8 output
    channels (2D: 1-4 filters measured 1.5-4x faster), or 3D with at most 8. (The caller
    skips tiny inputs, where both paths cost the same and the switch would be overhead.)"""
    n = W.shape[1]
    return (W.device.type == "cpu" and W.dtype == torch.float32
            and (n < 8 or (rank == 3 and n <= 8)))


class _Chunked(torch.autograd.Function):
    """Forward and backward over slices of at most `chunk` samples (bounded workspace).

    The output and the input gradient are preallocated and filled slice by slice, so that at
    any time only one slice's temporaries exist besides them; where torch takes the window
    directly, the backward of a slice is one ``aten.convolution_backward`` call (no forward
    recomputation), else the slice's forward is recomputed under autograd."""

    @staticmethod
    def forward(ctx, geometry, chunk, x, W, b):
        ctx.geometry, ctx.chunk = geometry, chunk
        ctx.save_for_backward(x, W, b)
        y = None
        for i in range(0, x.shape[0], chunk):
            yc = geometry(x[i:i + chunk], W, b)
            if y is None:
                y = yc.new_empty((x.shape[0],) + tuple(yc.shape[1:]))
            y[i:i + chunk] = yc
            del yc
        return y

    @staticmethod
    def backward(ctx, gy):
        x, W, b = ctx.saved_tensors
        _, _, need_x, need_W, need_b = ctx.needs_input_grad
        need_b = need_b and b is not None
        geo = ctx.geometry
        gx = torch.empty_like(x) if need_x else None
        gW = gb = None
        for i in range(0, x.shape[0], ctx.chunk):
            xc, gc = x[i:i + ctx.chunk], gy[i:i + ctx.chunk]
            if geo.direct:
                g = torch.ops.aten.convolution_backward(
                    gc, xc, W, None if b is None else [b.shape[0]], list(geo.strides),
                    list(geo.padding), list(geo.dilation), True, list(geo.output_padding), 1,
                    [need_x, need_W, need_b])
            else:
                with torch.enable_grad():
                    leaves = [xc.detach().requires_grad_(need_x), W.detach().requires_grad_(need_W),
                              None if b is None else b.detach().requires_grad_(need_b)]
                    y = geo(*leaves)
                    wanted = [t for t in leaves if t is not None and t.requires_grad]
                    got = iter(torch.autograd.grad(y, wanted, gc)) if wanted else iter(())
                    del y
                g = [next(got) if need_x else None, next(got) if need_W else None,
                     next(got) if need_b else None]
            if need_x:
                gx[i:i + ctx.chunk] = g[0]
            if need_W:
                gW = g[1] if gW is None else gW.add_(g[1])
            if need_b:
                gb = g[2] if gb is None else gb.add_(g[2])
            del g
        return None, None, gx, gW, gb


class Layer:
    """A layer: call it on a Variable or Function to get a Function (parameters are shared
    between calls). Its parameters are attributes (``.W``, ``.b``)."""

    def __init__(self, op_name, name, members, bind):
        self.op_name = op_name
        self.name = name
        self._members = members
        self._bind = bind

    def __getattr__(self, name):
        members = self.__dict__.get("_members", {})
        if name in members:
            return members[name]
        raise AttributeError(f"'{self.op_name}' layer has no attribute '{name}'")

    @property
    def parameters(self) -> list:
        return [p for p in self._members.values() if isinstance(p, Parameter)]

    def __call__(self, x):
        if not isinstance(x, Variable):
            raise TypeError(f"{self.op_name}: apply the layer to an input variable or a Function, "
                            f"got {type(x).__name__}")
        return self._bind(x)

    def __repr__(self):
        return f"{self.op_name}('{self.name}', W={self._members.get('W')!r})"


def ConvolutionTranspose(filter_shape, num_filters=None,
                         activation=default_override_or(identity),
                         init=default_override_or(glorot_uniform()),
                         pad=default_override_or(False), strides=1, sharing=True,
                         bias=default_override_or(True), init_bias=default_override_or(0),
                         output_shape=None, reduction_rank=1, dilation=1,
                         max_temp_mem_size_in_samples=0, name=""):
    """Transposed convolution ("deconvolution") over 1 to 3 spatial axes, as CNTK 2.7's.

    The input is (in_depth, *spatial) (or just (*spatial) with ``reduction_rank=0``, where
    in_depth is 1); the output is (num_filters, *out); W is (in_depth, num_filters,
    *filter_shape) and b is (num_filters, 1, ..., 1).

    ``num_filters=None`` (or ``()``, CNTK's spelling) gives scalar output items from a W of
    shape (in_depth, *filter_shape) and a b of shape (1, ..., 1). The output keeps a depth
    axis of 1, (1, *out), as CNTK 2.7 measurably does (its docs promise no depth axis). CNTK
    itself fails at eval for in_depth > 1 ("Mismatching outputShape and mapCount"); cntkr
    sums over the input depth there, as one filter would.
    Output lengths and the meaning of ``pad``/``output_shape``: see the module docstring.
    ``dilation`` works on CPU and CUDA (CNTK: GPU only); ``max_temp_mem_size_in_samples=k``
    runs forward and backward in chunks of at most k samples.
    """
    f = ConvolutionTranspose
    activation = get_default_override(f, activation=activation)
    init = get_default_override(f, init=init)
    pad = get_default_override(f, pad=pad)
    bias = get_default_override(f, bias=bias)
    init_bias = get_default_override(f, init_bias=init_bias)
    dtype = get_default_override(f, dtype=default_override_or(None))

    kernel = as_int_tuple(filter_shape, "filter_shape", minimum=1)
    rank = len(kernel)
    if not 1 <= rank <= 3:
        raise ValueError(f"filter_shape must have 1, 2 or 3 axes, got {rank}: {filter_shape!r}")
    if num_filters is not None and not (isinstance(num_filters, (tuple, list)) and
                                        len(num_filters) == 0):
        if isinstance(num_filters, (tuple, list)):
            if len(num_filters) != 1:
                raise ValueError(f"num_filters must be a single integer or None, got {num_filters!r}")
            num_filters = num_filters[0]
        num_filters = as_int(num_filters, "num_filters", minimum=1)
    else:
        num_filters = None
    if activation is not None and not callable(activation):
        raise TypeError(f"activation must be a function such as relu, or None, got {activation!r}")
    pad = per_axis(pad, rank, "pad", kind="bool")
    strides = per_axis(strides, rank, "strides", minimum=1)
    dilation = per_axis(dilation, rank, "dilation", minimum=1)
    if not all(per_axis(sharing, rank, "sharing", kind="bool")):
        raise ValueError("sharing=False is not supported: ConvolutionTranspose always shares "
                         "weights across positions (CNTK 2.7 has no unshared weights either)")
    bias = as_bool(bias, "bias")
    if output_shape is not None:
        output_shape = per_axis(output_shape, rank, "output_shape", minimum=1)
    reduction_rank = as_int(reduction_rank, "reduction_rank")
    if reduction_rank not in (0, 1):
        raise ValueError(f"reduction_rank must be 0 (input without depth axis) or 1, "
                         f"got {reduction_rank}")
    chunk = as_int(max_temp_mem_size_in_samples, "max_temp_mem_size_in_samples", minimum=0)
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, got {name!r}")

    out_depth = () if num_filters is None else (num_filters,)
    init_W = as_initializer(init).with_defaults(output_rank=-1, filter_rank=rank)
    W = Parameter((INFERRED,) + out_depth + kernel, init=init_W, name="W")
    b = Parameter(out_depth + (1,) * rank, init=as_initializer(init_bias), name="b",
                  _defer=True) if bias else None
    members = {"W": W, "b": b}

    def bind(x):
        xs = tuple(x.shape)
        if len(xs) != reduction_rank + rank:
            layout = "(in_depth, *spatial)" if reduction_rank else "(*spatial)"
            raise ValueError(
                f"ConvolutionTranspose: input of shape {xs} has rank {len(xs)}, but a "
                f"{rank}-D filter_shape with reduction_rank={reduction_rank} needs an input of rank "
                f"{reduction_rank + rank} {layout}")
        in_depth = xs[0] if reduction_rank else 1
        p_dtype = as_dtype(dtype) if dtype is not None else x.dtype
        if p_dtype != x.dtype:
            raise ValueError(f"ConvolutionTranspose: the layer was built for {p_dtype.name} "
                             f"(default_options(dtype=...)) but the input is {x.dtype.name}")
        if not W._resolved():
            W._materialize((in_depth,) + out_depth + kernel, p_dtype)
        elif W.shape[0] != in_depth:
            raise ValueError(f"ConvolutionTranspose: this layer was first applied to inputs of depth "
                             f"{W.shape[0]}, now to an input of shape {xs} (depth {in_depth})")
        if b is not None and not b._resolved():
            b._materialize(b.shape, p_dtype)
        geometry = _Geometry(xs[reduction_rank:], kernel, strides, dilation, pad, output_shape)
        batched = x.has_batch_axis

        flat_b = [None, None]  # (b's tensor, its 1-D view): reshaped once, not per call

        def forward(xt, Wt, bt=None):
            if not batched:
                xt = xt.unsqueeze(0)
            if not reduction_rank:
                xt = xt.unsqueeze(1)
            if num_filters is None:
                Wt = Wt.unsqueeze(1)
            if bt is not None:
                if bt is flat_b[0]:
                    bt = flat_b[1]
                elif bt.requires_grad:  # a leaf of this grad call only
                    bt = bt.reshape(-1)
                else:
                    flat_b[:] = bt, bt.reshape(-1)
                    bt = flat_b[1]
            if 0 < chunk < xt.shape[0]:
                y = _Chunked.apply(geometry, chunk, xt, Wt, bt)
            else:
                y = geometry(xt, Wt, bt)
            return y if batched else y.squeeze(0)

        inputs = [x, W] + ([b] if b is not None else [])
        r = Function("ConvolutionTranspose", inputs, forward, (num_filters or 1,) + geometry.out,
                     W.dtype, name, members)
        if activation is not None and activation is not identity:
            r = activation(r)
            if not isinstance(r, Function):
                raise TypeError("activation must return a Function built from cntkr operations, "
                                f"got {type(r).__name__}")
            r._members.update(members)
            if name:
                r.name = name
        return r

    return Layer("ConvolutionTranspose", name, members, bind)


def _fixed_rank(rank, fname, filter_shape):
    kernel = as_int_tuple(filter_shape, "filter_shape", minimum=1)
    if len(kernel) not in (1, rank):
        raise ValueError(f"{fname}: filter_shape must be a scalar or a {rank}D tuple, "
                         f"got {filter_shape!r}")
    return kernel * rank if len(kernel) == 1 else kernel


def _make_fixed(rank):
    fname = f"ConvolutionTranspose{rank}D"

    def layer(filter_shape, num_filters=None, activation=default_override_or(identity),
              init=default_override_or(glorot_uniform()), pad=default_override_or(False),
              strides=1, bias=default_override_or(True), init_bias=default_override_or(0),
              output_shape=None, reduction_rank=1, dilation=1, name=""):
        f = layer
        return ConvolutionTranspose(
            _fixed_rank(rank, fname, filter_shape), num_filters,
            get_default_override(f, activation=activation), get_default_override(f, init=init),
            get_default_override(f, pad=pad), strides, True, get_default_override(f, bias=bias),
            get_default_override(f, init_bias=init_bias), output_shape,
            reduction_rank=reduction_rank, dilation=dilation, name=name)

    layer.__name__ = layer.__qualname__ = fname
    layer.__doc__ = (f"{rank}-D ConvolutionTranspose: ``filter_shape`` is a scalar or a {rank}D "
                     "tuple; otherwise the same as ``ConvolutionTranspose``.")
    return layer


ConvolutionTranspose1D = _make_fixed(1)
ConvolutionTranspose2D = _make_fixed(2)
ConvolutionTranspose3D = _make_fixed(3)
