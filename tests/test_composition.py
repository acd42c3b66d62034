"""Composition, normalization, dropout and the Function API: BatchNormalization's training mode
against CNTK 2.7's goldens (running statistics after grad and after forward), dropout's
statistics, Sequential/For, names inside composites, forward/backward, clone, find_by_name,
CNTK's module paths, and bad arguments."""
import numpy as np
import pytest

import cntkr_py as C
from goldens_io import array, case_files, load, tolerances

BN_CASES = case_files("layers/BatchNormalization")


def _bn_from_case(case):
    dtype = np.dtype(case["dtype"])
    x = C.input_variable(tuple(case["input_shape"]), dtype=dtype, needs_gradient=True)
    layer = C.layers.BatchNormalization(**case["layer"])
    f = layer(x)
    layer.scale.value = array(case["scale"])
    layer.bias.value = array(case["bias"])
    return f, x, layer


def _check_stats(layer, stats, tol):
    np.testing.assert_allclose(layer.aggregate_mean.value, array(stats["mean"]), **tol)
    np.testing.assert_allclose(layer.aggregate_variance.value, array(stats["variance"]), **tol)
    np.testing.assert_allclose(layer.aggregate_count.value, array(stats["count"]), **tol)


@pytest.mark.parametrize("path", BN_CASES, ids=[p.stem for p in BN_CASES])
def test_batch_normalization_training_mode_matches_cntk(path):
    case = load(path)
    f, x, layer = _bn_from_case(case)
    tol = tolerances(case["dtype"])
    np.testing.assert_allclose(f.eval({x: array(case["x"])}), array(case["y"]), **tol)
    _check_stats(layer, {"mean": {"data": [0.0], "shape": [], "dtype": case["dtype"]},
                         "variance": {"data": [0.0], "shape": [], "dtype": case["dtype"]},
                         "count": {"data": [0.0], "shape": [], "dtype": case["dtype"]}}, tol)
    f.grad({x: array(case["x"])}, wrt=[x])
    _check_stats(layer, case["stats_after_grad"], tol)
    state, out = f.forward({x: array(case["x2"])}, keep_for_backward={f})
    np.testing.assert_allclose(out[f], array(case["y_train"]), **tol)
    _check_stats(layer, case["stats_after_forward"], tol)
    # backward from that state: the gradient grad gives in training mode on x2
    g = f.backward(state, {f: np.ones_like(out[f])}, {x, layer.scale})
    expected = f.grad({x: array(case["x2"])}, wrt=[x, layer.scale])
    np.testing.assert_allclose(g[x], expected[x], **tol)
    np.testing.assert_allclose(g[layer.scale], expected[layer.scale], **tol)


def test_batch_normalization_members_and_parameter_order():
    x = C.input_variable((2, 3))
    a, b = C.layers.BatchNormalization(map_rank=1), C.layers.LayerNormalization()
    z = C.layers.Sequential([a, b])(x)
    assert [p.shape for p in z.parameters] == [(3,), (3,), (2,), (2,)]  # b's before a's
    assert z.parameters[0] is b.scale and z.parameters[2] is a.scale
    assert [c.name for c in z.constants] == ["aggregate_mean", "aggregate_variance",
                                             "aggregate_count"]
    assert a.aggregate_count.shape == () and a.aggregate_mean.shape == (2,)
    assert C.layers.BatchNormalization()(x).scale.shape == (6,)


def test_eval_is_inference_forward_without_keep_is_inference():
    x = C.input_variable(3)
    layer = C.layers.BatchNormalization()
    f = layer(x)
    xv = np.random.RandomState(0).randn(4, 3).astype(np.float32)
    f.eval({x: xv})
    f.forward({x: xv})
    assert layer.aggregate_count.value == 0
    f.forward({x: xv}, keep_for_backward=[f])
    assert layer.aggregate_count.value == 4


def test_dropout_drops_in_training_mode_only():
    import torch
    torch.manual_seed(1234)  # the mask is torch's draw: a fixed seed keeps the statistics stable
    x = C.input_variable((100, 100), needs_gradient=True)
    f = C.layers.Dropout(0.3)(x)
    ones = np.ones((2, 100, 100), np.float32)
    np.testing.assert_array_equal(f.eval({x: ones}), ones)
    _, out = f.forward({x: ones}, keep_for_backward={f})
    y = out[f]
    kept = y != 0
    assert abs(kept.mean() - 0.7) < 0.02
    np.testing.assert_allclose(y[kept], 1 / 0.7, rtol=1e-6)
    g = f.grad({x: ones}, wrt=[x])
    assert abs((g != 0).mean() - 0.7) < 0.02
    assert C.layers.Dropout(keep_prob=0.8)(x).attributes["dropoutRate"] == pytest.approx(0.2)


