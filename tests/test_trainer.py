"""The Trainer (cntkr_py.train.trainer) against CNTK 2.7's behaviour as measured with it:
criterion forms, summed gradients, loss/metric averages from the forward pass before the update,
counters, errors naming the input and both shapes, all-or-nothing minibatches, progress writer
calls, checkpoints that resume exactly."""
import numpy as np
import pytest
import torch

import cntkr_py as C
from cntkr_py.ops.primitive import Op, same_shape
from cntkr_py.train import Trainer


# ---- stand-ins for the learners' and writers' contracts (common.md §2, §3) ------------------
class PlainSGD:
    """w -= lr / n * g (g summed over the minibatch); counts samples."""

    def __init__(self, parameters, lr=0.1, fail=False):
        self.parameters = list(parameters)
        self.lr, self.fail, self.seen, self.calls = lr, fail, 0, []

    def _update(self, grads, n, sweep_end=False):
        self.calls.append((n, sweep_end))
        if self.fail:
            raise RuntimeError("this learner fails")
        with torch.no_grad():
            torch._foreach_add_([p.data() for p in self.parameters], grads, alpha=-self.lr / n)
        self.seen += n
        return True

    def _get_state(self):
        return {"seen": self.seen}, {}

    def _set_state(self, meta, arrays):
        self.seen = meta["seen"]


class Momentum(PlainSGD):
    """Unit-gain momentum with its buffer in the state (for checkpoint tests)."""

    def __init__(self, parameters, lr=0.1, m=0.9):
        super().__init__(parameters, lr)
        self.m = m
        self.v = [torch.zeros_like(p.data()) for p in self.parameters]

    def _update(self, grads, n, sweep_end=False):
        with torch.no_grad():
            for p, v, g in zip(self.parameters, self.v, grads):
                v.mul_(self.m).add_(g, alpha=(1 - self.m) * self.lr / n)
                p.data().sub_(v)
        self.seen += n
        return True

    def _get_state(self):
        return {"seen": self.seen}, {f"v{i}": v.numpy().copy() for i, v in enumerate(self.v)}

    def _set_state(self, meta, arrays):
        self.seen = meta["seen"]
        for i, v in enumerate(self.v):
            v.copy_(torch.from_numpy(arrays[f"v{i}"]))


class Recorder:
    def __init__(self):
        self.calls = []

    def _update_training(self, samples, loss_sum, metric_sum):
        self.calls.append(("train", samples, loss_sum, metric_sum))

    def _write_training_summary(self):
        self.calls.append(("train_summary",))

    def _update_test(self, samples, metric_sum):
        self.calls.append(("test", samples, metric_sum))

    def _write_test_summary(self):
        self.calls.append(("test_summary",))


def ce_with_softmax(z, y):
    return C.reduce_log_sum_exp(z) - C.reduce_sum(C.element_times(y, z))


def class_error(z, y):
    return C.not_equal(C.argmax(z), C.argmax(y))


def model(seed=0, dtype=np.float32):
    rng = np.random.RandomState(seed)
    x = C.input_variable(3, dtype=dtype, name="x")
    y = C.input_variable(2, dtype=dtype, name="y")
    z = C.layers.Dense(2, init=C.glorot_uniform(seed=seed), name="z")(x)
    X = rng.rand(5, 3).astype(dtype)
    Y = np.eye(2, dtype=dtype)[[0, 1, 0, 1, 1]]
    return x, y, z, X, Y


def values(params):
    return [p.value for p in params]


# ---- criterion forms, averages, counters -----------------------------------------------------
@pytest.mark.parametrize("form", ["tuple", "combined", "loss_only", "list"])
def test_criterion_forms(form):
    x, y, z, X, Y = model()
    loss, metric = ce_with_softmax(z, y), class_error(z, y)
    criterion = {"tuple": (loss, metric), "combined": C.combine([loss, metric]),
                 "loss_only": loss, "list": [loss, metric]}[form]
    t = Trainer(z, criterion, PlainSGD(z.parameters))
    assert t.loss_function is loss
    assert t.evaluation_function is (None if form == "loss_only" else metric)
    assert t.model is z
    assert t.train_minibatch({x: X, y: Y}) is True
    if form == "loss_only":
        with pytest.raises(ValueError, match="no evaluation function"):
            t.previous_minibatch_evaluation_average
        with pytest.raises(ValueError, match="Cannot test"):
            t.test_minibatch({x: X, y: Y})
    else:
        assert 0 <= t.previous_minibatch_evaluation_average <= 1


