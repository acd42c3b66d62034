"""ConvolutionTranspose beyond the goldens: where cntkr goes past CNTK (checked against the plain
loop reference and torch.autograd.gradcheck), chunking, dtypes, and bad input."""
import numpy as np
import pytest
import torch

import cntkr_py as C
from reference_conv import conv_transpose_reference

RNG = np.random.default_rng(1234)


def build(input_shape, dtype=np.float32, **kw):
    x = C.input_variable(input_shape, dtype=dtype, needs_gradient=True)
    layer = C.layers.ConvolutionTranspose(**kw)
    return x, layer, layer(x)


def randomize(layer, dtype):
    layer.W.value = RNG.standard_normal(layer.W.shape).astype(dtype)
    if layer.b is not None:
        layer.b.value = RNG.standard_normal(layer.b.shape).astype(dtype)


BEYOND = [
    # (input_shape, layer kwargs) -- CNTK cannot run these on CPU or rejects them
    ((2, 5), dict(filter_shape=3, num_filters=3, dilation=2)),
    ((2, 5), dict(filter_shape=3, num_filters=2, dilation=2, strides=2, pad=True)),
    ((1, 4, 5), dict(filter_shape=(3, 2), num_filters=2, dilation=(2, 3), strides=(1, 2), pad=(True, False))),
    ((2, 3, 3, 3), dict(filter_shape=(2, 2, 2), num_filters=2, dilation=2, pad=True, strides=2)),
    ((2, 2), dict(filter_shape=5, num_filters=2, pad=True)),                 # kernel > padded input
    ((3, 2, 1), dict(filter_shape=(5, 4), num_filters=2, pad=True, strides=(2, 3))),
    ((1, 3), dict(filter_shape=2, num_filters=1, pad=True, strides=3, output_shape=9)),
    ((2, 4), dict(filter_shape=1, num_filters=2, pad=True, strides=3, output_shape=12)),
    ((2, 3, 4), dict(filter_shape=(3, 3), num_filters=3, pad=True, strides=2, dilation=3,
                     output_shape=(6, 8))),
]


