"""Layers, as in ``cntk.layers``."""
from ..default_options import default_options, default_options_for
from ..ops import identity
from .convolution import (ConvolutionTranspose, ConvolutionTranspose1D, ConvolutionTranspose2D,
                          ConvolutionTranspose3D, Layer)

__all__ = ["ConvolutionTranspose", "ConvolutionTranspose1D", "ConvolutionTranspose2D",
           "ConvolutionTranspose3D", "Layer", "default_options", "default_options_for", "identity"]
