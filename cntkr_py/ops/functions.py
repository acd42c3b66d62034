"""Functions, as in ``cntk.ops.functions``: the nodes of a graph.

A Function is one op (:class:`~cntkr_py.ops.primitive.Op`) applied to inputs (Variables or other
Functions), with its params and a name. It has one output and is usable wherever a Variable is,
as CNTK's single-output Functions are. Running a graph (``eval``, ``grad``, ``forward``) is the
executor's job (:mod:`cntkr_py.executor`); this module holds the graph structure.
"""
from __future__ import annotations

import numpy as np
import torch

from .. import executor
from .._shapes import describe
from ..variables import Constant, Variable
from ..model_file import ModelFormat
from .primitive import Inferred

__all__ = ["Function", "CloneMethod", "as_node", "load_model", "ModelFormat"]


class Function(Variable):
    """A graph node with a single output (see the module docstring)."""

    _uid_prefix = "CompositeFunction"  # CNTK 2.7's uid of the Function an op returns

    def __init__(self, op, inputs, params=None, name="", members=None):
        inputs = [as_node(i) for i in inputs]
        params = dict(params or {})
        # built on a placeholder without a shape: shapes wait for replace_placeholders
        self._unknown = any(getattr(i, "_unknown", False) for i in inputs)
        inferred = Inferred(()) if self._unknown else op.infer(inputs, params)
        dynamic = next((i.dynamic_axes for i in inputs if i.dynamic_axes), ())
        super().__init__(inferred.shape, op.output_dtype(inputs) or np.float32,
                         needs_gradient=False, name=name, dynamic_axes=dynamic)
        self.op = op
        self.inputs = inputs
        self._params = params
        self._inferred = inferred
        self._members = dict(members or {})
        self._plan = None
        self._step = None

    # ---- structure -------------------------------------------------------------------
    @property
    def op_name(self) -> str:
        return self.op.name

    @property
    def attributes(self) -> dict:
        """The op's attributes, with CNTK's keys."""
        return self.op.attributes(self._params, [i.shape for i in self.inputs])

    @property
    def owner(self):
        return self

    @property
    def root_function(self):
        return self

    def step(self, training=False):
        """What the executor runs for this node (built once; in training mode, built when a
        plan first needs it)."""
        if training:
            return self.op.step(self.inputs, self._params, self._inferred, len(self.shape),
                                self.has_batch_axis, training=True)
        if self._step is None:
            self._step = self.op.step(self.inputs, self._params, self._inferred, len(self.shape),
                                      self.has_batch_axis)
        return self._step

    @property
    def arguments(self) -> list:
        """The inputs (not Parameters or Constants) this Function needs values for."""
        return list(executor.plan(self).args)

    @property
    def parameters(self) -> list:
        """The Parameters, from the output backwards, as CNTK 2.7 lists them
        (``Sequential([A, B])``: B's before A's)."""
        return [v for v in _outside_in(self) if v.is_parameter]

    @property
    def constants(self) -> list:
        return [v for v in _outside_in(self) if v.is_constant]

    @property
    def is_composite(self) -> bool:
        """True: a Function here is its whole graph (CNTK's composite) and its root node."""
        return True

    @property
    def is_primitive(self) -> bool:
        """True: a Function's root is one primitive op (see ``is_composite``)."""
        return True

    @property
    def is_block(self) -> bool:
        return False

    def find_all_with_name(self, name, depth=0):
        """Every node of the graph (Functions, Parameters, Constants, inputs) named `name`, from
        the output backwards. `depth` is accepted for CNTK's signature (there are no blocks to
        look into here)."""
        if not isinstance(name, str):
            raise TypeError(f"name must be a string, got {describe(name)}")
        return [n for n in _outside_in(self, functions=True) if n.name == name]

    def find_by_name(self, name, depth=0):
        """The node named `name` (None when there is none; ValueError when there are several)."""
        hits = self.find_all_with_name(name, depth)
        if len(hits) > 1:
            raise ValueError(f"find_by_name: {len(hits)} nodes are named {describe(name)}; use "
                             "find_all_with_name")
        return hits[0] if hits else None

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
        nodes = [n for n in _outside_in(self, functions=True)
                 if n.name == name and isinstance(n, Function)]
        if nodes:  # a named layer inside (z.first_conv), the outermost when several
            return nodes[0]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    # ---- applying to new inputs ------------------------------------------------------
    def __call__(self, *args):
        """This Function applied to new inputs, in the order of ``arguments`` (Parameters are
        shared). As in CNTK, a new input must have the old one's dtype and its shape must end
        with the old shape (extra leading axes are allowed); every shape is inferred anew."""
        old = self.arguments
        if len(args) != len(old):
            raise TypeError(f"Function '{self.name}' takes {len(old)} argument(s), got {len(args)}")
        subs = {}
        for i, (param, arg) in enumerate(zip(old, args)):
            if not isinstance(arg, Variable):
                raise TypeError(f"positional argument {i} was passed an object that is not a "
                                f"Variable or Function: {describe(arg)}")
            _check_compatible(param, arg, i)
            subs[param] = arg
        return self.clone(subs)

    def clone(self, method=None, substitutions=None):
        """A copy of the graph with leaves replaced by `substitutions` ({old: new Variable});
        every node's shape is inferred anew. `method` (:class:`CloneMethod`): ``share`` keeps
        the Parameters, ``clone`` gives new Parameters with their current values, ``freeze``
        turns them into Constants with their current values. ``clone({x: y})`` (a dict first)
        is ``clone(CloneMethod.share, {x: y})``."""
        if isinstance(method, dict) and substitutions is None:
            method, substitutions = CloneMethod.share, method
        method = CloneMethod.share if method is None else CloneMethod.of(method)
        if substitutions is None:
            substitutions = {}
        if not isinstance(substitutions, dict):
            raise TypeError(f"substitutions must be a dict {{old: new}}, got {describe(substitutions)}")
        order = executor.topological_order(self)
        known = {id(n) for n in order}
        memo = {}
        for old, new in substitutions.items():
            if not isinstance(old, Variable) or id(old) not in known:
                raise ValueError(f"substitutions: {describe(old)} is not part of this Function's graph")
            if not isinstance(new, Variable):
                raise TypeError(f"substitutions: the value for {old!r} must be a Variable or "
                                f"Function, got {describe(new)}")
            memo[id(old)] = new
        for node in order:
            if id(node) in memo:
                continue
            if isinstance(node, Function):
                memo[id(node)] = node._rebuild([memo[id(i)] for i in node.inputs], memo)
            elif node.is_parameter and method is not CloneMethod.share:
                memo[id(node)] = _copy_parameter(node, method)
            else:
                memo[id(node)] = node
        return memo[id(self)]

    @property
    def outputs(self) -> list:
        """The outputs: this Function's own, or for ``combine`` its operands'."""
        return list(self.inputs) if self.op.name == "Combine" else [self]

    @property
    def placeholders(self) -> list:
        """The placeholders the graph still has."""
        return [v for v in executor.topological_order(self) if getattr(v, "is_placeholder", False)]

    def replace_placeholders(self, substitutions: dict):
        """Replaces placeholders ({placeholder: Variable or Function}) in place, as CNTK does
        (every shape is inferred anew); returns the Function."""
        if not isinstance(substitutions, dict):
            raise TypeError(f"substitutions must be a dict {{placeholder: Variable}}, got "
                            f"{describe(substitutions)}")
        for old in substitutions:
            if not getattr(old, "is_placeholder", False):
                raise ValueError(f"substitutions: {describe(old)} is not a placeholder")
        new = self.clone(CloneMethod.share, substitutions)
        if new is not self:
            uid, name = self.uid, self.name
            self.__dict__.update(new.__dict__)
            self.uid, self.name, self._plan, self._step = uid, name, None, None
        return self

    def replace_placeholder(self, substitution):
        """``replace_placeholders`` for a graph with exactly one placeholder."""
        ph = self.placeholders
        if len(ph) != 1:
            raise ValueError(f"replace_placeholder: the Function has {len(ph)} placeholders; use "
                             "replace_placeholders")
        return self.replace_placeholders({ph[0]: substitution})

    def _rebuild(self, new_inputs, memo=None):
        if all(a is b for a, b in zip(new_inputs, self.inputs)):
            return self
        members = {k: (memo.get(id(v), v) if memo is not None and v is not None else v)
                   for k, v in self._members.items()}
        return Function(self.op, new_inputs, self._params, self.name, members)

    def __repr__(self):
        return f"Composite({self.op_name}): {[a.name or a.uid for a in self.arguments]} -> " \
               f"Output('{self.name}', {list(self.shape)})"

    # ---- model files (see cntkr_py.model_file, docs/model-format.md) -------------------
    def save(self, filename, format=ModelFormat.CNTKv2, use_external_files_to_store_parameters=False):
        """Write the graph and its parameters' and constants' values to `filename` (cntkr's
        model format: a zip of graph.json and values.npz; loading never runs code)."""
        from .. import model_file
        model_file.save_model(self, filename, format, use_external_files_to_store_parameters)

    @staticmethod
    def load(model, device=None, format=ModelFormat.CNTKv2):
        """The Function saved in `model` (a file path, or the file's bytes), on `device`."""
        from .. import model_file
        return model_file.load_model(model, device, format)

    def restore(self, filename):
        """Copy the parameter and constant values saved in `filename` into this Function's, in
        place (the saved model must have the same parameters and constants); returns None, as
        CNTK 2.7."""
        from .. import model_file
        model_file.restore_model(self, filename)

    # ---- running (see cntkr_py.executor) -----------------------------------------------
    def eval(self, arguments=None, outputs=None, device=None, as_numpy=True):
        """The output at `arguments` ({input: array}, {input name: array}, or an array when
        there is one input), batch axis first; with `outputs`, a dict {output: value}, or one
        value when one output is asked for."""
        if outputs is None and self.op.name == "Combine":
            outputs = self.outputs  # every output, as CNTK: {output: value}
            result = executor.eval(self, arguments, outputs, device, as_numpy)
            return result if isinstance(result, dict) else {outputs[0]: result}
        return executor.eval(self, arguments, outputs, device, as_numpy)

    def forward(self, at, outputs=None, keep_for_backward=None, device=None, as_numpy=True):
        """CNTK's ``forward``: (state, {output: value}). Without `keep_for_backward` it runs
        inference (state None); with it (the outputs ``backward`` will start from), training
        mode, as CNTK 2.7: BatchNormalization normalises with the batch statistics and updates
        its running statistics, Dropout drops."""
        return executor.forward(self, at, outputs, keep_for_backward, device, as_numpy)

    def backward(self, state, root_gradients, variables, as_numpy=True):
        """CNTK's ``backward``: gradients w.r.t. `variables` (a set or list of inputs and
        Parameters) of the outputs kept by ``forward``, seeded with `root_gradients`
        ({output: array}): {variable: gradient}."""
        return executor.backward(state, root_gradients, variables, as_numpy)

    def grad(self, at, wrt=None, outputs=None, device=None, as_numpy=True, grad_root=None):
        """Gradient of the summed output (or of `grad_root`) at `at` w.r.t. `wrt`: a dict
        {variable: gradient}, or a bare gradient when there is one; with `outputs`, a tuple
        (gradients, output values)."""
        return executor.grad(self, at, wrt, outputs, device, as_numpy, grad_root)


