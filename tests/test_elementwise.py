"""Elementwise math, comparisons and activations beyond the goldens (tests/goldens/ops/elementwise):
re-application to other shapes, CNTK's op names and attributes, the operators of Variable,
values CNTK computes that are not finite (so not in the goldens), and argument errors."""
import numpy as np
import pytest

import cntkr_py as C


def rand(*shape, dtype=np.float32):
    return np.random.default_rng(7).standard_normal(shape).astype(dtype)


def pos(*shape):
    return np.random.default_rng(8).uniform(0.5, 2.0, shape).astype(np.float32)


# (name, builder on one input of shape (3,))
OPS = [
    ("element_divide", lambda x: C.element_divide(x, C.parameter((3,), init=2.0))),
    ("element_divide_left", lambda x: C.element_divide(1.0, x)), ("abs", C.abs), ("exp", C.exp),
    ("log", C.log), ("sqrt", C.sqrt), ("square", C.square), ("reciprocal", C.reciprocal),
    ("pow", lambda x: C.pow(x, 2.0)), ("pow_param", lambda x: C.pow(C.parameter((3,), init=1.5), x)),
    ("clip", lambda x: C.clip(x, -0.5, 0.5)),
    ("element_max", lambda x: C.element_max(x, 0.0)), ("element_min", lambda x: C.element_min(x, x * 2)),
    ("element_select", lambda x: C.element_select(C.greater(x, 0), x, C.constant(np.ones(3, np.float32)))),
    ("equal", lambda x: C.equal(x, 0.5)), ("not_equal", lambda x: C.not_equal(x, x)),
    ("less", lambda x: C.less(x, 0)), ("less_equal", lambda x: C.less_equal(x, 0)),
    ("greater", lambda x: C.greater(0, x)), ("greater_equal", lambda x: C.greater_equal(x, 0)),
    ("param_relu", lambda x: C.param_relu(C.parameter((3,), init=0.1), x)), ("selu", C.selu),
    ("log_softmax", C.log_softmax), ("log_softmax_axis", lambda x: C.log_softmax(x, axis=-1)),
    ("hardmax", C.hardmax), ("floor", C.floor), ("ceil", C.ceil), ("round", C.round), ("sin", C.sin),
    ("cos", C.cos), ("log_add_exp", lambda x: C.log_add_exp(x, C.parameter((3,), init=0.5))), ("operators", lambda x: abs(x / 2 - 1 / (x * x + 1))),
]


@pytest.mark.parametrize("name,build", OPS, ids=[o[0] for o in OPS])
def test_reapplied_op_infers_its_shape_anew(name, build):
    f = build(C.input_variable(3))
    assert f.shape == (3,)
    x2 = C.input_variable((2, 3))  # an extra leading axis: accepted, as CNTK does
    g = f(x2)
    v = rand(4, 2, 3)
    y = g.eval(v)
    assert g.shape == (2, 3) and y.shape == (4, 2, 3)
    np.testing.assert_allclose(y, build(x2).eval(v), rtol=1e-6)
    with pytest.raises(TypeError, match=r"positional argument 0's type Tensor\[3\].*Tensor\[5\]"):
        f(C.input_variable(5))


def test_reapplied_log_softmax_keeps_its_axis_counted_from_the_end():
    # CNTK 2.7: log_softmax(x (3,), axis=0) applied to a (2, 3) input normalises the last axis
    f = C.log_softmax(C.input_variable(3), axis=0)
    z = C.input_variable((2, 3))
    v = np.arange(6, dtype=np.float32).reshape(1, 2, 3)
    np.testing.assert_allclose(f(z).eval(v), C.log_softmax(z, axis=1).eval(v), rtol=1e-6)
    np.testing.assert_allclose(f(z).eval(v)[0, 0], [-2.407606, -1.4076059, -0.40760595], rtol=1e-6)


