"""Learners and their schedules, as in CNTK 2.7's ``cntk.learners``: ``sgd``, ``momentum_sgd``,
``nesterov``, ``adagrad``, ``adadelta``, ``rmsprop``, ``adam``, ``fsadagrad``, ``universal``, and
the schedules ``learning_parameter_schedule`` (``_per_sample``), ``momentum_schedule``
(``_per_sample``), ``momentum_as_time_constant_schedule``, ``learning_rate_schedule`` and
``training_parameter_schedule`` with ``UnitType``.

CNTK 2.7's update rules, measured with CNTK 2.7 (goldens ``tests/goldens/learners``) and read in
its source (``Source/CNTKv2LibraryDll/Learner.cpp``, ``Source/Math/CPUMatrix*``):

* A learner gets the gradients **summed** over the minibatch and the minibatch's sample count
  ``mb``. A schedule is read at the learner's count *before* the minibatch: samples seen, or
  sweeps seen for a list schedule without ``epoch_size`` (CNTK's full-data-sweep unit).
* Rates: a schedule built without a reference minibatch size (``learning_parameter_schedule(lr)``,
  ``UnitType.minibatch``, ``use_mean_gradient=True``) is CNTK's "compatible mode": the gradient is
  divided by ``mb`` (the mean gradient) and ``lr`` applies to it; with a reference size ``n``
  (``minibatch_size=n``; per sample: 1) the summed gradient gets ``lr / n``.
* Momentum ``m`` read from its schedule is used as given when the schedule has no reference
  size, else as ``m ** (mb / n)`` (``momentum_as_time_constant_schedule(T)`` is ``exp(-1/T)``
  per sample, so ``exp(-mb/T)``). Unit gain (the default) scales the new gradient by ``1 - m``.
  momentum_sgd: ``v = m v + (1 - m) lr g; w -= v`` (the rate lives in ``v``). nesterov:
  ``v = m v + (1 - m) lr g; w -= m v + (1 - m) lr g``.
* Before the rule: clipping (``threshold * mb`` on the summed gradient; truncation elementwise,
  else the whole parameter's gradient scaled to that Frobenius norm), then L2 (``g += l2 * mb * w``).
  After the rule: Gaussian noise (``w += N(0, std)``), then L1 as a proximal step
  (``w = sign(w) max(|w| - lr * l1 * mb, 0)``, ``lr`` the per-sample rate).
* adagrad: ``a += g^2; g /= sqrt(a + 1e-16)``; with ``need_ave_multiplier`` the step is divided
  by the mean of ``1 / sqrt(a + 1e-16)`` over the parameter. rmsprop: ``s = gamma s + (1 - gamma)
  g^2`` (``s = g^2`` and step sizes 0.02 at the first update); each element's step size grows by
  ``inc`` (up to ``max``) while the gradient's sign stays, else shrinks by ``dec`` (down to
  ``min``); ``g *= step / sqrt(s + 1e-6)``, the mean of that factor divides the rate with
  ``need_ave_multiplier``. adadelta: ``s = rho s + (1 - rho) g^2; d = -sqrt(x + eps) /
  sqrt(s + eps) g; x = rho x + (1 - rho) d^2; w += lr d``. adam: ``t += 1``,
  ``v = vm v + (1 - vm) g^2`` (adamax: ``v = max(vm v, |g|)``), ``u = m u + (1 - m) g``,
  ``w -= lr u c / (sqrt(v) + eps)`` with ``c = sqrt(1 - vm^t) / (1 - m^t)`` (adamax:
  ``1 / (1 - m^t)``), ``m``, ``vm`` this minibatch's momentum and variance momentum (adam's
  default variance momentum: 0.9999986111120757 per sample). fsadagrad: ``n = vm n + (1 - vm) mb``,
  ``v = vm v + (1 - vm) g^2``, ``g *= min(sqrt(n / v), 10)`` where ``v != 0``, then the momentum
  step as momentum_sgd's with ``lr`` applied outside the buffer.
* In float32, the scalars of a rule are rounded to float32 first, as CNTK's kernels take them.
* A rate of 0 at the current count: ``update`` returns False and nothing changes (not even
  the counts). An empty minibatch (``mb == 0``) is an error.

Learners update the Parameters' tensors in place (``p.data()``), with torch's ``_foreach`` ops
over all parameters of a dtype and device at once; their state lives beside the parameters.
"""
from __future__ import annotations

import math
import numbers
import warnings
from enum import Enum, unique

import numpy as np
import torch

from .._shapes import as_bool, describe, describe_shape, item
from .._torch_private import momentum_step

__all__ = ["UnitType", "IGNORE", "Learner", "UserLearner", "TrainingParameterSchedule",
           "learning_rate_schedule", "learning_parameter_schedule", "learning_parameter_schedule_per_sample",
           "momentum_schedule", "momentum_schedule_per_sample", "momentum_as_time_constant_schedule",
           "training_parameter_schedule", "sgd", "momentum_sgd", "nesterov", "adagrad", "adadelta", "rmsprop",
           "adam", "fsadagrad", "universal", "default_unit_gain_value", "set_default_unit_gain_value",
           "default_use_mean_gradient_value", "set_default_use_mean_gradient_value"]


@unique
class UnitType(Enum):
    """Deprecated in CNTK 2.2: whether a schedule's values are per sample or per minibatch."""
    sample = "sample"
    minibatch = "minibatch"


#: a schedule's minibatch size that means "no reference minibatch size" (CNTK's IgnoredMinibatchSize)
IGNORE = 0
#: an epoch size that makes a list schedule count data sweeps (CNTK's FullDataSweep)
FULL_DATA_SWEEP = 0

_DEFAULTS = {"unit_gain": True, "use_mean_gradient": False}


def default_unit_gain_value() -> bool:
    """Whether momentum is unit-gain by default (True)."""
    return _DEFAULTS["unit_gain"]


def set_default_unit_gain_value(value):
    """Sets the default of :func:`default_unit_gain_value`. As in CNTK 2.7, the learners' own
    ``unit_gain`` defaults were fixed when the module was imported and do not follow it."""
    _DEFAULTS["unit_gain"] = as_bool(value, "value")


def default_use_mean_gradient_value() -> bool:
    """Whether learners use the mean gradient by default (False; CNTK 2.0's option)."""
    return _DEFAULTS["use_mean_gradient"]


def set_default_use_mean_gradient_value(value):
    """Sets :func:`default_use_mean_gradient_value` (CNTK 2.0's option; the learners' default
    ``use_mean_gradient=None`` does not read it, as in CNTK 2.7)."""
    _DEFAULTS["use_mean_gradient"] = as_bool(value, "value")


# --------------------------------------------------------------------------------------------
# schedules
def _is_number(v) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))


def _as_value(v, name):
    if not _is_number(v):
        raise ValueError(f"{name} must be a number, got {describe(v)}")
    v = float(v)
    if math.isnan(v):
        raise ValueError(f"{name} must be a number, got NaN")
    return v


def _as_count(v, name, minimum):
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real) or v != int(v):
        raise ValueError(f"{name} must be a whole number, got {describe(v)}")
    v = int(v)
    if v < minimum:
        raise ValueError(f"{name} must be {'positive' if minimum == 1 else f'>= {minimum}'}, got {v}")
    return v


