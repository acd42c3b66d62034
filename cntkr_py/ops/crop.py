"""crop_automatic and crop_automatic_with_ancestors: CNTK 2.7's Crop with offsets found in the graph.

As CNTK's CropNode (measured in CNTK 2.7, docs/cntk-semantics.md §12): every node maps the
coordinates of its output's last two axes (height, width) to those of some of its inputs by an
affine map per axis, input = scale * output + translate:

* Convolution (its operand) and Pooling: scale = stride, translate = (filter - 1) // 2 - the
  lower padding (the undilated filter, as CNTK); a 1-D pooling window leaves the height as is
  (1-D convolutions are not followed: CNTK's geometry would map their depth axis);
* ConvolutionTranspose (its operand): the inverse of the convolution it transposes;
* Crop (its cropped input): scale 1, translate = its offset;
* elementwise ops (unary and binary, every input), BatchNormalization (its operand), Combine,
  Identity/NoOp, and the graph's leaves (inputs, parameters, constants): the identity.

Any other node on the way (Slice, Reshape, Splice, Pad, Dropout, StopGradient, Softmax, ELU, ...)
stops the search with an error, as in CNTK. The search walks depth first from `node_input`
through everything above it, then from `node_referent` until it meets a node seen from the input
(or `ancestor_referent`, which stands for `ancestor_input`); the composed map from the referent's
coordinates to the input's must have scale 1 and a non-negative shift, which gives the offsets
(truncated to integers, as CNTK's views). The rule runs at construction and again at every
re-application, so the offsets always follow the graph the node sits in.
"""
from __future__ import annotations

from fractions import Fraction

from .._shapes import describe_shape
from .primitive import Inferred, Op

__all__ = ["crop_automatic", "crop_automatic_with_ancestors", "CropAutomaticOp"]

_IDENTITY = frozenset({
    "Identity", "NoOp", "Combine", "ReLU", "StableSigmoid", "Tanh", "Softplus", "Negate", "Abs",
    "Exp", "Sin", "Cos", "Floor", "Log", "Sqrt", "Reciprocal", "Plus", "Minus", "ElementTimes",
    "ElementDivide", "Pow", "ElementMax", "ElementMin", "LogPlus"})

_ONE = (Fraction(1), Fraction(0))


