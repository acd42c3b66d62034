"""Training sessions, as CNTK 2.7's ``cntk.train.training_session``: a loop that feeds a
:class:`~cntkr_py.train.trainer.Trainer` from a minibatch source, with progress summaries,
checkpoints, cross validation and a final test, each at its own frequency.

What CNTK 2.7's TrainingSession does (measured with the reference, and as its source reads):

* Each step takes ``mb_size[samples seen]`` samples (clipped to what ``max_samples`` leaves),
  trains on them, then runs the *actions* -- checkpoint, progress summary, cross validation, in
  this order -- whose index ``units seen // frequency`` changed (units: samples, minibatches or
  sweeps, ``DataUnit``). An action called with index i saves checkpoint ``filename`` (or
  ``filename + str(i)`` with ``preserve_all``), calls ``summarize_training_progress()``, or runs a
  cross validation.
* Training ends when the source is exhausted (``next_minibatch`` returns nothing), when the
  learners stop, when ``max_samples`` are seen, or when a cross-validation callback returns False.
  Then every action whose frequency does not divide the units seen and that did not run at the
  last sample count runs once more (a frequency of None is "at the end only"); with ``preserve_all`` the plain
  ``filename`` checkpoint is written too; then the test config runs.
* A cross validation reads its source until it is exhausted (or its ``max_samples``) with
  ``test_minibatch``, puts the source back where it was, summarizes the test progress and calls
  ``callback(index, average_error, num_samples, num_minibatches)`` (``(index, 0, 0, 0)`` without a
  source). The test reads its source until it is exhausted and summarizes the test progress.
* With a checkpoint config whose ``restore`` is True and whose file exists, training starts from
  it (the trainer, the learners and the training source's position).
* ``mb_source`` (or a config's ``minibatch_source``) may be a tuple of arrays, one per argument
  of the loss (the criterion's), in order: training repeats it forever, cross validation and test
  read it once.
"""
from __future__ import annotations

import enum
import os
import sys

from .._shapes import as_bool, as_int, describe

__all__ = ["DataUnit", "CheckpointConfig", "CrossValidationConfig", "TestConfig", "TrainingSession",
           "minibatch_size_schedule", "training_session"]

_SOURCE_KEY = "TrainingMinibatchSource"
_FOREVER = sys.maxsize


class DataUnit(enum.IntEnum):
    """What a frequency counts: samples, minibatches or sweeps (CNTK 2.7's values)."""
    sample = 1
    minibatch = 2
    sweep = 0


def _frequency(frequency, name):
    """(frequency, DataUnit) from None, an int (samples) or a (count, DataUnit) pair."""
    if frequency is None:
        return None, DataUnit.sample
    if isinstance(frequency, (tuple, list)) and len(frequency) == 2 and \
            isinstance(frequency[1], DataUnit):
        return as_int(frequency[0], name, minimum=0), frequency[1]
    if isinstance(frequency, (tuple, list)):
        raise ValueError(f"{name} must be a number of samples or a (count, DataUnit) pair, got "
                         f"{describe(frequency)}")
    return as_int(frequency, name, minimum=0), DataUnit.sample


class MinibatchSizeSchedule:
    """A minibatch size for each count of samples seen (``schedule[samples]``)."""

    def __init__(self, entries, epoch_size):
        self._entries = entries  # [(end, size)], the last size thereafter
        self.epoch_size = epoch_size

    def __getitem__(self, count):
        count = as_int(count, "count", minimum=0)
        for end, size in self._entries:
            if count < end:
                return size
        return self._entries[-1][1]

    def __repr__(self):
        return f"minibatch_size_schedule({self._entries!r}, epoch_size={self.epoch_size})"


def minibatch_size_schedule(schedule, epoch_size=1):
    """A minibatch size schedule: one size throughout, or a list whose i-th size (or
    ``(count, size)`` pair) holds for ``epoch_size`` (times count) samples, the last thereafter."""
    if isinstance(schedule, bool) or isinstance(schedule, float) and schedule != int(schedule):
        raise ValueError(f"schedule must be either an integer or a list, got {describe(schedule)}")
    if isinstance(schedule, (int, float)):
        if as_int(epoch_size, "epoch_size", minimum=1) != 1:
            raise ValueError("when providing the schedule as a number, epoch_size is ignored")
        return MinibatchSizeSchedule([(0, as_int(schedule, "schedule", minimum=1))], 1)
    if not isinstance(schedule, (list, tuple)) or not schedule:
        raise ValueError(f"schedule must be either an integer or a non-empty list, got "
                         f"{describe(schedule)}")
    epoch_size = as_int(epoch_size, "epoch_size", minimum=1)
    entries, end = [], 0
    for i, entry in enumerate(schedule):
        if isinstance(entry, (list, tuple)) and len(entry) == 2:
            count, size = as_int(entry[0], f"schedule[{i}] count", minimum=1), entry[1]
        else:
            count, size = 1, entry
        end += count * epoch_size
        entries.append((end, as_int(size, f"schedule[{i}]", minimum=1)))
    return MinibatchSizeSchedule(entries, epoch_size)


