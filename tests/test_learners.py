"""cntkr_py.learners: schedules as CNTK 2.7 reads them, the learners' contract (update from NumPy
and torch, _update, learning_rate, reset_learning_rate, state round trip), errors naming the
argument, and assign. The update rules themselves are checked against CNTK 2.7 by the goldens
(tests/goldens/learners, through tests/test_goldens.py)."""
import math

import numpy as np
import pytest
import torch

import cntkr_py as C
from cntkr_py import learners as L


def params(*shapes, dtype=np.float32):
    return [C.parameter(shape=s, init=np.arange(1, int(np.prod(s)) + 1, dtype=dtype).reshape(s) / 10, dtype=dtype)
            for s in shapes]


# ---- schedules: values measured with CNTK 2.7
def test_schedule_list_with_epoch_size():
    s = L.learning_parameter_schedule([1, 2, 3], epoch_size=10)
    assert [s[i] for i in range(0, 45, 5)] == [1, 1, 2, 2, 3, 3, 3, 3, 3]
    assert s.minibatch_size == 0 and not s.is_minibatch_size_explicitly_specified


def test_schedule_pairs_and_a_last_count_of_zero():
    s = L.learning_parameter_schedule([(2, 1), (3, 2), (1, 3)], epoch_size=10)
    assert [s[i] for i in range(0, 70, 5)] == [1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3]
    m = L.momentum_schedule([(999, 0.99), (888, 0.88), (0, 0.77)], epoch_size=1)
    assert (m[998], m[999], m[1886], m[1887], m[5000]) == (0.99, 0.88, 0.88, 0.77, 0.77)
    mixed = L.momentum_schedule([0.9, (2, 0.8), 0.7], epoch_size=3)
    assert [mixed[i] for i in range(10)] == [0.9] * 3 + [0.8] * 6 + [0.7]
    with pytest.raises(ValueError, match=r"count of schedule\[1\] must not be 0"):
        L.learning_parameter_schedule([(2, 1), (0, 2), (3, 3)])


def test_schedule_without_epoch_size_counts_sweeps():
    s = L.learning_parameter_schedule([(2, 1), (3, 2), (1, 3)])
    assert s.is_sweep_based() and [s[i] for i in range(8)] == [1, 1, 2, 2, 2, 3, 3, 3]
    assert not L.learning_parameter_schedule(0.5).is_sweep_based()


def test_reference_minibatch_sizes():
    assert L.learning_parameter_schedule(0.5, minibatch_size=32).minibatch_size == 32
    assert L.learning_parameter_schedule_per_sample(0.5).minibatch_size == 1
    assert L.learning_rate_schedule(0.5, L.UnitType.sample).minibatch_size == 1
    assert L.learning_rate_schedule(0.5, L.UnitType.minibatch).minibatch_size == 0
    assert L.training_parameter_schedule(0.3).minibatch_size == 0
    assert L.momentum_schedule(0.9).minibatch_size == 0
    assert L.momentum_schedule_per_sample(0.9).minibatch_size == 1


def test_time_constant_schedule():
    s = L.momentum_as_time_constant_schedule(100)
    assert s[0] == math.exp(-1 / 100) and s.minibatch_size == 1
    assert L.momentum_as_time_constant_schedule(0)[0] == 0.0
    assert L.momentum_as_time_constant_schedule([10, 0], epoch_size=2)[3] == 0.0


def test_schedule_errors_name_the_argument():
    with pytest.raises(ValueError, match="schedule must be either a number or a list"):
        L.learning_parameter_schedule("a")
    with pytest.raises(ValueError, match="not a valid|unit must be"):
        L.learning_rate_schedule(0.1, "foo")
    with pytest.raises(ValueError, match="non-empty list"):
        L.learning_parameter_schedule([])
    with pytest.raises(ValueError, match=r"count of schedule\[0\] must be a whole number"):
        L.learning_parameter_schedule([(2.5, 1)])


# ---- the learners' arithmetic on one scalar (CNTK 2.7's values, measured)
def steps(make, seq=((1.0, 4), (0.0, 4), (0.0, 2))):
    p = C.parameter(shape=(1,), init=np.array([0.0], np.float32))
    lr = make([p])
    return [(lr.update({p: np.array([g], np.float32)}, mb), float(p.value[0])) for g, mb in seq]


