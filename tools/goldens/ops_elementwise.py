"""Golden family "ops/elementwise": CNTK 2.7's elementwise math, comparisons and activations
(C.plus ... C.hardmax, C.floor/ceil/round, C.sin/cos, C.log_add_exp), forward and gradients
w.r.t. every input and parameter.

Operands: inputs (batched), parameters, constants and numbers, with broadcasting; "ints" values
put zeros and ties where CNTK's gradients have a choice to make (abs/relu at 0, element_max ties,
clip at its bounds). Case format: tools/goldens/_ops.py and tests/goldens/FORMAT.md.
"""
from . import register
from ._ops import OpCases, OpFamily, const, inp, num, par

BINARY = ["plus", "minus", "element_times", "element_divide", "element_max", "element_min", "pow",
          "equal", "not_equal", "less", "less_equal", "greater", "greater_equal"]
COMPARE = BINARY[7:]


def binary_cases(cs):
    for op in BINARY:
        # values that keep every op finite: a positive right operand for element_divide, a
        # positive base for pow; small integers (ties, zeros) for max/min and the comparisons
        left = "positive" if op == "pow" else ("ints" if op in COMPARE or op.startswith("element_m") else None)
        right = "positive" if op == "element_divide" else ("ints" if left == "ints" else None)
        cs.add(op + "_inputs", "grid", op, [inp("a", [2, 3], left), inp("b", [2, 3], right)])
        cs.add(op + "_param_bcast", "grid", op, [inp("a", [2, 3], left), par("b", [3], right)])
        cs.add(op + "_const_bcast", "grid", op, [inp("a", [3], left), const("b", [2, 1], right)])
        cs.add(op + "_number", "grid", op, [inp("a", [4], left), num("b", 2.0)])
        cs.add(op + "_f64", "grid", op, [inp("a", [3], left), inp("b", [3], right)], dtype="float64")
    cs.add("minus_number_left", "grid", "minus", [num("a", 1.5), inp("b", [3])])
    cs.add("element_divide_number_left", "grid", "element_divide", [num("a", 2.0), inp("b", [3], "positive")])
    cs.add("element_divide_by_zero", "grid", "element_divide",
           [inp("a", [4], [1.0, 0.0, -1.0, 2.0, 0.5, -0.5, 0.0, 3.0]), const("b", [4], [0.0, 0.0, 0.0, 2.0])])
    cs.add("element_max_ties", "grid", "element_max",
           [inp("a", [4], [-1.0, 0.0, 1.0, 2.0, 3.0, 3.0, -2.0, 0.0]), inp("b", [4], [-1.0, 1.0, 1.0, 0.0, 3.0, 4.0, -2.0, -1.0])])
    cs.add("element_min_ties", "grid", "element_min",
           [inp("a", [4], [-1.0, 0.0, 1.0, 2.0, 3.0, 3.0, -2.0, 0.0]), inp("b", [4], [-1.0, 1.0, 1.0, 0.0, 3.0, 4.0, -2.0, -1.0])])
    cs.add("pow_square_number", "grid", "pow", [inp("a", [2, 3], "ints"), num("b", 2.0)])
    cs.add("pow_special_bases", "grid", "pow",
           [inp("a", [5], [-2.0, -2.0, 0.0, 0.0, 1.0, 0.0, -1.0, 2.0, 0.5, 3.0]),
            inp("b", [5], [2.0, 3.0, 2.0, 0.0, 0.5, -1.0, -1.0, 0.0, 1.0, -2.0])])
    cs.add("plus_rank_grow", "grid", "plus", [inp("a", [2, 3]), const("b", [4, 1, 1])])
    cs.add("element_times_param_scalar", "grid", "element_times", [par("a", [1]), inp("b", [2, 3])])
    cs.add("plus_shapes_mismatch", "error", "plus", [inp("a", [2, 3]), inp("b", [3, 2])], expect_error=True)


