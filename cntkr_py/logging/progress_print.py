"""Progress writers, as CNTK 2.7's ``cntk.logging.progress_print``: the ``ProgressWriter`` base
(CNTK's C++ ProgressWriter: when to write, what the windows hold), ``ProgressPrinter`` (CNTK's
text, character for character; plus a live progress bar in interactive sessions),
``TensorBoardProgressWriter`` (event files TensorBoard reads, with CNTK's tags) and
``log_number_of_parameters``.

The Trainer drives every writer through four calls (sums over the minibatch; ``metric_sum`` None
when the Trainer has no metric): ``_update_training(samples, loss_sum, metric_sum)`` after each
train_minibatch, ``_write_training_summary()`` from summarize_training_progress,
``_update_test(samples, metric_sum)`` after each test_minibatch and ``_write_test_summary()`` from
summarize_test_progress.

What CNTK 2.7 does, measured with the reference (tests/goldens/logging/progress):

* ``freq``: None writes no per-minibatch lines; 0 writes after minibatches 1, 3, 7, 15, ...
  (2^i - 1: CNTK's "geometric" schedule) in a table; n > 0 writes every n minibatches and after
  each of the first ``first`` ones. A window (the lines' "since last" numbers) runs from the last
  write; a summary closes the window and starts counting minibatches from 1 again.
* The loss and metric sums are accumulated from the last summary in float32 (CNTK's accumulators
  of a float32 model), in float64 once a sum is not a float32 value (a float64 model's);
  minibatches of 0 samples are skipped.
* Without a metric, CNTK still prints ``metric = 0.00% * n`` (its window holds 0).
* A summary is ``Finished Epoch[k( of N)]: [tag] loss = ... * n, metric = ...% * n 1.234s
  (  567.8 samples/s);``; with ``freq=0`` no training summary is printed (CNTK's rule).
* ``gen_heartbeat`` prints ``PROGRESS: 0.00%`` after a minibatch when 10 s passed since the last one
  (so after the first minibatch).

Not printed (CNTK prints them from C++): the build information that CNTK's ProgressPrinter writes to
stderr when it is made. CNTK's learners also write "Learning rate per minibatch: 0.1" through
``write`` when a rate is first used or changes; that is the learners' and the Trainer's to send.
"""
from __future__ import annotations

import sys
import time
import warnings

import numpy as np

from .._shapes import as_bool, as_int, describe

__all__ = ["ProgressWriter", "ProgressPrinter", "TensorBoardProgressWriter", "TrainingSummaryProgressCallback",
           "log_number_of_parameters"]

_NEVER = sys.maxsize  # CNTK's frequency for None


def _avg(numerator, denominator):
    """CNTK's: a (first, second) pair means second - first; 0.0 when nothing was counted."""
    if isinstance(numerator, tuple):
        numerator = numerator[1] - numerator[0]
    if isinstance(denominator, tuple):
        denominator = denominator[1] - denominator[0]
    return (numerator / denominator) if denominator > 0 else 0.0


def _deprecated(message):
    warnings.warn("DEPRECATED: " + message, DeprecationWarning, stacklevel=3)


def _add(total, value):
    """total + value in float32 while both are float32 values (CNTK's float32 accumulator), else in
    float64 (a float64 model's sums)."""
    value = float(value)
    if isinstance(total, np.float32) and float(np.float32(value)) == value:
        return np.float32(total + np.float32(value))
    return np.float64(total) + value


def _frequency(value, name):
    if value is None:
        return _NEVER
    return as_int(value, name, minimum=0)


