"""Layers, as in ``cntk.layers``. Every layer stands on ``base.Layer``."""
from ..default_options import (default_options, default_options_for, default_override_or, get_default_override,
                               is_default_override)
from ..ops import identity
from .base import Layer
from .blocks import Activation, Dropout, Label
from .normalization import BatchNormalization, LayerNormalization
from .sequential import For, Sequential
from .core import Dense, Embedding
from .convolution import (Convolution, Convolution1D, Convolution2D, Convolution3D,
                          ConvolutionTranspose, ConvolutionTranspose1D, ConvolutionTranspose2D,
                          ConvolutionTranspose3D)
from .pooling import (AveragePooling, GlobalAveragePooling, GlobalMaxPooling, MaxPooling,
                      MaxUnpooling)

__all__ = ["Convolution", "Convolution1D", "Convolution2D", "Convolution3D", "MaxPooling",
           "AveragePooling", "GlobalMaxPooling", "GlobalAveragePooling", "MaxUnpooling", "ConvolutionTranspose", "ConvolutionTranspose1D", "ConvolutionTranspose2D",
           "ConvolutionTranspose3D", "Layer", "default_options", "default_options_for", "identity"]
__all__ += ["Activation", "Dropout", "Label", "BatchNormalization", "LayerNormalization", "For",
            "Sequential"]
__all__ += ["Dense", "Embedding"]
__all__ += ["default_override_or", "get_default_override", "is_default_override"]