def unary_cases(cs):
    shape = [2, 3]
    for op, values in [("negate", None), ("abs", "ints"), ("exp", None), ("log", "positive"), ("sqrt", "positive"),
                       ("square", None), ("reciprocal", None), ("relu", "ints"), ("sigmoid", None), ("tanh", None),
                       ("softplus", None), ("selu", None), ("elu", None), ("leaky_relu", None), ("hardmax", None),
                       ("softmax", None), ("log_softmax", None)]:
        cs.add(op, "grid", op, [inp("x", shape, values)])
    for op in ("abs", "exp", "sqrt", "sigmoid", "selu", "log_softmax"):
        cs.add(op + "_f64", "grid", op, [inp("x", [4], "positive" if op == "sqrt" else None)], dtype="float64")
    zeros = [-2.0, -1.0, 0.0, 0.0, 1.0, 2.0, -0.5, 0.5]
    for op in ("abs", "relu", "elu", "selu", "leaky_relu"):
        cs.add(op + "_at_zero", "grid", op, [inp("x", [4], zeros)])
    cs.add("log_at_zero_and_below", "grid", "log", [inp("x", [4], [0.0, -1.0, 1e-38, 1e-30, 2.0, 1.0, 0.5, -3.0])])
    cs.add("log_at_zero_f64", "grid", "log", [inp("x", [2], [0.0, -1.0, 1e-300, 2.0])], dtype="float64")
    cs.add("reciprocal_at_zero", "grid", "reciprocal", [inp("x", [4], [0.0, -1.0, 2.0, 0.5, -0.25, 4.0, 0.0, 1.0])])
    cs.add("sqrt_at_zero", "error", "sqrt", [inp("x", [2], [0.0, 1.0, -1.0, 4.0])], expect_error=True)
    cs.add("elu_alpha", "grid", "elu", [inp("x", [4], zeros)], kwargs={"alpha": 0.3})
    cs.add("leaky_relu_alpha", "grid", "leaky_relu", [inp("x", [4], zeros)], kwargs={"alpha": 0.2})
    cs.add("selu_args", "grid", "selu", [inp("x", [4], zeros)], kwargs={"scale": 2.0, "alpha": 0.5})
    cs.add("softplus_steepness", "grid", "softplus", [inp("x", [2, 3])], kwargs={"steepness": 2.0})
    cs.add("softmax_axis0", "grid", "softmax", [inp("x", [2, 3])], kwargs={"axis": 0})
    cs.add("softmax_axis_last", "grid", "softmax", [inp("x", [2, 3])], kwargs={"axis": -1})
    cs.add("log_softmax_axis0", "grid", "log_softmax", [inp("x", [2, 3])], kwargs={"axis": 0})
    cs.add("log_softmax_3d_axis1", "grid", "log_softmax", [inp("x", [2, 3, 2])], kwargs={"axis": 1})
    cs.add("hardmax_ties", "grid", "hardmax", [inp("x", [2, 3], "ints")])
    cs.add("hardmax_vector", "grid", "hardmax", [inp("x", [5])])


def other_cases(cs):
    cs.add("clip_numbers", "grid", "clip", [inp("x", [2, 3]), num("lo", -0.5), num("hi", 0.5)])
    cs.add("clip_at_bounds", "grid", "clip", [inp("x", [4], "ints"), num("lo", -1.0), num("hi", 1.0)])
    cs.add("clip_const_bounds", "grid", "clip", [inp("x", [2, 3]), const("lo", [3], [-1.0, -0.2, 0.0]), num("hi", 0.3)])
    cs.add("clip_param_bounds", "grid", "clip", [inp("x", [3]), par("lo", [3], [-0.5, 0.0, -2.0]),
                                                 par("hi", [3], [0.5, 1.0, 2.0])])
    cs.add("clip_bcast", "grid", "clip", [inp("x", [3]), const("lo", [2, 1], [-0.5, 0.0]), num("hi", 1.0)])
    cs.add("clip_f64", "grid", "clip", [inp("x", [4]), num("lo", -0.5), num("hi", 0.5)], dtype="float64")
    cs.add("element_select_inputs", "grid", "element_select",
           [inp("flag", [2, 3], "ints"), inp("t", [2, 3]), inp("f", [2, 3])])
    cs.add("element_select_const_flag", "grid", "element_select",
           [const("flag", [3], [1.0, 0.0, -2.0]), inp("t", [2, 3]), num("f", 5.0)])
    cs.add("element_select_bcast", "grid", "element_select",
           [const("flag", [2, 1], [0.0, 1.0]), inp("t", [3]), par("f", [3])])
    cs.add("element_select_f64", "grid", "element_select",
           [inp("flag", [4], "ints"), inp("t", [4]), inp("f", [4])], dtype="float64")
    cs.add("param_relu_param", "grid", "param_relu", [par("alpha", [3]), inp("x", [2, 3], "ints")])
    cs.add("param_relu_const", "grid", "param_relu", [const("alpha", [1], [0.25]), inp("x", [4])])
    cs.add("param_relu_f64", "grid", "param_relu", [par("alpha", [4], "positive"), inp("x", [4])], dtype="float64")


def rounding_cases(cs):
    halves = [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.49, -0.51, -0.0, 3.7, -3.7, 1e-3]
    for op in ("floor", "ceil", "round"):
        cs.add(op + "_halves", "grid", op, [inp("x", [6], halves)])
    cs.add("round_f64", "grid", "round", [inp("x", [6], halves)], dtype="float64")
    for op in ("sin", "cos"):
        cs.add(op, "grid", op, [inp("x", [2, 3])])
        cs.add(op + "_f64", "grid", op, [inp("x", [4])], dtype="float64")
    cs.add("log_add_exp_inputs", "grid", "log_add_exp", [inp("a", [4], [1.0, 2.0, -0.5, 0.5, 1.5, 100.0, 0.0, -3.0]),
                                                         inp("b", [4], [1.0, -2.0, -1.0, 0.0, 100.0, -100.0, 0.5, 3.0])])
    cs.add("log_add_exp_param_bcast", "grid", "log_add_exp", [inp("a", [2, 3]), par("b", [3])])
    cs.add("log_add_exp_const_bcast", "grid", "log_add_exp", [inp("a", [3]), const("b", [2, 1])])
    cs.add("log_add_exp_number", "grid", "log_add_exp", [inp("a", [4]), num("b", 0.5)])
    cs.add("log_add_exp_f64", "grid", "log_add_exp", [inp("a", [3]), inp("b", [3])], dtype="float64")


def specs():
    cs = OpCases()
    binary_cases(cs)
    unary_cases(cs)
    other_cases(cs)
    rounding_cases(cs)
    return cs


register(OpFamily("ops/elementwise", specs))