@pytest.mark.parametrize("make, expected", [
    (lambda ps: L.sgd(ps, 0.5), [-0.125] * 3),
    (lambda ps: L.sgd(ps, 0.5, minibatch_size=2), [-0.25] * 3),
    (lambda ps: L.sgd(ps, L.learning_parameter_schedule_per_sample(0.5)), [-0.5] * 3),
    (lambda ps: L.sgd(ps, L.learning_rate_schedule(0.5, L.UnitType.minibatch)), [-0.125] * 3),
    (lambda ps: L.sgd(ps, L.learning_parameter_schedule(0.5, minibatch_size=2), use_mean_gradient=True), [-0.25] * 3),
    (lambda ps: L.momentum_sgd(ps, 0.5, 0.9), [-0.0125, -0.02375, -0.033875]),
    (lambda ps: L.momentum_sgd(ps, 0.5, 0.9, unit_gain=False), [-0.125, -0.2375, -0.33875]),
    (lambda ps: L.momentum_sgd(ps, 0.5, L.momentum_schedule_per_sample(0.9)), [-0.0429875, -0.0711916, -0.0940369]),
    (lambda ps: L.momentum_sgd(ps, 0.5, L.momentum_as_time_constant_schedule(10)),
     [-0.04121, -0.0688339, -0.0914504]),
    (lambda ps: L.momentum_sgd(ps, 0.5, 0.9, minibatch_size=2), [-0.0475, -0.085975, -0.1206025]),
    (lambda ps: L.nesterov(ps, 0.5, 0.9), [-0.02375, -0.033875, -0.0429875]),
])
def test_update_rules_measured_in_cntk(make, expected):
    got = steps(make)
    assert [r for r, _ in got] == [True] * 3
    np.testing.assert_allclose([v for _, v in got], expected, rtol=1e-5)


def test_a_zero_rate_returns_false_and_stops_the_count():
    got = steps(lambda ps: L.sgd(ps, [0.5, 0, 0.5], epoch_size=4))
    assert got == [(True, -0.125), (False, -0.125), (False, -0.125)]


def test_schedules_are_read_before_the_minibatch_and_reset_counts_from_now():
    p, = params((2,))
    lr = L.sgd([p], L.learning_parameter_schedule_per_sample([0.1, 0.2], epoch_size=3))
    assert lr.learning_rate() == 0.1
    lr.update({p: np.zeros(2, np.float32)}, 4)   # read at 0: 0.1
    assert lr.learning_rate() == 0.2 and lr.total_number_of_samples_seen == 4
    lr.reset_learning_rate(L.learning_parameter_schedule([0.5, 0.7], epoch_size=2))
    assert lr.learning_rate() == 0.5
    lr.update({p: np.zeros(2, np.float32)}, 1)
    assert lr.learning_rate() == 0.5
    lr.update({p: np.zeros(2, np.float32)}, 1)
    assert lr.learning_rate() == 0.7


def test_update_from_numpy_and_torch_and_the_fast_path_agree():
    g = [np.full((2, 3), 0.5, np.float32), np.array([1.0, -2.0], np.float32)]
    results = []
    for kind in ("numpy", "torch", "_update"):
        ps = params((2, 3), (2,))
        lr = L.momentum_sgd(ps, 0.1, 0.9)
        for _ in range(3):
            if kind == "numpy":
                assert lr.update({ps[0]: g[0], ps[1]: g[1]}, 4)
            elif kind == "torch":
                assert lr.update({ps[0]: torch.from_numpy(g[0]), ps[1]: torch.from_numpy(g[1])}, 4)
            else:
                assert lr._update([torch.from_numpy(x) for x in g], 4)
        results.append([p.value for p in ps])
    for other in results[1:]:
        for a, b in zip(results[0], other):
            np.testing.assert_array_equal(a, b)


def test_update_does_not_modify_the_gradients_and_updates_in_place():
    ps = params((3,))
    data = ps[0].data()
    g = torch.tensor([1.0, 2.0, 3.0])
    L.adagrad(ps, 0.1, l2_regularization_weight=0.1, gradient_clipping_threshold_per_sample=0.5)._update([g], 2)
    assert g.tolist() == [1.0, 2.0, 3.0]
    assert ps[0].data() is data


def test_float64_parameters():
    ps = params((2, 2), dtype=np.float64)
    lr = L.adam(ps, 0.1, 0.9)
    lr.update({ps[0]: np.ones((2, 2))}, 3)
    assert ps[0].value.dtype == np.float64 and lr._state["variance"][0].dtype == torch.float64