def _as_schedule(mb_size, name):
    if isinstance(mb_size, MinibatchSizeSchedule):
        return mb_size
    if isinstance(mb_size, bool) or not isinstance(mb_size, (int, float)):
        raise ValueError(f"{name} of type ({type(mb_size).__name__}) not supported. it must be an "
                         "int or the result of the minibatch_size_schedule() function")
    return minibatch_size_schedule(as_int(mb_size, name, minimum=1))


def _sanitize_source(source, inputs_to_streams, criterion, infinitely_repeat, name):
    """(source, {input: stream}); a tuple of arrays becomes a MinibatchSourceFromData over the
    criterion's arguments, in order."""
    from ..io import MinibatchSourceFromData
    if source is None or hasattr(source, "next_minibatch"):
        return source, inputs_to_streams
    args = tuple(source) if isinstance(source, (tuple, list)) else (source,)
    if criterion is None:
        raise ValueError(f"{name}: when passing data directly in place of a minibatch source, "
                         "criterion must be given")
    params = criterion.arguments
    if len(params) != len(args):
        raise ValueError(f"{name}: to pass data directly in place of a minibatch source, pass a "
                         f"tuple of {len(params)} arrays, in the order of the arguments of the "
                         f"criterion function. You passed {len(args)} value(s)")
    if inputs_to_streams is not None:
        raise ValueError(f"{name}: mapping must not be provided when data is passed directly")
    names = [p.name or f"stream_{i}" for i, p in enumerate(params)]
    if len(set(names)) != len(names):
        names = [f"stream_{i}" for i in range(len(params))]
    kw = {} if infinitely_repeat else {"max_samples": len(args[0])}
    src = MinibatchSourceFromData(dict(zip(names, args)), **kw)
    return src, {p: src.streams[n] for p, n in zip(params, names)}


class CheckpointConfig:
    """Checkpoints of a training session: to `filename` every `frequency` samples (or a
    ``(count, DataUnit)`` pair; None: once, at the end); `restore`: start from the file when it
    exists; `preserve_all`: keep every checkpoint as ``filename + index``."""

    def __init__(self, filename, frequency=None, restore=True, preserve_all=False):
        frequency, unit = _frequency(frequency, "frequency")
        if filename is None:
            if frequency:
                raise ValueError("Checkpoint frequency cannot be specified without "
                                 "checkpoint_filename")
            frequency, filename = 0, ""
        elif isinstance(filename, os.PathLike):
            filename = os.fspath(filename)
        if not isinstance(filename, str):
            raise TypeError(f"filename must be a string, got {describe(filename)}")
        self.filename = filename
        self.frequency = _FOREVER if frequency is None else frequency
        self.frequency_unit = unit
        self.restore = as_bool(restore, "restore")
        self.preserve_all = as_bool(preserve_all, "preserve_all")


def _old_names(minibatch_source, minibatch_size, source, mb_size):
    """CNTK 2.7's deprecated ``source`` and ``mb_size`` (CrossValidationConfig, TestConfig): they
    replace ``minibatch_source`` and ``minibatch_size`` with CNTK's DeprecationWarning."""
    import warnings
    if source is not None:
        warnings.warn('DEPRECATED: "source" parameter is deprecated, please use '
                      '"minibatch_source" instead', DeprecationWarning, stacklevel=3)
        minibatch_source = source
    if mb_size is not None:
        warnings.warn('DEPRECATED: "mb_size" parameter is deprecated, please use '
                      '"minibatch_size" instead', DeprecationWarning, stacklevel=3)
        minibatch_size = mb_size
    return minibatch_source, minibatch_size


class CrossValidationConfig:
    """Cross validation in a training session: `minibatch_source` (or a tuple of arrays with
    `criterion`) read with ``test_minibatch`` every `frequency` samples (or a ``(count,
    DataUnit)`` pair; None: once, at the end) in minibatches of `minibatch_size`, at most
    `max_samples`; `callback(index, average_error, num_samples, num_minibatches)` returning False
    stops training."""

    def __init__(self, minibatch_source=None, frequency=None, minibatch_size=32, callback=None,
                 max_samples=None, model_inputs_to_streams=None, criterion=None, source=None,
                 mb_size=None):
        minibatch_source, minibatch_size = _old_names(minibatch_source, minibatch_size, source,
                                                      mb_size)
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be a function, got {describe(callback)}")
        self.callback = callback
        frequency, unit = _frequency(frequency, "frequency")
        if minibatch_source is None and callback is None:
            if frequency:
                raise ValueError("Either minibatch_source of callback should be specified.")
            frequency = 0
        self.frequency = _FOREVER if frequency is None else frequency
        self.frequency_unit = unit
        self.minibatch_size = _as_schedule(1 if minibatch_size is None else minibatch_size,
                                           "minibatch_size")
        self.max_samples = _FOREVER if max_samples is None else \
            as_int(max_samples, "max_samples", minimum=0)
        self.source, self.model_inputs_to_streams = _sanitize_source(
            minibatch_source, model_inputs_to_streams, criterion, False, "minibatch_source")


