"""Entry points for the R package (``func_eval``, ``func_grad``, R arrays as input values).

Not part of the CNTK API: the R package calls these through reticulate, once per R call, with
plain positional arguments, so that everything per call that is not R's own business happens
here, in one Python call.

Layout. reticulate hands an R double array over as a read-only, Fortran-ordered float64 NumPy
array sharing R's memory (no copy); element ``x[i, j, k]`` in R is ``a[i-1, j-1, k-1]``. cntkr
needs C-ordered arrays of the input's dtype, so :func:`from_r` makes one, reordering and casting
in a single pass.

The R package ships that pass as C (``src/layout.c``) and hands its path to :func:`use_native`
when it loads the bridge. Then :func:`from_r` calls ``cntkr_r_to_c`` through ctypes, and results
go back as *descriptions* (:func:`to_r`: address, dtype, shape of a C-order buffer kept alive in
``_pinned`` until the next call) from which R's ``cntkr_from_c`` fills the R array itself:
reticulate's NumPy -> R conversion copies twice (a NumPy cast, then a loop). Without the R
package's library (the bridge used from Python, or the library missing), the same conversions
run on torch and NumPy.

Calls. ``func_eval``/``func_grad`` call :func:`eval_c`/:func:`grad_c` straight from the R
package's C code (``src/pycall.c``) rather than through reticulate's ``py_call`` (tens of
microseconds a call): R arrays arrive as :class:`RArray` (address and dims of R's memory, read
in place by :func:`from_r`), results leave as a tuple (the description above), bad R input as
its message. Everything else (``as_matrix = FALSE``, ``outputs`` with gradients, the bridge
without the R library) goes through :func:`eval`/:func:`grad` and reticulate.
"""
from __future__ import annotations

import ctypes
import math
import sys
import warnings

import numpy as np
import torch

from .ops.functions import Function

__all__ = ["RValueError", "RArray", "from_r", "to_r", "eval", "grad", "eval_c", "grad_c",
           "from_r_value", "use_native"]

_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)
_TORCH = {_F32: torch.float32, _F64: torch.float64}

#: from this many elements on, reorder with torch (multi-threaded, blocked) instead of NumPy;
#: below it the few microseconds of torch's per-op overhead cost more than they save
_TORCH_MIN = 16384

# torch.from_numpy warns once per process about read-only arrays (R's memory is read-only to
# Python, and only read here): let that one warning pass here, silently.
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    _ro = np.zeros(1)
    _ro.flags.writeable = False
    torch.from_numpy(_ro)
    del _ro


#: ``cntkr_r_to_c`` of the R package's shared library (see :func:`use_native`), or None
_r_to_c = None
#: the dims argument of ``cntkr_r_to_c``, filled per call (its rank limit: CNTKR_MAX_RANK)
_DIMS = (ctypes.c_int64 * 32)()
#: results described to R by :func:`to_r`, kept alive until the next eval/grad call
_pinned: list = []
#: input buffers reused across calls, {(shape, dtype): array}, at most _SCRATCH_MAX of them
_scratch: dict = {}
_SCRATCH_MAX = 4
_SCRATCH_MAX_BYTES = 64 * 2**20


def use_native(path=None):
    """Use the layout kernels of the R package's shared library at `path` (None: stop using
    them). Returns whether they are in use. Called by the R package when it loads the bridge;
    R then expects :func:`eval`/:func:`grad` results as descriptions (see :func:`to_r`)."""
    global _r_to_c
    if path is None:
        _r_to_c = None
        return False
    fn = ctypes.CDLL(path).cntkr_r_to_c
    fn.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_int,
                   ctypes.POINTER(ctypes.c_int64), ctypes.c_int]
    fn.restype = ctypes.c_int
    _r_to_c = fn
    return True


class RValueError(ValueError):
    """Bad input found in Python whose message is for the R user (names the R argument)."""


class RArray:
    """An R double array handed over by the R package's C code (``src/pycall.c``) for the
    duration of one call: the address of its values and ``dim(x)`` (R's order; ``()`` for a
    single number without dim). :func:`from_r` reads it in place, as it reads the NumPy view
    that reticulate makes of an R array."""
    __slots__ = ("address", "shape")

    def __init__(self, address, shape):
        self.address = address
        self.shape = shape

    def as_numpy(self) -> np.ndarray:
        """A read-only NumPy view of the R memory (Fortran order), valid during the call."""
        n = math.prod(self.shape)
        if n == 0:
            return np.zeros(self.shape, dtype=_F64, order="F")
        a = np.ctypeslib.as_array((ctypes.c_double * n).from_address(self.address))
        a = a.reshape(self.shape, order="F")
        a.flags.writeable = False
        return a


