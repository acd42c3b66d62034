"""Entry points for the R package: ``func_eval``/``func_grad`` and R arrays in and out.

Not part of the CNTK API. The R package calls these through reticulate (its one call path to
Python), once per R call, with plain positional arguments, so that everything per call that is
not R's own business happens here, in one Python call. Errors are raised as ordinary Python
exceptions (ValueError, TypeError); the R package turns them into classed R conditions.

Layout. reticulate hands an R double array over as a read-only, Fortran-ordered float64 NumPy
array sharing R's memory (no copy); element ``x[i, j, k]`` in R is ``a[i-1, j-1, k-1]``. cntkr
needs C-ordered arrays of the input's dtype, so :func:`from_r` makes one, reordering and casting
in a single pass. Results go the other way in :func:`to_r`: a Fortran-ordered float64 array.
reticulate 1.41 turns any NumPy array into an R array by casting it into a new Fortran-ordered
float64 array (``PyArray_CastToType``, always a copy) and copying that into the R vector: for an
array already in that form both are plain copies; for a C-order float32 result the cast is a
strided NumPy pass, several times slower than the C pass below on large arrays.

Both passes are C (``src/layout.c`` of the R package, ``cntkr_r_to_c`` and ``cntkr_c_to_r``),
called through ctypes on arrays this module owns or has checked, once the R package hands over
its shared library (:func:`use_native`). They reverse the axes in cache-sized tiles, several
times faster than torch's or NumPy's strided copies (bench/r_layout.R). Without the library
(the bridge used from Python, or the library missing) the same conversions run on torch and
NumPy, with the same results.
"""
from __future__ import annotations

import ctypes
import math
import os
import sys
import warnings

import numpy as np
import torch

from . import Function
from .layers import Layer
from .variables import Variable

__all__ = ["RValueError", "from_r", "to_r", "eval", "grad", "use_native", "check_fork",
           "set_fixed_random_seed"]

_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)
_TORCH = {_F32: torch.float32, _F64: torch.float64}

#: from this many values on, inputs are reordered by the C pass (else torch), and below it by
#: NumPy: for small arrays the few microseconds of a ctypes or torch call cost more than they save
_TORCH_MIN = 16384
#: from this many values on, results are reordered by the C pass (else torch); below it
#: reticulate's own NumPy cast is as fast
_TORCH_MIN_OUT = 65536
#: the most axes the C passes take (CNTKR_MAX_RANK in src/cntkr.h)
_MAX_RANK = 32

# torch.from_numpy warns once per process about read-only arrays (R's memory is read-only to
# Python, and only read here): let that one warning pass here, silently.
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    _ro = np.zeros(1)
    _ro.flags.writeable = False
    torch.from_numpy(_ro)
    del _ro


#: ``cntkr_r_to_c`` and ``cntkr_c_to_r`` of the R package's shared library, or None
_r_to_c = None
_c_to_r = None
#: input buffers reused across calls, {(shape, dtype): array}, at most _SCRATCH_MAX of them
_scratch: dict = {}
_SCRATCH_MAX = 4
_SCRATCH_MAX_BYTES = 64 * 2**20
#: the process this module was set up in (see check_fork)
_pid = os.getpid()


class RValueError(ValueError):
    """Bad R input found here; the message names the R argument."""


def use_native(path=None):
    """Use the layout passes of the R package's shared library at `path` (None: stop using
    them, as the R package does before it unloads the library). Returns whether they are in
    use."""
    global _r_to_c, _c_to_r
    if path is None:
        _r_to_c = _c_to_r = None
        return False
    lib = ctypes.CDLL(path)
    dims = ctypes.POINTER(ctypes.c_int64)
    r_to_c, c_to_r = lib.cntkr_r_to_c, lib.cntkr_c_to_r
    r_to_c.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_int, dims,
                       ctypes.c_int]
    c_to_r.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p, ctypes.c_int, dims,
                       ctypes.c_int]
    r_to_c.restype = c_to_r.restype = ctypes.c_int
    _r_to_c, _c_to_r = r_to_c, c_to_r
    return True


