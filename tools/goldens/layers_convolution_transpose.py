"""The ConvolutionTranspose layer family: tests/goldens/layers/ConvolutionTranspose/.

Cases: a grid over every argument (1D/2D/3D, pad, strides, output_shape, num_filters=(),
reduction_rank, activations, bias, float64, size-1 axes, in_depth), deliberate probes of rejected
configurations ("err_*"), and 130 random configurations (numpy seed 12345). Each case runs
C.layers.ConvolutionTranspose on random W, b and x (numpy seed: the case's) and records y and the
gradients of sum(y) with respect to x, W and b.
"""
import itertools

import numpy as np

from . import register
from ._base import CaseFamily, Cases, fmt, layer_recipe

ACTIVATIONS = ["identity", "relu", "sigmoid", "tanh", "softmax", "elu", "leaky_relu", "softplus"]


# ----------------------------------------------------------------------------------------------
# admissibility rule measured from CNTK (see docs/cntk-semantics.md); used only to *choose*
# output_shape values for the grid and the random cases -- CNTK itself decides what is accepted.
def admissible(n, k, s, pad):
    """output sizes CNTK admits on one axis (input size n, kernel k, stride s)."""
    if pad:
        return [o for o in range((n - 1) * s + 1, n * s + 1) if o >= k]
    return list(range((n - 1) * s + k, n * s + k))


def per_axis(v, rank):
    if isinstance(v, (list, tuple)):
        return list(v) if len(v) == rank else [v[0]] * rank
    return [v] * rank


# ----------------------------------------------------------------------------------------------
# case list
def add_spatial(cs, rank, fs, s, pad, n, outs):
    """One 2D/3D grid case (2 filters, in_depth 2, spatial size n) per output_shape in outs (None:
    no output_shape)."""
    for o in outs:
        layer = dict(filter_shape=fs, num_filters=2, pad=pad, strides=s)
        if o is not None:
            layer["output_shape"] = list(o)
        cs.add("%dd_k%s_s%s_p%s_o%s" % (rank, fmt(fs), fmt(s), fmt(pad), fmt(o)), "grid", layer, (2,) + n)


