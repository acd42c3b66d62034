"""Loss functions, as CNTK 2.7's ``cntk.losses``: each a criterion node built from one op
declared in :mod:`cntkr_py.ops.losses` (formulas, shapes and where cntkr differs from CNTK are
documented there), and ``fmeasure``, which CNTK composes from other ops."""
from ..ops.losses import (binary_cross_entropy, cosine_distance, cosine_distance_with_negative_samples,
                          cross_entropy_with_softmax, squared_error, weighted_binary_cross_entropy)

from .._shapes import as_number, describe_shape
from ..ops.elementwise import operands
from ..ops.reductions import reduce_sum

__all__ = ["cross_entropy_with_softmax", "binary_cross_entropy", "weighted_binary_cross_entropy",
           "squared_error", "cosine_distance", "cosine_distance_with_negative_samples", "fmeasure"]


def fmeasure(output, target, beta=1):
    """``1 - (1 + beta^2) P R / (beta^2 P + R)`` with precision ``P = sum(o t) / sum(o)`` and recall
    ``R = sum(o t) / sum(t)`` over each whole sample (shape ``()``), or for rank-3 samples per
    class of the first axis over the other two (shape ``(classes, 1, 1)``), as CNTK 2.7 composes
    it from reductions and elementwise ops (its root is a Minus). output and target have one rank."""
    output, target = operands(output, target)
    if len(output.shape) != len(target.shape):
        raise ValueError(f"fmeasure: output {describe_shape(output.shape)} and target "
                         f"{describe_shape(target.shape)} must have the same rank")
    beta = as_number(beta, "beta")
    axis = (1, 2) if len(output.shape) == 3 else None
    correct = reduce_sum(output * target, axis=axis)
    precision = correct / reduce_sum(output, axis=axis)
    recall = correct / reduce_sum(target, axis=axis)
    return 1 - (1 + beta ** 2) * precision * recall / (beta ** 2 * precision + recall)
