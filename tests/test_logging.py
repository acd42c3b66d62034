"""Progress writers (cntkr_py.logging) against CNTK 2.7's own output (tests/goldens/logging/progress,
tools/goldens/logging_progress.py): ProgressPrinter's text character for character, fed through the
Trainer's contract with the numbers CNTK's Trainer reported, and through cntkr's Trainer on the same
data; TensorBoardProgressWriter's scalars read back with TensorBoard's event reader; the live bar;
log_number_of_parameters; arguments checked by name."""
import contextlib
import io
import json
import os
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

import cntkr_py as C
from cntkr_py.logging import ProgressPrinter, TensorBoardProgressWriter
from cntkr_py.logging.progress_print import ProgressWriter

GOLDEN = Path(__file__).parent / "goldens" / "logging" / "progress"
TIME = re.compile(r"\d+\.\d{3}s \(\s*[\d.]+ samples/s\)")
RATE_LINE = "Learning rate per minibatch: 0.1\n"  # written by CNTK's learner (see progress_print.py)
PRINTERS = {c["id"]: c for c in json.loads((GOLDEN / "printers.json").read_text())}
CASES = sorted(PRINTERS)
RUN = json.loads((GOLDEN / "run.json").read_text())


def load(cid):
    return PRINTERS[cid]


def run_script(case, printer, step):
    """The case's actions; `step(action, feed)` does train/test/summaries."""
    for action, feed in zip(case["script"], case["feed"]):
        kind = action[0]
        if kind == "log":
            printer.log(action[1])
        elif kind == "write":
            printer.write(action[1], action[2])
        elif kind == "end":
            printer.end_progress_print(action[1])
        else:
            step(action, feed)


def capture(case, tmp_path, monkeypatch, step_factory):
    monkeypatch.chdir(tmp_path)
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        printer = ProgressPrinter(**case["printer"])
        run_script(case, printer, step_factory(printer))
    text = TIME.sub("<TIME>", buf.getvalue())
    log = TIME.sub("<TIME>", Path(printer.logfilename).read_text()) if printer.logfilename else None
    return text, log


class _LastMinibatch:
    """What a Trainer reports about its last minibatch, for the deprecated update_with_trainer()."""
    previous_minibatch_sample_count = 0


@pytest.mark.parametrize("cid", CASES)
def test_progress_printer_prints_cntks_text(cid, tmp_path, monkeypatch):
    case = load(cid)
    attached = not cid.startswith("deprecated")  # else the script feeds the printer itself

    def factory(printer):
        state = {"first": True}
        last = _LastMinibatch()

        def step(action, feed):
            kind = action[0]
            if kind == "train":
                if state["first"] and attached:  # what CNTK's learner writes before its first update
                    printer.write("Learning rate per minibatch", 0.1)
                    state["first"] = False
                n, loss, metric = feed
                last.previous_minibatch_sample_count = n
                last.previous_minibatch_loss_average = loss / n
                last.previous_minibatch_evaluation_average = metric / n
                if attached:
                    printer._update_training(n, loss, metric if case["metric"] else None)
            elif kind == "test":
                printer._update_test(*feed)
            elif kind == "summary":
                printer._write_training_summary()
            elif kind == "test_summary":
                printer._write_test_summary()
            elif kind == "update_with_trainer":
                printer.update_with_trainer(last, with_metric=action[1])
            elif kind == "epoch_summary":
                printer.epoch_summary(with_metric=action[1])
        return step

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        text, log = capture(case, tmp_path, monkeypatch, factory)
    assert text == case["stdout"]
    assert log == case["file"]