def test_sequential_for_names_and_reapplication():
    x = C.input_variable((3, 4))
    z = C.layers.Sequential([C.layers.LayerNormalization(name="ln"),
                             [C.layers.Dropout(0.5, name="dr")],
                             C.layers.Activation(C.relu), C.layers.Label("out")])(x)
    assert z.name == "out" and z.ln.scale.shape == (4,) and z.dr.op_name == "Dropout"
    assert z.find_by_name("dr") is z.dr and z.find_by_name("nothing") is None
    assert [v.name for v in z.find_all_with_name("scale")] == ["scale"]
    named = C.layers.Sequential([C.layers.Dropout(0.5, name="dr")], name="seq")(x)
    assert named.name == "seq" and named.dr.name == "dr"
    f = C.layers.For(range(3), lambda i: C.layers.Dropout(0.1 * (i + 1)))(x)
    assert f.attributes["dropoutRate"] == pytest.approx(0.3)
    g = C.layers.For(range(2), lambda: C.layers.LayerNormalization())(x)
    assert len(g.parameters) == 4
    y = C.input_variable((5, 3, 4))
    for h in (z, f, g, C.alias(x), C.stop_gradient(x)):
        assert h(y).shape == (5, 3, 4)
    with pytest.raises(ValueError, match="BatchNormalization"):  # the channel axis changes
        C.layers.BatchNormalization(map_rank=1)(x)(y)


def test_reapplied_batch_normalization_on_other_shape_refused():
    x = C.input_variable((3, 4))
    f = C.layers.BatchNormalization()(x)
    with pytest.raises(TypeError):
        f(C.input_variable((3, 5)))


def test_clone_methods():
    x = C.input_variable(3)
    layer = C.layers.LayerNormalization()
    f = layer(x)
    y = C.input_variable(3)
    shared = f.clone(C.CloneMethod.share, {x: y})
    assert shared.arguments == [y] and shared.parameters[0] is layer.scale
    cloned = f.clone(C.CloneMethod.clone)
    assert cloned.parameters[0] is not layer.scale
    np.testing.assert_array_equal(cloned.scale.value, layer.scale.value)
    frozen = f.clone("freeze")
    assert frozen.parameters == [] and len(frozen.constants) == 2
    with pytest.raises(ValueError, match="method"):
        f.clone("deep")
    with pytest.raises(ValueError, match="substitutions"):
        f.clone("share", {C.input_variable(3): y})


def test_graph_ops():
    x = C.input_variable(2, needs_gradient=True)
    a = C.alias(x, name="a")
    assert a.op_name == "NoOp" and a.name == "a"
    s = C.stop_gradient(x) * x
    np.testing.assert_allclose(s.grad({x: np.array([[1., 2.]], np.float32)}), [[1., 2.]])


def test_cntk_module_paths():
    from cntkr_py.layers.blocks import Dropout  # noqa: F401
    from cntkr_py.layers.higher_order_layers import For, Sequential  # noqa: F401
    from cntkr_py.layers.layers import BatchNormalization, LayerNormalization  # noqa: F401
    from cntkr_py.ops.functions import CloneMethod, Function  # noqa: F401


