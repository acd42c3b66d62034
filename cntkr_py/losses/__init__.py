"""Loss functions, as CNTK 2.7's ``cntk.losses``: each a criterion node built from one op
declared in :mod:`cntkr_py.ops.losses` (formulas, shapes and where cntkr differs from CNTK are
documented there)."""
from ..ops.losses import (binary_cross_entropy, cosine_distance, cosine_distance_with_negative_samples,
                          cross_entropy_with_softmax, squared_error, weighted_binary_cross_entropy)

__all__ = ["cross_entropy_with_softmax", "binary_cross_entropy", "weighted_binary_cross_entropy",
           "squared_error", "cosine_distance", "cosine_distance_with_negative_samples"]