def test_criterion_with_three_outputs_is_rejected():
    x, y, z, X, Y = model()
    loss = ce_with_softmax(z, y)
    with pytest.raises(ValueError, match="singleton or a tuple of 2"):
        Trainer(z, (loss, loss, loss), PlainSGD(z.parameters))


def test_averages_come_from_the_forward_before_the_update_and_gradients_are_summed():
    x, y, z, X, Y = model()
    loss, metric = ce_with_softmax(z, y), class_error(z, y)
    before = values(z.parameters)
    want_loss = loss.eval({x: X, y: Y}).mean()
    want_metric = metric.eval({x: X, y: Y}).mean()
    g = loss.grad({x: X, y: Y}, wrt=list(z.parameters))  # d(sum over the batch)
    t = Trainer(z, (loss, metric), PlainSGD(z.parameters, lr=0.5))
    t.train_minibatch({x: X, y: Y})
    assert t.previous_minibatch_loss_average == pytest.approx(float(want_loss), rel=1e-6)
    assert t.previous_minibatch_evaluation_average == pytest.approx(float(want_metric))
    assert t.previous_minibatch_sample_count == 5
    assert t.total_number_of_samples_seen == 5
    for p, b in zip(z.parameters, before):
        np.testing.assert_allclose(p.value, b - 0.5 / 5 * g[p], rtol=1e-5, atol=1e-6)
    t.train_minibatch({x: X[:3], y: Y[:3]})
    assert t.previous_minibatch_sample_count == 3
    assert t.total_number_of_samples_seen == 8


def test_test_minibatch_is_the_metric_average_in_inference_and_changes_no_counter():
    x, y, z, X, Y = model()
    loss, metric = ce_with_softmax(z, y), class_error(z, y)
    t = Trainer(z, (loss, metric), PlainSGD(z.parameters))
    t.train_minibatch({x: X, y: Y})
    before = values(z.parameters)
    avg = t.test_minibatch({x: X, y: Y})
    assert avg == pytest.approx(float(metric.eval({x: X, y: Y}).mean()))
    assert t.test_minibatch({"x": X, "y": Y}) == avg
    assert t.previous_minibatch_sample_count == 5 and t.total_number_of_samples_seen == 5
    for p, b in zip(z.parameters, before):
        np.testing.assert_array_equal(p.value, b)


def test_keys_by_name_outputs_and_empty_arguments():
    x, y, z, X, Y = model()
    loss, metric = ce_with_softmax(z, y), class_error(z, y)
    t = Trainer(z, (loss, metric), PlainSGD(z.parameters))
    want = z.eval({x: X})
    ok, outs = t.train_minibatch({"x": X, "y": Y}, outputs=[z])
    assert ok is True
    np.testing.assert_allclose(outs[z], want, rtol=1e-6)
    # an empty map is the end of the data: False, nothing changes
    before = values(z.parameters)
    assert t.train_minibatch({}) is False
    assert t.total_number_of_samples_seen == 5
    for p, b in zip(z.parameters, before):
        np.testing.assert_array_equal(p.value, b)


def test_bare_array_feeds_the_only_input():
    x = C.input_variable(3, name="x")
    z = C.layers.Dense(1, name="z")(x)
    loss = C.reduce_sum(C.square(z))
    t = Trainer(z, loss, PlainSGD(z.parameters))
    assert t.train_minibatch(np.ones((4, 3), np.float32)) is True
    assert t.previous_minibatch_sample_count == 4


def test_float64_model_trains():
    x, y, z, X, Y = model(dtype=np.float64)
    t = Trainer(z, (ce_with_softmax(z, y), class_error(z, y)), PlainSGD(z.parameters))
    t.train_minibatch({x: X, y: Y})
    assert z.parameters[0].value.dtype == np.float64


