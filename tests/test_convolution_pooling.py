"""Convolution and pooling (layers and the pooling op): what the goldens do not show.

The numbers of every layer against real CNTK 2.7 are in tests/goldens/layers/<Name>/ (test_goldens.py);
here: the configurations CNTK rejects (errors.json) rejected too, or computed where cntkr goes
beyond CNTK (checked against a plain-loop reference), re-application to other shapes, argument
errors that name the argument, CNTK's attributes, and the pooling op's ceil_out_dim/include_pad
(values measured with CNTK 2.7).
"""
import math

import numpy as np
import pytest

import cntkr_py as C
from goldens_io import errors, layer_kwargs

CONV_FAMILIES = ["Convolution", "Convolution1D", "Convolution2D", "Convolution3D"]
POOL_FAMILIES = ["MaxPooling", "AveragePooling"]
REJECTED = [(fam, e) for fam in CONV_FAMILIES + POOL_FAMILIES for e in errors(f"layers/{fam}")]


def rand(*shape, seed=0, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def conv_reference(x, W, b, strides, dilation, lo, out):
    """Plain loops: y[n, f, o] = sum over c, k of W[f, c, k] * x[n, c, o*s - lo + k*d] (zero outside)."""
    N, Cin = x.shape[:2]
    F = W.shape[0]
    kernel = W.shape[2:]
    y = np.zeros((N, F) + tuple(out))
    for o in np.ndindex(*out):
        for k in np.ndindex(*kernel):
            pos = [o[a] * strides[a] - lo[a] + k[a] * dilation[a] for a in range(len(out))]
            if all(0 <= p < x.shape[2 + a] for a, p in enumerate(pos)):
                y[(slice(None), slice(None)) + o] += x[(slice(None), slice(None)) + tuple(pos)] @ \
                    W[(slice(None), slice(None)) + k].T
    if b is not None:
        y += b.reshape(1, F, *([1] * len(out)))
    return y


def beyond_cntk(family, case):
    """Why cntkr accepts a configuration CNTK rejects, or None when cntkr must reject it too."""
    if case.get("backend_failure"):
        return "CNTK's CPU engine has no dilated convolution"
    if family in POOL_FAMILIES and isinstance(case["layer"]["filter_shape"], int):
        return "an int filter_shape is a 1-D window (CNTK: TypeError)"
    return None


@pytest.mark.parametrize("family,case", REJECTED, ids=[f"{f}/{c['id']}" for f, c in REJECTED])
def test_cntk_rejection(family, case):
    kw = layer_kwargs(case, C)
    factory = getattr(C.layers, family)
    reason = beyond_cntk(family, case)
    if reason is None:
        with pytest.raises((ValueError, TypeError, NotImplementedError)):
            factory(**kw)(C.input_variable(tuple(case["input_shape"])))
        return
    x = C.input_variable(tuple(case["input_shape"]), dtype=np.float64)
    layer = factory(**kw)
    f = layer(x)
    xv = rand(2, *case["input_shape"], dtype=np.float64)
    if family in POOL_FAMILIES:  # the int window is the 1-tuple window
        kw2 = dict(kw, filter_shape=(kw["filter_shape"],))
        np.testing.assert_allclose(f.eval(xv), factory(**kw2)(x).eval(xv), rtol=1e-12)
        return
    W = rand(*layer.W.shape, seed=1, dtype=np.float64)
    b = rand(*layer.b.shape, seed=2, dtype=np.float64)
    layer.W.value, layer.b.value = W, b
    d = kw["dilation"]
    keff = [d * (k - 1) + 1 for k in W.shape[2:]]
    out = [n - k + 1 for n, k in zip(case["input_shape"][1:], keff)]
    ref = conv_reference(xv, W, b.reshape(-1), (1, 1), (d, d), (0, 0), out)
    np.testing.assert_allclose(f.eval(xv), ref, rtol=1e-10)


def test_dilated_padded_convolution_matches_the_loops():
    # dilation 2, kernel 3 -> effective 5; padded: ceil(n/s) outputs, lo = (5-1)//2 - trunc(r/2)
    x = C.input_variable((2, 8, 7), dtype=np.float64)
    layer = C.layers.Convolution((3, 3), 3, pad=True, strides=(2, 1), dilation=2)
    f = layer(x)
    assert f.shape == (3, 4, 7)
    W = rand(3, 2, 3, 3, dtype=np.float64)
    layer.W.value = W
    xv = rand(2, 2, 8, 7, seed=3, dtype=np.float64)
    # axis 0: n=8, s=2, out=4, r=7-6=1 -> lo=2; axis 1: n=7, s=1, out=7, r=0 -> lo=2
    ref = conv_reference(xv, W, None, (2, 1), (2, 2), (2, 2), (4, 7))
    np.testing.assert_allclose(f.eval(xv), ref, rtol=1e-10)


# ---- re-application to other shapes ------------------------------------------------------------
LAYERS = [
    ("conv2d", lambda: C.layers.Convolution2D((3, 3), 2, pad=True, strides=2), (2, 5, 6), (2, 8, 7)),
    ("conv1d_rr0", lambda: C.layers.Convolution1D(3, 2, reduction_rank=0), (6,), (9,)),
    ("conv_nf_none", lambda: C.layers.Convolution((2, 2)), (1, 4, 4), (1, 6, 5)),
    ("conv3d", lambda: C.layers.Convolution3D(2, 2), (1, 3, 3, 3), (1, 4, 3, 5)),
    ("maxpool", lambda: C.layers.MaxPooling((2, 2), strides=2, pad=True), (2, 5, 5), (3, 8, 7)),
    ("avgpool", lambda: C.layers.AveragePooling((3,), pad=True), (2, 5), (4, 9)),
    ("globalmax", lambda: C.layers.GlobalMaxPooling(), (2, 3, 4), (5, 2, 2)),
    ("globalavg", lambda: C.layers.GlobalAveragePooling(), (2, 3), (3, 7)),
]


@pytest.mark.parametrize("name,make,s1,s2", LAYERS, ids=[c[0] for c in LAYERS])
def test_layer_applied_to_another_shape(name, make, s1, s2):
    layer = make()
    x1 = C.input_variable(s1)
    f1 = layer(x1)
    try:
        f2 = layer(C.input_variable(s2))
    except ValueError:  # a layer with parameters: W fixed the input depth at the first call
        assert s1[0] != s2[0]
        f2 = make()(C.input_variable(s2))
    for f, s in ((f1, s1), (f2, s2)):
        assert f.eval(rand(2, *s)).shape == (2,) + f.shape
    with pytest.raises(TypeError, match="is incompatible with the type"):
        f1(C.input_variable(s2))
    g = f1(C.input_variable(s1, needs_gradient=True))
    v = rand(3, *s1)
    np.testing.assert_array_equal(g.eval(v), f1.eval(v))
    assert g.shape == f1.shape


def test_conv_layer_shares_W_between_inputs_of_the_same_depth():
    layer = C.layers.Convolution((3, 3), 4)
    f1, f2 = layer(C.input_variable((2, 5, 5))), layer(C.input_variable((2, 7, 6)))
    assert f1.W is f2.W and f1.shape == (4, 3, 3) and f2.shape == (4, 5, 4)
    with pytest.raises(ValueError, match="W of shape"):
        layer(C.input_variable((3, 5, 5)))


# ---- arguments ---------------------------------------------------------------------------------
@pytest.mark.parametrize("call,match", [
    (lambda: C.layers.Convolution((3, 2.5), 2), r"filter_shape\[1\]"),
    (lambda: C.layers.Convolution((3, 3), 2.5), "num_filters"),
    (lambda: C.layers.Convolution((3, 3), 0), "num_filters"),
    (lambda: C.layers.Convolution((3, 3), 2, strides=0), "strides"),
    (lambda: C.layers.Convolution((3, 3), 2, pad="yes"), "pad"),
    (lambda: C.layers.Convolution((3, 3), 2, dilation=(1, 2, 3)), "dilation"),
    (lambda: C.layers.Convolution((3, 3), 2, reduction_rank=2), "reduction_rank"),
    (lambda: C.layers.Convolution((3, 3), 2, groups=0), "groups"),
    (lambda: C.layers.Convolution((3, 3), 2, groups=2), "groups"),
    (lambda: C.layers.Convolution((3, 3), 2, sequential=True), "sequential"),
    (lambda: C.layers.Convolution((3, 3), 2, sharing=False), "sharing"),
    (lambda: C.layers.Convolution((3, 3), 2, max_temp_mem_size_in_samples=-1),
     "max_temp_mem_size_in_samples"),
    (lambda: C.layers.Convolution((1, 1, 1, 1), 2), "filter_shape"),
    (lambda: C.layers.Convolution2D((3, 3, 3), 2), "filter_shape"),
    (lambda: C.layers.MaxPooling((2, "a")), r"filter_shape\[1\]"),
    (lambda: C.layers.MaxPooling((2, 2), strides=(1, 2, 3)), "strides"),
    (lambda: C.layers.AveragePooling((2, 2), pad=1), "pad"),
    (lambda: C.pooling(C.input_variable((2, 4)), 2, (2,)), "pooling_type"),
    (lambda: C.pooling(C.input_variable((2, 4)), C.MAX_POOLING, (2,), ceil_out_dim=1),
     "ceil_out_dim"),
    (lambda: C.pooling(C.input_variable((2, 4)), C.AVG_POOLING, (2,), include_pad="no"),
     "include_pad"),
    (lambda: C.pooling(C.input_variable((2, 4)), C.MAX_POOLING, (0,)), "pooling_window_shape"),
])
def test_bad_arguments_name_the_argument(call, match):
    with pytest.raises((ValueError, TypeError, NotImplementedError), match=match):
        call()


def test_transpose_weight_is_not_implemented_as_in_cntk():
    with pytest.raises(NotImplementedError, match="transpose_weight"):
        C.layers.Convolution((3, 3), 2, transpose_weight=True)


def test_window_longer_than_the_input_names_the_axis():
    with pytest.raises(ValueError, match=r"filter_shape\[0\]=3\) is longer than the input"):
        C.layers.MaxPooling((3, 3), pad=True)(C.input_variable((2, 2, 5)))


# ---- CNTK's attributes and names -----------------------------------------------------------------
def test_attributes_are_cntks():
    # measured with CNTK 2.7 (the Pooling primitive inside the layers)
    g = C.layers.MaxPooling((3, 3), strides=2, pad=True)(C.input_variable((2, 5, 6)))
    assert g.root_function.op_name == "Pooling"
    assert g.attributes == {
        "poolingType": 0, "poolingWindowShape": (3, 3), "strides": (2, 2),
        "autoPadding": [True, True], "lowerPad": (0,), "upperPad": (0,), "ceilOutDim": False,
        "includePad": False}
    g = C.layers.GlobalAveragePooling()(C.input_variable((2, 5, 6)))
    assert g.attributes["poolingWindowShape"] == (5, 6) and g.attributes["poolingType"] == 1
    assert g.attributes["autoPadding"] == [False] and g.attributes["strides"] == (1,)
    g = C.layers.Convolution((3, 3), 4, pad=True)(C.input_variable((2, 5, 6)))
    assert g.attributes["kernelShape"] == (2, 3, 3) and g.attributes["transpose"] is False
    assert g.attributes["autoPadding"] == [False, True, True]


def test_pooling_type_constants_are_cntks():
    assert (C.MAX_POOLING, C.AVG_POOLING) == (0, 1)
    assert C.ops.MAX_POOLING == 0 and C.ops.pooling is C.pooling


def test_layer_names_and_members():
    x = C.input_variable((2, 5, 5))
    f = C.layers.Convolution2D((3, 3), 2, name="conv1")(x)
    assert f.name == "conv1" and f.W.shape == (2, 2, 3, 3) and f.b.shape == (2, 1, 1)
    assert C.layers.MaxPooling((2, 2), name="pool")(f).name == "pool"


# ---- the pooling op: ceil_out_dim and include_pad, as CNTK 2.7 computes them ---------------------
# input 1..n along one axis; (n, k, s, auto_padding, ceil_out_dim, include_pad) -> (max, average),
# each measured with CNTK 2.7 (C.pooling on an input of shape (1, n))
MEASURED = [
    ((7, 2, 2, False, False, False), ([2, 4, 6], [1.5, 3.5, 5.5])),
    ((7, 2, 2, False, True, False), ([2, 4, 6, 7], [1.5, 3.5, 5.5, 7])),
    ((7, 2, 2, False, True, True), ([2, 4, 6, 7], [1.5, 3.5, 5.5, 3.5])),
    ((7, 2, 2, True, False, True), ([2, 4, 6, 7], [1.5, 3.5, 5.5, 3.5])),
    ((7, 3, 2, True, False, False), ([2, 4, 6, 7], [1.5, 3, 5, 6.5])),
    ((7, 3, 2, True, False, True), ([2, 4, 6, 7], [1, 3, 5, 13 / 3])),
    ((7, 4, 3, True, False, True), ([3, 6, 7], [1.5, 4.5, 3.25])),
    ((7, 2, 3, False, True, True), ([2, 5, 7], [1.5, 4.5, 3.5])),
    ((6, 3, 2, True, True, False), ([2, 4, 6, 6], [1.5, 3, 5, 6])),
    ((6, 3, 2, True, True, True), ([2, 4, 6, 6], [1, 3, 5, 2])),
    ((6, 5, 3, True, True, True), ([3, 6, 6], [1.2, 4, 2.2])),
    ((8, 3, 3, True, True, True), ([1, 4, 7, 8], [1 / 3, 3, 6, 8 / 3])),
    ((8, 5, 3, True, True, False), ([2, 5, 8, 8], [1.5, 3, 6, 7.5])),
    ((6, 2, 2, True, True, True), ([2, 4, 6, -math.inf], [1.5, 3.5, 5.5, 0])),
]


@pytest.mark.parametrize("args,expected", MEASURED, ids=[str(m[0]) for m in MEASURED])
def test_pooling_op_as_measured(args, expected):
    n, k, s, pad, ceil, inc = args
    x = C.input_variable((1, n))
    v = np.arange(1, n + 1, dtype=np.float32).reshape(1, 1, n)
    for kind, want in zip((C.MAX_POOLING, C.AVG_POOLING), expected):
        f = C.pooling(x, kind, (k,), strides=(s,), auto_padding=[pad], ceil_out_dim=ceil,
                      include_pad=inc)
        np.testing.assert_allclose(f.eval(v).ravel(), want, rtol=1e-6)
        assert f.shape == (1, len(want))


def test_pooling_op_keeps_leading_axes_and_is_differentiable():
    x = C.input_variable((2, 3, 6), needs_gradient=True)
    f = C.pooling(x, C.AVG_POOLING, (2,), strides=2)
    v = rand(2, 2, 3, 6)
    np.testing.assert_allclose(f.eval(v), v.reshape(2, 2, 3, 3, 2).mean(-1), rtol=1e-6)
    np.testing.assert_allclose(f.grad(v), np.full(v.shape, 0.5, np.float32))


# ---- the bare convolution ops ------------------------------------------------------------------
def test_bare_op_rejections_are_rejected():
    # ops/convolution/errors.json: the depth axis padded by default auto_padding=[True] (CNTK
    # fails at eval), an output_shape without num_filters
    for case in errors("ops/convolution"):
        op = case["op"]
        args = [C.parameter(tuple(o["shape"])) if o["kind"] == "parameter" else
                C.input_variable(tuple(o["shape"])) for o in op["operands"]]
        kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in op["kwargs"].items()}
        with pytest.raises((ValueError, TypeError)):
            getattr(C, op["name"])(*args, **kwargs)


