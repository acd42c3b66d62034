"""Evaluation metrics, as CNTK 2.7's ``cntk.metrics``: ``classification_error`` (the op is declared
in :mod:`cntkr_py.ops.losses`, beside the losses)."""
from ..ops.losses import classification_error

__all__ = ["classification_error"]
