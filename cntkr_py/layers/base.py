"""What every layer stands on: :class:`Layer`.

A layer factory (``ConvolutionTranspose(...)``, as in ``cntk.layers``) checks its arguments,
resolves ``default_options`` (:func:`~cntkr_py.default_options.resolve_defaults`), and returns a
Layer subclass instance that declares its parameters (dimensions still unknown are ``INFERRED``)
and implements :meth:`Layer.apply`: infer the parameters' missing dimensions from the input
(:meth:`Layer.infer`) and build the output from ops. The base does the rest: checks the input,
applies the activation, names the output and makes the members (``W``, ``b``) reachable as
attributes of the layer and of every Function it returns.
"""
from __future__ import annotations

import math

from .._shapes import describe, describe_shape
from ..ops.activations import identity
from ..ops.functions import Function
from ..variables import INFERRED, Parameter, Variable, as_dtype

__all__ = ["Layer", "INFERRED"]

#: parameters above this many bytes are refused when the machine has less memory available
_WARN_BYTES = 2 * 2**30


class Layer:
    """A layer: call it on a Variable or Function to get a Function; its parameters are shared
    between calls and reachable as attributes (``layer.W``)."""

    def __init__(self, op_name, name="", activation=None):
        if not isinstance(name, str):
            raise TypeError(f"name must be a string, got {describe(name)}")
        if activation is not None and not callable(activation):
            raise TypeError(f"activation must be a function such as relu, or None, got "
                            f"{describe(activation)}")
        object.__setattr__(self, "_members", {})
        self.op_name = op_name
        self.name = name
        self.activation = activation

    # ---- members ---------------------------------------------------------------------
    def add_parameter(self, key, shape, init, name=None):
        """Declare parameter `key` (an attribute of the layer); -1 in `shape` is inferred at the
        first application. Drawn now when the shape is complete and dtype is known."""
        p = Parameter(shape, init=init, name=key if name is None else name, _defer=True)
        self._members[key] = p
        return p

    def add_member(self, key, value):
        self._members[key] = value
        return value

    def __getattr__(self, key):
        members = self.__dict__.get("_members", {})
        if key in members:
            return members[key]
        raise AttributeError(f"'{self.__dict__.get('op_name', 'Layer')}' layer has no "
                             f"attribute '{key}'")

    def __setattr__(self, key, value):
        if key in self.__dict__.get("_members", {}):
            raise AttributeError(f"{key} is a parameter of the layer and cannot be replaced; set "
                                 f"its value instead ({key}.value = ...)")
        object.__setattr__(self, key, value)

    @property
    def parameters(self) -> list:
        return [p for p in self._members.values() if isinstance(p, Parameter)]

    def infer(self, p, shape, dtype, what="input"):
        """Give parameter `p` its full `shape` at the first application (drawing its value), or
        check that a later input fits the shape inferred then. `shape=None`: the shape `p` was
        declared with (nothing left to infer but the dtype). `p=None` (an absent member): nothing."""
        if p is None:
            return
        shape = tuple(p.shape if shape is None else shape)
        if p._resolved():
            if tuple(p.shape) != shape:
                raise ValueError(
                    f"{self.op_name}: this layer was first applied to an {what} that made "
                    f"{p.name} of shape {describe_shape(p.shape)}; this {what} needs "
                    f"{describe_shape(shape)}")
            return
        dtype = as_dtype(dtype)
        nbytes = math.prod(shape) * dtype.itemsize
        if nbytes > _WARN_BYTES:
            available = _available_memory()
            if available is not None and nbytes > available:
                raise MemoryError(
                    f"{self.op_name}: {p.name} of shape {describe_shape(shape)} needs "
                    f"{nbytes / 2**30:.1f} GiB, more than the {available / 2**30:.1f} GiB of memory "
                    "available; check the layer's arguments (e.g. filter_shape)")
            import warnings
            warnings.warn(f"{self.op_name}: {p.name} of shape {describe_shape(shape)} takes "
                          f"{nbytes / 2**30:.1f} GiB", UserWarning, stacklevel=3)
        p._materialize(shape, dtype)

    # ---- application -----------------------------------------------------------------
    def __call__(self, x):
        if isinstance(x, Layer):  # a layer applied to a layer: their composition, as in CNTK
            from .sequential import Sequential
            return Sequential([x, self])
        if not isinstance(x, Variable):
            raise TypeError(f"{self.op_name}: apply the layer to an input variable or a Function, "
                            f"got {describe(x)}")
        out = self.apply(x)
        if self.activation is not None and self.activation is not identity:
            out = self.activation(out)
            if not isinstance(out, Function):
                raise TypeError("activation must return a Function built from cntkr operations, "
                                f"got {type(out).__name__}")
        out.name = self.name
        out._members.update(self._members)
        return out

    def apply(self, x) -> Function:
        """The layer's output for input `x` (without the activation): infer parameters, then
        build it from ops. Implemented by each layer."""
        raise NotImplementedError

    def __repr__(self):
        members = ", ".join(f"{k}={v!r}" for k, v in self._members.items())
        return f"{self.op_name}('{self.name}'{', ' if members else ''}{members})"


def _available_memory():
    """Bytes of memory available to this process (Linux), or None when unknown."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None