def grid_cases(cs):
    """Every argument over a grid of values (all expected to be accepted by CNTK)."""
    # ---- 1D: pad x strides x kernel x input size x (None + every admissible output_shape) ----
    for pad in (False, True):
        for s in (1, 2, 3):
            for k in (1, 2, 3, 4, 5):
                for n in (1, 3, 4):
                    fs = k if (k + n) % 2 else (k,)          # int and tuple forms
                    outs = [None] + admissible(n, k, s, pad)
                    for o in outs:
                        layer = dict(filter_shape=fs, num_filters=3, pad=pad, strides=s)
                        if o is not None:
                            layer["output_shape"] = [o]
                        cid = "1d_n%d_k%d_s%d_p%s_o%s" % (n, k, s, fmt(pad), fmt(o))
                        cs.add(cid, "grid", layer, (2, n))

    # stride 4 and kernel 6 on a 2-long input
    for pad in (False, True):
        for k in (1, 2, 3, 4, 5, 6):
            for o in [None] + admissible(2, k, 4, pad):
                layer = dict(filter_shape=k, num_filters=2, pad=pad, strides=4)
                if o is not None:
                    layer["output_shape"] = [o]
                cs.add("1d_n2_k%d_s4_p%s_o%s" % (k, fmt(pad), fmt(o)), "grid", layer, (1, 2))

    # ---- 2D: pad (scalar and per axis) x strides (scalar and per axis) x kernels x output_shape ----
    for pad in (False, True, [True, False], [False, True]):
        for s in (1, 2, 3, [2, 1], [1, 3]):
            for fs in ([3, 3], [2, 4], [1, 5], [4, 1]):
                n = (4, 5)
                ks = per_axis(fs, 2)
                pads = per_axis(pad, 2)
                ss = per_axis(s, 2)
                sets = [admissible(n[i], ks[i], ss[i], pads[i]) for i in range(2)]
                outs = [None]
                if all(sets):
                    combos = list(itertools.product(*sets))
                    if len(combos) > 4:
                        combos = [(sets[0][0], sets[1][0]), (sets[0][-1], sets[1][-1]),
                                  (sets[0][0], sets[1][-1]), (sets[0][-1], sets[1][0])]
                    outs += sorted(set(combos))
                add_spatial(cs, 2, fs, s, pad, n, outs)

    # ---- 3D ----
    for pad in (False, True, [True, False, True]):
        for s in (1, 2, [1, 2, 3]):
            for fs in ([2, 3, 2], [3, 1, 3]):
                n = (3, 4, 3)
                ks, pads, ss = per_axis(fs, 3), per_axis(pad, 3), per_axis(s, 3)
                sets = [admissible(n[i], ks[i], ss[i], pads[i]) for i in range(3)]
                outs = [None]
                if all(sets):
                    outs.append(tuple(a[-1] for a in sets))
                add_spatial(cs, 3, fs, s, pad, n, outs)

    # ---- num_filters=() (empty tuple; written as []), reduction_rank=0, both ----
    for shp, fs in (((1, 5), 3), ((1, 4, 4), (3, 2)), ((1, 3, 3, 2), (2, 2, 2))):
        r = len(shp) - 1
        for pad, s in ((False, 1), (True, 2), (False, 2), ([True] + [False] * (r - 1), 3)):
            layer = dict(filter_shape=fs, num_filters=[], pad=pad, strides=s)
            cs.add("nf0_%dd_k%s_s%s_p%s" % (r, fmt(fs), fmt(s), fmt(pad)), "grid", layer, shp)
            layer = dict(filter_shape=fs, num_filters=[], pad=pad, strides=s, reduction_rank=0)
            cs.add("nf0_rr0_%dd_k%s_s%s_p%s" % (r, fmt(fs), fmt(s), fmt(pad)), "grid", layer, shp[1:])
            for nf in (1, 3):
                layer = dict(filter_shape=fs, num_filters=nf, pad=pad, strides=s, reduction_rank=0)
                cs.add("rr0_%dd_nf%d_k%s_s%s_p%s" % (r, nf, fmt(fs), fmt(s), fmt(pad)), "grid", layer, shp[1:])
    # reduction_rank=0 with output_shape (spatial only)
    for shp, fs, s, pad in (((5,), 3, 2, False), ((5,), 3, 3, True), ((4, 3), (3, 2), (2, 3), [True, False]),
                            ((3, 2, 3), [2, 2, 2], 2, False)):
        ks, ss, pads = per_axis(fs, len(shp)), per_axis(s, len(shp)), per_axis(pad, len(shp))
        o = [admissible(shp[i], ks[i], ss[i], pads[i])[-1] for i in range(len(shp))]
        layer = dict(filter_shape=fs, num_filters=2, pad=pad, strides=s, output_shape=o, reduction_rank=0)
        cs.add("rr0_%dd_k%s_s%s_p%s_o%s" % (len(shp), fmt(fs), fmt(s), fmt(pad), fmt(o)), "grid", layer, shp)
        layer = dict(layer, reduction_rank=1)
        cs.add("rr1_%dd_k%s_s%s_p%s_o%s" % (len(shp), fmt(fs), fmt(s), fmt(pad), fmt(o)), "grid", layer,
               (3,) + shp)
    # explicit reduction_rank=1
    cs.add("rr1_explicit_2d", "grid", dict(filter_shape=(3, 3), num_filters=2, reduction_rank=1), (2, 3, 3))

    # ---- activations (2D and 1D, batch 3), explicit identity ----
    for act in ACTIVATIONS:
        cs.add("act_%s_2d" % act, "grid",
               dict(filter_shape=(3, 2), num_filters=3, pad=True, strides=2, activation=act), (2, 3, 3), batch=3)
        cs.add("act_%s_1d_nobias" % act, "grid",
               dict(filter_shape=3, num_filters=2, activation=act, bias=False), (3, 4))
        cs.add("act_%s_nf0" % act, "grid",
               dict(filter_shape=(2, 2), num_filters=[], activation=act), (1, 3, 3))

    # ---- bias=False / bias=True explicit, batch 1 and 3 ----
    for bias in (False, True):
        for batch in (1, 3):
            cs.add("bias%s_b%d_2d" % (fmt(bias), batch), "grid",
                   dict(filter_shape=(3, 3), num_filters=2, pad=[True, False], strides=[2, 1], bias=bias),
                   (3, 4, 3), batch=batch)
            cs.add("bias%s_b%d_3d" % (fmt(bias), batch), "grid",
                   dict(filter_shape=(2, 2, 2), num_filters=2, strides=2, bias=bias), (2, 2, 3, 2), batch=batch)

    # ---- float64 ----
    f64 = [
        ("1d_pad_s2", dict(filter_shape=3, num_filters=2, pad=True, strides=2), (2, 5)),
        ("1d_s3_o", dict(filter_shape=2, num_filters=3, strides=3, output_shape=[9]), (2, 3)),
        ("2d", dict(filter_shape=(3, 3), num_filters=2), (2, 4, 4)),
        ("2d_pad_s2_o", dict(filter_shape=(4, 3), num_filters=2, pad=True, strides=2, output_shape=[8, 7]), (3, 4, 4)),
        ("2d_padmix", dict(filter_shape=(3, 2), num_filters=4, pad=[False, True], strides=[1, 3]), (1, 3, 3)),
        ("3d", dict(filter_shape=(2, 3, 2), num_filters=2, pad=True, strides=(2, 1, 2)), (2, 3, 3, 2)),
        ("nf0", dict(filter_shape=(3, 3), num_filters=[], pad=True), (1, 4, 4)),
        ("rr0", dict(filter_shape=(3, 3), num_filters=2, reduction_rank=0, strides=2), (3, 3)),
        ("nf0_rr0", dict(filter_shape=3, num_filters=[], reduction_rank=0, strides=2), (4,)),
        ("nobias", dict(filter_shape=(2, 2), num_filters=3, bias=False), (2, 3, 3)),
        ("softmax", dict(filter_shape=(2, 2), num_filters=2, activation="softmax"), (2, 3, 3)),
        ("elu", dict(filter_shape=(2, 2), num_filters=2, activation="elu"), (2, 3, 3)),
        ("tanh", dict(filter_shape=3, num_filters=2, activation="tanh", pad=True), (2, 4)),
    ]
    for name, layer, shp in f64:
        cs.add("f64_" + name, "grid", layer, shp, dtype="float64")
        cs.add("f64_" + name + "_b3", "grid", layer, shp, dtype="float64", batch=3)

    # ---- spatial size 1 inputs ----
    for name, shp, layer in (
        ("1d_k3", (2, 1), dict(filter_shape=3, num_filters=2)),
        ("1d_k1_pad", (2, 1), dict(filter_shape=1, num_filters=2, pad=True)),
        ("1d_k3_pad_s3_o3", (2, 1), dict(filter_shape=3, num_filters=2, pad=True, strides=3, output_shape=[3])),
        ("1d_k3_s2_o4", (2, 1), dict(filter_shape=3, num_filters=2, strides=2, output_shape=[4])),
        ("2d_k2x3", (2, 1, 1), dict(filter_shape=(2, 3), num_filters=2)),
        ("2d_k2x3_s2x3_o3x5", (2, 1, 1), dict(filter_shape=(2, 3), num_filters=2, strides=(2, 3), output_shape=[3, 5])),
        ("2d_k2_pad_s2_o2", (2, 1, 1), dict(filter_shape=(2, 2), num_filters=2, pad=True, strides=2, output_shape=[2, 2])),
        ("2d_1x5_k3_padFT", (2, 1, 5), dict(filter_shape=(3, 3), num_filters=2, pad=[False, True])),
        ("2d_1x5_k1x3_pad_s2", (2, 1, 5), dict(filter_shape=(1, 3), num_filters=2, pad=True, strides=2)),
        ("3d_k2_s2", (3, 1, 1, 1), dict(filter_shape=(2, 2, 2), num_filters=2, strides=2)),
        ("1d_nf0", (1, 1), dict(filter_shape=2, num_filters=[])),
        ("1d_rr0", (1,), dict(filter_shape=2, num_filters=2, reduction_rank=0)),
        ("1d_nf0_rr0_s2", (1,), dict(filter_shape=2, num_filters=[], reduction_rank=0, strides=2)),
    ):
        cs.add("sp1_" + name, "grid", layer, shp)

    # ---- one-element lists broadcast to every axis ----
    cs.add("list1_2d_pad_strides", "grid", dict(filter_shape=(3, 2), num_filters=2, pad=[True], strides=[2]), (2, 3, 4))
    cs.add("list1_3d_strides", "grid", dict(filter_shape=(2, 2, 2), num_filters=2, strides=[2]), (1, 2, 2, 2))
    cs.add("list1_1d", "grid", dict(filter_shape=[3], num_filters=2, pad=[True], strides=[3], output_shape=[11]),
           (2, 4))

    # ---- padded axis of size 1, even kernel, output window starting before the grid (CPU engine) ----
    for shp, fs, s, o in (((2, 1, 4), (2, 3), (3, 1), [3, 4]), ((2, 1, 4), (2, 3), (4, 1), [3, 4]),
                          ((2, 2, 4), (2, 3), (3, 1), [6, 4]), ((2, 1, 4), (2, 3), (3, 1), [2, 4]),
                          ((2, 1), 2, 4, [4]), ((2, 1), 4, 4, [4])):
        cs.add("edge_pad_%s_k%s_s%s_o%s" % (fmt(list(shp)), fmt(fs), fmt(s), fmt(o)), "grid",
               dict(filter_shape=fs, num_filters=2, pad=True, strides=s, output_shape=o), shp)

    # ---- in_depth 1..4 ----
    for d in (1, 2, 3, 4):
        for nf in (1, 4):
            cs.add("depth%d_nf%d_2d" % (d, nf), "grid",
                   dict(filter_shape=(2, 3), num_filters=nf, pad=True, strides=(2, 1)), (d, 3, 4))
        cs.add("depth%d_1d_b3" % d, "grid", dict(filter_shape=4, num_filters=2, strides=2), (d, 4), batch=3)