class CloneMethod:
    """How ``Function.clone`` treats Parameters (``cntk.ops.functions.CloneMethod``)."""

    share = "share"
    clone = "clone"
    freeze = "freeze"

    @staticmethod
    def of(value):
        if value in ("share", "clone", "freeze"):
            return {"share": CloneMethod.share, "clone": CloneMethod.clone,
                    "freeze": CloneMethod.freeze}[value]
        raise ValueError(f"method must be CloneMethod.share, CloneMethod.clone or "
                         f"CloneMethod.freeze, got {describe(value)}")


def load_model(model, device=None, format=ModelFormat.CNTKv2):
    """The Function saved in `model` (a file path, or the file's bytes): ``Function.load``."""
    return Function.load(model, device, format)


def _copy_parameter(p, method):
    if method is CloneMethod.freeze:
        return Constant(p.data().detach().clone(), name=p.name)
    from ..variables import Parameter
    new = Parameter(p.shape, init=0, dtype=p.dtype, name=p.name, _defer=True)
    new._set_data(p.data().detach().clone())
    return new


def _outside_in(root, functions=False) -> list:
    """The graph's leaves (and with `functions`, its nodes) from the output backwards: each
    node's own leaves before the nodes it depends on (CNTK's order of ``parameters``)."""
    order, seen, stack = [], set(), [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        ins = getattr(node, "inputs", None)
        if ins is None:
            order.append(node)
            continue
        if functions:
            order.append(node)
        leaves = [i for i in ins if not isinstance(i, Function)]
        stack.extend(reversed(leaves + [i for i in ins if isinstance(i, Function)]))
    return order


def _type_name(v) -> str:
    return f"Tensor[{','.join(map(str, v.shape))}]"


def _check_compatible(param, arg, i):
    """CNTK's rule for substituting `arg` for input `param` (``Function.__call__``)."""
    ps, ars = tuple(param.shape), tuple(arg.shape)
    fits = len(ars) >= len(ps) and ars[len(ars) - len(ps):] == ps
    if not fits or (arg.dynamic_axes and arg.dynamic_axes != param.dynamic_axes) or \
            (arg.dtype is not None and param.dtype is not None and arg.dtype != param.dtype):
        what = f"argument {param.name}" if param.name else f"positional argument {i}"
        raise TypeError(f"{what}'s type {_type_name(param)} ({param.dtype}) is incompatible with "
                        f"the type {_type_name(arg)} ({arg.dtype}) of the passed Variable")


def as_node(x):
    """A Variable or Function as it is; an array or number as a Constant."""
    if isinstance(x, Variable):
        return x
    if isinstance(x, (bool, np.bool_)) or not isinstance(
            x, (int, float, np.ndarray, np.number, list, tuple, torch.Tensor)):
        raise TypeError(f"expected a Variable, Function, array or number, got "
                        f"{type(x).__name__} {describe(x)}")
    return Constant(x)
