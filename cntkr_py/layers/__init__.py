"""Layers, as in ``cntk.layers``. Every layer stands on ``base.Layer``."""
from ..default_options import default_options, default_options_for
from ..ops import identity
from .base import Layer
from .core import Dense, Embedding
from .convolution import (ConvolutionTranspose, ConvolutionTranspose1D, ConvolutionTranspose2D,
                          ConvolutionTranspose3D)

__all__ = ["Dense", "Embedding", "ConvolutionTranspose", "ConvolutionTranspose1D", "ConvolutionTranspose2D",
           "ConvolutionTranspose3D", "Layer", "default_options", "default_options_for", "identity"]