def error_cases(cs):
    """Configurations expected to be rejected (checked against CNTK, not assumed)."""
    E = lambda cid, layer, shp, **kw: cs.add("err_" + cid, "error", layer, shp, expect_error=True, **kw)
    # inadmissible output_shape, too small / too large
    E("out_small_1d", dict(filter_shape=3, num_filters=2, strides=2, output_shape=[8]), (2, 4))
    E("out_large_1d", dict(filter_shape=3, num_filters=2, strides=2, output_shape=[11]), (2, 4))
    E("out_small_1d_s1", dict(filter_shape=3, num_filters=2, output_shape=[5]), (2, 4))
    E("out_large_1d_s1", dict(filter_shape=3, num_filters=2, output_shape=[7]), (2, 4))
    E("out_small_pad", dict(filter_shape=3, num_filters=2, pad=True, strides=2, output_shape=[6]), (2, 4))
    E("out_large_pad", dict(filter_shape=3, num_filters=2, pad=True, strides=2, output_shape=[9]), (2, 4))
    E("out_large_pad_s3", dict(filter_shape=3, num_filters=2, pad=True, strides=3, output_shape=[13]), (2, 4))
    E("out_small_pad_s1", dict(filter_shape=3, num_filters=2, pad=True, output_shape=[3]), (2, 4))
    E("out_large_pad_s1", dict(filter_shape=3, num_filters=2, pad=True, output_shape=[5]), (2, 4))
    E("out_2d_one_axis_bad", dict(filter_shape=(3, 3), num_filters=2, strides=2, output_shape=[9, 12]), (2, 4, 4))
    E("out_2d_pad_one_axis_bad", dict(filter_shape=(3, 3), num_filters=2, pad=True, strides=2,
                                      output_shape=[7, 9]), (2, 4, 4))
    E("out_3d_bad", dict(filter_shape=2, num_filters=2, output_shape=[4, 4, 5]), (2, 3, 3, 3))
    # padded axis with output smaller than the kernel
    E("pad_kernel_gt_out_1d", dict(filter_shape=5, num_filters=2, pad=True), (2, 3))
    E("pad_kernel_gt_out_1d_k2n1", dict(filter_shape=2, num_filters=2, pad=True), (2, 1))
    E("pad_kernel_gt_out_1d_k4n2s2", dict(filter_shape=4, num_filters=2, pad=True, strides=2), (2, 2))
    E("pad_kernel_gt_out_o", dict(filter_shape=4, num_filters=2, pad=True, strides=2, output_shape=[3]), (2, 2))
    E("pad_kernel_gt_out_2d_axis1", dict(filter_shape=(3, 5), num_filters=2, pad=[False, True]), (2, 4, 4))
    E("pad_kernel_gt_out_2d", dict(filter_shape=(3, 3), num_filters=2, pad=True), (2, 2, 2))
    # wrong per-axis list lengths
    E("pad_len3_for_2d", dict(filter_shape=(3, 3), num_filters=2, pad=[True, False, True]), (2, 4, 4))
    E("pad_len2_for_1d", dict(filter_shape=3, num_filters=2, pad=[True, False]), (2, 4))
    E("strides_len3_for_2d", dict(filter_shape=(3, 3), num_filters=2, strides=[1, 2, 2]), (2, 4, 4))
    E("strides_len2_for_3d", dict(filter_shape=(2, 2, 2), num_filters=2, strides=[2, 2]), (2, 3, 3, 3))
    E("output_shape_len1_for_2d", dict(filter_shape=(3, 3), num_filters=2, output_shape=[6]), (2, 4, 4))
    E("output_shape_len3_for_2d", dict(filter_shape=(3, 3), num_filters=2, output_shape=[2, 6, 6]), (2, 4, 4))
    E("output_shape_int", dict(filter_shape=3, num_filters=2, output_shape=6), (2, 4))
    E("output_shape_with_depth_rr0", dict(filter_shape=3, num_filters=2, reduction_rank=0, output_shape=[1, 7]), (5,))
    # filter rank vs input rank
    E("filter_rank_gt_input", dict(filter_shape=(3, 3), num_filters=2), (2, 5))
    E("filter_rank_gt_input_nobias", dict(filter_shape=(3, 3), num_filters=2, bias=False), (2, 5))
    E("filter_rank_lt_input", dict(filter_shape=3, num_filters=2), (2, 5, 5))
    E("filter_rank_lt_input_nobias", dict(filter_shape=3, num_filters=2, bias=False), (2, 5, 5))
    E("filter_rank_lt_input_rr0", dict(filter_shape=3, num_filters=2, reduction_rank=0, bias=False), (5, 5))
    E("filter_rank_gt_input_rr0", dict(filter_shape=(3, 3), num_filters=2, reduction_rank=0), (5,))
    E("filter_int_for_2d", dict(filter_shape=3, num_filters=2, pad=True, strides=2), (2, 4, 4))
    E("filter_int_for_3d", dict(filter_shape=2, num_filters=2), (2, 3, 3, 3))
    E("filter_shape_empty", dict(filter_shape=[], num_filters=2), (2, 5))
    # num_filters
    E("num_filters_none", dict(filter_shape=3, num_filters=None), (2, 5))
    E("num_filters_none_rr0", dict(filter_shape=3, num_filters=None, reduction_rank=0), (5,))
    E("num_filters_empty_depth2", dict(filter_shape=3, num_filters=[]), (2, 5))
    E("num_filters_empty_depth3_2d", dict(filter_shape=(2, 2), num_filters=[], bias=False), (3, 4, 4))
    E("num_filters_empty_output_shape", dict(filter_shape=3, num_filters=[], strides=2, output_shape=[10]), (1, 4))
    E("num_filters_empty_rr0_output_shape", dict(filter_shape=3, num_filters=[], reduction_rank=0, strides=2,
                                                 output_shape=[10]), (4,))
    # other arguments
    E("sharing_false", dict(filter_shape=3, num_filters=2, sharing=False), (2, 5))
    E("sharing_list", dict(filter_shape=(3, 3), num_filters=2, sharing=[False, True]), (2, 4, 4))
    E("reduction_rank_2", dict(filter_shape=3, num_filters=2, reduction_rank=2), (2, 3, 5))
    E("dilation_2", dict(filter_shape=3, num_filters=2, dilation=2), (2, 5))
    E("rr0_input_has_depth_1d", dict(filter_shape=3, num_filters=2, reduction_rank=0), (2, 5))


