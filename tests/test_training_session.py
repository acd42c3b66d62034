"""training_session (cntkr_py.train.training_session) against CNTK 2.7's TrainingSession, as
measured with the reference on a 20-sample MinibatchSourceFromData: the minibatch sizes of each
step, when progress summaries, checkpoints, cross validations (and their callbacks) and the final
test happen, early stops, restores, and argument errors."""
import os

import numpy as np
import pytest

import cntkr_py as C
from cntkr_py.train import (CheckpointConfig, CrossValidationConfig, DataUnit, TestConfig,
                            minibatch_size_schedule, training_session)


class Recorder:
    """A progress writer (the contract of cntkr_py.logging) that logs what the Trainer reports."""

    def __init__(self):
        self.log = []

    def _update_training(self, samples, loss_sum, metric_sum):
        self.log.append(("train", samples))

    def _write_training_summary(self):
        self.log.append("train_summary")

    def _update_test(self, samples, metric_sum):
        self.log.append(("test", samples))

    def _write_test_summary(self):
        self.log.append("test_summary")

    def write(self, key, value):  # the learners' rate reports (not logged here)
        pass


def setup(n=20, cv=7):
    rng = np.random.RandomState(0)
    X = rng.rand(n, 3).astype(np.float32)
    Y = np.eye(2, dtype=np.float32)[rng.randint(0, 2, n)]
    x = C.input_variable(3, name="x")
    y = C.input_variable(2, name="y")
    z = C.layers.Dense(2, init=C.glorot_uniform(seed=1))(x)
    rec = Recorder()
    t = C.Trainer(z, (C.cross_entropy_with_softmax(z, y), C.classification_error(z, y)),
                  C.sgd(z.parameters, C.learning_rate_schedule(0.1, C.UnitType.minibatch)), rec)
    src = C.io.MinibatchSourceFromData({"x": X, "y": Y})
    cvsrc = C.io.MinibatchSourceFromData({"x": X[:cv], "y": Y[:cv]}, max_samples=cv)
    return t, x, y, z, rec, src, cvsrc, X, Y


def streams(x, y, src):
    return {x: src.streams.x, y: src.streams.y}


def T(*ns):
    return [("train", n) for n in ns]


def V(*ns):
    return [("test", n) for n in ns]


S, TS = ["train_summary"], ["test_summary"]


def test_progress_every_10_samples_max_33():
    t, x, y, z, rec, src, *_ = setup()
    training_session(t, src, 6, streams(x, y, src), progress_frequency=10, max_samples=33).train()
    # CNTK 2.7: minibatches stop at the sweep's end (20); the last one is clipped to max_samples
    assert rec.log == T(6, 6) + S + T(6, 2) + S + T(6, 6) + S + T(1) + S
    assert t.total_number_of_samples_seen == 33


def test_schedule_cross_validation_callback_and_test():
    t, x, y, z, rec, src, cvsrc, *_ = setup()
    calls = []

    def cb(index, average_error, num_samples, num_minibatches):
        calls.append((index, round(average_error, 6), num_samples, num_minibatches))
        return True
    s = training_session(
        t, src, minibatch_size_schedule([4, 8], 12), streams(x, y, src), max_samples=40,
        cv_config=CrossValidationConfig(cvsrc, frequency=16, minibatch_size=3, callback=cb,
                                        model_inputs_to_streams=streams(x, y, cvsrc)),
        test_config=TestConfig(cvsrc, minibatch_size=5, model_inputs_to_streams=streams(x, y, cvsrc)))
    s.train()
    cv = V(3, 3, 1) + TS
    assert rec.log == T(4, 4, 4, 8) + cv + T(8, 8) + cv + T(4) + S + cv + V(5, 2) + TS
    assert [c[0] for c in calls] == [0, 1, 2] and all(c[2:] == (7, 3) for c in calls)
    assert len({c[1] for c in calls}) <= 3 and 0 <= calls[0][1] <= 1


