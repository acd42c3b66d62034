# Linear algebra: op_times() and op_times_transpose() (cntkr_py/ops/linear.py),
# with CNTK-R's signatures.

#' Tensor products
#'
#' `op_times(left, right)` is CNTK 2.7's `times`: the leading
#' `length(dim(right)) - output_rank` axes of `right` are contracted with as
#' many trailing axes of `left` (a matrix product for a vector `left` of
#' shape `k` and a matrix `right` of shape `c(k, n)`). Mind the operand order:
#' `op_times(W, x)` with W of shape `c(3, 4)` and x of shape `4` contracts
#' nothing and gives the outer product of shape `c(3, 4, 4)`, as in CNTK.
#' `op_times_transpose(left, right)` is `left` times the transpose of `right`
#' (a matrix, or a vector taken as one row).
#'
#' @param left,right The operands: Variables, Functions, Parameters or R arrays
#'   (R arrays become constants).
#' @param output_rank The number of trailing axes of `right` kept in the
#'   output (a whole number, default `1`).
#' @param infer_input_rank_to_map `-1` (default), or the number of leading
#'   axes of `left` kept (the others are contracted).
#' @param name Name of the output (a string).
#' @return A Function.
#' @section Shape:
#' `op_times()`: `left` `c(m, k)`, `right` `c(k, n)` with `length(n) ==
#' output_rank` give `c(m, n)`. `op_times_transpose()`: `left` `c(m, k)`,
#' `right` `c(n, k)` give `c(m, n)`.
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(4)
#' W <- op_parameter(c(4, 3), init = 0.5)
#' f <- op_times(x, W)
#' f$shape
#' func_eval(f, matrix(1, 2, 4))
#' op_times(W, op_input_variable(3))$shape
#' op_times_transpose(op_input_variable(3), op_parameter(c(5, 3)))$shape
#' @name op_times
NULL

#' @rdname op_times
#' @export
op_times <- function(left, right, output_rank = 1, infer_input_rank_to_map = -1,
                     name = "") {
  cntk_call(
    "times", as_operand(left), as_operand(right),
    output_rank = as_integer(output_rank, minimum = 0),
    infer_input_rank_to_map = as_integer(infer_input_rank_to_map, minimum = -1),
    name = as_name(name)
  )
}

#' @rdname op_times
#' @export
op_times_transpose <- function(left, right, name = "") {
  cntk_call("times_transpose", as_operand(left), as_operand(right), name = as_name(name))
}
