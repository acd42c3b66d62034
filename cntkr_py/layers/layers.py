"""``cntk.layers.layers``'s path: the layers, importable as in CNTK
(``from cntkr_py.layers.layers import BatchNormalization``)."""
from . import *  # noqa: F401,F403
from . import __all__  # noqa: F401
