# Reductions over static axes (cntkr_py/ops/reductions.py), with CNTK-R's
# signatures: axes 0-based in CNTK's Python order, as CNTK-R passed them.

#' Reductions
#'
#' `op_reduce_sum()`, `op_reduce_mean()`, `op_reduce_max()`, `op_reduce_min()`,
#' `op_reduce_prod()` and `op_reduce_log_sum_exp()` (`log(sum(exp(x)))`)
#' reduce `x` over `axis`, keeping the reduced axes with dimension 1, as CNTK
#' does. `op_argmax()` / `op_argmin()` give the index (0-based, as a number) of
#' the first largest / smallest element along `axis`.
#'
#' Gradients are CNTK 2.7's: `op_reduce_max()` / `op_reduce_min()` pass the
#' gradient to every element equal to the extreme (ties all get it),
#' `op_reduce_prod()`'s is `y / x` (0 where `x` is 0), `op_argmax()` /
#' `op_argmin()` pass none.
#'
#' @param x The input: a Variable or Function, or an R array.
#' @param axis `NULL` (every static axis: the output has shape `()`), a static
#'   axis (0-based, negative counts from the end), a vector of them (not for
#'   `op_argmax()` / `op_argmin()`), or an axis object such as
#'   `get_all_static_axes()` or `CNTKAxis(1)`.
#' @param name Name of the output (a string).
#' @return A Function.
#' @section Shape:
#' The input's shape with dimension 1 on each reduced axis; `()` when `axis`
#' is `NULL` or `get_all_static_axes()`.
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(c(2, 3))
#' v <- array(1:12, c(2, 2, 3))
#' func_eval(op_reduce_sum(x, axis = 1), v)
#' func_eval(op_reduce_max(x), v)
#' func_eval(op_argmax(x, axis = 0), v)
#' op_reduce_mean(x, axis = get_all_static_axes())$shape
#' @name reductions
NULL

reduce_call <- function(path, x, axis, name) {
  cntk_call(path, as_operand(x, "x"), axis = as_axis_arg(axis), name = as_name(name, "name"))
}

# NULL, an axis object, or whole numbers (one axis: an int; several: a tuple).
as_axis_arg <- function(axis, arg = "axis") {
  if (is.null(axis) || is_py(axis)) {
    return(axis)
  }
  as_integer_tuple(axis, arg)
}

#' @rdname reductions
#' @export
op_reduce_sum <- function(x, axis = NULL, name = "") {
  reduce_call("reduce_sum", x, axis, name)
}

#' @rdname reductions
#' @export
op_reduce_mean <- function(x, axis = NULL, name = "") {
  reduce_call("reduce_mean", x, axis, name)
}

#' @rdname reductions
#' @export
op_reduce_max <- function(x, axis = NULL, name = "") {
  reduce_call("reduce_max", x, axis, name)
}

#' @rdname reductions
#' @export
op_reduce_min <- function(x, axis = NULL, name = "") {
  reduce_call("reduce_min", x, axis, name)
}

#' @rdname reductions
#' @export
op_reduce_prod <- function(x, axis = NULL, name = "") {
  reduce_call("reduce_prod", x, axis, name)
}

#' @rdname reductions
#' @export
op_reduce_log_sum_exp <- function(x, axis = NULL, name = "") {
  reduce_call("reduce_log_sum_exp", x, axis, name)
}

#' @rdname reductions
#' @export
op_argmax <- function(x, axis = NULL, name = "") {
  reduce_call("argmax", x, axis, name)
}

#' @rdname reductions
#' @export
op_argmin <- function(x, axis = NULL, name = "") {
  reduce_call("argmin", x, axis, name)
}
