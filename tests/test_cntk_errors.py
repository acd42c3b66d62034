"""Every configuration real CNTK 2.7 rejects (tests/goldens/layers/ConvolutionTranspose/errors.json).

cntkr rejects each of them with a ValueError/TypeError, except the documented places where it
deliberately goes beyond CNTK; there it must compute what the plain-loop reference computes.
"""
import numpy as np
import pytest

import cntkr_py as C
from goldens_io import errors, layer_kwargs
from reference_conv import conv_transpose_reference

ERRORS = errors("layers/ConvolutionTranspose")


def _per_axis(value, rank, default):
    if value is None:
        return (default,) * rank
    value = tuple(value) if isinstance(value, (list, tuple)) else (value,)
    return value * rank if len(value) == 1 else value


def beyond_cntk(case):
    """Why cntkr accepts a configuration CNTK rejects, or None when cntkr must reject it too."""
    kw, shape = case["layer"], case["input_shape"]
    if case.get("backend_failure"):
        return "CNTK CPU engine failure on an admissible configuration (MKL, dilation)"
    nf = kw.get("num_filters")
    fs = kw["filter_shape"]
    rank = len(fs) if isinstance(fs, list) else 1
    rr = kw.get("reduction_rank", 1)
    if rank == 0 or rr not in (0, 1) or len(shape) != rank + rr or kw.get("sharing", True) is not True:
        return None
    for key in ("pad", "strides"):
        if isinstance(kw.get(key), list) and len(kw[key]) not in (1, rank):
            return None
    out = kw.get("output_shape")
    if isinstance(out, list) and len(out) != rank:
        return None
    if nf is None:
        return "num_filters=None (CNTK: TypeError)"
    if isinstance(out, int):
        return "a scalar output_shape is broadcast (CNTK: TypeError)"
    if nf == [] and (shape[0] > 1 and rr == 1 or out is not None):
        return "num_filters=() with depth > 1 or output_shape (CNTK: mapCount error)"
    if "kernel dim" in case["cntk_error"] and "<= input dim" in case["cntk_error"]:
        return "padded kernel larger than the output (CNTK: kernel dim error)"
    return None


@pytest.mark.parametrize("case", ERRORS, ids=[c["id"] for c in ERRORS])
def test_cntk_rejection(case):
    kw = layer_kwargs(case, C)
    reason = beyond_cntk(case)
    if reason is None:
        with pytest.raises((ValueError, TypeError)):
            x = C.input_variable(tuple(case["input_shape"]))
            C.layers.ConvolutionTranspose(**kw)(x)
        return
    # Accepted on purpose: the numbers must be those of the plain-loop reference.
    x = C.input_variable(tuple(case["input_shape"]), dtype=np.float64)
    layer = C.layers.ConvolutionTranspose(**kw)
    f = layer(x)
    rng = np.random.default_rng(7)
    layer.W.value = rng.standard_normal(layer.W.shape)
    b = None
    if layer.b is not None:
        layer.b.value = rng.standard_normal(layer.b.shape)
        b = layer.b.value.reshape(-1)
    xv = rng.standard_normal((2,) + tuple(case["input_shape"]))
    scalar_output = kw.get("num_filters") in (None, [], ())  # W is (in_depth, *filter_shape)
    rank = len(layer.W.shape) - (1 if scalar_output else 2)
    W = layer.W.value[:, None] if scalar_output else layer.W.value
    xr = xv if kw.get("reduction_rank", 1) else xv[:, None]
    ref = conv_transpose_reference(
        xr, W, b, _per_axis(kw.get("strides"), rank, 1), _per_axis(kw.get("dilation"), rank, 1),
        _per_axis(kw.get("pad"), rank, False),
        None if kw.get("output_shape") is None else _per_axis(kw["output_shape"], rank, None))
    act = kw.get("activation", C.identity)
    if act is not C.identity:
        z = C.input_variable(ref.shape[1:], dtype=np.float64)
        ref = act(z).eval({z: ref})
    np.testing.assert_allclose(f.eval({x: xv}), ref, rtol=1e-10, atol=1e-10)


def test_error_cases_cover_the_rejections():
    reasons = [beyond_cntk(c) for c in ERRORS]
    assert len(ERRORS) >= 50 and reasons.count(None) >= 40