def check_fork():
    """Called by the R package before each call: in a process forked from the one that set this
    module up (R's ``parallel::mclapply``), torch's OpenMP thread pool is gone but still looks
    ready, and the next multi-threaded kernel waits for it forever. One thread in the child
    avoids it (and so does the C layout pass, which takes torch's thread count). Returns
    whether this process is such a child seen for the first time."""
    global _pid
    pid = os.getpid()
    if pid == _pid:
        return False
    _pid = pid
    torch.set_num_threads(1)
    return True


from .cntk_py import set_fixed_random_seed  # noqa: E402  (R's set_fixed_random_seed())


# ---------------------------------------------------------------------------- the C passes
def _dims(shape):
    return (ctypes.c_int64 * max(len(shape), 1))(*shape)


def _check_layout_call(status, name):
    if status == -2:
        raise MemoryError(f"{name}: out of memory")
    if status < 0:
        raise ValueError(f"{name}: arguments rejected by the C layout pass")
    return status


def _r_array_ok(value) -> bool:
    """Whether `value` is what reticulate makes of an R double array (and the C pass takes):
    an F-contiguous, aligned float64 array of at most _MAX_RANK axes."""
    return isinstance(value, np.ndarray) and value.dtype == _F64 and value.ndim > 0 and \
        value.ndim <= _MAX_RANK and value.flags.f_contiguous and value.flags.aligned


def _native_r_to_c(value: np.ndarray, out: np.ndarray) -> int:
    """`value` (an R array, see _r_array_ok) into `out` (a C-contiguous float32/float64 array of
    the same shape) by ``cntkr_r_to_c``; 1 if a value is NaN."""
    if not _r_array_ok(value):
        raise ValueError("cntkr_r_to_c: the input must be an F-contiguous float64 array of at "
                         f"most {_MAX_RANK} axes")
    if out.shape != value.shape or out.dtype not in _TORCH or not out.flags.c_contiguous or \
            not out.flags.writeable:
        raise ValueError("cntkr_r_to_c: the output must be a writable C-order array of the "
                         "input's shape")
    src = torch.from_numpy(value.T).data_ptr()  # (pointers via torch: C-fast, unlike .ctypes)
    dst = torch.from_numpy(out).data_ptr()
    return _check_layout_call(
        _r_to_c(src, dst, out.dtype == _F64, value.ndim, _dims(value.shape),
                torch.get_num_threads()), "cntkr_r_to_c")


def _native_c_to_r(t: torch.Tensor) -> np.ndarray:
    """A C-contiguous float32/float64 CPU tensor as a new F-ordered float64 array, by
    ``cntkr_c_to_r``."""
    if t.dtype not in (torch.float32, torch.float64) or not t.is_contiguous() or \
            t.device.type != "cpu" or t.dim() > _MAX_RANK:
        raise ValueError("cntkr_c_to_r: the input must be a C-order float32/float64 CPU tensor "
                         f"of at most {_MAX_RANK} axes")
    out = np.empty(tuple(t.shape), dtype=_F64, order="F")
    if out.size:
        _check_layout_call(
            _c_to_r(t.data_ptr(), t.dtype == torch.float64, torch.from_numpy(out.T).data_ptr(),
                    t.dim(), _dims(t.shape), torch.get_num_threads()), "cntkr_c_to_r")
    return out


# ---------------------------------------------------------------------------- R -> Python
def _scratch_buffer(shape, dtype) -> np.ndarray:
    """An uninitialised C-order array for an input value of one eval/grad call, reused from
    call to call when nothing holds the previous one any more (its refcount shows whether a
    tensor, an output or R still does). A fresh buffer of a few MB costs page faults on every
    call in R's process (glibc's heap there is trimmed back after each large free), about as
    much as converting into it."""
    if math.prod(shape) * dtype.itemsize > _SCRATCH_MAX_BYTES:
        return np.empty(shape, dtype=dtype)  # not kept: would hold that much memory between calls
    key = (shape, dtype)
    buf = _scratch.pop(key, None)
    # referenced here by `buf` and by getrefcount's argument only: nobody else holds it
    if buf is None or sys.getrefcount(buf) != 2:
        buf = np.empty(shape, dtype=dtype)
    _scratch[key] = buf   # most recently used last
    while len(_scratch) > _SCRATCH_MAX:
        del _scratch[next(iter(_scratch))]
    return buf


