"""Golden family "ops/losses": CNTK 2.7's criteria (C.cross_entropy_with_softmax,
C.classification_error, C.squared_error, C.cosine_distance, C.binary_cross_entropy,
C.cosine_distance_with_negative_samples, C.fmeasure), forward and
gradients w.r.t. every input and parameter (the output and the target).

Targets are one-hot rows, soft (unnormalised) rows, or 0/1 values; outputs have ties ("ints") where
classification_error has a choice to make; probabilities for binary_cross_entropy lie in (0, 1)
and at its guarded edges (0, 1, 1e-9, 1 - 1e-7). Not here (CNTK 2.7 refuses their gradients, and
returns one number per minibatch): classification_error with topN > 1 and
weighted_binary_cross_entropy; tests/test_losses.py checks them against CNTK's measured values.
Case format: tools/goldens/_ops.py and tests/goldens/FORMAT.md.
"""
import numpy as np

from . import register
from ._ops import OpCases, OpFamily, const, inp, par


def one_hot(rows, width, seed):
    rs = np.random.RandomState(seed)
    return [float(v) for v in np.eye(width)[rs.randint(0, width, size=rows)].reshape(-1)]


def one_hot_axis0(batch, rows, cols, seed):
    """(batch, rows, cols) values one-hot along the rows (axis 0 of a sample)."""
    rs = np.random.RandomState(seed)
    a = np.eye(rows)[rs.randint(0, rows, size=(batch, cols))]  # (batch, cols, rows)
    return [float(v) for v in a.transpose(0, 2, 1).reshape(-1)]


def uniform(n, lo, hi, seed):
    rs = np.random.RandomState(seed)
    return [float(v) for v in rs.uniform(lo, hi, size=n)]


def bits(n, seed):
    rs = np.random.RandomState(seed)
    return [float(v) for v in rs.randint(0, 2, size=n)]


