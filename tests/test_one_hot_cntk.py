"""one_hot against values measured in CNTK 2.7 (../shared/cntk-reference, this file's cases run
there with cntk.one_hot). The goldens tooling records forward and gradient together, and CNTK 2.7
refuses one_hot's gradient ('The node "OneHot" can be used in training, but it does not participate
in gradient propagation.'), so ops/shape lists one_hot among the rejections and its forward is
checked here. cntkr goes beyond CNTK there: the gradient through one_hot is zero."""
import numpy as np

import cntkr_py as C


def _hot(indices, n):
    """Measured in CNTK: class k at index k; indices truncate (1.7 -> 1); out of [0, n) -> all zero."""
    return [[1.0 if int(i) == k and 0 <= i < n else 0.0 for k in range(n)] for i in indices]


def test_one_hot_last_axis_as_cntk():
    x = C.input_variable((2, 3))
    v = np.array([[[0, 1, 2], [3, 4, 1]], [[2, 0, 4], [3, 3, 1]]], np.float32)
    f = C.one_hot(x, 5)
    assert f.shape == (2, 3, 5)
    assert f.root_function.op_name == "OneHotOp"
    assert f.root_function.attributes == {"onehotAxis": ("ordered", "static", 0),
                                          "oneHotOutputSparse": False, "numClass": 5}
    expected = [[_hot(row, 5) for row in sample] for sample in v]
    np.testing.assert_array_equal(f.eval({x: v}), np.array(expected, np.float32))


def test_one_hot_axis0_and_out_of_range_as_cntk():
    x = C.input_variable(3)
    f = C.one_hot(x, 4, axis=0)
    assert f.shape == (4, 3)
    y = f.eval({x: np.array([[0, 2, 1], [3, 3, 0]], np.float32)})
    np.testing.assert_array_equal(y, [[[1, 0, 0], [0, 0, 1], [0, 1, 0], [0, 0, 0]],
                                      [[0, 0, 1], [0, 0, 0], [0, 0, 0], [1, 1, 0]]])
    # CNTK 2.7: 5 and -1 give no class, 1.7 is class 1
    y = f.eval({x: np.array([[5, -1, 1.7]], np.float32)})
    np.testing.assert_array_equal(y, [[[0, 0, 0], [0, 0, 1], [0, 0, 0], [0, 0, 0]]])


def test_one_hot_middle_axis_float64_as_cntk():
    x = C.input_variable((2, 3), dtype=np.float64)
    f = C.one_hot(x, 4, axis=1)
    assert f.shape == (2, 4, 3)
    y = f.eval({x: np.array([[[0, 1, 2], [3, 0, 1]]], np.float64)})
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y, [[[[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 0]],
                                       [[0, 1, 0], [0, 0, 1], [0, 0, 0], [1, 0, 0]]]])


def test_one_hot_gradient_is_zero_where_cntk_refuses_it():
    x = C.input_variable(3, needs_gradient=True)
    g = C.one_hot(x, 4).grad({x: np.array([[0, 2, 1]], np.float32)}, wrt=[x])
    np.testing.assert_array_equal(g, np.zeros((1, 3), np.float32))