def test_callback_only_cross_validation():
    t, x, y, z, rec, src, *_ = setup()
    calls = []
    s = training_session(t, src, 6, streams(x, y, src), max_samples=30,
                         cv_config=CrossValidationConfig(frequency=12,
                                                         callback=lambda *a: calls.append(a)))
    s.train()
    assert calls == [(0, 0, 0, 0), (1, 0, 0, 0), (2, 0, 0, 0)]
    assert rec.log == T(6, 6, 6, 2, 6, 4) + S


def test_callback_returning_false_stops_training():
    t, x, y, z, rec, src, *_ = setup()
    calls = []

    def stop(index, *rest):
        calls.append(index)
        return index < 1
    training_session(t, src, 6, streams(x, y, src), max_samples=100,
                     cv_config=CrossValidationConfig(frequency=(2, DataUnit.minibatch),
                                                     callback=stop)).train()
    assert calls == [0, 1] and rec.log == T(6, 6, 6, 2) + S
    assert t.total_number_of_samples_seen == 20


def test_sweep_frequency_and_a_source_that_ends():
    t, x, y, z, rec, src, cvsrc, X, Y = setup()
    src = C.io.MinibatchSourceFromData({"x": X, "y": Y}, max_samples=26)
    training_session(t, src, 8, streams(x, y, src), progress_frequency=(1, DataUnit.sweep),
                     cv_config=CrossValidationConfig(cvsrc, minibatch_size=4,
                                                     model_inputs_to_streams=streams(x, y, cvsrc))
                     ).train()
    assert rec.log == T(8, 8, 4) + S + T(6) + S + V(4, 3) + TS


def test_minibatch_frequency_fires_at_the_end_when_units_do_not_divide():
    t, x, y, z, rec, src, *_ = setup()
    training_session(t, src, 6, streams(x, y, src), progress_frequency=(3, DataUnit.minibatch),
                     max_samples=36).train()
    assert rec.log == T(6, 6, 6) + S + T(2, 6, 6) + S + T(4) + S


def test_arrays_in_place_of_a_source():
    t, x, y, z, rec, src, cvsrc, X, Y = setup()
    training_session(t, (X, Y), 8, None, max_samples=20).train()
    assert rec.log == T(8, 8, 4) + S


def test_checkpoints_preserve_all_and_restore(tmp_path):
    t, x, y, z, rec, src, *_ = setup()
    path = str(tmp_path / "model")
    training_session(t, src, 6, streams(x, y, src), max_samples=30,
                     checkpoint_config=CheckpointConfig(path, frequency=12, preserve_all=True),
                     progress_frequency=(2, DataUnit.minibatch)).train()
    # CNTK 2.7 writes model0 (at 12), model1 (24), model2 (the end, 30) and model
    assert sorted(os.listdir(tmp_path)) == ["model", "model0", "model1", "model2"]
    assert rec.log == T(6, 6) + S + T(6, 2) + S + T(6, 4) + S
    final = [p.value for p in z.parameters]

    # a new session restores from "model" (30 samples seen, the source's position) and trains on
    t2, x2, y2, z2, rec2, src2, *_ = setup()
    training_session(t2, src2, 6, streams(x2, y2, src2), max_samples=42,
                     checkpoint_config=CheckpointConfig(path)).train()
    assert rec2.log == T(6, 4, 2) + S  # the source resumes at 30 (its sweep ends at 40)
    # ... which is what one process training to 30, then on to 42, gives
    t3, x3, y3, z3, rec3, src3, *_ = setup()
    training_session(t3, src3, 6, streams(x3, y3, src3), max_samples=30).train()
    training_session(t3, src3, 6, streams(x3, y3, src3), max_samples=42).train()
    for a, b in zip(z2.parameters, z3.parameters):
        np.testing.assert_array_equal(a.value, b.value)
    assert t2.total_number_of_samples_seen == 42
    assert any((a != b.value).any() for a, b in zip(final, z2.parameters))


