"""Golden family "logging/progress": the text CNTK 2.7's ProgressPrinter prints and the scalars its
TensorBoardProgressWriter records, driven by a real CNTK Trainer on fixed data.

One small run (times(x, W) + b: 3 classes from 4 features, fixed weights, sgd, minibatches of fixed sizes) is repeated
for each printer configuration with a script of actions: ["train", i] (train_minibatch on training
minibatch i), ["test", j] (test_minibatch on test minibatch j), ["summary"]
(summarize_training_progress), ["test_summary"], ["log", text], ["write", key, value],
["end", msg]; for CNTK's deprecated API (the printer not given to the Trainer):
["update_with_trainer", with_metric], ["epoch_summary", with_metric]. Files written under tests/goldens/logging/progress/:

- run.json: the data (features and labels of each training and test minibatch, row-major), the
  initial W (4 x 3) and b, the learning rate (C.sgd with learning_parameter_schedule(0.1));
- printers.json: a list of cases, each {"id", "printer": ProgressPrinter's keyword arguments, "metric": whether the
  Trainer has a metric, "script": the actions, "feed": per action what the Trainer reported
  ([samples, loss sum, metric sum] after a train action, [samples, metric sum] after a test
  action, null otherwise; float32 sums, metric sum 0 without a metric), "stdout": what was
  printed, "file": the log file's text or null}; in both texts a time and speed "1.234s (567.8 samples/s)" is written "<TIME>";
- tensorboard.json: the scalars of TensorBoardProgressWriter(freq=2) over the same run
  ({tag: [[step, value], ...]}, read back from CNTK's event file).
"""
import contextlib
import io
import json
import os
import re
import shutil
import struct
import tempfile
from collections import OrderedDict

import numpy as np

from . import register
from ._base import Family

TIME = re.compile(r"\d+\.\d{3}s \(\s*[\d.]+ samples/s\)")
SIZES = [4, 3, 5, 2, 6, 1, 4, 3, 5, 2, 4, 3]
TEST_SIZES = [5, 3, 4]

TRAIN_SCRIPT = [["train", i] for i in range(7)] + [["summary"]] + [["train", i] for i in range(7, 12)] + \
    [["summary"]]
TEST_SCRIPT = [["train", i] for i in range(5)] + [["test", 0], ["test", 1], ["test", 2], ["test_summary"]] + \
    [["train", i] for i in range(5, 9)] + [["summary"], ["test", 2], ["test", 0], ["test_summary"]]

DEPRECATED_SCRIPT = []
for _i in range(6):
    DEPRECATED_SCRIPT += [["train", _i], ["update_with_trainer", _i % 3 != 2]]
DEPRECATED_SCRIPT += [["epoch_summary", True]]
for _i in range(6, 10):
    DEPRECATED_SCRIPT += [["train", _i], ["update_with_trainer", True]]
DEPRECATED_SCRIPT += [["epoch_summary", False]]

CASES = [
    ("default", {}, True, TRAIN_SCRIPT),
    ("freq0_geometric", {"freq": 0}, True, TRAIN_SCRIPT),
    ("freq3", {"freq": 3}, True, TRAIN_SCRIPT),
    ("freq2_first3_tag_epochs", {"freq": 2, "first": 3, "tag": "Training", "num_epochs": 2}, True,
     TRAIN_SCRIPT),
    ("freq1_metric_not_pct", {"freq": 1, "metric_is_pct": False}, True, TRAIN_SCRIPT),
    ("no_metric_freq2", {"freq": 2}, False, TRAIN_SCRIPT),
    ("no_metric_freq0", {"freq": 0}, False, TRAIN_SCRIPT[:8]),
    ("test_freq1", {"freq": 4, "test_freq": 1}, True, TEST_SCRIPT),
    ("test_freq0", {"freq": 0, "test_freq": 0}, True, TEST_SCRIPT),
    ("test_summaries", {"freq": 5, "first": 1}, True, TEST_SCRIPT),
    ("test_not_pct", {"test_freq": 2, "metric_is_pct": False}, True, TEST_SCRIPT),
    ("log_to_file", {"freq": 3, "log_to_file": "progress.log", "num_epochs": 3}, True,
     TRAIN_SCRIPT + [["log", "a message"], ["write", "key", 2.5], ["end", "done"]]),
    ("log_to_file_rank", {"freq": 4, "log_to_file": "progress.log", "rank": 1}, True,
     TRAIN_SCRIPT[:8] + [["end", ""]]),
    ("log_write_end_stdout", {"freq": 6}, True,
     TRAIN_SCRIPT[:8] + [["log", "a message"], ["write", "lr", 0.125], ["end", "done"]]),
    ("heartbeat", {"freq": 5, "gen_heartbeat": True}, True, TRAIN_SCRIPT[:8]),
    # CNTK 2.7's deprecated API: the printer is not given to the Trainer; the script feeds it
    ("deprecated_update_freq2", {"freq": 2, "tag": "T"}, True, DEPRECATED_SCRIPT),
    ("deprecated_update_freq0", {"freq": 0}, True, DEPRECATED_SCRIPT),
    ("deprecated_update_first3", {"freq": 4, "first": 3, "metric_is_pct": False}, True, DEPRECATED_SCRIPT),
]


