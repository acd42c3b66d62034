"""Convolution ops. ``ConvolutionOp`` and ``ConvolutionTransposeOp`` are CNTK's Convolution
primitive (``transpose=False`` / ``True``) with the bias added in the same torch call: the nodes
of the Convolution and ConvolutionTranspose layers. The window geometry (output sizes, CNTK's
padding) is ``cntkr_py.kernels.window``, shared with pooling."""
from __future__ import annotations

from .._shapes import describe_shape
from ..kernels.conv_transpose import Chunked, Geometry
from ..kernels.window import Window
from .primitive import Inferred, Op

__all__ = ["ConvolutionOp", "ConvolutionTransposeOp", "check_input_rank"]


def check_input_rank(x, rank, reduction_rank, op="ConvolutionTranspose"):
    """Whether input shape `x` fits a `rank`-D filter with `reduction_rank` (ValueError if not)."""
    if len(x) != reduction_rank + rank:
        layout = "(in_depth, *spatial)" if reduction_rank else "(*spatial)"
        raise ValueError(
            f"{op}: input of shape {describe_shape(x)} has rank {len(x)}, but a "
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


# ---- Convolution (the layer's node: W, x and optionally b) --------------------------------------
def _conv_shape(W, x, b=None, *, strides, pad, dilation, reduction_rank, scalar_output, groups,
                max_temp_mem_size_in_samples, scalar_strides=False):
    rank = len(strides)
    check_input_rank(x, rank, reduction_rank, "Convolution")
    in_depth = x[0] if reduction_rank else 1
    if W[1] * groups != in_depth:
        raise ValueError(
            f"Convolution: the layer's W was made for inputs of depth {W[1] * groups} (W has shape "
            f"{describe_shape(W)}), the input of shape {describe_shape(x)} has depth {in_depth}")
    window = Window(x[reduction_rank:], W[2:], strides, dilation, pad, op="Convolution")
    out = window.out if scalar_output else (W[0],) + window.out
    return Inferred(out, window=window)


def _conv(W, x, b=None, *, window, reduction_rank, scalar_output, groups,
          max_temp_mem_size_in_samples, **_):
    if not reduction_rank:
        x = x.unsqueeze(1)
    if b is not None:
        b = b.reshape(-1)
    chunk = max_temp_mem_size_in_samples
    if 0 < chunk < x.shape[0]:
        import torch
        y = torch.cat([window.conv(x[i:i + chunk], W, b, groups)
                       for i in range(0, x.shape[0], chunk)])
    else:
        y = window.conv(x, W, b, groups)
    return y.squeeze(1) if scalar_output else y


def _conv_attributes(p, shapes):
    """CNTK's attributes of its Convolution primitive (transpose=False), with the depth axis in
    front as CNTK's layer has it."""
    n = 1 + len(p["strides"])
    strides = p["strides"]
    return {
        "kernelShape": tuple(shapes[0][1:]),
        "strides": strides[:1] + strides if p.get("scalar_strides") else (1,) + strides,
        "sharing": [True] * n, "autoPadding": [False] + list(p["pad"]),
        "dilation": (1,) + p["dilation"], "lowerPad": (0,) * n, "upperPad": (0,) * n,
        "outputShape": (0,), "maxTempMemSizeInSamples": p["max_temp_mem_size_in_samples"],
        "transpose": False, "groups": p["groups"], "sequential": False,
    }


#: inputs (W, x) or (W, x, b), as CNTK orders a convolution's inputs; only x carries samples
ConvolutionOp = Op("Convolution", shape=_conv_shape, forward=_conv, attributes=_conv_attributes,
                   batched=(1,))