def test_a_restored_session_that_is_done_trains_no_more(tmp_path):
    t, x, y, z, rec, src, *_ = setup()
    path = str(tmp_path / "ck")
    training_session(t, src, 6, streams(x, y, src), max_samples=12,
                     checkpoint_config=CheckpointConfig(path, frequency=6)).train()
    t2, x2, y2, z2, rec2, src2, *_ = setup()
    training_session(t2, src2, 6, streams(x2, y2, src2), max_samples=12,
                     checkpoint_config=CheckpointConfig(path)).train()
    assert rec2.log == [] and t2.total_number_of_samples_seen == 12


def test_minibatch_size_schedule_as_cntk():
    s = minibatch_size_schedule([4, 8], 12)
    assert (s[0], s[11], s[12], s[100]) == (4, 4, 8, 8)
    s = minibatch_size_schedule([(2, 32), (1, 64)], 100)
    assert (s[0], s[199], s[200], s[1000]) == (32, 32, 64, 64)
    assert minibatch_size_schedule(32)[10 ** 6] == 32
    with pytest.raises(ValueError, match="epoch_size is ignored"):
        minibatch_size_schedule(4, 10)
    with pytest.raises(ValueError, match="schedule"):
        minibatch_size_schedule(4.5)
    with pytest.raises(ValueError, match=r"schedule\[0\]"):
        minibatch_size_schedule([0, 3])


def test_argument_errors_are_named():
    t, x, y, z, rec, src, cvsrc, X, Y = setup()
    with pytest.raises(ValueError, match="Trainer must not be None"):
        training_session(None, src, 6, streams(x, y, src))
    with pytest.raises(ValueError, match="minibatch source must not be None"):
        training_session(t, None, 6, streams(x, y, src))
    with pytest.raises(ValueError, match="should not be empty"):
        training_session(t, src, 6, {})
    with pytest.raises(ValueError, match="mb_size"):
        training_session(t, src, "big", streams(x, y, src))
    with pytest.raises(ValueError, match="progress_frequency"):
        training_session(t, src, 6, streams(x, y, src), progress_frequency=(3, "minibatch"))
    with pytest.raises(ValueError, match="max_samples"):
        training_session(t, src, 6, streams(x, y, src), max_samples=-1)
    with pytest.raises(ValueError, match="without checkpoint_filename"):
        CheckpointConfig(None, frequency=10)
    with pytest.raises(ValueError, match="Either minibatch_source of callback"):
        CrossValidationConfig(frequency=10)
    with pytest.raises(ValueError, match="tuple of 2 arrays"):
        training_session(t, (X,), 6, None)
    with pytest.raises(ValueError, match="criterion must be given"):
        TestConfig((X, Y))
    with pytest.raises(TypeError, match="cv_config"):
        training_session(t, src, 6, streams(x, y, src), cv_config=3)
    with pytest.raises(TypeError, match="callback"):
        CrossValidationConfig(cvsrc, callback=3)


def test_deprecated_source_and_mb_size_still_work_with_cntks_warning():
    def cb(*a):
        return True
    for make in (lambda **k: CrossValidationConfig(callback=cb, **k), TestConfig):
        with pytest.warns(DeprecationWarning, match='"mb_size" parameter is deprecated') as rec:
            cfg = make(mb_size=7)
        assert repr(cfg.minibatch_size) == repr(make(minibatch_size=7).minibatch_size)
        assert rec[0].filename == __file__  # the warning points at the caller's line
    src = C.io.MinibatchSourceFromData(dict(x=np.zeros((4, 2), np.float32)))
    for make in (CrossValidationConfig, TestConfig):
        with pytest.warns(DeprecationWarning, match='"source" parameter is deprecated'):
            cfg = make(source=src)
        assert cfg.source is src
