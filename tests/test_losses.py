"""Criteria (cntkr_py.losses, cntkr_py.metrics): CNTK 2.7's shapes, formulas, ties, clamps and
errors as measured with the reference (numbers below are CNTK's outputs), re-application to new
shapes, and arguments checked by name. The goldens (tests/goldens/ops/losses) cover forward and
gradients more widely."""
import numpy as np
import pytest

import cntkr_py as C
import cntkr_py.losses
import cntkr_py.metrics


def iv(shape, dtype=np.float32):
    return C.input_variable(shape, dtype=dtype, needs_gradient=True)


O23 = np.random.RandomState(0).randn(2, 2, 3).astype(np.float32)
T23 = np.zeros((2, 2, 3), np.float32)
T23[:, 0, 1] = 1
T23[:, 1, 2] = 1


def test_exported_where_cntk_exports_them():
    for name in ["cross_entropy_with_softmax", "binary_cross_entropy", "weighted_binary_cross_entropy",
                 "squared_error", "cosine_distance", "cosine_distance_with_negative_samples", "fmeasure"]:
        assert getattr(C, name) is getattr(C.losses, name)
    assert C.classification_error is C.metrics.classification_error


def test_cross_entropy_default_axis_pairs_rows_as_cntks_transpose_times():
    o, t = iv((2, 3)), iv((2, 3))
    f = C.cross_entropy_with_softmax(o, t)
    assert f.shape == (2, 2) and f.op_name == "CrossEntropyWithSoftmax" and f.attributes == {}
    np.testing.assert_allclose(f.eval({o: O23, t: T23}),
                               [[[1.9013467, 1.3227658], [0.9205675, 3.7654033]],
                                [[1.6209371, 1.5727987], [1.7938381, 0.48360825]]], rtol=1e-6)
    g = f.grad({o: O23, t: T23}, wrt=[o])
    np.testing.assert_allclose(g[0], [[1.1684705, -0.70126534, -0.46720505],
                                      [1.1570976, -0.20341414, -0.95368344]], rtol=1e-5)
    for so, st, out in [((2, 3), (5, 3), (2, 5)), ((2, 3), (3,), (2, 1)), ((3,), (2, 3), (2,)),
                        ((4,), (4,), (1,))]:
        assert C.cross_entropy_with_softmax(iv(so), iv(st)).shape == out


def test_cross_entropy_along_an_axis_keeps_it_with_dimension_1():
    o, t = iv((2, 3)), iv((2, 3))
    f = C.cross_entropy_with_softmax(o, t, axis=0)
    assert f.shape == (1, 3)
    np.testing.assert_allclose(f.eval({o: O23, t: T23})[0], [[2.7237768, 1.6748407, 2.0882897]], rtol=1e-6)
    f1 = C.cross_entropy_with_softmax(o, t, axis=1)
    assert f1.shape == (2, 1)
    np.testing.assert_allclose(f1.eval({o: O23, t: T23})[:, :, 0], [[1.9013467, 3.7654033],
                                                                    [1.6209371, 0.48360825]], rtol=1e-6)
    assert C.cross_entropy_with_softmax(o, t, axis=-2).shape == (1, 3)


def test_cross_entropy_is_log_sum_exp_minus_dot_for_unnormalised_targets():
    o, t = iv(3), iv(3)
    f = C.cross_entropy_with_softmax(o, t)
    x = O23[:, 0]
    y = 2 * T23[:, 0] + 0.5
    np.testing.assert_allclose(f.eval({o: x, t: y})[:, 0], [-0.07028437, 1.4245381], rtol=1e-5, atol=1e-6)
    g = f.grad({o: x, t: y}, wrt=[o, t])
    np.testing.assert_allclose(g[o][0], [0.08423525, -2.3506327, -0.23360252], rtol=1e-5)
    np.testing.assert_allclose(g[t], -x, rtol=1e-6)