def test_a_learner_over_parameters_of_two_graphs():
    x = C.input_variable(3)
    d1, d2 = C.layers.Dense(2), C.layers.Dense(1)
    f1, f2 = d1(x), d2(x)
    lr = L.sgd([d1.W, d2.W, d1.b], L.learning_parameter_schedule_per_sample(1.0))
    w1, w2 = d1.W.value, d2.W.value
    assert lr.update({d1.W: np.ones((3, 2), np.float32), d2.W: np.ones((3, 1), np.float32),
                      d1.b: np.ones(2, np.float32)}, 1)
    np.testing.assert_allclose(d1.W.value, w1 - 1)
    np.testing.assert_allclose(d2.W.value, w2 - 1)
    xv = np.ones((1, 3), np.float32)
    np.testing.assert_allclose(f1.eval({x: xv}), xv @ (w1 - 1) - 1, rtol=1e-6)
    np.testing.assert_allclose(f2.eval({x: xv}), xv @ (w2 - 1) + d2.b.value, rtol=1e-6)


@pytest.mark.parametrize("make", [
    lambda ps: L.momentum_sgd(ps, 0.1, 0.9),
    lambda ps: L.adam(ps, 0.1, 0.9),
    lambda ps: L.fsadagrad(ps, 0.1, 0.9),
    lambda ps: L.rmsprop(ps, 0.1, 0.95, 1.2, 0.7, 10, 0.01),
    lambda ps: L.adadelta(ps),
    lambda ps: L.adagrad(ps, [0.1, 0.05], epoch_size=3),
])
def test_state_round_trip_resumes_exactly(make):
    rs = np.random.RandomState(0)
    grads = [[rs.randn(2, 3).astype(np.float32), rs.randn(4).astype(np.float32)] for _ in range(4)]
    ps = params((2, 3), (4,))
    lr = make(ps)
    for g in grads[:2]:
        lr.update(dict(zip(ps, g)), 3, is_sweep_end=True)
    meta, arrays = lr._get_state()
    import json
    meta = json.loads(json.dumps(meta))
    saved = [p.value for p in ps]
    for g in grads[2:]:
        lr.update(dict(zip(ps, g)), 3)
    expected = [p.value for p in ps]
    ps2 = params((2, 3), (4,))
    for p, v in zip(ps2, saved):
        p.value = v
    lr2 = make(ps2)
    lr2._set_state(meta, arrays)
    assert lr2.total_number_of_samples_seen == 6 and lr2.total_number_of_sweeps_seen == 2
    assert lr2.total_number_of_samples_seen() == 6 and lr2.total_number_of_minibatches_seen() == 2  # CNTK's form
    lr3 = make(params((2, 3), (4,)))
    lr3.restore_from_checkpoint(lr2.create_checkpoint())
    assert lr3.total_number_of_samples_seen() == 6
    for g in grads[2:]:
        lr2.update(dict(zip(ps2, g)), 3)
    for p, v in zip(ps2, expected):
        np.testing.assert_array_equal(p.value, v)


# ---- errors name the argument
def test_learner_argument_errors():
    p, = params((2,))
    x = C.input_variable(2)
    with pytest.raises(ValueError, match="lr must be a number, a list of values or a schedule"):
        L.sgd([p], "a")
    with pytest.raises(ValueError, match="lr must be >= 0"):
        L.sgd([p], -0.1)
    with pytest.raises(ValueError, match=r"momentum must be in \[0.0, 1.0\]"):
        L.momentum_sgd([p], 0.1, -0.5)
    with pytest.raises(TypeError, match=r"parameters\[0\] must be a Parameter"):
        L.sgd([x], 0.1)
    with pytest.raises(ValueError, match="must not contain duplicates"):
        L.sgd([p, p], 0.1)
    with pytest.raises(ValueError, match="must not be empty"):
        L.sgd([], 0.1)
    with pytest.raises(ValueError, match="gradient_clipping_threshold_per_sample must be positive"):
        L.sgd([p], 0.1, gradient_clipping_threshold_per_sample=-1)
    with pytest.raises(ValueError, match="l1_regularization_weight must be"):
        L.sgd([p], 0.1, l1_regularization_weight=-1)
    with pytest.raises(ValueError, match=r"gamma must be in \(0, 1\)"):
        L.rmsprop([p], 0.1, 1.0, 1.2, 0.7, 10, 0.01)
    with pytest.raises(ValueError, match="epsilon must be >= 0"):
        L.adam([p], 0.1, 0.9, epsilon=-1)


