#' Elementwise arithmetic
#'
#' Elementwise arithmetic with CNTK's names (CNTK-R's signatures). Each takes
#' Variables, Functions, R numbers or R arrays and returns a Function. The
#' arithmetic operators call them: `x + y` is `op_plus(x, y)`, `x - y`
#' `op_minus()`, `x * y` `op_element_times()`, `x / y` `op_element_divide()`,
#' `x ^ y` `op_pow()` and `-x` `op_negate()` (see [cntkr_arithmetic]).
#'
#' - `op_plus(left, right)`, `op_minus(left, right)`,
#'   `op_element_times(left, right)`: `left + right`, `left - right`,
#'   `left * right`.
#' - `op_element_divide(left, right)`: `left / right`; 0 where `right` is 0
#'   (CNTK's rule).
#' - `op_pow(base, exponent)`: `base ^ exponent` (`0 ^ negative` is 0, as in
#'   CNTK).
#' - `op_negate(x)`: `-x`; `op_reciprocal(x)`: `1 / x` (0 at 0, as in CNTK);
#'   `op_square(x)`: `x * x`.
#'
#' @section Shape:
#' The operands broadcast as NumPy arrays do, on their shapes in CNTK-Python
#' order (`c(3)` with `c(2, 1)` gives `c(2, 3)`); the output has the broadcast
#' shape (the input's shape for one operand) and the batch axis of the inputs
#' that have one.
#'
#' @param left,right,base,exponent,x The operands: Variables or Functions
#'   (e.g. from [op_input_variable()] or a layer), R numbers or R arrays (made
#'   constants of the other operand's dtype).
#' @param name Name of the resulting Function, a string.
#' @return A Function.
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(3)
#' y <- op_input_variable(3)
#' f <- op_element_divide(op_plus(x, 1), y)
#' func_eval(f, dict(x = matrix(c(1, 2, 3), 1), y = matrix(c(2, 0, 4), 1)))
#' func_eval(op_pow(x, 2), matrix(c(-1, 2, 3), 1))
#' @name arithmetic
NULL

#' @rdname arithmetic
#' @export
op_plus <- function(left, right, name = "") {
  cntk_call("plus", as_math_operand(left), as_math_operand(right), name = as_name(name))
}

#' @rdname arithmetic
#' @export
op_minus <- function(left, right, name = "") {
  cntk_call("minus", as_math_operand(left), as_math_operand(right), name = as_name(name))
}

#' @rdname arithmetic
#' @export
op_element_times <- function(left, right, name = "") {
  cntk_call("element_times", as_math_operand(left), as_math_operand(right), name = as_name(name))
}

#' @rdname arithmetic
#' @export
op_element_divide <- function(left, right, name = "") {
  cntk_call("element_divide", as_math_operand(left), as_math_operand(right), name = as_name(name))
}

#' @rdname arithmetic
#' @export
op_pow <- function(base, exponent, name = "") {
  cntk_call("pow", as_math_operand(base), as_math_operand(exponent), name = as_name(name))
}

#' @rdname arithmetic
#' @export
op_negate <- function(x, name = "") {
  cntk_call("negate", as_operand(x), name = as_name(name))
}

#' @rdname arithmetic
#' @export
op_reciprocal <- function(x, name = "") {
  cntk_call("reciprocal", as_operand(x), name = as_name(name))
}

#' @rdname arithmetic
#' @export
op_square <- function(x, name = "") {
  cntk_call("square", as_operand(x), name = as_name(name))
}