def test_classification_error_ties_pick_the_first_maximum():
    o, t = iv(4), iv(4)
    x = np.array([[1, 3, 3, 0], [2, 2, 2, 2], [5, 1, 5, 5]], np.float32)
    y = np.array([[0, 0, 1, 0], [0, 0, 0, 1], [0, 1, 0, 0]], np.float32)
    f = C.classification_error(o, t)
    assert f.shape == (1,) and f.op_name == "ClassificationError"
    np.testing.assert_array_equal(f.eval({o: x, t: y})[:, 0], [1, 1, 1])
    multi = y + np.eye(4, dtype=np.float32)[[1, 0, 3]]
    np.testing.assert_array_equal(f.eval({o: x, t: multi})[:, 0], [0, 0, 1])
    g = f.grad({o: x, t: y}, wrt=[o, t])
    np.testing.assert_array_equal(g[o], 0)
    np.testing.assert_array_equal(g[t], -np.eye(4)[[1, 0, 0]])


def test_classification_error_along_an_axis_marks_every_maximum():
    o, t = iv(4), iv(4)
    x = np.array([[1, 3, 3, 0], [1, 3, 3, 0], [1, 2, 3, 4]], np.float32)
    y = np.array([[0, 1, 0, 0], [0, 1, 1, 0], [0, 0, 0, 2]], np.float32)
    f = C.classification_error(o, t, axis=0)
    assert f.shape == ()
    np.testing.assert_array_equal(f.eval({o: x, t: y}), [1, 0, 1])
    o2, t2 = iv((2, 3)), iv((2, 3))
    np.testing.assert_allclose(C.classification_error(o2, t2, axis=0).eval({o2: O23, t2: T23}), [1, 2 / 3], rtol=1e-6)


def test_classification_error_top_n_ranks_lower_indices_first():
    o, t = iv(5), iv(5)
    x = np.repeat(np.array([[3, 1, 3, 1, 3]], np.float32), 5, 0)
    y = np.eye(5, dtype=np.float32)
    f2, f3 = C.classification_error(o, t, topN=2), C.classification_error(o, t, topN=3)
    np.testing.assert_array_equal(f2.eval({o: x, t: y}), [0, 1, 0, 1, 1])  # CNTK: 3.0 for the minibatch
    np.testing.assert_array_equal(f3.eval({o: x, t: y}), [0, 1, 0, 1, 0])
    ones = np.ones((5, 5), np.float32)
    np.testing.assert_array_equal(f2.eval({o: ones, t: y}), [0, 0, 1, 1, 1])
    o2, t2 = iv((2, 3)), iv((2, 3))  # a sample is flattened: CNTK's 2.0
    assert C.classification_error(o2, t2, topN=2).eval({o2: O23, t2: T23}).sum() == 2.0
    np.testing.assert_array_equal(f2.grad({o: x, t: y}, wrt=[o]), 0)


def test_squared_error_sums_each_sample_and_broadcasts():
    o, t = iv((2, 3)), iv(3)
    f = C.squared_error(o, t)
    assert f.shape == () and f.op_name == "SquaredError"
    np.testing.assert_allclose(f.eval({o: O23, t: T23[:, 0]}), [11.158952, 5.2551093], rtol=1e-6)
    o3, t3 = iv((2, 3)), iv(3)  # three samples: the target's batch axis is not mistaken for a static one
    ov, tv = np.random.RandomState(2).rand(3, 2, 3), np.random.RandomState(3).rand(3, 3)
    np.testing.assert_allclose(C.squared_error(o3, t3).eval({o3: ov, t3: tv}),
                               ((ov - tv[:, None, :]) ** 2).sum(axis=(1, 2)), rtol=1e-5)


def test_cosine_distance_is_the_cosine_similarity():
    x, y = iv(4), iv(4)
    f = C.cosine_distance(x, y)
    xv = np.random.RandomState(0).randn(2, 4).astype(np.float32)
    yv = np.zeros((2, 4), np.float32)
    yv[:, 1] = 1
    assert f.shape == () and f.op_name == "CosDistance"
    np.testing.assert_allclose(f.eval({x: xv, y: yv}), [0.13155995, -0.4217885], rtol=1e-6)
    np.testing.assert_array_equal(f.eval({x: np.zeros((1, 4), np.float32), y: yv[:1]}), [0])


