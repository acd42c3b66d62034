"""The core layer families: tests/goldens/layers/Dense and layers/Embedding (the layer case format
of tests/goldens/FORMAT.md). Each case runs C.layers.Dense / C.layers.Embedding on random
parameters and input (numpy seed: the case's) and records y and the gradients of sum(y) with
respect to x and every parameter (W, b / E)."""
import numpy as np

from . import register
from ._base import CaseFamily, Cases, layer_recipe

ACTIVATIONS = ["relu", "sigmoid", "tanh", "softmax"]


def dense_specs():
    cs = Cases(config_key="layer")
    add = cs.add
    add("vec", "grid", dict(shape=5), (4,))
    add("vec_batch3", "grid", dict(shape=3), (6,), batch=3)
    add("tensor_in", "grid", dict(shape=5), (2, 3, 4))
    add("tensor_out", "grid", dict(shape=[2, 3]), (4,))
    add("tensor_in_out", "grid", dict(shape=[3, 2]), (2, 3))
    add("input_rank1", "grid", dict(shape=5, input_rank=1), (2, 3, 4))
    add("input_rank2", "grid", dict(shape=5, input_rank=2), (2, 3, 4))
    add("map_rank1", "grid", dict(shape=5, map_rank=1), (2, 3, 4))
    add("map_rank2", "grid", dict(shape=[2, 2], map_rank=2), (2, 3, 4))
    add("nobias", "grid", dict(shape=5, bias=False), (4,))
    add("nobias_map", "grid", dict(shape=3, bias=False, map_rank=1), (2, 4))
    for act in ACTIVATIONS:
        add("act_" + act, "grid", dict(shape=4, activation=act), (3,), batch=2)
    add("f64", "grid", dict(shape=5), (4,), dtype="float64", batch=2)
    add("f64_tensor", "grid", dict(shape=[2, 3], input_rank=1, activation="tanh"), (2, 4), dtype="float64")
    add("err_input_and_map_rank", "error", dict(shape=5, input_rank=1, map_rank=1), (2, 3), expect_error=True)
    return cs


def embedding_specs():
    cs = Cases(config_key="layer")
    add = cs.add
    add("vec", "grid", dict(shape=5), (7,))
    add("vec_batch3", "grid", dict(shape=3), (4,), batch=3)
    add("seq_like", "grid", dict(shape=4), (2, 6))
    add("f64", "grid", dict(shape=5), (7,), dtype="float64", batch=2)
    add("err_no_shape", "error", dict(), (7,), expect_error=True)
    add("err_tensor_shape", "error", dict(shape=[5, 2]), (7,), expect_error=True)
    return cs


def to_cntk_kwargs(C, layer):
    kw = {}
    for key, v in layer.items():
        if key == "shape" and isinstance(v, list):
            v = tuple(v)
        elif key == "activation":
            v = getattr(C, v)
        kw[key] = v
    return kw


def backend_failure(e):
    return e["stage"] == "crash"


register(CaseFamily(
    "layers/Dense", dense_specs, layer_recipe("Dense", ["W", "b"], to_cntk_kwargs),
    case_keys=["id", "group", "layer", "input_shape", "dtype", "x", "W", "b", "y", "grad_x", "grad_W", "grad_b"],
    config_keys=["layer", "input_shape"], backend_failure=backend_failure))
register(CaseFamily(
    "layers/Embedding", embedding_specs, layer_recipe("Embedding", ["E"], to_cntk_kwargs),
    case_keys=["id", "group", "layer", "input_shape", "dtype", "x", "E", "y", "grad_x", "grad_E"],
    config_keys=["layer", "input_shape"], backend_failure=backend_failure))
