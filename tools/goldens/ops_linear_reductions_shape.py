"""The op families of linear algebra, reductions and shape ops: tests/goldens/ops/linear,
ops/reductions, ops/shape (the generic op case kind of _ops.py). Each op on a handful of shapes
and arguments, float32 and a few float64; reduce_max/reduce_min/argmax/argmin also on small
integers (ties); deliberate probes of rejected arguments ("err_*")."""
from . import register
from ._ops import OpCases, OpFamily, operand


def x(shape, values=None):
    return operand("x", "input", shape, values=values)


def p(name, shape, values=None):
    return operand(name, "parameter", shape, values=values)


def linear_specs():
    cs = OpCases()
    add = cs.add
    add("times_x_W", "grid", "times", [x((4,)), p("W", (4, 3))])
    add("times_W_x_outer", "grid", "times", [p("W", (3, 4)), x((4,))])
    add("times_x2_W", "grid", "times", [x((2, 3)), p("W", (3, 5))])
    add("times_x3_W_rank2", "grid", "times", [x((2, 3, 4)), p("W", (3, 4, 5))], {"output_rank": 1})
    add("times_output_rank2", "grid", "times", [x((2, 3)), p("W", (3, 4, 5))], {"output_rank": 2})
    add("times_contract_all", "grid", "times", [x((2, 3)), p("W", (2, 3, 5))], {"output_rank": 1})
    add("times_infer_map", "grid", "times", [x((2, 3)), p("W", (3, 5))],
        {"output_rank": 1, "infer_input_rank_to_map": 1})
    add("times_f64", "grid", "times", [x((4,)), p("W", (4, 3))], dtype="float64")
    add("times_W_x_f64", "grid", "times", [p("W", (2, 3)), x((3, 2))], dtype="float64")
    add("times_transpose", "grid", "times_transpose", [x((2, 3)), p("W", (5, 3))])
    add("times_transpose_vec", "grid", "times_transpose", [x((3,)), p("W", (5, 3))])
    add("times_transpose_vv", "grid", "times_transpose", [x((3,)), p("W", (3,))])
    add("times_transpose_3d", "grid", "times_transpose", [x((4, 2, 3)), p("W", (5, 3))], dtype="float64")
    add("err_times_mismatch", "error", "times", [x((2, 3)), p("W", (4, 5))], expect_error=True)
    add("err_times_output_rank", "error", "times", [x((3,)), p("W", (3,))], {"output_rank": 2},
        expect_error=True)
    add("err_times_transpose_mismatch", "error", "times_transpose", [x((2, 3)), p("W", (5, 4))],
        expect_error=True)
    return cs


