"""The Convolution and pooling layer families: tests/goldens/layers/<Name>/ for Convolution,
Convolution1D/2D/3D, MaxPooling, AveragePooling, GlobalMaxPooling and GlobalAveragePooling.

Each case runs C.layers.<Name>(**layer) on random parameters and input (numpy seed: the case's;
max-pooling "ties" cases draw integers 0..2 so that windows hold equal maxima) and records y and
the gradients of sum(y) with respect to x and every parameter (W, b; pooling has none). The
grids cover CNTK's window geometry: pad (scalar and per axis), strides, even and odd windows,
inputs whose length leaves a remainder after the last stride (CNTK then centres the padded
windows), reduction_rank=0, num_filters=None, bias=False, activations, float64, batch > 1;
"err_*" cases probe what CNTK rejects.
"""
import numpy as np

from . import register
from ._base import CaseFamily, Cases, fmt, layer_recipe

# (n, k, s, pad) of the 1D geometry cases: padded ones where the remainder (n - 1) % s moves the
# centred windows (n=8, k=3, s=3; n=8, k=5, s=4), even windows, windows of 1, unpadded ones
GEOMETRY_1D = [(7, 2, 2, True), (7, 3, 3, True), (8, 3, 2, True), (8, 3, 3, True), (8, 4, 3, True),
               (8, 5, 4, True), (6, 4, 1, True), (5, 1, 3, True), (9, 5, 3, True),
               (7, 3, 2, False), (8, 2, 3, False), (5, 4, 1, False), (6, 1, 2, False)]

ACTIVATIONS = ["relu", "sigmoid", "softmax", "elu"]


