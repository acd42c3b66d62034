"""Convolution ops. ``ConvolutionOp`` and ``ConvolutionTransposeOp`` are CNTK's Convolution
primitive (``transpose=False`` / ``True``) with the bias added in the same torch call: the nodes
of the Convolution and ConvolutionTranspose layers. The window geometry (output sizes, CNTK's
padding) is ``cntkr_py.kernels.window``, shared with pooling."""
from __future__ import annotations

from .._shapes import describe_shape
from ..kernels.conv_transpose import Chunked, Geometry
from ..kernels.window import Window
from .primitive import Inferred, Op

__all__ = ["ConvolutionOp", "ConvolutionTransposeOp", "CropOp", "check_input_rank", "convolution",
           "convolution_transpose", "crop_manual"]


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
# W's layouts: "full" (num_filters, in_depth / groups, *kernel), the layer's; the bare op's
# "single" (in_depth, *kernel), one filter; "nodepth" (num_filters, *kernel) for inputs without a
# depth axis (reduction_rank=0)
def _full_W(W, layout):
    if layout == "single":
        return (1,) + tuple(W)
    if layout == "nodepth":
        return (W[0], 1) + tuple(W[1:])
    return tuple(W)


def _conv_shape(W, x, b=None, *, strides, pad, dilation, reduction_rank, scalar_output, groups,
                max_temp_mem_size_in_samples, scalar_strides=False, layout="full", cntk=None):
    rank = len(strides)
    W = _full_W(W, layout)
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
          max_temp_mem_size_in_samples, layout="full", **_):
    if layout == "single":
        W = W.unsqueeze(0)
    elif layout == "nodepth":
        W = W.unsqueeze(1)
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
    attrs = {
        "kernelShape": tuple(shapes[0][1:]),
        "strides": strides[:1] + strides if p.get("scalar_strides") else (1,) + strides,
        "sharing": [True] * n, "autoPadding": [False] + list(p["pad"]),
        "dilation": (1,) + p["dilation"], "lowerPad": (0,) * n, "upperPad": (0,) * n,
        "outputShape": (0,), "maxTempMemSizeInSamples": p["max_temp_mem_size_in_samples"],
        "transpose": False, "groups": p["groups"], "sequential": False,
    }
    if p.get("cntk"):  # the bare op: CNTK keeps the arguments as given, over every axis
        attrs.update(p["cntk"])
    return attrs


#: inputs (W, x) or (W, x, b), as CNTK orders a convolution's inputs; only x carries samples
ConvolutionOp = Op("Convolution", shape=_conv_shape, forward=_conv, attributes=_conv_attributes,
                   batched=(1,))


# ---- the bare ops: convolution(convolution_map, operand, ...), convolution_transpose(...) --------
def _cntk_axes(value, rank, name, kind="int"):
    """CNTK's per-axis argument over all `rank` axes of the operand (depth axis included): a
    scalar for every axis; a shorter sequence is extended to the left with its first value
    (CNTK 2.7 measured: auto_padding=[False, True] on (2, 5, 6) is [False, False, True])."""
    from .._shapes import as_bool, as_int, describe, item
    seq = list(value) if isinstance(value, (list, tuple)) else [value]
    if not seq or len(seq) > rank:
        raise ValueError(f"{name} must have 1 to {rank} values (one per operand axis, the last "
                         f"ones when fewer), got {describe(value)}")
    seq = [seq[0]] * (rank - len(seq)) + seq
    if kind == "bool":
        return tuple(as_bool(v, item(name, i)) for i, v in enumerate(seq))
    return tuple(as_int(v, item(name, i), minimum=1) for i, v in enumerate(seq))


def convolution(convolution_map, operand, strides=(1,), sharing=[True], auto_padding=[True],
                dilation=(1,), reduction_rank=1, groups=1, max_temp_mem_size_in_samples=0,
                name=""):
    """CNTK's ``convolution``: `convolution_map` W ``(num_filters, in_depth / groups, *kernel)``
    (or ``(in_depth, *kernel)``: one filter, output depth 1; with ``reduction_rank=0``
    ``(num_filters, *kernel)`` on an operand without depth axis) over `operand`
    ``(in_depth, *spatial)``. `strides`, `auto_padding` and `dilation` name every operand axis,
    the depth axis first (fewer values: extended to the left with the first one, as CNTK does);
    the depth axis must not be padded (CNTK 2.7 fails at eval there) and the kernel spans the
    whole depth. Output sizes and padding: ``cntkr_py.kernels.window``."""
    from .._shapes import as_bool, as_int, describe
    from .functions import as_node
    W, x = as_node(convolution_map), as_node(operand)
    rr = as_int(reduction_rank, "reduction_rank")
    if rr not in (0, 1):
        raise ValueError(f"reduction_rank must be 0 or 1, got {rr}")
    groups = as_int(groups, "groups", minimum=1)
    R = len(x.shape)
    rank = R - rr
    if not 1 <= rank <= 3:
        raise ValueError(f"convolution: the operand of shape {describe_shape(x.shape)} has {rank} "
                         "spatial axes; 1 to 3 are supported")
    strides = _cntk_axes(strides, R, "strides")
    pads = _cntk_axes(auto_padding, R, "auto_padding", kind="bool")
    dilation = _cntk_axes(dilation, R, "dilation")
    if not all(_cntk_axes(sharing, R, "sharing", kind="bool")):
        raise ValueError("sharing=False is not supported (as in CNTK 2.7)")
    if len(W.shape) == R + 1:
        layout = "nodepth" if rr == 0 else "full"
    elif len(W.shape) == R and rr == 1:
        layout = "single"
    else:
        raise ValueError(
            f"convolution: convolution_map of shape {describe_shape(W.shape)} must have the "
            f"operand's rank ({R}) or one more (a leading num_filters axis)")
    if rr == 1:
        depth = _full_W(W.shape, layout)[1] * groups
        if depth != x.shape[0]:
            raise ValueError(
                f"convolution: the kernel's depth {depth} (convolution_map "
                f"{describe_shape(W.shape)}, groups={groups}) must equal the operand's depth "
                f"{x.shape[0]} (cntkr does not slide kernels over the depth axis)")
        if pads[0] or dilation[0] != 1:
            raise ValueError(
                "convolution: the depth axis (the first) cannot be padded or dilated (CNTK 2.7 "
                "fails at eval); pass e.g. auto_padding=[False, True, True] for an image")
    elif groups != 1:
        raise ValueError("groups > 1 needs an operand with a depth axis (reduction_rank=1)")
    cntk = {"autoPadding": list(pads), "strides": strides, "dilation": dilation,
            "sharing": [True] * R, "kernelShape": tuple(W.shape[1:]) if layout != "single"
            else tuple(W.shape)}
    return ConvolutionOp(
        [W, x], name, strides=strides[rr:], pad=pads[rr:], dilation=dilation[rr:],
        reduction_rank=rr, scalar_output=False, groups=groups,
        max_temp_mem_size_in_samples=as_int(max_temp_mem_size_in_samples,
                                            "max_temp_mem_size_in_samples", minimum=0),
        layout=layout, cntk=cntk)