def from_r(value, dtype=_F32, arg="value", scratch=False):
    """An R value (as reticulate sends it) as a C-ordered NumPy array of `dtype`: a new one, or
    with `scratch` (an input value that only lives for one eval/grad call) a reused buffer.

    `value`: an F-ordered float64 array (an R array), a list (an R vector of length > 1
    without dim), a float (length 1), or any array-like of real numbers. NaN (R's NA or NaN)
    and complex or non-numeric values are rejected with an :class:`RValueError` naming `arg`.
    """
    dtype = np.dtype(dtype)
    if dtype not in _TORCH:
        raise ValueError(f"from_r: dtype must be float32 or float64, not {dtype}")
    r_array = _r_array_ok(value) and value.size >= _TORCH_MIN
    if r_array and _r_to_c is not None:
        out = _scratch_buffer(value.shape, dtype) if scratch else np.empty(value.shape, dtype)
        if _native_r_to_c(value, out):
            raise RValueError(f"`{arg}` must not contain NA.")
        return out
    if r_array:
        out = _scratch_buffer(value.shape, dtype) if scratch else np.empty(value.shape, dtype)
        # value.T is C-contiguous; permuted back, it is `value` as a strided tensor
        src = torch.from_numpy(value.T).permute(*range(value.ndim - 1, -1, -1))
        t = torch.from_numpy(out)
        t.copy_(src)
        # a NaN makes the sum NaN (one vectorized pass); an inf - inf sum is checked exactly
        if torch.isnan(t.sum()) and torch.isnan(t).any():
            raise RValueError(f"`{arg}` must not contain NA.")
        return out
    try:
        src = np.asarray(value)
    except Exception:  # ragged lists and the like
        src = np.asarray(None)
    if src.dtype.kind == "c":
        raise RValueError(f"`{arg}` must be real numbers, not complex numbers.")
    if src.dtype.kind not in "fiub":
        raise RValueError(f"`{arg}` must be a numeric array, not {_r_kind(value)}.")
    # checked before the cast: R's NA is a signalling NaN, whose cast NumPy warns about
    if src.dtype.kind == "f" and np.isnan(src).any():
        raise RValueError(f"`{arg}` must not contain NA.")
    return np.array(src, dtype=dtype, order="C")


def _r_kind(value) -> str:
    """What an R user calls a value that is not numeric."""
    items = value if isinstance(value, (list, tuple, np.ndarray)) else [value]
    if all(isinstance(v, str) for v in items) or getattr(value, "dtype", None) is not None and \
            value.dtype.kind in "US":
        return "a character vector"
    if value is None:
        return "NULL"
    return f"an object of class {type(value).__name__}"


def _dtype_of(var) -> np.dtype:
    """float64 for float64 inputs, else float32 (what R sends an input of `var`)."""
    return _F64 if getattr(var, "dtype", None) == _F64 else _F32


def _convert(var, value, arg):
    """An input value from R as Function.eval takes it (Python values pass unchanged)."""
    if isinstance(value, np.ndarray) and not value.flags.writeable and value.dtype == _F64:
        return from_r(value, _dtype_of(var), arg, True)  # an R double array
    if isinstance(value, (list, float, int, complex, str)) or \
            isinstance(value, np.ndarray) and value.dtype.kind in "cUSO":
        return from_r(value, _dtype_of(var), arg)  # an R vector without dim, or R's other types
    return value


def _input_named(f: Function, key):
    """The input of `f` named `key`, when exactly one is (else None: Function.eval reports it)."""
    hits = [a for a in f.arguments if a.name == key]
    return hits[0] if len(hits) == 1 else None