def test_binary_cross_entropy_is_elementwise_with_cntks_guards():
    p, t = iv(4), iv(4)
    f = C.binary_cross_entropy(p, t)
    assert f.shape == (4,) and f.op_name == "BinaryCrossEntropy"
    pv = np.array([[0, 1, 0.5, 1e-9], [1, 0, 0.3, 1 - 1e-7]], np.float32)
    tv = np.array([[0, 0, 1, 1], [0, 1, 0, 1]], np.float32)
    np.testing.assert_allclose(f.eval({p: pv, t: tv}),
                               [[-9.5367386e-07, 1.3862944e+01, 6.9314516e-01, 1.3814511e+01],
                                [1.3862944e+01, 1.3815511e+01, 3.5667360e-01, -8.3446469e-07]], rtol=1e-5)
    g = f.grad({p: pv, t: tv}, wrt=[p])
    np.testing.assert_allclose(g[1], [1.0485760e+06, -1.0000002e+06, 1.4285696e+00, -9.9999917e-01], rtol=1e-5)
    p64, t64 = iv(3, np.float64), iv(3, np.float64)
    np.testing.assert_allclose(C.binary_cross_entropy(p64, t64).eval({p64: np.ones((1, 3)), t64: np.zeros((1, 3))}),
                               [[13.86294361] * 3], rtol=1e-8)


def test_weighted_binary_cross_entropy_shares_cntks_minibatch_number():
    p, t, w = iv(1), iv(1), iv(1)
    f = C.weighted_binary_cross_entropy(p, t, w)
    assert f.shape == () and f.op_name == "Logistic"
    pv, tv = np.array([[0.3], [0.6]], np.float32), np.array([[0], [1]], np.float32)
    for wv, cntk in [([1, 1], 0.86750054), ([2, 2], 0.86750054), ([1, 3], 0.9445758), ([3, 1], 0.7904253)]:
        assert f.eval({p: pv, t: tv, w: np.array(wv, np.float32)[:, None]}).sum() == pytest.approx(cntk, rel=1e-6)
    clamp = f.eval({p: np.array([[0.0]], np.float32), t: np.ones((1, 1), np.float32), w: np.ones((1, 1), np.float32)})
    assert clamp[0] == pytest.approx(85.1)  # CNTK's log of anything below 1e-37


# (name, builder, first operand shapes, new shapes that fit, the output shape there)
REAPPLY = [
    ("ce", C.cross_entropy_with_softmax, [(3,), (3,)], [(2, 3), (2, 3)], (2, 2)),
    ("ce_axis", lambda o, t: C.cross_entropy_with_softmax(o, t, axis=-2), [(2, 3), (2, 3)], [(4, 2, 3), (2, 3)],
     (4, 1, 3)),
    ("error", C.classification_error, [(3,), (3,)], [(2, 3), (2, 3)], (2, 2)),
    ("error_axis", lambda o, t: C.classification_error(o, t, axis=-2), [(2, 3), (2, 3)], [(4, 2, 3), (2, 3)], ()),
    ("error_top2", lambda o, t: C.classification_error(o, t, topN=2), [(3,), (3,)], [(2, 3), (2, 3)], ()),
    ("squared", C.squared_error, [(3,), (3,)], [(2, 3), (3,)], ()),
    ("cosine", C.cosine_distance, [(3,), (3,)], [(2, 3), (2, 3)], ()),
    ("bce", C.binary_cross_entropy, [(3,), (3,)], [(2, 3), (3,)], (2, 3)),
    ("wbce", lambda p, t: C.weighted_binary_cross_entropy(p, t, t), [(1,), (1,)], [(2, 1), (2, 1)], ()),
    ("fmeasure", lambda o, t: C.fmeasure(o, t, beta=2), [(3,), (3,)], [(2, 3), (2, 3)], ()),
    ("cosine_negative", lambda a, b: C.cosine_distance_with_negative_samples(a, b, 1, 2), [(3,), (3,)], [(2, 3), (2, 3)],
     (3,)),
]


@pytest.mark.parametrize("name,build,s1,s2,out", REAPPLY, ids=[r[0] for r in REAPPLY])
def test_reapplied_criterion_infers_its_shape_anew(name, build, s1, s2, out):
    a, b = iv(s1[0]), iv(s1[1])
    f = build(a, b)
    a2, b2 = iv(s2[0]), iv(s2[1])
    g = f(a2, b2)
    assert g.shape == out
    r = np.random.RandomState(1)
    va, vb = r.rand(3, *s2[0]).astype(np.float32), r.rand(3, *s2[1]).astype(np.float32)
    np.testing.assert_allclose(g.eval({a2: va, b2: vb}), build(a2, b2).eval({a2: va, b2: vb}), rtol=1e-6)