class _Window:
    """One schedule of CNTK's C++ ProgressWriter (training, test or distributed sync): the sums
    since the last summary, the window since the last write, and when to write."""

    def __init__(self, frequency, first):
        self.frequency, self.first = frequency, first
        self.total_updates = 0
        self.total_summaries = 0
        self._reset()

    def _reset(self):
        # accumulated since the last summary, in float32 as CNTK's accumulators of a float32 model;
        # a sum that float32 cannot hold (a float64 model's) switches to float64 (_add)
        self.loss = self.metric = np.float32(0.0)
        self.loss_pair, self.metric_pair = (0.0, 0.0), (0.0, 0.0)
        self.samples, self.updates = (0, 0), (0, 0)
        self.reset_time = time.perf_counter()

    def _due(self, update):
        if self.frequency == 0:
            return ((update + 1) & update) == 0
        return update % self.frequency == 0 or update <= self.first

    def update(self, samples, loss_sum, metric_sum, write):
        if samples == 0:
            return
        if loss_sum is not None:
            self.loss = _add(self.loss, loss_sum)
        if metric_sum is not None:
            self.metric = _add(self.metric, metric_sum)
        self.samples = (self.samples[0], self.samples[1] + samples)
        self.updates = (self.updates[0], self.updates[1] + 1)
        self.total_updates += 1
        if self._due(self.updates[1]):
            if loss_sum is not None:
                self.loss_pair = (self.loss_pair[0], float(self.loss))
            if metric_sum is not None:
                self.metric_pair = (self.metric_pair[0], float(self.metric))
            write(self.samples, self.updates, self.loss_pair, self.metric_pair)
            self.loss_pair = (self.loss_pair[1], self.loss_pair[1])
            self.metric_pair = (self.metric_pair[1], self.metric_pair[1])
            self.samples = (self.samples[1], self.samples[1])
            self.updates = (self.updates[1], self.updates[1])

    def summary(self, with_loss, with_metric, write):
        loss = float(self.loss) if with_loss and self.samples[1] > 0 else self.loss_pair[1]
        metric = float(self.metric) if with_metric and self.samples[1] > 0 else self.metric_pair[1]
        self.total_summaries += 1
        elapsed_ms = int((time.perf_counter() - self.reset_time) * 1000)
        write(self.samples[1], self.updates[1], self.total_summaries, loss, metric, elapsed_ms)
        self._reset()


class ProgressWriter:
    """The base of every progress writer (CNTK's ``cntk_py.ProgressWriter``): subclasses override
    the ``on_write_*`` methods (and ``write``); the Trainer calls the ``_update_*`` / ``_write_*``
    methods (module docstring). Frequencies: None never, 0 geometric, n every n updates (and the
    first `first` ones)."""

    def __init__(self, training_update_write_frequency=None, training_first_updates_to_write=0,
                 test_update_write_frequency=None, test_first_updates_to_write=0,
                 distributed_sync_update_write_frequency=None, distributed_sync_first_updates_to_write=0):
        self._training = _Window(_frequency(training_update_write_frequency, "freq"),
                                 as_int(training_first_updates_to_write, "first", minimum=0))
        self._test = _Window(_frequency(test_update_write_frequency, "test_freq"),
                             as_int(test_first_updates_to_write, "test_first", minimum=0))
        self._sync = _Window(_frequency(distributed_sync_update_write_frequency, "distributed_freq"),
                             as_int(distributed_sync_first_updates_to_write, "distributed_first", minimum=0))
        self._has_metric = False

    # ---- what the Trainer calls -------------------------------------------------------------
    def _update_training(self, samples, loss_sum, metric_sum=None):
        self._has_metric = self._has_metric or metric_sum is not None
        self._training.update(int(samples), loss_sum, metric_sum, self.on_write_training_update)
        self.on_training_update_end()

    def _update_test(self, samples, metric_sum):
        self._test.update(int(samples), None, metric_sum,
                          lambda s, u, loss, m: self.on_write_test_update(s, u, m))

    def _write_training_summary(self):
        self._training.summary(True, self._has_metric, self.on_write_training_summary)

    def _write_test_summary(self):
        self._test.summary(False, True, lambda s, u, k, loss, m, ms: self.on_write_test_summary(s, u, k, m, ms))

    # ---- CNTK's public API --------------------------------------------------------------------
    def total_training_updates(self) -> int:
        """Training minibatches counted so far (with samples)."""
        return self._training.total_updates

    def total_test_updates(self) -> int:
        return self._test.total_updates

    def write(self, key, value):
        """A key and value to record (learners report their rates here)."""

    def on_write_training_update(self, samples, updates, aggregate_loss, aggregate_metric):
        """Called when a training window is due: (first, last) pairs of samples, updates, the loss
        sum and the metric sum."""

    def on_training_update_end(self):
        """Called after every training minibatch."""

    def on_write_test_update(self, samples, updates, aggregate_metric):
        """Called when a test window is due."""

    def on_write_training_summary(self, samples, updates, summaries, aggregate_loss, aggregate_metric,
                                  elapsed_milliseconds):
        """Called by summarize_training_progress with the totals since the last summary."""

    def on_write_test_summary(self, samples, updates, summaries, aggregate_metric, elapsed_milliseconds):
        """Called by summarize_test_progress."""

    def on_write_distributed_sync_update(self, samples, updates, aggregate_metric):
        """Distributed training is not supported; never called."""


