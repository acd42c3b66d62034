"""Functions, as in ``cntk.ops.functions``: graph nodes with ``eval`` and ``grad``.

A Function has one output and is itself usable wherever a Variable is (as CNTK's
single-output Functions are). Evaluation walks the graph once in topological order, on torch
tensors; gradients come from torch.autograd.
"""
from __future__ import annotations

import numpy as np
import torch

from . import device as _device
from .variables import Variable, _to_array, as_dtype, torch_dtype

__all__ = ["Function"]


class Function(Variable):
    """A graph node with a single output.

    ``forward(*tensors) -> tensor`` computes the output from the input tensors, in the order of
    ``inputs``. Tensors of inputs with a batch axis carry it in front.
    """

    def __init__(self, op_name, inputs, forward, shape, dtype=None, name="", members=None):
        inputs = [as_node(i) for i in inputs]
        if dtype is None:
            dtype = next((i.dtype for i in inputs if i.dtype is not None), np.float32)
        dynamic = next((i.dynamic_axes for i in inputs if i.dynamic_axes), ())
        super().__init__(shape, dtype, needs_gradient=False, name=name, dynamic_axes=dynamic)
        self.op_name = op_name
        self.inputs = inputs
        self._forward = forward
        self._members = dict(members or {})
        self._plan = None
        self._args = self._arg_ids = self._leaf_ids = self._slots = self._steps = self._leaf_plan = None
        self._fast = None

    # ---- graph structure -------------------------------------------------------------
    @property
    def owner(self):
        return self

    @property
    def root_function(self):
        return self

    def _topology(self):
        """(functions in evaluation order, leaf variables in discovery order), cached."""
        if self._plan is None:
            order, leaves, seen = [], [], set()

            def visit(node):
                if id(node) in seen:
                    return
                seen.add(id(node))
                if isinstance(node, Function):
                    for i in node.inputs:
                        visit(i)
                    order.append(node)
                else:
                    leaves.append(node)
            visit(self)
            # per-call lookups, cached with the plan (eval/grad overhead): every node's value
            # lives in a list slot (leaves first, then functions in evaluation order, so this
            # Function's own value is the last); each step reads its inputs' slots
            slots = {id(v): i for i, v in enumerate(leaves)}
            steps = []
            for node in order:
                steps.append((node._forward, tuple(slots[id(i)] for i in node.inputs)))
                slots[id(node)] = len(slots)
            self._slots, self._steps = slots, steps
            self._leaf_plan = [(v, v.is_input) for v in leaves]
            self._args = [v for v in leaves if v.is_input]
            self._arg_ids = {id(v) for v in self._args}
            # _eval_fast's case: one input, with a batch axis and a known dtype
            one = self._args[0] if len(self._args) == 1 else None
            self._fast = None if one is None or not one.dynamic_axes or one.dtype is None \
                else (one, one.dtype, tuple(one.shape), len(one.shape) + 1)
            self._leaf_ids = {id(v) for v in leaves}
            self._plan = (order, leaves)
        return self._plan

    @property
    def arguments(self) -> list:
        """The inputs (not Parameters or Constants) this Function needs values for."""
        self._topology()
        return list(self._args)

    @property
    def parameters(self) -> list:
        return [v for v in self._topology()[1] if v.is_parameter]

    @property
    def constants(self) -> list:
        return [v for v in self._topology()[1] if v.is_constant]

    def __getattr__(self, name):
        # Reached only when normal lookup fails: layer members (W, b), then parameters by name.
        if name.startswith("_"):
            raise AttributeError(name)
        members = self.__dict__.get("_members", {})
        if name in members:
            return members[name]
        found = [p for p in self.parameters + self.constants if p.name == name]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise AttributeError(f"Function '{self.name}' has {len(found)} parameters named '{name}'")
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __call__(self, *args):
        """Apply this Function to new inputs, in the order of ``arguments`` (shares parameters)."""
        old = self.arguments
        if len(args) != len(old):
            raise TypeError(f"Function '{self.name}' takes {len(old)} argument(s), got {len(args)}")
        return self.clone({o: as_node(a) for o, a in zip(old, args)})

    def clone(self, substitutions: dict):
        """A copy of the graph with leaves replaced (Parameters and Constants are shared)."""
        memo = {id(k): v for k, v in substitutions.items()}

        def copy(node):
            if id(node) in memo:
                return memo[id(node)]
            if isinstance(node, Function):
                new = node._rebuild([copy(i) for i in node.inputs])
            else:
                new = node
            memo[id(node)] = new
            return new
        return copy(self)

    def _rebuild(self, new_inputs):
        return Function(self.op_name, new_inputs, self._forward, self.shape, self.dtype,
                        self.name, self._members)

    def __repr__(self):
        return f"Composite({self.op_name}): {[a.name or a.uid for a in self.arguments]} -> " \
               f"Output('{self.name}', {list(self.shape)})"

    # ---- evaluation -------------------------------------------------------------------
    def _feed(self, arguments, dev):
        """Map the user's `arguments` to {Variable: tensor} on `dev`."""
        self._topology()
        args = self._args
        if arguments is None:
            arguments = {}
        if not isinstance(arguments, dict):
            if len(args) != 1:
                raise ValueError(
                    f"arguments: this Function has {len(args)} inputs "
                    f"({[a.name or a.uid for a in args]}); pass a dict {{variable: value}}")
            arguments = {args[0]: arguments}
        missing = [a for a in args if a not in arguments]
        if missing:
            raise ValueError(f"arguments: no value given for input(s) "
                             f"{[m.name or m.uid for m in missing]}")
        feed = {}
        arg_ids = self._arg_ids
        for var, value in arguments.items():
            if id(var) not in arg_ids and (not isinstance(var, Variable) or not var.is_input):
                raise TypeError(f"arguments: keys must be input variables, got {var!r}")
            feed[var] = _as_input_tensor(var, value, dev)
        if len(feed) == 1:
            return feed
        batch = {t.shape[0] for v, t in feed.items() if v.has_batch_axis}
        if len(batch) > 1:
            raise ValueError(f"arguments: the inputs have different batch sizes {sorted(batch)}")
        return feed

    def _run(self, feed: dict, dev, leaves_override=None) -> list:
        """Evaluate the graph; returns every node's value, by the slots of ``_slots``."""
        self._topology()
        values = []
        append = values.append
        for leaf, is_input in self._leaf_plan:
            if leaves_override and id(leaf) in leaves_override:
                append(leaves_override[id(leaf)])
            elif is_input:
                append(feed[leaf])
            else:
                t = leaf.data()
                append(t if t.device == dev else t.to(dev))
        at = values.__getitem__
        for forward, ins in self._steps:
            append(forward(*map(at, ins)))
        return values

    def _lookup(self, values: list, node, name):
        """`node`'s value in `values` (from :meth:`_run`)."""
        slot = self._slots.get(id(node))
        if slot is None:
            raise ValueError(f"{name}: {node!r} is not part of this Function's graph")
        return values[slot]

    def eval(self, arguments=None, outputs=None, device=None, as_numpy=True):
        """Evaluate at `arguments` ({input: array}, or an array when there is one input).

        Returns the output (batch axis first); with `outputs`, a dict {output: value}, or
        one value when one output is asked for.
        """
        if outputs is None and device is None:
            y = self._eval_fast(arguments)
            if y is not None:
                return y.numpy() if as_numpy else y
        dev = _device.as_torch_device(device)
        feed = self._feed(arguments, dev)
        prev = torch.is_grad_enabled()  # cheaper than `with torch.no_grad()` (per-call overhead)
        torch._C._set_grad_enabled(False)
        try:
            values = self._run(feed, dev)
        finally:
            torch._C._set_grad_enabled(prev)
        if outputs is None:
            return _export(values[-1], as_numpy)
        outs = _as_list(outputs, "outputs")
        result = {o: _export(self._lookup(values, o, "outputs"), as_numpy) for o in outs}
        return next(iter(result.values())) if len(result) == 1 else result

    def _eval_fast(self, arguments):
        """:meth:`eval`'s common case without its general machinery, which costs about as much
        as a small layer's own torch call: one input with a batch axis, given as a C-contiguous
        NumPy array of its dtype and shape (bare or in a one-entry dict), the CPU the default
        device. Returns the output tensor, or None when the call is not that case (:meth:`eval`
        then takes its general path, which also reports errors)."""
        if self._plan is None:
            self._topology()
        fast = self._fast
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
        torch._C._set_grad_enabled(False)
        try:
            values = self._run({var: torch.from_numpy(value)}, dev)
        finally:
            torch._C._set_grad_enabled(prev)
        return values[-1]

    def forward(self, at, outputs=None, keep_for_backward=None, device=None, as_numpy=True):
        """CNTK's ``forward``: (state, {output: value}); no state is needed for ``grad``."""
        outs = [self] if outputs is None else _as_list(outputs, "outputs")
        dev = _device.as_torch_device(device)
        feed = self._feed(at, dev)
        with torch.no_grad():
            values = self._run(feed, dev)
        return None, {o: _export(self._lookup(values, o, "outputs"), as_numpy) for o in outs}

    def grad(self, at, wrt=None, outputs=None, device=None, as_numpy=True, grad_root=None):
        """Gradient of the summed output (or of `grad_root`) at `at` w.r.t. `wrt`.

        Returns a dict {variable: gradient}, or a bare gradient when there is one; with
        `outputs`, a tuple (gradients, output values).
        """
        dev = _device.as_torch_device(device)
        feed = self._feed(at, dev)
        if wrt is None:
            wrt = [a for a in self.arguments if a.needs_gradient]
            if not wrt:
                raise ValueError(f"None of the Function '{self.name}' arguments have "
                                 "'needs_gradient == True'")
        wrt = _as_list(wrt, "wrt")
        leaf_ids = self._leaf_ids
        override = {}
        for w in wrt:
            if not isinstance(w, Variable) or isinstance(w, Function) or id(w) not in leaf_ids:
                raise ValueError(f"wrt: {w!r} is not an input or parameter of this Function")
            if w.is_input:
                feed[w] = feed[w].detach().requires_grad_(True)
                override[id(w)] = feed[w]
            else:
                t = w.data()
                override[id(w)] = (t if t.device == dev else t.to(dev)).detach().requires_grad_(True)
        outs = [] if outputs is None else _as_list(outputs, "outputs")
        prev = torch.is_grad_enabled()  # cheaper than `with torch.enable_grad()`
        torch._C._set_grad_enabled(True)
        try:
            values = self._run(feed, dev, leaves_override=override)
            root = self if grad_root is None else grad_root
            root_t = self._lookup(values, root, "grad_root")
            targets = [override[id(w)] for w in wrt]
            if root_t.requires_grad:
                # d(sum)/d(output): ones, as a stride-0 view (no output-sized buffer; a
                # chunked layer materializes only one slice of it at a time)
                grads = _autograd_grad(root_t, targets, _ones(root_t).expand_as(root_t))
            else:
                grads = [None] * len(targets)
        finally:
            torch._C._set_grad_enabled(prev)
        result = {w: _export(torch.zeros_like(t) if g is None else g, as_numpy)
                  for w, g, t in zip(wrt, grads, targets)}
        if len(result) == 1:
            result = next(iter(result.values()))
        if not outs:
            return result
        out_vals = {o: _export(self._lookup(values, o, "outputs").detach(), as_numpy) for o in outs}
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