class TrainingParameterSchedule:
    """A schedule of a training parameter (CNTK's ``training_double_parameter_schedule``): its
    value at a count of samples (or of sweeps when ``is_sweep_based()``) is ``schedule[count]``.

    ``minibatch_size`` is the reference minibatch size the values are meant for (0, IGNORE:
    none, the values apply to the whole minibatch as they are)."""

    ignored_minibatch_size = IGNORE
    full_data_sweep = FULL_DATA_SWEEP

    def __init__(self, schedule, epoch_size=FULL_DATA_SWEEP, minibatch_size=IGNORE, *, name="schedule",
                 transform=None):
        self.minibatch_size = _as_count(minibatch_size, "minibatch_size", 0)
        self.is_minibatch_size_explicitly_specified = True
        self._transform = transform
        if _is_number(schedule):
            self.epoch_size = 1
            self._entries = [(0, _as_value(schedule, name))]
        else:
            self.epoch_size = _as_count(epoch_size, "epoch_size", 0)
            if not isinstance(schedule, (list, tuple)) or not len(schedule):
                raise ValueError(f"{name} must be a number or a non-empty list of values or "
                                 f"(count, value) pairs, got {describe(schedule)}")
            unit = max(self.epoch_size, 1)
            entries, end = [], 0
            for i, entry in enumerate(schedule):
                where = item(name, i)
                if _is_number(entry):
                    count, value = 1, entry
                elif isinstance(entry, (list, tuple)) and len(entry) == 2:
                    count = _as_count(entry[0], f"the count of {where}", 0)
                    value = entry[1]
                else:
                    raise ValueError(f"{where} must be a number or a (count, value) pair, got {describe(entry)}")
                if count == 0 and i != len(schedule) - 1:
                    raise ValueError(f"the count of {where} must not be 0 (only the last entry's "
                                     "count may be 0: it applies to the rest)")
                end += count * unit
                entries.append((end, _as_value(value, where)))
            self._entries = entries
        if transform is not None:
            self._entries = [(k, transform(v)) for k, v in self._entries]

    def is_sweep_based(self) -> bool:
        """Whether the schedule counts data sweeps (a list without epoch_size) instead of samples."""
        return len(self._entries) > 1 and self.epoch_size == FULL_DATA_SWEEP

    def __getitem__(self, count):
        count = _as_count(count, "count", 0)
        for end, value in self._entries:
            if count < end:
                return value
        return self._entries[-1][1]

    def _at(self, samples, sweeps):
        return self[sweeps if self.is_sweep_based() else samples]

    def _shifted(self, offset):
        """The same schedule starting at `offset` (reset_learning_rate's rule)."""
        out = object.__new__(TrainingParameterSchedule)
        out.__dict__.update(self.__dict__)
        out._entries = [(k + offset, v) for k, v in self._entries]
        return out

    def _to_dict(self) -> dict:
        return {"entries": [[k, v] for k, v in self._entries], "epoch_size": self.epoch_size,
                "minibatch_size": self.minibatch_size}

    @classmethod
    def _from_dict(cls, d):
        out = object.__new__(cls)
        out._entries = [(int(k), float(v)) for k, v in d["entries"]]
        out.epoch_size = int(d["epoch_size"])
        out.minibatch_size = int(d["minibatch_size"])
        out.is_minibatch_size_explicitly_specified = True
        out._transform = None
        return out

    def __repr__(self):
        vals = ", ".join(f"{v!r} until {k}" for k, v in self._entries[:-1])
        last = repr(self._entries[-1][1])
        return (f"TrainingParameterSchedule({vals + ', then ' if vals else ''}{last}"
                f"{', per sweep' if self.is_sweep_based() else ''}, minibatch_size={self.minibatch_size})")


def _time_constant(t):
    if t < 0:
        raise ValueError(f"momentum (a time constant) must not be negative, got {describe(t)}")
    return 0.0 if t == 0 else math.exp(-1.0 / t)


def _make(schedule, minibatch_size, epoch_size, name, transform=None):
    if isinstance(schedule, TrainingParameterSchedule):
        return schedule
    if _is_number(schedule):
        if epoch_size is not None:
            warnings.warn("When providing the schedule as a number, epoch_size is ignored", RuntimeWarning)
        return TrainingParameterSchedule(schedule, 1, minibatch_size, name=name, transform=transform)
    if isinstance(schedule, (list, tuple)):
        return TrainingParameterSchedule(list(schedule), FULL_DATA_SWEEP if epoch_size is None else epoch_size,
                                         minibatch_size, name=name, transform=transform)
    raise ValueError(f"{name} must be either a number or a list, got {describe(schedule)}")


def learning_parameter_schedule(schedule, minibatch_size=None, epoch_size=None):
    """A learning parameter schedule: a number for every sample, or a list whose i-th value
    (or ``(count, value)`` pair) holds for ``epoch_size`` (times count) samples, the last one
    thereafter (without ``epoch_size``: per data sweep). ``minibatch_size``: the minibatch size
    the values are meant for (the learner rescales them to the actual one); None: the values
    apply to each minibatch's mean gradient as they are."""
    explicit = minibatch_size is not None
    s = _make(schedule, IGNORE if minibatch_size is None else minibatch_size, epoch_size, "schedule")
    if not isinstance(schedule, TrainingParameterSchedule):
        s.is_minibatch_size_explicitly_specified = explicit
    return s


def learning_parameter_schedule_per_sample(schedule, epoch_size=None):
    """A learning parameter schedule for minibatches of one sample (applied to the summed gradient)."""
    return learning_parameter_schedule(schedule, minibatch_size=1, epoch_size=epoch_size)


def training_parameter_schedule(schedule, unit=UnitType.minibatch, epoch_size=None):
    """Deprecated in CNTK 2.2: a schedule of per-sample (``UnitType.sample``) or per-minibatch values."""
    unit = _as_unit(unit)
    if isinstance(schedule, TrainingParameterSchedule):
        schedule.is_minibatch_size_explicitly_specified = True
        return schedule
    s = _make(schedule, 1 if unit is UnitType.sample else IGNORE, epoch_size, "schedule")
    s.is_minibatch_size_explicitly_specified = True
    return s


def learning_rate_schedule(lr, unit, epoch_size=None):
    """Deprecated in CNTK 2.2: a learning rate schedule of per-sample or per-minibatch values
    (see :func:`training_parameter_schedule`)."""
    return training_parameter_schedule(lr, unit, epoch_size)


def momentum_schedule(momentum, epoch_size=None, minibatch_size=None):
    """A momentum schedule; with ``minibatch_size`` n, a momentum m decays as ``m ** (mb / n)``
    for a minibatch of mb samples; without, it applies per minibatch as given."""
    return learning_parameter_schedule(momentum, minibatch_size, epoch_size)


def momentum_schedule_per_sample(momentum, epoch_size=None):
    """A per-sample momentum schedule (``m ** mb`` for a minibatch of mb samples)."""
    return momentum_schedule(momentum, minibatch_size=1, epoch_size=epoch_size)


def momentum_as_time_constant_schedule(momentum, epoch_size=None):
    """Deprecated in CNTK 2.2: momentum as the time constant T (in samples) of a unit-gain
    filter: ``exp(-1/T)`` per sample (0 for T = 0)."""
    if isinstance(momentum, TrainingParameterSchedule):
        momentum.is_minibatch_size_explicitly_specified = True
        return momentum
    s = _make(momentum, 1, epoch_size, "momentum", transform=_time_constant)
    s.is_minibatch_size_explicitly_specified = True
    return s