# ----------------------------------------------------------------------------------------------
def convolution_cases():
    cs = Cases()
    # 1D geometry: odd and even kernels, strides, lengths with and without a remainder after the
    # last stride (CNTK centres padded windows over the input)
    for n, k, s, pad in GEOMETRY_1D:
        cs.add("1d_n%d_k%d_s%d_p%s" % (n, k, s, fmt(pad)), "grid",
               dict(filter_shape=(k,), num_filters=2, pad=pad, strides=s), (2, n))
    # 2D: pad and strides scalar and per axis, even and odd kernels
    for fs, pad, s in (((3, 3), True, 2), ((2, 4), True, 1), ((2, 4), [True, False], [1, 3]),
                       ((3, 3), False, [2, 1]), ((2, 4), False, 2), ((3, 3), [False, True], 3)):
        cs.add("2d_k%s_s%s_p%s" % (fmt(fs), fmt(s), fmt(pad)), "grid",
               dict(filter_shape=fs, num_filters=3, pad=pad, strides=s), (2, 6, 7))
    # 3D
    for pad, s in ((False, 1), (True, 2), ([True, False, True], [1, 2, 2])):
        cs.add("3d_s%s_p%s" % (fmt(s), fmt(pad)), "grid",
               dict(filter_shape=(2, 3, 3), num_filters=2, pad=pad, strides=s), (2, 4, 5, 5))
    # num_filters=None / (), reduction_rank=0, both
    cs.add("nf_none_2d", "grid", dict(filter_shape=(3, 3), pad=True), (2, 5, 6))
    cs.add("nf_empty_1d", "grid", dict(filter_shape=3, num_filters=[], strides=2), (3, 7))
    cs.add("rr0_2d", "grid", dict(filter_shape=(3, 3), num_filters=4, reduction_rank=0, pad=True), (5, 6))
    cs.add("rr0_1d_s2", "grid", dict(filter_shape=3, num_filters=2, reduction_rank=0, strides=2), (7,))
    cs.add("rr0_nf_none", "grid", dict(filter_shape=(2, 2), reduction_rank=0), (4, 5))
    # bias, activations, batch, chunking
    cs.add("nobias_2d", "grid", dict(filter_shape=(3, 3), num_filters=3, bias=False, pad=True), (2, 5, 5), batch=3)
    for act in ACTIVATIONS:
        cs.add("act_" + act, "grid", dict(filter_shape=(3, 3), num_filters=3, pad=True, activation=act), (2, 4, 4),
               batch=2)
    cs.add("chunk2_b5", "grid", dict(filter_shape=(3, 3), num_filters=2, max_temp_mem_size_in_samples=2), (2, 5, 5),
           batch=5)
    cs.add("depth4_b3", "grid", dict(filter_shape=(3, 3), num_filters=5, pad=True, strides=2), (4, 8, 8), batch=3)
    cs.add("list1_pad_strides", "grid", dict(filter_shape=(3, 2), num_filters=2, pad=[True], strides=[2]), (2, 5, 6))
    cs.add("kernel_eq_input", "grid", dict(filter_shape=(4, 5), num_filters=2), (2, 4, 5))
    cs.add("kernel_eq_input_pad", "grid", dict(filter_shape=(4, 5), num_filters=2, pad=True), (2, 4, 5))
    # float64
    for name, layer, shp in (("1d_pad_s2", dict(filter_shape=3, num_filters=2, pad=True, strides=2), (2, 8)),
                             ("2d", dict(filter_shape=(3, 3), num_filters=2), (2, 5, 5)),
                             ("2d_pad_even", dict(filter_shape=(2, 4), num_filters=3, pad=True, strides=[2, 3]),
                              (2, 6, 8)),
                             ("3d_pad", dict(filter_shape=(2, 2, 3), num_filters=2, pad=True), (2, 3, 3, 4)),
                             ("rr0_tanh", dict(filter_shape=(3, 3), num_filters=2, reduction_rank=0, activation="tanh"),
                              (5, 5))):
        cs.add("f64_" + name, "grid", layer, shp, dtype="float64", batch=2)
    # rejections
    E = lambda cid, layer, shp: cs.add("err_" + cid, "error", layer, shp, expect_error=True)
    E("kernel_gt_input", dict(filter_shape=(3, 3), num_filters=2), (2, 2, 6))
    E("kernel_gt_input_pad", dict(filter_shape=(3, 3), num_filters=2, pad=True), (2, 2, 6))
    E("filter_rank_lt_input", dict(filter_shape=3, num_filters=2), (2, 5, 6))
    E("filter_rank_gt_input", dict(filter_shape=(3, 3), num_filters=2), (2, 5))
    E("no_depth_axis", dict(filter_shape=(3, 3), num_filters=2), (5, 6))
    E("sharing_false", dict(filter_shape=(3, 3), num_filters=2, sharing=False), (2, 5, 6))
    E("groups_2", dict(filter_shape=(3, 3), num_filters=4, groups=2), (4, 5, 6))
    E("transpose_weight", dict(filter_shape=(3, 3), num_filters=2, transpose_weight=True), (2, 5, 6))
    E("reduction_rank_2", dict(filter_shape=3, num_filters=2, reduction_rank=2), (2, 3, 5))
    E("pad_len3_for_2d", dict(filter_shape=(3, 3), num_filters=2, pad=[True, False, True]), (2, 5, 6))
    E("strides_len3_for_2d", dict(filter_shape=(3, 3), num_filters=2, strides=[1, 2, 2]), (2, 5, 6))
    E("dilation_2", dict(filter_shape=(3, 3), num_filters=2, dilation=2), (2, 7, 7))
    return cs


