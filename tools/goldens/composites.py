"""Composite models (Sequential, For, named layers): tests/goldens/composites/.

A case's "model" is a list of steps, each a layer {"layer": Name, "args": {...}, "name": str} or
a For over a layer {"for": n, "layer": Name, "args": {...}, "name": "d%d"} (names formatted with
the index); a list inside the list is a nested Sequential. Parameters are set and differentiated
as "<layer name>_<param>" (z.<layer name>.<param> in CNTK). The recipe is the layers' one
(eval, then grad w.r.t. x and every parameter: training mode for BatchNormalization).
"""
import numpy as np

from . import register
from ._base import CaseFamily, Cases, arr

ACT = ["relu", "tanh", "sigmoid"]


def models():
    return [
        ("dense_ln_relu", [dict(layer="Dense", args=dict(shape=4), name="d1"),
                           dict(layer="LayerNormalization", args={}, name="ln"),
                           dict(layer="Activation", args=dict(activation="relu"), name="act"),
                           dict(layer="Dense", args=dict(shape=2), name="d2")], (3,), 4),
        ("conv_bn_dense", [dict(layer="Convolution2D", args=dict(filter_shape=3, num_filters=2, pad=True), name="c"),
                           dict(layer="BatchNormalization", args=dict(map_rank=1), name="bn"),
                           dict(layer="Activation", args=dict(activation="relu"), name="act"),
                           dict(layer="Dropout", args=dict(dropout_rate=0.0), name="drop"),
                           dict(layer="Dense", args=dict(shape=3), name="out")], (1, 4, 4), 3),
        ("for_dense_tanh", [{"for": 3, "layer": "Dense", "args": dict(shape=3, activation="tanh"), "name": "d%d"}],
         (3,), 2),
        ("nested_label", [[dict(layer="Dense", args=dict(shape=3), name="a"), dict(layer="Label", args={}, name="mid")],
                          dict(layer="BatchNormalization", args={}, name="bn"),
                          dict(layer="LayerNormalization", args=dict(epsilon=0.01), name="ln")], (2, 2), 3),
    ]


def specs():
    cs = Cases(config_key="model")
    for mid, model, shp, batch in models():
        cs.add(mid, "grid", model, shp, batch=batch)
        cs.add(mid + "_f64", "grid", model, shp, dtype="float64", batch=batch)
    return cs


def build(L, acts, steps):
    """The layer list of a model (runs in CNTK and in cntkr: `L` is the layers module, `acts`
    maps activation names to functions)."""
    out = []
    for st in steps:
        if isinstance(st, list):
            out.append(L.Sequential(build(L, acts, st)))
            continue
        args = dict(st["args"])
        if "activation" in args:
            args["activation"] = acts[args["activation"]]
        if "for" in st:
            def make(i, st=st, args=args):
                return getattr(L, st["layer"])(name=st["name"] % i, **args)
            out.append(L.For(range(st["for"]), make))
        elif st["layer"] == "Label":
            out.append(L.Label(st["name"]))
        else:
            out.append(getattr(L, st["layer"])(name=st["name"], **args))
    return out


def layer_names(steps):
    names = []
    for st in steps:
        if isinstance(st, list):
            names += layer_names(st)
        elif "for" in st:
            names += [st["name"] % i for i in range(st["for"])]
        elif st["layer"] not in ("Label", "Activation", "Dropout"):
            names.append(st["name"])
    return names


def param_keys(z, steps):
    """[(key, Parameter)] for every named layer's parameters, in model order."""
    keys = []
    for n in layer_names(steps):
        node = getattr(z, n)
        for p in ("W", "b", "scale", "bias"):
            try:
                v = getattr(node, p)
            except AttributeError:
                continue
            if v is not None and getattr(v, "is_parameter", False):
                keys.append(("%s_%s" % (n, p), v))
    return keys


def recipe(C, spec, stage):
    dtype = np.float64 if spec["dtype"] == "float64" else np.float32
    rs = np.random.RandomState(spec["seed"])
    stage("construct")
    x = C.input_variable(tuple(spec["input_shape"]), needs_gradient=True, dtype=dtype)
    acts = dict((a, getattr(C, a)) for a in ACT)
    if dtype == np.float64:
        with C.layers.default_options(dtype=np.float64):
            model = C.layers.Sequential(build(C.layers, acts, spec["model"]))
    else:
        model = C.layers.Sequential(build(C.layers, acts, spec["model"]))
    stage("call")
    z = model(x)
    stage("set_params")
    keys = param_keys(z, spec["model"])
    values = {}
    for k, v in keys:
        values[k] = (rs.randn(*v.shape) * 0.5).astype(dtype)
        v.value = values[k]
    xv = rs.randn(spec["batch"], *spec["input_shape"]).astype(dtype)
    stage("eval")
    y = z.eval({x: xv})
    stage("grad")
    g = z.grad({x: xv}, wrt=[v for _, v in keys] + [x])
    gd = dict((v.uid, a) for v, a in g.items())
    case = dict(id=spec["id"], group=spec["group"], model=spec["model"], input_shape=spec["input_shape"],
                dtype=spec["dtype"], x=arr(xv), y=arr(y), grad_x=arr(gd[x.uid]))
    for k, v in keys:
        case[k] = arr(values[k])
        case["grad_" + k] = arr(gd[v.uid])
    case["keys"] = ["id", "group", "model", "input_shape", "dtype", "x"] + [k for k, _ in keys] + \
        ["y", "grad_x"] + ["grad_" + k for k, _ in keys]
    return case


class CompositeFamily(CaseFamily):
    def dump_case(self, case, path):
        keys = case.pop("keys")
        self.case_keys = keys
        CaseFamily.dump_case(self, case, path)


register(CompositeFamily("composites", specs, recipe, case_keys=[], config_keys=["model", "input_shape"],
                         backend_failure=lambda e: e["stage"] == "crash"))