#' Elementwise math functions
#'
#' Elementwise functions with CNTK's names (CNTK-R's signatures); each
#' returns a Function.
#'
#' - `op_abs(x)`: `|x|` (gradient 0 at 0); `op_exp(x)`: `exp(x)`.
#' - `op_log(x)`: natural logarithm; `-85.1` for `x < 1e-37` (0 and
#'   negatives included), as in CNTK.
#' - `op_sqrt(x)`: square root; 0 for `x <= 0`, as in CNTK.
#' - `op_log_add_exp(left, right)`: `log(exp(left) + exp(right))`.
#' - `op_sin(x)`, `op_cos(x)`: sine and cosine.
#' - `op_floor(arg)`, `op_ceil(arg)`, `op_round(arg)`: rounding down, up and
#'   to the nearest integer with halves up (`floor(arg + 0.5)`, CNTK's
#'   definition: `op_round(-2.5)` is -2); their gradient is 0.
#' - `op_clip(x, min_value, max_value)`: `x` limited to
#'   `[min_value, max_value]` (gradient 1 at the bounds, 0 for the bounds).
#' - `op_element_max(left, right)`, `op_element_min(left, right)`: the larger
#'   (smaller) operand; a tie passes the gradient to `right`.
#' - `op_element_select(flag, value_if_true, value_if_false)`:
#'   `value_if_true` where `flag` is not 0, else `value_if_false`.
#'
#' @section Shape:
#' The output has the shape of `x`, or the NumPy broadcast of the operands'
#' shapes (CNTK-Python order) for the functions of several operands.
#'
#' @param x,arg,left,right,flag,value_if_true,value_if_false The operands:
#'   Variables or Functions, R numbers or R arrays.
#' @param min_value,max_value The bounds of `op_clip()`: numbers, R arrays,
#'   Variables or Functions (broadcast with `x`).
#' @param name Name of the resulting Function, a string.
#' @return A Function.
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(4)
#' xv <- matrix(c(-2, 0, 0.5, 4), 1)
#' func_eval(op_abs(x), xv)
#' func_eval(op_clip(x, -1, 1), xv)
#' func_eval(op_round(x), xv)
#' func_eval(op_element_select(op_greater(x, 0), x, 0), xv)
#' @name math
NULL

#' @rdname math
#' @export
op_abs <- function(x, name = "") {
  cntk_call("abs", as_operand(x), name = as_name(name))
}

#' @rdname math
#' @export
op_exp <- function(x, name = "") {
  cntk_call("exp", as_operand(x), name = as_name(name))
}

#' @rdname math
#' @export
op_log <- function(x, name = "") {
  cntk_call("log", as_operand(x), name = as_name(name))
}

#' @rdname math
#' @export
op_sqrt <- function(x, name = "") {
  cntk_call("sqrt", as_operand(x), name = as_name(name))
}

#' @rdname math
#' @export
op_log_add_exp <- function(left, right, name = "") {
  cntk_call("log_add_exp", as_math_operand(left), as_math_operand(right), name = as_name(name))
}

#' @rdname math
#' @export
op_sin <- function(x, name = "") {
  cntk_call("sin", as_operand(x), name = as_name(name))
}

#' @rdname math
#' @export
op_cos <- function(x, name = "") {
  cntk_call("cos", as_operand(x), name = as_name(name))
}

#' @rdname math
#' @export
op_floor <- function(arg, name = "") {
  cntk_call("floor", as_operand(arg), name = as_name(name))
}

#' @rdname math
#' @export
op_ceil <- function(arg, name = "") {
  cntk_call("ceil", as_operand(arg), name = as_name(name))
}

#' @rdname math
#' @export
op_round <- function(arg, name = "") {
  cntk_call("round", as_operand(arg), name = as_name(name))
}

#' @rdname math
#' @export
op_clip <- function(x, min_value, max_value, name = "") {
  cntk_call("clip", as_math_operand(x), as_math_operand(min_value), as_math_operand(max_value),
            name = as_name(name))
}

#' @rdname math
#' @export
op_element_max <- function(left, right, name = "") {
  cntk_call("element_max", as_math_operand(left), as_math_operand(right), name = as_name(name))
}

#' @rdname math
#' @export
op_element_min <- function(left, right, name = "") {
  cntk_call("element_min", as_math_operand(left), as_math_operand(right), name = as_name(name))
}

#' @rdname math
#' @export
op_element_select <- function(flag, value_if_true, value_if_false, name = "") {
  cntk_call("element_select", as_math_operand(flag), as_math_operand(value_if_true),
            as_math_operand(value_if_false), name = as_name(name))
}

