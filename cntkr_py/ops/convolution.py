"""Convolution ops. ``ConvolutionTranspose`` is CNTK's Convolution primitive with
``transpose=True`` and the bias added in the same torch call (the layer's node)."""
from __future__ import annotations

from .._shapes import describe_shape
from ..kernels.conv_transpose import Chunked, Geometry
from .primitive import Inferred, Op

__all__ = ["ConvolutionTransposeOp", "check_input_rank"]


def check_input_rank(x, rank, reduction_rank):
    """Whether input shape `x` fits a `rank`-D filter with `reduction_rank` (ValueError if not)."""
    if len(x) != reduction_rank + rank:
        layout = "(in_depth, *spatial)" if reduction_rank else "(*spatial)"
        raise ValueError(
            f"ConvolutionTranspose: input of shape {describe_shape(x)} has rank {len(x)}, but a "
            f"{rank}-D filter_shape with reduction_rank={reduction_rank} needs an input of rank "
            f"{reduction_rank + rank} {layout}")


def _conv_transpose_shape(W, x, b=None, *, strides, pad, dilation, output_shape, reduction_rank,
                          max_temp_mem_size_in_samples, scalar_strides=False):
    rank = len(strides)
    check_input_rank(x, rank, reduction_rank)
    in_depth = x[0] if reduction_rank else 1
    if W[0] != in_depth:
        raise ValueError(
            f"ConvolutionTranspose: the layer's W was made for inputs of depth {W[0]} (W has shape "
            f"{describe_shape(W)}), the input of shape {describe_shape(x)} has depth {in_depth}")
    num_filters = W[1] if len(W) == rank + 2 else 1
    geometry = Geometry(x[reduction_rank:], W[len(W) - rank:], strides, dilation, pad,
                        output_shape)
    return Inferred((num_filters,) + geometry.out, geometry=geometry)


def _conv_transpose(W, x, b=None, *, geometry, reduction_rank, max_temp_mem_size_in_samples,
                    **_):
    if not reduction_rank:
        x = x.unsqueeze(1)
    if W.dim() == geometry.rank + 1:  # num_filters=None: one filter
        W = W.unsqueeze(1)
    if b is not None:
        b = b.reshape(-1)
    chunk = max_temp_mem_size_in_samples
    if 0 < chunk < x.shape[0]:
        return Chunked.apply(geometry, chunk, x, W, b)
    return geometry(x, W, b)


def _cntk_attributes(p, shapes):
    """CNTK's attributes of its Convolution primitive (transpose=True), as CNTK 2.7 reports them
    for the layer: with the depth axis in front (also with reduction_rank=0, where CNTK adds a
    depth of 1), and a scalar ``strides`` repeated over the depth axis too."""
    n = 1 + len(p["strides"])
    strides = p["strides"]
    return {
        "kernelShape": tuple(shapes[0][1:]),
        "strides": strides[:1] + strides if p.get("scalar_strides") else (1,) + strides,
        "sharing": [True] * n, "autoPadding": [False] + list(p["pad"]),
        "dilation": (1,) + p["dilation"], "lowerPad": (0,) * n, "upperPad": (0,) * n,
        "outputShape": (0,) if p["output_shape"] is None else
        (shapes[0][1] if len(shapes[0]) == len(p["strides"]) + 2 else 1,) + p["output_shape"],
        "maxTempMemSizeInSamples": p["max_temp_mem_size_in_samples"], "transpose": True,
        "groups": 1, "sequential": False,
    }


#: inputs (W, x) or (W, x, b), as CNTK orders a convolution's inputs; only x carries samples
ConvolutionTransposeOp = Op("ConvolutionTranspose", shape=_conv_transpose_shape,
                            forward=_conv_transpose, attributes=_cntk_attributes, batched=(1,))
