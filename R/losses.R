#' Loss functions
#'
#' Training criteria with CNTK-R's names, computing what CNTK 2.7 computes
#' (every shape below is per sample; the batch axis comes first):
#'
#' - `loss_cross_entropy_with_softmax(output_vector, target_vector, axis)`:
#'   `log(sum(exp(o))) - sum(t * o)` along `axis` (the cross entropy of
#'   `t` and the softmax of `o` when `t` sums to 1). With the default
#'   `axis = -1`, `o` and `t` have 1 or 2 static axes and the same last
#'   dimension, and every row of `o` meets every row of `t` (CNTK's
#'   TransposeTimes); any other `axis` reduces that axis only.
#' - `loss_binary_cross_entropy(output, target)`: elementwise
#'   `-(t log(p + 1e-6) + (1 - t) log(1 + 1e-6 - p))` (not summed).
#' - `loss_weighted_binary_cross_entropy(output, target, weight)`: CNTK 2.7
#'   reports one number per minibatch, `n * sum(w * l) / sum(w)` with
#'   `l = -log(t p + (1 - t)(1 - p))`; cntkr gives each sample its share
#'   `n * w * l / sum(w)` (their sum is CNTK's number) and, unlike CNTK,
#'   gradients.
#' - `loss_squared_error(output, target)`: `sum((o - t)^2)` over the sample
#'   (`o` and `t` broadcast).
#' - `loss_cosine_distance(x, y)`: the cosine *similarity* of `x` and `y`
#'   over the sample (CNTK's `cosine_distance`), 0 for a zero vector.
#' - `loss_cosine_distance_negative_samples(x, y, shift, num_negative_samples)`:
#'   for sample `i` of a minibatch of `n`, the cosine similarity of `x[i]` with
#'   `y[i]`, then with `y[i + shift]`, `y[i + shift + 1]`, ... (indices modulo
#'   `n`): `num_negative_samples + 1` values per sample.
#'
#' @section Shape:
#' `loss_cross_entropy_with_softmax()` with the default axis: `c(n, k)` and
#' `c(m, k)` give `c(n, m)`, `c(k)` and `c(k)` give `1`, `c(n, k)` and `c(k)`
#' give `c(n, 1)`, `c(k)` and `c(m, k)` give `m`; with another axis, the
#' broadcast shape of both with that axis of dimension 1.
#' `loss_binary_cross_entropy()`: the broadcast shape of `output` and
#' `target`. `loss_cosine_distance_negative_samples()`:
#' `num_negative_samples + 1`. The others: a scalar per sample (shape `c()`).
#'
#' @param output_vector,output,x The network's output: a Variable or Function
#'   (or a numeric array, made a constant).
#' @param target_vector,target,y The target, of the output's shape (one-hot
#'   rows for the cross entropy, 0/1 values for the binary cross entropies).
#' @param weight Each sample's weight, of the output's shape.
#' @param shift The offset of the first negative sample in the minibatch, a
#'   whole number `>= 0`.
#' @param num_negative_samples How many negative samples, a whole number
#'   `>= 0`.
#' @param axis The static axis (0-based; negative counts from the end) along
#'   which the cross entropy is computed, a whole number; `-1` (the default)
#'   is CNTK's row-by-row form above.
#' @param name Name of the resulting Function, a string.
#' @return A Function.
#' @examplesIf is_cntkr_available()
#' z <- op_input_variable(3, name = "z")
#' y <- op_input_variable(3, name = "y")
#' loss <- loss_cross_entropy_with_softmax(z, y)
#' func_eval(loss, list(z = matrix(c(1, 2, 3), 1), y = matrix(c(0, 0, 1), 1)))
#' func_eval(loss_squared_error(z, y), list(z = matrix(c(1, 2, 3), 1), y = matrix(c(0, 0, 1), 1)))
#' @name losses
NULL

#' @rdname losses
#' @export
loss_cross_entropy_with_softmax <- function(output_vector, target_vector, axis = -1, name = "") {
  cntk_call("losses.cross_entropy_with_softmax", as_operand(output_vector), as_operand(target_vector),
            axis = as_integer(axis), name = as_name(name))
}

#' @rdname losses
#' @export
loss_binary_cross_entropy <- function(output, target, name = "") {
  cntk_call("losses.binary_cross_entropy", as_operand(output), as_operand(target), name = as_name(name))
}

#' @rdname losses
#' @export
loss_weighted_binary_cross_entropy <- function(output, target, weight, name = "") {
  cntk_call("losses.weighted_binary_cross_entropy", as_operand(output), as_operand(target),
            as_operand(weight), name = as_name(name))
}

#' @rdname losses
#' @export
loss_squared_error <- function(output, target, name = "") {
  cntk_call("losses.squared_error", as_operand(output), as_operand(target), name = as_name(name))
}

#' @rdname losses
#' @export
loss_cosine_distance <- function(x, y, name = "") {
  cntk_call("losses.cosine_distance", as_operand(x), as_operand(y), name = as_name(name))
}

#' @rdname losses
#' @export
loss_cosine_distance_negative_samples <- function(x, y, shift, num_negative_samples, name = "") {
  cntk_call("losses.cosine_distance_with_negative_samples", as_operand(x), as_operand(y),
            shift = as_integer(shift, minimum = 0),
            num_negative_samples = as_integer(num_negative_samples, minimum = 0), name = as_name(name))
}