def _as_unit(unit):
    if isinstance(unit, UnitType):
        return unit
    try:
        return UnitType(unit)
    except ValueError:
        raise ValueError(f"unit must be UnitType.sample or UnitType.minibatch ('sample' or 'minibatch'), "
                         f"got {describe(unit)}") from None


def _schedule_arg(value, name, ref_minibatch_size, epoch_size, use_mean_gradient=None, lower=None, upper=None):
    """A learner's schedule argument (CNTK 2.7's _infer_learning_parameter_schedule), checked."""
    if _is_number(value) or (isinstance(value, list) and value and
                             all(_is_number(v) or isinstance(v, (tuple, list)) for v in value)):
        s = learning_parameter_schedule(value, 0 if ref_minibatch_size is None else ref_minibatch_size, epoch_size)
        s.is_minibatch_size_explicitly_specified = ref_minibatch_size is not None
    elif isinstance(value, TrainingParameterSchedule):
        s = value
        if not s.is_minibatch_size_explicitly_specified and ref_minibatch_size is not None:
            s = _copy(s)
            s.minibatch_size = ref_minibatch_size
        if use_mean_gradient and s.minibatch_size == 1:
            s = _copy(s)
            s.minibatch_size = IGNORE
    else:
        raise ValueError(f"{name} must be a number, a list of values or a schedule "
                         f"(learning_parameter_schedule(), momentum_schedule(), ...), got {describe(value)}")
    for _, v in s._entries:
        if (lower is not None and v < lower) or (upper is not None and v > upper):
            rng = f"in [{lower}, {upper}]" if upper is not None else f">= {lower}"
            raise ValueError(f"{name} must be {rng}, got {describe(v)}")
    return s


def _copy(s):
    out = object.__new__(TrainingParameterSchedule)
    out.__dict__.update(s.__dict__)
    return out


def _ref_minibatch_size(minibatch_size, use_mean_gradient):
    """CNTK 2.7's _infer_ref_minibatch_size_from_legacy_use_mean_gradient."""
    if minibatch_size is not None:
        return _as_count(minibatch_size, "minibatch_size", 0)
    if use_mean_gradient is not None and as_bool(use_mean_gradient, "use_mean_gradient"):
        return IGNORE
    return None


# --------------------------------------------------------------------------------------------
# learners

def _scalar(x, dtype):
    """A rule's scalar as CNTK's kernel of that element type sees it."""
    return float(np.float32(x)) if dtype == torch.float32 else float(x)


class _Options:
    def __init__(self, l1, l2, noise, clip, truncation):
        self.l1 = _as_nonneg(l1, "l1_regularization_weight")
        self.l2 = _as_nonneg(l2, "l2_regularization_weight")
        if isinstance(noise, TrainingParameterSchedule):
            self.noise = noise
        else:
            self.noise = training_parameter_schedule(_as_nonneg(noise, "gaussian_noise_injection_std_dev"))
        clip = _as_value(clip, "gradient_clipping_threshold_per_sample")
        if clip <= 0:
            raise ValueError(f"gradient_clipping_threshold_per_sample must be positive (Inf: no clipping), "
                             f"got {describe(clip)}")
        self.clip = clip
        self.truncation = as_bool(truncation, "gradient_clipping_with_truncation")


def _as_nonneg(v, name):
    v = _as_value(v, name)
    if v < 0 or math.isinf(v):
        raise ValueError(f"{name} must be a finite number >= 0, got {describe(v)}")
    return v


def _check_parameters(parameters):
    from ..variables import Parameter
    from ..ops.functions import Function
    if isinstance(parameters, (Parameter, Function)) or not isinstance(parameters, (list, tuple)):
        if isinstance(parameters, Parameter):
            parameters = [parameters]
        elif hasattr(parameters, "__iter__") and not isinstance(parameters, (str, bytes, dict)):
            parameters = list(parameters)
        else:
            raise TypeError(f"parameters must be a list of Parameters, got {describe(parameters)}")
    params = list(parameters)
    if not params:
        raise ValueError("parameters: the list of parameters given to a learner must not be empty")
    seen = set()
    for i, p in enumerate(params):
        if not isinstance(p, Parameter):
            kind = "a Function" if isinstance(p, Function) else type(p).__name__
            raise TypeError(f"{item('parameters', i)} must be a Parameter, got {kind} {describe(p)}")
        if not p._resolved():
            raise ValueError(f"{item('parameters', i)} ('{p.name}', shape {describe_shape(p.shape)}) has inferred "
                             "dimensions: create the learner after the model has seen its input shapes")
        if id(p) in seen:
            raise ValueError(f"{item('parameters', i)} ('{p.name}'): a learner's parameters must not contain "
                             "duplicates")
        seen.add(id(p))
    return params