def random_cases(cs, count=130, seed=12345):
    rs = np.random.RandomState(seed)
    for i in range(count):
        rank = int(rs.choice([1, 2, 3], p=[0.35, 0.4, 0.25]))
        maxn = {1: 7, 2: 5, 3: 3}[rank]
        n = [int(rs.randint(1, maxn + 1)) for _ in range(rank)]
        ks = [int(rs.randint(1, {1: 6, 2: 5, 3: 3}[rank] + 1)) for _ in range(rank)]
        ss = [int(rs.randint(1, 4)) for _ in range(rank)]
        pads = [bool(rs.rand() < 0.5) for _ in range(rank)]
        rr = 0 if rs.rand() < 0.2 else 1
        depth = 1 if rr == 0 else int(rs.randint(1, 5))
        nf = [] if (depth == 1 and rs.rand() < 0.25) else int(rs.randint(1, 5))
        # argument forms: scalar when all equal (sometimes), list otherwise
        def form(v):
            if len(set(v)) == 1 and rs.rand() < 0.6:
                return v[0]
            return list(v)
        layer = dict(filter_shape=form(ks) if rank == 1 else list(ks), num_filters=nf)
        if any(pads) or rs.rand() < 0.3:
            layer["pad"] = form(pads)
        if any(s > 1 for s in ss) or rs.rand() < 0.3:
            layer["strides"] = form(ss)
        if rs.rand() < 0.5 and nf != []:
            sets = [admissible(n[a], ks[a], ss[a], pads[a]) for a in range(rank)]
            if all(sets) and rs.rand() < 0.9:
                layer["output_shape"] = [int(rs.choice(st)) for st in sets]
            else:   # deliberately inadmissible (expected to land in the error file)
                layer["output_shape"] = [int((n[a] - 1) * ss[a] + ks[a] + ss[a] + 1) for a in range(rank)]
        if rr == 0:
            layer["reduction_rank"] = 0
        if rs.rand() < 0.4:
            layer["activation"] = str(rs.choice(ACTIVATIONS))
        if rs.rand() < 0.2:
            layer["bias"] = False
        shp = ([] if rr == 0 else [depth]) + n
        dtype = "float64" if rs.rand() < 0.2 else "float32"
        batch = 3 if rs.rand() < 0.3 else 1
        cs.add("rand_%03d" % i, "random", layer, shp, dtype=dtype, batch=batch)