@pytest.mark.parametrize("input_shape,kw", BEYOND)
def test_beyond_cntk_matches_loop_reference(input_shape, kw):
    x, layer, f = build(input_shape, np.float64, **kw)
    randomize(layer, np.float64)
    xv = RNG.standard_normal((3,) + input_shape)
    rank = len(input_shape) - 1
    per = lambda v, d: tuple(v) if isinstance(v, tuple) else (v if v is not None else d,) * rank
    out_shape = kw.get("output_shape")
    ref = conv_transpose_reference(
        xv, layer.W.value, layer.b.value.reshape(-1), per(kw.get("strides", 1), 1),
        per(kw.get("dilation", 1), 1), per(kw.get("pad", False), False),
        None if out_shape is None else per(out_shape, None))
    np.testing.assert_allclose(f.eval({x: xv}), ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("input_shape,kw", BEYOND + [
    ((3, 4), dict(filter_shape=3, num_filters=2, pad=True, strides=2, max_temp_mem_size_in_samples=2)),
    ((4, 4), dict(filter_shape=3, num_filters=None, reduction_rank=1)),
])
def test_gradcheck_float64(input_shape, kw):
    x, layer, f = build(input_shape, np.float64, **kw)
    randomize(layer, np.float64)
    xt = torch.randn((3,) + input_shape, dtype=torch.float64, requires_grad=True)
    Wt = layer.W.data().clone().requires_grad_(True)
    bt = layer.b.data().clone().requires_grad_(True)
    assert torch.autograd.gradcheck(lambda a, w, b: f.step()(w, a, b), (xt, Wt, bt))


@pytest.mark.parametrize("chunk", [1, 2, 3, 64])
def test_chunked_equals_unchunked(chunk):
    shape, kw = (4, 5, 5), dict(filter_shape=(3, 3), num_filters=3, pad=True, strides=2)
    x, layer, f = build(shape, **kw)
    x2, layer2, f2 = build(shape, max_temp_mem_size_in_samples=chunk, **kw)
    randomize(layer, np.float32)
    layer2.W.value, layer2.b.value = layer.W.value, layer.b.value
    xv = RNG.standard_normal((7,) + shape).astype(np.float32)
    np.testing.assert_allclose(f2.eval({x2: xv}), f.eval({x: xv}), rtol=1e-6, atol=1e-6)
    g1 = f.grad({x: xv}, wrt=[layer.W, layer.b, x])
    g2 = f2.grad({x2: xv}, wrt=[layer2.W, layer2.b, x2])
    for a, b in [(layer.W, layer2.W), (layer.b, layer2.b), (x, x2)]:
        np.testing.assert_allclose(g2[b], g1[a], rtol=1e-5, atol=1e-5)


def test_init_array_and_scalar():
    W = RNG.standard_normal((2, 3, 3, 3)).astype(np.float32)
    layer = C.layers.ConvolutionTranspose((3, 3), 3, init=W)
    layer(C.input_variable((2, 4, 4)))
    np.testing.assert_array_equal(layer.W.value, W)
    layer = C.layers.ConvolutionTranspose((3, 3), 3, init=0.5, init_bias=0.25)
    layer(C.input_variable((2, 4, 4)))
    assert np.all(layer.W.value == 0.5) and np.all(layer.b.value == 0.25)


def test_init_array_of_wrong_shape():
    layer = C.layers.ConvolutionTranspose((3, 3), 3, init=np.zeros((3, 2, 3, 3)))
    with pytest.raises(ValueError, match=r"init.*\(3, 2, 3, 3\).*\(2, 3, 3, 3\)"):
        layer(C.input_variable((2, 4, 4)))


def test_truncated_normal_init():
    layer = C.layers.ConvolutionTranspose((5, 5), 16, init=C.initializer.truncated_normal(0.1, seed=3))
    layer(C.input_variable((16, 4, 4)))
    w = layer.W.value
    assert np.abs(w).max() <= 0.2 and 0.07 < w.std() < 0.1


def test_float64_parameters_follow_the_input():
    x, layer, f = build((2, 3), np.float64, filter_shape=2, num_filters=2)
    assert layer.W.value.dtype == np.float64 and layer.b.value.dtype == np.float64
    assert f.eval({x: np.ones((1, 2, 3))}).dtype == np.float64


def test_default_options():
    with C.layers.default_options(pad=True, bias=False, activation=C.relu):
        layer = C.layers.ConvolutionTranspose(3, 2, strides=2)
    f = layer(C.input_variable((1, 4)))
    assert f.shape == (2, 7) and layer.b is None and f.op_name == "ReLU"
    f = C.layers.ConvolutionTranspose(3, 2, strides=2)(C.input_variable((1, 4)))
    assert f.shape == (2, 9)


def test_fixed_rank_variants():
    f = C.layers.ConvolutionTranspose2D(3, 4)(C.input_variable((2, 5, 6)))
    assert f.shape == (4, 7, 8)
    f = C.layers.ConvolutionTranspose1D(3, 4, strides=2, pad=True)(C.input_variable((2, 5)))
    assert f.shape == (4, 9)
    f = C.layers.ConvolutionTranspose3D((1, 2, 3), 1)(C.input_variable((1, 2, 2, 2)))
    assert f.shape == (1, 2, 3, 4)
    with pytest.raises(ValueError, match="ConvolutionTranspose2D: filter_shape must be a scalar or a 2D"):
        C.layers.ConvolutionTranspose2D((3, 3, 3), 4)


def test_layer_shares_parameters_between_calls():
    layer = C.layers.ConvolutionTranspose(3, 2)
    f1, f2 = layer(C.input_variable((1, 4))), layer(C.input_variable((1, 6)))
    assert f1.W is f2.W is layer.W and f2.shape == (2, 8)
    with pytest.raises(ValueError, match=r"first applied to an input that made W of shape \(1, 2, 3\); this input needs \(2, 2, 3\)"):
        layer(C.input_variable((2, 4)))


@pytest.mark.parametrize("kw,error,match", [
    (dict(filter_shape=2.5, num_filters=2), ValueError, r"filter_shape must be a whole number, got 2\.5"),
    (dict(filter_shape=(3, 0), num_filters=2), ValueError, r"filter_shape\[1\] must be positive, got 0"),
    (dict(filter_shape="3", num_filters=2), TypeError, "filter_shape must be an integer"),
    (dict(filter_shape=(3, 3, 3, 3), num_filters=2), ValueError, "filter_shape must have 1, 2 or 3 axes"),
    (dict(filter_shape=3, num_filters=0), ValueError, "num_filters must be positive, got 0"),
    (dict(filter_shape=3, num_filters=1.5), ValueError, "num_filters must be a whole number"),
    (dict(filter_shape=3, strides=0), ValueError, "strides must be positive, got 0"),
    (dict(filter_shape=3, strides=-2), ValueError, "strides must be positive, got -2"),
    (dict(filter_shape=(3, 3), strides=(1, 2, 3)), ValueError,
     r"strides must be a scalar or have one value per filter axis \(2\), got 3 values"),
    (dict(filter_shape=(3, 3), pad=(True, False, True)), ValueError,
     r"pad must be a scalar or have one value per filter axis \(2\)"),
    (dict(filter_shape=3, pad="yes"), TypeError, "pad must be True or False, got 'yes'"),
    (dict(filter_shape=3, dilation=0), ValueError, "dilation must be positive, got 0"),
    (dict(filter_shape=3, dilation=1.5), ValueError, r"dilation must be a whole number, got 1\.5"),
    (dict(filter_shape=3, sharing=False), ValueError, "sharing=False is not supported"),
    (dict(filter_shape=3, reduction_rank=2), ValueError, "reduction_rank must be 0"),
    (dict(filter_shape=3, output_shape=(4, 4)), ValueError,
     r"output_shape must have one value per filter axis \(1\), got \(4, 4\)"),
    (dict(filter_shape=3, max_temp_mem_size_in_samples=-1), ValueError,
     "max_temp_mem_size_in_samples must be >= 0"),
    (dict(filter_shape=3, activation="relu"), TypeError, "activation must be a function"),
    (dict(filter_shape=3, bias="no"), TypeError, "bias must be True or False"),
])
def test_bad_layer_arguments(kw, error, match):
    with pytest.raises(error, match=match):
        C.layers.ConvolutionTranspose(**kw)


def test_inadmissible_output_shape_lists_the_admissible_lengths():
    layer = C.layers.ConvolutionTranspose(5, 2, pad=True, strides=2, output_shape=10)
    with pytest.raises(ValueError, match=r"output_shape\[0\]=10 is not admissible .* one of \[7, 8\]"):
        layer(C.input_variable((1, 4)))
    layer = C.layers.ConvolutionTranspose(3, 2, strides=3, output_shape=5)
    with pytest.raises(ValueError, match=r"output_shape\[0\]=5 .* one of \[12, 13, 14\]"):
        layer(C.input_variable((1, 4)))


def test_input_of_wrong_rank():
    layer = C.layers.ConvolutionTranspose((3, 3), 2)
    with pytest.raises(ValueError, match=r"input of shape \(4, 4\) has rank 2.*needs an input of rank 3"):
        layer(C.input_variable((4, 4)))
    layer = C.layers.ConvolutionTranspose((3, 3), 2, reduction_rank=0)
    with pytest.raises(ValueError, match=r"input of shape \(1, 4, 4\) has rank 3.*rank 2"):
        layer(C.input_variable((1, 4, 4)))


def test_wrong_parameter_value_shape():
    layer = C.layers.ConvolutionTranspose((3, 3), 2)
    layer(C.input_variable((4, 5, 5)))
    with pytest.raises(ValueError, match=r"value for Parameter 'W' must have shape \(4, 2, 3, 3\), "
                                         r"got an array of shape \(2, 4, 3, 3\)"):
        layer.W.value = np.zeros((2, 4, 3, 3))
    assert layer.W.value.shape == (4, 2, 3, 3)


def test_wrong_input_value():
    x, layer, f = build((2, 4), filter_shape=3, num_filters=2)
    with pytest.raises(ValueError, match=r"must have shape \(batch, 2, 4\), got \(3, 4, 2\)"):
        f.eval({x: np.zeros((3, 4, 2))})
    with pytest.raises(TypeError, match="must be numeric"):
        f.eval({x: np.array([["a"] * 4] * 2)})


@pytest.mark.parametrize("num_filters", [None, ()])
def test_scalar_output_kernel_with_deep_input(num_filters):
    # CNTK 2.7 fails at eval here ("Mismatching outputShape and mapCount"); cntkr sums over the
    # input depth as one filter would, keeping CNTK's depth axis of 1.
    x, layer, f = build((3, 4, 5), np.float64, filter_shape=(3, 2), num_filters=num_filters,
                        strides=2, pad=(True, False))
    randomize(layer, np.float64)
    assert layer.W.shape == (3, 3, 2) and layer.b.shape == (1, 1) and f.shape == (1, 7, 10)
    xv = RNG.standard_normal((2, 3, 4, 5))
    ref = conv_transpose_reference(xv, layer.W.value[:, None], layer.b.value.reshape(-1),
                                   (2, 2), (1, 1), (True, False))
    np.testing.assert_allclose(f.eval({x: xv}), ref, rtol=1e-12, atol=1e-12)


def test_dtype_option_must_match_the_input():
    with C.layers.default_options(dtype=np.float64):
        layer = C.layers.ConvolutionTranspose(3, 2)
    with pytest.raises(ValueError, match="built for float64 .* input is float32"):
        layer(C.input_variable((1, 4)))
    f = layer(C.input_variable((1, 4), dtype=np.float64))
    assert layer.W.value.dtype == np.float64 and f.dtype == np.float64


@pytest.mark.parametrize("shape,kw", [
    ((64, 16, 16), dict(filter_shape=(5, 5), num_filters=3, strides=2, pad=True, output_shape=(32, 32))),
    ((64, 256), dict(filter_shape=3, num_filters=2, strides=3)),
])
def test_few_filter_fast_path_matches_float64(shape, kw):
    # Large float32 inputs with few filters take their own forward (oneDNN off) and backward
    # (swapped-convolution weight gradient); float64 takes torch's plain path.
    x32, l32, f32 = build(shape, np.float32, **kw)
    x64, l64, f64 = build(shape, np.float64, **kw)
    randomize(l64, np.float64)
    l32.W.value, l32.b.value = l64.W.value, l64.b.value
    xv = RNG.standard_normal((4,) + shape)
    assert xv.size >= 65536
    np.testing.assert_allclose(f32.eval({x32: xv.astype(np.float32)}), f64.eval({x64: xv}),
                               rtol=1e-4, atol=1e-4)
    g32 = f32.grad({x32: xv.astype(np.float32)}, wrt=[l32.W, l32.b, x32])
    g64 = f64.grad({x64: xv}, wrt=[l64.W, l64.b, x64])
    for a, b in [(l32.W, l64.W), (l32.b, l64.b), (x32, x64)]:
        np.testing.assert_allclose(g32[a], g64[b], rtol=1e-4, atol=1e-3)