#' Elementwise comparisons
#'
#' Compare two operands elementwise, with CNTK's names (CNTK-R's signatures):
#' 1 where the comparison holds, 0 elsewhere, in the operands' dtype. Their
#' gradient is 0. The R operators `==`, `!=`, `<`, `<=`, `>`, `>=` on cntkr
#' objects call them (see [cntkr_arithmetic]).
#'
#' @section Shape:
#' The NumPy broadcast of the operands' shapes (CNTK-Python order).
#'
#' @param left,right The operands: Variables or Functions, R numbers or R
#'   arrays.
#' @param name Name of the resulting Function, a string.
#' @return A Function.
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(3)
#' func_eval(op_greater(x, 0), matrix(c(-1, 0, 2), 1))
#' func_eval(op_equal(x, 0), matrix(c(-1, 0, 2), 1))
#' @name comparisons
NULL

#' @rdname comparisons
#' @export
op_equal <- function(left, right, name = "") {
  cntk_call("equal", as_math_operand(left), as_math_operand(right), name = as_name(name))
}

#' @rdname comparisons
#' @export
op_not_equal <- function(left, right, name = "") {
  cntk_call("not_equal", as_math_operand(left), as_math_operand(right), name = as_name(name))
}

#' @rdname comparisons
#' @export
op_less <- function(left, right, name = "") {
  cntk_call("less", as_math_operand(left), as_math_operand(right), name = as_name(name))
}

#' @rdname comparisons
#' @export
op_less_equal <- function(left, right, name = "") {
  cntk_call("less_equal", as_math_operand(left), as_math_operand(right), name = as_name(name))
}

#' @rdname comparisons
#' @export
op_greater <- function(left, right, name = "") {
  cntk_call("greater", as_math_operand(left), as_math_operand(right), name = as_name(name))
}

#' @rdname comparisons
#' @export
op_greater_equal <- function(left, right, name = "") {
  cntk_call("greater_equal", as_math_operand(left), as_math_operand(right), name = as_name(name))
}

#' Arithmetic operators on cntkr objects
#'
#' R's arithmetic and comparison operators on Variables and Functions build
#' ops, with R numbers or arrays allowed on either side: `x + y` is
#' [op_plus()], `x - y` [op_minus()], `x * y` [op_element_times()], `x / y`
#' [op_element_divide()], `x ^ y` [op_pow()], `-x` [op_negate()] (`+x` is `x`),
#' and `==`, `!=`, `<`, `<=`, `>`, `>=` are [op_equal()] ... [op_greater_equal()].
#' Other operators (`%%`, `%/%`, `&`, `|`, `!`) raise an error.
#'
#' @section Shape:
#' As for the ops: the NumPy broadcast of the operands' shapes.
#'
#' @param e1,e2 The operands: at least one a cntkr Variable or Function, the
#'   other one also, or an R number or array.
#' @return A Function.
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(3)
#' f <- 2 * x - 1 / (x + 3)
#' func_eval(f, matrix(c(1, 2, 3), 1))
#' func_eval(-x^2, matrix(c(1, 2, 3), 1))
#' @name cntkr_arithmetic
#' @export
Ops.cntkr_object <- function(e1, e2) {
  if (missing(e2)) {
    return(switch(.Generic,
      "-" = op_negate(e1),
      "+" = e1,
      value_error("the operator `", .Generic, "` is not defined for cntkr objects.")
    ))
  }
  op <- switch(.Generic,
    "+" = op_plus, "-" = op_minus, "*" = op_element_times, "/" = op_element_divide, "^" = op_pow,
    "==" = op_equal, "!=" = op_not_equal, "<" = op_less, "<=" = op_less_equal, ">" = op_greater,
    ">=" = op_greater_equal,
    value_error("the operator `", .Generic, "` is not defined for cntkr objects.")
  )
  op(e1, e2)
}

# An operand of an op with several operands: Python objects pass; R numbers
# and arrays become float64 NumPy arrays, which Python makes constants of the
# dtype of the Variable operands (as CNTK does with Python numbers).
as_math_operand <- function(x, arg = deparse(substitute(x))) {
  force(arg)
  if (is_py(x)) {
    return(x)
  }
  if (is.numeric(x) || is.logical(x)) {
    return(as_numpy_array(x, "float64", arg = arg))
  }
  value_error("`", arg, "` must be a Variable, a Function or a numeric array, not ", describe_value(x), ".")
}
