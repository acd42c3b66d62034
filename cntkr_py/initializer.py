"""Parameter initializers: CNTK 2.7's ``cntk.initializer`` on PyTorch.

Every function returns an :class:`Initializer`, a small description object
(kind + arguments).  A layer completes it with its own rank defaults
(:meth:`Initializer.with_defaults`, CNTK's ``initializer_with_rank``) and then
draws the parameter value with :meth:`Initializer.draw`.

Distributions and fans follow CNTK 2.7 exactly (measured against CNTK, see
``tests/goldens/initializers/statistics.json``, made by ``tools/make_goldens.py initializers``);
CNTK's random bits themselves cannot be reproduced, only the distributions.

Fan rule (CNTK ``LearnableParameter::InitRandom``), stated on the Python-API
shape ``shape``.  CNTK stores shapes reversed, so its layout is
``dims = shape[::-1]``; with filter rank ``r`` and output rank ``o``::

    filter_size = prod(dims[:r])
    fan_in      = filter_size * prod(dims[r + max(o, 0) : (len(dims) if o >= 0 else len(dims) + o)])
    fan_out     = numel * filter_size // fan_in

For ``ConvolutionTranspose`` (the layer passes ``filter_rank=len(filter_shape)``,
``output_rank=-1``) and W of Python shape ``(in_depth, *num_filters, *filter_shape)``
this gives ``fan_in = prod(num_filters) * prod(filter_shape)`` and
``fan_out = in_depth * prod(filter_shape)``.  Unset ranks on a bare parameter
default to ``output_rank=1``, ``filter_rank=0`` (CNTK's DefaultParamInitOutputRank /
DefaultParamInitFilterRank).

Per kind (``scale`` multiplies every range/stdev):

================ ================ =============================================================
kind             distribution     range (uniform) or stdev (normal)
================ ================ =============================================================
uniform          uniform          scale (ranks unused)
normal           normal           scale (fans unused)
xavier           **uniform**      scale*sqrt(3/fan_in) (CNTK docs wrongly say Gaussian)
glorot_uniform   uniform          scale*sqrt(6/(fan_in+fan_out))
glorot_normal    normal           scale*sqrt(2/(fan_in+fan_out))
he_uniform       uniform          scale*sqrt(6/fan_in)
he_normal        normal           scale*sqrt(2/fan_in)
truncated_normal normal(0, stdev) truncated to [-2 stdev, 2 stdev] (rejection sampling)
================ ================ =============================================================
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Optional, Sequence

import numpy as np
import torch

__all__ = [
    "SentinelValueForInferParamInitRank",
    "SentinelValueForAutoSelectRandomSeed",
    "DefaultParamInitScale",
    "DefaultParamInitOutputRank",
    "DefaultParamInitFilterRank",
    "Initializer",
    "uniform",
    "normal",
    "xavier",
    "glorot_uniform",
    "glorot_normal",
    "he_uniform",
    "he_normal",
    "truncated_normal",
    "as_initializer",
    "compute_fans",
]

#: CNTK 2.7 values (``cntk.initializer.*``).
SentinelValueForInferParamInitRank = 2147483647
SentinelValueForAutoSelectRandomSeed = 18446744073709551613
DefaultParamInitScale = 1
#: What CNTK uses for a rank still at the sentinel when the value is drawn.
DefaultParamInitOutputRank = 1
DefaultParamInitFilterRank = 0

_RANKED_KINDS = ("normal", "xavier", "glorot_uniform", "glorot_normal", "he_uniform", "he_normal")
_RANDOM_KINDS = _RANKED_KINDS + ("uniform", "truncated_normal")
_KINDS = _RANDOM_KINDS + ("constant", "array")


# --------------------------------------------------------------------------- validation
def _check_scale(value, name: str, kind: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{kind}: '{name}' must be a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        # CNTK rejects scale <= 0 ("scale value for initializer ... cannot be 0").
        raise ValueError(f"{kind}: '{name}' must be a positive finite number, got {value!r}")
    return value


def _check_rank(value, name: str, kind: str) -> int:
    if value is None:
        return SentinelValueForInferParamInitRank
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{kind}: '{name}' must be an int, got {type(value).__name__} {value!r}")
    value = int(value)
    if value == SentinelValueForInferParamInitRank:
        return value
    if abs(value) >= SentinelValueForInferParamInitRank:
        raise ValueError(f"{kind}: '{name}' out of range: {value}")
    return value


def _check_seed(value, kind: str) -> Optional[int]:
    """Returns None for 'auto-select' (None or CNTK's sentinel), else the int seed."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{kind}: 'seed' must be a non-negative int or None, got {type(value).__name__} {value!r}")
    value = int(value)
    if value == SentinelValueForAutoSelectRandomSeed:
        return None
    if value < 0 or value >= 2 ** 64:
        raise ValueError(f"{kind}: 'seed' must be a non-negative int below 2**64, got {value}")
    return value


# --------------------------------------------------------------------------- fans
def compute_fans(shape: Sequence[int], output_rank: int = SentinelValueForInferParamInitRank,
                 filter_rank: int = SentinelValueForInferParamInitRank) -> tuple[int, int]:
    """(fan_in, fan_out) exactly as CNTK 2.7 computes them for a parameter of
    Python-API shape ``shape``.  Ranks still at the sentinel take CNTK's defaults
    (output_rank=1, filter_rank=0)."""
    shape = tuple(int(d) for d in shape)
    if output_rank == SentinelValueForInferParamInitRank:
        output_rank = DefaultParamInitOutputRank
    if filter_rank == SentinelValueForInferParamInitRank:
        filter_rank = DefaultParamInitFilterRank
    rank = len(shape)
    if filter_rank < 0:
        raise ValueError(f"filter_rank must be >= 0, got {filter_rank}")
    if filter_rank + output_rank > rank or filter_rank + abs(output_rank) > rank:
        raise ValueError(
            f"sum of filter_rank ({filter_rank}) and output_rank ({output_rank}) of the initializer "
            f"cannot exceed the rank ({rank}) of the parameter shape {shape}")
    dims = shape[::-1]  # CNTK's (column-major) layout
    filter_size = math.prod(dims[:filter_rank])
    begin = filter_rank + max(output_rank, 0)
    end = rank if output_rank >= 0 else rank + output_rank
    fan_in = filter_size * math.prod(dims[begin:end])
    numel = math.prod(shape)
    fan_out = numel * filter_size // fan_in if fan_in else 0
    return fan_in, fan_out


# --------------------------------------------------------------------------- Initializer
class Initializer:
    """A parameter initializer: ``kind`` plus its arguments.

    kinds: 'uniform', 'normal', 'xavier', 'glorot_uniform', 'glorot_normal',
    'he_uniform', 'he_normal', 'truncated_normal' (random), 'constant' (``value``),
    'array' (``value``: a tensor used as the parameter's value).
    """

    __slots__ = ("kind", "scale", "output_rank", "filter_rank", "seed", "value")

    def __init__(self, kind: str, scale: Optional[float] = None,
                 output_rank: int = SentinelValueForInferParamInitRank,
                 filter_rank: int = SentinelValueForInferParamInitRank,
                 seed: Optional[int] = None, value: Any = None):
        if kind not in _KINDS:
            raise ValueError(f"Initializer: unknown kind {kind!r}; expected one of {_KINDS}")
        self.kind = kind
        self.scale = scale
        self.output_rank = output_rank
        self.filter_rank = filter_rank
        self.seed = seed
        self.value = value

    # -- description
    @property
    def is_random(self) -> bool:
        return self.kind in _RANDOM_KINDS

    @property
    def uses_ranks(self) -> bool:
        """Whether output_rank/filter_rank apply (CNTK: every random kind except uniform
        and truncated_normal)."""
        return self.kind in _RANKED_KINDS

    def __repr__(self) -> str:
        if self.kind == "constant":
            return f"Initializer(kind='constant', value={self.value!r})"
        if self.kind == "array":
            return (f"Initializer(kind='array', shape={tuple(self.value.shape)}, "
                    f"dtype={self.value.dtype})")
        args = [f"kind={self.kind!r}", f"{'stdev' if self.kind == 'truncated_normal' else 'scale'}={self.scale!r}"]
        if self.uses_ranks:
            for n in ("output_rank", "filter_rank"):
                v = getattr(self, n)
                args.append(f"{n}={'<infer>' if v == SentinelValueForInferParamInitRank else v}")
        args.append(f"seed={'<auto>' if self.seed is None else self.seed}")
        return f"Initializer({', '.join(args)})"

    def _copy(self, **changes) -> "Initializer":
        new = Initializer(self.kind, self.scale, self.output_rank, self.filter_rank, self.seed, self.value)
        for k, v in changes.items():
            setattr(new, k, v)
        return new

    def with_defaults(self, output_rank: Optional[int] = None, filter_rank: Optional[int] = None) -> "Initializer":
        """Copy whose ranks left at the sentinel take the given defaults (None: leave as is).

        Mirrors CNTK's ``initializer_with_rank`` as used by the layers'
        ``_initializer_for(init, Record(filter_rank=..., output_rank=...))``: a rank the
        user gave explicitly may only be "overridden" by the same value, otherwise
        ValueError (CNTK: "Output rank of a non-uniform random initialier cannot be
        overridden if it has been already specified!").  Kinds without ranks (uniform,
        truncated_normal, constant, array) are returned unchanged.
        (CNTK 2.7 itself crashes with RuntimeError '_Map_base::at' for truncated_normal
        here; we do not reproduce that crash.)
        """
        if not self.uses_ranks:
            return self
        changes = {}
        for name, new in (("output_rank", output_rank), ("filter_rank", filter_rank)):
            if new is None:
                continue
            new = _check_rank(new, name, "with_defaults")
            old = getattr(self, name)
            if old != SentinelValueForInferParamInitRank and old != new:
                raise ValueError(
                    f"{self.kind}: {name}={old} was given explicitly but the layer requires {name}={new}; "
                    f"a non-uniform random initializer's {name} cannot be overridden once specified")
            changes[name] = new
        return self._copy(**changes)

    def fans(self, shape: Sequence[int]) -> tuple[int, int]:
        """(fan_in, fan_out) CNTK uses for a parameter of this Python-API shape."""
        return compute_fans(shape, self.output_rank, self.filter_rank)

    def bound_or_std(self, shape: Sequence[int]) -> float:
        """Uniform range limit (draws lie in [-limit, limit]) or normal stdev (for
        truncated_normal: the stdev before truncation) for this shape."""
        k, s = self.kind, self.scale
        if k == "uniform" or k == "normal" or k == "truncated_normal":
            if k == "normal":
                self.fans(shape)  # CNTK still validates the ranks
            return s
        fan_in, fan_out = self.fans(shape)
        if fan_in <= 0:
            raise ValueError(f"{k}: cannot initialize a parameter with zero fan-in, shape {tuple(shape)}")
        if k == "xavier":
            return s * math.sqrt(3.0 / fan_in)
        if k == "glorot_uniform":
            return s * math.sqrt(6.0 / (fan_in + fan_out))
        if k == "glorot_normal":
            return s * math.sqrt(2.0 / (fan_in + fan_out))
        if k == "he_uniform":
            return s * math.sqrt(6.0 / fan_in)
        if k == "he_normal":
            return s * math.sqrt(2.0 / fan_in)
        raise ValueError(f"bound_or_std: not defined for kind {k!r}")

    @property
    def is_uniform_distribution(self) -> bool:
        return self.kind in ("uniform", "xavier", "glorot_uniform", "he_uniform")

    def draw(self, shape: Sequence[int], dtype: torch.dtype = torch.float32,
             device: Optional[torch.device] = None) -> torch.Tensor:
        """A tensor of ``shape`` (the Python-API parameter shape, e.g. ConvolutionTranspose's
        ``(in_depth, num_filters, *filter_shape)``) drawn as CNTK would.  With a seed the
        draw is reproducible (private generator); otherwise torch's global RNG is used."""
        try:
            shape = tuple(int(d) for d in shape)
        except TypeError:
            raise TypeError(f"draw: 'shape' must be a sequence of ints, got {shape!r}") from None
        if any(d < 0 for d in shape):
            raise ValueError(f"draw: 'shape' has negative dimensions: {shape} (infer them first)")
        if self.kind == "constant":
            return torch.full(shape, float(self.value), dtype=dtype, device=device)
        if self.kind == "array":
            v = self.value
            if tuple(v.shape) != shape:
                raise ValueError(
                    f"init: array of shape {tuple(v.shape)} does not match the parameter shape {shape}")
            return v.detach().to(dtype=dtype, device=device).clone()

        out = torch.empty(shape, dtype=dtype, device=device)
        if out.numel() == 0:  # CNTK returns before drawing (ranks still validated)
            if self.uses_ranks:
                self.fans(shape)
            return out
        p = self.bound_or_std(shape)
        gen = None
        if self.seed is not None:
            gen_device = out.device if out.device.type != "meta" else torch.device("cpu")
            gen = torch.Generator(device=gen_device)
            gen.manual_seed(self.seed % (2 ** 64))
        with torch.no_grad():
            if self.is_uniform_distribution:
                out.uniform_(-p, p, generator=gen)
            elif self.kind == "truncated_normal":
                torch.nn.init.trunc_normal_(out, mean=0.0, std=p, a=-2.0 * p, b=2.0 * p, generator=gen)
            else:
                out.normal_(0.0, p, generator=gen)
        return out


# --------------------------------------------------------------------------- public factories
def uniform(scale, seed=None) -> Initializer:
    """Uniform on ``scale*[-1, 1]`` (BrainScript's "uniform1")."""
    return Initializer("uniform", _check_scale(scale, "scale", "uniform"), seed=_check_seed(seed, "uniform"))


def _ranked(kind, scale, output_rank, filter_rank, seed) -> Initializer:
    return Initializer(kind, _check_scale(scale, "scale", kind),
                       _check_rank(output_rank, "output_rank", kind),
                       _check_rank(filter_rank, "filter_rank", kind),
                       _check_seed(seed, kind))


def normal(scale, output_rank=SentinelValueForInferParamInitRank,
           filter_rank=SentinelValueForInferParamInitRank, seed=None) -> Initializer:
    """Normal with mean 0 and standard deviation ``scale`` (no fan scaling)."""
    return _ranked("normal", scale, output_rank, filter_rank, seed)


def xavier(scale=DefaultParamInitScale, output_rank=SentinelValueForInferParamInitRank,
           filter_rank=SentinelValueForInferParamInitRank, seed=None) -> Initializer:
    """Uniform on ``scale*sqrt(3/fan_in)*[-1, 1]`` (CNTK 2.7's actual behaviour; its
    docstring claims a Gaussian)."""
    return _ranked("xavier", scale, output_rank, filter_rank, seed)


def glorot_uniform(scale=DefaultParamInitScale, output_rank=SentinelValueForInferParamInitRank,
                   filter_rank=SentinelValueForInferParamInitRank, seed=None) -> Initializer:
    """Uniform on ``scale*sqrt(6/(fan_in+fan_out))*[-1, 1]``."""
    return _ranked("glorot_uniform", scale, output_rank, filter_rank, seed)


def glorot_normal(scale=DefaultParamInitScale, output_rank=SentinelValueForInferParamInitRank,
                  filter_rank=SentinelValueForInferParamInitRank, seed=None) -> Initializer:
    """Normal with stdev ``scale*sqrt(2/(fan_in+fan_out))``."""
    return _ranked("glorot_normal", scale, output_rank, filter_rank, seed)


def he_uniform(scale=DefaultParamInitScale, output_rank=SentinelValueForInferParamInitRank,
               filter_rank=SentinelValueForInferParamInitRank, seed=None) -> Initializer:
    """Uniform on ``scale*sqrt(6/fan_in)*[-1, 1]``."""
    return _ranked("he_uniform", scale, output_rank, filter_rank, seed)


def he_normal(scale=DefaultParamInitScale, output_rank=SentinelValueForInferParamInitRank,
              filter_rank=SentinelValueForInferParamInitRank, seed=None) -> Initializer:
    """Normal with stdev ``scale*sqrt(2/fan_in)``."""
    return _ranked("he_normal", scale, output_rank, filter_rank, seed)


def truncated_normal(stdev, seed=None) -> Initializer:
    """Normal(0, stdev) truncated to ``[-2*stdev, 2*stdev]`` (resampled, as CNTK does)."""
    return Initializer("truncated_normal", _check_scale(stdev, "stdev", "truncated_normal"),
                       seed=_check_seed(seed, "truncated_normal"))


def as_initializer(init) -> Initializer:
    """Normalizes a layer's ``init=`` argument.

    * :class:`Initializer` -> itself;
    * Python / NumPy real scalar -> constant fill (CNTK's ``constant_initializer``);
    * NumPy array or torch tensor (any rank, 0-d included) -> used as the value; its
      shape is checked against the parameter's in :meth:`Initializer.draw`.

    (CNTK 2.7's layers accept scalars but fail on arrays with a TypeError from
    ``random_initializer_with_rank``.)
    """
    if init is None:
        raise ValueError("init parameter cannot be None")
    if isinstance(init, Initializer):
        return init
    if isinstance(init, (bool, np.bool_)):
        raise TypeError(f"init: a bool is not a valid initializer: {init!r}")
    if isinstance(init, (numbers.Real, np.number)) and not isinstance(init, np.complexfloating):
        v = float(init)
        if not math.isfinite(v):
            raise ValueError(f"init: constant value must be finite, got {init!r}")
        return Initializer("constant", value=v)
    if isinstance(init, torch.Tensor):
        if init.is_complex() or init.dtype == torch.bool:
            raise TypeError(f"init: tensor of dtype {init.dtype} is not a valid initial value")
        return Initializer("array", value=init.detach().clone())
    if isinstance(init, (np.ndarray, list, tuple)):
        try:
            arr = np.asarray(init, dtype=np.float64) if not isinstance(init, np.ndarray) else init
        except (TypeError, ValueError):
            raise TypeError(f"init: could not convert {type(init).__name__} to a numeric array") from None
        if arr.dtype.kind not in "fiu":
            raise TypeError(f"init: array of dtype {arr.dtype} is not a valid initial value")
        return Initializer("array", value=torch.from_numpy(np.array(arr, copy=True)))
    raise TypeError(
        f"init must be an Initializer, a real scalar, a NumPy array or a torch tensor; got {type(init).__name__}")
