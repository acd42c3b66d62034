#' Classification error
#'
#' 1 for a sample whose prediction misses its label, 0 for a hit, as CNTK 2.7
#' computes it. With the default `axis = -1` and `topN = 1` it is
#' `1 - sum(t * hardmax(o))` (the first largest output over the whole sample;
#' row by row for 2-axis operands, as `loss_cross_entropy_with_softmax()`).
#' With another `axis`, a sample misses wherever `target_vector` differs from
#' "the output equals its maximum along `axis`" (every tied maximum counts),
#' averaged over the other axes. With `topN > 1` (default axis only) a sample
#' hits when the first largest target is among the `topN` largest outputs
#' (ties: the lower index first); CNTK 2.7 then reports the minibatch's count
#' as one number, cntkr each sample's error (their sum is CNTK's number).
#' The gradient is 0 for `output_vector` (a metric, not a training criterion).
#'
#' @section Shape:
#' Default axis and `topN = 1`: as `loss_cross_entropy_with_softmax()` (`1`
#' for vectors); otherwise a scalar per sample (shape `c()`).
#'
#' @param output_vector The network's output: a Variable or Function (or a
#'   numeric array, made a constant).
#' @param target_vector The one-hot targets, of the output's shape.
#' @param axis The static axis (0-based; negative counts from the end) of the
#'   classes, a whole number; `-1` by default.
#' @param topN How many of the largest outputs count as hits, a whole number
#'   `>= 1`.
#' @param name Name of the resulting Function, a string.
#' @return A Function.
#' @examplesIf is_cntkr_available()
#' z <- op_input_variable(4, name = "z")
#' y <- op_input_variable(4, name = "y")
#' out <- matrix(c(1, 3, 3, 0, 5, 1, 0, 2), 2, byrow = TRUE)
#' lab <- matrix(c(0, 0, 1, 0, 0, 0, 0, 1), 2, byrow = TRUE)
#' func_eval(classification_error(z, y), list(z = out, y = lab))
#' func_eval(classification_error(z, y, topN = 2), list(z = out, y = lab))
#' @export
classification_error <- function(output_vector, target_vector, axis = -1, topN = 1, name = "") {
  cntk_call("metrics.classification_error", as_operand(output_vector), as_operand(target_vector),
            axis = as_integer(axis), topN = as_integer(topN, minimum = 1), name = as_name(name))
}