def test_update_errors_name_the_parameter():
    p, q = params((2,), (3,))
    lr = L.sgd([p, q], 0.1)
    with pytest.raises(ValueError, match=r"gradient of parameter .* has shape \(3,\), the parameter has shape \(2,\)"):
        lr.update({p: np.ones(3, np.float32), q: np.ones(3, np.float32)}, 1)
    with pytest.raises(ValueError, match="no gradient for parameter"):
        lr.update({p: np.ones(2, np.float32)}, 1)
    with pytest.raises(ValueError, match="empty minibatch"):
        lr.update({p: np.ones(2, np.float32), q: np.ones(3, np.float32)}, 0)
    before = p.value
    with pytest.raises(ValueError):
        lr.update({p: np.ones(2, np.float32), q: np.ones(2, np.float32)}, 1)
    np.testing.assert_array_equal(p.value, before)   # nothing updated


# ---- universal and assign
def test_universal_runs_an_update_graph():
    p, = params((2,))
    lr = L.universal(lambda ps, gs: C.combine([C.assign(w, w - 0.5 * g) for w, g in zip(ps, gs)]), [p])
    assert lr.update({p: np.ones(2, np.float32)}, 4)
    np.testing.assert_allclose(p.value, [-0.4, -0.3], rtol=1e-6)
    with pytest.raises(ValueError, match="two arguments"):
        L.universal(lambda ps: None, [p])


def test_assign_writes_after_the_run_and_outputs_the_new_value():
    p, = params((2,))
    a = C.assign(p, p * 2)
    np.testing.assert_allclose(a.eval(), [0.2, 0.4], rtol=1e-6)
    np.testing.assert_allclose(p.value, [0.2, 0.4], rtol=1e-6)
    with pytest.raises(ValueError, match="same shape"):
        C.assign(p, C.constant(np.ones(3, np.float32)))
    both = C.combine([C.assign(p, p + 1), p * 10])
    out = both.eval()
    vals = list(out.values())
    np.testing.assert_allclose(vals[0], [1.2, 1.4], rtol=1e-6)
    np.testing.assert_allclose(vals[1], [2.0, 4.0], rtol=1e-6)   # the old p, as CNTK
    np.testing.assert_allclose(p.value, [1.2, 1.4], rtol=1e-6)


def test_user_learner_gets_numpy_gradients():
    p, = params((2,))

    class Half(L.UserLearner):
        def update(self, gradient_values, training_sample_count, sweep_end):
            for q, g in gradient_values.items():
                q.value = q.value - 0.5 * g / training_sample_count
            return True

    lr = Half([p], L.learning_parameter_schedule(0.1))
    assert lr._update([torch.tensor([2.0, 4.0])], 2)
    np.testing.assert_allclose(p.value, [-0.4, -0.8], rtol=1e-6)
    assert lr.total_number_of_samples_seen == 2


def _golden_errors():
    from goldens_io import errors
    return errors("learners")


@pytest.mark.parametrize("entry", _golden_errors(), ids=lambda e: e["id"])
def test_what_cntk_rejects_cntkr_rejects_too(entry):
    """tests/goldens/learners/errors.json: the configurations CNTK 2.7 rejects, rejected by cntkr
    with a ValueError naming the argument."""
    import pathlib
    import sys
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tools"))
    from goldens import learners as gl
    ps = params((2,))
    with pytest.raises(ValueError) as err:
        gl.make_learner(C, entry, ps)
    names = [k for k in entry["args"] if k in str(err.value)] + (["count"] if "count" in str(err.value) else [])
    assert names, (str(err.value), entry["cntk_error"])


def test_gaussian_noise_has_the_given_std_whatever_the_rate_and_minibatch():
    """Measured in CNTK 2.7: after an update with a zero gradient, a parameter of 10000 zeros
    has std 0.0999 / 0.0998 / 0.0999 for (mb 1, lr 0.1), (mb 16, lr 0.1), (mb 16, 0.5 per sample)
    with gaussian_noise_injection_std_dev=0.1, and 0.198 for momentum_sgd with 0.2."""
    for mb, lr, std in [(1, 0.1, 0.1), (16, 0.1, 0.1), (16, L.learning_parameter_schedule_per_sample(0.5), 0.1)]:
        p = C.parameter((100, 100), init=0.0)
        L.sgd([p], lr, gaussian_noise_injection_std_dev=std).update({p: np.zeros((100, 100), np.float32)}, mb)
        assert abs(p.value.std() - std) < 0.005 and abs(p.value.mean()) < 0.005
    p = C.parameter((100, 100), init=0.0)
    L.momentum_sgd([p], 0.1, 0.9, gaussian_noise_injection_std_dev=0.2).update({p: np.zeros((100, 100), np.float32)}, 4)
    assert abs(p.value.std() - 0.2) < 0.01


