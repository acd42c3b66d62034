"""Running a graph: the plan (evaluation order), feeding input values, ``eval``, ``forward`` and
``grad``. :class:`~cntkr_py.ops.functions.Function` delegates here.

A :class:`Plan` is compiled once per root Function (graphs are immutable): every node's value lives
in a list slot -- leaves first, then the Functions in evaluation order, so the root's value is the
last -- and each step reads its inputs' slots. Gradients come from torch.autograd.
"""
from __future__ import annotations

import numpy as np
import torch

from . import _torch_private as tp
from . import device as _device
from ._shapes import describe, describe_shape
from .variables import Variable, _to_array, as_dtype, torch_dtype

__all__ = ["Plan", "plan", "topological_order", "eval", "forward", "backward", "grad",
           "variable_label", "BackwardState"]


def topological_order(root) -> list:
    """Every node `root` depends on (itself included), inputs before the nodes using them.
    Iterative: graphs of any depth."""
    order, seen = [], set()
    stack = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        for i in reversed(getattr(node, "inputs", ())):
            if id(i) not in seen:
                stack.append((i, False))
    return order


class Plan:
    """The compiled evaluation order of one root Function."""

    def __init__(self, root):
        if getattr(root, "_unknown", False):
            raise ValueError(f"Function '{root.name}' is built on a placeholder without a shape: "
                             "replace_placeholders first")
        nodes = topological_order(root)
        self.leaves = [n for n in nodes if not hasattr(n, "op")]
        self.functions = [n for n in nodes if hasattr(n, "op")]
        self.slots = {id(v): i for i, v in enumerate(self.leaves)}
        self.steps = []
        for node in self.functions:
            self.steps.append((node.step(), tuple(self.slots[id(i)] for i in node.inputs)))
            self.slots[id(node)] = len(self.slots)
        self._train_steps = None
        # assign() nodes write their Parameters/Constants when the whole run is done (CNTK's
        # order: every node of a run reads the values from before it)
        self.assigns = any(n.op.name == "Assign" for n in self.functions)
        self.leaf_plan = [(v, v.is_input) for v in self.leaves]
        self.args = [v for v in self.leaves if v.is_input]
        self.arg_ids = {id(v) for v in self.args}
        self.leaf_ids = {id(v) for v in self.leaves}
        # eval's fast path (see _eval_fast): one input, with a batch axis and a known dtype
        one = self.args[0] if len(self.args) == 1 else None
        self.fast = None if one is None or not one.dynamic_axes or one.dtype is None \
            else (one, one.dtype, tuple(one.shape), len(one.shape) + 1)

    # ---- feeding ---------------------------------------------------------------------
    def resolve(self, key, name):
        """An arguments key (an input Variable of this graph, or its name) as the Variable."""
        if isinstance(key, str):
            hits = [a for a in self.args if a.name == key]
            if len(hits) == 1:
                return hits[0]
            names = ", ".join(describe(a.name) for a in self.args if a.name) or "none"
            if not hits:
                raise ValueError(f"{name}: no input named {describe(key)} in this Function "
                                 f"(its inputs' names: {names})")
            raise ValueError(f"{name}: {len(hits)} inputs are named {describe(key)}; key them by "
                             "variable")
        if id(key) in self.arg_ids:
            return key
        if isinstance(key, Variable):
            inputs = ", ".join(variable_label(a) for a in self.args)
            raise ValueError(f"{name}: {variable_label(key)} is not an input of this Function "
                             f"(its inputs: {inputs})")
        raise TypeError(f"{name}: keys must be input variables or their names, got "
                        f"{describe(key)}")

    def feed(self, arguments, dev, name="arguments") -> dict:
        """The user's `arguments` as {Variable: tensor} on `dev`."""
        args = self.args
        if arguments is None:
            arguments = {}
        if not isinstance(arguments, dict):
            if len(args) != 1:
                raise ValueError(
                    f"{name}: this Function has {len(args)} inputs "
                    f"({', '.join(variable_label(a) for a in args)}); give a value for each, "
                    "keyed by variable or name")
            arguments = {args[0]: arguments}
        feed = {}
        for key, value in arguments.items():
            var = self.resolve(key, name)
            if var in feed:
                raise ValueError(f"{name}: two values given for {variable_label(var)}")
            feed[var] = _as_input_tensor(var, value, dev)
        missing = [a for a in args if a not in feed]
        if missing:
            raise ValueError(f"{name}: no value given for "
                             f"{', '.join(variable_label(m) for m in missing)}")
        if len(feed) > 1:
            batch = {t.shape[0] for v, t in feed.items() if v.has_batch_axis}
            if len(batch) > 1:
                raise ValueError(f"{name}: the inputs have different batch sizes {sorted(batch)}")
        return feed

    # ---- running ---------------------------------------------------------------------
    @property
    def train_steps(self) -> list:
        """The steps of training mode (``grad``, ``forward`` with ``keep_for_backward``): each
        op's training forward where it has one; the new values of the inputs it updates (running
        statistics) are stored into those Variables here."""
        if self._train_steps is None:
            steps = []
            for node, (step, ins) in zip(self.functions, self.steps):
                if node.op.training is not None:
                    step = node.step(training=True)
                    if node.op.state:
                        step = _storing(step, [node.inputs[i] for i in node.op.state])
                steps.append((step, ins))
            self._train_steps = steps
        return self._train_steps

    def run(self, feed: dict, dev, override=None, training=False) -> list:
        """Every node's value, by slot (the root's is the last); `training` runs each op's
        training forward (the one switch between inference and training mode)."""
        if self.assigns:
            from .ops.assign import deferred_assignments
            with deferred_assignments():
                return self._run(feed, dev, override, training)
        return self._run(feed, dev, override, training)

    def _run(self, feed: dict, dev, override, training) -> list:
        values = []
        append = values.append
        for leaf, is_input in self.leaf_plan:
            if override and id(leaf) in override:
                append(override[id(leaf)])
            elif is_input:
                append(feed[leaf])
            else:
                t = leaf.data()
                append(t if t.device == dev else t.to(dev))
        at = values.__getitem__
        for step, ins in (self.train_steps if training else self.steps):
            append(step(*map(at, ins)))
        return values

    def lookup(self, values: list, node, name):
        slot = self.slots.get(id(node))
        if slot is None:
            raise ValueError(f"{name}: {variable_label(node)} is not part of this Function's graph")
        return values[slot]


