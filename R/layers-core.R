# Core layers: Dense and Embedding (cntkr_py/layers/core.py), with CNTK-R's
# signatures. Shapes in CNTK's Python order, as everywhere in cntkr.

#' Dense (fully connected) layer
#'
#' `Dense()` makes a layer computing `activation(x %*% W + b)`, as CNTK 2.7's
#' `Dense`: W has shape `c(input_shape, shape)`, where `input_shape` is the
#' whole input shape by default (a `c(2, 3, 4)` input and `shape = 5` give W
#' `c(2, 3, 4, 5)`).
#'
#' @param shape Output shape of the layer: a whole number or a vector of
#'   them, e.g. `5` or `c(2, 3)`.
#' @param activation Activation applied to the output: a cntkr op such as
#'   `op_relu`, an R function of one argument, or `activation_identity` (none).
#' @param init Initial value of W: an initializer such as
#'   `init_glorot_uniform()` (CNTK passes it `output_rank = length(shape)`, so
#'   fan-out is `prod(shape)`) or a number.
#' @param input_rank `NULL` or a whole number: W contracts only the last
#'   `input_rank` input axes; the others are mapped over.
#' @param map_rank `NULL` or a whole number: the first `map_rank` input axes
#'   are mapped over, W contracts the rest. Not together with `input_rank`.
#' @param bias `TRUE` to add a bias b of shape `shape`, `FALSE` for none.
#' @param init_bias Initial value of b (a number).
#' @param name Name of the layer's output (a string).
#' @return A layer: call it on an input variable or Function to get a
#'   Function; its parameters are `layer$W` and `layer$b`.
#' @section Shape:
#' Input `c(m, k)` where `m` are the mapped axes (none by default) and `k` the
#' contracted ones; output `c(m, shape)`; W `c(k, shape)`, b `shape`.
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(c(2, 3, 4))
#' layer <- Dense(5, activation = op_relu)
#' f <- layer(x)
#' f$shape
#' dim(layer$W$value)
#' y <- func_eval(f, array(runif(2 * 2 * 3 * 4), c(2, 2, 3, 4)))
#' dim(y)
#' @export
Dense <- function(shape, activation = activation_identity,
                  init = init_glorot_uniform(), input_rank = NULL,
                  map_rank = NULL, bias = TRUE, init_bias = 0, name = "") {
  args <- list(
    shape = as_integer_tuple(shape, minimum = 1),
    activation = as_activation(activation),
    init = as_init(init),
    input_rank = as_nullable_integer(input_rank, minimum = 1),
    map_rank = as_nullable_integer(map_rank, minimum = 0),
    bias = as_flag(bias),
    init_bias = as_number(init_bias),
    name = as_name(name)
  )
  do.call(cntk_call, c("layers.Dense", given_options(args)))
}

#' Embedding layer
#'
#' `Embedding()` makes a layer computing `x %*% E`, a lookup table whose rows
#' are the embedding vectors (x is one-hot, or dense, over the categories on
#' its last axis), as CNTK 2.7's `Embedding`. E is learnable, of shape
#' `c(input_dim, shape)`, unless `weights` gives a fixed table.
#'
#' @param shape Length of the embedding vectors (a whole number); `NULL`
#'   only with `weights`.
#' @param init Initial value of E: an initializer such as
#'   `init_glorot_uniform()` or a number. Not together with `weights`.
#' @param weights `NULL`, or a matrix (one row per category) used as a
#'   constant table.
#' @param name Name of the layer's output (a string).
#' @return A layer; its table is `layer$E`.
#' @section Shape:
#' Input `c(..., input_dim)`; output `c(..., shape)`; E `c(input_dim, shape)`.
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(7)
#' emb <- Embedding(3)
#' f <- emb(x)
#' dim(emb$E$value)
#' func_eval(f, diag(7)[1:2, ])
#' @export
Embedding <- function(shape = NULL, init = init_glorot_uniform(),
                      weights = NULL, name = "") {
  args <- list(
    shape = as_nullable_integer(shape, minimum = 1),
    weights = if (!is.null(weights)) as.matrix(weights),
    name = as_name(name)
  )
  if (!missing(init)) args$init <- as_init(init)
  if (!missing(init) && !is.null(weights)) {
    value_error("`init` and `weights` cannot both be given to Embedding().")
  }
  do.call(cntk_call, c("layers.Embedding", given_options(args)))
}