class _Bar:
    """The live progress bar of an interactive session (tqdm on stdout): samples seen in the
    epoch (the previous epoch's count as the total once one is known), the running averages."""

    def __init__(self, tag):
        self.tag, self.bar, self.total = tag, None, None
        self.epoch = 1

    def update(self, samples, loss, metric, has_metric, pct):
        from tqdm import tqdm
        if self.bar is None:
            self.bar = tqdm(total=self.total, unit=" samples", file=sys.stdout, leave=False, dynamic_ncols=True,
                            desc=f"{self.tag}Epoch {self.epoch}", mininterval=0.2)
        self.bar.update(samples)
        post = {"loss": f"{loss:.4f}"}
        if has_metric:
            post["metric"] = f"{metric * 100:.2f}%" if pct else f"{metric:.4f}"
        self.bar.set_postfix(post, refresh=False)

    def write(self, line):
        if self.bar is not None:
            self.bar.clear()
        print(line)
        if self.bar is not None:
            self.bar.refresh()

    def end_epoch(self, samples):
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        if samples:
            self.total = samples
        self.epoch += 1

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class ProgressPrinter(ProgressWriter):
    """Prints training and evaluation progress as CNTK 2.7 prints it (see the module docstring).

    freq: None (summaries only), 0 (after minibatches 1, 3, 7, ...: a table) or n (every n
    minibatches); first: also after each of the first `first` minibatches; tag: shown in summaries
    as "[tag] "; log_to_file: a file that receives the text (with `rank`: file name + "rank" + rank);
    gen_heartbeat: "PROGRESS: 0.00%" at most every 10 s; num_epochs: shown as "Epoch[k of N]";
    test_freq/test_first: the same for test minibatches; metric_is_pct: the metric as a percentage;
    distributed_freq/distributed_first: accepted (distributed training is not supported).
    progress_bar: a live bar on stdout (tqdm) while training (None: when stdout is a terminal; the
    R package passes R's interactive()); the text is CNTK's either way.
    """

    def __init__(self, freq=None, first=0, tag="", log_to_file=None, rank=None, gen_heartbeat=False,
                 num_epochs=None, test_freq=None, test_first=0, metric_is_pct=True, distributed_freq=None,
                 distributed_first=0, progress_bar=None):
        super().__init__(freq, first, test_freq, test_first, distributed_freq, distributed_first)
        if not isinstance(tag, str):
            raise TypeError(f"tag must be a string, got {describe(tag)}")
        if log_to_file is not None and not isinstance(log_to_file, str):
            raise TypeError(f"log_to_file must be a file name or None, got {describe(log_to_file)}")
        self.freq = self._training.frequency
        self.first = self._training.first
        self.test_freq = self._test.frequency
        self.tag = f"[{tag}] " if tag else ""
        self.log_to_file = log_to_file
        self.gen_heartbeat = as_bool(gen_heartbeat, "gen_heartbeat")
        self.num_epochs = None if num_epochs is None else as_int(num_epochs, "num_epochs", minimum=0)
        self.metric_is_pct = as_bool(metric_is_pct, "metric_is_pct")
        self.metric_multiplier = 100.0 if self.metric_is_pct else 1.0
        self.progress_timer_time = 0.0
        if progress_bar is None:
            progress_bar = bool(getattr(sys.stdout, "isatty", lambda: False)())
        self._bar = _Bar(self.tag) if as_bool(progress_bar, "progress_bar") else None
        # the accumulators of CNTK's deprecated update()/epoch_summary() API
        self.loss_since_start = self.metric_since_start = self.samples_since_start = 0
        self.updates_since_start = self.total_updates = self.epochs = 0
        self.loss_since_last = self.metric_since_last = self.samples_since_last = 0
        self.epoch_start_time = time.time()
        self.logfilename = None
        if log_to_file is not None:
            self.logfilename = log_to_file
            if rank is not None:
                self.logfilename += "rank" + str(as_int(rank, "rank", minimum=0))
            print("Redirecting log to file " + self.logfilename)
            with open(self.logfilename, "w") as fh:
                fh.write(self.logfilename + "\n")
            epochs = str(num_epochs if num_epochs is not None else 300)
            self._logprint("CNTKCommandTrainInfo: train : " + epochs)
            self._logprint("CNTKCommandTrainInfo: CNTKNoMoreCommands_Total : " + epochs)
            self._logprint("CNTKCommandTrainBegin: train")
        if self.freq == 0:
            self._logprint(" average      since    average      since      examples")
            self._logprint("    loss       last     metric       last              ")
            self._logprint(" ------------------------------------------------------")

    # ---- CNTK's public methods ----------------------------------------------------------------
    def end_progress_print(self, msg=""):
        """Prints the end of training ("CNTKCommandTrainEnd: train"; `msg` too when logging to a file)."""
        if self._bar is not None:
            self._bar.close()
        self._logprint("CNTKCommandTrainEnd: train")
        if msg != "" and self.log_to_file is not None:
            self._logprint(msg)

    def log(self, message):
        """Prints `message` to the log."""
        self._logprint(message)

    def write(self, key, value):
        self._logprint(f"{key}: {value}")

    # ---- CNTK 2.7's deprecated API: the script feeds the printer itself -------------------------
    def update(self, loss, minibatch_size, metric=None):
        """DEPRECATED (as in CNTK 2.7): adds a minibatch's average `loss` (and `metric`) over
        `minibatch_size` samples and prints on the printer's schedule."""
        if self.total_updates == 0:
            _deprecated("The method was deprecated.")
        if minibatch_size == 0:
            return
        self.samples_since_start += minibatch_size
        self.samples_since_last += minibatch_size
        self.loss_since_start += loss * minibatch_size
        self.loss_since_last += loss * minibatch_size
        self.updates_since_start += 1
        self.total_updates += 1
        if metric is not None:
            self.metric_since_start += metric * minibatch_size
            self.metric_since_last += metric * minibatch_size
        self._heartbeat()
        n = self.updates_since_start
        if (self.freq == 0 and (n + 1) & n == 0) or (self.freq > 0 and (n % self.freq == 0 or n <= self.first)):
            samples = (self.samples_since_start - self.samples_since_last, self.samples_since_start)
            updates = None
            if self.freq > 0:
                first = n if n <= self.first else max(n - self.freq, self.first)
                updates = (first, n)
            loss_pair = (self.loss_since_start - self.loss_since_last, self.loss_since_start)
            metric_pair = None
            if metric is not None:
                metric_pair = (self.metric_since_start - self.metric_since_last, self.metric_since_start)
            self.on_write_training_update(samples, updates, loss_pair, metric_pair)
            self.reset_last()

    def update_with_trainer(self, trainer, with_metric=False):
        """DEPRECATED (as in CNTK 2.7): ``update`` with the trainer's last minibatch."""
        if self.total_updates == 0:
            _deprecated("Inefficient. Please pass an instance of ProgressPrinter to Trainer upon construction.")
        if trainer is not None and trainer.previous_minibatch_sample_count != 0:
            self.update(trainer.previous_minibatch_loss_average, trainer.previous_minibatch_sample_count,
                        trainer.previous_minibatch_evaluation_average if with_metric else None)

    def epoch_summary(self, with_metric=False):
        """DEPRECATED (as in CNTK 2.7): prints the summary of what ``update`` counted since the last
        one; returns (average loss, average metric, samples) on an arithmetic schedule."""
        _deprecated("The method was deprecated.")
        self.epochs += 1
        now = time.time()
        elapsed_ms = (now - self.epoch_start_time) * 1000
        self.epoch_start_time = now
        metric = self.metric_since_start if with_metric else None
        self.on_write_training_summary(self.samples_since_start, self.updates_since_start, self.epochs,
                                       self.loss_since_start, metric, elapsed_ms)
        if self.freq > 0:
            return self.reset_start()
        return None

    def avg_loss_since_start(self):
        """DEPRECATED: the average loss since the start of accumulation."""
        _deprecated("The method was deprecated.")
        return _avg(self.loss_since_start, self.samples_since_start)

    def avg_metric_since_start(self):
        """DEPRECATED: the average metric since the start of accumulation."""
        _deprecated("The method was deprecated.")
        return _avg(self.metric_since_start, self.samples_since_start)

    def avg_loss_since_last(self):
        """DEPRECATED: the average loss since the last print."""
        _deprecated("The method was deprecated.")
        return _avg(self.loss_since_last, self.samples_since_last)

    def avg_metric_since_last(self):
        """DEPRECATED: the average metric since the last print."""
        _deprecated("The method was deprecated.")
        return _avg(self.metric_since_last, self.samples_since_last)

    def reset_start(self):
        """DEPRECATED: resets the 'start' accumulators; returns (avg loss, avg metric, samples)."""
        _deprecated("The method was deprecated.")
        out = self.avg_loss_since_start(), self.avg_metric_since_start(), self.samples_since_start
        self.loss_since_start = self.metric_since_start = self.samples_since_start = 0
        self.updates_since_start = 0
        return out

    def reset_last(self):
        """DEPRECATED: resets the 'last' accumulators; returns (avg loss, avg metric, samples)."""
        if self.total_updates == 0:
            _deprecated("The method was deprecated.")
        out = self.avg_loss_since_last(), self.avg_metric_since_last(), self.samples_since_last
        self.loss_since_last = self.metric_since_last = self.samples_since_last = 0
        return out

    def _logprint(self, line):
        if self.log_to_file is None:
            if self._bar is not None:
                self._bar.write(line)
            else:
                print(line)
        else:
            with open(self.logfilename, "a") as fh:
                fh.write(line + "\n")

    def _heartbeat(self):
        if self.gen_heartbeat and time.time() - self.progress_timer_time > 10:
            print("PROGRESS: 0.00%")
            self.progress_timer_time = time.time()

    # ---- the writer's overrides -----------------------------------------------------------------
    def _update_training(self, samples, loss_sum, metric_sum=None):
        super()._update_training(samples, loss_sum, metric_sum)
        if self._bar is not None and samples:
            w = self._training
            self._bar.update(int(samples), _avg(float(w.loss), w.samples[1]), _avg(float(w.metric), w.samples[1]),
                             self._has_metric, self.metric_is_pct)

    def _write_training_summary(self):
        samples = self._training.samples[1]
        super()._write_training_summary()
        if self._bar is not None:
            self._bar.end_epoch(samples)

    def on_write_training_update(self, samples, updates, aggregate_loss, aggregate_metric):
        self._write_update(samples, updates, aggregate_loss, aggregate_metric, self.freq, "")

    def on_training_update_end(self):
        self._heartbeat()

    def on_write_test_update(self, samples, updates, aggregate_metric):
        self._write_update(samples, updates, None, aggregate_metric, self.test_freq, "Evaluation ")

    def on_write_distributed_sync_update(self, samples, updates, aggregate_metric):
        self._logprint(f"Distributed training: #Syncs elapsed = {updates[1] - updates[0]}, "
                       f"#Samples elapsed = {samples[1] - samples[0]}")

    def _write_update(self, samples, updates, aggregate_loss, aggregate_metric, frequency, name):
        parts = [" "]
        if frequency == 0:
            if aggregate_loss is not None:
                parts.append("{:8.3g}   {:8.3g}   ".format(_avg(aggregate_loss[1], samples[1]),
                                                         _avg(aggregate_loss, samples)))
            else:
                parts.append("{:8s}   {:8s}   ".format("", ""))
            if aggregate_metric is not None:
                parts.append("{:8.3g}   {:8.3g}   ".format(_avg(aggregate_metric[1], samples[1]),
                                                         _avg(aggregate_metric, samples)))
            else:
                parts.append("{:8s}   {:8s}   ".format("", ""))
            parts.append(" {:10d}".format(samples[1]))
        else:
            n = samples[1] - samples[0]
            parts.append("{}Minibatch[{:4d}-{:4d}]: ".format(name, updates[0] + 1, updates[1]))
            if aggregate_loss is not None:
                parts.append("loss = {:0.6f} * {:d}".format(_avg(aggregate_loss, samples), n))
            if aggregate_metric is not None:
                if aggregate_loss is not None:
                    parts.append(", ")
                value = _avg(aggregate_metric, samples) * self.metric_multiplier
                parts.append(("metric = {:0.2f}% * {:d}" if self.metric_is_pct else "metric = {:0.6f} * {:d}")
                             .format(value, n))
            parts.append(";")
        self._logprint("".join(parts))

    def on_write_training_summary(self, samples, updates, summaries, aggregate_loss, aggregate_metric,
                                  elapsed_milliseconds):
        if self.freq == 0:  # CNTK: summaries only on an arithmetic schedule
            return
        seconds = elapsed_milliseconds / 1000
        speed = _avg(samples, seconds)
        of_epochs = f" of {self.num_epochs}" if self.num_epochs is not None else ""
        head = "Finished Epoch[{}{}]: {}loss = {:0.6f} * {}".format(summaries, of_epochs, self.tag,
                                                                   _avg(aggregate_loss, samples), samples)
        if aggregate_metric is not None:  # None only from the deprecated epoch_summary()
            metric = _avg(aggregate_metric, samples) * self.metric_multiplier
            head += (", metric = {:0.2f}% * {}" if self.metric_is_pct else
                     ", metric = {:0.6f} * {}").format(metric, samples)
        self._logprint(head + " {:0.3f}s ({:5.1f} samples/s);".format(seconds, speed))

    def on_write_test_summary(self, samples, updates, summaries, aggregate_metric, elapsed_milliseconds):
        fmt = ("Finished Evaluation [{}]: Minibatch[1-{}]: metric = {:0.2f}% * {};" if self.metric_is_pct else
               "Finished Evaluation [{}]: Minibatch[1-{}]: metric = {:0.6f} * {};")
        self._logprint(fmt.format(summaries, updates, _avg(aggregate_metric, samples) * self.metric_multiplier,
                                  samples))


