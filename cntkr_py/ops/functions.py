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

__all__ = ["Function", "as_node"]


class Function(Variable):
    """A graph node with a single output (see the module docstring)."""

    def __init__(self, op, inputs, params=None, name="", members=None):
        inputs = [as_node(i) for i in inputs]
        params = dict(params or {})
        inferred = op.infer(inputs, params)
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

    def step(self):
        """What the executor runs for this node (built once)."""
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
        return [v for v in executor.plan(self).leaves if v.is_parameter]

    @property
    def constants(self) -> list:
        return [v for v in executor.plan(self).leaves if v.is_constant]

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

    def clone(self, substitutions: dict):
        """A copy of the graph with leaves replaced (Parameters and Constants are shared);
        every node's shape is inferred anew."""
        memo = {id(k): v for k, v in substitutions.items()}
        for node in executor.topological_order(self):
            if id(node) not in memo:
                memo[id(node)] = node._rebuild([memo[id(i)] for i in node.inputs]) \
                    if isinstance(node, Function) else node
        return memo[id(self)]

    def _rebuild(self, new_inputs):
        if all(a is b for a, b in zip(new_inputs, self.inputs)):
            return self
        return Function(self.op, new_inputs, self._params, self.name, self._members)

    def __repr__(self):
        return f"Composite({self.op_name}): {[a.name or a.uid for a in self.arguments]} -> " \
               f"Output('{self.name}', {list(self.shape)})"

    # ---- running (see cntkr_py.executor) -----------------------------------------------
    def eval(self, arguments=None, outputs=None, device=None, as_numpy=True):
        """The output at `arguments` ({input: array}, {input name: array}, or an array when
        there is one input), batch axis first; with `outputs`, a dict {output: value}, or one
        value when one output is asked for."""
        return executor.eval(self, arguments, outputs, device, as_numpy)

    def forward(self, at, outputs=None, keep_for_backward=None, device=None, as_numpy=True):
        """CNTK's ``forward``: (state, {output: value}); no state is needed for ``grad``."""
        return executor.forward(self, at, outputs, device, as_numpy)

    def grad(self, at, wrt=None, outputs=None, device=None, as_numpy=True, grad_root=None):
        """Gradient of the summed output (or of `grad_root`) at `at` w.r.t. `wrt`: a dict
        {variable: gradient}, or a bare gradient when there is one; with `outputs`, a tuple
        (gradients, output values)."""
        return executor.grad(self, at, wrt, outputs, device, as_numpy, grad_root)


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