def test_assign_reapplied_runs_its_shape_rule_again():
    p = C.parameter((2,), init=1.0)
    ph = C.placeholder(shape=(2,), dynamic_axes=[])
    f = C.assign(p, ph * 2)
    g = f(C.constant(np.array([1.0, 3.0], np.float32)))
    np.testing.assert_array_equal(g.eval(), [2.0, 6.0])
    np.testing.assert_array_equal(p.value, [2.0, 6.0])
    with pytest.raises((ValueError, TypeError)):
        f(C.constant(np.ones(3, np.float32)))
    with pytest.raises(ValueError, match="must not have the batch axis"):
        C.assign(p, C.input_variable(2))


class _Writer:
    def __init__(self):
        self.lines = []

    def write(self, key, value):
        self.lines.append(f"{key}: {value}")


@pytest.mark.parametrize("make, expected", [
    # what CNTK 2.7's learners wrote through ProgressPrinter over 4 minibatches of 2 (measured)
    (lambda ps: L.sgd(ps, 0.1), ["Learning rate per minibatch: 0.1"]),
    (lambda ps: L.sgd(ps, L.learning_parameter_schedule_per_sample(0.001)), ["Learning rate per 1 samples: 0.001"]),
    (lambda ps: L.sgd(ps, L.learning_parameter_schedule(0.00015625, minibatch_size=32)),
     ["Learning rate per 32 samples: 0.00015625"]),
    (lambda ps: L.sgd(ps, [0.1, 0.05, 1e-5], epoch_size=3),
     ["Learning rate per minibatch: 0.1", "Learning rate per minibatch: 0.05", "Learning rate per minibatch: 1e-05"]),
    (lambda ps: L.momentum_sgd(ps, 0.1, 0.9), ["Learning rate per minibatch: 0.1", "Momentum per minibatch: 0.9"]),
    (lambda ps: L.momentum_sgd(ps, 0.1, L.momentum_as_time_constant_schedule(100)),
     ["Learning rate per minibatch: 0.1", "Momentum per 1 samples: 0.9900498337491681"]),
    (lambda ps: L.nesterov(ps, 0.1, 0.9), ["Learning rate per minibatch: 0.1"]),
    (lambda ps: L.adam(ps, 0.1, 0.9), ["Learning rate per minibatch: 0.1"]),
    (lambda ps: L.sgd(ps, [0.1, 0], epoch_size=4), ["Learning rate per minibatch: 0.1", "Learning rate per minibatch: 0.0"]),
    (lambda ps: L.universal(lambda ws, gs: C.combine([C.assign(w, w - 0.1 * g) for w, g in zip(ws, gs)]), ps),
     ["Learning rate per minibatch: 1.0"]),
])
def test_learners_report_their_rates_to_progress_writers_as_cntk(make, expected):
    ps = params((3, 2), (2,))
    learner = make(ps)
    writer = _Writer()
    learner.add_progress_writers([writer])
    for _ in range(4):
        learner._update([torch.ones(3, 2), torch.ones(2)], 2)
    assert writer.lines == expected


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_the_fused_momentum_step_agrees_with_its_foreach_fallback(dtype):
    from cntkr_py._torch_private import IN_USE, momentum_step
    assert "torch._fused_sgd_" in IN_USE
    torch.manual_seed(0)
    shapes = [(16, 1, 5, 5), (16,), (512, 128), (10,)]
    p1 = [torch.randn(s, dtype=dtype) for s in shapes]
    p2 = [t.clone() for t in p1]
    v1, v2 = [torch.zeros_like(t) for t in p1], [torch.zeros_like(t) for t in p1]
    for _ in range(20):
        g = [torch.randn(s, dtype=dtype) * 8 for s in shapes]
        momentum_step(p1, g, v1, 0.9, 0.1 * 0.1 / 64)
        momentum_step(p2, g, v2, 0.9, 0.1 * 0.1 / 64, fused=False)
    tol = 1e-6 if dtype == torch.float32 else 1e-12
    for a, b in zip(p1 + v1, p2 + v2):
        torch.testing.assert_close(a, b, rtol=tol, atol=tol * float(b.abs().max()))