def make_data():
    rs = np.random.RandomState(7)
    def batch(n):
        x = rs.randn(n, 4).astype(np.float32)
        y = np.eye(3, dtype=np.float32)[rs.randint(0, 3, size=n)]
        return x, y
    train = [batch(n) for n in SIZES]
    test = [batch(n) for n in TEST_SIZES]
    w = (rs.randn(4, 3) * 0.5).astype(np.float32)
    b = (rs.randn(3) * 0.1).astype(np.float32)
    return train, test, w, b


def arr_list(a):
    return [float(v) for v in np.asarray(a).reshape(-1)]


class Run(object):
    """A CNTK trainer over the fixed data, with `writers`."""

    def __init__(self, C, writers, metric=True):
        self.C = C
        self.metric = metric
        self.train, self.test, w, b = make_data()
        self.x = C.input_variable(4, name="features")
        self.y = C.input_variable(3, name="labels")
        self.W = C.parameter(init=w, name="W")
        self.b = C.parameter(init=b, name="b")
        z = C.times(self.x, self.W) + self.b
        loss = C.cross_entropy_with_softmax(z, self.y)
        err = C.classification_error(z, self.y)
        lr = C.learning_parameter_schedule(0.1)
        criterion = (loss, err) if metric else loss
        self.trainer = C.Trainer(z, criterion, [C.sgd(z.parameters, lr)], writers)

    def act(self, action, printer=None):
        kind = action[0]
        if kind == "train":
            x, y = self.train[action[1]]
            self.trainer.train_minibatch({self.x: x, self.y: y})
            t = self.trainer
            n = t.previous_minibatch_sample_count
            metric = t.previous_minibatch_evaluation_average * n if self.metric else 0.0
            return [int(n), float(np.float32(t.previous_minibatch_loss_average * n)), float(np.float32(metric))]
        elif kind == "test":
            x, y = self.test[action[1]]
            avg = self.trainer.test_minibatch({self.x: x, self.y: y})
            return [len(x), float(np.float32(avg * len(x)))]
        elif kind == "summary":
            self.trainer.summarize_training_progress()
        elif kind == "test_summary":
            self.trainer.summarize_test_progress()
        elif kind == "log":
            printer.log(action[1])
        elif kind == "write":
            printer.write(action[1], action[2])
        elif kind == "end":
            printer.end_progress_print(action[1])
        elif kind == "update_with_trainer":
            printer.update_with_trainer(self.trainer, with_metric=action[1])
        elif kind == "epoch_summary":
            printer.epoch_summary(with_metric=action[1])
        else:
            raise ValueError(kind)


def record_run():
    """The data of every run."""
    train, test, w, b = make_data()
    return OrderedDict([
        ("sizes", SIZES), ("test_sizes", TEST_SIZES), ("learning_rate", 0.1),
        ("W", arr_list(w)), ("b", arr_list(b)),
        ("train", [OrderedDict([("features", arr_list(x)), ("labels", arr_list(y))]) for x, y in train]),
        ("test", [OrderedDict([("features", arr_list(x)), ("labels", arr_list(y))]) for x, y in test])])