_ENGINE = getattr(getattr(torch.autograd, "Variable", None), "_execution_engine", None)


def _autograd_grad(root, targets, grad_root):
    """torch.autograd.grad(root, targets, grad_root, allow_unused=True), calling the engine
    directly when torch exposes it: the Python wrapper's argument checks cost ~10 µs a call,
    and here the arguments are known to be well-formed (one root, grad of its own shape)."""
    if _ENGINE is not None:
        try:
            return _ENGINE.run_backward((root,), (grad_root,), False, False, tuple(targets),
                                        True, False)
        except TypeError:  # a torch with another engine signature
            pass
    return torch.autograd.grad(root, targets, grad_root, allow_unused=True)


def as_node(x):
    """A Variable or Function as it is; an array or number as a Constant."""
    if isinstance(x, Variable):
        return x
    from .variables import Constant
    if isinstance(x, (int, float, np.ndarray, np.number, list, tuple, torch.Tensor)):
        return Constant(x)
    raise TypeError(f"expected a Variable, Function, array or number, got {type(x).__name__}")


def _as_list(value, name):
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, Variable):
        return [value]
    raise TypeError(f"{name} must be a Variable or a list of Variables, got {type(value).__name__}")


def _export(t: torch.Tensor, as_numpy: bool):
    if t.requires_grad:
        t = t.detach()
    if not as_numpy:
        return t
    return t.numpy() if t.device.type == "cpu" else t.cpu().numpy()