# ---- learners and parameters -----------------------------------------------------------------
def test_uncovered_parameters_print_cntks_note(capsys):
    x, y, z, X, Y = model()
    loss = ce_with_softmax(z, y)
    t = Trainer(z, loss, PlainSGD([z.W]))
    err = capsys.readouterr().err
    assert "[Note:] Trainer ctor: 1 of the model parameters are not covered by any of the " \
           "specified Learners; these parameters will not be learned" in err
    b = z.b.value
    t.train_minibatch({x: X, y: Y})
    np.testing.assert_array_equal(z.b.value, b)


def test_learner_parameter_outside_the_model_is_an_error():
    x, y, z, X, Y = model()
    other = C.parameter((2, 2), name="other")
    with pytest.raises(ValueError, match="1 of the learner parameters .*'other'.* not part of the model"):
        Trainer(z, ce_with_softmax(z, y), PlainSGD(list(z.parameters) + [other]))


def test_parameter_in_two_learners_is_an_error():
    x, y, z, X, Y = model()
    with pytest.raises(ValueError, match="covered by 2 different learners"):
        Trainer(z, ce_with_softmax(z, y), [PlainSGD(z.parameters), PlainSGD([z.W])])


def test_not_a_learner_or_writer_is_named():
    x, y, z, X, Y = model()
    with pytest.raises(TypeError, match=r"parameter_learners\[0\]"):
        Trainer(z, ce_with_softmax(z, y), ["sgd"])
    with pytest.raises(TypeError, match=r"progress_writers\[0\]"):
        Trainer(z, ce_with_softmax(z, y), PlainSGD(z.parameters), progress_writers=[3])