def _storing(step, targets):
    """A training step that stores the new values of the Variables it updates (in place, so
    every graph sharing them sees them)."""
    def run(*tensors):
        pair = step(*tensors)
        with torch.no_grad():
            for var, new in zip(targets, pair.new):
                data = var.data()
                data.copy_(new.reshape(data.shape))
        return pair.out
    return run


def plan(root) -> Plan:
    """`root`'s plan, compiled once."""
    p = root._plan
    if p is None:
        p = root._plan = Plan(root)
    return p


def variable_label(v) -> str:
    """How a Variable is named in messages: by its name, else by its kind and shape."""
    kind = "parameter" if v.is_parameter else "constant" if v.is_constant else \
        "output" if hasattr(v, "op") else "input"
    if v.name:
        return f"{kind} '{v.name}'"
    return f"the unnamed {kind} of shape {describe_shape(v.shape)}"


# ---- eval / forward / grad ------------------------------------------------------------
def eval(f, arguments=None, outputs=None, device=None, as_numpy=True):
    """Evaluates ``f`` in inference mode (``Function.eval``): ``arguments`` maps f's inputs to
    batches (or is one batch for a single input), ``outputs`` picks other nodes of the graph to
    return instead of ``f``'s output (a dict of them when several). NumPy arrays unless
    ``as_numpy`` is False (torch tensors)."""
    if outputs is None and device is None:
        y = _eval_fast(f, arguments)
        if y is not None:
            return y.numpy() if as_numpy else y
    p = plan(f)
    dev = _device.as_torch_device(device)
    feed = p.feed(arguments, dev)
    prev = torch.is_grad_enabled()
    tp.set_grad_enabled(False)
    try:
        values = p.run(feed, dev)
    finally:
        tp.set_grad_enabled(prev)
    if outputs is None:
        return _export(values[-1], as_numpy)
    outs = _as_list(outputs, "outputs")
    result = {o: _export(p.lookup(values, o, "outputs"), as_numpy) for o in outs}
    return next(iter(result.values())) if len(result) == 1 else result