@pytest.mark.parametrize("call, match", [
    (lambda: C.layers.Dropout(), "dropout_rate or keep_prob"),
    (lambda: C.layers.Dropout(0.5, keep_prob=0.5), "same time"),
    (lambda: C.layers.Dropout(1.0), "dropout_rate"),
    (lambda: C.layers.Dropout(keep_prob=1.0), "keep_prob"),
    (lambda: C.layers.BatchNormalization(map_rank=2), "map_rank"),
    (lambda: C.layers.BatchNormalization(epsilon=-1), "epsilon"),
    (lambda: C.layers.BatchNormalization(normalization_time_constant="a"), "normalization_time_constant"),
    (lambda: C.layers.LayerNormalization(initial_scale="a"), "initial_scale"),
    (lambda: C.layers.Sequential([3]), r"layers\[0\]"),
    (lambda: C.layers.For(range(2), 3), "constructor"),
    (lambda: C.layers.Label(""), "name"),
])
def test_bad_arguments_name_the_argument(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_backward_checks_its_arguments():
    x = C.input_variable(2)
    f = C.layers.Dropout(0.5)(x)
    with pytest.raises(TypeError, match="state"):
        f.backward(None, {f: np.ones((1, 2))}, {x})
    state, _ = f.forward({x: np.ones((1, 2), np.float32)}, keep_for_backward={f})
    with pytest.raises(ValueError, match="keep_for_backward"):
        f.backward(state, {x: np.ones((1, 2))}, {x})


def test_placeholders_replaced_in_place():
    p = C.placeholder(name="p")
    f = C.relu(p) + 1
    assert f.placeholders == [p]
    with pytest.raises(ValueError, match="replace_placeholders"):
        f.eval({p: np.ones((1, 3), np.float32)})
    x = C.input_variable(3)
    assert f.replace_placeholders({p: x}) is f
    assert f.shape == (3,) and f.arguments == [x]
    np.testing.assert_allclose(f.eval({x: np.array([[-1, 0, 2]], np.float32)}), [[1, 1, 3]])
    h = C.sigmoid(C.placeholder((2,)))
    assert h.shape == (2,)
    h.replace_placeholder(C.input_variable(2))
    assert h.placeholders == []
    with pytest.raises(ValueError, match="placeholders"):
        h.replace_placeholder(x)
    with pytest.raises(ValueError, match="not a placeholder"):
        f.replace_placeholders({x: x})


def test_combine_outputs_every_operand():
    x = C.input_variable(3)
    a, b = C.relu(x), C.negate(x)
    c = C.combine([a, b])
    assert c.outputs == [a, b] and c.op_name == "Combine"
    y = c.eval({x: np.array([[-1, 0, 2]], np.float32)})
    np.testing.assert_allclose(y[a], [[0, 0, 2]])
    np.testing.assert_allclose(y[b], [[1, 0, -2]])
    assert C.combine(a, b).outputs == [a, b]
    assert c(C.input_variable((2, 3))).shape == (2, 3)
    with pytest.raises(ValueError, match="combine"):
        C.combine([])


def test_a_layer_applied_to_a_layer_composes():
    x = C.input_variable(3)
    model = C.layers.Activation(C.relu)(C.layers.LayerNormalization(name="ln"))
    z = model(x)
    assert z.ln.op_name == "LayerNormalization" and z.op_name == "ReLU"


@pytest.mark.parametrize("make, shape, dtype, first", [
    # every init form of C.parameter / C.constant, as CNTK 2.7 gives them (measured)
    (lambda: C.parameter(init=np.ones((2, 3), np.float32)), (2, 3), "float32", 1.0),
    (lambda: C.parameter((2, 3), init=2.0), (2, 3), "float32", 2.0),
    (lambda: C.parameter((2,), init=2), (2,), "float32", 2.0),
    (lambda: C.parameter(init=[[1., 2.]]), (1, 2), "float32", 1.0),
    (lambda: C.parameter((2,)), (2,), "float32", 0.0),
    (lambda: C.parameter(init=np.ones((2,), np.float64)), (2,), "float64", 1.0),
    (lambda: C.parameter((2,), init=np.array([1., 2.], np.float32)), (2,), "float32", 1.0),
    (lambda: C.constant(3.0), (), "float32", 3.0),
    (lambda: C.constant(3, shape=(2,)), (2,), "float32", 3.0),
    (lambda: C.constant([1, 2]), (2,), "float32", 1.0),
    (lambda: C.constant(np.ones((2,))), (2,), "float64", 1.0),
    (lambda: C.constant(shape=(2,)), (2,), "float32", 0.0),
    (lambda: C.constant(np.array([1, 2])), (2,), "float32", 1.0),
])
def test_parameter_and_constant_init_forms(make, shape, dtype, first):
    v = make()
    assert v.shape == shape and np.dtype(v.dtype).name == dtype
    assert np.asarray(v.value).ravel()[0] == first
    assert C.parameter((2, 3), init=C.glorot_uniform()).shape == (2, 3)


def test_default_options_reach_the_normalization_layers():
    x = C.input_variable((2, 3))
    with C.layers.default_options(epsilon=0.5, normalization_time_constant=0, map_rank=1):
        bn = C.layers.BatchNormalization()(x)
        ln = C.layers.LayerNormalization()
    assert bn.attributes["epsilon"] == 0.5 and bn.attributes["normalizationTimeConstant"] == 0
    assert bn.attributes["spatial"] is True
    assert ln._epsilon == 0.5
    with C.layers.default_options(activation=C.relu):
        assert C.layers.Activation()(x).op_name == "ReLU"