def test_several_learners_each_get_their_gradients():
    x, y, z, X, Y = model()
    loss = ce_with_softmax(z, y)
    g = loss.grad({x: X, y: Y}, wrt=[z.W, z.b])
    W, b = z.W.value, z.b.value
    lw, lb = PlainSGD([z.W], lr=0.1), PlainSGD([z.b], lr=1.0)
    t = Trainer(z, loss, [lw, lb])
    t.train_minibatch({x: X, y: Y}, is_sweep_end=True)
    np.testing.assert_allclose(z.W.value, W - 0.1 / 5 * g[z.W], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(z.b.value, b - 1.0 / 5 * g[z.b], rtol=1e-5, atol=1e-7)
    assert lw.calls == [(5, True)] and lb.calls == [(5, True)]


# ---- errors: nothing changes -------------------------------------------------------------------
@pytest.mark.parametrize("bad, message", [
    ("unknown", r"no input named 'nope'.*'x', 'y'"),
    ("width", r"input 'x' must have shape \(batch, 3\), got \(5, 2\)"),
    ("labels", r"input 'y' must have shape \(batch, 2\), got \(5, 3\)"),
    ("missing", r"no value given for input 'y'"),
    ("batch", r"different batch sizes"),
])
def test_bad_arguments_name_the_input_and_change_nothing(bad, message):
    x, y, z, X, Y = model()
    t = Trainer(z, (ce_with_softmax(z, y), class_error(z, y)), PlainSGD(z.parameters))
    args = {"unknown": {"nope": X, y: Y}, "width": {x: X[:, :2], y: Y},
            "labels": {x: X, y: np.ones((5, 3), np.float32)}, "missing": {x: X},
            "batch": {x: X, y: Y[:4]}}[bad]
    before = values(z.parameters)
    with pytest.raises(ValueError, match=message):
        t.train_minibatch(args)
    assert t.total_number_of_samples_seen == 0 and t.previous_minibatch_sample_count == 0
    for p, b in zip(z.parameters, before):
        np.testing.assert_array_equal(p.value, b)


def test_a_failing_second_learner_applies_no_partial_update():
    x, y, z, X, Y = model()
    loss = ce_with_softmax(z, y)
    t = Trainer(z, loss, [Momentum([z.W]), PlainSGD([z.b], fail=True)])
    before = values(z.parameters)
    first = t.parameter_learners[0]
    with pytest.raises(RuntimeError, match="this learner fails"):
        t.train_minibatch({x: X, y: Y})
    for p, b in zip(z.parameters, before):
        np.testing.assert_array_equal(p.value, b)
    assert first.seen == 0 and all(float(v.abs().sum()) == 0 for v in first.v)
    assert t.total_number_of_samples_seen == 0


Boom = Op("Boom", shape=same_shape, forward=lambda x: (_ for _ in ()).throw(RuntimeError("boom")))


def test_a_failing_metric_applies_no_update():
    x, y, z, X, Y = model()
    rec = Recorder()
    t = Trainer(z, (ce_with_softmax(z, y), Boom([class_error(z, y)])), PlainSGD(z.parameters), rec)
    before = values(z.parameters)
    with pytest.raises(RuntimeError, match="boom"):
        t.train_minibatch({x: X, y: Y})
    for p, b in zip(z.parameters, before):
        np.testing.assert_array_equal(p.value, b)
    assert t.total_number_of_samples_seen == 0 and rec.calls == []


def test_bad_outputs_are_named():
    x, y, z, X, Y = model()
    t = Trainer(z, ce_with_softmax(z, y), PlainSGD(z.parameters))
    stray = C.input_variable(1, name="stray")
    with pytest.raises(ValueError, match="outputs: input 'stray'"):
        t.train_minibatch({x: X, y: Y}, outputs=[stray])


# ---- progress writers ---------------------------------------------------------------------------
def test_progress_writers_get_sums_after_each_minibatch():
    x, y, z, X, Y = model()
    rec = Recorder()
    t = Trainer(z, (ce_with_softmax(z, y), class_error(z, y)), PlainSGD(z.parameters), [rec])
    t.train_minibatch({x: X, y: Y})
    kind, n, loss_sum, metric_sum = rec.calls[0]
    assert (kind, n) == ("train", 5)
    assert loss_sum == pytest.approx(t.previous_minibatch_loss_average * 5)
    assert metric_sum == pytest.approx(t.previous_minibatch_evaluation_average * 5)
    t.summarize_training_progress()
    avg = t.test_minibatch({x: X, y: Y})
    t.summarize_test_progress()
    assert rec.calls[1:] == [("train_summary",), ("test", 5, pytest.approx(avg * 5)),
                             ("test_summary",)]
    t2 = Trainer(z, ce_with_softmax(z, y), PlainSGD(z.parameters), rec)
    t2.train_minibatch({x: X, y: Y})
    assert rec.calls[-1][3] is None


# ---- checkpoints -------------------------------------------------------------------------------
def _run(t, x, y, batches):
    for X, Y in batches:
        t.train_minibatch({x: X, y: Y})


def test_checkpoint_restores_exactly_the_trajectory(tmp_path):
    rng = np.random.RandomState(1)
    batches = [(rng.rand(4, 3).astype(np.float32), np.eye(2, dtype=np.float32)[rng.randint(0, 2, 4)])
               for _ in range(6)]
    x, y, z, X, Y = model(seed=3)
    t = Trainer(z, ce_with_softmax(z, y), Momentum(z.parameters))
    _run(t, x, y, batches)
    straight = values(z.parameters)

    x2, y2, z2, _, _ = model(seed=3)
    t2 = Trainer(z2, ce_with_softmax(z2, y2), Momentum(z2.parameters))
    _run(t2, x2, y2, batches[:3])
    path = str(tmp_path / "ckp")
    t2.save_checkpoint(path, {"epoch": 3, "note": "half"})
    x3, y3, z3, _, _ = model(seed=7)  # other initial weights: all restored from the file
    t3 = Trainer(z3, ce_with_softmax(z3, y3), Momentum(z3.parameters))
    assert t3.restore_from_checkpoint(path) == {"epoch": 3, "note": "half"}
    assert t3.total_number_of_samples_seen == 12
    _run(t3, x3, y3, batches[3:])
    for a, b in zip(straight, values(z3.parameters)):
        np.testing.assert_array_equal(a, b)
    # the file is a plain npz: no code runs on load
    with np.load(path, allow_pickle=False) as f:
        assert "meta.json" in f.files and "parameter/0" in f.files
    # written by model_file.save_values: the same state gives the same bytes
    again = str(tmp_path / "ckp2")
    t2.save_checkpoint(again, {"epoch": 3, "note": "half"})
    assert open(path, "rb").read() == open(again, "rb").read()


def test_checkpoint_errors(tmp_path):
    x, y, z, X, Y = model()
    t = Trainer(z, ce_with_softmax(z, y), PlainSGD(z.parameters))
    with pytest.raises(FileNotFoundError, match="no checkpoint file"):
        t.restore_from_checkpoint(str(tmp_path / "none"))
    bad = tmp_path / "bad"
    bad.write_text("not a checkpoint")
    with pytest.raises(ValueError, match="not a cntkr checkpoint"):
        t.restore_from_checkpoint(str(bad))
    with pytest.raises(TypeError, match="external_state"):
        t.save_checkpoint(str(tmp_path / "c"), {"f": object()})
    xx = C.input_variable(3, name="x")
    other = C.layers.Dense(4)(xx)
    t.save_checkpoint(str(tmp_path / "c"))
    t_other = Trainer(other, C.reduce_sum(other), PlainSGD(other.parameters))
    with pytest.raises(ValueError, match="shape"):
        t_other.restore_from_checkpoint(str(tmp_path / "c"))


# ---- with the real learners and readers ----------------------------------------------------------
def _batches(n=6, seed=1):
    rng = np.random.RandomState(seed)
    return [(rng.rand(4, 3).astype(np.float32), np.eye(2, dtype=np.float32)[rng.randint(0, 2, 4)])
            for _ in range(n)]


def _learner(kind, params):
    if kind == "momentum_sgd":
        return C.momentum_sgd(params, C.learning_rate_schedule(0.1, C.UnitType.minibatch),
                              C.momentum_schedule(0.9), l2_regularization_weight=0.01)
    return C.adam(params, C.learning_parameter_schedule(0.05), C.momentum_schedule(0.9))


@pytest.mark.parametrize("kind", ["momentum_sgd", "adam"])
def test_checkpoint_with_real_learners_resumes_exactly(kind, tmp_path):
    batches = _batches()
    x, y, z, _, _ = model(seed=3)
    t = Trainer(z, (C.cross_entropy_with_softmax(z, y), C.classification_error(z, y)),
                _learner(kind, z.parameters))
    _run(t, x, y, batches)
    straight = values(z.parameters)
    x2, y2, z2, _, _ = model(seed=3)
    t2 = Trainer(z2, C.cross_entropy_with_softmax(z2, y2), _learner(kind, z2.parameters))
    _run(t2, x2, y2, batches[:2])
    path = str(tmp_path / "ckp")
    t2.save_checkpoint(path)
    x3, y3, z3, _, _ = model(seed=9)
    t3 = Trainer(z3, C.cross_entropy_with_softmax(z3, y3), _learner(kind, z3.parameters))
    assert t3.restore_from_checkpoint(path) == {}
    assert t3.total_number_of_samples_seen == 8
    _run(t3, x3, y3, batches[2:])
    for a, b in zip(straight, values(z3.parameters)):
        np.testing.assert_array_equal(a, b)
    assert t3.total_number_of_samples_seen == 24


def test_minibatch_data_feeds_and_ends_sweeps():
    x, y, z, X, Y = model()
    seen = []

    class Watch(PlainSGD):
        def _update(self, grads, n, sweep_end=False):
            seen.append((n, sweep_end))
            return super()._update(grads, n, sweep_end)
    t = Trainer(z, C.cross_entropy_with_softmax(z, y), Watch(z.parameters))
    src = C.io.MinibatchSourceFromData({"x": X, "y": Y})
    mb = src.next_minibatch(3, input_map={x: src.streams.x, y: src.streams.y})
    t.train_minibatch(mb)
    mb = src.next_minibatch(3, input_map={x: src.streams.x, y: src.streams.y})
    t.train_minibatch(mb)
    assert seen == [(3, False), (2, True)]
    with pytest.raises(ValueError, match="is_sweep_end is ignored"):
        t.train_minibatch(mb, is_sweep_end=True)