class Learner:
    """A learner: it updates its ``parameters`` from their gradients (``update``). Made by the
    factories of this module (``sgd``, ``momentum_sgd``, ...)."""

    ignored_minibatch_size = IGNORE
    _buffers = ()   # names of the per-parameter state tensors

    def __init__(self, parameters, lr, options=None, minibatch_size=None):
        self._parameters = _check_parameters(parameters)
        self._lr = lr
        self._options = options
        self.minibatch_size = IGNORE if minibatch_size is None else minibatch_size
        self.is_minibatch_size_explicitly_specified = minibatch_size is not None
        self._samples = 0
        self._minibatches = 0
        self._sweeps = 0
        self._state = {name: [torch.zeros_like(p.data()) for p in self._parameters] for name in self._buffers}
        self._groups = None
        self._writers = []
        self._reported = {}

    # ---- CNTK's public API
    @property
    def parameters(self):
        """The parameters this learner updates, in the order given."""
        return list(self._parameters)

    def learning_rate(self) -> float:
        """The learning rate at the current count (as the schedule gives it)."""
        return self._lr._at(self._samples, self._sweeps)

    def reset_learning_rate(self, learning_rate):
        """Replaces the learning rate schedule by `learning_rate`, counted from now (its count 0
        is the learner's current count). As in CNTK 2.7, the learner keeps its reference
        minibatch size."""
        if not isinstance(learning_rate, TrainingParameterSchedule):
            raise ValueError(f"learning_rate must be a schedule (learning_parameter_schedule(), ...), "
                             f"got {describe(learning_rate)}")
        for _, v in learning_rate._entries:
            if v < 0:
                raise ValueError(f"learning_rate must be >= 0, got {describe(v)}")
        new = _copy(learning_rate)
        new.minibatch_size = self._lr.minibatch_size
        offset = self._sweeps if new.is_sweep_based() else self._samples
        self._lr = new._shifted(offset)

    # CNTK 2.7 has these as methods (learner.total_number_of_samples_seen()); the value is also
    # an int as it stands (learner.total_number_of_samples_seen), which the Trainer reads
    @property
    def total_number_of_samples_seen(self) -> "_Count":
        return _Count(self._samples)

    @property
    def total_number_of_minibatches_seen(self) -> "_Count":
        return _Count(self._minibatches)

    @property
    def total_number_of_sweeps_seen(self) -> "_Count":
        return _Count(self._sweeps)

    def create_checkpoint(self) -> dict:
        """The learner's state (counts, schedule, smoothed gradients) as a dict of JSON-able
        values and NumPy arrays (CNTK's checkpoint dictionary; the Trainer's checkpoints use it)."""
        meta, arrays = self._get_state()
        return {"meta": meta, "arrays": arrays}

    def restore_from_checkpoint(self, checkpoint):
        """Restores what :meth:`create_checkpoint` returned."""
        if not isinstance(checkpoint, dict) or set(checkpoint) != {"meta", "arrays"}:
            raise ValueError("checkpoint must be what create_checkpoint() returned")
        self._set_state(checkpoint["meta"], checkpoint["arrays"])

    def add_progress_writers(self, progress_writers):
        """Progress writers the learner reports its rates to (CNTK's Trainer adds its own): each
        gets ``write("Learning rate per minibatch", 0.1)`` (``per N samples`` for a schedule with
        a reference minibatch size) when an update first uses a rate and whenever it changes;
        momentum_sgd reports its momentum so too."""
        writers = progress_writers if isinstance(progress_writers, (list, tuple)) else [progress_writers]
        for w in writers:
            if w is not None and not any(w is o for o in self._writers):
                self._writers.append(w)

    def _report(self, schedule, name):
        """CNTK's ReportTrainingParameterValue: the schedule's current value to the writers, when new."""
        value = schedule._at(self._samples, self._sweeps)
        if name in self._reported and self._reported[name] == value:
            return
        self._reported[name] = value
        unit = "minibatch" if schedule.minibatch_size == IGNORE else f"{schedule.minibatch_size} samples"
        for w in self._writers:
            write = getattr(w, "write", None)  # a writer of the Trainer's contract may have none
            if write is not None:
                write(f"{name} per {unit}", value)

    def is_compatible_mode(self) -> bool:
        """Whether the learner works on the mean gradient (CNTK's compatible mode: made with
        ``use_mean_gradient=True`` or ``minibatch_size=0``)."""
        return self.is_minibatch_size_explicitly_specified and self.minibatch_size == IGNORE

    def reset_smoothed_gradients(self):
        """Zeroes the learner's state (momentum and the like)."""
        for bufs in self._state.values():
            torch._foreach_zero_(bufs)

    def update(self, gradient_values, training_sample_count, is_sweep_end=False) -> bool:
        """Updates the parameters from `gradient_values` ({Parameter: gradient summed over the
        minibatch, a NumPy array or torch tensor}) for a minibatch of `training_sample_count`
        samples. Returns False when the learning rate is 0 (nothing is updated)."""
        if not isinstance(gradient_values, dict):
            raise TypeError(f"gradient_values must be a dict {{Parameter: gradient}}, got {describe(gradient_values)}")
        count = _as_count(training_sample_count, "training_sample_count", 0)
        grads = []
        for i, p in enumerate(self._parameters):
            if p not in gradient_values:
                raise ValueError(f"gradient_values has no gradient for parameter '{p.name}' "
                                 f"({item('parameters', i)}, shape {describe_shape(p.shape)})")
            grads.append(_as_gradient(gradient_values[p], p))
        return self._update(grads, count, as_bool(is_sweep_end, "is_sweep_end"))

    # ---- the Trainer's fast path
    def _update(self, grads, sample_count, sweep_end=False) -> bool:
        """`grads`: torch tensors aligned with ``parameters`` (summed over the minibatch; not
        modified); `sample_count`: the minibatch's samples. CNTK's Learner::Update."""
        mb = int(sample_count)
        if self._writers:
            self._report(self._lr, "Learning rate")
        lr_value = self._lr._at(self._samples, self._sweeps)
        if lr_value == 0.0:
            return False
        if mb <= 0:
            raise ValueError("training_sample_count: a learner cannot update from an empty minibatch (0 samples)")
        # per-sample rate on the summed gradient; in the learner's mean-gradient mode (CNTK's
        # "compatible mode": use_mean_gradient=True or minibatch_size=0) the gradient is divided
        # by mb first and the rate multiplied by mb
        ref = self._lr.minibatch_size
        compat = self.is_compatible_mode()
        lr = lr_value / (mb if ref == IGNORE else ref)
        if compat:
            lr *= mb
        for idx, params, gs, dtype in self._split(grads):
            state = {k: [v[i] for i in idx] for k, v in self._state.items()}
            with torch.no_grad():
                gs = self._preprocess(params, gs, mb, compat, dtype)
                self._step(params, gs, state, lr, mb, dtype)
                self._postprocess(params, lr, mb, compat, dtype)
        self._after_step(mb)
        self._samples += mb
        self._minibatches += 1
        if sweep_end:
            self._sweeps += 1
        return True

    def _split(self, grads):
        """(indices, parameter tensors, gradients, dtype) per dtype and device (one _foreach
        group each)."""
        if len(grads) != len(self._parameters):
            raise ValueError(f"grads: {len(grads)} gradients for {len(self._parameters)} parameters")
        if self._groups is None:
            groups = {}
            for i, p in enumerate(self._parameters):
                t = p.data()
                groups.setdefault((t.dtype, t.device), []).append(i)
            self._groups = [(idx, dt) for (dt, _), idx in groups.items()]
        out = []
        for idx, dt in self._groups:
            out.append((idx, [self._parameters[i].data() for i in idx], [grads[i] for i in idx], dt))
        return out

    def _preprocess(self, params, gs, mb, compat, dtype):
        opt = self._options
        if opt is None:
            return gs
        if compat:  # CNTK's compatible mode: the mean gradient
            gs = torch._foreach_mul(gs, _scalar(1.0 / mb, dtype))
        if not math.isinf(opt.clip):
            limit = opt.clip if compat else opt.clip * mb
            if opt.truncation:
                gs = [g.clamp(-_scalar(limit, dtype), _scalar(limit, dtype)) for g in gs]
            else:
                norms = torch._foreach_norm(gs)
                factors = [torch.clamp(limit / n, max=1.0).to(g.dtype) for n, g in zip(norms, gs)]
                gs = torch._foreach_mul(gs, factors)
        if opt.l2 > 0:
            gs = torch._foreach_add(gs, params, alpha=_scalar(opt.l2 * (1 if compat else mb), dtype))
        return gs

    def _postprocess(self, params, lr, mb, compat, dtype):
        opt = self._options
        if opt is None:
            return
        std = opt.noise._at(self._samples, self._sweeps)
        if std > 0:
            torch._foreach_add_(params, [torch.randn_like(p) * std for p in params])
        if opt.l1 > 0:
            w = _scalar(lr * opt.l1 * (1 if compat else mb), dtype)
            shrunk = torch._foreach_abs(params)
            torch._foreach_sub_(shrunk, w)
            torch._foreach_clamp_min_(shrunk, 0.0)
            torch._foreach_mul_(shrunk, torch._foreach_sign(params))
            torch._foreach_copy_(params, shrunk)

    def _step(self, params, gs, state, lr, mb, dtype):
        raise NotImplementedError(f"{type(self).__name__} has no update rule: make a learner with sgd(), "
                                  "momentum_sgd(), adam(), ...")

    def _after_step(self, mb):
        pass

    # ---- checkpoints
    def _get_state(self):
        """(JSON-able meta, {name: array}) of everything the learner keeps between updates."""
        meta = {"learner": type(self).__name__, "samples": self._samples, "minibatches": self._minibatches,
                "sweeps": self._sweeps, "lr": self._lr._to_dict(), "extra": self._extra_state()}
        arrays = {}
        for name, bufs in self._state.items():
            for i, b in enumerate(bufs):
                arrays[f"{name}_{i}"] = b.detach().cpu().numpy().copy()
        return meta, arrays

    def _set_state(self, meta, arrays):
        if meta.get("learner") != type(self).__name__:
            raise ValueError(f"a {meta.get('learner')} learner's state cannot be restored into a "
                             f"{type(self).__name__} learner")
        for name, bufs in self._state.items():
            for i, b in enumerate(bufs):
                key = f"{name}_{i}"
                if key not in arrays:
                    raise ValueError(f"the learner state has no '{key}' (the learner has {len(bufs)} parameters)")
                a = np.asarray(arrays[key])
                if tuple(a.shape) != tuple(b.shape):
                    raise ValueError(f"the learner state's '{key}' has shape {describe_shape(a.shape)}, "
                                     f"parameter {i} has shape {describe_shape(b.shape)}")
                with torch.no_grad():
                    b.copy_(torch.from_numpy(a).to(b.dtype))
        self._samples = int(meta["samples"])
        self._minibatches = int(meta["minibatches"])
        self._sweeps = int(meta["sweeps"])
        self._lr = TrainingParameterSchedule._from_dict(meta["lr"])
        self._load_extra_state(meta.get("extra") or {})

    def _extra_state(self) -> dict:
        return {}

    def _load_extra_state(self, extra):
        pass

    _kind = "Learner"

    def __repr__(self):
        n = len(self._parameters)
        return (f"{self._kind} over {n} parameter{'' if n == 1 else 's'}, learning rate {self.learning_rate()!r}, "
                f"{self._samples} samples seen")


