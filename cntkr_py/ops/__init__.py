"""Operators, as in ``cntk.ops``: functions that take Variables, Functions, arrays or numbers and
return a Function (a graph node). Each op is declared once (``primitive.Op``: CNTK's name, its
attributes, a shape rule and a torch forward) in the module of its family."""
from .activations import (elu, hardmax, identity, leaky_relu, log_softmax, param_relu, relu, selu, sigmoid,
                          softmax, softplus, tanh)
from .elementwise import (abs, clip, element_divide, element_max, element_min, element_select, element_times, equal,
                          exp, greater, greater_equal, less, less_equal, log, minus, negate, not_equal, plus, pow,
                          reciprocal, sqrt, square)
from .elementwise import ceil, cos, floor, log_add_exp, round, sin
from .functions import Function, ModelFormat, load_model
from .graph import alias, combine, placeholder, stop_gradient
from .normalization import batch_normalization, dropout
from .linear import times, times_transpose
from .reductions import (argmax, argmin, reduce_log_sum_exp, reduce_max, reduce_mean, reduce_min,
                         reduce_prod, reduce_sum)
from .shape import (CONSTANT_PAD, REFLECT_PAD, SYMMETRIC_PAD, expand_dims, flatten, one_hot, pad,
                    reshape, slice, splice, squeeze, swapaxes, transpose, gather)
from .pooling import AVG_POOLING, MAX_POOLING, MAX_UNPOOLING, pooling, unpooling
from .convolution import convolution, convolution_transpose, crop_manual
from .crop import crop_automatic, crop_automatic_with_ancestors
from .assign import assign

__all__ = ["Function", "identity", "relu", "sigmoid", "tanh", "softmax", "elu", "leaky_relu",
           "softplus", "pooling", "MAX_POOLING", "AVG_POOLING", "unpooling", "MAX_UNPOOLING", "convolution", "convolution_transpose", "crop_manual", "crop_automatic", "crop_automatic_with_ancestors", "plus", "minus", "element_times", "negate",
           "log_softmax", "hardmax", "selu", "param_relu", "element_divide", "abs", "exp", "log", "sqrt",
           "square", "pow", "reciprocal", "clip", "element_max", "element_min", "element_select", "equal",
           "not_equal", "less", "less_equal", "greater", "greater_equal", "log_add_exp", "sin", "cos",
           "floor", "ceil", "round"]
__all__ += ["alias", "combine", "placeholder", "stop_gradient", "batch_normalization", "dropout"]
__all__ += ["times", "times_transpose", "reduce_sum", "reduce_mean", "reduce_max", "reduce_min",
            "reduce_prod", "reduce_log_sum_exp", "argmax", "argmin", "reshape", "transpose",
            "swapaxes", "splice", "slice", "squeeze", "expand_dims", "pad", "flatten", "one_hot",
            "gather", "CONSTANT_PAD", "REFLECT_PAD", "SYMMETRIC_PAD"]  # linear, reductions, shape
__all__ += ["assign"]  # assign (ops/assign.py)
__all__ += ["ModelFormat", "load_model"]  # model files (cntk.ops has them too)
