"""Elementwise math: arithmetic (``plus``, ``minus``, ``element_times``, ``element_divide``,
``negate``, ``pow``, ``reciprocal``, ``square``), ``abs``, ``exp``, ``log``, ``log_add_exp``,
``sqrt``, ``sin``, ``cos``, ``floor``, ``ceil``, ``round``, ``clip``, ``element_max``,
``element_min``, ``element_select`` and the comparisons.

Ops with several inputs broadcast static shapes as NumPy does (CNTK's row-major API broadcasts
the same way); the batch axis stays in front (the core's ``broadcast=True`` rule, see
``primitive.py``). Numbers and arrays given as operands become Constants.

CNTK 2.7's numbers where they differ from the textbook (measured with CNTK 2.7; kept here):

* ``log(x)`` is ``-85.1`` for ``x < 1e-37`` (0 and negatives included), and its gradient is
  ``exp(-log(x))``, computed from the output (so ``9.0878e36`` there);
* ``reciprocal(0)`` is 0 (gradient ``-reciprocal(x)**2``, from the output), and
  ``element_divide(x, 0)`` is 0 with zero gradients;
* ``pow``: ``0 ** negative`` is 0; the gradient w.r.t. the base is 0 where the base is 0, the gradient w.r.t. the
  exponent is 0 where the base is not positive;
* ``element_max``/``element_min`` pass the gradient of a tie to the right operand;
* ``abs`` has gradient 0 at 0, ``clip`` gradient 1 at its bounds; ``sqrt(x)`` is 0 for x <= 0,
  with gradient inf there (``1 / (2 * sqrt(x))``, from the output); ``clip``'s bounds get a zero
  gradient;
* the comparisons give 1.0/0.0 in the operands' dtype, with zero gradients;
  ``element_select`` selects ``value_if_true`` where ``flag`` is not 0;
* ``floor`` has gradient 0; ``ceil(x)`` is CNTK's ``-floor(-x)`` (root op Negate, ``-0.0`` where
  the result is 0 from below) and ``round(x)`` its ``floor(x + 0.5)`` (halves round up).
"""
from __future__ import annotations

import numpy as np
import torch

from .._shapes import describe_shape
from .primitive import Op, same_shape

__all__ = ["plus", "minus", "element_times", "element_divide", "negate", "abs", "exp", "log", "sqrt",
           "square", "pow", "reciprocal", "clip", "element_max", "element_min", "element_select",
           "equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "log_add_exp", "sin",
           "cos", "floor", "ceil", "round"]


def broadcast_shape(*shapes, op_name=None):
    """The NumPy broadcast of static shapes."""
    if len(shapes) == 3 and isinstance(shapes[2], str):  # broadcast_shape(a, b, op_name)
        shapes, op_name = shapes[:2], shapes[2]
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        raise ValueError(f"{op_name}: operand shapes "
                         f"{' and '.join(describe_shape(s) for s in shapes)} do not broadcast") from None


def operands(*xs):
    """The operands as graph nodes: numbers and arrays become Constants of the dtype of the
    Variable operands (CNTK's: ``plus(x, 2)`` keeps x's dtype)."""
    from ..variables import Constant, Variable
    from .functions import as_node
    dtype = next((x.dtype for x in xs if isinstance(x, Variable) and x.dtype is not None), None)
    return [x if isinstance(x, Variable) or dtype is None else Constant(as_node(x).value, dtype=dtype)
            for x in xs]


def _custom(forward, backward):
    """A torch autograd function on same-shaped tensors (inputs are broadcast first, so that
    autograd sums the gradients back to each input's shape): ``forward(*xs) -> y`` and
    ``backward(g, y, *xs) -> one gradient per input``."""
    class Fn(torch.autograd.Function):
        @staticmethod
        def forward(ctx, *xs):
            y = forward(*xs)
            ctx.save_for_backward(y, *xs)
            return y

        @staticmethod
        def backward(ctx, g):
            y, *xs = ctx.saved_tensors
            return backward(g, y, *xs)

    def run(*xs):
        if len(xs) > 1:
            xs = torch.broadcast_tensors(*xs)
        return Fn.apply(*xs)
    return run


_LOG_EPS, _LOG_OF_EPS = 1e-37, float(np.float32(-85.1))  # CNTK's clipped log