def trainer_run(writers, metric=True, printer=None):
    """cntkr's Trainer on run.json's data: times(x, W) + b, cross entropy, classification error, sgd."""
    x = C.input_variable(4, name="features")
    y = C.input_variable(3, name="labels")
    W = C.parameter(init=np.array(RUN["W"], np.float32).reshape(4, 3), name="W")
    b = C.parameter(init=np.array(RUN["b"], np.float32), name="b")
    z = C.times(x, W) + b
    loss = C.cross_entropy_with_softmax(z, y)
    criterion = (loss, C.classification_error(z, y)) if metric else loss
    trainer = C.Trainer(z, criterion, [C.sgd(z.parameters, C.learning_parameter_schedule(RUN["learning_rate"]))],
                        writers)

    def data(kind, i):
        mb = RUN[kind][i]
        n = len(mb["labels"]) // 3
        return {x: np.array(mb["features"], np.float32).reshape(n, 4),
                y: np.array(mb["labels"], np.float32).reshape(n, 3)}

    def step(action, feed=None):
        kind = action[0]
        if kind == "train":
            trainer.train_minibatch(data("train", action[1]))
        elif kind == "test":
            trainer.test_minibatch(data("test", action[1]))
        elif kind == "summary":
            trainer.summarize_training_progress()
        elif kind == "test_summary":
            trainer.summarize_test_progress()
        elif kind == "update_with_trainer":
            printer.update_with_trainer(trainer, with_metric=action[1])
        elif kind == "epoch_summary":
            printer.epoch_summary(with_metric=action[1])
    return step


@pytest.mark.parametrize("cid", ["freq2_first3_tag_epochs", "freq0_geometric", "test_freq1", "no_metric_freq2",
                                 "log_to_file", "deprecated_update_freq2"])
def test_progress_printer_on_cntkr_trainer_matches_cntks_run(cid, tmp_path, monkeypatch):
    case = load(cid)
    attached = not cid.startswith("deprecated")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        text, log = capture(case, tmp_path, monkeypatch,
                            lambda p: trainer_run([p] if attached else [], case["metric"], printer=p))
    # the learner writes its rate line through the Trainer's printer, as CNTK's does
    assert text == case["stdout"]
    assert log == case["file"]


def test_tensorboard_writer_records_cntks_scalars(tmp_path):
    from tensorboard.backend.event_processing import event_accumulator
    golden = json.loads((GOLDEN / "tensorboard.json").read_text())
    writer = TensorBoardProgressWriter(freq=golden["freq"], log_dir=str(tmp_path))
    step = trainer_run([writer])
    for action in golden["script"]:
        step(action)
    writer.close()
    acc = event_accumulator.EventAccumulator(str(tmp_path))
    acc.Reload()
    tags = acc.Tags()["scalars"]
    assert sorted(tags) == sorted(golden["scalars"])
    for tag, points in golden["scalars"].items():
        got = [[e.step, e.value] for e in acc.Scalars(tag)]
        assert [p[0] for p in got] == [p[0] for p in points], tag
        np.testing.assert_allclose([p[1] for p in got], [p[1] for p in points], rtol=1e-5, err_msg=tag)
    with pytest.raises(RuntimeError, match="closed TensorBoardProgressWriter"):
        writer.flush()


def test_tensorboard_writer_of_another_rank_writes_nothing(tmp_path):
    writer = TensorBoardProgressWriter(freq=1, log_dir=str(tmp_path), rank=1)
    writer._update_training(4, 2.0, 1.0)
    writer.write_value("x", 1.0, 1)
    assert writer.writer is None and list(tmp_path.iterdir()) == []


def test_live_bar_when_interactive_keeps_cntks_lines(capsys):
    printer = ProgressPrinter(freq=2, tag="T", progress_bar=True)
    for n in (4, 3, 5):
        printer._update_training(n, 1.5 * n, 0.5 * n)
    printer._write_training_summary()
    printer._update_training(2, 1.0, 0.0)
    printer.end_progress_print()
    out = capsys.readouterr().out
    assert " Minibatch[   1-   2]: loss = 1.500000 * 7, metric = 50.00% * 7;" in out
    assert "Finished Epoch[1]: [T] loss = 1.500000 * 12, metric = 50.00% * 12" in out
    assert "samples" in out and "loss=1.5000" in out and "\r" in out  # the bar
    assert printer._bar.total == 12  # the second epoch's bar counts to the first's size