def read_events(path):
    """The scalar summaries of a TensorBoard event file (TFRecord framing, Event/Summary protos
    decoded by hand: CNTK's environment has no TensorBoard): {tag: [[step, value], ...]}."""
    out = OrderedDict()
    data = open(path, "rb").read()
    pos = 0
    while pos < len(data):
        n = struct.unpack("<Q", data[pos:pos + 8])[0]
        rec = data[pos + 12:pos + 12 + n]
        pos += 12 + n + 4
        fields = parse(rec)
        step = fields.get(2, [0])[0]
        for summary in fields.get(5, []):
            for value in parse(summary).get(1, []):
                v = parse(value)
                tag = v[1][0].decode()
                out.setdefault(tag, []).append([int(step), float(v[2][0])])
    return out


def parse(buf):
    """A protobuf message's fields {number: [values]} (varints, 64-bit, bytes, 32-bit floats)."""
    fields, i = {}, 0
    while i < len(buf):
        key, i = varint(buf, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            val, i = varint(buf, i)
        elif wt == 1:
            val = struct.unpack("<d", buf[i:i + 8])[0]
            i += 8
        elif wt == 2:
            ln, i = varint(buf, i)
            val = buf[i:i + ln]
            i += ln
        elif wt == 5:
            val = struct.unpack("<f", buf[i:i + 4])[0]
            i += 4
        else:
            raise ValueError("wire type %d" % wt)
        fields.setdefault(num, []).append(val)
    return fields


def varint(buf, i):
    shift = val = 0
    while True:
        b = buf[i] if isinstance(buf[i], int) else ord(buf[i])
        i += 1
        val |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return val, i


class ProgressFamily(Family):
    name = "logging/progress"

    def generate(self, root):
        import cntk as C
        out = self.directory(root)
        if os.path.isdir(out):
            shutil.rmtree(out)
        os.makedirs(out)
        printers = []
        with open(os.path.join(out, "run.json"), "w") as fh:
            json.dump(record_run(), fh, indent=1)
        here = os.getcwd()
        for cid, kwargs, metric, script in CASES:
            tmp = tempfile.mkdtemp()
            os.chdir(tmp)
            try:
                buf = io.StringIO()
                with contextlib.redirect_stdout(buf):
                    printer = C.logging.ProgressPrinter(**kwargs)
                    attached = not cid.startswith("deprecated")
                    run = Run(C, [printer] if attached else [], metric)
                    feed = [run.act(action, printer) for action in script]
                text = buf.getvalue()
                logfile = None
                if kwargs.get("log_to_file"):
                    name = kwargs["log_to_file"] + ("rank%d" % kwargs["rank"] if kwargs.get("rank") is not None else "")
                    logfile = TIME.sub("<TIME>", open(name).read())
            finally:
                os.chdir(here)
                shutil.rmtree(tmp)
            case = OrderedDict([("id", cid), ("printer", kwargs), ("metric", metric), ("script", script),
                                ("feed", feed), ("stdout", TIME.sub("<TIME>", text)), ("file", logfile)])
            printers.append(case)
        with open(os.path.join(out, "printers.json"), "w") as fh:
            json.dump(printers, fh, indent=1)
            fh.write("\n")
        tmp = tempfile.mkdtemp()
        try:
            writer = C.logging.TensorBoardProgressWriter(freq=2, log_dir=tmp)
            run = Run(C, [writer])
            for action in TEST_SCRIPT:
                run.act(action)
            writer.close()
            events = [f for f in os.listdir(tmp) if "tfevents" in f]
            scalars = read_events(os.path.join(tmp, events[0]))
        finally:
            shutil.rmtree(tmp)
        with open(os.path.join(out, "tensorboard.json"), "w") as fh:
            json.dump(OrderedDict([("freq", 2), ("script", TEST_SCRIPT), ("scalars", scalars)]), fh, indent=1)
            fh.write("\n")


register(ProgressFamily())