class _Count(int):
    """A count that is also callable, as CNTK 2.7's methods (``learner.total_number_of_samples_seen()``)."""

    def __call__(self) -> int:
        return int(self)


def _as_gradient(g, p):
    t = p.data()
    if isinstance(g, torch.Tensor):
        out = g.detach()
    else:
        try:
            out = torch.from_numpy(np.ascontiguousarray(np.asarray(g, dtype=t.detach().cpu().numpy().dtype)))
        except (TypeError, ValueError):
            raise TypeError(f"the gradient of parameter '{p.name}' must be an array, got {describe(g)}") from None
    if tuple(out.shape) != tuple(t.shape):
        raise ValueError(f"the gradient of parameter '{p.name}' has shape {describe_shape(out.shape)}, "
                         f"the parameter has shape {describe_shape(t.shape)}")
    return out.to(device=t.device, dtype=t.dtype)


class _MomentumLearner(Learner):
    def __init__(self, parameters, lr, momentum, unit_gain, options, minibatch_size):
        super().__init__(parameters, lr, options, minibatch_size)
        self._momentum = momentum
        self._unit_gain = as_bool(unit_gain, "unit_gain")

    def _momentum_for(self, schedule, mb):
        m = schedule._at(self._samples, self._sweeps)
        return m if schedule.minibatch_size == IGNORE else m ** (mb / schedule.minibatch_size)

    def _gain(self, m, dtype):
        return _scalar(1.0 - m, dtype) if self._unit_gain else 1.0


class _SGD(Learner):
    _kind = "sgd"

    def _step(self, params, gs, state, lr, mb, dtype):
        torch._foreach_add_(params, gs, alpha=-_scalar(lr, dtype))


class _MomentumSGD(_MomentumLearner):
    _kind = "momentum_sgd"

    _buffers = ("momentum",)

    def _step(self, params, gs, state, lr, mb, dtype):
        if self._writers:
            self._report(self._momentum, "Momentum")
        m = self._momentum_for(self._momentum, mb)
        m32 = _scalar(m, dtype)
        a = _scalar(self._gain(m, dtype) * _scalar(lr, dtype), dtype)
        momentum_step(params, gs, state["momentum"], m32, a)


class _Nesterov(_MomentumLearner):
    _kind = "nesterov"

    _buffers = ("momentum",)

    def _step(self, params, gs, state, lr, mb, dtype):
        m = _scalar(self._momentum_for(self._momentum, mb), dtype)
        step = _scalar(self._gain(m, dtype) * _scalar(lr, dtype), dtype)
        v = state["momentum"]
        torch._foreach_mul_(v, m)
        torch._foreach_add_(v, gs, alpha=step)
        torch._foreach_add_(params, v, alpha=-m)
        torch._foreach_add_(params, gs, alpha=-step)


class _AdaGrad(Learner):
    _kind = "adagrad"

    _buffers = ("sum_sq",)

    def __init__(self, parameters, lr, need_ave_multiplier, options, minibatch_size):
        super().__init__(parameters, lr, options, minibatch_size)
        self._ave = as_bool(need_ave_multiplier, "need_ave_multiplier")

    def _step(self, params, gs, state, lr, mb, dtype):
        a = state["sum_sq"]
        torch._foreach_addcmul_(a, gs, gs)
        inv = torch._foreach_add(a, _scalar(1e-16, dtype))
        torch._foreach_sqrt_(inv)
        torch._foreach_reciprocal_(inv)
        step = torch._foreach_mul(gs, inv)
        lr32 = _scalar(lr, dtype)
        if self._ave:
            scales = [(-lr32 / i.mean()).to(i.dtype) for i in inv]
            torch._foreach_add_(params, torch._foreach_mul(step, scales))
        else:
            torch._foreach_add_(params, step, alpha=-lr32)


class _AdaDelta(Learner):
    _kind = "adadelta"

    _buffers = ("sq_grad", "sq_delta")

    def __init__(self, parameters, lr, rho, epsilon, options, minibatch_size):
        super().__init__(parameters, lr, options, minibatch_size)
        self._rho = _as_value(rho, "rho")
        self._eps = _as_value(epsilon, "epsilon")
        if not 0 <= self._rho <= 1:
            raise ValueError(f"rho must be in [0, 1], got {describe(self._rho)}")
        if self._eps < 0:
            raise ValueError(f"epsilon must be >= 0, got {describe(self._eps)}")

    def _step(self, params, gs, state, lr, mb, dtype):
        rho, eps = _scalar(self._rho, dtype), _scalar(self._eps, dtype)
        one_minus = _scalar(1 - rho, dtype)
        s, x = state["sq_grad"], state["sq_delta"]
        torch._foreach_mul_(s, rho)
        torch._foreach_addcmul_(s, gs, gs, value=one_minus)
        num = torch._foreach_add(x, eps)
        torch._foreach_sqrt_(num)
        den = torch._foreach_add(s, eps)
        torch._foreach_sqrt_(den)
        delta = torch._foreach_div(num, den)
        torch._foreach_mul_(delta, gs)
        torch._foreach_neg_(delta)
        torch._foreach_mul_(x, rho)
        torch._foreach_addcmul_(x, delta, delta, value=one_minus)
        torch._foreach_add_(params, delta, alpha=_scalar(lr, dtype))


class _SmoothedCount:
    """CNTK's smoothed count of updates (RMSProp, Adam, FSAdaGrad keep one in ``_count``), saved in
    checkpoints as the learner keeps it (an int or a float)."""

    def _extra_state(self):
        return {"smoothed_count": self._count}

    def _load_extra_state(self, extra):
        self._count = type(self._count)(extra.get("smoothed_count", 0))