def _window_maps(strides, kernel, lower, inverse=False):
    # a 1-D window leaves the height axis as it is (filter 1, stride 1), as CNTK's geometry
    strides, kernel, lower = ((1,) + tuple(strides), (1,) + tuple(kernel), (0,) + tuple(lower)) \
        if len(kernel) < 2 else (strides, kernel, lower)
    maps = []
    for s, k, lo in zip(strides[-2:], kernel[-2:], lower[-2:]):
        s, t = Fraction(s), Fraction((k - 1) // 2 - lo)
        maps.append((1 / s, -t / s) if inverse else (s, t))
    return maps


def _input_maps(node, op):
    """[(input index, [(scale, translate)] for height and width)] of the inputs a node maps to;
    raises ValueError for nodes CNTK cannot map."""
    if not hasattr(node, "op"):  # a leaf: input, parameter, constant, placeholder
        return []
    name = node.op.name
    if name in _IDENTITY:
        return [(i, [_ONE, _ONE]) for i in range(len(node.inputs))]
    if name == "BatchNormalization":
        return [(len(node.inputs) - 1, [_ONE, _ONE])]
    extra, params = node._inferred.extra, node._params
    if name == "Crop":
        if "offset_x" in params:
            off = (params["offset_y"], params["offset_x"])
        else:
            off = (extra["offset_y"], extra["offset_x"])
        return [(0, [(Fraction(1), Fraction(o)) for o in off])]
    if name == "Convolution" and extra["window"].rank >= 2:
        w = extra["window"]
        return [(1, _window_maps(w.strides, w.kernel, w.lo))]
    if name == "Pooling":
        g = extra["geometry"]
        return [(0, _window_maps(g.strides, g.kernel, g.lo))]
    if name == "ConvolutionTranspose" and extra["geometry"].rank >= 2:
        g = extra["geometry"]
        kernel = node.inputs[0].shape[len(node.inputs[0].shape) - g.rank:]
        return [(1, _window_maps(g.strides, kernel, g.padding, inverse=True))]
    raise ValueError(f"{op}: cannot find the crop offsets: the graph between the inputs passes "
                     f"through {name} ({node.name or 'unnamed'}), which has no spatial map "
                     "(CNTK's automatic crop follows convolutions, poolings, transposed "
                     "convolutions, crops, elementwise ops and BatchNormalization only)")


def _compose(outer, inner):
    # outer: start -> node; inner: node -> its input; result: start -> input
    return [(si * so, si * to + ti) for (so, to), (si, ti) in zip(outer, inner)]


def _walk(start, maps, op, stop=None):
    """Depth first from `start`, filling `maps` (node id -> (node, map)); returns the first node
    `stop` accepts (before mapping its inputs), else None."""
    maps[id(start)] = (start, [_ONE, _ONE])
    stack = [start]
    while stack:
        node = stack.pop()
        if stop is not None and stop(node):
            return node
        here = maps[id(node)][1]
        for i, inner in _input_maps(node, op):
            child = node.inputs[i]
            m = _compose(here, inner)
            seen = maps.get(id(child))
            if seen is None:
                maps[id(child)] = (child, m)
                stack.append(child)
            elif seen[1] != m:
                raise ValueError(f"{op}: cannot find the crop offsets: two paths reach "
                                 f"{child.name or 'a node'} with different spatial maps")
    return None


def _offsets(op, node_input, node_referent, ancestor_input=None, ancestor_referent=None):
    from_input = {}
    _walk(node_input, from_input, op)
    if ancestor_input is not None and id(ancestor_input) not in from_input:
        raise ValueError(f"{op}: ancestor_input is not an ancestor of node_input (nor node_input "
                         "itself) through nodes the crop can follow")
    from_ref = {}
    met = _walk(node_referent, from_ref, op,
                stop=lambda n: id(n) in from_input or (ancestor_referent is not None
                                                       and n is ancestor_referent))
    if met is None:
        which = ("node_input and node_referent have no common ancestor, and ancestor_referent "
                 "is not an ancestor of node_referent" if ancestor_referent is not None else
                 "node_input and node_referent have no common ancestor (crop_automatic_with_"
                 "ancestors takes two ancestors that stand for each other)")
        raise ValueError(f"{op}: cannot find the crop offsets: {which}")
    key = id(met) if id(met) in from_input else id(ancestor_input)
    offsets = []
    for (s0, t0), (s1, t1), axis in zip(from_input[key][1], from_ref[id(met)][1], ("y", "x")):
        if s0 != s1:
            raise ValueError(f"{op}: cannot find the crop offsets: node_input and node_referent "
                             f"are at different scales of their common ancestor along the "
                             f"{'height' if axis == 'y' else 'width'} axis ({float(s1 / s0):g}x)")
        off = (t1 - t0) / s0
        if off < 0:
            raise ValueError(f"{op}: the referent starts {float(-off):g} before the input along "
                             f"the {'height' if axis == 'y' else 'width'} axis (negative offset_"
                             f"{axis}); node_input must cover node_referent")
        offsets.append(int(off))
    return offsets


def _auto_shape(x, ref, *ancestors):
    op = "crop_automatic_with_ancestors" if ancestors else "crop_automatic"
    for what, v in (("node_input", x), ("node_referent", ref)):
        if len(v.shape) < 2:
            raise ValueError(f"{op}: {what} of shape {describe_shape(v.shape)} must have at least "
                             "2 axes (height, width last)")
    oy, ox = _offsets(op, x, ref, *ancestors)
    h, w = ref.shape[-2:]
    for name, off, size, have in (("offset_y", oy, h, x.shape[-2]), ("offset_x", ox, w, x.shape[-1])):
        if off + size > have:
            raise ValueError(f"{op}: the computed {name}={off} plus the referent's size {size} "
                             f"runs past the input's {have} along that axis")
    return Inferred(tuple(x.shape[:-2]) + (h, w), offset_x=ox, offset_y=oy)


def _auto_crop(x, ref, *ancestors, offset_x, offset_y):
    h, w = ref.shape[-2:]
    return x[..., offset_y:offset_y + h, offset_x:offset_x + w]


CropAutomaticOp = Op("Crop", shape=_auto_shape, forward=_auto_crop, nodes=True)


def crop_automatic(node_input, node_referent, name=""):
    """CNTK's ``crop_automatic``: `node_input` cropped on its last two axes to the size of
    `node_referent`'s, at the offsets found by mapping both through the graph to their common
    ancestor (see the module docstring). No gradient flows to the referent."""
    return CropAutomaticOp([node_input, node_referent], name)


def crop_automatic_with_ancestors(node_input, node_referent, ancestor_input, ancestor_referent,
                                  name=""):
    """CNTK's ``crop_automatic_with_ancestors``: as :func:`crop_automatic`, where
    `ancestor_input` (an ancestor of `node_input`, or itself) and `ancestor_referent` (one of
    `node_referent`) stand for the same node, for inputs without a common ancestor (an image and
    its pixelwise labels). Only `node_input` gets a gradient."""
    return CropAutomaticOp([node_input, node_referent, ancestor_input, ancestor_referent], name)
