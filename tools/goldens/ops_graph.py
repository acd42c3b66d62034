"""Golden family "ops/graph": CNTK 2.7's graph ops alias and stop_gradient, and the bare
batch_normalization op (eval: inference with the running statistics; grad: training mode, the
minibatch's statistics), forward and gradients w.r.t. every input and parameter. running_count is
left to the op (None: a new counter at 0). The gradients are those of sum(y): for
batch_normalization the ones w.r.t. x and scale are ~0 by construction (a normalized batch sums to
zero), so these cases check the inference output, the bias gradient and the graph; the layer goldens
(layers/BatchNormalization) and tests/test_composition.py check training mode further.

Case format: tools/goldens/_ops.py and tests/goldens/FORMAT.md.
"""
from . import register
from ._ops import OpCases, OpFamily, const, inp, num, par


def bn_operands(x_shape, stat_shape, spatial):
    return [inp("x", x_shape), par("scale", stat_shape, "positive"), par("bias", stat_shape),
            const("running_mean", stat_shape), const("running_inv_std", stat_shape, "positive"),
            num("spatial", spatial)]


def specs():
    cs = OpCases()
    cs.add("alias", "grid", "alias", [inp("x", [2, 3])])
    cs.add("alias_f64", "grid", "alias", [inp("x", [4])], dtype="float64")
    cs.add("stop_gradient", "grid", "stop_gradient", [inp("x", [2, 3])])
    cs.add("stop_gradient_f64", "grid", "stop_gradient", [inp("x", [3])], dtype="float64")
    cs.add("bn", "grid", "batch_normalization", bn_operands([3], [3], False), batch=4)
    cs.add("bn_2d", "grid", "batch_normalization", bn_operands([2, 3], [2, 3], False), batch=3)
    cs.add("bn_eps", "grid", "batch_normalization", bn_operands([3], [3], False), {"epsilon": 0.1},
           batch=4)
    cs.add("bn_spatial", "grid", "batch_normalization", bn_operands([2, 3, 3], [2], True), batch=2)
    cs.add("bn_spatial_f64", "grid", "batch_normalization", bn_operands([2, 2, 3], [2], True),
           dtype="float64", batch=3)
    cs.add("bn_f64", "grid", "batch_normalization", bn_operands([4], [4], False), dtype="float64",
           batch=5)
    return cs


register(OpFamily("ops/graph", specs))