def _feed(f: Function, arguments, arg):
    """`arguments` as Function.eval takes it, every R value converted by :func:`from_r`.

    A dict keys values by input Variable or input name (R's named list, ``dict()``); a tuple (R's
    unnamed list) gives them in the order of ``f.arguments``; anything else is the value of
    the Function's single input."""
    if arguments is None:
        return None
    if isinstance(arguments, dict):
        return {k: _convert(k if isinstance(k, Variable) else _input_named(f, k), v, arg)
                for k, v in arguments.items()}
    inputs = f.arguments
    if isinstance(arguments, tuple):
        if len(arguments) != len(inputs):
            raise RValueError(f"`{arg}` has {len(arguments)} values but the Function has "
                              f"{len(inputs)} input{'' if len(inputs) == 1 else 's'}.")
        return {v: _convert(v, a, arg) for v, a in zip(inputs, arguments)}
    if len(inputs) != 1:
        return arguments  # Function.eval says what it needs
    return {inputs[0]: _convert(inputs[0], arguments, arg)}


def _check_function(f, arg="func"):
    if isinstance(f, Function):
        return f
    if isinstance(f, Layer):
        raise RValueError(
            f"`{arg}` is a layer that has not been applied to an input yet: apply it first, "
            "e.g. `f <- layer(x)` with `x <- op_input_variable(...)`, then pass `f`.")
    kind = "a Variable" if isinstance(f, Variable) else f"a Python {type(f).__name__}"
    raise RValueError(f"`{arg}` must be a cntkr Function such as layer(x), not {kind}.")


# ---------------------------------------------------------------------------- Python -> R
def to_r(t):
    """A tensor (or array) as what reticulate turns into an R array with the least work: an
    F-ordered float64 array, which reticulate copies as it is (made by the C pass when the R
    package's library is in use, else by torch); a small one as it is, which reticulate casts."""
    if isinstance(t, torch.Tensor):
        if t.requires_grad:
            t = t.detach()
        if t.device.type != "cpu":
            t = t.cpu()
        if t.dtype not in (torch.float32, torch.float64):
            t = t.to(torch.float64)
        if t.dim() > 1 and t.numel() >= _TORCH_MIN_OUT:
            if _c_to_r is not None:
                return _native_c_to_r(t.contiguous())
            # reversed axes, contiguous = the F-ordered float64 array (one copy and cast)
            f = torch.empty(tuple(reversed(t.shape)), dtype=torch.float64)
            f.copy_(t.permute(*range(t.dim() - 1, -1, -1)))
            return f.numpy().T
        return t.numpy()
    return t


def _to_r_all(values, keys, as_matrix):
    """A dict {key: tensor} (or one tensor) as a list in `keys`' order (or one value)."""
    conv = to_r if as_matrix else (lambda v: v)
    if isinstance(values, dict):
        keys = list(values) if keys is None else keys
        return [conv(values[k]) for k in keys]
    return conv(values)


# ---------------------------------------------------------------------------- entry points
def eval(f, arguments=None, outputs=None, device=None, as_matrix=True, arg="arguments"):
    """``f.eval`` for R: outputs as :func:`to_r` arrays (`as_matrix`) or tensors; several
    outputs as a list in the order of `outputs`."""
    f = _check_function(f)
    values = f.eval(_feed(f, arguments, arg), outputs, device, as_numpy=False)
    return _to_r_all(values, outputs, as_matrix)


def grad(f, at=None, wrt=None, outputs=None, device=None, as_matrix=True, grad_root=None,
         arg="at"):
    """``f.grad`` for R: gradients as a list in the order of `wrt` (one gradient: bare); with
    `outputs`, a list [gradients, output values]."""
    f = _check_function(f)
    result = f.grad(_feed(f, at, arg), wrt, outputs, device, as_numpy=False, grad_root=grad_root)
    if outputs is None:
        return _to_r_all(result, wrt, as_matrix)
    grads, outs = result
    return [_to_r_all(grads, wrt, as_matrix), _to_r_all(outs, outputs, as_matrix)]


def forward(f, arguments=None, outputs=None, keep_for_backward=None, device=None, as_matrix=True,
            arg="arguments"):
    """``f.forward`` for R: [state, output values] (the values as ``eval`` returns them: one
    output bare, several as a list in the order of `outputs`). With `keep_for_backward` (a list
    of outputs) it runs training mode and the state is what ``backward`` takes."""
    f = _check_function(f)
    state, values = f.forward(_feed(f, arguments, arg), outputs, keep_for_backward, device,
                              as_numpy=False)
    keys = [f] if outputs is None else outputs
    out = _to_r_all(values, keys, as_matrix)
    return [state, out[0] if outputs is None or len(out) == 1 else out]