def fixed_conv_cases(rank):
    def specs():
        cs = Cases()
        if rank == 1:
            cs.add("k3", "grid", dict(filter_shape=3, num_filters=2), (2, 7))
            cs.add("k4_pad_s2", "grid", dict(filter_shape=(4,), num_filters=3, pad=True, strides=2), (2, 9))
            cs.add("rr0_relu", "grid", dict(filter_shape=3, num_filters=2, reduction_rank=0, activation="relu"), (8,))
            cs.add("f64_pad", "grid", dict(filter_shape=2, num_filters=2, pad=True), (3, 6), dtype="float64", batch=2)
            cs.add("err_filter_2d", "error", dict(filter_shape=(3, 3), num_filters=2), (2, 7, 7), expect_error=True)
            cs.add("err_input_2d", "error", dict(filter_shape=3, num_filters=2), (2, 5, 4), expect_error=True)
        elif rank == 2:
            cs.add("k3", "grid", dict(filter_shape=3, num_filters=4), (2, 5, 4))
            cs.add("k3x2_pad_s2", "grid", dict(filter_shape=(3, 2), num_filters=3, pad=True, strides=2), (3, 7, 6))
            cs.add("nobias_relu", "grid", dict(filter_shape=(3, 3), num_filters=2, bias=False, activation="relu",
                                               pad=[False, True]), (2, 6, 6), batch=3)
            cs.add("rr0", "grid", dict(filter_shape=(2, 2), num_filters=2, reduction_rank=0, strides=[1, 2]), (5, 6))
            cs.add("f64_pad_s2", "grid", dict(filter_shape=(3, 3), num_filters=2, pad=True, strides=2), (2, 6, 5),
                   dtype="float64", batch=2)
            cs.add("err_filter_3d", "error", dict(filter_shape=(2, 2, 2), num_filters=2), (2, 5, 5),
                   expect_error=True)
            cs.add("err_input_1d", "error", dict(filter_shape=(3, 3), num_filters=2), (2, 5), expect_error=True)
        else:
            cs.add("k2", "grid", dict(filter_shape=2, num_filters=2), (2, 5, 4, 3))
            cs.add("k3_pad_s2", "grid", dict(filter_shape=(3, 3, 2), num_filters=2, pad=True, strides=2), (2, 5, 5, 4))
            cs.add("f64", "grid", dict(filter_shape=(2, 2, 2), num_filters=2, pad=[True, False, True]), (2, 3, 4, 3),
                   dtype="float64")
            cs.add("err_input_2d", "error", dict(filter_shape=2, num_filters=2), (2, 5, 4), expect_error=True)
        return cs
    return specs


# ----------------------------------------------------------------------------------------------
def pooling_cases(max_pool):
    def specs():
        cs = Cases()
        # 1D geometry: windows, strides, lengths with and without a remainder after the last stride
        for n, k, s, pad in GEOMETRY_1D:
            cs.add("1d_n%d_k%d_s%d_p%s" % (n, k, s, fmt(pad)), "grid",
                   dict(filter_shape=(k,), strides=s, pad=pad), (2, n))
        for fs, pad, s in (((2, 2), False, 2), ((3, 3), True, 2), ((2, 3), [False, True], [2, 1]),
                           ((3, 3), True, 1), ((2, 2), True, [1, 2]), ((3, 3), False, 1)):
            cs.add("2d_k%s_s%s_p%s" % (fmt(fs), fmt(s), fmt(pad)), "grid",
                   dict(filter_shape=fs, strides=s, pad=pad), (3, 5, 6))
        cs.add("3d_k2_s2", "grid", dict(filter_shape=(2, 2, 2), strides=2), (2, 4, 5, 4))
        cs.add("3d_k3_pad_s2", "grid", dict(filter_shape=(3, 3, 3), strides=2, pad=True), (2, 4, 5, 4))
        # windows of lower rank than the input: the leading axes are kept
        cs.add("lead_1d_on_3d", "grid", dict(filter_shape=(2,), strides=2, pad=True), (2, 3, 5))
        cs.add("lead_2d_on_4d", "grid", dict(filter_shape=(2, 2)), (2, 2, 4, 4))
        cs.add("nodepth_2d", "grid", dict(filter_shape=(2, 2), strides=2, pad=True), (5, 5))
        cs.add("batch3", "grid", dict(filter_shape=(3, 3), strides=2, pad=True), (4, 7, 7), batch=3)
        cs.add("f64_2d_pad", "grid", dict(filter_shape=(3, 3), strides=2, pad=True), (2, 6, 7), dtype="float64",
               batch=2)
        cs.add("f64_1d", "grid", dict(filter_shape=[2], strides=1), (2, 5), dtype="float64")
        if max_pool:
            for name, layer, shp in (("1d_k2_s1", dict(filter_shape=(2,), strides=1), (1, 8)),
                                     ("1d_k3_s1_pad", dict(filter_shape=(3,), strides=1, pad=True), (2, 8)),
                                     ("2d_k3_s2_pad", dict(filter_shape=(3, 3), strides=2, pad=True), (2, 6, 6)),
                                     ("2d_k2_s1", dict(filter_shape=(2, 2), strides=1), (2, 5, 5))):
                cs.add("ties_" + name, "ties", layer, shp, batch=2)
                cs.items[-1]["ties"] = True
        E = lambda cid, layer, shp: cs.add("err_" + cid, "error", layer, shp, expect_error=True)
        E("int_filter_shape", dict(filter_shape=2), (2, 5))  # CNTK: TypeError; cntkr: a 1-D window
        E("window_gt_input", dict(filter_shape=(3,)), (2, 2))
        E("window_gt_input_pad", dict(filter_shape=(3, 3), pad=True), (2, 2, 5))
        E("window_rank_gt_input", dict(filter_shape=(2, 2)), (4,))
        E("strides_len3_for_2d", dict(filter_shape=(2, 2), strides=[1, 2, 2]), (2, 5, 5))
        return cs
    return specs


