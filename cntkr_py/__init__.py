"""cntkr_py: CNTK 2.7's Python API on PyTorch.

``import cntkr_py as C`` and CNTK code runs: ``C.input_variable``, ``C.layers.ConvolutionTranspose``,
``Function.eval/grad``, ``Parameter.value``, initializers, activations and devices.
"""
from . import cntk_py, device, initializer, layers, ops
from .default_options import default_options, default_options_for
from .ops.functions import Function
from .initializer import (glorot_normal, glorot_uniform, he_normal, he_uniform, normal,
                          truncated_normal, uniform, xavier)
from .ops.pooling import AVG_POOLING, MAX_POOLING, pooling
from .ops import (element_times, elu, identity, leaky_relu, minus, negate, plus, relu, sigmoid,
                  softmax, softplus, tanh)
from .variables import (Axis, Constant, Parameter, Variable, constant, input_variable,
                        parameter)

__version__ = "0.1.0"

__all__ = ["cntk_py", "device", "initializer", "layers", "ops", "default_options", "default_options_for",
           "Function", "Axis", "Constant", "Parameter", "Variable", "constant", "input_variable",
           "parameter", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform", "normal",
           "truncated_normal", "uniform", "xavier", "element_times", "elu", "identity",
           "leaky_relu", "pooling", "MAX_POOLING", "AVG_POOLING", "minus", "negate", "plus", "relu", "sigmoid", "softmax", "softplus", "tanh"]