def _dtype_of(var) -> np.dtype:
    """float64 for float64 inputs, else float32 (what R sends an input of `var`)."""
    return _F64 if getattr(var, "dtype", None) == _F64 else _F32


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
    without dim) or a float (length 1). NaN (R's NA or NaN) is rejected with an
    :class:`RValueError` naming `arg`, as R's ``anyNA`` would.
    """
    dtype = np.dtype(dtype)
    if isinstance(value, RArray):
        native = _r_to_c is not None and 0 < len(value.shape) <= len(_DIMS)
        if not native:
            value = value.as_numpy()
    else:
        native = False
    r_array = native or isinstance(value, np.ndarray) and value.dtype == _F64 \
        and value.flags.f_contiguous and value.ndim > 0
    if _r_to_c is not None and r_array and len(value.shape) <= len(_DIMS):
        # every size: small ones too, where NumPy's ufuncs (isnan, cast) next to torch's calls
        # cost more than this one C call; pointers through torch (C-fast, unlike ndarray.ctypes)
        shape = value.shape
        if scratch:
            out = _scratch_buffer(shape, dtype)
            dst = torch.from_numpy(out)
        else:
            dst = torch.empty(shape, dtype=_TORCH[dtype])
            out = dst.numpy()
        for i, d in enumerate(shape):
            _DIMS[i] = d
        src = value.address if native else torch.from_numpy(value).data_ptr()
        bad = _r_to_c(src, dst.data_ptr(), dtype == _F64, len(shape), _DIMS,
                      torch.get_num_threads())
        if bad < 0:
            raise MemoryError("cntkr_r_to_c: out of memory")
        if bad:
            raise RValueError(f"`{arg}` must not contain NA.")
        return out
    if r_array and value.size >= _TORCH_MIN:
        out = _scratch_buffer(value.shape, dtype) if scratch else np.empty(value.shape, dtype)
        # value.T is C-contiguous; permuted back, it is `value` as a strided tensor
        src = torch.from_numpy(value.T).permute(*range(value.ndim - 1, -1, -1))
        t = torch.from_numpy(out)
        t.copy_(src)
        # a NaN makes the sum NaN (one vectorized pass); an inf - inf sum is checked exactly
        if torch.isnan(t.sum()) and torch.isnan(t).any():
            raise RValueError(f"`{arg}` must not contain NA.")
        return out
    src = np.asarray(value)
    # checked before the cast: R's NA is a signalling NaN, whose cast NumPy warns about
    if src.dtype.kind == "f" and np.isnan(src).any():
        raise RValueError(f"`{arg}` must not contain NA.")
    return np.array(src, dtype=dtype, order="C")


def to_r(t):
    """A tensor (or array) as what R turns into an R array with the least work.

    With the R package's kernels (:func:`use_native`): a float64 vector ``[address, is_f64,
    threads, *shape]`` describing a C-order float32/float64 CPU buffer, which stays alive in
    ``_pinned`` until the next eval/grad call; R's ``cntkr_from_c`` copies it into a new R array.
    Otherwise an F-ordered float64 array (for reticulate, whose own cast is then a plain copy).
    Several results (:func:`_to_r_all`) go as one vector ``[-1, count, length_1, *description_1,
    ...]``, which ``cntkr_from_c`` turns into an R list.
    """
    if _r_to_c is not None and isinstance(t, torch.Tensor):
        return np.array(_describe(t), dtype=_F64)
    if isinstance(t, torch.Tensor):
        t = t.detach()
        if t.device.type != "cpu":
            t = t.cpu()
        if t.dim() > 1 and t.numel() >= _TORCH_MIN:
            # reversed axes, contiguous = the F-ordered float64 array; reticulate's own cast to
            # F-ordered float64 is then a plain copy
            f = t.permute(*range(t.dim() - 1, -1, -1)).to(
                torch.float64, memory_format=torch.contiguous_format)
            return f.numpy().T
        return t.numpy()
    return t


def _describe(t: torch.Tensor) -> list:
    """``[address, is_f64, threads, *shape]`` of `t` as a C-order float32/float64 CPU buffer,
    which is kept alive in ``_pinned`` (see :func:`to_r`)."""
    if t.requires_grad:
        t = t.detach()
    if not t.is_cpu:
        t = t.cpu()
    is_f64 = t.dtype == torch.float64
    if not is_f64 and t.dtype != torch.float32:
        t, is_f64 = t.to(torch.float64), True
    t = t.contiguous()
    _pinned.append(t)
    return [float(t.data_ptr()), float(is_f64), float(torch.get_num_threads()), *map(float, t.shape)]


def _feed(f: Function, arguments, arg):
    """`arguments` as Function.eval takes it, every R value converted by :func:`from_r`."""
    if arguments is None:
        return None
    if isinstance(arguments, dict):
        return {k: _convert(k, v, arg) for k, v in arguments.items()}
    inputs = f.arguments
    if len(inputs) != 1:
        raise RValueError(
            f"`{arg}` is a single array but the Function has {len(inputs)} inputs; "
            "give dict(x = xv, ...) instead.")
    return {inputs[0]: _convert(inputs[0], arguments, arg)}


def _convert(var, value, arg):
    if isinstance(value, RArray) or isinstance(value, np.ndarray) and \
            not value.flags.writeable and value.dtype == _F64:
        return from_r(value, _dtype_of(var), arg, True)  # an R double array
    if isinstance(value, (list, float, int)):
        return from_r(value, _dtype_of(var), arg)  # an R vector without dim
    return value  # a value already converted (dict()), or anything else: Python checks it


def _descriptions(values, keys) -> list:
    """A dict {key: tensor} as one description of them all, in `keys`' order (see
    :func:`to_r`); one tensor as its description."""
    if not isinstance(values, dict):
        return _describe(values)
    keys = list(values) if keys is None else keys
    flat = [-1.0, float(len(keys))]
    for k in keys:
        d = _describe(values[k])
        flat.append(float(len(d)))
        flat.extend(d)
    return flat


def _to_r_all(values, keys, as_matrix):
    """A dict {key: tensor} (or one tensor) as a list in `keys`' order (or one value)."""
    if as_matrix and _r_to_c is not None:
        return np.array(_descriptions(values, keys), dtype=_F64)
    conv = to_r if as_matrix else (lambda v: v)
    if isinstance(values, dict):
        keys = list(values) if keys is None else keys
        return [conv(values[k]) for k in keys]
    return conv(values)