REDUCE = ["reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "reduce_log_sum_exp"]


def reduction_specs():
    cs = OpCases()
    add = cs.add
    for op in REDUCE:
        values = "positive" if op == "reduce_prod" else None
        add(op + "_ax1", "grid", op, [x((2, 3, 4), values)], {"axis": 1})
        add(op + "_axneg", "grid", op, [x((2, 3, 4), values)], {"axis": -1})
        add(op + "_axes02", "grid", op, [x((2, 3, 4), values)], {"axis": [0, 2]})
        add(op + "_all", "grid", op, [x((3, 4), values)])
        add(op + "_nokeep", "grid", op, [x((2, 3, 4), values)], {"axis": 1, "keepdims": False})
        add(op + "_f64", "grid", op, [x((3, 4), values)], {"axis": 0}, dtype="float64")
    for op in ("reduce_max", "reduce_min"):
        add(op + "_ties", "ties", op, [x((3, 4), "ints")], {"axis": 1}, batch=3)
        add(op + "_ties_all", "ties", op, [x((3, 4), "ints")], batch=3)
    for op in ("argmax", "argmin"):
        add(op + "_ax1", "grid", op, [x((2, 3, 4))], {"axis": 1})
        add(op + "_ax0", "grid", op, [x((3, 4))], {"axis": 0}, dtype="float64")
        add(op + "_all", "grid", op, [x((3, 4))])
        add(op + "_ties", "ties", op, [x((3, 4), "ints")], {"axis": 1}, batch=3)
    add("err_reduce_sum_axis", "error", "reduce_sum", [x((2, 3))], {"axis": 2}, expect_error=True)
    add("err_argmax_axis", "error", "argmax", [x((2, 3))], {"axis": 3}, expect_error=True)
    return cs


def shape_specs():
    cs = OpCases()
    add = cs.add
    add("reshape", "grid", "reshape", [x((2, 3, 4))], {"shape": [6, 4]})
    add("reshape_infer", "grid", "reshape", [x((2, 3, 4))], {"shape": [-1, 4]})
    add("reshape_begin", "grid", "reshape", [x((2, 3, 4))], {"shape": [12], "begin_axis": 1})
    add("reshape_begin_end", "grid", "reshape", [x((2, 3, 4))], {"shape": [6], "begin_axis": 0, "end_axis": 2},
        dtype="float64")
    add("transpose", "grid", "transpose", [x((2, 3, 4))], {"perm": [2, 0, 1]})
    add("transpose_2d", "grid", "transpose", [x((3, 4))], {"perm": [1, 0]}, dtype="float64")
    add("swapaxes", "grid", "swapaxes", [x((2, 3, 4))], {"axis1": 0, "axis2": 2})
    add("swapaxes_default", "grid", "swapaxes", [x((2, 3, 4))])
    add("splice_default", "grid", "splice", [x((2, 3)), p("W", (2, 4))])
    add("splice_ax0", "grid", "splice", [x((2, 3)), p("W", (1, 3))], {"axis": 0})
    add("splice_neg", "grid", "splice", [x((2, 3, 4)), p("W", (2, 2, 4))], {"axis": -2}, dtype="float64")
    add("slice", "grid", "slice", [x((2, 3, 4))], {"axis": 1, "begin_index": 0, "end_index": 2})
    add("slice_neg", "grid", "slice", [x((2, 3, 4))], {"axis": 2, "begin_index": -3, "end_index": -1})
    add("slice_end0", "grid", "slice", [x((2, 3, 4))], {"axis": 2, "begin_index": 1, "end_index": 0})
    add("slice_strides", "grid", "slice", [x((2, 3, 5))], {"axis": 2, "begin_index": 0, "end_index": 5,
                                                          "strides": 2})
    add("slice_multi", "grid", "slice", [x((2, 3, 4))], {"axis": [0, 2], "begin_index": [1, 1],
                                                        "end_index": [2, 3]}, dtype="float64")
    add("squeeze", "grid", "squeeze", [x((1, 3, 1, 4))])
    add("squeeze_axes", "grid", "squeeze", [x((1, 3, 1, 4))], {"axes": [2]})
    for a in (-4, -2, -1, 0, 1, 2):
        add("expand_dims_%d" % a, "grid", "expand_dims", [x((2, 3, 4))], {"axis": a})
    add("pad_const", "grid", "pad", [x((2, 3, 4))], {"pattern": [[0, 0], [1, 1], [0, 2]]})
    add("pad_value", "grid", "pad", [x((3, 4))], {"pattern": [[1, 0], [2, 1]], "mode": 0, "constant_value": 2.5})
    add("pad_reflect", "grid", "pad", [x((3, 4))], {"pattern": [[1, 2], [2, 1]], "mode": 1})
    add("pad_symmetric", "grid", "pad", [x((3, 4))], {"pattern": [[1, 2], [3, 1]], "mode": 2}, dtype="float64")
    add("flatten", "grid", "flatten", [x((2, 3, 4))], {"axis": 1})
    add("flatten_none", "grid", "flatten", [x((2, 3, 4))])
    add("flatten_last", "grid", "flatten", [x((2, 3, 4))], {"axis": 3})
    add("one_hot", "grid", "one_hot", [x((2, 3), [0, 1, 2, 3, 4, 1, 2, 0, 4, 3, 3, 1])], {"num_classes": 5})
    add("one_hot_ax0", "grid", "one_hot", [x((3,), [0, 2, 1, 3, 3, 0])], {"num_classes": 4, "axis": 0})
    add("gather", "grid", "gather", [p("W", (5, 3)), x((2,), [0, 4, 2, 2])])
    add("gather_repeats", "grid", "gather", [p("W", (4,)), x((3,), [1, 1, 3, 0, 0, 0])])
    add("gather_axis1", "grid", "gather", [p("W", (5, 3)), x((2,), [0, 2, 1, 1])], {"axis": 1})
    add("gather_3d_axis1", "grid", "gather", [p("W", (2, 3, 4)), x((2,), [0, 2, 1, 1])], {"axis": 1})
    add("gather_axis_neg_f64", "grid", "gather", [p("W", (2, 3, 4)), x((2, 2), [0, 3, 1, 1, 2, 2, 3, 0])],
        {"axis": -1}, dtype="float64")
    add("gather_2d_idx_axis2", "grid", "gather", [p("W", (2, 3, 4)), x((2, 2), [0, 3, 1, 2, 2, 2, 3, 0])],
        {"axis": 2})
    add("err_reshape_count", "error", "reshape", [x((2, 3, 4))], {"shape": [5, 4]}, expect_error=True)
    add("err_transpose_perm", "error", "transpose", [x((2, 3, 4))], {"perm": [0, 1]}, expect_error=True)
    add("err_splice_shapes", "error", "splice", [x((2, 3)), p("W", (3, 4))], expect_error=True)
    add("err_expand_dims_axis", "error", "expand_dims", [x((2, 3, 4))], {"axis": 3}, expect_error=True)
    add("err_squeeze_not_one", "error", "squeeze", [x((2, 3))], {"axes": [0]}, expect_error=True)
    add("err_gather_axis", "error", "gather", [p("W", (5, 3)), x((2,), [0, 1, 1, 0])], {"axis": 2},
        expect_error=True)
    return cs


register(OpFamily("ops/linear", linear_specs))
register(OpFamily("ops/reductions", reduction_specs))
register(OpFamily("ops/shape", shape_specs))
