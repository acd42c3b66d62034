"""Variables, as in ``cntk.variables``: inputs, Parameters and Constants.

A Variable is a leaf of the graph. Inputs carry the batch axis (CNTK's default dynamic axis)
in front of their static ``shape``; Parameters and Constants have only their static shape and
hold a torch tensor.
"""
from __future__ import annotations

import itertools

import numpy as np
import torch

from . import device as _device
from ._shapes import as_shape, describe_shape

__all__ = ["Axis", "Variable", "Parameter", "Constant", "input_variable", "parameter", "constant"]

_uids = itertools.count()

#: a dimension that is inferred when the layer first sees its input (CNTK's InferredDimension)
INFERRED = -1

_TORCH_DTYPES = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64,
                 np.dtype(np.float16): torch.float16}


def as_dtype(dtype, name: str = "dtype") -> np.dtype:
    """float32 / float64 / float16 given as a NumPy type, a string or a torch dtype."""
    if isinstance(dtype, torch.dtype):
        for np_dt, t_dt in _TORCH_DTYPES.items():
            if t_dt == dtype:
                return np_dt
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt not in _TORCH_DTYPES:
        raise TypeError(f"{name} must be float32, float64 or float16, got {dtype!r}")
    return dt


def torch_dtype(dtype) -> torch.dtype:
    return _TORCH_DTYPES[np.dtype(dtype)]


class Axis:
    """An axis: CNTK's default batch axis (dynamic), a static axis ``Axis(k)`` (0-based, negative
    from the end, as the axis arguments of reductions take it), ``Axis.all_static_axes()`` or
    ``Axis.all_axes()``."""

    def __init__(self, name):
        self.static_index = None
        self.is_all_static = False
        if isinstance(name, str):
            self.name = name
        else:
            from ._shapes import as_int
            self.static_index = as_int(name, "axis")
            self.name = f"staticAxisIdx={self.static_index}"

    @staticmethod
    def default_batch_axis() -> "Axis":
        return _BATCH_AXIS

    @staticmethod
    def default_input_variable_dynamic_axes() -> list:
        return [_BATCH_AXIS]

    @staticmethod
    def all_static_axes() -> "Axis":
        """Every static axis of an operand (a reduction over it gives shape ``()``)."""
        return _ALL_STATIC

    @staticmethod
    def all_axes() -> "Axis":
        """Every axis, static and dynamic (cntkr's reductions take only static axes)."""
        return _ALL_AXES

    @property
    def is_static_axis(self) -> bool:
        return self.static_index is not None

    @property
    def is_ordered(self) -> bool:
        return True

    def static_axis_index(self, checked=True) -> int:
        if self.static_index is None and checked:
            raise ValueError(f"{self!r} is not a static axis")
        return self.static_index

    def __eq__(self, other):
        return isinstance(other, Axis) and other.name == self.name

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return f"Axis({self.name!r})"


_BATCH_AXIS = Axis("defaultBatchAxis")
_ALL_STATIC = Axis("AllStaticAxes")
_ALL_STATIC.is_all_static = True
_ALL_AXES = Axis("AllAxes")