class _RMSProp(_SmoothedCount, Learner):
    _kind = "rmsprop"

    _buffers = ("mean_sq", "sign", "step")

    def __init__(self, parameters, lr, gamma, inc, dec, max, min, need_ave_multiplier, options, minibatch_size):
        super().__init__(parameters, lr, options, minibatch_size)
        self._gamma = _as_value(gamma, "gamma")
        self._inc = _as_value(inc, "inc")
        self._dec = _as_value(dec, "dec")
        self._max = _as_value(max, "max")
        self._min = _as_value(min, "min")
        if not 0 < self._gamma < 1:
            raise ValueError(f"gamma must be in (0, 1), got {describe(self._gamma)}")
        if not self._inc > 1:
            raise ValueError(f"inc must be greater than 1, got {describe(self._inc)}")
        if not 0 < self._dec < 1:
            raise ValueError(f"dec must be in (0, 1), got {describe(self._dec)}")
        if not self._min > 0:
            raise ValueError(f"min must be greater than 0, got {describe(self._min)}")
        if not (self._max > 0 and self._max > self._min):
            raise ValueError(f"max must be greater than 0 and than min ({describe(self._min)}), got {describe(self._max)}")
        self._ave = as_bool(need_ave_multiplier, "need_ave_multiplier")
        self._count = 0

    def _after_step(self, mb):
        self._count += 1

    def _step(self, params, gs, state, lr, mb, dtype):
        s, signs, steps = state["mean_sq"], state["sign"], state["step"]
        f = lambda x: _scalar(x, dtype)  # noqa: E731
        if self._count == 0:  # CNTK's first update: s = g^2, step sizes 0.02
            torch._foreach_copy_(s, torch._foreach_mul(gs, gs))
            torch._foreach_zero_(signs)
            for t in steps:
                t.fill_(f(0.02))
        torch._foreach_mul_(s, f(self._gamma))
        torch._foreach_addcmul_(s, gs, gs, value=f(1 - f(self._gamma)))
        new_sign = torch._foreach_sign(gs)
        agree = torch._foreach_mul(signs, new_sign)
        lr32 = f(lr)
        grown = torch._foreach_mul(steps, f(self._inc))
        torch._foreach_clamp_max_(grown, f(self._max))
        shrunk = torch._foreach_mul(steps, f(self._dec))
        torch._foreach_clamp_min_(shrunk, f(self._min))
        torch._foreach_copy_(steps, [torch.where(a > 0, up, down) for a, up, down in zip(agree, grown, shrunk)])
        factors = torch._foreach_add(s, f(1e-6))
        torch._foreach_sqrt_(factors)
        factors = torch._foreach_div(steps, factors)
        torch._foreach_copy_(signs, new_sign)
        step = torch._foreach_mul(gs, factors)
        if self._ave:
            scales = [(-lr32 / fa.mean()).to(fa.dtype) for fa in factors]
            torch._foreach_add_(params, torch._foreach_mul(step, scales))
        else:
            torch._foreach_add_(params, step, alpha=-lr32)


class _Adam(_SmoothedCount, _MomentumLearner):
    _kind = "adam"

    _buffers = ("variance", "momentum")

    def __init__(self, parameters, lr, momentum, unit_gain, variance_momentum, epsilon, adamax, options,
                 minibatch_size):
        super().__init__(parameters, lr, momentum, unit_gain, options, minibatch_size)
        self._variance = variance_momentum
        self._eps = _as_value(epsilon, "epsilon")
        if self._eps < 0:
            raise ValueError(f"epsilon must be >= 0, got {describe(self._eps)}")
        self._adamax = as_bool(adamax, "adamax")
        self._count = 0.0

    def _after_step(self, mb):
        self._count += 1.0

    def _step(self, params, gs, state, lr, mb, dtype):
        f = lambda x: _scalar(x, dtype)  # noqa: E731
        m = self._momentum_for(self._momentum, mb)
        vm = self._momentum_for(self._variance, mb)
        t = self._count + 1.0
        m32, vm32 = f(m), f(vm)
        v, u = state["variance"], state["momentum"]
        torch._foreach_mul_(v, vm32)
        if self._adamax:  # v = max(vm v, |g|); the step divides by v + eps (new tensors: v is state)
            torch._foreach_maximum_(v, torch._foreach_abs(gs))
            den = torch._foreach_add(v, f(self._eps))
            corr = 1.0 / (1 - m ** t)
        else:  # v = vm v + (1 - vm) g^2; the step divides by sqrt(v) + eps
            torch._foreach_addcmul_(v, gs, gs, value=f(1 - vm32))
            den = torch._foreach_sqrt(v)
            torch._foreach_add_(den, f(self._eps))
            corr = math.sqrt(1 - vm ** t) / (1 - m ** t)
        torch._foreach_mul_(u, m32)
        torch._foreach_add_(u, gs, alpha=f(1 - m) if self._unit_gain else 1.0)
        torch._foreach_addcdiv_(params, u, den, value=-f(f(corr) * f(lr)))


class _FSAdaGrad(_SmoothedCount, _MomentumLearner):
    _kind = "fsadagrad"

    _buffers = ("variance", "momentum")

    def __init__(self, parameters, lr, momentum, unit_gain, variance_momentum, options, minibatch_size):
        super().__init__(parameters, lr, momentum, unit_gain, options, minibatch_size)
        self._variance = variance_momentum
        self._count = 0.0

    def _update(self, grads, sample_count, sweep_end=False):
        # CNTK's UpdateOnMinibatch: the smoothed sample count, before the parameters' updates
        lr_value = self._lr._at(self._samples, self._sweeps)
        if lr_value == 0.0 or int(sample_count) <= 0:
            return super()._update(grads, sample_count, sweep_end)
        saved = self._count
        vm = self._momentum_for(self._variance, int(sample_count))
        self._count = vm * self._count + (1.0 - vm) * int(sample_count)
        try:
            return super()._update(grads, sample_count, sweep_end)
        except BaseException:
            self._count = saved
            raise

    def _step(self, params, gs, state, lr, mb, dtype):
        f = lambda x: _scalar(x, dtype)  # noqa: E731
        m = self._momentum_for(self._momentum, mb)
        vm32 = f(self._momentum_for(self._variance, mb))
        mul = f(math.sqrt(self._count))
        v, u = state["variance"], state["momentum"]
        torch._foreach_mul_(v, vm32)
        torch._foreach_addcmul_(v, gs, gs, value=f(1 - vm32))
        scaled = []
        for g, s in zip(gs, v):
            w = torch.where(s != 0, torch.clamp(mul / torch.sqrt(s), max=10.0), torch.ones_like(s))
            scaled.append(g * w)
        if m > 0:
            torch._foreach_mul_(u, f(m))
            torch._foreach_add_(u, scaled, alpha=f(1 - m) if self._unit_gain else 1.0)
            torch._foreach_add_(params, u, alpha=-f(lr))
        else:
            torch._foreach_add_(params, scaled, alpha=-f(lr))


# --------------------------------------------------------------------------------------------
# the factories (CNTK 2.7's signatures and defaults)
# CNTK 2.7's default schedules (objects, as CNTK's signatures show them)
_ADADELTA_LR = learning_parameter_schedule_per_sample(1)
_VARIANCE_MOMENTUM = momentum_schedule_per_sample(0.9999986111120757)


def _common(parameters, lr, use_mean_gradient, minibatch_size, epoch_size, l1, l2, noise, clip, truncation):
    ref = _ref_minibatch_size(minibatch_size, use_mean_gradient)
    lr = _schedule_arg(lr, "lr", ref, epoch_size, use_mean_gradient, lower=0.0)
    return lr, ref, _Options(l1, l2, noise, clip, truncation)


