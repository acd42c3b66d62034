# Normalization and dropout layers: BatchNormalization, LayerNormalization
# (cntkr_py/layers/normalization.py) and Dropout, Activation, Label
# (cntkr_py/layers/blocks.py), with CNTK-R's signatures.

#' Batch normalization layer
#'
#' `BatchNormalization()` makes a layer that normalizes its input with batch
#' statistics while training and with running statistics in [func_eval()],
#' then scales and shifts it, as CNTK 2.7's: `func_eval()` computes
#' `(x - mean) / sqrt(variance + epsilon) * scale + bias` with the running
#' statistics (`layer$aggregate_mean`, `layer$aggregate_variance`, Constants);
#' [func_grad()] and [func_forward()] with `keep_for_backward` (training mode)
#' use the minibatch's mean and variance and blend them into the running ones
#' with weight `1 - exp(-B / normalization_time_constant)` (B samples; the
#' first minibatch replaces them), counting samples in `layer$aggregate_count`.
#'
#' @param map_rank `NULL` for one statistic per input element, or `1` for one
#'   per item of the first input axis (the channels of an image).
#' @param init_scale Initial value of the scale (a number).
#' @param normalization_time_constant Time constant (in samples) of the
#'   running statistics: a number `>= 0`; `0` keeps only the last minibatch's,
#'   `Inf` never updates them.
#' @param blend_time_constant Only `0` (training uses the minibatch's
#'   statistics alone) is supported.
#' @param epsilon Added to the variance (a number `>= 0`).
#' @param use_cntk_engine `TRUE` or `FALSE`: CNTK's engine choice; the same
#'   computation here.
#' @param name Name of the layer's output (a string).
#' @return A layer; its parameters are `layer$scale` and `layer$bias`.
#' @section Shape:
#' Output shape = input shape. scale, bias and the running mean and variance
#' have shape `prod(input_shape)` (`map_rank = NULL`) or `input_shape[1]`
#' (`map_rank = 1`); the running count is a scalar.
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(c(2, 3))
#' layer <- BatchNormalization(map_rank = 1)
#' f <- layer(x)
#' xv <- array(rnorm(4 * 2 * 3), c(4, 2, 3))
#' g <- func_grad(f, xv, wrt = list(layer$scale))  # training mode
#' layer$aggregate_mean$value
#' dim(func_eval(f, xv))
#' @export
BatchNormalization <- function(map_rank = NULL, init_scale = 1,
                               normalization_time_constant = 5000,
                               blend_time_constant = 0, epsilon = 0.00001,
                               use_cntk_engine = FALSE, name = "") {
  args <- list(
    map_rank = as_nullable_integer(map_rank),
    init_scale = as_number(init_scale),
    normalization_time_constant = as_time_constant(normalization_time_constant),
    blend_time_constant = as_time_constant(blend_time_constant),
    epsilon = as_number(epsilon),
    use_cntk_engine = as_flag(use_cntk_engine),
    name = as_name(name)
  )
  do.call(cntk_call, c("layers.BatchNormalization", given_options(args)))
}

#' Layer normalization layer
#'
#' `LayerNormalization()` makes a layer computing
#' `(x - mean) / (sd + epsilon) * scale + bias` with the mean and (biased)
#' standard deviation over all axes of each sample, as CNTK 2.7's.
#'
#' @param initial_scale Initial value of the scale (a number).
#' @param initial_bias Initial value of the bias (a number).
#' @param epsilon Added to the standard deviation (a number `>= 0`).
#' @param name Name of the layer's output (a string).
#' @return A layer; its parameters are `layer$scale` and `layer$bias`.
#' @section Shape:
#' Output shape = input shape; scale and bias have the length of the input's
#' last axis (broadcast over the others).
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(c(3, 4))
#' layer <- LayerNormalization()
#' y <- func_eval(layer(x), array(rnorm(2 * 3 * 4), c(2, 3, 4)))
#' dim(layer$scale$value)
#' @export
LayerNormalization <- function(initial_scale = 1, initial_bias = 0,
                               epsilon = 0.00001, name = "") {
  args <- list(
    initial_scale = as_number(initial_scale),
    initial_bias = as_number(initial_bias),
    epsilon = as_number(epsilon),
    name = as_name(name)
  )
  do.call(cntk_call, c("layers.LayerNormalization", given_options(args)))
}

#' Dropout layer
#'
#' `Dropout()` makes a layer that, in training mode ([func_grad()],
#' [func_forward()] with `keep_for_backward`), sets each element to 0 with
#' probability `dropout_rate` and scales the others by
#' `1 / (1 - dropout_rate)`; [func_eval()] passes the input through.
#'
#' @param dropout_rate Probability of dropping an element, in `[0, 1)`.
#' @param keep_prob Probability of keeping one, in `(0, 1)`; give
#'   `dropout_rate` or `keep_prob`, not both.
#' @param seed `NULL` (torch's generator; see [set_fixed_random_seed()]) or a
#'   whole number, kept as the op's `rngSeed` attribute.
#' @param name Name of the layer's output (a string).
#' @return A layer.
#' @section Shape:
#' Output shape = input shape.
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(5)
#' f <- Dropout(0.5)(x)
#' func_eval(f, matrix(1, 2, 5))
#' @export
Dropout <- function(dropout_rate = NULL, keep_prob = NULL, seed = NULL,
                    name = "") {
  args <- list(
    dropout_rate = if (!is.null(dropout_rate)) as_number(dropout_rate),
    keep_prob = if (!is.null(keep_prob)) as_number(keep_prob),
    name = as_name(name)
  )
  if (!is.null(seed)) args$seed <- as_seed(seed)
  do.call(cntk_call, c("layers.Dropout", args))
}

#' Activation layer
#'
#' `Activation()` makes a layer that applies an activation function.
#'
#' @param activation The activation: a cntkr op such as `op_relu`, an R
#'   function of one argument, or `activation_identity`.
#' @param name Name of the layer's output (a string).
#' @return A layer.
#' @section Shape:
#' Output shape = input shape.
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(3)
#' func_eval(Activation(op_relu)(x), matrix(c(-1, 0, 2), 1, 3))
#' @export
Activation <- function(activation = activation_identity, name = "") {
  args <- list(activation = as_activation(activation), name = as_name(name))
  do.call(cntk_call, c("layers.Activation", given_options(args)))
}

#' Label layer
#'
#' `Label()` makes a layer that passes its input through under the name
#' `name`, so that a composite reaches it as `f$<name>`.
#'
#' @param name The name (a non-empty string).
#' @return A layer.
#' @section Shape:
#' Output shape = input shape.
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(3)
#' f <- Label("features")(x)
#' f$name
#' @export
Label <- function(name) {
  cntk_call("layers.Label", as_name(name))
}

# A time constant: a number >= 0 or Inf (reticulate passes Inf as float('inf')).
as_time_constant <- function(x, arg = deparse(substitute(x))) {
  if (!is.numeric(x) || length(x) != 1 || is.na(x) || x < 0) {
    value_error("`", arg, "` must be a number >= 0 (or Inf), not ", describe_value(x), ".")
  }
  as.double(x)
}
