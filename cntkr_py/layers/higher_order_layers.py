"""``cntk.layers.higher_order_layers``'s path: Sequential and For."""
from .sequential import For, Sequential

__all__ = ["Sequential", "For"]