def sgd(parameters, lr, l1_regularization_weight=0.0, l2_regularization_weight=0.0,
        gaussian_noise_injection_std_dev=0.0, gradient_clipping_threshold_per_sample=np.inf,
        gradient_clipping_with_truncation=True, use_mean_gradient=None, minibatch_size=None, epoch_size=None):
    """Plain SGD: ``w -= lr * g``."""
    lr, ref, opt = _common(parameters, lr, use_mean_gradient, minibatch_size, epoch_size, l1_regularization_weight,
                           l2_regularization_weight, gaussian_noise_injection_std_dev,
                           gradient_clipping_threshold_per_sample, gradient_clipping_with_truncation)
    return _SGD(parameters, lr, opt, ref)


def momentum_sgd(parameters, lr, momentum, unit_gain=default_unit_gain_value(), l1_regularization_weight=0.0,
                 l2_regularization_weight=0.0, gaussian_noise_injection_std_dev=0.0,
                 gradient_clipping_threshold_per_sample=np.inf, gradient_clipping_with_truncation=True,
                 use_mean_gradient=None, minibatch_size=None, epoch_size=None):
    """SGD with momentum: ``v = m v + (1 - m) lr g; w -= v`` (classic, ``unit_gain=False``: ``v = m v + lr g``)."""
    lr, ref, opt = _common(parameters, lr, use_mean_gradient, minibatch_size, epoch_size, l1_regularization_weight,
                           l2_regularization_weight, gaussian_noise_injection_std_dev,
                           gradient_clipping_threshold_per_sample, gradient_clipping_with_truncation)
    momentum = _schedule_arg(momentum, "momentum", ref, epoch_size, lower=0.0, upper=1.0)
    return _MomentumSGD(parameters, lr, momentum, unit_gain, opt, ref)


def nesterov(parameters, lr, momentum, unit_gain=default_unit_gain_value(), l1_regularization_weight=0.0,
             l2_regularization_weight=0.0, gaussian_noise_injection_std_dev=0.0,
             gradient_clipping_threshold_per_sample=np.inf, gradient_clipping_with_truncation=True,
             use_mean_gradient=None, minibatch_size=None, epoch_size=None):
    """Nesterov's accelerated momentum."""
    lr, ref, opt = _common(parameters, lr, use_mean_gradient, minibatch_size, epoch_size, l1_regularization_weight,
                           l2_regularization_weight, gaussian_noise_injection_std_dev,
                           gradient_clipping_threshold_per_sample, gradient_clipping_with_truncation)
    momentum = _schedule_arg(momentum, "momentum", ref, epoch_size, lower=0.0, upper=1.0)
    return _Nesterov(parameters, lr, momentum, unit_gain, opt, ref)


def adagrad(parameters, lr, need_ave_multiplier=True, l1_regularization_weight=0.0, l2_regularization_weight=0.0,
            gaussian_noise_injection_std_dev=0.0, gradient_clipping_threshold_per_sample=np.inf,
            gradient_clipping_with_truncation=True, use_mean_gradient=None, minibatch_size=None, epoch_size=None):
    """AdaGrad."""
    lr, ref, opt = _common(parameters, lr, use_mean_gradient, minibatch_size, epoch_size, l1_regularization_weight,
                           l2_regularization_weight, gaussian_noise_injection_std_dev,
                           gradient_clipping_threshold_per_sample, gradient_clipping_with_truncation)
    return _AdaGrad(parameters, lr, need_ave_multiplier, opt, ref)


def adadelta(parameters, lr=_ADADELTA_LR, rho=0.95, epsilon=1e-8, l1_regularization_weight=0.0,
             l2_regularization_weight=0.0, gaussian_noise_injection_std_dev=0.0,
             gradient_clipping_threshold_per_sample=np.inf, gradient_clipping_with_truncation=True,
             use_mean_gradient=None, minibatch_size=None, epoch_size=None):
    """AdaDelta (``lr`` defaults to 1 per sample, CNTK's ``learning_parameter_schedule_per_sample(1)``)."""
    lr, ref, opt = _common(parameters, lr, use_mean_gradient, minibatch_size, epoch_size, l1_regularization_weight,
                           l2_regularization_weight, gaussian_noise_injection_std_dev,
                           gradient_clipping_threshold_per_sample, gradient_clipping_with_truncation)
    return _AdaDelta(parameters, lr, rho, epsilon, opt, ref)


def rmsprop(parameters, lr, gamma, inc, dec, max, min, need_ave_multiplier=True, l1_regularization_weight=0.0,
            l2_regularization_weight=0.0, gaussian_noise_injection_std_dev=0.0,
            gradient_clipping_threshold_per_sample=np.inf, gradient_clipping_with_truncation=True,
            use_mean_gradient=None, minibatch_size=None, epoch_size=None):
    """RMSProp with CNTK's per-element step sizes (``inc``/``dec`` within [``min``, ``max``])."""
    lr, ref, opt = _common(parameters, lr, use_mean_gradient, minibatch_size, epoch_size, l1_regularization_weight,
                           l2_regularization_weight, gaussian_noise_injection_std_dev,
                           gradient_clipping_threshold_per_sample, gradient_clipping_with_truncation)
    return _RMSProp(parameters, lr, gamma, inc, dec, max, min, need_ave_multiplier, opt, ref)


def adam(parameters, lr, momentum, unit_gain=default_unit_gain_value(), variance_momentum=_VARIANCE_MOMENTUM,
         l1_regularization_weight=0.0, l2_regularization_weight=0.0, gaussian_noise_injection_std_dev=0.0,
         gradient_clipping_threshold_per_sample=np.inf, gradient_clipping_with_truncation=True,
         use_mean_gradient=None, epsilon=1e-8, adamax=False, minibatch_size=None, epoch_size=None):
    """Adam (Kingma and Ba) with CNTK's schedules; ``adamax=True``: Adamax. ``variance_momentum``
    defaults to ``momentum_schedule_per_sample(0.9999986111120757)``."""
    lr, ref, opt = _common(parameters, lr, use_mean_gradient, minibatch_size, epoch_size, l1_regularization_weight,
                           l2_regularization_weight, gaussian_noise_injection_std_dev,
                           gradient_clipping_threshold_per_sample, gradient_clipping_with_truncation)
    momentum = _schedule_arg(momentum, "momentum", ref, epoch_size, lower=0.0, upper=1.0)
    variance_momentum = _schedule_arg(variance_momentum, "variance_momentum", ref, epoch_size, lower=0.0, upper=1.0)
    return _Adam(parameters, lr, momentum, unit_gain, variance_momentum, epsilon, adamax, opt, ref)


def fsadagrad(parameters, lr, momentum, unit_gain=default_unit_gain_value(), variance_momentum=_VARIANCE_MOMENTUM,
              l1_regularization_weight=0.0, l2_regularization_weight=0.0, gaussian_noise_injection_std_dev=0.0,
              gradient_clipping_threshold_per_sample=np.inf, gradient_clipping_with_truncation=True,
              use_mean_gradient=None, minibatch_size=None, epoch_size=None):
    """FSAdaGrad (CNTK's AdaGrad with momentum). ``variance_momentum`` defaults to
    ``momentum_schedule_per_sample(0.9999986111120757)``."""
    lr, ref, opt = _common(parameters, lr, use_mean_gradient, minibatch_size, epoch_size, l1_regularization_weight,
                           l2_regularization_weight, gaussian_noise_injection_std_dev,
                           gradient_clipping_threshold_per_sample, gradient_clipping_with_truncation)
    momentum = _schedule_arg(momentum, "momentum", ref, epoch_size, lower=0.0, upper=1.0)
    variance_momentum = _schedule_arg(variance_momentum, "variance_momentum", ref, epoch_size, lower=0.0, upper=1.0)
    return _FSAdaGrad(parameters, lr, momentum, unit_gain, variance_momentum, opt, ref)