# ----------------------------------------------------------------------------------------------
# the recipe (runs inside the CNTK interpreter)
def to_cntk_kwargs(C, layer):
    kw = {}
    for key, v in layer.items():
        if key in ("filter_shape", "output_shape", "strides", "dilation") and isinstance(v, list):
            v = tuple(v)
        elif key == "num_filters" and isinstance(v, list):
            v = tuple(v)
        elif key == "activation":
            v = C.layers.identity if v == "identity" else getattr(C, v)
        kw[key] = v
    return kw



def same_dtype(C, layer, f, x, rs, spec, dtype, case, stage):
    for key in ("y", "grad_x", "grad_W", "grad_b"):
        assert case[key] is None or case[key]["dtype"] == spec["dtype"], (key, case[key]["dtype"])


recipe = layer_recipe("ConvolutionTranspose", ["W", "b"], to_cntk_kwargs, after=same_dtype)


def specs():
    cs = Cases(config_key="layer")
    grid_cases(cs)
    error_cases(cs)
    random_cases(cs)
    return cs


def backend_failure(e):
    """CNTK's CPU engine failing on a configuration its own shape rules admit ("mkl err (-127)",
    "Dilated convolution on CPU is not yet implemented"), or the process crashing: not a rule
    cntkr has to reproduce."""
    return (e["cntk_error"].startswith("mkl err") or e["stage"] == "crash"
            or "on CPU is not yet implemented" in e["cntk_error"])


register(CaseFamily(
    "layers/ConvolutionTranspose", specs, recipe,
    case_keys=["id", "group", "layer", "input_shape", "dtype", "x", "W", "b", "y", "grad_x", "grad_W", "grad_b"],
    config_keys=["layer", "input_shape"], backend_failure=backend_failure))