def test_criteria_name_bad_arguments():
    with pytest.raises(ValueError, match=r"cross_entropy_with_softmax: the last axis of output_vector \(4,\) and "
                                         r"target_vector \(3,\)"):
        C.cross_entropy_with_softmax(iv(4), iv(3))
    with pytest.raises(ValueError, match=r"output_vector must have 1 or 2 static axes"):
        C.cross_entropy_with_softmax(iv((2, 2, 3)), iv((2, 2, 3)))
    with pytest.raises(ValueError, match=r"axis must be in \[-1, 0\]"):
        C.cross_entropy_with_softmax(iv(3), iv(3), axis=5)
    with pytest.raises(TypeError, match="axis must be an integer"):
        C.cross_entropy_with_softmax(iv(3), iv(3), axis="x")
    with pytest.raises(ValueError, match="topN must be positive, got 0"):
        C.classification_error(iv(4), iv(4), topN=0)
    with pytest.raises(ValueError, match=r"topN \(5\) must be at most the number of elements"):
        C.classification_error(iv(4), iv(4), topN=5)
    with pytest.raises(ValueError, match=r"topN \(2\) > 1 is not supported along a specific axis"):
        C.classification_error(iv((2, 3)), iv((2, 3)), topN=2, axis=0)
    with pytest.raises(ValueError, match=r"squared_error: operand shapes \(4,\) and \(3,\) do not broadcast"):
        C.squared_error(iv(4), iv(3))
    with pytest.raises(ValueError, match=r"cosine_distance: x \(2, 3\) and y \(3,\) must have the same shape"):
        C.cosine_distance(iv((2, 3)), iv(3))
    with pytest.raises(ValueError, match=r"binary_cross_entropy: operand shapes"):
        C.binary_cross_entropy(iv(4), iv(3))
    with pytest.raises(ValueError, match=r"weighted_binary_cross_entropy: output \(4,\), target \(4,\) and weight \(1,\)"):
        C.weighted_binary_cross_entropy(iv(4), iv(4), iv(1))


def test_every_configuration_cntk_rejects_is_rejected():
    """tests/goldens/ops/losses/errors.json: what CNTK 2.7 refused, cntkr refuses too (naming it)."""
    from goldens_io import errors
    rejected = errors("ops/losses")
    assert len(rejected) == 6
    for case in rejected:
        op = case["op"]
        args = [iv(tuple(o["shape"])) for o in op["operands"]]
        with pytest.raises((ValueError, TypeError), match=op["name"].replace("_", ".") + "|topN"):
            getattr(C, op["name"])(*args, **op["kwargs"])


def test_cosine_with_negative_samples_pairs_samples_of_the_minibatch():
    x, y = iv(3), iv(3)
    r = np.random.RandomState(0)
    xv, yv = r.randn(4, 3).astype(np.float32), r.randn(4, 3).astype(np.float32)
    f = C.cosine_distance_with_negative_samples(x, y, 1, 2)
    assert f.shape == (3,) and f.op_name == "CosDistanceWithNegativeSamples"
    np.testing.assert_allclose(f.eval({x: xv, y: yv}),  # CNTK 2.7's values
                               [[0.998061, 0.310288, -0.410512], [0.78676, 0.192072, 0.94147],
                                [0.263209, 0.445944, 0.765577], [-0.344267, 0.722566, 0.022973]], atol=2e-6)
    with pytest.raises(ValueError, match="num_negative_samples must be >= 0"):
        C.cosine_distance_with_negative_samples(x, y, 1, -1)
    with pytest.raises(ValueError, match=r"x \(3,\) and y \(2,\) must have the same shape"):
        C.cosine_distance_with_negative_samples(x, iv(2), 1, 1)
    g = f(iv((2, 3)), iv((2, 3)))  # re-applied: a sample is taken whole
    assert g.shape == (3,)