def _eval_fast(f, arguments):
    """eval's common case without the general feed: one batched input given as a C-contiguous
    NumPy array of its dtype and shape (bare or in a one-entry dict keyed by the Variable), the
    CPU the default device. None when the call is not that case (eval then takes the general
    path, which also reports errors)."""
    p = f._plan or plan(f)
    fast = p.fast
    if fast is None:
        return None
    var, dtype, shape, ndim = fast
    value = arguments
    if type(value) is dict:
        if len(value) != 1:
            return None
        value = value.get(var)
    if type(value) is not np.ndarray or value.ndim != ndim or value.dtype != dtype or \
            value.shape[1:] != shape or not value.flags.c_contiguous:
        return None
    dev = _device.use_default_device().torch_device
    if dev.type != "cpu":
        return None
    prev = torch.is_grad_enabled()
    tp.set_grad_enabled(False)
    try:
        values = p.run({var: torch.from_numpy(value)}, dev)
    finally:
        tp.set_grad_enabled(prev)
    return values[-1]


class BackwardState:
    """What ``forward(..., keep_for_backward=...)`` keeps for ``backward``: the values of one
    training-mode run, with torch's graph behind them."""

    __slots__ = ("plan", "values", "leaves", "keep")

    def __init__(self, plan, values, leaves, keep):
        self.plan, self.values, self.leaves, self.keep = plan, values, leaves, keep

    def __repr__(self):
        return f"BackwardState(keeping {len(self.keep)} output(s))"


def forward(f, at, outputs=None, keep_for_backward=None, device=None, as_numpy=True):
    """Inference without `keep_for_backward` (state None); with it, a training-mode run whose
    state ``backward`` differentiates (BatchNormalization uses and updates its batch statistics,
    Dropout drops, as CNTK 2.7 does)."""
    p = plan(f)
    outs = [f] if outputs is None else _as_list(outputs, "outputs")
    keep = [] if keep_for_backward is None else list(keep_for_backward) \
        if isinstance(keep_for_backward, (set, frozenset)) else \
        _as_list(keep_for_backward, "keep_for_backward")
    dev = _device.as_torch_device(device)
    feed = p.feed(at, dev, "at")
    if not keep:
        with torch.no_grad():
            values = p.run(feed, dev)
        return None, {o: _export(p.lookup(values, o, "outputs"), as_numpy) for o in outs}
    for k in keep:
        if not isinstance(k, Variable) or id(k) not in p.slots:
            raise ValueError(f"keep_for_backward: {variable_label(k) if isinstance(k, Variable) else describe(k)}"
                             " is not part of this Function's graph")
    leaves = {}
    for v in p.leaves:
        if v.is_input:
            feed[v] = leaves[id(v)] = feed[v].detach().requires_grad_(True)
        elif v.is_parameter:
            t = v.data()
            leaves[id(v)] = (t if t.device == dev else t.to(dev)).detach().requires_grad_(True)
    prev = torch.is_grad_enabled()
    tp.set_grad_enabled(True)
    try:
        values = p.run(feed, dev, leaves, training=True)
    finally:
        tp.set_grad_enabled(prev)
    state = BackwardState(p, values, leaves, {id(k) for k in keep})
    return state, {o: _export(p.lookup(values, o, "outputs"), as_numpy) for o in outs}