class TensorBoardProgressWriter(ProgressWriter):
    """Writes training progress to a TensorBoard event file in `log_dir` with CNTK 2.7's tags:
    "minibatch/avg_loss" and "minibatch/avg_metric" every `freq` minibatches (step: the minibatch
    count), "summary/avg_loss" and "summary/avg_metric" at each training summary (step: the
    summary's number), "minibatch/test_avg_metric" at each test summary (step: the minibatch count;
    "summary/test_avg_metric" with the summary's number before any training). `freq` None: only
    summaries. `rank`: only rank None or 0 writes. `model`: its graph is not written (cntkr has no
    TensorBoard graph export)."""

    def __init__(self, freq=None, log_dir=".", rank=None, model=None):
        if freq is not None:
            freq = as_int(freq, "freq", minimum=1)
        super().__init__(freq, 0, None, 0, None, 0)
        if not isinstance(log_dir, str):
            raise TypeError(f"log_dir must be a directory name, got {describe(log_dir)}")
        self.closed = False
        self.writer = None
        if not rank:
            from torch.utils.tensorboard import SummaryWriter
            self.writer = SummaryWriter(log_dir=log_dir)

    def write_value(self, name, value, step):
        """Records the scalar `value` of `name` at `step`."""
        if self.closed:
            raise RuntimeError("Attempting to use a closed TensorBoardProgressWriter")
        if self.writer is not None:
            self.writer.add_scalar(str(name), float(value), int(step))

    def flush(self):
        """Writes outstanding records to the file."""
        if self.closed:
            raise RuntimeError("Attempting to use a closed TensorBoardProgressWriter")
        if self.writer is not None:
            self.writer.flush()

    def close(self):
        """Flushes and closes the file; the writer cannot be used afterwards."""
        if self.closed:
            raise RuntimeError("Attempting to use a closed TensorBoardProgressWriter")
        if self.writer is not None:
            self.writer.close()
            self.closed = True

    def on_write_training_update(self, samples, updates, aggregate_loss, aggregate_metric):
        step = self.total_training_updates()
        self.write_value("minibatch/avg_loss", _avg(aggregate_loss, samples), step)
        self.write_value("minibatch/avg_metric", _avg(aggregate_metric, samples), step)

    def on_write_test_update(self, samples, updates, aggregate_metric):
        raise NotImplementedError("TensorBoardProgressWriter does not support recording per-minibatch "
                                  "cross-validation results")

    def on_write_training_summary(self, samples, updates, summaries, aggregate_loss, aggregate_metric,
                                  elapsed_milliseconds):
        self.write_value("summary/avg_loss", _avg(aggregate_loss, samples), summaries)
        self.write_value("summary/avg_metric", _avg(aggregate_metric, samples), summaries)

    def on_write_test_summary(self, samples, updates, summaries, aggregate_metric, elapsed_milliseconds):
        avg = _avg(aggregate_metric, samples)
        if self.total_training_updates() != 0:
            self.write_value("minibatch/test_avg_metric", avg, self.total_training_updates())
        else:
            self.write_value("summary/test_avg_metric", avg, summaries)


