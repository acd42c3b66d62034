"""Small layers, as in ``cntk.layers``: Dropout, Activation and Label."""
from __future__ import annotations

from .._shapes import as_int, as_number, describe
from ..default_options import default_override_or, resolve_defaults
from ..ops.activations import identity
from ..ops.graph import Alias
from ..ops.normalization import DropoutOp, as_seed, dropout_rate_of
from .base import Layer

__all__ = ["Dropout", "Activation", "Label"]


class _Dropout(Layer):
    def __init__(self, rate, seed, name):
        super().__init__("Dropout", name)
        self._rate, self._seed = rate, seed

    def apply(self, x):
        return DropoutOp([x], self.name, dropout_rate=self._rate, seed=self._seed)


def Dropout(dropout_rate=None, keep_prob=None, seed=None, name=""):
    """Dropout in training mode (``grad``, ``forward`` with ``keep_for_backward``), the identity
    in ``eval``: give `dropout_rate` or `keep_prob` (= 1 - dropout_rate), not both. `seed`
    None is CNTK's default (an automatic seed; CNTK's sentinel 18446744073709551613 means the
    same, but R cannot hold it as a default)."""
    if dropout_rate is None and keep_prob is None:
        raise ValueError("Dropout: either dropout_rate or keep_prob must be specified")
    if dropout_rate is not None and keep_prob is not None:
        raise ValueError("Dropout: dropout_rate and keep_prob cannot be specified at the same time")
    if keep_prob is not None:
        keep = as_number(keep_prob, "keep_prob")
        if not 0 < keep < 1:  # CNTK 2.7 rejects keep_prob=1 too
            raise ValueError(f"keep_prob must be in the interval (0, 1), got {describe(keep_prob)}")
        rate = 1 - keep
    else:
        rate = dropout_rate_of(dropout_rate)
    return _Dropout(rate, as_seed(seed), name)


class _Activation(Layer):
    def __init__(self, activation, name):
        super().__init__("Activation", name)
        self._fn = activation

    def apply(self, x):
        if self._fn is identity or self._fn is None:
            return Alias([x], self.name)
        return self._fn(x)


def Activation(activation=default_override_or(identity), name=""):
    """The activation function as a layer (``Activation(relu)``)."""
    act = resolve_defaults(Activation, activation=activation)["activation"]
    if act is not None and not callable(act):
        raise TypeError(f"activation must be a function such as relu, or None, got "
                        f"{describe(act)}")
    return _Activation(act, name)


class _Label(Layer):
    def __init__(self, name):
        super().__init__("Label", name)

    def apply(self, x):
        return Alias([x], self.name)


def Label(name):
    """The input under the name `name` (so the composite can reach it as ``f.<name>``)."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"Label: name must be a non-empty string, got {describe(name)}")
    return _Label(name)
