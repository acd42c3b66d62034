"""Operators, as in ``cntk.ops``: functions that take Variables, Functions, arrays or numbers and
return a Function (a graph node). Each op is declared once (``primitive.Op``: CNTK's name, its
attributes, a shape rule and a torch forward) in the module of its family."""
from .activations import elu, identity, leaky_relu, relu, sigmoid, softmax, softplus, tanh
from .elementwise import element_times, minus, negate, plus
from .functions import Function
from .graph import alias, stop_gradient
from .normalization import batch_normalization, dropout

__all__ = ["Function", "identity", "relu", "sigmoid", "tanh", "softmax", "elu", "leaky_relu",
           "softplus", "plus", "minus", "element_times", "negate"]
__all__ += ["alias", "stop_gradient", "batch_normalization", "dropout"]
