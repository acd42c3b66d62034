# Elementwise math, comparisons, the new activations and R's operators on cntkr objects
# (the numbers against CNTK 2.7 are the ops/elementwise goldens, helper-goldens.R).

row <- function(...) matrix(c(...), nrow = 1)

test_that("the arithmetic operators build the ops, with numbers on either side", {
  skip_if_no_cntkr()
  x <- op_input_variable(3)
  y <- op_input_variable(3)
  xv <- row(1, 2, 4)
  yv <- row(2, 0.5, -1)
  at <- dict(x = xv, y = yv)
  expect_equal((x + y)$op_name, "Plus")
  expect_equal(func_eval(x + y, at), xv + yv, tolerance = 1e-6)
  expect_equal(func_eval(x - y, at), xv - yv, tolerance = 1e-6)
  expect_equal(func_eval(x * y, at), xv * yv, tolerance = 1e-6)
  expect_equal(func_eval(x / y, at), xv / yv, tolerance = 1e-6)
  expect_equal(func_eval(x^y, at), xv^yv, tolerance = 1e-6)
  expect_equal(func_eval(-x, xv), -xv, tolerance = 1e-6)
  expect_identical(+x, x)
  expect_equal(func_eval(2 * x - 1, xv), 2 * xv - 1, tolerance = 1e-6)
  expect_equal(func_eval(1 / x, xv), 1 / xv, tolerance = 1e-6)
  expect_equal(func_eval(x + c(10, 20, 30), xv), xv + c(10, 20, 30)[col(xv)], tolerance = 1e-6)
  expect_equal((2 / x)$op_name, "ElementDivide")
})

test_that("the comparison operators build CNTK's comparison ops (1 or 0)", {
  skip_if_no_cntkr()
  x <- op_input_variable(3)
  xv <- row(-1, 0, 2)
  expect_equal(func_eval(x > 0, xv), row(0, 0, 1))
  expect_equal(func_eval(x >= 0, xv), row(0, 1, 1))
  expect_equal(func_eval(x < 0, xv), row(1, 0, 0))
  expect_equal(func_eval(x <= 0, xv), row(1, 1, 0))
  expect_equal(func_eval(x == 0, xv), row(0, 1, 0))
  expect_equal(func_eval(x != 0, xv), row(1, 0, 1))
  expect_equal((0 < x)$op_name, "Less")
})

test_that("other operators are rejected with a classed error", {
  skip_if_no_cntkr()
  x <- op_input_variable(3)
  expect_value_error(x %% 2, "the operator `%%` is not defined for cntkr objects.")
  expect_value_error(!x, "the operator `!` is not defined for cntkr objects.")
})

test_that("the ops compute CNTK's values, including its edge values", {
  skip_if_no_cntkr()
  x <- op_input_variable(4, needs_gradient = TRUE)
  xv <- row(-1, 0, 0.25, 4)
  expect_equal(func_eval(op_abs(x), xv), abs(xv))
  expect_equal(func_eval(op_sqrt(x), xv), row(0, 0, 0.5, 2))      # 0 for x <= 0, as in CNTK
  expect_equal(func_eval(op_log(x), xv), row(-85.1, -85.1, log(0.25), log(4)), tolerance = 1e-6)
  expect_equal(func_eval(op_reciprocal(x), xv), row(-1, 0, 4, 0.25))  # 1 / 0 is 0
  expect_equal(func_eval(op_square(x), xv), xv^2)
  expect_equal(func_eval(op_exp(x), xv), exp(xv), tolerance = 1e-6)
  expect_equal(func_eval(op_clip(x, 0, 1), xv), row(0, 0, 0.25, 1))
  expect_equal(func_grad(op_clip(x, 0, 1), xv), row(0, 1, 1, 0))     # 1 at the bounds
  expect_equal(func_eval(op_element_select(x, 7, -7), xv), row(7, -7, 7, 7))
  expect_equal(func_eval(op_element_max(x, 0.5), xv), row(0.5, 0.5, 0.5, 4))
  expect_equal(func_eval(op_element_min(x, 0.5), xv), row(-1, 0, 0.25, 0.5))
  expect_equal(func_eval(op_pow(x, 2), xv), xv^2)
  expect_equal(func_eval(op_element_divide(x, c(2, 0, 1, 0)), xv), row(-0.5, 0, 0.25, 0))
  expect_equal(func_eval(op_hardmax(x), xv), row(0, 0, 0, 1))
  expect_equal(func_eval(op_log_softmax(x), xv), xv - log(sum(exp(xv))), tolerance = 1e-6)
  expect_equal(func_eval(op_selu(x), xv), 1.0507009873554805 * ifelse(xv > 0, xv, 1.6732632423543772 * (exp(xv) - 1)),
               tolerance = 1e-6)
  alpha <- op_parameter(4, init = 0.1)
  expect_equal(func_eval(op_param_relu(alpha, x), xv), ifelse(xv > 0, xv, 0.1 * xv), tolerance = 1e-6)
  expect_equal(as.numeric(func_grad(op_param_relu(alpha, x), xv, wrt = list(alpha))), c(-1, 0, 0, 0),
               tolerance = 1e-6)
})