def convolution_transpose(convolution_map, operand, strides=(1,), sharing=[True],
                          auto_padding=[True], output_shape=None, dilation=(1,),
                          reduction_rank=1, max_temp_mem_size_in_samples=0, name=""):
    """CNTK's ``convolution_transpose``: `convolution_map` W ``(in_depth, num_filters, *kernel)``
    over `operand` ``(in_depth, *spatial)``, giving ``(num_filters, *out)``. `strides`,
    `auto_padding` and `dilation` name every operand axis, the depth axis first (fewer values:
    extended to the left with the first one); the depth axis' own values are not used.
    `output_shape`, when given, is the whole output shape ``(num_filters, *out)``, as in CNTK.
    The geometry is the ConvolutionTranspose layer's (``cntkr_py.kernels.conv_transpose``)."""
    from .._shapes import as_int, as_int_tuple, describe
    from .functions import as_node
    W, x = as_node(convolution_map), as_node(operand)
    if as_int(reduction_rank, "reduction_rank") != 1:
        raise ValueError("convolution_transpose: only reduction_rank=1 is supported (an operand "
                         "with a depth axis)")
    R = len(x.shape)
    rank = R - 1
    if not 1 <= rank <= 3:
        raise ValueError(f"convolution_transpose: the operand of shape "
                         f"{describe_shape(x.shape)} has {rank} spatial axes; 1 to 3 are supported")
    if len(W.shape) != R + 1:
        raise ValueError(f"convolution_transpose: convolution_map of shape "
                         f"{describe_shape(W.shape)} must be (in_depth, num_filters, *kernel), "
                         f"rank {R + 1}")
    strides = _cntk_axes(strides, R, "strides")
    pads = _cntk_axes(auto_padding, R, "auto_padding", kind="bool")
    dilation = _cntk_axes(dilation, R, "dilation")
    if not all(_cntk_axes(sharing, R, "sharing", kind="bool")):
        raise ValueError("sharing=False is not supported (as in CNTK 2.7)")
    out = None
    if output_shape is not None:
        out = as_int_tuple(output_shape, "output_shape", minimum=1)
        if len(out) != R or out[0] != W.shape[1]:
            raise ValueError(
                f"output_shape must be the whole output shape (num_filters={W.shape[1]}, then one "
                f"size per spatial axis: {R} values), got {describe(output_shape)}")
        out = out[1:]
    return ConvolutionTransposeOp(
        [W, x], name, strides=strides[1:], pad=pads[1:], dilation=dilation[1:],
        output_shape=out, reduction_rank=1,
        max_temp_mem_size_in_samples=as_int(max_temp_mem_size_in_samples,
                                            "max_temp_mem_size_in_samples", minimum=0))


# ---- crop_manual: the spatial crop of U-Net-style networks ----------------------------------------
def _crop_shape(x, ref, *, offset_x, offset_y):
    for what, s in (("node_input", x), ("node_referent", ref)):
        if len(s) < 2:
            raise ValueError(f"crop_manual: {what} of shape {describe_shape(s)} must have at least "
                             "2 axes (height, width last)")
    h, w = ref[-2:]
    for name, off, size, have in (("offset_y", offset_y, h, x[-2]), ("offset_x", offset_x, w, x[-1])):
        if off + size > have:
            raise ValueError(f"crop_manual: {name}={off} plus the referent's size {size} runs past "
                             f"the input's {have} along that axis")
    return tuple(x[:-2]) + (h, w)


def _crop(x, ref, *, offset_x, offset_y):
    h, w = ref.shape[-2:]
    return x[..., offset_y:offset_y + h, offset_x:offset_x + w]


CropOp = Op("Crop", shape=_crop_shape, forward=_crop,
            attributes=lambda p, shapes: {"offset": [p["offset_x"], p["offset_y"]]})


def crop_manual(node_input, node_referent, offset_x, offset_y, name=""):
    """CNTK's ``crop_manual``: `node_input` cropped on its last two axes (height, width) to the
    size of `node_referent`'s last two, starting `offset_y` rows and `offset_x` columns in;
    leading axes are kept. The referent gives only its shape (no gradient flows to it)."""
    from .._shapes import as_int
    return CropOp([node_input, node_referent], name,
                  offset_x=as_int(offset_x, "offset_x", minimum=0),
                  offset_y=as_int(offset_y, "offset_y", minimum=0))
