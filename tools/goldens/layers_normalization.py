"""The normalization and dropout layer families: tests/goldens/layers/BatchNormalization/,
layers/LayerNormalization/ and layers/Dropout/.

Each case sets random parameters (numpy seed: the case's), evaluates (inference) and takes the
gradients of sum(y) w.r.t. x and every parameter (training mode in CNTK 2.7). BatchNormalization
cases also record its running statistics after that ``grad`` (``stats_after_grad``), then a
training-mode ``forward(..., keep_for_backward=...)`` on a second input ``x2`` (``y_train``) and
the running statistics after it (``stats_after_forward``). Dropout's mask cannot be reproduced:
its cases have dropout_rate 0 / keep_prob 1 (everything checked) or evaluate only.
"""
import numpy as np

from . import register
from ._base import CaseFamily, Cases, arr, layer_recipe


def bn_specs():
    cs = Cases(config_key="layer")
    for shp in ((3,), (2, 3), (2, 3, 4), (3, 2, 2, 2)):
        for mr in (None, 1):
            layer = {} if mr is None else dict(map_rank=mr)
            tag = "x".join(map(str, shp))
            cs.add("bn_%s_mr%s" % (tag, mr), "grid", layer, shp, batch=4)
    cs.add("bn_batch1", "grid", dict(map_rank=1), (2, 3, 3), batch=1)
    # one sample per statistic: CNTK's unbiased running variance is not finite (recorded as rejected)
    cs.add("err_batch1_elementwise", "error", {}, (3,), batch=1, expect_error=True)
    for t in (0, 1, 100):
        cs.add("bn_T%s" % t, "grid", dict(map_rank=1, normalization_time_constant=t), (2, 3), batch=5)
    cs.add("bn_eps", "grid", dict(epsilon=0.1, init_scale=2), (2, 3), batch=3)
    cs.add("bn_f64", "grid", dict(map_rank=1), (2, 3, 2), dtype="float64", batch=3)
    cs.add("bn_f64_elementwise", "grid", dict(normalization_time_constant=10), (4,), dtype="float64", batch=3)
    cs.add("err_map_rank2", "error", dict(map_rank=2), (2, 3), batch=2, expect_error=True)
    return cs


def ln_specs():
    cs = Cases(config_key="layer")
    for shp in ((4,), (3, 4), (2, 3, 4)):
        tag = "x".join(map(str, shp))
        cs.add("ln_%s" % tag, "grid", {}, shp, batch=3)
    cs.add("ln_eps", "grid", dict(epsilon=0.5), (5,), batch=2)
    cs.add("ln_eps0", "grid", dict(epsilon=0), (2, 3), batch=2)
    cs.add("ln_init", "grid", dict(initial_scale=2, initial_bias=0.5), (3, 2), batch=2)
    cs.add("ln_batch1", "grid", {}, (6,), batch=1)
    cs.add("ln_f64", "grid", {}, (3, 4), dtype="float64", batch=2)
    cs.add("ln_f64_3d", "grid", dict(epsilon=0.01), (2, 2, 3), dtype="float64", batch=3)
    return cs


def dropout_specs():
    cs = Cases(config_key="layer")
    for shp in ((4,), (2, 3), (2, 3, 4)):
        tag = "x".join(map(str, shp))
        cs.add("rate0_%s" % tag, "grid", dict(dropout_rate=0.0), shp, batch=3)
    cs.add("err_keep1", "error", dict(keep_prob=1.0), (3, 2), batch=2, expect_error=True)
    cs.add("rate0_f64", "grid", dict(dropout_rate=0.0), (5,), dtype="float64", batch=2)
    cs.add("err_none", "error", {}, (3,), expect_error=True)
    cs.add("err_both", "error", dict(dropout_rate=0.5, keep_prob=0.5), (3,), expect_error=True)
    cs.add("err_rate1", "error", dict(dropout_rate=1.0), (3,), expect_error=True)
    cs.add("err_rate_neg", "error", dict(dropout_rate=-0.1), (3,), expect_error=True)
    return cs


def to_cntk_kwargs(C, layer):
    kw = dict(layer)
    if kw.get("normalization_time_constant") == "inf":
        kw["normalization_time_constant"] = np.inf
    return kw


def draw_param(rs, name, shape, dtype):
    """scale around 1, bias around 0."""
    return (rs.randn(*shape) * 0.5 + (1 if name == "scale" else 0)).astype(dtype)


def draw_x(rs, spec, dtype):
    return (rs.randn(spec["batch"], *spec["input_shape"]) * 2 + 0.5).astype(dtype)


def batch_statistics(C, layer, f, x, rs, spec, dtype, case, stage):
    """BatchNormalization's running statistics after the grad call, then a training-mode forward on
    a second input and the statistics after it."""
    def stats():
        return dict(mean=arr(layer.aggregate_mean.value), variance=arr(layer.aggregate_variance.value),
                    count=arr(np.asarray(layer.aggregate_count.value, dtype=dtype)))
    case["stats_after_grad"] = stats()
    x2 = (rs.randn(spec["batch"], *spec["input_shape"]) - 0.3).astype(dtype)
    stage("forward")
    state, out = f.forward({x: x2}, keep_for_backward=set([f.output]))
    case["x2"] = arr(x2)
    case["y_train"] = arr(list(out.values())[0])
    case["stats_after_forward"] = stats()


def make_recipe(name, params, after=None):
    return layer_recipe(name, params, to_cntk_kwargs, draw_param=draw_param, draw_x=draw_x, after=after)


def keys(params, extra=()):
    out = ["id", "group", "layer", "input_shape", "dtype", "x"] + list(params) + ["y", "grad_x"]
    out += ["grad_" + p for p in params]
    return out + list(extra)


register(CaseFamily("layers/BatchNormalization", bn_specs, make_recipe("BatchNormalization", ["scale", "bias"], batch_statistics),
                    case_keys=keys(["scale", "bias"], ["stats_after_grad", "x2", "y_train", "stats_after_forward"]),
                    config_keys=["layer", "input_shape"], backend_failure=lambda e: e["stage"] == "crash"))
register(CaseFamily("layers/LayerNormalization", ln_specs, make_recipe("LayerNormalization", ["scale", "bias"]),
                    case_keys=keys(["scale", "bias"]), config_keys=["layer", "input_shape"],
                    backend_failure=lambda e: e["stage"] == "crash"))
register(CaseFamily("layers/Dropout", dropout_specs, make_recipe("Dropout", []),
                    case_keys=keys([]), config_keys=["layer", "input_shape"],
                    backend_failure=lambda e: e["stage"] == "crash"))