def backward(state, root_gradients, variables, as_numpy=True):
    """Gradients w.r.t. `variables` (inputs or Parameters) of the outputs kept by ``forward``,
    seeded with `root_gradients` ({output: gradient array}): {variable: gradient}."""
    if not isinstance(state, BackwardState):
        raise TypeError(f"state must be what forward(..., keep_for_backward=...) returned, got "
                        f"{describe(state)}")
    if not isinstance(root_gradients, dict) or not root_gradients:
        raise TypeError("root_gradients must be a dict {output: gradient array}, got "
                        f"{describe(root_gradients)}")
    p = state.plan
    roots, seeds = [], []
    for out, g in root_gradients.items():
        if not isinstance(out, Variable) or id(out) not in state.keep:
            raise ValueError(f"root_gradients: {variable_label(out) if isinstance(out, Variable) else describe(out)}"
                             " was not in forward's keep_for_backward")
        t = p.lookup(state.values, out, "root_gradients")
        seed = torch.as_tensor(_to_array(g, as_dtype(out.dtype), "root_gradients"))
        if tuple(seed.shape) != tuple(t.shape):
            raise ValueError(f"root_gradients: the gradient for {variable_label(out)} must have "
                             f"shape {describe_shape(t.shape)}, got {describe_shape(seed.shape)}")
        roots.append(t)
        seeds.append(seed.to(t.device))
    variables = list(variables) if isinstance(variables, (list, tuple, set, frozenset)) else \
        _as_list(variables, "variables")
    targets = []
    for v in variables:
        if not isinstance(v, Variable) or id(v) not in state.leaves:
            raise ValueError(f"variables: {variable_label(v) if isinstance(v, Variable) else describe(v)}"
                             " is not an input or parameter of this Function")
        targets.append(state.leaves[id(v)])
    live = [r for r in roots if r.requires_grad]
    if live:
        grads = torch.autograd.grad([r for r in roots if r.requires_grad], targets,
                                    [s for r, s in zip(roots, seeds) if r.requires_grad],
                                    retain_graph=True, allow_unused=True)
    else:
        grads = [None] * len(targets)
    return {v: _export(torch.zeros_like(t) if g is None else g, as_numpy)
            for v, g, t in zip(variables, grads, targets)}


def grad(f, at, wrt=None, outputs=None, device=None, as_numpy=True, grad_root=None):
    """The gradient of the sum of ``f``'s output (or of ``grad_root``'s) at the inputs ``at``, in
    training mode (``Function.grad``), with respect to ``wrt`` (inputs and parameters; by default
    the inputs with ``needs_gradient=True``): one array, or a dict keyed by ``wrt``'s entries; with
    ``outputs``, the pair (gradients, those outputs' values)."""
    p = plan(f)
    dev = _device.as_torch_device(device)
    feed = p.feed(at, dev, "at")
    if wrt is None:
        wrt = [a for a in p.args if a.needs_gradient]
        if not wrt:
            raise ValueError(f"wrt: none of the Function '{f.name}' arguments has "
                             "needs_gradient=True; give wrt")
    wrt = _as_list(wrt, "wrt")
    override = {}
    for w in wrt:
        if not isinstance(w, Variable) or hasattr(w, "op") or id(w) not in p.leaf_ids:
            raise ValueError(f"wrt: {variable_label(w) if isinstance(w, Variable) else describe(w)}"
                             " is not an input or parameter of this Function")
        if w.is_input:
            feed[w] = feed[w].detach().requires_grad_(True)
            override[id(w)] = feed[w]
        else:
            t = w.data()
            override[id(w)] = (t if t.device == dev else t.to(dev)).detach().requires_grad_(True)
    outs = [] if outputs is None else _as_list(outputs, "outputs")
    prev = torch.is_grad_enabled()
    tp.set_grad_enabled(True)
    try:
        values = p.run(feed, dev, override, training=True)
        root_t = p.lookup(values, f if grad_root is None else grad_root, "grad_root")
        targets = [override[id(w)] for w in wrt]
        if root_t.requires_grad:
            # d(sum)/d(output): ones, as a stride-0 view (no output-sized buffer)
            grads = tp.run_backward(root_t, targets, _ones(root_t).expand_as(root_t))
        else:
            grads = [None] * len(targets)
    finally:
        tp.set_grad_enabled(prev)
    result = {w: _export(torch.zeros_like(t) if g is None else g, as_numpy)
              for w, g, t in zip(wrt, grads, targets)}
    if len(result) == 1:
        result = next(iter(result.values()))
    if not outs:
        return result
    out_vals = {o: _export(p.lookup(values, o, "outputs").detach(), as_numpy) for o in outs}
    if len(out_vals) == 1:
        out_vals = next(iter(out_vals.values()))
    return result, out_vals