def backward(f, state, root_gradients, variables, as_matrix=True):
    """``f.backward`` for R: `root_gradients` is one array (for f's output) or a dict
    {output: array}; gradients as a list in the order of `variables` (one: bare)."""
    f = _check_function(f)
    if not isinstance(root_gradients, dict):
        root_gradients = {f: root_gradients}
    seeds = {}
    for out, value in root_gradients.items():
        if not isinstance(out, Variable):
            raise RValueError("`root_gradients` must be an array for the Function's output or "
                              "dict(output = array) keyed by outputs kept by func_forward().")
        seeds[out] = value if isinstance(value, (torch.Tensor, np.ndarray)) else \
            from_r(value, out.dtype if out.dtype in (_F32, _F64) else _F32, "root_gradients")
    grads = f.backward(state, seeds, variables, as_numpy=False)
    out = _to_r_all(grads, variables, as_matrix)
    return out[0] if len(out) == 1 else out


# ---------------------------------------------------------------------------- objects
def describe(obj) -> str:
    """What ``print()`` shows for a cntkr object in R."""
    return repr(obj)


def static_shape(obj):
    """``dim()`` of a cntkr object in R: its static shape, or None."""
    shape = getattr(obj, "shape", None)
    if not isinstance(shape, tuple) or not all(isinstance(d, int) for d in shape):
        return None
    return list(shape)


def _kind(obj) -> str:
    if isinstance(obj, Layer):
        return "a layer"
    if isinstance(obj, Function):
        return "a Function"
    if isinstance(obj, Variable):
        return "a Parameter" if obj.is_parameter else "a Constant" if obj.is_constant else \
            "an input Variable"
    return f"a {type(obj).__name__}"


def set_attribute(obj, name, value):
    """``obj$name <- value`` in R. Only the ``value`` of a Parameter or a Constant can be set
    (from an R array of its shape); re-assigning an attribute to the object it holds already is
    accepted and does nothing (R does that for the outer ``$`` of ``layer$W$value <- W``)."""
    settable = isinstance(obj, Variable) and (obj.is_parameter or obj.is_constant)
    if name == "value" and settable:
        if not isinstance(value, torch.Tensor):
            dtype = obj.dtype if obj.dtype in (_F32, _F64) else _F32
            value = from_r(value, dtype, "value")
        obj.value = value
        return None
    try:
        current = getattr(obj, name)
    except Exception:
        current = _MISSING
    if current is value:
        return None
    if name == "value":
        what = "input values go to func_eval() and func_grad()" if isinstance(obj, Variable) \
            else "set the value of one of its Parameters, e.g. `layer$W$value <- W`"
        raise RValueError(f"`value` can only be set on a Parameter or a Constant, not on "
                          f"{_kind(obj)}: {what}.")
    raise RValueError(
        f"`{name}` of {_kind(obj)} cannot be set: only the `value` of a Parameter or a Constant "
        "can, e.g. `layer$W$value <- W`.")


_MISSING = object()


# ---------------------------------------------------------------------------- training
def _check_trainer(trainer, arg="trainer"):
    from .train.trainer import Trainer
    if not isinstance(trainer, Trainer):
        raise RValueError(f"`{arg}` must be a Trainer (made by Trainer()), not {_kind(trainer)}.")
    return trainer


def train_minibatch(trainer, data, outputs=None, device=None, arg="data"):
    """``Trainer.train_minibatch`` for R: `data` as func_eval's arguments (R arrays become
    C-order arrays of the inputs' dtypes, a reader's minibatch passes as it is); with `outputs`,
    [updated, output values as R arrays in the order of `outputs`]."""
    _check_trainer(trainer)
    result = trainer.train_minibatch(_feed(trainer._root, data, arg), outputs, device)
    if not outputs:
        return result
    updated, values = result
    return [updated, _to_r_all(values, outputs, True)]


def test_minibatch(trainer, arguments, device=None, arg="arguments"):
    """``Trainer.test_minibatch`` for R (`arguments` as in :func:`train_minibatch`)."""
    _check_trainer(trainer)
    return trainer.test_minibatch(_feed(trainer._root, arguments, arg), device)