def specs():
    cs = OpCases()
    ce = "cross_entropy_with_softmax"
    cs.add("ce_one_hot", "grid", ce, [inp("o", [5]), inp("t", [5], one_hot(3, 5, 1))], batch=3)
    cs.add("ce_soft_unnormalised", "grid", ce, [inp("o", [4]), inp("t", [4], "positive")])
    cs.add("ce_rank2_default_axis", "grid", ce, [inp("o", [2, 3]), inp("t", [2, 3], one_hot(4, 3, 2))])
    cs.add("ce_rank2_rows_against_rows", "grid", ce, [inp("o", [2, 3]), inp("t", [4, 3], one_hot(8, 3, 3))])
    cs.add("ce_rank2_output_rank1_target", "grid", ce, [inp("o", [2, 3]), inp("t", [3], one_hot(2, 3, 4))])
    cs.add("ce_rank1_output_rank2_target", "grid", ce, [inp("o", [3]), inp("t", [2, 3], one_hot(4, 3, 5))])
    cs.add("ce_axis0", "grid", ce, [inp("o", [2, 3]), inp("t", [2, 3], "positive")], {"axis": 0})
    cs.add("ce_axis1", "grid", ce, [inp("o", [2, 3]), inp("t", [2, 3], one_hot(4, 3, 6))], {"axis": 1})
    cs.add("ce_axis_minus2_rank3", "grid", ce, [inp("o", [2, 3, 2]), inp("t", [2, 3, 2], "positive")],
           {"axis": -2})
    cs.add("ce_axis1_const_target", "grid", ce, [inp("o", [2, 3]), const("t", [3], [0.0, 1.0, 0.0])], {"axis": 1})
    cs.add("ce_param_output", "grid", ce, [par("o", [4]), inp("t", [4], one_hot(2, 4, 7))])
    cs.add("ce_f64", "grid", ce, [inp("o", [4]), inp("t", [4], one_hot(2, 4, 8))], dtype="float64")
    cs.add("ce_axis0_f64", "grid", ce, [inp("o", [3, 2]), inp("t", [3, 2], "positive")], {"axis": 0},
           dtype="float64")
    cs.add("ce_widths_mismatch", "error", ce, [inp("o", [4]), inp("t", [3])], expect_error=True)
    cs.add("ce_rank3_default_axis", "error", ce, [inp("o", [2, 2, 3]), inp("t", [2, 2, 3])], expect_error=True)

    err = "classification_error"
    cs.add("error_ties", "grid", err, [inp("o", [4], "ints"), inp("t", [4], one_hot(5, 4, 9))], batch=5)
    cs.add("error_rank2_default_axis", "grid", err, [inp("o", [2, 3]), inp("t", [2, 3], one_hot(4, 3, 10))])
    cs.add("error_axis0_ties", "grid", err, [inp("o", [2, 3], "ints"), inp("t", [2, 3], one_hot_axis0(3, 2, 3, 11))],
           {"axis": 0}, batch=3)
    cs.add("error_axis1", "grid", err, [inp("o", [2, 3], "ints"), inp("t", [2, 3], one_hot(4, 3, 12))],
           {"axis": 1})
    cs.add("error_f64", "grid", err, [inp("o", [5]), inp("t", [5], one_hot(3, 5, 13))], dtype="float64", batch=3)
    cs.add("error_top0", "error", err, [inp("o", [4]), inp("t", [4])], {"topN": 0}, expect_error=True)

    sq = "squared_error"
    cs.add("squared", "grid", sq, [inp("o", [2, 3]), inp("t", [2, 3])])
    cs.add("squared_param_broadcast", "grid", sq, [inp("o", [2, 3]), par("t", [3])], batch=3)
    cs.add("squared_const_target", "grid", sq, [inp("o", [4]), const("t", [4])])
    cs.add("squared_f64", "grid", sq, [inp("o", [3]), inp("t", [3])], dtype="float64")
    cs.add("squared_mismatch", "error", sq, [inp("o", [4]), inp("t", [3])], expect_error=True)

    cos = "cosine_distance"
    cs.add("cosine", "grid", cos, [inp("a", [4]), inp("b", [4])], batch=3)
    cs.add("cosine_rank2", "grid", cos, [inp("a", [2, 3]), inp("b", [2, 3])])
    cs.add("cosine_f64", "grid", cos, [inp("a", [3]), inp("b", [3])], dtype="float64")

    bce = "binary_cross_entropy"
    cs.add("bce", "grid", bce, [inp("p", [4], uniform(12, 0.05, 0.95, 14)), inp("t", [4], bits(12, 15))], batch=3)
    cs.add("bce_soft_targets", "grid", bce, [inp("p", [3], uniform(6, 0.05, 0.95, 16)),
                                             inp("t", [3], uniform(6, 0.0, 1.0, 17))])
    cs.add("bce_broadcast_target", "grid", bce, [inp("p", [2, 3], uniform(12, 0.1, 0.9, 18)),
                                                 inp("t", [3], bits(6, 19))])
    cs.add("bce_guards", "grid", bce, [inp("p", [4], [0.0, 1.0, 0.5, 1e-9, 1.0, 0.0, 0.3, 1.0 - 1e-7]),
                                       inp("t", [4], [0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0])])
    cs.add("bce_f64", "grid", bce, [inp("p", [3], uniform(6, 0.05, 0.95, 20)), inp("t", [3], bits(6, 21))],
           dtype="float64")
    cs.add("bce_mismatch", "error", bce, [inp("p", [4]), inp("t", [3])], expect_error=True)

    neg = "cosine_distance_with_negative_samples"  # samples of one minibatch against each other
    cs.add("cosine_negative_shift1_n2", "grid", neg, [inp("a", [3]), inp("b", [3])],
           {"shift": 1, "num_negative_samples": 2}, batch=4)
    cs.add("cosine_negative_wrapping", "grid", neg, [inp("a", [3]), inp("b", [3])],
           {"shift": 3, "num_negative_samples": 3}, batch=4)
    cs.add("cosine_negative_rank2_shift0", "grid", neg, [inp("a", [2, 3]), inp("b", [2, 3])],
           {"shift": 0, "num_negative_samples": 1}, batch=3)
    cs.add("cosine_negative_f64", "grid", neg, [inp("a", [4]), inp("b", [4])],
           {"shift": 2, "num_negative_samples": 1}, dtype="float64", batch=5)

    fm = "fmeasure"  # CNTK composes it from reductions and elementwise ops
    cs.add("fmeasure", "grid", fm, [inp("o", [4], uniform(12, 0.05, 0.95, 22)), inp("t", [4], bits(12, 23))],
           batch=3)
    cs.add("fmeasure_rank3_beta2", "grid", fm, [inp("o", [2, 2, 3], "positive"), inp("t", [2, 2, 3], "positive")],
           {"beta": 2})
    cs.add("fmeasure_f64", "grid", fm, [inp("o", [3], "positive"), inp("t", [3], "positive")], dtype="float64")
    cs.add("fmeasure_rank_mismatch", "error", fm, [inp("o", [4]), inp("t", [1, 4])], expect_error=True)
    return cs


register(OpFamily("ops/losses", specs))