_ONES = {}


def _ones(t):
    """A cached 0-d ones tensor of t's dtype and device (to expand as d(sum)/d(output))."""
    key = (t.dtype, t.device)
    o = _ONES.get(key)
    if o is None:
        o = _ONES[key] = torch.ones((), dtype=t.dtype, device=t.device)
    return o


def _as_list(value, name):
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, Variable):
        return [value]
    raise TypeError(f"{name} must be a Variable or a list of Variables, got {describe(value)}")


def _export(t: torch.Tensor, as_numpy: bool):
    if t.requires_grad:
        t = t.detach()
    if not as_numpy:
        return t
    return t.numpy() if t.device.type == "cpu" else t.cpu().numpy()


def _minibatch_tensor(var: Variable, mb) -> torch.Tensor:
    """A reader's MinibatchData for input `var`: its samples, reshaped to the input's shape when
    the sizes agree (a 784-wide stream feeds a (1, 28, 28) input, as in CNTK)."""
    t = mb.data
    shape = tuple(var.shape)
    if var.dynamic_axes and tuple(t.shape[1:]) != shape and t.dim() >= 1 \
            and int(np.prod(t.shape[1:])) == int(np.prod(shape)):
        t = t.reshape((t.shape[0],) + shape)
    return t


def _as_input_tensor(var: Variable, value, dev) -> torch.Tensor:
    """A value for input `var` as a tensor (batch axis first), shape-checked."""
    if type(value).__name__ == "MinibatchData" and hasattr(value, "num_samples"):
        value = _minibatch_tensor(var, value)
    if isinstance(value, np.ndarray) and value.dtype == var.dtype and value.flags.c_contiguous:
        t = torch.from_numpy(value)  # the common case, kept cheap
        if dev.type != "cpu":
            t = t.to(dev)
    elif isinstance(value, torch.Tensor):
        if value.is_complex():
            raise TypeError(f"value for {variable_label(var)} must be real, got a complex tensor")
        t = value.detach().to(device=dev, dtype=torch_dtype(var.dtype))
    else:
        t = torch.from_numpy(_to_array(value, as_dtype(var.dtype), f"value for {variable_label(var)}"))
        if dev.type != "cpu":
            t = t.to(dev)
    expected = var.shape
    shape = t.shape
    if var.dynamic_axes:
        if shape == expected:  # a single sample without its batch axis
            t = t.unsqueeze(0)
            shape = t.shape
        if len(shape) != len(expected) + 1 or shape[1:] != expected:
            raise ValueError(f"value for {variable_label(var)} must have shape "
                             f"{describe_shape(expected, batch=True)}, got {describe_shape(shape)}")
    elif shape != expected:
        raise ValueError(f"value for {variable_label(var)} must have shape "
                         f"{describe_shape(expected)}, got {describe_shape(shape)}")
    return t