def _log_forward(x):
    return torch.where(x < _LOG_EPS, torch.full_like(x, _LOG_OF_EPS), torch.log(x))


def _div_forward(a, b):
    zero = b == 0
    return torch.where(zero, torch.zeros_like(a), a / torch.where(zero, torch.ones_like(b), b))


def _div_backward(g, y, a, b):
    zero = b == 0
    safe = torch.where(zero, torch.ones_like(b), b)
    ga = torch.where(zero, torch.zeros_like(g), g / safe)
    gb = torch.where(zero, torch.zeros_like(g), -g * a / (safe * safe))
    return ga, gb


def _pow_backward(g, y, base, exponent):
    gb = torch.where(base == 0, torch.zeros_like(g), g * exponent * torch.pow(base, exponent - 1))
    pos = base > 0
    ge = torch.where(pos, g * y * torch.log(torch.where(pos, base, torch.ones_like(base))),
                     torch.zeros_like(g))
    return gb, ge


def _compare(fn):
    return _custom(lambda a, b: fn(a, b).to(a.dtype),
                   lambda g, y, a, b: (torch.zeros_like(a), torch.zeros_like(b)))


def _select(flag, if_true, if_false):
    flag, if_true, if_false = torch.broadcast_tensors(flag, if_true, if_false)
    # the flag gets a zero gradient (CNTK's), the branches theirs through where
    return torch.where(flag != 0, if_true, if_false) + _zero_grad(flag)


_zero_grad = _custom(torch.zeros_like, lambda g, y, x: (torch.zeros_like(x),))


def _clip(x, lo, hi):
    # gradient 1 at the bounds (CNTK's and torch's clamp rule); CNTK gives the bounds a zero gradient
    return torch.clamp(x, lo.detach(), hi.detach()) + _zero_grad(lo) + _zero_grad(hi)


def _pow(base, exponent):  # CNTK: 0 ** negative is 0
    return torch.where((base == 0) & (exponent < 0), torch.zeros_like(base), torch.pow(base, exponent))


def _binary(name, fn):
    return Op(name, shape=lambda a, b: broadcast_shape(a, b, name), forward=fn, broadcast=True)


def _broadcasting(name, fn):
    return Op(name, shape=lambda *shapes: broadcast_shape(*shapes, op_name=name), forward=fn,
              broadcast=True)


Plus = _binary("Plus", torch.add)
Minus = _binary("Minus", torch.sub)
ElementTimes = _binary("ElementTimes", torch.mul)
ElementDivide = _binary("ElementDivide", _custom(_div_forward, _div_backward))
Pow = _binary("Pow", _custom(_pow, _pow_backward))
ElementMax = _binary("ElementMax", lambda a, b: torch.where(a > b, a, b))  # a tie goes right
ElementMin = _binary("ElementMin", lambda a, b: torch.where(a < b, a, b))
Equal = _binary("Equal", _compare(torch.eq))
NotEqual = _binary("NotEqual", _compare(torch.ne))
Less = _binary("Less", _compare(torch.lt))
LessEqual = _binary("LessEqual", _compare(torch.le))
Greater = _binary("Greater", _compare(torch.gt))
GreaterEqual = _binary("GreaterEqual", _compare(torch.ge))
LogPlus = _binary("LogPlus", torch.logaddexp)
Clip = _broadcasting("Clip", _clip)
Select = _broadcasting("Select", _select)
Negate = Op("Negate", shape=same_shape, forward=torch.neg)
Abs = Op("Abs", shape=same_shape, forward=torch.abs)  # gradient sign(x): 0 at 0
Exp = Op("Exp", shape=same_shape, forward=torch.exp)
Sin = Op("Sin", shape=same_shape, forward=torch.sin)
Cos = Op("Cos", shape=same_shape, forward=torch.cos)
Floor = Op("Floor", shape=same_shape, forward=torch.floor)  # gradient 0
Log = Op("Log", shape=same_shape,
         forward=_custom(_log_forward, lambda g, y, x: (g * torch.exp(-y),)))
Sqrt = Op("Sqrt", shape=same_shape, forward=_custom(  # CNTK: 0 for x <= 0, gradient from the output
    lambda x: torch.sqrt(torch.clamp(x, min=0)), lambda g, y, x: (g / (2 * y),)))