def global_cases():
    cs = Cases()
    cs.add("2d", "grid", dict(), (3, 4, 5), batch=2)
    cs.add("1d", "grid", dict(), (2, 6))
    cs.add("3d", "grid", dict(), (2, 3, 4, 2))
    cs.add("f64_2d", "grid", dict(), (2, 3, 3), dtype="float64", batch=2)
    return cs


# ----------------------------------------------------------------------------------------------
# the recipe (runs inside the CNTK interpreter)
def to_cntk_kwargs(C, layer):
    kw = {}
    for key, v in layer.items():
        if key in ("filter_shape", "strides", "dilation", "num_filters") and isinstance(v, list):
            v = tuple(v)
        elif key == "activation":
            v = C.layers.identity if v == "identity" else getattr(C, v)
        kw[key] = v
    return kw


def draw_x(rs, spec, dtype):
    """A random input; small integers (many ties) for the cases that test max pooling's ties."""
    shape = (spec["batch"],) + tuple(spec["input_shape"])
    if spec.get("ties"):
        return rs.randint(0, 3, size=shape).astype(dtype)
    return rs.randn(*shape).astype(dtype)


def backend_failure(e):
    """CNTK's CPU engine failing on a configuration its shape rules admit (dilation)."""
    return e["stage"] == "crash" or "on CPU is not yet implemented" in e["cntk_error"]


CONV_KEYS = ["id", "group", "layer", "input_shape", "dtype", "x", "W", "b", "y", "grad_x", "grad_W", "grad_b"]
POOL_KEYS = ["id", "group", "layer", "input_shape", "dtype", "x", "y", "grad_x"]


for _name, _specs, _keys in (
        ("Convolution", convolution_cases, CONV_KEYS),
        ("Convolution1D", fixed_conv_cases(1), CONV_KEYS),
        ("Convolution2D", fixed_conv_cases(2), CONV_KEYS),
        ("Convolution3D", fixed_conv_cases(3), CONV_KEYS),
        ("MaxPooling", pooling_cases(True), POOL_KEYS),
        ("AveragePooling", pooling_cases(False), POOL_KEYS),
        ("GlobalMaxPooling", global_cases, POOL_KEYS),
        ("GlobalAveragePooling", global_cases, POOL_KEYS)):
    register(CaseFamily("layers/" + _name, _specs, layer_recipe(_name, ["W", "b"], to_cntk_kwargs, draw_x=draw_x),
                        case_keys=_keys, config_keys=["layer", "input_shape"], backend_failure=backend_failure))
