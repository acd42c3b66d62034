"""Every golden case from real CNTK 2.7, forward and gradients, through the CNTK-style API."""
import numpy as np
import pytest

import cntkr_py as C
from goldens_io import array, convtranspose_cases, layer_kwargs, load

CASES = convtranspose_cases()


def tolerances(dtype):
    return dict(rtol=1e-5, atol=1e-5) if dtype == "float32" else dict(rtol=1e-10, atol=1e-10)


def test_golden_set_is_large():
    assert len(CASES) >= 300, f"only {len(CASES)} golden cases in tests/goldens/convtranspose"


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_golden(path):
    case = load(path)
    dtype = np.dtype(case["dtype"])
    x = C.input_variable(tuple(case["input_shape"]), dtype=dtype, needs_gradient=True)
    layer = C.layers.ConvolutionTranspose(**layer_kwargs(case, C))
    f = layer(x)
    xv = array(case["x"])
    layer.W.value = array(case["W"])
    if case["b"] is not None:
        layer.b.value = array(case["b"])
    else:
        assert layer.b is None
    tol = tolerances(case["dtype"])

    y = f.eval({x: xv})
    expected = array(case["y"])
    assert y.dtype == dtype and y.shape == expected.shape
    np.testing.assert_allclose(y, expected, **tol)

    wrt = [layer.W, x] + ([layer.b] if case["b"] is not None else [])
    grads = f.grad({x: xv}, wrt=wrt)
    np.testing.assert_allclose(grads[x], array(case["grad_x"]), **tol)
    np.testing.assert_allclose(grads[layer.W], array(case["grad_W"]), **tol)
    if case["b"] is not None:
        np.testing.assert_allclose(grads[layer.b], array(case["grad_b"]), **tol)