Reciprocal = Op("Reciprocal", shape=same_shape, forward=_custom(
    lambda x: _div_forward(torch.ones_like(x), x), lambda g, y, x: (-g * y * y,)))


def plus(left, right, name=""):
    """left + right, elementwise with broadcasting."""
    return Plus(operands(left, right), name)


def minus(left, right, name=""):
    """left - right, elementwise with broadcasting."""
    return Minus(operands(left, right), name)


def element_times(left, right, name=""):
    """left * right, elementwise with broadcasting."""
    return ElementTimes(operands(left, right), name)


def negate(x, name=""):
    """-x."""
    return Negate([x], name)


def element_divide(left, right, name=""):
    """left / right, elementwise with broadcasting (0 where right is 0, as in CNTK)."""
    return ElementDivide(operands(left, right), name)


def abs(x, name=""):
    """The absolute value ``|x|``, elementwise."""
    return Abs([x], name)


def exp(x, name=""):
    """e ** x, elementwise."""
    return Exp([x], name)


def log(x, name=""):
    """Natural logarithm, elementwise (CNTK's: -85.1 for x < 1e-37)."""
    return Log([x], name)


def sqrt(x, name=""):
    """Square root, elementwise."""
    return Sqrt([x], name)


def square(x, name=""):
    """x * x (CNTK builds it as ElementTimes(x, x))."""
    from .functions import as_node
    x = as_node(x)
    return ElementTimes([x, x], name)


def pow(base, exponent, name=""):
    """base ** exponent, elementwise with broadcasting."""
    return Pow(operands(base, exponent), name)


def reciprocal(x, name=""):
    """1 / x, elementwise (0 at 0, as in CNTK)."""
    return Reciprocal([x], name)


def clip(x, min_value, max_value, name=""):
    """x clipped to [min_value, max_value] elementwise (bounds are numbers, arrays or
    Variables, broadcast with x)."""
    return Clip(operands(x, min_value, max_value), name)


def element_max(left, right, name=""):
    """The larger of left and right, elementwise with broadcasting."""
    return ElementMax(operands(left, right), name)


def element_min(left, right, name=""):
    """The smaller of left and right, elementwise with broadcasting."""
    return ElementMin(operands(left, right), name)


def element_select(flag, value_if_true, value_if_false, name=""):
    """value_if_true where flag is not 0, value_if_false elsewhere (broadcast together)."""
    return Select(operands(flag, value_if_true, value_if_false), name)


def equal(left, right, name=""):
    """1 where left == right, else 0 (elementwise, broadcasting)."""
    return Equal(operands(left, right), name)


def not_equal(left, right, name=""):
    """1 where left != right, else 0 (elementwise, broadcasting)."""
    return NotEqual(operands(left, right), name)


def less(left, right, name=""):
    """1 where left < right, else 0 (elementwise, broadcasting)."""
    return Less(operands(left, right), name)


def less_equal(left, right, name=""):
    """1 where left <= right, else 0 (elementwise, broadcasting)."""
    return LessEqual(operands(left, right), name)


def greater(left, right, name=""):
    """1 where left > right, else 0 (elementwise, broadcasting)."""
    return Greater(operands(left, right), name)


def greater_equal(left, right, name=""):
    """1 where left >= right, else 0 (elementwise, broadcasting)."""
    return GreaterEqual(operands(left, right), name)


def log_add_exp(left, right, name=""):
    """log(exp(left) + exp(right)), elementwise with broadcasting."""
    return LogPlus(operands(left, right), name)


def sin(x, name=""):
    """Sine, elementwise."""
    return Sin([x], name)


def cos(x, name=""):
    """Cosine, elementwise."""
    return Cos([x], name)


def floor(arg, name=""):
    """The largest integer <= arg, elementwise (gradient 0)."""
    return Floor([arg], name)


def ceil(arg, name=""):
    """The smallest integer >= arg, elementwise; built as CNTK builds it, -floor(-arg)."""
    return Negate([Floor([Negate([arg])])], name)


def round(arg, name=""):
    """arg rounded to the nearest integer, halves up; built as CNTK builds it, floor(arg + 0.5)."""
    from .functions import as_node
    arg = as_node(arg)
    return Floor([Plus(operands(arg, 0.5))], name)
