"""cntkr_py: CNTK 2.7's Python API on PyTorch.

``import cntkr_py as C`` and CNTK code runs: ``C.input_variable``, ``C.layers.ConvolutionTranspose``,
``Function.eval/grad``, ``Parameter.value``, initializers, activations and devices.

Importing cntkr_py before torch sets ``OMP_WAIT_POLICY=PASSIVE`` unless it is set already: torch's
OpenMP threads then sleep instead of spinning while they wait for work. When another process
takes a core, spinning threads fight it for the CPU (a training step of CNTK-R's mnist_example
network on 2 busy cores: 100-170 ms spinning, 27-37 ms passive); on idle cores the two are even.
Set the variable yourself (before torch is first imported) to choose otherwise.
"""
import os as _os

_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before anything imports torch
from . import cntk_py, device, initializer, layers, ops
from .default_options import (default_options, default_options_for, default_override_or, get_default_override,
                              get_global_option, is_default_override, set_global_option)
from .ops.functions import CloneMethod, Function, ModelFormat, load_model
from .ops.graph import alias, combine, placeholder, stop_gradient
from .ops.normalization import batch_normalization, dropout
from .initializer import (glorot_normal, glorot_uniform, he_normal, he_uniform, normal,
                          truncated_normal, uniform, xavier)
from .ops.pooling import AVG_POOLING, MAX_POOLING, MAX_UNPOOLING, pooling, unpooling
from .ops.convolution import convolution, convolution_transpose, crop_manual
from .ops.crop import crop_automatic, crop_automatic_with_ancestors
from .ops import (element_times, elu, identity, leaky_relu, minus, negate, plus, relu, sigmoid,
                  softmax, softplus, tanh)
from .ops.linear import times, times_transpose
from .ops.reductions import (argmax, argmin, reduce_log_sum_exp, reduce_max, reduce_mean,
                             reduce_min, reduce_prod, reduce_sum)
from .ops.shape import (CONSTANT_PAD, REFLECT_PAD, SYMMETRIC_PAD, expand_dims, flatten, one_hot,
                        pad, reshape, slice, splice, squeeze, swapaxes, transpose, gather)
from .ops.activations import hardmax, log_softmax, param_relu, selu
from .ops.elementwise import (abs, clip, element_divide, element_max, element_min, element_select, equal, exp,
                              greater, greater_equal, less, less_equal, log, not_equal, pow, reciprocal, sqrt,
                              square)
from .ops.elementwise import ceil, cos, floor, log_add_exp, round, sin
from . import losses, metrics
from .losses import (binary_cross_entropy, cosine_distance, cosine_distance_with_negative_samples,
                     cross_entropy_with_softmax, fmeasure, squared_error, weighted_binary_cross_entropy)
from .metrics import classification_error
from . import logging
from .variables import (Axis, Constant, Parameter, Variable, constant, input_variable,
                        parameter)
from . import io
from .io import INFINITELY_REPEAT, MinibatchData
from . import train
from .train import (CheckpointConfig, CrossValidationConfig, DataUnit, TestConfig, Trainer,
                    TrainingSession, minibatch_size_schedule, training_session)
from . import learners
from .learners import (IGNORE, Learner, UnitType, UserLearner, adadelta, adagrad, adam, default_unit_gain_value,
                       fsadagrad, learning_parameter_schedule, learning_parameter_schedule_per_sample,
                       learning_rate_schedule, momentum_as_time_constant_schedule, momentum_schedule,
                       momentum_schedule_per_sample, momentum_sgd, nesterov, rmsprop, set_default_unit_gain_value,
                       sgd, training_parameter_schedule, universal)
from .ops.assign import assign

__version__ = "0.1.0"

__all__ = ["cntk_py", "device", "initializer", "layers", "ops", "default_options", "default_options_for",
           "default_override_or", "get_default_override", "is_default_override", "get_global_option",
           "set_global_option",
           "Function", "Axis", "Constant", "Parameter", "Variable", "constant", "input_variable",
           "parameter", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform", "normal",
           "truncated_normal", "uniform", "xavier", "element_times", "elu", "identity",
           "leaky_relu", "pooling", "MAX_POOLING", "AVG_POOLING", "unpooling", "MAX_UNPOOLING", "convolution", "convolution_transpose", "crop_manual", "crop_automatic", "crop_automatic_with_ancestors", "minus", "negate", "plus", "relu", "sigmoid", "softmax", "softplus", "tanh",
           "hardmax", "log_softmax", "param_relu", "selu", "abs", "clip", "element_divide", "element_max",
           "element_min", "element_select", "equal", "exp", "greater", "greater_equal", "less", "less_equal",
           "log", "not_equal", "pow", "reciprocal", "sqrt", "square", "log_add_exp", "sin", "cos", "floor", "ceil",
           "round"]
__all__ += ["losses", "metrics", "cross_entropy_with_softmax", "binary_cross_entropy",
            "weighted_binary_cross_entropy", "squared_error", "cosine_distance",
            "cosine_distance_with_negative_samples", "fmeasure", "classification_error"]  # criteria
__all__ += ["logging"]  # progress writers
__all__ += ["ModelFormat", "load_model"]  # model files
__all__ += ["CloneMethod", "alias", "combine", "placeholder", "stop_gradient", "batch_normalization", "dropout"]
__all__ += ["times", "times_transpose", "reduce_sum", "reduce_mean", "reduce_max", "reduce_min",
            "reduce_prod", "reduce_log_sum_exp", "argmax", "argmin", "reshape", "transpose",
            "swapaxes", "splice", "slice", "squeeze", "expand_dims", "pad", "flatten", "one_hot",
            "gather", "CONSTANT_PAD", "REFLECT_PAD", "SYMMETRIC_PAD"]  # linear, reductions, shape
__all__ += ["train", "Trainer", "CheckpointConfig", "CrossValidationConfig", "DataUnit", "TestConfig",
            "TrainingSession", "minibatch_size_schedule", "training_session"]  # train
__all__ += ["learners", "IGNORE", "Learner", "UnitType", "UserLearner", "adadelta", "adagrad", "adam",
            "default_unit_gain_value", "fsadagrad", "learning_parameter_schedule",
            "learning_parameter_schedule_per_sample", "learning_rate_schedule", "momentum_as_time_constant_schedule",
            "momentum_schedule", "momentum_schedule_per_sample", "momentum_sgd", "nesterov", "rmsprop",
            "set_default_unit_gain_value", "sgd", "training_parameter_schedule", "universal", "assign"]  # learners
__all__ += ["io", "INFINITELY_REPEAT", "MinibatchData"]  # io