class Variable:
    """A leaf of the graph (an input unless it is a Parameter or Constant)."""

    is_parameter = False
    is_constant = False
    # uid's spelling as CNTK 2.7's: Input3, Parameter5, Constant7, Placeholder9, CompositeFunction11
    _uid_prefix = None  # None: the class's name

    def __init__(self, shape, dtype=np.float32, needs_gradient=False, name="", dynamic_axes=None):
        self._shape = as_shape(shape, "shape", allow_inferred=True)
        self._dtype = None if dtype is None else as_dtype(dtype)
        self.needs_gradient = bool(needs_gradient)
        self.name = "" if name is None else str(name)
        self.dynamic_axes = tuple(dynamic_axes or ())
        prefix = self._uid_prefix or ("Input" if type(self) is Variable else type(self).__name__)
        self.uid = f"{prefix}{next(_uids)}"

    @property
    def shape(self) -> tuple:
        """Static shape (without the batch axis)."""
        return self._shape

    @property
    def dtype(self):
        return self._dtype

    @property
    def is_input(self) -> bool:
        return not (self.is_parameter or self.is_constant)

    @property
    def has_batch_axis(self) -> bool:
        return bool(self.dynamic_axes)

    @property
    def output(self):
        return self

    @property
    def outputs(self):
        return [self]

    @property
    def owner(self):
        return None

    # equality and hashing are object identity (Python's defaults, kept C-fast: Variables are
    # dict keys on every eval/grad call)

    def __repr__(self):
        kind = type(self).__name__ if not self.is_input else "Input"
        return f"{kind}('{self.name}', {list(self.shape)}, {self.dtype.name if self.dtype else '?'})"

    # arithmetic builds graph nodes (defined in ops)
    def __add__(self, other):
        from .ops import plus
        return plus(self, other)

    def __radd__(self, other):
        from .ops import plus
        return plus(other, self)

    def __sub__(self, other):
        from .ops import minus
        return minus(self, other)

    def __rsub__(self, other):
        from .ops import minus
        return minus(other, self)

    def __mul__(self, other):
        from .ops import element_times
        return element_times(self, other)

    def __rmul__(self, other):
        from .ops import element_times
        return element_times(other, self)

    def __neg__(self):
        from .ops import negate
        return negate(self)

    def __truediv__(self, other):
        from .ops import element_divide
        return element_divide(self, other)

    def __rtruediv__(self, other):
        from .ops import element_divide
        return element_divide(other, self)

    def __abs__(self):
        from .ops import abs
        return abs(self)


class _TensorVariable(Variable):
    """A Variable that holds a value: the common part of Parameter and Constant."""

    def __init__(self, shape, dtype, name, device=None):
        super().__init__(shape, dtype, needs_gradient=False, name=name, dynamic_axes=())
        self._data: torch.Tensor | None = None
        self._device = _device.as_torch_device(device)

    def _resolved(self) -> bool:
        return self._data is not None

    def data(self) -> torch.Tensor:
        """The value as a torch tensor (the live storage, not a copy)."""
        if self._data is None:
            raise RuntimeError(
                f"{type(self).__name__} '{self.name}' of shape {self.shape} has no value yet: "
                "its shape is inferred when the layer is first applied to an input")
        return self._data

    def _set_data(self, tensor: torch.Tensor):
        self._shape = tuple(tensor.shape)
        self._dtype = as_dtype(tensor.dtype)
        self._data = tensor

    @property
    def value(self) -> np.ndarray:
        """The value as a NumPy array (a copy)."""
        return self.data().detach().cpu().numpy().copy()

    @value.setter
    def value(self, new_value):
        current = self.data()
        arr = _to_array(new_value, as_dtype(current.dtype), "value")
        if tuple(arr.shape) != tuple(current.shape):
            raise ValueError(f"value for {type(self).__name__} '{self.name}' must have shape "
                             f"{describe_shape(current.shape)}, got an array of shape "
                             f"{describe_shape(arr.shape)}")
        with torch.no_grad():
            current.copy_(torch.from_numpy(arr))

    def asarray(self) -> np.ndarray:
        return self.value


