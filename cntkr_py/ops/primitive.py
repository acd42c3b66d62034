"""How an op is declared: once, as CNTK's name, its attributes, a shape rule and a torch forward.

::

    Softplus = Op("Softplus", attributes=("steepness",), shape=same_shape,
                  forward=lambda x, steepness: F.softplus(x * steepness) / steepness)

    def softplus(x, steepness=1, name=""):
        return Softplus([x], name, steepness=as_number(steepness, "steepness", nonzero=True))

Applying an Op to inputs (``Op(inputs, name, **params)``) makes a :class:`~cntkr_py.ops.functions.
Function` node. The node runs the shape rule then, and again whenever it is re-applied to new
inputs (``f(new_x)``, ``clone``), so a node's shape always matches what it computes.

* ``shape(*input_shapes, **params)`` gets the inputs' static shapes (no batch axis) and returns the
  output's, or an :class:`Inferred` that also hands precomputed values to the forward. It raises
  ValueError with a message naming the op when the inputs do not fit.
* ``forward(*tensors, **params)`` computes on torch tensors.
* ``training`` (optional): the forward of training mode (``grad``, ``forward`` with
  ``keep_for_backward``), where it differs from inference (BatchNormalization, Dropout); with
  ``state`` (indices of inputs it updates, such as running statistics) it returns
  ``(output, new values of those inputs)`` and the executor stores them.
* ``nodes=True``: the shape rule gets the input nodes (Variables/Functions) instead of their
  shapes, for rules that read the graph above the inputs (crop_automatic's offsets).
* ``attributes``: the names of the params that ``Function.attributes`` shows (CNTK's keys), or a
  function ``(params, input_shapes) -> dict`` where CNTK's keys differ from the params.

The batch axis is handled here, once, for every op. An input with CNTK's batch axis carries it
in front of its static shape. The forward always sees a batch axis in front of its *sample
inputs* (``batched``: which inputs those are; by default all, for a convolution only the data,
not the weights): a sample input without one gets a batch axis of 1, and the output drops it
again when no input had one. With ``broadcast=True`` the sample inputs are also given the output's
static rank (ones inserted after the batch axis), so NumPy-style broadcasting of the static shapes
never meets the batch axis. Axes given by users are normalised by ``_shapes.as_axis`` to static
axes counted from the end, which name the same torch dim with or without the batch axis.
"""
from __future__ import annotations

import functools

__all__ = ["Op", "Inferred", "same_shape"]


class Inferred:
    """A shape rule's result when it precomputes something for the forward (``extra``)."""

    __slots__ = ("shape", "extra")

    def __init__(self, shape, **extra):
        self.shape = tuple(shape)
        self.extra = extra


def same_shape(x, **params):
    """The shape rule of elementwise ops with one input."""
    return x


class Op:
    """A primitive operation (see the module docstring)."""

    def __init__(self, name, *, shape, forward, attributes=(), batched=None, broadcast=False,
                 dtype=None, training=None, state=(), nodes=False):
        self.name = name
        self.nodes = nodes
        self.shape_rule = shape
        self.forward = forward
        self.training = training
        self.state = tuple(state)
        self._attributes = attributes
        self.batched = None if batched is None else frozenset(batched)
        self.broadcast = broadcast
        self.dtype_rule = dtype

    def __call__(self, inputs, name="", **params):
        from .functions import Function
        return Function(self, inputs, params, name)

    def __repr__(self):
        return f"Op({self.name!r})"

    def infer(self, inputs, params) -> Inferred:
        """The output's static shape (and the forward's precomputed values) for `inputs`."""
        out = self.shape_rule(*(inputs if self.nodes else [i.shape for i in inputs]), **params)
        return out if isinstance(out, Inferred) else Inferred(out)

    def output_dtype(self, inputs):
        if self.dtype_rule is not None:
            return self.dtype_rule(*inputs)
        return next((i.dtype for i in inputs if i.dtype is not None), None)

    def attributes(self, params, input_shapes) -> dict:
        if callable(self._attributes):
            return self._attributes(params, input_shapes)
        return {k: params[k] for k in self._attributes}

    def step(self, inputs, params, inferred, out_rank, batched, training=False) -> callable:
        """The function the executor runs for one node: its inputs' tensors -> its output (in
        training mode with ``state``: -> (output, the state inputs' new values))."""
        kwargs = {**params, **inferred.extra}
        forward = self.training if training and self.training is not None else self.forward
        if training and self.state:
            forward = _first_batched(forward)
        fn = functools.partial(forward, **kwargs) if kwargs else forward
        adapters = []
        for i, v in enumerate(inputs):
            if self.batched is not None and i not in self.batched:
                adapters.append(None)
                continue
            has_batch = v.has_batch_axis
            pad = out_rank - len(v.shape) if self.broadcast else 0
            if has_batch and pad == 0:
                adapters.append(None)
            else:
                adapters.append(_adapter(0 if has_batch else 1, pad))
        if not batched:
            if all(a is None for a in adapters):  # no sample inputs: nothing to add or drop
                return fn
            return _without_batch(fn, adapters)
        if all(a is None for a in adapters):
            return fn
        return _adapted(fn, adapters)


def _first_batched(forward):
    def run(*tensors, **kw):
        out, new = forward(*tensors, **kw)
        return _Pair(out, new)
    return run


class _Pair:
    """(output, new state values), with ``squeeze`` acting on the output (batch adapters)."""

    __slots__ = ("out", "new")

    def __init__(self, out, new):
        self.out, self.new = out, tuple(new)

    def squeeze(self, dim):
        return _Pair(self.out.squeeze(dim), self.new)


def _adapter(add_batch, pad):
    """Tensor -> tensor with a batch axis in front (`add_batch`) and `pad` ones after it."""
    def adapt(t):
        if add_batch:
            t = t.unsqueeze(0)
        if pad:
            t = t.reshape(t.shape[0], *([1] * pad), *t.shape[1:])
        return t
    return adapt


def _adapted(fn, adapters):
    def run(*tensors):
        return fn(*[t if a is None else a(t) for t, a in zip(tensors, adapters)])
    return run


def _without_batch(fn, adapters):
    def run(*tensors):
        return fn(*[t if a is None else a(t) for t, a in zip(tensors, adapters)]).squeeze(0)
    return run
