#' Initializers
#'
#' Random initializers for a layer's `init` or [op_parameter()]'s `init`,
#' with CNTK 2.7's distributions. Each returns an initializer object; the
#' values are drawn when the parameter's shape is known.
#'
#' With `fan_in` and `fan_out` computed from the parameter's shape,
#' `output_rank` and `filter_rank` as CNTK does (for a
#' [ConvolutionTranspose()] kernel of shape
#' `c(in_depth, num_filters, filter_shape)`:
#' `fan_in = num_filters * prod(filter_shape)` and
#' `fan_out = in_depth * prod(filter_shape)`):
#'
#' | initializer | distribution | range or standard deviation |
#' |---|---|---|
#' | `init_uniform()` | uniform | `[-scale, scale]` |
#' | `init_normal()` | normal | `scale` |
#' | `init_truncated_normal()` | normal, cut at 2 sd | `stdev` |
#' | `init_xavier()` | uniform | `scale * sqrt(3 / fan_in)` |
#' | `init_glorot_uniform()` | uniform | `scale * sqrt(6 / (fan_in + fan_out))` |
#' | `init_glorot_normal()` | normal | `scale * sqrt(2 / (fan_in + fan_out))` |
#' | `init_he_uniform()` | uniform | `scale * sqrt(6 / fan_in)` |
#' | `init_he_normal()` | normal | `scale * sqrt(2 / fan_in)` |
#'
#' @param scale Scale of the distribution, a positive number.
#' @param stdev Standard deviation of `init_truncated_normal()`, a positive
#'   number.
#' @param output_rank Number of output axes of the parameter, a whole number;
#'   the default, [SentinelValueForInferParamInitRank], lets the layer decide.
#' @param filter_rank Number of filter (kernel) axes, a whole number; the
#'   default, [SentinelValueForInferParamInitRank], lets the layer decide.
#' @param seed Random seed, a whole number `>= 0`, or `NULL` to draw from
#'   the session's generator (made reproducible by
#'   [set_fixed_random_seed()]; R's `set.seed()` does not reach it).
#' @return An initializer.
#' @examplesIf is_cntkr_available()
#' layer <- ConvolutionTranspose(c(3, 3), num_filters = 2,
#'                               init = init_he_normal(seed = 1))
#' f <- layer(op_input_variable(c(4, 5, 5)))
#' sd(layer$W$value)
#' @name initializers
NULL

#' CNTK's "infer this rank" value
#'
#' The default `output_rank` and `filter_rank` of the initializers: the
#' layer that uses the initializer fills in its own ranks. It is CNTK's
#' `SentinelValueForInferParamInitRank`, the largest 32-bit integer.
#'
#' @format An integer, `2147483647L`.
#' @examples
#' SentinelValueForInferParamInitRank
#' @export
SentinelValueForInferParamInitRank <- .Machine$integer.max

ranked_initializer <- function(kind, scale, output_rank, filter_rank, seed) {
  cntk_call(
    paste0("initializer.", kind),
    scale = as_number(scale),
    output_rank = as_integer(output_rank, "output_rank"),
    filter_rank = as_integer(filter_rank, "filter_rank"),
    seed = as_nullable_integer(seed, "seed", minimum = 0)
  )
}

#' @rdname initializers
#' @export
init_glorot_uniform <- function(scale = 1, output_rank = SentinelValueForInferParamInitRank,
                                filter_rank = SentinelValueForInferParamInitRank, seed = NULL) {
  ranked_initializer("glorot_uniform", scale, output_rank, filter_rank, seed)
}

#' @rdname initializers
#' @export
init_glorot_normal <- function(scale = 1, output_rank = SentinelValueForInferParamInitRank,
                               filter_rank = SentinelValueForInferParamInitRank, seed = NULL) {
  ranked_initializer("glorot_normal", scale, output_rank, filter_rank, seed)
}

#' @rdname initializers
#' @export
init_he_uniform <- function(scale = 1, output_rank = SentinelValueForInferParamInitRank,
                            filter_rank = SentinelValueForInferParamInitRank, seed = NULL) {
  ranked_initializer("he_uniform", scale, output_rank, filter_rank, seed)
}

#' @rdname initializers
#' @export
init_he_normal <- function(scale = 1, output_rank = SentinelValueForInferParamInitRank,
                           filter_rank = SentinelValueForInferParamInitRank, seed = NULL) {
  ranked_initializer("he_normal", scale, output_rank, filter_rank, seed)
}

#' @rdname initializers
#' @export
init_xavier <- function(scale = 1, output_rank = SentinelValueForInferParamInitRank,
                        filter_rank = SentinelValueForInferParamInitRank, seed = NULL) {
  ranked_initializer("xavier", scale, output_rank, filter_rank, seed)
}

#' @rdname initializers
#' @export
init_normal <- function(scale = 1, output_rank = SentinelValueForInferParamInitRank,
                        filter_rank = SentinelValueForInferParamInitRank, seed = NULL) {
  ranked_initializer("normal", scale, output_rank, filter_rank, seed)
}

#' @rdname initializers
#' @export
init_uniform <- function(scale, seed = NULL) {
  cntk_call("initializer.uniform", as_number(scale), seed = as_nullable_integer(seed, minimum = 0))
}

#' @rdname initializers
#' @export
init_truncated_normal <- function(stdev, seed = NULL) {
  cntk_call("initializer.truncated_normal", as_number(stdev), seed = as_nullable_integer(seed, minimum = 0))
}

#' Make random initial values reproducible
#'
#' R's [set.seed()] does not reach PyTorch, which draws cntkr's random initial
#' values. `set_fixed_random_seed()` (CNTK's `cntk_py.set_fixed_random_seed`)
#' seeds the generator behind every initializer that has no `seed` of its
#' own: layers and parameters created and applied in the same order after the
#' same call get the same values, in this R session or a new one.
#'
#' To fix one parameter's values regardless of what was drawn before, give
#' its initializer a seed instead, e.g. `init = init_glorot_uniform(seed = 1)`
#' (see [initializers]).
#'
#' Values are drawn when a parameter's shape is known: for a layer, when it
#' is first applied to an input (`layer(x)`), not when it is created.
#'
#' @param seed The seed, a whole number `>= 0`.
#' @return `NULL`, invisibly.
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(c(2, 5, 5))
#' set_fixed_random_seed(42)
#' a <- ConvolutionTranspose(c(3, 3), num_filters = 4)
#' a(x)
#' set_fixed_random_seed(42)
#' b <- ConvolutionTranspose(c(3, 3), num_filters = 4)
#' b(x)
#' identical(a$W$value, b$W$value)  # TRUE
#' @export
set_fixed_random_seed <- function(seed) {
  bridge_call("set_fixed_random_seed", as_integer(seed, minimum = 0))
  invisible()
}