def _torch_conv(xv, Wv, **kw):
    import torch
    return torch.nn.functional.conv2d(torch.from_numpy(xv), torch.from_numpy(Wv), **kw).numpy()


def test_bare_convolution_groups_depthless_and_dilation_match_torch():
    # beyond CNTK-R's op_convolution (no such arguments), so checked here against torch
    x = C.input_variable((4, 6, 7))
    xv = rand(2, 4, 6, 7)
    Wv = rand(6, 2, 3, 3, seed=1)
    f = C.convolution(C.constant(Wv), x, auto_padding=[False], groups=2)
    np.testing.assert_allclose(f.eval(xv), _torch_conv(xv, Wv, groups=2), rtol=1e-5, atol=1e-5)
    W0 = rand(3, 3, 3, seed=2)
    x0 = C.input_variable((6, 7))
    f = C.convolution(C.constant(W0), x0, reduction_rank=0, auto_padding=[True])
    ref = _torch_conv(xv[:, :1], W0[:, None], padding=1)
    np.testing.assert_allclose(f.eval(xv[:, 0]), ref, rtol=1e-5, atol=1e-5)
    f = C.convolution(C.constant(Wv[:, :4 // 2].repeat(2, 1)), x, auto_padding=[False],
                      dilation=(1, 2, 1))
    ref = _torch_conv(xv, Wv[:, :2].repeat(2, 1), dilation=(2, 1))
    np.testing.assert_allclose(f.eval(xv), ref, rtol=1e-5, atol=1e-5)


def test_bare_convolution_transpose_is_the_layers_computation():
    x = C.input_variable((2, 5, 6))
    layer = C.layers.ConvolutionTranspose((3, 3), 4, strides=2, pad=True, output_shape=(10, 12),
                                          bias=False)
    f1 = layer(x)
    f2 = C.convolution_transpose(layer.W, x, strides=(1, 2, 2), auto_padding=[False, True, True],
                                 output_shape=(4, 10, 12))
    v = rand(3, 2, 5, 6)
    np.testing.assert_allclose(f2.eval(v), f1.eval(v), rtol=1e-6)


@pytest.mark.parametrize("call,match", [
    (lambda x, W: C.convolution(W, x), "depth axis"),
    (lambda x, W: C.convolution(W, x, auto_padding=[False, True, True, True]), "auto_padding"),
    (lambda x, W: C.convolution(W, x, auto_padding=[False], strides=(1, 0)), r"strides\[2\]"),
    (lambda x, W: C.convolution(W, x, auto_padding=[False], sharing=[False]), "sharing"),
    (lambda x, W: C.convolution(W, x, auto_padding=[False], groups=0), "groups"),
    (lambda x, W: C.convolution(W, x, auto_padding=[False], reduction_rank=2), "reduction_rank"),
    (lambda x, W: C.convolution(C.parameter((4, 3, 3, 3)), x, auto_padding=[False]), "depth"),
    (lambda x, W: C.convolution(C.parameter((3, 3)), x, auto_padding=[False]), "convolution_map"),
    (lambda x, W: C.convolution_transpose(C.parameter((2, 4, 3, 3)), x, output_shape=(10, 12)),
     "output_shape"),
    (lambda x, W: C.convolution_transpose(C.parameter((2, 4, 3, 3)), x, reduction_rank=0),
     "reduction_rank"),
])
def test_bare_op_bad_arguments_name_the_argument(call, match):
    x, W = C.input_variable((2, 5, 6)), C.parameter((4, 2, 3, 3))
    with pytest.raises((ValueError, TypeError), match=match):
        call(x, W)


def test_padded_ceil_pooling_runs_where_cntk_fails():
    # C.pooling(AVG, (3, 3), strides 2, padded, ceil_out_dim) on (2, 6, 7): CNTK 2.7's 2-D engine
    # gets the rows whose windows lie inside the input right (these values: channel 0 of
    # np.random.RandomState(0).randn(1, 2, 6, 7)), reads outside the input for the last row (max:
    # garbage such as 7e35) and corrupts memory in its backward. cntkr's last row follows CNTK's
    # 1-D rule (measured: the mean of the window's input elements, here row 5 only).
    x = C.input_variable((2, 6, 7), needs_gradient=True)
    f = C.pooling(x, C.AVG_POOLING, (3, 3), strides=(2, 2), auto_padding=[True], ceil_out_dim=True)
    v = np.random.RandomState(0).randn(1, 2, 6, 7).astype(np.float32)
    want = [[0.4774084, 0.6785353, 0.915088, 0.21388082],
            [0.3401694, 0.49622715, 0.27492398, -0.4442997],
            [0.9844721, 0.7155376, -0.37416163, -0.82311743]]
    y = f.eval(v)[0, 0]
    np.testing.assert_allclose(y[:3], want, rtol=1e-5, atol=1e-6)
    last = [v[0, 0, 5, max(c - 1, 0):c + 2].mean() for c in (0, 2, 4, 6)]
    np.testing.assert_allclose(y[3], last, rtol=1e-5)
    g = f.grad(v)
    assert g.shape == v.shape and np.isfinite(g).all()
    np.testing.assert_allclose(g.sum(), f.shape[1] * f.shape[2] * 2, rtol=1e-5)


# ---- unpooling (values measured with CNTK 2.7: C.unpooling and C.layers.MaxUnpooling) -----------
UNPOOL = [  # (window, strides, auto_padding, pooling input, operand) -> output
    ((2,), (2,), False, [1, 3, 2, 2, 5, 4], [10, 20, 30], [0, 10, 20, 0, 30, 0]),
    ((3,), (1,), False, [1, 3, 2, 2, 5, 4], [10, 20, 30, 40], [0, 20, 0, 0, 40, 0]),  # overlaps
    ((2,), (2,), False, [2, 2, 1, 1, 3, 3], [10, 20, 30], [10, 0, 20, 0, 30, 0]),      # ties
    ((3,), (2,), True, [1, 3, 2, 2, 5, 4], [10, 20, 30], [0, 20, 0, 0, 30, 0]),        # padded
]


@pytest.mark.parametrize("window,strides,pad,xin,yin,want", UNPOOL)
def test_unpooling_as_measured(window, strides, pad, xin, yin, want):
    x = C.input_variable((1, 6), needs_gradient=True)
    y = C.input_variable((1, len(yin)), needs_gradient=True)
    f = C.unpooling(y, x, C.MAX_UNPOOLING, window, strides=strides, auto_padding=[pad])
    feed = {x: np.array([[xin]], np.float32), y: np.array([[yin]], np.float32)}
    np.testing.assert_array_equal(f.eval(feed).ravel(), want)
    g = f.grad(feed, wrt=[y, x])
    np.testing.assert_array_equal(g[x], 0)  # CNTK: no gradient to the pooling input
    assert g[y].shape == (1, 1, len(yin))


def test_max_unpooling_layer_inverts_max_pooling():
    x = C.input_variable((2, 4, 4), needs_gradient=True)
    p = C.layers.MaxPooling((2, 2), strides=2)(x)
    u = C.layers.MaxUnpooling((2, 2), strides=2, name="unpool")(p, x)
    assert u.shape == (2, 4, 4) and u.name == "unpool" and u.root_function.op_name == "Unpooling"
    v = rand(3, 2, 4, 4)
    blocks = v.reshape(3, 2, 2, 2, 2, 2).max(axis=(3, 5))
    mx = np.repeat(np.repeat(blocks, 2, 2), 2, 3)
    np.testing.assert_array_equal(u.eval(v), np.where(v == mx, v, 0))
    # measured with CNTK 2.7: 1-D (1, 6) input [1, 3, 2, 2, 5, 4] -> [0, 3, 2, 0, 5, 0], and the
    # gradient of the sum w.r.t. x flows through the pooling only: [0, 1, 1, 0, 1, 0]
    x1 = C.input_variable((1, 6), needs_gradient=True)
    u1 = C.layers.MaxUnpooling((2,), strides=2)(C.layers.MaxPooling((2,), strides=2)(x1), x1)
    v1 = np.array([[[1, 3, 2, 2, 5, 4]]], np.float32)
    np.testing.assert_array_equal(u1.eval(v1).ravel(), [0, 3, 2, 0, 5, 0])
    np.testing.assert_array_equal(u1.grad(v1).ravel(), [0, 1, 1, 0, 1, 0])


@pytest.mark.parametrize("call,match", [
    (lambda x, y: C.unpooling(y, x, 1, (2,)), "unpooling_type"),
    (lambda x, y: C.unpooling(y, x, 0, (0,)), "unpooling_window_shape"),
    (lambda x, y: C.unpooling(y, x, 0, (2,), strides=(2,)), "not the shape"),
    (lambda x, y: C.layers.MaxUnpooling((2, 2, 2, 2)), "filter_shape"),
    (lambda x, y: C.layers.MaxUnpooling((2,))(y, 3), "pooling_input"),
])
def test_unpooling_bad_arguments_name_the_argument(call, match):
    x, y = C.input_variable((1, 6)), C.input_variable((1, 5))
    with pytest.raises((ValueError, TypeError), match=match):
        call(x, y)


# ---- crop_manual (values measured with CNTK 2.7) --------------------------------------------------
def test_crop_manual_as_measured():
    x = C.input_variable((2, 5, 6), needs_gradient=True)
    r = C.input_variable((3, 2, 3))
    f = C.crop_manual(x, r, 1, 2)
    assert f.shape == (2, 2, 3) and f.root_function.op_name == "Crop"
    assert f.attributes == {"offset": [1, 2]}
    v = np.arange(60, dtype=np.float32).reshape(1, 2, 5, 6)
    feed = {x: v, r: np.zeros((1, 3, 2, 3), np.float32)}
    np.testing.assert_array_equal(f.eval(feed).ravel(), [13, 14, 15, 19, 20, 21, 43, 44, 45, 49, 50, 51])
    g = f.grad(feed, wrt=[x])
    want = np.zeros((5, 6))
    want[2:4, 1:4] = 1
    np.testing.assert_array_equal(g[0, 0], want)
    assert C.crop_manual(C.input_variable((5, 6)), C.input_variable((2, 3)), 1, 2).shape == (2, 3)


@pytest.mark.parametrize("call,match", [
    (lambda: C.crop_manual(C.input_variable(7), C.input_variable(3), 1, 2), "at least 2 axes"),
    (lambda: C.crop_manual(C.input_variable((2, 5, 6)), C.input_variable((3, 2, 3)), 4, 0),
     "offset_x=4"),  # CNTK: "Input is small to be cropped along x dimension"
    (lambda: C.crop_manual(C.input_variable((5, 6)), C.input_variable((2, 3)), 0, 1.5), "offset_y"),
    (lambda: C.crop_manual(C.input_variable((5, 6)), C.input_variable((2, 3)), -1, 0), "offset_x"),
])
def test_crop_manual_bad_arguments_name_the_argument(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_max_pooling_inference_path_equals_torch_max_pool():
    # eval takes the maximum of strided slices (faster on CPU); grad takes torch's max_pool (first
    # maximum at ties): both must give the same values for every geometry
    import torch
    from cntkr_py.kernels.window import Window
    rs = np.random.RandomState(0)
    checked = 0
    for rank in (1, 2, 3):
        for _ in range(40):
            sp = tuple(int(rs.randint(3, 8)) for _ in range(rank))
            k = tuple(int(rs.randint(1, min(4, min(sp)) + 1)) for _ in range(rank))
            s = tuple(int(rs.randint(1, 4)) for _ in range(rank))
            pad = tuple(bool(rs.rand() < .5) for _ in range(rank))
            try:
                w = Window(sp, k, s, (1,) * rank, pad, bool(rs.rand() < .3))
            except ValueError:
                continue
            x = torch.from_numpy(rs.randint(-2, 3, size=(2, 3) + sp).astype(np.float32))
            with torch.no_grad():
                fast = w.max_pool(x)
            slow = w.max_pool(x.clone().requires_grad_()).detach()
            assert torch.equal(fast, slow), (sp, k, s, pad)
            assert fast.data_ptr() != x.data_ptr()
            checked += 1
    assert checked > 60
