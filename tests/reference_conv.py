"""A plain-loop NumPy ConvolutionTranspose, independent of cntkr's torch path, used as the
reference where CNTK cannot be (dilation on CPU, kernels larger than a padded input, ...)."""
import itertools

import numpy as np


def conv_transpose_reference(x, W, b, strides, dilation, pad, output_shape=None):
    """x: (N, C, *n), W: (C, F, *k), b: (F,) or None -> (N, F, *out), CNTK's semantics."""
    N, C = x.shape[:2]
    F, kernel = W.shape[1], W.shape[2:]
    spatial = x.shape[2:]
    rank = len(kernel)
    full = [(n - 1) * s + d * (k - 1) + 1 for n, k, s, d in zip(spatial, kernel, strides, dilation)]
    outs, starts = [], []
    for ax in range(rank):
        n, k, s, d, p = spatial[ax], kernel[ax], strides[ax], dilation[ax], pad[ax]
        default = (n - 1) * s + 1 if p else full[ax]
        out = default if output_shape is None else output_shape[ax]
        outs.append(out)
        keff = d * (k - 1) + 1
        starts.append((keff - 1) // 2 - ((out - 1) % s) // 2 if p else 0)
    grid = np.zeros((N, F, *full), dtype=np.float64)
    for i in itertools.product(*[range(n) for n in spatial]):
        for j in itertools.product(*[range(k) for k in kernel]):
            pos = tuple(ii * s + jj * d for ii, jj, s, d in zip(i, j, strides, dilation))
            # (N, C) x (C, F) -> (N, F)
            grid[(slice(None), slice(None)) + pos] += x[(slice(None), slice(None)) + i] @ \
                W[(slice(None), slice(None)) + j]
    y = np.zeros((N, F, *outs), dtype=np.float64)
    for o in itertools.product(*[range(v) for v in outs]):
        g = tuple(oo + st for oo, st in zip(o, starts))
        if all(0 <= gg < L for gg, L in zip(g, full)):
            y[(slice(None), slice(None)) + o] = grid[(slice(None), slice(None)) + g]
    if b is not None:
        y += b.reshape(1, F, *([1] * rank))
    return y