def _returning_errors(fn, as_message=False):
    """Bad R input comes back as an :class:`RValueError` *value*, not raised: R checks the
    result's class, which costs less than a tryCatch() around every call. `as_message`: as
    the error's message (a str), for the C caller (``src/pycall.c``)."""
    def entry(*args):
        try:
            return fn(*args)
        except RValueError as e:
            return str(e.args[0]) if as_message else e
    entry.__name__, entry.__doc__ = fn.__name__, fn.__doc__
    return entry


def _eval(f: Function, arguments=None, outputs=None, device=None, as_matrix=True,
          arg="arguments"):
    """``f.eval`` for R: outputs as :func:`to_r` arrays (`as_matrix`) or tensors; several
    outputs as a list in the order of `outputs`."""
    _pinned.clear()
    values = f.eval(_feed(f, arguments, arg), outputs, device, as_numpy=False)
    return _to_r_all(values, outputs, as_matrix)


def _grad(f: Function, at=None, wrt=None, outputs=None, device=None, as_matrix=True,
          grad_root=None, arg="at"):
    """``f.grad`` for R: gradients as a list in the order of `wrt` (one gradient: bare); with
    `outputs`, a list [gradients, output values]."""
    _pinned.clear()
    result = f.grad(_feed(f, at, arg), wrt, outputs, device, as_numpy=False, grad_root=grad_root)
    if outputs is None:
        return _to_r_all(result, wrt, as_matrix)
    grads, outs = result
    return [_to_r_all(grads, wrt, as_matrix), _to_r_all(outs, outputs, as_matrix)]


def _eval_c(f: Function, arguments=None, outputs=None, device=None, arg="arguments"):
    """:func:`_eval` for the R package's C caller (``src/pycall.c``): R arrays come as
    :class:`RArray`, the result goes back as a tuple (one description, see :func:`to_r`), bad
    R input as its message (a str)."""
    _pinned.clear()
    values = f.eval(_feed(f, arguments, arg), outputs, device, as_numpy=False)
    return tuple(_descriptions(values, outputs))


def _grad_c(f: Function, at=None, wrt=None, device=None, grad_root=None, arg="at"):
    """:func:`_grad` for the C caller, as :func:`_eval_c` (no `outputs`)."""
    _pinned.clear()
    result = f.grad(_feed(f, at, arg), wrt, None, device, as_numpy=False, grad_root=grad_root)
    return tuple(_descriptions(result, wrt))


eval = _returning_errors(_eval)
grad = _returning_errors(_grad)
eval_c = _returning_errors(_eval_c, as_message=True)
grad_c = _returning_errors(_grad_c, as_message=True)

#: :func:`from_r` for R (``as_numpy_array()``), returning an RValueError instead of raising it
from_r_value = _returning_errors(from_r)