class Parameter(_TensorVariable):
    """A learnable tensor (CNTK ``Parameter``). Dimensions given as -1 are inferred later."""

    is_parameter = True

    def __init__(self, shape=None, init=None, dtype=None, device=None, name="", _defer=False):
        from .initializer import as_initializer
        if isinstance(init, (list, tuple)):  # nested lists of numbers: an array (CNTK 2.7)
            init = np.asarray(init, dtype=np.float32 if dtype is None else as_dtype(dtype))
        if shape is None and isinstance(init, (np.ndarray, torch.Tensor)):
            shape = tuple(init.shape)
        if shape is None:
            raise ValueError("parameter: give shape, or init as an array to take the shape from")
        dt = None if dtype is None else as_dtype(dtype)
        super().__init__(shape, dt, name, device)
        self.init = as_initializer(0 if init is None else init)
        if INFERRED not in self._shape and dt is None:
            self._dtype = as_dtype(init.dtype) if isinstance(init, np.ndarray) and \
                init.dtype in (np.float32, np.float64) else np.dtype(np.float32)
        if INFERRED not in self._shape and not _defer:
            self._materialize(self._shape, self._dtype)

    def _materialize(self, shape, dtype):
        """Draw the initial value once the full shape (and dtype) are known."""
        dtype = as_dtype(dtype)
        t = self.init.draw(tuple(shape), dtype=torch_dtype(dtype), device=self._device)
        self._set_data(t.detach().to(device=self._device, dtype=torch_dtype(dtype)).contiguous())


class Constant(_TensorVariable):
    """A constant tensor (CNTK ``Constant``)."""

    is_constant = True

    def __init__(self, value=None, shape=None, dtype=None, device=None, name=""):
        if value is None:
            value = 0.0
        arr = np.asarray(value.detach().cpu().numpy() if isinstance(value, torch.Tensor) else value)
        if dtype is None:
            # an array keeps float32/float64; numbers and lists are float32 (CNTK 2.7)
            dtype = arr.dtype if isinstance(value, (np.ndarray, torch.Tensor)) and \
                arr.dtype in (np.float32, np.float64) else np.float32
        dtype = as_dtype(dtype)
        shape = arr.shape if shape is None else as_shape(shape)
        arr = np.broadcast_to(arr.astype(dtype), shape)
        super().__init__(shape, dtype, name, device)
        # np.array, not np.ascontiguousarray (which makes a 0-d value 1-d)
        self._set_data(torch.tensor(np.array(arr, order="C"), device=self._device))


def _to_array(value, dtype: np.dtype, name: str) -> np.ndarray:
    """Any array-like as a C-contiguous NumPy array of `dtype` (float data only)."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    try:
        arr = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise ValueError(f"{name} could not be read as an array: {exc}") from None
    if np.iscomplexobj(arr):
        raise TypeError(f"{name} must be real, got complex values")
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
        raise TypeError(f"{name} must be numeric, got an array of dtype {arr.dtype}")
    return np.asarray(arr, dtype=dtype, order="C")  # keeps 0-d values 0-d


def input_variable(shape, dtype=np.float32, needs_gradient=False, is_sparse=False,
                   dynamic_axes=None, name=""):
    """An input with CNTK's default batch axis in front of ``shape``.

    ``dynamic_axes=[]`` gives an input without a batch axis.
    """
    if is_sparse:
        raise NotImplementedError("input_variable: is_sparse=True is not supported yet")
    if dynamic_axes is None:
        dynamic_axes = Axis.default_input_variable_dynamic_axes()
    dynamic_axes = list(dynamic_axes)
    if any(ax is not _BATCH_AXIS for ax in dynamic_axes):
        raise NotImplementedError("input_variable: only the default batch axis is supported "
                                  f"as a dynamic axis so far, got {dynamic_axes}")
    shape = as_shape(shape, "shape")
    return Variable(shape, as_dtype(dtype), needs_gradient=needs_gradient, name=name,
                    dynamic_axes=dynamic_axes)


def parameter(shape=None, init=None, dtype=None, device=None, name=""):
    """A Parameter (CNTK ``C.parameter``)."""
    return Parameter(shape, init=init, dtype=dtype, device=device, name=name)


def constant(value=None, shape=None, dtype=None, device=None, name=""):
    """A Constant (CNTK ``C.constant``)."""
    return Constant(value, shape=shape, dtype=dtype, device=device, name=name)