def test_no_bar_when_not_interactive(capsys):
    printer = ProgressPrinter(freq=1)
    printer._update_training(4, 4.0, 0.0)
    assert capsys.readouterr().out == " Minibatch[   1-   1]: loss = 1.000000 * 4, metric = 0.00% * 4;\n"


def test_deprecated_api_warns_as_cntk():
    printer = ProgressPrinter(freq=1)
    with pytest.warns(DeprecationWarning, match="DEPRECATED: The method was deprecated."):
        printer.update(0.5, 4, 0.25)
    with pytest.warns(DeprecationWarning):
        assert printer.epoch_summary(with_metric=True) == (0.5, 0.25, 4)


def test_writer_base_counts_updates_and_skips_empty_minibatches():
    seen = []

    class Recorder(ProgressWriter):
        def on_write_training_update(self, samples, updates, aggregate_loss, aggregate_metric):
            seen.append((samples, updates, aggregate_loss, aggregate_metric))

    w = Recorder(0)
    for n in (2, 0, 3, 1):
        w._update_training(n, float(n), None)
    assert w.total_training_updates() == 3
    assert seen == [((0, 2), (0, 1), (0.0, 2.0), (0.0, 0.0)), ((2, 6), (1, 3), (2.0, 6.0), (0.0, 0.0))]


def test_sums_are_float32_for_float32_values_and_float64_otherwise():
    from cntkr_py.logging.progress_print import _Window
    w32, w64 = _Window(0, 0), _Window(0, 0)
    for v in (0.1, 0.2, 0.3):
        w32.update(1, float(np.float32(v)), None, lambda *a: None)
        w64.update(1, v, None, lambda *a: None)
    assert w32.loss == np.float32(np.float32(np.float32(0.1) + np.float32(0.2)) + np.float32(0.3))
    assert w64.loss == 0.1 + 0.2 + 0.3 and isinstance(w64.loss, np.float64)


def test_log_number_of_parameters_prints_cntks_text(capsys):
    x = C.input_variable(4)
    z = C.layers.Sequential([C.layers.Dense(3), C.layers.Dense(2)])(x)
    C.logging.log_number_of_parameters(z)
    C.logging.log_number_of_parameters(z, trace_level=1)
    out = capsys.readouterr().out
    assert out == ("Training 23 parameters in 4 parameter tensors.\n"
                   "Training 23 parameters in 4 parameter tensors.\n\n\t(3, 2)\n\t(2,)\n\t(4, 3)\n\t(3,)\n")
    C.logging.log_number_of_parameters(C.layers.Dense(3), 1)  # not applied yet: W is (-1, 3)
    assert capsys.readouterr().out == ("Training so far unspecified number of parameters in 2 parameter tensors."
                                       "\n\n\t(-1, 3)\n\t(3,)\n")


def test_trace_level_as_cntk():
    assert C.logging.get_trace_level() == 1
    C.logging.set_trace_level(C.logging.TraceLevel.Info)
    assert C.logging.get_trace_level() == 2
    C.logging.set_trace_level(1)
    assert C.logging.get_trace_level() == 1


def test_writers_name_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="freq must be >= 0, got -1"):
        ProgressPrinter(freq=-1)
    with pytest.raises(ValueError, match="freq must be a whole number, got 2.5"):
        ProgressPrinter(freq=2.5)
    with pytest.raises(ValueError, match="test_first must be >= 0"):
        ProgressPrinter(test_first=-2)
    with pytest.raises(TypeError, match="tag must be a string, got 3"):
        ProgressPrinter(tag=3)
    with pytest.raises(TypeError, match="gen_heartbeat must be True or False"):
        ProgressPrinter(gen_heartbeat="yes")
    with pytest.raises(TypeError, match="log_to_file must be a file name or None"):
        ProgressPrinter(log_to_file=5)
    with pytest.raises(ValueError, match="freq must be positive, got 0"):
        TensorBoardProgressWriter(freq=0, log_dir=str(tmp_path))
    with pytest.raises(ValueError, match="trace_level must be >= 0"):
        C.logging.log_number_of_parameters(C.layers.Dense(2)(C.input_variable(3)), trace_level=-1)