def test_op_names_and_attributes_are_cntks():
    x, y = C.input_variable(3), C.input_variable(3)
    names = {
        "Plus": C.plus(x, y), "Minus": C.minus(x, y), "ElementTimes": C.square(x),
        "ElementDivide": C.element_divide(x, y), "Negate": C.negate(x), "Abs": C.abs(x), "Exp": C.exp(x),
        "Log": C.log(x), "Sqrt": C.sqrt(x), "Pow": C.pow(x, y), "Reciprocal": C.reciprocal(x),
        "Clip": C.clip(x, -1, 1), "ElementMax": C.element_max(x, y), "ElementMin": C.element_min(x, y),
        "Select": C.element_select(x, y, x), "Equal": C.equal(x, y), "NotEqual": C.not_equal(x, y),
        "Less": C.less(x, y), "LessEqual": C.less_equal(x, y), "Greater": C.greater(x, y),
        "GreaterEqual": C.greater_equal(x, y), "PReLU": C.param_relu(C.parameter((3,), init=0.5), x),
        "Hardmax": C.hardmax(x), "Floor": C.round(x), "Negate": C.ceil(x), "Sin": C.sin(x), "Cos": C.cos(x),
        "LogPlus": C.log_add_exp(x, y),
    }
    for op_name, f in names.items():
        assert f.op_name == op_name and f.attributes == {}, op_name
    s = C.selu(x, 2.0, 3.0)
    assert s.op_name == "SELU" and s.attributes == {"alpha": 3.0, "gamma": 2.0}
    assert C.selu(x).attributes == {"alpha": 1.6732632423543772, "gamma": 1.0507009873554805}
    z = C.input_variable((2, 3))
    # CNTK's reversed static axis index: -axis - 1 of the axis as given
    assert C.log_softmax(x).op_name == "LogSoftmax"
    assert C.log_softmax(x).attributes == {"axis": ("ordered", "static", 0)}
    assert C.log_softmax(z, axis=1).attributes == {"axis": ("ordered", "static", -2)}
    assert C.softmax(z).attributes == {}
    assert C.softmax(z, axis=0).attributes == {"axis": ("ordered", "static", -1)}
    assert C.softmax(z, axis=-2).attributes == {"axis": ("ordered", "static", 1)}


def test_variable_operators_are_cntks():
    x = C.input_variable(3, needs_gradient=True)
    v = pos(2, 3)
    assert (x / 2).op_name == "ElementDivide" and (2 / x).op_name == "ElementDivide"
    np.testing.assert_allclose((2 / x).eval(v), 2 / v, rtol=1e-6)
    np.testing.assert_allclose((x / 4).eval(v), v / 4, rtol=1e-6)
    assert abs(x).op_name == "Abs"
    # CNTK 2.7's Variable has no ** and no ordering comparisons; == is identity
    with pytest.raises(TypeError):
        x ** 2
    with pytest.raises(TypeError):
        x < x
    assert (x == x) is True and (x == C.input_variable(3)) is False


def test_numbers_take_the_dtype_of_the_variable_operand():
    x = C.input_variable(3, dtype=np.float64)
    for f in (C.plus(x, 2), 1 - x, 2 / x, C.pow(x, 2), C.clip(x, 0, 1), C.element_select(x, 1, 0),
              C.param_relu(0.5, x), C.greater(x, 0)):
        assert f.dtype == np.float64
        assert f.eval(rand(2, 3, dtype=np.float64)).dtype == np.float64


def test_values_that_are_not_finite_in_cntk():
    # CNTK 2.7: sqrt is 0 for x <= 0 with gradient inf there (not in the goldens: not finite)
    x = C.input_variable(4, needs_gradient=True)
    v = np.array([[0.0, -1.0, 4.0, 0.25]], np.float32)
    f = C.sqrt(x)
    np.testing.assert_array_equal(f.eval(v), [[0.0, 0.0, 2.0, 0.5]])
    np.testing.assert_array_equal(f.grad(v), [[np.inf, np.inf, 0.25, 1.0]])
    # pow: a negative base with a fractional exponent is nan, as in CNTK
    assert np.isnan(C.pow(x, 0.5).eval(v)[0, 1])


def test_hardmax_marks_the_first_maximum_over_all_static_axes():
    x = C.input_variable((2, 3), needs_gradient=True)
    v = np.array([[[1, 3, 3], [0, 2, 1]]], np.float32)
    np.testing.assert_array_equal(C.hardmax(x).eval(v), [[[0, 1, 0], [0, 0, 0]]])
    np.testing.assert_array_equal(C.hardmax(x).grad(v), np.zeros_like(v))


@pytest.mark.parametrize("build,error,match", [
    (lambda x: C.plus(x, C.input_variable((3, 2))), ValueError, r"Plus: operand shapes \(2, 3\) and \(3, 2\)"),
    (lambda x: C.clip(x, C.constant(np.zeros(4, np.float32)), 1), ValueError, r"Clip: operand shapes"),
    (lambda x: C.element_select(x, C.input_variable(2), 0), ValueError, r"Select: operand shapes"),
    (lambda x: C.param_relu(C.parameter((2,), init=0.1), x), ValueError, r"PReLU: operand shapes"),
    (lambda x: C.selu(x, scale="a"), TypeError, r"scale must be a number"),
    (lambda x: C.selu(x, alpha=float("nan")), ValueError, r"alpha must be a finite number"),
    (lambda x: C.log_softmax(x, axis=2), ValueError, r"axis must be in \[-2, 1\]"),
    (lambda x: C.log_softmax(x, axis=0.5), ValueError, r"axis must be a whole number"),
    (lambda x: C.plus(x, "a"), TypeError, r"expected a Variable, Function, array or number"),
])
def test_bad_arguments_name_the_argument(build, error, match):
    with pytest.raises(error, match=match):
        build(C.input_variable((2, 3)))