class TrainingSummaryProgressCallback(ProgressWriter):
    """Calls ``callback(epoch_index, epoch_loss, epoch_metric, epoch_samples)`` (CNTK's arguments:
    the 0-based summary index and the loss and metric *sums*) at each training summary."""

    def __init__(self, epoch_size, callback):
        super().__init__(None, 0, as_int(epoch_size, "epoch_size", minimum=0), 0, None, 0)
        if not callable(callback):
            raise TypeError(f"callback must be a function, got {describe(callback)}")
        self._epoch_size = epoch_size
        self._callback = callback

    def on_write_training_summary(self, samples, updates, summaries, aggregate_loss, aggregate_metric,
                                  elapsed_milliseconds):
        self._callback(summaries - 1, aggregate_loss, aggregate_metric, samples)


def log_number_of_parameters(model, trace_level=0):
    """Prints "Training N parameters in K parameter tensors." (with trace_level > 0, a blank line
    and each parameter's shape), as CNTK 2.7."""
    trace_level = as_int(trace_level, "trace_level", minimum=0)
    parameters = model.parameters
    if any(any(d < 0 for d in p.shape) for p in parameters):
        total = "so far unspecified number of"
    else:
        total = sum(int(np.prod(p.shape, dtype=np.int64)) for p in parameters)
    print(f"Training {total} parameters in {len(parameters)} parameter tensors.")
    if trace_level > 0:
        print()
        for p in parameters:
            print(f"\t{tuple(p.shape)}")