test_that("rounding, sine, cosine and log_add_exp are CNTK's", {
  skip_if_no_cntkr()
  x <- op_input_variable(6, needs_gradient = TRUE)
  xv <- row(-2.5, -1.5, -0.5, 0.5, 1.5, 2.7)
  expect_equal(func_eval(op_floor(x), xv), floor(xv))
  expect_equal(func_eval(op_ceil(x), xv), ceiling(xv))
  expect_equal(func_eval(op_round(x), xv), floor(xv + 0.5))   # halves up, as CNTK
  expect_equal(op_ceil(x)$op_name, "Negate")                  # CNTK's -floor(-x)
  expect_equal(func_grad(op_round(x), xv), 0 * xv)
  expect_equal(func_eval(op_sin(x), xv), sin(xv), tolerance = 1e-6)
  expect_equal(func_eval(op_cos(x), xv), cos(xv), tolerance = 1e-6)
  expect_equal(func_eval(op_log_add_exp(x, 1), xv), log(exp(xv) + exp(1)), tolerance = 1e-6)
  expect_value_error(op_floor("a"), "`arg` must be a Variable, a Function or a numeric array, not \"a\".")
})

test_that("R numbers take the dtype of the Variable operand", {
  skip_if_no_cntkr()
  x <- op_input_variable(2, dtype = "float64")
  f <- op_plus(x, 0.1)
  expect_equal(f$dtype$name, "float64")
  expect_identical(func_eval(f, row(1, 2)), row(1, 2) + 0.1)
})

test_that("bad arguments name the argument", {
  skip_if_no_cntkr()
  x <- op_input_variable(3)
  expect_value_error(op_plus(x, "a"), "`right` must be a Variable, a Function or a numeric array, not \"a\".")
  expect_value_error(x + "a", "`right` must be a Variable, a Function or a numeric array, not \"a\".")
  expect_value_error(op_clip(x, list(1), 2), "`min_value` must be a Variable, a Function or a numeric array")
  expect_value_error(op_abs("x"), "`x` must be a Variable, a Function or a numeric array, not \"x\".")
  expect_value_error(op_selu(x, scale = "a"), "`scale` must be a single finite number, not \"a\".")
  expect_value_error(op_selu(x, alpha = NA), "`alpha` must be a single finite number, not NA.")
  expect_value_error(op_log_softmax(x, axis = 0.5), "`axis` must be whole numbers, not 0.5.")
  expect_value_error(op_element_times(x, x, name = 3), "`name` must be a single string, not 3.")
  expect_error(op_plus(x, op_input_variable(c(2, 2))), "Plus: operand shapes 3 and c(2, 2) do not broadcast", fixed = TRUE)
  expect_error(op_log_softmax(x, axis = 1), "axis must be in \\[-1, 0\\]")
})
