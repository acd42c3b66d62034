"""The Trainer, as CNTK 2.7's ``cntk.train.trainer``: one or more learners tune a model's
Parameters with the gradients of a loss.

One training step (:meth:`Trainer.train_minibatch`) is one run of the plan of ``combine(loss,
metric, model)`` in training mode with the learners' Parameters as autograd leaves, one backward
of the loss summed over the minibatch (CNTK's gradients are sums, not means), then each learner's
update of its Parameters in place. The loss and metric sums are read back to Python once, as one
tensor. CNTK 2.7's bookkeeping, as measured with it:

* ``previous_minibatch_loss_average`` / ``_evaluation_average``: the sum of the loss (metric)
  over every sample and element of the minibatch, from the forward pass before the update,
  divided by the number of samples; the number of samples is the batch axis length of the
  loss's inputs (also when the loss is reduced over the batch axis).
* ``test_minibatch`` evaluates the metric in inference mode and returns its average; it changes
  no counter.
* an empty arguments dict ends training: ``train_minibatch({})`` returns False and changes
  nothing.
* Parameters no learner covers are reported once (CNTK's note) and not learned; a Parameter
  covered by two learners, or a learner's Parameter that is not part of the model, is an error.

A failing minibatch changes nothing: the forward and backward run before any update, and with
several learners the Parameters and learner states are restored if a later learner fails.

Checkpoints (:meth:`Trainer.save_checkpoint`) are one code-free file: a NumPy ``.npz`` archive
written by :func:`cntkr_py.model_file.save_values` (the same bytes for the same state; read with
``allow_pickle=False``) holding

* ``meta.json``: a 0-d unicode array with a JSON document: ``format`` ("cntkr-checkpoint"),
  ``version`` (1), ``parameters`` (name, shape, dtype of each, by position in
  ``Trainer.model.parameters`` -- or the loss's when there is no model), ``learners`` (each
  learner's JSON state from ``_get_state``), ``total_samples``, ``minibatches`` and ``sweeps`` (the
  counters) and ``external_state`` (the user's dict);
* ``parameter/<i>``: the value of the i-th Parameter;
* ``learner/<j>/<key>``: the arrays of learner j's state.
"""
from __future__ import annotations

import json
import os
import sys

import numpy as np
import torch

from .. import _torch_private as tp
from .. import device as _device
from .. import executor
from .._shapes import describe, item
from ..executor import variable_label
from ..model_file import load_values, save_values
from ..variables import Variable

__all__ = ["Trainer"]

CHECKPOINT_FORMAT = "cntkr-checkpoint"
CHECKPOINT_VERSION = 1


def _is_minibatch_data(value) -> bool:
    return type(value).__name__ == "MinibatchData" and hasattr(value, "end_of_sweep")


def _as_function(value, what):
    from ..ops.functions import Function, as_node
    if isinstance(value, Function):
        return value
    if isinstance(value, Variable):
        return as_node(value)
    raise TypeError(f"criterion: the {what} must be a Function, got {describe(value)}")


def _criterion(criterion):
    """(loss, metric or None) from a Function with one or two outputs, or a tuple/list of one
    or two Functions, as CNTK 2.7's Trainer reads its criterion."""
    from ..ops.functions import Function
    if isinstance(criterion, Function):
        parts = criterion.outputs
    elif isinstance(criterion, (tuple, list)):
        parts = list(criterion)
    elif isinstance(criterion, Variable):
        parts = [criterion]
    else:
        raise TypeError(f"criterion must be a loss Function or a (loss, metric) tuple, got "
                        f"{describe(criterion)}")
    if len(parts) not in (1, 2):
        raise ValueError("criterion parameter must be a singleton or a tuple of 2 elements, got "
                         f"{len(parts)}")
    loss = _as_function(parts[0], "loss")
    metric = None if len(parts) == 1 or parts[1] is None else _as_function(parts[1], "metric")
    return loss, metric