# --------------------------------------------------------------------------------------------
# user-defined learners
class _Universal(Learner):
    _kind = "universal"

    def __init__(self, parameters, gradients, update):
        super().__init__(parameters, learning_parameter_schedule(1.0), None, None)
        self._gradients = gradients
        self._update_function = update

    def _update(self, grads, sample_count, sweep_end=False):
        from ..ops.assign import deferred_assignments
        mb = int(sample_count)
        if self._writers:
            self._report(self._lr, "Learning rate")
        if mb <= 0:
            raise ValueError("training_sample_count: a learner cannot update from an empty minibatch (0 samples)")
        if len(grads) != len(self._parameters):
            raise ValueError(f"grads: {len(grads)} gradients for {len(self._parameters)} parameters")
        with torch.no_grad():
            for c, g in zip(self._gradients, grads):
                c.data().copy_(g.reshape(c.data().shape))
            with deferred_assignments():
                self._update_function.eval()
        self._samples += mb
        self._minibatches += 1
        if sweep_end:
            self._sweeps += 1
        return True


def universal(update_func, parameters):
    """A learner whose update is a graph: ``update_func(parameters, gradients)`` gets the
    parameters and one Constant per parameter that holds its gradient (summed over the
    minibatch) at each update, and returns a Function of ``assign(p, new_value)`` nodes
    (``combine`` them for several). Each update runs that Function."""
    import inspect

    from ..ops.functions import Function
    from ..ops.graph import combine
    from ..variables import Constant
    if not callable(update_func):
        raise TypeError(f"update_func must be a function (parameters, gradients) -> Function, got "
                        f"{describe(update_func)}")
    try:
        nargs = len([p for p in inspect.signature(update_func).parameters.values()
                     if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)])
    except (TypeError, ValueError):
        nargs = 2
    if nargs != 2:
        raise ValueError("update_func must be a function that accepts two arguments (parameters, gradients)")
    params = _check_parameters(parameters)
    gradients = [Constant(np.zeros(p.shape, dtype=p.dtype), dtype=p.dtype, name="grad") for p in params]
    result = update_func(params, gradients)
    if isinstance(result, (list, tuple)):
        result = combine(list(result))
    if not isinstance(result, Function):
        raise TypeError(f"update_func must return a Function (assign() nodes), got {describe(result)}")
    leaves = {id(v) for v in _leaves(result)}
    for p in params:
        if id(p) not in leaves:
            raise ValueError(f"the update function does not use parameter '{p.name}' "
                             f"(shape {describe_shape(p.shape)})")
    for p, g in zip(params, gradients):
        if id(g) not in leaves:
            warnings.warn(f"the update function does not use the gradient of parameter '{p.name}'", RuntimeWarning)
    return _Universal(params, gradients, result)


def _leaves(f):
    out, seen, stack = [], set(), [f]
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        ins = getattr(n, "inputs", None)
        owner = getattr(n, "owner", None)
        if owner is not None and owner is not n:
            stack.append(owner)
            continue
        if ins is None or (not ins and not hasattr(n, "op")):
            out.append(n)
        else:
            stack.extend(ins)
            if not ins:
                out.append(n)
    return out


class UserLearner(Learner):
    """The base of learners written in Python: override ``update(gradient_values,
    training_sample_count, sweep_end)`` and update the parameters (``p.value = ...`` or in place
    on ``p.data()``); ``gradient_values`` maps each Parameter to its gradient (a NumPy array
    with ``as_numpy=True``, else a torch tensor)."""

    def __init__(self, parameters, lr_schedule, as_numpy=True):
        if not isinstance(lr_schedule, TrainingParameterSchedule):
            lr_schedule = _schedule_arg(lr_schedule, "lr_schedule", None, None, lower=0.0)
        super().__init__(parameters, lr_schedule, None, None)
        self.as_numpy = as_bool(as_numpy, "as_numpy")

    def _update(self, grads, sample_count, sweep_end=False):
        if len(grads) != len(self._parameters):
            raise ValueError(f"grads: {len(grads)} gradients for {len(self._parameters)} parameters")
        values = {p: (g.detach().cpu().numpy() if self.as_numpy else g) for p, g in zip(self._parameters, grads)}
        result = self.update(values, int(sample_count), bool(sweep_end))
        self._samples += int(sample_count)
        self._minibatches += 1
        if sweep_end:
            self._sweeps += 1
        return True if result is None else bool(result)

    def update(self, gradient_values, training_sample_count, sweep_end):
        raise NotImplementedError("UserLearner.update must be overridden by a Python subclass (R code cannot "
                                  "override it: write the update with universal_learner() and op_assign())")


# --------------------------------------------------------------------------------------------
# R's entry points (R/learners.R)
def _r_gradients(learner, gradient_values):
    """`gradient_values` from R as {Parameter: array}: a dict keyed by Parameters (or their
    names), a tuple in the order of ``learner.parameters``, or one array for a learner of one
    parameter; R arrays become C-order arrays of each parameter's dtype."""
    from .._r_bridge import RValueError, from_r
    params = learner.parameters
    if isinstance(gradient_values, dict):
        pairs = []
        for k, v in gradient_values.items():
            if isinstance(k, str):
                hits = [p for p in params if p.name == k]
                if len(hits) != 1:
                    raise RValueError(f"`gradient_values`: the learner has {len(hits) or 'no'} parameter"
                                      f"{'s' if len(hits) > 1 else ''} named \"{k}\".")
                k = hits[0]
            pairs.append((k, v))
    elif isinstance(gradient_values, tuple):   # an R list (an R vector arrives as a Python list)
        if len(gradient_values) != len(params):
            raise RValueError(f"`gradient_values` has {len(gradient_values)} values but the learner has "
                              f"{len(params)} parameters.")
        pairs = list(zip(params, gradient_values))
    else:
        if len(params) != 1:
            raise RValueError(f"`gradient_values` must be a dict() or a list with one gradient per parameter "
                              f"(the learner has {len(params)}).")
        pairs = [(params[0], gradient_values)]
    out = {}
    for p, v in pairs:
        if isinstance(v, (torch.Tensor,)):
            out[p] = v
            continue
        a = from_r(v, p.dtype, f"gradient_values ('{getattr(p, 'name', '')}')")
        if a.shape != tuple(p.shape) and a.size == int(np.prod(p.shape)) and a.ndim <= 1 and len(p.shape) <= 1:
            a = a.reshape(p.shape)   # a number or a vector for a parameter of one axis
        out[p] = a
    return out


def _r_update(learner, gradient_values, training_sample_count, sweep_end=False):
    """update_learner() / update_user_learner() from R."""
    if not isinstance(learner, Learner):
        raise TypeError(f"learner must be a learner (learner_sgd(), ...), got {describe(learner)}")
    return learner.update(_r_gradients(learner, gradient_values), training_sample_count, sweep_end)


def _r_schedule(value, name="learning_rate"):
    """A schedule, or a number/list made into learning_parameter_schedule(value)."""
    if isinstance(value, TrainingParameterSchedule):
        return value
    return _schedule_arg(value, name, None, None)


def _r_universal(update_func, parameters):
    """universal_learner() from R: `update_func` is an R function (its arity is checked in R)."""
    return universal(lambda ps, gs: update_func(ps, gs), parameters)
