"""CNTK 2.7's module path ``cntk.axis``: ``from cntkr_py.axis import Axis`` as ``from cntk.axis import Axis``."""
from .variables import Axis

__all__ = ["Axis"]
