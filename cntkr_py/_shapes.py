"""The one place where user-supplied shapes, integers and per-axis arguments are normalised.

Conventions (as in CNTK's Python API, which CNTK-R passed through unchanged): shapes are in
row-major (NumPy) order, channels first, without the batch axis; axes are 0-based.

Every function takes the *name* of the argument it checks so that errors say which argument
was wrong and what was wrong with it.
"""
from __future__ import annotations

import numbers

import numpy as np


# How values are written in error messages: "python" (repr) or "r" (R literals: c(2, 3), TRUE,
# NULL, "a"), switched by the R package when it loads (messages then reach R users in R's words).
_STYLE = {"style": "python"}


def set_message_style(style: str) -> str:
    """Write values in error messages as Python ("python") or R ("r") literals; returns the old
    style. Index positions follow the language too (``x[0]`` in Python is ``x[1]`` in R)."""
    if style not in ("python", "r"):
        raise ValueError(f"style must be 'python' or 'r', got {style!r}")
    old, _STYLE["style"] = _STYLE["style"], style
    return old


def _r_literal(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, (bool, np.bool_)):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return '"' + value.replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple, np.ndarray)):
        items = list(np.asarray(value).reshape(-1)) if isinstance(value, np.ndarray) else list(value)
        if len(items) == 1 and not isinstance(value, np.ndarray):
            return _r_literal(items[0])
        return "c(" + ", ".join(_r_literal(v) for v in items) + ")"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return repr(float(value)).replace("inf", "Inf").replace("nan", "NaN")
    return repr(value)


def describe(value) -> str:
    """`value` as it is quoted in error messages (at most 80 characters)."""
    text = _r_literal(value) if _STYLE["style"] == "r" else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def item(name: str, index: int) -> str:
    """The name of element `index` (0-based) of argument `name`: ``name[0]`` in Python,
    ``name[1]`` in R."""
    return f"{name}[{index + 1 if _STYLE['style'] == 'r' else index}]"


_describe = describe


def as_int(value, name: str, *, minimum: int | None = None) -> int:
    """A whole number as a Python int (accepts 3, 3.0, np.int64(3); rejects 2.5, True, '3', NaN)."""
    if isinstance(value, (bool, np.bool_)) or value is None:
        raise TypeError(f"{name} must be an integer, got {_describe(value)}")
    if isinstance(value, numbers.Integral):
        out = int(value)
    elif isinstance(value, numbers.Real):
        if not np.isfinite(value) or float(value) != int(value):
            raise ValueError(f"{name} must be a whole number, got {_describe(value)}")
        out = int(value)
    else:
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {_describe(value)}")
    if minimum is not None and out < minimum:
        kind = "positive" if minimum == 1 else f">= {minimum}"
        raise ValueError(f"{name} must be {kind}, got {out}")
    return out


def _as_sequence(value):
    if isinstance(value, np.ndarray):
        return list(value.reshape(-1)) if value.ndim <= 1 else None
    if isinstance(value, (list, tuple)):
        return list(value)
    return None


def as_int_tuple(value, name: str, *, minimum: int | None = None) -> tuple:
    """An int or a sequence of ints as a tuple of Python ints."""
    seq = _as_sequence(value)
    if seq is None:
        return (as_int(value, name, minimum=minimum),)
    return tuple(as_int(v, item(name, i), minimum=minimum) for i, v in enumerate(seq))


def as_shape(value, name: str = "shape", *, allow_inferred: bool = False) -> tuple:
    """A tensor shape (int or sequence) as a tuple of non-negative ints; -1 allowed when inferred."""
    if value is None:
        return ()
    dims = as_int_tuple(value, name)
    for i, d in enumerate(dims):
        if d < 0 and not (allow_inferred and d == -1):
            raise ValueError(f"{name}[{i}] must be a non-negative dimension, got {d} in {dims}")
    return dims


def as_bool(value, name: str) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise TypeError(f"{name} must be True or False, got {_describe(value)}")


def per_axis(value, rank: int, name: str, *, kind: str = "int", minimum: int | None = 1) -> tuple:
    """Broadcast a scalar, or check a per-axis sequence, to a tuple of length `rank`.

    kind="int" gives ints (each >= minimum), kind="bool" gives bools.
    A sequence must have exactly one element (broadcast, as CNTK does) or `rank` elements.
    """
    seq = _as_sequence(value)
    items = [value] if seq is None else seq
    if len(items) == 1:
        items = items * rank
    if len(items) != rank:
        raise ValueError(
            f"{name} must be a scalar or have one value per filter axis ({rank}), "
            f"got {len(items)} values: {_describe(value)}")
    if kind == "bool":
        return tuple(as_bool(v, name if seq is None else item(name, i)) for i, v in enumerate(items))
    return tuple(as_int(v, name if seq is None else item(name, i), minimum=minimum)
                 for i, v in enumerate(items))


def describe_shape(shape, batch: bool = False) -> str:
    """A shape as messages write it, with a leading ``batch`` axis when `batch`:
    ``(batch, 2, 3)`` in Python, ``c(batch, 2, 3)`` in R."""
    dims = (["batch"] if batch else []) + [str(int(d)) for d in shape]
    if _STYLE["style"] == "r":
        return dims[0] if len(dims) == 1 else "c(" + ", ".join(dims) + ")"
    return "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"


def as_axis(value, rank: int, name: str = "axis") -> int:
    """A static axis of an operand of `rank` static axes (0-based, negative counts from the end;
    the batch axis is never counted), returned counted from the end (-rank ... -1): it then
    names the same axis when the op is re-applied to an input with more leading axes, as in
    CNTK, and the same torch dim whether or not a batch axis is in front."""
    ax = as_int(value, name)
    if not -rank <= ax < rank:
        raise ValueError(f"{name} must be in [{-rank}, {rank - 1}] for an operand with {rank} "
                         f"static axes, got {ax}")
    return ax - rank if ax >= 0 else ax


def as_number(value, name: str, *, nonzero: bool = False) -> float:
    """A finite real number as a Python float (rejects booleans, strings, NaN and infinities)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {_describe(value)}")
    out = float(value)
    if not np.isfinite(out):
        raise ValueError(f"{name} must be a finite number, got {_describe(value)}")
    if nonzero and out == 0.0:
        raise ValueError(f"{name} must not be 0")
    return out
