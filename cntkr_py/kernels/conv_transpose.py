"""ConvolutionTranspose's torch kernels, with CNTK 2.7's exact geometry (docs/cntk-semantics.md).

Per spatial axis with input length n, kernel k, stride s, dilation d (k' = d*(k-1)+1):

* the full transposed-convolution grid has length  L = (n-1)*s + k';
* the default output length is (n-1)*s + 1 on padded axes and L on unpadded ones;
* an ``output_shape`` may ask for any length `out` whose forward convolution (same kernel, stride
  and padding) gives back n: padded axes admit (n-1)*s+1 ... n*s, unpadded ones L ... L+s-1;
* the output is the window [start, start+out) of the full grid (zeros beyond it), with
  start = (k'-1)//2 - ((out-1) mod s)//2 on padded axes and 0 on unpadded ones.

That window is one ``torch.nn.functional.conv_transpose{1,2,3}d`` call with padding=start and
output_padding=out-(L-2*start) whenever those are legal for torch; otherwise the full grid is
computed and cropped/zero-extended (still exact, bias added after).

W has shape ``(in_depth, num_filters, *filter_shape)``: torch's transposed layout, unflipped.
The speed paths (measured in docs/benchmarks.md) live here, away from the API: oneDNN off for
few filters, a custom backward for few filters, and chunking over samples.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .. import _torch_private as tp
from .._shapes import describe, item

__all__ = ["Geometry", "Chunked", "admissible_output_lengths"]

_TORCH_CONV_T = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}


def admissible_output_lengths(n: int, k: int, s: int, d: int, pad: bool) -> range:
    """Output lengths of one axis whose forward convolution gives back input length n."""
    if pad:
        return range((n - 1) * s + 1, n * s + 1)
    full = (n - 1) * s + d * (k - 1) + 1
    return range(full, full + s)


class Geometry:
    """How one bound ConvolutionTranspose maps onto torch, for a given input shape."""

    def __init__(self, spatial, kernel, strides, dilation, pad, output_shape):
        self.rank = len(kernel)
        outs, starts = [], []
        for ax, (n, k, s, d, p) in enumerate(zip(spatial, kernel, strides, dilation, pad)):
            allowed = admissible_output_lengths(n, k, s, d, p)
            out = allowed.start if output_shape is None else output_shape[ax]
            if out not in allowed:
                raise ValueError(
                    f"{item('output_shape', ax)}={out} is not admissible for input length {n}, "
                    f"filter {k}, stride {s}{', padded' if p else ''}: a convolution of the output "
                    f"must give back the input, so it must be one of {describe(list(allowed))}")
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
        prev = tp.mkldnn_enabled()
        tp.set_mkldnn_enabled(False)
        try:
            return self._call(x, W, b)
        finally:
            tp.set_mkldnn_enabled(prev)

    def _call(self, x, W, b):
        conv = self.conv
        if self.direct:
            return conv(x, W, b, self.strides, self.padding, self.output_padding, 1, self.dilation)
        y = F.pad(conv(x, W, None, self.strides, 0, 0, 1, self.dilation), self.crop)
        if b is not None:
            y = y + b.view(1, -1, *([1] * self.rank))
        return y


class _Direct(torch.autograd.Function):
    """The direct (one torch call) transposed convolution for few filters and large inputs (see
    Geometry.__call__), with a backward that takes the faster exact formulation per gradient
    (measured, see docs/benchmarks.md):

    * input gradient: torch's own transposed backward;
    * weight gradient: the weight gradient of the convolution x = conv(dy, W), input and output
      swapped (~1.8x faster than torch's transposed backward-weights for the DCGAN last layer's
      3 filters).
    Both give the same sums as torch's backward. Only used where it wins: a Python backward
    costs ~20-50 µs, too much for small inputs."""

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
        gx = gW = gb = None
        if need_x:
            gx = tp.convolution_backward(gy, x, W, None, geo.strides, geo.padding, geo.dilation,
                                         True, geo.output_padding, 1, [True, False, False])[0]
        if need_W:
            gW = tp.convolution_backward(x, gy, W, None, geo.strides, geo.padding, geo.dilation,
                                         False, [0] * geo.rank, 1, [False, True, False])[1]
        if need_b and ctx.has_b:
            gb = gy.sum([0] + list(range(2, 2 + geo.rank)))
        return None, gx, gW, gb


def _few_filters(W, rank):
    """Whether the forward is faster without oneDNN: CPU float32 with fewer than 8 output
    channels (2D: 1-4 filters measured 1.5-4x faster), or 3D with at most 8. (The caller
    skips tiny inputs, where both paths cost the same and the switch would be overhead.)"""
    n = W.shape[1]
    return (W.device.type == "cpu" and W.dtype == torch.float32
            and (n < 8 or (rank == 3 and n <= 8)))


class Chunked(torch.autograd.Function):
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
                g = tp.convolution_backward(
                    gc, xc, W, None if b is None else [b.shape[0]], geo.strides, geo.padding,
                    geo.dilation, True, geo.output_padding, 1, [need_x, need_W, need_b])
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