class TestConfig:
    """The final test of a training session: `minibatch_source` (or a tuple of arrays with
    `criterion`) read to its end with ``test_minibatch`` in minibatches of `minibatch_size`."""

    __test__ = False  # not a pytest class

    def __init__(self, minibatch_source=None, minibatch_size=32, model_inputs_to_streams=None,
                 criterion=None, source=None, mb_size=None):
        minibatch_source, minibatch_size = _old_names(minibatch_source, minibatch_size, source,
                                                      mb_size)
        self.minibatch_size = _as_schedule(minibatch_size, "minibatch_size")
        self.source, self.model_inputs_to_streams = _sanitize_source(
            minibatch_source, model_inputs_to_streams, criterion, False, "minibatch_source")


class _Action:
    __slots__ = ("frequency", "unit", "run", "index", "last_samples")

    def __init__(self, frequency, unit, run):
        self.frequency, self.unit, self.run = frequency, unit, run
        self.index, self.last_samples = 0, 0


class TrainingSession:
    """A training session (made by :func:`training_session`); ``train()`` runs it."""

    def __init__(self, trainer, mb_source, mb_size, model_inputs_to_streams, max_samples,
                 progress_frequency, checkpoint_config, cv_config, test_config):
        from .trainer import Trainer
        if trainer is None:
            raise ValueError("Trainer must not be None.")
        if not isinstance(trainer, Trainer):
            raise TypeError(f"trainer must be a Trainer, got {describe(trainer)}")
        if mb_source is None:
            raise ValueError("Training minibatch source must not be None.")
        progress_frequency, progress_unit = _frequency(progress_frequency, "progress_frequency")
        mb_source, model_inputs_to_streams = _sanitize_source(
            mb_source, model_inputs_to_streams, trainer.loss_function, True, "mb_source")
        if not model_inputs_to_streams:
            raise ValueError("Mapping between input vars and streams should not be empty.")
        if not isinstance(model_inputs_to_streams, dict):
            raise TypeError("model_inputs_to_streams must be a dict {input variable: stream}, got "
                            f"{describe(model_inputs_to_streams)}")
        self.trainer = trainer
        self.mb_source = mb_source
        self.mb_size = _as_schedule(mb_size, "mb_size")
        self.model_inputs_to_streams = dict(model_inputs_to_streams)
        self.max_samples = _FOREVER if max_samples is None else \
            as_int(max_samples, "max_samples", minimum=0)
        self.progress_frequency = _FOREVER if progress_frequency is None else progress_frequency
        self.checkpoint_config = checkpoint_config or CheckpointConfig(None)
        self.cv_config = cv_config or CrossValidationConfig(None)
        self.test_config = test_config or TestConfig(None)
        for name, cfg, cls in (("checkpoint_config", self.checkpoint_config, CheckpointConfig),
                               ("cv_config", self.cv_config, CrossValidationConfig),
                               ("test_config", self.test_config, TestConfig)):
            if not isinstance(cfg, cls):
                raise TypeError(f"{name} must be a {cls.__name__}, got {describe(cfg)}")
        self.cv_callback = self.cv_config.callback
        ck, cv = self.checkpoint_config, self.cv_config
        self._actions = []  # CNTK's order: checkpoint, progress, cross validation
        if ck.frequency:
            self._actions.append(_Action(ck.frequency, ck.frequency_unit, self._save_checkpoint))
        if self.progress_frequency:
            self._actions.append(_Action(self.progress_frequency, progress_unit,
                                         self._report_progress))
        if cv.frequency:
            self._actions.append(_Action(cv.frequency, cv.frequency_unit, self._cross_validate))

    # ---- the loop ------------------------------------------------------------------------
    def _units(self, unit):
        t = self.trainer
        if unit == DataUnit.minibatch:
            return t._minibatches
        if unit == DataUnit.sweep:
            return t._sweeps
        return t.total_number_of_samples_seen

    def train(self, device=None):
        """Runs the session (see the module docstring)."""
        t = self.trainer
        ck = self.checkpoint_config
        restored = 0
        if ck.filename and ck.restore and os.path.exists(ck.filename):
            state = t.restore_from_checkpoint(ck.filename)
            if isinstance(state, dict) and _SOURCE_KEY in state and \
                    hasattr(self.mb_source, "restore_from_checkpoint"):
                self.mb_source.restore_from_checkpoint(state[_SOURCE_KEY])
            restored = t.total_number_of_samples_seen
            for a in self._actions:
                a.index = self._units(a.unit) // a.frequency
                a.last_samples = restored
        should_train = self.max_samples > 0
        early_exit = False
        while should_train:
            seen = t.total_number_of_samples_seen
            left = 0 if early_exit or self.max_samples <= seen else self.max_samples - seen
            mb = self._next(self.mb_source, self.model_inputs_to_streams,
                            min(left, self.mb_size[seen]), device)
            should_train = t.train_minibatch(mb, device=device)
            samples = t.total_number_of_samples_seen
            for a in self._actions:
                index = self._units(a.unit) // a.frequency
                if index != a.index:
                    early_exit |= a.run(a.index, device) is False
                    a.index = index
                    a.last_samples = samples
        samples = t.total_number_of_samples_seen
        if restored != samples:  # the actions on the last, partial, stretch
            for a in self._actions:
                if self._units(a.unit) % a.frequency != 0 and samples != a.last_samples:
                    a.run(a.index, device)
        if ck.frequency and ck.preserve_all and not os.path.exists(ck.filename):
            self._write_checkpoint(ck.filename)
        self._test(device)

    @staticmethod
    def _next(source, inputs_to_streams, n, device):
        if n <= 0:
            return {}
        return source.next_minibatch(n, input_map=inputs_to_streams, device=device)

    # ---- the actions ---------------------------------------------------------------------
    def _write_checkpoint(self, filename):
        state = {}
        if hasattr(self.mb_source, "get_checkpoint_state"):
            state[_SOURCE_KEY] = self.mb_source.get_checkpoint_state()
        self.trainer.save_checkpoint(filename, state)

    def _save_checkpoint(self, index, device):
        ck = self.checkpoint_config
        self._write_checkpoint(ck.filename + (str(index) if ck.preserve_all else ""))
        return True

    def _report_progress(self, index, device):
        self.trainer.summarize_training_progress()
        return True

    def _cross_validate(self, index, device):
        cv = self.cv_config
        if cv.source is None:
            return self.on_cross_validation_end(index, 0, 0, 0)
        streams = cv.model_inputs_to_streams or self.model_inputs_to_streams
        position = cv.source.get_checkpoint_state() \
            if hasattr(cv.source, "get_checkpoint_state") else None
        total_error, samples, minibatches = 0.0, 0, 0
        while True:
            left = max(cv.max_samples - samples, 0)
            mb = self._next(cv.source, streams, min(left, cv.minibatch_size[samples]), device)
            if not mb:
                break
            error_sum, n = self.trainer._test(mb, device)
            total_error += error_sum
            samples += n
            minibatches += 1
        if position is not None:
            cv.source.restore_from_checkpoint(position)
        self.trainer.summarize_test_progress()
        average = total_error / samples if samples else float("nan")
        return self.on_cross_validation_end(index, average, samples, minibatches)

    def on_cross_validation_end(self, index, average_error, num_samples, num_minibatches):
        """Called after each cross validation: the callback's answer (True when there is none);
        False stops training."""
        if self.cv_callback is not None:
            return self.cv_callback(index, average_error, num_samples, num_minibatches)
        return True

    def _test(self, device):
        tc = self.test_config
        if tc.source is None:
            return
        streams = tc.model_inputs_to_streams or self.model_inputs_to_streams
        samples = 0
        while True:
            mb = self._next(tc.source, streams, tc.minibatch_size[samples], device)
            if not mb:
                break
            samples += self.trainer._test(mb, device)[1]
        self.trainer.summarize_test_progress()


def training_session(trainer, mb_source, mb_size, model_inputs_to_streams, progress_frequency=None,
                     max_samples=None, checkpoint_config=None, cv_config=None, test_config=None):
    """A :class:`TrainingSession`: `trainer` trained on `mb_source` (a minibatch source, or a
    tuple of arrays in the order of the loss's arguments) in minibatches of `mb_size` (an int or
    a ``minibatch_size_schedule``), inputs fed from the streams of `model_inputs_to_streams`
    ({input variable: stream}), at most `max_samples` samples; the training progress summarized
    every `progress_frequency` samples (or a ``(count, DataUnit)`` pair; None: at the end);
    checkpoints, cross validation and the final test as the configs say."""
    return TrainingSession(trainer, mb_source, mb_size, model_inputs_to_streams, max_samples,
                           progress_frequency, checkpoint_config, cv_config, test_config)
