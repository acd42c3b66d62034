"""Sliding-window geometry shared by convolution and pooling, as CNTK 2.7 measurably computes it
(docs/cntk-semantics.md), and the torch kernels that run it.

Per spatial axis with input length n, kernel k, stride s, dilation d (k' = d*(k-1)+1); CNTK
requires k' <= n, padded or not:

* unpadded: ``out = floor((n - k') / s) + 1`` (``ceil`` instead with ``ceil_out_dim``), the first
  window starting at 0 (lower padding 0);
* padded (``auto_padding``): ``out = floor((n - 1) / s) + 1`` (``ceil`` with ``ceil_out_dim``) and
  the windows centred over the input: lower padding ``lo = (k' - 1) // 2 - trunc(r / 2)`` with
  ``r = n - 1 - (out - 1) * s`` (the input left over after the last window's start; negative
  when ``ceil_out_dim`` adds an output), truncated toward zero. ``lo`` may be negative (a
  window starting inside the input) and so may the upper padding ``(out - 1) * s + k' - lo - n``.

Padding is zero for convolutions, -inf for max pooling and left out of the average for average
pooling (counted as zeros with ``include_pad``). When both paddings of every axis are equal and
torch takes them directly -- or the upper padding is smaller but no window reaches past it, so
torch's symmetric padding by the lower one gives the same windows -- the kernels make one torch
call; otherwise the input is padded (or cropped: negative padding) with ``F.pad`` first.
"""
from __future__ import annotations

import itertools
import math

import torch
import torch.nn.functional as F

from .._shapes import item

__all__ = ["AxisWindow", "Window", "window_axis"]

_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
_MAX = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
_AVG = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}


class AxisWindow(tuple):
    """(out, lo, hi) of one axis: output length, lower and upper padding (either may be < 0)."""
    __slots__ = ()

    @property
    def out(self):
        return self[0]

    @property
    def lo(self):
        return self[1]

    @property
    def hi(self):
        return self[2]


def window_axis(n, k, s, d=1, pad=False, ceil_out_dim=False, op="Convolution", axis=0):
    """CNTK's output length and paddings of one axis (see the module docstring)."""
    keff = d * (k - 1) + 1
    if keff > n:
        raise ValueError(
            f"{op}: the window ({'dilated ' if d > 1 else ''}{item('filter_shape', axis)}={keff}) "
            f"is longer than the input axis it slides over (length {n}); CNTK 2.7 requires "
            "window <= input, padded or not")
    span = n - 1 if pad else n - keff
    out = (-(-span // s) if ceil_out_dim else span // s) + 1
    if pad:
        rest = n - 1 - (out - 1) * s
        lo = (keff - 1) // 2 - int(rest / 2)
    else:
        lo = 0
    hi = (out - 1) * s + keff - lo - n
    return AxisWindow((out, lo, hi))


class Window:
    """The geometry of one bound convolution or pooling over the last `rank` axes."""

    def __init__(self, spatial, kernel, strides, dilation, pad, ceil_out_dim=False,
                 op="Convolution"):
        self.rank = len(kernel)
        axes = [window_axis(n, k, s, d, p, ceil_out_dim, op, i)
                for i, (n, k, s, d, p) in enumerate(zip(spatial, kernel, strides, dilation, pad))]
        self.spatial = tuple(spatial)
        self.kernel, self.strides, self.dilation = tuple(kernel), tuple(strides), tuple(dilation)
        self.out = tuple(a.out for a in axes)
        self.lo = tuple(a.lo for a in axes)
        self.hi = tuple(a.hi for a in axes)
        # one torch call when torch's symmetric padding lo gives CNTK's windows: lo >= 0 and the
        # same output length (an upper padding hi < lo is then never reached by a window, as in
        # CNTK's padded stride-2 windows over even lengths: lo 2, hi 1 is torch's padding 2);
        # torch's pools also need padding <= half the kernel
        self.symmetric = all(
            a.lo >= 0 and a.hi <= a.lo and (n + 2 * a.lo - (d * (k - 1) + 1)) // s + 1 == a.out
            for a, n, k, s, d in zip(axes, spatial, kernel, strides, dilation))
        self.pool_direct = self.symmetric and all(a.lo <= k // 2 for a, k in zip(axes, kernel))
        # F.pad amounts, last axis first
        self.fpad = [v for a in reversed(axes) for v in (a.lo, a.hi)]
        self._counts = {}

    # ---- convolution ---------------------------------------------------------------------
    def conv(self, x, W, b=None, groups=1):
        """``x (N, C, *spatial)``, ``W (F, C/groups, *kernel)``, ``b (F,)`` or None -> ``(N, F, *out)``."""
        conv = _CONV[self.rank]
        if self.symmetric:
            return conv(x, W, b, self.strides, self.lo, self.dilation, groups)
        return conv(F.pad(x, self.fpad), W, b, self.strides, 0, self.dilation, groups)

    # ---- pooling -------------------------------------------------------------------------
    def max_pool(self, x):
        """``x (N, C, *spatial)`` -> ``(N, C, *out)``; padding never wins (-inf)."""
        if not (torch.is_grad_enabled() and x.requires_grad) and math.prod(self.kernel) <= 9:
            return self._max_of_slices(x)
        pool = _MAX[self.rank]
        if self.pool_direct:
            return pool(x, self.kernel, self.strides, self.lo)
        return pool(F.pad(x, self.fpad, value=-math.inf), self.kernel, self.strides)

    def _max_of_slices(self, x):
        """Inference only: the elementwise maximum of the prod(kernel) strided slices of the
        (padded) input, one per window offset -- the same values as torch's max_pool (measured
        2.5-4x faster than F.max_pool2d on CPU for 2x2 windows, 64x64x32x32); its gradient would
        split ties, so training runs torch's max_pool (the first maximum gets it, as in CNTK)."""
        if any(lo != 0 for lo in self.lo) or any(hi > 0 for hi in self.hi):
            x = F.pad(x, self.fpad, value=-math.inf)  # else the slices stop inside the input
        y = None
        for offset in itertools.product(*[range(k) for k in self.kernel]):
            index = (Ellipsis,) + tuple(slice(o, o + (n - 1) * s + 1, s)
                                        for o, n, s in zip(offset, self.out, self.strides))
            y = x[index] if y is None else torch.maximum(y, x[index])
        return y.clone() if math.prod(self.kernel) == 1 else y  # never a view of the input

    def avg_pool(self, x, include_pad=False):
        """``x (N, C, *spatial)`` -> ``(N, C, *out)``: the mean over each window's input elements (and
        its padding, as zeros, with ``include_pad``)."""
        pool = _AVG[self.rank]
        if self.pool_direct:
            return pool(x, self.kernel, self.strides, self.lo, False, include_pad)
        y = pool(F.pad(x, self.fpad), self.kernel, self.strides)
        if include_pad:
            return y
        return y * self._scale(x)

    def _scale(self, x):
        """window size / number of input elements in each window (CNTK: NaN where none)."""
        key = (x.device, x.dtype)
        scale = self._counts.get(key)
        if scale is None:
            ones = torch.ones((1, 1) + self.spatial, device=x.device, dtype=x.dtype)
            frac = _AVG[self.rank](F.pad(ones, self.fpad), self.kernel, self.strides)
            scale = 1.0 / frac[0]
            self._counts[key] = scale
        return scale
