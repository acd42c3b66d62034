"""Golden family "ops/crop": CNTK 2.7's crop_automatic, crop_automatic_with_ancestors and
crop_manual inside small U-Net style graphs (convolutions, poolings and transposed convolutions
between the crop's inputs), forward and gradients of sum(y) w.r.t. every input and parameter.

A crop_automatic finds its offsets from the graph above its inputs, so a case is a graph, not one
op: "operands" are the leaves (as in the "ops" kind: {"name", "kind": "input"|"parameter",
"shape"}; inputs fed `batch` samples), "graph" the nodes in order, each {"name", "op" (a function
of C / op_<op> in R), "inputs" (names of leaves or earlier nodes), "kwargs"}; the last node is the
output. The record: id, group, operands, graph, dtype, batch, every leaf's value, y, grad_<leaf>.
"""
import json
from collections import OrderedDict

import numpy as np

from . import register
from ._base import CaseFamily, Cases, arr
from ._ops import draw

MAX, AVG = 0, 1


def leaf(name, kind, shape):
    return OrderedDict([("name", name), ("kind", kind), ("shape", list(shape))])


def node(name, op, inputs, **kwargs):
    return OrderedDict([("name", name), ("op", op), ("inputs", list(inputs)), ("kwargs", kwargs)])


def conv(name, W, x, **kw):
    kw.setdefault("auto_padding", [False, False, False])
    return node(name, "convolution", [W, x], **kw)


def graphs():
    """(id, leaves, nodes, batch)"""
    g = []
    # the U-Net skip: conv -> pool -> conv -> 2x2 stride-2 deconv, the first conv's output cropped
    # to the deconv's
    g.append(("unet_skip", [leaf("x", "input", [1, 12, 12]), leaf("W1", "parameter", [2, 1, 3, 3]),
                            leaf("W2", "parameter", [2, 2, 3, 3]), leaf("W3", "parameter", [2, 2, 2, 2])],
              [conv("c1", "W1", "x"), node("r1", "relu", ["c1"]),
               node("p", "pooling", ["r1"], pooling_type=MAX, pooling_window_shape=[2, 2], strides=[2, 2]),
               conv("c2", "W2", "p"),
               node("d", "convolution_transpose", ["W3", "c2"], strides=[1, 2, 2],
                    auto_padding=[False, False, False]),
               node("crop", "crop_automatic", ["r1", "d"]),
               node("out", "plus", ["crop", "d"])], 2))
    # the input cropped to the output of two valid convolutions (5x3 then 3x3)
    g.append(("input_to_two_convs", [leaf("x", "input", [2, 11, 9]), leaf("W1", "parameter", [3, 2, 5, 3]),
                                     leaf("W2", "parameter", [1, 3, 3, 3])],
              [conv("c1", "W1", "x"), node("t", "tanh", ["c1"]), conv("c2", "W2", "t"),
               node("crop", "crop_automatic", ["x", "c2"]), node("out", "element_times", ["crop", "c2"])], 2))
    # a padded stride-2 convolution, a valid one, a 3x3 stride-2 deconv: odd translations
    g.append(("padded_strided_deconv", [leaf("x", "input", [1, 10, 10]), leaf("W1", "parameter", [2, 1, 3, 3]),
                                        leaf("W2", "parameter", [2, 2, 3, 3]), leaf("W3", "parameter", [2, 1, 3, 3])],
              [conv("c1", "W1", "x", strides=[1, 2, 2], auto_padding=[False, True, True]),
               conv("c2", "W2", "c1"),
               node("d", "convolution_transpose", ["W3", "c2"], strides=[1, 2, 2],
                    auto_padding=[False, False, False]),
               node("crop", "crop_automatic", ["x", "d"]), node("out", "plus", ["crop", "d"])], 2))
    # even windows: a padded 4x4 convolution (lower padding 1) then pooling 3x3 / avg 2x2 + deconv
    g.append(("even_window_pools", [leaf("x", "input", [1, 12, 12]), leaf("W1", "parameter", [1, 1, 4, 4]),
                                    leaf("W3", "parameter", [1, 1, 2, 2])],
              [conv("c1", "W1", "x", auto_padding=[False, True, True]),
               node("p1", "pooling", ["c1"], pooling_type=MAX, pooling_window_shape=[3, 3]),
               node("p2", "pooling", ["p1"], pooling_type=AVG, pooling_window_shape=[2, 2], strides=[2, 2]),
               node("d", "convolution_transpose", ["W3", "p2"], strides=[1, 2, 2],
                    auto_padding=[False, False, False]),
               node("crop", "crop_automatic", ["c1", "d"]), node("out", "plus", ["crop", "d"])], 2))
    # labels cropped to a network's output: no common ancestor, the image and the labels stand
    # for each other (crop_automatic_with_ancestors)
    g.append(("labels_with_ancestors", [leaf("x", "input", [1, 9, 10]), leaf("labels", "input", [2, 9, 10]),
                                        leaf("W1", "parameter", [2, 1, 3, 5])],
              [conv("c1", "W1", "x"), node("r", "relu", ["c1"]),
               node("crop", "crop_automatic_with_ancestors", ["labels", "r", "labels", "x"]),
               node("out", "element_times", ["crop", "r"])], 2))
    g.append(("ancestors_through_sigmoid", [leaf("x", "input", [1, 8, 8]), leaf("labels", "input", [1, 8, 8]),
                                            leaf("W1", "parameter", [1, 1, 3, 3])],
              [node("s", "sigmoid", ["labels"]), conv("c1", "W1", "x"),
               node("crop", "crop_automatic_with_ancestors", ["s", "c1", "labels", "x"])], 3))
    # a crop of a crop: the first crop's offset enters the second's
    g.append(("crop_of_crop", [leaf("x", "input", [1, 10, 10]), leaf("W1", "parameter", [1, 1, 3, 3]),
                               leaf("W2", "parameter", [1, 1, 3, 3])],
              [conv("c1", "W1", "x"), node("k1", "crop_automatic", ["x", "c1"]), conv("c2", "W2", "c1"),
               node("k2", "crop_automatic", ["k1", "c2"])], 2))
    # an automatic crop of a manual crop (whose offset enters the map); every node feeds one crop
    # only (CNTK 2.7's Crop resets its input's gradient: docs/cntk-semantics.md §12)
    g.append(("manual_then_automatic", [leaf("x", "input", [1, 12, 12]), leaf("W1", "parameter", [1, 1, 5, 5]),
                                        leaf("W2", "parameter", [2, 1, 3, 3])],
              [conv("c1", "W1", "x"), conv("c2", "W2", "x", auto_padding=[False, True, True]),
               node("m", "crop_manual", ["c2", "c1"], offset_x=1, offset_y=1),
               node("p", "pooling", ["c1"], pooling_type=MAX, pooling_window_shape=[3, 3]),
               node("k", "crop_automatic", ["m", "p"]), node("out", "plus", ["k", "p"])], 2))
    return g