def _as_input_tensor(var: Variable, value, dev) -> torch.Tensor:
    """A value for input `var` as a tensor (batch axis first), shape-checked."""
    if isinstance(value, np.ndarray) and value.dtype == var.dtype and value.flags.c_contiguous:
        t = torch.from_numpy(value)  # the common case, kept cheap (per-call overhead)
        if dev.type != "cpu":
            t = t.to(dev)
    elif isinstance(value, torch.Tensor):
        t = value.detach().to(device=dev, dtype=torch_dtype(var.dtype))
    else:
        t = torch.from_numpy(_to_array(value, as_dtype(var.dtype), _value_name(var)))
        if dev.type != "cpu":
            t = t.to(dev)
    expected = var.shape
    shape = t.shape
    if var.dynamic_axes:
        if shape == expected:  # a single sample without its batch axis
            t = t.unsqueeze(0)
            shape = t.shape
        if len(shape) != len(expected) + 1 or shape[1:] != expected:
            raise ValueError(f"{_value_name(var)} must have shape "
                             f"(batch, {', '.join(map(str, expected))}), got {tuple(shape)}")
    elif shape != expected:
        raise ValueError(f"{_value_name(var)} must have shape {tuple(expected)}, "
                         f"got {tuple(shape)}")
    return t


def _value_name(var):
    return f"value for input '{var.name or var.uid}'"