class Trainer:
    """Trains `model`'s Parameters on `criterion` (a loss Function, a ``(loss, metric)`` tuple,
    or a Function with those two outputs) with `parameter_learners` (one learner or a list),
    reporting to `progress_writers` (one or a list)."""

    def __init__(self, model, criterion, parameter_learners, progress_writers=None):
        from ..ops.functions import Function
        from ..ops.graph import combine
        loss, metric = _criterion(criterion)
        if model is not None and not isinstance(model, Function):
            model = _as_function(model, "model") if isinstance(model, Variable) else None
            if model is None:
                raise TypeError("model must be a Function or None")
        learners = parameter_learners if isinstance(parameter_learners, (list, tuple)) \
            else [parameter_learners]
        for i, lr in enumerate(learners):
            if not hasattr(lr, "_update") or not hasattr(lr, "parameters"):
                raise TypeError(f"{item('parameter_learners', i)} must be a learner (cntkr_py.learners), "
                                f"got {describe(lr)}")
        if not learners:
            raise ValueError("parameter_learners: give at least one learner")
        if progress_writers is None:
            writers = []
        elif isinstance(progress_writers, (list, tuple)):
            writers = list(progress_writers)
        else:
            writers = [progress_writers]
        for i, w in enumerate(writers):
            if not hasattr(w, "_update_training"):
                raise TypeError(f"{item('progress_writers', i)} must be a progress writer "
                                f"(cntkr_py.logging), got {describe(w)}")
        self._model, self._loss, self._metric = model, loss, metric
        self._learners = list(learners)
        self._writers = writers
        for lr in self._learners:  # as CNTK's Trainer: its writers get the learners' rate reports
            add = getattr(lr, "add_progress_writers", None)
            if add is not None and writers:
                add(writers)

        # one plan for the step: loss, metric and model (its outputs can be fetched)
        roots = []
        for f in (loss, metric, model):
            if f is not None and all(f is not r for r in roots):
                roots.append(f)
        self._root = combine(roots) if len(roots) > 1 else roots[0]
        self._plan = executor.plan(self._root)
        self._loss_slot = self._plan.slots[id(loss)]
        self._metric_slot = None if metric is None else self._plan.slots[id(metric)]
        batched = [a for a in executor.plan(loss).args if a.has_batch_axis] or \
            [a for a in self._plan.args if a.has_batch_axis]
        self._count_var = batched[0] if batched else None

        # the learners' Parameters: each once, every one part of the model
        in_model = {id(p) for p in self._plan.leaves if p.is_parameter}
        owner, params = {}, []
        for lr in self._learners:
            for p in lr.parameters:
                if id(p) in owner:
                    raise ValueError(f"Parameter {variable_label(p)} is covered by 2 different "
                                     "learners")
                owner[id(p)] = lr
                params.append(p)
        outside = [p for p in params if id(p) not in in_model]
        if outside:
            names = ", ".join(variable_label(p) for p in outside)
            raise ValueError(f"Trainer: {len(outside)} of the learner parameters ({names}) are not "
                             "part of the model specified")
        uncovered = sum(1 for p in self._plan.leaves if p.is_parameter and id(p) not in owner)
        if uncovered:
            print(f"[Note:] Trainer ctor: {uncovered} of the model parameters are not covered by "
                  "any of the specified Learners; these parameters will not be learned",
                  file=sys.stderr)
        self._params = params
        self._param_ids = [id(p) for p in params]
        # grads[k] of the step's list belongs to learner i: slices of it
        self._slices, start = [], 0
        for lr in self._learners:
            n = len(lr.parameters)
            self._slices.append((lr, start, start + n))
            start += n

        self._prev_loss_sum = None
        self._prev_metric_sum = None
        self._prev_samples = 0
        self._total_samples = 0
        self._minibatches = 0
        self._sweeps = 0

    # ---- properties ----------------------------------------------------------------
    @property
    def model(self):
        """The model the trainer trains (None when it was given as None)."""
        return self._model

    @property
    def loss_function(self):
        return self._loss

    @property
    def evaluation_function(self):
        """The metric (None when the criterion had none)."""
        return self._metric

    @property
    def parameter_learners(self) -> list:
        return list(self._learners)

    @property
    def previous_minibatch_loss_average(self) -> float:
        """The loss of the last trained minibatch, averaged over its samples."""
        if self._prev_loss_sum is None:
            raise ValueError("Trainer::PreviousMinibatchLossAverage: no minibatch has been "
                             "trained yet")
        return self._prev_loss_sum / self._prev_samples

    @property
    def previous_minibatch_evaluation_average(self) -> float:
        """The metric of the last trained minibatch, averaged over its samples."""
        if self._metric is None:
            raise ValueError("Trainer::PreviousMinibatchEvaluationAverage: Cannot get evaluation "
                             "criterion value when no evaluation function was specified during "
                             "'this' trainer's construction")
        if self._prev_metric_sum is None:
            raise ValueError("Trainer::PreviousMinibatchEvaluationAverage: no minibatch has been "
                             "trained yet")
        return self._prev_metric_sum / self._prev_samples

    @property
    def previous_minibatch_sample_count(self) -> int:
        return self._prev_samples

    @property
    def total_number_of_samples_seen(self) -> int:
        # CNTK 2.7 reports its first learner's count (measured): a learner whose rate is 0 skips
        # the minibatch without counting it, so the Trainer's count stays too
        first = getattr(self._learners[0], "total_number_of_samples_seen", None)
        return self._total_samples if not isinstance(first, int) else int(first)

    # ---- training ------------------------------------------------------------------
    def _sweep_end(self, arguments, is_sweep_end):
        mbd = isinstance(arguments, dict) and any(_is_minibatch_data(v)
                                                 for v in arguments.values())
        if mbd:
            if is_sweep_end is not None:
                raise ValueError("is_sweep_end is ignored by Trainer::train_minibatch when it is "
                                 "fed with MinibatchData!")
            return any(bool(v.end_of_sweep) for v in arguments.values()
                       if _is_minibatch_data(v))
        return bool(is_sweep_end) if is_sweep_end is not None else False

    def train_minibatch(self, arguments, outputs=None, device=None, is_sweep_end=None):
        """One training step on `arguments` ({input Variable or its name: array or
        MinibatchData}, or the array alone when the criterion has one input). Returns True if
        the learners updated, False when all of them signalled the end of learning (or
        `arguments` is empty); with `outputs`, ``(bool, {output: array})`` of the forward pass
        before the update."""
        sweep_end = self._sweep_end(arguments, is_sweep_end)
        if isinstance(arguments, dict) and not arguments:
            return (False, {}) if outputs else False
        outs = None
        if outputs:
            outs = executor._as_list(outputs, "outputs")
            for o in outs:
                if not isinstance(o, Variable) or id(o) not in self._plan.slots:
                    raise ValueError(f"outputs: {variable_label(o) if isinstance(o, Variable) else describe(o)}"
                                     " is not part of the model or criterion")
        dev = _device.as_torch_device(device)
        plan = self._plan
        feed = plan.feed(arguments, dev)
        n = feed[self._count_var].shape[0] if self._count_var is not None else 1
        leaves = []
        override = {}
        for p, pid in zip(self._params, self._param_ids):
            t = p.data()
            leaf = (t if t.device == dev else t.to(dev)).detach().requires_grad_(True)
            leaves.append(leaf)
            override[pid] = leaf
        prev = torch.is_grad_enabled()
        tp.set_grad_enabled(True)
        try:
            values = plan.run(feed, dev, override, training=True)
            loss_sum = values[self._loss_slot].sum()
            metric_t = None if self._metric_slot is None else values[self._metric_slot]
            out_ts = [plan.lookup(values, o, "outputs") for o in outs] if outs else None
            # the forward's values go before the backward (autograd keeps what it needs), as
            # in a torch loop: glibc then serves the next step from its heap instead of
            # trimming and refaulting it (measured, one thread, a mnist_example step: 93-165
            # page faults and 340-430 us of system time with the values kept, 27-72 and
            # 80-150 us without)
            values = None
            if loss_sum.requires_grad:
                grads = list(torch.autograd.grad(loss_sum, leaves, allow_unused=True))
            else:
                grads = [None] * len(leaves)
        finally:
            tp.set_grad_enabled(prev)
        for k, g in enumerate(grads):
            data = self._params[k].data()
            if g is None:
                grads[k] = torch.zeros_like(data)
            elif g.device != data.device:
                grads[k] = g.to(data.device)
        with torch.no_grad():
            if self._metric_slot is None:
                sums = [float(loss_sum)]
            else:
                sums = torch.stack([loss_sum.detach(),
                                    metric_t.sum().to(loss_sum.dtype)]).tolist()
        out_map = None
        if outs:
            out_map = {o: executor._export(t, True) for o, t in zip(outs, out_ts)}
        updated = self._update(grads, n, sweep_end)
        self._prev_loss_sum = sums[0]
        self._prev_metric_sum = sums[1] if len(sums) > 1 else None
        self._prev_samples = n
        self._total_samples += n
        self._minibatches += 1
        self._sweeps += bool(sweep_end)
        metric_sum = self._prev_metric_sum
        for w in self._writers:
            w._update_training(n, sums[0], metric_sum)
        return (updated, out_map) if outs else updated

    def _update(self, grads, n, sweep_end) -> bool:
        """Every learner's update; with several learners, all or none (a failing learner
        restores the Parameters and the states of those before it)."""
        if len(self._slices) == 1:
            return bool(self._learners[0]._update(grads, n, sweep_end))
        saved_params = [p.data().clone() for p in self._params]
        saved_states = [lr._get_state() for lr in self._learners]
        updated = False
        try:
            for lr, a, b in self._slices:
                updated = bool(lr._update(grads[a:b], n, sweep_end)) or updated
        except BaseException:
            with torch.no_grad():
                for p, old in zip(self._params, saved_params):
                    p.data().copy_(old)
            for lr, (meta, arrays) in zip(self._learners, saved_states):
                lr._set_state(meta, arrays)
            raise
        return updated

    def test_minibatch(self, arguments, device=None) -> float:
        """The metric's average over the samples of `arguments`, in inference mode (no counter
        changes)."""
        metric_sum, n = self._test(arguments, device)
        return metric_sum / n

    def _test(self, arguments, device=None):
        """test_minibatch's (metric sum, number of samples); the writers get the update."""
        if self._metric is None:
            raise ValueError("Evaluator::TestMinibatch: Cannot test when no evaluation function "
                             "was specified during construction.")
        mplan = executor.plan(self._metric)
        if isinstance(arguments, dict):  # keys of any criterion input are accepted
            kept = {}
            for key, value in arguments.items():
                var = self._plan.resolve(key, "arguments")
                if id(var) in mplan.arg_ids:
                    kept[var] = value
            arguments = kept
        dev = _device.as_torch_device(device)
        feed = mplan.feed(arguments, dev)
        batched = [v for v in feed if v.has_batch_axis]
        n = feed[batched[0]].shape[0] if batched else 1
        with torch.no_grad():
            values = mplan.run(feed, dev)
            metric_sum = float(values[-1].sum())
        for w in self._writers:
            w._update_test(n, metric_sum)
        return metric_sum, n

    def summarize_training_progress(self):
        """Has every progress writer write its training summary (and start a new one)."""
        for w in self._writers:
            w._write_training_summary()

    def summarize_test_progress(self):
        """Has every progress writer write its test summary (and start a new one)."""
        for w in self._writers:
            w._write_test_summary()

    def print_node_timing(self):
        """CNTK 2.7 prints per-node timings when node timing is enabled; cntkr keeps none, so
        this prints nothing."""
        return None

    # ---- checkpoints ---------------------------------------------------------------
    def _checkpoint_parameters(self) -> list:
        f = self._model if self._model is not None else self._root
        return list(f.parameters)

    def save_checkpoint(self, filename, external_state={}):
        """Saves the model's Parameters, the learners' states and the counters to `filename`
        (see the module docstring for the format); `external_state` is a JSON-able dict that
        ``restore_from_checkpoint`` returns."""
        filename = _as_filename(filename)
        if not isinstance(external_state, dict):
            raise TypeError(f"external_state must be a dict, got {describe(external_state)}")
        params = self._checkpoint_parameters()
        arrays, learners = {}, []
        for i, p in enumerate(params):
            arrays[f"parameter/{i}"] = p.data().detach().cpu().numpy()
        for j, lr in enumerate(self._learners):
            meta, larrays = lr._get_state()
            learners.append(meta)
            for key, a in larrays.items():
                arrays[f"learner/{j}/{key}"] = np.asarray(a)
        meta = {"format": CHECKPOINT_FORMAT, "version": CHECKPOINT_VERSION,
                "parameters": [{"name": p.name, "shape": list(p.shape),
                                "dtype": str(p.data().dtype).replace("torch.", "")}
                               for p in params],
                "learners": learners, "total_samples": self._total_samples,
                "minibatches": self._minibatches, "sweeps": self._sweeps,
                "external_state": external_state}
        try:
            text = json.dumps(meta)
        except (TypeError, ValueError) as e:
            raise TypeError(f"external_state must hold only JSON values (numbers, strings, "
                            f"booleans, lists, dicts): {e}") from None
        arrays["meta.json"] = np.array(text)
        save_values(filename, arrays)

    def restore_from_checkpoint(self, filename):
        """Restores what ``save_checkpoint`` saved to `filename`; returns its external_state."""
        filename = _as_filename(filename)
        if not os.path.exists(filename):
            raise FileNotFoundError(f"restore_from_checkpoint: no checkpoint file {filename!r}")
        try:
            arrays = load_values(filename)
            meta = json.loads(str(arrays.pop("meta.json")))
        except Exception as e:
            raise ValueError(f"restore_from_checkpoint: {filename!r} is not a cntkr checkpoint "
                             f"({e})") from None
        if meta.get("format") != CHECKPOINT_FORMAT or meta.get("version") != CHECKPOINT_VERSION:
            raise ValueError(f"restore_from_checkpoint: {filename!r} is not a cntkr checkpoint "
                             f"of version {CHECKPOINT_VERSION}")
        params = self._checkpoint_parameters()
        saved = meta["parameters"]
        if len(saved) != len(params):
            raise ValueError(f"restore_from_checkpoint: {filename!r} holds {len(saved)} "
                             f"parameters, the model has {len(params)}")
        for i, (p, s) in enumerate(zip(params, saved)):
            if tuple(s["shape"]) != tuple(p.shape):
                raise ValueError(f"restore_from_checkpoint: parameter {i} ({variable_label(p)}) "
                                 f"has shape {tuple(p.shape)}, the checkpoint's has "
                                 f"{tuple(s['shape'])}")
        if len(meta["learners"]) != len(self._learners):
            raise ValueError(f"restore_from_checkpoint: {filename!r} holds the state of "
                             f"{len(meta['learners'])} learners, the trainer has "
                             f"{len(self._learners)}")
        with torch.no_grad():
            for i, p in enumerate(params):
                data = p.data()
                data.copy_(torch.from_numpy(arrays[f"parameter/{i}"]).to(data.device,
                                                                           data.dtype))
        for j, lr in enumerate(self._learners):
            prefix = f"learner/{j}/"
            lr._set_state(meta["learners"][j],
                          {k[len(prefix):]: a for k, a in arrays.items() if k.startswith(prefix)})
        self._total_samples = int(meta["total_samples"])
        self._minibatches = int(meta["minibatches"])
        self._sweeps = int(meta.get("sweeps", 0))
        return meta["external_state"]


def _as_filename(filename) -> str:
    if isinstance(filename, os.PathLike):
        filename = os.fspath(filename)
    if not isinstance(filename, str) or not filename:
        raise TypeError(f"filename must be a non-empty string, got {describe(filename)}")
    return filename