def specs():
    cs = Cases(config_key="graph")
    for gid, leaves, nodes, batch in graphs():
        cs.add(gid, "graph", OrderedDict([("operands", leaves), ("nodes", nodes)]), [], batch=batch)
    for gid in ("unet_skip", "labels_with_ancestors"):
        leaves, nodes, batch = [(l, n, b) for i, l, n, b in graphs() if i == gid][0]
        cs.add(gid + "_f64", "graph", OrderedDict([("operands", leaves), ("nodes", nodes)]), [],
               dtype="float64", batch=batch)
    # rejected: no common ancestor, different scales, a negative offset, a node without a map
    x, W = leaf("x", "input", [1, 8, 8]), leaf("W1", "parameter", [1, 1, 3, 3])
    y = leaf("labels", "input", [1, 8, 8])
    errs = [
        ("err_no_common_ancestor", [x, y, W], [conv("c1", "W1", "x"), node("k", "crop_automatic", ["labels", "c1"])]),
        ("err_scale", [x, W], [conv("c1", "W1", "x", strides=[1, 2, 2]), node("k", "crop_automatic", ["x", "c1"])]),
        ("err_negative_offset", [x, W], [conv("c1", "W1", "x"), node("k", "crop_automatic", ["c1", "x"])]),
        ("err_no_map", [x, W], [conv("c1", "W1", "x"), node("s", "softmax", ["c1"], axis=0),
                                node("k", "crop_automatic", ["x", "s"])]),
    ]
    for gid, leaves, nodes in errs:
        cs.add(gid, "error", OrderedDict([("operands", leaves), ("nodes", nodes)]), [], expect_error=True)
    for s in cs.items:
        del s["input_shape"]
    return cs


def build(C, graph, leaves):
    """The graph's output (runs in CNTK and in cntkr): `leaves` maps leaf names to variables."""
    env = dict(leaves)
    out = None
    for n in graph["nodes"]:
        kwargs = dict((k, tuple(v) if isinstance(v, list) else v) for k, v in n["kwargs"].items())
        out = env[n["name"]] = getattr(C, n["op"])(*[env[i] for i in n["inputs"]], **kwargs)
    return out


def recipe(C, spec, stage):
    dtype = np.float64 if spec["dtype"] == "float64" else np.float32
    rs = np.random.RandomState(spec["seed"])
    graph = spec["graph"]
    stage("construct")
    leaves, values, feed, wrt = OrderedDict(), OrderedDict(), {}, []
    for o in graph["operands"]:
        shape = tuple(o["shape"])
        if o["kind"] == "input":
            v = draw(rs, None, (spec["batch"],) + shape, dtype)
            var = C.input_variable(shape, dtype=dtype, needs_gradient=True, name=o["name"])
            feed[var] = v
        else:
            v = draw(rs, None, shape, dtype)
            var = C.parameter(shape, init=v, dtype=dtype, name=o["name"])
        leaves[o["name"]] = var
        values[o["name"]] = v
        wrt.append((o["name"], var))
    f = build(C, graph, leaves)
    stage("eval")
    y = f.eval(feed)
    stage("grad")
    g = f.grad(feed, wrt=[v for _, v in wrt])
    gd = dict((v.uid, a) for v, a in g.items())
    stage("record")
    case = OrderedDict([("id", spec["id"]), ("group", spec["group"]), ("operands", graph["operands"]),
                        ("graph", graph["nodes"]), ("dtype", spec["dtype"]), ("batch", spec["batch"])])
    for n, v in values.items():
        case[n] = arr(v)
    case["y"] = arr(y)
    for n, v in wrt:
        case["grad_" + n] = arr(gd[v.uid])
    return case


class CropFamily(CaseFamily):
    def dump_case(self, case, path):
        with open(path, "w") as fh:
            fh.write("{\n")
            fh.write(",\n".join("  %s: %s" % (json.dumps(k), json.dumps(v)) for k, v in case.items()))
            fh.write("\n}\n")


register(CropFamily("ops/crop", specs, recipe, case_keys=[], config_keys=["graph"],
                    backend_failure=lambda e: e["stage"] == "crash"))
